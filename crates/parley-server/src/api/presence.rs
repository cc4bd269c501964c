//! Collision detection over HTTP: browsers report viewing and typing, and
//! read who else is on a conversation (see `crate::presence`).

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::presence::{Beat, Present, publish};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeatRequest {
    /// `viewing` (every ~10 s while the conversation is open), `typing`
    /// (while the reply box changes), `idle` (stopped typing) or `left`.
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct PresenceList {
    pub ticket_id: i64,
    /// Everyone with the conversation open, the caller included, earliest first.
    pub agents: Vec<Present>,
}

/// Reports that the signed-in agent is viewing, typing on, or has left a
/// conversation. Changes reach the other agents on it as `presence.changed`.
#[utoipa::path(post, path = "/tickets/{id}/presence", tag = "tickets", params(("id" = i64, Path)), request_body = BeatRequest,
    responses((status = 200, body = PresenceList), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn beat(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<BeatRequest>, JsonRejection>,
) -> ApiResult<Json<PresenceList>> {
    let Json(req) = body?;
    let beat = match req.state.as_str() {
        "viewing" => Beat::Viewing,
        "typing" => Beat::Typing,
        "idle" => Beat::Idle,
        "left" => Beat::Left,
        other => {
            return Err(ApiError::bad_request(format!(
                "state must be viewing, typing, idle or left, not {other:?}"
            )));
        }
    };
    if beat != Beat::Left {
        // Presence on a ticket that does not exist would be a leak of nothing,
        // but also a typo worth a clear answer.
        state.store.get_ticket(id, state.now()).await?;
    }
    let now = state.now();
    if let Some(agents) = state
        .presence
        .beat(id, agent.0.id, &agent.0.name, beat, now)
    {
        publish(&state, id, &agents, &[agent.0.id]);
    }
    Ok(Json(PresenceList {
        ticket_id: id,
        agents: state.presence.on_ticket(id, now),
    }))
}

/// Who has the conversation open and who is typing.
#[utoipa::path(get, path = "/tickets/{id}/presence", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = PresenceList)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<PresenceList>> {
    Ok(Json(PresenceList {
        ticket_id: id,
        agents: state.presence.on_ticket(id, state.now()),
    }))
}
