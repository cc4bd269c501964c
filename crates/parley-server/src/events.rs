//! The in-process event bus and the authenticated Server-Sent Events stream
//! that pushes ticket and message changes to every connected agent.

use crate::AppState;
use crate::auth::AuthAgent;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// A change agents should see: `ticket.created`, `ticket.updated`,
/// `message.created`, `message.updated`.
#[derive(Debug, Clone)]
pub struct DomainEvent {
    pub name: &'static str,
    pub data: Value,
    pub audience: Audience,
}

/// Who may receive an event on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    /// These agents, and every supervisor and admin (a whisper, say).
    AgentsAndSupervisors(Vec<i64>),
    /// These agents only (presence is not private, but a typing
    /// indicator for a ticket nobody else has open is just noise).
    Agents(Vec<i64>),
}

impl Audience {
    pub fn admits(&self, agent: &parley_store::Agent) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::AgentsAndSupervisors(ids) => {
                ids.contains(&agent.id) || agent.role.allows(parley_core::Role::Supervisor)
            }
            Audience::Agents(ids) => ids.contains(&agent.id),
        }
    }
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<DomainEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(4096).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, name: &'static str, data: Value) {
        // No subscriber is fine: nobody is looking.
        self.publish_to(name, data, Audience::Everyone);
    }

    pub fn publish_to(&self, name: &'static str, data: Value, audience: Audience) {
        let _ = self.tx.send(DomainEvent {
            name,
            data,
            audience,
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.tx.subscribe()
    }

    /// Whether anyone listens, so publishers can skip building payloads.
    pub fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }
}

/// Server-Sent Events: `event: <name>` with a JSON `data:` line per change.
/// A client that falls too far behind gets `event: resync` and should refetch.
#[utoipa::path(get, path = "/events", tag = "events",
    responses((status = 200, description = "text/event-stream of ticket.* and message.* events")),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    agent: AuthAgent,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.bus.subscribe();
    let me = agent.0;
    let mut shutdown = state.shutdown.clone();
    let stop = async move { crate::stopped(&mut shutdown).await };
    let until_shutdown = futures_util::StreamExt::take_until(BroadcastStream::new(rx), stop);
    let for_me = until_shutdown.filter(move |item| match item {
        Ok(ev) => ev.audience.admits(&me),
        Err(_) => true,
    });
    let stream = for_me.map(|item| {
        Ok(match item {
            Ok(ev) => Event::default().event(ev.name).data(ev.data.to_string()),
            Err(BroadcastStreamRecvError::Lagged(n)) => Event::default()
                .event("resync")
                .data(format!("{{\"missed\":{n}}}")),
        })
    });
    Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    )
}
