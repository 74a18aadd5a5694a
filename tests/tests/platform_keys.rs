//! Platform keys end to end: public-key, certificate and migration modes,
//! rotation and migration in the middle of traffic, tampered downloads,
//! forged serials.

mod common;

use std::time::{Duration, Instant};

use http::StatusCode;
use wxpay::prelude::*;
use wxpay_core::crypto::{ApiV3Key, PrivateKey, PublicKey};
use wxpay_core::error::VerifyReason;
use wxpay_core::protocol::{SignatureHeaders, response_message};
use wxpay_core::verify::PlatformKey;
use wxpay_sandbox::{Fault, FaultRule, Reply, Sandbox};

use common::{order, trade_no};

const CERTIFICATES: &str = "GET /v3/certificates";
const ORDERS: &str = "POST /v3/pay/transactions/jsapi-with-contract";
const ORDER_PATH: &str = "/v3/pay/transactions/jsapi-with-contract";
const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";

fn fixture_public_key() -> (PublicKey, PrivateKey) {
    let public = PublicKey::from_pem(include_bytes!("../fixtures/wechatpay_pubkey.pem")).unwrap();
    let private =
        PrivateKey::from_pem(include_bytes!("../fixtures/wechatpay_pubkey_private.pem")).unwrap();
    (public, private)
}

async fn certificate_sandbox() -> Sandbox {
    Sandbox::builder()
        .generated_certificate()
        .unwrap()
        .start()
        .await
        .unwrap()
}

/// A client that learns the platform's certificates by downloading them.
fn certificate_client(sandbox: &Sandbox) -> Client {
    sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .build()
        .unwrap()
}

fn only_certificate_serial(sandbox: &Sandbox) -> String {
    let serials = sandbox.info().platform_serials;
    assert_eq!(serials.len(), 1, "{serials:?}");
    serials[0].clone()
}

#[tokio::test]
async fn a_public_key_merchant_works_from_the_first_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let id = sandbox.info().public_key_id.unwrap();
    let key = sandbox
        .platform_keys()
        .into_iter()
        .find(|k| k.serial == id)
        .unwrap()
        .private_key
        .public_key()
        .unwrap();
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .platform_public_key(id.clone(), key)
        .build()
        .unwrap();
    assert_eq!(client.preferred_platform_serial(), Some(id));
    let answer = client
        .post_pay_transactions_jsapi_with_contract(order(client.mchid(), &trade_no("pk")))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
    assert_eq!(sandbox.hits(CERTIFICATES), 0, "nothing to download");
    assert_eq!(client.platform_keys_status().downloads, 0);
}

#[tokio::test]
async fn a_certificate_merchant_bootstraps_and_verifies() {
    let sandbox = certificate_sandbox().await;
    let serial = only_certificate_serial(&sandbox);
    let client = certificate_client(&sandbox);
    assert!(client.key_store().is_empty());

    let answer = client
        .post_pay_transactions_jsapi_with_contract(order(client.mchid(), &trade_no("cert")))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
    assert_eq!(sandbox.hits(CERTIFICATES), 1);
    assert_eq!(client.key_store().serials(), vec![serial.clone()]);
    assert_eq!(client.preferred_platform_serial(), Some(serial));

    // Later calls use what was downloaded.
    for _ in 0..3 {
        client
            .call(order(client.mchid(), &trade_no("cert")))
            .await
            .unwrap();
    }
    assert_eq!(sandbox.hits(CERTIFICATES), 1);
    let status = client.platform_keys_status();
    assert_eq!((status.downloads, status.failures), (1, 0));
    assert!(status.last_success.is_some());

    // The answers really are checked: a tampered one is refused.
    sandbox.inject(FaultRule::new(Fault::TamperBody).path(ORDER_PATH).times(1));
    let e = client
        .call(order(client.mchid(), &trade_no("cert")))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Verify(v) if v.reason == VerifyReason::BadSignature),
        "{e:?}"
    );
}

