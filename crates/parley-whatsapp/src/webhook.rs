//! Tolerant parsing of webhook notifications.
//!
//! Meta adds fields, changes types (timestamps as strings or numbers, `file_size` as either)
//! and introduces new message types without notice, and a webhook we fail to process is
//! redelivered for days. So the only hard failure is a body that is not a JSON object;
//! everything inside is walked as a [`serde_json::Value`], one message at a time, and anything
//! we do not understand becomes [`MessageContent::Unsupported`] or a
//! [`WebhookEvent::Error`] carrying the raw JSON rather than being dropped.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why a webhook body could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The body is not valid JSON.
    #[error("invalid JSON at line {line} column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The body is JSON but not an object (e.g. an array or a string).
    #[error("webhook body must be a JSON object, got {found}")]
    NotAnObject { found: &'static str },
}

/// A parsed notification: the envelope is kept as-is and flattened by [`Notification::events`].
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `object`, normally `"whatsapp_business_account"`.
    pub object: Option<String>,
    /// `entry[]`, tolerant: entries without `changes` have none.
    pub entries: Vec<Entry>,
    /// The whole body, for archiving.
    pub raw: Value,
}

/// One `entry[]` element (one WhatsApp Business Account).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// WABA id.
    pub id: Option<String>,
    pub changes: Vec<Change>,
}

/// One `changes[]` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `"messages"` for everything Parley handles; other fields are passed through.
    pub field: String,
    pub value: Value,
}

/// Parses a webhook body. Fails only when the body is not JSON or not a JSON object.
pub fn parse_notification(raw: &[u8]) -> Result<Notification, PayloadError> {
    let value: Value = serde_json::from_slice(raw).map_err(|e| PayloadError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    Notification::from_value(value)
}

/// serde_json appends " at line X column Y" to its messages; we print the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Notification {
    /// Builds a notification from an already-parsed value.
    pub fn from_value(value: Value) -> Result<Self, PayloadError> {
        let obj = value.as_object().ok_or(PayloadError::NotAnObject {
            found: json_kind(&value),
        })?;
        let entries = obj
            .get("entry")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| Entry {
                        id: opt_str(e, "id"),
                        changes: e
                            .get("changes")
                            .and_then(Value::as_array)
                            .map(|cs| {
                                cs.iter()
                                    .map(|c| Change {
                                        field: opt_str(c, "field").unwrap_or_default(),
                                        value: c.get("value").cloned().unwrap_or(Value::Null),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            object: opt_str(&value, "object"),
            entries,
            raw: value,
        })
    }

    /// Flattens every entry / change / message / status / error into events, in payload order.
    pub fn events(&self) -> Vec<WebhookEvent> {
        let mut out = Vec::new();
        for entry in &self.entries {
            for change in &entry.changes {
                change_events(change, &mut out);
            }
        }
        out
    }
}

fn change_events(change: &Change, out: &mut Vec<WebhookEvent>) {
    // Only `messages` carries what we model. An empty field is treated as `messages` because
    // some hand-written payloads omit it and the value shape is unambiguous.
    if !(change.field == "messages" || change.field.is_empty()) {
        out.push(WebhookEvent::OtherField {
            field: change.field.clone(),
            value: change.value.clone(),
        });
        return;
    }
    let value = &change.value;
    let metadata = value.get("metadata");
    let phone_number_id = metadata
        .and_then(|m| opt_str(m, "phone_number_id"))
        .unwrap_or_default();
    let display_phone_number = metadata
        .and_then(|m| opt_str(m, "display_phone_number"))
        .unwrap_or_default();
    if !value.is_object() {
        out.push(WebhookEvent::Error(ValueErrorEvent {
            phone_number_id,
            display_phone_number,
            source: ErrorSource::Change,
            error: ErrorDetail::synthetic("change value is not a JSON object"),
            raw: value.clone(),
        }));
        return;
    }
    let contacts: &[Value] = value
        .get("contacts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    for m in array(value, "messages") {
        match InboundMessage::from_value(m) {
            Ok(message) => {
                let contact = match_contact(
                    contacts,
                    message.from.as_deref(),
                    message.from_user_id.as_deref(),
                );
                let profile = contact.and_then(|c| c.get("profile"));
                out.push(WebhookEvent::Message(InboundEvent {
                    phone_number_id: phone_number_id.clone(),
                    display_phone_number: display_phone_number.clone(),
                    profile_name: profile.and_then(|p| opt_str(p, "name")),
                    username: profile.and_then(|p| opt_str(p, "username")),
                    contact_wa_id: contact.and_then(|c| opt_str(c, "wa_id")),
                    contact_user_id: contact.and_then(|c| opt_str(c, "user_id")),
                    message,
                }));
            }
            Err(why) => out.push(WebhookEvent::Error(ValueErrorEvent {
                phone_number_id: phone_number_id.clone(),
                display_phone_number: display_phone_number.clone(),
                source: ErrorSource::Message,
                error: ErrorDetail::synthetic(why),
                raw: m.clone(),
            })),
        }
    }
    for s in array(value, "statuses") {
        match StatusUpdate::from_value(s) {
            Ok(status) => out.push(WebhookEvent::Status(StatusEvent {
                phone_number_id: phone_number_id.clone(),
                display_phone_number: display_phone_number.clone(),
                status,
            })),
            Err(why) => out.push(WebhookEvent::Error(ValueErrorEvent {
                phone_number_id: phone_number_id.clone(),
                display_phone_number: display_phone_number.clone(),
                source: ErrorSource::Status,
                error: ErrorDetail::synthetic(why),
                raw: s.clone(),
            })),
        }
    }
    for e in array(value, "errors") {
        out.push(WebhookEvent::Error(ValueErrorEvent {
            phone_number_id: phone_number_id.clone(),
            display_phone_number: display_phone_number.clone(),
            source: ErrorSource::Value,
            error: ErrorDetail::from_value(e),
            raw: e.clone(),
        }));
    }
}

fn match_contact<'a>(
    contacts: &'a [Value],
    from: Option<&str>,
    from_user_id: Option<&str>,
) -> Option<&'a Value> {
    contacts
        .iter()
        .find(|c| {
            let wa = opt_str(c, "wa_id");
            let uid = opt_str(c, "user_id");
            (from.is_some() && wa.as_deref() == from)
                || (from_user_id.is_some() && uid.as_deref() == from_user_id)
        })
        .or_else(|| contacts.first())
}

/// One flattened item of a notification.
// Unboxed on purpose: events are short-lived and few per request, and plain variants let
// callers destructure without `Box` patterns.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum WebhookEvent {
    /// A user message (`value.messages[]`).
    Message(InboundEvent),
    /// A delivery status for a message we sent (`value.statuses[]`).
    Status(StatusEvent),
    /// A value-level error, or a message/status too broken to parse (raw JSON kept).
    Error(ValueErrorEvent),
    /// A change with a `field` other than `messages` (e.g. `user_preferences`); acknowledge and
    /// ignore or handle elsewhere.
    OtherField { field: String, value: Value },
}

