//! Builders for Meta-shaped inbound webhook notifications (tests, the demo's phone
//! simulator, the benchmark). Timestamps are emitted as strings, like Meta does.

// The positional signatures mirror the webhook fields one-to-one, which reads better at call
// sites than a builder for what are one-line test helpers.
#![allow(clippy::too_many_arguments)]

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use rand::RngCore;
use serde_json::{Value, json};

use crate::signature;
use crate::webhook::ErrorDetail;

/// A realistic, unique wamid (`wamid.HBgL…` base64).
pub fn new_wamid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 30];
    rand::rng().fill_bytes(&mut bytes);
    // The counter guarantees uniqueness within a process even if the RNG repeated.
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    format!(
        "wamid.HBgL{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Wraps one `value` in the `object` / `entry` / `changes` envelope.
pub fn envelope(value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{ "value": value, "field": "messages" }]
        }]
    })
}

fn metadata(phone_number_id: &str, display: &str) -> Value {
    json!({ "display_phone_number": display, "phone_number_id": phone_number_id })
}

/// An inbound notification carrying one message object (`message` must contain at least
/// `type` and its type object; `from`, `id` and `timestamp` are filled in).
pub fn message(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    ts_secs: i64,
    mut message: Value,
) -> Value {
    message["from"] = json!(from_wa_id);
    message["id"] = json!(wamid);
    message["timestamp"] = json!(ts_secs.to_string());
    envelope(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(phone_number_id, display),
        "contacts": [{ "profile": { "name": profile_name }, "wa_id": from_wa_id }],
        "messages": [message]
    }))
}

pub fn text(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    body: &str,
    ts_secs: i64,
) -> Value {
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({"type": "text", "text": {"body": body}}),
    )
}

pub fn image(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    media_id: &str,
    mime: &str,
    caption: Option<&str>,
    ts_secs: i64,
) -> Value {
    let mut img = json!({
        "mime_type": mime,
        "sha256": "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=",
        "id": media_id
    });
    if let Some(c) = caption {
        img["caption"] = json!(c);
    }
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({"type": "image", "image": img}),
    )
}

pub fn button_reply(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    id: &str,
    title: &str,
    context_wamid: &str,
    ts_secs: i64,
) -> Value {
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({
            "context": {"from": display, "id": context_wamid},
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": id, "title": title}}
        }),
    )
}

pub fn list_reply(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    id: &str,
    title: &str,
    description: Option<&str>,
    context_wamid: &str,
    ts_secs: i64,
) -> Value {
    let mut reply = json!({"id": id, "title": title});
    if let Some(d) = description {
        reply["description"] = json!(d);
    }
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({
            "context": {"from": display, "id": context_wamid},
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": reply}
        }),
    )
}

pub fn location(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    latitude: f64,
    longitude: f64,
    name: Option<&str>,
    address: Option<&str>,
    ts_secs: i64,
) -> Value {
    let mut loc = json!({"latitude": latitude, "longitude": longitude});
    if let Some(n) = name {
        loc["name"] = json!(n);
    }
    if let Some(a) = address {
        loc["address"] = json!(a);
    }
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({"type": "location", "location": loc}),
    )
}

/// A reaction to `reacted_wamid`; `emoji: None` removes it (sent as `""`, like Meta).
pub fn reaction(
    phone_number_id: &str,
    display: &str,
    from_wa_id: &str,
    profile_name: &str,
    wamid: &str,
    reacted_wamid: &str,
    emoji: Option<&str>,
    ts_secs: i64,
) -> Value {
    message(
        phone_number_id,
        display,
        from_wa_id,
        profile_name,
        wamid,
        ts_secs,
        json!({"type": "reaction", "reaction": {"message_id": reacted_wamid, "emoji": emoji.unwrap_or("")}}),
    )
}

/// A status notification for a message we sent. `errors` are attached (Meta only sends them
/// with `failed`).
pub fn status(
    phone_number_id: &str,
    wamid: &str,
    status: &str,
    recipient: &str,
    ts_secs: i64,
    errors: Option<Vec<ErrorDetail>>,
) -> Value {
    let mut st = json!({
        "id": wamid,
        "status": status,
        "timestamp": ts_secs.to_string(),
        "recipient_id": recipient
    });
    if let Some(errs) = errors {
        st["errors"] = Value::Array(errs.iter().map(ErrorDetail::to_json).collect());
    }
    envelope(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(phone_number_id, ""),
        "statuses": [st]
    }))
}

