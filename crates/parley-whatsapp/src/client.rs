//! Async Graph API client: send, mark-read, media info / download / upload, templates.
//!
//! Errors are classified by Meta's error `code` (titles and HTTP statuses are informational
//! and being deprecated), so the outbox can decide between retrying, backing off, asking for
//! new credentials, or failing the message for good.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::send::{OutboundMessage, ValidationError};
use crate::templates::{MessageTemplate, TemplatePage};

/// Template pages are asked for this many at a time (Meta may send fewer).
const TEMPLATE_PAGE_LIMIT: u32 = 100;
/// A sync stops here rather than follow a cursor that never ends.
const TEMPLATE_MAX_PAGES: usize = 200;
/// Attempts per page when Meta answers with a retryable error.
const TEMPLATE_PAGE_ATTEMPTS: u32 = 3;

/// Connection settings for the Graph API.
#[derive(Clone)]
pub struct GraphConfig {
    /// e.g. `https://graph.facebook.com` (no trailing slash needed).
    pub api_base: String,
    /// e.g. `v24.0`.
    pub api_version: String,
    pub access_token: String,
    pub phone_number_id: String,
    /// Whole-request timeout.
    pub timeout: Duration,
}

impl GraphConfig {
    /// Production defaults (`https://graph.facebook.com`, `v24.0`, 30 s timeout).
    pub fn new(access_token: impl Into<String>, phone_number_id: impl Into<String>) -> Self {
        Self {
            api_base: "https://graph.facebook.com".into(),
            api_version: "v24.0".into(),
            access_token: access_token.into(),
            phone_number_id: phone_number_id.into(),
            timeout: Duration::from_secs(30),
        }
    }
}

// The token must never reach logs, so Debug is written by hand.
impl fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConfig")
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .field("access_token", &"<redacted>")
            .field("phone_number_id", &self.phone_number_id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How the caller should react to a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Transient (server error, timeout, maintenance): retry with backoff.
    Retryable,
    /// Rate limited (throughput, pair, app or WABA limits): back off, then retry.
    Throttled,
    /// Token invalid or expired: fix credentials before retrying.
    Auth,
    /// Will fail again (policy, 24-hour window, bad recipient, bad request).
    Permanent,
    /// Rejected by our own validation before sending.
    Invalid,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::Throttled => "throttled",
            ErrorClass::Auth => "auth",
            ErrorClass::Permanent => "permanent",
            ErrorClass::Invalid => "invalid",
        }
    }
}

/// Codes whose meaning we know; anything else falls back to the HTTP status.
fn known_code(code: i64) -> bool {
    matches!(
        code,
        0 | 1
            | 2
            | 3
            | 4
            | 10
            | 33
            | 100
            | 190
            | 200..=299
            | 368
            | 80007
            | 130429
            | 130472
            | 130497
            | 131000
            | 131005
            | 131008
            | 131009
            | 131016
            | 131021
            | 131026
            | 131030
            | 131031
            | 131042
            | 131045
            | 131047
            | 131048
            | 131049
            | 131050
            | 131051
            | 131052
            | 131053
            | 131056
            | 131057
            | 131062
            | 132000..=132999
            | 133016
    )
}

/// Classifies a Graph API error code (contract §6.4). Unknown codes are `Permanent`; the
/// client upgrades unknown codes on 5xx responses to `Retryable`.
pub fn classify(code: i64) -> ErrorClass {
    match code {
        130429 | 131056 | 4 | 80007 | 131048 => ErrorClass::Throttled,
        2 | 1 | 131000 | 131016 | 131057 => ErrorClass::Retryable,
        0 | 190 => ErrorClass::Auth,
        _ => ErrorClass::Permanent,
    }
}

/// A failed Graph API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} error{}: {message}{}", class.as_str(), code.map(|c| format!(" {c}")).unwrap_or_default(), details.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
pub struct GraphError {
    pub class: ErrorClass,
    pub code: Option<i64>,
    pub http_status: Option<u16>,
    pub message: String,
    /// `error_data.details`.
    pub details: Option<String>,
    pub fbtrace_id: Option<String>,
}

impl GraphError {
    pub fn is_retryable(&self) -> bool {
        matches!(self.class, ErrorClass::Retryable | ErrorClass::Throttled)
    }

    fn transport(e: &reqwest::Error) -> Self {
        // The token travels only in the Authorization header, never in the URL, so reqwest's
        // message (which may include the URL) is safe to surface.
        let message = if e.is_timeout() {
            format!("request timed out: {}", e)
        } else {
            format!("transport error: {}", e)
        };
        Self {
            class: ErrorClass::Retryable,
            code: None,
            http_status: e.status().map(|s| s.as_u16()),
            message,
            details: None,
            fbtrace_id: None,
        }
    }