/// An inbound user message plus sender details from the matching `value.contacts[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub profile_name: Option<String>,
    pub username: Option<String>,
    pub contact_wa_id: Option<String>,
    pub contact_user_id: Option<String>,
    pub message: InboundMessage,
}

impl InboundEvent {
    /// The best stable sender key: phone (`wa_id`/`from`) if known, else the BSUID.
    pub fn sender_id(&self) -> Option<&str> {
        self.message
            .from
            .as_deref()
            .or(self.contact_wa_id.as_deref())
            .or(self.message.from_user_id.as_deref())
            .or(self.contact_user_id.as_deref())
    }
}

/// A status update with the business number it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub status: StatusUpdate,
}

/// Where a [`ValueErrorEvent`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// Meta's own `value.errors[]`.
    Value,
    /// A `messages[]` element we could not interpret (e.g. no `id`); see `raw`.
    Message,
    /// A `statuses[]` element we could not interpret; see `raw`.
    Status,
    /// A `messages` change whose `value` is not an object.
    Change,
}

/// An error surfaced by the webhook, or a parse problem with the raw JSON attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueErrorEvent {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub source: ErrorSource,
    pub error: ErrorDetail,
    pub raw: Value,
}

/// An error object as found in `value.errors`, `messages[].errors` and `statuses[].errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ErrorDetail {
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    /// `error_data.details`, or the legacy top-level `details`.
    pub details: Option<String>,
    pub href: Option<String>,
}

impl ErrorDetail {
    /// Code used for errors Parley invents while parsing (Meta never sends negative codes).
    pub const PARSE_ERROR_CODE: i64 = -1;

    fn synthetic(why: impl Into<String>) -> Self {
        let why = why.into();
        Self {
            code: Self::PARSE_ERROR_CODE,
            title: Some("unparseable webhook item".into()),
            message: Some(why.clone()),
            details: Some(why),
            href: None,
        }
    }

