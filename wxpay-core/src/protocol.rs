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

use crate::crypto::{CryptoError, random_bytes};
use crate::error::VerifyReason;

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

    /// The headers the client writes itself, which an endpoint may not set
    /// (lower case, as [`http::HeaderName`] keeps them).
    pub const RESERVED_HEADERS: [&str; 7] = [
        "authorization",
        "accept",
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "wechatpay-serial",
    ];

    /// Whether `name` is one of [`RESERVED_HEADERS`], in any case.
    ///
    /// A `const fn`, so that `#[endpoint]` refuses a `#[header]` field naming
    /// one when the crate is compiled.
    pub const fn is_reserved_header(name: &str) -> bool {
        let mut rest: &[&str] = &RESERVED_HEADERS;
        while let Some((reserved, tail)) = rest.split_first() {
            if eq_ignore_case(reserved.as_bytes(), name.as_bytes()) {
                return true;
            }
            rest = tail;
        }
        false
    }

    /// ASCII case-insensitive equality, usable in constants.
    const fn eq_ignore_case(mut a: &[u8], mut b: &[u8]) -> bool {
        loop {
            match (a.split_first(), b.split_first()) {
                (Some((x, a_tail)), Some((y, b_tail))) => {
                    if !x.eq_ignore_ascii_case(y) {
                        return false;
                    }
                    a = a_tail;
                    b = b_tail;
                }
                (None, None) => return true,
                _ => return false,
            }
        }
    }
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

/// A 32-character request nonce of `[0-9A-Za-z]`, drawn from OpenSSL's CSPRNG.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nonce([u8; 32]);

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Nonce {
    /// Draws a fresh nonce. Each byte from the CSPRNG below 248 (= 4 × 62)
    /// maps to one character, so every character is equally likely.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut out = [0u8; 32];
        let mut filled = 0;
        let mut pool = [0u8; 48];
        while filled < out.len() {
            random_bytes(&mut pool)?;
            for &b in &pool {
                if b < 248 {
                    if let (Some(slot), Some(&c)) =
                        (out.get_mut(filled), ALPHABET.get(usize::from(b % 62)))
                    {
                        *slot = c;
                        filled += 1;
                    }
                }
            }
        }
        Ok(Nonce(out))
    }

    /// Wraps a given 32-character nonce (tests, known-answer vectors).
    /// Returns `None` unless it is 32 characters of `[0-9A-Za-z]`.
    pub fn from_str_exact(s: &str) -> Option<Self> {
        let bytes: [u8; 32] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_alphanumeric)
            .then_some(Nonce(bytes))
    }

    /// The nonce text.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Nonce {
    // Like `Authorization`'s: a request nonce in a log helps a replay.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce(..)")
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The five parameters of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
///
/// [`Display`](fmt::Display) writes the header value; [`Authorization::parse`]
/// reads one (pairs in any order, values in double quotes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// Merchant id (`mchid`).
    pub mchid: &'a str,
    /// The request nonce (`nonce_str`).
    pub nonce_str: &'a str,
    /// Base64 signature (`signature`).
    pub signature: &'a str,
    /// Unix seconds, as text (`timestamp`).
    pub timestamp: &'a str,
    /// Merchant API certificate serial (`serial_no`).
    pub serial_no: &'a str,
}

impl fmt::Display for Authorization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }
}

