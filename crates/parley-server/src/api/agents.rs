//! Agents and teams. Anyone signed in can list them; only admins change them.

use crate::AppState;
use crate::auth::{AuthAgent, hash_password};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_store::{Agent, NewAgent, Team};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AgentList {
    pub items: Vec<Agent>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<Team>,
}

/// Every agent.
#[utoipa::path(get, path = "/agents", tag = "agents", responses((status = 200, body = AgentList)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, _agent: AuthAgent) -> ApiResult<Json<AgentList>> {
    Ok(Json(AgentList {
        items: state.store.list_agents().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateAgent {
    pub email: String,
    pub name: String,
    /// agent, supervisor or admin.
    pub role: String,
    /// At least 8 characters.
    pub password: String,
}

/// Creates an agent (admins only).
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = CreateAgent,
    responses((status = 201, body = Agent), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<CreateAgent>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    agent.require(Role::Admin)?;
    let Json(req) = body?;
    let role: Role = req
        .role
        .parse()
        .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))?;
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::bad_request)?;
    let created = state
        .store
        .create_agent(
            &NewAgent {
                email: req.email,
                name: req.name,
                role,
                password_hash: hash,
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateAgent {
    /// Deactivating an agent also signs them out everywhere.
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// Activates/deactivates an agent or sets their password (admins only).
#[utoipa::path(patch, path = "/agents/{id}", tag = "agents", params(("id" = i64, Path)), request_body = UpdateAgent,
    responses((status = 200, body = Agent), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<UpdateAgent>, JsonRejection>,
) -> ApiResult<Json<Agent>> {
    agent.require(Role::Admin)?;
    let Json(req) = body?;
    state.store.get_agent(id).await?;
    if let Some(password) = req.password {
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
            .map_err(ApiError::bad_request)?;
        state.store.set_password(id, &hash).await?;
    }
    if let Some(active) = req.active {
        if !active && id == agent.0.id {
            return Err(ApiError::bad_request("you cannot deactivate yourself"));
        }
        state.store.set_agent_active(id, active).await?;
    }
    Ok(Json(state.store.get_agent(id).await?))
}

/// Every team with its members.
#[utoipa::path(get, path = "/teams", tag = "agents", responses((status = 200, body = TeamList)), security(("bearer" = [])))]
pub async fn list_teams(
    State(state): State<AppState>,
    _agent: AuthAgent,
) -> ApiResult<Json<TeamList>> {
    Ok(Json(TeamList {
        items: state.store.list_teams().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTeam {
    pub name: String,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

/// Creates a team (admins only).
#[utoipa::path(post, path = "/teams", tag = "agents", request_body = CreateTeam,
    responses((status = 201, body = Team), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create_team(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<CreateTeam>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    agent.require(Role::Admin)?;
    let Json(req) = body?;
    let mut team = state.store.create_team(&req.name, state.now()).await?;
    for member in req.member_ids {
        state.store.add_team_member(team.id, member).await?;
        team.member_ids.push(member);
    }
    Ok((StatusCode::CREATED, Json(team)))
}
