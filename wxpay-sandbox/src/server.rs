//! The HTTP server: accept loop, the platform's request checks, signing of answers.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use wxpay_core::crypto::base64_decode;
use wxpay_core::protocol::{
    Authorization, SCHEME, SignatureHeaders, header, request_message, response_message,
};
use wxpay_core::verify::check_skew;

use crate::error_code::ErrorCode;
use crate::faults::{AnswerBody, Fault, FaultRule};
use crate::keys::{Merchant, SigningKey};
use crate::lock::Recover;
use crate::relations::Relations;
use crate::reply::Reply;
use crate::router::{Route, Router, SandboxRequest, parse_query};
use crate::state::State;
use crate::time::now_unix;

/// Largest request body the sandbox reads.
const MAX_BODY: usize = 8 << 20;

pub(crate) type Body = AnswerBody;

/// How many authenticated requests [`Shared::seen`] remembers.
const SEEN_CAPACITY: usize = 1024;

/// An authenticated request as the sandbox saw it: what tests use to check
/// that every attempt of a client was signed anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// The `nonce_str` of its `Authorization` header.
    pub nonce: String,
    /// The `timestamp` of its `Authorization` header.
    pub timestamp: i64,
    /// The `Request-ID` the sandbox answered with.
    pub request_id: String,
}

/// Why the server drops a connection instead of answering (a fault).
#[derive(Debug)]
pub(crate) struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a sandbox fault")
    }
}

impl std::error::Error for Abort {}

/// The platform's keys, which one answers by default, and which
/// certificates were rotated out (see `platform.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Platform {
    pub(crate) keys: Vec<SigningKey>,
    pub(crate) default_serial: String,
    /// Certificates replaced by a newer one: still listed and still
    /// decrypting until removed, but no longer signing.
    pub(crate) retired: Vec<String>,
}

impl Platform {
    /// The key named by the request's `Wechatpay-Serial` when it still
    /// signs, else the default one.
    pub(crate) fn signer_for(&self, requested: Option<&str>) -> Option<&SigningKey> {
        requested
            .filter(|s| !self.retired.iter().any(|r| r == s))
            .and_then(|s| self.keys.iter().find(|k| k.serial == s))
            .or_else(|| self.keys.iter().find(|k| k.serial == self.default_serial))
            .or_else(|| self.keys.first())
    }
}

/// Everything the server and the routes share.
pub(crate) struct Shared {
    pub(crate) merchants: RwLock<HashMap<String, Merchant>>,
    pub(crate) platform: RwLock<Platform>,
    pub(crate) router: RwLock<Router>,
    pub(crate) control: Router,
    pub(crate) state: Mutex<State>,
    /// Appids and sub-merchants of the merchants (`relations.rs`).
    pub(crate) relations: RwLock<Relations>,
    pub(crate) faults: Mutex<Vec<FaultRule>>,
    /// Seconds added to the clock the answers are signed with.
    pub(crate) clock_offset: AtomicI64,
    request_seq: AtomicU64,
    /// Requests seen per route template (`METHOD template`), for tests.
    pub(crate) hits: Mutex<HashMap<String, u64>>,
    /// The last [`SEEN_CAPACITY`] authenticated requests.
    pub(crate) seen: Mutex<VecDeque<SeenRequest>>,
    /// Faults applied so far, by [`Fault::kind`].
    pub(crate) faults_applied: Mutex<HashMap<&'static str, u64>>,
    pub(crate) base_url: RwLock<String>,
    /// In TLS mode, the server certificate (PEM).
    pub(crate) tls_certificate_pem: RwLock<Option<String>>,
    /// Notification delivery (`notify.rs`).
    pub(crate) notifier: crate::notify::Notifier,
}

impl Shared {
    /// The platform's clock: now, shifted by the clock offset, in Unix seconds.
    pub(crate) fn unix_now(&self) -> i64 {
        now_unix().saturating_add(self.clock_offset.load(Ordering::Relaxed))
    }

