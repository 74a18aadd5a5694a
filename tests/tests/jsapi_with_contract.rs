//! The seed endpoint end to end: client ⇄ sandbox over a real socket.

mod common;

use std::sync::Arc;

use http::{Method, StatusCode};
use wxpay::prelude::*;
use wxpay::v3::pay::transactions::JsapiWithContract;
use wxpay_core::error::VerifyReason;
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_sandbox::{Fault, FaultRule, Sandbox};

use common::{order, trade_no};

#[tokio::test]
async fn places_an_order_and_signs_front_end_parameters() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let no = trade_no("ok");
    let answer = client
        .post_pay_transactions_jsapi_with_contract(order(client.mchid(), &no))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"), "{}", answer.prepay_id);

    let stored = sandbox
        .order(client.mchid(), &no)
        .expect("the sandbox kept the order");
    assert_eq!(stored.prepay_id, answer.prepay_id);
    assert_eq!(stored.total, 100);
    assert_eq!(stored.trade_type, "JSAPI");

    let params = client
        .jsapi_pay_params("wxd678efh567hg6787", &answer.prepay_id)
        .unwrap();
    assert_eq!(params.package, format!("prepay_id={}", answer.prepay_id));
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        params.app_id, params.time_stamp, params.nonce_str, params.package
    );
    let signature = wxpay_core::crypto::base64_decode(&params.pay_sign).unwrap();
    let merchant = sandbox.merchant().unwrap();
    assert!(merchant.public_key.verify(message.as_bytes(), &signature));

    // The client method and `call` are the same thing.
    let again = client.call(order(client.mchid(), &no)).await.unwrap();
    assert_eq!(again.prepay_id, answer.prepay_id);
}

#[tokio::test]
async fn repeating_an_order_is_idempotent_and_changing_it_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let no = trade_no("idem");
    let first = client.call(order(client.mchid(), &no)).await.unwrap();
    let second = client.call(order(client.mchid(), &no)).await.unwrap();
    assert_eq!(first.prepay_id, second.prepay_id);

    let mut changed = order(client.mchid(), &no);
    changed.amount.total = 200;
    let e = client.call(changed).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(e.code(), Some("INVALID_REQUEST"));
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn param_error_is_a_typed_api_error_with_detail_and_request_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut bad = order(client.mchid(), &trade_no("param"));
    bad.amount.total = 0;
    let e = client.call(bad).await.unwrap_err();
    let Error::Api(api) = &e else {
        panic!("expected an API error, got {e:?}")
    };
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.code.as_deref(), Some("PARAM_ERROR"));
    assert_eq!(api.detail_field(), Some("amount.total"));
    assert_eq!(api.detail_issue(), Some("must be greater than 0"));
    assert!(api.verified, "the sandbox signs its errors");
    let request_id = e.request_id().expect("Request-ID kept");
    assert!(e.to_string().contains(request_id), "{e}");

    type Mutation = fn(&mut JsapiWithContract);
    let cases: [(Mutation, &str); 5] = [
        (|o| o.out_trade_no = "short".into(), "out_trade_no"),
        (|o| o.notify_url = "http://x.cn/n".into(), "notify_url"),
        (|o| o.time_expire = Some("tomorrow".into()), "time_expire"),
        (|o| o.mchid = "1230000109".into(), "mchid"),
        (|o| o.payer.openid = String::new(), "payer.openid"),
    ];
    for (mutate, field) in cases {
        let mut o = order(client.mchid(), &trade_no("p"));
        mutate(&mut o);
        let e = client.call(o).await.unwrap_err();
        assert_eq!(e.code(), Some("PARAM_ERROR"), "{field}: {e}");
        assert_eq!(e.as_api().unwrap().detail_field(), Some(field), "{e}");
    }

    // An emoji, which the platform refuses, is refused before sending,
    // naming the field.
    let sent = sandbox.hits("POST /v3/pay/transactions/jsapi-with-contract");
    let mut o = order(client.mchid(), &trade_no("p"));
    o.description = "emoji 😀".into();
    let e = client.call(o).await.unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    assert!(e.to_string().contains("`description`"), "{e}");
    assert_eq!(
        sandbox.hits("POST /v3/pay/transactions/jsapi-with-contract"),
        sent
    );
}

