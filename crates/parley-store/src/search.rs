//! Full-text search over every message and note: SQLite's FTS5 index or
//! PostgreSQL's tsvector + GIN (migration 0007), newest match first, one
//! keyset page at a time.
//!
//! Both engines get the same query: the words of what the agent typed
//! (letters and digits; everything else separates words, as both indexes
//! split text), all of which must appear, the last one as a prefix so
//! results come while typing ("refu" finds "refund"). Newest first rather
//! than by relevance: an agent searching a conversation wants the recent
//! one, and it keeps a common word cheap (the index is walked backwards and
//! stops after one page) however many messages contain it.

use crate::tickets::{agent_ref, contact_ref};
use crate::{AgentRef, Backend, ContactRef, Page, Result, Store, StoreError, Viewer};
use parley_core::TicketStatus;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// At most this many words count; the rest of a pasted paragraph is ignored.
const MAX_TERMS: usize = 8;
/// PostgreSQL: how many of the newest message ids a search walks through the
/// primary key before it asks the GIN index for the older matches.
const RECENT_WINDOW: i64 = 10_000;
/// Characters of text around the first match in a hit's snippet.
const SNIPPET_CHARS: usize = 160;

/// One message or note that matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    pub message_id: i64,
    pub ticket_id: i64,
    /// `inbound`, `outbound` or `note`.
    pub direction: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The text around the first match (whole when short); `…` marks a cut.
    pub snippet: String,
    pub sent_at: i64,
    pub author: Option<AgentRef>,
    pub contact: ContactRef,
    #[schema(value_type = String, example = "resolved")]
    pub ticket_status: TicketStatus,
}

/// The words a search looks for, lower-cased, in the order typed.
pub fn search_terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .take(MAX_TERMS)
        .collect()
}

