//! `parley demo`: the whole loop on one machine, no Meta account needed.
//!
//! A fake Graph API stands in for Meta (it validates what Parley sends and
//! posts signed delivery/read receipts back); the phone simulator at
//! /demo/phone plays customers by posting signed webhooks to Parley's real
//! webhook endpoint.

use crate::config::CommonOpts;
use anyhow::Context;
use parley_core::Role;
use parley_server::{Server, demo::DemoConfig};
use parley_whatsapp::fake::{FakeGraph, FakeGraphConfig};
use std::time::Duration;

pub const DEMO_EMAIL: &str = "admin@demo.parley";
pub const DEMO_PASSWORD: &str = "parley-demo";
/// The example desk configuration the demo runs with.
const DEMO_DESK: &str = include_str!("../../../examples/desk.toml");
/// The example shop's knowledge base, written to `<data dir>/kb` so it can be
/// edited while the demo runs (the bot reloads it).
const DEMO_KB: &[(&str, &str)] = &[
    (
        "00-bot.toml",
        include_str!("../../../examples/kb/00-bot.toml"),
    ),
    (
        "account.toml",
        include_str!("../../../examples/kb/account.toml"),
    ),
    (
        "appointments.toml",
        include_str!("../../../examples/kb/appointments.toml"),
    ),
    (
        "orders.toml",
        include_str!("../../../examples/kb/orders.toml"),
    ),
    (
        "products.toml",
        include_str!("../../../examples/kb/products.toml"),
    ),
    (
        "returns.toml",
        include_str!("../../../examples/kb/returns.toml"),
    ),
    (
        "stores.toml",
        include_str!("../../../examples/kb/stores.toml"),
    ),
];

