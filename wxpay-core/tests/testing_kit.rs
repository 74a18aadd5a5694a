//! The test kit (`wxpay_core::testing`) through the real client: typed
//! calls decode what the closure answers, requests are recorded signed,
//! error answers become the `Error::Api` the constructors build, and
//! forged answers are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
// The endpoints below are a test's, public only because `#[endpoint]`'s
// client trait is.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wxpay_core::crypto::{PrivateKey, base64_decode};
use wxpay_core::error::{ApiError, VerifyReason};
use wxpay_core::protocol::{Authorization, request_message};
use wxpay_core::testing::{Answer, MCHID, PUBLIC_KEY_ID, Request, StubPlatform};
use wxpay_core::{Credentials, Error, RetryPolicy, endpoint};

/// An order by merchant order number (path parameter and query).
#[endpoint(GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}", response = Order)]
pub struct QueryOrder {
    pub out_trade_no: String,
    pub mchid: String,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub out_trade_no: String,
    pub trade_state: String,
    pub amount: OrderAmount,
}

#[derive(Debug, Deserialize)]
pub struct OrderAmount {
    pub total: i64,
}

/// A JSAPI order (JSON body).
#[endpoint(POST, "/v3/pay/transactions/jsapi", response = Prepay)]
pub struct Jsapi {
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub out_trade_no: String,
    pub notify_url: String,
    pub amount: Amount,
}

#[derive(Debug, Serialize)]
pub struct Amount {
    pub total: i64,
}

#[derive(Debug, Deserialize)]
pub struct Prepay {
    pub prepay_id: String,
}

/// Closing an order (answered `204`).
#[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
pub struct Close {
    pub out_trade_no: String,
    pub mchid: String,
}

/// A payee whose name the client encrypts with the platform key.
#[endpoint(POST, "/v3/custom/payees", response = Payee)]
pub struct RegisterPayee {
    pub openid: String,
    #[sensitive]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Payee {
    pub payee_id: String,
}

fn jsapi(out_trade_no: &str, total: i64) -> Jsapi {
    Jsapi {
        appid: "wxd678efh567hg6787".into(),
        mchid: MCHID.into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: out_trade_no.into(),
        notify_url: "https://www.example.com/wxpay/notify".into(),
        amount: Amount { total },
    }
}

/// Answers an order query from the request itself: the path's order
/// number, and a total that depends on it.
fn order_from_path(request: &Request) -> Answer {
    let path = request.uri().path();
    let Some(no) = path.strip_prefix("/v3/pay/transactions/out-trade-no/") else {
        return Answer::error(404, "NOT_FOUND", "no such route");
    };
    Answer::ok(json!({
        "out_trade_no": no,
        "trade_state": "SUCCESS",
        "amount": { "total": no.len() as i64 * 10 },
        "added_later": true,
    }))
}

#[tokio::test]
async fn a_typed_call_decodes_the_closures_answer() {
    let platform = StubPlatform::new(order_from_path).unwrap();
    let client = platform.client().unwrap();
    let order = client
        .get_pay_transactions_out_trade_no(QueryOrder {
            out_trade_no: "T-2026 12".into(),
            mchid: client.mchid().into(),
        })
        .await
        .unwrap();
    // The path parameter went out percent-encoded and came back decoded
    // by nobody: the stub echoes the path as sent.
    assert_eq!(order.out_trade_no, "T-2026%2012");
    assert_eq!(order.trade_state, "SUCCESS");
    assert_eq!(order.amount.total, 110);

    let sent = platform.last_request().unwrap();
    assert_eq!(sent.method, Method::GET);
    assert_eq!(sent.path, "/v3/pay/transactions/out-trade-no/T-2026%2012");
    assert_eq!(sent.query_param("mchid"), Some(MCHID));
    assert_eq!(sent.raw_body.len(), 0);
    assert!(sent.body.is_null());
    assert!(sent.signed_by_merchant);

    // A 204 answer is verified too, and decodes into `()`.
    let platform = StubPlatform::new(|_| Answer::no_content()).unwrap();
    let client = platform.client().unwrap();
    client
        .post_pay_transactions_out_trade_no_close(Close {
            out_trade_no: "T1".into(),
            mchid: MCHID.into(),
        })
        .await
        .unwrap();
    assert_eq!(platform.requests().len(), 1);
}

