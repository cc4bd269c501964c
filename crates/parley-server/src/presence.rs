//! Who is looking at a conversation and who is typing a reply, so two agents
//! do not answer one customer twice.
//!
//! Presence is ephemeral and lives in this process's memory: each browser
//! says "viewing" every few seconds while a conversation is open and
//! "typing" while its reply box changes; an entry that stops being renewed
//! expires on its own (a closed laptop sends no "left"). Every change is
//! pushed as a `presence.changed` event with the ticket's whole list, so a
//! client never has to merge deltas. (Several Parley processes behind a load
//! balancer would each know only their own agents; see the README.)

use crate::AppState;
use crate::events::Audience;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use utoipa::ToSchema;

/// A "viewing" beat lasts this long; browsers renew it every 10 s.
pub const VIEWING_TTL_MS: i64 = 30_000;
/// A "typing" beat lasts this long; browsers renew it while keys are pressed.
pub const TYPING_TTL_MS: i64 = 6_000;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Present {
    pub agent_id: i64,
    pub name: String,
    pub typing: bool,
    /// When this agent opened the conversation (this visit).
    pub since: i64,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    since: i64,
    viewing_until: i64,
    typing_until: i64,
}

/// What an agent's browser reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    Viewing,
    Typing,
    /// Stopped typing (sent or cleared the reply) but still looking.
    Idle,
    Left,
}

#[derive(Default)]
pub struct Presence {
    tickets: Mutex<HashMap<i64, HashMap<i64, Entry>>>,
}

impl Presence {
    /// Records a beat; returns the ticket's list when it changed.
    pub fn beat(
        &self,
        ticket_id: i64,
        agent_id: i64,
        name: &str,
        beat: Beat,
        now: i64,
    ) -> Option<Vec<Present>> {
        let mut tickets = self.tickets.lock().expect("presence lock");
        let before = list(tickets.get(&ticket_id), now);
        let agents = tickets.entry(ticket_id).or_default();
        match beat {
            Beat::Left => {
                agents.remove(&agent_id);
            }
            _ => {
                let e = agents.entry(agent_id).or_insert_with(|| Entry {
                    name: name.to_string(),
                    since: now,
                    viewing_until: 0,
                    typing_until: 0,
                });
                if e.viewing_until <= now {
                    // Back after expiring: a new visit.
                    e.since = now;
                }
                e.viewing_until = now + VIEWING_TTL_MS;
                e.typing_until = match beat {
                    Beat::Typing => now + TYPING_TTL_MS,
                    Beat::Idle => 0,
                    _ => e.typing_until,
                };
            }
        }
        let after = list(Some(agents), now);
        if agents.is_empty() {
            tickets.remove(&ticket_id);
        }
        (before != after).then_some(after)
    }

    /// Who is on the ticket now.
    pub fn on_ticket(&self, ticket_id: i64, now: i64) -> Vec<Present> {
        let tickets = self.tickets.lock().expect("presence lock");
        list(tickets.get(&ticket_id), now)
    }

    /// Drops what expired; returns each ticket whose list changed, with the
    /// new list and who was on it before (they need to hear about it).
    pub fn sweep(&self, now: i64) -> Vec<(i64, Vec<Present>, Vec<i64>)> {
        let mut tickets = self.tickets.lock().expect("presence lock");
        let mut changed = Vec::new();
        tickets.retain(|&ticket, agents| {
            let before: Vec<i64> = agents.keys().copied().collect();
            let mut lapsed = false;
            agents.retain(|_, e| {
                let keep = e.viewing_until > now;
                lapsed |= !keep;
                keep
            });
            for e in agents.values_mut() {
                if e.typing_until > 0 && e.typing_until <= now {
                    e.typing_until = 0;
                    lapsed = true;
                }
            }
            if lapsed {
                changed.push((ticket, list(Some(agents), now), before));
            }
            !agents.is_empty()
        });
        changed
    }
}

fn list(agents: Option<&HashMap<i64, Entry>>, now: i64) -> Vec<Present> {
    let mut out: Vec<Present> = agents
        .into_iter()
        .flatten()
        .filter(|(_, e)| e.viewing_until > now)
        .map(|(&agent_id, e)| Present {
            agent_id,
            name: e.name.clone(),
            typing: e.typing_until > now,
            since: e.since,
        })
        .collect();
    out.sort_by_key(|p| (p.since, p.agent_id));
    out
}

/// Publishes a ticket's presence list to the agents on it and those who
/// just left (so their view of the others updates too).
pub fn publish(state: &AppState, ticket_id: i64, agents: &[Present], also: &[i64]) {
    let mut audience: Vec<i64> = agents.iter().map(|p| p.agent_id).collect();
    for id in also {
        if !audience.contains(id) {
            audience.push(*id);
        }
    }
    state.bus.publish_to(
        "presence.changed",
        json!({ "ticket_id": ticket_id, "agents": agents }),
        Audience::Agents(audience),
    );
}

/// Every second, expires beats nobody renewed and tells those concerned.
pub async fn run_presence_sweeper(
    state: AppState,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = crate::stopped(&mut shutdown) => return,
        }
        for (ticket, agents, before) in state.presence.sweep(state.now()) {
            publish(&state, ticket, &agents, &before);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_expire_and_typing_fades_before_viewing() {
        let p = Presence::default();
        let t0 = 1_000_000;
        let first = p.beat(7, 1, "Ana", Beat::Viewing, t0).expect("a change");
        assert_eq!(first.len(), 1);
        assert!(
            p.beat(7, 1, "Ana", Beat::Viewing, t0 + 10).is_none(),
            "renewal is no change"
        );
        let typing = p.beat(7, 2, "Ben", Beat::Typing, t0 + 20).unwrap();
        assert_eq!(
            typing
                .iter()
                .map(|x| (x.agent_id, x.typing))
                .collect::<Vec<_>>(),
            vec![(1, false), (2, true)]
        );
        // Typing lapses first; the sweep reports it.
        let swept = p.sweep(t0 + 20 + TYPING_TTL_MS + 1);
        assert_eq!(swept.len(), 1);
        assert!(swept[0].1.iter().all(|x| !x.typing));
        // Then Ana's viewing lapses (Ben's began later).
        let swept = p.sweep(t0 + VIEWING_TTL_MS + 15);
        assert_eq!(
            swept[0].1.iter().map(|x| x.agent_id).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(swept[0].2.len(), 2, "Ana hears she is gone too");
        let gone = p
            .beat(7, 2, "Ben", Beat::Left, t0 + VIEWING_TTL_MS + 16)
            .unwrap();
        assert!(gone.is_empty());
        assert!(p.on_ticket(7, t0 + VIEWING_TTL_MS + 16).is_empty());
        assert!(p.sweep(t0 + 10 * VIEWING_TTL_MS).is_empty());
    }
}
