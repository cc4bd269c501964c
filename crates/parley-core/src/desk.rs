//! The desk: the whole support configuration in one value. Teams with their
//! leads, escalation targets and calendars, named business-hours calendars,
//! SLA policy, routing rules, escalation settings and triage keywords.
//!
//! A [`DeskSpec`] is what people write (the `desk.toml` file, or the admin
//! API's JSON); [`Desk::compile`] checks every cross-reference at once and
//! returns a [`Desk`] the server swaps in whole, so a bad edit never leaves
//! half a configuration in force. Every method here is pure.

use crate::escalation::{self, EscalationSpec, Escalator, SummaryInput, TeamLevel, Trigger};
use crate::hours::{BusinessHours, HoursSpec};
use crate::routing::{Router, RoutingSpec};
use crate::sla::{self, SlaClock, SlaDeadlines, SlaPolicy, SlaSpec, SlaTargets};
use crate::triage::{Triage, TriageSpec};
use crate::{Priority, TicketStatus};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The configuration as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskSpec {
    /// Named calendars teams refer to by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hours: BTreeMap<String, HoursSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamSpec>,
    /// Routing attributes for agents, by email (they can also be set through
    /// the API; the file wins when it names an agent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<AgentSpec>,
    #[serde(default)]
    pub sla: SlaSpec,
    /// Without a routing section every new ticket goes to the least-loaded
    /// online agent of any team (load-balanced over everyone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingSpec>,
    #[serde(default)]
    pub escalation: EscalationSpec,
    #[serde(default)]
    pub triage: TriageSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    pub name: String,
    /// Member emails. When given, the team's membership is exactly this list;
    /// when absent, membership is managed through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// The lead's email: warned before breaches, told of escalations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// The next level up (Support L1 → Support L2 → …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalates_to: Option<String>,
    /// A calendar from `[hours]`; none means open 24/7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Other teams whose members also see this team's queue (a
    /// cross-department queue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seniority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
}

/// A configuration problem, located by its path in the document
/// (`teams[2].escalates_to`, `routing.rules[4]`, `hours.eu`), so the caller
/// can point at the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DeskError {
    pub path: String,
    pub message: String,
}

fn err(path: impl Into<String>, message: impl std::fmt::Display) -> DeskError {
    DeskError {
        path: path.into(),
        message: message.to_string(),
    }
}

/// A compiled configuration.
pub struct Desk {
    spec: DeskSpec,
    sla: SlaPolicy,
    /// Each team's calendar; teams without one are open 24/7.
    calendars: HashMap<String, BusinessHours>,
    always: BusinessHours,
    teams: Vec<TeamSpec>,
    levels: Vec<TeamLevel>,
    routing: Option<Router>,
    escalator: Escalator,
    triage: Triage,
}

impl Default for Desk {
    fn default() -> Self {
        Desk::compile(DeskSpec::default()).expect("the default desk compiles")
    }
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("teams", &self.teams.len())
            .field("routing", &self.routing.is_some())
            .finish()
    }
}

