//! APIv2: the older protocol, with XML bodies signed by the merchant's v2 key.
//!
//! An operation is a request struct declared with
//! `#[endpoint(v2, POST, "/pay/micropay")]` (add `mutual_tls` for operations
//! that require the merchant's API certificate), which implements
//! [`V2Endpoint`]. The client serializes the struct into the fields of an
//! `<xml>` body, adds `mch_id` when absent, a fresh `nonce_str`, `sign_type`
//! and `sign`, sends it, refuses answers whose `return_code` or
//! `result_code` is not `SUCCESS`, verifies the answer's `sign` and decodes
//! the remaining fields into [`V2Endpoint::Response`].

use serde::Serialize;
use serde::de::DeserializeOwned;

mod call;
pub mod fields;
mod key;
pub mod sign;
pub mod xml;

pub use key::V2Key;

/// How a v2 body is signed: the `sign_type` field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignType {
    /// `MD5`, the default when a body names no `sign_type`.
    #[default]
    Md5,
    /// `HMAC-SHA256`.
    HmacSha256,
}

impl SignType {
    /// The value of the `sign_type` field.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// Reads a `sign_type` value; `None` for anything else.
    pub fn parse(value: &str) -> Option<SignType> {
        match value {
            "MD5" => Some(SignType::Md5),
            "HMAC-SHA256" => Some(SignType::HmacSha256),
            _ => None,
        }
    }
}

/// An APIv2 operation, implemented by a request struct.
///
/// The struct's fields, serialized with serde, are the body's fields (or,
/// for [`http::Method::GET`], the query's); `nonce_str` and `sign` are the
/// client's and are not fields of the struct.
pub trait V2Endpoint: Serialize + Send {
    /// What the answer's fields decode into.
    type Response: DeserializeOwned;

    /// The HTTP method: `POST` for almost every operation.
    const METHOD: http::Method;

    /// The path, e.g. `/pay/micropay` (APIv2 paths have no parameters).
    const PATH: &'static str;

    /// Whether the operation requires the merchant's API certificate on the
    /// TLS connection (refunds, reversals, red packets, transfers, …).
    const MUTUAL_TLS: bool = false;

    /// Whether the platform signs the answer. `false` only where the
    /// platform documents an unsigned answer; the client then skips the
    /// `sign` check but still checks `return_code` and `result_code`.
    const SIGNED_ANSWER: bool = true;

    /// The sign types the operation accepts, preferred first. Operations
    /// whose request has no `sign_type` field accept only MD5.
    const SIGN_TYPES: &'static [SignType] = &[SignType::HmacSha256, SignType::Md5];
}
