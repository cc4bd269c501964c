//! SLA policies and clocks: targets per priority, deadlines, pauses.
//!
//! # Semantics
//!
//! Each ticket has one [`SlaClock`] counting *SLA time*: wall-clock time, or
//! only the open time of the team's [`BusinessHours`] when the policy says
//! `business_hours_only`, and excluding the spans the ticket was pending on
//! the customer when `pause_when_pending` (the caller pauses the clock when the
//! ticket goes pending and resumes it when the customer answers; it does not
//! pause when the policy says not to).
//!
//! - **First response** is due when the clock reaches `first_response` and
//!   no agent has replied yet.
//! - **Resolution** is due when the clock reaches `resolution` and the ticket
//!   is not resolved.
//! - **Warning** at `warn_at_percent` of each target (rounded down to the ms).
//! - **Auto-escalation** at `escalate_after` if there is still no first
//!   response, and, with `escalate_on_resolution_breach`, when resolution is
//!   breached: whichever comes first. The default `escalate_after` is twice
//!   the first-response target: breach first, escalate after. A shorter one
//!   (escalate before breach) is allowed.
//!
//! Durations are SLA time, so with `business_hours_only` "1d" means 24 hours
//! of open time (three 8-hour business days), not one business day.
//!
//! # Precedence
//!
//! built-in table < `[targets]` < `[teams."<name>"]` < `[segments.<name>]`.
//! Every layer is partial: it changes only what it names, down to one target
//! of one priority. A customer segment wins over a team because it is a promise
//! made to the customer (a VIP's tighter target holds whichever team answers).
//! Names match exactly. No segment is configured by default; for example
//!
//! ```toml
//! [segments.vip]
//! warn_at_percent = 50
//! [segments.vip.targets.high]
//! first_response = "10m"
//! ```
//!
//! gives VIPs a 10-minute first response on high-priority tickets and an early
//! warning on all of them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::hours::BusinessHours;
use crate::priority::Priority;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Longer targets are surely typos, and the cap keeps all arithmetic far from
/// overflow.
const MAX_DURATION_MS: i64 = 366 * DAY;

/// Why an SLA configuration is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    #[error("bad duration {value:?}: {reason}")]
    BadDuration { value: String, reason: String },
    #[error("warn_at_percent must be between 1 and 99, got {value} ({context})")]
    WarnPercent { value: u8, context: String },
    #[error("{field} target for {priority} priority must be longer than 0s ({context})")]
    ZeroTarget {
        field: &'static str,
        priority: Priority,
        context: String,
    },
    #[error(
        "resolution target {resolution} is shorter than the first response target {first_response} for {priority} priority ({context})"
    )]
    ResolutionBeforeFirstResponse {
        priority: Priority,
        resolution: HumanDuration,
        first_response: HumanDuration,
        context: String,
    },
}

/// A duration written for humans: "90s", "5m", "2h30m", "1d" (units d, h, m,
/// s, largest first, each at most once). Displays in the same form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(i64);

impl HumanDuration {
    pub const fn from_ms(ms: i64) -> HumanDuration {
        HumanDuration(ms)
    }
    pub const fn as_ms(self) -> i64 {
        self.0
    }
    const fn minutes(m: i64) -> HumanDuration {
        HumanDuration(m * MINUTE)
    }
    const fn hours(h: i64) -> HumanDuration {
        HumanDuration(h * HOUR)
    }
}

impl FromStr for HumanDuration {
    type Err = SlaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: String| SlaError::BadDuration {
            value: s.to_string(),
            reason,
        };
        const UNITS: [(char, i64); 4] = [('d', DAY), ('h', HOUR), ('m', MINUTE), ('s', SECOND)];
        let text = s.trim();
        if text.is_empty() {
            return Err(bad(
                "expected a duration such as \"15m\", \"2h30m\" or \"1d\"".into(),
            ));
        }
        let mut total: i64 = 0;
        // Index into UNITS of the next unit allowed: enforces largest-first, once each.
        let mut next_unit = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let unit = rest[digits..].chars().next();
            if digits == 0 {
                return Err(bad(match unit {
                    Some(c) if c.is_alphabetic() => format!("expected a number before {c}"),
                    _ => "expected a number followed by d, h, m or s".into(),
                }));
            }
            let number: i64 = rest[..digits]
                .parse()
                .map_err(|_| bad("number too large".into()))?;
            let Some(unit) = unit else {
                return Err(bad(format!(
                    "missing unit after {number} (use d, h, m or s)"
                )));
            };
            let Some(i) = UNITS.iter().position(|&(c, _)| c == unit) else {
                return Err(bad(format!("unknown unit {unit:?} (use d, h, m or s)")));
            };
            if i < next_unit {
                return Err(bad(
                    "units must go from largest to smallest, each once (d, h, m, s)".into(),
                ));
            }
            next_unit = i + 1;
            total = number
                .checked_mul(UNITS[i].1)
                .and_then(|ms| total.checked_add(ms))
                .filter(|&ms| ms <= MAX_DURATION_MS)
                .ok_or_else(|| bad("longer than 366 days".into()))?;
            rest = rest[digits + unit.len_utf8()..].trim_start();
        }
        Ok(HumanDuration(total))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        if rest < 0 {
            f.write_str("-")?;
            rest = rest.saturating_neg();
        }
        for (unit, ms) in [("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND)] {
            if rest >= ms {
                write!(f, "{}{unit}", rest / ms)?;
                rest %= ms;
            }
        }
        if rest > 0 {
            write!(f, "{rest}ms")?;
        }
        Ok(())
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Targets for one priority; a missing one keeps the layer below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response: Option<HumanDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<HumanDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_after: Option<HumanDuration>,
}

