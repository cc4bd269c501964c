//! GraphClient against the real-HTTP FakeGraph: every send type, media, auth, injected
//! failures, rate limiting and signed status webhooks.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use parley_whatsapp::client::{ErrorClass, GraphClient, GraphError};
use parley_whatsapp::fake::{Failure, FakeGraph, FakeGraphConfig};
use parley_whatsapp::send::{
    ListRow, ListSection, MediaKind, MediaSource, OutboundContent, OutboundMessage, ReplyButton,
};
use parley_whatsapp::signature;
use parley_whatsapp::webhook::{DeliveryStatus, StatusEvent, WebhookEvent, parse_notification};
use serde_json::{Value, json};
use tokio::sync::mpsc;

const SECRET: &str = "test-app-secret";

fn quiet_config() -> FakeGraphConfig {
    FakeGraphConfig {
        app_secret: SECRET.into(),
        auto_statuses: false,
        status_delay: Duration::from_millis(20),
        ..Default::default()
    }
}

fn start(cfg: FakeGraphConfig) -> (FakeGraph, GraphClient) {
    let fake = FakeGraph::start(cfg).unwrap();
    let client = GraphClient::new(fake.graph_config());
    (fake, client)
}

fn to(content: OutboundContent) -> OutboundMessage {
    OutboundMessage {
        to: "+1 650-555-1234".into(),
        content,
        reply_to: None,
    }
}

fn all_send_types() -> Vec<OutboundMessage> {
    let mut reply = OutboundMessage::text("16505551234", "quoted reply");
    reply.reply_to = Some("wamid.INBOUND".into());
    vec![
        to(OutboundContent::Text {
            body: "Hello https://example.com".into(),
            preview_url: true,
        }),
        reply,
        to(OutboundContent::Media {
            kind: MediaKind::Image,
            source: MediaSource::Id("1234".into()),
            caption: Some("a photo".into()),
            filename: None,
        }),
        to(OutboundContent::Media {
            kind: MediaKind::Document,
            source: MediaSource::Link("https://example.com/r.pdf".into()),
            caption: None,
            filename: Some("r.pdf".into()),
        }),
        to(OutboundContent::Media {
            kind: MediaKind::Audio,
            source: MediaSource::Id("55".into()),
            caption: None,
            filename: None,
        }),
        to(OutboundContent::Media {
            kind: MediaKind::Video,
            source: MediaSource::Id("56".into()),
            caption: Some("clip".into()),
            filename: None,
        }),
        to(OutboundContent::Media {
            kind: MediaKind::Sticker,
            source: MediaSource::Id("57".into()),
            caption: None,
            filename: None,
        }),
        to(OutboundContent::Buttons {
            body: "Rate us".into(),
            header: Some("Survey".into()),
            footer: Some("Thanks".into()),
            buttons: vec![
                ReplyButton {
                    id: "good".into(),
                    title: "👍 Good".into(),
                },
                ReplyButton {
                    id: "bad".into(),
                    title: "👎 Bad".into(),
                },
            ],
        }),
        to(OutboundContent::List {
            body: "Pick a topic".into(),
            header: None,
            footer: None,
            button: "Topics".into(),
            sections: vec![ListSection {
                title: None,
                rows: vec![ListRow {
                    id: "billing".into(),
                    title: "Billing".into(),
                    description: Some("Invoices".into()),
                }],
            }],
        }),
        to(OutboundContent::Template {
            name: "order_update".into(),
            language: "en_US".into(),
            // A template the fake lists, filled as it expects: it refuses any other.
            components: json!([
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"}, {"type": "text", "text": "42"},
                    {"type": "text", "text": "Friday"}]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": "42"}]}
            ]),
        }),
        to(OutboundContent::Reaction {
            message_id: "wamid.INBOUND".into(),
            emoji: "❤️".into(),
        }),
    ]
}

