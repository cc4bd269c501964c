//! Message templates end to end: synced from the fake Graph API (both pages),
//! listed for the reply box, sent to a ticket whose 24-hour window has closed
//! (the fake receives exactly Meta's body), refused when not approved or filled
//! wrongly, and a status webhook changing one.

mod harness;

use harness::{Harness, eventually};
use parley_whatsapp::simulate;
use serde_json::{Value, json};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);
const CUSTOMER: &str = "15550400";

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}/{}:{}",
                t["name"].as_str().unwrap(),
                t["language"].as_str().unwrap(),
                t["status"].as_str().unwrap()
            )
        })
        .collect()
}

async fn sent_template(h: &Harness, name: &str) -> Value {
    eventually(T, "the template at the fake", || async {
        h.fake
            .sent_messages()
            .into_iter()
            .find(|b| b["template"]["name"] == name)
    })
    .await
}

#[tokio::test]
async fn templates_sync_list_send_and_follow_status_webhooks() {
    let clock = parley_core::FakeClock::new(1_795_000_000_000);
    let mut h = Harness::start_with(|_| {}, Some(std::sync::Arc::new(clock.clone()))).await;

    // Sync on demand is for admins; it reads both of the fake's pages.
    let (s, _) = h.post(&h.agent_token, "/templates/sync", json!({})).await;
    assert_eq!(s, 403);
    let (s, r) = h.post(&h.admin_token, "/templates/sync", json!({})).await;
    assert_eq!(s, 200, "{r}");
    let at_meta = h.fake.templates();
    assert_eq!(r["pages"], 2, "{r}");
    assert_eq!(r["total"], at_meta.len());
    // The start-up sync may have run first; either way every template is in.
    assert_eq!(
        r["added"].as_u64().unwrap() + r["unchanged"].as_u64().unwrap(),
        at_meta.len() as u64,
        "{r}"
    );
    let pages: Vec<String> = h
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.path.contains("/message_templates"))
        .map(|q| q.path)
        .collect();
    assert!(pages.iter().any(|p| p.contains("after=")), "{pages:?}");

    // Agents see what can be sent; admins every status.
    let (s, list) = h.get(&h.agent_token, "/templates").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(
        names(&list),
        [
            "appointment_reminder/en_US:APPROVED",
            "hello_world/en_US:APPROVED",
            "order_update/en_US:APPROVED",
            "order_update/es_ES:APPROVED",
            "spring_sale/en_US:APPROVED",
        ]
    );
    assert_eq!(list["sync"]["configured"], true);
    assert!(list["sync"]["last_synced_at"].is_i64());
    assert!(list["sync"]["last_attempt_at"].is_i64());
    assert!(list["sync"]["last_error"].is_null());
    assert!(
        list["sync"]["last_report"]["unchanged"].is_u64(),
        "{}",
        list["sync"]
    );
    let order = &list["items"][2];
    let keys: Vec<&str> = order["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["body.1", "body.2", "body.3", "button.0"]);
    assert_eq!(order["parameters"][0]["example"], "Ana");
    assert_eq!(
        order["preview"]["body"],
        "Hi {{1}}, your order {{2}} has shipped and should arrive by {{3}}."
    );
    assert_eq!(h.get(&h.agent_token, "/templates?status=all").await.0, 403);
    let (_, all) = h.get(&h.admin_token, "/templates?status=all").await;
    assert!(names(&all).contains(&"feedback_request/en_US:PENDING".to_string()));
    assert!(names(&all).contains(&"refund_processed/pt_BR:REJECTED".to_string()));
    assert!(names(&all).contains(&"winter_clearance/en_US:PAUSED".to_string()));

    // A ticket whose 24-hour window has closed.
    h.customer_text(CUSTOMER, "where is my order?").await;
    let ticket = eventually(T, "a ticket", || async {
        h.tickets("").await.into_iter().next()
    })
    .await["id"]
        .as_i64()
        .unwrap();
    clock.advance(24 * 3600 * 1000 + 1);
    h.agent_token = h.login("agent@e2e.test", harness::PASSWORD).await;
    h.admin_token = h.login("admin@e2e.test", harness::PASSWORD).await;
    let path = format!("/tickets/{ticket}/messages");
    let (s, e) = h.post(&h.agent_token, &path, json!({"text": "hi"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("window_closed"))
    );

    // The server builds the components; the fake gets exactly Meta's body.
    let params =
        json!({"body.1": "Ana", "body.2": "10042", "body.3": "Friday", "button.0": "10042"});
    let (s, m) = h
        .post(
            &h.agent_token,
            &path,
            json!({"template": {"name": "order_update", "language": "en_US", "parameters": params}}),
        )
        .await;
    assert_eq!(s, 202, "{m}");
    assert_eq!(m["type"], "template");
    assert_eq!(
        m["text"],
        "Hi Ana, your order 10042 has shipped and should arrive by Friday."
    );
    assert_eq!(
        m["content"]["rendered"]["buttons"],
        json!(["Track order", "Talk to support"])
    );
    let mut body = sent_template(&h, "order_update").await;
    body.as_object_mut().unwrap().remove("wamid");
    assert_eq!(
        body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "template",
            "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"}, {"type": "text", "text": "10042"},
                    {"type": "text", "text": "Friday"}]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": "10042"}]}
            ]}
        })
    );
    let id = m["id"].as_i64().unwrap();
    eventually(T, "the template delivered", || async {
        h.messages(ticket)
            .await
            .into_iter()
            .find(|x| x["id"] == id && x["status"] == "delivered")
    })
    .await;

    // Named parameters go with their names.
    let (s, m) = h
        .post(
            &h.agent_token,
            &path,
            json!({"template": {"name": "appointment_reminder", "language": "en_US", "parameters": {
                "header.date": "3 April", "body.first_name": "Ana", "body.store": "Mitte", "body.time": "11:00"}}}),
        )
        .await;
    assert_eq!(s, 202, "{m}");
    let named = sent_template(&h, "appointment_reminder").await;
    assert_eq!(
        named["template"]["components"][1]["parameters"][0],
        json!({"type": "text", "text": "Ana", "parameter_name": "first_name"})
    );

    // Refused before anything is queued, with a reason the agent can act on.
    let refused = |name: &str, lang: &str, extra: Value| {
        let mut t = json!({"name": name, "language": lang});
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "template": t })
    };
    let cases = [
        (
            refused(
                "order_update",
                "en_US",
                json!({"parameters": {"body.1": "Ana"}}),
            ),
            "needs a value",
        ),
        (
            refused(
                "feedback_request",
                "en_US",
                json!({"parameters": {"body.1": "Ana"}}),
            ),
            "is PENDING",
        ),
        (
            refused("refund_processed", "pt_BR", json!({})),
            "is REJECTED (INVALID_FORMAT)",
        ),
        (
            refused("no_such_template", "en_US", json!({})),
            "no template",
        ),
        (refused("order_update", "de_DE", json!({})), "no template"),
        (
            refused(
                "order_update",
                "en_US",
                json!({"components": [{"type": "body", "parameters": [{"type": "text", "text": "x"}]}]}),
            ),
            "number of localizable_params (1) does not match the expected number of params (3)",
        ),
        (
            refused(
                "hello_world",
                "en_US",
                json!({"parameters": {"body.1": "x"}}),
            ),
            "takes no parameters",
        ),
    ];
    let before = h.fake.sent_messages().len();
    for (body, why) in cases {
        let (s, e) = h.post(&h.agent_token, &path, body.clone()).await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("invalid_template")),
            "{body}: {e}"
        );
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains(why), "{body}: {msg}");
    }
    assert_eq!(
        h.count("SELECT COUNT(*) FROM messages WHERE type = 'template'")
            .await,
        2,
        "nothing refused was stored"
    );

    // Meta pauses spring_sale and says so by webhook: the reply box loses it.
    let sale = at_meta.iter().find(|t| t.name == "spring_sale").unwrap();
    let waba = h.fake.config().waba_id.clone();
    let hook = simulate::template_status(
        &waba,
        "PAUSED",
        &sale.id,
        "spring_sale",
        "en-US",
        Some("LOW_QUALITY"),
    );
    assert_eq!(h.webhook(&hook).await, 200);
    eventually(T, "spring_sale paused", || async {
        let (_, all) = h.get(&h.admin_token, "/templates?status=all").await;
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["name"] == "spring_sale"
                    && t["status"] == "PAUSED"
                    && t["status_reason"] == "LOW_QUALITY"
            })
            .cloned()
    })
    .await;
    let (_, list) = h.get(&h.agent_token, "/templates").await;
    assert!(!names(&list).iter().any(|n| n.starts_with("spring_sale")));
    let (s, e) = h
        .post(
            &h.agent_token,
            &path,
            refused("spring_sale", "en_US", json!({"parameters": {"header": "https://cdn.example.com/a.jpg", "body.1": "Ana", "body.2": "20%"}})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PAUSED (LOW_QUALITY)")
    );

    // Paused at Meta before Parley heard: the fake refuses it as Meta does,
    // and the agent sees Meta's reason on the failed message.
    assert!(h.fake.set_template_status("hello_world", "en_US", "PAUSED"));
    let (s, m) = h
        .post(
            &h.agent_token,
            &path,
            json!({"template": {"name": "hello_world", "language": "en_US"}}),
        )
        .await;
    assert_eq!(s, 202, "{m}");
    let id = m["id"].as_i64().unwrap();
    let failed = eventually(T, "the paused template failed", || async {
        h.messages(ticket)
            .await
            .into_iter()
            .find(|x| x["id"] == id && x["status"] == "failed")
    })
    .await;
    assert!(failed["error"].to_string().contains("132015"), "{failed}");
    assert_eq!(
        h.fake.sent_messages().len(),
        before,
        "the fake accepted nothing refused"
    );

    // A sync brings Meta's view back: the paused hello_world leaves the list too.
    let (s, r) = h.post(&h.admin_token, "/templates/sync", json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert!(r["updated"].as_u64().unwrap() >= 1, "{r}");
    let (_, list) = h.get(&h.agent_token, "/templates").await;
    assert!(!names(&list).iter().any(|n| n.starts_with("hello_world")));
    h.stop().await;
}

#[tokio::test]
async fn without_a_business_account_templates_pass_through() {
    let mut h = Harness::start_with(|c| c.whatsapp.waba_id.clear(), None).await;
    let (s, e) = h.post(&h.admin_token, "/templates/sync", json!({})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("not_configured"))
    );
    let (_, list) = h.get(&h.agent_token, "/templates").await;
    assert_eq!(
        (
            list["items"].as_array().unwrap().len(),
            &list["sync"]["configured"]
        ),
        (0, &json!(false))
    );
    h.customer_text(CUSTOMER, "hello").await;
    let ticket = eventually(T, "a ticket", || async {
        h.tickets("").await.into_iter().next()
    })
    .await["id"]
        .as_i64()
        .unwrap();
    // Unchecked here, so Meta (the fake) is the one to refuse a wrong one.
    let (s, m) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"template": {"name": "no_such_template", "language": "en_US"}}),
        )
        .await;
    assert_eq!(s, 202, "{m}");
    let id = m["id"].as_i64().unwrap();
    let failed = eventually(T, "refused at Meta", || async {
        h.messages(ticket)
            .await
            .into_iter()
            .find(|x| x["id"] == id && x["status"] == "failed")
    })
    .await;
    assert!(failed["error"].to_string().contains("132001"), "{failed}");
    h.stop().await;
}
