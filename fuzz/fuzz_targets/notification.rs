//! Notifications through the real entry point, `Client::parse_notification`:
//!
//! - first byte even: the rest is a body the harness signs with the
//!   platform key the client trusts, so the input gets past verification
//!   and drives the envelope parse, the AES-256-GCM decryption (with the test
//!   vectors' APIv3 key, so the seed notification decrypts) and the typed
//!   decode;
//! - first byte odd: the rest is split at newlines into the four signature
//!   headers and the body, so verification itself meets arbitrary input;
//! - always: `ApiV3Key::decrypt` over raw nonce / associated data /
//!   ciphertext, and whatever decrypts must encrypt back to the same text.
//!
//! Nothing may panic, and nothing with a wrong signature may parse.
#![no_main]

use std::sync::OnceLock;

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use wxpay_core::crypto::{ApiV3Key, PrivateKey};
use wxpay_core::protocol::response_message;
use wxpay_core::{Client, Credentials};

const APIV3_KEY: &str = "sandboxApiV3Key0123456789abcdefX";
const KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";
const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

struct Harness {
    platform: PrivateKey,
    key: ApiV3Key,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

fn harness() -> &'static Harness {
    static CELL: OnceLock<Harness> = OnceLock::new();
    CELL.get_or_init(|| {
        let platform = PrivateKey::generate().unwrap();
        let merchant = PrivateKey::generate().unwrap();
        let client = Client::builder()
            .credentials(Credentials::new("1900000109", "5157F09EFDC096DE", merchant).unwrap())
            .platform_public_key(KEY_ID, platform.public_key().unwrap())
            .apiv3_key(APIV3_KEY)
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        Harness { platform, key: ApiV3Key::new(APIV3_KEY).unwrap(), client, runtime }
    })
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    secs.to_string()
}

fn header(map: &mut HeaderMap, name: &'static str, value: &[u8]) {
    if let Ok(v) = HeaderValue::from_bytes(value) {
        map.insert(name, v);
    }
}

fn round_trip(key: &ApiV3Key, nonce: &[u8], aad: &[u8], ciphertext: &str) {
    if let Ok(plain) = key.decrypt(nonce, aad, ciphertext) {
        assert_eq!(key.encrypt(nonce, aad, &plain).unwrap(), ciphertext);
    }
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut map = HeaderMap::new();
    let body: &[u8] = if mode % 2 == 0 {
        let timestamp = now();
        let signature = h.platform.sign(&response_message(&timestamp, NONCE, rest)).unwrap();
        header(&mut map, "wechatpay-timestamp", timestamp.as_bytes());
        header(&mut map, "wechatpay-nonce", NONCE.as_bytes());
        header(&mut map, "wechatpay-signature", signature.as_bytes());
        header(&mut map, "wechatpay-serial", KEY_ID.as_bytes());
        rest
    } else {
        let mut parts = rest.splitn(5, |b| *b == b'\n');
        for name in ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial"] {
            header(&mut map, name, parts.next().unwrap_or_default());
        }
        parts.next().unwrap_or_default()
    };
    let parsed = h.runtime.block_on(h.client.parse_notification(&map, body));
    if mode % 2 == 1 {
        // Only a signature made with the platform key can pass, and the
        // fuzzer cannot make one.
        assert!(parsed.is_err());
    }
    if let Err(e) = &parsed {
        // Every refusal has an answer for the platform, never a 2xx.
        assert!(!e.answer().is_success());
    }

    // Raw AES-GCM: nonce length byte, aad length byte, then base64 text.
    if let [n, a, raw @ ..] = rest {
        let n = usize::from(*n).min(raw.len());
        let (nonce, raw) = raw.split_at(n);
        let a = usize::from(*a).min(raw.len());
        let (aad, ciphertext) = raw.split_at(a);
        if let Ok(text) = std::str::from_utf8(ciphertext) {
            round_trip(&h.key, nonce, aad, text);
        }
    }
});
