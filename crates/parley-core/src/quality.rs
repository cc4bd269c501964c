//! The quality-assurance table of a WhatsApp help desk: which figures it
//! shows, what each one means, the targets and thresholds, and the colour a
//! value earns. Pure: the store counts, this module judges.
//!
//! Every rated metric has a target, a warning level and an action level. A
//! value at or beyond the target is on target (green); at or beyond the
//! action level it needs action (red); in between it is amber, either just
//! below target or, past the warning level, in the warning band. The band is
//! kept next to the colour because "below target" and "warning" are both
//! amber but are not the same news.
//!
//! The definitions (what the store counts, see `parley_store::reports`):
//!
//! - **CSAT score**: of the surveys sent in the period that were answered,
//!   the share rated 4 or 5, in percent (the usual CSAT%).
//! - **First-response SLA**: of the tickets whose first-response target was
//!   decided in the period, the share decided by a reply in time. A target
//!   is decided when a person first replies, or when it breaches: a ticket
//!   that breached counts as missed in the period of the breach, whether it
//!   was answered later or is still waiting. Tickets still inside their
//!   target are not counted yet: they can still go either way.
//! - **Resolution SLA**: the same for the resolution target: decided when the
//!   ticket is resolved, or when the target breaches.
//! - **First-contact resolution**: of the tickets resolved in the period by
//!   people, those never reopened (no change from `resolved` back to open in
//!   the audit trail) and answered by one agent at most.
//! - **Bot deflection**: of the conversations the bot finished in the period,
//!   the share it resolved without a person (the bot's own `deflected`
//!   state; abandoned and handed-off conversations count against it).
//! - **Average resolution time**: the mean of resolved − created over the
//!   tickets resolved in the period by people, in wall-clock time (what the
//!   customer waited, nights included; the SLA figures are the ones that
//!   honour business hours).
//! - **CSAT response rate**: answered surveys / surveys sent in the period.
//! - **First response time** (median and 90th percentile, not rated): from
//!   when a person owed the customer a reply (the ticket's creation, or the
//!   bot's handoff) to the first reply by a person, for the tickets first
//!   answered in the period.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// One figure of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    CsatScore,
    FirstResponseSla,
    ResolutionSla,
    FirstContactResolution,
    BotDeflection,
    AvgResolutionTime,
    CsatResponseRate,
    FirstResponseMedian,
    FirstResponseP90,
}

crate::wire_enum!(Metric, "metric", {
    CsatScore => "csat_score",
    FirstResponseSla => "first_response_sla",
    ResolutionSla => "resolution_sla",
    FirstContactResolution => "first_contact_resolution",
    BotDeflection => "bot_deflection",
    AvgResolutionTime => "avg_resolution_time",
    CsatResponseRate => "csat_response_rate",
    FirstResponseMedian => "first_response_median",
    FirstResponseP90 => "first_response_p90",
});

/// What a metric's value is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 0 to 100.
    Percent,
    /// Milliseconds.
    Millis,
}

crate::wire_enum!(Unit, "unit", { Percent => "percent", Millis => "ms" });

/// Where a value stands against its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    OnTarget,
    BelowTarget,
    Warning,
    Action,
}

crate::wire_enum!(Band, "band", {
    OnTarget => "on_target",
    BelowTarget => "below_target",
    Warning => "warning",
    Action => "action",
});

/// The colour of a value in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Green,
    Amber,
    Red,
}

crate::wire_enum!(Rating, "rating", { Green => "green", Amber => "amber", Red => "red" });

impl Band {
    pub fn rating(self) -> Rating {
        match self {
            Band::OnTarget => Rating::Green,
            Band::BelowTarget | Band::Warning => Rating::Amber,
            Band::Action => Rating::Red,
        }
    }
}

/// A rated metric's levels, in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Lower values are better (times); otherwise higher are (rates).
    pub lower_is_better: bool,
    /// At or beyond this, on target.
    pub target: f64,
    /// The top of a target range ("85-92%"): shown, not judged, since a
    /// score above it is not bad news.
    pub target_max: Option<f64>,
    /// Strictly beyond this (below for rates, above for times), a warning.
    pub warning: f64,
    /// At or beyond this, action.
    pub action: f64,
}

