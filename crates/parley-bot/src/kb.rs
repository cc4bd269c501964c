//! The knowledge base: intents the business writes as plain files.
//!
//! A folder of `*.toml` files (read in name order), each holding any number
//! of intents:
//!
//! ```toml
//! [[intent]]
//! name = "returns"
//! examples = ["I want to send this back", "how do I return my purchase"]
//! answer = "You can return anything within 30 days, {{customer_name}}: {{returns_url}}"
//! buttons = ["Start a return", "Talk to a person"]   # at most 3, 20 characters each
//!
//! [[intent]]
//! name = "store_hours"
//! examples = ["when are you open", "opening hours"]
//! answer = "Which store?"
//! list = { button = "Stores", rows = ["Berlin Mitte", "Hamburg"] }   # at most 10 rows
//! ```
//!
//! Every problem is reported with the file and the line of the intent it is
//! in, all at once, so one edit fixes them all; a knowledge base with any
//! problem is refused whole (the caller keeps the last good one).

use crate::matcher::Matcher;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// WhatsApp's limits for interactive messages (see the Cloud API contract).
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_TITLE: usize = 24;
pub const MAX_LIST_BUTTON: usize = 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    /// The same shape the admin screen edits.
    intent: Vec<crate::kb_edit::IntentEdit>,
    #[serde(default)]
    action: Vec<ActionSpec>,
    #[serde(default)]
    bot: Option<BotSettings>,
    #[serde(default)]
    vars: HashMap<String, String>,
}

/// A button under an answer: a plain title (tapping it sends the title, which
/// is matched like any message), or a title that leads straight to an intent
/// or to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ButtonSpec {
    Title(String),
    Target {
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        intent: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        handoff: bool,
    },
}

impl ButtonSpec {
    pub fn title(&self) -> &str {
        match self {
            ButtonSpec::Title(t) => t,
            ButtonSpec::Target { title, .. } => title,
        }
    }
}

/// An action: the facts it needs from the customer (slots), then one HTTP
/// request to the business's own system, whose JSON reply fills the answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub name: String,
    #[serde(default)]
    pub slots: Vec<SlotSpec>,
    pub request: RequestSpec,
    /// The answer on success; `{{slot}}` and `{{response.path.to.field}}`.
    pub reply: String,
    /// The answer when the system says 404 (e.g. no such order); the bot
    /// forgets the slots so the customer can try again. Without it a 404 is
    /// a failure (handoff).
    #[serde(default)]
    pub not_found: Option<String>,
    /// Hand the conversation to a person after a successful reply (e.g. a
    /// return request an agent must approve).
    #[serde(default)]
    pub handoff_after: bool,
}

/// Something the bot must know before calling an action.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    pub name: String,
    /// The question asked when the value is missing.
    pub ask: String,
    /// A regular expression that finds the value in a message (its first
    /// group if it has one), so "where is order 12345?" fills it at once.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Fixed answers offered as buttons (up to 3) or a list (up to 10).
    #[serde(default)]
    pub choices: Vec<String>,
    /// Answers fetched from the business's system and offered as a list.
    #[serde(default)]
    pub options: Option<OptionsSpec>,
    /// Said when the answer does not fit (defaults to asking again).
    #[serde(default)]
    pub retry: Option<String>,
}

/// Where a slot's choices come from: a GET whose JSON holds an array.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsSpec {
    pub url: String,
    /// Dotted path to the array in the reply (`""` when the reply is the array).
    #[serde(default)]
    pub items: String,
    /// Field of each item that is the value.
    pub id: String,
    /// Field of each item shown as the row title (cut to 24 characters).
    pub title: String,
    /// Optional field shown as the row description.
    #[serde(default)]
    pub description: Option<String>,
    /// The list's button (at most 20 characters).
    #[serde(default = "default_options_button")]
    pub button: String,
}

fn default_options_button() -> String {
    "Choose".into()
}

/// The HTTP request of an action; every string may use `{{slot}}` and `{{var}}`
/// (values are URL-encoded in the URL).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    /// A JSON body template (a TOML table; string leaves are rendered).
    #[serde(default)]
    pub body: Option<toml::Value>,
    #[serde(default)]
    pub headers: HashMap<String, String>,
}

fn default_method() -> String {
    "GET".into()
}

