//! Unit tests of notification handling, against the known-answer vector
//! and notifications made here with the test keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::resource::{RefundStatus, TradeState, TradeType};
use super::*;
use crate::credentials::Credentials;
use crate::crypto::{ApiV3Key, PrivateKey};
use crate::error::VerifyReason;
use crate::protocol::{response_message, unix_seconds};
use crate::test_vectors as tv;

fn client_with(apiv3_key: Option<&str>) -> Client {
    let mut builder = Client::builder()
        .credentials(Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap())
        .platform_public_key(tv::PUBLIC_KEY_ID, tv::wechatpay_public_key());
    if let Some(key) = apiv3_key {
        builder = builder.apiv3_key(key);
    }
    builder.build().unwrap()
}

fn client() -> Client {
    client_with(Some(tv::APIV3_KEY))
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The vector's headers and body.
fn vector() -> (HeaderMap, Vec<u8>, Value) {
    let v = tv::case("notification_transaction_success");
    let mut map = HeaderMap::new();
    for (k, val) in v["headers"].as_object().unwrap() {
        map.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(val.as_str().unwrap()).unwrap(),
        );
    }
    let body = v["body"].as_str().unwrap().as_bytes().to_vec();
    (map, body, v)
}

const VECTOR_TIME: u64 = 1_700_000_000;

/// A notification body with `resource` encrypted with `key`.
fn envelope(event_type: &str, resource: &Value, key: &str) -> Vec<u8> {
    let ciphertext = ApiV3Key::new(key)
        .unwrap()
        .encrypt(
            b"0123456789ab",
            b"transaction",
            resource.to_string().as_bytes(),
        )
        .unwrap();
    json!({
        "id": "EV-TEST-1",
        "create_time": "2026-11-27T14:00:01+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "summary",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": "transaction",
            "nonce": "0123456789ab",
        },
    })
    .to_string()
    .into_bytes()
}

