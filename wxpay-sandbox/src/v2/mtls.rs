//! Mutual TLS for the v2 operations that require the merchant's API
//! certificate: the handshake asks for a client certificate (optionally)
//! and checks only that the client holds its key; the route compares the
//! certificate with the merchant's.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use wxpay_core::crypto::Certificate;

use super::V2Reply;
use crate::server::Shared;

/// What the server knows of a connection when a request arrives on it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connection {
    /// Whether the connection is TLS.
    pub(crate) tls: bool,
    /// The client's end-entity certificate (DER), when it presented one.
    pub(crate) peer_certificate: Option<Arc<Vec<u8>>>,
}

impl Connection {
    /// The connection of a finished TLS handshake.
    pub(crate) fn of_tls(session: &rustls::ServerConnection) -> Self {
        Connection {
            tls: true,
            peer_certificate: session
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|cert| Arc::new(cert.as_ref().to_vec())),
        }
    }
}

/// Asks for a client certificate without requiring one, and accepts any
/// chain whose end-entity key signed the handshake: whether it is the
/// merchant's is the route's question.
#[derive(Debug)]
pub(crate) struct AnyClientCertificate {
    provider: Arc<CryptoProvider>,
}

impl AnyClientCertificate {
    pub(crate) fn new(provider: Arc<CryptoProvider>) -> Self {
        AnyClientCertificate { provider }
    }
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Refuses a mutual-TLS operation unless the connection presented the
/// merchant's API certificate (or plain HTTP is allowed through).
pub(crate) fn check(
    shared: &Shared,
    connection: Option<&Connection>,
    mchid: &str,
) -> Result<(), V2Reply> {
    let connection = connection.cloned().unwrap_or_default();
    if !connection.tls {
        return if shared.state().v2.mutual_tls_over_http {
            Ok(())
        } else {
            Err(V2Reply::fail(
                "certificate error: this operation requires mutual TLS with the merchant's API certificate, and the connection is plain HTTP",
            ))
        };
    }
    let Some(der) = connection.peer_certificate else {
        return Err(V2Reply::fail(
            "certificate error: this operation requires the merchant's API certificate, and the connection presented none",
        ));
    };
    let presented = openssl::x509::X509::from_der(&der)
        .and_then(|x| x.to_pem())
        .ok()
        .and_then(|pem| Certificate::from_pem(&pem).ok());
    let merchant = shared.merchant(mchid);
    let matches = match (presented, merchant) {
        (Some(cert), Some(m)) => {
            cert.serial() == m.serial
                && cert.public_key().to_pem().ok().is_some()
                && cert.public_key().to_pem().ok() == m.public_key.to_pem().ok()
        }
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(V2Reply::fail(format!(
            "certificate error: the presented certificate is not the API certificate of merchant {mchid}"
        )))
    }
}
