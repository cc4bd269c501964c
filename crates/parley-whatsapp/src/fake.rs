//! A fake Graph API served over real HTTP, for the server's tests and `parley demo`.
//!
//! It validates send bodies the way Meta does (reusing [`OutboundMessage::from_json`] and
//! [`OutboundMessage::validate`]), answers with Meta's envelopes, records every request,
//! enforces a messages-per-second limit, lets tests inject failures, serves media, lists the
//! business account's message templates (paged, like Meta) and refuses template sends that do
//! not match them, and POSTs signed `sent` → `delivered` → `read` status webhooks back to the
//! application.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::send::{OutboundContent, OutboundMessage};
use crate::simulate;
use crate::templates::{self, MessageTemplate};
use crate::webhook::ErrorDetail;

/// Settings for [`FakeGraph::start`].
#[derive(Clone, Debug)]
pub struct FakeGraphConfig {
    /// Bearer token clients must present.
    pub access_token: String,
    /// The only phone number id this fake serves.
    pub phone_number_id: String,
    /// Shown in `metadata.display_phone_number` of status webhooks.
    pub display_phone_number: String,
    /// Key for `X-Hub-Signature-256` on status webhooks.
    pub app_secret: String,
    /// Where status webhooks go (changeable with [`FakeState::set_webhook_url`]).
    pub webhook_url: Option<String>,
    /// Pause before each status webhook.
    pub status_delay: Duration,
    /// Send sent/delivered/read webhooks for accepted messages.
    pub auto_statuses: bool,
    /// Listen address; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Accepted messages per second per phone number before answering 130429 (0 = no limit).
    pub rate_limit_per_sec: u32,
    /// How long [`Failure::Timeout`] stalls; keep it above the client's timeout.
    pub timeout_delay: Duration,
    /// How long every message send takes to answer, like the real Graph API's
    /// round trip (zero by default).
    pub response_delay: Duration,
    /// The WhatsApp Business Account whose `message_templates` this fake lists.
    pub waba_id: String,
    /// The account's templates (changeable with [`FakeState::set_templates`]).
    pub templates: Vec<MessageTemplate>,
    /// Most templates per page, whatever `limit` asks for (Meta caps pages too).
    pub template_page_size: usize,
}

impl Default for FakeGraphConfig {
    fn default() -> Self {
        Self {
            access_token: "fake-access-token".into(),
            phone_number_id: "106540352242922".into(),
            display_phone_number: "15550783881".into(),
            app_secret: "fake-app-secret".into(),
            webhook_url: None,
            status_delay: Duration::from_millis(50),
            auto_statuses: true,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            rate_limit_per_sec: 80,
            timeout_delay: Duration::from_secs(10),
            response_delay: Duration::ZERO,
            waba_id: "102290129340398".into(),
            templates: templates::sample_templates(),
            template_page_size: 5,
        }
    }
}

/// An injected failure for the next message send(s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 500, code 131000.
    ServerError,
    /// HTTP 400, code 130429, subcode 2494055.
    RateLimit,
    /// HTTP 400, code 131047 (24-hour window closed), synchronously.
    ReEngagement,
    /// HTTP 400, code 131026.
    Undeliverable,
    /// HTTP 200 with a wamid, then a `failed` status webhook with 131047 instead of
    /// sent/delivered/read — the asynchronous path seen in real captures.
    AsyncReEngagement,
    /// Stall for `timeout_delay`, then answer 500 (the client should have given up).
    Timeout,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// JSON body, a multipart summary, `{"raw": "<text>"}` for non-JSON, or `null`.
    pub body: Value,
    pub at: SystemTime,
}

