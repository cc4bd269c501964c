//! Escalation triggers and paths.
//!
//! A [`Trigger`] says why a ticket should go higher (an SLA breach, the
//! customer asking for a manager, a lawyer being mentioned…); [`decide`] says
//! where: one level up the team's `escalates_to` chain (L1 → L2 → L3), or
//! straight to management for manager requests and sensitive topics, and at
//! the top of the chain to management or, with none configured, only a
//! notification to the team lead. Every answer carries its reason for the
//! timeline, and [`summary`] writes the handoff note the receiving team reads.
//!
//! ```toml
//! [escalation]
//! management_team = "Management"
//! cross_department_team = "Customer Success"
//! repeat_contact_window = "7d"       # also "48h", "90m", "1d12h"
//! vip_window = "2h"
//! management_keywords = ["lawyer", "regulator"]   # replaces the defaults
//! human_phrases = ["falar com a Ana"]            # added to the built-ins
//! manager_phrases = ["dono da loja"]
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::routing::keywords::{KeywordSet, normalize};

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A length of time written the human way in config: "7d", "48h", "90m",
/// "30s", or combined "1d12h". Holds milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub i64);

impl HumanDuration {
    pub fn ms(self) -> i64 {
        self.0
    }
}

impl std::str::FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("duration {s:?} is not like \"7d\", \"48h\", \"90m\" or \"1d12h\"");
        let t = s.trim();
        if t.is_empty() {
            return Err(bad());
        }
        let mut total: i64 = 0;
        let mut num = String::new();
        for c in t.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            if c == ' ' {
                continue;
            }
            let unit = match c {
                'd' => DAY,
                'h' => HOUR,
                'm' => MINUTE,
                's' => SECOND,
                _ => return Err(bad()),
            };
            let n: i64 = num.parse().map_err(|_| bad())?;
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
            num.clear();
        }
        if !num.is_empty() {
            return Err(bad());
        }
        Ok(HumanDuration(total))
    }
}

impl fmt::Display for HumanDuration {
    /// The shortest exact form: `7d`, `36h`, `90m`, `1d12h` is written `36h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        match ms {
            0 => f.write_str("0s"),
            _ if ms % DAY == 0 => write!(f, "{}d", ms / DAY),
            _ if ms % HOUR == 0 => write!(f, "{}h", ms / HOUR),
            _ if ms % MINUTE == 0 => write!(f, "{}m", ms / MINUTE),
            _ => write!(f, "{}s", ms / SECOND),
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `2h 14m`, `3d 4h`, `12m`, `45s`: the two largest units, for reasons.
pub fn format_duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < MINUTE {
        return format!("{}s", ms / SECOND);
    }
    let (d, h, m) = (ms / DAY, ms % DAY / HOUR, ms % HOUR / MINUTE);
    match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Escalation configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationSpec {
    /// Where manager requests and sensitive topics go, and where the top of
    /// a chain escalates. Without one those only notify the team lead.
    pub management_team: Option<String>,
    /// The team a manual "other department" escalation goes to.
    pub cross_department_team: Option<String>,
    /// A contact back about the same issue within this is a repeat contact.
    pub repeat_contact_window: HumanDuration,
    /// A VIP ticket unresolved this long escalates.
    pub vip_window: HumanDuration,
    /// Sentiment (−1..=1) at or below which a ticket escalates; `None` off.
    pub negative_sentiment: Option<f64>,
    /// Words that send a ticket straight to management (legal, press…).
    pub management_keywords: Vec<String>,
    /// Extra phrases meaning "let me talk to a person".
    pub human_phrases: Vec<String>,
    /// Extra phrases meaning "let me talk to a manager".
    pub manager_phrases: Vec<String>,
}

impl Default for EscalationSpec {
    fn default() -> Self {
        EscalationSpec {
            management_team: None,
            cross_department_team: None,
            repeat_contact_window: HumanDuration(7 * DAY),
            vip_window: HumanDuration(2 * HOUR),
            negative_sentiment: Some(-0.7),
            management_keywords: DEFAULT_MANAGEMENT_KEYWORDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            human_phrases: Vec::new(),
            manager_phrases: Vec::new(),
        }
    }
}

/// Legal threats, regulators and the press, in the languages our customers
/// write. Bare "complaint" and "press" are left out: too common in ordinary
/// support ("press the button", "I have a complaint about my order").
pub const DEFAULT_MANAGEMENT_KEYWORDS: &[&str] = &[
    // en
    "legal action",
    "lawyer",
    "attorney",
    "sue",
    "suing",
    "lawsuit",
    "court",
    "journalist",
    "reporter",
    "the press",
    "regulator",
    "ombudsman",
    "formal complaint",
    "file a complaint",
    "consumer protection",
    "small claims",
    // es
    "abogado",
    "abogados",
    "demandar",
    "demanda judicial",
    "denuncia",
    "denunciar",
    "tribunal",
    "juzgado",
    "periodista",
    "prensa",
    "profeco",
    "defensa del consumidor",
    "queja formal",
    "hoja de reclamaciones",
    // pt
    "advogado",
    "advogados",
    "processar",
    "processo judicial",
    "acao judicial",
    "justica",
    "procon",
    "reclame aqui",
    "jornalista",
    "imprensa",
    // fr
    "avocat",
    "poursuivre en justice",
    "porter plainte",
    "plainte",
    "journaliste",
    "mediateur",
    "association de consommateurs",
    // de
    "anwalt",
    "rechtsanwalt",
    "klage",
    "verklagen",
    "gericht",
    "journalistin",
    "presse",
    "verbraucherzentrale",
    "schlichtungsstelle",
    // it
    "avvocato",
    "denuncia formale",
    "tribunale",
    "giornalista",
    "stampa",
    "codacons",
    // id
    "pengacara",
    "menggugat",
    "gugatan",
    "pengadilan",
    "wartawan",
    "ylki",
    "somasi",
];

/// What the customer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A person instead of the bot.
    Human,
    /// Someone above the agent.
    Manager,
}

crate::wire_enum!(RequestKind, "request kind", {
    Human => "human",
    Manager => "manager",
});

/// A customer's request for a human or a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: RequestKind,
    /// The phrase that matched (normalized: lowercase, no accents).
    pub matched: String,
    /// The language of the phrase ("en", "es"…; "custom" for configured ones).
    pub lang: &'static str,
}

/// Which SLA target was breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

crate::wire_enum!(SlaTarget, "SLA target", {
    FirstResponse => "first_response",
    Resolution => "resolution",
});

