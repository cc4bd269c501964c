//! Message templates for the reply box: every agent lists the approved ones;
//! admins see every status and can sync now.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::templates::{SyncResult, SyncStatus, as_message_template};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use parley_core::Role;
use parley_store::WaTemplate;
use parley_whatsapp::TemplateParam;
use parley_whatsapp::templates::RenderedTemplate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplatesQuery {
    /// `approved` (the default: what can be sent) or `all` (admins).
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    pub template: WaTemplate,
    /// The values a send needs, in order, keyed for `template.parameters`.
    #[schema(value_type = Vec<Object>)]
    pub parameters: Vec<TemplateParam>,
    /// Header, body, footer and button labels with the placeholders in place.
    #[schema(value_type = Object)]
    pub preview: RenderedTemplate,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateView>,
    pub sync: SyncStatus,
}

/// Templates synced from the WhatsApp Business Account, by name and language.
#[utoipa::path(get, path = "/templates", tag = "templates", params(TemplatesQuery),
    responses((status = 200, body = TemplateList), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<TemplatesQuery>, QueryRejection>,
) -> ApiResult<Json<TemplateList>> {
    let Query(q) = q?;
    let approved_only = match q.status.as_deref() {
        None | Some("") | Some("approved") => true,
        Some("all") => {
            agent.require(Role::Admin)?;
            false
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status must be approved or all, not {other:?}"
            )));
        }
    };
    let items = state
        .store
        .list_templates(approved_only)
        .await?
        .into_iter()
        .map(|t| {
            let m = as_message_template(&t);
            TemplateView {
                parameters: m.parameters(),
                preview: m.render(&BTreeMap::new()),
                template: t,
            }
        })
        .collect();
    let mut sync = state.template_sync.lock().await.clone();
    sync.configured = crate::templates::configured(&state);
    Ok(Json(TemplateList { items, sync }))
}

/// Syncs the templates from Meta now (admin): every page of the business
/// account's `message_templates`, replacing the stored set.
#[utoipa::path(post, path = "/templates/sync", tag = "templates",
    responses((status = 200, body = SyncResult), (status = 409, body = crate::error::ErrorBody),
        (status = 502, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn sync(State(state): State<AppState>, agent: AuthAgent) -> ApiResult<Json<SyncResult>> {
    agent.require(Role::Admin)?;
    Ok(Json(crate::templates::sync(&state).await?))
}