#[tokio::test]
async fn a_response_tampered_in_flight_is_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(FaultRule::new(Fault::TamperBody).times(1));
    let e = client
        .call(order(client.mchid(), &trade_no("tamper")))
        .await
        .unwrap_err();
    let Error::Verify(v) = &e else {
        panic!("expected a verification error, got {e:?}")
    };
    assert_eq!(v.reason, VerifyReason::BadSignature);
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.request_id.is_some());
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn stale_and_future_timestamps_are_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // Five seconds past the window, so a second ticking over between the
    // sandbox signing and the client checking cannot bring it back inside.
    for seconds in [-305, 305, -3600] {
        sandbox.inject(FaultRule::new(Fault::SkewTimestamp { seconds }).times(1));
        let e = client
            .call(order(client.mchid(), &trade_no("stale")))
            .await
            .unwrap_err();
        let Error::Verify(v) = &e else {
            panic!("expected a verification error, got {e:?}")
        };
        assert!(
            matches!(v.reason, VerifyReason::StaleTimestamp { .. }),
            "{seconds}: {:?}",
            v.reason
        );
    }
    // Within the window is fine.
    sandbox.inject(FaultRule::new(Fault::SkewTimestamp { seconds: -200 }).times(1));
    client
        .call(order(client.mchid(), &trade_no("fresh")))
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_serial_missing_headers_and_bad_signatures_are_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let cases = [
        (
            Fault::UnknownSerial {
                serial: "PUB_KEY_ID_0000000000".into(),
            },
            "unknown",
        ),
        (Fault::Unsigned, "missing"),
        (Fault::BadSignature, "bad"),
    ];
    for (fault, what) in cases {
        sandbox.inject(FaultRule::new(fault).times(1));
        let e = client
            .call(order(client.mchid(), &trade_no("ver")))
            .await
            .unwrap_err();
        let Error::Verify(v) = &e else {
            panic!("{what}: expected a verification error, got {e:?}")
        };
        match what {
            "unknown" => assert_eq!(
                v.reason,
                VerifyReason::UnknownSerial("PUB_KEY_ID_0000000000".into())
            ),
            "missing" => assert!(matches!(v.reason, VerifyReason::MissingHeader(_))),
            _ => assert_eq!(v.reason, VerifyReason::BadSignature),
        }
    }
}

#[tokio::test]
async fn an_unsigned_500_is_an_unverified_retryable_api_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(
        FaultRule::new(Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR".into(),
            signed: false,
        })
        .times(1),
    );
    let no = trade_no("500");
    let e = client.call(order(client.mchid(), &no)).await.unwrap_err();
    let Error::Api(api) = &e else {
        panic!("expected an API error, got {e:?}")
    };
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.code.as_deref(), Some("SYSTEM_ERROR"));
    assert!(!api.verified);
    assert!(api.request_id.is_some());
    assert!(e.is_retryable());
    assert!(
        sandbox.order(client.mchid(), &no).is_none(),
        "a failed request changed nothing"
    );
    // The retry goes through.
    client.call(order(client.mchid(), &no)).await.unwrap();
}

