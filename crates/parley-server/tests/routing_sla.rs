//! Routing, SLA clocks and escalation end to end: signed webhooks in, the
//! desk configured through the admin API or a file, decisions checked on the
//! tickets and their timelines, deadlines driven by a fake clock.

mod harness;

use harness::{Harness, eventually};
use parley_core::{Clock, FakeClock};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);
const MIN: i64 = 60_000;

/// Two teams: Billing (the agent) and Support (the admin), billing words to
/// Billing by skill, everything else to Support, Support escalates to
/// Billing's lead team "Management".
fn desk() -> Value {
    json!({
        "teams": [
            {"name": "Support", "members": ["admin@e2e.test"], "lead": "admin@e2e.test", "escalates_to": "Tier 2"},
            {"name": "Billing", "members": ["agent@e2e.test"], "lead": "admin@e2e.test", "escalates_to": "Tier 2"},
            {"name": "Tier 2", "members": ["admin@e2e.test"], "lead": "admin@e2e.test"},
            {"name": "Management", "members": ["admin@e2e.test"]}
        ],
        "agents": [{"email": "agent@e2e.test", "skills": ["billing"], "languages": ["en", "es"]}],
        "routing": {
            "issue_types": {"billing": ["invoice", "charged twice", "refund"]},
            "rules": [
                {"name": "Billing", "when": {"issue_type": ["billing"]},
                 "then": {"team": "Billing", "strategy": "skill", "labels": ["billing"]}}
            ],
            "fallback": {"team": "Support", "strategy": "load_balanced"}
        },
        "escalation": {"management_team": "Management"}
    })
}

async fn configure(h: &Harness, desk: Value) {
    let (s, v) = h
        .send(&h.admin_token, reqwest::Method::PUT, "/admin/desk", desk)
        .await;
    assert_eq!(s, 200, "{v}");
}

