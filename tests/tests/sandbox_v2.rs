//! The sandbox speaking APIv2, over loopback sockets: raw HTTP/1.1 (and
//! TLS with openssl, with or without a client certificate), bodies signed
//! and answers verified with `wxpay_core::v2::{sign, xml}`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use wxpay_core::crypto::{Certificate, PrivateKey};
use wxpay_core::v2::{SignType, V2Key, sign, xml};
use wxpay_sandbox::{DEFAULT_V2_KEY, Merchant, Sandbox, SandboxBuilder};

mod common;

const MCHID: &str = "1900000109";
const APPID: &str = "wxd678efh567hg6787";

type Fields = Vec<(String, String)>;

/// A client certificate and key, PEM.
struct ClientCert {
    cert: Vec<u8>,
    key: Vec<u8>,
}

/// How to reach the sandbox.
#[derive(Clone, Copy)]
enum Link<'a> {
    Plain,
    Tls {
        server_pem: &'a [u8],
        client: Option<&'a ClientCert>,
    },
}

/// One `POST`, `Connection: close`: status, headers, body.
fn exchange(
    addr: SocketAddr,
    link: Link<'_>,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    exchange_with("POST", addr, link, path, content_type, body)
}

/// One HTTP/1.1 exchange, `Connection: close`: status, headers, body.
fn exchange_with(
    method: &str,
    addr: SocketAddr,
    link: Link<'_>,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let tcp = TcpStream::connect(addr).unwrap();
    let mut raw = Vec::new();
    match link {
        Link::Plain => {
            let mut s = tcp;
            s.write_all(&request).unwrap();
            s.read_to_end(&mut raw).unwrap();
        }
        Link::Tls { server_pem, client } => {
            let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
            b.cert_store_mut()
                .add_cert(X509::from_pem(server_pem).unwrap())
                .unwrap();
            b.set_verify(SslVerifyMode::PEER);
            b.set_alpn_protos(b"\x08http/1.1").unwrap();
            if let Some(c) = client {
                b.set_certificate(&X509::from_pem(&c.cert).unwrap())
                    .unwrap();
                b.set_private_key(&openssl::pkey::PKey::private_key_from_pem(&c.key).unwrap())
                    .unwrap();
            }
            let mut s = b.build().connect("localhost", tcp).unwrap();
            s.write_all(&request).unwrap();
            // A TLS peer may close without close_notify: keep what was read.
            let mut buf = [0u8; 8192];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => raw.extend_from_slice(&buf[..n]),
                }
            }
        }
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn nonce() -> String {
    let mut b = [0u8; 12];
    wxpay_core::crypto::random_bytes(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Adds `nonce_str` (fresh unless given), `sign_type` (unless MD5) and `sign`.
fn signed(mut f: Fields, key: &V2Key, sign_type: SignType) -> Fields {
    if !f.iter().any(|(k, _)| k == "nonce_str") {
        f.push(("nonce_str".into(), nonce()));
    }
    if sign_type != SignType::Md5 {
        f.push(("sign_type".into(), sign_type.as_str().into()));
    }
    let s = sign::sign(&f, key, sign_type);
    f.push(("sign".into(), s));
    f
}

fn get<'f>(f: &'f Fields, name: &str) -> Option<&'f str> {
    f.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The sandbox's v2 key.
fn key() -> V2Key {
    V2Key::new(DEFAULT_V2_KEY).unwrap()
}

/// Posts signed fields; parses the XML answer.
fn call(sandbox: &Sandbox, link: Link<'_>, path: &str, f: Fields) -> Fields {
    let body = xml::write(&f);
    let (status, _, answer) = exchange(
        sandbox.addr(),
        link,
        path,
        "application/xml",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    xml::parse(&answer).unwrap()
}

/// `return_code` `SUCCESS` and a `sign` that verifies with `key` and `sign_type`.
fn assert_signed(answer: &Fields, key: &V2Key, sign_type: SignType) {
    assert_eq!(get(answer, "return_code"), Some("SUCCESS"), "{answer:?}");
    let given = get(answer, "sign").expect("a signed answer");
    assert!(sign::verify(answer, key, sign_type, given), "{answer:?}");
    let nonce = get(answer, "nonce_str").unwrap();
    assert!(!nonce.is_empty() && nonce.len() <= 32);
}

fn assert_fail(answer: &Fields, says: &str) {
    assert_eq!(get(answer, "return_code"), Some("FAIL"), "{answer:?}");
    let msg = get(answer, "return_msg").unwrap_or_default();
    assert!(msg.contains(says), "{msg:?} does not say {says:?}");
    assert!(get(answer, "sign").is_none());
}

fn micropay(out_trade_no: &str, auth_code: &str) -> Fields {
    fields(&[
        ("appid", APPID),
        ("mch_id", MCHID),
        ("body", "image shop - QQ doll"),
        ("out_trade_no", out_trade_no),
        ("total_fee", "888"),
        ("spbill_create_ip", "8.8.8.8"),
        ("auth_code", auth_code),
    ])
}

fn query(out_trade_no: &str) -> Fields {
    fields(&[
        ("appid", APPID),
        ("mch_id", MCHID),
        ("out_trade_no", out_trade_no),
    ])
}

async fn start(builder: SandboxBuilder) -> Sandbox {
    builder.start().await.unwrap()
}

/// Runs blocking socket code off the runtime's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_are_checked_both_ways() {
    let sandbox = start(Sandbox::builder()).await;
    blocking(move || {
        let k = key();
        // MD5 and HMAC-SHA256: accepted, answered signed the same way.
        for (i, t) in [SignType::Md5, SignType::HmacSha256].into_iter().enumerate() {
            let a = call(&sandbox, Link::Plain, "/pay/micropay", signed(micropay(&format!("S{i}00001"), "134567890123456789"), &k, t));
            assert_signed(&a, &k, t);
            assert!(!sign::verify(&a, &k, other(t), get(&a, "sign").unwrap()));
            let wrong = V2Key::new("0123456789abcdef0123456789abcdef").unwrap();
            assert!(!sign::verify(&a, &wrong, t, get(&a, "sign").unwrap()));
            assert_eq!(get(&a, "result_code"), Some("SUCCESS"));
            assert_eq!(get(&a, "mch_id"), Some(MCHID));
            assert_eq!(get(&a, "appid"), Some(APPID));
        }
        // A wrong sign.
        let mut f = signed(micropay("S000002", "134567890123456789"), &k, SignType::Md5);
        f.last_mut().unwrap().1 = "0".repeat(32);
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", f), "sign");
        // Signed with another key.
        let other_key = V2Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let f = signed(micropay("S000003", "134567890123456789"), &other_key, SignType::HmacSha256);
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", f), "sign");
        // A field changed after signing.
        let mut f = signed(micropay("S000004", "134567890123456789"), &k, SignType::Md5);
        f.iter_mut().find(|(n, _)| n == "total_fee").unwrap().1 = "1".into();
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", f), "sign");
        // No nonce_str, signed without it.
        let bare = micropay("S000005", "134567890123456789");
        let s = sign::sign(&bare, &k, SignType::Md5);
        let mut f = bare.clone();
        f.push(("sign".into(), s));
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", f), "nonce_str");
        // A nonce_str too long.
        let mut f = micropay("S000006", "134567890123456789");
        f.push(("nonce_str".into(), "n".repeat(33)));
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", signed(f, &k, SignType::Md5)), "32");
        // A replayed nonce_str, with an otherwise valid signature.
        let mut f = micropay("S000007", "134567890123456789");
        f.push(("nonce_str".into(), "replayed0001".into()));
        let a = call(&sandbox, Link::Plain, "/pay/micropay", signed(f.clone(), &k, SignType::Md5));
        assert_signed(&a, &k, SignType::Md5);
        f.iter_mut().find(|(n, _)| n == "out_trade_no").unwrap().1 = "S000008".into();
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", signed(f, &k, SignType::Md5)), "already used");
        // An unknown merchant.
        let mut f = micropay("S000009", "134567890123456789");
        f.iter_mut().find(|(n, _)| n == "mch_id").unwrap().1 = "1900000999".into();
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", signed(f, &k, SignType::Md5)), "not a known merchant");
        // A sign type that does not exist.
        let mut f = micropay("S000010", "134567890123456789");
        f.push(("sign_type".into(), "SHA1".into()));
        f.push(("nonce_str".into(), nonce()));
        let s = sign::sign(&f, &k, SignType::Md5);
        f.push(("sign".into(), s));
        assert_fail(&call(&sandbox, Link::Plain, "/pay/micropay", f), "sign_type");
        // Not XML.
        let (status, _, body) = exchange(sandbox.addr(), Link::Plain, "/pay/micropay", "application/json", br#"{"mch_id":"1900000109"}"#);
        assert_eq!(status, 200);
        assert_fail(&xml::parse(&body).unwrap(), "XML");
        // A DOCTYPE is refused.
        let evil = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><mch_id>&e;</mch_id></xml>";
        let (_, _, body) = exchange(sandbox.addr(), Link::Plain, "/pay/micropay", "application/xml", evil);
        assert_fail(&xml::parse(&body).unwrap(), "XML");
    })
    .await;
}

fn other(t: SignType) -> SignType {
    match t {
        SignType::Md5 => SignType::HmacSha256,
        SignType::HmacSha256 => SignType::Md5,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_payments_pay_wait_decline_and_reverse() {
    let sandbox = start(Sandbox::builder().v2_mutual_tls_over_http(true)).await;
    let sandbox = std::sync::Arc::new(sandbox);
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let t = SignType::HmacSha256;
        let post = |path: &str, f: Fields| {
            let a = call(&s, Link::Plain, path, signed(f, &k, t));
            assert_signed(&a, &k, t);
            a
        };
        // Paid at once.
        let a = post("/pay/micropay", micropay("M000001", "134567890123456789"));
        assert_eq!(get(&a, "result_code"), Some("SUCCESS"));
        assert_eq!(get(&a, "total_fee"), Some("888"));
        assert_eq!(get(&a, "cash_fee"), Some("888"));
        assert_eq!(get(&a, "trade_type"), Some("MICROPAY"));
        assert_eq!(get(&a, "transaction_id").unwrap().len(), 28);
        assert!(get(&a, "openid").unwrap().starts_with("oSandboxPayer"));
        assert_eq!(get(&a, "time_end").unwrap().len(), 14);
        let q = post("/pay/orderquery", query("M000001"));
        assert_eq!(get(&q, "trade_state"), Some("SUCCESS"));
        assert_eq!(get(&q, "transaction_id"), get(&a, "transaction_id"));
        // The same request again answers the same payment; another one with the same number is refused.
        let again = post("/pay/micropay", micropay("M000001", "134567890123456789"));
        assert_eq!(get(&again, "transaction_id"), get(&a, "transaction_id"));
        let mut changed = micropay("M000001", "134567890123456789");
        changed
            .iter_mut()
            .find(|(n, _)| n == "total_fee")
            .unwrap()
            .1 = "1".into();
        assert_eq!(
            get(&post("/pay/micropay", changed), "err_code"),
            Some("OUT_TRADE_NO_USED")
        );

        // USERPAYING, then paid after the first query that sees it waiting.
        let a = post("/pay/micropay", micropay("M000002", "134567890123450000"));
        assert_eq!(get(&a, "result_code"), Some("FAIL"));
        assert_eq!(get(&a, "err_code"), Some("USERPAYING"));
        assert!(get(&a, "transaction_id").is_none());
        let q = post("/pay/orderquery", query("M000002"));
        assert_eq!(get(&q, "trade_state"), Some("USERPAYING"));
        let q = post("/pay/orderquery", query("M000002"));
        assert_eq!(get(&q, "trade_state"), Some("SUCCESS"));
        assert!(get(&q, "transaction_id").is_some());

        // USERPAYING, then paid by the control plane.
        let a = post("/pay/micropay", micropay("M000003", "134567890123450000"));
        assert_eq!(get(&a, "err_code"), Some("USERPAYING"));
        let paid = s.pay_order(MCHID, "M000003").unwrap();
        let q = post("/pay/orderquery", query("M000003"));
        assert_eq!(get(&q, "trade_state"), Some("SUCCESS"));
        assert_eq!(get(&q, "transaction_id"), paid.transaction_id.as_deref());

        // Declined.
        let a = post("/pay/micropay", micropay("M000004", "134567890123459999"));
        assert_eq!(get(&a, "err_code"), Some("NOTENOUGH"));
        let q = post("/pay/orderquery", query("M000004"));
        assert_eq!(get(&q, "trade_state"), Some("PAYERROR"));

        // Reversed: a paid one and a waiting one.
        for no in ["M000001", "M000005"] {
            if no == "M000005" {
                post("/pay/micropay", micropay(no, "134567890123450000"));
            }
            let r = post("/secapi/pay/reverse", query(no));
            assert_eq!(get(&r, "result_code"), Some("SUCCESS"), "{r:?}");
            assert_eq!(get(&r, "recall"), Some("N"));
            let q = post("/pay/orderquery", query(no));
            assert_eq!(get(&q, "trade_state"), Some("REVOKED"));
        }
        assert!(s.pay_order(MCHID, "M000005").is_err());
        // Unknown orders.
        let q = post("/pay/orderquery", query("NOPE0001"));
        assert_eq!(get(&q, "err_code"), Some("ORDERNOTEXIST"));
        // A bad payment code.
        let a = post("/pay/micropay", micropay("M000006", "99"));
        assert_eq!(get(&a, "err_code"), Some("AUTH_CODE_INVALID"));
        // A missing field.
        let mut f = micropay("M000007", "134567890123456789");
        f.retain(|(n, _)| n != "body");
        assert_fail(
            &call(&s, Link::Plain, "/pay/micropay", signed(f, &k, t)),
            "body",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_orders_close_and_pay() {
    let sandbox = std::sync::Arc::new(start(Sandbox::builder()).await);
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let post = |path: &str, f: Fields| {
            let a = call(&s, Link::Plain, path, signed(f, &k, SignType::Md5));
            assert_signed(&a, &k, SignType::Md5);
            a
        };
        let order = |no: &str, trade_type: &str| {
            let mut f = fields(&[
                ("appid", APPID),
                ("mch_id", MCHID),
                ("body", "test"),
                ("out_trade_no", no),
                ("total_fee", "100"),
                ("spbill_create_ip", "8.8.8.8"),
                ("notify_url", "https://example.com/notify"),
                ("trade_type", trade_type),
            ]);
            match trade_type {
                "JSAPI" => f.push(("openid".into(), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into())),
                "NATIVE" => f.push(("product_id".into(), "P1".into())),
                _ => {}
            }
            f
        };
        let a = post("/pay/unifiedorder", order("U000001", "NATIVE"));
        assert_eq!(get(&a, "result_code"), Some("SUCCESS"));
        assert!(get(&a, "prepay_id").unwrap().starts_with("wx"));
        assert!(
            get(&a, "code_url")
                .unwrap()
                .starts_with("weixin://wxpay/bizpayurl?pr=")
        );
        let a = post("/pay/unifiedorder", order("U000002", "JSAPI"));
        assert!(get(&a, "code_url").is_none());
        let mut no_openid = order("U000003", "JSAPI");
        no_openid.retain(|(n, _)| n != "openid");
        assert_fail(
            &call(
                &s,
                Link::Plain,
                "/pay/unifiedorder",
                signed(no_openid, &k, SignType::Md5),
            ),
            "openid",
        );

        assert_eq!(
            get(&post("/pay/orderquery", query("U000001")), "trade_state"),
            Some("NOTPAY")
        );
        let c = post("/pay/closeorder", query("U000001"));
        assert_eq!(get(&c, "result_code"), Some("SUCCESS"));
        assert_eq!(
            get(&post("/pay/orderquery", query("U000001")), "trade_state"),
            Some("CLOSED")
        );

        s.pay_order(MCHID, "U000002").unwrap();
        assert_eq!(
            get(&post("/pay/orderquery", query("U000002")), "trade_state"),
            Some("SUCCESS")
        );
        assert_eq!(
            get(&post("/pay/closeorder", query("U000002")), "err_code"),
            Some("ORDERPAID")
        );
    })
    .await;
}

fn refund(no: &str, out_refund_no: &str, amount: &str) -> Fields {
    fields(&[
        ("appid", APPID),
        ("mch_id", MCHID),
        ("out_trade_no", no),
        ("out_refund_no", out_refund_no),
        ("total_fee", "888"),
        ("refund_fee", amount),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_and_their_query() {
    let sandbox =
        std::sync::Arc::new(start(Sandbox::builder().v2_mutual_tls_over_http(true)).await);
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let post = |path: &str, f: Fields| {
            let a = call(&s, Link::Plain, path, signed(f, &k, SignType::HmacSha256));
            assert_signed(&a, &k, SignType::HmacSha256);
            a
        };
        let paid = post("/pay/micropay", micropay("R000001", "134567890123456789"));
        let r1 = post("/secapi/pay/refund", refund("R000001", "RF01", "300"));
        assert_eq!(get(&r1, "result_code"), Some("SUCCESS"), "{r1:?}");
        assert_eq!(get(&r1, "refund_fee"), Some("300"));
        assert_eq!(get(&r1, "transaction_id"), get(&paid, "transaction_id"));
        let r2 = post("/secapi/pay/refund", refund("R000001", "RF02", "500"));
        assert_eq!(get(&r2, "result_code"), Some("SUCCESS"));
        // More than is left.
        let r3 = post("/secapi/pay/refund", refund("R000001", "RF03", "100"));
        assert_eq!(get(&r3, "err_code"), Some("NOTENOUGH"));
        // The same refund again answers the same; changed, it is refused.
        let again = post("/secapi/pay/refund", refund("R000001", "RF01", "300"));
        assert_eq!(get(&again, "refund_id"), get(&r1, "refund_id"));
        assert_eq!(
            get(
                &post("/secapi/pay/refund", refund("R000001", "RF01", "301")),
                "err_code"
            ),
            Some("INVALID_REQUEST")
        );
        // An unpaid order cannot be refunded.
        post("/pay/micropay", micropay("R000002", "134567890123459999"));
        assert_eq!(
            get(
                &post("/secapi/pay/refund", refund("R000002", "RF09", "1")),
                "err_code"
            ),
            Some("TRADE_STATE_ERROR")
        );

        s.settle_refund(MCHID, "RF01", wxpay_sandbox::RefundStatus::Success)
            .unwrap();
        let q = post("/pay/refundquery", query("R000001"));
        assert_eq!(get(&q, "result_code"), Some("SUCCESS"), "{q:?}");
        assert_eq!(get(&q, "refund_count"), Some("2"));
        assert_eq!(get(&q, "out_refund_no_0"), Some("RF01"));
        assert_eq!(get(&q, "refund_id_0"), get(&r1, "refund_id"));
        assert_eq!(get(&q, "refund_status_0"), Some("SUCCESS"));
        assert!(get(&q, "refund_success_time_0").is_some());
        assert_eq!(get(&q, "out_refund_no_1"), Some("RF02"));
        assert_eq!(get(&q, "refund_fee_1"), Some("500"));
        assert_eq!(get(&q, "refund_status_1"), Some("PROCESSING"));
        assert!(get(&q, "out_refund_no_2").is_none());
        // By refund number: that one only.
        let q = post(
            "/pay/refundquery",
            fields(&[
                ("appid", APPID),
                ("mch_id", MCHID),
                ("out_refund_no", "RF02"),
            ]),
        );
        assert_eq!(get(&q, "refund_count"), Some("1"));
        assert_eq!(get(&q, "refund_id_0"), get(&r2, "refund_id"));
        let q = post(
            "/pay/refundquery",
            fields(&[
                ("appid", APPID),
                ("mch_id", MCHID),
                ("out_refund_no", "NONE"),
            ]),
        );
        assert_eq!(get(&q, "err_code"), Some("REFUNDNOTEXIST"));
        // The order is REFUND now.
        assert_eq!(
            get(&post("/pay/orderquery", query("R000001")), "trade_state"),
            Some("REFUND")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_packets_are_sent_and_received() {
    let sandbox =
        std::sync::Arc::new(start(Sandbox::builder().v2_mutual_tls_over_http(true)).await);
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let send = fields(&[
            ("mch_billno", "1900000109201412010000001"),
            ("mch_id", MCHID),
            ("wxappid", APPID),
            ("send_name", "shop"),
            ("re_openid", "oxTWIuGaIt6gTKsQRLau2M0yL16E"),
            ("total_amount", "1000"),
            ("total_num", "1"),
            ("wishing", "thanks"),
            ("client_ip", "192.168.0.1"),
            ("act_name", "festival"),
            ("remark", "more"),
        ]);
        let a = call(
            &s,
            Link::Plain,
            "/mmpaymkttransfers/sendredpack",
            signed(send.clone(), &k, SignType::Md5),
        );
        assert_eq!(get(&a, "return_code"), Some("SUCCESS"), "{a:?}");
        assert_eq!(get(&a, "result_code"), Some("SUCCESS"));
        assert!(get(&a, "sign").is_none(), "red packet answers are unsigned");
        assert_eq!(get(&a, "total_amount"), Some("1000"));
        let listid = get(&a, "send_listid").unwrap().to_owned();
        // HMAC-SHA256 is not accepted here.
        assert_fail(
            &call(
                &s,
                Link::Plain,
                "/mmpaymkttransfers/sendredpack",
                signed(send, &k, SignType::HmacSha256),
            ),
            "sign_type",
        );

        let info = fields(&[
            ("mch_billno", "1900000109201412010000001"),
            ("mch_id", MCHID),
            ("appid", APPID),
            ("bill_type", "MCHT"),
        ]);
        let q = |f: &Fields| {
            call(
                &s,
                Link::Plain,
                "/mmpaymkttransfers/gethbinfo",
                signed(f.clone(), &k, SignType::Md5),
            )
        };
        let a = q(&info);
        assert_eq!(get(&a, "status"), Some("SENDING"), "{a:?}");
        assert_eq!(get(&a, "detail_id"), Some(listid.as_str()));
        assert_eq!(get(&q(&info), "status"), Some("SENT"));
        s.receive_red_packet(MCHID, "1900000109201412010000001")
            .unwrap();
        let (status, _, raw) = exchange(
            s.addr(),
            Link::Plain,
            "/mmpaymkttransfers/gethbinfo",
            "application/xml",
            xml::write(&signed(info.clone(), &k, SignType::Md5)).as_bytes(),
        );
        assert_eq!(status, 200);
        let raw = String::from_utf8(raw).unwrap();
        assert!(
            raw.contains("<status><![CDATA[RECEIVED]]></status>")
                || raw.contains("<status>RECEIVED</status>"),
            "{raw}"
        );
        assert!(raw.contains("<hblist><hbinfo><openid>"), "{raw}");
        assert!(raw.contains("oxTWIuGaIt6gTKsQRLau2M0yL16E"), "{raw}");
        // Received: it cannot be refunded.
        assert!(
            s.refund_red_packet(MCHID, "1900000109201412010000001")
                .is_err()
        );
        // Out of range.
        let mut small = fields(&[
            ("mch_billno", "1900000109201412010000002"),
            ("mch_id", MCHID),
            ("wxappid", APPID),
            ("send_name", "shop"),
            ("re_openid", "oxTWIuGaIt6gTKsQRLau2M0yL16E"),
            ("total_amount", "99"),
            ("total_num", "1"),
            ("wishing", "thanks"),
            ("client_ip", "192.168.0.1"),
            ("act_name", "festival"),
            ("remark", "more"),
        ]);
        let a = call(
            &s,
            Link::Plain,
            "/mmpaymkttransfers/sendredpack",
            signed(small.clone(), &k, SignType::Md5),
        );
        assert_eq!(get(&a, "err_code"), Some("MONEY_LIMIT"));
        small.retain(|(n, _)| n != "total_amount");
        assert_fail(
            &call(
                &s,
                Link::Plain,
                "/mmpaymkttransfers/sendredpack",
                signed(small, &k, SignType::Md5),
            ),
            "total_amount",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bills_are_csv_or_an_xml_error() {
    let sandbox = std::sync::Arc::new(start(Sandbox::builder()).await);
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let a = call(
            &s,
            Link::Plain,
            "/pay/micropay",
            signed(micropay("B000001", "134567890123456789"), &k, SignType::Md5),
        );
        let today = &get(&a, "time_end").unwrap()[..8];
        let bill = |date: &str, extra: &[(&str, &str)]| {
            let mut f = fields(&[
                ("appid", APPID),
                ("mch_id", MCHID),
                ("bill_date", date),
                ("bill_type", "ALL"),
            ]);
            f.extend(fields(extra));
            let body = xml::write(&signed(f, &k, SignType::Md5));
            exchange(
                s.addr(),
                Link::Plain,
                "/pay/downloadbill",
                "application/xml",
                body.as_bytes(),
            )
        };
        let (status, head, csv) = bill(today, &[]);
        assert_eq!(status, 200);
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{head}"
        );
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("交易时间,"), "{csv}");
        assert!(csv.contains("`B000001"), "{csv}");
        assert!(csv.contains("总交易单数"), "{csv}");
        // GZIP on request.
        let (_, _, gz) = bill(today, &[("tar_type", "GZIP")]);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, csv);
        // A day without trades: the XML error.
        let (status, head, body) = bill("20200101", &[]);
        assert_eq!(status, 200);
        assert!(head.to_ascii_lowercase().contains("xml"), "{head}");
        let f = xml::parse(&body).unwrap();
        assert_eq!(get(&f, "return_code"), Some("FAIL"));
        assert_eq!(get(&f, "return_msg"), Some("No Bill Exist"));
        assert_eq!(get(&f, "error_code"), Some("20002"));
        let (_, _, body) = bill("2020-01-01", &[]);
        assert_eq!(
            get(&xml::parse(&body).unwrap(), "return_code"),
            Some("FAIL")
        );
    })
    .await;
}

/// The fixtures' merchant, with its real certificate, for mutual TLS.
fn fixture_merchant() -> (Merchant, ClientCert) {
    let (merchant, cert, key) = common::fixture_merchant();
    (merchant, ClientCert { cert, key })
}

/// Another certificate, for another key.
fn stranger() -> ClientCert {
    let key = PrivateKey::generate().unwrap();
    let now = std::time::SystemTime::now();
    let cert = Certificate::self_signed(
        &key,
        "someone else",
        &wxpay_sandbox::keys::random_serial().unwrap(),
        now - std::time::Duration::from_secs(3600),
        now + std::time::Duration::from_secs(86_400),
    )
    .unwrap();
    ClientCert {
        cert: cert.to_pem().unwrap(),
        key: key.to_pem().unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_needs_the_merchant_certificate() {
    let (merchant, client) = fixture_merchant();
    let tls =
        std::sync::Arc::new(start(Sandbox::builder().merchant(merchant.clone()).tls(true)).await);
    let plain = std::sync::Arc::new(start(Sandbox::builder().merchant(merchant)).await);
    let (t, p) = (tls.clone(), plain.clone());
    blocking(move || {
        let k = key();
        let pem = t.tls_certificate_pem().unwrap();
        let no_cert = Link::Tls {
            server_pem: &pem,
            client: None,
        };
        let with_cert = Link::Tls {
            server_pem: &pem,
            client: Some(&client),
        };
        let other = stranger();
        let wrong_cert = Link::Tls {
            server_pem: &pem,
            client: Some(&other),
        };
        // An operation without mutual TLS works with or without a certificate.
        for (i, link) in [no_cert, with_cert].into_iter().enumerate() {
            let a = call(
                &t,
                link,
                "/pay/micropay",
                signed(
                    micropay(&format!("T00000{i}"), "134567890123456789"),
                    &k,
                    SignType::Md5,
                ),
            );
            assert_signed(&a, &k, SignType::Md5);
        }
        // A refund: refused without a certificate, or with another one.
        let refused = call(
            &t,
            no_cert,
            "/secapi/pay/refund",
            signed(refund("T000000", "TR01", "1"), &k, SignType::Md5),
        );
        assert_fail(&refused, "certificate");
        let refused = call(
            &t,
            wrong_cert,
            "/secapi/pay/refund",
            signed(refund("T000000", "TR01", "1"), &k, SignType::Md5),
        );
        assert_fail(&refused, "not the API certificate");
        assert!(t.refund(MCHID, "TR01").is_none());
        // Accepted with the merchant's.
        let a = call(
            &t,
            with_cert,
            "/secapi/pay/refund",
            signed(refund("T000000", "TR01", "1"), &k, SignType::Md5),
        );
        assert_signed(&a, &k, SignType::Md5);
        assert_eq!(get(&a, "result_code"), Some("SUCCESS"), "{a:?}");
        assert!(t.refund(MCHID, "TR01").is_some());
        // Over plain HTTP, refused unless the builder lets it through.
        call(
            &p,
            Link::Plain,
            "/pay/micropay",
            signed(micropay("P000001", "134567890123456789"), &k, SignType::Md5),
        );
        let refused = call(
            &p,
            Link::Plain,
            "/secapi/pay/refund",
            signed(refund("P000001", "PR01", "1"), &k, SignType::Md5),
        );
        assert_fail(&refused, "plain HTTP");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_mode_answers_every_operation_from_the_spec() {
    let (merchant, client) = fixture_merchant();
    let sandbox = std::sync::Arc::new(
        start(
            Sandbox::builder()
                .merchant(merchant)
                .tls(true)
                .spec_mode(true),
        )
        .await,
    );
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let pem = s.tls_certificate_pem().unwrap();
        let link = Link::Tls {
            server_pem: &pem,
            client: Some(&client),
        };
        let no_cert = Link::Tls {
            server_pem: &pem,
            client: None,
        };
        // The example answer, with the request's merchant and appid, signed.
        let a = call(
            &s,
            link,
            "/pay/micropay",
            signed(
                micropay("SPEC0001", "134567890123450000"),
                &k,
                SignType::HmacSha256,
            ),
        );
        assert_signed(&a, &k, SignType::HmacSha256);
        assert_eq!(get(&a, "result_code"), Some("SUCCESS"));
        assert_eq!(get(&a, "mch_id"), Some(MCHID));
        assert_eq!(get(&a, "appid"), Some(APPID));
        assert_eq!(get(&a, "trade_type"), Some("MICROPAY"));
        assert!(
            s.order(MCHID, "SPEC0001").is_none(),
            "spec mode keeps nothing"
        );
        // Unknown and missing fields.
        let mut f = micropay("SPEC0002", "134567890123456789");
        f.push(("colour".into(), "blue".into()));
        assert_fail(
            &call(&s, link, "/pay/micropay", signed(f, &k, SignType::Md5)),
            "colour",
        );
        let mut f = micropay("SPEC0003", "134567890123456789");
        f.retain(|(n, _)| n != "spbill_create_ip");
        assert_fail(
            &call(&s, link, "/pay/micropay", signed(f, &k, SignType::Md5)),
            "spbill_create_ip",
        );
        // Mutual TLS as the data says.
        let r = refund("SPEC0001", "SR01", "1");
        assert_fail(
            &call(
                &s,
                no_cert,
                "/secapi/pay/refund",
                signed(r.clone(), &k, SignType::Md5),
            ),
            "certificate",
        );
        let a = call(&s, link, "/secapi/pay/refund", signed(r, &k, SignType::Md5));
        assert_signed(&a, &k, SignType::Md5);
        assert!(get(&a, "coupon_refund_fee_0").is_some(), "{a:?}");
        // An unsigned answer where the data says so, with the sign types it lists.
        let send = fields(&[
            ("mch_billno", "B1"),
            ("mch_id", MCHID),
            ("wxappid", APPID),
            ("send_name", "n"),
            ("re_openid", "o"),
            ("total_amount", "1"),
            ("total_num", "1"),
            ("wishing", "w"),
            ("client_ip", "1.1.1.1"),
            ("act_name", "a"),
            ("remark", "r"),
        ]);
        let a = call(
            &s,
            link,
            "/mmpaymkttransfers/sendredpack",
            signed(send.clone(), &k, SignType::Md5),
        );
        assert_eq!(get(&a, "return_code"), Some("SUCCESS"));
        assert_eq!(get(&a, "mch_id"), Some(MCHID));
        assert!(get(&a, "sign").is_none());
        assert_fail(
            &call(
                &s,
                link,
                "/mmpaymkttransfers/sendredpack",
                signed(send, &k, SignType::HmacSha256),
            ),
            "sign_type",
        );
        // The checks every request gets still apply.
        let mut f = signed(
            micropay("SPEC0004", "134567890123456789"),
            &k,
            SignType::Md5,
        );
        f.last_mut().unwrap().1 = "0".repeat(32);
        assert_fail(&call(&s, link, "/pay/micropay", f), "sign");
        // One identifier of several is enough; none is not.
        let mut q = query("SPEC0001");
        let a = call(
            &s,
            link,
            "/pay/orderquery",
            signed(q.clone(), &k, SignType::Md5),
        );
        assert_signed(&a, &k, SignType::Md5);
        q.retain(|(n, _)| n != "out_trade_no");
        assert_fail(
            &call(&s, link, "/pay/orderquery", signed(q, &k, SignType::Md5)),
            "one of",
        );
        // A path that is no v2 operation.
        let (status, _, body) = exchange(
            s.addr(),
            link,
            "/pay/nothing",
            "application/xml",
            b"<xml></xml>",
        );
        assert_eq!(status, 404);
        assert_fail(&xml::parse(&body).unwrap(), "no such");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_v2_key_is_used_both_ways() {
    let custom = "abcdefghijklmnopqrstuvwxyz012345";
    let sandbox = std::sync::Arc::new(start(Sandbox::builder().v2_key(custom)).await);
    assert_eq!(sandbox.info().v2_key, custom);
    let s = sandbox.clone();
    blocking(move || {
        let mine = V2Key::new(custom).unwrap();
        let a = call(
            &s,
            Link::Plain,
            "/pay/micropay",
            signed(
                micropay("K000001", "134567890123456789"),
                &mine,
                SignType::Md5,
            ),
        );
        assert_signed(&a, &mine, SignType::Md5);
        let a = call(
            &s,
            Link::Plain,
            "/pay/micropay",
            signed(
                micropay("K000002", "134567890123456789"),
                &key(),
                SignType::Md5,
            ),
        );
        assert_fail(&a, "sign");
    })
    .await;
    assert!(Sandbox::builder().v2_key("short").start().await.is_err());
}

#[derive(serde::Deserialize)]
struct SpecLine {
    method: String,
    path: String,
    mutual_tls: bool,
    signed_answer: bool,
    sign_types: Vec<String>,
    required: Vec<String>,
    fields: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_mode_serves_all_v2_operations() {
    let data = include_str!("../../wxpay-sandbox/data/spec-mode-v2.json");
    let ops: Vec<SpecLine> = data
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ops.len(), 136);
    let (merchant, client) = fixture_merchant();
    let sandbox = std::sync::Arc::new(
        start(
            Sandbox::builder()
                .merchant(merchant)
                .tls(true)
                .spec_mode(true),
        )
        .await,
    );
    let s = sandbox.clone();
    blocking(move || {
        let k = key();
        let pem = s.tls_certificate_pem().unwrap();
        let link = Link::Tls {
            server_pem: &pem,
            client: Some(&client),
        };
        let no_cert = Link::Tls {
            server_pem: &pem,
            client: None,
        };
        for op in &ops {
            let sign_type = SignType::parse(&op.sign_types[0]).unwrap();
            let mut f: Fields = Vec::new();
            for name in op.required.iter().filter(|n| !n.contains('$')) {
                let value = match name.as_str() {
                    "mch_id" | "mchid" | "combine_mch_id" => MCHID,
                    "sign_type" | "nonce_str" | "sign" => continue,
                    _ => "1",
                };
                f.push((name.clone(), value.into()));
            }
            if !f
                .iter()
                .any(|(n, _)| matches!(n.as_str(), "mch_id" | "mchid" | "combine_mch_id"))
            {
                f.push(("mch_id".into(), MCHID.into()));
            }
            if op.fields.iter().any(|n| n == "sign_type") && sign_type == SignType::Md5 {
                f.push(("sign_type".into(), "MD5".into()));
            }
            // Each call signs afresh: a nonce_str is accepted once.
            let send = |link: Link<'_>| {
                let f = signed(f.clone(), &k, sign_type);
                if op.method == "GET" {
                    let query: Vec<String> = f.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let path = format!("{}?{}", op.path, query.join("&"));
                    exchange_with("GET", s.addr(), link, &path, "application/xml", b"")
                } else {
                    let body = xml::write(&f);
                    exchange(s.addr(), link, &op.path, "application/xml", body.as_bytes())
                }
            };
            let (status, _, body) = send(link);
            let what = format!("{} {}", op.method, op.path);
            assert_eq!(status, 200, "{what}: {}", String::from_utf8_lossy(&body));
            if op.path.ends_with("/downloadbill") || op.path.ends_with("/downloadfundflow") {
                assert!(!body.starts_with(b"<xml>"), "{what}");
                continue;
            }
            let a = xml::parse(&body).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(get(&a, "return_code"), Some("SUCCESS"), "{what}: {a:?}");
            if op.signed_answer {
                assert_signed(&a, &k, sign_type);
            } else {
                assert!(get(&a, "sign").is_none(), "{what}");
            }
            if op.mutual_tls {
                let (_, _, refused) = send(no_cert);
                assert_fail(&xml::parse(&refused).unwrap(), "certificate");
            }
        }
    })
    .await;
}
