//! `parley bench inbox`: the inbox's list API on a large store (the issue's
//! target: every list view answers with p99 under 50 ms on 1,000,000
//! tickets; search under 100 ms on a million messages).
//!
//! 1. Seeds a help desk's history on SQLite (see `parley_store::SeedInbox`:
//!    mostly closed tickets, a live backlog, agents, teams, labels, two
//!    messages per answered ticket).
//! 2. Starts the real server (`parley serve`, a child process) on it and
//!    signs in as an agent (member of one team) and as a supervisor.
//! 3. Ceiling: `GET /api/v1/me`, the cheapest authenticated call (token
//!    lookup, one row, JSON), measured the same way.
//! 4. Each view, sort and filter the inbox asks for, deep pages through
//!    their cursors, and full-text searches over the messages: `--requests` sequential calls each, latency per call
//!    (first byte to last, body read and parsed).
//! 5. Mixed load: all of those at once from `--clients` concurrent clients.
//!
//! The database's plan is printed for any case whose p99 misses the target.

use super::quantile;
use super::server::{self, now_ms, stop};
use parley_core::{Role, TicketStatus};
use parley_store::{NewAgent, SeedInbox, SqliteSync, Store, TicketFilter, TicketSort};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Sizes {
    pub tickets: i64,
    pub open: i64,
    pub agents: usize,
    pub teams: usize,
    pub requests: usize,
    pub clients: usize,
    pub keep_dir: Option<PathBuf>,
    /// PostgreSQL instead of the data dir's SQLite (an empty database).
    pub database_url: Option<String>,
}

const SUPERVISOR: &str = "bench-supervisor@bench.parley";
const AGENT: &str = "agent0@bench.parley";
const PASSWORD: &str = "bench-password";
/// The targets: list views p99 under 50 ms, search under 100 ms.
const TARGET_MS: f64 = 50.0;
const SEARCH_TARGET_MS: f64 = 100.0;
const LABELS: [&str; 20] = [
    "refund",
    "vip",
    "bug",
    "shipping",
    "damaged",
    "exchange",
    "billing",
    "password",
    "stock",
    "address",
    "complaint",
    "feedback",
    "wholesale",
    "warranty",
    "appointment",
    "invoice",
    "promo",
    "gift",
    "b2b",
    "legal",
];

/// One measured call: what the inbox asks for, who asks, and the same
/// filter in the store's terms (for its plan).
struct Case {
    name: String,
    path: String,
    supervisor: bool,
    /// `Some`: a list (its plan can be printed); `None`: another endpoint.
    filter: Option<TicketFilter>,
    /// Follow `next_cursor` this many times first and measure that page.
    page: usize,
    /// Its p99 target, ms.
    target_ms: f64,
}

