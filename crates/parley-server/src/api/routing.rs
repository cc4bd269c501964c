//! Routing and SLA administration: the desk configuration (teams, hours,
//! SLA, rules, escalation), a dry run of the rules, team queues, and the
//! escalate and transfer actions on a ticket.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::desk::DeskStatus;
use crate::error::{ApiError, ApiResult};
use crate::ingest::publish_ticket;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_core::Role;
use parley_core::desk::DeskSpec;
use parley_core::escalation::Trigger;
use parley_store::{EscalateRequest, EscalationApplied, Ticket, TicketPatch};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DeskDocument {
    pub status: DeskStatus,
    /// The configuration in force, in the desk file's shape (see README, "Routing, SLA and escalation").
    #[schema(value_type = Object)]
    pub spec: Value,
}

/// The desk configuration in force and where it came from (admins only).
#[utoipa::path(get, path = "/admin/desk", tag = "routing",
    responses((status = 200, body = DeskDocument), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn get_desk(
    State(state): State<AppState>,
    agent: AuthAgent,
) -> ApiResult<Json<DeskDocument>> {
    agent.require(Role::Admin)?;
    let desk = state.store.desk();
    Ok(Json(DeskDocument {
        status: crate::desk::status(&state),
        spec: serde_json::to_value(desk.spec()).map_err(|e| ApiError::internal(e.to_string()))?,
    }))
}

fn parse_spec(body: Value) -> ApiResult<DeskSpec> {
    serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_desk",
            format!("the desk configuration is not valid: {e}"),
        )
    })
}