async fn set_online(h: &Harness, token: &str, availability: &str) {
    let (s, v) = h
        .send(
            token,
            reqwest::Method::PUT,
            "/me/availability",
            json!({"availability": availability}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["availability"], availability);
}

async fn audit(h: &Harness, ticket: i64) -> Vec<Value> {
    let (s, v) = h
        .get(&h.admin_token, &format!("/tickets/{ticket}/audit"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn actions(entries: &[Value], action: &str) -> Vec<Value> {
    entries
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn ticket_of(h: &Harness, from: &str) -> Value {
    eventually(T, "the customer's ticket", || async {
        h.tickets("")
            .await
            .into_iter()
            .find(|t| t["contact"]["wa_id"] == from)
    })
    .await
}

async fn routed(h: &Harness, from: &str) -> Value {
    let id = ticket_of(h, from).await["id"].as_i64().unwrap();
    eventually(T, "the routing decision", || async {
        (!actions(&audit(h, id).await, "routed").is_empty()).then_some(())
    })
    .await;
    h.get(&h.admin_token, &format!("/tickets/{id}")).await.1
}

#[tokio::test]
async fn tickets_are_routed_by_rules_and_every_decision_is_explained() {
    let mut h = Harness::start().await;
    configure(&h, desk()).await;
    set_online(&h, &h.agent_token, "online").await;
    set_online(&h, &h.admin_token, "online").await;

    h.customer_text("15550001", "Hi, I was charged twice on my last invoice")
        .await;
    let t = routed(&h, "15550001").await;
    assert_eq!(t["team"]["name"], "Billing");
    assert_eq!(t["assignee"]["name"], "Alan Agent");
    assert_eq!(t["status"], "assigned");
    assert_eq!(t["issue_type"], "billing");
    assert_eq!(t["routing_strategy"], "skill");
    assert_eq!(t["language"], "en");
    assert_eq!(t["labels"], json!(["billing"]));
    let entry = &actions(&audit(&h, t["id"].as_i64().unwrap()).await, "routed")[0];
    let why = entry["detail"]["explanation"].as_str().unwrap();
    assert!(why.contains("rule \"Billing\" matched"), "{why}");
    assert!(why.contains("agent@e2e.test"), "{why}");
    assert!(why.contains("0 open of 6"), "{why}");

    // Nothing matches: the fallback team, least loaded.
    h.customer_text("15550002", "Hello, do you ship to Norway?")
        .await;
    let t = routed(&h, "15550002").await;
    assert_eq!(t["team"]["name"], "Support");
    assert_eq!(t["assignee"]["name"], "Ada Admin");
    let why =
        actions(&audit(&h, t["id"].as_i64().unwrap()).await, "routed")[0]["detail"]["explanation"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(why.starts_with("fallback"), "{why}");

    // The agent's load is visible to supervisors, live.
    let (_, q) = h.get(&h.admin_token, "/queues").await;
    let billing = q["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Billing")
        .unwrap()
        .clone();
    assert_eq!(billing["members"][0]["open_tickets"], 1);
    assert_eq!(billing["queued"], 0);

    // A dry run explains without writing anything.
    let before = h.count("SELECT COUNT(*) FROM tickets").await;
    let (s, v) = h
        .post(
            &h.admin_token,
            "/routing/try",
            json!({"text": "necesito un refund de mi factura"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rule"], "Billing");
    assert_eq!(v["team"], "Billing");
    assert!(v["explanation"].as_str().unwrap().contains("skill"), "{v}");
    assert_eq!(h.count("SELECT COUNT(*) FROM tickets").await, before);
    // A draft (the settings screen's unsaved rules) is tried without being applied.
    let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
    let mut draft = doc["spec"].clone();
    draft["routing"]["rules"].as_array_mut().unwrap().insert(
        0,
        json!({"name": "Norway", "when": {"keywords": ["norway"]}, "then": {"team": "Billing"}}),
    );
    let (s, v) = h
        .post(
            &h.admin_token,
            "/routing/try",
            json!({"text": "Do you ship to Norway?", "desk": draft}),
        )
        .await;
    assert_eq!((s, v["rule"].as_str()), (200, Some("Norway")), "{v}");
    let (_, v) = h
        .post(
            &h.admin_token,
            "/routing/try",
            json!({"text": "Do you ship to Norway?"}),
        )
        .await;
    assert!(v["rule"].is_null(), "the draft was not applied: {v}");
    draft["routing"]["rules"][0]["then"]["team"] = json!("Nobody");
    let (s, v) = h
        .post(
            &h.admin_token,
            "/routing/try",
            json!({"text": "x", "desk": draft}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("Nobody"),
        "{v}"
    );
    let (s, _) = h
        .post(&h.agent_token, "/routing/try", json!({"text": "x"}))
        .await;
    assert_eq!(s, 403, "agents cannot dry-run the rules");
    h.stop().await;
}

#[tokio::test]
async fn queued_tickets_wait_by_priority_and_go_out_when_capacity_frees() {
    let mut h = Harness::start().await;
    configure(&h, desk()).await;
    let (s, v) = h
        .patch(
            &h.admin_token,
            &format!("/agents/{}", h.agent_id),
            json!({"capacity": 1}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["capacity"], 1);
    // Offline: nobody can take billing tickets, so they queue.
    h.customer_text("15550011", "refund please, the invoice is wrong")
        .await;
    let first = routed(&h, "15550011").await;
    assert!(first["assignee"].is_null());
    assert!(first["queued_at"].is_i64(), "{first}");
    h.customer_text("15550012", "URGENT: charged twice, this is fraud")
        .await;
    let second = routed(&h, "15550012").await;
    assert!(second["queued_at"].is_i64());
    assert_eq!(second["priority"], "urgent", "triage raised it");

    // Coming online takes the most urgent one first; capacity 1 holds the other back.
    set_online(&h, &h.agent_token, "online").await;
    let id2 = second["id"].as_i64().unwrap();
    eventually(T, "the urgent ticket assigned from the queue", || async {
        let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id2}")).await;
        (t["assignee"]["id"] == h.agent_id).then_some(())
    })
    .await;
    let id1 = first["id"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, t1) = h.get(&h.admin_token, &format!("/tickets/{id1}")).await;
    assert!(t1["assignee"].is_null(), "capacity is a hard limit: {t1}");
    let entry = &actions(&audit(&h, id2).await, "assigned_from_queue")[0];
    assert!(
        entry["detail"]["explanation"]
            .as_str()
            .unwrap()
            .contains("from the Billing queue"),
        "{entry}"
    );

    // Resolving frees the slot: the waiting ticket goes out at once.
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{id2}"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    eventually(T, "the second ticket assigned", || async {
        let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id1}")).await;
        (t["assignee"]["id"] == h.agent_id && t["queued_at"].is_null()).then_some(())
    })
    .await;
    h.stop().await;
}

#[tokio::test]
async fn sla_warnings_breaches_and_escalation_fire_once_even_across_a_restart() {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let clock = Arc::new(FakeClock::new(start));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock.clone())).await;
    configure(&h, desk()).await;
    set_online(&h, &h.admin_token, "online").await;
    let mut events = h.state().bus.subscribe();

    h.customer_text("15550021", "Hello, my parcel never arrived")
        .await;
    let t = routed(&h, "15550021").await;
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["team"]["name"], "Support");
    // Medium priority: first response 1 h (warning at 45 min), escalate after 2 h.
    let created = t["created_at"].as_i64().unwrap();
    assert_eq!(t["sla"]["state"], "ok");
    assert_eq!(t["sla"]["next_target"], "first_response");
    assert_eq!(t["sla"]["first_response_due_at"], created + 60 * MIN);
    assert_eq!(t["sla"]["first_response_warn_at"], created + 45 * MIN);
    assert_eq!(t["sla"]["escalate_at"], created + 120 * MIN);

    clock.set(created + 46 * MIN);
    eventually(T, "the first-response warning", || async {
        (!actions(&audit(&h, id).await, "sla_warning").is_empty()).then_some(())
    })
    .await;
    let ev = tokio::time::timeout(T, async {
        loop {
            let e = events.recv().await.unwrap();
            if e.name == "sla.warning" {
                return e.data;
            }
        }
    })
    .await
    .expect("the sla.warning event");
    assert_eq!(ev["ticket_id"], id);
    assert_eq!(ev["target"], "first_response");
    assert_eq!(
        ev["due_at"],
        created + 60 * MIN,
        "the deadline, not the warning time"
    );
    assert_eq!(ev["warn_at"], created + 45 * MIN);
    let admin_id = h
        .state()
        .store
        .agent_id_by_email("admin@e2e.test")
        .await
        .unwrap()
        .unwrap();
    assert!(
        ev["notify_agent_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(admin_id)),
        "the assignee and the team lead are told: {ev}"
    );
    let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert_eq!(t["sla"]["state"], "warning");

    // Restart (same data, same clock), then let the breach and the
    // escalate-after deadline pass while it is down.
    let dir = std::mem::replace(&mut h.dir, tempfile::tempdir().unwrap());
    h.stop().await;
    clock.set(created + 125 * MIN);
    let mut h = Harness::start_in(dir, |_| {}, Some(dyn_clock.clone())).await;
    eventually(
        T,
        "the breach and the escalation after the restart",
        || async {
            let a = audit(&h, id).await;
            (!actions(&a, "sla_breached").is_empty() && !actions(&a, "escalated").is_empty())
                .then_some(())
        },
    )
    .await;
    // Give the scheduler time to (wrongly) fire anything twice.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let a = audit(&h, id).await;
    assert_eq!(actions(&a, "sla_warning").len(), 1, "{a:#?}");
    assert_eq!(actions(&a, "sla_breached").len(), 1, "{a:#?}");
    let esc = actions(&a, "escalated");
    assert_eq!(esc.len(), 1, "{a:#?}");
    assert_eq!(esc[0]["detail"]["to_team"], "Tier 2");
    let summary = esc[0]["detail"]["summary"].as_str().unwrap();
    assert!(summary.contains("Handled by"), "{summary}");
    assert!(summary.contains("breached"), "{summary}");
    let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert_eq!(t["team"]["name"], "Tier 2");
    assert_eq!(t["escalation_level"], 1);
    assert_eq!(t["sla"]["state"], "breached");
    assert!(t["sla"]["remaining_ms"].as_i64().unwrap() < 0);
    assert!(t["sla"]["first_response_breached_at"].is_i64());
    assert_eq!(
        h.count("SELECT COUNT(*) FROM timers WHERE fired_at IS NOT NULL AND kind = 'sla.first_response.breach'")
            .await,
        1
    );
    h.stop().await;
}

#[tokio::test]
async fn waiting_on_the_customer_stops_the_clock() {
    let start = 1_795_000_000_000;
    let clock = Arc::new(FakeClock::new(start));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock)).await;
    configure(&h, desk()).await;
    set_online(&h, &h.admin_token, "online").await;
    h.customer_text("15550031", "Hello, my parcel never arrived")
        .await;
    let t = routed(&h, "15550031").await;
    let id = t["id"].as_i64().unwrap();
    let created = t["created_at"].as_i64().unwrap();

    clock.set(created + 10 * MIN);
    let (s, v) = h
        .post(
            &h.admin_token,
            &format!("/tickets/{id}/messages"),
            json!({"text": "Could you send the order number?"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (s, v) = h
        .patch(
            &h.admin_token,
            &format!("/tickets/{id}"),
            json!({"status": "pending"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sla"]["state"], "paused");
    assert!(v["sla"]["resolution_due_at"].is_null());
    assert_eq!(v["sla"]["elapsed_ms"], 10 * MIN);

    // Five hours later the customer answers: the 8 h resolution target has
    // 7 h 50 min left, counted from now.
    clock.set(created + 310 * MIN);
    h.customer_text("15550031", "It is 12345").await;
    let t = eventually(T, "the ticket back in progress", || async {
        let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
        (t["status"] == "in_progress").then_some(t)
    })
    .await;
    assert_eq!(t["sla"]["state"], "ok");
    assert_eq!(
        t["sla"]["resolution_due_at"],
        created + 310 * MIN + 470 * MIN
    );
    assert!(
        t["sla"]["first_response_due_at"].is_null(),
        "already answered"
    );
    h.stop().await;
}

/// A local endpoint that records the notifications Parley sends.
async fn notification_sink() -> (
    String,
    Arc<std::sync::Mutex<Vec<(String, String, Vec<u8>)>>>,
) {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                sink.lock().unwrap().push((
                    h("x-parley-event"),
                    h("x-parley-signature-256"),
                    body.to_vec(),
                ));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

#[tokio::test]
async fn a_customer_asking_for_a_manager_escalates_with_a_signed_notification() {
    let (url, got) = notification_sink().await;
    let secret = "notify-secret-0123456789";
    let mut h = Harness::start_with(
        |c| {
            c.notify = Some(parley_server::notifier::NotifyConfig {
                url: url.clone(),
                secret: secret.into(),
            })
        },
        None,
    )
    .await;
    configure(&h, desk()).await;
    set_online(&h, &h.admin_token, "online").await;
    h.customer_text("15550041", "Hello, where is my order?")
        .await;
    let t = routed(&h, "15550041").await;
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["team"]["name"], "Support");

    h.customer_text("15550041", "Quiero hablar con el gerente, ya!")
        .await;
    let t = eventually(T, "the escalation to management", || async {
        let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
        (t["team"]["name"] == "Management").then_some(t)
    })
    .await;
    assert_eq!(t["escalation_level"], 1);
    let esc = actions(&audit(&h, id).await, "escalated");
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0]["detail"]["path"], "management");
    assert!(
        esc[0]["detail"]["trigger"]
            .as_str()
            .unwrap()
            .contains("manager"),
        "{esc:?}"
    );
    // Saying it again does not escalate again.
    h.customer_text("15550041", "GERENTE. Quiero hablar con el gerente")
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(actions(&audit(&h, id).await, "escalated").len(), 1);

    let (event, sig, body) = eventually(T, "the notification", || async {
        got.lock().unwrap().first().cloned()
    })
    .await;
    assert_eq!(event, "ticket.escalated");
    assert_eq!(
        sig,
        parley_whatsapp::signature::sign(secret.as_bytes(), &body),
        "signed over the raw body"
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["event"], "ticket.escalated");
    assert_eq!(v["data"]["ticket_id"], id);
    assert_eq!(v["data"]["to_team"], "Management");
    h.stop().await;
}

#[tokio::test]
async fn manual_escalation_and_transfer_keep_the_history() {
    let mut h = Harness::start().await;
    configure(&h, desk()).await;
    set_online(&h, &h.admin_token, "online").await;
    h.customer_text("15550051", "My package is damaged").await;
    let t = routed(&h, "15550051").await;
    let id = t["id"].as_i64().unwrap();
    h.post(
        &h.admin_token,
        &format!("/tickets/{id}/notes"),
        json!({"text": "Asked for photos"}),
    )
    .await;

    let (s, v) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{id}/escalate"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(s, 400, "a reason is required: {v}");
    let (s, v) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{id}/escalate"),
            json!({"reason": "needs a replacement approval"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["to_team"], "Tier 2");
    assert_eq!(v["path"], "next_level");
    assert!(
        v["summary"].as_str().unwrap().contains("Asked for photos"),
        "{v}"
    );
    let (s, v) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{id}/escalate"),
            json!({"reason": "x", "team": "Nowhere"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");

    let billing = h.get(&h.admin_token, "/teams").await.1["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Billing")
        .unwrap()["id"]
        .clone();
    let (s, v) = h
        .post(
            &h.admin_token,
            &format!("/tickets/{id}/transfer"),
            json!({"team_id": billing, "agent_id": h.agent_id, "note": "refund needed"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["team"]["name"], "Billing");
    assert_eq!(v["assignee"]["id"], h.agent_id);
    let texts: Vec<String> = h
        .messages(id)
        .await
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_string))
        .collect();
    assert!(
        texts.contains(&"My package is damaged".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"Asked for photos".to_string()), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Transferred from Tier 2: refund needed")),
        "{texts:?}"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_bad_desk_is_refused_whole_and_the_last_good_one_stays() {
    let mut h = Harness::start().await;
    configure(&h, desk()).await;
    let mut bad = desk();
    bad["routing"]["rules"][0]["then"]["team"] = json!("Bilingg");
    let (s, v) = h
        .send(&h.admin_token, reqwest::Method::PUT, "/admin/desk", bad)
        .await;
    assert_eq!(s, 422, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("Bilingg"), "{msg}");
    let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
    assert_eq!(
        doc["spec"]["routing"]["rules"][0]["then"]["team"],
        "Billing"
    );
    assert_eq!(doc["status"]["source"], "database");
    let (s, _) = h.get(&h.agent_token, "/admin/desk").await;
    assert_eq!(s, 403);
    let (s, v) = h
        .send(
            &h.admin_token,
            reqwest::Method::PUT,
            "/admin/desk",
            json!({"sla": {"warn_at_percent": 150}}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    h.stop().await;
}

#[tokio::test]
async fn the_desk_file_is_reloaded_and_a_broken_edit_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.toml");
    let good = "[[teams]]\nname = \"Support\"\n\n[routing.fallback]\nteam = \"Support\"\n";
    std::fs::write(&path, good).unwrap();
    let p = path.clone();
    let mut h = Harness::start_in(dir, move |c| c.desk_file = Some(p), None).await;
    let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
    assert_eq!(doc["status"]["source"], "file");
    let (s, v) = h
        .send(&h.admin_token, reqwest::Method::PUT, "/admin/desk", desk())
        .await;
    assert_eq!(s, 409, "the file is the source of truth: {v}");

    std::fs::write(
        &path,
        format!("{good}\n[[teams]]\nname = \"Sales\"\nhours = \"nope\"\n"),
    )
    .unwrap();
    let err = eventually(T, "the reload error", || async {
        let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
        doc["status"]["last_error"].as_str().map(str::to_string)
    })
    .await;
    assert!(err.contains("desk.toml: line 7"), "{err}");
    assert!(err.contains("\"nope\""), "{err}");
    let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
    assert_eq!(
        doc["spec"]["teams"].as_array().unwrap().len(),
        1,
        "still the last good one"
    );

    std::fs::write(&path, format!("{good}\n[[teams]]\nname = \"Sales\"\n")).unwrap();
    eventually(T, "the fixed file in force", || async {
        let (_, doc) = h.get(&h.admin_token, "/admin/desk").await;
        (doc["spec"]["teams"].as_array().unwrap().len() == 2
            && doc["status"]["last_error"].is_null())
        .then_some(())
    })
    .await;
    h.stop().await;
}

#[tokio::test]
async fn agents_set_their_availability_and_admins_their_routing_profile() {
    let mut h = Harness::start().await;
    let (s, v) = h
        .send(
            &h.agent_token,
            reqwest::Method::PUT,
            "/me/availability",
            json!({"availability": "busy"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("online"),
        "{v}"
    );
    set_online(&h, &h.agent_token, "away").await;
    let (s, _) = h
        .patch(
            &h.agent_token,
            &format!("/agents/{}", h.agent_id),
            json!({"capacity": 9}),
        )
        .await;
    assert_eq!(s, 403, "agents cannot change routing attributes");
    let (s, v) = h
        .patch(
            &h.admin_token,
            &format!("/agents/{}", h.agent_id),
            json!({"skills": ["Billing", " returns "], "languages": ["es"], "seniority": 3, "capacity": 8, "role": "supervisor"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["skills"], json!(["billing", "returns"]));
    assert_eq!(v["role"], "supervisor");
    assert_eq!(v["capacity"], 8);
    let (s, v) = h
        .patch(
            &h.admin_token,
            &format!("/agents/{}", h.agent_id),
            json!({"capacity": 0}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    h.stop().await;
}

#[tokio::test]
async fn after_hours_the_bot_keeps_the_ticket_and_people_take_it_when_the_team_opens() {
    // Saturday 2026-11-28 12:00 UTC; Support works Mon-Fri 09:00-17:00 UTC.
    let saturday_noon = 1_795_867_200_000;
    let monday_0901 = 1_796_029_260_000;
    let clock = Arc::new(FakeClock::new(saturday_noon));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock)).await;
    configure(
        &h,
        json!({
            "hours": {"weekdays": {"timezone": "UTC", "mon": ["09:00-17:00"], "tue": ["09:00-17:00"],
                      "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}},
            "teams": [{"name": "Support", "members": ["agent@e2e.test"], "hours": "weekdays"}],
            "routing": {
                "rules": [{"name": "After hours", "when": {"team_closed": "Support"},
                           "then": {"bot_only": true, "auto_reply": "We are closed; we answer from Monday 09:00."}}],
                "fallback": {"team": "Support", "strategy": "time_based"}
            }
        }),
    )
    .await;
    set_online(&h, &h.agent_token, "online").await;
    h.customer_text("15550061", "Hi, is my order shipped?")
        .await;
    let t = routed(&h, "15550061").await;
    assert_eq!(t["bot_only"], true, "{t}");
    assert!(t["assignee"].is_null());
    assert_eq!(t["team"]["name"], "Support");
    let reply = eventually(T, "the auto-reply at the customer's phone", || async {
        h.fake
            .sent_messages()
            .into_iter()
            .find(|m| m["to"] == "15550061")
    })
    .await;
    assert_eq!(
        reply["text"]["body"],
        "We are closed; we answer from Monday 09:00."
    );
    // The auto-reply is not a first response: the SLA clock keeps running.
    let id = t["id"].as_i64().unwrap();
    let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert!(t["first_response_at"].is_null());

    // Still closed: nobody gets it, even though the agent is online.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert!(t["assignee"].is_null());
    assert!(t["queued_at"].is_i64(), "waits in the queue: {t}");

    clock.set(monday_0901);
    // Sessions last 12 hours; the weekend went by.
    h.admin_token = h.login("admin@e2e.test", harness::PASSWORD).await;
    eventually(T, "the ticket assigned when Support opens", || async {
        let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
        (t["assignee"]["id"] == h.agent_id && t["bot_only"] == false).then_some(())
    })
    .await;
    h.stop().await;
}

#[tokio::test]
async fn routing_and_sla_timers_run_on_postgresql_too() {
    let pg = harness::PgSchema::create("e2e_rt").await;
    let url = pg.url.clone();
    let start = 1_795_000_000_000;
    let clock = Arc::new(FakeClock::new(start));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(move |c| c.database_url = Some(url), Some(dyn_clock)).await;
    configure(&h, desk()).await;
    set_online(&h, &h.agent_token, "online").await;
    h.customer_text("15550071", "Refund please, the invoice is wrong")
        .await;
    let t = routed(&h, "15550071").await;
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["team"]["name"], "Billing");
    assert_eq!(t["assignee"]["id"], h.agent_id);
    // "refund" makes it high: first response 15 min, escalate after 30 min.
    assert_eq!(t["priority"], "high");
    let created = t["created_at"].as_i64().unwrap();
    clock.set(created + 31 * MIN);
    eventually(T, "breach and escalation on postgres", || async {
        let a = audit(&h, id).await;
        (actions(&a, "sla_breached").len() == 1 && actions(&a, "escalated").len() == 1)
            .then_some(())
    })
    .await;
    let (_, t) = h.get(&h.admin_token, &format!("/tickets/{id}")).await;
    assert_eq!(t["team"]["name"], "Tier 2");
    h.stop().await;
    pg.drop().await;
}

#[tokio::test]
async fn a_shared_queue_is_worked_by_the_teams_it_is_shared_with_and_not_the_reverse() {
    let mut h = Harness::start().await;
    configure(
        &h,
        json!({
            "teams": [
                {"name": "Billing", "members": ["admin@e2e.test"], "shared_with": ["Support"]},
                {"name": "Support", "members": ["agent@e2e.test"]}
            ],
            "routing": {
                "rules": [{"name": "Billing", "when": {"keywords": ["invoice"]}, "then": {"team": "Billing"}}],
                "fallback": {"team": "Support"}
            }
        }),
    )
    .await;
    let admin_id = h
        .state()
        .store
        .agent_id_by_email("admin@e2e.test")
        .await
        .unwrap()
        .unwrap();
    // Billing's own member first, even busier than the Support agent.
    set_online(&h, &h.admin_token, "online").await;
    h.customer_text("15550080", "invoice question one").await;
    assert_eq!(routed(&h, "15550080").await["assignee"]["id"], admin_id);
    set_online(&h, &h.agent_token, "online").await;
    h.customer_text("15550083", "invoice question two").await;
    let t = routed(&h, "15550083").await;
    assert_eq!(t["assignee"]["id"], admin_id, "own members first: {t}");

    // Billing's own member away: Support's agent takes Billing's ticket.
    set_online(&h, &h.admin_token, "away").await;
    h.customer_text("15550081", "question about my invoice")
        .await;
    let t = routed(&h, "15550081").await;
    assert_eq!(t["team"]["name"], "Billing");
    assert_eq!(t["assignee"]["id"], h.agent_id, "{t}");
    let why =
        actions(&audit(&h, t["id"].as_i64().unwrap()).await, "routed")[0]["detail"]["explanation"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(why.contains("shared with Support"), "{why}");

    // Support's queue is not shared with Billing: the admin does not get it.
    set_online(&h, &h.agent_token, "away").await;
    set_online(&h, &h.admin_token, "online").await;
    h.customer_text("15550082", "hello, a general question")
        .await;
    let t = routed(&h, "15550082").await;
    assert_eq!(t["team"]["name"], "Support");
    assert!(t["assignee"].is_null(), "{t}");
    assert!(t["queued_at"].is_i64());
    h.stop().await;
}

#[tokio::test]
async fn a_contact_back_about_the_same_issue_is_escalated_as_a_repeat_contact() {
    let mut h = Harness::start().await;
    configure(&h, desk()).await;
    set_online(&h, &h.agent_token, "online").await;
    h.customer_text("15550091", "my invoice is wrong").await;
    let first = routed(&h, "15550091").await;
    let first_id = first["id"].as_i64().unwrap();
    assert_eq!(first["labels"], json!(["billing"]));
    for status in ["resolved", "closed"] {
        let (s, v) = h
            .patch(
                &h.agent_token,
                &format!("/tickets/{first_id}"),
                json!({ "status": status }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }

    // Back within the window about the same thing: a new ticket, escalated.
    h.customer_text("15550091", "the refund for that invoice never came")
        .await;
    let second = eventually(T, "the second ticket", || async {
        h.tickets("")
            .await
            .into_iter()
            .find(|t| t["contact"]["wa_id"] == "15550091" && t["id"] != first_id)
    })
    .await;
    let id = second["id"].as_i64().unwrap();
    let esc = eventually(T, "the repeat-contact escalation", || async {
        actions(&audit(&h, id).await, "escalated")
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(esc["detail"]["kind"], "repeat_contact", "{esc}");
    assert!(
        esc["detail"]["trigger"]
            .as_str()
            .unwrap()
            .contains(&format!("#{first_id}")),
        "{esc}"
    );
    assert_eq!(esc["detail"]["to_team"], "Tier 2");
    h.stop().await;
}
