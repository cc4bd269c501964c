//! Reports: the quality-assurance table, its series by day or week, the
//! hour × weekday volume and the backlog, computed from what the store
//! already records (ticket timestamps, SLA breach times, the audit trail,
//! agents' messages, the bot's end states, CSAT surveys).
//!
//! Each figure is a numerator and a denominator counted in SQL with GROUP BY
//! (one query per figure family, never one per group or ticket), so a
//! report over a million tickets is a handful of range scans over the
//! indexes of migration 0010. Two things are finished in Rust, on purpose:
//! percentiles (SQLite has no percentile function, so the first response
//! times of the period are read as one column and ranked here), and time
//! zones (the queries count per 15-minute slot of UTC; slots are then
//! placed in the business's days, weeks and hours, which is exact for every
//! real-world UTC offset and correct across DST changes).
//!
//! What the metrics mean is written once, in `parley_core::quality`.

use crate::{Result, Store, StoreError};
use parley_core::quality::{self, Band, Bucket, Metric, Rating, ReportZone};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// One row: the whole desk.
    #[default]
    None,
    /// The ticket's assignee (for CSAT: the agent who had it when resolved).
    Agent,
    /// The ticket's team (for CSAT: its team when resolved).
    Team,
    Priority,
    /// A ticket with several labels counts in each; one without, in "no label".
    Label,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::None => "none",
            GroupBy::Agent => "agent",
            GroupBy::Team => "team",
            GroupBy::Priority => "priority",
            GroupBy::Label => "label",
        }
    }
}

impl FromStr for GroupBy {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "" | "none" => GroupBy::None,
            "agent" => GroupBy::Agent,
            "team" => GroupBy::Team,
            "priority" => GroupBy::Priority,
            "label" => GroupBy::Label,
            _ => {
                return Err(StoreError::Invalid(format!(
                    "group_by must be none, agent, team, priority or label, not {s:?}"
                )));
            }
        })
    }
}

/// A report's period, `from` inclusive, `to` exclusive (Unix ms).
#[derive(Debug, Clone, Copy)]
pub struct ReportQuery {
    pub from: i64,
    pub to: i64,
    pub group_by: GroupBy,
}

/// One figure of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    pub metric: Metric,
    /// `None` when there is nothing to measure (no surveys, no resolved
    /// tickets…), or the metric does not apply to this grouping.
    pub value: Option<f64>,
    /// What was counted over the denominator; for an average, the total
    /// milliseconds; `None` for percentiles.
    pub numerator: Option<i64>,
    pub denominator: i64,
    pub band: Option<Band>,
    pub rating: Option<Rating>,
}

/// A row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The agent or team id, the priority, the label; `None` for the whole
    /// desk and for "unassigned" / "no team" / "no label".
    pub key: Option<String>,
    pub label: String,
    pub metrics: Vec<MetricValue>,
}

impl ReportRow {
    pub fn get(&self, m: Metric) -> &MetricValue {
        self.metrics
            .iter()
            .find(|v| v.metric == m)
            .expect("every row carries every metric")
    }
}

/// One bucket of a series: the desk's figures for that day or week.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    pub start: i64,
    pub end: i64,
    /// The bucket's first day, `YYYY-MM-DD`, in the report's zone.
    pub label: String,
    pub row: ReportRow,
}

/// Inbound customer messages per weekday (Monday first) and hour, in the
/// report's zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub cells: [[i64; 24]; 7],
    pub total: i64,
}

/// Open tickets now.
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    pub total: i64,
    /// (status, priority, count, oldest created_at, breached).
    pub by_status_priority: Vec<BacklogCell>,
    /// Counts by age since creation: under 1 h, 1-4 h, 4-24 h, 1-7 days, older.
    pub by_age: [i64; 5],
    pub breached: i64,
    pub oldest_created_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BacklogCell {
    pub status: String,
    pub priority: String,
    pub count: i64,
    pub oldest_created_at: i64,
    /// Of these, tickets with a breached first-response or resolution target.
    pub breached: i64,
}

/// One group's figures per day or week.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSeries {
    /// As [`ReportRow::key`].
    pub key: Option<String>,
    pub label: String,
    pub points: Vec<SeriesPoint>,
}

