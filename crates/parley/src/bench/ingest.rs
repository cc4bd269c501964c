//! `parley bench ingest`: posts signed webhooks over loopback and reports
//! messages/s and latency for durable ingest, next to a ceiling measured in
//! the same run (an endpoint that only verifies the signature and answers
//! 200), because this machine's absolute numbers are noisy.

use crate::config::CommonOpts;
use parley_server::Server;
use parley_whatsapp::{signature, simulate};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct RunResult {
    name: String,
    count: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl RunResult {
    fn rate(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i].as_secs_f64() * 1000.0
    }
    fn print(&self) {
        println!(
            "{:<34} {:>8} msgs {:>9.0} msg/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}",
            self.name,
            self.count,
            self.rate(),
            self.pct(0.5),
            self.pct(0.99),
            self.errors
        );
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

pub async fn run(
    messages: usize,
    concurrency: usize,
    paced_rate: usize,
    paced_seconds: u64,
    opts: CommonOpts,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut cfg = opts.resolve()?;
    cfg.listen = "127.0.0.1:0".parse()?;
    if opts.data_dir.is_none() {
        cfg.data_dir = dir.path().to_path_buf();
    }
    cfg.whatsapp.app_secret = "bench-secret".into();
    cfg.whatsapp.phone_number_id = "106540352242922".into();
    // Nothing is sent during the benchmark; point the client at nowhere.
    cfg.whatsapp.api_base = "http://127.0.0.1:9".into();
    cfg.bench_ceiling = true;
    let backend = if cfg.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let server = Server::start(cfg).await?;
    let base = format!("http://{}", server.addr);
    println!(
        "parley bench ingest: {backend}, {messages} messages per run, concurrency {concurrency}, one message per POST"
    );

    let peak = Arc::new(std::sync::Mutex::new(0f64));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                let r = rss_mib();
                {
                    let mut p = peak.lock().unwrap();
                    if r > *p {
                        *p = r;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let make = |n: usize, tag: &str| -> Vec<(Vec<u8>, String)> {
        (0..n)
            .map(|i| {
                let from = format!("1555{:07}", i % 5_000);
                let body = simulate::text(
                    "106540352242922",
                    "15550783881",
                    &from,
                    "Bench Customer",
                    &format!("wamid.bench.{tag}.{i}"),
                    "Hello, where is my order #12345? It has not arrived yet.",
                    1_764_000_000,
                );
                let bytes = serde_json::to_vec(&body).expect("json");
                let sig = signature::sign(b"bench-secret", &bytes);
                (bytes, sig)
            })
            .collect()
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;

    let ceiling = blast(
        &client,
        &format!("{base}/bench/ceiling"),
        make(messages, "c"),
        concurrency,
        "ceiling (verify + 200)",
    )
    .await;
    ceiling.print();
    let durable = blast(
        &client,
        &format!("{base}/webhooks/whatsapp"),
        make(messages, "d"),
        concurrency,
        "durable ingest (committed)",
    )
    .await;
    durable.print();
    // The processor turns the log into contacts, tickets and messages
    // behind the acknowledgements; let it catch up before the latency run.
    let drained = drain(&server).await?;
    let total = durable.elapsed + drained;
    println!(
        "{:<34} {:>8} msgs {:>9.0} msg/s   (log -> tickets: first POST until the backlog was empty)",
        "processing",
        messages,
        messages as f64 / total.as_secs_f64()
    );
    // An agent is connected: time from each POST to its message.created
    // event on the bus that feeds the event stream.
    let mut events = server.state.bus.subscribe();
    let paced_started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / paced_rate as f64);
    let event_latencies = Arc::new(std::sync::Mutex::new(Vec::<Duration>::new()));
    let sink = event_latencies.clone();
    let watcher = tokio::spawn(async move {
        while let Ok(ev) = events.recv().await {
            if ev.name != "message.created" {
                continue;
            }
            let wamid = ev.data["message"]["wa_message_id"].as_str().unwrap_or("");
            if let Some(i) = wamid
                .strip_prefix("wamid.bench.p.")
                .and_then(|i| i.parse::<u32>().ok())
            {
                let l = paced_started.elapsed().saturating_sub(interval * i);
                sink.lock().unwrap().push(l);
            }
        }
    });
    let paced = paced_run(
        &client,
        &format!("{base}/webhooks/whatsapp"),
        make(paced_rate * paced_seconds as usize, "p"),
        paced_rate,
    )
    .await;
    paced.print();
    let drained = drain(&server).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    watcher.abort();
    let mut ev = event_latencies.lock().unwrap().clone();
    ev.sort();
    if !ev.is_empty() {
        let pct =
            |p: f64| ev[((ev.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
        println!(
            "{:<34} {:>8} msgs               p50 {:>7.2} ms   p99 {:>7.2} ms   (POST sent -> message.created event)",
            "event to a connected agent",
            ev.len(),
            pct(0.5),
            pct(0.99)
        );
    }
    sampler.abort();
    let peak = *peak.lock().unwrap();
    println!(
        "durable / ceiling: {:.0}%",
        100.0 * durable.rate() / ceiling.rate()
    );
    println!(
        "processing kept up during the paced run: backlog empty {:.2} s after its last POST",
        drained.as_secs_f64()
    );
    println!("peak resident memory (server and load generator, one process): {peak:.0} MiB");
    server.shutdown().await;
    Ok(())
}

/// Waits until every logged webhook is processed; returns how long that took.
async fn drain(server: &parley_server::RunningServer) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let (pending, _) = server
            .state
            .store
            .webhook_backlog(parley_server::ingest::MAX_ATTEMPTS)
            .await?;
        if pending == 0 || started.elapsed() > Duration::from_secs(300) {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn blast(
    client: &reqwest::Client,
    url: &str,
    bodies: Vec<(Vec<u8>, String)>,
    concurrency: usize,
    name: &str,
) -> RunResult {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, bodies, next, errors) = (
            client.clone(),
            url.to_string(),
            bodies.clone(),
            next.clone(),
            errors.clone(),
        );
        tasks.spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, sig)) = bodies.get(i) else {
                    break;
                };
                let t = Instant::now();
                let ok = client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header(signature::HEADER, sig)
                    .body(body.clone())
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                lat.push(t.elapsed());
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat
        });
    }
    let mut latencies = Vec::with_capacity(bodies.len());
    while let Some(r) = tasks.join_next().await {
        latencies.extend(r.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    RunResult {
        name: name.into(),
        count: bodies.len(),
        elapsed,
        latencies,
        errors: errors.load(Ordering::Relaxed),
    }
}

async fn paced_run(
    client: &reqwest::Client,
    url: &str,
    bodies: Vec<(Vec<u8>, String)>,
    rate: usize,
) -> RunResult {
    let count = bodies.len();
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (body, sig)) in bodies.into_iter().enumerate() {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, url) = (client.clone(), url.to_string());
        tasks.spawn(async move {
            let t = Instant::now();
            let ok = client
                .post(&url)
                .header("Content-Type", "application/json")
                .header(signature::HEADER, sig)
                .body(body)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            (t.elapsed(), ok)
        });
    }
    let mut latencies = Vec::with_capacity(count);
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        if let Ok((l, ok)) = r {
            latencies.push(l);
            if !ok {
                errors += 1;
            }
        }
    }
    latencies.sort();
    RunResult {
        name: format!("paced {rate} msg/s (latency)"),
        count,
        elapsed: started.elapsed(),
        latencies,
        errors,
    }
}
