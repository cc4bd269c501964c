//! Message templates: what `GET /{waba-id}/message_templates` returns, the parameters a
//! template takes, the `components` array a send needs, and the check Meta applies to it.
//!
//! Templates are the only messages Meta delivers once the 24-hour window has closed, and a
//! template send with the wrong parameters fails at Meta (132000, 132012) after the agent has
//! moved on. Knowing each template's parameters lets the reply box ask for exactly those and
//! refuse a bad send with a readable reason before it is queued.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Meta's limit on a header text parameter.
pub const HEADER_PARAM_MAX: usize = 60;
/// Meta's limit on a body text parameter.
pub const BODY_PARAM_MAX: usize = 1024;

/// One template translation as Meta lists it. `status` and `category` stay strings: Meta adds
/// values (`IN_APPEAL`, `LIMIT_EXCEEDED`, `PENDING_DELETION`…) and an unknown one must not
/// fail a whole sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageTemplate {
    /// Meta's template id (a numeric string).
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    pub name: String,
    /// e.g. `en_US`.
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`…
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    #[serde(default)]
    pub category: String,
    /// `POSITIONAL` (also when absent) or `NAMED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<String>,
    /// Meta's components, verbatim (`HEADER`, `BODY`, `FOOTER`, `BUTTONS`…).
    #[serde(default)]
    pub components: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number id, got {other}"
        ))),
    }
}

/// One page of `GET /{waba-id}/message_templates`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplatePage {
    pub templates: Vec<MessageTemplate>,
    /// Entries of `data` that did not read as a template, with the reason.
    pub skipped: Vec<String>,
    /// `paging.cursors.after`.
    pub after: Option<String>,
    /// `paging.next`: present only when there is another page.
    pub next: Option<String>,
}

impl TemplatePage {
    /// Reads a page, keeping every well-formed template even if a neighbour is not.
    pub fn from_json(v: &Value) -> Result<TemplatePage, String> {
        let data = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or("the response has no data array")?;
        let mut page = TemplatePage::default();
        for (i, t) in data.iter().enumerate() {
            match serde_json::from_value::<MessageTemplate>(t.clone()) {
                Ok(t) => page.templates.push(t),
                Err(e) => page.skipped.push(format!("data[{i}]: {e}")),
            }
        }
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        page.after = s("/paging/cursors/after");
        page.next = s("/paging/next");
        Ok(page)
    }
}

impl MessageTemplate {
    pub fn is_approved(&self) -> bool {
        self.status.eq_ignore_ascii_case("APPROVED")
    }

