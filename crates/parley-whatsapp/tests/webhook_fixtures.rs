//! Every sample webhook from the contract, plus hand-written edge cases.

use parley_whatsapp::webhook::{
    DeliveryStatus, ErrorSource, InboundEvent, InteractiveReply, MessageContent, StatusEvent,
    ValueErrorEvent, WebhookEvent, parse_notification,
};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/webhooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn events(name: &str) -> Vec<WebhookEvent> {
    parse_notification(&fixture(name)).unwrap().events()
}

fn message(name: &str) -> InboundEvent {
    let ev = events(name);
    assert_eq!(ev.len(), 1, "{name}: {ev:?}");
    match ev.into_iter().next().unwrap() {
        WebhookEvent::Message(m) => m,
        other => panic!("{name}: expected a message, got {other:?}"),
    }
}

fn status(name: &str) -> StatusEvent {
    let ev = events(name);
    assert_eq!(ev.len(), 1, "{name}: {ev:?}");
    match ev.into_iter().next().unwrap() {
        WebhookEvent::Status(s) => s,
        other => panic!("{name}: expected a status, got {other:?}"),
    }
}

fn body(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

fn single_value(value: Value) -> Vec<u8> {
    body(
        json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": value}]}]}),
    )
}

fn inbound(messages: Value) -> Vec<InboundEvent> {
    let raw = single_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "PN"},
        "contacts": [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}],
        "messages": messages
    }));
    parse_notification(&raw)
        .unwrap()
        .events()
        .into_iter()
        .map(|e| match e {
            WebhookEvent::Message(m) => m,
            other => panic!("expected message, got {other:?}"),
        })
        .collect()
}

#[test]
fn every_fixture_parses_into_events() {
    let dir = format!("{}/tests/fixtures/webhooks", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let raw = std::fs::read(&path).unwrap();
        let evs = parse_notification(&raw).unwrap().events();
        assert!(!evs.is_empty(), "{path:?} produced no events");
        for e in &evs {
            if let WebhookEvent::Message(m) = e {
                assert!(!m.message.id.is_empty());
                assert!(!m.message.content.summary().is_empty(), "{path:?}");
            }
        }
        n += 1;
    }
    assert_eq!(n, 25, "all shared fixtures are present");
}

