//! The [`Client`]: signs requests, sends them, verifies and decodes the answers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Deserialize;

use crate::credentials::Credentials;
use crate::crypto::{Certificate, PublicKey};
use crate::endpoint::{Endpoint, QueryWriter, RequestBody};
use crate::error::{
    ApiError, BuildError, DecodeError, Error, TransportError, TransportErrorKind, VerifyError,
};
use crate::pay_params::{AppPayParams, JsapiPayParams};
use crate::sign::Nonce;
use crate::transport::{HyperTransport, Transport};
use crate::verify::{
    DEFAULT_MAX_SKEW, KeyStore, PlatformKey, PlatformKeyKind, SignatureHeaders, header_str,
    headers, unix_seconds,
};

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";

/// The `User-Agent` product token this crate sends.
pub const USER_AGENT_PRODUCT: &str = concat!("wxpay-rust/", env!("CARGO_PKG_VERSION"));

/// A WeChat Pay APIv3 client for one merchant.
///
/// Cheap to clone (one `Arc`), `Send + Sync`: build it once and share it.
/// Several clients (one per merchant) can share one [`Transport`] and thus
/// one connection pool.
///
/// ```no_run
/// use wxpay_core::prelude::*;
/// use wxpay_core::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
///
/// # async fn run() -> Result<(), wxpay_core::Error> {
/// let client = Client::builder()
///     .credentials(Credentials::from_pem_file("1900000109", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "apiclient_key.pem")?)
///     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
///     .build()?;
///
/// let order = client
///     .jsapi_with_contract(JsapiWithContract {
///         appid: "wxd678efh567hg6787".into(),
///         mchid: "1900000109".into(),
///         description: "Image形象店-深圳腾大-QQ公仔".into(),
///         out_trade_no: "1217752501201407033233368018".into(),
///         notify_url: "https://www.example.com/wxpay/notify".into(),
///         amount: Amount { total: 100, currency: Some("CNY".into()) },
///         payer: Payer { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into() },
///         contract_info: ContractInfo { token: Some("201710180325670965".into()), ..Default::default() },
///         ..Default::default()
///     })
///     .await?;
/// println!("prepay_id = {}", order.prepay_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    credentials: Credentials,
    base_url: String,
    keys: Arc<KeyStore>,
    preferred_serial: Option<String>,
    transport: Arc<dyn Transport>,
    timeout: Duration,
    max_skew: Duration,
    user_agent: HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("mchid", &self.inner.credentials.mchid())
            .field("base_url", &self.inner.base_url)
            .field("platform_keys", &self.inner.keys.serials())
            .field("preferred_serial", &self.inner.preferred_serial)
            .finish_non_exhaustive()
    }
}

/// A verified 2xx answer.
pub(crate) struct Verified {
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Bytes,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    detail: Option<serde_json::Value>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The merchant's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        self.inner.credentials.mchid()
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The platform keys this client verifies with (shared by its clones).
    pub fn key_store(&self) -> &Arc<KeyStore> {
        &self.inner.keys
    }

    /// The serial sent in `Wechatpay-Serial` and used to encrypt sensitive fields.
    pub fn preferred_platform_serial(&self) -> Option<&str> {
        self.inner.preferred_serial.as_deref()
    }

    /// Sends a typed request and returns its decoded answer.
    ///
    /// Signs the exact path, query and body sent; verifies every 2xx answer
    /// over its raw body before decoding it. Fails with
    /// [`Error::Api`] for error statuses (with the platform's code, message,
    /// detail and `Request-ID`), [`Error::Verify`] when an answer cannot be
    /// proved genuine, [`Error::Decode`] when a verified body does not fit,
    /// and [`Error::Transport`] / [`Error::Timeout`] below HTTP.
    pub async fn call<E: Endpoint>(&self, mut request: E) -> Result<E::Response, Error> {
        let encrypted_with = if E::HAS_SENSITIVE {
            let key = self.encryption_key()?;
            request.encrypt_sensitive(&mut |plain: &str| {
                key.key().encrypt_oaep(plain.as_bytes()).map_err(|e| {
                    BuildError::with_source("encrypting a sensitive field failed", e).into()
                })
            })?;
            Some(key)
        } else {
            None
        };
        let mut path = String::with_capacity(E::PATH.len() + 48);
        request.write_path_and_query(&mut path)?;
        let body = request.body()?;
        drop(request);
        let serial = encrypted_with.as_ref().map(|k| k.serial());
        let answer = self.execute(E::METHOD, &path, &body, serial).await?;
        E::decode_response(&answer.body).map_err(|source| {
            Error::from(DecodeError {
                status: answer.status,
                request_id: answer.request_id,
                source,
            })
        })
    }

