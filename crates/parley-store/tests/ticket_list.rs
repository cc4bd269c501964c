//! The inbox's list views: every sort order, keyset pages across the
//! SLA sort's two ranges, the at-risk filter, capped counts, and (SQLite)
//! that the open views are served from their partial indexes.

mod common;

use common::text;
use parley_core::{Role, TicketStatus};
use parley_store::*;

const T0: i64 = 1_764_000_000_000;
/// The clock of the checks: tickets 0, 1, 2 and 6 are past their warning.
const NOW: i64 = T0 + 450;

/// Eight tickets with known SLA deadlines, priorities and activity; returns
/// their ids in creation order (ticket i last active at T0 + i).
async fn seed(store: &Store) -> (Vec<i64>, i64, i64) {
    let hash = "x".to_string();
    let agent = store
        .create_agent(
            &NewAgent {
                email: "list@x.io".into(),
                name: "Lister".into(),
                role: Role::Agent,
                password_hash: hash,
            },
            T0,
        )
        .await
        .unwrap();
    let team = store.create_team("Billing", T0).await.unwrap();
    let mut ids = vec![];
    for i in 0..8 {
        store
            .append_webhooks(&["{}".to_string()], T0 + i)
            .await
            .unwrap();
        let log = store.pending_webhooks(1, 5).await.unwrap()[0].id;
        let item = text(&format!("wamid.L{i}"), &format!("300{i}"), "Hi", T0 + i);
        let out = store.apply_webhook(log, vec![item], T0 + i).await.unwrap();
        match &out[0] {
            IngestOutcome::Message { ticket_id, .. } => ids.push(*ticket_id),
            other => panic!("{other:?}"),
        }
    }
    // (first-response warn, due, resolution warn, due, priority)
    type Plan = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        &'static str,
    );
    let n = None;
    let plan: [Plan; 8] = [
        (Some(400), Some(500), n, n, "low"),
        (Some(50), Some(100), n, n, "urgent"),
        (n, n, Some(200), Some(300), "high"),
        (Some(850), Some(900), Some(700), Some(800), "medium"),
        (n, n, n, n, "urgent"),
        (n, n, n, n, "low"),
        (Some(250), Some(300), n, n, "medium"),
        (n, n, n, n, "high"),
    ];
    let v = |x: Option<i64>| x.map_or("NULL".to_string(), |x| (T0 + x).to_string());
    for (i, (fw, fd, rw, rd, p)) in plan.iter().enumerate() {
        store
            .execute_raw(&format!(
                "UPDATE tickets SET sla_first_response_warn_at = {}, sla_first_response_due = {},
                     sla_resolution_warn_at = {}, sla_resolution_due = {}, priority = '{p}',
                     created_at = {}, last_message_at = {}, sla_dirty = 0
                 WHERE id = {}",
                v(*fw),
                v(*fd),
                v(*rw),
                v(*rd),
                T0 + i as i64,
                T0 + i as i64,
                ids[i]
            ))
            .await
            .unwrap();
    }
    store
        .execute_raw(&format!(
            "UPDATE tickets SET status = 'resolved', resolved_at = {T0} WHERE id = {}",
            ids[7]
        ))
        .await
        .unwrap();
    store
        .execute_raw(&format!(
            "UPDATE tickets SET assignee_id = {}, team_id = {}, status = 'assigned'
             WHERE id IN ({}, {}, {})",
            agent.id, team.id, ids[1], ids[3], ids[4]
        ))
        .await
        .unwrap();
    (ids, agent.id, team.id)
}

fn open() -> Option<Vec<TicketStatus>> {
    TicketFilter::open().statuses
}

