//! Applying an escalation: the ticket moves to the team the escalation path
//! names (or stays, with its lead notified), and the receiver gets a summary
//! of what was attempted, built from the timeline, on the ticket itself.

use crate::ingest::audit;
use crate::{Result, Store, StoreError, WriteTx};
use parley_core::TicketStatus;
use parley_core::escalation::{SummaryInput, Trigger};
use serde::Serialize;
use serde_json::json;

/// What an escalation did, for events, notifications and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalationApplied {
    pub ticket_id: i64,
    /// sla_breach, escalate_after, customer_request, manual, negative_sentiment,
    /// vip_unresolved, repeat_contact or sensitive.
    pub kind: String,
    /// What set it off, in words, e.g. "resolution SLA breached".
    pub trigger: String,
    /// next_level, management, cross_department or notify_only.
    pub path: String,
    pub reason: String,
    pub from_team: Option<String>,
    pub to_team: Option<String>,
    pub to_team_id: Option<i64>,
    /// The agent who had the ticket before (who should hear about it).
    pub previous_assignee_id: Option<i64>,
    /// How many times this ticket has been escalated, this one included.
    pub level: i64,
    pub summary: String,
}

#[derive(sqlx::FromRow)]
struct Current {
    status: String,
    team: Option<String>,
    assignee_id: Option<i64>,
    contact_id: i64,
    escalation_level: i64,
    created_at: i64,
    first_response_at: Option<i64>,
    sla_first_response_due: Option<i64>,
    sla_resolution_due: Option<i64>,
    sla_first_response_breached_at: Option<i64>,
    sla_resolution_breached_at: Option<i64>,
}

