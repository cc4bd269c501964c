//! Agents working one ticket together, end to end over HTTP: notes with
//! @mentions and the mentions view, a supervisor's whisper that only its
//! agent sees (in the conversation, the search and the event stream),
//! collision presence, the duplicate-reply guard, and canned responses
//! filled per ticket.

mod harness;

use futures_util::StreamExt;
use harness::{Harness, PASSWORD, eventually};
use parley_core::Role;
use parley_store::NewAgent;
use serde_json::{Value, json};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

async fn ticket_of(h: &Harness, wa_id: &str) -> i64 {
    eventually(T, "the ticket", || async move {
        h.tickets("?status=open")
            .await
            .into_iter()
            .find(|t| t["contact"]["wa_id"] == wa_id)
            .map(|t| t["id"].as_i64().unwrap())
    })
    .await
}

async fn add_agent(h: &Harness, email: &str, name: &str, role: Role) -> (i64, String) {
    let hash = parley_server::auth::hash_password(PASSWORD).unwrap();
    let agent = h
        .state()
        .store
        .create_agent(
            &NewAgent {
                email: email.into(),
                name: name.into(),
                role,
                password_hash: hash,
            },
            h.state().now(),
        )
        .await
        .unwrap();
    (agent.id, h.login(email, PASSWORD).await)
}

fn count(counts: &Value, view: &str) -> Option<i64> {
    counts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["view"] == view)
        .map(|c| c["count"].as_i64().unwrap())
}