    /// The platform's clock as a time: what request timestamps are checked against.
    pub(crate) fn clock(&self) -> std::time::SystemTime {
        let offset = self.clock_offset.load(Ordering::Relaxed);
        let shift = std::time::Duration::from_secs(offset.unsigned_abs());
        let now = std::time::SystemTime::now();
        if offset >= 0 {
            now.checked_add(shift)
        } else {
            now.checked_sub(shift)
        }
        .unwrap_or(now)
    }

    pub(crate) fn new(
        merchants: Vec<Merchant>,
        platform: Platform,
        router: Router,
        control: Router,
    ) -> Self {
        let relations = Relations::defaults(merchants.iter().map(|m| m.mchid.as_str()));
        Shared {
            merchants: RwLock::new(
                merchants
                    .into_iter()
                    .map(|m| (m.mchid.clone(), m))
                    .collect(),
            ),
            platform: RwLock::new(platform),
            router: RwLock::new(router),
            control,
            state: Mutex::new(State::default()),
            relations: RwLock::new(relations),
            faults: Mutex::new(Vec::new()),
            clock_offset: AtomicI64::new(0),
            request_seq: AtomicU64::new(0),
            hits: Mutex::new(HashMap::new()),
            seen: Mutex::new(VecDeque::with_capacity(SEEN_CAPACITY)),
            faults_applied: Mutex::new(HashMap::new()),
            base_url: RwLock::new(String::new()),
            tls_certificate_pem: RwLock::new(None),
            notifier: crate::notify::Notifier::default(),
        }
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().recover()
    }

    pub(crate) fn relations(&self) -> std::sync::RwLockReadGuard<'_, Relations> {
        self.relations.read().recover()
    }

    pub(crate) fn merchant(&self, mchid: &str) -> Option<Merchant> {
        self.merchants.read().recover().get(mchid).cloned()
    }

    pub(crate) fn platform(&self) -> Platform {
        self.platform.read().recover().clone()
    }

    fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        format!("08{:010X}{:016X}", now_unix(), n)
    }

    fn take_fault(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut rules = self.faults.lock().recover();
        let fault = rules
            .iter_mut()
            .find_map(|r| r.take(method, path).then(|| r.fault.clone()));
        rules.retain(|r| !r.is_spent());
        drop(rules);
        if let Some(f) = &fault {
            *self
                .faults_applied
                .lock()
                .recover()
                .entry(f.kind())
                .or_insert(0) += 1;
        }
        fault
    }

    fn remember(&self, request: SeenRequest) {
        let mut seen = self.seen.lock().recover();
        if seen.len() == SEEN_CAPACITY {
            seen.pop_front();
        }
        seen.push_back(request);
    }
}

/// Runs the accept loop until `shutdown` changes; with `tls`, every
/// connection is a TLS one (ALPN `h2` or `http/1.1`).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            // A second handle on the socket, so that a `reset` fault can set
            // SO_LINGER 0 on it once hyper has let go of the connection.
            let socket = socket2::SockRef::from(&stream).try_clone().ok();
            let reset = Arc::new(ResetSwitch::default());
            let served = async {
                match tls {
                    None => {
                        let connection = crate::v2::Connection::default();
                        serve_io(stream, shared, reset.clone(), connection).await
                    }
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                        if let Ok(Ok(stream)) = handshake.await {
                            let connection = crate::v2::Connection::of_tls(stream.get_ref().1);
                            serve_io(stream, shared, reset.clone(), connection).await;
                        }
                    }
                }
            };
            tokio::select! {
                _ = served => {}
                _ = reset.pulled.notified() => {}
                _ = shutdown.changed() => {}
            }
            if let (true, Some(socket)) = (reset.is_pulled(), socket) {
                // Closing the last handle with a zero linger sends RST.
                let _ = socket.set_linger(Some(Duration::ZERO));
            }
        });
    }
}

/// Lets a `reset` fault end its whole connection (all HTTP/2 streams too).
#[derive(Default)]
pub(crate) struct ResetSwitch {
    is_pulled: AtomicBool,
    pulled: tokio::sync::Notify,
}

impl ResetSwitch {
    fn pull(&self) {
        self.is_pulled.store(true, Ordering::Relaxed);
        self.pulled.notify_one();
    }

