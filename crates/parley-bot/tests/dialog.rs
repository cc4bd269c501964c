//! The conversation engine on the example shop knowledge base (the one
//! `parley demo` runs): paraphrases, clarifying questions, slot filling,
//! follow-ups, action results and every handoff reason.

use parley_bot::dialog::{
    Bot, CallResult, HandoffReason, ID_HANDOFF, ID_SOLVED, Input, Session, Signals, Step, Turn,
};
use parley_bot::kb::KnowledgeBase;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

fn bot() -> Bot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kb");
    let kb = KnowledgeBase::load_dir(&dir).unwrap_or_else(|e| panic!("example kb: {e:?}"));
    Bot::builtin(kb)
}

fn vars() -> HashMap<String, String> {
    HashMap::from([
        ("customer_name".to_string(), "Ana".to_string()),
        ("parley_url".to_string(), "http://127.0.0.1:9/p".to_string()),
    ])
}

fn say(bot: &Bot, s: &Session, text: &str) -> Turn {
    bot.turn(s, Input::Text(text), &Signals::default(), &vars())
}

fn reply_text(t: &Turn) -> String {
    match &t.step {
        Step::Reply(m) | Step::Resolve(m) | Step::Handoff { messages: m, .. } => m
            .iter()
            .map(|m| m.text.clone())
            .collect::<Vec<_>>()
            .join("\n"),
        Step::Call(c) => format!("CALL {} {}", c.method, c.url),
    }
}

#[test]
fn paraphrases_of_a_return_reach_the_returns_intents() {
    let bot = bot();
    for q in [
        "I want to send this back",
        "how do I return my purchase",
        "can I return something I got last week",
    ] {
        let t = say(&bot, &Session::default(), q);
        assert_eq!(t.analysis.outcome, "answer", "{q}: {:?}", t.analysis);
        assert_eq!(t.analysis.intent.as_deref(), Some("returns_policy"), "{q}");
        assert!(
            reply_text(&t).contains("within 30 days"),
            "{q}: {}",
            reply_text(&t)
        );
    }
    // The third paraphrase from the issue names a fit problem: it starts a
    // return (the shop's KB lists it there) rather than a generic answer.
    let t = say(
        &bot,
        &Session::default(),
        "this item doesn't fit, what are my options?",
    );
    assert!(
        matches!(
            t.analysis.intent.as_deref(),
            Some("start_return" | "returns_policy" | "exchanges")
        ),
        "{:?}",
        t.analysis
    );
}

#[test]
fn answers_carry_confirm_buttons_and_solved_resolves() {
    let bot = bot();
    let t = say(
        &bot,
        &Session::default(),
        "what payment methods do you accept",
    );
    let Step::Reply(msgs) = &t.step else {
        panic!("{:?}", t.step)
    };
    let ids: Vec<&str> = msgs[0].buttons.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(ids, [ID_SOLVED, ID_HANDOFF]);
    let r = bot.turn(
        &t.session,
        Input::Choice {
            id: ID_SOLVED,
            title: "Solved, thanks",
        },
        &Signals::default(),
        &vars(),
    );
    assert!(matches!(r.step, Step::Resolve(_)), "{:?}", r.step);
}

#[test]
fn order_tracking_asks_for_the_number_then_calls_the_system() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "where is my order?");
    assert_eq!(t.analysis.outcome, "slot");
    assert!(
        reply_text(&t).contains("order number"),
        "{}",
        reply_text(&t)
    );
    assert_eq!(
        t.session.flow.as_ref().and_then(|f| f.awaiting.as_deref()),
        Some("order_number")
    );
    // Not a number: asked again, with the retry wording.
    let t2 = say(&bot, &t.session, "hmm let me look");
    assert!(
        reply_text(&t2).contains("like 10042"),
        "{}",
        reply_text(&t2)
    );
    // The number fills the slot and the action is called.
    let t3 = say(&bot, &t2.session, "it's #10042");
    let Step::Call(call) = &t3.step else {
        panic!("{:?}", t3.step)
    };
    assert_eq!(call.method, "GET");
    assert_eq!(call.url, "http://127.0.0.1:9/p/demo/shop/orders/10042");
    assert_eq!(
        t3.session.slots.get("order_number").map(String::as_str),
        Some("10042")
    );
    let done = bot.resume(
        &t3.session,
        call,
        CallResult::Ok(json!({"status": "shipped", "detail": "Arrives Friday.", "tracking_url": "https://t.example/1"})),
        &vars(),
    );
    let text = reply_text(&done);
    assert!(text.contains("Order #10042 is *shipped*"), "{text}");
    assert!(text.contains("https://t.example/1"), "{text}");
    assert!(done.session.flow.is_none());
}

