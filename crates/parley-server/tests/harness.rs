//! A real Parley server on a free port with a temp data dir, wired to the
//! fake Graph API, driven over HTTP like Meta and an agent would.

#![allow(dead_code)]

use parley_core::{Clock, Role};
use parley_server::{RunningServer, Server, ServerConfig};
use parley_store::NewAgent;
use parley_whatsapp::fake::{FakeGraph, FakeGraphConfig};
use parley_whatsapp::{signature, simulate};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SECRET: &str = "e2e-app-secret";
pub const VERIFY: &str = "e2e-verify-token";
pub const PNID: &str = "106540352242922";
pub const PASSWORD: &str = "correct horse battery";

pub struct Harness {
    pub server: Option<RunningServer>,
    pub fake: FakeGraph,
    pub base: String,
    pub http: reqwest::Client,
    pub admin_token: String,
    pub agent_token: String,
    pub agent_id: i64,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(|_| {}, None).await
    }

    pub async fn start_with(
        tweak: impl FnOnce(&mut ServerConfig),
        clock: Option<Arc<dyn Clock>>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        Harness::start_in(dir, tweak, clock).await
    }

    pub async fn start_in(
        dir: tempfile::TempDir,
        tweak: impl FnOnce(&mut ServerConfig),
        clock: Option<Arc<dyn Clock>>,
    ) -> Harness {
        Harness::start_full(dir, |_| {}, tweak, clock).await
    }

    pub async fn start_full(
        dir: tempfile::TempDir,
        fake_tweak: impl FnOnce(&mut FakeGraphConfig),
        tweak: impl FnOnce(&mut ServerConfig),
        clock: Option<Arc<dyn Clock>>,
    ) -> Harness {
        let mut fake_cfg = FakeGraphConfig {
            app_secret: SECRET.into(),
            access_token: "e2e-token".into(),
            phone_number_id: PNID.into(),
            status_delay: Duration::from_millis(20),
            ..Default::default()
        };
        fake_tweak(&mut fake_cfg);
        let fake = FakeGraph::start(fake_cfg).unwrap();
        let mut cfg = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().to_path_buf());
        cfg.whatsapp.app_secret = SECRET.into();
        cfg.whatsapp.verify_token = VERIFY.into();
        cfg.whatsapp.access_token = "e2e-token".into();
        cfg.whatsapp.phone_number_id = PNID.into();
        cfg.whatsapp.waba_id = fake.config().waba_id.clone();
        cfg.whatsapp.api_base = fake.state().base_url();
        cfg.sqlite_sync = parley_store::SqliteSync::Normal;
        tweak(&mut cfg);
        let server = match clock {
            Some(c) => Server::start_with_clock(cfg, c).await.unwrap(),
            None => Server::start(cfg).await.unwrap(),
        };
        let base = format!("http://{}", server.addr);
        fake.state()
            .set_webhook_url(Some(format!("{base}/webhooks/whatsapp")));
        let store = &server.state.store;
        let now = server.state.now();
        let hash = parley_server::auth::hash_password(PASSWORD).unwrap();
        let existing = store.agent_credentials("admin@e2e.test").await.unwrap();
        let agent_id = if existing.is_none() {
            store
                .create_agent(
                    &NewAgent {
                        email: "admin@e2e.test".into(),
                        name: "Ada Admin".into(),
                        role: Role::Admin,
                        password_hash: hash.clone(),
                    },
                    now,
                )
                .await
                .unwrap();
            store
                .create_agent(
                    &NewAgent {
                        email: "agent@e2e.test".into(),
                        name: "Alan Agent".into(),
                        role: Role::Agent,
                        password_hash: hash,
                    },
                    now,
                )
                .await
                .unwrap()
                .id
        } else {
            store
                .agent_credentials("agent@e2e.test")
                .await
                .unwrap()
                .unwrap()
                .agent
                .id
        };
        let http = reqwest::Client::new();
        let mut h = Harness {
            server: Some(server),
            fake,
            base,
            http,
            admin_token: String::new(),
            agent_token: String::new(),
            agent_id,
            dir,
        };
        h.admin_token = h.login("admin@e2e.test", PASSWORD).await;
        h.agent_token = h.login("agent@e2e.test", PASSWORD).await;
        h
    }

    pub fn state(&self) -> &parley_server::AppState {
        &self.server.as_ref().unwrap().state
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.fake.shutdown();
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {email}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// POSTs a body to the webhook, signed like Meta signs it.
    pub async fn webhook(&self, body: &Value) -> reqwest::StatusCode {
        let bytes = serde_json::to_vec(body).unwrap();
        self.webhook_raw(&bytes, Some(&signature::sign(SECRET.as_bytes(), &bytes)))
            .await
    }

    pub async fn webhook_raw(&self, bytes: &[u8], sig: Option<&str>) -> reqwest::StatusCode {
        let mut req = self
            .http
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header("Content-Type", "application/json")
            .body(bytes.to_vec());
        if let Some(s) = sig {
            req = req.header(signature::HEADER, s);
        }
        req.send().await.unwrap().status()
    }

    pub async fn customer_text(&self, from: &str, body: &str) -> String {
        let wamid = simulate::new_wamid();
        let ts = self.state().now() / 1000;
        let status = self
            .webhook(&simulate::text(
                PNID,
                "15550783881",
                from,
                "Ana López",
                &wamid,
                body,
                ts,
            ))
            .await;
        assert_eq!(status, 200);
        wamid
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(token, reqwest::Method::POST, path, body).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(token, reqwest::Method::PATCH, path, body).await
    }

    /// The ticket list's items for `query`.
    pub async fn tickets(&self, query: &str) -> Vec<Value> {
        let (s, v) = self
            .get(&self.agent_token, &format!("/tickets{query}"))
            .await;
        assert_eq!(s, 200, "{v}");
        v["items"].as_array().unwrap().clone()
    }

    pub async fn messages(&self, ticket: i64) -> Vec<Value> {
        let (s, v) = self
            .get(&self.agent_token, &format!("/tickets/{ticket}/messages"))
            .await;
        assert_eq!(s, 200, "{v}");
        v["items"].as_array().unwrap().clone()
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(self.state().store.pool())
            .await
            .unwrap();
        n
    }
}