    fn is_pulled(&self) -> bool {
        self.is_pulled.load(Ordering::Relaxed)
    }
}

/// Serves HTTP/1.1 or HTTP/2 on one connection; each request carries
/// what is known of the connection (for APIv2's mutual TLS).
async fn serve_io<I>(
    io: I,
    shared: Arc<Shared>,
    reset: Arc<ResetSwitch>,
    connection: crate::v2::Connection,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let shared = shared.clone();
        let reset = reset.clone();
        req.extensions_mut().insert(connection.clone());
        async move { handle(shared, req, &reset).await }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// Binds `addr`, returning the listener and its actual address.
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// One exchange, start to end: the answer, then what a connection-level
/// fault does to it (delay it, withhold it, drop or reset the connection).
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    reset: &ResetSwitch,
) -> Result<Response<Body>, Abort> {
    let mut fault = None;
    let response = answer(shared, req, &mut fault).await;
    match fault {
        Some(Fault::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::Hang) => std::future::pending::<()>().await,
        Some(Fault::CloseBeforeHeaders) => return Err(Abort),
        Some(Fault::Reset) => {
            // The connection task drops the whole connection with a zero
            // linger; answering nothing here keeps HTTP/2 from resetting
            // only this stream first.
            reset.pull();
            std::future::pending::<()>().await;
        }
        _ => {}
    }
    Ok(response)
}

/// Checks, routes and answers one request; `fault` receives the fault that
/// applied to it, if any (answer-level faults are already in the answer).
async fn answer(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    fault: &mut Option<Fault>,
) -> Response<Body> {
    let request_id = shared.next_request_id();
    let (parts, body) = req.into_parts();
    let connection = parts.extensions.get::<crate::v2::Connection>().cloned();
    let requested_serial = parts
        .headers
        .get(header::WECHATPAY_SERIAL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let finish = |reply: Reply, fault: Option<Fault>| {
        let platform = shared.platform();
        let clock = shared.unix_now();
        respond(
            reply,
            &request_id,
            platform.signer_for(requested_serial.as_deref()),
            clock,
            fault,
        )
    };
    let (request, path_and_query) = match read(parts, body).await {
        Ok(read) => read,
        Err(reply) => return finish(reply, None),
    };
    // The control plane: unauthenticated, unsigned, for tests and tools.
    if request.path.starts_with("/sandbox/") {
        return plain(control(&shared, request).await, &request_id);
    }
    if let Some(reply) = crate::v2::answer(&shared, &request, connection.as_ref()) {
        return finish(reply, None);
    }
    let (route, request) = match admit(&shared, request, &path_and_query, &request_id) {
        Ok(admitted) => admitted,
        Err(reply) => return finish(reply, None),
    };
    *fault = shared.take_fault(&request.method, &request.path);
    if let Some(Fault::Status {
        status,
        code,
        signed,
    }) = fault
    {
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut reply = Reply::error(status, code, "injected by the sandbox");
        reply.signed = *signed;
        return finish(reply, None);
    }
    let reply = (route.handler)(shared.clone(), request).await;
    finish(reply, fault.clone())
}

/// Reads the body (up to [`MAX_BODY`]) and parses the query: the request
/// as a route sees it, not yet authenticated, and the path and query the
/// signature covers.
async fn read(
    parts: http::request::Parts,
    body: Incoming,
) -> Result<(SandboxRequest, String), Reply> {
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|_| {
            ErrorCode::ParamError
                .reply("the body is too large or was cut")
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        })?
        .to_bytes();
    let path = parts.uri.path().to_owned();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let query = parse_query(parts.uri.query().unwrap_or(""))
        .ok_or_else(|| ErrorCode::ParamError.reply("malformed percent-escape in the query"))?;
    let request = SandboxRequest {
        method: parts.method,
        path,
        params: Vec::new(),
        query,
        headers: parts.headers,
        body,
        mchid: String::new(),
    };
    Ok((request, path_and_query))
}

