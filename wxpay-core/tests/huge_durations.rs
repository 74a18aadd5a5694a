//! Durations too large to add to an `Instant` (`Duration::MAX` as the
//! deadline, the backoff, the timeouts) mean "no limit", never a panic:
//! real calls through the default transport to a local server that answers
//! every request `503 SYSTEM_ERROR` (retryable).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{Method, StatusCode};
use wxpay_core::crypto::PrivateKey;
use wxpay_core::{Client, Credentials, Error, RetryPolicy};

const BUSY: &str = r#"{"code":"SYSTEM_ERROR","message":"busy"}"#;

/// A server on loopback answering `503` to each request (one per
/// connection); returns its address and the count of requests served.
fn busy_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            count.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BUSY}",
                BUSY.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (format!("http://{addr}"), served)
}

/// One key for all: it signs the requests, and no answer is ever verified
/// with it (every answer is an unsigned 503).
fn key() -> PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().unwrap()).clone()
}

fn client(base_url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base_url)
        .allow_http(true)
        .credentials(Credentials::new("1900000109", "5157F09EFDC096DE", key()).unwrap())
        .platform_public_key(
            "PUB_KEY_ID_0119000001092026112700000000000001",
            key().public_key().unwrap(),
        )
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry_policy(policy)
        .build()
        .unwrap()
}

async fn get(client: &Client) -> Error {
    client
        .request_json(Method::GET, "/v3/test/busy", &[], None)
        .await
        .unwrap_err()
}

fn assert_busy(e: &Error) {
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE), "{e}");
    assert_eq!(e.code(), Some("SYSTEM_ERROR"), "{e}");
}

#[tokio::test]
async fn an_endless_deadline_still_retries_as_the_policy_says() {
    let (url, served) = busy_server();
    let policy = RetryPolicy::new()
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .deadline(Duration::MAX);
    assert_busy(&get(&client(&url, policy)).await);
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_endless_backoff_ends_the_call_instead_of_waiting_forever() {
    let (url, served) = busy_server();
    for deadline in [Duration::from_secs(60), Duration::MAX] {
        let before = served.load(Ordering::SeqCst);
        let policy = RetryPolicy::new()
            .max_attempts(5)
            .backoff(Duration::MAX, Duration::MAX)
            .deadline(deadline);
        assert_busy(&get(&client(&url, policy)).await);
        // No wait that long fits before the deadline: one attempt only.
        assert_eq!(served.load(Ordering::SeqCst) - before, 1, "{deadline:?}");
    }
}
