//! Compiling a [`RoutingSpec`] into rules that match fast, and matching them.
//!
//! Compilation does every check a config can fail (unknown teams, bad
//! regexes, bad times, duplicate names) so a running server never meets a
//! broken rule. Keywords of all rules and issue types go into one automaton:
//! a message is scanned once, then each rule's keyword condition is a lookup.

use std::collections::HashMap;
use std::fmt;

use jiff::tz::TimeZone;
use regex::Regex;

use super::TicketFacts;
use super::floor::{Floor, primary_subtag};
use super::keywords::{KeywordSet, KeywordSetBuilder, normalize};
use super::spec::{ActionSpec, ConditionSpec, RoutingSpec};
use super::strategy::Strategy;
use super::time::{self, Days, LocalTime, TimeWindow};
use crate::Priority;

/// Where in the config a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// 1-based position in `[[routing.rules]]`, and the rule's name.
    Rule {
        index: usize,
        name: String,
    },
    Fallback,
    IssueType(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Rule { index, name } => write!(f, "routing rule #{index} {name:?}"),
            Place::Fallback => f.write_str("routing fallback"),
            Place::IssueType(name) => write!(f, "routing issue type {name:?}"),
        }
    }
}

/// A routing configuration that cannot be used, naming where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("routing has no fallback: add [routing.fallback] with a team")]
    MissingFallback,
    #[error("{at}: unknown team {team:?} in `{field}` (known teams: {known})")]
    UnknownTeam {
        at: Place,
        field: &'static str,
        team: String,
        known: String,
    },
    #[error("{at}: bad pattern {pattern:?}: {reason}")]
    BadPattern {
        at: Place,
        pattern: String,
        reason: String,
    },
    #[error("{at}: duplicate rule name (rule #{first} has it too)")]
    DuplicateRule { at: Place, first: usize },
    #[error("{at}: `then` is empty; a rule must do something")]
    EmptyRule { at: Place },
    #[error("{at}: unknown strategy {value:?}; expected one of: {expected}")]
    UnknownStrategy {
        at: Place,
        value: String,
        expected: &'static str,
    },
    #[error("{at}: {problem}")]
    Invalid { at: Place, problem: String },
}

/// Owner ids at or above this in the keyword set are issue types.
const ISSUE_BASE: u32 = 1 << 31;

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub name: String,
    pub cond: Cond,
    pub act: Act,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Cond {
    pub keywords: bool,
    pub pattern: Option<Regex>,
    pub labels: Vec<String>,
    pub segment: Vec<String>,
    pub vip: Option<bool>,
    pub language: Vec<String>,
    pub phone_number_id: Vec<String>,
    pub time: Option<TimeWindow>,
    pub days: Option<Days>,
    /// Index into [`Compiled::timezones`], when `time` or `days` is set.
    pub tz: usize,
    pub time_text: String,
    pub team_open: Option<String>,
    pub team_closed: Option<String>,
    pub agents_available: Option<String>,
    pub no_agents_available: Option<String>,
    /// Indices into [`Compiled::issue_types`].
    pub issue_type: Vec<usize>,
    pub new_contact: Option<bool>,
    pub min_priority: Option<Priority>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Act {
    pub team: Option<String>,
    pub strategy: Option<Strategy>,
    pub priority: Option<Priority>,
    pub labels: Vec<String>,
    pub auto_reply: Option<String>,
    pub bot_only: bool,
    pub issue_type: Option<String>,
    pub agent: Option<String>,
    pub after_hours_team: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct IssueType {
    pub name: String,
    pub patterns: Vec<Regex>,
}

/// Everything [`super::Router`] needs at runtime.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub rules: Vec<Rule>,
    pub fallback: Act,
    pub keywords: KeywordSet,
    pub issue_types: Vec<IssueType>,
    pub timezones: Vec<(String, TimeZone)>,
}

struct Checker<'k> {
    known: &'k [&'k str],
}

impl Checker<'_> {
    fn team(
        &self,
        at: &Place,
        field: &'static str,
        team: &Option<String>,
    ) -> Result<Option<String>, RoutingError> {
        let Some(t) = team else { return Ok(None) };
        if self.known.contains(&t.as_str()) {
            return Ok(Some(t.clone()));
        }
        Err(RoutingError::UnknownTeam {
            at: at.clone(),
            field,
            team: t.clone(),
            known: if self.known.is_empty() {
                "none".into()
            } else {
                self.known.join(", ")
            },
        })
    }
}