pub async fn run(sizes: Sizes) -> anyhow::Result<()> {
    anyhow::ensure!(
        sizes.open <= sizes.tickets && sizes.agents > 0 && sizes.teams > 0,
        "--open must be at most --tickets; --agents and --teams at least 1"
    );
    let (dir, _tmp) = server::data_dir(sizes.keep_dir.as_deref())?;
    let backend = if sizes.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "parley bench inbox: {backend}, {} tickets ({} open), {} agents, {} teams; {} sequential \
         requests per case, then {} concurrent clients; data in {}",
        sizes.tickets,
        sizes.open,
        sizes.agents,
        sizes.teams,
        sizes.requests,
        sizes.clients,
        dir.display()
    );

    // 1. The store.
    let store = match &sizes.database_url {
        Some(url) => {
            // Seeding appends to whatever is there, and the figures would mean nothing.
            let empty = Store::connect_unmigrated(url).await?;
            anyhow::ensure!(
                !empty.has_tables().await?,
                "--database-url names a database with tables in it: the benchmark seeds its own \
                 (create an empty one, e.g. createdb parley_bench)"
            );
            drop(empty);
            Store::connect(url).await?
        }
        None => Store::open_sqlite(&dir, SqliteSync::Normal).await?,
    };
    let hash = parley_server::auth::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    let new_agent = |email: String, name: String, role| NewAgent {
        email,
        name,
        role,
        password_hash: hash.clone(),
    };
    store
        .create_agent(
            &new_agent(
                SUPERVISOR.into(),
                "Bench Supervisor".into(),
                Role::Supervisor,
            ),
            now_ms(),
        )
        .await?;
    let mut agents = Vec::new();
    for i in 0..sizes.agents {
        let a = store
            .create_agent(
                &new_agent(
                    format!("agent{i}@bench.parley"),
                    format!("Bench Agent {i}"),
                    Role::Agent,
                ),
                now_ms(),
            )
            .await?;
        agents.push(a.id);
    }
    let mut teams = Vec::new();
    for t in 0..sizes.teams {
        let team = store.create_team(&format!("Team {t}"), now_ms()).await?;
        for (i, a) in agents.iter().enumerate() {
            if i % sizes.teams == t {
                store.add_team_member(team.id, *a).await?;
            }
        }
        teams.push(team.id);
    }
    let now = now_ms();
    let t = Instant::now();
    let seeded = store
        .seed_inbox(&SeedInbox {
            tickets: sizes.tickets,
            open: sizes.open,
            now,
            span_ms: 365 * 86_400_000,
            agents: agents.clone(),
            teams: teams.clone(),
            labels: LABELS.iter().map(|l| l.to_string()).collect(),
            // Small enough that no statement trips sqlx's 1 s slow-query warning.
            chunk: 10_000,
        })
        .await?;
    let took = t.elapsed().as_secs_f64();
    println!(
        "seeded {} tickets, {} contacts, {} labels, {} messages in {took:.1} s",
        seeded.tickets, seeded.contacts, seeded.labels, seeded.messages
    );

    // The agent's facts the cases need.
    let me = agents[0];
    let my_team = teams[0];
    let open = TicketFilter::open;
    let mut facts = Vec::new();
    for (what, f) in [
        (
            "agent0's open tickets",
            TicketFilter {
                assignee: Some(Some(me)),
                ..open()
            },
        ),
        (
            "team 0 queue",
            TicketFilter {
                team_id: Some(my_team),
                ..open()
            },
        ),
        (
            "unassigned",
            TicketFilter {
                assignee: Some(None),
                ..open()
            },
        ),
        (
            "at risk",
            TicketFilter {
                sla_at_risk: true,
                ..open()
            },
        ),
        ("all open", open()),
    ] {
        facts.push(format!(
            "{what} {}",
            store.count_tickets(&f, now, i64::MAX).await?
        ));
    }
    println!("{}", facts.join(", "));
    let contact = store
        .list_tickets(
            &TicketFilter {
                limit: 1,
                ..Default::default()
            },
            now,
        )
        .await?
        .items
        .first()
        .map(|t| t.contact.id)
        .unwrap_or(1);

    let cases = cases(me, my_team, contact);

    // 2. The server.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(sizes.clients.max(1))
        .build()?;
    let mut srv =
        server::spawn_on(&dir, sizes.database_url.as_deref(), "server.log", &client).await?;
    println!(
        "server (pid {}) ready {:.1} s after start",
        srv.pid,
        (srv.ready_at - srv.spawned_at) as f64 / 1000.0
    );
    let sup_token = server::login(&client, &srv.base, SUPERVISOR, PASSWORD).await?;
    let agent_token = server::login(&client, &srv.base, AGENT, PASSWORD).await?;
    let base = srv.base.clone();
    let token_of = |c: &Case| {
        if c.supervisor {
            sup_token.clone()
        } else {
            agent_token.clone()
        }
    };

    // Resolve deep pages to their cursors, and warm up.
    let mut urls = Vec::new();
    for c in &cases {
        let mut url = format!("{base}/api/v1{}", c.path);
        for _ in 0..c.page {
            let v: serde_json::Value = get(&client, &url, &token_of(c)).await?.1;
            let cursor = v["next_cursor"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("{}: fewer pages than {}", c.name, c.page))?;
            url = format!("{base}/api/v1{}&cursor={cursor}", c.path);
        }
        for _ in 0..3 {
            get(&client, &url, &token_of(c)).await?;
        }
        urls.push(url);
    }

    // 3. Ceiling.
    let me_url = format!("{base}/api/v1/me");
    let ceiling = measure(&client, &me_url, &agent_token, sizes.requests).await?;
    println!();
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>6}",
        "case (sequential)", "p50 ms", "p99 ms", "max ms", "rows"
    );
    println!(
        "{:<44} {:>8.2} {:>8.2} {:>8.2} {:>6}",
        "ceiling: GET /me", ceiling.p50, ceiling.p99, ceiling.max, "-"
    );

    // 4. Each case.
    let mut worst: (f64, String) = (0.0, String::new());
    let mut slow = Vec::new();
    for (c, url) in cases.iter().zip(&urls) {
        let m = measure(&client, url, &token_of(c), sizes.requests).await?;
        println!(
            "{:<44} {:>8.2} {:>8.2} {:>8.2} {:>6}",
            c.name, m.p50, m.p99, m.max, m.rows
        );
        if m.p99 > worst.0 {
            worst = (m.p99, c.name.clone());
        }
        if m.p99 > c.target_ms {
            slow.push(c);
        }
    }

    // 5. Mixed load.
    let calls = Arc::new(
        cases
            .iter()
            .zip(&urls)
            .map(|(c, u)| (u.clone(), token_of(c)))
            .collect::<Vec<_>>(),
    );
    let per_client = sizes.requests.max(1) * cases.len() / sizes.clients.max(1);
    let started = Instant::now();
    let mut handles = Vec::new();
    for k in 0..sizes.clients.max(1) {
        let client = client.clone();
        let calls = calls.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            for j in 0..per_client {
                let (url, token) = &calls[(k * 7 + j) % calls.len()];
                let t = Instant::now();
                get(&client, url, token).await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    println!();
    println!(
        "mixed load: {} clients, {} calls over every case in {wall:.1} s = {:.0} calls/s; \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sizes.clients,
        lat.len(),
        lat.len() as f64 / wall,
        quantile(&lat, 0.5).unwrap_or(0.0),
        quantile(&lat, 0.99).unwrap_or(0.0),
        lat.last().copied().unwrap_or(0.0)
    );
    let rss = super::proc_status_kib(srv.pid, "VmHWM").unwrap_or(0);
    stop(&mut srv.child).await;

    println!();
    println!(
        "target: every list view p99 < {TARGET_MS} ms and search < {SEARCH_TARGET_MS} ms on {} \
         tickets and {} messages: {} (worst list or search: {} at {:.2} ms; ceiling p99 {:.2} \
         ms); server peak RSS {} MiB",
        sizes.tickets,
        seeded.messages,
        if slow.is_empty() { "met" } else { "NOT met" },
        worst.1,
        worst.0,
        ceiling.p99,
        rss / 1024
    );
    for c in slow {
        if let Some(f) = &c.filter {
            println!("plan of {}:", c.name);
            for line in store.explain_ticket_list(f, now_ms()).await? {
                println!("    {line}");
            }
        }
    }
    store.close().await;
    Ok(())
}

/// The inbox's calls: each view with each sort, the filters, history, deep
/// pages and the view counts.
fn cases(me: i64, team: i64, contact: i64) -> Vec<Case> {
    let open = || TicketFilter::open().statuses;
    let mut out = Vec::new();
    let views: [(&str, String, bool, TicketFilter); 5] = [
        (
            "mine",
            "status=open&assignee=me".to_string(),
            false,
            TicketFilter {
                statuses: open(),
                assignee: Some(Some(me)),
                ..Default::default()
            },
        ),
        (
            "unassigned",
            "status=open&assignee=unassigned".to_string(),
            false,
            TicketFilter {
                statuses: open(),
                assignee: Some(None),
                ..Default::default()
            },
        ),
        (
            "team queue",
            format!("status=open&team={team}"),
            false,
            TicketFilter {
                statuses: open(),
                team_id: Some(team),
                ..Default::default()
            },
        ),
        (
            "all open",
            "status=open".to_string(),
            true,
            TicketFilter {
                statuses: open(),
                ..Default::default()
            },
        ),
        (
            "at risk",
            "status=open&sla=at_risk".to_string(),
            false,
            TicketFilter {
                statuses: open(),
                sla_at_risk: true,
                ..Default::default()
            },
        ),
    ];
    for (name, q, sup, f) in &views {
        for sort in TicketSort::ALL {
            out.push(Case {
                name: format!("{name}, by {}", sort.as_str()),
                path: format!("/tickets?{q}&sort={}&limit=50", sort.as_str()),
                supervisor: *sup,
                filter: Some(TicketFilter {
                    sort,
                    limit: 50,
                    ..f.clone()
                }),
                page: 0,
                target_ms: TARGET_MS,
            });
        }
    }
    for sort in [TicketSort::Activity, TicketSort::SlaDue] {
        out.push(Case {
            name: format!("all open, by {}, page 20", sort.as_str()),
            path: format!("/tickets?status=open&sort={}&limit=50", sort.as_str()),
            supervisor: true,
            filter: None,
            page: 19,
            target_ms: TARGET_MS,
        });
    }
    let filtered: [(&str, String, TicketFilter); 8] = [
        (
            "open, urgent",
            "status=open&priority=urgent".to_string(),
            TicketFilter {
                statuses: open(),
                priority: Some(parley_core::Priority::Urgent),
                ..Default::default()
            },
        ),
        (
            "open, label refund",
            "status=open&label=refund".to_string(),
            TicketFilter {
                statuses: open(),
                label: Some("refund".into()),
                ..Default::default()
            },
        ),
        (
            "pending",
            "status=pending".to_string(),
            TicketFilter {
                statuses: Some(vec![TicketStatus::Pending]),
                ..Default::default()
            },
        ),
        (
            "resolved",
            "status=resolved".to_string(),
            TicketFilter {
                statuses: Some(vec![TicketStatus::Resolved]),
                ..Default::default()
            },
        ),
        ("everything", "status=".to_string(), TicketFilter::default()),
        (
            "everything, label legal",
            "label=legal".to_string(),
            TicketFilter {
                label: Some("legal".into()),
                ..Default::default()
            },
        ),
        (
            "agent0's history",
            format!("assignee={me}"),
            TicketFilter {
                assignee: Some(Some(me)),
                ..Default::default()
            },
        ),
        (
            "a contact's tickets",
            format!("contact={contact}"),
            TicketFilter {
                contact_id: Some(contact),
                ..Default::default()
            },
        ),
    ];
    for (name, q, f) in filtered {
        out.push(Case {
            name: name.to_string(),
            path: format!("/tickets?{q}&limit=50"),
            supervisor: true,
            filter: Some(TicketFilter { limit: 50, ..f }),
            page: 0,
            target_ms: TARGET_MS,
        });
    }
    for (status, sort) in [
        (TicketStatus::Closed, TicketSort::Oldest),
        (TicketStatus::Closed, TicketSort::SlaDue),
        (TicketStatus::Resolved, TicketSort::Priority),
    ] {
        out.push(Case {
            name: format!("{status}, by {}", sort.as_str()),
            path: format!("/tickets?status={status}&sort={}&limit=50", sort.as_str()),
            supervisor: true,
            filter: Some(TicketFilter {
                statuses: Some(vec![status]),
                sort,
                limit: 50,
                ..Default::default()
            }),
            page: 0,
            target_ms: TARGET_MS,
        });
    }
    for sort in [TicketSort::SlaDue, TicketSort::Priority, TicketSort::Oldest] {
        out.push(Case {
            name: format!("everything, by {}", sort.as_str()),
            path: format!("/tickets?sort={}&limit=50", sort.as_str()),
            supervisor: true,
            filter: Some(TicketFilter {
                sort,
                limit: 50,
                ..Default::default()
            }),
            page: 0,
            target_ms: TARGET_MS,
        });
    }
    out.push(Case {
        name: "closed, page 20".into(),
        path: "/tickets?status=closed&limit=50".into(),
        supervisor: true,
        filter: None,
        page: 19,
        target_ms: TARGET_MS,
    });
    // Full-text search over the two million messages: a word in 1 of 12
    // customer messages, one in every message, two words, a prefix, one
    // order number (two messages), nothing.
    for q in [
        "kettle",
        "order",
        "refund card",
        "refu",
        "100042",
        "arrived damaged box",
        "zebra",
    ] {
        out.push(Case {
            name: format!("search {q:?}"),
            path: format!("/search?q={}&limit=20", q.replace(' ', "%20")),
            supervisor: false,
            filter: None,
            page: 0,
            target_ms: SEARCH_TARGET_MS,
        });
    }
    out.push(Case {
        name: "search \"order\", page 20".into(),
        path: "/search?q=order&limit=20".into(),
        supervisor: false,
        filter: None,
        page: 19,
        target_ms: SEARCH_TARGET_MS,
    });
    out.push(Case {
        name: "view counts (supervisor)".into(),
        path: "/tickets/counts?".into(),
        supervisor: true,
        filter: None,
        page: 0,
        target_ms: TARGET_MS,
    });
    out.push(Case {
        name: "view counts (agent)".into(),
        path: "/tickets/counts?".into(),
        supervisor: false,
        filter: None,
        page: 0,
        target_ms: TARGET_MS,
    });
    out
}

struct Measured {
    p50: f64,
    p99: f64,
    max: f64,
    rows: usize,
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<(Duration, serde_json::Value)> {
    let t = Instant::now();
    let resp = client.get(url).bearer_auth(token).send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "{url}: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    Ok((t.elapsed(), v))
}

async fn measure(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<Measured> {
    let mut lat = Vec::with_capacity(n);
    let mut rows = 0;
    for _ in 0..n.max(1) {
        let (d, v) = get(client, url, token).await?;
        lat.push(d.as_secs_f64() * 1000.0);
        rows = v["items"].as_array().map_or(0, |a| a.len());
    }
    lat.sort_by(f64::total_cmp);
    Ok(Measured {
        p50: quantile(&lat, 0.5).unwrap_or(0.0),
        p99: quantile(&lat, 0.99).unwrap_or(0.0),
        max: lat.last().copied().unwrap_or(0.0),
        rows,
    })
}
