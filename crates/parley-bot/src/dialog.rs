//! The conversation: what the bot says next, given what it knows so far.
//!
//! Pure and explained, like every other decision in Parley: a [`Bot`] takes
//! the ticket's [`Session`] (kept by the server between messages) and the
//! customer's message, and returns a [`Turn`]: the new session, the next
//! [`Step`] and an [`Analysis`] for the timeline. When the next step needs the
//! business's own system (an order lookup, free appointment slots), the step
//! is a [`Call`]; the server performs it (see [`crate::actions`]) and hands the
//! result to [`Bot::resume`]. So the bot never blocks, never does I/O, and a
//! crash between the call and its reply loses nothing but the call.
//!
//! Flows: an intent may name an action, which lists the slots it needs. The
//! bot fills what the message already says ("where is order 12345?"), asks
//! for the rest one at a time, switches topic if the customer clearly asks
//! something else, and hands off after `max_attempts` unanswered questions.

use crate::kb::{ActionSpec, BotSettings, ButtonSpec, KnowledgeBase, MAX_BUTTONS, SlotSpec};
use crate::matcher::{Outcome, Thresholds};
use crate::model::{IntentModel, decide};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Interactive body text is limited to 1,024 characters; a longer answer goes
/// as plain text without buttons.
const MAX_INTERACTIVE_BODY: usize = 1024;
const MAX_ROW_DESCRIPTION: usize = 72;

/// Button and row ids the bot puts on its own messages, so a tap is
/// recognised without matching its title.
pub const ID_HANDOFF: &str = "bot:h";
pub const ID_SOLVED: &str = "bot:ok";
const ID_INTENT: &str = "bot:i:";
const ID_SLOT: &str = "bot:s:";
const ID_TITLE: &str = "bot:t:";

/// What the bot remembers about one conversation, between messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The intent answered last; follow-ups and context refer to it.
    #[serde(default)]
    pub last_intent: Option<String>,
    /// The customer's previous message, read together with a short
    /// follow-up the bot could not place alone.
    #[serde(default)]
    pub last_text: Option<String>,
    /// Every intent answered on this ticket, in order.
    #[serde(default)]
    pub answered: Vec<String>,
    /// Facts collected (order number, reason…).
    #[serde(default)]
    pub slots: BTreeMap<String, String>,
    #[serde(default)]
    pub flow: Option<Flow>,
    /// Questions asked in a row without progress.
    #[serde(default)]
    pub attempts: u32,
    /// Choices fetched for the awaited slot: (value, title).
    #[serde(default)]
    pub options: Vec<(String, String)>,
}

impl Session {
    /// Whether the bot is waiting for an answer to its own question (a slot,
    /// or a choice after "did you mean…").
    pub fn awaiting(&self) -> bool {
        self.flow.as_ref().is_some_and(|f| f.awaiting.is_some()) || self.attempts > 0
    }
}

/// An action being prepared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub action: String,
    pub intent: String,
    /// The slot the last question asked for.
    pub awaiting: Option<String>,
}

/// A customer message as the bot sees it.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Text(&'a str),
    /// A tapped reply button or list row.
    Choice {
        id: &'a str,
        title: &'a str,
    },
}

/// What the server found in the message before the bot reads it.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// The customer asked for a person (`"human"`) or a manager (`"manager"`),
    /// with the phrase that matched.
    pub person_requested: Option<(String, String)>,
    /// The sentiment score, when at or below the escalation threshold.
    pub negative_sentiment: Option<f64>,
}

/// One message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotMessage {
    pub text: String,
    /// Reply buttons, at most 3: (id, title).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListMessage>,
    /// A media link sent before the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
}

impl BotMessage {
    fn text(text: impl Into<String>) -> BotMessage {
        BotMessage {
            text: text.into(),
            buttons: Vec::new(),
            list: None,
            media: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMessage {
    pub button: String,
    pub rows: Vec<ListRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Why the bot passed the conversation to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a person.
    CustomerRequest,
    /// The customer asked for a manager.
    ManagerRequest,
    /// Out of scope, or too unsure to answer.
    NoAnswer,
    NegativeSentiment,
    /// The business's system failed, timed out or had nothing to offer.
    ActionFailed,
    /// The bot asked `max_attempts` times without getting anywhere.
    TooManyAttempts,
    /// The action succeeded and the knowledge base says a person takes over.
    ActionCompleted,
}

impl HandoffReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::CustomerRequest => "customer_request",
            HandoffReason::ManagerRequest => "manager_request",
            HandoffReason::NoAnswer => "no_answer",
            HandoffReason::NegativeSentiment => "negative_sentiment",
            HandoffReason::ActionFailed => "action_failed",
            HandoffReason::TooManyAttempts => "too_many_attempts",
            HandoffReason::ActionCompleted => "action_completed",
        }
    }
}

