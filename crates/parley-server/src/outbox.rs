//! The outbox sender: delivers committed replies to the Graph API.
//!
//! One sender paces itself per phone number (Meta's default is 80 messages/s;
//! exceeding it is answered 130429), retries retryable failures with
//! exponential backoff and jitter on the same outbox row, and marks permanent
//! failures failed with Meta's reason so the agent sees them. The store only
//! offers each recipient's oldest pending reply, which keeps per-customer order.

use crate::AppState;
use crate::ingest::publish_message;
use futures_util::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use parley_core::retry::Backoff;
use parley_store::OutboxRow;
use parley_whatsapp::{ErrorClass, GraphError, MediaSource, OutboundContent, OutboundMessage};
use rand::Rng;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What the outbox row's payload holds: the channel's content plus an
/// optional quoted message.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct OutboxPayload {
    pub content: OutboundContent,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// A file the agent uploaded to Parley; the sender uploads it to Meta
    /// first and sends it by the media id Meta returns.
    #[serde(default)]
    pub local_media: Option<i64>,
}

/// Graph API requests in flight at once.
const SEND_CONCURRENCY: usize = 32;

pub async fn run_sender(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let backoff = Backoff::default();
    let mut limiters: HashMap<String, Arc<DefaultDirectRateLimiter>> = HashMap::new();
    // Evenly spaced, no burst, a little under the limit: Meta counts in a
    // sliding window, and a burst at the start of one would trip 130429.
    let period =
        Duration::from_secs_f64(1.0 / (state.config.send_rate_per_second.max(1) as f64 * 0.95));
    let quota = Quota::with_period(period)
        .expect("non-zero period")
        .allow_burst(NonZeroU32::MIN);
    loop {
        let now = state.now();
        let due = match state.store.due_outbox(now, 100).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "reading the outbox failed");
                Vec::new()
            }
        };
        let sent_any = !due.is_empty();
        if *shutdown.borrow() {
            return;
        }
        for row in &due {
            limiters
                .entry(row.phone_number_id.clone())
                .or_insert_with(|| Arc::new(RateLimiter::direct(quota)));
        }
        // Each Graph API call takes tens to hundreds of milliseconds, so
        // replies to different customers go out concurrently. A batch holds
        // at most one reply per customer (the store's rule) and the next
        // batch is read only when this one is done, so per-customer order
        // holds; the rate limiter still paces the whole number.
        futures_util::stream::iter(due)
            .for_each_concurrent(SEND_CONCURRENCY, |row| {
                let limiter = limiters[&row.phone_number_id].clone();
                let (state, backoff) = (&state, &backoff);
                async move {
                    limiter.until_ready().await;
                    deliver(state, &row, backoff).await;
                }
            })
            .await;
        if sent_any {
            continue;
        }
        let sleep = match state.store.next_outbox_due().await {
            Ok(Some(at)) => Duration::from_millis((at - state.now()).clamp(10, 1000) as u64),
            _ => Duration::from_secs(1),
        };
        if !crate::idle(&state.outbox_wake, sleep, &mut shutdown).await {
            return;
        }
    }
}

