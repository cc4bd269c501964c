//! Evaluation of any intent back end on a labelled data set in the CLINC150 format
//! (`parley bot eval`).
//!
//! * [`Dataset::load`] reads `data_full.json` (`train`, `val`, `test`, `oos_train`,
//!   `oos_val`, `oos_test`: arrays of `[text, intent]`; the intent `oos` marks an
//!   out-of-scope question).
//! * [`k_shot`] builds the knowledge base: the **first `k` examples of each intent in the
//!   order of the train split** (deterministic; intents in first-seen order).
//!   [`load_fewshot_dir`] reads a ready-made few-shot split instead (`seq.in` + `label`,
//!   one example a line, e.g. CLINC150's `train_10`).
//! * [`predict`] runs a back end ([`IntentModel`]) once over a split, timing each message;
//!   [`score`] applies thresholds through [`decide`] (the rule the bot uses), so any
//!   thresholds can be tried without ranking again.
//! * [`tune`] picks the thresholds on the validation split ([`Objective`]); [`curve`] is
//!   the accuracy / hand-off trade-off; [`evaluate`] does all of it.

use crate::matcher::{Outcome, Thresholds};
use crate::model::{IntentModel, decide};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A labelled question: `(Some(intent), text)`, or `(None, text)` when out of scope.
pub type Labelled = (Option<String>, String);

/// A CLINC150-format data set.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// In-scope training examples `(intent, text)`, in file order.
    pub train: Vec<(String, String)>,
    /// Validation and test splits, in-scope then out-of-scope questions.
    pub val: Vec<Labelled>,
    pub test: Vec<Labelled>,
}

/// Why a data set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// The label CLINC150 gives out-of-scope questions.
pub const OUT_OF_SCOPE: &str = "oos";

impl Dataset {
    /// Reads `data_full.json`; `path` may also be a folder holding it (directly or in
    /// `data/`).
    pub fn load(path: &Path) -> Result<Dataset, EvalError> {
        let file = if path.is_dir() {
            [
                path.join("data_full.json"),
                path.join("data/data_full.json"),
            ]
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| path.join("data_full.json"))
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| EvalError::Io {
            path: file.clone(),
            source,
        })?;
        Dataset::parse(&text).map_err(|e| match e {
            EvalError::Json { source, .. } => EvalError::Json { path: file, source },
            EvalError::Format { message, .. } => EvalError::Format {
                path: file,
                message,
            },
            other => other,
        })
    }

    /// Parses the text of a `data_full.json`.
    pub fn parse(text: &str) -> Result<Dataset, EvalError> {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|source| EvalError::Json {
                path: PathBuf::new(),
                source,
            })?;
        let split = |key: &str| -> Result<Vec<(String, String)>, EvalError> {
            let Some(value) = json.get(key) else {
                return Ok(Vec::new());
            };
            let format = |message: String| EvalError::Format {
                path: PathBuf::new(),
                message,
            };
            let items = value
                .as_array()
                .ok_or_else(|| format(format!("\"{key}\" is not an array")))?;
            items
                .iter()
                .enumerate()
                .map(|(i, pair)| {
                    match (
                        pair.get(0).and_then(|t| t.as_str()),
                        pair.get(1).and_then(|l| l.as_str()),
                    ) {
                        (Some(t), Some(l)) => Ok((t.to_string(), l.to_string())),
                        _ => Err(format(format!(
                            "\"{key}\"[{i}] is not a [text, intent] pair"
                        ))),
                    }
                })
                .collect()
        };
        let heldout = |inside: &str, outside: &str| -> Result<Vec<Labelled>, EvalError> {
            let mut out: Vec<Labelled> = split(inside)?
                .into_iter()
                .map(|(t, l)| ((l != OUT_OF_SCOPE).then_some(l), t))
                .collect();
            out.extend(split(outside)?.into_iter().map(|(t, _)| (None, t)));
            Ok(out)
        };
        let train = split("train")?
            .into_iter()
            .filter(|(_, l)| l != OUT_OF_SCOPE)
            .map(|(t, l)| (l, t))
            .collect::<Vec<_>>();
        let data = Dataset {
            train,
            val: heldout("val", "oos_val")?,
            test: heldout("test", "oos_test")?,
        };
        if data.train.is_empty() || data.test.is_empty() {
            return Err(EvalError::Format {
                path: PathBuf::new(),
                message: "needs non-empty \"train\" and \"test\" splits".into(),
            });
        }
        Ok(data)
    }
}