#[test]
fn audio_voice() {
    let m = message("audio_voice.json");
    assert_eq!(m.phone_number_id, "106540352242922");
    assert_eq!(m.display_phone_number, "15550783881");
    assert_eq!(m.profile_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(m.message.timestamp, 1744344496);
    assert_eq!(m.message.kind, "audio");
    let MessageContent::Audio(media) = &m.message.content else {
        panic!("{:?}", m.message.content)
    };
    assert!(media.voice);
    assert_eq!(media.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    assert_eq!(media.id, "1908647269898587");
    assert!(
        media
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://lookaside")
    );
    assert_eq!(m.message.content.summary(), "🎤 Voice message");
}

#[test]
fn bsuid_username_only_message() {
    let m = message("bsuid_incoming_username_only.json");
    assert_eq!(m.message.from, None, "empty from is normalised to None");
    assert_eq!(m.message.from_user_id.as_deref(), Some("user.93737..."));
    assert_eq!(m.contact_wa_id, None);
    assert_eq!(m.contact_user_id.as_deref(), Some("user.93737..."));
    assert_eq!(m.username.as_deref(), Some("@realsheenanelson"));
    assert_eq!(m.sender_id(), Some("user.93737..."));
    assert_eq!(
        m.message.content.text().as_deref(),
        Some("Does it come in another color?")
    );
}

#[test]
fn bsuid_username_only_status() {
    let s = status("bsuid_status_username_only.json");
    assert_eq!(s.status.status, DeliveryStatus::Delivered);
    assert_eq!(s.status.recipient_id, None);
    assert!(
        s.status
            .recipient_user_id
            .as_deref()
            .unwrap()
            .starts_with("user.9373")
    );
    assert_eq!(s.status.pricing.as_ref().unwrap()["pricing_model"], "PMP");
    assert_eq!(s.status.conversation, None);
}

#[test]
fn template_buttons() {
    for (name, payload, text) in [
        (
            "button_from_logical_id.json",
            "DID_NOT_REQUEST_CODE",
            "I didn't request a code",
        ),
        (
            "button_template_quick_reply.json",
            "Unsubscribe",
            "Unsubscribe",
        ),
    ] {
        let m = message(name);
        assert_eq!(
            m.message.content,
            MessageContent::Button {
                payload: Some(payload.into()),
                text: Some(text.into())
            }
        );
        assert!(m.message.context.as_ref().unwrap().id.is_some(), "{name}");
        assert_eq!(m.message.content.text().as_deref(), Some(text));
    }
}

#[test]
fn shared_contacts() {
    let m = message("contacts.json");
    let MessageContent::Contacts(cards) = &m.message.content else {
        panic!()
    };
    assert_eq!(cards.len(), 1);
    assert_eq!(
        cards[0].formatted_name.as_deref(),
        Some("Barbara J. Johnson")
    );
    assert_eq!(cards[0].organization.as_deref(), Some("Social Tsunami"));
    assert_eq!(cards[0].phones[0].wa_id.as_deref(), Some("14125550829"));
    assert_eq!(cards[0].phones[0].kind.as_deref(), Some("MOBILE"));
    assert_eq!(
        m.message.content.summary(),
        "👤 Contact: Barbara J. Johnson"
    );
    // The sender (value.contacts) is still matched separately from the shared card.
    assert_eq!(m.contact_wa_id.as_deref(), Some("16505551234"));
}

#[test]
fn document() {
    let m = message("document.json");
    let media = m.message.content.media().unwrap();
    assert_eq!(media.filename.as_deref(), Some("receipt.pdf"));
    assert_eq!(media.caption.as_deref(), Some("my receipt"));
    assert!(matches!(m.message.content, MessageContent::Document(_)));
    assert_eq!(m.message.content.summary(), "📄 Document: receipt.pdf");
}

#[test]
fn group_placeholders_are_tolerated() {
    let m = message("group_incoming_text_placeholders.json");
    assert_eq!(m.message.timestamp, 0, "non-numeric timestamp becomes 0");
    assert_eq!(m.message.raw["group_id"], "<GROUP_ID>");
    assert_eq!(m.message.content.text().as_deref(), Some("<MESSAGE_BODY>"));
    // from != wa_id here, so the first contact is used.
    assert_eq!(m.profile_name.as_deref(), Some("<WHATSAPP_USER_NAME>"));
}

#[test]
fn image() {
    let m = message("image.json");
    let MessageContent::Image(media) = &m.message.content else {
        panic!()
    };
    assert_eq!(media.id, "1003383421387256");
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        media.sha256.as_deref(),
        Some("SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=")
    );
    assert_eq!(m.message.content.summary(), "📷 Photo: Taj Mahal");
    assert_eq!(m.message.content.text().as_deref(), Some("Taj Mahal"));
}

#[test]
fn interactive_replies() {
    let b = message("interactive_button_reply.json");
    assert_eq!(
        b.message.content,
        MessageContent::Interactive(InteractiveReply::ButtonReply {
            id: "change-button".into(),
            title: "Change".into()
        })
    );
    assert_eq!(
        b.message.context.unwrap().id.as_deref(),
        Some("wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA")
    );
    let l = message("interactive_list_reply.json");
    assert_eq!(
        l.message.content,
        MessageContent::Interactive(InteractiveReply::ListReply {
            id: "priority_express".into(),
            title: "Priority Mail Express".into(),
            description: Some("Next Day to 2 Days".into())
        })
    );
    assert_eq!(
        l.message.content.text().as_deref(),
        Some("Priority Mail Express")
    );
}

#[test]
fn location() {
    let m = message("location.json");
    let MessageContent::Location {
        latitude,
        longitude,
        name,
        address,
        url,
    } = &m.message.content
    else {
        panic!()
    };
    assert!((latitude - 37.44221496582).abs() < 1e-9);
    assert!((longitude + 122.16165924072).abs() < 1e-9);
    assert_eq!(name.as_deref(), Some("Philz Coffee"));
    assert_eq!(
        address.as_deref(),
        Some("101 Forest Ave, Palo Alto, CA 94301")
    );
    assert_eq!(url.as_deref(), Some("https://philzcoffee.com/"));
    assert_eq!(m.message.content.summary(), "📍 Location: Philz Coffee");
}

#[test]
fn order() {
    let m = message("order.json");
    let MessageContent::Order {
        catalog_id,
        text,
        items,
    } = &m.message.content
    else {
        panic!()
    };
    assert_eq!(catalog_id.as_deref(), Some("194836987003835"));
    assert_eq!(text.as_deref(), Some("Love these!"));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].product_retailer_id, "di9ozbzfi4");
    assert_eq!(items[0].quantity, 2);
    assert_eq!(items[0].item_price, 30.0);
    assert_eq!(items[0].currency, "USD");
    assert_eq!(
        m.message.content.summary(),
        "🛒 Order (3 items): Love these!"
    );
}

