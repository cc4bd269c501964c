//! The FAQ bot: its knowledge base in force, deflection figures, and what it
//! remembers about a conversation.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::bot::BotStatus;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use parley_core::Role;
use parley_store::DeflectionRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const DAY_MS: i64 = 86_400_000;

/// The knowledge base in force: where from, how many intents and actions,
/// and why the latest edit was refused, if it was.
#[utoipa::path(get, path = "/bot", tag = "bot",
    responses((status = 200, body = BotStatus), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn status(State(state): State<AppState>, agent: AuthAgent) -> ApiResult<Json<BotStatus>> {
    agent.require(Role::Supervisor)?;
    Ok(Json(state.bot.status()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeflectionQuery {
    /// Conversations the bot finished at or after this time (Unix ms);
    /// default 30 days before `to`.
    from: Option<i64>,
    /// … and before this time (Unix ms); default now.
    to: Option<i64>,
    /// `day`, `week` (ISO, from Monday) or `all` (default).
    period: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Deflection {
    pub from: i64,
    pub to: i64,
    pub period: String,
    /// Per period: one row per first intent answered, and a row with intent
    /// `"*"` holding the period's totals.
    pub rows: Vec<DeflectionRow>,
}

/// Deflection: of the conversations the bot finished, how many it resolved
/// without a person (deflected), passed on (handed off) or lost (the
/// customer left mid-question), per period and per intent.
#[utoipa::path(get, path = "/bot/deflection", tag = "bot", params(DeflectionQuery),
    responses((status = 200, body = Deflection), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn deflection(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<DeflectionQuery>, QueryRejection>,
) -> ApiResult<Json<Deflection>> {
    agent.require(Role::Supervisor)?;
    let Query(q) = q?;
    let to = q.to.unwrap_or_else(|| state.now() + 1);
    let from = q.from.unwrap_or(to - 30 * DAY_MS);
    if from >= to {
        return Err(ApiError::bad_request("from must be before to"));
    }
    let period = q.period.unwrap_or_else(|| "all".into());
    if !matches!(period.as_str(), "day" | "week" | "all") {
        return Err(ApiError::bad_request(format!(
            "period must be day, week or all, not {period:?}"
        )));
    }
    let rows = state.store.deflection(from, to, &period).await?;
    Ok(Json(Deflection {
        from,
        to,
        period,
        rows,
    }))
}

/// What the bot remembers about a conversation: intents answered, facts
/// collected (order number…), the question it is waiting on.
#[utoipa::path(get, path = "/tickets/{id}/bot", tag = "bot",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn session(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    state.store.get_ticket(id, state.now()).await?;
    Ok(Json(
        state
            .store
            .bot_session(id)
            .await?
            .unwrap_or_else(|| serde_json::json!({})),
    ))
}