    fn unexpected(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Permanent,
            code: None,
            http_status: Some(status.as_u16()),
            message: message.into(),
            details: None,
            fbtrace_id: None,
        }
    }

    /// Builds an error from an HTTP status and response body (Meta's `{"error": {...}}`
    /// envelope when present). `error_data` may be absent or a non-object.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let env: Option<Value> = serde_json::from_slice(body).ok();
        let err = env
            .as_ref()
            .and_then(|v| v.get("error"))
            .filter(|e| e.is_object());
        let code = err.and_then(|e| e.get("code")).and_then(|c| {
            c.as_i64()
                .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
        });
        let message = err
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(body);
                let snippet: String = text.chars().take(200).collect();
                if snippet.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {snippet}")
                }
            });
        let details = err.and_then(|e| e.get("error_data")).and_then(|d| match d {
            Value::Object(_) => d.get("details").and_then(Value::as_str).map(String::from),
            Value::String(s) => Some(s.clone()),
            _ => None,
        });
        let fbtrace_id = err
            .and_then(|e| e.get("fbtrace_id"))
            .and_then(Value::as_str)
            .map(String::from);
        let class = match code {
            Some(c) if known_code(c) => classify(c),
            // Unknown code or no envelope: the HTTP status is the best signal we have.
            _ if status >= 500 => ErrorClass::Retryable,
            _ if status == 429 => ErrorClass::Throttled,
            _ if status == 401 => ErrorClass::Auth,
            Some(c) => classify(c),
            None => ErrorClass::Permanent,
        };
        Self {
            class,
            code,
            http_status: Some(status),
            message,
            details,
            fbtrace_id,
        }
    }
}

impl From<ValidationError> for GraphError {
    fn from(e: ValidationError) -> Self {
        Self {
            class: ErrorClass::Invalid,
            code: Some(e.code),
            http_status: None,
            message: e.to_string(),
            details: None,
            fbtrace_id: None,
        }
    }
}

/// Result of an accepted send. Acceptance is not delivery; watch status webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResponse {
    pub message_id: String,
    /// The resolved WhatsApp id (may differ from `to`; empty for BSUID sends → `None`).
    pub wa_id: Option<String>,
}

/// `GET /{media-id}` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Short-lived (5 min) download URL; needs the Bearer token.
    pub url: String,
    pub mime_type: String,
    /// Hex SHA-256 (webhooks carry base64 instead).
    pub sha256: Option<String>,
    pub file_size: Option<u64>,
    pub id: String,
}

/// Graph API client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct GraphClient {
    cfg: Arc<GraphConfig>,
    http: reqwest::Client,
}