/// Answers a control-plane request.
async fn control(shared: &Arc<Shared>, mut request: SandboxRequest) -> Reply {
    let Some((route, params)) = shared.control.find(&request.method, &request.path) else {
        let (method, path) = (&request.method, &request.path);
        return ErrorCode::NotFound.reply(format!("no sandbox control route {method} {path}"));
    };
    request.params = params;
    (route.handler)(shared.clone(), request).await
}

/// The platform's checks before an API route runs: a `User-Agent`, the
/// `Authorization` signature (remembered in [`Shared::seen`]), a JSON (or
/// multipart) body, a route for the method and path (counted in
/// [`Shared::hits`]). Returns the route and the request, now naming the
/// merchant that signed it and its path parameters.
fn admit(
    shared: &Shared,
    mut request: SandboxRequest,
    path_and_query: &str,
    request_id: &str,
) -> Result<(Route, SandboxRequest), Reply> {
    if request.headers.get(USER_AGENT).is_none_or(|v| v.is_empty()) {
        return Err(ErrorCode::InvalidRequest.reply("a User-Agent header is required"));
    }
    if !accepts_json(&request.headers) {
        return Err(ErrorCode::InvalidRequest
            .reply("an Accept header accepting application/json is required"));
    }
    let signed = signed_body(&request.headers, &request.body)?;
    let auth = authenticate(
        shared,
        &request.method,
        &request.headers,
        path_and_query,
        signed,
    )?;
    shared.remember(SeenRequest {
        method: request.method.to_string(),
        path: path_and_query.to_owned(),
        nonce: auth.nonce,
        timestamp: auth.timestamp,
        request_id: request_id.to_owned(),
    });
    request.mchid = auth.mchid;
    let json_or_form = request
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("multipart/form-data"));
    if !request.body.is_empty() && !json_or_form {
        return Err(ErrorCode::InvalidRequest.reply("Content-Type must be application/json"));
    }
    let found = shared
        .router
        .read()
        .recover()
        .find(&request.method, &request.path)
        .map(|(route, params)| (route.clone(), params));
    let Some((route, params)) = found else {
        let (method, path) = (&request.method, &request.path);
        return Err(ErrorCode::NotFound.reply(format!("no such API: {method} {path}")));
    };
    *shared
        .hits
        .lock()
        .recover()
        .entry(format!("{} {}", route.method, route.template))
        .or_insert(0) += 1;
    request.params = params;
    Ok((route, request))
}

/// Who signed a request, and with which nonce and timestamp.
pub(crate) struct Authenticated {
    pub(crate) mchid: String,
    pub(crate) nonce: String,
    pub(crate) timestamp: i64,
}

/// The bytes the request signature covers: the body, or for a multipart
/// upload its `meta` part (PROTOCOL §2).
fn signed_body<'b>(headers: &http::HeaderMap, body: &'b [u8]) -> Result<&'b [u8], Reply> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !crate::multipart::is_multipart(content_type) {
        return Ok(body);
    }
    let form = crate::multipart::parse(content_type, body)
        .map_err(|e| ErrorCode::ParamError.reply(e.to_string()))?;
    form.part("meta").map(|p| p.body).ok_or_else(|| {
        ErrorCode::ParamError
            .reply("the multipart body has no `meta` part, which the signature covers")
    })
}

/// Whether `Accept` names JSON (or any type), as every API request must.
fn accepts_json(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|range| range.split(';').next().unwrap_or_default().trim())
        .any(|range| {
            range.eq_ignore_ascii_case("application/json")
                || range == "*/*"
                || range.eq_ignore_ascii_case("application/*")
        })
}

