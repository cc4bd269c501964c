//! Bulk seeding and checks for benchmarks (`parley bench sla`). Not used by
//! the server, and not for real data: the rows are synthetic.
//!
//! [`Store::seed_open_tickets`] writes open tickets, each with its own
//! contact, whose SLA columns and timers are exactly what [`crate::sla`]
//! would have written for a new ticket under the desk configuration in force
//! (so a later refresh of their deadlines changes nothing). It generates the
//! rows in SQL (a recursive CTE per chunk of tickets, one transaction each),
//! which seeds a million tickets in well under a minute on SQLite.

use crate::{Result, Store, StoreError};
use parley_core::desk::{SlaInput, TimerKind};
use parley_core::sla::SlaClock;
use parley_core::{Priority, TicketStatus};

/// What [`Store::seed_open_tickets`] writes.
#[derive(Debug, Clone)]
pub struct SeedTickets {
    /// Tickets to write, each with a contact of its own.
    pub tickets: i64,
    /// The clock. Ordinary tickets were created in the ten minutes before it.
    pub now: i64,
    /// `None`: an ordinary backlog (medium and low priority, a quarter
    /// already answered) whose timers all fall due long after `now`.
    /// `Some`: a burst, see [`SeedBurst`].
    pub burst: Option<SeedBurst>,
    /// Answered tickets are assigned to these agents in turn (none: left
    /// unassigned).
    pub assignees: Vec<i64>,
    /// Tickets per transaction.
    pub chunk: i64,
}

/// Tickets each of which has one SLA timer falling due inside
/// `[start, start + span_ms)`, evenly spread over it: in turn a first-response
/// warning (high priority), a first-response breach (high priority; its
/// warning fell due earlier and already fired, with its audit row) and a
/// resolution warning (urgent priority, already answered).
#[derive(Debug, Clone, Copy)]
pub struct SeedBurst {
    pub start: i64,
    pub span_ms: i64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub contacts: i64,
    pub tickets: i64,
    pub timers: i64,
    /// Timers written as already fired (due before `now`), each with its
    /// `sla_warning` audit row.
    pub already_fired: i64,
}

/// A timer fired, as the checks see it.
#[derive(Debug, Clone)]
pub struct TimerRow {
    pub ticket_id: i64,
    pub kind: String,
    pub due_at: i64,
    pub fired_at: Option<i64>,
}

/// The order of [`Class::offsets`].
const KINDS: [TimerKind; 5] = [
    TimerKind::FirstResponseWarning,
    TimerKind::FirstResponseBreach,
    TimerKind::ResolutionWarning,
    TimerKind::ResolutionBreach,
    TimerKind::Escalate,
];

/// One kind of seeded ticket: its SLA plan relative to its creation.
struct Class {
    priority: Priority,
    status: TicketStatus,
    responded: bool,
    /// Due time of each of [`KINDS`] after creation; `None`: no such timer.
    offsets: [Option<i64>; 5],
    source: String,
    /// Which of `offsets` lands on the ticket's point in the burst window
    /// (ordinary tickets: none, created at their point).
    anchor: Option<usize>,
}

