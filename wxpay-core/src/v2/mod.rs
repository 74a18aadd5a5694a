//! APIv2: the older protocol, with XML bodies signed by the merchant's v2 key.
//!
//! An operation is a request struct declared with
//! `#[endpoint(v2, POST, "/pay/micropay")]` (add `mutual_tls` for operations
//! that require the merchant's API certificate), which implements
//! [`V2Endpoint`]; any struct implementing it by hand works the same way.
//!
//! # A call's life
//!
//! [`Client::call_v2`](crate::Client::call_v2): the struct's fields
//! ([`fields::to_fields`]) → `mch_id` filled in or checked against the
//! client's merchant (also `mchid`, `combine_mch_id`) → a fresh
//! `nonce_str` for each attempt, `sign_type` (the struct's, else the first
//! of [`V2Endpoint::SIGN_TYPES`]; written unless MD5) and `sign`
//! ([`sign`]) → `<xml>` body ([`xml::write`]) → `POST base_url + PATH`,
//! through the mutual TLS transport when [`V2Endpoint::MUTUAL_TLS`] →
//! [`xml::parse`] → `return_code` not `SUCCESS`: [`Error::V2`](crate::Error::V2)
//! → `sign` verified in constant time (unless
//! [`V2Endpoint::SIGNED_ANSWER`] is false) → `result_code` not `SUCCESS`:
//! [`Error::V2`](crate::Error::V2) with `err_code` → the answer's merchant
//! checked → [`fields::from_fields`] into [`V2Endpoint::Response`].
//!
//! `GET` operations (the `papay` contract pages) are opened by the payer's
//! browser: [`Client::v2_signed_url`](crate::Client::v2_signed_url) builds
//! their signed URL. Bills come as CSV:
//! [`Client::download_v2_bill`](crate::Client::download_v2_bill).
//! Notifications: [`Client::parse_v2_notification`](crate::Client::parse_v2_notification).
//!
//! # Example
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use wxpay_core::http::Method;
//! use wxpay_core::v2::{V2Endpoint, V2Key};
//! use wxpay_core::{Client, Credentials};
//!
//! /// `POST /pay/orderquery`.
//! #[derive(Serialize)]
//! struct OrderQuery {
//!     appid: String,
//!     out_trade_no: String,
//! }
//!
//! #[derive(Deserialize)]
//! struct Order {
//!     trade_state: String,
//!     total_fee: Option<i64>,
//!     /// `coupon_id_0`, `coupon_fee_0`, … (see [`fields`]).
//!     #[serde(rename = "coupon_$n", default)]
//!     coupons: Vec<Coupon>,
//! }
//!
//! #[derive(Deserialize)]
//! struct Coupon {
//!     coupon_id: String,
//!     coupon_fee: i64,
//! }
//!
//! impl V2Endpoint for OrderQuery {
//!     type Response = Order;
//!     const METHOD: Method = Method::POST;
//!     const PATH: &'static str = "/pay/orderquery";
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .credentials(Credentials::from_pem_file(
//!         "1900000109",
//!         "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
//!         "apiclient_key.pem",
//!     )?)
//!     .v2_key(V2Key::new("192006250b4c09247ec02edce69f6a2d")?)
//!     // Only for operations that require it (refunds, reversals, …).
//!     .api_certificate_pem(&std::fs::read("apiclient_cert.pem")?, &std::fs::read("apiclient_key.pem")?)
//!     .build()?;
//!
//! let order = client
//!     .call_v2(OrderQuery {
//!         appid: "wx2421b1c4370ec43b".into(),
//!         out_trade_no: "1415757673".into(),
//!     })
//!     .await?;
//! println!("{} ({:?} fen, {} coupons)", order.trade_state, order.total_fee, order.coupons.len());
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! [`Error::V2`](crate::Error::V2) keeps `return_msg`, `err_code` and
//! `err_code_des`; the client never retries it by itself
//! ([`V2ApiError::is_transient`](crate::error::V2ApiError::is_transient)
//! says which codes pass). A missing or wrong `sign`, or another merchant
//! in the answer, is [`Error::Verify`](crate::Error::Verify); an answer
//! that is not the XML expected or does not fit the response type is
//! [`Error::V2Decode`](crate::Error::V2Decode). A non-2xx status (a proxy,
//! an outage) is [`Error::Api`](crate::Error::Api), retried like APIv3's
//! when the call is idempotent. Each of them keeps the HTTP status and the
//! answer's `Request-ID` when it carried one
//! ([`Error::request_id`](crate::Error::request_id), and in the message).

use serde::Serialize;
use serde::de::DeserializeOwned;

mod call;
pub mod fields;
mod key;
pub mod sign;
pub mod xml;

pub(crate) use call::{check_merchant, verify_fields};
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