    /// Tolerant parse of one error object.
    pub fn from_value(v: &Value) -> Self {
        let details = v
            .get("error_data")
            .and_then(|d| match d {
                Value::Object(_) => opt_str(d, "details"),
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .or_else(|| opt_str(v, "details"));
        Self {
            code: lenient_i64(v.get("code")).unwrap_or(0),
            title: opt_str(v, "title"),
            message: opt_str(v, "message"),
            details,
            href: opt_str(v, "href"),
        }
    }

    /// Meta's wire shape, for building webhooks.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), self.code.into());
        if let Some(t) = &self.title {
            m.insert("title".into(), t.clone().into());
        }
        if let Some(t) = &self.message {
            m.insert("message".into(), t.clone().into());
        }
        if let Some(d) = &self.details {
            m.insert("error_data".into(), serde_json::json!({ "details": d }));
        }
        if let Some(h) = &self.href {
            m.insert("href".into(), h.clone().into());
        }
        Value::Object(m)
    }
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.code)?;
        if let Some(t) = self.title.as_ref().or(self.message.as_ref()) {
            write!(f, " {t}")?;
        }
        if let Some(d) = &self.details {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// One inbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The wamid; the dedupe key.
    pub id: String,
    /// Sender phone; `None` for username-only (BSUID) users.
    pub from: Option<String>,
    /// Business-scoped user id.
    pub from_user_id: Option<String>,
    /// Unix seconds (0 if missing or unparseable).
    pub timestamp: i64,
    /// `type` exactly as sent (empty if missing).
    pub kind: String,
    pub content: MessageContent,
    pub context: Option<MessageContext>,
    pub referral: Option<Referral>,
    /// `messages[].errors` (present on `unsupported` / `unknown`).
    pub errors: Vec<ErrorDetail>,
    /// The message JSON as received.
    pub raw: Value,
}

impl InboundMessage {
    /// Parses one `messages[]` element. Fails only without a usable `id`, since without it the
    /// message can be neither deduplicated nor referenced.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        if !v.is_object() {
            return Err(format!("message is {}, not an object", json_kind(v)));
        }
        let id = opt_str(v, "id").ok_or_else(|| "message has no `id`".to_string())?;
        let kind = opt_str(v, "type").unwrap_or_default();
        Ok(Self {
            id,
            from: opt_str(v, "from"),
            from_user_id: opt_str(v, "from_user_id"),
            timestamp: lenient_i64(v.get("timestamp")).unwrap_or(0),
            content: MessageContent::from_message(&kind, v),
            kind,
            context: v
                .get("context")
                .filter(|c| c.is_object())
                .map(|c| MessageContext {
                    from: opt_str(c, "from"),
                    id: opt_str(c, "id"),
                    forwarded: lenient_bool(c.get("forwarded")),
                    frequently_forwarded: lenient_bool(c.get("frequently_forwarded")),
                    referred_product: c.get("referred_product").filter(|p| p.is_object()).map(
                        |p| ReferredProduct {
                            catalog_id: opt_str(p, "catalog_id"),
                            product_retailer_id: opt_str(p, "product_retailer_id"),
                        },
                    ),
                }),
            referral: v
                .get("referral")
                .filter(|r| r.is_object())
                .map(|r| Referral {
                    source_url: opt_str(r, "source_url"),
                    source_id: opt_str(r, "source_id"),
                    source_type: opt_str(r, "source_type"),
                    body: opt_str(r, "body"),
                    headline: opt_str(r, "headline"),
                    media_type: opt_str(r, "media_type"),
                    image_url: opt_str(r, "image_url"),
                    video_url: opt_str(r, "video_url"),
                    thumbnail_url: opt_str(r, "thumbnail_url"),
                    ctwa_clid: opt_str(r, "ctwa_clid"),
                    welcome_message: r.get("welcome_message").and_then(|w| opt_str(w, "text")),
                }),
            errors: array(v, "errors").map(ErrorDetail::from_value).collect(),
            raw: v.clone(),
        })
    }
}

/// `messages[].context`: reply, forward or product-enquiry information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MessageContext {
    pub from: Option<String>,
    /// The quoted message id (not always a wamid, e.g. inside edits).
    pub id: Option<String>,
    pub forwarded: bool,
    pub frequently_forwarded: bool,
    pub referred_product: Option<ReferredProduct>,
}

/// `context.referred_product` from the "Message business" button on a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReferredProduct {
    pub catalog_id: Option<String>,
    pub product_retailer_id: Option<String>,
}

/// Click-to-WhatsApp ad referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Referral {
    pub source_url: Option<String>,
    pub source_id: Option<String>,
    pub source_type: Option<String>,
    pub body: Option<String>,
    pub headline: Option<String>,
    pub media_type: Option<String>,
    pub image_url: Option<String>,
    pub video_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub ctwa_clid: Option<String>,
    /// `welcome_message.text`.
    pub welcome_message: Option<String>,
}

