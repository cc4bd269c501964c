//! The inbox's ticket lists: filters, four sort orders, keyset pages and
//! the per-view counts.
//!
//! Every page is one or two indexed range scans, whatever the store's size:
//! the cursor is the last row's sort key (never an offset), and labels and
//! CSAT for a page are loaded with one query each, not one per row. The open
//! views use the partial indexes of migration 0006, which hold only open
//! tickets; their WHERE clause is [`OPEN_STATUSES_SQL`] word for word.
//! Statuses and priorities are written into the SQL as literals (they come
//! from closed enums, never from the request text) so that the planner sees
//! them when it picks an index.

use crate::tickets::{TICKET_SELECT, ticket_from_row};
use crate::{Page, Result, Store, StoreError, Ticket};
use parley_core::{Priority, TicketStatus};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::str::FromStr;

/// The open statuses, as migration 0006's partial indexes ask for them.
pub const OPEN_STATUSES_SQL: &str = "t.is_open = 1";

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketSort {
    /// Latest activity first.
    #[default]
    Activity,
    /// The soonest pending SLA deadline first (breached ones, due in the
    /// past, lead); tickets with no pending deadline follow, latest activity
    /// first.
    SlaDue,
    /// Urgent first, then high, medium, low; latest activity first within one.
    Priority,
    /// Oldest ticket first (by creation): who has waited longest.
    Oldest,
}

impl TicketSort {
    pub const ALL: [TicketSort; 4] = [
        TicketSort::Activity,
        TicketSort::SlaDue,
        TicketSort::Priority,
        TicketSort::Oldest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketSort::Activity => "activity",
            TicketSort::SlaDue => "sla",
            TicketSort::Priority => "priority",
            TicketSort::Oldest => "oldest",
        }
    }
}

impl FromStr for TicketSort {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        TicketSort::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "sort must be activity, sla, priority or oldest, not {s:?}"
                ))
            })
    }
}

/// Which tickets to list. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub statuses: Option<Vec<TicketStatus>>,
    /// `Some(None)`: unassigned only; `Some(Some(id))`: that agent's.
    pub assignee: Option<Option<i64>>,
    pub team_id: Option<i64>,
    pub priority: Option<Priority>,
    pub label: Option<String>,
    pub contact_id: Option<i64>,
    /// Only tickets whose earliest pending SLA warning has passed (warning
    /// or breached).
    pub sla_at_risk: bool,
    /// Only tickets whose notes mention this agent.
    pub mentioned: Option<i64>,
    /// With `mentioned`: only tickets with a mention the agent has not read.
    pub mention_unread: bool,
    pub sort: TicketSort,
    pub limit: i64,
    pub cursor: Option<String>,
}

impl TicketFilter {
    /// Every open ticket, in the default order: the base of the inbox's live views.
    pub fn open() -> TicketFilter {
        TicketFilter {
            statuses: Some(TicketStatus::open_statuses()),
            ..Default::default()
        }
    }
}

/// Where the previous page ended, in the terms of its sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Activity {
        at: i64,
        id: i64,
    },
    Oldest {
        created: i64,
        id: i64,
    },
    Priority {
        rank: i64,
        at: i64,
        id: i64,
    },
    /// Among the tickets with a pending deadline.
    SlaDue {
        due: i64,
        id: i64,
    },
    /// Past them, among those without one (by activity).
    SlaNone {
        at: i64,
        id: i64,
    },
}