#[test]
fn a_number_in_the_first_message_skips_the_question() {
    let bot = bot();
    let t = say(
        &bot,
        &Session::default(),
        "can you check order 10077 please, where is it",
    );
    let Step::Call(call) = &t.step else {
        panic!("{:?} {:?}", t.step, t.analysis)
    };
    assert!(call.url.ends_with("/orders/10077"), "{}", call.url);
}

#[test]
fn not_found_asks_again_and_gives_up_after_the_limit() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "track order 12345");
    let Step::Call(call) = t.step.clone() else {
        panic!("{:?}", t.step)
    };
    let r = bot.resume(&t.session, &call, CallResult::NotFound, &vars());
    assert!(
        reply_text(&r).contains("couldn't find order #12345"),
        "{}",
        reply_text(&r)
    );
    assert!(!r.session.slots.contains_key("order_number"));
    let mut s = r.session;
    let mut last = None;
    for _ in 0..3 {
        let t = say(&bot, &s, "55555");
        let Step::Call(call) = t.step.clone() else {
            last = Some(t);
            break;
        };
        let r = bot.resume(&t.session, &call, CallResult::NotFound, &vars());
        s = r.session.clone();
        last = Some(r);
        if matches!(last.as_ref().unwrap().step, Step::Handoff { .. }) {
            break;
        }
    }
    let last = last.unwrap();
    assert!(
        matches!(
            last.step,
            Step::Handoff {
                reason: HandoffReason::TooManyAttempts,
                ..
            }
        ),
        "{:?}",
        last.step
    );
}

#[test]
fn a_failing_system_gets_a_polite_message_and_a_handoff() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "where is order 10042");
    let Step::Call(call) = t.step.clone() else {
        panic!()
    };
    let r = bot.resume(
        &t.session,
        &call,
        CallResult::Failed("timed out".into()),
        &vars(),
    );
    match &r.step {
        Step::Handoff { reason, messages } => {
            assert_eq!(*reason, HandoffReason::ActionFailed);
            assert!(messages[0].text.contains("can't reach"), "{messages:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(r.analysis.why.contains("timed out"));
}

#[test]
fn returns_collect_order_and_reason_then_post() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "send me a return label");
    assert_eq!(
        t.analysis.intent.as_deref(),
        Some("start_return"),
        "{:?}",
        t.analysis
    );
    let t = say(&bot, &t.session, "10042");
    // Five reasons: a list message (buttons hold three at most).
    let Step::Reply(msgs) = &t.step else {
        panic!("{:?}", t.step)
    };
    let list = msgs[0].list.as_ref().expect("reasons as a list");
    assert_eq!(list.rows.len(), 5);
    assert!(msgs[0].buttons.is_empty());
    let row = &list.rows[0];
    let t = bot.turn(
        &t.session,
        Input::Choice {
            id: &row.id,
            title: &row.title,
        },
        &Signals::default(),
        &vars(),
    );
    let Step::Call(call) = &t.step else {
        panic!("{:?}", t.step)
    };
    assert_eq!(call.method, "POST");
    assert_eq!(
        call.body,
        Some(json!({"order": "10042", "reason": "Too small"}))
    );
    let r = bot.resume(
        &t.session,
        call,
        CallResult::Ok(json!({"return_id": "R-7", "label_url": "https://l.example/7"})),
        &vars(),
    );
    assert!(reply_text(&r).contains("return R-7"), "{}", reply_text(&r));
}

