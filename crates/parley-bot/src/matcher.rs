//! Built-in intent matcher: no download, no network, trained in milliseconds from the
//! knowledge base's example questions.
//!
//! # Technique
//! * **Normalisation**: lowercase, Latin accents folded (`devolución` → `devolucion`),
//!   apostrophes dropped (`doesn't` → `doesnt`), split on anything that is not a letter
//!   or digit (Unicode-aware, so any script works), and a light English/Spanish suffix
//!   stripper for word features (`returns`/`returning`/`returned` → `return`).
//! * **Paraphrases**: a tiny, documented phrase map ([`CONCEPTS`]) appends a canonical
//!   word for common help-desk paraphrases (`send back` → `return`, `doesn't fit` →
//!   `size`). It only *adds* features; the original words stay.
//! * **Features**: two TF-IDF blocks (sublinear tf, smoothed idf, each L2-normalised):
//!   word unigrams + bigrams, and character 3–5-grams over the normalised text with word
//!   boundaries. The blocks are concatenated with weights, so cosine similarity is a
//!   weighted mix of word and character cosine.
//! * **Per-intent score**: a mix of the best cosine to any example of the intent and the
//!   cosine to the intent's centroid (both via inverted indexes, so ranking is fast).
//! * **Confidence**: a logistic model over the intent's score and its margin to the best
//!   other intent (a temperature-scaled softmax generalised so it also reflects the
//!   *absolute* similarity, which is what detects out-of-scope questions). Its weights are
//!   fitted on held-out data ([`Matcher::calibrate`]) so that a confidence of 0.8 means
//!   "right about 80% of the time"; the defaults were fitted on CLINC150 (10-shot).

use std::collections::HashMap;

/// Weights of the matcher's feature blocks and score mix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Share of the word block in the cosine (the char block gets the rest).
    pub word_weight: f32,
    /// Share of the best-example cosine in the intent score (the centroid gets the rest).
    pub max_weight: f32,
    /// Append the [`CONCEPTS`] canonical words (paraphrase map).
    pub concepts: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            word_weight: 0.5,
            max_weight: 0.3,
            concepts: true,
        }
    }
}

/// Logistic calibration: `confidence = sigmoid(a * score + b * margin + c)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub a: f32,
    pub b: f32,
    pub c: f32,
}

impl Default for Calibration {
    /// Fitted on CLINC150 `val` + `oos_val` with the `train_10` knowledge base.
    fn default() -> Self {
        Calibration {
            a: 5.79,
            b: 12.63,
            c: -2.58,
        }
    }
}

impl Calibration {
    fn confidence(&self, score: f32, margin: f32) -> f32 {
        sigmoid(self.a * score + self.b * margin + self.c)
    }
}

/// Decision thresholds on the calibrated confidence of the best intent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above this, answer.
    pub answer: f32,
    /// At or above this (and below `answer`), ask a clarifying question.
    pub clarify: f32,
}

impl Default for Thresholds {
    /// Tuned on CLINC150 `val` + `oos_val` (see the `clinc150` example).
    fn default() -> Self {
        Thresholds {
            answer: 0.75,
            clarify: 0.35,
        }
    }
}

/// What the bot should do with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Confident enough: answer with this intent.
    Answer { intent: String, confidence: f32 },
    /// Unsure: offer these 2–3 intents as buttons (best first).
    Clarify { candidates: Vec<(String, f32)> },
    /// Out of scope or too unsure: hand off to a human. `best` is the best guess, if any.
    Handoff { best: Option<(String, f32)> },
}