    pub fn named(&self) -> bool {
        self.parameter_format
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case("NAMED"))
    }

    fn component(&self, kind: &str) -> Option<&Value> {
        self.components.iter().find(|c| {
            c.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(kind))
        })
    }

    fn text_of(&self, kind: &str) -> Option<&str> {
        self.component(kind)
            .and_then(|c| c.get("text"))
            .and_then(Value::as_str)
    }

    fn buttons(&self) -> Vec<&Value> {
        self.component("BUTTONS")
            .and_then(|c| c.get("buttons"))
            .and_then(Value::as_array)
            .map(|b| b.iter().collect())
            .unwrap_or_default()
    }

    /// The header's format in lower case (`text`, `image`, `video`, `document`, `location`).
    pub fn header_format(&self) -> Option<String> {
        self.component("HEADER").map(|h| {
            h.get("format")
                .and_then(Value::as_str)
                .unwrap_or("TEXT")
                .to_ascii_lowercase()
        })
    }

    pub fn body_text(&self) -> Option<&str> {
        self.text_of("BODY")
    }

    /// Every value a send of this template needs, in the order Meta expects them.
    pub fn parameters(&self) -> Vec<TemplateParam> {
        let mut out = Vec::new();
        let example_at = |c: &Value, positional: &str, named: &str, name: &str, i: usize| {
            let ex = c.get("example")?;
            if let Some(list) = ex.get(named).and_then(Value::as_array) {
                return list
                    .iter()
                    .find(|p| p.get("param_name").and_then(Value::as_str) == Some(name))
                    .and_then(|p| p.get("example"))
                    .and_then(Value::as_str)
                    .map(String::from);
            }
            let list = ex.get(positional)?;
            // body_text is a list of lists (one per example set); header_text is flat.
            let flat = match list.get(0) {
                Some(Value::Array(first)) => first.clone(),
                _ => list.as_array().cloned().unwrap_or_default(),
            };
            flat.get(i).and_then(Value::as_str).map(String::from)
        };
        if let Some(h) = self.component("HEADER") {
            let format = self.header_format().unwrap_or_else(|| "text".into());
            if format == "text" {
                let text = h.get("text").and_then(Value::as_str).unwrap_or_default();
                for (i, name) in placeholders(text).into_iter().enumerate() {
                    out.push(TemplateParam {
                        key: format!("header.{name}"),
                        component: "header",
                        kind: "text",
                        example: example_at(h, "header_text", "header_text_named_params", &name, i),
                        label: format!("Header {{{{{name}}}}}"),
                        name,
                        max_len: Some(HEADER_PARAM_MAX),
                    });
                }
            } else if matches!(format.as_str(), "image" | "video" | "document" | "location") {
                let example = h
                    .pointer("/example/header_handle/0")
                    .and_then(Value::as_str)
                    .map(String::from);
                out.push(TemplateParam {
                    key: "header".into(),
                    component: "header",
                    kind: match format.as_str() {
                        "image" => "image",
                        "video" => "video",
                        "document" => "document",
                        _ => "location",
                    },
                    name: format.clone(),
                    example,
                    label: match format.as_str() {
                        "location" => "Header location".into(),
                        f => format!("Header {f} (link)"),
                    },
                    max_len: None,
                });
            }
        }
        if let Some(b) = self.component("BODY") {
            let text = b.get("text").and_then(Value::as_str).unwrap_or_default();
            for (i, name) in placeholders(text).into_iter().enumerate() {
                out.push(TemplateParam {
                    key: format!("body.{name}"),
                    component: "body",
                    kind: "text",
                    example: example_at(b, "body_text", "body_text_named_params", &name, i),
                    label: format!("{{{{{name}}}}}"),
                    name,
                    max_len: Some(BODY_PARAM_MAX),
                });
            }
        }
        for (index, b) in self.buttons().into_iter().enumerate() {
            let kind = b
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_uppercase();
            let label = b.get("text").and_then(Value::as_str).unwrap_or("button");
            match kind.as_str() {
                "URL" => {
                    let url = b.get("url").and_then(Value::as_str).unwrap_or_default();
                    if placeholders(url).is_empty() {
                        continue;
                    }
                    // Meta's example is the whole URL; the agent types only the part that varies.
                    let prefix = url.split("{{").next().unwrap_or_default();
                    let example = b
                        .pointer("/example/0")
                        .and_then(Value::as_str)
                        .map(|e| e.strip_prefix(prefix).unwrap_or(e).to_string());
                    out.push(TemplateParam {
                        key: format!("button.{index}"),
                        component: "button",
                        kind: "url",
                        name: "1".into(),
                        example,
                        label: format!("“{label}” link: {prefix}…"),
                        max_len: None,
                    });
                }
                "COPY_CODE" => out.push(TemplateParam {
                    key: format!("button.{index}"),
                    component: "button",
                    kind: "coupon_code",
                    name: "coupon_code".into(),
                    example: b
                        .pointer("/example/0")
                        .or(b.get("example"))
                        .and_then(Value::as_str)
                        .map(String::from),
                    label: format!("“{label}” code"),
                    max_len: Some(15),
                }),
                _ => {}
            }
        }
        out
    }

    /// The send's `components` from the agent's values, keyed as in [`Self::parameters`].
    pub fn build_components(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<Value, TemplateParamError> {
        let params = self.parameters();
        if let Some(unknown) = values.keys().find(|k| !params.iter().any(|p| &p.key == *k)) {
            return Err(TemplateParamError::Unknown {
                key: unknown.clone(),
                expected: params.iter().map(|p| p.key.clone()).collect(),
            });
        }
        let named = self.named();
        let mut header = Vec::new();
        let mut body = Vec::new();
        let mut buttons = Vec::new();
        for p in &params {
            let value = values
                .get(&p.key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| TemplateParamError::Missing {
                    key: p.key.clone(),
                    label: p.label.clone(),
                })?;
            if let Some(max) = p.max_len
                && value.chars().count() > max
            {
                return Err(TemplateParamError::TooLong {
                    key: p.key.clone(),
                    max,
                });
            }
            let text_param = |value: &str| {
                let mut t = json!({"type": "text", "text": value});
                if named {
                    t["parameter_name"] = json!(p.name);
                }
                t
            };
            match (p.component, p.kind) {
                ("header", "text") => header.push(text_param(value)),
                ("header", "location") => {
                    return Err(TemplateParamError::Unsupported {
                        key: p.key.clone(),
                        why: "location headers need coordinates; send this template through the API with components".into(),
                    });
                }
                ("header", media) => {
                    let source = if value.starts_with("https://") || value.starts_with("http://") {
                        json!({"link": value})
                    } else {
                        json!({"id": value})
                    };
                    header.push(json!({"type": media, media: source}));
                }
                ("body", _) => body.push(text_param(value)),
                ("button", kind) => {
                    let index: usize = p.key["button.".len()..].parse().unwrap_or(0);
                    let param = if kind == "coupon_code" {
                        json!({"type": "coupon_code", "coupon_code": value})
                    } else {
                        json!({"type": "text", "text": value})
                    };
                    buttons.push(json!({
                        "type": "button",
                        "sub_type": if kind == "coupon_code" { "copy_code" } else { "url" },
                        "index": index.to_string(),
                        "parameters": [param],
                    }));
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        if !header.is_empty() {
            out.push(json!({"type": "header", "parameters": header}));
        }
        if !body.is_empty() {
            out.push(json!({"type": "body", "parameters": body}));
        }
        out.extend(buttons);
        Ok(Value::Array(out))
    }

    /// The text the customer reads, with the agent's values in place of the placeholders
    /// (placeholders without a value stay as they are).
    pub fn render(&self, values: &BTreeMap<String, String>) -> RenderedTemplate {
        let fill = |text: &str, component: &str| {
            let mut out = text.to_string();
            for name in placeholders(text) {
                if let Some(v) = values.get(&format!("{component}.{name}")) {
                    out = out.replace(&format!("{{{{{name}}}}}"), v);
                }
            }
            out
        };
        RenderedTemplate {
            header: self
                .header_format()
                .filter(|f| f == "text")
                .and_then(|_| self.text_of("HEADER"))
                .map(|t| fill(t, "header")),
            body: self
                .body_text()
                .map(|t| fill(t, "body"))
                .unwrap_or_default(),
            footer: self.text_of("FOOTER").map(String::from),
            buttons: self
                .buttons()
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str).map(String::from))
                .collect(),
        }
    }

    /// Checks a send's `components` against this template as Meta does: the number of
    /// parameters per component (132000) and their names for named templates (132012).
    pub fn check_send(&self, components: &Value) -> Result<(), TemplateMismatch> {
        let sent: &[Value] = components.as_array().map(Vec::as_slice).unwrap_or(&[]);
        let of_type = |t: &str| -> Vec<&Value> {
            sent.iter()
                .filter(|c| {
                    c.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case(t))
                })
                .collect()
        };
        let params_of = |c: Option<&&Value>| -> Vec<Value> {
            c.and_then(|c| c.get("parameters"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let count = |what: &str, got: usize, want: usize| {
            if got == want {
                Ok(())
            } else {
                Err(TemplateMismatch {
                    code: 132000,
                    details: format!(
                        "{what}: number of localizable_params ({got}) does not match the expected number of params ({want})"
                    ),
                })
            }
        };
        let names = |what: &str, got: &[Value], want: &[String]| {
            if !self.named() {
                return Ok(());
            }
            for (g, w) in got.iter().zip(want) {
                let n = g.get("parameter_name").and_then(Value::as_str);
                if n != Some(w.as_str()) {
                    return Err(TemplateMismatch {
                        code: 132012,
                        details: format!(
                            "{what}: expected parameter_name \"{w}\", got {}",
                            n.map(|n| format!("\"{n}\"")).unwrap_or("none".into())
                        ),
                    });
                }
            }
            Ok(())
        };
        let header_want: Vec<String> = match self.header_format().as_deref() {
            Some("text") => placeholders(self.text_of("HEADER").unwrap_or_default()),
            Some(_) => vec!["media".into()],
            None => vec![],
        };
        let header = params_of(of_type("header").first());
        count("header", header.len(), header_want.len())?;
        if self.header_format().as_deref() == Some("text") {
            names("header", &header, &header_want)?;
        } else if let (Some(f), Some(p)) = (self.header_format(), header.first()) {
            let t = p.get("type").and_then(Value::as_str).unwrap_or_default();
            if t != f {
                return Err(TemplateMismatch {
                    code: 132012,
                    details: format!("header: expected a {f} parameter, got {t:?}"),
                });
            }
        }
        let body_want = placeholders(self.body_text().unwrap_or_default());
        let body = params_of(of_type("body").first());
        count("body", body.len(), body_want.len())?;
        names("body", &body, &body_want)?;
        let sent_buttons = of_type("button");
        for (index, b) in self.buttons().into_iter().enumerate() {
            let kind = b
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_uppercase();
            let want = match kind.as_str() {
                "URL" => placeholders(b.get("url").and_then(Value::as_str).unwrap_or_default())
                    .len()
                    .min(1),
                "COPY_CODE" => 1,
                _ => continue,
            };
            let got = sent_buttons
                .iter()
                .find(|c| match c.get("index") {
                    Some(Value::String(s)) => s.parse::<usize>().ok() == Some(index),
                    Some(Value::Number(n)) => n.as_u64() == Some(index as u64),
                    _ => false,
                })
                .map(|c| params_of(Some(c)).len())
                .unwrap_or(0);
            count(&format!("button {index}"), got, want)?;
        }
        Ok(())
    }
}

/// A value the agent supplies for a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateParam {
    /// The key of the value: `header` (media), `header.1`, `body.1`, `body.first_name`,
    /// `button.0` (the URL suffix or code of the first button).
    pub key: String,
    /// `header`, `body` or `button`.
    pub component: &'static str,
    /// `text`, `image`, `video`, `document`, `location`, `url` or `coupon_code`.
    pub kind: &'static str,
    /// The placeholder's name (`1`, `first_name`).
    pub name: String,
    /// Meta's example value, if the template has one.
    pub example: Option<String>,
    /// A label for the field.
    pub label: String,
    pub max_len: Option<usize>,
}

/// What the customer reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedTemplate {
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<String>,
}

/// Why an agent's values do not make a send of a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateParamError {
    #[error("{label} needs a value")]
    Missing { key: String, label: String },
    #[error("unknown parameter {key:?}; this template takes {}", if expected.is_empty() { "no parameters".to_string() } else { expected.join(", ") })]
    Unknown { key: String, expected: Vec<String> },
    #[error("{key} is longer than WhatsApp's {max} characters")]
    TooLong { key: String, max: usize },
    #[error("{key}: {why}")]
    Unsupported { key: String, why: String },
}

