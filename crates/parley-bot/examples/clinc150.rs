//! CLINC150 study of the built-in matcher: the ablations behind its defaults (on `val`)
//! and the full report (on `test`) for two 10-shot knowledge bases.
//!
//! `cargo run --release -p parley-bot --example clinc150 [path/to/clinc150] [--ablation | --no-ablation]`
//!
//! The plain report for one knowledge base is `parley bot eval` (same code: eval.rs).
//! Knowledge bases: `train_10/` (CLINC150's published 10-shot split, the one the TF-IDF +
//! logistic-regression reference was measured on) and the first 10 examples of each
//! intent in `train`. Calibration and thresholds are fitted on `val` + `oos_val`; only the
//! final reports look at `test` + `oos_test`.

use parley_bot::eval::{self, Dataset, Objective};
use parley_bot::matcher::{Config, Matcher};
use parley_bot::model::IntentModel;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/clinc150")
        });
    let data = match Dataset::load(&dir) {
        Ok(d) => d,
        Err(e) => {
            println!("CLINC150 not loaded ({e}); skipping the evaluation.");
            return;
        }
    };
    let only_ablation = std::env::args().any(|a| a == "--ablation");
    let no_ablation = std::env::args().any(|a| a == "--no-ablation");
    let mut kbs = vec![];
    match eval::load_fewshot_dir(&dir.join("train_10")) {
        Ok(kb) => kbs.push(("train_10 (published 10-shot split)", kb)),
        Err(e) => println!("no train_10 split ({e})"),
    }
    kbs.push((
        "first 10 per intent of train",
        eval::k_shot(&data.train, 10),
    ));
    let val_in: Vec<_> = data
        .val
        .iter()
        .filter(|(l, _)| l.is_some())
        .cloned()
        .collect();

    let d = Config::default();
    let ablations: Vec<(&str, Config)> = vec![
        ("default", d),
        (
            "no static vectors",
            Config {
                static_weight: 0.0,
                ..d
            },
        ),
        (
            "static 0.4",
            Config {
                static_weight: 0.4,
                ..d
            },
        ),
        (
            "static 0.5",
            Config {
                static_weight: 0.5,
                ..d
            },
        ),
        (
            "static 0.7",
            Config {
                static_weight: 0.7,
                ..d
            },
        ),
        (
            "static 0.8",
            Config {
                static_weight: 0.8,
                ..d
            },
        ),
        (
            "100 iterations",
            Config {
                iterations: 100,
                ..d
            },
        ),
        (
            "similarity only (no regression)",
            Config { linear: false, ..d },
        ),
        (
            "regression only (similarity mix 0)",
            Config {
                similarity_mix: 0.0,
                ..d
            },
        ),
        (
            "similarity mix 2",
            Config {
                similarity_mix: 2.0,
                ..d
            },
        ),
        (
            "no thesaurus",
            Config {
                lexicon_weight: 0.0,
                ..d
            },
        ),
        (
            "thesaurus 0.2",
            Config {
                lexicon_weight: 0.2,
                ..d
            },
        ),
        (
            "thesaurus 0.3",
            Config {
                lexicon_weight: 0.3,
                ..d
            },
        ),
        (
            "light stemmer (no Snowball)",
            Config {
                snowball: false,
                ..d
            },
        ),
        (
            "no intent names",
            Config {
                intent_names: false,
                ..d
            },
        ),
        (
            "no concept map",
            Config {
                concepts: false,
                ..d
            },
        ),
        (
            "word weight 0.35",
            Config {
                word_weight: 0.35,
                ..d
            },
        ),
        (
            "word weight 0.65",
            Config {
                word_weight: 0.65,
                ..d
            },
        ),
        (
            "30 iterations",
            Config {
                iterations: 30,
                ..d
            },
        ),
        (
            "40 iterations",
            Config {
                iterations: 40,
                ..d
            },
        ),
        (
            "120 iterations",
            Config {
                iterations: 120,
                ..d
            },
        ),
        ("l2 1e-4", Config { l2: 1e-4, ..d }),
        ("l2 1e-6", Config { l2: 1e-6, ..d }),
        (
            "previous matcher (similarity, light stemmer, no thesaurus/names)",
            Config {
                linear: false,
                lexicon_weight: 0.0,
                snowball: false,
                intent_names: false,
                ..d
            },
        ),
    ];
    for (kb_name, kb) in &kbs {
        let pairs = eval::as_pairs(kb);
        println!("\n## Knowledge base: {kb_name} ({} examples)\n", kb.len());
        println!("| config | val in-scope top-1 | training time |");
        println!("|---|---|---|");
        for (name, cfg) in ablations.iter().filter(|_| !no_ablation) {
            let t0 = Instant::now();
            let m = Matcher::train_with(&pairs, *cfg);
            let took = t0.elapsed();
            let preds = eval::predict(&m, &val_in);
            let top1 = eval::score(&preds, &Default::default()).top1;
            println!(
                "| {name} | {:.1}% | {:.0} ms |",
                100.0 * top1,
                took.as_secs_f64() * 1e3
            );
        }
        if only_ablation {
            continue;
        }
        let t0 = Instant::now();
        let mut m = Matcher::train(&pairs);
        let took = t0.elapsed();
        IntentModel::calibrate(&mut m, &eval::as_heldout(&data.val));
        println!(
            "\ntrained on {} examples in {:.0} ms; calibration fitted on val: {:?}",
            kb.len(),
            took.as_secs_f64() * 1e3,
            m.calibration()
        );
        // How well confidence separates: on val, in-scope answered right when a single
        // threshold hands off 80% / 85% / 90% of the out-of-scope questions.
        let val_curve = eval::curve(&eval::predict(&m, &data.val), 0.005);
        for target in [0.8, 0.85, 0.9] {
            if let Some(p) = val_curve.iter().find(|p| p.oos_recall >= target) {
                println!(
                    "val: out-of-scope recall {:.0}% at threshold {:.3}: in-scope answered right {:.1}%, wrong {:.1}%",
                    100.0 * p.oos_recall,
                    p.threshold,
                    100.0 * p.answered_right,
                    100.0 * p.answered_wrong
                );
            }
        }
        let e = eval::evaluate(&m, &data.val, &data.test, None, &Objective::default());
        println!("{e}");
        println!("### The same with clarifying questions (Objective::utility)\n");
        let e = eval::evaluate(&m, &data.val, &data.test, None, &Objective::utility());
        println!("{e}");
    }
}
