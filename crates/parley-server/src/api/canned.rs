//! Canned responses: every agent lists and inserts them; supervisors and
//! admins write them. Filling one for a ticket happens here, so the reply box
//! gets the customer's name, the order number the bot collected and the
//! agent's own name, with any gap left visible for the agent to fill.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_core::placeholders::{self, first_name};
use parley_store::{CannedPatch, CannedResponse, NewCanned};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CannedQuery {
    /// Matches shortcut, title or body (case-insensitive); shortcut prefixes first.
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CannedList {
    pub items: Vec<CannedResponse>,
    /// The `{{variables}}` a body may use (and `contact.<attribute>`).
    pub variables: Vec<&'static str>,
}

/// Canned responses, by shortcut.
#[utoipa::path(get, path = "/canned", tag = "canned", params(CannedQuery),
    responses((status = 200, body = CannedList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _agent: AuthAgent,
    q: Result<Query<CannedQuery>, QueryRejection>,
) -> ApiResult<Json<CannedList>> {
    let Query(q) = q?;
    Ok(Json(CannedList {
        items: state.store.list_canned(q.q.as_deref()).await?,
        variables: placeholders::KNOWN_VARIABLES.to_vec(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedRequest {
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

/// Adds a canned response (supervisor or admin). Unknown `{{variables}}`,
/// a taken shortcut or a body over WhatsApp's 4,096 characters are refused.
#[utoipa::path(post, path = "/canned", tag = "canned", request_body = CannedRequest,
    responses((status = 201, body = CannedResponse), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<CannedRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    agent.require(Role::Supervisor)?;
    let Json(req) = body?;
    let created = state
        .store
        .create_canned(
            &NewCanned {
                shortcut: req.shortcut.trim().to_string(),
                title: req.title,
                body: req.body,
            },
            agent.0.id,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedUpdate {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

/// Changes a canned response (supervisor or admin).
#[utoipa::path(patch, path = "/canned/{id}", tag = "canned", params(("id" = i64, Path)), request_body = CannedUpdate,
    responses((status = 200, body = CannedResponse), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<CannedUpdate>, JsonRejection>,
) -> ApiResult<Json<CannedResponse>> {
    agent.require(Role::Supervisor)?;
    let Json(req) = body?;
    let patch = CannedPatch {
        shortcut: req.shortcut.map(|s| s.trim().to_string()),
        title: req.title,
        body: req.body,
    };
    Ok(Json(
        state.store.update_canned(id, &patch, state.now()).await?,
    ))
}

/// Deletes a canned response (supervisor or admin).
#[utoipa::path(delete, path = "/canned/{id}", tag = "canned", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    agent.require(Role::Supervisor)?;
    state.store.delete_canned(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct FilledCanned {
    pub id: i64,
    pub shortcut: String,
    /// The body with every variable this ticket could fill, filled.
    pub text: String,
    /// Variables left in `text` as `{{name}}` for the agent to fill.
    pub missing: Vec<String>,
}

/// A canned response filled for a ticket and the signed-in agent.
#[utoipa::path(get, path = "/tickets/{id}/canned/{canned_id}", tag = "canned",
    params(("id" = i64, Path), ("canned_id" = i64, Path)),
    responses((status = 200, body = FilledCanned), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn fill(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path((id, canned_id)): Path<(i64, i64)>,
) -> ApiResult<Json<FilledCanned>> {
    let canned = state.store.get_canned(canned_id).await?;
    let ticket = state.store.get_ticket(id, state.now()).await?;
    let contact = state.store.get_contact(ticket.contact.id).await?;
    let slots = state
        .store
        .bot_session(id)
        .await?
        .and_then(|s| s.get("slots").cloned())
        .unwrap_or(Value::Null);
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let filled = placeholders::fill(&canned.body, |name| match name {
        "contact.name" => contact.name.clone(),
        "contact.first_name" => contact.name.as_deref().and_then(first_name),
        "contact.phone" => contact.phone.clone(),
        "agent.name" => Some(agent.0.name.clone()),
        "agent.first_name" => first_name(&agent.0.name),
        "ticket.id" => Some(id.to_string()),
        other => match other.strip_prefix("contact.") {
            Some(attr) => contact.attributes.get(attr).and_then(text_of),
            None => slots.get(other).and_then(text_of),
        },
    });
    Ok(Json(FilledCanned {
        id: canned.id,
        shortcut: canned.shortcut,
        text: filled.text,
        missing: filled.missing,
    }))
}
