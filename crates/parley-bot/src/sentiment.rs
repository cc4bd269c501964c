//! Lexicon-based sentiment for customer messages: fast (about 5 µs), no download,
//! explainable, in English, Spanish, Portuguese, French, German, Italian and
//! Indonesian.
//!
//! It feeds the escalation spec's negative-sentiment trigger and triage's sentiment hook
//! (both take a score in `-1..=1`); requests for a human or a manager are *not* detected
//! here but by parley-core's [`detect_request`](parley_core::escalation::detect_request) /
//! [`Escalator::scan`], which [`escalation_triggers`] combines with the score.
//!
//! # Technique
//! * **Normalisation**: the matcher's [`tokenize`](crate::matcher::tokenize) (lowercase,
//!   accents folded, apostrophes dropped), applied per clause: the text is cut at
//!   `. , ; : ! ?` and newlines so negation and modifiers never reach across them.
//! * **Lexicons** of words and phrases with a valence (negative numbers are bad), in five
//!   groups: [`ANGER`] (hostility, outrage, accusations: "unacceptable", "scam"),
//!   [`FRUSTRATION`] (repeated failure, waiting: "third time", "still waiting", "fed up"),
//!   [`NEGATIVE`] (problems and mild displeasure: "broken", "disappointed"), [`PROFANITY`]
//!   (a light list), [`POSITIVE`]; plus [`NEGATABLE`] words that mean little alone but a
//!   lot negated ("not acceptable", "hasn't arrived"). A trailing `*` matches any ending
//!   (`frustrat*`). Phrases are matched longest first, so "not bad" is one positive cue.
//! * **Negation** ([`NEGATORS`], up to three words before a cue): a negated positive flips
//!   ("not happy"), a negated negative is neutralised ("I'm not angry"), a [`NEGATABLE`]
//!   word takes its negated valence. "Still not" and its translations also count as a
//!   frustration cue.
//! * **Modifiers** ([`MODIFIERS`]): intensifiers ("very", "muy", "sehr", "banget" after
//!   the word) and downtoners ("a bit", "un poco", "etwas") scale the next cue.
//! * **Contrast**: cues before "but" / "pero" / "mais" / "aber" / "però" / "tapi" count
//!   half ("the shoes are nice but the delivery was a disaster"). Italian "ma" is left
//!   out: it is French for "my".
//! * **Questions**: emotion words in a clause ending in a single `?` count 0.6 ("is this
//!   a scam?"), and a question answered by a denial ("I'm angry? no, just asking") counts
//!   nothing. Frustration cues are exempt ("how many times do I have to ask?").
//! * **Emphasis**: a repeated `!` and a word written in capitals amplify; shouting (most
//!   of the message in capitals), `??` / `?!` and angry or fed-up emoji are cues of their
//!   own; "sooo" is read as "so", emphasised.
//! * **Score**: negative and positive cues are summed separately, strongest first, each
//!   further one counting [`DECAY`] of the one before (three mild complaints are not an
//!   outburst); the net is amplified and squashed to `-1..=1` by `x / sqrt(x² + 8)`.
//!
//! # Calibration
//! The scale is set so that the escalation spec's default threshold, `-0.7`, means
//! "clearly angry" (triage's default `-0.6` sits just above it):
//! * one outrage or accusation word reaches it alone ("unacceptable", "scam",
//!   "thieves", "furious": valence −3.0 → −0.73);
//! * a strong word ("ridiculous", "useless", "fed up", an exclamation like "merde",
//!   an angry emoji: −2.2 … −2.6 → about −0.65) needs emphasis (`!!`, capitals, an
//!   intensifier) or a second cue;
//! * a single mild word ("late", "broken", "disappointed": −0.4 … −1.4) stays above
//!   −0.45, and two plain frustration cues (waiting, a repeat, no answer: at most −1.6
//!   each) stay above −0.7; three reach it.
//!
//! The labels are score bands: [`Label::from_score`].
//!
//! # Speed
//! About 5 µs per message in a release build (0.5 ms once to compile the lexicons);
//! linear in the length of the message.
//!
//! # Limits
//! No sarcasm ("great, just great"), no irony, no understanding beyond the lexicons;
//! words shared between languages with different meanings are listed only as phrases
//! (German "mal" is a particle, Spanish "mal" is bad). Test set and accuracy:
//! `tests/sentiment.rs`.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use parley_core::escalation::{Escalator, Trigger};
use serde::Serialize;

use crate::matcher::tokenize;

/// Score at or below which a message is [`Label::Angry`] (the escalation default).
pub const ANGRY: f64 = -0.7;
/// Score at or below which a message is [`Label::Frustrated`].
pub const FRUSTRATED: f64 = -0.45;
/// Score at or below which a message is [`Label::Negative`].
pub const NEGATIVE_SCORE: f64 = -0.15;
/// Score at or above which a message is [`Label::Positive`].
pub const POSITIVE_SCORE: f64 = 0.2;
/// Each further cue of the same sign counts this share of the previous one.
pub const DECAY: f64 = 0.6;
/// `score = x / sqrt(x² + SQUASH)`.
const SQUASH: f64 = 8.0;

/// The overall feeling of a message, from its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Score ≤ [`ANGRY`]: hostile, outraged or exasperated; escalates by default.
    Angry,
    /// Score ≤ [`FRUSTRATED`]: strongly negative, impatient, repeated failure.
    Frustrated,
    /// Score ≤ [`NEGATIVE_SCORE`]: a problem or mild displeasure.
    Negative,
    Neutral,
    /// Score ≥ [`POSITIVE_SCORE`].
    Positive,
}

impl Label {
    /// The band `score` falls in.
    pub fn from_score(score: f64) -> Label {
        if score <= ANGRY {
            Label::Angry
        } else if score <= FRUSTRATED {
            Label::Frustrated
        } else if score <= NEGATIVE_SCORE {
            Label::Negative
        } else if score >= POSITIVE_SCORE {
            Label::Positive
        } else {
            Label::Neutral
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Angry => "angry",
            Label::Frustrated => "frustrated",
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }

    /// Parses a label name (as [`Label::as_str`] writes it, any case).
    pub fn parse(s: &str) -> Option<Label> {
        match s.trim().to_ascii_lowercase().as_str() {
            "angry" => Some(Label::Angry),
            "frustrated" => Some(Label::Frustrated),
            "negative" => Some(Label::Negative),
            "neutral" => Some(Label::Neutral),
            "positive" => Some(Label::Positive),
            _ => None,
        }
    }

    /// Angry, frustrated or negative.
    pub fn is_negative(self) -> bool {
        matches!(self, Label::Angry | Label::Frustrated | Label::Negative)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of evidence a cue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CueKind {
    Anger,
    Frustration,
    Negative,
    Profanity,
    Positive,
    Emoji,
    /// Most of the message in capitals.
    Shouting,
    /// Repeated `!`, or `??` / `?!`.
    Punctuation,
}

impl CueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CueKind::Anger => "anger",
            CueKind::Frustration => "frustration",
            CueKind::Negative => "negative",
            CueKind::Profanity => "profanity",
            CueKind::Positive => "positive",
            CueKind::Emoji => "emoji",
            CueKind::Shouting => "shouting",
            CueKind::Punctuation => "punctuation",
        }
    }
}

/// How a cue moves the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Adds this valence (after its modifiers) before the squash.
    Add(f64),
    /// Multiplies the net valence.
    Scale(f64),
}

/// One piece of evidence, for the timeline's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cue {
    pub kind: CueKind,
    /// The normalised words, the emoji or the punctuation that fired.
    pub text: String,
    pub effect: Effect,
    /// What changed it: `negated by "not"`, `intensified`, `softened`, `CAPS`,
    /// `in a question`, `denied`, `before "but"`.
    pub notes: Vec<String>,
}

impl fmt::Display for Cue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" {}", self.text, self.kind.as_str())?;
        match self.effect {
            Effect::Add(v) => write!(f, " {v:+.2}")?,
            Effect::Scale(m) => write!(f, " ×{m:.2}")?,
        }
        if !self.notes.is_empty() {
            write!(f, " ({})", self.notes.join(", "))?;
        }
        Ok(())
    }
}

/// The analysis of one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentiment {
    /// In `-1..=1`; at or below [`ANGRY`] is clearly angry.
    pub score: f64,
    pub label: Label,
    /// Every cue that fired, in the order found (words, emoji, then emphasis).
    pub cues: Vec<Cue>,
}

impl Sentiment {
    /// No evidence either way.
    pub fn neutral() -> Sentiment {
        Sentiment {
            score: 0.0,
            label: Label::Neutral,
            cues: Vec::new(),
        }
    }

    /// One line for the timeline, e.g.
    /// `angry -0.78: "unacceptable" anger -2.80; "!!" punctuation ×1.25`.
    pub fn explain(&self) -> String {
        let mut s = format!("{} {:.2}", self.label, self.score);
        if !self.cues.is_empty() {
            s.push_str(": ");
            let parts: Vec<String> = self.cues.iter().map(|c| c.to_string()).collect();
            s.push_str(&parts.join("; "));
        }
        s
    }
}

