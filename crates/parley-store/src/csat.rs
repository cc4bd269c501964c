//! CSAT surveys: one per ticket at most, sent a while after it is resolved,
//! answered with a 1-5 rating and, for a low one, a comment.
//!
//! Every rule rests on a table constraint or on the transaction that acts:
//!
//! - `csat_surveys.ticket_id` is unique, and a survey moves to `sent` with a
//!   conditional update, so a ticket is surveyed at most once however often
//!   it is resolved, its timer fires or someone presses "send now".
//! - The delay is a `csat.send` row in the timers table, written in the
//!   transaction that resolves the ticket and claimed (like every timer) in
//!   the transaction that sends or skips the survey, so a restart neither
//!   loses nor repeats it. The SLA planner leaves this kind alone.
//! - When it fires, the ticket's state decides: reopened, closed as spam,
//!   the contact surveyed recently, or the 24-hour window closed each skip
//!   the survey, with the reason kept on its row.
//! - A reply to a survey (a row of its list, or a quoted 1-5, or the comment
//!   asked for) is stored on the surveyed ticket by the ingest transaction
//!   without touching its status: it never reopens a ticket or opens one.
//!
//! The store does not know WhatsApp's wire format: the server hands it the
//! drafts to send ([`CsatSettings`]), as routing does for auto-replies.

use crate::ingest::{InboundMessage, audit};
use crate::outbox::ReplyDraft;
use crate::tickets::{agent_ref, team_ref};
use crate::{AgentRef, Result, Store, StoreError, TeamRef, Ticket, WriteTx, json_text};
use parley_core::{TicketStatus, window};
use serde::Serialize;
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// The timer kind that sends a ticket's survey.
pub const CSAT_TIMER: &str = "csat.send";

/// Builds the survey message for a survey id (the list's row ids carry it).
pub type SurveyDraft = Arc<dyn Fn(i64) -> ReplyDraft + Send + Sync>;

/// How surveys are sent, set by the server from its configuration. Without
/// drafts (the default) surveys are off.
#[derive(Clone)]
pub struct CsatSettings {
    pub enabled: bool,
    /// From resolution to the survey.
    pub delay_ms: i64,
    /// A contact surveyed this recently is not surveyed again (anti-spam).
    pub resurvey_after_ms: i64,
    /// How long after the follow-up question the contact's next text is
    /// taken as the comment (and how long a bare "1"-"5" counts as a rating).
    pub comment_window_ms: i64,
    pub survey: Option<SurveyDraft>,
    /// "Could you tell us how we can improve?", after a rating of 1-3.
    pub follow_up: Option<ReplyDraft>,
    /// Sent once per survey, after the rating (4-5) or the comment.
    pub thanks: Option<ReplyDraft>,
}

impl Default for CsatSettings {
    fn default() -> Self {
        CsatSettings {
            enabled: false,
            delay_ms: 10 * 60_000,
            resurvey_after_ms: 24 * 3_600_000,
            comment_window_ms: 24 * 3_600_000,
            survey: None,
            follow_up: None,
            thanks: None,
        }
    }
}

impl std::fmt::Debug for CsatSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsatSettings")
            .field("enabled", &self.enabled)
            .field("delay_ms", &self.delay_ms)
            .field("resurvey_after_ms", &self.resurvey_after_ms)
            .field("comment_window_ms", &self.comment_window_ms)
            .finish_non_exhaustive()
    }
}

impl CsatSettings {
    fn active(&self) -> bool {
        self.enabled && self.survey.is_some()
    }
}

/// A ticket's survey, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CsatSurvey {
    pub id: i64,
    pub ticket_id: i64,
    /// scheduled, sent, rated, commented or skipped.
    pub state: String,
    /// Why it was not sent: reopened, spam, recently_surveyed, window_closed,
    /// disabled or no_recipient.
    pub skip_reason: Option<String>,
    /// The ticket's agent and team when it was resolved: the rating counts for them.
    pub agent: Option<AgentRef>,
    pub team: Option<TeamRef>,
    /// When it is (or was) due.
    pub scheduled_at: i64,
    pub sent_at: Option<i64>,
    /// The agent who sent it with "send now"; absent when the timer did.
    pub sent_by: Option<i64>,
    /// The survey message in the conversation.
    pub message_id: Option<i64>,
    /// 1 (very poor) to 5 (excellent).
    pub rating: Option<i64>,
    pub rated_at: Option<i64>,
    /// When the follow-up question went out (ratings 1-3).
    pub comment_requested_at: Option<i64>,
    pub comment: Option<String>,
    pub commented_at: Option<i64>,
}

