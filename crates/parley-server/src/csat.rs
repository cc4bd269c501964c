//! CSAT surveys on the server side: the messages (built here, where
//! WhatsApp's wire format is known, and handed to the store as drafts), the
//! scheduler's step that sends surveys whose delay is over, and the
//! `csat.received` event. The rules themselves live in the store, in the
//! transactions that act on them (see `parley_store`'s csat module).

use crate::AppState;
use crate::ingest::{publish_message, publish_ticket};
use crate::outbox::OutboxPayload;
use parley_core::sla::HumanDuration;
use parley_store::{CsatReply, CsatReplyKind, CsatSettings, ReplyDraft};
use parley_whatsapp::{ListRow, ListSection, OutboundContent, OutboundMessage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa::ToSchema;

/// Where Settings → CSAT keeps what an admin saved.
pub const SETTING_KEY: &str = "csat";

/// How surveys are sent. Filled from `[csat]` in the config file and
/// `--csat-delay`; the defaults suit most desks.
#[derive(Debug, Clone, PartialEq)]
pub struct CsatConfig {
    pub enabled: bool,
    /// From resolution to the survey (default 10 minutes: time to check the fix).
    pub delay_ms: i64,
    /// A contact surveyed this recently is not surveyed again (default 24 h).
    pub resurvey_after_ms: i64,
    /// How long after the follow-up question a text counts as the comment
    /// (default 24 h, the customer-service window).
    pub comment_window_ms: i64,
    /// The list message's body.
    pub question: String,
    /// The button that opens the list (at most 20 characters).
    pub button: String,
    /// Words for ratings 1 to 5; each row reads "⭐⭐⭐ Okay" (at most 24 characters).
    pub labels: [String; 5],
    /// Asked after a rating of 1-3.
    pub follow_up: String,
    /// Sent once, after the rating (4-5) or the comment.
    pub thanks: String,
}

impl Default for CsatConfig {
    fn default() -> Self {
        CsatConfig {
            enabled: true,
            delay_ms: 10 * 60_000,
            resurvey_after_ms: 24 * 3_600_000,
            comment_window_ms: 24 * 3_600_000,
            question: "How would you rate your support experience?".into(),
            button: "Rate us".into(),
            labels: ["Very poor", "Poor", "Okay", "Good", "Excellent"].map(String::from),
            follow_up: "We're sorry to hear that. Could you tell us how we can improve?".into(),
            thanks: "Thank you for your feedback!".into(),
        }
    }
}

impl CsatConfig {
    /// The survey list: one section, ratings 5 down to 1, each row's id
    /// `csat:<survey>:<rating>` so the answer names its survey.
    pub fn survey_content(&self, survey_id: i64) -> OutboundContent {
        OutboundContent::List {
            body: self.question.clone(),
            header: None,
            footer: None,
            button: self.button.clone(),
            sections: vec![ListSection {
                title: None,
                rows: (1..=5)
                    .rev()
                    .map(|n| ListRow {
                        id: format!("csat:{survey_id}:{n}"),
                        title: format!("{} {}", "⭐".repeat(n), self.labels[n - 1]),
                        description: None,
                    })
                    .collect(),
            }],
        }
    }

    /// Checks every text against Meta's limits, so a mistake stops the start
    /// instead of failing each survey.
    pub fn validate(&self) -> Result<(), String> {
        let check = |what: &str, content: OutboundContent| {
            OutboundMessage {
                to: "0".into(),
                content,
                reply_to: None,
            }
            .validate()
            .map_err(|e| format!("csat {what}: {e}"))
        };
        check("survey", self.survey_content(i64::MAX))?;
        check("follow_up", text(&self.follow_up))?;
        check("thanks", text(&self.thanks))?;
        for (name, ms) in [
            ("delay", self.delay_ms),
            ("resurvey_after", self.resurvey_after_ms),
            ("comment_window", self.comment_window_ms),
        ] {
            if ms < 0 {
                return Err(format!("csat {name} cannot be negative"));
            }
        }
        Ok(())
    }

    /// What the store needs: the rules' numbers and the drafts to queue.
    pub fn store_settings(&self) -> CsatSettings {
        let cfg = self.clone();
        CsatSettings {
            enabled: self.enabled,
            delay_ms: self.delay_ms,
            resurvey_after_ms: self.resurvey_after_ms,
            comment_window_ms: self.comment_window_ms,
            survey: Some(Arc::new(move |id| survey_draft(&cfg, id))),
            follow_up: Some(text_draft(&self.follow_up, "follow_up")),
            thanks: Some(text_draft(&self.thanks, "thanks")),
        }
    }
}

/// The survey settings in the config file's `[csat]` shape (durations as
/// `"10m"`), as the admin API reads and writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsatDocument {
    pub enabled: bool,
    #[schema(value_type = String, example = "10m")]
    pub delay: HumanDuration,
    #[schema(value_type = String, example = "24h")]
    pub resurvey_after: HumanDuration,
    #[schema(value_type = String, example = "24h")]
    pub comment_window: HumanDuration,
    pub question: String,
    pub button: String,
    pub labels: [String; 5],
    pub follow_up: String,
    pub thanks: String,
}

