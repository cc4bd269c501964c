//! Routing end to end: spec → compile → route → decision and explanation.

use super::*;
use serde_json::json;

/// 2025-01-06 (Monday) 14:00 UTC.
const NOW: i64 = 1_736_172_000_000;

const TEAMS: [&str; 5] = ["Support L1", "Support L2", "Billing", "VIP", "Night Shift"];

fn agent(id: i64, email: &str, open: u32) -> AgentState {
    let mut a = AgentState::new(id, email);
    a.open_tickets = open;
    a
}

fn team(id: i64, name: &str, open: bool, members: &[i64]) -> TeamState {
    TeamState {
        id,
        name: name.into(),
        open_now: open,
        members: members.to_vec(),
        lead: None,
    }
}

/// Support L1: ana (es), ben, cai. Billing: dana (billing skill), eli.
/// VIP: fay (seniority 4), gus (2). Support L2: hal. Night Shift: ivy.
fn floor() -> Floor {
    let mut ana = agent(1, "ana@x", 3);
    ana.languages = vec!["es".into(), "en".into()];
    let ben = agent(2, "ben@x", 1);
    let cai = agent(3, "cai@x", 4);
    let mut dana = agent(4, "dana@x", 2);
    dana.skills = vec!["billing".into()];
    let eli = agent(5, "eli@x", 0);
    let mut fay = agent(6, "fay@x", 5);
    fay.seniority = 4;
    let mut gus = agent(7, "gus@x", 0);
    gus.seniority = 2;
    let hal = agent(8, "hal@x", 0);
    let ivy = agent(9, "ivy@x", 0);
    Floor::new(
        vec![
            team(1, "Support L1", true, &[1, 2, 3]),
            team(2, "Support L2", true, &[8]),
            team(3, "Billing", true, &[4, 5]),
            team(4, "VIP", true, &[6, 7]),
            team(5, "Night Shift", true, &[9]),
        ],
        vec![ana, ben, cai, dana, eli, fay, gus, hal, ivy],
    )
}

fn facts(text: &str) -> TicketFacts<'_> {
    TicketFacts {
        text,
        language: Some("en"),
        contact_labels: &[],
        segment: None,
        vip: false,
        phone_number_id: "1001",
        new_contact: false,
        priority: Priority::Medium,
        now_ms: NOW,
    }
}

fn spec(v: serde_json::Value) -> RoutingSpec {
    serde_json::from_value(v).expect("spec parses")
}

fn router(v: serde_json::Value) -> Router {
    Router::compile(&spec(v), &TEAMS).expect("spec compiles")
}

fn compile_err(v: serde_json::Value) -> String {
    Router::compile(&spec(v), &TEAMS).unwrap_err().to_string()
}

/// The brief's example configuration.
fn documented() -> Router {
    router(json!({
        "issue_types": {
            "billing": ["invoice", "charged twice", "refund"],
            "technical": ["error", "crash", "login"]
        },
        "rules": [
            { "name": "VIP customers", "when": { "vip": true },
              "then": { "team": "VIP", "strategy": "vip", "priority": "high" } },
            { "name": "Spanish speakers", "when": { "language": ["es"] },
              "then": { "team": "Support L1", "strategy": "language" } },
            { "name": "After hours", "when": { "team_closed": "Support L1" },
              "then": { "bot_only": true, "auto_reply": "We're closed; we'll answer from 9:00." } },
            { "name": "Billing",
              "when": { "keywords": ["invoice", "refund"], "pattern": "(?i)order\\s*#?\\d{5,}" },
              "then": { "team": "Billing", "strategy": "skill", "issue_type": "billing", "labels": ["billing"] } }
        ],
        "fallback": { "team": "Support L1", "strategy": "load_balanced" }
    }))
}

#[test]
fn billing_rule_explains_the_match_and_the_load() {
    let d = documented().route(&facts("I need a refund for order #12345"), &floor());
    assert_eq!(d.rule.as_deref(), Some("Billing"));
    assert_eq!((d.team_id, d.team.as_deref()), (Some(3), Some("Billing")));
    assert_eq!(
        (d.strategy, d.assignee, d.queued),
        (Some(Strategy::Skill), Some(4), false)
    );
    assert_eq!(d.labels, ["billing"]);
    assert_eq!(d.issue_type.as_deref(), Some("billing"));
    assert_eq!(
        d.explanation,
        "rule \"Billing\" matched (keyword \"refund\", pattern matched \"order #12345\"); team Billing; \
         labels billing; skill-based (billing): dana@x — 2 open of 6, skilled in billing"
    );
}

