//! The router: decides where each new ticket goes, assigns queued tickets
//! the moment someone has room, and scans customer messages for escalation
//! triggers (a manager asked for, a legal threat, a repeat contact).
//!
//! Decisions are `parley-core`'s (pure, explained); this worker gathers the
//! facts, a snapshot of the floor (who is online, with how many open
//! tickets), and writes each decision with its explanation in one
//! transaction. Tickets are found by a column (`routed_at` empty, `queued_at`
//! set), so a crash loses nothing: the next start carries on.

use crate::AppState;
use parley_core::Priority;
use parley_core::desk::Desk;
use parley_core::escalation::{self, RequestKind, Trigger};
use parley_core::language;
use parley_core::routing::{
    AgentState, Availability, Decision, Floor, Requirements, Strategy, TeamState, TicketFacts,
    choose,
};
use parley_store::{ReplyDraft, RoutingCandidate, RoutingOutcome, Store};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// Tickets routed per transaction.
const ROUTE_BATCH: i64 = 100;
/// Queued tickets looked at per pass.
const DRAIN_BATCH: i64 = 500;
/// How long the router lets work gather after being woken.
const COALESCE: Duration = Duration::from_millis(20);
/// How often the scan position is saved (a restart rescans at most this much;
/// escalations already made are not repeated).
const SCAN_SAVE_EVERY_MS: i64 = 5_000;
/// Characters of a message language detection looks at.
const DETECT_CHARS: usize = 400;
/// The settings key holding the last inbound message scanned for triggers.
const SCAN_KEY: &str = "router.scanned_message_id";
/// The name of the implicit team of everyone, used without a routing section.
pub const EVERYONE: &str = "everyone";

pub async fn run_router(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut scan = ScanPosition::default();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let routed = match route_pending(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "routing failed; retrying");
                0
            }
        };
        if let Err(e) = scan_messages(&state, &mut scan).await {
            tracing::error!(error = %e, "scanning messages for escalation triggers failed");
        }
        if let Err(e) = drain_queues(&state).await {
            tracing::error!(error = %e, "assigning queued tickets failed");
        }
        if routed as i64 == ROUTE_BATCH {
            continue;
        }
        // The tick catches what no event announces: a team's opening hour,
        // or a change committed by another node.
        if !crate::idle(&state.router_wake, Duration::from_secs(1), &mut shutdown).await {
            return;
        }
        // Let a burst of new tickets gather, so they are routed in one
        // transaction rather than one each (SQLite has one writer).
        tokio::time::sleep(COALESCE).await;
        // Routing can wait a little; acknowledging webhooks cannot.
        state.ingest.step_aside(Duration::from_millis(200)).await;
    }
}

/// A snapshot of teams and agents for one routing pass.
pub async fn floor(store: &Store, desk: &Desk, now: i64) -> anyhow::Result<Floor> {
    let agents: Vec<AgentState> = store
        .list_agents()
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| AgentState {
            id: a.id,
            availability: a.availability.parse().unwrap_or(Availability::Offline),
            open_tickets: a.open_tickets.max(0) as u32,
            capacity: a.capacity.max(0) as u32,
            skills: a.skills,
            languages: a.languages,
            seniority: a.seniority.clamp(0, 255) as u8,
            last_assigned_at: a.last_assigned_at,
            email: a.email,
        })
        .collect();
    let by_email: HashMap<&str, i64> = agents.iter().map(|a| (a.email.as_str(), a.id)).collect();
    let stored = store.list_teams().await?;
    let mut teams: Vec<TeamState> = stored
        .iter()
        .map(|t| {
            let spec = desk.team(&t.name);
            let members = t.member_ids.clone();
            TeamState {
                id: t.id,
                name: t.name.clone(),
                open_now: desk.team_open(&t.name, now),
                members,
                lead: spec
                    .and_then(|s| s.lead.as_deref())
                    .and_then(|e| by_email.get(e.to_lowercase().as_str()).copied()),
            }
        })
        .collect();
    if desk.routing().is_none() {
        teams.push(TeamState {
            id: 0,
            name: EVERYONE.into(),
            open_now: true,
            members: agents.iter().map(|a| a.id).collect(),
            lead: None,
        });
    }
    Ok(Floor::new(teams, agents))
}

