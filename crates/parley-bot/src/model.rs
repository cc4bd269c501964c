//! What every intent back end provides, and the one decision rule they share.
//!
//! The built-in [`Matcher`](crate::matcher::Matcher), the optional sentence-embedding
//! back end and the optional LLM back end all rank the knowledge base's intents with a
//! calibrated confidence; [`decide`] turns a ranking into answer / clarify / hand off, so
//! thresholds mean the same thing whichever back end is configured.

use crate::matcher::{Outcome, Thresholds};

/// An intent classifier trained from (or prompted with) the knowledge base.
pub trait IntentModel: Send + Sync {
    /// Short name for logs, the timeline and `parley bot eval` (`builtin`, `embedding`, `llm`).
    fn name(&self) -> &str;

    /// Every intent it knows with a calibrated confidence in `[0, 1]`, best first.
    /// A confidence of 0.8 should mean "right about 80% of the time".
    fn rank(&self, text: &str) -> Vec<(String, f32)>;

    /// Refits the confidence calibration on held-out `(true intent, text)` pairs, `None`
    /// marking an out-of-scope question (`parley bot eval` calls it with the validation
    /// split). The default does nothing: the back end's confidences stay as they are.
    fn calibrate(&mut self, heldout: &[(Option<&str>, &str)]) {
        let _ = heldout;
    }
}

/// Answer at or above `thresholds.answer`; between the thresholds offer the top two
/// intents (a third when it is not far behind the second) as a clarifying question;
/// below, hand off.
pub fn decide(ranked: Vec<(String, f32)>, thresholds: &Thresholds) -> Outcome {
    let Some((best, conf)) = ranked.first().cloned() else {
        return Outcome::Handoff { best: None };
    };
    if conf >= thresholds.answer {
        Outcome::Answer {
            intent: best,
            confidence: conf,
        }
    } else if conf >= thresholds.clarify && ranked.len() >= 2 {
        let take = if ranked.len() >= 3 && ranked[2].1 >= 0.5 * ranked[1].1 {
            3
        } else {
            2
        };
        Outcome::Clarify {
            candidates: ranked.into_iter().take(take).collect(),
        }
    } else {
        Outcome::Handoff {
            best: Some((best, conf)),
        }
    }
}