/// Why a ticket escalates.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    SlaBreach {
        target: SlaTarget,
    },
    /// The priority's "escalate after" timer fired with the ticket unresolved.
    EscalateAfter {
        after_ms: i64,
    },
    CustomerRequest(Request),
    /// An agent escalated. `target`: a team name, or "management" /
    /// "cross_department" for the configured teams; `None` is one level up.
    Manual {
        reason: String,
        target: Option<String>,
    },
    NegativeSentiment {
        score: f64,
    },
    VipUnresolved {
        open_ms: i64,
    },
    RepeatContact {
        previous_ticket: i64,
    },
    /// A management keyword (legal, press, regulator…).
    Sensitive {
        keyword: String,
    },
}

impl Trigger {
    /// A short, stable name for the kind of trigger (for filters and reports).
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::SlaBreach { .. } => "sla_breach",
            Trigger::EscalateAfter { .. } => "escalate_after",
            Trigger::CustomerRequest(_) => "customer_request",
            Trigger::Manual { .. } => "manual",
            Trigger::NegativeSentiment { .. } => "negative_sentiment",
            Trigger::VipUnresolved { .. } => "vip_unresolved",
            Trigger::RepeatContact { .. } => "repeat_contact",
            Trigger::Sensitive { .. } => "sensitive",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::SlaBreach {
                target: SlaTarget::FirstResponse,
            } => f.write_str("first-response SLA breached"),
            Trigger::SlaBreach {
                target: SlaTarget::Resolution,
            } => f.write_str("resolution SLA breached"),
            Trigger::EscalateAfter { after_ms } => {
                write!(f, "unresolved after {}", format_duration_ms(*after_ms))
            }
            Trigger::CustomerRequest(r) => {
                write!(f, "customer asked for a {} (\"{}\")", r.kind, r.matched)
            }
            Trigger::Manual { reason, .. } => write!(f, "escalated by an agent: {reason}"),
            Trigger::NegativeSentiment { score } => write!(f, "negative sentiment {score:.2}"),
            Trigger::VipUnresolved { open_ms } => {
                write!(
                    f,
                    "VIP ticket unresolved for {}",
                    format_duration_ms(*open_ms)
                )
            }
            Trigger::RepeatContact { previous_ticket } => {
                write!(f, "repeat contact about ticket #{previous_ticket}")
            }
            Trigger::Sensitive { keyword } => write!(f, "sensitive keyword \"{keyword}\""),
        }
    }
}

/// How the ticket moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EscalationPath {
    NextLevel,
    Management,
    CrossDepartment,
    /// No team to move to: the team lead is notified.
    NotifyOnly,
}

crate::wire_enum!(EscalationPath, "escalation path", {
    NextLevel => "next_level",
    Management => "management",
    CrossDepartment => "cross_department",
    NotifyOnly => "notify_only",
});

/// Where an escalation goes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub target_team: Option<String>,
    pub path: EscalationPath,
    pub reason: String,
}

/// A team and the team above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLevel {
    pub name: String,
    pub escalates_to: Option<String>,
}

impl TeamLevel {
    pub fn new(name: &str, escalates_to: Option<&str>) -> TeamLevel {
        TeamLevel {
            name: name.to_string(),
            escalates_to: escalates_to.map(str::to_string),
        }
    }
}

/// An escalation configuration or team graph that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    #[error("escalation: team {team:?} escalates to unknown team {target:?}")]
    UnknownEscalatesTo { team: String, target: String },
    #[error("escalation: {field} {team:?} is not a team")]
    UnknownTeam { field: &'static str, team: String },
    #[error("escalation loop: {}", path.join(" → "))]
    Loop { path: Vec<String> },
    #[error("escalation: team {0:?} is listed twice")]
    DuplicateTeam(String),
    #[error("escalation: {0}")]
    Invalid(String),
}

