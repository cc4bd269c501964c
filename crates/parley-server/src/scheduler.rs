//! The timer scheduler: fires SLA warnings, breaches, auto-escalations and
//! VIP-window checks when they fall due, and recomputes deadlines the
//! configuration changed.
//!
//! It sleeps until the earliest pending timer (at most [`MAX_SLEEP`], so a
//! timer written by another node or a fake clock moved by a test is noticed),
//! fires what is due in batches, and publishes an event per effect. Each
//! timer is claimed in the transaction that applies its effect, so a restart
//! neither misses one (due timers fire on start) nor fires one twice.

use crate::AppState;
use parley_core::desk::TimerKind;
use parley_store::FiredTimer;
use serde_json::json;
use std::time::Duration;
use tokio::sync::watch;

/// Timers fired per transaction.
pub const FIRE_BATCH: i64 = 500;
/// Longest sleep between looks at the timer table.
const MAX_SLEEP: Duration = Duration::from_millis(250);

pub async fn run_scheduler(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let notify = state.config.notify.is_some();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = state.now();
        let fired = match state.store.fire_due_timers(now, FIRE_BATCH, notify).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "firing timers failed; retrying");
                Vec::new()
            }
        };
        let busy = fired.len() as i64 == FIRE_BATCH;
        if !fired.is_empty() {
            ::metrics::counter!("parley_timers_fired_total").increment(fired.len() as u64);
            publish(&state, &fired).await;
            if notify {
                state.notify_wake.notify_one();
            }
            if fired.iter().any(|f| f.escalation.is_some()) {
                state.router_wake.notify_one();
            }
        }
        // Deadlines to recompute after a configuration change, a little at a time.
        let refreshed = match state.store.refresh_dirty_slas(200, state.now()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "recomputing SLA deadlines failed");
                0
            }
        };
        if busy || refreshed > 0 {
            tokio::task::yield_now().await;
            continue;
        }
        let sleep = match state.store.next_timer_due().await {
            Ok(Some(due)) => Duration::from_millis(
                (due - state.now()).clamp(0, MAX_SLEEP.as_millis() as i64) as u64,
            ),
            _ => MAX_SLEEP,
        };
        if !crate::idle(&state.scheduler_wake, sleep, &mut shutdown).await {
            return;
        }
    }
}

/// Tells the people concerned: the event names the agents who should be
/// alerted (the assignee and the team lead; for an escalation also the
/// previous assignee), and every inbox refreshes the ticket.
async fn publish(state: &AppState, fired: &[FiredTimer]) {
    let desk = state.store.desk();
    for f in fired {
        if f.skipped.is_some() {
            continue;
        }
        let mut notify: Vec<i64> = f.assignee_id.into_iter().collect();
        let lead_team = f
            .escalation
            .as_ref()
            .and_then(|e| e.to_team.clone())
            .or_else(|| f.team.clone());
        if let Some(team) = lead_team
            && let Some(email) = desk.team_lead(&team)
            && let Ok(Some(id)) = state.store.agent_id_by_email(email).await
            && !notify.contains(&id)
        {
            notify.push(id);
        }
        let name = match (&f.escalation, f.kind) {
            (Some(_), _) => "ticket.escalated",
            (None, TimerKind::FirstResponseWarning | TimerKind::ResolutionWarning) => "sla.warning",
            (None, _) => "sla.breached",
        };
        if f.escalation.is_none() && name == "sla.breached" {
            ::metrics::counter!("parley_sla_breaches_total", "target" => f.kind.target())
                .increment(1);
        }
        state.bus.publish(
            name,
            json!({
                "ticket_id": f.ticket_id,
                "kind": f.kind,
                "target": f.kind.target(),
                "due_at": f.due_at,
                "fired_at": f.fired_at,
                "escalation": f.escalation,
                "notify_agent_ids": notify,
            }),
        );
        crate::ingest::publish_ticket(state, f.ticket_id, "ticket.updated").await;
    }
}