pub async fn run(opts: CommonOpts, seed: bool) -> anyhow::Result<()> {
    let mut cfg = opts.resolve()?;
    // A fresh store each run unless a data dir was asked for.
    let _tmp = if opts.data_dir.is_none() && opts.database_url.is_none() {
        let dir = tempfile::tempdir().context("creating a temporary data dir")?;
        cfg.data_dir = dir.path().to_path_buf();
        Some(dir)
    } else {
        None
    };
    let app_secret = "demo-app-secret".to_string();
    let fake = FakeGraph::start(FakeGraphConfig {
        app_secret: app_secret.clone(),
        access_token: "demo-access-token".into(),
        phone_number_id: "106540352242922".into(),
        display_phone_number: "15550783881".into(),
        status_delay: Duration::from_millis(700),
        ..Default::default()
    })?;
    cfg.whatsapp.app_secret = app_secret;
    cfg.whatsapp.verify_token = "demo-verify-token".into();
    cfg.whatsapp.access_token = "demo-access-token".into();
    cfg.whatsapp.phone_number_id = "106540352242922".into();
    // The fake lists a realistic set of templates, so the reply box's picker has some.
    cfg.whatsapp.waba_id = fake.config().waba_id.clone();
    cfg.whatsapp.api_base = fake.state().base_url();
    let webhook_url = format!("http://{}/webhooks/whatsapp", cfg.listen);
    cfg.demo = Some(DemoConfig::new(
        fake.state(),
        webhook_url.clone(),
        "15550783881".into(),
    ));
    if cfg.bot.is_none() {
        let kb_dir = cfg.data_dir.join("kb");
        std::fs::create_dir_all(&kb_dir)
            .with_context(|| format!("creating {}", kb_dir.display()))?;
        for (name, text) in DEMO_KB {
            let path = kb_dir.join(name);
            // An edited copy from an earlier run with the same data dir stays.
            if !path.exists() {
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        cfg.bot = Some(parley_server::bot::BotConfig {
            kb_dir,
            public_url: None,
            embedding_model: None,
            llm: None,
            llm_tasks: Default::default(),
        });
    }
    let kb_dir = cfg.bot.as_ref().map(|b| b.kb_dir.clone());
    // History goes in before the server starts, so its router, bot and
    // sender never mistake the past for work to do.
    let seeded = if seed {
        Some(seed_history(&cfg).await?)
    } else {
        None
    };
    let server = Server::start(cfg).await?;
    fake.state()
        .set_webhook_url(Some(format!("http://{}/webhooks/whatsapp", server.addr)));

    let store = &server.state.store;
    let now = server.state.now();
    create_demo_agents(store, now).await?;
    // The example desk (teams, hours, SLA, rules), unless one was given.
    if server.state.config.desk_file.is_none() {
        let path = std::path::Path::new("examples/desk.toml");
        let desk = parley_server::desk::parse(path, DEMO_DESK)?;
        let admin = store
            .agent_id_by_email(DEMO_EMAIL)
            .await?
            .context("the demo admin exists")?;
        parley_server::desk::apply_from_api(&server.state, desk, admin)
            .await
            .map_err(|e| anyhow::anyhow!("the demo desk: {e}"))?;
    }
    let addr = server.addr;
    println!();
    println!("  Parley demo is running.");
    if let Some(s) = seeded {
        println!(
            "  Seeded {} days of history: {} tickets, {} messages (see Reports and the Floor).",
            crate::demo_history::DAYS,
            s.tickets,
            s.messages
        );
    }
    println!();
    println!("  Inbox:            http://{addr}/");
    println!(
        "  Sign in as:       {DEMO_EMAIL} / {DEMO_PASSWORD}   (or dana@, sam@, lee@demo.parley, same password)"
    );
    println!("  Customer phone:   http://{addr}/demo/phone");
    println!("  API docs:         http://{addr}/api/v1/docs");
    println!();
    println!("  Send a message from the phone, answer it in the inbox, watch the ticks come back.");
    println!(
        "  Routing, SLA and escalation follow examples/desk.toml (try \"I was charged twice\")."
    );
    if let Some(dir) = &kb_dir {
        println!(
            "  The FAQ bot answers first, from {} (edit it live; try \"where is order 10042?\").",
            dir.display()
        );
    }
    println!(
        "  Ctrl-C stops the demo{}.",
        if _tmp.is_some() {
            " and deletes its data"
        } else {
            ""
        }
    );
    println!();
    server.run_until_signal().await;
    fake.shutdown();
    Ok(())
}

/// The demo's four agents (admin, two agents, a supervisor), online, once.
async fn create_demo_agents(store: &parley_store::Store, now: i64) -> anyhow::Result<()> {
    if store.agent_credentials(DEMO_EMAIL).await?.is_some() {
        return Ok(());
    }
    let hash = parley_server::auth::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    for (email, name, role) in DEMO_AGENTS {
        let agent = store
            .create_agent(
                &parley_store::NewAgent {
                    email: email.into(),
                    name: name.into(),
                    role,
                    password_hash: hash.clone(),
                },
                now,
            )
            .await?;
        // Online from the start, so the first message is routed to someone.
        store.set_availability(agent.id, "online", now).await?;
    }
    Ok(())
}

const DEMO_AGENTS: [(&str, &str, Role); 4] = [
    (DEMO_EMAIL, "Demo Admin", Role::Admin),
    ("dana@demo.parley", "Dana Agent", Role::Agent),
    ("sam@demo.parley", "Sam Billing", Role::Agent),
    ("lee@demo.parley", "Lee Senior", Role::Supervisor),
];

/// Opens the store the server is about to use, puts the demo's agents and
/// desk in it, and writes the history (refused when tickets exist already).
pub(crate) async fn seed_history(
    cfg: &parley_server::ServerConfig,
) -> anyhow::Result<crate::demo_history::Seeded> {
    let store = match &cfg.database_url {
        Some(url) => parley_store::Store::connect(url).await?,
        None => parley_store::Store::open_sqlite(&cfg.data_dir, cfg.sqlite_sync).await?,
    };
    if store
        .count_tickets(&parley_store::TicketFilter::default(), 0, 1)
        .await?
        > 0
    {
        anyhow::bail!("--seed writes history into an empty store only; this one has tickets");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let start = now - crate::demo_history::DAYS * 24 * 3600 * 1000 - 24 * 3600 * 1000;
    create_demo_agents(&store, start).await?;
    let desk = parley_server::desk::parse(std::path::Path::new("examples/desk.toml"), DEMO_DESK)?;
    let mut agents = std::collections::HashMap::new();
    for (email, _, _) in DEMO_AGENTS {
        if let Some(id) = store.agent_id_by_email(email).await? {
            agents.insert(email, id);
        }
    }
    let mut teams = std::collections::HashMap::new();
    for team in &desk.spec().teams {
        let id = store.ensure_team(&team.name, start).await?;
        let members: Vec<i64> = team
            .members
            .iter()
            .flatten()
            .filter_map(|e| agents.get(e.as_str()).copied())
            .collect();
        store.set_team_members(id, &members).await?;
        teams.insert(team.name.clone(), id);
    }
    store.set_desk(std::sync::Arc::new(desk));
    let seeded = crate::demo_history::seed(&store, &agents, &teams, now).await?;
    store.close().await;
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use super::DEMO_KB;

    /// A file added to examples/kb must reach the demo too.
    #[test]
    fn the_demo_ships_every_example_knowledge_base_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kb");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut shipped: Vec<String> = DEMO_KB.iter().map(|(n, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped);
    }
}
