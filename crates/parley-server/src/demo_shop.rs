//! The demo's stand-in for a shop's own systems: orders, returns and fitting
//! appointments, so the example knowledge base's actions work end to end
//! without any outside service. Mounted under `/demo/shop` by `parley demo`
//! (and started on its own by tests).
//!
//! Orders 10000–10999 exist (their status follows the number); 99999 answers
//! 503 and 99998 never answers in time, to show how the bot copes.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const STATUSES: [(&str, &str); 4] = [
    (
        "processing",
        "We're packing it now; it ships within 1 working day.",
    ),
    (
        "shipped",
        "It's on its way with DHL and should arrive in 2-3 working days.",
    ),
    ("out for delivery", "The courier has it today."),
    ("delivered", "It was delivered to your address."),
];
const STORES: [&str; 3] = ["Berlin Mitte", "Hamburg St. Georg", "Munich Altstadt"];
const DAY_MS: i64 = 86_400_000;

#[derive(Default)]
struct Shop {
    /// Idempotency key → the reply given, so a retried call changes nothing.
    replies: HashMap<String, (StatusCode, Value)>,
    booked: HashSet<String>,
    returns: u32,
    bookings: u32,
}

/// Shared so a test can look at what the bot did.
#[derive(Clone, Default)]
pub struct ShopState {
    inner: Arc<Mutex<Shop>>,
    /// Requests received, as (method, path, body), for tests.
    pub log: Arc<Mutex<Vec<(String, String, Value)>>>,
    /// A fixed "now" for the appointment slots (tests); the wall clock otherwise.
    pub now_ms: Option<i64>,
}

impl ShopState {
    fn record(&self, method: &str, path: String, body: Value) {
        self.log
            .lock()
            .expect("shop log")
            .push((method.into(), path, body));
    }
}

/// The shop's routes, rooted at `/demo/shop`.
pub fn router<S: Clone + Send + Sync + 'static>(state: ShopState) -> Router<S> {
    Router::new()
        .route("/demo/shop/orders/{number}", get(order))
        .route("/demo/shop/returns", post(create_return))
        .route("/demo/shop/appointments/slots", get(slots))
        .route("/demo/shop/appointments", post(book))
        .with_state(state)
}

fn order_number(s: &str) -> Option<u32> {
    s.trim_start_matches('#').parse().ok()
}

async fn order(
    State(shop): State<ShopState>,
    Path(number): Path<String>,
) -> (StatusCode, Json<Value>) {
    shop.record("GET", format!("/demo/shop/orders/{number}"), Value::Null);
    match order_number(&number) {
        Some(99_999) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "order system down for maintenance"})),
        ),
        Some(99_998) => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (StatusCode::GATEWAY_TIMEOUT, Json(json!({})))
        }
        Some(n @ 10_000..=10_999) => {
            let (status, detail) = STATUSES[(n % 4) as usize];
            (
                StatusCode::OK,
                Json(json!({
                    "order": n.to_string(),
                    "status": status,
                    "detail": detail,
                    "tracking_url": format!("https://track.example/NW{n}"),
                })),
            )
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such order"})),
        ),
    }
}

#[derive(Deserialize)]
struct ReturnRequest {
    order: String,
    reason: String,
}

async fn create_return(
    State(shop): State<ShopState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    shop.record("POST", "/demo/shop/returns".into(), body.clone());
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut s = shop.inner.lock().expect("shop");
    if let Some(k) = &key
        && let Some((code, v)) = s.replies.get(k)
    {
        return (*code, Json(v.clone()));
    }
    let reply = match serde_json::from_value::<ReturnRequest>(body) {
        Err(e) => (StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
        Ok(r) if r.reason.trim().is_empty() => (
            StatusCode::BAD_REQUEST,
            json!({"error": "a reason is required"}),
        ),
        Ok(r) => match order_number(&r.order) {
            Some(n @ 10_000..=10_999) => {
                s.returns += 1;
                let id = format!("R-{n}-{}", s.returns);
                (
                    StatusCode::CREATED,
                    json!({"return_id": id, "label_url": format!("https://returns.example/label/{id}.pdf")}),
                )
            }
            _ => (StatusCode::NOT_FOUND, json!({"error": "no such order"})),
        },
    };
    if let Some(k) = key {
        s.replies.insert(k, reply.clone());
    }
    (reply.0, Json(reply.1))
}

/// The next free fitting slots: four a day, the next three days.
fn free_slots(s: &Shop, now: i64) -> Vec<Value> {
    let today = now.div_euclid(DAY_MS) * DAY_MS;
    let mut out = Vec::new();
    for day in 1..=3 {
        for (i, hour) in [10, 12, 15, 17].iter().enumerate() {
            let at = today + day * DAY_MS + hour * 3_600_000;
            let id = at.to_string();
            if s.booked.contains(&id) {
                continue;
            }
            let label = jiff::Timestamp::from_millisecond(at)
                .map(|t| t.strftime("%a %-d %b, %H:%M").to_string())
                .unwrap_or_else(|_| id.clone());
            out.push(json!({"id": id, "label": label, "store": STORES[i % STORES.len()]}));
        }
    }
    out.truncate(8);
    out
}

fn now_ms(shop: &ShopState) -> i64 {
    shop.now_ms.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    })
}

async fn slots(State(shop): State<ShopState>) -> Json<Value> {
    shop.record("GET", "/demo/shop/appointments/slots".into(), Value::Null);
    let s = shop.inner.lock().expect("shop");
    Json(json!({"slots": free_slots(&s, now_ms(&shop))}))
}

async fn book(
    State(shop): State<ShopState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    shop.record("POST", "/demo/shop/appointments".into(), body.clone());
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let now = now_ms(&shop);
    let mut s = shop.inner.lock().expect("shop");
    if let Some(k) = &key
        && let Some((code, v)) = s.replies.get(k)
    {
        return (*code, Json(v.clone()));
    }
    let slot_id = body.get("slot_id").and_then(Value::as_str).unwrap_or("");
    let offered = free_slots(&s, now);
    let reply = match offered.iter().find(|o| o["id"] == slot_id) {
        Some(slot) => {
            s.booked.insert(slot_id.to_string());
            s.bookings += 1;
            (
                StatusCode::CREATED,
                json!({
                    "booking_id": format!("F-{}", 500 + s.bookings),
                    "label": slot["label"],
                    "store": slot["store"],
                }),
            )
        }
        None => (
            StatusCode::CONFLICT,
            json!({"error": "that time is no longer free"}),
        ),
    };
    if let Some(k) = key {
        s.replies.insert(k, reply.clone());
    }
    (reply.0, Json(reply.1))
}
