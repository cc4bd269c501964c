//! `parley demo --seed`: three weeks of a small shop's support history, so
//! the reports, the floor and the contact sidebar have something to show on
//! first start.
//!
//! Nothing is written behind the store's back that it has a function for:
//! customer messages go through ingest, assignments and resolutions through
//! ticket updates, replies through the outbox, and SLA timers fire through
//! the scheduler's own store call, each at its simulated time, in time
//! order. So first responses, breaches, escalations, reopenings and CSAT
//! surveys are what Parley would have recorded. Only what has no
//! back-dateable path (a survey's answer, the bot's end of a conversation,
//! replies delivered long ago) uses the store's seed helpers. The history is
//! the same every run (a fixed random seed), shifted to end now.

use anyhow::Context;
use parley_core::{Priority, TicketStatus};
use parley_store::{
    InboundMessage, IngestItem, IngestOutcome, ReplyDraft, SeedCsat, Store, TicketPatch,
};
use serde_json::json;
use std::collections::HashMap;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
pub const DAYS: i64 = 21;
const PNID: &str = "106540352242922";

/// splitmix64: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// Minutes, log-normally around `median` (most near it, a long tail).
    fn minutes(&mut self, median: f64, spread: f64) -> i64 {
        let u = self.unit().max(1e-9);
        let v = self.unit();
        let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        ((median * (spread * normal).exp()) * MIN as f64) as i64
    }
}

struct Topic {
    issue: &'static str,
    team: &'static str,
    asks: &'static [&'static str],
    answers: &'static [&'static str],
    follow_ups: &'static [&'static str],
    closings: &'static [&'static str],
    bot_intent: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        issue: "orders",
        team: "Support L1",
        asks: &[
            "Hi, where is my order {order}? It was supposed to arrive yesterday.",
            "My package {order} says delivered but I don't have it",
            "Can you check the tracking for order {order}?",
            "Olá, o meu pedido {order} ainda não chegou",
            "Hola, ¿dónde está mi pedido {order}?",
        ],
        answers: &[
            "Hi {name}, I checked order {order}: it is with the courier and due tomorrow before 18:00.",
            "Sorry about that {name}! The courier scanned {order} at your depot this morning; I've asked them to call you.",
            "Order {order} left our warehouse on Monday. Here is the tracking link: https://track.example/{order}",
        ],
        follow_ups: &[
            "Thanks. Can they leave it with my neighbour?",
            "It still hasn't come, this is the second time",
            "ok great, thank you",
        ],
        closings: &[
            "I've added a note for the courier to leave it next door. Anything else?",
            "I've opened a claim with the courier; a replacement ships today at no cost.",
            "You're welcome! Have a nice day.",
        ],
        bot_intent: "order_status",
    },
    Topic {
        issue: "returns",
        team: "Support L1",
        asks: &[
            "I want to send this back, it doesn't fit",
            "How do I return my purchase from order {order}?",
            "The jacket I got is damaged, can I exchange it?",
            "Quiero devolver unas zapatillas",
        ],
        answers: &[
            "Of course {name}. I've emailed you a free return label for {order}; drop it at any post office within 30 days.",
            "Sorry it arrived damaged! I can send a new one today, or refund you in full. Which do you prefer?",
        ],
        follow_ups: &[
            "A new one please, size M",
            "Refund please",
            "When will I get my money back?",
        ],
        closings: &[
            "Done: a size M ships today and the return label is in your email.",
            "Your refund is on its way; it shows on your card in 3-5 business days.",
        ],
        bot_intent: "returns",
    },
    Topic {
        issue: "billing",
        team: "Billing",
        asks: &[
            "I was charged twice on my invoice for order {order}",
            "Why is there a delivery fee on my invoice? I have a free shipping code",
            "I need an invoice with my company's VAT number",
            "Me cobraron dos veces, factura {order}",
        ],
        answers: &[
            "Hi {name}, you're right: the second charge for {order} was a duplicate. I've refunded it.",
            "I've applied your code and refunded the delivery fee. A corrected invoice is in your email.",
            "Sure, what is the VAT number and the company name?",
        ],
        follow_ups: &[
            "Thank you! How long until I see it?",
            "DE811234567, Müller GmbH",
            "This took far too long to sort out",
        ],
        closings: &[
            "3-5 business days, depending on your bank. Sorry for the trouble!",
            "Here is your invoice with the VAT number. Anything else I can do?",
        ],
        bot_intent: "billing",
    },
    Topic {
        issue: "product",
        team: "Support L1",
        asks: &[
            "Is the blue rain jacket waterproof or just water resistant?",
            "Do you have the trail shoes in size 44?",
            "Is the backpack big enough for a 15 inch laptop?",
        ],
        answers: &[
            "It is fully waterproof (10,000 mm) with taped seams, {name}.",
            "Size 44 is back in stock from Thursday; shall I reserve a pair?",
            "Yes, the laptop sleeve fits up to 16 inches.",
        ],
        follow_ups: &[
            "Yes please reserve them",
            "Perfect, thanks",
            "And does it come in black?",
        ],
        closings: &[
            "Reserved under your name until Saturday.",
            "Black is available too. Enjoy!",
        ],
        bot_intent: "product_info",
    },
    Topic {
        issue: "shipping",
        team: "Support L1",
        asks: &[
            "Do you ship to Norway?",
            "How long does delivery to Portugal take?",
            "Can I change my delivery address for order {order}?",
        ],
        answers: &[
            "We ship to Norway in 3-5 days; customs fees are included at checkout.",
            "Portugal takes 2-4 business days with our standard courier.",
            "Yes {name}, what is the new address?",
        ],
        follow_ups: &["Rua Augusta 100, Lisboa", "Great, thanks!"],
        closings: &[
            "Updated: {order} goes to the new address.",
            "You're welcome!",
        ],
        bot_intent: "shipping",
    },
];

