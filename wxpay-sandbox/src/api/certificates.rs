//! `GET /v3/certificates`: the platform certificates, encrypted with the
//! merchant's APIv3 key as the platform does.

use std::time::{SystemTime, UNIX_EPOCH};

use http::Method;
use serde_json::{Value, json};
use wxpay_core::crypto::ApiV3Key;
use wxpay_core::protocol::Nonce;

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::time::format_china;
use crate::validate::Check::OneOf;
use crate::validate::{Checked, Rule};

pub(crate) const OPERATIONS: &[Operation] = &[Operation {
    method: Method::GET,
    path: "/v3/certificates",
    rules: &[&[Rule::query(
        "algorithm_type",
        &[OneOf(&["RSA", "SM2", "ALL"], "must be RSA, SM2 or ALL")],
    )]],
    handler: |s, r, _| certificates(s, r),
}];

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

fn internal(message: &str) -> Reply {
    ErrorCode::SystemError.reply(message)
}

fn certificates(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    if req.query("algorithm_type") == Some("SM2") {
        // The sandbox has no SM2 certificate.
        return Ok(Reply::ok(&json!({ "data": [] })));
    }
    let merchant = shared
        .merchant(&req.mchid)
        .ok_or_else(|| internal("the merchant vanished"))?;
    let apiv3_key = ApiV3Key::new(&merchant.apiv3_key)
        .map_err(|_| internal("the merchant's APIv3 key is unusable"))?;
    let platform = shared.platform();
    let now = SystemTime::now();
    let mut data = Vec::new();
    for certificate in platform.keys.iter().filter_map(|k| k.certificate.as_ref()) {
        if certificate.not_after() < now {
            continue;
        }
        let pem = certificate
            .to_pem()
            .map_err(|_| internal("a certificate could not be written"))?;
        // A fresh 12-character nonce per certificate, like the platform's.
        let nonce: String = Nonce::generate()
            .map_err(|_| internal("no randomness"))?
            .as_str()
            .chars()
            .take(12)
            .collect();
        let ciphertext = apiv3_key
            .encrypt(nonce.as_bytes(), b"certificate", &pem)
            .map_err(|_| internal("a certificate could not be encrypted"))?;
        data.push(json!({
            "serial_no": certificate.serial(),
            "effective_time": format_china(unix(certificate.not_before())),
            "expire_time": format_china(unix(certificate.not_after())),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            },
        }));
    }
    if data.is_empty() {
        return Err(ErrorCode::ResourceNotExists.reply(
            "this merchant has no platform certificate: it uses the WeChat Pay public key",
        ));
    }
    Ok(Reply::ok(&json!({ "data": Value::Array(data) })))
}