/// Every page of a list, `limit` at a time, as ticket ids.
async fn all_pages(store: &Store, f: &TicketFilter, limit: i64) -> Vec<i64> {
    let mut out = vec![];
    let mut cursor = None;
    for _ in 0..50 {
        let page = store
            .list_tickets(
                &TicketFilter {
                    limit,
                    cursor: cursor.clone(),
                    ..f.clone()
                },
                NOW,
            )
            .await
            .unwrap();
        assert!(page.items.len() as i64 <= limit);
        out.extend(page.items.iter().map(|t| t.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            return out;
        }
    }
    panic!("pagination does not end");
}

both_backends!(each_sort_pages_in_order, |store: Store| async move {
    let (ids, _, _) = seed(&store).await;
    let at = |xs: &[usize]| xs.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let cases: Vec<(TicketSort, Option<Vec<TicketStatus>>, Vec<usize>)> = vec![
        (TicketSort::Activity, None, vec![7, 6, 5, 4, 3, 2, 1, 0]),
        (TicketSort::Activity, open(), vec![6, 5, 4, 3, 2, 1, 0]),
        // Breached first, ties by id, then those with no deadline by activity.
        (TicketSort::SlaDue, open(), vec![1, 2, 6, 0, 3, 5, 4]),
        (TicketSort::SlaDue, None, vec![1, 2, 6, 0, 3, 7, 5, 4]),
        (TicketSort::Priority, None, vec![4, 1, 7, 2, 6, 3, 5, 0]),
        (TicketSort::Oldest, open(), vec![0, 1, 2, 3, 4, 5, 6]),
    ];
    for (sort, statuses, want) in cases {
        let f = TicketFilter {
            statuses,
            sort,
            ..Default::default()
        };
        for limit in [1, 2, 3, 50] {
            assert_eq!(
                all_pages(&store, &f, limit).await,
                at(&want),
                "{sort:?} {:?} by {limit}",
                f.statuses
            );
        }
    }
});

both_backends!(at_risk_mine_team_and_counts, |store: Store| async move {
    let (ids, agent, team) = seed(&store).await;
    let at = |xs: &[usize]| xs.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let risky = TicketFilter {
        statuses: open(),
        sla_at_risk: true,
        sort: TicketSort::SlaDue,
        ..Default::default()
    };
    assert_eq!(all_pages(&store, &risky, 2).await, at(&[1, 2, 6, 0]));
    let mine = TicketFilter {
        statuses: open(),
        assignee: Some(Some(agent)),
        sort: TicketSort::SlaDue,
        ..Default::default()
    };
    assert_eq!(all_pages(&store, &mine, 1).await, at(&[1, 3, 4]));
    let queue = TicketFilter {
        statuses: open(),
        team_id: Some(team),
        sort: TicketSort::Priority,
        ..Default::default()
    };
    assert_eq!(all_pages(&store, &queue, 2).await, at(&[4, 1, 3]));
    let unassigned = TicketFilter {
        statuses: open(),
        assignee: Some(None),
        sort: TicketSort::Oldest,
        ..Default::default()
    };
    assert_eq!(all_pages(&store, &unassigned, 2).await, at(&[0, 2, 5, 6]));

    let all_open = TicketFilter {
        statuses: open(),
        ..Default::default()
    };
    assert_eq!(store.count_tickets(&all_open, NOW, 100).await.unwrap(), 7);
    assert_eq!(store.count_tickets(&all_open, NOW, 3).await.unwrap(), 3);
    assert_eq!(store.count_tickets(&risky, NOW, 100).await.unwrap(), 4);
    assert_eq!(store.count_tickets(&mine, NOW, 100).await.unwrap(), 3);
    // Later, ticket 3's resolution warning (T0 + 700) has passed too.
    assert_eq!(store.count_tickets(&risky, T0 + 700, 100).await.unwrap(), 5);
    let none = TicketFilter {
        statuses: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(store.count_tickets(&none, NOW, 100).await.unwrap(), 0);
    // Every team's queue in one pass agrees with counting the team alone, cap included.
    let by_team = store.count_open_by_team(100).await.unwrap();
    assert_eq!(by_team.get(&team).copied(), Some(3), "{by_team:?}");
    assert_eq!(
        store.count_tickets(&queue, NOW, 100).await.unwrap(),
        by_team[&team]
    );
    assert_eq!(store.count_open_by_team(2).await.unwrap()[&team], 2);
});

both_backends!(cursors_belong_to_their_sort, |store: Store| async move {
    seed(&store).await;
    let page = store
        .list_tickets(
            &TicketFilter {
                sort: TicketSort::Priority,
                limit: 2,
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    let cursor = page.next_cursor.unwrap();
    for sort in [TicketSort::Activity, TicketSort::SlaDue, TicketSort::Oldest] {
        let err = store
            .list_tickets(
                &TicketFilter {
                    sort,
                    limit: 2,
                    cursor: Some(cursor.clone()),
                    ..Default::default()
                },
                NOW,
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("invalid cursor"),
            "{sort:?}: {err}"
        );
    }
});

/// The partial indexes only help if the planner can match the query's
/// status list to theirs; a reworded query would silently scan the whole
/// table.
#[tokio::test]
async fn open_views_use_their_indexes_on_sqlite() {
    let db = common::sqlite().await;
    let store = db.store.clone();
    let (_, agent, team) = seed(&store).await;
    let views: Vec<(&str, TicketFilter)> = vec![
        (
            "all",
            TicketFilter {
                statuses: open(),
                ..Default::default()
            },
        ),
        (
            "mine",
            TicketFilter {
                statuses: open(),
                assignee: Some(Some(agent)),
                ..Default::default()
            },
        ),
        (
            "unassigned",
            TicketFilter {
                statuses: open(),
                assignee: Some(None),
                ..Default::default()
            },
        ),
        (
            "team",
            TicketFilter {
                statuses: open(),
                team_id: Some(team),
                ..Default::default()
            },
        ),
    ];
    for (name, f) in views {
        for sort in [TicketSort::Activity, TicketSort::SlaDue] {
            let f = TicketFilter {
                sort,
                limit: 50,
                ..f.clone()
            };
            let plan = store
                .explain_ticket_list(&f, NOW)
                .await
                .unwrap()
                .join(" | ");
            // An index of the open tickets, or (by SLA) of those with a
            // deadline: either way a few thousand rows, not the history.
            assert!(
                plan.contains("INDEX tickets_open_") || plan.contains("INDEX tickets_sla_due"),
                "{name} by {sort:?}: {plan}"
            );
            assert!(
                !plan.contains("TEMP B-TREE FOR ORDER BY"),
                "{name} by {sort:?} sorts in memory: {plan}"
            );
        }
    }
    for sort in [TicketSort::Priority, TicketSort::Oldest] {
        let f = TicketFilter {
            statuses: open(),
            sort,
            limit: 50,
            ..Default::default()
        };
        let plan = store
            .explain_ticket_list(&f, NOW)
            .await
            .unwrap()
            .join(" | ");
        assert!(plan.contains("INDEX tickets_open_"), "{sort:?}: {plan}");
    }
    db.finish().await;
}

both_backends!(
    the_inbox_seeder_writes_the_documented_shape,
    |store: Store| async move {
        let mut agents = vec![];
        for i in 0..3 {
            let a = store
                .create_agent(
                    &NewAgent {
                        email: format!("s{i}@x.io"),
                        name: format!("S{i}"),
                        role: Role::Agent,
                        password_hash: "x".into(),
                    },
                    T0,
                )
                .await
                .unwrap();
            agents.push(a.id);
        }
        let team = store.create_team("L1", T0).await.unwrap();
        let seeded = store
            .seed_inbox(&SeedInbox {
                tickets: 1000,
                open: 100,
                now: T0,
                span_ms: 30 * 86_400_000,
                agents,
                teams: vec![team.id],
                labels: vec!["refund".into(), "vip".into(), "bug".into()],
                chunk: 300,
            })
            .await
            .unwrap();
        assert_eq!(seeded.tickets, 1000);
        assert_eq!(seeded.contacts, 400);
        assert_eq!(seeded.labels, 400, "30% with one label, 10% with two");
        // One customer message each, and a reply on all but the 30 new.
        assert_eq!(seeded.messages, 1000 + 970);
        let count = |f: TicketFilter| {
            let store = store.clone();
            async move { store.count_tickets(&f, T0, 1_000_000).await.unwrap() }
        };
        assert_eq!(
            count(TicketFilter {
                statuses: open(),
                ..Default::default()
            })
            .await,
            100
        );
        assert_eq!(
            count(TicketFilter {
                statuses: open(),
                assignee: Some(None),
                ..Default::default()
            })
            .await,
            30
        );
        assert_eq!(
            count(TicketFilter {
                statuses: Some(vec![TicketStatus::Resolved]),
                ..Default::default()
            })
            .await,
            113
        );
        // The backlog's newest are on time, its oldest breached.
        let at_risk = count(TicketFilter {
            statuses: open(),
            sla_at_risk: true,
            ..Default::default()
        })
        .await;
        assert!(at_risk > 10 && at_risk < 90, "{at_risk} at risk");
        let page = store
            .list_tickets(
                &TicketFilter {
                    statuses: open(),
                    sort: TicketSort::SlaDue,
                    limit: 5,
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        assert_eq!(page.items[0].sla.state, "breached");
        assert!(page.items.iter().all(|t| t.status.is_open()));
    }
);
