//! Tickets: list, read, update, reply, audit trail, retry (notes are in `notes`).

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::ingest::{publish_message, publish_ticket};
use crate::outbox::OutboxPayload;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use parley_core::{Priority, TicketStatus};
use parley_store::{
    AuditEntry, Message, ReplyDraft, Ticket, TicketFilter, TicketPatch, TicketSort,
};
use parley_whatsapp::{
    ListRow, ListSection, MediaKind, MediaSource, OutboundContent, OutboundMessage, ReplyButton,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A status, a comma-separated list of statuses, or `open` (every status but resolved and closed).
    status: Option<String>,
    /// `me`, `unassigned`, or an agent id.
    assignee: Option<String>,
    team: Option<i64>,
    priority: Option<String>,
    label: Option<String>,
    contact: Option<i64>,
    /// `at_risk`: only tickets past their SLA warning (warning or breached).
    sla: Option<String>,
    /// `me`: only tickets whose notes mention the signed-in agent;
    /// `me_unread`: only those with a mention they have not read yet.
    mentioned: Option<String>,
    /// `activity` (latest first, the default), `sla` (soonest SLA deadline first; none last),
    /// `priority` (urgent first) or `oldest` (longest waiting first).
    sort: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<i64>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<Message>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntry>,
}

fn parse_statuses(s: &str) -> ApiResult<Vec<TicketStatus>> {
    if s == "open" {
        return Ok(TicketStatus::open_statuses());
    }
    s.split(',')
        .map(|p| {
            p.trim()
                .parse()
                .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))
        })
        .collect()
}