#[test]
fn all_conditions_of_a_rule_must_hold() {
    // Keyword without the order number: not the Billing rule.
    let d = documented().route(&facts("I need a refund"), &floor());
    assert_eq!(d.rule, None);
    assert_eq!(
        d.issue_type.as_deref(),
        Some("billing"),
        "issue type is still detected"
    );
}

#[test]
fn fallback_explains_who_was_unavailable_and_queues() {
    let mut f = floor();
    f.set_availability(1, Availability::Offline);
    f.set_availability(2, Availability::Offline);
    for _ in 0..2 {
        f.record_assignment(3, NOW - 60_000);
    }
    let d = documented().route(&facts("hello, where is my parcel?"), &f);
    assert_eq!(
        (d.rule.as_deref(), d.team.as_deref(), d.assignee, d.queued),
        (None, Some("Support L1"), None, true)
    );
    assert_eq!(
        d.explanation,
        "fallback; team Support L1; load-balanced: nobody available (3 members: 2 offline, 1 at capacity 6 of 6); queued"
    );
}

#[test]
fn fallback_assigns_the_least_loaded() {
    let d = documented().route(&facts("hello"), &floor());
    assert_eq!(
        (d.assignee, d.queued, d.strategy),
        (Some(2), false, Some(Strategy::LoadBalanced))
    );
    assert_eq!(
        d.explanation,
        "fallback; team Support L1; load-balanced: ben@x — 1 open of 6"
    );
}

#[test]
fn first_matching_rule_wins() {
    // A Spanish-speaking VIP writing about a refund matches VIP first.
    let labels = vec![];
    let f = TicketFacts {
        vip: true,
        language: Some("es"),
        contact_labels: &labels,
        ..facts("refund order 123456")
    };
    let d = documented().route(&f, &floor());
    assert_eq!(d.rule.as_deref(), Some("VIP customers"));
    assert_eq!((d.team.as_deref(), d.assignee), (Some("VIP"), Some(6)));
    assert_eq!(d.priority, Some(Priority::High));
    assert_eq!(
        d.explanation,
        "rule \"VIP customers\" matched (VIP); team VIP; priority raised to high; VIP: fay@x — 5 open of 6, seniority 4"
    );

    let f = TicketFacts {
        language: Some("es-MX"),
        ..facts("refund order 123456")
    };
    let d = documented().route(&f, &floor());
    assert_eq!(d.rule.as_deref(), Some("Spanish speakers"));
    assert_eq!(
        d.assignee,
        Some(1),
        "ana speaks es although ben is less loaded"
    );
    assert!(
        d.explanation
            .ends_with("language (es-MX): ana@x — 3 open of 6, speaks es-MX"),
        "{}",
        d.explanation
    );
}

#[test]
fn priority_is_only_raised() {
    let f = TicketFacts {
        vip: true,
        priority: Priority::Urgent,
        ..facts("fraud!")
    };
    let d = documented().route(&f, &floor());
    assert_eq!(d.priority, None);
    assert!(!d.explanation.contains("priority"));
}

#[test]
fn after_hours_rule_leaves_it_to_the_bot_in_the_fallback_team() {
    let mut f = floor();
    f.set_team_open("Support L1", false);
    let d = documented().route(&facts("refund order 123456"), &f);
    assert_eq!(d.rule.as_deref(), Some("After hours"));
    assert!(d.bot_only);
    assert_eq!((d.assignee, d.queued), (None, false));
    assert_eq!(d.team.as_deref(), Some("Support L1"));
    assert_eq!(
        d.strategy,
        Some(Strategy::LoadBalanced),
        "for when the bot hands over"
    );
    assert_eq!(
        d.auto_reply.as_deref(),
        Some("We're closed; we'll answer from 9:00.")
    );
    assert_eq!(
        d.explanation,
        "rule \"After hours\" matched (Support L1 closed); team Support L1 (fallback's); auto-reply; bot only: no agent assigned"
    );
}

