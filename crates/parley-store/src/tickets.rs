//! Tickets: one ticket, its messages and audit trail,
//! agent changes (status, priority, assignee, team, labels) and notes.

use crate::ingest::audit;
use crate::models::phone_of;
use crate::{
    AgentRef, AuditEntry, ContactRef, MediaRef, Message, MessageError, ReplyRef, Result, SlaView,
    Store, StoreError, TeamRef, Ticket, Viewer, parse_json,
};
use parley_core::sla::{self, Deadline, SlaDeadlines};
use parley_core::{Priority, TicketStatus, window};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeSet, HashMap};

/// An agent's change to a ticket. `None` leaves a field alone; for assignee
/// and team, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub assignee_id: Option<Option<i64>>,
    pub team_id: Option<Option<i64>>,
    pub labels: Option<Vec<String>>,
    /// Why the ticket is closed (e.g. `spam`); only with the ticket closed.
    pub close_reason: Option<String>,
}

/// A ticket row with its contact, assignee and team. `k_rank` and `k_due`
/// are the list's sort keys (generated columns), for its cursors.
pub(crate) const TICKET_SELECT: &str =
    "SELECT t.id, t.status, t.priority, t.phone_number_id, t.last_message_preview,
        t.last_message_at, t.last_inbound_at, t.first_response_at, t.resolved_at, t.closed_at,
        t.created_at, t.updated_at, t.queued_at, t.routing_strategy, t.issue_type, t.language,
        t.bot_only, t.escalation_level, t.escalated_at, t.sla_running_since, t.sla_elapsed_ms,
        t.sla_first_response_warn_at, t.sla_first_response_due, t.sla_resolution_warn_at,
        t.sla_resolution_due, t.sla_escalate_at, t.sla_source, t.sla_first_response_breached_at,
        t.sla_resolution_breached_at, t.close_reason, c.id AS c_id, c.wa_id, c.user_id, c.name AS c_name,
        a.id AS a_id, a.name AS a_name, tm.id AS tm_id, tm.name AS tm_name,
        t.priority_rank AS k_rank, t.sla_due_at AS k_due
    FROM tickets t
    JOIN contacts c ON c.id = t.contact_id
    LEFT JOIN agents a ON a.id = t.assignee_id
    LEFT JOIN teams tm ON tm.id = t.team_id";

/// The contact of a row's `c_id`, `wa_id`, `user_id` and `c_name` columns.
pub(crate) fn contact_ref(row: &AnyRow) -> Result<ContactRef> {
    let wa_id: Option<String> = row.try_get("wa_id")?;
    Ok(ContactRef {
        id: row.try_get("c_id")?,
        phone: phone_of(&wa_id),
        wa_id,
        user_id: row.try_get("user_id")?,
        name: row.try_get("c_name")?,
    })
}

/// The agent of a row's `a_id` / `a_name` columns, if any.
pub(crate) fn agent_ref(row: &AnyRow) -> Result<Option<AgentRef>> {
    agent_ref_at(row, "a_id", "a_name")
}

/// The agent of a row's `id_col` / `name_col` columns, if any.
pub(crate) fn agent_ref_at(row: &AnyRow, id_col: &str, name_col: &str) -> Result<Option<AgentRef>> {
    let id: Option<i64> = row.try_get(id_col)?;
    Ok(match id {
        Some(id) => Some(AgentRef {
            id,
            name: row.try_get(name_col)?,
        }),
        None => None,
    })
}

/// The team of a row's `tm_id` / `tm_name` columns, if any.
pub(crate) fn team_ref(row: &AnyRow) -> Result<Option<TeamRef>> {
    let id: Option<i64> = row.try_get("tm_id")?;
    Ok(match id {
        Some(id) => Some(TeamRef {
            id,
            name: row.try_get("tm_name")?,
        }),
        None => None,
    })
}

