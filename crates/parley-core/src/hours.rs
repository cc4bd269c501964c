//! Business hours: weekly opening times in a time zone, with holidays.
//!
//! A team's calendar says when its SLA clock runs when the policy counts
//! business hours only. All instants are Unix milliseconds (UTC); the calendar
//! turns the team's local opening times into UTC intervals one local day at a
//! time, so the arithmetic costs a handful of time-zone lookups per day
//! crossed, whatever the durations involved.
//!
//! Semantics, chosen so that the numbers are the ones an agent would count on
//! a wall clock in the team's office:
//!
//! - A range `"09:00-17:00"` is open from 09:00 inclusive to 17:00 exclusive,
//!   local time. Open time is real elapsed time, so a 09:00-17:00 day is 8 h
//!   even on a 23 h or 25 h DST day, and `"00:00-24:00"` is 23 h or 25 h then.
//! - `"22:00-06:00"` (end before start) runs past midnight into the next day;
//!   it belongs to the day it starts on.
//! - A holiday closes the whole local date, 00:00 to 24:00: an overnight range
//!   that starts the evening before a holiday closes at midnight, and the tail
//!   of a range that started on a holiday, past midnight, stays open.
//! - A boundary that does not exist (inside a DST gap, e.g. 02:30 on the day
//!   clocks jump from 02:00 to 03:00) is taken as the instant of the jump, so
//!   `"02:30-05:00"` opens at 03:00 that day and `"02:00-03:00"` is not open
//!   at all. A boundary that happens twice (inside a DST fold) is taken at its
//!   first occurrence, so `"02:00-03:00"` on a fall-back day is open the
//!   two hours during which the clocks read 02:xx. Both rules keep local to
//!   UTC conversion monotonic, so ranges that do not overlap locally never
//!   overlap in UTC.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_LABELS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * 24 * 60;

/// The configuration-file form of a calendar.
///
/// ```toml
/// timezone = "Europe/Berlin"
/// mon = ["09:00-17:00"]
/// tue = ["09:00-12:30", "13:30-17:00"]
/// sat = ["22:00-06:00"]                    # runs into Sunday morning
/// holidays = ["2026-12-25", "2026-12-26"]  # local dates, closed all day
/// ```
///
/// A missing day is closed. `always = true` means open 24/7 (holidays, if
/// any, still close; they need a `timezone` to say whose date they are).
/// [`HoursSpec::default`] is 24/7, the calendar of a team that configured
/// none; a table that omits `always` is not 24/7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub always: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
}

impl HoursSpec {
    /// Open 24/7.
    pub fn always() -> HoursSpec {
        HoursSpec {
            timezone: None,
            always: true,
            mon: Vec::new(),
            tue: Vec::new(),
            wed: Vec::new(),
            thu: Vec::new(),
            fri: Vec::new(),
            sat: Vec::new(),
            sun: Vec::new(),
            holidays: Vec::new(),
        }
    }

    /// The ranges of each day, Monday first.
    fn days(&self) -> [&[String]; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

impl Default for HoursSpec {
    fn default() -> Self {
        HoursSpec::always()
    }
}

/// Why a calendar does not compile; each names the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    #[error(
        "business hours need a timezone (an IANA name such as \"Europe/Berlin\") unless always = true without holidays"
    )]
    MissingTimeZone,
    #[error("always = true cannot be combined with opening ranges (found some on {day})")]
    AlwaysWithRanges { day: &'static str },
    #[error("bad range {range:?} on {day}: {reason}")]
    BadRange {
        day: &'static str,
        range: String,
        reason: String,
    },
    #[error("overlapping ranges {first:?} on {first_day} and {second:?} on {second_day}")]
    Overlap {
        first: String,
        first_day: &'static str,
        second: String,
        second_day: &'static str,
    },
    #[error("bad holiday date {0:?}: expected YYYY-MM-DD")]
    BadHoliday(String),
}

/// Open from `start` to `end`, minutes after the local midnight of the day the
/// range belongs to; `end` exceeds a day for an overnight range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u16,
    end: u16,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 24:00 only ever ends a same-day range; an overnight end wraps.
        let end = if self.end == MINUTES_PER_DAY {
            self.end
        } else {
            self.end % MINUTES_PER_DAY
        };
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            end / 60,
            end % 60
        )
    }
}

