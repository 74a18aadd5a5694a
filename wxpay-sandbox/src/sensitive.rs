//! Encrypted request fields, checked as the platform does: the request must
//! name in `Wechatpay-Serial` a platform key the merchant may encrypt with,
//! and every sensitive field must decrypt with it (RSA-OAEP).

use serde_json::json;
use wxpay_core::crypto::PrivateKey;
use wxpay_core::protocol::{header, header_str};

use crate::error_code::ErrorCode;
use crate::platform::decryption_key;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::validate::Checked;

/// Decrypts the sensitive fields of one request.
pub(crate) struct Decryptor {
    serial: String,
    key: PrivateKey,
}

impl Decryptor {
    /// The key named by the request's `Wechatpay-Serial`, or the error the
    /// platform answers when it is missing or names no usable key.
    pub(crate) fn for_request(shared: &Shared, req: &SandboxRequest) -> Checked<Decryptor> {
        let Some(serial) = header_str(&req.headers, header::WECHATPAY_SERIAL) else {
            return Err(ErrorCode::ParamError.reply("the HTTP header Wechatpay-Serial is missing: it must name the platform certificate \
                 or public key the sensitive fields are encrypted with"));
        };
        match decryption_key(shared, serial) {
            Some(key) => Ok(Decryptor {
                serial: key.serial,
                key: key.private_key,
            }),
            None => Err(ErrorCode::ParamError.reply(format!(
                    "Wechatpay-Serial {} is not a valid platform certificate serial or WeChat Pay public key id of this merchant",
                    serial.chars().take(64).collect::<String>()
                ))),
        }
    }

    /// The serial the fields were encrypted for.
    pub(crate) fn serial(&self) -> &str {
        &self.serial
    }

    /// Decrypts the field `name` (its dotted path, for the error's `detail`).
    pub(crate) fn decrypt(&self, name: &str, ciphertext: &str) -> Checked<String> {
        let refuse = || {
            Reply::param_error(
                name,
                &json!(ciphertext),
                "cannot be decrypted with the platform key named by Wechatpay-Serial (encrypt it with RSA-OAEP, base64)",
            )
        };
        let plain = self.key.decrypt_oaep(ciphertext).map_err(|_| refuse())?;
        String::from_utf8(plain).map_err(|_| refuse())
    }
}
