//! Several instances (each its own client, deduplicator and Redis
//! connection) receive the same signed notifications concurrently, against
//! a real redis-server: each is processed exactly once, also when an
//! instance dies mid-processing, and none is lost while Redis is down.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use support::RedisServer;
use wxpay_core::notify::{Claim, Deduplicator, Notifications, Outcome};
use wxpay_core::testing::{Answer, Request, StubPlatform};
use wxpay_redis::RedisDeduplicator;

const NOTIFY_URL: &str = "https://merchant.example.com/wxpay/notify";

/// Processings per notification id, across every instance.
type Processed = Arc<Mutex<HashMap<String, u32>>>;

fn platform() -> StubPlatform {
    StubPlatform::new(|_| Answer::no_content()).unwrap()
}

fn complaint(platform: &StubPlatform, n: usize) -> Request {
    platform
        .notification(
            NOTIFY_URL,
            "COMPLAINT.CREATE",
            &json!({ "complaint_id": format!("2002018202001010800766{n:05}"), "action_type": "CREATE_COMPLAINT" }),
        )
        .unwrap()
}

/// One instance of the service: its own client and its own connection.
async fn instance(
    platform: &StubPlatform,
    redis: &RedisServer,
    claim_ttl: Duration,
) -> Notifications {
    let conn = wxpay_redis::connect(&redis.url()).await.unwrap();
    Notifications::new(platform.client().unwrap())
        .deduplicate(RedisDeduplicator::new(conn).claim_ttl(claim_ttl))
}