const FIRST: &[&str] = &[
    "Ana", "Liam", "Giulia", "Jonas", "Maria", "Noah", "Sofia", "Lucas", "Emma", "Mateo", "Olivia",
    "Leon", "Chloé", "Hugo", "Ines", "Omar", "Priya", "Yuki", "Carla", "Dmitri", "Fatima", "Hana",
    "Tomás", "Zoe", "Ben", "Lea", "Kofi", "Marta", "Ivan", "Aylin",
];
const LAST: &[&str] = &[
    "López",
    "O’Brien",
    "Rossi",
    "Weber",
    "Silva",
    "Martin",
    "Nowak",
    "Costa",
    "Jensen",
    "Garcia",
    "Müller",
    "Dubois",
    "Kaya",
    "Sato",
    "Haddad",
    "Mensah",
    "Fischer",
    "Santos",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Arrive,
    BotAnswer,
    BotHandoff,
    Assign,
    AgentReply(usize),
    CustomerReply(usize),
    Pending,
    Resolve,
    Reopen,
    Survey,
    /// Resolved tickets close after two quiet days (a later message opens a new ticket).
    Close,
}

struct Plan {
    contact: usize,
    topic: usize,
    order: u32,
    agent: Option<i64>,
    team: Option<i64>,
    priority: Priority,
    deflected: bool,
    rating: Option<(i64, Option<String>)>,
    steps: Vec<(i64, Step)>,
}

pub struct Seeded {
    pub tickets: usize,
    pub messages: usize,
}

