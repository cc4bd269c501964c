//! CSAT surveys in the store, identical on SQLite and PostgreSQL: scheduled
//! by a resolution, sent or skipped once by their timer, answered without
//! reopening or opening tickets, summarised.

mod common;

use parley_core::{Role, TicketStatus};
use parley_store::*;
use serde_json::json;
use std::sync::Arc;

const T0: i64 = 1_764_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const PNID: &str = "106540352242922";

fn draft(text: &str) -> ReplyDraft {
    ReplyDraft {
        kind: "text".into(),
        text: Some(text.into()),
        content: json!({}),
        payload: json!({"content": {"type": "text", "body": text}}),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

fn settings() -> CsatSettings {
    CsatSettings {
        enabled: true,
        delay_ms: 10 * MIN,
        resurvey_after_ms: 24 * HOUR,
        comment_window_ms: 24 * HOUR,
        survey: Some(Arc::new(|id| {
            let mut d = draft(&format!("survey {id}"));
            d.kind = "interactive".into();
            d
        })),
        follow_up: Some(draft("How can we improve?")),
        thanks: Some(draft("Thanks!")),
    }
}

fn message(wamid: &str, from: &str, kind: &str, text: &str, at: i64) -> InboundMessage {
    InboundMessage {
        phone_number_id: PNID.into(),
        wa_message_id: wamid.into(),
        from_wa_id: Some(from.into()),
        profile_name: Some("Ana".into()),
        kind: kind.into(),
        text: Some(text.into()),
        preview: text.into(),
        content: json!({"body": text}),
        raw: json!({"id": wamid}),
        sent_at_ms: at,
        reopens: true,
        ..Default::default()
    }
}

fn text(wamid: &str, from: &str, body: &str, at: i64) -> IngestItem {
    IngestItem::Message(Box::new(message(wamid, from, "text", body, at)))
}

fn quoted(wamid: &str, from: &str, body: &str, context: &str, at: i64) -> IngestItem {
    let mut m = message(wamid, from, "text", body, at);
    m.reply_to_wamid = Some(context.into());
    IngestItem::Message(Box::new(m))
}

fn list_reply(wamid: &str, from: &str, row: &str, at: i64) -> IngestItem {
    let mut m = message(wamid, from, "interactive", "⭐⭐ Poor", at);
    m.content = json!({"type": "list_reply", "list_reply": {"id": row, "title": "⭐⭐ Poor"}});
    IngestItem::Message(Box::new(m))
}

async fn ingest(store: &Store, item: IngestItem, now: i64) -> IngestOutcome {
    store
        .apply_webhook(None, vec![item], now)
        .await
        .unwrap()
        .remove(0)
}

fn ticket_of(o: &IngestOutcome) -> (i64, bool, Option<CsatReply>) {
    match o {
        IngestOutcome::Message {
            ticket_id,
            ticket_created,
            csat,
            ..
        } => (*ticket_id, *ticket_created, csat.clone()),
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn agent(store: &Store, email: &str, role: Role) -> i64 {
    store
        .create_agent(
            &NewAgent {
                email: email.into(),
                name: email.into(),
                role,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap()
        .id
}

async fn set_status(store: &Store, id: i64, actor: i64, patch: TicketPatch, now: i64) {
    store.update_ticket(id, actor, &patch, now).await.unwrap();
}

fn status(s: TicketStatus) -> TicketPatch {
    TicketPatch {
        status: Some(s),
        ..Default::default()
    }
}

/// A contact's ticket, assigned to `agent` in `team`, resolved at `at`.
async fn resolved_ticket(store: &Store, from: &str, agent: i64, team: i64, at: i64) -> i64 {
    let (id, created, _) = ticket_of(
        &ingest(
            store,
            text(&format!("wamid.{from}.1"), from, "My order is late", at),
            at,
        )
        .await,
    );
    assert!(created);
    set_status(
        store,
        id,
        agent,
        TicketPatch {
            assignee_id: Some(Some(agent)),
            team_id: Some(Some(team)),
            ..Default::default()
        },
        at,
    )
    .await;
    set_status(store, id, agent, status(TicketStatus::Resolved), at).await;
    id
}

async fn count(store: &Store, sql: &str, ticket: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(ticket)
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

/// Plays the outbox sender: Meta accepts every queued message.
async fn deliver_all(store: &Store, now: i64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    loop {
        let due = store.due_outbox(now, 100).await.unwrap();
        if due.is_empty() {
            return out;
        }
        for row in due {
            let wamid = format!("wamid.out.{}", row.message_id);
            store.outbox_sent(&row, &wamid, now).await.unwrap();
            out.push((row.message_id, wamid));
        }
    }
}

async fn survey_of(store: &Store, ticket: i64) -> CsatSurvey {
    store
        .get_ticket(ticket, T0)
        .await
        .unwrap()
        .csat
        .expect("the ticket has a survey")
}

both_backends!(
    a_resolution_schedules_one_survey_that_its_timer_sends_once,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let team = store.create_team("Support", T0).await.unwrap().id;
        let id = resolved_ticket(&store, "1555001", a, team, T0).await;
        let s = survey_of(&store, id).await;
        assert_eq!(s.state, "scheduled");
        assert_eq!(s.scheduled_at, T0 + 10 * MIN);
        assert_eq!(s.agent.as_ref().map(|a| a.id), Some(a));
        assert_eq!(s.team.as_ref().map(|t| t.id), Some(team));
        let csat_timers = "SELECT COUNT(*) FROM timers WHERE ticket_id = $1 AND kind = 'csat.send' AND fired_at IS NULL";
        assert_eq!(count(&store, csat_timers, id).await, 1);

        // The SLA planner and the SLA timers leave the CSAT timer alone.
        store.mark_all_slas_dirty().await.unwrap();
        store.refresh_dirty_slas(100, T0 + MIN).await.unwrap();
        assert_eq!(count(&store, csat_timers, id).await, 1);
        store
            .fire_due_timers(T0 + 11 * MIN, 100, false)
            .await
            .unwrap();
        assert_eq!(count(&store, csat_timers, id).await, 1);

        // Not before the delay; then once.
        assert!(
            store
                .fire_due_csat(T0 + 9 * MIN, 100)
                .await
                .unwrap()
                .is_empty()
        );
        let sent = store.fire_due_csat(T0 + 10 * MIN, 100).await.unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].skipped, None);
        let message_id = sent[0].message_id.unwrap();
        assert!(
            store
                .fire_due_csat(T0 + 20 * MIN, 100)
                .await
                .unwrap()
                .is_empty()
        );
        let s = survey_of(&store, id).await;
        assert_eq!((s.state.as_str(), s.sent_at), ("sent", Some(T0 + 10 * MIN)));
        assert_eq!(s.message_id, Some(message_id));
        let m = store.get_message(message_id).await.unwrap();
        assert_eq!(m.direction, "outbound");
        assert!(m.author.is_none(), "automatic: no author");
        assert_eq!(m.text.as_deref(), Some(&*format!("survey {}", s.id)));
        let t = store.get_ticket(id, T0 + 10 * MIN).await.unwrap();
        assert_eq!(
            t.status,
            TicketStatus::Resolved,
            "the survey changes no status"
        );
        let due = store.due_outbox(T0 + 10 * MIN, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].recipient, "1555001");

        // Reopened and resolved again: no second survey.
        ingest(
            &store,
            text("wamid.r1", "1555001", "Actually, one more thing", T0 + HOUR),
            T0 + HOUR,
        )
        .await;
        assert!(
            store
                .get_ticket(id, T0 + HOUR)
                .await
                .unwrap()
                .status
                .is_open()
        );
        set_status(&store, id, a, status(TicketStatus::Resolved), T0 + 2 * HOUR).await;
        assert_eq!(count(&store, csat_timers, id).await, 0);
        assert!(
            store
                .fire_due_csat(T0 + 3 * HOUR, 100)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM csat_surveys WHERE ticket_id = $1",
                id
            )
            .await,
            1
        );
        // "Send now" afterwards is refused too.
        let err = store.send_csat_now(id, a, T0 + 3 * HOUR).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM messages WHERE ticket_id = $1 AND direction = 'outbound'",
                id
            )
            .await,
            1
        );
    }
);