const SURVEY_SELECT: &str = "SELECT s.id, s.ticket_id, s.state, s.skip_reason, s.scheduled_at,
        s.sent_at, s.sent_by, s.message_id, s.rating, s.rated_at, s.comment_requested_at,
        s.comment, s.commented_at, a.id AS a_id, a.name AS a_name, tm.id AS tm_id,
        tm.name AS tm_name
    FROM csat_surveys s
    LEFT JOIN agents a ON a.id = s.agent_id
    LEFT JOIN teams tm ON tm.id = s.team_id";

fn survey_from_row(row: &AnyRow) -> Result<CsatSurvey> {
    Ok(CsatSurvey {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        state: row.try_get("state")?,
        skip_reason: row.try_get("skip_reason")?,
        agent: agent_ref(row)?,
        team: team_ref(row)?,
        scheduled_at: row.try_get("scheduled_at")?,
        sent_at: row.try_get("sent_at")?,
        sent_by: row.try_get("sent_by")?,
        message_id: row.try_get("message_id")?,
        rating: row.try_get("rating")?,
        rated_at: row.try_get("rated_at")?,
        comment_requested_at: row.try_get("comment_requested_at")?,
        comment: row.try_get("comment")?,
        commented_at: row.try_get("commented_at")?,
    })
}

/// What sending (or trying to send) one survey did.
#[derive(Debug, Clone, PartialEq)]
pub struct CsatSent {
    pub survey_id: i64,
    pub ticket_id: i64,
    /// The survey message, when it was queued.
    pub message_id: Option<i64>,
    /// Why it was not sent.
    pub skipped: Option<&'static str>,
}

/// What a survey reply was taken as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatReplyKind {
    Rating,
    Comment,
    /// A second rating for a survey already rated: kept in the conversation,
    /// the first rating stands.
    Ignored,
}

/// A customer's survey reply, recorded by the ingest transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CsatReply {
    pub survey_id: i64,
    pub ticket_id: i64,
    pub kind: CsatReplyKind,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub agent_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Automatic messages queued in answer (the follow-up question, the thanks).
    pub replies: Vec<i64>,
}