impl Thresholds {
    pub fn band(&self, value: f64) -> Band {
        // Comparing in "higher is better" terms keeps one set of rules.
        let (v, t, w, a) = if self.lower_is_better {
            (-value, -self.target, -self.warning, -self.action)
        } else {
            (value, self.target, self.warning, self.action)
        };
        if v >= t {
            Band::OnTarget
        } else if v <= a {
            Band::Action
        } else if v < w {
            Band::Warning
        } else {
            Band::BelowTarget
        }
    }
}

const MIN: f64 = 60_000.0;
const HOUR: f64 = 60.0 * MIN;

impl Metric {
    /// The name shown in the table.
    pub fn label(self) -> &'static str {
        match self {
            Metric::CsatScore => "CSAT score",
            Metric::FirstResponseSla => "First-response SLA",
            Metric::ResolutionSla => "Resolution SLA",
            Metric::FirstContactResolution => "First-contact resolution",
            Metric::BotDeflection => "Bot deflection",
            Metric::AvgResolutionTime => "Average resolution time",
            Metric::CsatResponseRate => "CSAT response rate",
            Metric::FirstResponseMedian => "First response time (median)",
            Metric::FirstResponseP90 => "First response time (90th percentile)",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::AvgResolutionTime | Metric::FirstResponseMedian | Metric::FirstResponseP90 => {
                Unit::Millis
            }
            _ => Unit::Percent,
        }
    }

    /// What the value counts, in a sentence (the API and the CSV repeat it).
    pub fn definition(self) -> &'static str {
        match self {
            Metric::CsatScore => {
                "answered surveys rated 4 or 5 / answered surveys (sent in the period)"
            }
            Metric::FirstResponseSla => {
                "first responses in time / first-response targets decided in the period (a reply, or a breach: breached tickets count as missed whether answered later or still waiting)"
            }
            Metric::ResolutionSla => {
                "resolutions in time / resolution targets decided in the period (a resolution, or a breach)"
            }
            Metric::FirstContactResolution => {
                "tickets resolved by people, never reopened and answered by at most one agent / tickets resolved by people in the period"
            }
            Metric::BotDeflection => {
                "conversations the bot resolved without a person / conversations the bot finished in the period"
            }
            Metric::AvgResolutionTime => {
                "mean of resolved - created (wall clock) over tickets resolved by people in the period"
            }
            Metric::CsatResponseRate => "answered surveys / surveys sent in the period",
            Metric::FirstResponseMedian => {
                "median time from creation or bot handoff to the first reply by a person, tickets first answered in the period"
            }
            Metric::FirstResponseP90 => {
                "90th percentile (nearest rank) of the same first response times"
            }
        }
    }

    /// The industry-standard levels the table is judged by; `None` for the
    /// figures shown without a verdict.
    pub fn thresholds(self) -> Option<Thresholds> {
        let rate = |target, target_max, warning, action| Thresholds {
            lower_is_better: false,
            target,
            target_max,
            warning,
            action,
        };
        Some(match self {
            Metric::CsatScore => rate(85.0, Some(92.0), 80.0, 70.0),
            Metric::FirstResponseSla => rate(95.0, None, 90.0, 80.0),
            Metric::ResolutionSla => rate(90.0, None, 85.0, 75.0),
            Metric::FirstContactResolution => rate(70.0, None, 60.0, 50.0),
            Metric::BotDeflection => rate(60.0, Some(80.0), 50.0, 40.0),
            Metric::CsatResponseRate => rate(40.0, None, 30.0, 20.0),
            Metric::AvgResolutionTime => Thresholds {
                lower_is_better: true,
                target: 30.0 * MIN,
                target_max: None,
                warning: HOUR,
                action: 4.0 * HOUR,
            },
            Metric::FirstResponseMedian | Metric::FirstResponseP90 => return None,
        })
    }

    pub fn band(self, value: f64) -> Option<Band> {
        Some(self.thresholds()?.band(value))
    }

    /// Green, amber or red for `value`; `None` for unrated metrics.
    pub fn rate(self, value: f64) -> Option<Rating> {
        self.band(value).map(Band::rating)
    }
}

