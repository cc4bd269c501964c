//! Internal notes, whispers and @mentions: how agents talk to each other on
//! a ticket without the customer seeing it.

use crate::tickets::agent_ref_at;
use crate::{AgentRef, Result, Store, StoreError};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// Who is reading. Whispers are shown only to their author, the agent they
/// were written for, and supervisors; everything else to every agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    All,
    Agent(i64),
}

impl Viewer {
    /// The id bound for [`Viewer::whisper_sql`]: 0 for everyone.
    pub(crate) fn agent_id(self) -> i64 {
        match self {
            Viewer::All => 0,
            Viewer::Agent(id) => id,
        }
    }

    /// A condition on the messages alias `m` with the viewer's id bound at
    /// `param` (see [`Viewer::agent_id`]).
    pub(crate) fn whisper_sql(self, m: &str, param: &str) -> String {
        format!(
            "({m}.whisper_to IS NULL OR {param} = 0 OR {m}.whisper_to = {param} OR {m}.author_id = {param})"
        )
    }
}

/// A note to add. `mentions` are agent ids, already resolved (from the
/// text's @handles or the reply box's picker).
#[derive(Debug, Clone)]
pub struct NewNote<'a> {
    pub ticket_id: i64,
    pub author_id: i64,
    pub text: &'a str,
    /// Only the ticket's assignee (and supervisors) will see it.
    pub whisper: bool,
    pub mentions: &'a [i64],
}

/// What [`Store::add_note_with`] wrote.
#[derive(Debug, Clone)]
pub struct NoteAdded {
    pub message_id: i64,
    /// The agents mentioned, the author left out, each once.
    pub mentioned: Vec<i64>,
    pub whisper_to: Option<i64>,
}

/// An agent's mention: where, by whom, and whether they have seen it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mention {
    pub id: i64,
    pub ticket_id: i64,
    pub message_id: i64,
    pub author: Option<AgentRef>,
    /// The note, as written.
    pub text: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Store {
    /// A plain internal note: stored with the messages, never sent.
    pub async fn add_note(
        &self,
        ticket_id: i64,
        author_id: i64,
        text: &str,
        now: i64,
    ) -> Result<i64> {
        let note = NewNote {
            ticket_id,
            author_id,
            text,
            whisper: false,
            mentions: &[],
        };
        Ok(self.add_note_with(&note, now).await?.message_id)
    }

    /// A note, a whisper, or either with mentions. A whisper needs an
    /// assigned agent other than its author, and may mention only that agent
    /// (nobody else could read what they were called to).
    pub async fn add_note_with(&self, note: &NewNote<'_>, now: i64) -> Result<NoteAdded> {
        let mut tx = self.begin_write().await?;
        let found: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT assignee_id FROM tickets WHERE id = $1")
                .bind(note.ticket_id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((assignee,)) = found else {
            return Err(StoreError::NotFound("ticket"));
        };
        let whisper_to = if note.whisper {
            match assignee {
                Some(a) if a != note.author_id => Some(a),
                Some(_) => {
                    return Err(StoreError::Invalid(
                        "a whisper is for the ticket's assigned agent, and that is you".into(),
                    ));
                }
                None => {
                    return Err(StoreError::Invalid(
                        "a whisper is for the ticket's assigned agent; nobody is assigned".into(),
                    ));
                }
            }
        } else {
            None
        };
        let mut mentioned: Vec<i64> = Vec::new();
        for &id in note.mentions {
            if id != note.author_id && !mentioned.contains(&id) {
                mentioned.push(id);
            }
        }
        if let Some(to) = whisper_to
            && mentioned.iter().any(|&m| m != to)
        {
            return Err(StoreError::Invalid(
                "a whisper can mention only the agent it is for".into(),
            ));
        }
        for &id in &mentioned {
            let active: Option<(i64,)> = sqlx::query_as("SELECT active FROM agents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
            if !matches!(active, Some((1,))) {
                return Err(StoreError::Invalid(format!(
                    "agent {id} cannot be mentioned: no such active agent"
                )));
            }
        }
        let (message_id,): (i64,) = sqlx::query_as(
            "INSERT INTO messages (ticket_id, direction, type, text, author_id, whisper_to,
                                   sent_at, created_at, updated_at)
             VALUES ($1, 'note', 'text', $2, $3, $4, $5, $5, $5) RETURNING id",
        )
        .bind(note.ticket_id)
        .bind(note.text)
        .bind(note.author_id)
        .bind(whisper_to)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for &agent in &mentioned {
            sqlx::query(
                "INSERT INTO mentions (message_id, ticket_id, agent_id, author_id, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(message_id)
            .bind(note.ticket_id)
            .bind(agent)
            .bind(note.author_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(note.ticket_id)
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(NoteAdded {
            message_id,
            mentioned,
            whisper_to,
        })
    }

    /// An agent's mentions, newest first (only the unread ones if asked).
    pub async fn mentions_of(
        &self,
        agent_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Mention>> {
        let unread = if unread_only {
            " AND mn.read_at IS NULL"
        } else {
            ""
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT mn.id, mn.ticket_id, mn.message_id, mn.created_at, mn.read_at, m.text,
                    a.id AS a_id, a.name AS a_name
             FROM mentions mn
             JOIN messages m ON m.id = mn.message_id
             LEFT JOIN agents a ON a.id = mn.author_id
             WHERE mn.agent_id = $1{unread}
             ORDER BY mn.id DESC LIMIT $2"
        )))
        .bind(agent_id)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Mention {
                    id: r.try_get("id")?,
                    ticket_id: r.try_get("ticket_id")?,
                    message_id: r.try_get("message_id")?,
                    author: agent_ref_at(r, "a_id", "a_name")?,
                    text: r.try_get("text")?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect()
    }

    /// Marks an agent's mentions on a ticket read (they opened it); returns
    /// how many were unread.
    pub async fn read_mentions(&self, agent_id: i64, ticket_id: i64, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE mentions SET read_at = $1
             WHERE agent_id = $2 AND ticket_id = $3 AND read_at IS NULL",
        )
        .bind(now)
        .bind(agent_id)
        .bind(ticket_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