/// The backlog over a period, replayed from the audit trail's status changes.
#[derive(Debug, Clone, PartialEq)]
pub struct BacklogHistory {
    /// Open tickets at `from`.
    pub open_at_start: i64,
    pub points: Vec<BacklogPoint>,
}

/// One day or week of [`BacklogHistory`], cut to the period: `start` is
/// never before `from`, `end` never after `to`. The API serves it as is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BacklogPoint {
    pub start: i64,
    pub end: i64,
    /// The bucket's first day, `YYYY-MM-DD`, in the report's zone.
    pub label: String,
    /// Tickets created.
    pub created: i64,
    /// Status changes from open to `resolved` by people (each time: a ticket
    /// resolved, reopened and resolved again counts twice).
    pub resolved_by_people: i64,
    /// … and by the bot (a deflected or abandoned conversation).
    pub resolved_by_bot: i64,
    /// Closed straight from an open status (spam, duplicates), never resolved.
    pub closed_unresolved: i64,
    /// Taken back from `resolved` (the customer wrote, or an agent reopened it).
    pub reopened: i64,
    /// Open tickets at `end`.
    pub open_at_end: i64,
}

pub const BACKLOG_AGES: [&str; 5] = ["< 1 h", "1-4 h", "4-24 h", "1-7 days", "> 7 days"];

/// Counted per (group, slot).
#[derive(Debug, Clone, Default)]
struct Counts {
    csat_sent: i64,
    csat_answered: i64,
    csat_happy: i64,
    fr_decided: i64,
    fr_met: i64,
    res_decided: i64,
    res_met: i64,
    resolved: i64,
    fcr: i64,
    resolution_ms: i64,
    bot_finished: i64,
    bot_deflected: i64,
    /// Not applicable to this grouping: deflected conversations have no agent or team.
    bot_na: bool,
    fr_times: Vec<i64>,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.csat_sent += o.csat_sent;
        self.csat_answered += o.csat_answered;
        self.csat_happy += o.csat_happy;
        self.fr_decided += o.fr_decided;
        self.fr_met += o.fr_met;
        self.res_decided += o.res_decided;
        self.res_met += o.res_met;
        self.resolved += o.resolved;
        self.fcr += o.fcr;
        self.resolution_ms += o.resolution_ms;
        self.bot_finished += o.bot_finished;
        self.bot_deflected += o.bot_deflected;
        self.bot_na |= o.bot_na;
        self.fr_times.extend_from_slice(&o.fr_times);
    }

    fn metrics(mut self) -> Vec<MetricValue> {
        self.fr_times.sort_unstable();
        let n = self.fr_times.len() as i64;
        let rated = |metric: Metric, value: Option<f64>, num: Option<i64>, den: i64| {
            let band = value.and_then(|v| metric.band(v));
            MetricValue {
                metric,
                value,
                numerator: num,
                denominator: den,
                band,
                rating: band.map(Band::rating),
            }
        };
        let pct =
            |m: Metric, num: i64, den: i64| rated(m, quality::percent(num, den), Some(num), den);
        vec![
            pct(Metric::CsatScore, self.csat_happy, self.csat_answered),
            pct(Metric::FirstResponseSla, self.fr_met, self.fr_decided),
            pct(Metric::ResolutionSla, self.res_met, self.res_decided),
            pct(Metric::FirstContactResolution, self.fcr, self.resolved),
            if self.bot_na {
                rated(Metric::BotDeflection, None, None, 0)
            } else {
                pct(Metric::BotDeflection, self.bot_deflected, self.bot_finished)
            },
            rated(
                Metric::AvgResolutionTime,
                (self.resolved > 0).then(|| self.resolution_ms as f64 / self.resolved as f64),
                Some(self.resolution_ms),
                self.resolved,
            ),
            pct(Metric::CsatResponseRate, self.csat_answered, self.csat_sent),
            rated(
                Metric::FirstResponseMedian,
                quality::percentile(&self.fr_times, 50.0).map(|v| v as f64),
                None,
                n,
            ),
            rated(
                Metric::FirstResponseP90,
                quality::percentile(&self.fr_times, 90.0).map(|v| v as f64),
                None,
                n,
            ),
        ]
    }
}