#[tokio::test]
async fn the_sandbox_refuses_bad_requests_like_the_platform() {
    let sandbox = Sandbox::start().await.unwrap();
    // A client whose key does not match the merchant certificate.
    let wrong_key = wxpay_core::crypto::PrivateKey::generate().unwrap();
    let merchant = sandbox.merchant().unwrap();
    let impostor = sandbox
        .client_builder()
        .unwrap()
        .credentials(Credentials::new(&merchant.mchid, &merchant.serial, wrong_key).unwrap())
        .build()
        .unwrap();
    let e = impostor
        .call(order(&merchant.mchid, &trade_no("sig")))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(e.code(), Some("SIGN_ERROR"));

    // An unknown serial and an unknown merchant.
    for (mchid, serial) in [
        (merchant.mchid.as_str(), "ABCDEF"),
        ("1111111111", merchant.serial.as_str()),
    ] {
        let c = sandbox
            .client_builder()
            .unwrap()
            .credentials(
                Credentials::new(mchid, serial, merchant.private_key.clone().unwrap()).unwrap(),
            )
            .build()
            .unwrap();
        let e = c.call(order(mchid, &trade_no("who"))).await.unwrap_err();
        assert_eq!(e.code(), Some("SIGN_ERROR"), "{e}");
    }

    // Raw requests: no User-Agent → 400; no Authorization → 401; both signed by the sandbox.
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let url = format!(
        "{}/v3/pay/transactions/jsapi-with-contract",
        sandbox.base_url()
    );
    let raw = |ua: bool| {
        let mut b = http::Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json");
        if ua {
            b = b.header("user-agent", "raw-test");
        }
        b.body(bytes::Bytes::from_static(b"{}")).unwrap()
    };
    let answer = transport.send(raw(false)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.headers().contains_key("wechatpay-signature"));
    assert!(answer.headers().contains_key("request-id"));
    let answer = transport.send(raw(true)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert_eq!(body["code"], "SIGN_ERROR");
}

#[tokio::test]
async fn unknown_paths_get_a_signed_404_and_the_escape_hatch_signs_and_verifies() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let e = client
        .request_json(
            Method::GET,
            "/v3/no/such/api",
            &[("mchid", client.mchid())],
            None,
        )
        .await
        .unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.verified);

    let body =
        serde_json::to_value(wxpay::v3::pay::transactions::JsapiWithContractResponse::default())
            .unwrap();
    assert_eq!(body["prepay_id"], "");
    let order_json = serde_json::json!({
        "appid": "wxd678efh567hg6787",
        "mchid": client.mchid(),
        "description": "raw",
        "out_trade_no": trade_no("raw"),
        "notify_url": "https://example.com/n",
        "amount": {"total": 1},
        "payer": {"openid": "o1"},
        "contract_info": {"plan_id": "3484306348", "contract_code": "raw-contract"}
    });
    let answer = client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/jsapi-with-contract",
            &[],
            Some(&order_json),
        )
        .await
        .unwrap();
    assert!(answer["prepay_id"].as_str().unwrap().starts_with("wx"));

    // The escape hatch still verifies.
    sandbox.inject(FaultRule::new(Fault::TamperBody).times(1));
    let e = client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/jsapi-with-contract",
            &[],
            Some(&order_json),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Verify(_)), "{e:?}");
    assert!(
        client
            .request_json(Method::GET, "no-slash", &[], None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn merchants_share_one_transport() {
    let a = Sandbox::builder()
        .mchid("1900000109")
        .start()
        .await
        .unwrap();
    let b = Sandbox::builder()
        .mchid("1900000110")
        .start()
        .await
        .unwrap();
    let transport: Arc<dyn Transport> =
        Arc::new(HyperTransport::builder().allow_http(true).build().unwrap());
    let ca = a
        .client_builder()
        .unwrap()
        .transport(transport.clone())
        .build()
        .unwrap();
    let cb = b
        .client_builder()
        .unwrap()
        .transport(transport)
        .build()
        .unwrap();
    let (ra, rb) = tokio::join!(
        ca.call(order("1900000109", &trade_no("a"))),
        cb.call(order("1900000110", &trade_no("b")))
    );
    assert!(ra.unwrap().prepay_id.starts_with("wx"));
    assert!(rb.unwrap().prepay_id.starts_with("wx"));
}

#[tokio::test]
async fn https_is_required_unless_allowed() {
    let sandbox = Sandbox::start().await.unwrap();
    let e = sandbox
        .client_builder()
        .unwrap()
        .allow_http(false)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("HTTPS only"), "{e}");
}

#[tokio::test]
async fn a_dead_server_is_a_connect_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    drop(sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let e = client
        .call(order(client.mchid(), &trade_no("dead")))
        .await
        .unwrap_err();
    let Error::Transport(t) = &e else {
        panic!("expected a transport error, got {e:?}")
    };
    assert!(t.is_connect(), "{t}");
    assert!(e.is_retryable());
}

/// A request signed by hand for the sandbox's merchant: `offset` seconds
/// away from now, with `accept` as its `Accept` header when given.
async fn signed_raw(
    sandbox: &Sandbox,
    path: &str,
    body: &[u8],
    offset: i64,
    accept: Option<&str>,
) -> http::Response<bytes::Bytes> {
    let merchant = sandbox.merchant().unwrap();
    let key = merchant.private_key.clone().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let nonce = wxpay_core::protocol::Nonce::generate().unwrap();
    let timestamp = (now + offset).to_string();
    let message =
        wxpay_core::protocol::request_message("POST", path, now + offset, nonce.as_str(), body);
    let signature = key.sign(&message).unwrap();
    let authorization = wxpay_core::protocol::Authorization {
        mchid: &merchant.mchid,
        nonce_str: nonce.as_str(),
        signature: &signature,
        timestamp: &timestamp,
        serial_no: &merchant.serial,
    }
    .to_string();
    let mut request = http::Request::builder()
        .method(Method::POST)
        .uri(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .header("user-agent", "raw-test")
        .header("authorization", authorization);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    transport
        .send(request.body(bytes::Bytes::from(body.to_vec())).unwrap())
        .await
        .unwrap()
}

fn code_of(answer: &http::Response<bytes::Bytes>) -> String {
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    body["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_sandbox_refuses_requests_signed_more_than_five_minutes_away() {
    let sandbox = Sandbox::start().await.unwrap();
    let mchid = sandbox.merchant().unwrap().mchid;
    let path = "/v3/pay/transactions/jsapi-with-contract";
    let body = || {
        wxpay_core::Endpoint::body(&order(&mchid, &trade_no("skew")))
            .unwrap()
            .signed_bytes()
            .to_vec()
    };
    let json = Some("application/json");
    // Five seconds past the 300 s window on either side, so the test does
    // not depend on when in a second it runs.
    for offset in [-305, 305, -3600] {
        let answer = signed_raw(&sandbox, path, &body(), offset, json).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{offset}");
        assert_eq!(code_of(&answer), "SIGN_ERROR", "{offset}");
    }
    // The same request within the window is placed.
    let answer = signed_raw(&sandbox, path, &body(), -250, json).await;
    assert_eq!(answer.status(), StatusCode::OK);

    // The platform's clock, shifted, is what requests are checked against:
    // a client whose clock is 400 s ahead of the platform's is refused.
    sandbox.set_clock_offset(-400);
    let client = sandbox.client().unwrap();
    let e = client
        .call(order(client.mchid(), &trade_no("ahead")))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED), "{e:?}");
    assert_eq!(e.code(), Some("SIGN_ERROR"), "{e:?}");
    sandbox.set_clock_offset(0);
}

#[tokio::test]
async fn the_sandbox_wants_accept_json_and_refuses_emoji_on_every_route() {
    let sandbox = Sandbox::builder().spec_mode(true).start().await.unwrap();
    let mchid = sandbox.merchant().unwrap().mchid;
    let path = "/v3/pay/transactions/jsapi-with-contract";
    let body = wxpay_core::Endpoint::body(&order(&mchid, &trade_no("accept")))
        .unwrap()
        .signed_bytes()
        .to_vec();
    for accept in [None, Some("text/html")] {
        let answer = signed_raw(&sandbox, path, &body, 0, accept).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{accept:?}");
        assert_eq!(code_of(&answer), "INVALID_REQUEST", "{accept:?}");
    }
    for accept in [
        "application/json",
        "*/*",
        "text/html, application/json;q=0.9",
    ] {
        let fresh = wxpay_core::Endpoint::body(&order(&mchid, &trade_no("accept")))
            .unwrap()
            .signed_bytes()
            .to_vec();
        let answer = signed_raw(&sandbox, path, &fresh, 0, Some(accept)).await;
        assert_eq!(answer.status(), StatusCode::OK, "{accept}");
    }
    // An emoji, on a stateful route and on one only spec mode serves.
    let closing = serde_json::json!({ "mchid": mchid, "reason": "😀" }).to_string();
    for (path, body) in [
        (
            path.to_owned(),
            String::from_utf8(body.clone())
                .unwrap()
                .replace("\"description\":\"", "\"description\":\"😀"),
        ),
        (
            "/v3/pay/transactions/out-trade-no/T202612030001/close".to_owned(),
            closing,
        ),
        (
            "/v3/marketing/favor/stocks/9856000/pause".to_owned(),
            serde_json::json!({ "stock_creator_mchid": mchid, "remark": "😀" }).to_string(),
        ),
    ] {
        let answer = signed_raw(
            &sandbox,
            &path,
            body.as_bytes(),
            0,
            Some("application/json"),
        )
        .await;
        assert_eq!(
            answer.status(),
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            answer.body()
        );
        assert_eq!(code_of(&answer), "PARAM_ERROR", "{path}");
        assert!(
            String::from_utf8_lossy(answer.body()).contains("4-byte"),
            "{path}"
        );
    }
}
