//! The FAQ bot worker: answers customers from the knowledge base, runs its
//! actions against the business's systems, and hands conversations to people.
//!
//! The knowledge base is a folder (`--kb`), read at start-up (a broken one
//! stops the start with file and line) and watched while running: an edit
//! that does not load is reported and the last good knowledge base stays.
//!
//! With a knowledge base loaded, every new conversation starts with the bot
//! (the store marks it at creation, so routing waits). For each customer
//! message the worker reads the bot's memory of the conversation, lets
//! [`parley_bot::dialog::Bot`] decide, performs an action's HTTP call if there
//! is one, and commits the turn (replies, memory, analysis, handoff) in one
//! transaction keyed by the message, so nothing is answered twice and a
//! person who takes the ticket silences the bot for good.

use crate::AppState;
use crate::outbox::OutboxPayload;
use parley_bot::actions::ActionClient;
use parley_bot::dialog::{
    Bot, BotMessage, CallResult, HandoffReason, Input, Session, Signals, Step, Turn,
};
use parley_bot::kb::KnowledgeBase;
use parley_core::escalation::RequestKind;
use parley_store::{BotEnd, BotInbound, BotTurnWrite, ReplyDraft};
use parley_whatsapp::send::{
    ListRow, ListSection, MediaKind, MediaSource, OutboundContent, OutboundMessage, ReplyButton,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use utoipa::ToSchema;

/// Customer messages answered per pass.
const BATCH: i64 = 50;
/// Conversations answered at once (each waits on at most its own calls).
const CONCURRENT: usize = 16;
/// Calls one message may make (fetch choices, then run, say).
const MAX_CALLS: usize = 3;
/// How often the knowledge-base folder is checked for changes.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// Where the knowledge base comes from and how the bot reaches the outside.
#[derive(Debug, Clone)]
pub struct BotConfig {
    pub kb_dir: PathBuf,
    /// This server's address as the bot's HTTP actions see it (`{{parley_url}}`
    /// in the knowledge base; the demo's fake shop lives there).
    pub public_url: Option<String>,
    /// A sentence-embedding model folder (all-MiniLM-L6-v2, see
    /// `scripts/fetch-minilm.sh`): the stronger intent back end. `None`: the
    /// built-in matcher.
    pub embedding_model: Option<PathBuf>,
    /// An OpenAI-compatible chat endpoint the bot asks for what
    /// [`BotConfig::llm_tasks`] names: the intent of a message the matcher
    /// cannot answer, every typed message's sentiment, and, last, an answer
    /// grounded only in the knowledge base. `None`: no LLM.
    pub llm: Option<parley_bot::llm::LlmConfig>,
    /// What the LLM is used for (all of it by default).
    pub llm_tasks: LlmTasks,
}

/// What the bot asks its LLM for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlmTasks {
    /// `intent`: classify a typed message the matcher hands off or is unsure
    /// about; a known intent at or above the answer threshold is answered.
    pub intent: bool,
    /// `sentiment`: score every typed message (the lexicon when it fails).
    pub sentiment: bool,
    /// `answer`: an answer grounded in the knowledge base, when nothing
    /// else answered.
    pub answer: bool,
}

impl Default for LlmTasks {
    fn default() -> LlmTasks {
        LlmTasks {
            intent: true,
            sentiment: true,
            answer: true,
        }
    }
}

impl LlmTasks {
    /// The task names, as `--bot-llm-tasks` and `[bot] llm_tasks` take them.
    pub const NAMES: [&'static str; 3] = ["intent", "sentiment", "answer"];

    /// Reads a list of task names (any case, duplicates allowed); an unknown
    /// name or an empty list is an error that names it.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<LlmTasks, String> {
        let mut t = LlmTasks {
            intent: false,
            sentiment: false,
            answer: false,
        };
        for n in names {
            match n.as_ref().trim().to_ascii_lowercase().as_str() {
                "intent" => t.intent = true,
                "sentiment" => t.sentiment = true,
                "answer" => t.answer = true,
                other => {
                    return Err(format!(
                        "unknown LLM task {other:?}; the tasks are {}",
                        Self::NAMES.join(", ")
                    ));
                }
            }
        }
        if !(t.intent || t.sentiment || t.answer) {
            return Err(format!(
                "no LLM task given; name one or more of {} (to use no LLM, leave its URL unset)",
                Self::NAMES.join(", ")
            ));
        }
        Ok(t)
    }
}