/// Which surveys a summary covers. Times bound `sent_at` (from inclusive,
/// to exclusive).
#[derive(Debug, Clone, Default)]
pub struct CsatFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub agent_id: Option<i64>,
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct RatingCount {
    pub rating: i64,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct SkipCount {
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CsatComment {
    pub survey_id: i64,
    pub ticket_id: i64,
    pub rating: Option<i64>,
    pub comment: String,
    pub commented_at: i64,
    pub agent: Option<AgentRef>,
    pub team: Option<TeamRef>,
}

/// Survey results over a period.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CsatSummary {
    /// Surveys sent in the period.
    pub surveys_sent: i64,
    /// Of those, how many were rated.
    pub responses: i64,
    /// responses / surveys_sent; absent when none was sent.
    pub response_rate: Option<f64>,
    pub average_rating: Option<f64>,
    /// The share of ratings that are 4 or 5, in percent.
    pub csat_score: Option<f64>,
    /// How many ratings of each value, 1 to 5.
    pub distribution: Vec<RatingCount>,
    pub comments: i64,
    /// Surveys not sent, by reason (scheduled in the period).
    pub skipped: Vec<SkipCount>,
    /// The latest comments, newest first (at most 20).
    pub recent_comments: Vec<CsatComment>,
}

/// Called in the transaction that changes a ticket's status: a resolution
/// schedules the survey (or moves a pending one to the new resolution's
/// delay); closing as spam cancels it.
pub(crate) async fn on_status_change_in(
    tx: &mut WriteTx,
    settings: &CsatSettings,
    ticket_id: i64,
    to: TicketStatus,
    close_reason: Option<&str>,
    now: i64,
) -> Result<()> {
    if to == TicketStatus::Closed && close_reason.is_some_and(is_spam) {
        return cancel_in(tx, ticket_id, "spam", now).await;
    }
    if to != TicketStatus::Resolved || !settings.active() {
        return Ok(());
    }
    let (assignee, team): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT assignee_id, team_id FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_one(&mut ***tx)
            .await?;
    let due = now + settings.delay_ms.max(0);
    let inserted = sqlx::query(
        "INSERT INTO csat_surveys (ticket_id, agent_id, team_id, state, scheduled_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'scheduled', $4, $5, $5) ON CONFLICT (ticket_id) DO NOTHING",
    )
    .bind(ticket_id)
    .bind(assignee)
    .bind(team)
    .bind(due)
    .bind(now)
    .execute(&mut ***tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Resolved before: a survey still waiting (or skipped because the
        // ticket reopened) counts from this resolution; one already sent is
        // never sent again.
        let moved = sqlx::query(
            "UPDATE csat_surveys SET state = 'scheduled', skip_reason = NULL, scheduled_at = $1,
                    agent_id = $2, team_id = $3, updated_at = $4
             WHERE ticket_id = $5 AND state IN ('scheduled', 'skipped')",
        )
        .bind(due)
        .bind(assignee)
        .bind(team)
        .bind(now)
        .bind(ticket_id)
        .execute(&mut ***tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(());
        }
        sqlx::query("DELETE FROM timers WHERE ticket_id = $1 AND kind = $2 AND fired_at IS NULL")
            .bind(ticket_id)
            .bind(CSAT_TIMER)
            .execute(&mut ***tx)
            .await?;
    }
    sqlx::query("INSERT INTO timers (ticket_id, kind, due_at, created_at) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(CSAT_TIMER)
        .bind(due)
        .bind(now)
        .execute(&mut ***tx)
        .await?;
    let contact = contact_of(tx, ticket_id).await?;
    audit(
        tx,
        Some(ticket_id),
        Some(contact),
        None,
        "csat_scheduled",
        &json!({"due_at": due}),
        now,
    )
    .await
}

fn is_spam(reason: &str) -> bool {
    reason.trim().eq_ignore_ascii_case("spam")
}

/// Skips a survey that has not gone out, and retires its timer.
async fn cancel_in(tx: &mut WriteTx, ticket_id: i64, reason: &str, now: i64) -> Result<()> {
    let n = sqlx::query(
        "UPDATE csat_surveys SET state = 'skipped', skip_reason = $1, updated_at = $2
         WHERE ticket_id = $3 AND state = 'scheduled'",
    )
    .bind(reason)
    .bind(now)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(());
    }
    sqlx::query(
        "UPDATE timers SET fired_at = $1 WHERE ticket_id = $2 AND kind = $3 AND fired_at IS NULL",
    )
    .bind(now)
    .bind(ticket_id)
    .bind(CSAT_TIMER)
    .execute(&mut ***tx)
    .await?;
    let contact = contact_of(tx, ticket_id).await?;
    audit(
        tx,
        Some(ticket_id),
        Some(contact),
        None,
        "csat_skipped",
        &json!({"reason": reason}),
        now,
    )
    .await
}

async fn contact_of(tx: &mut WriteTx, ticket_id: i64) -> Result<i64> {
    let (c,): (i64,) = sqlx::query_as("SELECT contact_id FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_one(&mut ***tx)
        .await?;
    Ok(c)
}

#[derive(sqlx::FromRow)]
struct SendFacts {
    survey_id: Option<i64>,
    survey_state: Option<String>,
    status: String,
    close_reason: Option<String>,
    last_inbound_at: Option<i64>,
    contact_id: i64,
    wa_id: Option<String>,
    user_id: Option<String>,
    phone_number_id: String,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
}

/// Sends a ticket's survey if every rule allows it. From the timer
/// (`actor` None) a rule that fails skips the survey, recorded with its
/// reason; from "send now" (`actor` set) it refuses the request instead
/// and the caller's transaction is dropped, so nothing changes.
async fn send_in(
    tx: &mut WriteTx,
    settings: &CsatSettings,
    ticket_id: i64,
    actor: Option<i64>,
    now: i64,
) -> Result<Option<CsatSent>> {
    let facts: Option<SendFacts> = sqlx::query_as(
        "SELECT s.id AS survey_id, s.state AS survey_state, t.status, t.close_reason,
                t.last_inbound_at, t.contact_id, c.wa_id, c.user_id, t.phone_number_id,
                t.assignee_id, t.team_id
         FROM tickets t JOIN contacts c ON c.id = t.contact_id
         LEFT JOIN csat_surveys s ON s.ticket_id = t.id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(f) = facts else {
        return Err(StoreError::NotFound("ticket"));
    };
    let manual = actor.is_some();
    let refuse = |m: &str| Err(StoreError::Conflict(m.to_string()));
    match f.survey_state.as_deref() {
        Some("scheduled") => {}
        Some("skipped") if manual => {}
        None if manual => {}
        // A timer left over for a survey already decided: nothing to do.
        None | Some("skipped") => return Ok(None),
        Some(_) if manual => return refuse("a CSAT survey was already sent for this ticket"),
        Some(_) => return Ok(None),
    }
    let status: TicketStatus = f
        .status
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let recently: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM csat_surveys s JOIN tickets t ON t.id = s.ticket_id
         WHERE t.contact_id = $1 AND s.ticket_id <> $2 AND s.sent_at IS NOT NULL AND s.sent_at > $3",
    )
    .bind(f.contact_id)
    .bind(ticket_id)
    .bind(now - settings.resurvey_after_ms)
    .fetch_one(&mut ***tx)
    .await?;
    let recipient = f
        .wa_id
        .clone()
        .filter(|w| !w.is_empty())
        .or(f.user_id.clone());
    let skip: Option<&'static str> = if !settings.active() {
        Some("disabled")
    } else if status.is_open() {
        Some("reopened")
    } else if f.close_reason.as_deref().is_some_and(is_spam) {
        Some("spam")
    } else if recently.0 > 0 {
        Some("recently_surveyed")
    } else if !window::is_open(f.last_inbound_at, now) {
        Some("window_closed")
    } else if recipient.is_none() {
        Some("no_recipient")
    } else {
        None
    };
    if manual && let Some(reason) = skip {
        return match reason {
            "window_closed" => Err(StoreError::WindowClosed),
            "disabled" => refuse("CSAT surveys are turned off"),
            "reopened" => refuse("the ticket is not resolved: a survey follows a resolution"),
            "spam" => refuse("the ticket was closed as spam"),
            "recently_surveyed" => refuse(
                "the contact was sent a survey recently (see resurvey_after); not surveying again",
            ),
            _ => refuse("the contact has no WhatsApp id to send to"),
        };
    }
    let survey_id = match f.survey_id {
        Some(id) => id,
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO csat_surveys (ticket_id, agent_id, team_id, state, scheduled_at, created_at, updated_at)
                 VALUES ($1, $2, $3, 'scheduled', $4, $4, $4) RETURNING id",
            )
            .bind(ticket_id)
            .bind(f.assignee_id)
            .bind(f.team_id)
            .bind(now)
            .fetch_one(&mut ***tx)
            .await?;
            id
        }
    };
    if let Some(reason) = skip {
        sqlx::query(
            "UPDATE csat_surveys SET state = 'skipped', skip_reason = $1, updated_at = $2
             WHERE id = $3 AND state = 'scheduled'",
        )
        .bind(reason)
        .bind(now)
        .bind(survey_id)
        .execute(&mut ***tx)
        .await?;
        audit(
            tx,
            Some(ticket_id),
            Some(f.contact_id),
            None,
            "csat_skipped",
            &json!({"reason": reason}),
            now,
        )
        .await?;
        return Ok(Some(CsatSent {
            survey_id,
            ticket_id,
            message_id: None,
            skipped: Some(reason),
        }));
    }
    let Some(build) = settings.survey.as_ref() else {
        return Ok(None);
    };
    let claimed = sqlx::query(
        "UPDATE csat_surveys SET state = 'sent', skip_reason = NULL, sent_at = $1, sent_by = $2,
                updated_at = $1
         WHERE id = $3 AND state IN ('scheduled', 'skipped')",
    )
    .bind(now)
    .bind(actor)
    .bind(survey_id)
    .execute(&mut ***tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return if manual {
            refuse("a CSAT survey was already sent for this ticket")
        } else {
            Ok(None)
        };
    }
    let recipient = recipient.unwrap_or_default();
    let message_id = enqueue_in(
        tx,
        ticket_id,
        &f.phone_number_id,
        &recipient,
        build(survey_id),
        now,
    )
    .await?;
    sqlx::query("UPDATE csat_surveys SET message_id = $1 WHERE id = $2")
        .bind(message_id)
        .bind(survey_id)
        .execute(&mut ***tx)
        .await?;
    // Sent by hand before its timer: the timer has nothing left to do.
    sqlx::query(
        "UPDATE timers SET fired_at = $1 WHERE ticket_id = $2 AND kind = $3 AND fired_at IS NULL",
    )
    .bind(now)
    .bind(ticket_id)
    .bind(CSAT_TIMER)
    .execute(&mut ***tx)
    .await?;
    audit(
        tx,
        Some(ticket_id),
        Some(f.contact_id),
        actor,
        "csat_sent",
        &json!({"survey_id": survey_id, "message_id": message_id, "manual": manual}),
        now,
    )
    .await?;
    Ok(Some(CsatSent {
        survey_id,
        ticket_id,
        message_id: Some(message_id),
        skipped: None,
    }))
}

