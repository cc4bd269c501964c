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

pub async fn run(opts: CommonOpts) -> anyhow::Result<()> {
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
    cfg.whatsapp.api_base = fake.state().base_url();
    let webhook_url = format!("http://{}/webhooks/whatsapp", cfg.listen);
    cfg.demo = Some(DemoConfig::new(
        fake.state(),
        webhook_url.clone(),
        "15550783881".into(),
    ));
    let server = Server::start(cfg).await?;
    fake.state()
        .set_webhook_url(Some(format!("http://{}/webhooks/whatsapp", server.addr)));

    let store = &server.state.store;
    let now = server.state.now();
    if store.agent_credentials(DEMO_EMAIL).await?.is_none() {
        let hash =
            parley_server::auth::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
        for (email, name, role) in [
            (DEMO_EMAIL, "Demo Admin", Role::Admin),
            ("dana@demo.parley", "Dana Agent", Role::Agent),
            ("sam@demo.parley", "Sam Billing", Role::Agent),
            ("lee@demo.parley", "Lee Senior", Role::Supervisor),
        ] {
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
    }
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
