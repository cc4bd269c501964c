//! The timer table: SLA warnings and breaches, auto-escalation and the VIP
//! window. The scheduler asks for due timers and fires them here; a timer is
//! claimed with a conditional update in the same transaction as its effect,
//! so it acts exactly once, however often the scheduler restarts.

use crate::escalation::{EscalationApplied, escalate_in};
use crate::ingest::audit;
use crate::{Result, Store, StoreError};
use parley_core::desk::TimerKind;
use parley_core::escalation::{SlaTarget, Trigger};
use parley_core::{Priority, TicketStatus};
use serde_json::json;

/// What firing one timer did.
#[derive(Debug, Clone)]
pub struct FiredTimer {
    pub timer_id: i64,
    pub ticket_id: i64,
    pub kind: TimerKind,
    pub due_at: i64,
    pub fired_at: i64,
    pub assignee_id: Option<i64>,
    pub team: Option<String>,
    /// Set when the timer escalated the ticket.
    pub escalation: Option<EscalationApplied>,
    /// Why the timer did nothing (the target was met in the meantime).
    pub skipped: Option<&'static str>,
}

#[derive(sqlx::FromRow)]
struct TicketFacts {
    status: String,
    priority: String,
    assignee_id: Option<i64>,
    team: Option<String>,
    contact_id: i64,
    segment: Option<String>,
    first_response_at: Option<i64>,
    created_at: i64,
}

impl Store {
    /// The earliest pending due time, so the scheduler knows how long to sleep.
    pub async fn next_timer_due(&self) -> Result<Option<i64>> {
        let (due,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(due_at) FROM timers WHERE fired_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(due)
    }

    /// How many timers are pending (for metrics and the benchmark).
    pub async fn pending_timers(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM timers WHERE fired_at IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Fires up to `limit` timers due at `now`, oldest first, in one
    /// transaction. With `notify`, each effect also queues a signed
    /// notification for the business's endpoint in the same transaction.
    pub async fn fire_due_timers(
        &self,
        now: i64,
        limit: i64,
        notify: bool,
    ) -> Result<Vec<FiredTimer>> {
        let due: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT id, ticket_id, kind, due_at FROM timers
             WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut fired = Vec::with_capacity(due.len());
        for (timer_id, ticket_id, kind, due_at) in due {
            let claimed =
                sqlx::query("UPDATE timers SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL")
                    .bind(now)
                    .bind(timer_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
                    == 1;
            if !claimed {
                continue;
            }
            // A timer of a kind this build does not know (written by a newer
            // version) is consumed without effect rather than retried forever.
            let Ok(kind) = kind.parse::<TimerKind>() else {
                continue;
            };
            let facts: Option<TicketFacts> = sqlx::query_as(
                "SELECT t.status, t.priority, t.assignee_id, tm.name AS team, t.contact_id,
                        c.segment, t.first_response_at, t.created_at
                 FROM tickets t JOIN contacts c ON c.id = t.contact_id
                 LEFT JOIN teams tm ON tm.id = t.team_id WHERE t.id = $1",
            )
            .bind(ticket_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(f) = facts else { continue };
            let status: TicketStatus = f
                .status
                .parse()
                .map_err(|e| StoreError::Invalid(format!("{e}")))?;
            let priority: Priority = f
                .priority
                .parse()
                .map_err(|e| StoreError::Invalid(format!("{e}")))?;
            let resolved = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
            let responded = f.first_response_at.is_some();
            let mut out = FiredTimer {
                timer_id,
                ticket_id,
                kind,
                due_at,
                fired_at: now,
                assignee_id: f.assignee_id,
                team: f.team.clone(),
                escalation: None,
                skipped: None,
            };
            // The plan is refreshed whenever a target is met, so these checks
            // only catch a race with a change committed just before the claim.
            out.skipped = match kind {
                TimerKind::FirstResponseWarning | TimerKind::FirstResponseBreach
                    if responded || resolved =>
                {
                    Some("first response already given")
                }
                TimerKind::ResolutionWarning
                | TimerKind::ResolutionBreach
                | TimerKind::Escalate
                | TimerKind::VipWindow
                    if resolved =>
                {
                    Some("ticket already resolved")
                }
                _ => None,
            };
            if out.skipped.is_some() {
                fired.push(out);
                continue;
            }
            let who = (Some(ticket_id), Some(f.contact_id));
            match kind {
                TimerKind::FirstResponseWarning | TimerKind::ResolutionWarning => {
                    let target_due = due_at_of(&mut tx, ticket_id, kind).await?;
                    audit(
                        &mut tx,
                        who.0,
                        who.1,
                        None,
                        "sla_warning",
                        &json!({"target": kind.target(), "due_at": target_due}),
                        now,
                    )
                    .await?;
                }
                TimerKind::FirstResponseBreach | TimerKind::ResolutionBreach => {
                    let column = if kind == TimerKind::FirstResponseBreach {
                        "sla_first_response_breached_at"
                    } else {
                        "sla_resolution_breached_at"
                    };
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE tickets SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
                    )))
                    .bind(due_at)
                    .bind(ticket_id)
                    .execute(&mut **tx)
                    .await?;
                    audit(
                        &mut tx,
                        who.0,
                        who.1,
                        None,
                        "sla_breached",
                        &json!({"target": kind.target(), "due_at": due_at, "late_by_ms": now - due_at}),
                        now,
                    )
                    .await?;
                }
                TimerKind::Escalate => {
                    // Planned for whichever comes first: escalate-after with no
                    // reply, or the resolution breach when the policy says so.
                    let trigger = if responded {
                        Trigger::SlaBreach {
                            target: SlaTarget::Resolution,
                        }
                    } else {
                        Trigger::EscalateAfter {
                            after_ms: tx
                                .desk
                                .sla_targets(priority, f.segment.as_deref(), f.team.as_deref())
                                .escalate_after_ms,
                        }
                    };
                    out.escalation = Some(
                        escalate_in(&mut tx, ticket_id, &trigger, None, None, None, now).await?,
                    );
                }
                TimerKind::VipWindow => {
                    out.escalation = Some(
                        escalate_in(
                            &mut tx,
                            ticket_id,
                            &Trigger::VipUnresolved {
                                open_ms: now - f.created_at,
                            },
                            None,
                            None,
                            None,
                            now,
                        )
                        .await?,
                    );
                }
            }
            if notify {
                crate::notify::enqueue_in(
                    &mut tx,
                    kind.event_name(),
                    &json!({
                        "ticket_id": ticket_id,
                        "kind": kind,
                        "due_at": due_at,
                        "fired_at": now,
                        "priority": priority,
                        "team": f.team,
                        "assignee_id": f.assignee_id,
                        "escalation": out.escalation,
                    }),
                    now,
                )
                .await?;
            }
            fired.push(out);
        }
        tx.commit().await?;
        Ok(fired)
    }
}

async fn due_at_of(
    tx: &mut crate::WriteTx,
    ticket_id: i64,
    kind: TimerKind,
) -> Result<Option<i64>> {
    let column = match kind.target() {
        "first_response" => "sla_first_response_due",
        _ => "sla_resolution_due",
    };
    let (due,): (Option<i64>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {column} FROM tickets WHERE id = $1"
    )))
    .bind(ticket_id)
    .fetch_one(&mut ***tx)
    .await?;
    Ok(due)
}