#[test]
fn reaction_removed_with_empty_emoji() {
    let m = message("reaction_removed.json");
    assert_eq!(
        m.message.content,
        MessageContent::Reaction {
            message_id: "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=".into(),
            emoji: None
        }
    );
}

#[test]
fn statuses() {
    let d = status("status_delivered_cbp.json");
    assert_eq!(d.status.status, DeliveryStatus::Delivered);
    assert_eq!(d.status.timestamp, 1750263773);
    assert_eq!(d.status.recipient_id.as_deref(), Some("16505551234"));
    assert_eq!(
        d.status.conversation.as_ref().unwrap()["origin"]["type"],
        "service"
    );
    assert_eq!(d.status.pricing.as_ref().unwrap()["pricing_model"], "CBP");

    let f = status("status_failed_131049.json");
    assert_eq!(f.status.status, DeliveryStatus::Failed);
    assert_eq!(f.status.errors.len(), 1);
    assert_eq!(f.status.errors[0].code, 131049);
    assert_eq!(
        f.status.errors[0].details.as_deref(),
        Some(
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
        )
    );
    assert!(f.status.errors[0].href.is_some());

    let s = status("status_sent_pmp.json");
    assert_eq!(s.status.status, DeliveryStatus::Sent);
    assert_eq!(
        s.status.conversation.as_ref().unwrap()["expiration_timestamp"],
        "1750116480"
    );

    let v24 = status("status_sent_v24_no_conversation.json");
    assert_eq!(v24.status.status, DeliveryStatus::Sent);
    assert!(v24.status.conversation.is_none() && v24.status.pricing.is_none());
    assert!(v24.status.errors.is_empty());
}

#[test]
fn media_sticker_video() {
    let s = message("sticker_animated.json");
    let MessageContent::Sticker(m) = &s.message.content else {
        panic!()
    };
    assert!(m.animated);
    assert_eq!(m.mime_type.as_deref(), Some("image/webp"));
    let v = message("video.json");
    assert!(
        matches!(&v.message.content, MessageContent::Video(m) if m.caption.as_deref() == Some("Timelapse of growth"))
    );
    assert_eq!(v.message.content.summary(), "🎥 Video: Timelapse of growth");
}

#[test]
fn system_changed_number_without_contacts() {
    let m = message("system_user_changed_number.json");
    assert_eq!(
        m.profile_name, None,
        "system messages carry no value.contacts"
    );
    assert_eq!(
        m.message.content,
        MessageContent::System {
            kind: Some("user_changed_number".into()),
            body: Some("User Sheena Nelson changed from 16505551234 to 12195555358".into()),
            new_wa_id: Some("12195555358".into()),
            new_user_id: None
        }
    );
}

#[test]
fn referral_and_referred_product() {
    let m = message("text_ctwa_referral.json");
    let r = m.message.referral.unwrap();
    assert_eq!(r.source_type.as_deref(), Some("ad"));
    assert_eq!(r.source_id.as_deref(), Some("120226305854810726"));
    assert_eq!(r.headline.as_deref(), Some("Chat with us"));
    assert_eq!(r.media_type.as_deref(), Some("image"));
    assert!(r.ctwa_clid.as_deref().unwrap().starts_with("Aff-n8Z"));
    assert_eq!(
        r.welcome_message.as_deref(),
        Some("Hi there! Let us know how we can help!")
    );
    assert_eq!(r.video_url, None);

    let p = message("text_message_business_button_referred_product.json");
    let ctx = p.message.context.unwrap();
    let prod = ctx.referred_product.unwrap();
    assert_eq!(prod.catalog_id.as_deref(), Some("194836987003835"));
    assert_eq!(prod.product_retailer_id.as_deref(), Some("di9ozbzfi4"));
    assert!(!ctx.forwarded);
}

#[test]
fn unsupported_edit() {
    let m = message("unsupported_edit.json");
    assert_eq!(m.message.kind, "unsupported");
    assert_eq!(
        m.message.content,
        MessageContent::Unsupported {
            kind: Some("edit".into())
        }
    );
    assert_eq!(m.message.errors[0].code, 131051);
    assert_eq!(
        m.message.errors[0].details.as_deref(),
        Some("Message type is currently not supported.")
    );
    assert_eq!(m.message.content.summary(), "[unsupported: edit]");
}