/// Inbound media object (image, audio, video, document, sticker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Media {
    /// Media id for `GET /{media-id}`.
    pub id: String,
    pub mime_type: Option<String>,
    /// Base64 SHA-256 as sent in webhooks (the media endpoint returns hex).
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
    /// Audio: recorded voice note.
    pub voice: bool,
    /// Sticker: animated.
    pub animated: bool,
    /// Direct download URL (newer payloads only; still needs the Bearer token).
    pub url: Option<String>,
    pub file_size: Option<u64>,
}

impl Media {
    fn from_value(v: &Value) -> Self {
        Self {
            id: opt_str(v, "id").unwrap_or_default(),
            mime_type: opt_str(v, "mime_type"),
            sha256: opt_str(v, "sha256"),
            caption: opt_str(v, "caption"),
            filename: opt_str(v, "filename"),
            voice: lenient_bool(v.get("voice")),
            animated: lenient_bool(v.get("animated")),
            url: opt_str(v, "url"),
            file_size: lenient_u64(v.get("file_size")),
        }
    }
}

/// A shared contact card (`messages[].contacts[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedContact {
    pub formatted_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phones: Vec<ContactPhone>,
    pub emails: Vec<String>,
    pub organization: Option<String>,
    /// The full card; addresses, urls, birthday etc. live here.
    pub raw: Value,
}

/// A phone entry on a shared contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPhone {
    pub phone: Option<String>,
    pub wa_id: Option<String>,
    /// `type`: CELL, MOBILE, HOME, WORK, ...
    pub kind: Option<String>,
}

impl SharedContact {
    fn from_value(v: &Value) -> Self {
        let name = v.get("name");
        Self {
            formatted_name: name.and_then(|n| opt_str(n, "formatted_name")),
            first_name: name.and_then(|n| opt_str(n, "first_name")),
            last_name: name.and_then(|n| opt_str(n, "last_name")),
            phones: array(v, "phones")
                .map(|p| ContactPhone {
                    phone: opt_str(p, "phone"),
                    wa_id: opt_str(p, "wa_id"),
                    kind: opt_str(p, "type"),
                })
                .collect(),
            emails: array(v, "emails")
                .filter_map(|e| opt_str(e, "email"))
                .collect(),
            organization: v.get("org").and_then(|o| opt_str(o, "company")),
            raw: v.clone(),
        }
    }

    /// A display name: formatted name, else first + last, else the first phone.
    pub fn display_name(&self) -> Option<String> {
        if let Some(n) = &self.formatted_name {
            return Some(n.clone());
        }
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !joined.is_empty() {
            return Some(joined);
        }
        self.phones.iter().find_map(|p| p.phone.clone())
    }
}

/// One line of an `order` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: String,
    pub quantity: u64,
    pub item_price: f64,
    pub currency: String,
}

/// A reply to an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InteractiveReply {
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// WhatsApp Flows completion; `response_json` is a JSON document encoded as a string.
    NfmReply {
        name: Option<String>,
        body: Option<String>,
        response_json: Option<String>,
    },
    /// Any other interactive reply type (payment_method, call permission, ...).
    Other {
        kind: String,
    },
}

/// The typed content of an inbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum MessageContent {
    Text {
        body: String,
    },
    Image(Media),
    Audio(Media),
    Video(Media),
    Document(Media),
    Sticker(Media),
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    Contacts(Vec<SharedContact>),
    Interactive(InteractiveReply),
    /// Quick-reply button on a template.
    Button {
        payload: Option<String>,
        text: Option<String>,
    },
    /// `emoji: None` means the reaction was removed.
    Reaction {
        message_id: String,
        emoji: Option<String>,
    },
    Order {
        catalog_id: Option<String>,
        text: Option<String>,
        items: Vec<OrderItem>,
    },
    /// e.g. `user_changed_number`; `new_wa_id` accepts `wa_id`, `new_wa_id` and `customer`.
    System {
        kind: Option<String>,
        body: Option<String>,
        new_wa_id: Option<String>,
        new_user_id: Option<String>,
    },
    /// The user opened the chat for the first time.
    RequestWelcome,
    Edit {
        original_message_id: String,
        new: Option<Box<MessageContent>>,
    },
    Revoke {
        original_message_id: String,
    },
    /// `unsupported`, legacy `unknown`, malformed known types and any type we do not know.
    /// `kind` is `unsupported.type` for `unsupported`, otherwise the unknown `type`.
    Unsupported {
        kind: Option<String>,
    },
}

