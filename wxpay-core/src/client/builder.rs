//! [`ClientBuilder`]: every setting of a [`Client`], checked once in
//! [`build`](ClientBuilder::build).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use super::{
    Client, DEFAULT_BACKUP_URL, DEFAULT_BASE_URL, DEFAULT_CERTIFICATE_REFRESH_INTERVAL,
    DEFAULT_ON_DEMAND_REFRESH_INTERVAL, Inner, USER_AGENT_PRODUCT,
};
use crate::credentials::Credentials;
use crate::crypto::{ApiV3Key, Certificate, PublicKey};
use crate::error::{BuildError, Error};
use crate::platform::{PlatformKeys, Refresher};
use crate::retry::RetryPolicy;
use crate::transport::{ClientCertificate, HyperTransport, Transport};
use crate::v2::V2Key;
use crate::verify::{DEFAULT_MAX_SKEW, KeyStore, PlatformKey};

/// Configures a [`Client`]; [`build`](ClientBuilder::build) checks everything.
///
/// Required: [`credentials`](ClientBuilder::credentials) and a way to know
/// the platform's keys, in one of the [modes](crate::platform):
///
/// ```no_run
/// # fn run(credentials: wxpay_core::Credentials) -> Result<(), wxpay_core::Error> {
/// use wxpay_core::Client;
///
/// // Public key (merchants registered since late 2024, or migrated).
/// let client = Client::builder()
///     .credentials(credentials.clone())
///     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
///     .build()?;
///
/// // Platform certificates, downloaded and kept current.
/// let client = Client::builder()
///     .credentials(credentials.clone())
///     .apiv3_key("sandboxApiV3Key0123456789abcdefX")
///     .download_platform_certificates(true)
///     .build()?;
///
/// // Migrating: both, chosen per message by serial.
/// let client = Client::builder()
///     .credentials(credentials)
///     .apiv3_key("sandboxApiV3Key0123456789abcdefX")
///     .download_platform_certificates(true)
///     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    allow_http: bool,
    keys: Vec<PlatformKey>,
    preferred_serial: Option<String>,
    apiv3_key: Option<ApiV3Key>,
    download_certificates: bool,
    refresh_interval: Duration,
    on_demand_interval: Duration,
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    failover: bool,
    backup_url: String,
    extra_roots: Vec<Vec<u8>>,
    max_skew: Duration,
    user_agent_suffix: Option<String>,
    v2_key: Option<V2Key>,
    api_certificate: Option<ApiCertificate>,
    deferred: Option<Error>,
}

/// The API certificate as given: PEM parsed at once, PKCS#12 at build (its
/// default password is the merchant id, known then).
enum ApiCertificate {
    Ready(ClientCertificate),
    Pkcs12 {
        der: Vec<u8>,
        password: Option<zeroize::Zeroizing<String>>,
    },
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            allow_http: false,
            keys: Vec::new(),
            preferred_serial: None,
            apiv3_key: None,
            download_certificates: false,
            refresh_interval: DEFAULT_CERTIFICATE_REFRESH_INTERVAL,
            on_demand_interval: DEFAULT_ON_DEMAND_REFRESH_INTERVAL,
            transport: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            failover: false,
            backup_url: DEFAULT_BACKUP_URL.to_owned(),
            extra_roots: Vec::new(),
            max_skew: DEFAULT_MAX_SKEW,
            user_agent_suffix: None,
            v2_key: None,
            api_certificate: None,
            deferred: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field(
                "platform_keys",
                &self
                    .keys
                    .iter()
                    .map(PlatformKey::serial)
                    .collect::<Vec<_>>(),
            )
            .field("preferred_serial", &self.preferred_serial)
            .field("apiv3_key", &self.apiv3_key)
            .field("download_certificates", &self.download_certificates)
            .field("v2_key", &self.v2_key)
            .field("api_certificate", &self.api_certificate.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn defer(mut self, error: Error) -> Self {
        if self.deferred.is_none() {
            self.deferred = Some(error);
        }
        self
    }

    /// The merchant's credentials (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The API host, default [`DEFAULT_BASE_URL`]. Use
    /// `https://api2.mch.weixin.qq.com` for the backup host,
    /// `https://apihk.mch.weixin.qq.com` for Hong Kong, or a sandbox's URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Allows an `http://` base URL. Only for a local sandbox.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Adds a WeChat Pay public key and its id (`PUB_KEY_ID_…`).
    pub fn platform_public_key(mut self, id: impl Into<String>, key: PublicKey) -> Self {
        self.keys.push(PlatformKey::public_key(id, key));
        self
    }

    /// Adds a WeChat Pay public key from PEM text.
    pub fn platform_public_key_pem(self, id: impl Into<String>, pem: &[u8]) -> Self {
        match PublicKey::from_pem(pem) {
            Ok(key) => self.platform_public_key(id, key),
            Err(e) => self.defer(
                BuildError::with_source("the WeChat Pay public key could not be read", e).into(),
            ),
        }
    }

    /// Adds a WeChat Pay public key from a PEM file.
    pub fn platform_public_key_pem_file(
        self,
        id: impl Into<String>,
        path: impl AsRef<std::path::Path>,
    ) -> Self {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(pem) => self.platform_public_key_pem(id, &pem),
            Err(e) => {
                let msg = format!(
                    "cannot read the WeChat Pay public key file {}",
                    path.display()
                );
                self.defer(BuildError::with_source(msg, e).into())
            }
        }
    }

