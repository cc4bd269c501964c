//! Time-of-day and day-of-week conditions, in a rule's local timezone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A local time window, minutes after midnight; `start > end` wraps midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: u16,
    pub end: u16,
}

/// Days of the week as bits, Monday = bit 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(pub u8);

/// Local wall-clock position: weekday (Monday = 0) and minute of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub weekday: u8,
    pub minute: u16,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl LocalTime {
    pub fn at(tz: &TimeZone, now_ms: i64) -> LocalTime {
        let ts = Timestamp::from_millisecond(now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let dt = tz.to_datetime(ts);
        LocalTime {
            weekday: dt.weekday().to_monday_zero_offset() as u8,
            minute: dt.hour() as u16 * 60 + dt.minute() as u16,
        }
    }

    /// `Tue 19:05`
    pub fn describe(self) -> String {
        let d = DAY_NAMES[self.weekday as usize];
        let mut day = d[..1].to_uppercase();
        day.push_str(&d[1..]);
        format!("{day} {:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

impl TimeWindow {
    /// Parses "HH:MM-HH:MM" (24-hour clock; "24:00" allowed as an end).
    pub fn parse(s: &str) -> Result<TimeWindow, String> {
        let bad = || format!("time {s:?} is not \"HH:MM-HH:MM\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start = parse_hhmm(a.trim()).ok_or_else(bad)?;
        let end = parse_hhmm(b.trim()).ok_or_else(bad)?;
        if start >= 24 * 60 {
            return Err(bad());
        }
        if start == end {
            return Err(format!("time {s:?} is empty (start equals end)"));
        }
        Ok(TimeWindow { start, end })
    }

    pub fn overnight(self) -> bool {
        self.start > self.end
    }

    /// Whether `t` falls in the window, and if so whether in the part after
    /// midnight (which belongs to the previous day's window).
    pub fn contains(self, t: LocalTime) -> Option<bool> {
        let m = t.minute;
        if !self.overnight() {
            (m >= self.start && m < self.end).then_some(false)
        } else if m >= self.start {
            Some(false)
        } else if m < self.end {
            Some(true)
        } else {
            None
        }
    }
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

impl Days {
    /// Parses day names, ranges ("mon-fri", "fri-mon"), "weekdays", "weekend".
    pub fn parse(items: &[String]) -> Result<Days, String> {
        let mut bits = 0u8;
        for item in items {
            let s = item.trim().to_lowercase();
            bits |= match s.as_str() {
                "weekdays" => 0b0001_1111,
                "weekend" | "weekends" => 0b0110_0000,
                _ => match s.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (day(a.trim(), item)?, day(b.trim(), item)?);
                        let mut m = 0u8;
                        let mut d = a;
                        loop {
                            m |= 1 << d;
                            if d == b {
                                break;
                            }
                            d = (d + 1) % 7;
                        }
                        m
                    }
                    None => 1 << day(&s, item)?,
                },
            };
        }
        if bits == 0 {
            return Err("days is empty".into());
        }
        Ok(Days(bits))
    }

    pub fn contains(self, weekday: u8) -> bool {
        self.0 & (1 << weekday) != 0
    }
}

fn day(s: &str, item: &str) -> Result<u8, String> {
    let s3 = s.get(..3).unwrap_or(s);
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAY_NAMES
        .iter()
        .position(|d| *d == s3 && (s.len() == 3 || full.contains(&s)))
        .map(|p| p as u8)
        .ok_or_else(|| format!("day {item:?} is not one of mon, tue, wed, thu, fri, sat, sun (or a range like mon-fri)"))
}

/// Whether a `time`/`days` condition holds at local time `t`.
pub fn matches(window: Option<TimeWindow>, days: Option<Days>, t: LocalTime) -> bool {
    let mut weekday = t.weekday;
    if let Some(w) = window {
        match w.contains(t) {
            None => return false,
            // 02:00 Saturday in a Friday 22:00-06:00 window is Friday's.
            Some(true) => weekday = (weekday + 6) % 7,
            Some(false) => {}
        }
    }
    days.is_none_or(|d| d.contains(weekday))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(weekday: u8, h: u16, m: u16) -> LocalTime {
        LocalTime {
            weekday,
            minute: h * 60 + m,
        }
    }

    #[test]
    fn parses_windows_and_days() {
        assert_eq!(
            TimeWindow::parse("09:00-17:30"),
            Ok(TimeWindow {
                start: 540,
                end: 1050
            })
        );
        assert_eq!(
            TimeWindow::parse("22:00 - 6:00").unwrap(),
            TimeWindow {
                start: 1320,
                end: 360
            }
        );
        assert_eq!(TimeWindow::parse("18:00-24:00").unwrap().end, 1440);
        assert_eq!(
            TimeWindow::parse("9am-5pm").unwrap_err(),
            "time \"9am-5pm\" is not \"HH:MM-HH:MM\""
        );
        assert!(TimeWindow::parse("25:00-26:00").is_err());
        assert!(
            TimeWindow::parse("10:00-10:00")
                .unwrap_err()
                .contains("empty")
        );

        let s = |v: &[&str]| Days::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["mon-fri"]), Ok(Days(0b0001_1111)));
        assert_eq!(s(&["weekend"]), Ok(Days(0b0110_0000)));
        assert_eq!(s(&["fri-mon"]), Ok(Days(0b0111_0001)));
        assert_eq!(s(&["Monday", "wed"]), Ok(Days(0b0000_0101)));
        assert!(
            s(&["funday"])
                .unwrap_err()
                .starts_with("day \"funday\" is not one of")
        );
        assert!(s(&["monxyz"]).is_err());
    }

    #[test]
    fn day_and_overnight_windows() {
        let day = TimeWindow::parse("09:00-17:00").unwrap();
        assert!(matches(Some(day), None, lt(0, 9, 0)));
        assert!(!matches(Some(day), None, lt(0, 17, 0)), "end is exclusive");
        let night = TimeWindow::parse("22:00-06:00").unwrap();
        let fri = Days(1 << 4);
        assert!(
            matches(Some(night), Some(fri), lt(4, 23, 0)),
            "Friday 23:00"
        );
        assert!(
            matches(Some(night), Some(fri), lt(5, 2, 0)),
            "Saturday 02:00 is Friday night"
        );
        assert!(
            !matches(Some(night), Some(fri), lt(4, 2, 0)),
            "Friday 02:00 is Thursday night"
        );
        assert!(!matches(Some(night), None, lt(4, 12, 0)));
        assert!(matches(None, Some(fri), lt(4, 12, 0)));
    }

    #[test]
    fn local_time_uses_the_timezone() {
        // 2025-01-06 (a Monday) 02:30 UTC is Sunday 23:30 in São Paulo (UTC-3).
        let ms = 1_736_130_600_000;
        let utc = LocalTime::at(&TimeZone::UTC, ms);
        assert_eq!(utc.describe(), "Mon 02:30");
        let sp = LocalTime::at(&TimeZone::get("America/Sao_Paulo").unwrap(), ms);
        assert_eq!(sp.describe(), "Sun 23:30");
    }
}
