//! Criterion benchmarks of the client's hot path: the canonical messages,
//! signing, verification, AES-GCM decryption, a whole `call()` through
//! an in-process transport that answers pre-signed bytes, and reading a
//! bill whose quoted cell spans many lines. The floor of a
//! call is one RSA-2048 signature plus one verification (`floor/…`).
//!
//! `cargo bench -p wxpay-core --bench core`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::HeaderMap;
use wxpay_core::bill::TradeBillReader;
use wxpay_core::crypto::{ApiV3Key, PrivateKey, base64_decode};
use wxpay_core::error::TransportError;
use wxpay_core::protocol::{
    Nonce, SignatureHeaders, request_message, response_message, unix_seconds,
};
use wxpay_core::transport::{BoxFuture, Transport};
use wxpay_core::verify::{DEFAULT_MAX_SKEW, KeyStore, PlatformKey};
use wxpay_core::{Client, Credentials};

const KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";
const ANSWER: &[u8] = br#"{"prepay_id":"wx26112100000000000000000000000000"}"#;

struct Keys {
    merchant: PrivateKey,
    platform: PrivateKey,
}

fn keys() -> Keys {
    Keys {
        merchant: PrivateKey::generate().unwrap(),
        platform: PrivateKey::generate().unwrap(),
    }
}

/// The seed endpoint, declared here as any crate declares one (the
/// catalogue is downstream of this crate); its body is the catalogue's.
#[wxpay_core::endpoint(POST, "/v3/pay/transactions/jsapi-with-contract", response = Prepay)]
struct JsapiWithContract {
    appid: String,
    mchid: String,
    description: String,
    out_trade_no: String,
    notify_url: String,
    amount: Amount,
    payer: Payer,
    contract_info: ContractInfo,
}

/// `amount`.
#[derive(serde::Serialize)]
struct Amount {
    total: i64,
    currency: String,
}

/// `payer`.
#[derive(serde::Serialize)]
struct Payer {
    openid: String,
}

/// `contract_info`.
#[derive(serde::Serialize)]
struct ContractInfo {
    token: String,
}

/// The answer.
#[derive(serde::Deserialize)]
struct Prepay {
    #[allow(dead_code)]
    prepay_id: String,
}

fn order() -> JsapiWithContract {
    JsapiWithContract {
        appid: "wxd678efh567hg6787".into(),
        mchid: "1900000109".into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: "1217752501201407033233368018".into(),
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        amount: Amount {
            total: 100,
            currency: "CNY".into(),
        },
        payer: Payer {
            openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        },
        contract_info: ContractInfo {
            token: "201710180325670965".into(),
        },
    }
}

/// Headers of `body` signed now by `platform`, as the platform sends them.
fn signed_headers(platform: &PrivateKey, body: &[u8]) -> HeaderMap {
    let timestamp = unix_seconds(SystemTime::now()).to_string();
    let nonce = Nonce::generate().unwrap().to_string();
    let signature = platform
        .sign(&response_message(&timestamp, &nonce, body))
        .unwrap();
    let mut map = HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.as_str()),
        ("wechatpay-nonce", nonce.as_str()),
        ("wechatpay-signature", signature.as_str()),
        ("wechatpay-serial", KEY_ID),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
        ("request-id", "08F4A1B2C3D40000000000000000"),
        ("content-type", "application/json"),
    ] {
        map.insert(name, value.parse().unwrap());
    }
    map
}

/// Answers every request with the same pre-signed bytes.
#[derive(Debug)]
struct PreSigned {
    headers: HeaderMap,
    body: Bytes,
}

impl Transport for PreSigned {
    fn send(
        &self,
        _request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let mut answer = http::Response::new(self.body.clone());
        *answer.headers_mut() = self.headers.clone();
        Box::pin(async move { Ok(answer) })
    }
}

