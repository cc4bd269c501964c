//! Message templates: a sync replaces the set atomically, keeps ids and
//! records status changes; status webhooks change one template.

mod common;

use parley_store::{
    IngestItem, IngestOutcome, Store, TemplateRow, TemplateStatusChange, TemplateSyncReport,
};
use serde_json::json;

fn row(name: &str, language: &str, status: &str) -> TemplateRow {
    TemplateRow {
        meta_id: format!("{}{}", name.len(), language.len()),
        name: name.into(),
        language: language.into(),
        status: status.into(),
        category: "UTILITY".into(),
        parameter_format: None,
        components: json!([{"type": "BODY", "text": format!("Hi {{{{1}}}} from {name}")}]),
        status_reason: None,
    }
}

both_backends!(sync_replaces_the_set, |store: Store| async move {
    let first = vec![
        row("order_update", "en_US", "APPROVED"),
        row("order_update", "es_ES", "APPROVED"),
        row("spring_sale", "en_US", "PENDING"),
        row("old_promo", "en_US", "APPROVED"),
    ];
    let r = store.sync_templates(&first, 1_000).await.unwrap();
    assert_eq!(
        r,
        TemplateSyncReport {
            added: 4,
            ..Default::default()
        }
    );
    let before = store.list_templates(false).await.unwrap();
    assert_eq!(before.len(), 4);
    assert_eq!(
        before
            .iter()
            .map(|t| format!("{}/{}", t.name, t.language))
            .collect::<Vec<_>>(),
        [
            "old_promo/en_US",
            "order_update/en_US",
            "order_update/es_ES",
            "spring_sale/en_US"
        ]
    );
    assert_eq!(store.list_templates(true).await.unwrap().len(), 3);
    let es = store
        .get_template("order_update", "es_ES")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(es.components[0]["text"], "Hi {{1}} from order_update");

    // At Meta: spring_sale approved, old_promo deleted, a new one added.
    let second = vec![
        row("order_update", "en_US", "APPROVED"),
        row("order_update", "es_ES", "APPROVED"),
        row("spring_sale", "en_US", "APPROVED"),
        row("hello_world", "en_US", "APPROVED"),
    ];
    let r = store.sync_templates(&second, 2_000).await.unwrap();
    assert_eq!(
        r,
        TemplateSyncReport {
            added: 1,
            updated: 1,
            removed: 1,
            unchanged: 2
        }
    );
    let after = store.list_templates(false).await.unwrap();
    assert!(after.iter().all(|t| t.name != "old_promo"));
    let sale = after.iter().find(|t| t.name == "spring_sale").unwrap();
    let sale_before = before.iter().find(|t| t.name == "spring_sale").unwrap();
    assert_eq!(
        sale.id, sale_before.id,
        "a template keeps its id across syncs"
    );
    assert_eq!(
        (sale.status.as_str(), sale.status_changed_at, sale.synced_at),
        ("APPROVED", 2_000, 2_000)
    );
    let order = after
        .iter()
        .find(|t| t.name == "order_update" && t.language == "en_US")
        .unwrap();
    assert_eq!((order.status_changed_at, order.synced_at), (1_000, 2_000));

    // An empty list from Meta empties the set.
    let r = store.sync_templates(&[], 3_000).await.unwrap();
    assert_eq!(r.removed, 4);
    assert!(store.list_templates(false).await.unwrap().is_empty());
});

both_backends!(
    status_webhook_updates_one_template,
    |store: Store| async move {
        store
            .sync_templates(
                &[
                    row("order_update", "en_US", "APPROVED"),
                    row("spring_sale", "en_US", "APPROVED"),
                ],
                1_000,
            )
            .await
            .unwrap();
        let sale = store
            .get_template("spring_sale", "en_US")
            .await
            .unwrap()
            .unwrap();
        // By Meta's id, through the webhook path (in the ingest transaction).
        let out = store
            .apply_webhook(
                None,
                vec![IngestItem::TemplateStatus(TemplateStatusChange {
                    meta_id: Some(sale.meta_id.clone()),
                    name: None,
                    language: None,
                    status: "PAUSED".into(),
                    reason: Some("LOW_QUALITY".into()),
                })],
                5_000,
            )
            .await
            .unwrap();
        assert_eq!(
            out,
            vec![IngestOutcome::TemplateStatus {
                template_id: Some(sale.id)
            }]
        );
        let sale = store
            .get_template("spring_sale", "en_US")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                sale.status.as_str(),
                sale.status_reason.as_deref(),
                sale.status_changed_at
            ),
            ("PAUSED", Some("LOW_QUALITY"), 5_000)
        );
        // By name and a `-` language code when Meta's id is unknown here.
        let id = store
            .set_template_status(
                &TemplateStatusChange {
                    meta_id: Some("999".into()),
                    name: Some("order_update".into()),
                    language: Some("en-US".into()),
                    status: "DISABLED".into(),
                    reason: None,
                },
                6_000,
            )
            .await
            .unwrap();
        assert!(id.is_some());
        assert_eq!(store.list_templates(true).await.unwrap().len(), 0);
        // Unknown templates change nothing.
        let none = store
            .set_template_status(
                &TemplateStatusChange {
                    meta_id: None,
                    name: Some("nope".into()),
                    language: Some("en_US".into()),
                    status: "APPROVED".into(),
                    reason: None,
                },
                7_000,
            )
            .await
            .unwrap();
        assert_eq!(none, None);
    }
);