/// Lists tickets, most recent activity first, with filters and keyset pagination.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListQuery),
    responses((status = 200, body = TicketPage), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    agent: AuthAgent,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<TicketPage>> {
    let Query(q) = q?;
    let assignee = match q.assignee.as_deref() {
        None | Some("") | Some("any") => None,
        Some("me") => Some(Some(agent.0.id)),
        Some("unassigned") | Some("none") => Some(None),
        Some(id) => Some(Some(id.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!(
                "assignee must be me, unassigned or an agent id, not {id:?}"
            ))
        })?)),
    };
    let filter = TicketFilter {
        statuses: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(parse_statuses)
            .transpose()?,
        assignee,
        team_id: q.team,
        priority: q
            .priority
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|p| {
                p.parse::<Priority>()
                    .map_err(|e| ApiError::bad_request(e.to_string()))
            })
            .transpose()?,
        label: q.label.filter(|l| !l.is_empty()),
        contact_id: q.contact,
        sla_at_risk: match q.sla.as_deref() {
            None | Some("") | Some("any") => false,
            Some("at_risk") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "sla must be at_risk or any, not {other:?}"
                )));
            }
        },
        mentioned: match q.mentioned.as_deref() {
            None | Some("") => None,
            Some("me") | Some("me_unread") => Some(agent.0.id),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "mentioned must be me or me_unread, not {other:?}"
                )));
            }
        },
        mention_unread: q.mentioned.as_deref() == Some("me_unread"),
        sort: match q.sort.as_deref() {
            None | Some("") => TicketSort::default(),
            Some(s) => s.parse()?,
        },
        limit: q.limit.unwrap_or(50),
        cursor: q.cursor.filter(|c| !c.is_empty()),
    };
    let page = state.store.list_tickets(&filter, state.now()).await?;
    Ok(Json(TicketPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Counts are exact up to this many; a view's badge shows "10000+" beyond.
pub const COUNT_CAP: i64 = 10_000;

#[derive(Serialize, ToSchema)]
pub struct ViewCount {
    /// `mine`, `unassigned`, `at_risk`, `mentions` (tickets, of any status, with a
    /// mention of me I have not read), `open` (supervisors and admins) or `team:<id>`.
    pub view: String,
    pub count: i64,
    /// The count reached the cap: there are at least this many.
    pub capped: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ViewCounts {
    pub items: Vec<ViewCount>,
}

/// How many open tickets each of the signed-in agent's views holds: mine,
/// unassigned, at risk, each of their teams' queues, and all open for
/// supervisors. Cheap enough to call after every change event.
#[utoipa::path(get, path = "/tickets/counts", tag = "tickets",
    responses((status = 200, body = ViewCounts)), security(("bearer" = [])))]
pub async fn counts(
    State(state): State<AppState>,
    agent: AuthAgent,
) -> ApiResult<Json<ViewCounts>> {
    let me = &agent.0;
    let now = state.now();
    let open = TicketFilter::open;
    let mut views: Vec<(String, TicketFilter)> = vec![
        (
            "mine".into(),
            TicketFilter {
                assignee: Some(Some(me.id)),
                ..open()
            },
        ),
        (
            "unassigned".into(),
            TicketFilter {
                assignee: Some(None),
                ..open()
            },
        ),
        (
            "at_risk".into(),
            TicketFilter {
                sla_at_risk: true,
                ..open()
            },
        ),
    ];
    views.push((
        "mentions".into(),
        TicketFilter {
            mentioned: Some(me.id),
            mention_unread: true,
            ..Default::default()
        },
    ));
    let supervisor = me.role.allows(parley_core::Role::Supervisor);
    if supervisor {
        views.push(("open".into(), open()));
    }
    let teams: Vec<i64> = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .filter(|t| supervisor || t.member_ids.contains(&me.id))
        .map(|t| t.id)
        .collect();
    let mut items = Vec::with_capacity(views.len() + teams.len());
    for (view, filter) in views {
        let count = state.store.count_tickets(&filter, now, COUNT_CAP).await?;
        items.push(ViewCount {
            view,
            count,
            capped: count >= COUNT_CAP,
        });
    }
    // Many teams (a supervisor's) on PostgreSQL: every queue from one pass
    // over the open tickets, one query instead of one per team (20 teams:
    // 45 ms p99 instead of 59). For an agent's one or two teams the capped
    // count of each is cheaper than reading every open ticket, and on SQLite
    // (no round trips) the counts are faster one by one: 10 ms for all 25.
    let by_team = if teams.len() > 3 && state.store.backend() == parley_store::Backend::Postgres {
        Some(state.store.count_open_by_team(COUNT_CAP).await?)
    } else {
        None
    };
    for id in teams {
        let count = match &by_team {
            Some(m) => m.get(&id).copied().unwrap_or(0),
            None => {
                let f = TicketFilter {
                    team_id: Some(id),
                    ..open()
                };
                state.store.count_tickets(&f, now, COUNT_CAP).await?
            }
        };
        items.push(ViewCount {
            view: format!("team:{id}"),
            count,
            capped: count >= COUNT_CAP,
        });
    }
    Ok(Json(ViewCounts { items }))
}

/// One ticket.
#[utoipa::path(get, path = "/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(state.store.get_ticket(id, state.now()).await?))
}

/// The fields `PATCH /tickets/{id}` accepts; omit a field to leave it alone,
/// send `null` for assignee_id or team_id to clear it.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TicketUpdate {
    #[schema(example = "in_progress")]
    status: Option<String>,
    #[schema(example = "high")]
    priority: Option<String>,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    labels: Option<Vec<String>>,
    /// With `status: "closed"`: why (e.g. `spam`, which sends no CSAT survey).
    #[schema(example = "spam")]
    close_reason: Option<String>,
}

fn nullable_id(body: &Map<String, Value>, key: &str) -> ApiResult<Option<Option<i64>>> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => v
            .as_i64()
            .map(|id| Some(Some(id)))
            .ok_or_else(|| ApiError::bad_request(format!("{key} must be a number or null"))),
    }
}

