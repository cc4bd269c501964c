//! CLINC150 study of the sentence-embedding back end (all-MiniLM-L6-v2 on candle).
//!
//! ```sh
//! scripts/fetch-minilm.sh
//! cargo run --release -p parley-bot --example clinc150_embedding [path/to/clinc150]
//! ```
//!
//! Prints: model load time, encoding throughput (batched and one at a time), the time to
//! embed a knowledge base and train the classifier, the ablations behind
//! [`ClassifierConfig::default`] (top-1 on `val`), and the full `parley bot eval` report
//! (eval.rs: calibration fitted (out-of-scope questions weighed 7x) and thresholds tuned
//! on `val` + `oos_val`, reported on
//! `test` + `oos_test`, each message ranked on its own so the latency is the bot's) for two
//! 10-shot knowledge bases: the first 10 examples of each intent in `train` and CLINC150's
//! published `train_10` split.
//!
//! The model folder is `PARLEY_MINILM_DIR` or `--model-dir DIR`, default
//! `target/models/all-minilm-l6-v2`. Vectors of the validation and test messages are kept
//! in `target/models/vector-cache` (`--no-cache` to switch it off) so a re-run with other
//! classifier settings takes seconds; the per-message latency is always measured without
//! it. `--calibration-only` skips the ablations and the one-at-a-time ranking: it fits the
//! calibration and scores `test` at the default thresholds from batched vectors.

