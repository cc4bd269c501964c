//! Where the desk configuration comes from and how a new one is put in force.
//!
//! With a desk file configured, the file is the source of truth: it is read
//! at start-up (a bad file stops the start with the file, line and problem)
//! and watched while running; an edit that does not compile is logged and
//! reported by the admin API, and the last good configuration stays in
//! force. Without a file, admins edit the configuration through
//! `PUT /api/v1/admin/desk` and it is kept in the database.

use crate::AppState;
use anyhow::Context;
use parley_core::desk::{Desk, DeskError, DeskSpec};
use parley_store::AgentPatch;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use utoipa::ToSchema;

/// The settings key the API-edited configuration is stored under.
const SETTING_KEY: &str = "desk";
/// The settings key of the fingerprint of what SLA deadlines depend on.
const SLA_FINGERPRINT_KEY: &str = "desk.sla_fingerprint";

/// A hash of the parts of the desk that deadlines depend on: the SLA policy,
/// the calendars, which team uses which calendar, the VIP window.
fn sla_fingerprint(spec: &DeskSpec) -> String {
    use sha2::{Digest, Sha256};
    let teams: Vec<(&str, Option<&str>)> = spec
        .teams
        .iter()
        .map(|t| (t.name.as_str(), t.hours.as_deref()))
        .collect();
    let relevant = serde_json::json!({
        "sla": spec.sla,
        "hours": spec.hours,
        "teams": teams,
        "vip_window": spec.escalation.vip_window,
    });
    hex::encode(Sha256::digest(relevant.to_string().as_bytes()))
}

/// How often the desk file is checked for changes.
const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Which configuration is in force and whether the last change was refused.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DeskStatus {
    /// file, database or default.
    pub source: String,
    /// The desk file, when one is configured.
    pub file: Option<String>,
    pub loaded_at: i64,
    /// Why the most recent change was refused (the configuration before it stays in force).
    pub last_error: Option<String>,
    /// Problems that did not stop the configuration, e.g. unknown agent emails.
    pub warnings: Vec<String>,
}

/// Parses a desk file's text. Errors name the file, the line and the problem,
/// for syntax errors and for references that do not resolve alike.
pub fn parse(path: &Path, text: &str) -> anyhow::Result<Desk> {
    let spec: DeskSpec = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        anyhow::anyhow!(
            "{}: line {}: {}",
            path.display(),
            line.map_or("?".into(), |l| l.to_string()),
            e.message()
        )
    })?;
    Desk::compile(spec).map_err(|e| located(path, text, &e))
}

/// Reads, parses and compiles a desk file.
pub fn load_file(path: &Path) -> anyhow::Result<Desk> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading desk file {}", path.display()))?;
    parse(path, &text)
}

/// Turns a compile error's document path (`teams[2].hours`, `routing`,
/// `hours.eu`) into "file: line N: …" by finding the table it names.
fn located(path: &Path, text: &str, e: &DeskError) -> anyhow::Error {
    let line = line_of(text, &e.path);
    anyhow::anyhow!(
        "{}: line {}: {} ({})",
        path.display(),
        line.map_or("?".into(), |l| l.to_string()),
        e.message,
        e.path
    )
}

fn line_of(text: &str, doc_path: &str) -> Option<usize> {
    let head = doc_path.split('.').next().unwrap_or(doc_path);
    let lines: Vec<&str> = text.lines().collect();
    let find = |pred: &dyn Fn(&str) -> bool| lines.iter().position(|l| pred(l.trim()));
    // An array of tables, `teams[2]`: the third `[[teams]]` header.
    if let Some((name, rest)) = head.split_once('[') {
        let index: usize = rest.trim_end_matches(']').parse().ok()?;
        let header = format!("[[{name}]]");
        return lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == header)
            .nth(index)
            .map(|(i, _)| i + 1);
    }
    // `routing.rules[3]` inside a section: the fourth `[[routing.rules]]`.
    if let Some(dot) = doc_path.find('.')
        && let Some((name, rest)) = doc_path[dot + 1..].split_once('[')
    {
        let header = format!("[[{head}.{name}]]");
        if let Ok(index) = rest.split(']').next().unwrap_or("").parse::<usize>()
            && let Some((i, _)) = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.trim() == header)
                .nth(index)
        {
            return Some(i + 1);
        }
    }
    // `hours.eu`: the `[hours.eu]` table, else the section, else a key.
    let table = format!("[{doc_path}]");
    find(&|l| l == table)
        .or_else(|| find(&|l| l.starts_with(&format!("[{head}"))))
        .or_else(|| find(&|l| l.starts_with(head)))
        .map(|i| i + 1)
}