/// The bot's behaviour, in at most one file's `[bot]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotSettings {
    /// Calibrated confidence at or above which the bot answers.
    pub answer_threshold: f32,
    /// At or above this (and below the answer threshold) it asks which one.
    pub clarify_threshold: f32,
    /// Questions the bot may ask in a row (slot re-asks, clarifications)
    /// before it gives up and hands off.
    pub max_attempts: u32,
    /// A conversation the bot answered and the customer left alone this
    /// long is resolved (deflected).
    pub resolve_after: parley_core::sla::HumanDuration,
    /// How long an action's HTTP request may take.
    pub action_timeout: parley_core::sla::HumanDuration,
    /// Add "Solved, thanks" / "Talk to a person" buttons under plain answers.
    pub confirm_buttons: bool,
    pub messages: BotMessages,
}

impl Default for BotSettings {
    fn default() -> Self {
        let t = crate::matcher::Thresholds::default();
        BotSettings {
            answer_threshold: t.answer,
            clarify_threshold: t.clarify,
            max_attempts: 2,
            resolve_after: parley_core::sla::HumanDuration::from_ms(30 * 60_000),
            action_timeout: parley_core::sla::HumanDuration::from_ms(5_000),
            confirm_buttons: true,
            messages: BotMessages::default(),
        }
    }
}

/// What the bot says in its own voice; `{{customer_name}}`, `{{wait}}`,
/// `{{back_at}}` where noted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotMessages {
    pub clarify: String,
    /// Sent when the bot passes the conversation on; `{{wait}}` is the
    /// first-response target.
    pub handoff: String,
    /// Sent instead when the team is closed; `{{back_at}}` is when it opens.
    pub after_hours: String,
    /// An action's system failed or timed out.
    pub action_failed: String,
    pub solved: String,
    pub talk_to_person: String,
    pub resolved_thanks: String,
}

impl Default for BotMessages {
    fn default() -> Self {
        BotMessages {
            clarify: "I want to be sure I understand. Did you mean:".into(),
            handoff: "I'm passing you to a member of our team. A person will reply {{wait}}.".into(),
            after_hours: "Our team is offline right now and back {{back_at}}. Your message is in the queue and a person will reply then.".into(),
            action_failed: "Sorry, I can't reach that information right now.".into(),
            solved: "Solved, thanks".into(),
            talk_to_person: "Talk to a person".into(),
            resolved_thanks: "Glad I could help! Write any time if you need anything else.".into(),
        }
    }
}

/// A list message: the button that opens it and its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    pub button: String,
    pub rows: Vec<String>,
}

/// Where something is written, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based; 0 when unknown.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}", self.file.display(), self.line)
    }
}

/// One intent, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub name: String,
    pub examples: Vec<String>,
    /// The answer text; `{{variable}}` placeholders are filled when sent.
    pub answer: Option<String>,
    pub buttons: Vec<ButtonSpec>,
    pub list: Option<ListSpec>,
    pub media: Option<String>,
    /// An action name (order tracking, returns, …) instead of, or before, the answer.
    pub action: Option<String>,
    /// The intent's name on a clarifying button (at most 20 characters);
    /// defaults to its name with `_` as spaces.
    pub title: String,
    /// A follow-up: only considered right after this intent was answered
    /// ("is it free?" after the returns answer).
    pub after: Option<String>,
    pub source: Location,
}

/// A problem in the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct KbError {
    pub at: Location,
    pub message: String,
}

/// A checked knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    pub intents: Vec<Intent>,
    pub actions: Vec<ActionSpec>,
    pub settings: BotSettings,
    /// Values for `{{name}}` placeholders (a returns URL, a phone number…).
    pub vars: HashMap<String, String>,
}

