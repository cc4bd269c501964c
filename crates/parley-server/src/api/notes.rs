//! Internal notes with @mentions, supervisors' whispers, and each agent's
//! mentions.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::events::Audience;
use crate::ingest::publish_ticket;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_core::placeholders::{Mentionable, mentioned};
use parley_store::{Mention, Message, NewNote, Viewer};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// What the signed-in agent may read: supervisors see every whisper.
pub fn viewer(agent: &AuthAgent) -> Viewer {
    if agent.0.role.allows(Role::Supervisor) {
        Viewer::All
    } else {
        Viewer::Agent(agent.0.id)
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The note. `@handle` mentions an agent: their email's local part, their
    /// name without spaces, or a first name nobody else has.
    pub text: String,
    /// Agents to mention besides those named in the text (a picker's choice).
    #[serde(default)]
    pub mention_ids: Vec<i64>,
    /// Supervisors only: a note only the assigned agent (and supervisors) see.
    #[serde(default)]
    pub whisper: bool,
}

/// Adds an internal note (never sent to the customer). Mentioned agents are
/// notified (`ticket.mentioned`) and find the ticket in their mentions view.
/// A whisper goes to the assigned agent alone, who is notified the same way.
#[utoipa::path(post, path = "/tickets/{id}/notes", tag = "tickets", params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 201, body = Message), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn add_note(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<NoteRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let Json(req) = body?;
    let text = req.text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_request("a note needs text"));
    }
    if req.whisper {
        agent.require(Role::Supervisor)?;
    }
    let agents = state.store.list_agents().await?;
    let active: Vec<Mentionable> = agents
        .iter()
        .filter(|a| a.active)
        .map(|a| Mentionable {
            id: a.id,
            name: &a.name,
            email: &a.email,
        })
        .collect();
    let mut mentions = mentioned(text, &active);
    for id in req.mention_ids {
        if !mentions.contains(&id) {
            mentions.push(id);
        }
    }
    if req.whisper {
        // The addressee is called to it like a mention.
        let ticket = state.store.get_ticket(id, state.now()).await?;
        if let Some(to) = ticket.assignee.map(|a| a.id)
            && !mentions.contains(&to)
        {
            mentions.push(to);
        }
    }
    let added = state
        .store
        .add_note_with(
            &NewNote {
                ticket_id: id,
                author_id: agent.0.id,
                text,
                whisper: req.whisper,
                mentions: &mentions,
            },
            state.now(),
        )
        .await?;
    let message = state.store.get_message(added.message_id).await?;
    let audience = match added.whisper_to {
        Some(to) => Audience::AgentsAndSupervisors(vec![agent.0.id, to]),
        None => Audience::Everyone,
    };
    state.bus.publish_to(
        "message.created",
        json!({ "message": message }),
        audience.clone(),
    );
    if !added.mentioned.is_empty() {
        state.bus.publish_to(
            "ticket.mentioned",
            json!({
                "ticket_id": id,
                "message_id": added.message_id,
                "author": { "id": agent.0.id, "name": agent.0.name },
                "text": text,
                "whisper": added.whisper_to.is_some(),
                "notify_agent_ids": added.mentioned,
            }),
            Audience::Agents(added.mentioned.clone()),
        );
    }
    // The activity time changed (the lists sort by it).
    publish_ticket(&state, id, "ticket.updated").await;
    Ok((StatusCode::CREATED, Json(message)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MentionQuery {
    /// Only mentions not read yet.
    #[serde(default)]
    unread: bool,
    /// At most this many, newest first (1-200, default 50).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MentionList {
    pub items: Vec<Mention>,
}

/// The signed-in agent's mentions, newest first.
#[utoipa::path(get, path = "/mentions", tag = "tickets", params(MentionQuery),
    responses((status = 200, body = MentionList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<MentionQuery>, QueryRejection>,
) -> ApiResult<Json<MentionList>> {
    let Query(q) = q?;
    Ok(Json(MentionList {
        items: state
            .store
            .mentions_of(agent.0.id, q.unread, q.limit.unwrap_or(50))
            .await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MentionsRead {
    /// How many were unread.
    pub read: u64,
}

/// Marks the signed-in agent's mentions on a ticket read (the inbox does so
/// when it opens the ticket).
#[utoipa::path(post, path = "/tickets/{id}/mentions/read", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = MentionsRead)), security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<MentionsRead>> {
    let read = state
        .store
        .read_mentions(agent.0.id, id, state.now())
        .await?;
    if read > 0 {
        // Only this agent's mentions count changed.
        state.bus.publish_to(
            "mentions.read",
            json!({ "ticket_id": id, "agent_id": agent.0.id }),
            Audience::Agents(vec![agent.0.id]),
        );
    }
    Ok(Json(MentionsRead { read }))
}
