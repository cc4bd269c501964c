//! A help desk's history for the inbox benchmark (`parley bench inbox`):
//! a large store of mostly closed tickets with a live backlog on top. The
//! rows are synthetic and written in SQL (a recursive CTE per chunk), so a
//! million tickets with their messages take about a minute on SQLite.
//!
//! The shape, decided by each ticket's ordinal `i` (so a run is
//! reproducible):
//! - history (the first `tickets - open`): created evenly over `span_ms`
//!   before the backlog, 7 in 8 closed and 1 in 8 resolved, answered;
//! - the backlog (the last `open`): created over the two days before `now`,
//!   30% new (unassigned), 20% assigned, 40% in progress, 10% pending
//!   (SLA paused), with first-response and resolution deadlines of 1 h and
//!   24 h, so some are breached, some in warning and most on time;
//! - priorities 5% urgent, 15% high, 55% medium, 25% low; every ticket in
//!   one of the teams; assigned ones with one of the agents (in turn, ten
//!   tickets each, so every agent has a share of every status); a contact for
//!   every 2.5 tickets (returning customers); 30% with a label, 10% with two;
//! - one customer message per ticket and, for answered ones, an agent reply
//!   (different phrasings with order numbers, for full-text search).

use crate::{Result, Store, StoreError};