/// Queues an automatic message (no author: no first response, no status
/// change) on any ticket, closed ones included: a survey may follow a
/// ticket that was closed after it was resolved.
async fn enqueue_in(
    tx: &mut Transaction<'static, Any>,
    ticket_id: i64,
    phone_number_id: &str,
    recipient: &str,
    draft: ReplyDraft,
    now: i64,
) -> Result<i64> {
    let (message_id,): (i64,) = sqlx::query_as(
        "INSERT INTO messages (ticket_id, direction, type, text, content, status, reply_to_wamid,
                               media_id, sent_at, created_at, updated_at)
         VALUES ($1, 'outbound', $2, $3, $4, 'queued', $5, $6, $7, $7, $7) RETURNING id",
    )
    .bind(ticket_id)
    .bind(&draft.kind)
    .bind(&draft.text)
    .bind(json_text(&draft.content))
    .bind(&draft.reply_to_wamid)
    .bind(draft.media_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO outbox (message_id, phone_number_id, recipient, payload, state, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5)",
    )
    .bind(message_id)
    .bind(phone_number_id)
    .bind(recipient)
    .bind(json_text(&draft.payload))
    .bind(now)
    .execute(&mut **tx)
    .await?;
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
    .execute(&mut **tx)
    .await?;
    Ok(message_id)
}

