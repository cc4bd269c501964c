//! Optional LLM back end: an OpenAI-compatible chat-completions endpoint (Ollama, vLLM,
//! llama.cpp's server, OpenAI) for intent classification, sentiment and answers
//! grounded only in the knowledge base. Off by default: nothing here runs unless the
//! server is configured with an [`LlmConfig`].
//!
//! Every call asks for a strict JSON object (`response_format: json_object`) and
//! *validates* the reply instead of trusting it:
//! * [`LlmClient::classify`]: the intent must be one of the knowledge base's names; any
//!   other name (or `"none"`) is an empty ranking, which [`decide`](crate::model::decide)
//!   turns into a handoff.
//! * [`LlmClient::sentiment`]: a score in `-1..=1`; on any failure the built-in lexicon
//!   analyser ([`crate::sentiment`]) answers instead, and the result says so.
//! * [`LlmClient::grounded_answer`]: the prompt holds only the knowledge-base passages;
//!   the reply must cite at least one of them and only them, and every number, amount,
//!   duration, link, e-mail address and `{{placeholder}}` in the answer must appear in
//!   the cited passages ([`facts`]). Anything else is no answer: the bot hands off, it
//!   never states a policy the knowledge base does not.
//!
//! # How the server uses it
//! The API is async (LLM calls are network I/O taking hundreds of milliseconds to
//! seconds) and deliberately separate from the synchronous
//! [`IntentModel`](crate::model::IntentModel) trait. The server builds one
//! [`LlmClient`] at start-up (it is cheap to clone and shares its connection pool) and,
//! for each customer message, in the task that handles the message (never in the
//! webhook's request handler):
//!
//! ```ignore
//! let (ranked, mood) = tokio::join!(llm.classify(text, &intents), llm.sentiment(text));
//! // A failed call falls back to the built-in matcher; an invented intent is a handoff.
//! let ranked = ranked.unwrap_or_else(|e| { warn!(%e, "llm classify"); matcher.rank(text) });
//! let outcome = parley_bot::model::decide(ranked, &thresholds);
//! let triggers = parley_bot::sentiment::escalation_triggers(&escalator, text, &mood.sentiment);
//! // Optionally, instead of handing off an unsure question, try a grounded answer
//! // from the top intents' answers; NoAnswer means hand off as before.
//! match llm.grounded_answer(text, &top_passages).await {
//!     Grounded::Answer { text, sources } => { /* send, record sources on the timeline */ }
//!     Grounded::NoAnswer(why) => { /* hand off; record `why` on the timeline */ }
//! }
//! ```
//!
//! `intents` is `(name, description)` per intent: a short description or a few of its
//! example questions joined with ` | `; `passages` is `(intent name, answer text)`.
//! The LLM's confidences are the model's own estimate, not calibrated like the built-in
//! matcher's: check the thresholds with `parley bot eval` before relying on them.
//!
//! # Limits of the fact guard
//! It catches the commonest way a model invents policy, a changed number ("60 days"
//! when the passage says 30) or an invented link, and nothing else:
//! * it does not understand units or context: "30 weeks" passes when a cited passage
//!   says "30 days", and "1.5" and "15" compare equal (separators are dropped so that
//!   "1,000" and "1.000" match);
//! * a number written as a word is checked only for the common words in seven languages
//!   (two…twelve, fifteen, twenty, thirty…); ambiguous ones ("one", "once", "due",
//!   "sei") are not checked; "two weeks" does not match "14 days" and is rejected;
//! * a number the customer wrote is not allowed unless a cited passage has it (the
//!   model may not confirm "60 days?"), so such answers hand off;
//! * invented words are not caught: "no receipt needed", "free returns", a negation
//!   dropped ("refunds" for "no refunds"). The prompt forbids them; only a human review
//!   or an entailment model would catch them.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use regex::Regex;
use serde_json::{Value, json};

use crate::sentiment::{self, Label, Sentiment};

/// How to reach the chat-completions endpoint.
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    /// Up to and including the API version, e.g. `http://localhost:11434/v1` (Ollama),
    /// `http://vllm:8000/v1`, `https://api.openai.com/v1`. `/chat/completions` is added.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set. Never logged: `Debug` redacts it.
    pub api_key: Option<String>,
    /// For the whole call, connection included.
    pub timeout: Duration,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Send `response_format: {"type": "json_object"}` (servers that reject the field
    /// can turn it off; the prompts ask for JSON either way).
    pub json_mode: bool,
}

