//! [`SandboxBuilder`]: configuring and starting a sandbox.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use wxpay_core::crypto::{ApiV3Key, Certificate, PrivateKey};

use crate::keys::{self, Merchant, SigningKey};
use crate::lock::Recover;
use crate::relations::Relations;
use crate::server::{self, Platform, Shared};
use crate::{Sandbox, SandboxError, api, control, notify, platform, spec_mode, tls, v2};

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
    /// Appids and sub-merchants added to (or, without the defaults,
    /// instead of) the default ones.
    relations: Relations,
    default_relations: bool,
    dashboard: bool,
    /// Notification settings, set in `notify/api.rs`.
    pub(crate) notify: notify::NotifyConfig,
    /// APIv2: the merchant's v2 key, and whether mutual-TLS operations are
    /// served over plain HTTP.
    v2_key: String,
    v2_mutual_tls_over_http: bool,
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
            relations: Relations::default(),
            default_relations: true,
            dashboard: true,
            notify: notify::NotifyConfig::default(),
            v2_key: v2::DEFAULT_V2_KEY.to_owned(),
            v2_mutual_tls_over_http: false,
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

    /// Serves the dashboard (default on): a web page at `/dashboard` on
    /// the sandbox's port showing its orders, combined orders, refunds,
    /// contracts, bills and notifications with every delivery attempt,
    /// with the payer's moves as buttons that run the matching control
    /// routes. Posts need the page's form token and its own origin.
    pub fn dashboard(mut self, enabled: bool) -> Self {
        self.dashboard = enabled;
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

    /// Binds `appid` (an official account, mini-program or app) to the
    /// merchant `mchid`: orders of `mchid` may name it as `appid`
    /// (`sp_appid` when `mchid` is a service provider). Orders naming an
    /// appid not bound to their merchant answer `400 APPID_MCHID_NOT_MATCH`.
    /// Adds to the defaults ([`DEFAULT_APPIDS`](crate::DEFAULT_APPIDS),
    /// bound to every served merchant) unless
    /// [`default_relations`](Self::default_relations) drops them.
    pub fn appid(mut self, mchid: impl AsRef<str>, appid: impl AsRef<str>) -> Self {
        self.relations.bind(mchid.as_ref(), appid.as_ref());
        self
    }

    /// Makes `sub_mchid` a sub-merchant of the service provider
    /// `sp_mchid`, with `sub_appids` bound to it: partner orders of
    /// `sp_mchid` may name it as `sub_mchid`, and those appids as
    /// `sub_appid`. A partner order for a sub-merchant that is not the
    /// service provider's answers `400 PARAM_ERROR` naming `sub_mchid`.
    /// Adds to the defaults ([`DEFAULT_SUB_MERCHANTS`](crate::DEFAULT_SUB_MERCHANTS)
    /// of every served merchant, each with
    /// [`DEFAULT_SUB_APPIDS`](crate::DEFAULT_SUB_APPIDS)).
    pub fn sub_merchant<I, S>(
        mut self,
        sp_mchid: impl AsRef<str>,
        sub_mchid: impl AsRef<str>,
        sub_appids: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let appids: Vec<S> = sub_appids.into_iter().collect();
        self.relations.add_sub_merchant(
            sp_mchid.as_ref(),
            sub_mchid.as_ref(),
            appids.iter().map(AsRef::as_ref),
        );
        self
    }

    /// Whether every served merchant starts with the default appids and
    /// sub-merchants (default `true`); with `false`, only those given with
    /// [`appid`](Self::appid) and [`sub_merchant`](Self::sub_merchant)
    /// are known.
    pub fn default_relations(mut self, enabled: bool) -> Self {
        self.default_relations = enabled;
        self
    }

    /// The merchant's APIv2 key (32 characters; default
    /// [`DEFAULT_V2_KEY`](crate::DEFAULT_V2_KEY)): v2 requests must be
    /// signed with it, and v2 answers are. See [`v2`].
    pub fn v2_key(mut self, key: impl Into<String>) -> Self {
        self.v2_key = key.into();
        self
    }

    /// Whether APIv2 operations that require mutual TLS are served over
    /// plain HTTP, where no client certificate can be presented (default
    /// `false`: they answer `return_code` `FAIL`). Over TLS
    /// ([`tls`](Self::tls)) the merchant's API certificate is always required.
    pub fn v2_mutual_tls_over_http(mut self, enabled: bool) -> Self {
        self.v2_mutual_tls_over_http = enabled;
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
        let v2_key = wxpay_core::v2::V2Key::new(self.v2_key.clone())
            .map_err(|e| SandboxError::Config(format!("v2 key: {e}")))?;
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
        let mut router = api::router().map_err(SandboxError::Config)?;
        if self.spec_mode {
            spec_mode::register(&mut router).map_err(SandboxError::Config)?;
        }
        let served_mchid = merchant.mchid.clone();
        let shared = Arc::new(Shared::new(
            vec![merchant],
            platform,
            router,
            control::router(),
        ));
        {
            let mut relations = shared.relations.write().recover();
            if !self.default_relations {
                *relations = Relations::default();
            }
            relations.extend(&self.relations);
        }
        if self.dashboard {
            let _ = shared.dashboard.set(crate::dashboard::Dashboard::new()?);
        }
        {
            let mut state = shared.state();
            state.v2.mutual_tls_over_http = self.v2_mutual_tls_over_http;
            state.v2.spec_mode = self.spec_mode;
        }
        v2::set_key(&shared, &served_mchid, &self.v2_key, v2_key);
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