/// An HTTP request to the business's system, rendered and ready to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub action: String,
    /// `None`: run the action. `Some(slot)`: fetch the choices for that slot.
    pub options_for: Option<String>,
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Messages to send whatever the call's outcome (an answer given before
    /// the action, say), ahead of the result.
    #[serde(default)]
    pub before: Vec<BotMessage>,
}

/// How a [`Call`] went.
#[derive(Debug, Clone, PartialEq)]
pub enum CallResult {
    Ok(serde_json::Value),
    /// The system answered 404: what was asked for does not exist.
    NotFound,
    /// Timeout, connection error, an error status or a reply that is not JSON.
    Failed(String),
}

/// The bot's next move.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Reply(Vec<BotMessage>),
    /// Perform the call, then [`Bot::resume`].
    Call(Call),
    Handoff {
        messages: Vec<BotMessage>,
        reason: HandoffReason,
    },
    /// The customer confirmed the answer solved it.
    Resolve(Vec<BotMessage>),
}

/// What the bot understood, for the timeline and the handoff summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// `answer`, `clarify`, `handoff`, `slot`, `action`, `choice`, `resolve`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// The best candidates and their confidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<(String, f32)>,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub step: Step,
    pub session: Session,
    pub analysis: Analysis,
}

/// The bot for one knowledge base and one intent back end.
#[derive(Clone)]
pub struct Bot {
    kb: Arc<KnowledgeBase>,
    model: Arc<dyn IntentModel>,
    patterns: HashMap<(String, String), regex::Regex>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("intents", &self.kb.intents.len())
            .field("model", &self.model.name())
            .finish()
    }
}

impl Bot {
    /// A bot on `kb` with the built-in matcher trained on it.
    pub fn builtin(kb: KnowledgeBase) -> Bot {
        let model = Arc::new(kb.matcher());
        Bot::new(kb, model)
    }

