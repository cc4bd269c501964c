//! Contacts: the customers, with the profile agents keep on them.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use parley_store::{Contact, ContactPatch};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Matches name, phone or user id.
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<Contact>,
}

/// Lists contacts, most recently updated first.
#[utoipa::path(get, path = "/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, body = ContactList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _agent: AuthAgent,
    q: Result<Query<ContactQuery>, QueryRejection>,
) -> ApiResult<Json<ContactList>> {
    let Query(q) = q?;
    let items = state
        .store
        .list_contacts(
            q.q.as_deref().filter(|s| !s.is_empty()),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(ContactList { items }))
}

/// One contact with all of its tickets.
#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(state.store.get_contact(id).await?))
}

/// Fields `PATCH /contacts/{id}` accepts; omit one to leave it alone.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ContactUpdate {
    name: Option<String>,
    tags: Option<Vec<String>>,
    /// `null` clears it.
    segment: Option<String>,
    vip: Option<bool>,
    /// Any JSON object (e.g. customer value, purchase history).
    #[schema(value_type = Object)]
    attributes: Option<Value>,
    /// `null` clears it.
    email: Option<String>,
}

/// Edits a contact's profile.
#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = ContactUpdate,
    responses((status = 200, body = Contact), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> ApiResult<Json<Contact>> {
    let Json(body) = body?;
    const KNOWN: [&str; 6] = ["name", "tags", "segment", "vip", "attributes", "email"];
    if let Some(k) = body.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown field {k:?}; expected one of {}",
            KNOWN.join(", ")
        )));
    }
    let bad = |k: &str, what: &str| ApiError::bad_request(format!("{k} must be {what}"));
    let patch = ContactPatch {
        name: body
            .get("name")
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("name", "a string"))
            })
            .transpose()?,
        tags: body
            .get("tags")
            .map(|v| {
                serde_json::from_value::<Vec<String>>(v.clone())
                    .map_err(|_| bad("tags", "an array of strings"))
            })
            .transpose()?,
        segment: match body.get("segment") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => return Err(bad("segment", "a string or null")),
        },
        vip: body
            .get("vip")
            .map(|v| v.as_bool().ok_or_else(|| bad("vip", "true or false")))
            .transpose()?,
        attributes: body.get("attributes").cloned(),
        email: match body.get("email") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => return Err(bad("email", "a string or null")),
        },
    };
    let contact = state
        .store
        .update_contact(id, agent.0.id, &patch, state.now())
        .await?;
    Ok(Json(contact))
}