/// Anger: hostility, outrage, accusations, insults. Strong (−2.2 … −3.0).
pub const ANGER: &[(&str, f32)] = &[
    // English
    ("unacceptable", -3.0),
    ("outrageous", -3.0),
    ("outraged", -3.0),
    ("ridiculous", -2.5),
    ("absurd", -2.2),
    ("disgrace*", -3.0),
    ("shameful", -2.5),
    ("shame on you", -3.0),
    ("scam", -3.0),
    ("scams", -3.0),
    ("scammer", -3.0),
    ("scammers", -3.0),
    ("scammed", -3.0),
    ("scamming", -3.0),
    ("rip off", -2.6),
    ("ripoff", -2.6),
    ("ripped off", -2.6),
    ("thieves", -3.0),
    ("thief", -3.0),
    ("liars", -3.0),
    ("lied to me", -2.6),
    ("incompeten*", -2.6),
    ("useless", -2.3),
    ("pathetic", -2.6),
    ("disgusting", -2.6),
    ("appalling", -2.6),
    ("atrocious", -2.6),
    ("sucks", -2.3),
    ("hate", -2.3),
    ("angry", -2.5),
    ("furious", -3.0),
    ("livid", -3.0),
    ("disrespect*", -2.3),
    ("is a joke", -2.2),
    ("a joke", -2.0),
    ("never again", -2.2),
    ("worst", -2.5),
    ("nonsense", -2.0),
    ("garbage", -2.2),
    ("rubbish", -2.2),
    ("fraud", -2.2),
    // Spanish
    ("inaceptable", -3.0),
    ("inadmisible", -3.0),
    ("indignante", -3.0),
    ("indignado", -2.6),
    ("indignada", -2.6),
    ("verguenza", -3.0),
    ("vergonzoso", -2.6),
    ("sinverguenza*", -3.0),
    ("estafa", -3.0),
    ("estafador*", -3.0),
    ("ladrones", -3.0),
    ("ladron", -3.0),
    ("me robaron", -2.6),
    ("mentiroso*", -3.0),
    ("mentirosa*", -3.0),
    ("inutil*", -2.3),
    ("pesimo", -2.5),
    ("pesima", -2.5),
    ("peor", -2.3),
    ("ridicul*", -2.5),
    ("furioso", -3.0),
    ("furiosa", -3.0),
    ("enojado", -2.4),
    ("enojada", -2.4),
    ("enfadado", -2.4),
    ("enfadada", -2.4),
    ("cabreado", -2.6),
    ("cabreada", -2.6),
    ("absurdo", -2.2),
    ("absurda", -2.2),
    ("un asco", -2.5),
    ("una burla", -2.3),
    ("nunca mas", -2.2),
    ("falta de respeto", -2.4),
    ("irrespetuoso*", -2.3),
    ("malisimo", -2.3),
    ("malisima", -2.3),
    // Portuguese
    ("inaceitavel", -3.0),
    ("um absurdo", -2.5),
    ("vergonha", -3.0),
    ("vergonhoso", -2.6),
    ("palhacada", -2.6),
    // Portuguese "golpe" (scam) is Spanish for a knock or dent: phrases only.
    ("um golpe", -3.0),
    ("e golpe", -3.0),
    ("golpe do", -3.0),
    ("golpista*", -3.0),
    ("fraude", -2.2),
    ("ladroes", -3.0),
    ("ladrao", -3.0),
    ("mentirosos", -3.0),
    ("pessim*", -2.5),
    ("pior", -2.3),
    ("furiosos", -3.0),
    ("irritado", -1.8),
    ("irritada", -1.8),
    ("revoltado", -2.6),
    ("revoltada", -2.6),
    ("puto", -3.0),
    ("puta da vida", -3.0),
    ("estou bravo", -2.3),
    ("estou brava", -2.3),
    ("to bravo", -2.3),
    ("to brava", -2.3),
    ("fiquei bravo", -2.3),
    ("fiquei brava", -2.3),
    ("descaso", -2.3),
    ("desrespeito", -2.4),
    ("lixo", -2.3),
    ("uma piada", -2.2),
    ("nunca mais", -2.2),
    ("sacanagem", -2.5),
    ("porcaria", -2.2),
    ("enganado", -2.0),
    ("enganada", -2.0),
    ("reclame aqui", -2.0),
    // French
    ("inacceptable", -3.0),
    ("inadmissible", -3.0),
    ("scandal*", -3.0),
    ("honteux", -2.6),
    ("honteuse", -2.6),
    ("une honte", -3.0),
    ("arnaque*", -3.0),
    ("escroc*", -3.0),
    ("voleurs", -3.0),
    ("menteurs", -3.0),
    ("mensonge*", -2.4),
    ("pire", -2.3),
    ("furieux", -3.0),
    ("furieuse", -3.0),
    ("enerve", -2.2),
    ("enervee", -2.2),
    ("en colere", -2.5),
    ("lamentable", -2.4),
    ("nimporte quoi", -2.2),
    ("inutile", -2.2),
    ("vous moquez", -2.4),
    ("se moque", -2.4),
    ("foutez", -3.0),
    ("plus jamais", -2.2),
    ("irrespectueux", -2.3),
    ("manque de respect", -2.4),
    // German
    ("inakzeptabel", -3.0),
    ("unakzeptabel", -3.0),
    ("unverschamt*", -3.0),
    ("frechheit", -3.0),
    ("skandal*", -3.0),
    ("schande", -3.0),
    ("betrug", -2.4),
    ("betruger*", -3.0),
    ("abzocke", -3.0),
    ("abgezockt", -3.0),
    ("diebe", -3.0),
    ("lugner", -3.0),
    ("inkompeten*", -2.6),
    ("nutzlos", -2.2),
    ("schlechteste*", -2.5),
    ("lacherlich", -2.5),
    ("wutend", -3.0),
    ("sauer", -1.8),
    ("verargert", -2.2),
    ("unmoglich", -1.8),
    ("zumutung", -2.6),
    ("nie wieder", -2.2),
    ("verarsch*", -3.0),
    ("respektlos", -2.3),
    ("saftladen", -2.6),
    // Italian
    ("inaccettabile", -3.0),
    ("inammissibile", -3.0),
    ("vergogn*", -3.0),
    ("truffa", -3.0),
    ("truffatori", -3.0),
    ("truffato", -3.0),
    ("ladri", -3.0),
    ("bugiardi", -3.0),
    ("peggio", -2.2),
    ("peggiore", -2.3),
    ("ridicol*", -2.5),
    ("arrabbiato", -2.5),
    ("arrabbiata", -2.5),
    ("assurdo", -2.2),
    ("schifo", -2.6),
    ("mai piu", -2.2),
    ("presa in giro", -2.4),
    ("prendendo in giro", -2.4),
    ("maleducati", -1.8),
    // Indonesian
    ("marah", -2.5),
    ("penipu*", -3.0),
    ("ditipu", -2.6),
    ("terburuk", -2.5),
    ("payah", -2.0),
    ("keterlaluan", -3.0),
    ("gak becus", -2.6),
    ("ga becus", -2.6),
    ("tidak becus", -2.6),
    ("bodoh", -2.2),
    ("parah", -2.0),
    ("kapok", -2.2),
    ("muak", -2.5),
];

/// Frustration: repeated contact, waiting, being ignored, having had enough.
pub const FRUSTRATION: &[(&str, f32)] = &[
    // English
    ("still waiting", -1.6),
    ("still wait", -1.6),
    ("third time", -1.6),
    ("3rd time", -1.6),
    ("fourth time", -1.8),
    ("4th time", -1.8),
    ("fifth time", -2.0),
    ("again and again", -1.6),
    ("over and over", -1.6),
    ("once again", -1.0),
    ("yet again", -1.4),
    ("again", -0.4),
    ("how many times", -2.0),
    ("how many more times", -2.2),
    ("how long", -0.8),
    ("nobody answers", -1.6),
    ("no one answers", -1.6),
    ("nobody responds", -1.6),
    ("no one responds", -1.6),
    ("nobody replies", -1.6),
    ("no one replies", -1.6),
    ("nobody picks up", -1.6),
    ("no reply", -1.2),
    ("no response", -1.2),
    ("no answer", -1.2),
    ("ignor*", -1.6),
    ("fed up", -2.5),
    ("sick of", -2.3),
    ("sick and tired", -2.6),
    ("tired of", -1.8),
    ("had enough", -2.3),
    ("enough is enough", -2.5),
    ("im done with", -2.2),
    ("waste of time", -2.0),
    ("wasting my time", -2.2),
    ("frustrat*", -1.8),
    ("taking so long", -1.2),
    ("take so long", -1.2),
    ("takes so long", -1.2),
    ("forever", -1.0),
    ("for ages", -1.0),
    // Spanish
    ("sigo esperando", -1.6),
    ("seguimos esperando", -1.6),
    ("continuo esperando", -1.6),
    ("todavia espero", -1.6),
    ("tercera vez", -1.6),
    ("cuarta vez", -1.8),
    ("quinta vez", -2.0),
    ("otra vez", -0.7),
    ("una y otra vez", -1.6),
    ("cuantas veces", -2.0),
    ("nadie responde", -1.6),
    ("nadie contesta", -1.6),
    ("nadie me responde", -1.6),
    ("nadie me contesta", -1.6),
    ("sin respuesta", -1.2),
    ("harto", -2.3),
    ("harta", -2.3),
    ("hartos", -2.3),
    ("estoy cansado", -1.8),
    ("estoy cansada", -1.8),
    ("cansado de", -1.8),
    ("cansada de", -1.8),
    ("ya basta", -2.3),
    ("basta ya", -2.3),
    ("no aguanto mas", -2.4),
    ("perdida de tiempo", -2.0),
    ("tardando tanto", -1.2),
    ("tarda tanto", -1.2),
    ("una eternidad", -1.0),
    // Portuguese
    ("ainda esperando", -1.6),
    ("ainda aguardando", -1.6),
    ("ainda estou esperando", -1.6),
    ("ainda estou aguardando", -1.6),
    ("terceira vez", -1.6),
    ("quarta vez", -1.8),
    ("de novo", -0.5),
    ("outra vez", -0.7),
    ("quantas vezes", -2.0),
    ("ninguem responde", -1.6),
    ("ninguem atende", -1.6),
    ("ninguem me responde", -1.6),
    ("ninguem resolve", -1.6),
    ("sem resposta", -1.2),
    ("farto", -2.3),
    ("farta", -2.3),
    ("nao aguento mais", -2.4),
    ("saco cheio", -2.5),
    ("perda de tempo", -2.0),
    ("demorando tanto", -1.2),
    ("demora tanto", -1.2),
    ("uma eternidade", -1.0),
    // French
    ("toujours en attente", -1.6),
    ("jattends toujours", -1.6),
    ("jattends encore", -1.6),
    ("troisieme fois", -1.6),
    ("quatrieme fois", -1.8),
    ("encore une fois", -1.0),
    ("combien de fois", -2.0),
    ("personne ne repond", -1.6),
    ("personne ne me repond", -1.6),
    ("aucune reponse", -1.2),
    ("sans reponse", -1.2),
    ("pas de reponse", -1.2),
    ("marre", -2.5),
    ("ras le bol", -2.5),
    ("en ai assez", -2.2),
    ("ca suffit", -2.2),
    ("perte de temps", -2.0),
    ("cest long", -0.8),
    ("trop long", -1.0),
    // German
    ("warte immer noch", -1.6),
    ("warten immer noch", -1.6),
    ("dritten mal", -1.6),
    ("vierten mal", -1.8),
    ("schon wieder", -1.4),
    ("wie oft noch", -2.2),
    ("wie oft", -1.4),
    ("wie lange noch", -1.4),
    ("niemand antwortet", -1.6),
    ("keiner antwortet", -1.6),
    ("niemand meldet sich", -1.6),
    ("keine antwort", -1.2),
    ("keine reaktion", -1.2),
    ("keine ruckmeldung", -1.2),
    ("nase voll", -2.5),
    ("es reicht", -2.2),
    ("reicht mir", -2.2),
    ("satt", -2.0),
    ("zeitverschwendung", -2.0),
    ("dauert ewig", -1.4),
    ("eine ewigkeit", -1.0),
    ("dauert so lange", -1.2),
    // Italian
    ("ancora aspettando", -1.6),
    ("ancora in attesa", -1.6),
    ("aspetto ancora", -1.6),
    ("terza volta", -1.6),
    ("quarta volta", -1.8),
    ("di nuovo", -0.5),
    ("ancora una volta", -1.0),
    ("quante volte", -2.0),
    ("nessuno risponde", -1.6),
    ("nessuno mi risponde", -1.6),
    ("nessuna risposta", -1.2),
    ("stufo", -2.3),
    ("stufa", -2.3),
    ("stufi", -2.3),
    ("non ne posso piu", -2.5),
    ("ne ho abbastanza", -2.2),
    ("ora basta", -2.3),
    ("adesso basta", -2.3),
    ("perdita di tempo", -2.0),
    ("uneternita", -1.0),
    // Indonesian
    ("masih menunggu", -1.6),
    ("ketiga kalinya", -1.6),
    ("keempat kalinya", -1.8),
    ("berkali kali", -1.6),
    ("lagi lagi", -1.2),
    ("berapa kali", -1.8),
    ("tidak ada yang balas", -1.6),
    ("gak ada yang balas", -1.6),
    ("ga ada yang bales", -1.6),
    ("tidak ada respon", -1.2),
    ("gak ada respon", -1.2),
    ("slow respon", -1.4),
    ("capek", -1.5),
    ("buang waktu", -2.0),
    ("lama banget", -1.2),
    ("lama sekali", -1.2),
    ("kok lama", -1.2),
];