#[tokio::test]
async fn the_recorded_request_is_signed_by_the_merchant_and_holds_the_body() {
    let platform = StubPlatform::new(|request| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        Answer::ok(json!({ "prepay_id": format!("wx-{}", body["out_trade_no"].as_str().unwrap()) }))
    })
    .unwrap();
    let client = platform.client().unwrap();
    let prepay = client
        .post_pay_transactions_jsapi(jsapi("1217752501201407033233368018", 100))
        .await
        .unwrap();
    assert_eq!(prepay.prepay_id, "wx-1217752501201407033233368018");

    let sent = platform.last_request().unwrap();
    assert_eq!(sent.method, Method::POST);
    assert_eq!(sent.path, "/v3/pay/transactions/jsapi");
    assert!(sent.query.is_empty());
    assert_eq!(sent.body["out_trade_no"], "1217752501201407033233368018");
    assert_eq!(sent.body["amount"]["total"], 100);
    assert_eq!(sent.body["description"], "Image形象店-深圳腾大-QQ公仔");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("wechatpay-serial"), Some(PUBLIC_KEY_ID));
    assert!(sent.request_id.starts_with("stub-"), "{}", sent.request_id);
    assert!(sent.signed_by_merchant);

    // Checked here without the kit: the signature covers this method,
    // path and body, with the merchant key the stub's credentials hold.
    let auth = Authorization::parse(sent.header("authorization").unwrap()).unwrap();
    assert_eq!(auth.mchid, MCHID);
    assert_eq!(auth.serial_no, platform.credentials().serial());
    let message = request_message(
        "POST",
        "/v3/pay/transactions/jsapi",
        auth.timestamp.parse().unwrap(),
        auth.nonce_str,
        &sent.raw_body,
    );
    let merchant_public = platform.credentials().private_key().public_key().unwrap();
    let signature = base64_decode(auth.signature).unwrap();
    assert!(merchant_public.verify(&message, &signature));
    assert!(!merchant_public.verify(b"another message", &signature));

    // `Debug` keeps the signature out.
    let shown = format!("{sent:?}");
    assert!(!shown.contains(auth.signature), "{shown}");

    // A client signing with other credentials is recorded as such.
    let stranger = Credentials::new(MCHID, "0000", PrivateKey::generate().unwrap()).unwrap();
    let client = platform
        .client_builder()
        .credentials(stranger)
        .build()
        .unwrap();
    client
        .post_pay_transactions_jsapi(jsapi("T2", 1))
        .await
        .unwrap();
    let sent = platform.requests();
    assert_eq!(sent.len(), 2);
    assert!(!sent[1].signed_by_merchant);
    assert_ne!(sent[0].request_id, sent[1].request_id);
}

#[tokio::test]
async fn queries_are_recorded_decoded() {
    let platform = StubPlatform::new(|_| Answer::ok(json!({}))).unwrap();
    let client = platform.client().unwrap();
    client
        .request_json(
            Method::GET,
            "/v3/bill/tradebill",
            &[("bill_date", "2026-12-03"), ("note", "a b,你好&c=d")],
            None,
        )
        .await
        .unwrap();
    let sent = platform.last_request().unwrap();
    assert_eq!(
        sent.query,
        vec![
            ("bill_date".to_owned(), "2026-12-03".to_owned()),
            ("note".to_owned(), "a b,你好&c=d".to_owned()),
        ]
    );
    assert!(sent.signed_by_merchant);
}

#[tokio::test]
async fn an_error_answer_becomes_error_api() {
    let platform = StubPlatform::new(|request| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        Answer::error(400, "PARAM_ERROR", "amount.total must be positive")
            .detail(json!({
                "field": "amount.total",
                "value": body["amount"]["total"],
                "issue": "must be positive",
                "location": "body",
            }))
            .request_id("08F78BB5AF0610D302")
    })
    .unwrap();
    let client = platform.client().unwrap();
    let error = client
        .post_pay_transactions_jsapi(jsapi("T3", -5))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(error.code(), Some("PARAM_ERROR"));
    assert_eq!(error.request_id(), Some("08F78BB5AF0610D302"));
    assert!(!error.is_retryable());
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        api.message.as_deref(),
        Some("amount.total must be positive")
    );
    assert_eq!(api.detail.as_ref().unwrap()["value"], -5);
    assert!(api.verified);
    assert_eq!(api.detail_field(), Some("amount.total"));
    assert_eq!(api.detail_issue(), Some("must be positive"));
    assert_eq!(
        platform.last_request().unwrap().request_id,
        "08F78BB5AF0610D302"
    );

    // Unsigned, the same answer is read but not trusted.
    let platform = StubPlatform::new(|_| {
        Answer::error(400, "PARAM_ERROR", "bad")
            .detail(json!({ "field": "amount.total" }))
            .unsigned()
    })
    .unwrap();
    let error = platform
        .client()
        .unwrap()
        .post_pay_transactions_jsapi(jsapi("T4", 1))
        .await
        .unwrap_err();
    let api = error.as_api().unwrap();
    assert!(!api.verified);
    assert_eq!(api.detail_field(), None);
}

