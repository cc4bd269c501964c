//! The shared signature test vector (see fixtures/signature/README.md).

use parley_whatsapp::signature::{self, SignatureError};

const SECRET: &[u8] = b"test_app_secret_123";
const EXPECTED: &str = "sha256=6d40f658b136fb5c9b4dea58217429177c743984bb9b3f80e7a670f0b31d10a1";

fn raw() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/signature/body.raw"
    ))
    .unwrap()
}

#[test]
fn raw_body_matches_vector() {
    let body = raw();
    assert_eq!(body.len(), 516);
    assert_eq!(signature::sign(SECRET, &body), EXPECTED);
    assert_eq!(signature::verify(SECRET, &body, Some(EXPECTED)), Ok(()));
}

#[test]
fn reserialised_body_does_not_verify() {
    // serde_json sorts keys, so re-encode the escapes by hand to get the README's variant:
    // same JSON value, UTF-8 literals, unescaped slashes.
    let text = String::from_utf8(raw()).unwrap();
    let reserialised = text
        .replace("\\/", "/")
        .replace("\\u00e9", "é")
        .replace("\\ud83d\\ude00", "😀")
        .replace("\\ud83d\\udc4d", "👍")
        .into_bytes();
    let a: serde_json::Value = serde_json::from_slice(&raw()).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&reserialised).unwrap();
    assert_eq!(a, b, "same JSON value");
    assert_eq!(
        reserialised.len(),
        494,
        "UTF-8 literals and unescaped slashes"
    );
    assert_eq!(
        signature::sign(SECRET, &reserialised),
        "sha256=45c3fb372c6b0d458558afc2650c5d78438cfac7cc59f30cf28dfa5b3b49fedc"
    );
    assert_eq!(
        signature::verify(SECRET, &reserialised, Some(EXPECTED)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn raw_body_still_parses() {
    let n = parley_whatsapp::parse_notification(&raw()).unwrap();
    assert!(!n.events().is_empty());
}
