//! The shared known-answer cases (`tests/fixtures/`, copied from `shared/vectors/`), for unit tests.

use crate::crypto::{PrivateKey, PublicKey};

pub const MCHID: &str = "1900000109";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PLATFORM_SERIAL: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";
pub const APIV3_KEY: &str = "sandboxApiV3Key0123456789abcdefX";

const VECTORS: &str = include_str!("../../tests/fixtures/vectors.json");

pub fn file(name: &str) -> &'static str {
    match name {
        "merchant_key.pem" => include_str!("../../tests/fixtures/merchant_key.pem"),
        "merchant_cert.pem" => include_str!("../../tests/fixtures/merchant_cert.pem"),
        "platform_key.pem" => include_str!("../../tests/fixtures/platform_key.pem"),
        "platform_cert.pem" => include_str!("../../tests/fixtures/platform_cert.pem"),
        "wechatpay_pubkey.pem" => include_str!("../../tests/fixtures/wechatpay_pubkey.pem"),
        "wechatpay_pubkey_private.pem" => {
            include_str!("../../tests/fixtures/wechatpay_pubkey_private.pem")
        }
        other => panic!("no fixture {other}"),
    }
}

pub fn case(name: &str) -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(all["mchid"], MCHID);
    assert_eq!(all["merchant_serial"], MERCHANT_SERIAL);
    assert_eq!(all["platform_serial"], PLATFORM_SERIAL);
    assert_eq!(all["wechatpay_public_key_id"], PUBLIC_KEY_ID);
    assert_eq!(all["apiv3_key"], APIV3_KEY);
    all["cases"][name].clone()
}

pub fn case_names() -> Vec<String> {
    let all: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    all["cases"].as_object().unwrap().keys().cloned().collect()
}

pub fn merchant_key() -> PrivateKey {
    PrivateKey::from_pem(file("merchant_key.pem").as_bytes()).unwrap()
}

pub fn platform_key() -> PrivateKey {
    PrivateKey::from_pem(file("platform_key.pem").as_bytes()).unwrap()
}

pub fn wechatpay_public_key() -> PublicKey {
    PublicKey::from_pem(file("wechatpay_pubkey.pem").as_bytes()).unwrap()
}
