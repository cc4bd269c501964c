//! Performs an action's HTTP request against the business's own system.
//!
//! The only I/O in the conversation: [`crate::dialog`] decides *what* to call,
//! this sends it with a timeout and classifies the outcome, and the result
//! goes back to [`crate::dialog::Bot::resume`]. Nothing here panics or hangs:
//! every failure becomes [`CallResult::Failed`] with a reason for the
//! timeline, and the bot turns that into a polite message and a handoff.

use crate::dialog::{Call, CallResult};
use std::time::Duration;

/// Replies larger than this are refused rather than buffered.
const MAX_REPLY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct ActionClient {
    http: reqwest::Client,
}

impl ActionClient {
    pub fn new(timeout: Duration) -> ActionClient {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("parley-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        ActionClient { http }
    }

    /// Sends `call`. `idempotency_key` goes in the `Idempotency-Key` header so
    /// a retried call after a crash does not, say, create two return requests.
    pub async fn perform(&self, call: &Call, idempotency_key: &str) -> CallResult {
        let method = match reqwest::Method::from_bytes(call.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => return CallResult::Failed(format!("bad method {}", call.method)),
        };
        let mut req = self
            .http
            .request(method, &call.url)
            .header("Accept", "application/json")
            .header("Idempotency-Key", idempotency_key);
        for (k, v) in &call.headers {
            req = req.header(k, v);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return CallResult::Failed("timed out".into()),
            Err(e) if e.is_connect() => return CallResult::Failed("could not connect".into()),
            Err(e) => return CallResult::Failed(format!("request failed: {e}")),
        };
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return CallResult::NotFound;
        }
        if !status.is_success() {
            return CallResult::Failed(format!("HTTP {}", status.as_u16()));
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return CallResult::Failed("timed out".into()),
            Err(e) => return CallResult::Failed(format!("reading the reply failed: {e}")),
        };
        if bytes.len() > MAX_REPLY_BYTES {
            return CallResult::Failed(format!("reply of {} bytes is too large", bytes.len()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return CallResult::Ok(serde_json::Value::Null);
        }
        match serde_json::from_slice(&bytes) {
            Ok(v) => CallResult::Ok(v),
            Err(e) => CallResult::Failed(format!("reply is not JSON: {e}")),
        }
    }
}