fn invalid(at: &Place, problem: impl Into<String>) -> RoutingError {
    RoutingError::Invalid {
        at: at.clone(),
        problem: problem.into(),
    }
}

fn regex(at: &Place, pattern: &str) -> Result<Regex, RoutingError> {
    Regex::new(pattern).map_err(|e| RoutingError::BadPattern {
        at: at.clone(),
        pattern: pattern.to_string(),
        // The regex crate's message spans lines; keep the last, the cause.
        reason: e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .trim_start_matches("error: ")
            .to_string(),
    })
}

/// Lowercased, trimmed, non-empty entries of a list condition.
fn list(
    at: &Place,
    field: &str,
    items: &[String],
    f: impl Fn(&str) -> String,
) -> Result<Vec<String>, RoutingError> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.trim();
            if s.is_empty() {
                Err(invalid(at, format!("`{field}` entry #{} is empty", i + 1)))
            } else {
                Ok(f(s))
            }
        })
        .collect()
}

pub(crate) fn compile(spec: &RoutingSpec, known_teams: &[&str]) -> Result<Compiled, RoutingError> {
    let check = Checker { known: known_teams };
    let mut kw = KeywordSet::builder();

    // Issue types, in config order (BTreeMap: alphabetical).
    let mut issue_types = Vec::new();
    for (i, (name, entries)) in spec.issue_types.iter().enumerate() {
        let at = Place::IssueType(name.clone());
        if name.trim().is_empty() {
            return Err(invalid(&at, "issue type name is empty"));
        }
        let mut patterns = Vec::new();
        for (j, e) in entries.iter().enumerate() {
            let t = e.trim();
            if t.len() >= 2 && t.starts_with('/') && t.ends_with('/') {
                // Issue type patterns ignore case like keywords do.
                patterns.push(regex(&at, &format!("(?i){}", &t[1..t.len() - 1]))?);
            } else if kw.add(t, ISSUE_BASE + i as u32).is_none() {
                return Err(invalid(&at, format!("entry #{} is empty", j + 1)));
            }
        }
        issue_types.push(IssueType {
            name: name.trim().to_string(),
            patterns,
        });
    }

    let mut timezones: Vec<(String, TimeZone)> = Vec::new();
    let mut tz_index = |at: &Place, name: &str| -> Result<usize, RoutingError> {
        if let Some(i) = timezones.iter().position(|(n, _)| n == name) {
            return Ok(i);
        }
        let tz =
            TimeZone::get(name).map_err(|_| invalid(at, format!("unknown timezone {name:?}")))?;
        timezones.push((name.to_string(), tz));
        Ok(timezones.len() - 1)
    };

    let fallback_spec = spec
        .fallback
        .as_ref()
        .ok_or(RoutingError::MissingFallback)?;
    let fallback = action(&check, &Place::Fallback, fallback_spec, None)?;
    if fallback.team.is_none() {
        return Err(invalid(&Place::Fallback, "needs a team"));
    }

    let mut rules = Vec::with_capacity(spec.rules.len());
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, r) in spec.rules.iter().enumerate() {
        let index = i + 1;
        let at = Place::Rule {
            index,
            name: r.name.clone(),
        };
        let name = r.name.trim();
        if name.is_empty() {
            return Err(invalid(&at, "has no name"));
        }
        if let Some(&first) = names.get(&name.to_lowercase()) {
            return Err(RoutingError::DuplicateRule { at, first });
        }
        names.insert(name.to_lowercase(), index);
        if r.then.is_empty() {
            return Err(RoutingError::EmptyRule { at });
        }
        let act = action(&check, &at, &r.then, Some(&fallback))?;
        let cond = condition(
            &check,
            &at,
            &r.when,
            i as u32,
            &mut kw,
            &issue_types,
            spec,
            &mut tz_index,
        )?;
        rules.push(Rule {
            name: name.to_string(),
            cond,
            act,
        });
    }

    Ok(Compiled {
        rules,
        fallback,
        keywords: kw.build(),
        issue_types,
        timezones,
    })
}