/// A slot is 15 minutes: every UTC offset in use is a multiple of it.
const SLOT_MS: i64 = 15 * 60_000;

/// Tickets people handled: the bot's own resolutions are its deflection
/// figure, not the desk's resolutions.
const HUMAN: &str = "COALESCE(t.bot_state, '') NOT IN ('deflected', 'abandoned')";
/// When a ticket's first-response target was decided: the breach, else the reply.
/// Migration 0010 indexes exactly this expression.
const FR_DECIDED: &str = "COALESCE(t.sla_first_response_breached_at, t.first_response_at)";
const RES_DECIDED: &str = "COALESCE(t.sla_resolution_breached_at, t.resolved_at)";
/// Resolved at first contact: never taken back from `resolved` (by the
/// customer writing or an agent) and answered by one agent at most.
const FCR: &str = "CASE WHEN NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.ticket_id = t.id
        AND a.action = 'status_changed' AND a.detail LIKE '%\"from\":\"resolved\"%')
    AND (SELECT COUNT(DISTINCT m.author_id) FROM messages m WHERE m.ticket_id = t.id
        AND m.direction = 'outbound' AND m.author_id IS NOT NULL) <= 1 THEN 1 ELSE 0 END";

/// A status change out of `resolved` or `closed` (audit detail is compact
/// JSON; a reason is a fixed text, so these never match inside it).
const FROM_DONE: &str =
    "(a.detail LIKE '%\"from\":\"resolved\"%' OR a.detail LIKE '%\"from\":\"closed\"%')";
const TO_RESOLVED: &str = "a.detail LIKE '%\"to\":\"resolved\"%'";
const TO_CLOSED: &str = "a.detail LIKE '%\"to\":\"closed\"%'";
/// The bot resolved it: its own status change says so (`bot: deflected`);
/// a history written by `parley demo --seed` resolves for the bot through
/// the ordinary path and marks the bot's end at that same instant.
/// (NULLs coalesced: `NOT` of an unknown is unknown, and would drop the row.)
const BY_BOT: &str = "(a.detail LIKE '%\"reason\":\"bot: %' OR (COALESCE(t.bot_state, '') IN ('deflected', 'abandoned')
        AND COALESCE(t.bot_ended_at, -1) = a.created_at))";

type Acc = HashMap<(Option<String>, i64), Counts>;

impl Store {
    /// The QA table for a period: one row for the desk, or one per group.
    pub async fn quality_report(&self, q: &ReportQuery) -> Result<Vec<ReportRow>> {
        check_period(q.from, q.to)?;
        let acc = self.collect(q.group_by, q.from, q.to, false).await?;
        let mut by_key: BTreeMap<Option<String>, Counts> = BTreeMap::new();
        for ((key, _), c) in acc {
            by_key.entry(key).or_default().add(&c);
        }
        if q.group_by == GroupBy::None && by_key.is_empty() {
            by_key.insert(None, Counts::default());
        }
        let names = self.group_names(q.group_by).await?;
        let mut rows: Vec<ReportRow> = by_key
            .into_iter()
            .map(|(key, mut c)| {
                c.bot_na = matches!(q.group_by, GroupBy::Agent | GroupBy::Team);
                ReportRow {
                    label: group_label(q.group_by, key.as_deref(), &names),
                    key,
                    metrics: c.metrics(),
                }
            })
            .collect();
        rows.sort_by_key(|r| group_order(q.group_by, r));
        Ok(rows)
    }

    /// The desk's figures per day or week of [from, to), in `zone`. Every
    /// bucket is there, empty ones included, so a chart's gaps are real.
    pub async fn quality_series(
        &self,
        from: i64,
        to: i64,
        bucket: Bucket,
        zone: &ReportZone,
    ) -> Result<Vec<SeriesPoint>> {
        let mut all = self
            .quality_group_series(GroupBy::None, from, to, bucket, zone)
            .await?;
        Ok(all.pop().map(|g| g.points).unwrap_or_default())
    }

