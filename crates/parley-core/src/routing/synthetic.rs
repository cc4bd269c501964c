//! A large, realistic routing setup for benchmarks and load tests: many
//! agents and teams, a long rule list mixing every kind of condition, and
//! customer messages that mostly match rules deep in the list (the slow case:
//! every earlier rule is evaluated and rejected first). Deterministic per seed.

use std::collections::BTreeMap;

use super::floor::{AgentState, Availability, Floor, TeamState};
use super::spec::{ActionSpec, ConditionSpec, RoutingSpec, RuleSpec};
use crate::Priority;

/// splitmix64: tiny, seedable, good enough for test data (benchmarks use it
/// to vary their inputs the same way).
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const LANGS: [&str; 7] = ["en", "es", "pt", "fr", "de", "it", "id"];
/// Contact segments the synthetic rules and tickets use.
pub const SEGMENTS: [&str; 4] = ["enterprise", "smb", "consumer", "partner"];
/// Contact labels the synthetic rules and tickets use.
pub const LABELS: [&str; 8] = [
    "gold",
    "silver",
    "beta",
    "reseller",
    "churn-risk",
    "b2b",
    "press",
    "trial",
];
const ISSUES: [(&str, &[&str]); 8] = [
    (
        "billing",
        &["invoice", "charged twice", "refund", "payment", "receipt"],
    ),
    (
        "technical",
        &["error", "crash", "bug", "not working", "login"],
    ),
    (
        "shipping",
        &["delivery", "tracking", "courier", "package", "shipment"],
    ),
    (
        "returns",
        &["return", "exchange", "defective", "damaged", "rma"],
    ),
    (
        "account",
        &[
            "password",
            "account",
            "email change",
            "two-factor",
            "locked out",
        ],
    ),
    (
        "security",
        &["fraud", "hacked", "phishing", "stolen", "suspicious"],
    ),
    (
        "subscriptions",
        &[
            "subscription",
            "renewal",
            "cancel plan",
            "upgrade",
            "downgrade",
        ],
    ),
    (
        "installation",
        &["install", "setup", "firmware", "pairing", "configuration"],
    ),
];
const SYLLABLES: [&str; 16] = [
    "ve", "lo", "ra", "quin", "tex", "zo", "mar", "ni", "ka", "do", "pel", "sy", "tro", "an", "bi",
    "cor",
];
const OPENERS: [&str; 6] = [
    "Hi, ",
    "Hola, buenas tardes. ",
    "Olá, tudo bem? ",
    "Hello team, ",
    "Bonjour, ",
    "Good morning! ",
];
const PROBLEMS: [&str; 6] = [
    "my {p} keeps showing an error after the last update and I can't use it",
    "I ordered a {p} last week and the delivery still says pending, can you check the tracking",
    "the {p} I received is damaged, I would like to return it or get an exchange",
    "I was charged twice for the {p} subscription this month, please send the invoice",
    "how do I finish the setup of my new {p}? the pairing fails every time",
    "someone changed the password of the account linked to my {p}, I think it was hacked",
];

fn order_pattern(rule: usize) -> String {
    format!(
        r"(?i)\b(?:order|pedido|commande)\s*(?:n[ºo°]\s*)?#?\s*{}\d{{4,}}\b",
        rule % 10
    )
}

