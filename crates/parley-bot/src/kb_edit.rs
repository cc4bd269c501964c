//! Edits to the knowledge base made from the admin screen, written into the
//! folder's own files.
//!
//! The folder stays the one source of truth: an intent edited on the screen
//! is changed where it is written (new ones go to [`NEW_INTENTS_FILE`]), with
//! `toml_edit`, so comments, key order and the layout of everything not
//! changed survive, and a team that keeps its knowledge base in git sees an
//! ordinary diff. Every edit is checked by loading the whole knowledge base
//! with the change in place; one that would not load is refused and nothing
//! is written. [`KbFiles::etag`] lets a caller refuse an edit made on a stale
//! copy (someone changed the files since it was read).

use crate::kb::{ButtonSpec, Intent, KbError, KnowledgeBase, ListSpec, default_title};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// Where intents created on the screen are written, in the folder.
pub const NEW_INTENTS_FILE: &str = "settings.toml";

/// An `[[intent]]` table as written: what the loader reads and the screen edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentEdit {
    pub name: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub buttons: Vec<ButtonSpec>,
    #[serde(default)]
    pub list: Option<ListSpec>,
    #[serde(default)]
    pub media: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    /// `None`: the name with `_` as spaces.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

impl From<&Intent> for IntentEdit {
    fn from(i: &Intent) -> IntentEdit {
        IntentEdit {
            name: i.name.clone(),
            examples: i.examples.clone(),
            answer: i.answer.clone(),
            buttons: i.buttons.clone(),
            list: i.list.clone(),
            media: i.media.clone(),
            action: i.action.clone(),
            title: Some(i.title.clone()),
            after: i.after.clone(),
        }
    }
}

impl IntentEdit {
    /// The table's keys in the order a new table is written, with their
    /// values; `Null` means "not set".
    fn fields(&self) -> Vec<(&'static str, Json)> {
        let opt = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map_or(Json::Null, |s| Json::String(s.to_string()))
        };
        let title = self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != default_title(self.name.trim()));
        let examples: Vec<Json> = self
            .examples
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| Json::String(e.to_string()))
            .collect();
        vec![
            ("name", Json::String(self.name.trim().to_string())),
            (
                "title",
                title.map_or(Json::Null, |t| Json::String(t.into())),
            ),
            ("examples", Json::Array(examples)),
            ("answer", opt(&self.answer)),
            (
                "buttons",
                if self.buttons.is_empty() {
                    Json::Null
                } else {
                    serde_json::to_value(&self.buttons).unwrap_or(Json::Null)
                },
            ),
            (
                "list",
                self.list.as_ref().map_or(Json::Null, |l| {
                    serde_json::to_value(l).unwrap_or(Json::Null)
                }),
            ),
            ("media", opt(&self.media)),
            ("action", opt(&self.action)),
            ("after", opt(&self.after)),
        ]
    }
}

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no intent is named {0:?}")]
    NotFound(String),
    #[error("an intent named {0:?} already exists")]
    Exists(String),
    /// The file cannot be edited by machine (it does not parse, or writes
    /// its intents in a shape this editor does not change).
    #[error("{file}: {message}; edit that file by hand")]
    Unsupported { file: PathBuf, message: String },
    /// With the change, the knowledge base would not load.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<KbError>),
}

/// The folder's `*.toml` files as read at one moment, in name order.
#[derive(Debug, Clone)]
pub struct KbFiles {
    pub dir: PathBuf,
    pub files: Vec<(PathBuf, String)>,
}

/// One file changed and the knowledge base it makes.
#[derive(Debug, Clone)]
pub struct Change {
    pub file: PathBuf,
    pub text: String,
    pub kb: KnowledgeBase,
}

