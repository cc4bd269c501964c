//! The timer table: SLA warnings and breaches, auto-escalation and the VIP
//! window. The scheduler asks for due timers and fires them here; a timer is
//! claimed with a conditional update in the same transaction as its effect,
//! so it acts exactly once, however often the scheduler restarts.

use crate::escalation::{EscalationApplied, escalate_in};
use crate::{Result, Store, StoreError, json_text};
use parley_core::desk::TimerKind;
use parley_core::escalation::{SlaTarget, Trigger};
use parley_core::{Priority, TicketStatus};
use serde_json::json;
use std::collections::HashMap;

/// What firing one timer did.
#[derive(Debug, Clone)]
pub struct FiredTimer {
    pub timer_id: i64,
    pub ticket_id: i64,
    pub kind: TimerKind,
    /// When the timer was due (for a warning, the warning time).
    pub due_at: i64,
    /// The deadline the timer is about: for a warning, the target's due
    /// time; otherwise the same as `due_at`.
    pub target_due_at: i64,
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
    id: i64,
    status: String,
    priority: String,
    assignee_id: Option<i64>,
    team: Option<String>,
    contact_id: i64,
    segment: Option<String>,
    first_response_at: Option<i64>,
    created_at: i64,
    sla_first_response_due: Option<i64>,
    sla_resolution_due: Option<i64>,
}

const FACTS_SELECT: &str = "SELECT t.id, t.status, t.priority, t.assignee_id, tm.name AS team,
        t.contact_id, c.segment, t.first_response_at, t.created_at, t.sla_first_response_due,
        t.sla_resolution_due
     FROM tickets t JOIN contacts c ON c.id = t.contact_id
     LEFT JOIN teams tm ON tm.id = t.team_id";

/// Rows per multi-row statement (well under both backends' bind limits).
const CHUNK: usize = 500;

/// Effects gathered while walking a batch, written with a few multi-row
/// statements instead of one round trip each.
#[derive(Default)]
struct Pending {
    /// (ticket, contact, action, detail).
    audits: Vec<(i64, i64, &'static str, String)>,
    /// (ticket, due) per breach column.
    first_response_breaches: Vec<(i64, i64)>,
    resolution_breaches: Vec<(i64, i64)>,
}

impl Pending {
    async fn flush(&mut self, tx: &mut crate::WriteTx, now: i64) -> Result<()> {
        for (column, rows) in [
            (
                "sla_first_response_breached_at",
                std::mem::take(&mut self.first_response_breaches),
            ),
            (
                "sla_resolution_breached_at",
                std::mem::take(&mut self.resolution_breaches),
            ),
        ] {
            // Like one `UPDATE … WHERE id = ? AND column IS NULL` per breach,
            // in order: for a ticket listed twice the first due time wins.
            for chunk in rows.chunks(CHUNK) {
                let mut sql = format!("UPDATE tickets SET {column} = CASE id");
                for i in 0..chunk.len() {
                    sql.push_str(&format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2));
                }
                sql.push_str(&format!(" END WHERE {column} IS NULL AND id IN ("));
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", 2 * i + 1));
                }
                sql.push(')');
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (ticket, due) in chunk {
                    q = q.bind(*ticket).bind(*due);
                }
                q.execute(&mut ***tx).await?;
            }
        }
        let audits = std::mem::take(&mut self.audits);
        for chunk in audits.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO audit_log (ticket_id, contact_id, action, detail, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = 4 * i;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, $1)",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for (ticket, contact, action, detail) in chunk {
                q = q
                    .bind(*ticket)
                    .bind(*contact)
                    .bind(*action)
                    .bind(detail.as_str());
            }
            q.execute(&mut ***tx).await?;
        }
        Ok(())
    }
}

