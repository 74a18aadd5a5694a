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
//! The user's side of a payment is played by the test: paying an order
//! ([`Sandbox::pay_order`]), signing a pre-signed contract
//! ([`Sandbox::sign_contract`], [`Sandbox::sign_pre_entrust`]), a refund
//! settling ([`Sandbox::settle_refund`]), or the matching control routes.
//! What the sandbox stores is readable with [`Sandbox::order`],
//! [`Sandbox::contract`], [`Sandbox::refund`] and [`Sandbox::media`].
//!
//! Paying, settling a refund, signing and terminating a contract send
//! signed, encrypted notifications to their `notify_url`, retried on the
//! platform's schedule (scaled with [`SandboxBuilder::notify_time_scale`]);
//! [`SandboxBuilder::notify_target`] points them at a local receiver. See
//! [`notify`].
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

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::sync::watch;
use wxpay_core::crypto::{ApiV3Key, Certificate, CryptoError, PrivateKey};
use wxpay_core::{Client, ClientBuilder, Credentials};

mod api;
mod bills;
pub mod control;
mod error_code;
pub mod faults;
pub mod keys;
mod lock;
pub mod multipart;
pub mod notify;
pub mod platform;
mod reply;
mod router;
mod sensitive;
mod server;
mod spec_mode;
mod state;
pub mod time;
mod tls;
pub mod validate;

pub use api::contracts::MERCHANT_TERMINATION_MODE;
pub use error_code::ErrorCode;
pub use faults::{Fault, FaultRule};
pub use keys::{Merchant, SigningKey};
pub use notify::{DeliveryAttempt, DeliveryState, NotificationRecord};
pub use reply::Reply;
pub use router::SandboxRequest;
pub use server::SeenRequest;
pub use state::{
    AbnormalRefundApplication, Contract, ContractKey, ContractState, Media, Order, Refund,
    RefundStatus, TradeState, TransferBatch, TransferDetail,
};
pub use tls::TLS_HOSTS;

use lock::Recover;
use router::Route;
use server::{Platform, Shared};

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
    /// In TLS mode, the self-signed certificate (PEM) a client must trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_certificate_pem: Option<String>,
}

/// Configures a [`Sandbox`].
#[derive(Debug)]
#[must_use]
pub struct SandboxBuilder {
    listen: SocketAddr,
    mchid: String,
    apiv3_key: String,
    merchant: Option<Merchant>,
    signing_keys: Vec<SigningKey>,
    default_serial: Option<String>,
    tls: bool,
    spec_mode: bool,
    notify: notify::NotifyConfig,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            mchid: keys::DEFAULT_MCHID.to_owned(),
            apiv3_key: keys::DEFAULT_APIV3_KEY.to_owned(),
            merchant: None,
            signing_keys: Vec::new(),
            default_serial: None,
            tls: false,
            spec_mode: false,
            notify: notify::NotifyConfig::default(),
        }
    }
}

