//! The outbound path: an agent's reply is committed together with its outbox
//! row, and the sender later delivers it, retrying what can be retried.

use crate::ingest::audit;
use crate::{Result, Store, StoreError, json_text, parse_json};
use parley_core::{DeliveryStatus, TicketStatus, window};
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

/// A reply an agent wants to send.
#[derive(Debug, Clone)]
pub struct ReplyDraft {
    /// The WhatsApp type: text, image, template, interactive, …
    pub kind: String,
    pub text: Option<String>,
    /// What the inbox shows (type-specific).
    pub content: Value,
    /// What the sender posts to the Graph API, minus the recipient (the
    /// channel's serialised outbound content).
    pub payload: Value,
    pub media_id: Option<i64>,
    /// Free-form messages need the 24-hour window; templates do not.
    pub requires_window: bool,
    pub reply_to_wamid: Option<String>,
}

/// A reply waiting to be sent.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: i64,
    pub ticket_id: i64,
    pub phone_number_id: String,
    pub recipient: String,
    pub payload: Value,
    pub attempts: i64,
    pub created_at: i64,
}

impl Store {
    /// Commits an outbound message with its outbox row, after checking the
    /// ticket can take it. Returns the new message's id.
    pub async fn create_reply(
        &self,
        ticket_id: i64,
        author_id: i64,
        draft: ReplyDraft,
        now: i64,
    ) -> Result<i64> {
        self.create_reply_guarded(ticket_id, author_id, draft, None, now)
            .await
    }