/// A team's or segment's partial override of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_hours_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_when_pending: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_at_percent: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_on_resolution_breach: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub targets: BTreeMap<Priority, TargetSpec>,
}

/// The configuration-file form of the SLA policy; an empty table is
/// [`SlaSpec::default`]. `targets` in a file are layered on the built-in
/// table, so `[targets.urgent] first_response = "2m"` changes only that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaSpec {
    pub business_hours_only: bool,
    pub pause_when_pending: bool,
    pub warn_at_percent: u8,
    pub escalate_on_resolution_breach: bool,
    pub targets: BTreeMap<Priority, TargetSpec>,
    pub segments: BTreeMap<String, SlaOverride>,
    pub teams: BTreeMap<String, SlaOverride>,
}

/// The recommended targets: (first response, resolution, escalate after).
fn builtin_targets(p: Priority) -> (HumanDuration, HumanDuration, HumanDuration) {
    match p {
        Priority::Urgent => (
            HumanDuration::minutes(5),
            HumanDuration::hours(1),
            HumanDuration::minutes(10),
        ),
        Priority::High => (
            HumanDuration::minutes(15),
            HumanDuration::hours(4),
            HumanDuration::minutes(30),
        ),
        Priority::Medium => (
            HumanDuration::hours(1),
            HumanDuration::hours(8),
            HumanDuration::hours(2),
        ),
        Priority::Low => (
            HumanDuration::hours(4),
            HumanDuration::hours(24),
            HumanDuration::hours(8),
        ),
    }
}

impl Default for SlaSpec {
    fn default() -> Self {
        let targets = Priority::ALL
            .iter()
            .map(|&p| {
                let (first_response, resolution, escalate_after) = builtin_targets(p);
                let t = TargetSpec {
                    first_response: Some(first_response),
                    resolution: Some(resolution),
                    escalate_after: Some(escalate_after),
                };
                (p, t)
            })
            .collect();
        SlaSpec {
            business_hours_only: false,
            pause_when_pending: true,
            warn_at_percent: 75,
            escalate_on_resolution_breach: true,
            targets,
            segments: BTreeMap::new(),
            teams: BTreeMap::new(),
        }
    }
}

impl SlaSpec {
    /// Checks every combination of priority, team and segment, and compiles.
    pub fn compile(&self) -> Result<SlaPolicy, SlaError> {
        let policy = SlaPolicy {
            base: self.as_override(),
            teams: self.teams.clone(),
            segments: self.segments.clone(),
        };
        let warn = |value: u8, context: String| {
            if (1..=99).contains(&value) {
                Ok(())
            } else {
                Err(SlaError::WarnPercent { value, context })
            }
        };
        warn(self.warn_at_percent, "defaults".into())?;
        for (name, o) in &self.teams {
            o.warn_at_percent
                .map_or(Ok(()), |v| warn(v, format!("team {name:?}")))?;
        }
        for (name, o) in &self.segments {
            o.warn_at_percent
                .map_or(Ok(()), |v| warn(v, format!("segment {name:?}")))?;
        }
        // A team and a segment may each be fine alone and clash together.
        let teams = std::iter::once(None).chain(self.teams.keys().map(Some));
        for team in teams {
            let segments = std::iter::once(None).chain(self.segments.keys().map(Some));
            for segment in segments {
                for &p in Priority::ALL {
                    check_targets(
                        &policy.resolve(p, segment.map(String::as_str), team.map(String::as_str)),
                        p,
                        team,
                        segment,
                    )?;
                }
            }
        }
        Ok(policy)
    }