#[test]
fn a_rule_without_when_always_matches() {
    let r = router(json!({
        "rules": [{ "name": "Everyone", "then": { "team": "Support L2" } }],
        "fallback": { "team": "Support L1" }
    }));
    let d = r.route(&facts("anything"), &floor());
    assert_eq!(
        (d.rule.as_deref(), d.team.as_deref(), d.assignee),
        (Some("Everyone"), Some("Support L2"), Some(8))
    );
    assert!(
        d.explanation.starts_with(
            "rule \"Everyone\" matched (always); team Support L2; load-balanced: hal@x"
        )
    );
}

/// Routes `f` with a single rule `when` → Support L2; true if the rule matched.
fn matches_with(when: serde_json::Value, f: &TicketFacts, floor: &Floor) -> bool {
    let r = router(json!({
        "timezone": "UTC",
        "issue_types": { "billing": ["invoice", "refund", "/order\\s*#\\d+/"], "technical": ["crash", "error"] },
        "rules": [{ "name": "R", "when": when, "then": { "team": "Support L2" } }],
        "fallback": { "team": "Support L1" }
    }));
    r.route(f, floor).rule.is_some()
}

#[test]
fn condition_keywords_any_word_boundary_case_insensitive() {
    let fl = floor();
    let w = json!({ "keywords": ["refund", "charged twice", "reclamação"] });
    assert!(matches_with(w.clone(), &facts("REFUND now"), &fl));
    assert!(matches_with(w.clone(), &facts("I was charged  twice"), &fl));
    assert!(matches_with(
        w.clone(),
        &facts("quero fazer uma RECLAMACAO"),
        &fl
    ));
    assert!(!matches_with(w.clone(), &facts("it was refunded"), &fl));
    assert!(!matches_with(w, &facts("hello"), &fl));
}

#[test]
fn condition_pattern() {
    let fl = floor();
    let w = json!({ "pattern": "(?i)order\\s*#?\\d{5,}" });
    assert!(matches_with(w.clone(), &facts("ORDER 123456"), &fl));
    assert!(!matches_with(w, &facts("order 12"), &fl));
}

#[test]
fn condition_labels_segment_vip_new_contact() {
    let fl = floor();
    let labels = vec!["Gold".to_string(), "beta".to_string()];
    let with_labels = TicketFacts {
        contact_labels: &labels,
        ..facts("hi")
    };
    assert!(matches_with(
        json!({ "labels": ["gold", "platinum"] }),
        &with_labels,
        &fl
    ));
    assert!(!matches_with(
        json!({ "labels": "platinum" }),
        &with_labels,
        &fl
    ));
    assert!(!matches_with(
        json!({ "labels": "gold" }),
        &facts("hi"),
        &fl
    ));

    let ent = TicketFacts {
        segment: Some("Enterprise"),
        ..facts("hi")
    };
    assert!(matches_with(
        json!({ "segment": ["enterprise", "partner"] }),
        &ent,
        &fl
    ));
    assert!(!matches_with(json!({ "segment": "smb" }), &ent, &fl));
    assert!(!matches_with(
        json!({ "segment": "smb" }),
        &facts("hi"),
        &fl
    ));

    let vip = TicketFacts {
        vip: true,
        ..facts("hi")
    };
    assert!(matches_with(json!({ "vip": true }), &vip, &fl));
    assert!(!matches_with(json!({ "vip": true }), &facts("hi"), &fl));
    assert!(matches_with(json!({ "vip": false }), &facts("hi"), &fl));

    let new = TicketFacts {
        new_contact: true,
        ..facts("hi")
    };
    assert!(matches_with(json!({ "new_contact": true }), &new, &fl));
    assert!(!matches_with(
        json!({ "new_contact": true }),
        &facts("hi"),
        &fl
    ));
}

#[test]
fn condition_language_phone_number_priority() {
    let fl = floor();
    let pt = TicketFacts {
        language: Some("pt-BR"),
        ..facts("oi")
    };
    assert!(matches_with(json!({ "language": ["es", "PT"] }), &pt, &fl));
    assert!(!matches_with(json!({ "language": "es" }), &pt, &fl));
    let unknown = TicketFacts {
        language: None,
        ..facts("oi")
    };
    assert!(!matches_with(json!({ "language": "es" }), &unknown, &fl));

    assert!(matches_with(
        json!({ "phone_number_id": ["1001", "1002"] }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "phone_number_id": "2002" }),
        &facts("hi"),
        &fl
    ));

    let high = TicketFacts {
        priority: Priority::High,
        ..facts("hi")
    };
    assert!(matches_with(json!({ "min_priority": "high" }), &high, &fl));
    assert!(!matches_with(
        json!({ "min_priority": "urgent" }),
        &high,
        &fl
    ));
}