impl LlmConfig {
    /// A config with the defaults: 15 s timeout, 400 tokens, temperature 0, JSON mode.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(15),
            max_tokens: 400,
            temperature: 0.0,
            json_mode: true,
        }
    }

    /// `{base_url}/chat/completions`.
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("json_mode", &self.json_mode)
            .finish()
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the LLM answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("cannot reach the LLM: {0}")]
    Transport(String),
    #[error("the LLM's reply is not the JSON asked for: {0}")]
    BadJson(String),
    #[error("LLM configuration: {0}")]
    Config(String),
}

/// A sentiment from the LLM, or from the lexicon when the LLM failed.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSentiment {
    /// From the LLM: its score, the label of that score's band and no cues. From the
    /// lexicon: the full analysis.
    pub sentiment: Sentiment,
    pub source: SentimentSource,
}

/// Who scored a message.
#[derive(Debug, Clone, PartialEq)]
pub enum SentimentSource {
    /// The LLM; `label` is the one it gave, if it gave a valid one (the score decides).
    Llm { label: Option<Label> },
    /// The lexicon analyser, because the LLM call failed.
    LexiconFallback { error: LlmError },
}

impl LlmSentiment {
    /// One line for the timeline.
    pub fn explain(&self) -> String {
        match &self.source {
            SentimentSource::Llm { .. } => format!("llm: {}", self.sentiment.explain()),
            SentimentSource::LexiconFallback { error } => {
                format!(
                    "lexicon (llm failed: {error}): {}",
                    self.sentiment.explain()
                )
            }
        }
    }
}

/// The outcome of [`LlmClient::grounded_answer`].
#[derive(Debug, Clone, PartialEq)]
pub enum Grounded {
    /// A checked answer and the passages (intent names) it rests on.
    Answer { text: String, sources: Vec<String> },
    /// Hand off.
    NoAnswer(NoAnswer),
}

/// Why there is no grounded answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoAnswer {
    #[error("no passages to answer from")]
    NoPassages,
    #[error("the passages do not state the answer")]
    Declined,
    #[error("the answer cites no passage")]
    NoSources,
    #[error("the answer cites {0:?}, which is not one of the passages given")]
    UnknownSource(String),
    #[error("the answer states {0:?}, which the cited passages do not")]
    UnsupportedFact(String),
    #[error(transparent)]
    Failed(LlmError),
}

