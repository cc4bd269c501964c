//! Outbound messages: model, Meta's documented limits and the exact request body.
//!
//! Validating locally turns a whole class of Graph API 100/131009 rejections into immediate,
//! readable errors that are never retried. Limits count Unicode scalar values (`chars()`),
//! not bytes, because emoji and accented text are normal in support conversations.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Graph error code for an unknown/invalid parameter.
pub const CODE_INVALID_PARAMETER: i64 = 100;
/// Graph error code for a missing required parameter.
pub const CODE_MISSING_PARAMETER: i64 = 131008;
/// Graph error code for a parameter value outside its allowed range.
pub const CODE_INVALID_VALUE: i64 = 131009;

/// Maximum text body length.
pub const TEXT_MAX: usize = 4096;
/// Maximum media caption length.
pub const CAPTION_MAX: usize = 1024;
/// Maximum interactive body length (the stricter generic limit, also applied to lists).
pub const INTERACTIVE_BODY_MAX: usize = 1024;
pub const HEADER_MAX: usize = 60;
pub const FOOTER_MAX: usize = 60;
pub const BUTTONS_MAX: usize = 3;
pub const BUTTON_TITLE_MAX: usize = 20;
pub const BUTTON_ID_MAX: usize = 256;
pub const LIST_ROWS_MAX: usize = 10;
pub const LIST_SECTIONS_MAX: usize = 10;
pub const LIST_BUTTON_MAX: usize = 20;
pub const SECTION_TITLE_MAX: usize = 24;
pub const ROW_TITLE_MAX: usize = 24;
pub const ROW_DESCRIPTION_MAX: usize = 72;
pub const ROW_ID_MAX: usize = 200;

/// A message to send via `POST /{phone-number-id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// Phone number (digits, optionally with `+`) or BSUID.
    pub to: String,
    pub content: OutboundContent,
    /// wamid to quote (`context.message_id`).
    pub reply_to: Option<String>,
}

/// Media kinds that can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "image" => MediaKind::Image,
            "video" => MediaKind::Video,
            "audio" => MediaKind::Audio,
            "document" => MediaKind::Document,
            "sticker" => MediaKind::Sticker,
            _ => return None,
        })
    }

    /// Audio and stickers are rendered without captions, so Meta rejects them.
    pub fn allows_caption(self) -> bool {
        matches!(
            self,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        )
    }
}

/// Where the media comes from: an uploaded media id or a public HTTPS link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    Id(String),
    Link(String),
}

/// A quick-reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

/// A list section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

/// A list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundContent {
    Text {
        body: String,
        preview_url: bool,
    },
    Media {
        kind: MediaKind,
        source: MediaSource,
        caption: Option<String>,
        filename: Option<String>,
    },
    /// Interactive reply buttons (text header only).
    Buttons {
        body: String,
        header: Option<String>,
        footer: Option<String>,
        buttons: Vec<ReplyButton>,
    },
    /// Interactive list (text header only).
    List {
        body: String,
        header: Option<String>,
        footer: Option<String>,
        button: String,
        sections: Vec<ListSection>,
    },
    /// Template; `language` is the code (e.g. `en_US`); `components` is Meta's array verbatim
    /// (or `null` for none).
    Template {
        name: String,
        language: String,
        components: Value,
    },
    /// Empty `emoji` removes a reaction.
    Reaction {
        message_id: String,
        emoji: String,
    },
}

impl OutboundContent {
    /// The wire `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            OutboundContent::Text { .. } => "text",
            OutboundContent::Media { kind, .. } => kind.as_str(),
            OutboundContent::Buttons { .. } | OutboundContent::List { .. } => "interactive",
            OutboundContent::Template { .. } => "template",
            OutboundContent::Reaction { .. } => "reaction",
        }
    }
}

/// A rejected message: the offending field (Meta-style path) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// Graph error code Meta would answer with (100, 131008 or 131009).
    pub code: i64,
    pub field: String,
    pub message: String,
}

impl ValidationError {
    fn new(code: i64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
    fn missing(field: impl Into<String>) -> Self {
        Self::new(
            CODE_MISSING_PARAMETER,
            field,
            "is required and must not be empty",
        )
    }
    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(CODE_INVALID_VALUE, field, message)
    }
    fn param(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(CODE_INVALID_PARAMETER, field, message)
    }
}

