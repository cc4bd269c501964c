//! The inbound path: the raw webhook log, then turning each logged payload
//! into contacts, tickets, messages and delivery statuses.
//!
//! A payload is first appended to `webhook_log` (that commit is what lets the
//! server answer Meta 200). The processor later applies it with
//! [`Store::apply_webhook`]: every item of the payload and the "processed"
//! mark in one transaction, so a crash either applies all of it or none, and a
//! replay after a crash meets the unique keys (message id; message id +
//! status) and creates nothing twice.

use crate::{Result, Store, StoreError, json_text};
use parley_core::{DeliveryStatus, Priority, TicketStatus};
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

/// One thing a webhook payload asks us to record.
#[derive(Debug, Clone)]
pub enum IngestItem {
    Message(Box<InboundMessage>),
    Status(StatusReport),
    /// Something Meta sent that we could not read as a message or status
    /// (an item without an id, a message without a sender). Kept in the
    /// audit trail with its raw JSON; the payload itself stays in the log.
    Unreadable {
        reason: String,
        raw: Value,
    },
    /// An error Meta reports about the account or number (`value.errors`,
    /// e.g. 130429 throughput reached), kept in the audit trail.
    MetaError {
        code: i64,
        reason: String,
        raw: Value,
    },
    /// Meta changed a message template's status (approved, paused…).
    TemplateStatus(crate::TemplateStatusChange),
}

/// A customer's message, already parsed by the channel.
#[derive(Debug, Clone, Default)]
pub struct InboundMessage {
    pub phone_number_id: String,
    pub wa_message_id: String,
    pub from_wa_id: Option<String>,
    pub from_user_id: Option<String>,
    pub profile_name: Option<String>,
    pub username: Option<String>,
    /// The WhatsApp type as sent (`text`, `image`, …, `unsupported`).
    pub kind: String,
    pub text: Option<String>,
    /// A one-line preview for the ticket list.
    pub preview: String,
    pub content: Value,
    pub raw: Value,
    pub reply_to_wamid: Option<String>,
    pub media: Option<InboundMedia>,
    /// WhatsApp's timestamp, in milliseconds.
    pub sent_at_ms: i64,
    /// False for messages that should not reopen a resolved ticket or start a
    /// new one when an earlier ticket exists (reactions, system notices).
    pub reopens: bool,
    /// A `user_changed_number` notice: the contact's new phone id.
    pub new_wa_id: Option<String>,
    /// A `user_changed_user_id` notice: the contact's new business-scoped id.
    pub new_user_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InboundMedia {
    pub wa_media_id: String,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
}

/// A delivery status webhook for a message we sent.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub wa_message_id: String,
    /// The status as Meta named it (kept even when we do not know it).
    pub status: String,
    pub timestamp_ms: i64,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub raw: Value,
}

/// What applying one item did, so the server can publish events.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    Message {
        ticket_id: i64,
        message_id: i64,
        ticket_created: bool,
        media_id: Option<i64>,
        /// Set when the message answered a CSAT survey: it was stored on the
        /// surveyed ticket, whose status it left alone.
        csat: Option<crate::CsatReply>,
    },
    /// A redelivery of a message we already have: nothing was written.
    DuplicateMessage,
    /// A status moved a message forward.
    Status {
        ticket_id: i64,
        message_id: i64,
        status: DeliveryStatus,
    },
    /// A status that was a duplicate, stale, or for a message we do not know
    /// (yet): recorded, nothing changed.
    StatusRecorded,
    Unreadable,
    /// A template's status changed (`None`: not a template we have).
    TemplateStatus {
        template_id: Option<i64>,
    },
}

/// A logged webhook still to be applied.
#[derive(Debug, Clone)]
pub struct PendingWebhook {
    pub id: i64,
    pub body: String,
    pub attempts: i64,
}