/// The first `k` examples of each intent, in the order of `train` (intents in first-seen
/// order, each intent's examples together).
pub fn k_shot(train: &[(String, String)], k: usize) -> Vec<(String, String)> {
    let mut order: Vec<&str> = Vec::new();
    let mut picked: HashMap<&str, Vec<&str>> = HashMap::new();
    for (intent, text) in train {
        let list = picked.entry(intent).or_insert_with(|| {
            order.push(intent);
            Vec::new()
        });
        if list.len() < k {
            list.push(text);
        }
    }
    order
        .into_iter()
        .flat_map(|i| {
            picked[i]
                .iter()
                .map(move |t| (i.to_string(), t.to_string()))
        })
        .collect()
}

/// A few-shot split as `seq.in` (one example a line) and `label` (its intent).
pub fn load_fewshot_dir(dir: &Path) -> Result<Vec<(String, String)>, EvalError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| EvalError::Io { path, source })
    };
    let (seq, label) = (read("seq.in")?, read("label")?);
    let kb: Vec<(String, String)> = label
        .lines()
        .zip(seq.lines())
        .map(|(l, t)| (l.trim().to_string(), t.trim().to_string()))
        .collect();
    if kb.is_empty() || seq.lines().count() != label.lines().count() {
        return Err(EvalError::Format {
            path: dir.to_path_buf(),
            message: "seq.in and label must have the same, non-zero number of lines".into(),
        });
    }
    Ok(kb)
}

/// Borrowed `(intent, text)` pairs, as [`Matcher::train`](crate::matcher::Matcher::train)
/// takes them.
pub fn as_pairs(kb: &[(String, String)]) -> Vec<(&str, &str)> {
    kb.iter().map(|(i, t)| (i.as_str(), t.as_str())).collect()
}

/// Borrowed held-out pairs, as [`IntentModel::calibrate`] takes them.
pub fn as_heldout(data: &[Labelled]) -> Vec<(Option<&str>, &str)> {
    data.iter()
        .map(|(l, t)| (l.as_deref(), t.as_str()))
        .collect()
}

/// One message's ranking (the best three intents: all [`decide`] looks at).
#[derive(Debug, Clone)]
pub struct Prediction {
    pub label: Option<String>,
    pub ranked: Vec<(String, f32)>,
    /// Time to rank the message.
    pub seconds: f64,
}

impl Prediction {
    fn top(&self) -> Option<&(String, f32)> {
        self.ranked.first()
    }

    fn top_right(&self) -> bool {
        matches!((&self.label, self.top()), (Some(l), Some((i, _))) if l == i)
    }
}

/// Ranks every message of `data` with `model`, timing each.
pub fn predict(model: &dyn IntentModel, data: &[Labelled]) -> Vec<Prediction> {
    data.iter()
        .map(|(label, text)| {
            let t0 = Instant::now();
            let mut ranked = model.rank(text);
            let seconds = t0.elapsed().as_secs_f64();
            ranked.truncate(3);
            Prediction {
                label: label.clone(),
                ranked,
                seconds,
            }
        })
        .collect()
}

