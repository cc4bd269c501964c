//! Keeps each ticket's SLA clock, deadlines and timers in step with its state.
//!
//! [`refresh_in`] runs inside the transaction that changed the ticket (new
//! ticket, status change, first reply, priority or team change), so the clock
//! pauses at the exact moment a ticket goes pending and no change can commit
//! without its timers. The arithmetic is `parley_core::desk`'s; this module
//! only reads the facts and writes the plan.

use crate::{Result, Store, StoreError, WriteTx};
use parley_core::desk::{SlaInput, TimerKind};
use parley_core::sla::SlaClock;
use parley_core::{Priority, TicketStatus};
use std::collections::{HashMap, HashSet};

#[derive(sqlx::FromRow)]
struct SlaRow {
    status: String,
    priority: String,
    team: Option<String>,
    segment: Option<String>,
    vip: i64,
    first_response_at: Option<i64>,
    sla_elapsed_ms: i64,
    sla_running_since: Option<i64>,
    sla_first_response_warn_at: Option<i64>,
    sla_first_response_due: Option<i64>,
    sla_resolution_warn_at: Option<i64>,
    sla_resolution_due: Option<i64>,
    sla_escalate_at: Option<i64>,
    sla_source: Option<String>,
    sla_first_response_breached_at: Option<i64>,
    sla_resolution_breached_at: Option<i64>,
    created_at: i64,
    bot_state: Option<String>,
}

/// Recomputes one ticket's SLA plan in the caller's transaction and replaces
/// its pending timers when the plan changed.
pub(crate) async fn refresh_in(tx: &mut WriteTx, ticket_id: i64, now: i64) -> Result<()> {
    let row: Option<SlaRow> = sqlx::query_as(
        "SELECT t.status, t.priority, tm.name AS team, c.segment, c.vip, t.first_response_at,
                t.sla_elapsed_ms, t.sla_running_since, t.sla_first_response_warn_at,
                t.sla_first_response_due, t.sla_resolution_warn_at, t.sla_resolution_due,
                t.sla_escalate_at, t.sla_source, t.sla_first_response_breached_at,
                t.sla_resolution_breached_at, t.created_at, t.bot_state
         FROM tickets t JOIN contacts c ON c.id = t.contact_id
         LEFT JOIN teams tm ON tm.id = t.team_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::NotFound("ticket"));
    };
    let status: TicketStatus = row
        .status
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let priority: Priority = row
        .priority
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    // While the bot holds the conversation nobody owes the customer a reply:
    // the clock waits as it does for a pending ticket, and starts at handoff.
    let status = if row.bot_state.as_deref() == Some("active") && status.is_open() {
        TicketStatus::Pending
    } else {
        status
    };
    let plan = tx.desk.plan_sla(
        &SlaInput {
            status,
            priority,
            team: row.team.as_deref(),
            segment: row.segment.as_deref(),
            vip: row.vip != 0,
            first_response_done: row.first_response_at.is_some(),
            created_at: row.created_at,
            planned_before: row.sla_source.is_some(),
            clock: SlaClock {
                elapsed_ms: row.sla_elapsed_ms,
                running_since: row.sla_running_since,
            },
        },
        now,
    );
    let fr = plan.deadlines.first_response;
    let res = plan.deadlines.resolution;
    let unchanged = plan.clock.elapsed_ms == row.sla_elapsed_ms
        && plan.clock.running_since == row.sla_running_since
        && fr.map(|d| d.warn_at) == row.sla_first_response_warn_at
        && fr.map(|d| d.due_at) == row.sla_first_response_due
        && res.map(|d| d.warn_at) == row.sla_resolution_warn_at
        && res.map(|d| d.due_at) == row.sla_resolution_due
        && plan.deadlines.escalate_at == row.sla_escalate_at
        && row.sla_source.as_deref() == Some(plan.source.as_str());
    if unchanged {
        sqlx::query("UPDATE tickets SET sla_dirty = 0 WHERE id = $1 AND sla_dirty <> 0")
            .bind(ticket_id)
            .execute(&mut ***tx)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "UPDATE tickets SET sla_elapsed_ms = $1, sla_running_since = $2,
                sla_first_response_warn_at = $3, sla_first_response_due = $4,
                sla_resolution_warn_at = $5, sla_resolution_due = $6, sla_escalate_at = $7,
                sla_source = $8, sla_dirty = 0
         WHERE id = $9",
    )
    .bind(plan.clock.elapsed_ms)
    .bind(plan.clock.running_since)
    .bind(fr.map(|d| d.warn_at))
    .bind(fr.map(|d| d.due_at))
    .bind(res.map(|d| d.warn_at))
    .bind(res.map(|d| d.due_at))
    .bind(plan.deadlines.escalate_at)
    .bind(&plan.source)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?;

    // Replace the pending timers. A timer that already fired is not re-armed
    // for a due time that has already passed: a warning or breach acts once.
    // Only the kinds the SLA plan owns; other timers (CSAT, reminders) are
    // left alone.
    let timers: Vec<(i64, String, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, kind, due_at, fired_at FROM timers WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_all(&mut ***tx)
            .await?;
    let timers: Vec<_> = timers
        .into_iter()
        .filter(|t| t.1.parse::<TimerKind>().is_ok())
        .collect();
    let fired: HashSet<&str> = timers
        .iter()
        .filter(|t| t.3.is_some())
        .map(|t| t.1.as_str())
        .collect();
    let pending: HashMap<&str, (i64, i64)> = timers
        .iter()
        .filter(|t| t.3.is_none())
        .map(|t| (t.1.as_str(), (t.0, t.2)))
        .collect();
    let breached = |kind: TimerKind| match kind {
        TimerKind::FirstResponseBreach => row.sla_first_response_breached_at.is_some(),
        TimerKind::ResolutionBreach => row.sla_resolution_breached_at.is_some(),
        _ => false,
    };
    let mut wanted: Vec<(TimerKind, i64)> = plan
        .timers()
        .into_iter()
        .filter(|(kind, due)| {
            let already_acted = fired.contains(kind.as_str()) && *due <= now;
            !breached(*kind) && !already_acted
        })
        .collect();
    let mut stale: Vec<i64> = Vec::new();
    for (kind, (id, due)) in &pending {
        match wanted
            .iter()
            .position(|(k, d)| k.as_str() == *kind && d == due)
        {
            Some(i) => {
                wanted.swap_remove(i);
            }
            None => stale.push(*id),
        }
    }
    for id in stale {
        sqlx::query("DELETE FROM timers WHERE id = $1")
            .bind(id)
            .execute(&mut ***tx)
            .await?;
    }
    insert_timers(tx, ticket_id, &wanted, now).await
}