/// A survey reply recognised, before its message is stored.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    survey_id: i64,
    ticket_id: i64,
    kind: CsatReplyKind,
    rating: Option<i64>,
}

impl Matched {
    pub(crate) fn ticket_id(&self) -> i64 {
        self.ticket_id
    }
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    ticket_id: i64,
    state: String,
    sent_at: Option<i64>,
    comment_requested_at: Option<i64>,
    status: String,
}

const CANDIDATE_SELECT: &str =
    "SELECT s.id, s.ticket_id, s.state, s.sent_at, s.comment_requested_at, t.status
     FROM csat_surveys s JOIN tickets t ON t.id = s.ticket_id";

/// `csat:<survey>:<rating>`, the id of a survey list row.
fn row_id(m: &InboundMessage) -> Option<(i64, i64)> {
    if m.kind != "interactive" {
        return None;
    }
    let id = ["list_reply", "button_reply"]
        .iter()
        .find_map(|k| m.content.get(*k)?.get("id")?.as_str())?;
    let mut parts = id.strip_prefix("csat:")?.split(':');
    let survey = parts.next()?.parse().ok()?;
    let rating: i64 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && (1..=5).contains(&rating)).then_some((survey, rating))
}

/// A text that is only a rating: "4", "4/5" or "⭐⭐⭐⭐".
fn typed_rating(m: &InboundMessage) -> Option<i64> {
    if m.kind != "text" {
        return None;
    }
    let t = m.text.as_deref()?.trim();
    let t = t.strip_suffix("/5").unwrap_or(t).trim();
    if let Ok(n) = t.parse::<i64>() {
        return (1..=5).contains(&n).then_some(n);
    }
    let stars = t.chars().filter(|c| *c == '⭐').count() as i64;
    let other = t.chars().any(|c| c != '⭐' && !c.is_whitespace());
    (!other && (1..=5).contains(&stars)).then_some(stars)
}

/// Whether an inbound message answers one of the contact's surveys: a row
/// of the survey list, a rating typed or quoted in reply to the survey, or
/// the comment the follow-up question asked for. Reads only.
pub(crate) async fn match_reply_in(
    tx: &mut WriteTx,
    settings: &CsatSettings,
    contact_id: i64,
    m: &InboundMessage,
    now: i64,
) -> Result<Option<Matched>> {
    if let Some((survey_id, rating)) = row_id(m) {
        let found: Option<Candidate> = sqlx::query_as(AssertSqlSafe(format!(
            "{CANDIDATE_SELECT} WHERE s.id = $1 AND t.contact_id = $2"
        )))
        .bind(survey_id)
        .bind(contact_id)
        .fetch_optional(&mut ***tx)
        .await?;
        return Ok(found.map(|c| Matched {
            survey_id: c.id,
            ticket_id: c.ticket_id,
            kind: if c.state == "sent" {
                CsatReplyKind::Rating
            } else {
                CsatReplyKind::Ignored
            },
            rating: Some(rating),
        }));
    }
    if m.kind != "text" || m.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Ok(None);
    }
    // The survey the message quotes, else the one on the contact's latest
    // ticket while that ticket is still resolved or closed: once a new
    // conversation starts, texts are conversation again.
    let quoted: Option<Candidate> = match &m.reply_to_wamid {
        Some(wamid) => {
            sqlx::query_as(AssertSqlSafe(format!(
                "{CANDIDATE_SELECT} JOIN messages sm ON sm.id = s.message_id
                 WHERE sm.wa_message_id = $1 AND t.contact_id = $2"
            )))
            .bind(wamid)
            .bind(contact_id)
            .fetch_optional(&mut ***tx)
            .await?
        }
        None => None,
    };
    let via_quote = quoted.is_some();
    let c = match quoted {
        Some(c) => c,
        None => {
            let latest: Option<Candidate> = sqlx::query_as(AssertSqlSafe(format!(
                "{CANDIDATE_SELECT} WHERE s.ticket_id =
                    (SELECT MAX(id) FROM tickets WHERE contact_id = $1)"
            )))
            .bind(contact_id)
            .fetch_optional(&mut ***tx)
            .await?;
            match latest {
                Some(c) => c,
                None => return Ok(None),
            }
        }
    };
    let open = c
        .status
        .parse::<TicketStatus>()
        .map(|s| s.is_open())
        .unwrap_or(true);
    let window = settings.comment_window_ms;
    if c.state == "sent"
        && let Some(rating) = typed_rating(m)
        && (via_quote || (!open && c.sent_at.is_some_and(|at| at > now - window)))
    {
        return Ok(Some(Matched {
            survey_id: c.id,
            ticket_id: c.ticket_id,
            kind: CsatReplyKind::Rating,
            rating: Some(rating),
        }));
    }
    if c.state == "rated" && !open && c.comment_requested_at.is_some_and(|at| at > now - window) {
        return Ok(Some(Matched {
            survey_id: c.id,
            ticket_id: c.ticket_id,
            kind: CsatReplyKind::Comment,
            rating: None,
        }));
    }
    Ok(None)
}