impl Store {
    /// Appends raw webhook bodies in one transaction. This is the durable
    /// point: once it returns, the payloads survive a crash. Rows go in with
    /// multi-row INSERTs, because per-statement overhead, not the disk, is
    /// what limits a group commit of hundreds of small bodies.
    pub async fn append_webhooks(&self, bodies: &[String], now: i64) -> Result<()> {
        const ROWS_PER_STATEMENT: usize = 200;
        let mut tx = self.begin_write().await?;
        for chunk in bodies.chunks(ROWS_PER_STATEMENT) {
            let mut sql = String::from("INSERT INTO webhook_log (received_at, body) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, ${})", i + 2));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for body in chunk {
                q = q.bind(body.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Logged payloads not yet applied, oldest first, skipping ones that have
    /// failed `max_attempts` times (they stay in the log for an operator).
    pub async fn pending_webhooks(
        &self,
        limit: i64,
        max_attempts: i64,
    ) -> Result<Vec<PendingWebhook>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, body, attempts FROM webhook_log
             WHERE processed_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2",
        )
        .bind(max_attempts)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, body, attempts)| PendingWebhook { id, body, attempts })
            .collect())
    }

    /// How many logged payloads are waiting, and how many gave up.
    pub async fn webhook_backlog(&self, max_attempts: i64) -> Result<(i64, i64)> {
        let (pending, dead): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN attempts < $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN attempts >= $1 THEN 1 ELSE 0 END), 0)
             FROM webhook_log WHERE processed_at IS NULL",
        )
        .bind(max_attempts)
        .fetch_one(&self.pool)
        .await?;
        Ok((pending, dead))
    }

    /// Records that applying a logged payload failed; it will be retried.
    pub async fn webhook_failed(&self, log_id: i64, error: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE webhook_log SET attempts = attempts + 1, last_error = $1 WHERE id = $2",
        )
        .bind(error)
        .bind(log_id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies every item of one logged payload and marks it processed
    /// (when `log_id` is given), all in one transaction.
    pub async fn apply_webhook(
        &self,
        log_id: impl Into<Option<i64>>,
        items: Vec<IngestItem>,
        now: i64,
    ) -> Result<Vec<IngestOutcome>> {
        let mut all = self
            .apply_webhooks(vec![(log_id.into(), items)], now)
            .await?;
        Ok(all.pop().unwrap_or_default())
    }

    /// Applies several logged payloads, in order, in one transaction (one
    /// commit for the lot is what lets processing keep up with ingest).
    pub async fn apply_webhooks(
        &self,
        batch: Vec<(Option<i64>, Vec<IngestItem>)>,
        now: i64,
    ) -> Result<Vec<Vec<IngestOutcome>>> {
        let mut tx = self.begin_write().await?;
        let csat = self.csat_settings();
        let mut results = Vec::with_capacity(batch.len());
        for (log_id, items) in batch {
            let mut outcomes = Vec::with_capacity(items.len());
            for item in items {
                let outcome = match item {
                    IngestItem::Message(m) => apply_message(&mut tx, &csat, *m, now).await?,
                    IngestItem::Status(s) => apply_status(&mut tx, s, now).await?,
                    IngestItem::Unreadable { reason, raw } => {
                        audit(
                            &mut tx,
                            None,
                            None,
                            None,
                            "webhook_item_unreadable",
                            &json!({"reason": reason, "raw": raw, "webhook_log_id": log_id}),
                            now,
                        )
                        .await?;
                        IngestOutcome::Unreadable
                    }
                    IngestItem::MetaError { code, reason, raw } => {
                        audit(
                            &mut tx,
                            None,
                            None,
                            None,
                            "whatsapp_error",
                            &json!({"code": code, "reason": reason, "raw": raw, "webhook_log_id": log_id}),
                            now,
                        )
                        .await?;
                        IngestOutcome::Unreadable
                    }
                    IngestItem::TemplateStatus(change) => IngestOutcome::TemplateStatus {
                        template_id: crate::templates::apply_template_status(&mut tx, &change, now)
                            .await?,
                    },
                };
                outcomes.push(outcome);
            }
            if let Some(log_id) = log_id {
                sqlx::query("UPDATE webhook_log SET processed_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(log_id)
                    .execute(&mut **tx)
                    .await?;
            }
            results.push(outcomes);
        }
        tx.commit().await?;
        Ok(results)
    }
}

async fn apply_message(
    tx: &mut crate::WriteTx,
    csat: &crate::CsatSettings,
    m: InboundMessage,
    now: i64,
) -> Result<IngestOutcome> {
    let existing: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM messages WHERE wa_message_id = $1")
            .bind(&m.wa_message_id)
            .fetch_optional(&mut ***tx)
            .await?;
    if existing.is_some() {
        return Ok(IngestOutcome::DuplicateMessage);
    }

    let contact_id = upsert_contact(tx, &m, now).await?;
    if m.new_wa_id.is_some() || m.new_user_id.is_some() {
        move_contact_identity(tx, contact_id, &m, now).await?;
    }

    // A survey reply joins the surveyed ticket and never reopens or opens one.
    let survey_reply = crate::csat::match_reply_in(tx, csat, contact_id, &m, now).await?;
    let (ticket_id, ticket_created) = match &survey_reply {
        Some(r) => {
            crate::csat::touch_ticket_in(tx, r.ticket_id(), &m, now).await?;
            (r.ticket_id(), false)
        }
        None => ticket_for_message(tx, contact_id, &m, now).await?,
    };

    let media_id = match &m.media {
        Some(media) => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO media (mime_type, filename, wa_media_id, state, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, 'pending', $4, $4) RETURNING id",
            )
            .bind(&media.mime_type)
            .bind(&media.filename)
            .bind(&media.wa_media_id)
            .bind(now)
            .fetch_one(&mut ***tx)
            .await?;
            Some(id)
        }
        None => None,
    };

    let (message_id,): (i64,) = sqlx::query_as(
        "INSERT INTO messages (ticket_id, direction, type, text, content, raw, wa_message_id,
                               reply_to_wamid, media_id, sent_at, created_at, updated_at)
         VALUES ($1, 'inbound', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(ticket_id)
    .bind(&m.kind)
    .bind(&m.text)
    .bind(json_text(&m.content))
    .bind(json_text(&m.raw))
    .bind(&m.wa_message_id)
    .bind(&m.reply_to_wamid)
    .bind(media_id)
    .bind(m.sent_at_ms)
    .bind(now)
    .fetch_one(&mut ***tx)
    .await?;
    let csat = match survey_reply {
        Some(r) => Some(crate::csat::record_reply_in(tx, csat, r, message_id, &m, now).await?),
        None => None,
    };

    Ok(IngestOutcome::Message {
        ticket_id,
        message_id,
        ticket_created,
        media_id,
        csat,
    })
}

