//! Agents and teams. Anyone signed in can list them; only admins change them.

use crate::AppState;
use crate::auth::{AuthAgent, hash_password};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_core::routing::Availability;
use parley_store::{Agent, AgentPatch, NewAgent, Team};
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
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    /// Deactivating an agent also signs them out everywhere.
    pub active: Option<bool>,
    pub password: Option<String>,
    pub name: Option<String>,
    /// agent, supervisor or admin.
    pub role: Option<String>,
    /// Issue types the agent handles, for skill-based routing (e.g. "billing").
    pub skills: Option<Vec<String>>,
    /// ISO 639-1 codes of the languages the agent answers in.
    pub languages: Option<Vec<String>>,
    /// 1 junior, 2 regular, 3 senior, 4 lead.
    pub seniority: Option<i64>,
    /// Most active conversations routing gives the agent (default 6).
    pub capacity: Option<i64>,
    /// online, away or offline (supervisors may set it for others).
    pub availability: Option<String>,
}

/// Changes an agent: profile and routing attributes (admins), availability
/// (supervisors, or the agent themself through `PUT /me/availability`).
#[utoipa::path(patch, path = "/agents/{id}", tag = "agents", params(("id" = i64, Path)), request_body = UpdateAgent,
    responses((status = 200, body = Agent), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<UpdateAgent>, JsonRejection>,
) -> ApiResult<Json<Agent>> {
    let Json(req) = body?;
    let profile_change = req.active.is_some()
        || req.password.is_some()
        || req.name.is_some()
        || req.role.is_some()
        || req.skills.is_some()
        || req.languages.is_some()
        || req.seniority.is_some()
        || req.capacity.is_some();
    agent.require(if profile_change {
        Role::Admin
    } else {
        Role::Supervisor
    })?;
    state.store.get_agent(id).await?;
    let role = match &req.role {
        Some(r) => {
            let role: Role = r
                .parse()
                .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))?;
            if id == agent.0.id && role != Role::Admin {
                return Err(ApiError::bad_request(
                    "you cannot take the admin role from yourself; ask another admin",
                ));
            }
            Some(role)
        }
        None => None,
    };
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
    state
        .store
        .update_agent(
            id,
            &AgentPatch {
                name: req.name,
                role,
                skills: req.skills,
                languages: req.languages,
                seniority: req.seniority,
                capacity: req.capacity,
            },
        )
        .await?;
    if let Some(a) = &req.availability {
        set_availability(&state, id, a).await?;
    }
    // Capacity, skills or languages may now fit a queued ticket.
    state.router_wake.notify_one();
    let updated = state.store.get_agent(id).await?;
    state
        .bus
        .publish("agent.updated", serde_json::json!({ "agent": updated }));
    Ok(Json(updated))
}

#[derive(Deserialize, ToSchema)]
pub struct AvailabilityRequest {
    /// online, away or offline. Only online agents receive new tickets.
    pub availability: String,
}

/// Sets the caller's own availability (the status switch in the inbox header).
#[utoipa::path(put, path = "/me/availability", tag = "agents", request_body = AvailabilityRequest,
    responses((status = 200, body = Agent), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn my_availability(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<AvailabilityRequest>, JsonRejection>,
) -> ApiResult<Json<Agent>> {
    let Json(req) = body?;
    set_availability(&state, agent.0.id, &req.availability).await?;
    let updated = state.store.get_agent(agent.0.id).await?;
    state
        .bus
        .publish("agent.updated", serde_json::json!({ "agent": updated }));
    Ok(Json(updated))
}

async fn set_availability(state: &AppState, id: i64, availability: &str) -> ApiResult<()> {
    let a: Availability = availability
        .parse()
        .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))?;
    if state
        .store
        .set_availability(id, a.as_str(), state.now())
        .await?
        && a == Availability::Online
    {
        // Someone came online: the queues may move now.
        state.router_wake.notify_one();
    }
    Ok(())
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

#[derive(Deserialize, ToSchema)]
pub struct TeamMembers {
    pub member_ids: Vec<i64>,
}

/// Replaces a team's members (admins only).
#[utoipa::path(put, path = "/teams/{id}/members", tag = "agents", params(("id" = i64, Path)), request_body = TeamMembers,
    responses((status = 200, body = Team), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn set_members(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<TeamMembers>, JsonRejection>,
) -> ApiResult<Json<Team>> {
    agent.require(Role::Admin)?;
    let Json(req) = body?;
    let teams = state.store.list_teams().await?;
    if !teams.iter().any(|t| t.id == id) {
        return Err(ApiError::not_found("no such team"));
    }
    for member in &req.member_ids {
        state.store.get_agent(*member).await?;
    }
    state.store.set_team_members(id, &req.member_ids).await?;
    state.router_wake.notify_one();
    let team = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("no such team"))?;
    Ok(Json(team))
}