impl Class {
    fn new(
        store: &Store,
        priority: Priority,
        responded: bool,
        anchor: Option<TimerKind>,
    ) -> Result<Class> {
        let desk = store.desk();
        let status = if responded {
            TicketStatus::InProgress
        } else {
            TicketStatus::New
        };
        let plan_at = |created: i64| {
            desk.plan_sla(
                &SlaInput {
                    status,
                    priority,
                    team: None,
                    segment: None,
                    vip: false,
                    first_response_done: responded,
                    created_at: created,
                    planned_before: false,
                    clock: SlaClock::default(),
                },
                created,
            )
        };
        let offsets_at = |created: i64| {
            let plan = plan_at(created);
            let mut offsets = [None; 5];
            for (kind, due) in plan.timers() {
                let Some(i) = KINDS.iter().position(|k| *k == kind) else {
                    return Err(StoreError::Invalid(format!(
                        "seeding does not write {kind} timers"
                    )));
                };
                offsets[i] = Some(due - created);
            }
            Ok((offsets, plan.source))
        };
        // A policy counted in business hours has no fixed offsets; the SQL
        // below needs them.
        let base = 1_700_000_000_000;
        let (offsets, source) = offsets_at(base)?;
        for shift in [3 * 86_400_000 + 12_345, 86_400_000 / 3 + 7] {
            if offsets_at(base + shift)?.0 != offsets {
                return Err(StoreError::Invalid(
                    "seeding needs an SLA policy counted around the clock (no business hours)"
                        .into(),
                ));
            }
        }
        let anchor = match anchor {
            Some(kind) => Some(
                KINDS
                    .iter()
                    .position(|k| *k == kind)
                    .filter(|&i| offsets[i].is_some())
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("the SLA policy plans no {kind} timer"))
                    })?,
            ),
            None => None,
        };
        Ok(Class {
            priority,
            status,
            responded,
            offsets,
            source,
            anchor,
        })
    }

    fn anchor_ms(&self) -> i64 {
        self.anchor.and_then(|i| self.offsets[i]).unwrap_or(0)
    }

    /// Timers due up to `early_ms` before the ticket's point are written as
    /// fired; only warnings may be, since a fired breach or escalation would
    /// have changed the ticket.
    fn check_already_fired(&self, early_ms: i64) -> Result<()> {
        for (i, o) in self.offsets.iter().enumerate() {
            let Some(o) = o else { continue };
            let warning = matches!(
                KINDS[i],
                TimerKind::FirstResponseWarning | TimerKind::ResolutionWarning
            );
            let before = self.anchor_ms() - o;
            if before >= 0 && before <= early_ms && Some(i) != self.anchor && !warning {
                return Err(StoreError::Invalid(format!(
                    "a seeded {} ticket would have fired its {} timer already",
                    self.priority, KINDS[i]
                )));
            }
        }
        Ok(())
    }

    fn sql_row(&self, c: usize) -> String {
        let n = |o: Option<i64>| o.map_or("NULL".to_string(), |v| v.to_string());
        format!(
            "({c}, '{}', '{}', {}, {}, {}, {}, {}, {}, '{}', {})",
            self.priority.as_str(),
            self.status.as_str(),
            i64::from(self.responded),
            n(self.offsets[0]),
            n(self.offsets[1]),
            n(self.offsets[2]),
            n(self.offsets[3]),
            n(self.offsets[4]),
            self.source.replace('\'', "''"),
            self.anchor_ms()
        )
    }
}

/// The backlog is created over this span before `now`, ending a minute before.
const BACKLOG_AGE_MS: i64 = 600_000;

