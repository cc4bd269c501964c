//! Reports on both backends: a day of hand-made history (replies on time and
//! late, a reopened ticket, a ticket still waiting past its target, the
//! bot's deflection and handoff, surveys answered and not), and the figures
//! worked out by hand next to each assertion.

mod common;

use parley_core::quality::{Bucket, Metric, Rating, ReportZone};
use parley_core::{Priority, Role, TicketStatus};
use parley_store::*;
use serde_json::json;
use std::sync::Arc;

/// Monday 2026-03-02 00:00 UTC.
const T0: i64 = 1_772_409_600_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const PNID: &str = "106540352242922";

fn draft(text: &str) -> ReplyDraft {
    ReplyDraft {
        kind: "text".into(),
        text: Some(text.into()),
        content: json!({}),
        payload: json!({"type": "text", "text": {"body": text}}),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

fn message(wamid: &str, from: &str, text: &str, at: i64) -> InboundMessage {
    InboundMessage {
        phone_number_id: PNID.into(),
        wa_message_id: wamid.into(),
        from_wa_id: Some(from.into()),
        profile_name: Some("Ana".into()),
        kind: "text".into(),
        text: Some(text.into()),
        preview: text.into(),
        content: json!({"body": text}),
        raw: json!({"id": wamid}),
        sent_at_ms: at,
        reopens: true,
        ..Default::default()
    }
}

async fn write(store: &Store, from: &str, n: u32, at: i64) -> i64 {
    let item = IngestItem::Message(Box::new(message(
        &format!("wamid.{from}.{n}"),
        from,
        "Hello, my order is late",
        at,
    )));
    let out = store.apply_webhook(None, vec![item], at).await.unwrap();
    // Plan the SLA as the server's refresher does right after ingest.
    store.refresh_dirty_slas(100, at).await.unwrap();
    match &out[0] {
        IngestOutcome::Message { ticket_id, .. } => *ticket_id,
        other => panic!("{other:?}"),
    }
}

async fn patch(store: &Store, id: i64, actor: i64, p: TicketPatch, at: i64) {
    store.update_ticket(id, actor, &p, at).await.unwrap();
}

async fn assign(store: &Store, id: i64, agent: i64, team: i64, at: i64) {
    let p = TicketPatch {
        assignee_id: Some(Some(agent)),
        team_id: Some(Some(team)),
        ..Default::default()
    };
    patch(store, id, agent, p, at).await;
}

async fn resolve(store: &Store, id: i64, actor: i64, at: i64) {
    let p = TicketPatch {
        status: Some(TicketStatus::Resolved),
        ..Default::default()
    };
    patch(store, id, actor, p, at).await;
}

async fn reply(store: &Store, id: i64, agent: i64, at: i64) {
    store
        .create_reply(id, agent, draft("On it"), at)
        .await
        .unwrap();
}

async fn agent(store: &Store, email: &str, name: &str) -> i64 {
    store
        .create_agent(
            &NewAgent {
                email: email.into(),
                name: name.into(),
                role: Role::Agent,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap()
        .id
}

async fn rate(store: &Store, ticket: i64, from: &str, rating: i64, at: i64) {
    let (survey,): (i64,) = sqlx::query_as("SELECT id FROM csat_surveys WHERE ticket_id = $1")
        .bind(ticket)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let mut m = message(&format!("wamid.{from}.rating"), from, "stars", at);
    m.kind = "interactive".into();
    m.content = json!({"type": "list_reply",
        "list_reply": {"id": format!("csat:{survey}:{rating}"), "title": "stars"}});
    store
        .apply_webhook(None, vec![IngestItem::Message(Box::new(m))], at)
        .await
        .unwrap();
}

fn csat_settings() -> CsatSettings {
    CsatSettings {
        enabled: true,
        delay_ms: 10 * MIN,
        resurvey_after_ms: DAY,
        comment_window_ms: DAY,
        survey: Some(Arc::new(|id| {
            let mut d = draft(&format!("survey {id}"));
            d.kind = "interactive".into();
            d
        })),
        follow_up: Some(draft("How can we improve?")),
        thanks: Some(draft("Thanks!")),
    }
}

async fn bot_turn(store: &Store, end: BotEnd, at: i64) {
    let pending = store.pending_bot_messages(10).await.unwrap();
    let m = &pending[0];
    store
        .commit_bot_turn(
            BotTurnWrite {
                message_id: m.message_id,
                ticket_id: m.ticket_id,
                session: json!({}),
                outcome: "answer".into(),
                intent: Some("order_tracking".into()),
                analysis: json!({}),
                replies: vec![draft("Your order ships today")],
                end: Some(end),
                idle: None,
            },
            at,
        )
        .await
        .unwrap();
}

struct History {
    ann: i64,
    ben: i64,
    t4: i64,
}

/// Monday 2026-03-02, UTC, on the default SLA (medium: first response 1 h,
/// resolution 8 h):
///
/// | ticket | who | created | first reply | resolved | notes |
/// |---|---|---|---|---|---|
/// | t1 | Ann | 09:00 | 09:10 | 09:20 | label billing; rated 5 |
/// | t2 | Ann | 10:00 | 12:00 (breached 11:00) | 13:00 | billing, refund; rated 3 |
/// | t3 | Ben | 11:00 | 11:05 | 11:30, reopened 11:40, Ann replies 11:50, 12:00 | survey unanswered |
/// | t4 | Ben | 12:00 | none (breached 13:00) | open | high priority |
/// | t5 | bot | 09:30 | — | deflected 09:31 | survey unanswered |
/// | t6 | bot → Ann | 09:40 | 09:51 (handoff 09:41) | open | |
async fn history(store: &Store) -> History {
    store.set_csat_settings(csat_settings());
    let ann = agent(store, "ann@x.test", "Ann").await;
    let ben = agent(store, "ben@x.test", "Ben").await;
    let team = store.create_team("Support", T0).await.unwrap().id;
    let h = |hh: i64, mm: i64| T0 + hh * HOUR + mm * MIN;

    let t1 = write(store, "491001", 1, h(9, 0)).await;
    assign(store, t1, ann, team, h(9, 1)).await;
    reply(store, t1, ann, h(9, 10)).await;
    let labels = TicketPatch {
        labels: Some(vec!["billing".into()]),
        ..Default::default()
    };
    patch(store, t1, ann, labels, h(9, 11)).await;
    resolve(store, t1, ann, h(9, 20)).await;

    store.set_bot_enabled(true);
    let t5 = write(store, "491005", 1, h(9, 30)).await;
    bot_turn(store, BotEnd::Resolve, h(9, 31)).await;
    let t6 = write(store, "491006", 1, h(9, 40)).await;
    bot_turn(
        store,
        BotEnd::Handoff {
            reason: "customer_request".into(),
        },
        h(9, 41),
    )
    .await;
    store.set_bot_enabled(false);
    store.refresh_dirty_slas(100, h(9, 41)).await.unwrap();
    assign(store, t6, ann, team, h(9, 45)).await;
    reply(store, t6, ann, h(9, 51)).await;

    let t2 = write(store, "491002", 1, h(10, 0)).await;
    assign(store, t2, ann, team, h(10, 1)).await;
    let labels = TicketPatch {
        labels: Some(vec!["billing".into(), "refund".into()]),
        ..Default::default()
    };
    patch(store, t2, ann, labels, h(10, 2)).await;
    // The scheduler fires the first-response breach at 11:00.
    store.fire_due_timers(h(11, 0), 100, false).await.unwrap();

    let t3 = write(store, "491003", 1, h(11, 0)).await;
    assign(store, t3, ben, team, h(11, 1)).await;
    reply(store, t3, ben, h(11, 5)).await;
    resolve(store, t3, ben, h(11, 30)).await;
    write(store, "491003", 2, h(11, 40)).await;
    reply(store, t3, ann, h(11, 50)).await;
    resolve(store, t3, ben, h(12, 0)).await;

    let t4 = write(store, "491004", 1, h(12, 0)).await;
    assign(store, t4, ben, team, h(12, 1)).await;
    let high = TicketPatch {
        priority: Some(Priority::High),
        ..Default::default()
    };
    patch(store, t4, ben, high, h(12, 2)).await;
    reply(store, t2, ann, h(12, 0)).await;
    resolve(store, t2, ann, h(13, 0)).await;
    // High: a first response within 15 min of 12:00, so t4 breached at 12:15.
    store.fire_due_timers(h(13, 30), 100, false).await.unwrap();

    // Surveys go out at 14:00 (all four resolutions are 10+ min old).
    let sent = store.fire_due_csat(h(14, 0), 100).await.unwrap();
    assert_eq!(sent.iter().filter(|s| s.message_id.is_some()).count(), 4);
    rate(store, t1, "491001", 5, h(14, 5)).await;
    rate(store, t2, "491002", 3, h(14, 6)).await;
    let _ = (t5, t3);
    History { ann, ben, t4 }
}

fn value(row: &ReportRow, m: Metric) -> Option<f64> {
    row.get(m).value
}

fn counts(row: &ReportRow, m: Metric) -> (Option<i64>, i64) {
    let v = row.get(m);
    (v.numerator, v.denominator)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

const DAY1: ReportQuery = ReportQuery {
    from: T0,
    to: T0 + DAY,
    group_by: GroupBy::None,
};

both_backends!(
    the_desk_row_is_what_was_counted_by_hand,
    |store: Store| async move {
        let hist = history(&store).await;
        let rows = store.quality_report(&DAY1).await.unwrap();
        assert_eq!(rows.len(), 1);
        let all = &rows[0];
        assert_eq!(all.label, "All");
        // Decided first-response targets: t1 met, t2 breached, t3 met, t4
        // breached (still waiting), t6 met: 3 of 5.
        assert_eq!(counts(all, Metric::FirstResponseSla), (Some(3), 5));
        assert!(close(value(all, Metric::FirstResponseSla), 60.0));
        assert_eq!(all.get(Metric::FirstResponseSla).rating, Some(Rating::Red));
        // Resolutions decided: t1, t2, t3 (its latest resolution), all in time.
        assert_eq!(counts(all, Metric::ResolutionSla), (Some(3), 3));
        assert_eq!(all.get(Metric::ResolutionSla).rating, Some(Rating::Green));
        // Resolved by people: t1, t2, t3; t3 was reopened and answered by two agents.
        assert_eq!(counts(all, Metric::FirstContactResolution), (Some(2), 3));
        assert_eq!(
            all.get(Metric::FirstContactResolution).rating,
            Some(Rating::Amber)
        );
        // 20 min + 3 h + 1 h = 260 min over 3 tickets.
        assert_eq!(counts(all, Metric::AvgResolutionTime), (Some(260 * MIN), 3));
        assert!(close(
            value(all, Metric::AvgResolutionTime),
            260.0 * MIN as f64 / 3.0
        ));
        assert_eq!(
            all.get(Metric::AvgResolutionTime).rating,
            Some(Rating::Amber)
        );
        // The bot finished t5 (deflected) and t6 (handed off).
        assert_eq!(counts(all, Metric::BotDeflection), (Some(1), 2));
        assert!(close(value(all, Metric::BotDeflection), 50.0));
        assert_eq!(all.get(Metric::BotDeflection).rating, Some(Rating::Amber));
        // Surveys: t1, t2, t3, t5 sent; t1 (5) and t2 (3) answered.
        assert_eq!(counts(all, Metric::CsatScore), (Some(1), 2));
        assert!(close(value(all, Metric::CsatScore), 50.0));
        assert_eq!(all.get(Metric::CsatScore).rating, Some(Rating::Red));
        assert_eq!(counts(all, Metric::CsatResponseRate), (Some(2), 4));
        assert_eq!(
            all.get(Metric::CsatResponseRate).rating,
            Some(Rating::Green)
        );
        // First replies by people: t1 10 min, t2 2 h, t3 5 min, t6 10 min from
        // the handoff. Sorted 5, 10, 10, 120: median (rank 2) 10, p90 (rank 4) 120.
        assert_eq!(
            value(all, Metric::FirstResponseMedian),
            Some((10 * MIN) as f64)
        );
        assert_eq!(
            value(all, Metric::FirstResponseP90),
            Some((120 * MIN) as f64)
        );
        assert_eq!(all.get(Metric::FirstResponseP90).denominator, 4);
        assert_eq!(all.get(Metric::FirstResponseP90).rating, None);

        // Another day: nothing to measure is "no value", not 0%.
        let empty = store
            .quality_report(&ReportQuery {
                from: T0 + DAY,
                to: T0 + 2 * DAY,
                group_by: GroupBy::None,
            })
            .await
            .unwrap();
        assert_eq!(empty[0].get(Metric::CsatScore).value, None);
        assert_eq!(empty[0].get(Metric::FirstResponseSla).denominator, 0);
        assert_eq!(empty[0].get(Metric::CsatScore).rating, None);

        // A period is from before to.
        assert!(
            store
                .quality_report(&ReportQuery {
                    from: T0,
                    to: T0,
                    group_by: GroupBy::None
                })
                .await
                .is_err()
        );
        let _ = (hist.ann, hist.ben, hist.t4);
    }
);

fn row<'a>(rows: &'a [ReportRow], label: &str) -> &'a ReportRow {
    rows.iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label}: {rows:#?}"))
}

both_backends!(groups_split_the_same_counts, |store: Store| async move {
    let hist = history(&store).await;
    let by = |group_by| ReportQuery { group_by, ..DAY1 };
    let agents = store.quality_report(&by(GroupBy::Agent)).await.unwrap();
    let labels: Vec<&str> = agents.iter().map(|r| r.label.as_str()).collect();
    // t5's survey belongs to nobody: the bot resolved it.
    assert_eq!(labels, ["Ann", "Ben", "Unassigned"]);
    let ann = row(&agents, "Ann");
    assert_eq!(ann.key, Some(hist.ann.to_string()));
    // Ann: t1 met, t2 breached, t6 met; resolved t1 and t2 (20 min, 3 h).
    assert_eq!(counts(ann, Metric::FirstResponseSla), (Some(2), 3));
    assert_eq!(counts(ann, Metric::FirstContactResolution), (Some(2), 2));
    assert_eq!(counts(ann, Metric::AvgResolutionTime), (Some(200 * MIN), 2));
    assert_eq!(counts(ann, Metric::CsatScore), (Some(1), 2));
    assert_eq!(counts(ann, Metric::CsatResponseRate), (Some(2), 2));
    // Deflection has no agent: a deflected conversation never had one.
    assert_eq!(ann.get(Metric::BotDeflection).value, None);
    assert_eq!(
        value(ann, Metric::FirstResponseMedian),
        Some((10 * MIN) as f64)
    );
    let ben = row(&agents, "Ben");
    assert_eq!(ben.key, Some(hist.ben.to_string()));
    assert_eq!(counts(ben, Metric::FirstResponseSla), (Some(1), 2));
    assert_eq!(counts(ben, Metric::FirstContactResolution), (Some(0), 1));
    assert_eq!(counts(ben, Metric::CsatResponseRate), (Some(0), 1));
    assert_eq!(ben.get(Metric::CsatScore).value, None);
    assert_eq!(
        counts(row(&agents, "Unassigned"), Metric::CsatResponseRate),
        (Some(0), 1)
    );

    let labels = store.quality_report(&by(GroupBy::Label)).await.unwrap();
    let names: Vec<&str> = labels.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(names, ["billing", "refund", "No label"]);
    // billing: t1 met, t2 breached; refund: t2; no label: t3, t4, t6 (and
    // the bot's t5, which has no first-response target).
    assert_eq!(
        counts(row(&labels, "billing"), Metric::FirstResponseSla),
        (Some(1), 2)
    );
    assert_eq!(
        counts(row(&labels, "refund"), Metric::FirstResponseSla),
        (Some(0), 1)
    );
    assert_eq!(
        counts(row(&labels, "No label"), Metric::FirstResponseSla),
        (Some(2), 3)
    );
    assert_eq!(
        counts(row(&labels, "No label"), Metric::BotDeflection),
        (Some(1), 2)
    );
    assert_eq!(
        counts(row(&labels, "billing"), Metric::CsatScore),
        (Some(1), 2)
    );

    let prios = store.quality_report(&by(GroupBy::Priority)).await.unwrap();
    let names: Vec<&str> = prios.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(names, ["high", "medium"]);
    assert_eq!(
        counts(row(&prios, "high"), Metric::FirstResponseSla),
        (Some(0), 1)
    );
    assert_eq!(
        counts(row(&prios, "medium"), Metric::FirstResponseSla),
        (Some(3), 4)
    );

    let teams = store.quality_report(&by(GroupBy::Team)).await.unwrap();
    assert_eq!(
        counts(row(&teams, "Support"), Metric::FirstResponseSla),
        (Some(3), 5)
    );
});

both_backends!(series_volume_and_backlog, |store: Store| async move {
    let hist = history(&store).await;
    let utc = ReportZone::utc();
    let days = store
        .quality_series(T0, T0 + 3 * DAY, Bucket::Day, &utc)
        .await
        .unwrap();
    assert_eq!(days.len(), 3);
    assert_eq!(days[0].label, "2026-03-02");
    assert_eq!(counts(&days[0].row, Metric::FirstResponseSla), (Some(3), 5));
    assert_eq!(counts(&days[0].row, Metric::CsatScore), (Some(1), 2));
    assert_eq!(days[1].row.get(Metric::FirstResponseSla).denominator, 0);
    assert_eq!(days[2].end, T0 + 3 * DAY);
    // Weeks start on Monday: the Wednesday-to-Tuesday range is two weeks.
    let weeks = store
        .quality_series(T0 - 5 * DAY, T0 + DAY, Bucket::Week, &utc)
        .await
        .unwrap();
    assert_eq!(weeks.len(), 2);
    assert_eq!(weeks[1].start, T0);
    assert_eq!(counts(&weeks[1].row, Metric::ResolutionSla), (Some(3), 3));
    // In New York the day is five hours behind: everything before 05:00 UTC
    // Monday is Sunday there, and nothing happened then.
    let ny = ReportZone::named("America/New_York").unwrap();
    let ny_days = store
        .quality_series(T0, T0 + DAY, Bucket::Day, &ny)
        .await
        .unwrap();
    assert_eq!(ny_days[0].label, "2026-03-01");
    assert_eq!(ny_days[0].row.get(Metric::FirstResponseSla).denominator, 0);
    assert_eq!(
        counts(&ny_days[1].row, Metric::FirstResponseSla),
        (Some(3), 5)
    );

    // Customer messages (UTC, Monday): 09:00 t1, 09:30 t5, 09:40 t6; 10:00
    // t2; 11:00 and 11:40 t3; 12:00 t4; 14:05 and 14:06 the two ratings.
    let v = store
        .volume_by_hour_weekday(T0, T0 + DAY, &utc)
        .await
        .unwrap();
    assert_eq!(v.total, 9);
    assert_eq!(v.cells[0][9], 3);
    assert_eq!(v.cells[0][10], 1);
    assert_eq!(v.cells[0][11], 2);
    assert_eq!(v.cells[0][12], 1);
    assert_eq!(v.cells[0][14], 2);
    // Berlin is UTC+1 in early March.
    let berlin = ReportZone::named("Europe/Berlin").unwrap();
    let v = store
        .volume_by_hour_weekday(T0, T0 + DAY, &berlin)
        .await
        .unwrap();
    assert_eq!((v.cells[0][10], v.cells[0][15], v.cells[0][9]), (3, 2, 0));

    // At 14:10: t4 (assigned, high, breached, 2 h 10 old) and t6 (in
    // progress, medium, 4 h 30 old) are open.
    let b = store.backlog(T0 + 14 * HOUR + 10 * MIN).await.unwrap();
    assert_eq!(b.total, 2);
    assert_eq!(b.breached, 1);
    assert_eq!(b.by_age, [0, 1, 1, 0, 0]);
    assert_eq!(b.oldest_created_at, Some(T0 + 9 * HOUR + 40 * MIN));
    let t4 = store.get_ticket(hist.t4, T0 + 14 * HOUR).await.unwrap();
    let cell = b
        .by_status_priority
        .iter()
        .find(|c| c.priority == "high")
        .unwrap();
    assert_eq!(
        (cell.status.as_str(), cell.count, cell.breached),
        (t4.status.as_str(), 1, 1)
    );
});

both_backends!(
    group_series_split_the_table_by_day,
    |store: Store| async move {
        let hist = history(&store).await;
        let utc = ReportZone::utc();
        let series = store
            .quality_group_series(GroupBy::Agent, T0, T0 + 2 * DAY, Bucket::Day, &utc)
            .await
            .unwrap();
        let names: Vec<&str> = series.iter().map(|g| g.label.as_str()).collect();
        // The table's groups, in the table's order.
        assert_eq!(names, ["Ann", "Ben", "Unassigned"]);
        let ann = &series[0];
        assert_eq!(ann.key, Some(hist.ann.to_string()));
        assert_eq!(ann.points.len(), 2);
        assert_eq!(ann.points[0].label, "2026-03-02");
        // Ann on Monday is her row of the table; Tuesday is empty, not missing.
        assert_eq!(
            counts(&ann.points[0].row, Metric::FirstResponseSla),
            (Some(2), 3)
        );
        assert_eq!(
            counts(&ann.points[0].row, Metric::AvgResolutionTime),
            (Some(200 * MIN), 2)
        );
        assert_eq!(ann.points[0].row.get(Metric::BotDeflection).value, None);
        assert_eq!(
            ann.points[1].row.get(Metric::FirstResponseSla).denominator,
            0
        );
        let ben = &series[1];
        assert_eq!(ben.key, Some(hist.ben.to_string()));
        assert_eq!(
            counts(&ben.points[0].row, Metric::FirstContactResolution),
            (Some(0), 1)
        );
        // Labels: t2 counts under billing and refund.
        let labels = store
            .quality_group_series(GroupBy::Label, T0, T0 + DAY, Bucket::Day, &utc)
            .await
            .unwrap();
        let names: Vec<&str> = labels.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(names, ["billing", "refund", "No label"]);
        assert_eq!(
            counts(&labels[1].points[0].row, Metric::FirstResponseSla),
            (Some(0), 1)
        );
        // Without a grouping: one series, the desk's.
        let all = store
            .quality_group_series(GroupBy::None, T0, T0 + DAY, Bucket::Day, &utc)
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            counts(&all[0].points[0].row, Metric::FirstResponseSla),
            (Some(3), 5)
        );
    }
);

/// Saturday 2026-03-28 00:00 in Berlin (UTC+1) is Friday 23:00 UTC; Berlin
/// moves to summer time (UTC+2) on Sunday the 29th at 02:00, so that
/// Sunday is 23 hours and Monday starts at 22:00 UTC.
const SAT: i64 = 1_774_652_400_000;

/// A hand-built history over three Berlin days (times UTC):
///
/// | ticket | created | then |
/// |---|---|---|
/// | a | Fri 20:00 (before the period) | resolved Sat 10:00 |
/// | b | Sat 09:00 | resolved Sat 09:40, closed Sat 12:00 |
/// | c | Sat 11:00 | resolved Sat 12:00, reopened by the customer Sun 08:00, resolved Sun 09:00 |
/// | d | Sat 22:30 (Sat 23:30 in Berlin) | closed unresolved Sun 23:30 (Mon 01:30 in Berlin) |
/// | f | Sat 23:30 (Sun 00:30 in Berlin) | open |
/// | g | Sun 10:00, the bot's | deflected Sun 10:05 |
/// | e | Sun 22:30 (Mon 00:30 in Berlin) | open |
/// | h | Mon 09:00 | resolved Tue 10:00 (after the period) |
/// | i | Tue 11:00 (after the period) | open |
async fn backlog_story(store: &Store) {
    let ann = agent(store, "ann@x.test", "Ann").await;
    let at = |day: i64, hh: i64, mm: i64| SAT + HOUR + (day - 1) * DAY + hh * HOUR + mm * MIN;
    // day 0 = Friday, 1 = Saturday… in UTC.
    let a = write(store, "49201", 1, at(0, 20, 0)).await;
    resolve(store, a, ann, at(1, 10, 0)).await;
    let b = write(store, "49202", 1, at(1, 9, 0)).await;
    resolve(store, b, ann, at(1, 9, 40)).await;
    let closed = TicketPatch {
        status: Some(TicketStatus::Closed),
        ..Default::default()
    };
    patch(store, b, ann, closed.clone(), at(1, 12, 0)).await;
    let c = write(store, "49203", 1, at(1, 11, 0)).await;
    resolve(store, c, ann, at(1, 12, 0)).await;
    let d = write(store, "49204", 1, at(1, 22, 30)).await;
    write(store, "49206", 1, at(1, 23, 30)).await;
    write(store, "49203", 2, at(2, 8, 0)).await;
    resolve(store, c, ann, at(2, 9, 0)).await;
    store.set_bot_enabled(true);
    write(store, "49207", 1, at(2, 10, 0)).await;
    bot_turn(store, BotEnd::Resolve, at(2, 10, 5)).await;
    store.set_bot_enabled(false);
    write(store, "49205", 1, at(2, 22, 30)).await;
    patch(store, d, ann, closed, at(2, 23, 30)).await;
    let h = write(store, "49208", 1, at(3, 9, 0)).await;
    resolve(store, h, ann, at(4, 10, 0)).await;
    write(store, "49209", 1, at(4, 11, 0)).await;
}

both_backends!(
    backlog_history_replays_the_audit_trail,
    |store: Store| async move {
        backlog_story(&store).await;
        let berlin = ReportZone::named("Europe/Berlin").unwrap();
        let from = berlin.date_start("2026-03-28").unwrap();
        let to = berlin.date_start("2026-03-31").unwrap();
        assert_eq!(from, SAT);
        let h = store
            .backlog_history(from, to, Bucket::Day, &berlin)
            .await
            .unwrap();
        let labels: Vec<&str> = h.points.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-03-28", "2026-03-29", "2026-03-30"]);
        // Sunday is 23 hours long in Berlin.
        assert_eq!(h.points[1].end - h.points[1].start, 23 * HOUR);
        assert_eq!(h.points[2].end, to);
        // a was open when the period began.
        assert_eq!(h.open_at_start, 1);
        let row = |p: &BacklogPoint| {
            (
                p.created,
                p.resolved_by_people,
                p.resolved_by_bot,
                p.closed_unresolved,
                p.reopened,
                p.open_at_end,
            )
        };
        // Saturday: b, c, d created; a, b, c resolved; d open at midnight.
        assert_eq!(row(&h.points[0]), (3, 3, 0, 0, 0, 1));
        // Sunday: f (00:30 Berlin) and g; c reopened and resolved again, g
        // deflected by the bot; d and f open.
        assert_eq!(row(&h.points[1]), (2, 1, 1, 0, 1, 2));
        // Monday: e (00:30 Berlin) and h; d closed unresolved (01:30 Berlin);
        // f, e, h open. h's resolution and i come after the period.
        assert_eq!(row(&h.points[2]), (2, 0, 0, 1, 0, 3));

        // In UTC the same history falls on other days: d (22:30) stays
        // Saturday, f (23:30) too; e (Sun 22:30) is Sunday.
        let utc = ReportZone::utc();
        let u = store
            .backlog_history(SAT + HOUR, SAT + HOUR + 3 * DAY, Bucket::Day, &utc)
            .await
            .unwrap();
        assert_eq!(u.open_at_start, 1);
        assert_eq!(row(&u.points[0]), (4, 3, 0, 0, 0, 2));
        assert_eq!(row(&u.points[1]), (2, 1, 1, 1, 1, 2));
        assert_eq!(row(&u.points[2]), (1, 0, 0, 0, 0, 3));

        // Weeks start on Monday and are cut to the period.
        let w = store
            .backlog_history(from, to, Bucket::Week, &berlin)
            .await
            .unwrap();
        assert_eq!(w.points.len(), 2);
        assert_eq!(w.points[0].start, from);
        assert_eq!(w.points[1].label, "2026-03-30");
        assert_eq!(row(&w.points[0]), (5, 4, 1, 0, 1, 2));
        assert_eq!(row(&w.points[1]), (2, 0, 0, 1, 0, 3));

        // A period that starts inside a 15-minute slot: Saturday from 09:35
        // UTC leaves out b's creation (09:00) and keeps its resolution (09:40).
        let m = store
            .backlog_history(SAT + HOUR + 9 * HOUR + 35 * MIN, to, Bucket::Day, &berlin)
            .await
            .unwrap();
        assert_eq!(m.open_at_start, 2);
        assert_eq!(row(&m.points[0]), (2, 3, 0, 0, 0, 1));

        // Every bucket's books balance.
        let mut open = h.open_at_start;
        for p in &h.points {
            open += p.created + p.reopened
                - p.resolved_by_people
                - p.resolved_by_bot
                - p.closed_unresolved;
            assert_eq!(open, p.open_at_end, "{p:?}");
        }
        assert!(
            store
                .backlog_history(to, from, Bucket::Day, &berlin)
                .await
                .is_err()
        );
    }
);
