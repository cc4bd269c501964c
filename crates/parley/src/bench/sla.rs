//! `parley bench sla`: the timer scheduler with a million open tickets on
//! SQLite (the targets: every warning and breach fired within 1 s of
//! its due time, none twice across a restart, resident memory under 1 GiB).
//!
//! 1. Seeds the open tickets (each with a contact, SLA columns and timers as
//!    the SLA code writes them; see `parley_store::SeedTickets`), all due long
//!    after the run.
//! 2. Ceiling: claims as many far-future timers as the burst has with a
//!    conditional UPDATE, 500 per transaction, nothing else (one statement
//!    per batch as the scheduler does, and one per timer); then puts them
//!    back.
//! 3. Starts the real server (`parley serve`, a child process) on the seeded
//!    data dir, signs in as an admin and follows `/api/v1/events`.
//! 4. Adds the burst while the server runs: tickets each with one warning or
//!    breach falling due in the measured window, evenly spread.
//! 5. Halfway through the window, SIGKILLs the server (a crash), waits, starts
//!    it again; timers that fell due meanwhile fire late by design and are
//!    reported apart.
//! 6. After the window, stops the server and checks the database: nothing
//!    due was left unfired, each fired warning or breach has exactly one
//!    audit row; fire lag from the `timers` table (`fired_at - due_at`, the
//!    scheduler's clock when it claimed the batch) and from the event stream
//!    (arrival at the agent - due time).

