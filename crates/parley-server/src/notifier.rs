//! Delivers escalation and SLA notifications to the business's own endpoint
//! (a Slack or PagerDuty bridge, say) as signed JSON POSTs, with retries.
//!
//! The body is signed like Meta signs its webhooks, so a receiver can reuse
//! the same check: `X-Parley-Signature-256: sha256=<hex HMAC-SHA256 of the
//! raw body with the shared secret>`. `X-Parley-Event` names the event and
//! `X-Parley-Delivery` is the notification's id, for deduplication on the
//! receiving side (a delivery whose response was lost is sent again).

use crate::AppState;
use parley_core::retry::Backoff;
use std::time::Duration;
use tokio::sync::watch;

pub const SIGNATURE_HEADER: &str = "X-Parley-Signature-256";

/// Where notifications go and the secret they are signed with.
#[derive(Clone)]
pub struct NotifyConfig {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("url", &self.url)
            .field("secret", &crate::redacted(&self.secret))
            .finish()
    }
}

pub async fn run_notifier(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let Some(cfg) = state.config.notify.clone() else {
        return;
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a default reqwest client builds");
    let backoff = Backoff {
        base_ms: 2_000,
        max_ms: 10 * 60 * 1000,
        max_attempts: 15,
    };
    loop {
        let now = state.now();
        let due = match state.store.due_notifications(now, 50).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "reading notifications failed");
                Vec::new()
            }
        };
        for n in &due {
            let signature =
                parley_whatsapp::signature::sign(cfg.secret.as_bytes(), n.body.as_bytes());
            let result = client
                .post(&cfg.url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, signature)
                .header("X-Parley-Event", &n.event)
                .header("X-Parley-Delivery", n.id.to_string())
                .body(n.body.clone())
                .send()
                .await;
            let error = match result {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(format!("HTTP {}", r.status())),
                Err(e) => Some(e.without_url().to_string()),
            };
            let attempts = n.attempts as u32 + 1;
            let outcome = match &error {
                None => Ok(()),
                Some(_) if backoff.exhausted(attempts) => Err(None),
                Some(_) => Err(Some(
                    state.now() + backoff.delay_ms(attempts, rand::random::<f64>()),
                )),
            };
            if let Some(e) = &error {
                tracing::warn!(notification = n.id, event = %n.event, attempts, error = %e, "notification delivery failed");
            }
            if let Err(e) = state
                .store
                .notification_attempted(n.id, outcome, error.as_deref())
                .await
            {
                tracing::error!(error = %e, "recording a notification attempt failed");
            }
        }
        let wait = if due.is_empty() {
            Duration::from_millis(500)
        } else {
            Duration::ZERO
        };
        if !crate::idle(&state.notify_wake, wait, &mut shutdown).await {
            return;
        }
    }
}
