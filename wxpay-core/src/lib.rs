//! A WeChat Pay APIv3 client (微信支付 APIv3).
//!
//! Every request is signed over the exact bytes sent, every answer verified
//! over the exact bytes received against the platform's keys, and decoded
//! into typed models that tolerate fields and enum values added later.
//!
//! # Quick start
//!
//! ```no_run
//! use wxpay_core::prelude::*;
//! use wxpay_core::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
//!
//! # async fn run() -> Result<(), wxpay_core::Error> {
//! let client = Client::builder()
//!     .credentials(Credentials::from_pem_file(
//!         "1900000109",                               // merchant id
//!         "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", // API certificate serial
//!         "apiclient_key.pem",                        // API private key
//!     )?)
//!     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
//!     .build()?;
//!
//! let order = client
//!     .jsapi_with_contract(JsapiWithContract {
//!         appid: "wxd678efh567hg6787".into(),
//!         mchid: client.mchid().into(),
//!         description: "Image形象店-深圳腾大-QQ公仔".into(),
//!         out_trade_no: "1217752501201407033233368018".into(),
//!         notify_url: "https://www.example.com/wxpay/notify".into(),
//!         amount: Amount { total: 100, currency: Some("CNY".into()) },
//!         payer: Payer { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into() },
//!         contract_info: ContractInfo { token: Some("201710180325670965".into()), ..Default::default() },
//!         ..Default::default()
//!     })
//!     .await?;
//!
//! // What the mini-program passes to wx.requestPayment:
//! let params = client.jsapi_pay_params("wxd678efh567hg6787", &order.prepay_id)?;
//! println!("{}", serde_json::to_string(&params).unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! # Declaring an endpoint
//!
//! Any APIv3 operation can be declared in a few lines with
//! [`#[endpoint]`](macro@endpoint), in this crate or yours:
//!
//! ```no_run
//! use serde::Deserialize;
//! use wxpay_core::endpoint;
//!
//! /// Closes an unpaid order.
//! #[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
//! pub struct CloseOrder {
//!     pub out_trade_no: String, // path parameter
//!     pub mchid: String,        // JSON body
//! }
//!
//! # async fn run(client: wxpay_core::Client) -> Result<(), wxpay_core::Error> {
//! client.close_order(CloseOrder { out_trade_no: "T1".into(), mchid: "1900000109".into() }).await?;
//! # Ok(()) }
//! ```
//!
//! # Platform keys
//!
//! Answers are verified with the WeChat Pay public key, with platform
//! certificates the client downloads and keeps current, or with both during
//! a migration; see [`platform`] for the modes, the refresh rules and which
//! key requests name in `Wechatpay-Serial`.
//!
//! # Files
//!
//! Media uploads ([`upload`]: the file's SHA-256 and the signed `meta` are
//! made by the client, the file streamed) and bill downloads ([`download`]:
//! unsigned by design, checked against their announced SHA-1 after
//! decompression, only from the client's own host) are endpoints like the
//! others; [`bill`] reads the downloaded bills row by row in constant memory.
//!
//! # Notifications
//!
//! What WeChat Pay POSTs to `notify_url` is verified over the raw body,
//! decrypted with the APIv3 key and typed by
//! [`Client::parse_notification`]; [`notify::Notifications`] adds
//! de-duplication and says what to answer, and the `axum` feature brings
//! an extractor. See [`notify`].
//!
//! # Layout
//!
//! A request's life: request struct ([`endpoint`](macro@endpoint)) →
//! [`Endpoint`] → [`Client::call`] → [`sign`] → [`Transport`] → [`verify`] →
//! the response type. See `ARCHITECTURE.md` in the repository for the map.

// Lets this crate's own endpoints use `#[endpoint]`, whose expansion names `::wxpay_core`.
extern crate self as wxpay_core;

pub mod bill;
pub mod body;
pub mod client;
pub mod credentials;
pub mod crypto;
pub mod download;
pub mod endpoint;
pub mod error;
pub mod notify;
mod open_enum;
pub mod pay_params;
pub mod platform;
pub mod retry;
pub mod sign;
pub mod transport;
pub mod upload;
pub mod v3;
pub mod verify;

#[cfg(test)]
mod test_vectors;

pub use body::ByteStream;
pub use client::{Client, ClientBuilder};
pub use credentials::Credentials;
pub use download::{CheckedDownload, Download, DownloadEndpoint};
pub use endpoint::{Endpoint, RequestBody, SensitiveFields};
pub use error::{ApiError, Error};
pub use retry::{CallOptions, RetryPolicy};
pub use transport::{HyperTransport, Transport};
pub use wxpay_macros::{SensitiveFields, endpoint};

// Re-exported so crates declaring endpoints need no other dependency.
pub use http;
pub use serde;
pub use serde_json;

/// The client, its configuration, and the client method of every endpoint
/// of the enabled areas (their `…Ext` traits, imported as `_`).
///
/// ```
/// use wxpay_core::prelude::*;
/// ```
pub mod prelude {
    pub use crate::client::{Client, ClientBuilder};
    pub use crate::credentials::Credentials;
    pub use crate::error::Error;
    pub use crate::retry::{CallOptions, RetryPolicy};
    pub use crate::v3::prelude::*;
}

/// What `#[endpoint]` expansions use; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::Client;
    pub use crate::download::{Download, DownloadEndpoint};
    pub use crate::endpoint::{
        Endpoint, QueryWriter, RequestBody, SensitiveFields, decode_json, decode_unit, push_header,
        push_path_param,
    };
    pub use crate::error::Error;
    pub use http::HeaderMap;
    pub use http::Method;
    pub use serde;
    pub use serde_json;
    pub use std::string::String;
}