use super::server::{self, now_ms, stop};
use super::{proc_status_kib, quantile};
use parley_core::Role;
use parley_server::scheduler::FIRE_BATCH;
use parley_store::{NewAgent, SeedBurst, SeedTickets, SqliteSync, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::Child;

pub struct Sizes {
    pub tickets: i64,
    pub burst: i64,
    pub window: Duration,
    pub down: Duration,
    pub keep_dir: Option<PathBuf>,
}

const ADMIN: &str = "bench-admin@bench.parley";
const PASSWORD: &str = "bench-password";
/// Time between the burst's seeding and its window.
const LEAD: Duration = Duration::from_secs(10);
/// After the window, how long the server keeps running before it is stopped.
const GRACE: Duration = Duration::from_secs(5);

/// A warning, breach or escalation event as an agent received it.
#[derive(Debug, Clone)]
struct Seen {
    ticket_id: i64,
    kind: String,
    due_at: i64,
    received_at: i64,
}

#[derive(Default)]
struct Stream {
    seen: Vec<Seen>,
    /// Events the server dropped for this client (`resync`).
    missed: u64,
}

struct Instance {
    child: Child,
    pid: u32,
    spawned_at: i64,
    ready_at: i64,
    listener: tokio::task::JoinHandle<()>,
}

pub async fn run(sizes: Sizes) -> anyhow::Result<()> {
    anyhow::ensure!(
        sizes.burst > 0 && sizes.burst <= sizes.tickets,
        "--burst must be between 1 and --tickets"
    );
    let (dir, _tmp) = server::data_dir(sizes.keep_dir.as_deref())?;
    let window_ms = sizes.window.as_millis() as i64;
    println!(
        "parley bench sla: SQLite (synchronous = full), {} open tickets, a burst of {} due over \
         {} s, SIGKILL halfway, {} s down; data in {}",
        sizes.tickets,
        sizes.burst,
        sizes.window.as_secs(),
        sizes.down.as_secs(),
        dir.display()
    );

    // 1. The backlog.
    let store = Store::open_sqlite(&dir, SqliteSync::Full).await?;
    let hash = parley_server::auth::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    store
        .create_agent(
            &NewAgent {
                email: ADMIN.into(),
                name: "Bench Admin".into(),
                role: Role::Admin,
                password_hash: hash.clone(),
            },
            now_ms(),
        )
        .await?;
    let mut assignees = Vec::new();
    for i in 0..20 {
        let a = store
            .create_agent(
                &NewAgent {
                    email: format!("agent{i}@bench.parley"),
                    name: format!("Bench Agent {i}"),
                    role: Role::Agent,
                    password_hash: hash.clone(),
                },
                now_ms(),
            )
            .await?;
        assignees.push(a.id);
    }
    let t = Instant::now();
    let backlog = store
        .seed_open_tickets(&SeedTickets {
            tickets: sizes.tickets - sizes.burst,
            now: now_ms(),
            burst: None,
            assignees: assignees.clone(),
            chunk: 50_000,
        })
        .await?;
    let seed_time = t.elapsed();
    println!(
        "seeded backlog: {} tickets, {} contacts, {} timers in {:.1} s ({:.0} tickets/s); \
         all due 35 min or more from now",
        backlog.tickets,
        backlog.contacts,
        backlog.timers,
        seed_time.as_secs_f64(),
        backlog.tickets as f64 / seed_time.as_secs_f64()
    );

    // 2. Ceilings: bare claims, as many as the burst, on far-future timers,
    // put back after each run.
    let from = now_ms() + 3_600_000;
    let mut ceilings = [0f64; 2];
    for (i, one_by_one) in [false, true].into_iter().enumerate() {
        let marker = now_ms();
        let t = Instant::now();
        let claimed = store
            .claim_timers_bare(from, sizes.burst, FIRE_BATCH, one_by_one, marker)
            .await?;
        ceilings[i] = claimed as f64 / t.elapsed().as_secs_f64();
        let restored = store.unclaim_timers(from, marker).await?;
        anyhow::ensure!(
            restored == claimed,
            "restored {restored} of {claimed} claims"
        );
    }
    let ceiling = ceilings[0];
    println!(
        "ceiling: {} timers claimed bare ({FIRE_BATCH} per transaction, no effect, put back after): \
         {:.0} timers/s with one conditional UPDATE per batch (as the scheduler claims), \
         {:.0} timers/s with one per timer",
        sizes.burst, ceilings[0], ceilings[1]
    );

    // 3. The server.
    let client = reqwest::Client::new();
    let streams = Arc::new(Mutex::new(Stream::default()));
    let mut first = start_server(&dir, 1, &client, &streams).await?;
    println!(
        "server 1 (pid {}) ready {:.1} s after start; SLA deadlines still to recompute: {}",
        first.pid,
        (first.ready_at - first.spawned_at) as f64 / 1000.0,
        store.pending_sla_refreshes().await?
    );

    // 4. The burst, written while the server runs.
    let seeded_at = now_ms();
    let start = seeded_at + LEAD.as_millis() as i64;
    let t = Instant::now();
    let burst = store
        .seed_open_tickets(&SeedTickets {
            tickets: sizes.burst,
            now: seeded_at,
            burst: Some(SeedBurst {
                start,
                span_ms: window_ms,
            }),
            assignees,
            chunk: 5_000,
        })
        .await?;
    let end = start + window_ms;
    let due_in_window = store.pending_timers_due_before(end).await?;
    println!(
        "seeded burst: {} tickets, {} timers ({} already fired, with their audit rows) in {:.1} s; \
         {} timers due in the window",
        burst.tickets,
        burst.timers,
        burst.already_fired,
        t.elapsed().as_secs_f64(),
        due_in_window
    );
    if now_ms() > start {
        println!(
            "  note: the burst was still being written {:.1} s into its window",
            (now_ms() - start) as f64 / 1000.0
        );
    }

    // 5. Crash halfway, stay down, restart.
    sleep_until_ms(start + window_ms / 2).await;
    let hwm1 = proc_status_kib(first.pid, "VmHWM").unwrap_or(0);
    first.child.start_kill()?;
    first.child.wait().await?;
    let killed_at = now_ms();
    first.listener.abort();
    println!(
        "server 1 killed (SIGKILL) {:.1} s into the window; peak RSS {} MiB",
        (killed_at - start) as f64 / 1000.0,
        hwm1 / 1024
    );
    tokio::time::sleep(sizes.down).await;
    let mut second = start_server(&dir, 2, &client, &streams).await?;
    println!(
        "server 2 (pid {}) ready {:.1} s after start, {:.1} s after the crash; SLA deadlines \
         still to recompute: {}",
        second.pid,
        (second.ready_at - second.spawned_at) as f64 / 1000.0,
        (second.ready_at - killed_at) as f64 / 1000.0,
        store.pending_sla_refreshes().await?
    );

    // 6. Let the window pass, then stop and check.
    sleep_until_ms(end + GRACE.as_millis() as i64).await;
    let waited = Instant::now();
    while store.pending_timers_due_before(end).await? > 0 && waited.elapsed().as_secs() < 120 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let hwm2 = proc_status_kib(second.pid, "VmHWM").unwrap_or(0);
    let refreshes_left = store.pending_sla_refreshes().await?;
    let stop_at = now_ms();
    stop(&mut second.child).await;
    second.listener.abort();

    let rows = store.timers_fired_or_due(stop_at).await?;
    let audits = store.sla_audit_rows().await?;
    let log_errors = count_errors(&dir);
    store.close().await;

    // Timers the scheduler fired in this run (the seeded already-fired ones
    // were all due before the burst was written).
    let missed: Vec<_> = rows
        .iter()
        .filter(|r| r.fired_at.is_none() && r.due_at < stop_at - 1_000)
        .collect();
    let fired: Vec<_> = rows
        .iter()
        .filter_map(|r| r.fired_at.map(|f| (r, f)))
        .filter(|(r, _)| r.due_at > seeded_at)
        .collect();
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    enum Phase {
        Before,
        Down,
        After,
    }
    let phase = |due: i64, fired: i64| {
        if fired < killed_at {
            Phase::Before
        } else if due < second.ready_at {
            Phase::Down
        } else {
            Phase::After
        }
    };
    let mut db_lag: HashMap<Phase, Vec<i64>> = HashMap::new();
    let mut phase_of: HashMap<(i64, &str), Phase> = HashMap::new();
    for (r, f) in &fired {
        let p = phase(r.due_at, *f);
        db_lag.entry(p).or_default().push(f - r.due_at);
        phase_of.insert((r.ticket_id, r.kind.as_str()), p);
    }
    let streams = std::mem::take(&mut *streams.lock().unwrap());
    let mut ev_lag: HashMap<Phase, Vec<i64>> = HashMap::new();
    let mut seen_twice = 0;
    let mut seen_keys = std::collections::HashSet::new();
    for s in &streams.seen {
        if !seen_keys.insert((s.ticket_id, s.kind.clone())) {
            seen_twice += 1;
        }
        if let Some(p) = phase_of.get(&(s.ticket_id, s.kind.as_str())) {
            ev_lag.entry(*p).or_default().push(s.received_at - s.due_at);
        }
    }

    println!();
    println!(
        "{:<44} {:>8} {:>9} {:>9} {:>9} {:>8}   {:>7} {:>9} {:>9} {:>9}",
        "fire lag, ms (due -> fired)",
        "timers",
        "p50",
        "p99",
        "max",
        "> 1 s",
        "events",
        "ev p50",
        "ev p99",
        "ev max"
    );
    let row = |name: &str, p: Phase| {
        let mut l = db_lag.get(&p).cloned().unwrap_or_default();
        let mut e = ev_lag.get(&p).cloned().unwrap_or_default();
        l.sort_unstable();
        e.sort_unstable();
        let f = |x: Option<i64>| x.map_or("-".to_string(), |v| v.to_string());
        println!(
            "{:<44} {:>8} {:>9} {:>9} {:>9} {:>8}   {:>7} {:>9} {:>9} {:>9}",
            name,
            l.len(),
            f(quantile(&l, 0.5)),
            f(quantile(&l, 0.99)),
            f(l.last().copied()),
            l.iter().filter(|v| **v > 1_000).count(),
            e.len(),
            f(quantile(&e, 0.5)),
            f(quantile(&e, 0.99)),
            f(e.last().copied()),
        );
    };
    row("before the crash", Phase::Before);
    row("due while down or restarting (late by design)", Phase::Down);
    row("after the restart", Phase::After);
    println!(
        "(lag: the timers table's fired_at - due_at, fired_at being the scheduler's clock when it \
         claimed the batch; ev: arrival on /api/v1/events - due_at, for the events the stream \
         delivered)"
    );

    let down: Vec<i64> = fired
        .iter()
        .filter(|(r, f)| phase(r.due_at, *f) == Phase::Down)
        .map(|(_, f)| *f)
        .collect();
    if let (Some(lo), Some(hi)) = (down.iter().min(), down.iter().max()) {
        println!(
            "late by design: {} timers, all fired by {:.2} s after server 2 was ready \
             ({:.2} s after it was started); drained at {:.0} timers/s (ceiling {:.0}/s, {:.0}%)",
            down.len(),
            (hi - second.ready_at) as f64 / 1000.0,
            (hi - second.spawned_at) as f64 / 1000.0,
            down.len() as f64 / ((hi - lo).max(1) as f64 / 1000.0),
            ceiling,
            100.0 * down.len() as f64 / ((hi - lo).max(1) as f64 / 1000.0) / ceiling
        );
    }

    // Exactly once: one audit row per fired warning or breach.
    let mut audit_count: HashMap<(i64, String, String), usize> = HashMap::new();
    for (ticket, action, detail) in &audits {
        let target = detail["target"].as_str().unwrap_or("").to_string();
        *audit_count
            .entry((*ticket, action.clone(), target))
            .or_default() += 1;
    }
    let mut expected: HashMap<(i64, String, String), usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.fired_at.is_some()) {
        let (action, target) = match r.kind.as_str() {
            "sla.first_response.warning" => ("sla_warning", "first_response"),
            "sla.resolution.warning" => ("sla_warning", "resolution"),
            "sla.first_response.breach" => ("sla_breached", "first_response"),
            "sla.resolution.breach" => ("sla_breached", "resolution"),
            _ => continue,
        };
        *expected
            .entry((r.ticket_id, action.into(), target.into()))
            .or_default() += 1;
    }
    let duplicates = audit_count.values().filter(|n| **n > 1).count();
    let without_audit = expected
        .keys()
        .filter(|k| !audit_count.contains_key(*k))
        .count();
    let without_timer = audit_count
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .count();
    let fired_total = fired.len();
    println!(
        "exactly once: {} timers fired by the scheduler of {} due in the window; due and unfired \
         at the stop: {}; audit rows {} for {} fired warnings/breaches (seeded ones included): \
         duplicates {}, fired without audit {}, audit without timer {}; events seen twice {}; \
         events dropped by the stream (resync) {}",
        fired_total,
        due_in_window,
        missed.len(),
        audits.len(),
        expected.values().sum::<usize>(),
        duplicates,
        without_audit,
        without_timer,
        seen_twice,
        streams.missed
    );
    let within = db_lag
        .iter()
        .filter(|(p, _)| **p != Phase::Down)
        .flat_map(|(_, l)| l.iter())
        .filter(|v| **v <= 1_000)
        .count();
    let on_time = db_lag
        .iter()
        .filter(|(p, _)| **p != Phase::Down)
        .map(|(_, l)| l.len())
        .sum::<usize>();
    let peak = hwm1.max(hwm2);
    println!(
        "peak RSS (VmHWM): server 1 {} MiB, server 2 {} MiB (target < 1024 MiB: {})",
        hwm1 / 1024,
        hwm2 / 1024,
        if peak < 1024 * 1024 { "met" } else { "NOT met" }
    );
    println!(
        "SLA deadlines still to recompute when server 2 stopped: {refreshes_left} (the first start \
         plans the seeded tickets; later starts re-plan only after an SLA change); ERROR lines in \
         the server logs: {log_errors}"
    );
    let once = missed.is_empty() && duplicates == 0 && without_audit == 0 && without_timer == 0;
    println!(
        "targets: fired within 1 s (outside the downtime) {within} of {on_time} ({}); \
         exactly once across the SIGKILL: {}; memory: {}",
        if within == on_time { "met" } else { "NOT met" },
        if once { "met" } else { "NOT met" },
        if peak < 1024 * 1024 { "met" } else { "NOT met" },
    );
    Ok(())
}

