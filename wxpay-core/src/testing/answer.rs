//! [`Answer`]: what a [`StubPlatform`](super::StubPlatform) handler returns,
//! and how it becomes a signed HTTP answer.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::crypto::PrivateKey;
use crate::error::{TransportError, TransportErrorKind};
use crate::protocol::header::{CONTENT_TYPE, REQUEST_ID};
use crate::protocol::{Nonce, SCHEME, SignatureHeaders, response_message, unix_seconds};

/// One answer of the stub platform: a status, a body (JSON, raw bytes or
/// none) and extra headers. It is signed with the stub's platform key on
/// the way out, as WeChat Pay signs its answers, unless
/// [`unsigned`](Self::unsigned) or [`tampered`](Self::tampered) says
/// otherwise, and carries a `Request-ID`.
///
/// A mistake in building it (a status outside 100–999, a header that is not
/// one, a value that does not serialise) reaches the client as an
/// [`Error::Transport`](crate::Error::Transport) naming the mistake.
///
/// ```
/// use wxpay_core::serde_json::json;
/// use wxpay_core::testing::Answer;
///
/// let paid = Answer::ok(json!({"trade_state": "SUCCESS"}));
/// let closed = Answer::no_content();
/// let refused = Answer::error(400, "PARAM_ERROR", "amount.total must be positive")
///     .detail(json!({"field": "amount.total", "location": "body"}))
///     .request_id("08F78BB5AF0610D302");
/// let forged = Answer::ok(json!({"trade_state": "SUCCESS"})).tampered();
/// # let _ = (paid, closed, refused, forged);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Answer {
    status: u16,
    body: Body,
    headers: Vec<(String, String)>,
    request_id: Option<String>,
    signing: Signing,
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Json(serde_json::Value),
    Raw(Bytes),
    /// A mistake in building the answer, reported when it is sent.
    Broken(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    Signed,
    Unsigned,
    Tampered,
}

impl Answer {
    fn new(status: u16, body: Body) -> Self {
        Answer {
            status,
            body,
            headers: Vec::new(),
            request_id: None,
            signing: Signing::Signed,
        }
    }

    /// A JSON answer with this status (`Content-Type: application/json`).
    pub fn json(status: u16, value: impl Serialize) -> Self {
        let body = match serde_json::to_value(value) {
            Ok(value) => Body::Json(value),
            Err(e) => Body::Broken(format!("the answer's JSON body does not serialise: {e}")),
        };
        Self::new(status, body)
    }

    /// `200 OK` with a JSON body.
    pub fn ok(value: impl Serialize) -> Self {
        Self::json(200, value)
    }

    /// `204 No Content`, as the platform answers closing an order.
    pub fn no_content() -> Self {
        Self::new(204, Body::Empty)
    }

