//! The sentence-embedding back end against the real all-MiniLM-L6-v2 files.
//!
//! The model folder is `PARLEY_MINILM_DIR`, default `target/models/all-minilm-l6-v2` in
//! the workspace; `scripts/fetch-minilm.sh` puts it there (CI runs it first). Without the
//! model these tests fail, unless `PARLEY_SKIP_MODEL_TESTS=1`, which skips the ones that
//! need it.

use parley_bot::embedding::{
    EmbeddingConfig, EmbeddingError, EmbeddingModel, Encoder, MINILM_WEIGHTS_SHA256, dot,
};
use parley_bot::matcher::{Outcome, Thresholds};
use parley_bot::model::{IntentModel, decide};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The model folder, or `None` when the model tests are to be skipped.
fn model_dir() -> Option<PathBuf> {
    if std::env::var("PARLEY_SKIP_MODEL_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("PARLEY_SKIP_MODEL_TESTS=1: skipping a test that needs all-MiniLM-L6-v2");
        return None;
    }
    let dir = std::env::var_os("PARLEY_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(parley_bot::embedding::DEFAULT_MODEL_DIR)
        });
    assert!(
        dir.join("model.safetensors").is_file(),
        "all-MiniLM-L6-v2 not found in {}: run scripts/fetch-minilm.sh (or set PARLEY_MINILM_DIR; \
         PARLEY_SKIP_MODEL_TESTS=1 skips these tests)",
        dir.display()
    );
    Some(dir)
}

/// One encoder for the whole test binary (loading hashes 91 MB).
fn encoder() -> Option<Arc<Encoder>> {
    static ENCODER: OnceLock<Arc<Encoder>> = OnceLock::new();
    let dir = model_dir()?;
    Some(
        ENCODER
            .get_or_init(|| Arc::new(Encoder::load(&EmbeddingConfig::new(dir)).unwrap()))
            .clone(),
    )
}

const KB: &[(&str, &str)] = &[
    ("returns", "I'd like to return an item I bought"),
    ("returns", "How do returns work?"),
    ("returns", "Can I get a refund for my purchase?"),
    ("returns", "The shoes are too small, can I exchange them?"),
    ("returns", "Can I exchange it for a different size?"),
    ("order_tracking", "Where is my order?"),
    ("order_tracking", "Can you track my package?"),
    ("order_tracking", "My order hasn't arrived yet"),
    ("store_hours", "What time do you open?"),
    ("store_hours", "When does the store close today?"),
    ("store_hours", "Are you open on Sundays?"),
    ("shipping", "How much does shipping cost?"),
    ("shipping", "Do you ship internationally?"),
    ("shipping", "How long does delivery take?"),
    ("account_billing", "I was charged twice on my card"),
    ("account_billing", "How do I update my payment method?"),
    ("account_billing", "I forgot my account password"),
    ("appointments", "I want to book an appointment"),
    ("appointments", "Can I reschedule my appointment to Friday?"),
    ("appointments", "Cancel my appointment please"),
];

#[test]
fn paraphrases_of_a_return_find_the_returns_intent() {
    let Some(enc) = encoder() else { return };
    let model = EmbeddingModel::train(enc, KB).unwrap();
    assert_eq!(model.name(), "embedding");
    assert_eq!(model.intents().len(), 6);
    for q in [
        "I want to send this back",
        "how do I return my purchase",
        "this item doesn't fit, what are my options?",
    ] {
        let ranked = model.rank(q);
        assert_eq!(ranked.len(), 6, "{q}: {ranked:?}");
        assert_eq!(ranked[0].0, "returns", "{q}: {ranked:?}");
        // Clearly ahead of every other intent.
        assert!(ranked[0].1 > 3.0 * ranked[1].1, "{q}: {ranked:?}");
        assert!(
            ranked.windows(2).all(|w| w[0].1 >= w[1].1)
                && ranked.iter().all(|(_, c)| (0.0..=1.0).contains(c)),
            "{q}: {ranked:?}"
        );
    }
    // The close paraphrase is answered outright.
    let q = "how do I return my purchase";
    match decide(model.rank(q), &Thresholds::default()) {
        Outcome::Answer { intent, .. } => assert_eq!(intent, "returns"),
        other => panic!("{q}: expected an answer, got {other:?}"),
    }
    for (q, want) in [
        ("where's my parcel", "order_tracking"),
        ("are you open on saturday", "store_hours"),
        ("book me in for a haircut next week", "appointments"),
    ] {
        assert_eq!(model.rank(q)[0].0, want, "{q}");
    }
}

#[test]
fn out_of_scope_questions_are_handed_off() {
    let Some(enc) = encoder() else { return };
    let model = EmbeddingModel::train(enc, KB).unwrap();
    for q in [
        "what's the capital of France?",
        "tell me a joke about penguins",
    ] {
        let ranked = model.rank(q);
        assert!(
            matches!(
                decide(ranked.clone(), &Thresholds::default()),
                Outcome::Handoff { .. }
            ),
            "{q}: {ranked:?}"
        );
    }
}