impl Desk {
    /// Checks everything and compiles it. The first problem found is
    /// returned, with its location.
    pub fn compile(spec: DeskSpec) -> Result<Desk, DeskError> {
        let mut names = HashSet::new();
        for (i, t) in spec.teams.iter().enumerate() {
            let here = format!("teams[{i}]");
            if t.name.trim().is_empty() {
                return Err(err(here, "a team needs a name"));
            }
            if !names.insert(t.name.as_str()) {
                return Err(err(here, format!("team {:?} is defined twice", t.name)));
            }
        }
        let mut compiled_hours = HashMap::new();
        for (name, h) in &spec.hours {
            let cal = BusinessHours::compile(h).map_err(|e| err(format!("hours.{name}"), e))?;
            compiled_hours.insert(name.clone(), cal);
        }
        let mut calendars = HashMap::new();
        for (i, t) in spec.teams.iter().enumerate() {
            if let Some(h) = &t.hours {
                let cal = compiled_hours.get(h).ok_or_else(|| {
                    err(
                        format!("teams[{i}].hours"),
                        format!(
                            "team {:?} uses calendar {h:?}, which is not defined under [hours]",
                            t.name
                        ),
                    )
                })?;
                calendars.insert(t.name.clone(), cal.clone());
            }
            if let Some(up) = &t.escalates_to
                && !names.contains(up.as_str())
            {
                return Err(err(
                    format!("teams[{i}].escalates_to"),
                    format!("team {:?} escalates to unknown team {up:?}", t.name),
                ));
            }
            for other in &t.shared_with {
                if !names.contains(other.as_str()) {
                    return Err(err(
                        format!("teams[{i}].shared_with"),
                        format!("unknown team {other:?}"),
                    ));
                }
            }
            if let Some(lead) = &t.lead
                && !lead.contains('@')
            {
                return Err(err(
                    format!("teams[{i}].lead"),
                    format!("{lead:?} is not an email address"),
                ));
            }
        }
        for (i, a) in spec.agents.iter().enumerate() {
            if !a.email.contains('@') {
                return Err(err(
                    format!("agents[{i}].email"),
                    format!("{:?} is not an email address", a.email),
                ));
            }
            if let Some(c) = a.capacity
                && !(1..=100).contains(&c)
            {
                return Err(err(
                    format!("agents[{i}].capacity"),
                    format!("{c} is out of range; expected 1 to 100"),
                ));
            }
            if let Some(s) = a.seniority
                && !(1..=4).contains(&s)
            {
                return Err(err(
                    format!("agents[{i}].seniority"),
                    format!("{s} is out of range; expected 1 (junior) to 4 (lead)"),
                ));
            }
        }
        let sla = spec.sla.compile().map_err(|e| err("sla", e))?;
        for team in spec.sla.teams.keys() {
            if !names.contains(team.as_str()) {
                return Err(err(
                    format!("sla.teams.{team}"),
                    format!("override for unknown team {team:?}"),
                ));
            }
        }
        let team_names: Vec<&str> = spec.teams.iter().map(|t| t.name.as_str()).collect();
        let routing = match &spec.routing {
            Some(r) => Some(Router::compile(r, &team_names).map_err(|e| err("routing", e))?),
            None => None,
        };
        let levels: Vec<TeamLevel> = spec
            .teams
            .iter()
            .map(|t| TeamLevel::new(&t.name, t.escalates_to.as_deref()))
            .collect();
        let escalator =
            Escalator::new(&spec.escalation, &levels).map_err(|e| err("escalation", e))?;
        let triage = Triage::compile(&spec.triage).map_err(|e| err("triage", e))?;
        Ok(Desk {
            teams: spec.teams.clone(),
            spec,
            sla,
            calendars,
            always: BusinessHours::always(),
            levels,
            routing,
            escalator,
            triage,
        })
    }

    /// The configuration as written (for the admin API).
    pub fn spec(&self) -> &DeskSpec {
        &self.spec
    }

    pub fn teams(&self) -> &[TeamSpec] {
        &self.teams
    }

    pub fn team(&self, name: &str) -> Option<&TeamSpec> {
        self.teams.iter().find(|t| t.name == name)
    }

    pub fn team_lead(&self, team: &str) -> Option<&str> {
        self.team(team)?.lead.as_deref()
    }

    /// The calendar a team's SLA clock and "open" conditions use.
    pub fn calendar(&self, team: Option<&str>) -> &BusinessHours {
        team.and_then(|t| self.calendars.get(t))
            .unwrap_or(&self.always)
    }

    pub fn team_open(&self, team: &str, now: i64) -> bool {
        self.calendar(Some(team)).is_open(now)
    }

    pub fn routing(&self) -> Option<&Router> {
        self.routing.as_ref()
    }

    pub fn triage(&self) -> &Triage {
        &self.triage
    }

    pub fn escalator(&self) -> &Escalator {
        &self.escalator
    }

    /// The SLA targets for a ticket. A VIP contact without a segment gets the
    /// `vip` segment's overrides.
    pub fn sla_targets(
        &self,
        priority: Priority,
        segment: Option<&str>,
        team: Option<&str>,
    ) -> SlaTargets {
        self.sla.resolve(priority, segment, team)
    }

