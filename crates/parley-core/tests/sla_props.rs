//! Properties of business-hours arithmetic and SLA clocks over random
//! calendars (DST zones, odd offsets, overnight ranges, holidays) and random
//! instants across 2026-2027.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use parley_core::Priority;
use parley_core::hours::{BusinessHours, HoursSpec};
use parley_core::sla::{SlaClock, SlaPolicy, deadlines};
use proptest::prelude::*;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// 2026-01-01T00:00Z and 2028-01-01T00:00Z.
const FROM: i64 = 1_767_225_600_000;
const TO: i64 = 1_830_297_600_000;

const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
    "Australia/Lord_Howe", // 30-minute DST shift
    "America/St_Johns",    // -03:30, with DST
    "America/Sao_Paulo",
];

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A random calendar that compiles: candidate ranges that would overlap the
/// ones already kept are dropped.
fn calendar() -> impl Strategy<Value = HoursSpec> {
    // Starts biased towards 01:00-03:20, where DST switches happen.
    let start = prop_oneof![0u16..1440, 60u16..200];
    let range = (0usize..7, start, 1u16..1200, any::<bool>());
    (
        prop::sample::select(ZONES),
        prop::collection::vec(range, 0..8),
        // Half the holidays in January 2026, where `near_holidays` looks.
        prop::collection::vec(prop_oneof![0i64..730, 0i64..31], 0..8),
    )
        .prop_map(|(tz, ranges, holidays)| {
            let mut spec = HoursSpec {
                timezone: Some(tz.to_string()),
                always: false,
                holidays: holidays
                    .iter()
                    .map(|&n| {
                        Date::constant(2026, 1, 1)
                            .checked_add(jiff::Span::new().days(n))
                            .unwrap()
                            .to_string()
                    })
                    .collect(),
                ..HoursSpec::always()
            };
            for (day, start, len, to_midnight) in ranges {
                let end = if to_midnight && start > 0 {
                    "24:00".to_string()
                } else {
                    hhmm((start + len) % 1440)
                };
                if end == hhmm(start) {
                    continue;
                }
                let text = format!("{}-{end}", hhmm(start));
                let mut candidate = spec.clone();
                let days = [
                    &mut candidate.mon,
                    &mut candidate.tue,
                    &mut candidate.wed,
                    &mut candidate.thu,
                    &mut candidate.fri,
                    &mut candidate.sat,
                    &mut candidate.sun,
                ];
                days.into_iter().nth(day).unwrap().push(text);
                if BusinessHours::compile(&candidate).is_ok() {
                    spec = candidate;
                }
            }
            spec
        })
}

fn hours() -> impl Strategy<Value = (HoursSpec, BusinessHours)> {
    calendar().prop_map(|s| {
        let h = BusinessHours::compile(&s).expect("built to compile");
        (s, h)
    })
}

fn instant() -> impl Strategy<Value = i64> {
    FROM..TO
}

/// Mostly January 2026, where half the random holidays are.
fn near_holidays() -> impl Strategy<Value = i64> {
    prop_oneof![FROM..TO, FROM..FROM + 31 * DAY]
}

/// The zone's DST switches in 2026-2027, as (instant, clocks went forward).
fn switches(tz: &TimeZone) -> Vec<(i64, bool)> {
    tz.following(Timestamp::from_millisecond(FROM).unwrap())
        .map(|t| t.timestamp())
        .take_while(|t| t.as_millisecond() < TO)
        .map(|t| {
            let before = tz.to_offset(Timestamp::from_millisecond(t.as_millisecond() - 1).unwrap());
            (
                t.as_millisecond(),
                tz.to_offset(t).seconds() > before.seconds(),
            )
        })
        .collect()
}

/// Where the open interval containing `t` closes (`t` itself if closed):
/// found through the public API alone, by bisection.
fn closing_after(h: &BusinessHours, t: i64) -> i64 {
    let (mut open, mut closed) = (0, 8 * DAY);
    if h.business_ms_between(t, t + closed) == closed {
        return t + closed;
    }
    while closed - open > 1 {
        let mid = (open + closed) / 2;
        if h.business_ms_between(t, t + mid) == mid {
            open = mid;
        } else {
            closed = mid;
        }
    }
    t + open
}

