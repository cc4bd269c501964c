//! Assignment strategies: which member of a team gets the ticket.
//!
//! Every strategy only ever picks an agent who is online and under capacity
//! ([`AgentState::can_take`]); away and offline agents and full agents are
//! never chosen. When nobody suitable is free the [`Choice`] has no agent and
//! says who was unavailable and why, and the ticket waits in the team queue.
//! The server re-runs [`choose`] alone when capacity frees up.

use std::fmt::Write as _;

use super::floor::{AgentState, Availability, Floor, TeamState};

/// How a team's ticket is given to one of its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// The available member assigned least recently.
    RoundRobin,
    /// The available member with the fewest open tickets.
    #[default]
    LoadBalanced,
    /// Load-balanced among members skilled in the ticket's issue type.
    Skill,
    /// Load-balanced among members who speak the customer's language.
    Language,
    /// Load-balanced among the most senior available members.
    Vip,
    /// Load-balanced while the team is open; after hours the rule's
    /// `after_hours_team`, or the bot alone.
    TimeBased,
}

crate::wire_enum!(Strategy, "strategy", {
    RoundRobin => "round_robin",
    LoadBalanced => "load_balanced",
    Skill => "skill",
    Language => "language",
    Vip => "vip",
    TimeBased => "time_based",
});

/// Seniority from which an agent counts as senior for VIP routing.
pub const SENIOR: u8 = 3;

/// What the ticket needs from an agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requirements<'a> {
    /// Detected or rule-given issue type (matched against agents' skills).
    pub issue_type: Option<&'a str>,
    /// The ticket's language (matched against agents' languages).
    pub language: Option<&'a str>,
    pub vip: bool,
}

/// The chosen agent, or none (the ticket queues), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub agent: Option<i64>,
    pub why: String,
}

impl Strategy {
    /// How the strategy reads in explanations, e.g. `skill-based (billing)`.
    pub fn describe(self, req: &Requirements) -> String {
        match self {
            Strategy::RoundRobin => "round-robin".into(),
            Strategy::LoadBalanced => "load-balanced".into(),
            Strategy::Skill => match req.issue_type {
                Some(t) => format!("skill-based ({t})"),
                None => "skill-based".into(),
            },
            Strategy::Language => match req.language {
                Some(l) => format!("language ({l})"),
                None => "language".into(),
            },
            Strategy::Vip => "VIP".into(),
            Strategy::TimeBased => "time-based".into(),
        }
    }
}

/// Picks an agent of `team` for a ticket with `req` by `strategy`.
/// `now_ms` only feeds the explanation ("last assigned 5m ago").
pub fn choose(
    strategy: Strategy,
    team: &TeamState,
    req: &Requirements,
    floor: &Floor,
    now_ms: i64,
) -> Choice {
    let (members, unknown) = floor.members(team);
    match strategy {
        Strategy::RoundRobin => match least_recent(members.iter().copied()) {
            Some(a) => {
                let mut why = load(a);
                if a.last_assigned_at == 0 {
                    why.push_str(", never assigned");
                } else {
                    let ago = crate::escalation::format_duration_ms(now_ms - a.last_assigned_at);
                    let _ = write!(why, ", last assigned {ago} ago");
                }
                pick(a, why)
            }
            None => nobody(&members, unknown),
        },
        Strategy::LoadBalanced => balanced("", &members, unknown),
        Strategy::TimeBased if !team.open_now => Choice {
            agent: None,
            why: format!("{} closed", team.name),
        },
        Strategy::TimeBased => balanced(&format!("{} open; ", team.name), &members, unknown),
        Strategy::Skill => {
            let Some(skill) = req.issue_type else {
                return balanced("no issue type; ", &members, unknown);
            };
            let skilled: Vec<&AgentState> = members
                .iter()
                .copied()
                .filter(|a| a.has_skill(skill))
                .collect();
            if skilled.is_empty() {
                return balanced(
                    &format!("nobody in {} has skill {skill}; ", team.name),
                    &members,
                    unknown,
                );
            }
            match least_loaded(skilled.iter().copied()) {
                Some(a) => pick(a, format!("{}, skilled in {skill}", load(a))),
                None => Choice {
                    agent: None,
                    why: format!(
                        "no {skill}-skilled member available ({})",
                        breakdown("skilled", &skilled, 0)
                    ),
                },
            }
        }
        Strategy::Language => {
            let Some(lang) = req.language else {
                return balanced("no language detected; ", &members, unknown);
            };
            let speaker = least_loaded(members.iter().copied().filter(|a| a.speaks(lang)));
            match speaker {
                Some(a) => pick(a, format!("{}, speaks {lang}", load(a))),
                None => balanced(&format!("no {lang} speaker available; "), &members, unknown),
            }
        }
        Strategy::Vip => {
            let seniors: Vec<&AgentState> = members
                .iter()
                .copied()
                .filter(|a| a.seniority >= SENIOR)
                .collect();
            if seniors.is_empty() {
                // A team with no seniors at all would queue VIPs forever;
                // give them the most senior member who is free instead.
                return match most_senior(members.iter().copied()) {
                    Some(a) => pick(
                        a,
                        format!(
                            "no senior in {}; {}, seniority {}",
                            team.name,
                            load(a),
                            a.seniority
                        ),
                    ),
                    None => nobody(&members, unknown),
                };
            }
            match most_senior(seniors.iter().copied()) {
                Some(a) => pick(a, format!("{}, seniority {}", load(a), a.seniority)),
                None => Choice {
                    agent: None,
                    why: format!(
                        "no senior (seniority ≥ {SENIOR}) available ({})",
                        breakdown("seniors", &seniors, 0)
                    ),
                },
            }
        }
    }
}