/// Finds the contact by business-scoped id first (it survives username
/// adoption), then by phone id, filling in whichever id was missing.
async fn upsert_contact(
    tx: &mut Transaction<'static, Any>,
    m: &InboundMessage,
    now: i64,
) -> Result<i64> {
    let wa_id = m.from_wa_id.as_deref().filter(|s| !s.is_empty());
    let user_id = m.from_user_id.as_deref().filter(|s| !s.is_empty());
    if wa_id.is_none() && user_id.is_none() {
        return Err(StoreError::Invalid(format!(
            "message {} names no sender (neither from nor from_user_id)",
            m.wa_message_id
        )));
    }
    type Row = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut found: Option<Row> = None;
    if let Some(uid) = user_id {
        found = sqlx::query_as(
            "SELECT id, wa_id, user_id, name, username FROM contacts WHERE user_id = $1",
        )
        .bind(uid)
        .fetch_optional(&mut **tx)
        .await?;
    }
    if found.is_none()
        && let Some(w) = wa_id
    {
        found = sqlx::query_as(
            "SELECT id, wa_id, user_id, name, username FROM contacts WHERE wa_id = $1",
        )
        .bind(w)
        .fetch_optional(&mut **tx)
        .await?;
    }
    match found {
        Some((id, old_wa, old_uid, old_name, old_username)) => {
            let new_wa = if old_wa.is_none() {
                wa_id.map(str::to_string)
            } else {
                old_wa.clone()
            };
            let new_uid = if old_uid.is_none() {
                user_id.map(str::to_string)
            } else {
                old_uid.clone()
            };
            let new_name = m.profile_name.clone().or(old_name.clone());
            let new_username = m.username.clone().or(old_username.clone());
            if (
                new_wa.clone(),
                new_uid.clone(),
                new_name.clone(),
                new_username.clone(),
            ) != (old_wa, old_uid, old_name, old_username)
            {
                let fill = sqlx::query(
                    "UPDATE contacts SET wa_id = $1, user_id = $2, name = $3, username = $4, updated_at = $5 WHERE id = $6",
                )
                .bind(&new_wa)
                .bind(&new_uid)
                .bind(&new_name)
                .bind(&new_username)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await;
                // Another contact may already hold the id we tried to fill in
                // (the same person seen first by phone, then by username): keep
                // both records rather than fail the whole payload.
                if let Err(e) = fill {
                    let e = StoreError::from(e);
                    if !e.is_unique_violation() {
                        return Err(e);
                    }
                }
            }
            Ok(id)
        }
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO contacts (wa_id, user_id, name, username, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(wa_id)
            .bind(user_id)
            .bind(&m.profile_name)
            .bind(&m.username)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            audit(
                tx,
                None,
                Some(id),
                None,
                "contact_created",
                &json!({"wa_id": wa_id, "user_id": user_id}),
                now,
            )
            .await?;
            Ok(id)
        }
    }
}