/// One status webhook the fake attempted to deliver.
#[derive(Clone, Debug)]
pub struct WebhookDelivery {
    pub url: String,
    pub body: Value,
    /// HTTP status from the receiver, if it answered.
    pub response_status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
struct StoredMedia {
    bytes: Bytes,
    mime: String,
}

#[derive(Default)]
struct Mutable {
    requests: Vec<RecordedRequest>,
    sent: Vec<Value>,
    media: HashMap<String, StoredMedia>,
    fail_queue: VecDeque<Failure>,
    always: Option<Failure>,
    webhook_url: Option<String>,
    /// Accept times within the last second, for the throughput limit.
    window: VecDeque<Instant>,
    deliveries: Vec<WebhookDelivery>,
    templates: Vec<MessageTemplate>,
}

struct Inner {
    cfg: FakeGraphConfig,
    base_url: String,
    http: reqwest::Client,
    m: Mutex<Mutable>,
}

/// Shared state of a fake; clones share everything.
#[derive(Clone)]
pub struct FakeState {
    inner: Arc<Inner>,
}

impl FakeState {
    /// State for a fake reachable at `base_url` (used to build media download URLs).
    pub fn new(cfg: FakeGraphConfig, base_url: impl Into<String>) -> Self {
        let m = Mutable {
            webhook_url: cfg.webhook_url.clone(),
            templates: cfg.templates.clone(),
            ..Default::default()
        };
        Self {
            inner: Arc::new(Inner {
                cfg,
                base_url: base_url.into().trim_end_matches('/').to_string(),
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .expect("reqwest client with rustls must build"),
                m: Mutex::new(m),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Mutable> {
        // A panicking test thread must not wedge every later assertion.
        self.inner.m.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> &FakeGraphConfig {
        &self.inner.cfg
    }

    /// e.g. `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Accepted message bodies, each with an added top-level `"wamid"` (the id we returned).
    pub fn sent_messages(&self) -> Vec<Value> {
        self.lock().sent.clone()
    }

    /// Status webhooks attempted so far.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.lock().deliveries.clone()
    }

    /// Forgets recorded requests, sent messages, deliveries and pending failures (media stays).
    pub fn clear(&self) {
        let mut m = self.lock();
        m.requests.clear();
        m.sent.clear();
        m.deliveries.clear();
        m.fail_queue.clear();
        m.window.clear();
    }

    /// Stores media and returns its id, as if a user had sent it.
    pub fn add_media(&self, bytes: impl Into<Bytes>, mime: &str) -> String {
        let id = new_media_id();
        self.lock().media.insert(
            id.clone(),
            StoredMedia {
                bytes: bytes.into(),
                mime: mime.to_string(),
            },
        );
        id
    }

    /// Bytes and MIME type of a stored media id.
    pub fn media(&self, media_id: &str) -> Option<(Bytes, String)> {
        self.lock()
            .media
            .get(media_id)
            .map(|m| (m.bytes.clone(), m.mime.clone()))
    }

    /// Fails the next `n` message sends with `failure` (queued after earlier injections).
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut m = self.lock();
        m.fail_queue.extend(std::iter::repeat_n(failure, n));
    }

    /// Fails every send with `failure` until cleared with `None` (an outage).
    pub fn set_always(&self, failure: Option<Failure>) {
        self.lock().always = failure;
    }

    pub fn set_webhook_url(&self, url: Option<String>) {
        self.lock().webhook_url = url;
    }

    /// The business account's templates as this fake lists them.
    pub fn templates(&self) -> Vec<MessageTemplate> {
        self.lock().templates.clone()
    }

    /// Replaces the business account's templates (as if edited in WhatsApp Manager).
    pub fn set_templates(&self, templates: Vec<MessageTemplate>) {
        self.lock().templates = templates;
    }

    /// Changes one template's status; false if there is no such template.
    pub fn set_template_status(&self, name: &str, language: &str, status: &str) -> bool {
        let mut m = self.lock();
        match m
            .templates
            .iter_mut()
            .find(|t| t.name == name && t.language == language)
        {
            Some(t) => {
                t.status = status.to_string();
                true
            }
            None => false,
        }
    }

    fn record(&self, method: &Method, path: &str, body: Value) {
        self.lock().requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.to_string(),
            body,
            at: SystemTime::now(),
        });
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let expected = format!("Bearer {}", self.inner.cfg.access_token);
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected)
    }
}

/// A running fake Graph API. Derefs to [`FakeState`] for inspection and control.
#[derive(Clone)]
pub struct FakeGraph {
    state: FakeState,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl FakeGraph {
    /// Binds and serves in the background on the current Tokio runtime.
    pub fn start(cfg: FakeGraphConfig) -> io::Result<FakeGraph> {
        let handle = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
        let _guard = handle.enter();
        let std_listener = std::net::TcpListener::bind(cfg.bind)?;
        std_listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let state = FakeState::new(cfg, format!("http://{addr}"));
        let app = router(state.clone());
        let (tx, mut rx) = watch::channel(false);
        handle.spawn(async move {
            let stop = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!(error = %e, "fake graph server stopped");
            }
        });
        tracing::info!(%addr, "fake Graph API listening");
        Ok(FakeGraph {
            state,
            addr,
            shutdown: tx,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> FakeState {
        self.state.clone()
    }

    /// A [`crate::client::GraphConfig`] pointing at this fake.
    pub fn graph_config(&self) -> crate::client::GraphConfig {
        crate::client::GraphConfig {
            api_base: self.base_url(),
            api_version: "v24.0".into(),
            access_token: self.inner.cfg.access_token.clone(),
            phone_number_id: self.inner.cfg.phone_number_id.clone(),
            timeout: Duration::from_secs(5),
        }
    }

    /// Stops accepting connections.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Deref for FakeGraph {
    type Target = FakeState;
    fn deref(&self) -> &FakeState {
        &self.state
    }
}

/// The fake's routes, mountable in another router.
pub fn router(state: FakeState) -> Router {
    Router::new()
        .route("/media-download/{media_id}", get(download))
        .route("/{version}/{phone_number_id}/messages", post(messages))
        .route("/{version}/{phone_number_id}/media", post(upload))
        .route(
            "/{version}/{phone_number_id}/message_templates",
            get(list_templates),
        )
        .route("/{version}/{media_id}", get(media_info))
        .fallback(fallback)
        // Meta accepts documents up to 100 MB.
        .layer(DefaultBodyLimit::max(110 * 1024 * 1024))
        .with_state(state)
}

// ---- responses ---------------------------------------------------------------------------

fn fbtrace_id() -> String {
    let mut rng = rand::rng();
    (0..23)
        .map(|_| {
            let c = rng.random_range(0..62u8);
            (match c {
                0..=9 => b'0' + c,
                10..=35 => b'a' + c - 10,
                _ => b'A' + c - 36,
            }) as char
        })
        .collect()
}

fn new_media_id() -> String {
    let n: u64 = rand::rng().random_range(1_000_000_000_000_000..10_000_000_000_000_000);
    n.to_string()
}

fn meta_error(
    status: StatusCode,
    code: i64,
    subcode: Option<i64>,
    title: &str,
    details: &str,
) -> Response {
    let mut err = json!({
        "message": format!("(#{code}) {title}"),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": fbtrace_id(),
    });
    if let Some(s) = subcode {
        err["error_subcode"] = json!(s);
    }
    (status, axum::Json(json!({ "error": err }))).into_response()
}

fn unauthorized() -> Response {
    let body = json!({"error": {
        "message": "Invalid OAuth access token - Cannot parse access token",
        "type": "OAuthException",
        "code": 190,
        "fbtrace_id": fbtrace_id(),
    }});
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn unknown_object(id: &str, verb: &str) -> Response {
    meta_error(
        StatusCode::BAD_REQUEST,
        100,
        Some(33),
        &format!(
            "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
        ),
        "Invalid parameter",
    )
}

fn failure_response(f: &Failure) -> Response {
    match f {
        Failure::ServerError | Failure::Timeout => meta_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            131000,
            None,
            "Something went wrong",
            "Message failed to send due to an unknown error.",
        ),
        Failure::RateLimit => rate_limited(),
        Failure::ReEngagement => meta_error(
            StatusCode::BAD_REQUEST,
            131047,
            None,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
        Failure::Undeliverable => meta_error(
            StatusCode::BAD_REQUEST,
            131026,
            None,
            "Message Undeliverable",
            "Message failed to send because the recipient is not a WhatsApp user or cannot receive messages.",
        ),
        Failure::AsyncReEngagement => unreachable!("handled as an accepted send"),
    }
}

fn rate_limited() -> Response {
    meta_error(
        StatusCode::BAD_REQUEST,
        130429,
        Some(2494055),
        "Rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number in a short period of time",
    )
}

fn path_of(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.0.path().to_string())
}

/// Meta answers with the normalised WhatsApp id: digits only for phone numbers, BSUIDs as-is.
fn normalise_recipient(to: &str) -> String {
    let digits: String = to
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
        .collect();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        digits
    } else {
        to.to_string()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// ---- handlers ----------------------------------------------------------------------------

async fn messages(
    State(state): State<FakeState>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let recorded = match &parsed {
        Ok(v) => v.clone(),
        Err(_) => json!({ "raw": String::from_utf8_lossy(&body) }),
    };
    state.record(&Method::POST, &path_of(&uri), recorded);
    if !state.inner.cfg.response_delay.is_zero() {
        tokio::time::sleep(state.inner.cfg.response_delay).await;
    }

    if !state.authorized(&headers) {
        return unauthorized();
    }
    if phone_number_id != state.inner.cfg.phone_number_id {
        return unknown_object(&phone_number_id, "post");
    }
    let v = match parsed {
        Ok(v) => v,
        Err(e) => {
            return meta_error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "Invalid parameter",
                &format!("Request body is not valid JSON: {e}"),
            );
        }
    };

    // Mark-as-read / typing indicator share the endpoint but are not messages.
    if v.get("status").is_some() {
        return mark_read(&v);
    }

    let msg = match OutboundMessage::from_json(&v).and_then(|m| {
        if let Some(m) = &m {
            m.validate()?;
        }
        Ok(m)
    }) {
        Ok(m) => m,
        Err(e) => {
            let title = match e.code {
                131008 => "Required parameter is missing",
                131009 => "Parameter value is not valid",
                _ => "Invalid parameter",
            };
            return meta_error(StatusCode::BAD_REQUEST, e.code, None, title, &e.to_string());
        }
    };

    if let Some(OutboundContent::Template {
        name,
        language,
        components,
    }) = msg.as_ref().map(|m| &m.content)
        && let Some(refusal) = check_template(&state, name, language, components)
    {
        return refusal;
    }

    let failure = {
        let mut m = state.lock();
        m.fail_queue.pop_front().or_else(|| m.always.clone())
    };
    match &failure {
        Some(Failure::Timeout) => {
            tokio::time::sleep(state.inner.cfg.timeout_delay).await;
            return failure_response(&Failure::Timeout);
        }
        Some(Failure::AsyncReEngagement) | None => {}
        Some(f) => return failure_response(f),
    }

    let to = v["to"].as_str().unwrap_or_default().to_string();
    let wamid = simulate::new_wamid();
    {
        let mut m = state.lock();
        let limit = state.inner.cfg.rate_limit_per_sec as usize;
        if limit > 0 {
            let now = Instant::now();
            while m
                .window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                m.window.pop_front();
            }
            if m.window.len() >= limit {
                drop(m);
                return rate_limited();
            }
            m.window.push_back(now);
        }
        let mut stored = v.clone();
        stored["wamid"] = json!(wamid);
        m.sent.push(stored);
    }

    let recipient = normalise_recipient(&to);
    let is_reaction = matches!(
        msg.as_ref().map(|m| &m.content),
        Some(OutboundContent::Reaction { .. })
    );
    let is_template = matches!(
        msg.as_ref().map(|m| &m.content),
        Some(OutboundContent::Template { .. })
    );
    if failure == Some(Failure::AsyncReEngagement) {
        let err = ErrorDetail {
            code: 131047,
            title: Some("Re-engagement message".into()),
            message: Some("Re-engagement message".into()),
            details: Some("Message failed to send because more than 24 hours have passed since the customer last replied to this number.".into()),
            href: Some("https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/".into()),
        };
        spawn_statuses(
            &state,
            &wamid,
            &recipient,
            vec![("failed", Some(err))],
            false,
        );
    } else if state.inner.cfg.auto_statuses {
        // Meta reports only `sent` for reactions.
        let seq = if is_reaction {
            vec![("sent", None)]
        } else {
            vec![("sent", None), ("delivered", None), ("read", None)]
        };
        spawn_statuses(&state, &wamid, &recipient, seq, is_template);
    }

    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": recipient }],
        "messages": [{ "id": wamid }]
    }))
    .into_response()
}

