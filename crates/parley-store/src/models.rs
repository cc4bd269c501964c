//! What the store hands out: the shapes the REST API serialises as they are.

use parley_core::{Priority, Role, TicketStatus};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// An agent as other records refer to it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
    /// online, away or offline; only online agents receive new tickets.
    pub availability: String,
    pub availability_at: i64,
    /// Issue types this agent handles (skill-based routing).
    pub skills: Vec<String>,
    /// Languages this agent answers in, as ISO 639-1 codes.
    pub languages: Vec<String>,
    /// 1 junior, 2 regular, 3 senior, 4 lead; VIP routing prefers 3 and up.
    pub seniority: i64,
    /// The most active conversations (assigned or in progress) routing gives them.
    pub capacity: i64,
    /// Active conversations now.
    pub open_tickets: i64,
    pub last_assigned_at: i64,
}

/// An agent with the password hash, for sign-in only; never serialised.
#[derive(Debug, Clone)]
pub struct AgentCredentials {
    pub agent: Agent,
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct TeamRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub member_ids: Vec<i64>,
}

/// A contact as a ticket shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ContactRef {
    pub id: i64,
    /// The WhatsApp phone id, when Meta sent one.
    pub wa_id: Option<String>,
    /// The business-scoped user id (2026 usernames), when Meta sent one.
    pub user_id: Option<String>,
    pub name: Option<String>,
    /// `+<wa_id>` for display, when known.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketSummary {
    pub id: i64,
    #[schema(value_type = String)]
    pub status: TicketStatus,
    #[schema(value_type = String)]
    pub priority: Priority,
    pub last_message_preview: Option<String>,
    pub created_at: i64,
    /// The customer's CSAT rating for this ticket (1-5), if they gave one.
    pub csat_rating: Option<i64>,
    pub csat_comment: Option<String>,
    pub csat_rated_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    /// Kept by agents; WhatsApp never sends one.
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub segment: Option<String>,
    pub vip: bool,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub created_at: i64,
    pub updated_at: i64,
    /// Every ticket of this contact, newest first.
    pub tickets: Vec<TicketSummary>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ticket {
    pub id: i64,
    #[schema(value_type = String, example = "new")]
    pub status: TicketStatus,
    #[schema(value_type = String, example = "medium")]
    pub priority: Priority,
    pub contact: ContactRef,
    pub assignee: Option<AgentRef>,
    pub team: Option<TeamRef>,
    pub labels: Vec<String>,
    /// The business phone number id the conversation is on.
    pub phone_number_id: String,
    pub last_message_preview: Option<String>,
    pub last_message_at: i64,
    pub last_inbound_at: Option<i64>,
    /// Whether free-form replies are allowed now (24 hours since the customer's last message).
    pub window_open: bool,
    pub window_expires_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set while the ticket waits in its team's queue for an agent with room.
    pub queued_at: Option<i64>,
    /// How routing assigns it (round_robin, load_balanced, skill, language, vip, time_based).
    pub routing_strategy: Option<String>,
    pub issue_type: Option<String>,
    /// The customer's language (ISO 639-1), detected from their messages.
    pub language: Option<String>,
    /// Left with the bot (after hours): no agent is assigned.
    pub bot_only: bool,
    /// How many times it has been escalated.
    pub escalation_level: i64,
    pub escalated_at: Option<i64>,
    pub sla: SlaView,
    /// Why it was closed, when an agent said so (`spam`: no CSAT survey).
    pub close_reason: Option<String>,
    /// Its CSAT survey, once it has one (from its first resolution).
    pub csat: Option<crate::CsatSurvey>,
}

/// A ticket's SLA: the live countdown the inbox shows, and the deadlines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaView {
    /// ok, warning (past the warning threshold), breached, paused (waiting on
    /// the customer) or met (resolved).
    pub state: String,
    /// The pending target due next: first_response or resolution.
    pub next_target: Option<String>,
    pub due_at: Option<i64>,
    /// Milliseconds until `due_at` when the ticket was read; negative once breached.
    pub remaining_ms: Option<i64>,
    pub first_response_warn_at: Option<i64>,
    pub first_response_due_at: Option<i64>,
    pub first_response_breached_at: Option<i64>,
    pub resolution_warn_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub resolution_breached_at: Option<i64>,
    /// When the ticket escalates automatically if nothing changes.
    pub escalate_at: Option<i64>,
    /// SLA time used before the current running span.
    pub elapsed_ms: i64,
    /// Whether the SLA clock is counting now.
    pub running: bool,
    /// Where the targets came from, e.g. "high priority defaults, segment \"vip\" override (…)".
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaRef {
    pub id: i64,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
    /// Where a signed-in agent fetches the bytes (with the Bearer token).
    pub url: Option<String>,
    /// `pending` while Parley downloads it from Meta, then `ready` or `failed`.
    pub state: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyRef {
    pub wa_message_id: String,
    pub message_id: Option<i64>,
    pub preview: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct MessageError {
    pub code: Option<i64>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub ticket_id: i64,
    /// `inbound`, `outbound` or `note`.
    pub direction: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
    /// Outbound only: queued, sent, delivered, read, played or failed.
    pub status: Option<String>,
    pub wa_message_id: Option<String>,
    pub media: Option<MediaRef>,
    /// Type-specific data (location, contacts, interactive reply, reaction, …).
    #[schema(value_type = Object)]
    pub content: Value,
    pub reply_to: Option<ReplyRef>,
    pub error: Option<MessageError>,
    pub author: Option<AgentRef>,
    /// A whisper: a note only this agent (the assignee when it was written),
    /// its author and supervisors see.
    pub whisper_to: Option<AgentRef>,
    /// When WhatsApp says it was sent (inbound) or the agent sent it.
    pub sent_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub actor: Option<AgentRef>,
    pub action: String,
    #[schema(value_type = Object)]
    pub detail: Value,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Media {
    pub id: i64,
    pub sha256: Option<String>,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
    pub size: Option<i64>,
    pub wa_media_id: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub(crate) fn phone_of(wa_id: &Option<String>) -> Option<String> {
    wa_id
        .as_deref()
        .filter(|w| !w.is_empty())
        .map(|w| format!("+{w}"))
}
