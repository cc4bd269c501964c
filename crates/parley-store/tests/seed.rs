//! The benchmark seeder writes what the SLA code would have written: a
//! refresh of the seeded tickets' deadlines changes no timer, and firing the
//! burst gives one audit row per timer, shaped like the seeded ones.

mod common;

use parley_core::Role;
use parley_store::*;
use serde_json::json;
use std::collections::HashMap;

const T0: i64 = 1_764_000_000_000;

async fn timers(store: &Store) -> Vec<(i64, String, i64, Option<i64>)> {
    store
        .timers_fired_or_due(i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.ticket_id, t.kind, t.due_at, t.fired_at))
        .collect()
}

both_backends!(
    seeded_tickets_look_planned_and_their_burst_fires_once,
    |store: Store| async move {
        let mut assignees = Vec::new();
        for i in 0..2 {
            let a = store
                .create_agent(
                    &NewAgent {
                        email: format!("seed{i}@example.com"),
                        name: format!("Seed {i}"),
                        role: Role::Agent,
                        password_hash: "x".into(),
                    },
                    T0,
                )
                .await
                .unwrap();
            assignees.push(a.id);
        }
        let backlog = store
            .seed_open_tickets(&SeedTickets {
                tickets: 200,
                now: T0,
                burst: None,
                assignees: assignees.clone(),
                chunk: 64,
            })
            .await
            .unwrap();
        // A quarter answered: 3 timers (resolution warning, breach,
        // escalation); the rest 5 (first response too).
        assert_eq!(
            (
                backlog.contacts,
                backlog.tickets,
                backlog.timers,
                backlog.already_fired
            ),
            (200, 200, 150 * 5 + 50 * 3, 0)
        );
        assert_eq!(
            store
                .pending_timers_due_before(T0 + 30 * 60_000)
                .await
                .unwrap(),
            0
        );

        // A burst over the minute from T0 + 60 s: the first-response
        // breaches' warnings (225 s earlier) fell due before T0.
        let (start, span) = (T0 + 60_000, 60_000);
        let burst = store
            .seed_open_tickets(&SeedTickets {
                tickets: 30,
                now: T0,
                burst: Some(SeedBurst {
                    start,
                    span_ms: span,
                }),
                assignees,
                chunk: 7,
            })
            .await
            .unwrap();
        assert_eq!(
            (
                burst.contacts,
                burst.tickets,
                burst.timers,
                burst.already_fired
            ),
            (30, 30, 10 * 5 + 10 * 5 + 10 * 3, 10)
        );
        assert_eq!(store.pending_timers_due_before(start).await.unwrap(), 0);
        assert_eq!(
            store.pending_timers_due_before(start + span).await.unwrap(),
            30
        );

        // Recomputing every open ticket's deadlines changes nothing.
        let before = timers(&store).await;
        assert_eq!(store.mark_all_slas_dirty().await.unwrap(), 230);
        while store.refresh_dirty_slas(100, T0 + 1_000).await.unwrap() > 0 {}
        assert_eq!(timers(&store).await, before);

        // The burst fires once; each warning and breach has one audit row,
        // the seeded ones shaped like the fired ones.
        let fired = store
            .fire_due_timers(start + span, 1_000, false)
            .await
            .unwrap();
        assert_eq!(fired.len(), 30);
        assert!(fired.iter().all(|f| f.skipped.is_none()));
        assert!(
            store
                .fire_due_timers(start + span, 1_000, false)
                .await
                .unwrap()
                .is_empty()
        );
        let audits = store.sla_audit_rows().await.unwrap();
        let mut by_action: HashMap<&str, usize> = HashMap::new();
        for (_, action, detail) in &audits {
            *by_action.entry(action.as_str()).or_default() += 1;
            let keys: Vec<&String> = detail.as_object().unwrap().keys().collect();
            assert!(keys.contains(&&"due_at".to_string()) && keys.contains(&&"target".to_string()));
        }
        assert_eq!(
            by_action,
            HashMap::from([("sla_warning", 30), ("sla_breached", 10)])
        );
        let seeded = audits
            .iter()
            .find(|(_, a, d)| a == "sla_warning" && d["target"] == json!("first_response"))
            .unwrap();
        let ticket = store.get_ticket(seeded.0, T0).await.unwrap();
        assert_eq!(ticket.status.as_str(), "new");

        // A customer writing in after the seeding gets a new contact and
        // ticket (PostgreSQL's identity sequences moved past the seeded ids).
        store
            .append_webhooks(&["{}".to_string()], T0)
            .await
            .unwrap();
        let log_id = store.pending_webhooks(1, 5).await.unwrap()[0].id;
        let item = IngestItem::Message(Box::new(InboundMessage {
            phone_number_id: "106540352242922".into(),
            wa_message_id: "wamid.after-seed".into(),
            from_wa_id: Some("15559990000".into()),
            profile_name: Some("Ana".into()),
            kind: "text".into(),
            text: Some("hello".into()),
            preview: "hello".into(),
            content: json!({"body": "hello"}),
            raw: json!({"id": "wamid.after-seed"}),
            sent_at_ms: T0,
            reopens: true,
            ..Default::default()
        }));
        let out = store.apply_webhook(log_id, vec![item], T0).await.unwrap();
        match &out[0] {
            IngestOutcome::Message {
                ticket_id,
                ticket_created,
                ..
            } => assert!(*ticket_created && *ticket_id > 230, "{out:?}"),
            other => panic!("expected a message outcome, got {other:?}"),
        }
    }
);

both_backends!(
    claiming_bare_and_putting_back_leaves_the_timers_as_they_were,
    |store: Store| async move {
        store
            .seed_open_tickets(&SeedTickets {
                tickets: 40,
                now: T0,
                burst: None,
                assignees: vec![],
                chunk: 40,
            })
            .await
            .unwrap();
        let before = timers(&store).await;
        let from = T0 + 3_600_000;
        let claimed = store
            .claim_timers_bare(from, 15, 10, true, T0)
            .await
            .unwrap()
            + store
                .claim_timers_bare(from, 10, 4, false, T0)
                .await
                .unwrap();
        assert_eq!(claimed, 25);
        assert_eq!(
            timers(&store)
                .await
                .iter()
                .filter(|t| t.3.is_some())
                .count(),
            25
        );
        assert_eq!(store.unclaim_timers(from, T0).await.unwrap(), 25);
        assert_eq!(timers(&store).await, before);
    }
);