/// Loads the configuration at start-up: the file if configured (a bad file
/// is an error), else the stored one, else the defaults.
pub async fn load_initial(state: &AppState) -> anyhow::Result<()> {
    if let Some(path) = &state.config.desk_file {
        put_in_force(state, load_file(path)?, "file").await?;
        return Ok(());
    }
    if let Some(stored) = state.store.get_setting(SETTING_KEY).await? {
        match serde_json::from_str::<DeskSpec>(&stored.value)
            .map_err(|e| e.to_string())
            .and_then(|spec| Desk::compile(spec).map_err(|e| e.to_string()))
        {
            Ok(desk) => {
                put_in_force(state, desk, "database").await?;
                return Ok(());
            }
            Err(e) => {
                // Only a newer or older version of Parley could have stored
                // it; run on the defaults rather than not at all, and say so.
                tracing::error!(error = %e, "the stored desk configuration does not compile; using defaults");
                set_status(state, |s| s.last_error = Some(e));
            }
        }
    }
    put_in_force(state, Desk::default(), "default").await
}

/// Puts a checked configuration in force and stores it (the admin API, and
/// the demo's example desk).
pub async fn apply_from_api(state: &AppState, desk: Desk, by: i64) -> anyhow::Result<DeskStatus> {
    let json = serde_json::to_string(desk.spec())?;
    state
        .store
        .put_setting(SETTING_KEY, &json, Some(by), state.now())
        .await?;
    put_in_force(state, desk, "database").await?;
    Ok(status(state))
}

