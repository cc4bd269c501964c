//! Routing: ordered rules and assignment strategies.
//!
//! A [`RoutingSpec`] (the config's `[routing]` section, see [`spec`]) is
//! compiled once into a [`Router`] against the known team names. For each
//! new ticket the server passes the [`TicketFacts`] and a [`Floor`] snapshot;
//! [`Router::route`] returns a [`Decision`] whose `explanation` goes to the
//! ticket's timeline. The first rule whose conditions all hold decides; with
//! none, the fallback does. The rule picks a team and a [`Strategy`], and the
//! strategy picks an agent ([`strategy::choose`], which the server also calls
//! alone to drain a team's queue when capacity frees up).

pub mod floor;
pub mod keywords;
pub mod rules;
pub mod spec;
pub mod strategy;
pub mod synthetic;
pub mod time;

pub use floor::{AgentState, Availability, DEFAULT_CAPACITY, Floor, TeamState};
pub use rules::{Place, RoutingError};
pub use spec::{ActionSpec, ConditionSpec, RoutingSpec, RuleSpec};
pub use strategy::{Choice, Requirements, Strategy, choose};

use crate::Priority;
use rules::{Act, Compiled, Ctx};

/// What the server knows about a new ticket when routing it.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    /// The customer's message (the first one, or the one that reopened it).
    pub text: &'a str,
    /// The ticket's language (see [`crate::language::choose`]).
    pub language: Option<&'a str>,
    pub contact_labels: &'a [String],
    pub segment: Option<&'a str>,
    pub vip: bool,
    /// The business number that received the message.
    pub phone_number_id: &'a str,
    /// First conversation with this contact.
    pub new_contact: bool,
    /// Priority after triage.
    pub priority: Priority,
    pub now_ms: i64,
}

/// Where a ticket goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule that matched; `None` when the fallback applied.
    pub rule: Option<String>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    /// How the team assigns: used now, and again when the ticket waits in
    /// the queue or the bot hands a `bot_only` ticket over.
    pub strategy: Option<Strategy>,
    pub assignee: Option<i64>,
    /// The team was found but nobody suitable is available: the ticket waits
    /// in the team's queue.
    pub queued: bool,
    /// Raise the ticket to this priority (only set when higher than before).
    pub priority: Option<Priority>,
    /// Labels to add to the ticket.
    pub labels: Vec<String>,
    pub auto_reply: Option<String>,
    /// Leave the ticket with the bot; no agent assigned.
    pub bot_only: bool,
    /// Rule-given or detected issue type.
    pub issue_type: Option<String>,
    /// The sentence for the ticket's timeline.
    pub explanation: String,
}

/// A compiled routing configuration. Cheap to share (`Arc`) across requests.
#[derive(Debug, Clone)]
pub struct Router {
    c: Compiled,
}

impl Router {
    /// Checks and compiles `spec`; `known_teams` are the team names that
    /// exist, so a typo fails here rather than routing tickets nowhere.
    pub fn compile<S: AsRef<str>>(
        spec: &RoutingSpec,
        known_teams: &[S],
    ) -> Result<Router, RoutingError> {
        let known: Vec<&str> = known_teams.iter().map(|s| s.as_ref()).collect();
        Ok(Router {
            c: rules::compile(spec, &known)?,
        })
    }

    /// Number of rules (not counting the fallback).
    pub fn rule_count(&self) -> usize {
        self.c.rules.len()
    }

    /// The issue type `text` is about, per `[routing.issue_types]`.
    pub fn detect_issue_type(&self, text: &str) -> Option<&str> {
        let facts = TicketFacts {
            text,
            language: None,
            contact_labels: &[],
            segment: None,
            vip: false,
            phone_number_id: "",
            new_contact: false,
            priority: Priority::Medium,
            now_ms: 0,
        };
        let floor = Floor::default();
        let i = Ctx::new(&self.c, &facts, &floor).issue()?;
        Some(&self.c.issue_types[i].name)
    }