    /// Moves the ticket's SLA clock to match its status and computes its
    /// deadlines and timers.
    pub fn plan_sla(&self, t: &SlaInput, now: i64) -> SlaPlan {
        let segment = t.segment.or(if t.vip { Some("vip") } else { None });
        let targets = self.sla.resolve(t.priority, segment, t.team);
        let hours = self.calendar(t.team);
        let resolved = matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed);
        let waiting = t.status == TicketStatus::Pending && targets.pause_when_pending;
        let mut clock = t.clock;
        if resolved || waiting {
            clock.pause(now, hours, targets.business_hours_only);
        } else if !t.planned_before {
            // First plan: the clock started when the customer wrote, even if
            // the plan is made later (tickets from before SLA tracking).
            clock = SlaClock::start(t.created_at.min(now));
        } else {
            clock.resume(now);
        }
        let deadlines = sla::deadlines(&targets, hours, &clock, t.first_response_done, resolved);
        let vip_window_at = (t.vip && !resolved && clock.is_running())
            .then(|| self.escalator.vip_deadline(t.created_at));
        let mut source = targets.source.clone();
        if targets.business_hours_only && !hours.is_always() {
            source.push_str(&format!("; business hours {}", hours.describe()));
        }
        SlaPlan {
            clock,
            deadlines,
            vip_window_at,
            source,
        }
    }

    /// Where an escalation goes. A manual escalation may name a team, or
    /// "management" / "cross_department" for the configured teams.
    pub fn escalate(
        &self,
        trigger: &Trigger,
        current_team: Option<&str>,
        requested_team: Option<&str>,
    ) -> Result<escalation::Escalation, String> {
        if let Some(name) = requested_team
            && !matches!(name, "management" | "cross_department")
            && self.team(name).is_none()
        {
            return Err(format!("no team named {name:?} in the desk configuration"));
        }
        let trigger = match (trigger, requested_team) {
            (Trigger::Manual { reason, .. }, Some(t)) => Trigger::Manual {
                reason: reason.clone(),
                target: Some(t.to_string()),
            },
            _ => trigger.clone(),
        };
        Ok(self.escalator.decide(&trigger, current_team, &self.levels))
    }

    pub fn handoff_summary(&self, input: &SummaryInput) -> String {
        escalation::summary(input)
    }
}

/// What the SLA plan needs to know about a ticket.
#[derive(Debug, Clone, Copy)]
pub struct SlaInput<'a> {
    pub status: TicketStatus,
    pub priority: Priority,
    pub team: Option<&'a str>,
    pub segment: Option<&'a str>,
    pub vip: bool,
    pub first_response_done: bool,
    pub created_at: i64,
    /// Whether a plan was made for this ticket before (its clock exists).
    pub planned_before: bool,
    pub clock: SlaClock,
}

/// A ticket's SLA clock, deadlines and the timers that enforce them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPlan {
    pub clock: SlaClock,
    pub deadlines: SlaDeadlines,
    /// When an unresolved VIP ticket escalates.
    pub vip_window_at: Option<i64>,
    /// Where the targets came from, for the timeline and the API.
    pub source: String,
}

impl SlaPlan {
    /// The timers this plan needs, by kind and due time.
    pub fn timers(&self) -> Vec<(TimerKind, i64)> {
        let d = &self.deadlines;
        let mut out = Vec::with_capacity(6);
        if let Some(fr) = d.first_response {
            out.push((TimerKind::FirstResponseWarning, fr.warn_at));
            out.push((TimerKind::FirstResponseBreach, fr.due_at));
        }
        if let Some(r) = d.resolution {
            out.push((TimerKind::ResolutionWarning, r.warn_at));
            out.push((TimerKind::ResolutionBreach, r.due_at));
        }
        if let Some(at) = d.escalate_at {
            out.push((TimerKind::Escalate, at));
        }
        if let Some(at) = self.vip_window_at {
            out.push((TimerKind::VipWindow, at));
        }
        out
    }
}