    /// The untyped escape hatch: sends `method path?query` with an optional
    /// JSON body, signed, and returns the verified JSON answer (`Null` for an
    /// empty body).
    ///
    /// `path` is sent as given: it must start with `/` and already be
    /// percent-encoded where needed. Query pairs are percent-encoded here.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    /// let order = client
    ///     .request_json(http::Method::GET, "/v3/pay/transactions/id/4200000000202611270000000001", &[("mchid", "1900000109")], None)
    ///     .await?;
    /// println!("{}", order["trade_state"]);
    /// # Ok(()) }
    /// ```
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            return Err(Error::build(format!(
                "path {path:?} must start with `/` and hold no query, fragment or space; pass query pairs separately"
            )));
        }
        let mut path_and_query = path.to_owned();
        let mut writer = QueryWriter::new(&mut path_and_query);
        for (name, value) in query {
            writer.pair(name, value)?;
        }
        let body = match body {
            Some(value) => RequestBody::json(value)?,
            None => RequestBody::Empty,
        };
        let answer = self.execute(method, &path_and_query, &body, None).await?;
        crate::endpoint::decode_json(&answer.body).map_err(|source| {
            Error::from(DecodeError {
                status: answer.status,
                request_id: answer.request_id,
                source,
            })
        })
    }

    /// The JSAPI / mini-program parameters for `wx.requestPayment` or
    /// `WeixinJSBridge`, signed now with a fresh nonce.
    pub fn jsapi_pay_params(&self, appid: &str, prepay_id: &str) -> Result<JsapiPayParams, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        JsapiPayParams::sign(
            &self.inner.credentials,
            appid,
            prepay_id,
            unix_seconds(SystemTime::now()),
            &nonce,
        )
    }

    /// The APP SDK parameters (`PayReq`), signed now with a fresh nonce.
    pub fn app_pay_params(&self, appid: &str, prepay_id: &str) -> Result<AppPayParams, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        AppPayParams::sign(
            &self.inner.credentials,
            appid,
            prepay_id,
            unix_seconds(SystemTime::now()),
            &nonce,
        )
    }

    /// Decrypts a sensitive field of an answer (RSA-OAEP to the merchant key).
    /// Treat the result as the secret it is.
    pub fn decrypt_sensitive(&self, ciphertext_b64: &str) -> Result<String, Error> {
        let plain = self
            .inner
            .credentials
            .private_key()
            .decrypt_oaep(ciphertext_b64)
            .map_err(|e| {
                BuildError::with_source(
                    "the sensitive field could not be decrypted with the merchant key",
                    e,
                )
            })?;
        String::from_utf8(plain)
            .map_err(|_| Error::build("the decrypted sensitive field is not UTF-8"))
    }

    fn encryption_key(&self) -> Result<Arc<PlatformKey>, Error> {
        let serial = self.inner.preferred_serial.as_deref().ok_or_else(|| {
            Error::build(
                "this request has sensitive fields to encrypt, but no platform public key or certificate is configured",
            )
        })?;
        self.inner.keys.get(serial).ok_or_else(|| {
            Error::build(format!(
                "this request has sensitive fields to encrypt, but the preferred platform key {serial} is not loaded"
            ))
        })
    }

    /// Signs, sends and verifies one exchange.
    pub(crate) async fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: &RequestBody,
        serial: Option<&str>,
    ) -> Result<Verified, Error> {
        let inner = &*self.inner;
        let mut builder = self.signed_request(method, path_and_query, body.signed_bytes())?;
        if let Some(serial) = serial.or(inner.preferred_serial.as_deref()) {
            builder = builder.header(headers::SERIAL, serial);
        }
        let payload = match body {
            RequestBody::Empty => Bytes::new(),
            RequestBody::Json(bytes) => {
                builder =
                    builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Bytes::copy_from_slice(bytes)
            }
            RequestBody::Multipart(multipart) => {
                // Streamed from the file while sending; see upload.rs.
                let response =
                    crate::upload::send(&*inner.transport, builder, multipart, inner.timeout)
                        .await?;
                return self.check_answer(response);
            }
        };
        let request = builder
            .body(payload)
            .map_err(|e| Error::from(TransportError::new(TransportErrorKind::InvalidRequest, e)))?;

        let response =
            match tokio::time::timeout(inner.timeout, inner.transport.send(request)).await {
                Ok(result) => result?,
                Err(_) => return Err(Error::Timeout(inner.timeout)),
            };
        self.check_answer(response)
    }

    /// A request to `path_and_query` on the base URL, signed over
    /// `signed_body`, with the headers every request carries
    /// (`Authorization`, `Accept`, `User-Agent`); the body is still to be set.
    pub(crate) fn signed_request(
        &self,
        method: Method,
        path_and_query: &str,
        signed_body: &[u8],
    ) -> Result<http::request::Builder, Error> {
        let inner = &*self.inner;
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        let timestamp = unix_seconds(SystemTime::now());
        let authorization = inner.credentials.authorization(
            method.as_str(),
            path_and_query,
            signed_body,
            timestamp,
            &nonce,
        )?;
        Ok(http::Request::builder()
            .method(method)
            .uri(format!("{}{}", inner.base_url, path_and_query))
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, inner.user_agent.clone()))
    }

    /// The transport and the time allowed for one exchange.
    pub(crate) fn transport(&self) -> (&dyn Transport, Duration) {
        (&*self.inner.transport, self.inner.timeout)
    }

    /// Verifies a 2xx answer over its raw body; any other status becomes
    /// an [`ApiError`] (verified when it carries signature headers that check out).
    pub(crate) fn check_answer(&self, response: http::Response<Bytes>) -> Result<Verified, Error> {
        let (parts, body) = response.into_parts();
        let request_id = header_str(&parts.headers, headers::REQUEST_ID).map(str::to_owned);
        let status = parts.status;
        if status.is_success() {
            match self.verify(&parts.headers, &body) {
                Ok(()) => Ok(Verified {
                    status,
                    request_id,
                    body,
                }),
                Err(reason) => Err(VerifyError {
                    status,
                    request_id,
                    reason,
                }
                .into()),
            }
        } else {
            Err(self.error_answer(status, &parts.headers, &body))
        }
    }

    /// The [`ApiError`] of a non-2xx answer, marked verified when it carries
    /// signature headers that check out.
    pub(crate) fn error_answer(&self, status: StatusCode, map: &HeaderMap, body: &[u8]) -> Error {
        let request_id = header_str(map, headers::REQUEST_ID).map(str::to_owned);
        let verified = SignatureHeaders::any_present(map) && self.verify(map, body).is_ok();
        api_error(status, body, request_id, verified).into()
    }

    fn verify(&self, map: &HeaderMap, body: &[u8]) -> Result<(), crate::error::VerifyReason> {
        let signed = SignatureHeaders::from_headers(map)?;
        self.inner
            .keys
            .verify(&signed, body, SystemTime::now(), self.inner.max_skew)
    }
}

