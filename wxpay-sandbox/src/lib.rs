//! A local WeChat Pay APIv3 gateway over real HTTP.
//!
//! The sandbox behaves like the platform for the operations it implements:
//! it checks each request's `Authorization` signature against the merchant's
//! certificate, validates bodies against the spec's rules, keeps state
//! (orders, …), and signs every answer with its platform key. Run it in
//! process for tests, or as the `wxpay-sandbox` binary for clients in any
//! language.
//!
//! ```no_run
//! use wxpay_core::prelude::*;
//! use wxpay_sandbox::Sandbox;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;   // 127.0.0.1, a free port, generated keys
//! let client = sandbox.client()?;          // a ready client for its merchant
//! # let _ = client;
//! # Ok(()) }
//! ```
//!
//! Requests under `/sandbox/` steer it (see [`control`]); everything else is
//! treated as an APIv3 call.
//!
//! Orders are stateful, every kind of them: JSAPI, APP, Native and H5
//! orders (`/v3/pay/transactions/{jsapi,app,native,h5}`), their
//! `…-with-contract` forms, code payments (`…/codepay`, paid as they are
//! placed; the payment code's last digits choose the outcome, see
//! [`AUTH_CODE_PENDING_SUFFIX`]), each direct and through a service
//! provider (`/v3/pay/partner/…`), with their queries, closing, reversal
//! and refunds. Orders are checked like the platform checks them,
//! including which appids belong to which merchant and which
//! sub-merchants to which service provider ([`SandboxBuilder::appid`],
//! [`SandboxBuilder::sub_merchant`]). Combined orders
//! (`/v3/combine-transactions/{jsapi,miniprogram,app,native,h5}`) are
//! stateful too: their sub-orders are ordinary orders for queries, refunds
//! and bills, but are paid, failed, expired and closed only as a whole
//! ([`Sandbox::pay_combine_order`] and its siblings).
//!
//! The user's side of a payment is played by the test: paying an order
//! ([`Sandbox::pay_order`]) or failing to ([`Sandbox::fail_order`]),
//! letting it expire ([`Sandbox::expire_order`]), paying with what the
//! front end holds ([`Sandbox::request_payment`] for `wx.requestPayment`,
//! [`Sandbox::request_app_payment`] for an APP `PayReq`, [`Sandbox::scan`]
//! for a Native `code_url`), signing a pre-signed contract
//! ([`Sandbox::sign_contract`], [`Sandbox::sign_pre_entrust`]), a refund
//! settling ([`Sandbox::settle_refund`]), or the matching control routes.
//! What the sandbox stores is readable with [`Sandbox::order`],
//! [`Sandbox::contract`], [`Sandbox::refund`] and [`Sandbox::media`].
//!
//! Paying, settling a refund, signing and terminating a contract send
//! signed, encrypted notifications to their `notify_url`, retried on the
//! platform's schedule (scaled with [`SandboxBuilder::notify_time_scale`]);
//! [`SandboxBuilder::notify_target`] points them at a local receiver.
//! [`Sandbox::send_notification`] sends any event type of the platform's
//! list on demand, with a resource of the caller's or an example of that
//! type, to drive a receiver's handlers. See [`notify`].
//!
//! Bills are made from the sandbox's own orders and refunds when applied
//! for (`/v3/bill/tradebill`, `/v3/bill/fundflowbill`,
//! `/v3/bill/sub-merchant-fundflowbill`) and downloaded from the sandbox
//! itself; [`Sandbox::corrupt_bill`] damages one on request. Media uploads
//! are parsed with a strict [`multipart`] parser and checked like the
//! platform checks them (digest, signature over `meta`, type and size).
//!
//! # Spec mode
//!
//! [`SandboxBuilder::spec_mode`] routes every operation of the APIv3
//! catalogue, from data generated from the spec (`data/spec-mode.json`,
//! written by `cargo xtask codegen`): the request is authenticated like
//! any other, its path parameters, required query parameters, headers and
//! body fields (with their JSON types) are checked, encrypted fields must
//! decrypt with the platform key named in `Wechatpay-Serial`, and the
//! answer is the spec's example, signed. Spec routes replace the built-in
//! stateful ones of the same operations (nothing is stored, nothing
//! notified); see `spec_mode.rs` for the rules.
//!
//! # APIv2
//!
//! The same listener speaks APIv2 (XML bodies signed with the merchant's
//! v2 key, mutual TLS where the platform requires it) for code payments,
//! unified orders, refunds, red packets and bills, and for every v2
//! operation in spec mode: see [`v2`].
//!
//! It signs with a WeChat Pay public key by default; with
//! [`SandboxBuilder::generated_certificate`] (or
//! [`SandboxBuilder::platform_certificate`]) it runs in certificate mode and
//! serves `GET /v3/certificates`. Certificates rotate and merchants migrate
//! to the public key on command: see [`platform`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use wxpay_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().generated_certificate()?.start().await?;
//! let client = sandbox
//!     .merchant_client_builder()?
//!     .download_platform_certificates(true) // learns the certificate by downloading it
//!     .build()?;
//! let new_serial = sandbox.rotate_certificate()?; // answers now signed with a new certificate
//! # let _ = (client, new_serial);
//! # Ok(()) }
//! ```

