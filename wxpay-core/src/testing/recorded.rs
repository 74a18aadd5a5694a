//! [`RecordedRequest`]: what the client sent to a stub platform, taken apart
//! for assertions.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::credentials::Credentials;
use crate::crypto::{PublicKey, base64_decode};
use crate::protocol::header::AUTHORIZATION;
use crate::protocol::{Authorization, header_str, request_message};

/// A request the client sent to a [`StubPlatform`](super::StubPlatform),
/// with the `Request-ID` it was answered with.
///
/// `Debug` leaves out the `Authorization` header's value, as the client's
/// own types do.
#[derive(Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path as it was on the request line (percent-encoded), without the query.
    pub path: String,
    /// The query's pairs in order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Every header sent.
    pub headers: HeaderMap,
    /// The body's bytes, exactly as sent.
    pub raw_body: Bytes,
    /// The body read as JSON; `Null` when it was empty or not JSON (an
    /// upload's multipart body, say). Indexing a missing field gives
    /// `Null` too: `request.body["amount"]["total"]`.
    pub body: serde_json::Value,
    /// Whether the `Authorization` header names the stub's merchant and its
    /// signature verifies with the merchant key over this method, path,
    /// query and body. Always `false` for media uploads, whose signature
    /// covers the `meta` part only, and for a client given other
    /// credentials than the stub's.
    pub signed_by_merchant: bool,
    /// The `Request-ID` the stub answered with.
    pub request_id: String,
}

impl RecordedRequest {
    /// Takes `request` apart; `signed_by_merchant` is checked against
    /// `merchant` and its public key.
    pub(super) fn new(
        request: &super::Request,
        merchant: &Credentials,
        merchant_key: &PublicKey,
    ) -> Self {
        let uri = request.uri();
        let query = uri.query().map(parse_query).unwrap_or_default();
        let raw_body = request.body().clone();
        RecordedRequest {
            method: request.method().clone(),
            path: uri.path().to_owned(),
            query,
            headers: request.headers().clone(),
            body: serde_json::from_slice(&raw_body).unwrap_or(serde_json::Value::Null),
            signed_by_merchant: signed_by(request, merchant, merchant_key),
            raw_body,
            request_id: String::new(),
        }
    }

    /// The first value of a query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value as text (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if name == AUTHORIZATION {
                    ".."
                } else {
                    value.to_str().unwrap_or("(not text)")
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("signed_by_merchant", &self.signed_by_merchant)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// Whether `request` carries a valid `Authorization` of `merchant`.
fn signed_by(request: &super::Request, merchant: &Credentials, key: &PublicKey) -> bool {
    let Some(header) = header_str(request.headers(), AUTHORIZATION) else {
        return false;
    };
    let Ok(auth) = Authorization::parse(header) else {
        return false;
    };
    let (Ok(timestamp), Ok(signature)) =
        (auth.timestamp.parse::<i64>(), base64_decode(auth.signature))
    else {
        return false;
    };
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let message = request_message(
        request.method().as_str(),
        path_and_query,
        timestamp,
        auth.nonce_str,
        request.body(),
    );
    auth.mchid == merchant.mchid()
        && auth.serial_no == merchant.serial()
        && key.verify(&message, &signature)
}

/// `a=1&b=x%20y` as decoded pairs; a pair without `=` has an empty value.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes; anything else, a malformed escape included, is kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = text
            .get(i + 1..i + 3)
            .filter(|hex| b == b'%' && hex.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_split_and_decoded() {
        assert_eq!(
            parse_query("mchid=1900000109&note=a%20b%2Cc&flag&&x=%zz%4&y=%+1"),
            vec![
                ("mchid".to_owned(), "1900000109".to_owned()),
                ("note".to_owned(), "a b,c".to_owned()),
                ("flag".to_owned(), String::new()),
                ("x".to_owned(), "%zz%4".to_owned()),
                ("y".to_owned(), "%+1".to_owned()),
            ]
        );
        assert_eq!(percent_decode("%E4%BD%A0%e5%a5%bd"), "你好");
    }
}