/// Reads the platform's error object; a body that is not one (a proxy's
/// page, say) leaves `code` empty and keeps its start as the message.
fn api_error(
    status: StatusCode,
    body: &[u8],
    request_id: Option<String>,
    verified: bool,
) -> ApiError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => ApiError {
            status,
            code: e.code,
            message: e.message,
            detail: e.detail,
            request_id,
            verified,
        },
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let excerpt: String = text.trim().chars().take(200).collect();
            ApiError {
                status,
                code: None,
                message: (!excerpt.is_empty()).then_some(excerpt),
                detail: None,
                request_id,
                verified,
            }
        }
    }
}

/// Configures a [`Client`]; [`build`](ClientBuilder::build) checks everything.
///
/// Required: [`credentials`](ClientBuilder::credentials) and at least one
/// platform key ([`platform_public_key`](ClientBuilder::platform_public_key)
/// or [`platform_certificate`](ClientBuilder::platform_certificate)).
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    allow_http: bool,
    keys: Vec<PlatformKey>,
    preferred_serial: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Duration,
    timeout: Duration,
    max_skew: Duration,
    user_agent_suffix: Option<String>,
    deferred: Option<Error>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            allow_http: false,
            keys: Vec::new(),
            preferred_serial: None,
            transport: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_skew: DEFAULT_MAX_SKEW,
            user_agent_suffix: None,
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
    /// Default: the WeChat Pay public key when one is configured, otherwise
    /// the certificate that expires last.
    pub fn preferred_platform_serial(mut self, serial: impl Into<String>) -> Self {
        self.preferred_serial = Some(serial.into());
        self
    }

    /// Sends through this transport instead of a new [`HyperTransport`];
    /// pass the same one to several clients to share one connection pool.
    /// [`connect_timeout`](Self::connect_timeout) and
    /// [`allow_http`](Self::allow_http) then only check the base URL.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Connect timeout of the default transport (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole exchange, from sending to the last byte of
    /// the answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(e) = self.deferred {
            return Err(e);
        }
        let credentials = self.credentials.ok_or_else(|| {
            Error::build("credentials are required: call ClientBuilder::credentials")
        })?;
        let base_url = check_base_url(&self.base_url, self.allow_http)?;
        if self.keys.is_empty() {
            return Err(Error::build(
                "no platform key: add the WeChat Pay public key (platform_public_key) or a platform certificate \
                 (platform_certificate); answers cannot be verified without one",
            ));
        }
        let keys = Arc::new(KeyStore::new());
        for key in &self.keys {
            keys.insert(key.clone());
        }
        let preferred_serial = match self.preferred_serial {
            Some(serial) if keys.contains(&serial) => Some(serial),
            Some(serial) => {
                return Err(Error::build(format!(
                    "preferred platform serial {serial:?} is not among the configured keys {:?}",
                    keys.serials()
                )));
            }
            None => default_preferred(&self.keys),
        };
        let user_agent = match &self.user_agent_suffix {
            Some(suffix) => format!(
                "{USER_AGENT_PRODUCT} ({}; {}) {suffix}",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
            None => format!(
                "{USER_AGENT_PRODUCT} ({}; {})",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::build("the User-Agent suffix must be visible ASCII"))?;
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(
                HyperTransport::builder()
                    .connect_timeout(self.connect_timeout)
                    .allow_http(self.allow_http)
                    .build()?,
            ),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                credentials,
                base_url,
                keys,
                preferred_serial,
                transport,
                timeout: self.timeout,
                max_skew: self.max_skew,
                user_agent,
            }),
        })
    }
}