    /// Alias of [`compile`](Self::compile), for callers that only check.
    pub fn validate(&self) -> Result<SlaPolicy, SlaError> {
        self.compile()
    }

    fn as_override(&self) -> SlaOverride {
        SlaOverride {
            business_hours_only: Some(self.business_hours_only),
            pause_when_pending: Some(self.pause_when_pending),
            warn_at_percent: Some(self.warn_at_percent),
            escalate_on_resolution_breach: Some(self.escalate_on_resolution_breach),
            targets: self.targets.clone(),
        }
    }
}

fn check_targets(
    t: &SlaTargets,
    p: Priority,
    team: Option<&String>,
    segment: Option<&String>,
) -> Result<(), SlaError> {
    let context = || match (team, segment) {
        (None, None) => "defaults".to_string(),
        (Some(t), None) => format!("team {t:?}"),
        (None, Some(s)) => format!("segment {s:?}"),
        (Some(t), Some(s)) => format!("team {t:?} with segment {s:?}"),
    };
    for (field, ms) in [
        ("first response", t.first_response_ms),
        ("resolution", t.resolution_ms),
        ("escalate after", t.escalate_after_ms),
    ] {
        if ms <= 0 {
            return Err(SlaError::ZeroTarget {
                field,
                priority: p,
                context: context(),
            });
        }
    }
    if t.resolution_ms < t.first_response_ms {
        return Err(SlaError::ResolutionBeforeFirstResponse {
            priority: p,
            resolution: HumanDuration(t.resolution_ms),
            first_response: HumanDuration(t.first_response_ms),
            context: context(),
        });
    }
    Ok(())
}

/// A checked policy; [`resolve`](Self::resolve) it per ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    /// The spec's top level, every field set; targets layered on the built-ins.
    base: SlaOverride,
    teams: BTreeMap<String, SlaOverride>,
    segments: BTreeMap<String, SlaOverride>,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaSpec::default()
            .compile()
            .expect("the built-in SLA table is valid")
    }
}

/// The numbers that apply to one ticket, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    pub first_response_ms: i64,
    pub resolution_ms: i64,
    pub escalate_after_ms: i64,
    pub warn_at_percent: u8,
    pub business_hours_only: bool,
    pub pause_when_pending: bool,
    pub escalate_on_resolution_breach: bool,
    /// E.g. "high priority defaults, segment \"vip\" override (first response 10m)".
    pub source: String,
}

impl SlaPolicy {
    /// The targets for a ticket: defaults < team < segment. Unknown team or
    /// segment names add nothing.
    pub fn resolve(
        &self,
        priority: Priority,
        segment: Option<&str>,
        team: Option<&str>,
    ) -> SlaTargets {
        let (first_response, resolution, escalate_after) = builtin_targets(priority);
        let mut t = SlaTargets {
            first_response_ms: first_response.as_ms(),
            resolution_ms: resolution.as_ms(),
            escalate_after_ms: escalate_after.as_ms(),
            warn_at_percent: 75,
            business_hours_only: false,
            pause_when_pending: true,
            escalate_on_resolution_breach: true,
            source: format!("{priority} priority defaults"),
        };
        apply(&mut t, &self.base, priority);
        let layers = [
            ("team", team.and_then(|n| self.teams.get_key_value(n))),
            (
                "segment",
                segment.and_then(|n| self.segments.get_key_value(n)),
            ),
        ];
        for (kind, layer) in layers {
            let Some((name, o)) = layer else { continue };
            let changed = apply(&mut t, o, priority);
            if !changed.is_empty() {
                t.source += &format!(", {kind} {name:?} override ({})", changed.join(", "));
            }
        }
        t
    }
}

/// Applies what `o` sets; returns what it set, for the explanation.
fn apply(t: &mut SlaTargets, o: &SlaOverride, p: Priority) -> Vec<String> {
    let mut changed = Vec::new();
    if let Some(target) = o.targets.get(&p) {
        for (field, slot, value) in [
            (
                "first response",
                &mut t.first_response_ms,
                target.first_response,
            ),
            ("resolution", &mut t.resolution_ms, target.resolution),
            (
                "escalate after",
                &mut t.escalate_after_ms,
                target.escalate_after,
            ),
        ] {
            if let Some(d) = value {
                *slot = d.as_ms();
                changed.push(format!("{field} {d}"));
            }
        }
    }
    if let Some(v) = o.warn_at_percent {
        t.warn_at_percent = v;
        changed.push(format!("warn at {v}%"));
    }
    for (field, slot, value) in [
        (
            "business hours only",
            &mut t.business_hours_only,
            o.business_hours_only,
        ),
        (
            "pause when pending",
            &mut t.pause_when_pending,
            o.pause_when_pending,
        ),
        (
            "escalate on resolution breach",
            &mut t.escalate_on_resolution_breach,
            o.escalate_on_resolution_breach,
        ),
    ] {
        if let Some(v) = value {
            *slot = v;
            changed.push(format!("{field} {}", if v { "on" } else { "off" }));
        }
    }
    changed
}