both_backends!(
    reopened_during_the_delay_skips_and_spam_gets_no_survey,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let team = store.create_team("Support", T0).await.unwrap().id;

        // Reopened during the delay: skipped when the timer fires.
        let id = resolved_ticket(&store, "1555002", a, team, T0).await;
        ingest(
            &store,
            text(
                "wamid.re",
                "1555002",
                "It still does not work",
                T0 + 5 * MIN,
            ),
            T0 + 5 * MIN,
        )
        .await;
        let sent = store.fire_due_csat(T0 + 10 * MIN, 100).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].skipped, Some("reopened"));
        let s = survey_of(&store, id).await;
        assert_eq!(
            (s.state.as_str(), s.skip_reason.as_deref()),
            ("skipped", Some("reopened"))
        );
        // Resolved again: the survey follows this resolution instead.
        set_status(&store, id, a, status(TicketStatus::Resolved), T0 + HOUR).await;
        assert_eq!(survey_of(&store, id).await.state, "scheduled");
        assert!(
            store
                .fire_due_csat(T0 + HOUR + 9 * MIN, 100)
                .await
                .unwrap()
                .is_empty()
        );
        let sent = store
            .fire_due_csat(T0 + HOUR + 10 * MIN, 100)
            .await
            .unwrap();
        assert_eq!((sent.len(), sent[0].skipped), (1, None));

        // Re-resolved within the delay: one timer, counted from the last resolution.
        let id2 = resolved_ticket(&store, "1555003", a, team, T0).await;
        ingest(
            &store,
            text("wamid.re3", "1555003", "wait", T0 + MIN),
            T0 + MIN,
        )
        .await;
        set_status(&store, id2, a, status(TicketStatus::Resolved), T0 + 2 * MIN).await;
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM timers WHERE ticket_id = $1 AND kind = 'csat.send' AND fired_at IS NULL", id2).await,
            1
        );
        assert_eq!(survey_of(&store, id2).await.scheduled_at, T0 + 12 * MIN);

        // Closed as spam: the survey is cancelled at once and never sent.
        let id3 = resolved_ticket(&store, "1555004", a, team, T0).await;
        let err = store
            .update_ticket(
                id3,
                a,
                &TicketPatch {
                    close_reason: Some("spam".into()),
                    ..Default::default()
                },
                T0 + MIN,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(_)),
            "a close reason needs closing: {err}"
        );
        set_status(
            &store,
            id3,
            a,
            TicketPatch {
                status: Some(TicketStatus::Closed),
                close_reason: Some("spam".into()),
                ..Default::default()
            },
            T0 + MIN,
        )
        .await;
        let t = store.get_ticket(id3, T0 + MIN).await.unwrap();
        assert_eq!(t.close_reason.as_deref(), Some("spam"));
        let s = t.csat.unwrap();
        assert_eq!(
            (s.state.as_str(), s.skip_reason.as_deref()),
            ("skipped", Some("spam"))
        );
        let fired = store.fire_due_csat(T0 + HOUR, 100).await.unwrap();
        assert!(fired.iter().all(|f| f.ticket_id != id3), "{fired:?}");
        let err = store.send_csat_now(id3, a, T0 + HOUR).await.unwrap_err();
        assert!(err.to_string().contains("spam"), "{err}");

        // Closed (not as spam) after the resolution: still surveyed.
        let id4 = resolved_ticket(&store, "1555005", a, team, T0 + 2 * HOUR).await;
        set_status(
            &store,
            id4,
            a,
            status(TicketStatus::Closed),
            T0 + 2 * HOUR + MIN,
        )
        .await;
        let sent = store
            .fire_due_csat(T0 + 2 * HOUR + 10 * MIN, 100)
            .await
            .unwrap();
        let mine: Vec<_> = sent.iter().filter(|s| s.ticket_id == id4).collect();
        assert_eq!((mine.len(), mine[0].skipped), (1, None), "{sent:?}");
    }
);