/// Latency per message, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// What the bot did with a split at given thresholds. Rates are fractions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub in_scope: usize,
    pub out_of_scope: usize,
    /// In-scope questions whose best intent is right, whatever the thresholds.
    pub top1: f64,
    /// Of in-scope questions (these five add up to 1): answered with the right intent,
    pub answered_right: f64,
    /// answered with a wrong one,
    pub answered_wrong: f64,
    /// a clarifying question offering the right intent,
    pub clarify_right: f64,
    /// a clarifying question without it,
    pub clarify_without: f64,
    /// handed off.
    pub handed_off: f64,
    /// Of out-of-scope questions: handed off (the rest were answered or clarified).
    pub oos_recall: f64,
    pub oos_answered: f64,
    /// Of all messages.
    pub answer_rate: f64,
    pub clarify_rate: f64,
    pub handoff_rate: f64,
    /// Of answered messages (in and out of scope), the share answered rightly.
    pub answer_precision: f64,
    /// Expected calibration error of the best intent's confidence (15 equal-width bins,
    /// all messages; an out-of-scope question's best intent is always wrong).
    pub ece: f64,
    pub latency: Latency,
}

/// Applies `thresholds` to the predictions.
pub fn score(preds: &[Prediction], thresholds: &Thresholds) -> Metrics {
    let mut m = Metrics::default();
    let (mut answered, mut answered_ok) = (0usize, 0usize);
    let (mut clarified, mut handed) = (0usize, 0usize);
    let mut top1 = 0usize;
    let mut oos_handed = 0usize;
    let mut oos_answered = 0usize;
    let mut counts = [0usize; 5];
    for p in preds {
        let outcome = decide(p.ranked.clone(), thresholds);
        match &outcome {
            Outcome::Answer { .. } => answered += 1,
            Outcome::Clarify { .. } => clarified += 1,
            Outcome::Handoff { .. } => handed += 1,
        }
        match &p.label {
            Some(label) => {
                m.in_scope += 1;
                top1 += p.top_right() as usize;
                let slot = match outcome {
                    Outcome::Answer { intent, .. } if &intent == label => {
                        answered_ok += 1;
                        0
                    }
                    Outcome::Answer { .. } => 1,
                    Outcome::Clarify { candidates } if candidates.iter().any(|c| &c.0 == label) => {
                        2
                    }
                    Outcome::Clarify { .. } => 3,
                    Outcome::Handoff { .. } => 4,
                };
                counts[slot] += 1;
            }
            None => {
                m.out_of_scope += 1;
                match outcome {
                    Outcome::Handoff { .. } => oos_handed += 1,
                    Outcome::Answer { .. } => oos_answered += 1,
                    Outcome::Clarify { .. } => {}
                }
            }
        }
    }
    let rate = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let n_in = m.in_scope;
    m.top1 = rate(top1, n_in);
    m.answered_right = rate(counts[0], n_in);
    m.answered_wrong = rate(counts[1], n_in);
    m.clarify_right = rate(counts[2], n_in);
    m.clarify_without = rate(counts[3], n_in);
    m.handed_off = rate(counts[4], n_in);
    m.oos_recall = rate(oos_handed, m.out_of_scope);
    m.oos_answered = rate(oos_answered, m.out_of_scope);
    m.answer_rate = rate(answered, preds.len());
    m.clarify_rate = rate(clarified, preds.len());
    m.handoff_rate = rate(handed, preds.len());
    m.answer_precision = rate(answered_ok, answered);
    m.ece = ece(preds);
    m.latency = latency(preds);
    m
}

/// Expected calibration error of the best intent's confidence, 15 bins.
pub fn ece(preds: &[Prediction]) -> f64 {
    let mut bins = [(0usize, 0.0f64, 0usize); 15];
    for p in preds {
        let conf = p.top().map_or(0.0, |t| t.1 as f64);
        let b = ((conf * 15.0) as usize).min(14);
        bins[b].0 += 1;
        bins[b].1 += conf;
        bins[b].2 += p.top_right() as usize;
    }
    let n = preds.len().max(1) as f64;
    bins.iter()
        .map(|&(count, conf, right)| (conf - right as f64).abs() / n * (count > 0) as u8 as f64)
        .sum()
}