/// What Meta answers for a template send that names a template the account cannot send, or
/// fills it wrongly. PENDING and REJECTED translations are not sendable, and Meta reports
/// them as not existing (132001) like a missing one; paused and disabled templates have
/// codes of their own. `None`: Meta would accept it.
fn check_template(
    state: &FakeState,
    name: &str,
    language: &str,
    components: &Value,
) -> Option<Response> {
    let found = state
        .lock()
        .templates
        .iter()
        .find(|t| t.name == name && t.language == language)
        .cloned();
    let missing = || {
        meta_error(
            StatusCode::NOT_FOUND,
            132001,
            None,
            "Template name does not exist in the translation",
            &format!("template name ({name}) does not exist in {language}"),
        )
    };
    let Some(t) = found else {
        return Some(missing());
    };
    match t.status.to_ascii_uppercase().as_str() {
        "APPROVED" => {}
        "PAUSED" => {
            return Some(meta_error(
                StatusCode::BAD_REQUEST,
                132015,
                None,
                "Template is Paused",
                &format!("template {name} is paused due to low quality"),
            ));
        }
        "DISABLED" => {
            return Some(meta_error(
                StatusCode::BAD_REQUEST,
                132016,
                None,
                "Template is Disabled",
                &format!("template {name} is disabled due to low quality"),
            ));
        }
        _ => return Some(missing()),
    }
    t.check_send(components).err().map(|e| {
        let title = if e.code == 132000 {
            "Number of parameters does not match the expected number of params"
        } else {
            "Parameter format does not match format in the created template"
        };
        meta_error(StatusCode::BAD_REQUEST, e.code, None, title, &e.details)
    })
}