/// Problems and mild displeasure (−0.4 … −1.8): a single one is not anger.
pub const NEGATIVE: &[(&str, f32)] = &[
    // English
    ("problem", -0.6),
    ("issue", -0.5),
    ("error", -0.6),
    ("mistake", -0.6),
    ("broken", -1.0),
    ("damaged", -1.0),
    ("defective", -1.0),
    ("faulty", -1.0),
    ("wrong", -0.8),
    ("missing", -0.8),
    ("late", -0.7),
    ("delayed", -0.8),
    ("delay", -0.7),
    ("slow", -0.8),
    ("lost", -0.7),
    ("bad", -1.0),
    ("poor", -1.0),
    ("terrible", -2.0),
    ("awful", -2.0),
    ("horrible", -2.0),
    ("disaster", -2.0),
    ("nightmare", -2.0),
    ("rude", -1.8),
    ("disappoint*", -1.4),
    ("unhappy", -1.4),
    ("upset", -1.4),
    ("annoy*", -1.4),
    ("irritat*", -1.4),
    ("worried", -0.6),
    ("unfortunately", -0.5),
    ("sadly", -0.5),
    ("complaint", -0.8),
    ("complain", -0.8),
    ("doesnt work", -0.9),
    ("does not work", -0.9),
    ("didnt work", -0.9),
    ("stopped working", -0.9),
    ("not as described", -0.8),
    ("never arrived", -1.2),
    ("never received", -1.2),
    ("never came", -1.2),
    ("expensive", -0.5),
    ("bad review", -1.8),
    // Spanish
    ("problema", -0.6),
    ("roto", -1.0),
    ("rota", -1.0),
    ("danado", -1.0),
    ("danada", -1.0),
    ("defectuoso", -1.0),
    ("defectuosa", -1.0),
    ("defecto", -1.0),
    ("equivocado", -0.8),
    ("equivocada", -0.8),
    ("incorrecto", -0.6),
    ("incompleto", -0.8),
    ("falta", -0.4),
    ("retraso", -0.8),
    ("retrasado", -0.8),
    ("lento", -0.8),
    ("malo", -1.0),
    ("mala", -1.0),
    ("muy mal", -1.4),
    ("esta mal", -1.0),
    ("salio mal", -1.0),
    ("mal servicio", -1.6),
    ("mala atencion", -1.6),
    ("desastre", -2.0),
    ("decepcion*", -1.4),
    ("molesto", -1.4),
    ("molesta", -1.4),
    ("triste", -1.0),
    ("preocupado", -0.6),
    ("preocupada", -0.6),
    ("lamentablemente", -0.5),
    ("desafortunadamente", -0.5),
    ("perdido", -0.7),
    ("queja", -0.8),
    ("reclamo", -0.8),
    ("no sirve", -1.4),
    ("no corresponde", -0.8),
    ("nunca llego", -1.2),
    // Portuguese
    ("erro", -0.6),
    ("quebrado", -1.0),
    ("quebrada", -1.0),
    ("danificado", -1.0),
    ("danificada", -1.0),
    ("defeito", -1.0),
    ("errado", -0.8),
    ("errada", -0.8),
    ("atraso", -0.8),
    ("atrasado", -0.8),
    ("atrasada", -0.8),
    ("ruim", -1.0),
    ("mal atendimento", -1.6),
    ("muito mal", -1.4),
    ("horrivel", -2.0),
    ("terrivel", -2.0),
    ("chateado", -1.4),
    ("chateada", -1.4),
    ("infelizmente", -0.5),
    ("extraviado", -0.8),
    ("reclamacao", -0.8),
    ("nunca chegou", -1.2),
    ("que droga", -1.4),
    ("chato", -1.2),
    ("nao corresponde", -0.8),
    // French
    ("probleme", -0.6),
    ("erreur", -0.6),
    ("casse", -1.0),
    ("cassee", -1.0),
    ("abime", -1.0),
    ("abimee", -1.0),
    ("endommage", -1.0),
    ("defectueux", -1.0),
    ("retard", -0.8),
    ("en retard", -0.8),
    ("lent", -0.8),
    ("mauvais", -1.0),
    ("mauvaise", -1.0),
    ("nul", -1.8),
    ("nulle", -1.8),
    ("catastroph*", -2.2),
    ("decu", -1.4),
    ("decue", -1.4),
    ("agace", -1.4),
    ("inquiet", -0.6),
    ("malheureusement", -0.5),
    ("perdu", -0.7),
    ("plainte", -0.8),
    ("jamais recu", -1.2),
    ("pas content", -1.4),
    ("ne correspond pas", -0.8),
    ("pas contente", -1.4),
    // German
    ("fehler", -0.6),
    ("kaputt", -1.0),
    ("beschadigt", -1.0),
    ("defekt", -1.0),
    ("falsch", -0.8),
    ("verspatung", -0.8),
    ("verspatet", -0.8),
    ("zu spat", -0.9),
    ("langsam", -0.8),
    ("schlecht", -1.0),
    ("schlechter service", -1.6),
    ("furchtbar", -2.0),
    ("schrecklich", -2.0),
    ("katastroph*", -2.2),
    ("enttausch*", -1.4),
    ("genervt", -1.4),
    ("argerlich", -1.4),
    ("unzufrieden", -1.4),
    ("traurig", -1.0),
    ("besorgt", -0.6),
    ("leider", -0.5),
    ("verloren", -0.7),
    ("beschwerde", -0.8),
    ("nie angekommen", -1.2),
    ("unfreundlich", -1.6),
    ("entspricht nicht", -0.8),
    // Italian
    ("errore", -0.6),
    ("rotto", -1.0),
    ("rotta", -1.0),
    ("danneggiato", -1.0),
    ("danneggiata", -1.0),
    ("difettoso", -1.0),
    ("difettosa", -1.0),
    ("sbagliato", -0.8),
    ("sbagliata", -0.8),
    ("ritardo", -0.8),
    ("in ritardo", -0.8),
    ("molto male", -1.4),
    ("va male", -1.0),
    ("disastro", -2.0),
    ("orribile", -2.0),
    ("terribile", -2.0),
    ("deluso", -1.4),
    ("delusa", -1.4),
    ("delusione", -1.4),
    ("infastidito", -1.4),
    ("preoccupato", -0.6),
    ("purtroppo", -0.5),
    ("perso", -0.7),
    ("lamentela", -0.8),
    ("mai arrivato", -1.2),
    ("insoddisfatto", -1.4),
    ("non corrisponde", -0.8),
    // Indonesian
    ("masalah", -0.6),
    // "Salah" alone is also a name.
    ("salah kirim", -0.8),
    ("dikirim salah", -0.8),
    ("yang salah", -0.6),
    ("salah ukuran", -0.8),
    ("salah warna", -0.8),
    ("salah barang", -0.8),
    ("rusak", -0.8),
    ("cacat", -1.0),
    ("telat", -0.8),
    ("terlambat", -0.8),
    ("lambat", -0.8),
    ("lelet", -1.2),
    ("lama", -0.5),
    ("jelek", -1.0),
    ("buruk", -1.2),
    ("kecewa", -1.4),
    ("kesal", -1.4),
    ("kesel", -1.4),
    ("jengkel", -1.8),
    ("sedih", -1.0),
    ("khawatir", -0.6),
    ("sayangnya", -0.5),
    ("hilang", -0.7),
    ("komplain", -0.8),
    ("rugi", -1.2),
    ("menyesal", -1.4),
    ("nyesel", -1.4),
    ("gila", -1.2),
    ("tidak sesuai", -0.8),
    ("gak sesuai", -0.8),
    ("ga sesuai", -0.8),
];