/// A send whose parameters do not fit the template, with Meta's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("(#{code}) {details}")]
pub struct TemplateMismatch {
    /// 132000 (parameter count) or 132012 (parameter format).
    pub code: i64,
    pub details: String,
}

/// The distinct `{{n}}` / `{{name}}` placeholders of a text. Positional ones come in
/// numeric order (Meta fills them in that order), named ones in order of appearance.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    if out.iter().all(|n| n.chars().all(|c| c.is_ascii_digit())) {
        out.sort_by_key(|n| n.parse::<u32>().unwrap_or(u32::MAX));
    }
    out
}

/// A `message_template_status_update` webhook value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateStatusUpdate {
    /// The new status: `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, `PENDING_DELETION`…
    pub event: String,
    pub template_id: Option<String>,
    pub name: Option<String>,
    /// As Meta wrote it; the webhook has used both `en_US` and `en-US`.
    pub language: Option<String>,
    /// `NONE` is Meta's "no reason" and reads as none.
    pub reason: Option<String>,
}

impl TemplateStatusUpdate {
    pub fn from_value(v: &Value) -> Option<TemplateStatusUpdate> {
        let s = |k: &str| match v.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Some(TemplateStatusUpdate {
            event: s("event")?.to_ascii_uppercase(),
            template_id: s("message_template_id"),
            name: s("message_template_name"),
            language: s("message_template_language"),
            reason: s("reason").filter(|r| r != "NONE"),
        })
    }
}

