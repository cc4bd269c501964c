//! The store's behaviour, identical on SQLite and PostgreSQL.

mod common;

use common::{reply, text};

use parley_core::{DeliveryStatus, Priority, Role, TicketStatus, window::CUSTOMER_WINDOW_MS};
use parley_store::*;
use serde_json::json;

const T0: i64 = 1_764_000_000_000;

async fn ingest(store: &Store, items: Vec<IngestItem>, now: i64) -> Vec<IngestOutcome> {
    store
        .append_webhooks(&["{}".to_string()], now)
        .await
        .unwrap();
    let log_id = store.pending_webhooks(1, 5).await.unwrap()[0].id;
    store.apply_webhook(log_id, items, now).await.unwrap()
}

fn msg_ids(o: &IngestOutcome) -> (i64, i64, bool) {
    match o {
        IngestOutcome::Message {
            ticket_id,
            message_id,
            ticket_created,
            ..
        } => (*ticket_id, *message_id, *ticket_created),
        other => panic!("expected a message outcome, got {other:?}"),
    }
}

async fn agent(store: &Store, email: &str, role: Role) -> Agent {
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
}

both_backends!(
    first_message_creates_contact_and_ticket,
    |store: Store| async move {
        let out = ingest(
            &store,
            vec![text("wamid.A1", "16505551234", "Hello", T0)],
            T0,
        )
        .await;
        let (ticket_id, message_id, created) = msg_ids(&out[0]);
        assert!(created);
        let t = store.get_ticket(ticket_id, T0).await.unwrap();
        assert_eq!(t.status, TicketStatus::New);
        assert_eq!(t.priority, Priority::Medium);
        assert_eq!(t.contact.wa_id.as_deref(), Some("16505551234"));
        assert_eq!(t.contact.phone.as_deref(), Some("+16505551234"));
        assert_eq!(t.contact.name.as_deref(), Some("Ana"));
        assert_eq!(t.last_message_preview.as_deref(), Some("Hello"));
        assert!(t.window_open);
        let msgs = store.ticket_messages(ticket_id).await.unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].id, message_id);
        assert_eq!(msgs[0].direction, "inbound");
        assert_eq!(msgs[0].text.as_deref(), Some("Hello"));
        // Nothing left pending in the log.
        assert_eq!(store.webhook_backlog(5).await.unwrap(), (0, 0));
        let audit = store.ticket_audit(ticket_id).await.unwrap();
        assert_eq!(audit[0].action, "ticket_created");
    }
);