fn parse_patch(body: &Map<String, Value>) -> ApiResult<TicketPatch> {
    const KNOWN: [&str; 6] = [
        "status",
        "priority",
        "assignee_id",
        "team_id",
        "labels",
        "close_reason",
    ];
    if let Some(k) = body.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown field {k:?}; expected one of {}",
            KNOWN.join(", ")
        )));
    }
    let text = |key: &str| -> ApiResult<Option<String>> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
        }
    };
    Ok(TicketPatch {
        status: text("status")?
            .map(|s| {
                s.parse()
                    .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))
            })
            .transpose()?,
        priority: text("priority")?
            .map(|s| {
                s.parse()
                    .map_err(|e: parley_core::ParseEnumError| ApiError::bad_request(e.to_string()))
            })
            .transpose()?,
        assignee_id: nullable_id(body, "assignee_id")?,
        team_id: nullable_id(body, "team_id")?,
        labels: match body.get("labels") {
            None => None,
            Some(v) => Some(
                serde_json::from_value::<Vec<String>>(v.clone())
                    .map_err(|_| ApiError::bad_request("labels must be an array of strings"))?,
            ),
        },
        close_reason: text("close_reason")?,
    })
}

/// Changes status, priority, assignee, team or labels, and says why a ticket
/// is closed (`close_reason`, e.g. `spam`: no CSAT survey). An invalid
/// lifecycle change answers 409 and changes nothing.
#[utoipa::path(patch, path = "/tickets/{id}", tag = "tickets", params(("id" = i64, Path)), request_body = TicketUpdate,
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> ApiResult<Json<Ticket>> {
    let Json(body) = body?;
    let patch = parse_patch(&body)?;
    let before_assignee = state
        .store
        .get_ticket(id, state.now())
        .await?
        .assignee
        .map(|a| a.id);
    state
        .store
        .update_ticket(id, agent.0.id, &patch, state.now())
        .await?;
    // A resolved, closed or reassigned ticket frees capacity for the queues.
    state.router_wake.notify_one();
    publish_ticket(&state, id, "ticket.updated").await;
    let after = state.store.get_ticket(id, state.now()).await?;
    // Whoever had it and whoever has it now: their load may have changed.
    let mut touched: Vec<i64> = before_assignee.into_iter().collect();
    touched.extend(after.assignee.as_ref().map(|a| a.id));
    touched.dedup();
    for agent in touched {
        crate::router::publish_agent(&state, agent).await;
    }
    Ok(Json(after))
}

/// The conversation: messages and internal notes, oldest first.
#[utoipa::path(get, path = "/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = MessageList), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<MessageList>> {
    state.store.get_ticket(id, state.now()).await?;
    Ok(Json(MessageList {
        items: state
            .store
            .ticket_messages_for(id, crate::api::notes::viewer(&agent))
            .await?,
    }))
}

/// A template reply. With synced templates it must be an approved one; give
/// `parameters` (keyed as `GET /templates` lists them: `body.1`,
/// `body.first_name`, `header`, `button.0`) and the server builds Meta's
/// components, or give `components` as is and they are checked.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    pub name: String,
    /// e.g. `en_US`.
    pub language: String,
    /// The values of the template's placeholders, by key.
    #[schema(value_type = Object)]
    pub parameters: Option<Map<String, Value>>,
    /// Meta's `components` array, as is.
    #[schema(value_type = Object)]
    pub components: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
pub struct ButtonsRequest {
    pub body: String,
    pub header: Option<String>,
    pub footer: Option<String>,
    /// At most 3; titles at most 20 characters.
    pub buttons: Vec<ButtonRequest>,
}

