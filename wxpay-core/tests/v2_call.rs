//! `Client::call_v2` against a loopback APIv2 peer: what is sent (signed
//! XML, merchant, nonce, sign type), what is accepted, and every refusal;
//! mutual TLS with the API certificate as PEM and as PKCS#12.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod v2_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use v2_support::*;
use wxpay_core::error::VerifyReason;
use wxpay_core::http::Method;
use wxpay_core::v2::{SignType, V2Endpoint, sign};
use wxpay_core::{CallOptions, Client, Credentials, Error, RetryPolicy};

#[derive(Serialize)]
struct OrderQuery {
    appid: String,
    mch_id: Option<String>,
    out_trade_no: String,
    sign_type: Option<String>,
}

impl V2Endpoint for OrderQuery {
    type Response = OrderQueryAnswer;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/pay/orderquery";
}

#[derive(Debug, Deserialize)]
struct OrderQueryAnswer {
    out_trade_no: String,
    total_fee: i64,
    trade_state: String,
    #[serde(rename = "coupon_$n", default)]
    coupons: Vec<Coupon>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Coupon {
    coupon_id: String,
    coupon_fee: i64,
}

#[derive(Serialize)]
struct Refund {
    appid: String,
    out_trade_no: String,
    out_refund_no: String,
    total_fee: i64,
    refund_fee: i64,
}

impl V2Endpoint for Refund {
    type Response = RefundAnswer;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/secapi/pay/refund";
    const MUTUAL_TLS: bool = true;
}

#[derive(Debug, Deserialize)]
struct RefundAnswer {
    refund_id: String,
    refund_fee: i64,
}

#[derive(Serialize)]
struct Entrust {
    appid: String,
    plan_id: String,
    contract_code: String,
    notify_url: String,
}

impl V2Endpoint for Entrust {
    type Response = ();
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "/papay/entrustweb";
    const SIGN_TYPES: &'static [SignType] = &[SignType::Md5];
}

#[derive(Serialize)]
struct Unsigned {
    appid: String,
}

impl V2Endpoint for Unsigned {
    type Response = UnsignedAnswer;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/tools/unsigned";
    const SIGNED_ANSWER: bool = false;
}

#[derive(Debug, Deserialize)]
struct UnsignedAnswer {
    value: String,
}

fn query() -> OrderQuery {
    OrderQuery {
        appid: "wx8888888888888888".into(),
        mch_id: None,
        out_trade_no: "1415757673".into(),
        sign_type: None,
    }
}

fn builder(url: &str) -> wxpay_core::ClientBuilder {
    let credentials = Credentials::new(
        MCHID,
        SERIAL,
        wxpay_core::crypto::PrivateKey::from_pem(MERCHANT_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    Client::builder()
        .credentials(credentials)
        .base_url(url)
        .allow_http(true)
        .v2_key(key())
}

/// The peer's checks of a request: returns the request's fields, or why
/// it is refused.
fn check_request(seen: &v2_support::Seen) -> Result<Vec<(String, String)>, String> {
    if seen.header("content-type") != Some("application/xml") {
        return Err("content type".into());
    }
    let fields = seen.fields();
    let sign_type = get(&fields, "sign_type")
        .map(|t| SignType::parse(t).unwrap())
        .unwrap_or(SignType::Md5);
    if !sign::verify(
        &fields,
        &key(),
        sign_type,
        get(&fields, "sign").unwrap_or(""),
    ) {
        return Err("sign".into());
    }
    if get(&fields, "nonce_str").map(str::len) != Some(32) {
        return Err("nonce_str".into());
    }
    Ok(fields)
}

fn paid(sign_type: SignType, mch_id: &str) -> String {
    signed_xml(
        pairs(&[
            ("return_code", "SUCCESS"),
            ("return_msg", "OK"),
            ("result_code", "SUCCESS"),
            ("mch_id", mch_id),
            ("nonce_str", "IITRi8Iabbblz1Jc"),
            ("out_trade_no", "1415757673"),
            ("total_fee", "101"),
            ("trade_state", "SUCCESS"),
            ("coupon_count", "2"),
            ("coupon_id_1", "C1"),
            ("coupon_fee_1", "2"),
            ("coupon_id_0", "C0"),
            ("coupon_fee_0", "1"),
        ]),
        sign_type,
    )
}

fn answering(
    body: impl Fn(&[(String, String)]) -> String + Send + Sync + 'static,
) -> impl Fn(&v2_support::Seen) -> (u16, String) + Send + Sync + 'static {
    move |seen| match check_request(seen) {
        Ok(fields) => (200, body(&fields)),
        Err(what) => (
            200,
            xml_fail(&format!("request refused by the test peer: {what}")),
        ),
    }
}

fn xml_fail(msg: &str) -> String {
    wxpay_core::v2::xml::write(&pairs(&[("return_code", "FAIL"), ("return_msg", msg)]))
}

#[tokio::test]
async fn a_signed_call_is_sent_and_its_answer_verified_and_decoded() {
    let server = plain(answering(|_| paid(SignType::HmacSha256, MCHID))).await;
    let client = builder(&server.url).build().unwrap();
    let answer = client.call_v2(query()).await.unwrap();
    assert_eq!(answer.out_trade_no, "1415757673");
    assert_eq!(answer.total_fee, 101);
    assert_eq!(answer.trade_state, "SUCCESS");
    assert_eq!(
        answer.coupons,
        vec![
            Coupon {
                coupon_id: "C0".into(),
                coupon_fee: 1
            },
            Coupon {
                coupon_id: "C1".into(),
                coupon_fee: 2
            },
        ]
    );
    let seen = &server.requests()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/pay/orderquery");
    let fields = seen.fields();
    assert_eq!(get(&fields, "mch_id"), Some(MCHID));
    assert_eq!(get(&fields, "sign_type"), Some("HMAC-SHA256"));
    assert_eq!(get(&fields, "sign").unwrap().len(), 64);
    assert!(seen.client_cert.is_none());
}

#[tokio::test]
async fn md5_when_the_request_asks_and_answers_signed_with_their_own_sign_type() {
    let server = plain(answering(|_| paid(SignType::Md5, MCHID))).await;
    let client = builder(&server.url).build().unwrap();
    let mut request = query();
    request.sign_type = Some("MD5".into());
    request.mch_id = Some(String::new());
    client.call_v2(request).await.unwrap();
    // The answer is MD5 without naming it: the request's type is used.
    let fields = server.requests()[0].fields();
    assert_eq!(get(&fields, "sign_type"), Some("MD5"));
    assert_eq!(get(&fields, "mch_id"), Some(MCHID));
    assert_eq!(get(&fields, "sign").unwrap().len(), 32);
    // An answer in HMAC-SHA256 that says so, to an HMAC request.
    let server = plain(answering(|_| paid(SignType::HmacSha256, MCHID))).await;
    let client = builder(&server.url).build().unwrap();
    client.call_v2(query()).await.unwrap();

    let mut request = query();
    request.sign_type = Some("SHA1".into());
    let e = client.call_v2(request).await.unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e}");
}

#[tokio::test]
async fn every_attempt_has_its_own_nonce_and_sign() {
    let calls = Arc::new(AtomicU32::new(0));
    let count = calls.clone();
    let server = plain(move |seen| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            (503, "busy".into())
        } else {
            answering(|_| paid(SignType::HmacSha256, MCHID))(seen)
        }
    })
    .await;
    let client = builder(&server.url)
        .retry_policy(RetryPolicy::new().backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(5),
        ))
        .build()
        .unwrap();
    // Not idempotent by default: one attempt, the 503 is an API error.
    let e = client.call_v2(query()).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert!(e.is_retryable());
    assert_request_id(&e, 1);
    calls.store(0, Ordering::SeqCst);
    client
        .call_v2_with(query(), CallOptions::new().idempotent(true))
        .await
        .unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let (a, b) = (seen[1].fields(), seen[2].fields());
    assert_ne!(get(&a, "nonce_str"), get(&b, "nonce_str"));
    assert_ne!(get(&a, "sign"), get(&b, "sign"));
}