/// An async client for one endpoint and model. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LlmClient {
    config: LlmConfig,
    http: reqwest::Client,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        let url = config.base_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(LlmError::Config(format!(
                "base_url {url:?} must start with http:// or https://"
            )));
        }
        if config.model.trim().is_empty() {
            return Err(LlmError::Config("model is empty".into()));
        }
        if config.timeout.is_zero() {
            return Err(LlmError::Config("timeout is zero".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| LlmError::Config(e.to_string()))?;
        Ok(LlmClient { config, http })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The request body for a system and a user message, in OpenAI's wire format.
    pub fn request_body(&self, system: &str, user: &str) -> Value {
        let mut body = json!({
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        });
        if self.config.json_mode {
            body["response_format"] = json!({"type": "json_object"});
        }
        body
    }

    /// Posts one chat completion and returns the assistant message parsed as a JSON
    /// object (a ```` ```json ```` fence around it is tolerated).
    pub async fn chat_json(&self, system: &str, user: &str) -> Result<Value, LlmError> {
        let mut req = self
            .http
            .post(self.config.endpoint())
            .json(&self.request_body(system, user));
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key);
        }
        let timeout = self.config.timeout;
        let classify = |e: reqwest::Error| {
            if e.is_timeout() {
                LlmError::Timeout(timeout)
            } else {
                LlmError::Transport(e.without_url().to_string())
            }
        };
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status();
        let text = resp.text().await.map_err(classify)?;
        if !status.is_success() {
            return Err(LlmError::Status {
                status: status.as_u16(),
                body: truncate(&text, 300),
            });
        }
        let envelope: Value = serde_json::from_str(&text)
            .map_err(|e| LlmError::BadJson(format!("response body: {e}")))?;
        let content = envelope["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| LlmError::BadJson("no choices[0].message.content".into()))?;
        parse_object(content)
    }

    /// Ranks `intents` (`(name, description or examples)`) for `text`: one entry, the
    /// intent the model chose with its confidence, or none when it said `"none"` or
    /// named an intent that is not in the list (an invented intent is never answered).
    /// Feed the result to [`decide`](crate::model::decide).
    pub async fn classify<N: AsRef<str>, D: AsRef<str>>(
        &self,
        text: &str,
        intents: &[(N, D)],
    ) -> Result<Vec<(String, f32)>, LlmError> {
        let reply = self
            .chat_json(&classify_system_prompt(intents), text)
            .await?;
        let intent = reply["intent"]
            .as_str()
            .ok_or_else(|| LlmError::BadJson(format!("no \"intent\" string in {reply}")))?;
        let confidence = reply["confidence"]
            .as_f64()
            .filter(|c| c.is_finite() && *c >= 0.0 && *c <= 100.0)
            .ok_or_else(|| LlmError::BadJson(format!("no \"confidence\" in 0..1 in {reply}")))?;
        // Some models answer in percent.
        let confidence = if confidence > 1.0 {
            confidence / 100.0
        } else {
            confidence
        };
        let wanted = intent.trim();
        let known = intents
            .iter()
            .map(|(n, _)| n.as_ref())
            .find(|n| n.eq_ignore_ascii_case(wanted));
        Ok(match known {
            Some(name) if !wanted.eq_ignore_ascii_case("none") => {
                vec![(name.to_string(), confidence as f32)]
            }
            _ => Vec::new(),
        })
    }

    /// The sentiment of `text`: the LLM's score when it gives a valid one, else the
    /// lexicon analyser's (never fails; [`LlmSentiment::source`] says which).
    pub async fn sentiment(&self, text: &str) -> LlmSentiment {
        let fallback = |error: LlmError| LlmSentiment {
            sentiment: sentiment::analyze(text),
            source: SentimentSource::LexiconFallback { error },
        };
        let reply = match self.chat_json(SENTIMENT_SYSTEM_PROMPT, text).await {
            Ok(r) => r,
            Err(e) => return fallback(e),
        };
        let Some(score) = reply["score"]
            .as_f64()
            .filter(|s| s.is_finite() && (-1.0..=1.0).contains(s))
        else {
            return fallback(LlmError::BadJson(format!(
                "no \"score\" in -1..1 in {reply}"
            )));
        };
        LlmSentiment {
            sentiment: Sentiment {
                score,
                label: Label::from_score(score),
                cues: Vec::new(),
            },
            source: SentimentSource::Llm {
                label: reply["label"].as_str().and_then(Label::parse),
            },
        }
    }

    /// An answer to `question` from `passages` (`(intent name, answer text)`) alone,
    /// checked: it must cite at least one passage, only passages given, and state no
    /// number, link or placeholder the cited passages do not ([`facts`]).
    pub async fn grounded_answer<N: AsRef<str>, A: AsRef<str>>(
        &self,
        question: &str,
        passages: &[(N, A)],
    ) -> Grounded {
        if passages.is_empty() {
            return Grounded::NoAnswer(NoAnswer::NoPassages);
        }
        match self
            .chat_json(&grounded_system_prompt(passages), question)
            .await
        {
            Ok(reply) => verify_grounded(&reply, passages),
            Err(e) => Grounded::NoAnswer(NoAnswer::Failed(e)),
        }
    }
}

/// Checks a grounded-answer reply against the passages it was given.
pub fn verify_grounded<N: AsRef<str>, A: AsRef<str>>(
    reply: &Value,
    passages: &[(N, A)],
) -> Grounded {
    let no = Grounded::NoAnswer;
    let answer = match &reply["answer"] {
        Value::Null => return no(NoAnswer::Declined),
        Value::String(s) if s.trim().is_empty() => return no(NoAnswer::Declined),
        Value::String(s) => s.trim().to_string(),
        other => {
            return no(NoAnswer::Failed(LlmError::BadJson(format!(
                "\"answer\" is {other}"
            ))));
        }
    };
    let sources: Vec<String> = match &reply["sources"] {
        Value::Array(items) => {
            let mut names = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => names.push(s.trim().to_string()),
                    None => {
                        return no(NoAnswer::Failed(LlmError::BadJson(format!(
                            "a source is {item}"
                        ))));
                    }
                }
            }
            names
        }
        _ => Vec::new(),
    };
    if sources.is_empty() {
        return no(NoAnswer::NoSources);
    }
    let mut cited = String::new();
    let mut names = Vec::new();
    for s in &sources {
        let Some((name, text)) = passages.iter().find(|(n, _)| n.as_ref() == s) else {
            return no(NoAnswer::UnknownSource(s.clone()));
        };
        if !names.contains(&name.as_ref()) {
            names.push(name.as_ref());
            cited.push_str(text.as_ref());
            cited.push('\n');
        }
    }
    let allowed = facts(&cited);
    if let Some(f) = facts(&answer).into_iter().find(|f| !allowed.contains(f)) {
        return no(NoAnswer::UnsupportedFact(f));
    }
    Grounded::Answer {
        text: answer,
        sources: names.into_iter().map(String::from).collect(),
    }
}

