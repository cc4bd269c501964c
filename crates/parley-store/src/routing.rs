//! What the router reads (tickets waiting for a decision, the queue, a
//! contact's recent tickets) and how its decisions are written: team,
//! assignee, priority, labels and the explanation on the timeline, together.

use crate::ingest::audit;
use crate::outbox::{ReplyDraft, insert_reply};
use crate::{Result, Store, StoreError, WriteTx};
use parley_core::{Priority, TicketStatus};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

/// A ticket the router has not decided on yet, with the facts rules look at.
#[derive(Debug, Clone)]
pub struct RoutingCandidate {
    pub id: i64,
    pub contact_id: i64,
    pub phone_number_id: String,
    pub priority: Priority,
    pub status: TicketStatus,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub created_at: i64,
    /// The customer's messages on this ticket so far, oldest first, joined.
    pub text: String,
    pub contact_tags: Vec<String>,
    pub segment: Option<String>,
    pub vip: bool,
    /// The language detected on the contact's previous tickets, if any.
    pub contact_language: Option<String>,
    /// Whether the contact had no ticket before this one.
    pub new_contact: bool,
    /// The bot talked with the customer first and passed the conversation on.
    pub from_bot: bool,
    /// The customer's name, for the handoff message.
    pub customer_name: Option<String>,
}

/// A contact's earlier ticket, for the repeat-contact trigger.
#[derive(Debug, Clone)]
pub struct PastTicket {
    pub id: i64,
    pub closed_at: i64,
    pub labels: Vec<String>,
    pub issue_type: Option<String>,
}

/// What the router decided for one ticket.
#[derive(Debug, Clone, Default)]
pub struct RoutingOutcome {
    pub ticket_id: i64,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// The team found nobody suitable: the ticket waits in its queue.
    pub queued: bool,
    pub strategy: Option<String>,
    pub priority: Option<Priority>,
    pub labels: Vec<String>,
    pub issue_type: Option<String>,
    pub language: Option<String>,
    pub bot_only: bool,
    /// Sent to the customer right away (built by the caller, who knows the wire format).
    pub auto_reply: Option<ReplyDraft>,
    /// The timeline entry: rule, strategy, explanation, and anything else worth showing.
    pub detail: Value,
}

/// A ticket waiting in a team's queue.
#[derive(Debug, Clone)]
pub struct QueuedTicket {
    pub id: i64,
    pub team_id: i64,
    pub priority: Priority,
    pub queued_at: i64,
    pub strategy: Option<String>,
    pub issue_type: Option<String>,
    pub language: Option<String>,
    pub vip: bool,
    /// Left to the bot until the team is open.
    pub bot_only: bool,
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| StoreError::Invalid(format!("{e}")))
}

/// Priority as a sort key, most urgent first, in SQL both backends accept.
pub(crate) const PRIORITY_RANK: &str = "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
     WHEN 'medium' THEN 2 ELSE 3 END";