#[test]
fn value_level_errors() {
    let ev = events("value_errors_130429.json");
    assert_eq!(ev.len(), 1);
    let WebhookEvent::Error(ValueErrorEvent {
        phone_number_id,
        source,
        error,
        ..
    }) = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(phone_number_id, "106540352242922");
    assert_eq!(*source, ErrorSource::Value);
    assert_eq!(error.code, 130429);
    assert_eq!(error.title.as_deref(), Some("Rate limit hit"));
    assert!(
        error
            .details
            .as_deref()
            .unwrap()
            .starts_with("Message failed to send")
    );
}

// ---- hand-written variants ---------------------------------------------------------------

#[test]
fn numeric_timestamps_everywhere() {
    let raw = single_value(json!({
        "metadata": {"display_phone_number": "1", "phone_number_id": "PN"},
        "messages": [{"from": "1", "id": "w1", "timestamp": 1750000000, "type": "text", "text": {"body": "x"}}],
        "statuses": [{"id": "w0", "status": "read", "timestamp": 1750000001, "recipient_id": "1"}]
    }));
    let ev = parse_notification(&raw).unwrap().events();
    let WebhookEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(m.message.timestamp, 1750000000);
    let WebhookEvent::Status(s) = &ev[1] else {
        panic!()
    };
    assert_eq!(s.status.timestamp, 1750000001);
    assert_eq!(s.status.status, DeliveryStatus::Read);
}

#[test]
fn file_size_string_and_number() {
    let ms = inbound(json!([
        {"from": "16505551234", "id": "a", "timestamp": "1", "type": "document",
         "document": {"id": "d1", "file_size": "123456"}},
        {"from": "16505551234", "id": "b", "timestamp": "1", "type": "document",
         "document": {"id": "d2", "file_size": 654321}},
        {"from": "16505551234", "id": "c", "timestamp": "1", "type": "document",
         "document": {"id": "d3", "file_size": "big"}}
    ]));
    let sizes: Vec<_> = ms
        .iter()
        .map(|m| m.message.content.media().unwrap().file_size)
        .collect();
    assert_eq!(sizes, vec![Some(123456), Some(654321), None]);
}

#[test]
fn reaction_with_missing_emoji() {
    let ms = inbound(
        json!([{"from": "16505551234", "id": "r", "timestamp": "1", "type": "reaction",
        "reaction": {"message_id": "wamid.T"}}]),
    );
    assert_eq!(
        ms[0].message.content,
        MessageContent::Reaction {
            message_id: "wamid.T".into(),
            emoji: None
        }
    );
    assert_eq!(ms[0].message.content.summary(), "Removed a reaction");
}

#[test]
fn legacy_unknown_with_old_error_shape() {
    let ms = inbound(
        json!([{"from": "16505551234", "id": "u", "timestamp": "1", "type": "unknown",
        "errors": [{"code": 131051, "title": "Unsupported message type", "details": "Message type is not currently supported"}]}]),
    );
    let m = &ms[0].message;
    assert_eq!(m.content, MessageContent::Unsupported { kind: None });
    assert_eq!(m.kind, "unknown");
    assert_eq!(m.errors[0].code, 131051);
    assert_eq!(m.errors[0].message, None);
    assert_eq!(
        m.errors[0].details.as_deref(),
        Some("Message type is not currently supported")
    );
}