/// Paraphrase → canonical word. Kept deliberately small and general: returns/exchanges
/// and sizing are the most paraphrased help-desk topics, and the Spanish entries let an
/// English knowledge base catch the commonest Spanish phrasing. Phrases are matched on
/// normalised, unstemmed tokens; the canonical word is *appended* to the text (so it
/// contributes word and character features) and the original words stay.
pub const CONCEPTS: &[(&str, &str)] = &[
    ("send back", "return"),
    ("send it back", "return"),
    ("send this back", "return"),
    ("send them back", "return"),
    ("take back", "return"),
    ("take it back", "return"),
    ("bring back", "return"),
    ("bring it back", "return"),
    ("money back", "refund"),
    ("devolver", "return"),
    ("devolucion", "return"),
    ("reembolso", "refund"),
    ("doesnt fit", "size"),
    ("dont fit", "size"),
    ("didnt fit", "size"),
    ("too small", "size"),
    ("too big", "size"),
    ("too large", "size"),
    ("wrong size", "size"),
];

type SparseVec = Vec<(u32, f32)>;

/// A trained intent matcher. Cheap to clone and to share (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Matcher {
    config: Config,
    calibration: Calibration,
    intents: Vec<String>,
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
    /// idf given to features never seen in training (they only lower the query's cosine).
    unseen_idf: f32,
    example_intent: Vec<u32>,
    /// feature → (example, weight)
    example_postings: Vec<Vec<(u32, f32)>>,
    /// feature → (intent, weight)
    centroid_postings: Vec<Vec<(u32, f32)>>,
}

impl crate::model::IntentModel for Matcher {
    fn name(&self) -> &str {
        "builtin"
    }

    fn rank(&self, text: &str) -> Vec<(String, f32)> {
        Matcher::rank(self, text)
    }
}

impl Matcher {
    /// Trains a matcher from `(intent, example text)` pairs with the default config.
    pub fn train(examples: &[(&str, &str)]) -> Matcher {
        Matcher::train_with(examples, Config::default())
    }

    /// Trains a matcher with explicit feature weights.
    pub fn train_with(examples: &[(&str, &str)], config: Config) -> Matcher {
        let mut intents: Vec<String> = Vec::new();
        let mut intent_ids: HashMap<&str, u32> = HashMap::new();
        let mut example_intent = Vec::with_capacity(examples.len());
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut docs: Vec<(SparseVec, SparseVec)> = Vec::new();
        for &(intent, text) in examples {
            let id = *intent_ids.entry(intent).or_insert_with(|| {
                intents.push(intent.to_string());
                (intents.len() - 1) as u32
            });
            example_intent.push(id);
            let (words, chars) = features(text, config.concepts);
            let mut intern = |counts: HashMap<String, f32>| {
                let mut v: Vec<(u32, f32)> = counts
                    .into_iter()
                    .map(|(f, n)| {
                        let next = vocab.len() as u32;
                        let fid = *vocab.entry(f).or_insert(next);
                        if fid as usize == df.len() {
                            df.push(0);
                        }
                        df[fid as usize] += 1;
                        (fid, n)
                    })
                    .collect();
                v.sort_unstable_by_key(|p| p.0);
                v
            };
            let w = intern(words);
            let c = intern(chars);
            docs.push((w, c));
        }
        let n = examples.len() as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let unseen_idf = (1.0 + n).ln() + 1.0;
        let mut example_postings = vec![Vec::new(); vocab.len()];
        let mut centroids: Vec<HashMap<u32, f32>> = vec![HashMap::new(); intents.len()];
        for (doc, (w, c)) in docs.into_iter().enumerate() {
            let v = combine(weigh(w, &idf), weigh(c, &idf), config.word_weight);
            let centroid = &mut centroids[example_intent[doc] as usize];
            for (f, x) in v {
                example_postings[f as usize].push((doc as u32, x));
                *centroid.entry(f).or_insert(0.0) += x;
            }
        }
        let mut centroid_postings = vec![Vec::new(); vocab.len()];
        for (intent, centroid) in centroids.into_iter().enumerate() {
            let norm = centroid.values().map(|x| x * x).sum::<f32>().sqrt();
            for (f, x) in centroid {
                centroid_postings[f as usize].push((intent as u32, x / norm.max(1e-12)));
            }
        }
        Matcher {
            config,
            calibration: Calibration::default(),
            intents,
            vocab,
            idf,
            unseen_idf,
            example_intent,
            example_postings,
            centroid_postings,
        }
    }