    /// Each group's figures per day or week of [from, to): the same counts
    /// as [`Store::quality_report`] with `group_by`, split by bucket, from
    /// the same queries (one per figure family, for every group at once).
    /// Groups in the table's order; every group has every bucket. Without a
    /// grouping, one "All" group.
    pub async fn quality_group_series(
        &self,
        group: GroupBy,
        from: i64,
        to: i64,
        bucket: Bucket,
        zone: &ReportZone,
    ) -> Result<Vec<GroupSeries>> {
        check_period(from, to)?;
        let buckets = zone.buckets(from, to, bucket);
        let acc = self.collect(group, from, to, true).await?;
        let mut sums: BTreeMap<Option<String>, Vec<Counts>> = BTreeMap::new();
        if group == GroupBy::None {
            sums.insert(None, vec![Counts::default(); buckets.len()]);
        }
        for ((key, slot), c) in acc {
            let at = slot * SLOT_MS;
            let i = buckets.partition_point(|(start, _)| *start <= at);
            if i > 0 {
                sums.entry(key)
                    .or_insert_with(|| vec![Counts::default(); buckets.len()])[i - 1]
                    .add(&c);
            }
        }
        let names = self.group_names(group).await?;
        let bot_na = matches!(group, GroupBy::Agent | GroupBy::Team);
        let mut out: Vec<GroupSeries> = sums
            .into_iter()
            .map(|(key, counts)| {
                let label = group_label(group, key.as_deref(), &names);
                let points = buckets
                    .iter()
                    .zip(counts)
                    .map(|(&(start, end), mut c)| {
                        c.bot_na = bot_na;
                        SeriesPoint {
                            start,
                            end,
                            label: zone.date_label(start),
                            row: ReportRow {
                                key: key.clone(),
                                label: zone.date_label(start),
                                metrics: c.metrics(),
                            },
                        }
                    })
                    .collect();
                GroupSeries { key, label, points }
            })
            .collect();
        out.sort_by_key(|g| {
            let probe = ReportRow {
                key: g.key.clone(),
                label: g.label.clone(),
                metrics: Vec::new(),
            };
            group_order(group, &probe)
        });
        Ok(out)
    }

    /// Inbound customer messages received in [from, to), by weekday and hour in `zone`.
    pub async fn volume_by_hour_weekday(
        &self,
        from: i64,
        to: i64,
        zone: &ReportZone,
    ) -> Result<Volume> {
        check_period(from, to)?;
        let rows: Vec<(i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT m.created_at / {SLOT_MS} AS slot, COUNT(*) FROM messages m
             WHERE m.direction = 'inbound' AND m.created_at >= $1 AND m.created_at < $2
             GROUP BY slot"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut v = Volume {
            cells: [[0; 24]; 7],
            total: 0,
        };
        for (slot, n) in rows {
            let (d, h) = zone.weekday_hour(slot * SLOT_MS);
            v.cells[d][h] += n;
            v.total += n;
        }
        Ok(v)
    }

    /// The open tickets now, by status and priority, by age, and breached.
    pub async fn backlog(&self, now: i64) -> Result<Backlog> {
        let cells: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT t.status, t.priority, COUNT(*), MIN(t.created_at),
                    CAST(SUM(CASE WHEN t.sla_first_response_breached_at IS NOT NULL
                        OR t.sla_resolution_breached_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)
             FROM tickets t WHERE t.is_open = 1 GROUP BY t.status, t.priority",
        )
        .fetch_all(&self.pool)
        .await?;
        let ages: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT CASE WHEN $1 - t.created_at < 3600000 THEN 0
                         WHEN $1 - t.created_at < 14400000 THEN 1
                         WHEN $1 - t.created_at < 86400000 THEN 2
                         WHEN $1 - t.created_at < 604800000 THEN 3 ELSE 4 END AS age,
                    COUNT(*)
             FROM tickets t WHERE t.is_open = 1 GROUP BY age",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut by_age = [0; 5];
        for (a, n) in ages {
            by_age[a.clamp(0, 4) as usize] += n;
        }
        let status_rank = |s: &str| {
            ["new", "assigned", "in_progress", "pending"]
                .iter()
                .position(|x| *x == s)
                .unwrap_or(9)
        };
        let mut by_status_priority: Vec<BacklogCell> = cells
            .into_iter()
            .map(|(status, priority, count, oldest, breached)| BacklogCell {
                status,
                priority,
                count,
                oldest_created_at: oldest,
                breached,
            })
            .collect();
        by_status_priority.sort_by_key(|c| (status_rank(&c.status), priority_rank(&c.priority)));
        Ok(Backlog {
            total: by_status_priority.iter().map(|c| c.count).sum(),
            breached: by_status_priority.iter().map(|c| c.breached).sum(),
            oldest_created_at: by_status_priority.iter().map(|c| c.oldest_created_at).min(),
            by_age,
            by_status_priority,
        })
    }

