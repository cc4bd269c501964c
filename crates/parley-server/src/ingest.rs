//! Durable webhook ingest.
//!
//! The webhook handler hands each verified body to [`IngestLog::append`],
//! which returns once the body is committed to `webhook_log`. One writer task
//! batches whatever bodies are waiting into a single transaction (group
//! commit), so many concurrent webhooks share one fsync.
//!
//! The processor then applies logged payloads in order. Because the log is
//! the source of truth, a crash between the 200 and processing loses nothing:
//! on restart the processor finds the rows still unprocessed.

use crate::AppState;
use parley_core::Clock;
use parley_store::{
    InboundMedia, InboundMessage, IngestItem, IngestOutcome, StatusReport, Store,
    TemplateStatusChange,
};
use parley_whatsapp::webhook::{ErrorSource, InteractiveReply, Notification};
use parley_whatsapp::{MessageContent, TemplateStatusUpdate, WebhookEvent, parse_notification};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;

/// Bodies per group commit at most.
const MAX_BATCH: usize = 1024;
/// Payloads applied per transaction. Small enough that the ingest writer,
/// which needs the same SQLite write lock, never waits long behind one.
pub const PROCESS_BATCH: i64 = 32;
/// A payload that failed this often is left for an operator (still in the log).
pub const MAX_ATTEMPTS: i64 = 5;

type Ack = oneshot::Sender<Result<(), String>>;

/// Handle to the group-commit writer.
#[derive(Clone)]
pub struct IngestLog {
    tx: mpsc::Sender<(String, Ack)>,
    /// Bodies handed in and not yet committed.
    in_flight: Arc<AtomicUsize>,
}

impl IngestLog {
    pub fn spawn(
        store: Store,
        clock: Arc<dyn Clock>,
        processor: Arc<Notify>,
        shutdown: watch::Receiver<bool>,
        tasks: &mut JoinSet<()>,
    ) -> IngestLog {
        let (tx, rx) = mpsc::channel::<(String, Ack)>(16 * 1024);
        tasks.spawn(write_loop(store, clock, processor, rx, shutdown));
        IngestLog {
            tx,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Whether webhook bodies are waiting to be committed right now.
    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) > 0
    }

