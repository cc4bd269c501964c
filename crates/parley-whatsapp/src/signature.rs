//! Webhook payload signatures (`X-Hub-Signature-256: sha256=<hex>`).
//!
//! Meta computes HMAC-SHA256 with the app secret over the exact bytes it sends, which use
//! `\uXXXX` escapes for non-ASCII and often `\/` for slashes. Always verify the raw body
//! before parsing: re-serialising the JSON changes the bytes and the signature.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Name of the header Meta puts the signature in.
pub const HEADER: &str = "X-Hub-Signature-256";

/// Why a webhook signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header was sent.
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("malformed X-Hub-Signature-256 header: {0}")]
    Malformed(String),
    /// The signature is well formed but does not match the body.
    #[error("signature does not match the request body")]
    Mismatch,
}

fn mac(app_secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(app_secret).expect("HMAC accepts any key length")
}

/// Signs `body` the way Meta does: `"sha256=" + lowercase hex HMAC-SHA256`.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(app_secret);
    m.update(body);
    let tag = m.finalize().into_bytes();
    format!("sha256={}", hex::encode(tag.as_slice()))
}

/// Verifies the `X-Hub-Signature-256` header value against the raw body.
///
/// Hex digits are accepted in either case (decoding normalises them), and the comparison
/// itself is constant-time via [`Mac::verify_slice`].
pub fn verify(app_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let hex_part = header
        .strip_prefix("sha256=")
        .ok_or_else(|| SignatureError::Malformed("expected a `sha256=` prefix".into()))?;
    if hex_part.len() != 64 {
        return Err(SignatureError::Malformed(format!(
            "expected 64 hex digits, got {}",
            hex_part.len()
        )));
    }
    let tag = hex::decode(hex_part)
        .map_err(|e| SignatureError::Malformed(format!("invalid hex: {e}")))?;
    let mut m = mac(app_secret);
    m.update(body);
    m.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_roundtrip() {
        let sig = sign(b"secret", b"{\"a\":1}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_eq!(sig, sig.to_lowercase());
        assert_eq!(verify(b"secret", b"{\"a\":1}", Some(&sig)), Ok(()));
        assert_eq!(
            verify(b"secret", b"{\"a\":2}", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", b"{\"a\":1}", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let sig = sign(b"k", b"body");
        let upper = format!("sha256={}", sig[7..].to_uppercase());
        assert_eq!(verify(b"k", b"body", Some(&upper)), Ok(()));
    }

    #[test]
    fn missing_and_malformed_headers() {
        assert_eq!(verify(b"k", b"b", None), Err(SignatureError::Missing));
        assert_eq!(verify(b"k", b"b", Some("")), Err(SignatureError::Missing));
        assert!(matches!(
            verify(b"k", b"b", Some("sha1=abcd")),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify(b"k", b"b", Some("sha256=abcd")),
            Err(SignatureError::Malformed(_))
        ));
        let not_hex = format!("sha256={}", "z".repeat(64));
        assert!(matches!(
            verify(b"k", b"b", Some(&not_hex)),
            Err(SignatureError::Malformed(_))
        ));
    }
}
