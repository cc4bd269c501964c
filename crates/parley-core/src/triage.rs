//! Automatic priority from message keywords and customer segment.
//!
//! The priority is the highest of: the most urgent keyword found (or the
//! default), the minimum for the customer's segment (VIPs count as segment
//! `vip`), and `high` when the bot reports strongly negative sentiment.
//! Keyword lists come with English, Spanish and Portuguese defaults; setting
//! one list in the config replaces that list only.
//!
//! ```toml
//! [triage]
//! default = "medium"
//! negative_sentiment = -0.6          # sentiment ≤ this raises to high
//! [triage.keywords]
//! urgent = ["fraud", "hacked"]
//! low = ["thanks"]
//! [triage.segments]
//! vip = "high"
//! enterprise = "high"
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Priority;
use crate::routing::keywords::{KeywordSet, normalize};

/// Triage configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageSpec {
    /// Priority when no keyword matches.
    pub default: Priority,
    pub keywords: TriageKeywords,
    /// Minimum priority per customer segment; VIP contacts also get `vip`'s.
    pub segments: BTreeMap<String, Priority>,
    /// Sentiment score (−1..=1) at or below which a ticket is at least high;
    /// `None` turns the hook off.
    pub negative_sentiment: Option<f64>,
}

/// Keywords per priority. A `medium` keyword lifts a `low` default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageKeywords {
    pub urgent: Vec<String>,
    pub high: Vec<String>,
    pub medium: Vec<String>,
    pub low: Vec<String>,
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

impl Default for TriageKeywords {
    fn default() -> Self {
        TriageKeywords {
            // Money or account already lost, or about to be.
            urgent: strings(&[
                "fraud",
                "fraudulent",
                "scam",
                "hacked",
                "stolen",
                "unauthorized",
                "unauthorised",
                "identity theft",
                "emergency",
                "urgent",
                "data breach",
                "fraude",
                "estafa",
                "hackeado",
                "hackeada",
                "robado",
                "robada",
                "roubado",
                "roubada",
                "no autorizado",
                "nao autorizado",
                "emergencia",
                "urgente",
            ]),
            // Money owed back, service broken, or the customer is leaving.
            high: strings(&[
                "refund",
                "charged twice",
                "double charged",
                "not working",
                "doesn't work",
                "broken",
                "outage",
                "can't log in",
                "cannot log in",
                "locked out",
                "cancel",
                "asap",
                "complaint",
                "reembolso",
                "devolucion",
                "cobrado dos veces",
                "no funciona",
                "cancelar",
                "lo antes posible",
                "queja",
                "cobrado duas vezes",
                "cobrança indevida",
                "estorno",
                "nao funciona",
                "o mais rapido possivel",
                "reclamação",
            ]),
            medium: Vec::new(),
            // Courtesy and suggestions with nothing at stake.
            low: strings(&[
                "thanks",
                "thank you",
                "feedback",
                "suggestion",
                "just wondering",
                "gracias",
                "sugerencia",
                "obrigado",
                "obrigada",
                "sugestão",
            ]),
        }
    }
}

impl Default for TriageSpec {
    fn default() -> Self {
        TriageSpec {
            default: Priority::Medium,
            keywords: TriageKeywords::default(),
            segments: BTreeMap::from([("vip".to_string(), Priority::High)]),
            negative_sentiment: Some(-0.6),
        }
    }
}

/// A triage configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TriageError {
    #[error("triage: {priority} keyword #{index} is empty")]
    EmptyKeyword { priority: Priority, index: usize },
    #[error("triage: negative_sentiment {0} is outside -1..=1")]
    SentimentOutOfRange(f64),
}

/// A [`TriageSpec`] compiled for matching: build once, use per message.
#[derive(Debug, Clone)]
pub struct Triage {
    default: Priority,
    /// Owner of each keyword: its priority as `u32` (see [`prio_from`]).
    keywords: KeywordSet,
    /// Lowercased segment names.
    segments: BTreeMap<String, Priority>,
    negative_sentiment: Option<f64>,
}