#[tokio::test]
async fn concurrent_first_calls_share_one_download() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let client = client.clone();
        calls.spawn(async move {
            client
                .call(order(client.mchid(), &trade_no("flight")))
                .await
        });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(sandbox.hits(CERTIFICATES), 1);
}

/// Sends `rounds` rounds of `width` concurrent orders (every fifth a
/// transfer batch, which encrypts a name), calling `between(round)` before
/// each round; returns the failures.
async fn stream<F>(clients: &[Client], rounds: usize, width: usize, mut between: F) -> Vec<String>
where
    F: FnMut(usize),
{
    let mut failures = Vec::new();
    for round in 0..rounds {
        between(round);
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..width {
            let client = clients[i % clients.len()].clone();
            calls.spawn(async move {
                if i % 5 == 4 {
                    client
                        .call(common::transfer_batch(&trade_no("B")))
                        .await
                        .map(|_| ())
                } else {
                    client
                        .call(order(client.mchid(), &trade_no("S")))
                        .await
                        .map(|_| ())
                }
            });
        }
        while let Some(result) = calls.join_next().await {
            if let Err(e) = result.unwrap() {
                failures.push(format!("round {round}: {e}"));
            }
        }
    }
    failures
}

#[tokio::test]
async fn a_rotation_in_the_middle_of_200_requests_fails_none() {
    let sandbox = certificate_sandbox().await;
    let old = only_certificate_serial(&sandbox);
    let client = certificate_client(&sandbox);
    let mut new = String::new();
    let failures = stream(std::slice::from_ref(&client), 20, 10, |round| match round {
        // Announced: listed, but the client has no reason to fetch it yet.
        6 => new = sandbox.announce_certificate().unwrap(),
        // Activated: answers now come signed with the new certificate.
        10 => sandbox.activate_certificate(&new).unwrap(),
        // The old certificate expires.
        15 => sandbox.remove_certificate(&old).unwrap(),
        _ => {}
    })
    .await;
    assert!(failures.is_empty(), "{failures:#?}");
    // One bootstrap download, one on demand when the new serial showed up.
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
    let status = client.platform_keys_status();
    assert_eq!(status.on_demand_downloads, 1);
    assert!(status.serials.contains(&new), "{status:?}");
    // The client follows the rotation for what it encrypts and names.
    assert_eq!(client.preferred_platform_serial(), Some(new.clone()));
    let batch = trade_no("B");
    client.call(common::transfer_batch(&batch)).await.unwrap();
    let stored = sandbox.transfer_batch(client.mchid(), &batch).unwrap();
    assert_eq!(stored.wechatpay_serial, new);
}

