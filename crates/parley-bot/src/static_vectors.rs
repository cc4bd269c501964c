//! Static token vectors compiled into the binary, for the built-in matcher's dense feature
//! block: all-MiniLM-L6-v2 distilled the Model2Vec way (each WordPiece token run through
//! the encoder on its own, reduced to 256 dimensions by PCA, weighted by log(1 + token
//! id), int8; `data/make_static_vectors.py` and the `distill_static` example rebuild it).
//!
//! A sentence's vector is the mean of its tokens' vectors, so "send it back" and "return
//! my purchase" land near each other although they share no word or letters: knowledge of
//! English the few examples of a knowledge base cannot teach. No model runs at start-up or
//! per message; a sentence costs one table lookup per token.

use std::collections::HashMap;
use std::sync::LazyLock;

const TOKENS: &str = include_str!("../data/static_tokens.txt");
const VECTORS: &[u8] = include_bytes!("../data/static_vectors.bin");
/// BERT's limit: longer "words" are one unknown token.
const MAX_WORD_CHARS: usize = 100;

struct Table {
    ids: HashMap<&'static str, u32>,
    unknown: Option<u32>,
    dims: usize,
    scales: Vec<f32>,
    rows: &'static [u8],
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let ids: HashMap<&'static str, u32> = TOKENS
        .lines()
        .enumerate()
        .map(|(i, t)| (t, i as u32))
        .collect();
    // The file is generated and checked in; a malformed one is a build defect that the
    // tests catch, not a user error.
    assert_eq!(&VECTORS[..4], b"PSV1", "static_vectors.bin: bad magic");
    let word = |at: usize| u32::from_le_bytes(VECTORS[at..at + 4].try_into().unwrap()) as usize;
    let (n, dims) = (word(4), word(8));
    assert_eq!(
        n,
        ids.len(),
        "static_vectors.bin and static_tokens.txt disagree"
    );
    let scales_end = 12 + 4 * n;
    assert_eq!(
        VECTORS.len(),
        scales_end + n * dims,
        "static_vectors.bin: bad size"
    );
    let scales = VECTORS[12..scales_end]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    Table {
        unknown: ids.get("[UNK]").copied(),
        ids,
        dims,
        scales,
        rows: &VECTORS[scales_end..],
    }
});

/// Width of the vectors.
pub fn dims() -> usize {
    TABLE.dims
}

/// BERT's basic tokenizer: lowercase, Latin accents folded, split on white space, every
/// punctuation mark its own token.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            cur.push(crate::matcher::fold(ch));
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !ch.is_whitespace() && !ch.is_control() {
            out.push(ch.to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Greedy longest-match-first WordPiece, as BERT does it.
fn pieces(t: &Table, word: &str, out: &mut Vec<u32>) {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() > MAX_WORD_CHARS {
        out.extend(t.unknown);
        return;
    }
    let start_len = out.len();
    let mut start = 0;
    while start < chars.len() {
        let mut end = chars.len();
        let mut found = None;
        while start < end {
            let mut piece: String = chars[start..end].iter().collect();
            if start > 0 {
                piece.insert_str(0, "##");
            }
            if let Some(&id) = t.ids.get(piece.as_str()) {
                found = Some(id);
                break;
            }
            end -= 1;
        }
        match found {
            Some(id) => {
                out.push(id);
                start = end;
            }
            None => {
                out.truncate(start_len);
                out.extend(t.unknown);
                return;
            }
        }
    }
}

/// The WordPiece ids of `text`.
pub fn token_ids(text: &str) -> Vec<u32> {
    let t = &*TABLE;
    let mut ids = Vec::new();
    for w in words(text) {
        pieces(t, &w, &mut ids);
    }
    ids
}

/// The L2-normalised mean of `text`'s token vectors; `None` for a text with no tokens.
pub fn sentence(text: &str) -> Option<Vec<f32>> {
    let t = &*TABLE;
    let ids = token_ids(text);
    if ids.is_empty() {
        return None;
    }
    let mut sum = vec![0.0f32; t.dims];
    for id in ids {
        let i = id as usize;
        let scale = t.scales[i];
        let row = &t.rows[i * t.dims..(i + 1) * t.dims];
        for (s, &q) in sum.iter_mut().zip(row) {
            *s += scale * f32::from(q as i8);
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm <= 1e-12 {
        return None;
    }
    sum.iter_mut().for_each(|x| *x /= norm);
    Some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &str, b: &str) -> f32 {
        let (x, y) = (sentence(a).unwrap(), sentence(b).unwrap());
        x.iter().zip(&y).map(|(p, q)| p * q).sum()
    }

    #[test]
    fn the_table_loads_and_splits_words_like_bert() {
        assert_eq!(dims(), 256);
        let t = &*TABLE;
        let id = |s: &str| t.ids[s];
        assert_eq!(
            token_ids("Hello, world"),
            vec![id("hello"), id(","), id("world")]
        );
        // An unknown word is split into known pieces.
        let ids = token_ids("refundability");
        assert!(ids.len() >= 2, "{ids:?}");
        assert!(!ids.contains(&id("[UNK]")));
        assert_eq!(token_ids("  "), Vec::<u32>::new());
        assert!(sentence("").is_none());
        assert_eq!(token_ids("Café"), token_ids("cafe"));
    }

    #[test]
    fn paraphrases_with_no_word_in_common_are_close() {
        // Meaning, not spelling: the two paraphrases share no content word.
        let near = cos("i want to send this back", "how do i return my purchase");
        let far = cos("i want to send this back", "what is the weather tomorrow");
        assert!(near > far + 0.1, "near {near}, far {far}");
        let near = cos("my card was declined", "the payment did not go through");
        let far = cos("my card was declined", "what time do you open");
        assert!(near > far + 0.1, "near {near}, far {far}");
    }
}
