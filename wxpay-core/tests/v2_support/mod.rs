//! A small APIv2 peer for the v2 tests: a loopback HTTP/1.1 server (plain,
//! or TLS that may demand a client certificate) whose answers a closure
//! makes from the request's path and body, and helpers to sign fields.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use wxpay_core::crypto::{Certificate, PrivateKey};
use wxpay_core::v2::{SignType, V2Key, sign, xml};

pub const MCHID: &str = "1900000109";
pub const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const KEY: &str = "sandboxV2Key0123456789abcdefABCD";
pub const MERCHANT_CERT: &str = include_str!("../../../tests/fixtures/merchant_cert.pem");
pub const MERCHANT_KEY: &str = include_str!("../../../tests/fixtures/merchant_key.pem");

pub fn key() -> V2Key {
    V2Key::new(KEY).unwrap()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `fields` plus `sign` (and `sign_type` when not MD5), as XML.
pub fn signed_xml(mut fields: Vec<(String, String)>, sign_type: SignType) -> String {
    if sign_type != SignType::Md5 {
        fields.push(("sign_type".into(), sign_type.as_str().into()));
    }
    let sign = sign::sign(&fields, &key(), sign_type);
    fields.push(("sign".into(), sign));
    xml::write(&fields)
}

/// The `Request-ID` the server answers its `number`th request (from 1)
/// with.
pub fn request_id(number: usize) -> String {
    format!("v2-peer-{number}")
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client certificate presented on the TLS connection (DER).
    pub client_cert: Option<Vec<u8>>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn fields(&self) -> Vec<(String, String)> {
        xml::parse(&self.body).unwrap()
    }
}

type Handler = dyn Fn(&Seen) -> (u16, Vec<u8>) + Send + Sync;

pub struct Server {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// The server's certificate (TLS servers), for the client to trust.
    pub cert_pem: Option<Vec<u8>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A plain HTTP server.
pub async fn plain(handler: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static) -> Server {
    start(
        None,
        Arc::new(move |seen: &Seen| {
            let (status, body) = handler(seen);
            (status, body.into_bytes())
        }),
    )
    .await
}

/// A plain HTTP server answering bytes.
pub async fn plain_bytes(
    handler: impl Fn(&Seen) -> (u16, Vec<u8>) + Send + Sync + 'static,
) -> Server {
    start(None, Arc::new(handler)).await
}

/// A TLS server for `localhost`; with `require_client_cert`, the handshake
/// fails unless the client presents a certificate whose key signs it.
pub async fn tls(
    require_client_cert: bool,
    handler: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static,
) -> Server {
    let key = PrivateKey::generate().unwrap();
    let now = std::time::SystemTime::now();
    let cert = Certificate::self_signed_tls(
        &key,
        &["localhost"],
        now - std::time::Duration::from_secs(60),
        now + std::time::Duration::from_secs(3600),
    )
    .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        builder.with_client_cert_verifier(Arc::new(AnyClientCert(provider)))
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(
            vec![cert.to_der().unwrap().into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.to_pkcs8_der().unwrap().into()),
        )
        .unwrap();
    let handler = move |seen: &Seen| {
        let (status, body): (u16, String) = handler(seen);
        (status, body.into_bytes())
    };
    let mut server = start(Some(Arc::new(config)), Arc::new(handler)).await;
    server.cert_pem = Some(cert.to_pem().unwrap());
    server
}

async fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = match &tls {
        Some(_) => format!("https://localhost:{}", addr.port()),
        None => format!("http://127.0.0.1:{}", addr.port()),
    };
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let record = record.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => serve(tcp, None, &*handler, &record).await,
                    Some(config) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(config);
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let cert = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|c| c.first())
                            .map(|c| c.as_ref().to_vec());
                        serve(stream, cert, &*handler, &record).await;
                    }
                }
            });
        }
    });
    Server {
        url,
        seen,
        cert_pem: None,
    }
}

/// Serves requests on one connection until it closes.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    client_cert: Option<Vec<u8>>,
    handler: &Handler,
    record: &Mutex<Vec<Seen>>,
) {
    let mut buffer = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap().to_owned();
        let path = request_line.next().unwrap().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buffer[head_end..head_end + length].to_vec();
        buffer.drain(..head_end + length);
        let seen = Seen {
            method,
            path,
            headers,
            body,
            client_cert: client_cert.clone(),
        };
        let (status, answer) = handler(&seen);
        let number = {
            let mut record = record.lock().unwrap();
            record.push(seen);
            record.len()
        };
        let mut response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nRequest-ID: {}\r\n\r\n",
            answer.len(),
            request_id(number),
        )
        .into_bytes();
        response.extend_from_slice(&answer);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Demands a client certificate and checks the handshake's signature with
/// its key; accepts any certificate (the test checks which one came).
#[derive(Debug)]
struct AnyClientCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::server::danger::ClientCertVerifier for AnyClientCert {
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