/// Profanity, lightly: common swearing that signals anger in a support chat.
pub const PROFANITY: &[(&str, f32)] = &[
    ("fuck*", -3.0),
    ("wtf", -2.6),
    ("shit", -2.5),
    ("shitty", -2.5),
    ("bullshit", -3.0),
    ("crap", -2.2),
    ("crappy", -2.2),
    ("damn", -1.5),
    ("pissed", -3.0),
    ("mierda", -2.5),
    ("joder", -2.5),
    ("carajo", -2.5),
    ("puta madre", -2.5),
    ("cabron*", -3.0),
    ("pendejo*", -3.0),
    ("merda", -2.5),
    ("porra", -2.5),
    ("caralho", -2.5),
    ("vai se foder", -3.0),
    ("merde", -2.5),
    ("putain", -2.5),
    ("bordel", -2.2),
    ("connard*", -3.0),
    ("fait chier", -2.5),
    ("scheisse", -2.5),
    ("scheise", -2.5),
    ("scheiss*", -2.5),
    ("mist", -1.6),
    ("verdammt", -2.2),
    ("kacke", -2.5),
    ("cazzo", -2.5),
    ("vaffanculo", -3.0),
    ("fanculo", -3.0),
    ("stronz*", -3.0),
    ("incazzat*", -3.0),
    ("porca miseria", -2.2),
    ("bangsat", -3.0),
    ("brengsek", -3.0),
    ("sialan", -2.6),
    ("bajingan", -3.0),
    ("kampret", -2.4),
    ("goblok", -3.0),
    ("tolol", -3.0),
];

/// Positive words and phrases, including negated negatives that are idioms ("not bad").
/// Thanks are kept weak: a polite complaint that ends in "thanks" is still a complaint.
pub const POSITIVE: &[(&str, f32)] = &[
    // English
    ("thanks", 0.5),
    ("thank you", 0.6),
    ("thx", 0.5),
    ("appreciat*", 1.2),
    ("great", 1.2),
    ("excellent", 1.5),
    ("perfect*", 1.3),
    ("awesome", 1.4),
    ("amazing", 1.4),
    ("wonderful", 1.4),
    ("fantastic*", 1.4),
    ("brilliant", 1.4),
    ("love", 1.3),
    ("lovely", 1.2),
    ("glad", 1.0),
    ("pleased", 1.0),
    ("nice", 0.8),
    ("cool", 0.6),
    ("well done", 1.2),
    ("the best", 1.4),
    ("works now", 1.0),
    ("problem solved", 1.2),
    ("solved", 0.8),
    ("no problem", 0.5),
    ("no worries", 0.5),
    ("not bad", 1.0),
    ("not bad at all", 1.5),
    ("fine", 0.4),
    ("quick", 0.5),
    ("fast", 0.5),
    // Spanish
    ("gracias", 0.5),
    ("muchas gracias", 0.8),
    ("genial", 1.2),
    ("excelente", 1.5),
    ("buenisimo", 1.3),
    ("buenisima", 1.3),
    ("bueno", 0.6),
    ("buena", 0.6),
    ("bien", 0.6),
    ("encanta", 1.3),
    ("encanto", 1.3),
    ("feliz", 1.4),
    ("contento", 1.3),
    ("contenta", 1.3),
    ("amable", 1.0),
    ("amables", 1.0),
    ("rapido", 0.5),
    ("sin problema", 0.5),
    ("sin problemas", 0.5),
    ("no esta mal", 1.0),
    ("nada mal", 1.0),
    ("problema resuelto", 1.2),
    ("resuelto", 0.8),
    ("solucionado", 0.8),
    // Portuguese
    ("obrigado", 0.5),
    ("obrigada", 0.5),
    ("muito obrigado", 0.8),
    ("muito obrigada", 0.8),
    ("valeu", 0.6),
    ("otimo", 1.3),
    ("otima", 1.3),
    ("perfeito", 1.3),
    ("perfeita", 1.3),
    ("adorei", 1.3),
    ("amei", 1.3),
    ("gostei", 1.2),
    ("contente", 1.3),
    ("bom", 0.6),
    ("boa", 0.6),
    ("maravilh*", 1.4),
    ("sem problema", 0.5),
    ("sem problemas", 0.5),
    ("nao e ruim", 1.0),
    ("problema resolvido", 1.2),
    ("resolvido", 0.8),
    ("show de bola", 1.3),
    ("beleza", 0.4),
    // French
    ("merci", 0.5),
    ("merci beaucoup", 0.8),
    ("parfait", 1.3),
    ("parfaite", 1.3),
    ("adore", 1.3),
    ("ravi", 1.3),
    ("ravie", 1.3),
    ("sympa", 0.8),
    ("pas mal", 1.0),
    ("pas mal du tout", 1.5),
    ("pas de probleme", 0.5),
    ("pas de souci", 0.5),
    ("aucun probleme", 0.5),
    ("probleme resolu", 1.2),
    ("resolu", 0.8),
    ("rapidite", 0.6),
    // German
    ("danke", 0.5),
    ("vielen dank", 0.8),
    ("danke schon", 0.8),
    ("toll", 1.2),
    ("perfekt", 1.3),
    ("klasse", 1.0),
    ("spitze", 1.2),
    ("froh", 1.0),
    ("gut", 0.6),
    ("hervorragend", 1.5),
    ("wunderbar", 1.4),
    ("kein problem", 0.5),
    ("nicht schlecht", 1.0),
    ("problem gelost", 1.2),
    ("hilfreich", 1.1),
    ("schnell", 0.5),
    // Italian
    ("grazie", 0.5),
    ("grazie mille", 0.8),
    ("ottimo", 1.3),
    ("ottima", 1.3),
    ("perfetto", 1.3),
    ("perfetta", 1.3),
    ("eccellente", 1.5),
    ("bravi", 1.0),
    ("bravo", 1.0),
    ("felice", 1.4),
    ("bene", 0.6),
    ("non male", 1.0),
    ("niente male", 1.0),
    ("nessun problema", 0.5),
    ("gentilissimi", 1.2),
    ("gentilissima", 1.2),
    ("gentile", 0.8),
    ("problema risolto", 1.2),
    ("risolto", 0.8),
    // Indonesian
    ("terima kasih", 0.6),
    ("makasih", 0.5),
    ("bagus", 1.2),
    ("mantap", 1.3),
    ("keren", 1.0),
    ("baik", 0.4),
    ("tidak masalah", 0.5),
    ("gak masalah", 0.5),
    ("ga masalah", 0.5),
    ("tidak buruk", 1.0),
    ("lumayan", 0.6),
    ("cepat", 0.5),
    ("membantu", 1.0),
];

/// Greetings and formulas that contain a sentiment word but carry none ("good
/// morning", "bom dia"): matched as phrases so their words do not count.
pub const NEUTRAL: &[&str] = &[
    "good morning",
    "good afternoon",
    "good evening",
    "good night",
    "best regards",
    "kind regards",
    "buenos dias",
    "buenas tardes",
    "buenas noches",
    "buen dia",
    "bom dia",
    "boa tarde",
    "boa noite",
    "tudo bem",
    "tudo bom",
    "guten morgen",
    "guten tag",
    "guten abend",
    "gute nacht",
    "buona sera",
    "buona giornata",
    "buona serata",
    "bonne journee",
    "bonne soiree",
    "selamat pagi",
    "selamat siang",
    "selamat sore",
    "selamat malam",
];