/// Up to 20 days, in ms (odd values included).
fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..=20 * DAY,
        (0i64..=20 * 24 * 60).prop_map(|m| m * MINUTE)
    ]
}

/// Whether local wall-clock minute `at` is open, judged straight from the
/// spec: an independent model, minute by minute, for windows without DST
/// switches (where the calendar's fold rule is a choice, not a fact).
fn model_open(spec: &HoursSpec, tz: &TimeZone, at: i64) -> bool {
    let dt = tz.to_datetime(Timestamp::from_millisecond(at).unwrap());
    let minute = dt.hour() as u16 * 60 + dt.minute() as u16;
    let holiday = |d: Date| spec.holidays.contains(&d.to_string());
    let days = [
        &spec.mon, &spec.tue, &spec.wed, &spec.thu, &spec.fri, &spec.sat, &spec.sun,
    ];
    let parse = |r: &String| {
        let (a, b) = r.split_once('-').unwrap();
        let m = |t: &str| t[..2].parse::<u16>().unwrap() * 60 + t[3..].parse::<u16>().unwrap();
        (m(a), m(b))
    };
    if holiday(dt.date()) {
        return false;
    }
    let today = days[dt.weekday().to_monday_zero_offset() as usize];
    let yesterday = days[dt.weekday().previous().to_monday_zero_offset() as usize];
    today
        .iter()
        .map(parse)
        .any(|(s, e)| s <= minute && (e <= s || minute < e))
        || yesterday
            .iter()
            .map(parse)
            .any(|(s, e)| e < s && minute < e)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn add_then_between_is_identity((_, h) in hours(), s in instant(), d in duration()) {
        let end = h.add_business_ms(s, d);
        if h.next_open(s).is_none() {
            prop_assert_eq!(end, i64::MAX);
            prop_assert_eq!(h.business_ms_between(s, s + 30 * DAY), 0);
        } else {
            prop_assert!(end >= s);
            prop_assert_eq!(h.business_ms_between(s, end), d, "add({}, {}) = {}", s, d, end);
        }
    }

    #[test]
    fn a_deadline_that_ends_at_a_closing_is_that_closing((_, h) in hours(), s in instant(), ahead in 0..10 * DAY) {
        let Some(open) = h.next_open(s + ahead) else { return Ok(()) };
        let closing = closing_after(&h, open);
        prop_assume!(closing > open);
        let d = h.business_ms_between(s, closing);
        prop_assert_eq!(h.add_business_ms(s, d), closing, "not the next opening");
    }

    #[test]
    fn add_is_monotonic((_, h) in hours(), s in instant(), a in duration(), b in duration()) {
        let (a, b) = (a.min(b), a.max(b));
        prop_assert!(h.add_business_ms(s, a) <= h.add_business_ms(s, b));
    }

    #[test]
    fn add_lands_in_open_time_or_on_a_closing((_, h) in hours(), s in instant(), d in duration()) {
        let end = h.add_business_ms(s, d);
        prop_assume!(end != i64::MAX);
        if d == 0 {
            prop_assert_eq!(Some(end), h.next_open(s));
            prop_assert!(h.is_open(end));
        } else {
            prop_assert!(h.is_open(end) || h.is_open(end - 1), "{} is neither open nor a closing", end);
            // The earliest such instant: one ms less is not enough.
            prop_assert_eq!(h.business_ms_between(s, end - 1), d - 1);
        }
    }

    #[test]
    fn between_is_additive((_, h) in hours(), a in instant(), b in 0..40 * DAY, c in 0..40 * DAY) {
        let (b, c) = (a + b.min(c), a + b.max(c));
        prop_assert_eq!(
            h.business_ms_between(a, b) + h.business_ms_between(b, c),
            h.business_ms_between(a, c)
        );
        prop_assert_eq!(h.business_ms_between(c, a), 0);
    }

    #[test]
    fn is_open_and_next_open_agree_with_between((_, h) in hours(), t in instant()) {
        prop_assert_eq!(h.is_open(t), h.business_ms_between(t, t + 1) == 1);
        if let Some(next) = h.next_open(t) {
            prop_assert!(next >= t && h.is_open(next));
            prop_assert_eq!(h.business_ms_between(t, next), 0);
            prop_assert_eq!(next == t, h.is_open(t));
        }
    }

    #[test]
    fn matches_a_minute_by_minute_model(
        (spec, h) in hours(),
        anywhere in near_holidays(),
        switch in any::<prop::sample::Index>(),
        offset in -2 * DAY..2 * DAY,
        at_switch in any::<bool>(),
        len in 1i64..3 * 24 * 60,
    ) {
        let tz = TimeZone::get(spec.timezone.as_deref().unwrap()).unwrap();
        let switches = switches(&tz);
        // Half the windows straddle a DST switch, when the zone has any.
        let start = if at_switch && !switches.is_empty() {
            switches[switch.index(switches.len())].0 + offset
        } else {
            anywhere
        };
        let a = start - start.rem_euclid(MINUTE);
        let b = a + len * MINUTE;
        // Clocks going back repeat wall-clock minutes; which repetition a
        // boundary means is the calendar's choice, so the model cannot judge.
        let fold = switches.iter().any(|&(t, forward)| !forward && t > a - DAY && t < b + DAY);
        prop_assume!(!fold);
        let model = (0..len).filter(|i| model_open(&spec, &tz, a + i * MINUTE)).count() as i64 * MINUTE;
        prop_assert_eq!(h.business_ms_between(a, b), model, "{}", h);
    }

    #[test]
    fn always_open_is_plain_arithmetic(s in instant(), d in duration(), later in 0..40 * DAY) {
        let h = BusinessHours::always();
        prop_assert_eq!(h.add_business_ms(s, d), s + d);
        prop_assert_eq!(h.business_ms_between(s, s + later), later);
        prop_assert!(h.is_open(s));
    }

    #[test]
    fn pause_and_resume_neither_lose_nor_gain_time(
        (_, h) in hours(),
        start in instant(),
        steps in prop::collection::vec(0..3 * DAY, 1..12),
        business in any::<bool>(),
    ) {
        let span = |a: i64, b: i64| if business { h.business_ms_between(a, b) } else { b - a };
        let mut clock = SlaClock::start(start);
        let (mut now, mut since, mut expected) = (start, start, 0);
        for step in steps {
            now += step;
            let before = clock.elapsed(now, &h, business);
            if clock.is_running() {
                clock.pause(now, &h, business);
                expected += span(since, now);
            } else {
                clock.resume(now);
                since = now;
            }
            prop_assert_eq!(clock.elapsed(now, &h, business), before, "toggling at an instant changes nothing");
        }
        let running = if clock.is_running() { span(since, now + DAY) } else { 0 };
        prop_assert_eq!(clock.elapsed(now + DAY, &h, business), expected + running);
    }

    #[test]
    fn the_clock_reaches_each_target_at_its_deadline(
        (_, h) in hours(),
        start in instant(),
        banked in 0..2 * DAY,
        priority in prop::sample::select(Priority::ALL),
        business in any::<bool>(),
    ) {
        let mut t = SlaPolicy::default().resolve(priority, None, None);
        t.business_hours_only = business;
        let clock = SlaClock { elapsed_ms: banked, running_since: Some(start) };
        let dl = deadlines(&t, &h, &clock, false, false);
        for (target, deadline) in [(t.first_response_ms, dl.first_response.unwrap()), (t.resolution_ms, dl.resolution.unwrap())] {
            prop_assert!(deadline.warn_at <= deadline.due_at);
            if deadline.due_at == i64::MAX {
                prop_assert!(business && h.next_open(start).is_none());
            } else if target > banked {
                prop_assert_eq!(clock.elapsed(deadline.due_at, &h, business), target);
            } else {
                prop_assert_eq!(deadline.due_at, start - (banked - target), "overdue: in the past by the overshoot");
            }
        }
    }
}