/// The system prompt for [`LlmClient::classify`].
pub fn classify_system_prompt<N: AsRef<str>, D: AsRef<str>>(intents: &[(N, D)]) -> String {
    let mut p = String::from(
        "You are the intent classifier of a customer-support chat bot. Choose the ONE \
         intent below that the customer's message is about, or \"none\" if no intent fits \
         or you are not sure. Use only the intent names listed; never invent one. The \
         message may be in any language.\n\nIntents:\n",
    );
    for (name, description) in intents {
        p.push_str(&format!(
            "- {}: {}\n",
            name.as_ref(),
            one_line(description.as_ref())
        ));
    }
    p.push_str(
        "\nReply with a JSON object only, no other text: \
         {\"intent\": \"<one of the names above, or none>\", \
         \"confidence\": <your probability of being right, from 0 to 1>}",
    );
    p
}

/// The system prompt for [`LlmClient::sentiment`], written to match the lexicon's
/// scale (the escalation threshold -0.7 means clearly angry).
pub const SENTIMENT_SYSTEM_PROMPT: &str = "You rate the sentiment of one message a \
customer sent to a business's support chat. The message may be in any language. Scale: \
-1 furious; -0.7 or below ONLY when the customer is clearly angry (insults, accusations \
such as scam or theft, threats, shouting, outrage, or exasperation after repeated \
failures); about -0.5 frustrated or impatient; about -0.3 a problem or a mild, polite \
complaint; 0 a neutral question or request; about 0.5 thanks or satisfaction; 1 \
delighted. A negated or questioned emotion (\"I'm not angry\", \"angry? no\") is not \
that emotion. Reply with a JSON object only, no other text: {\"score\": <number from -1 \
to 1>, \"label\": \"angry\" | \"frustrated\" | \"negative\" | \"neutral\" | \"positive\"}";

/// The system prompt for [`LlmClient::grounded_answer`]: the passages and nothing else.
pub fn grounded_system_prompt<N: AsRef<str>, A: AsRef<str>>(passages: &[(N, A)]) -> String {
    let mut p = String::from(
        "You answer a customer's question for a business, using ONLY the knowledge-base \
         passages below, never your own knowledge. If the passages do not clearly state \
         the answer, reply {\"answer\": null}. Never invent, change or generalise a \
         policy, price, number, duration, date, link or contact detail: copy them exactly \
         as written, and keep {{placeholders}} as they are. Answer briefly, in the \
         customer's language.\n\nPassages:\n",
    );
    for (name, text) in passages {
        p.push_str(&format!(
            "[{}]\n{}\n\n",
            name.as_ref(),
            text.as_ref().trim()
        ));
    }
    p.push_str(
        "Reply with a JSON object only, no other text: {\"answer\": \"<your answer>\", \
         \"sources\": [\"<the name in brackets of each passage you used>\"]} \
         or {\"answer\": null}",
    );
    p
}