impl From<&CsatConfig> for CsatDocument {
    fn from(c: &CsatConfig) -> Self {
        CsatDocument {
            enabled: c.enabled,
            delay: HumanDuration::from_ms(c.delay_ms),
            resurvey_after: HumanDuration::from_ms(c.resurvey_after_ms),
            comment_window: HumanDuration::from_ms(c.comment_window_ms),
            question: c.question.clone(),
            button: c.button.clone(),
            labels: c.labels.clone(),
            follow_up: c.follow_up.clone(),
            thanks: c.thanks.clone(),
        }
    }
}

impl CsatDocument {
    /// The settings it describes, checked against Meta's limits.
    pub fn to_config(&self) -> Result<CsatConfig, String> {
        let trim = |s: &str| s.trim().to_string();
        let cfg = CsatConfig {
            enabled: self.enabled,
            delay_ms: self.delay.as_ms(),
            resurvey_after_ms: self.resurvey_after.as_ms(),
            comment_window_ms: self.comment_window.as_ms(),
            question: trim(&self.question),
            button: trim(&self.button),
            labels: self.labels.clone().map(|l| trim(&l)),
            follow_up: trim(&self.follow_up),
            thanks: trim(&self.thanks),
        };
        for (what, text) in [
            ("question", &cfg.question),
            ("button", &cfg.button),
            ("follow_up", &cfg.follow_up),
            ("thanks", &cfg.thanks),
        ] {
            if text.is_empty() {
                return Err(format!("csat {what} cannot be empty"));
            }
        }
        if let Some(i) = cfg.labels.iter().position(|l| l.is_empty()) {
            return Err(format!(
                "csat labels[{i}] (rating {}) cannot be empty",
                i + 1
            ));
        }
        cfg.validate()?;
        Ok(cfg)
    }
}

/// The survey settings in force and where they came from.
#[derive(Debug, Clone)]
pub struct CsatInForce {
    pub config: CsatConfig,
    /// `file` (the config file's `[csat]` or a `--csat-*` flag: read-only on
    /// the screen), `database` (saved on the screen) or `default`.
    pub source: &'static str,
    pub updated_at: Option<i64>,
    pub updated_by: Option<i64>,
}

/// Puts survey settings in force: the store's rules use them from the next
/// resolution on, and surveys already scheduled go out with the new texts.
pub fn put_in_force(state: &AppState, now: CsatInForce) {
    state.store.set_csat_settings(now.config.store_settings());
    *state.csat.write().unwrap_or_else(|e| e.into_inner()) = now;
}