/// Collects the event stream's text for `wait`, then returns it.
async fn events_for(h: &Harness, token: &str) -> tokio::task::JoinHandle<String> {
    let resp = h
        .http
        .get(format!("{}/api/v1/events", h.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    tokio::spawn(async move {
        let mut buf = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            while let Some(Ok(chunk)) = stream.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        buf
    })
}

#[tokio::test]
async fn notes_mention_and_whisper_reach_only_whom_they_should() {
    let mut h = Harness::start().await;
    let (ana, ana_token) = add_agent(&h, "ana.lima@e2e.test", "Ana Lima", Role::Agent).await;
    let (ben, ben_token) = add_agent(&h, "ben@e2e.test", "Ben Ode", Role::Agent).await;
    let (_sue, sue_token) = add_agent(&h, "sue@e2e.test", "Sue Super", Role::Supervisor).await;
    h.customer_text("15550701", "My parcel never arrived").await;
    let ticket = ticket_of(&h, "15550701").await;
    // Routing may assign it on its own; make Ana the assignee.
    let (s, _) = h
        .patch(
            &h.admin_token,
            &format!("/tickets/{ticket}"),
            json!({"assignee_id": ana}),
        )
        .await;
    assert_eq!(s, 200);

    let ana_events = events_for(&h, &ana_token).await;
    let ben_events = events_for(&h, &ben_token).await;

    // A note naming Ana by first name and Ben by the picker.
    let (s, note) = h
        .post(
            &sue_token,
            &format!("/tickets/{ticket}/notes"),
            json!({"text": "@ana please check the courier, thanks", "mention_ids": [ben]}),
        )
        .await;
    assert_eq!(s, 201, "{note}");
    assert_eq!(note["direction"], "note");
    assert!(note["whisper_to"].is_null());

    // Both find it in their mentions, unread, and the view counts it.
    for (token, who) in [(&ana_token, "Ana"), (&ben_token, "Ben")] {
        let (_, m) = h.get(token, "/mentions?unread=true").await;
        let items = m["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{who}: {m}");
        assert_eq!(items[0]["ticket_id"], ticket);
        assert_eq!(items[0]["author"]["name"], "Sue Super");
        let (_, counts) = h.get(token, "/tickets/counts").await;
        assert_eq!(count(&counts, "mentions"), Some(1), "{who}: {counts}");
        let (_, list) = h.get(token, "/tickets?mentioned=me_unread").await;
        assert_eq!(list["items"][0]["id"], ticket, "{who}");
    }
    // The author is not mentioned by writing; an unmentioned agent sees nothing.
    let (_, m) = h.get(&h.agent_token, "/mentions").await;
    assert!(m["items"].as_array().unwrap().is_empty());

    // Ana opens the ticket: her mention is read, Ben's is not.
    let (s, r) = h
        .post(
            &ana_token,
            &format!("/tickets/{ticket}/mentions/read"),
            json!({}),
        )
        .await;
    assert_eq!((s, r["read"].as_i64()), (200, Some(1)));
    let (_, counts) = h.get(&ana_token, "/tickets/counts").await;
    assert_eq!(count(&counts, "mentions"), Some(0));
    let (_, list) = h.get(&ana_token, "/tickets?mentioned=me").await;
    assert_eq!(
        list["items"][0]["id"], ticket,
        "read mentions stay in the view"
    );
    let (_, list) = h.get(&ana_token, "/tickets?mentioned=me_unread").await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (_, counts) = h.get(&ben_token, "/tickets/counts").await;
    assert_eq!(count(&counts, "mentions"), Some(1));

    // A whisper: agents may not write one; a supervisor's reaches Ana alone.
    let (s, e) = h
        .post(
            &ben_token,
            &format!("/tickets/{ticket}/notes"),
            json!({"text": "psst", "whisper": true}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = h
        .post(
            &sue_token,
            &format!("/tickets/{ticket}/notes"),
            json!({"text": "whisper @ben too", "whisper": true}),
        )
        .await;
    assert_eq!(s, 400, "a whisper mentioning someone else: {e}");
    let (s, w) = h
        .post(
            &sue_token,
            &format!("/tickets/{ticket}/notes"),
            json!({"text": "Careful: this customer is a reseller (quietfox)", "whisper": true}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(w["whisper_to"]["id"], ana);
    let whisper_id = w["id"].as_i64().unwrap();
    let sees = |items: &Value| {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == whisper_id)
    };
    let (_, msgs) = h
        .get(&ana_token, &format!("/tickets/{ticket}/messages"))
        .await;
    assert!(sees(&msgs), "the assignee sees it");
    let (_, msgs) = h
        .get(&sue_token, &format!("/tickets/{ticket}/messages"))
        .await;
    assert!(sees(&msgs), "its author and supervisors see it");
    let (_, msgs) = h
        .get(&ben_token, &format!("/tickets/{ticket}/messages"))
        .await;
    assert!(!sees(&msgs), "another agent does not");
    let (_, all) = h
        .get(&h.admin_token, &format!("/tickets/{ticket}/messages"))
        .await;
    assert_eq!(
        msgs["items"].as_array().unwrap().len() + 1,
        all["items"].as_array().unwrap().len(),
        "only the whisper is hidden"
    );
    // Nor can he find it by searching.
    let (_, found) = h.get(&ben_token, "/search?q=quietfox").await;
    assert!(found["items"].as_array().unwrap().is_empty(), "{found}");
    let (_, found) = h.get(&ana_token, "/search?q=quietfox").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    // The whisper counts as a mention for Ana.
    let (_, m) = h.get(&ana_token, "/mentions?unread=true").await;
    assert_eq!(m["items"][0]["message_id"], whisper_id);

    // The event stream: Ana hears of both notes and the mention; Ben of the
    // plain note and his mention, never of the whisper.
    let ana_seen = ana_events.await.unwrap();
    let ben_seen = ben_events.await.unwrap();
    assert!(ana_seen.contains("quietfox"), "{ana_seen}");
    assert!(ana_seen.contains("event: ticket.mentioned"));
    assert!(ben_seen.contains("check the courier"), "{ben_seen}");
    assert!(ben_seen.contains("event: ticket.mentioned"));
    assert!(
        !ben_seen.contains("quietfox"),
        "a whisper leaked: {ben_seen}"
    );
    h.stop().await;
}

#[tokio::test]
async fn presence_and_the_duplicate_reply_guard() {
    let mut h = Harness::start().await;
    let (ana, ana_token) = add_agent(&h, "ana@e2e.test", "Ana Lima", Role::Agent).await;
    let (ben, ben_token) = add_agent(&h, "ben@e2e.test", "Ben Ode", Role::Agent).await;
    h.customer_text("15550702", "Can I change my delivery address?")
        .await;
    let ticket = ticket_of(&h, "15550702").await;
    let presence = format!("/tickets/{ticket}/presence");

    // Ana opens it; Ben opens it and types; each sees the other.
    let ben_events = events_for(&h, &ben_token).await;
    let (s, p) = h
        .post(&ana_token, &presence, json!({"state": "viewing"}))
        .await;
    assert_eq!(s, 200, "{p}");
    let (_, p) = h
        .post(&ben_token, &presence, json!({"state": "typing"}))
        .await;
    let agents = p["agents"].as_array().unwrap();
    assert_eq!(
        agents
            .iter()
            .map(|a| (
                a["agent_id"].as_i64().unwrap(),
                a["typing"].as_bool().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![(ana, false), (ben, true)]
    );
    let (_, p) = h.get(&ana_token, &presence).await;
    assert_eq!(p["agents"][1]["name"], "Ben Ode");
    let (s, e) = h
        .post(&ana_token, &presence, json!({"state": "dancing"}))
        .await;
    assert_eq!(s, 400, "{e}");

    // What both had seen: the customer's message.
    let msgs = h.messages(ticket).await;
    let seen = msgs.last().unwrap()["id"].as_i64().unwrap();

    // Ana answers first.
    let (s, first) = h
        .post(
            &ana_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"text": "Yes, send me the new address", "seen_message_id": seen}),
        )
        .await;
    assert_eq!(s, 202, "{first}");
    // Ben's reply, written before he saw hers, is held with who and what.
    let (s, e) = h
        .post(
            &ben_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"text": "Sure, what is the new address?", "seen_message_id": seen}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "replied_since");
    let text = e["error"]["message"].as_str().unwrap();
    assert!(
        text.contains("Ana Lima") && text.contains("send me the new address"),
        "{text}"
    );
    // Having seen it, he may still send (confirm), or send with the newer id.
    let (s, _) = h
        .post(
            &ben_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"text": "(Ana has this one.)", "seen_message_id": seen, "confirm": true}),
        )
        .await;
    assert_eq!(s, 202);
    let newest = h.messages(ticket).await.last().unwrap()["id"]
        .as_i64()
        .unwrap();
    // Ana's own later reply is not held by her own earlier one; Ben's was
    // sent after hers, so she is asked.
    let (s, _) = h
        .post(
            &ana_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"text": "Thanks Ben", "seen_message_id": first["id"]}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = h
        .post(
            &ana_token,
            &format!("/tickets/{ticket}/messages"),
            json!({"text": "Thanks Ben", "seen_message_id": newest}),
        )
        .await;
    assert_eq!(s, 202);

    // Ana leaves; Ben's stream heard the whole story.
    let (_, p) = h
        .post(&ana_token, &presence, json!({"state": "left"}))
        .await;
    assert_eq!(p["agents"].as_array().unwrap().len(), 1);
    let seen_by_ben = ben_events.await.unwrap();
    assert!(
        seen_by_ben.contains("event: presence.changed"),
        "{seen_by_ben}"
    );
    assert!(seen_by_ben.contains("\"typing\":true"));
    h.stop().await;
}

#[tokio::test]
async fn canned_responses_are_validated_and_filled_per_ticket() {
    let mut h = Harness::start().await;
    h.customer_text("15550703", "hello").await;
    let ticket = ticket_of(&h, "15550703").await;
    let (s, _) = h
        .patch(
            &h.admin_token,
            &format!("/contacts/{}", {
                let (_, t) = h.get(&h.admin_token, &format!("/tickets/{ticket}")).await;
                t["contact"]["id"].as_i64().unwrap()
            }),
            json!({"name": "Maria Souza", "attributes": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(s, 200);

    // Agents read, supervisors and admins write.
    let body = json!({"shortcut": "ship", "title": "Shipping time",
        "body": "Hi {{contact.first_name}}, {{contact.tier}} orders ship in 1 day. Order {{order_number}}? - {{agent.first_name}}"});
    let (s, _) = h.post(&h.agent_token, "/canned", body.clone()).await;
    assert_eq!(s, 403);
    let (s, created) = h.post(&h.admin_token, "/canned", body.clone()).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (s, e) = h.post(&h.admin_token, "/canned", body).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("conflict")));
    for (bad, why) in [
        (
            json!({"shortcut": "Bad Name", "title": "x", "body": "y"}),
            "shortcut",
        ),
        (
            json!({"shortcut": "typo", "title": "x", "body": "Hi {{contact.frist_name}} {{ordr}}"}),
            "ordr",
        ),
        (
            json!({"shortcut": "long", "title": "x", "body": "x".repeat(4097)}),
            "4096",
        ),
    ] {
        let (s, e) = h.post(&h.admin_token, "/canned", bad).await;
        assert_eq!(s, 400, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(why), "{e}");
    }
    h.post(
        &h.admin_token,
        "/canned",
        json!({"shortcut": "refund", "title": "Refund policy", "body": "Refunds take 5 days."}),
    )
    .await;

    // Search: shortcut prefix first, body text too.
    let (_, list) = h.get(&h.agent_token, "/canned?q=ship").await;
    assert_eq!(list["items"][0]["shortcut"], "ship");
    let (_, list) = h.get(&h.agent_token, "/canned?q=5%20days").await;
    assert_eq!(list["items"][0]["shortcut"], "refund");
    let (_, list) = h.get(&h.agent_token, "/canned?q=%25").await;
    assert!(list["items"].as_array().unwrap().is_empty(), "% is literal");

    // Filled for the ticket and the agent; the order number is unknown here
    // and stays visible for the agent to type.
    let (s, f) = h
        .get(&h.agent_token, &format!("/tickets/{ticket}/canned/{id}"))
        .await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(
        f["text"],
        "Hi Maria, gold orders ship in 1 day. Order {{order_number}}? - Alan"
    );
    assert_eq!(f["missing"], json!(["order_number"]));

    let (s, u) = h
        .patch(
            &h.admin_token,
            &format!("/canned/{id}"),
            json!({"body": "Hello {{contact.name}}"}),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    let (_, f) = h
        .get(&h.agent_token, &format!("/tickets/{ticket}/canned/{id}"))
        .await;
    assert_eq!(f["text"], "Hello Maria Souza");
    let (s, _) = h
        .send(
            &h.admin_token,
            reqwest::Method::DELETE,
            &format!("/canned/{id}"),
            json!({}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = h
        .get(&h.agent_token, &format!("/tickets/{ticket}/canned/{id}"))
        .await;
    assert_eq!(s, 404);
    h.stop().await;
}
