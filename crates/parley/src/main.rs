//! `parley`: the help desk in one binary.
//!
//! - `parley serve` runs the server.
//! - `parley demo` runs everything on one machine with a fake WhatsApp.
//! - `parley agent add` creates an agent.
//! - `parley desk check` checks a desk file.
//! - `parley bot eval` measures an intent back end on a labelled data set.
//! - `parley bench ingest|routing|sla` measures webhook ingest, routing decisions
//!   and the SLA timer scheduler.

mod bench;
mod bot_eval;
mod config;
mod demo;
mod demo_history;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::CommonOpts;
use parley_core::Role;
use std::io::Read;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "parley",
    version,
    about = "A help desk for customer support on WhatsApp, in one binary."
)]
struct Cli {
    #[command(flatten)]
    common: CommonOpts,
    /// Log as JSON lines (for log collectors).
    #[arg(long, env = "PARLEY_LOG_JSON", global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Run a self-contained demo: a fake WhatsApp, a demo admin and a
    /// customer-phone simulator at /demo/phone.
    Demo {
        /// Start with three weeks of realistic history (tickets, replies,
        /// SLA breaches, CSAT answers, bot deflections), so reports and the
        /// floor have something to show. Only into an empty store.
        #[arg(long)]
        seed: bool,
    },
    /// Manage agents.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Check a desk file (teams, hours, SLA, routing, escalation) without
    /// starting the server; errors name the file, line and problem.
    Desk {
        #[command(subcommand)]
        command: DeskCommand,
    },
    /// The bot (`parley bot eval`: accuracy of an intent back end on a data set).
    Bot {
        #[command(subcommand)]
        command: bot_eval::BotCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum DeskCommand {
    /// Parse and check a desk file.
    Check { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an agent.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, supervisor or admin.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_env("PARLEY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    match cli.command {
        Command::Serve => {
            let cfg = cli.common.resolve()?;
            if cfg.whatsapp.app_secret.is_empty() {
                bail!(
                    "PARLEY_WHATSAPP_APP_SECRET is not set: webhooks cannot be verified (see README, 'Connect a WhatsApp number')"
                );
            }
            for (name, value) in [
                ("PARLEY_WHATSAPP_VERIFY_TOKEN", &cfg.whatsapp.verify_token),
                ("PARLEY_WHATSAPP_ACCESS_TOKEN", &cfg.whatsapp.access_token),
                (
                    "PARLEY_WHATSAPP_PHONE_NUMBER_ID",
                    &cfg.whatsapp.phone_number_id,
                ),
            ] {
                if value.is_empty() {
                    tracing::warn!("{name} is not set; see README, 'Connect a WhatsApp number'");
                }
            }
            let server = parley_server::Server::start(cfg).await?;
            let agents = server.state.store.count_agents().await?;
            if agents == 0 {
                tracing::warn!(
                    "no agents yet: create one with `parley agent add --email … --name … --role admin`"
                );
            }
            server.run_until_signal().await;
        }
        Command::Demo { seed } => demo::run(cli.common, seed).await?,
        Command::Desk {
            command: DeskCommand::Check { file },
        } => {
            let desk = parley_server::desk::load_file(&file)?;
            let spec = desk.spec();
            println!(
                "{}: ok — {} teams, {} calendars, {} routing rules{}",
                file.display(),
                spec.teams.len(),
                spec.hours.len(),
                desk.routing().map_or(0, |r| r.rule_count()),
                if desk.routing().is_none() {
                    " (no [routing]: load-balanced over all agents)"
                } else {
                    ""
                }
            );
        }
        Command::Agent {
            command:
                AgentCommand::Add {
                    email,
                    name,
                    role,
                    password_stdin,
                },
        } => {
            let role: Role = role.parse()?;
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the password from stdin")?;
                s.trim_end_matches(['\n', '\r']).to_string()
            } else {
                let p = rpassword::prompt_password("Password: ")?;
                if p != rpassword::prompt_password("Again: ")? {
                    bail!("the passwords differ");
                }
                p
            };
            let hash =
                parley_server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
            let cfg = cli.common.resolve()?;
            let store = match &cfg.database_url {
                Some(url) => parley_store::Store::connect(url).await?,
                None => parley_store::Store::open_sqlite(&cfg.data_dir, cfg.sqlite_sync).await?,
            };
            let now = parley_core::Clock::now_ms(&parley_core::SystemClock);
            let agent = store
                .create_agent(
                    &parley_store::NewAgent {
                        email,
                        name,
                        role,
                        password_hash: hash,
                    },
                    now,
                )
                .await?;
            println!(
                "created {} agent {} <{}> (id {})",
                agent.role, agent.name, agent.email, agent.id
            );
            store.close().await;
        }
        Command::Bench { command } => bench::run(command, cli.common).await?,
        Command::Bot { command } => bot_eval::run_command(command)?,
    }
    Ok(())
}
