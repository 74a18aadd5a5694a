//! The [`Endpoint`] trait: what a request struct tells the client.
//!
//! `#[endpoint]` implements it; hand-written implementations are possible
//! but rarely needed. The client asks an endpoint for its method, the exact
//! path and query to put on the wire, the exact body bytes, and how to decode
//! the answer; it signs those very bytes.
//!
//! What goes on the request line is written here (the path, its parameters
//! percent-encoded) and in [`QueryWriter`] (the query string, values that
//! implement [`QueryValue`]).

use std::fmt::{self, Write as _};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
pub use crate::query::{QueryScalar, QueryValue, QueryWriter};

/// An APIv3 operation, implemented by a request struct.
///
/// See [`endpoint`](macro@crate::endpoint) for the attribute that implements it.
pub trait Endpoint: Send {
    /// What a successful answer decodes into; `()` for operations answering
    /// 204 No Content.
    type Response;

    /// The HTTP method.
    const METHOD: http::Method;

    /// The path template as declared, e.g. `/v3/pay/transactions/id/{transaction_id}`.
    const PATH: &'static str;

    /// Whether the request holds fields to encrypt with the platform key
    /// before sending (see [`Endpoint::encrypt_sensitive`]).
    const HAS_SENSITIVE: bool = false;

    /// Appends the path (parameters percent-encoded) and, when there is one,
    /// `?` and the query string: exactly what goes on the request line.
    fn write_path_and_query(&self, out: &mut String) -> Result<(), Error>;

    /// The request body.
    fn body(&self) -> Result<RequestBody, Error>;

    /// Adds the request's own headers (fields marked `#[header("…")]`, such
    /// as `Idempotency-Key`) to `headers`. Called once per call, before
    /// [`Endpoint::body`]; the client sends them with every attempt.
    /// Headers are not covered by the request signature (PROTOCOL §2).
    /// The client refuses a call that sets a header it writes itself
    /// ([`RESERVED_HEADERS`](crate::protocol::header::RESERVED_HEADERS)); `#[endpoint]` refuses such a field at
    /// compile time.
    fn write_headers(&self, headers: &mut http::HeaderMap) -> Result<(), Error> {
        let _ = headers;
        Ok(())
    }

    /// Replaces each sensitive field with its ciphertext. Called once, before
    /// [`Endpoint::body`], when [`Endpoint::HAS_SENSITIVE`] is `true`.
    fn encrypt_sensitive(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        let _ = encrypt;
        Ok(())
    }

    /// Decodes a verified 2xx body.
    fn decode_response(body: &[u8]) -> Result<Self::Response, serde_json::Error>;
}

/// Values that hold sensitive fields, encrypted in place before a request is sent.
///
/// Implemented for `String` (the field itself is replaced by its
/// ciphertext), for `Option`, `Vec` and `Box` of implementors, and by
/// `#[derive(SensitiveFields)]` for structs nested in a request.
pub trait SensitiveFields {
    /// Replaces each sensitive value with `encrypt(value)`.
    fn encrypt_sensitive_fields(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error>;
}

impl SensitiveFields for String {
    fn encrypt_sensitive_fields(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        *self = encrypt(self)?;
        Ok(())
    }
}

impl<T: SensitiveFields> SensitiveFields for Option<T> {
    fn encrypt_sensitive_fields(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        match self {
            Some(v) => v.encrypt_sensitive_fields(encrypt),
            None => Ok(()),
        }
    }
}

impl<T: SensitiveFields> SensitiveFields for Vec<T> {
    fn encrypt_sensitive_fields(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        self.iter_mut()
            .try_for_each(|v| v.encrypt_sensitive_fields(encrypt))
    }
}

impl<T: SensitiveFields + ?Sized> SensitiveFields for Box<T> {
    fn encrypt_sensitive_fields(
        &mut self,
        encrypt: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        (**self).encrypt_sensitive_fields(encrypt)
    }
}

/// Stands in for a sensitive value in hand-written `Debug` output: prints
/// `<redacted>`, so neither the plaintext nor (after encryption) the
/// ciphertext of a `#[sensitive]` field reaches a log.
///
/// ```
/// use std::fmt;
/// use wxpay_core::endpoint::Redacted;
///
/// struct Payee { name: String, openid: String }
///
/// impl fmt::Debug for Payee {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.debug_struct("Payee")
///             .field("name", &Redacted)
///             .field("openid", &self.openid)
///             .finish()
///     }
/// }
///
/// let text = format!("{:?}", Payee { name: "张三".into(), openid: "o1".into() });
/// assert_eq!(text, r#"Payee { name: <redacted>, openid: "o1" }"#);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A request body, exactly as it will be sent and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestBody {
    /// No body (GET, DELETE, bodiless POST).
    Empty,
    /// A JSON document (`Content-Type: application/json`).
    Json(Vec<u8>),
    /// A media upload (`multipart/form-data`): the signed `meta` JSON and
    /// the file, streamed from its source when sent.
    Multipart(crate::upload::Multipart),
}

impl RequestBody {
    /// The bytes the signature covers: the JSON body, or the `meta` part
    /// of an upload (PROTOCOL §2).
    pub fn signed_bytes(&self) -> &[u8] {
        match self {
            RequestBody::Empty => &[],
            RequestBody::Json(b) => b,
            RequestBody::Multipart(m) => m.meta(),
        }
    }