both_backends!(
    recently_surveyed_contacts_and_closed_windows_are_skipped,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let team = store.create_team("Support", T0).await.unwrap().id;
        let first = resolved_ticket(&store, "1555010", a, team, T0).await;
        store.fire_due_csat(T0 + 10 * MIN, 100).await.unwrap();
        set_status(
            &store,
            first,
            a,
            status(TicketStatus::Closed),
            T0 + 11 * MIN,
        )
        .await;
        // Back two hours later with a new question, resolved: surveyed 2 h ago.
        let (second, created, _) = ticket_of(
            &ingest(
                &store,
                text("wamid.s2", "1555010", "New question", T0 + 2 * HOUR),
                T0 + 2 * HOUR,
            )
            .await,
        );
        assert!(created);
        set_status(
            &store,
            second,
            a,
            status(TicketStatus::Resolved),
            T0 + 2 * HOUR,
        )
        .await;
        let sent = store.fire_due_csat(T0 + 3 * HOUR, 100).await.unwrap();
        assert_eq!(sent[0].skipped, Some("recently_surveyed"));
        let err = store
            .send_csat_now(second, a, T0 + 3 * HOUR)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");

        // The customer's last message is over 24 h old when the timer fires.
        let late = resolved_ticket(&store, "1555011", a, team, T0).await;
        let ticket = store.get_ticket(late, T0).await.unwrap();
        assert!(ticket.window_open);
        store.fire_due_csat(T0 + 9 * MIN, 100).await.unwrap();
        let sent = store.fire_due_csat(T0 + 25 * HOUR, 100).await.unwrap();
        let mine: Vec<_> = sent.iter().filter(|s| s.ticket_id == late).collect();
        assert_eq!(mine[0].skipped, Some("window_closed"));
        let s = survey_of(&store, late).await;
        assert_eq!(s.skip_reason.as_deref(), Some("window_closed"));

        // Turned off: a resolution schedules nothing.
        store.set_csat_settings(CsatSettings {
            enabled: false,
            ..settings()
        });
        let off = resolved_ticket(&store, "1555012", a, team, T0 + 30 * HOUR).await;
        assert!(store.get_ticket(off, T0).await.unwrap().csat.is_none());
        let err = store
            .send_csat_now(off, a, T0 + 30 * HOUR)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("turned off"), "{err}");
    }
);