/// Checks the `Authorization` header like the platform: known merchant and
/// certificate serial, fresh timestamp, valid signature over the exact bytes.
pub(crate) fn authenticate(
    shared: &Shared,
    method: &Method,
    headers: &http::HeaderMap,
    path_and_query: &str,
    body: &[u8],
) -> Result<Authenticated, Reply> {
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ErrorCode::SignError.reply("the Authorization header is missing"))?
        .to_str()
        .map_err(|_| ErrorCode::SignError.reply("the Authorization header is not ASCII"))?;
    let auth = Authorization::parse(header)
        .map_err(|e| ErrorCode::SignError.reply(format!("malformed Authorization: {e}")))?;
    let merchant = shared
        .merchant(auth.mchid)
        .ok_or_else(|| ErrorCode::SignError.reply(format!("unknown merchant {}", auth.mchid)))?;
    if auth.serial_no != merchant.serial {
        return Err(ErrorCode::SignError.reply(format!(
            "serial_no {} is not a certificate of merchant {}",
            auth.serial_no, merchant.mchid
        )));
    }
    check_skew(
        auth.timestamp,
        shared.clock(),
        wxpay_core::verify::DEFAULT_MAX_SKEW,
    )
    .map_err(|e| ErrorCode::SignError.reply(format!("timestamp refused: {e}")))?;
    let timestamp: i64 = auth
        .timestamp
        .parse()
        .map_err(|_| ErrorCode::SignError.reply("malformed timestamp"))?;
    let message = request_message(
        method.as_str(),
        path_and_query,
        timestamp,
        auth.nonce_str,
        body,
    );
    let signature = base64_decode(auth.signature)
        .map_err(|_| ErrorCode::SignError.reply("the signature is not base64"))?;
    if !merchant.public_key.verify(&message, &signature) {
        return Err(ErrorCode::SignError.reply("the signature does not verify"));
    }
    Ok(Authenticated {
        mchid: merchant.mchid,
        nonce: auth.nonce_str.to_owned(),
        timestamp,
    })
}

/// Turns a reply into a signed response, applying an answer-level fault.
fn respond(
    reply: Reply,
    request_id: &str,
    signer: Option<&SigningKey>,
    clock: i64,
    fault: Option<Fault>,
) -> Response<Body> {
    let (status, mut body) = match fault.as_ref().and_then(Fault::replacement_body) {
        Some(spoiled) => (StatusCode::OK, spoiled.to_vec()),
        None => (reply.status, reply.body.to_vec()),
    };
    let mut builder = Response::builder()
        .status(status)
        .header(header::REQUEST_ID, request_id);
    if !body.is_empty() && !reply.headers.iter().any(|(name, _)| name == CONTENT_TYPE) {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    let signed = reply.signed && fault != Some(Fault::Unsigned);
    if let (true, Some(signer)) = (signed, signer) {
        let timestamp = match &fault {
            Some(Fault::SkewTimestamp { seconds }) => clock + seconds,
            _ => clock,
        };
        let timestamp = timestamp.to_string();
        let nonce = wxpay_core::protocol::Nonce::generate()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let message = response_message(&timestamp, &nonce, &body);
        let mut signature = signer.private_key.sign(&message).unwrap_or_default();
        let mut serial = signer.serial.clone();
        match &fault {
            Some(Fault::TamperBody) => match body.iter().position(|b| b.is_ascii_alphanumeric()) {
                Some(i) => {
                    if let Some(b) = body.get_mut(i) {
                        *b = if *b == b'x' { b'y' } else { b'x' };
                    }
                }
                None => body.extend_from_slice(b" "),
            },
            Some(Fault::UnknownSerial { serial: s }) => serial = s.clone(),
            Some(Fault::BadSignature) => {
                signature = signer
                    .private_key
                    .sign(b"not the message")
                    .unwrap_or_default();
            }
            _ => {}
        }
        let signed = SignatureHeaders {
            timestamp: &timestamp,
            nonce: &nonce,
            signature: &signature,
            serial: &serial,
            signature_type: Some(SCHEME),
        };
        if let Some(headers) = builder.headers_mut() {
            let _ = signed.write_to(headers);
        }
    }
    builder
        .body(AnswerBody::shaped(Bytes::from(body), fault.as_ref()))
        .unwrap_or_else(|_| Response::new(AnswerBody::full(Bytes::new())))
}

/// An unsigned answer (control routes).
fn plain(reply: Reply, request_id: &str) -> Response<Body> {
    let mut builder = Response::builder()
        .status(reply.status)
        .header(header::REQUEST_ID, request_id);
    if !reply.body.is_empty() {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    builder
        .body(AnswerBody::full(reply.body))
        .unwrap_or_else(|_| Response::new(AnswerBody::full(Bytes::new())))
}