#[test]
fn batch_and_single_encoding_agree() {
    let Some(enc) = encoder() else { return };
    let texts = [
        "hi",
        "where is my order",
        "The shoes are too small, can I exchange them for a bigger size please?",
        "",
        "¿Dónde está mi pedido?",
    ];
    let batch = enc.encode(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (t, b) in texts.iter().zip(&batch) {
        let one = enc.encode_one(t).unwrap();
        assert_eq!(one.len(), enc.dim());
        assert_eq!(enc.hidden_size(), 384);
        let diff = one
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-5, "{t:?}: batch and single differ by {diff}");
        // The sentence vector (the first block) is a unit vector.
        let norm = dot(&one[..384], &one[..384]).sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{t:?}: norm {norm}");
    }
}

#[test]
fn known_sentence_pairs_have_sensible_cosines() {
    let Some(enc) = encoder() else { return };
    let v = enc
        .encode(&[
            "How do I return my purchase?",
            "I want to send this item back",
            "What time does the store open?",
            "A man is playing a guitar.",
            "Someone plays the guitar.",
        ])
        .unwrap();
    // The sentence vectors: the first block of each.
    let v: Vec<&[f32]> = v.iter().map(|x| &x[..enc.hidden_size()]).collect();
    let related = dot(v[0], v[1]);
    let unrelated = dot(v[0], v[2]);
    let guitar = dot(v[3], v[4]);
    assert!(related > 0.4, "return paraphrases: {related}");
    assert!(unrelated < 0.3, "return vs opening hours: {unrelated}");
    assert!(related > unrelated + 0.2, "{related} vs {unrelated}");
    assert!(guitar > 0.7, "guitar paraphrases: {guitar}");
    assert!((dot(v[0], v[0]) - 1.0).abs() < 1e-4);
}

#[test]
fn a_wrong_sha256_is_refused_naming_the_file() {
    let Some(dir) = model_dir() else { return };
    let config = EmbeddingConfig {
        weights_sha256: Some("00".repeat(32)),
        ..EmbeddingConfig::new(&dir)
    };
    let err = Encoder::load(&config).unwrap_err();
    match &err {
        EmbeddingError::HashMismatch {
            path,
            expected,
            actual,
        } => {
            assert!(path.ends_with("model.safetensors"), "{path:?}");
            assert_eq!(expected, &"00".repeat(32));
            assert_eq!(actual, MINILM_WEIGHTS_SHA256);
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("model.safetensors") && msg.contains("sha256"),
        "{msg}"
    );
}

#[test]
fn weights_that_do_not_fit_the_config_are_a_shape_error() {
    let Some(dir) = model_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for f in ["model.safetensors", "tokenizer.json"] {
        std::os::unix::fs::symlink(dir.join(f), tmp.path().join(f)).unwrap();
    }
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    std::fs::write(
        tmp.path().join("config.json"),
        config.replace("\"hidden_size\": 384", "\"hidden_size\": 256"),
    )
    .unwrap();
    let err = Encoder::load(&EmbeddingConfig::new(tmp.path())).unwrap_err();
    assert!(
        matches!(err, EmbeddingError::Shape { .. }),
        "expected a shape error, got {err:?}"
    );
    assert!(err.to_string().contains("model.safetensors"), "{err}");
}

#[test]
fn the_disk_cache_returns_the_same_vectors() {
    let Some(dir) = model_dir() else { return };
    let cache = tempfile::tempdir().unwrap();
    let config = EmbeddingConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..EmbeddingConfig::new(&dir)
    };
    let texts = ["where is my order", "cancel my appointment"];
    let first = Encoder::load(&config)
        .unwrap()
        .encode_cached(&texts)
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "one cache file per model");
    // A fresh encoder reads them back from disk.
    let second = Encoder::load(&config)
        .unwrap()
        .encode_cached(&texts)
        .unwrap();
    assert_eq!(first, second);
}

// These need no model, so they run even with PARLEY_SKIP_MODEL_TESTS=1.

#[test]
fn a_missing_model_folder_says_how_to_fetch_it() {
    let err = Encoder::load(&EmbeddingConfig::new("/nonexistent/minilm")).unwrap_err();
    assert!(matches!(err, EmbeddingError::MissingDir(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("/nonexistent/minilm") && msg.contains("scripts/fetch-minilm.sh"),
        "{msg}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("config.json"), "{}").unwrap();
    let err = Encoder::load(&EmbeddingConfig::new(tmp.path())).unwrap_err();
    match &err {
        EmbeddingError::MissingFile(p) => assert!(p.ends_with("tokenizer.json"), "{p:?}"),
        other => panic!("expected a missing file, got {other:?}"),
    }
    assert!(err.to_string().contains("fetch-minilm.sh"), "{err}");
}