    /// Adds a platform certificate (its serial is read from it).
    pub fn platform_certificate(mut self, cert: &Certificate) -> Self {
        self.keys.push(PlatformKey::certificate(cert));
        self
    }

    /// Adds a platform certificate from PEM text.
    pub fn platform_certificate_pem(self, pem: &[u8]) -> Self {
        match Certificate::from_pem(pem) {
            Ok(cert) => self.platform_certificate(&cert),
            Err(e) => self.defer(
                BuildError::with_source("the platform certificate could not be read", e).into(),
            ),
        }
    }

    /// Which platform key to name in `Wechatpay-Serial` on requests (and to
    /// encrypt sensitive fields with). The platform signs its answers with
    /// the key named there, which is how a merchant migrating from
    /// certificates to the public key chooses.
    ///
    /// Default, decided afresh for each request: the WeChat Pay public key
    /// when one is configured, otherwise the valid certificate that expires
    /// last (so a certificate-only client follows rotations by itself).
    /// A serial given here must be among the configured keys, unless
    /// certificates are downloaded (it may then name a certificate to come).
    pub fn preferred_platform_serial(mut self, serial: impl Into<String>) -> Self {
        self.preferred_serial = Some(serial.into());
        self
    }

    /// The merchant's APIv3 key, the 32 characters set in the merchant
    /// platform. Needed to download platform certificates (they come
    /// encrypted with it) and to read notifications.
    pub fn apiv3_key(mut self, key: &str) -> Self {
        match ApiV3Key::new(key) {
            Ok(key) => {
                self.apiv3_key = Some(key);
                self
            }
            Err(e) => self.defer(BuildError::with_source("the APIv3 key is not usable", e).into()),
        }
    }

    /// Downloads the platform certificates (`GET /v3/certificates`) and
    /// keeps them current: at first use, every
    /// [`certificate_refresh_interval`](Self::certificate_refresh_interval),
    /// and when an answer names an unknown serial. Needs
    /// [`apiv3_key`](Self::apiv3_key). With a public key configured too,
    /// this is the migration mode. See [`crate::platform`].
    pub fn download_platform_certificates(mut self, enable: bool) -> Self {
        self.download_certificates = enable;
        self
    }

    /// How often downloaded certificates are refreshed (default 12 hours;
    /// must not be zero).
    pub fn certificate_refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// The minimum time between two downloads started because an answer or
    /// notification named an unknown serial (default one minute). Zero
    /// removes the limit: only do that in tests.
    pub fn on_demand_refresh_interval(mut self, interval: Duration) -> Self {
        self.on_demand_interval = interval;
        self
    }