both_backends!(
    answers_are_recorded_on_the_surveyed_ticket_and_never_open_one,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let team = store.create_team("Support", T0).await.unwrap().id;
        let id = resolved_ticket(&store, "1555020", a, team, T0).await;
        let at = T0 + 10 * MIN;
        let survey_id = store.fire_due_csat(at, 100).await.unwrap()[0].survey_id;
        deliver_all(&store, at).await;
        let tickets = "SELECT COUNT(*) FROM tickets WHERE contact_id = (SELECT contact_id FROM tickets WHERE id = $1)";

        // Rating 2 from the list: stored, the follow-up question queued.
        let (t, created, reply) = ticket_of(
            &ingest(
                &store,
                list_reply(
                    "wamid.rate",
                    "1555020",
                    &format!("csat:{survey_id}:2"),
                    at + MIN,
                ),
                at + MIN,
            )
            .await,
        );
        assert_eq!((t, created), (id, false));
        let reply = reply.expect("a survey answer");
        assert_eq!((reply.kind, reply.rating), (CsatReplyKind::Rating, Some(2)));
        assert_eq!((reply.agent_id, reply.team_id), (Some(a), Some(team)));
        assert_eq!(reply.replies.len(), 1);
        let follow = store.get_message(reply.replies[0]).await.unwrap();
        assert_eq!(follow.text.as_deref(), Some("How can we improve?"));
        let ticket = store.get_ticket(id, at + MIN).await.unwrap();
        assert_eq!(
            ticket.status,
            TicketStatus::Resolved,
            "a rating never reopens"
        );
        let s = ticket.csat.unwrap();
        assert_eq!((s.state.as_str(), s.rating), ("rated", Some(2)));
        assert!(s.comment_requested_at.is_some());

        // The next text is the comment: stored, thanked, still resolved.
        let (t, created, reply) = ticket_of(
            &ingest(
                &store,
                text(
                    "wamid.comment",
                    "1555020",
                    "The courier was rude",
                    at + 2 * MIN,
                ),
                at + 2 * MIN,
            )
            .await,
        );
        assert_eq!((t, created), (id, false));
        let reply = reply.unwrap();
        assert_eq!(reply.kind, CsatReplyKind::Comment);
        assert_eq!(reply.comment.as_deref(), Some("The courier was rude"));
        assert_eq!(
            store
                .get_message(reply.replies[0])
                .await
                .unwrap()
                .text
                .as_deref(),
            Some("Thanks!")
        );
        let s = survey_of(&store, id).await;
        assert_eq!(
            (s.state.as_str(), s.comment.as_deref()),
            ("commented", Some("The courier was rude"))
        );
        assert_eq!(
            store.get_ticket(id, at).await.unwrap().status,
            TicketStatus::Resolved
        );

        // A second rating is ignored: the first stands, nothing is sent.
        let (t, created, reply) = ticket_of(
            &ingest(
                &store,
                list_reply(
                    "wamid.rate2",
                    "1555020",
                    &format!("csat:{survey_id}:5"),
                    at + 3 * MIN,
                ),
                at + 3 * MIN,
            )
            .await,
        );
        assert_eq!((t, created), (id, false));
        let reply = reply.unwrap();
        assert_eq!(
            (reply.kind, reply.replies.len()),
            (CsatReplyKind::Ignored, 0)
        );
        assert_eq!(survey_of(&store, id).await.rating, Some(2));
        assert_eq!(
            store.get_ticket(id, at).await.unwrap().status,
            TicketStatus::Resolved
        );
        assert_eq!(count(&store, tickets, id).await, 1);

        // The router's trigger scan does not read survey answers.
        let scanned = store.inbound_after(0, 100).await.unwrap();
        assert!(
            scanned.iter().all(|m| m.3 != "The courier was rude"),
            "{scanned:?}"
        );

        // After that, the customer's messages are conversation again.
        let (t, _, reply) = ticket_of(
            &ingest(
                &store,
                text("wamid.again", "1555020", "Hello again", at + 4 * MIN),
                at + 4 * MIN,
            )
            .await,
        );
        assert_eq!((t, reply), (id, None));
        assert!(
            store.get_ticket(id, at).await.unwrap().status.is_open(),
            "a normal message reopens"
        );
    }
);