impl MessageContent {
    /// Interprets the type-specific object of a message (or of `edit.message`).
    fn from_message(kind: &str, v: &Value) -> Self {
        let unsupported = || MessageContent::Unsupported {
            kind: Some(kind.to_string()).filter(|k| !k.is_empty()),
        };
        let obj = v.get(kind).filter(|o| o.is_object());
        match kind {
            "text" => match obj {
                Some(o) => MessageContent::Text {
                    body: opt_str(o, "body").unwrap_or_default(),
                },
                None => unsupported(),
            },
            "image" | "audio" | "video" | "document" | "sticker" => {
                let Some(o) = obj else {
                    return unsupported();
                };
                let m = Media::from_value(o);
                match kind {
                    "image" => MessageContent::Image(m),
                    "audio" => MessageContent::Audio(m),
                    "video" => MessageContent::Video(m),
                    "document" => MessageContent::Document(m),
                    _ => MessageContent::Sticker(m),
                }
            }
            "location" => {
                let Some(o) = obj else {
                    return unsupported();
                };
                let (Some(latitude), Some(longitude)) = (
                    lenient_f64(o.get("latitude")),
                    lenient_f64(o.get("longitude")),
                ) else {
                    return unsupported();
                };
                MessageContent::Location {
                    latitude,
                    longitude,
                    name: opt_str(o, "name"),
                    address: opt_str(o, "address"),
                    url: opt_str(o, "url"),
                }
            }
            "contacts" => match v.get("contacts").and_then(Value::as_array) {
                Some(cards) => {
                    MessageContent::Contacts(cards.iter().map(SharedContact::from_value).collect())
                }
                None => unsupported(),
            },
            "interactive" => {
                let Some(o) = obj else {
                    return unsupported();
                };
                let itype = opt_str(o, "type").unwrap_or_default();
                let inner = o.get(&itype).filter(|i| i.is_object());
                let reply = match (itype.as_str(), inner) {
                    ("button_reply", Some(i)) => InteractiveReply::ButtonReply {
                        id: opt_str(i, "id").unwrap_or_default(),
                        title: opt_str(i, "title").unwrap_or_default(),
                    },
                    ("list_reply", Some(i)) => InteractiveReply::ListReply {
                        id: opt_str(i, "id").unwrap_or_default(),
                        title: opt_str(i, "title").unwrap_or_default(),
                        description: opt_str(i, "description"),
                    },
                    ("nfm_reply", Some(i)) => InteractiveReply::NfmReply {
                        name: opt_str(i, "name"),
                        body: opt_str(i, "body"),
                        // Usually a string; re-encode if a sender ever inlines the object.
                        response_json: match i.get("response_json") {
                            Some(Value::String(s)) => Some(s.clone()),
                            Some(Value::Null) | None => None,
                            Some(other) => Some(other.to_string()),
                        },
                    },
                    _ => InteractiveReply::Other { kind: itype },
                };
                MessageContent::Interactive(reply)
            }
            "button" => match obj {
                Some(o) => MessageContent::Button {
                    payload: opt_str(o, "payload"),
                    text: opt_str(o, "text"),
                },
                None => unsupported(),
            },
            "reaction" => match obj {
                Some(o) => MessageContent::Reaction {
                    message_id: opt_str(o, "message_id").unwrap_or_default(),
                    emoji: opt_str(o, "emoji"),
                },
                None => unsupported(),
            },
            "order" => match obj {
                Some(o) => MessageContent::Order {
                    catalog_id: opt_str(o, "catalog_id"),
                    text: opt_str(o, "text"),
                    items: array(o, "product_items")
                        .map(|i| OrderItem {
                            product_retailer_id: opt_str(i, "product_retailer_id")
                                .unwrap_or_default(),
                            quantity: lenient_u64(i.get("quantity")).unwrap_or(0),
                            item_price: lenient_f64(i.get("item_price")).unwrap_or(0.0),
                            currency: opt_str(i, "currency").unwrap_or_default(),
                        })
                        .collect(),
                },
                None => unsupported(),
            },
            "system" => match obj {
                Some(o) => MessageContent::System {
                    kind: opt_str(o, "type"),
                    body: opt_str(o, "body"),
                    new_wa_id: opt_str(o, "wa_id")
                        .or_else(|| opt_str(o, "new_wa_id"))
                        .or_else(|| opt_str(o, "customer")),
                    new_user_id: opt_str(o, "user_id").or_else(|| opt_str(o, "new_user_id")),
                },
                None => unsupported(),
            },
            "request_welcome" => MessageContent::RequestWelcome,
            "edit" => match obj {
                Some(o) => MessageContent::Edit {
                    original_message_id: opt_str(o, "original_message_id").unwrap_or_default(),
                    new: o.get("message").filter(|m| m.is_object()).map(|m| {
                        let inner_kind = opt_str(m, "type").unwrap_or_default();
                        Box::new(MessageContent::from_message(&inner_kind, m))
                    }),
                },
                None => unsupported(),
            },
            "revoke" => match obj {
                Some(o) => MessageContent::Revoke {
                    original_message_id: opt_str(o, "original_message_id").unwrap_or_default(),
                },
                None => unsupported(),
            },
            "unsupported" => MessageContent::Unsupported {
                kind: v.get("unsupported").and_then(|u| opt_str(u, "type")),
            },
            "unknown" => MessageContent::Unsupported { kind: None },
            _ => unsupported(),
        }
    }