impl GraphClient {
    /// Builds a client with its own connection pool and the configured timeout.
    pub fn new(cfg: GraphConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .user_agent(concat!("parley/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("reqwest client with rustls must build");
        Self::with_http_client(cfg, http)
    }

    /// Uses an existing reqwest client (its timeout settings apply as configured there).
    pub fn with_http_client(cfg: GraphConfig, http: reqwest::Client) -> Self {
        Self {
            cfg: Arc::new(cfg),
            http,
        }
    }

    pub fn config(&self) -> &GraphConfig {
        &self.cfg
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.cfg.api_base.trim_end_matches('/'),
            self.cfg.api_version.trim_matches('/'),
            path.trim_start_matches('/')
        )
    }

    fn messages_url(&self) -> String {
        self.url(&format!("{}/messages", self.cfg.phone_number_id))
    }

    async fn execute(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Bytes), GraphError> {
        let resp = req
            .bearer_auth(&self.cfg.access_token)
            .send()
            .await
            .map_err(|e| GraphError::transport(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| GraphError::transport(&e))?;
        if !status.is_success() {
            let err = GraphError::from_response(status.as_u16(), &body);
            tracing::debug!(status = status.as_u16(), code = ?err.code, class = err.class.as_str(), "graph api error");
            return Err(err);
        }
        Ok((status, body))
    }

    async fn json(&self, req: reqwest::RequestBuilder) -> Result<Value, GraphError> {
        let (status, body) = self.execute(req).await?;
        serde_json::from_slice(&body)
            .map_err(|e| GraphError::unexpected(status, format!("invalid JSON in response: {e}")))
    }

    /// Validates, then sends a message.
    pub async fn send(&self, msg: &OutboundMessage) -> Result<SendResponse, GraphError> {
        msg.validate()?;
        let body = msg.to_json();
        tracing::debug!(kind = msg.content.type_name(), "sending whatsapp message");
        let v = self
            .json(self.http.post(self.messages_url()).json(&body))
            .await?;
        let message_id = v
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                // The message may have been accepted, so this must not be retried blindly.
                GraphError::unexpected(StatusCode::OK, "send response has no messages[0].id")
            })?
            .to_string();
        let wa_id = v
            .pointer("/contacts/0/wa_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from);
        Ok(SendResponse { message_id, wa_id })
    }

    /// Marks an inbound message (and earlier ones in the thread) as read.
    pub async fn mark_read(&self, wamid: &str) -> Result<(), GraphError> {
        let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid});
        let v = self
            .json(self.http.post(self.messages_url()).json(&body))
            .await?;
        if v.get("success").and_then(Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(GraphError::unexpected(
                StatusCode::OK,
                format!("mark_read did not report success: {v}"),
            ))
        }
    }

    /// `GET /{media-id}`: a fresh download URL and metadata.
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        let v = self
            .json(self.http.get(format!(
                "{}?phone_number_id={}",
                self.url(media_id),
                self.cfg.phone_number_id
            )))
            .await?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        let url = s("url")
            .ok_or_else(|| GraphError::unexpected(StatusCode::OK, "media response has no url"))?;
        Ok(MediaInfo {
            url,
            mime_type: s("mime_type").unwrap_or_else(|| "application/octet-stream".into()),
            sha256: s("sha256"),
            file_size: v.get("file_size").and_then(|f| {
                f.as_u64()
                    .or_else(|| f.as_str().and_then(|s| s.trim().parse().ok()))
            }),
            id: s("id").unwrap_or_else(|| media_id.to_string()),
        })
    }

    /// Downloads a media URL (requires the Bearer token, which this adds).
    pub async fn download(&self, url: &str) -> Result<Bytes, GraphError> {
        let (_, body) = self.execute(self.http.get(url)).await?;
        Ok(body)
    }

    /// Looks up and downloads a media id. Retries once with a fresh URL on 404 because media
    /// URLs expire after five minutes.
    pub async fn download_media(&self, media_id: &str) -> Result<(MediaInfo, Bytes), GraphError> {
        let info = self.media_info(media_id).await?;
        match self.download(&info.url).await {
            Ok(b) => Ok((info, b)),
            Err(e) if e.http_status == Some(404) => {
                let info = self.media_info(media_id).await?;
                let b = self.download(&info.url).await?;
                Ok((info, b))
            }
            Err(e) => Err(e),
        }
    }

    /// Uploads media for sending; returns the media id.
    pub async fn upload_media(
        &self,
        bytes: Bytes,
        mime: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::stream(bytes)
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|e| GraphError {
                class: ErrorClass::Invalid,
                code: None,
                http_status: None,
                message: format!("invalid MIME type {mime:?}: {e}"),
                details: None,
                fbtrace_id: None,
            })?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_string())
            .part("file", part);
        let url = self.url(&format!("{}/media", self.cfg.phone_number_id));
        let v = self.json(self.http.post(url).multipart(form)).await?;
        v.get("id")
            .and_then(|i| {
                i.as_str()
                    .map(String::from)
                    .or_else(|| i.as_u64().map(|n| n.to_string()))
            })
            .ok_or_else(|| GraphError::unexpected(StatusCode::OK, "upload response has no id"))
    }
}

/// Every template of a WhatsApp Business Account, with what was odd about the listing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplateListing {
    pub templates: Vec<MessageTemplate>,
    /// Entries that did not read as a template (kept out of the list, with the reason).
    pub skipped: Vec<String>,
    pub pages: usize,
}

impl GraphClient {
    /// `GET /{waba-id}/message_templates`, following every page. A page that fails with a
    /// retryable or throttling error is tried again with a short backoff; any other error ends
    /// the listing, so a partial list is never mistaken for the whole set.
    pub async fn list_templates(&self, waba_id: &str) -> Result<TemplateListing, GraphError> {
        let first = format!(
            "{}?limit={TEMPLATE_PAGE_LIMIT}&fields=id,name,language,status,category,parameter_format,components,rejected_reason",
            self.url(&format!("{waba_id}/message_templates"))
        );
        let base = self.cfg.api_base.trim_end_matches('/').to_string();
        let mut url = first.clone();
        let mut out = TemplateListing::default();
        loop {
            let v = self.get_with_retry(&url).await?;
            let page = TemplatePage::from_json(&v).map_err(|e| {
                GraphError::unexpected(StatusCode::OK, format!("message_templates: {e}"))
            })?;
            out.pages += 1;
            out.templates.extend(page.templates);
            out.skipped.extend(page.skipped);
            if out.pages >= TEMPLATE_MAX_PAGES {
                return Err(GraphError::unexpected(
                    StatusCode::OK,
                    format!("message_templates: more than {TEMPLATE_MAX_PAGES} pages"),
                ));
            }
            url = match (page.next, page.after) {
                // The bearer token goes with every request, so `next` is followed only while
                // it points at the configured Graph API host.
                (Some(next), _) if next.starts_with(&format!("{base}/")) => next,
                (Some(_), Some(after)) => format!("{first}&after={after}"),
                _ => break,
            };
        }
        Ok(out)
    }