/// What a timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    FirstResponseWarning,
    FirstResponseBreach,
    ResolutionWarning,
    ResolutionBreach,
    /// Auto-escalation: escalate-after without a reply, or the resolution
    /// breach when the policy escalates on it.
    Escalate,
    VipWindow,
}

crate::wire_enum!(TimerKind, "timer kind", {
    FirstResponseWarning => "sla.first_response.warning",
    FirstResponseBreach => "sla.first_response.breach",
    ResolutionWarning => "sla.resolution.warning",
    ResolutionBreach => "sla.resolution.breach",
    Escalate => "sla.escalate",
    VipWindow => "vip.window",
});

impl TimerKind {
    /// The SLA target the timer is about.
    pub fn target(self) -> &'static str {
        match self {
            TimerKind::FirstResponseWarning | TimerKind::FirstResponseBreach => "first_response",
            TimerKind::ResolutionWarning | TimerKind::ResolutionBreach => "resolution",
            TimerKind::Escalate => "escalation",
            TimerKind::VipWindow => "vip_window",
        }
    }

    /// The event (and notification) name its effect is published under.
    pub fn event_name(self) -> &'static str {
        match self {
            TimerKind::FirstResponseWarning | TimerKind::ResolutionWarning => "sla.warning",
            TimerKind::FirstResponseBreach | TimerKind::ResolutionBreach => "sla.breached",
            TimerKind::Escalate | TimerKind::VipWindow => "ticket.escalated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::{EscalationPath, SlaTarget};

    const MIN: i64 = 60_000;

    fn desk(toml_like_json: serde_json::Value) -> Result<Desk, DeskError> {
        Desk::compile(serde_json::from_value(toml_like_json).expect("valid shape"))
    }

    fn input(status: TicketStatus, clock: SlaClock, planned: bool) -> SlaInput<'static> {
        SlaInput {
            status,
            priority: Priority::Urgent,
            team: None,
            segment: None,
            vip: false,
            first_response_done: false,
            created_at: 1_000,
            planned_before: planned,
            clock,
        }
    }

    #[test]
    fn first_plan_starts_the_clock_at_creation_with_the_default_targets() {
        let d = Desk::default();
        let plan = d.plan_sla(
            &input(TicketStatus::New, SlaClock::default(), false),
            61_000,
        );
        assert_eq!(plan.clock, SlaClock::start(1_000));
        let fr = plan.deadlines.first_response.unwrap();
        assert_eq!(fr.due_at, 1_000 + 5 * MIN);
        assert_eq!(fr.warn_at, 1_000 + 5 * MIN * 3 / 4);
        assert_eq!(plan.deadlines.resolution.unwrap().due_at, 1_000 + 60 * MIN);
        assert_eq!(plan.deadlines.escalate_at, Some(1_000 + 10 * MIN));
        let kinds: Vec<_> = plan.timers().into_iter().map(|t| t.0).collect();
        assert_eq!(
            kinds,
            vec![
                TimerKind::FirstResponseWarning,
                TimerKind::FirstResponseBreach,
                TimerKind::ResolutionWarning,
                TimerKind::ResolutionBreach,
                TimerKind::Escalate
            ]
        );
    }

    #[test]
    fn pending_pauses_and_a_customer_reply_resumes_without_losing_time() {
        let d = Desk::default();
        let running = SlaClock::start(0);
        let paused = d.plan_sla(&input(TicketStatus::Pending, running, true), 2 * MIN);
        assert_eq!(paused.clock.elapsed_ms, 2 * MIN);
        assert!(
            paused.timers().is_empty(),
            "no timers while waiting on the customer"
        );
        let resumed = d.plan_sla(
            &input(TicketStatus::InProgress, paused.clock, true),
            30 * MIN,
        );
        assert_eq!(resumed.clock.running_since, Some(30 * MIN));
        // 5 min first response, 2 already used: due 3 min after resuming.
        assert_eq!(resumed.deadlines.first_response.unwrap().due_at, 33 * MIN);
    }

    #[test]
    fn vip_contacts_get_the_vip_segment_and_a_vip_window_timer() {
        let d = desk(serde_json::json!({
            "sla": {"segments": {"vip": {"targets": {"urgent": {"first_response": "2m"}}}}},
            "escalation": {"vip_window": "30m"}
        }))
        .unwrap();
        let mut i = input(TicketStatus::New, SlaClock::default(), false);
        i.vip = true;
        let plan = d.plan_sla(&i, 1_000);
        assert_eq!(
            plan.deadlines.first_response.unwrap().due_at,
            1_000 + 2 * MIN
        );
        assert!(plan.source.contains("vip"), "{}", plan.source);
        assert_eq!(plan.vip_window_at, Some(1_000 + 30 * MIN));
    }

    #[test]
    fn business_hours_teams_count_only_open_time() {
        let d = desk(serde_json::json!({
            "hours": {"office": {"timezone": "UTC", "mon": ["09:00-17:00"], "tue": ["09:00-17:00"]}},
            "teams": [{"name": "Support", "hours": "office"}],
            "sla": {"business_hours_only": true}
        }))
        .unwrap();
        // Monday 2026-11-23 16:30 UTC; medium: first response 1 h.
        let monday_1630 = 1_795_451_400_000;
        let mut i = input(TicketStatus::New, SlaClock::default(), false);
        i.priority = Priority::Medium;
        i.team = Some("Support");
        i.created_at = monday_1630;
        let plan = d.plan_sla(&i, monday_1630);
        // 30 min on Monday, 30 min from Tuesday 09:00.
        let tuesday_0930 = monday_1630 + 17 * 60 * MIN;
        assert_eq!(plan.deadlines.first_response.unwrap().due_at, tuesday_0930);
        assert!(plan.source.contains("business hours"), "{}", plan.source);
    }

    #[test]
    fn errors_name_where_the_problem_is() {
        let e = desk(serde_json::json!({"teams": [{"name": "L1", "escalates_to": "L9"}]}))
            .err()
            .unwrap();
        assert_eq!(e.path, "teams[0].escalates_to");
        assert!(e.message.contains("unknown team \"L9\""), "{e}");
        let e = desk(serde_json::json!({"teams": [{"name": "L1", "hours": "eu"}]}))
            .err()
            .unwrap();
        assert_eq!(e.path, "teams[0].hours");
        let e = desk(serde_json::json!({"hours": {"eu": {"timezone": "Europe/Berln", "mon": ["09:00-17:00"]}}}))
            .err()
            .unwrap();
        assert_eq!(e.path, "hours.eu");
        assert!(e.message.contains("Europe/Berln"), "{e}");
        let e = desk(serde_json::json!({"teams": [{"name": "A"}],
            "routing": {"fallback": {"team": "Nope"}}}))
        .err()
        .unwrap();
        assert!(e.path.starts_with("routing"), "{e}");
        assert!(e.message.contains("Nope"), "{e}");
        let e = desk(serde_json::json!({"teams": [{"name": "A"}, {"name": "A"}]}))
            .err()
            .unwrap();
        assert_eq!(e.path, "teams[1]");
    }

    #[test]
    fn escalation_goes_up_the_chain_and_manual_targets_must_exist() {
        let d = desk(serde_json::json!({
            "teams": [{"name": "L1", "escalates_to": "L2"}, {"name": "L2"}, {"name": "Mgmt"}],
            "escalation": {"management_team": "Mgmt"}
        }))
        .unwrap();
        let e = d
            .escalate(
                &Trigger::SlaBreach {
                    target: SlaTarget::Resolution,
                },
                Some("L1"),
                None,
            )
            .unwrap();
        assert_eq!(e.target_team.as_deref(), Some("L2"));
        assert_eq!(e.path, EscalationPath::NextLevel);
        let manual = Trigger::Manual {
            reason: "legal threat".into(),
            target: None,
        };
        assert!(d.escalate(&manual, Some("L1"), Some("Nowhere")).is_err());
        let e = d.escalate(&manual, Some("L1"), Some("management")).unwrap();
        assert_eq!(e.target_team.as_deref(), Some("Mgmt"));
    }
}
