//! HTTPS for the sandbox: a self-signed certificate for `127.0.0.1` and
//! `localhost`, generated once per process, served with rustls (ring).
//! The handshake asks for a client certificate without requiring one.
//!
//! A client trusts it by adding [`Sandbox::tls_certificate_pem`](crate::Sandbox::tls_certificate_pem)
//! as an extra root (`ClientBuilder::add_root_certificate_pem`), which
//! [`Sandbox::client_builder`](crate::Sandbox::client_builder) does.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use tokio_rustls::TlsAcceptor;
use wxpay_core::crypto::{Certificate, CryptoError, PrivateKey};

use crate::SandboxError;

/// The names the certificate is valid for.
pub const TLS_HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

/// A certificate and its key.
pub(crate) struct Identity {
    pub(crate) certificate: Certificate,
    key: PrivateKey,
}

/// The process's TLS identity (RSA key generation is slow: done once).
pub(crate) fn identity() -> Result<&'static Identity, CryptoError> {
    static CELL: OnceLock<Result<Identity, CryptoError>> = OnceLock::new();
    CELL.get_or_init(|| {
        let key = PrivateKey::generate()?;
        let now = SystemTime::now();
        let certificate = Certificate::self_signed_tls(
            &key,
            &TLS_HOSTS,
            now - Duration::from_secs(3600),
            now + Duration::from_secs(365 * 86_400),
        )?;
        Ok(Identity { certificate, key })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A TLS acceptor offering HTTP/2 and HTTP/1.1 by ALPN.
pub(crate) fn acceptor(identity: &Identity) -> Result<TlsAcceptor, SandboxError> {
    let tls = |e: &dyn std::fmt::Display| SandboxError::Config(format!("TLS: {e}"));
    let cert = identity.certificate.to_der()?;
    let key = identity.key.to_pkcs8_der()?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Clients may present a certificate (APIv2's mutual TLS, see `v2/mtls.rs`).
    let clients = Arc::new(crate::v2::mtls::AnyClientCertificate::new(provider.clone()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_client_cert_verifier(clients)
        .with_single_cert(
            vec![cert.into()],
            rustls::pki_types::PrivatePkcs8KeyDer::from(key).into(),
        )
        .map_err(|e| tls(&e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