#[tokio::test]
async fn a_migration_to_the_public_key_in_the_middle_of_200_requests_fails_none() {
    let sandbox = certificate_sandbox().await;
    let certificate = only_certificate_serial(&sandbox);
    let (public, private) = fixture_public_key();
    // A merchant on certificates, running.
    let running = certificate_client(&sandbox);
    let mut private = Some(private);
    let failures = stream(
        std::slice::from_ref(&running),
        20,
        10,
        |round| match round {
            // The merchant applies for the public key: the platform has both,
            // certificates still sign by default.
            5 => {
                let key = private.clone().unwrap();
                sandbox.add_public_key(PUBLIC_KEY_ID, key).unwrap();
            }
            // The running client is given the public key, without a restart:
            // it now names it, so answers come signed with it and sensitive
            // fields are encrypted to it.
            8 => {
                running
                    .key_store()
                    .insert(PlatformKey::public_key(PUBLIC_KEY_ID, public.clone()));
            }
            // The platform's default moves to the public key.
            11 => {
                let key = private.take().unwrap();
                sandbox.switch_to_public_key(PUBLIC_KEY_ID, key).unwrap();
            }
            // The certificates are gone.
            14 => assert_eq!(sandbox.remove_certificates().unwrap(), 1),
            _ => {}
        },
    )
    .await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        running.preferred_platform_serial().as_deref(),
        Some(PUBLIC_KEY_ID)
    );

    // After the migration the certificate list is gone: normal, not an error.
    let report = running.refresh_platform_certificates().await.unwrap();
    assert!(report.no_certificates, "{report:?}");
    assert_eq!(running.platform_keys_status().failures, 0);
    let batch = trade_no("B");
    running.call(common::transfer_batch(&batch)).await.unwrap();
    let stored = sandbox.transfer_batch(running.mchid(), &batch).unwrap();
    assert_eq!(stored.wechatpay_serial, PUBLIC_KEY_ID);

    // A client configured for the migration from the start (both kinds,
    // certificates downloaded) works after it too, and one that prefers
    // the old certificate by name gets answers signed by the public key
    // once the certificate is gone.
    for prefer_certificate in [false, true] {
        let mut b = sandbox
            .merchant_client_builder()
            .unwrap()
            .download_platform_certificates(true)
            .platform_public_key(PUBLIC_KEY_ID, public.clone());
        if prefer_certificate {
            b = b.preferred_platform_serial(&certificate);
        }
        let client = b.build().unwrap();
        client
            .call(order(client.mchid(), &trade_no("late")))
            .await
            .unwrap();
        assert_eq!(client.platform_keys_status().failures, 0);
    }
}

#[tokio::test]
async fn a_public_key_merchant_in_mixed_mode_takes_404_as_normal() {
    let sandbox = Sandbox::start().await.unwrap();
    let mixed = sandbox
        .client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .build()
        .unwrap();
    mixed
        .call(order(mixed.mchid(), &trade_no("mixed")))
        .await
        .unwrap();
    let report = mixed.refresh_platform_certificates().await.unwrap();
    assert!(report.no_certificates);
    assert!(report.listed.is_empty());
    assert_eq!(mixed.platform_keys_status().failures, 0);

    // Certificates only, for a merchant that has none: a clear error, and
    // the order is never sent.
    let only_certificates = certificate_client(&sandbox);
    let e = only_certificates
        .call(order(mixed.mchid(), &trade_no("none")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("RESOURCE_NOT_EXISTS") && text.contains("platform_public_key"),
        "{text}"
    );
    assert_eq!(sandbox.hits(ORDERS), 1, "only the mixed client's order");
}

#[tokio::test]
async fn tampered_certificate_downloads_are_rejected() {
    let sandbox = certificate_sandbox().await;
    // A failed bootstrap holds the next back for up to this long.
    let backoff = Duration::from_millis(200);
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .on_demand_refresh_interval(backoff)
        .build()
        .unwrap();

    // Bytes changed in flight, or a signature that does not match: the
    // bootstrap fails, nothing is trusted, the order is not sent.
    for fault in [Fault::TamperBody, Fault::BadSignature] {
        sandbox.inject(
            FaultRule::new(fault.clone())
                .path("/v3/certificates")
                .times(1),
        );
        let e = client
            .call(order(client.mchid(), &trade_no("tamper")))
            .await
            .unwrap_err();
        let Error::Verify(v) = &e else {
            panic!("{fault:?}: expected a verification error, got {e:?}")
        };
        assert!(
            matches!(
                v.reason,
                VerifyReason::BadSignature | VerifyReason::CertificateDownload(_)
            ),
            "{fault:?}: {:?}",
            v.reason
        );
        assert!(client.key_store().is_empty());
        tokio::time::sleep(backoff).await;
    }
    assert_eq!(sandbox.hits(ORDERS), 0);
    assert_eq!(client.platform_keys_status().failures, 2);

    // Once the line is clean again, the next call bootstraps.
    client
        .call(order(client.mchid(), &trade_no("clean")))
        .await
        .unwrap();
    let trusted = client.key_store().serials();
    assert_eq!(trusted.len(), 1);

    // A list signed by the platform but holding a certificate encrypted
    // with another APIv3 key (as someone without ours would have to):
    // refused, and what was trusted stays as it was.
    let certificate = sandbox.platform_keys()[0].certificate.clone().unwrap();
    let pem = certificate.to_pem().unwrap();
    let foreign = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
    let ciphertext = foreign
        .encrypt(b"a1b2c3d4e5f6", b"certificate", &pem)
        .unwrap();
    let serial = certificate.serial().to_owned();
    sandbox.route(http::Method::GET, "/v3/certificates", move |_| {
        let list = serde_json::json!({"data": [{
            "serial_no": serial,
            "effective_time": "2026-01-01T00:00:00+08:00",
            "expire_time": "2031-01-01T00:00:00+08:00",
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": "a1b2c3d4e5f6",
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            }
        }]});
        async move { Reply::ok(&list) }
    });
    let e = client.refresh_platform_certificates().await.unwrap_err();
    assert!(
        matches!(&e, Error::Verify(v) if matches!(&v.reason, VerifyReason::CertificateDownload(m) if m.contains("does not decrypt"))),
        "{e:?}"
    );
    assert_eq!(client.key_store().serials(), trusted);
    let status = client.platform_keys_status();
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|m| m.contains("refused")),
        "{status:?}"
    );
    // Calls keep working with the keys already trusted.
    client
        .call(order(client.mchid(), &trade_no("still")))
        .await
        .unwrap();
}