#[tokio::test]
async fn refusals_in_the_answer() {
    // return_code FAIL: unsigned, with its message.
    let server = plain(|_: &v2_support::Seen| (200, xml_fail("签名错误"))).await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    let Error::V2(v2) = &e else { panic!("{e:?}") };
    assert_eq!(v2.return_code, "FAIL");
    assert_eq!(v2.return_msg.as_deref(), Some("签名错误"));
    assert!(!v2.verified);
    assert_eq!(e.code(), Some("FAIL"));
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("签名错误"), "{e}");
    assert_request_id(&e, 1);

    // result_code FAIL, signed: err_code and its description.
    let server = plain(answering(|_| {
        signed_xml(
            pairs(&[
                ("return_code", "SUCCESS"),
                ("result_code", "FAIL"),
                ("mch_id", MCHID),
                ("err_code", "USERPAYING"),
                ("err_code_des", "需要用户输入支付密码"),
            ]),
            SignType::HmacSha256,
        )
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    let Error::V2(v2) = &e else { panic!("{e:?}") };
    assert_eq!(v2.err_code.as_deref(), Some("USERPAYING"));
    assert_eq!(v2.err_code_des.as_deref(), Some("需要用户输入支付密码"));
    assert!(v2.verified && v2.is_transient());
    assert_eq!(e.code(), Some("USERPAYING"));
    assert!(!e.is_retryable());
    assert_request_id(&e, 1);

    // A result FAIL whose sign is wrong is a verification failure first.
    let server = plain(answering(|_| {
        let body = signed_xml(
            pairs(&[
                ("return_code", "SUCCESS"),
                ("result_code", "FAIL"),
                ("err_code", "ORDERPAID"),
            ]),
            SignType::HmacSha256,
        );
        body.replace("ORDERPAID", "NOTPAID")
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert_verify(&e, VerifyReason::BadSignature);
}

fn assert_verify(e: &Error, reason: VerifyReason) {
    match e {
        Error::Verify(v) => assert_eq!(v.reason, reason),
        other => panic!("{other:?}"),
    }
    assert_request_id(e, 1);
}

/// `e` keeps the `Request-ID` of the peer's `number`th answer, and says it.
fn assert_request_id(e: &Error, number: usize) {
    let id = request_id(number);
    assert_eq!(e.request_id(), Some(id.as_str()), "{e:?}");
    assert!(e.to_string().contains(&id), "{e}");
}

#[tokio::test]
async fn forged_answers_are_refused() {
    // Another key.
    let server = plain(answering(|_| {
        let mut fields = pairs(&[("return_code", "SUCCESS"), ("result_code", "SUCCESS")]);
        let other = wxpay_core::v2::V2Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let sign = sign::sign(&fields, &other, SignType::Md5);
        fields.push(("sign".into(), sign));
        wxpay_core::v2::xml::write(&fields)
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert_verify(&e, VerifyReason::BadSignature);

    // A value changed after signing.
    let server = plain(answering(|_| {
        paid(SignType::HmacSha256, MCHID).replace("<total_fee>101<", "<total_fee>1<")
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert_verify(&e, VerifyReason::BadSignature);

    // No sign at all.
    let server = plain(answering(|_| {
        wxpay_core::v2::xml::write(&pairs(&[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("out_trade_no", "1"),
            ("total_fee", "1"),
            ("trade_state", "SUCCESS"),
        ]))
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert_verify(&e, VerifyReason::MissingSign);

    // Signed, but for another merchant.
    let server = plain(answering(|_| paid(SignType::HmacSha256, "1900000110"))).await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert_verify(&e, VerifyReason::ForeignMerchant("mch_id"));

    // Not XML.
    let server = plain(answering(|_| "{\"code\":\"SUCCESS\"}".into())).await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::V2Decode(_)), "{e:?}");
    assert_request_id(&e, 1);

    // Verified, but not the response type.
    let server = plain(answering(|_| {
        signed_xml(
            pairs(&[
                ("return_code", "SUCCESS"),
                ("result_code", "SUCCESS"),
                ("total_fee", "1"),
            ]),
            SignType::HmacSha256,
        )
    }))
    .await;
    let e = builder(&server.url)
        .build()
        .unwrap()
        .call_v2(query())
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("missing field `out_trade_no`"),
        "{e}"
    );
    assert_request_id(&e, 1);
}

#[tokio::test]
async fn unsigned_answers_only_where_declared() {
    let server = plain(answering(|_| {
        wxpay_core::v2::xml::write(&pairs(&[("return_code", "SUCCESS"), ("value", "v")]))
    }))
    .await;
    let client = builder(&server.url).build().unwrap();
    let answer = client
        .call_v2(Unsigned {
            appid: "wx1".into(),
        })
        .await
        .unwrap();
    assert_eq!(answer.value, "v");
}

#[tokio::test]
async fn requests_are_refused_before_sending() {
    let server = plain(answering(|_| paid(SignType::HmacSha256, MCHID))).await;
    let client = builder(&server.url).build().unwrap();
    let mut request = query();
    request.mch_id = Some("1900000110".into());
    let e = client.call_v2(request).await.unwrap_err();
    assert!(
        matches!(e, Error::Build(_)) && e.to_string().contains("mch_id"),
        "{e}"
    );
    // A mutual TLS operation without the API certificate.
    let e = client.call_v2(refund()).await.unwrap_err();
    assert!(
        matches!(e, Error::Build(_)) && e.to_string().contains("api_certificate"),
        "{e}"
    );
    // No v2 key.
    let credentials = Credentials::new(
        MCHID,
        SERIAL,
        wxpay_core::crypto::PrivateKey::from_pem(MERCHANT_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    let e = Client::builder()
        .credentials(credentials)
        .base_url(&server.url)
        .allow_http(true)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("no platform key"), "{e}");
    assert!(server.requests().is_empty());
}

fn refund() -> Refund {
    Refund {
        appid: "wx8888888888888888".into(),
        out_trade_no: "1415757673".into(),
        out_refund_no: "R1".into(),
        total_fee: 101,
        refund_fee: 100,
    }
}

fn refunded(_: &[(String, String)]) -> String {
    signed_xml(
        pairs(&[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("mch_id", MCHID),
            ("refund_id", "50000408942018111907145868882"),
            ("refund_fee", "100"),
        ]),
        SignType::HmacSha256,
    )
}

fn merchant_cert_der() -> Vec<u8> {
    openssl::x509::X509::from_pem(MERCHANT_CERT.as_bytes())
        .unwrap()
        .to_der()
        .unwrap()
}

#[tokio::test]
async fn mutual_tls_presents_the_api_certificate_from_pem() {
    let server = tls(true, answering(refunded)).await;
    let client = builder(&server.url)
        .add_root_certificate_pem(server.cert_pem.as_ref().unwrap())
        .api_certificate_pem(MERCHANT_CERT.as_bytes(), MERCHANT_KEY.as_bytes())
        .build()
        .unwrap();
    let answer = client.call_v2(refund()).await.unwrap();
    assert_eq!(answer.refund_id, "50000408942018111907145868882");
    assert_eq!(answer.refund_fee, 100);
    let seen = server.requests();
    assert_eq!(
        seen[0].client_cert.as_deref(),
        Some(&merchant_cert_der()[..])
    );

    // The same server, an operation without mutual TLS: the ordinary
    // transport presents no certificate and the handshake fails.
    let e = client.call_v2(query()).await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn mutual_tls_from_pkcs12_with_the_merchant_id_as_default_password() {
    let cert = openssl::x509::X509::from_pem(MERCHANT_CERT.as_bytes()).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(MERCHANT_KEY.as_bytes()).unwrap();
    let mut p12 = openssl::pkcs12::Pkcs12::builder();
    p12.name("Tenpay Certificate").pkey(&key).cert(&cert);
    let der = p12.build2(MCHID).unwrap().to_der().unwrap();

    let server = tls(true, answering(refunded)).await;
    let client = builder(&server.url)
        .add_root_certificate_pem(server.cert_pem.as_ref().unwrap())
        .api_certificate_p12(&der, None)
        .build()
        .unwrap();
    client.call_v2(refund()).await.unwrap();
    assert_eq!(
        server.requests()[0].client_cert.as_deref(),
        Some(&merchant_cert_der()[..])
    );

    let e = builder(&server.url)
        .api_certificate_p12(&der, Some("wrong"))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("PKCS#12"), "{e}");
    // A key that is not the certificate's.
    let other = wxpay_core::crypto::PrivateKey::generate()
        .unwrap()
        .to_pem()
        .unwrap();
    let e = builder(&server.url)
        .api_certificate_pem(MERCHANT_CERT.as_bytes(), &other)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("does not belong"), "{e}");
}

#[tokio::test]
async fn browser_operations_get_a_signed_url() {
    let client = builder("https://api.mch.weixin.qq.com").build().unwrap();
    let request = Entrust {
        appid: "wx8888888888888888".into(),
        plan_id: "12535".into(),
        contract_code: "100000".into(),
        notify_url: "https://example.com/notify?a=1&b=2".into(),
    };
    let url = client.v2_signed_url(&request).unwrap();
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, "https://api.mch.weixin.qq.com/papay/entrustweb");
    let fields: Vec<(String, String)> = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), percent_decode(v))
        })
        .collect();
    assert_eq!(
        get(&fields, "notify_url"),
        Some("https://example.com/notify?a=1&b=2")
    );
    assert_eq!(get(&fields, "mch_id"), Some(MCHID));
    assert_eq!(get(&fields, "sign_type"), None);
    assert!(sign::verify(
        &fields,
        &key(),
        SignType::Md5,
        get(&fields, "sign").unwrap()
    ));

    let e = client.call_v2(request).await.unwrap_err();
    assert!(e.to_string().contains("v2_signed_url"), "{e}");
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