pub fn status(state: &AppState) -> DeskStatus {
    state
        .desk_status
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn set_status(state: &AppState, f: impl FnOnce(&mut DeskStatus)) {
    f(&mut state.desk_status.lock().unwrap_or_else(|e| e.into_inner()));
}

/// Creates the teams it names, sets memberships and agent attributes it
/// lists, swaps the desk in, and has every open ticket's deadlines
/// recomputed.
async fn put_in_force(state: &AppState, desk: Desk, source: &str) -> anyhow::Result<()> {
    let now = state.now();
    let spec = desk.spec();
    let mut warnings = Vec::new();
    for team in &spec.teams {
        let id = state.store.ensure_team(&team.name, now).await?;
        if let Some(members) = &team.members {
            let mut ids = Vec::new();
            for email in members {
                match state.store.agent_id_by_email(email).await? {
                    Some(a) => ids.push(a),
                    None => warnings.push(format!(
                        "team {:?}: no agent with email {email}; create it with `parley agent add`",
                        team.name
                    )),
                }
            }
            state.store.set_team_members(id, &ids).await?;
        }
        if let Some(lead) = &team.lead
            && state.store.agent_id_by_email(lead).await?.is_none()
        {
            warnings.push(format!("team {:?}: lead {lead} is not an agent", team.name));
        }
    }
    for a in &spec.agents {
        match state.store.agent_id_by_email(&a.email).await? {
            Some(id) => {
                state
                    .store
                    .update_agent(
                        id,
                        &AgentPatch {
                            skills: a.skills.clone(),
                            languages: a.languages.clone(),
                            seniority: a.seniority,
                            capacity: a.capacity,
                            ..Default::default()
                        },
                    )
                    .await?;
            }
            None => warnings.push(format!("agents: no agent with email {}", a.email)),
        }
    }
    for w in &warnings {
        tracing::warn!("desk configuration: {w}");
    }
    // Deadlines are recomputed only when what they depend on changed, not on
    // every start: with a million open tickets that is seconds of work.
    let fingerprint = sla_fingerprint(spec);
    state.store.set_desk(Arc::new(desk));
    let stored = state.store.get_setting(SLA_FINGERPRINT_KEY).await?;
    let dirty = if stored.as_ref().map(|s| s.value.as_str()) != Some(fingerprint.as_str()) {
        let n = state.store.mark_all_slas_dirty().await?;
        state
            .store
            .put_setting(SLA_FINGERPRINT_KEY, &fingerprint, None, now)
            .await?;
        n
    } else {
        0
    };
    tracing::info!(
        source,
        replanned_tickets = dirty,
        "desk configuration in force"
    );
    set_status(state, |s| {
        s.source = source.to_string();
        s.file = state
            .config
            .desk_file
            .as_ref()
            .map(|p| p.display().to_string());
        s.loaded_at = now;
        s.last_error = None;
        s.warnings = warnings;
    });
    state.router_wake.notify_one();
    state.scheduler_wake.notify_one();
    state
        .bus
        .publish("desk.updated", serde_json::json!({ "source": source }));
    Ok(())
}

/// Reloads the desk file when it changes. A file that does not compile is
/// reported and ignored: the last good configuration stays in force.
pub async fn watch_file(state: AppState, path: PathBuf, mut shutdown: watch::Receiver<bool>) {
    let mut last = std::fs::read(&path).ok();
    let never = tokio::sync::Notify::new();
    while crate::idle(&never, WATCH_INTERVAL, &mut shutdown).await {
        let current = std::fs::read(&path).ok();
        if current == last {
            continue;
        }
        last = current;
        match load_file(&path) {
            Ok(desk) => {
                if let Err(e) = put_in_force(&state, desk, "file").await {
                    tracing::error!(error = %e, "applying the desk file failed");
                    set_status(&state, |s| s.last_error = Some(e.to_string()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "the desk file has an error; keeping the last good configuration");
                set_status(&state, |s| s.last_error = Some(e.to_string()));
                state
                    .bus
                    .publish("desk.error", serde_json::json!({ "error": e.to_string() }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_replanned_only_when_what_they_depend_on_changes() {
        let parse = |t: &str| parse(Path::new("d.toml"), t).unwrap().spec().clone();
        let base = parse("[[teams]]\nname = \"A\"\n");
        let routing = parse("[[teams]]\nname = \"A\"\n[routing.fallback]\nteam = \"A\"\n");
        let sla = parse("[[teams]]\nname = \"A\"\n[sla]\nwarn_at_percent = 80\n");
        let hours = parse(
            "[hours.x]\ntimezone = \"UTC\"\nmon = [\"09:00-17:00\"]\n[[teams]]\nname = \"A\"\nhours = \"x\"\n",
        );
        assert_eq!(sla_fingerprint(&base), sla_fingerprint(&routing));
        assert_ne!(sla_fingerprint(&base), sla_fingerprint(&sla));
        assert_ne!(sla_fingerprint(&base), sla_fingerprint(&hours));
    }

    #[test]
    fn errors_point_at_the_line() {
        let text = "[[teams]]\nname = \"L1\"\n\n[[teams]]\nname = \"L2\"\nhours = \"eu\"\n";
        let err = parse(Path::new("desk.toml"), text).unwrap_err().to_string();
        assert!(err.starts_with("desk.toml: line 4:"), "{err}");
        assert!(err.contains("\"eu\""), "{err}");

        let text = "[sla]\nwarn_at_percent = \"lots\"\n";
        let err = parse(Path::new("desk.toml"), text).unwrap_err().to_string();
        assert!(err.starts_with("desk.toml: line 2:"), "{err}");

        let text = "[[teams]]\nname = \"A\"\n\n[routing]\n[[routing.rules]]\nname = \"x\"\nthen = { team = \"A\" }\n\n[[routing.rules]]\nname = \"y\"\nthen = { team = \"Ghost\" }\n\n[routing.fallback]\nteam = \"A\"\n";
        let err = parse(Path::new("desk.toml"), text).unwrap_err().to_string();
        assert!(err.contains("Ghost"), "{err}");
        assert!(err.starts_with("desk.toml: line"), "{err}");
    }
}