pub fn in_force(state: &AppState) -> CsatInForce {
    state.csat.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// At start-up: the file's settings if it has any, else what was saved on
/// the screen, else the defaults.
pub async fn load_initial(state: &AppState) -> anyhow::Result<()> {
    if state.config.csat_from_file {
        return Ok(());
    }
    let Some(stored) = state.store.get_setting(SETTING_KEY).await? else {
        return Ok(());
    };
    match serde_json::from_str::<CsatDocument>(&stored.value)
        .map_err(|e| e.to_string())
        .and_then(|d| d.to_config())
    {
        Ok(config) => put_in_force(
            state,
            CsatInForce {
                config,
                source: "database",
                updated_at: Some(stored.updated_at),
                updated_by: stored.updated_by,
            },
        ),
        // Only another version of Parley could have stored it: run on the
        // defaults rather than not at all, and say so.
        Err(e) => {
            tracing::error!(error = %e, "the stored CSAT settings are not valid; using the defaults")
        }
    }
    Ok(())
}

fn text(body: &str) -> OutboundContent {
    OutboundContent::Text {
        body: body.to_string(),
        preview_url: false,
    }
}

fn payload(content: OutboundContent) -> Value {
    serde_json::to_value(OutboxPayload {
        content,
        reply_to: None,
        local_media: None,
    })
    .unwrap_or_default()
}

fn survey_draft(cfg: &CsatConfig, survey_id: i64) -> ReplyDraft {
    let content = cfg.survey_content(survey_id);
    // What the inbox shows: the interactive object as sent, marked as the survey.
    let mut shown = OutboundMessage {
        to: "0".into(),
        content: content.clone(),
        reply_to: None,
    }
    .to_json()
    .get("interactive")
    .cloned()
    .unwrap_or_else(|| json!({}));
    shown["csat"] = json!({"survey_id": survey_id, "step": "survey"});
    ReplyDraft {
        kind: content.type_name().to_string(),
        text: Some(cfg.question.clone()),
        content: shown,
        payload: payload(content),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

fn text_draft(body: &str, step: &str) -> ReplyDraft {
    ReplyDraft {
        kind: "text".into(),
        text: Some(body.to_string()),
        content: json!({"csat": {"step": step}}),
        payload: payload(text(body)),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

/// The scheduler's step: sends (or skips, with the reason) the surveys
/// whose delay is over. Returns true when a full batch went, so the
/// scheduler comes straight back.
pub async fn fire_due(state: &AppState, limit: i64) -> bool {
    let sent = match state.store.fire_due_csat(state.now(), limit).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "sending CSAT surveys failed; retrying");
            return false;
        }
    };
    if sent.is_empty() {
        return false;
    }
    let mut queued = false;
    for s in &sent {
        match (s.skipped, s.message_id) {
            (Some(reason), _) => {
                ::metrics::counter!("parley_csat_skipped_total", "reason" => reason).increment(1);
                tracing::debug!(ticket = s.ticket_id, reason, "CSAT survey skipped");
            }
            (None, Some(message_id)) => {
                ::metrics::counter!("parley_csat_sent_total").increment(1);
                queued = true;
                publish_message(state, message_id, "message.created").await;
                publish_ticket(state, s.ticket_id, "ticket.updated").await;
            }
            (None, None) => {}
        }
    }
    if queued {
        state.outbox_wake.notify_one();
    }
    sent.len() as i64 >= limit
}

/// After the ingest transaction recorded a survey reply: the inbox hears of
/// it (`csat.received`, for the agent it counts for), and the follow-up or
/// thanks it queued goes out.
pub(crate) async fn received(state: &AppState, reply: &CsatReply) {
    if reply.kind != CsatReplyKind::Ignored {
        ::metrics::counter!("parley_csat_responses_total", "kind" => match reply.kind {
            CsatReplyKind::Rating => "rating",
            _ => "comment",
        })
        .increment(1);
    }
    if !reply.replies.is_empty() {
        state.outbox_wake.notify_one();
        for id in &reply.replies {
            publish_message(state, *id, "message.created").await;
        }
    }
    if reply.kind == CsatReplyKind::Ignored {
        return;
    }
    let survey = match state.store.csat_survey(reply.survey_id).await {
        Ok(s) => serde_json::to_value(s).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(survey = reply.survey_id, error = %e, "could not load the survey for its event");
            Value::Null
        }
    };
    state.bus.publish(
        "csat.received",
        json!({
            "ticket_id": reply.ticket_id,
            "survey_id": reply.survey_id,
            "kind": reply.kind,
            "rating": reply.rating,
            "comment": reply.comment,
            "agent_id": reply.agent_id,
            "team_id": reply.team_id,
            "survey": survey,
            "notify_agent_ids": reply.agent_id.into_iter().collect::<Vec<_>>(),
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_survey_is_valid_under_metas_limits() {
        let cfg = CsatConfig::default();
        cfg.validate().unwrap();
        let msg = OutboundMessage {
            to: "15550001".into(),
            content: cfg.survey_content(12),
            reply_to: None,
        };
        let body = msg.to_json();
        let rows = body["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0]["id"], "csat:12:5");
        assert_eq!(rows[0]["title"], "⭐⭐⭐⭐⭐ Excellent");
        assert_eq!(rows[4]["id"], "csat:12:1");
        assert_eq!(body["interactive"]["type"], "list");
    }

    #[test]
    fn texts_past_metas_limits_are_refused() {
        let mut cfg = CsatConfig {
            button: "Tell us how we did, please".into(),
            ..Default::default()
        };
        assert!(cfg.validate().unwrap_err().contains("button"));
        cfg.button = "Rate".into();
        cfg.labels[4] = "Absolutely marvellous".into();
        assert!(cfg.validate().is_err(), "a row title over 24 characters");
        cfg.labels[4] = "Excellent".into();
        cfg.question = "x".repeat(1025);
        assert!(cfg.validate().is_err());
    }
}