impl KbFiles {
    pub fn read(dir: &Path) -> std::io::Result<KbFiles> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let text = std::fs::read_to_string(&p)?;
            files.push((p, text));
        }
        Ok(KbFiles {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// A fingerprint of every file's name and content.
    pub fn etag(&self) -> String {
        let mut h = Sha256::new();
        for (p, text) in &self.files {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            h.update((name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update((text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        hex::encode(&h.finalize()[..12])
    }

    pub fn load(&self) -> Result<KnowledgeBase, Vec<KbError>> {
        self.load_with(None)
    }

    fn load_with(&self, change: Option<(&Path, &str)>) -> Result<KnowledgeBase, Vec<KbError>> {
        let mut refs: Vec<(&Path, &str)> = self
            .files
            .iter()
            .map(|(p, t)| match change {
                Some((cp, ct)) if cp == p => (p.as_path(), ct),
                _ => (p.as_path(), t.as_str()),
            })
            .collect();
        if let Some((cp, ct)) = change
            && !self.files.iter().any(|(p, _)| p == cp)
        {
            refs.push((cp, ct));
            refs.sort_by(|a, b| a.0.cmp(b.0));
        }
        KnowledgeBase::parse(&refs)
    }

    /// Where the intent called `name` is written: file index and its
    /// position among that file's `[[intent]]` tables.
    fn find(&self, name: &str) -> Result<Option<(usize, usize)>, EditError> {
        for (fi, (path, text)) in self.files.iter().enumerate() {
            let doc = parse(path, text)?;
            match doc.get("intent") {
                None => {}
                Some(Item::ArrayOfTables(aot)) => {
                    if let Some(ti) = aot.iter().position(|t| {
                        t.get("name")
                            .and_then(|v| v.as_str())
                            .is_some_and(|n| n.trim() == name)
                    }) {
                        return Ok(Some((fi, ti)));
                    }
                }
                Some(_) => {
                    // `intent = [{…}]`: legal TOML, but rewriting it would
                    // change the file's shape, so only look.
                    let names = toml::from_str::<toml::Table>(text).ok();
                    let here = names
                        .as_ref()
                        .and_then(|t| t.get("intent"))
                        .and_then(|i| i.as_array())
                        .is_some_and(|a| {
                            a.iter().any(|i| {
                                i.get("name")
                                    .and_then(|n| n.as_str())
                                    .is_some_and(|n| n.trim() == name)
                            })
                        });
                    if here {
                        return Err(EditError::Unsupported {
                            file: path.clone(),
                            message: "its intents are written as an inline array".into(),
                        });
                    }
                }
            }
        }
        Ok(None)
    }

    /// Creates an intent (`original` `None`) in [`NEW_INTENTS_FILE`], or
    /// changes (and possibly renames) the one called `original` where it is
    /// written.
    pub fn upsert(&self, original: Option<&str>, edit: &IntentEdit) -> Result<Change, EditError> {
        let name = edit.name.trim();
        let found = match original {
            Some(o) => Some(
                self.find(o.trim())?
                    .ok_or_else(|| EditError::NotFound(o.trim().to_string()))?,
            ),
            None => None,
        };
        if original.map(str::trim) != Some(name) && !name.is_empty() && self.find(name)?.is_some() {
            return Err(EditError::Exists(name.to_string()));
        }
        let (path, text) = match found {
            Some((fi, _)) => self.files[fi].clone(),
            None => {
                let path = self.dir.join(NEW_INTENTS_FILE);
                let text = self
                    .files
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                (path, text)
            }
        };
        let mut doc = parse(&path, &text)?;
        let aot = intents_mut(&path, &mut doc)?;
        let table = match found {
            Some((_, ti)) => aot.get_mut(ti).expect("found above"),
            None => {
                let mut t = Table::new();
                t.decor_mut().set_prefix(if text.is_empty() {
                    "# Intents added from Parley's Settings → Knowledge base screen.\n"
                } else {
                    "\n"
                });
                aot.push(t);
                let last = aot.len() - 1;
                aot.get_mut(last).expect("just pushed")
            }
        };
        apply(table, edit);
        self.checked(path, doc.to_string())
    }

    /// Removes the intent called `name` from its file.
    pub fn delete(&self, name: &str) -> Result<Change, EditError> {
        let (fi, ti) = self
            .find(name.trim())?
            .ok_or_else(|| EditError::NotFound(name.trim().to_string()))?;
        let (path, text) = &self.files[fi];
        let mut doc = parse(path, text)?;
        intents_mut(path, &mut doc)?.remove(ti);
        self.checked(path.clone(), doc.to_string())
    }

    fn checked(&self, file: PathBuf, text: String) -> Result<Change, EditError> {
        let kb = self
            .load_with(Some((&file, &text)))
            .map_err(EditError::Invalid)?;
        Ok(Change { file, text, kb })
    }
}

impl Change {
    /// Writes the file whole or not at all: a temporary file beside it
    /// (not `*.toml`, so the watcher and the loader never read it half
    /// written), flushed to disk, then renamed over the original.
    pub fn write(&self) -> std::io::Result<()> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.parley-tmp"));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.file)?;
            // The rename itself is durable only once the folder is synced.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

fn parse(path: &Path, text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Unsupported {
            file: path.to_path_buf(),
            message: format!("it is not valid TOML ({})", e.message()),
        })
}

fn intents_mut<'d>(
    path: &Path,
    doc: &'d mut DocumentMut,
) -> Result<&'d mut ArrayOfTables, EditError> {
    let item = doc
        .entry("intent")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    item.as_array_of_tables_mut()
        .ok_or_else(|| EditError::Unsupported {
            file: path.to_path_buf(),
            message: "its intents are not written as [[intent]] tables".into(),
        })
}

/// Sets each field whose value changed, removes those now unset, and leaves
/// the rest (and their comments and layout) as they are.
fn apply(table: &mut Table, edit: &IntentEdit) {
    let old: toml::Table = toml::from_str(&table.to_string()).unwrap_or_default();
    for (key, new) in edit.fields() {
        let empty = new.is_null()
            || new
                .as_array()
                .is_some_and(|a| a.is_empty() && key != "examples");
        if empty {
            table.remove(key);
            continue;
        }
        let unchanged = old
            .get(key)
            .and_then(|v| serde_json::to_value(v).ok())
            .is_some_and(|v| v == new);
        if unchanged {
            continue;
        }
        let Some(mut value) = to_toml(&new) else {
            continue;
        };
        if let Value::Array(a) = &mut value
            && a.len() > 2
        {
            // One per line, as people write long lists.
            for v in a.iter_mut() {
                v.decor_mut().set_prefix("\n    ");
            }
            a.set_trailing("\n");
            a.set_trailing_comma(true);
        }
        match table.get_mut(key) {
            Some(Item::Value(v)) => {
                let decor = v.decor().clone();
                *v = value;
                *v.decor_mut() = decor;
            }
            _ => {
                table.insert(key, Item::Value(value));
            }
        }
    }
}

fn to_toml(v: &Json) -> Option<Value> {
    Some(match v {
        Json::Null => return None,
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64()?),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::Array(items.iter().filter_map(to_toml).collect()),
        Json::Object(map) => {
            // serde_json sorts keys; people write the title first.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| (!matches!(k.as_str(), "title" | "button"), k.as_str()));
            let mut t = InlineTable::new();
            for k in keys {
                if let Some(v) = to_toml(&map[k]) {
                    t.insert(k, v);
                }
            }
            Value::InlineTable(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: &str = r#"# Orders: the most asked question.
[vars]
returns_url = "https://shop.example/returns"

# Where is it?
[[intent]]
name = "track_order"   # keep this name: reports use it
examples = ["where is my order", "track my parcel"]
answer = "Send me your order number."

[[intent]]
name = "returns"
examples = ["I want to send this back"]
answer = "Returns: {{returns_url}}"
buttons = ["Start a return"]
"#;

    fn folder() -> (tempfile::TempDir, KbFiles) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.toml"), ORDERS).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not read").unwrap();
        let files = KbFiles::read(dir.path()).unwrap();
        (dir, files)
    }

    fn edit(name: &str) -> IntentEdit {
        IntentEdit {
            name: name.into(),
            examples: vec!["hello".into()],
            answer: Some("Hi!".into()),
            buttons: vec![],
            list: None,
            media: None,
            action: None,
            title: None,
            after: None,
        }
    }

    #[test]
    fn an_edit_changes_only_what_changed_and_keeps_comments() {
        let (_d, files) = folder();
        let mut e = edit("track_order");
        e.examples = vec![
            "where is my order".into(),
            "track my parcel".into(),
            "has my package shipped".into(),
        ];
        e.answer = Some("Send me your order number.".into());
        let change = files.upsert(Some("track_order"), &e).unwrap();
        assert!(change.file.ends_with("orders.toml"));
        let t = &change.text;
        assert!(t.starts_with("# Orders: the most asked question.\n"), "{t}");
        assert!(t.contains("# Where is it?\n[[intent]]"), "{t}");
        assert!(
            t.contains("name = \"track_order\"   # keep this name"),
            "{t}"
        );
        assert!(t.contains("\n    \"has my package shipped\",\n"), "{t}");
        // The other intent is byte for byte as it was.
        assert!(t.ends_with(
            "[[intent]]\nname = \"returns\"\nexamples = [\"I want to send this back\"]\nanswer = \"Returns: {{returns_url}}\"\nbuttons = [\"Start a return\"]\n"
        ), "{t}");
        let intent = change.kb.intent("track_order").unwrap();
        assert_eq!(intent.examples.len(), 3);
    }

    #[test]
    fn new_intents_go_to_the_settings_file_and_unset_fields_are_removed() {
        let (_d, files) = folder();
        let mut e = edit("greeting");
        e.buttons = vec![ButtonSpec::Target {
            title: "Returns".into(),
            intent: Some("returns".into()),
            handoff: false,
        }];
        let change = files.upsert(None, &e).unwrap();
        assert!(change.file.ends_with(NEW_INTENTS_FILE));
        assert!(
            change
                .text
                .contains("buttons = [{ title = \"Returns\", intent = \"returns\" }]"),
            "{}",
            change.text
        );
        assert_eq!(change.kb.intents.len(), 3);
        change.write().unwrap();

        let files = KbFiles::read(&files.dir).unwrap();
        let mut e2 = edit("greeting");
        e2.answer = None;
        e2.action = None;
        // No answer and no action: refused whole, naming the file and line.
        let err = files.upsert(Some("greeting"), &e2).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("settings.toml: line 2") && msg.contains("needs an answer or an action"),
            "{msg}"
        );
        // Buttons dropped: the key goes.
        let change = files.upsert(Some("greeting"), &edit("greeting")).unwrap();
        assert!(!change.text.contains("buttons"), "{}", change.text);
    }

    #[test]
    fn renames_deletes_duplicates_and_references_are_checked() {
        let (_d, files) = folder();
        assert!(
            matches!(files.upsert(None, &edit("returns")), Err(EditError::Exists(n)) if n == "returns")
        );
        assert!(matches!(
            files.upsert(Some("nope"), &edit("nope")),
            Err(EditError::NotFound(_))
        ));
        assert!(matches!(
            files.upsert(Some("returns"), &edit("track_order")),
            Err(EditError::Exists(_))
        ));
        let mut e = edit("send_back");
        e.answer = Some("Returns: {{returns_url}}".into());
        let change = files.upsert(Some("returns"), &e).unwrap();
        assert!(change.kb.intent("returns").is_none());
        assert!(change.kb.intent("send_back").is_some());

        let change = files.delete("returns").unwrap();
        assert_eq!(change.kb.intents.len(), 1);
        assert!(
            !change.text.contains("name = \"returns\""),
            "{}",
            change.text
        );
        assert!(
            change.text.contains("returns_url"),
            "vars stay: {}",
            change.text
        );

        // An intent another one follows cannot go.
        let mut f = edit("is_it_free");
        f.after = Some("returns".into());
        let c = files.upsert(None, &f).unwrap();
        c.write().unwrap();
        let files = KbFiles::read(&files.dir).unwrap();
        let err = files.delete("returns").unwrap_err().to_string();
        assert!(
            err.contains("follows \"returns\", which is not an intent"),
            "{err}"
        );
    }

    #[test]
    fn the_etag_follows_the_content_and_a_written_change_is_whole() {
        let (_d, files) = folder();
        let before = files.etag();
        assert_eq!(before, KbFiles::read(&files.dir).unwrap().etag());
        let change = files
            .upsert(Some("returns"), &{
                let mut e = edit("returns");
                e.answer = Some("Returns: {{returns_url}} within 30 days".into());
                e
            })
            .unwrap();
        change.write().unwrap();
        let after = KbFiles::read(&files.dir).unwrap();
        assert_ne!(after.etag(), before);
        assert_eq!(after.files.len(), 1, "no temporary file left behind");
        assert_eq!(after.files[0].1, change.text);
    }

    #[test]
    fn inline_arrays_are_left_to_people() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.toml"),
            "intent = [{ name = \"hi\", examples = [\"hello\"], answer = \"Hi\" }]\n",
        )
        .unwrap();
        let files = KbFiles::read(dir.path()).unwrap();
        let err = files.upsert(Some("hi"), &edit("hi")).unwrap_err();
        assert!(matches!(err, EditError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("edit that file by hand"));
    }
}