#[tokio::test]
async fn a_forged_answer_gives_error_verify() {
    let cases: [(fn() -> Answer, VerifyReason); 2] = [
        (
            || Answer::ok(json!({ "prepay_id": "wx1" })).tampered(),
            VerifyReason::BadSignature,
        ),
        (
            || Answer::ok(json!({ "prepay_id": "wx1" })).unsigned(),
            VerifyReason::MissingHeader("Wechatpay-Timestamp"),
        ),
    ];
    for (answer, reason) in cases {
        let platform = StubPlatform::new(move |_| answer().request_id("RID-V")).unwrap();
        let client = platform.client().unwrap();
        let error = client
            .post_pay_transactions_jsapi(jsapi("T5", 1))
            .await
            .unwrap_err();
        let Error::Verify(verify) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(verify.reason, reason);
        assert_eq!(verify.status, StatusCode::OK);
        assert_eq!(error.request_id(), Some("RID-V"));
    }
    // The untampered answer passes, so the failures above are the kit's doing.
    let platform = StubPlatform::new(|_| Answer::ok(json!({ "prepay_id": "wx1" }))).unwrap();
    let client = platform.client().unwrap();
    assert!(
        client
            .post_pay_transactions_jsapi(jsapi("T6", 1))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_built_api_error_equals_what_the_client_produced() {
    // Each answer, and the error a test would build for it by hand.
    let cases: Vec<(Answer, ApiError)> = vec![
        (
            Answer::error(404, "ORDER_NOT_EXIST", "no such order").request_id("R1"),
            ApiError::new(StatusCode::NOT_FOUND)
                .code("ORDER_NOT_EXIST")
                .message("no such order")
                .request_id("R1"),
        ),
        (
            Answer::error(400, "PARAM_ERROR", "bad")
                .detail(json!({ "field": "out_trade_no", "issue": "too long" }))
                .request_id("R2"),
            ApiError::new(StatusCode::BAD_REQUEST)
                .code("PARAM_ERROR")
                .message("bad")
                .detail(json!({ "field": "out_trade_no", "issue": "too long" }))
                .request_id("R2"),
        ),
        (
            Answer::raw(502, "<html>bad gateway</html>")
                .header("content-type", "text/html")
                .unsigned()
                .request_id("R3"),
            ApiError::new(StatusCode::BAD_GATEWAY)
                .message("<html>bad gateway</html>")
                .request_id("R3")
                .verified(false),
        ),
        (
            Answer::error(429, "FREQUENCY_LIMITED", "slow down").request_id("R4"),
            ApiError::from_body(
                StatusCode::TOO_MANY_REQUESTS,
                br#"{"code":"FREQUENCY_LIMITED","message":"slow down"}"#,
            )
            .request_id("R4"),
        ),
    ];
    for (answer, expected) in cases {
        let platform = StubPlatform::new(move |_| answer.clone()).unwrap();
        let client = platform
            .client_builder()
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client
            .post_pay_transactions_jsapi(jsapi("T7", 1))
            .await
            .unwrap_err();
        assert_eq!(error.as_api(), Some(&expected), "{error:?}");
        assert_eq!(error.to_string(), Error::from(expected.clone()).to_string());
        assert_eq!(error.is_retryable(), Error::from(expected).is_retryable());
    }
    // And a difference in any field shows.
    let platform =
        StubPlatform::new(|_| Answer::error(400, "PARAM_ERROR", "bad").request_id("R5")).unwrap();
    let error = platform
        .client()
        .unwrap()
        .post_pay_transactions_jsapi(jsapi("T8", 1))
        .await
        .unwrap_err();
    let right = ApiError::new(StatusCode::BAD_REQUEST)
        .code("PARAM_ERROR")
        .message("bad")
        .request_id("R5");
    assert_eq!(error.as_api(), Some(&right));
    for wrong in [
        right.clone().code("OTHER"),
        right.clone().message("good"),
        right.clone().request_id("R6"),
        right.clone().verified(false),
        right.clone().detail(json!({})),
        ApiError::new(StatusCode::CONFLICT)
            .code("PARAM_ERROR")
            .message("bad")
            .request_id("R5"),
    ] {
        assert_ne!(error.as_api(), Some(&wrong));
    }
}

#[tokio::test]
async fn a_stateful_closure_answers_a_retried_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let platform = StubPlatform::new(move |request| match seen.fetch_add(1, Ordering::SeqCst) {
        0 => Answer::error(500, "SYSTEM_ERROR", "busy"),
        _ => order_from_path(request),
    })
    .unwrap();
    let client = platform
        .client_builder()
        .retry_policy(
            RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let order = client
        .get_pay_transactions_out_trade_no(QueryOrder {
            out_trade_no: "T9".into(),
            mchid: MCHID.into(),
        })
        .await
        .unwrap();
    assert_eq!(order.out_trade_no, "T9");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let sent = platform.requests();
    assert_eq!(sent.len(), 2);
    // A retry is signed anew.
    assert_ne!(
        sent[0].header("authorization"),
        sent[1].header("authorization")
    );
    assert!(sent.iter().all(|r| r.signed_by_merchant));
}

#[tokio::test]
async fn a_mistaken_answer_is_a_transport_error_naming_it() {
    let platform = StubPlatform::new(|_| Answer::ok(json!({})).header("bad name", "x")).unwrap();
    let error = platform
        .client()
        .unwrap()
        .post_pay_transactions_jsapi(jsapi("T10", 1))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("\"bad name\" is not a header name"),
        "{error}"
    );
}

#[tokio::test]
async fn sensitive_fields_decrypt_with_the_stubs_platform_key() {
    let platform = StubPlatform::new(|request| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        Answer::ok(json!({ "payee_id": format!("P-{}", body["openid"].as_str().unwrap()) }))
    })
    .unwrap();
    let client = platform.client().unwrap();
    let payee = client
        .post_custom_payees(RegisterPayee {
            openid: "o1".into(),
            name: "张三".into(),
        })
        .await
        .unwrap();
    assert_eq!(payee.payee_id, "P-o1");
    let sent = platform.last_request().unwrap();
    let ciphertext = sent.body["name"].as_str().unwrap();
    assert_ne!(ciphertext, "张三");
    assert_eq!(platform.decrypt_sensitive(ciphertext).unwrap(), "张三");
    assert_eq!(sent.header("wechatpay-serial"), Some(PUBLIC_KEY_ID));
    assert!(
        platform
            .decrypt_sensitive("bm90IGEgY2lwaGVydGV4dA==")
            .is_err()
    );
}

