//! Reports: the quality-assurance table (per group and per day or week),
//! volume by hour and weekday, the backlog, and the table as CSV.
//! Supervisors and admins.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parley_core::Role;
use parley_core::quality::{Bucket, Metric, ReportZone, Unit};
use parley_store::{BACKLOG_AGES, GroupBy, MetricValue, ReportQuery, ReportRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const DAY_MS: i64 = 86_400_000;
/// A year and a bit: a daily series longer than this is not a chart anyone reads.
const MAX_SPAN_MS: i64 = 400 * DAY_MS;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityParams {
    /// Start, inclusive: Unix ms, or a date `YYYY-MM-DD` (its midnight in
    /// the report's zone). Default: 7 days before `to`.
    from: Option<String>,
    /// End, exclusive: Unix ms, or a date `YYYY-MM-DD` (that whole day is
    /// included). Default: now.
    to: Option<String>,
    /// `none` (default), `agent`, `team`, `priority` or `label`.
    group_by: Option<String>,
    /// `day` or `week`: add the desk's figures per bucket (`series`).
    period: Option<String>,
    /// An IANA time zone for dates, days, weeks and hours; default the
    /// desk calendars' shared zone, else UTC.
    tz: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ThresholdsOut {
    pub lower_is_better: bool,
    pub target: f64,
    pub target_max: Option<f64>,
    pub warning: f64,
    pub action: f64,
}

#[derive(Serialize, ToSchema)]
pub struct MetricOut {
    /// `csat_score`, `first_response_sla`, `resolution_sla`,
    /// `first_contact_resolution`, `bot_deflection`, `avg_resolution_time`,
    /// `csat_response_rate`, `first_response_median`, `first_response_p90`.
    pub metric: String,
    pub label: String,
    /// `percent` (0-100) or `ms`.
    pub unit: String,
    /// `null` when there was nothing to measure, or the metric does not
    /// apply to the grouping (deflection per agent or team).
    pub value: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: i64,
    /// `on_target`, `below_target`, `warning` or `action`.
    pub band: Option<String>,
    /// `green`, `amber` or `red`; `null` for unrated metrics or no value.
    pub rating: Option<String>,
    pub thresholds: Option<ThresholdsOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RowOut {
    /// Agent or team id, priority, label; `null` for the desk and for
    /// unassigned / no team / no label.
    pub key: Option<String>,
    pub label: String,
    pub metrics: Vec<MetricOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PointOut {
    pub start: i64,
    pub end: i64,
    /// The bucket's first day (`YYYY-MM-DD`).
    pub label: String,
    pub metrics: Vec<MetricOut>,
}

#[derive(Serialize, ToSchema)]
pub struct DefinitionOut {
    pub metric: String,
    pub label: String,
    pub unit: String,
    pub definition: String,
    pub thresholds: Option<ThresholdsOut>,
}

#[derive(Serialize, ToSchema)]
pub struct QualityReport {
    pub from: i64,
    pub to: i64,
    pub timezone: String,
    pub group_by: String,
    pub period: Option<String>,
    pub definitions: Vec<DefinitionOut>,
    /// The whole desk.
    pub total: RowOut,
    /// One row per group (empty without `group_by`).
    pub groups: Vec<RowOut>,
    /// Per day or week, with `period`.
    pub series: Vec<PointOut>,
    /// Each group's figures per day or week, with `group_by` and `period`;
    /// compact: values in the order of `definitions`.
    pub group_series: Vec<GroupSeriesOut>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupSeriesOut {
    pub key: Option<String>,
    pub label: String,
    pub points: Vec<GroupPointOut>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupPointOut {
    pub start: i64,
    pub end: i64,
    pub label: String,
    /// One per metric, in the order of `definitions`; `null` for no value.
    pub values: Vec<Option<f64>>,
    /// The denominators, same order.
    pub denominators: Vec<i64>,
    /// `green`, `amber`, `red` or `null`, same order.
    pub ratings: Vec<Option<String>>,
}

fn thresholds(m: Metric) -> Option<ThresholdsOut> {
    m.thresholds().map(|t| ThresholdsOut {
        lower_is_better: t.lower_is_better,
        target: t.target,
        target_max: t.target_max,
        warning: t.warning,
        action: t.action,
    })
}

fn metric_out(v: &MetricValue) -> MetricOut {
    MetricOut {
        metric: v.metric.as_str().into(),
        label: v.metric.label().into(),
        unit: v.metric.unit().as_str().into(),
        value: v.value,
        numerator: v.numerator,
        denominator: v.denominator,
        band: v.band.map(|b| b.as_str().into()),
        rating: v.rating.map(|r| r.as_str().into()),
        thresholds: thresholds(v.metric),
    }
}

fn row_out(r: &ReportRow) -> RowOut {
    RowOut {
        key: r.key.clone(),
        label: r.label.clone(),
        metrics: r.metrics.iter().map(metric_out).collect(),
    }
}

/// The report's zone: `tz` if given, else the desk's.
fn zone(state: &AppState, tz: Option<&str>) -> ApiResult<ReportZone> {
    match tz.map(str::trim).filter(|t| !t.is_empty()) {
        Some(name) => ReportZone::named(name).map_err(ApiError::bad_request),
        None => Ok(ReportZone::of_desk(state.store.desk().spec())),
    }
}

/// [from, to) from Unix ms or dates, checked.
fn period(
    state: &AppState,
    zone: &ReportZone,
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<(i64, i64)> {
    let at = |name: &str, text: &str, end: bool| -> ApiResult<i64> {
        let t = text.trim();
        if let Ok(ms) = t.parse::<i64>() {
            return Ok(ms);
        }
        let start = zone.date_start(t).map_err(|e| {
            ApiError::bad_request(format!(
                "{name} must be Unix milliseconds or a date YYYY-MM-DD: {e}"
            ))
        })?;
        // A date as the end means "through that day".
        Ok(if end {
            zone.next_bucket(start, Bucket::Day)
        } else {
            start
        })
    };
    let to = match to {
        Some(t) => at("to", t, true)?,
        None => state.now() + 1,
    };
    let from = match from {
        Some(f) => at("from", f, false)?,
        None => to - 7 * DAY_MS,
    };
    if from >= to {
        return Err(ApiError::bad_request("from must be before to"));
    }
    if to - from > MAX_SPAN_MS {
        return Err(ApiError::bad_request(
            "the period is at most 400 days; ask for less",
        ));
    }
    Ok((from, to))
}

async fn build(state: &AppState, q: &QualityParams) -> ApiResult<QualityReport> {
    let zone = zone(state, q.tz.as_deref())?;
    let (from, to) = period(state, &zone, q.from.as_deref(), q.to.as_deref())?;
    let group_by: GroupBy = q.group_by.as_deref().unwrap_or("none").parse()?;
    let bucket = match q.period.as_deref().map(str::trim) {
        None | Some("") | Some("none") => None,
        Some(p) => Some(p.parse::<Bucket>().map_err(|_| {
            ApiError::bad_request(format!("period must be day or week, not {p:?}"))
        })?),
    };
    let store = &state.store;
    let total = store
        .quality_report(&ReportQuery {
            from,
            to,
            group_by: GroupBy::None,
        })
        .await?;
    let groups = if group_by == GroupBy::None {
        Vec::new()
    } else {
        store
            .quality_report(&ReportQuery { from, to, group_by })
            .await?
    };
    let series = match bucket {
        Some(b) => store.quality_series(from, to, b, &zone).await?,
        None => Vec::new(),
    };
    let group_series = match bucket {
        Some(b) if group_by != GroupBy::None => {
            store
                .quality_group_series(group_by, from, to, b, &zone)
                .await?
        }
        _ => Vec::new(),
    };
    Ok(QualityReport {
        from,
        to,
        timezone: zone.name().into(),
        group_by: group_by.as_str().into(),
        period: bucket.map(|b| b.as_str().into()),
        definitions: Metric::ALL
            .iter()
            .map(|m| DefinitionOut {
                metric: m.as_str().into(),
                label: m.label().into(),
                unit: m.unit().as_str().into(),
                definition: m.definition().into(),
                thresholds: thresholds(*m),
            })
            .collect(),
        total: row_out(&total[0]),
        groups: groups.iter().map(row_out).collect(),
        series: series
            .iter()
            .map(|p| PointOut {
                start: p.start,
                end: p.end,
                label: p.label.clone(),
                metrics: p.row.metrics.iter().map(metric_out).collect(),
            })
            .collect(),
        group_series: group_series
            .into_iter()
            .map(|g| GroupSeriesOut {
                key: g.key,
                label: g.label,
                points: g
                    .points
                    .into_iter()
                    .map(|p| {
                        let by = |m: &Metric| p.row.get(*m);
                        GroupPointOut {
                            start: p.start,
                            end: p.end,
                            values: Metric::ALL.iter().map(|m| by(m).value).collect(),
                            denominators: Metric::ALL.iter().map(|m| by(m).denominator).collect(),
                            ratings: Metric::ALL
                                .iter()
                                .map(|m| by(m).rating.map(|r| r.as_str().into()))
                                .collect(),
                            label: p.label,
                        }
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The quality-assurance table: CSAT score, first-response and resolution
/// SLA compliance, first-contact resolution, bot deflection, average
/// resolution time, CSAT response rate, and first response time (median,
/// 90th percentile), each with its numerator, denominator, thresholds and
/// rating; for the desk, per group, and per day or week. `format=csv` gives
/// the CSV export (as `/reports/quality.csv`).
#[utoipa::path(get, path = "/reports/quality", tag = "reports", params(QualityParams),
    responses((status = 200, body = QualityReport), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn quality(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<QualityParams>, QueryRejection>,
) -> ApiResult<Response> {
    agent.require(Role::Supervisor)?;
    let Query(q) = q?;
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format must be json or csv, not {f:?}"
            )));
        }
    };
    let report = build(&state, &q).await?;
    Ok(if csv {
        csv_response(&report)
    } else {
        Json(report).into_response()
    })
}

/// The quality table as CSV, one line per period, group and metric:
/// `period_start,period,group_key,group,metric,label,unit,value,numerator,denominator,target,band,rating`.
/// The desk's lines come first (period `all`, group `All`), then each
/// group's, then each day's or week's. Same parameters as `/reports/quality`.
#[utoipa::path(get, path = "/reports/quality.csv", tag = "reports", params(QualityParams),
    responses((status = 200, description = "text/csv attachment", content_type = "text/csv", body = String),
        (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn quality_csv(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<QualityParams>, QueryRejection>,
) -> ApiResult<Response> {
    agent.require(Role::Supervisor)?;
    let Query(q) = q?;
    Ok(csv_response(&build(&state, &q).await?))
}

fn csv_response(r: &QualityReport) -> Response {
    let zone = ReportZone::named(&r.timezone).unwrap_or_else(|_| ReportZone::utc());
    let name = format!(
        "parley-quality-{}-{}.csv",
        zone.date_label(r.from),
        zone.date_label(r.to - 1)
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        to_csv(r),
    )
        .into_response()
}

pub fn to_csv(r: &QualityReport) -> String {
    let mut out = String::from(
        "period_start,period,group_key,group,metric,label,unit,value,numerator,denominator,target,band,rating\r\n",
    );
    let mut line =
        |start: Option<i64>, period: &str, key: Option<&str>, group: &str, m: &MetricOut| {
            let unit: Unit = m.unit.parse().unwrap_or(Unit::Percent);
            let fields = [
                start.map(|s| s.to_string()).unwrap_or_default(),
                period.to_string(),
                key.unwrap_or("").to_string(),
                group.to_string(),
                m.metric.clone(),
                m.label.clone(),
                m.unit.clone(),
                m.value.map(|v| number(v, unit)).unwrap_or_default(),
                m.numerator.map(|n| n.to_string()).unwrap_or_default(),
                m.denominator.to_string(),
                m.thresholds
                    .as_ref()
                    .map(|t| number(t.target, unit))
                    .unwrap_or_default(),
                m.band.clone().unwrap_or_default(),
                m.rating.clone().unwrap_or_default(),
            ];
            let cells: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        };
    for m in &r.total.metrics {
        line(Some(r.from), "all", None, "All", m);
    }
    for g in &r.groups {
        for m in &g.metrics {
            line(Some(r.from), "all", g.key.as_deref(), &g.label, m);
        }
    }
    for p in &r.series {
        for m in &p.metrics {
            line(Some(p.start), &p.label, None, "All", m);
        }
    }
    out
}

fn number(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Millis => format!("{}", v.round() as i64),
        Unit::Percent => format!("{:.2}", v),
    }
}

/// RFC 4180 quoting; a field a spreadsheet would run as a formula (a label
/// or agent name starting with `=`, `+`, `-`, `@`) is defused with a
/// leading apostrophe, since names come from agents and customers.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@']) || (s.starts_with('-') && s.parse::<f64>().is_err()) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolumeParams {
    /// As for `/reports/quality`.
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VolumeOut {
    pub from: i64,
    pub to: i64,
    pub timezone: String,
    /// What is counted.
    pub counts: String,
    /// 7 rows (Monday first) of 24 hours.
    pub cells: Vec<Vec<i64>>,
    pub total: i64,
    /// The busiest hour, as (weekday 0 = Monday, hour, count).
    pub peak: Option<(usize, usize, i64)>,
}

/// Inbound customer messages by weekday and hour of the day, in the
/// report's zone.
#[utoipa::path(get, path = "/reports/volume", tag = "reports", params(VolumeParams),
    responses((status = 200, body = VolumeOut), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn volume(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<VolumeParams>, QueryRejection>,
) -> ApiResult<Json<VolumeOut>> {
    agent.require(Role::Supervisor)?;
    let Query(q) = q?;
    let zone = zone(&state, q.tz.as_deref())?;
    let (from, to) = period(&state, &zone, q.from.as_deref(), q.to.as_deref())?;
    let v = state.store.volume_by_hour_weekday(from, to, &zone).await?;
    let mut peak: Option<(usize, usize, i64)> = None;
    for (d, row) in v.cells.iter().enumerate() {
        for (h, n) in row.iter().enumerate() {
            if *n > 0 && peak.is_none_or(|p| *n > p.2) {
                peak = Some((d, h, *n));
            }
        }
    }
    Ok(Json(VolumeOut {
        from,
        to,
        timezone: zone.name().into(),
        counts: "inbound customer messages".into(),
        cells: v.cells.iter().map(|r| r.to_vec()).collect(),
        total: v.total,
        peak,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct BacklogCellOut {
    pub status: String,
    pub priority: String,
    pub count: i64,
    pub oldest_created_at: i64,
    pub breached: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AgeOut {
    pub age: String,
    pub count: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BacklogParams {
    /// As for `/reports/quality` (default the last 7 days).
    from: Option<String>,
    to: Option<String>,
    /// `day` (default) or `week`.
    period: Option<String>,
    tz: Option<String>,
    /// `json` (default) or `csv` (the series, one line per day or week).
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BacklogOut {
    pub at: i64,
    pub total: i64,
    /// With a breached first-response or resolution target.
    pub breached: i64,
    pub oldest_created_at: Option<i64>,
    pub by_status_priority: Vec<BacklogCellOut>,
    pub by_age: Vec<AgeOut>,
    /// The period of `series`.
    pub from: i64,
    pub to: i64,
    pub timezone: String,
    pub period: String,
    /// Open tickets at `from`.
    pub open_at_start: i64,
    /// Per day or week, replayed from the audit trail's status changes.
    pub series: Vec<parley_store::BacklogPoint>,
}

/// The open tickets now (by status and priority, by age, breached) and the
/// backlog over the period: per day or week, tickets created, resolved by
/// people and by the bot, closed unresolved, reopened, and open at the end.
/// `format=csv` gives the series as CSV.
#[utoipa::path(get, path = "/reports/backlog", tag = "reports", params(BacklogParams),
    responses((status = 200, body = BacklogOut), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn backlog(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<BacklogParams>, QueryRejection>,
) -> ApiResult<Response> {
    agent.require(Role::Supervisor)?;
    let Query(q) = q?;
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format must be json or csv, not {f:?}"
            )));
        }
    };
    let zone = zone(&state, q.tz.as_deref())?;
    let (from, to) = period(&state, &zone, q.from.as_deref(), q.to.as_deref())?;
    let bucket = match q.period.as_deref().map(str::trim) {
        None | Some("") => Bucket::Day,
        Some(p) => p
            .parse::<Bucket>()
            .map_err(|_| ApiError::bad_request(format!("period must be day or week, not {p:?}")))?,
    };
    let now = state.now();
    let b = state.store.backlog(now).await?;
    let history = state.store.backlog_history(from, to, bucket, &zone).await?;
    let out = BacklogOut {
        at: now,
        total: b.total,
        breached: b.breached,
        oldest_created_at: b.oldest_created_at,
        by_status_priority: b
            .by_status_priority
            .into_iter()
            .map(|c| BacklogCellOut {
                status: c.status,
                priority: c.priority,
                count: c.count,
                oldest_created_at: c.oldest_created_at,
                breached: c.breached,
            })
            .collect(),
        by_age: BACKLOG_AGES
            .iter()
            .zip(b.by_age)
            .map(|(age, count)| AgeOut {
                age: (*age).into(),
                count,
            })
            .collect(),
        from,
        to,
        timezone: zone.name().into(),
        period: bucket.as_str().into(),
        open_at_start: history.open_at_start,
        series: history.points,
    };
    if !csv {
        return Ok(Json(out).into_response());
    }
    let mut body = String::from(
        "period_start,period_end,period,created,resolved_by_people,resolved_by_bot,closed_unresolved,reopened,open_at_end\r\n",
    );
    for p in &out.series {
        body.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            p.start,
            p.end,
            csv_field(&p.label),
            p.created,
            p.resolved_by_people,
            p.resolved_by_bot,
            p.closed_unresolved,
            p.reopened,
            p.open_at_end
        ));
    }
    let name = format!(
        "parley-backlog-{}-{}.csv",
        zone.date_label(from),
        zone.date_label(to - 1)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-12.5"), "-12.5");
        assert_eq!(csv_field(""), "");
    }
}