    /// An upload of `file`; `extra` (a JSON object, `{}` for none) adds
    /// members to the `meta` JSON next to `filename` and `sha256`.
    pub fn upload<T: Serialize + ?Sized>(
        file: &crate::upload::UploadFile,
        extra: &T,
    ) -> Result<Self, Error> {
        crate::upload::Multipart::new(file, extra).map(RequestBody::Multipart)
    }

    /// An upload of `file` as the part named `file_part`, with `meta`'s
    /// members in the `meta` JSON and each of `form`'s members (both JSON
    /// objects) as a text part of its own. See
    /// [`Multipart::with_parts`](crate::upload::Multipart::with_parts).
    pub fn upload_parts<M: Serialize + ?Sized, F: Serialize + ?Sized>(
        file_part: &str,
        file: &crate::upload::UploadFile,
        meta: &M,
        form: &F,
    ) -> Result<Self, Error> {
        crate::upload::Multipart::with_parts(file_part, file, meta, form)
            .map(RequestBody::Multipart)
    }

    /// Serialises `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let mut out = Vec::with_capacity(256);
        serde_json::to_writer(&mut out, value).map_err(|e| {
            Error::Build(crate::error::BuildError::with_source(
                "the request body could not be serialised",
                e,
            ))
        })?;
        Ok(RequestBody::Json(out))
    }
}

/// Decodes a JSON answer (an empty body reads as `null`, so `()` and
/// `Option` responses accept 204).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice(b"null")
    } else {
        serde_json::from_slice(body)
    }
}

/// Decodes the answer of an operation declared without `response`: any body
/// is accepted and ignored (the platform answers 204, sometimes 200 `{}`).
pub fn decode_unit(_body: &[u8]) -> Result<(), serde_json::Error> {
    Ok(())
}

/// Whether `b` is an RFC 3986 unreserved character, kept as is in paths and queries.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `text` percent-encoded: every byte but the unreserved characters
/// becomes `%XX` (upper-case hex).
pub fn percent_encode_into(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Appends one path segment from a [`Display`](fmt::Display) value, percent-encoded.
///
/// An empty value, `.` and `..` are refused: each would change which
/// resource the path names.
pub fn push_path_param(
    out: &mut String,
    name: &str,
    value: &dyn fmt::Display,
) -> Result<(), Error> {
    let mut text = String::new();
    let _ = write!(text, "{value}");
    if text.is_empty() {
        return Err(Error::build(format!("path parameter `{name}` is empty")));
    }
    // `.` and `..` would be read as dot-segments (by proxies, by the
    // platform) and name another resource than the one declared.
    if text == "." || text == ".." {
        return Err(Error::build(format!(
            "path parameter `{name}` is `{text}`, which would change the path it goes into"
        )));
    }
    percent_encode_into(out, &text);
    Ok(())
}

/// Adds the header `name` with a [`Display`](fmt::Display) value: the
/// text must be a valid HTTP header value (no control characters such as
/// line breaks), else the call fails before anything is sent.
///
/// `#[endpoint]` names the header with `HeaderName::from_static`, after
/// checking the name when the crate compiles.
pub fn push_header(
    headers: &mut http::HeaderMap,
    name: http::HeaderName,
    value: &dyn fmt::Display,
) -> Result<(), Error> {
    let mut text = String::new();
    let _ = write!(text, "{value}");
    let value = http::HeaderValue::from_str(&text).map_err(|_| {
        Error::build(format!(
            "the value of header `{name}` holds characters not allowed in an HTTP header (such as a line break)"
        ))
    })?;
    headers.append(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        let mut s = String::new();
        percent_encode_into(&mut s, "Contract/2026 A");
        assert_eq!(s, "Contract%2F2026%20A");
        let mut s = String::new();
        percent_encode_into(&mut s, "aZ09-._~+:?#[]@!$&'()*,;=%中");
        assert_eq!(
            s,
            "aZ09-._~%2B%3A%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D%25%E4%B8%AD"
        );
    }

    #[test]
    fn path_params_use_display_and_refuse_empty() {
        let mut s = String::from("/v3/x/");
        push_path_param(&mut s, "service_id", &500001u64).unwrap();
        assert_eq!(s, "/v3/x/500001");
        assert!(push_path_param(&mut s, "out_trade_no", &"").is_err());
        for dots in [".", ".."] {
            let e = push_path_param(&mut s, "out_trade_no", &dots).unwrap_err();
            assert!(e.to_string().contains("out_trade_no"), "{e}");
        }
        assert_eq!(s, "/v3/x/500001");
        push_path_param(&mut s, "out_trade_no", &"...").unwrap();
        assert_eq!(s, "/v3/x/500001...");
    }

    #[test]
    fn header_values_are_checked() {
        let mut headers = http::HeaderMap::new();
        let name = http::HeaderName::from_static("idempotency-key");
        push_header(&mut headers, name.clone(), &"K-1").unwrap();
        assert_eq!(headers["idempotency-key"], "K-1");
        let e = push_header(&mut headers, name, &"a\nb").unwrap_err();
        assert!(e.to_string().contains("idempotency-key"), "{e}");
    }

    #[test]
    fn decoding_empty_bodies() {
        assert_eq!(decode_json::<Option<u8>>(b"").unwrap(), None);
        decode_json::<()>(b" ").unwrap();
        assert!(decode_json::<u8>(b"").is_err());
        decode_unit(b"{\"anything\":1}").unwrap();
    }
}