#[tokio::test]
async fn every_send_type_is_accepted_and_recorded() {
    let (fake, client) = start(quiet_config());
    let msgs = all_send_types();
    let mut ids = Vec::new();
    for m in &msgs {
        let r = client
            .send(m)
            .await
            .unwrap_or_else(|e| panic!("{m:?}: {e}"));
        assert!(r.message_id.starts_with("wamid."), "{}", r.message_id);
        let expected_wa = if m.to.starts_with('+') {
            "16505551234"
        } else {
            m.to.as_str()
        };
        assert_eq!(r.wa_id.as_deref(), Some(expected_wa));
        ids.push(r.message_id);
    }
    let sent = fake.sent_messages();
    assert_eq!(sent.len(), msgs.len());
    for ((stored, m), id) in sent.iter().zip(&msgs).zip(&ids) {
        let mut body = stored.clone();
        assert_eq!(body["wamid"], json!(id));
        body.as_object_mut().unwrap().remove("wamid");
        assert_eq!(body, m.to_json(), "the fake received exactly to_json()");
    }
    let reqs = fake.requests();
    assert_eq!(reqs.len(), msgs.len());
    assert!(
        reqs.iter()
            .all(|r| r.method == "POST" && r.path == "/v24.0/106540352242922/messages")
    );
    fake.clear();
    assert!(fake.requests().is_empty() && fake.sent_messages().is_empty());
}

#[tokio::test]
async fn invalid_message_is_rejected_locally_without_a_request() {
    let (fake, client) = start(quiet_config());
    let bad = to(OutboundContent::Buttons {
        body: "x".into(),
        header: None,
        footer: None,
        buttons: vec![ReplyButton {
            id: "a".into(),
            title: "this title is far too long".into(),
        }],
    });
    let e = client.send(&bad).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Invalid);
    assert!(!e.is_retryable());
    assert!(
        e.message
            .contains("interactive.action.buttons[0].reply.title"),
        "{e}"
    );
    assert!(fake.requests().is_empty());
}