/// A fresh schema on the test PostgreSQL server, for a server to run in.
pub struct PgSchema {
    /// The database URL with the schema as its search path.
    pub url: String,
    schema: String,
    admin: parley_store::Store,
}

impl PgSchema {
    pub async fn create(prefix: &str) -> PgSchema {
        let base = std::env::var("PARLEY_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let admin = parley_store::Store::connect_unmigrated(&base)
            .await
            .expect("PostgreSQL must be running (see .ci/run)");
        admin
            .execute_raw(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        PgSchema {
            url: format!("{base}?options=-c%20search_path%3D{schema}"),
            schema,
            admin,
        }
    }

    pub async fn drop(self) {
        self.admin
            .execute_raw(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .await
            .unwrap();
        self.admin.close().await;
    }
}

/// Polls `check` until it returns Some or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reports' known history: Monday 2026-03-02 (UTC) of a small desk, written
/// through the store's own write paths into `dir` before a server starts
/// there (so no worker races it). Start the server at [`REPORT_NOW`] and
/// nothing more falls due. Figures for that day, worked out by hand (and
/// checked the same way on both backends in parley-store's tests/reports.rs):
///
/// | ticket | who | created | first reply | resolved | |
/// |---|---|---|---|---|---|
/// | t1 | Ann | 09:00 | 09:10 | 09:20 | label billing, rated 5 |
/// | t2 | Ann | 10:00 | 12:00 (breached 11:00) | 13:00 | billing, refund, rated 3 |
/// | t3 | Ben | 11:00 | 11:05 | 11:30, reopened 11:40, Ann replies, 12:00 | survey unanswered |
/// | t4 | Ben | 12:00 | none (high: breached 12:15) | open | |
/// | t5 | bot | 09:30 | | deflected 09:31 | survey unanswered |
/// | t6 | bot, then Ann | 09:40 | 09:51 (handed off 09:41) | open | |
///
/// First-response SLA 3/5 = 60% (red), resolution SLA 3/3 = 100% (green),
/// FCR 2/3 = 66.7% (amber), deflection 1/2 = 50% (amber), average resolution
/// 260 min / 3 = 86.7 min (amber), CSAT 1/2 = 50% (red), response rate 2/4
/// = 50% (green), first response median 10 min, p90 2 h.
pub async fn seed_report_history(dir: &std::path::Path) {
    use parley_core::{Priority, TicketStatus};
    use parley_store::*;
    let store = Store::open_sqlite(dir, SqliteSync::Normal).await.unwrap();
    let t0 = REPORT_DAY;
    let at = |hh: i64, mm: i64| t0 + hh * 3_600_000 + mm * 60_000;
    let draft = |text: &str| ReplyDraft {
        kind: "text".into(),
        text: Some(text.into()),
        content: json!({}),
        payload: json!({"type": "text", "text": {"body": text}}),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    };
    let survey = draft("survey");
    store.set_csat_settings(CsatSettings {
        enabled: true,
        delay_ms: 10 * 60_000,
        resurvey_after_ms: 86_400_000,
        comment_window_ms: 86_400_000,
        survey: Some(Arc::new(move |_| survey.clone())),
        follow_up: Some(draft("How can we improve?")),
        thanks: Some(draft("Thanks!")),
    });
    let message = |from: &str, n: u32, now: i64| InboundMessage {
        phone_number_id: PNID.into(),
        wa_message_id: format!("wamid.seed.{from}.{n}"),
        from_wa_id: Some(from.into()),
        profile_name: Some(format!("Customer {from}")),
        kind: "text".into(),
        text: Some("Hello, my order is late".into()),
        preview: "Hello, my order is late".into(),
        content: json!({"body": "Hello, my order is late"}),
        raw: json!({}),
        sent_at_ms: now,
        reopens: true,
        ..Default::default()
    };
    let write = async |from: &str, n: u32, now: i64| -> i64 {
        let out = store
            .apply_webhook(
                None,
                vec![IngestItem::Message(Box::new(message(from, n, now)))],
                now,
            )
            .await
            .unwrap();
        store.refresh_dirty_slas(100, now).await.unwrap();
        match &out[0] {
            IngestOutcome::Message { ticket_id, .. } => *ticket_id,
            other => panic!("{other:?}"),
        }
    };
    let new_agent = async |email: &str, name: &str| {
        store
            .create_agent(
                &NewAgent {
                    email: email.into(),
                    name: name.into(),
                    role: parley_core::Role::Agent,
                    password_hash: "x".into(),
                },
                t0,
            )
            .await
            .unwrap()
            .id
    };
    let ann = new_agent("ann@e2e.test", "Ann").await;
    let ben = new_agent("ben@e2e.test", "Ben").await;
    let team = store.create_team("Support", t0).await.unwrap().id;
    // As the router decides: a team and an agent, on the timeline.
    let route = async |ticket: i64, agent: i64, now: i64| {
        store
            .apply_routing(
                &[RoutingOutcome {
                    ticket_id: ticket,
                    team_id: Some(team),
                    assignee_id: Some(agent),
                    queued: false,
                    strategy: Some("load_balanced".into()),
                    priority: None,
                    labels: vec![],
                    issue_type: None,
                    language: None,
                    bot_only: false,
                    auto_reply: None,
                    detail: json!({"explanation": "seeded history"}),
                }],
                now,
            )
            .await
            .unwrap();
    };
    let patch = async |ticket: i64, actor: i64, p: TicketPatch, now: i64| {
        store.update_ticket(ticket, actor, &p, now).await.unwrap();
    };
    let resolved = || TicketPatch {
        status: Some(TicketStatus::Resolved),
        ..Default::default()
    };
    let labels = |l: &[&str]| TicketPatch {
        labels: Some(l.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    let reply = async |ticket: i64, agent: i64, now: i64| {
        store
            .create_reply(ticket, agent, draft("On it"), now)
            .await
            .unwrap();
    };
    let bot_turn = async |end: BotEnd, now: i64| {
        let m = store.pending_bot_messages(10).await.unwrap().remove(0);
        store
            .commit_bot_turn(
                BotTurnWrite {
                    message_id: m.message_id,
                    ticket_id: m.ticket_id,
                    session: json!({}),
                    outcome: "answer".into(),
                    intent: Some("order_tracking".into()),
                    analysis: json!({}),
                    replies: vec![draft("Your order ships today")],
                    end: Some(end),
                    idle: None,
                },
                now,
            )
            .await
            .unwrap();
    };

    let t1 = write("4930001", 1, at(9, 0)).await;
    route(t1, ann, at(9, 1)).await;
    reply(t1, ann, at(9, 10)).await;
    patch(t1, ann, labels(&["billing"]), at(9, 11)).await;
    patch(t1, ann, resolved(), at(9, 20)).await;

    store.set_bot_enabled(true);
    write("4930005", 1, at(9, 30)).await;
    bot_turn(BotEnd::Resolve, at(9, 31)).await;
    let t6 = write("4930006", 1, at(9, 40)).await;
    bot_turn(
        BotEnd::Handoff {
            reason: "customer_request".into(),
        },
        at(9, 41),
    )
    .await;
    store.set_bot_enabled(false);
    route(t6, ann, at(9, 45)).await;
    reply(t6, ann, at(9, 51)).await;

    let t2 = write("4930002", 1, at(10, 0)).await;
    route(t2, ann, at(10, 1)).await;
    patch(t2, ann, labels(&["billing", "refund"]), at(10, 2)).await;
    store.fire_due_timers(at(11, 0), 100, false).await.unwrap();

    let t3 = write("4930003", 1, at(11, 0)).await;
    route(t3, ben, at(11, 1)).await;
    reply(t3, ben, at(11, 5)).await;
    patch(t3, ben, resolved(), at(11, 30)).await;
    write("4930003", 2, at(11, 40)).await;
    reply(t3, ann, at(11, 50)).await;
    patch(t3, ben, resolved(), at(12, 0)).await;

    let t4 = write("4930004", 1, at(12, 0)).await;
    route(t4, ben, at(12, 1)).await;
    let high = TicketPatch {
        priority: Some(Priority::High),
        ..Default::default()
    };
    patch(t4, ben, high, at(12, 2)).await;
    reply(t2, ann, at(12, 0)).await;
    patch(t2, ann, resolved(), at(13, 0)).await;
    store.fire_due_timers(at(13, 30), 100, false).await.unwrap();

    store.fire_due_csat(at(14, 0), 100).await.unwrap();
    for (ticket, from, rating, now) in
        [(t1, "4930001", 5, at(14, 5)), (t2, "4930002", 3, at(14, 6))]
    {
        let (survey,): (i64,) = sqlx::query_as("SELECT id FROM csat_surveys WHERE ticket_id = $1")
            .bind(ticket)
            .fetch_one(store.pool())
            .await
            .unwrap();
        let mut m = message(from, 9, now);
        m.kind = "interactive".into();
        m.content = json!({"type": "list_reply",
            "list_reply": {"id": format!("csat:{survey}:{rating}"), "title": "stars"}});
        store
            .apply_webhook(None, vec![IngestItem::Message(Box::new(m))], now)
            .await
            .unwrap();
    }
    // The survey and thanks messages were "sent" long ago.
    loop {
        let due = store.due_outbox(at(14, 10), 100).await.unwrap();
        if due.is_empty() {
            break;
        }
        for row in due {
            let wamid = format!("wamid.seed.out.{}", row.message_id);
            store.outbox_sent(&row, &wamid, at(14, 10)).await.unwrap();
        }
    }
    store.close().await;
}

/// Monday 2026-03-02 00:00 UTC: the day [`seed_report_history`] fills.
pub const REPORT_DAY: i64 = 1_772_409_600_000;
/// 14:10 that day: when a server over that history should start.
pub const REPORT_NOW: i64 = REPORT_DAY + 14 * 3_600_000 + 10 * 60_000;