/// Words that mean little alone but something specific when negated:
/// `(word, valence, negated valence, kind when negated)`. Positive words not listed
/// here flip to `-0.9 ×` their valence when negated.
pub const NEGATABLE: &[(&str, f32, f32, CueKind)] = &[
    ("acceptable", 0.0, -2.6, CueKind::Anger),
    ("aceptable", 0.0, -2.6, CueKind::Anger),
    ("aceitavel", 0.0, -2.6, CueKind::Anger),
    ("akzeptabel", 0.0, -2.6, CueKind::Anger),
    ("accettabile", 0.0, -2.6, CueKind::Anger),
    ("normal", 0.0, -1.2, CueKind::Negative),
    ("normale", 0.0, -1.2, CueKind::Negative),
    ("serious", 0.0, -1.4, CueKind::Negative),
    ("serio", 0.0, -1.4, CueKind::Negative),
    ("working", 0.0, -0.9, CueKind::Negative),
    ("work", 0.0, -0.9, CueKind::Negative),
    ("works", 0.0, -0.9, CueKind::Negative),
    ("funciona", 0.0, -0.9, CueKind::Negative),
    ("fonctionne", 0.0, -0.9, CueKind::Negative),
    ("marche", 0.0, -0.9, CueKind::Negative),
    ("funktioniert", 0.0, -0.9, CueKind::Negative),
    ("funziona", 0.0, -0.9, CueKind::Negative),
    ("berfungsi", 0.0, -0.9, CueKind::Negative),
    ("arrived", 0.0, -0.9, CueKind::Negative),
    ("received", 0.0, -0.9, CueKind::Negative),
    ("gotten", 0.0, -0.9, CueKind::Negative),
    ("llegado", 0.0, -0.9, CueKind::Negative),
    ("llego", 0.0, -0.9, CueKind::Negative),
    ("llega", 0.0, -0.9, CueKind::Negative),
    ("recibido", 0.0, -0.9, CueKind::Negative),
    ("recibi", 0.0, -0.9, CueKind::Negative),
    ("chegou", 0.0, -0.9, CueKind::Negative),
    ("recebi", 0.0, -0.9, CueKind::Negative),
    ("recebido", 0.0, -0.9, CueKind::Negative),
    ("recu", 0.0, -0.9, CueKind::Negative),
    ("arrive", 0.0, -0.9, CueKind::Negative),
    ("angekommen", 0.0, -0.9, CueKind::Negative),
    ("erhalten", 0.0, -0.9, CueKind::Negative),
    ("arrivato", 0.0, -0.9, CueKind::Negative),
    ("ricevuto", 0.0, -0.9, CueKind::Negative),
    ("sampai", 0.0, -0.9, CueKind::Negative),
    ("diterima", 0.0, -0.9, CueKind::Negative),
    ("datang", 0.0, -0.9, CueKind::Negative),
    ("dikembalikan", 0.0, -0.9, CueKind::Negative),
    ("answered", 0.0, -1.2, CueKind::Frustration),
    ("replied", 0.0, -1.2, CueKind::Frustration),
    ("responded", 0.0, -1.2, CueKind::Frustration),
    ("respondido", 0.0, -1.2, CueKind::Frustration),
    ("contestado", 0.0, -1.2, CueKind::Frustration),
    ("respondeu", 0.0, -1.2, CueKind::Frustration),
    ("repondu", 0.0, -1.2, CueKind::Frustration),
    ("geantwortet", 0.0, -1.2, CueKind::Frustration),
    ("risposto", 0.0, -1.2, CueKind::Frustration),
    ("dibalas", 0.0, -1.2, CueKind::Frustration),
    ("dijawab", 0.0, -1.2, CueKind::Frustration),
    ("resolved", 0.8, -1.2, CueKind::Frustration),
    ("fixed", 0.6, -1.0, CueKind::Negative),
    ("happy", 1.4, -1.4, CueKind::Negative),
    ("satisfied", 1.2, -1.4, CueKind::Negative),
    ("helpful", 1.1, -1.3, CueKind::Negative),
    ("good", 0.8, -0.9, CueKind::Negative),
    ("satisfecho", 1.2, -1.4, CueKind::Negative),
    ("satisfecha", 1.2, -1.4, CueKind::Negative),
    ("satisfeito", 1.2, -1.4, CueKind::Negative),
    ("satisfeita", 1.2, -1.4, CueKind::Negative),
    ("satisfait", 1.2, -1.4, CueKind::Negative),
    ("satisfaite", 1.2, -1.4, CueKind::Negative),
    ("zufrieden", 1.2, -1.4, CueKind::Negative),
    ("glucklich", 1.3, -1.4, CueKind::Negative),
    ("soddisfatto", 1.2, -1.4, CueKind::Negative),
    ("soddisfatta", 1.2, -1.4, CueKind::Negative),
    ("puas", 1.2, -1.4, CueKind::Negative),
    ("senang", 1.3, -1.4, CueKind::Negative),
];

/// Negation words; a negator reaches up to three words ahead within its clause.
/// `(word, valence)`: a non-zero valence also makes it a cue ("still not" = frustration).
pub const NEGATORS: &[(&str, f32)] = &[
    ("not", 0.0),
    ("no", 0.0),
    ("never", 0.0),
    ("dont", 0.0),
    ("doesnt", 0.0),
    ("didnt", 0.0),
    ("isnt", 0.0),
    ("arent", 0.0),
    ("wasnt", 0.0),
    ("werent", 0.0),
    ("cant", 0.0),
    ("cannot", 0.0),
    ("couldnt", 0.0),
    ("wont", 0.0),
    ("wouldnt", 0.0),
    ("hasnt", 0.0),
    ("havent", 0.0),
    ("hadnt", 0.0),
    ("nothing", 0.0),
    ("nobody", 0.0),
    ("without", 0.0),
    ("nunca", 0.0),
    ("jamas", 0.0),
    ("nada", 0.0),
    ("ni", 0.0),
    ("sin", 0.0),
    ("nao", 0.0),
    ("jamais", 0.0),
    ("nem", 0.0),
    ("sem", 0.0),
    ("pas", 0.0),
    ("rien", 0.0),
    ("sans", 0.0),
    ("aucun", 0.0),
    ("aucune", 0.0),
    ("nicht", 0.0),
    ("kein", 0.0),
    ("keine", 0.0),
    ("keinen", 0.0),
    ("keinem", 0.0),
    ("keiner", 0.0),
    ("nie", 0.0),
    ("niemals", 0.0),
    ("nichts", 0.0),
    ("ohne", 0.0),
    ("non", 0.0),
    ("mai", 0.0),
    ("niente", 0.0),
    ("nessun", 0.0),
    ("nessuno", 0.0),
    ("nessuna", 0.0),
    ("senza", 0.0),
    ("tidak", 0.0),
    ("tak", 0.0),
    ("gak", 0.0),
    ("nggak", 0.0),
    ("ngga", 0.0),
    ("ga", 0.0),
    ("enggak", 0.0),
    ("engga", 0.0),
    ("bukan", 0.0),
    ("belum", 0.0),
    ("tanpa", 0.0),
    // "Still not": the problem persists.
    ("still not", -1.2),
    ("still no", -1.2),
    ("still nothing", -1.4),
    ("still havent", -1.2),
    ("still hasnt", -1.2),
    ("still dont", -1.2),
    ("still doesnt", -1.2),
    ("still didnt", -1.2),
    ("still cant", -1.2),
    ("todavia no", -1.2),
    ("todavia nada", -1.4),
    ("aun no", -1.2),
    ("aun nada", -1.4),
    ("sigue sin", -1.2),
    ("sigo sin", -1.2),
    ("ainda nao", -1.2),
    ("ainda nada", -1.4),
    ("ainda sem", -1.2),
    ("continua sem", -1.2),
    ("toujours pas", -1.2),
    ("toujours rien", -1.4),
    ("toujours aucun", -1.2),
    ("immer noch nicht", -1.2),
    ("immer noch kein", -1.2),
    ("immer noch keine", -1.2),
    ("immer noch nichts", -1.4),
    ("noch immer nicht", -1.2),
    ("noch immer kein", -1.2),
    ("noch immer keine", -1.2),
    ("ancora non", -1.2),
    ("ancora niente", -1.4),
    ("ancora nessun", -1.2),
    ("ancora nessuna", -1.2),
    ("masih belum", -1.2),
    ("masih tidak", -1.2),
    ("masih gak", -1.2),
    ("belum juga", -1.2),
];

/// Intensifiers (factor > 1) and downtoners (< 1): `(words, factor, after)`. `after`
/// modifiers follow the word they modify ("lama banget", "worst service ever").
pub const MODIFIERS: &[(&str, f32, bool)] = &[
    ("very", 1.4, false),
    ("so", 1.4, false),
    ("really", 1.4, false),
    ("extremely", 1.6, false),
    ("totally", 1.4, false),
    ("absolutely", 1.5, false),
    ("completely", 1.4, false),
    ("utterly", 1.6, false),
    ("super", 1.4, false),
    ("too", 1.2, false),
    ("incredibly", 1.5, false),
    ("truly", 1.3, false),
    ("seriously", 1.3, false),
    ("such", 1.3, false),
    ("most", 1.3, false),
    ("quite", 1.2, false),
    ("muy", 1.4, false),
    ("tan", 1.4, false),
    ("totalmente", 1.4, false),
    ("completamente", 1.4, false),
    ("realmente", 1.4, false),
    ("absolutamente", 1.5, false),
    ("demasiado", 1.2, false),
    ("bastante", 1.2, false),
    ("sumamente", 1.5, false),
    ("muito", 1.4, false),
    ("tao", 1.4, false),
    ("bem", 1.2, false),
    ("tres", 1.4, false),
    ("vraiment", 1.4, false),
    ("trop", 1.3, false),
    ("tellement", 1.4, false),
    ("completement", 1.4, false),
    ("totalement", 1.4, false),
    ("absolument", 1.5, false),
    ("sehr", 1.4, false),
    ("echt", 1.4, false),
    ("total", 1.4, false),
    ("wirklich", 1.4, false),
    ("absolut", 1.5, false),
    ("absolute", 1.5, false),
    ("extrem", 1.6, false),
    ("vollig", 1.5, false),
    ("komplett", 1.4, false),
    ("ganz", 1.2, false),
    ("richtig", 1.3, false),
    ("molto", 1.4, false),
    ("cosi", 1.4, false),
    ("davvero", 1.4, false),
    ("veramente", 1.4, false),
    ("proprio", 1.2, false),
    ("troppo", 1.3, false),
    ("assolutamente", 1.5, false),
    ("estremamente", 1.6, false),
    ("sangat", 1.4, false),
    ("sungguh", 1.4, false),
    ("benar benar", 1.4, false),
    ("bener bener", 1.4, false),
    ("amat", 1.4, false),
    ("terlalu", 1.3, false),
    ("paling", 1.4, false),
    // After the word.
    ("banget", 1.4, true),
    ("bgt", 1.4, true),
    ("sekali", 1.4, true),
    ("demais", 1.4, true),
    ("ever", 1.2, true),
    ("so much", 1.4, true),
    ("a lot", 1.3, true),
    ("as hell", 1.5, true),
    // Downtoners.
    ("a bit", 0.6, false),
    ("a little", 0.6, false),
    ("a little bit", 0.6, false),
    ("slightly", 0.6, false),
    ("somewhat", 0.7, false),
    ("kind of", 0.7, false),
    ("kinda", 0.7, false),
    ("sort of", 0.7, false),
    ("un poco", 0.6, false),
    ("un poquito", 0.6, false),
    ("algo", 0.7, false),
    ("um pouco", 0.6, false),
    ("meio", 0.7, false),
    ("un peu", 0.6, false),
    ("legerement", 0.6, false),
    ("plutot", 0.8, false),
    ("etwas", 0.6, false),
    ("ein bisschen", 0.6, false),
    ("ein wenig", 0.6, false),
    ("leicht", 0.7, false),
    ("un po", 0.6, false),
    ("un pochino", 0.6, false),
    ("leggermente", 0.6, false),
    ("piuttosto", 0.8, false),
    ("agak", 0.6, false),
    ("sedikit", 0.6, false),
    ("rada", 0.7, false),
];

/// Contrast: what came before counts half.
pub const CONTRASTS: &[&str] = &[
    "but",
    "however",
    "pero",
    "sin embargo",
    "porem",
    "no entanto",
    "mais",
    "cependant",
    "pourtant",
    "aber",
    "jedoch",
    "allerdings",
    "tuttavia",
    "tapi",
    "tetapi",
    "namun",
];

