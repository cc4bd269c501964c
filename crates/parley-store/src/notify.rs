//! Outgoing notifications for the business's own endpoint (Slack, PagerDuty
//! and the like): queued in the transaction that caused them, delivered by
//! the server's notifier with retries, like the WhatsApp outbox.

use crate::{Result, Store, WriteTx, json_text};
use serde_json::Value;

/// A notification waiting to be delivered.
#[derive(Debug, Clone)]
pub struct PendingNotification {
    pub id: i64,
    pub event: String,
    pub body: String,
    pub attempts: i64,
}

pub(crate) async fn enqueue_in(
    tx: &mut WriteTx,
    event: &str,
    body: &Value,
    now: i64,
) -> Result<()> {
    let envelope = serde_json::json!({"event": event, "at": now, "data": body});
    sqlx::query(
        "INSERT INTO notifications (event, body, state, next_attempt_at, created_at)
         VALUES ($1, $2, 'pending', $3, $3)",
    )
    .bind(event)
    .bind(json_text(&envelope))
    .bind(now)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn due_notifications(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<PendingNotification>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, event, body, attempts FROM notifications
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, event, body, attempts)| PendingNotification {
                id,
                event,
                body,
                attempts,
            })
            .collect())
    }

    /// Records a delivery attempt: `Ok` delivered, `Err(Some(t))` retry at t,
    /// `Err(None)` given up.
    pub async fn notification_attempted(
        &self,
        id: i64,
        outcome: std::result::Result<(), Option<i64>>,
        error: Option<&str>,
    ) -> Result<()> {
        let (state, next) = match outcome {
            Ok(()) => ("sent", None),
            Err(Some(at)) => ("pending", Some(at)),
            Err(None) => ("failed", None),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE notifications SET state = $1, attempts = attempts + 1,
                    next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3
             WHERE id = $4",
        )
        .bind(state)
        .bind(next)
        .bind(error)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notifications by state, for the tests and metrics.
    pub async fn notification_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT state, COUNT(*) FROM notifications GROUP BY state ORDER BY state",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