/// The bot in force and how it got there.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BotStatus {
    pub enabled: bool,
    pub kb_dir: Option<String>,
    pub intents: usize,
    pub actions: usize,
    /// The intent back end (`builtin`).
    pub model: Option<String>,
    pub loaded_at: i64,
    /// Why the last edit was refused (the knowledge base before it stays).
    pub last_error: Option<String>,
}

/// The loaded bot, swapped whole on reload.
#[derive(Clone, Default)]
pub struct BotSlot {
    bot: Arc<std::sync::RwLock<Option<Arc<Bot>>>>,
    status: Arc<std::sync::Mutex<BotStatus>>,
    /// The embedding model, loaded once and kept across knowledge-base reloads.
    encoder: Arc<std::sync::OnceLock<Arc<parley_bot::embedding::Encoder>>>,
    /// The folder as last loaded, so the watcher does not load again what
    /// the admin screen has just put in force.
    seen: Arc<std::sync::Mutex<Fingerprint>>,
}

impl BotSlot {
    pub fn get(&self) -> Option<Arc<Bot>> {
        self.bot.read().expect("bot lock").clone()
    }

    pub fn status(&self) -> BotStatus {
        self.status.lock().expect("bot status lock").clone()
    }

    fn set(&self, bot: Bot, dir: &Path, now: i64) {
        let mut st = self.status.lock().expect("bot status lock");
        *st = BotStatus {
            enabled: true,
            kb_dir: Some(dir.display().to_string()),
            intents: bot.kb().intents.len(),
            actions: bot.kb().actions.len(),
            model: Some(bot.model_name().to_string()),
            loaded_at: now,
            last_error: None,
        };
        *self.bot.write().expect("bot lock") = Some(Arc::new(bot));
    }

    fn refuse(&self, error: String) {
        self.status.lock().expect("bot status lock").last_error = Some(error);
    }
}

/// Reads and checks a knowledge-base folder with the built-in matcher; all
/// problems in one message, one per line, each with its file and line.
pub fn load(dir: &Path) -> anyhow::Result<Bot> {
    load_with(dir, None)
}