fn latency(preds: &[Prediction]) -> Latency {
    let mut ms: Vec<f64> = preds.iter().map(|p| p.seconds * 1e3).collect();
    if ms.is_empty() {
        return Latency::default();
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    Latency {
        p50: at(0.5),
        p99: at(0.99),
        max: ms[ms.len() - 1],
    }
}

/// One point of the accuracy / hand-off trade-off: answer when the best intent's
/// confidence is at least `threshold`, hand off otherwise (no clarifying band).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub threshold: f32,
    /// Of in-scope questions.
    pub answered_right: f64,
    pub answered_wrong: f64,
    pub handed_off: f64,
    /// Of out-of-scope questions.
    pub oos_recall: f64,
    /// Of answered messages.
    pub answer_precision: f64,
}

/// The trade-off at thresholds `0, step, 2·step, …, 1`.
pub fn curve(preds: &[Prediction], step: f32) -> Vec<CurvePoint> {
    let n = (1.0 / step).round() as usize;
    (0..=n)
        .map(|i| {
            let t = (i as f32 * step).min(1.0);
            let m = score(
                preds,
                &Thresholds {
                    answer: t,
                    clarify: t,
                },
            );
            CurvePoint {
                threshold: t,
                answered_right: m.answered_right,
                answered_wrong: m.answered_wrong,
                handed_off: m.handed_off,
                oos_recall: m.oos_recall,
                answer_precision: m.answer_precision,
            }
        })
        .collect()
}

/// How [`tune`] chooses thresholds: the utility of each outcome, maximised subject to
/// handing off at least `min_oos_recall` of the out-of-scope questions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    pub min_oos_recall: f64,
    /// The constraint holds for the one-sided lower confidence bound (Wilson, this many
    /// standard errors; 0 = the point estimate): validation splits hold few out-of-scope
    /// questions (CLINC150: 100), so the point estimate is optimistic half the time.
    pub confidence_z: f64,
    /// Answering rightly.
    pub right: f64,
    /// Answering wrongly (in or out of scope); counted as a loss.
    pub wrong: f64,
    /// A clarifying question offering the right intent.
    pub clarify_right: f64,
    /// A clarifying question that cannot help (right intent missing, or out of scope);
    /// counted as a loss.
    pub clarify_miss: f64,
}

impl Default for Objective {
    /// The issue's rule: as many in-scope questions answered rightly as possible while
    /// handing off at least 80% of out-of-scope ones (95% lower bound). Wrong answers and
    /// clarifying questions do not count, so the clarifying band ends up empty.
    fn default() -> Self {
        Objective {
            min_oos_recall: 0.8,
            confidence_z: 1.645,
            right: 1.0,
            wrong: 0.0,
            clarify_right: 0.0,
            clarify_miss: 0.0,
        }
    }
}

impl Objective {
    /// A right answer +1, a wrong one −1, a useful clarifying question +0.5, a useless
    /// one −0.5, a hand-off 0 (same out-of-scope constraint): fewer wrong answers, some
    /// turned into clarifying questions.
    pub fn utility() -> Objective {
        Objective {
            wrong: 1.0,
            clarify_right: 0.5,
            clarify_miss: 0.5,
            ..Objective::default()
        }
    }
}

impl Objective {
    fn value(&self, preds: &[Prediction], th: &Thresholds) -> f64 {
        let m = score(preds, th);
        let n_in = m.in_scope as f64;
        let n_out = m.out_of_scope as f64;
        let oos_clarified = 1.0 - m.oos_recall - m.oos_answered;
        self.right * m.answered_right * n_in
            - self.wrong * (m.answered_wrong * n_in + m.oos_answered * n_out)
            + self.clarify_right * m.clarify_right * n_in
            - self.clarify_miss * (m.clarify_without * n_in + oos_clarified * n_out)
    }
}

