//! The `wxpay-sandbox` binary: started as another process, driven over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use wxpay::prelude::*;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads its one-line JSON announcement.
fn start(args: &[&str]) -> (Running, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sandbox binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line on stdout");
    let info: serde_json::Value = serde_json::from_str(&line).expect("the line is JSON");
    (Running(child), info)
}

fn order(mchid: &str, no: &str) -> JsapiWithContract {
    JsapiWithContract {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.into(),
        description: "binary".into(),
        out_trade_no: no.into(),
        notify_url: "https://example.com/notify".into(),
        amount: Amount {
            total: 1,
            currency: None,
        },
        payer: Payer {
            openid: "o1".into(),
        },
        // Signs a contract while paying: no pre-sign needed.
        contract_info: ContractInfo {
            plan_id: Some("3484306348".into()),
            contract_code: Some(format!("C{no}")),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn generated_keys_are_written_out_and_usable() {
    let dir = std::env::temp_dir().join(format!("wxpay-sandbox-test-{}", std::process::id()));
    let (_running, info) = start(&["--write-keys", dir.to_str().unwrap()]);
    let s = |k: &str| {
        info[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} in {info}"))
            .to_owned()
    };
    let client = Client::builder()
        .base_url(s("base_url"))
        .allow_http(true)
        .credentials(
            Credentials::from_pem_file(s("mchid"), s("merchant_serial"), s("merchant_key_file"))
                .unwrap(),
        )
        .platform_public_key_pem_file(s("public_key_id"), s("public_key_file"))
        .build()
        .unwrap();
    let answer = client
        .post_pay_transactions_jsapi_with_contract(order(&s("mchid"), "BIN000001"))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn test_vector_keys_in_public_key_mode() {
    let cert = format!("{FIXTURES}/merchant_cert.pem");
    let key = format!("{FIXTURES}/wechatpay_pubkey_private.pem");
    let (_running, info) = start(&[
        "--mchid",
        "1900000109",
        "--merchant-cert",
        &cert,
        "--public-key-id",
        "PUB_KEY_ID_0119000001092026112700000000000001",
        "--public-key-private",
        &key,
    ]);
    assert_eq!(
        info["merchant_serial"],
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    );
    assert!(info.get("merchant_key_file").is_none(), "nothing generated");
    let client = Client::builder()
        .base_url(info["base_url"].as_str().unwrap())
        .allow_http(true)
        .credentials(
            Credentials::from_pem_file(
                "1900000109",
                "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                format!("{FIXTURES}/merchant_key.pem"),
            )
            .unwrap(),
        )
        .platform_public_key_pem_file(
            "PUB_KEY_ID_0119000001092026112700000000000001",
            format!("{FIXTURES}/wechatpay_pubkey.pem"),
        )
        .build()
        .unwrap();
    let answer = client
        .post_pay_transactions_jsapi_with_contract(order("1900000109", "BIN000002"))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
}

#[tokio::test]
async fn certificate_mode_and_bad_flags() {
    let (_running, info) = start(&[
        "--merchant-cert",
        &format!("{FIXTURES}/merchant_cert.pem"),
        "--platform-cert",
        &format!("{FIXTURES}/platform_cert.pem"),
        "--platform-key",
        &format!("{FIXTURES}/platform_key.pem"),
    ]);
    assert_eq!(
        info["platform_serials"][0],
        "7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52"
    );
    assert_eq!(
        info["default_serial"],
        "7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52"
    );
    assert!(info["public_key_id"].is_null());
    // A client that only knows the merchant's keys downloads the platform
    // certificate, checks it, and verifies with it.
    let client = Client::builder()
        .base_url(info["base_url"].as_str().unwrap())
        .allow_http(true)
        .credentials(
            Credentials::from_pem_file(
                "1900000109",
                "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                format!("{FIXTURES}/merchant_key.pem"),
            )
            .unwrap(),
        )
        .apiv3_key(info["apiv3_key"].as_str().unwrap())
        .download_platform_certificates(true)
        .build()
        .unwrap();
    client
        .post_pay_transactions_jsapi_with_contract(order("1900000109", "BIN000003"))
        .await
        .unwrap();
    assert_eq!(
        client.key_store().serials(),
        ["7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52"]
    );

    // A generated certificate: no public key, one certificate listed.
    let (_generated, info) = start(&["--generated-certificate"]);
    assert!(info["public_key_id"].is_null(), "{info}");
    assert_eq!(info["platform_serials"].as_array().unwrap().len(), 1);
    assert!(info.get("public_key_file").is_none(), "{info}");

    let out = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
        .arg("--public-key-id")
        .arg("X")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("go together"));
    let out = Command::new(env!("CARGO_BIN_EXE_wxpay-sandbox"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn tls_mode_writes_its_certificate_and_faults_are_set_over_http() {
    let dir = std::env::temp_dir().join(format!("wxpay-sandbox-tls-{}", std::process::id()));
    let (_running, info) = start(&["--tls", "--write-keys", dir.to_str().unwrap()]);
    let s = |k: &str| {
        info[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} in {info}"))
            .to_owned()
    };
    assert!(s("base_url").starts_with("https://127.0.0.1:"), "{info}");
    assert!(
        info.get("tls_certificate_pem").is_none(),
        "the line stays short"
    );
    let pem = std::fs::read(s("tls_cert_file")).unwrap();
    let client = Client::builder()
        .base_url(s("base_url"))
        .add_root_certificate_pem(&pem)
        .credentials(
            Credentials::from_pem_file(s("mchid"), s("merchant_serial"), s("merchant_key_file"))
                .unwrap(),
        )
        .platform_public_key_pem_file(s("public_key_id"), s("public_key_file"))
        .build()
        .unwrap();

    // A fault scripted over the control route, over HTTPS.
    let transport = wxpay::transport::HyperTransport::builder()
        .add_root_certificate_pem(&pem)
        .unwrap()
        .build()
        .unwrap();
    let rule = http::Request::post(format!("{}/sandbox/faults", s("base_url")))
        .body(bytes::Bytes::from_static(
            br#"{"fault":{"kind":"status","status":503,"code":"SYSTEM_ERROR"},"times":1}"#,
        ))
        .unwrap();
    use wxpay::transport::Transport as _;
    assert_eq!(transport.send(rule).await.unwrap().status(), 204);
    let e = client
        .post_pay_transactions_jsapi_with_contract(order(&s("mchid"), "BINTLS0001"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    let answer = client
        .post_pay_transactions_jsapi_with_contract(order(&s("mchid"), "BINTLS0001"))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
    let _ = std::fs::remove_dir_all(dir);
}
