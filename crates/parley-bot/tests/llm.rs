//! The LLM back end against a local fake OpenAI-compatible server.
//!
//! The fake server (axum) is scripted per test: each request must match the expected
//! body *exactly* (model, roles and contents of the messages, temperature, max_tokens,
//! response_format) and the expected `Authorization` header; a mismatch is answered
//! with HTTP 422 and recorded, and every test asserts there was none.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use parley_bot::llm::{
    Grounded, LlmClient, LlmConfig, LlmError, NoAnswer, SENTIMENT_SYSTEM_PROMPT, SentimentSource,
    classify_system_prompt, grounded_system_prompt,
};
use parley_bot::matcher::{Outcome, Thresholds};
use parley_bot::model::decide;
use parley_bot::sentiment::{self, Label};

const KEY: &str = "sk-test-DO-NOT-LOG-4f1c";
const MODEL: &str = "test-model";

const INTENTS: &[(&str, &str)] = &[
    (
        "returns",
        "I want to send this back | how do I return my purchase",
    ),
    ("order_tracking", "where is my order | track my package"),
    ("store_hours", "when are you open | opening hours"),
];

const PASSAGES: &[(&str, &str)] = &[
    (
        "returns",
        "You can return anything within 30 days of delivery: {{returns_url}}",
    ),
    (
        "shipping",
        "Shipping is free on orders over 50 EUR; otherwise it costs 4.95 EUR.",
    ),
];

/// What the fake server answers.
enum Reply {
    /// 200 with this assistant message content.
    Content(String),
    /// This status and raw body.
    Status(u16, String),
    /// Sleep, then 200 with this content.
    Slow(Duration, String),
}

struct Step {
    body: Value,
    auth: Option<String>,
    reply: Reply,
}

#[derive(Default)]
struct Inner {
    script: Mutex<VecDeque<Step>>,
    mismatches: Mutex<Vec<String>>,
    requests: Mutex<usize>,
}

struct Fake {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl Fake {
    async fn start() -> Fake {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { addr, inner }
    }

    fn expect(&self, body: Value, auth: Option<&str>, reply: Reply) {
        self.inner.script.lock().unwrap().push_back(Step {
            body,
            auth: auth.map(|k| format!("Bearer {k}")),
            reply,
        });
    }

    fn config(&self) -> LlmConfig {
        let mut c = LlmConfig::new(format!("http://{}/v1/", self.addr), MODEL);
        c.api_key = Some(KEY.into());
        c.temperature = 0.25;
        c.max_tokens = 123;
        c.timeout = Duration::from_secs(5);
        c
    }

    fn client(&self) -> LlmClient {
        LlmClient::new(self.config()).unwrap()
    }

    /// Every scripted request came, exactly as expected.
    fn check(&self) {
        let m = self.inner.mismatches.lock().unwrap();
        assert!(m.is_empty(), "request mismatches: {m:#?}");
        let left = self.inner.script.lock().unwrap().len();
        assert_eq!(left, 0, "{left} scripted requests never came");
    }
}

async fn handle(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    *inner.requests.lock().unwrap() += 1;
    let Some(step) = inner.script.lock().unwrap().pop_front() else {
        inner
            .mismatches
            .lock()
            .unwrap()
            .push("unexpected request".into());
        return (StatusCode::UNPROCESSABLE_ENTITY, "unexpected request").into_response();
    };
    let mut problems = Vec::new();
    match serde_json::from_str::<Value>(&body) {
        Ok(got) if got == step.body => {}
        Ok(got) => problems.push(format!(
            "body differs:\n got: {got:#}\nwant: {:#}",
            step.body
        )),
        Err(e) => problems.push(format!("body is not JSON ({e}): {body}")),
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap().to_string());
    if auth != step.auth {
        problems.push(format!("authorization {auth:?}, want {:?}", step.auth));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap());
    if ctype != Some("application/json") {
        problems.push(format!("content-type {ctype:?}"));
    }
    if !problems.is_empty() {
        let text = problems.join("; ");
        inner.mismatches.lock().unwrap().push(text.clone());
        return (StatusCode::UNPROCESSABLE_ENTITY, text).into_response();
    }
    let ok = |content: String| {
        axum::Json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }))
        .into_response()
    };
    match step.reply {
        Reply::Content(c) => ok(c),
        Reply::Status(code, text) => (StatusCode::from_u16(code).unwrap(), text).into_response(),
        Reply::Slow(d, c) => {
            tokio::time::sleep(d).await;
            ok(c)
        }
    }
}

