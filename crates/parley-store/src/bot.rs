//! The bot's side of the store: which customer messages it still has to
//! answer, its memory of each conversation, and its turns, written whole.
//!
//! A turn (the bot's replies, its new session, its analysis, a handoff or a
//! resolution) commits in one transaction keyed by the customer's message id,
//! so a message is answered once however often the worker restarts, and a
//! human who took the ticket in the meantime silences the bot for good.

use crate::ingest::audit;
use crate::outbox::{ReplyDraft, insert_reply};
use crate::{Result, Store, StoreError, json_text, parse_json};
use parley_core::TicketStatus;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// A customer message on a conversation the bot holds.
#[derive(Debug, Clone)]
pub struct BotInbound {
    pub message_id: i64,
    pub ticket_id: i64,
    pub contact_id: i64,
    /// The WhatsApp type (`text`, `interactive`, `button`, `image`, …).
    pub kind: String,
    pub text: Option<String>,
    pub content: Value,
    pub customer_name: Option<String>,
    /// The session as the bot left it (JSON), if it has spoken before.
    pub session: Option<String>,
}

/// How a turn ends the bot's part in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BotEnd {
    /// Pass it to people, with the reason (`customer_request`, `no_answer`, …).
    Handoff { reason: String },
    /// The customer confirmed the answer solved it.
    Resolve,
}

/// One turn of the bot, to be written whole.
#[derive(Debug, Clone)]
pub struct BotTurnWrite {
    pub message_id: i64,
    pub ticket_id: i64,
    pub session: Value,
    pub outcome: String,
    pub intent: Option<String>,
    pub analysis: Value,
    pub replies: Vec<ReplyDraft>,
    pub end: Option<BotEnd>,
    /// When the conversation resolves if the customer says nothing more, and
    /// as what (`deflected` after an answer, `abandoned` while the bot waits).
    pub idle: Option<(i64, &'static str)>,
}

/// What a committed turn did.
#[derive(Debug, Clone, Default)]
pub struct BotCommitted {
    /// The outbound messages written, in order.
    pub replies: Vec<i64>,
    /// The turn was not applied: a person has the ticket, it is closed, or
    /// the message was answered already.
    pub silent: bool,
    pub handed_off: bool,
    pub resolved: bool,
}

/// Bot conversations by period and intent.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeflectionRow {
    /// Start of the period (Unix ms, UTC day or ISO week); 0 for "all".
    pub period_start: i64,
    /// The first intent the bot answered; `null` when it answered none.
    pub intent: Option<String>,
    /// Conversations the bot finished in the period.
    pub conversations: i64,
    pub deflected: i64,
    pub handed_off: i64,
    pub abandoned: i64,
    /// deflected / conversations.
    pub deflection_rate: f64,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    message_id: i64,
    ticket_id: i64,
    contact_id: i64,
    kind: String,
    text: Option<String>,
    content: String,
    customer_name: Option<String>,
    session: Option<String>,
}

const DAY_MS: i64 = 86_400_000;

impl Store {
    /// Turns the bot on or off for conversations that start from now on.
    pub fn set_bot_enabled(&self, on: bool) {
        self.bot_enabled.store(on, Ordering::Relaxed);
    }

    pub fn bot_enabled(&self) -> bool {
        self.bot_enabled.load(Ordering::Relaxed)
    }

