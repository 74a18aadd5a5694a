//! The other half of the limit: a bare hyper client sending the same
//! requests, with no signing or verification on the measured path.
//!
//! It is built as `HyperTransport` builds its client (hyper-util's pooled
//! client over hyper-rustls, `TCP_NODELAY`, the same idle timeout and idle
//! connections per host) and sends the bytes `Client` sends: the same
//! method, URI, headers and JSON body. Its requests are signed before the
//! measured window opens (the sandbox checks every signature, and a
//! rejected request would be a different exchange), so the sandbox does
//! for it exactly what it does for the client, and the answer is read whole
//! but not verified or decoded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use wxpay::Endpoint;
use wxpay::crypto::{PrivateKey, PublicKey};
use wxpay::protocol::header::WECHATPAY_SERIAL;
use wxpay::protocol::{Nonce, unix_seconds};
use wxpay::v3::pay::transactions::JsapiWithContract;

/// One request as the client would send it, signature included.
pub struct Prepared {
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// A pooled hyper client configured as `HyperTransport` configures its own.
#[derive(Clone)]
pub struct Bare {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// When set, every request also runs the floor's two RSA operations
    /// inline (see [`Bare::with_rsa`]).
    rsa: Option<Arc<Rsa>>,
}

/// The floor's operations, done inline by [`Bare::with_rsa`].
pub struct Rsa {
    pub key: PrivateKey,
    pub public: PublicKey,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Bare {
    /// The client; `root` is the sandbox's certificate when it serves TLS.
    pub fn new(root: Option<&[u8]>, pool_max_idle_per_host: usize) -> Result<Bare, String> {
        let mut roots = rustls::RootCertStore::empty();
        if let Some(pem) = root {
            let der = openssl::x509::X509::from_pem(pem)
                .and_then(|c| c.to_der())
                .map_err(|e| e.to_string())?;
            roots.add(der.into()).map_err(|e| e.to_string())?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(7))
            .pool_max_idle_per_host(pool_max_idle_per_host)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Ok(Bare { client, rsa: None })
    }

    /// The same client, also signing and verifying the floor's message
    /// before each request (the limit measured in place: the two RSA
    /// operations between exchanges rather than back to back).
    pub fn with_rsa(&self, rsa: Rsa) -> Bare {
        Bare {
            client: self.client.clone(),
            rsa: Some(Arc::new(rsa)),
        }
    }

    /// Sends one request and reads its whole answer; only the status is
    /// looked at.
    async fn send(&self, prepared: Prepared) -> Result<(), String> {
        if let Some(rsa) = &self.rsa {
            let signature = rsa
                .key
                .sign(std::hint::black_box(&rsa.message))
                .map_err(|e| e.to_string())?;
            std::hint::black_box(signature);
            if !rsa
                .public
                .verify(std::hint::black_box(&rsa.message), &rsa.signature)
            {
                return Err("the floor's signature does not verify".into());
            }
        }
        let mut request = Request::new(Full::new(prepared.body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = prepared.uri;
        *request.headers_mut() = prepared.headers;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        std::hint::black_box(body);
        Ok(())
    }
}

impl Bare {
    /// POSTs an empty body to the sandbox's unsigned control plane.
    pub async fn control_post(&self, uri: &str) -> Result<(), String> {
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri
            .parse()
            .map_err(|e: http::uri::InvalidUri| e.to_string())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if !status.is_success() {
            return Err(format!(
                "{uri}: {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(())
    }
}

/// What the requests share: where they go and who signs them.
pub struct Signer<'a> {
    pub base_url: &'a str,
    pub credentials: &'a wxpay::Credentials,
    pub serial: &'a str,
}

/// The `User-Agent` the client sends (without a suffix).
fn user_agent() -> String {
    format!(
        "{} ({}; {})",
        wxpay::client::USER_AGENT_PRODUCT,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Signs `orders` now, each with a fresh nonce, as `Client` would.
pub fn prepare(
    signer: &Signer<'_>,
    orders: Vec<JsapiWithContract>,
) -> Result<Vec<Prepared>, String> {
    let user_agent = HeaderValue::from_str(&user_agent()).map_err(|e| e.to_string())?;
    let serial = HeaderValue::from_str(signer.serial).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(orders.len());
    for order in orders {
        let mut path = String::new();
        order
            .write_path_and_query(&mut path)
            .map_err(|e| e.to_string())?;
        let body = order.body().map_err(|e| e.to_string())?;
        let body = Bytes::copy_from_slice(body.signed_bytes());
        let nonce = Nonce::generate().map_err(|e| e.to_string())?;
        let authorization = signer
            .credentials
            .authorization(
                "POST",
                &path,
                &body,
                unix_seconds(SystemTime::now()),
                &nonce,
            )
            .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::with_capacity(8);
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(&authorization).map_err(|e| e.to_string())?,
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(http::header::USER_AGENT, user_agent.clone());
        headers.insert(WECHATPAY_SERIAL, serial.clone());
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let uri = format!("{}{path}", signer.base_url)
            .parse()
            .map_err(|e: http::uri::InvalidUri| e.to_string())?;
        out.push(Prepared { uri, headers, body });
    }
    Ok(out)
}

/// Sends `requests` with `concurrency` workers; returns each request's
/// latency and the number of errors.
pub async fn drive(
    bare: &Bare,
    requests: Vec<Prepared>,
    concurrency: usize,
) -> (Vec<Duration>, usize) {
    let queue = Arc::new(Mutex::new(requests.into_iter()));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (bare, queue) = (bare.clone(), queue.clone());
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.next());
                let Some(request) = next else {
                    return (latencies, errors);
                };
                let started = Instant::now();
                match bare.send(request).await {
                    Ok(()) => latencies.push(started.elapsed()),
                    Err(e) => {
                        if errors == 0 {
                            eprintln!("bare request failed: {e}");
                        }
                        errors += 1;
                    }
                }
            }
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for worker in workers {
        if let Ok((latencies, e)) = worker.await {
            all.extend(latencies);
            errors += e;
        }
    }
    (all, errors)
}