/// Checks the spec against the team graph: every named team exists and
/// `escalates_to` never loops (L1 → L2 → L1 would bounce tickets forever).
pub fn validate(spec: &EscalationSpec, teams: &[TeamLevel]) -> Result<(), EscalationError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, t) in teams.iter().enumerate() {
        if index.insert(t.name.as_str(), i).is_some() {
            return Err(EscalationError::DuplicateTeam(t.name.clone()));
        }
    }
    for t in teams {
        if let Some(to) = &t.escalates_to
            && !index.contains_key(to.as_str())
        {
            return Err(EscalationError::UnknownEscalatesTo {
                team: t.name.clone(),
                target: to.clone(),
            });
        }
    }
    for (field, team) in [
        ("management_team", &spec.management_team),
        ("cross_department_team", &spec.cross_department_team),
    ] {
        if let Some(team) = team
            && !index.contains_key(team.as_str())
        {
            return Err(EscalationError::UnknownTeam {
                field,
                team: team.clone(),
            });
        }
    }
    // Walk up from every team; a team seen twice on one walk is a loop.
    for start in 0..teams.len() {
        let mut path: Vec<usize> = vec![start];
        let mut at = start;
        while let Some(next) = teams[at].escalates_to.as_deref().map(|n| index[n]) {
            if let Some(pos) = path.iter().position(|&p| p == next) {
                let mut names: Vec<String> =
                    path[pos..].iter().map(|&p| teams[p].name.clone()).collect();
                names.push(teams[next].name.clone());
                return Err(EscalationError::Loop { path: names });
            }
            path.push(next);
            at = next;
        }
    }
    if spec.repeat_contact_window.0 <= 0 || spec.vip_window.0 <= 0 {
        return Err(EscalationError::Invalid(
            "repeat_contact_window and vip_window must be positive".into(),
        ));
    }
    if let Some(t) = spec.negative_sentiment
        && !(-1.0..=1.0).contains(&t)
    {
        return Err(EscalationError::Invalid(format!(
            "negative_sentiment {t} is outside -1..=1"
        )));
    }
    for (field, list) in [
        ("management_keywords", &spec.management_keywords),
        ("human_phrases", &spec.human_phrases),
        ("manager_phrases", &spec.manager_phrases),
    ] {
        if let Some(i) = list.iter().position(|s| normalize(s).is_empty()) {
            return Err(EscalationError::Invalid(format!(
                "{field} entry #{} is empty",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Decides where `trigger` takes a ticket now with `current_team`.
pub fn decide(
    spec: &EscalationSpec,
    trigger: &Trigger,
    current_team: Option<&str>,
    teams: &[TeamLevel],
) -> Escalation {
    let why = trigger.to_string();
    match trigger {
        Trigger::CustomerRequest(Request {
            kind: RequestKind::Manager,
            ..
        })
        | Trigger::Sensitive { .. } => to_management(spec, &why, current_team, teams),
        Trigger::Manual {
            target: Some(target),
            ..
        } => manual(spec, &why, target.trim(), current_team, teams),
        _ => next_level(spec, &why, current_team, teams),
    }
}

fn esc(target: Option<&str>, path: EscalationPath, reason: String) -> Escalation {
    Escalation {
        target_team: target.map(str::to_string),
        path,
        reason,
    }
}

fn from(current: Option<&str>) -> String {
    current.map_or_else(|| "unassigned".to_string(), str::to_string)
}

fn next_level(
    spec: &EscalationSpec,
    why: &str,
    current: Option<&str>,
    teams: &[TeamLevel],
) -> Escalation {
    let Some(cur) = current else {
        return esc(
            None,
            EscalationPath::NotifyOnly,
            format!("{why}; no team to escalate from: leads notified"),
        );
    };
    match teams.iter().find(|t| t.name == cur) {
        Some(TeamLevel {
            escalates_to: Some(up),
            ..
        }) => esc(
            Some(up),
            EscalationPath::NextLevel,
            format!("{why}; {cur} → {up} (next level)"),
        ),
        Some(_) => match &spec.management_team {
            Some(m) if m != cur => esc(
                Some(m),
                EscalationPath::Management,
                format!("{why}; {cur} is the top level → {m} (management)"),
            ),
            Some(_) => esc(
                None,
                EscalationPath::NotifyOnly,
                format!("{why}; already with management: lead notified"),
            ),
            None => esc(
                None,
                EscalationPath::NotifyOnly,
                format!(
                    "{why}; {cur} is the top level and no management team is configured: lead notified"
                ),
            ),
        },
        None => esc(
            None,
            EscalationPath::NotifyOnly,
            format!("{why}; team {cur} is unknown: leads notified"),
        ),
    }
}

fn to_management(
    spec: &EscalationSpec,
    why: &str,
    current: Option<&str>,
    teams: &[TeamLevel],
) -> Escalation {
    match &spec.management_team {
        Some(m) if Some(m.as_str()) == current => esc(
            None,
            EscalationPath::NotifyOnly,
            format!("{why}; already with management: lead notified"),
        ),
        Some(m) => esc(
            Some(m),
            EscalationPath::Management,
            format!("{why}; {} → {m} (management)", from(current)),
        ),
        None => {
            let mut e = next_level(spec, why, current, teams);
            e.reason = format!("{}; no management team configured", e.reason);
            e
        }
    }
}

fn manual(
    spec: &EscalationSpec,
    why: &str,
    target: &str,
    current: Option<&str>,
    teams: &[TeamLevel],
) -> Escalation {
    let cur = from(current);
    let named = match target {
        "management" => return to_management(spec, why, current, teams),
        "cross_department" => match &spec.cross_department_team {
            Some(t) => t.as_str(),
            None => {
                return esc(
                    None,
                    EscalationPath::NotifyOnly,
                    format!("{why}; no cross-department team configured: lead notified"),
                );
            }
        },
        t => t,
    };
    if Some(named) == current {
        return esc(
            None,
            EscalationPath::NotifyOnly,
            format!("{why}; already with {named}: lead notified"),
        );
    }
    if spec.management_team.as_deref() == Some(named) {
        return esc(
            Some(named),
            EscalationPath::Management,
            format!("{why}; {cur} → {named} (management)"),
        );
    }
    if !teams.iter().any(|t| t.name == named) {
        return esc(
            None,
            EscalationPath::NotifyOnly,
            format!("{why}; team {named} is unknown: lead notified"),
        );
    }
    // Up the current team's chain is hierarchical; anywhere else is another
    // department.
    let mut at = current;
    let mut hops = 0;
    while let Some(up) = at
        .and_then(|a| teams.iter().find(|t| t.name == a))
        .and_then(|t| t.escalates_to.as_deref())
    {
        if up == named {
            return esc(
                Some(named),
                EscalationPath::NextLevel,
                format!("{why}; {cur} → {named} (next level)"),
            );
        }
        at = Some(up);
        hops += 1;
        if hops > teams.len() {
            break;
        }
    }
    esc(
        Some(named),
        EscalationPath::CrossDepartment,
        format!("{why}; {cur} → {named} (cross-department)"),
    )
}

/// One (kind, language) family of request phrases over normalized text.
struct RequestPattern {
    kind: RequestKind,
    lang: &'static str,
    re: Regex,
}

/// Recognises requests for a human or a manager. The built-in phrases need a
/// verb of asking or talking around the noun, or the noun alone as the whole
/// message, so "the manager app crashed" or "o atendente foi grosseiro" are
/// not requests.
pub struct RequestDetector {
    patterns: Vec<RequestPattern>,
    extra_human: KeywordSet,
    extra_manager: KeywordSet,
}

/// Built-in phrase patterns, over text after [`normalize`] (lowercase, no
/// accents). Manager patterns are tried before human ones.
const REQUEST_PATTERNS: &[(RequestKind, &str, &str)] = &[
    (
        RequestKind::Manager,
        "en",
        r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a\s+|the\s+|your\s+)?(?:manager|supervisor|superior|boss|someone in charge|person in charge|someone more senior)\b|\b(?:i\s+(?:want|need|demand|would like|'d like)|get me|give me|can i (?:get|have)|call|escalate (?:this |it |me )?to)\s+(?:a\s+|the\s+|your\s+)?(?:manager|supervisor|superior|boss)\b|\bescalate\s+(?:this|it|my (?:case|complaint|ticket))\b|^(?:the\s+)?(?:manager|supervisor)(?:\s+please)?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "es",
        r"\b(?:hablar|comunicarme)\s+con\s+(?:el|la|un|una|su|tu)\s+(?:gerente|supervisor(?:a)?|encargad[oa]|jef[ea]|responsable|director(?:a)?)\b|\b(?:quiero|necesito|exijo|pasame|paseme|llame|llama|llamen)\s+(?:(?:al|el|la|a la|un|una|con el|con la|con un|con una)\s+)?(?:gerente|supervisor(?:a)?|encargad[oa]|jef[ea])\b|^(?:el\s+)?gerente(?:\s+por favor)?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "pt",
        r"\b(?:falar|conversar)\s+com\s+(?:o|a|um|uma|seu|sua|o seu|a sua)\s+(?:gerente|supervisor(?:a)?|responsavel|chefe|superior|diretor(?:a)?)\b|\b(?:quero|preciso|exijo|chama|chame|chamem)\s+(?:(?:o|a|um|uma|do|da)\s+)?(?:gerente|supervisor(?:a)?|responsavel|chefe)\b|^o\s+gerente(?:\s+por favor)?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "fr",
        r"\bparler\s+(?:a|au|avec)\s+(?:(?:un|une|le|la|votre|ton)\s+)?(?:responsable|manager|superviseur|superviseuse|directeur|directrice|chef|superieur)\b|\b(?:je veux|je voudrais|j'exige|passez-moi|passez moi)\s+(?:(?:le|la|un|une|votre)\s+)?(?:responsable|manager|superviseur|directeur|directrice|chef)\b|^(?:le\s+)?(?:responsable|superviseur)(?:\s+(?:svp|s'il vous plait))?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "de",
        r"\bmit\s+(?:dem|der|ihrem|ihrer|einem|einer|deinem|eurem)\s+(?:vorgesetzten|manager(?:in)?|chef(?:in)?|teamleiter(?:in)?|supervisor|geschaftsfuhrer(?:in)?|geschaftsfuhrung|verantwortlichen|abteilungsleiter(?:in)?)\s+(?:\w+\s+)?(?:sprechen|reden|verbinden)\b|\bich\s+(?:will|mochte|verlange)\s+(?:den|die|ihren|ihre|einen)\s+(?:vorgesetzten|manager|chef(?:in)?|teamleiter(?:in)?|geschaftsfuhrer)\b|\bverbinden\s+sie\s+mich\s+(?:bitte\s+)?mit\s+(?:dem|der|ihrem|ihrer)\s+(?:vorgesetzten|manager|chef|teamleiter)\b|^(?:der\s+)?vorgesetzte(?:n)?(?:\s+bitte)?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "it",
        r"\bparlare\s+con\s+(?:il|la|un|una|il vostro|la vostra|il suo|la sua)\s+(?:responsabile|direttore|direttrice|supervisore|manager|superiore|capo)\b|\b(?:voglio|vorrei|esigo|chiamate|passatemi)\s+(?:(?:il|la|un|una)\s+)?(?:responsabile|direttore|supervisore|manager|capo)\b|^(?:il\s+)?responsabile(?:\s+per favore)?[\s!.?]*$",
    ),
    (
        RequestKind::Manager,
        "id",
        r"\b(?:bicara|berbicara|ngobrol|ngomong|hubungkan|sambungkan)\s+(?:dengan|sama|ke|ama)\s+(?:(?:seorang|sang)\s+)?(?:manajer|manager|atasan|supervisor|pimpinan|kepala|bos)\b|\b(?:minta|mau|ingin|panggil|panggilkan)\s+(?:(?:bicara|berbicara)\s+(?:dengan|sama)\s+)?(?:manajer|manager|atasan|supervisor|pimpinan|bos)\b|^(?:manajer|atasan)(?:\s+(?:tolong|dong))?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "en",
        r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s+|the\s+|your\s+|one of your\s+)?(?:real\s+|live\s+|actual\s+)?(?:human|person|agent|representative|rep|operator|somebody|someone|customer service|support agent|staff)\b|\b(?:real|live|actual)\s+(?:human|person|agent)\b|\bhuman\s+(?:agent|support|help|please)\b|\b(?:connect|transfer|put)\s+me\s+(?:through\s+)?(?:to|with)\s+(?:a\s+|an\s+|the\s+|your\s+)?(?:real\s+|live\s+)?(?:human|person|agent|representative|operator|someone|somebody)\b|\b(?:i\s+(?:want|need|would like|'d like)|can i (?:get|have)|give me|get me)\s+(?:a\s+|an\s+)?(?:real\s+|live\s+)?(?:human|person|agent|representative|operator)\b|\b(?:don't|dont|do not)\s+want\s+(?:to\s+(?:talk|speak|chat)\s+(?:to|with)\s+)?(?:a|the|this|your)\s+(?:bot|robot|machine)\b|^(?:a\s+)?(?:human|agent|person|representative|operator|real person|live agent)(?:\s+please)?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "es",
        r"\b(?:hablar|comunicarme|conversar|chatear)\s+con\s+(?:(?:un|una)\s+)?(?:persona|ser humano|humano|agente|asesor(?:a)?|operador(?:a)?|ejecutiv[oa]|representante|alguien)\b|\b(?:quiero|necesito|me pasas con|me pasa con|pasame con|paseme con|comuniqueme con)\s+(?:(?:un|una|a un|a una|con un|con una)\s+)?(?:persona|humano|agente|asesor(?:a)?|operador(?:a)?|ejecutiv[oa])\b|\bpersona\s+real\b|\batencion\s+humana\b|^(?:humano|asesor|persona|operador)(?:\s+por favor)?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "pt",
        r"\b(?:falar|conversar)\s+com\s+(?:(?:um|uma|algum|alguma)\s+)?(?:atendente|ser humano|humano|pessoa|agente|operador(?:a)?|consultor(?:a)?|alguem|representante)\b|\b(?:quero|preciso de|me passa para|me transfere para|me transfira para)\s+(?:(?:um|uma|o|a)\s+)?(?:atendente|humano|pessoa|agente|operador(?:a)?)\b|\batendimento\s+humano\b|\bpessoa\s+(?:real|de verdade)\b|^(?:atendente|humano)(?:\s+por favor)?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "fr",
        r"\bparler\s+(?:a|avec)\s+(?:(?:un|une)\s+)?(?:(?:vrai|vraie|veritable)\s+)?(?:conseiller|conseillere|humain|etre humain|personne|agent|operateur|operatrice|interlocuteur|quelqu'un)\b|\b(?:je veux|je voudrais|j'aimerais|je souhaite)\s+(?:(?:un|une)\s+)?(?:conseiller|conseillere|humain|agent|operateur|operatrice)\b|\bvraie\s+personne\b|^(?:conseiller|humain)(?:\s+(?:svp|s'il vous plait))?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "de",
        r"\bmit\s+(?:(?:einem|einer|jemandem|nem|ner)\s+)?(?:(?:echten|richtigen)\s+)?(?:mitarbeiter(?:in)?|menschen|mensch|person|berater(?:in)?|kundenberater(?:in)?|agenten|kundenservice|kundendienst|jemandem)\s+(?:\w+\s+)?(?:sprechen|reden|verbinden|chatten)\b|\bverbinden\s+sie\s+mich\s+(?:bitte\s+)?mit\s+(?:einem|einer)\s+(?:mitarbeiter(?:in)?|menschen|berater(?:in)?)\b|\becht(?:en|er|e)?\s+mensch(?:en)?\b|^(?:mitarbeiter|mensch)(?:\s+bitte)?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "it",
        r"\bparlare\s+con\s+(?:(?:un|una|un vero|una vera)\s+|un')?(?:operatore|operatrice|persona|essere umano|umano|agente|consulente|addetto|addetta|qualcuno)\b|\b(?:voglio|vorrei)\s+(?:(?:un|una)\s+|un')?(?:operatore|operatrice|umano|agente|consulente)\b|\bpersona\s+(?:vera|reale)\b|\boperatore\s+umano\b|^(?:operatore|umano)(?:\s+per favore)?[\s!.?]*$",
    ),
    (
        RequestKind::Human,
        "id",
        r"\b(?:bicara|berbicara|ngobrol|ngomong|chat|hubungkan|sambungkan)\s+(?:dengan|sama|ke|ama)\s+(?:(?:seorang|orang)\s+)?(?:manusia|orang asli|orang|agen|admin|cs|customer service|operator|petugas|staf|staff)\b|\b(?:minta|mau|ingin|butuh)\s+(?:(?:bicara|berbicara|ngobrol)\s+(?:dengan|sama)\s+)?(?:admin|cs|operator|manusia|agen|petugas|customer service)\b|^(?:admin|cs|manusia)(?:\s+(?:tolong|dong))?[\s!.?]*$",
    ),
];

impl RequestDetector {
    /// The built-in phrases plus the spec's extra ones.
    pub fn new(human_phrases: &[String], manager_phrases: &[String]) -> RequestDetector {
        RequestDetector {
            patterns: REQUEST_PATTERNS
                .iter()
                .map(|(kind, lang, re)| RequestPattern {
                    kind: *kind,
                    lang,
                    re: Regex::new(re).expect("built-in request pattern"),
                })
                .collect(),
            extra_human: KeywordSet::new(human_phrases),
            extra_manager: KeywordSet::new(manager_phrases),
        }
    }

    /// A request for a manager (checked first) or a human in `text`.
    pub fn detect(&self, text: &str) -> Option<Request> {
        let norm = normalize(text);
        let found = |kind: RequestKind, extra: &KeywordSet| {
            self.patterns
                .iter()
                .filter(|p| p.kind == kind)
                .find_map(|p| {
                    p.re.find(&norm).map(|m| Request {
                        kind,
                        matched: m.as_str().trim().to_string(),
                        lang: p.lang,
                    })
                })
                .or_else(|| {
                    extra.first_hit(&norm).map(|h| Request {
                        kind,
                        matched: extra.keyword(h.keyword).to_string(),
                        lang: "custom",
                    })
                })
        };
        found(RequestKind::Manager, &self.extra_manager)
            .or_else(|| found(RequestKind::Human, &self.extra_human))
    }
}

/// Finds a request for a human or a manager with the built-in phrases, e.g.
/// "quiero hablar con una persona", "let me speak to your manager".
pub fn detect_request(text: &str) -> Option<Request> {
    static DEFAULT: OnceLock<RequestDetector> = OnceLock::new();
    DEFAULT
        .get_or_init(|| RequestDetector::new(&[], &[]))
        .detect(text)
}

/// An [`EscalationSpec`] compiled for scanning messages.
pub struct Escalator {
    spec: EscalationSpec,
    requests: RequestDetector,
    sensitive: KeywordSet,
}

impl Escalator {
    /// Validates `spec` against `teams` and compiles its phrase lists.
    pub fn new(spec: &EscalationSpec, teams: &[TeamLevel]) -> Result<Escalator, EscalationError> {
        validate(spec, teams)?;
        Ok(Escalator {
            spec: spec.clone(),
            requests: RequestDetector::new(&spec.human_phrases, &spec.manager_phrases),
            sensitive: KeywordSet::new(&spec.management_keywords),
        })
    }

    pub fn spec(&self) -> &EscalationSpec {
        &self.spec
    }

    pub fn detect_request(&self, text: &str) -> Option<Request> {
        self.requests.detect(text)
    }

    /// The first management keyword in `text`.
    pub fn sensitive(&self, text: &str) -> Option<String> {
        let h = self.sensitive.first_hit(&normalize(text))?;
        Some(self.sensitive.keyword(h.keyword).to_string())
    }

    /// The trigger a customer message carries, if any: a manager request or
    /// a sensitive keyword (both go to management), else a human request.
    pub fn scan(&self, text: &str) -> Option<Trigger> {
        let req = self.detect_request(text);
        if let Some(r) = req.as_ref().filter(|r| r.kind == RequestKind::Manager) {
            return Some(Trigger::CustomerRequest(r.clone()));
        }
        if let Some(keyword) = self.sensitive(text) {
            return Some(Trigger::Sensitive { keyword });
        }
        req.map(Trigger::CustomerRequest)
    }

    /// When a VIP ticket opened at `opened_ms` escalates if unresolved (for
    /// the server's timer).
    pub fn vip_deadline(&self, opened_ms: i64) -> i64 {
        opened_ms + self.spec.vip_window.ms()
    }

    /// The VIP trigger, if the ticket is a VIP's and has been open too long.
    pub fn vip_unresolved(&self, vip: bool, opened_ms: i64, now_ms: i64) -> Option<Trigger> {
        (vip && now_ms >= self.vip_deadline(opened_ms)).then(|| Trigger::VipUnresolved {
            open_ms: now_ms - opened_ms,
        })
    }

    /// The sentiment trigger, if `score` is at or below the threshold.
    pub fn negative_sentiment(&self, score: f64) -> Option<Trigger> {
        let t = self.spec.negative_sentiment?;
        (score <= t).then_some(Trigger::NegativeSentiment { score })
    }

    pub fn decide(
        &self,
        trigger: &Trigger,
        current_team: Option<&str>,
        teams: &[TeamLevel],
    ) -> Escalation {
        decide(&self.spec, trigger, current_team, teams)
    }
}

/// A closed ticket of the same contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastTicket {
    pub id: i64,
    pub closed_at_ms: i64,
    pub labels: Vec<String>,
    pub topic: Option<String>,
}

/// The previous ticket this one repeats, and why: the same contact is back
/// within `window_ms` of closing a ticket that shares a label or the topic.
/// The most recently closed such ticket wins.
pub fn repeat_contact(
    now_ms: i64,
    window_ms: i64,
    current_labels: &[String],
    current_topic: Option<&str>,
    previous: &[PastTicket],
) -> Option<(i64, String)> {
    let topic = current_topic.map(str::trim).filter(|t| !t.is_empty());
    previous
        .iter()
        .filter(|p| p.closed_at_ms <= now_ms && now_ms - p.closed_at_ms <= window_ms)
        .filter_map(|p| {
            let label = current_labels
                .iter()
                .find(|l| {
                    p.labels
                        .iter()
                        .any(|pl| pl.trim().eq_ignore_ascii_case(l.trim()))
                })
                .map(|l| format!("same label \"{}\"", l.trim()));
            let same_topic = topic
                .filter(|t| {
                    p.topic
                        .as_deref()
                        .is_some_and(|pt| pt.trim().eq_ignore_ascii_case(t))
                })
                .map(|t| format!("same topic \"{t}\""));
            let why = label.or(same_topic)?;
            Some((p, why))
        })
        .max_by_key(|(p, _)| (p.closed_at_ms, p.id))
        .map(|(p, why)| {
            let ago = format_duration_ms(now_ms - p.closed_at_ms);
            (
                p.id,
                format!("contact back {ago} after ticket #{} closed, {why}", p.id),
            )
        })
}

/// What the receiving team needs to know, as plain data from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryInput {
    /// Who handled the ticket, in order ("bot", agent emails…).
    pub handlers: Vec<String>,
    /// Internal notes, oldest first; the last few are shown.
    pub notes: Vec<String>,
    pub bot_intent: Option<String>,
    /// SLA state, e.g. "first response breached 12m ago".
    pub sla: Option<String>,
    /// Earlier triggers and escalations, oldest first (reasons).
    pub escalations: Vec<String>,
    pub messages_in: u32,
    pub messages_out: u32,
    pub opened_ms: i64,
    pub now_ms: i64,
}

/// Notes shown in a summary, and their maximum length.
const SUMMARY_NOTES: usize = 3;
const NOTE_CHARS: usize = 200;

/// The handoff summary: a few readable lines.
pub fn summary(input: &SummaryInput) -> String {
    let mut lines = Vec::new();
    lines.push(format!(
        "Open {}; {} message{} in, {} out.",
        format_duration_ms(input.now_ms - input.opened_ms),
        input.messages_in,
        if input.messages_in == 1 { "" } else { "s" },
        input.messages_out
    ));
    let mut handlers: Vec<&str> = Vec::new();
    for h in &input.handlers {
        let h = h.trim();
        if !h.is_empty() && !handlers.contains(&h) {
            handlers.push(h);
        }
    }
    lines.push(if handlers.is_empty() {
        "Handled by: nobody yet.".to_string()
    } else {
        format!("Handled by: {}.", handlers.join(", "))
    });
    if let Some(intent) = input
        .bot_intent
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        lines.push(format!("Bot intent: {intent}."));
    }
    if let Some(sla) = input
        .sla
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        lines.push(format!("SLA: {sla}."));
    }
    if !input.escalations.is_empty() {
        lines.push(format!(
            "Escalations so far: {}.",
            input.escalations.join("; ")
        ));
    }
    let notes: Vec<&String> = input
        .notes
        .iter()
        .filter(|n| !n.trim().is_empty())
        .collect();
    if !notes.is_empty() {
        lines.push("Recent notes:".to_string());
        for n in &notes[notes.len().saturating_sub(SUMMARY_NOTES)..] {
            let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = n.chars().take(NOTE_CHARS).collect();
            let ellipsis = if short.len() < n.len() { "…" } else { "" };
            lines.push(format!("- {short}{ellipsis}"));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Vec<TeamLevel> {
        vec![
            TeamLevel::new("L1", Some("L2")),
            TeamLevel::new("L2", Some("L3")),
            TeamLevel::new("L3", None),
            TeamLevel::new("Billing", None),
            TeamLevel::new("Management", None),
        ]
    }

    fn spec_with_management() -> EscalationSpec {
        EscalationSpec {
            management_team: Some("Management".into()),
            ..EscalationSpec::default()
        }
    }

    #[test]
    fn durations_read_and_print_the_human_way() {
        assert_eq!("7d".parse::<HumanDuration>(), Ok(HumanDuration(7 * DAY)));
        assert_eq!("48h".parse::<HumanDuration>(), Ok(HumanDuration(48 * HOUR)));
        assert_eq!(
            "1d12h".parse::<HumanDuration>(),
            Ok(HumanDuration(36 * HOUR))
        );
        assert_eq!("90m".parse::<HumanDuration>().unwrap().to_string(), "90m");
        assert_eq!(HumanDuration(36 * HOUR).to_string(), "36h");
        assert_eq!(
            "7 days".parse::<HumanDuration>().unwrap_err(),
            "duration \"7 days\" is not like \"7d\", \"48h\", \"90m\" or \"1d12h\""
        );
        assert!("d".parse::<HumanDuration>().is_err() && "12".parse::<HumanDuration>().is_err());
        let spec: EscalationSpec =
            serde_json::from_str(r#"{"repeat_contact_window": "48h", "vip_window": "30m"}"#)
                .unwrap();
        assert_eq!(
            (spec.repeat_contact_window.ms(), spec.vip_window.ms()),
            (48 * HOUR, 30 * MINUTE)
        );
        assert!(serde_json::from_str::<EscalationSpec>(r#"{"vip_window": 3}"#).is_err());
        assert!(serde_json::from_str::<EscalationSpec>(r#"{"vip_windw": "2h"}"#).is_err());
        assert_eq!(
            serde_json::to_value(EscalationSpec::default()).unwrap()["repeat_contact_window"],
            "7d"
        );
    }

    #[test]
    fn format_duration_keeps_two_units() {
        assert_eq!(format_duration_ms(45 * SECOND), "45s");
        assert_eq!(format_duration_ms(12 * MINUTE + 5 * SECOND), "12m");
        assert_eq!(format_duration_ms(2 * HOUR + 14 * MINUTE), "2h 14m");
        assert_eq!(format_duration_ms(3 * HOUR), "3h");
        assert_eq!(format_duration_ms(3 * DAY + 4 * HOUR + 5 * MINUTE), "3d 4h");
        assert_eq!(format_duration_ms(-5), "0s");
    }

    #[test]
    fn detects_requests_for_a_human_in_many_languages() {
        let cases = [
            ("Can I talk to a real person please?", "en"),
            ("I want to speak with a human", "en"),
            ("agent", "en"),
            ("Human please!", "en"),
            ("I don't want to talk to a bot", "en"),
            ("quiero hablar con una persona", "es"),
            ("Necesito hablar con un asesor", "es"),
            ("quero falar com um atendente", "pt"),
            ("Preciso de atendimento humano", "pt"),
            ("je veux parler à un conseiller", "fr"),
            ("Est-ce que je peux parler à une vraie personne ?", "fr"),
            ("Ich möchte mit einem Mitarbeiter sprechen", "de"),
            ("kann ich mit einem echten Menschen reden", "de"),
            ("voglio parlare con un operatore", "it"),
            ("vorrei un operatore umano", "it"),
            ("saya mau bicara dengan manusia", "id"),
            ("minta admin dong", "id"),
        ];
        for (text, lang) in cases {
            let r = detect_request(text).unwrap_or_else(|| panic!("missed {text:?}"));
            assert_eq!(
                (r.kind, r.lang),
                (RequestKind::Human, lang),
                "{text:?} → {r:?}"
            );
        }
    }

    #[test]
    fn detects_requests_for_a_manager() {
        let cases = [
            ("let me speak to your manager", "en"),
            ("I want a supervisor NOW", "en"),
            ("please escalate this", "en"),
            ("supervisor", "en"),
            ("gerente", "es"),
            ("quiero hablar con el gerente", "es"),
            ("quero falar com o seu gerente", "pt"),
            ("je veux parler au responsable", "fr"),
            ("Ich will mit Ihrem Vorgesetzten sprechen", "de"),
            ("voglio parlare con il responsabile", "it"),
            ("saya mau bicara dengan atasan anda", "id"),
        ];
        for (text, lang) in cases {
            let r = detect_request(text).unwrap_or_else(|| panic!("missed {text:?}"));
            assert_eq!(
                (r.kind, r.lang),
                (RequestKind::Manager, lang),
                "{text:?} → {r:?}"
            );
        }
        let r = detect_request("Let me speak to your MANAGER.").unwrap();
        assert_eq!(r.matched, "speak to your manager");
    }

    #[test]
    fn ordinary_messages_are_not_requests() {
        for text in [
            "the manager app crashed when I opened it",
            "my account manager said the invoice was wrong",
            "I spoke to your agent yesterday and it was fixed, thanks",
            "the person at the door had no parcel",
            "is this a human-readable format?",
            "el gerente de la tienda me trató mal",
            "o atendente foi grosseiro comigo",
            "personne ne répond au téléphone",
            "der Mitarbeiter hat mir nicht geholfen",
            "l'operatore ha chiuso la chiamata",
            "admin panel tidak bisa dibuka",
            "talk to you later",
            "",
        ] {
            assert_eq!(detect_request(text), None, "{text:?}");
        }
    }

    #[test]
    fn configured_phrases_extend_the_built_ins() {
        let spec = EscalationSpec {
            human_phrases: vec!["falar com a Ana".into()],
            manager_phrases: vec!["dono da loja".into()],
            ..EscalationSpec::default()
        };
        let e = Escalator::new(&spec, &ladder()).unwrap();
        let r = e.detect_request("posso falar com a ana?").unwrap();
        assert_eq!(
            (r.kind, r.lang, r.matched.as_str()),
            (RequestKind::Human, "custom", "falar com a ana")
        );
        assert_eq!(
            e.detect_request("chama o dono da loja").unwrap().kind,
            RequestKind::Manager
        );
    }

    #[test]
    fn scan_finds_sensitive_topics_and_requests() {
        let e = Escalator::new(&spec_with_management(), &ladder()).unwrap();
        assert_eq!(
            e.scan("I will talk to my LAWYER about this"),
            Some(Trigger::Sensitive {
                keyword: "lawyer".into()
            })
        );
        assert_eq!(
            e.scan("vou reclamar no Procon"),
            Some(Trigger::Sensitive {
                keyword: "procon".into()
            })
        );
        assert_eq!(
            e.scan("there is an issue with my order"),
            None,
            "sue inside issue"
        );
        assert_eq!(e.scan("press the button twice"), None);
        assert!(matches!(
            e.scan("my lawyer says let me speak to your manager"),
            Some(Trigger::CustomerRequest(Request {
                kind: RequestKind::Manager,
                ..
            }))
        ));
        assert!(matches!(
            e.scan("talk to a human"),
            Some(Trigger::CustomerRequest(Request {
                kind: RequestKind::Human,
                ..
            }))
        ));
    }

    #[test]
    fn next_level_up_the_chain_then_management_or_notify() {
        let teams = ladder();
        let plain = EscalationSpec::default();
        let mgmt = spec_with_management();
        let breach = Trigger::SlaBreach {
            target: SlaTarget::FirstResponse,
        };

        let e = decide(&plain, &breach, Some("L1"), &teams);
        assert_eq!(
            e,
            esc(
                Some("L2"),
                EscalationPath::NextLevel,
                "first-response SLA breached; L1 → L2 (next level)".into()
            )
        );
        let e = decide(
            &plain,
            &Trigger::EscalateAfter { after_ms: 4 * HOUR },
            Some("L2"),
            &teams,
        );
        assert_eq!(
            (e.target_team.as_deref(), e.reason.as_str()),
            (Some("L3"), "unresolved after 4h; L2 → L3 (next level)")
        );

        let e = decide(
            &mgmt,
            &Trigger::NegativeSentiment { score: -0.9 },
            Some("L3"),
            &teams,
        );
        assert_eq!(e.path, EscalationPath::Management);
        assert_eq!(
            e.reason,
            "negative sentiment -0.90; L3 is the top level → Management (management)"
        );

        let e = decide(
            &plain,
            &Trigger::VipUnresolved {
                open_ms: 2 * HOUR + 5 * MINUTE,
            },
            Some("L3"),
            &teams,
        );
        assert_eq!(e.target_team, None);
        assert_eq!(e.path, EscalationPath::NotifyOnly);
        assert_eq!(
            e.reason,
            "VIP ticket unresolved for 2h 5m; L3 is the top level and no management team is configured: lead notified"
        );

        let e = decide(
            &mgmt,
            &Trigger::RepeatContact {
                previous_ticket: 41,
            },
            Some("Management"),
            &teams,
        );
        assert_eq!(e.path, EscalationPath::NotifyOnly);
        let e = decide(&plain, &breach, None, &teams);
        assert_eq!(
            e.reason,
            "first-response SLA breached; no team to escalate from: leads notified"
        );
        let e = decide(&plain, &breach, Some("Ghost"), &teams);
        assert_eq!(e.path, EscalationPath::NotifyOnly);
    }

    #[test]
    fn manager_requests_and_sensitive_topics_skip_the_chain() {
        let teams = ladder();
        let req = Trigger::CustomerRequest(detect_request("quiero hablar con el gerente").unwrap());
        let e = decide(&spec_with_management(), &req, Some("L1"), &teams);
        assert_eq!(e.target_team.as_deref(), Some("Management"));
        assert_eq!(e.path, EscalationPath::Management);
        assert_eq!(
            e.reason,
            "customer asked for a manager (\"hablar con el gerente\"); L1 → Management (management)"
        );

        let e = decide(
            &spec_with_management(),
            &Trigger::Sensitive {
                keyword: "lawyer".into(),
            },
            Some("L2"),
            &teams,
        );
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("Management"), EscalationPath::Management)
        );

        // Without a management team: one level up, and the reason says so.
        let e = decide(
            &EscalationSpec::default(),
            &Trigger::Sensitive {
                keyword: "lawyer".into(),
            },
            Some("L1"),
            &teams,
        );
        assert_eq!(e.target_team.as_deref(), Some("L2"));
        assert!(
            e.reason.ends_with("; no management team configured"),
            "{}",
            e.reason
        );

        // A human request goes one level up like any other trigger.
        let human = Trigger::CustomerRequest(detect_request("talk to a human").unwrap());
        assert_eq!(
            decide(&spec_with_management(), &human, Some("L1"), &teams).path,
            EscalationPath::NextLevel
        );
    }

    #[test]
    fn manual_escalation_may_name_a_target() {
        let teams = ladder();
        let spec = EscalationSpec {
            cross_department_team: Some("Billing".into()),
            ..spec_with_management()
        };
        let manual = |target: Option<&str>| Trigger::Manual {
            reason: "needs a refund".into(),
            target: target.map(Into::into),
        };

        let e = decide(&spec, &manual(None), Some("L1"), &teams);
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("L2"), EscalationPath::NextLevel)
        );
        let e = decide(&spec, &manual(Some("L3")), Some("L1"), &teams);
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("L3"), EscalationPath::NextLevel),
            "skipping a level"
        );
        let e = decide(&spec, &manual(Some("Billing")), Some("L1"), &teams);
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("Billing"), EscalationPath::CrossDepartment)
        );
        assert_eq!(
            e.reason,
            "escalated by an agent: needs a refund; L1 → Billing (cross-department)"
        );
        let e = decide(&spec, &manual(Some("cross_department")), Some("L2"), &teams);
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("Billing"), EscalationPath::CrossDepartment)
        );
        let e = decide(&spec, &manual(Some("management")), Some("L2"), &teams);
        assert_eq!(
            (e.target_team.as_deref(), e.path),
            (Some("Management"), EscalationPath::Management)
        );
        let e = decide(&spec, &manual(Some("L1")), Some("L1"), &teams);
        assert_eq!(e.path, EscalationPath::NotifyOnly);
        let e = decide(&spec, &manual(Some("Nope")), Some("L1"), &teams);
        assert_eq!(
            e.reason,
            "escalated by an agent: needs a refund; team Nope is unknown: lead notified"
        );
    }

    #[test]
    fn validation_finds_loops_and_unknown_teams() {
        let spec = EscalationSpec::default();
        assert_eq!(validate(&spec, &ladder()), Ok(()));

        let looped = vec![
            TeamLevel::new("L1", Some("L2")),
            TeamLevel::new("L2", Some("L3")),
            TeamLevel::new("L3", Some("L1")),
        ];
        assert_eq!(
            validate(&spec, &looped).unwrap_err().to_string(),
            "escalation loop: L1 → L2 → L3 → L1"
        );
        let selfloop = vec![TeamLevel::new("A", None), TeamLevel::new("B", Some("B"))];
        assert_eq!(
            validate(&spec, &selfloop).unwrap_err().to_string(),
            "escalation loop: B → B"
        );

        let dangling = vec![TeamLevel::new("L1", Some("L9"))];
        assert_eq!(
            validate(&spec, &dangling).unwrap_err().to_string(),
            "escalation: team \"L1\" escalates to unknown team \"L9\""
        );
        let bad = EscalationSpec {
            management_team: Some("Mgmt".into()),
            ..EscalationSpec::default()
        };
        assert_eq!(
            validate(&bad, &ladder()).unwrap_err().to_string(),
            "escalation: management_team \"Mgmt\" is not a team"
        );
        let twice = vec![TeamLevel::new("A", None), TeamLevel::new("A", None)];
        assert_eq!(
            validate(&spec, &twice).unwrap_err(),
            EscalationError::DuplicateTeam("A".into())
        );
        let empty = EscalationSpec {
            management_keywords: vec!["".into()],
            ..EscalationSpec::default()
        };
        assert_eq!(
            validate(&empty, &ladder()).unwrap_err().to_string(),
            "escalation: management_keywords entry #1 is empty"
        );
    }

    #[test]
    fn vip_and_sentiment_triggers() {
        let e = Escalator::new(&EscalationSpec::default(), &ladder()).unwrap();
        let opened = 1_000_000;
        assert_eq!(e.vip_deadline(opened), opened + 2 * HOUR);
        assert_eq!(e.vip_unresolved(true, opened, opened + 2 * HOUR - 1), None);
        assert_eq!(e.vip_unresolved(false, opened, opened + 9 * HOUR), None);
        assert_eq!(
            e.vip_unresolved(true, opened, opened + 2 * HOUR),
            Some(Trigger::VipUnresolved { open_ms: 2 * HOUR })
        );
        assert_eq!(
            e.negative_sentiment(-0.8),
            Some(Trigger::NegativeSentiment { score: -0.8 })
        );
        assert_eq!(e.negative_sentiment(-0.2), None);
    }

    #[test]
    fn repeat_contact_needs_same_issue_within_the_window() {
        let now = 100 * DAY;
        let past = |id, days_ago: i64, labels: &[&str], topic: Option<&str>| PastTicket {
            id,
            closed_at_ms: now - days_ago * DAY,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            topic: topic.map(Into::into),
        };
        let previous = vec![
            past(10, 30, &["billing"], None),
            past(11, 3, &["Billing"], None),
            past(12, 1, &["shipping"], Some("late parcel")),
        ];
        let labels = vec!["billing".to_string()];
        assert_eq!(
            repeat_contact(now, 7 * DAY, &labels, None, &previous),
            Some((
                11,
                "contact back 3d after ticket #11 closed, same label \"billing\"".into()
            ))
        );
        assert_eq!(
            repeat_contact(now, 7 * DAY, &[], Some("Late parcel"), &previous),
            Some((
                12,
                "contact back 1d after ticket #12 closed, same topic \"Late parcel\"".into()
            ))
        );
        assert_eq!(
            repeat_contact(now, 2 * DAY, &labels, None, &previous),
            None,
            "outside the window"
        );
        assert_eq!(
            repeat_contact(now, 7 * DAY, &["vip".into()], Some("refund"), &previous),
            None,
            "different issue"
        );
    }

    #[test]
    fn summary_reads_well() {
        let input = SummaryInput {
            handlers: vec!["bot".into(), "dana@x.io".into(), "bot".into()],
            notes: vec![
                "first".into(),
                "second".into(),
                "third\n  line".into(),
                "x".repeat(300),
            ],
            bot_intent: Some("refund_request".into()),
            sla: Some("first response breached 12m ago".into()),
            escalations: vec!["first-response SLA breached; L1 → L2 (next level)".into()],
            messages_in: 5,
            messages_out: 3,
            opened_ms: 0,
            now_ms: 2 * HOUR + 14 * MINUTE,
        };
        let s = summary(&input);
        let expected = format!(
            "Open 2h 14m; 5 messages in, 3 out.\n\
             Handled by: bot, dana@x.io.\n\
             Bot intent: refund_request.\n\
             SLA: first response breached 12m ago.\n\
             Escalations so far: first-response SLA breached; L1 → L2 (next level).\n\
             Recent notes:\n\
             - second\n\
             - third line\n\
             - {}…",
            "x".repeat(200)
        );
        assert_eq!(s, expected);
        let empty = summary(&SummaryInput {
            messages_in: 1,
            ..SummaryInput::default()
        });
        assert_eq!(
            empty,
            "Open 0s; 1 message in, 0 out.\nHandled by: nobody yet."
        );
    }
}
