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