    async fn get_with_retry(&self, url: &str) -> Result<Value, GraphError> {
        let mut attempt = 1;
        loop {
            match self.json(self.http.get(url)).await {
                Err(e) if e.is_retryable() && attempt < TEMPLATE_PAGE_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "retrying a message_templates page");
                    tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        for c in [130429, 131056, 4, 80007] {
            assert_eq!(classify(c), ErrorClass::Throttled, "{c}");
        }
        for c in [2, 1, 131000, 131016, 131057] {
            assert_eq!(classify(c), ErrorClass::Retryable, "{c}");
        }
        for c in [0, 190] {
            assert_eq!(classify(c), ErrorClass::Auth, "{c}");
        }
        for c in [
            131047, 131026, 131049, 131050, 130472, 100, 131008, 131009, 131051, 131052, 131053,
            132000, 132001, 132015, 368, 131031, 130497, 10, 200, 250, 299,
        ] {
            assert_eq!(classify(c), ErrorClass::Permanent, "{c}");
        }
    }

    #[test]
    fn envelope_full() {
        let body = br#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,
          "error_data":{"messaging_product":"whatsapp","details":"too many"},
          "error_subcode":2494055,"fbtrace_id":"Az8or2"}}"#;
        let e = GraphError::from_response(400, body);
        assert_eq!(e.class, ErrorClass::Throttled);
        assert!(e.is_retryable());
        assert_eq!(e.code, Some(130429));
        assert_eq!(e.http_status, Some(400));
        assert_eq!(e.message, "(#130429) Rate limit hit");
        assert_eq!(e.details.as_deref(), Some("too many"));
        assert_eq!(e.fbtrace_id.as_deref(), Some("Az8or2"));
    }

    #[test]
    fn envelope_without_error_data_or_with_string_data() {
        let e = GraphError::from_response(400, br#"{"error":{"message":"m","code":131047}}"#);
        assert_eq!((e.class, e.details), (ErrorClass::Permanent, None));
        assert!(!GraphError::from_response(400, br#"{"error":{"code":131047}}"#).is_retryable());
        let e = GraphError::from_response(
            400,
            br#"{"error":{"message":"m","code":100,"error_data":"flat"}}"#,
        );
        assert_eq!(e.details.as_deref(), Some("flat"));
        let e = GraphError::from_response(
            401,
            br#"{"error":{"message":"expired","code":190,"error_subcode":463}}"#,
        );
        assert_eq!(e.class, ErrorClass::Auth);
    }

    #[test]
    fn status_fallbacks() {
        // 5xx with an unknown code is transient; with a known permanent code it is not.
        assert_eq!(
            GraphError::from_response(503, br#"{"error":{"code":999999}}"#).class,
            ErrorClass::Retryable
        );
        assert_eq!(
            GraphError::from_response(500, br#"{"error":{"code":131047}}"#).class,
            ErrorClass::Permanent
        );
        assert_eq!(
            GraphError::from_response(502, b"<html>bad gateway</html>").class,
            ErrorClass::Retryable
        );
        assert_eq!(
            GraphError::from_response(429, b"").class,
            ErrorClass::Throttled
        );
        let e = GraphError::from_response(404, b"not found");
        assert_eq!(e.class, ErrorClass::Permanent);
        assert!(e.message.contains("404"));
    }

    #[test]
    fn validation_errors_are_invalid_and_not_retryable() {
        let e: GraphError = OutboundMessage::text("", "x")
            .validate()
            .unwrap_err()
            .into();
        assert_eq!(e.class, ErrorClass::Invalid);
        assert!(!e.is_retryable());
    }

    #[test]
    fn debug_redacts_token() {
        let cfg = GraphConfig::new("SECRET-TOKEN", "123");
        assert!(!format!("{cfg:?}").contains("SECRET-TOKEN"));
        let client = GraphClient::new(cfg);
        assert!(!format!("{client:?}").contains("SECRET-TOKEN"));
        assert_eq!(client.url("/x"), "https://graph.facebook.com/v24.0/x");
    }
}
