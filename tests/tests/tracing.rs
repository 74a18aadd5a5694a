//! What the client tells `tracing`: enough to follow a request, nothing secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wxpay_core::RetryPolicy;
use wxpay_sandbox::{Fault, FaultRule, Sandbox};

use common::{order, trade_no};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures every event and closed span on this thread while the guard lives.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread")]
async fn traces_follow_requests_and_attempts_without_secrets() {
    let (captured, _guard) = capture();

    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .retry_policy(
            RetryPolicy::new().backoff(Duration::from_millis(5), Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let no = trade_no("trace");
    client.call(order(client.mchid(), &no)).await.unwrap();
    sandbox.inject(FaultRule::new(Fault::TamperBody).times(1));
    let rejected = client
        .call(order(client.mchid(), &trade_no("trace")))
        .await
        .unwrap_err();
    sandbox.inject(
        FaultRule::new(Fault::Status {
            status: 503,
            code: "SYSTEM_ERROR".into(),
            signed: true,
        })
        .times(1),
    );
    let retried = client
        .call_with(
            order(client.mchid(), &no),
            wxpay_core::CallOptions::new().idempotent(true),
        )
        .await;
    assert!(retried.is_ok());

    let text = captured.text();
    // Every request the sandbox answered is named by its Request-ID.
    let seen = sandbox.recent_requests();
    assert_eq!(seen.len(), 4);
    for request in &seen {
        assert!(
            text.contains(&request.request_id),
            "{} missing in\n{text}",
            request.request_id
        );
    }
    assert!(text.contains(rejected.request_id().unwrap()));
    // Method, path template, status, attempt, latency, error kind.
    for needle in [
        "wxpay.request",
        "wxpay.attempt",
        "wxpay.retry",
        "method=POST",
        "path=\"/v3/pay/transactions/jsapi-with-contract\"",
        "status=200",
        "status=503",
        "attempt=2",
        "attempts=2",
        "latency_ms=",
        "error=\"verify\"",
        "code=\"SYSTEM_ERROR\"",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    // Nothing that would let a reader replay or forge a request.
    for secret in [
        "Authorization",
        "authorization",
        "WECHATPAY2-SHA256-RSA2048",
        "signature=\"",
        "PRIVATE KEY",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into\n{text}");
    }
    for request in &seen {
        assert!(
            !text.contains(&request.nonce),
            "a request nonce leaked into\n{text}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn downloads_are_traced_without_their_query() {
    let (captured, _guard) = capture();
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let url = format!(
        "{}/v3/billdownload/file?token=TOKEN-NOT-FOR-LOGS",
        client.base_url()
    );
    let e = client.download_url(&url).await.unwrap_err();

    let text = captured.text();
    for needle in [
        "wxpay.download",
        "path=\"/v3/billdownload/file\"",
        "error=\"api\"",
        "latency_ms=",
        e.request_id().unwrap(),
        &format!("status={}", e.status().unwrap().as_u16()),
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    assert!(!text.contains("TOKEN-NOT-FOR-LOGS"), "{text}");
}
