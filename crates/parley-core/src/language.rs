//! Language detection of customer messages.
//!
//! WhatsApp messages are often a word or two ("ok", "hola", "👍"), which no
//! statistical detector can place. [`detect`] therefore reports whether its
//! guess is [`reliable`](Detected::reliable), and [`choose`] decides which
//! language a ticket gets: a reliable detection, else the language already
//! stored for the contact, else an unreliable guess from a long enough text.
//!
//! Two engines: `lingua` for the languages compiled in ([`LINGUA_LANGUAGES`],
//! the ones WhatsApp help desks meet most), because it places short
//! sentences that whatlang gets wrong ("Hola, me cobraron dos veces la
//! factura" reads as French to whatlang, as Spanish at 0.93 to lingua); and
//! `whatlang` for the rest of [`DEFAULT_LANGUAGES`] (mostly languages with
//! their own script, which it tells apart well) and for custom sets.

use std::sync::OnceLock;

use lingua::{IsoCode639_1, Language as LinguaLang, LanguageDetectorBuilder};
use whatlang::{Detector, Lang};

/// Languages [`detect`] chooses among (ISO 639-1): the ones help desks on
/// WhatsApp meet most, minus near neighbours that steal their detections.
pub const DEFAULT_LANGUAGES: &[&str] = &[
    "en", "es", "pt", "fr", "de", "it", "nl", "id", "ar", "hi", "bn", "ur", "ru", "uk", "pl", "tr",
    "fa", "vi", "th", "zh", "ja", "ko", "he", "el", "ro", "hu", "cs", "sv", "da", "fi", "nb",
];

/// The languages lingua's models are compiled in for (see the workspace
/// Cargo.toml; each costs about 4 MB of binary).
pub const LINGUA_LANGUAGES: &[&str] = &[
    "en", "es", "pt", "fr", "de", "it", "id", "nl", "tr", "ru", "ar", "hi",
];

/// lingua's confidence is a probability among the candidate languages; a
/// sentence of a dozen letters at 0.5 is placed right in practice, while
/// "hola" (0.20) or "ok thanks" (0.52, 8 letters) are not to be trusted.
const LINGUA_RELIABLE: (usize, f64) = (12, 0.5);
/// Below this lingua is guessing (e.g. the text is in another script).
const LINGUA_FLOOR: f64 = 0.2;

/// whatlang's confidence is relative to the runner-up and stays low on
/// short texts even when right (a clear 57-letter English sentence scores
/// 0.26), so reliability weighs confidence against length: a confident
/// guess from a sentence, or a modest one from a paragraph.
const RELIABLE: [(usize, f64); 2] = [(15, 0.5), (40, 0.2)];
/// An unreliable guess is used (when the contact has no stored language)
/// only from this many letters and this confidence.
pub const GUESS_MIN_LETTERS: usize = 15;
pub const GUESS_MIN_CONFIDENCE: f64 = 0.1;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detected {
    /// ISO 639-1 code ("en", "es", "pt"…), or ISO 639-3 where there is none.
    pub lang: &'static str,
    /// The engine's confidence, 0..=1.
    pub confidence: f64,
    /// Confident enough, for the text's length, to act on alone.
    pub reliable: bool,
    /// Letters in the text (digits, emoji and punctuation do not count).
    pub letters: usize,
}

/// A detector limited to a set of languages.
pub struct LanguageDetector {
    /// lingua, for the requested languages it has models for.
    lingua: Option<lingua::LanguageDetector>,
    /// whatlang, for the requested languages lingua does not cover.
    whatlang: Option<Detector>,
}

fn lingua_language(code: &str) -> Option<LinguaLang> {
    if !LINGUA_LANGUAGES.contains(&code) {
        return None;
    }
    let iso: IsoCode639_1 = code.parse().ok()?;
    Some(LinguaLang::from_iso_code_639_1(&iso))
}