fn action(
    check: &Checker,
    at: &Place,
    a: &ActionSpec,
    fallback: Option<&Act>,
) -> Result<Act, RoutingError> {
    let strategy = match &a.strategy {
        None => None,
        Some(s) => {
            Some(
                s.trim()
                    .parse::<Strategy>()
                    .map_err(|e| RoutingError::UnknownStrategy {
                        at: at.clone(),
                        value: s.clone(),
                        expected: e.expected,
                    })?,
            )
        }
    };
    let team = check.team(at, "team", &a.team)?;
    let after_hours_team = check.team(at, "after_hours_team", &a.after_hours_team)?;
    // The strategy that will run: a rule without a team borrows the fallback's.
    let effective = match (&team, fallback) {
        (None, Some(fb)) => strategy.or(fb.strategy),
        _ => strategy,
    };
    if after_hours_team.is_some() && effective != Some(Strategy::TimeBased) {
        return Err(invalid(
            at,
            "`after_hours_team` only applies with strategy \"time_based\"",
        ));
    }
    if a.bot_only && (a.agent.is_some() || strategy.is_some()) {
        return Err(invalid(
            at,
            "`bot_only` leaves the ticket with the bot; drop `agent` and `strategy`",
        ));
    }
    if a.auto_reply.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(invalid(at, "`auto_reply` is empty"));
    }
    let nonempty = |field: &str, v: &Option<String>| -> Result<Option<String>, RoutingError> {
        match v.as_deref().map(str::trim) {
            Some("") => Err(invalid(at, format!("`{field}` is empty"))),
            other => Ok(other.map(str::to_string)),
        }
    };
    Ok(Act {
        team,
        strategy,
        priority: a.priority,
        labels: list(at, "labels", &a.labels, str::to_string)?,
        auto_reply: a.auto_reply.clone(),
        bot_only: a.bot_only,
        issue_type: nonempty("issue_type", &a.issue_type)?,
        agent: nonempty("agent", &a.agent)?,
        after_hours_team,
    })
}