/// A clause starting with one of these, right after a question, denies it
/// ("I'm angry? no, just asking").
pub const DENIALS: &[&str] = &[
    "no",
    "nope",
    "nah",
    "not really",
    "of course not",
    "para nada",
    "nao",
    "claro que nao",
    "non",
    "pas du tout",
    "nein",
    "tidak",
    "bukan",
    "gak",
    "nggak",
    "enggak",
];

/// "Several times": a count of three or more (or "several") followed by one of
/// [`TIMES`] is a frustration cue ("I've asked 4 times").
pub const MANY: &[&str] = &[
    "three",
    "four",
    "five",
    "six",
    "seven",
    "ten",
    "several",
    "many",
    "multiple",
    "countless",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "varias",
    "muchas",
    "quatro",
    "muitas",
    "trois",
    "quatre",
    "cinq",
    "plusieurs",
    "drei",
    "vier",
    "funf",
    "mehrere",
    "tre",
    "quattro",
    "cinque",
    "diverse",
    "molte",
    "tante",
    "tiga",
    "empat",
    "lima",
    "beberapa",
];

/// Words for "times" after a count ("4 times", "tres veces", "3 kali").
pub const TIMES: &[&str] = &["times", "veces", "vezes", "fois", "volte", "kali"];

/// German "Mal" counts only after digits or German numbers ("très mal" is "very bad").
pub const GERMAN_MANY: &[&str] = &["drei", "vier", "funf", "sechs", "zehn", "mehrere"];

/// Angry emoji: a strong anger cue each.
pub const ANGRY_EMOJI: &[char] = &['😡', '😠', '🤬', '👿', '💢', '🖕'];
/// Fed-up, eye-rolling, crying: a frustration cue each.
pub const FRUSTRATED_EMOJI: &[char] = &[
    '😤', '😒', '🙄', '😩', '😫', '😞', '😔', '😣', '😖', '😑', '😢', '😭', '👎', '💩', '🤦', '💔',
];
/// Happy emoji.
pub const POSITIVE_EMOJI: &[char] = &[
    '🙂', '😊', '😀', '😃', '😄', '😁', '👍', '❤', '😍', '🥰', '💯', '👌', '🎉', '😘', '🤗', '✅',
    '💙', '💚', '💕', '🥳', '🙏',
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Valence {
        v: f32,
        negated: Option<(f32, CueKind)>,
        cue: CueKind,
        /// Starts with a negation word ("nunca más", "never again"): a second negation
        /// is concord ("no vuelvo nunca más"), not a flip.
        fixed: bool,
    },
    Negator {
        v: f32,
    },
    Modifier {
        factor: f32,
        after: bool,
    },
    Contrast,
}

#[derive(Debug)]
struct Entry {
    tokens: Vec<String>,
    /// The last token is a prefix (`frustrat*`).
    prefix: bool,
    kind: Kind,
}

/// The compiled lexicons. Build once ([`Analyzer::global`]) and share.
#[derive(Debug)]
pub struct Analyzer {
    entries: Vec<Entry>,
    /// First token → entries starting with it (exact first token).
    index: HashMap<String, Vec<u32>>,
    /// One-token prefix entries.
    prefixes: Vec<(String, u32)>,
    denials: Vec<Vec<String>>,
    many: Vec<String>,
    times: Vec<String>,
}

/// A match in a clause.
#[derive(Debug, Clone, Copy)]
struct Item {
    start: usize,
    end: usize,
    kind: Kind,
}

/// An additive cue before aggregation.
#[derive(Debug)]
struct Hit {
    v: f64,
    kind: CueKind,
    text: String,
    notes: Vec<String>,
    clause: usize,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    /// Compiles the built-in lexicons (about a millisecond; prefer [`Analyzer::global`]).
    pub fn new() -> Analyzer {
        let mut a = Analyzer {
            entries: Vec::new(),
            index: HashMap::new(),
            prefixes: Vec::new(),
            denials: DENIALS.iter().map(|d| tokenize(d)).collect(),
            many: MANY.iter().map(|w| w.to_string()).collect(),
            times: TIMES.iter().map(|w| w.to_string()).collect(),
        };
        for (groups, cue) in [
            (ANGER, CueKind::Anger),
            (FRUSTRATION, CueKind::Frustration),
            (NEGATIVE, CueKind::Negative),
            (PROFANITY, CueKind::Profanity),
            (POSITIVE, CueKind::Positive),
        ] {
            for &(phrase, v) in groups {
                a.add(
                    phrase,
                    Kind::Valence {
                        v,
                        negated: None,
                        cue,
                        fixed: false,
                    },
                );
            }
        }
        for phrase in NEUTRAL {
            a.add(
                phrase,
                Kind::Valence {
                    v: 0.0,
                    negated: None,
                    cue: CueKind::Positive,
                    fixed: false,
                },
            );
        }
        for &(phrase, v, neg, kind) in NEGATABLE {
            let cue = if v > 0.0 {
                CueKind::Positive
            } else {
                CueKind::Negative
            };
            a.add(
                phrase,
                Kind::Valence {
                    v,
                    negated: Some((neg, kind)),
                    cue,
                    fixed: false,
                },
            );
        }
        for &(phrase, v) in NEGATORS {
            a.add(phrase, Kind::Negator { v });
        }
        for &(phrase, factor, after) in MODIFIERS {
            a.add(phrase, Kind::Modifier { factor, after });
        }
        for phrase in CONTRASTS {
            a.add(phrase, Kind::Contrast);
        }
        a
    }

