//! `parley bench routing`: how long one routing decision takes on a large
//! floor (by default 1,000 agents, 50 teams, 100 rules; the target is
//! a p99 under 100 µs).
//!
//! Two things are timed per ticket: [`Router::route`] alone (rules and
//! strategy), and [`parley_server::router::decide`], the whole per-ticket work
//! the server does (language detection, triage, then the route). The ceiling
//! is the same pair with a fallback-only router (no rules) on the same floor
//! and messages, so the difference is what the rules cost.
//!
//! Like the server, each mode routes in batches of 100 on a floor snapshot,
//! recording every assignment on it (`Floor::record_assignment`) so the next
//! decision sees the new load, and starts each batch from a fresh snapshot.
//! The modes take turns in rounds so that the machine's noise falls on all
//! of them alike.

use super::quantile;
use parley_core::Priority;
use parley_core::desk::{Desk, DeskSpec, TeamSpec};
use parley_core::language;
use parley_core::routing::{Floor, RoutingSpec, TicketFacts, synthetic};
use parley_server::router::decide;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Sizes {
    pub agents: usize,
    pub teams: usize,
    pub rules: usize,
    pub decisions: usize,
    pub seed: u64,
}

/// The server routes this many tickets per floor snapshot.
const BATCH: usize = 100;
/// Decisions per mode per round.
const ROUND: usize = 1_000;

/// One new ticket's facts as the server's router would have them.
struct Ticket {
    message: usize,
    contact_language: Option<&'static str>,
    labels: Vec<String>,
    segment: Option<&'static str>,
    vip: bool,
    phone_number_id: String,
    new_contact: bool,
    /// What `decide` computes before routing, precomputed for the
    /// route-only modes.
    language: Option<String>,
    priority: Priority,
}

#[derive(Clone, Copy, PartialEq)]
enum Work {
    Route,
    Decide,
    /// `decide`'s parts before the route, timed alone.
    Language,
    Triage,
}

struct Mode {
    name: &'static str,
    work: Work,
    desk: Desk,
    floor: Floor,
    latencies: Vec<Duration>,
    matched: usize,
    assigned: usize,
    queued: usize,
    bot_only: usize,
    rule_index_sum: usize,
}

impl Mode {
    fn new(name: &'static str, work: Work, desk: Desk, floor: Floor) -> Mode {
        Mode {
            name,
            work,
            desk,
            floor,
            latencies: Vec::new(),
            matched: 0,
            assigned: 0,
            queued: 0,
            bot_only: 0,
            rule_index_sum: 0,
        }
    }
}

fn desk(spec: &RoutingSpec, floor: &Floor) -> anyhow::Result<Desk> {
    Ok(Desk::compile(DeskSpec {
        teams: floor
            .teams()
            .iter()
            .map(|t| TeamSpec {
                name: t.name.clone(),
                ..TeamSpec::default()
            })
            .collect(),
        routing: Some(spec.clone()),
        ..DeskSpec::default()
    })?)
}