/// A team whose queue is shared with other teams, widened to their members:
/// who may take its tickets when none of its own members can.
fn with_shared(desk: &Desk, floor: &Floor, team: &TeamState) -> Option<(TeamState, String)> {
    let shared = &desk.team(&team.name)?.shared_with;
    if shared.is_empty() {
        return None;
    }
    let mut wide = team.clone();
    for other in shared.iter().filter_map(|n| floor.team(n)) {
        for id in &other.members {
            if !wide.members.contains(id) {
                wide.members.push(*id);
            }
        }
    }
    Some((wide, shared.join(", ")))
}

/// The decision when no routing is configured: the least-loaded online
/// agent of everyone; nobody online leaves the ticket unassigned for anyone
/// to pick up.
fn route_without_rules(floor: &Floor, req: &Requirements, now: i64) -> Decision {
    let everyone = floor
        .team(EVERYONE)
        .expect("the floor has the everyone team");
    let c = choose(Strategy::LoadBalanced, everyone, req, floor, now);
    Decision {
        rule: None,
        team_id: None,
        team: None,
        strategy: Some(Strategy::LoadBalanced),
        assignee: c.agent,
        queued: false,
        priority: None,
        labels: Vec::new(),
        auto_reply: None,
        bot_only: false,
        issue_type: None,
        explanation: format!(
            "no routing rules configured; load-balanced over all agents: {}",
            c.why
        ),
    }
}

/// What routing would do with a message, without writing anything (the
/// admin's "try it" box, and the router itself).
pub struct Trial {
    pub decision: Decision,
    pub priority: Priority,
    pub priority_reason: String,
    pub language: Option<String>,
    pub language_reason: String,
    pub trigger: Option<Trigger>,
}