    /// The media object, for media types.
    pub fn media(&self) -> Option<&Media> {
        match self {
            MessageContent::Image(m)
            | MessageContent::Audio(m)
            | MessageContent::Video(m)
            | MessageContent::Document(m)
            | MessageContent::Sticker(m) => Some(m),
            _ => None,
        }
    }

    /// The user-visible text: body, caption, chosen button/row title, order note, etc.
    pub fn text(&self) -> Option<String> {
        match self {
            MessageContent::Text { body } => Some(body.clone()),
            MessageContent::Image(m)
            | MessageContent::Video(m)
            | MessageContent::Document(m)
            | MessageContent::Audio(m)
            | MessageContent::Sticker(m) => m.caption.clone(),
            MessageContent::Location { name, address, .. } => match (name, address) {
                (Some(n), Some(a)) => Some(format!("{n}, {a}")),
                (Some(x), None) | (None, Some(x)) => Some(x.clone()),
                (None, None) => None,
            },
            MessageContent::Interactive(r) => match r {
                InteractiveReply::ButtonReply { title, .. }
                | InteractiveReply::ListReply { title, .. } => Some(title.clone()),
                InteractiveReply::NfmReply { body, .. } => body.clone(),
                InteractiveReply::Other { .. } => None,
            },
            MessageContent::Button { payload, text } => text.clone().or_else(|| payload.clone()),
            MessageContent::Order { text, .. } => text.clone(),
            MessageContent::System { body, .. } => body.clone(),
            MessageContent::Edit { new, .. } => new.as_ref().and_then(|c| c.text()),
            _ => None,
        }
    }

    /// A short human preview for inbox lists and notifications.
    pub fn summary(&self) -> String {
        fn with(prefix: &str, extra: Option<&String>) -> String {
            match extra {
                Some(e) if !e.is_empty() => format!("{prefix}: {e}"),
                _ => prefix.to_string(),
            }
        }
        match self {
            MessageContent::Text { body } => body.clone(),
            MessageContent::Image(m) => with("📷 Photo", m.caption.as_ref()),
            MessageContent::Video(m) => with("🎥 Video", m.caption.as_ref()),
            MessageContent::Audio(m) if m.voice => "🎤 Voice message".into(),
            MessageContent::Audio(_) => "🎵 Audio".into(),
            MessageContent::Document(m) => {
                with("📄 Document", m.filename.as_ref().or(m.caption.as_ref()))
            }
            MessageContent::Sticker(_) => "🏷️ Sticker".into(),
            MessageContent::Location {
                name,
                latitude,
                longitude,
                ..
            } => match name {
                Some(n) => format!("📍 Location: {n}"),
                None => format!("📍 Location: {latitude:.5}, {longitude:.5}"),
            },
            MessageContent::Contacts(cards) => match cards.as_slice() {
                [one] => with("👤 Contact", one.display_name().as_ref()),
                many => format!("👤 {} contacts", many.len()),
            },
            MessageContent::Interactive(r) => match r {
                InteractiveReply::ButtonReply { title, .. } => format!("🔘 {title}"),
                InteractiveReply::ListReply { title, .. } => format!("📋 {title}"),
                InteractiveReply::NfmReply { body, .. } => with("📝 Form submitted", body.as_ref()),
                InteractiveReply::Other { kind } => format!("[interactive: {kind}]"),
            },
            MessageContent::Button { payload, text } => {
                format!(
                    "🔘 {}",
                    text.as_ref()
                        .or(payload.as_ref())
                        .cloned()
                        .unwrap_or_default()
                )
            }
            MessageContent::Reaction { emoji: Some(e), .. } => format!("Reacted {e}"),
            MessageContent::Reaction { emoji: None, .. } => "Removed a reaction".into(),
            MessageContent::Order { items, text, .. } => {
                let n: u64 = items.iter().map(|i| i.quantity).sum();
                with(&format!("🛒 Order ({n} items)"), text.as_ref())
            }
            MessageContent::System { body: Some(b), .. } => b.clone(),
            MessageContent::System { kind, .. } => {
                format!("[system: {}]", kind.as_deref().unwrap_or("event"))
            }
            MessageContent::RequestWelcome => "👋 Opened the chat".into(),
            MessageContent::Edit { new: Some(n), .. } => format!("✏️ Edited: {}", n.summary()),
            MessageContent::Edit { new: None, .. } => "✏️ Edited a message".into(),
            MessageContent::Revoke { .. } => "🗑️ Deleted a message".into(),
            MessageContent::Unsupported { kind: Some(k) } => format!("[unsupported: {k}]"),
            MessageContent::Unsupported { kind: None } => "[unsupported message]".into(),
        }
    }
}