    /// Sends through this transport instead of a new [`HyperTransport`];
    /// pass the same one to several clients to share one connection pool.
    /// [`connect_timeout`](Self::connect_timeout) and
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem) then do
    /// nothing (they configure the default transport), and
    /// [`allow_http`](Self::allow_http) only checks the base URL.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Connect timeout of the default transport (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, from sending to the last byte of the
    /// answer and its verification, a wait for a platform certificate
    /// download included (default 30 s). A server that accepts and never answers, or
    /// trickles its answer, ends in [`Error::Timeout`] after this long. The
    /// whole call, retries included, is bounded by the retry policy's
    /// [`deadline`](RetryPolicy::deadline); one call can override both with
    /// [`CallOptions`](crate::CallOptions).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How calls are retried after transient failures (default
    /// [`RetryPolicy::new`]: 3 attempts for `GET`/`HEAD`/`DELETE`, none for other
    /// methods unless a call opts in). [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends retries to the backup host after the main one failed (the
    /// connection failed, no answer in time, or a 5xx). Off by default; the
    /// backup host is [`DEFAULT_BACKUP_URL`] unless
    /// [`backup_base_url`](Self::backup_base_url) says otherwise. Failover
    /// only happens on a retry, so it follows the [retry
    /// policy](Self::retry_policy) and idempotence rules.
    pub fn failover(mut self, enabled: bool) -> Self {
        self.failover = enabled;
        self
    }

    /// The backup host (default [`DEFAULT_BACKUP_URL`]); checked like the base URL.
    pub fn backup_base_url(mut self, url: impl Into<String>) -> Self {
        self.backup_url = url.into();
        self
    }

    /// Trusts one more root certificate (PEM) on the default transport, e.g.
    /// a test server's or a TLS-inspecting proxy's.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.extra_roots.push(pem.to_vec());
        self
    }

    /// Allowed distance between a signature's timestamp and the local clock
    /// (default 300 s, the platform's own rule).
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Text appended to the `User-Agent` header, e.g. your service's name and version.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The merchant's APIv2 key (32 characters, set in the merchant
    /// platform), for [`Client::call_v2`] and v2 notifications. A client
    /// with a v2 key may do without platform keys; its APIv3 answers then
    /// fail verification.
    pub fn v2_key(mut self, key: V2Key) -> Self {
        self.v2_key = Some(key);
        self
    }

    /// The merchant's API certificate and its key in PEM
    /// (`apiclient_cert.pem`, `apiclient_key.pem`), presented on the
    /// connections of the APIv2 operations that require mutual TLS
    /// (refunds, reversals, red packets, transfers, …). Only those
    /// operations use it; other requests go through the usual transport.
    pub fn api_certificate_pem(mut self, cert_pem: &[u8], key_pem: &[u8]) -> Self {
        match ClientCertificate::from_pem(cert_pem, key_pem) {
            Ok(cert) => {
                self.api_certificate = Some(ApiCertificate::Ready(cert));
                self
            }
            Err(e) => self.defer(e),
        }
    }

    /// The API certificate as the PKCS#12 archive the merchant platform
    /// issues (`apiclient_cert.p12`); `None` for the platform's default
    /// password, the merchant id. See
    /// [`api_certificate_pem`](Self::api_certificate_pem).
    ///
    /// Older archives use RC2-40 encryption, which OpenSSL 3 only opens
    /// with its legacy provider; if opening fails, convert the archive to
    /// PEM (`openssl pkcs12 -legacy -in apiclient_cert.p12 -nodes`) and use
    /// `api_certificate_pem`.
    pub fn api_certificate_p12(mut self, der: &[u8], password: Option<&str>) -> Self {
        self.api_certificate = Some(ApiCertificate::Pkcs12 {
            der: der.to_vec(),
            password: password.map(|p| zeroize::Zeroizing::new(p.to_owned())),
        });
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(mut self) -> Result<Client, Error> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        let credentials = self.credentials.take().ok_or_else(|| {
            Error::build("credentials are required: call ClientBuilder::credentials")
        })?;
        let base_url = check_base_url(&self.base_url, self.allow_http)?;
        let backup_url = if self.failover {
            Some(check_base_url(&self.backup_url, self.allow_http)?)
        } else {
            None
        };
        let platform = self.platform_keys()?;
        let user_agent = self.user_agent()?;
        let transport = self.built_transport()?;
        let mutual_tls = self.mutual_tls_transport(credentials.mchid())?;
        Ok(Client {
            inner: Arc::new(Inner {
                credentials,
                base_url,
                backup_url,
                platform,
                apiv3_key: self.apiv3_key,
                transport,
                timeout: self.timeout,
                retry: self.retry,
                max_skew: self.max_skew,
                user_agent,
                v2_key: self.v2_key,
                mutual_tls,
            }),
        })
    }

    /// The key store and, in download mode, its refresher: there must be a
    /// way to verify answers, and a fixed preferred serial must be among
    /// the keys unless downloads may still bring it.
    fn platform_keys(&mut self) -> Result<PlatformKeys, Error> {
        if self.keys.is_empty() && !self.download_certificates && self.v2_key.is_none() {
            return Err(Error::build(
                "no platform key: add the WeChat Pay public key (platform_public_key), or download platform \
                 certificates (apiv3_key + download_platform_certificates(true)); answers cannot be verified without one",
            ));
        }
        let refresher = if self.download_certificates {
            if self.apiv3_key.is_none() {
                return Err(Error::build(
                    "downloading platform certificates needs the APIv3 key: call ClientBuilder::apiv3_key",
                ));
            }
            if self.refresh_interval.is_zero() {
                return Err(Error::build(
                    "the certificate refresh interval must not be zero",
                ));
            }
            Some(Refresher::new(
                self.refresh_interval,
                self.on_demand_interval,
            ))
        } else {
            None
        };
        let keys = Arc::new(KeyStore::new());
        for key in self.keys.drain(..) {
            keys.insert(key);
        }
        if let Some(serial) = &self.preferred_serial {
            if !keys.contains(serial) && refresher.is_none() {
                return Err(Error::build(format!(
                    "preferred platform serial {serial:?} is not among the configured keys {:?}",
                    keys.serials()
                )));
            }
        }
        Ok(PlatformKeys {
            store: keys,
            fixed_preferred: self.preferred_serial.take(),
            refresher,
        })
    }

    /// `wxpay-rust/VERSION (OS; ARCH)`, then the suffix when one was given.
    fn user_agent(&self) -> Result<HeaderValue, Error> {
        let mut user_agent = format!(
            "{USER_AGENT_PRODUCT} ({}; {})",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        if let Some(suffix) = &self.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::build("the User-Agent suffix must be visible ASCII"))
    }

    /// The transport given, or a [`HyperTransport`] with this builder's
    /// connection settings.
    fn built_transport(&mut self) -> Result<Arc<dyn Transport>, Error> {
        if let Some(transport) = self.transport.take() {
            return Ok(transport);
        }
        let mut transport = HyperTransport::builder()
            .connect_timeout(self.connect_timeout)
            .allow_http(self.allow_http);
        for pem in &self.extra_roots {
            transport = transport.add_root_certificate_pem(pem)?;
        }
        Ok(Arc::new(transport.build()?))
    }
}