fn check_len(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    let n = s.chars().count();
    if n > max {
        return Err(ValidationError::invalid(
            field,
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    Ok(())
}

fn check_required(field: &str, s: &str, max: usize) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::missing(field));
    }
    check_len(field, s, max)
}

fn check_opt(field: &str, s: &Option<String>, max: usize) -> Result<(), ValidationError> {
    match s {
        Some(s) => check_len(field, s, max),
        None => Ok(()),
    }
}

impl OutboundMessage {
    /// Checks Meta's documented limits. The error names the field and the limit.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.to.trim().is_empty() {
            return Err(ValidationError::missing("to"));
        }
        if let Some(r) = &self.reply_to {
            if r.trim().is_empty() {
                return Err(ValidationError::missing("context.message_id"));
            }
            if matches!(self.content, OutboundContent::Reaction { .. }) {
                return Err(ValidationError::invalid(
                    "context",
                    "a reaction cannot quote a message",
                ));
            }
        }
        match &self.content {
            OutboundContent::Text { body, .. } => check_required("text.body", body, TEXT_MAX),
            OutboundContent::Media {
                kind,
                source,
                caption,
                filename,
            } => {
                let t = kind.as_str();
                match source {
                    MediaSource::Id(id) if id.trim().is_empty() => {
                        return Err(ValidationError::missing(format!("{t}.id")));
                    }
                    MediaSource::Link(l) => {
                        if l.trim().is_empty() {
                            return Err(ValidationError::missing(format!("{t}.link")));
                        }
                        if !(l.starts_with("https://") || l.starts_with("http://")) {
                            return Err(ValidationError::invalid(
                                format!("{t}.link"),
                                "must be an http(s) URL",
                            ));
                        }
                    }
                    MediaSource::Id(_) => {}
                }
                if let Some(c) = caption {
                    if !kind.allows_caption() {
                        return Err(ValidationError::param(
                            format!("{t}.caption"),
                            format!("captions are not supported for {t} messages"),
                        ));
                    }
                    check_len(&format!("{t}.caption"), c, CAPTION_MAX)?;
                }
                if filename.is_some() && *kind != MediaKind::Document {
                    return Err(ValidationError::param(
                        format!("{t}.filename"),
                        "filename is only supported for documents",
                    ));
                }
                Ok(())
            }
            OutboundContent::Buttons {
                body,
                header,
                footer,
                buttons,
            } => {
                check_required("interactive.body.text", body, INTERACTIVE_BODY_MAX)?;
                check_opt("interactive.header.text", header, HEADER_MAX)?;
                check_opt("interactive.footer.text", footer, FOOTER_MAX)?;
                if buttons.is_empty() || buttons.len() > BUTTONS_MAX {
                    return Err(ValidationError::invalid(
                        "interactive.action.buttons",
                        format!(
                            "must contain 1 to {BUTTONS_MAX} buttons (got {})",
                            buttons.len()
                        ),
                    ));
                }
                for (i, b) in buttons.iter().enumerate() {
                    let f = format!("interactive.action.buttons[{i}].reply");
                    check_required(&format!("{f}.title"), &b.title, BUTTON_TITLE_MAX)?;
                    check_id(&format!("{f}.id"), &b.id, BUTTON_ID_MAX)?;
                    if buttons[..i].iter().any(|o| o.title == b.title) {
                        return Err(ValidationError::invalid(
                            format!("{f}.title"),
                            format!("button titles must be unique (\"{}\" repeats)", b.title),
                        ));
                    }
                    if buttons[..i].iter().any(|o| o.id == b.id) {
                        return Err(ValidationError::invalid(
                            format!("{f}.id"),
                            format!("button ids must be unique (\"{}\" repeats)", b.id),
                        ));
                    }
                }
                Ok(())
            }
            OutboundContent::List {
                body,
                header,
                footer,
                button,
                sections,
            } => {
                check_required("interactive.body.text", body, INTERACTIVE_BODY_MAX)?;
                check_opt("interactive.header.text", header, HEADER_MAX)?;
                check_opt("interactive.footer.text", footer, FOOTER_MAX)?;
                check_required("interactive.action.button", button, LIST_BUTTON_MAX)?;
                if sections.is_empty() || sections.len() > LIST_SECTIONS_MAX {
                    return Err(ValidationError::invalid(
                        "interactive.action.sections",
                        format!(
                            "must contain 1 to {LIST_SECTIONS_MAX} sections (got {})",
                            sections.len()
                        ),
                    ));
                }
                let total: usize = sections.iter().map(|s| s.rows.len()).sum();
                if total > LIST_ROWS_MAX {
                    return Err(ValidationError::invalid(
                        "interactive.action.sections",
                        format!(
                            "at most {LIST_ROWS_MAX} rows in total across sections (got {total})"
                        ),
                    ));
                }
                let mut ids: Vec<&str> = Vec::new();
                for (si, s) in sections.iter().enumerate() {
                    let sf = format!("interactive.action.sections[{si}]");
                    match &s.title {
                        Some(t) => check_required(&format!("{sf}.title"), t, SECTION_TITLE_MAX)?,
                        None if sections.len() > 1 => {
                            return Err(ValidationError::missing(format!(
                                "{sf}.title (required when there is more than one section)"
                            )));
                        }
                        None => {}
                    }
                    if s.rows.is_empty() {
                        return Err(ValidationError::invalid(
                            format!("{sf}.rows"),
                            "each section needs at least one row",
                        ));
                    }
                    for (ri, r) in s.rows.iter().enumerate() {
                        let rf = format!("{sf}.rows[{ri}]");
                        check_required(&format!("{rf}.title"), &r.title, ROW_TITLE_MAX)?;
                        check_opt(
                            &format!("{rf}.description"),
                            &r.description,
                            ROW_DESCRIPTION_MAX,
                        )?;
                        check_id(&format!("{rf}.id"), &r.id, ROW_ID_MAX)?;
                        if ids.contains(&r.id.as_str()) {
                            return Err(ValidationError::invalid(
                                format!("{rf}.id"),
                                format!("row ids must be unique (\"{}\" repeats)", r.id),
                            ));
                        }
                        ids.push(&r.id);
                    }
                }
                Ok(())
            }
            OutboundContent::Template {
                name,
                language,
                components,
            } => {
                check_required("template.name", name, 512)?;
                check_required("template.language.code", language, 20)?;
                if !(components.is_null() || components.is_array()) {
                    return Err(ValidationError::param(
                        "template.components",
                        "must be an array",
                    ));
                }
                Ok(())
            }
            OutboundContent::Reaction { message_id, emoji } => {
                if message_id.trim().is_empty() {
                    return Err(ValidationError::missing("reaction.message_id"));
                }
                // One emoji may be several scalar values (ZWJ sequences, skin tones, flags).
                check_len("reaction.emoji", emoji, 16)
            }
        }
    }

    /// The exact Graph API request body.
    pub fn to_json(&self) -> Value {
        let t = self.content.type_name();
        let inner = match &self.content {
            OutboundContent::Text { body, preview_url } => {
                let mut o = json!({ "body": body });
                if *preview_url {
                    o["preview_url"] = json!(true);
                }
                o
            }
            OutboundContent::Media {
                source,
                caption,
                filename,
                ..
            } => {
                let mut o = Map::new();
                match source {
                    MediaSource::Id(id) => o.insert("id".into(), json!(id)),
                    MediaSource::Link(l) => o.insert("link".into(), json!(l)),
                };
                if let Some(c) = caption {
                    o.insert("caption".into(), json!(c));
                }
                if let Some(f) = filename {
                    o.insert("filename".into(), json!(f));
                }
                Value::Object(o)
            }
            OutboundContent::Buttons {
                body,
                header,
                footer,
                buttons,
            } => {
                let mut o = interactive_shell("button", body, header, footer);
                o["action"] = json!({
                    "buttons": buttons.iter().map(|b| json!({
                        "type": "reply", "reply": {"id": b.id, "title": b.title}
                    })).collect::<Vec<_>>()
                });
                o
            }
            OutboundContent::List {
                body,
                header,
                footer,
                button,
                sections,
            } => {
                let mut o = interactive_shell("list", body, header, footer);
                o["action"] = json!({
                    "button": button,
                    "sections": sections.iter().map(|s| {
                        let mut so = Map::new();
                        if let Some(t) = &s.title {
                            so.insert("title".into(), json!(t));
                        }
                        so.insert("rows".into(), Value::Array(s.rows.iter().map(|r| {
                            let mut ro = json!({"id": r.id, "title": r.title});
                            if let Some(d) = &r.description {
                                ro["description"] = json!(d);
                            }
                            ro
                        }).collect()));
                        Value::Object(so)
                    }).collect::<Vec<_>>()
                });
                o
            }
            OutboundContent::Template {
                name,
                language,
                components,
            } => {
                let mut o = json!({"name": name, "language": {"code": language}});
                if components.as_array().is_some_and(|a| !a.is_empty()) {
                    o["components"] = components.clone();
                }
                o
            }
            OutboundContent::Reaction { message_id, emoji } => {
                json!({"message_id": message_id, "emoji": emoji})
            }
        };
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": self.to,
            "type": t,
        });
        body[t] = inner;
        if let Some(r) = &self.reply_to {
            body["context"] = json!({ "message_id": r });
        }
        body
    }

    /// Parses a Graph API send body back into a message, strictly, as Meta would: unknown
    /// top-level keys, a wrong `messaging_product` or a missing type object are errors.
    ///
    /// Returns `Ok(None)` for valid-looking Meta types Parley does not model (location,
    /// contacts, other interactive kinds), whose object is present but not checked further.
    pub fn from_json(v: &Value) -> Result<Option<Self>, ValidationError> {
        let obj = v.as_object().ok_or_else(|| {
            ValidationError::param("(body)", "request body must be a JSON object")
        })?;
        const TOP: &[&str] = &[
            "messaging_product",
            "recipient_type",
            "to",
            "type",
            "context",
            "biz_opaque_callback_data",
        ];
        match obj.get("messaging_product").and_then(Value::as_str) {
            Some("whatsapp") => {}
            Some(other) => {
                return Err(ValidationError::param(
                    "messaging_product",
                    format!("must be \"whatsapp\" (got \"{other}\")"),
                ));
            }
            None => return Err(ValidationError::missing("messaging_product")),
        }
        if let Some(rt) = obj.get("recipient_type")
            && rt.as_str() != Some("individual")
        {
            return Err(ValidationError::param(
                "recipient_type",
                "only \"individual\" is supported",
            ));
        }
        let to = obj
            .get("to")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ValidationError::missing("to"))?
            .to_string();
        let t = match obj.get("type") {
            None => "text",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(ValidationError::param("type", "must be a string")),
        };
        const KNOWN: &[&str] = &[
            "text",
            "image",
            "video",
            "audio",
            "document",
            "sticker",
            "interactive",
            "template",
            "reaction",
            "location",
            "contacts",
        ];
        if !KNOWN.contains(&t) {
            return Err(ValidationError::param(
                "type",
                format!("unknown message type \"{t}\""),
            ));
        }
        for k in obj.keys() {
            if !TOP.contains(&k.as_str()) && k != t {
                return Err(ValidationError::param(
                    k.clone(),
                    format!("unexpected parameter \"{k}\" for a {t} message"),
                ));
            }
        }
        let reply_to = match obj.get("context") {
            None => None,
            Some(c) => Some(
                c.get("message_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ValidationError::missing("context.message_id"))?
                    .to_string(),
            ),
        };
        let inner = match obj.get(t) {
            Some(Value::Object(o)) => o,
            Some(Value::Array(_)) if t == "contacts" => return Ok(None),
            Some(_) => {
                return Err(ValidationError::param(
                    t,
                    format!("\"{t}\" must be an object"),
                ));
            }
            None => {
                return Err(ValidationError::missing(format!(
                    "{t} (object for a {t} message)"
                )));
            }
        };
        let s =
            |o: &Map<String, Value>, k: &str| o.get(k).and_then(Value::as_str).map(String::from);
        let req = |o: &Map<String, Value>, field: &str, k: &str| {
            s(o, k).ok_or_else(|| ValidationError::missing(format!("{field}.{k}")))
        };
        let allow = |o: &Map<String, Value>, field: &str, keys: &[&str]| {
            for k in o.keys() {
                if !keys.contains(&k.as_str()) {
                    return Err(ValidationError::param(
                        format!("{field}.{k}"),
                        format!("unexpected parameter \"{k}\""),
                    ));
                }
            }
            Ok(())
        };
        let content = match t {
            "text" => {
                allow(inner, "text", &["body", "preview_url"])?;
                OutboundContent::Text {
                    body: req(inner, "text", "body")?,
                    preview_url: inner
                        .get("preview_url")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                }
            }
            "image" | "video" | "audio" | "document" | "sticker" => {
                allow(inner, t, &["id", "link", "caption", "filename", "voice"])?;
                let source = match (s(inner, "id"), s(inner, "link")) {
                    (Some(_), Some(_)) => {
                        return Err(ValidationError::param(t, "use either id or link, not both"));
                    }
                    (Some(id), None) => MediaSource::Id(id),
                    (None, Some(l)) => MediaSource::Link(l),
                    (None, None) => {
                        return Err(ValidationError::missing(format!("{t}.id or {t}.link")));
                    }
                };
                OutboundContent::Media {
                    kind: MediaKind::parse(t).expect("listed above"),
                    source,
                    caption: s(inner, "caption"),
                    filename: s(inner, "filename"),
                }
            }
            "reaction" => {
                allow(inner, "reaction", &["message_id", "emoji"])?;
                OutboundContent::Reaction {
                    message_id: req(inner, "reaction", "message_id")?,
                    emoji: s(inner, "emoji").unwrap_or_default(),
                }
            }
            "template" => {
                allow(
                    inner,
                    "template",
                    &["name", "language", "components", "namespace"],
                )?;
                let language = inner
                    .get("language")
                    .and_then(|l| l.get("code"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ValidationError::missing("template.language.code"))?
                    .to_string();
                OutboundContent::Template {
                    name: req(inner, "template", "name")?,
                    language,
                    components: inner.get("components").cloned().unwrap_or(Value::Null),
                }
            }
            "interactive" => {
                let itype = req(inner, "interactive", "type")?;
                if itype != "button" && itype != "list" {
                    return Ok(None);
                }
                allow(
                    inner,
                    "interactive",
                    &["type", "header", "body", "footer", "action"],
                )?;
                let body = inner
                    .get("body")
                    .and_then(|b| b.get("text"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ValidationError::missing("interactive.body.text"))?
                    .to_string();
                let footer = match inner.get("footer") {
                    None => None,
                    Some(f) => Some(
                        f.get("text")
                            .and_then(Value::as_str)
                            .ok_or_else(|| ValidationError::missing("interactive.footer.text"))?
                            .to_string(),
                    ),
                };
                // Media headers are valid for buttons but not modelled; their shape is checked
                // here and they are dropped from the parsed value.
                let header = match inner.get("header") {
                    None => None,
                    Some(h) => match h.get("type").and_then(Value::as_str) {
                        Some("text") => Some(
                            h.get("text")
                                .and_then(Value::as_str)
                                .ok_or_else(|| ValidationError::missing("interactive.header.text"))?
                                .to_string(),
                        ),
                        Some(m @ ("image" | "video" | "document")) if itype == "button" => {
                            if !h
                                .get(m)
                                .is_some_and(|o| o.get("id").is_some() || o.get("link").is_some())
                            {
                                return Err(ValidationError::missing(format!(
                                    "interactive.header.{m}.id or link"
                                )));
                            }
                            None
                        }
                        _ => {
                            return Err(ValidationError::param(
                                "interactive.header.type",
                                "unsupported header type",
                            ));
                        }
                    },
                };
                let action = inner
                    .get("action")
                    .filter(|a| a.is_object())
                    .ok_or_else(|| ValidationError::missing("interactive.action"))?;
                if itype == "button" {
                    let raw = action
                        .get("buttons")
                        .and_then(Value::as_array)
                        .ok_or_else(|| ValidationError::missing("interactive.action.buttons"))?;
                    let mut buttons = Vec::new();
                    for (i, b) in raw.iter().enumerate() {
                        let f = format!("interactive.action.buttons[{i}]");
                        if b.get("type").and_then(Value::as_str) != Some("reply") {
                            return Err(ValidationError::param(
                                format!("{f}.type"),
                                "must be \"reply\"",
                            ));
                        }
                        let r = b
                            .get("reply")
                            .and_then(Value::as_object)
                            .ok_or_else(|| ValidationError::missing(format!("{f}.reply")))?;
                        buttons.push(ReplyButton {
                            id: req(r, &format!("{f}.reply"), "id")?,
                            title: req(r, &format!("{f}.reply"), "title")?,
                        });
                    }
                    OutboundContent::Buttons {
                        body,
                        header,
                        footer,
                        buttons,
                    }
                } else {
                    let button = action
                        .get("button")
                        .and_then(Value::as_str)
                        .ok_or_else(|| ValidationError::missing("interactive.action.button"))?
                        .to_string();
                    let raw = action
                        .get("sections")
                        .and_then(Value::as_array)
                        .ok_or_else(|| ValidationError::missing("interactive.action.sections"))?;
                    let mut sections = Vec::new();
                    for (si, sec) in raw.iter().enumerate() {
                        let sf = format!("interactive.action.sections[{si}]");
                        let rows = sec
                            .get("rows")
                            .and_then(Value::as_array)
                            .ok_or_else(|| ValidationError::missing(format!("{sf}.rows")))?;
                        let mut out_rows = Vec::new();
                        for (ri, r) in rows.iter().enumerate() {
                            let rf = format!("{sf}.rows[{ri}]");
                            let ro = r
                                .as_object()
                                .ok_or_else(|| ValidationError::param(&rf, "must be an object"))?;
                            out_rows.push(ListRow {
                                id: req(ro, &rf, "id")?,
                                title: req(ro, &rf, "title")?,
                                description: s(ro, "description"),
                            });
                        }
                        sections.push(ListSection {
                            title: sec.get("title").and_then(Value::as_str).map(String::from),
                            rows: out_rows,
                        });
                    }
                    OutboundContent::List {
                        body,
                        header,
                        footer,
                        button,
                        sections,
                    }
                }
            }
            // location / contacts: present and an object is all we check.
            _ => return Ok(None),
        };
        Ok(Some(OutboundMessage {
            to,
            content,
            reply_to,
        }))
    }

    /// Convenience constructor for a plain text message.
    pub fn text(to: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            content: OutboundContent::Text {
                body: body.into(),
                preview_url: false,
            },
            reply_to: None,
        }
    }
}