impl Cursor {
    fn parse(s: &str, sort: TicketSort) -> Result<Cursor> {
        let bad = || {
            StoreError::Invalid(format!(
                "invalid cursor {s:?} for sort {}: pass back next_cursor from a page of the same \
                 sort",
                sort.as_str()
            ))
        };
        let (tag, rest) = match s.as_bytes().first() {
            Some(b) if b.is_ascii_lowercase() => (Some(&s[..1]), &s[1..]),
            _ => (None, s),
        };
        let nums = rest
            .split('.')
            .map(|p| p.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<Vec<_>>>()?;
        let c = match (sort, tag, nums.as_slice()) {
            (TicketSort::Activity, None, &[at, id]) => Cursor::Activity { at, id },
            (TicketSort::Oldest, Some("o"), &[created, id]) => Cursor::Oldest { created, id },
            (TicketSort::Priority, Some("p"), &[rank, at, id]) => Cursor::Priority { rank, at, id },
            (TicketSort::SlaDue, Some("s"), &[due, id]) => Cursor::SlaDue { due, id },
            (TicketSort::SlaDue, Some("n"), &[at, id]) => Cursor::SlaNone { at, id },
            _ => return Err(bad()),
        };
        Ok(c)
    }

    /// The cursor after a listed row, under `sort`. The sort keys are read
    /// as the database computed them (the generated columns), so a cursor
    /// can never disagree with the order it continues.
    fn after_row(row: &AnyRow, sort: TicketSort) -> Result<Cursor> {
        let id: i64 = row.try_get("id")?;
        let at: i64 = row.try_get("last_message_at")?;
        Ok(match sort {
            TicketSort::Activity => Cursor::Activity { at, id },
            TicketSort::Oldest => Cursor::Oldest {
                created: row.try_get("created_at")?,
                id,
            },
            TicketSort::Priority => Cursor::Priority {
                rank: row.try_get("k_rank")?,
                at,
                id,
            },
            TicketSort::SlaDue => match row.try_get::<Option<i64>, _>("k_due")? {
                Some(due) => Cursor::SlaDue { due, id },
                None => Cursor::SlaNone { at, id },
            },
        })
    }

    fn encode(self) -> String {
        match self {
            Cursor::Activity { at, id } => format!("{at}.{id}"),
            Cursor::Oldest { created, id } => format!("o{created}.{id}"),
            Cursor::Priority { rank, at, id } => format!("p{rank}.{at}.{id}"),
            Cursor::SlaDue { due, id } => format!("s{due}.{id}"),
            Cursor::SlaNone { at, id } => format!("n{at}.{id}"),
        }
    }
}

/// The open set as [`OPEN_STATUSES_SQL`], any other as `t.status IN (…)`.
fn statuses_sql(statuses: &[TicketStatus]) -> String {
    if TicketStatus::ALL
        .iter()
        .all(|s| s.is_open() == statuses.contains(s))
    {
        return OPEN_STATUSES_SQL.into();
    }
    let list: Vec<String> = TicketStatus::ALL
        .iter()
        .filter(|s| statuses.contains(s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    if list.is_empty() {
        // Nothing asked for matches nothing.
        return "1 = 0".into();
    }
    format!("t.status IN ({})", list.join(", "))
}

enum Bind {
    Int(i64),
    Text(String),
}

/// A WHERE clause under construction, with `$N` placeholders numbered as
/// values are added.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn int(&mut self, v: i64) -> String {
        self.binds.push(Bind::Int(v));
        format!("${}", self.binds.len())
    }

    fn text(&mut self, v: String) -> String {
        self.binds.push(Bind::Text(v));
        format!("${}", self.binds.len())
    }

    fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn query(self, sql: String) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in self.binds {
            q = match b {
                Bind::Int(i) => q.bind(i),
                Bind::Text(s) => q.bind(s),
            };
        }
        q
    }

    /// The filter's conditions, everything but sort and cursor. `list`: for
    /// a page rather than a count. At risk, a page filters the view's own
    /// order index instead of reading a range of the warning index: most open
    /// tickets of a busy desk can be at risk at once, and PostgreSQL, whose
    /// estimate of how many comes from statistics older than the clock,
    /// would read and sort them all to return 50. The unary `+` keeps both
    /// engines off that index; a count still uses it.
    fn filter(f: &TicketFilter, now: i64, list: bool) -> Where {
        let mut w = Where::default();
        if let Some(statuses) = &f.statuses {
            w.push(statuses_sql(statuses));
        }
        match f.assignee {
            Some(None) => w.push("t.assignee_id IS NULL".into()),
            Some(Some(id)) => {
                let p = w.int(id);
                w.push(format!("t.assignee_id = {p}"));
            }
            None => {}
        }
        if let Some(team) = f.team_id {
            let p = w.int(team);
            w.push(format!("t.team_id = {p}"));
        }
        if let Some(p) = f.priority {
            // A literal, like the statuses: the priority indexes then apply.
            w.push(format!("t.priority = '{}'", p.as_str()));
        }
        if let Some(label) = &f.label {
            let p = w.text(label.clone());
            w.push(format!(
                "EXISTS (SELECT 1 FROM ticket_labels l WHERE l.ticket_id = t.id AND l.label = {p})"
            ));
        }
        if let Some(c) = f.contact_id {
            let p = w.int(c);
            w.push(format!("t.contact_id = {p}"));
        }
        if let Some(agent) = f.mentioned {
            let p = w.int(agent);
            let unread = if f.mention_unread {
                " AND mn.read_at IS NULL"
            } else {
                ""
            };
            w.push(format!(
                // From the agent's mentions to their tickets: as `EXISTS`,
                // SQLite walked every ticket and probed the mentions of each
                // (58 ms for the mentions badge on 200,000 tickets; 1 ms this way).
                "t.id IN (SELECT mn.ticket_id FROM mentions mn WHERE mn.agent_id = {p}{unread})"
            ));
        }
        if f.sla_at_risk {
            let p = w.int(now);
            let col = if list {
                "+t.sla_warn_at"
            } else {
                "t.sla_warn_at"
            };
            w.push(format!("{col} <= {p}"));
        }
        w
    }
}