/// Thresholds (on a 0.01 grid) that maximise `objective`'s utility on `preds` while
/// handing off at least `objective.min_oos_recall` of the out-of-scope questions (ties go
/// to the higher thresholds). Without out-of-scope questions only the utility counts.
pub fn tune(preds: &[Prediction], objective: &Objective) -> Thresholds {
    let grid: Vec<f32> = (0..=100).map(|i| i as f32 / 100.0).collect();
    // The out-of-scope recall depends on the clarify threshold only.
    let mut best: Option<(f64, Thresholds)> = None;
    for &clarify in &grid {
        let th = Thresholds {
            answer: clarify,
            clarify,
        };
        let m = score(preds, &th);
        if m.out_of_scope > 0
            && wilson_lower(m.oos_recall, m.out_of_scope, objective.confidence_z)
                < objective.min_oos_recall
        {
            continue;
        }
        for &answer in grid.iter().filter(|&&a| a >= clarify) {
            let th = Thresholds { answer, clarify };
            let u = objective.value(preds, &th);
            if best.is_none_or(|(b, _)| u >= b) {
                best = Some((u, th));
            }
        }
    }
    best.map_or(
        Thresholds {
            answer: 1.0,
            clarify: 1.0,
        },
        |(_, th)| th,
    )
}

/// Wilson score lower bound of a proportion `p` observed on `n` trials.
pub fn wilson_lower(p: f64, n: usize, z: f64) -> f64 {
    if n == 0 || z <= 0.0 {
        return p;
    }
    let n = n as f64;
    let z2 = z * z;
    (p + z2 / (2.0 * n) - z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / (1.0 + z2 / n)
}

/// Everything `parley bot eval` reports.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The thresholds evaluated (tuned on val unless given).
    pub thresholds: Thresholds,
    /// Whether they were tuned on val (`false`: given).
    pub tuned: bool,
    pub objective: Objective,
    pub val: Metrics,
    pub test: Metrics,
    /// The trade-off on the test split.
    pub curve: Vec<CurvePoint>,
}

/// Tunes thresholds on `val` (unless `thresholds` is given) and reports on `test`.
pub fn evaluate(
    model: &dyn IntentModel,
    val: &[Labelled],
    test: &[Labelled],
    thresholds: Option<Thresholds>,
    objective: &Objective,
) -> Evaluation {
    let val_preds = predict(model, val);
    let tuned = thresholds.is_none();
    let thresholds = thresholds.unwrap_or_else(|| tune(&val_preds, objective));
    let test_preds = predict(model, test);
    Evaluation {
        thresholds,
        tuned,
        objective: *objective,
        val: score(&val_preds, &thresholds),
        test: score(&test_preds, &thresholds),
        curve: curve(&test_preds, 0.05),
    }
}