#[allow(clippy::too_many_arguments)]
fn condition(
    check: &Checker,
    at: &Place,
    w: &ConditionSpec,
    rule: u32,
    kw: &mut KeywordSetBuilder,
    issue_types: &[IssueType],
    spec: &RoutingSpec,
    tz_index: &mut impl FnMut(&Place, &str) -> Result<usize, RoutingError>,
) -> Result<Cond, RoutingError> {
    for (i, k) in w.keywords.iter().enumerate() {
        if kw.add(k, rule).is_none() {
            return Err(invalid(at, format!("keyword #{} is empty", i + 1)));
        }
    }
    let mut c = Cond {
        keywords: !w.keywords.is_empty(),
        pattern: w.pattern.as_deref().map(|p| regex(at, p)).transpose()?,
        labels: list(at, "labels", &w.labels, fold)?,
        segment: list(at, "segment", &w.segment, fold)?,
        vip: w.vip,
        language: list(at, "language", &w.language, |s| {
            primary_subtag(s).to_lowercase()
        })?,
        phone_number_id: list(at, "phone_number_id", &w.phone_number_id, str::to_string)?,
        team_open: check.team(at, "team_open", &w.team_open)?,
        team_closed: check.team(at, "team_closed", &w.team_closed)?,
        agents_available: check.team(at, "agents_available", &w.agents_available)?,
        no_agents_available: check.team(at, "no_agents_available", &w.no_agents_available)?,
        new_contact: w.new_contact,
        min_priority: w.min_priority,
        ..Cond::default()
    };
    for t in &w.issue_type {
        let i = issue_types
            .iter()
            .position(|it| it.name.eq_ignore_ascii_case(t.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = issue_types.iter().map(|it| it.name.as_str()).collect();
                invalid(
                    at,
                    format!(
                        "unknown issue type {t:?} (known: {})",
                        if known.is_empty() {
                            "none; add [routing.issue_types]".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            })?;
        c.issue_type.push(i);
    }
    if let Some(t) = &w.time {
        c.time = Some(TimeWindow::parse(t).map_err(|e| invalid(at, e))?);
        c.time_text = t.trim().to_string();
    }
    if !w.days.is_empty() {
        c.days = Some(Days::parse(&w.days).map_err(|e| invalid(at, e))?);
        if !c.time_text.is_empty() {
            c.time_text.push(' ');
        }
        c.time_text.push_str(&w.days.join(","));
    }
    if c.time.is_some() || c.days.is_some() {
        let tz = w
            .timezone
            .as_deref()
            .or(spec.timezone.as_deref())
            .ok_or_else(|| {
                invalid(
                    at,
                    "`time`/`days` need a timezone: set `timezone` in the rule or in [routing]",
                )
            })?;
        c.tz = tz_index(at, tz.trim())?;
    } else if w.timezone.is_some() {
        return Err(invalid(at, "`timezone` without `time` or `days`"));
    }
    Ok(c)
}

/// Case-folds a label or segment for comparison.
fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

fn same(rule_value: &str, fact: &str) -> bool {
    let fact = fact.trim();
    if fact.is_ascii() {
        rule_value.eq_ignore_ascii_case(fact)
    } else {
        rule_value == fact.to_lowercase()
    }
}

/// Per-decision state: the keyword scan and lazily computed facts.
pub(crate) struct Ctx<'a> {
    pub c: &'a Compiled,
    pub facts: &'a TicketFacts<'a>,
    pub floor: &'a Floor,
    /// Per rule: first matching keyword index + 1, or 0.
    rule_kw: Vec<u32>,
    /// Per issue type: (keyword hits, earliest start).
    issue_hits: Vec<(u32, usize)>,
    issue: Option<Option<usize>>,
    local: Vec<Option<LocalTime>>,
}

impl<'a> Ctx<'a> {
    pub fn new(c: &'a Compiled, facts: &'a TicketFacts<'a>, floor: &'a Floor) -> Ctx<'a> {
        let mut rule_kw = vec![0u32; c.rules.len()];
        let mut issue_hits = vec![(0u32, usize::MAX); c.issue_types.len()];
        if !c.keywords.is_empty() {
            let norm = normalize(facts.text);
            c.keywords.for_each_hit(&norm, |h| {
                for &owner in c.keywords.owners(h.keyword) {
                    if owner >= ISSUE_BASE {
                        let e = &mut issue_hits[(owner - ISSUE_BASE) as usize];
                        e.0 += 1;
                        e.1 = e.1.min(h.start);
                    } else if rule_kw[owner as usize] == 0 {
                        rule_kw[owner as usize] = h.keyword as u32 + 1;
                    }
                }
            });
        }
        Ctx {
            c,
            facts,
            floor,
            rule_kw,
            issue_hits,
            issue: None,
            local: vec![None; c.timezones.len()],
        }
    }

    /// The detected issue type: most keyword hits, then earliest hit, then
    /// config order; with no keyword hit, the first whose pattern matches.
    pub fn issue(&mut self) -> Option<usize> {
        if let Some(v) = self.issue {
            return v;
        }
        let by_keywords = self
            .issue_hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.0 > 0)
            .min_by_key(|(i, h)| (std::cmp::Reverse(h.0), h.1, *i))
            .map(|(i, _)| i);
        let v = by_keywords.or_else(|| {
            self.c
                .issue_types
                .iter()
                .position(|it| it.patterns.iter().any(|p| p.is_match(self.facts.text)))
        });
        self.issue = Some(v);
        v
    }

    fn local(&mut self, tz: usize) -> LocalTime {
        *self.local[tz]
            .get_or_insert_with(|| LocalTime::at(&self.c.timezones[tz].1, self.facts.now_ms))
    }

    /// Whether every condition of `rule` holds. Cheap checks run first; the
    /// regex last.
    pub fn matches(&mut self, index: usize) -> bool {
        let rule = &self.c.rules[index];
        let c = &rule.cond;
        let f = self.facts;
        if c.vip.is_some_and(|v| v != f.vip)
            || c.new_contact.is_some_and(|v| v != f.new_contact)
            || c.min_priority.is_some_and(|p| f.priority < p)
            || (c.keywords && self.rule_kw[index] == 0)
        {
            return false;
        }
        if !c.phone_number_id.is_empty()
            && !c
                .phone_number_id
                .iter()
                .any(|p| p == f.phone_number_id.trim())
        {
            return false;
        }
        if !c.segment.is_empty()
            && !f
                .segment
                .is_some_and(|s| c.segment.iter().any(|r| same(r, s)))
        {
            return false;
        }
        if !c.language.is_empty() {
            let Some(lang) = f.language.map(primary_subtag) else {
                return false;
            };
            if !c.language.iter().any(|l| l.eq_ignore_ascii_case(lang)) {
                return false;
            }
        }
        if !c.labels.is_empty()
            && !f
                .contact_labels
                .iter()
                .any(|l| c.labels.iter().any(|r| same(r, l)))
        {
            return false;
        }
        if let Some(t) = &c.team_open
            && !self.floor.team(t).is_some_and(|t| t.open_now)
        {
            return false;
        }
        // A team missing from the floor counts as closed.
        if let Some(t) = &c.team_closed
            && self.floor.team(t).is_some_and(|t| t.open_now)
        {
            return false;
        }
        if let Some(t) = &c.agents_available
            && !self.floor.has_available(t)
        {
            return false;
        }
        if let Some(t) = &c.no_agents_available
            && self.floor.has_available(t)
        {
            return false;
        }
        if (c.time.is_some() || c.days.is_some())
            && !time::matches(c.time, c.days, self.local(c.tz))
        {
            return false;
        }
        if !c.issue_type.is_empty() && !self.issue().is_some_and(|i| c.issue_type.contains(&i)) {
            return false;
        }
        if let Some(p) = &c.pattern
            && !p.is_match(f.text)
        {
            return false;
        }
        true
    }

    /// Why rule `index` matched, e.g. `keyword "refund", language es`.
    pub fn describe(&mut self, index: usize) -> String {
        let rule = &self.c.rules[index];
        let c = &rule.cond;
        let f = self.facts;
        let mut why: Vec<String> = Vec::new();
        if self.rule_kw[index] > 0 {
            why.push(format!(
                "keyword \"{}\"",
                self.c.keywords.keyword(self.rule_kw[index] as usize - 1)
            ));
        }
        if let Some(m) = c.pattern.as_ref().and_then(|p| p.find(f.text)) {
            let s: String = m.as_str().chars().take(40).collect();
            why.push(format!("pattern matched \"{s}\""));
        }
        if let Some(v) = c.vip {
            why.push(if v { "VIP" } else { "not VIP" }.into());
        }
        if let Some(v) = c.new_contact {
            why.push(
                if v {
                    "new contact"
                } else {
                    "returning contact"
                }
                .into(),
            );
        }
        if let Some(p) = c.min_priority {
            why.push(format!("priority {} ≥ {p}", f.priority));
        }
        if !c.phone_number_id.is_empty() {
            why.push(format!("number {}", f.phone_number_id.trim()));
        }
        if let (false, Some(s)) = (c.segment.is_empty(), f.segment) {
            why.push(format!("segment {}", s.trim()));
        }
        if let (false, Some(l)) = (c.language.is_empty(), f.language) {
            why.push(format!("language {l}"));
        }
        if !c.labels.is_empty()
            && let Some(l) = f
                .contact_labels
                .iter()
                .find(|l| c.labels.iter().any(|r| same(r, l)))
        {
            why.push(format!("label \"{}\"", l.trim()));
        }
        if let Some(t) = &c.team_open {
            why.push(format!("{t} open"));
        }
        if let Some(t) = &c.team_closed {
            why.push(format!("{t} closed"));
        }
        if let Some(t) = &c.agents_available {
            why.push(format!("{t} has agents available"));
        }
        if let Some(t) = &c.no_agents_available {
            why.push(format!("no agents available in {t}"));
        }
        if c.time.is_some() || c.days.is_some() {
            let local = self.local(c.tz);
            why.push(format!(
                "{} at {} {}",
                c.time_text,
                local.describe(),
                self.c.timezones[c.tz].0
            ));
        }
        if !c.issue_type.is_empty()
            && let Some(i) = self.issue()
        {
            why.push(format!("issue type {}", self.c.issue_types[i].name));
        }
        if why.is_empty() {
            why.push("always".into());
        }
        why.join(", ")
    }
}