#[allow(clippy::too_many_arguments)]
pub fn decide(
    desk: &Desk,
    floor: &Floor,
    text: &str,
    contact_language: Option<&str>,
    labels: &[String],
    segment: Option<&str>,
    vip: bool,
    phone_number_id: &str,
    new_contact: bool,
    current_priority: Priority,
    now: i64,
) -> Trial {
    // The first few hundred characters say which language it is; long
    // pastes only cost time.
    let sample = match text.char_indices().nth(DETECT_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    let detected = language::detect(sample);
    let (lang, language_reason) = language::choose(detected.as_ref(), contact_language);
    let (triaged, priority_reason) = desk.triage().triage(text, segment, vip, None);
    let priority = triaged.max(current_priority);
    let facts = TicketFacts {
        text,
        language: lang.as_deref(),
        contact_labels: labels,
        segment,
        vip,
        phone_number_id,
        new_contact,
        priority,
        now_ms: now,
    };
    let decision = match desk.routing() {
        Some(r) => r.route(&facts, floor),
        None => route_without_rules(
            floor,
            &Requirements {
                issue_type: None,
                language: lang.as_deref(),
                vip,
            },
            now,
        ),
    };
    let mut decision = decision;
    if decision.queued
        && !decision.bot_only
        && let Some(team) = decision.team_id.and_then(|id| floor.team_by_id(id))
        && let Some((wide, names)) = with_shared(desk, floor, team)
    {
        let strategy = decision.strategy.unwrap_or(Strategy::LoadBalanced);
        let req = Requirements {
            issue_type: decision.issue_type.as_deref(),
            language: lang.as_deref(),
            vip,
        };
        let c = choose(strategy, &wide, &req, floor, now);
        if let Some(agent) = c.agent {
            decision.assignee = Some(agent);
            decision.queued = false;
            decision.explanation = format!(
                "{}; shared with {names}: {}",
                decision.explanation.trim_end_matches("; queued"),
                c.why
            );
        }
    }
    Trial {
        trigger: desk.escalator().scan(text).or_else(|| angry(desk, text)),
        decision,
        priority,
        priority_reason,
        language: lang,
        language_reason,
    }
}

/// For a conversation the bot handed over for its sentiment: the trigger,
/// from the score the bot's turn recorded. The bot's LLM may read anger the
/// lexicon on the text does not; the ticket escalates all the same.
async fn bot_sentiment(state: &AppState, desk: &Desk, c: &RoutingCandidate) -> Option<Trigger> {
    if !c.from_bot {
        return None;
    }
    let audit = state.store.ticket_audit(c.id).await.ok()?;
    let turn = audit.iter().rev().find(|a| a.action == "bot_turn")?;
    if turn.detail["handoff_reason"] != "negative_sentiment" {
        return None;
    }
    desk.escalator()
        .negative_sentiment(turn.detail["sentiment"].as_f64()?)
}

/// The negative-sentiment trigger, when the message is angry enough for the
/// desk's threshold (`escalation.negative_sentiment`).
fn angry(desk: &Desk, text: &str) -> Option<Trigger> {
    let sample = match text.char_indices().nth(DETECT_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    desk.escalator()
        .negative_sentiment(parley_bot::sentiment::analyze(sample).score)
}

fn reply_draft(text: &str) -> ReplyDraft {
    let payload = crate::outbox::OutboxPayload {
        content: parley_whatsapp::send::OutboundContent::Text {
            body: text.to_string(),
            preview_url: false,
        },
        reply_to: None,
        local_media: None,
    };
    ReplyDraft {
        kind: "text".into(),
        text: Some(text.to_string()),
        content: json!({"auto_reply": true}),
        payload: serde_json::to_value(payload).unwrap_or_default(),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

async fn route_pending(state: &AppState) -> anyhow::Result<usize> {
    let candidates = state.store.unrouted_tickets(ROUTE_BATCH).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let desk = state.store.desk();
    let now = state.now();
    let mut floor = floor(&state.store, &desk, now).await?;
    let mut outcomes = Vec::with_capacity(candidates.len());
    let mut triggers: Vec<(i64, Trigger)> = Vec::new();
    let mut human_requests: Vec<(i64, String)> = Vec::new();
    for c in &candidates {
        let started = std::time::Instant::now();
        let t = decide(
            &desk,
            &floor,
            &c.text,
            c.contact_language.as_deref(),
            &c.contact_tags,
            c.segment.as_deref(),
            c.vip,
            &c.phone_number_id,
            c.new_contact,
            c.priority,
            now,
        );
        ::metrics::histogram!("parley_routing_decision_seconds")
            .record(started.elapsed().as_secs_f64());
        let d = &t.decision;
        if let Some(agent) = d.assignee {
            floor.record_assignment(agent, now);
        }
        let priority = d.priority.unwrap_or(t.priority).max(c.priority);
        outcomes.push(RoutingOutcome {
            ticket_id: c.id,
            team_id: d.team_id.filter(|id| *id != 0),
            assignee_id: d.assignee,
            queued: d.queued,
            strategy: d.strategy.map(|s| s.as_str().to_string()),
            priority: (priority != c.priority).then_some(priority),
            labels: d.labels.clone(),
            issue_type: d.issue_type.clone(),
            language: t.language.clone(),
            bot_only: d.bot_only,
            auto_reply: bot_handoff_notice(state, &desk, c, d, priority, now)
                .or_else(|| d.auto_reply.clone())
                .as_deref()
                .map(reply_draft),
            detail: json!({
                "rule": d.rule,
                "team": d.team,
                "strategy": d.strategy,
                "assignee_id": d.assignee,
                "queued": d.queued,
                "bot_only": d.bot_only,
                "issue_type": d.issue_type,
                "explanation": d.explanation,
                "priority": {"value": priority, "why": t.priority_reason},
                "language": {"value": t.language, "why": t.language_reason},
            }),
        });
        match t.trigger {
            // A request for a person on a new ticket is what routing does
            // anyway; only managers and sensitive topics escalate.
            // The bot already passed it on (and told the customer when a
            // person will answer); after hours it stays queued till opening.
            Some(Trigger::CustomerRequest(r)) if r.kind == RequestKind::Human => {
                if !c.from_bot {
                    human_requests.push((c.id, r.matched));
                }
            }
            Some(trigger) => triggers.push((c.id, trigger)),
            None => {
                let trigger = match bot_sentiment(state, &desk, c).await {
                    Some(t) => Some(t),
                    None => repeat_contact(state, &desk, c, d, now).await?,
                };
                if let Some(trigger) = trigger {
                    triggers.push((c.id, trigger));
                }
            }
        }
    }
    let replies = state.store.apply_routing(&outcomes, now).await?;
    if replies.iter().any(Option::is_some) {
        state.outbox_wake.notify_one();
    }
    for (o, reply) in outcomes.iter().zip(&replies) {
        ::metrics::counter!("parley_tickets_routed_total", "queued" => o.queued.to_string())
            .increment(1);
        if let Some(agent) = o.assignee_id {
            state.bus.publish(
                "ticket.assigned",
                json!({"ticket_id": o.ticket_id, "agent_id": agent, "notify_agent_ids": [agent]}),
            );
            publish_agent(state, agent).await;
        }
        if let Some(m) = reply {
            crate::ingest::publish_message(state, *m, "message.created").await;
        }
        crate::ingest::publish_ticket(state, o.ticket_id, "ticket.updated").await;
    }
    for (ticket, trigger) in triggers {
        escalate(state, ticket, &trigger).await;
    }
    for (ticket, phrase) in human_requests {
        asked_for_a_person(state, ticket, &phrase).await;
    }
    Ok(candidates.len())
}

/// For a conversation the bot handed over: when a person will reply (the
/// first-response target from now), or when the team is back.
fn bot_handoff_notice(
    state: &AppState,
    desk: &Desk,
    c: &RoutingCandidate,
    d: &Decision,
    priority: Priority,
    now: i64,
) -> Option<String> {
    if !c.from_bot {
        return None;
    }
    let team = d.team.as_deref().filter(|t| *t != EVERYONE);
    let open = !d.bot_only && team.is_none_or(|t| desk.team_open(t, now));
    let plan = desk.plan_sla(
        &parley_core::desk::SlaInput {
            status: parley_core::TicketStatus::Assigned,
            priority,
            team,
            segment: c.segment.as_deref(),
            vip: c.vip,
            first_response_done: false,
            created_at: c.created_at,
            planned_before: true,
            clock: Default::default(),
        },
        now,
    );
    let due = plan.deadlines.first_response.map(|f| f.due_at);
    crate::bot::handoff_notice(state, c.customer_name.as_deref(), team, open, due, now)
}

async fn repeat_contact(
    state: &AppState,
    desk: &Desk,
    c: &RoutingCandidate,
    d: &Decision,
    now: i64,
) -> anyhow::Result<Option<Trigger>> {
    if c.new_contact {
        return Ok(None);
    }
    let window = desk.escalator().spec().repeat_contact_window.ms();
    let past = state
        .store
        .recent_tickets(c.contact_id, c.id, now - window)
        .await?;
    if past.is_empty() {
        return Ok(None);
    }
    let past: Vec<escalation::PastTicket> = past
        .into_iter()
        .map(|p| escalation::PastTicket {
            id: p.id,
            closed_at_ms: p.closed_at,
            labels: p.labels,
            topic: p.issue_type,
        })
        .collect();
    Ok(
        escalation::repeat_contact(now, window, &d.labels, d.issue_type.as_deref(), &past)
            .map(|(previous_ticket, _)| Trigger::RepeatContact { previous_ticket }),
    )
}

/// Escalates a ticket for a trigger found in a message, unless the
/// escalation would change nothing (the ticket is already where it would go).
pub async fn escalate(state: &AppState, ticket_id: i64, trigger: &Trigger) {
    let desk = state.store.desk();
    let now = state.now();
    let current = match state.store.get_ticket(ticket_id, now).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(ticket = ticket_id, error = %e, "cannot load ticket to escalate");
            return;
        }
    };
    let team = current.team.as_ref().map(|t| t.name.as_str());
    // A customer repeating "manager!" should not escalate the ticket again
    // once it is where that escalation leads.
    if let Ok(plan) = desk.escalate(trigger, team, None)
        && current.escalation_level > 0
        && (plan.target_team.is_none() || plan.target_team.as_deref() == team)
    {
        return;
    }
    match state
        .store
        .escalate(
            ticket_id,
            parley_store::EscalateRequest {
                trigger,
                actor_id: None,
                note: None,
                team: None,
            },
            state.config.notify.is_some(),
            now,
        )
        .await
    {
        Ok(applied) => {
            publish_escalation(state, &applied).await;
        }
        Err(e) => tracing::warn!(ticket = ticket_id, error = %e, "escalation failed"),
    }
}

/// Tells every inbox an agent's load (or availability) changed.
pub async fn publish_agent(state: &AppState, agent_id: i64) {
    if !state.bus.has_subscribers() {
        return;
    }
    if let Ok(agent) = state.store.get_agent(agent_id).await {
        state
            .bus
            .publish("agent.updated", json!({ "agent": agent }));
    }
}

/// Announces an escalation to the people concerned: the receiving team's
/// lead and the previous assignee.
pub async fn publish_escalation(state: &AppState, applied: &parley_store::EscalationApplied) {
    let desk = state.store.desk();
    let mut notify: Vec<i64> = applied.previous_assignee_id.into_iter().collect();
    let team = applied.to_team.as_deref().or(applied.from_team.as_deref());
    if let Some(email) = team.and_then(|t| desk.team_lead(t))
        && let Ok(Some(id)) = state.store.agent_id_by_email(email).await
        && !notify.contains(&id)
    {
        notify.push(id);
    }
    ::metrics::counter!("parley_escalations_total", "path" => applied.path.clone()).increment(1);
    if let Some(previous) = applied.previous_assignee_id
        && applied.to_team_id.is_some()
    {
        publish_agent(state, previous).await;
    }
    state.bus.publish(
        "ticket.escalated",
        json!({"ticket_id": applied.ticket_id, "escalation": applied, "notify_agent_ids": notify}),
    );
    if state.config.notify.is_some() {
        state.notify_wake.notify_one();
    }
    state.router_wake.notify_one();
    crate::ingest::publish_ticket(state, applied.ticket_id, "ticket.updated").await;
}

/// The customer asked for a person: noted on the timeline, the assignee is
/// told, and a ticket left to the bot joins its team's queue.
async fn asked_for_a_person(state: &AppState, ticket_id: i64, phrase: &str) {
    let now = state.now();
    let detail = json!({"phrase": phrase});
    if let Err(e) = state
        .store
        .record_ticket_event(ticket_id, "customer_asked_for_a_person", &detail, now)
        .await
    {
        tracing::warn!(ticket = ticket_id, error = %e, "recording a request for a person failed");
        return;
    }
    match state
        .store
        .hand_to_people(ticket_id, "the customer asked for a person", now)
        .await
    {
        Ok(true) => state.router_wake.notify_one(),
        Ok(false) => {}
        Err(e) => tracing::warn!(ticket = ticket_id, error = %e, "handing over to people failed"),
    }
    let assignee = match state.store.get_ticket(ticket_id, now).await {
        Ok(t) => t.assignee.map(|a| a.id),
        Err(_) => None,
    };
    state.bus.publish(
        "ticket.person_requested",
        json!({"ticket_id": ticket_id, "phrase": phrase, "notify_agent_ids": assignee.into_iter().collect::<Vec<_>>()}),
    );
    crate::ingest::publish_ticket(state, ticket_id, "ticket.updated").await;
}

/// Looks at customer messages that arrived on tickets already routed, for a
/// manager request or a sensitive topic. The position is kept in the
/// database, so a restart neither skips nor repeats a message.
async fn scan_messages(state: &AppState, pos: &mut ScanPosition) -> anyhow::Result<()> {
    if pos.after.is_none() {
        pos.after = Some(match state.store.get_setting(SCAN_KEY).await? {
            Some(s) => s.value.parse().unwrap_or(0),
            None => {
                // First run on an existing database: start from now, not
                // from the whole history.
                let last = state.store.last_message_id().await?;
                state
                    .store
                    .put_setting(SCAN_KEY, &last.to_string(), None, state.now())
                    .await?;
                last
            }
        });
    }
    let after = pos.after.unwrap_or(0);
    let messages = state.store.inbound_after(after, 500).await?;
    let Some(last) = messages.last().map(|m| m.0) else {
        return Ok(());
    };
    let desk = state.store.desk();
    for (_, ticket_id, routed, text) in &messages {
        // Unrouted tickets are scanned when they are routed.
        if !routed {
            continue;
        }
        match desk.escalator().scan(text) {
            Some(Trigger::CustomerRequest(r)) if r.kind == RequestKind::Human => {
                asked_for_a_person(state, *ticket_id, &r.matched).await;
            }
            Some(trigger) => escalate(state, *ticket_id, &trigger).await,
            None => {
                if let Some(trigger) = angry(&desk, text) {
                    escalate(state, *ticket_id, &trigger).await;
                }
            }
        }
    }
    pos.after = Some(last);
    let now = state.now();
    if now - pos.saved_at >= SCAN_SAVE_EVERY_MS {
        state
            .store
            .put_setting(SCAN_KEY, &last.to_string(), None, now)
            .await?;
        pos.saved_at = now;
    }
    Ok(())
}

/// Where the trigger scan is: kept in memory, saved every few seconds.
#[derive(Default)]
struct ScanPosition {
    after: Option<i64>,
    saved_at: i64,
}

/// Assigns queued tickets, most urgent and longest waiting first, to whoever
/// has room now.
async fn drain_queues(state: &AppState) -> anyhow::Result<usize> {
    let queued = state.store.queued_tickets(DRAIN_BATCH).await?;
    if queued.is_empty() {
        return Ok(0);
    }
    let desk = state.store.desk();
    let now = state.now();
    let mut floor = floor(&state.store, &desk, now).await?;
    let mut assigned = 0;
    for q in queued {
        let Some(team) = floor.team_by_id(q.team_id).cloned() else {
            continue;
        };
        // After hours the bot keeps it; people take over when the team opens.
        if q.bot_only && !team.open_now {
            continue;
        }
        let strategy: Strategy = q
            .strategy
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(Strategy::LoadBalanced);
        // Time-based routing decided the team when the ticket came in; from
        // the queue, whoever in it has room takes it.
        let strategy = if strategy == Strategy::TimeBased {
            Strategy::LoadBalanced
        } else {
            strategy
        };
        let req = Requirements {
            issue_type: q.issue_type.as_deref(),
            language: q.language.as_deref(),
            vip: q.vip,
        };
        let mut c = choose(strategy, &team, &req, &floor, now);
        if c.agent.is_none()
            && let Some((wide, names)) = with_shared(&desk, &floor, &team)
        {
            let wide_choice = choose(strategy, &wide, &req, &floor, now);
            if wide_choice.agent.is_some() {
                c = wide_choice;
                c.why = format!("none of its own free; shared with {names}: {}", c.why);
            }
        }
        let Some(agent) = c.agent else { continue };
        let waited = parley_core::escalation::format_duration_ms(now - q.queued_at);
        let detail = json!({
            "team": team.name,
            "strategy": strategy,
            "assignee_id": agent,
            "waited_ms": now - q.queued_at,
            "explanation": format!(
                "from the {} queue after {waited}; {}: {}",
                team.name,
                strategy.describe(&req),
                c.why
            ),
        });
        if state.store.assign_queued(q.id, agent, &detail, now).await? {
            floor.record_assignment(agent, now);
            assigned += 1;
            state.bus.publish(
                "ticket.assigned",
                json!({"ticket_id": q.id, "agent_id": agent, "notify_agent_ids": [agent]}),
            );
            publish_agent(state, agent).await;
            crate::ingest::publish_ticket(state, q.id, "ticket.updated").await;
        }
    }
    Ok(assigned)
}