/// The checkable facts in a text, normalised: `{{placeholders}}`, e-mail addresses,
/// links (scheme, `www.` and a trailing slash dropped), and numbers (thousands and
/// decimal separators dropped, `.00` cents dropped; common number words from two to a
/// hundred in seven languages read as digits).
pub fn facts(text: &str) -> Vec<String> {
    static RE: OnceLock<[Regex; 4]> = OnceLock::new();
    let [placeholder, email, url, number] = RE.get_or_init(|| {
        [
            Regex::new(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}").unwrap(),
            Regex::new(r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+").unwrap(),
            Regex::new(
                r"(?i)\b(?:https?://[^\s<>]+|www\.[^\s<>]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}(?:/[^\s<>]*)?)",
            )
            .unwrap(),
            Regex::new(r"\d+(?:[.,]\d+)*").unwrap(),
        ]
    });
    let mut out: Vec<String> = Vec::new();
    let mut push = |f: String| {
        if !f.is_empty() && !out.contains(&f) {
            out.push(f);
        }
    };
    let mut rest = text.to_string();
    for c in placeholder.captures_iter(text) {
        push(format!("{{{{{}}}}}", &c[1]));
    }
    rest = placeholder.replace_all(&rest, " ").into_owned();
    for m in email.find_iter(&rest) {
        push(m.as_str().to_lowercase());
    }
    rest = email.replace_all(&rest, " ").into_owned();
    for m in url.find_iter(&rest) {
        let u = m
            .as_str()
            .trim_end_matches(|c: char| ".,;:!?)]}'\"".contains(c))
            .to_lowercase();
        let u = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"))
            .unwrap_or(&u);
        let u = u.strip_prefix("www.").unwrap_or(u);
        // A decimal number ("1.5") is a number, not a domain.
        if u.chars().any(|c| c.is_ascii_alphabetic()) {
            push(u.trim_end_matches('/').to_string());
        }
    }
    rest = url
        .replace_all(&rest, |c: &regex::Captures| {
            if c[0].chars().any(|c| c.is_ascii_alphabetic()) {
                " ".to_string()
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    for m in number.find_iter(&rest) {
        push(canonical_number(m.as_str()));
    }
    for w in crate::matcher::tokenize(&rest) {
        if let Some(&(_, n)) = NUMBER_WORDS.iter().find(|(word, _)| *word == w) {
            push(n.to_string());
        }
    }
    out
}

/// "1,000" → "1000", "25.00" → "25", "1.5" → "15".
fn canonical_number(s: &str) -> String {
    let s = s
        .strip_suffix(".00")
        .or_else(|| s.strip_suffix(",00"))
        .unwrap_or(s);
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Number words read as digits (accents folded). Words that are also common other
/// words are left out: "one"/"un"/"uno"/"ein" (articles), "once", "due", "sei",
/// "sept", "cent", "lima".
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fourteen", 14),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("ninety", 90),
    ("hundred", 100),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("doce", 12),
    ("catorce", 14),
    ("quince", 15),
    ("veinte", 20),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("sesenta", 60),
    ("noventa", 90),
    ("cien", 100),
    ("dois", 2),
    ("duas", 2),
    ("quatro", 4),
    ("sete", 7),
    ("oito", 8),
    ("nove", 9),
    ("dez", 10),
    ("doze", 12),
    ("quatorze", 14),
    ("quinze", 15),
    ("vinte", 20),
    ("trinta", 30),
    ("quarenta", 40),
    ("cinquenta", 50),
    ("sessenta", 60),
    ("cem", 100),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("douze", 12),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("soixante", 60),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("funf", 5),
    ("sechs", 6),
    ("sieben", 7),
    ("acht", 8),
    ("neun", 9),
    ("zehn", 10),
    ("zwolf", 12),
    ("vierzehn", 14),
    ("funfzehn", 15),
    ("zwanzig", 20),
    ("dreisig", 30),
    ("dreissig", 30),
    ("vierzig", 40),
    ("funfzig", 50),
    ("sechzig", 60),
    ("neunzig", 90),
    ("hundert", 100),
    ("tre", 3),
    ("quattro", 4),
    ("cinque", 5),
    ("sette", 7),
    ("otto", 8),
    ("dieci", 10),
    ("dodici", 12),
    ("quattordici", 14),
    ("quindici", 15),
    ("venti", 20),
    ("trenta", 30),
    ("quaranta", 40),
    ("cinquanta", 50),
    ("sessanta", 60),
    ("novanta", 90),
    ("cento", 100),
    ("dua", 2),
    ("tiga", 3),
    ("empat", 4),
    ("enam", 6),
    ("tujuh", 7),
    ("delapan", 8),
    ("sembilan", 9),
    ("sepuluh", 10),
    ("seratus", 100),
];

/// Parses a model's reply as one JSON object, tolerating a code fence or prose around
/// it (the first `{` to the last `}`).
pub fn parse_object(content: &str) -> Result<Value, LlmError> {
    let t = content.trim();
    let parsed = serde_json::from_str::<Value>(t).or_else(|e| match (t.find('{'), t.rfind('}')) {
        (Some(a), Some(b)) if a < b => serde_json::from_str::<Value>(&t[a..=b]),
        _ => Err(e),
    });
    match parsed {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(LlmError::BadJson(format!(
            "expected an object, got {}",
            truncate(&other.to_string(), 200)
        ))),
        Err(e) => Err(LlmError::BadJson(format!(
            "{e} in {:?}",
            truncate(content, 200)
        ))),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_normalised() {
        let f = facts(
            "Return within 30 days at https://shop.example.com/returns/ or write to \
             Help@Example.com; fee 1,000.00 EUR, {{ returns_url }}, twenty items.",
        );
        for want in [
            "30",
            "shop.example.com/returns",
            "help@example.com",
            "1000",
            "{{returns_url}}",
            "20",
        ] {
            assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
        }
        assert!(!f.iter().any(|x| x == "example.com"), "{f:?}");
        assert_eq!(facts("no numbers here, one of them"), Vec::<String>::new());
        assert_eq!(facts("www.Example.com"), facts("http://example.com/"));
        assert_eq!(facts("thirty days"), facts("30 days"));
        assert_eq!(facts("treinta días"), facts("30 días"));
        assert_eq!(facts("1.5 kg"), vec!["15"]);
    }

    #[test]
    fn verify_rejects_ungrounded_replies() {
        let passages = [
            (
                "returns",
                "You can return anything within 30 days: {{returns_url}}",
            ),
            ("shipping", "Shipping is free on orders over 50 EUR."),
        ];
        let ok =
            json!({"answer": "Yes, within thirty days: {{returns_url}}", "sources": ["returns"]});
        assert_eq!(
            verify_grounded(&ok, &passages),
            Grounded::Answer {
                text: "Yes, within thirty days: {{returns_url}}".into(),
                sources: vec!["returns".into()],
            }
        );
        let cases = [
            (json!({"answer": null}), NoAnswer::Declined),
            (json!({"answer": ""}), NoAnswer::Declined),
            (json!({"answer": "Yes."}), NoAnswer::NoSources),
            (
                json!({"answer": "Yes.", "sources": []}),
                NoAnswer::NoSources,
            ),
            (
                json!({"answer": "Yes.", "sources": ["warranty"]}),
                NoAnswer::UnknownSource("warranty".into()),
            ),
            (
                json!({"answer": "Within 60 days.", "sources": ["returns"]}),
                NoAnswer::UnsupportedFact("60".into()),
            ),
            // A fact from a passage that is not cited does not count.
            (
                json!({"answer": "Free over 50 EUR, returns in 30 days.", "sources": ["returns"]}),
                NoAnswer::UnsupportedFact("50".into()),
            ),
            (
                json!({"answer": "See www.returns-help.com", "sources": ["returns"]}),
                NoAnswer::UnsupportedFact("returns-help.com".into()),
            ),
            (
                json!({"answer": "Use {{refund_url}}", "sources": ["returns"]}),
                NoAnswer::UnsupportedFact("{{refund_url}}".into()),
            ),
        ];
        for (reply, want) in cases {
            assert_eq!(
                verify_grounded(&reply, &passages),
                Grounded::NoAnswer(want),
                "{reply}"
            );
        }
        let both = json!({"answer": "Free over 50 EUR; returns within 30 days.", "sources": ["shipping", "returns"]});
        assert!(matches!(
            verify_grounded(&both, &passages),
            Grounded::Answer { .. }
        ));
    }

    #[test]
    fn replies_are_parsed_leniently_but_must_be_objects() {
        assert_eq!(parse_object(r#"{"a": 1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(
            parse_object("```json\n{\"a\": 1}\n```").unwrap(),
            json!({"a": 1})
        );
        assert!(matches!(parse_object("[1]"), Err(LlmError::BadJson(_))));
        assert!(matches!(
            parse_object("the intent is returns"),
            Err(LlmError::BadJson(_))
        ));
    }

    #[test]
    fn config_redacts_the_key_and_validates() {
        let mut c = LlmConfig::new("http://localhost:11434/v1/", "llama3.2");
        c.api_key = Some("sk-very-secret".into());
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("sk-very-secret") && dbg.contains("<redacted>"),
            "{dbg}"
        );
        assert_eq!(c.endpoint(), "http://localhost:11434/v1/chat/completions");
        assert!(matches!(
            LlmClient::new(LlmConfig::new("localhost:11434", "m")),
            Err(LlmError::Config(_))
        ));
        assert!(matches!(
            LlmClient::new(LlmConfig::new("http://x", " ")),
            Err(LlmError::Config(_))
        ));
    }
}