pub fn run(sizes: Sizes) -> anyhow::Result<()> {
    let (spec, floor, messages) =
        synthetic::floor_and_spec(sizes.agents, sizes.teams, sizes.rules, sizes.seed);
    let fallback_only = RoutingSpec {
        rules: Vec::new(),
        ..spec.clone()
    };
    let with_rules = desk(&spec, &floor)?;
    let now0 = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;

    // The tickets: the synthetic messages with the facts a contact brings.
    use synthetic::{LABELS, SEGMENTS};
    const LANGS: [&str; 4] = ["en", "es", "pt", "fr"];
    let mut rng = synthetic::Rng(sizes.seed);
    let detected: Vec<_> = messages.iter().map(|m| language::detect(m)).collect();
    let tickets: Vec<Ticket> = (0..sizes.decisions)
        .map(|i| {
            let message = rng.below(messages.len());
            let new_contact = rng.below(100) < 30;
            let contact_language = (!new_contact && rng.below(2) == 0).then(|| LANGS[rng.below(4)]);
            let labels = (0..rng.below(3))
                .map(|_| LABELS[rng.below(8)].to_string())
                .collect();
            let segment = (rng.below(2) == 0).then(|| SEGMENTS[rng.below(4)]);
            let vip = rng.below(100) < 5;
            let (language, _) = language::choose(detected[message].as_ref(), contact_language);
            let (priority, _) = with_rules
                .triage()
                .triage(&messages[message], segment, vip, None);
            Ticket {
                message,
                contact_language,
                labels,
                segment,
                vip,
                phone_number_id: format!("10{}", 1000 + i % 3),
                new_contact,
                language,
                priority: priority.max(Priority::Medium),
            }
        })
        .collect();

    let mut modes = vec![
        Mode::new(
            "route, fallback only (ceiling)",
            Work::Route,
            desk(&fallback_only, &floor)?,
            floor.clone(),
        ),
        Mode::new("route, rules", Work::Route, with_rules, floor.clone()),
        Mode::new(
            "decide, fallback only (ceiling)",
            Work::Decide,
            desk(&fallback_only, &floor)?,
            floor.clone(),
        ),
        Mode::new(
            "decide, rules",
            Work::Decide,
            desk(&spec, &floor)?,
            floor.clone(),
        ),
        Mode::new(
            "  of which language detection",
            Work::Language,
            Desk::default(),
            Floor::default(),
        ),
        Mode::new(
            "  of which triage",
            Work::Triage,
            desk(&spec, &floor)?,
            Floor::default(),
        ),
    ];

    println!(
        "parley bench routing: {} agents, {} teams, {} rules (+ fallback), {} distinct messages, \
         {} decisions per mode, floor snapshot renewed every {BATCH} decisions",
        floor.agents().len(),
        floor.teams().len(),
        modes[1].desk.routing().map_or(0, |r| r.rule_count()),
        messages.len(),
        sizes.decisions
    );

    // Warm-up: caches, the language models, lazily built tables.
    for mode in &mut modes {
        for t in tickets.iter().take(BATCH.min(tickets.len())) {
            one(mode, t, &messages, now0, false);
        }
        mode.floor = floor.clone();
    }

    let mut done = 0;
    while done < tickets.len() {
        let end = (done + ROUND).min(tickets.len());
        for mode in &mut modes {
            for (i, t) in tickets[done..end].iter().enumerate() {
                if (done + i) % BATCH == 0 {
                    mode.floor = floor.clone();
                }
                one(mode, t, &messages, now0 + (done + i) as i64, true);
            }
        }
        done = end;
    }

    println!();
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>9}   {:>7} {:>8} {:>7} {:>6} {:>9}",
        "per ticket",
        "p50 µs",
        "p90 µs",
        "p99 µs",
        "max µs",
        "mean µs",
        "rule",
        "assigned",
        "queued",
        "bot",
        "mean rule"
    );
    let mut p99 = Vec::new();
    for mode in &mut modes {
        mode.latencies.sort();
        let n = mode.latencies.len().max(1);
        let us = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e6);
        let mean = mode.latencies.iter().sum::<Duration>().as_secs_f64() * 1e6 / n as f64;
        let decides = matches!(mode.work, Work::Route | Work::Decide);
        let pct = |c: usize| {
            if decides {
                format!("{:.0}%", 100.0 * c as f64 / n as f64)
            } else {
                "-".into()
            }
        };
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}   {:>7} {:>8} {:>7} {:>6} {:>9}",
            mode.name,
            us(quantile(&mode.latencies, 0.5)),
            us(quantile(&mode.latencies, 0.9)),
            us(quantile(&mode.latencies, 0.99)),
            us(mode.latencies.last().copied()),
            mean,
            pct(mode.matched),
            pct(mode.assigned),
            pct(mode.queued),
            pct(mode.bot_only),
            if mode.matched > 0 {
                format!("#{:.0}", mode.rule_index_sum as f64 / mode.matched as f64)
            } else {
                "-".into()
            },
        );
        p99.push(us(quantile(&mode.latencies, 0.99)));
    }
    println!();
    println!(
        "rules cost at p99: route {:+.1} µs ({:.1}x the fallback-only router), \
         decide {:+.1} µs ({:.1}x)",
        p99[1] - p99[0],
        p99[1] / p99[0],
        p99[3] - p99[2],
        p99[3] / p99[2]
    );
    let verdict = |v: f64| if v < 100.0 { "met" } else { "NOT met" };
    println!(
        "target p99 < 100 µs: route {} ({:.1} µs), decide {} ({:.1} µs)",
        verdict(p99[1]),
        p99[1],
        verdict(p99[3]),
        p99[3]
    );
    println!(
        "(rule: share decided by a rule rather than the fallback; mean rule: average position \
         of the matching rule in the list)"
    );
    Ok(())
}

fn one(mode: &mut Mode, t: &Ticket, messages: &[String], now: i64, record: bool) {
    let text = messages[t.message].as_str();
    let started = Instant::now();
    let decision = match mode.work {
        Work::Language => {
            let detected = language::detect(text);
            std::hint::black_box(language::choose(detected.as_ref(), t.contact_language));
            None
        }
        Work::Triage => {
            std::hint::black_box(mode.desk.triage().triage(text, t.segment, t.vip, None));
            None
        }
        Work::Route => {
            let facts = TicketFacts {
                text,
                language: t.language.as_deref(),
                contact_labels: &t.labels,
                segment: t.segment,
                vip: t.vip,
                phone_number_id: &t.phone_number_id,
                new_contact: t.new_contact,
                priority: t.priority,
                now_ms: now,
            };
            Some(
                mode.desk
                    .routing()
                    .expect("the bench desk has routing")
                    .route(&facts, &mode.floor),
            )
        }
        Work::Decide => Some(
            decide(
                &mode.desk,
                &mode.floor,
                text,
                t.contact_language,
                &t.labels,
                t.segment,
                t.vip,
                &t.phone_number_id,
                t.new_contact,
                Priority::Medium,
                now,
            )
            .decision,
        ),
    };
    let elapsed = started.elapsed();
    if !record {
        if let Some(agent) = decision.and_then(|d| d.assignee) {
            mode.floor.record_assignment(agent, now);
        }
        return;
    }
    mode.latencies.push(elapsed);
    let Some(decision) = decision else { return };
    // The server records the assignment on its snapshot right after deciding.
    if let Some(agent) = decision.assignee {
        mode.floor.record_assignment(agent, now);
    }
    if let Some(rule) = &decision.rule {
        mode.matched += 1;
        // Synthetic rule names end in "(<position>)".
        mode.rule_index_sum += rule
            .rsplit('(')
            .next()
            .and_then(|s| s.trim_end_matches(')').parse::<usize>().ok())
            .unwrap_or(0);
    }
    if decision.assignee.is_some() {
        mode.assigned += 1;
    }
    if decision.queued {
        mode.queued += 1;
    }
    if decision.bot_only {
        mode.bot_only += 1;
    }
}
