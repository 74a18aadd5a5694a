//! v2 notifications posted over a loopback socket to an axum receiver
//! using `VerifiedV2Notification`: payment results signed with the v2 key,
//! refund results whose `req_info` the test encrypts with OpenSSL itself.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod v2_support;

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use v2_support::*;
use wxpay_core::notify::axum::VerifiedV2Notification;
use wxpay_core::notify::{NotifyError, V2Answer, V2Notification};
use wxpay_core::v2::{SignType, sign, xml};
use wxpay_core::{Client, Credentials};

fn client(with_key: bool) -> Client {
    let credentials = Credentials::new(
        MCHID,
        SERIAL,
        wxpay_core::crypto::PrivateKey::from_pem(MERCHANT_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    let builder = Client::builder().credentials(credentials);
    if with_key {
        builder.v2_key(key()).build().unwrap()
    } else {
        builder
            .platform_public_key_pem(
                "PUB_KEY_ID_0119000001092026112700000000000001",
                include_bytes!("../../tests/fixtures/wechatpay_pubkey.pem"),
            )
            .build()
            .unwrap()
    }
}

type Received = Arc<Mutex<Vec<V2Notification>>>;

/// An axum receiver on a loopback port; returns its URL and what its
/// handler received.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let record = received.clone();
    let app = axum::Router::new()
        .route(
            "/notify",
            axum::routing::post(move |VerifiedV2Notification(n): VerifiedV2Notification| {
                let record = record.clone();
                async move {
                    record.lock().unwrap().push(n);
                    V2Answer::success()
                }
            }),
        )
        .with_state(client(true));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("{addr}"), received)
}

/// POSTs `body` as the platform does; returns the status and answer body.
async fn post(addr: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /notify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/xml"),
        "{head}"
    );
    (status, body.to_owned())
}

fn payment(mch_id: &str) -> Vec<(String, String)> {
    pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试"),
        ("bank_type", "CFT"),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", mch_id),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", "1409811653"),
        ("result_code", "SUCCESS"),
        ("time_end", "20140903131540"),
        ("total_fee", "101"),
        ("cash_fee", "100"),
        ("coupon_fee", "1"),
        ("coupon_count", "1"),
        ("coupon_type_0", "CASH"),
        ("coupon_id_0", "10000"),
        ("coupon_fee_0", "1"),
        ("trade_type", "JSAPI"),
        ("transaction_id", "1004400740201409030005092168"),
    ])
}

fn answer_code(body: &str) -> String {
    let fields = xml::parse(body.as_bytes()).unwrap();
    get(&fields, "return_code").unwrap().to_owned()
}

#[tokio::test]
async fn signed_payment_results_are_accepted_and_typed() {
    let (addr, received) = receiver().await;
    for sign_type in [SignType::Md5, SignType::HmacSha256] {
        let (status, body) = post(&addr, &signed_xml(payment(MCHID), sign_type)).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            "<xml><return_code><![CDATA[SUCCESS]]></return_code>\
             <return_msg><![CDATA[OK]]></return_msg></xml>"
        );
    }
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 2);
    let V2Notification::Payment(paid) = &received[0] else {
        panic!("{:?}", received[0])
    };
    assert_eq!(paid.out_trade_no, "1409811653");
    assert_eq!(paid.total_fee, 101);
    assert_eq!(paid.cash_fee, Some(100));
    assert_eq!(paid.attach.as_deref(), Some("支付测试"));
    assert_eq!(paid.coupons.len(), 1);
    assert_eq!(paid.coupons[0].coupon_type.as_deref(), Some("CASH"));
    assert_eq!(paid.coupons[0].coupon_fee, Some(1));
    assert!(paid.fields.iter().any(|(k, _)| k == "sign"));
}

#[tokio::test]
async fn forged_payment_results_are_refused_with_fail() {
    let (addr, received) = receiver().await;
    let tampered = signed_xml(payment(MCHID), SignType::Md5)
        .replace("<total_fee>101</total_fee>", "<total_fee>1</total_fee>");
    let unsigned = xml::write(&payment(MCHID));
    let mut other_key = payment(MCHID);
    let s = sign::sign(
        &other_key,
        &wxpay_core::v2::V2Key::new("0123456789abcdef0123456789abcdef").unwrap(),
        SignType::Md5,
    );
    other_key.push(("sign".into(), s));
    let other_merchant = signed_xml(payment("1900000110"), SignType::Md5);
    for body in [tampered, unsigned, xml::write(&other_key), other_merchant] {
        let (status, answer) = post(&addr, &body).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(answer_code(&answer), "FAIL");
    }
    let (status, answer) = post(&addr, "<xml><a>1</a>").await;
    assert_eq!((status, answer_code(&answer).as_str()), (400, "FAIL"));
    assert!(received.lock().unwrap().is_empty());
}