/// A ticket's SLA clock: SLA time banked in finished running spans, and the
/// start of the current span if running. Persisted as two integer columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaClock {
    pub elapsed_ms: i64,
    pub running_since: Option<i64>,
}

impl SlaClock {
    /// A clock running from `now` with nothing banked.
    pub fn start(now: i64) -> SlaClock {
        SlaClock {
            elapsed_ms: 0,
            running_since: Some(now),
        }
    }

    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    /// Banks the running span and stops; no-op when already paused.
    pub fn pause(&mut self, now: i64, hours: &BusinessHours, business_hours_only: bool) {
        if let Some(since) = self.running_since.take() {
            self.elapsed_ms =
                self.elapsed_ms
                    .saturating_add(span_ms(since, now, hours, business_hours_only));
        }
    }

    /// Starts a new span at `now`; no-op when already running, so a repeated
    /// event does not lose the current span.
    pub fn resume(&mut self, now: i64) {
        if self.running_since.is_none() {
            self.running_since = Some(now);
        }
    }

    /// SLA time so far at `now`.
    pub fn elapsed(&self, now: i64, hours: &BusinessHours, business_hours_only: bool) -> i64 {
        let running = self
            .running_since
            .map_or(0, |since| span_ms(since, now, hours, business_hours_only));
        self.elapsed_ms.saturating_add(running)
    }
}

/// SLA time in `[since, now)`; never negative, even if the caller's clock
/// went backwards.
fn span_ms(since: i64, now: i64, hours: &BusinessHours, business_hours_only: bool) -> i64 {
    if business_hours_only {
        hours.business_ms_between(since, now)
    } else {
        now.saturating_sub(since).max(0)
    }
}

/// When a target warns and when it is due, as Unix ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub warn_at: i64,
    pub due_at: i64,
}

/// Why a ticket is auto-escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// `escalate_after` of SLA time passed without a first response.
    NoFirstResponse,
    /// Resolution was breached and the policy escalates on that.
    ResolutionBreached,
}

/// The absolute instants a ticket's timers should fire at. All `None` while
/// the clock is paused (`paused` is then true) or once the ticket is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaDeadlines {
    pub first_response: Option<Deadline>,
    pub resolution: Option<Deadline>,
    pub escalate_at: Option<i64>,
    pub escalate_reason: Option<EscalationReason>,
    /// Targets are pending but the clock is stopped.
    pub paused: bool,
}

/// Computes the deadlines from the clock's running span: the instant at which
/// the clock, running from `running_since` with `elapsed_ms` banked, reaches
/// each target. A target already exceeded gets a due instant in the past,
/// `running_since` minus the overshoot. Recompute after every pause, resume,
/// reply or change of priority.
pub fn deadlines(
    targets: &SlaTargets,
    hours: &BusinessHours,
    clock: &SlaClock,
    first_response_done: bool,
    resolved: bool,
) -> SlaDeadlines {
    if resolved {
        return SlaDeadlines::default();
    }
    let Some(since) = clock.running_since else {
        return SlaDeadlines {
            paused: true,
            ..SlaDeadlines::default()
        };
    };
    let reached_at = |sla_ms: i64| {
        let left = sla_ms.saturating_sub(clock.elapsed_ms);
        if left > 0 && targets.business_hours_only {
            hours.add_business_ms(since, left)
        } else {
            since.saturating_add(left)
        }
    };
    let deadline = |target_ms: i64| {
        let warn_ms = (target_ms as i128 * targets.warn_at_percent as i128 / 100) as i64;
        Deadline {
            warn_at: reached_at(warn_ms),
            due_at: reached_at(target_ms),
        }
    };
    let first_response = (!first_response_done).then(|| deadline(targets.first_response_ms));
    let resolution = deadline(targets.resolution_ms);
    let no_reply = (!first_response_done).then(|| {
        (
            reached_at(targets.escalate_after_ms),
            EscalationReason::NoFirstResponse,
        )
    });
    let breach = targets
        .escalate_on_resolution_breach
        .then_some((resolution.due_at, EscalationReason::ResolutionBreached));
    // On a tie the missing reply is the more useful reason to give.
    let escalation = [no_reply, breach]
        .into_iter()
        .flatten()
        .min_by_key(|&(at, _)| at);
    SlaDeadlines {
        first_response,
        resolution: Some(resolution),
        escalate_at: escalation.map(|(at, _)| at),
        escalate_reason: escalation.map(|(_, why)| why),
        paused: false,
    }
}