async fn raw_post(fake: &FakeGraph, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!(
            "{}/v24.0/{}/messages",
            fake.base_url(),
            fake.config().phone_number_id
        ))
        .bearer_auth(&fake.config().access_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn fake_validates_bodies_like_meta() {
    let (fake, _) = start(quiet_config());
    let good = OutboundMessage::text("1", "hi").to_json();
    let cases: Vec<(Value, i64, &str)> = vec![
        (
            {
                let mut v = good.clone();
                v["messaging_product"] = json!("sms");
                v
            },
            100,
            "messaging_product",
        ),
        (
            {
                let mut v = good.clone();
                v.as_object_mut().unwrap().remove("to");
                v
            },
            131008,
            "to",
        ),
        (
            {
                let mut v = good.clone();
                v["type"] = json!("carrier_pigeon");
                v
            },
            100,
            "carrier_pigeon",
        ),
        (
            {
                let mut v = good.clone();
                v["extra"] = json!(true);
                v
            },
            100,
            "extra",
        ),
        (
            {
                let mut v = good.clone();
                v["type"] = json!("image");
                v
            },
            100,
            "text",
        ),
        (
            {
                let mut v = good.clone();
                v["text"]["body"] = json!("x".repeat(4097));
                v
            },
            131009,
            "4096",
        ),
        (
            to(OutboundContent::List {
                body: "b".into(),
                header: None,
                footer: None,
                button: "go".into(),
                sections: vec![ListSection {
                    title: None,
                    rows: (0..11)
                        .map(|i| ListRow {
                            id: format!("r{i}"),
                            title: "t".into(),
                            description: None,
                        })
                        .collect(),
                }],
            })
            .to_json(),
            131009,
            "rows",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "1", "type": "audio", "audio": {"id": "1", "caption": "no"}}),
            100,
            "caption",
        ),
    ];
    for (body, code, needle) in cases {
        let (status, v) = raw_post(&fake, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(v["error"]["code"], json!(code), "{body} -> {v}");
        let details = v["error"]["error_data"]["details"].as_str().unwrap();
        assert!(
            details.contains(needle),
            "{details} should mention {needle}"
        );
        assert!(v["error"]["fbtrace_id"].is_string());
    }
    assert!(fake.sent_messages().is_empty());
    // Types Parley does not model are still accepted when their object is present.
    let (status, v) = raw_post(
        &fake,
        json!({"messaging_product": "whatsapp", "to": "1", "type": "location",
        "location": {"latitude": 1.0, "longitude": 2.0}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    // Typing indicator shares the mark-read body.
    let typing: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/requests/mark_read_with_typing_indicator.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        raw_post(&fake, typing).await,
        (200, json!({"success": true}))
    );
}

#[tokio::test]
async fn mark_read_sends_the_documented_body() {
    let (fake, client) = start(quiet_config());
    client
        .mark_read("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA")
        .await
        .unwrap();
    let expected: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/requests/mark_read.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(fake.requests()[0].body, expected);
    assert!(
        fake.sent_messages().is_empty(),
        "mark-read is not a message"
    );
}

#[tokio::test]
async fn media_upload_info_and_download() {
    let (fake, client) = start(quiet_config());
    let data = Bytes::from_static(b"%PDF-1.4 fake pdf bytes");
    let id = client
        .upload_media(data.clone(), "application/pdf", "r.pdf")
        .await
        .unwrap();
    let upload = fake.requests().pop().unwrap();
    assert_eq!(upload.path, "/v24.0/106540352242922/media");
    assert_eq!(upload.body["messaging_product"], "whatsapp");
    assert_eq!(upload.body["type"], "application/pdf");
    assert_eq!(upload.body["file"]["filename"], "r.pdf");
    assert_eq!(upload.body["file"]["size"], data.len());

    let info = client.media_info(&id).await.unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.mime_type, "application/pdf");
    assert_eq!(info.file_size, Some(data.len() as u64));
    let sha = info.sha256.clone().unwrap();
    assert_eq!(sha.len(), 64, "hex sha256");
    assert!(info.url.starts_with(&fake.base_url()));

    let (info2, bytes) = client.download_media(&id).await.unwrap();
    assert_eq!(bytes, data);
    assert_eq!(info2.url, info.url);

    // Inbound media seeded by a test, with a MIME type that has parameters.
    let voice = fake.add_media(Bytes::from_static(b"OggS..."), "audio/ogg; codecs=opus");
    let (vinfo, vbytes) = client.download_media(&voice).await.unwrap();
    assert_eq!(vinfo.mime_type, "audio/ogg; codecs=opus");
    assert_eq!(&vbytes[..], b"OggS...");

    // The download URL requires the Bearer token.
    let r = reqwest::get(&info.url).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = reqwest::Client::new()
        .get(&info.url)
        .bearer_auth("fake-access-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");

    let missing = client.media_info("999").await.unwrap_err();
    assert_eq!(
        (missing.class, missing.code),
        (ErrorClass::Permanent, Some(100))
    );
}

#[tokio::test]
async fn wrong_token_and_wrong_phone_number() {
    let (fake, _) = start(quiet_config());
    let mut cfg = fake.graph_config();
    cfg.access_token = "stolen".into();
    let e = GraphClient::new(cfg)
        .send(&OutboundMessage::text("1", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.class, e.code, e.http_status),
        (ErrorClass::Auth, Some(190), Some(401))
    );
    assert!(!e.to_string().contains("stolen"));

    let mut cfg = fake.graph_config();
    cfg.phone_number_id = "000".into();
    let e = GraphClient::new(cfg)
        .send(&OutboundMessage::text("1", "x"))
        .await
        .unwrap_err();
    assert_eq!((e.class, e.code), (ErrorClass::Permanent, Some(100)));
    assert!(e.message.contains("'000'"), "{e}");
    assert!(fake.sent_messages().is_empty());
}

fn expect_err(r: Result<parley_whatsapp::SendResponse, GraphError>) -> GraphError {
    r.expect_err("send should fail")
}

#[tokio::test]
async fn injected_failures_are_classified() {
    let (fake, client) = start(quiet_config());
    let m = OutboundMessage::text("16505551234", "hello");
    for (failure, class, code, status, subcode_details) in [
        (
            Failure::ServerError,
            ErrorClass::Retryable,
            131000,
            500,
            None,
        ),
        (
            Failure::RateLimit,
            ErrorClass::Throttled,
            130429,
            400,
            Some("too many messages"),
        ),
        (
            Failure::ReEngagement,
            ErrorClass::Permanent,
            131047,
            400,
            Some("24 hours"),
        ),
        (
            Failure::Undeliverable,
            ErrorClass::Permanent,
            131026,
            400,
            None,
        ),
    ] {
        fake.fail_next(1, failure.clone());
        let e = expect_err(client.send(&m).await);
        assert_eq!(
            (e.class, e.code, e.http_status),
            (class, Some(code), Some(status)),
            "{failure:?}: {e}"
        );
        assert_eq!(
            e.is_retryable(),
            matches!(class, ErrorClass::Retryable | ErrorClass::Throttled)
        );
        assert!(e.fbtrace_id.is_some());
        if let Some(needle) = subcode_details {
            assert!(e.details.as_deref().unwrap().contains(needle), "{e:?}");
        }
    }
    // Each injection was consumed exactly once.
    assert!(client.send(&m).await.is_ok());

    fake.fail_next(2, Failure::ServerError);
    assert!(client.send(&m).await.is_err());
    assert!(client.send(&m).await.is_err());
    assert!(client.send(&m).await.is_ok());

    fake.set_always(Some(Failure::Undeliverable));
    for _ in 0..3 {
        assert_eq!(expect_err(client.send(&m).await).code, Some(131026));
    }
    fake.set_always(None);
    assert!(client.send(&m).await.is_ok());
    assert_eq!(
        fake.sent_messages().len(),
        3,
        "failed sends are not recorded as sent"
    );
}

#[tokio::test]
async fn timeout_is_retryable() {
    let (fake, _) = start(FakeGraphConfig {
        timeout_delay: Duration::from_secs(3),
        ..quiet_config()
    });
    let mut cfg = fake.graph_config();
    cfg.timeout = Duration::from_millis(300);
    let client = GraphClient::new(cfg);
    fake.fail_next(1, Failure::Timeout);
    let started = std::time::Instant::now();
    let e = expect_err(client.send(&OutboundMessage::text("1", "x")).await);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(e.class, ErrorClass::Retryable);
    assert_eq!(e.code, None);
    assert!(e.message.contains("timed out"), "{e}");
}

#[tokio::test]
async fn throughput_limit_answers_130429() {
    let (_fake, client) = start(FakeGraphConfig {
        rate_limit_per_sec: 5,
        ..quiet_config()
    });
    let m = OutboundMessage::text("1", "burst");
    let mut ok = 0;
    let mut throttled = 0;
    for _ in 0..8 {
        match client.send(&m).await {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!((e.class, e.code), (ErrorClass::Throttled, Some(130429)));
                throttled += 1;
            }
        }
    }
    assert_eq!((ok, throttled), (5, 3));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(client.send(&m).await.is_ok(), "the window slides");
}

