//! `/webhooks/whatsapp`: Meta's verification handshake (GET) and signed
//! notifications (POST).
//!
//! POST order matters: the signature is checked over the raw bytes before
//! anything is parsed; then the body must be JSON; then it is committed to
//! the ingest log; only then does Meta get its 200. Processing happens later,
//! so the answer is fast and a processing failure never makes Meta retry.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parley_whatsapp::signature;
use serde::Deserialize;
use std::time::Instant;

#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Echoes `hub.challenge` when `hub.mode=subscribe` and the verify token match.
pub async fn verify(State(state): State<AppState>, Query(q): Query<VerifyQuery>) -> Response {
    let expected = state.config.whatsapp.verify_token.as_bytes();
    let token_ok = q
        .verify_token
        .as_deref()
        .is_some_and(|t| !expected.is_empty() && constant_time_eq(t.as_bytes(), expected));
    match (q.mode.as_deref(), token_ok, q.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge).into_response(),
        _ => {
            metrics::counter!("parley_webhook_verifications_rejected_total").increment(1);
            (StatusCode::FORBIDDEN, "verification failed").into_response()
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Receives a signed notification and commits it before answering 200.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let reject = |status: StatusCode, code: &'static str, reason: &'static str, message: String| {
        metrics::counter!("parley_webhooks_rejected_total", "reason" => reason).increment(1);
        ApiError::new(status, code, message).into_response()
    };
    let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(state.config.whatsapp.app_secret.as_bytes(), &body, header) {
        return reject(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "signature",
            e.to_string(),
        );
    }
    // Validate without building a tree: the processor parses it properly.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        return reject(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "json",
            format!("malformed JSON: {e}"),
        );
    }
    let Ok(text) = String::from_utf8(Vec::from(body)) else {
        return reject(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "json",
            "the body is not UTF-8".into(),
        );
    };
    match state.ingest.append(text).await {
        Ok(_) => {
            metrics::counter!("parley_webhooks_received_total").increment(1);
            metrics::histogram!("parley_webhook_ack_seconds")
                .record(started.elapsed().as_secs_f64());
            StatusCode::OK.into_response()
        }
        // Not stored: a 5xx makes Meta deliver it again later.
        Err(e) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("could not store the webhook: {e}"),
        )
        .into_response(),
    }
}

/// A ceiling for the ingest benchmark: verifies the signature and answers,
/// storing nothing. Only mounted when benchmarking.
pub async fn receive_ceiling(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    match signature::verify(state.config.whatsapp.app_secret.as_bytes(), &body, header) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"abcd"));
    }
}