#[tokio::test]
async fn a_stub_notification_opens_with_the_stubs_client_and_not_with_another() {
    let platform = StubPlatform::new(|_| Answer::no_content()).unwrap();
    let client = platform.client().unwrap();
    let resource =
        json!({ "complaint_id": "200201820200101080076610000", "action_type": "CREATE_COMPLAINT" });
    let request = platform
        .notification(
            "https://www.example.com/wxpay/notify",
            "COMPLAINT.CREATE",
            &resource,
        )
        .unwrap();
    assert_eq!(request.method(), Method::POST);
    let raw = client
        .open_notification(request.headers(), request.body())
        .await
        .unwrap();
    assert_eq!(raw.resource, resource);
    let notification = raw.decode().unwrap();
    assert_eq!(notification.event_type(), "COMPLAINT.CREATE");

    // One byte changed: the signature no longer holds.
    let mut body = request.body().to_vec();
    let at = body.iter().position(|b| *b == b'C').unwrap();
    body[at] = b'D';
    assert!(
        client
            .open_notification(request.headers(), &body)
            .await
            .is_err()
    );

    // A client without the stub's APIv3 key cannot read it.
    let other = platform
        .client_builder()
        .apiv3_key("0123456789abcdef0123456789abcdef")
        .build()
        .unwrap();
    assert!(
        other
            .open_notification(request.headers(), request.body())
            .await
            .is_err()
    );
}