/// A tiny webhook receiver that verifies signatures and forwards parsed status events.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(bool, StatusEvent)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    async fn hook(
        State(tx): State<mpsc::UnboundedSender<(bool, StatusEvent)>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> &'static str {
        let sig = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
        let valid = signature::verify(SECRET.as_bytes(), &body, sig).is_ok();
        for e in parse_notification(&body).unwrap().events() {
            if let WebhookEvent::Status(s) = e {
                let _ = tx.send((valid, s));
            }
        }
        "ok"
    }
    let app = Router::new().route("/webhook", post(hook)).with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(bool, StatusEvent)>) -> StatusEvent {
    let (valid, s) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("webhook in time")
        .unwrap();
    assert!(
        valid,
        "status webhook must carry a valid X-Hub-Signature-256"
    );
    s
}

#[tokio::test]
async fn signed_status_webhooks_arrive_in_order() {
    let (url, mut rx) = receiver().await;
    let (fake, client) = start(FakeGraphConfig {
        webhook_url: Some(url),
        auto_statuses: true,
        ..quiet_config()
    });
    let r = client
        .send(&OutboundMessage::text("+16505551234", "hi"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let s = next(&mut rx).await;
        assert_eq!(s.status.id, r.message_id);
        assert_eq!(s.phone_number_id, "106540352242922");
        assert_eq!(s.display_phone_number, "15550783881");
        assert_eq!(s.status.recipient_id.as_deref(), Some("16505551234"));
        assert!(s.status.timestamp > 1_700_000_000);
        if s.status.status == DeliveryStatus::Sent {
            assert!(s.status.conversation.is_some() && s.status.pricing.is_some());
            assert!(
                s.status.raw["timestamp"].is_string(),
                "Meta sends string timestamps"
            );
        } else {
            assert!(s.status.pricing.is_none());
        }
        seen.push(s.status.status);
    }
    assert_eq!(
        seen,
        vec![
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read
        ]
    );
    // The fake records a delivery after the receiver answers, which is after we saw it.
    let mut deliveries = fake.webhook_deliveries();
    for _ in 0..50 {
        if deliveries.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        deliveries = fake.webhook_deliveries();
    }
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| d.response_status == Some(200)));

    // Reactions only ever get `sent`.
    let react = client
        .send(&OutboundMessage {
            to: "16505551234".into(),
            content: OutboundContent::Reaction {
                message_id: r.message_id.clone(),
                emoji: "👍".into(),
            },
            reply_to: None,
        })
        .await
        .unwrap();
    let s = next(&mut rx).await;
    assert_eq!(
        (s.status.id.as_str(), &s.status.status),
        (react.message_id.as_str(), &DeliveryStatus::Sent)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err(), "no delivered/read for reactions");
}

