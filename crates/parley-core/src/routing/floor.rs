//! The support floor at one moment: teams, agents, who is online and how
//! loaded. The server builds a [`Floor`] from its store per decision batch;
//! [`Floor::new`] indexes it once so each decision only does lookups.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Whether an agent can take new tickets. Only `online` agents get any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Availability {
    Online,
    Away,
    #[default]
    Offline,
}

crate::wire_enum!(Availability, "availability", {
    Online => "online",
    Away => "away",
    Offline => "offline",
});

/// Open tickets an agent may hold unless configured otherwise.
pub const DEFAULT_CAPACITY: u32 = 6;

fn default_capacity() -> u32 {
    DEFAULT_CAPACITY
}

/// A team as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamState {
    pub id: i64,
    pub name: String,
    /// Within business hours now (the caller computes it).
    pub open_now: bool,
    /// Agent ids.
    pub members: Vec<i64>,
    pub lead: Option<i64>,
}

/// An agent as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    pub id: i64,
    pub email: String,
    pub availability: Availability,
    pub open_tickets: u32,
    /// Hard limit on open tickets; a full agent gets nothing new.
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    /// Issue types this agent handles ("billing", "technical"…).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Language codes ("es", "pt-BR"…); the primary subtag is compared.
    #[serde(default)]
    pub languages: Vec<String>,
    /// 1 junior, 2 regular, 3 senior, 4 lead.
    #[serde(default = "default_seniority")]
    pub seniority: u8,
    /// Unix ms of the last assignment; 0 if never.
    #[serde(default)]
    pub last_assigned_at: i64,
}

fn default_seniority() -> u8 {
    2
}

impl AgentState {
    /// An online agent with default capacity and no skills, for building
    /// floors in code and tests.
    pub fn new(id: i64, email: impl Into<String>) -> AgentState {
        AgentState {
            id,
            email: email.into(),
            availability: Availability::Online,
            open_tickets: 0,
            capacity: DEFAULT_CAPACITY,
            skills: Vec::new(),
            languages: Vec::new(),
            seniority: default_seniority(),
            last_assigned_at: 0,
        }
    }

    /// Online and under capacity: may receive a new ticket now.
    pub fn can_take(&self) -> bool {
        self.availability == Availability::Online && self.open_tickets < self.capacity
    }

    pub fn has_skill(&self, skill: &str) -> bool {
        self.skills
            .iter()
            .any(|s| s.trim().eq_ignore_ascii_case(skill))
    }

    /// Speaks `lang`, comparing primary subtags ("pt-BR" speaks "pt").
    pub fn speaks(&self, lang: &str) -> bool {
        let want = primary_subtag(lang);
        self.languages
            .iter()
            .any(|l| primary_subtag(l).eq_ignore_ascii_case(want))
    }
}

pub(crate) fn primary_subtag(lang: &str) -> &str {
    let lang = lang.trim();
    lang.split(['-', '_']).next().unwrap_or(lang)
}

/// A snapshot of teams and agents, indexed for lookups.
#[derive(Debug, Clone, Default)]
pub struct Floor {
    teams: Vec<TeamState>,
    agents: Vec<AgentState>,
    team_by_name: HashMap<String, usize>,
    team_by_id: HashMap<i64, usize>,
    agent_by_id: HashMap<i64, usize>,
    /// Lowercased emails.
    agent_by_email: HashMap<String, usize>,
    /// Per team, its members as indices into `agents` (unknown ids dropped).
    members: Vec<Vec<usize>>,
}

impl Floor {
    pub fn new(teams: Vec<TeamState>, agents: Vec<AgentState>) -> Floor {
        let agent_by_id: HashMap<i64, usize> =
            agents.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let members = teams
            .iter()
            .map(|t| {
                t.members
                    .iter()
                    .filter_map(|id| agent_by_id.get(id).copied())
                    .collect()
            })
            .collect();
        Floor {
            team_by_name: teams
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
            team_by_id: teams.iter().enumerate().map(|(i, t)| (t.id, i)).collect(),
            agent_by_email: agents
                .iter()
                .enumerate()
                .map(|(i, a)| (a.email.trim().to_lowercase(), i))
                .collect(),
            agent_by_id,
            members,
            teams,
            agents,
        }
    }

    pub fn teams(&self) -> &[TeamState] {
        &self.teams
    }

    pub fn agents(&self) -> &[AgentState] {
        &self.agents
    }

    pub fn team(&self, name: &str) -> Option<&TeamState> {
        self.team_by_name.get(name).map(|&i| &self.teams[i])
    }