/// Replaces the desk configuration (admins only). It is checked as a whole
/// first; on any error nothing changes and the answer names the part that is
/// wrong (e.g. `routing: rule #3 "VIP": unknown team "VIPs"`). Refused with
/// 409 when a desk file is configured: the file is the source of truth then.
#[utoipa::path(put, path = "/admin/desk", tag = "routing", request_body(content = Object, description = "The whole desk configuration, in the desk file's shape, as JSON"),
    responses((status = 200, body = DeskDocument), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_desk(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<DeskDocument>> {
    agent.require(Role::Admin)?;
    if let Some(file) = &state.config.desk_file {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "managed_by_file",
            format!(
                "the desk configuration comes from {}; edit that file (it is reloaded automatically)",
                file.display()
            ),
        ));
    }
    let Json(body) = body?;
    let desk = parley_core::desk::Desk::compile(parse_spec(body)?).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_desk",
            e.to_string(),
        )
    })?;
    let status = crate::desk::apply_from_api(&state, desk, agent.0.id)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let desk = state.store.desk();
    Ok(Json(DeskDocument {
        status,
        spec: serde_json::to_value(desk.spec()).map_err(|e| ApiError::internal(e.to_string()))?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DeskCheck {
    pub ok: bool,
    /// What is wrong, and where (`teams[1].escalates_to: …`).
    pub error: Option<String>,
}

/// Checks a desk configuration without applying it (admins only).
#[utoipa::path(post, path = "/admin/desk/check", tag = "routing", request_body(content = Object),
    responses((status = 200, body = DeskCheck)), security(("bearer" = [])))]
pub async fn check_desk(
    _state: State<AppState>,
    agent: AuthAgent,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<DeskCheck>> {
    agent.require(Role::Admin)?;
    let Json(body) = body?;
    let result = serde_json::from_value::<DeskSpec>(body)
        .map_err(|e| e.to_string())
        .and_then(|spec| {
            parley_core::desk::Desk::compile(spec)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
    Ok(Json(DeskCheck {
        ok: result.is_ok(),
        error: result.err(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TryRequest {
    /// The customer's message.
    pub text: String,
    #[serde(default)]
    pub labels: Vec<String>,
    pub segment: Option<String>,
    #[serde(default)]
    pub vip: bool,
    /// The business number it arrived on (default: the configured one).
    pub phone_number_id: Option<String>,
    /// The contact's known language, if any.
    pub language: Option<String>,
    #[serde(default)]
    pub new_contact: bool,
    /// A draft desk configuration (GET /admin/desk's `spec` shape) to try
    /// instead of the one in force, so a rule can be tested before it is
    /// saved (admins only).
    #[schema(value_type = Option<Object>)]
    pub desk: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct TryResult {
    /// The rule that matched; null when the fallback applied.
    pub rule: Option<String>,
    pub team: Option<String>,
    pub strategy: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub queued: bool,
    pub bot_only: bool,
    pub priority: String,
    pub priority_reason: String,
    pub language: Option<String>,
    pub language_reason: String,
    pub labels: Vec<String>,
    pub issue_type: Option<String>,
    pub auto_reply: Option<String>,
    /// The escalation the message would trigger (a manager asked for, a sensitive topic).
    pub escalation_trigger: Option<String>,
    /// What the ticket's timeline would say.
    pub explanation: String,
}

/// What routing would do with a message right now, without doing it
/// (supervisors and admins).
#[utoipa::path(post, path = "/routing/try", tag = "routing", request_body = TryRequest,
    responses((status = 200, body = TryResult)), security(("bearer" = [])))]
pub async fn try_rules(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<TryRequest>, JsonRejection>,
) -> ApiResult<Json<TryResult>> {
    agent.require(Role::Supervisor)?;
    let Json(req) = body?;
    let draft = match req.desk {
        Some(spec) => {
            agent.require(Role::Admin)?;
            Some(
                parley_core::desk::Desk::compile(parse_spec(spec)?).map_err(|e| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_desk",
                        e.to_string(),
                    )
                })?,
            )
        }
        None => None,
    };
    let in_force = state.store.desk();
    let desk = match &draft {
        Some(d) => d,
        None => &*in_force,
    };
    let now = state.now();
    let floor = crate::router::floor(&state.store, desk, now)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| state.config.whatsapp.phone_number_id.clone());
    let t = crate::router::decide(
        desk,
        &floor,
        &req.text,
        req.language.as_deref(),
        &req.labels,
        req.segment.as_deref(),
        req.vip,
        &phone,
        req.new_contact,
        parley_core::Priority::default(),
        now,
    );
    let d = t.decision;
    let assignee_name = match d.assignee {
        Some(id) => Some(state.store.get_agent(id).await?.name),
        None => None,
    };
    Ok(Json(TryResult {
        rule: d.rule,
        team: d.team,
        strategy: d.strategy.map(|s| s.as_str().to_string()),
        assignee_id: d.assignee,
        assignee_name,
        queued: d.queued,
        bot_only: d.bot_only,
        priority: d.priority.unwrap_or(t.priority).to_string(),
        priority_reason: t.priority_reason,
        language: t.language,
        language_reason: t.language_reason,
        labels: d.labels,
        issue_type: d.issue_type,
        auto_reply: d.auto_reply,
        escalation_trigger: t.trigger.map(|t| t.to_string()),
        explanation: d.explanation,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct QueueMember {
    pub id: i64,
    pub name: String,
    pub availability: String,
    pub open_tickets: i64,
    pub capacity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TeamQueue {
    pub team_id: i64,
    pub name: String,
    /// Within its business hours now.
    pub open_now: bool,
    /// Tickets waiting for an agent with room.
    pub queued: i64,
    pub oldest_queued_at: Option<i64>,
    pub members: Vec<QueueMember>,
    /// Members online with room for another ticket.
    pub available: i64,
    pub lead: Option<String>,
    pub escalates_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueOverview {
    pub teams: Vec<TeamQueue>,
    /// Where manager requests and sensitive topics go (escalation target "management").
    pub management_team: Option<String>,
    /// Where "cross_department" escalations go.
    pub cross_department_team: Option<String>,
}

/// Each team's queue depth, and its members' availability and load.
#[utoipa::path(get, path = "/queues", tag = "routing",
    responses((status = 200, body = QueueOverview)), security(("bearer" = [])))]
pub async fn queues(
    State(state): State<AppState>,
    _agent: AuthAgent,
) -> ApiResult<Json<QueueOverview>> {
    let desk = state.store.desk();
    let now = state.now();
    let agents = state.store.list_agents().await?;
    let depth = state.store.queue_depths().await?;
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| {
            let members: Vec<QueueMember> = agents
                .iter()
                .filter(|a| a.active && t.member_ids.contains(&a.id))
                .map(|a| QueueMember {
                    id: a.id,
                    name: a.name.clone(),
                    availability: a.availability.clone(),
                    open_tickets: a.open_tickets,
                    capacity: a.capacity,
                })
                .collect();
            let (queued, oldest) = depth.get(&t.id).copied().unwrap_or((0, None));
            let spec = desk.team(&t.name);
            TeamQueue {
                team_id: t.id,
                open_now: desk.team_open(&t.name, now),
                queued,
                oldest_queued_at: oldest,
                available: members
                    .iter()
                    .filter(|m| m.availability == "online" && m.open_tickets < m.capacity)
                    .count() as i64,
                members,
                lead: spec.and_then(|s| s.lead.clone()),
                escalates_to: spec.and_then(|s| s.escalates_to.clone()),
                name: t.name,
            }
        })
        .collect();
    let esc = desk.escalator().spec();
    Ok(Json(QueueOverview {
        teams,
        management_team: esc.management_team.clone(),
        cross_department_team: esc.cross_department_team.clone(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct EscalateBody {
    /// Why (shown to the receiving team).
    pub reason: String,
    /// A team name, or `management` / `cross_department`; default: one level up.
    pub team: Option<String>,
}

/// Escalates a ticket by hand, with a reason. The receiving team gets the
/// ticket in its queue with a summary of what was attempted.
#[utoipa::path(post, path = "/tickets/{id}/escalate", tag = "tickets", params(("id" = i64, Path)), request_body = EscalateBody,
    responses((status = 200, body = EscalationApplied), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn escalate(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<EscalateBody>, JsonRejection>,
) -> ApiResult<Json<EscalationApplied>> {
    let Json(req) = body?;
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request("an escalation needs a reason"));
    }
    let trigger = Trigger::Manual {
        reason: reason.to_string(),
        target: req.team.clone(),
    };
    let applied = state
        .store
        .escalate(
            id,
            EscalateRequest {
                trigger: &trigger,
                actor_id: Some(agent.0.id),
                note: Some(reason),
                team: req.team.as_deref(),
            },
            state.config.notify.is_some(),
            state.now(),
        )
        .await?;
    crate::router::publish_escalation(&state, &applied).await;
    Ok(Json(applied))
}

#[derive(Deserialize, ToSchema)]
pub struct TransferBody {
    /// The team to move it to; its queue takes it unless an agent is named.
    pub team_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// A note for the receiver, kept on the ticket.
    pub note: Option<String>,
}

/// Hands a ticket to another team or agent with a note. The whole history
/// stays on the ticket.
#[utoipa::path(post, path = "/tickets/{id}/transfer", tag = "tickets", params(("id" = i64, Path)), request_body = TransferBody,
    responses((status = 200, body = Ticket), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn transfer(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> ApiResult<Json<Ticket>> {
    let Json(req) = body?;
    if req.team_id.is_none() && req.agent_id.is_none() {
        return Err(ApiError::bad_request(
            "a transfer needs a team_id, an agent_id, or both",
        ));
    }
    let before = state.store.get_ticket(id, state.now()).await?;
    let patch = TicketPatch {
        team_id: req.team_id.map(Some),
        // Moving to a team without naming an agent puts it in that team's queue.
        assignee_id: Some(req.agent_id),
        ..Default::default()
    };
    state
        .store
        .update_ticket(id, agent.0.id, &patch, state.now())
        .await?;
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let from = before
        .team
        .map(|t| t.name)
        .unwrap_or_else(|| "no team".into());
    let text = match note {
        Some(n) => format!("Transferred from {from}: {n}"),
        None => format!("Transferred from {from}."),
    };
    let message_id = state
        .store
        .add_note(id, agent.0.id, &text, state.now())
        .await?;
    state.bus.publish(
        "message.created",
        json!({ "message": state.store.get_message(message_id).await? }),
    );
    if let Some(a) = req.agent_id {
        state.bus.publish(
            "ticket.assigned",
            json!({"ticket_id": id, "agent_id": a, "notify_agent_ids": [a]}),
        );
    }
    state.router_wake.notify_one();
    publish_ticket(&state, id, "ticket.updated").await;
    Ok(Json(state.store.get_ticket(id, state.now()).await?))
}