#[test]
fn batch_two_entries_two_changes_mixed() {
    let meta = |p: &str| json!({"display_phone_number": format!("d-{p}"), "phone_number_id": p});
    let text = |id: &str, from: &str| json!({"from": from, "id": id, "timestamp": "10", "type": "text", "text": {"body": id}});
    let raw = body(json!({
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "W1", "changes": [
                {"field": "messages", "value": {"metadata": meta("P1"),
                    "contacts": [{"profile": {"name": "A"}, "wa_id": "1"}, {"profile": {"name": "B"}, "wa_id": "2"}],
                    "messages": [text("m1", "1"), text("m2", "2"), text("m3", "1")]}},
                {"field": "messages", "value": {"metadata": meta("P1"),
                    "statuses": [{"id": "s1", "status": "sent", "timestamp": "11", "recipient_id": "1"},
                                 {"id": "s1", "status": "delivered", "timestamp": "12", "recipient_id": "1"}]}}
            ]},
            {"id": "W2", "changes": [
                {"field": "user_preferences", "value": {"metadata": meta("P2"),
                    "user_preferences": [{"wa_id": "3", "category": "marketing_messages", "value": "stop", "timestamp": 1}]}},
                {"field": "messages", "value": {"metadata": meta("P2"),
                    "contacts": [{"profile": {"name": "C"}, "wa_id": "3"}],
                    "messages": [text("m4", "3")],
                    "statuses": [{"id": "s2", "status": "played", "timestamp": "13", "recipient_id": "3"}]}}
            ]}
        ]
    }));
    let ev = parse_notification(&raw).unwrap().events();
    let summary: Vec<String> = ev
        .iter()
        .map(|e| match e {
            WebhookEvent::Message(m) => format!(
                "msg:{}:{}:{}",
                m.message.id,
                m.phone_number_id,
                m.profile_name.clone().unwrap_or_default()
            ),
            WebhookEvent::Status(s) => format!(
                "st:{}:{}:{}",
                s.status.id, s.status.status, s.phone_number_id
            ),
            WebhookEvent::Error(e) => format!("err:{}", e.error.code),
            WebhookEvent::OtherField { field, value } => {
                format!(
                    "other:{field}:{}",
                    value["user_preferences"][0]["value"].as_str().unwrap()
                )
            }
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "msg:m1:P1:A",
            "msg:m2:P1:B",
            "msg:m3:P1:A",
            "st:s1:sent:P1",
            "st:s1:delivered:P1",
            "other:user_preferences:stop",
            "msg:m4:P2:C",
            "st:s2:played:P2",
        ]
    );
    let WebhookEvent::Message(m1) = &ev[0] else {
        panic!()
    };
    assert_eq!(m1.display_phone_number, "d-P1");
}

#[test]
fn interactive_without_object_and_value_error() {
    let raw = single_value(json!({
        "metadata": {"display_phone_number": "1", "phone_number_id": "PN"},
        "messages": [{"from": "1", "id": "wi", "timestamp": "5", "type": "interactive"}],
        "errors": [{"code": 131000, "title": "Something went wrong", "message": "Something went wrong",
                    "error_data": {"details": "Unsupported webhook payload"}}]
    }));
    let ev = parse_notification(&raw).unwrap().events();
    assert_eq!(ev.len(), 2);
    let WebhookEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(
        m.message.content,
        MessageContent::Unsupported {
            kind: Some("interactive".into())
        }
    );
    assert_eq!(m.profile_name, None, "no contacts array at all");
    let WebhookEvent::Error(e) = &ev[1] else {
        panic!()
    };
    assert_eq!(e.error.code, 131000);
    assert_eq!(
        e.error.details.as_deref(),
        Some("Unsupported webhook payload")
    );
}

#[test]
fn edit_revoke_request_welcome_and_new_types() {
    let ms = inbound(json!([
        {"from": "16505551234", "id": "e1", "timestamp": "1", "type": "edit",
         "edit": {"original_message_id": "wamid.ORIG", "message": {"context": {"id": "M0"}, "type": "text", "text": {"body": "fixed typo"}}}},
        {"from": "16505551234", "id": "e2", "timestamp": "1", "type": "edit",
         "edit": {"original_message_id": "wamid.IMG", "message": {"type": "image", "image": {"id": "i9", "caption": "new cap"}}}},
        {"from": "16505551234", "id": "v1", "timestamp": "1", "type": "revoke",
         "revoke": {"original_message_id": "wamid.GONE"}},
        {"from": "16505551234", "id": "rw", "timestamp": "1", "type": "request_welcome"},
        {"from": "16505551234", "id": "p1", "timestamp": "1", "type": "poll",
         "poll": {"question": "Lunch?", "options": ["a", "b"]}},
        {"from": "16505551234", "id": "x1", "timestamp": "1"}
    ]));
    assert_eq!(ms.len(), 6);
    assert_eq!(
        ms[0].message.content,
        MessageContent::Edit {
            original_message_id: "wamid.ORIG".into(),
            new: Some(Box::new(MessageContent::Text {
                body: "fixed typo".into()
            }))
        }
    );
    assert_eq!(ms[0].message.content.text().as_deref(), Some("fixed typo"));
    assert_eq!(ms[0].message.content.summary(), "✏️ Edited: fixed typo");
    assert!(
        matches!(&ms[1].message.content, MessageContent::Edit { new: Some(n), .. } if n.summary() == "📷 Photo: new cap")
    );
    assert_eq!(
        ms[2].message.content,
        MessageContent::Revoke {
            original_message_id: "wamid.GONE".into()
        }
    );
    assert_eq!(ms[3].message.content, MessageContent::RequestWelcome);
    assert_eq!(
        ms[4].message.content,
        MessageContent::Unsupported {
            kind: Some("poll".into())
        }
    );
    assert_eq!(ms[4].message.kind, "poll");
    assert_eq!(
        ms[4].message.raw["poll"]["question"], "Lunch?",
        "raw JSON kept for unknown types"
    );
    assert_eq!(ms[4].message.content.summary(), "[unsupported: poll]");
    assert_eq!(
        ms[5].message.content,
        MessageContent::Unsupported { kind: None }
    );
}