use serde::Serialize;
use wxpay_core::crypto::CryptoError;

mod api;
mod bills;
mod builder;
pub mod cli;
pub mod control;
mod error_code;
pub mod faults;
pub mod keys;
mod lock;
pub mod multipart;
pub mod notify;
mod payer;
pub mod platform;
mod relations;
mod reply;
mod router;
mod sandbox;
mod sensitive;
mod server;
mod spec;
mod spec_mode;
mod state;
pub mod time;
mod tls;
pub mod v2;
pub mod validate;

pub use api::codepay::{AUTH_CODE_DECLINED_SUFFIX, AUTH_CODE_PENDING_SUFFIX};
pub use api::contracts::MERCHANT_TERMINATION_MODE;
pub use builder::SandboxBuilder;
pub use error_code::ErrorCode;
pub use faults::{Fault, FaultRule};
pub use keys::{Merchant, SigningKey};
pub use notify::{DeliveryAttempt, DeliveryState, NotificationRecord};
pub use relations::{DEFAULT_APPIDS, DEFAULT_SUB_APPIDS, DEFAULT_SUB_MERCHANTS};
pub use reply::Reply;
pub use router::SandboxRequest;
pub use sandbox::Sandbox;
pub use server::SeenRequest;
pub use spec::check_body;
pub use state::{
    AbnormalRefundApplication, Contract, ContractKey, ContractState, Media, Order, Refund,
    RefundStatus, TradeState, TransferBatch, TransferDetail, payer_openid,
};
pub use state::{CombinedOrder, CombinedSubOrder};
pub use tls::TLS_HOSTS;
pub use v2::{DEFAULT_V2_KEY, RedPacket, RedPacketStatus};

use lock::Recover;
use server::Shared;

/// Why a sandbox could not start or hand out a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or serving failed.
    #[error("sandbox I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Key material could not be generated or read.
    #[error("sandbox keys: {0}")]
    Key(#[from] CryptoError),
    /// The configuration is inconsistent.
    #[error("sandbox configuration: {0}")]
    Config(String),
    /// A control call named an order, contract or refund the sandbox does not have.
    #[error("sandbox: {0}")]
    NotFound(String),
    /// A control call does not fit the current state (paying a closed
    /// order, signing a contract twice, settling a settled refund).
    #[error("sandbox: {0}")]
    InvalidState(String),
    /// The payer's front-end parameters were refused: a signature that
    /// does not verify, an appid or partner id that is not the order's, a
    /// malformed `package` or `code_url`.
    #[error("sandbox: {0}")]
    Refused(String),
}

impl From<state::StateError> for SandboxError {
    fn from(e: state::StateError) -> Self {
        match e {
            state::StateError::NotFound(m) => SandboxError::NotFound(m),
            state::StateError::Conflict(m) => SandboxError::InvalidState(m),
        }
    }
}

/// What a client needs to know to talk to a sandbox; printed as one JSON
/// line by the binary and served at `GET /sandbox/info`.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxInfo {
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    /// The merchant id served.
    pub mchid: String,
    /// The merchant certificate serial requests must name.
    pub merchant_serial: String,
    /// The WeChat Pay public key id, in public-key mode.
    pub public_key_id: Option<String>,
    /// Serials of the platform certificates, in certificate mode.
    pub platform_serials: Vec<String>,
    /// The serial answers are signed with unless a request asks otherwise.
    pub default_serial: String,
    /// The APIv3 key (a sandbox key, never a real one).
    pub apiv3_key: String,
    /// The APIv2 key (a sandbox key, never a real one).
    pub v2_key: String,
    /// In TLS mode, the self-signed certificate (PEM) a client must trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_certificate_pem: Option<String>,
}

pub(crate) fn info_of(shared: &Shared) -> SandboxInfo {
    let platform = shared.platform();
    let first = shared.merchants.read().recover().keys().next().cloned();
    let v2_key = first
        .map(|mchid| v2::key_text(shared, &mchid))
        .unwrap_or_default();
    let merchants = shared.merchants.read().recover();
    let merchant = merchants.values().next();
    SandboxInfo {
        base_url: shared.base_url.read().recover().clone(),
        mchid: merchant.map(|m| m.mchid.clone()).unwrap_or_default(),
        merchant_serial: merchant.map(|m| m.serial.clone()).unwrap_or_default(),
        public_key_id: platform
            .keys
            .iter()
            .find(|k| !k.is_certificate())
            .map(|k| k.serial.clone()),
        platform_serials: platform
            .keys
            .iter()
            .filter(|k| k.is_certificate())
            .map(|k| k.serial.clone())
            .collect(),
        default_serial: platform.default_serial.clone(),
        apiv3_key: merchant.map(|m| m.apiv3_key.clone()).unwrap_or_default(),
        v2_key,
        tls_certificate_pem: shared.tls_certificate_pem.read().recover().clone(),
    }
}

/// Entry points for the fuzz targets in `fuzz/`. Not part of the API.
#[doc(hidden)]
pub mod __fuzz;