async fn sleep_until_ms(at: i64) {
    let left = at - now_ms();
    if left > 0 {
        tokio::time::sleep(Duration::from_millis(left as u64)).await;
    }
}

/// Starts `parley serve` on the data dir, waits until it answers, signs in
/// and follows its event stream into `streams`.
async fn start_server(
    dir: &Path,
    n: u32,
    client: &reqwest::Client,
    streams: &Arc<Mutex<Stream>>,
) -> anyhow::Result<Instance> {
    let server = server::spawn(dir, &format!("server-{n}.log"), client).await?;
    let token = server::login(client, &server.base, ADMIN, PASSWORD).await?;
    let resp = client
        .get(format!("{}/api/v1/events", server.base))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?;
    let listener = tokio::spawn(follow(resp, streams.clone()));
    Ok(Instance {
        child: server.child,
        pid: server.pid,
        spawned_at: server.spawned_at,
        ready_at: server.ready_at,
        listener,
    })
}

/// Reads the SSE stream until it ends, keeping the timer events.
async fn follow(mut resp: reqwest::Response, streams: Arc<Mutex<Stream>>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut event = String::new();
    let mut data = String::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let received_at = now_ms();
        buf.extend_from_slice(&chunk);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if matches!(
                    event.as_str(),
                    "sla.warning" | "sla.breached" | "ticket.escalated"
                ) && let Ok(v) = serde_json::from_str::<serde_json::Value>(&data)
                {
                    streams.lock().unwrap().seen.push(Seen {
                        ticket_id: v["ticket_id"].as_i64().unwrap_or(0),
                        kind: v["kind"].as_str().unwrap_or("").to_string(),
                        // A warning fires at warn_at; due_at is its target.
                        due_at: v["warn_at"].as_i64().or(v["due_at"].as_i64()).unwrap_or(0),
                        received_at,
                    });
                } else if event == "resync"
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(&data)
                {
                    streams.lock().unwrap().missed += v["missed"].as_u64().unwrap_or(0);
                }
                event.clear();
                data.clear();
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.strip_prefix(' ').unwrap_or(v));
            }
        }
    }
}

fn count_errors(dir: &Path) -> usize {
    (1..=2)
        .filter_map(|n| std::fs::read_to_string(dir.join(format!("server-{n}.log"))).ok())
        .map(|s| s.lines().filter(|l| l.contains(" ERROR ")).count())
        .sum()
}