/// Writes `DAYS` days of history ending at `now` into `store`, whose desk
/// (teams, SLA) and agents are already in place. `agents` maps emails to ids.
pub async fn seed(
    store: &Store,
    agents: &HashMap<&str, i64>,
    teams: &HashMap<String, i64>,
    now: i64,
) -> anyhow::Result<Seeded> {
    let mut rng = Rng(0x005E_ED0F_DE5C);
    let agent = |email: &str| agents.get(email).copied();
    let admin = agent(crate::demo::DEMO_EMAIL).context("the demo admin exists")?;
    let contacts: Vec<(String, String)> = (0..1000)
        .map(|i| {
            let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
            (format!("4477009{:05}", 100 + i), name)
        })
        .collect();

    // Plan every ticket first, then play all their steps in time order.
    let start = (now - DAYS * DAY).div_euclid(DAY) * DAY;
    let mut plans: Vec<Plan> = Vec::new();
    for day in 0..=DAYS {
        let day_start = start + day * DAY;
        let weekday = (day_start.div_euclid(DAY) + 3).rem_euclid(7); // 0 = Monday
        let volume = if weekday >= 5 {
            10 + rng.below(8)
        } else {
            26 + rng.below(16)
        };
        for _ in 0..volume {
            // Busiest late morning and mid-afternoon, quiet at night.
            let hour = *rng.pick(&[
                7, 8, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 13, 14, 14, 15, 15, 16, 16, 17, 18, 19,
                20, 21, 22, 23, 2,
            ]);
            let t0 = day_start + hour * HOUR + rng.below(60) as i64 * MIN;
            if t0 > now - 10 * MIN {
                continue;
            }
            let mut p = plan(&mut rng, t0, &contacts, agents, teams, admin);
            // The last hours' conversations are still being worked: some wait
            // for routing, some for a first answer, some for the customer.
            if t0 > now - 5 * HOUR && !p.deflected && rng.chance(0.7) {
                let keep = 1 + rng.below(p.steps.len().saturating_sub(2).max(1));
                p.steps.truncate(keep.min(p.steps.len()));
            }
            plans.push(p);
        }
    }
    plans.sort_by_key(|p| p.steps[0].0);
    // Whatever the hour, the floor has work on it: the latest dozen human
    // conversations are still open.
    let mut left = 12;
    for p in plans.iter_mut().rev() {
        if left == 0 {
            break;
        }
        if p.deflected || p.steps.iter().all(|(_, s)| *s != Step::Resolve) {
            continue;
        }
        let keep = 1 + rng.below(p.steps.len().saturating_sub(2).max(1));
        p.steps.truncate(keep.min(p.steps.len()));
        left -= 1;
    }

    let mut events: Vec<(i64, usize, usize)> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        for (j, (t, _)) in p.steps.iter().enumerate() {
            if *t <= now {
                events.push((*t, i, j));
            }
        }
    }
    events.sort();

    let mut ids: Vec<Option<i64>> = vec![None; plans.len()];
    let mut seq = 0u64;
    let mut messages = 0usize;
    for (t, i, j) in events {
        // What the scheduler would have done by now: warnings, breaches, escalations.
        while !store.fire_due_timers(t, 500, false).await?.is_empty() {}
        let p = &plans[i];
        let step = p.steps[j].1;
        let topic = &TOPICS[p.topic];
        let (wa_id, name) = &contacts[p.contact];
        let first = name.split(' ').next().unwrap_or(name);
        let fill = |s: &str| {
            s.replace("{order}", &p.order.to_string())
                .replace("{name}", first)
        };
        let say = |text: String, seq: u64| {
            IngestItem::Message(Box::new(InboundMessage {
                phone_number_id: PNID.into(),
                wa_message_id: format!("wamid.DEMO{seq:08}"),
                from_wa_id: Some(wa_id.clone()),
                profile_name: Some(name.clone()),
                kind: "text".into(),
                preview: text.clone(),
                content: json!({ "body": text }),
                raw: json!({ "demo": true }),
                text: Some(text),
                sent_at_ms: t,
                reopens: true,
                ..Default::default()
            }))
        };
        match step {
            Step::Arrive | Step::Reopen | Step::CustomerReply(_) => {
                let text = match step {
                    Step::Arrive => {
                        let ask: &&str = rng.pick(topic.asks);
                        fill(ask)
                    }
                    Step::Reopen => "Hi again, it still isn't sorted, can you check?".to_string(),
                    Step::CustomerReply(k) => fill(topic.follow_ups[k % topic.follow_ups.len()]),
                    _ => unreachable!(),
                };
                seq += 1;
                let out = store.apply_webhook(None, vec![say(text, seq)], t).await?;
                messages += 1;
                if let Some(IngestOutcome::Message { ticket_id, .. }) = out.first() {
                    ids[i] = Some(*ticket_id);
                }
            }
            Step::BotAnswer => {
                let Some(id) = ids[i] else { continue };
                let text = fill(topic.answers[0]);
                store.seed_automated_reply(id, draft(&text), t).await?;
                messages += 1;
                if p.deflected {
                    resolve(store, id, admin, t).await?;
                    store
                        .seed_bot_outcome(id, "deflected", topic.bot_intent, t)
                        .await?;
                }
            }
            Step::BotHandoff => {
                let Some(id) = ids[i] else { continue };
                store
                    .seed_bot_outcome(id, "handed_off", topic.bot_intent, t)
                    .await?;
            }
            Step::Assign => {
                let Some(id) = ids[i] else { continue };
                let patch = TicketPatch {
                    assignee_id: p.agent.map(Some),
                    team_id: p.team.map(Some),
                    priority: (p.priority != Priority::Medium).then_some(p.priority),
                    ..Default::default()
                };
                store.update_ticket(id, admin, &patch, t).await?;
            }
            Step::AgentReply(k) => {
                let (Some(id), Some(by)) = (ids[i], p.agent) else {
                    continue;
                };
                let text = if k == 0 {
                    let answer: &&str = rng.pick(topic.answers);
                    fill(answer)
                } else {
                    fill(topic.closings[k % topic.closings.len()])
                };
                // A reopened ticket or a long pause may have closed the window: skip then.
                if store.create_reply(id, by, draft(&text), t).await.is_ok() {
                    messages += 1;
                }
            }
            Step::Pending => {
                let Some(id) = ids[i] else { continue };
                let patch = TicketPatch {
                    status: Some(TicketStatus::Pending),
                    ..Default::default()
                };
                let _ = store
                    .update_ticket(id, p.agent.unwrap_or(admin), &patch, t)
                    .await;
            }
            Step::Resolve => {
                let Some(id) = ids[i] else { continue };
                resolve(store, id, p.agent.unwrap_or(admin), t).await?;
            }
            Step::Close => {
                let Some(id) = ids[i] else { continue };
                let patch = TicketPatch {
                    status: Some(TicketStatus::Closed),
                    ..Default::default()
                };
                // Only if still resolved: a message since then reopened it.
                if store.get_ticket(id, t).await?.status == TicketStatus::Resolved {
                    store.update_ticket(id, admin, &patch, t).await?;
                }
            }
            Step::Survey => {
                let Some(id) = ids[i] else { continue };
                let outcome = match &p.rating {
                    Some((rating, comment)) => SeedCsat::Rated {
                        rating: *rating,
                        at: t + rng.minutes(4.0, 0.8),
                        comment: comment.clone(),
                    },
                    None => SeedCsat::Unanswered,
                };
                store.seed_csat_outcome(id, t, &outcome).await?;
            }
        }
    }
    while !store.fire_due_timers(now, 500, false).await?.is_empty() {}
    store.seed_delivered_before(now).await?;
    Ok(Seeded {
        tickets: ids.iter().flatten().count(),
        messages,
    })
}