    /// Waits while webhook bodies are waiting to be committed, at most
    /// `max`. Background writers (processor, router, scheduler) call it
    /// first: acknowledging Meta comes first, and all of them need the
    /// SQLite write lock and the same cores.
    pub async fn step_aside(&self, max: Duration) {
        let started = Instant::now();
        while self.busy() && started.elapsed() < max {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Commits one raw body; resolves once it is durable.
    pub async fn append(&self, body: String) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let result = async {
            self.tx
                .send((body, ack))
                .await
                .map_err(|_| "the ingest log is shutting down".to_string())?;
            done.await
                .map_err(|_| "the ingest log stopped".to_string())?
        }
        .await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

async fn write_loop(
    store: Store,
    clock: Arc<dyn Clock>,
    processor: Arc<Notify>,
    mut rx: mpsc::Receiver<(String, Ack)>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut batch: Vec<(String, Ack)> = Vec::with_capacity(MAX_BATCH);
    loop {
        let got = tokio::select! {
            n = rx.recv_many(&mut batch, MAX_BATCH) => n,
            _ = crate::stopped(&mut shutdown) => {
                // Refuse new bodies but write every one already handed in:
                // their handlers are still waiting to answer Meta.
                rx.close();
                rx.recv_many(&mut batch, MAX_BATCH).await
            }
        };
        if got == 0 {
            break;
        }
        let (bodies, acks): (Vec<String>, Vec<Ack>) = batch.drain(..).unzip();
        let started = Instant::now();
        let result = store.append_webhooks(&bodies, clock.now_ms()).await;
        metrics::histogram!("parley_ingest_commit_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("parley_ingest_batch_size").record(bodies.len() as f64);
        match result {
            Ok(()) => {
                for ack in acks {
                    let _ = ack.send(Ok(()));
                }
                processor.notify_one();
            }
            Err(e) => {
                tracing::error!(error = %e, "could not commit webhook bodies");
                for ack in acks {
                    let _ = ack.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// How long the processor defers to a busy webhook writer at most.
const MAX_DEFER: Duration = Duration::from_millis(50);

/// Applies logged payloads, oldest first, until shutdown.
pub async fn run_processor(
    state: AppState,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        // Acknowledging Meta comes first: while webhooks are arriving the
        // processor steps aside (briefly, so it is never starved) and catches
        // up in the gaps. Both need the SQLite write lock and the same cores.
        state.ingest.step_aside(MAX_DEFER).await;
        match process_pending(&state, PROCESS_BATCH).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "webhook processing failed; retrying"),
        }
        if !crate::idle(&wake, Duration::from_secs(1), &mut shutdown).await {
            break;
        }
    }
}

/// Applies up to `limit` pending payloads; returns how many were handled.
pub async fn process_pending(
    state: &AppState,
    limit: i64,
) -> Result<usize, parley_store::StoreError> {
    let pending = state.store.pending_webhooks(limit, MAX_ATTEMPTS).await?;
    let n = pending.len();
    let batch: Vec<(Option<i64>, Vec<IngestItem>)> = pending
        .iter()
        .map(|row| (Some(row.id), items_of(&row.body)))
        .collect();
    // The common case: the whole batch in one transaction.
    match state.store.apply_webhooks(batch, state.now()).await {
        Ok(results) => {
            for outcomes in &results {
                publish_outcomes(state, outcomes).await;
            }
            return Ok(n);
        }
        Err(e) => {
            tracing::warn!(error = %e, "applying a webhook batch failed; retrying payload by payload")
        }
    }
    // The rare case: parse again (cheaper than cloning every batch up front)
    // and apply payload by payload.
    for row in pending {
        let items = items_of(&row.body);
        match state
            .store
            .apply_webhook(row.id, items.clone(), state.now())
            .await
        {
            Ok(outcomes) => publish_outcomes(state, &outcomes).await,
            Err(e) => {
                // Then item by item, so one bad item cannot hold back the
                // rest of the batch Meta sent with it.
                tracing::warn!(log_id = row.id, error = %e, "applying webhook failed; isolating items");
                if let Err(e2) = apply_items_one_by_one(state, row.id, items).await {
                    tracing::error!(log_id = row.id, error = %e2, "webhook left for retry");
                    state.store.webhook_failed(row.id, &e2.to_string()).await?;
                    metrics::counter!("parley_webhook_processing_failures_total").increment(1);
                }
            }
        }
    }
    Ok(n)
}

/// The store items of one logged body.
fn items_of(body: &str) -> Vec<IngestItem> {
    match parse_notification(body.as_bytes()) {
        Ok(n) => items_from_notification(&n),
        // The handler only logs valid JSON, so this is a corrupted row.
        Err(e) => vec![IngestItem::Unreadable {
            reason: e.to_string(),
            raw: Value::Null,
        }],
    }
}

async fn apply_items_one_by_one(
    state: &AppState,
    log_id: i64,
    items: Vec<IngestItem>,
) -> Result<(), parley_store::StoreError> {
    for item in items {
        match state
            .store
            .apply_webhook(None, vec![item.clone()], state.now())
            .await
        {
            Ok(outcomes) => publish_outcomes(state, &outcomes).await,
            Err(parley_store::StoreError::Database(e)) => return Err(e.into()),
            Err(e) => {
                // The item itself is bad (e.g. no sender id): keep it, with
                // the reason, in the audit trail instead of retrying forever.
                let raw = match &item {
                    IngestItem::Message(m) => m.raw.clone(),
                    IngestItem::Status(s) => s.raw.clone(),
                    IngestItem::TemplateStatus(_) => Value::Null,
                    IngestItem::Unreadable { raw, .. } | IngestItem::MetaError { raw, .. } => {
                        raw.clone()
                    }
                };
                let reason = e.to_string();
                state
                    .store
                    .apply_webhook(
                        None,
                        vec![IngestItem::Unreadable { reason, raw }],
                        state.now(),
                    )
                    .await?;
            }
        }
    }
    state
        .store
        .apply_webhook(log_id, vec![], state.now())
        .await?;
    Ok(())
}

async fn publish_outcomes(state: &AppState, outcomes: &[IngestOutcome]) {
    for o in outcomes {
        match o {
            IngestOutcome::Message {
                ticket_id,
                message_id,
                ticket_created,
                ..
            } => {
                metrics::counter!("parley_messages_in_total").increment(1);
                // New tickets need routing; later messages may carry an
                // escalation trigger the router scans for.
                state.router_wake.notify_one();
                state.bot_wake.notify_one();
                if *ticket_created {
                    metrics::counter!("parley_tickets_created_total").increment(1);
                }
                if state.bus.has_subscribers() {
                    let name = if *ticket_created {
                        "ticket.created"
                    } else {
                        "ticket.updated"
                    };
                    publish_ticket(state, *ticket_id, name).await;
                    publish_message(state, *message_id, "message.created").await;
                }
            }
            IngestOutcome::Status { message_id, .. } => {
                metrics::counter!("parley_statuses_applied_total").increment(1);
                publish_message(state, *message_id, "message.updated").await;
            }
            IngestOutcome::DuplicateMessage => {
                metrics::counter!("parley_webhook_duplicates_total").increment(1);
            }
            IngestOutcome::TemplateStatus { template_id } => {
                if template_id.is_some() {
                    state
                        .bus
                        .publish("templates.updated", json!({ "template_id": template_id }));
                } else {
                    tracing::info!("status update for a template not synced yet");
                }
            }
            IngestOutcome::StatusRecorded | IngestOutcome::Unreadable => {}
        }
        // A survey answer: the event, and the follow-up or thanks it queued.
        if let IngestOutcome::Message { csat: Some(r), .. } = o {
            crate::csat::received(state, r).await;
        }
    }
}

pub(crate) async fn publish_ticket(state: &AppState, id: i64, name: &'static str) {
    if !state.bus.has_subscribers() {
        return;
    }
    match state.store.get_ticket(id, state.now()).await {
        Ok(t) => state.bus.publish(name, json!({ "ticket": t })),
        Err(e) => tracing::warn!(ticket = id, error = %e, "could not load ticket for event"),
    }
}

pub(crate) async fn publish_message(state: &AppState, id: i64, name: &'static str) {
    if !state.bus.has_subscribers() {
        return;
    }
    match state.store.get_message(id).await {
        Ok(m) => state.bus.publish(name, json!({ "message": m })),
        Err(e) => tracing::warn!(message = id, error = %e, "could not load message for event"),
    }
}

/// Translates a parsed notification into store items. Unknown message types
/// become `unsupported` with their raw JSON; other `field`s are ignored
/// (their raw payload stays in the webhook log).
pub fn items_from_notification(n: &Notification) -> Vec<IngestItem> {
    n.events()
        .into_iter()
        .filter_map(|ev| match ev {
            WebhookEvent::Message(ev) => {
                let m = &ev.message;
                let content = &m.content;
                let unsupported = matches!(content, MessageContent::Unsupported { .. });
                let kind = if unsupported {
                    "unsupported".to_string()
                } else {
                    m.kind.clone()
                };
                let mut shown = display_content(&m.raw, &m.kind);
                if unsupported {
                    shown["original_type"] = json!(m.kind);
                    shown["errors"] = m.raw.get("errors").cloned().unwrap_or(Value::Null);
                }
                if let Some(ctx) = m.raw.get("context") {
                    shown["context"] = ctx.clone();
                }
                if let Some(r) = m.raw.get("referral") {
                    shown["referral"] = r.clone();
                }
                let (new_wa_id, new_user_id) = match content {
                    MessageContent::System {
                        new_wa_id,
                        new_user_id,
                        ..
                    } => (new_wa_id.clone(), new_user_id.clone()),
                    _ => (None, None),
                };
                let reply_to_wamid = m
                    .context
                    .as_ref()
                    .and_then(|c| c.id.clone())
                    .filter(|id| id.starts_with("wamid."));
                Some(IngestItem::Message(Box::new(InboundMessage {
                    phone_number_id: ev.phone_number_id.clone(),
                    wa_message_id: m.id.clone(),
                    from_wa_id: m.from.clone().or(ev.contact_wa_id.clone()),
                    from_user_id: m.from_user_id.clone().or(ev.contact_user_id.clone()),
                    profile_name: ev.profile_name.clone(),
                    username: ev.username.clone(),
                    kind,
                    text: content.text(),
                    preview: content.summary(),
                    content: shown,
                    raw: m.raw.clone(),
                    reply_to_wamid,
                    media: content.media().map(|md| InboundMedia {
                        wa_media_id: md.id.clone(),
                        mime_type: md.mime_type.clone(),
                        filename: md.filename.clone(),
                    }),
                    sent_at_ms: m.timestamp.saturating_mul(1000),
                    reopens: !matches!(
                        content,
                        MessageContent::Reaction { .. }
                            | MessageContent::System { .. }
                            | MessageContent::Revoke { .. }
                            | MessageContent::RequestWelcome
                    ) && !matches!(
                        content,
                        MessageContent::Interactive(InteractiveReply::Other { .. })
                    ),
                    new_wa_id,
                    new_user_id,
                })))
            }
            WebhookEvent::Status(ev) => {
                let s = &ev.status;
                let err = s.errors.first();
                Some(IngestItem::Status(StatusReport {
                    wa_message_id: s.id.clone(),
                    status: s.status.as_str().to_string(),
                    timestamp_ms: s.timestamp.saturating_mul(1000),
                    error_code: err.map(|e| e.code),
                    error_message: err.map(describe_error),
                    raw: s.raw.clone(),
                }))
            }
            WebhookEvent::Error(ev) => {
                let reason = describe_error(&ev.error);
                if ev.source == ErrorSource::Value {
                    tracing::warn!(code = ev.error.code, %reason, "WhatsApp reported an error");
                    metrics::counter!("parley_whatsapp_errors_total", "code" => ev.error.code.to_string()).increment(1);
                    Some(IngestItem::MetaError { code: ev.error.code, reason, raw: ev.raw.clone() })
                } else {
                    Some(IngestItem::Unreadable { reason, raw: ev.raw.clone() })
                }
            }
            WebhookEvent::OtherField { field, value } if field == "message_template_status_update" => {
                match TemplateStatusUpdate::from_value(&value) {
                    Some(u) => Some(IngestItem::TemplateStatus(TemplateStatusChange {
                        meta_id: u.template_id,
                        name: u.name,
                        language: u.language,
                        status: u.event,
                        reason: u.reason,
                    })),
                    None => Some(IngestItem::Unreadable {
                        reason: "a message_template_status_update without an event".into(),
                        raw: value,
                    }),
                }
            }
            WebhookEvent::OtherField { field, .. } => {
                tracing::debug!(field, "ignoring webhook field");
                None
            }
        })
        .collect()
}

/// The type-specific object an inbox shows: Meta's own object for the type.
fn display_content(raw: &Value, kind: &str) -> Value {
    match raw.get(kind) {
        Some(Value::Object(o)) => Value::Object(o.clone()),
        Some(Value::Array(a)) => json!({ kind: a }),
        _ => json!({}),
    }
}

/// "(#131047) Re-engagement message: More than 24 hours have passed…"
pub fn describe_error(e: &parley_whatsapp::ErrorDetail) -> String {
    let title = e
        .title
        .clone()
        .or(e.message.clone())
        .unwrap_or_else(|| "error".into());
    match &e.details {
        Some(d) if !d.is_empty() => format!("(#{}) {title}: {d}", e.code),
        _ => format!("(#{}) {title}", e.code),
    }
}
