//! The APIv3 wire protocol, in one place: header names, the two signed
//! messages, the nonce, the timestamp, the `Authorization` header and how
//! headers are read (PROTOCOL §1–§3).
//!
//! A request is signed over [`request_message`] and carries the signature
//! in an [`Authorization`] header; an answer or a notification is signed
//! over [`response_message`] and carries it in the headers
//! [`SignatureHeaders`] reads. Everything here is a pure function of its
//! inputs (the clock and the nonce are parameters), so the known-answer
//! vectors pin it down byte for byte. The client, the transport, the
//! notification receiver and the sandbox all take these from here.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::header::AsHeaderName;

use crate::error::VerifyReason;

mod authorization;
mod nonce;

pub use authorization::{Authorization, AuthorizationError};
pub use nonce::Nonce;

/// The authorization scheme, and the only signature type this crate speaks.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The header names of the protocol, as [`HeaderName`](http::HeaderName)
/// constants.
pub mod header {
    use http::HeaderName;

    pub use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};

    /// Unix seconds at which the platform signed.
    pub const WECHATPAY_TIMESTAMP: HeaderName = HeaderName::from_static("wechatpay-timestamp");
    /// The platform's nonce.
    pub const WECHATPAY_NONCE: HeaderName = HeaderName::from_static("wechatpay-nonce");
    /// Base64 signature.
    pub const WECHATPAY_SIGNATURE: HeaderName = HeaderName::from_static("wechatpay-signature");
    /// Serial of the key that signed (on answers); of the key the merchant
    /// encrypted with or wants answers signed with (on requests).
    pub const WECHATPAY_SERIAL: HeaderName = HeaderName::from_static("wechatpay-serial");
    /// `WECHATPAY2-SHA256-RSA2048` when present.
    pub const WECHATPAY_SIGNATURE_TYPE: HeaderName =
        HeaderName::from_static("wechatpay-signature-type");
    /// The platform's id for the exchange; quote it to support.
    pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

    /// The headers the client writes on every request itself; an endpoint
    /// may not set them.
    pub const CLIENT_WRITTEN: [HeaderName; 7] = [
        AUTHORIZATION,
        ACCEPT,
        CONTENT_TYPE,
        CONTENT_LENGTH,
        HOST,
        USER_AGENT,
        WECHATPAY_SERIAL,
    ];
}

/// Builds the message a request signature covers.
///
/// `path_and_query` is exactly what goes on the request line (percent-encoded
/// path, `?` and query string when there is one, no host); `body` the exact
/// bytes sent (empty for GET and DELETE; the `meta` JSON for uploads).
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let ts = timestamp.to_string();
    let mut out = Vec::with_capacity(
        method.len() + path_and_query.len() + ts.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        path_and_query.as_bytes(),
        ts.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out
}

/// Builds the message an answer or notification signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out
}

/// Seconds since the Unix epoch (negative before it): the protocol's timestamps.
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs())
            .map(|s| -s)
            .unwrap_or(i64::MIN),
    }
}

/// The value of a header as text; `None` when absent, empty or not visible ASCII.
pub fn header_str<K: AsHeaderName>(map: &HeaderMap, name: K) -> Option<&str> {
    map.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The `Request-ID` of an answer, when it has one.
pub fn request_id(map: &HeaderMap) -> Option<String> {
    header_str(map, header::REQUEST_ID).map(str::to_owned)
}

/// The signature headers of an answer or notification, borrowed from a header map.
///
/// `Debug` shows who signed and when, not the nonce or the signature.
#[derive(Clone, Copy)]
pub struct SignatureHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Signature-Type`, when present.
    pub signature_type: Option<&'a str>,
}

impl fmt::Debug for SignatureHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("serial", &self.serial)
            .field("timestamp", &self.timestamp)
            .field("signature_type", &self.signature_type)
            .finish_non_exhaustive()
    }
}

/// The four headers every signed answer carries, with the spelling errors name.
const SIGNED: [(http::HeaderName, &str); 4] = [
    (header::WECHATPAY_TIMESTAMP, "Wechatpay-Timestamp"),
    (header::WECHATPAY_NONCE, "Wechatpay-Nonce"),
    (header::WECHATPAY_SIGNATURE, "Wechatpay-Signature"),
    (header::WECHATPAY_SERIAL, "Wechatpay-Serial"),
];

impl<'a> SignatureHeaders<'a> {
    /// Reads the four required headers (names are case-insensitive) and the
    /// optional signature type.
    pub fn from_headers(map: &'a HeaderMap) -> Result<Self, VerifyReason> {
        let [timestamp, nonce, signature, serial] = SIGNED.map(|(name, _)| header_str(map, name));
        let missing = |i: usize| VerifyReason::MissingHeader(SIGNED.get(i).map_or("?", |s| s.1));
        Ok(SignatureHeaders {
            timestamp: timestamp.ok_or_else(|| missing(0))?,
            nonce: nonce.ok_or_else(|| missing(1))?,
            signature: signature.ok_or_else(|| missing(2))?,
            serial: serial.ok_or_else(|| missing(3))?,
            signature_type: header_str(map, header::WECHATPAY_SIGNATURE_TYPE),
        })
    }

    /// Whether any signature header is present (error answers may come unsigned).
    pub fn any_present(map: &HeaderMap) -> bool {
        SIGNED.iter().any(|(name, _)| map.contains_key(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn canonical_message_layout() {
        let m = request_message("GET", "/v3/x?a=1", 1_700_000_000, "N", b"");
        assert_eq!(m, b"GET\n/v3/x?a=1\n1700000000\nN\n\n");
        let m = request_message("POST", "/v3/y", 5, "N", b"{}");
        assert_eq!(m, b"POST\n/v3/y\n5\nN\n{}\n");
        let m = request_message("POST", "/v3/y", -12, "N", b"");
        assert_eq!(m, b"POST\n/v3/y\n-12\nN\n\n");
        assert_eq!(response_message("1", "N", b"{}"), b"1\nN\n{}\n");
    }

    #[test]
    fn timestamps_before_and_after_the_epoch() {
        use std::time::Duration;
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_secs(5)), 5);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_trims() {
        let mut map = HeaderMap::new();
        map.insert("Request-ID", HeaderValue::from_static(" RID "));
        assert_eq!(header_str(&map, "request-id"), Some("RID"));
        assert_eq!(header_str(&map, "REQUEST-ID"), Some("RID"));
        assert_eq!(request_id(&map).as_deref(), Some("RID"));
        map.insert("x-empty", HeaderValue::from_static(""));
        assert_eq!(header_str(&map, "x-empty"), None);
        map.insert("x-bin", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        assert_eq!(header_str(&map, "x-bin"), None);
        assert!(!SignatureHeaders::any_present(&map));
        map.insert("WECHATPAY-SERIAL", HeaderValue::from_static("S"));
        assert!(SignatureHeaders::any_present(&map));
        assert!(matches!(
            SignatureHeaders::from_headers(&map),
            Err(VerifyReason::MissingHeader("Wechatpay-Timestamp"))
        ));
    }

    #[test]
    fn debug_shows_who_signed_not_the_nonce_or_signature() {
        let headers = SignatureHeaders {
            timestamp: "1554208460",
            nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
            signature: "SIGNATUREBASE64==",
            serial: "PUB_KEY_ID_01",
            signature_type: None,
        };
        let text = format!("{headers:?}");
        assert!(
            text.contains("PUB_KEY_ID_01") && text.contains("1554208460"),
            "{text}"
        );
        assert!(
            !text.contains("593BEC0C") && !text.contains("SIGNATUREBASE64"),
            "{text}"
        );
    }
}