/// The surveyed ticket takes the reply into its conversation: the window
/// and last activity move, the status does not.
pub(crate) async fn touch_ticket_in(
    tx: &mut WriteTx,
    ticket_id: i64,
    m: &InboundMessage,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET last_message_preview = $1,
                last_message_at = CASE WHEN last_message_at > $2 THEN last_message_at ELSE $2 END,
                last_inbound_at = CASE WHEN last_inbound_at > $3 THEN last_inbound_at ELSE $3 END,
                updated_at = $4
         WHERE id = $5",
    )
    .bind(&m.preview)
    .bind(m.sent_at_ms.min(now))
    .bind(m.sent_at_ms)
    .bind(now)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

/// Records a matched reply (its message is stored) and queues what follows:
/// the follow-up question after a rating of 1-3, else the thanks, once each.
pub(crate) async fn record_reply_in(
    tx: &mut WriteTx,
    settings: &CsatSettings,
    matched: Matched,
    message_id: i64,
    m: &InboundMessage,
    now: i64,
) -> Result<CsatReply> {
    #[derive(sqlx::FromRow)]
    struct Facts {
        agent_id: Option<i64>,
        team_id: Option<i64>,
        status: String,
        contact_id: i64,
        last_inbound_at: Option<i64>,
        phone_number_id: String,
        wa_id: Option<String>,
        user_id: Option<String>,
        thanked_at: Option<i64>,
        comment_requested_at: Option<i64>,
    }
    let f: Facts = sqlx::query_as(
        "SELECT s.agent_id, s.team_id, t.status, t.contact_id, t.last_inbound_at,
                t.phone_number_id, c.wa_id, c.user_id, s.thanked_at, s.comment_requested_at
         FROM csat_surveys s JOIN tickets t ON t.id = s.ticket_id
         JOIN contacts c ON c.id = t.contact_id WHERE s.id = $1",
    )
    .bind(matched.survey_id)
    .fetch_one(&mut ***tx)
    .await?;
    let mut out = CsatReply {
        survey_id: matched.survey_id,
        ticket_id: matched.ticket_id,
        kind: matched.kind,
        rating: matched.rating,
        comment: None,
        agent_id: f.agent_id,
        team_id: f.team_id,
        replies: Vec::new(),
    };
    let recorded = match matched.kind {
        CsatReplyKind::Rating => sqlx::query(
            "UPDATE csat_surveys SET state = 'rated', rating = $1, rated_at = $2,
                    rating_message_id = $3, updated_at = $2
             WHERE id = $4 AND state = 'sent'",
        )
        .bind(matched.rating)
        .bind(now)
        .bind(message_id)
        .bind(matched.survey_id)
        .execute(&mut ***tx)
        .await?
        .rows_affected(),
        CsatReplyKind::Comment => {
            out.comment = m.text.as_deref().map(|t| t.trim().to_string());
            sqlx::query(
                "UPDATE csat_surveys SET state = 'commented', comment = $1, commented_at = $2,
                        comment_message_id = $3, updated_at = $2
                 WHERE id = $4 AND state = 'rated' AND comment IS NULL",
            )
            .bind(&out.comment)
            .bind(now)
            .bind(message_id)
            .bind(matched.survey_id)
            .execute(&mut ***tx)
            .await?
            .rows_affected()
        }
        CsatReplyKind::Ignored => 0,
    };
    if recorded == 0 {
        out.kind = CsatReplyKind::Ignored;
        out.comment = None;
        audit(
            tx,
            Some(matched.ticket_id),
            Some(f.contact_id),
            None,
            "csat_reply_ignored",
            &json!({"survey_id": matched.survey_id, "message_id": message_id,
                    "rating": matched.rating, "why": "the survey was already answered"}),
            now,
        )
        .await?;
        return Ok(out);
    }
    audit(
        tx,
        Some(matched.ticket_id),
        Some(f.contact_id),
        None,
        match out.kind {
            CsatReplyKind::Rating => "csat_rated",
            _ => "csat_commented",
        },
        &json!({"survey_id": matched.survey_id, "message_id": message_id,
                "rating": out.rating, "comment": out.comment}),
        now,
    )
    .await?;
    // What to say next. Nothing is sent outside the window (a reply that
    // arrived long after it was written).
    let recipient = f.wa_id.filter(|w| !w.is_empty()).or(f.user_id);
    let (Some(recipient), true) = (recipient, window::is_open(f.last_inbound_at, now)) else {
        return Ok(out);
    };
    let open = f
        .status
        .parse::<TicketStatus>()
        .map(|s| s.is_open())
        .unwrap_or(true);
    let ask = out.kind == CsatReplyKind::Rating
        && out.rating.is_some_and(|r| r <= 3)
        && !open
        && f.comment_requested_at.is_none();
    let (draft, column) = if ask {
        (settings.follow_up.clone(), "comment_requested_at")
    } else if f.thanked_at.is_none() {
        (settings.thanks.clone(), "thanked_at")
    } else {
        (None, "")
    };
    if let Some(draft) = draft {
        let id = enqueue_in(
            tx,
            matched.ticket_id,
            &f.phone_number_id,
            &recipient,
            draft,
            now,
        )
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE csat_surveys SET {column} = $1 WHERE id = $2"
        )))
        .bind(now)
        .bind(matched.survey_id)
        .execute(&mut ***tx)
        .await?;
        out.replies.push(id);
    }
    Ok(out)
}