#[test]
fn nfm_reply_and_other_interactive_and_system_variants() {
    let ms = inbound(json!([
        {"from": "16505551234", "id": "f", "timestamp": "1", "type": "interactive",
         "interactive": {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{\"a\":1}"}}},
        {"from": "16505551234", "id": "pm", "timestamp": "1", "type": "interactive",
         "interactive": {"type": "payment_method", "payment_method": {"x": 1}}},
        {"from": "16505551234", "id": "s1", "timestamp": "1", "type": "system",
         "system": {"body": "changed", "new_wa_id": "999", "type": "user_changed_number"}},
        {"from": "16505551234", "id": "s2", "timestamp": "1", "type": "system",
         "system": {"body": "old", "customer": "888"}},
        {"from": "16505551234", "id": "s3", "timestamp": "1", "type": "system",
         "system": {"type": "user_changed_user_id", "user_id": "US.NEW"}},
        {"from": "16505551234", "id": "fw", "timestamp": "1", "type": "text", "text": {"body": "fw"},
         "context": {"forwarded": true, "frequently_forwarded": true}}
    ]));
    assert_eq!(
        ms[0].message.content,
        MessageContent::Interactive(InteractiveReply::NfmReply {
            name: Some("flow".into()),
            body: Some("Sent".into()),
            response_json: Some("{\"a\":1}".into())
        })
    );
    assert_eq!(
        ms[1].message.content,
        MessageContent::Interactive(InteractiveReply::Other {
            kind: "payment_method".into()
        })
    );
    assert!(
        matches!(&ms[2].message.content, MessageContent::System { new_wa_id: Some(w), .. } if w == "999")
    );
    assert!(
        matches!(&ms[3].message.content, MessageContent::System { new_wa_id: Some(w), .. } if w == "888")
    );
    assert!(
        matches!(&ms[4].message.content, MessageContent::System { new_user_id: Some(u), body: None, .. } if u == "US.NEW")
    );
    assert_eq!(
        ms[4].message.content.summary(),
        "[system: user_changed_user_id]"
    );
    let ctx = ms[5].message.context.as_ref().unwrap();
    assert!(ctx.forwarded && ctx.frequently_forwarded && ctx.id.is_none());
}

#[test]
fn broken_items_are_not_dropped() {
    let raw = single_value(json!({
        "metadata": {"display_phone_number": "1", "phone_number_id": "PN"},
        "messages": ["not an object", {"from": "1", "timestamp": "1", "type": "text", "text": {"body": "no id"}}],
        "statuses": [{"status": "sent"}, {"id": "ok", "status": "sent", "timestamp": "1"}]
    }));
    let ev = parse_notification(&raw).unwrap().events();
    let kinds: Vec<_> = ev
        .iter()
        .map(|e| match e {
            WebhookEvent::Error(e) => format!("{:?}", e.source),
            WebhookEvent::Status(s) => format!("status:{}", s.status.id),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, vec!["Message", "Message", "Status", "status:ok"]);
    let WebhookEvent::Error(e) = &ev[1] else {
        panic!()
    };
    assert_eq!(e.raw["text"]["body"], "no id");
}

#[test]
fn missing_metadata_gives_empty_strings() {
    let raw = single_value(json!({
        "messages": [{"from": "1", "id": "w", "timestamp": "1", "type": "text", "text": {"body": "x"}}]
    }));
    let ev = parse_notification(&raw).unwrap().events();
    let WebhookEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(
        (m.phone_number_id.as_str(), m.display_phone_number.as_str()),
        ("", "")
    );
}

#[test]
fn events_serialise_for_storage() {
    let ev = events("image.json");
    let json = serde_json::to_value(&ev).unwrap();
    assert_eq!(json[0]["event"], "message");
    assert_eq!(json[0]["data"]["message"]["content"]["type"], "image");
    let back: Vec<WebhookEvent> = serde_json::from_value(json).unwrap();
    assert_eq!(back, ev);
}