/// Delivers `request` to `instance` as the platform does: again after a
/// refusal, until acknowledged. Processing counts and takes a little while,
/// so that concurrent deliveries overlap.
async fn deliver_until_acknowledged(
    instance: Notifications,
    request: Arc<Request>,
    processed: Processed,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let processed = processed.clone();
        let outcome = instance
            .handle(request.headers(), request.body(), |n| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                *processed
                    .lock()
                    .unwrap()
                    .entry(n.id().to_owned())
                    .or_default() += 1;
                Ok::<(), std::io::Error>(())
            })
            .await;
        match outcome {
            Outcome::Processed { .. } | Outcome::Duplicate { .. } => return,
            Outcome::InProgress { .. } => {
                assert_eq!(outcome.answer().status, 503);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    panic!("never acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deliveries_to_several_instances_are_processed_once() {
    let redis = RedisServer::start();
    let platform = platform();
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(instance(&platform, &redis, Duration::from_secs(60)).await);
    }
    let processed = Processed::default();
    let mut ids = Vec::new();
    let mut deliveries = tokio::task::JoinSet::new();
    for n in 0..25 {
        let request = Arc::new(complaint(&platform, n));
        let id: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        ids.push(id["id"].as_str().unwrap().to_owned());
        // Every instance receives it three times, all at once.
        for _ in 0..3 {
            for instance in &instances {
                deliveries.spawn(deliver_until_acknowledged(
                    instance.clone(),
                    request.clone(),
                    processed.clone(),
                ));
            }
        }
    }
    while let Some(done) = deliveries.join_next().await {
        done.unwrap();
    }
    let processed = processed.lock().unwrap();
    assert_eq!(processed.len(), 25, "{processed:?}");
    for id in &ids {
        assert_eq!(processed.get(id), Some(&1), "{id} in {processed:?}");
        assert_eq!(
            redis.command(&["GET", &format!("wxpay:notify:{id}")]),
            "done"
        );
    }
    let ttl: i64 = redis
        .command(&["PTTL", &format!("wxpay:notify:{}", ids[0])])
        .trim_start_matches(':')
        .parse()
        .unwrap();
    assert!(
        ttl > 24 * 3600 * 1000,
        "kept past the platform's retries: {ttl} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claim_of_an_instance_that_died_expires_and_one_redelivery_processes_it() {
    let redis = RedisServer::start();
    let platform = platform();
    let claim_ttl = Duration::from_secs(2);
    let request = Arc::new(complaint(&platform, 1));
    let processed = Processed::default();
    let others = [
        instance(&platform, &redis, claim_ttl).await,
        instance(&platform, &redis, claim_ttl).await,
        instance(&platform, &redis, claim_ttl).await,
    ];

    // Instance A claims the notification and dies while processing it:
    // its task is dropped mid-way, with its deduplicator and connection.
    let doomed = instance(&platform, &redis, claim_ttl).await;
    let (claimed, claimed_rx) = tokio::sync::oneshot::channel();
    let dying = {
        let request = request.clone();
        tokio::spawn(async move {
            doomed
                .handle(request.headers(), request.body(), |_| async move {
                    let _ = claimed.send(());
                    std::future::pending::<Result<(), std::io::Error>>().await
                })
                .await
        })
    };
    claimed_rx.await.unwrap();
    dying.abort();
    assert!(dying.await.unwrap_err().is_cancelled());

    // Meanwhile the others refuse it: someone holds it.
    let refused = others[0]
        .handle(request.headers(), request.body(), |_| async {
            Ok::<(), std::io::Error>(())
        })
        .await;
    assert!(matches!(refused, Outcome::InProgress { .. }), "{refused:?}");

    // The platform redelivers after the claim expired, to every instance
    // at once, several times: exactly one processes it.
    tokio::time::sleep(claim_ttl + Duration::from_millis(100)).await;
    let mut deliveries = tokio::task::JoinSet::new();
    for _ in 0..5 {
        for other in &others {
            deliveries.spawn(deliver_until_acknowledged(
                other.clone(),
                request.clone(),
                processed.clone(),
            ));
        }
    }
    while let Some(done) = deliveries.join_next().await {
        done.unwrap();
    }
    let processed = processed.lock().unwrap();
    assert_eq!(
        processed.values().copied().collect::<Vec<_>>(),
        [1],
        "{processed:?}"
    );
}

#[tokio::test]
async fn a_release_never_deletes_a_claim_taken_over_by_another_instance() {
    let redis = RedisServer::start();
    let ttl = Duration::from_secs(1);
    let a =
        RedisDeduplicator::new(wxpay_redis::connect(&redis.url()).await.unwrap()).claim_ttl(ttl);
    let b =
        RedisDeduplicator::new(wxpay_redis::connect(&redis.url()).await.unwrap()).claim_ttl(ttl);
    assert_eq!(a.claim("EV-1").await.unwrap(), Claim::New);
    assert_eq!(b.claim("EV-1").await.unwrap(), Claim::InProgress);
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    // A's claim lapsed; B takes it over; A's processing then fails.
    assert_eq!(b.claim("EV-1").await.unwrap(), Claim::New);
    a.release("EV-1").await.unwrap();
    assert_eq!(
        a.claim("EV-1").await.unwrap(),
        Claim::InProgress,
        "B's claim stands"
    );
    // B's own release does end it; a completion is final.
    b.release("EV-1").await.unwrap();
    assert_eq!(a.claim("EV-1").await.unwrap(), Claim::New);
    a.complete("EV-1").await.unwrap();
    assert_eq!(b.claim("EV-1").await.unwrap(), Claim::Done);
    // The key prefix keeps services apart.
    let other = RedisDeduplicator::new(wxpay_redis::connect(&redis.url()).await.unwrap())
        .key_prefix("other-service:");
    assert_eq!(other.claim("EV-1").await.unwrap(), Claim::New);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_a_notification_is_refused_for_later_not_processed_nor_lost() {
    let mut redis = RedisServer::start();
    let platform = platform();
    let instance = instance(&platform, &redis, Duration::from_secs(60)).await;
    let request = complaint(&platform, 7);
    let processed = Processed::default();
    let process = |processed: Processed| {
        move |n: wxpay_core::notify::Notification| async move {
            *processed
                .lock()
                .unwrap()
                .entry(n.id().to_owned())
                .or_default() += 1;
            Ok::<(), std::io::Error>(())
        }
    };

    redis.stop();
    let outcome = instance
        .handle(
            request.headers(),
            request.body(),
            process(processed.clone()),
        )
        .await;
    let answer = outcome.answer();
    assert_eq!(answer.status, 500);
    assert_eq!(
        &answer.body[..],
        br#"{"code":"FAIL","message":"notification store unavailable"}"#
    );
    let Outcome::Store { error, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    let text = error.to_string();
    assert!(
        text.starts_with("redis de-duplication: claiming the notification failed"),
        "{text}"
    );
    assert!(
        processed.lock().unwrap().is_empty(),
        "not processed without a claim"
    );

    // Redis is back: the platform's next delivery is processed, once.
    redis.restart();
    let mut outcome = None;
    for _ in 0..50 {
        let o = instance
            .handle(
                request.headers(),
                request.body(),
                process(processed.clone()),
            )
            .await;
        if o.is_acknowledged() {
            outcome = Some(o);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        matches!(outcome, Some(Outcome::Processed { .. })),
        "{outcome:?}"
    );
    let again = instance
        .handle(
            request.headers(),
            request.body(),
            process(processed.clone()),
        )
        .await;
    assert!(matches!(again, Outcome::Duplicate { .. }), "{again:?}");
    assert_eq!(processed.lock().unwrap().values().sum::<u32>(), 1);
}

#[tokio::test]
async fn connecting_to_no_redis_fails_at_once_with_a_clear_error() {
    let port = {
        let redis = RedisServer::start();
        redis.port()
        // Dropped: nothing listens on the port any more.
    };
    let started = std::time::Instant::now();
    let error = wxpay_redis::connect(&format!("redis://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = error.to_string();
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    assert!(wxpay_redis::connect("http://not-redis").await.is_err());
}
