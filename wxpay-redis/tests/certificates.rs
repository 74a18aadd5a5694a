//! A fleet of clients in certificate mode sharing one real redis-server:
//! one certificate download reaches the sandbox per refresh, the others
//! read the list it saved, and a stored list is trusted only after the
//! checks a download gets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::RedisServer;
use wxpay_core::Client;
use wxpay_core::platform::RefreshReport;
use wxpay_redis::RedisCertificateStore;
use wxpay_sandbox::Sandbox;

const ROUTE: &str = "GET /v3/certificates";

/// A sandbox with a platform certificate to list.
async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .generated_certificate()
        .unwrap()
        .start()
        .await
        .unwrap()
}

/// Every instance of `fleet` refreshes at once: their reports.
async fn refresh_all(fleet: &[Client]) -> Vec<RefreshReport> {
    let mut refreshes = tokio::task::JoinSet::new();
    for client in fleet {
        let client = client.clone();
        refreshes.spawn(async move { client.refresh_platform_certificates().await });
    }
    refreshes
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// `text` with its first character changed (base64 stays base64).
fn flip_first(text: &str) -> String {
    let flipped = if text.starts_with('A') { "B" } else { "A" };
    format!("{flipped}{}", &text[1..])
}

/// One instance: its own client, its own Redis connection.
async fn instance(sandbox: &Sandbox, redis: &RedisServer) -> Client {
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .on_demand_refresh_interval(Duration::from_secs(4))
        .build()
        .unwrap();
    let conn = wxpay_redis::connect(&redis.url()).await.unwrap();
    client
        .share_platform_certificates(Arc::new(RedisCertificateStore::new(conn)))
        .unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fleet_downloads_the_certificates_once() {
    let redis = RedisServer::start();
    let sandbox = sandbox().await;
    let serial = sandbox.default_serial();
    let mut fleet = Vec::new();
    for _ in 0..6 {
        fleet.push(instance(&sandbox, &redis).await);
    }
    // Every instance starts at once: each wants the certificates.
    let mut shared = 0;
    for report in refresh_all(&fleet).await {
        assert_eq!(report.listed, std::slice::from_ref(&serial));
        shared += usize::from(report.from_shared_store);
    }
    assert_eq!(sandbox.hits(ROUTE), 1, "one download for the fleet");
    assert_eq!(shared, 5, "the other five read the stored list");
    for client in &fleet {
        assert!(client.key_store().contains(&serial));
        let status = client.platform_keys_status();
        assert_eq!(status.failures, 0, "{status:?}");
    }

    // A new instance joining later reads the list too.
    let late = instance(&sandbox, &redis).await;
    let report = late.refresh_platform_certificates().await.unwrap();
    assert!(report.from_shared_store);
    assert_eq!(sandbox.hits(ROUTE), 1);

    // Past the freshness an explicit refresh asks for (the on-demand
    // interval, 4 s here; timestamps count whole seconds), the next refresh
    // downloads again, once for all.
    tokio::time::sleep(Duration::from_millis(5100)).await;
    refresh_all(&fleet).await;
    assert_eq!(sandbox.hits(ROUTE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_list_is_trusted_only_after_the_checks_of_a_download() {
    let redis = RedisServer::start();
    let sandbox = sandbox().await;
    let serial = sandbox.default_serial();
    let first = instance(&sandbox, &redis).await;
    first.refresh_platform_certificates().await.unwrap();
    assert_eq!(sandbox.hits(ROUTE), 1);
    let key = format!("wxpay:certificates:{}:list", first.mchid());
    let stored = redis.command(&["GET", &key]);
    let mut list: serde_json::Value = serde_json::from_str(&stored).unwrap();

    // Someone with write access to Redis alters the listed certificate:
    // it no longer decrypts (AES-GCM) nor matches the signature, so the
    // next instance refuses it and downloads for itself.
    let body = list["body"].as_str().unwrap().to_owned();
    let mut answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ciphertext = &mut answer["data"][0]["encrypt_certificate"]["ciphertext"];
    *ciphertext = flip_first(ciphertext.as_str().unwrap()).into();
    list["body"] = answer.to_string().into();
    assert_eq!(redis.command(&["SET", &key, &list.to_string()]), "+OK");
    let second = instance(&sandbox, &redis).await;
    let report = second.refresh_platform_certificates().await.unwrap();
    assert!(!report.from_shared_store);
    assert_eq!(report.listed, std::slice::from_ref(&serial));
    assert_eq!(sandbox.hits(ROUTE), 2);
    // Its own download replaced the altered list, which the next reads.
    let third = instance(&sandbox, &redis).await;
    assert!(
        third
            .refresh_platform_certificates()
            .await
            .unwrap()
            .from_shared_store
    );
    assert_eq!(sandbox.hits(ROUTE), 2);

    // A list signed with a key nobody trusts (a signature that does not
    // verify): refused as well.
    let stored = redis.command(&["GET", &key]);
    let mut list: serde_json::Value = serde_json::from_str(&stored).unwrap();
    list["signature"] = flip_first(list["signature"].as_str().unwrap()).into();
    assert_eq!(redis.command(&["SET", &key, &list.to_string()]), "+OK");
    let fourth = instance(&sandbox, &redis).await;
    assert!(
        !fourth
            .refresh_platform_certificates()
            .await
            .unwrap()
            .from_shared_store
    );
    assert_eq!(sandbox.hits(ROUTE), 3);
    assert!(fourth.key_store().contains(&serial));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_each_instance_downloads_by_itself() {
    let mut redis = RedisServer::start();
    let sandbox = sandbox().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    redis.stop();
    let report = a.refresh_platform_certificates().await.unwrap();
    assert!(!report.from_shared_store);
    b.refresh_platform_certificates().await.unwrap();
    assert_eq!(sandbox.hits(ROUTE), 2, "no key is ever lost to the store");
    assert!(b.key_store().contains(&sandbox.default_serial()));
}