    /// The shared, lazily compiled analyser.
    pub fn global() -> &'static Analyzer {
        static GLOBAL: OnceLock<Analyzer> = OnceLock::new();
        GLOBAL.get_or_init(Analyzer::new)
    }

    fn add(&mut self, phrase: &str, mut kind: Kind) {
        let prefix = phrase.ends_with('*');
        let tokens = tokenize(phrase.trim_end_matches('*'));
        if tokens.is_empty() {
            return;
        }
        if let Kind::Valence { fixed, .. } = &mut kind {
            *fixed = NEGATORS.iter().any(|(n, _)| *n == tokens[0]);
        }
        let id = self.entries.len() as u32;
        if prefix && tokens.len() == 1 {
            self.prefixes.push((tokens[0].clone(), id));
        } else {
            self.index.entry(tokens[0].clone()).or_default().push(id);
        }
        self.entries.push(Entry {
            tokens,
            prefix,
            kind,
        });
    }

    /// The longest entry matching at `i`: (entry, tokens consumed).
    fn longest(&self, tokens: &[String], i: usize) -> Option<(&Entry, usize)> {
        let mut best: Option<(&Entry, usize)> = None;
        let better = |best: &Option<(&Entry, usize)>, len: usize, e: &Entry| match best {
            None => true,
            Some((b, blen)) => len > *blen || (len == *blen && b.prefix && !e.prefix),
        };
        if let Some(ids) = self.index.get(&tokens[i]) {
            for &id in ids {
                let e = &self.entries[id as usize];
                let n = e.tokens.len();
                if i + n > tokens.len() {
                    continue;
                }
                let ok = e.tokens.iter().enumerate().all(|(k, t)| {
                    let tok = &tokens[i + k];
                    if e.prefix && k == n - 1 {
                        tok.starts_with(t.as_str())
                    } else {
                        tok == t
                    }
                });
                if ok && better(&best, n, e) {
                    best = Some((e, n));
                }
            }
        }
        if best.is_none() {
            for (p, id) in &self.prefixes {
                if tokens[i].starts_with(p.as_str()) {
                    let e = &self.entries[*id as usize];
                    if better(&best, 1, e) {
                        best = Some((e, 1));
                    }
                }
            }
        }
        best
    }

    fn known(&self, token: &str) -> bool {
        self.index.contains_key(token) || self.prefixes.iter().any(|(p, _)| token.starts_with(p))
    }

    /// "4 times", "tres veces", "drei Mal".
    fn is_repeat(&self, count: &str, times: &str) -> bool {
        let digits = count.parse::<u32>().is_ok_and(|n| n >= 3);
        if times == "mal" || times == "male" {
            digits || GERMAN_MANY.contains(&count)
        } else {
            (digits || self.many.iter().any(|m| m == count))
                && self.times.iter().any(|t| t == times)
        }
    }

    /// Analyses one message.
    pub fn analyze(&self, text: &str) -> Sentiment {
        let caps = Caps::of(text);
        let mut hits: Vec<Hit> = Vec::new();
        let mut prev_question: Option<usize> = None;
        let clauses = clauses(text);
        let n_clauses = clauses.len();
        for (ci, (clause, terminator)) in clauses.into_iter().enumerate() {
            let mut tokens = tokenize(clause);
            if tokens.is_empty() {
                continue;
            }
            // "sooo" → "so" (emphasised), when the collapsed word is known.
            let mut stretched = vec![false; tokens.len()];
            for (k, t) in tokens.iter_mut().enumerate() {
                if let Some(c) = self.unstretch(t) {
                    *t = c;
                    stretched[k] = true;
                }
            }
            // A denial right after a question cancels the question's cues.
            if let Some(q) = prev_question
                && self
                    .denials
                    .iter()
                    .any(|d| tokens.len() >= d.len() && tokens[..d.len()] == d[..])
            {
                for h in hits.iter_mut().filter(|h| h.clause == q) {
                    h.v = 0.0;
                    h.notes.push("denied".into());
                }
            }
            let question = terminator.matches('?').count() == 1 && !terminator.contains('!');
            prev_question = question.then_some(ci);

            let items = self.scan(&tokens);
            for (k, item) in items.iter().enumerate() {
                match item.kind {
                    Kind::Contrast => {
                        for h in hits.iter_mut() {
                            h.v *= 0.5;
                            h.notes.push(format!("before \"{}\"", tokens[item.start]));
                        }
                    }
                    Kind::Negator { v } if v != 0.0 => hits.push(Hit {
                        v: v as f64,
                        kind: CueKind::Frustration,
                        text: tokens[item.start..item.end].join(" "),
                        notes: Vec::new(),
                        clause: ci,
                    }),
                    Kind::Valence {
                        v,
                        negated,
                        cue,
                        fixed,
                    } => {
                        let mut notes = Vec::new();
                        let (mut v, mut kind) = (v as f64, cue);
                        // Negation: the nearest negator up to three words before.
                        let negator = items[..k].iter().rev().find(|m| {
                            !fixed
                                && matches!(m.kind, Kind::Negator { .. })
                                && item.start - m.end <= 3
                        });
                        if let Some(n) = negator {
                            notes.push(format!(
                                "negated by \"{}\"",
                                tokens[n.start..n.end].join(" ")
                            ));
                            match negated {
                                Some((nv, nk)) => (v, kind) = (nv as f64, nk),
                                None if v < 0.0 => (v, kind) = (-0.2 * v, CueKind::Positive),
                                None => (v, kind) = (-0.9 * v, CueKind::Negative),
                            }
                        }
                        // Modifiers right before (a chain: "very very") and right after.
                        let mut factor = 1.0f64;
                        let mut pos = item.start;
                        for m in items[..k].iter().rev() {
                            match m.kind {
                                Kind::Modifier {
                                    factor: f,
                                    after: false,
                                } if pos - m.end <= 1 => {
                                    factor *= f as f64;
                                    pos = m.start;
                                }
                                _ => break,
                            }
                        }
                        if let Some(m) = items.get(k + 1)
                            && let Kind::Modifier {
                                factor: f,
                                after: true,
                            } = m.kind
                            && m.start - item.end <= 1
                        {
                            factor *= f as f64;
                        }
                        let words = &tokens[item.start..item.end];
                        if !caps.shouting && words.iter().any(|w| caps.words.contains(w)) {
                            factor *= 1.3;
                            notes.push("CAPS".into());
                        }
                        if stretched[item.start..item.end].iter().any(|&s| s) {
                            factor *= 1.2;
                            notes.push("stretched".into());
                        }
                        let factor = factor.min(2.0);
                        if factor > 1.0 {
                            notes.push("intensified".into());
                        } else if factor < 1.0 {
                            notes.push("softened".into());
                        }
                        v *= factor;
                        // "Bueno, …", "Bom, …", "Well, …": a weak positive word alone
                        // opening a longer message is a filler.
                        if ci == 0 && tokens.len() == 1 && n_clauses > 1 && (0.0..0.65).contains(&v)
                        {
                            v = 0.0;
                        }
                        if question && kind != CueKind::Frustration {
                            v *= 0.6;
                            notes.push("in a question".into());
                        }
                        if v != 0.0 {
                            hits.push(Hit {
                                v,
                                kind,
                                text: words.join(" "),
                                notes,
                                clause: ci,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        for c in text.chars() {
            let v = if ANGRY_EMOJI.contains(&c) {
                -2.5
            } else if FRUSTRATED_EMOJI.contains(&c) {
                -1.6
            } else if c == '🙏' {
                0.4
            } else if POSITIVE_EMOJI.contains(&c) {
                1.2
            } else {
                continue;
            };
            hits.push(Hit {
                v,
                kind: CueKind::Emoji,
                text: c.to_string(),
                notes: Vec::new(),
                clause: usize::MAX,
            });
        }
        self.aggregate(text, hits, &caps)
    }

    /// The word with stretched letters collapsed ("sooo" → "so", "pleeease" →
    /// "please"), if that is a known word and the original is not.
    fn unstretch(&self, token: &str) -> Option<String> {
        let chars: Vec<char> = token.chars().collect();
        if !chars.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) || self.known(token) {
            return None;
        }
        for keep in [1usize, 2] {
            let mut out = String::new();
            let mut run = 0;
            for (i, &c) in chars.iter().enumerate() {
                run = if i > 0 && chars[i - 1] == c {
                    run + 1
                } else {
                    1
                };
                if run <= keep {
                    out.push(c);
                }
            }
            if self.known(&out) {
                return Some(out);
            }
        }
        None
    }

    fn scan(&self, tokens: &[String]) -> Vec<Item> {
        let mut items = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            // "en 3 fois", "em 3 vezes", "in 3 volte": instalments, not repeated contact.
            let instalments = i > 0 && ["en", "em", "in"].contains(&tokens[i - 1].as_str());
            if i + 1 < tokens.len() && !instalments && self.is_repeat(&tokens[i], &tokens[i + 1]) {
                items.push(Item {
                    start: i,
                    end: i + 2,
                    kind: Kind::Valence {
                        v: -1.6,
                        negated: None,
                        cue: CueKind::Frustration,
                        fixed: false,
                    },
                });
                i += 2;
                continue;
            }
            match self.longest(tokens, i) {
                Some((e, n)) => {
                    items.push(Item {
                        start: i,
                        end: i + n,
                        kind: e.kind,
                    });
                    i += n;
                }
                None => i += 1,
            }
        }
        items
    }

    fn aggregate(&self, text: &str, hits: Vec<Hit>, caps: &Caps) -> Sentiment {
        let mut cues: Vec<Cue> = Vec::new();
        let mut neg: Vec<f64> = Vec::new();
        let mut pos: Vec<f64> = Vec::new();
        for h in hits {
            if h.v < 0.0 {
                neg.push(h.v);
            } else if h.v > 0.0 {
                pos.push(h.v);
            }
            cues.push(Cue {
                kind: h.kind,
                text: h.text,
                effect: Effect::Add(h.v),
                notes: h.notes,
            });
        }
        let lexical = decayed(&neg) + decayed(&pos);

        let bangs = max_run(text, '!');
        let total_bangs = text.matches('!').count();
        let impatient = max_run(text, '?') >= 2 || text.contains("?!") || text.contains("!?");
        let not_positive = lexical <= 0.0;
        let mut add = |cues: &mut Vec<Cue>, kind, text: &str, v: f64| {
            neg.push(v);
            cues.push(Cue {
                kind,
                text: text.into(),
                effect: Effect::Add(v),
                notes: Vec::new(),
            });
        };
        if caps.shouting && not_positive {
            add(&mut cues, CueKind::Shouting, "CAPITALS", -1.0);
        }
        if impatient && not_positive {
            add(&mut cues, CueKind::Punctuation, "??", -0.6);
        }
        let mut net = decayed(&neg) + decayed(&pos);

        let mut factor = 1.0f64;
        let mut scale = |cues: &mut Vec<Cue>, kind, text: &str, m: f64| {
            factor *= m;
            cues.push(Cue {
                kind,
                text: text.into(),
                effect: Effect::Scale(m),
                notes: Vec::new(),
            });
        };
        if net != 0.0 {
            if bangs >= 2 || total_bangs >= 3 {
                scale(&mut cues, CueKind::Punctuation, "!!", 1.25);
            } else if total_bangs == 1 {
                scale(&mut cues, CueKind::Punctuation, "!", 1.1);
            }
            if caps.shouting {
                scale(&mut cues, CueKind::Shouting, "CAPITALS", 1.4);
            }
            if impatient && net < 0.0 {
                scale(&mut cues, CueKind::Punctuation, "??", 1.15);
            }
        }
        net *= factor.min(1.8);
        let score = (net / (net * net + SQUASH).sqrt()).clamp(-1.0, 1.0);
        Sentiment {
            score,
            label: Label::from_score(score),
            cues,
        }
    }
}

/// Strongest first, each further one counting [`DECAY`] of the previous.
fn decayed(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(|a, b| b.abs().total_cmp(&a.abs()));
    let mut w = 1.0;
    let mut sum = 0.0;
    for x in v {
        sum += w * x;
        w *= DECAY;
    }
    sum
}

fn max_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else if !ch.is_whitespace() {
            run = 0;
        }
    }
    best
}

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '…' | '¿' | '¡' | '(' | ')'
    )
}

/// The text cut into clauses, each with the punctuation that ends it.
fn clauses(text: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !is_terminator(c) {
            continue;
        }
        let mut run = String::from(c);
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = it.peek() {
            if is_terminator(d) || d.is_whitespace() {
                if is_terminator(d) {
                    run.push(d);
                }
                end = j + d.len_utf8();
                it.next();
            } else {
                break;
            }
        }
        out.push((&text[start..i], run));
        start = end;
    }
    if start < text.len() {
        out.push((&text[start..], String::new()));
    }
    out
}

/// Capitals in a message.
struct Caps {
    /// Normalised words of three or more letters written all in capitals.
    words: Vec<String>,
    /// Most of the message in capitals (at least two such words).
    shouting: bool,
}

impl Caps {
    fn of(text: &str) -> Caps {
        let mut words = Vec::new();
        let (mut upper, mut lower) = (0usize, 0usize);
        for w in text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’') {
            let letters = w.chars().filter(|c| c.is_alphabetic());
            let (u, l) = letters.fold((0, 0), |(u, l), c| {
                (u + c.is_uppercase() as usize, l + c.is_lowercase() as usize)
            });
            upper += u;
            lower += l;
            if u >= 3 && l == 0 {
                words.extend(tokenize(w));
            }
        }
        let shouting = words.len() >= 2 && upper * 10 >= (upper + lower) * 6;
        Caps { words, shouting }
    }
}

/// Analyses one message with the built-in lexicons.
pub fn analyze(text: &str) -> Sentiment {
    Analyzer::global().analyze(text)
}