fn benches(c: &mut Criterion) {
    let k = keys();
    let credentials = Credentials::new(
        "1900000109",
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        k.merchant.clone(),
    )
    .unwrap();
    let platform_public = k.platform.public_key().unwrap();
    let store = KeyStore::new();
    store.insert(PlatformKey::public_key(KEY_ID, platform_public.clone()));
    let body = serde_json::to_vec(&serde_json::json!({
        "appid": "wxd678efh567hg6787", "mchid": "1900000109",
        "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": "1217752501201407033233368018",
        "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
        "amount": {"total": 100, "currency": "CNY"},
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "contract_info": {"token": "201710180325670965"}
    }))
    .unwrap();
    let nonce = Nonce::generate().unwrap();

    c.bench_function("canonical/request_message", |b| {
        b.iter(|| {
            request_message(
                black_box("POST"),
                black_box("/v3/pay/transactions/jsapi-with-contract"),
                black_box(1_700_000_000),
                black_box(nonce.as_str()),
                black_box(&body),
            )
        })
    });
    c.bench_function("canonical/response_message", |b| {
        b.iter(|| {
            response_message(
                black_box("1700000000"),
                black_box(nonce.as_str()),
                black_box(ANSWER),
            )
        })
    });
    c.bench_function("sign/authorization_header", |b| {
        b.iter(|| {
            credentials
                .authorization(
                    "POST",
                    "/v3/pay/transactions/jsapi-with-contract",
                    black_box(&body),
                    1_700_000_000,
                    &nonce,
                )
                .unwrap()
        })
    });
    let headers = signed_headers(&k.platform, ANSWER);
    c.bench_function("verify/response", |b| {
        b.iter(|| {
            let signed = SignatureHeaders::from_headers(black_box(&headers)).unwrap();
            store
                .verify(
                    &signed,
                    black_box(ANSWER),
                    SystemTime::now(),
                    DEFAULT_MAX_SKEW,
                )
                .unwrap()
        })
    });
    let apiv3 = ApiV3Key::new("sandboxApiV3Key0123456789abcdefX").unwrap();
    let resource = vec![b'x'; 1024];
    let ciphertext = apiv3
        .encrypt(b"0123456789ab", b"transaction", &resource)
        .unwrap();
    c.bench_function("aes_gcm/decrypt_1KiB", |b| {
        b.iter(|| {
            apiv3
                .decrypt(b"0123456789ab", b"transaction", black_box(&ciphertext))
                .unwrap()
        })
    });

    // The floor of one call: one RSA-2048 signature and one verification.
    let message = response_message("1700000000", nonce.as_str(), ANSWER);
    let signature = base64_decode(&k.platform.sign(&message).unwrap()).unwrap();
    c.bench_function("floor/rsa2048_sign_plus_verify", |b| {
        b.iter(|| {
            let s = k.merchant.sign(black_box(&message)).unwrap();
            assert!(platform_public.verify(black_box(&message), &signature));
            s
        })
    });

    let client = Client::builder()
        .credentials(credentials.clone())
        .platform_public_key(KEY_ID, platform_public)
        .transport(Arc::new(PreSigned {
            headers,
            body: Bytes::from_static(ANSWER),
        }))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    c.bench_function("call/jsapi_with_contract_in_process", |b| {
        b.iter(|| runtime.block_on(client.call(order())).unwrap())
    });
}

/// A trade bill with one row whose description holds `lines` lines (a
/// quoted cell with line breaks), then one plain row and the summary.
fn bill_with_multiline_cell(lines: usize) -> String {
    let mut text = String::from(
        "交易时间,微信订单号,商户订单号,商品名称,订单金额\r\n`2026-05-01 10:00:00,`4200,`T1,\"`first",
    );
    for _ in 0..lines {
        text.push_str("\r\na, \"\"b\"\"");
    }
    text.push_str("\",`1.00\r\n`2026-05-01 10:00:01,`4201,`T2,`plain,`2.00\r\n");
    text.push_str("总交易单数,订单总金额\r\n`2,`3.00\r\n");
    text
}

/// Reading a bill whose quoted cell spans many lines: the time should grow
/// with the number of lines, not with its square (each joined line is
/// scanned once).
fn bill_benches(c: &mut Criterion) {
    for lines in [5_000, 50_000] {
        let text = bill_with_multiline_cell(lines);
        c.bench_function(&format!("bill/cell_spanning_{lines}_lines"), |b| {
            b.iter(|| {
                let mut bill = TradeBillReader::new(black_box(text.as_bytes())).unwrap();
                let rows: Vec<_> = bill.by_ref().collect::<Result<_, _>>().unwrap();
                assert_eq!(rows.len(), 2);
                bill.summary().unwrap().count
            })
        });
    }
}

criterion_group! {
    name = core;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches, bill_benches
}
criterion_main!(core);
