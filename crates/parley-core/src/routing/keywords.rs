//! Word and phrase matching shared by routing, triage and escalation.
//!
//! Customers type on phones: mixed case, missing accents ("reclamacao" for
//! "reclamação"), doubled spaces. Both the keywords and the message go through
//! [`normalize`] so they meet in the same form, and a match only counts on
//! word boundaries, so "refund" does not fire inside "refunded" and "sue" not
//! inside "issue". All keywords of one owner set live in one Aho-Corasick
//! automaton, so a message is scanned once however many keywords there are.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Lowercases, strips Latin diacritics, maps typographic apostrophes to `'`
/// and collapses whitespace runs to one space (trimmed at both ends).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Start as if after a space so leading whitespace is dropped.
    let mut last_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lc in c.to_lowercase() {
            fold(lc, &mut out);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Pushes `c` without its diacritic (for the Latin letters our customers'
/// languages use); combining marks from decomposed text are dropped.
fn fold(c: char, out: &mut String) {
    let base = match c {
        '\u{300}'..='\u{36f}' => return,
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ß' => {
            out.push_str("ss");
            return;
        }
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '´' => '\'',
        other => other,
    };
    out.push(base);
}

/// A character that forms words with its neighbours. Scripts written without
/// spaces (Chinese, Japanese, Thai…) have no word boundaries to check.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_unspaced_script(c)
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0e00}'..='\u{0eff}'   // Thai, Lao
        | '\u{1000}'..='\u{109f}' // Myanmar
        | '\u{1780}'..='\u{17ff}' // Khmer
        | '\u{3040}'..='\u{30ff}' // Hiragana, Katakana
        | '\u{3400}'..='\u{9fff}' // CJK
        | '\u{ac00}'..='\u{d7af}' // Hangul (spaced, but particles attach)
        | '\u{f900}'..='\u{faff}')
}

/// One distinct normalized keyword and whether its ends need word boundaries.
#[derive(Debug, Clone)]
struct Entry {
    text: String,
    bound_start: bool,
    bound_end: bool,
}

/// A set of keywords, each tagged with the owners that use it (a rule index,
/// a priority, an issue type…). Built once; scanned per message.
#[derive(Debug, Clone)]
pub struct KeywordSet {
    ac: Option<AhoCorasick>,
    entries: Vec<Entry>,
    /// `owners[i]`: owner ids of entry `i`, in the order they were added.
    owners: Vec<Vec<u32>>,
}

/// A keyword found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the distinct keyword (see [`KeywordSet::keyword`]).
    pub keyword: usize,
    /// Byte offset in the normalized text.
    pub start: usize,
}

/// Collects keywords for a [`KeywordSet`].
#[derive(Debug, Default)]
pub struct KeywordSetBuilder {
    entries: Vec<Entry>,
    owners: Vec<Vec<u32>>,
    index: std::collections::HashMap<String, usize>,
}

impl KeywordSetBuilder {
    /// Adds `keyword` for `owner`; returns the distinct keyword index, or
    /// `None` when the keyword normalizes to nothing.
    pub fn add(&mut self, keyword: &str, owner: u32) -> Option<usize> {
        let text = normalize(keyword);
        if text.is_empty() {
            return None;
        }
        let i = match self.index.get(&text) {
            Some(&i) => i,
            None => {
                let i = self.entries.len();
                let first = text.chars().next().unwrap_or(' ');
                let last = text.chars().next_back().unwrap_or(' ');
                self.entries.push(Entry {
                    bound_start: is_word_char(first),
                    bound_end: is_word_char(last),
                    text: text.clone(),
                });
                self.owners.push(Vec::new());
                self.index.insert(text, i);
                i
            }
        };
        if !self.owners[i].contains(&owner) {
            self.owners[i].push(owner);
        }
        Some(i)
    }

    pub fn build(self) -> KeywordSet {
        let ac = if self.entries.is_empty() {
            None
        } else {
            // Standard semantics so overlapping search reports every keyword
            // ending at each position: a longer keyword that fails the
            // boundary check must not hide a shorter one that passes.
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(self.entries.iter().map(|e| e.text.as_str()))
                    .expect("keyword automaton within size limits"),
            )
        };
        KeywordSet {
            ac,
            entries: self.entries,
            owners: self.owners,
        }
    }
}

impl KeywordSet {
    pub fn builder() -> KeywordSetBuilder {
        KeywordSetBuilder::default()
    }