impl Store {
    /// One keyset page of tickets; see [`TicketFilter`] and [`TicketSort`].
    pub async fn list_tickets(&self, filter: &TicketFilter, now: i64) -> Result<Page<Ticket>> {
        let limit = filter.limit.clamp(1, 200);
        let cursor = filter
            .cursor
            .as_deref()
            .map(|c| Cursor::parse(c, filter.sort))
            .transpose()?;
        let mut items = match filter.sort {
            TicketSort::SlaDue => {
                // Two ranges: the pending deadlines in order, then the rest.
                let mut items = Vec::new();
                if !matches!(cursor, Some(Cursor::SlaNone { .. })) {
                    items = self
                        .list_range(filter, now, cursor, Phase::SlaDue, limit + 1)
                        .await?;
                }
                if (items.len() as i64) <= limit {
                    let from = match cursor {
                        Some(c @ Cursor::SlaNone { .. }) => Some(c),
                        _ => None,
                    };
                    let rest = limit + 1 - items.len() as i64;
                    items.extend(
                        self.list_range(filter, now, from, Phase::SlaNone, rest)
                            .await?,
                    );
                }
                items
            }
            _ => {
                self.list_range(filter, now, cursor, Phase::Single, limit + 1)
                    .await?
            }
        };
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|(_, c)| c.encode())
        } else {
            None
        };
        let mut items: Vec<Ticket> = items.into_iter().map(|(t, _)| t).collect();
        self.fill_labels(&mut items).await?;
        self.fill_csat(&mut items).await?;
        Ok(Page { items, next_cursor })
    }

    async fn list_range(
        &self,
        filter: &TicketFilter,
        now: i64,
        cursor: Option<Cursor>,
        phase: Phase,
        limit: i64,
    ) -> Result<Vec<(Ticket, Cursor)>> {
        let (sql, w) = range_query(self.backend(), filter, now, cursor, phase, limit);
        let rows = w.query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((ticket_from_row(r, now)?, Cursor::after_row(r, filter.sort)?)))
            .collect()
    }

    /// The database's plan for a list's first page (SQLite's `EXPLAIN QUERY
    /// PLAN` details, PostgreSQL's `EXPLAIN` lines): the benchmark prints it
    /// and a test checks the open views use their indexes.
    pub async fn explain_ticket_list(
        &self,
        filter: &TicketFilter,
        now: i64,
    ) -> Result<Vec<String>> {
        let phase = match filter.sort {
            TicketSort::SlaDue => Phase::SlaDue,
            _ => Phase::Single,
        };
        let (sql, w) = range_query(
            self.backend(),
            filter,
            now,
            None,
            phase,
            filter.limit.clamp(1, 200) + 1,
        );
        let rows = match self.backend() {
            crate::Backend::Sqlite => w
                .query(format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("detail"))
                .collect::<std::result::Result<Vec<_>, _>>()?,
            crate::Backend::Postgres => w
                .query(format!("EXPLAIN {sql}"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<std::result::Result<Vec<_>, _>>()?,
        };
        Ok(rows)
    }

    /// Open tickets per team (teams without any are absent), each count
    /// capped at `cap`: one pass over the open tickets' team index for the
    /// supervisor's queue badges, instead of one count per team.
    pub async fn count_open_by_team(
        &self,
        cap: i64,
    ) -> Result<std::collections::HashMap<i64, i64>> {
        let sql = format!(
            "SELECT t.team_id, COUNT(*) FROM tickets t WHERE {OPEN_STATUSES_SQL} AND t.team_id IS NOT NULL GROUP BY t.team_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?.min(cap))))
            .collect()
    }

    /// How many tickets a filter matches, counting no further than `cap`
    /// (a view's badge says "cap+" beyond it, and counting stays cheap).
    pub async fn count_tickets(&self, filter: &TicketFilter, now: i64, cap: i64) -> Result<i64> {
        let mut w = Where::filter(filter, now, false);
        let lim = w.int(cap.max(1));
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tickets t{} LIMIT {lim}) capped",
            w.sql()
        );
        Ok(w.query(sql).fetch_one(&self.pool).await?.try_get(0)?)
    }
}