async fn resolve(store: &Store, id: i64, by: i64, t: i64) -> anyhow::Result<()> {
    let patch = TicketPatch {
        status: Some(TicketStatus::Resolved),
        ..Default::default()
    };
    // Already resolved (the bot got there first) is fine.
    let _ = store.update_ticket(id, by, &patch, t).await;
    Ok(())
}

fn draft(text: &str) -> ReplyDraft {
    ReplyDraft {
        kind: "text".into(),
        text: Some(text.into()),
        content: json!({}),
        payload: json!({"type": "text", "text": {"body": text}}),
        media_id: None,
        requires_window: true,
        reply_to_wamid: None,
    }
}

/// One ticket's story: who it goes to, how fast they answer, whether the
/// bot settles it, whether it comes back, what the customer thinks of it.
fn plan(
    rng: &mut Rng,
    t0: i64,
    contacts: &[(String, String)],
    agents: &HashMap<&str, i64>,
    teams: &HashMap<String, i64>,
    admin: i64,
) -> Plan {
    let topic_i = rng.below(TOPICS.len());
    let topic = &TOPICS[topic_i];
    let mut steps = vec![(t0, Step::Arrive)];
    let priority = match rng.unit() {
        x if x < 0.04 => Priority::Urgent,
        x if x < 0.16 => Priority::High,
        x if x < 0.30 => Priority::Low,
        _ => Priority::Medium,
    };
    let email = match topic.issue {
        "billing" => *rng.pick(&["sam@demo.parley", "sam@demo.parley", "admin@demo.parley"]),
        _ => *rng.pick(&[
            "dana@demo.parley",
            "dana@demo.parley",
            "lee@demo.parley",
            "admin@demo.parley",
        ]),
    };
    let agent = agents.get(email).copied().or(Some(admin));
    let team = teams.get(topic.team).copied();
    // The bot takes most conversations first; more than half never need a person.
    let bot = rng.chance(0.55);
    let deflected = bot && rng.chance(0.62);
    let mut t = t0;
    if bot {
        t += 20_000;
        steps.push((t, Step::BotAnswer));
        if deflected {
            t += 10 * MIN;
            let rating = rate(rng, 0, false);
            steps.push((t, Step::Survey));
            steps.push((t + 2 * DAY, Step::Close));
            return Plan {
                contact: rng.below(contacts.len()),
                topic: topic_i,
                order: 10_000 + rng.below(89_999) as u32,
                agent: None,
                team: None,
                priority,
                deflected,
                rating,
                steps,
            };
        }
        t += MIN;
        steps.push((t, Step::BotHandoff));
    }
    // Routing, then the first answer: fast in office hours, slower at night.
    t += 30_000;
    steps.push((t, Step::Assign));
    let hour = (t.rem_euclid(DAY)) / HOUR;
    let night = !(8..20).contains(&hour);
    let wait = if night {
        // Someone picks it up when the office opens.
        let open = t.div_euclid(DAY) * DAY + if hour >= 20 { DAY } else { 0 } + 8 * HOUR;
        open - t + rng.minutes(20.0, 0.6)
    } else if rng.chance(0.1) {
        rng.minutes(75.0, 0.5)
    } else {
        rng.minutes(6.0, 0.8)
    };
    t += wait.max(MIN);
    let frt = t - t0;
    steps.push((t, Step::AgentReply(0)));
    let exchanges = 1 + rng.below(3);
    for k in 0..exchanges {
        t += rng.minutes(6.0, 0.7).max(MIN);
        steps.push((t, Step::CustomerReply(k)));
        t += rng.minutes(5.0, 0.7).max(MIN);
        steps.push((t, Step::AgentReply(k + 1)));
    }
    if rng.chance(0.15) {
        t += rng.minutes(3.0, 0.5).max(MIN);
        steps.push((t, Step::Pending));
        t += rng.minutes(180.0, 0.8);
    } else {
        t += rng.minutes(8.0, 0.8).max(MIN);
    }
    steps.push((t, Step::Resolve));
    let reopened = rng.chance(0.09);
    if reopened {
        t += rng.minutes(600.0, 0.7).max(30 * MIN);
        steps.push((t, Step::Reopen));
        t += rng.minutes(15.0, 0.7).max(MIN);
        steps.push((t, Step::AgentReply(9)));
        t += rng.minutes(10.0, 0.7).max(MIN);
        steps.push((t, Step::Resolve));
    }
    t += 10 * MIN;
    steps.push((t, Step::Survey));
    steps.push((t + 2 * DAY, Step::Close));
    let rating = rate(rng, frt, reopened);
    Plan {
        contact: rng.below(contacts.len()),
        topic: topic_i,
        order: 10_000 + rng.below(89_999) as u32,
        agent,
        team,
        priority,
        deflected,
        rating,
        steps,
    }
}

