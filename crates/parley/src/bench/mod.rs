//! `parley bench …`: benchmarks that report, next to each result, a ceiling
//! measured in the same run, because this machine's absolute numbers are
//! noisy. They print numbers; they do not fail on a missed target.
//!
//! - `ingest`: webhook ingest throughput and latency over loopback.
//! - `routing`: per-ticket routing decision latency on a large floor.
//! - `inbox`: the inbox's list views on a million tickets.
//! - `sla`: the timer scheduler firing a burst of SLA warnings and breaches
//!   among a million open tickets, across a crash and restart.

mod inbox;
mod ingest;
mod routing;
mod server;
mod sla;

use crate::config::CommonOpts;
use clap::Subcommand;
use std::time::Duration;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Webhook ingest throughput and latency (one message per POST).
    Ingest {
        /// Messages per throughput run.
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
        /// Concurrent connections for the throughput runs.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Rate of the paced latency run, messages per second.
        #[arg(long, default_value_t = 1_000)]
        paced_rate: usize,
        /// Length of the paced run, seconds.
        #[arg(long, default_value_t = 5)]
        paced_seconds: u64,
    },
    /// Routing decision latency: 1,000 agents, 50 teams, 100 rules, against
    /// a fallback-only router on the same floor and messages.
    Routing {
        #[arg(long, default_value_t = 1_000)]
        agents: usize,
        #[arg(long, default_value_t = 50)]
        teams: usize,
        #[arg(long, default_value_t = 100)]
        rules: usize,
        /// Measured decisions per mode.
        #[arg(long, default_value_t = 20_000)]
        decisions: usize,
        /// Seed of the synthetic floor, rules and messages.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// The inbox's list API on a large store (SQLite, or `--database-url`): every view, sort and
    /// filter, deep pages and the view counts, against `GET /me`.
    Inbox {
        #[arg(long, default_value_t = 1_000_000)]
        tickets: i64,
        /// How many of them are open (the newest).
        #[arg(long, default_value_t = 20_000)]
        open: i64,
        #[arg(long, default_value_t = 200)]
        agents: usize,
        #[arg(long, default_value_t = 20)]
        teams: usize,
        /// Sequential requests per case.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Concurrent clients of the mixed-load run.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Keep the seeded database here (created if missing; must be empty).
        #[arg(long)]
        keep_dir: Option<std::path::PathBuf>,
        /// Run on PostgreSQL: the URL of an empty database (the bench seeds it
        /// and leaves it; drop it afterwards). Default: SQLite in the data dir.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The SLA scheduler: open tickets on SQLite, a burst of warnings and
    /// breaches falling due, the real server (a child process) firing them,
    /// killed with SIGKILL midway and restarted.
    Sla {
        /// Open tickets (each with its own contact and SLA timers).
        #[arg(long, default_value_t = 1_000_000)]
        tickets: i64,
        /// Tickets with a warning or breach due inside the measured window.
        #[arg(long, default_value_t = 100_000)]
        burst: i64,
        /// Length of the window the burst falls due in, seconds.
        #[arg(long, default_value_t = 60)]
        window_secs: u64,
        /// How long the server stays down after the SIGKILL, seconds.
        #[arg(long, default_value_t = 5)]
        down_secs: u64,
        /// Keep the seeded database here (created if missing; must be empty)
        /// instead of a temporary directory.
        #[arg(long)]
        keep_dir: Option<std::path::PathBuf>,
    },
}

pub async fn run(cmd: BenchCommand, opts: CommonOpts) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ingest {
            messages,
            concurrency,
            paced_rate,
            paced_seconds,
        } => ingest::run(messages, concurrency, paced_rate, paced_seconds, opts).await,
        BenchCommand::Routing {
            agents,
            teams,
            rules,
            decisions,
            seed,
        } => {
            tokio::task::spawn_blocking(move || {
                routing::run(routing::Sizes {
                    agents,
                    teams,
                    rules,
                    decisions,
                    seed,
                })
            })
            .await?
        }
        BenchCommand::Inbox {
            tickets,
            open,
            agents,
            teams,
            requests,
            clients,
            keep_dir,
            database_url,
        } => {
            inbox::run(inbox::Sizes {
                tickets,
                open,
                agents,
                teams,
                requests,
                clients,
                keep_dir,
                database_url,
            })
            .await
        }
        BenchCommand::Sla {
            tickets,
            burst,
            window_secs,
            down_secs,
            keep_dir,
        } => {
            sla::run(sla::Sizes {
                tickets,
                burst,
                window: Duration::from_secs(window_secs),
                down: Duration::from_secs(down_secs),
                keep_dir,
            })
            .await
        }
    }
}

/// The value at quantile `q` (0..=1) of sorted `xs` (nearest rank).
pub(crate) fn quantile<T: Copy>(xs: &[T], q: f64) -> Option<T> {
    if xs.is_empty() {
        return None;
    }
    let i = ((xs.len() as f64 - 1.0) * q).round() as usize;
    Some(xs[i.min(xs.len() - 1)])
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`…).
pub(crate) fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
