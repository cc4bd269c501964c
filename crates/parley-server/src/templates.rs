//! WhatsApp message templates: synced from the business account at Meta (at
//! start-up, every `template_sync_interval`, and on an admin's request),
//! listed for the reply box, and turned into a send once the agent has filled
//! the parameters. Meta refuses a template that is not approved or is filled
//! wrongly only after the reply was queued, so both are checked here first,
//! against the stored copy.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use parley_store::{TemplateRow, TemplateSyncReport, WaTemplate};
use parley_whatsapp::templates::{RenderedTemplate, values_from_json};
use parley_whatsapp::{MessageTemplate, OutboundContent};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;
use utoipa::ToSchema;

/// How the last sync went, for `GET /templates`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SyncStatus {
    /// A business account id is configured, so templates are synced (and checked).
    pub configured: bool,
    /// When the last successful sync finished.
    pub last_synced_at: Option<i64>,
    /// When a sync was last tried (successful or not).
    pub last_attempt_at: Option<i64>,
    /// Why the last attempt failed; `null` once a sync succeeds.
    pub last_error: Option<String>,
    /// What the last successful sync changed.
    pub last_report: Option<TemplateSyncReport>,
    /// Templates in Meta's answer that could not be read (left out).
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncResult {
    #[serde(flatten)]
    pub report: TemplateSyncReport,
    pub pages: usize,
    pub total: usize,
    pub skipped: Vec<String>,
}

pub fn configured(state: &AppState) -> bool {
    !state.config.whatsapp.waba_id.trim().is_empty()
}

/// Fetches every template from Meta and replaces the stored set. Concurrent
/// calls queue: two syncs never interleave their writes.
pub async fn sync(state: &AppState) -> ApiResult<SyncResult> {
    if !configured(state) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_configured",
            "no WhatsApp Business Account id is configured (PARLEY_WHATSAPP_WABA_ID), so there are no templates to sync",
        ));
    }
    let mut status = state.template_sync.lock().await;
    status.last_attempt_at = Some(state.now());
    let listing = match state
        .graph
        .list_templates(state.config.whatsapp.waba_id.trim())
        .await
    {
        Ok(l) => l,
        Err(e) => {
            status.last_error = Some(e.to_string());
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "graph_error",
                format!("Meta did not list the templates: {e}"),
            ));
        }
    };
    let rows: Vec<TemplateRow> = listing
        .templates
        .iter()
        .map(|t| TemplateRow {
            meta_id: t.id.clone(),
            name: t.name.clone(),
            language: t.language.clone(),
            status: t.status.to_ascii_uppercase(),
            category: t.category.clone(),
            parameter_format: t.parameter_format.clone(),
            components: Value::Array(t.components.clone()),
            status_reason: t.rejected_reason.clone().filter(|r| r != "NONE"),
        })
        .collect();
    let report = match state.store.sync_templates(&rows, state.now()).await {
        Ok(r) => r,
        Err(e) => {
            status.last_error = Some(format!("storing the templates failed: {e}"));
            return Err(e.into());
        }
    };
    status.last_synced_at = Some(state.now());
    status.last_error = None;
    status.last_report = Some(report.clone());
    status.skipped = listing.skipped.clone();
    drop(status);
    if !listing.skipped.is_empty() {
        tracing::warn!(skipped = ?listing.skipped, "some templates Meta listed could not be read");
    }
    tracing::info!(
        added = report.added,
        updated = report.updated,
        removed = report.removed,
        pages = listing.pages,
        "templates synced"
    );
    state
        .bus
        .publish("templates.updated", json!({ "report": report }));
    Ok(SyncResult {
        report,
        pages: listing.pages,
        total: rows.len(),
        skipped: listing.skipped,
    })
}

/// Syncs at start-up, then every `interval`; a failed sync is tried again a
/// minute later rather than a whole interval.
pub async fn run_sync(state: AppState, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let never = tokio::sync::Notify::new();
    loop {
        let wait = match sync(&state).await {
            Ok(_) => interval,
            Err(e) => {
                tracing::warn!(error = %e.message, "template sync failed");
                interval.min(Duration::from_secs(60))
            }
        };
        if !crate::idle(&never, wait, &mut shutdown).await || *shutdown.borrow() {
            break;
        }
    }
}

/// The stored row in the channel's model, to read its parameters.
pub fn as_message_template(t: &WaTemplate) -> MessageTemplate {
    MessageTemplate {
        id: t.meta_id.clone(),
        name: t.name.clone(),
        language: t.language.clone(),
        status: t.status.clone(),
        category: t.category.clone(),
        parameter_format: t.parameter_format.clone(),
        components: t.components.as_array().cloned().unwrap_or_default(),
        rejected_reason: t.status_reason.clone(),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_template",
        message,
    )
}

/// A template reply ready for the outbox: the content, the text the timeline
/// shows (the body as the customer reads it) and the content shown.
pub struct PreparedTemplate {
    pub content: OutboundContent,
    pub text: Option<String>,
    pub shown: Value,
}

/// Checks a template reply against the stored template and builds its
/// components from `parameters` (or checks the `components` given).
pub async fn prepare(
    state: &AppState,
    name: String,
    language: String,
    parameters: Option<Map<String, Value>>,
    components: Option<Value>,
) -> ApiResult<PreparedTemplate> {
    if parameters.is_some() && components.is_some() {
        return Err(ApiError::bad_request(
            "send a template's parameters or its components, not both",
        ));
    }
    let Some(stored) = state.store.get_template(&name, &language).await? else {
        if !configured(state) && parameters.is_none() {
            // Without a business account there is nothing to check against:
            // Meta is the judge, as before templates were synced.
            let shown = json!({ "name": name, "language": language, "components": components });
            return Ok(PreparedTemplate {
                text: Some(format!("Template: {name}")),
                content: OutboundContent::Template {
                    name,
                    language,
                    components: components.unwrap_or(Value::Null),
                },
                shown,
            });
        }
        return Err(invalid(format!(
            "there is no template {name:?} in {language} among the templates synced from Meta; \
             check the name and language, or sync again (POST /api/v1/templates/sync)"
        )));
    };
    if !stored.status.eq_ignore_ascii_case("APPROVED") {
        let why = stored
            .status_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(invalid(format!(
            "template {name} ({language}) is {}{why} at Meta; only approved templates can be sent",
            stored.status
        )));
    }
    let template = as_message_template(&stored);
    let (components, values) = match (parameters, components) {
        (None, Some(c)) => {
            template
                .check_send(&c)
                .map_err(|e| invalid(format!("template {name}: {}", e.details)))?;
            (c, BTreeMap::new())
        }
        (p, _) => {
            let values = values_from_json(&p.unwrap_or_default()).map_err(invalid)?;
            let c = template
                .build_components(&values)
                .map_err(|e| invalid(format!("template {name}: {e}")))?;
            (c, values)
        }
    };
    let rendered: RenderedTemplate = template.render(&values);
    let shown = json!({
        "name": name, "language": language, "category": stored.category,
        "components": components, "parameters": values, "rendered": rendered,
    });
    Ok(PreparedTemplate {
        text: Some(rendered.body.clone()).filter(|b| !b.is_empty()),
        content: OutboundContent::Template {
            name,
            language,
            components,
        },
        shown,
    })
}