impl SandboxBuilder {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The merchant id served with generated keys (default `1900000109`).
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = mchid.into();
        self
    }

    /// The APIv3 key (32 characters) of the generated merchant.
    pub fn apiv3_key(mut self, key: impl Into<String>) -> Self {
        self.apiv3_key = key.into();
        self
    }

    /// Serves this merchant instead of one with generated keys.
    pub fn merchant(mut self, merchant: Merchant) -> Self {
        self.merchant = Some(merchant);
        self
    }

    /// Signs with a WeChat Pay public key (public-key mode).
    pub fn platform_public_key(mut self, id: impl Into<String>, private_key: PrivateKey) -> Self {
        self.signing_keys
            .push(SigningKey::public_key(id, private_key));
        self
    }

    /// Signs with a platform certificate (certificate mode).
    pub fn platform_certificate(
        mut self,
        certificate: Certificate,
        private_key: PrivateKey,
    ) -> Self {
        self.signing_keys
            .push(SigningKey::certificate(certificate, private_key));
        self
    }

    /// Signs with a freshly generated platform certificate (certificate
    /// mode without bringing one's own). Call it twice for two certificates.
    pub fn generated_certificate(mut self) -> Result<Self, SandboxError> {
        self.signing_keys.push(keys::new_platform_certificate(
            platform::CERTIFICATE_VALIDITY,
        )?);
        Ok(self)
    }

    /// Which key signs answers when a request names none it knows
    /// (default: the public key if any, else the first certificate).
    pub fn default_serial(mut self, serial: impl Into<String>) -> Self {
        self.default_serial = Some(serial.into());
        self
    }

    /// Serves HTTPS (HTTP/2 or HTTP/1.1 by ALPN) with a self-signed
    /// certificate for `127.0.0.1` and `localhost`, instead of plain HTTP.
    /// [`Sandbox::client_builder`] then trusts that certificate.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Spec mode: every operation of the APIv3 catalogue (992 of them)
    /// is routed, checked against the spec and answered with the spec's
    /// example answer, signed; see the [crate docs](crate#spec-mode).
    /// Spec routes replace the built-in stateful routes of the same
    /// operations, so nothing is stored and no notification is sent.
    pub fn spec_mode(mut self, enabled: bool) -> Self {
        self.spec_mode = enabled;
        self
    }

    /// Binds and starts serving in the current Tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        self.notify.check()?;
        let merchant = match self.merchant {
            Some(m) => m,
            None => keys::generated_merchant(&self.mchid, &self.apiv3_key)?,
        };
        ApiV3Key::new(&merchant.apiv3_key)?;
        let mut signing_keys = self.signing_keys;
        if signing_keys.is_empty() {
            signing_keys.push(keys::generated_platform_key(keys::DEFAULT_PUBLIC_KEY_ID)?);
        }
        let default_serial = match self.default_serial {
            Some(s) if signing_keys.iter().any(|k| k.serial == s) => s,
            Some(s) => {
                return Err(SandboxError::Config(format!(
                    "default serial {s} is not a configured key"
                )));
            }
            None => signing_keys
                .iter()
                .find(|k| !k.is_certificate())
                .or_else(|| signing_keys.first())
                .map(|k| k.serial.clone())
                .unwrap_or_default(),
        };
        let platform = Platform {
            keys: signing_keys,
            default_serial,
            retired: Vec::new(),
        };
        let mut router = api::router();
        if self.spec_mode {
            spec_mode::register(&mut router).map_err(SandboxError::Config)?;
        }
        let shared = Arc::new(Shared::new(
            vec![merchant],
            platform,
            router,
            control::router(),
        ));
        shared.notifier.attach(self.notify, Arc::downgrade(&shared));
        let (tls, tls_certificate) = if self.tls {
            let identity = tls::identity()?;
            (
                Some(tls::acceptor(identity)?),
                Some(identity.certificate.clone()),
            )
        } else {
            (None, None)
        };
        let (listener, addr) = server::bind(self.listen).await?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        *shared.base_url.write().recover() = base_url;
        *shared.tls_certificate_pem.write().recover() = tls_certificate
            .as_ref()
            .and_then(|c| c.to_pem().ok())
            .and_then(|pem| String::from_utf8(pem).ok());
        let (shutdown, rx) = watch::channel(());
        tokio::spawn(server::serve(listener, shared.clone(), tls, rx));
        Ok(Sandbox {
            shared,
            addr,
            tls_certificate,
            shutdown,
        })
    }
}

/// A running sandbox. Dropping it stops the server and every notification
/// delivery.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls_certificate: Option<Certificate>,
    shutdown: watch::Sender<()>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(());
        self.shared.notifier.stop();
    }
}

