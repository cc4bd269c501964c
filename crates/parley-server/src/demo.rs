//! `parley demo`'s customer-phone simulator: a public page where a person
//! plays customers. Each message they send becomes a Meta-shaped webhook,
//! signed with the app secret and posted to Parley's real webhook endpoint,
//! so the demo exercises exactly the production path. Replies are read back
//! from the fake Graph API that stands in for Meta.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use parley_whatsapp::fake::FakeState;
use parley_whatsapp::simulate;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct DemoConfig {
    pub fake: FakeState,
    /// Parley's own webhook URL.
    pub webhook_url: String,
    pub display_phone_number: String,
    inner: Arc<Mutex<DemoState>>,
}

#[derive(Default)]
struct DemoState {
    customers: Vec<(String, String)>,
    /// What each customer sent: (wa_id, item).
    sent: Vec<(String, Value)>,
    /// When each business message was first seen, for ordering.
    seen: HashMap<String, i64>,
}

impl std::fmt::Debug for DemoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoConfig")
            .field("webhook_url", &self.webhook_url)
            .finish()
    }
}

impl DemoConfig {
    pub fn new(fake: FakeState, webhook_url: String, display_phone_number: String) -> DemoConfig {
        let state = DemoState {
            customers: vec![
                ("15550100".into(), "Ana López".into()),
                ("15550101".into(), "Bo Chen".into()),
            ],
            ..Default::default()
        };
        DemoConfig {
            fake,
            webhook_url,
            display_phone_number,
            inner: Arc::new(Mutex::new(state)),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/demo/phone",
            get(|| async { Redirect::temporary("/demo/phone.html") }),
        )
        .route("/demo/api/customers", get(customers).post(add_customer))
        .route("/demo/api/send", post(send))
        .route("/demo/api/conversation", get(conversation))
        .route(
            "/demo/{file}",
            get(|Path(file): Path<String>| async move { crate::web::demo_asset(&file) }),
        )
}

fn demo(state: &AppState) -> ApiResult<&DemoConfig> {
    state
        .config
        .demo
        .as_ref()
        .ok_or_else(|| ApiError::not_found("the demo is not running"))
}

async fn customers(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let d = demo(&state)?;
    let items: Vec<Value> = d
        .inner
        .lock()
        .expect("demo lock")
        .customers
        .iter()
        .map(|(wa_id, name)| json!({"wa_id": wa_id, "name": name}))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
struct NewCustomer {
    wa_id: String,
    name: String,
}

async fn add_customer(
    State(state): State<AppState>,
    Json(c): Json<NewCustomer>,
) -> ApiResult<Json<Value>> {
    let d = demo(&state)?;
    let wa_id: String = c.wa_id.chars().filter(char::is_ascii_digit).collect();
    if wa_id.len() < 5 {
        return Err(ApiError::bad_request(
            "a phone number needs at least 5 digits",
        ));
    }
    let mut inner = d.inner.lock().expect("demo lock");
    if !inner.customers.iter().any(|(w, _)| *w == wa_id) {
        inner.customers.push((wa_id.clone(), c.name.clone()));
    }
    Ok(Json(json!({"wa_id": wa_id, "name": c.name})))
}

#[derive(Deserialize)]
struct SendRequest {
    wa_id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    image_base64: Option<String>,
    mime_type: Option<String>,
    caption: Option<String>,
    reply_id: Option<String>,
    reply_title: Option<String>,
    context_wamid: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    location_name: Option<String>,
}

async fn send(
    State(state): State<AppState>,
    Json(req): Json<SendRequest>,
) -> ApiResult<Json<Value>> {
    let d = demo(&state)?;
    let pnid = state.config.whatsapp.phone_number_id.clone();
    let display = d.display_phone_number.clone();
    let wamid = simulate::new_wamid();
    let ts = state.now() / 1000;
    let (who, name) = (req.wa_id.as_str(), req.name.as_str());
    let ctx = req.context_wamid.clone().unwrap_or_default();
    let payload = match req.kind.as_str() {
        "text" => simulate::text(
            &pnid,
            &display,
            who,
            name,
            &wamid,
            req.text.as_deref().unwrap_or(""),
            ts,
        ),
        "image" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(
                    req.image_base64
                        .as_deref()
                        .unwrap_or("")
                        .split(',')
                        .next_back()
                        .unwrap_or(""),
                )
                .map_err(|e| ApiError::bad_request(format!("image_base64: {e}")))?;
            let mime = req.mime_type.clone().unwrap_or_else(|| "image/jpeg".into());
            let media_id = d.fake.add_media(bytes, &mime);
            simulate::image(
                &pnid,
                &display,
                who,
                name,
                &wamid,
                &media_id,
                &mime,
                req.caption.as_deref(),
                ts,
            )
        }
        "button_reply" => simulate::button_reply(
            &pnid,
            &display,
            who,
            name,
            &wamid,
            req.reply_id.as_deref().unwrap_or(""),
            req.reply_title.as_deref().unwrap_or(""),
            &ctx,
            ts,
        ),
        "list_reply" => simulate::list_reply(
            &pnid,
            &display,
            who,
            name,
            &wamid,
            req.reply_id.as_deref().unwrap_or(""),
            req.reply_title.as_deref().unwrap_or(""),
            None,
            &ctx,
            ts,
        ),
        "location" => simulate::location(
            &pnid,
            &display,
            who,
            name,
            &wamid,
            req.latitude.unwrap_or(0.0),
            req.longitude.unwrap_or(0.0),
            req.location_name.as_deref(),
            None,
            ts,
        ),
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown message type {other:?}"
            )));
        }
    };
    let body = serde_json::to_vec(&payload).map_err(|e| ApiError::internal(e.to_string()))?;
    let resp = simulate::post_signed(
        &reqwest::Client::new(),
        &d.webhook_url,
        state.config.whatsapp.app_secret.as_bytes(),
        &body,
    )
    .await
    .map_err(|e| ApiError::internal(format!("posting the webhook failed: {e}")))?;
    if !resp.status().is_success() {
        return Err(ApiError::internal(format!(
            "Parley answered the webhook with {}",
            resp.status()
        )));
    }
    let text = req
        .text
        .or(req.caption)
        .or(req.reply_title)
        .or(req.location_name);
    d.inner.lock().expect("demo lock").sent.push((
        req.wa_id.clone(),
        json!({"direction": "in", "wamid": wamid, "type": req.kind, "text": text, "body": payload, "status": null, "at": state.now()}),
    ));
    Ok(Json(json!({ "wamid": wamid })))
}