async fn deliver(state: &AppState, row: &OutboxRow, backoff: &Backoff) {
    let now = state.now();
    let payload: OutboxPayload = match serde_json::from_value(row.payload.clone()) {
        Ok(p) => p,
        Err(e) => {
            let _ = state
                .store
                .outbox_failed(row, None, &format!("unreadable outbox payload: {e}"), now)
                .await;
            publish_message(state, row.message_id, "message.updated").await;
            return;
        }
    };
    let started = Instant::now();
    let result = match upload_local_media(state, &payload).await {
        Ok(content) => {
            let msg = OutboundMessage {
                to: row.recipient.clone(),
                content,
                reply_to: payload.reply_to,
            };
            state.graph.send(&msg).await
        }
        Err(e) => Err(e),
    };
    metrics::histogram!("parley_graph_send_seconds").record(started.elapsed().as_secs_f64());
    let now = state.now();
    match result {
        Ok(resp) => {
            metrics::counter!("parley_messages_out_total").increment(1);
            metrics::histogram!("parley_delivery_latency_seconds")
                .record(((now - row.created_at).max(0) as f64) / 1000.0);
            if let Err(e) = state.store.outbox_sent(row, &resp.message_id, now).await {
                tracing::error!(message = row.message_id, error = %e, "recording a sent message failed");
            }
            // The customer sees blue ticks on what the agent has answered.
            // Best effort, off the sender's path: a failure only loses ticks.
            if let Ok(Some(wamid)) = state.store.last_inbound_wamid(row.ticket_id).await {
                let graph = state.graph.clone();
                tokio::spawn(async move {
                    if let Err(e) = graph.mark_read(&wamid).await {
                        tracing::debug!(error = %e, "mark-as-read failed");
                    }
                });
            }
        }
        Err(e) => {
            let attempts = row.attempts as u32 + 1;
            if e.is_retryable() && !backoff.exhausted(attempts) {
                let mut delay = backoff.delay_ms(attempts, rand::rng().random::<f64>());
                if e.class == ErrorClass::Throttled {
                    // Meta asks us to slow down: never come back sooner than a second.
                    delay = delay.max(1_000);
                }
                metrics::counter!("parley_send_retries_total", "class" => e.class.as_str())
                    .increment(1);
                tracing::warn!(message = row.message_id, attempt = attempts, delay_ms = delay, error = %e, "send failed; will retry");
                if let Err(err) = state
                    .store
                    .outbox_retry(row, now + delay, &describe(&e), now)
                    .await
                {
                    tracing::error!(error = %err, "recording a retry failed");
                }
                return;
            }
            metrics::counter!("parley_send_failures_total", "class" => e.class.as_str())
                .increment(1);
            tracing::warn!(message = row.message_id, error = %e, "send failed permanently");
            if let Err(err) = state
                .store
                .outbox_failed(row, e.code, &describe(&e), now)
                .await
            {
                tracing::error!(error = %err, "recording a failure failed");
            }
        }
    }
    publish_message(state, row.message_id, "message.updated").await;
}

/// Uploads the agent's file to Meta when the reply carries one.
async fn upload_local_media(
    state: &AppState,
    payload: &OutboxPayload,
) -> Result<OutboundContent, GraphError> {
    let Some(media_id) = payload.local_media else {
        return Ok(payload.content.clone());
    };
    let local_failure = |message: String| GraphError {
        class: ErrorClass::Permanent,
        code: None,
        http_status: None,
        message,
        details: None,
        fbtrace_id: None,
    };
    let media = state
        .store
        .get_media(media_id)
        .await
        .map_err(|e| local_failure(format!("attachment: {e}")))?;
    let sha = media
        .sha256
        .clone()
        .ok_or_else(|| local_failure("attachment has no stored file".into()))?;
    let bytes = state
        .media
        .get(&sha)
        .await
        .map_err(|e| local_failure(format!("attachment file: {e}")))?;
    let mime = media
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let filename = media.filename.clone().unwrap_or_else(|| "file".into());
    let wa_media_id = state
        .graph
        .upload_media(bytes.into(), &mime, &filename)
        .await?;
    let mut content = payload.content.clone();
    if let OutboundContent::Media { source, .. } = &mut content {
        *source = MediaSource::Id(wa_media_id);
    }
    Ok(content)
}

/// Meta's reason in the words the agent sees.
fn describe(e: &GraphError) -> String {
    let code = match e.code {
        Some(c) if !e.message.starts_with("(#") => format!("(#{c}) "),
        _ => String::new(),
    };
    let hint = match e.code {
        Some(131047) => " — the 24-hour window has closed; send a template instead",
        Some(131026) => " — the number may not be on WhatsApp or cannot receive this message",
        _ => "",
    };
    match &e.details {
        Some(d) if !d.is_empty() && !e.message.contains(d.as_str()) => {
            format!("{code}{}: {d}{hint}", e.message)
        }
        _ => format!("{code}{}{hint}", e.message),
    }
}
