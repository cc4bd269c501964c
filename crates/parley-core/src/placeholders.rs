//! `{{variables}}` in canned responses, and `@mentions` in notes.
//!
//! A canned response is written once and filled per ticket: "Hi
//! {{contact.first_name}}, your order {{order_number}} ships today". What
//! cannot be filled stays in the text as written, so the agent sees the gap
//! and types it in before sending, instead of a customer reading "Hi ,".

use std::collections::BTreeSet;

/// The variables a canned response may use, besides `contact.<attribute>`
/// for any of the contact's custom attributes.
pub const KNOWN_VARIABLES: &[&str] = &[
    "contact.name",
    "contact.first_name",
    "contact.phone",
    "agent.name",
    "agent.first_name",
    "ticket.id",
    "order_number",
];

/// A filled template: the text, and the variables left unfilled in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    pub missing: Vec<String>,
}

/// Every `{{name}}` in `template`, in order of first appearance, trimmed.
pub fn variables(template: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (name, _, _) in scan(template) {
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

/// The variables of `template` that no ticket could ever fill: a typo
/// ("{{contact.frist_name}}") found when the response is saved, not when a
/// customer is waiting.
pub fn unknown_variables(template: &str) -> Vec<String> {
    variables(template)
        .into_iter()
        .filter(|v| !KNOWN_VARIABLES.contains(&v.as_str()) && !is_attribute(v))
        .collect()
}

fn is_attribute(name: &str) -> bool {
    name.strip_prefix("contact.").is_some_and(|a| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    })
}

/// Fills each `{{name}}` with `lookup(name)`; a `None` or blank value leaves
/// the placeholder in the text and lists it in `missing`.
pub fn fill(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Filled {
    let mut text = String::with_capacity(template.len());
    let mut missing = Vec::new();
    let mut last = 0;
    for (name, start, end) in scan(template) {
        text.push_str(&template[last..start]);
        match lookup(&name).filter(|v| !v.trim().is_empty()) {
            Some(value) => text.push_str(&value),
            None => {
                text.push_str(&template[start..end]);
                if !missing.contains(&name) {
                    missing.push(name);
                }
            }
        }
        last = end;
    }
    text.push_str(&template[last..]);
    Filled { text, missing }
}

/// `(trimmed name, start, end)` of each `{{…}}` with a plausible name.
fn scan(template: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find("{{").map(|i| i + from) {
        let Some(close) = template[open + 2..].find("}}").map(|i| i + open + 2) else {
            break;
        };
        let name = template[open + 2..close].trim();
        let plausible = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if plausible {
            out.push((name.to_string(), open, close + 2));
            from = close + 2;
        } else {
            from = open + 2;
        }
    }
    out
}

/// The first word of a name, for greetings.
pub fn first_name(name: &str) -> Option<String> {
    name.split_whitespace().next().map(str::to_string)
}

/// Someone who can be @mentioned: their id, display name and email.
#[derive(Debug, Clone)]
pub struct Mentionable<'a> {
    pub id: i64,
    pub name: &'a str,
    pub email: &'a str,
}

/// The agents a note mentions. `@` followed by a handle names an agent when
/// the handle is their email's local part, their name without spaces, or
/// their first name when no one else shares it (case-insensitive, so
/// "@ana", "@AnaLima" and "@ana.lima" all work). An `@` inside a word (an
/// email address) is not a mention.
pub fn mentioned(text: &str, agents: &[Mentionable<'_>]) -> Vec<i64> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        if i > 0 && is_handle_char(chars[i - 1].1) {
            continue;
        }
        let rest = &text[pos + 1..];
        let end = rest
            .char_indices()
            .find(|&(_, c)| !is_handle_char(c))
            .map(|(j, _)| j)
            .unwrap_or(rest.len());
        // A handle may end a sentence: "thanks @ana." names "ana".
        let handle = rest[..end].trim_end_matches(['.', '-']).to_lowercase();
        if handle.is_empty() {
            continue;
        }
        if let Some(id) = resolve(&handle, agents)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn resolve(handle: &str, agents: &[Mentionable<'_>]) -> Option<i64> {
    let local = |a: &Mentionable| a.email.split('@').next().unwrap_or("").to_lowercase();
    let squashed = |a: &Mentionable| {
        a.name
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    if let Some(a) = agents
        .iter()
        .find(|a| local(a) == handle || squashed(a) == handle)
    {
        return Some(a.id);
    }
    let mut by_first = agents
        .iter()
        .filter(|a| first_name(a.name).is_some_and(|f| f.to_lowercase() == handle));
    match (by_first.next(), by_first.next()) {
        (Some(a), None) => Some(a.id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_values_and_keeps_gaps_visible() {
        let f = fill(
            "Hi {{ contact.first_name }}, order {{order_number}} is on its way. {{agent.name}}",
            |name| match name {
                "contact.first_name" => Some("Maria".into()),
                "agent.name" => Some("Ana Lima".into()),
                "order_number" => Some("  ".into()),
                _ => None,
            },
        );
        assert_eq!(
            f.text,
            "Hi Maria, order {{order_number}} is on its way. Ana Lima"
        );
        assert_eq!(f.missing, vec!["order_number".to_string()]);
    }

    #[test]
    fn leaves_braces_that_are_not_variables_alone() {
        let f = fill("a {{}} b {{ not a var! }} c {{x", |_| Some("X".into()));
        assert_eq!(f.text, "a {{}} b {{ not a var! }} c {{x");
        assert!(f.missing.is_empty());
        assert_eq!(variables("{{a}} {{ a }} {{b}}"), vec!["a", "b"]);
    }

    #[test]
    fn unknown_variables_are_reported_but_attributes_are_allowed() {
        assert_eq!(
            unknown_variables("{{contact.frist}} {{contact.name}} {{ordr}} {{contact.}}"),
            vec!["ordr".to_string(), "contact.".to_string()]
        );
        // contact.frist is a plausible custom attribute, so it is allowed.
        assert!(unknown_variables("{{contact.loyalty_tier}} {{ticket.id}}").is_empty());
    }

    #[test]
    fn mentions_resolve_by_email_name_or_unique_first_name() {
        let agents = [
            Mentionable {
                id: 1,
                name: "Ana Lima",
                email: "ana.lima@shop.test",
            },
            Mentionable {
                id: 2,
                name: "Ben Ode",
                email: "ben@shop.test",
            },
            Mentionable {
                id: 3,
                name: "Ben Kay",
                email: "bkay@shop.test",
            },
        ];
        assert_eq!(mentioned("@ana can you look?", &agents), vec![1]);
        assert_eq!(mentioned("cc @AnaLima and @bkay.", &agents), vec![1, 3]);
        assert_eq!(mentioned("@ana.lima @ana.lima", &agents), vec![1]);
        // Two Bens: "@ben" is ben@'s email local part, so it is Ben Ode.
        assert_eq!(mentioned("@ben", &agents), vec![2]);
        // An email address is not a mention; an unknown handle is nobody.
        assert!(mentioned("write to ana@shop.test or @nobody", &agents).is_empty());
        let twins = [
            Mentionable {
                id: 4,
                name: "Sam One",
                email: "s1@x.test",
            },
            Mentionable {
                id: 5,
                name: "Sam Two",
                email: "s2@x.test",
            },
        ];
        assert!(mentioned("@sam", &twins).is_empty(), "ambiguous first name");
    }
}