impl KnowledgeBase {
    /// Reads every `*.toml` file in `dir`. All problems are returned together.
    pub fn load_dir(dir: &Path) -> Result<KnowledgeBase, Vec<KbError>> {
        let at_dir = |message: String| {
            vec![KbError {
                at: Location {
                    file: dir.to_path_buf(),
                    line: 0,
                },
                message,
            }]
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| at_dir(format!("cannot read the knowledge base folder: {e}")))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(at_dir(
                "no *.toml files in the knowledge base folder".into(),
            ));
        }
        let mut sources = Vec::with_capacity(files.len());
        let mut errors = Vec::new();
        for file in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => sources.push((file, text)),
                Err(e) => errors.push(KbError {
                    at: Location { file, line: 0 },
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let refs: Vec<(&Path, &str)> = sources
            .iter()
            .map(|(f, t)| (f.as_path(), t.as_str()))
            .collect();
        KnowledgeBase::parse(&refs)
    }

    /// Parses and checks files given as (name, text).
    pub fn parse(files: &[(&Path, &str)]) -> Result<KnowledgeBase, Vec<KbError>> {
        let mut errors = Vec::new();
        let mut intents: Vec<Intent> = Vec::new();
        let mut actions: Vec<(ActionSpec, Location)> = Vec::new();
        let mut settings: Option<(BotSettings, Location)> = None;
        let mut vars: HashMap<String, String> = HashMap::new();
        let mut seen: HashMap<String, Location> = HashMap::new();
        for (file, text) in files {
            let spec: FileSpec = match toml::from_str(text) {
                Ok(s) => s,
                Err(e) => {
                    let line = e.span().map_or(0, |s| {
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    });
                    errors.push(KbError {
                        at: Location {
                            file: file.to_path_buf(),
                            line,
                        },
                        message: e.message().to_string(),
                    });
                    continue;
                }
            };
            let here = |line: usize| Location {
                file: file.to_path_buf(),
                line,
            };
            if let Some(b) = spec.bot {
                let at = here(header_lines(text, "[bot]").first().copied().unwrap_or(0));
                if let Some((_, first)) = &settings {
                    errors.push(KbError {
                        at,
                        message: format!("[bot] is already set at {first}; keep one"),
                    });
                } else {
                    for m in check_settings(&b) {
                        errors.push(KbError {
                            at: at.clone(),
                            message: m,
                        });
                    }
                    settings = Some((b, at));
                }
            }
            for (k, v) in spec.vars {
                vars.insert(k, v);
            }
            let action_lines = header_lines(text, "[[action]]");
            for (i, a) in spec.action.into_iter().enumerate() {
                actions.push((a, here(action_lines.get(i).copied().unwrap_or(0))));
            }
            let headers = header_lines(text, "[[intent]]");
            for (i, s) in spec.intent.into_iter().enumerate() {
                let at = here(headers.get(i).copied().unwrap_or(0));
                let mut problem = |message: String| {
                    errors.push(KbError {
                        at: at.clone(),
                        message,
                    })
                };
                let name = s.name.trim().to_string();
                if name.is_empty() {
                    problem("an intent needs a name".into());
                }
                if let Some(first) = seen.get(&name) {
                    problem(format!("intent {name:?} is already defined at {first}"));
                } else {
                    seen.insert(name.clone(), at.clone());
                }
                let examples: Vec<String> = s
                    .examples
                    .iter()
                    .map(|e| e.trim().to_string())
                    .filter(|e| !e.is_empty())
                    .collect();
                if examples.is_empty() {
                    problem(format!(
                        "intent {name:?} needs at least one example question"
                    ));
                }
                let answer = s
                    .answer
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty());
                if answer.is_none() && s.action.is_none() {
                    problem(format!("intent {name:?} needs an answer or an action"));
                }
                if let Some(a) = &answer
                    && let Err(e) = check_placeholders(a)
                {
                    problem(format!("intent {name:?}: {e}"));
                }
                if s.buttons.len() > MAX_BUTTONS {
                    problem(format!(
                        "intent {name:?} has {} buttons; WhatsApp allows at most {MAX_BUTTONS} (use a list for more)",
                        s.buttons.len()
                    ));
                }
                for b in &s.buttons {
                    let t = b.title();
                    if t.trim().is_empty() || t.chars().count() > MAX_BUTTON_TITLE {
                        problem(format!(
                            "button {t:?} of intent {name:?} must be 1 to {MAX_BUTTON_TITLE} characters"
                        ));
                    }
                }
                if !s.buttons.is_empty() && s.list.is_some() {
                    problem(format!(
                        "intent {name:?} has both buttons and a list; a message can carry one"
                    ));
                }
                if let Some(list) = &s.list {
                    if list.rows.is_empty() || list.rows.len() > MAX_LIST_ROWS {
                        problem(format!(
                            "the list of intent {name:?} has {} rows; WhatsApp allows 1 to {MAX_LIST_ROWS}",
                            list.rows.len()
                        ));
                    }
                    if list.button.trim().is_empty()
                        || list.button.chars().count() > MAX_LIST_BUTTON
                    {
                        problem(format!(
                            "the list button of intent {name:?} must be 1 to {MAX_LIST_BUTTON} characters"
                        ));
                    }
                    for r in &list.rows {
                        if r.trim().is_empty() || r.chars().count() > MAX_ROW_TITLE {
                            problem(format!(
                                "list row {r:?} of intent {name:?} must be 1 to {MAX_ROW_TITLE} characters"
                            ));
                        }
                    }
                }
                let title = s
                    .title
                    .map(|t| t.trim().to_string())
                    .unwrap_or_else(|| default_title(&name));
                if title.is_empty() || title.chars().count() > MAX_BUTTON_TITLE {
                    problem(format!(
                        "the title {title:?} of intent {name:?} must be 1 to {MAX_BUTTON_TITLE} characters (it is shown on a button); set `title`"
                    ));
                }
                intents.push(Intent {
                    name,
                    examples,
                    answer,
                    buttons: s.buttons,
                    list: s.list,
                    media: s.media,
                    action: s.action,
                    title,
                    after: s.after,
                    source: at,
                });
            }
        }
        // Cross-references, once every file is read.
        let mut action_names: HashMap<&str, &Location> = HashMap::new();
        for (a, at) in &actions {
            if let Some(first) = action_names.get(a.name.as_str()) {
                errors.push(KbError {
                    at: at.clone(),
                    message: format!("action {:?} is already defined at {first}", a.name),
                });
            }
            action_names.insert(&a.name, at);
            for m in check_action(a) {
                errors.push(KbError {
                    at: at.clone(),
                    message: format!("action {:?}: {m}", a.name),
                });
            }
        }
        for i in &intents {
            let mut problem = |message: String| {
                errors.push(KbError {
                    at: i.source.clone(),
                    message,
                })
            };
            if let Some(a) = &i.action
                && !action_names.contains_key(a.as_str())
            {
                problem(format!(
                    "intent {:?} names action {a:?}, which no [[action]] defines",
                    i.name
                ));
            }
            if let Some(p) = &i.after
                && !seen.contains_key(p)
            {
                problem(format!(
                    "intent {:?} follows {p:?}, which is not an intent",
                    i.name
                ));
            }
            for b in &i.buttons {
                if let ButtonSpec::Target {
                    intent: Some(t), ..
                } = b
                    && !seen.contains_key(t)
                {
                    problem(format!(
                        "a button of intent {:?} leads to {t:?}, which is not an intent",
                        i.name
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(KnowledgeBase {
                intents,
                actions: actions.into_iter().map(|(a, _)| a).collect(),
                settings: settings.map(|(s, _)| s).unwrap_or_default(),
                vars,
            })
        } else {
            Err(errors)
        }
    }

    pub fn action(&self, name: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.name == name)
    }

    pub fn intent(&self, name: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.name == name)
    }

    /// Trains the built-in matcher on every intent's examples.
    pub fn matcher(&self) -> Matcher {
        let examples: Vec<(&str, &str)> = self
            .intents
            .iter()
            .flat_map(|i| i.examples.iter().map(|e| (i.name.as_str(), e.as_str())))
            .collect();
        Matcher::train(&examples)
    }
}

/// The line of each `header` (`[[intent]]`, `[[action]]`, `[bot]`), in order.
fn header_lines(text: &str, header: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .map(|(i, _)| i + 1)
        .collect()
}

pub(crate) fn default_title(name: &str) -> String {
    let t = name.replace('_', " ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).take(MAX_BUTTON_TITLE).collect(),
        None => t,
    }
}

fn check_settings(b: &BotSettings) -> Vec<String> {
    let mut out = Vec::new();
    for (what, v) in [
        ("answer_threshold", b.answer_threshold),
        ("clarify_threshold", b.clarify_threshold),
    ] {
        if !(0.0..=1.0).contains(&v) {
            out.push(format!("{what} {v} is outside 0..=1"));
        }
    }
    if b.clarify_threshold > b.answer_threshold {
        out.push("clarify_threshold is above answer_threshold".into());
    }
    for (what, t) in [
        ("messages.solved", &b.messages.solved),
        ("messages.talk_to_person", &b.messages.talk_to_person),
    ] {
        if t.trim().is_empty() || t.chars().count() > MAX_BUTTON_TITLE {
            out.push(format!(
                "{what} is a button title: 1 to {MAX_BUTTON_TITLE} characters"
            ));
        }
    }
    out
}

fn check_action(a: &ActionSpec) -> Vec<String> {
    let mut out = Vec::new();
    let method = a.request.method.to_ascii_uppercase();
    if !["GET", "POST", "PUT", "PATCH"].contains(&method.as_str()) {
        out.push(format!(
            "method {:?} is not GET, POST, PUT or PATCH",
            a.request.method
        ));
    }
    if !(a.request.url.starts_with("http://")
        || a.request.url.starts_with("https://")
        || a.request.url.starts_with("{{"))
    {
        out.push(format!(
            "url {:?} must start with http:// or https:// (or a {{{{variable}}}})",
            a.request.url
        ));
    }
    for t in [&a.reply, &a.request.url]
        .into_iter()
        .chain(a.not_found.as_ref())
    {
        if let Err(e) = check_placeholders(t) {
            out.push(e);
        }
    }
    let mut names = std::collections::HashSet::new();
    for slot in &a.slots {
        if !names.insert(slot.name.as_str()) {
            out.push(format!("slot {:?} is listed twice", slot.name));
        }
        if let Some(p) = &slot.pattern
            && let Err(e) = regex::Regex::new(p)
        {
            out.push(format!(
                "slot {:?}: pattern does not compile: {e}",
                slot.name
            ));
        }
        if slot.choices.len() > MAX_LIST_ROWS {
            out.push(format!(
                "slot {:?} has {} choices; a list holds at most {MAX_LIST_ROWS}",
                slot.name,
                slot.choices.len()
            ));
        }
        let limit = if slot.choices.len() <= MAX_BUTTONS {
            MAX_BUTTON_TITLE
        } else {
            MAX_ROW_TITLE
        };
        for c in &slot.choices {
            if c.trim().is_empty() || c.chars().count() > limit {
                out.push(format!(
                    "choice {c:?} of slot {:?} must be 1 to {limit} characters",
                    slot.name
                ));
            }
        }
        if !slot.choices.is_empty() && slot.options.is_some() {
            out.push(format!(
                "slot {:?} has both choices and options; pick one",
                slot.name
            ));
        }
        if let Some(o) = &slot.options
            && (o.button.trim().is_empty() || o.button.chars().count() > MAX_LIST_BUTTON)
        {
            out.push(format!(
                "slot {:?}: options.button must be 1 to {MAX_LIST_BUTTON} characters",
                slot.name
            ));
        }
    }
    out
}

/// `{{name}}` placeholders must be closed and name a variable.
fn check_placeholders(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("an answer has \"{{\" without a closing \"}}\"".into());
        };
        let name = after[..close].trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return Err(format!(
                "{{{{{name}}}}} is not a variable name (letters, digits, _ and . only)"
            ));
        }
        rest = &after[close + 2..];
    }
    Ok(())
}