impl fmt::Debug for Authorization<'_> {
    // The signature is not a secret, but a full header in a log invites
    // copy-paste replays; show who signed and when.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header does not start with `WECHATPAY2-SHA256-RSA2048 `.
    #[error("authorization scheme must be {SCHEME}")]
    Scheme,
    /// A `key="value"` pair was malformed.
    #[error("malformed parameter near {0:?}")]
    Malformed(String),
    /// A parameter appeared twice.
    #[error("parameter {0} given twice")]
    Duplicate(&'static str),
    /// A required parameter was absent.
    #[error("parameter {0} missing")]
    Missing(&'static str),
}

impl<'a> Authorization<'a> {
    /// Parses a header value. Pairs may come in any order, separated by
    /// commas with optional spaces; unknown parameters are ignored.
    pub fn parse(header: &'a str) -> Result<Self, AuthorizationError> {
        let rest = header
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(AuthorizationError::Scheme)?;
        let mut fields: [Option<&'a str>; 5] = [None; 5];
        const NAMES: [&str; 5] = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"];
        let mut rest = rest.trim_start();
        while !rest.is_empty() {
            let excerpt = || AuthorizationError::Malformed(rest.chars().take(16).collect());
            let (key, after_key) = rest.split_once('=').ok_or_else(excerpt)?;
            let key = key.trim();
            let after_quote = after_key.strip_prefix('"').ok_or_else(excerpt)?;
            let (value, after_value) = after_quote.split_once('"').ok_or_else(excerpt)?;
            if let Some(i) = NAMES.iter().position(|n| *n == key) {
                let slot = fields.get_mut(i).ok_or_else(excerpt)?;
                if slot.is_some() {
                    return Err(AuthorizationError::Duplicate(
                        NAMES.get(i).copied().unwrap_or("?"),
                    ));
                }
                *slot = Some(value);
            }
            let after_value = after_value.trim_start();
            rest = match after_value.strip_prefix(',') {
                Some(r) => r.trim_start(),
                None if after_value.is_empty() => after_value,
                None => return Err(excerpt()),
            };
        }
        let [mchid, nonce_str, signature, timestamp, serial_no] = fields;
        Ok(Authorization {
            mchid: mchid.ok_or(AuthorizationError::Missing("mchid"))?,
            nonce_str: nonce_str.ok_or(AuthorizationError::Missing("nonce_str"))?,
            signature: signature.ok_or(AuthorizationError::Missing("signature"))?,
            timestamp: timestamp.ok_or(AuthorizationError::Missing("timestamp"))?,
            serial_no: serial_no.ok_or(AuthorizationError::Missing("serial_no"))?,
        })
    }
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

    /// Writes these headers into `map`, as the platform sends them (the
    /// sandbox's side of the exchange). Values that cannot be header
    /// values (line breaks, say) are refused and nothing is written.
    pub fn write_to(&self, map: &mut HeaderMap) -> Result<(), http::header::InvalidHeaderValue> {
        use http::HeaderValue;
        let values = [
            HeaderValue::from_str(self.timestamp)?,
            HeaderValue::from_str(self.nonce)?,
            HeaderValue::from_str(self.signature)?,
            HeaderValue::from_str(self.serial)?,
        ];
        let kind = self.signature_type.map(HeaderValue::from_str).transpose()?;
        for ((name, _), value) in SIGNED.into_iter().zip(values) {
            map.insert(name, value);
        }
        if let Some(kind) = kind {
            map.insert(header::WECHATPAY_SIGNATURE_TYPE, kind);
        }
        Ok(())
    }

    /// Whether any signature header is present (error answers may come unsigned).
    pub fn any_present(map: &HeaderMap) -> bool {
        SIGNED.iter().any(|(name, _)| map.contains_key(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use crate::test_vectors as tv;
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
    fn written_headers_read_back() {
        let signed = SignatureHeaders {
            timestamp: "1554208460",
            nonce: "N",
            signature: "c2ln",
            serial: "PUB_KEY_ID_01",
            signature_type: Some(SCHEME),
        };
        let mut map = HeaderMap::new();
        signed.write_to(&mut map).unwrap();
        assert_eq!(map.len(), 5);
        let read = SignatureHeaders::from_headers(&map).unwrap();
        assert_eq!(
            (
                read.timestamp,
                read.nonce,
                read.signature,
                read.serial,
                read.signature_type
            ),
            ("1554208460", "N", "c2ln", "PUB_KEY_ID_01", Some(SCHEME))
        );
        let bad = SignatureHeaders {
            nonce: "a\nb",
            ..signed
        };
        let mut map = HeaderMap::new();
        assert!(bad.write_to(&mut map).is_err());
        assert!(map.is_empty());
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

    #[test]
    fn nonce_alphabet_length_and_freshness() {
        let a = Nonce::generate().unwrap();
        let b = Nonce::generate().unwrap();
        assert_ne!(a, b);
        for n in [a, b] {
            assert_eq!(n.as_str().len(), 32);
            assert!(n.as_str().bytes().all(|c| c.is_ascii_alphanumeric()));
        }
        // Over many draws every character of the alphabet shows up.
        let mut seen = [false; 128];
        for _ in 0..200 {
            for c in Nonce::generate().unwrap().as_str().bytes() {
                seen[usize::from(c)] = true;
            }
        }
        assert!(ALPHABET.iter().all(|&c| seen[usize::from(c)]));
        assert!(Nonce::from_str_exact("short").is_none());
        assert!(Nonce::from_str_exact("5K8264ILTKCH16CQ2502SI8ZNMTM67V-").is_none());
    }

    #[test]
    fn debug_hides_the_nonce() {
        let nonce = Nonce::generate().unwrap();
        assert!(!format!("{nonce:?}").contains(nonce.as_str()));
    }

    #[test]
    fn every_request_vector_reproduces() {
        let credentials =
            Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap();
        let names: Vec<_> = tv::case_names()
            .into_iter()
            .filter(|n| n.starts_with("request_"))
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        for name in names {
            let v = tv::case(&name);
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            let ts: i64 = s("timestamp").parse().unwrap();
            let message = request_message(
                &s("method"),
                &s("url"),
                ts,
                &s("nonce"),
                s("body").as_bytes(),
            );
            assert_eq!(
                String::from_utf8(message.clone()).unwrap(),
                s("message"),
                "{name}"
            );
            let signature = credentials.private_key().sign(&message).unwrap();
            assert_eq!(signature, s("signature"), "{name}");
            let nonce = Nonce::from_str_exact(&s("nonce")).unwrap();
            let header = credentials
                .authorization(&s("method"), &s("url"), s("body").as_bytes(), ts, &nonce)
                .unwrap();
            assert_eq!(header, s("authorization"), "{name}");
            let parsed = Authorization::parse(&header).unwrap();
            assert_eq!(parsed.signature, s("signature"));
            assert_eq!(parsed.to_string(), header);
        }
    }

    #[test]
    fn parse_accepts_any_order_and_spaces() {
        let h = "WECHATPAY2-SHA256-RSA2048 serial_no=\"S\", timestamp=\"1\",signature=\"a/b+c==\" ,nonce_str=\"n\",mchid=\"m\",extra=\"x\"";
        let a = Authorization::parse(h).unwrap();
        assert_eq!(
            (a.mchid, a.nonce_str, a.signature, a.timestamp, a.serial_no),
            ("m", "n", "a/b+c==", "1", "S")
        );
    }

    #[test]
    fn parse_rejects_malformed_headers() {
        use AuthorizationError::*;
        let full = "mchid=\"m\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"S\"";
        assert_eq!(Authorization::parse(&format!("Bearer {full}")), Err(Scheme));
        assert_eq!(
            Authorization::parse(&format!("WECHATPAY2-SHA256-RSA2048{full}")),
            Err(Scheme)
        );
        assert_eq!(
            Authorization::parse(
                "WECHATPAY2-SHA256-RSA2048 mchid=\"m\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\""
            ),
            Err(Missing("serial_no"))
        );
        assert_eq!(
            Authorization::parse(&format!("WECHATPAY2-SHA256-RSA2048 {full},mchid=\"x\"")),
            Err(Duplicate("mchid"))
        );
        for bad in [
            "mchid=m",
            "mchid=\"m",
            "mchid=\"m\" nonce_str=\"n\"",
            "=\"\"x",
            "mchid",
        ] {
            let h = format!("WECHATPAY2-SHA256-RSA2048 {bad}");
            assert!(
                matches!(Authorization::parse(&h), Err(Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_does_not_print_the_signature() {
        let a = Authorization {
            mchid: "m",
            nonce_str: "n",
            signature: "SIGNATURE",
            timestamp: "1",
            serial_no: "S",
        };
        assert!(!format!("{a:?}").contains("SIGNATURE"));
    }

    #[test]
    fn reserved_headers_in_any_case() {
        const { assert!(header::is_reserved_header("Wechatpay-Serial")) };
        assert!(header::is_reserved_header("AUTHORIZATION"));
        assert!(!header::is_reserved_header("idempotency-key"));
        assert!(!header::is_reserved_header("host-name"));
        for name in header::RESERVED_HEADERS {
            // Each is a valid header name, as `HeaderName` would store it.
            assert_eq!(http::HeaderName::from_static(name).as_str(), name);
        }
    }
}
