//! CSAT: the survey results, and "send the survey now" on a ticket.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::ingest::{publish_message, publish_ticket};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_store::{CsatFilter, CsatSummary, CsatSurvey};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Surveys sent at or after this time (Unix ms).
    from: Option<i64>,
    /// Surveys sent before this time (Unix ms).
    to: Option<i64>,
    /// `me` or an agent id: the surveys of tickets that agent resolved.
    /// Agents see only their own; supervisors and admins anyone's.
    agent: Option<String>,
    /// A team id: the surveys of tickets that team resolved.
    team: Option<i64>,
}

/// Survey results: surveys sent, responses, response rate, average rating,
/// CSAT score (the share of 4 and 5 ratings), the distribution, surveys
/// skipped by reason, and the latest comments.
#[utoipa::path(get, path = "/csat", tag = "csat", params(SummaryQuery),
    responses((status = 200, body = CsatSummary), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn summary(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<SummaryQuery>, QueryRejection>,
) -> ApiResult<Json<CsatSummary>> {
    let Query(q) = q?;
    let me = agent.0.id;
    let agent_id = match q.agent.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("me") => Some(me),
        Some(id) => Some(id.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!("agent must be me or an agent id, not {id:?}"))
        })?),
    };
    let agent_id = if agent.0.role.allows(Role::Supervisor) {
        agent_id
    } else {
        match agent_id {
            None => Some(me),
            Some(id) if id == me => Some(me),
            Some(_) => {
                return Err(ApiError::forbidden(
                    "agents see their own CSAT results; this needs the supervisor role",
                ));
            }
        }
    };
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::bad_request("from is after to"));
    }
    let filter = CsatFilter {
        from: q.from,
        to: q.to,
        agent_id,
        team_id: q.team,
    };
    Ok(Json(state.store.csat_summary(&filter).await?))
}

/// Sends the ticket's CSAT survey now instead of after the delay, under the
/// same rules: the ticket is resolved (or closed, not as spam), no survey
/// went for it before, the contact was not surveyed recently (409 otherwise)
/// and the 24-hour window is open (422 `window_closed`). Supervisors, admins
/// and the ticket's assignee.
#[utoipa::path(post, path = "/tickets/{id}/csat", tag = "csat", params(("id" = i64, Path)),
    responses((status = 202, body = CsatSurvey), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_now(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<CsatSurvey>)> {
    let ticket = state.store.get_ticket(id, state.now()).await?;
    let assignee = ticket.assignee.as_ref().map(|a| a.id);
    if !agent.0.role.allows(Role::Supervisor) && assignee != Some(agent.0.id) {
        return Err(ApiError::forbidden(
            "only the ticket's assignee, a supervisor or an admin can send its survey",
        ));
    }
    let sent = state
        .store
        .send_csat_now(id, agent.0.id, state.now())
        .await?;
    if let Some(message_id) = sent.message_id {
        ::metrics::counter!("parley_csat_sent_total").increment(1);
        state.outbox_wake.notify_one();
        publish_message(&state, message_id, "message.created").await;
    }
    publish_ticket(&state, id, "ticket.updated").await;
    Ok((
        StatusCode::ACCEPTED,
        Json(state.store.csat_survey(sent.survey_id).await?),
    ))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CsatSettingsView {
    /// `file` (the config file's `[csat]` or a `--csat-*` flag; read-only
    /// here), `database` (saved here) or `default`.
    pub source: &'static str,
    /// Whether PUT /admin/csat may change them.
    pub editable: bool,
    pub updated_at: Option<i64>,
    pub updated_by: Option<i64>,
    pub settings: crate::csat::CsatDocument,
    /// Parley's defaults, for "reset".
    pub defaults: crate::csat::CsatDocument,
}

fn settings_view(state: &AppState) -> CsatSettingsView {
    let now = crate::csat::in_force(state);
    CsatSettingsView {
        source: now.source,
        editable: !state.config.csat_from_file,
        updated_at: now.updated_at,
        updated_by: now.updated_by,
        settings: (&now.config).into(),
        defaults: (&crate::csat::CsatConfig::default()).into(),
    }
}

/// The CSAT survey settings in force and where they come from (admins only).
#[utoipa::path(get, path = "/admin/csat", tag = "csat",
    responses((status = 200, body = CsatSettingsView), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    agent: AuthAgent,
) -> ApiResult<axum::Json<CsatSettingsView>> {
    agent.require(Role::Admin)?;
    Ok(Json(settings_view(&state)))
}

/// Replaces the CSAT survey settings (admins only), in force at once: the
/// next resolution schedules with the new delay, and surveys still waiting
/// go out with the new texts. Every text is checked against WhatsApp's limits
/// (422 `invalid_csat` names the field). 409 `managed_by_file` when the
/// config file's `[csat]` or a `--csat-*` flag sets them: the file wins.
#[utoipa::path(put, path = "/admin/csat", tag = "csat", request_body = crate::csat::CsatDocument,
    responses((status = 200, body = CsatSettingsView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<axum::Json<CsatSettingsView>> {
    agent.require(Role::Admin)?;
    if state.config.csat_from_file {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "managed_by_file",
            "the CSAT settings come from the config file's [csat] section or a --csat-* flag; change them there and restart",
        ));
    }
    let Json(body) = body?;
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_csat", m);
    let doc: crate::csat::CsatDocument = serde_path_to_error::deserialize(body).map_err(|e| {
        let at = e.path().to_string();
        invalid(if at == "." {
            format!("the CSAT settings are not valid: {}", e.inner())
        } else {
            format!("csat {at}: {}", e.inner())
        })
    })?;
    let config = doc.to_config().map_err(invalid)?;
    let now = state.now();
    let stored = crate::csat::CsatDocument::from(&config);
    state
        .store
        .put_setting(
            crate::csat::SETTING_KEY,
            &serde_json::to_string(&stored).map_err(|e| ApiError::internal(e.to_string()))?,
            Some(agent.0.id),
            now,
        )
        .await?;
    crate::csat::put_in_force(
        &state,
        crate::csat::CsatInForce {
            config,
            source: "database",
            updated_at: Some(now),
            updated_by: Some(agent.0.id),
        },
    );
    state.bus.publish(
        "csat.settings_changed",
        serde_json::json!({"by": agent.0.id, "notify_roles": ["admin"]}),
    );
    Ok(Json(settings_view(&state)))
}