    /// The backlog per day or week of [from, to) in `zone`: tickets created,
    /// resolved (by people, by the bot), closed without resolving, reopened,
    /// and the open tickets at the end of each bucket.
    ///
    /// Replayed from the audit trail: every status change is a `status_changed`
    /// row, so a ticket's openness changes only there and at its creation.
    /// The replay runs backwards from now, anchored on the tickets open now
    /// (`is_open`): open at `t` = open now − every change since `t`. That
    /// reads only the changes since `from` (not the whole history before
    /// it), and a ticket written without an audit trail (a benchmark's
    /// synthetic history) counts as having had its current status since its
    /// creation rather than skewing every day before it. Three queries in one
    /// snapshot: changes per 15-minute slot (one row for all of them after
    /// `to`), creations the same way, and the open count.
    pub async fn backlog_history(
        &self,
        from: i64,
        to: i64,
        bucket: Bucket,
        zone: &ReportZone,
    ) -> Result<BacklogHistory> {
        check_period(from, to)?;
        let mut tx = self.pool.begin().await?;
        if self.backend() == crate::Backend::Postgres {
            // One snapshot for the three queries, so a ticket resolved
            // between them is not counted in one and missed in another.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let slot = |at: &str| format!("CASE WHEN {at} >= $2 THEN -1 ELSE {at} / {SLOT_MS} END");
        // A ticket is created open (`new`); one with no status change at
        // all has had its current status all along.
        let created: Vec<(i64, i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {} AS slot, COUNT(*),
                    CAST(SUM(CASE WHEN t.is_open = 1 OR EXISTS (SELECT 1 FROM audit_log a
                        WHERE a.ticket_id = t.id AND a.action = 'status_changed')
                        THEN 1 ELSE 0 END) AS BIGINT)
             FROM tickets t WHERE t.created_at >= $1 GROUP BY slot",
            slot("t.created_at")
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        let changes: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {} AS slot,
                    CAST(SUM(CASE WHEN NOT {FROM_DONE} AND {TO_RESOLVED} AND NOT {BY_BOT} THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN NOT {FROM_DONE} AND {TO_RESOLVED} AND {BY_BOT} THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN NOT {FROM_DONE} AND {TO_CLOSED} THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN {FROM_DONE} AND NOT {TO_RESOLVED} AND NOT {TO_CLOSED} THEN 1 ELSE 0 END) AS BIGINT)
             FROM audit_log a LEFT JOIN tickets t ON t.id = a.ticket_id
             WHERE a.action = 'status_changed' AND a.created_at >= $1 GROUP BY slot",
            slot("a.created_at")
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        let (open_now,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets WHERE is_open = 1")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;

        let buckets: Vec<(i64, i64)> = zone
            .buckets(from, to, bucket)
            .into_iter()
            .map(|(s, e)| (s.max(from), e.min(to)))
            .collect();
        let mut points: Vec<BacklogPoint> = buckets
            .iter()
            .map(|&(start, end)| BacklogPoint {
                start,
                end,
                label: zone.date_label(start),
                created: 0,
                resolved_by_people: 0,
                resolved_by_bot: 0,
                closed_unresolved: 0,
                reopened: 0,
                open_at_end: 0,
            })
            .collect();
        // Net change in open tickets per bucket, and after `to`.
        let mut delta = vec![0i64; points.len()];
        let mut after = 0i64;
        // A slot straddling `from` holds only changes at or after it (the
        // queries say so); it belongs to the first bucket.
        let place = |slot: i64| {
            let at = (slot * SLOT_MS).max(from);
            buckets
                .partition_point(|(start, _)| *start <= at)
                .checked_sub(1)
        };
        for (slot, n, opened) in created {
            if slot < 0 {
                after += opened;
            } else if let Some(i) = place(slot) {
                points[i].created += n;
                delta[i] += opened;
            }
        }
        for (slot, people, bot, closed, reopened) in changes {
            let d = reopened - people - bot - closed;
            if slot < 0 {
                after += d;
            } else if let Some(i) = place(slot) {
                let p = &mut points[i];
                p.resolved_by_people += people;
                p.resolved_by_bot += bot;
                p.closed_unresolved += closed;
                p.reopened += reopened;
                delta[i] += d;
            }
        }
        let mut open = open_now - after;
        for (p, d) in points.iter_mut().zip(delta).rev() {
            p.open_at_end = open;
            open -= d;
        }
        Ok(BacklogHistory {
            open_at_start: open,
            points,
        })
    }

    /// Every figure family's counts per (group key, slot); slot 0 unless `slotted`.
    async fn collect(&self, group: GroupBy, from: i64, to: i64, slotted: bool) -> Result<Acc> {
        let (key, join) = match group {
            GroupBy::None => ("CAST(NULL AS TEXT)", ""),
            GroupBy::Agent => ("CAST(t.assignee_id AS TEXT)", ""),
            GroupBy::Team => ("CAST(t.team_id AS TEXT)", ""),
            GroupBy::Priority => ("t.priority", ""),
            GroupBy::Label => (
                "l.label",
                " LEFT JOIN ticket_labels l ON l.ticket_id = t.id",
            ),
        };
        // CSAT counts for whoever had the ticket when it was resolved.
        let csat_key = match group {
            GroupBy::Agent => "CAST(s.agent_id AS TEXT)",
            GroupBy::Team => "CAST(s.team_id AS TEXT)",
            _ => key,
        };
        let slot = |at: &str| {
            if slotted {
                format!("{at} / {SLOT_MS}")
            } else {
                "0".to_string()
            }
        };
        let mut acc = Acc::new();
        let families: [(&str, String); 5] = [
            (
                "csat",
                format!(
                    "SELECT {csat_key} AS k, {} AS slot, COUNT(*) AS a,
                        CAST(SUM(CASE WHEN s.rating IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS b,
                        CAST(SUM(CASE WHEN s.rating >= 4 THEN 1 ELSE 0 END) AS BIGINT) AS c
                     FROM csat_surveys s JOIN tickets t ON t.id = s.ticket_id{join}
                     WHERE s.sent_at >= $1 AND s.sent_at < $2 GROUP BY k, slot",
                    slot("s.sent_at")
                ),
            ),
            (
                "fr",
                format!(
                    "SELECT {key} AS k, {} AS slot, COUNT(*) AS a,
                        CAST(SUM(CASE WHEN t.sla_first_response_breached_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS b,
                        CAST(0 AS BIGINT) AS c
                     FROM tickets t{join}
                     WHERE {FR_DECIDED} >= $1 AND {FR_DECIDED} < $2 AND {HUMAN} GROUP BY k, slot",
                    slot(FR_DECIDED)
                ),
            ),
            (
                "res",
                format!(
                    "SELECT {key} AS k, {} AS slot, COUNT(*) AS a,
                        CAST(SUM(CASE WHEN t.sla_resolution_breached_at IS NULL
                            AND t.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS b,
                        CAST(0 AS BIGINT) AS c
                     FROM tickets t{join}
                     WHERE {RES_DECIDED} >= $1 AND {RES_DECIDED} < $2 AND {HUMAN} GROUP BY k, slot",
                    slot(RES_DECIDED)
                ),
            ),
            (
                "resolved",
                format!(
                    "SELECT {key} AS k, {} AS slot, COUNT(*) AS a,
                        CAST(SUM({FCR}) AS BIGINT) AS b,
                        CAST(SUM(t.resolved_at - t.created_at) AS BIGINT) AS c
                     FROM tickets t{join}
                     WHERE t.resolved_at >= $1 AND t.resolved_at < $2 AND {HUMAN} GROUP BY k, slot",
                    slot("t.resolved_at")
                ),
            ),
            (
                "bot",
                format!(
                    "SELECT {key} AS k, {} AS slot, COUNT(*) AS a,
                        CAST(SUM(CASE WHEN t.bot_state = 'deflected' THEN 1 ELSE 0 END) AS BIGINT) AS b,
                        CAST(0 AS BIGINT) AS c
                     FROM tickets t{join}
                     WHERE t.bot_state IN ('deflected', 'handed_off', 'abandoned')
                       AND t.bot_ended_at >= $1 AND t.bot_ended_at < $2 GROUP BY k, slot",
                    slot("t.bot_ended_at")
                ),
            ),
        ];
        for (family, sql) in families {
            let rows: Vec<(Option<String>, i64, i64, i64, i64)> =
                sqlx::query_as(AssertSqlSafe(sql))
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
            for (k, s, a, b, c) in rows {
                let e = acc.entry((k, s)).or_default();
                match family {
                    "csat" => {
                        e.csat_sent += a;
                        e.csat_answered += b;
                        e.csat_happy += c;
                    }
                    "fr" => {
                        e.fr_decided += a;
                        e.fr_met += b;
                    }
                    "res" => {
                        e.res_decided += a;
                        e.res_met += b;
                    }
                    "resolved" => {
                        e.resolved += a;
                        e.fcr += b;
                        e.resolution_ms += c;
                    }
                    _ => {
                        e.bot_finished += a;
                        e.bot_deflected += b;
                    }
                }
            }
        }
        // A person owed the customer a reply from the ticket's creation, or
        // from the bot's handoff when the bot had it first.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {key} AS k, {} AS slot,
                    t.first_response_at - COALESCE(CASE WHEN t.bot_state = 'handed_off'
                        THEN t.bot_ended_at END, t.created_at) AS wait
             FROM tickets t{join}
             WHERE t.first_response_at >= $1 AND t.first_response_at < $2",
            slot("t.first_response_at")
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let k: Option<String> = r.try_get("k")?;
            let s: i64 = r.try_get("slot")?;
            let wait: i64 = r.try_get("wait")?;
            acc.entry((k, s)).or_default().fr_times.push(wait.max(0));
        }
        Ok(acc)
    }

    async fn group_names(&self, group: GroupBy) -> Result<HashMap<String, String>> {
        let sql = match group {
            GroupBy::Agent => "SELECT CAST(id AS TEXT), name FROM agents",
            GroupBy::Team => "SELECT CAST(id AS TEXT), name FROM teams",
            _ => return Ok(HashMap::new()),
        };
        let rows: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }
}

fn check_period(from: i64, to: i64) -> Result<()> {
    if from >= to {
        return Err(StoreError::Invalid("from must be before to".into()));
    }
    Ok(())
}

fn priority_rank(p: &str) -> usize {
    ["urgent", "high", "medium", "low"]
        .iter()
        .position(|x| *x == p)
        .unwrap_or(9)
}

fn group_label(group: GroupBy, key: Option<&str>, names: &HashMap<String, String>) -> String {
    match (group, key) {
        (GroupBy::None, _) => "All".into(),
        (GroupBy::Agent, None) => "Unassigned".into(),
        (GroupBy::Team, None) => "No team".into(),
        (GroupBy::Label, None) => "No label".into(),
        (GroupBy::Priority, None) => "No priority".into(),
        (GroupBy::Agent | GroupBy::Team, Some(id)) => {
            names.get(id).cloned().unwrap_or_else(|| format!("#{id}"))
        }
        (_, Some(k)) => k.to_string(),
    }
}

/// Named groups first (priorities urgent to low, others by name), then the
/// "none" group.
fn group_order(group: GroupBy, r: &ReportRow) -> (bool, usize, String) {
    let rank = match (group, r.key.as_deref()) {
        (GroupBy::Priority, Some(p)) => priority_rank(p),
        _ => 0,
    };
    (r.key.is_none(), rank, r.label.to_lowercase())
}