#[test]
fn condition_time_days_timezone() {
    let fl = floor();
    // NOW is Monday 14:00 UTC = Monday 11:00 in São Paulo.
    assert!(matches_with(
        json!({ "time": "09:00-17:00" }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "time": "18:00-08:00" }),
        &facts("hi"),
        &fl
    ));
    assert!(matches_with(
        json!({ "time": "10:00-12:00", "timezone": "America/Sao_Paulo" }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "time": "13:00-15:00", "timezone": "America/Sao_Paulo" }),
        &facts("hi"),
        &fl
    ));
    assert!(matches_with(
        json!({ "days": "mon-fri" }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "days": ["sat", "sun"] }),
        &facts("hi"),
        &fl
    ));
    // Monday 01:00 UTC is in Sunday night's 22:00-06:00 window.
    let late = TicketFacts {
        now_ms: NOW - 13 * 3_600_000,
        ..facts("hi")
    };
    assert!(matches_with(
        json!({ "time": "22:00-06:00", "days": "sun" }),
        &late,
        &fl
    ));
    assert!(!matches_with(
        json!({ "time": "22:00-06:00", "days": "mon" }),
        &late,
        &fl
    ));

    let r = router(json!({
        "rules": [{ "name": "Night", "when": { "time": "22:00-06:00", "timezone": "Europe/Madrid" }, "then": { "team": "Night Shift" } }],
        "fallback": { "team": "Support L1" }
    }));
    let d = r.route(&late, &fl);
    assert!(
        d.explanation.starts_with(
            "rule \"Night\" matched (22:00-06:00 at Mon 02:00 Europe/Madrid); team Night Shift"
        ),
        "{}",
        d.explanation
    );
}

#[test]
fn condition_team_open_closed_and_agents_available() {
    let mut fl = floor();
    assert!(matches_with(
        json!({ "team_open": "Billing" }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "team_closed": "Billing" }),
        &facts("hi"),
        &fl
    ));
    fl.set_team_open("Billing", false);
    assert!(!matches_with(
        json!({ "team_open": "Billing" }),
        &facts("hi"),
        &fl
    ));
    assert!(matches_with(
        json!({ "team_closed": "Billing" }),
        &facts("hi"),
        &fl
    ));

    assert!(matches_with(
        json!({ "agents_available": "Support L2" }),
        &facts("hi"),
        &fl
    ));
    assert!(!matches_with(
        json!({ "no_agents_available": "Support L2" }),
        &facts("hi"),
        &fl
    ));
    fl.set_availability(8, Availability::Away);
    assert!(!matches_with(
        json!({ "agents_available": "Support L2" }),
        &facts("hi"),
        &fl
    ));
    assert!(matches_with(
        json!({ "no_agents_available": "Support L2" }),
        &facts("hi"),
        &fl
    ));
}

#[test]
fn condition_issue_type() {
    let fl = floor();
    let w = json!({ "issue_type": ["billing"] });
    assert!(matches_with(
        w.clone(),
        &facts("please send the invoice"),
        &fl
    ));
    assert!(
        matches_with(w.clone(), &facts("what about order #991?"), &fl),
        "regex entry"
    );
    assert!(!matches_with(
        w.clone(),
        &facts("the app shows an error"),
        &fl
    ));
    // Most hits wins: two technical words beat one billing word.
    assert!(!matches_with(
        w,
        &facts("crash then error, about my invoice"),
        &fl
    ));
}

#[test]
fn direct_agent_when_available_else_the_strategy() {
    let r = router(json!({
        "rules": [{ "name": "Key account", "when": { "labels": "acme" },
                    "then": { "team": "Billing", "agent": "ELI@x", "strategy": "round_robin" } }],
        "fallback": { "team": "Support L1" }
    }));
    let labels = vec!["acme".to_string()];
    let f = TicketFacts {
        contact_labels: &labels,
        ..facts("hi")
    };
    let mut fl = floor();
    let d = r.route(&f, &fl);
    assert_eq!(d.assignee, Some(5));
    assert!(
        d.explanation
            .ends_with("team Billing; direct to eli@x — 0 open of 6"),
        "{}",
        d.explanation
    );

    fl.set_availability(5, Availability::Away);
    let d = r.route(&f, &fl);
    assert_eq!(d.assignee, Some(4));
    assert!(
        d.explanation.ends_with(
            "team Billing; eli@x is away; round-robin: dana@x — 2 open of 6, never assigned"
        ),
        "{}",
        d.explanation
    );
}