both_backends!(
    a_closed_ticket_takes_its_rating_and_a_quoted_number_counts,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let team = store.create_team("Support", T0).await.unwrap().id;
        let id = resolved_ticket(&store, "1555030", a, team, T0).await;
        let at = T0 + 10 * MIN;
        store.fire_due_csat(at, 100).await.unwrap();
        let sent = deliver_all(&store, at).await;
        let survey_wamid = sent[0].1.clone();
        set_status(&store, id, a, status(TicketStatus::Closed), at + MIN).await;

        // A 4 typed in reply to the survey: a rating, on the closed ticket, thanked.
        let (t, created, reply) = ticket_of(
            &ingest(
                &store,
                quoted("wamid.q", "1555030", "4", &survey_wamid, at + 2 * MIN),
                at + 2 * MIN,
            )
            .await,
        );
        assert_eq!(
            (t, created),
            (id, false),
            "no new ticket for a closed one's survey"
        );
        let reply = reply.unwrap();
        assert_eq!((reply.kind, reply.rating), (CsatReplyKind::Rating, Some(4)));
        assert_eq!(
            store
                .get_message(reply.replies[0])
                .await
                .unwrap()
                .text
                .as_deref(),
            Some("Thanks!")
        );
        let t = store.get_ticket(id, at).await.unwrap();
        assert_eq!(t.status, TicketStatus::Closed);
        assert_eq!(
            t.csat.unwrap().comment_requested_at,
            None,
            "4-5: no follow-up"
        );

        // The next message is a new conversation: a new ticket.
        let (t, created, reply) = ticket_of(
            &ingest(
                &store,
                text("wamid.new", "1555030", "New order question", at + 3 * MIN),
                at + 3 * MIN,
            )
            .await,
        );
        assert!(created && t != id && reply.is_none());

        // Someone else's survey id is not theirs to answer.
        let other = resolved_ticket(&store, "1555031", a, team, at).await;
        let other_survey = survey_of(&store, other).await.id;
        let (t, _, reply) = ticket_of(
            &ingest(
                &store,
                list_reply("wamid.x", "1555032", &format!("csat:{other_survey}:1"), at),
                at,
            )
            .await,
        );
        assert!(reply.is_none() && t != other);
    }
);

