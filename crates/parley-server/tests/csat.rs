//! CSAT surveys end to end: signed webhooks in, the agent's API calls, the
//! survey and its follow-ups as the fake Graph API received them, time
//! driven by a fake clock.

mod harness;

use harness::{Harness, PNID, eventually};
use parley_core::{Clock, FakeClock};
use parley_whatsapp::{OutboundMessage, simulate};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);
const MIN: i64 = 60_000;
const QUESTION: &str = "How would you rate your support experience?";
const FOLLOW_UP: &str = "We're sorry to hear that. Could you tell us how we can improve?";
const THANKS: &str = "Thank you for your feedback!";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn start() -> (Harness, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::new(now_ms()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let h = Harness::start_with(|_| {}, Some(dyn_clock)).await;
    setup(&h).await;
    (h, clock)
}

/// One team, Support, with the agent in it and online: every ticket goes to them.
async fn setup(h: &Harness) {
    let (s, v) = h
        .send(
            &h.admin_token,
            reqwest::Method::PUT,
            "/admin/desk",
            json!({
                "teams": [{"name": "Support", "members": ["agent@e2e.test"]}],
                "routing": {"fallback": {"team": "Support", "strategy": "load_balanced"}}
            }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = h
        .send(
            &h.agent_token,
            reqwest::Method::PUT,
            "/me/availability",
            json!({"availability": "online"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

/// The customer writes, the agent gets the ticket, answers and resolves it.
async fn resolved(h: &Harness, from: &str) -> i64 {
    h.customer_text(from, "Hi, my order has not arrived").await;
    let id = eventually(T, "the ticket assigned to the agent", || async {
        h.tickets("")
            .await
            .into_iter()
            .find(|t| t["contact"]["wa_id"] == from && t["assignee"]["id"] == h.agent_id)
            .and_then(|t| t["id"].as_i64())
    })
    .await;
    let (s, v) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{id}/messages"),
            json!({"text": "It ships today, sorry for the wait."}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    resolve(h, id).await;
    id
}

async fn resolve(h: &Harness, id: i64) {
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{id}"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

async fn ticket(h: &Harness, id: i64) -> Value {
    let (s, v) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

/// What the fake Graph API accepted for `to`, of one type.
fn sent_to(h: &Harness, to: &str, kind: &str) -> Vec<Value> {
    h.fake
        .sent_messages()
        .into_iter()
        .filter(|m| m["to"] == to && m["type"] == kind)
        .collect()
}

fn surveys_to(h: &Harness, to: &str) -> Vec<Value> {
    sent_to(h, to, "interactive")
}

fn texts_to(h: &Harness, to: &str) -> Vec<String> {
    sent_to(h, to, "text")
        .into_iter()
        .map(|m| m["text"]["body"].as_str().unwrap().to_string())
        .collect()
}

async fn survey_sent(h: &Harness, to: &str) -> Value {
    eventually(T, "the survey at the customer's phone", || async {
        surveys_to(h, to).into_iter().next()
    })
    .await
}

/// The customer picks a row of the survey list.
async fn rate(h: &Harness, from: &str, survey: &Value, rating: i64) {
    let rows = survey["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with(&format!(":{rating}")))
        .unwrap();
    let status = h
        .webhook(&simulate::list_reply(
            PNID,
            "15550783881",
            from,
            "Ana López",
            &simulate::new_wamid(),
            row["id"].as_str().unwrap(),
            row["title"].as_str().unwrap(),
            None,
            survey["wamid"].as_str().unwrap(),
            h.state().now() / 1000,
        ))
        .await;
    assert_eq!(status, 200);
}

async fn tickets_of(h: &Harness, from: &str) -> Vec<Value> {
    h.tickets("")
        .await
        .into_iter()
        .filter(|t| t["contact"]["wa_id"] == from)
        .collect()
}

/// Lets the scheduler and the sender run (to catch anything done twice).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn the_survey_goes_out_after_the_delay_and_a_top_rating_is_stored_and_thanked() {
    let (mut h, clock) = start().await;
    let from = "15550301";
    let id = resolved(&h, from).await;
    let resolved_at = clock.now_ms();
    let t = ticket(&h, id).await;
    assert_eq!(t["csat"]["state"], "scheduled", "{t}");
    assert_eq!(t["csat"]["scheduled_at"], resolved_at + 10 * MIN);

    // Not before the delay.
    clock.advance(9 * MIN);
    settle().await;
    assert!(surveys_to(&h, from).is_empty());
    assert_eq!(ticket(&h, id).await["csat"]["state"], "scheduled");

    clock.advance(MIN);
    let survey = survey_sent(&h, from).await;
    let survey_id = ticket(&h, id).await["csat"]["id"].as_i64().unwrap();
    let mut body = survey.clone();
    body.as_object_mut().unwrap().remove("wamid");
    assert_eq!(
        body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": from,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": QUESTION},
                "action": {
                    "button": "Rate us",
                    "sections": [{"rows": [
                        {"id": format!("csat:{survey_id}:5"), "title": "⭐⭐⭐⭐⭐ Excellent"},
                        {"id": format!("csat:{survey_id}:4"), "title": "⭐⭐⭐⭐ Good"},
                        {"id": format!("csat:{survey_id}:3"), "title": "⭐⭐⭐ Okay"},
                        {"id": format!("csat:{survey_id}:2"), "title": "⭐⭐ Poor"},
                        {"id": format!("csat:{survey_id}:1"), "title": "⭐ Very poor"}
                    ]}]
                }
            }
        })
    );
    // Within Meta's limits, checked the way Meta checks them (the fake
    // accepted it too): list message, 1-10 rows, titles and button short.
    let parsed = OutboundMessage::from_json(&body).unwrap();
    parsed.expect("a message body").validate().unwrap();
    for row in body["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
    {
        assert!(row["title"].as_str().unwrap().chars().count() <= 24);
    }
    let t = ticket(&h, id).await;
    assert_eq!(t["csat"]["state"], "sent");
    assert_eq!(t["status"], "resolved");
    assert!(
        t["first_response_at"].as_i64().unwrap() < t["csat"]["sent_at"].as_i64().unwrap(),
        "the agent's reply was the first response, not the survey"
    );
    let msgs = h.messages(id).await;
    let shown = msgs.iter().find(|m| m["type"] == "interactive").unwrap();
    assert!(shown["author"].is_null(), "sent by Parley: {shown}");
    assert_eq!(shown["content"]["csat"]["survey_id"], survey_id);

    // The customer taps "Excellent".
    let mut events = h.state().bus.subscribe();
    rate(&h, from, &survey, 5).await;
    let ev = tokio::time::timeout(T, async {
        loop {
            let e = events.recv().await.unwrap();
            if e.name == "csat.received" {
                return e.data;
            }
        }
    })
    .await
    .expect("the csat.received event");
    assert_eq!(ev["ticket_id"], id);
    assert_eq!(ev["rating"], 5);
    assert_eq!(ev["kind"], "rating");
    assert_eq!(ev["notify_agent_ids"], json!([h.agent_id]));
    let t = ticket(&h, id).await;
    assert_eq!(t["csat"]["rating"], 5);
    assert_eq!(t["csat"]["state"], "rated");
    assert_eq!(
        t["csat"]["agent"]["id"], h.agent_id,
        "stored against the agent"
    );
    assert_eq!(t["csat"]["team"]["name"], "Support", "and the team");
    assert_eq!(t["status"], "resolved", "a rating does not reopen");
    assert_eq!(tickets_of(&h, from).await.len(), 1, "nor open a ticket");
    eventually(T, "the thanks", || async {
        texts_to(&h, from)
            .contains(&THANKS.to_string())
            .then_some(())
    })
    .await;
    settle().await;
    let texts = texts_to(&h, from);
    assert!(!texts.contains(&FOLLOW_UP.to_string()), "5: no follow-up");
    assert_eq!(texts.iter().filter(|t| *t == THANKS).count(), 1);
    assert_eq!(surveys_to(&h, from).len(), 1);

    let (s, sum) = h.get(&h.admin_token, "/csat").await;
    assert_eq!(s, 200, "{sum}");
    assert_eq!(sum["surveys_sent"], 1);
    assert_eq!(sum["responses"], 1);
    assert_eq!(sum["response_rate"], 1.0);
    assert_eq!(sum["average_rating"], 5.0);
    assert_eq!(sum["csat_score"], 100.0);
    h.stop().await;
}

#[tokio::test]
async fn a_low_rating_asks_how_to_improve_and_the_answer_is_stored_without_a_ticket() {
    let (mut h, clock) = start().await;
    let from = "15550302";
    let id = resolved(&h, from).await;
    clock.advance(10 * MIN);
    let survey = survey_sent(&h, from).await;
    rate(&h, from, &survey, 2).await;
    eventually(T, "the follow-up question", || async {
        texts_to(&h, from)
            .contains(&FOLLOW_UP.to_string())
            .then_some(())
    })
    .await;
    assert!(!texts_to(&h, from).contains(&THANKS.to_string()));
    let t = ticket(&h, id).await;
    assert_eq!(
        (t["csat"]["rating"].as_i64(), t["status"].as_str()),
        (Some(2), Some("resolved"))
    );

    // The answer is the comment: stored, thanked, no ticket opened or reopened.
    clock.advance(MIN);
    h.customer_text(from, "The courier left it at the wrong door")
        .await;
    eventually(T, "the comment stored", || async {
        let t = ticket(&h, id).await;
        (t["csat"]["state"] == "commented").then_some(())
    })
    .await;
    let t = ticket(&h, id).await;
    assert_eq!(
        t["csat"]["comment"],
        "The courier left it at the wrong door"
    );
    assert_eq!(t["status"], "resolved");
    assert_eq!(tickets_of(&h, from).await.len(), 1);
    eventually(T, "the thanks", || async {
        texts_to(&h, from)
            .contains(&THANKS.to_string())
            .then_some(())
    })
    .await;
    // Both answers are in the conversation, for the agent to read.
    let msgs = h.messages(id).await;
    assert!(
        msgs.iter()
            .any(|m| m["direction"] == "inbound" && m["type"] == "interactive"),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m["text"] == "The courier left it at the wrong door")
    );

    // The summary shows it; an agent sees only their own results.
    let (s, sum) = h.get(&h.agent_token, "/csat").await;
    assert_eq!(s, 200, "{sum}");
    assert_eq!(
        (sum["surveys_sent"].as_i64(), sum["responses"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(sum["distribution"][1], json!({"rating": 2, "count": 1}));
    assert_eq!(sum["csat_score"], 0.0);
    assert_eq!(
        sum["recent_comments"][0]["comment"],
        "The courier left it at the wrong door"
    );
    let admin_id = h.get(&h.admin_token, "/me").await.1["id"].as_i64().unwrap();
    let (s, _) = h
        .get(&h.agent_token, &format!("/csat?agent={admin_id}"))
        .await;
    assert_eq!(s, 403);
    let (s, sum) = h
        .get(&h.admin_token, &format!("/csat?agent={admin_id}"))
        .await;
    assert_eq!((s, sum["surveys_sent"].as_i64()), (200, Some(0)));
    let team = ticket(&h, id).await["team"]["id"].as_i64().unwrap();
    let (_, sum) = h.get(&h.admin_token, &format!("/csat?team={team}")).await;
    assert_eq!(sum["responses"], 1);
    let later = clock.now_ms() + 1;
    let (_, sum) = h.get(&h.admin_token, &format!("/csat?from={later}")).await;
    assert_eq!(sum["surveys_sent"], 0);
    assert!(sum["response_rate"].is_null());

    // Once answered, the customer's messages are a conversation again.
    clock.advance(MIN);
    h.customer_text(from, "Also, can I change my address?")
        .await;
    eventually(T, "the ticket reopened by a normal message", || async {
        (ticket(&h, id).await["status"] != "resolved").then_some(())
    })
    .await;
    h.stop().await;
}

#[tokio::test]
async fn no_survey_twice_none_after_a_reopen_none_for_spam() {
    let (mut h, clock) = start().await;

    // Sent now by the assignee, then the timer: one survey. Again: refused.
    let a = "15550303";
    let id = resolved(&h, a).await;
    let (s, v) = h
        .post(&h.agent_token, &format!("/tickets/{id}/csat"), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["state"], "sent");
    assert!(v["sent_by"].is_i64());
    survey_sent(&h, a).await;
    let (s, v) = h
        .post(&h.admin_token, &format!("/tickets/{id}/csat"), json!({}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{v}"
    );
    clock.advance(11 * MIN);
    settle().await;
    assert_eq!(surveys_to(&h, a).len(), 1);
    // Reopened by the customer and resolved again: still one.
    h.customer_text(a, "One more question").await;
    eventually(T, "reopened", || async {
        (ticket(&h, id).await["status"] != "resolved").then_some(())
    })
    .await;
    resolve(&h, id).await;
    clock.advance(11 * MIN);
    settle().await;
    assert_eq!(surveys_to(&h, a).len(), 1);

    // Reopened during the delay: skipped.
    let b = "15550304";
    let id_b = resolved(&h, b).await;
    clock.advance(5 * MIN);
    h.customer_text(b, "Actually it is still broken").await;
    eventually(T, "reopened", || async {
        (ticket(&h, id_b).await["status"] != "resolved").then_some(())
    })
    .await;
    clock.advance(6 * MIN);
    eventually(T, "the survey skipped", || async {
        let t = ticket(&h, id_b).await;
        (t["csat"]["state"] == "skipped").then_some(t)
    })
    .await;
    assert_eq!(ticket(&h, id_b).await["csat"]["skip_reason"], "reopened");
    // "Send now" on an open ticket is refused as well.
    let (s, _) = h
        .post(&h.agent_token, &format!("/tickets/{id_b}/csat"), json!({}))
        .await;
    assert_eq!(s, 409);
    assert!(surveys_to(&h, b).is_empty());

    // Closed as spam: none.
    let c = "15550305";
    let id_c = resolved(&h, c).await;
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{id_c}"),
            json!({"status": "closed", "close_reason": "spam"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["close_reason"], "spam");
    assert_eq!(v["csat"]["skip_reason"], "spam");
    clock.advance(11 * MIN);
    settle().await;
    assert!(surveys_to(&h, c).is_empty());

    // Roles: only the assignee, supervisors and admins send it by hand.
    let d = "15550306";
    let id_d = resolved(&h, d).await;
    let (s, v) = h
        .post(
            &h.admin_token,
            "/agents",
            json!({"email": "other@e2e.test", "name": "Other", "role": "agent", "password": "longenough1"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let other = h.login("other@e2e.test", "longenough1").await;
    let (s, _) = h
        .post(&other, &format!("/tickets/{id_d}/csat"), json!({}))
        .await;
    assert_eq!(s, 403);
    let (s, _) = h
        .post(&h.admin_token, &format!("/tickets/{id_d}/csat"), json!({}))
        .await;
    assert_eq!(s, 202);
    survey_sent(&h, d).await;

    // The response rate counts every survey sent.
    let (_, sum) = h.get(&h.admin_token, "/csat").await;
    assert_eq!(
        (sum["surveys_sent"].as_i64(), sum["responses"].as_i64()),
        (Some(2), Some(0))
    );
    assert_eq!(sum["response_rate"], 0.0);
    let skipped = sum["skipped"].as_array().unwrap();
    for reason in ["reopened", "spam"] {
        assert!(skipped.iter().any(|s| s["reason"] == reason), "{sum}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_restart_between_resolution_and_survey_still_sends_it_exactly_once() {
    let clock = Arc::new(FakeClock::new(now_ms()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock.clone())).await;
    setup(&h).await;
    let from = "15550307";
    let id = resolved(&h, from).await;
    assert_eq!(ticket(&h, id).await["csat"]["state"], "scheduled");

    let dir = std::mem::replace(&mut h.dir, tempfile::tempdir().unwrap());
    h.stop().await;
    clock.advance(30 * MIN);
    let mut h = Harness::start_in(dir, |_| {}, Some(dyn_clock)).await;
    let survey = survey_sent(&h, from).await;
    assert!(
        survey["interactive"]["action"]["sections"][0]["rows"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("csat:")
    );
    settle().await;
    assert_eq!(surveys_to(&h, from).len(), 1);
    assert_eq!(
        h.count(
            "SELECT COUNT(*) FROM messages WHERE type = 'interactive' AND direction = 'outbound'"
        )
        .await,
        1
    );
    assert_eq!(ticket(&h, id).await["csat"]["state"], "sent");
    h.stop().await;
}

fn settings_with(v: &Value, f: impl FnOnce(&mut Value)) -> Value {
    let mut s = v["settings"].clone();
    f(&mut s);
    s
}

#[tokio::test]
async fn settings_saved_on_the_screen_are_used_at_once_and_survive_a_restart() {
    let clock = Arc::new(FakeClock::new(now_ms()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock.clone())).await;
    setup(&h).await;

    // Admins only; the defaults at first.
    let (s, _) = h.get(&h.agent_token, "/admin/csat").await;
    assert_eq!(s, 403);
    let (s, doc) = h.get(&h.admin_token, "/admin/csat").await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["source"], "default");
    assert_eq!(doc["editable"], true);
    assert_eq!(doc["settings"]["delay"], "10m");
    assert_eq!(doc["settings"]["question"], QUESTION);
    assert_eq!(doc["defaults"], doc["settings"]);

    // Bad input is refused whole, naming what is wrong; nothing changes.
    let put = |body: Value| {
        let h = &h;
        async move {
            h.send(&h.admin_token, reqwest::Method::PUT, "/admin/csat", body)
                .await
        }
    };
    let (s, v) = put(settings_with(&doc, |s| s["delay"] = json!("soon"))).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "invalid_csat");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("delay"),
        "{v}"
    );
    let (s, v) = put(settings_with(&doc, |s| {
        s["labels"][4] = json!("Absolutely wonderful!")
    }))
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("csat survey"),
        "{v}"
    );
    let (s, v) = put(settings_with(&doc, |s| {
        s["button"] = json!("Please rate our support")
    }))
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = put(settings_with(&doc, |s| s["thanks"] = json!("  "))).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("thanks"),
        "{v}"
    );
    let (s, v) = put(json!({"enabled": true})).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = h
        .send(
            &h.agent_token,
            reqwest::Method::PUT,
            "/admin/csat",
            doc["settings"].clone(),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(
        h.get(&h.admin_token, "/admin/csat").await.1["source"],
        "default"
    );

    // A shorter delay and Spanish texts: the next resolution uses them.
    let (s, v) = put(settings_with(&doc, |s| {
        s["delay"] = json!("2m");
        s["question"] = json!("¿Cómo valoras nuestra atención?");
        s["button"] = json!("Valorar");
        s["labels"] = json!(["Muy mala", "Mala", "Normal", "Buena", "Excelente"]);
        s["thanks"] = json!("¡Gracias por tu opinión!");
    }))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["source"], "database");
    assert_eq!(v["settings"]["delay"], "2m");
    assert!(v["updated_at"].as_i64().is_some());

    let from = "15550411";
    let id = resolved(&h, from).await;
    let t = ticket(&h, id).await;
    assert_eq!(t["csat"]["scheduled_at"], clock.now_ms() + 2 * MIN, "{t}");
    clock.advance(2 * MIN);
    let survey = survey_sent(&h, from).await;
    assert_eq!(
        survey["interactive"]["body"]["text"],
        "¿Cómo valoras nuestra atención?"
    );
    assert_eq!(survey["interactive"]["action"]["button"], "Valorar");
    assert_eq!(
        survey["interactive"]["action"]["sections"][0]["rows"][0]["title"],
        "⭐⭐⭐⭐⭐ Excelente"
    );
    rate(&h, from, &survey, 5).await;
    eventually(T, "the new thanks", || async {
        texts_to(&h, from)
            .contains(&"¡Gracias por tu opinión!".to_string())
            .then_some(())
    })
    .await;

    // Turned off: a resolution schedules nothing.
    let (s, v) = put(settings_with(&v, |s| s["enabled"] = json!(false))).await;
    assert_eq!(s, 200, "{v}");
    let from2 = "15550412";
    let id2 = resolved(&h, from2).await;
    assert!(
        ticket(&h, id2).await["csat"].is_null(),
        "no survey while off"
    );

    // Stored: a restart keeps what the admin saved.
    let dir = std::mem::replace(&mut h.dir, tempfile::tempdir().unwrap());
    h.stop().await;
    let mut h = Harness::start_in(dir, |_| {}, Some(dyn_clock)).await;
    let (_, doc) = h.get(&h.admin_token, "/admin/csat").await;
    assert_eq!(doc["source"], "database");
    assert_eq!(doc["settings"]["enabled"], false);
    assert_eq!(doc["settings"]["delay"], "2m");
    assert_eq!(doc["settings"]["button"], "Valorar");
    h.stop().await;
}

#[tokio::test]
async fn a_csat_section_in_the_config_file_wins_and_the_screen_is_read_only() {
    let mut h = Harness::start_with(
        |cfg| {
            cfg.csat.delay_ms = 5 * MIN;
            cfg.csat_from_file = true;
        },
        None,
    )
    .await;
    let (s, doc) = h.get(&h.admin_token, "/admin/csat").await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["source"], "file");
    assert_eq!(doc["editable"], false);
    assert_eq!(doc["settings"]["delay"], "5m");
    let mut changed = doc["settings"].clone();
    changed["delay"] = json!("1m");
    let (s, v) = h
        .send(&h.admin_token, reqwest::Method::PUT, "/admin/csat", changed)
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "managed_by_file");
    assert_eq!(
        h.get(&h.admin_token, "/admin/csat").await.1["settings"]["delay"],
        "5m"
    );
    h.stop().await;
}