pub(crate) async fn insert_timers(
    tx: &mut WriteTx,
    ticket_id: i64,
    timers: &[(TimerKind, i64)],
    now: i64,
) -> Result<()> {
    if timers.is_empty() {
        return Ok(());
    }
    let mut sql = String::from("INSERT INTO timers (ticket_id, kind, due_at, created_at) VALUES ");
    for i in 0..timers.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        let b = i * 2;
        sql.push_str(&format!("($1, ${}, ${}, $2)", b + 3, b + 4));
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .bind(now);
    for (kind, due) in timers {
        q = q.bind(kind.as_str()).bind(*due);
    }
    q.execute(&mut ***tx).await?;
    Ok(())
}

impl Store {
    /// Recomputes the deadlines of up to `limit` tickets marked dirty (after a
    /// configuration change, or from before SLA tracking); returns how many.
    pub async fn refresh_dirty_slas(&self, limit: i64, now: i64) -> Result<usize> {
        let ids: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM tickets WHERE sla_dirty = 1 ORDER BY id LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        for (id,) in &ids {
            // Claim the ticket before reading it. On PostgreSQL a transaction
            // planning it right now (the router's, after raising its priority)
            // holds its row: this waits for it, then finds it planned and
            // leaves it, instead of overwriting that plan with one computed
            // from what it read before.
            let claimed =
                sqlx::query("UPDATE tickets SET sla_dirty = 0 WHERE id = $1 AND sla_dirty = 1")
                    .bind(*id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
            if claimed == 1 {
                refresh_in(&mut tx, *id, now).await?;
            }
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Marks every open ticket's deadlines for recomputation (the SLA policy,
    /// calendars or teams changed).
    pub async fn mark_all_slas_dirty(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE tickets SET sla_dirty = 1 WHERE status NOT IN ('closed') AND sla_dirty = 0",
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }
}
