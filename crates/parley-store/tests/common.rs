//! Runs each store test against both backends: SQLite in a temp dir and
//! PostgreSQL in a fresh schema (the server at PARLEY_TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/test).

use parley_store::{SqliteSync, Store};

pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    cleanup: Option<(String, String)>,
}

impl TestDb {
    /// Closes the pool, then drops the test's schema. Done explicitly rather
    /// than in `Drop`: blocking there would stall the runtime that still has
    /// to roll back the pool's open transactions, and the DROP would wait on
    /// their locks forever.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((url, schema)) = &self.cleanup
            && let Ok(admin) = Store::connect_unmigrated(url).await
        {
            let _ = admin
                .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteSync::Normal)
        .await
        .unwrap();
    TestDb {
        store,
        _dir: Some(dir),
        cleanup: None,
    }
}

pub fn pg_url() -> String {
    std::env::var("PARLEY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn postgres() -> TestDb {
    let base = pg_url();
    let schema = format!("t_{}_{}", std::process::id(), rand_suffix());
    let admin = Store::connect_unmigrated(&base)
        .await
        .expect("PostgreSQL must be running for the store tests (see .ci/run)");
    admin
        .execute_raw(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::connect(&url).await.unwrap();
    TestDb {
        store,
        _dir: None,
        cleanup: Some((base, schema)),
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}_{}", nanos, N.fetch_add(1, Ordering::SeqCst))
}

/// Defines `mod $name { sqlite(); postgres() }` running `$body(store)`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::sqlite().await;
                ($body)(db.store.clone()).await;
                db.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let db = $crate::common::postgres().await;
                ($body)(db.store.clone()).await;
                db.finish().await;
            }
        }
    };
}

/// A customer's text message from `from`, sent at `at`.
#[allow(dead_code)]
pub fn text(wamid: &str, from: &str, body: &str, at: i64) -> parley_store::IngestItem {
    parley_store::IngestItem::Message(Box::new(parley_store::InboundMessage {
        phone_number_id: "106540352242922".into(),
        wa_message_id: wamid.into(),
        from_wa_id: Some(from.into()),
        profile_name: Some("Ana".into()),
        kind: "text".into(),
        text: Some(body.into()),
        preview: body.into(),
        content: serde_json::json!({"body": body}),
        raw: serde_json::json!({"id": wamid}),
        sent_at_ms: at,
        reopens: true,
        ..Default::default()
    }))
}

/// An agent's plain-text reply.
#[allow(dead_code)]
pub fn reply(text: &str) -> parley_store::ReplyDraft {
    parley_store::ReplyDraft {
        kind: "text".into(),
        text: Some(text.into()),
        content: serde_json::json!({}),
        payload: serde_json::json!({"type": "text", "text": {"body": text}}),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}
