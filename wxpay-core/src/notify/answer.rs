//! What a notification handler answers the platform, and why a
//! notification was refused.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

use crate::error::VerifyReason;

/// The answer to give the platform: `204` to accept, or an error status
/// with `{"code":"FAIL","message":"…"}` to refuse (the platform then sends
/// the notification again later).
///
/// ```
/// use wxpay_core::notify::Answer;
/// let ok = Answer::success();
/// assert_eq!(ok.status.as_u16(), 204);
/// let refused = Answer::fail(http::StatusCode::INTERNAL_SERVER_ERROR, "database unavailable");
/// assert_eq!(&refused.body[..], br#"{"code":"FAIL","message":"database unavailable"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status: 2xx accepts the notification, anything else refuses it.
    pub status: StatusCode,
    /// The JSON body (empty for `204`).
    pub body: Bytes,
}

impl Answer {
    /// `204 No Content`: the notification was accepted.
    pub fn success() -> Self {
        Answer {
            status: StatusCode::NO_CONTENT,
            body: Bytes::new(),
        }
    }

    /// Refuses the notification: `status` (use 4xx or 5xx) and
    /// `{"code":"FAIL","message":message}`. The platform shows the message
    /// to the merchant's operators: keep it short (it allows 64
    /// characters; longer messages are cut) and never put secrets in it.
    pub fn fail(status: StatusCode, message: &str) -> Self {
        let message: String = message.chars().take(64).collect();
        let body = serde_json::json!({ "code": "FAIL", "message": message });
        Answer {
            status,
            body: Bytes::from(body.to_string()),
        }
    }

    /// Whether the answer accepts the notification (2xx).
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The answer as an HTTP response, with `Content-Type: application/json`
    /// when there is a body.
    pub fn into_response<B: From<Bytes>>(self) -> http::Response<B> {
        let mut response = http::Response::new(B::from(self.body.clone()));
        *response.status_mut() = self.status;
        if !self.body.is_empty() {
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        response
    }
}

/// Why a notification was refused. Never acknowledge one that failed: each
/// variant's [`answer`](NotifyError::answer) is a non-2xx status.
///
/// | variant | status | what it means |
/// |---|---|---|
/// | [`MissingHeader`](Self::MissingHeader), [`Probe`](Self::Probe), [`BadSignature`](Self::BadSignature), [`StaleTimestamp`](Self::StaleTimestamp), [`UnknownSerial`](Self::UnknownSerial) | 401 | not proved to come from WeChat Pay |
/// | [`Malformed`](Self::Malformed), [`UnsupportedAlgorithm`](Self::UnsupportedAlgorithm) | 400 | verified, but not a notification this crate can read |
/// | [`Decrypt`](Self::Decrypt), [`MissingApiV3Key`](Self::MissingApiV3Key), [`MissingV2Key`](Self::MissingV2Key), [`Decode`](Self::Decode) | 500 | verified, but this side cannot read it: check the configuration |
///
/// Neither `Display` nor `Debug` shows key material or decrypted data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// A signature header (`Wechatpay-Timestamp`, `Wechatpay-Nonce`,
    /// `Wechatpay-Signature`, `Wechatpay-Serial`) was absent or unreadable.
    #[error("notification refused: missing or unreadable header {0}")]
    MissingHeader(&'static str),
    /// A probe: the platform checks that merchants verify signatures by
    /// sending notifications signed `WECHATPAY/SIGNTEST/…`. Acknowledging
    /// one is a security defect; refusing it is correct.
    #[error(
        "notification refused: a signature probe (WECHATPAY/SIGNTEST/), which must never be acknowledged"
    )]
    Probe,
    /// The signature does not verify, is malformed, or uses a signature
    /// type this crate does not speak. The usual cause besides forgery: the
    /// body was not passed exactly as received (a framework parsed and
    /// re-serialised it, changed its encoding or trimmed it).
    #[error(
        "notification refused: {0} (notifications must be verified over the raw body bytes exactly as received)"
    )]
    BadSignature(VerifyReason),
    /// `Wechatpay-Timestamp` is further from the local clock than the
    /// allowed skew (300 s by default): a replay, or a wrong local clock.
    #[error(
        "notification refused: timestamp is {skew_secs} s away from the local clock (allowed: {allowed_secs} s)"
    )]
    StaleTimestamp {
        /// Signed difference `now - timestamp`, in seconds.
        skew_secs: i64,
        /// The allowed absolute difference.
        allowed_secs: u64,
    },
    /// No platform key has this serial, even after the on-demand
    /// certificate download the client allows (when downloads are enabled).
    /// Check the configured WeChat Pay public key or certificates.
    #[error("notification refused: unknown platform key serial {0:?}")]
    UnknownSerial(String),
    /// The body is not a notification envelope (not JSON, or a required
    /// field is missing), or could not be read.
    #[error("notification refused: malformed notification: {0}")]
    Malformed(String),
    /// `resource.algorithm` is not `AEAD_AES_256_GCM`.
    #[error("notification refused: unsupported resource algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The resource did not decrypt with the APIv3 key. The signature
    /// verified, so the notification is genuine: the configured APIv3 key is
    /// probably not the one set in the merchant platform.
    #[error("notification refused: the resource did not decrypt with the APIv3 key")]
    Decrypt,
    /// The client has no APIv3 key to decrypt with; configure
    /// [`ClientBuilder::apiv3_key`](crate::ClientBuilder::apiv3_key).
    #[error("notification refused: no APIv3 key configured (ClientBuilder::apiv3_key)")]
    MissingApiV3Key,
    /// A v2 notification arrived at a client without the v2 key
    /// ([`ClientBuilder::v2_key`](crate::ClientBuilder::v2_key)).
    #[error("notification refused: no v2 key configured (ClientBuilder::v2_key)")]
    MissingV2Key,
    /// The decrypted resource does not fit the model of its event type.
    /// Only what did not fit is kept, never the data.
    #[error(
        "notification refused: the decrypted {event_type} resource does not fit {model}: {reason}"
    )]
    Decode {
        /// The notification's `event_type`.
        event_type: String,
        /// The Rust type it was decoded into.
        model: &'static str,
        /// What did not fit, e.g. ``missing field `out_trade_no` `` or
        /// `invalid type, expected i64` (values are never quoted).
        reason: String,
    },
}