#[derive(Debug)]
struct Weekly {
    tz: TimeZone,
    tz_name: String,
    /// Monday first, each sorted by start.
    days: [Vec<Range>; 7],
    /// Sorted, deduplicated.
    holidays: Vec<Date>,
}

/// A compiled calendar. Cloning shares it.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    /// `None` is 24/7.
    weekly: Option<Arc<Weekly>>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours::always()
    }
}

impl BusinessHours {
    /// Open 24/7: SLA time is wall-clock time.
    pub fn always() -> BusinessHours {
        BusinessHours { weekly: None }
    }

    /// Checks and compiles a calendar.
    pub fn compile(spec: &HoursSpec) -> Result<BusinessHours, HoursError> {
        let tz = match &spec.timezone {
            Some(name) => {
                Some(TimeZone::get(name).map_err(|_| HoursError::UnknownTimeZone(name.clone()))?)
            }
            None => None,
        };
        let mut holidays = spec
            .holidays
            .iter()
            .map(|h| parse_date(h).ok_or_else(|| HoursError::BadHoliday(h.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        holidays.sort();
        holidays.dedup();

        let mut days: [Vec<Range>; 7] = Default::default();
        if spec.always {
            if let Some(i) = spec.days().iter().position(|d| !d.is_empty()) {
                return Err(HoursError::AlwaysWithRanges { day: DAY_NAMES[i] });
            }
            if holidays.is_empty() {
                return Ok(BusinessHours::always());
            }
            // 24/7 except holidays: whole local days, which need a zone.
            for day in &mut days {
                day.push(Range {
                    start: 0,
                    end: MINUTES_PER_DAY,
                });
            }
        } else {
            for (i, ranges) in spec.days().iter().enumerate() {
                for text in ranges.iter() {
                    let range = parse_range(text).map_err(|reason| HoursError::BadRange {
                        day: DAY_NAMES[i],
                        range: text.clone(),
                        reason,
                    })?;
                    days[i].push(range);
                }
                days[i].sort_by_key(|r| r.start);
            }
            check_overlaps(&days)?;
        }
        let (Some(tz), Some(tz_name)) = (tz, spec.timezone.clone()) else {
            return Err(HoursError::MissingTimeZone);
        };
        Ok(BusinessHours {
            weekly: Some(Arc::new(Weekly {
                tz,
                tz_name,
                days,
                holidays,
            })),
        })
    }

    /// Whether the calendar is 24/7 (SLA time is then wall-clock time).
    pub fn is_always(&self) -> bool {
        self.weekly.is_none()
    }

    /// The calendar's time zone; `None` for 24/7.
    pub fn time_zone(&self) -> Option<&TimeZone> {
        match self.weekly.as_deref() {
            None => None,
            Some(w) => Some(&w.tz),
        }
    }

    /// Whether `at_ms` is within open time.
    pub fn is_open(&self, at_ms: i64) -> bool {
        match self.weekly.as_deref() {
            None => true,
            Some(w) => w
                .intervals_from(at_ms)
                .next()
                .is_some_and(|(s, _)| s <= at_ms),
        }
    }

    /// The first open instant at or after `at_ms`; `None` if the calendar is
    /// never open.
    pub fn next_open(&self, at_ms: i64) -> Option<i64> {
        match self.weekly.as_deref() {
            None => Some(at_ms),
            Some(w) => w.intervals_from(at_ms).next().map(|(s, _)| s.max(at_ms)),
        }
    }

    /// The earliest instant by which `dur_ms` of open time has elapsed since
    /// `start_ms`: a deadline. Counting starts at the next opening when
    /// `start_ms` is closed; a negative duration counts as zero, so
    /// `add_business_ms(s, 0)` is [`next_open`](Self::next_open). When the
    /// duration ends exactly at a closing time, that closing time is returned,
    /// not the next opening. `i64::MAX` if the calendar is never open.
    pub fn add_business_ms(&self, start_ms: i64, dur_ms: i64) -> i64 {
        let mut remaining = dur_ms.max(0);
        match self.weekly.as_deref() {
            None => start_ms.saturating_add(remaining),
            Some(w) => {
                for (s, e) in w.intervals_from(start_ms) {
                    let s = s.max(start_ms);
                    if remaining <= e - s {
                        return s + remaining;
                    }
                    remaining -= e - s;
                }
                i64::MAX
            }
        }
    }

    /// Open time in `[from_ms, to_ms)`; 0 if `to_ms <= from_ms`.
    pub fn business_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        match self.weekly.as_deref() {
            None => to_ms.saturating_sub(from_ms),
            Some(w) => w
                .intervals_from(from_ms)
                .take_while(|&(s, _)| s < to_ms)
                .map(|(s, e)| e.min(to_ms) - s.max(from_ms))
                .sum(),
        }
    }

    /// A one-line summary, e.g. "Mon-Fri 09:00-17:00 Europe/Berlin".
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for BusinessHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = match self.weekly.as_deref() {
            None => return f.write_str("24/7"),
            Some(w) => w,
        };
        let mut groups = Vec::new();
        let mut i = 0;
        while i < 7 {
            let mut j = i;
            while j + 1 < 7 && w.days[j + 1] == w.days[i] {
                j += 1;
            }
            if !w.days[i].is_empty() {
                let days = if i == j {
                    DAY_LABELS[i].to_string()
                } else {
                    format!("{}-{}", DAY_LABELS[i], DAY_LABELS[j])
                };
                let ranges: Vec<String> = w.days[i].iter().map(Range::to_string).collect();
                groups.push(format!("{days} {}", ranges.join(", ")));
            }
            i = j + 1;
        }
        if groups.is_empty() {
            write!(f, "never open ({})", w.tz_name)?;
        } else {
            write!(f, "{} {}", groups.join("; "), w.tz_name)?;
        }
        match w.holidays.len() {
            0 => Ok(()),
            1 => write!(f, ", closed {}", w.holidays[0]),
            n => write!(f, ", {n} holidays"),
        }
    }
}

/// The local weekday and minute of the day (0..1440) of an instant, for
/// "time of day" routing conditions. Instants beyond jiff's range (years
/// -9999..=9999) are clamped to it.
pub fn local_minute_of_day(at_ms: i64, tz: &TimeZone) -> (Weekday, u16) {
    let dt = tz.to_datetime(timestamp(at_ms));
    (dt.weekday(), dt.hour() as u16 * 60 + dt.minute() as u16)
}

/// The timestamp of `ms`, clamped to the range jiff can represent.
fn timestamp(ms: i64) -> Timestamp {
    let min = Timestamp::MIN.as_millisecond();
    let max = Timestamp::MAX.as_millisecond();
    Timestamp::from_millisecond(ms.clamp(min, max)).unwrap_or(Timestamp::MAX)
}

fn parse_date(text: &str) -> Option<Date> {
    // jiff would also take e.g. "2026-12-25T10:00"; a holiday is a date only.
    let t = text.trim();
    if t.len() != 10 {
        return None;
    }
    t.parse().ok()
}

/// Parses "HH:MM-HH:MM"; the error is the reason, for [`HoursError::BadRange`].
fn parse_range(text: &str) -> Result<Range, String> {
    const SHAPE: &str = "expected HH:MM-HH:MM";
    let (a, b) = text.split_once('-').ok_or(SHAPE)?;
    let start = parse_time(a.trim()).ok_or(SHAPE)?;
    let end = parse_time(b.trim()).ok_or(SHAPE)?;
    if start == MINUTES_PER_DAY {
        return Err("24:00 can only end a range".into());
    }
    match end.cmp(&start) {
        std::cmp::Ordering::Equal => {
            Err("start and end are equal (write 00:00-24:00 for a whole day)".into())
        }
        std::cmp::Ordering::Greater => Ok(Range { start, end }),
        std::cmp::Ordering::Less => Ok(Range {
            start,
            end: end + MINUTES_PER_DAY,
        }),
    }
}

/// "HH:MM" (or "H:MM") to minutes; 24:00 allowed.
fn parse_time(t: &str) -> Option<u16> {
    let (h, m) = t.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Rejects ranges that overlap anywhere in the week, Sunday night's overnight
/// range against Monday morning included. Touching ranges are fine.
fn check_overlaps(days: &[Vec<Range>; 7]) -> Result<(), HoursError> {
    let mut spans = Vec::new();
    for (i, ranges) in days.iter().enumerate() {
        for r in ranges {
            let start = i as u32 * MINUTES_PER_DAY as u32 + r.start as u32;
            let end = i as u32 * MINUTES_PER_DAY as u32 + r.end as u32;
            if end > MINUTES_PER_WEEK {
                spans.push((start, MINUTES_PER_WEEK, i, r));
                spans.push((0, end - MINUTES_PER_WEEK, i, r));
            } else {
                spans.push((start, end, i, r));
            }
        }
    }
    spans.sort_by_key(|s| s.0);
    for pair in spans.windows(2) {
        let ((_, end, d1, r1), (start, _, d2, r2)) = (pair[0], pair[1]);
        if start < end {
            return Err(HoursError::Overlap {
                first: r1.to_string(),
                first_day: DAY_NAMES[d1],
                second: r2.to_string(),
                second_day: DAY_NAMES[d2],
            });
        }
    }
    Ok(())
}

impl Weekly {
    fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    /// Open UTC intervals `[start, end)`, in order, from the one containing
    /// or following `at_ms`. Ends when jiff's calendar does (year 9999), or
    /// at once if no day has a range.
    fn intervals_from(&self, at_ms: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let date = self.tz.to_datetime(timestamp(at_ms)).date();
        // Yesterday's overnight range may still be open.
        let date = date.yesterday().unwrap_or(date);
        let never = self.days.iter().all(Vec::is_empty);
        let mut next_date = (!never).then_some(date);
        let mut buf = Vec::new();
        let mut pos = 0;
        std::iter::from_fn(move || {
            loop {
                if let Some(&iv) = buf.get(pos) {
                    pos += 1;
                    return Some(iv);
                }
                let date = next_date?;
                buf.clear();
                pos = 0;
                self.day_intervals(date, &mut buf);
                next_date = date.tomorrow().ok();
            }
        })
        .filter(move |&(_, e)| e > at_ms)
    }

    /// Appends the UTC intervals of the ranges that belong to local `date`.
    /// At the very edges of jiff's calendar, a boundary it cannot represent
    /// drops its range rather than ending the walk.
    fn day_intervals(&self, date: Date, out: &mut Vec<(i64, i64)>) {
        let ranges = &self.days[date.weekday().to_monday_zero_offset() as usize];
        if ranges.is_empty() {
            return;
        }
        let closed_today = self.is_holiday(date);
        let closed_tomorrow = date.tomorrow().is_ok_and(|d| self.is_holiday(d));
        for r in ranges {
            // Holidays close whole local dates: clip in local minutes.
            let start = if closed_today {
                r.start.max(MINUTES_PER_DAY)
            } else {
                r.start
            };
            let end = if closed_tomorrow {
                r.end.min(MINUTES_PER_DAY)
            } else {
                r.end
            };
            if start >= end {
                continue;
            }
            let (Some(s), Some(e)) = (self.local_ms(date, start), self.local_ms(date, end)) else {
                continue;
            };
            // A range entirely inside a DST gap is empty that day.
            if s < e {
                out.push((s, e));
            }
        }
    }

    /// The instant of `minute` minutes after local midnight of `date` (minutes
    /// past 24:00 run into the next date), resolving DST gaps to the jump and
    /// folds to the first occurrence (see the module docs).
    fn local_ms(&self, date: Date, minute: u16) -> Option<i64> {
        let (date, minute) = if minute >= MINUTES_PER_DAY {
            (date.tomorrow().ok()?, minute - MINUTES_PER_DAY)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let ambiguous = self.tz.to_ambiguous_timestamp(dt);
        let ts = match ambiguous.offset() {
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, `dt` falls before the jump; the
                // next transition from there is the jump itself.
                let before_jump = after.to_timestamp(dt).ok()?;
                match self.tz.following(before_jump).next() {
                    Some(t) => t.timestamp(),
                    None => ambiguous.compatible().ok()?,
                }
            }
            _ => ambiguous.earlier().ok()?,
        };
        Some(ts.as_millisecond())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const M: i64 = 60_000;

    /// Milliseconds of a zoned datetime such as "2026-01-09T16:30[Europe/Berlin]".
    fn ms(s: &str) -> i64 {
        s.parse::<jiff::ZonedDateTime>()
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn spec(tz: &str) -> HoursSpec {
        HoursSpec {
            timezone: Some(tz.into()),
            always: false,
            ..HoursSpec::always()
        }
    }

    fn weekdays(tz: &str, range: &str) -> HoursSpec {
        let r = vec![range.to_string()];
        HoursSpec {
            mon: r.clone(),
            tue: r.clone(),
            wed: r.clone(),
            thu: r.clone(),
            fri: r,
            ..spec(tz)
        }
    }

    fn every_day(tz: &str, range: &str) -> HoursSpec {
        let r = vec![range.to_string()];
        HoursSpec {
            sat: r.clone(),
            sun: r,
            ..weekdays(tz, range)
        }
    }

    fn compile(spec: &HoursSpec) -> BusinessHours {
        BusinessHours::compile(spec).unwrap()
    }

    /// Open time of a local date, midnight to midnight.
    fn open_on(h: &BusinessHours, tz: &str, date: &str) -> i64 {
        let d: Date = date.parse().unwrap();
        let next = d.tomorrow().unwrap();
        h.business_ms_between(
            ms(&format!("{d}T00:00[{tz}]")),
            ms(&format!("{next}T00:00[{tz}]")),
        )
    }

    #[test]
    fn friday_afternoon_ticket_is_due_monday_morning() {
        let h = compile(&weekdays("Europe/Berlin", "09:00-17:00"));
        let fri = ms("2026-01-09T16:30[Europe/Berlin]");
        assert_eq!(
            h.add_business_ms(fri, H),
            ms("2026-01-12T09:30[Europe/Berlin]")
        );
        assert_eq!(
            h.business_ms_between(fri, ms("2026-01-12T09:30[Europe/Berlin]")),
            H
        );
        assert!(h.is_open(fri));
        assert!(
            !h.is_open(ms("2026-01-09T17:00[Europe/Berlin]")),
            "17:00 is closed"
        );
        assert!(
            h.is_open(ms("2026-01-09T09:00[Europe/Berlin]")),
            "09:00 is open"
        );
        assert_eq!(
            h.next_open(ms("2026-01-10T12:00[Europe/Berlin]")),
            Some(ms("2026-01-12T09:00[Europe/Berlin]"))
        );
        // Exactly used up at closing time: the deadline is the closing time.
        assert_eq!(
            h.add_business_ms(fri, 30 * M),
            ms("2026-01-09T17:00[Europe/Berlin]")
        );
        // Zero from closed time is the next opening.
        let sat = ms("2026-01-10T08:00[Europe/Berlin]");
        assert_eq!(
            h.add_business_ms(sat, 0),
            ms("2026-01-12T09:00[Europe/Berlin]")
        );
        // A week is 40 h.
        let mon = ms("2026-01-12T09:00[Europe/Berlin]");
        assert_eq!(h.business_ms_between(mon, mon + 7 * 24 * H), 40 * H);
        assert_eq!(
            h.add_business_ms(mon, 40 * H),
            ms("2026-01-16T17:00[Europe/Berlin]")
        );
    }

    #[test]
    fn dst_days_have_exact_open_time() {
        for (tz, spring, autumn) in [
            ("Europe/Berlin", "2026-03-29", "2026-10-25"),
            ("America/New_York", "2026-03-08", "2026-11-01"),
        ] {
            let office = compile(&every_day(tz, "09:00-17:00"));
            let whole = compile(&every_day(tz, "00:00-24:00"));
            for day in [spring, autumn, "2026-06-01"] {
                assert_eq!(open_on(&office, tz, day), 8 * H, "{tz} {day}");
            }
            assert_eq!(open_on(&whole, tz, spring), 23 * H, "{tz}");
            assert_eq!(open_on(&whole, tz, autumn), 25 * H, "{tz}");
            // Saturday 16:00 + 2 h crosses the switch night: Sunday 10:00.
            let sat = ms(&format!(
                "{}T16:00[{tz}]",
                spring.parse::<Date>().unwrap().yesterday().unwrap()
            ));
            assert_eq!(
                office.add_business_ms(sat, 2 * H),
                ms(&format!("{spring}T10:00[{tz}]"))
            );
        }
    }

    #[test]
    fn ranges_touching_a_dst_switch_use_the_jump_and_the_first_occurrence() {
        let tz = "Europe/Berlin";
        let sundays = |r: &str| {
            compile(&HoursSpec {
                sun: vec![r.into()],
                ..spec(tz)
            })
        };
        // Clocks jump 02:00 -> 03:00 on 2026-03-29.
        assert_eq!(open_on(&sundays("01:00-04:00"), tz, "2026-03-29"), 2 * H);
        assert_eq!(open_on(&sundays("02:15-02:45"), tz, "2026-03-29"), 0);
        assert_eq!(open_on(&sundays("02:15-02:45"), tz, "2026-04-05"), 30 * M);
        let h = sundays("02:30-05:00");
        assert_eq!(
            open_on(&h, tz, "2026-03-29"),
            2 * H,
            "opens at the jump, 03:00"
        );
        assert_eq!(
            h.next_open(ms("2026-03-29T00:00[Europe/Berlin]")),
            Some(ms("2026-03-29T03:00[Europe/Berlin]"))
        );
        // Clocks fall back 03:00 -> 02:00 on 2026-10-25: 02:xx happens twice.
        assert_eq!(open_on(&sundays("02:00-03:00"), tz, "2026-10-25"), 2 * H);
        assert_eq!(open_on(&sundays("01:00-02:30"), tz, "2026-10-25"), 90 * M);
        assert_eq!(
            open_on(&sundays("02:30-05:00"), tz, "2026-10-25"),
            3 * H + 30 * M
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let mut s = weekdays("Europe/Berlin", "09:00-17:00");
        s.holidays = vec!["2026-12-25".into()];
        let thu = ms("2026-12-24T16:30[Europe/Berlin]");
        assert_eq!(
            compile(&s).add_business_ms(thu, H),
            ms("2026-12-28T09:30[Europe/Berlin]")
        );
        s.holidays.push("2026-12-28".into());
        let h = compile(&s);
        assert_eq!(
            h.add_business_ms(thu, H),
            ms("2026-12-29T09:30[Europe/Berlin]")
        );
        assert!(!h.is_open(ms("2026-12-28T10:00[Europe/Berlin]")));
        assert_eq!(
            h.business_ms_between(thu, ms("2026-12-30T00:00[Europe/Berlin]")),
            30 * M + 8 * H
        );
        // 24/7 with holidays closes whole local days.
        let always = HoursSpec {
            holidays: vec!["2026-12-25".into()],
            timezone: Some("Europe/Berlin".into()),
            ..HoursSpec::always()
        };
        let h = compile(&always);
        assert!(!h.is_always());
        assert_eq!(open_on(&h, "Europe/Berlin", "2026-12-25"), 0);
        assert_eq!(open_on(&h, "Europe/Berlin", "2026-12-24"), 24 * H);
        assert_eq!(
            h.add_business_ms(ms("2026-12-24T23:00[Europe/Berlin]"), 2 * H),
            ms("2026-12-26T01:00[Europe/Berlin]")
        );
    }

    #[test]
    fn overnight_ranges_run_into_the_next_day() {
        let s = HoursSpec {
            sat: vec!["22:00-06:00".into()],
            ..spec("UTC")
        };
        let h = compile(&s);
        let sat = ms("2026-01-10T23:00[UTC]");
        assert!(h.is_open(ms("2026-01-11T05:59[UTC]")));
        assert!(!h.is_open(ms("2026-01-11T06:00[UTC]")));
        assert_eq!(h.add_business_ms(sat, 5 * H), ms("2026-01-11T04:00[UTC]"));
        assert_eq!(h.add_business_ms(sat, 8 * H), ms("2026-01-17T23:00[UTC]"));
        assert_eq!(
            h.next_open(ms("2026-01-11T07:00[UTC]")),
            Some(ms("2026-01-17T22:00[UTC]"))
        );
        // A holiday on Sunday closes the tail after midnight; on Saturday, the evening.
        let sun_off = compile(&HoursSpec {
            holidays: vec!["2026-01-11".into()],
            ..s.clone()
        });
        assert_eq!(open_on(&sun_off, "UTC", "2026-01-10"), 2 * H);
        assert_eq!(open_on(&sun_off, "UTC", "2026-01-11"), 0);
        let sat_off = compile(&HoursSpec {
            holidays: vec!["2026-01-10".into()],
            ..s
        });
        assert_eq!(open_on(&sat_off, "UTC", "2026-01-10"), 0);
        assert_eq!(open_on(&sat_off, "UTC", "2026-01-11"), 6 * H);
        // Sunday night runs into Monday morning, across the week's end.
        let sun = compile(&HoursSpec {
            sun: vec!["20:00-02:00".into()],
            ..spec("UTC")
        });
        assert_eq!(open_on(&sun, "UTC", "2026-01-12"), 2 * H);
    }

    #[test]
    fn zones_far_from_utc() {
        let h = compile(&weekdays("Asia/Kolkata", "09:00-17:00"));
        // Monday 09:00 IST is 03:30 UTC.
        assert!(!h.is_open(ms("2026-01-12T03:29:59.999[UTC]")));
        assert!(h.is_open(ms("2026-01-12T03:30[UTC]")));
        assert_eq!(
            h.next_open(ms("2026-01-11T12:00[UTC]")),
            Some(ms("2026-01-12T03:30[UTC]"))
        );
        assert_eq!(
            h.add_business_ms(ms("2026-01-12T11:00[UTC]"), H),
            ms("2026-01-13T04:00[UTC]")
        );

        // Auckland is UTC+13 in January: Monday 09:00 is Sunday 20:00 UTC.
        let h = compile(&weekdays("Pacific/Auckland", "09:00-17:00"));
        assert_eq!(
            h.next_open(ms("2026-01-11T12:00[UTC]")),
            Some(ms("2026-01-11T20:00[UTC]"))
        );
        assert!(
            h.is_open(ms("2026-01-12T20:00[UTC]")),
            "Tuesday 09:00 local"
        );
        assert!(
            !h.is_open(ms("2026-01-12T19:59[UTC]")),
            "Tuesday 08:59 local"
        );
        // NZ daylight saving ends 2026-04-05 and starts 2026-09-27 (Sundays): +12 in between.
        assert_eq!(
            h.next_open(ms("2026-06-07T12:00[UTC]")),
            Some(ms("2026-06-07T21:00[UTC]"))
        );
        let tz = "Pacific/Auckland";
        let whole = compile(&every_day(tz, "00:00-24:00"));
        assert_eq!(open_on(&whole, tz, "2026-04-05"), 25 * H);
        assert_eq!(open_on(&whole, tz, "2026-09-27"), 23 * H);
    }

    #[test]
    fn always_and_never() {
        let h = BusinessHours::always();
        assert!(h.is_always() && h.is_open(0));
        assert_eq!(h.add_business_ms(1_000, 5_000), 6_000);
        assert_eq!(h.business_ms_between(1_000, 6_000), 5_000);
        assert_eq!(h.business_ms_between(6_000, 1_000), 0);
        assert_eq!(h.add_business_ms(i64::MAX - 1, 5), i64::MAX);
        assert_eq!(h.to_string(), "24/7");
        assert!(compile(&HoursSpec::default()).is_always());

        let never = compile(&spec("Europe/Berlin"));
        assert!(!never.is_open(0));
        assert_eq!(never.next_open(0), None);
        assert_eq!(never.add_business_ms(0, 1), i64::MAX);
        assert_eq!(never.business_ms_between(0, 1_000_000_000), 0);
        assert_eq!(never.to_string(), "never open (Europe/Berlin)");
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let h = compile(&weekdays("Europe/Berlin", "09:00-17:00"));
        assert_eq!(h.add_business_ms(i64::MAX, H), i64::MAX);
        let first = h.add_business_ms(i64::MIN, H);
        let min = Timestamp::MIN.as_millisecond();
        assert!(first > min && first < min + 30 * 24 * H, "{first}");
        assert_eq!(h.business_ms_between(i64::MIN, first), H);
        assert!(!h.is_open(i64::MAX));
        assert_eq!(h.next_open(i64::MAX), None);
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |s: HoursSpec| BusinessHours::compile(&s).unwrap_err().to_string();
        assert_eq!(
            err(spec("Europe/Berln")),
            "unknown time zone \"Europe/Berln\""
        );
        let bad = |day: &str, r: &str| {
            let mut s = spec("UTC");
            match day {
                "mon" => s.mon = vec![r.into()],
                _ => s.sat = vec![r.into()],
            }
            err(s)
        };
        assert_eq!(
            bad("mon", "9-17"),
            "bad range \"9-17\" on mon: expected HH:MM-HH:MM"
        );
        assert_eq!(
            bad("mon", "09:00-25:00"),
            "bad range \"09:00-25:00\" on mon: expected HH:MM-HH:MM"
        );
        assert_eq!(
            bad("mon", "09:60-10:00"),
            "bad range \"09:60-10:00\" on mon: expected HH:MM-HH:MM"
        );
        assert_eq!(
            bad("sat", "24:00-02:00"),
            "bad range \"24:00-02:00\" on sat: 24:00 can only end a range"
        );
        assert_eq!(
            bad("mon", "09:00-09:00"),
            "bad range \"09:00-09:00\" on mon: start and end are equal (write 00:00-24:00 for a whole day)"
        );
        let s = HoursSpec {
            tue: vec!["09:00-13:00".into(), "12:00-17:00".into()],
            ..spec("UTC")
        };
        assert_eq!(
            err(s),
            "overlapping ranges \"09:00-13:00\" on tue and \"12:00-17:00\" on tue"
        );
        let s = HoursSpec {
            sun: vec!["22:00-06:00".into()],
            mon: vec!["05:00-09:00".into()],
            ..spec("UTC")
        };
        assert_eq!(
            err(s),
            "overlapping ranges \"22:00-06:00\" on sun and \"05:00-09:00\" on mon"
        );
        let s = HoursSpec {
            holidays: vec!["2026-13-01".into()],
            ..spec("UTC")
        };
        assert_eq!(
            err(s),
            "bad holiday date \"2026-13-01\": expected YYYY-MM-DD"
        );
        let s = HoursSpec {
            holidays: vec!["2026-12-25T10:00".into()],
            ..spec("UTC")
        };
        assert_eq!(
            err(s),
            "bad holiday date \"2026-12-25T10:00\": expected YYYY-MM-DD"
        );
        let s = HoursSpec {
            mon: vec!["09:00-17:00".into()],
            ..HoursSpec::always()
        };
        assert_eq!(
            err(s),
            "always = true cannot be combined with opening ranges (found some on mon)"
        );
        let s = HoursSpec {
            mon: vec!["09:00-17:00".into()],
            timezone: None,
            ..spec("UTC")
        };
        assert!(err(s).starts_with("business hours need a timezone"));
        // Touching ranges are fine, and so are spaces around the dash.
        let s = HoursSpec {
            tue: vec!["09:00 - 12:00".into(), "12:00-17:00".into()],
            ..spec("UTC")
        };
        assert_eq!(open_on(&compile(&s), "UTC", "2026-01-13"), 8 * H);
    }

    #[test]
    fn describes_itself() {
        let mut s = weekdays("Europe/Berlin", "09:00-17:00");
        assert_eq!(compile(&s).describe(), "Mon-Fri 09:00-17:00 Europe/Berlin");
        s.tue = vec!["09:00-12:30".into(), "13:30-17:00".into()];
        s.sat = vec!["22:00-06:00".into()];
        s.holidays = vec!["2026-12-25".into()];
        assert_eq!(
            compile(&s).to_string(),
            "Mon 09:00-17:00; Tue 09:00-12:30, 13:30-17:00; Wed-Fri 09:00-17:00; Sat 22:00-06:00 Europe/Berlin, closed 2026-12-25"
        );
        let h = compile(&every_day("UTC", "00:00-24:00"));
        assert_eq!(h.to_string(), "Mon-Sun 00:00-24:00 UTC");
    }

    #[test]
    fn spec_round_trips_and_rejects_unknown_fields() {
        let json = r#"{"timezone":"Europe/Berlin","mon":["09:00-17:00"],"tue":["09:00-12:30","13:30-17:00"],"sat":["22:00-06:00"],"holidays":["2026-12-25","2026-12-26"]}"#;
        let s: HoursSpec = serde_json::from_str(json).unwrap();
        assert_eq!(s.tue.len(), 2);
        assert!(!s.always, "a table without `always` is not 24/7");
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        compile(&s);
        let s: HoursSpec = serde_json::from_str(r#"{"always":true}"#).unwrap();
        assert_eq!(s, HoursSpec::default());
        let e = serde_json::from_str::<HoursSpec>(r#"{"monday":["09:00-17:00"]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `monday`"), "{e}");
    }

    #[test]
    fn local_minute_of_day_uses_the_zone() {
        let tz = TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(
            local_minute_of_day(ms("2026-01-11T20:00[UTC]"), &tz),
            (Weekday::Monday, 90)
        );
        let tz = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            local_minute_of_day(ms("2026-07-01T12:00[UTC]"), &tz),
            (Weekday::Wednesday, 8 * 60)
        );
    }
}
