//! CLINC150 evaluation of the built-in matcher (10-shot knowledge base).
//!
//! `cargo run --release -p parley-bot --example clinc150 [path/to/clinc150]`
//!
//! Knowledge base = `train_10/`; calibration and thresholds are fitted on `val` +
//! `oos_val` (out-of-scope examples repeated 7x, i.e. assuming ~20% of traffic is out of
//! scope); the report is on `test` + `oos_test`.

use parley_bot::matcher::{Config, Matcher, Outcome, Thresholds};
use std::path::PathBuf;
use std::time::Instant;

type Labelled = Vec<(Option<String>, String)>;

fn borrow(d: &Labelled) -> Vec<(Option<&str>, &str)> {
    d.iter().map(|(l, t)| (l.as_deref(), t.as_str())).collect()
}

fn load_split(json: &serde_json::Value, key: &str, oos: bool) -> Labelled {
    json[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|pair| {
                    let text = pair.get(0)?.as_str()?.to_string();
                    let label = pair.get(1)?.as_str()?.to_string();
                    Some(((!oos).then_some(label), text))
                })
                .collect()
        })
        .unwrap_or_default()
}

struct Report {
    in_acc: f64,
    answered_acc: f64,
    answer: f64,
    clarify: f64,
    handoff: f64,
    clarify_hit: f64,
    oos_recall: f64,
    ece: f64,
    utility: f64,
}

fn evaluate(m: &Matcher, data: &[(Option<&str>, &str)], th: &Thresholds, oos_w: f64) -> Report {
    let (mut n_in, mut top1, mut ans, mut ans_ok, mut cla, mut cla_hit, mut hand) =
        (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut n_oos, mut oos_hand, mut utility, mut total_w) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut ans_in = 0.0f64;
    let mut bins = vec![(0.0f64, 0.0f64, 0.0f64); 15];
    for (label, text) in data {
        let ranked = m.rank(text);
        let (best, conf) = ranked[0].clone();
        let right = label.is_some_and(|l| l == best);
        let w = if label.is_some() { 1.0 } else { oos_w };
        total_w += w;
        let b = ((conf as f64 * 15.0) as usize).min(14);
        bins[b].0 += 1.0;
        bins[b].1 += conf as f64;
        bins[b].2 += right as u8 as f64;
        if label.is_some() {
            n_in += 1.0;
            top1 += right as u8 as f64;
        } else {
            n_oos += 1.0;
        }
        match m.classify(text, th) {
            Outcome::Answer { .. } => {
                ans += 1.0;
                if label.is_some() {
                    ans_in += 1.0;
                    ans_ok += right as u8 as f64;
                }
                utility += w * if right { 1.0 } else { -2.0 };
            }
            Outcome::Clarify { candidates } => {
                cla += 1.0;
                let hit = label.is_some_and(|l| candidates.iter().any(|c| c.0 == l));
                cla_hit += hit as u8 as f64;
                utility += w * if hit { 0.5 } else { -0.5 };
            }
            Outcome::Handoff { .. } => {
                hand += 1.0;
                if label.is_none() {
                    oos_hand += 1.0;
                    utility += w * 0.5;
                }
            }
        }
    }
    let n = data.len() as f64;
    let ece = bins
        .iter()
        .filter(|b| b.0 > 0.0)
        .map(|b| (b.1 - b.2).abs() / n)
        .sum();
    Report {
        in_acc: top1 / n_in.max(1.0),
        answered_acc: ans_ok / ans_in.max(1.0),
        answer: ans / n,
        clarify: cla / n,
        handoff: hand / n,
        clarify_hit: cla_hit / cla.max(1.0),
        oos_recall: oos_hand / n_oos.max(1.0),
        ece,
        utility: utility / total_w,
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/clinc150")
        });
    let (Ok(seq), Ok(labels), Ok(full)) = (
        std::fs::read_to_string(dir.join("train_10/seq.in")),
        std::fs::read_to_string(dir.join("train_10/label")),
        std::fs::read_to_string(dir.join("data_full.json")),
    ) else {
        println!(
            "CLINC150 not found at {}; skipping evaluation.",
            dir.display()
        );
        return;
    };
    let json: serde_json::Value = serde_json::from_str(&full).expect("data_full.json");
    let kb: Vec<(&str, &str)> = labels.lines().zip(seq.lines()).collect();
    let mut val = load_split(&json, "val", false);
    let oos_val = load_split(&json, "oos_val", true);
    for _ in 0..7 {
        val.extend(oos_val.iter().cloned());
    }
    let mut test = load_split(&json, "test", false);
    test.extend(load_split(&json, "oos_test", true));

    let (val, test) = (borrow(&val), borrow(&test));

    // Sensitivity of top-1 accuracy on val to the feature weights (informational: the
    // evaluated model uses `Config::default()`, which the unit tests also exercise).
    let best_cfg = Config::default();
    for word_weight in [0.3, 0.5, 0.7] {
        for max_weight in [0.0, 0.15, 0.3, 0.5] {
            let cfg = Config {
                word_weight,
                max_weight,
                concepts: true,
            };
            let m = Matcher::train_with(&kb, cfg);
            let r = evaluate(&m, &val, &Thresholds::default(), 1.0);
            println!(
                "val  word={word_weight} max={max_weight}: in-scope top-1 {:.3}",
                r.in_acc
            );
        }
    }
    let no_concepts = Matcher::train_with(
        &kb,
        Config {
            concepts: false,
            ..best_cfg
        },
    );
    let r = evaluate(&no_concepts, &val, &Thresholds::default(), 1.0);
    println!(
        "val  without the concept map: in-scope top-1 {:.3}",
        r.in_acc
    );
    let t0 = Instant::now();
    let mut m = Matcher::train_with(&kb, best_cfg);
    println!(
        "trained on {} examples in {:?}; {best_cfg:?}",
        kb.len(),
        t0.elapsed()
    );
    m.calibrate(&val);
    println!("calibration: {:?}", m.calibration());
    let mut best_th = Thresholds::default();
    let mut best_u = f64::MIN;
    for a in (5..=19).map(|x| x as f32 * 0.05) {
        for c in (1..=(a * 20.0).round() as i32)
            .map(|x| x as f32 * 0.05)
            .filter(|&c| c <= a)
        {
            let th = Thresholds {
                answer: a,
                clarify: c,
            };
            let u = evaluate(&m, &val, &th, 1.0).utility;
            if u > best_u {
                best_u = u;
                best_th = th;
            }
        }
    }
    println!(
        "thresholds (utility on val: answer right +1 / wrong -2, clarify hit +0.5 / miss -0.5, OOS handoff +0.5): {best_th:?}"
    );
    let t0 = Instant::now();
    let r = evaluate(&m, &test, &best_th, 1.0);
    println!(
        "evaluated {} test messages in {:?}",
        test.len(),
        t0.elapsed()
    );
    println!("| metric (test + oos_test)          | value |");
    println!("|-----------------------------------|-------|");
    println!("| in-scope accuracy (top-1)         | {:.3} |", r.in_acc);
    println!(
        "| accuracy of answered (in-scope)   | {:.3} |",
        r.answered_acc
    );
    println!("| answer rate                       | {:.3} |", r.answer);
    println!("| clarify rate                      | {:.3} |", r.clarify);
    println!(
        "| true intent among clarify buttons | {:.3} |",
        r.clarify_hit
    );
    println!("| handoff rate                      | {:.3} |", r.handoff);
    println!(
        "| out-of-scope recall (handed off)  | {:.3} |",
        r.oos_recall
    );
    println!("| expected calibration error (15b)  | {:.3} |", r.ece);
}
