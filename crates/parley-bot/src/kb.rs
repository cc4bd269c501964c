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
use serde::Deserialize;
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
    intent: Vec<IntentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentSpec {
    name: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    buttons: Vec<String>,
    #[serde(default)]
    list: Option<ListSpec>,
    #[serde(default)]
    media: Option<String>,
    #[serde(default)]
    action: Option<String>,
}

/// A list message: the button that opens it and its rows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    pub buttons: Vec<String>,
    pub list: Option<ListSpec>,
    pub media: Option<String>,
    /// An action name (order tracking, returns, …) instead of, or before, the answer.
    pub action: Option<String>,
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
            let headers = intent_header_lines(text);
            for (i, s) in spec.intent.into_iter().enumerate() {
                let at = Location {
                    file: file.to_path_buf(),
                    line: headers.get(i).copied().unwrap_or(0),
                };
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
                    if b.trim().is_empty() || b.chars().count() > MAX_BUTTON_TITLE {
                        problem(format!(
                            "button {b:?} of intent {name:?} must be 1 to {MAX_BUTTON_TITLE} characters"
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
                intents.push(Intent {
                    name,
                    examples,
                    answer,
                    buttons: s.buttons,
                    list: s.list,
                    media: s.media,
                    action: s.action,
                    source: at,
                });
            }
        }
        if errors.is_empty() {
            Ok(KnowledgeBase { intents })
        } else {
            Err(errors)
        }
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

/// The line of each `[[intent]]` header, in order.
fn intent_header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[intent]]")
        .map(|(i, _)| i + 1)
        .collect()
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
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!(
                "{{{{{name}}}}} is not a variable name (letters, digits and _ only)"
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