/// The SLA status the inbox shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlaState {
    /// Counting, no warning reached.
    Ok,
    /// A pending target's warning instant has passed.
    Warning,
    /// A pending target's due instant has passed.
    Breached,
    /// Targets are pending but the clock is stopped (waiting on the customer).
    Paused,
    /// Nothing left to count: the ticket is resolved. Whether the targets were
    /// met in time is recorded when they happen, not here.
    Met,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::Warning => "warning",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
        }
    }
}

/// A live countdown for the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Countdown {
    /// The pending target due first ("first_response" or "resolution") and
    /// its due instant.
    pub next: Option<(&'static str, i64)>,
    /// Wall-clock ms from now to `next`'s due instant; negative once breached.
    pub remaining_ms: Option<i64>,
    pub state: SlaState,
}

/// The countdown at `now`. The state is the worst over pending targets, so a
/// breached first response shows as breached while resolution is still ahead.
pub fn countdown(now: i64, deadlines: &SlaDeadlines) -> Countdown {
    let pending = [
        ("first_response", deadlines.first_response),
        ("resolution", deadlines.resolution),
    ];
    let pending = pending.iter().filter_map(|&(name, d)| d.map(|d| (name, d)));
    let Some((name, next)) = pending.clone().min_by_key(|(_, d)| d.due_at) else {
        return Countdown {
            next: None,
            remaining_ms: None,
            state: if deadlines.paused {
                SlaState::Paused
            } else {
                SlaState::Met
            },
        };
    };
    let state = if pending.clone().any(|(_, d)| d.due_at <= now) {
        SlaState::Breached
    } else if pending.clone().any(|(_, d)| d.warn_at <= now) {
        SlaState::Warning
    } else {
        SlaState::Ok
    };
    Countdown {
        next: Some((name, next.due_at)),
        remaining_ms: Some(next.due_at.saturating_sub(now)),
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::HoursSpec;

    const M: i64 = MINUTE;
    const H: i64 = HOUR;

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::ZonedDateTime>()
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn berlin_office() -> BusinessHours {
        let r = vec!["09:00-17:00".to_string()];
        BusinessHours::compile(&HoursSpec {
            timezone: Some("Europe/Berlin".into()),
            always: false,
            mon: r.clone(),
            tue: r.clone(),
            wed: r.clone(),
            thu: r.clone(),
            fri: r,
            ..HoursSpec::always()
        })
        .unwrap()
    }

    fn d(s: &str) -> HumanDuration {
        s.parse().unwrap()
    }

    #[test]
    fn durations_parse_and_print() {
        for (text, ms) in [
            ("5m", 5 * M),
            ("1h", H),
            ("90s", 90 * SECOND),
            ("2h30m", 150 * M),
            ("2h 30m", 150 * M),
            ("1d", DAY),
            ("1d12h", 36 * H),
            ("0s", 0),
        ] {
            assert_eq!(d(text).as_ms(), ms, "{text}");
        }
        assert_eq!(d("90s").to_string(), "1m30s");
        assert_eq!(d("24h").to_string(), "1d");
        assert_eq!(HumanDuration::from_ms(1_500).to_string(), "1s500ms");
        let err = |s: &str| s.parse::<HumanDuration>().unwrap_err().to_string();
        assert_eq!(
            err("15"),
            "bad duration \"15\": missing unit after 15 (use d, h, m or s)"
        );
        assert_eq!(
            err("5x"),
            "bad duration \"5x\": unknown unit 'x' (use d, h, m or s)"
        );
        assert_eq!(err("h"), "bad duration \"h\": expected a number before h");
        assert_eq!(
            err("-5m"),
            "bad duration \"-5m\": expected a number followed by d, h, m or s"
        );
        assert_eq!(
            err(""),
            "bad duration \"\": expected a duration such as \"15m\", \"2h30m\" or \"1d\""
        );
        assert_eq!(
            err("30m2h"),
            "bad duration \"30m2h\": units must go from largest to smallest, each once (d, h, m, s)"
        );
        assert!(err("1h1h").contains("each once"), "{}", err("1h1h"));
        assert_eq!(err("400d"), "bad duration \"400d\": longer than 366 days");
        assert_eq!(
            err("99999999999999999999s"),
            "bad duration \"99999999999999999999s\": number too large"
        );
    }

    #[test]
    fn defaults_are_the_recommended_table() {
        let spec = SlaSpec::default();
        assert!(!spec.business_hours_only && spec.pause_when_pending);
        assert!(spec.escalate_on_resolution_breach);
        assert_eq!(spec.warn_at_percent, 75);
        assert!(spec.segments.is_empty() && spec.teams.is_empty());
        let policy = spec.compile().unwrap();
        for (p, fr, res, esc) in [
            (Priority::Urgent, 5 * M, H, 10 * M),
            (Priority::High, 15 * M, 4 * H, 30 * M),
            (Priority::Medium, H, 8 * H, 2 * H),
            (Priority::Low, 4 * H, 24 * H, 8 * H),
        ] {
            let t = policy.resolve(p, None, None);
            assert_eq!(
                (t.first_response_ms, t.resolution_ms, t.escalate_after_ms),
                (fr, res, esc),
                "{p}"
            );
            assert_eq!(
                t.escalate_after_ms,
                2 * t.first_response_ms,
                "breach, then escalate"
            );
            assert_eq!(t.source, format!("{p} priority defaults"));
        }
        assert_eq!(SlaPolicy::default(), policy);
    }

    #[test]
    fn config_round_trips() {
        let empty: SlaSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, SlaSpec::default());
        let json = serde_json::to_string(&SlaSpec::default()).unwrap();
        assert!(
            json.contains(
                r#""urgent":{"first_response":"5m","resolution":"1h","escalate_after":"10m"}"#
            ),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<SlaSpec>(&json).unwrap(),
            SlaSpec::default()
        );

        let spec: SlaSpec = serde_json::from_str(
            r#"{"business_hours_only":true,"targets":{"urgent":{"first_response":"2m"}},
                "segments":{"vip":{"warn_at_percent":50,"targets":{"high":{"first_response":"10m"}}}},
                "teams":{"Support L1":{"pause_when_pending":false}}}"#,
        )
        .unwrap();
        let back: SlaSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
        let policy = spec.compile().unwrap();
        let urgent = policy.resolve(Priority::Urgent, None, None);
        assert_eq!(
            (urgent.first_response_ms, urgent.resolution_ms),
            (2 * M, H),
            "partial targets keep the rest"
        );
        assert!(urgent.business_hours_only);

        let err = |j: &str| serde_json::from_str::<SlaSpec>(j).unwrap_err().to_string();
        assert!(
            err(r#"{"targets":{"critical":{}}}"#)
                .contains("unknown priority \"critical\"; expected one of: low medium high urgent")
        );
        assert!(
            err(r#"{"targets":{"high":{"first_response":"15"}}}"#)
                .contains("bad duration \"15\": missing unit")
        );
        assert!(err(r#"{"warn_percent":80}"#).contains("unknown field `warn_percent`"));
        assert!(
            err(r#"{"teams":{"L1":{"targets":{"high":{"first":"1m"}}}}}"#)
                .contains("unknown field `first`")
        );
    }

    #[test]
    fn segment_beats_team_beats_defaults() {
        let mut spec = SlaSpec::default();
        spec.teams.insert(
            "Support L1".into(),
            SlaOverride {
                business_hours_only: Some(true),
                targets: [(
                    Priority::High,
                    TargetSpec {
                        first_response: Some(d("30m")),
                        resolution: Some(d("2h")),
                        escalate_after: None,
                    },
                )]
                .into(),
                ..SlaOverride::default()
            },
        );
        spec.segments.insert(
            "vip".into(),
            SlaOverride {
                targets: [(
                    Priority::High,
                    TargetSpec {
                        first_response: Some(d("10m")),
                        ..TargetSpec::default()
                    },
                )]
                .into(),
                ..SlaOverride::default()
            },
        );
        let policy = spec.compile().unwrap();
        let t = policy.resolve(Priority::High, Some("vip"), Some("Support L1"));
        assert_eq!(t.first_response_ms, 10 * M, "segment wins over team");
        assert_eq!(t.resolution_ms, 2 * H, "team's field survives");
        assert_eq!(t.escalate_after_ms, 30 * M, "default survives");
        assert!(t.business_hours_only);
        assert_eq!(
            t.source,
            "high priority defaults, team \"Support L1\" override (first response 30m, resolution 2h, business hours only on), segment \"vip\" override (first response 10m)"
        );
        let t = policy.resolve(Priority::High, None, Some("Support L1"));
        assert_eq!(t.first_response_ms, 30 * M);
        let t = policy.resolve(Priority::Low, Some("vip"), Some("nobody"));
        assert_eq!(t.first_response_ms, 4 * H);
        assert_eq!(
            t.source, "low priority defaults",
            "layers that change nothing are not mentioned"
        );
    }

    #[test]
    fn invalid_policies_say_why() {
        let spec = SlaSpec {
            warn_at_percent: 100,
            ..SlaSpec::default()
        };
        assert_eq!(
            spec.compile().unwrap_err().to_string(),
            "warn_at_percent must be between 1 and 99, got 100 (defaults)"
        );
        let mut spec = SlaSpec::default();
        spec.segments.insert(
            "vip".into(),
            SlaOverride {
                warn_at_percent: Some(0),
                ..Default::default()
            },
        );
        assert_eq!(
            spec.compile().unwrap_err().to_string(),
            "warn_at_percent must be between 1 and 99, got 0 (segment \"vip\")"
        );
        let mut spec = SlaSpec::default();
        spec.targets.insert(
            Priority::Urgent,
            TargetSpec {
                resolution: Some(d("3m")),
                ..Default::default()
            },
        );
        assert_eq!(
            spec.compile().unwrap_err().to_string(),
            "resolution target 3m is shorter than the first response target 5m for urgent priority (defaults)"
        );
        let mut spec = SlaSpec::default();
        spec.targets.insert(
            Priority::Low,
            TargetSpec {
                escalate_after: Some(d("0s")),
                ..Default::default()
            },
        );
        assert_eq!(
            spec.compile().unwrap_err().to_string(),
            "escalate after target for low priority must be longer than 0s (defaults)"
        );
        // Fine alone, invalid together: the team shortens resolution, the segment lengthens first response.
        let mut spec = SlaSpec::default();
        spec.teams.insert(
            "L1".into(),
            SlaOverride {
                targets: [(
                    Priority::High,
                    TargetSpec {
                        resolution: Some(d("30m")),
                        ..Default::default()
                    },
                )]
                .into(),
                ..Default::default()
            },
        );
        spec.segments.insert(
            "trial".into(),
            SlaOverride {
                targets: [(
                    Priority::High,
                    TargetSpec {
                        first_response: Some(d("1h")),
                        ..Default::default()
                    },
                )]
                .into(),
                ..Default::default()
            },
        );
        assert_eq!(
            spec.compile().unwrap_err().to_string(),
            "resolution target 30m is shorter than the first response target 1h for high priority (team \"L1\" with segment \"trial\")"
        );
    }

    #[test]
    fn pause_and_resume_bank_sla_time() {
        let always = BusinessHours::always();
        let mut c = SlaClock::start(1_000);
        assert!(c.is_running());
        assert_eq!(c.elapsed(4_000, &always, false), 3_000);
        c.pause(4_000, &always, false);
        assert_eq!(
            c,
            SlaClock {
                elapsed_ms: 3_000,
                running_since: None
            }
        );
        c.pause(9_000, &always, false);
        assert_eq!(c.elapsed_ms, 3_000, "pausing twice banks nothing more");
        assert_eq!(
            c.elapsed(50_000, &always, false),
            3_000,
            "paused time does not count"
        );
        c.resume(10_000);
        c.resume(12_000);
        assert_eq!(
            c.running_since,
            Some(10_000),
            "resuming twice keeps the span"
        );
        assert_eq!(c.elapsed(11_000, &always, false), 4_000);
        assert_eq!(
            c.elapsed(9_000, &always, false),
            3_000,
            "a clock going backwards adds nothing"
        );

        // Business hours: Friday 16:00 to Monday 10:00 is 2 h of SLA time.
        let office = berlin_office();
        let mut c = SlaClock::start(ms("2026-01-09T16:00[Europe/Berlin]"));
        let monday = ms("2026-01-12T10:00[Europe/Berlin]");
        assert_eq!(c.elapsed(monday, &office, true), 2 * H);
        c.pause(monday, &office, true);
        assert_eq!(c.elapsed_ms, 2 * H);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"elapsed_ms":7200000,"running_since":null}"#);
    }

    #[test]
    fn deadlines_follow_the_clock() {
        let policy = SlaPolicy::default();
        let t = policy.resolve(Priority::High, None, None);
        let always = BusinessHours::always();
        let start = 1_000_000;
        let clock = SlaClock::start(start);
        let dl = deadlines(&t, &always, &clock, false, false);
        assert_eq!(
            dl.first_response,
            Some(Deadline {
                warn_at: start + 15 * M * 3 / 4,
                due_at: start + 15 * M
            })
        );
        assert_eq!(
            dl.resolution,
            Some(Deadline {
                warn_at: start + 3 * H,
                due_at: start + 4 * H
            })
        );
        assert_eq!(
            (dl.escalate_at, dl.escalate_reason),
            (
                Some(start + 30 * M),
                Some(EscalationReason::NoFirstResponse)
            )
        );

        // Replied: only resolution is left, and escalation waits for its breach.
        let dl = deadlines(&t, &always, &clock, true, false);
        assert_eq!(dl.first_response, None);
        assert_eq!(
            (dl.escalate_at, dl.escalate_reason),
            (
                Some(start + 4 * H),
                Some(EscalationReason::ResolutionBreached)
            )
        );
        let quiet = SlaTargets {
            escalate_on_resolution_breach: false,
            ..t.clone()
        };
        assert_eq!(
            deadlines(&quiet, &always, &clock, true, false).escalate_at,
            None
        );

        // 20 minutes banked, resumed at `start`: first response is 5 minutes overdue.
        let clock = SlaClock {
            elapsed_ms: 20 * M,
            running_since: Some(start),
        };
        let dl = deadlines(&t, &always, &clock, false, false);
        assert_eq!(dl.first_response.unwrap().due_at, start - 5 * M);
        assert_eq!(dl.resolution.unwrap().due_at, start + 4 * H - 20 * M);

        // Paused or resolved: no timers.
        let paused = SlaClock {
            elapsed_ms: 20 * M,
            running_since: None,
        };
        let dl = deadlines(&t, &always, &paused, false, false);
        assert!(
            dl.paused
                && dl.first_response.is_none()
                && dl.resolution.is_none()
                && dl.escalate_at.is_none()
        );
        let dl = deadlines(&t, &always, &clock, true, true);
        assert_eq!(dl, SlaDeadlines::default());
    }

    #[test]
    fn business_hours_deadlines_skip_the_weekend() {
        let mut spec = SlaSpec {
            business_hours_only: true,
            ..SlaSpec::default()
        };
        spec.targets.insert(
            Priority::Medium,
            TargetSpec {
                first_response: Some(d("1h")),
                ..Default::default()
            },
        );
        let t = spec
            .compile()
            .unwrap()
            .resolve(Priority::Medium, None, None);
        let office = berlin_office();
        let clock = SlaClock::start(ms("2026-01-09T16:30[Europe/Berlin]"));
        let dl = deadlines(&t, &office, &clock, false, false);
        let fr = dl.first_response.unwrap();
        assert_eq!(fr.due_at, ms("2026-01-12T09:30[Europe/Berlin]"));
        assert_eq!(fr.warn_at, ms("2026-01-12T09:15[Europe/Berlin]"));
        assert_eq!(dl.escalate_at, Some(ms("2026-01-12T10:30[Europe/Berlin]")));
        // 8 h resolution: the rest of Friday (30m) plus 7h30m on Monday.
        assert_eq!(
            dl.resolution.unwrap().due_at,
            ms("2026-01-12T16:30[Europe/Berlin]")
        );
        assert_eq!(clock.elapsed(fr.due_at, &office, true), t.first_response_ms);
    }

    #[test]
    fn countdown_states() {
        let t = SlaPolicy::default().resolve(Priority::Urgent, None, None);
        let always = BusinessHours::always();
        let start = 0;
        let dl = deadlines(&t, &always, &SlaClock::start(start), false, false);
        let at = |now: i64| countdown(now, &dl);
        assert_eq!(
            at(M),
            Countdown {
                next: Some(("first_response", 5 * M)),
                remaining_ms: Some(4 * M),
                state: SlaState::Ok
            }
        );
        assert_eq!(at(225 * SECOND).state, SlaState::Warning, "75% of 5m");
        assert_eq!(at(225 * SECOND - 1).state, SlaState::Ok);
        let late = at(6 * M);
        assert_eq!(
            (late.state, late.remaining_ms),
            (SlaState::Breached, Some(-M))
        );
        assert_eq!(
            at(5 * M).state,
            SlaState::Breached,
            "due means breached at that instant"
        );

        let replied = deadlines(&t, &always, &SlaClock::start(start), true, false);
        let c = countdown(10 * M, &replied);
        assert_eq!((c.next, c.state), (Some(("resolution", H)), SlaState::Ok));
        assert_eq!(countdown(46 * M, &replied).state, SlaState::Warning);

        let paused = deadlines(
            &t,
            &always,
            &SlaClock {
                elapsed_ms: M,
                running_since: None,
            },
            false,
            false,
        );
        assert_eq!(
            countdown(0, &paused),
            Countdown {
                next: None,
                remaining_ms: None,
                state: SlaState::Paused
            }
        );
        let done = deadlines(&t, &always, &SlaClock::start(0), true, true);
        assert_eq!(countdown(0, &done).state, SlaState::Met);

        let json = serde_json::to_string(&at(6 * M)).unwrap();
        assert_eq!(
            json,
            r#"{"next":["first_response",300000],"remaining_ms":-60000,"state":"breached"}"#
        );
        assert_eq!(SlaState::Paused.as_str(), "paused");
    }
}