    /// The intents known to the matcher, in first-seen order.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    /// The current calibration.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// Replaces the calibration (e.g. with one fitted earlier and stored).
    pub fn set_calibration(&mut self, calibration: Calibration) {
        self.calibration = calibration;
    }

    fn vectorize(&self, text: &str) -> SparseVec {
        let (words, chars) = features(text, self.config.concepts);
        let block = |counts: HashMap<String, f32>| -> SparseVec {
            let mut known = Vec::new();
            let mut unseen_sq = 0.0f32;
            for (f, n) in counts {
                let tf = n;
                match self.vocab.get(&f) {
                    Some(&id) => known.push((id, tf * self.idf[id as usize])),
                    None => unseen_sq += (tf * self.unseen_idf).powi(2),
                }
            }
            let norm = (known.iter().map(|p| p.1 * p.1).sum::<f32>() + unseen_sq).sqrt();
            for p in &mut known {
                p.1 /= norm.max(1e-12);
            }
            known
        };
        let w = self.config.word_weight.sqrt();
        let c = (1.0 - self.config.word_weight).sqrt();
        let mut v: SparseVec = block(words).into_iter().map(|(f, x)| (f, x * w)).collect();
        v.extend(block(chars).into_iter().map(|(f, x)| (f, x * c)));
        v
    }

    /// Raw per-intent similarity scores (unsorted, indexed like [`Matcher::intents`]).
    fn scores(&self, text: &str) -> Vec<f32> {
        let q = self.vectorize(text);
        let mut ex = vec![0.0f32; self.example_intent.len()];
        let mut cen = vec![0.0f32; self.intents.len()];
        for &(f, x) in &q {
            for &(d, y) in &self.example_postings[f as usize] {
                ex[d as usize] += x * y;
            }
            for &(i, y) in &self.centroid_postings[f as usize] {
                cen[i as usize] += x * y;
            }
        }
        let mut best = vec![0.0f32; self.intents.len()];
        for (d, s) in ex.into_iter().enumerate() {
            let i = self.example_intent[d] as usize;
            best[i] = best[i].max(s);
        }
        let m = self.config.max_weight;
        best.iter()
            .zip(&cen)
            .map(|(b, c)| m * b + (1.0 - m) * c)
            .collect()
    }

    /// Sorted `(intent index, score, margin to the best other intent)`.
    fn ranked_scores(&self, text: &str) -> Vec<(usize, f32, f32)> {
        let scores = self.scores(text);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let first = order.first().map_or(0.0, |&i| scores[i]);
        let second = order.get(1).map_or(0.0, |&i| scores[i]);
        order
            .iter()
            .enumerate()
            .map(|(rank, &i)| {
                let other = if rank == 0 { second } else { first };
                (i, scores[i], scores[i] - other)
            })
            .collect()
    }

    /// All intents with their calibrated confidence in `[0, 1]`, best first.
    pub fn rank(&self, text: &str) -> Vec<(String, f32)> {
        self.ranked_scores(text)
            .into_iter()
            .map(|(i, s, m)| (self.intents[i].clone(), self.calibration.confidence(s, m)))
            .collect()
    }

    /// Decides whether to answer, ask a clarifying question or hand off.
    pub fn classify(&self, text: &str, thresholds: &Thresholds) -> Outcome {
        crate::model::decide(self.rank(text), thresholds)
    }

