//! Response handling over arbitrary status, headers and body: the header
//! parse and `KeyStore::verify` directly, then the whole client path
//! (verification, error-body reading, decoding) through an in-process
//! transport answering the fuzzed bytes. Nothing may panic, and nothing
//! unsigned may come back as a success.
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use wxpay_core::crypto::PrivateKey;
use wxpay_core::error::TransportError;
use wxpay_core::transport::{BoxFuture, Transport};
use wxpay_core::protocol::SignatureHeaders;
use wxpay_core::verify::{KeyStore, PlatformKey};
use wxpay_core::{Client, Credentials, RetryPolicy};

/// Answers whatever the current input says.
#[derive(Debug, Default)]
struct Scripted(Mutex<Option<http::Response<Bytes>>>);

impl Transport for Scripted {
    fn send(
        &self,
        _request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let answer = self.0.lock().unwrap().take().unwrap_or_default();
        Box::pin(async move { Ok(answer) })
    }
}

struct Harness {
    keys: KeyStore,
    client: Client,
    transport: Arc<Scripted>,
    runtime: tokio::runtime::Runtime,
}

const KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";

fn harness() -> &'static Harness {
    static CELL: OnceLock<Harness> = OnceLock::new();
    CELL.get_or_init(|| {
        let platform = PrivateKey::generate().unwrap().public_key().unwrap();
        let keys = KeyStore::new();
        keys.insert(PlatformKey::public_key(KEY_ID, platform.clone()));
        let transport = Arc::new(Scripted::default());
        let client = Client::builder()
            .credentials(
                Credentials::new(
                    "1900000109",
                    "5157F09EFDC096DE",
                    PrivateKey::generate().unwrap(),
                )
                .unwrap(),
            )
            .platform_public_key(KEY_ID, platform)
            .transport(transport.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        Harness {
            keys,
            client,
            transport,
            runtime,
        }
    })
}

/// Input: one status byte, header lines `name: value\n` up to an empty
/// line, then the body.
fn response(data: &[u8]) -> Option<http::Response<Bytes>> {
    let (&status, rest) = data.split_first()?;
    let status = [200u16, 204, 400, 401, 404, 429, 500, 503][usize::from(status % 8)];
    let mut builder = http::Response::builder().status(status);
    let mut rest = rest;
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        let (line, tail) = rest.split_at(end);
        rest = &tail[1..];
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = http::HeaderName::from_bytes(&line[..colon]);
        let value = http::HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            builder = builder.header(name, value);
        }
    }
    builder.body(Bytes::copy_from_slice(rest)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(answer) = response(data) else {
        return;
    };
    let h = harness();
    if let Ok(signed) = SignatureHeaders::from_headers(answer.headers()) {
        // Nobody holds the platform's private key here: nothing verifies.
        let verdict = h.keys.verify(
            &signed,
            answer.body(),
            SystemTime::now(),
            Duration::from_secs(300),
        );
        assert!(verdict.is_err());
    }
    *h.transport.0.lock().unwrap() = Some(answer);
    let result =
        h.runtime.block_on(
            h.client
                .request_json(http::Method::GET, "/v3/fuzz", &[], None),
        );
    // A success would mean an unsigned answer was accepted.
    assert!(result.is_err());
    if let Err(e) = result {
        let _ = (e.to_string(), e.request_id(), e.code(), e.is_retryable());
    }
});