/// `num / den` in percent; `None` when there is nothing to divide by (a
/// rate of nothing is unknown, not 0% or 100%).
pub fn percent(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 * 100.0 / den as f64)
}

/// The nearest-rank percentile (`p` in 0-100) of sorted values: the
/// smallest value with at least p% of the values at or below it. A value
/// that occurred, never an interpolation between two.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The report's calendar: the business's time zone for days, weeks and
/// hours of the day.
#[derive(Debug, Clone)]
pub struct ReportZone {
    name: String,
    tz: TimeZone,
}

/// A series' buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// ISO weeks, from Monday.
    Week,
}

crate::wire_enum!(Bucket, "period", { Day => "day", Week => "week" });

impl ReportZone {
    pub fn utc() -> ReportZone {
        ReportZone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    /// An IANA zone (`Europe/Berlin`).
    pub fn named(name: &str) -> Result<ReportZone, String> {
        TimeZone::get(name)
            .map(|tz| ReportZone {
                name: name.to_string(),
                tz,
            })
            .map_err(|_| format!("unknown time zone {name:?}"))
    }

    /// The desk's zone when its calendars agree on one; else UTC. A desk
    /// whose teams sit in several zones has no single "Monday 9:00", and
    /// picking one team's would silently shift the others' hours.
    pub fn of_desk(spec: &crate::desk::DeskSpec) -> ReportZone {
        let mut zones = spec.hours.values().filter_map(|h| h.timezone.as_deref());
        match zones.next() {
            Some(first) if zones.all(|z| z == first) => {
                ReportZone::named(first).unwrap_or_else(|_| ReportZone::utc())
            }
            _ => ReportZone::utc(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn local(&self, ms: i64) -> Option<jiff::civil::DateTime> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| self.tz.to_datetime(t))
    }

    fn midnight(&self, date: jiff::civil::Date) -> Option<i64> {
        self.tz
            .to_timestamp(date.at(0, 0, 0, 0))
            .ok()
            .map(|t| t.as_millisecond())
    }

    /// (weekday, hour) of an instant in this zone: Monday is 0.
    pub fn weekday_hour(&self, ms: i64) -> (usize, usize) {
        match self.local(ms) {
            Some(d) => (
                d.weekday().to_monday_zero_offset() as usize,
                d.hour() as usize,
            ),
            None => (0, 0),
        }
    }

    /// Midnight at the start of `date` (`YYYY-MM-DD`) in this zone, in Unix ms.
    pub fn date_start(&self, date: &str) -> Result<i64, String> {
        let bad = || format!("{date:?} is not a date (YYYY-MM-DD)");
        if date.trim().len() != 10 {
            return Err(bad());
        }
        let d: jiff::civil::Date = date.trim().parse().map_err(|_| bad())?;
        self.midnight(d).ok_or_else(bad)
    }

    /// The start of the day (or ISO week) holding `ms`.
    pub fn bucket_start(&self, ms: i64, bucket: Bucket) -> i64 {
        let Some(d) = self.local(ms) else { return ms };
        let mut date = d.date();
        if bucket == Bucket::Week {
            let back = d.weekday().to_monday_zero_offset() as i64;
            date = date.checked_sub(back.days()).unwrap_or(date);
        }
        self.midnight(date).unwrap_or(ms)
    }

    /// The bucket after the one starting at `start`.
    pub fn next_bucket(&self, start: i64, bucket: Bucket) -> i64 {
        let days: i64 = match bucket {
            Bucket::Day => 1,
            Bucket::Week => 7,
        };
        // Calendar arithmetic, so a day with a DST change is 23 or 25 hours.
        self.local(start)
            .and_then(|d| d.date().checked_add(days.days()).ok())
            .and_then(|d| self.midnight(d))
            .unwrap_or(i64::MAX)
    }

    /// The buckets covering [from, to), as (start, end); the first starts at
    /// or before `from`.
    pub fn buckets(&self, from: i64, to: i64, bucket: Bucket) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut start = self.bucket_start(from, bucket);
        while start < to && out.len() < 3_700 {
            let end = self.next_bucket(start, bucket);
            out.push((start, end));
            start = end;
        }
        out
    }

    /// `YYYY-MM-DD` of an instant in this zone.
    pub fn date_label(&self, ms: i64) -> String {
        self.local(ms)
            .map(|d| d.date().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_higher_is_better_with_the_issue_levels() {
        let m = Metric::CsatScore;
        assert_eq!(m.band(92.0), Some(Band::OnTarget));
        assert_eq!(m.band(85.0), Some(Band::OnTarget));
        assert_eq!(m.band(84.9), Some(Band::BelowTarget));
        assert_eq!(m.band(80.0), Some(Band::BelowTarget));
        assert_eq!(m.band(79.9), Some(Band::Warning));
        assert_eq!(m.band(70.1), Some(Band::Warning));
        assert_eq!(m.band(70.0), Some(Band::Action));
        assert_eq!(m.rate(99.0), Some(Rating::Green));
        assert_eq!(m.rate(82.0), Some(Rating::Amber));
        assert_eq!(m.rate(75.0), Some(Rating::Amber));
        assert_eq!(m.rate(10.0), Some(Rating::Red));
        assert_eq!(Metric::FirstResponseSla.rate(95.0), Some(Rating::Green));
        assert_eq!(Metric::FirstResponseSla.rate(89.0), Some(Rating::Amber));
        assert_eq!(Metric::FirstResponseSla.rate(80.0), Some(Rating::Red));
        assert_eq!(Metric::BotDeflection.rate(85.0), Some(Rating::Green));
        assert_eq!(Metric::CsatResponseRate.rate(20.0), Some(Rating::Red));
    }

    #[test]
    fn rates_times_lower_is_better() {
        let m = Metric::AvgResolutionTime;
        assert_eq!(m.band(10.0 * MIN), Some(Band::OnTarget));
        assert_eq!(m.band(30.0 * MIN), Some(Band::OnTarget));
        assert_eq!(m.band(45.0 * MIN), Some(Band::BelowTarget));
        assert_eq!(m.band(HOUR), Some(Band::BelowTarget));
        assert_eq!(m.band(2.0 * HOUR), Some(Band::Warning));
        assert_eq!(m.band(4.0 * HOUR), Some(Band::Action));
        assert_eq!(Metric::FirstResponseMedian.rate(1.0), None);
    }

    #[test]
    fn every_metric_has_a_wire_name_and_words() {
        for m in Metric::ALL {
            assert_eq!(m.as_str().parse::<Metric>().unwrap(), *m);
            assert!(!m.label().is_empty() && !m.definition().is_empty());
        }
    }

    #[test]
    fn percent_and_percentile() {
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent(3, 4), Some(75.0));
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 50.0), Some(5));
        assert_eq!(percentile(&v, 90.0), Some(9));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
    }

    #[test]
    fn days_and_weeks_follow_the_zone_and_dst() {
        let z = ReportZone::named("Europe/Berlin").unwrap();
        // 2026-03-29 is the spring-forward day in Berlin: 23 hours.
        let start = z.date_start("2026-03-29").unwrap();
        assert_eq!(z.next_bucket(start, Bucket::Day) - start, 23 * 3_600_000);
        // 2026-03-02 was a Monday; 08:30 UTC is 09:30 in Berlin.
        let monday = ReportZone::utc().date_start("2026-03-02").unwrap();
        assert_eq!(z.weekday_hour(monday + 8 * 3_600_000 + 1_800_000), (0, 9));
        let wed = monday + 2 * 86_400_000 + 12 * 3_600_000;
        assert_eq!(
            z.bucket_start(wed, Bucket::Week),
            z.date_start("2026-03-02").unwrap()
        );
        let utc = ReportZone::utc();
        let b = utc.buckets(monday + 1, monday + 3 * 86_400_000, Bucket::Day);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].0, monday);
        assert_eq!(utc.date_label(b[2].0), "2026-03-04");
        assert!(ReportZone::named("Mars/Olympus").is_err());
        assert!(utc.date_start("2026-13-01").is_err());
    }
}
