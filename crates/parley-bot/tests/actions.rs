//! An action's HTTP call against a local stand-in for the business's system:
//! every outcome becomes a `CallResult`, nothing hangs or panics.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use parley_bot::actions::ActionClient;
use parley_bot::dialog::{Call, CallResult};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn system() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = Router::new()
        .route(
            "/ok",
            get(|| async { axum::Json(json!({"status": "shipped"})) }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/html", get(|| async { "<html>not json</html>" }))
        .route("/empty", post(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        )
        .route(
            "/echo",
            post(
                move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                    let s = s.clone();
                    async move {
                        let key = headers
                            .get("idempotency-key")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let auth = headers
                            .get("x-api-key")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        s.lock().unwrap().push((key.clone(), body.clone()));
                        axum::Json(json!({"got": body, "key": key, "auth": auth}))
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn call(method: &str, url: String, body: Option<Value>) -> Call {
    Call {
        action: "test".into(),
        options_for: None,
        method: method.into(),
        url,
        body,
        headers: vec![("X-Api-Key".into(), "k1".into())],
        before: Vec::new(),
    }
}

#[tokio::test]
async fn every_outcome_is_classified() {
    let (base, seen) = system().await;
    let client = ActionClient::new(Duration::from_millis(400));
    assert_eq!(
        client
            .perform(&call("GET", format!("{base}/ok"), None), "k")
            .await,
        CallResult::Ok(json!({"status": "shipped"}))
    );
    assert_eq!(
        client
            .perform(&call("GET", format!("{base}/missing"), None), "k")
            .await,
        CallResult::NotFound
    );
    assert_eq!(
        client
            .perform(&call("GET", format!("{base}/broken"), None), "k")
            .await,
        CallResult::Failed("HTTP 500".into())
    );
    let CallResult::Failed(e) = client
        .perform(&call("GET", format!("{base}/html"), None), "k")
        .await
    else {
        panic!("HTML is not JSON");
    };
    assert!(e.starts_with("reply is not JSON"), "{e}");
    assert_eq!(
        client
            .perform(&call("POST", format!("{base}/empty"), Some(json!({}))), "k")
            .await,
        CallResult::Ok(Value::Null)
    );
    let started = std::time::Instant::now();
    assert_eq!(
        client
            .perform(&call("GET", format!("{base}/slow"), None), "k")
            .await,
        CallResult::Failed("timed out".into())
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // Nothing listens on port 9 of localhost.
    assert_eq!(
        client
            .perform(&call("GET", "http://127.0.0.1:9/x".into(), None), "k")
            .await,
        CallResult::Failed("could not connect".into())
    );
    // The body, the idempotency key and the configured headers arrive.
    let r = client
        .perform(
            &call(
                "POST",
                format!("{base}/echo"),
                Some(json!({"order": "10042"})),
            ),
            "parley-7-0",
        )
        .await;
    assert_eq!(
        r,
        CallResult::Ok(json!({"got": {"order": "10042"}, "key": "parley-7-0", "auth": "k1"}))
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}