/// `req_info` as the platform makes it, with OpenSSL directly: AES-256-ECB
/// under the lowercase hex MD5 of the key.
fn seal(plain: &str, v2_key: &str) -> String {
    let digest =
        openssl::hash::hash(openssl::hash::MessageDigest::md5(), v2_key.as_bytes()).unwrap();
    let aes_key: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let sealed = openssl::symm::encrypt(
        openssl::symm::Cipher::aes_256_ecb(),
        aes_key.as_bytes(),
        None,
        plain.as_bytes(),
    )
    .unwrap();
    openssl::base64::encode_block(&sealed)
}

fn refund(req_info: &str, mch_id: &str) -> String {
    xml::write(&pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", mch_id),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("req_info", req_info),
    ]))
}

const REFUND_INFO: &str = "<root>\n<out_refund_no><![CDATA[131811191610442717309]]></out_refund_no>\n\
    <out_trade_no><![CDATA[71106718111915575302817]]></out_trade_no>\n\
    <refund_account><![CDATA[REFUND_SOURCE_RECHARGE_FUNDS]]></refund_account>\n\
    <refund_fee><![CDATA[3960]]></refund_fee>\n\
    <refund_id><![CDATA[50000408942018111907145868882]]></refund_id>\n\
    <refund_recv_accout><![CDATA[支付用户零钱]]></refund_recv_accout>\n\
    <refund_request_source><![CDATA[API]]></refund_request_source>\n\
    <refund_status><![CDATA[SUCCESS]]></refund_status>\n\
    <settlement_refund_fee><![CDATA[3960]]></settlement_refund_fee>\n\
    <settlement_total_fee><![CDATA[3960]]></settlement_total_fee>\n\
    <success_time><![CDATA[2018-11-19 16:24:13]]></success_time>\n\
    <total_fee><![CDATA[3960]]></total_fee>\n\
    <transaction_id><![CDATA[4200000215201811190261405420]]></transaction_id>\n</root>";

#[tokio::test]
async fn refund_results_are_decrypted_and_typed() {
    let (addr, received) = receiver().await;
    let (status, answer) = post(&addr, &refund(&seal(REFUND_INFO, KEY), MCHID)).await;
    assert_eq!((status, answer_code(&answer).as_str()), (200, "SUCCESS"));
    {
        let received = received.lock().unwrap();
        let V2Notification::Refund(refund) = &received[0] else {
            panic!("{:?}", received[0])
        };
        assert_eq!(refund.mch_id, MCHID);
        assert_eq!(refund.info.refund_id, "50000408942018111907145868882");
        assert_eq!(refund.info.refund_fee, 3960);
        assert_eq!(refund.info.refund_status, "SUCCESS");
        assert_eq!(
            refund.info.refund_recv_accout.as_deref(),
            Some("支付用户零钱")
        );
    }

    // Under another key; for another merchant; not a refund result.
    let other = seal(REFUND_INFO, "0123456789abcdef0123456789abcdef");
    let (status, answer) = post(&addr, &refund(&other, MCHID)).await;
    assert_eq!((status, answer_code(&answer).as_str()), (500, "FAIL"));
    let (status, _) = post(&addr, &refund(&seal(REFUND_INFO, KEY), "1900000110")).await;
    assert_eq!(status, 401);
    let (status, _) = post(&addr, &refund(&seal("<root><a>1</a></root>", KEY), MCHID)).await;
    assert_eq!(status, 500);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn a_client_without_the_v2_key_refuses() {
    let e = client(false)
        .parse_v2_notification(signed_xml(payment(MCHID), SignType::Md5).as_bytes())
        .unwrap_err();
    assert_eq!(e, NotifyError::MissingV2Key);
    assert_eq!(e.v2_answer().status.as_u16(), 500);
    assert!(!e.v2_answer().is_success());
}
