//! Notification envelopes and their decryption: the JSON envelope parse and
//! `ApiV3Key::decrypt` over arbitrary nonce, associated data and ciphertext.
//! Nothing may panic; whatever decrypts (the seeds use the test vectors'
//! key) encrypts back to the very ciphertext.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use wxpay_core::crypto::ApiV3Key;

/// The callback body (PROTOCOL §7).
#[derive(Deserialize)]
#[allow(dead_code)]
struct Envelope {
    id: String,
    create_time: Option<String>,
    event_type: String,
    resource_type: Option<String>,
    summary: Option<String>,
    resource: Resource,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    associated_data: Option<String>,
    original_type: Option<String>,
    nonce: String,
}

fn key() -> &'static ApiV3Key {
    // The test vectors' key, so that the seed notification decrypts.
    static KEY: OnceLock<ApiV3Key> = OnceLock::new();
    KEY.get_or_init(|| ApiV3Key::new("sandboxApiV3Key0123456789abcdefX").unwrap())
}

fn round_trip(nonce: &[u8], aad: &[u8], ciphertext: &str) {
    if let Ok(plain) = key().decrypt(nonce, aad, ciphertext) {
        assert_eq!(key().encrypt(nonce, aad, &plain).unwrap(), ciphertext);
    }
}

fuzz_target!(|data: &[u8]| {
    // As an envelope.
    if let Ok(envelope) = serde_json::from_slice::<Envelope>(data) {
        let r = &envelope.resource;
        let aad = r.associated_data.as_deref().unwrap_or("");
        round_trip(r.nonce.as_bytes(), aad.as_bytes(), &r.ciphertext);
    }
    // As raw parts: nonce length byte, aad length byte, then the base64 text.
    if let [n, a, rest @ ..] = data {
        let n = usize::from(*n).min(rest.len());
        let (nonce, rest) = rest.split_at(n);
        let a = usize::from(*a).min(rest.len());
        let (aad, ciphertext) = rest.split_at(a);
        if let Ok(text) = std::str::from_utf8(ciphertext) {
            round_trip(nonce, aad, text);
        }
    }
});