both_backends!(redelivery_creates_nothing, |store: Store| async move {
    ingest(&store, vec![text("wamid.D1", "1555", "Hi", T0)], T0).await;
    // Meta redelivers days later, in a different batch.
    let out = ingest(
        &store,
        vec![
            text("wamid.D2", "1555", "Second", T0 + 1),
            text("wamid.D1", "1555", "Hi", T0),
        ],
        T0 + 3 * 86_400_000,
    )
    .await;
    assert_eq!(out[1], IngestOutcome::DuplicateMessage);
    let page = store
        .list_tickets(
            &TicketFilter {
                limit: 50,
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        store.ticket_messages(page.items[0].id).await.unwrap().len(),
        2
    );
});

both_backends!(
    resolved_reopens_closed_starts_over,
    |store: Store| async move {
        let a = agent(&store, "a@x.io", Role::Agent).await;
        let out = ingest(&store, vec![text("wamid.R1", "1666", "Hi", T0)], T0).await;
        let (t1, _, _) = msg_ids(&out[0]);
        store
            .update_ticket(
                t1,
                a.id,
                &TicketPatch {
                    assignee_id: Some(Some(a.id)),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        assert_eq!(
            store.get_ticket(t1, T0).await.unwrap().status,
            TicketStatus::Assigned
        );
        store
            .update_ticket(
                t1,
                a.id,
                &TicketPatch {
                    status: Some(TicketStatus::Resolved),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        // A reaction does not reopen it.
        let mut reaction = InboundMessage {
            phone_number_id: "106540352242922".into(),
            wa_message_id: "wamid.R2".into(),
            from_wa_id: Some("1666".into()),
            kind: "reaction".into(),
            preview: "Reacted 👍".into(),
            content: json!({"emoji": "👍"}),
            raw: json!({}),
            sent_at_ms: T0 + 10,
            reopens: false,
            ..Default::default()
        };
        let out = ingest(
            &store,
            vec![IngestItem::Message(Box::new(reaction.clone()))],
            T0 + 10,
        )
        .await;
        assert_eq!(msg_ids(&out[0]).0, t1);
        assert_eq!(
            store.get_ticket(t1, T0).await.unwrap().status,
            TicketStatus::Resolved
        );
        // A real message does, back to the assignee.
        let out = ingest(
            &store,
            vec![text("wamid.R3", "1666", "Still broken", T0 + 20)],
            T0 + 20,
        )
        .await;
        let (t, _, created) = msg_ids(&out[0]);
        assert_eq!((t, created), (t1, false));
        let ticket = store.get_ticket(t1, T0).await.unwrap();
        assert_eq!(ticket.status, TicketStatus::InProgress);
        assert!(ticket.resolved_at.is_none());
        // Closed is final: the next message opens a new ticket.
        store
            .update_ticket(
                t1,
                a.id,
                &TicketPatch {
                    status: Some(TicketStatus::Closed),
                    ..Default::default()
                },
                T0 + 30,
            )
            .await
            .unwrap();
        let out = ingest(
            &store,
            vec![text("wamid.R4", "1666", "New problem", T0 + 40)],
            T0 + 40,
        )
        .await;
        let (t2, _, created) = msg_ids(&out[0]);
        assert!(created && t2 != t1);
        reaction.wa_message_id = "wamid.R5".into();
        let contact = store
            .get_contact(store.get_ticket(t2, T0).await.unwrap().contact.id)
            .await
            .unwrap();
        assert_eq!(
            contact.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![t2, t1]
        );
        let actions: Vec<String> = store
            .ticket_audit(t1)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(
            actions,
            [
                "ticket_created",
                "assigned",
                "status_changed",
                "status_changed",
                "status_changed",
                "status_changed"
            ]
        );
    }
);

both_backends!(
    bad_transition_is_refused_and_nothing_changes,
    |store: Store| async move {
        let a = agent(&store, "b@x.io", Role::Agent).await;
        let out = ingest(&store, vec![text("wamid.B1", "1777", "Hi", T0)], T0).await;
        let (t, _, _) = msg_ids(&out[0]);
        store
            .update_ticket(
                t,
                a.id,
                &TicketPatch {
                    status: Some(TicketStatus::Closed),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        let err = store
            .update_ticket(
                t,
                a.id,
                &TicketPatch {
                    status: Some(TicketStatus::InProgress),
                    priority: Some(Priority::Urgent),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Transition(_)), "{err}");
        // The priority change in the same request was rolled back with it.
        assert_eq!(
            store.get_ticket(t, T0).await.unwrap().priority,
            Priority::Medium
        );
    }
);

both_backends!(
    username_users_and_number_changes_keep_one_contact,
    |store: Store| async move {
        // First seen by phone only.
        let out = ingest(&store, vec![text("wamid.U1", "15550001", "Hi", T0)], T0).await;
        let (t1, _, _) = msg_ids(&out[0]);
        let contact_id = store.get_ticket(t1, T0).await.unwrap().contact.id;
        // Then with phone and business-scoped id: same contact, id filled in.
        let mut m = InboundMessage {
            phone_number_id: "p".into(),
            wa_message_id: "wamid.U2".into(),
            from_wa_id: Some("15550001".into()),
            from_user_id: Some("US.123".into()),
            kind: "text".into(),
            text: Some("again".into()),
            preview: "again".into(),
            content: json!({}),
            raw: json!({}),
            sent_at_ms: T0 + 1,
            reopens: true,
            ..Default::default()
        };
        ingest(
            &store,
            vec![IngestItem::Message(Box::new(m.clone()))],
            T0 + 1,
        )
        .await;
        // Then username-only: no phone at all.
        m.wa_message_id = "wamid.U3".into();
        m.from_wa_id = None;
        m.username = Some("@ana".into());
        let out = ingest(
            &store,
            vec![IngestItem::Message(Box::new(m.clone()))],
            T0 + 2,
        )
        .await;
        assert_eq!(msg_ids(&out[0]).0, t1);
        let c = store.get_contact(contact_id).await.unwrap();
        assert_eq!(
            (
                c.wa_id.as_deref(),
                c.user_id.as_deref(),
                c.username.as_deref()
            ),
            (Some("15550001"), Some("US.123"), Some("@ana"))
        );
        // The customer changes number: the contact moves, it does not split.
        m.wa_message_id = "wamid.U4".into();
        m.kind = "system".into();
        m.reopens = false;
        m.new_wa_id = Some("15559999".into());
        ingest(&store, vec![IngestItem::Message(Box::new(m))], T0 + 3).await;
        let out = ingest(
            &store,
            vec![text("wamid.U5", "15559999", "from my new phone", T0 + 4)],
            T0 + 4,
        )
        .await;
        assert_eq!(msg_ids(&out[0]).0, t1);
        assert_eq!(
            store
                .get_contact(contact_id)
                .await
                .unwrap()
                .wa_id
                .as_deref(),
            Some("15559999")
        );
        // A message with no sender id at all is refused, not stored half-way.
        let anon = InboundMessage {
            wa_message_id: "wamid.U6".into(),
            kind: "text".into(),
            ..Default::default()
        };
        store.append_webhooks(&["{}".into()], T0).await.unwrap();
        let log_id = store.pending_webhooks(1, 5).await.unwrap()[0].id;
        assert!(
            store
                .apply_webhook(log_id, vec![IngestItem::Message(Box::new(anon))], T0)
                .await
                .is_err()
        );
        assert_eq!(
            store.webhook_backlog(5).await.unwrap().0,
            1,
            "still pending, not lost"
        );
    }
);

both_backends!(replies_statuses_and_the_outbox, |store: Store| async move {
    let a = agent(&store, "c@x.io", Role::Agent).await;
    let out = ingest(&store, vec![text("wamid.O1", "1888", "Hi", T0)], T0).await;
    let (t, _, _) = msg_ids(&out[0]);
    let m1 = store
        .create_reply(t, a.id, reply("first"), T0 + 1)
        .await
        .unwrap();
    let m2 = store
        .create_reply(t, a.id, reply("second"), T0 + 2)
        .await
        .unwrap();
    let ticket = store.get_ticket(t, T0 + 2).await.unwrap();
    assert_eq!(ticket.status, TicketStatus::InProgress);
    assert_eq!(ticket.first_response_at, Some(T0 + 1));
    assert_eq!(store.outbox_depth().await.unwrap(), 2);
    // Only the oldest reply per recipient is due: order is kept.
    let due = store.due_outbox(T0 + 5, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|r| r.message_id).collect::<Vec<_>>(),
        vec![m1]
    );
    assert_eq!(due[0].recipient, "1888");
    assert_eq!(due[0].payload["text"]["body"], "first");
    // A retryable failure keeps it first and not due until its time.
    store
        .outbox_retry(&due[0], T0 + 1000, "HTTP 500", T0 + 5)
        .await
        .unwrap();
    assert!(store.due_outbox(T0 + 6, 10).await.unwrap().is_empty());
    let due = store.due_outbox(T0 + 1000, 10).await.unwrap();
    assert_eq!(due[0].message_id, m1);
    assert_eq!(due[0].attempts, 1);
    // A status webhook racing ahead of the send's response is applied later.
    ingest(
        &store,
        vec![IngestItem::Status(StatusReport {
            wa_message_id: "wamid.OUT1".into(),
            status: "delivered".into(),
            timestamp_ms: T0,
            error_code: None,
            error_message: None,
            raw: json!({}),
        })],
        T0 + 1001,
    )
    .await;
    let st = store
        .outbox_sent(&due[0], "wamid.OUT1", T0 + 1002)
        .await
        .unwrap();
    assert_eq!(st, DeliveryStatus::Delivered);
    // Now the second is due.
    let due2 = store.due_outbox(T0 + 1003, 10).await.unwrap();
    assert_eq!(
        due2.iter().map(|r| r.message_id).collect::<Vec<_>>(),
        vec![m2]
    );
    store
        .outbox_sent(&due2[0], "wamid.OUT2", T0 + 1004)
        .await
        .unwrap();
    // read without delivered, then a late delivered: stays read; duplicates ignored.
    let status = |id: &str, s: &str| {
        IngestItem::Status(StatusReport {
            wa_message_id: id.into(),
            status: s.into(),
            timestamp_ms: T0,
            error_code: None,
            error_message: None,
            raw: json!({}),
        })
    };
    let out = ingest(
        &store,
        vec![
            status("wamid.OUT2", "read"),
            status("wamid.OUT2", "delivered"),
            status("wamid.OUT2", "read"),
        ],
        T0 + 1005,
    )
    .await;
    assert!(matches!(
        out[0],
        IngestOutcome::Status {
            status: DeliveryStatus::Read,
            ..
        }
    ));
    assert_eq!(out[1], IngestOutcome::StatusRecorded);
    assert_eq!(out[2], IngestOutcome::StatusRecorded);
    assert_eq!(
        store.get_message(m2).await.unwrap().status.as_deref(),
        Some("read")
    );
    // A late failure (131047 as a status) reaches the agent.
    let out = ingest(
        &store,
        vec![IngestItem::Status(StatusReport {
            wa_message_id: "wamid.OUT1".into(),
            status: "failed".into(),
            timestamp_ms: T0,
            error_code: Some(131047),
            error_message: Some("Re-engagement message".into()),
            raw: json!({}),
        })],
        T0 + 1006,
    )
    .await;
    assert!(matches!(
        out[0],
        IngestOutcome::Status {
            status: DeliveryStatus::Failed,
            ..
        }
    ));
    let failed = store.get_message(m1).await.unwrap();
    assert_eq!(failed.status.as_deref(), Some("failed"));
    assert_eq!(
        failed.error,
        Some(MessageError {
            code: Some(131047),
            message: "Re-engagement message".into()
        })
    );
    // Retry puts the same message back in the outbox.
    assert_eq!(store.retry_message(m1, T0 + 2000).await.unwrap(), t);
    let due = store.due_outbox(T0 + 2000, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|r| r.message_id).collect::<Vec<_>>(),
        vec![m1]
    );
    store
        .outbox_failed(&due[0], Some(131026), "Message undeliverable", T0 + 2001)
        .await
        .unwrap();
    assert_eq!(
        store.get_message(m1).await.unwrap().status.as_deref(),
        Some("failed")
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert!(
        store.retry_message(m2, T0).await.is_err(),
        "only failed messages can be retried"
    );
});

both_backends!(
    the_24_hour_window_is_enforced_before_sending,
    |store: Store| async move {
        let a = agent(&store, "d@x.io", Role::Agent).await;
        let out = ingest(&store, vec![text("wamid.W1", "1999", "Hi", T0)], T0).await;
        let (t, _, _) = msg_ids(&out[0]);
        let late = T0 + CUSTOMER_WINDOW_MS + 1;
        assert!(matches!(
            store.create_reply(t, a.id, reply("too late"), late).await,
            Err(StoreError::WindowClosed)
        ));
        assert_eq!(store.outbox_depth().await.unwrap(), 0);
        assert!(!store.get_ticket(t, late).await.unwrap().window_open);
        let mut template = reply("");
        template.kind = "template".into();
        template.requires_window = false;
        store.create_reply(t, a.id, template, late).await.unwrap();
        assert_eq!(store.outbox_depth().await.unwrap(), 1);
    }
);

both_backends!(filters_labels_notes_and_pages, |store: Store| async move {
    let a = agent(&store, "e@x.io", Role::Supervisor).await;
    let team = store.create_team("Billing", T0).await.unwrap();
    store.add_team_member(team.id, a.id).await.unwrap();
    let mut ids = vec![];
    for i in 0..7 {
        let out = ingest(
            &store,
            vec![text(
                &format!("wamid.F{i}"),
                &format!("200{i}"),
                "Hi",
                T0 + i,
            )],
            T0 + i,
        )
        .await;
        ids.push(msg_ids(&out[0]).0);
    }
    store
        .update_ticket(
            ids[0],
            a.id,
            &TicketPatch {
                labels: Some(vec!["refund".into(), " vip ".into()]),
                team_id: Some(Some(team.id)),
                assignee_id: Some(Some(a.id)),
                priority: Some(Priority::High),
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    let store2 = store.clone();
    let f = move |f: TicketFilter| {
        let store = store2.clone();
        async move {
            store
                .list_tickets(&TicketFilter { limit: 50, ..f }, T0)
                .await
                .unwrap()
        }
    };
    let by_label = f(TicketFilter {
        label: Some("refund".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_label.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    assert_eq!(by_label.items[0].labels, vec!["refund", "vip"]);
    assert_eq!(by_label.items[0].team.as_ref().unwrap().name, "Billing");
    assert_eq!(
        f(TicketFilter {
            assignee: Some(Some(a.id)),
            ..Default::default()
        })
        .await
        .items
        .len(),
        1
    );
    assert_eq!(
        f(TicketFilter {
            assignee: Some(None),
            ..Default::default()
        })
        .await
        .items
        .len(),
        6
    );
    assert_eq!(
        f(TicketFilter {
            team_id: Some(team.id),
            ..Default::default()
        })
        .await
        .items
        .len(),
        1
    );
    assert_eq!(
        f(TicketFilter {
            priority: Some(Priority::High),
            ..Default::default()
        })
        .await
        .items
        .len(),
        1
    );
    assert_eq!(
        f(TicketFilter {
            statuses: Some(vec![TicketStatus::New]),
            ..Default::default()
        })
        .await
        .items
        .len(),
        6
    );
    // Keyset pages: newest first, no overlap, no gaps.
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = store
            .list_tickets(
                &TicketFilter {
                    limit: 3,
                    cursor: cursor.clone(),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|t| t.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    assert!(
        store
            .list_tickets(
                &TicketFilter {
                    limit: 3,
                    cursor: Some("garbage".into()),
                    ..Default::default()
                },
                T0
            )
            .await
            .is_err()
    );
    // Notes are messages with direction note.
    let n = store
        .add_note(ids[1], a.id, "customer is a reseller", T0)
        .await
        .unwrap();
    let note = store.get_message(n).await.unwrap();
    assert_eq!(
        (note.direction.as_str(), note.author.unwrap().id),
        ("note", a.id)
    );
    assert_eq!(store.list_teams().await.unwrap()[0].member_ids, vec![a.id]);
});

both_backends!(agents_and_tokens, |store: Store| async move {
    let a = agent(&store, "Admin@X.io", Role::Admin).await;
    assert_eq!(a.email, "admin@x.io");
    assert!(matches!(
        store
            .create_agent(
                &NewAgent {
                    email: "admin@x.io".into(),
                    name: "Dup".into(),
                    role: Role::Agent,
                    password_hash: "x".into()
                },
                T0
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_token(
            a.id,
            "sess-token",
            TokenKind::Session,
            None,
            Some(T0 + 1000),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .agent_by_token("sess-token", T0)
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert!(
        store
            .agent_by_token("sess-token", T0 + 1000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store.agent_by_token("other", T0).await.unwrap().is_none());
    store
        .create_token(a.id, "api-token", TokenKind::Api, Some("ci"), None, T0)
        .await
        .unwrap();
    store.revoke_token("api-token", T0).await.unwrap();
    assert!(
        store
            .agent_by_token("api-token", T0)
            .await
            .unwrap()
            .is_none(),
        "revoked"
    );
    store
        .create_token(a.id, "t3", TokenKind::Api, None, None, T0)
        .await
        .unwrap();
    store.set_agent_active(a.id, false).await.unwrap();
    assert!(
        store.agent_by_token("t3", T0).await.unwrap().is_none(),
        "deactivated agents lose access"
    );
    let creds = store
        .agent_credentials("ADMIN@x.io")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "x");
});

both_backends!(
    inbound_media_is_queued_for_download,
    |store: Store| async move {
        let m = InboundMessage {
            phone_number_id: "p".into(),
            wa_message_id: "wamid.M1".into(),
            from_wa_id: Some("3000".into()),
            kind: "image".into(),
            text: Some("look".into()),
            preview: "📷 look".into(),
            content: json!({}),
            raw: json!({}),
            sent_at_ms: T0,
            reopens: true,
            media: Some(InboundMedia {
                wa_media_id: "MEDIA1".into(),
                mime_type: Some("image/jpeg".into()),
                filename: None,
            }),
            ..Default::default()
        };
        let out = ingest(&store, vec![IngestItem::Message(Box::new(m))], T0).await;
        let IngestOutcome::Message {
            media_id: Some(media_id),
            message_id,
            ..
        } = out[0]
        else {
            panic!("{out:?}")
        };
        let pending = store.pending_media(T0, 10).await.unwrap();
        assert_eq!(pending[0].wa_media_id.as_deref(), Some("MEDIA1"));
        assert_eq!(
            store
                .get_message(message_id)
                .await
                .unwrap()
                .media
                .unwrap()
                .state,
            "pending"
        );
        store
            .media_download_failed(media_id, "timeout", Some(T0 + 500))
            .await
            .unwrap();
        assert!(store.pending_media(T0 + 10, 10).await.unwrap().is_empty());
        store
            .media_downloaded(
                media_id,
                &NewMedia {
                    sha256: "ab".repeat(32),
                    mime_type: "image/jpeg".into(),
                    filename: None,
                    size: 10,
                },
            )
            .await
            .unwrap();
        let msg = store.get_message(message_id).await.unwrap();
        assert_eq!(
            msg.media.as_ref().unwrap().url.as_deref(),
            Some(format!("/api/v1/media/{media_id}").as_str())
        );
        assert_eq!(
            store.message_id_for_media(media_id).await.unwrap(),
            Some(message_id)
        );
    }
);

const MIN: i64 = 60_000;

async fn timer_rows(store: &Store, ticket: i64) -> Vec<(String, i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT kind, due_at, fired_at FROM timers WHERE ticket_id = $1 ORDER BY due_at, kind",
    )
    .bind(ticket)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

both_backends!(
    sla_deadlines_are_planned_with_the_ticket_and_fire_once,
    |store: Store| async move {
        let out = ingest(&store, vec![text("wamid.sla1", "4911", "hello", T0)], T0).await;
        let (ticket, _, _) = msg_ids(&out[0]);
        // A new ticket is marked for planning (the router plans it when it
        // routes it, the scheduler otherwise); the clock counts from
        // creation however late the plan is made.
        assert!(timer_rows(&store, ticket).await.is_empty());
        assert_eq!(store.refresh_dirty_slas(100, T0 + 30_000).await.unwrap(), 1);
        assert_eq!(store.refresh_dirty_slas(100, T0 + 30_000).await.unwrap(), 0);
        let timers = timer_rows(&store, ticket).await;
        let kinds: Vec<&str> = timers.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "sla.first_response.warning",
                "sla.first_response.breach",
                "sla.escalate",
                "sla.resolution.warning",
                "sla.resolution.breach"
            ]
        );
        assert_eq!(timers[1].1, T0 + 60 * MIN);
        let t = store.get_ticket(ticket, T0).await.unwrap();
        assert_eq!(t.sla.state, "ok");
        assert_eq!(t.sla.first_response_due_at, Some(T0 + 60 * MIN));

        // Nothing is due yet.
        assert!(
            store
                .fire_due_timers(T0 + MIN, 100, false)
                .await
                .unwrap()
                .is_empty()
        );
        let fired = store
            .fire_due_timers(T0 + 46 * MIN, 100, true)
            .await
            .unwrap();
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].kind.as_str(), "sla.first_response.warning");
        assert!(fired[0].skipped.is_none());
        // Fired means fired: a second pass (or a second scheduler) finds nothing.
        assert!(
            store
                .fire_due_timers(T0 + 46 * MIN, 100, true)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.notification_counts().await.unwrap(),
            vec![("pending".to_string(), 1)]
        );

        // An agent answers: the first-response timers go, resolution stays.
        let admin = agent(&store, "sla@x.test", Role::Admin).await;
        store
            .add_note(ticket, admin.id, "looking", T0 + 50 * MIN)
            .await
            .unwrap();
        store
            .create_reply(
                ticket,
                admin.id,
                ReplyDraft {
                    kind: "text".into(),
                    text: Some("hi".into()),
                    content: json!({}),
                    payload: json!({}),
                    media_id: None,
                    requires_window: true,
                    reply_to_wamid: None,
                },
                T0 + 50 * MIN,
            )
            .await
            .unwrap();
        let pending: Vec<String> = timer_rows(&store, ticket)
            .await
            .into_iter()
            .filter(|t| t.2.is_none())
            .map(|t| t.0)
            .collect();
        assert_eq!(
            pending,
            vec![
                "sla.resolution.warning",
                "sla.escalate",
                "sla.resolution.breach"
            ],
            "escalation now waits for the resolution breach"
        );
        assert!(
            store
                .fire_due_timers(T0 + 70 * MIN, 100, false)
                .await
                .unwrap()
                .is_empty()
        );

        // Pending on the customer: the clock stops and the timers go.
        store
            .update_ticket(
                ticket,
                admin.id,
                &TicketPatch {
                    status: Some(TicketStatus::Pending),
                    ..Default::default()
                },
                T0 + 60 * MIN,
            )
            .await
            .unwrap();
        let t = store.get_ticket(ticket, T0 + 60 * MIN).await.unwrap();
        assert_eq!(t.sla.state, "paused");
        assert_eq!(t.sla.elapsed_ms, 60 * MIN);
        assert!(
            timer_rows(&store, ticket)
                .await
                .iter()
                .all(|t| t.2.is_some())
        );
        // Ten hours later nothing has breached.
        assert!(
            store
                .fire_due_timers(T0 + 600 * MIN, 100, false)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(
    routing_outcomes_assign_queue_and_explain,
    |store: Store| async move {
        let a = agent(&store, "route@x.test", Role::Agent).await;
        let team = store.ensure_team("Billing", T0).await.unwrap();
        assert_eq!(store.ensure_team("Billing", T0).await.unwrap(), team);
        store.set_team_members(team, &[a.id]).await.unwrap();
        assert!(store.set_availability(a.id, "online", T0).await.unwrap());
        assert!(!store.set_availability(a.id, "online", T0).await.unwrap());

        let o1 = ingest(
            &store,
            vec![text("wamid.r1", "4921", "invoice wrong", T0)],
            T0,
        )
        .await;
        let o2 = ingest(&store, vec![text("wamid.r2", "4922", "refund!", T0)], T0).await;
        let (t1, t2) = (msg_ids(&o1[0]).0, msg_ids(&o2[0]).0);
        let unrouted = store.unrouted_tickets(10).await.unwrap();
        assert_eq!(
            unrouted.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![t1, t2]
        );
        assert_eq!(unrouted[0].text, "invoice wrong");
        assert!(unrouted[0].new_contact);

        let decided = |ticket, assignee, queued| RoutingOutcome {
            ticket_id: ticket,
            team_id: Some(team),
            assignee_id: assignee,
            queued,
            strategy: Some("load_balanced".into()),
            priority: Some(Priority::High),
            labels: vec!["billing".into()],
            detail: json!({"explanation": "test decision"}),
            ..Default::default()
        };
        store
            .apply_routing(
                &[decided(t1, Some(a.id), false), decided(t2, None, true)],
                T0 + 1,
            )
            .await
            .unwrap();
        assert!(store.unrouted_tickets(10).await.unwrap().is_empty());
        let t = store.get_ticket(t1, T0).await.unwrap();
        assert_eq!(t.assignee.unwrap().id, a.id);
        assert_eq!(t.status, TicketStatus::Assigned);
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.labels, vec!["billing".to_string()]);
        // The deadlines follow the new priority.
        assert_eq!(t.sla.first_response_due_at, Some(T0 + 15 * MIN));
        assert_eq!(store.get_agent(a.id).await.unwrap().open_tickets, 1);
        let audit = store.ticket_audit(t1).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "routed" && e.detail["explanation"] == "test decision")
        );

        let queued = store.queued_tickets(10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].id, t2);
        assert_eq!(store.queue_depths().await.unwrap()[&team].0, 1);
        assert!(
            store
                .assign_queued(t2, a.id, &json!({"explanation": "q"}), T0 + 2)
                .await
                .unwrap()
        );
        // Only once: it is no longer queued.
        assert!(
            !store
                .assign_queued(t2, a.id, &json!({}), T0 + 3)
                .await
                .unwrap()
        );
        assert!(store.queued_tickets(10).await.unwrap().is_empty());
        assert_eq!(store.get_agent(a.id).await.unwrap().open_tickets, 2);
    }
);

both_backends!(
    vip_tickets_get_one_vip_window_timer,
    |store: Store| async move {
        let out = ingest(&store, vec![text("wamid.vip1", "4931", "hello", T0)], T0).await;
        let (ticket, _, _) = msg_ids(&out[0]);
        let contact = store.get_ticket(ticket, T0).await.unwrap().contact.id;
        let admin = agent(&store, "vip@x.test", Role::Admin).await;
        store
            .update_contact(
                contact,
                admin.id,
                &ContactPatch {
                    vip: Some(true),
                    ..Default::default()
                },
                T0,
            )
            .await
            .unwrap();
        // Two changes that each re-plan the ticket.
        for p in [Priority::High, Priority::Urgent] {
            store
                .update_ticket(
                    ticket,
                    admin.id,
                    &TicketPatch {
                        priority: Some(p),
                        ..Default::default()
                    },
                    T0 + MIN,
                )
                .await
                .unwrap();
        }
        let vip: Vec<_> = timer_rows(&store, ticket)
            .await
            .into_iter()
            .filter(|t| t.0 == "vip.window")
            .collect();
        assert_eq!(vip.len(), 1, "{vip:?}");
        // The default VIP window is 2 hours from the customer's first message.
        assert_eq!(vip[0].1, T0 + 120 * MIN);
        let t = store.get_ticket(ticket, T0 + MIN).await.unwrap();
        // Urgent first response: 5 min, planned from creation.
        assert_eq!(t.sla.first_response_due_at, Some(T0 + 5 * MIN));
    }
);

both_backends!(old_fired_timers_are_pruned, |store: Store| async move {
    let out = ingest(&store, vec![text("wamid.p1", "4941", "hello", T0)], T0).await;
    let (ticket, _, _) = msg_ids(&out[0]);
    store.refresh_dirty_slas(10, T0).await.unwrap();
    let fired = store
        .fire_due_timers(T0 + 46 * MIN, 100, false)
        .await
        .unwrap();
    assert_eq!(fired.len(), 1);
    assert_eq!(
        store.prune_fired_timers(T0 + 46 * MIN, 100).await.unwrap(),
        0,
        "not old yet"
    );
    assert_eq!(
        store.prune_fired_timers(T0 + 47 * MIN, 100).await.unwrap(),
        1
    );
    let left = timer_rows(&store, ticket).await;
    assert_eq!(left.len(), 4, "pending timers stay: {left:?}");
    assert!(left.iter().all(|t| t.2.is_none()));
});