fn random_serial() -> String {
    let mut bytes = [0u8; 20];
    wxpay_core::crypto::random_bytes(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Sends `n` orders whose answers name random unknown serials, `width` at
/// a time; every one must be refused for its unknown serial.
async fn forged_serials(sandbox: &Sandbox, client: &Client, n: usize, width: usize) {
    for _ in 0..n {
        sandbox.inject(
            FaultRule::new(Fault::UnknownSerial {
                serial: random_serial(),
            })
            .path(ORDER_PATH)
            .times(1),
        );
    }
    let mut sent = 0;
    while sent < n {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..width.min(n - sent) {
            let client = client.clone();
            calls.spawn(async move {
                client
                    .call(order(client.mchid(), &trade_no("forged")))
                    .await
            });
            sent += 1;
        }
        while let Some(result) = calls.join_next().await {
            let e = result.unwrap().unwrap_err();
            assert!(
                matches!(&e, Error::Verify(v) if matches!(v.reason, VerifyReason::UnknownSerial(_))),
                "{e:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_thousand_forged_serials_cause_at_most_one_download_per_window() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    client
        .call(order(client.mchid(), &trade_no("boot")))
        .await
        .unwrap();
    let before = sandbox.hits(CERTIFICATES);
    assert_eq!(before, 1);

    // Default window: one minute, far longer than this flood lasts.
    forged_serials(&sandbox, &client, 1000, 50).await;
    let downloads = sandbox.hits(CERTIFICATES) - before;
    assert!(downloads <= 1, "{downloads} downloads");
    let status = client.platform_keys_status();
    assert!(status.on_demand_refused >= 900, "{status:?}");
    // Genuine answers still verify.
    client
        .call(order(client.mchid(), &trade_no("after")))
        .await
        .unwrap();

    // A short window: still at most one download per window elapsed.
    let window = Duration::from_millis(200);
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .on_demand_refresh_interval(window)
        .build()
        .unwrap();
    client
        .call(order(client.mchid(), &trade_no("boot")))
        .await
        .unwrap();
    let before = sandbox.hits(CERTIFICATES);
    let started = Instant::now();
    forged_serials(&sandbox, &client, 300, 10).await;
    let elapsed = started.elapsed();
    let downloads = sandbox.hits(CERTIFICATES) - before;
    let windows = elapsed.as_millis() / window.as_millis() + 1;
    assert!(
        u128::from(downloads) <= windows,
        "{downloads} downloads in {elapsed:?} ({windows} windows)"
    );
    assert!(downloads >= 1);
}

#[tokio::test]
async fn periodic_refresh_finds_new_certificates_and_stops_with_the_client() {
    let sandbox = certificate_sandbox().await;
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .certificate_refresh_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    client
        .call(order(client.mchid(), &trade_no("p")))
        .await
        .unwrap();
    let announced = sandbox.announce_certificate().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !client.key_store().contains(&announced) {
        assert!(Instant::now() < deadline, "never refreshed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(client.platform_keys_status().on_demand_downloads, 0);

    let clone = client.clone();
    drop(client);
    // The surviving clone keeps the periodic refresh going.
    let before = sandbox.hits(CERTIFICATES);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.hits(CERTIFICATES) == before {
        assert!(
            Instant::now() < deadline,
            "refreshing stopped with a clone alive"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(clone);
    // Let a download under way finish, then nothing more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_drop = sandbox.hits(CERTIFICATES);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sandbox.hits(CERTIFICATES), after_drop);
}

#[tokio::test]
async fn notification_code_can_resolve_keys_and_verify_through_the_client() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    client
        .call(order(client.mchid(), &trade_no("n")))
        .await
        .unwrap();
    // The platform rotates; a notification arrives signed with the new key
    // before any answer showed it.
    let new = sandbox.rotate_certificate().unwrap();
    let signer = sandbox
        .platform_keys()
        .into_iter()
        .find(|k| k.serial == new)
        .unwrap();
    let body = br#"{"id":"EV-018","event_type":"TRANSACTION.SUCCESS"}"#;
    let timestamp = wxpay_sandbox::time::now_unix().to_string();
    let signature = signer
        .private_key
        .sign(&response_message(&timestamp, "nonce1", body))
        .unwrap();
    let signed = SignatureHeaders {
        timestamp: &timestamp,
        nonce: "nonce1",
        signature: &signature,
        serial: &new,
        signature_type: None,
    };
    client.verify_signature(&signed, body).await.unwrap();
    assert!(client.platform_key(&new).await.is_some());
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
    // A forged body is still refused.
    assert_eq!(
        client.verify_signature(&signed, b"{}").await,
        Err(VerifyReason::BadSignature)
    );
    // An unknown serial within the rate-limit window: no further download.
    assert!(client.platform_key("0BADBADBAD").await.is_none());
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
}

#[tokio::test]
async fn sandbox_platform_controls_over_http() {
    let sandbox = certificate_sandbox().await;
    let transport = wxpay_core::transport::HyperTransport::builder()
        .allow_http(true)
        .build()
        .unwrap();
    let send = |method: http::Method, path: &str, body: &'static [u8]| {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", sandbox.base_url()))
            .header("content-type", "application/json")
            .body(bytes::Bytes::from_static(body))
            .unwrap();
        let transport = transport.clone();
        async move {
            use wxpay_core::transport::Transport;
            let answer = transport.send(request).await.unwrap();
            let status = answer.status();
            let json = serde_json::from_slice::<serde_json::Value>(answer.body())
                .unwrap_or(serde_json::Value::Null);
            (status, json)
        }
    };
    let old = only_certificate_serial(&sandbox);
    let (status, rotated) = send(http::Method::POST, "/sandbox/platform/rotate", b"").await;
    assert_eq!(status, StatusCode::OK);
    let new = rotated["serial_no"].as_str().unwrap().to_owned();
    assert_eq!(sandbox.default_serial(), new);
    let (_, info) = send(http::Method::GET, "/sandbox/platform", b"").await;
    let keys = info["keys"].as_array().unwrap();
    assert!(
        keys.iter()
            .any(|k| k["serial"] == old.as_str() && k["retired"] == true)
    );
    let (status, _) = send(
        http::Method::DELETE,
        &format!("/sandbox/platform/certificates/{old}"),
        b"",
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, switched) = send(http::Method::POST, "/sandbox/platform/public-key", b"{}").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        switched["public_key_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN PUBLIC KEY")
    );
    let (status, _) = send(http::Method::DELETE, "/sandbox/platform/certificates", b"").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(sandbox.info().platform_serials.is_empty());
    // Removing what is not there is refused.
    let (status, e) = send(
        http::Method::DELETE,
        &format!("/sandbox/platform/certificates/{new}"),
        b"",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], "INVALID_REQUEST");

    // The sandbox now behaves as for a public-key merchant.
    let client = sandbox.client().unwrap();
    client
        .call(order(client.mchid(), &trade_no("pk")))
        .await
        .unwrap();
    let e = client
        .request_json(http::Method::GET, "/v3/certificates", &[], None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
}

#[tokio::test]
async fn waiting_for_an_on_demand_download_counts_against_the_timeout() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    client
        .call(order(client.mchid(), &trade_no("T")))
        .await
        .unwrap();
    let new = sandbox.announce_certificate().unwrap();
    sandbox.activate_certificate(&new).unwrap();
    // The next download answers in 10 s (the client's own timeout is 30 s),
    // far later than this call's 800 ms.
    sandbox.inject(
        FaultRule::new(Fault::Delay { ms: 10_000 })
            .path("/v3/certificates")
            .times(1),
    );
    let started = Instant::now();
    let e = client
        .call_with(
            order(client.mchid(), &trade_no("T")),
            CallOptions::new().timeout(Duration::from_millis(800)),
        )
        .await
        .unwrap_err();
    let waited = started.elapsed();
    // The answer arrived; it could not be verified in time. Its status and
    // Request-ID stay with the error, which is not retried.
    let Error::Verify(v) = &e else {
        panic!("expected a verification error, got {e:?}")
    };
    assert_eq!(v.reason, VerifyReason::UnknownSerial(new.clone()));
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.request_id.is_some());
    assert!(!e.is_retryable());
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // The download went on without the caller: once it lands, later calls
    // verify.
    let until = Instant::now() + Duration::from_secs(20);
    while !client.platform_keys_status().serials.contains(&new) {
        assert!(Instant::now() < until, "the download never landed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .call(order(client.mchid(), &trade_no("T")))
        .await
        .unwrap();
    assert_eq!(client.platform_keys_status().on_demand_downloads, 1);
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
}

#[tokio::test]
async fn with_both_keys_at_the_platform_each_client_gets_answers_it_can_verify() {
    // The platform holds a certificate (its default) and the public key.
    let sandbox = certificate_sandbox().await;
    let (public, private) = fixture_public_key();
    sandbox.add_public_key(PUBLIC_KEY_ID, private).unwrap();
    // A client that knows only the public key: it names it in
    // `Wechatpay-Serial` on every request, so answers are signed with it,
    // not with the certificate it could not verify (and never downloads).
    let public_only = sandbox
        .merchant_client_builder()
        .unwrap()
        .platform_public_key(PUBLIC_KEY_ID, public)
        .build()
        .unwrap();
    // A client that knows only the certificates.
    let certificates_only = certificate_client(&sandbox);
    for client in [&public_only, &certificates_only] {
        for _ in 0..3 {
            client
                .call(order(client.mchid(), &trade_no("both")))
                .await
                .unwrap();
        }
        assert_eq!(client.platform_keys_status().failures, 0);
    }
    assert_eq!(
        sandbox.hits(CERTIFICATES),
        1,
        "the certificate client's bootstrap"
    );
}

#[tokio::test]
async fn a_failed_bootstrap_backs_off_instead_of_downloading_before_every_call() {
    let sandbox = certificate_sandbox().await;
    // Another merchant's APIv3 key: every certificate fails to decrypt.
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .apiv3_key("0123456789abcdef0123456789abcdef")
        .download_platform_certificates(true)
        .build()
        .unwrap();
    let mut first = None;
    for i in 0..5 {
        let e = client
            .call(order(client.mchid(), &trade_no("wrong-key")))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Verify(v) if matches!(v.reason, VerifyReason::CertificateDownload(_))),
            "call {i}: {e:?}"
        );
        // Every call reports the same refusal.
        let text = e.to_string();
        assert_eq!(first.get_or_insert(text.clone()), &text);
    }
    assert_eq!(sandbox.hits(CERTIFICATES), 1);
    assert_eq!(sandbox.hits(ORDERS), 0);

    // A fixed preferred serial the platform never lists: the sensitive
    // calls that need it fail at once after the first download too.
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .preferred_platform_serial("0FEDCBA98765432100")
        .build()
        .unwrap();
    let before = sandbox.hits(CERTIFICATES);
    for _ in 0..4 {
        let e = client
            .call(common::transfer_batch(&trade_no("B")))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Build(_)) && e.to_string().contains("0FEDCBA98765432100"),
            "{e:?}"
        );
    }
    assert_eq!(sandbox.hits(CERTIFICATES) - before, 1);
}

#[tokio::test]
async fn waiting_for_a_bootstrap_counts_against_the_call_timeout() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    // The first download answers in 10 s; the client's own timeout is 30 s.
    sandbox.inject(
        FaultRule::new(Fault::Delay { ms: 10_000 })
            .path("/v3/certificates")
            .times(1),
    );
    let started = Instant::now();
    let e = client
        .call_with(
            order(client.mchid(), &trade_no("T")),
            CallOptions::new().timeout(Duration::from_millis(800)),
        )
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(sandbox.hits(ORDERS), 0);
    // A deadline shorter than the timeout bounds the wait as well.
    let started = Instant::now();
    let e = client
        .call_with(
            order(client.mchid(), &trade_no("T")),
            CallOptions::new().retry(RetryPolicy::default().deadline(Duration::from_millis(500))),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn forged_notification_serials_do_not_starve_answers() {
    let sandbox = certificate_sandbox().await;
    let client = certificate_client(&sandbox);
    client
        .call(order(client.mchid(), &trade_no("boot")))
        .await
        .unwrap();
    assert_eq!(sandbox.hits(CERTIFICATES), 1);

    // Serials that cannot be a certificate's never cause a download.
    for serial in [
        "PUB_KEY_ID_0119000001092026112700000000000099",
        "not-hex!",
        "",
    ] {
        assert!(client.platform_key(serial).await.is_none(), "{serial}");
    }
    assert_eq!(sandbox.hits(CERTIFICATES), 1);

    // A forged notification with a plausible serial spends the
    // notifications' budget...
    assert!(client.platform_key(&random_serial()).await.is_none());
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
    // ...and not the answers': the platform rotates, and the next answer,
    // signed with the new certificate, still verifies.
    let new = sandbox.announce_certificate().unwrap();
    sandbox.activate_certificate(&new).unwrap();
    client
        .call(order(client.mchid(), &trade_no("after")))
        .await
        .unwrap();
    assert_eq!(sandbox.hits(CERTIFICATES), 3);
    let status = client.platform_keys_status();
    assert!(status.serials.contains(&new), "{status:?}");
}

#[tokio::test]
async fn a_serial_no_download_listed_is_remembered() {
    let sandbox = certificate_sandbox().await;
    let window = Duration::from_millis(100);
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .on_demand_refresh_interval(window)
        .build()
        .unwrap();
    client
        .call(order(client.mchid(), &trade_no("boot")))
        .await
        .unwrap();
    let forged = random_serial();
    assert!(client.platform_key(&forged).await.is_none());
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
    // Long after the rate-limit window, the same serial is not looked for again.
    tokio::time::sleep(window * 3).await;
    assert!(client.platform_key(&forged).await.is_none());
    assert_eq!(sandbox.hits(CERTIFICATES), 2);
    // Another one is.
    assert!(client.platform_key(&random_serial()).await.is_none());
    assert_eq!(sandbox.hits(CERTIFICATES), 3);
}