impl LanguageDetector {
    /// `languages`: ISO 639-1 (or 639-3) codes; an unknown code is an error.
    pub fn new(languages: &[&str]) -> Result<LanguageDetector, String> {
        let mut with_lingua = Vec::new();
        let mut with_whatlang = Vec::new();
        for code in languages {
            let code = code.trim().to_ascii_lowercase();
            if let Some(l) = lingua_language(&code) {
                with_lingua.push(l);
                continue;
            }
            let lang = Lang::all()
                .iter()
                .find(|l| l.code() == code || iso639_1(l.code()) == code)
                .ok_or_else(|| format!("unknown language code {code:?}"))?;
            with_whatlang.push(*lang);
        }
        if with_lingua.is_empty() && with_whatlang.is_empty() {
            return Err("no languages to detect".into());
        }
        // lingua needs two languages to compare; with one, whatlang decides.
        if with_lingua.len() == 1 {
            let code = with_lingua[0].iso_code_639_1().to_string();
            if let Some(l) = Lang::all().iter().find(|l| iso639_1(l.code()) == code) {
                with_whatlang.push(*l);
            }
            with_lingua.clear();
        }
        Ok(LanguageDetector {
            lingua: (!with_lingua.is_empty()).then(|| {
                LanguageDetectorBuilder::from_languages(&with_lingua)
                    .with_preloaded_language_models()
                    .build()
            }),
            whatlang: (!with_whatlang.is_empty()).then(|| Detector::with_allowlist(with_whatlang)),
        })
    }

    /// Detects the language of `text`; `None` when there is nothing to go
    /// on (no letters at all).
    pub fn detect(&self, text: &str) -> Option<Detected> {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters == 0 {
            return None;
        }
        if let Some(lingua) = &self.lingua
            && let Some((lang, confidence)) = lingua
                .compute_language_confidence_values(text)
                .into_iter()
                .next()
            && confidence >= LINGUA_FLOOR
        {
            let code = LINGUA_LANGUAGES
                .iter()
                .find(|c| **c == lang.iso_code_639_1().to_string())
                .copied()?;
            return Some(Detected {
                lang: code,
                confidence,
                reliable: letters >= LINGUA_RELIABLE.0 && confidence >= LINGUA_RELIABLE.1,
                letters,
            });
        }
        let info = self.whatlang.as_ref()?.detect(text)?;
        let confidence = info.confidence();
        Some(Detected {
            lang: iso639_1(info.lang().code()),
            confidence,
            reliable: RELIABLE
                .iter()
                .any(|&(n, c)| letters >= n && confidence >= c),
            letters,
        })
    }
}

/// Detects the language of `text` among [`DEFAULT_LANGUAGES`].
pub fn detect(text: &str) -> Option<Detected> {
    static DEFAULT: OnceLock<LanguageDetector> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            LanguageDetector::new(DEFAULT_LANGUAGES).expect("default languages are known")
        })
        .detect(text)
}

/// Picks the ticket's language and says why. `stored` is the contact's
/// language from earlier conversations (or set by an agent).
pub fn choose(detected: Option<&Detected>, stored: Option<&str>) -> (Option<String>, String) {
    let stored = stored.map(str::trim).filter(|s| !s.is_empty());
    match (detected, stored) {
        (Some(d), _) if d.reliable => (
            Some(d.lang.to_string()),
            format!("detected {} (confidence {:.2})", d.lang, d.confidence),
        ),
        (Some(d), Some(s)) => (
            Some(s.to_string()),
            format!(
                "contact's stored language {s}; detection {} unreliable (confidence {:.2}, {} letters)",
                d.lang, d.confidence, d.letters
            ),
        ),
        (None, Some(s)) => (
            Some(s.to_string()),
            format!("contact's stored language {s}; nothing to detect"),
        ),
        (Some(d), None)
            if d.letters >= GUESS_MIN_LETTERS && d.confidence >= GUESS_MIN_CONFIDENCE =>
        {
            (
                Some(d.lang.to_string()),
                format!(
                    "guessed {} (confidence {:.2}, {} letters); no stored language",
                    d.lang, d.confidence, d.letters
                ),
            )
        }
        (Some(d), None) => (
            None,
            format!(
                "unknown: {} guessed from {} letters at confidence {:.2}, too little to go on, and no stored language",
                d.lang, d.letters, d.confidence
            ),
        ),
        (None, None) => (
            None,
            "unknown: no text to detect and no stored language".to_string(),
        ),
    }
}