impl Sandbox {
    /// Starts a sandbox with the defaults: `127.0.0.1`, a free port, merchant
    /// `1900000109` and a WeChat Pay public key, all with generated keys.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        SandboxBuilder::default().start().await
    }

    /// Configures a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`, or `https://…` in TLS mode.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls_certificate.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// In TLS mode, the server's self-signed certificate (PEM): what a
    /// client must trust as a root.
    pub fn tls_certificate_pem(&self) -> Option<Vec<u8>> {
        self.tls_certificate.as_ref().and_then(|c| c.to_pem().ok())
    }

    /// What a client needs to know.
    pub fn info(&self) -> SandboxInfo {
        info_of(&self.shared)
    }

    /// The merchant served.
    pub fn merchant(&self) -> Result<Merchant, SandboxError> {
        let merchants = self.shared.merchants.read().recover();
        merchants
            .values()
            .next()
            .cloned()
            .ok_or_else(|| SandboxError::Config("no merchant".into()))
    }

    /// A client builder with the merchant's side only: base URL, `http`
    /// allowed (or, in TLS mode, HTTPS only with the sandbox's certificate
    /// trusted), credentials (when the sandbox knows the merchant's private
    /// key) and the APIv3 key. Choose the platform-key mode on it, e.g.
    /// `.download_platform_certificates(true)` for certificate mode.
    pub fn merchant_client_builder(&self) -> Result<ClientBuilder, SandboxError> {
        let merchant = self.merchant()?;
        let key = merchant.private_key.clone().ok_or_else(|| {
            SandboxError::Config("the sandbox does not know this merchant's private key".into())
        })?;
        let apiv3_key = merchant.apiv3_key.clone();
        let credentials = Credentials::new(merchant.mchid, merchant.serial, key)
            .map_err(|e| SandboxError::Config(e.to_string()))?;
        let builder = Client::builder()
            .base_url(self.base_url())
            .credentials(credentials)
            .apiv3_key(&apiv3_key);
        Ok(match self.tls_certificate_pem() {
            Some(pem) => builder.add_root_certificate_pem(&pem),
            None => builder.allow_http(true),
        })
    }

    /// A client builder set up for this sandbox: what
    /// [`merchant_client_builder`](Self::merchant_client_builder) sets, plus
    /// every platform key given statically (no certificate download), the
    /// default one preferred.
    pub fn client_builder(&self) -> Result<ClientBuilder, SandboxError> {
        let platform = self.shared.platform();
        let mut builder = self.merchant_client_builder()?;
        for key in &platform.keys {
            builder = match &key.certificate {
                Some(cert) => builder.platform_certificate(cert),
                None => {
                    builder.platform_public_key(key.serial.clone(), key.private_key.public_key()?)
                }
            };
        }
        Ok(builder.preferred_platform_serial(platform.default_serial))
    }

    /// A ready client for the sandbox's merchant.
    pub fn client(&self) -> Result<Client, SandboxError> {
        self.client_builder()?
            .build()
            .map_err(|e| SandboxError::Config(e.to_string()))
    }

    /// Adds (or replaces) a route, for endpoints the sandbox does not
    /// implement: requests are still authenticated and answers still signed.
    ///
    /// ```no_run
    /// # async fn run(sandbox: wxpay_sandbox::Sandbox) {
    /// use wxpay_sandbox::Reply;
    /// sandbox.route(http::Method::GET, "/v3/custom/{id}", |req| async move {
    ///     Reply::ok(&serde_json::json!({ "id": req.param("id") }))
    /// });
    /// # }
    /// ```
    pub fn route<F, Fut>(&self, method: http::Method, template: &str, handler: F)
    where
        F: Fn(SandboxRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: router::Handler = Arc::new(move |_, req| Box::pin(handler(req)));
        self.shared
            .router
            .write()
            .recover()
            .add(Route::new(method, template, handler));
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.lock().recover().push(rule);
    }

    /// How many times faults of this [`kind`](Fault::kind) were applied
    /// (e.g. `"tamper_body"`), over the sandbox's life.
    pub fn faults_applied(&self, kind: &str) -> u64 {
        self.shared
            .faults_applied
            .lock()
            .recover()
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    /// The last authenticated requests (up to 1024), oldest first: their
    /// nonces and timestamps show whether each attempt was signed anew.
    pub fn recent_requests(&self) -> Vec<SeenRequest> {
        self.shared.seen.lock().recover().iter().cloned().collect()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().recover().clear();
    }

    /// Shifts the clock answers are signed with by `seconds`.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// How many authenticated requests reached the route `METHOD template`
    /// (e.g. `"GET /v3/certificates"`).
    pub fn hits(&self, route: &str) -> u64 {
        self.shared
            .hits
            .lock()
            .recover()
            .get(route)
            .copied()
            .unwrap_or(0)
    }

    /// The platform keys, each with its private half (to decrypt what a
    /// client encrypted, in tests).
    pub fn platform_keys(&self) -> Vec<SigningKey> {
        self.shared.platform().keys
    }

    /// The serial answers are signed with unless a request names another
    /// key that still signs.
    pub fn default_serial(&self) -> String {
        self.shared.platform().default_serial
    }

    /// Rotation, step one: a new platform certificate, listed by
    /// `GET /v3/certificates` but not yet signing by default. Returns its serial.
    pub fn announce_certificate(&self) -> Result<String, SandboxError> {
        platform::announce_certificate(&self.shared)
    }

    /// Rotation, step two: the certificate signs by default; the one it
    /// replaces is retired (still listed and accepted for encrypted fields,
    /// no longer signing).
    pub fn activate_certificate(&self, serial: &str) -> Result<(), SandboxError> {
        platform::activate_certificate(&self.shared, serial)
    }

    /// Announces and activates a new certificate at once; returns its serial.
    pub fn rotate_certificate(&self) -> Result<String, SandboxError> {
        let serial = self.announce_certificate()?;
        self.activate_certificate(&serial)?;
        Ok(serial)
    }

    /// Rotation, last step: a certificate is gone (as when it expires).
    pub fn remove_certificate(&self, serial: &str) -> Result<(), SandboxError> {
        platform::remove_certificate(&self.shared, serial)
    }

    /// Migration, step one: the merchant applied for the WeChat Pay public
    /// key `id` (whose private half is `private_key`). The platform signs
    /// answers to requests naming it with it and decrypts fields encrypted
    /// to it; certificates still sign by default (mixed mode).
    pub fn add_public_key(&self, id: &str, private_key: PrivateKey) -> Result<(), SandboxError> {
        platform::add_public_key(&self.shared, id, private_key)
    }

    /// Migration, step two: the public key `id` (added now if it was not)
    /// signs by default; certificates still sign answers to requests that
    /// name them (mixed mode).
    pub fn switch_to_public_key(
        &self,
        id: &str,
        private_key: PrivateKey,
    ) -> Result<(), SandboxError> {
        platform::switch_to_public_key(&self.shared, id, private_key)
    }

    /// Migration, last step: every certificate is removed; `GET
    /// /v3/certificates` answers `404 RESOURCE_NOT_EXISTS`. Returns how many
    /// were removed.
    pub fn remove_certificates(&self) -> Result<usize, SandboxError> {
        platform::remove_certificates(&self.shared)
    }

    /// An abnormal-refund application, by merchant and `refund_id`.
    pub fn abnormal_refund(
        &self,
        mchid: &str,
        refund_id: &str,
    ) -> Option<AbnormalRefundApplication> {
        self.shared
            .state()
            .abnormal_refunds
            .get(&(mchid.to_owned(), refund_id.to_owned()))
            .cloned()
    }

    /// A transfer batch, by merchant and `out_batch_no`.
    pub fn transfer_batch(&self, mchid: &str, out_batch_no: &str) -> Option<TransferBatch> {
        self.shared
            .state()
            .transfer_batches
            .get(&(mchid.to_owned(), out_batch_no.to_owned()))
            .cloned()
    }

    /// An order, by the merchant it belongs to (the sub-merchant for a
    /// partner order) and `out_trade_no`.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<Order> {
        self.shared.state().order(mchid, out_trade_no).cloned()
    }

    /// The user pays an unpaid order, as in WeChat: it becomes `SUCCESS`
    /// with a `transaction_id`, a `success_time` and the payer's amount,
    /// and a pending contract it was placed under (by pre-sign token) is
    /// signed. Both are notified (`TRANSACTION.SUCCESS`, `PAPAY.SIGN`; see
    /// [`notify`]). Also `POST /sandbox/orders/{mchid}/{out_trade_no}/pay`.
    pub fn pay_order(&self, mchid: &str, out_trade_no: &str) -> Result<Order, SandboxError> {
        Ok(control::pay_order(&self.shared, mchid, out_trade_no)?)
    }

    /// A password-free contract in any state (pending ones included), by
    /// the merchant that pre-signed it, the service and the contract number.
    pub fn contract(
        &self,
        mchid: &str,
        service_id: u64,
        out_contract_code: &str,
    ) -> Option<Contract> {
        let key = ContractKey {
            mchid: mchid.to_owned(),
            service_id,
            out_contract_code: out_contract_code.to_owned(),
        };
        self.shared.state().contracts.get(&key).cloned()
    }

    /// The user signs a pre-signed contract, as in WeChat's signing pages:
    /// it gets a `contract_id` and becomes `SIGNED`, which is notified
    /// (`PAPAY.SIGN`). Also
    /// `POST /sandbox/contracts/{mchid}/{service_id}/{out_contract_code}/sign`.
    pub fn sign_contract(
        &self,
        mchid: &str,
        service_id: u64,
        out_contract_code: &str,
    ) -> Result<Contract, SandboxError> {
        let key = ContractKey {
            mchid: mchid.to_owned(),
            service_id,
            out_contract_code: out_contract_code.to_owned(),
        };
        Ok(control::sign_contract(&self.shared, &key)?)
    }

    /// [`sign_contract`](Self::sign_contract) by the `pre_entrustweb_id`
    /// of a mini-program pre-sign. Also
    /// `POST /sandbox/contracts/pre-entrust/{pre_entrustweb_id}/sign`.
    pub fn sign_pre_entrust(&self, pre_entrustweb_id: &str) -> Result<Contract, SandboxError> {
        Ok(control::sign_pre_entrust(&self.shared, pre_entrustweb_id)?)
    }

    /// A refund, by the merchant its order belongs to and `out_refund_no`.
    pub fn refund(&self, mchid: &str, out_refund_no: &str) -> Option<Refund> {
        self.shared
            .state()
            .refunds
            .get(&(mchid.to_owned(), out_refund_no.to_owned()))
            .cloned()
    }

    /// Settles a `PROCESSING` (or `ABNORMAL`) refund: `SUCCESS` sets its
    /// `success_time`; `CLOSED` makes its amount refundable again. Refunds
    /// stay `PROCESSING` until this is called. The outcome is notified
    /// (`REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL`). Also
    /// `POST /sandbox/refunds/{mchid}/{out_refund_no}/settle`.
    pub fn settle_refund(
        &self,
        mchid: &str,
        out_refund_no: &str,
        status: RefundStatus,
    ) -> Result<Refund, SandboxError> {
        Ok(control::settle_refund(
            &self.shared,
            mchid,
            out_refund_no,
            status,
        )?)
    }

    /// A file uploaded through a media route, by its `media_id` (or the
    /// last segment of a marketing image's `media_url`). Also
    /// `GET /sandbox/media/{media_id}`.
    pub fn media(&self, media_id: &str) -> Option<Media> {
        self.shared.state().media.get(media_id).cloned()
    }

    /// Makes a bill's download serve the bill with one digit changed (and
    /// compressed and encrypted as asked, so only its digest tells), as
    /// if damaged on the way. `bill` is the `download_url` or its token.
    /// Also `POST /sandbox/bills/{token}/corrupt`.
    pub fn corrupt_bill(&self, bill: &str) -> Result<(), SandboxError> {
        Ok(control::corrupt_bill(
            &self.shared,
            control::bill_token(bill),
        )?)
    }

    /// Stops serving: no new connections, open ones are closed.
    pub fn shutdown(self) {
        drop(self);
    }
}