#[derive(serde::Deserialize)]
struct TemplateQuery {
    limit: Option<usize>,
    after: Option<String>,
}

/// Cursors are opaque at Meta; here they carry the offset of the next page.
fn cursor(offset: usize) -> String {
    format!("QVFI{}", hex::encode(offset.to_string()))
}

fn offset_of(cursor: &str) -> Option<usize> {
    let bytes = hex::decode(cursor.strip_prefix("QVFI")?).ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

async fn list_templates(
    State(state): State<FakeState>,
    Path((version, waba_id)): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    query: Result<axum::extract::Query<TemplateQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    state.record(&Method::GET, &path_of(&uri), Value::Null);
    if !state.authorized(&headers) {
        return unauthorized();
    }
    if waba_id != state.inner.cfg.waba_id {
        return unknown_object(&waba_id, "get");
    }
    let Ok(axum::extract::Query(q)) = query else {
        return meta_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid parameter",
            "limit must be a number",
        );
    };
    let start = match q.after.as_deref().map(offset_of) {
        None => 0,
        Some(Some(o)) => o,
        Some(None) => {
            return meta_error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "Invalid parameter",
                "invalid pagination cursor",
            );
        }
    };
    let size = q
        .limit
        .unwrap_or(25)
        .clamp(1, state.inner.cfg.template_page_size.max(1));
    let all = state.templates();
    let page: Vec<&MessageTemplate> = all.iter().skip(start).take(size).collect();
    let end = start + page.len();
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(end)}});
    if end < all.len() {
        paging["next"] = json!(format!(
            "{}/{version}/{waba_id}/message_templates?limit={size}&after={}",
            state.inner.base_url,
            cursor(end)
        ));
    }
    axum::Json(json!({"data": page, "paging": paging})).into_response()
}