/// The exact body the client must send.
fn body(system: &str, user: &str) -> Value {
    json!({
        "model": MODEL,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
        "temperature": 0.25,
        "max_tokens": 123,
        "response_format": {"type": "json_object"},
    })
}

fn classify_body(text: &str) -> Value {
    body(&classify_system_prompt(INTENTS), text)
}

#[test]
fn prompts_carry_the_kb_and_demand_json() {
    let p = classify_system_prompt(INTENTS);
    for (name, desc) in INTENTS {
        assert!(p.contains(&format!("- {name}: {desc}")), "{p}");
    }
    assert!(p.contains("JSON") && p.contains("\"none\""), "{p}");
    let g = grounded_system_prompt(PASSAGES);
    for (name, text) in PASSAGES {
        assert!(g.contains(&format!("[{name}]\n{text}")), "{g}");
    }
    assert!(
        g.contains("ONLY") && g.contains("{\"answer\": null}"),
        "{g}"
    );
    assert!(SENTIMENT_SYSTEM_PROMPT.contains("-0.7"));
}

#[tokio::test]
async fn classify_accepts_a_known_intent() {
    let fake = Fake::start().await;
    let text = "how do I send these shoes back?";
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Content(r#"{"intent": "returns", "confidence": 0.92}"#.into()),
    );
    let ranked = fake.client().classify(text, INTENTS).await.unwrap();
    assert_eq!(ranked, vec![("returns".to_string(), 0.92)]);
    assert_eq!(
        decide(ranked, &Thresholds::default()),
        Outcome::Answer {
            intent: "returns".into(),
            confidence: 0.92
        }
    );
    fake.check();
}

#[tokio::test]
async fn classify_rejects_an_invented_intent_and_none() {
    let fake = Fake::start().await;
    let text = "what's your refund policy for gift cards?";
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Content(r#"{"intent": "gift_card_refunds", "confidence": 0.99}"#.into()),
    );
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Content(r#"{"intent": "none", "confidence": 0.8}"#.into()),
    );
    let client = fake.client();
    for _ in 0..2 {
        let ranked = client.classify(text, INTENTS).await.unwrap();
        assert!(ranked.is_empty(), "{ranked:?}");
        assert_eq!(
            decide(ranked, &Thresholds::default()),
            Outcome::Handoff { best: None }
        );
    }
    fake.check();
}

#[tokio::test]
async fn classify_tolerates_a_fence_and_percent() {
    let fake = Fake::start().await;
    let text = "where's my parcel";
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Content("```json\n{\"intent\": \"ORDER_TRACKING\", \"confidence\": 85}\n```".into()),
    );
    let ranked = fake.client().classify(text, INTENTS).await.unwrap();
    assert_eq!(ranked, vec![("order_tracking".to_string(), 0.85)]);
    fake.check();
}

#[tokio::test]
async fn malformed_replies_are_errors() {
    let fake = Fake::start().await;
    let text = "hi";
    for content in [
        "Sure! The intent is returns.",
        r#"{"intent": "returns"}"#,
        r#"{"intent": 3, "confidence": 0.5}"#,
        r#"{"intent": "returns", "confidence": -2}"#,
        "[\"returns\"]",
    ] {
        fake.expect(
            classify_body(text),
            Some(KEY),
            Reply::Content(content.into()),
        );
    }
    // A 200 whose body is not a chat completion at all.
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Status(200, "<html>proxy login</html>".into()),
    );
    let client = fake.client();
    for _ in 0..6 {
        let err = client.classify(text, INTENTS).await.unwrap_err();
        assert!(matches!(err, LlmError::BadJson(_)), "{err:?}");
    }
    fake.check();
}

