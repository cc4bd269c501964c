//! Settings → Knowledge base (admins): the intents as the folder's files hold
//! them, edits written back into those files (see `parley_bot::kb_edit`), and
//! a "try it" box that runs a sample message through the bot in force.
//!
//! The files stay the source of truth: the screen edits them in place, and an
//! edit made by hand while the screen was open is never overwritten (every
//! change carries the `etag` it was made on; a stale one gets 409
//! `changed_on_disk`).

use crate::AppState;
use crate::auth::AuthAgent;
use crate::bot::BotStatus;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parley_bot::dialog::{BotMessage, Input, Session, Signals, Step};
use parley_bot::kb_edit::{Change, EditError, IntentEdit, KbFiles, NEW_INTENTS_FILE};
use parley_core::Role;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use utoipa::{IntoParams, ToSchema};

/// One edit at a time: each is checked against the files as they are.
static EDITS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Serialize, ToSchema)]
pub struct KbDocument {
    /// The knowledge-base folder; `file` below is relative to it.
    pub dir: String,
    /// Send it back with an edit; it changes whenever any file changes.
    pub etag: String,
    /// Where intents created here are written.
    pub new_intents_file: &'static str,
    /// Every intent, in file order, with the fields its `[[intent]]` table holds.
    #[schema(value_type = Vec<Object>)]
    pub intents: Vec<KbIntent>,
    /// The actions an intent can name (defined in the files by hand).
    pub actions: Vec<String>,
    /// Why the files do not load now (edited by hand), one problem per entry;
    /// empty when they do.
    pub errors: Vec<String>,
    pub status: BotStatus,
}

#[derive(Serialize)]
pub struct KbIntent {
    #[serde(flatten)]
    pub intent: IntentEdit,
    pub file: String,
    pub line: usize,
}

fn kb_dir(state: &AppState) -> ApiResult<PathBuf> {
    state
        .config
        .bot
        .as_ref()
        .map(|b| b.kb_dir.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_configured",
                "no knowledge base is configured; start Parley with --kb <folder> (or [bot] kb in the config file)",
            )
        })
}

fn read(dir: &std::path::Path) -> ApiResult<KbFiles> {
    KbFiles::read(dir).map_err(|e| {
        ApiError::internal(format!(
            "cannot read the knowledge base folder {}: {e}",
            dir.display()
        ))
    })
}

fn document(state: &AppState, files: &KbFiles) -> KbDocument {
    let relative = |p: &std::path::Path| {
        p.strip_prefix(&files.dir)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let (intents, actions, errors) = match files.load() {
        Ok(kb) => (
            kb.intents
                .iter()
                .map(|i| KbIntent {
                    intent: i.into(),
                    file: relative(&i.source.file),
                    line: i.source.line,
                })
                .collect(),
            kb.actions.iter().map(|a| a.name.clone()).collect(),
            Vec::new(),
        ),
        Err(errors) => (
            Vec::new(),
            Vec::new(),
            errors.iter().map(|e| e.to_string()).collect(),
        ),
    };
    KbDocument {
        dir: files.dir.display().to_string(),
        etag: files.etag(),
        new_intents_file: NEW_INTENTS_FILE,
        intents,
        actions,
        errors,
        status: state.bot.status(),
    }
}

/// The knowledge base's intents as the files hold them (admins only).
#[utoipa::path(get, path = "/admin/kb", tag = "bot",
    responses((status = 200, body = KbDocument), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_kb(
    State(state): State<AppState>,
    agent: AuthAgent,
) -> ApiResult<Json<KbDocument>> {
    agent.require(Role::Admin)?;
    let dir = kb_dir(&state)?;
    let files = read(&dir)?;
    Ok(Json(document(&state, &files)))
}

#[derive(Deserialize, ToSchema)]
pub struct IntentChange {
    /// The `etag` of the document the edit was made on.
    pub etag: String,
    /// The whole intent: `name`, `examples`, `answer`, `buttons` (titles, or
    /// `{title, intent}` / `{title, handoff: true}`), `list` (`{button, rows}`),
    /// `media`, `action`, `title`, `after`. A missing field is removed.
    #[schema(value_type = Object)]
    pub intent: IntentEdit,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EtagQuery {
    /// The `etag` of the document the deletion was decided on.
    etag: String,
}

fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::NotFound(_) => ApiError::not_found(e.to_string()),
        EditError::Exists(_) => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
        EditError::Unsupported { .. } => {
            ApiError::new(StatusCode::CONFLICT, "not_editable", e.to_string())
        }
        EditError::Invalid(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_intent",
            e.to_string(),
        ),
    }
}

/// Checks the etag, makes the change, writes it and puts the bot in force.
async fn edit(
    state: &AppState,
    etag: &str,
    make: impl FnOnce(&KbFiles) -> Result<Change, EditError>,
) -> ApiResult<Json<KbDocument>> {
    let dir = kb_dir(state)?;
    let _one_at_a_time = EDITS.lock().await;
    let files = read(&dir)?;
    if files.etag() != etag {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "changed_on_disk",
            "the knowledge base files changed since you opened them; reload to see the changes, then edit again",
        ));
    }
    let change = make(&files).map_err(edit_error)?;
    change.write().map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_writable",
                format!(
                    "{} cannot be written by Parley ({e}); edit the files by hand or make the folder writable",
                    change.file.display()
                ),
            )
        } else {
            ApiError::internal(format!("writing {}: {e}", change.file.display()))
        }
    })?;
    crate::bot::reload(state, &dir)
        .await
        .map_err(|e| ApiError::internal(format!("the saved knowledge base did not load: {e}")))?;
    Ok(Json(document(state, &read(&dir)?)))
}