fn pick(a: &AgentState, why: String) -> Choice {
    Choice {
        agent: Some(a.id),
        why,
    }
}

/// `dana@x — 2 open of 6`
fn load(a: &AgentState) -> String {
    format!("{} — {} open of {}", a.email, a.open_tickets, a.capacity)
}

fn balanced(prefix: &str, members: &[&AgentState], unknown: usize) -> Choice {
    match least_loaded(members.iter().copied()) {
        Some(a) => pick(a, format!("{prefix}{}", load(a))),
        None => {
            let mut c = nobody(members, unknown);
            c.why.insert_str(0, prefix);
            c
        }
    }
}

fn nobody(members: &[&AgentState], unknown: usize) -> Choice {
    Choice {
        agent: None,
        why: format!(
            "nobody available ({})",
            breakdown("members", members, unknown)
        ),
    }
}

/// Fewest open tickets; ties go to the least recently assigned, then the
/// lowest id, so the choice is deterministic.
fn least_loaded<'f>(agents: impl Iterator<Item = &'f AgentState>) -> Option<&'f AgentState> {
    agents
        .filter(|a| a.can_take())
        .min_by_key(|a| (a.open_tickets, a.last_assigned_at, a.id))
}

fn least_recent<'f>(agents: impl Iterator<Item = &'f AgentState>) -> Option<&'f AgentState> {
    agents
        .filter(|a| a.can_take())
        .min_by_key(|a| (a.last_assigned_at, a.id))
}

/// Load-balanced among the available agents of the highest seniority.
fn most_senior<'f>(agents: impl Iterator<Item = &'f AgentState> + Clone) -> Option<&'f AgentState> {
    let top = agents
        .clone()
        .filter(|a| a.can_take())
        .map(|a| a.seniority)
        .max()?;
    least_loaded(agents.filter(|a| a.seniority == top))
}