/// Meta's language codes use `_`; some webhook samples write `-`.
pub fn normalise_language(code: &str) -> String {
    code.replace('-', "_")
}

/// A realistic set of templates for the fake Graph API and the demo: positional and named
/// parameters, text and image headers, URL, quick-reply and phone buttons, several languages
/// and every common status.
pub fn sample_templates() -> Vec<MessageTemplate> {
    let t = |v: Value| serde_json::from_value::<MessageTemplate>(v).expect("sample template");
    vec![
        t(json!({
            "name": "hello_world", "parameter_format": "POSITIONAL", "language": "en_US",
            "status": "APPROVED", "category": "UTILITY", "id": "1192339204654487",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},
                {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"}
            ]
        })),
        t(json!({
            "name": "order_update", "parameter_format": "POSITIONAL", "language": "en_US",
            "status": "APPROVED", "category": "UTILITY", "id": "1402839511852347",
            "components": [
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped and should arrive by {{3}}.",
                 "example": {"body_text": [["Ana", "10042", "Friday"]]}},
                {"type": "FOOTER", "text": "Parley Shop"},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Track order", "url": "https://shop.example.com/track/{{1}}",
                     "example": ["https://shop.example.com/track/10042"]},
                    {"type": "QUICK_REPLY", "text": "Talk to support"}
                ]}
            ]
        })),
        t(json!({
            "name": "order_update", "parameter_format": "POSITIONAL", "language": "es_ES",
            "status": "APPROVED", "category": "UTILITY", "id": "1402839511852348",
            "components": [
                {"type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} ya está en camino y llegará el {{3}}.",
                 "example": {"body_text": [["Ana", "10042", "viernes"]]}},
                {"type": "FOOTER", "text": "Parley Shop"},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Seguir pedido", "url": "https://shop.example.com/track/{{1}}",
                     "example": ["https://shop.example.com/track/10042"]},
                    {"type": "QUICK_REPLY", "text": "Hablar con soporte"}
                ]}
            ]
        })),
        t(json!({
            "name": "appointment_reminder", "parameter_format": "NAMED", "language": "en_US",
            "status": "APPROVED", "category": "UTILITY", "id": "2011562389107721",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Your fitting on {{date}}",
                 "example": {"header_text_named_params": [{"param_name": "date", "example": "12 March"}]}},
                {"type": "BODY", "text": "Hello {{first_name}}, this is a reminder of your fitting at {{store}} at {{time}}. Reply to change it.",
                 "example": {"body_text_named_params": [
                     {"param_name": "first_name", "example": "Ana"},
                     {"param_name": "store", "example": "Berlin Mitte"},
                     {"param_name": "time", "example": "10:30"}
                 ]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "PHONE_NUMBER", "text": "Call the store", "phone_number": "+15550783881"}
                ]}
            ]
        })),
        t(json!({
            "name": "spring_sale", "parameter_format": "POSITIONAL", "language": "en_US",
            "status": "APPROVED", "category": "MARKETING", "id": "874120993318806",
            "components": [
                {"type": "HEADER", "format": "IMAGE",
                 "example": {"header_handle": ["https://scontent.whatsapp.net/v/t61.29466-34/spring_sale.jpg"]}},
                {"type": "BODY", "text": "Hi {{1}}! Our spring sale starts today: {{2}} off everything in store and online.",
                 "example": {"body_text": [["Ana", "20%"]]}},
                {"type": "FOOTER", "text": "Reply STOP to opt out"},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop promotions"}]}
            ]
        })),
        t(json!({
            "name": "feedback_request", "parameter_format": "POSITIONAL", "language": "en_US",
            "status": "PENDING", "category": "MARKETING", "id": "990145277061532",
            "components": [
                {"type": "BODY", "text": "How did we do, {{1}}? Tap to rate your last visit.",
                 "example": {"body_text": [["Ana"]]}}
            ]
        })),
        t(json!({
            "name": "refund_processed", "parameter_format": "POSITIONAL", "language": "pt_BR",
            "status": "REJECTED", "category": "UTILITY", "id": "1730994106512870",
            "rejected_reason": "INVALID_FORMAT",
            "components": [
                {"type": "BODY", "text": "Olá {{1}}, o seu reembolso de {{2}} foi processado.",
                 "example": {"body_text": [["Ana", "R$ 120,00"]]}}
            ]
        })),
        t(json!({
            "name": "winter_clearance", "parameter_format": "POSITIONAL", "language": "en_US",
            "status": "PAUSED", "category": "MARKETING", "id": "622810397741155",
            "components": [
                {"type": "BODY", "text": "Last days of the winter clearance, {{1}}!",
                 "example": {"body_text": [["Ana"]]}}
            ]
        })),
    ]
}

