//! The bot's turns, handoffs and deflections, identical on SQLite and PostgreSQL.

mod common;

use common::{reply, text};

use parley_core::{Role, TicketStatus};
use parley_store::*;
use serde_json::json;

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;

async fn ingest(store: &Store, items: Vec<IngestItem>, now: i64) -> i64 {
    store
        .append_webhooks(&["{}".to_string()], now)
        .await
        .unwrap();
    let log_id = store.pending_webhooks(1, 5).await.unwrap()[0].id;
    match &store.apply_webhook(log_id, items, now).await.unwrap()[0] {
        IngestOutcome::Message { ticket_id, .. } => *ticket_id,
        other => panic!("{other:?}"),
    }
}

fn turn(m: &BotInbound, outcome: &str, intent: Option<&str>, end: Option<BotEnd>) -> BotTurnWrite {
    BotTurnWrite {
        message_id: m.message_id,
        ticket_id: m.ticket_id,
        session: json!({"answered": intent.into_iter().collect::<Vec<_>>(), "slots": {"order_number": "10042"}}),
        outcome: outcome.into(),
        intent: intent.map(Into::into),
        analysis: json!({"outcome": outcome, "intent": intent, "confidence": 0.9, "why": "test"}),
        replies: vec![reply("an answer")],
        end,
        idle: Some((T0 + 30 * MIN, "deflected")),
    }
}

both_backends!(
    the_bot_holds_new_conversations_until_it_hands_off,
    |store: Store| async move {
        store.set_bot_enabled(true);
        let ticket = ingest(
            &store,
            vec![text("wamid.B1", "4915100000001", "where is my order", T0)],
            T0,
        )
        .await;
        // Routing waits while the bot has it, and the SLA clock does not run.
        assert!(store.unrouted_tickets(10).await.unwrap().is_empty());
        let t = store.get_ticket(ticket, T0).await.unwrap();
        assert_eq!(t.sla.state, "paused", "{:?}", t.sla);
        let pending = store.pending_bot_messages(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].text.as_deref(), Some("where is my order"));
        assert_eq!(pending[0].customer_name.as_deref(), Some("Ana"));

        let done = store
            .commit_bot_turn(
                turn(&pending[0], "answer", Some("order_tracking"), None),
                T0 + 1,
            )
            .await
            .unwrap();
        assert_eq!(done.replies.len(), 1);
        assert!(!done.silent);
        // Answered once: the same message again is a no-op.
        let again = store
            .commit_bot_turn(
                turn(&pending[0], "answer", Some("order_tracking"), None),
                T0 + 2,
            )
            .await
            .unwrap();
        assert!(again.silent);
        assert!(again.replies.is_empty());
        assert!(store.pending_bot_messages(10).await.unwrap().is_empty());
        // The bot's reply is not a first response.
        let t = store.get_ticket(ticket, T0 + 2).await.unwrap();
        assert!(t.first_response_at.is_none());

        ingest(
            &store,
            vec![text(
                "wamid.B2",
                "4915100000001",
                "talk to a human",
                T0 + MIN,
            )],
            T0 + MIN,
        )
        .await;
        let pending = store.pending_bot_messages(10).await.unwrap();
        let done = store
            .commit_bot_turn(
                turn(
                    &pending[0],
                    "handoff",
                    None,
                    Some(BotEnd::Handoff {
                        reason: "customer_request".into(),
                    }),
                ),
                T0 + MIN,
            )
            .await
            .unwrap();
        assert!(done.handed_off);
        let routable = store.unrouted_tickets(10).await.unwrap();
        assert_eq!(routable.len(), 1);
        assert!(routable[0].from_bot);
        assert_eq!(routable[0].text, "where is my order\ntalk to a human");
        let audit = store.ticket_audit(ticket).await.unwrap();
        let handoff = audit
            .iter()
            .find(|a| a.action == "bot_handoff")
            .expect("handoff on the timeline");
        assert_eq!(handoff.detail["reason"], "customer_request");
        assert_eq!(handoff.detail["slots"]["order_number"], "10042");
        assert_eq!(audit.iter().filter(|a| a.action == "bot_turn").count(), 2);
        // The SLA clock runs from the handoff.
        let t = store.get_ticket(ticket, T0 + MIN).await.unwrap();
        assert_eq!(t.sla.state, "ok", "{:?}", t.sla);
        assert_eq!(t.sla.next_target.as_deref(), Some("first_response"));
        assert!(t.sla.first_response_due_at.unwrap() > T0 + MIN);
    }
);