#[derive(Deserialize)]
struct ConversationQuery {
    wa_id: String,
}

async fn conversation(
    State(state): State<AppState>,
    Query(q): Query<ConversationQuery>,
) -> ApiResult<Response> {
    let d = demo(&state)?;
    // The best status the fake reported for each business message.
    let mut statuses: HashMap<String, (u8, String)> = HashMap::new();
    for delivery in d.fake.webhook_deliveries() {
        for st in delivery
            .body
            .pointer("/entry/0/changes/0/value/statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(id), Some(s)) = (st["id"].as_str(), st["status"].as_str()) else {
                continue;
            };
            let rank = match s {
                "sent" => 1,
                "delivered" => 2,
                "read" => 3,
                "failed" => 4,
                _ => 0,
            };
            let e = statuses.entry(id.to_string()).or_insert((0, String::new()));
            if rank > e.0 {
                *e = (rank, s.to_string());
            }
        }
    }
    let now = state.now();
    let mut inner = d.inner.lock().expect("demo lock");
    let mut items: Vec<Value> = inner
        .sent
        .iter()
        .filter(|(w, _)| *w == q.wa_id)
        .map(|(_, v)| v.clone())
        .collect();
    for body in d.fake.sent_messages() {
        let to: String = body["to"]
            .as_str()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if to != q.wa_id {
            continue;
        }
        let wamid = body["wamid"].as_str().unwrap_or("").to_string();
        let at = *inner.seen.entry(wamid.clone()).or_insert(now);
        let kind = body["type"].as_str().unwrap_or("text").to_string();
        let text = body
            .pointer("/text/body")
            .or(body.pointer("/interactive/body/text"))
            .or(body.pointer(&format!("/{kind}/caption")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                body.pointer("/template/name")
                    .and_then(Value::as_str)
                    .map(|n| format!("Template: {n}"))
            });
        items.push(json!({
            "direction": "out", "wamid": wamid, "type": kind, "text": text, "body": body,
            "status": statuses.get(&wamid).map(|(_, s)| s.clone()), "at": at,
        }));
    }
    items.sort_by_key(|v| v["at"].as_i64().unwrap_or(0));
    Ok(Json(json!({ "items": items })).into_response())
}