fn default_preferred(keys: &[PlatformKey]) -> Option<String> {
    if let Some(k) = keys.iter().find(|k| k.kind() == PlatformKeyKind::PublicKey) {
        return Some(k.serial().to_owned());
    }
    keys.iter()
        .filter_map(|k| match k.kind() {
            PlatformKeyKind::Certificate { not_after, .. } => Some((not_after, k.serial())),
            PlatformKeyKind::PublicKey => None,
        })
        .max()
        .map(|(_, s)| s.to_owned())
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
    use crate::test_vectors as tv;

    fn builder() -> ClientBuilder {
        Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .platform_public_key(tv::PUBLIC_KEY_ID, tv::wechatpay_public_key())
    }

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

    #[test]
    fn builder_requires_credentials_and_a_key() {
        let e = Client::builder().build().unwrap_err();
        assert!(e.to_string().contains("credentials"));
        let e = Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("no platform key"));
        let e = builder()
            .platform_public_key_pem("X", b"junk")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("public key could not be read"));
        let e = builder()
            .preferred_platform_serial("NOPE")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("NOPE"));
    }

    #[test]
    fn preferred_serial_defaults_to_the_public_key() {
        let cert = Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap();
        let client = builder().platform_certificate(&cert).build().unwrap();
        assert_eq!(client.preferred_platform_serial(), Some(tv::PUBLIC_KEY_ID));
        let client = builder()
            .platform_certificate(&cert)
            .preferred_platform_serial(tv::PLATFORM_SERIAL)
            .build()
            .unwrap();
        assert_eq!(
            client.preferred_platform_serial(),
            Some(tv::PLATFORM_SERIAL)
        );
        let only_cert = Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .platform_certificate(&cert)
            .build()
            .unwrap();
        assert_eq!(
            only_cert.preferred_platform_serial(),
            Some(tv::PLATFORM_SERIAL)
        );
    }

    #[test]
    fn client_is_send_sync_clone_and_debug_hides_keys() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
        let client = builder().build().unwrap();
        let text = format!("{client:?}");
        assert!(text.contains(tv::MCHID) && !text.contains("PRIVATE"));
    }

    #[test]
    fn error_bodies_are_read_or_excerpted() {
        let e = api_error(
            StatusCode::BAD_REQUEST,
            br#"{"code":"PARAM_ERROR","message":"bad","detail":{"field":"amount.total"}}"#,
            Some("R".into()),
            true,
        );
        assert_eq!(e.code.as_deref(), Some("PARAM_ERROR"));
        assert_eq!(e.detail_field(), Some("amount.total"));
        let e = api_error(
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
            None,
            false,
        );
        assert_eq!(e.code, None);
        assert_eq!(e.message.as_deref(), Some("<html>bad gateway</html>"));
        let e = api_error(StatusCode::INTERNAL_SERVER_ERROR, b"", None, false);
        assert_eq!(e.message, None);
    }
}