/// The comma-separated `ids` (integers, so inlining them is safe and keeps
/// a batch to one round trip).
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|i| i.to_string()).collect::<Vec<_>>().join(",")
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

    /// Deletes up to `limit` timers that fired before `before`; returns how many.
    pub async fn prune_fired_timers(&self, before: i64, limit: i64) -> Result<u64> {
        // Found outside the write transaction, so the write lock is held only
        // for the delete itself.
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM timers WHERE fired_at IS NOT NULL AND fired_at < $1 LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let list = ids
            .iter()
            .map(|(id,)| id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM timers WHERE id IN ({list}) AND fired_at IS NOT NULL"
        )))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
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
    ///
    /// The batch is claimed with one conditional update (a timer someone
    /// else claimed first is left out), the tickets' facts are read with one
    /// query, and the warnings' and breaches' writes go out as multi-row
    /// statements, flushed before each escalation so it sees them; the
    /// effects are those of firing the timers one by one, in order.
    pub async fn fire_due_timers(
        &self,
        now: i64,
        limit: i64,
        notify: bool,
    ) -> Result<Vec<FiredTimer>> {
        // CSAT timers are fired by `fire_due_csat`, which sends the survey.
        let due: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM timers
             WHERE fired_at IS NULL AND due_at <= $1 AND kind NOT LIKE 'csat.%'
             ORDER BY due_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut claimed: Vec<(i64, i64, String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE timers SET fired_at = $1 WHERE fired_at IS NULL AND id IN ({})
                 RETURNING id, ticket_id, kind, due_at",
                id_list(due.iter().map(|d| d.0))
            )))
            .bind(now)
            .fetch_all(&mut **tx)
            .await?;
        claimed.sort_by_key(|c| (c.3, c.0));
        let mut facts: HashMap<i64, TicketFacts> = if claimed.is_empty() {
            HashMap::new()
        } else {
            let mut tickets: Vec<i64> = claimed.iter().map(|c| c.1).collect();
            tickets.sort_unstable();
            tickets.dedup();
            sqlx::query_as::<_, TicketFacts>(sqlx::AssertSqlSafe(format!(
                "{FACTS_SELECT} WHERE t.id IN ({})",
                id_list(tickets.into_iter())
            )))
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect()
        };
        let mut pending = Pending::default();
        let mut fired = Vec::with_capacity(claimed.len());
        for (timer_id, ticket_id, kind, due_at) in claimed {
            // A timer of a kind this build does not know (written by a newer
            // version) is consumed without effect rather than retried forever.
            let Ok(kind) = kind.parse::<TimerKind>() else {
                continue;
            };
            let Some(f) = facts.get(&ticket_id) else {
                continue;
            };
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
                target_due_at: match kind {
                    TimerKind::FirstResponseWarning => f.sla_first_response_due.unwrap_or(due_at),
                    TimerKind::ResolutionWarning => f.sla_resolution_due.unwrap_or(due_at),
                    _ => due_at,
                },
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
            let contact_id = f.contact_id;
            let team = f.team.clone();
            let assignee_id = f.assignee_id;
            match kind {
                TimerKind::FirstResponseWarning | TimerKind::ResolutionWarning => {
                    let target_due = if kind == TimerKind::FirstResponseWarning {
                        f.sla_first_response_due
                    } else {
                        f.sla_resolution_due
                    };
                    pending.audits.push((
                        ticket_id,
                        contact_id,
                        "sla_warning",
                        json_text(&json!({"target": kind.target(), "due_at": target_due})),
                    ));
                }
                TimerKind::FirstResponseBreach | TimerKind::ResolutionBreach => {
                    if kind == TimerKind::FirstResponseBreach {
                        pending.first_response_breaches.push((ticket_id, due_at));
                    } else {
                        pending.resolution_breaches.push((ticket_id, due_at));
                    }
                    pending.audits.push((
                        ticket_id,
                        contact_id,
                        "sla_breached",
                        json_text(&json!({
                            "target": kind.target(),
                            "due_at": due_at,
                            "late_by_ms": now - due_at
                        })),
                    ));
                }
                TimerKind::Escalate | TimerKind::VipWindow => {
                    // Planned for whichever comes first: escalate-after with no
                    // reply, or the resolution breach when the policy says so.
                    let trigger = match kind {
                        TimerKind::VipWindow => Trigger::VipUnresolved {
                            open_ms: now - f.created_at,
                        },
                        _ if responded => Trigger::SlaBreach {
                            target: SlaTarget::Resolution,
                        },
                        _ => Trigger::EscalateAfter {
                            after_ms: tx
                                .desk
                                .sla_targets(priority, f.segment.as_deref(), f.team.as_deref())
                                .escalate_after_ms,
                        },
                    };
                    // The escalation reads what the batch wrote so far.
                    pending.flush(&mut tx, now).await?;
                    out.escalation = Some(
                        escalate_in(&mut tx, ticket_id, &trigger, None, None, None, now).await?,
                    );
                    // It may have moved the ticket and replanned its
                    // deadlines: later timers of this ticket read it afresh.
                    let fresh: Option<TicketFacts> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "{FACTS_SELECT} WHERE t.id = $1"
                    )))
                    .bind(ticket_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    match fresh {
                        Some(fresh) => facts.insert(ticket_id, fresh),
                        None => facts.remove(&ticket_id),
                    };
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
                        "team": team,
                        "assignee_id": assignee_id,
                        "escalation": out.escalation,
                    }),
                    now,
                )
                .await?;
            }
            fired.push(out);
        }
        pending.flush(&mut tx, now).await?;
        tx.commit().await?;
        Ok(fired)
    }
}