/// Builds `teams` teams, `agents` agents, a spec with `rules` rules plus a
/// fallback, and a few hundred sample messages. Compile the spec against the
/// floor's team names.
pub fn floor_and_spec(
    agents: usize,
    teams: usize,
    rules: usize,
    seed: u64,
) -> (RoutingSpec, Floor, Vec<String>) {
    let mut rng = Rng(seed ^ 0x5eed_5eed);
    let teams = teams.max(1);
    let team_names: Vec<String> = (0..teams)
        .map(|i| {
            if i == 0 {
                "Support L1".to_string()
            } else {
                format!("Team {i:02}")
            }
        })
        .collect();

    let mut team_members: Vec<Vec<i64>> = vec![Vec::new(); teams];
    let mut agent_list = Vec::with_capacity(agents);
    for i in 0..agents {
        let id = i as i64 + 1;
        let mut a = AgentState::new(id, format!("agent{id}@example.com"));
        a.availability = match rng.below(100) {
            0..60 => Availability::Online,
            60..85 => Availability::Away,
            _ => Availability::Offline,
        };
        a.capacity = 4 + rng.below(5) as u32;
        a.open_tickets = rng.below(a.capacity as usize + 1) as u32;
        a.seniority = 1 + rng.below(4) as u8;
        a.last_assigned_at = if rng.chance(90) {
            1_700_000_000_000 + rng.below(86_400_000) as i64
        } else {
            0
        };
        a.languages = vec!["en".to_string()];
        for _ in 0..rng.below(3) {
            let l = rng.pick(&LANGS).to_string();
            if !a.languages.contains(&l) {
                a.languages.push(l);
            }
        }
        for _ in 0..1 + rng.below(3) {
            let s = rng.pick(&ISSUES).0.to_string();
            if !a.skills.contains(&s) {
                a.skills.push(s);
            }
        }
        team_members[i % teams].push(id);
        if rng.chance(20) {
            team_members[rng.below(teams)].push(id);
        }
        agent_list.push(a);
    }
    let team_list: Vec<TeamState> = team_members
        .into_iter()
        .enumerate()
        .map(|(i, members)| TeamState {
            id: i as i64 + 1,
            name: team_names[i].clone(),
            open_now: rng.chance(80),
            lead: members.first().copied(),
            members,
        })
        .collect();

    // One product per rule: the rule's keywords name it, messages mention it.
    let products: Vec<String> = (0..rules)
        .map(|i| {
            let mut name = String::new();
            for _ in 0..3 {
                name.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
            }
            format!("{name}{}", i % 10)
        })
        .collect();

    let strategies = [
        "round_robin",
        "load_balanced",
        "skill",
        "language",
        "vip",
        "time_based",
    ];
    let mut rule_list = Vec::with_capacity(rules);
    for (i, product) in products.iter().enumerate() {
        let mut when = ConditionSpec {
            keywords: vec![
                product.clone(),
                format!("{product} pro"),
                format!("{product} mini"),
            ],
            ..ConditionSpec::default()
        };
        // Odd rules are plain product rules (keywords, sometimes an order
        // number pattern) that the sample messages satisfy; even rules add a
        // condition on facts the caller may or may not supply.
        if i % 2 == 1 {
            if i % 4 == 3 {
                when.pattern = Some(order_pattern(i));
            }
        } else {
            match (i / 2) % 8 {
                0 => when.pattern = Some(order_pattern(i)),
                1 => {
                    when.language = vec![rng.pick(&LANGS).to_string(), rng.pick(&LANGS).to_string()]
                }
                2 => when.labels = vec![rng.pick(&LABELS).to_string()],
                3 => when.segment = vec![rng.pick(&SEGMENTS).to_string()],
                4 => when.issue_type = vec![rng.pick(&ISSUES).0.to_string()],
                5 => {
                    when.time = Some("08:00-20:00".into());
                    when.days = vec!["mon-fri".into()];
                }
                6 => when.agents_available = Some(rng.pick(&team_names).clone()),
                _ => when.phone_number_id = vec![format!("10{}", 1000 + rng.below(3))],
            }
        }
        let strategy = strategies[i % strategies.len()];
        let team = rng.pick(&team_names).clone();
        let then = ActionSpec {
            team: Some(team),
            strategy: Some(strategy.to_string()),
            priority: rng.chance(20).then_some(Priority::High),
            labels: vec![format!("product-{product}")],
            issue_type: (strategy == "skill").then(|| rng.pick(&ISSUES).0.to_string()),
            after_hours_team: (strategy == "time_based").then(|| team_names[0].clone()),
            ..ActionSpec::default()
        };
        rule_list.push(RuleSpec {
            name: format!("Product {product} ({i})"),
            when,
            then,
        });
    }

    let spec = RoutingSpec {
        timezone: Some("America/Sao_Paulo".into()),
        issue_types: ISSUES
            .iter()
            .map(|(name, words)| {
                (
                    name.to_string(),
                    words.iter().map(|w| w.to_string()).collect(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        rules: rule_list,
        fallback: Some(ActionSpec {
            team: Some(team_names[0].clone()),
            strategy: Some("load_balanced".into()),
            ..ActionSpec::default()
        }),
    };

    // Messages: 85% about a product from the last 40% of the rules, the rest
    // about no product at all (they reach the fallback after every rule).
    // Half the deep rules are plain, so most messages match one of them.
    let mut messages = Vec::with_capacity(500);
    let deep_start = rules - rules * 2 / 5;
    for _ in 0..500 {
        let rule =
            (rules > 0 && rng.chance(85)).then(|| deep_start + rng.below(rules - deep_start));
        let product = rule.map_or("device", |r| products[r].as_str());
        let mut m = String::from(*rng.pick(&OPENERS));
        m.push_str(&rng.pick(&PROBLEMS).replace("{p}", product));
        // Always the rule's order number when it has a pattern, else sometimes.
        let digit = match rule {
            Some(r) if r % 4 == 3 || r % 16 == 0 => Some(r % 10),
            _ => rng.chance(50).then(|| rng.below(10)),
        };
        if let Some(d) = digit {
            m.push_str(&format!(". Order #{d}{}", 10_000 + rng.below(90_000)));
        }
        m.push_str(". Thanks!");
        messages.push(m);
    }

    (spec, Floor::new(team_list, agent_list), messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Router;

    #[test]
    fn builds_a_compilable_deterministic_setup() {
        let (spec, floor, msgs) = floor_and_spec(1000, 50, 100, 7);
        assert_eq!(
            (floor.agents().len(), floor.teams().len(), spec.rules.len()),
            (1000, 50, 100)
        );
        let names: Vec<&str> = floor.teams().iter().map(|t| t.name.as_str()).collect();
        let router = Router::compile(&spec, &names).unwrap();
        assert_eq!(router.rule_count(), 100);
        assert!(msgs.len() >= 100);
        let (spec2, _, msgs2) = floor_and_spec(1000, 50, 100, 7);
        assert_eq!((spec, msgs), (spec2, msgs2));
    }
}