pub(crate) fn info_of(shared: &Shared) -> SandboxInfo {
    let platform = shared.platform();
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
        tls_certificate_pem: shared.tls_certificate_pem.read().recover().clone(),
    }
}

/// Entry points for the fuzz targets in `fuzz/`: the server's own request
/// parsing, reachable without a socket. Not part of the API.
#[doc(hidden)]
pub mod __fuzz {
    use std::sync::Arc;

    use crate::lock::Recover;
    pub use crate::router::{parse_query, percent_decode};
    use crate::server::{Platform, Shared};
    use crate::{SandboxError, api, control, keys};

    /// Matches `path` against a route template (`/v3/x/{id}`), returning
    /// the decoded parameters.
    pub fn match_template(template: &str, path: &str) -> Option<Vec<(String, String)>> {
        let handler: crate::router::Handler =
            Arc::new(|_, _| Box::pin(async { crate::Reply::no_content() }));
        crate::router::Route::new(http::Method::GET, template, handler).matches(path)
    }

    /// A sandbox's request handling without the network: the generated
    /// merchant and platform key, the built-in routes.
    pub struct RequestParser {
        shared: Arc<Shared>,
    }

    impl RequestParser {
        /// Sets up the generated merchant and routes.
        pub fn new() -> Result<Self, SandboxError> {
            let merchant = keys::generated_merchant(keys::DEFAULT_MCHID, keys::DEFAULT_APIV3_KEY)?;
            let key = keys::generated_platform_key(keys::DEFAULT_PUBLIC_KEY_ID)?;
            let platform = Platform {
                default_serial: key.serial.clone(),
                keys: vec![key],
                retired: Vec::new(),
            };
            let shared = Shared::new(vec![merchant], platform, api::router(), control::router());
            Ok(RequestParser {
                shared: Arc::new(shared),
            })
        }

        /// Parses one request like the server: the request target (path,
        /// percent-decoded query), routing of the path against the API and
        /// control routes, and the `Authorization` check over the exact
        /// bytes. Returns whether the request was authenticated.
        pub fn parse(
            &self,
            method: &[u8],
            target: &str,
            authorization: &[u8],
            body: &[u8],
        ) -> bool {
            let Ok(method) = http::Method::from_bytes(method) else {
                return false;
            };
            let Ok(request) = http::Request::builder()
                .method(method)
                .uri(target)
                .header(http::header::AUTHORIZATION, authorization)
                .body(())
            else {
                return false;
            };
            let (parts, ()) = request.into_parts();
            let path = parts.uri.path();
            let path_and_query = parts.uri.path_and_query().map_or(path, |pq| pq.as_str());
            if parse_query(parts.uri.query().unwrap_or("")).is_none() {
                return false;
            }
            let routed = {
                let router = self.shared.router.read().recover();
                router.find(&parts.method, path).is_some()
            };
            let _ = routed || self.shared.control.find(&parts.method, path).is_some();
            crate::server::authenticate(&self.shared, &parts, path_and_query, body).is_ok()
        }
    }
}
