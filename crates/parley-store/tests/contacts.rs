//! The contact sidebar's data on both backends: email kept by agents
//! (checked), and each previous ticket with its CSAT rating.

mod common;

use common::text;
use parley_core::Role;
use parley_store::*;

const T0: i64 = 1_764_000_000_000;

both_backends!(email_and_csat_history, |store: Store| async move {
    store
        .append_webhooks(&["{}".to_string()], T0)
        .await
        .unwrap();
    let log = store.pending_webhooks(1, 5).await.unwrap()[0].id;
    let out = store
        .apply_webhook(log, vec![text("wamid.K1", "6001", "hello", T0)], T0)
        .await
        .unwrap();
    let IngestOutcome::Message { ticket_id, .. } = out[0] else {
        panic!("{:?}", out[0]);
    };
    let contact = store.get_ticket(ticket_id, T0).await.unwrap().contact.id;
    let admin = store
        .create_agent(
            &NewAgent {
                email: "k@x.io".into(),
                name: "K".into(),
                role: Role::Admin,
                password_hash: "x".into(),
            },
            T0,
        )
        .await
        .unwrap();
    let set = |email: Option<Option<String>>| {
        let store = store.clone();
        async move {
            store
                .update_contact(
                    contact,
                    admin.id,
                    &ContactPatch {
                        email,
                        ..Default::default()
                    },
                    T0 + 1,
                )
                .await
        }
    };
    let c = set(Some(Some(" ana@shop.example ".into()))).await.unwrap();
    assert_eq!(c.email.as_deref(), Some("ana@shop.example"));
    for bad in ["ana", "ana@shop", "a b@shop.example", "@shop.example"] {
        assert!(
            matches!(
                set(Some(Some(bad.into()))).await,
                Err(StoreError::Invalid(_))
            ),
            "{bad}"
        );
    }
    // Other edits leave it alone; null clears it.
    assert_eq!(
        set(None).await.unwrap().email.as_deref(),
        Some("ana@shop.example")
    );
    assert_eq!(set(Some(None)).await.unwrap().email, None);

    sqlx::query(
        "INSERT INTO csat_surveys (ticket_id, state, scheduled_at, rating, comment, rated_at,
                                   created_at, updated_at)
         VALUES ($1, 'rated', $2, 2, 'too slow', $3, $2, $3)",
    )
    .bind(ticket_id)
    .bind(T0)
    .bind(T0 + 5)
    .execute(store.pool())
    .await
    .unwrap();
    let c = store.get_contact(contact).await.unwrap();
    assert_eq!(c.tickets.len(), 1);
    assert_eq!(c.tickets[0].csat_rating, Some(2));
    assert_eq!(c.tickets[0].csat_comment.as_deref(), Some("too slow"));
    assert_eq!(c.tickets[0].csat_rated_at, Some(T0 + 5));
});
