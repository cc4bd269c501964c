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