/// Maps whatlang's ISO 639-3 code to ISO 639-1 where one exists (every
/// language whatlang 0.18 knows has one; new ones keep their 639-3 code).
fn iso639_1(code: &'static str) -> &'static str {
    match code {
        "afr" => "af",
        "aka" => "ak",
        "amh" => "am",
        "ara" => "ar",
        "aze" => "az",
        "bel" => "be",
        "ben" => "bn",
        "bul" => "bg",
        "cat" => "ca",
        "ces" => "cs",
        "cmn" => "zh",
        "cym" => "cy",
        "dan" => "da",
        "deu" => "de",
        "ell" => "el",
        "eng" => "en",
        "epo" => "eo",
        "est" => "et",
        "fin" => "fi",
        "fra" => "fr",
        "guj" => "gu",
        "heb" => "he",
        "hin" => "hi",
        "hrv" => "hr",
        "hun" => "hu",
        "hye" => "hy",
        "ind" => "id",
        "ita" => "it",
        "jav" => "jv",
        "jpn" => "ja",
        "kan" => "kn",
        "kat" => "ka",
        "khm" => "km",
        "kor" => "ko",
        "lat" => "la",
        "lav" => "lv",
        "lit" => "lt",
        "mal" => "ml",
        "mar" => "mr",
        "mkd" => "mk",
        "mya" => "my",
        "nep" => "ne",
        "nld" => "nl",
        "nob" => "nb",
        "ori" => "or",
        "pan" => "pa",
        "pes" => "fa",
        "pol" => "pl",
        "por" => "pt",
        "ron" => "ro",
        "rus" => "ru",
        "sin" => "si",
        "slk" => "sk",
        "slv" => "sl",
        "sna" => "sn",
        "spa" => "es",
        "srp" => "sr",
        "swe" => "sv",
        "tam" => "ta",
        "tel" => "te",
        "tgl" => "tl",
        "tha" => "th",
        "tuk" => "tk",
        "tur" => "tr",
        "ukr" => "uk",
        "urd" => "ur",
        "uzb" => "uz",
        "vie" => "vi",
        "yid" => "yi",
        "zul" => "zu",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_languages_with_two_letter_codes() {
        let cases = [
            (
                "en",
                "Hello, I was charged twice for my order and I would like a refund please",
            ),
            (
                "es",
                "Hola, me cobraron dos veces el pedido y quisiera que me devuelvan el dinero",
            ),
            (
                "pt",
                "Olá, fui cobrado duas vezes pelo pedido e gostaria de receber o reembolso",
            ),
            (
                "de",
                "Hallo, mir wurde die Bestellung zweimal berechnet und ich möchte mein Geld zurück",
            ),
            (
                "fr",
                "Bonjour, ma commande a été facturée deux fois et je voudrais être remboursé",
            ),
            (
                "it",
                "Buongiorno, l'ordine mi è stato addebitato due volte e vorrei un rimborso",
            ),
            (
                "id",
                "Halo, pesanan saya ditagih dua kali dan saya ingin uang saya dikembalikan",
            ),
            (
                "ru",
                "Здравствуйте, с меня дважды списали деньги за заказ, верните пожалуйста",
            ),
            (
                "ar",
                "مرحبا، تم خصم المبلغ مرتين من حسابي وأريد استرداد أموالي من فضلكم",
            ),
            (
                "tr",
                "Merhaba, siparişim için iki kez ücret alındı, lütfen iade edin",
            ),
            (
                "nl",
                "Hallo, ik ben twee keer betaald voor mijn bestelling, graag terugbetaling",
            ),
            ("hi", "नमस्ते, मेरे ऑर्डर के लिए दो बार पैसे काटे गए, कृपया रिफंड करें"),
            ("en", "I need help with my account"),
        ];
        for (want, text) in cases {
            let d = detect(text).unwrap_or_else(|| panic!("no detection for {want}"));
            assert_eq!(d.lang, want, "{text}");
            assert!(d.reliable, "{want} should be reliable: {d:?}");
        }
    }

    #[test]
    fn a_custom_language_set() {
        let tl = LanguageDetector::new(&["tl", "en"]).unwrap();
        let d = tl
            .detect("Kumusta, dalawang beses akong siningil para sa order ko, gusto ko ng refund")
            .unwrap();
        assert_eq!(d.lang, "tl");
        assert_eq!(
            LanguageDetector::new(&["xx"]).err().unwrap(),
            "unknown language code \"xx\""
        );
    }

    #[test]
    fn short_messages_are_unreliable() {
        for text in ["ok", "hola", "gracias!", "sim", "obrigado", "ok thanks"] {
            if let Some(d) = detect(text) {
                assert!(!d.reliable, "{text:?} → {d:?}");
            }
        }
        assert_eq!(detect("👍 123 !!"), None);
    }

    #[test]
    fn short_whatsapp_sentences_are_placed() {
        // whatlang read the first as French and the second as Portuguese.
        for (want, text) in [
            ("es", "Hola, me cobraron dos veces la factura"),
            ("fr", "Bonjour, je n'ai pas reçu ma commande"),
            ("es", "Necesito ayuda con mi pedido por favor"),
            ("en", "my order hasn't arrived yet"),
            ("id", "Saya mau bicara dengan manusia"),
        ] {
            let d = detect(text).unwrap();
            assert_eq!(d.lang, want, "{text}");
            assert!(d.reliable, "{text} → {d:?}");
        }
        // Scripts outside lingua's set still get a language from whatlang.
        assert_eq!(
            detect("您好，我的订单还没有到，请帮我查一下").unwrap().lang,
            "zh"
        );
    }

    #[test]
    fn choose_prefers_reliable_then_stored_then_long_guess() {
        let reliable = Detected {
            lang: "es",
            confidence: 1.0,
            reliable: true,
            letters: 40,
        };
        let (lang, why) = choose(Some(&reliable), Some("pt"));
        assert_eq!(lang.as_deref(), Some("es"));
        assert_eq!(why, "detected es (confidence 1.00)");

        let shaky = Detected {
            lang: "it",
            confidence: 0.3,
            reliable: false,
            letters: 5,
        };
        let (lang, why) = choose(Some(&shaky), Some("pt"));
        assert_eq!(lang.as_deref(), Some("pt"));
        assert!(
            why.starts_with("contact's stored language pt; detection it unreliable"),
            "{why}"
        );

        let (lang, why) = choose(Some(&shaky), None);
        assert_eq!(lang, None);
        assert_eq!(
            why,
            "unknown: it guessed from 5 letters at confidence 0.30, too little to go on, and no stored language"
        );
        let wild = Detected {
            letters: 30,
            confidence: 0.03,
            ..shaky
        };
        assert_eq!(choose(Some(&wild), None).0, None, "long but hopeless");

        let longer = Detected {
            letters: 15,
            confidence: 0.12,
            ..shaky
        };
        let (lang, why) = choose(Some(&longer), None);
        assert_eq!(lang.as_deref(), Some("it"));
        assert!(why.starts_with("guessed it"), "{why}");

        assert_eq!(choose(None, Some(" de ")).0.as_deref(), Some("de"));
        assert_eq!(choose(None, Some("")).0, None);
    }

    #[test]
    fn end_to_end_short_reply_keeps_the_contacts_language() {
        let (lang, _) = choose(detect("ok").as_ref(), Some("es"));
        assert_eq!(lang.as_deref(), Some("es"));
    }

    #[test]
    fn every_whatlang_language_maps_to_a_two_letter_code() {
        for l in whatlang::Lang::all() {
            assert_eq!(iso639_1(l.code()).len(), 2, "{l:?}");
        }
    }
}