impl Store {
    /// Writes open tickets for a benchmark; see [`SeedTickets`]. Uses the
    /// desk configuration in force for the SLA plans (it must count SLA time
    /// around the clock). Ids continue after the existing rows.
    pub async fn seed_open_tickets(&self, s: &SeedTickets) -> Result<Seeded> {
        if s.tickets <= 0 {
            return Ok(Seeded::default());
        }
        // Each ticket's class is pattern[i % pattern.len()].
        let (classes, pattern, a, b) = match s.burst {
            None => {
                let classes = vec![
                    Class::new(self, Priority::Medium, false, None)?,
                    Class::new(self, Priority::Medium, true, None)?,
                    Class::new(self, Priority::Low, false, None)?,
                    Class::new(self, Priority::Low, true, None)?,
                ];
                // 70% medium, 30% low; a quarter answered.
                let pattern: Vec<usize> = (0..20)
                    .map(|i| usize::from(i % 4 == 0) + if i % 10 < 7 { 0 } else { 2 })
                    .collect();
                // Created from BACKLOG_AGE_MS to a minute before now.
                (
                    classes,
                    pattern,
                    s.now - BACKLOG_AGE_MS,
                    BACKLOG_AGE_MS - 60_000,
                )
            }
            Some(burst) => {
                if burst.start <= s.now || burst.span_ms <= 0 {
                    return Err(StoreError::Invalid(
                        "a burst must fall due after now, over a positive span".into(),
                    ));
                }
                let classes = vec![
                    Class::new(
                        self,
                        Priority::High,
                        false,
                        Some(TimerKind::FirstResponseWarning),
                    )?,
                    Class::new(
                        self,
                        Priority::High,
                        false,
                        Some(TimerKind::FirstResponseBreach),
                    )?,
                    Class::new(
                        self,
                        Priority::Urgent,
                        true,
                        Some(TimerKind::ResolutionWarning),
                    )?,
                ];
                (classes, vec![0, 1, 2], burst.start, burst.span_ms)
            }
        };
        for c in &classes {
            match s.burst {
                // Every earlier timer may have fallen due already.
                Some(_) => c.check_already_fired(i64::MAX)?,
                None => {
                    if let Some(o) = c.offsets.iter().flatten().find(|o| **o <= BACKLOG_AGE_MS) {
                        return Err(StoreError::Invalid(format!(
                            "a backlog {} ticket has a timer due {o} ms after creation, \
                             within the backlog's age",
                            c.priority
                        )));
                    }
                }
            }
        }
        let pat = pattern
            .iter()
            .enumerate()
            .map(|(r, c)| format!("({r}, {c})"))
            .collect::<Vec<_>>()
            .join(", ");
        let cls = classes
            .iter()
            .enumerate()
            .map(|(i, c)| c.sql_row(i))
            .collect::<Vec<_>>()
            .join(", ");
        let asg = if s.assignees.is_empty() {
            "(0, CAST(NULL AS BIGINT))".to_string()
        } else {
            s.assignees
                .iter()
                .enumerate()
                .map(|(r, id)| format!("({r}, {id})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // $1, $2: the chunk's ordinals; $3 + i * $4 / $5: the ticket's point
        // in time (creation, or its timer's due time in a burst).
        let with = format!(
            "WITH RECURSIVE n(i) AS (
                 SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2),
             pat(r, c) AS (VALUES {pat}),
             cls(c, priority, status, responded, frw, frd, rw, rd, esc, source, anchor) AS (VALUES {cls}),
             asg(r, id) AS (VALUES {asg}),
             s AS (
                 SELECT n.i, cls.priority, cls.status, cls.responded, cls.frw, cls.frd, cls.rw,
                        cls.rd, cls.esc, cls.source,
                        CAST($3 AS BIGINT) + n.i * $4 / $5 - cls.anchor AS created,
                        asg.id AS assignee
                 FROM n JOIN pat ON pat.r = n.i % {p}
                 JOIN cls ON cls.c = pat.c
                 LEFT JOIN asg ON cls.responded = 1 AND asg.r = n.i % {k})",
            p = pattern.len(),
            k = s.assignees.len().max(1),
        );
        let contacts_sql = format!(
            "{with}
             INSERT INTO contacts (id, wa_id, name, created_at, updated_at)
             SELECT $6 + s.i, CAST(15550000000 + $6 + s.i AS TEXT),
                    'Seeded customer ' || CAST($6 + s.i AS TEXT), s.created, s.created
             FROM s"
        );
        let tickets_sql = format!(
            "{with}
             INSERT INTO tickets (id, contact_id, phone_number_id, status, priority, assignee_id,
                    last_message_preview, last_message_at, last_inbound_at, first_response_at,
                    created_at, updated_at, routed_at, language, sla_elapsed_ms, sla_running_since,
                    sla_first_response_warn_at, sla_first_response_due, sla_resolution_warn_at,
                    sla_resolution_due, sla_escalate_at, sla_source, sla_dirty)
             SELECT $7 + s.i, $6 + s.i, $8, s.status, s.priority, s.assignee,
                    'Hello, my order has not arrived yet, can you help?',
                    s.created + 30000 * s.responded, s.created,
                    CASE WHEN s.responded = 1 THEN s.created + 30000 END,
                    s.created, s.created + 30000 * s.responded, s.created + 100, 'en', 0, s.created,
                    s.created + s.frw, s.created + s.frd, s.created + s.rw, s.created + s.rd,
                    s.created + s.esc, s.source, 0
             FROM s"
        );
        let kinds = KINDS
            .iter()
            .enumerate()
            .map(|(i, k)| format!("({i}, '{}')", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        // The order sla.rs writes them in: per ticket, all its timers.
        let timers_sql = format!(
            "WITH k(ord, kind) AS (VALUES {kinds}),
             d AS (
                 SELECT t.id AS ticket_id, k.ord, k.kind, t.created_at,
                        CASE k.ord WHEN 0 THEN t.sla_first_response_warn_at
                                   WHEN 1 THEN t.sla_first_response_due
                                   WHEN 2 THEN t.sla_resolution_warn_at
                                   WHEN 3 THEN t.sla_resolution_due
                                   ELSE t.sla_escalate_at END AS due_at
                 FROM tickets t CROSS JOIN k WHERE t.id >= $1 AND t.id < $2)
             INSERT INTO timers (ticket_id, kind, due_at, fired_at, created_at)
             SELECT ticket_id, kind, due_at,
                    CASE WHEN due_at <= $3 THEN due_at + 150 END, created_at
             FROM d WHERE due_at IS NOT NULL ORDER BY ticket_id, ord"
        );
        // What fire_due_timers writes for a warning.
        let audit_sql = "INSERT INTO audit_log (ticket_id, contact_id, action, detail, created_at)
             SELECT tm.ticket_id, t.contact_id, 'sla_warning',
                    '{\"due_at\":' || CAST(CASE WHEN tm.kind = 'sla.first_response.warning'
                        THEN t.sla_first_response_due ELSE t.sla_resolution_due END AS TEXT)
                    || ',\"target\":\"' || CASE WHEN tm.kind = 'sla.first_response.warning'
                        THEN 'first_response' ELSE 'resolution' END || '\"}',
                    tm.fired_at
             FROM timers tm JOIN tickets t ON t.id = tm.ticket_id
             WHERE tm.ticket_id >= $1 AND tm.ticket_id < $2 AND tm.fired_at IS NOT NULL";

        let (cbase, tbase) = (
            self.next_id("contacts").await?,
            self.next_id("tickets").await?,
        );
        let chunk = s.chunk.max(1);
        let mut out = Seeded::default();
        let mut lo = 0;
        while lo < s.tickets {
            let hi = (lo + chunk).min(s.tickets);
            let mut tx = self.begin_write().await?;
            out.contacts += sqlx::query(sqlx::AssertSqlSafe(contacts_sql.clone()))
                .bind(lo)
                .bind(hi)
                .bind(a)
                .bind(b)
                .bind(s.tickets)
                .bind(cbase)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            out.tickets += sqlx::query(sqlx::AssertSqlSafe(tickets_sql.clone()))
                .bind(lo)
                .bind(hi)
                .bind(a)
                .bind(b)
                .bind(s.tickets)
                .bind(cbase)
                .bind(tbase)
                .bind("106540352242922")
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            out.timers += sqlx::query(sqlx::AssertSqlSafe(timers_sql.clone()))
                .bind(tbase + lo)
                .bind(tbase + hi)
                .bind(s.now)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            out.already_fired += sqlx::query(audit_sql)
                .bind(tbase + lo)
                .bind(tbase + hi)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
            tx.commit().await?;
            lo = hi;
        }
        self.catch_up_id_sequences(&["contacts", "tickets"]).await?;
        Ok(out)
    }

    /// The id after the table's largest: where a seeder's explicit ids start.
    pub(crate) async fn next_id(&self, table: &str) -> Result<i64> {
        let (max,): (Option<i64>,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT MAX(id) FROM {table}")))
                .fetch_one(&self.pool)
                .await?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// On PostgreSQL, moves the tables' id sequences past the ids a seeder
    /// wrote explicitly (which leave the sequences behind).
    pub(crate) async fn catch_up_id_sequences(&self, tables: &[&str]) -> Result<()> {
        if self.backend != crate::Backend::Postgres {
            return Ok(());
        }
        for table in tables {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Timers not yet fired that are due before `t` (for benchmarks).
    pub async fn pending_timers_due_before(&self, t: i64) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM timers WHERE fired_at IS NULL AND due_at < $1")
                .bind(t)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// Open tickets whose deadlines wait to be recomputed (for benchmarks).
    pub async fn pending_sla_refreshes(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets WHERE sla_dirty = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Every timer that has fired, or is due before `due_before` (for
    /// benchmarks' checks).
    pub async fn timers_fired_or_due(&self, due_before: i64) -> Result<Vec<TimerRow>> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT ticket_id, kind, due_at, fired_at FROM timers
             WHERE fired_at IS NOT NULL OR due_at < $1 ORDER BY id",
        )
        .bind(due_before)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(ticket_id, kind, due_at, fired_at)| TimerRow {
                ticket_id,
                kind,
                due_at,
                fired_at,
            })
            .collect())
    }

    /// Every `sla_warning` and `sla_breached` audit row as (ticket, action,
    /// detail) (for benchmarks' checks).
    pub async fn sla_audit_rows(&self) -> Result<Vec<(i64, String, serde_json::Value)>> {
        let rows: Vec<(Option<i64>, String, String)> = sqlx::query_as(
            "SELECT ticket_id, action, detail FROM audit_log
             WHERE action IN ('sla_warning', 'sla_breached') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(t, a, d)| (t.unwrap_or(0), a, crate::parse_json(&d)))
            .collect())
    }

    /// Claims up to `count` pending timers due at or after `from`, oldest
    /// first, `batch` per transaction, with a conditional update and nothing
    /// else: the ceiling `parley bench sla` compares the scheduler with. With
    /// `one_by_one`, one `UPDATE … WHERE id = ? AND fired_at IS NULL` per
    /// timer; without, one per batch (as `fire_due_timers` claims). Returns
    /// how many were claimed; [`Store::unclaim_timers`] puts them back.
    pub async fn claim_timers_bare(
        &self,
        from: i64,
        count: i64,
        batch: i64,
        one_by_one: bool,
        now: i64,
    ) -> Result<i64> {
        let mut claimed = 0;
        while claimed < count {
            let ids: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM timers WHERE fired_at IS NULL AND due_at >= $1
                 ORDER BY due_at, id LIMIT $2",
            )
            .bind(from)
            .bind(batch.min(count - claimed))
            .fetch_all(&self.pool)
            .await?;
            if ids.is_empty() {
                break;
            }
            let mut tx = self.begin_write().await?;
            if one_by_one {
                for (id,) in ids {
                    claimed += sqlx::query(
                        "UPDATE timers SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL",
                    )
                    .bind(now)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected() as i64;
                }
            } else {
                let list = ids
                    .iter()
                    .map(|(id,)| id.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                claimed += sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(format!(
                    "UPDATE timers SET fired_at = $1 WHERE fired_at IS NULL AND id IN ({list})
                     RETURNING id"
                )))
                .bind(now)
                .fetch_all(&mut **tx)
                .await?
                .len() as i64;
            }
            tx.commit().await?;
        }
        Ok(claimed)
    }

    /// Undoes [`Store::claim_timers_bare`] called with the same `from` and `now`.
    pub async fn unclaim_timers(&self, from: i64, now: i64) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let n =
            sqlx::query("UPDATE timers SET fired_at = NULL WHERE due_at >= $1 AND fired_at = $2")
                .bind(from)
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected() as i64;
        tx.commit().await?;
        Ok(n)
    }
}