/// Delivery state of a message we sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    /// First play of a voice message.
    Played,
    Failed,
    /// Anything else Meta may introduce (e.g. `deleted`, `warning`).
    Other(String),
}

impl DeliveryStatus {
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Played => "played",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other(s) => s,
        }
    }

    /// Monotonic progress rank. Statuses arrive out of order and `read` can come without
    /// `delivered`, so callers should only move forward in rank; `failed` is terminal.
    pub fn rank(&self) -> u8 {
        match self {
            DeliveryStatus::Other(_) => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Played => 4,
            DeliveryStatus::Failed => 5,
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(match s {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "played" => DeliveryStatus::Played,
            "failed" => DeliveryStatus::Failed,
            other => DeliveryStatus::Other(other.to_string()),
        })
    }
}

impl From<String> for DeliveryStatus {
    fn from(s: String) -> Self {
        match s.parse() {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }
}

impl From<DeliveryStatus> for String {
    fn from(s: DeliveryStatus) -> Self {
        s.as_str().to_string()
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `statuses[]` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The wamid returned when we sent the message.
    pub id: String,
    pub status: DeliveryStatus,
    pub timestamp: i64,
    /// Recipient phone (or group id); `None` for username-only users.
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub conversation: Option<Value>,
    pub pricing: Option<Value>,
    /// Only on `failed`.
    pub errors: Vec<ErrorDetail>,
    pub raw: Value,
}

impl StatusUpdate {
    /// Parses one `statuses[]` element; needs at least `id` and `status`.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        if !v.is_object() {
            return Err(format!("status is {}, not an object", json_kind(v)));
        }
        let id = opt_str(v, "id").ok_or_else(|| "status has no `id`".to_string())?;
        let status = opt_str(v, "status").ok_or_else(|| "status has no `status`".to_string())?;
        Ok(Self {
            id,
            status: DeliveryStatus::from(status),
            timestamp: lenient_i64(v.get("timestamp")).unwrap_or(0),
            recipient_id: opt_str(v, "recipient_id"),
            recipient_user_id: opt_str(v, "recipient_user_id"),
            conversation: v.get("conversation").filter(|c| !c.is_null()).cloned(),
            pricing: v.get("pricing").filter(|c| !c.is_null()).cloned(),
            errors: array(v, "errors").map(ErrorDetail::from_value).collect(),
            raw: v.clone(),
        })
    }
}

// ---- lenient accessors -------------------------------------------------------------------