fn mark_read(v: &Value) -> Response {
    if v.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return meta_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid parameter",
            "messaging_product must be \"whatsapp\"",
        );
    }
    if v.get("status").and_then(Value::as_str) != Some("read") {
        return meta_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid parameter",
            "status must be \"read\"",
        );
    }
    if v.get("message_id")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return meta_error(
            StatusCode::BAD_REQUEST,
            131008,
            None,
            "Required parameter is missing",
            "message_id is required",
        );
    }
    for k in v.as_object().into_iter().flat_map(|o| o.keys()) {
        if !matches!(
            k.as_str(),
            "messaging_product" | "status" | "message_id" | "typing_indicator"
        ) {
            return meta_error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "Invalid parameter",
                &format!("unexpected parameter \"{k}\""),
            );
        }
    }
    axum::Json(json!({ "success": true })).into_response()
}

fn spawn_statuses(
    state: &FakeState,
    wamid: &str,
    recipient: &str,
    seq: Vec<(&'static str, Option<ErrorDetail>)>,
    template: bool,
) {
    let state = state.clone();
    let wamid = wamid.to_string();
    let recipient = recipient.to_string();
    tokio::spawn(async move {
        for (status, err) in seq {
            tokio::time::sleep(state.inner.cfg.status_delay).await;
            let Some(url) = state.lock().webhook_url.clone() else {
                continue;
            };
            let mut body = simulate::status(
                &state.inner.cfg.phone_number_id,
                &wamid,
                status,
                &recipient,
                unix_now(),
                err.map(|e| vec![e]),
            );
            let value = &mut body["entry"][0]["changes"][0]["value"];
            value["metadata"]["display_phone_number"] = json!(state.inner.cfg.display_phone_number);
            if status == "sent" {
                let (category, kind, billable) = if template {
                    ("utility", "regular", true)
                } else {
                    ("service", "free_customer_service", false)
                };
                let st = &mut value["statuses"][0];
                st["conversation"] = json!({
                    "id": format!("{:032x}", rand::rng().random::<u128>()),
                    "expiration_timestamp": (unix_now() + 86_400).to_string(),
                    "origin": {"type": category}
                });
                st["pricing"] = json!({
                    "billable": billable, "pricing_model": "PMP", "type": kind, "category": category
                });
            }
            let bytes = serde_json::to_vec(&body).expect("json serialises");
            let result = simulate::post_signed(
                &state.inner.http,
                &url,
                state.inner.cfg.app_secret.as_bytes(),
                &bytes,
            )
            .await;
            let (response_status, error) = match result {
                Ok(r) => (Some(r.status().as_u16()), None),
                Err(e) => {
                    tracing::debug!(error = %e, "fake graph: status webhook delivery failed");
                    (None, Some(e.to_string()))
                }
            };
            state.lock().deliveries.push(WebhookDelivery {
                url,
                body,
                response_status,
                error,
            });
        }
    });
}

async fn upload(
    State(state): State<FakeState>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let path = path_of(&uri);
    if !state.authorized(&headers) {
        state.record(&Method::POST, &path, Value::Null);
        return unauthorized();
    }
    if phone_number_id != state.inner.cfg.phone_number_id {
        state.record(&Method::POST, &path, Value::Null);
        return unknown_object(&phone_number_id, "post");
    }
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => {
            state.record(&Method::POST, &path, Value::Null);
            return meta_error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "Invalid parameter",
                &format!("expected multipart/form-data: {e}"),
            );
        }
    };
    let mut product = None;
    let mut kind = None;
    let mut file: Option<(Bytes, Option<String>, Option<String>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let filename = field.file_name().map(String::from);
                let content_type = field.content_type().map(String::from);
                let Ok(data) = field.bytes().await else {
                    break;
                };
                match name.as_str() {
                    "messaging_product" => {
                        product = Some(String::from_utf8_lossy(&data).into_owned())
                    }
                    "type" => kind = Some(String::from_utf8_lossy(&data).into_owned()),
                    "file" => file = Some((data, filename, content_type)),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => {
                state.record(&Method::POST, &path, Value::Null);
                return meta_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    None,
                    "Invalid parameter",
                    &format!("malformed multipart body: {e}"),
                );
            }
        }
    }
    state.record(
        &Method::POST,
        &path,
        json!({
            "messaging_product": product,
            "type": kind,
            "file": file.as_ref().map(|(b, name, ct)| json!({
                "filename": name, "content_type": ct, "size": b.len()
            })),
        }),
    );
    if product.as_deref() != Some("whatsapp") {
        return meta_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid parameter",
            "messaging_product must be \"whatsapp\"",
        );
    }
    let Some((bytes, _, file_ct)) = file else {
        return meta_error(
            StatusCode::BAD_REQUEST,
            131008,
            None,
            "Required parameter is missing",
            "file is required",
        );
    };
    let Some(mime) = kind.or(file_ct) else {
        return meta_error(
            StatusCode::BAD_REQUEST,
            131008,
            None,
            "Required parameter is missing",
            "type is required",
        );
    };
    let id = state.add_media(bytes, &mime);
    axum::Json(json!({ "id": id })).into_response()
}

