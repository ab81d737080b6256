//! Webhook authentication: the HMAC-SHA256 signature of the raw body, or a static token header.
//!
//! LoanPro does not document a signing scheme, so the signature is a shared secret configured on
//! both sides (see DECISIONS.md): `X-LoanPro-Signature` carries the lower- or upper-case hex
//! HMAC-SHA256 of the exact bytes received, optionally prefixed `sha256=`. Tenants whose
//! notification template can only add a fixed header use a static token instead.
//!
//! Every comparison of a secret runs in constant time so that response timing does not leak how
//! many leading bytes of a guess were right.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the body's signature.
pub const SIGNATURE_HEADER: &str = "x-loanpro-signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery was not authenticated. The variants never carry the secret or the
/// presented value, so they are safe to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No signature (or token) header was sent.
    #[error("the {0} header is missing")]
    Missing(&'static str),
    /// The header is not hex (after an optional `sha256=` prefix).
    #[error("the signature header is not a hex HMAC-SHA256")]
    Malformed,
    /// The signature or token does not match.
    #[error("the signature does not match the body")]
    Mismatch,
    /// The connection has neither a webhook secret nor a static token configured.
    #[error("the connection has no webhook secret or token configured")]
    NotConfigured,
}

/// Computes the hex signature of `body` under `secret`: what a sender puts in
/// `X-LoanPro-Signature`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signature header value against the body, in constant time.
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> Result<(), AuthError> {
    let value = header.trim();
    let hex_part = strip_prefix_ignore_case(value, "sha256=").unwrap_or(value);
    // A SHA-256 MAC is 32 bytes: any other length is malformed rather than a mismatch, which
    // tells an operator that the sender uses another scheme.
    if hex_part.len() != 64 {
        return Err(AuthError::Malformed);
    }
    let presented = hex::decode(hex_part).map_err(|_| AuthError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&presented)
        .map_err(|_| AuthError::Mismatch)
}

/// Compares a presented static token with the configured one without leaking, through timing,
/// where they first differ or how long the configured token is: both are reduced to a MAC under
/// a fresh random key and the MACs are compared in constant time.
pub fn verify_token(expected: &[u8], presented: &[u8]) -> Result<(), AuthError> {
    let key: [u8; 32] = rand::random();
    let mut a = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
    a.update(expected);
    let tag = a.finalize().into_bytes();
    let mut b = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
    b.update(presented);
    b.verify_slice(&tag).map_err(|_| AuthError::Mismatch)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_2: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn sign_matches_rfc_4231() {
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), RFC4231_2);
    }

    #[test]
    fn accepts_plain_prefixed_and_upper_case_hex() {
        let body = b"what do ya want for nothing?";
        assert_eq!(verify_signature(b"Jefe", body, RFC4231_2), Ok(()));
        let prefixed = format!("sha256={RFC4231_2}");
        assert_eq!(verify_signature(b"Jefe", body, &prefixed), Ok(()));
        let upper = format!("SHA256={}", RFC4231_2.to_uppercase());
        assert_eq!(verify_signature(b"Jefe", body, &upper), Ok(()));
    }

    #[test]
    fn rejects_wrong_key_body_and_shape() {
        let body = b"what do ya want for nothing?";
        assert_eq!(
            verify_signature(b"jefe", body, RFC4231_2),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"Jefe", b"what do ya want for nothing!", RFC4231_2),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"Jefe", body, "sha1=abcd"),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            verify_signature(b"Jefe", body, &RFC4231_2[..62]),
            Err(AuthError::Malformed)
        );
        let not_hex = format!("{}zz", &RFC4231_2[..62]);
        assert_eq!(
            verify_signature(b"Jefe", body, &not_hex),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            verify_signature(b"Jefe", body, ""),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn token_comparison() {
        assert_eq!(verify_token(b"s3cret-token", b"s3cret-token"), Ok(()));
        assert_eq!(
            verify_token(b"s3cret-token", b"s3cret-tokem"),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify_token(b"s3cret-token", b"s3cret"),
            Err(AuthError::Mismatch)
        );
        assert_eq!(verify_token(b"s3cret-token", b""), Err(AuthError::Mismatch));
    }

    #[test]
    fn errors_never_echo_what_was_presented() {
        let shown = format!("{} {:?}", AuthError::Mismatch, AuthError::Mismatch);
        assert!(!shown.contains("Jefe"));
    }
}