#[test]
fn appointment_slots_are_offered_as_a_list_and_the_choice_is_booked() {
    let bot = bot();
    let t = say(
        &bot,
        &Session::default(),
        "I want to book an appointment for a fitting",
    );
    let Step::Call(call) = &t.step else {
        panic!("{:?} {:?}", t.step, t.analysis)
    };
    assert_eq!(call.options_for.as_deref(), Some("slot"));
    assert!(call.url.ends_with("/demo/shop/appointments/slots"));
    assert_eq!(call.before.len(), 1, "the intent's answer goes first");
    let slots = json!({"slots": [
        {"id": "s1", "label": "Mon 10:00", "store": "Berlin"},
        {"id": "s2", "label": "Mon 11:00", "store": "Berlin"},
    ]});
    let t = bot.resume(&t.session, call, CallResult::Ok(slots), &vars());
    let Step::Reply(msgs) = &t.step else {
        panic!("{:?}", t.step)
    };
    assert_eq!(msgs.len(), 2);
    let list = msgs[1].list.as_ref().unwrap();
    assert_eq!(list.button, "Pick a time");
    assert_eq!(list.rows[1].title, "Mon 11:00");
    assert_eq!(list.rows[1].description.as_deref(), Some("Berlin"));
    // Typing the title works as well as tapping.
    let t = say(&bot, &t.session, "Mon 11:00");
    let Step::Call(call) = &t.step else {
        panic!("{:?}", t.step)
    };
    assert_eq!(call.body, Some(json!({"slot_id": "s2", "name": "Ana"})));
}

#[test]
fn no_free_slots_hands_off() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "book a personal fitting");
    let Step::Call(call) = &t.step else { panic!() };
    let r = bot.resume(
        &t.session,
        call,
        CallResult::Ok(json!({"slots": []})),
        &vars(),
    );
    assert!(matches!(
        r.step,
        Step::Handoff {
            reason: HandoffReason::ActionFailed,
            ..
        }
    ));
}

#[test]
fn a_follow_up_only_counts_after_its_parent() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "what is your return policy");
    assert_eq!(t.analysis.intent.as_deref(), Some("returns_policy"));
    let f = say(&bot, &t.session, "is it free?");
    assert_eq!(
        f.analysis.intent.as_deref(),
        Some("returns_cost"),
        "{:?}",
        f.analysis
    );
    // Without the returns answer before it, "is it free" is not about returns.
    let alone = say(&bot, &Session::default(), "is it free?");
    assert_ne!(alone.analysis.intent.as_deref(), Some("returns_cost"));
}

#[test]
fn out_of_scope_questions_hand_off() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "what's the capital of Mongolia?");
    assert!(
        matches!(
            t.step,
            Step::Handoff {
                reason: HandoffReason::NoAnswer,
                ..
            }
        ),
        "{:?} {:?}",
        t.step,
        t.analysis
    );
}

#[test]
fn signals_hand_off_first() {
    let bot = bot();
    let person = Signals {
        person_requested: Some(("human".into(), "talk to a human".into())),
        negative_sentiment: None,
    };
    let t = bot.turn(
        &Session::default(),
        Input::Text("where is my order, talk to a human"),
        &person,
        &vars(),
    );
    assert!(matches!(
        t.step,
        Step::Handoff {
            reason: HandoffReason::CustomerRequest,
            ..
        }
    ));
    let manager = Signals {
        person_requested: Some(("manager".into(), "manager".into())),
        negative_sentiment: None,
    };
    let t = bot.turn(
        &Session::default(),
        Input::Text("get me your manager"),
        &manager,
        &vars(),
    );
    assert!(matches!(
        t.step,
        Step::Handoff {
            reason: HandoffReason::ManagerRequest,
            ..
        }
    ));
    let angry = Signals {
        person_requested: None,
        negative_sentiment: Some(-0.9),
    };
    let t = bot.turn(
        &Session::default(),
        Input::Text("where is my order"),
        &angry,
        &vars(),
    );
    assert!(matches!(
        t.step,
        Step::Handoff {
            reason: HandoffReason::NegativeSentiment,
            ..
        }
    ));
    let tap = bot.turn(
        &Session::default(),
        Input::Choice {
            id: ID_HANDOFF,
            title: "Talk to a person",
        },
        &Signals::default(),
        &vars(),
    );
    assert!(matches!(
        tap.step,
        Step::Handoff {
            reason: HandoffReason::CustomerRequest,
            ..
        }
    ));
}

