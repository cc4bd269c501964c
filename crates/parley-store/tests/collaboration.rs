//! Notes, whispers, mentions, canned responses and the duplicate-reply
//! guard in the store, on both backends.

mod common;

use common::{reply, text};
use parley_core::Role;
use parley_store::*;

const T0: i64 = 1_764_000_000_000;

async fn ticket(store: &Store, from: &str) -> (i64, i64) {
    store
        .append_webhooks(&["{}".to_string()], T0)
        .await
        .unwrap();
    let log = store.pending_webhooks(1, 5).await.unwrap()[0].id;
    let out = store
        .apply_webhook(
            log,
            vec![text(&format!("wamid.C{from}"), from, "hi", T0)],
            T0,
        )
        .await
        .unwrap();
    match &out[0] {
        IngestOutcome::Message {
            ticket_id,
            message_id,
            ..
        } => (*ticket_id, *message_id),
        other => panic!("{other:?}"),
    }
}

async fn agent(store: &Store, email: &str, role: Role) -> i64 {
    store
        .create_agent(
            &NewAgent {
                email: email.into(),
                name: email.split('@').next().unwrap().into(),
                role,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap()
        .id
}

both_backends!(notes_whispers_and_mentions, |store: Store| async move {
    let (t, _) = ticket(&store, "5001").await;
    let ana = agent(&store, "ana@x.io", Role::Agent).await;
    let ben = agent(&store, "ben@x.io", Role::Agent).await;
    let sue = agent(&store, "sue@x.io", Role::Supervisor).await;

    let note = |text: &'static str, whisper: bool, mentions: &'static [i64]| NewNote {
        ticket_id: t,
        author_id: sue,
        text,
        whisper,
        mentions,
    };
    // A whisper needs an assignee.
    let err = store
        .add_note_with(&note("psst", true, &[]), T0 + 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    store
        .update_ticket(
            t,
            sue,
            &TicketPatch {
                assignee_id: Some(Some(ana)),
                ..Default::default()
            },
            T0 + 2,
        )
        .await
        .unwrap();

    let mentions: &'static [i64] = Box::leak(vec![ana, ben, sue, ana].into_boxed_slice());
    let plain = store
        .add_note_with(&note("look at this", false, mentions), T0 + 3)
        .await
        .unwrap();
    assert_eq!(plain.mentioned, vec![ana, ben], "deduped, author left out");
    let only_ben: &'static [i64] = Box::leak(vec![ben].into_boxed_slice());
    assert!(
        store
            .add_note_with(&note("nope", true, only_ben), T0 + 4)
            .await
            .is_err()
    );
    let w = store
        .add_note_with(&note("secret zebra", true, &[]), T0 + 5)
        .await
        .unwrap();
    assert_eq!(w.whisper_to, Some(ana));

    let visible = |v: Viewer| {
        let store = store.clone();
        async move {
            store
                .ticket_messages_for(t, v)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(visible(Viewer::Agent(ana)).await.contains(&w.message_id));
    assert!(visible(Viewer::Agent(sue)).await.contains(&w.message_id));
    assert!(visible(Viewer::All).await.contains(&w.message_id));
    let bens = visible(Viewer::Agent(ben)).await;
    assert!(!bens.contains(&w.message_id));
    assert!(bens.contains(&plain.message_id));
    let hits = |v: Viewer| {
        let store = store.clone();
        async move {
            store
                .search_messages_for("zebra", 10, None, v)
                .await
                .unwrap()
                .items
                .len()
        }
    };
    assert_eq!(hits(Viewer::Agent(ben)).await, 0);
    assert_eq!(hits(Viewer::Agent(ana)).await, 1);

    // Mentions: listed newest first, read per ticket.
    let m = store.mentions_of(ben, true, 10).await.unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].author.as_ref().unwrap().id, sue);
    assert_eq!(m[0].text.as_deref(), Some("look at this"));
    let unread = |agent: i64| TicketFilter {
        mentioned: Some(agent),
        mention_unread: true,
        ..Default::default()
    };
    assert_eq!(store.count_tickets(&unread(ben), T0, 100).await.unwrap(), 1);
    assert_eq!(store.read_mentions(ben, t, T0 + 9).await.unwrap(), 1);
    assert_eq!(store.read_mentions(ben, t, T0 + 9).await.unwrap(), 0);
    assert_eq!(store.count_tickets(&unread(ben), T0, 100).await.unwrap(), 0);
    let any = TicketFilter {
        mentioned: Some(ben),
        ..Default::default()
    };
    assert_eq!(store.list_tickets(&any, T0).await.unwrap().items[0].id, t);
    // Ana's mention is hers to read.
    assert_eq!(store.count_tickets(&unread(ana), T0, 100).await.unwrap(), 1);
});

both_backends!(replied_since_guard, |store: Store| async move {
    let (t, first) = ticket(&store, "5002").await;
    let ana = agent(&store, "ana@x.io", Role::Agent).await;
    let ben = agent(&store, "ben@x.io", Role::Agent).await;
    let a = store
        .create_reply_guarded(t, ana, reply("on it"), Some(first), T0 + 1)
        .await
        .unwrap();
    match store
        .create_reply_guarded(t, ben, reply("me too"), Some(first), T0 + 2)
        .await
    {
        Err(StoreError::RepliedSince {
            message_id,
            by,
            text,
            ..
        }) => {
            assert_eq!(
                (message_id, by.as_str(), text.as_str()),
                (a, "ana", "on it")
            );
        }
        other => panic!("{other:?}"),
    }
    // Her own reply does not hold Ana; having seen Ana's, Ben may send.
    store
        .create_reply_guarded(t, ana, reply("more"), Some(first), T0 + 3)
        .await
        .unwrap();
    let newest = store.ticket_messages(t).await.unwrap().last().unwrap().id;
    store
        .create_reply_guarded(t, ben, reply("ok"), Some(newest), T0 + 4)
        .await
        .unwrap();
});

both_backends!(canned_responses, |store: Store| async move {
    let sue = agent(&store, "sue@x.io", Role::Supervisor).await;
    let new = |shortcut: &str, body: &str| NewCanned {
        shortcut: shortcut.into(),
        title: format!("About {shortcut}"),
        body: body.into(),
    };
    let hours = store
        .create_canned(
            &new("hours", "We open at 9, {{contact.first_name}}."),
            sue,
            T0,
        )
        .await
        .unwrap();
    store
        .create_canned(&new("refund_100", "Refunds of 100% take 5 days."), sue, T0)
        .await
        .unwrap();
    assert!(matches!(
        store.create_canned(&new("hours", "again"), sue, T0).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_canned(&new("x", "{{nope}}"), sue, T0).await,
        Err(StoreError::Invalid(_))
    ));
    let shortcuts = |q: Option<&'static str>| {
        let store = store.clone();
        async move {
            store
                .list_canned(q)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.shortcut)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(shortcuts(None).await, vec!["hours", "refund_100"]);
    assert_eq!(shortcuts(Some("HOU")).await, vec!["hours"]);
    assert_eq!(shortcuts(Some("100%")).await, vec!["refund_100"]);
    assert_eq!(shortcuts(Some("d_1")).await, vec!["refund_100"]);
    assert!(
        shortcuts(Some("e_o")).await.is_empty(),
        "_ is literal, not any character"
    );
    let changed = store
        .update_canned(
            hours.id,
            &CannedPatch {
                shortcut: Some("open".into()),
                ..Default::default()
            },
            T0 + 1,
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.shortcut.as_str(), changed.updated_at),
        ("open", T0 + 1)
    );
    assert!(matches!(
        store
            .update_canned(
                hours.id,
                &CannedPatch {
                    shortcut: Some("refund_100".into()),
                    ..Default::default()
                },
                T0 + 2,
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    store.delete_canned(hours.id).await.unwrap();
    assert!(matches!(
        store.delete_canned(hours.id).await,
        Err(StoreError::NotFound(_))
    ));
});
