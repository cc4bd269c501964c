//! The inbox's list API end to end: conversations arrive through signed
//! webhooks, the list sorts and filters them as the inbox asks, and the view
//! counts follow each agent's teams and role. The clock is the test's, so
//! "at risk" changes when the test says.

mod harness;

use harness::Harness;
use parley_core::clock::{Clock, FakeClock};
use serde_json::{Value, json};
use std::sync::Arc;

const MIN: i64 = 60_000;

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

fn count(counts: &Value, view: &str) -> Option<i64> {
    counts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["view"] == view)
        .map(|c| c["count"].as_i64().unwrap())
}

#[tokio::test]
async fn lists_sort_filter_and_count_as_the_inbox_asks() {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let clock = Arc::new(FakeClock::new(start));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_with(|_| {}, Some(dyn_clock)).await;

    // Three customers, a minute apart.
    let mut tickets = vec![];
    for (i, from) in ["15550301", "15550302", "15550303"].iter().enumerate() {
        clock.set(start + i as i64 * MIN);
        h.customer_text(from, "Hello, I need help with my order")
            .await;
        let t = harness::eventually(std::time::Duration::from_secs(10), "the ticket", || {
            let h = &h;
            async move {
                h.tickets("?status=open")
                    .await
                    .into_iter()
                    .find(|t| t["contact"]["wa_id"] == *from)
            }
        })
        .await;
        let id = t["id"].as_i64().unwrap();
        // Routing (which may set the priority) runs after ingest; wait for
        // it so it cannot undo the changes below.
        harness::eventually(std::time::Duration::from_secs(10), "routing", || {
            let h = &h;
            async move {
                let (_, audit) = h.get(&h.agent_token, &format!("/tickets/{id}/audit")).await;
                audit["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["action"] == "routed")
                    .then_some(())
            }
        })
        .await;
        tickets.push(id);
    }
    let (a, b, c) = (tickets[0], tickets[1], tickets[2]);
    assert_eq!(ids(&h.tickets("?status=open").await), vec![c, b, a]);
    assert_eq!(
        ids(&h.tickets("?status=open&sort=oldest").await),
        vec![a, b, c]
    );

    // Priorities: c low, a urgent, b stays medium.
    for (id, p) in [(c, "low"), (a, "urgent")] {
        let (s, v) = h
            .patch(
                &h.agent_token,
                &format!("/tickets/{id}"),
                json!({"priority": p}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    assert_eq!(
        ids(&h.tickets("?status=open&sort=priority").await),
        vec![a, b, c]
    );
    // Two per page, in order, across the cursor.
    let (s, page) = h
        .get(&h.agent_token, "/tickets?status=open&sort=priority&limit=2")
        .await;
    assert_eq!(s, 200);
    assert_eq!(ids(page["items"].as_array().unwrap()), vec![a, b]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, page2) = h
        .get(
            &h.agent_token,
            &format!("/tickets?status=open&sort=priority&limit=2&cursor={cursor}"),
        )
        .await;
    assert_eq!(
        ids(page2["items"].as_array().unwrap()),
        vec![c],
        "after {cursor}: {:#}",
        h.get(&h.agent_token, &format!("/tickets/{c}")).await.1
    );
    assert!(page2["next_cursor"].is_null());
    // A cursor of one order is refused by another, with a reason.
    let (s, e) = h
        .get(
            &h.agent_token,
            &format!("/tickets?status=open&sort=oldest&cursor={cursor}"),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid cursor")
    );
    for bad in ["/tickets?sort=newest", "/tickets?sla=late"] {
        let (s, e) = h.get(&h.agent_token, bad).await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}: {e}"
        );
    }

    // SLA: every ticket has a first-response deadline; soonest first. The
    // urgent one is due soonest (its target is shortest).
    let by_sla = h.tickets("?status=open&sort=sla").await;
    let dues: Vec<i64> = by_sla
        .iter()
        .map(|t| t["sla"]["due_at"].as_i64().unwrap())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    assert_eq!(ids(&by_sla)[0], a);
    // Nothing is at risk yet; at the urgent one's warning, it alone is.
    assert!(h.tickets("?status=open&sla=at_risk").await.is_empty());
    let warn_a = by_sla[0]["sla"]["first_response_warn_at"].as_i64().unwrap();
    assert!(
        by_sla[1..]
            .iter()
            .all(|t| t["sla"]["first_response_warn_at"].as_i64().unwrap() > warn_a)
    );
    clock.set(warn_a);
    assert_eq!(
        ids(&h.tickets("?status=open&sla=at_risk&sort=sla").await),
        vec![a]
    );

    // Counts. The agent is in Billing (which holds b), not in Returns; the
    // agent owns a.
    let (_, billing) = h
        .post(&h.admin_token, "/teams", json!({"name": "Billing"}))
        .await;
    let (_, returns) = h
        .post(&h.admin_token, "/teams", json!({"name": "Returns"}))
        .await;
    let (billing, returns) = (
        billing["id"].as_i64().unwrap(),
        returns["id"].as_i64().unwrap(),
    );
    let (s, v) = h
        .send(
            &h.admin_token,
            reqwest::Method::PUT,
            &format!("/teams/{billing}/members"),
            json!({"member_ids": [h.agent_id]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{b}"),
            json!({"team_id": billing}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{a}"),
            json!({"assignee_id": h.agent_id}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        ids(&h.tickets(&format!("?status=open&team={billing}")).await),
        vec![b]
    );

    let (s, agent_counts) = h.get(&h.agent_token, "/tickets/counts").await;
    assert_eq!(s, 200, "{agent_counts}");
    assert_eq!(count(&agent_counts, "mine"), Some(1));
    assert_eq!(count(&agent_counts, "unassigned"), Some(2));
    assert_eq!(count(&agent_counts, "at_risk"), Some(1));
    assert_eq!(count(&agent_counts, &format!("team:{billing}")), Some(1));
    assert_eq!(
        count(&agent_counts, &format!("team:{returns}")),
        None,
        "not the agent's team"
    );
    assert_eq!(count(&agent_counts, "open"), None, "supervisors only");

    let (_, admin_counts) = h.get(&h.admin_token, "/tickets/counts").await;
    assert_eq!(count(&admin_counts, "open"), Some(3));
    assert_eq!(count(&admin_counts, &format!("team:{returns}")), Some(0));
    assert_eq!(count(&admin_counts, "mine"), Some(0));

    // Resolving a leaves the open views and their counts.
    let (s, v) = h
        .patch(
            &h.agent_token,
            &format!("/tickets/{a}"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, agent_counts) = h.get(&h.agent_token, "/tickets/counts").await;
    assert_eq!(count(&agent_counts, "mine"), Some(0));
    assert_eq!(count(&agent_counts, "at_risk"), Some(0));
    assert_eq!(ids(&h.tickets("?status=resolved").await), vec![a]);

    // Search finds every customer's message and the note, newest first.
    let (s, v) = h
        .post(
            &h.agent_token,
            &format!("/tickets/{b}/notes"),
            json!({"text": "Asked billing about my order"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, found) = h.get(&h.agent_token, "/search?q=my%20Ord&limit=2").await;
    assert_eq!(s, 200, "{found}");
    let hits = found["items"].as_array().unwrap();
    assert_eq!(hits[0]["direction"], "note");
    assert_eq!(hits[0]["ticket_id"], b);
    assert_eq!(found["terms"], json!(["my", "ord"]));
    let cursor = found["next_cursor"].as_str().unwrap();
    let (_, more) = h
        .get(
            &h.agent_token,
            &format!("/search?q=my%20Ord&limit=2&cursor={cursor}"),
        )
        .await;
    let mut tickets: Vec<i64> = hits
        .iter()
        .chain(more["items"].as_array().unwrap())
        .map(|x| x["ticket_id"].as_i64().unwrap())
        .collect();
    assert_eq!(tickets.remove(0), b, "the note");
    tickets.sort();
    assert_eq!(tickets, vec![a, b, c], "each customer's message");
    let (s, e) = h.get(&h.agent_token, "/search?q=%3F%3F").await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    h.stop().await;
}