both_backends!(
    the_summary_counts_responses_by_agent_team_and_period,
    |store: Store| async move {
        store.set_csat_settings(settings());
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let b = agent(&store, "b@x.io", Role::Agent).await;
        let support = store.create_team("Support", T0).await.unwrap().id;
        let billing = store.create_team("Billing", T0).await.unwrap().id;
        // Four surveys: a/support rates 5 and 2 (with a comment), b/billing
        // rates 4, one unanswered.
        let plan = [
            ("1555040", a, support, Some(5)),
            ("1555041", a, support, Some(2)),
            ("1555042", b, billing, Some(4)),
            ("1555043", b, billing, None),
        ];
        for (i, (from, agent, team, _)) in plan.iter().enumerate() {
            resolved_ticket(&store, from, *agent, *team, T0 + i as i64).await;
        }
        let at = T0 + 10 * MIN + 10;
        let sent = store.fire_due_csat(at, 100).await.unwrap();
        assert_eq!(sent.len(), 4);
        for (from, _, _, rating) in plan {
            let Some(r) = rating else { continue };
            let ticket = store
                .list_tickets(
                    &TicketFilter {
                        limit: 50,
                        ..Default::default()
                    },
                    at,
                )
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|t| t.contact.wa_id.as_deref() == Some(from))
                .unwrap();
            let survey = ticket.csat.unwrap().id;
            ingest(
                &store,
                list_reply(
                    &format!("wamid.r.{from}"),
                    from,
                    &format!("csat:{survey}:{r}"),
                    at + MIN,
                ),
                at + MIN,
            )
            .await;
        }
        ingest(
            &store,
            text("wamid.c", "1555041", "Too slow", at + 2 * MIN),
            at + 2 * MIN,
        )
        .await;

        let all = store.csat_summary(&CsatFilter::default()).await.unwrap();
        assert_eq!((all.surveys_sent, all.responses), (4, 3));
        assert_eq!(all.response_rate, Some(0.75));
        assert_eq!(all.average_rating, Some(3.67));
        assert_eq!(all.csat_score, Some(66.7));
        assert_eq!(
            all.distribution.iter().map(|d| d.count).collect::<Vec<_>>(),
            vec![0, 1, 0, 1, 1]
        );
        assert_eq!(all.comments, 1);
        assert_eq!(all.recent_comments[0].comment, "Too slow");
        assert_eq!(all.recent_comments[0].rating, Some(2));
        assert_eq!(all.recent_comments[0].agent.as_ref().map(|x| x.id), Some(a));

        let mine = store
            .csat_summary(&CsatFilter {
                agent_id: Some(a),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            (mine.surveys_sent, mine.responses, mine.csat_score),
            (2, 2, Some(50.0))
        );
        let billing_only = store
            .csat_summary(&CsatFilter {
                team_id: Some(billing),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((billing_only.surveys_sent, billing_only.responses), (2, 1));
        assert_eq!(billing_only.response_rate, Some(0.5));
        assert!(billing_only.recent_comments.is_empty());
        let before = store
            .csat_summary(&CsatFilter {
                to: Some(at),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(before.surveys_sent, 0);
        assert_eq!(before.response_rate, None);
        let during = store
            .csat_summary(&CsatFilter {
                from: Some(at),
                to: Some(at + 1),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(during.surveys_sent, 4);
    }
);