#[tokio::test]
async fn async_re_engagement_arrives_as_failed_status() {
    let (url, mut rx) = receiver().await;
    // auto_statuses off: the failed status is still sent, proving it comes from the injection.
    let (fake, client) = start(FakeGraphConfig {
        webhook_url: Some(url),
        ..quiet_config()
    });
    fake.fail_next(1, Failure::AsyncReEngagement);
    let r = client
        .send(&OutboundMessage::text("16505551234", "late"))
        .await
        .expect("accepted synchronously");
    let s = next(&mut rx).await;
    assert_eq!(s.status.id, r.message_id);
    assert_eq!(s.status.status, DeliveryStatus::Failed);
    assert_eq!(s.status.errors[0].code, 131047);
    assert_eq!(
        parley_whatsapp::classify(s.status.errors[0].code),
        ErrorClass::Permanent
    );
    assert_eq!(fake.sent_messages().len(), 1);
}

#[tokio::test]
async fn webhook_url_can_change_at_runtime() {
    let (url, mut rx) = receiver().await;
    let (fake, client) = start(FakeGraphConfig {
        auto_statuses: true,
        ..quiet_config()
    });
    client
        .send(&OutboundMessage::text("1", "nobody listening"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(fake.webhook_deliveries().is_empty());
    fake.set_webhook_url(Some(url));
    let r = client
        .send(&OutboundMessage::text("1", "now"))
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await.status.id, r.message_id);
}

#[tokio::test]
async fn simulated_inbound_is_signed_correctly() {
    let (url, _rx) = receiver().await;
    let body = serde_json::to_vec(&parley_whatsapp::simulate::text(
        "P", "1", "2", "Ann", "wamid.X", "hi", 1,
    ))
    .unwrap();
    let r = parley_whatsapp::simulate::post_signed(
        &reqwest::Client::new(),
        &url,
        SECRET.as_bytes(),
        &body,
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn unknown_paths_get_meta_errors_and_router_mounts() {
    let (fake, _) = start(quiet_config());
    let r = reqwest::Client::new()
        .delete(format!("{}/nope", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], 100);
    assert_eq!(fake.requests().last().unwrap().method, "DELETE");

    // The router can be mounted elsewhere with its own state.
    let state = parley_whatsapp::fake::FakeState::new(quiet_config(), "http://example.invalid");
    let app = Router::new().nest("/graph", parley_whatsapp::fake::router(state.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/graph", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut cfg = fake.graph_config();
    cfg.api_base = base;
    let r = GraphClient::new(cfg)
        .send(&OutboundMessage::text("1", "mounted"))
        .await
        .unwrap();
    assert_eq!(state.sent_messages()[0]["wamid"], json!(r.message_id));
    fake.shutdown();
}

#[tokio::test]
async fn templates_are_listed_page_by_page() {
    let (fake, client) = start(quiet_config());
    let waba = fake.config().waba_id.clone();
    let listing = client.list_templates(&waba).await.unwrap();
    let expected = fake.templates();
    assert_eq!(listing.templates, expected);
    assert!(expected.len() > fake.config().template_page_size);
    assert_eq!(listing.pages, 2);
    assert!(listing.skipped.is_empty());
    let gets: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/message_templates"))
        .map(|r| r.path)
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(gets[0].starts_with(&format!(
        "/v24.0/{waba}/message_templates?limit=100&fields="
    )));
    assert!(gets[1].contains("after="), "{gets:?}");

    // The statuses, languages and shapes the tests rely on are all there.
    let has = |name: &str, lang: &str, status: &str| {
        expected
            .iter()
            .any(|t| t.name == name && t.language == lang && t.status == status)
    };
    assert!(has("order_update", "en_US", "APPROVED") && has("order_update", "es_ES", "APPROVED"));
    assert!(has("feedback_request", "en_US", "PENDING"));
    assert!(has("refund_processed", "pt_BR", "REJECTED"));
    assert!(has("winter_clearance", "en_US", "PAUSED"));
    assert!(expected.iter().any(|t| t.named()));
    assert!(
        expected
            .iter()
            .any(|t| t.header_format().as_deref() == Some("image"))
    );

    let e = client.list_templates("999").await.unwrap_err();
    assert_eq!((e.code, e.class), (Some(100), ErrorClass::Permanent));
    let mut cfg = fake.graph_config();
    cfg.access_token = "wrong".into();
    let e = GraphClient::new(cfg)
        .list_templates(&waba)
        .await
        .unwrap_err();
    assert_eq!((e.code, e.class), (Some(190), ErrorClass::Auth));
}

#[tokio::test]
async fn template_sends_are_checked_against_the_list() {
    let (fake, client) = start(quiet_config());
    let send = |name: &str, lang: &str, components: Value| {
        let client = client.clone();
        let m = to(OutboundContent::Template {
            name: name.into(),
            language: lang.into(),
            components,
        });
        async move { client.send(&m).await }
    };
    send("hello_world", "en_US", Value::Null).await.unwrap();
    let e = send("no_such_template", "en_US", Value::Null)
        .await
        .unwrap_err();
    assert_eq!((e.code, e.http_status), (Some(132001), Some(404)));
    assert_eq!(
        e.details.as_deref(),
        Some("template name (no_such_template) does not exist in en_US")
    );
    // The name exists, the translation does not.
    let e = send("hello_world", "de_DE", Value::Null).await.unwrap_err();
    assert_eq!(e.code, Some(132001));
    let e = send(
        "feedback_request",
        "en_US",
        json!([{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, Some(132001), "a pending template cannot be sent");
    let e = send(
        "winter_clearance",
        "en_US",
        json!([{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, Some(132015));
    let e = send(
        "order_update",
        "en_US",
        json!([{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.class), (Some(132000), ErrorClass::Permanent));
    assert!(
        e.details
            .unwrap()
            .contains("(1) does not match the expected number of params (3)")
    );
    assert_eq!(
        fake.sent_messages().len(),
        1,
        "only hello_world was accepted"
    );
    assert!(fake.set_template_status("winter_clearance", "en_US", "APPROVED"));
    send(
        "winter_clearance",
        "en_US",
        json!([{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]),
    )
    .await
    .unwrap();
}