    pub fn team_by_id(&self, id: i64) -> Option<&TeamState> {
        self.team_by_id.get(&id).map(|&i| &self.teams[i])
    }

    pub fn agent(&self, id: i64) -> Option<&AgentState> {
        self.agent_by_id.get(&id).map(|&i| &self.agents[i])
    }

    /// Case-insensitive.
    pub fn agent_by_email(&self, email: &str) -> Option<&AgentState> {
        self.agent_by_email
            .get(&email.trim().to_lowercase())
            .map(|&i| &self.agents[i])
    }

    /// The team's members present on the floor, plus how many member ids
    /// name no known agent.
    pub fn members<'f>(&'f self, team: &TeamState) -> (Vec<&'f AgentState>, usize) {
        match self.team_by_id.get(&team.id) {
            Some(&ti) if self.teams[ti].members == team.members => {
                let m: Vec<&AgentState> =
                    self.members[ti].iter().map(|&i| &self.agents[i]).collect();
                let unknown = team.members.len() - m.len();
                (m, unknown)
            }
            // A team not from this snapshot (or edited since): look up each id.
            _ => {
                let m: Vec<&AgentState> = team
                    .members
                    .iter()
                    .filter_map(|id| self.agent(*id))
                    .collect();
                let unknown = team.members.len() - m.len();
                (m, unknown)
            }
        }
    }

    /// True when at least one member of `team` can take a ticket now.
    pub fn has_available(&self, team: &str) -> bool {
        self.team_by_name
            .get(team)
            .is_some_and(|&ti| self.members[ti].iter().any(|&i| self.agents[i].can_take()))
    }

    /// Records that `agent_id` was just given a ticket, so the next decision
    /// on this snapshot sees the new load. False if the agent is unknown.
    pub fn record_assignment(&mut self, agent_id: i64, now_ms: i64) -> bool {
        match self.agent_by_id.get(&agent_id) {
            Some(&i) => {
                let a = &mut self.agents[i];
                a.open_tickets += 1;
                a.last_assigned_at = now_ms;
                true
            }
            None => false,
        }
    }

    /// Records that one of `agent_id`'s tickets was closed or moved away.
    pub fn record_release(&mut self, agent_id: i64) -> bool {
        match self.agent_by_id.get(&agent_id) {
            Some(&i) => {
                let a = &mut self.agents[i];
                a.open_tickets = a.open_tickets.saturating_sub(1);
                true
            }
            None => false,
        }
    }

    pub fn set_availability(&mut self, agent_id: i64, availability: Availability) -> bool {
        match self.agent_by_id.get(&agent_id) {
            Some(&i) => {
                self.agents[i].availability = availability;
                true
            }
            None => false,
        }
    }

    pub fn set_team_open(&mut self, team: &str, open: bool) -> bool {
        match self.team_by_name.get(team) {
            Some(&i) => {
                self.teams[i].open_now = open;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_updates() {
        let mut a = AgentState::new(1, "Dana@X.io");
        a.languages = vec!["pt-BR".into()];
        a.skills = vec!["Billing".into()];
        let team = TeamState {
            id: 7,
            name: "Billing".into(),
            open_now: true,
            members: vec![1, 99],
            lead: None,
        };
        let mut floor = Floor::new(vec![team.clone()], vec![a]);
        assert_eq!(floor.agent_by_email("dana@x.io").unwrap().id, 1);
        assert!(
            floor.agent(1).unwrap().speaks("pt") && floor.agent(1).unwrap().has_skill("billing")
        );
        let (members, unknown) = floor.members(&team);
        assert_eq!((members.len(), unknown), (1, 1));
        assert!(floor.has_available("Billing"));
        for n in 0..6 {
            assert!(floor.record_assignment(1, 1000 + n));
        }
        assert!(!floor.has_available("Billing"), "6 of 6 is full");
        assert_eq!(floor.agent(1).unwrap().last_assigned_at, 1005);
        floor.record_release(1);
        floor.set_availability(1, Availability::Away);
        assert!(!floor.has_available("Billing"), "away takes nothing");
        assert!(!floor.record_assignment(42, 0));
    }

    #[test]
    fn agent_defaults_from_json() {
        let a: AgentState = serde_json::from_str(
            r#"{"id":1,"email":"a@x","availability":"away","open_tickets":2}"#,
        )
        .unwrap();
        assert_eq!(
            (a.capacity, a.seniority, a.availability),
            (6, 2, Availability::Away)
        );
    }
}