/// `3 members: 2 offline, 1 at capacity 6 of 6`
fn breakdown(what: &str, agents: &[&AgentState], unknown: usize) -> String {
    let total = agents.len() + unknown;
    if total == 0 {
        return format!("no {what}");
    }
    let (mut offline, mut away, mut full, mut full_one) = (0, 0, 0, None);
    for a in agents {
        match a.availability {
            Availability::Offline => offline += 1,
            Availability::Away => away += 1,
            Availability::Online if a.open_tickets >= a.capacity => {
                full += 1;
                full_one = Some((a.open_tickets, a.capacity));
            }
            Availability::Online => {}
        }
    }
    let mut parts = Vec::new();
    if offline > 0 {
        parts.push(format!("{offline} offline"));
    }
    if away > 0 {
        parts.push(format!("{away} away"));
    }
    match (full, full_one) {
        (0, _) => {}
        (1, Some((open, cap))) => parts.push(format!("1 at capacity {open} of {cap}")),
        (n, _) => parts.push(format!("{n} at capacity")),
    }
    if unknown > 0 {
        parts.push(format!("{unknown} unknown"));
    }
    format!("{total} {what}: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000_000;

    fn agent(id: i64, open: u32) -> AgentState {
        let mut a = AgentState::new(id, format!("a{id}@x"));
        a.open_tickets = open;
        a
    }

    fn team(members: &[i64]) -> TeamState {
        TeamState {
            id: 1,
            name: "Support".into(),
            open_now: true,
            members: members.to_vec(),
            lead: None,
        }
    }

    fn run(strategy: Strategy, agents: Vec<AgentState>, req: Requirements) -> Choice {
        let t = team(&agents.iter().map(|a| a.id).collect::<Vec<_>>());
        let floor = Floor::new(vec![t.clone()], agents);
        choose(strategy, &t, &req, &floor, NOW)
    }

    fn lb(agents: Vec<AgentState>) -> Choice {
        run(Strategy::LoadBalanced, agents, Requirements::default())
    }

    #[test]
    fn load_balanced_picks_the_least_loaded_and_explains_the_load() {
        let c = lb(vec![agent(1, 4), agent(2, 2), agent(3, 5)]);
        assert_eq!(c.agent, Some(2));
        assert_eq!(c.why, "a2@x — 2 open of 6");
    }

    #[test]
    fn load_balanced_ties_go_to_the_least_recently_assigned() {
        let mut a = agent(1, 2);
        a.last_assigned_at = NOW - 10;
        let mut b = agent(2, 2);
        b.last_assigned_at = NOW - 500;
        assert_eq!(lb(vec![a, b]).agent, Some(2));
    }

    #[test]
    fn capacity_is_a_hard_limit_and_away_offline_never_chosen() {
        let mut away = agent(1, 0);
        away.availability = Availability::Away;
        let mut off = agent(2, 0);
        off.availability = Availability::Offline;
        let full = agent(3, 6);
        let mut over = agent(4, 9);
        over.capacity = 8;
        for s in Strategy::ALL {
            let c = run(
                *s,
                vec![away.clone(), off.clone(), full.clone(), over.clone()],
                Requirements {
                    issue_type: Some("billing"),
                    language: Some("es"),
                    vip: true,
                },
            );
            assert_eq!(c.agent, None, "{s}: {}", c.why);
        }
        let c = lb(vec![away, off.clone(), off, full]);
        assert_eq!(
            c.why,
            "nobody available (4 members: 2 offline, 1 away, 1 at capacity 6 of 6)"
        );
        assert_eq!(lb(vec![]).why, "nobody available (no members)");
    }

    #[test]
    fn round_robin_is_fair_over_a_sequence() {
        let agents = vec![agent(1, 0), agent(2, 0), agent(3, 0)];
        let t = team(&[1, 2, 3]);
        let mut floor = Floor::new(vec![t.clone()], agents);
        let mut order = Vec::new();
        for i in 0..9 {
            let now = NOW + i * 1000;
            let c = choose(
                Strategy::RoundRobin,
                &t,
                &Requirements::default(),
                &floor,
                now,
            );
            let id = c.agent.unwrap();
            order.push(id);
            floor.record_assignment(id, now);
            // Agent 1 closes tickets fast; round robin ignores load.
            if id == 1 {
                floor.record_release(1);
            }
        }
        assert_eq!(order, [1, 2, 3, 1, 2, 3, 1, 2, 3]);
        let c = choose(
            Strategy::RoundRobin,
            &t,
            &Requirements::default(),
            &floor,
            NOW + 9000 + 120_000,
        );
        assert_eq!(c.why, "a1@x — 0 open of 6, last assigned 2m ago");
    }

    #[test]
    fn round_robin_skips_unavailable_and_full() {
        let mut a = agent(1, 6);
        a.last_assigned_at = 1;
        let mut b = agent(2, 0);
        b.availability = Availability::Away;
        let mut c = agent(3, 5);
        c.last_assigned_at = NOW - 1;
        let choice = run(Strategy::RoundRobin, vec![a, b, c], Requirements::default());
        assert_eq!(choice.agent, Some(3));
    }

    fn skilled(id: i64, open: u32, skill: &str) -> AgentState {
        let mut a = agent(id, open);
        a.skills = vec![skill.to_string()];
        a
    }

    #[test]
    fn skill_prefers_skilled_then_queues_then_falls_back() {
        let req = Requirements {
            issue_type: Some("billing"),
            ..Default::default()
        };
        let c = run(
            Strategy::Skill,
            vec![
                agent(1, 0),
                skilled(2, 3, "Billing"),
                skilled(3, 2, "billing"),
            ],
            req,
        );
        assert_eq!(c.agent, Some(3));
        assert_eq!(c.why, "a3@x — 2 open of 6, skilled in billing");

        // Skilled members exist but are busy: wait for them.
        let c = run(
            Strategy::Skill,
            vec![agent(1, 0), skilled(2, 6, "billing")],
            req,
        );
        assert_eq!(c.agent, None);
        assert_eq!(
            c.why,
            "no billing-skilled member available (1 skilled: 1 at capacity 6 of 6)"
        );

        // Nobody has the skill at all: anyone available.
        let c = run(
            Strategy::Skill,
            vec![agent(1, 1), skilled(2, 0, "technical")],
            req,
        );
        assert_eq!(c.agent, Some(2));
        assert_eq!(
            c.why,
            "nobody in Support has skill billing; a2@x — 0 open of 6"
        );
    }

    #[test]
    fn language_prefers_speakers_then_anyone() {
        let mut es = agent(1, 4);
        es.languages = vec!["es-MX".into()];
        let req = Requirements {
            language: Some("es"),
            ..Default::default()
        };
        let c = run(Strategy::Language, vec![es.clone(), agent(2, 0)], req);
        assert_eq!(c.agent, Some(1));
        assert_eq!(c.why, "a1@x — 4 open of 6, speaks es");

        es.availability = Availability::Offline;
        let c = run(Strategy::Language, vec![es, agent(2, 0)], req);
        assert_eq!(c.agent, Some(2));
        assert_eq!(c.why, "no es speaker available; a2@x — 0 open of 6");
    }

    fn senior(id: i64, open: u32, seniority: u8) -> AgentState {
        let mut a = agent(id, open);
        a.seniority = seniority;
        a
    }

    #[test]
    fn vip_goes_to_the_most_senior_available() {
        let req = Requirements {
            vip: true,
            ..Default::default()
        };
        let c = run(
            Strategy::Vip,
            vec![
                senior(1, 0, 1),
                senior(2, 5, 3),
                senior(3, 4, 4),
                senior(4, 1, 3),
            ],
            req,
        );
        assert_eq!(c.agent, Some(3), "the lead is the most senior available");
        assert_eq!(c.why, "a3@x — 4 open of 6, seniority 4");

        let mut lead = senior(3, 0, 4);
        lead.availability = Availability::Away;
        let c = run(
            Strategy::Vip,
            vec![
                senior(1, 0, 1),
                senior(2, 5, 3),
                lead.clone(),
                senior(4, 1, 3),
            ],
            req,
        );
        assert_eq!(c.agent, Some(4), "then load-balanced among the seniors");

        let c = run(
            Strategy::Vip,
            vec![senior(1, 0, 2), senior(2, 6, 3), lead],
            req,
        );
        assert_eq!(
            c.agent, None,
            "seniors exist but are busy: the VIP waits for one"
        );
        assert_eq!(
            c.why,
            "no senior (seniority ≥ 3) available (2 seniors: 1 away, 1 at capacity 6 of 6)"
        );

        let c = run(Strategy::Vip, vec![senior(1, 0, 1), senior(2, 3, 2)], req);
        assert_eq!(c.agent, Some(2));
        assert_eq!(
            c.why,
            "no senior in Support; a2@x — 3 open of 6, seniority 2"
        );
    }

    #[test]
    fn time_based_assigns_only_while_open() {
        let agents = vec![agent(1, 1)];
        let mut t = team(&[1]);
        let floor = Floor::new(vec![t.clone()], agents);
        let c = choose(
            Strategy::TimeBased,
            &t,
            &Requirements::default(),
            &floor,
            NOW,
        );
        assert_eq!(
            (c.agent, c.why.as_str()),
            (Some(1), "Support open; a1@x — 1 open of 6")
        );
        t.open_now = false;
        let c = choose(
            Strategy::TimeBased,
            &t,
            &Requirements::default(),
            &floor,
            NOW,
        );
        assert_eq!((c.agent, c.why.as_str()), (None, "Support closed"));
    }

    #[test]
    fn strategy_wire_names() {
        assert_eq!(
            "round_robin".parse::<Strategy>().unwrap(),
            Strategy::RoundRobin
        );
        assert_eq!(
            "fastest".parse::<Strategy>().unwrap_err().to_string(),
            "unknown strategy \"fastest\"; expected one of: round_robin load_balanced skill language vip time_based"
        );
    }
}
