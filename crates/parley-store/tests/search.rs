//! Full-text search over messages and notes, on both backends: every word
//! must match, the last as a prefix, newest first, page by page; notes are
//! found too, and nothing an agent types is read as query syntax.

mod common;

use common::text;
use parley_core::Role;
use parley_store::*;

const T0: i64 = 1_764_000_000_000;

async fn say(store: &Store, i: i64, from: &str, body: &str) -> (i64, i64) {
    store
        .append_webhooks(&["{}".to_string()], T0 + i)
        .await
        .unwrap();
    let log = store.pending_webhooks(1, 5).await.unwrap()[0].id;
    let out = store
        .apply_webhook(
            log,
            vec![text(&format!("wamid.S{i}"), from, body, T0 + i)],
            T0 + i,
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

async fn found(store: &Store, q: &str) -> Vec<i64> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .search_messages(q, 2, cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        out.extend(page.items.iter().map(|h| h.message_id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            return out;
        }
    }
}

both_backends!(words_prefixes_notes_and_pages, |store: Store| async move {
    let (t1, m1) = say(
        &store,
        1,
        "4001",
        "Where is my order 10042? It never arrived",
    )
    .await;
    let (_, m2) = say(&store, 2, "4002", "I want a refund for order 10077").await;
    let (_, m3) = say(
        &store,
        3,
        "4003",
        "Refunds take too long, the ORDER was wrong",
    )
    .await;
    let (_, m4) = say(&store, 4, "4004", "Hello there").await;
    let agent = store
        .create_agent(
            &NewAgent {
                email: "s@x.io".into(),
                name: "Searcher".into(),
                role: Role::Agent,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap();
    let note = store
        .add_note(
            t1,
            agent.id,
            "Customer 10042 is a reseller, check the refund policy",
            T0 + 5,
        )
        .await
        .unwrap();

    // Newest first, across pages of two.
    assert_eq!(found(&store, "order").await, vec![m3, m2, m1]);
    assert_eq!(found(&store, "ORDER 10042").await, vec![m1]);
    // The last word is a prefix; the others are whole words.
    assert_eq!(found(&store, "refu").await, vec![note, m3, m2]);
    assert_eq!(found(&store, "refund order").await, vec![m2]);
    // Notes are found, with their author.
    assert_eq!(found(&store, "reseller").await, vec![note]);
    let hit = &store
        .search_messages("reseller", 10, None)
        .await
        .unwrap()
        .items[0];
    assert_eq!(hit.direction, "note");
    assert_eq!(hit.ticket_id, t1);
    assert_eq!(hit.author.as_ref().unwrap().name, "Searcher");
    assert_eq!(hit.contact.wa_id.as_deref(), Some("4001"));
    assert_eq!(
        hit.snippet,
        "Customer 10042 is a reseller, check the refund policy"
    );
    assert!(found(&store, "hello nobody").await.is_empty());
    assert_eq!(found(&store, "hello").await, vec![m4]);
    // Query syntax is text: quotes, operators, columns, brackets.
    for q in [
        "\"order",
        "order OR hello",
        "NEAR(order refund)",
        "text:order",
        "order & !refund",
        "order:* | x",
        "o'rder",
    ] {
        store
            .search_messages(q, 10, None)
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(found(&store, "order OR hello").await, Vec::<i64>::new());
    assert!(matches!(
        store.search_messages("?!", 10, None).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.search_messages("order", 10, Some("x")).await,
        Err(StoreError::Invalid(_))
    ));
});

/// SQLite indexes in batches now; edits to rows on either side of the
/// watermark must leave the index whole (FTS5's own integrity check) and
/// findable by their new text.
#[tokio::test]
async fn batched_index_survives_edits_on_both_sides_of_the_watermark() {
    let db = common::sqlite().await;
    let store = db.store.clone();
    let (_, m1) = say(&store, 1, "4101", "parcel lost in transit").await;
    assert_eq!(
        found(&store, "parcel").await,
        vec![m1],
        "a search indexes first"
    );
    let (_, m2) = say(&store, 2, "4102", "parcel arrived broken").await;
    let edit = |id: i64, text: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query("UPDATE messages SET text = $1 WHERE id = $2")
                .bind(text)
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    // m1 is indexed (the trigger re-indexes it), m2 is not yet (skipped, then indexed as edited).
    edit(m1, "courier lost it").await;
    edit(m2, "courier broke it").await;
    assert_eq!(store.index_search(100).await.unwrap(), 1);
    assert_eq!(store.index_search(100).await.unwrap(), 0);
    assert_eq!(found(&store, "courier").await, vec![m2, m1]);
    assert!(found(&store, "parcel").await.is_empty());
    sqlx::query("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
        .execute(store.pool())
        .await
        .expect("the FTS5 index matches its content");
    db.finish().await;
}

// Rare words in old messages, behind more than PostgreSQL's recent window
// (10,000 ids) of other messages: found all the same, newest first, and a page
// that starts in the window and ends before it continues in order.
both_backends!(rare_words_far_back, |store: Store| async move {
    let (_, m1) = say(&store, 1, "999001", "the quokka ate my parcel").await;
    let (_, m2) = say(&store, 2, "999002", "is a quokka covered by the warranty").await;
    let agent = store
        .create_agent(
            &NewAgent {
                email: "seed@s.test".into(),
                name: "Seed".into(),
                role: Role::Agent,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap();
    let team = store.create_team("L1", T0).await.unwrap();
    let seeded = store
        .seed_inbox(&SeedInbox {
            tickets: 5_200,
            open: 100,
            now: T0 + 10,
            span_ms: 86_400_000,
            agents: vec![agent.id],
            teams: vec![team.id],
            labels: vec!["bug".into(), "vip".into(), "refund".into()],
            chunk: 2_000,
        })
        .await
        .unwrap();
    assert!(seeded.messages > 10_000, "{}", seeded.messages);
    let (_, m3) = say(&store, 3, "999003", "quokka again, a third time").await;
    assert!(m3 - m2 > 10_000, "the old ones are outside the window");
    // Pages of 2: [m3 (window), m2 (index)], then [m1].
    assert_eq!(found(&store, "quokka").await, vec![m3, m2, m1]);
    assert_eq!(found(&store, "quok").await, vec![m3, m2, m1], "a prefix");
    assert_eq!(found(&store, "quokka parcel").await, vec![m1]);
    assert!(found(&store, "zebra").await.is_empty());
});