/// POSTs `body` with a valid `X-Hub-Signature-256`, as Meta would.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    app_secret: &[u8],
    body: &[u8],
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .header("Content-Type", "application/json")
        .header(signature::HEADER, signature::sign(app_secret, body))
        .body(body.to_vec())
        .send()
        .await
}

/// A `message_template_status_update` notification, as in Meta's webhook reference
/// (`entry[].id` is the business account, not a phone number).
pub fn template_status(
    waba_id: &str,
    event: &str,
    template_id: &str,
    name: &str,
    language: &str,
    reason: Option<&str>,
) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": 1_751_247_548, "changes": [{
            "value": {
                "event": event,
                "message_template_id": template_id.parse::<u64>().map(Value::from).unwrap_or_else(|_| json!(template_id)),
                "message_template_name": name,
                "message_template_language": language,
                "reason": reason.unwrap_or("NONE"),
            },
            "field": "message_template_status_update"
        }]}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{
        DeliveryStatus, InteractiveReply, MessageContent, WebhookEvent, parse_notification,
    };

    fn one(v: &Value) -> WebhookEvent {
        let events = parse_notification(&serde_json::to_vec(v).unwrap())
            .unwrap()
            .events();
        assert_eq!(events.len(), 1);
        events.into_iter().next().unwrap()
    }

    #[test]
    fn wamids_are_unique_and_realistic() {
        let a = new_wamid();
        let b = new_wamid();
        assert_ne!(a, b);
        assert!(a.starts_with("wamid.HBgL") && a.len() > 40 && a.len() <= 128);
    }

    #[test]
    fn builders_parse_back() {
        let WebhookEvent::Message(m) = one(&text("P", "155", "111", "Ann", "w1", "hi", 42)) else {
            panic!()
        };
        assert_eq!(
            (
                m.phone_number_id.as_str(),
                m.profile_name.as_deref(),
                m.message.timestamp
            ),
            ("P", Some("Ann"), 42)
        );
        assert_eq!(m.message.content.text().as_deref(), Some("hi"));

        let WebhookEvent::Message(m) = one(&image(
            "P",
            "155",
            "111",
            "Ann",
            "w2",
            "M1",
            "image/png",
            Some("cap"),
            1,
        )) else {
            panic!()
        };
        assert_eq!(m.message.content.media().unwrap().id, "M1");
        assert_eq!(m.message.content.summary(), "📷 Photo: cap");

        let WebhookEvent::Message(m) = one(&button_reply(
            "P", "155", "111", "Ann", "w3", "yes", "Yes", "ctx", 1,
        )) else {
            panic!()
        };
        assert_eq!(m.message.context.unwrap().id.as_deref(), Some("ctx"));
        assert!(
            matches!(m.message.content, MessageContent::Interactive(InteractiveReply::ButtonReply { ref id, .. }) if id == "yes")
        );

        let WebhookEvent::Message(m) = one(&list_reply(
            "P",
            "155",
            "111",
            "Ann",
            "w4",
            "r1",
            "Row",
            Some("d"),
            "ctx",
            1,
        )) else {
            panic!()
        };
        assert!(
            matches!(m.message.content, MessageContent::Interactive(InteractiveReply::ListReply { ref description, .. }) if description.as_deref() == Some("d"))
        );

        let WebhookEvent::Message(m) = one(&location(
            "P",
            "155",
            "111",
            "Ann",
            "w5",
            1.5,
            2.5,
            Some("Cafe"),
            None,
            1,
        )) else {
            panic!()
        };
        assert_eq!(m.message.content.summary(), "📍 Location: Cafe");

        let WebhookEvent::Message(m) =
            one(&reaction("P", "155", "111", "Ann", "w6", "w1", None, 1))
        else {
            panic!()
        };
        assert!(matches!(
            m.message.content,
            MessageContent::Reaction { emoji: None, .. }
        ));

        let err = ErrorDetail {
            code: 131047,
            title: Some("Re-engagement message".into()),
            ..Default::default()
        };
        let WebhookEvent::Status(s) = one(&status("P", "w1", "failed", "111", 9, Some(vec![err])))
        else {
            panic!()
        };
        assert_eq!(s.status.status, DeliveryStatus::Failed);
        assert_eq!(s.status.errors[0].code, 131047);
        assert_eq!(s.status.timestamp, 9);
    }
}
