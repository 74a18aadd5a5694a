//! Moving bytes: the [`Transport`] trait and its hyper implementation.
//!
//! A transport takes a fully built request (headers signed, body final) and
//! returns the whole answer, body collected, without interpreting it. Signing
//! and verification happen above it, over the exact bytes it sends and
//! receives, so any transport (a test double, a proxy-aware client) keeps
//! the security properties.
//!
//! Uploads and downloads go through [`Transport::send_streaming`] instead:
//! the request body is read from its source while it is sent, and the
//! answer's body is handed on as it arrives. Its default implementation
//! buffers both and calls [`Transport::send`], so a transport written for
//! JSON exchanges keeps working; [`HyperTransport`] streams.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::body::ByteStream;
use crate::error::{BuildError, Error, TransportError, TransportErrorKind};

/// A boxed, `Send` future, as returned by [`Transport::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request and returns the complete answer.
///
/// Implementations must not alter the request (its signature covers the
/// method, path, query and body) and must return the body bytes exactly as
/// received. Share one transport between clients (`Arc<dyn Transport>`) to
/// share its connection pool.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends `request`; resolves when the whole answer has arrived.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;

    /// Sends a request whose body is read while it is sent, and resolves as
    /// soon as the answer's head has arrived, its body still to be read.
    ///
    /// Used for media uploads and file downloads. The default buffers the
    /// request body, calls [`send`](Transport::send) and returns the
    /// collected answer as one chunk: correct for any transport, but it
    /// holds whole files in memory. Override it to stream.
    fn send_streaming(
        &self,
        request: http::Request<ByteStream>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect(usize::MAX).await?;
            let answer = self.send(http::Request::from_parts(parts, body)).await?;
            Ok(answer.map(ByteStream::from))
        })
    }
}

/// The default transport: hyper-util's pooled client over hyper-rustls.
///
/// HTTP/1.1 and HTTP/2 (chosen by ALPN), rustls with the *ring* provider,
/// the bundled webpki roots (plus the system's with the `native-roots`
/// feature, plus any added with
/// [`add_root_certificate_pem`](HyperTransportBuilder::add_root_certificate_pem)).
/// Idle connections are dropped after 7 s, before the platform closes them
/// at about 8 s. Clone it freely: clones share the pool.
///
/// [`send_streaming`](Transport::send_streaming) streams both ways: the
/// request body is sent as it is produced, and the answer's body is not
/// subject to the answer limit (whoever reads it decides).
#[derive(Clone)]
pub struct HyperTransport {
    client: HyperClient<HttpsConnector<HttpConnector>, ByteStream>,
    max_response_bytes: usize,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A builder with the defaults: HTTPS only, 5 s connect timeout, 7 s pool
    /// idle timeout, 32 MiB answer limit.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

/// Configures a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    allow_http: bool,
    max_response_bytes: usize,
    extra_roots: Vec<Vec<u8>>,
    client_certificate: Option<ClientCertificate>,
}

/// A TLS client certificate chain (DER, leaf first) and its private key
/// (PKCS#8 DER, wiped when dropped), presented to servers that ask.
#[derive(Clone)]
pub struct ClientCertificate {
    chain: Vec<Vec<u8>>,
    key: zeroize::Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// From PEM: one or more certificates (the leaf first) and the private
    /// key (PKCS#8, PKCS#1 RSA or SEC1 EC), e.g. `apiclient_cert.pem` and
    /// `apiclient_key.pem`.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, Error> {
        let certs = openssl::x509::X509::stack_from_pem(cert_pem).map_err(|e| {
            BuildError::with_source("the API certificate could not be read as PEM", e)
        })?;
        let key = openssl::pkey::PKey::private_key_from_pem(key_pem).map_err(|e| {
            BuildError::with_source("the API certificate's key could not be read as PEM", e)
        })?;
        Self::from_parts(certs, &key)
    }

    /// From a PKCS#12 archive (`apiclient_cert.p12`) and its password.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, Error> {
        let parsed = openssl::pkcs12::Pkcs12::from_der(der)
            .and_then(|p12| p12.parse2(password))
            .map_err(|e| {
                BuildError::with_source(
                    "the PKCS#12 API certificate could not be opened (wrong password, or an \
                     encryption OpenSSL does not enable)",
                    e,
                )
            })?;
        let (Some(cert), Some(key)) = (parsed.cert, parsed.pkey) else {
            return Err(Error::build(
                "the PKCS#12 archive holds no certificate with its private key",
            ));
        };
        let mut certs = vec![cert];
        certs.extend(parsed.ca.into_iter().flatten());
        Self::from_parts(certs, &key)
    }

    fn from_parts(
        certs: Vec<openssl::x509::X509>,
        key: &openssl::pkey::PKeyRef<openssl::pkey::Private>,
    ) -> Result<Self, Error> {
        let leaf_key = certs
            .first()
            .ok_or_else(|| Error::build("no certificate in the API certificate PEM"))?
            .public_key()
            .map_err(|e| BuildError::with_source("the API certificate has no usable key", e))?;
        if !key.public_eq(&leaf_key) {
            return Err(Error::build(
                "the private key does not belong to the API certificate",
            ));
        }
        let chain = certs
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BuildError::with_source("the API certificate could not be encoded", e))?;
        let key = key.private_key_to_pkcs8().map_err(|e| {
            BuildError::with_source("the API certificate's key could not be encoded", e)
        })?;
        Ok(ClientCertificate {
            chain,
            key: zeroize::Zeroizing::new(key),
        })
    }
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder {
            connect_timeout: Duration::from_secs(5),
            pool_idle_timeout: Duration::from_secs(7),
            pool_max_idle_per_host: 32,
            allow_http: false,
            max_response_bytes: 32 << 20,
            extra_roots: Vec::new(),
            client_certificate: None,
        }
    }
}