    /// Customer messages on conversations the bot holds that it has not
    /// answered yet, oldest first. A ticket with an assignee or a reply from a
    /// person is not the bot's, whatever its state says.
    pub async fn pending_bot_messages(&self, limit: i64) -> Result<Vec<BotInbound>> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT m.id AS message_id, m.ticket_id, t.contact_id, m.type AS kind, m.text,
                    m.content, c.name AS customer_name, s.state AS session
             FROM tickets t
             JOIN messages m ON m.ticket_id = t.id AND m.direction = 'inbound'
             JOIN contacts c ON c.id = t.contact_id
             LEFT JOIN bot_sessions s ON s.ticket_id = t.id
             WHERE t.bot_state = 'active'
               AND NOT EXISTS (SELECT 1 FROM bot_turns b WHERE b.message_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM csat_surveys s WHERE s.rating_message_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM csat_surveys s WHERE s.comment_message_id = m.id)
             ORDER BY m.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| BotInbound {
                message_id: r.message_id,
                ticket_id: r.ticket_id,
                contact_id: r.contact_id,
                kind: r.kind,
                text: r.text,
                content: parse_json(&r.content),
                customer_name: r.customer_name,
                session: r.session,
            })
            .collect())
    }

    /// Writes one turn whole, or nothing if the bot no longer has the ticket.
    pub async fn commit_bot_turn(&self, w: BotTurnWrite, now: i64) -> Result<BotCommitted> {
        #[derive(sqlx::FromRow)]
        struct Facts {
            contact_id: i64,
            status: String,
            bot_state: Option<String>,
            assignee_id: Option<i64>,
            human_replies: i64,
        }
        let mut tx = self.begin_write().await?;
        let facts: Option<Facts> = sqlx::query_as(
            "SELECT t.contact_id, t.status, t.bot_state, t.assignee_id,
                    (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = t.id
                        AND m.author_id IS NOT NULL) AS human_replies
             FROM tickets t WHERE t.id = $1",
        )
        .bind(w.ticket_id)
        .fetch_optional(&mut **tx)
        .await?;
        let f = facts.ok_or(StoreError::NotFound("ticket"))?;
        let status: TicketStatus = f
            .status
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?;
        let person = f.assignee_id.is_some() || f.human_replies > 0;
        let open = !matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
        let mine = f.bot_state.as_deref() == Some("active") && !person && open;
        let inserted = sqlx::query(
            "INSERT INTO bot_turns (message_id, ticket_id, outcome, intent, analysis, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(w.message_id)
        .bind(w.ticket_id)
        .bind(if mine { w.outcome.as_str() } else { "silent" })
        .bind(w.intent.as_deref())
        .bind(json_text(&w.analysis))
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(BotCommitted {
                silent: true,
                ..BotCommitted::default()
            });
        }
        if !mine {
            if f.bot_state.as_deref() == Some("active") && person {
                // A person stepped in: the bot's part is over.
                sqlx::query(
                    "UPDATE tickets SET bot_state = 'handed_off', bot_ended_at = $1,
                            bot_idle_at = NULL WHERE id = $2",
                )
                .bind(now)
                .bind(w.ticket_id)
                .execute(&mut **tx)
                .await?;
                audit(
                    &mut tx,
                    Some(w.ticket_id),
                    Some(f.contact_id),
                    None,
                    "bot_handoff",
                    &json!({"reason": "agent_took_over"}),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            return Ok(BotCommitted {
                silent: true,
                ..BotCommitted::default()
            });
        }
        // Plans the (paused) SLA clock if nothing has yet, so the handoff
        // starts it from zero rather than from the first message.
        crate::sla::refresh_in(&mut tx, w.ticket_id, now).await?;
        sqlx::query(
            "INSERT INTO bot_sessions (ticket_id, state, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (ticket_id) DO UPDATE SET state = excluded.state,
                                                   updated_at = excluded.updated_at",
        )
        .bind(w.ticket_id)
        .bind(json_text(&w.session))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        audit(
            &mut tx,
            Some(w.ticket_id),
            Some(f.contact_id),
            None,
            "bot_turn",
            &w.analysis,
            now,
        )
        .await?;
        let mut out = BotCommitted::default();
        for draft in w.replies {
            out.replies
                .push(insert_reply(&mut tx, w.ticket_id, None, draft, now).await?);
        }
        if matches!(w.outcome.as_str(), "answer" | "action")
            && let Some(intent) = &w.intent
        {
            sqlx::query("UPDATE tickets SET bot_intent = COALESCE(bot_intent, $1) WHERE id = $2")
                .bind(intent)
                .bind(w.ticket_id)
                .execute(&mut **tx)
                .await?;
        }
        let (idle_at, idle_state) = match w.idle {
            Some((at, state)) => (Some(at), Some(state)),
            None => (None, None),
        };
        sqlx::query("UPDATE tickets SET bot_idle_at = $1, bot_idle_state = $2 WHERE id = $3")
            .bind(idle_at)
            .bind(idle_state)
            .bind(w.ticket_id)
            .execute(&mut **tx)
            .await?;
        match &w.end {
            Some(BotEnd::Handoff { reason }) => {
                sqlx::query(
                    "UPDATE tickets SET bot_state = 'handed_off', bot_ended_at = $1,
                            bot_idle_at = NULL, updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(w.ticket_id)
                .execute(&mut **tx)
                .await?;
                let session = &w.session;
                audit(
                    &mut tx,
                    Some(w.ticket_id),
                    Some(f.contact_id),
                    None,
                    "bot_handoff",
                    &json!({
                        "reason": reason,
                        "intent": w.analysis.get("intent"),
                        "confidence": w.analysis.get("confidence"),
                        "why": w.analysis.get("why"),
                        "answered": session.get("answered"),
                        "slots": session.get("slots"),
                    }),
                    now,
                )
                .await?;
                // The SLA clock starts now that people have it.
                crate::sla::refresh_in(&mut tx, w.ticket_id, now).await?;
                out.handed_off = true;
            }
            Some(BotEnd::Resolve) => {
                resolve_in(
                    &mut tx,
                    self,
                    w.ticket_id,
                    f.contact_id,
                    status,
                    "deflected",
                    now,
                )
                .await?;
                out.resolved = true;
            }
            None => {}
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Resolves bot conversations left alone past their idle time: as
    /// deflected when the bot had answered, abandoned when it was still
    /// waiting for an answer. Returns (ticket, state).
    pub async fn resolve_idle_bot_tickets(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let due: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM tickets WHERE bot_state = 'active' AND bot_idle_at <= $1
             ORDER BY bot_idle_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut done = Vec::new();
        for (id,) in due {
            let mut tx = self.begin_write().await?;
            let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
                "SELECT contact_id, status, bot_idle_state FROM tickets
                 WHERE id = $1 AND bot_state = 'active' AND bot_idle_at <= $2
                   AND assignee_id IS NULL",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((contact_id, status, state)) = row else {
                continue;
            };
            let status: TicketStatus = status
                .parse()
                .map_err(|e| StoreError::Invalid(format!("{e}")))?;
            let state = match state.as_deref() {
                Some("abandoned") => "abandoned",
                _ => "deflected",
            };
            resolve_in(&mut tx, self, id, contact_id, status, state, now).await?;
            tx.commit().await?;
            done.push((id, state.to_string()));
        }
        Ok(done)
    }

    /// When the next idle bot conversation resolves.
    pub async fn next_bot_idle(&self) -> Result<Option<i64>> {
        let (at,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(bot_idle_at) FROM tickets WHERE bot_state = 'active'")
                .fetch_one(&self.pool)
                .await?;
        Ok(at)
    }

    /// Bot conversations that ended in `[from, to)`, by period (`day`,
    /// `week` or `all`) and by the first intent answered. The last rows of
    /// each period (intent `"*"`) are the period's totals.
    pub async fn deflection(&self, from: i64, to: i64, period: &str) -> Result<Vec<DeflectionRow>> {
        let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT bot_state, bot_intent, bot_ended_at FROM tickets
             WHERE bot_state IN ('deflected', 'handed_off', 'abandoned')
               AND bot_ended_at >= $1 AND bot_ended_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let bucket = |at: i64| -> i64 {
            match period {
                "day" => at.div_euclid(DAY_MS) * DAY_MS,
                // 1970-01-01 was a Thursday; ISO weeks start on Monday.
                "week" => (at + 3 * DAY_MS).div_euclid(7 * DAY_MS) * 7 * DAY_MS - 3 * DAY_MS,
                _ => 0,
            }
        };
        // (period, intent) → counts; intent "*" holds the period's total.
        let mut acc: BTreeMap<(i64, Option<String>), [i64; 3]> = BTreeMap::new();
        for (state, intent, at) in rows {
            let slot = match state.as_str() {
                "deflected" => 0,
                "handed_off" => 1,
                _ => 2,
            };
            let p = bucket(at);
            acc.entry((p, intent)).or_default()[slot] += 1;
            acc.entry((p, Some("*".into()))).or_default()[slot] += 1;
        }
        Ok(acc
            .into_iter()
            .map(|((period_start, intent), [d, h, a])| {
                let n = d + h + a;
                DeflectionRow {
                    period_start,
                    intent,
                    conversations: n,
                    deflected: d,
                    handed_off: h,
                    abandoned: a,
                    deflection_rate: if n == 0 { 0.0 } else { d as f64 / n as f64 },
                }
            })
            .collect())
    }

    /// The bot's memory of a conversation, for the inbox.
    pub async fn bot_session(&self, ticket_id: i64) -> Result<Option<Value>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT state FROM bot_sessions WHERE ticket_id = $1")
                .bind(ticket_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(s,)| parse_json(&s)))
    }
}

/// Resolves a bot conversation inside `tx`: status, bot state, audit trail,
/// SLA and (for a deflection) the CSAT survey, as an agent's resolve would.
async fn resolve_in(
    tx: &mut crate::WriteTx,
    store: &Store,
    ticket_id: i64,
    contact_id: i64,
    status: TicketStatus,
    state: &str,
    now: i64,
) -> Result<()> {
    let next = status.transition(TicketStatus::Resolved)?;
    sqlx::query(
        "UPDATE tickets SET status = $1, resolved_at = $2, closed_at = NULL, bot_state = $3,
                bot_ended_at = $2, bot_idle_at = NULL, updated_at = $2
         WHERE id = $4",
    )
    .bind(next.as_str())
    .bind(now)
    .bind(state)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?;
    audit(
        tx,
        Some(ticket_id),
        Some(contact_id),
        None,
        "status_changed",
        &json!({"from": status, "to": next, "reason": format!("bot: {state}")}),
        now,
    )
    .await?;
    audit(
        tx,
        Some(ticket_id),
        Some(contact_id),
        None,
        "bot_resolved",
        &json!({"state": state}),
        now,
    )
    .await?;
    crate::sla::refresh_in(tx, ticket_id, now).await?;
    if state == "deflected" {
        let csat = store.csat_settings();
        crate::csat::on_status_change_in(tx, &csat, ticket_id, next, None, now).await?;
    }
    Ok(())
}