    /// The platform's error object, `{"code": …, "message": …}`, with this
    /// status; add a `detail` object with [`detail`](Self::detail).
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({ "code": code, "message": message }),
        )
    }

    /// These bytes as the body, with no `Content-Type` unless one is added
    /// with [`header`](Self::header): a file, or a proxy's HTML page.
    pub fn raw(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, Body::Raw(body.into()))
    }

    /// Sets `detail` in a JSON object body (as [`error`](Self::error) makes).
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.body = match self.body {
            Body::Json(serde_json::Value::Object(mut object)) => {
                object.insert("detail".to_owned(), detail);
                Body::Json(serde_json::Value::Object(object))
            }
            Body::Broken(why) => Body::Broken(why),
            _ => Body::Broken("`detail` needs a JSON object body".to_owned()),
        };
        self
    }

    /// Adds a header, or replaces one of the same name (`Content-Type`, say).
    /// The signature headers are written after it, and win.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The `Request-ID` to answer with, instead of the stub's own
    /// (`stub-` and a counter).
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sends the answer without signature headers. The client refuses a
    /// 2xx answer like that ([`VerifyReason::MissingHeader`](crate::error::VerifyReason::MissingHeader));
    /// an error answer is read but marked unverified.
    pub fn unsigned(mut self) -> Self {
        self.signing = Signing::Unsigned;
        self
    }

    /// Signs the answer, then changes one character of its body, as an
    /// attacker on the path would: the client refuses a 2xx answer like
    /// that ([`VerifyReason::BadSignature`](crate::error::VerifyReason::BadSignature)).
    pub fn tampered(mut self) -> Self {
        self.signing = Signing::Tampered;
        self
    }

    /// The HTTP answer: body, `Content-Type` for JSON, `Request-ID`, extra
    /// headers, then the signature headers made with `key` named `serial`.
    pub(super) fn into_response(
        self,
        request_id: &str,
        key: &PrivateKey,
        serial: &str,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let status = StatusCode::from_u16(self.status)
            .map_err(|_| mistake(format!("{} is not an HTTP status", self.status)))?;
        let mut headers = HeaderMap::new();
        let mut body = match self.body {
            Body::Empty => Vec::new(),
            Body::Raw(bytes) => bytes.to_vec(),
            Body::Json(value) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                serde_json::to_vec(&value)
                    .map_err(|e| mistake(format!("the answer's JSON body: {e}")))?
            }
            Body::Broken(why) => return Err(mistake(why)),
        };
        let request_id = self.request_id.as_deref().unwrap_or(request_id);
        let request_id = HeaderValue::from_str(request_id)
            .map_err(|_| mistake(format!("Request-ID {request_id:?} is not a header value")))?;
        headers.insert(REQUEST_ID, request_id);
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| mistake(format!("{name:?} is not a header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| mistake(format!("{value:?} is not a header value")))?;
            headers.insert(name, value);
        }
        if self.signing != Signing::Unsigned {
            sign(&mut headers, &body, key, serial)?;
        }
        if self.signing == Signing::Tampered {
            tamper(&mut body);
        }
        let mut response = http::Response::new(Bytes::from(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

/// Writes `Wechatpay-Timestamp`, `-Nonce`, `-Serial`, `-Signature` and
/// `-Signature-Type` for `body`, signed now.
pub(super) fn sign(
    headers: &mut HeaderMap,
    body: &[u8],
    key: &PrivateKey,
    serial: &str,
) -> Result<(), TransportError> {
    let timestamp = unix_seconds(std::time::SystemTime::now()).to_string();
    let nonce = Nonce::generate().map_err(|e| TransportError::new(TransportErrorKind::Io, e))?;
    let message = response_message(&timestamp, nonce.as_str(), body);
    let signature = key
        .sign(&message)
        .map_err(|e| TransportError::new(TransportErrorKind::Io, e))?;
    SignatureHeaders {
        timestamp: &timestamp,
        nonce: nonce.as_str(),
        signature: &signature,
        serial,
        signature_type: Some(SCHEME),
    }
    .write_to(headers)
    .map_err(|e| TransportError::new(TransportErrorKind::Io, e))
}

/// Changes the first letter or digit of `body` (`x` becomes `y`, anything
/// else `x`), or appends a space to a body that has none.
fn tamper(body: &mut Vec<u8>) {
    match body.iter_mut().find(|b| b.is_ascii_alphanumeric()) {
        Some(b) => *b = if *b == b'x' { b'y' } else { b'x' },
        None => body.push(b' '),
    }
}

/// A mistake in an answer a test built, reported to the client as a
/// transport error.
fn mistake(what: String) -> TransportError {
    TransportError::new(
        TransportErrorKind::Io,
        format!("the stub platform's answer cannot be sent: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_changes_exactly_one_byte() {
        let mut body = br#"{"x":1}"#.to_vec();
        tamper(&mut body);
        assert_eq!(body, br#"{"y":1}"#);
        let mut body = br#"{"a":1}"#.to_vec();
        tamper(&mut body);
        assert_eq!(body, br#"{"x":1}"#);
        let mut body = Vec::new();
        tamper(&mut body);
        assert_eq!(body, b" ");
    }

    #[test]
    fn detail_needs_an_object_body() {
        let key = PrivateKey::generate().unwrap();
        let answer = Answer::no_content().detail(serde_json::json!({}));
        let e = answer.into_response("R", &key, "S").unwrap_err();
        assert!(
            e.to_string().contains("`detail` needs a JSON object body"),
            "{e}"
        );
        let e = Answer::json(1000, serde_json::json!({}))
            .into_response("R", &key, "S")
            .unwrap_err();
        assert!(e.to_string().contains("1000 is not an HTTP status"), "{e}");
        let e = Answer::ok(serde_json::json!({}))
            .header("bad name", "v")
            .into_response("R", &key, "S")
            .unwrap_err();
        assert!(e.to_string().contains("is not a header name"), "{e}");
    }
}