use parley_bot::embedding::{ClassifierConfig, EmbeddingConfig, EmbeddingModel, Encoder};
use parley_bot::eval::{self, Dataset, Objective};
use parley_bot::matcher::Thresholds;
use parley_bot::model::IntentModel;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn arg_value(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn top1(model: &EmbeddingModel, data: &[eval::Labelled]) -> f64 {
    let inside: Vec<&eval::Labelled> = data.iter().filter(|(l, _)| l.is_some()).collect();
    let texts: Vec<&str> = inside.iter().map(|(_, t)| t.as_str()).collect();
    let ranked = model.rank_batch(&texts).expect("encode");
    let right = inside
        .iter()
        .zip(&ranked)
        .filter(|((l, _), r)| r.first().is_some_and(|(i, _)| Some(i) == l.as_ref()))
        .count();
    right as f64 / inside.len().max(1) as f64
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .find(|a| {
            Some(a) != arg_value("--model-dir").as_ref()
                && Some(a) != arg_value("--pooling").as_ref()
        })
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/clinc150"));
    let data = match Dataset::load(&dir) {
        Ok(d) => d,
        Err(e) => {
            println!("CLINC150 not loaded ({e}); skipping the evaluation.");
            return;
        }
    };
    let model_dir = arg_value("--model-dir")
        .or_else(|| std::env::var("PARLEY_MINILM_DIR").ok())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(parley_bot::embedding::DEFAULT_MODEL_DIR));
    let use_cache = !std::env::args().any(|a| a == "--no-cache");
    // `--pooling mean5,cls6`: the extra poolings (default: the library's).
    let extra_pooling = match arg_value("--pooling") {
        Some(s) => parley_bot::embedding::parse_poolings(&s).unwrap_or_else(|e| {
            eprintln!("--pooling: {e}");
            std::process::exit(2);
        }),
        None => parley_bot::embedding::default_extra_pooling(),
    };
    let val_only = std::env::args().any(|a| a == "--val-only");

    // 1. Loading (reads and hashes 91 MB of weights).
    let t0 = Instant::now();
    let plain = Encoder::load(&EmbeddingConfig::new(&model_dir)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    println!(
        "model loaded and sha256-checked in {:.2} s ({} dims, threads: {})",
        t0.elapsed().as_secs_f64(),
        plain.dim(),
        rayon::current_num_threads()
    );

    // 2. Throughput on real messages, without any cache.
    let sample: Vec<&str> = data
        .test
        .iter()
        .take(640)
        .map(|(_, t)| t.as_str())
        .collect();
    let t0 = Instant::now();
    let batched = plain.encode(&sample).expect("encode");
    let batch_rate = sample.len() as f64 / t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let mut max_diff = 0.0f32;
    for (t, b) in sample.iter().take(200).zip(&batched) {
        let one = plain.encode_one(t).expect("encode");
        let d = one
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        max_diff = max_diff.max(d);
    }
    let single_rate = 200.0 / t0.elapsed().as_secs_f64();
    println!(
        "encoding throughput: {batch_rate:.0} sentences/s in batches of 32, {single_rate:.0} sentences/s one at a time (largest batch-vs-single difference {max_diff:.2e})"
    );

    drop(plain);
    let enc = Arc::new(
        Encoder::load(&EmbeddingConfig {
            cache_dir: use_cache.then(|| root.join("target/models/vector-cache")),
            extra_pooling: extra_pooling.clone(),
            ..EmbeddingConfig::new(&model_dir)
        })
        .expect("load"),
    );

    let mut kbs = vec![(
        "first 10 per intent of train",
        eval::k_shot(&data.train, 10),
    )];
    match eval::load_fewshot_dir(&dir.join("train_10")) {
        Ok(kb) => kbs.push(("train_10 (published 10-shot split)", kb)),
        Err(e) => println!("no train_10 split ({e})"),
    }
    if val_only {
        // `--val-only`: val top-1 of the regression settings on `train_10` (nothing on test).
        let Some((_, kb)) = kbs.last() else { return };
        let pairs = eval::as_pairs(kb);
        let d = ClassifierConfig::default();
        println!("pooling: {extra_pooling:?} ({} dims)", enc.dim());
        let list = |name: &str, default: &str| -> Vec<f64> {
            std::env::var(name)
                .unwrap_or_else(|_| default.into())
                .split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect()
        };
        // The grid: PARLEY_L2, PARLEY_ITERATIONS, PARLEY_LEXICAL (comma-separated).
        for l2 in list("PARLEY_L2", "1e-4,1e-3").into_iter().map(|x| x as f32) {
            for iterations in list("PARLEY_ITERATIONS", "500")
                .into_iter()
                .map(|x| x as usize)
            {
                for lexical_weight in list("PARLEY_LEXICAL", "1").into_iter().map(|x| x as f32) {
                    let cfg = ClassifierConfig {
                        l2,
                        iterations,
                        lexical_weight,
                        ..d
                    };
                    let m = EmbeddingModel::train_with(enc.clone(), &pairs, cfg).expect("train");
                    println!(
                        "val top-1 {:.2}%  l2 {l2:e}, {iterations} iterations, lexical {lexical_weight}",
                        100.0 * top1(&m, &data.val)
                    );
                }
            }
        }
        return;
    }
    for (name, kb) in &kbs {
        let pairs = eval::as_pairs(kb);
        println!(
            "\n=== knowledge base: {name} ({} examples) ===",
            pairs.len()
        );

        // 3. Start-up cost: embed the knowledge base (no cache) and train.
        let t0 = Instant::now();
        let texts: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        enc.encode(&texts).expect("encode"); // `encode` never uses the cache
        let embed_s = t0.elapsed().as_secs_f64();
        EmbeddingModel::train(enc.clone(), &pairs).expect("train"); // fills the cache
        let t0 = Instant::now();
        EmbeddingModel::train(enc.clone(), &pairs).expect("train");
        println!(
            "knowledge base embedded in {embed_s:.1} s ({:.0} sentences/s, no cache); classifier built in {:.2} s from cached vectors",
            texts.len() as f64 / embed_s,
            t0.elapsed().as_secs_f64()
        );

        // 4. Ablations (top-1 on val, in scope).
        let d = ClassifierConfig::default();
        let ablations: Vec<(&str, ClassifierConfig)> = vec![
            ("default", d),
            (
                "regression only (no names, no lexical blend)",
                ClassifierConfig {
                    intent_names: false,
                    lexical_weight: 0.0,
                    ..d
                },
            ),
            (
                "no intent names",
                ClassifierConfig {
                    intent_names: false,
                    ..d
                },
            ),
            (
                "no lexical blend",
                ClassifierConfig {
                    lexical_weight: 0.0,
                    ..d
                },
            ),
            (
                "lexical weight 2",
                ClassifierConfig {
                    lexical_weight: 2.0,
                    ..d
                },
            ),
            (
                "lexical weight 4",
                ClassifierConfig {
                    lexical_weight: 4.0,
                    ..d
                },
            ),
            (
                "lexical score 0.25",
                ClassifierConfig {
                    lexical_score_weight: 0.25,
                    ..d
                },
            ),
            (
                "lexical score 0.5",
                ClassifierConfig {
                    lexical_score_weight: 0.5,
                    ..d
                },
            ),
            (
                "lexical score 1",
                ClassifierConfig {
                    lexical_score_weight: 1.0,
                    ..d
                },
            ),
            (
                "lexical score 0.5, no confidence blend",
                ClassifierConfig {
                    lexical_score_weight: 0.5,
                    lexical_weight: 0.0,
                    ..d
                },
            ),
            ("l2 1e-3", ClassifierConfig { l2: 1e-3, ..d }),
            (
                "1000 iterations",
                ClassifierConfig {
                    iterations: 1000,
                    ..d
                },
            ),
        ];
        let quick = std::env::args().any(|a| a == "--calibration-only");
        for (label, cfg) in ablations.into_iter().filter(|_| !quick) {
            let m = EmbeddingModel::train_with(enc.clone(), &pairs, cfg).expect("train");
            println!("val top-1 {:.2}%  {label}", 100.0 * top1(&m, &data.val));
        }

        // 5. The report, as `parley bot eval` makes it (each message ranked on its own).
        let mut model = EmbeddingModel::train(enc.clone(), &pairs).expect("train");
        // Out-of-scope questions are 3% of val but far more of a help desk's traffic (18%
        // of test): weigh them 7x when fitting, as the built-in matcher's defaults were.
        let mut heldout = eval::as_heldout(&data.val);
        let oos: Vec<_> = heldout
            .iter()
            .filter(|(l, _)| l.is_none())
            .copied()
            .collect();
        for _ in 0..6 {
            heldout.extend(oos.iter().copied());
        }
        IntentModel::calibrate(&mut model, &heldout);
        println!("calibration fitted on val: {:?}", model.calibration());
        if std::env::args().any(|a| a == "--calibration-only") {
            let th = Thresholds::default();
            let texts: Vec<&str> = data.test.iter().map(|(_, t)| t.as_str()).collect();
            let ranked = model.rank_batch(&texts).expect("encode");
            let preds: Vec<eval::Prediction> = data
                .test
                .iter()
                .zip(ranked)
                .map(|((l, _), r)| eval::Prediction {
                    label: l.clone(),
                    ranked: r.into_iter().take(3).collect(),
                    seconds: 0.0,
                })
                .collect();
            print!("{}", eval::score(&preds, &th));
            continue;
        }
        let t0 = Instant::now();
        let val_p = eval::predict(&model, &data.val);
        let test_p = eval::predict(&model, &data.test);
        println!(
            "(ranked {} messages one at a time in {:.1} s)",
            val_p.len() + test_p.len(),
            t0.elapsed().as_secs_f64()
        );
        let objective = Objective::default();
        let thresholds = eval::tune(&val_p, &objective);
        let e = eval::Evaluation {
            thresholds,
            tuned: true,
            objective,
            val: eval::score(&val_p, &thresholds),
            test: eval::score(&test_p, &thresholds),
            curve: eval::curve(&test_p, 0.05),
        };
        print!("{e}");
        let th = Thresholds::default();
        println!(
            "\nwith the default thresholds (answer >= {:.2}, clarify >= {:.2}), test:",
            th.answer, th.clarify
        );
        print!("{}", eval::score(&test_p, &th));
    }
}