fn pct(x: f64) -> String {
    format!("{:5.1}%", 100.0 * x)
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  {} in-scope and {} out-of-scope questions",
            self.in_scope, self.out_of_scope
        )?;
        writeln!(f, "  in-scope top-1 accuracy           {}", pct(self.top1))?;
        writeln!(f, "  in-scope questions:")?;
        writeln!(
            f,
            "    answered right                  {}",
            pct(self.answered_right)
        )?;
        writeln!(
            f,
            "    answered wrong                  {}",
            pct(self.answered_wrong)
        )?;
        writeln!(
            f,
            "    clarify offering the right one  {}",
            pct(self.clarify_right)
        )?;
        writeln!(
            f,
            "    clarify without it              {}",
            pct(self.clarify_without)
        )?;
        writeln!(
            f,
            "    handed off                      {}",
            pct(self.handed_off)
        )?;
        writeln!(
            f,
            "  out-of-scope recall (handed off)  {}   (answered {})",
            pct(self.oos_recall),
            pct(self.oos_answered).trim()
        )?;
        writeln!(
            f,
            "  all messages: answer {} / clarify {} / hand off {}",
            pct(self.answer_rate).trim(),
            pct(self.clarify_rate).trim(),
            pct(self.handoff_rate).trim()
        )?;
        writeln!(
            f,
            "  precision of answers              {}",
            pct(self.answer_precision)
        )?;
        writeln!(f, "  calibration error (ECE, 15 bins)  {:6.3}", self.ece)?;
        writeln!(
            f,
            "  latency per message               p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.latency.p50, self.latency.p99, self.latency.max
        )
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.objective;
        if self.tuned {
            writeln!(
                f,
                "Thresholds tuned on val: answer >= {:.2}, clarify >= {:.2}",
                self.thresholds.answer, self.thresholds.clarify,
            )?;
            writeln!(
                f,
                "  (maximising answered right x{} - answered wrong x{} + useful clarify x{} - useless clarify x{},\n   with out-of-scope recall >= {:.0}% at the {}-sigma lower bound)",
                o.right,
                o.wrong,
                o.clarify_right,
                o.clarify_miss,
                100.0 * o.min_oos_recall,
                o.confidence_z
            )?;
        } else {
            writeln!(
                f,
                "Thresholds given: answer >= {:.2}, clarify >= {:.2}",
                self.thresholds.answer, self.thresholds.clarify
            )?;
        }
        writeln!(f, "\nval (tuning split):")?;
        write!(f, "{}", self.val)?;
        writeln!(f, "\ntest:")?;
        write!(f, "{}", self.test)?;
        writeln!(
            f,
            "\nTrade-off on test (answer at or above the threshold, else hand off; no clarifying):"
        )?;
        writeln!(
            f,
            "| threshold | in-scope answered right | answered wrong | handed off | out-of-scope handed off | precision of answers |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|")?;
        for p in &self.curve {
            writeln!(
                f,
                "| {:.2} | {} | {} | {} | {} | {} |",
                p.threshold,
                pct(p.answered_right),
                pct(p.answered_wrong),
                pct(p.handed_off),
                pct(p.oos_recall),
                pct(p.answer_precision)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Matcher;

    /// A tiny CLINC150-format data set: three intents, four questions each per split.
    fn tiny() -> String {
        let intents: [(&str, [&str; 8]); 3] = [
            (
                "order_status",
                [
                    "where is my order",
                    "track my order",
                    "has my order shipped",
                    "when will my order arrive",
                    "where's my parcel",
                    "status of my order",
                    "my order has not arrived",
                    "track the order I placed",
                ],
            ),
            (
                "refund",
                [
                    "I want a refund",
                    "give me my money back",
                    "refund my purchase",
                    "how do I get a refund",
                    "can I have a refund",
                    "refund please",
                    "money back for this item",
                    "I need a refund for my order",
                ],
            ),
            (
                "opening_hours",
                [
                    "when do you open",
                    "what are your opening hours",
                    "are you open on sunday",
                    "what time do you close",
                    "opening hours today",
                    "are you open now",
                    "when do you close tonight",
                    "hours on saturday",
                ],
            ),
        ];
        let pairs = |range: std::ops::Range<usize>| -> Vec<serde_json::Value> {
            intents
                .iter()
                .flat_map(|(i, t)| range.clone().map(move |k| serde_json::json!([t[k], i])))
                .collect()
        };
        serde_json::json!({
            "train": pairs(0..4),
            "val": pairs(4..6),
            "test": pairs(6..8),
            "oos_val": [["who won the world cup", "oos"], ["tell me a joke", "oos"]],
            "oos_test": [["what is the capital of peru", "oos"], ["play some jazz", "oos"]],
        })
        .to_string()
    }

    #[test]
    fn a_tiny_data_set_is_evaluated_end_to_end() {
        let data = Dataset::parse(&tiny()).unwrap();
        assert_eq!(data.train.len(), 12);
        assert_eq!(data.val.len(), 8);
        assert_eq!(data.test.iter().filter(|(l, _)| l.is_none()).count(), 2);

        let kb = k_shot(&data.train, 3);
        assert_eq!(kb.len(), 9);
        assert_eq!(kb[0], ("order_status".into(), "where is my order".into()));
        assert_eq!(kb[3].0, "refund");
        assert!(!kb.iter().any(|(_, t)| t == "when will my order arrive"));

        let model = Matcher::train(&as_pairs(&kb));
        let e = evaluate(&model, &data.val, &data.test, None, &Objective::default());
        let t = &e.test;
        assert_eq!((t.in_scope, t.out_of_scope), (6, 2));
        let parts = t.answered_right
            + t.answered_wrong
            + t.clarify_right
            + t.clarify_without
            + t.handed_off;
        assert!((parts - 1.0).abs() < 1e-9, "{t:?}");
        assert!(t.top1 >= 5.0 / 6.0, "{t:?}");
        assert!(e.val.oos_recall >= 0.8, "{:?}", e.val);
        assert!(e.thresholds.clarify <= e.thresholds.answer);
        assert!(t.latency.p50 <= t.latency.p99 && t.latency.p99 <= t.latency.max);
        assert!((0.0..=1.0).contains(&t.ece));
        assert_eq!(e.curve.len(), 21);
        assert!(
            e.curve
                .windows(2)
                .all(|w| w[0].oos_recall <= w[1].oos_recall)
        );
        assert_eq!(e.curve[0].oos_recall, 0.0);
        assert_eq!(e.curve[0].answered_right, t.top1);
        let text = e.to_string();
        assert!(text.contains("in-scope top-1 accuracy"), "{text}");
        assert!(text.contains("| 0.50 |"), "{text}");
    }

    #[test]
    fn scoring_counts_each_outcome() {
        let p = |label: Option<&str>, ranked: &[(&str, f32)]| Prediction {
            label: label.map(str::to_string),
            ranked: ranked.iter().map(|(i, c)| (i.to_string(), *c)).collect(),
            seconds: 0.001,
        };
        let preds = [
            p(Some("a"), &[("a", 0.9), ("b", 0.1)]), // answered right
            p(Some("a"), &[("b", 0.8), ("a", 0.1)]), // answered wrong
            p(Some("a"), &[("b", 0.5), ("a", 0.4)]), // clarify with a
            p(Some("a"), &[("b", 0.5), ("c", 0.4)]), // clarify without
            p(Some("a"), &[("a", 0.1), ("b", 0.1)]), // handed off
            p(None, &[("a", 0.2), ("b", 0.1)]),      // out of scope, handed off
            p(None, &[("a", 0.9), ("b", 0.1)]),      // out of scope, answered
        ];
        let th = Thresholds {
            answer: 0.7,
            clarify: 0.3,
        };
        let m = score(&preds, &th);
        for x in [
            m.answered_right,
            m.answered_wrong,
            m.clarify_right,
            m.clarify_without,
            m.handed_off,
        ] {
            assert!((x - 0.2).abs() < 1e-9, "{m:?}");
        }
        assert!((m.top1 - 0.4).abs() < 1e-9);
        assert!((m.oos_recall - 0.5).abs() < 1e-9);
        assert!((m.answer_precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((m.latency.p99 - 1.0).abs() < 1e-9);

        // Tuning honours the out-of-scope constraint: the answered one sits at 0.9,
        // so handing it off too needs a clarify threshold above 0.9.
        let obj = Objective {
            min_oos_recall: 1.0,
            ..Objective::default()
        };
        let th = tune(&preds, &obj);
        assert!(th.clarify > 0.9, "{th:?}");
        assert_eq!(score(&preds, &th).oos_recall, 1.0);
        let th = tune(&preds, &Objective::default());
        assert!(score(&preds, &th).oos_recall >= 0.5);
    }

    #[test]
    fn bad_files_are_reported() {
        assert!(matches!(
            Dataset::parse("not json"),
            Err(EvalError::Json { .. })
        ));
        assert!(matches!(
            Dataset::parse(r#"{"train": [["a"]], "test": []}"#),
            Err(EvalError::Format { .. })
        ));
        let err = Dataset::load(Path::new("/nonexistent/clinc")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/clinc"), "{err}");
    }
}
