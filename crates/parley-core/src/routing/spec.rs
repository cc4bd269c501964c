//! The routing configuration as written in the config file's `[routing]`
//! section. Plain data: [`super::Router::compile`] checks and compiles it.
//!
//! ```toml
//! [routing]
//! timezone = "America/Sao_Paulo"        # for rules' time/days without their own
//!
//! [routing.issue_types]                 # keywords, or /regex/ entries
//! billing = ["invoice", "charged twice", "refund", "/order\\s*#?\\d{5,}/"]
//! technical = ["error", "crash", "login"]
//!
//! [[routing.rules]]
//! name = "VIP customers"
//! when = { vip = true }
//! then = { team = "VIP", strategy = "vip", priority = "high" }
//!
//! [[routing.rules]]
//! name = "Spanish speakers"
//! when = { language = ["es"] }          # a single string works too
//! then = { team = "Support L1", strategy = "language" }
//!
//! [[routing.rules]]
//! name = "After hours"
//! when = { team_closed = "Support L1" }
//! then = { bot_only = true, auto_reply = "We're closed; we'll answer from 9:00." }
//!
//! [[routing.rules]]
//! name = "Billing"
//! when = { keywords = ["invoice", "refund"], pattern = "(?i)order\\s*#?\\d{5,}" }
//! then = { team = "Billing", strategy = "skill", issue_type = "billing", labels = ["billing"] }
//!
//! [routing.fallback]
//! team = "Support L1"
//! strategy = "load_balanced"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Priority;

/// The `[routing]` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingSpec {
    /// IANA timezone for rules' `time` and `days` when a rule names none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Issue type → keywords (word-boundary, case- and accent-insensitive)
    /// or `/regex/` entries. The type with the most keyword hits wins.
    pub issue_types: BTreeMap<String, Vec<String>>,
    /// Checked in order; the first rule whose conditions all hold decides.
    pub rules: Vec<RuleSpec>,
    /// Applies when no rule matches; must name a team.
    pub fallback: Option<ActionSpec>,
}

/// One `[[routing.rules]]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    /// Missing or empty: the rule always matches.
    #[serde(default)]
    pub when: ConditionSpec,
    #[serde(default)]
    pub then: ActionSpec,
}

/// A rule's conditions; every one given must hold. Lists match when any
/// element does; a list may be written as a single string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionSpec {
    /// Any of these words or phrases in the message.
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub keywords: Vec<String>,
    /// A regex over the message as written (add `(?i)` for any case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The contact has any of these labels.
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<String>,
    /// The contact's segment is one of these.
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub segment: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip: Option<bool>,
    /// The ticket's language is one of these (primary subtags compared).
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub language: Vec<String>,
    /// The business number (WhatsApp phone number id) that received it.
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phone_number_id: Vec<String>,
    /// Local time window "HH:MM-HH:MM"; overnight windows ("22:00-06:00") work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Days of the week: "mon".."sun", ranges "mon-fri", "weekdays",
    /// "weekend". With an overnight `time`, the day the window starts.
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub days: Vec<String>,
    /// IANA timezone for `time`/`days`; defaults to `[routing].timezone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// This team is within business hours now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_open: Option<String>,
    /// This team is outside business hours now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_closed: Option<String>,
    /// At least one member of this team is online with spare capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents_available: Option<String>,
    /// No member of this team is online with spare capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_agents_available: Option<String>,
    /// The detected issue type is one of these (see `issue_types`).
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub issue_type: Vec<String>,
    /// First conversation with this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_contact: Option<bool>,
    /// The ticket's priority (after triage) is at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_priority: Option<Priority>,
}

/// What a matching rule (or the fallback) does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionSpec {
    /// The team that owns the ticket; a rule without one uses the fallback's
    /// team and strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// round_robin | load_balanced (default) | skill | language | vip | time_based
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// Raise the ticket's priority to at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<String>,
    /// Sent to the customer when the rule applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_reply: Option<String>,
    /// Leave the ticket with the bot: no agent is assigned.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bot_only: bool,
    /// Sets the issue type (for skill routing), overriding detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// Straight to this agent (email) when they can take it, e.g. an account
    /// manager (who need not be a member of `team`); otherwise the team's
    /// strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// For `time_based`: where tickets go while `team` is closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_hours_team: Option<String>,
}

impl RoutingSpec {
    /// No rules: every ticket goes to `team`, load-balanced. The default for
    /// a config without a `[routing]` section.
    pub fn fallback_only(team: &str) -> RoutingSpec {
        RoutingSpec {
            fallback: Some(ActionSpec {
                team: Some(team.to_string()),
                strategy: Some("load_balanced".into()),
                ..ActionSpec::default()
            }),
            ..RoutingSpec::default()
        }
    }
}

impl ActionSpec {
    pub fn is_empty(&self) -> bool {
        *self == ActionSpec::default()
    }
}

impl ConditionSpec {
    pub fn is_empty(&self) -> bool {
        *self == ConditionSpec::default()
    }
}

/// Accepts `"x"` or `["x", "y"]` for a list of strings.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shape() {
        let spec: RoutingSpec = serde_json::from_value(serde_json::json!({
            "issue_types": { "billing": ["invoice", "refund"] },
            "rules": [
                { "name": "VIP", "when": { "vip": true }, "then": { "team": "VIP", "strategy": "vip", "priority": "high" } },
                { "name": "es", "when": { "language": "es" }, "then": { "team": "L1", "strategy": "language" } },
                { "name": "any", "then": { "labels": "seen" } }
            ],
            "fallback": { "team": "L1", "strategy": "load_balanced" }
        }))
        .unwrap();
        assert_eq!(spec.rules[0].then.priority, Some(Priority::High));
        assert_eq!(
            spec.rules[1].when.language,
            ["es"],
            "a single string is a list of one"
        );
        assert!(spec.rules[2].when.is_empty());
        assert_eq!(spec.rules[2].then.labels, ["seen"]);
        assert_eq!(spec.fallback.as_ref().unwrap().team.as_deref(), Some("L1"));

        // Round-trips through serialization without the empty fields.
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["rules"][0]["when"], serde_json::json!({ "vip": true }));
        assert_eq!(serde_json::from_value::<RoutingSpec>(json).unwrap(), spec);
    }

    #[test]
    fn unknown_fields_are_errors() {
        let err = serde_json::from_value::<RoutingSpec>(serde_json::json!({
            "rules": [{ "name": "x", "when": { "keyword": ["a"] } }]
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `keyword`"), "{err}");
        let err = serde_json::from_value::<RoutingSpec>(
            serde_json::json!({ "rules": [{ "name": "x", "when": { "labels": 3 } }] }),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("a string or a list of strings"),
            "{err}"
        );
    }
}
