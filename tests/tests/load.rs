//! Ten thousand requests at concurrency 64 through one client, with faults
//! on about 7% of the answers: every request ends in a success or a typed
//! error, every spoiled answer is refused, nothing panics, memory stays bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::Method;
use serde::Deserialize;
use wxpay_core::error::Error;
use wxpay_core::{RetryPolicy, endpoint};
use wxpay_sandbox::{Fault, FaultRule, Reply, Sandbox};

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 64;
/// One fault every this many answers, per rule (7 rules: about 7%).
const EVERY: usize = 100;

#[derive(Debug, Deserialize)]
pub struct Echo {
    pub id: String,
}

#[endpoint(GET, "/v3/test/load/{id}", response = Echo)]
pub struct GetLoad {
    pub id: String,
    pub mchid: String,
}

#[derive(Debug, Default)]
struct Outcomes {
    ok: AtomicUsize,
    verify: AtomicUsize,
    decode: AtomicUsize,
    api: AtomicUsize,
    transport: AtomicUsize,
    timeout: AtomicUsize,
}

impl Outcomes {
    fn total(&self) -> usize {
        [
            &self.ok,
            &self.verify,
            &self.decode,
            &self.api,
            &self.transport,
            &self.timeout,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn run(client: &wxpay_core::Client, ids: std::ops::Range<usize>, outcomes: &Arc<Outcomes>) {
    let next = Arc::new(AtomicUsize::new(ids.start));
    let end = ids.end;
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let client = client.clone();
        let next = next.clone();
        let outcomes = outcomes.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    break;
                }
                let id = format!("L{i}");
                let request = GetLoad {
                    id: id.clone(),
                    mchid: client.mchid().into(),
                };
                let counter = match client.call(request).await {
                    Ok(echo) => {
                        // A success is the answer to this very request.
                        assert_eq!(echo.id, id);
                        &outcomes.ok
                    }
                    Err(Error::Verify(_)) => &outcomes.verify,
                    Err(Error::Decode(_)) => &outcomes.decode,
                    Err(Error::Api(_)) => &outcomes.api,
                    Err(Error::Transport(_)) => &outcomes.transport,
                    Err(Error::Timeout(_)) => &outcomes.timeout,
                    Err(other) => panic!("unexpected error for {id}: {other:?}"),
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for worker in workers {
        worker.await.expect("no worker panicked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_with_faults_end_in_success_or_a_typed_error() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.route(Method::GET, "/v3/test/load/{id}", |req| async move {
        Reply::ok(&serde_json::json!({ "id": req.param("id") }))
    });
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(Duration::from_secs(20))
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(3)
                .backoff(Duration::from_millis(2), Duration::from_millis(20))
                .deadline(Duration::from_secs(60)),
        )
        .build()
        .unwrap();

    // Warm up (pool, allocator), then measure.
    let warm = Arc::new(Outcomes::default());
    run(&client, 0..500, &warm).await;
    assert_eq!(warm.ok.load(Ordering::Relaxed), 500);
    let rss_before = rss_kib();

    let path = "/v3/test/load/";
    let rule = |fault: Fault, after: usize| {
        FaultRule::new(fault)
            .method(Method::GET)
            .path(path)
            .after(after)
            .every(EVERY)
    };
    sandbox.inject(rule(Fault::TamperBody, 0));
    sandbox.inject(rule(Fault::BadSignature, 20));
    sandbox.inject(rule(Fault::WrongShape, 40));
    sandbox.inject(rule(
        Fault::Status {
            status: 503,
            code: "SYSTEM_ERROR".into(),
            signed: false,
        },
        60,
    ));
    sandbox.inject(rule(Fault::Reset, 80));
    // A forged serial (which a public-key client never downloads for) and
    // an answer stripped of its signature.
    sandbox.inject(rule(
        Fault::UnknownSerial {
            serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        },
        10,
    ));
    sandbox.inject(rule(Fault::Unsigned, 30));

    let outcomes = Arc::new(Outcomes::default());
    let started = Instant::now();
    run(&client, 500..500 + REQUESTS, &outcomes).await;
    let took = started.elapsed();
    let rss_after = rss_kib();

    let count = |c: &AtomicUsize| c.load(Ordering::Relaxed);
    let applied = |kind: &str| sandbox.faults_applied(kind) as usize;
    let faults: usize = [
        "tamper_body",
        "bad_signature",
        "wrong_shape",
        "status",
        "reset",
        "unknown_serial",
        "unsigned",
    ]
    .iter()
    .map(|k| applied(k))
    .sum();
    eprintln!(
        "{REQUESTS} requests in {took:?}; faults applied: {faults}; outcomes: {outcomes:?}; \
         RSS {rss_before} → {rss_after} KiB"
    );

    assert_eq!(outcomes.total(), REQUESTS, "every request ended");
    // About 7% of the answers were spoiled.
    assert!(
        (REQUESTS * 6 / 100..=REQUESTS * 9 / 100).contains(&faults),
        "{faults} faults"
    );
    // Every tampered, badly signed, unsigned or foreign-signed answer was
    // refused, none accepted.
    assert_eq!(
        count(&outcomes.verify),
        applied("tamper_body")
            + applied("bad_signature")
            + applied("unknown_serial")
            + applied("unsigned")
    );
    assert!(applied("tamper_body") > 0 && applied("bad_signature") > 0);
    assert!(applied("unknown_serial") > 0 && applied("unsigned") > 0);
    // Every wrong-shaped answer failed decoding (after it verified).
    assert_eq!(count(&outcomes.decode), applied("wrong_shape"));
    // 503s and resets were retried: almost all of those requests succeeded.
    assert!(applied("status") > 0 && applied("reset") > 0);
    assert!(
        count(&outcomes.api) + count(&outcomes.transport) < applied("status") + applied("reset"),
        "retries recovered from transient faults: {outcomes:?}"
    );
    assert_eq!(count(&outcomes.timeout), 0);
    // The rest succeeded: all but the spoiled answers (about 7%) and the
    // few transient faults left after retries.
    assert!(count(&outcomes.ok) >= REQUESTS * 91 / 100, "{outcomes:?}");
    // Memory bounded: nothing grows with the number of requests.
    assert!(
        rss_after < rss_before + 64 * 1024,
        "RSS grew from {rss_before} to {rss_after} KiB"
    );
}