/// Signature headers over `body`, signed now with the WeChat Pay public key.
fn signed(body: &[u8]) -> HeaderMap {
    let key = PrivateKey::from_pem(tv::file("wechatpay_pubkey_private.pem").as_bytes()).unwrap();
    let timestamp = unix_seconds(SystemTime::now()).to_string();
    let nonce = "0123456789ABCDEF0123456789ABCDEF";
    let signature = key
        .sign(&response_message(&timestamp, nonce, body))
        .unwrap();
    let mut map = HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.as_str()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature.as_str()),
        ("wechatpay-serial", tv::PUBLIC_KEY_ID),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
        ("request-id", "08F0000000000000001"),
    ] {
        map.insert(name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn transaction_resource() -> Value {
    let v = tv::case("notification_transaction_success");
    serde_json::from_str(v["decrypted_resource"].as_str().unwrap()).unwrap()
}

fn refund_resource(status: &str) -> Value {
    json!({
        "mchid": tv::MCHID, "out_trade_no": "T1", "transaction_id": "4200000000202611270000000001",
        "out_refund_no": "R1", "refund_id": "50000000202611270000000000001",
        "refund_status": status, "user_received_account": "支付用户零钱",
        "amount": {"total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100},
    })
}

#[tokio::test]
async fn the_vector_is_verified_decrypted_and_typed() {
    let (headers, body, v) = vector();
    let raw = client()
        .open_notification_at(&headers, &body, at(VECTOR_TIME))
        .await
        .unwrap();
    let expected: Value = serde_json::from_str(v["decrypted_resource"].as_str().unwrap()).unwrap();
    assert_eq!(raw.resource, expected);
    assert_eq!(raw.envelope.id, "EV-2018022511223320873");
    assert_eq!(raw.envelope.create_time, "2026-11-27T14:00:01+08:00");
    assert_eq!(raw.envelope.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(raw.envelope.resource_type, "encrypt-resource");
    assert_eq!(raw.envelope.summary.as_deref(), Some("支付成功"));
    assert_eq!(raw.envelope.original_type.as_deref(), Some("transaction"));

    let n = raw.decode().unwrap();
    assert_eq!(n.id(), "EV-2018022511223320873");
    assert_eq!(n.event_type(), "TRANSACTION.SUCCESS");
    let Event::TransactionSuccess(t) = &n.event else {
        panic!("expected a direct transaction: {:?}", n.event)
    };
    assert_eq!(t.mchid, tv::MCHID);
    assert_eq!(t.appid, "wxd678efh567hg6787");
    assert_eq!(t.out_trade_no, "1217752501201407033233368018");
    assert_eq!(
        t.transaction_id.as_deref(),
        Some("4200000000202611270000000001")
    );
    assert_eq!(t.trade_state, TradeState::Success);
    assert_eq!(t.trade_type, Some(TradeType::Jsapi));
    assert_eq!(t.amount.total, 100);
    assert_eq!(t.amount.payer_total, Some(100));
    assert_eq!(
        t.payer.as_ref().unwrap().openid,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    );
}

#[tokio::test]
async fn the_skew_window_is_enforced_both_ways() {
    let (headers, body, _) = vector();
    let c = client();
    for (now, skew) in [(VECTOR_TIME + 301, 301), (VECTOR_TIME - 301, -301)] {
        let e = c
            .open_notification_at(&headers, &body, at(now))
            .await
            .unwrap_err();
        assert_eq!(
            e,
            NotifyError::StaleTimestamp {
                skew_secs: skew,
                allowed_secs: 300
            }
        );
        assert_eq!(e.answer().status, StatusCode::UNAUTHORIZED);
    }
    assert!(
        c.open_notification_at(&headers, &body, at(VECTOR_TIME + 300))
            .await
            .is_ok()
    );
    // The real clock is years past the vector: the public entry point refuses it.
    let e = c.parse_notification(&headers, &body).await.unwrap_err();
    assert!(matches!(e, NotifyError::StaleTimestamp { .. }), "{e}");
}

#[tokio::test]
async fn probes_are_refused_before_anything_else() {
    let (mut headers, body, _) = vector();
    headers.insert(
        "wechatpay-signature",
        HeaderValue::from_static("WECHATPAY/SIGNTEST/Ctn9ZK2w4kQPDk/BUdrQIZ4/Y3nKazpxoTZEe+Z4l0"),
    );
    // Even with an unknown serial: no key lookup, no download.
    headers.insert("wechatpay-serial", HeaderValue::from_static("UNKNOWN"));
    let e = client()
        .open_notification_at(&headers, &body, at(VECTOR_TIME))
        .await
        .unwrap_err();
    assert!(e.is_probe());
    assert!(!e.answer().is_success());
    assert_eq!(e.answer().status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_re_serialised_body_does_not_verify() {
    let (headers, body, _) = vector();
    let parsed: Value = serde_json::from_slice(&body).unwrap();
    let again = serde_json::to_vec(&parsed).unwrap();
    assert_ne!(again, body, "re-serialising changes the bytes");
    let e = client()
        .open_notification_at(&headers, &again, at(VECTOR_TIME))
        .await
        .unwrap_err();
    assert_eq!(e, NotifyError::BadSignature(VerifyReason::BadSignature));
    assert!(e.to_string().contains("raw body bytes"), "{e}");
    // A single changed byte too.
    let mut tampered = body.clone();
    let i = tampered.iter().position(|b| *b == b'9').unwrap();
    tampered[i] = b'8';
    assert!(matches!(
        client()
            .open_notification_at(&headers, &tampered, at(VECTOR_TIME))
            .await,
        Err(NotifyError::BadSignature(_))
    ));
}

#[tokio::test]
async fn header_problems_are_verification_failures() {
    let (headers, body, _) = vector();
    let c = client();
    for (name, shown) in [
        ("wechatpay-timestamp", "Wechatpay-Timestamp"),
        ("wechatpay-nonce", "Wechatpay-Nonce"),
        ("wechatpay-signature", "Wechatpay-Signature"),
        ("wechatpay-serial", "Wechatpay-Serial"),
    ] {
        let mut h = headers.clone();
        h.remove(name);
        let e = c
            .open_notification_at(&h, &body, at(VECTOR_TIME))
            .await
            .unwrap_err();
        assert_eq!(e, NotifyError::MissingHeader(shown));
        assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
    }
    let mut h = headers.clone();
    h.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SM2-WITH-SM3"),
    );
    assert!(matches!(
        c.open_notification_at(&h, &body, at(VECTOR_TIME)).await,
        Err(NotifyError::BadSignature(
            VerifyReason::UnsupportedSignatureType(_)
        ))
    ));
    let mut h = headers.clone();
    h.insert(
        "wechatpay-serial",
        HeaderValue::from_static("PUB_KEY_ID_0000"),
    );
    let e = c
        .open_notification_at(&h, &body, at(VECTOR_TIME))
        .await
        .unwrap_err();
    assert_eq!(e, NotifyError::UnknownSerial("PUB_KEY_ID_0000".into()));
    assert!(e.is_verification_failure());
}

#[tokio::test]
async fn decryption_needs_the_right_apiv3_key() {
    let (headers, body, _) = vector();
    let e = client_with(None)
        .open_notification_at(&headers, &body, at(VECTOR_TIME))
        .await
        .unwrap_err();
    assert_eq!(e, NotifyError::MissingApiV3Key);
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let e = client_with(Some("anotherApiV3Key0123456789abcdefX"))
        .open_notification_at(&headers, &body, at(VECTOR_TIME))
        .await
        .unwrap_err();
    assert_eq!(e, NotifyError::Decrypt);
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn verified_but_unreadable_envelopes_are_refused() {
    let c = client();
    let body = b"not json".to_vec();
    let e = c
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Malformed(_)), "{e}");
    assert_eq!(e.status(), StatusCode::BAD_REQUEST);

    let body = br#"{"id":"EV-1","create_time":"x","event_type":"TRANSACTION.SUCCESS"}"#.to_vec();
    let e = c
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Malformed(m) if m.starts_with("missing field `resource_type`")),
        "{e}"
    );

    let mut v: Value =
        serde_json::from_slice(&envelope("TRANSACTION.SUCCESS", &json!({}), tv::APIV3_KEY))
            .unwrap();
    v["resource"]["algorithm"] = json!("AEAD_SM4_GCM");
    let body = v.to_string().into_bytes();
    let e = c
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap_err();
    assert_eq!(e, NotifyError::UnsupportedAlgorithm("AEAD_SM4_GCM".into()));
}

#[tokio::test]
async fn events_are_typed_by_event_type_and_shape() {
    let c = client();
    let parse = |event_type: &str, resource: Value| {
        let body = envelope(event_type, &resource, tv::APIV3_KEY);
        let c = c.clone();
        async move { c.parse_notification(&signed(&body), &body).await }
    };

    let n = parse("TRANSACTION.SUCCESS", transaction_resource())
        .await
        .unwrap();
    assert!(matches!(n.event, Event::TransactionSuccess(_)));
    assert_eq!(
        n.envelope.request_id.as_deref(),
        Some("08F0000000000000001")
    );

    let partner = json!({
        "sp_appid": "wx8888888888888888", "sp_mchid": "1230000109", "sub_mchid": tv::MCHID,
        "out_trade_no": "T1", "transaction_id": "4200000000202611270000000001",
        "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "payer": {"sp_openid": "o-sp"}, "amount": {"total": 100, "payer_total": 100},
    });
    let n = parse("TRANSACTION.SUCCESS", partner).await.unwrap();
    let Event::PartnerTransactionSuccess(t) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(t.sub_mchid, tv::MCHID);
    assert_eq!(t.sp_mchid, "1230000109");

    for (event_type, status) in [
        ("REFUND.SUCCESS", RefundStatus::Success),
        ("REFUND.ABNORMAL", RefundStatus::Abnormal),
        ("REFUND.CLOSED", RefundStatus::Closed),
    ] {
        let n = parse(event_type, refund_resource(status.as_str()))
            .await
            .unwrap();
        let refund = match &n.event {
            Event::RefundSuccess(r) if event_type == "REFUND.SUCCESS" => r,
            Event::RefundAbnormal(r) if event_type == "REFUND.ABNORMAL" => r,
            Event::RefundClosed(r) if event_type == "REFUND.CLOSED" => r,
            other => panic!("{event_type}: {other:?}"),
        };
        assert_eq!(refund.refund_status, status);
        assert_eq!(refund.amount.payer_refund, 100);
    }

    let contract = json!({"contract_id": "C1", "out_contract_code": "c1", "plan_id": 12});
    let n = parse("PAPAY.SIGN", contract).await.unwrap();
    let Event::PapaySign(c) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!((c.contract_id.as_str(), c.plan_id), ("C1", Some(12)));
    assert_eq!(n.event.event_type(), "PAPAY.SIGN");

    let unknown = json!({"anything": [1, 2]});
    let n = parse("MEDICAL_INSURANCE.SUCCESS", unknown.clone())
        .await
        .unwrap();
    assert_eq!(
        n.event,
        Event::Other {
            event_type: "MEDICAL_INSURANCE.SUCCESS".into(),
            resource: unknown
        }
    );
    assert_eq!(n.event.event_type(), "MEDICAL_INSURANCE.SUCCESS");
}

#[tokio::test]
async fn payment_notifications_are_typed_by_the_resources_shape() {
    let c = client();
    let parse = |resource: Value| {
        let body = envelope("TRANSACTION.SUCCESS", &resource, tv::APIV3_KEY);
        let c = c.clone();
        async move { c.parse_notification(&signed(&body), &body).await }
    };
    let combined = json!({
        "combine_appid": "wx1", "combine_mchid": "1900000109",
        "combine_out_trade_no": "C1", "combine_transaction_id": "4200000000000000000001",
        "sp_mchid": "ignored: combine_mchid decides first",
        "sub_orders": [{"mchid": "1900000109", "out_trade_no": "S1", "trade_state": "SUCCESS",
                        "amount": {"total_amount": 10, "payer_amount": 10}}],
        "combine_payer_info": {"openid": "o1"}
    });
    let n = parse(combined).await.unwrap();
    let Event::CombineTransactionSuccess(t) = &n.event else {
        panic!("{:?}", n.event)
    };
    let sub = &t.sub_orders.as_ref().unwrap()[0];
    assert_eq!(sub.out_trade_no, "S1");
    assert_eq!(sub.amount.as_ref().unwrap().payer_amount, Some(10));

    let mut partner = transaction_resource();
    partner.as_object_mut().unwrap().remove("appid");
    partner["sp_appid"] = json!("wx8888888888888888");
    partner["sp_mchid"] = json!("1230000109");
    partner["sub_mchid"] = partner["mchid"].clone();
    let n = parse(partner).await.unwrap();
    assert!(
        matches!(n.event, Event::PartnerTransactionSuccess(_)),
        "{:?}",
        n.event
    );

    let n = parse(transaction_resource()).await.unwrap();
    assert!(
        matches!(n.event, Event::TransactionSuccess(_)),
        "{:?}",
        n.event
    );
    assert_eq!(n.event.event_type(), "TRANSACTION.SUCCESS");

    // A combined payment missing its own number fails as one, not as a
    // direct order.
    let e = parse(json!({"combine_appid": "wx1", "combine_mchid": "1"}))
        .await
        .unwrap_err();
    let NotifyError::Decode { model, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*model, "CombineTransaction");
    assert_eq!(reason, "missing field `combine_out_trade_no`");
}

#[tokio::test]
async fn every_listed_event_type_has_a_variant_and_refuses_a_misfit() {
    let c = client();
    for event_type in Event::TYPED {
        // A string fits no model: a listed type is never `Other`.
        let body = envelope(event_type, &json!("SECRET"), tv::APIV3_KEY);
        let e = c
            .parse_notification(&signed(&body), &body)
            .await
            .unwrap_err();
        let NotifyError::Decode { event_type: t, .. } = &e else {
            panic!("{event_type}: {e:?}")
        };
        assert_eq!(t, event_type);
        assert!(!format!("{e} {e:?}").contains("SECRET"), "{e:?}");
    }
}

#[tokio::test]
async fn a_resource_that_does_not_fit_is_refused_without_showing_data() {
    let c = client();
    let mut resource = transaction_resource();
    resource["payer"]["openid"] = json!("oSECRET-OPENID");
    resource["amount"]["total"] = json!("SECRET-TOTAL");
    let body = envelope("TRANSACTION.SUCCESS", &resource, tv::APIV3_KEY);
    let e = c
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap_err();
    let NotifyError::Decode { model, reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*model, "Transaction");
    assert_eq!(reason, "invalid type, expected i64");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let mut resource = refund_resource("SUCCESS");
    resource.as_object_mut().unwrap().remove("refund_id");
    let body = envelope("REFUND.SUCCESS", &resource, tv::APIV3_KEY);
    let e = c
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("missing field `refund_id`"), "{e}");

    // The raw form still reads it.
    let raw = c.open_notification(&signed(&body), &body).await.unwrap();
    assert_eq!(raw.resource["out_refund_no"], "R1");
}

#[tokio::test]
async fn whole_requests_are_accepted() {
    let body = envelope(
        "TRANSACTION.SUCCESS",
        &transaction_resource(),
        tv::APIV3_KEY,
    );
    let mut request = http::Request::new(Bytes::from(body.clone()));
    *request.headers_mut() = signed(&body);
    let n = client().parse_notification_request(&request).await.unwrap();
    assert!(matches!(n.event, Event::TransactionSuccess(_)));
}

#[tokio::test]
async fn notifications_are_processed_once_with_a_deduplicator() {
    let body = envelope(
        "TRANSACTION.SUCCESS",
        &transaction_resource(),
        tv::APIV3_KEY,
    );
    let headers = signed(&body);
    let handler = Notifications::new(client()).deduplicate(MemoryDeduplicator::default());
    let runs = Arc::new(AtomicUsize::new(0));
    let process = |fail: bool| {
        let runs = runs.clone();
        move |n: Notification| async move {
            assert_eq!(n.id(), "EV-TEST-1");
            runs.fetch_add(1, Ordering::SeqCst);
            if fail {
                Err("database unavailable")
            } else {
                Ok(())
            }
        }
    };

    // Fails: refused, and the next delivery is processed.
    let outcome = handler.handle(&headers, &body, process(true)).await;
    assert!(matches!(
        outcome,
        Outcome::Failed {
            error: "database unavailable",
            ..
        }
    ));
    assert_eq!(outcome.answer().status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!outcome.is_acknowledged());
    let outcome = handler.handle(&headers, &body, process(false)).await;
    assert!(matches!(outcome, Outcome::Processed { ref id } if id == "EV-TEST-1"));
    assert_eq!(outcome.answer(), Answer::success());
    // Delivered again: acknowledged, not processed.
    let outcome = handler.handle(&headers, &body, process(false)).await;
    assert!(matches!(outcome, Outcome::Duplicate { .. }));
    assert!(outcome.is_acknowledged());
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // A forged delivery never reaches the processing.
    let mut forged = headers.clone();
    forged.insert(
        "wechatpay-signature",
        HeaderValue::from_static("WECHATPAY/SIGNTEST/AAAA"),
    );
    let outcome = handler.handle(&forged, &body, process(false)).await;
    assert!(matches!(outcome, Outcome::Rejected(NotifyError::Probe)));
    assert_eq!(outcome.answer().status, StatusCode::UNAUTHORIZED);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_delivery_racing_another_is_refused_until_it_finishes() {
    let body = envelope(
        "TRANSACTION.SUCCESS",
        &transaction_resource(),
        tv::APIV3_KEY,
    );
    let headers = signed(&body);
    let dedup = Arc::new(MemoryDeduplicator::default());
    let handler = Notifications::new(client()).deduplicate_shared(dedup.clone());
    assert_eq!(dedup.claim("EV-TEST-1").await.unwrap(), Claim::New);
    let outcome = handler
        .handle(&headers, &body, |_| async { Ok::<(), ()>(()) })
        .await;
    assert!(matches!(outcome, Outcome::InProgress { .. }));
    assert_eq!(outcome.answer().status, StatusCode::SERVICE_UNAVAILABLE);
    // Without a deduplicator every delivery is processed.
    let plain = Notifications::new(client());
    let outcome = plain
        .handle(&headers, &body, |_| async { Ok::<(), ()>(()) })
        .await;
    assert!(matches!(outcome, Outcome::Processed { .. }));
    assert!(format!("{handler:?}").contains("deduplicates: true"));
}

#[tokio::test]
async fn escaped_slashes_in_the_wire_resource_are_read() {
    // Encoders may write `/` as `\/`; the encrypted resource, borrowed
    // from the body where it can be, must then be unescaped, not refused.
    let body = envelope(
        "TRANSACTION.SUCCESS",
        &transaction_resource(),
        tv::APIV3_KEY,
    );
    let text = String::from_utf8(body).unwrap();
    let escaped = text.replace('/', "\\/");
    assert_ne!(escaped, text, "the test needs a `/` to escape");
    let body = escaped.into_bytes();
    let n = client()
        .parse_notification(&signed(&body), &body)
        .await
        .unwrap();
    assert!(matches!(n.event, Event::TransactionSuccess(_)));
}