/// A non-empty string field; numbers are rendered as strings (ids occasionally arrive as ints).
fn opt_str(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

fn lenient_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lenient_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lenient_f64(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lenient_bool(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wrap(messages: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PNID"},
                "contacts": [{"profile": {"name": "Ann"}, "wa_id": "111"}],
                "messages": messages
            }}]}]
        }))
        .unwrap()
    }

    fn only_message(messages: Value) -> InboundEvent {
        let events = parse_notification(&wrap(messages)).unwrap().events();
        assert_eq!(events.len(), 1, "{events:?}");
        match events.into_iter().next().unwrap() {
            WebhookEvent::Message(m) => m,
            other => panic!("expected message, got {other:?}"),
        }
    }

    #[test]
    fn invalid_json_reports_position() {
        let err = parse_notification(b"{\"a\": }").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("invalid JSON at line 1 column 7: "),
            "{text}"
        );
        assert!(
            !text.ends_with("column 7"),
            "position printed twice: {text}"
        );
    }

    #[test]
    fn non_object_rejected() {
        let err = parse_notification(b"[1,2]").unwrap_err();
        assert_eq!(err, PayloadError::NotAnObject { found: "an array" });
        assert!(err.to_string().contains("JSON object"));
    }

    #[test]
    fn empty_object_and_empty_entry_have_no_events() {
        assert!(parse_notification(b"{}").unwrap().events().is_empty());
        assert!(
            parse_notification(br#"{"object":"whatsapp_business_account","entry":[]}"#)
                .unwrap()
                .events()
                .is_empty()
        );
    }

    #[test]
    fn numeric_timestamp_and_string_file_size() {
        let ev = only_message(json!([{
            "from": "111", "id": "wamid.A", "timestamp": 1700000000, "type": "image",
            "image": {"id": "m1", "mime_type": "image/png", "file_size": "2048"}
        }]));
        assert_eq!(ev.message.timestamp, 1_700_000_000);
        assert_eq!(ev.message.content.media().unwrap().file_size, Some(2048));
        let ev = only_message(json!([{
            "from": "111", "id": "wamid.B", "timestamp": "1700000001", "type": "video",
            "video": {"id": "m2", "file_size": 4096}
        }]));
        assert_eq!(ev.message.timestamp, 1_700_000_001);
        assert_eq!(ev.message.content.media().unwrap().file_size, Some(4096));
    }

    #[test]
    fn message_without_id_becomes_error_event_with_raw() {
        let bad = json!({"from": "111", "type": "text", "text": {"body": "x"}});
        let events = parse_notification(&wrap(json!([bad.clone(), {
            "from": "111", "id": "wamid.OK", "timestamp": "1", "type": "text", "text": {"body": "fine"}
        }])))
        .unwrap()
        .events();
        assert_eq!(events.len(), 2);
        match &events[0] {
            WebhookEvent::Error(e) => {
                assert_eq!(e.source, ErrorSource::Message);
                assert_eq!(e.raw, bad);
                assert_eq!(e.phone_number_id, "PNID");
            }
            other => panic!("{other:?}"),
        }
        match &events[1] {
            WebhookEvent::Message(m) => {
                assert_eq!(m.message.content.text().as_deref(), Some("fine"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn summaries() {
        let img = MessageContent::Image(Media {
            caption: Some("cat".into()),
            ..Default::default()
        });
        assert_eq!(img.summary(), "📷 Photo: cat");
        assert_eq!(img.text().as_deref(), Some("cat"));
        let loc = MessageContent::Location {
            latitude: 1.0,
            longitude: 2.0,
            name: Some("Cafe".into()),
            address: None,
            url: None,
        };
        assert_eq!(loc.summary(), "📍 Location: Cafe");
        let r = MessageContent::Reaction {
            message_id: "x".into(),
            emoji: Some("👍".into()),
        };
        assert_eq!(r.summary(), "Reacted 👍");
        assert_eq!(
            MessageContent::Unsupported {
                kind: Some("edit".into())
            }
            .summary(),
            "[unsupported: edit]"
        );
        let voice = MessageContent::Audio(Media {
            voice: true,
            ..Default::default()
        });
        assert_eq!(voice.summary(), "🎤 Voice message");
        assert!(voice.media().is_some());
        assert!(r.media().is_none());
    }

    #[test]
    fn delivery_status_roundtrip() {
        for s in ["sent", "delivered", "read", "played", "failed", "deleted"] {
            let d: DeliveryStatus = s.parse().unwrap();
            assert_eq!(d.as_str(), s);
        }
        assert_eq!(
            "deleted".parse::<DeliveryStatus>().unwrap(),
            DeliveryStatus::Other("deleted".into())
        );
        assert!(DeliveryStatus::Read.rank() > DeliveryStatus::Delivered.rank());
        assert_eq!(
            serde_json::to_value(DeliveryStatus::Delivered).unwrap(),
            json!("delivered")
        );
    }

    #[test]
    fn error_detail_variants() {
        let legacy =
            ErrorDetail::from_value(&json!({"code": 131051, "title": "Unknown", "details": "old"}));
        assert_eq!(legacy.code, 131051);
        assert_eq!(legacy.details.as_deref(), Some("old"));
        assert_eq!(legacy.message, None);
        let string_data = ErrorDetail::from_value(&json!({"code": "130429", "error_data": "flat"}));
        assert_eq!(string_data.code, 130429);
        assert_eq!(string_data.details.as_deref(), Some("flat"));
        let roundtrip = ErrorDetail::from_value(&legacy.to_json());
        assert_eq!(roundtrip, legacy);
    }
}