/// `"w1" "w2"*` for FTS5: quoted, so no word is read as an operator.
fn fts5_query(terms: &[String]) -> String {
    let n = terms.len();
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| format!("\"{t}\"{}", if i + 1 == n { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `w1 & w2:*` for `to_tsquery`. Terms are letters and digits only, so
/// nothing in them is tsquery syntax.
fn tsquery(terms: &[String]) -> String {
    let n = terms.len();
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{t}{}", if i + 1 == n { ":*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The part of `text` around the first term found, at most about
/// [`SNIPPET_CHARS`] characters.
fn snippet(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= SNIPPET_CHARS {
        return text.to_string();
    }
    let lower: Vec<char> = text.chars().flat_map(|c| c.to_lowercase()).collect();
    // Lower-casing can change lengths (rarely); only use positions when not.
    let first = if lower.len() == chars.len() {
        let hay: String = lower.iter().collect();
        terms
            .iter()
            .filter_map(|t| hay.find(t.as_str()))
            .min()
            .map(|byte| hay[..byte].chars().count())
            .unwrap_or(0)
    } else {
        0
    };
    let start = first.saturating_sub(SNIPPET_CHARS / 3);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let start = end.saturating_sub(SNIPPET_CHARS);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// A search catches up at most this many unindexed messages itself; a larger
/// backlog is the background indexer's (see [`Store::index_search`]).
const SEARCH_CATCH_UP: i64 = 20_000;

impl Store {
    /// Adds to SQLite's full-text index up to `max` messages written since the
    /// last call, in one transaction, and returns how many it read. The
    /// server runs this in the background; searches run it first, so results
    /// include everything committed before them. PostgreSQL indexes as it
    /// writes: always 0 there.
    pub async fn index_search(&self, max: i64) -> Result<u64> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let (upto, newest): (i64, i64) = sqlx::query_as(
            "SELECT indexed_upto, (SELECT COALESCE(MAX(id), 0) FROM messages) FROM search_index_state",
        )
        .fetch_one(&self.pool)
        .await?;
        if newest <= upto {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        // Another writer may have indexed meanwhile; the lock is ours now.
        let (upto,): (i64,) = sqlx::query_as("SELECT indexed_upto FROM search_index_state")
            .fetch_one(&mut **tx)
            .await?;
        let (end, n): (Option<i64>, i64) = sqlx::query_as(
            "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM messages WHERE id > $1 ORDER BY id LIMIT $2)",
        )
        .bind(upto)
        .bind(max.max(1))
        .fetch_one(&mut **tx)
        .await?;
        let Some(end) = end else {
            return Ok(0);
        };
        sqlx::query(
            "INSERT INTO messages_fts (rowid, text)
             SELECT id, text FROM messages WHERE id > $1 AND id <= $2 AND text IS NOT NULL",
        )
        .bind(upto)
        .bind(end)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE search_index_state SET indexed_upto = $1")
            .bind(end)
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(n as u64)
    }

    /// Messages and notes containing every word of `q` (the last as a
    /// prefix), newest first. `cursor` is a page's `next_cursor`.
    pub async fn search_messages(
        &self,
        q: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<SearchHit>> {
        self.search_messages_for(q, limit, cursor, Viewer::All)
            .await
    }

    /// [`Store::search_messages`] as `viewer` may see it: whispers meant for
    /// someone else are left out.
    pub async fn search_messages_for(
        &self,
        q: &str,
        limit: i64,
        cursor: Option<&str>,
        viewer: Viewer,
    ) -> Result<Page<SearchHit>> {
        let terms = search_terms(q);
        if terms.is_empty() {
            return Err(StoreError::Invalid(
                "search for at least one word (letters or digits)".into(),
            ));
        }
        let before = cursor
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| StoreError::Invalid(format!("invalid cursor {c:?}")))
            })
            .transpose()?
            .unwrap_or(i64::MAX);
        let limit = limit.clamp(1, 100);
        let cols = "m.id, m.ticket_id, m.direction, m.type, m.text, m.sent_at,
                    a.id AS a_id, a.name AS a_name, t.status, c.id AS c_id, c.wa_id, c.user_id,
                    c.name AS c_name";
        let joins = "JOIN tickets t ON t.id = m.ticket_id
                     JOIN contacts c ON c.id = t.contact_id
                     LEFT JOIN agents a ON a.id = m.author_id";
        let mut caught_up = 0;
        while caught_up < SEARCH_CATCH_UP {
            match self.index_search(SEARCH_CATCH_UP - caught_up).await? {
                0 => break,
                n => caught_up += n as i64,
            }
        }
        let rows = match self.backend {
            Backend::Sqlite => {
                let visible = viewer.whisper_sql("m", "$4");
                let sql = format!(
                    "SELECT {cols} FROM messages_fts
                     JOIN messages m ON m.id = messages_fts.rowid {joins}
                     WHERE messages_fts MATCH $1 AND messages_fts.rowid < $2 AND {visible}
                     ORDER BY messages_fts.rowid DESC LIMIT $3"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(fts5_query(&terms))
                    .bind(before)
                    .bind(limit + 1)
                    .bind(viewer.agent_id())
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                let q = tsquery(&terms);
                self.search_postgres(cols, joins, &q, before, limit + 1, viewer)
                    .await?
            }
        };
        let mut items = rows
            .iter()
            .map(|r| {
                let text: Option<String> = r.try_get("text")?;
                let status: String = r.try_get("status")?;
                Ok(SearchHit {
                    message_id: r.try_get("id")?,
                    ticket_id: r.try_get("ticket_id")?,
                    direction: r.try_get("direction")?,
                    kind: r.try_get("type")?,
                    snippet: snippet(text.as_deref().unwrap_or(""), &terms),
                    sent_at: r.try_get("sent_at")?,
                    author: agent_ref(r)?,
                    contact: contact_ref(r)?,
                    ticket_status: status
                        .parse()
                        .map_err(|e| StoreError::Invalid(format!("{e}")))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|h| h.message_id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

impl Store {
    /// PostgreSQL's half of [`Store::search_messages_for`], in two steps. The
    /// newest [`RECENT_WINDOW`] ids first, walked backwards through the primary
    /// key: enough for a common word, and cheap however common. Then, when that
    /// did not fill the page, the older matches through the GIN index,
    /// materialised before they are sorted. One query would not do: the planner
    /// estimates a prefix query (`zebra:*`) to match ~2% of rows whatever the
    /// word, so for a rare word it walks the whole table backwards (0.5-0.9 s on
    /// 2M messages, `parley bench inbox --database-url`).
    async fn search_postgres(
        &self,
        cols: &str,
        joins: &str,
        query: &str,
        before: i64,
        want: i64,
        viewer: Viewer,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let top: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM messages")
            .fetch_one(&self.pool)
            .await?;
        let Some(top) = top else {
            return Ok(Vec::new());
        };
        let upper = before.min(top.saturating_add(1));
        let lower = upper.saturating_sub(RECENT_WINDOW);
        let visible = viewer.whisper_sql("m", "$4");
        let recent = format!(
            "SELECT {cols} FROM messages m {joins}
             WHERE m.text_search @@ to_tsquery('simple', $1) AND m.id < $2 AND m.id >= $5
               AND {visible}
             ORDER BY m.id DESC LIMIT $3"
        );
        let mut rows = sqlx::query(AssertSqlSafe(recent))
            .bind(query)
            .bind(upper)
            .bind(want)
            .bind(viewer.agent_id())
            .bind(lower)
            .fetch_all(&self.pool)
            .await?;
        if rows.len() as i64 >= want || lower <= 1 {
            return Ok(rows);
        }
        // The page's ids first, each step materialised, and the limit a literal
        // (a number of ours): the planner then knows the join is of a few rows,
        // where with its estimate of the matches it would hash-join whole tables.
        let missing = want - rows.len() as i64;
        let visible = viewer.whisper_sql("m", "$3");
        let older = format!(
            "WITH hits AS MATERIALIZED (
                 SELECT m.id FROM messages m
                 WHERE m.text_search @@ to_tsquery('simple', $1) AND m.id < $2 AND {visible}
             ),
             page AS MATERIALIZED (SELECT id FROM hits ORDER BY id DESC LIMIT {missing})
             SELECT {cols} FROM page JOIN messages m ON m.id = page.id {joins}
             ORDER BY m.id DESC"
        );
        rows.extend(
            sqlx::query(AssertSqlSafe(older))
                .bind(query)
                .bind(lower)
                .bind(viewer.agent_id())
                .fetch_all(&self.pool)
                .await?,
        );
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_words_and_queries_quote_them() {
        let t = search_terms("  Where's my ORDER #10042? \"x\" OR NEAR(a b)");
        assert_eq!(t, ["where", "s", "my", "order", "10042", "x", "or", "near"]);
        assert_eq!(
            fts5_query(&search_terms("refund Müller")),
            "\"refund\" \"müller\"*"
        );
        assert_eq!(tsquery(&search_terms("refund card")), "refund & card:*");
        assert!(search_terms("?!- ...").is_empty());
        assert_eq!(search_terms("a b c d e f g h i j").len(), MAX_TERMS);
    }

    #[test]
    fn snippets_centre_on_the_first_match() {
        assert_eq!(snippet("short text", &["text".into()]), "short text");
        let long = format!("{}refund{}", "a ".repeat(200), " b".repeat(200));
        let s = snippet(&long, &["refund".into()]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("refund"));
        assert!(s.chars().count() <= SNIPPET_CHARS + 2);
        let s = snippet(&long, &["nowhere".into()]);
        assert!(s.starts_with('a') && s.ends_with('…'));
    }
}