async fn media_info(
    State(state): State<FakeState>,
    Path((_version, media_id)): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Response {
    state.record(&Method::GET, &path_of(&uri), Value::Null);
    if !state.authorized(&headers) {
        return unauthorized();
    }
    let Some((bytes, mime)) = state.media(&media_id) else {
        return unknown_object(&media_id, "get");
    };
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{}/media-download/{}", state.inner.base_url, media_id),
        "mime_type": mime,
        "sha256": hex::encode(Sha256::digest(&bytes)),
        "file_size": bytes.len(),
        "id": media_id,
    }))
    .into_response()
}

async fn download(
    State(state): State<FakeState>,
    Path(media_id): Path<String>,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Response {
    state.record(&Method::GET, &path_of(&uri), Value::Null);
    if !state.authorized(&headers) {
        return unauthorized();
    }
    let Some((bytes, mime)) = state.media(&media_id) else {
        return (StatusCode::NOT_FOUND, "media not found").into_response();
    };
    let ct = HeaderValue::from_str(&mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, ct)], bytes).into_response()
}

async fn fallback(State(state): State<FakeState>, method: Method, uri: OriginalUri) -> Response {
    state.record(&method, &path_of(&uri), Value::Null);
    meta_error(
        StatusCode::BAD_REQUEST,
        100,
        None,
        "Unknown path components",
        &format!("no such endpoint: {method} {}", uri.0.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_normalisation() {
        assert_eq!(normalise_recipient("+1 (650) 555-1234"), "16505551234");
        assert_eq!(normalise_recipient("US.1349120865"), "US.1349120865");
    }

    #[test]
    fn failure_responses_carry_documented_codes() {
        // Bodies (codes, subcodes) are checked end-to-end in tests/client_fake.rs.
        for (f, status) in [
            (Failure::ServerError, 500),
            (Failure::Timeout, 500),
            (Failure::RateLimit, 400),
            (Failure::ReEngagement, 400),
            (Failure::Undeliverable, 400),
        ] {
            assert_eq!(failure_response(&f).status().as_u16(), status, "{f:?}");
        }
    }
}