impl ClientBuilder {
    /// A [`HyperTransport`] presenting the API certificate, when one was
    /// given, with the same connection settings as the default transport.
    fn mutual_tls_transport(&mut self, mchid: &str) -> Result<Option<Arc<dyn Transport>>, Error> {
        let certificate = match self.api_certificate.take() {
            None => return Ok(None),
            Some(ApiCertificate::Ready(cert)) => cert,
            Some(ApiCertificate::Pkcs12 { der, password }) => {
                ClientCertificate::from_pkcs12(&der, password.as_deref().map_or(mchid, |p| p))?
            }
        };
        let mut transport = HyperTransport::builder()
            .connect_timeout(self.connect_timeout)
            .allow_http(self.allow_http)
            .client_certificate(certificate);
        for pem in &self.extra_roots {
            transport = transport.add_root_certificate_pem(pem)?;
        }
        Ok(Some(Arc::new(transport.build()?)))
    }
}

fn check_base_url(url: &str, allow_http: bool) -> Result<String, Error> {
    let trimmed = url.trim_end_matches('/');
    let uri: http::Uri = trimmed
        .parse()
        .map_err(|e| BuildError::with_source(format!("base URL {url:?} is not a valid URL"), e))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_http => {}
        Some("http") => {
            return Err(Error::build(format!(
                "base URL {url:?} is plain http; WeChat Pay is HTTPS only (allow_http(true) is for a local sandbox)"
            )));
        }
        _ => {
            return Err(Error::build(format!(
                "base URL {url:?} must start with https://"
            )));
        }
    }
    if uri.authority().is_none() {
        return Err(Error::build(format!("base URL {url:?} has no host")));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(Error::build(format!(
            "base URL {url:?} must be scheme and host only, e.g. {DEFAULT_BASE_URL}"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url("https://api.mch.weixin.qq.com/", false).unwrap(),
            DEFAULT_BASE_URL
        );
        assert!(
            check_base_url("http://127.0.0.1:1", false)
                .unwrap_err()
                .to_string()
                .contains("HTTPS only")
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:1", true).unwrap(),
            "http://127.0.0.1:1"
        );
        assert!(check_base_url("ftp://x", true).is_err());
        assert!(check_base_url("https://x/v3", false).is_err());
        assert!(check_base_url("not a url", false).is_err());
    }
}