/// The customer's answer to the survey, if any: slow or repeated help rates lower.
fn rate(rng: &mut Rng, frt: i64, reopened: bool) -> Option<(i64, Option<String>)> {
    if !rng.chance(0.46) {
        return None;
    }
    let mut score: f64 = rng.unit() * 5.0 + 1.6;
    if frt > HOUR {
        score -= 1.6;
    }
    if reopened {
        score -= 1.4;
    }
    let rating = (score.round() as i64).clamp(1, 5);
    let comment = (rating <= 3).then(|| {
        rng.pick(&[
            "It took too long to get an answer",
            "I had to explain everything twice",
            "The courier is still the problem",
            "OK but the refund is slow",
        ])
        .to_string()
    });
    Some((rating, comment))
}

#[cfg(test)]
mod tests {
    use parley_store::{Store, TicketFilter};

    async fn count(store: &Store, sql: &'static str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
        n
    }

    /// The history looks like a desk's: many tickets, most resolved, some
    /// breached, bot deflections, answered surveys, a few still open today,
    /// and nothing left for the server to send or fire about the past.
    #[tokio::test]
    async fn three_weeks_of_history_with_nothing_left_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            parley_server::ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().into());
        let seeded = crate::demo::seed_history(&cfg).await.unwrap();
        assert!(seeded.tickets > 300, "{} tickets", seeded.tickets);
        assert!(seeded.messages > 3 * seeded.tickets / 2);
        let store = Store::open_sqlite(dir.path(), cfg.sqlite_sync)
            .await
            .unwrap();
        let all = store
            .count_tickets(&TicketFilter::default(), 0, 100_000)
            .await
            .unwrap();
        let open = store
            .count_tickets(&TicketFilter::open(), 0, 100_000)
            .await
            .unwrap();
        assert!(open > 0 && open < all / 5, "{open} of {all} open");
        let deflected = count(
            &store,
            "SELECT COUNT(*) FROM tickets WHERE bot_state = 'deflected'",
        )
        .await;
        assert!(deflected > all / 5, "{deflected} deflected of {all}");
        let rated = count(
            &store,
            "SELECT COUNT(*) FROM csat_surveys WHERE rating IS NOT NULL",
        )
        .await;
        let sent = count(
            &store,
            "SELECT COUNT(*) FROM csat_surveys WHERE sent_at IS NOT NULL",
        )
        .await;
        assert!(
            rated > sent / 4 && rated < sent,
            "{rated} rated of {sent} sent"
        );
        let breached = count(
            &store,
            "SELECT COUNT(*) FROM tickets WHERE sla_first_response_breached_at IS NOT NULL",
        )
        .await;
        assert!(
            breached > 0 && breached < all / 3,
            "{breached} breached of {all}"
        );
        let reopened = count(
            &store,
            "SELECT COUNT(DISTINCT ticket_id) FROM audit_log
             WHERE action = 'status_changed' AND detail LIKE '%\"from\":\"resolved\"%customer wrote%'",
        )
        .await;
        assert!(reopened > 0, "some tickets came back");
        println!(
            "seeded {all} tickets ({open} open), {} messages; {deflected} deflected, \
             {breached} first-response breaches, {reopened} reopened, {rated}/{sent} surveys answered",
            seeded.messages
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"
            )
            .await,
            0
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert_eq!(
            store.pending_timers_due_before(now - 60_000).await.unwrap(),
            0
        );
        let waiting: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM csat_surveys WHERE state = 'scheduled' AND scheduled_at < $1",
        )
        .bind(now - 3_600_000)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(waiting.0, 0, "no old survey waits to be sent");
        // A second seed into the same store is refused.
        assert!(crate::demo::seed_history(&cfg).await.is_err());
    }
}