fn check_id(field: &str, id: &str, max: usize) -> Result<(), ValidationError> {
    if id.is_empty() {
        return Err(ValidationError::missing(field));
    }
    if id.trim() != id {
        return Err(ValidationError::invalid(
            field,
            "must not have leading or trailing spaces",
        ));
    }
    check_len(field, id, max)
}

fn interactive_shell(
    kind: &str,
    body: &str,
    header: &Option<String>,
    footer: &Option<String>,
) -> Value {
    let mut o = json!({"type": kind, "body": {"text": body}});
    if let Some(h) = header {
        o["header"] = json!({"type": "text", "text": h});
    }
    if let Some(f) = footer {
        o["footer"] = json!({"text": f});
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(content: OutboundContent) -> OutboundMessage {
        OutboundMessage {
            to: "+16505551234".into(),
            content,
            reply_to: None,
        }
    }

    fn buttons(titles: &[&str]) -> OutboundMessage {
        msg(OutboundContent::Buttons {
            body: "Pick".into(),
            header: None,
            footer: None,
            buttons: titles
                .iter()
                .enumerate()
                .map(|(i, t)| ReplyButton {
                    id: format!("b{i}"),
                    title: t.to_string(),
                })
                .collect(),
        })
    }

    fn list(rows_per_section: &[usize], titled: bool) -> OutboundMessage {
        msg(OutboundContent::List {
            body: "Choose".into(),
            header: None,
            footer: None,
            button: "Options".into(),
            sections: rows_per_section
                .iter()
                .enumerate()
                .map(|(si, n)| ListSection {
                    title: titled.then(|| format!("S{si}")),
                    rows: (0..*n)
                        .map(|ri| ListRow {
                            id: format!("r{si}-{ri}"),
                            title: format!("Row {ri}"),
                            description: None,
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    fn err_field(m: &OutboundMessage) -> String {
        m.validate().unwrap_err().field
    }

    #[test]
    fn text_limits_count_chars() {
        let ok = OutboundMessage::text("1", "é".repeat(TEXT_MAX));
        assert!(
            ok.validate().is_ok(),
            "4096 two-byte chars are within limit"
        );
        let long = OutboundMessage::text("1", "a".repeat(TEXT_MAX + 1));
        let e = long.validate().unwrap_err();
        assert_eq!(e.field, "text.body");
        assert_eq!(e.code, CODE_INVALID_VALUE);
        assert!(e.to_string().contains("4096"), "{e}");
        let empty = OutboundMessage::text("1", "  ");
        assert_eq!(empty.validate().unwrap_err().code, CODE_MISSING_PARAMETER);
        assert_eq!(err_field(&OutboundMessage::text("", "hi")), "to");
    }

    #[test]
    fn media_caption_rules() {
        let m = |kind, caption: Option<&str>| {
            msg(OutboundContent::Media {
                kind,
                source: MediaSource::Id("123".into()),
                caption: caption.map(String::from),
                filename: None,
            })
        };
        assert!(m(MediaKind::Image, Some("ok")).validate().is_ok());
        assert_eq!(err_field(&m(MediaKind::Audio, Some("no"))), "audio.caption");
        assert_eq!(
            err_field(&m(MediaKind::Sticker, Some("no"))),
            "sticker.caption"
        );
        let long = "x".repeat(CAPTION_MAX + 1);
        assert_eq!(
            err_field(&m(MediaKind::Video, Some(&long))),
            "video.caption"
        );
        assert!(
            m(MediaKind::Document, Some(&"x".repeat(CAPTION_MAX)))
                .validate()
                .is_ok()
        );
        let bad_link = msg(OutboundContent::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("ftp://x".into()),
            caption: None,
            filename: None,
        });
        assert_eq!(err_field(&bad_link), "image.link");
    }

    #[test]
    fn button_rules() {
        assert!(buttons(&["Yes", "No", "Maybe"]).validate().is_ok());
        assert!(err_field(&buttons(&[])).ends_with("buttons"));
        assert!(err_field(&buttons(&["a", "b", "c", "d"])).ends_with("buttons"));
        assert_eq!(
            err_field(&buttons(&["Yes", "Yes"])),
            "interactive.action.buttons[1].reply.title"
        );
        assert_eq!(
            err_field(&buttons(&["123456789012345678901"])),
            "interactive.action.buttons[0].reply.title"
        );
        // 20 emoji are 20 chars even though they are 80 bytes.
        assert!(buttons(&["😀".repeat(20).as_str()]).validate().is_ok());
        assert_eq!(
            err_field(&buttons(&[""])),
            "interactive.action.buttons[0].reply.title"
        );
        let mut spaced = buttons(&["A"]);
        if let OutboundContent::Buttons {
            buttons, footer, ..
        } = &mut spaced.content
        {
            buttons[0].id = " x".into();
            *footer = None;
        }
        assert_eq!(err_field(&spaced), "interactive.action.buttons[0].reply.id");
        let mut long_id = buttons(&["A"]);
        if let OutboundContent::Buttons { buttons, .. } = &mut long_id.content {
            buttons[0].id = "i".repeat(BUTTON_ID_MAX + 1);
        }
        assert_eq!(
            err_field(&long_id),
            "interactive.action.buttons[0].reply.id"
        );
        let mut footer = buttons(&["A"]);
        if let OutboundContent::Buttons {
            footer: f,
            header,
            body,
            ..
        } = &mut footer.content
        {
            *f = Some("f".repeat(FOOTER_MAX + 1));
            *header = None;
            *body = "ok".into();
        }
        assert_eq!(err_field(&footer), "interactive.footer.text");
        let mut header = buttons(&["A"]);
        if let OutboundContent::Buttons { header: h, .. } = &mut header.content {
            *h = Some("h".repeat(HEADER_MAX + 1));
        }
        assert_eq!(err_field(&header), "interactive.header.text");
        let mut body = buttons(&["A"]);
        if let OutboundContent::Buttons { body: b, .. } = &mut body.content {
            *b = "b".repeat(INTERACTIVE_BODY_MAX + 1);
        }
        assert_eq!(err_field(&body), "interactive.body.text");
    }

    #[test]
    fn list_rules() {
        assert!(list(&[10], false).validate().is_ok());
        assert!(list(&[5, 5], true).validate().is_ok());
        let e = list(&[6, 5], true).validate().unwrap_err();
        assert!(e.message.contains("11"), "{e}");
        assert!(err_field(&list(&[1, 1], false)).contains("sections[0].title"));
        assert!(err_field(&list(&[], false)).ends_with("sections"));
        let mut l = list(&[1], false);
        if let OutboundContent::List {
            sections, button, ..
        } = &mut l.content
        {
            sections[0].rows[0].title = "t".repeat(ROW_TITLE_MAX + 1);
            *button = "ok".into();
        }
        assert_eq!(
            err_field(&l),
            "interactive.action.sections[0].rows[0].title"
        );
        let mut l = list(&[1], false);
        if let OutboundContent::List { sections, .. } = &mut l.content {
            sections[0].rows[0].description = Some("d".repeat(ROW_DESCRIPTION_MAX + 1));
        }
        assert_eq!(
            err_field(&l),
            "interactive.action.sections[0].rows[0].description"
        );
        let mut l = list(&[1], false);
        if let OutboundContent::List { sections, .. } = &mut l.content {
            sections[0].rows[0].id = "i".repeat(ROW_ID_MAX + 1);
        }
        assert_eq!(err_field(&l), "interactive.action.sections[0].rows[0].id");
        let mut l = list(&[1], false);
        if let OutboundContent::List { button, .. } = &mut l.content {
            *button = "b".repeat(LIST_BUTTON_MAX + 1);
        }
        assert_eq!(err_field(&l), "interactive.action.button");
    }

    #[test]
    fn reaction_cannot_quote() {
        let mut r = msg(OutboundContent::Reaction {
            message_id: "wamid.X".into(),
            emoji: "👍".into(),
        });
        assert!(r.validate().is_ok());
        r.reply_to = Some("wamid.Y".into());
        assert_eq!(err_field(&r), "context");
    }

    #[test]
    fn json_roundtrip_through_from_json() {
        let mut cases = vec![
            OutboundMessage::text("1", "hello"),
            buttons(&["Yes", "No"]),
            list(&[2, 3], true),
            msg(OutboundContent::Media {
                kind: MediaKind::Document,
                source: MediaSource::Link("https://example.com/a.pdf".into()),
                caption: Some("c".into()),
                filename: Some("a.pdf".into()),
            }),
            msg(OutboundContent::Template {
                name: "hello_world".into(),
                language: "en_US".into(),
                components: json!([{"type": "body", "parameters": [{"type": "text", "text": "x"}]}]),
            }),
            msg(OutboundContent::Reaction {
                message_id: "wamid.X".into(),
                emoji: "".into(),
            }),
        ];
        cases[0].reply_to = Some("wamid.Q".into());
        for m in cases {
            let parsed = OutboundMessage::from_json(&m.to_json()).unwrap().unwrap();
            assert_eq!(parsed, m);
        }
    }

    #[test]
    fn from_json_rejects_like_meta() {
        let base = OutboundMessage::text("1", "hi").to_json();
        let mut extra = base.clone();
        extra["surprise"] = json!(1);
        let e = OutboundMessage::from_json(&extra).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            (CODE_INVALID_PARAMETER, "surprise")
        );
        let mut wrong_product = base.clone();
        wrong_product["messaging_product"] = json!("sms");
        assert_eq!(
            OutboundMessage::from_json(&wrong_product).unwrap_err().code,
            100
        );
        let mut no_to = base.clone();
        no_to.as_object_mut().unwrap().remove("to");
        assert_eq!(OutboundMessage::from_json(&no_to).unwrap_err().field, "to");
        let mut unknown_type = base.clone();
        unknown_type["type"] = json!("hologram");
        assert_eq!(
            OutboundMessage::from_json(&unknown_type).unwrap_err().field,
            "type"
        );
        let mut missing_obj = base.clone();
        missing_obj["type"] = json!("image");
        missing_obj.as_object_mut().unwrap().remove("text");
        let e = OutboundMessage::from_json(&missing_obj).unwrap_err();
        assert!(e.field.starts_with("image"), "{e}");
        let location = json!({"messaging_product": "whatsapp", "to": "1", "type": "location",
            "location": {"latitude": 1.0, "longitude": 2.0}});
        assert_eq!(OutboundMessage::from_json(&location).unwrap(), None);
    }
}