/// The escalation triggers one customer message carries: a request for a manager or a
/// human, or a sensitive keyword (parley-core's [`Escalator::scan`], reused as is), and
/// the negative-sentiment trigger when `sentiment.score` is at or below the spec's
/// threshold. Either may be absent; a manager request comes first.
pub fn escalation_triggers(
    escalator: &Escalator,
    text: &str,
    sentiment: &Sentiment,
) -> Vec<Trigger> {
    escalator
        .scan(text)
        .into_iter()
        .chain(escalator.negative_sentiment(sentiment.score))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> f64 {
        analyze(text).score
    }

    fn has_note(s: &Sentiment, word: &str, note: &str) -> bool {
        s.cues
            .iter()
            .any(|c| c.text == word && c.notes.iter().any(|n| n.contains(note)))
    }

    #[test]
    fn lexicon_words_in_every_language() {
        for text in [
            "This is unacceptable",
            "Esto es inaceptable",
            "Isso é inaceitável",
            "C'est inacceptable",
            "Das ist inakzeptabel",
            "È inaccettabile",
            "Ini keterlaluan",
        ] {
            let s = analyze(text);
            assert!(s.score <= ANGRY + 0.05, "{text}: {}", s.explain());
            assert!(s.cues.iter().any(|c| c.kind == CueKind::Anger), "{text}");
        }
        assert_eq!(
            analyze("Bonjour, vous livrez en Belgique ?").label,
            Label::Neutral
        );
    }

    #[test]
    fn accents_are_folded() {
        assert_eq!(score("pésimo servicio"), score("pesimo servicio"));
        assert_eq!(score("Ich bin wütend"), score("ich bin wutend"));
        assert!(score("très déçu") < -0.3);
    }

    #[test]
    fn a_single_mild_word_never_escalates() {
        for text in [
            "my order is late",
            "the box is damaged",
            "I'm disappointed",
            "unfortunately it is broken",
            "the app has a problem",
            "llegó roto",
            "estou chateado",
            "je suis déçu",
            "leider kaputt",
            "purtroppo è sbagliato",
            "barangnya rusak",
        ] {
            let s = analyze(text);
            assert!(s.score > FRUSTRATED, "{text}: {}", s.explain());
            assert!(s.score <= NEGATIVE_SCORE, "{text}: {}", s.explain());
        }
    }

    #[test]
    fn negation_flips_positive_and_neutralises_negative() {
        let s = analyze("I'm not happy with this");
        assert!(s.score < -0.3, "{}", s.explain());
        assert!(has_note(&s, "happy", "negated by \"not\""));
        // "I'm not angry" is not anger.
        assert!(score("I'm not angry") > NEGATIVE_SCORE);
        assert!(score("Je ne suis pas en colère") > NEGATIVE_SCORE);
        // Idioms are phrases: "not bad" is praise.
        for text in [
            "this is not bad at all",
            "no está mal",
            "pas mal du tout",
            "nicht schlecht",
            "non male",
            "tidak buruk",
        ] {
            assert_eq!(analyze(text).label, Label::Positive, "{text}");
        }
        // Negatable words: meaningless alone, telling when negated.
        assert_eq!(score("this is acceptable"), 0.0);
        assert!(score("this is not acceptable") <= ANGRY + 0.05);
        assert!(score("my parcel hasn't arrived") < NEGATIVE_SCORE);
        assert!(score("meu pedido não chegou") < NEGATIVE_SCORE);
    }

    #[test]
    fn negative_concord_is_not_a_flip() {
        // Spanish, Portuguese, French, Italian double negation.
        for text in [
            "no vuelvo a comprar nunca más",
            "não compro nunca mais",
            "je ne commande plus jamais",
            "non compro mai più",
        ] {
            let s = analyze(text);
            assert!(s.score <= FRUSTRATED, "{text}: {}", s.explain());
        }
    }

    #[test]
    fn negation_stays_in_its_clause() {
        // The comma ends the negator's reach.
        let s = analyze("no, terrible service");
        assert!(s.score < -0.45, "{}", s.explain());
    }

    #[test]
    fn still_not_is_frustration() {
        let s = analyze("still not fixed");
        assert!(
            s.cues
                .iter()
                .any(|c| c.kind == CueKind::Frustration && c.text == "still not")
        );
        assert!(s.score < -0.3, "{}", s.explain());
    }

    #[test]
    fn intensifiers_and_downtoners_scale() {
        let plain = score("I am disappointed");
        let very = score("I am very disappointed");
        let bit = score("I am a bit disappointed");
        assert!(very < plain && plain < bit, "{very} {plain} {bit}");
        assert!(score("lama banget") < score("lama"));
        assert!(score("muy mal") < score("mal servicio") + 0.5);
    }

    #[test]
    fn contrast_halves_what_came_before() {
        let s = analyze("The shoes are great but the delivery was a disaster");
        assert!(s.score < NEGATIVE_SCORE, "{}", s.explain());
        assert!(has_note(&s, "great", "before \"but\""));
        let s = analyze("Delivery was slow but the shoes are great");
        assert_eq!(s.label, Label::Positive, "{}", s.explain());
    }

    #[test]
    fn questions_and_denials() {
        let asked = score("is this a scam?");
        let said = score("this is a scam");
        assert!(asked > said, "{asked} vs {said}");
        let s = analyze("I'm angry? no, just asking");
        assert_eq!(s.label, Label::Neutral, "{}", s.explain());
        assert!(has_note(&s, "angry", "denied"));
        // Frustration cues are not softened by the question mark.
        assert!(score("how many times do I have to ask?") <= FRUSTRATED);
    }

    #[test]
    fn repeated_punctuation_and_shouting_amplify() {
        let calm = score("this is ridiculous");
        let bangs = score("this is ridiculous!!!");
        let shout = score("THIS IS RIDICULOUS");
        assert!(calm > ANGRY, "{calm}");
        assert!(bangs <= ANGRY && shout <= ANGRY, "{bangs} {shout}");
        // Shouting alone is a cue; a single capitalised acronym is not.
        assert!(score("WHERE IS MY ORDER") < NEGATIVE_SCORE);
        assert_eq!(
            analyze("Can you send the PDF invoice by DHL?").label,
            Label::Neutral
        );
        // One word in capitals is emphasis.
        let s = analyze("the service was TERRIBLE");
        assert!(has_note(&s, "terrible", "CAPS"), "{}", s.explain());
        // ?? is impatience.
        assert!(score("where is my order??") < score("where is my order?"));
        // Positive messages are amplified the other way.
        assert!(score("thank you so much!!!") > score("thank you so much"));
    }

    #[test]
    fn stretched_words_are_read_and_emphasised() {
        let s = analyze("sooo disappointed");
        assert!(s.score < score("disappointed"), "{}", s.explain());
    }

    #[test]
    fn emoji() {
        assert!(score("ok 😡") <= -0.6);
        assert!(score("again 🙄") < NEGATIVE_SCORE);
        assert_eq!(analyze("got it 👍").label, Label::Positive);
    }

    #[test]
    fn repeated_contact_counts() {
        for text in [
            "I've asked 4 times",
            "ya pregunté tres veces",
            "j'ai appelé plusieurs fois",
            "sudah 3 kali",
        ] {
            let s = analyze(text);
            assert!(
                s.cues.iter().any(|c| c.kind == CueKind::Frustration),
                "{text}: {}",
                s.explain()
            );
        }
        assert_eq!(analyze("I ordered 2 items").label, Label::Neutral);
        // Instalments are not repeated contacts.
        for text in ["je peux payer en 3 fois ?", "posso parcelar em três vezes?"] {
            assert_eq!(analyze(text).label, Label::Neutral, "{text}");
        }
    }

    #[test]
    fn score_is_bounded_and_explained() {
        let s = analyze("WORST SCAM EVER!!! 😡😡 fuck you, thieves, unacceptable");
        assert!(s.score >= -1.0 && s.score <= -0.9, "{}", s.explain());
        assert!(s.explain().starts_with("angry -0.9"), "{}", s.explain());
        assert_eq!(analyze("").score, 0.0);
        assert_eq!(analyze("!!!").label, Label::Neutral);
        assert_eq!(analyze("???").label, Label::Negative);
    }

    #[test]
    fn words_shared_between_languages() {
        for text in [
            "la caja llegó con un golpe", // es: a dent, not pt "golpe" (scam)
            "Caro servizio clienti, una domanda", // it: "dear", not es "expensive"
            "posso riceverlo prima di venerdì?", // it: "before", not de "prima"
            "Hi, this is Salah from Jakarta",
            "Können Sie mal nachsehen?", // de particle "mal", not es "mal"
        ] {
            assert_eq!(
                analyze(text).label,
                Label::Neutral,
                "{text}: {}",
                analyze(text).explain()
            );
        }
        assert!(score("isso é golpe") <= ANGRY);
        assert_eq!(analyze("barangnya salah kirim").label, Label::Negative);
        // A filler opening a message is not praise.
        assert!(
            score("Bueno, mi pedido no llegó") < NEGATIVE_SCORE,
            "{}",
            analyze("Bueno, mi pedido no llegó").explain()
        );
        assert_eq!(analyze("Good!").label, Label::Positive);
    }

    #[test]
    fn calibration_matches_the_docs() {
        // Outrage alone crosses; a strong word alone does not, with emphasis it does.
        for text in ["unacceptable", "scam", "thieves", "furious"] {
            assert!(score(text) <= ANGRY, "{text}: {}", score(text));
        }
        for text in ["ridiculous", "useless", "fed up", "merde", "😡"] {
            let s = score(text);
            assert!(s > ANGRY && s <= -0.55, "{text}: {s}");
        }
        for text in ["ridiculous!!", "RIDICULOUS and USELESS", "so ridiculous"] {
            assert!(score(text) <= ANGRY, "{text}: {}", score(text));
        }
        // Every mild word stays above -0.45; every plain frustration cue is at most -1.6.
        for &(word, v) in NEGATIVE.iter().filter(|(_, v)| *v > -1.5) {
            let s = score(word.trim_end_matches('*'));
            assert!(s > FRUSTRATED, "{word} ({v}): {s}");
        }
        assert!(score("still waiting, third time") > ANGRY);
        assert!(score("still waiting, third time, nobody answers") <= ANGRY);
    }

    #[test]
    fn feeds_the_escalation_trigger() {
        let esc = Escalator::new(&Default::default(), &[]).unwrap();
        let text = "This is unacceptable!! I want to speak to your manager";
        let s = analyze(text);
        let t = escalation_triggers(&esc, text, &s);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[0].kind(), "customer_request");
        assert_eq!(t[1].kind(), "negative_sentiment");
        let calm = "my order is late";
        assert!(escalation_triggers(&esc, calm, &analyze(calm)).is_empty());
    }
}