/// Like [`load`], training the embedding back end when an encoder is given.
pub fn load_with(
    dir: &Path,
    encoder: Option<&Arc<parley_bot::embedding::Encoder>>,
) -> anyhow::Result<Bot> {
    let kb = KnowledgeBase::load_dir(dir).map_err(|errors| {
        anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    Ok(match encoder {
        None => Bot::builtin(kb),
        Some(enc) => {
            let model = parley_bot::embedding::EmbeddingModel::from_knowledge_base(
                enc.clone(),
                &kb,
                Default::default(),
            )
            .map_err(|e| anyhow::anyhow!("training the embedding back end: {e}"))?;
            Bot::new(kb, Arc::new(model))
        }
    })
}

/// Loads the configured knowledge base, or fails the start.
pub fn load_initial(state: &AppState) -> anyhow::Result<()> {
    let Some(cfg) = &state.config.bot else {
        return Ok(());
    };
    if let Some(dir) = &cfg.embedding_model {
        let enc = parley_bot::embedding::Encoder::load(
            &parley_bot::embedding::EmbeddingConfig::new(dir.clone()),
        )
        .map_err(|e| anyhow::anyhow!("the bot's embedding model: {e}"))?;
        let _ = state.bot.encoder.set(Arc::new(enc));
    }
    let bot = load_with(&cfg.kb_dir, state.bot.encoder.get())?;
    tracing::info!(
        dir = %cfg.kb_dir.display(),
        intents = bot.kb().intents.len(),
        actions = bot.kb().actions.len(),
        "knowledge base loaded"
    );
    state.bot.set(bot, &cfg.kb_dir, state.now());
    state.store.set_bot_enabled(true);
    Ok(())
}

type Fingerprint = Vec<(PathBuf, u64, Option<std::time::SystemTime>)>;

/// What a folder looks like on disk, to notice edits.
fn fingerprint(dir: &Path) -> Fingerprint {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
                .map(|e| {
                    let m = e.metadata().ok();
                    (
                        e.path(),
                        m.as_ref().map_or(0, |m| m.len()),
                        m.and_then(|m| m.modified().ok()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Reloads the knowledge base when its folder changes.
pub async fn watch_kb(state: AppState, dir: PathBuf, mut shutdown: watch::Receiver<bool>) {
    *state.bot.seen.lock().expect("bot seen lock") = fingerprint(&dir);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(WATCH_INTERVAL) => {}
            _ = crate::stopped(&mut shutdown) => return,
        }
        let now_fp = fingerprint(&dir);
        if *state.bot.seen.lock().expect("bot seen lock") == now_fp {
            continue;
        }
        if let Err(e) = reload(&state, &dir).await {
            tracing::warn!(dir = %dir.display(), error = %e, "knowledge base edit refused; keeping the last good one");
            state.bot.refuse(e.to_string());
            state.bus.publish(
                "bot.reload_failed",
                json!({"error": e.to_string(), "notify_roles": ["admin"]}),
            );
        }
    }
}

/// Loads the folder and puts it in force (the watcher, and the admin screen
/// right after it writes a file, so the answer shows the bot as it now is).
/// On an error the bot in force stays.
pub async fn reload(state: &AppState, dir: &Path) -> anyhow::Result<()> {
    let fp = fingerprint(dir);
    // Training the embedding back end takes CPU seconds: off the runtime.
    let (d, enc) = (dir.to_path_buf(), state.bot.encoder.get().cloned());
    let loaded = tokio::task::spawn_blocking(move || load_with(&d, enc.as_ref()))
        .await
        .unwrap_or_else(|e| Err(anyhow::anyhow!("loading panicked: {e}")));
    *state.bot.seen.lock().expect("bot seen lock") = fp;
    let bot = loaded?;
    tracing::info!(dir = %dir.display(), intents = bot.kb().intents.len(), "knowledge base reloaded");
    state.bot.set(bot, dir, state.now());
    state
        .bus
        .publish("bot.reloaded", json!({"status": state.bot.status()}));
    Ok(())
}

/// The LLM client and what it is used for.
struct Llm {
    client: parley_bot::llm::LlmClient,
    tasks: LlmTasks,
}

/// The worker: answers pending customer messages and resolves conversations
/// left alone.
pub async fn run_bot(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let timeout = state
        .bot
        .get()
        .map(|b| b.settings().action_timeout.as_ms())
        .unwrap_or(5_000);
    let client = ActionClient::new(Duration::from_millis(timeout.max(100) as u64));
    let tasks = state
        .config
        .bot
        .as_ref()
        .map(|b| b.llm_tasks)
        .unwrap_or_default();
    let llm = state
        .config
        .bot
        .as_ref()
        .and_then(|b| b.llm.clone())
        .and_then(|c| match parley_bot::llm::LlmClient::new(c) {
            Ok(c) => Some(Llm { client: c, tasks }),
            Err(e) => {
                tracing::error!(error = %e, "the bot's LLM is misconfigured; answering without it");
                None
            }
        });
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut busy = false;
        if let Some(bot) = state.bot.get() {
            match answer_pending(&state, &bot, &client, llm.as_ref()).await {
                Ok(more) => busy = more,
                Err(e) => tracing::error!(error = %e, "the bot failed; retrying"),
            }
        }
        if let Err(e) = resolve_idle(&state).await {
            tracing::error!(error = %e, "resolving idle bot conversations failed");
        }
        if busy {
            continue;
        }
        // Wake for new messages, and in time for the next idle resolution.
        let wait = match state.store.next_bot_idle().await {
            Ok(Some(at)) => Duration::from_millis((at - state.now()).clamp(10, 1_000) as u64),
            _ => Duration::from_secs(1),
        };
        if !crate::idle(&state.bot_wake, wait, &mut shutdown).await {
            return;
        }
    }
}

async fn resolve_idle(state: &AppState) -> anyhow::Result<()> {
    let done = state
        .store
        .resolve_idle_bot_tickets(state.now(), 100)
        .await?;
    for (ticket, how) in done {
        ::metrics::counter!("parley_bot_conversations_total", "end" => how).increment(1);
        crate::ingest::publish_ticket(state, ticket, "ticket.updated").await;
        state.scheduler_wake.notify_one();
    }
    Ok(())
}

/// Answers the oldest pending message of each conversation, conversations
/// side by side (a slow shop system holds up only its own customer). A
/// conversation's next message waits for the next pass, so it is read with
/// the memory this turn leaves. Returns whether more may be waiting.
async fn answer_pending(
    state: &AppState,
    bot: &Bot,
    client: &ActionClient,
    llm: Option<&Llm>,
) -> anyhow::Result<bool> {
    use futures_util::StreamExt;
    let pending = state.store.pending_bot_messages(BATCH).await?;
    let fetched = pending.len();
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<BotInbound> = pending
        .into_iter()
        .filter(|m| seen.insert(m.ticket_id))
        .collect();
    let more = firsts.len() < fetched || fetched as i64 == BATCH;
    let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(firsts)
        .map(|m| async move {
            let started = std::time::Instant::now();
            let (mut turn, mood) = decide(state, bot, client, llm, &m).await;
            if let Some(llm) = llm.filter(|l| l.tasks.answer) {
                turn = grounded(bot, &llm.client, &m, turn, &vars(state, &m)).await;
            }
            ::metrics::histogram!("parley_bot_turn_seconds")
                .record(started.elapsed().as_secs_f64());
            commit(state, bot, &m, turn, mood).await
        })
        .buffer_unordered(CONCURRENT)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(more)
}

/// The bot's turn for one message, calls included.
///
/// The order: the built-in matcher (or embedding back end) first; for a typed
/// message it hands off or is unsure about, the LLM's classification, when it
/// names a known intent at or above the answer threshold; the sentiment from
/// the LLM (the lexicon without one, or when it fails) can override both with
/// a handoff. The LLM's two calls run side by side, each within its timeout;
/// a failure keeps the matcher's turn. The grounded answer comes after, in
/// [`grounded`]. Also returns the message's sentiment score, whoever gave it.
async fn decide(
    state: &AppState,
    bot: &Bot,
    client: &ActionClient,
    llm: Option<&Llm>,
    m: &BotInbound,
) -> (Turn, f64) {
    let session: Session = m
        .session
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let vars = vars(state, m);
    let desk = state.store.desk();
    let choice = tapped(&m.content);
    let text = m.text.clone().unwrap_or_default();
    let mut signals = Signals::default();
    if let Some(r) = desk.escalator().detect_request(&text) {
        let kind = if r.kind == RequestKind::Manager {
            "manager"
        } else {
            "human"
        };
        signals.person_requested = Some((kind.into(), r.matched));
    }
    let negative = |score: f64| match desk.escalator().negative_sentiment(score) {
        Some(parley_core::escalation::Trigger::NegativeSentiment { score }) => Some(score),
        _ => None,
    };
    // Only typed text goes to the LLM: not a tapped button, not a photo; and
    // not a request for a person, which hands off whatever the mood.
    let typed = choice.is_none() && !text.trim().is_empty();
    let llm_sentiment = llm
        .filter(|l| l.tasks.sentiment && typed && signals.person_requested.is_none())
        .map(|l| &l.client);
    let lexicon = parley_bot::sentiment::analyze(&text);
    let mut mood_why = (!lexicon.cues.is_empty()).then(|| lexicon.explain());
    let mut score = lexicon.score;
    if llm_sentiment.is_none() {
        signals.negative_sentiment = negative(lexicon.score);
    }
    let run = |signals: &Signals| match (&choice, text.trim().is_empty()) {
        (Some((id, title)), _) => bot.turn(&session, Input::Choice { id, title }, signals, &vars),
        (None, false) => bot.turn(&session, Input::Text(&text), signals, &vars),
        // A photo, a voice note, a location: the bot cannot read them, a
        // person can.
        (None, true) => bot.cannot_read(&session, &m.kind),
    };
    let mut turn = run(&signals);
    // Not while the bot waits for a slot: that answer is the flow's to read.
    let awaiting_slot = session.flow.as_ref().is_some_and(|f| f.awaiting.is_some());
    let llm_intent = llm
        .filter(|l| l.tasks.intent && typed && !awaiting_slot && unanswered(&turn))
        .map(|l| &l.client);
    let intents: Vec<(String, String)> = match llm_intent {
        Some(_) => bot
            .candidates(&session)
            .into_iter()
            .map(|i| {
                let examples = i.examples.iter().take(4).map(String::as_str);
                let description = std::iter::once(i.title.as_str())
                    .chain(examples)
                    .collect::<Vec<_>>()
                    .join(" | ");
                (i.name.clone(), description)
            })
            .collect(),
        None => Vec::new(),
    };
    let (mood, ranked) = tokio::join!(
        async {
            match llm_sentiment {
                Some(l) => Some(l.sentiment(&text).await),
                None => None,
            }
        },
        async {
            match llm_intent {
                Some(l) => Some(l.classify(&text, &intents).await),
                None => None,
            }
        },
    );
    if let Some(mood) = &mood {
        let outcome = match &mood.source {
            parley_bot::llm::SentimentSource::Llm { .. } => "ok",
            parley_bot::llm::SentimentSource::LexiconFallback { error } => {
                tracing::warn!(ticket = m.ticket_id, error = %error, "llm sentiment failed; the lexicon scored the message");
                "fallback"
            }
        };
        ::metrics::counter!("parley_bot_llm_total", "task" => "sentiment", "outcome" => outcome)
            .increment(1);
        mood_why = Some(mood.explain());
        score = mood.sentiment.score;
        signals.negative_sentiment = negative(score);
    }
    if signals.negative_sentiment.is_some() && mood.is_some() {
        // The LLM's score crossed the line: the same handoff as the lexicon's.
        turn = run(&signals);
    } else if let Some(ranked) = ranked {
        let threshold = bot.settings().answer_threshold;
        let (outcome, note) = match ranked {
            Ok(r) => match r.into_iter().next() {
                Some((intent, confidence)) if confidence >= threshold => {
                    let why = format!(
                        "{}; the LLM classified it as {intent} ({confidence:.2})",
                        turn.analysis.why
                    );
                    let candidates = turn.analysis.candidates.clone();
                    turn = bot.answer_intent(&session, &intent, confidence, &text, &vars, why);
                    if turn.analysis.candidates.is_empty() {
                        turn.analysis.candidates = candidates;
                    }
                    ("answered", None)
                }
                Some((intent, confidence)) => (
                    "unsure",
                    Some(format!(
                        "the LLM classified it as {intent} ({confidence:.2}), below the answer threshold {threshold:.2}"
                    )),
                ),
                None => ("none", Some("the LLM found no intent for it".to_string())),
            },
            Err(e) => {
                tracing::warn!(ticket = m.ticket_id, error = %e, "llm classify failed; the matcher's turn stands");
                (
                    "failed",
                    Some(format!("the LLM could not classify it: {e}")),
                )
            }
        };
        ::metrics::counter!("parley_bot_llm_total", "task" => "classify", "outcome" => outcome)
            .increment(1);
        if let Some(note) = note {
            turn.analysis.why = format!("{}; {note}", turn.analysis.why);
        }
    }
    if let Some(why) = mood_why {
        turn.analysis.why = format!("{}; sentiment {why}", turn.analysis.why);
    }
    for attempt in 0..MAX_CALLS {
        let Step::Call(call) = &turn.step else {
            break;
        };
        let call = call.clone();
        let key = format!("parley-{}-{attempt}", m.message_id);
        let result = client.perform(&call, &key).await;
        let outcome = match &result {
            CallResult::Ok(_) => "ok",
            CallResult::NotFound => "not_found",
            CallResult::Failed(_) => "failed",
        };
        ::metrics::counter!("parley_bot_actions_total", "action" => call.action.clone(), "outcome" => outcome).increment(1);
        if let CallResult::Failed(e) = &result {
            tracing::warn!(action = %call.action, ticket = m.ticket_id, error = %e, "bot action failed");
        }
        turn = bot.resume(&turn.session, &call, result, &vars);
    }
    if let Step::Call(call) = &turn.step {
        // Still calling after the limit: treat as a failure, never as silence.
        let call = call.clone();
        turn = bot.resume(
            &turn.session,
            &call,
            CallResult::Failed("too many calls for one message".into()),
            &vars,
        );
    }
    (turn, score)
}

/// Whether the matcher's turn leaves the message unanswered: a handoff for
/// want of an answer, or a clarifying question (also one that gave up after
/// too many). Only then is the LLM asked for the intent.
fn unanswered(turn: &Turn) -> bool {
    match &turn.step {
        Step::Handoff { reason, .. } => {
            matches!(
                reason,
                HandoffReason::NoAnswer | HandoffReason::TooManyAttempts
            )
        }
        _ => turn.analysis.outcome == "clarify",
    }
}

/// When the matcher found no answer for a text, asks the LLM for one stated
/// by the knowledge base's own answers; a reply that cites nothing, cites
/// something else, or states a number or link the cited answers do not is
/// refused, and the handoff stands.
async fn grounded(
    bot: &Bot,
    llm: &parley_bot::llm::LlmClient,
    m: &BotInbound,
    turn: Turn,
    vars: &HashMap<String, String>,
) -> Turn {
    use parley_bot::llm::Grounded;
    let question = m.text.as_deref().unwrap_or("").trim();
    let no_answer = matches!(
        turn.step,
        Step::Handoff {
            reason: HandoffReason::NoAnswer,
            ..
        }
    );
    if !no_answer || question.is_empty() || tapped(&m.content).is_some() {
        return turn;
    }
    let passages: Vec<(&str, &str)> = bot
        .kb()
        .intents
        .iter()
        .filter_map(|i| i.answer.as_deref().map(|a| (i.name.as_str(), a)))
        .collect();
    match llm.grounded_answer(question, &passages).await {
        Grounded::Answer { text, sources } => {
            let refs: HashMap<&str, String> = bot
                .kb()
                .vars
                .iter()
                .chain(vars.iter())
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            let text = parley_bot::kb::render(&text, &refs);
            let mut session = turn.session.clone();
            if let Some(first) = sources.first() {
                session.last_intent = Some(first.clone());
                session.answered.push(first.clone());
            }
            session.last_text = Some(question.to_string());
            let msgs = &bot.settings().messages;
            let mut reply = BotMessage {
                text,
                buttons: Vec::new(),
                list: None,
                media: None,
            };
            if bot.settings().confirm_buttons && reply.text.chars().count() <= 1024 {
                reply.buttons = vec![
                    (parley_bot::dialog::ID_SOLVED.into(), msgs.solved.clone()),
                    (
                        parley_bot::dialog::ID_HANDOFF.into(),
                        msgs.talk_to_person.clone(),
                    ),
                ];
            }
            ::metrics::counter!("parley_bot_llm_total", "task" => "answer", "outcome" => "answered").increment(1);
            Turn {
                step: Step::Reply(vec![reply]),
                session,
                analysis: parley_bot::dialog::Analysis {
                    outcome: "answer".into(),
                    intent: sources.first().cloned(),
                    confidence: None,
                    candidates: turn.analysis.candidates.clone(),
                    why: format!(
                        "{}; the LLM answered from {}",
                        turn.analysis.why,
                        sources.join(", ")
                    ),
                },
            }
        }
        Grounded::NoAnswer(why) => {
            ::metrics::counter!("parley_bot_llm_total", "task" => "answer", "outcome" => "no_answer").increment(1);
            let mut turn = turn;
            turn.analysis.why = format!(
                "{}; the LLM gave no grounded answer: {why}",
                turn.analysis.why
            );
            turn
        }
    }
}

fn vars(state: &AppState, m: &BotInbound) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let name = m
        .customer_name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .unwrap_or("there");
    v.insert("customer_name".to_string(), name.to_string());
    let url = state
        .config
        .bot
        .as_ref()
        .and_then(|b| b.public_url.clone())
        .unwrap_or_else(|| {
            // A wildcard listen address is not one to connect to.
            let mut addr = state.config.listen;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            format!("http://{addr}")
        });
    v.insert(
        "parley_url".to_string(),
        url.trim_end_matches('/').to_string(),
    );
    v
}

/// The id and title of a tapped button or list row.
fn tapped(content: &Value) -> Option<(String, String)> {
    for key in ["button_reply", "list_reply"] {
        if let Some(r) = content.get(key) {
            let id = r.get("id")?.as_str()?.to_string();
            let title = r
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            return Some((id, title));
        }
    }
    None
}

/// Writes the turn; `sentiment` goes on the analysis (the router escalates a
/// negative-sentiment handoff by it, whether the LLM or the lexicon scored it).
async fn commit(
    state: &AppState,
    bot: &Bot,
    m: &BotInbound,
    turn: Turn,
    sentiment: f64,
) -> anyhow::Result<()> {
    let (messages, end) = match &turn.step {
        Step::Reply(msgs) => (msgs.clone(), None),
        Step::Resolve(msgs) => (msgs.clone(), Some(BotEnd::Resolve)),
        Step::Handoff { messages, reason } => (
            messages.clone(),
            Some(BotEnd::Handoff {
                reason: reason.as_str().to_string(),
            }),
        ),
        Step::Call(_) => (Vec::new(), None),
    };
    let replies: Vec<ReplyDraft> = messages.iter().flat_map(drafts).collect();
    let idle = match &end {
        Some(_) => None,
        None => {
            let at = state.now() + bot.settings().resolve_after.as_ms();
            let waiting = turn.session.awaiting();
            Some((at, if waiting { "abandoned" } else { "deflected" }))
        }
    };
    let mut analysis = serde_json::to_value(&turn.analysis).unwrap_or_default();
    analysis["model"] = json!(bot.model_name());
    analysis["message_id"] = json!(m.message_id);
    analysis["sentiment"] = json!(sentiment);
    if let Step::Handoff { reason, .. } = &turn.step {
        analysis["handoff_reason"] = json!(reason.as_str());
    }
    let write = BotTurnWrite {
        message_id: m.message_id,
        ticket_id: m.ticket_id,
        session: serde_json::to_value(&turn.session).unwrap_or_default(),
        outcome: turn.analysis.outcome.clone(),
        intent: turn.analysis.intent.clone(),
        analysis,
        replies,
        end,
        idle,
    };
    let done = state.store.commit_bot_turn(write, state.now()).await?;
    if done.silent {
        return Ok(());
    }
    ::metrics::counter!("parley_bot_turns_total", "outcome" => turn.analysis.outcome.clone())
        .increment(1);
    if !done.replies.is_empty() {
        state.outbox_wake.notify_one();
    }
    for id in &done.replies {
        crate::ingest::publish_message(state, *id, "message.created").await;
    }
    if done.handed_off {
        ::metrics::counter!("parley_bot_conversations_total", "end" => "handed_off").increment(1);
        state.router_wake.notify_one();
        state.bus.publish(
            "bot.handoff",
            json!({"ticket_id": m.ticket_id, "analysis": turn.analysis}),
        );
    }
    if done.resolved {
        ::metrics::counter!("parley_bot_conversations_total", "end" => "deflected").increment(1);
        state.scheduler_wake.notify_one();
    }
    crate::ingest::publish_ticket(state, m.ticket_id, "ticket.updated").await;
    Ok(())
}

/// The outbound messages for one bot message: its media first, then the text
/// (with its buttons or list when it has them).
fn drafts(m: &BotMessage) -> Vec<ReplyDraft> {
    let mut out = Vec::new();
    if let Some(url) = &m.media {
        out.push(draft(
            OutboundContent::Media {
                kind: media_kind(url),
                source: MediaSource::Link(url.clone()),
                caption: None,
                filename: None,
            },
            None,
        ));
    }
    let content = if !m.buttons.is_empty() {
        OutboundContent::Buttons {
            body: m.text.clone(),
            header: None,
            footer: None,
            buttons: m
                .buttons
                .iter()
                .map(|(id, title)| ReplyButton {
                    id: id.clone(),
                    title: title.clone(),
                })
                .collect(),
        }
    } else if let Some(list) = &m.list {
        OutboundContent::List {
            body: m.text.clone(),
            header: None,
            footer: None,
            button: list.button.clone(),
            sections: vec![ListSection {
                title: None,
                rows: list
                    .rows
                    .iter()
                    .map(|r| ListRow {
                        id: r.id.clone(),
                        title: r.title.clone(),
                        description: r.description.clone(),
                    })
                    .collect(),
            }],
        }
    } else {
        OutboundContent::Text {
            body: m.text.clone(),
            preview_url: m.text.contains("https://"),
        }
    };
    out.push(draft(content, Some(m.text.clone())));
    out
}

/// A reply from the bot. Interactive content Meta would refuse (a knowledge
/// base can only produce valid ones, but the limits are checked again here)
/// falls back to plain text, so the customer always gets an answer.
pub(crate) fn draft(content: OutboundContent, text: Option<String>) -> ReplyDraft {
    let probe = OutboundMessage {
        to: "0".into(),
        content: content.clone(),
        reply_to: None,
    };
    let content = match (probe.validate(), &text) {
        (Err(e), Some(t)) => {
            tracing::warn!(error = %e, "a bot message broke WhatsApp's limits; sending it as text");
            OutboundContent::Text {
                body: t.clone(),
                preview_url: false,
            }
        }
        _ => content,
    };
    let mut shown = match &content {
        OutboundContent::Buttons { .. } | OutboundContent::List { .. } => OutboundMessage {
            to: "0".into(),
            content: content.clone(),
            reply_to: None,
        }
        .to_json()
        .get("interactive")
        .cloned()
        .unwrap_or_else(|| json!({})),
        _ => json!({}),
    };
    shown["bot"] = json!(true);
    ReplyDraft {
        kind: content.type_name().to_string(),
        text,
        content: shown,
        payload: serde_json::to_value(OutboxPayload {
            content,
            reply_to: None,
            local_media: None,
        })
        .unwrap_or_default(),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

fn media_kind(url: &str) -> MediaKind {
    let lower = url.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "jpg" | "jpeg" | "png" | "webp" => MediaKind::Image,
        "mp4" | "3gp" => MediaKind::Video,
        "mp3" | "ogg" | "aac" | "amr" | "m4a" => MediaKind::Audio,
        _ => MediaKind::Document,
    }
}

/// What the customer is told when people take over: when a person will
/// reply, or, with the team closed, when it is back. `None` without a bot.
pub fn handoff_notice(
    state: &AppState,
    customer_name: Option<&str>,
    team: Option<&str>,
    team_open: bool,
    first_response_due: Option<i64>,
    now: i64,
) -> Option<String> {
    let bot = state.bot.get()?;
    let msgs = &bot.settings().messages;
    let desk = state.store.desk();
    let cal = desk.calendar(team);
    let when = |at: i64| -> String {
        let tz = cal.time_zone().cloned().unwrap_or(jiff::tz::TimeZone::UTC);
        match (
            jiff::Timestamp::from_millisecond(at),
            jiff::Timestamp::from_millisecond(now),
        ) {
            (Ok(ts), Ok(n)) => {
                let dt = tz.to_datetime(ts);
                if dt.date() == tz.to_datetime(n).date() {
                    format!("today at {}", dt.strftime("%H:%M"))
                } else {
                    dt.strftime("on %A at %H:%M").to_string()
                }
            }
            _ => "soon".into(),
        }
    };
    let mut vars = HashMap::new();
    vars.insert(
        "customer_name",
        customer_name
            .and_then(|n| n.split_whitespace().next())
            .unwrap_or("there")
            .to_string(),
    );
    if !team_open {
        let back = cal.next_open(now).map_or_else(|| "soon".to_string(), when);
        vars.insert("back_at", back);
        return Some(parley_bot::kb::render(&msgs.after_hours, &vars));
    }
    let wait = match first_response_due {
        Some(due) if due - now <= 2 * 3_600_000 => {
            let mins = ((due - now).max(60_000) + 59_999) / 60_000;
            if mins >= 60 {
                let h = mins / 60;
                format!("within {h} hour{}", if h == 1 { "" } else { "s" })
            } else {
                format!("within {mins} minute{}", if mins == 1 { "" } else { "s" })
            }
        }
        Some(due) => when(due),
        None => "as soon as possible".into(),
    };
    vars.insert("wait", wait);
    Some(parley_bot::kb::render(&msgs.handoff, &vars))
}
