//! `OutboundMessage::to_json` against Meta's documented request samples.

use parley_whatsapp::send::{ListRow, ListSection, OutboundContent, OutboundMessage, ReplyButton};
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/requests/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[test]
fn text_with_preview_matches_sample() {
    let m = OutboundMessage {
        to: "+16505551234".into(),
        content: OutboundContent::Text {
            body: "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/".into(),
            preview_url: true,
        },
        reply_to: None,
    };
    m.validate().unwrap();
    assert_eq!(m.to_json(), sample("send_text_preview_url.json"));
}

#[test]
fn list_matches_sample() {
    let row = |id: &str, title: &str, d: &str| ListRow {
        id: id.into(),
        title: title.into(),
        description: Some(d.into()),
    };
    let m = OutboundMessage {
        to: "+16505551234".into(),
        content: OutboundContent::List {
            body: "Which shipping option do you prefer?".into(),
            header: Some("Choose Shipping Option".into()),
            footer: Some("Lucky Shrub: Your gateway to succulents™".into()),
            button: "Shipping Options".into(),
            sections: vec![
                ListSection {
                    title: Some("I want it ASAP!".into()),
                    rows: vec![
                        row(
                            "priority_express",
                            "Priority Mail Express",
                            "Next Day to 2 Days",
                        ),
                        row("priority_mail", "Priority Mail", "1–3 Days"),
                    ],
                },
                ListSection {
                    title: Some("I can wait a bit".into()),
                    rows: vec![
                        row("usps_ground_advantage", "USPS Ground Advantage", "2–5 Days"),
                        row("media_mail", "Media Mail", "2–8 Days"),
                    ],
                },
            ],
        },
        reply_to: None,
    };
    m.validate().unwrap();
    assert_eq!(
        m.to_json(),
        sample("send_interactive_list_two_sections.json")
    );
}

#[test]
fn buttons_match_sample_except_media_header() {
    let m = OutboundMessage {
        to: "+16505551234".into(),
        content: OutboundContent::Buttons {
            body: "Hi Pablo! Your gardening workshop is scheduled for 9am tomorrow. Use the buttons if you need to reschedule. Thank you!".into(),
            header: None,
            footer: Some("Lucky Shrub: Your gateway to succulents!™".into()),
            buttons: vec![
                ReplyButton { id: "change-button".into(), title: "Change".into() },
                ReplyButton { id: "cancel-button".into(), title: "Cancel".into() },
            ],
        },
        reply_to: None,
    };
    m.validate().unwrap();
    let mut expected = sample("send_interactive_buttons_image_header.json");
    // Only text headers are modelled; the image header is checked by the fake's parser below.
    expected["interactive"]
        .as_object_mut()
        .unwrap()
        .remove("header");
    assert_eq!(m.to_json(), expected);

    // The sample as-is (image header) is accepted by the strict parser used by the fake.
    let parsed = OutboundMessage::from_json(&sample("send_interactive_buttons_image_header.json"))
        .unwrap()
        .unwrap();
    assert_eq!(parsed, m);
}

#[test]
fn reaction_matches_sample_syntax() {
    let m = OutboundMessage {
        to: "<WHATSAPP_USER_PHONE_NUMBER>".into(),
        content: OutboundContent::Reaction {
            message_id: "<WHATSAPP_MESSAGE_ID>".into(),
            emoji: "<EMOJI>".into(),
        },
        reply_to: None,
    };
    assert_eq!(m.to_json(), sample("send_reaction_syntax.json"));
}

#[test]
fn reply_context_is_added() {
    let mut m = OutboundMessage::text("+1", "hi");
    m.reply_to = Some("wamid.ABC".into());
    let v = m.to_json();
    assert_eq!(v["context"]["message_id"], "wamid.ABC");
    assert_eq!(v["recipient_type"], "individual");
    assert_eq!(v["messaging_product"], "whatsapp");
    assert!(v["text"].get("preview_url").is_none());
}