    /// A set where every keyword has owner 0.
    pub fn new<I, S>(keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut b = Self::builder();
        for k in keywords {
            b.add(k.as_ref(), 0);
        }
        b.build()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The normalized text of distinct keyword `i`.
    pub fn keyword(&self, i: usize) -> &str {
        &self.entries[i].text
    }

    /// The owners of distinct keyword `i`.
    pub fn owners(&self, i: usize) -> &[u32] {
        &self.owners[i]
    }

    /// Calls `f` for every keyword occurring on word boundaries in
    /// `normalized` (which must come from [`normalize`]), in order of end
    /// position.
    pub fn for_each_hit(&self, normalized: &str, mut f: impl FnMut(Hit)) {
        let Some(ac) = &self.ac else { return };
        let bytes = normalized.as_bytes();
        for m in ac.find_overlapping_iter(normalized) {
            let e = &self.entries[m.pattern().as_usize()];
            if e.bound_start && starts_word_before(bytes, normalized, m.start()) {
                continue;
            }
            if e.bound_end && word_continues_after(normalized, m.end()) {
                continue;
            }
            f(Hit {
                keyword: m.pattern().as_usize(),
                start: m.start(),
            });
        }
    }

    /// The earliest-starting keyword in `normalized`, if any.
    pub fn first_hit(&self, normalized: &str) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        self.for_each_hit(normalized, |h| {
            // Earliest start wins; at equal starts the longer keyword, which
            // is reported later, is the more specific one.
            if best.is_none_or(|b| h.start <= b.start) {
                best = Some(h);
            }
        });
        best
    }
}

fn starts_word_before(bytes: &[u8], s: &str, start: usize) -> bool {
    if start == 0 {
        return false;
    }
    if bytes[start - 1].is_ascii() {
        return bytes[start - 1].is_ascii_alphanumeric();
    }
    s[..start].chars().next_back().is_some_and(is_word_char)
}

fn word_continues_after(s: &str, end: usize) -> bool {
    s[end..].chars().next().is_some_and(is_word_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_accents_and_spaces() {
        assert_eq!(
            normalize("  Reclamação   URGENTE\n já! "),
            "reclamacao urgente ja!"
        );
        assert_eq!(
            normalize("Ich MÖCHTE mit dem Geschäftsführer"),
            "ich mochte mit dem geschaftsfuhrer"
        );
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("I\u{2019}d like"), "i'd like");
        // Decomposed "é" (e + combining acute) folds like the composed one.
        assert_eq!(normalize("cafe\u{301}"), "cafe");
    }

    #[test]
    fn matches_on_word_boundaries_only() {
        let set = KeywordSet::new(["refund", "sue", "charged twice"]);
        let hits = |t: &str| {
            let mut v = Vec::new();
            set.for_each_hit(&normalize(t), |h| {
                v.push(set.keyword(h.keyword).to_string())
            });
            v
        };
        assert_eq!(hits("I want a REFUND!"), ["refund"]);
        assert!(hits("it was refunded").is_empty());
        assert!(
            hits("an issue with my order").is_empty(),
            "sue inside issue"
        );
        assert_eq!(hits("I was Charged   twice."), ["charged twice"]);
        assert_eq!(hits("sue, refund"), ["sue", "refund"]);
    }

    #[test]
    fn a_failed_long_match_does_not_hide_a_short_one() {
        let set = KeywordSet::new(["login", "login errors"]);
        let mut v = Vec::new();
        set.for_each_hit(&normalize("login errorsx"), |h| {
            v.push(set.keyword(h.keyword))
        });
        assert_eq!(v, ["login"]);
    }

    #[test]
    fn accents_in_keywords_and_text_meet() {
        let set = KeywordSet::new(["reclamação", "reembolso"]);
        assert!(
            set.first_hit(&normalize("quero fazer uma reclamacao"))
                .is_some()
        );
        assert!(set.first_hit(&normalize("REEMBOLSÓ ya")).is_some());
    }

    #[test]
    fn owners_are_kept_per_keyword() {
        let mut b = KeywordSet::builder();
        assert_eq!(b.add("Refund", 3), Some(0));
        assert_eq!(b.add("refund", 5), Some(0));
        assert_eq!(b.add("  ", 1), None);
        let set = b.build();
        assert_eq!(set.owners(0), &[3, 5]);
    }

    #[test]
    fn unspaced_scripts_match_inside_text() {
        let set = KeywordSet::new(["退款"]);
        assert!(set.first_hit(&normalize("我要退款谢谢")).is_some());
    }

    #[test]
    fn first_hit_is_the_earliest() {
        let set = KeywordSet::new(["crash", "error"]);
        let h = set.first_hit(&normalize("error then crash")).unwrap();
        assert_eq!(set.keyword(h.keyword), "error");
    }
}
