//! Firing timers in batches has the effects of firing them one at a time:
//! the same audit rows, breach columns and escalations, each once.

mod common;

use parley_store::*;

const T0: i64 = 1_764_000_000_000;

/// What firing left behind, with ticket ids made relative to `base`.
async fn outcome(
    store: &Store,
    base: i64,
    count: i64,
    fired: &[FiredTimer],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut timers: Vec<String> = fired
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {:?} {:?}",
                f.ticket_id - base,
                f.kind,
                f.skipped,
                f.escalation.as_ref().map(|e| (&e.path, &e.reason, e.level)),
                f.assignee_id,
            )
        })
        .collect();
    timers.sort();
    let audits = store
        .sla_audit_rows()
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _, _)| (base..base + count).contains(t))
        .map(|(t, a, d)| format!("{} {a} {d}", t - base))
        .collect();
    let mut tickets = Vec::new();
    for id in base..base + count {
        let t = store.get_ticket(id, T0).await.unwrap();
        tickets.push(format!(
            "{} {} {:?} {:?}",
            id - base,
            t.escalation_level,
            t.sla.first_response_breached_at,
            t.sla.resolution_breached_at
        ));
    }
    (timers, audits, tickets)
}

both_backends!(
    a_batch_fires_like_one_timer_at_a_time,
    |store: Store| async move {
        // Twelve tickets whose warnings, breaches and escalations all fall due
        // before `at`, several for the same ticket, so a batch mixes them.
        let (start, span) = (T0 + 60_000, 60_000);
        let at = start + 3 * 3_600_000;
        let seed = || SeedTickets {
            tickets: 12,
            now: T0,
            burst: Some(SeedBurst {
                start,
                span_ms: span,
            }),
            assignees: vec![],
            chunk: 100,
        };
        store.seed_open_tickets(&seed()).await.unwrap();
        let batched = store.fire_due_timers(at, 1_000, true).await.unwrap();
        assert!(batched.len() > 24, "{}", batched.len());
        assert!(batched.iter().any(|f| f.escalation.is_some()));
        let a = outcome(&store, 1, 12, &batched).await;
        assert!(
            store
                .fire_due_timers(at, 1_000, true)
                .await
                .unwrap()
                .is_empty()
        );

        store.seed_open_tickets(&seed()).await.unwrap();
        let mut single = Vec::new();
        loop {
            let f = store.fire_due_timers(at, 1, true).await.unwrap();
            if f.is_empty() {
                break;
            }
            single.extend(f);
        }
        let b = outcome(&store, 13, 12, &single).await;
        assert_eq!(a, b);
        // One audit row per warning or breach.
        let warnings_and_breaches = batched
            .iter()
            .filter(|f| f.escalation.is_none() && f.skipped.is_none())
            .count();
        let seeded_warnings = 4; // the first-response breaches' earlier warnings
        assert_eq!(
            a.1.len(),
            warnings_and_breaches + seeded_warnings,
            "{:#?}",
            a.1
        );
    }
);