/// Fills `{{name}}` placeholders from `vars`; an unknown one is left as it is,
/// so a missing value shows up in review rather than as a silent blank.
pub fn render(text: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[open..open + 2 + close + 2]),
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Outcome, Thresholds};

    const STORE: &str = r#"
[[intent]]
name = "returns"
examples = ["how do I return my purchase", "I want to send this back", "return an item", "can I get a refund for my order", "devolver un producto"]
answer = "You can return anything within 30 days, {{customer_name}}: {{returns_url}}"
buttons = ["Start a return", "Talk to a person"]

[[intent]]
name = "order_tracking"
examples = ["where is my order", "track my package", "has my order shipped", "when will my parcel arrive"]
action = "track_order"

[[action]]
name = "track_order"
reply = "Order {{order_number}}: {{response.status}}"
request = { url = "https://shop.example/orders/{{order_number}}" }
slots = [{ name = "order_number", ask = "Your order number?", pattern = '(\d{5})' }]

[[intent]]
name = "store_hours"
examples = ["when are you open", "opening hours", "what time do you close", "are you open on sunday"]
answer = "Which store?"
list = { button = "Stores", rows = ["Berlin Mitte", "Hamburg"] }
"#;

    fn parse(files: &[(&str, &str)]) -> Result<KnowledgeBase, Vec<KbError>> {
        let owned: Vec<(PathBuf, &str)> =
            files.iter().map(|(n, t)| (PathBuf::from(n), *t)).collect();
        let refs: Vec<(&Path, &str)> = owned.iter().map(|(p, t)| (p.as_path(), *t)).collect();
        KnowledgeBase::parse(&refs)
    }

    #[test]
    fn a_store_knowledge_base_loads_and_trains_the_matcher() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("store.toml"), STORE).unwrap();
        std::fs::write(dir.path().join("README.md"), "not an intent file").unwrap();
        let kb = KnowledgeBase::load_dir(dir.path()).unwrap();
        assert_eq!(kb.intents.len(), 3);
        let returns = kb.intent("returns").unwrap();
        assert_eq!(returns.source.line, 2);
        assert_eq!(returns.buttons.len(), 2);
        assert_eq!(
            kb.intent("order_tracking").unwrap().action.as_deref(),
            Some("track_order")
        );
        let m = kb.matcher();
        assert_eq!(m.rank("how can I send back what I bought")[0].0, "returns");
        let t = Thresholds {
            answer: 0.0,
            clarify: 0.0,
        };
        match m.classify("where's my parcel?", &t) {
            Outcome::Answer { intent, .. } => assert_eq!(intent, "order_tracking"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn actions_slots_follow_ups_and_settings_are_checked_across_files() {
        let a = r#"[bot]
answer_threshold = 0.3
clarify_threshold = 0.5

[[intent]]
name = "track"
examples = ["where is my order"]
action = "lookup"

[[intent]]
name = "cost"
after = "nowhere"
examples = ["is it free"]
answer = "Yes"
buttons = [{ title = "More", intent = "ghost" }]
"#;
        let b = r#"[bot]
max_attempts = 3

[[action]]
name = "track_order"
reply = "ok"
request = { method = "DELETE", url = "ftp://x" }
slots = [
  { name = "n", ask = "?", pattern = "([0-9" },
  { name = "n", ask = "?" },
  { name = "reason", ask = "Why?", choices = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] },
]
"#;
        let errs = parse(&[("a.toml", a), ("b.toml", b)]).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let has = |needle: &str| {
            assert!(
                text.iter().any(|t| t.contains(needle)),
                "no error containing {needle:?} in {text:#?}"
            )
        };
        has("a.toml: line 1: clarify_threshold is above answer_threshold");
        has("b.toml: line 1: [bot] is already set at a.toml: line 1");
        has(
            "a.toml: line 5: intent \"track\" names action \"lookup\", which no [[action]] defines",
        );
        has("a.toml: line 10: intent \"cost\" follows \"nowhere\", which is not an intent");
        has("leads to \"ghost\", which is not an intent");
        has("b.toml: line 4: action \"track_order\": method \"DELETE\"");
        has("must start with http:// or https://");
        has("pattern does not compile");
        has("slot \"n\" is listed twice");
        has("has 11 choices; a list holds at most 10");
    }

    #[test]
    fn every_problem_is_reported_with_its_file_and_line() {
        let bad = r#"[[intent]]
name = "returns"
examples = ["x"]
answer = "dup"

[[intent]]
name = "too_many"
examples = ["a"]
answer = "b"
buttons = ["One", "Two", "Three", "Four"]

[[intent]]
name = "long_list"
examples = []
answer = "Hello {{name"
list = { button = "Pick", rows = ["1","2","3","4","5","6","7","8","9","10","11"] }
"#;
        let errs = parse(&[("a.toml", STORE), ("b.toml", bad)]).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter().any(|t| t.starts_with("b.toml: line 1:")
                && t.contains("already defined at a.toml: line 2")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("b.toml: line 6:") && t.contains("4 buttons")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("b.toml: line 12:") && t.contains("11 rows")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("at least one example")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("without a closing")),
            "{text:#?}"
        );

        let errs =
            parse(&[("c.toml", "[[intent]]\nname = \"x\"\nexampels = [\"a\"]\n")]).unwrap_err();
        assert!(
            errs[0].to_string().starts_with("c.toml: line 3:"),
            "{errs:?}"
        );
        assert!(errs[0].message.contains("exampels"), "{errs:?}");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_left_visible() {
        let vars = HashMap::from([("customer_name", "Ana".to_string())]);
        assert_eq!(
            render("Hi {{customer_name}}, see {{ returns_url }}.", &vars),
            "Hi Ana, see {{ returns_url }}."
        );
        assert_eq!(render("no placeholders", &vars), "no placeholders");
        assert!(check_placeholders("{{bad name}}").is_err());
    }
}
