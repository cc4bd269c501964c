//! Pieces of a demo's past that no public code path can write with an old
//! timestamp: a survey's outcome, the bot's end of a conversation, replies
//! delivered long ago. Used by `parley demo --seed`, which drives everything
//! else (messages, assignments, replies, resolutions, SLA timers) through the
//! store's ordinary functions at simulated times.

use crate::{ReplyDraft, Result, Store};

/// How a customer answered a CSAT survey sent at `sent_at`.
#[derive(Debug, Clone)]
pub enum SeedCsat {
    /// Sent and never answered.
    Unanswered,
    Rated {
        rating: i64,
        at: i64,
        comment: Option<String>,
    },
}

impl Store {
    /// An automatic message (the bot's answer) at `now`: no author, so it
    /// neither counts as a first response nor moves the ticket on.
    pub async fn seed_automated_reply(
        &self,
        ticket_id: i64,
        draft: ReplyDraft,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = crate::outbox::insert_reply(&mut tx, ticket_id, None, draft, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The ticket's survey (scheduled when it was resolved) was sent at
    /// `sent_at` and answered, or not, as `outcome` says.
    pub async fn seed_csat_outcome(
        &self,
        ticket_id: i64,
        sent_at: i64,
        outcome: &SeedCsat,
    ) -> Result<()> {
        let (state, rating, rated_at, comment, commented_at) = match outcome {
            SeedCsat::Unanswered => ("sent", None, None, None, None),
            SeedCsat::Rated {
                rating,
                at,
                comment,
            } => (
                if comment.is_some() {
                    "commented"
                } else {
                    "rated"
                },
                Some(*rating),
                Some(*at),
                comment.clone(),
                comment.as_ref().map(|_| *at + 60_000),
            ),
        };
        // Resolving scheduled it when CSAT was on; make sure it exists either way.
        sqlx::query(
            "INSERT INTO csat_surveys (ticket_id, agent_id, team_id, state, scheduled_at, created_at, updated_at)
             SELECT id, assignee_id, team_id, 'scheduled', $2, $2, $2 FROM tickets WHERE id = $1
             ON CONFLICT (ticket_id) DO NOTHING",
        )
        .bind(ticket_id)
        .bind(sent_at)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE csat_surveys SET state = $1, sent_at = $2, rating = $3, rated_at = $4,
                    comment = $5, commented_at = $6,
                    comment_requested_at = CASE WHEN $3 IS NOT NULL AND $3 <= 3 THEN $4 END,
                    skip_reason = NULL, updated_at = $2
             WHERE ticket_id = $7",
        )
        .bind(state)
        .bind(sent_at)
        .bind(rating)
        .bind(rated_at)
        .bind(comment)
        .bind(commented_at)
        .bind(ticket_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The bot held the ticket and it ended as `state` (`deflected`,
    /// `handed_off`, `abandoned`) at `ended_at`, answering `intent` first.
    pub async fn seed_bot_outcome(
        &self,
        ticket_id: i64,
        state: &str,
        intent: &str,
        ended_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE tickets SET bot_state = $1, bot_intent = $2, bot_ended_at = $3, bot_idle_at = NULL
             WHERE id = $4",
        )
        .bind(state)
        .bind(intent)
        .bind(ended_at)
        .bind(ticket_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every reply queued before `before` went out and was read: nothing old
    /// is sent again when the server starts.
    pub async fn seed_delivered_before(&self, before: i64) -> Result<()> {
        sqlx::query(
            "UPDATE messages SET status = 'read', updated_at = created_at
             WHERE direction = 'outbound' AND status = 'queued' AND created_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE outbox SET state = 'done', attempts = 1, updated_at = created_at
             WHERE state = 'pending' AND created_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