/// A `user_changed_number` (or `user_changed_user_id`) notice moves the
/// contact to its new id, so the customer's history stays in one place.
async fn move_contact_identity(
    tx: &mut Transaction<'static, Any>,
    contact_id: i64,
    m: &InboundMessage,
    now: i64,
) -> Result<()> {
    /// The statements for one identity column: find its holder, free it, take it.
    struct IdColumn {
        name: &'static str,
        select: &'static str,
        clear: &'static str,
        set: &'static str,
    }
    const WA_ID: IdColumn = IdColumn {
        name: "wa_id",
        select: "SELECT id FROM contacts WHERE wa_id = $1",
        clear: "UPDATE contacts SET wa_id = NULL, updated_at = $2 WHERE id = $1",
        set: "UPDATE contacts SET wa_id = $1, updated_at = $2 WHERE id = $3",
    };
    const USER_ID: IdColumn = IdColumn {
        name: "user_id",
        select: "SELECT id FROM contacts WHERE user_id = $1",
        clear: "UPDATE contacts SET user_id = NULL, updated_at = $2 WHERE id = $1",
        set: "UPDATE contacts SET user_id = $1, updated_at = $2 WHERE id = $3",
    };
    for (column, new) in [(WA_ID, &m.new_wa_id), (USER_ID, &m.new_user_id)] {
        let Some(new) = new.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let col = column.name;
        let select = column.select;
        let other: Option<(i64,)> = sqlx::query_as(select)
            .bind(new)
            .fetch_optional(&mut **tx)
            .await?;
        match other {
            Some((other_id,)) if other_id == contact_id => continue,
            Some((other_id,)) => {
                // The new number already wrote to us before: fold that
                // contact's tickets into this one and free the id.
                sqlx::query("UPDATE tickets SET contact_id = $1 WHERE contact_id = $2")
                    .bind(contact_id)
                    .bind(other_id)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(column.clear)
                    .bind(other_id)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                audit(
                    tx,
                    None,
                    Some(contact_id),
                    None,
                    "contact_merged",
                    &json!({"merged_contact_id": other_id, "via": col}),
                    now,
                )
                .await?;
            }
            None => {}
        }
        sqlx::query(column.set)
            .bind(new)
            .bind(now)
            .bind(contact_id)
            .execute(&mut **tx)
            .await?;
        audit(
            tx,
            None,
            Some(contact_id),
            None,
            "contact_identity_changed",
            &json!({"field": col, "new": new}),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The contact's current ticket, reopened if the message calls for it, or a
/// new one when there is none or the last one is closed.
async fn ticket_for_message(
    tx: &mut crate::WriteTx,
    contact_id: i64,
    m: &InboundMessage,
    now: i64,
) -> Result<(i64, bool)> {
    #[derive(sqlx::FromRow)]
    struct Latest {
        id: i64,
        status: String,
        assignee_id: Option<i64>,
        last_message_at: i64,
        last_inbound_at: Option<i64>,
    }
    let latest: Option<Latest> = sqlx::query_as(
        "SELECT id, status, assignee_id, last_message_at, last_inbound_at FROM tickets
         WHERE contact_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(contact_id)
    .fetch_optional(&mut ***tx)
    .await?;

    if let Some(Latest {
        id,
        status,
        assignee_id: assignee,
        last_message_at,
        last_inbound_at,
    }) = latest
    {
        let status: TicketStatus = status
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?;
        let next = if m.reopens {
            status.on_customer_message(assignee.is_some())
        } else {
            Some(status)
        };
        if let Some(next) = next {
            let next = status.transition(next)?;
            let last_message_at = last_message_at.max(m.sent_at_ms.min(now));
            let last_inbound_at = Some(last_inbound_at.unwrap_or(0).max(m.sent_at_ms));
            sqlx::query(
                "UPDATE tickets SET status = $1, last_message_preview = $2, last_message_at = $3,
                        last_inbound_at = $4, updated_at = $5,
                        resolved_at = CASE WHEN $1 = 'resolved' THEN resolved_at ELSE NULL END
                 WHERE id = $6",
            )
            .bind(next.as_str())
            .bind(&m.preview)
            .bind(last_message_at)
            .bind(last_inbound_at)
            .bind(now)
            .bind(id)
            .execute(&mut ***tx)
            .await?;
            if next != status {
                audit(
                    tx,
                    Some(id),
                    Some(contact_id),
                    None,
                    "status_changed",
                    &json!({"from": status, "to": next, "reason": "customer wrote"}),
                    now,
                )
                .await?;
                // A conversation the bot closed comes back to the bot (it is
                // no longer a deflection); one people had stays with people.
                if tx.bot && assignee.is_none() {
                    sqlx::query(
                        "UPDATE tickets SET bot_state = 'active', bot_ended_at = NULL
                         WHERE id = $1 AND bot_state IN ('deflected', 'abandoned')",
                    )
                    .bind(id)
                    .execute(&mut ***tx)
                    .await?;
                }
                crate::sla::refresh_in(tx, id, now).await?;
            }
            return Ok((id, false));
        }
    }

    let sent = m.sent_at_ms.min(now);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO tickets (contact_id, phone_number_id, status, priority, last_message_preview,
                              last_message_at, last_inbound_at, created_at, updated_at, sla_dirty,
                              bot_state)
         VALUES ($1, $2, 'new', $3, $4, $5, $6, $7, $7, 1, $8) RETURNING id",
    )
    .bind(contact_id)
    .bind(&m.phone_number_id)
    .bind(Priority::default().as_str())
    .bind(&m.preview)
    .bind(sent)
    .bind(m.sent_at_ms)
    .bind(now)
    // With a knowledge base loaded the bot answers first; routing waits
    // until it hands the conversation off.
    .bind(tx.bot.then_some("active"))
    .fetch_one(&mut ***tx)
    .await?;
    audit(
        tx,
        Some(id),
        Some(contact_id),
        None,
        "ticket_created",
        &json!({"wa_message_id": m.wa_message_id, "phone_number_id": m.phone_number_id}),
        now,
    )
    .await?;
    // Its deadlines are planned when it is routed (the router's transaction),
    // or by the scheduler if routing waits: `sla_dirty` marks it, and the
    // clock counts from `created_at` either way. Keeping that work out of
    // this transaction keeps ingest fast.
    Ok((id, true))
}

async fn apply_status(
    tx: &mut Transaction<'static, Any>,
    s: StatusReport,
    now: i64,
) -> Result<IngestOutcome> {
    let inserted = sqlx::query(
        "INSERT INTO message_statuses (wa_message_id, status, timestamp, error_code, error_message, raw, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&s.wa_message_id)
    .bind(&s.status)
    .bind(s.timestamp_ms)
    .bind(s.error_code)
    .bind(&s.error_message)
    .bind(json_text(&s.raw))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(IngestOutcome::StatusRecorded);
    }
    let Ok(incoming) = s.status.parse::<DeliveryStatus>() else {
        return Ok(IngestOutcome::StatusRecorded);
    };
    Ok(
        match crate::outbox::advance_message_status(
            tx,
            &s.wa_message_id,
            incoming,
            s.error_code,
            s.error_message.as_deref(),
            now,
        )
        .await?
        {
            Some((ticket_id, message_id, status)) => IngestOutcome::Status {
                ticket_id,
                message_id,
                status,
            },
            None => IngestOutcome::StatusRecorded,
        },
    )
}

/// Appends to the audit trail: who (actor; `None` = Parley itself), what, when.
pub(crate) async fn audit(
    tx: &mut Transaction<'static, Any>,
    ticket_id: Option<i64>,
    contact_id: Option<i64>,
    actor_id: Option<i64>,
    action: &str,
    detail: &Value,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (ticket_id, contact_id, actor_id, action, detail, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ticket_id)
    .bind(contact_id)
    .bind(actor_id)
    .bind(action)
    .bind(json_text(detail))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