#[test]
fn a_clear_new_question_leaves_the_flow() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "where is my order");
    let t = say(&bot, &t.session, "what payment methods do you accept");
    assert_eq!(
        t.analysis.intent.as_deref(),
        Some("payment_methods"),
        "{:?}",
        t.analysis
    );
    assert!(t.session.flow.is_none());
}

#[test]
fn clarifying_offers_intents_as_buttons_within_whatsapps_limits() {
    let bot = bot();
    // Find a message the matcher is unsure about on this knowledge base.
    let probes = [
        "return", "order", "shipping", "store", "money", "size", "account", "delivery",
    ];
    let t = probes
        .iter()
        .map(|p| say(&bot, &Session::default(), p))
        .find(|t| t.analysis.outcome == "clarify")
        .expect("one of the one-word probes is ambiguous");
    let Step::Reply(msgs) = &t.step else { panic!() };
    let b = &msgs[0].buttons;
    assert!((2..=3).contains(&b.len()), "{b:?}");
    assert!(b.iter().all(|(_, title)| title.chars().count() <= 20));
    // Tapping a candidate answers it.
    let (id, title) = b[0].clone();
    if id != ID_HANDOFF {
        let r = bot.turn(
            &t.session,
            Input::Choice {
                id: &id,
                title: &title,
            },
            &Signals::default(),
            &vars(),
        );
        assert_ne!(r.analysis.outcome, "clarify", "{:?}", r.analysis);
    }
}

#[test]
fn a_tapped_list_row_of_an_answer_leads_to_its_own_answer() {
    let bot = bot();
    let t = say(&bot, &Session::default(), "where is your store");
    let Step::Reply(msgs) = &t.step else {
        panic!("{:?}", t.step)
    };
    let row = msgs[0].list.as_ref().expect("stores as a list").rows[1].clone();
    let r = bot.turn(
        &t.session,
        Input::Choice {
            id: &row.id,
            title: &row.title,
        },
        &Signals::default(),
        &vars(),
    );
    assert_eq!(
        r.analysis.intent.as_deref(),
        Some("store_hamburg"),
        "{:?}",
        r.analysis
    );
    assert!(reply_text(&r).contains("Lange Reihe 40"));
}

#[test]
fn an_intent_chosen_elsewhere_is_answered_like_a_match_flow_included() {
    let bot = bot();
    // As the server does when its LLM names order_tracking for a message the
    // matcher could not place: the flow starts and the number is taken.
    let text = "parcel 10042 never showed up, thoughts?";
    let t = bot.answer_intent(
        &Session::default(),
        "order_tracking",
        0.9,
        text,
        &vars(),
        "the LLM classified it as order_tracking (0.90)".into(),
    );
    let Step::Call(call) = &t.step else {
        panic!("{:?} {:?}", t.step, t.analysis)
    };
    assert!(call.url.ends_with("/orders/10042"), "{}", call.url);
    assert_eq!(t.analysis.intent.as_deref(), Some("order_tracking"));
    assert_eq!(t.analysis.confidence, Some(0.9));
    assert!(t.analysis.why.contains("LLM"), "{:?}", t.analysis);
    assert_eq!(t.session.last_text.as_deref(), Some(text));
    assert_eq!(t.session.answered, ["order_tracking"]);

    let t = bot.answer_intent(
        &Session::default(),
        "payment_methods",
        0.8,
        "how do I settle up",
        &vars(),
        "llm".into(),
    );
    assert!(reply_text(&t).contains("PayPal"), "{}", reply_text(&t));
    assert_eq!(t.analysis.outcome, "answer");

    // An unknown intent, or a follow-up without its parent, is a handoff.
    for name in ["gift_cards", "returns_cost"] {
        let t = bot.answer_intent(&Session::default(), name, 0.99, "x", &vars(), "llm".into());
        assert!(
            matches!(
                t.step,
                Step::Handoff {
                    reason: HandoffReason::NoAnswer,
                    ..
                }
            ),
            "{name}: {:?}",
            t.step
        );
    }
    let names: Vec<&str> = bot
        .candidates(&Session::default())
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert!(names.contains(&"order_tracking") && !names.contains(&"returns_cost"));
}