    /// Decides where the ticket goes. Pure: same facts and floor, same answer.
    pub fn route(&self, facts: &TicketFacts, floor: &Floor) -> Decision {
        let mut ctx = Ctx::new(&self.c, facts, floor);
        let winner = (0..self.c.rules.len()).find(|&i| ctx.matches(i));
        let fb = &self.c.fallback;
        let (head, act, rule) = match winner {
            Some(i) => {
                let r = &self.c.rules[i];
                (
                    format!("rule \"{}\" matched ({})", r.name, ctx.describe(i)),
                    &r.act,
                    Some(r.name.clone()),
                )
            }
            None => ("fallback".to_string(), fb, None),
        };
        let issue_type = act
            .issue_type
            .clone()
            .or_else(|| ctx.issue().map(|i| self.c.issue_types[i].name.clone()));
        let mut d = Decision {
            rule,
            team_id: None,
            team: None,
            strategy: None,
            assignee: None,
            queued: false,
            priority: act.priority.filter(|p| *p > facts.priority),
            labels: act.labels.clone(),
            auto_reply: act.auto_reply.clone(),
            bot_only: act.bot_only,
            issue_type,
            explanation: String::new(),
        };
        let mut parts = vec![head];
        self.assign(act, facts, floor, &mut d, &mut parts);
        d.explanation = parts.join("; ");
        d
    }

    fn assign(
        &self,
        act: &Act,
        facts: &TicketFacts,
        floor: &Floor,
        d: &mut Decision,
        parts: &mut Vec<String>,
    ) {
        let fb = &self.c.fallback;
        let fb_team = fb
            .team
            .as_deref()
            .expect("compile requires a fallback team");
        // A rule without a team only adds its actions; the fallback's team
        // and strategy own the ticket.
        let (mut team_name, mut strategy, after_hours, borrowed) = match &act.team {
            Some(t) => (
                t.as_str(),
                act.strategy.unwrap_or_default(),
                act.after_hours_team.as_deref(),
                false,
            ),
            None => (
                fb_team,
                act.strategy.or(fb.strategy).unwrap_or_default(),
                act.after_hours_team
                    .as_deref()
                    .or(fb.after_hours_team.as_deref()),
                !std::ptr::eq(act, fb),
            ),
        };
        let mut team = floor.team(team_name);
        if team.is_none() && team_name != fb_team {
            // Deleted since the config was loaded: better the fallback's
            // queue than nowhere.
            parts.push(format!(
                "team {team_name} not on the floor, using the fallback's"
            ));
            team_name = fb_team;
            strategy = fb.strategy.unwrap_or_default();
            team = floor.team(fb_team);
        }
        d.team = Some(team_name.to_string());
        d.team_id = team.map(|t| t.id);
        d.strategy = Some(strategy);
        parts.push(if borrowed {
            format!("team {team_name} (fallback's)")
        } else {
            format!("team {team_name}")
        });
        if let Some(p) = d.priority {
            parts.push(format!("priority raised to {p}"));
        }
        if !d.labels.is_empty() {
            parts.push(format!("labels {}", d.labels.join(", ")));
        }
        if d.auto_reply.is_some() {
            parts.push("auto-reply".into());
        }
        if d.bot_only {
            parts.push("bot only: no agent assigned".into());
            return;
        }
        let Some(mut team) = team else {
            parts.push(format!("team {team_name} not on the floor; queued"));
            d.queued = true;
            return;
        };

        if let Some(email) = &act.agent {
            match floor.agent_by_email(email) {
                Some(a) if a.can_take() => {
                    parts.push(format!(
                        "direct to {} — {} open of {}",
                        a.email, a.open_tickets, a.capacity
                    ));
                    d.assignee = Some(a.id);
                    return;
                }
                Some(a) if a.availability != Availability::Online => {
                    parts.push(format!("{} is {}", a.email, a.availability));
                }
                Some(a) => parts.push(format!(
                    "{} at capacity {} of {}",
                    a.email, a.open_tickets, a.capacity
                )),
                None => parts.push(format!("agent {email} not on the floor")),
            }
        }

        if strategy == Strategy::TimeBased && !team.open_now {
            match after_hours.map(|n| (n, floor.team(n))) {
                Some((_, Some(t))) if t.open_now => {
                    parts.push(format!(
                        "{} closed, after hours → team {}",
                        team.name, t.name
                    ));
                    team = t;
                    d.team = Some(t.name.clone());
                    d.team_id = Some(t.id);
                }
                Some((n, _)) => {
                    parts.push(format!("{} and {n} closed: bot only", team.name));
                    d.bot_only = true;
                    return;
                }
                None => {
                    parts.push(format!(
                        "{} closed and no after-hours team: bot only",
                        team.name
                    ));
                    d.bot_only = true;
                    return;
                }
            }
        }

        let req = Requirements {
            issue_type: d.issue_type.as_deref(),
            language: facts.language,
            vip: facts.vip,
        };
        let c = choose(strategy, team, &req, floor, facts.now_ms);
        parts.push(format!("{}: {}", strategy.describe(&req), c.why));
        d.assignee = c.agent;
        if c.agent.is_none() {
            d.queued = true;
            parts.push("queued".into());
        }
    }
}

#[cfg(test)]
mod tests;