impl Store {
    /// The survey settings in force.
    pub fn csat_settings(&self) -> Arc<CsatSettings> {
        self.csat.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts survey settings in force (the server does, at start-up).
    pub fn set_csat_settings(&self, settings: CsatSettings) {
        *self.csat.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }

    /// Sends or skips the surveys whose delay is over, up to `limit`, each
    /// timer claimed in the transaction that acts on it.
    pub async fn fire_due_csat(&self, now: i64, limit: i64) -> Result<Vec<CsatSent>> {
        let due: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM timers WHERE fired_at IS NULL AND due_at <= $1 AND kind = $2
             ORDER BY due_at, id LIMIT $3",
        )
        .bind(now)
        .bind(CSAT_TIMER)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let settings = self.csat_settings();
        let ids = due
            .iter()
            .map(|(id,)| id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.begin_write().await?;
        let claimed: Vec<(i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "UPDATE timers SET fired_at = $1 WHERE fired_at IS NULL AND kind = $2 AND id IN ({ids})
             RETURNING id, ticket_id"
        )))
        .bind(now)
        .bind(CSAT_TIMER)
        .fetch_all(&mut **tx)
        .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for (_, ticket_id) in claimed {
            if let Some(sent) = send_in(&mut tx, &settings, ticket_id, None, now).await? {
                out.push(sent);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// "Send CSAT now": the same rules as the timer, refused (409, or 422
    /// outside the window) instead of skipped.
    pub async fn send_csat_now(&self, ticket_id: i64, actor_id: i64, now: i64) -> Result<CsatSent> {
        let settings = self.csat_settings();
        let mut tx = self.begin_write().await?;
        let sent = send_in(&mut tx, &settings, ticket_id, Some(actor_id), now)
            .await?
            .ok_or_else(|| StoreError::Conflict("CSAT surveys are turned off".into()))?;
        tx.commit().await?;
        Ok(sent)
    }

    pub async fn csat_survey(&self, id: i64) -> Result<CsatSurvey> {
        let row = sqlx::query(AssertSqlSafe(format!("{SURVEY_SELECT} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("survey"))?;
        survey_from_row(&row)
    }

    /// Loads the surveys of a page of tickets with one query.
    pub(crate) async fn fill_csat(&self, tickets: &mut [Ticket]) -> Result<()> {
        if tickets.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = tickets.iter().map(|t| t.id.to_string()).collect();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SURVEY_SELECT} WHERE s.ticket_id IN ({})",
            ids.join(",")
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut by_ticket: HashMap<i64, CsatSurvey> = HashMap::new();
        for row in &rows {
            let s = survey_from_row(row)?;
            by_ticket.insert(s.ticket_id, s);
        }
        for t in tickets {
            t.csat = by_ticket.remove(&t.id);
        }
        Ok(())
    }

    /// Survey results for a period, an agent or a team.
    pub async fn csat_summary(&self, filter: &CsatFilter) -> Result<CsatSummary> {
        // Every value bound is an integer the caller parsed; the clause is
        // the same for the three queries.
        let mut clauses = Vec::new();
        let mut binds = Vec::new();
        for (column, op, value) in [
            ("s.sent_at", ">=", filter.from),
            ("s.sent_at", "<", filter.to),
            ("s.agent_id", "=", filter.agent_id),
            ("s.team_id", "=", filter.team_id),
        ] {
            if let Some(v) = value {
                binds.push(v);
                clauses.push(format!("{column} {op} ${}", binds.len()));
            }
        }
        let extra = clauses
            .iter()
            .map(|c| format!(" AND {c}"))
            .collect::<String>();
        let bind_all = |sql: String| {
            let mut q = sqlx::query_as::<_, (Option<i64>, i64)>(AssertSqlSafe(sql));
            for b in &binds {
                q = q.bind(*b);
            }
            q
        };
        let by_rating: Vec<(Option<i64>, i64)> = bind_all(format!(
            "SELECT s.rating, COUNT(*) FROM csat_surveys s WHERE s.sent_at IS NOT NULL{extra}
             GROUP BY s.rating"
        ))
        .fetch_all(&self.pool)
        .await?;
        let (comments,): (i64,) = {
            let mut q = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM csat_surveys s WHERE s.comment IS NOT NULL{extra}"
            )));
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_one(&self.pool).await?
        };
        // Skipped surveys were never sent: the period bounds when they were due.
        let skip_extra = extra.replace("s.sent_at", "s.scheduled_at");
        let skipped: Vec<(String, i64)> = {
            let mut q = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT COALESCE(s.skip_reason, ''), COUNT(*) FROM csat_surveys s
                 WHERE s.state = 'skipped'{skip_extra} GROUP BY s.skip_reason ORDER BY 2 DESC"
            )));
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(&self.pool).await?
        };
        let recent = {
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "SELECT s.id, s.ticket_id, s.rating, s.comment, s.commented_at,
                        a.id AS a_id, a.name AS a_name, tm.id AS tm_id, tm.name AS tm_name
                 FROM csat_surveys s LEFT JOIN agents a ON a.id = s.agent_id
                 LEFT JOIN teams tm ON tm.id = s.team_id
                 WHERE s.comment IS NOT NULL{extra} ORDER BY s.commented_at DESC, s.id DESC LIMIT 20"
            )));
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(&self.pool).await?
        };
        let mut distribution: Vec<RatingCount> = (1..=5)
            .map(|rating| RatingCount { rating, count: 0 })
            .collect();
        let (mut sent, mut responses, mut total, mut happy) = (0, 0, 0, 0);
        for (rating, count) in by_rating {
            sent += count;
            if let Some(r) = rating.filter(|r| (1..=5).contains(r)) {
                responses += count;
                total += r * count;
                if r >= 4 {
                    happy += count;
                }
                distribution[(r - 1) as usize].count += count;
            }
        }
        let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
        let round = |x: f64, places: i32| {
            let p = 10f64.powi(places);
            (x * p).round() / p
        };
        let mut recent_comments = Vec::with_capacity(recent.len());
        for row in &recent {
            recent_comments.push(CsatComment {
                survey_id: row.try_get("id")?,
                ticket_id: row.try_get("ticket_id")?,
                rating: row.try_get("rating")?,
                comment: row.try_get("comment")?,
                commented_at: row.try_get("commented_at")?,
                agent: agent_ref(row)?,
                team: team_ref(row)?,
            });
        }
        Ok(CsatSummary {
            surveys_sent: sent,
            responses,
            response_rate: ratio(responses, sent).map(|r| round(r, 4)),
            average_rating: ratio(total, responses).map(|r| round(r, 2)),
            csat_score: ratio(happy * 100, responses).map(|r| round(r, 1)),
            distribution,
            comments,
            skipped: skipped
                .into_iter()
                .map(|(reason, count)| SkipCount { reason, count })
                .collect(),
            recent_comments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(kind: &str, text: Option<&str>, content: serde_json::Value) -> InboundMessage {
        InboundMessage {
            kind: kind.into(),
            text: text.map(str::to_string),
            content,
            ..Default::default()
        }
    }

    #[test]
    fn list_rows_carry_the_survey_and_the_rating() {
        let m = msg(
            "interactive",
            Some("⭐⭐⭐⭐⭐ Excellent"),
            json!({"type": "list_reply", "list_reply": {"id": "csat:42:5", "title": "x"}}),
        );
        assert_eq!(row_id(&m), Some((42, 5)));
        let b = msg(
            "interactive",
            None,
            json!({"type": "button_reply", "button_reply": {"id": "csat:7:1"}}),
        );
        assert_eq!(row_id(&b), Some((7, 1)));
        for bad in [
            "csat:42:6",
            "csat:42:0",
            "csat:x:3",
            "csat:1:2:3",
            "menu:1:2",
        ] {
            let m = msg(
                "interactive",
                None,
                json!({"type": "list_reply", "list_reply": {"id": bad}}),
            );
            assert_eq!(row_id(&m), None, "{bad}");
        }
    }

    #[test]
    fn a_typed_rating_is_only_a_rating() {
        let t = |s: &str| typed_rating(&msg("text", Some(s), json!({})));
        assert_eq!(t(" 4 "), Some(4));
        assert_eq!(t("2/5"), Some(2));
        assert_eq!(t("⭐⭐⭐"), Some(3));
        assert_eq!(t("6"), None);
        assert_eq!(t("4 but slow"), None);
        assert_eq!(t("⭐⭐⭐⭐⭐⭐"), None);
        assert_eq!(t("thanks"), None);
    }
}