/// Values keyed as [`MessageTemplate::parameters`] from a JSON object of strings.
pub fn values_from_json(v: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    v.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            _ => Err(format!("parameter {k:?} must be a string")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sample(name: &str, lang: &str) -> MessageTemplate {
        sample_templates()
            .into_iter()
            .find(|t| t.name == name && t.language == lang)
            .unwrap()
    }

    #[test]
    fn placeholders_in_order() {
        assert_eq!(
            placeholders("{{2}} then {{1}} and {{10}} {{1}}"),
            ["1", "2", "10"]
        );
        assert_eq!(
            placeholders("Hi {{first_name}}, {{ store }}"),
            ["first_name", "store"]
        );
        assert_eq!(placeholders("no {{}} {{a b}} {{x"), Vec::<String>::new());
    }

    #[test]
    fn page_reads_meta_shape_and_keeps_good_neighbours() {
        let v = json!({
            "data": [
                {"name": "hello_world", "components": [{"type": "BODY", "text": "Hi"}],
                 "language": "en_US", "status": "APPROVED", "category": "UTILITY", "id": 1192339204654487u64},
                {"name": "broken"}
            ],
            "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"},
                       "next": "https://graph.facebook.com/v24.0/102290129340398/message_templates?limit=2&after=MjQZD"}
        });
        let p = TemplatePage::from_json(&v).unwrap();
        assert_eq!(p.templates.len(), 1);
        assert_eq!(p.templates[0].id, "1192339204654487");
        assert_eq!(p.skipped.len(), 1, "{:?}", p.skipped);
        assert_eq!(p.after.as_deref(), Some("MjQZD"));
        assert!(p.next.unwrap().ends_with("after=MjQZD"));
        let last = TemplatePage::from_json(
            &json!({"data": [], "paging": {"cursors": {"before": "a", "after": "b"}}}),
        )
        .unwrap();
        assert_eq!(last.next, None);
        assert!(TemplatePage::from_json(&json!({"error": {}})).is_err());
    }

    #[test]
    fn positional_body_and_url_button() {
        let t = sample("order_update", "en_US");
        let keys: Vec<_> = t
            .parameters()
            .into_iter()
            .map(|p| (p.key, p.example))
            .collect();
        assert_eq!(
            keys,
            [
                ("body.1".to_string(), Some("Ana".to_string())),
                ("body.2".into(), Some("10042".into())),
                ("body.3".into(), Some("Friday".into())),
                ("button.0".into(), Some("10042".into())),
            ]
        );
        let c = t
            .build_components(&values(&[
                ("body.1", "Ana"),
                ("body.2", "10043"),
                ("body.3", "Monday"),
                ("button.0", "10043"),
            ]))
            .unwrap();
        assert_eq!(
            c,
            json!([
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"}, {"type": "text", "text": "10043"},
                    {"type": "text", "text": "Monday"}]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": "10043"}]}
            ])
        );
        t.check_send(&c).unwrap();
        assert_eq!(
            t.render(&values(&[
                ("body.1", "Ana"),
                ("body.2", "1"),
                ("body.3", "Monday")
            ]))
            .body,
            "Hi Ana, your order 1 has shipped and should arrive by Monday."
        );
    }

    #[test]
    fn named_params_and_text_header() {
        let t = sample("appointment_reminder", "en_US");
        let v = values(&[
            ("header.date", "3 April"),
            ("body.first_name", "Ana"),
            ("body.store", "Mitte"),
            ("body.time", "11:00"),
        ]);
        let c = t.build_components(&v).unwrap();
        assert_eq!(
            c[0],
            json!({"type": "header", "parameters": [{"type": "text", "text": "3 April", "parameter_name": "date"}]})
        );
        assert_eq!(
            c[1]["parameters"][2],
            json!({"type": "text", "text": "11:00", "parameter_name": "time"})
        );
        t.check_send(&c).unwrap();
        let mut wrong = c.clone();
        wrong[1]["parameters"][0]["parameter_name"] = json!("name");
        assert_eq!(t.check_send(&wrong).unwrap_err().code, 132012);
        let r = t.render(&v);
        assert_eq!(r.header.as_deref(), Some("Your fitting on 3 April"));
        assert!(
            r.body
                .starts_with("Hello Ana, this is a reminder of your fitting at Mitte at 11:00.")
        );
        assert_eq!(r.buttons, ["Call the store"]);
    }

    #[test]
    fn image_header_takes_a_link_or_a_media_id() {
        let t = sample("spring_sale", "en_US");
        let p = t.parameters();
        assert_eq!((p[0].key.as_str(), p[0].kind), ("header", "image"));
        assert!(p[0].example.as_deref().unwrap().starts_with("https://"));
        let c = t
            .build_components(&values(&[
                ("header", "https://cdn.example.com/sale.jpg"),
                ("body.1", "Ana"),
                ("body.2", "25%"),
            ]))
            .unwrap();
        assert_eq!(
            c[0],
            json!({"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/sale.jpg"}}]})
        );
        t.check_send(&c).unwrap();
        let c = t
            .build_components(&values(&[
                ("header", "1013859600285441"),
                ("body.1", "A"),
                ("body.2", "B"),
            ]))
            .unwrap();
        assert_eq!(
            c[0]["parameters"][0]["image"],
            json!({"id": "1013859600285441"})
        );
    }

    #[test]
    fn clear_errors_for_wrong_values() {
        let t = sample("order_update", "en_US");
        let e = t
            .build_components(&values(&[
                ("body.1", "Ana"),
                ("body.2", "1"),
                ("button.0", "1"),
            ]))
            .unwrap_err();
        assert_eq!(e.to_string(), "{{3}} needs a value");
        let e = t.build_components(&values(&[("body.4", "x")])).unwrap_err();
        assert!(
            e.to_string().contains("body.1, body.2, body.3, button.0"),
            "{e}"
        );
        let e = t
            .build_components(&values(&[
                ("body.1", &"x".repeat(1025)),
                ("body.2", "1"),
                ("body.3", "1"),
                ("button.0", "1"),
            ]))
            .unwrap_err();
        assert!(matches!(e, TemplateParamError::TooLong { max: 1024, .. }));
        let hello = sample("hello_world", "en_US");
        assert!(hello.parameters().is_empty());
        assert_eq!(hello.build_components(&BTreeMap::new()).unwrap(), json!([]));
        assert!(hello.build_components(&values(&[("body.1", "x")])).is_err());
    }

    #[test]
    fn check_send_counts_like_meta() {
        let t = sample("order_update", "en_US");
        let e = t
            .check_send(&json!([{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]))
            .unwrap_err();
        assert_eq!(e.code, 132000);
        assert_eq!(
            e.details,
            "body: number of localizable_params (1) does not match the expected number of params (3)"
        );
        // All body parameters right, the URL button's suffix missing.
        let e = t
            .check_send(&json!([{"type": "body", "parameters": [
                {"type": "text", "text": "a"}, {"type": "text", "text": "b"}, {"type": "text", "text": "c"}]}]))
            .unwrap_err();
        assert!(e.details.starts_with("button 0:"), "{e}");
        let hello = sample("hello_world", "en_US");
        hello.check_send(&Value::Null).unwrap();
        assert_eq!(
            hello
                .check_send(
                    &json!([{"type": "body", "parameters": [{"type": "text", "text": "x"}]}])
                )
                .unwrap_err()
                .code,
            132000
        );
    }

    #[test]
    fn status_update_webhook_value() {
        // The shape of Meta's message_template_status_update reference.
        let v = json!({"event": "REJECTED", "message_template_id": 1689556908129832u64,
            "message_template_name": "order_confirmation", "message_template_language": "en-US",
            "reason": "INVALID_FORMAT"});
        let u = TemplateStatusUpdate::from_value(&v).unwrap();
        assert_eq!(u.event, "REJECTED");
        assert_eq!(u.template_id.as_deref(), Some("1689556908129832"));
        assert_eq!(normalise_language(u.language.as_deref().unwrap()), "en_US");
        assert_eq!(u.reason.as_deref(), Some("INVALID_FORMAT"));
        let none =
            TemplateStatusUpdate::from_value(&json!({"event": "APPROVED", "reason": "NONE"}))
                .unwrap();
        assert_eq!(none.reason, None);
        assert!(
            TemplateStatusUpdate::from_value(&json!({"previous_quality_score": "GREEN"})).is_none()
        );
    }
}