    /// Fits the calibration on held-out `(true intent, text)` pairs; `None` marks an
    /// out-of-scope question (answering it is always wrong). Logistic regression by
    /// Newton's method with a little L2 regularisation.
    pub fn calibrate(&mut self, heldout: &[(Option<&str>, &str)]) {
        let data: Vec<([f64; 3], f64)> = heldout
            .iter()
            .map(|(label, text)| {
                let (i, s, m) = self
                    .ranked_scores(text)
                    .first()
                    .copied()
                    .unwrap_or((0, 0.0, 0.0));
                let right = label.is_some_and(|l| self.intents.get(i).is_some_and(|x| x == l));
                ([s as f64, m as f64, 1.0], if right { 1.0 } else { 0.0 })
            })
            .collect();
        let mut w = [0.0f64; 3];
        for _ in 0..50 {
            let mut g = [0.0f64; 3];
            let mut h = [[0.0f64; 3]; 3];
            for (x, y) in &data {
                let z: f64 = (0..3).map(|k| w[k] * x[k]).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                for a in 0..3 {
                    g[a] += (p - y) * x[a];
                    for b in 0..3 {
                        h[a][b] += p * (1.0 - p) * x[a] * x[b];
                    }
                }
            }
            for a in 0..3 {
                g[a] += 1e-3 * w[a];
                h[a][a] += 1e-3;
            }
            let step = solve3(h, g);
            for a in 0..3 {
                w[a] -= step[a];
            }
            if step.iter().map(|s| s.abs()).sum::<f64>() < 1e-9 {
                break;
            }
        }
        self.calibration = Calibration {
            a: w[0] as f32,
            b: w[1] as f32,
            c: w[2] as f32,
        };
    }
}

fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> [f64; 3] {
    for col in 0..3 {
        let piv = (col..3)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        b.swap(col, piv);
        let d = if a[col][col].abs() < 1e-12 {
            1e-12
        } else {
            a[col][col]
        };
        for row in 0..3 {
            if row != col {
                let f = a[row][col] / d;
                let pivot_row = a[col];
                for (x, p) in a[row].iter_mut().zip(pivot_row) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
    }
    [b[0] / a[0][0], b[1] / a[1][1], b[2] / a[2][2]]
}

/// Sublinear term frequency.
fn sublinear(count: f32) -> f32 {
    1.0 + count.max(1.0).ln()
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

fn weigh(v: Vec<(u32, f32)>, idf: &[f32]) -> SparseVec {
    let v: SparseVec = v
        .into_iter()
        .map(|(f, x)| (f, x * idf[f as usize]))
        .collect();
    let norm = v.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt().max(1e-12);
    v.into_iter().map(|(f, x)| (f, x / norm)).collect()
}

fn combine(words: SparseVec, chars: SparseVec, word_weight: f32) -> SparseVec {
    let w = word_weight.sqrt();
    let c = (1.0 - word_weight).sqrt();
    let mut v: SparseVec = words.into_iter().map(|(f, x)| (f, x * w)).collect();
    v.extend(chars.into_iter().map(|(f, x)| (f, x * c)));
    v
}

/// Folds common Latin diacritics to their base letter (already lowercased input).
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ş' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ğ' => 'g',
        'ř' => 'r',
        'ť' | 'ţ' => 't',
        'ď' => 'd',
        'ß' => 's',
        _ => c,
    }
}

/// Lowercased, accent-folded tokens (apostrophes removed, so `don't` → `dont`).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch == '\'' || ch == '’' {
            continue;
        }
        if ch.is_alphanumeric() {
            cur.push(fold(ch));
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// A light English/Spanish suffix stripper for word features.
pub fn stem(word: &str) -> String {
    let n = word.len();
    if n <= 3 || !word.is_ascii() {
        return word.to_string();
    }
    if let Some(base) = word.strip_suffix("ies").filter(|_| n >= 5) {
        return format!("{base}y");
    }
    if let Some(base) = word
        .strip_suffix("ing")
        .filter(|_| n >= 6)
        .or_else(|| word.strip_suffix("ed").filter(|_| n >= 5))
    {
        // shipping → ship, planned → plan (but not called → cal).
        let b = base.as_bytes();
        let k = b.len();
        if k >= 3 && b[k - 1] == b[k - 2] && !b"aeioulsz".contains(&b[k - 1]) {
            return base[..k - 1].to_string();
        }
        return base.to_string();
    }
    if let Some(base) = word.strip_suffix("es")
        && n >= 5
        && ["s", "x", "z", "ch", "sh"]
            .iter()
            .any(|e| base.ends_with(e))
    {
        return base.to_string();
    }
    if let Some(base) = word.strip_suffix('s')
        && n >= 4
        && !["s", "u", "i"].iter().any(|e| base.ends_with(e))
    {
        return base.to_string();
    }
    word.to_string()
}

/// Function words (English and Spanish) and carrier verbs ("I want to …"): kept, but
/// down-weighted ([`STOPWORD_WEIGHT`]), and bigrams made only of them are dropped, so
/// "I want to send this back" is not pulled towards "I want to book an appointment".
pub const STOPWORDS: &[&str] = &[
    "a", "an", "the", "i", "me", "my", "im", "id", "ive", "you", "your", "we", "our", "it", "its",
    "this", "that", "these", "those", "is", "are", "was", "be", "am", "to", "of", "for", "on",
    "in", "at", "with", "and", "or", "so", "do", "does", "did", "can", "could", "would", "will",
    "want", "like", "need", "please", "just", "some", "any", "el", "la", "los", "las", "un", "una",
    "de", "del", "y", "o", "en", "mi", "mis", "tu", "su", "que", "es", "por", "para", "con",
    "quiero", "puedo", "me", "lo", "se",
];

/// Weight of a [`STOPWORDS`] unigram relative to a content word.
pub const STOPWORD_WEIGHT: f32 = 0.3;

fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

/// Weight of a [`CONCEPTS`] canonical word (`return`, `refund`, `size`) as a word
/// feature: the map is a deliberate, high-precision signal, so one shared canonical word
/// should outweigh incidental overlap such as "what are …".
pub const CONCEPT_WEIGHT: f32 = 2.0;

fn feature_weight(feature: &str) -> f32 {
    if is_stopword(feature) {
        STOPWORD_WEIGHT
    } else if CONCEPTS.iter().any(|(_, c)| *c == feature) {
        CONCEPT_WEIGHT
    } else {
        1.0
    }
}

/// Word (unigram + bigram, stemmed, plus concept tokens) and char 3–5-gram counts.
fn features(text: &str, concepts: bool) -> (HashMap<String, f32>, HashMap<String, f32>) {
    let mut tokens = tokenize(text);
    let original = tokens.len();
    if concepts {
        let joined = format!(" {} ", tokens.join(" "));
        for (phrase, canonical) in CONCEPTS {
            if joined.contains(&format!(" {phrase} ")) && !tokens.iter().any(|t| t == canonical) {
                tokens.push(canonical.to_string());
            }
        }
    }
    let mut words: HashMap<String, f32> = HashMap::new();
    let stems: Vec<String> = tokens.iter().map(|t| stem(t)).collect();
    for (i, s) in stems.iter().enumerate() {
        *words.entry(s.clone()).or_insert(0.0) += 1.0;
        if let Some(next) = stems.get(i + 1)
            && i + 1 < original
            && !(is_stopword(s) && is_stopword(next))
        {
            *words.entry(format!("{s} {next}")).or_insert(0.0) += 1.0;
        }
    }
    // Character n-grams come from content words only (all words if there are none).
    let content = tokens.iter().any(|t| !is_stopword(t));
    let mut chars: HashMap<String, f32> = HashMap::new();
    for t in tokens.iter().filter(|t| !content || !is_stopword(t)) {
        let cs: Vec<char> = format!(" {t} ").chars().collect();
        for len in 3..=5 {
            for win in cs.windows(len) {
                *chars.entry(win.iter().collect()).or_insert(0.0) += 1.0;
            }
        }
    }
    // Sublinear term frequency, then the per-feature weight.
    for (f, tf) in words.iter_mut() {
        *tf = sublinear(*tf) * feature_weight(f);
    }
    for tf in chars.values_mut() {
        *tf = sublinear(*tf);
    }
    (words, chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: &[(&str, &str)] = &[
        ("returns", "I'd like to return an item I bought"),
        ("returns", "How do returns work?"),
        ("returns", "Can I get a refund for my purchase?"),
        ("returns", "The shoes are too small, can I exchange them?"),
        ("returns", "Can I exchange it for a different size?"),
        ("returns", "Quiero devolver un producto"),
        ("order_tracking", "Where is my order?"),
        ("order_tracking", "Can you track my package?"),
        ("order_tracking", "My order hasn't arrived yet"),
        ("order_tracking", "¿Dónde está mi pedido?"),
        ("store_hours", "What time do you open?"),
        ("store_hours", "When does the store close today?"),
        ("store_hours", "Are you open on Sundays?"),
        ("store_hours", "What are your opening hours?"),
        ("shipping", "How much does shipping cost?"),
        ("shipping", "Do you ship internationally?"),
        ("shipping", "How long does delivery take?"),
        ("shipping", "Is there free shipping on large orders?"),
        ("account_billing", "I was charged twice on my card"),
        ("account_billing", "How do I update my payment method?"),
        ("account_billing", "I forgot my account password"),
        (
            "account_billing",
            "Can I get an invoice for my last payment?",
        ),
        ("appointments", "I want to book an appointment"),
        ("appointments", "Can I reschedule my appointment to Friday?"),
        ("appointments", "Cancel my appointment please"),
        ("appointments", "Quiero reservar una cita"),
    ];

    fn matcher() -> Matcher {
        Matcher::train(KB)
    }

    #[test]
    fn return_paraphrases_are_one_intent() {
        let m = matcher();
        for q in [
            "I want to send this back",
            "how do I return my purchase",
            "this item doesn't fit, what are my options?",
        ] {
            let ranked = m.rank(q);
            assert_eq!(ranked[0].0, "returns", "{q}: {ranked:?}");
            assert!(ranked[0].1 > 1.5 * ranked[1].1, "{q}: {ranked:?}");
        }
        // The two with a shared or mapped content word are acted on, not handed off.
        for q in ["I want to send this back", "how do I return my purchase"] {
            match m.classify(q, &Thresholds::default()) {
                Outcome::Answer { intent, .. } => assert_eq!(intent, "returns", "{q}"),
                Outcome::Clarify { candidates } => {
                    assert_eq!(candidates[0].0, "returns", "{q}")
                }
                Outcome::Handoff { best } => panic!("{q} handed off: {best:?}"),
            }
        }
    }

    #[test]
    fn clear_questions_are_answered() {
        let m = matcher();
        for (q, want) in [
            ("how do I return my purchase", "returns"),
            ("where is my order", "order_tracking"),
            ("what are your opening hours on sunday", "store_hours"),
            ("quiero reservar una cita para el viernes", "appointments"),
        ] {
            match m.classify(q, &Thresholds::default()) {
                Outcome::Answer { intent, confidence } => {
                    assert_eq!(intent, want, "{q}");
                    assert!(confidence >= Thresholds::default().answer);
                }
                other => panic!("{q}: expected an answer, got {other:?}"),
            }
        }
    }

    #[test]
    fn spanish_accents_are_folded() {
        let m = matcher();
        assert_eq!(m.rank("donde esta mi pedido")[0].0, "order_tracking");
        assert_eq!(m.rank("DEVOLUCIÓN de un producto")[0].0, "returns");
    }

    #[test]
    fn out_of_scope_hands_off() {
        let m = matcher();
        for q in [
            "what's the capital of France?",
            "tell me a joke about penguins",
        ] {
            match m.classify(q, &Thresholds::default()) {
                Outcome::Handoff { .. } => {}
                other => panic!("{q}: expected handoff, got {other:?}"),
            }
        }
    }

    #[test]
    fn near_tie_asks_to_clarify() {
        let m = matcher();
        let q = "delivery of my package";
        match m.classify(q, &Thresholds::default()) {
            Outcome::Clarify { candidates } => {
                assert!((2..=3).contains(&candidates.len()), "{candidates:?}");
                let names: Vec<&str> = candidates.iter().map(|c| c.0.as_str()).collect();
                assert!(names.contains(&"order_tracking"), "{names:?}");
                assert!(names.contains(&"shipping"), "{names:?}");
                assert!(candidates.windows(2).all(|w| w[0].1 >= w[1].1));
            }
            other => panic!("expected clarify, got {other:?} ({:?})", m.rank(q)),
        }
    }

    #[test]
    fn confidences_are_probabilities_and_sorted() {
        let m = matcher();
        for q in [
            "",
            "!!!",
            "where is my order",
            "what's the capital of France?",
        ] {
            let ranked = m.rank(q);
            assert_eq!(ranked.len(), 6);
            assert!(
                ranked.iter().all(|(_, c)| (0.0..=1.0).contains(c)),
                "{ranked:?}"
            );
            assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "{ranked:?}");
        }
    }

    #[test]
    fn thresholds_drive_the_outcome() {
        let m = matcher();
        let q = "how do I return my purchase";
        let always = Thresholds {
            answer: 0.0,
            clarify: 0.0,
        };
        assert!(matches!(m.classify(q, &always), Outcome::Answer { .. }));
        let never = Thresholds {
            answer: 1.1,
            clarify: 1.1,
        };
        assert!(matches!(
            m.classify(q, &never),
            Outcome::Handoff { best: Some(_) }
        ));
        let empty = Matcher::train(&[]);
        assert_eq!(
            empty.classify(q, &Thresholds::default()),
            Outcome::Handoff { best: None }
        );
    }

    #[test]
    fn calibration_fits_held_out_data() {
        let mut m = matcher();
        let heldout: Vec<(Option<&str>, &str)> = vec![
            (Some("returns"), "i need to return these shoes"),
            (
                Some("order_tracking"),
                "has my package shipped, where is it",
            ),
            (Some("store_hours"), "are you open late tonight"),
            (Some("shipping"), "what does delivery cost"),
            (Some("account_billing"), "you charged my card twice"),
            (Some("appointments"), "book me an appointment for monday"),
            (None, "who won the football match"),
            (None, "what is the weather like in paris"),
        ];
        m.calibrate(&heldout);
        let c = m.calibration();
        assert!(c.a.is_finite() && c.b.is_finite() && c.c.is_finite());
        // Similar in-scope text should be more confident than out-of-scope text.
        let inside = m.rank("i need to return my shoes")[0].1;
        let outside = m.rank("who won the match")[0].1;
        assert!(inside > outside, "{inside} vs {outside}");
    }

    #[test]
    fn stemming_and_tokenizing() {
        assert_eq!(
            tokenize("Doesn't FIT—¿Devolución?"),
            ["doesnt", "fit", "devolucion"]
        );
        assert_eq!(stem("returns"), "return");
        assert_eq!(stem("returning"), "return");
        assert_eq!(stem("deliveries"), "delivery");
        assert_eq!(stem("class"), "class");
        assert_eq!(stem("this"), "this");
        assert_eq!(stem("shoes"), "shoe");
        assert_eq!(stem("boxes"), "box");
        assert_eq!(stem("shipping"), "ship");
        assert_eq!(stem("called"), "call");
    }

    #[test]
    fn training_is_fast() {
        let texts: Vec<String> = (0..5000)
            .map(|i| format!("example question number {i} about topic {}", i % 150))
            .collect();
        let labels: Vec<String> = (0..5000).map(|i| format!("intent{}", i % 150)).collect();
        let kb: Vec<(&str, &str)> = labels
            .iter()
            .zip(&texts)
            .map(|(l, t)| (l.as_str(), t.as_str()))
            .collect();
        let t0 = std::time::Instant::now();
        let m = Matcher::train(&kb);
        // Generous bound: unoptimised test builds are ~10x slower than release.
        assert!(t0.elapsed().as_secs_f32() < 5.0, "{:?}", t0.elapsed());
        assert_eq!(m.intents().len(), 150);
    }
}