/// Adds an intent, written to the folder's `settings.toml` (admins only).
/// The whole knowledge base is checked with it; on any problem nothing is
/// written and the answer (422 `invalid_intent`) names each, with file and line.
#[utoipa::path(post, path = "/admin/kb/intents", tag = "bot", request_body = IntentChange,
    responses((status = 200, body = KbDocument), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_intent(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<IntentChange>, JsonRejection>,
) -> ApiResult<Json<KbDocument>> {
    agent.require(Role::Admin)?;
    let Json(body) = body?;
    edit(&state, &body.etag, |f| f.upsert(None, &body.intent)).await
}

/// Changes (or renames) an intent where its file has it, keeping the file's
/// comments and layout (admins only).
#[utoipa::path(put, path = "/admin/kb/intents/{name}", tag = "bot", request_body = IntentChange,
    params(("name" = String, Path, description = "The intent's current name")),
    responses((status = 200, body = KbDocument), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_intent(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(name): Path<String>,
    body: Result<Json<IntentChange>, JsonRejection>,
) -> ApiResult<Json<KbDocument>> {
    agent.require(Role::Admin)?;
    let Json(body) = body?;
    edit(&state, &body.etag, |f| f.upsert(Some(&name), &body.intent)).await
}

/// Removes an intent from its file (admins only); refused (422) while another
/// intent follows it or a button leads to it.
#[utoipa::path(delete, path = "/admin/kb/intents/{name}", tag = "bot", params(("name" = String, Path), EtagQuery),
    responses((status = 200, body = KbDocument), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_intent(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(name): Path<String>,
    q: Result<Query<EtagQuery>, QueryRejection>,
) -> ApiResult<Json<KbDocument>> {
    agent.require(Role::Admin)?;
    let Query(q) = q?;
    edit(&state, &q.etag, |f| f.delete(&name)).await
}

#[derive(Deserialize, ToSchema)]
pub struct KbTryRequest {
    /// A customer's first message.
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct KbTryResult {
    /// `answer`, `clarify`, `handoff`, `slot`, `action`…
    pub outcome: String,
    pub intent: Option<String>,
    pub confidence: Option<f32>,
    /// The best candidates with their confidence.
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<(String, f32)>,
    /// The explanation the timeline would show.
    pub why: String,
    /// What the customer would be sent.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<BotMessage>,
    /// Why it would go to a person, when it would.
    pub handoff: Option<String>,
    /// The action it would run (its HTTP call is not made here).
    pub action: Option<String>,
    /// The thresholds in force: answer at or above, clarify at or above.
    pub answer_threshold: f32,
    pub clarify_threshold: f32,
}

/// Runs a sample first message through the bot in force, without sending
/// anything or calling an action's system (admins only). Sentiment and a
/// configured LLM are not consulted: this is the knowledge base's answer.
#[utoipa::path(post, path = "/admin/kb/try", tag = "bot", request_body = KbTryRequest,
    responses((status = 200, body = KbTryResult), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn try_kb(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<KbTryRequest>, JsonRejection>,
) -> ApiResult<Json<KbTryResult>> {
    agent.require(Role::Admin)?;
    let Json(body) = body?;
    if body.text.trim().is_empty() {
        return Err(ApiError::bad_request("type a sample message"));
    }
    let bot = state.bot.get().ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "not_configured",
            "no knowledge base is loaded",
        )
    })?;
    let mut vars = HashMap::new();
    vars.insert("customer_name".to_string(), "Alex".to_string());
    // Matching costs milliseconds with the built-in matcher, more with the
    // embedding model: off the runtime either way.
    let text = body.text;
    let turn = tokio::task::spawn_blocking(move || {
        let turn = bot.turn(
            &Session::default(),
            Input::Text(&text),
            &Signals::default(),
            &vars,
        );
        // A slot question belongs to the action of the intent it answers.
        let intent_action = turn
            .analysis
            .intent
            .as_deref()
            .and_then(|i| bot.kb().intent(i))
            .and_then(|i| i.action.clone());
        (
            turn,
            bot.settings().answer_threshold,
            bot.settings().clarify_threshold,
            intent_action,
        )
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let (turn, answer_threshold, clarify_threshold, intent_action) = turn;
    let (messages, handoff, action) = match turn.step {
        Step::Reply(m) | Step::Resolve(m) => (m, None, intent_action),
        Step::Handoff { messages, reason } => (messages, Some(reason.as_str().to_string()), None),
        Step::Call(call) => (call.before, None, Some(call.action)),
    };
    let a = turn.analysis;
    Ok(Json(KbTryResult {
        outcome: a.outcome,
        intent: a.intent,
        confidence: a.confidence,
        candidates: a.candidates,
        why: a.why,
        messages,
        handoff,
        action,
        answer_threshold,
        clarify_threshold,
    }))
}