impl Store {
    /// Tickets still waiting for a routing decision, oldest first.
    pub async fn unrouted_tickets(&self, limit: i64) -> Result<Vec<RoutingCandidate>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            contact_id: i64,
            phone_number_id: String,
            priority: String,
            status: String,
            assignee_id: Option<i64>,
            team_id: Option<i64>,
            created_at: i64,
            tags: String,
            segment: Option<String>,
            vip: i64,
            contact_language: Option<String>,
            earlier: i64,
            bot_state: Option<String>,
            name: Option<String>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT t.id, t.contact_id, t.phone_number_id, t.priority, t.status, t.assignee_id,
                    t.team_id, t.created_at, c.tags, c.segment, c.vip, t.bot_state, c.name,
                    (SELECT p.language FROM tickets p WHERE p.contact_id = t.contact_id
                        AND p.id < t.id AND p.language IS NOT NULL ORDER BY p.id DESC LIMIT 1)
                        AS contact_language,
                    (SELECT COUNT(*) FROM tickets p WHERE p.contact_id = t.contact_id AND p.id < t.id)
                        AS earlier
             FROM tickets t JOIN contacts c ON c.id = t.contact_id
             WHERE t.routed_at IS NULL AND (t.bot_state IS NULL OR t.bot_state <> 'active')
             ORDER BY t.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        // The first few customer messages are what rules match on.
        let texts: Vec<(i64, Option<String>)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT ticket_id, text FROM messages
             WHERE ticket_id IN ({}) AND direction = 'inbound' ORDER BY id",
            ids.join(",")
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut by_ticket: HashMap<i64, String> = HashMap::new();
        for (ticket, text) in texts {
            let Some(text) = text else { continue };
            let entry = by_ticket.entry(ticket).or_default();
            if entry.len() < 2000 {
                if !entry.is_empty() {
                    entry.push('\n');
                }
                entry.push_str(&text);
            }
        }
        rows.into_iter()
            .map(|r| {
                Ok(RoutingCandidate {
                    text: by_ticket.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    contact_id: r.contact_id,
                    phone_number_id: r.phone_number_id,
                    priority: parse(&r.priority)?,
                    status: parse(&r.status)?,
                    assignee_id: r.assignee_id,
                    team_id: r.team_id,
                    created_at: r.created_at,
                    contact_tags: serde_json::from_str(&r.tags).unwrap_or_default(),
                    segment: r.segment,
                    vip: r.vip != 0,
                    contact_language: r.contact_language,
                    new_contact: r.earlier == 0,
                    from_bot: r.bot_state.as_deref() == Some("handed_off"),
                    customer_name: r.name,
                })
            })
            .collect()
    }

    /// The contact's tickets resolved or closed since `since` (newest first),
    /// with their labels, for the repeat-contact trigger.
    pub async fn recent_tickets(
        &self,
        contact_id: i64,
        except: i64,
        since: i64,
    ) -> Result<Vec<PastTicket>> {
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, COALESCE(closed_at, resolved_at), issue_type FROM tickets
             WHERE contact_id = $1 AND id <> $2 AND COALESCE(closed_at, resolved_at) >= $3
             ORDER BY id DESC LIMIT 20",
        )
        .bind(contact_id)
        .bind(except)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        let labels: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT ticket_id, label FROM ticket_labels WHERE ticket_id IN ({})",
            ids.join(",")
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, closed_at, issue_type)| PastTicket {
                id,
                closed_at,
                labels: labels
                    .iter()
                    .filter(|(t, _)| *t == id)
                    .map(|(_, l)| l.clone())
                    .collect(),
                issue_type,
            })
            .collect())
    }

    /// Writes routing decisions, each with its timeline entry, in one
    /// transaction. A ticket someone assigned by hand in the meantime keeps
    /// that assignment (manual assignment overrides rules); the decision is
    /// still recorded. Returns, per outcome, the auto-reply message id if one
    /// was queued.
    pub async fn apply_routing(
        &self,
        outcomes: &[RoutingOutcome],
        now: i64,
    ) -> Result<Vec<Option<i64>>> {
        let mut tx = self.begin_write().await?;
        let mut replies = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            replies.push(apply_one(&mut tx, o, now).await?);
        }
        tx.commit().await?;
        Ok(replies)
    }

    /// Per team: how many tickets wait in its queue, and since when.
    pub async fn queue_depths(&self) -> Result<HashMap<i64, (i64, Option<i64>)>> {
        let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT team_id, COUNT(*), MIN(queued_at) FROM tickets
             WHERE queued_at IS NOT NULL AND team_id IS NOT NULL GROUP BY team_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(t, n, at)| (t, (n, at))).collect())
    }

    /// Adds an entry to a ticket's timeline on Parley's behalf (something
    /// noticed, not changed: a customer asking for a person, say).
    pub async fn record_ticket_event(
        &self,
        ticket_id: i64,
        action: &str,
        detail: &Value,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64,)> = sqlx::query_as("SELECT contact_id FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_optional(&mut **tx)
            .await?;
        let (contact_id,) = row.ok_or(StoreError::NotFound("ticket"))?;
        audit(
            &mut tx,
            Some(ticket_id),
            Some(contact_id),
            None,
            action,
            detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hands a bot-only ticket to people: it joins its team's queue now.
    pub async fn hand_to_people(&self, ticket_id: i64, reason: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT contact_id FROM tickets WHERE id = $1 AND bot_only = 1 AND team_id IS NOT NULL",
        )
        .bind(ticket_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((contact_id,)) = row else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE tickets SET bot_only = 0, queued_at = COALESCE(queued_at, $1), updated_at = $1
             WHERE id = $2",
        )
        .bind(now)
        .bind(ticket_id)
        .execute(&mut **tx)
        .await?;
        audit(
            &mut tx,
            Some(ticket_id),
            Some(contact_id),
            None,
            "handed_to_people",
            &json!({ "reason": reason }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn last_message_id(&self) -> Result<i64> {
        let (id,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM messages")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Customer messages with text after message `after`, oldest first:
    /// (message id, ticket id, whether it arrived after its ticket was routed, text).
    pub async fn inbound_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, bool, String)>> {
        // A message that arrived before its ticket was routed was read by
        // the router then; it counts as unrouted here so it is not read twice.
        let rows: Vec<(i64, i64, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT m.id, m.ticket_id,
                    CASE WHEN t.routed_at IS NOT NULL AND m.created_at > t.routed_at THEN 1 END,
                    m.text FROM messages m
             JOIN tickets t ON t.id = m.ticket_id
             WHERE m.id > $1 AND m.direction = 'inbound'
               -- Survey answers are feedback, not requests to act on.
               AND NOT EXISTS (SELECT 1 FROM csat_surveys s WHERE s.rating_message_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM csat_surveys s WHERE s.comment_message_id = m.id)
             ORDER BY m.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, ticket, routed, text)| {
                (id, ticket, routed.is_some(), text.unwrap_or_default())
            })
            .collect())
    }

    /// Tickets waiting in team queues: most urgent first, then longest waiting.
    pub async fn queued_tickets(&self, limit: i64) -> Result<Vec<QueuedTicket>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            team_id: i64,
            priority: String,
            queued_at: i64,
            routing_strategy: Option<String>,
            issue_type: Option<String>,
            language: Option<String>,
            vip: i64,
            bot_only: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT t.id, t.team_id, t.priority, t.queued_at, t.routing_strategy, t.issue_type,
                    t.language, c.vip, t.bot_only
             FROM tickets t JOIN contacts c ON c.id = t.contact_id
             WHERE t.queued_at IS NOT NULL AND t.team_id IS NOT NULL
             ORDER BY {PRIORITY_RANK}, t.queued_at, t.id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(QueuedTicket {
                    id: r.id,
                    team_id: r.team_id,
                    priority: parse(&r.priority)?,
                    queued_at: r.queued_at,
                    strategy: r.routing_strategy,
                    issue_type: r.issue_type,
                    language: r.language,
                    vip: r.vip != 0,
                    bot_only: r.bot_only != 0,
                })
            })
            .collect()
    }

    /// Assigns a queued ticket if it is still queued and unassigned; returns
    /// whether it was.
    pub async fn assign_queued(
        &self,
        ticket_id: i64,
        agent_id: i64,
        detail: &Value,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT status, contact_id FROM tickets
             WHERE id = $1 AND queued_at IS NOT NULL AND assignee_id IS NULL",
        )
        .bind(ticket_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((status, contact_id)) = row else {
            return Ok(false);
        };
        let status: TicketStatus = parse(&status)?;
        let next = status.transition(status.on_assignment(true))?;
        assign(&mut tx, ticket_id, agent_id, next, now).await?;
        audit(
            &mut tx,
            Some(ticket_id),
            Some(contact_id),
            None,
            "assigned_from_queue",
            detail,
            now,
        )
        .await?;
        crate::sla::refresh_in(&mut tx, ticket_id, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn assign(
    tx: &mut WriteTx,
    ticket_id: i64,
    agent_id: i64,
    status: TicketStatus,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET assignee_id = $1, status = $2, queued_at = NULL, bot_only = 0,
                updated_at = $3
         WHERE id = $4",
    )
    .bind(agent_id)
    .bind(status.as_str())
    .bind(now)
    .bind(ticket_id)
    .execute(&mut ***tx)
    .await?;
    sqlx::query("UPDATE agents SET last_assigned_at = $1 WHERE id = $2")
        .bind(now)
        .bind(agent_id)
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

async fn apply_one(tx: &mut WriteTx, o: &RoutingOutcome, now: i64) -> Result<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Current {
        status: String,
        assignee_id: Option<i64>,
        contact_id: i64,
        priority: String,
        routed_at: Option<i64>,
    }
    let row: Option<Current> = sqlx::query_as(
        "SELECT status, assignee_id, contact_id, priority, routed_at FROM tickets WHERE id = $1",
    )
    .bind(o.ticket_id)
    .fetch_optional(&mut ***tx)
    .await?;
    let Some(Current {
        status,
        assignee_id: assignee,
        contact_id,
        priority,
        routed_at,
    }) = row
    else {
        return Err(StoreError::NotFound("ticket"));
    };
    if routed_at.is_some() {
        return Ok(None);
    }
    let status: TicketStatus = parse(&status)?;
    let manual = assignee.is_some() || status == TicketStatus::Closed;
    let mut detail = o.detail.clone();
    if manual {
        detail["overridden"] = json!("the ticket was already assigned by hand or closed");
    }
    sqlx::query(
        "UPDATE tickets SET routed_at = $1, routing_strategy = $2, issue_type = $3, language = $4,
                bot_only = $5, updated_at = $1 WHERE id = $6",
    )
    .bind(now)
    .bind(&o.strategy)
    .bind(&o.issue_type)
    .bind(&o.language)
    .bind(o.bot_only as i64)
    .bind(o.ticket_id)
    .execute(&mut ***tx)
    .await?;
    if !manual {
        if let Some(team) = o.team_id {
            sqlx::query("UPDATE tickets SET team_id = $1 WHERE id = $2")
                .bind(team)
                .bind(o.ticket_id)
                .execute(&mut ***tx)
                .await?;
        }
        if let Some(p) = o.priority
            && p.as_str() != priority
        {
            sqlx::query("UPDATE tickets SET priority = $1 WHERE id = $2")
                .bind(p.as_str())
                .bind(o.ticket_id)
                .execute(&mut ***tx)
                .await?;
        }
        match o.assignee_id {
            Some(agent) => {
                let next = status.transition(status.on_assignment(true))?;
                assign(tx, o.ticket_id, agent, next, now).await?;
            }
            // Bot-only tickets (after hours) wait in the queue too, so people
            // take them over when the team opens.
            None if (o.queued || o.bot_only) && o.team_id.is_some() => {
                sqlx::query("UPDATE tickets SET queued_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(o.ticket_id)
                    .execute(&mut ***tx)
                    .await?;
            }
            None => {}
        }
    }
    for label in &o.labels {
        sqlx::query(
            "INSERT INTO ticket_labels (ticket_id, label) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(o.ticket_id)
        .bind(label)
        .execute(&mut ***tx)
        .await?;
    }
    audit(
        tx,
        Some(o.ticket_id),
        Some(contact_id),
        None,
        "routed",
        &detail,
        now,
    )
    .await?;
    crate::sla::refresh_in(tx, o.ticket_id, now).await?;
    let reply = match (&o.auto_reply, manual) {
        // The window is open (the customer just wrote) unless the message was
        // old when it arrived; then the auto-reply is skipped, not the routing.
        (Some(draft), false) => {
            match insert_reply(tx, o.ticket_id, None, draft.clone(), now).await {
                Ok(id) => Some(id),
                Err(StoreError::WindowClosed) => None,
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    Ok(reply)
}
