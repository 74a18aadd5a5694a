//! The WeChat Pay APIv3 runtime (微信支付 APIv3): the client that signs,
//! sends, verifies and decodes, and [`#[endpoint]`](macro@endpoint), which
//! turns a request struct into a client method.
//!
//! Every request is signed over the exact bytes sent, every answer verified
//! over the exact bytes received against the platform's keys, and decoded
//! into typed models that tolerate fields and enum values added later.
//!
//! Most services add the `wxpay` crate instead: it re-exports this one
//! together with the typed catalogue of every APIv3 operation (one crate
//! per API area, `wxpay-v3-<area>`, each declared with `#[endpoint]` over
//! this crate's public API, as any crate can).
//!
//! # Quick start
//!
//! Any APIv3 operation can be declared in a few lines, in this crate's
//! users as in the catalogue:
//!
//! ```no_run
//! use wxpay_core::endpoint;
//! use wxpay_core::prelude::*;
//!
//! /// Closes an unpaid order.
//! #[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
//! pub struct CloseOrder {
//!     pub out_trade_no: String, // path parameter
//!     pub mchid: String,        // JSON body
//! }
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
//! // The method's name follows the URL (see `#[endpoint]`).
//! client
//!     .post_pay_transactions_out_trade_no_close(CloseOrder {
//!         out_trade_no: "1217752501201407033233368018".into(),
//!         mchid: client.mchid().into(),
//!     })
//!     .await?;
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
//! # Testing
//!
//! [`testing::StubPlatform`] answers the client's requests from a closure,
//! in process, signing each answer with a key the client it builds trusts;
//! [`ApiError::new`] builds the errors the client returns. See [`testing`].
//!
//! # Layout
//!
//! A request's life: request struct ([`endpoint`](macro@endpoint)) →
//! [`Endpoint`] → [`Client::call`] → [`protocol`] (sign) → [`Transport`] → [`verify`] →
//! the response type. See `ARCHITECTURE.md` in the repository for the map.
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets this crate's one endpoint (`GET /v3/certificates`) use `#[endpoint]`,
// whose expansion names `::wxpay_core`.
extern crate self as wxpay_core;

pub mod bill;
pub mod body;
pub mod client;
pub mod credentials;
pub mod crypto;
pub mod download;
pub mod endpoint;
pub mod error;
pub mod metrics;
pub mod notify;
mod open_enum;
pub mod pay_params;
pub mod platform;
pub mod protocol;
mod query;
pub mod retry;
pub mod testing;
#[cfg(feature = "time")]
pub mod time;
pub mod transport;
pub mod upload;
pub mod v2;
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
pub use transport::{ClientCertificate, HyperTransport, Transport};
pub use wxpay_macros::{SensitiveFields, endpoint};

// Re-exported so crates declaring endpoints need no other dependency
// (`bytes`: what bills and file answers come as).
pub use bytes;
pub use http;
pub use serde;
pub use serde_json;

/// The client and its configuration, and the client method of the one
/// operation the runtime declares itself (`GET /v3/certificates`).
///
/// ```
/// use wxpay_core::prelude::*;
/// ```
pub mod prelude {
    pub use crate::client::{Client, ClientBuilder};
    pub use crate::credentials::Credentials;
    pub use crate::error::Error;
    pub use crate::platform::CertificatesExt as _;
    pub use crate::retry::{CallOptions, RetryPolicy};
}

/// What `#[endpoint]` expansions use; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::Client;
    pub use crate::download::{Download, DownloadEndpoint};
    pub use crate::endpoint::{
        Endpoint, QueryScalar, QueryWriter, RequestBody, SensitiveFields, decode_json, decode_unit,
        push_header, push_path_param,
    };
    pub use crate::error::Error;
    pub use crate::protocol::header::is_reserved_header;
    pub use bytes::Bytes;
    pub use http::{HeaderMap, HeaderName, Method};
    pub use serde;
    pub use serde_json;
    pub use std::string::String;
}
