//! Full-text search over messages and notes.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use parley_store::SearchHit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find (all of them; the last also as a prefix).
    q: String,
    /// Page size, 1-100 (default 20).
    limit: Option<i64>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchHit>,
    pub next_cursor: Option<String>,
    /// The words searched for, lower-cased, for highlighting.
    pub terms: Vec<String>,
}

/// Messages and notes containing every word, newest first.
#[utoipa::path(get, path = "/search", tag = "tickets", params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult<Json<SearchPage>> {
    let Query(q) = q?;
    let page = state
        .store
        .search_messages_for(
            &q.q,
            q.limit.unwrap_or(20),
            q.cursor.as_deref().filter(|c| !c.is_empty()),
            crate::api::notes::viewer(&agent),
        )
        .await?;
    Ok(Json(SearchPage {
        items: page.items,
        next_cursor: page.next_cursor,
        terms: parley_store::search_terms(&q.q),
    }))
}