fn prio_from(owner: u32) -> Priority {
    Priority::ALL[owner as usize]
}

impl Triage {
    pub fn compile(spec: &TriageSpec) -> Result<Triage, TriageError> {
        let mut b = KeywordSet::builder();
        let k = &spec.keywords;
        for (priority, list) in [
            (Priority::Urgent, &k.urgent),
            (Priority::High, &k.high),
            (Priority::Medium, &k.medium),
            (Priority::Low, &k.low),
        ] {
            let owner = Priority::ALL.iter().position(|p| *p == priority).unwrap() as u32;
            for (index, word) in list.iter().enumerate() {
                if b.add(word, owner).is_none() {
                    return Err(TriageError::EmptyKeyword {
                        priority,
                        index: index + 1,
                    });
                }
            }
        }
        if let Some(t) = spec.negative_sentiment
            && !(-1.0..=1.0).contains(&t)
        {
            return Err(TriageError::SentimentOutOfRange(t));
        }
        Ok(Triage {
            default: spec.default,
            keywords: b.build(),
            segments: spec
                .segments
                .iter()
                .map(|(k, v)| (k.trim().to_lowercase(), *v))
                .collect(),
            negative_sentiment: spec.negative_sentiment,
        })
    }

    /// The priority for a message and why, e.g.
    /// `keyword "refund" → high; VIP segment minimum high`.
    pub fn triage(
        &self,
        text: &str,
        segment: Option<&str>,
        vip: bool,
        sentiment: Option<f64>,
    ) -> (Priority, String) {
        let mut reasons: Vec<String> = Vec::new();

        // The most urgent keyword; among equals, the first in the text.
        let norm = normalize(text);
        let mut best: Option<(Priority, usize, usize)> = None;
        self.keywords.for_each_hit(&norm, |h| {
            for &owner in self.keywords.owners(h.keyword) {
                let p = prio_from(owner);
                let better = match best {
                    None => true,
                    Some((bp, _, bstart)) => p > bp || (p == bp && h.start < bstart),
                };
                if better {
                    best = Some((p, h.keyword, h.start));
                }
            }
        });
        let mut priority = match best {
            Some((p, k, _)) => {
                reasons.push(format!("keyword \"{}\" → {p}", self.keywords.keyword(k)));
                p
            }
            None => {
                reasons.push(format!("no keyword; default {}", self.default));
                self.default
            }
        };

        let mut raise = |min: Priority, why: String| {
            if min > priority {
                priority = min;
                reasons.push(why);
            }
        };
        if vip && let Some(&min) = self.segments.get("vip") {
            raise(min, format!("VIP segment minimum {min}"));
        }
        if let Some(seg) = segment.map(|s| s.trim().to_lowercase())
            && let Some(&min) = self.segments.get(&seg)
        {
            raise(min, format!("segment {seg} minimum {min}"));
        }
        if let (Some(score), Some(threshold)) = (sentiment, self.negative_sentiment)
            && score <= threshold
        {
            raise(
                Priority::High,
                format!("negative sentiment {score:.2} ≤ {threshold:.2} → high"),
            );
        }
        (priority, reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_triage() -> Triage {
        Triage::compile(&TriageSpec::default()).unwrap()
    }

    #[test]
    fn keywords_set_priority_with_the_most_urgent_winning() {
        let t = default_triage();
        assert_eq!(
            t.triage("I need a REFUND please", None, false, None),
            (Priority::High, "keyword \"refund\" → high".to_string())
        );
        let (p, why) = t.triage(
            "thanks, but my account was hacked and I need a refund",
            None,
            false,
            None,
        );
        assert_eq!(p, Priority::Urgent);
        assert_eq!(why, "keyword \"hacked\" → urgent");
        assert_eq!(
            t.triage("thank you so much!", None, false, None).0,
            Priority::Low
        );
        assert_eq!(
            t.triage("where is my parcel?", None, false, None),
            (Priority::Medium, "no keyword; default medium".to_string())
        );
    }

    #[test]
    fn spanish_and_portuguese_without_accents() {
        let t = default_triage();
        assert_eq!(
            t.triage("me hicieron un cargo NO AUTORIZADO", None, false, None)
                .0,
            Priority::Urgent
        );
        assert_eq!(
            t.triage("quero fazer uma reclamacao", None, false, None).0,
            Priority::High
        );
        assert_eq!(
            t.triage("Quiero un reembolso", None, false, None).0,
            Priority::High
        );
    }

    #[test]
    fn word_boundaries_prevent_partial_hits() {
        let t = default_triage();
        // "cancelled" is not "cancel"; "refunded" is not "refund".
        assert_eq!(
            t.triage("my order was refunded and cancelled", None, false, None)
                .0,
            Priority::Medium
        );
    }

    #[test]
    fn segments_and_vip_set_a_minimum() {
        let mut spec = TriageSpec::default();
        spec.segments.insert("Enterprise".into(), Priority::Urgent);
        let t = Triage::compile(&spec).unwrap();
        assert_eq!(
            t.triage("I need a refund", None, true, None),
            (Priority::High, "keyword \"refund\" → high".to_string()),
            "already high: the VIP minimum adds nothing"
        );
        assert_eq!(
            t.triage("thanks", None, true, None),
            (
                Priority::High,
                "keyword \"thanks\" → low; VIP segment minimum high".to_string()
            )
        );
        assert_eq!(
            t.triage("hello", Some("enterprise"), false, None),
            (
                Priority::Urgent,
                "no keyword; default medium; segment enterprise minimum urgent".to_string()
            )
        );
        assert_eq!(
            t.triage("hello", Some("smb"), false, None).0,
            Priority::Medium
        );
    }

    #[test]
    fn negative_sentiment_raises_to_high() {
        let t = default_triage();
        let (p, why) = t.triage("where is my parcel", None, false, Some(-0.8));
        assert_eq!(p, Priority::High);
        assert!(
            why.ends_with("negative sentiment -0.80 ≤ -0.60 → high"),
            "{why}"
        );
        assert_eq!(
            t.triage("where is my parcel", None, false, Some(-0.2)).0,
            Priority::Medium
        );
        let off = Triage::compile(&TriageSpec {
            negative_sentiment: None,
            ..TriageSpec::default()
        })
        .unwrap();
        assert_eq!(
            off.triage("where is my parcel", None, false, Some(-1.0)).0,
            Priority::Medium
        );
    }

    #[test]
    fn config_replaces_one_list_and_rejects_bad_values() {
        let spec: TriageSpec =
            serde_json::from_str(r#"{"keywords": {"high": ["invoice"]}}"#).unwrap();
        assert_eq!(spec.keywords.high, ["invoice"]);
        assert!(
            spec.keywords.urgent.contains(&"fraud".to_string()),
            "other lists keep defaults"
        );
        assert_eq!(spec.segments.get("vip"), Some(&Priority::High));
        let t = Triage::compile(&spec).unwrap();
        assert_eq!(t.triage("refund", None, false, None).0, Priority::Medium);

        let err = serde_json::from_str::<TriageSpec>(r#"{"keyword": {}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `keyword`"), "{err}");

        let bad = TriageSpec {
            keywords: TriageKeywords {
                low: vec![" ".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            Triage::compile(&bad).unwrap_err().to_string(),
            "triage: low keyword #1 is empty"
        );
        let bad = TriageSpec {
            negative_sentiment: Some(-3.0),
            ..Default::default()
        };
        assert_eq!(
            Triage::compile(&bad).unwrap_err().to_string(),
            "triage: negative_sentiment -3 is outside -1..=1"
        );
    }
}