#[derive(Deserialize, ToSchema)]
pub struct ButtonRequest {
    pub id: String,
    pub title: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ListRequest {
    pub body: String,
    pub header: Option<String>,
    pub footer: Option<String>,
    /// The label of the button that opens the list (at most 20 characters).
    pub button: String,
    /// At most 10 rows in all.
    pub sections: Vec<SectionRequest>,
}

#[derive(Deserialize, ToSchema)]
pub struct SectionRequest {
    pub title: Option<String>,
    pub rows: Vec<RowRequest>,
}

#[derive(Deserialize, ToSchema)]
pub struct RowRequest {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReactionRequest {
    /// The Parley id of the message to react to.
    pub message_id: i64,
    pub emoji: String,
}

/// A reply: exactly one of `text`, `media_id`, `template`, `buttons`, `list`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    pub text: Option<String>,
    /// Render a preview of the first link in `text`.
    #[serde(default)]
    pub preview_url: bool,
    /// An uploaded file (POST /media).
    pub media_id: Option<i64>,
    pub caption: Option<String>,
    pub template: Option<TemplateRequest>,
    pub buttons: Option<ButtonsRequest>,
    pub list: Option<ListRequest>,
    /// React to one of the conversation's messages; an empty emoji removes the reaction.
    pub reaction: Option<ReactionRequest>,
    /// Quote one of the conversation's messages (its Parley id).
    pub reply_to_message_id: Option<i64>,
    /// The duplicate-reply guard: the newest message id the agent had seen
    /// when they wrote this. If someone else (an agent, the bot, a survey)
    /// has sent the customer a message since, the reply is refused with 409
    /// `replied_since`, naming who and what, unless `confirm` is true.
    pub seen_message_id: Option<i64>,
    /// Send even though someone else replied since `seen_message_id`.
    #[serde(default)]
    pub confirm: bool,
}

fn media_kind(mime: &str) -> MediaKind {
    match mime.split('/').next().unwrap_or("") {
        "image" if mime == "image/webp" => MediaKind::Sticker,
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        _ => MediaKind::Document,
    }
}

/// Sends a reply. It is committed with its outbox row and answered 202 at
/// once; delivery (and retries) happen in the background, and status events
/// follow. Outside the 24-hour window only templates are accepted (422
/// `window_closed`); a closed ticket takes no replies (409 `conflict`: the
/// customer's next message opens a new ticket); Meta's limits (buttons,
/// lists, lengths) are checked first (422 `invalid_message`).
#[utoipa::path(post, path = "/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path)), request_body = ReplyRequest,
    responses((status = 202, body = Message), (status = 422, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<AppState>,
    agent: AuthAgent,
    Path(id): Path<i64>,
    body: Result<Json<ReplyRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let Json(req) = body?;
    let given = [
        req.text.is_some() && req.media_id.is_none(),
        req.media_id.is_some(),
        req.template.is_some(),
        req.buttons.is_some(),
        req.list.is_some(),
        req.reaction.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        return Err(ApiError::bad_request(
            "send exactly one of text, media_id, template, buttons, list or reaction",
        ));
    }
    let reply_to_wamid =
        match req.reply_to_message_id {
            Some(mid) => {
                let m = state.store.get_message(mid).await?;
                if m.ticket_id != id {
                    return Err(ApiError::bad_request(
                        "reply_to_message_id is not in this ticket",
                    ));
                }
                Some(m.wa_message_id.ok_or_else(|| {
                    ApiError::bad_request("that message has no WhatsApp id to quote")
                })?)
            }
            None => None,
        };
    let mut local_media = None;
    let mut shown = json!({});
    let (content, text) = if let Some(media_id) = req.media_id {
        let media = state.store.get_media(media_id).await?;
        let mime = media.mime_type.clone().unwrap_or_default();
        let kind = media_kind(&mime);
        local_media = Some(media_id);
        let caption = req
            .caption
            .clone()
            .or(req.text.clone())
            .filter(|c| !c.is_empty());
        shown = json!({ "caption": caption, "filename": media.filename, "mime_type": mime });
        (
            OutboundContent::Media {
                kind,
                // Replaced by Meta's media id when the sender uploads the file.
                source: MediaSource::Id(format!("local:{media_id}")),
                caption: caption
                    .clone()
                    .filter(|_| !matches!(kind, MediaKind::Audio | MediaKind::Sticker)),
                filename: media
                    .filename
                    .clone()
                    .filter(|_| kind == MediaKind::Document),
            },
            caption,
        )
    } else if let Some(t) = req.template {
        let prepared =
            crate::templates::prepare(&state, t.name, t.language, t.parameters, t.components)
                .await?;
        shown = prepared.shown;
        (prepared.content, prepared.text)
    } else if let Some(b) = req.buttons {
        let text = Some(b.body.clone());
        (
            OutboundContent::Buttons {
                body: b.body,
                header: b.header,
                footer: b.footer,
                buttons: b
                    .buttons
                    .into_iter()
                    .map(|b| ReplyButton {
                        id: b.id,
                        title: b.title,
                    })
                    .collect(),
            },
            text,
        )
    } else if let Some(r) = req.reaction {
        let target = state.store.get_message(r.message_id).await?;
        if target.ticket_id != id {
            return Err(ApiError::bad_request(
                "the reaction's message_id is not in this ticket",
            ));
        }
        let wamid = target
            .wa_message_id
            .ok_or_else(|| ApiError::bad_request("that message has no WhatsApp id to react to"))?;
        shown = json!({ "message_id": wamid, "emoji": r.emoji });
        let text = Some(r.emoji.clone());
        (
            OutboundContent::Reaction {
                message_id: wamid,
                emoji: r.emoji,
            },
            text,
        )
    } else if let Some(l) = req.list {
        let text = Some(l.body.clone());
        (
            OutboundContent::List {
                body: l.body,
                header: l.header,
                footer: l.footer,
                button: l.button,
                sections: l
                    .sections
                    .into_iter()
                    .map(|s| ListSection {
                        title: s.title,
                        rows: s
                            .rows
                            .into_iter()
                            .map(|r| ListRow {
                                id: r.id,
                                title: r.title,
                                description: r.description,
                            })
                            .collect(),
                    })
                    .collect(),
            },
            text,
        )
    } else {
        let body = req.text.clone().unwrap_or_default();
        (
            OutboundContent::Text {
                body: body.clone(),
                preview_url: req.preview_url,
            },
            Some(body),
        )
    };
    // Meta's limits are checked now, with a clear error, not after a failed send.
    let probe = OutboundMessage {
        to: "0".into(),
        content: content.clone(),
        reply_to: reply_to_wamid.clone(),
    };
    if let Err(e) = probe.validate() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_message",
            e.to_string(),
        ));
    }
    if matches!(
        content,
        OutboundContent::Buttons { .. } | OutboundContent::List { .. }
    ) {
        shown = probe
            .to_json()
            .get("interactive")
            .cloned()
            .unwrap_or_default();
    }
    let kind = content.type_name().to_string();
    let requires_window = !matches!(content, OutboundContent::Template { .. });
    let payload = serde_json::to_value(OutboxPayload {
        content,
        reply_to: reply_to_wamid.clone(),
        local_media,
    })
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let draft = ReplyDraft {
        kind,
        text,
        content: shown,
        payload,
        media_id: local_media,
        requires_window,
        reply_to_wamid,
    };
    let guard = req.seen_message_id.filter(|_| !req.confirm);
    let message_id = state
        .store
        .create_reply_guarded(id, agent.0.id, draft, guard, state.now())
        .await?;
    state.outbox_wake.notify_one();
    let message = state.store.get_message(message_id).await?;
    state
        .bus
        .publish("message.created", json!({ "message": message }));
    publish_ticket(&state, id, "ticket.updated").await;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

/// Who changed what and when on this ticket.
#[utoipa::path(get, path = "/tickets/{id}/audit", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = AuditList)), security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Json<AuditList>> {
    state.store.get_ticket(id, state.now()).await?;
    Ok(Json(AuditList {
        items: state.store.ticket_audit(id).await?,
    }))
}

/// Sends a failed outbound message again (same message, new attempt).
#[utoipa::path(post, path = "/messages/{id}/retry", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 202, body = Message), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let message = state.store.get_message(id).await?;
    if message.kind != "template" {
        let ticket = state
            .store
            .get_ticket(message.ticket_id, state.now())
            .await?;
        if !ticket.window_open {
            return Err(parley_store::StoreError::WindowClosed.into());
        }
    }
    state.store.retry_message(id, state.now()).await?;
    state.outbox_wake.notify_one();
    publish_message(&state, id, "message.updated").await;
    Ok((
        StatusCode::ACCEPTED,
        Json(state.store.get_message(id).await?),
    ))
}