both_backends!(a_person_silences_the_bot, |store: Store| async move {
    store.set_bot_enabled(true);
    let ticket = ingest(
        &store,
        vec![text("wamid.C1", "4915100000002", "hello", T0)],
        T0,
    )
    .await;
    let pending = store.pending_bot_messages(10).await.unwrap();
    let agent = store
        .create_agent(
            &NewAgent {
                email: "a@x".into(),
                name: "A".into(),
                role: Role::Agent,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap();
    store
        .update_ticket(
            ticket,
            agent.id,
            &TicketPatch {
                assignee_id: Some(Some(agent.id)),
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    let done = store
        .commit_bot_turn(turn(&pending[0], "answer", Some("greeting"), None), T0 + 1)
        .await
        .unwrap();
    assert!(done.silent);
    assert!(done.replies.is_empty());
    let msgs = store.ticket_messages(ticket).await.unwrap();
    assert!(
        msgs.iter().all(|m| m.direction == "inbound"),
        "the bot sent nothing"
    );
    // Later messages are not offered to the bot at all.
    ingest(
        &store,
        vec![text("wamid.C2", "4915100000002", "are you there", T0 + MIN)],
        T0 + MIN,
    )
    .await;
    assert!(store.pending_bot_messages(10).await.unwrap().is_empty());
    let audit = store.ticket_audit(ticket).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "bot_handoff" && a.detail["reason"] == "agent_took_over")
    );
});

both_backends!(
    deflections_by_period_and_intent,
    |store: Store| async move {
        store.set_bot_enabled(true);
        // 1: confirmed solved. 2: idle after an answer (deflected). 3: idle while
        // the bot waited (abandoned). 4: handed off.
        let mut tickets = Vec::new();
        for (i, intent) in [
            "payment_methods",
            "payment_methods",
            "order_tracking",
            "returns_policy",
        ]
        .iter()
        .enumerate()
        {
            let ticket = ingest(
                &store,
                vec![text(
                    &format!("wamid.D{i}"),
                    &format!("49151000001{i}"),
                    "q",
                    T0,
                )],
                T0,
            )
            .await;
            let pending = store.pending_bot_messages(10).await.unwrap();
            let m = pending.iter().find(|p| p.ticket_id == ticket).unwrap();
            let mut w = turn(m, "answer", Some(intent), None);
            match i {
                0 => w.end = Some(BotEnd::Resolve),
                1 => w.idle = Some((T0 + 30 * MIN, "deflected")),
                2 => w.idle = Some((T0 + 30 * MIN, "abandoned")),
                _ => {
                    w.end = Some(BotEnd::Handoff {
                        reason: "no_answer".into(),
                    })
                }
            }
            let done = store.commit_bot_turn(w, T0 + 1).await.unwrap();
            assert!(!done.silent);
            tickets.push(ticket);
        }
        assert_eq!(
            store.get_ticket(tickets[0], T0 + 1).await.unwrap().status,
            TicketStatus::Resolved
        );
        // Not idle long enough yet.
        assert!(
            store
                .resolve_idle_bot_tickets(T0 + 29 * MIN, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.next_bot_idle().await.unwrap(), Some(T0 + 30 * MIN));
        let mut idle = store
            .resolve_idle_bot_tickets(T0 + 30 * MIN, 10)
            .await
            .unwrap();
        idle.sort();
        assert_eq!(
            idle,
            vec![
                (tickets[1], "deflected".to_string()),
                (tickets[2], "abandoned".to_string())
            ]
        );
        assert!(
            store
                .resolve_idle_bot_tickets(T0 + 31 * MIN, 10)
                .await
                .unwrap()
                .is_empty(),
            "once"
        );
        for t in &tickets[..3] {
            assert_eq!(
                store.get_ticket(*t, T0 + 31 * MIN).await.unwrap().status,
                TicketStatus::Resolved
            );
        }
        let rows = store
            .deflection(T0 - 1, T0 + 60 * MIN, "all")
            .await
            .unwrap();
        let total = rows
            .iter()
            .find(|r| r.intent.as_deref() == Some("*"))
            .unwrap();
        assert_eq!(
            (
                total.conversations,
                total.deflected,
                total.handed_off,
                total.abandoned
            ),
            (4, 2, 1, 1)
        );
        assert!((total.deflection_rate - 0.5).abs() < 1e-9);
        let pay = rows
            .iter()
            .find(|r| r.intent.as_deref() == Some("payment_methods"))
            .unwrap();
        assert_eq!((pay.conversations, pay.deflected), (2, 2));
        let day = store
            .deflection(T0 - 1, T0 + 60 * MIN, "day")
            .await
            .unwrap();
        assert!(day.iter().all(|r| r.period_start % 86_400_000 == 0));

        // A deflected conversation the customer comes back to is the bot's again,
        // and no longer counts as deflected.
        ingest(
            &store,
            vec![text(
                "wamid.D9",
                "491510000011",
                "one more thing",
                T0 + 40 * MIN,
            )],
            T0 + 40 * MIN,
        )
        .await;
        let t = store.get_ticket(tickets[1], T0 + 40 * MIN).await.unwrap();
        assert_ne!(t.status, TicketStatus::Resolved);
        assert_eq!(store.pending_bot_messages(10).await.unwrap().len(), 1);
        let rows = store
            .deflection(T0 - 1, T0 + 60 * MIN, "all")
            .await
            .unwrap();
        let total = rows
            .iter()
            .find(|r| r.intent.as_deref() == Some("*"))
            .unwrap();
        assert_eq!(total.deflected, 1);
    }
);

both_backends!(
    without_a_knowledge_base_nothing_changes,
    |store: Store| async move {
        let ticket = ingest(
            &store,
            vec![text("wamid.E1", "4915100000005", "hi", T0)],
            T0,
        )
        .await;
        assert!(store.pending_bot_messages(10).await.unwrap().is_empty());
        let routable = store.unrouted_tickets(10).await.unwrap();
        assert_eq!(routable[0].id, ticket);
        assert!(!routable[0].from_bot);
    }
);