impl NotifyError {
    /// Whether the notification could not be proved to come from WeChat
    /// Pay (missing headers, a probe, a bad or stale signature, an unknown
    /// serial).
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            NotifyError::MissingHeader(_)
                | NotifyError::Probe
                | NotifyError::BadSignature(_)
                | NotifyError::StaleTimestamp { .. }
                | NotifyError::UnknownSerial(_)
        )
    }

    /// Whether this was a signature probe (`WECHATPAY/SIGNTEST/`).
    pub fn is_probe(&self) -> bool {
        matches!(self, NotifyError::Probe)
    }

    /// The HTTP status to answer with; see the table on [`NotifyError`].
    pub fn status(&self) -> StatusCode {
        match self {
            _ if self.is_verification_failure() => StatusCode::UNAUTHORIZED,
            NotifyError::Malformed(_) | NotifyError::UnsupportedAlgorithm(_) => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer to give the platform: [`status`](Self::status) and a
    /// short `FAIL` message naming the kind of failure (no details).
    pub fn answer(&self) -> Answer {
        let message = match self {
            NotifyError::MissingHeader(_) => "missing signature header",
            NotifyError::Probe | NotifyError::BadSignature(_) => "signature verification failed",
            NotifyError::StaleTimestamp { .. } => "timestamp outside the allowed window",
            NotifyError::UnknownSerial(_) => "unknown platform key serial",
            NotifyError::Malformed(_) => "malformed notification",
            NotifyError::UnsupportedAlgorithm(_) => "unsupported resource algorithm",
            NotifyError::Decrypt => "resource decryption failed",
            NotifyError::MissingApiV3Key => "resource cannot be decrypted",
            NotifyError::MissingV2Key => "notification cannot be verified",
            NotifyError::Decode { .. } => "resource cannot be read",
        };
        Answer::fail(self.status(), message)
    }

    /// Sorts a verification failure into the variants above.
    pub(crate) fn from_verify(reason: VerifyReason) -> Self {
        match reason {
            VerifyReason::MissingHeader(name) => NotifyError::MissingHeader(name),
            VerifyReason::StaleTimestamp {
                skew_secs,
                allowed_secs,
            } => NotifyError::StaleTimestamp {
                skew_secs,
                allowed_secs,
            },
            VerifyReason::UnknownSerial(serial) => NotifyError::UnknownSerial(serial),
            other => NotifyError::BadSignature(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_refuses_with_a_fail_body() {
        let all = [
            NotifyError::MissingHeader("Wechatpay-Nonce"),
            NotifyError::Probe,
            NotifyError::BadSignature(VerifyReason::BadSignature),
            NotifyError::StaleTimestamp {
                skew_secs: 400,
                allowed_secs: 300,
            },
            NotifyError::UnknownSerial("X".into()),
            NotifyError::Malformed("expected value".into()),
            NotifyError::UnsupportedAlgorithm("SM4".into()),
            NotifyError::Decrypt,
            NotifyError::MissingApiV3Key,
            NotifyError::Decode {
                event_type: "TRANSACTION.SUCCESS".into(),
                model: "Transaction",
                reason: "missing field `amount`".into(),
            },
        ];
        for e in all {
            let answer = e.answer();
            assert!(!answer.is_success(), "{e}");
            assert_eq!(answer.status, e.status());
            let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body["code"], "FAIL");
            assert!(!body["message"].as_str().unwrap().is_empty());
            let response: http::Response<Bytes> = answer.into_response();
            assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        }
        assert_eq!(NotifyError::Probe.status(), StatusCode::UNAUTHORIZED);
        assert!(NotifyError::Probe.is_probe() && NotifyError::Probe.is_verification_failure());
        assert_eq!(
            NotifyError::Malformed(String::new()).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            NotifyError::Decrypt.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn success_is_204_without_body_and_messages_are_capped() {
        let ok = Answer::success();
        assert!(ok.is_success());
        let response: http::Response<Bytes> = ok.into_response();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.body().is_empty());
        assert!(response.headers().get(CONTENT_TYPE).is_none());
        let long = Answer::fail(StatusCode::INTERNAL_SERVER_ERROR, &"长".repeat(100));
        let body: serde_json::Value = serde_json::from_slice(&long.body).unwrap();
        assert_eq!(body["message"].as_str().unwrap().chars().count(), 64);
    }

    #[test]
    fn bad_signatures_explain_the_raw_body_rule() {
        let text = NotifyError::BadSignature(VerifyReason::BadSignature).to_string();
        assert!(
            text.contains("raw body bytes exactly as received"),
            "{text}"
        );
        assert_eq!(
            NotifyError::from_verify(VerifyReason::MissingHeader("Wechatpay-Serial")),
            NotifyError::MissingHeader("Wechatpay-Serial")
        );
        assert!(matches!(
            NotifyError::from_verify(VerifyReason::MalformedTimestamp),
            NotifyError::BadSignature(VerifyReason::MalformedTimestamp)
        ));
    }
}
