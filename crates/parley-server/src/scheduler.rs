//! The timer scheduler: fires SLA warnings, breaches, auto-escalations and
//! VIP-window checks when they fall due, and recomputes deadlines the
//! configuration changed.
//!
//! It sleeps until the earliest pending timer (at most [`MAX_SLEEP`], so a
//! timer written by another node or a fake clock moved by a test is noticed),
//! fires what is due in batches, and publishes an event per effect. Each
//! timer is claimed in the transaction that applies its effect, so a restart
//! neither misses one (due timers fire on start) nor fires one twice.
//!
//! While timers are backed up (a full batch fired, as after a restart), due
//! timers come first: deadline recomputation waits, and so do the inboxes'
//! `ticket.updated` refreshes (up to [`MAX_DEFER`]), which need a ticket load
//! each; the alert events (`sla.warning`, `sla.breached`,
//! `ticket.escalated`) go out right after each batch commits. `parley bench
//! sla` measures this with a million open tickets (see BENCHMARKS.md).

use crate::AppState;
use futures_util::StreamExt;
use parley_core::desk::TimerKind;
use parley_store::FiredTimer;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Timers fired per transaction.
pub const FIRE_BATCH: i64 = 500;
/// Tickets loaded at once for their `ticket.updated` events.
const PUBLISH_LOADS: usize = 4;
/// Tickets refreshed between looks at whether timers are backed up.
const PUBLISH_CHUNK: usize = 100;
/// Longest the inbox refreshes wait for a timer backlog to clear.
const MAX_DEFER: Duration = Duration::from_secs(1);
/// How long fired timers are kept.
const KEEP_FIRED_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// How often old fired timers are pruned.
const PRUNE_EVERY_MS: i64 = 10 * 60 * 1000;
/// Longest sleep between looks at the timer table.
const MAX_SLEEP: Duration = Duration::from_millis(250);

pub async fn run_scheduler(state: AppState, shutdown: watch::Receiver<bool>) {
    // The inboxes' ticket refreshes trail the alerts in a future of their
    // own, so loading tickets never holds up the next batch; it ends once the
    // firing loop has stopped and it has sent what was queued.
    let (updates, queued) = mpsc::unbounded_channel();
    let (busy, backlog) = watch::channel(false);
    tokio::join!(
        fire_loop(&state, shutdown, updates, busy),
        publish_updates(&state, queued, backlog)
    );
}

async fn fire_loop(
    state: &AppState,
    mut shutdown: watch::Receiver<bool>,
    updates: mpsc::UnboundedSender<Vec<i64>>,
    backlog: watch::Sender<bool>,
) {
    let notify = state.config.notify.is_some();
    let mut pruned_at = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        // A short step aside for webhooks being acknowledged; timers still
        // fire well within a second of their due time.
        state.ingest.step_aside(Duration::from_millis(30)).await;
        let now = state.now();
        let fired = match state.store.fire_due_timers(now, FIRE_BATCH, notify).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "firing timers failed; retrying");
                Vec::new()
            }
        };
        // CSAT surveys whose delay is over (their own timer kind).
        let csat_busy = crate::csat::fire_due(state, FIRE_BATCH).await;
        let busy = fired.len() as i64 == FIRE_BATCH || csat_busy;
        backlog.send_if_modified(|b| std::mem::replace(b, busy) != busy);
        if !fired.is_empty() {
            ::metrics::counter!("parley_timers_fired_total").increment(fired.len() as u64);
            let _ = updates.send(publish(state, &fired).await);
            if notify {
                state.notify_wake.notify_one();
            }
            if fired.iter().any(|f| f.escalation.is_some()) {
                state.router_wake.notify_one();
            }
        }
        // Deadlines to recompute after a configuration change (or a start),
        // a little at a time, and only once no more timers are waiting: due
        // timers go first.
        let refreshed = if busy {
            0
        } else {
            match state.store.refresh_dirty_slas(200, state.now()).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "recomputing SLA deadlines failed");
                    0
                }
            }
        };
        if busy || refreshed > 0 {
            tokio::task::yield_now().await;
            continue;
        }
        // Fired timers are kept a while (re-planning a ticket reads them so a
        // warning is not repeated), then dropped so the table does not grow
        // with every ticket ever opened.
        let now = state.now();
        if now - pruned_at >= PRUNE_EVERY_MS {
            pruned_at = now;
            match state
                .store
                .prune_fired_timers(now - KEEP_FIRED_MS, 10_000)
                .await
            {
                Ok(n) if n > 0 => tracing::debug!(timers = n, "pruned old fired timers"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning fired timers failed"),
            }
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

/// Sends `ticket.updated` for the tickets the fired timers changed: each
/// ticket once however many of its timers fired meanwhile, a few loads at a
/// time. While due timers are backed up it steps aside (up to
/// [`MAX_DEFER`] per chunk of tickets), so catching up after a restart is
/// not slowed by refreshing inboxes; the alerts themselves are already out.
async fn publish_updates(
    state: &AppState,
    mut queued: mpsc::UnboundedReceiver<Vec<i64>>,
    mut backlog: watch::Receiver<bool>,
) {
    while let Some(mut ids) = queued.recv().await {
        while let Ok(more) = queued.try_recv() {
            ids.extend(more);
        }
        if !state.bus.has_subscribers() {
            continue;
        }
        let mut seen = HashSet::with_capacity(ids.len());
        ids.retain(|id| seen.insert(*id));
        for chunk in ids.chunks(PUBLISH_CHUNK) {
            let _ = tokio::time::timeout(MAX_DEFER, backlog.wait_for(|busy| !*busy)).await;
            futures_util::stream::iter(chunk.to_vec())
                .map(|id| crate::ingest::publish_ticket(state, id, "ticket.updated"))
                .buffer_unordered(PUBLISH_LOADS)
                .collect::<()>()
                .await;
        }
    }
}

/// Tells the people concerned: the event names the agents who should be
/// alerted (the assignee and the team lead; for an escalation also the
/// previous assignee). Returns the tickets whose inboxes should refresh.
async fn publish(state: &AppState, fired: &[FiredTimer]) -> Vec<i64> {
    let desk = state.store.desk();
    // A team's lead is looked up once per batch.
    let mut leads: HashMap<String, Option<i64>> = HashMap::new();
    let mut updated = Vec::with_capacity(fired.len());
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
        if let Some(team) = lead_team {
            let lead = match leads.get(&team) {
                Some(lead) => *lead,
                None => {
                    let lead = match desk.team_lead(&team) {
                        Some(email) => state.store.agent_id_by_email(email).await.ok().flatten(),
                        None => None,
                    };
                    leads.insert(team, lead);
                    lead
                }
            };
            if let Some(id) = lead
                && !notify.contains(&id)
            {
                notify.push(id);
            }
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
                // The deadline itself; for a warning, when it fired.
                "due_at": f.target_due_at,
                "warn_at": (f.target_due_at != f.due_at).then_some(f.due_at),
                "fired_at": f.fired_at,
                "escalation": f.escalation,
                "notify_agent_ids": notify,
            }),
        );
        updated.push(f.ticket_id);
    }
    updated
}