#[tokio::test]
async fn http_errors_are_classified() {
    let fake = Fake::start().await;
    let text = "hi";
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Status(500, "model crashed".into()),
    );
    let err = fake.client().classify(text, INTENTS).await.unwrap_err();
    assert_eq!(
        err,
        LlmError::Status {
            status: 500,
            body: "model crashed".into()
        }
    );
    assert_eq!(err.to_string(), "the LLM answered HTTP 500: model crashed");
    fake.check();
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let fake = Fake::start().await;
    let text = "hi";
    fake.expect(
        classify_body(text),
        Some(KEY),
        Reply::Slow(
            Duration::from_secs(3),
            r#"{"intent": "returns", "confidence": 0.9}"#.into(),
        ),
    );
    let mut config = fake.config();
    config.timeout = Duration::from_millis(300);
    let client = LlmClient::new(config).unwrap();
    let t0 = std::time::Instant::now();
    let err = client.classify(text, INTENTS).await.unwrap_err();
    assert_eq!(err, LlmError::Timeout(Duration::from_millis(300)));
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    fake.check();
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // Bind and drop a listener so the port is (almost certainly) closed.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let client = LlmClient::new(LlmConfig::new(format!("http://{addr}/v1"), MODEL)).unwrap();
    let err = client.classify("hi", INTENTS).await.unwrap_err();
    assert!(matches!(err, LlmError::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn sentiment_from_the_llm() {
    let fake = Fake::start().await;
    let text = "third time I ask, where is my refund";
    fake.expect(
        body(SENTIMENT_SYSTEM_PROMPT, text),
        Some(KEY),
        Reply::Content(r#"{"score": -0.75, "label": "angry"}"#.into()),
    );
    let s = fake.client().sentiment(text).await;
    assert_eq!(s.sentiment.score, -0.75);
    assert_eq!(s.sentiment.label, Label::Angry);
    assert_eq!(
        s.source,
        SentimentSource::Llm {
            label: Some(Label::Angry)
        }
    );
    assert!(
        s.explain().starts_with("llm: angry -0.75"),
        "{}",
        s.explain()
    );
    fake.check();
}

#[tokio::test]
async fn sentiment_falls_back_to_the_lexicon() {
    let fake = Fake::start().await;
    let text = "This is unacceptable!!";
    fake.expect(
        body(SENTIMENT_SYSTEM_PROMPT, text),
        Some(KEY),
        Reply::Status(500, "oops".into()),
    );
    fake.expect(
        body(SENTIMENT_SYSTEM_PROMPT, text),
        Some(KEY),
        Reply::Content("I think the customer is angry".into()),
    );
    fake.expect(
        body(SENTIMENT_SYSTEM_PROMPT, text),
        Some(KEY),
        Reply::Content(r#"{"score": -7, "label": "angry"}"#.into()),
    );
    let client = fake.client();
    let lexicon = sentiment::analyze(text);
    for want in ["Status", "BadJson", "BadJson"] {
        let s = client.sentiment(text).await;
        assert_eq!(s.sentiment, lexicon);
        match &s.source {
            SentimentSource::LexiconFallback { error } => {
                assert!(format!("{error:?}").starts_with(want), "{error:?}")
            }
            other => panic!("{other:?}"),
        }
        assert!(
            s.explain().starts_with("lexicon (llm failed"),
            "{}",
            s.explain()
        );
    }
    fake.check();
}

async fn grounded(content: &str) -> Grounded {
    let fake = Fake::start().await;
    let q = "Can I still return my shoes?";
    fake.expect(
        body(&grounded_system_prompt(PASSAGES), q),
        Some(KEY),
        Reply::Content(content.into()),
    );
    let g = fake.client().grounded_answer(q, PASSAGES).await;
    fake.check();
    g
}

#[tokio::test]
async fn grounded_answer_with_valid_sources() {
    let g = grounded(
        r#"{"answer": "Yes: within 30 days of delivery, here: {{returns_url}}", "sources": ["returns"]}"#,
    )
    .await;
    assert_eq!(
        g,
        Grounded::Answer {
            text: "Yes: within 30 days of delivery, here: {{returns_url}}".into(),
            sources: vec!["returns".into()],
        }
    );
}

#[tokio::test]
async fn grounded_answer_citing_an_unknown_source_is_refused() {
    let g = grounded(r#"{"answer": "Yes, any time.", "sources": ["warranty_policy"]}"#).await;
    assert_eq!(
        g,
        Grounded::NoAnswer(NoAnswer::UnknownSource("warranty_policy".into()))
    );
    let g = grounded(r#"{"answer": "Yes, any time.", "sources": []}"#).await;
    assert_eq!(g, Grounded::NoAnswer(NoAnswer::NoSources));
}

#[tokio::test]
async fn grounded_answer_inventing_a_number_is_refused() {
    let g = grounded(r#"{"answer": "Yes, within 60 days.", "sources": ["returns"]}"#).await;
    assert_eq!(
        g,
        Grounded::NoAnswer(NoAnswer::UnsupportedFact("60".into()))
    );
    // A number from a passage that is not cited does not count either.
    let g = grounded(
        r#"{"answer": "Yes, within 30 days; shipping back costs 4.95 EUR.", "sources": ["returns"]}"#,
    )
    .await;
    assert_eq!(
        g,
        Grounded::NoAnswer(NoAnswer::UnsupportedFact("495".into()))
    );
    // Nor an invented link.
    let g = grounded(
        r#"{"answer": "Yes, within 30 days: https://returns.example.net", "sources": ["returns"]}"#,
    )
    .await;
    assert_eq!(
        g,
        Grounded::NoAnswer(NoAnswer::UnsupportedFact("returns.example.net".into()))
    );
}

#[tokio::test]
async fn grounded_answer_declined_or_failed_hands_off() {
    assert_eq!(
        grounded(r#"{"answer": null}"#).await,
        Grounded::NoAnswer(NoAnswer::Declined)
    );
    assert!(matches!(
        grounded("no idea").await,
        Grounded::NoAnswer(NoAnswer::Failed(LlmError::BadJson(_)))
    ));
    // No passages: no call at all.
    let fake = Fake::start().await;
    let none: &[(&str, &str)] = &[];
    assert_eq!(
        fake.client().grounded_answer("anything", none).await,
        Grounded::NoAnswer(NoAnswer::NoPassages)
    );
    assert_eq!(*fake.inner.requests.lock().unwrap(), 0);
    fake.check();
}

#[tokio::test]
async fn no_key_no_authorization_header_and_json_mode_off() {
    let fake = Fake::start().await;
    let text = "hi";
    let mut want = classify_body(text);
    want.as_object_mut().unwrap().remove("response_format");
    fake.expect(
        want,
        None,
        Reply::Content(r#"{"intent": "store_hours", "confidence": 0.6}"#.into()),
    );
    let mut config = fake.config();
    config.api_key = None;
    config.json_mode = false;
    let ranked = LlmClient::new(config)
        .unwrap()
        .classify(text, INTENTS)
        .await
        .unwrap();
    assert_eq!(ranked, vec![("store_hours".to_string(), 0.6)]);
    fake.check();
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let fake = Fake::start().await;
    let client = fake.client();
    for dbg in [format!("{:?}", fake.config()), format!("{client:?}")] {
        assert!(!dbg.contains(KEY), "{dbg}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
    }
    fake.expect(
        classify_body("hi"),
        Some(KEY),
        Reply::Status(401, "bad key".into()),
    );
    let err = client.classify("hi", INTENTS).await.unwrap_err();
    assert!(!format!("{err:?} {err}").contains(KEY));
    fake.check();
}

#[tokio::test]
async fn the_fake_server_catches_a_wrong_request() {
    let fake = Fake::start().await;
    fake.expect(
        classify_body("hi"),
        Some(KEY),
        Reply::Content(r#"{"intent": "returns", "confidence": 0.9}"#.into()),
    );
    let mut config = fake.config();
    config.model = "another-model".into();
    let err = LlmClient::new(config)
        .unwrap()
        .classify("hi", INTENTS)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::Status { status: 422, .. }),
        "{err:?}"
    );
    let m = fake.inner.mismatches.lock().unwrap();
    assert!(m.len() == 1 && m[0].contains("another-model"), "{m:?}");
}