/// Escalates one ticket inside the caller's transaction.
pub(crate) async fn escalate_in(
    tx: &mut WriteTx,
    ticket_id: i64,
    trigger: &Trigger,
    actor_id: Option<i64>,
    note: Option<&str>,
    requested_team: Option<&str>,
    now: i64,
) -> Result<EscalationApplied> {
    let cur: Option<Current> = sqlx::query_as(
        "SELECT t.status, tm.name AS team, t.assignee_id, t.contact_id, t.escalation_level,
                t.created_at, t.first_response_at, t.sla_first_response_due, t.sla_resolution_due,
                t.sla_first_response_breached_at, t.sla_resolution_breached_at
         FROM tickets t LEFT JOIN teams tm ON tm.id = t.team_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(cur) = cur else {
        return Err(StoreError::NotFound("ticket"));
    };
    let status: TicketStatus = cur
        .status
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    if status == TicketStatus::Closed {
        return Err(StoreError::Conflict(
            "a closed ticket cannot be escalated".into(),
        ));
    }
    let decision = tx
        .desk
        .escalate(trigger, cur.team.as_deref(), requested_team)
        .map_err(StoreError::Invalid)?;
    let input = summary_input(tx, ticket_id, &cur, now).await?;
    let summary = tx.desk.handoff_summary(&input);

    let to_team_id = match &decision.target_team {
        Some(name) if Some(name) != cur.team.as_ref() => {
            let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM teams WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut ***tx)
                .await?;
            match found {
                Some((id,)) => Some(id),
                None => {
                    return Err(StoreError::Invalid(format!(
                        "escalation target team {name:?} does not exist"
                    )));
                }
            }
        }
        _ => None,
    };
    let level = cur.escalation_level + 1;
    if let Some(team_id) = to_team_id {
        // The receiving team's queue takes it; the router assigns it there.
        let next = if cur.assignee_id.is_some() {
            status.transition(status.on_assignment(false))?
        } else {
            status
        };
        sqlx::query(
            "UPDATE tickets SET team_id = $1, assignee_id = NULL, queued_at = $2, status = $3,
                    escalation_level = $4, escalated_at = $2, updated_at = $2 WHERE id = $5",
        )
        .bind(team_id)
        .bind(now)
        .bind(next.as_str())
        .bind(level)
        .bind(ticket_id)
        .execute(&mut ***tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE tickets SET escalation_level = $1, escalated_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(level)
        .bind(now)
        .bind(ticket_id)
        .execute(&mut ***tx)
        .await?;
    }
    let applied = EscalationApplied {
        ticket_id,
        kind: trigger.kind().to_string(),
        trigger: trigger.to_string(),
        path: decision.path.to_string(),
        reason: decision.reason.clone(),
        from_team: cur.team.clone(),
        to_team: if to_team_id.is_some() {
            decision.target_team.clone()
        } else {
            None
        },
        to_team_id,
        previous_assignee_id: cur.assignee_id,
        level,
        summary,
    };
    audit(
        tx,
        Some(ticket_id),
        Some(cur.contact_id),
        actor_id,
        "escalated",
        &json!({
            "kind": applied.kind,
            "trigger": applied.trigger,
            "path": applied.path,
            "reason": applied.reason,
            "from_team": applied.from_team,
            "to_team": applied.to_team,
            "level": level,
            "note": note,
            "summary": applied.summary,
        }),
        now,
    )
    .await?;
    crate::sla::refresh_in(tx, ticket_id, now).await?;
    Ok(applied)
}

/// Gathers what the receiving team should know, from the timeline.
async fn summary_input(
    tx: &mut WriteTx,
    ticket_id: i64,
    cur: &Current,
    now: i64,
) -> Result<SummaryInput> {
    let handlers: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT a.name FROM messages m JOIN agents a ON a.id = m.author_id
         WHERE m.ticket_id = $1 AND m.author_id IS NOT NULL
         UNION SELECT a.name FROM tickets t JOIN agents a ON a.id = t.assignee_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_all(&mut ***tx)
    .await?;
    let notes: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT text FROM messages WHERE ticket_id = $1 AND direction = 'note' ORDER BY id DESC LIMIT 3",
    )
    .bind(ticket_id)
    .fetch_all(&mut ***tx)
    .await?;
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT direction, COUNT(*) FROM messages WHERE ticket_id = $1 GROUP BY direction",
    )
    .bind(ticket_id)
    .fetch_all(&mut ***tx)
    .await?;
    let earlier: Vec<(String,)> = sqlx::query_as(
        "SELECT detail FROM audit_log WHERE ticket_id = $1 AND action = 'escalated' ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(&mut ***tx)
    .await?;
    let bot: Option<(String,)> = sqlx::query_as(
        "SELECT detail FROM audit_log WHERE ticket_id = $1 AND action LIKE 'bot_%' ORDER BY id DESC LIMIT 1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let count = |d: &str| counts.iter().find(|c| c.0 == d).map_or(0, |c| c.1 as u32);
    let minutes = |ms: i64| ms.abs() / 60_000;
    let sla = if let Some(at) = cur.sla_first_response_breached_at {
        Some(format!(
            "first response breached {}m ago",
            minutes(now - at)
        ))
    } else if let Some(at) = cur.sla_resolution_breached_at {
        Some(format!("resolution breached {}m ago", minutes(now - at)))
    } else if cur.first_response_at.is_none() {
        cur.sla_first_response_due
            .map(|d| format!("first response due in {}m", minutes(d - now)))
    } else {
        cur.sla_resolution_due
            .map(|d| format!("resolution due in {}m", minutes(d - now)))
    };
    Ok(SummaryInput {
        handlers: handlers.into_iter().map(|(n,)| n).collect(),
        notes: notes.into_iter().filter_map(|(n,)| n).collect(),
        bot_intent: bot.and_then(|(d,)| {
            crate::parse_json(&d)
                .get("intent")
                .and_then(|i| i.as_str())
                .map(str::to_string)
        }),
        sla,
        escalations: earlier
            .into_iter()
            .filter_map(|(d,)| {
                crate::parse_json(&d)
                    .get("reason")
                    .and_then(|r| r.as_str())
                    .map(str::to_string)
            })
            .collect(),
        messages_in: count("inbound"),
        messages_out: count("outbound"),
        opened_ms: cur.created_at,
        now_ms: now,
    })
}

/// Who escalates, why, and where to (a manual escalation may name a team).
#[derive(Debug, Clone, Copy)]
pub struct EscalateRequest<'a> {
    pub trigger: &'a Trigger,
    pub actor_id: Option<i64>,
    pub note: Option<&'a str>,
    pub team: Option<&'a str>,
}

impl Store {
    /// Escalates a ticket now (an agent's manual escalation, a customer's
    /// request, negative sentiment, a repeat contact).
    pub async fn escalate(
        &self,
        ticket_id: i64,
        req: EscalateRequest<'_>,
        notify: bool,
        now: i64,
    ) -> Result<EscalationApplied> {
        let mut tx = self.begin_write().await?;
        let applied = escalate_in(
            &mut tx,
            ticket_id,
            req.trigger,
            req.actor_id,
            req.note,
            req.team,
            now,
        )
        .await?;
        if notify {
            crate::notify::enqueue_in(
                &mut tx,
                "ticket.escalated",
                &serde_json::to_value(&applied).unwrap_or_default(),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(applied)
    }
}
