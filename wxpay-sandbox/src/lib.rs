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

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::sync::watch;
use wxpay_core::crypto::{ApiV3Key, Certificate, CryptoError, PrivateKey};
use wxpay_core::{Client, ClientBuilder, Credentials};

mod api;
pub mod control;
pub mod faults;
pub mod keys;
mod reply;
mod router;
mod server;
mod state;
pub mod time;
mod tls;
pub mod validate;

pub use faults::{Fault, FaultRule};
pub use keys::{Merchant, SigningKey};
pub use reply::Reply;
pub use router::SandboxRequest;
pub use server::SeenRequest;
pub use state::{Order, TradeState};
pub use tls::TLS_HOSTS;

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

    /// Serves HTTPS (HTTP/2 or HTTP/1.1 by ALPN) with a self-signed
    /// certificate for `127.0.0.1` and `localhost`, instead of plain HTTP.
    /// [`Sandbox::client_builder`] then trusts that certificate.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
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
        *shared.base_url.write().unwrap_or_else(|p| p.into_inner()) = base_url;
        *shared
            .tls_certificate_pem
            .write()
            .unwrap_or_else(|p| p.into_inner()) = tls_certificate
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

/// A running sandbox. Dropping it stops the server.
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

    /// A client builder set up for this sandbox: base URL, `http` allowed
    /// (or, in TLS mode, HTTPS only with the sandbox's certificate trusted),
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
            .credentials(credentials);
        builder = match self.tls_certificate_pem() {
            Some(pem) => builder.add_root_certificate_pem(&pem),
            None => builder.allow_http(true),
        };
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

    /// How many times faults of this [`kind`](Fault::kind) were applied
    /// (e.g. `"tamper_body"`), over the sandbox's life.
    pub fn faults_applied(&self, kind: &str) -> u64 {
        self.shared
            .faults_applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    /// The last authenticated requests (up to 1024), oldest first: their
    /// nonces and timestamps show whether each attempt was signed anew.
    pub fn recent_requests(&self) -> Vec<SeenRequest> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
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

    /// An order, by merchant and `out_trade_no`.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<Order> {
        self.shared
            .state()
            .orders
            .get(&(mchid.to_owned(), out_trade_no.to_owned()))
            .cloned()
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
        tls_certificate_pem: shared
            .tls_certificate_pem
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    }
}

/// Entry points for the fuzz targets in `fuzz/`: the server's own request
/// parsing, reachable without a socket. Not part of the API.
#[doc(hidden)]
pub mod __fuzz {
    use std::sync::Arc;

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
                let router = self.shared.router.read().unwrap_or_else(|p| p.into_inner());
                router.find(&parts.method, path).is_some()
            };
            let _ = routed || self.shared.control.find(&parts.method, path).is_some();
            crate::server::authenticate(&self.shared, &parts, path_and_query, body).is_ok()
        }
    }
}
