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
//! Bills are made from the sandbox's own orders and refunds when applied
//! for (`/v3/bill/tradebill`, `/v3/bill/fundflowbill`,
//! `/v3/bill/sub-merchant-fundflowbill`) and downloaded from the sandbox
//! itself; [`Sandbox::corrupt_bill`] damages one on request. Media uploads
//! are parsed with a strict [`multipart`] parser and checked like the
//! platform checks them (digest, signature over `meta`, type and size).

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
mod faults;
pub mod keys;
pub mod multipart;
mod reply;
mod router;
mod server;
mod state;
pub mod time;
pub mod validate;

pub use api::contracts::MERCHANT_TERMINATION_MODE;
pub use faults::{Fault, FaultRule};
pub use keys::{Merchant, SigningKey};
pub use reply::Reply;
pub use router::SandboxRequest;
pub use state::{
    Contract, ContractKey, ContractState, Media, Order, Refund, RefundStatus, TradeState,
};

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

    /// Which key signs answers when a request names none it knows
    /// (default: the public key if any, else the first certificate).
    pub fn default_serial(mut self, serial: impl Into<String>) -> Self {
        self.default_serial = Some(serial.into());
        self
    }

    /// Binds and starts serving in the current Tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
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
        };
        let shared = Arc::new(Shared::new(
            vec![merchant],
            platform,
            api::router(),
            control::router(),
        ));
        let (listener, addr) = server::bind(self.listen).await?;
        let base_url = format!("http://{addr}");
        *shared.base_url.write().unwrap_or_else(|p| p.into_inner()) = base_url;
        let (shutdown, rx) = watch::channel(());
        tokio::spawn(server::serve(listener, shared.clone(), rx));
        Ok(Sandbox {
            shared,
            addr,
            shutdown,
        })
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
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

    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What a client needs to know.
    pub fn info(&self) -> SandboxInfo {
        info_of(&self.shared)
    }

    /// The merchant served.
    pub fn merchant(&self) -> Result<Merchant, SandboxError> {
        let merchants = self
            .shared
            .merchants
            .read()
            .unwrap_or_else(|p| p.into_inner());
        merchants
            .values()
            .next()
            .cloned()
            .ok_or_else(|| SandboxError::Config("no merchant".into()))
    }

    /// A client builder set up for this sandbox: base URL, `http` allowed,
    /// the merchant's credentials (when the sandbox knows its private key) and
    /// every platform key.
    pub fn client_builder(&self) -> Result<ClientBuilder, SandboxError> {
        let merchant = self.merchant()?;
        let key = merchant.private_key.clone().ok_or_else(|| {
            SandboxError::Config("the sandbox does not know this merchant's private key".into())
        })?;
        let credentials = Credentials::new(merchant.mchid, merchant.serial, key)
            .map_err(|e| SandboxError::Config(e.to_string()))?;
        let platform = self.shared.platform();
        let mut builder = Client::builder()
            .base_url(self.base_url())
            .allow_http(true)
            .credentials(credentials);
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
            .unwrap_or_else(|p| p.into_inner())
            .add(Route::new(method, template, handler));
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
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
            .unwrap_or_else(|p| p.into_inner())
            .get(route)
            .copied()
            .unwrap_or(0)
    }

    /// An order, by the merchant it belongs to (the sub-merchant for a
    /// partner order) and `out_trade_no`.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<Order> {
        self.shared.state().order(mchid, out_trade_no).cloned()
    }

    /// The user pays an unpaid order, as in WeChat: it becomes `SUCCESS`
    /// with a `transaction_id`, a `success_time` and the payer's amount,
    /// and a pending contract it was placed under (by pre-sign token) is
    /// signed. Also `POST /sandbox/orders/{mchid}/{out_trade_no}/pay`.
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
    /// it gets a `contract_id` and becomes `SIGNED`. Also
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
    /// stay `PROCESSING` until this is called. Also
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
    let merchants = shared.merchants.read().unwrap_or_else(|p| p.into_inner());
    let merchant = merchants.values().next();
    SandboxInfo {
        base_url: shared
            .base_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
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
    }
}