/// The SQL of one index range of a list, and its values.
fn range_query(
    backend: crate::Backend,
    filter: &TicketFilter,
    now: i64,
    cursor: Option<Cursor>,
    phase: Phase,
    limit: i64,
) -> (String, Where) {
    let mut w = Where::filter(filter, now, true);
    // Row-value comparisons: both engines turn them into index ranges.
    let order = match (filter.sort, phase) {
        (TicketSort::SlaDue, Phase::SlaDue) => {
            w.push("t.sla_due_at IS NOT NULL".into());
            "t.sla_due_at, t.id"
        }
        (TicketSort::SlaDue, _) => {
            w.push("t.sla_due_at IS NULL".into());
            "t.last_message_at DESC, t.id DESC"
        }
        (TicketSort::Activity, _) => "t.last_message_at DESC, t.id DESC",
        (TicketSort::Priority, _) => "t.priority_rank DESC, t.last_message_at DESC, t.id DESC",
        (TicketSort::Oldest, _) => "t.created_at, t.id",
    };
    match cursor {
        None => {}
        Some(Cursor::Activity { at, id }) | Some(Cursor::SlaNone { at, id }) => {
            let (a, b) = (w.int(at), w.int(id));
            w.push(format!("(t.last_message_at, t.id) < ({a}, {b})"));
        }
        Some(Cursor::Oldest { created, id }) => {
            let (a, b) = (w.int(created), w.int(id));
            w.push(format!("(t.created_at, t.id) > ({a}, {b})"));
        }
        Some(Cursor::Priority { rank, at, id }) => {
            let (r, a, b) = (w.int(rank), w.int(at), w.int(id));
            w.push(format!(
                "(t.priority_rank, t.last_message_at, t.id) < ({r}, {a}, {b})"
            ));
        }
        Some(Cursor::SlaDue { due, id }) => {
            let (a, b) = (w.int(due), w.int(id));
            w.push(format!("(t.sla_due_at, t.id) > ({a}, {b})"));
        }
    }
    let lim = w.int(limit);
    let sql = match backend {
        crate::Backend::Sqlite => {
            format!("{TICKET_SELECT}{} ORDER BY {order} LIMIT {lim}", w.sql())
        }
        // The page's ids first, from the tickets alone, then the joins on
        // those few rows. Joined in one query, PostgreSQL sized the join by
        // its estimate of the rows left after a cursor, which can be off a
        // thousandfold (8 expected, 17,000 there): it hash-joined and sorted
        // them all, 50 ms for page 20 where the index walk takes 0.2.
        crate::Backend::Postgres => format!(
            "{TICKET_SELECT} WHERE t.id IN (SELECT t.id FROM tickets t{} ORDER BY {order} LIMIT {lim}) ORDER BY {order}",
            w.sql()
        ),
    };
    (sql, w)
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Single,
    SlaDue,
    SlaNone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_statuses_come_out_as_the_index_spells_them() {
        let mut open = TicketStatus::open_statuses();
        open.reverse();
        assert_eq!(statuses_sql(&open), OPEN_STATUSES_SQL);
        assert_eq!(statuses_sql(&[]), "1 = 0");
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        let cases = [
            (TicketSort::Activity, Cursor::Activity { at: 5, id: 7 }),
            (TicketSort::Oldest, Cursor::Oldest { created: -3, id: 1 }),
            (
                TicketSort::Priority,
                Cursor::Priority {
                    rank: 3,
                    at: 9,
                    id: 2,
                },
            ),
            (TicketSort::SlaDue, Cursor::SlaDue { due: 11, id: 4 }),
            (TicketSort::SlaDue, Cursor::SlaNone { at: 12, id: 5 }),
        ];
        for (sort, c) in cases {
            assert_eq!(Cursor::parse(&c.encode(), sort).unwrap(), c);
            for other in TicketSort::ALL.into_iter().filter(|s| *s != sort) {
                assert!(
                    Cursor::parse(&c.encode(), other).is_err(),
                    "{c:?} as {other:?}"
                );
            }
        }
        for bad in ["", "garbage", "1", "1.2.3", "s1", "x1.2", "p1.2"] {
            for sort in TicketSort::ALL {
                assert!(Cursor::parse(bad, sort).is_err(), "{bad:?} {sort:?}");
            }
        }
    }
}