    /// [`Store::create_reply`], refused with [`StoreError::RepliedSince`]
    /// when someone else (another agent, the bot, a survey) sent the customer
    /// a message after `seen_message_id`, the newest message the agent had
    /// seen. The check and the insert are one transaction, so of two agents
    /// answering the same message at the same moment, exactly one is asked.
    pub async fn create_reply_guarded(
        &self,
        ticket_id: i64,
        author_id: i64,
        draft: ReplyDraft,
        seen_message_id: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        if let Some(seen) = seen_message_id {
            if self.backend == crate::Backend::Postgres {
                // SQLite's write lock already serialises writers.
                sqlx::query("SELECT id FROM tickets WHERE id = $1 FOR UPDATE")
                    .bind(ticket_id)
                    .execute(&mut **tx)
                    .await?;
            }
            let since: Option<(i64, Option<String>, Option<String>, i64)> = sqlx::query_as(
                "SELECT m.id, a.name, m.text, m.sent_at FROM messages m
                 LEFT JOIN agents a ON a.id = m.author_id
                 WHERE m.ticket_id = $1 AND m.id > $2 AND m.direction = 'outbound'
                   AND m.type <> 'reaction' AND (m.author_id IS NULL OR m.author_id <> $3)
                 ORDER BY m.id DESC LIMIT 1",
            )
            .bind(ticket_id)
            .bind(seen)
            .bind(author_id)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some((message_id, by, text, at)) = since {
                return Err(StoreError::RepliedSince {
                    message_id,
                    by: by.unwrap_or_else(|| "Parley (automated)".into()),
                    text: text.unwrap_or_default(),
                    at,
                });
            }
        }
        let id = insert_reply(&mut tx, ticket_id, Some(author_id), draft, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replies due for (re)delivery. Only the oldest pending reply of each
    /// recipient is offered, so one customer's messages go out in the order
    /// agents wrote them even when an earlier one is waiting for a retry.
    pub async fn due_outbox(&self, now: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        #[derive(sqlx::FromRow)]
        struct Due {
            id: i64,
            message_id: i64,
            ticket_id: i64,
            phone_number_id: String,
            recipient: String,
            payload: String,
            attempts: i64,
            created_at: i64,
        }
        let rows: Vec<Due> = sqlx::query_as(
            "SELECT o.id, o.message_id, m.ticket_id, o.phone_number_id, o.recipient, o.payload, o.attempts, o.created_at
             FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE o.state = 'pending' AND o.next_attempt_at <= $1
               AND NOT EXISTS (SELECT 1 FROM outbox p
                               WHERE p.recipient = o.recipient AND p.state = 'pending' AND p.id < o.id)
             ORDER BY o.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|d| OutboxRow {
                id: d.id,
                message_id: d.message_id,
                ticket_id: d.ticket_id,
                phone_number_id: d.phone_number_id,
                recipient: d.recipient,
                payload: parse_json(&d.payload),
                attempts: d.attempts,
                created_at: d.created_at,
            })
            .collect())
    }

    /// When the next pending reply is due, so the sender can sleep until then.
    pub async fn next_outbox_due(&self) -> Result<Option<i64>> {
        let (due,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'")
                .fetch_one(&self.pool)
                .await?;
        Ok(due)
    }

    pub async fn outbox_depth(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Meta accepted the reply: record its WhatsApp id and apply any status
    /// webhooks that raced ahead of this call. Returns the message's status.
    pub async fn outbox_sent(
        &self,
        row: &OutboxRow,
        wa_message_id: &str,
        now: i64,
    ) -> Result<DeliveryStatus> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET state = 'done', attempts = attempts + 1, last_error = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE messages SET wa_message_id = $1, status = 'sent', updated_at = $2 WHERE id = $3")
            .bind(wa_message_id)
            .bind(now)
            .bind(row.message_id)
            .execute(&mut **tx)
            .await?;
        let early: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT status, error_code, error_message FROM message_statuses WHERE wa_message_id = $1",
        )
        .bind(wa_message_id)
        .fetch_all(&mut **tx)
        .await?;
        let mut status = DeliveryStatus::Sent;
        for (s, code, msg) in early {
            if let Ok(incoming) = s.parse::<DeliveryStatus>()
                && let Some((_, _, st)) = advance_message_status(
                    &mut tx,
                    wa_message_id,
                    incoming,
                    code,
                    msg.as_deref(),
                    now,
                )
                .await?
            {
                status = st;
            }
        }
        tx.commit().await?;
        Ok(status)
    }

    /// A retryable failure: try again at `next_attempt_at`.
    pub async fn outbox_retry(
        &self,
        row: &OutboxRow,
        next_attempt_at: i64,
        error: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(now)
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A permanent failure: the message is failed with Meta's reason.
    pub async fn outbox_failed(
        &self,
        row: &OutboxRow,
        code: Option<i64>,
        error: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $1, updated_at = $2 WHERE id = $3")
            .bind(error)
            .bind(now)
            .bind(row.id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE messages SET status = 'failed', error_code = $1, error_message = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(code)
        .bind(error)
        .bind(now)
        .bind(row.message_id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts a failed reply back in the outbox (same row: a retry is not a
    /// new message). Returns the ticket id.
    pub async fn retry_message(&self, message_id: i64, now: i64) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64, Option<String>, String)> =
            sqlx::query_as("SELECT ticket_id, status, direction FROM messages WHERE id = $1")
                .bind(message_id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((ticket_id, status, direction)) = row else {
            return Err(StoreError::NotFound("message"));
        };
        if direction != "outbound" || status.as_deref() != Some("failed") {
            return Err(StoreError::Conflict(
                "only a failed outbound message can be retried".into(),
            ));
        }
        let updated = sqlx::query(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1
             WHERE message_id = $2 AND state = 'failed'",
        )
        .bind(now)
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            // Meta accepted it, then reported the failure by webhook: send it
            // again as a fresh attempt on the same outbox row.
            sqlx::query(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE message_id = $2",
            )
            .bind(now)
            .bind(message_id)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "UPDATE messages SET status = 'queued', error_code = NULL, error_message = NULL,
                    wa_message_id = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(ticket_id)
    }
}

/// Moves a message's delivery status forward (never back). Returns the
/// message's ticket, id and new status when something changed.
pub(crate) async fn advance_message_status(
    tx: &mut Transaction<'static, Any>,
    wa_message_id: &str,
    incoming: DeliveryStatus,
    error_code: Option<i64>,
    error_message: Option<&str>,
    now: i64,
) -> Result<Option<(i64, i64, DeliveryStatus)>> {
    let msg: Option<(i64, i64, Option<String>)> =
        sqlx::query_as("SELECT id, ticket_id, status FROM messages WHERE wa_message_id = $1")
            .bind(wa_message_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((message_id, ticket_id, current)) = msg else {
        return Ok(None);
    };
    let current = current
        .and_then(|s| s.parse::<DeliveryStatus>().ok())
        .unwrap_or(DeliveryStatus::Queued);
    let Some(next) = current.advance(incoming) else {
        return Ok(None);
    };
    if next == DeliveryStatus::Failed {
        sqlx::query("UPDATE messages SET status = 'failed', error_code = $1, error_message = $2, updated_at = $3 WHERE id = $4")
            .bind(error_code)
            .bind(error_message.unwrap_or("WhatsApp reported the message as failed"))
            .bind(now)
            .bind(message_id)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query("UPDATE messages SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(next.as_str())
            .bind(now)
            .bind(message_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Some((ticket_id, message_id, next)))
}

/// Inserts an outbound message and its outbox row. An agent's reply
/// (`author` set) counts as the first response and moves the ticket on; an
/// automatic one (`author` None: routing's auto-reply, later the bot) does
/// neither, so it cannot stop an SLA clock.
pub(crate) async fn insert_reply(
    tx: &mut crate::WriteTx,
    ticket_id: i64,
    author: Option<i64>,
    draft: ReplyDraft,
    now: i64,
) -> Result<i64> {
    #[derive(sqlx::FromRow)]
    struct Target {
        status: String,
        last_inbound_at: Option<i64>,
        phone_number_id: String,
        wa_id: Option<String>,
        user_id: Option<String>,
        first_response_at: Option<i64>,
        contact_id: i64,
    }
    let row: Option<Target> = sqlx::query_as(
        "SELECT t.status, t.last_inbound_at, t.phone_number_id, c.wa_id, c.user_id,
                    t.first_response_at, t.contact_id
             FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(Target {
        status,
        last_inbound_at,
        phone_number_id,
        wa_id,
        user_id,
        first_response_at,
        contact_id,
    }) = row
    else {
        return Err(StoreError::NotFound("ticket"));
    };
    let status: TicketStatus = status
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    if status == TicketStatus::Closed {
        return Err(StoreError::Conflict(
            "the ticket is closed; the customer's next message opens a new ticket".into(),
        ));
    }
    if draft.requires_window && !window::is_open(last_inbound_at, now) {
        return Err(StoreError::WindowClosed);
    }
    let recipient = wa_id
        .filter(|w| !w.is_empty())
        .or(user_id)
        .ok_or_else(|| StoreError::Invalid("the contact has no WhatsApp id to send to".into()))?;

    let (message_id,): (i64,) = sqlx::query_as(
        "INSERT INTO messages (ticket_id, direction, type, text, content, status, reply_to_wamid,
                               author_id, media_id, sent_at, created_at, updated_at)
         VALUES ($1, 'outbound', $2, $3, $4, 'queued', $5, $6, $7, $8, $8, $8) RETURNING id",
    )
    .bind(ticket_id)
    .bind(&draft.kind)
    .bind(&draft.text)
    .bind(json_text(&draft.content))
    .bind(&draft.reply_to_wamid)
    .bind(author)
    .bind(draft.media_id)
    .bind(now)
    .fetch_one(&mut ***tx)
    .await?;
    sqlx::query(
        "INSERT INTO outbox (message_id, phone_number_id, recipient, payload, state, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5)",
    )
    .bind(message_id)
    .bind(&phone_number_id)
    .bind(&recipient)
    .bind(json_text(&draft.payload))
    .bind(now)
    .execute(&mut ***tx)
    .await?;

    let Some(author_id) = author else {
        sqlx::query(
            "UPDATE tickets SET last_message_preview = $1, last_message_at = $2, updated_at = $2
             WHERE id = $3",
        )
        .bind(
            draft
                .text
                .clone()
                .unwrap_or_else(|| format!("[{}]", draft.kind)),
        )
        .bind(now)
        .bind(ticket_id)
        .execute(&mut ***tx)
        .await?;
        return Ok(message_id);
    };
    let next = status.transition(status.on_agent_reply())?;
    let preview = draft
        .text
        .clone()
        .unwrap_or_else(|| format!("[{}]", draft.kind));
    sqlx::query(
        "UPDATE tickets SET status = $1, first_response_at = $2, last_message_preview = $3,
                last_message_at = $4, updated_at = $4 WHERE id = $5",
    )
    .bind(next.as_str())
    .bind(first_response_at.or(Some(now)))
    .bind(&preview)
    .bind(now)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?;
    if next != status {
        audit(
            tx,
            Some(ticket_id),
            Some(contact_id),
            Some(author_id),
            "status_changed",
            &json!({"from": status, "to": next, "reason": "agent replied"}),
            now,
        )
        .await?;
    }
    crate::sla::refresh_in(tx, ticket_id, now).await?;
    Ok(message_id)
}