/// What [`Store::seed_inbox`] writes.
#[derive(Debug, Clone)]
pub struct SeedInbox {
    pub tickets: i64,
    /// The newest this many are open.
    pub open: i64,
    pub now: i64,
    /// How far back history goes before the backlog.
    pub span_ms: i64,
    pub agents: Vec<i64>,
    pub teams: Vec<i64>,
    pub labels: Vec<String>,
    /// Tickets per transaction.
    pub chunk: i64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct SeededInbox {
    pub contacts: i64,
    pub tickets: i64,
    pub labels: i64,
    pub messages: i64,
}

const CUSTOMER_LINES: [&str; 12] = [
    "Hi, where is my order? It has not arrived yet",
    "The package arrived damaged, the box was crushed",
    "I want to return the shoes, they do not fit",
    "Can I change the delivery address for my order",
    "I was charged twice for the same purchase",
    "How do I reset my password? The link expired",
    "Do you have this jacket in a larger size",
    "My refund has not shown up on my card",
    "The tracking link says delivered but nothing came",
    "Can I book an appointment at the downtown store",
    "The app keeps logging me out when I pay",
    "Is the blue kettle back in stock soon",
];

const AGENT_LINES: [&str; 6] = [
    "Thanks for waiting, I have checked your order",
    "Sorry about that, I have sent a replacement",
    "I have issued the refund, it takes 3 to 5 days",
    "Here is your return label, drop it at any post office",
    "I have updated the address on the order",
    "Your appointment is booked, see you then",
];

fn values(rows: &[String]) -> String {
    rows.join(", ")
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Store {
    /// Writes a help desk's history for a benchmark; see [`SeedInbox`]. Ids
    /// continue after the existing rows.
    pub async fn seed_inbox(&self, s: &SeedInbox) -> Result<SeededInbox> {
        if s.tickets <= 0 {
            return Ok(SeededInbox::default());
        }
        if s.agents.is_empty() || s.teams.is_empty() || s.labels.is_empty() {
            return Err(StoreError::Invalid(
                "seeding needs agents, teams and labels".into(),
            ));
        }
        let open = s.open.clamp(0, s.tickets);
        let history = s.tickets - open;
        let contacts = (s.tickets * 2 / 5).max(1);
        let (cbase, tbase) = (
            self.next_id("contacts").await?,
            self.next_id("tickets").await?,
        );
        let indexed = |xs: Vec<String>| {
            values(
                &xs.iter()
                    .enumerate()
                    .map(|(r, x)| format!("({r}, {x})"))
                    .collect::<Vec<_>>(),
            )
        };
        let asg = indexed(s.agents.iter().map(|a| a.to_string()).collect());
        let tms = indexed(s.teams.iter().map(|a| a.to_string()).collect());
        let lbl = indexed(s.labels.iter().map(|l| quote(l)).collect());
        let cust = indexed(CUSTOMER_LINES.iter().map(|l| quote(l)).collect());
        let agl = indexed(AGENT_LINES.iter().map(|l| quote(l)).collect());
        let (na, nt, nl) = (s.agents.len(), s.teams.len(), s.labels.len());
        let (nc, nr) = (CUSTOMER_LINES.len(), AGENT_LINES.len());
        const MIN: i64 = 60_000;
        let backlog_ms = 2 * 86_400_000;

        // $1, $2: the chunk's ordinals.
        let n = "WITH RECURSIVE n(i) AS (
                 SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)";
        let contacts_sql = format!(
            "{n}
             INSERT INTO contacts (id, wa_id, name, created_at, updated_at)
             SELECT {cbase} + i, CAST(4915000000000 + i AS TEXT),
                    'Customer ' || CAST(i AS TEXT), {start}, {start}
             FROM n",
            start = s.now - backlog_ms - s.span_ms,
        );
        // Each ticket's facts, from its ordinal.
        let facts = format!(
            "{n},
             asg(r, id) AS (VALUES {asg}),
             tms(r, id) AS (VALUES {tms}),
             cust(r, line) AS (VALUES {cust}),
             f AS (
                 SELECT i, i >= {history} AS backlog, (i * 2654435761) % 100 AS h1,
                        (i * 40503 + 7) % 1000 AS h2,
                        CASE WHEN i >= {history}
                             THEN {now} - {backlog_ms} + (i - {history}) * {backlog_ms} / {openn}
                             ELSE {now} - {backlog_ms} - {span} + i * {span} / {histn} END AS created
                 FROM n),
             g AS (
                 SELECT f.*,
                        CASE WHEN NOT f.backlog THEN
                                 CASE WHEN f.i % 8 = 0 THEN 'resolved' ELSE 'closed' END
                             WHEN f.i % 10 < 3 THEN 'new'
                             WHEN f.i % 10 < 5 THEN 'assigned'
                             WHEN f.i % 10 < 9 THEN 'in_progress'
                             ELSE 'pending' END AS status,
                        CASE WHEN f.h1 < 5 THEN 'urgent' WHEN f.h1 < 20 THEN 'high'
                             WHEN f.h1 < 75 THEN 'medium' ELSE 'low' END AS priority,
                        f.created + (f.h2 % 50 + 1) * {MIN} AS last_at
                 FROM f)",
            now = s.now,
            span = s.span_ms,
            openn = open.max(1),
            histn = history.max(1),
        );
        let tickets_sql = format!(
            "{facts}
             INSERT INTO tickets (id, contact_id, phone_number_id, status, priority, assignee_id,
                    team_id, last_message_preview, last_message_at, last_inbound_at,
                    first_response_at, resolved_at, closed_at, created_at, updated_at, routed_at,
                    language, sla_elapsed_ms, sla_running_since, sla_first_response_warn_at,
                    sla_first_response_due, sla_resolution_warn_at, sla_resolution_due,
                    sla_source, sla_dirty)
             SELECT {tbase} + g.i, {cbase} + g.i % {contacts}, '106540352242922', g.status,
                    g.priority,
                    CASE WHEN g.status = 'new' THEN NULL ELSE asg.id END,
                    tms.id, cust.line, g.last_at, g.created,
                    CASE WHEN g.status = 'new' THEN NULL ELSE g.created + 5 * {MIN} END,
                    CASE WHEN g.status IN ('resolved', 'closed') THEN g.last_at + 30 * {MIN} END,
                    CASE WHEN g.status = 'closed' THEN g.last_at + 90 * {MIN} END,
                    g.created, g.last_at, g.created, 'en', 0,
                    CASE WHEN g.backlog AND g.status <> 'pending' THEN g.created END,
                    CASE WHEN g.status = 'new' THEN g.created + 48 * {MIN} END,
                    CASE WHEN g.status = 'new' THEN g.created + 60 * {MIN} END,
                    CASE WHEN g.backlog AND g.status <> 'pending' THEN g.created + 1152 * {MIN} END,
                    CASE WHEN g.backlog AND g.status <> 'pending' THEN g.created + 1440 * {MIN} END,
                    'seed', 0
             FROM g
             JOIN asg ON asg.r = (g.i / 10) % {na}
             JOIN tms ON tms.r = g.i % {nt}
             JOIN cust ON cust.r = (g.i * 13) % {nc}"
        );
        let labels_sql = format!(
            "{n},
             lbl(r, label) AS (VALUES {lbl}),
             k(nth) AS (VALUES (0), (1))
             INSERT INTO ticket_labels (ticket_id, label)
             SELECT {tbase} + n.i, lbl.label
             FROM n JOIN k ON (n.i * 7919) % 100 < CASE k.nth WHEN 0 THEN 30 ELSE 10 END
             JOIN lbl ON lbl.r = ((n.i * 31) + k.nth * 7) % {nl}"
        );
        let messages_sql = format!(
            "{n},
             cust(r, line) AS (VALUES {cust}),
             agl(r, line) AS (VALUES {agl}),
             k(nth) AS (VALUES (0), (1))
             INSERT INTO messages (ticket_id, direction, type, text, content, wa_message_id,
                    status, author_id, sent_at, created_at, updated_at)
             SELECT t.id, CASE k.nth WHEN 0 THEN 'inbound' ELSE 'outbound' END, 'text',
                    CASE k.nth WHEN 0 THEN cust.line || ', order ' || CAST(100000 + n.i AS TEXT)
                         ELSE agl.line || ' (order ' || CAST(100000 + n.i AS TEXT) || ')' END,
                    '{{}}', 'wamid.seed.' || CAST(n.i AS TEXT) || '.' || CAST(k.nth AS TEXT),
                    CASE k.nth WHEN 0 THEN NULL ELSE 'read' END,
                    CASE k.nth WHEN 0 THEN NULL ELSE t.assignee_id END,
                    CASE k.nth WHEN 0 THEN t.created_at ELSE t.first_response_at END,
                    t.created_at, t.created_at
             FROM n JOIN tickets t ON t.id = {tbase} + n.i
             JOIN k ON k.nth = 0 OR t.first_response_at IS NOT NULL
             JOIN cust ON cust.r = (n.i * 13) % {nc}
             JOIN agl ON agl.r = (n.i * 5) % {nr}
             ORDER BY t.id, k.nth"
        );

        let mut out = SeededInbox::default();
        let chunk = s.chunk.max(1);
        let run = |sql: &String, lo: i64, hi: i64| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(lo)
                .bind(hi)
        };
        let mut lo = 0;
        while lo < contacts {
            let hi = (lo + chunk).min(contacts);
            let mut tx = self.begin_write().await?;
            out.contacts += run(&contacts_sql, lo, hi)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            tx.commit().await?;
            lo = hi;
        }
        let mut lo = 0;
        while lo < s.tickets {
            let hi = (lo + chunk).min(s.tickets);
            let mut tx = self.begin_write().await?;
            out.tickets += run(&tickets_sql, lo, hi)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            out.labels += run(&labels_sql, lo, hi)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            out.messages += run(&messages_sql, lo, hi)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            tx.commit().await?;
            lo = hi;
        }
        self.catch_up_id_sequences(&["contacts", "tickets"]).await?;
        // The server's indexer would get there too; a benchmark should not
        // measure searches that are still catching up.
        while self.index_search(200_000).await? > 0 {}
        if self.backend == crate::Backend::Postgres {
            // What autovacuum would do shortly after such a load (insert-driven
            // vacuums set the visibility map, so counts are index-only). SQLite gets
            // no statistics: a Parley server never runs ANALYZE there, so the
            // benchmark sees the plans a real store gets.
            self.execute_raw("VACUUM (ANALYZE)").await?;
        }
        Ok(out)
    }
}