#[test]
fn time_based_goes_after_hours_or_to_the_bot() {
    let r = router(json!({
        "rules": [
            { "name": "Billing hours", "when": { "keywords": "invoice" },
              "then": { "team": "Billing", "strategy": "time_based", "after_hours_team": "Night Shift" } },
            { "name": "L2 hours", "when": { "keywords": "crash" }, "then": { "team": "Support L2", "strategy": "time_based" } }
        ],
        "fallback": { "team": "Support L1" }
    }));
    let mut fl = floor();
    let d = r.route(&facts("invoice please"), &fl);
    assert_eq!((d.team.as_deref(), d.assignee), (Some("Billing"), Some(5)));
    assert!(
        d.explanation
            .ends_with("time-based: Billing open; eli@x — 0 open of 6"),
        "{}",
        d.explanation
    );

    fl.set_team_open("Billing", false);
    let d = r.route(&facts("invoice please"), &fl);
    assert_eq!(
        (d.team_id, d.team.as_deref(), d.assignee),
        (Some(5), Some("Night Shift"), Some(9))
    );
    assert!(
        d.explanation
            .contains("Billing closed, after hours → team Night Shift"),
        "{}",
        d.explanation
    );

    fl.set_team_open("Night Shift", false);
    let d = r.route(&facts("invoice please"), &fl);
    assert!(d.bot_only && d.assignee.is_none() && !d.queued);
    assert!(
        d.explanation
            .ends_with("Billing and Night Shift closed: bot only"),
        "{}",
        d.explanation
    );

    fl.set_team_open("Support L2", false);
    let d = r.route(&facts("app crash"), &fl);
    assert!(d.bot_only);
    assert!(
        d.explanation
            .ends_with("Support L2 closed and no after-hours team: bot only"),
        "{}",
        d.explanation
    );
}

#[test]
fn rule_without_team_borrows_the_fallbacks() {
    let r = router(json!({
        "rules": [{ "name": "Tag refunds", "when": { "keywords": "refund" }, "then": { "labels": ["refund"], "priority": "high" } }],
        "fallback": { "team": "Support L1", "strategy": "round_robin" }
    }));
    let d = r.route(&facts("refund"), &floor());
    assert_eq!(
        (d.rule.as_deref(), d.team.as_deref(), d.strategy),
        (
            Some("Tag refunds"),
            Some("Support L1"),
            Some(Strategy::RoundRobin)
        )
    );
    assert_eq!(d.labels, ["refund"]);
    assert!(d.explanation.contains(
        "team Support L1 (fallback's); priority raised to high; labels refund; round-robin:"
    ));
}

#[test]
fn a_team_missing_at_runtime_falls_back() {
    let r = router(json!({
        "rules": [{ "name": "VIP", "when": { "vip": true }, "then": { "team": "VIP", "strategy": "vip" } }],
        "fallback": { "team": "Support L1" }
    }));
    let fl = Floor::new(
        vec![team(1, "Support L1", true, &[2])],
        vec![agent(2, "ben@x", 0)],
    );
    let f = TicketFacts {
        vip: true,
        ..facts("hi")
    };
    let d = r.route(&f, &fl);
    assert_eq!(
        (d.team.as_deref(), d.assignee),
        (Some("Support L1"), Some(2))
    );
    assert!(
        d.explanation
            .contains("team VIP not on the floor, using the fallback's; team Support L1"),
        "{}",
        d.explanation
    );
}

#[test]
fn detect_issue_type_alone() {
    let r = documented();
    assert_eq!(
        r.detect_issue_type("login error after the crash"),
        Some("technical")
    );
    assert_eq!(r.detect_issue_type("hello"), None);
}

