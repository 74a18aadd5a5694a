//! WeChat Pay APIv3 (微信支付 APIv3) for Rust: every request signed over
//! the exact bytes sent, every answer and notification verified against
//! the platform's keys before it is decoded, and every operation of the
//! API typed.
//!
//! This crate is the one dependency a service adds. It re-exports
//! [`wxpay-core`](wxpay_core), the runtime (client, keys, notifications,
//! files, `#[endpoint]`), and the catalogue in [`v3`]: one crate per API
//! area (`wxpay-v3-<area>`), each behind a feature of the area's name, so
//! a build compiles only the areas it uses. The default features, `pay`,
//! `refund` and `bill`, are what a merchant taking payments needs;
//! `all-apis` enables every area.
//!
//! # Quick start
//!
//! ```no_run
//! use wxpay::prelude::*;
//! use wxpay::v3::pay::transactions::{Jsapi, jsapi};
//!
//! # async fn run() -> Result<(), wxpay::Error> {
//! let client = Client::builder()
//!     .credentials(Credentials::from_pem_file(
//!         "1900000109",                               // merchant id (商户号)
//!         "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", // merchant API certificate serial
//!         "apiclient_key.pem",                        // merchant API private key
//!     )?)
//!     // The WeChat Pay public key and its id, from the merchant platform.
//!     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
//!     .build()?;
//!
//! // `POST /v3/pay/transactions/jsapi`: the method's name is the URL's.
//! let order = client
//!     .post_pay_transactions_jsapi(Jsapi {
//!         appid: "wxd678efh567hg6787".into(),
//!         mchid: client.mchid().into(),
//!         description: "Image形象店-深圳腾大-QQ公仔".into(),
//!         out_trade_no: "1217752501201407033233368018".into(),
//!         notify_url: "https://www.example.com/wxpay/notify".into(),
//!         amount: jsapi::Amount { total: 100, currency: Some("CNY".into()) },
//!         payer: jsapi::Payer { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(), ..Default::default() },
//!         ..Default::default()
//!     })
//!     .await?;
//!
//! // What the mini-program passes to wx.requestPayment.
//! let params = client.jsapi_pay_params("wxd678efh567hg6787", &order.prepay_id)?;
//! # let _ = params;
//! # Ok(()) }
//! ```
//!
//! # Names
//!
//! The request of `METHOD /v3/a/b/c` is the struct `v3::a::b::C` (its
//! module mirrors the URL), and its client method is `method_a_b_c`: the
//! HTTP method in lower case, then every segment of the URL after `/v3/` in
//! snake_case, joined with `_`; a `{parameter}` is written as its name, and
//! left out where it repeats the segment before it. So
//! `GET /v3/pay/transactions/out-trade-no/{out_trade_no}` is
//! `v3::pay::transactions::OutTradeNo` and
//! `client.get_pay_transactions_out_trade_no(…)`. [`prelude`] brings every
//! enabled area's methods into scope; `client.call(request)` works for any
//! request too.
//!
//! # Declaring an endpoint
//!
//! The catalogue's operations are declared with
//! [`#[endpoint]`](macro@endpoint), and so is one WeChat Pay publishes
//! tomorrow. Its expansion names the runtime crate, `::wxpay_core` by
//! default; a crate that depends on `wxpay` alone says so with `crate`:
//!
//! ```no_run
//! use wxpay::prelude::*;
//!
//! /// A product the catalogue does not have yet.
//! #[wxpay::endpoint(POST, "/v3/new-product/orders/{order_no}/confirm", crate = "::wxpay")]
//! pub struct Confirm {
//!     pub order_no: String, // path parameter
//!     pub mchid: String,    // JSON body
//! }
//!
//! # async fn run(client: Client) -> Result<(), wxpay::Error> {
//! client
//!     .post_new_product_orders_order_no_confirm(Confirm {
//!         order_no: "1217752501201407033233368018".into(),
//!         mchid: client.mchid().into(),
//!     })
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The method is named by the catalogue's rule, so redeclaring an
//! operation the catalogue has gives a method of the same name: with both
//! traits in scope the call is ambiguous (import the areas' preludes you
//! use, not `wxpay::prelude`, or set `method_name`).
//!
//! # Testing
//!
//! [`testing`] tests a service's own code without sockets: a stub
//! platform answers the client from a closure and signs its answers with a
//! key the client it builds trusts, and records the requests;
//! [`ApiError::new`] builds the errors the client returns.
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use wxpay_core::*;

/// Redis for a fleet of instances (the `redis` feature): see [`wxpay_redis`].
#[cfg(feature = "redis")]
pub use wxpay_redis as redis;

pub mod v2;
pub mod v3;

/// The client, its configuration, and the client method of every endpoint
/// of the enabled areas (their `…Ext` traits, imported as `_`).
///
/// ```
/// use wxpay::prelude::*;
/// ```
pub mod prelude {
    // Empty when no `v2-*` feature is on.
    #[allow(unused_imports)]
    pub use crate::v2::prelude::*;
    pub use crate::v3::prelude::*;
    pub use wxpay_core::prelude::*;
}