    pub fn new(kb: KnowledgeBase, model: Arc<dyn IntentModel>) -> Bot {
        let mut patterns = HashMap::new();
        for a in &kb.actions {
            for s in &a.slots {
                if let Some(p) = &s.pattern
                    && let Ok(re) = regex::RegexBuilder::new(p).case_insensitive(true).build()
                {
                    patterns.insert((a.name.clone(), s.name.clone()), re);
                }
            }
        }
        Bot {
            kb: Arc::new(kb),
            model,
            patterns,
        }
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn model_name(&self) -> &str {
        self.model.name()
    }

    pub fn settings(&self) -> &BotSettings {
        &self.kb.settings
    }

    fn thresholds(&self) -> Thresholds {
        Thresholds {
            answer: self.kb.settings.answer_threshold,
            clarify: self.kb.settings.clarify_threshold,
        }
    }

    /// The intents ranked for `text`, without follow-ups that do not follow
    /// what was answered last.
    fn rank(&self, session: &Session, text: &str) -> Vec<(String, f32)> {
        self.model
            .rank(text)
            .into_iter()
            .filter(|(name, _)| {
                self.kb.intent(name).is_some_and(|i| match &i.after {
                    Some(parent) => session.last_intent.as_deref() == Some(parent.as_str()),
                    None => true,
                })
            })
            .collect()
    }

    /// The bot's reply to one customer message. `vars` fills `{{placeholders}}`
    /// (the customer's name, …) on top of the knowledge base's `[vars]`.
    pub fn turn(
        &self,
        session: &Session,
        input: Input<'_>,
        signals: &Signals,
        vars: &HashMap<String, String>,
    ) -> Turn {
        let mut s = session.clone();
        if let Some((kind, phrase)) = &signals.person_requested {
            let reason = if kind == "manager" {
                HandoffReason::ManagerRequest
            } else {
                HandoffReason::CustomerRequest
            };
            return self.handoff(
                s,
                reason,
                Vec::new(),
                format!("asked for a {kind}: \"{phrase}\""),
            );
        }
        if let Some(score) = signals.negative_sentiment {
            return self.handoff(
                s,
                HandoffReason::NegativeSentiment,
                Vec::new(),
                format!("negative sentiment {score:.2}"),
            );
        }
        let text = match input {
            Input::Choice { id, title } => {
                if id == ID_HANDOFF {
                    return self.handoff(
                        s,
                        HandoffReason::CustomerRequest,
                        Vec::new(),
                        "tapped the button for a person".into(),
                    );
                }
                if id == ID_SOLVED {
                    s.flow = None;
                    s.attempts = 0;
                    return Turn {
                        step: Step::Resolve(vec![BotMessage::text(render(
                            &self.kb.settings.messages.resolved_thanks,
                            &self.vars(&s, vars, None),
                        ))]),
                        session: s,
                        analysis: Analysis {
                            outcome: "resolve".into(),
                            why: "the customer said the answer solved it".into(),
                            ..Analysis::default()
                        },
                    };
                }
                if let Some(name) = id.strip_prefix(ID_INTENT)
                    && self.kb.intent(name).is_some()
                {
                    let why = format!("chose \"{title}\"");
                    return self.answer(s, name, None, Vec::new(), title, vars, why);
                }
                if let Some(value) = id.strip_prefix(ID_SLOT)
                    && let Some(flow) = s.flow.clone()
                    && let Some(slot) = flow.awaiting.clone()
                {
                    s.slots.insert(slot.clone(), value.to_string());
                    s.options.clear();
                    if let Some(f) = &mut s.flow {
                        f.awaiting = None;
                    }
                    return self.continue_flow(
                        s,
                        Vec::new(),
                        vars,
                        format!("{slot} = \"{title}\""),
                    );
                }
                title
            }
            Input::Text(t) => t,
        };
        let text = text.trim();

        // An answer to the bot's own question?
        if let Some(flow) = s.flow.clone()
            && let Some(slot_name) = flow.awaiting.clone()
            && let Some(action) = self.kb.action(&flow.action)
            && let Some(slot) = action.slots.iter().find(|x| x.name == slot_name)
        {
            if let Some(value) = self.extract(action, slot, text, &s.options) {
                s.slots.insert(slot_name.clone(), value.clone());
                s.options.clear();
                if let Some(f) = &mut s.flow {
                    f.awaiting = None;
                }
                s.last_text = Some(text.to_string());
                return self.continue_flow(
                    s,
                    Vec::new(),
                    vars,
                    format!("{slot_name} = \"{value}\""),
                );
            }
            // Not an answer: perhaps a new question altogether.
            let ranked = self.rank(&s, text);
            if let Outcome::Answer { intent, confidence } =
                decide(ranked.clone(), &self.thresholds())
                && intent != flow.intent
            {
                s.flow = None;
                s.options.clear();
                let why = format!("changed the subject while asked for {slot_name}");
                return self.answer(s, &intent, Some(confidence), ranked, text, vars, why);
            }
            s.attempts += 1;
            if s.attempts > self.kb.settings.max_attempts {
                return self.handoff(
                    s,
                    HandoffReason::TooManyAttempts,
                    Vec::new(),
                    format!(
                        "no usable {slot_name} after {} questions",
                        self.kb.settings.max_attempts + 1
                    ),
                );
            }
            let retry = slot.retry.clone().unwrap_or_else(|| slot.ask.clone());
            let msg = self.ask_message(&s, slot, &retry, vars);
            return Turn {
                step: Step::Reply(vec![msg]),
                session: s,
                analysis: Analysis {
                    outcome: "slot".into(),
                    why: format!("\"{text}\" is not a {slot_name}; asked again"),
                    ..Analysis::default()
                },
            };
        }

        let ranked = self.rank(&s, text);
        let mut outcome = decide(ranked.clone(), &self.thresholds());
        let mut why_context = None;
        if !matches!(outcome, Outcome::Answer { .. })
            && s.last_intent.is_some()
            && let Some(prev) = &s.last_text
        {
            // A short follow-up ("and how long does that take?") often only
            // makes sense with the message before it.
            let joined = format!("{prev} {text}");
            if let o @ Outcome::Answer { .. } = decide(self.rank(&s, &joined), &self.thresholds()) {
                outcome = o;
                why_context = Some("read together with the previous message".to_string());
            }
        }
        match outcome {
            Outcome::Answer { intent, confidence } => {
                let why = why_context.unwrap_or_else(|| format!("confidence {confidence:.2}"));
                s.last_text = Some(text.to_string());
                self.answer(s, &intent, Some(confidence), ranked, text, vars, why)
            }
            Outcome::Clarify { candidates } => {
                s.last_text = Some(text.to_string());
                s.attempts += 1;
                if s.attempts > self.kb.settings.max_attempts {
                    return self.handoff(
                        s,
                        HandoffReason::TooManyAttempts,
                        Vec::new(),
                        "still unsure after clarifying".into(),
                    );
                }
                let mut buttons: Vec<(String, String)> = candidates
                    .iter()
                    .filter_map(|(name, _)| self.kb.intent(name))
                    .take(MAX_BUTTONS)
                    .map(|i| (format!("{ID_INTENT}{}", i.name), i.title.clone()))
                    .collect();
                if buttons.len() < MAX_BUTTONS {
                    buttons.push((
                        ID_HANDOFF.to_string(),
                        self.kb.settings.messages.talk_to_person.clone(),
                    ));
                }
                Turn {
                    step: Step::Reply(vec![BotMessage {
                        text: render(
                            &self.kb.settings.messages.clarify,
                            &self.vars(&s, vars, None),
                        ),
                        buttons,
                        list: None,
                        media: None,
                    }]),
                    session: s,
                    analysis: Analysis {
                        outcome: "clarify".into(),
                        intent: candidates.first().map(|c| c.0.clone()),
                        confidence: candidates.first().map(|c| c.1),
                        why: format!(
                            "unsure between {}",
                            candidates
                                .iter()
                                .map(|(n, c)| format!("{n} ({c:.2})"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        candidates,
                    },
                }
            }
            Outcome::Handoff { best } => {
                let why = match &best {
                    Some((n, c)) => format!("no confident answer (best: {n} at {c:.2})"),
                    None => "no intent to match".into(),
                };
                let mut t = self.handoff(s, HandoffReason::NoAnswer, Vec::new(), why);
                t.analysis.intent = best.as_ref().map(|b| b.0.clone());
                t.analysis.confidence = best.as_ref().map(|b| b.1);
                t.analysis.candidates = ranked.into_iter().take(3).collect();
                t
            }
        }
    }

    /// Answers `intent` for the typed `text`, exactly as [`Bot::turn`] does when
    /// its model matched it with `confidence` (the intent's action flow starts,
    /// slots the text already holds are filled), for an intent chosen by
    /// another classifier (the server's LLM). `session` is the one before the
    /// message, as given to [`Bot::turn`]; `why` goes on the analysis. An
    /// unknown intent, or a follow-up whose parent was not answered last, is a
    /// handoff, never an answer.
    pub fn answer_intent(
        &self,
        session: &Session,
        intent: &str,
        confidence: f32,
        text: &str,
        vars: &HashMap<String, String>,
        why: String,
    ) -> Turn {
        let mut s = session.clone();
        let text = text.trim();
        let applies = self.kb.intent(intent).is_some_and(|i| match &i.after {
            Some(parent) => s.last_intent.as_deref() == Some(parent.as_str()),
            None => true,
        });
        if !applies {
            return self.handoff(
                s,
                HandoffReason::NoAnswer,
                Vec::new(),
                format!("{why}; {intent} does not apply here"),
            );
        }
        if s.flow.as_ref().is_some_and(|f| f.awaiting.is_some()) {
            s.flow = None;
            s.options.clear();
        }
        s.last_text = Some(text.to_string());
        self.answer(s, intent, Some(confidence), Vec::new(), text, vars, why)
    }

    /// The intents that may answer a message in `session` (follow-ups only
    /// right after their parent), for another classifier to choose from.
    pub fn candidates<'a>(&'a self, session: &Session) -> Vec<&'a crate::kb::Intent> {
        self.kb
            .intents
            .iter()
            .filter(|i| match &i.after {
                Some(parent) => session.last_intent.as_deref() == Some(parent.as_str()),
                None => true,
            })
            .collect()
    }

    /// A message the bot cannot read (a photo, a voice note, a location): a
    /// person can, so it hands off.
    pub fn cannot_read(&self, session: &Session, kind: &str) -> Turn {
        self.handoff(
            session.clone(),
            HandoffReason::NoAnswer,
            Vec::new(),
            format!("the customer sent a {kind} the bot cannot read"),
        )
    }

    /// Carries on after a [`Call`] the server performed.
    pub fn resume(
        &self,
        session: &Session,
        call: &Call,
        result: CallResult,
        vars: &HashMap<String, String>,
    ) -> Turn {
        let mut s = session.clone();
        let before = call.before.clone();
        let Some(action) = self.kb.action(&call.action) else {
            return self.handoff(
                s,
                HandoffReason::ActionFailed,
                before,
                format!("action {} is no longer in the knowledge base", call.action),
            );
        };
        let failed = |s: Session, before: Vec<BotMessage>, why: String| {
            let mut msgs = before;
            msgs.push(BotMessage::text(render(
                &self.kb.settings.messages.action_failed,
                &self.vars(&s, vars, None),
            )));
            self.handoff(s, HandoffReason::ActionFailed, msgs, why)
        };
        if let Some(slot_name) = &call.options_for {
            let Some(slot) = action.slots.iter().find(|x| &x.name == slot_name) else {
                return failed(s, before, format!("slot {slot_name} is gone"));
            };
            let Some(spec) = &slot.options else {
                return failed(s, before, format!("slot {slot_name} has no options"));
            };
            let json = match result {
                CallResult::Ok(j) => j,
                CallResult::NotFound => {
                    return failed(s, before, format!("{} answered 404", call.url));
                }
                CallResult::Failed(e) => return failed(s, before, format!("{}: {e}", call.url)),
            };
            let items = lookup(&json, &spec.items)
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            let options: Vec<(String, String, Option<String>)> = items
                .iter()
                .filter_map(|item| {
                    let id = scalar(lookup(item, &spec.id)?)?;
                    let title = scalar(lookup(item, &spec.title)?)?;
                    let desc = spec
                        .description
                        .as_deref()
                        .and_then(|d| lookup(item, d))
                        .and_then(scalar);
                    Some((id, title, desc))
                })
                .take(crate::kb::MAX_LIST_ROWS)
                .collect();
            if options.is_empty() {
                return failed(
                    s,
                    before,
                    format!("{} offered no {slot_name} to choose from", call.url),
                );
            }
            s.options = options
                .iter()
                .map(|(id, t, _)| (id.clone(), t.clone()))
                .collect();
            if let Some(f) = &mut s.flow {
                f.awaiting = Some(slot_name.clone());
            }
            let rows = options
                .into_iter()
                .map(|(id, title, description)| ListRow {
                    id: format!("{ID_SLOT}{id}"),
                    title: cut(&title, crate::kb::MAX_ROW_TITLE),
                    description: description.map(|d| cut(&d, MAX_ROW_DESCRIPTION)),
                })
                .collect();
            let mut msgs = before;
            msgs.push(BotMessage {
                text: render(&slot.ask, &self.vars(&s, vars, None)),
                buttons: Vec::new(),
                list: Some(ListMessage {
                    button: spec.button.clone(),
                    rows,
                }),
                media: None,
            });
            let n = s.options.len();
            return Turn {
                step: Step::Reply(msgs),
                session: s,
                analysis: Analysis {
                    outcome: "slot".into(),
                    intent: call_intent(session),
                    why: format!("offered {n} choices for {slot_name}"),
                    ..Analysis::default()
                },
            };
        }
        match result {
            CallResult::Ok(json) => {
                let v = self.vars(&s, vars, Some(&json));
                let mut msgs = before;
                s.flow = None;
                s.attempts = 0;
                let reply = render(&action.reply, &v);
                let why = format!("{} succeeded", action.name);
                if action.handoff_after {
                    msgs.push(BotMessage::text(reply));
                    return self.handoff(s, HandoffReason::ActionCompleted, msgs, why);
                }
                msgs.push(self.with_confirm(BotMessage::text(reply)));
                Turn {
                    step: Step::Reply(msgs),
                    analysis: Analysis {
                        outcome: "action".into(),
                        intent: call_intent(session),
                        why,
                        ..Analysis::default()
                    },
                    session: s,
                }
            }
            CallResult::NotFound => {
                let Some(text) = &action.not_found else {
                    return failed(s, before, format!("{} answered 404", call.url));
                };
                let msg = render(text, &self.vars(&s, vars, None));
                for slot in &action.slots {
                    s.slots.remove(&slot.name);
                }
                s.attempts += 1;
                if s.attempts > self.kb.settings.max_attempts {
                    let mut msgs = before;
                    msgs.push(BotMessage::text(msg));
                    return self.handoff(
                        s,
                        HandoffReason::TooManyAttempts,
                        msgs,
                        format!("{} found nothing, repeatedly", action.name),
                    );
                }
                let mut msgs = before;
                msgs.push(BotMessage::text(msg));
                let mut t = self.continue_flow(s, msgs, vars, String::new());
                t.analysis.why = format!("{} found nothing; asking again", action.name);
                t
            }
            CallResult::Failed(e) => failed(s, before, format!("{} failed: {e}", action.name)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &self,
        mut s: Session,
        name: &str,
        confidence: Option<f32>,
        ranked: Vec<(String, f32)>,
        text: &str,
        vars: &HashMap<String, String>,
        why: String,
    ) -> Turn {
        let Some(intent) = self.kb.intent(name) else {
            return self.handoff(
                s,
                HandoffReason::NoAnswer,
                Vec::new(),
                format!("unknown intent {name}"),
            );
        };
        s.last_intent = Some(name.to_string());
        s.answered.push(name.to_string());
        s.attempts = 0;
        let analysis = Analysis {
            outcome: "answer".into(),
            intent: Some(name.to_string()),
            confidence,
            candidates: ranked.into_iter().take(3).collect(),
            why,
        };
        let v = self.vars(&s, vars, None);
        let answer = intent.answer.as_ref().map(|a| {
            let buttons: Vec<(String, String)> = intent
                .buttons
                .iter()
                .map(|b| match b {
                    ButtonSpec::Title(t) => (format!("{ID_TITLE}{t}"), t.clone()),
                    ButtonSpec::Target {
                        title,
                        handoff: true,
                        ..
                    } => (ID_HANDOFF.to_string(), title.clone()),
                    ButtonSpec::Target {
                        title,
                        intent: Some(i),
                        ..
                    } => (format!("{ID_INTENT}{i}"), title.clone()),
                    ButtonSpec::Target { title, .. } => {
                        (format!("{ID_TITLE}{title}"), title.clone())
                    }
                })
                .collect();
            let list = intent.list.as_ref().map(|l| ListMessage {
                button: l.button.clone(),
                rows: l
                    .rows
                    .iter()
                    .map(|r| ListRow {
                        id: format!("{ID_TITLE}{r}"),
                        title: r.clone(),
                        description: None,
                    })
                    .collect(),
            });
            BotMessage {
                text: render(a, &v),
                buttons,
                list,
                media: intent.media.clone(),
            }
        });
        match &intent.action {
            Some(action) => {
                s.flow = Some(Flow {
                    action: action.clone(),
                    intent: name.to_string(),
                    awaiting: None,
                });
                if let Some(a) = self.kb.action(action) {
                    for slot in &a.slots {
                        if let Some(re) = self.patterns.get(&(a.name.clone(), slot.name.clone()))
                            && let Some(value) = capture(re, text)
                        {
                            s.slots.insert(slot.name.clone(), value);
                        }
                    }
                }
                let mut t =
                    self.continue_flow(s, answer.into_iter().collect(), vars, String::new());
                t.analysis = Analysis {
                    outcome: if matches!(t.step, Step::Call(_)) {
                        "action".into()
                    } else {
                        t.analysis.outcome
                    },
                    ..analysis
                };
                t
            }
            None => {
                s.flow = None;
                let msg = answer.map(|m| self.with_confirm(m)).into_iter().collect();
                Turn {
                    step: Step::Reply(msg),
                    session: s,
                    analysis,
                }
            }
        }
    }

    /// Asks for the next missing slot, fetches its choices, or runs the action.
    fn continue_flow(
        &self,
        mut s: Session,
        before: Vec<BotMessage>,
        vars: &HashMap<String, String>,
        why: String,
    ) -> Turn {
        let Some(flow) = s.flow.clone() else {
            return Turn {
                step: Step::Reply(before),
                session: s,
                analysis: Analysis {
                    outcome: "answer".into(),
                    why,
                    ..Analysis::default()
                },
            };
        };
        let Some(action) = self.kb.action(&flow.action) else {
            return self.handoff(
                s,
                HandoffReason::ActionFailed,
                before,
                format!("no action {}", flow.action),
            );
        };
        let v = self.vars(&s, vars, None);
        if let Some(slot) = action.slots.iter().find(|x| !s.slots.contains_key(&x.name)) {
            if let Some(o) = &slot.options {
                return Turn {
                    step: Step::Call(Call {
                        action: action.name.clone(),
                        options_for: Some(slot.name.clone()),
                        method: "GET".into(),
                        url: render_url(&o.url, &v),
                        body: None,
                        headers: render_headers(action, &v),
                        before,
                    }),
                    session: s,
                    analysis: Analysis {
                        outcome: "slot".into(),
                        intent: Some(flow.intent.clone()),
                        why: format!("fetching the choices for {}", slot.name),
                        ..Analysis::default()
                    },
                };
            }
            if let Some(f) = &mut s.flow {
                f.awaiting = Some(slot.name.clone());
            }
            let mut msgs = before;
            msgs.push(self.ask_message(&s, slot, &slot.ask, vars));
            return Turn {
                step: Step::Reply(msgs),
                analysis: Analysis {
                    outcome: "slot".into(),
                    intent: Some(flow.intent.clone()),
                    why: if why.is_empty() {
                        format!("asked for {}", slot.name)
                    } else {
                        format!("{why}; asked for {}", slot.name)
                    },
                    ..Analysis::default()
                },
                session: s,
            };
        }
        let body = action.request.body.as_ref().map(|b| render_json(b, &v));
        Turn {
            step: Step::Call(Call {
                action: action.name.clone(),
                options_for: None,
                method: action.request.method.to_ascii_uppercase(),
                url: render_url(&action.request.url, &v),
                body,
                headers: render_headers(action, &v),
                before,
            }),
            session: s,
            analysis: Analysis {
                outcome: "action".into(),
                intent: Some(flow.intent.clone()),
                why: if why.is_empty() {
                    format!("calling {}", action.name)
                } else {
                    format!("{why}; calling {}", action.name)
                },
                ..Analysis::default()
            },
        }
    }

    fn ask_message(
        &self,
        s: &Session,
        slot: &SlotSpec,
        text: &str,
        vars: &HashMap<String, String>,
    ) -> BotMessage {
        let text = render(text, &self.vars(s, vars, None));
        let choices: Vec<(String, String)> = if !s.options.is_empty() {
            s.options.clone()
        } else {
            slot.choices
                .iter()
                .map(|c| (c.clone(), c.clone()))
                .collect()
        };
        if choices.is_empty() {
            return BotMessage::text(text);
        }
        if choices.len() <= MAX_BUTTONS && s.options.is_empty() {
            return BotMessage {
                text,
                buttons: choices
                    .into_iter()
                    .map(|(id, t)| (format!("{ID_SLOT}{id}"), t))
                    .collect(),
                list: None,
                media: None,
            };
        }
        let button = slot
            .options
            .as_ref()
            .map_or_else(|| "Choose".to_string(), |o| o.button.clone());
        BotMessage {
            text,
            buttons: Vec::new(),
            list: Some(ListMessage {
                button,
                rows: choices
                    .into_iter()
                    .map(|(id, t)| ListRow {
                        id: format!("{ID_SLOT}{id}"),
                        title: cut(&t, crate::kb::MAX_ROW_TITLE),
                        description: None,
                    })
                    .collect(),
            }),
            media: None,
        }
    }

    /// The slot's value in `text`, if it holds one.
    fn extract(
        &self,
        action: &ActionSpec,
        slot: &SlotSpec,
        text: &str,
        options: &[(String, String)],
    ) -> Option<String> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        let pick = |list: &[(String, String)]| -> Option<String> {
            if let Ok(n) = t.parse::<usize>()
                && (1..=list.len()).contains(&n)
            {
                return Some(list[n - 1].0.clone());
            }
            let lower = t.to_lowercase();
            list.iter()
                .find(|(id, title)| id.to_lowercase() == lower || title.to_lowercase() == lower)
                .or_else(|| {
                    list.iter()
                        .find(|(_, title)| lower.contains(&title.to_lowercase()))
                })
                .map(|(id, _)| id.clone())
        };
        if !options.is_empty() {
            return pick(options);
        }
        if !slot.choices.is_empty() {
            let list: Vec<(String, String)> = slot
                .choices
                .iter()
                .map(|c| (c.clone(), c.clone()))
                .collect();
            return pick(&list);
        }
        if let Some(re) = self.patterns.get(&(action.name.clone(), slot.name.clone())) {
            return capture(re, t);
        }
        Some(t.to_string())
    }

    fn with_confirm(&self, mut m: BotMessage) -> BotMessage {
        if self.kb.settings.confirm_buttons
            && m.buttons.is_empty()
            && m.list.is_none()
            && m.media.is_none()
            && m.text.chars().count() <= MAX_INTERACTIVE_BODY
        {
            m.buttons = vec![
                (ID_SOLVED.into(), self.kb.settings.messages.solved.clone()),
                (
                    ID_HANDOFF.into(),
                    self.kb.settings.messages.talk_to_person.clone(),
                ),
            ];
        }
        m
    }

    fn handoff(
        &self,
        mut s: Session,
        reason: HandoffReason,
        messages: Vec<BotMessage>,
        why: String,
    ) -> Turn {
        s.flow = None;
        s.attempts = 0;
        s.options.clear();
        Turn {
            step: Step::Handoff { messages, reason },
            analysis: Analysis {
                outcome: "handoff".into(),
                intent: s.last_intent.clone(),
                why: format!("{}: {why}", reason.as_str()),
                ..Analysis::default()
            },
            session: s,
        }
    }

    /// Placeholders: the knowledge base's `[vars]`, the caller's, the slots,
    /// and the action's JSON reply as `response.field.sub`.
    fn vars(
        &self,
        s: &Session,
        extra: &HashMap<String, String>,
        response: Option<&serde_json::Value>,
    ) -> HashMap<String, String> {
        let mut v = extra.clone();
        // Knowledge-base variables may refer to the caller's (`shop_api =
        // "{{parley_url}}/shop"`): one level of nesting, resolved here.
        for (k, x) in &self.kb.vars {
            let resolved = render(x, extra);
            v.entry(k.clone()).or_insert(resolved);
        }
        v.extend(s.slots.iter().map(|(k, x)| (k.clone(), x.clone())));
        if let Some(r) = response {
            flatten("response", r, &mut v, 0);
        }
        v
    }
}

fn call_intent(s: &Session) -> Option<String> {
    s.flow.as_ref().map(|f| f.intent.clone())
}

fn render(text: &str, vars: &HashMap<String, String>) -> String {
    let refs: HashMap<&str, String> = vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    crate::kb::render(text, &refs)
}

/// Like [`render`], with every value URL-encoded except the ones that are
/// whole URLs (a `{{backend}}` base address).
fn render_url(template: &str, vars: &HashMap<String, String>) -> String {
    let encoded: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| {
            let keep = v.starts_with("http://") || v.starts_with("https://");
            (k.clone(), if keep { v.clone() } else { url_encode(v) })
        })
        .collect();
    render(template, &encoded)
}

fn render_headers(action: &ActionSpec, vars: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = action
        .request
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), render(v, vars)))
        .collect();
    h.sort();
    h
}

fn render_json(v: &toml::Value, vars: &HashMap<String, String>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(render(s, vars)),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => J::from(*f),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(|x| render_json(x, vars)).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, x)| (k.clone(), render_json(x, vars)))
                .collect(),
        ),
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn capture(re: &regex::Regex, text: &str) -> Option<String> {
    let c = re.captures(text)?;
    c.get(1)
        .or_else(|| c.get(0))
        .map(|m| m.as_str().to_string())
}

/// `a.b.0.c` into a JSON value; `""` is the value itself.
fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |cur, key| match cur {
        serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        serde_json::Value::Object(o) => o.get(key),
        _ => None,
    })
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut HashMap<String, String>, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                flatten(&format!("{prefix}.{k}"), x, out, depth + 1);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate().take(20) {
                flatten(&format!("{prefix}.{i}"), x, out, depth + 1);
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                out.insert(prefix.to_string(), s);
            }
        }
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}