#[test]
fn validation_errors_name_the_rule_and_the_problem() {
    let fb = json!({ "team": "Support L1" });
    let one = |rule: serde_json::Value| {
        compile_err(
            json!({ "rules": [{ "name": "Ok", "then": { "team": "Billing" } }, rule], "fallback": fb }),
        )
    };

    assert_eq!(
        compile_err(json!({ "rules": [] })),
        "routing has no fallback: add [routing.fallback] with a team"
    );
    assert_eq!(
        compile_err(json!({ "fallback": { "strategy": "vip" } })),
        "routing fallback: needs a team"
    );
    assert_eq!(
        one(json!({ "name": "Billing", "then": { "team": "Billng" } })),
        "routing rule #2 \"Billing\": unknown team \"Billng\" in `team` (known teams: Support L1, Support L2, Billing, VIP, Night Shift)"
    );
    assert_eq!(
        one(
            json!({ "name": "Bad", "when": { "pattern": "order(" }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"Bad\": bad pattern \"order(\": unclosed group"
    );
    assert_eq!(
        one(json!({ "name": "ok", "then": { "team": "Billing" } })),
        "routing rule #2 \"ok\": duplicate rule name (rule #1 has it too)"
    );
    assert_eq!(
        one(json!({ "name": "Empty", "when": { "vip": true } })),
        "routing rule #2 \"Empty\": `then` is empty; a rule must do something"
    );
    assert_eq!(
        one(json!({ "name": "S", "then": { "team": "Billing", "strategy": "fastest" } })),
        "routing rule #2 \"S\": unknown strategy \"fastest\"; expected one of: round_robin load_balanced skill language vip time_based"
    );
    assert_eq!(
        one(json!({ "name": "", "then": { "team": "Billing" } })),
        "routing rule #2 \"\": has no name"
    );
    assert_eq!(
        one(json!({ "name": "T", "when": { "time": "9-17" }, "then": { "team": "Billing" } })),
        "routing rule #2 \"T\": time \"9-17\" is not \"HH:MM-HH:MM\""
    );
    assert_eq!(
        one(
            json!({ "name": "T", "when": { "time": "09:00-17:00" }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"T\": `time`/`days` need a timezone: set `timezone` in the rule or in [routing]"
    );
    assert_eq!(
        one(
            json!({ "name": "T", "when": { "days": "mon", "timezone": "Mars/Olympus" }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"T\": unknown timezone \"Mars/Olympus\""
    );
    assert_eq!(
        one(
            json!({ "name": "I", "when": { "issue_type": "billing" }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"I\": unknown issue type \"billing\" (known: none; add [routing.issue_types])"
    );
    assert_eq!(
        one(
            json!({ "name": "A", "then": { "team": "Billing", "after_hours_team": "Night Shift" } })
        ),
        "routing rule #2 \"A\": `after_hours_team` only applies with strategy \"time_based\""
    );
    assert_eq!(
        one(
            json!({ "name": "A", "then": { "team": "Billing", "after_hours_team": "Nights" , "strategy": "time_based"} })
        ),
        "routing rule #2 \"A\": unknown team \"Nights\" in `after_hours_team` (known teams: Support L1, Support L2, Billing, VIP, Night Shift)"
    );
    assert_eq!(
        one(json!({ "name": "B", "then": { "bot_only": true, "agent": "a@x" } })),
        "routing rule #2 \"B\": `bot_only` leaves the ticket with the bot; drop `agent` and `strategy`"
    );
    assert_eq!(
        one(
            json!({ "name": "K", "when": { "keywords": ["ok", " "] }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"K\": keyword #2 is empty"
    );
    assert_eq!(
        one(
            json!({ "name": "C", "when": { "team_closed": "Ghost" }, "then": { "team": "Billing" } })
        ),
        "routing rule #2 \"C\": unknown team \"Ghost\" in `team_closed` (known teams: Support L1, Support L2, Billing, VIP, Night Shift)"
    );
    assert_eq!(
        compile_err(json!({ "issue_types": { "billing": ["/(/"] }, "fallback": fb })),
        "routing issue type \"billing\": bad pattern \"(?i)(\": unclosed group"
    );
}

#[test]
fn router_is_shareable_and_fallback_only_works() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Router>();
    send_sync::<Floor>();
    let r = Router::compile(&RoutingSpec::fallback_only("Support L2"), &TEAMS).unwrap();
    let d = r.route(&facts("hi"), &floor());
    assert_eq!((d.rule, d.assignee), (None, Some(8)));
}
