//! Distils all-MiniLM-L6-v2 into static token vectors (the Model2Vec recipe): every
//! vocabulary token is run through the encoder on its own and its vector written out, for
//! `crates/parley-bot/data/make_static_vectors.py` to reduce (PCA), weight and quantise into
//! the table the built-in matcher compiles in.
//!
//! ```sh
//! scripts/fetch-minilm.sh
//! cargo run --release -p parley-bot --example distill_static -- OUT_DIR
//! ```
//!
//! Writes `OUT_DIR/tokens.txt` (one token per line, in id order) and `OUT_DIR/vectors.f32`
//! (little-endian f32, one 384-wide row per token).

use parley_bot::embedding::{EmbeddingConfig, Encoder};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/static".into()),
    );
    std::fs::create_dir_all(&out).expect("create the output folder");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var("PARLEY_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(parley_bot::embedding::DEFAULT_MODEL_DIR));
    let mut config = EmbeddingConfig::new(dir);
    config.batch_size = 256;
    let encoder = Encoder::load(&config).expect("load the model (run scripts/fetch-minilm.sh)");
    let vocab = encoder.vocab();
    let mut tokens: Vec<(String, u32)> = vocab.into_iter().collect();
    tokens.sort_by_key(|(_, id)| *id);
    let cls = tokens.iter().find(|(t, _)| t == "[CLS]").expect("[CLS]").1;
    let sep = tokens.iter().find(|(t, _)| t == "[SEP]").expect("[SEP]").1;
    let ids: Vec<u32> = tokens.iter().map(|(_, id)| *id).collect();
    let started = Instant::now();
    let vectors = encoder.encode_token_ids(&ids, cls, sep).expect("encode");
    eprintln!(
        "{} tokens in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    let mut names = std::fs::File::create(out.join("tokens.txt")).expect("tokens.txt");
    for (t, _) in &tokens {
        writeln!(names, "{t}").expect("write");
    }
    let mut raw = Vec::with_capacity(vectors.len() * encoder.hidden_size() * 4);
    for v in &vectors {
        for x in v {
            raw.extend_from_slice(&x.to_le_bytes());
        }
    }
    std::fs::write(out.join("vectors.f32"), raw).expect("vectors.f32");
}