pub(crate) fn ticket_from_row(row: &AnyRow, now: i64) -> Result<Ticket> {
    let status: String = row.try_get("status")?;
    let priority: String = row.try_get("priority")?;
    let last_inbound_at: Option<i64> = row.try_get("last_inbound_at")?;
    let status: TicketStatus = status
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let status_resolved = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    Ok(Ticket {
        id: row.try_get("id")?,
        status,
        priority: priority
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?,
        contact: contact_ref(row)?,
        assignee: agent_ref(row)?,
        team: team_ref(row)?,
        labels: Vec::new(),
        phone_number_id: row.try_get("phone_number_id")?,
        last_message_preview: row.try_get("last_message_preview")?,
        last_message_at: row.try_get("last_message_at")?,
        last_inbound_at,
        window_open: window::is_open(last_inbound_at, now),
        window_expires_at: window::expires_at(last_inbound_at),
        first_response_at: row.try_get("first_response_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        queued_at: row.try_get("queued_at")?,
        routing_strategy: row.try_get("routing_strategy")?,
        issue_type: row.try_get("issue_type")?,
        language: row.try_get("language")?,
        bot_only: row.try_get::<i64, _>("bot_only")? != 0,
        escalation_level: row.try_get("escalation_level")?,
        escalated_at: row.try_get("escalated_at")?,
        sla: sla_view(row, status_resolved, now)?,
        close_reason: row.try_get("close_reason")?,
        csat: None,
    })
}

/// The ticket's SLA as the inbox shows it: a live countdown to the next
/// pending target, and each target's deadlines.
fn sla_view(row: &AnyRow, resolved: bool, now: i64) -> Result<SlaView> {
    let deadline = |warn: &str, due: &str| -> Result<Option<Deadline>> {
        Ok(
            match (
                row.try_get::<Option<i64>, _>(warn)?,
                row.try_get::<Option<i64>, _>(due)?,
            ) {
                (Some(warn_at), Some(due_at)) => Some(Deadline { warn_at, due_at }),
                _ => None,
            },
        )
    };
    let running: Option<i64> = row.try_get("sla_running_since")?;
    let deadlines = SlaDeadlines {
        first_response: deadline("sla_first_response_warn_at", "sla_first_response_due")?,
        resolution: deadline("sla_resolution_warn_at", "sla_resolution_due")?,
        escalate_at: row.try_get("sla_escalate_at")?,
        escalate_reason: None,
        paused: running.is_none() && !resolved,
    };
    let c = sla::countdown(now, &deadlines);
    Ok(SlaView {
        state: c.state.as_str().to_string(),
        next_target: c.next.map(|n| n.0.to_string()),
        due_at: c.next.map(|n| n.1),
        remaining_ms: c.remaining_ms,
        first_response_warn_at: deadlines.first_response.map(|d| d.warn_at),
        first_response_due_at: deadlines.first_response.map(|d| d.due_at),
        first_response_breached_at: row.try_get("sla_first_response_breached_at")?,
        resolution_warn_at: deadlines.resolution.map(|d| d.warn_at),
        resolution_due_at: deadlines.resolution.map(|d| d.due_at),
        resolution_breached_at: row.try_get("sla_resolution_breached_at")?,
        escalate_at: deadlines.escalate_at,
        elapsed_ms: row.try_get("sla_elapsed_ms")?,
        running: running.is_some(),
        policy: row.try_get("sla_source")?,
    })
}

impl Store {
    /// Loads labels for a page of tickets with one query.
    pub(crate) async fn fill_labels(&self, tickets: &mut [Ticket]) -> Result<()> {
        if tickets.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = tickets.iter().map(|t| t.id.to_string()).collect();
        // Ids are integers we just read, so inlining them is safe and keeps
        // the query to one round trip whatever the page size.
        let sql = format!(
            "SELECT ticket_id, label FROM ticket_labels WHERE ticket_id IN ({}) ORDER BY label",
            ids.join(",")
        );
        let rows: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut by_ticket: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, label) in rows {
            by_ticket.entry(id).or_default().push(label);
        }
        for t in tickets {
            t.labels = by_ticket.remove(&t.id).unwrap_or_default();
        }
        Ok(())
    }

    pub async fn get_ticket(&self, id: i64, now: i64) -> Result<Ticket> {
        let sql = format!("{TICKET_SELECT} WHERE t.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let mut t = [ticket_from_row(&row, now)?];
        self.fill_labels(&mut t).await?;
        self.fill_csat(&mut t).await?;
        let [t] = t;
        Ok(t)
    }

    /// Applies an agent's change, validating the lifecycle and recording each
    /// change in the audit trail, in one transaction.
    pub async fn update_ticket(
        &self,
        id: i64,
        actor_id: i64,
        patch: &TicketPatch,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        #[derive(sqlx::FromRow)]
        struct Current {
            status: String,
            priority: String,
            assignee_id: Option<i64>,
            team_id: Option<i64>,
            contact_id: i64,
        }
        let row: Option<Current> = sqlx::query_as(
            "SELECT status, priority, assignee_id, team_id, contact_id FROM tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(Current {
            status,
            priority,
            assignee_id: assignee,
            team_id: team,
            contact_id,
        }) = row
        else {
            return Err(StoreError::NotFound("ticket"));
        };
        let mut status: TicketStatus = status
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?;
        let old_status = status;
        let actor = Some(actor_id);
        // Every change below lands in the ticket's audit trail the same way.
        async fn record(
            tx: &mut crate::WriteTx,
            action: &str,
            detail: &serde_json::Value,
            now: i64,
            (id, contact_id, actor): (i64, i64, Option<i64>),
        ) -> Result<()> {
            audit(tx, Some(id), Some(contact_id), actor, action, detail, now).await
        }
        let who = (id, contact_id, actor);

        if let Some(new_assignee) = patch.assignee_id
            && new_assignee != assignee
        {
            if let Some(agent) = new_assignee {
                let ok: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM agents WHERE id = $1 AND active = 1")
                        .bind(agent)
                        .fetch_optional(&mut **tx)
                        .await?;
                if ok.is_none() {
                    return Err(StoreError::Invalid(format!(
                        "agent {agent} does not exist or is inactive"
                    )));
                }
            }
            if status == TicketStatus::Closed {
                return Err(StoreError::Conflict(
                    "a closed ticket cannot be reassigned".into(),
                ));
            }
            status = status.transition(status.on_assignment(new_assignee.is_some()))?;
            sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
                .bind(new_assignee)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            record(
                &mut tx,
                if new_assignee.is_some() {
                    "assigned"
                } else {
                    "unassigned"
                },
                &json!({"from": assignee, "to": new_assignee}),
                now,
                who,
            )
            .await?;
        }
        if let Some(new_team) = patch.team_id
            && new_team != team
        {
            if let Some(t) = new_team {
                let ok: Option<(i64,)> = sqlx::query_as("SELECT id FROM teams WHERE id = $1")
                    .bind(t)
                    .fetch_optional(&mut **tx)
                    .await?;
                if ok.is_none() {
                    return Err(StoreError::Invalid(format!("team {t} does not exist")));
                }
            }
            sqlx::query("UPDATE tickets SET team_id = $1 WHERE id = $2")
                .bind(new_team)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            record(
                &mut tx,
                "team_changed",
                &json!({"from": team, "to": new_team}),
                now,
                who,
            )
            .await?;
        }
        if let Some(p) = patch.priority
            && p.as_str() != priority
        {
            sqlx::query("UPDATE tickets SET priority = $1 WHERE id = $2")
                .bind(p.as_str())
                .bind(id)
                .execute(&mut **tx)
                .await?;
            record(
                &mut tx,
                "priority_changed",
                &json!({"from": priority, "to": p}),
                now,
                who,
            )
            .await?;
        }
        if let Some(to) = patch.status {
            status = status.transition(to)?;
        }
        if status != old_status {
            sqlx::query(
                "UPDATE tickets SET status = $1,
                        resolved_at = CASE WHEN $1 = 'resolved' THEN $2 WHEN $1 = 'closed' THEN resolved_at ELSE NULL END,
                        closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE NULL END
                 WHERE id = $3",
            )
            .bind(status.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            record(
                &mut tx,
                "status_changed",
                &json!({"from": old_status, "to": status}),
                now,
                who,
            )
            .await?;
        }
        let close_reason = patch
            .close_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(reason) = close_reason {
            if status != TicketStatus::Closed {
                return Err(StoreError::Invalid(
                    "close_reason goes with closing the ticket (status \"closed\")".into(),
                ));
            }
            if reason.chars().count() > 64 {
                return Err(StoreError::Invalid(
                    "close_reason is longer than 64 characters".into(),
                ));
            }
            let changed = sqlx::query(
                "UPDATE tickets SET close_reason = $1
                 WHERE id = $2 AND (close_reason IS NULL OR close_reason <> $1)",
            )
            .bind(reason)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if changed > 0 {
                record(
                    &mut tx,
                    "close_reason_set",
                    &json!({"reason": reason}),
                    now,
                    who,
                )
                .await?;
            }
        }
        if status != old_status || close_reason.is_some() {
            let csat = self.csat_settings();
            crate::csat::on_status_change_in(&mut tx, &csat, id, status, close_reason, now).await?;
        }
        if let Some(labels) = &patch.labels {
            let wanted: BTreeSet<String> = labels
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            if let Some(bad) = wanted.iter().find(|l| l.chars().count() > 64) {
                return Err(StoreError::Invalid(format!(
                    "label {bad:?} is longer than 64 characters"
                )));
            }
            let current: Vec<(String,)> =
                sqlx::query_as("SELECT label FROM ticket_labels WHERE ticket_id = $1")
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
            let current: BTreeSet<String> = current.into_iter().map(|(l,)| l).collect();
            let added: Vec<&String> = wanted.difference(&current).collect();
            let removed: Vec<&String> = current.difference(&wanted).collect();
            for l in &removed {
                sqlx::query("DELETE FROM ticket_labels WHERE ticket_id = $1 AND label = $2")
                    .bind(id)
                    .bind(l.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            for l in &added {
                sqlx::query("INSERT INTO ticket_labels (ticket_id, label) VALUES ($1, $2)")
                    .bind(id)
                    .bind(l.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            if !added.is_empty() || !removed.is_empty() {
                record(
                    &mut tx,
                    "labels_changed",
                    &json!({"added": added, "removed": removed}),
                    now,
                    who,
                )
                .await?;
            }
        }
        // A hand-made assignment or transfer settles routing for good; an
        // open ticket with a team but nobody on it waits in that team's queue.
        let routed_by_hand = patch.assignee_id.is_some() || patch.team_id.is_some();
        sqlx::query(
            "UPDATE tickets SET updated_at = $1,
                    routed_at = CASE WHEN $2 = 1 THEN COALESCE(routed_at, $1) ELSE routed_at END,
                    queued_at = CASE
                        WHEN assignee_id IS NOT NULL OR team_id IS NULL
                             OR status IN ('resolved', 'closed') THEN NULL
                        WHEN routed_at IS NULL AND $2 = 0 THEN queued_at
                        ELSE COALESCE(queued_at, $1) END
             WHERE id = $3",
        )
        .bind(now)
        .bind(routed_by_hand as i64)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        crate::sla::refresh_in(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The WhatsApp id of the customer's latest message on a ticket.
    pub async fn last_inbound_wamid(&self, ticket_id: i64) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT wa_message_id FROM messages WHERE ticket_id = $1 AND direction = 'inbound'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(w,)| w))
    }

    /// A ticket's messages and notes, oldest first, whispers included.
    pub async fn ticket_messages(&self, ticket_id: i64) -> Result<Vec<Message>> {
        self.ticket_messages_for(ticket_id, Viewer::All).await
    }

    /// A ticket's messages and notes as `viewer` may see them, oldest first.
    pub async fn ticket_messages_for(
        &self,
        ticket_id: i64,
        viewer: Viewer,
    ) -> Result<Vec<Message>> {
        self.query_messages("m.ticket_id = $1", ticket_id, viewer)
            .await
    }

    pub async fn get_message(&self, id: i64) -> Result<Message> {
        self.query_messages("m.id = $1", id, Viewer::All)
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("message"))
    }

    async fn query_messages(
        &self,
        condition: &'static str,
        value: i64,
        viewer: Viewer,
    ) -> Result<Vec<Message>> {
        let visible = viewer.whisper_sql("m", "$2");
        let sql = format!(
            "SELECT m.id, m.ticket_id, m.direction, m.type, m.text, m.status, m.wa_message_id, m.content,
                    m.reply_to_wamid, m.error_code, m.error_message, m.sent_at, m.created_at, m.updated_at,
                    a.id AS a_id, a.name AS a_name,
                    md.id AS md_id, md.mime_type, md.filename, md.state AS md_state,
                    r.id AS r_id, r.text AS r_text, r.type AS r_type,
                    w.id AS w_id, w.name AS w_name
             FROM messages m
             LEFT JOIN agents a ON a.id = m.author_id
             LEFT JOIN agents w ON w.id = m.whisper_to
             LEFT JOIN media md ON md.id = m.media_id
             LEFT JOIN messages r ON r.wa_message_id = m.reply_to_wamid
             WHERE {condition} AND {visible} ORDER BY m.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(value)
            .bind(viewer.agent_id())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// A ticket's audit trail, oldest first.
    pub async fn ticket_audit(&self, ticket_id: i64) -> Result<Vec<AuditEntry>> {
        #[derive(sqlx::FromRow)]
        struct Entry {
            id: i64,
            ticket_id: Option<i64>,
            a_id: Option<i64>,
            a_name: Option<String>,
            action: String,
            detail: String,
            created_at: i64,
        }
        let rows: Vec<Entry> = sqlx::query_as(
            "SELECT l.id, l.ticket_id, a.id AS a_id, a.name AS a_name, l.action, l.detail, l.created_at
             FROM audit_log l LEFT JOIN agents a ON a.id = l.actor_id
             WHERE l.ticket_id = $1 ORDER BY l.id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                ticket_id: e.ticket_id,
                actor: e.a_id.map(|id| AgentRef {
                    id,
                    name: e.a_name.unwrap_or_default(),
                }),
                action: e.action,
                detail: parse_json(&e.detail),
                created_at: e.created_at,
            })
            .collect())
    }
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
    let md_id: Option<i64> = row.try_get("md_id")?;
    let reply_to: Option<String> = row.try_get("reply_to_wamid")?;
    let error_code: Option<i64> = row.try_get("error_code")?;
    let error_message: Option<String> = row.try_get("error_message")?;
    let content: String = row.try_get("content")?;
    Ok(Message {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        direction: row.try_get("direction")?,
        kind: row.try_get("type")?,
        text: row.try_get("text")?,
        status: row.try_get("status")?,
        wa_message_id: row.try_get("wa_message_id")?,
        media: match md_id {
            Some(id) => {
                let state: String = row.try_get("md_state")?;
                Some(MediaRef {
                    id,
                    mime_type: row.try_get("mime_type")?,
                    filename: row.try_get("filename")?,
                    url: (state == "ready").then(|| format!("/api/v1/media/{id}")),
                    state,
                })
            }
            None => None,
        },
        content: parse_json(&content),
        reply_to: match reply_to {
            Some(wamid) => {
                let r_text: Option<String> = row.try_get("r_text")?;
                let r_type: Option<String> = row.try_get("r_type")?;
                Some(ReplyRef {
                    wa_message_id: wamid,
                    message_id: row.try_get("r_id")?,
                    preview: r_text.or(r_type.map(|t| format!("[{t}]"))),
                })
            }
            None => None,
        },
        error: if error_code.is_some() || error_message.is_some() {
            Some(MessageError {
                code: error_code,
                message: error_message.unwrap_or_default(),
            })
        } else {
            None
        },
        author: agent_ref(row)?,
        whisper_to: agent_ref_at(row, "w_id", "w_name")?,
        sent_at: row.try_get("sent_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