impl HyperTransportBuilder {
    /// How long opening a TCP connection may take (TLS handshake excluded).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept; keep it under 8 s, the
    /// platform's own idle timeout.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// How many idle connections per host the pool keeps.
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// Also allow plain `http://` URLs. Only for a local sandbox: WeChat Pay
    /// itself is HTTPS only.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The largest answer body accepted; larger ones fail with
    /// [`TransportErrorKind::BodyTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Trusts one more root certificate (PEM), e.g. a test server's.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let cert = openssl::x509::X509::from_pem(pem)
            .and_then(|c| c.to_der())
            .map_err(|e| {
                BuildError::with_source("the root certificate could not be read as PEM", e)
            })?;
        self.extra_roots.push(cert);
        Ok(self)
    }

    /// Presents this certificate when a server asks for one (mutual TLS,
    /// as APIv2 refunds and transfers require).
    pub fn client_certificate(mut self, certificate: ClientCertificate) -> Self {
        self.client_certificate = Some(certificate);
        self
    }

    /// Builds the transport. Needs to run inside a Tokio runtime only when
    /// sending, not here.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        for cert in rustls_native_certs::load_native_certs().certs {
            // A system store may hold certificates rustls cannot use; skip those.
            let _ = roots.add(cert);
        }
        for der in self.extra_roots {
            roots.add(der.into()).map_err(|e| {
                BuildError::with_source("the extra root certificate was refused", e)
            })?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| BuildError::with_source("TLS configuration failed", e))?
            .with_root_certificates(roots);
        let tls = match &self.client_certificate {
            None => tls.with_no_client_auth(),
            Some(cert) => {
                let chain = cert.chain.iter().map(|der| der.clone().into()).collect();
                let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key.to_vec().into());
                tls.with_client_auth_cert(chain, key).map_err(|e| {
                    BuildError::with_source("the API certificate was refused for TLS", e)
                })?
            }
        };

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);

        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        let connector = if self.allow_http {
            builder.https_or_http()
        } else {
            builder.https_only()
        }
        .enable_all_versions()
        .wrap_connector(http);

        let client = HyperClient::builder(TokioExecutor::new())
            // hyper-util adds this to `Instant::now()`: a huge value would
            // panic in its idle-connection task, so it is capped.
            .pool_idle_timeout(self.pool_idle_timeout.min(crate::retry::FAR_FUTURE))
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Ok(HyperTransport {
            client,
            max_response_bytes: self.max_response_bytes,
        })
    }
}

impl HyperTransport {
    /// Sends `request` and returns the answer with its body unread.
    async fn exchange(
        &self,
        request: http::Request<ByteStream>,
    ) -> Result<http::Response<hyper::body::Incoming>, TransportError> {
        self.client.request(request).await.map_err(|e| {
            let kind = if e.is_connect() {
                TransportErrorKind::Connect
            } else {
                TransportErrorKind::Io
            };
            TransportError::new(kind, e)
        })
    }
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let response = self.exchange(request.map(ByteStream::from)).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_response_bytes)
                .collect()
                .await
                .map_err(|e| {
                    // The headers came: keep the Request-ID for support.
                    let request_id = crate::protocol::request_id(&parts.headers);
                    if e.is::<http_body_util::LengthLimitError>() {
                        TransportError::from_kind(TransportErrorKind::BodyTooLarge)
                    } else {
                        TransportError::new(TransportErrorKind::Io, e)
                    }
                    .with_request_id(request_id)
                })?;
            Ok(http::Response::from_parts(parts, body.to_bytes()))
        })
    }

    fn send_streaming(
        &self,
        request: http::Request<ByteStream>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        Box::pin(async move {
            let response = self.exchange(request).await?;
            Ok(response.map(ByteStream::new))
        })
    }
}
