//! Notification delivery: the sandbox POSTs signed, encrypted notifications
//! to `notify_url`s, as the platform does, and records what the receiver
//! answered.
//!
//! # When
//!
//! | the sandbox… | event | resource (`original_type`) | to |
//! |---|---|---|---|
//! | pays an order ([`Sandbox::pay_order`]) | `TRANSACTION.SUCCESS` | the order as the order query reports it (`transaction`) | the order's `notify_url` |
//! | settles a refund ([`Sandbox::settle_refund`]) | `REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL` | the refund notification resource (`refund`) | the refund's `notify_url`, else [`SandboxBuilder::refund_notify_url`] |
//! | signs a contract (by the user, or by paying an order placed under a pending one) | `PAPAY.SIGN` | the contract as the contract query reports it (`papay`) | the pre-sign request's `notify_url` |
//! | terminates a contract through the API | `PAPAY.TERMINATE` | the same (`papay`) | the same |
//!
//! The contract events and their resource are this sandbox's choice (the
//! endpoint spec does not describe the password-free contract
//! notifications). A service provider's order or refund is notified to the
//! service provider, encrypted with its APIv3 key.
//!
//! # How
//!
//! Each notification is a JSON envelope (`id`, `create_time`,
//! `event_type`, `resource_type`, `summary`, `resource` encrypted with
//! `AEAD_AES_256_GCM` under the receiving merchant's APIv3 key), signed
//! like an answer (`Wechatpay-Timestamp`, `-Nonce`, `-Signature`,
//! `-Serial`, `-Signature-Type`, plus `Request-ID`) with the key that signs
//! answers by default, at the time of each attempt (the body stays the
//! same; the signature is fresh). [`Sandbox::set_clock_offset`] shifts
//! those timestamps too.
//!
//! A 2xx answer accepts it. Anything else (another status, a connection
//! failure, no answer within 5 s) is retried on the platform's schedule,
//! [`RETRY_SCHEDULE`]: 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min,
//! 30 min, 30 min, 60 min, 3 h, 3 h, 3 h, 6 h, 6 h after the attempt before.
//! [`SandboxBuilder::notify_time_scale`] shrinks it so tests run in seconds
//! (`0.01`: the first retry after 150 ms). Deliveries run in background
//! tasks: they never hold up an API answer, and they stop when the sandbox
//! is dropped.
//!
//! # Where
//!
//! Like the platform, the sandbox only accepts `https` notification URLs
//! without a query. To deliver to a local receiver, set a delivery target
//! ([`SandboxBuilder::notify_target`], [`Sandbox::set_notify_target`],
//! `--notify-target`): `http://127.0.0.1:8080` turns
//! `https://shop.example.com/wxpay/notify` into
//! `http://127.0.0.1:8080/wxpay/notify` (scheme, host and port replaced,
//! path kept). Deliveries go over plain HTTP: without a target, an `https`
//! URL is recorded as a failed attempt saying so.
//!
//! # Probes and records
//!
//! [`Sandbox::send_probe`] sends a notification signed
//! `WECHATPAY/SIGNTEST/…`, once: a receiver must refuse it. Every
//! notification and attempt is kept (the newest 1 000 notifications) as a
//! [`NotificationRecord`]: [`Sandbox::notifications`],
//! [`Sandbox::wait_for_notification`], `GET /sandbox/notifications`.
//! [`Sandbox::redeliver`] sends one again, same `id` and body, as the
//! platform does when an acknowledgement was lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::Instant;
use wxpay_core::crypto::ApiV3Key;
use wxpay_core::sign::Nonce;
use wxpay_core::verify::response_message;

use crate::server::Shared;
use crate::state::{Contract, ContractState, Order, Refund, RefundStatus, compact_time};
use crate::time::{format_china, now_unix};
use crate::{Sandbox, SandboxBuilder, SandboxError};

/// The platform's retry schedule: the wait before each retry, counted from
/// the attempt before (about 24 hours in all).
pub const RETRY_SCHEDULE: [Duration; 15] = [
    Duration::from_secs(15),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(3 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(20 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(6 * 3600),
];

/// How long the sandbox waits for a receiver's answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many notifications are kept (the oldest are dropped first).
const MAX_RECORDS: usize = 1000;

/// How much of a receiver's answer body is recorded.
const MAX_ANSWER_BODY: usize = 4096;

/// Where a notification's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Being delivered: an attempt or a retry is to come.
    Pending,
    /// A receiver answered 2xx. (For a probe: it accepted a forged
    /// notification, which is the defect probes look for.)
    Delivered,
    /// Every attempt failed (a probe has only one), or it could not be sent at all.
    Failed,
}

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// 1 for the first attempt.
    pub number: usize,
    /// Where it was sent (after the delivery target was applied).
    pub url: String,
    /// When it was sent (RFC 3339, Beijing time, seconds).
    pub sent_at: String,
    /// Milliseconds from the notification's creation to this attempt.
    pub offset_ms: u64,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// The start of the receiver's answer body (up to 4 KiB, as UTF-8).
    pub body: String,
    /// Why there was no answer (connection refused, timeout, …).
    pub error: Option<String>,
    /// Whether the answer accepted the notification (2xx).
    pub accepted: bool,
}

/// A notification the sandbox sent or is sending, with every attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotificationRecord {
    /// The notification id (`EV-…`), the same on every attempt.
    pub id: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …
    pub event_type: String,
    /// The envelope's `summary`.
    pub summary: String,
    /// The merchant it is for (whose APIv3 key encrypts it).
    pub mchid: String,
    /// The URL the record names (before the delivery target is applied).
    pub notify_url: String,
    /// Whether this is a probe (signed `WECHATPAY/SIGNTEST/…`).
    pub probe: bool,
    /// The resource before encryption (sandbox data, for tests).
    pub resource: Value,
    /// The body sent, exactly (the same on every attempt).
    pub body: String,
    /// Where the delivery stands.
    pub state: DeliveryState,
    /// Why it could not be sent at all, when so.
    pub error: Option<String>,
    /// Every attempt, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    #[serde(skip)]
    created: Option<Instant>,
}

/// Delivery settings of a sandbox; see [`SandboxBuilder::notify_target`]
/// and [`SandboxBuilder::notify_time_scale`].
#[derive(Debug, Clone)]
pub(crate) struct NotifyConfig {
    pub(crate) target: Option<String>,
    pub(crate) time_scale: f64,
    pub(crate) refund_notify_url: Option<String>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            target: None,
            time_scale: 1.0,
            refund_notify_url: None,
        }
    }
}

impl NotifyConfig {
    pub(crate) fn check(&self) -> Result<(), SandboxError> {
        if let Some(target) = &self.target {
            check_target(target)?;
        }
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(SandboxError::Config(format!(
                "the notification time scale must be a positive number, not {}",
                self.time_scale
            )));
        }
        if let Some(url) = &self.refund_notify_url {
            if !crate::validate::is_notify_url(url) {
                return Err(SandboxError::Config(format!(
                    "the refund notification URL {url:?} must be https without a query"
                )));
            }
        }
        Ok(())
    }
}

/// A delivery target: `http://host:port`, nothing else.
fn check_target(target: &str) -> Result<(), SandboxError> {
    let bad = || {
        SandboxError::Config(format!(
            "notification target {target:?} must be http://host:port (scheme, host and port only)"
        ))
    };
    let uri: Uri = target.parse().map_err(|_| bad())?;
    if uri.scheme_str() != Some("http")
        || uri.authority().is_none()
        || !matches!(uri.path(), "" | "/")
        || uri.query().is_some()
    {
        return Err(bad());
    }
    Ok(())
}

/// The URL an attempt goes to: `notify_url` with the target's scheme, host
/// and port when a target is set.
fn resolve(notify_url: &str, target: Option<&str>) -> Result<String, String> {
    let url = match target {
        Some(target) => {
            let uri: Uri = notify_url
                .parse()
                .map_err(|_| format!("notify_url {notify_url:?} is not a URL"))?;
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            format!("{}{path}", target.trim_end_matches('/'))
        }
        None => notify_url.to_owned(),
    };
    if url.starts_with("http://") {
        Ok(url)
    } else {
        Err(format!(
            "the sandbox delivers over plain http: set a delivery target \
             (SandboxBuilder::notify_target, --notify-target) to reach {notify_url}"
        ))
    }
}

/// What a sandbox needs to deliver notifications.
pub(crate) struct Notifier {
    config: RwLock<NotifyConfig>,
    records: Mutex<VecDeque<NotificationRecord>>,
    /// Bumped at every change of a record, for waiters.
    changed: watch::Sender<u64>,
    /// Set when the sandbox is dropped: every delivery stops.
    stop: watch::Sender<bool>,
    /// The runtime to spawn deliveries on and the sandbox they belong to.
    attached: OnceLock<(Handle, Weak<Shared>)>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    seq: AtomicU64,
}

impl Default for Notifier {
    fn default() -> Self {
        let http = HttpClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(5))
            .pool_timer(TokioTimer::new())
            .build_http();
        Notifier {
            config: RwLock::new(NotifyConfig::default()),
            records: Mutex::new(VecDeque::new()),
            changed: watch::channel(0).0,
            stop: watch::channel(false).0,
            attached: OnceLock::new(),
            http,
            seq: AtomicU64::new(0),
        }
    }
}

/// A signed attempt and the URL it goes to.
type Prepared = (Request<Full<Bytes>>, String);

/// What happened to one attempt.
struct Sent {
    url: String,
    status: Option<u16>,
    body: String,
    error: Option<String>,
}

impl Notifier {
    /// Starts delivering for `shared`, on the current runtime.
    pub(crate) fn attach(&self, config: NotifyConfig, shared: Weak<Shared>) {
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        let _ = self.attached.set((Handle::current(), shared));
    }

    /// Stops every delivery (the sandbox is going away).
    pub(crate) fn stop(&self) {
        self.stop.send_replace(true);
    }

    fn config(&self) -> NotifyConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, VecDeque<NotificationRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn touched(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut NotificationRecord)) -> bool {
        let found = match self.records().iter_mut().find(|r| r.id == id) {
            Some(record) => {
                f(record);
                true
            }
            None => false,
        };
        self.touched();
        found
    }

    fn record(&self, id: &str) -> Option<NotificationRecord> {
        self.records().iter().find(|r| r.id == id).cloned()
    }

    fn next_id(&self, now: i64) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 100_000;
        format!("EV-{}{n:05}", compact_time(now))
    }

    /// Builds, stores and starts delivering a notification.
    fn enqueue(&self, shared: &Shared, event: NewEvent) -> String {
        let now = now_unix();
        let id = self.next_id(now);
        let sealed = seal(shared, &event, &id, now);
        let (body, error) = match sealed {
            Ok(body) => (body, None),
            Err(e) => (String::new(), Some(e)),
        };
        let record = NotificationRecord {
            id: id.clone(),
            event_type: event.event_type.to_owned(),
            summary: event.summary.to_owned(),
            mchid: event.mchid,
            notify_url: event.notify_url.unwrap_or_default(),
            probe: event.probe,
            resource: event.resource,
            body,
            state: if error.is_some() {
                DeliveryState::Failed
            } else {
                DeliveryState::Pending
            },
            error: error.clone(),
            attempts: Vec::new(),
            created: Some(Instant::now()),
        };
        {
            let mut records = self.records();
            while records.len() >= MAX_RECORDS {
                records.pop_front();
            }
            records.push_back(record);
        }
        self.touched();
        if error.is_none() {
            self.spawn(&id);
        }
        id
    }

    /// Starts a delivery run (the first attempt now, retries on the
    /// schedule; a probe gets one attempt).
    fn spawn(&self, id: &str) {
        let Some((handle, shared)) = self.attached.get() else {
            self.update(id, |r| {
                r.state = DeliveryState::Failed;
                r.error = Some("the sandbox is not running".into());
            });
            return;
        };
        let probe = self.record(id).is_some_and(|r| r.probe);
        let scale = self.config().time_scale;
        let schedule: Vec<Duration> = if probe {
            Vec::new()
        } else {
            RETRY_SCHEDULE.iter().map(|d| d.mul_f64(scale)).collect()
        };
        let task = deliver(
            shared.clone(),
            id.to_owned(),
            schedule,
            self.stop.subscribe(),
            self.http.clone(),
        );
        handle.spawn(task);
    }

    /// Signs the record's body for an attempt now: the request and the URL
    /// it goes to, or why it cannot be sent. `None` when the record is gone.
    fn prepare(
        &self,
        shared: &Shared,
        id: &str,
    ) -> Option<Result<Prepared, String>> {
        let record = self.record(id)?;
        let url = match resolve(&record.notify_url, self.config().target.as_deref()) {
            Ok(url) => url,
            Err(e) => return Some(Err(e)),
        };
        let platform = shared.platform();
        let Some(signer) = platform.signer_for(None) else {
            return Some(Err("the sandbox has no platform key to sign with".into()));
        };
        let clock = now_unix() + shared.clock_offset.load(Ordering::Relaxed);
        let timestamp = clock.to_string();
        let nonce = Nonce::generate().map(|n| n.to_string()).unwrap_or_default();
        let signature = if record.probe {
            // A well-formed header that no key verifies.
            let filler = signer.private_key.sign(b"probe").unwrap_or_default();
            format!("{}{filler}", wxpay_core::notify::PROBE_SIGNATURE_PREFIX)
        } else {
            let message = response_message(&timestamp, &nonce, record.body.as_bytes());
            signer.private_key.sign(&message).unwrap_or_default()
        };
        let request_id = format!(
            "08{clock:010X}{:016X}",
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("wxpay-sandbox/", env!("CARGO_PKG_VERSION")),
            )
            .header("Wechatpay-Timestamp", timestamp)
            .header("Wechatpay-Nonce", nonce)
            .header("Wechatpay-Signature", signature)
            .header("Wechatpay-Serial", signer.serial.as_str())
            .header("Wechatpay-Signature-Type", wxpay_core::sign::SCHEME)
            .header("Request-ID", request_id)
            .body(Full::new(Bytes::from(record.body)))
            .map(|request| Some(Ok((request, url.clone()))))
            .unwrap_or_else(|e| Some(Err(format!("cannot send to {url}: {e}"))))
    }

    /// Records an attempt; returns whether it was accepted.
    fn record_attempt(&self, id: &str, sent: Sent) -> bool {
        let accepted = sent.status.is_some_and(|s| (200..300).contains(&s));
        self.update(id, |r| {
            let offset_ms = r
                .created
                .map(|c| u64::try_from(c.elapsed().as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            r.attempts.push(DeliveryAttempt {
                number: r.attempts.len() + 1,
                url: sent.url,
                sent_at: format_china(now_unix()),
                offset_ms,
                status: sent.status,
                body: sent.body,
                error: sent.error,
                accepted,
            });
            if accepted {
                r.state = DeliveryState::Delivered;
            }
        });
        accepted
    }

    fn give_up(&self, id: &str) {
        self.update(id, |r| {
            if r.state == DeliveryState::Pending {
                r.state = DeliveryState::Failed;
            }
        });
    }
}

/// A notification to make.
struct NewEvent {
    event_type: &'static str,
    summary: &'static str,
    original_type: &'static str,
    mchid: String,
    notify_url: Option<String>,
    resource: Value,
    probe: bool,
}

/// The envelope with the resource encrypted for the merchant.
fn seal(shared: &Shared, event: &NewEvent, id: &str, now: i64) -> Result<String, String> {
    if event.notify_url.is_none() {
        return Err(
            "no notify_url: the refund named none and no default is set (SandboxBuilder::refund_notify_url)"
                .into(),
        );
    }
    let merchant = shared
        .merchant(&event.mchid)
        .ok_or_else(|| format!("the sandbox does not know merchant {}", event.mchid))?;
    let key = ApiV3Key::new(&merchant.apiv3_key).map_err(|e| e.to_string())?;
    let nonce: String = Nonce::generate()
        .map_err(|e| e.to_string())?
        .to_string()
        .chars()
        .take(12)
        .collect();
    let ciphertext = key
        .encrypt(
            nonce.as_bytes(),
            event.original_type.as_bytes(),
            event.resource.to_string().as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    // Written field by field, in the platform's order (as in the known-answer
    // vector), rather than by serde_json, whose maps sort their keys: a
    // receiver that re-serialises the body then really gets other bytes.
    let text = |s: &str| Value::from(s).to_string();
    Ok(format!(
        r#"{{"id":{},"create_time":{},"resource_type":"encrypt-resource","event_type":{},"summary":{},"resource":{{"original_type":{},"algorithm":{},"ciphertext":{},"associated_data":{},"nonce":{}}}}}"#,
        text(id),
        text(&format_china(now)),
        text(event.event_type),
        text(event.summary),
        text(event.original_type),
        text(wxpay_core::notify::RESOURCE_ALGORITHM),
        text(&ciphertext),
        text(event.original_type),
        text(&nonce),
    ))
}

/// One delivery run: attempts until one is accepted or the schedule ends.
async fn deliver(
    shared: Weak<Shared>,
    id: String,
    schedule: Vec<Duration>,
    mut stop: watch::Receiver<bool>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
) {
    let mut due = Instant::now();
    let waits = std::iter::once(Duration::ZERO).chain(schedule);
    for wait in waits {
        due += wait;
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let prepared = match shared.upgrade() {
            Some(shared) => shared.notifier.prepare(&shared, &id),
            None => return,
        };
        let sent = match prepared {
            None => return,
            Some(Err(error)) => Sent {
                url: String::new(),
                status: None,
                body: String::new(),
                error: Some(error),
            },
            Some(Ok((request, url))) => tokio::select! {
                sent = send(&http, request, url) => sent,
                _ = stop.wait_for(|stopped| *stopped) => return,
            },
        };
        let accepted = match shared.upgrade() {
            Some(shared) => shared.notifier.record_attempt(&id, sent),
            None => return,
        };
        if accepted {
            return;
        }
    }
    if let Some(shared) = shared.upgrade() {
        shared.notifier.give_up(&id);
    }
}

/// Sends one attempt and reads the answer.
async fn send(
    http: &HttpClient<HttpConnector, Full<Bytes>>,
    request: Request<Full<Bytes>>,
    url: String,
) -> Sent {
    let failed = |url: String, error: String| Sent {
        url,
        status: None,
        body: String::new(),
        error: Some(error),
    };
    let exchange = async {
        let response = http.request(request).await.map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                text = format!("{text}: {inner}");
                source = inner.source();
            }
            text
        })?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BODY * 16)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Ok::<_, String>((status, body))
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, exchange).await {
        Ok(Ok((status, body))) => {
            let shown = body.get(..MAX_ANSWER_BODY.min(body.len())).unwrap_or(&[]);
            Sent {
                url,
                status: Some(status.as_u16()),
                body: String::from_utf8_lossy(shown).into_owned(),
                error: None,
            }
        }
        Ok(Err(e)) => failed(url, e),
        Err(_) => failed(url, format!("no answer within {ATTEMPT_TIMEOUT:?}")),
    }
}

/// `TRANSACTION.SUCCESS` for a paid order.
pub(crate) fn order_paid(shared: &Shared, order: &Order) {
    let event = NewEvent {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        mchid: order
            .sp_mchid
            .clone()
            .unwrap_or_else(|| order.mchid.clone()),
        notify_url: Some(order.notify_url.clone()),
        resource: crate::api::orders::transaction_json(order),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// `REFUND.SUCCESS`, `REFUND.CLOSED` or `REFUND.ABNORMAL` for a settled refund.
pub(crate) fn refund_settled(shared: &Shared, refund: &Refund) {
    let (event_type, summary) = match refund.status {
        RefundStatus::Success => ("REFUND.SUCCESS", "退款成功"),
        RefundStatus::Closed => ("REFUND.CLOSED", "退款关闭"),
        RefundStatus::Abnormal => ("REFUND.ABNORMAL", "退款异常"),
        RefundStatus::Processing => return,
    };
    let notify_url = refund
        .notify_url
        .clone()
        .or_else(|| shared.notifier.config().refund_notify_url);
    let event = NewEvent {
        event_type,
        summary,
        original_type: "refund",
        mchid: refund
            .sp_mchid
            .clone()
            .unwrap_or_else(|| refund.mchid.clone()),
        notify_url,
        resource: refund_resource(refund),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// `PAPAY.SIGN` or `PAPAY.TERMINATE` for a contract that was signed or terminated.
pub(crate) fn contract_changed(shared: &Shared, contract: &Contract) {
    let (event_type, summary) = match contract.state {
        ContractState::Signed => ("PAPAY.SIGN", "签约成功"),
        ContractState::Terminated => ("PAPAY.TERMINATE", "解约成功"),
        ContractState::Pending => return,
    };
    let event = NewEvent {
        event_type,
        summary,
        original_type: "papay",
        mchid: contract.key.mchid.clone(),
        notify_url: Some(contract.notify_url.clone()),
        resource: crate::api::contracts::contract_json(contract),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// A probe to `notify_url`: a real-looking payment notification with a
/// signature no key verifies.
pub(crate) fn probe(shared: &Shared, notify_url: &str) -> String {
    let mchid = shared
        .merchants
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .next()
        .cloned()
        .unwrap_or_default();
    let now = now_unix();
    let resource = json!({
        "mchid": mchid, "appid": "wxd678efh567hg6787",
        "out_trade_no": format!("PROBE{now}"), "transaction_id": format!("4200000000{}", compact_time(now)),
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "payment succeeded",
        "bank_type": "OTHERS", "success_time": format_china(now),
        "payer": {"openid": "oSandboxProbe"},
        "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
    });
    let event = NewEvent {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        mchid,
        notify_url: Some(notify_url.to_owned()),
        resource,
        probe: true,
    };
    shared.notifier.enqueue(shared, event)
}

/// What a refund notification carries.
fn refund_resource(r: &Refund) -> Value {
    let mut v = Map::new();
    match &r.sp_mchid {
        Some(sp) => {
            v.insert("sp_mchid".into(), json!(sp));
            v.insert("sub_mchid".into(), json!(r.mchid));
        }
        None => {
            v.insert("mchid".into(), json!(r.mchid));
        }
    }
    v.insert("out_trade_no".into(), json!(r.out_trade_no));
    v.insert("transaction_id".into(), json!(r.transaction_id));
    v.insert("out_refund_no".into(), json!(r.out_refund_no));
    v.insert("refund_id".into(), json!(r.refund_id));
    v.insert("refund_status".into(), json!(r.status.as_str()));
    if let Some(t) = r.success_time {
        v.insert("success_time".into(), json!(format_china(t)));
    }
    v.insert(
        "user_received_account".into(),
        json!(r.user_received_account),
    );
    v.insert(
        "amount".into(),
        json!({
            "total": r.total,
            "refund": r.refund,
            "payer_total": r.payer_total,
            "payer_refund": r.refund,
        }),
    );
    Value::Object(v)
}

/// Shared by the Rust API and the control route.
pub(crate) fn notifications(shared: &Shared) -> Vec<NotificationRecord> {
    shared.notifier.records().iter().cloned().collect()
}

/// Shared by the Rust API and the control route.
pub(crate) fn notification(shared: &Shared, id: &str) -> Option<NotificationRecord> {
    shared.notifier.record(id)
}

/// Shared by the Rust API and the control route.
pub(crate) fn redeliver(shared: &Shared, id: &str) -> Result<(), SandboxError> {
    let record = shared
        .notifier
        .record(id)
        .ok_or_else(|| SandboxError::NotFound(format!("no notification {id}")))?;
    if record.body.is_empty() {
        return Err(SandboxError::InvalidState(format!(
            "notification {id} could not be made, so it cannot be sent again"
        )));
    }
    shared.notifier.update(id, |r| {
        if r.state != DeliveryState::Delivered {
            r.state = DeliveryState::Pending;
        }
    });
    shared.notifier.spawn(id);
    Ok(())
}

impl SandboxBuilder {
    /// Delivers notifications to this `http://host:port` instead of the
    /// host of their `notify_url`, keeping the path: how a local receiver
    /// gets them (see [`crate::notify`]).
    pub fn notify_target(mut self, base_url: impl Into<String>) -> Self {
        self.notify.target = Some(base_url.into());
        self
    }

    /// Multiplies the retry schedule ([`RETRY_SCHEDULE`]) by `scale`
    /// (default 1; `0.01` makes the first retry come after 150 ms). Must be
    /// positive.
    pub fn notify_time_scale(mut self, scale: f64) -> Self {
        self.notify.time_scale = scale;
        self
    }

    /// Where refund notifications go when a refund names no `notify_url`
    /// (the URL a merchant sets in the merchant platform). Without it, such
    /// refunds are not notified (a failed record says why).
    pub fn refund_notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify.refund_notify_url = Some(url.into());
        self
    }
}

impl Sandbox {
    /// Changes (or, with `None`, removes) the delivery target; see
    /// [`SandboxBuilder::notify_target`]. Applies to every attempt from now on.
    pub fn set_notify_target(&self, base_url: Option<&str>) -> Result<(), SandboxError> {
        if let Some(target) = base_url {
            check_target(target)?;
        }
        self.shared
            .notifier
            .config
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .target = base_url.map(str::to_owned);
        Ok(())
    }

    /// Every notification kept (the newest 1 000), oldest first, with its
    /// attempts. Also `GET /sandbox/notifications`.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        notifications(&self.shared)
    }

    /// One notification by id. Also `GET /sandbox/notifications/{id}`.
    pub fn notification(&self, id: &str) -> Option<NotificationRecord> {
        notification(&self.shared, id)
    }

    /// Waits until a notification satisfies `matches` (checked at every
    /// change: a new notification, an attempt, a state change) and returns
    /// it; fails with [`SandboxError::NotFound`] after `timeout`.
    ///
    /// ```no_run
    /// # async fn run(sandbox: wxpay_sandbox::Sandbox) -> Result<(), wxpay_sandbox::SandboxError> {
    /// use std::time::Duration;
    /// use wxpay_sandbox::DeliveryState;
    /// let delivered = sandbox
    ///     .wait_for_notification(
    ///         |n| n.event_type == "TRANSACTION.SUCCESS" && n.state == DeliveryState::Delivered,
    ///         Duration::from_secs(5),
    ///     )
    ///     .await?;
    /// println!("answered {:?}", delivered.attempts.last().and_then(|a| a.status));
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_notification(
        &self,
        matches: impl Fn(&NotificationRecord) -> bool,
        timeout: Duration,
    ) -> Result<NotificationRecord, SandboxError> {
        let mut changed = self.shared.notifier.changed.subscribe();
        let search = async {
            loop {
                changed.borrow_and_update();
                if let Some(found) = self
                    .shared
                    .notifier
                    .records()
                    .iter()
                    .find(|r| matches(r))
                    .cloned()
                {
                    return found;
                }
                if changed.changed().await.is_err() {
                    // The sender lives as long as the sandbox: not reached.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, search).await.map_err(|_| {
            SandboxError::NotFound(format!(
                "no notification matched within {timeout:?}; notifications: {}",
                self.notifications()
                    .iter()
                    .map(|r| format!("{} {} {:?}", r.id, r.event_type, r.state))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// Sends a probe to `notify_url` (through the delivery target): a
    /// payment notification signed `WECHATPAY/SIGNTEST/…`, sent once. A
    /// correct receiver refuses it (non-2xx). Returns its id. Also
    /// `POST /sandbox/notifications/probe`.
    pub fn send_probe(&self, notify_url: &str) -> String {
        probe(&self.shared, notify_url)
    }

    /// Delivers a notification again (same id, same body, fresh signature),
    /// with its own retries, as the platform does when an acknowledgement
    /// was lost. Also `POST /sandbox/notifications/{id}/redeliver`.
    pub fn redeliver(&self, id: &str) -> Result<(), SandboxError> {
        redeliver(&self.shared, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        let merchant =
            crate::keys::generated_merchant("1900000109", crate::keys::DEFAULT_APIV3_KEY).unwrap();
        let key = crate::keys::generated_platform_key(crate::keys::DEFAULT_PUBLIC_KEY_ID).unwrap();
        let platform = crate::server::Platform {
            default_serial: key.serial.clone(),
            keys: vec![key],
            retired: Vec::new(),
        };
        Shared::new(
            vec![merchant],
            platform,
            crate::router::Router::default(),
            crate::router::Router::default(),
        )
    }

    fn event(mchid: &str, notify_url: Option<&str>) -> NewEvent {
        NewEvent {
            event_type: "REFUND.SUCCESS",
            summary: "退款成功",
            original_type: "refund",
            mchid: mchid.into(),
            notify_url: notify_url.map(str::to_owned),
            resource: json!({"out_refund_no": "R\"1", "refund_status": "SUCCESS"}),
            probe: false,
        }
    }

    #[test]
    fn sealed_envelopes_decrypt_and_keep_the_platforms_field_order() {
        let shared = shared();
        let e = event("1900000109", Some("https://example.com/n"));
        let body = seal(&shared, &e, "EV-1", 1_700_000_000).unwrap();
        assert!(
            body.starts_with(
                r#"{"id":"EV-1","create_time":"2023-11-15T06:13:20+08:00","resource_type":"encrypt-resource","event_type":"REFUND.SUCCESS","summary":"退款成功","resource":{"original_type":"refund","algorithm":"AEAD_AES_256_GCM","ciphertext":""#
            ),
            "{body}"
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        let r = &v["resource"];
        let plain = ApiV3Key::new(crate::keys::DEFAULT_APIV3_KEY)
            .unwrap()
            .decrypt(
                r["nonce"].as_str().unwrap().as_bytes(),
                b"refund",
                r["ciphertext"].as_str().unwrap(),
            )
            .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&plain).unwrap(), e.resource);
        assert_eq!(r["nonce"].as_str().unwrap().len(), 12);
        // serde_json sorts keys: the platform's order does not survive a round trip.
        assert_ne!(v.to_string(), body);

        let e = seal(
            &shared,
            &event("1900000999", Some("https://example.com/n")),
            "EV-2",
            0,
        );
        assert!(e.unwrap_err().contains("1900000999"));
        let e = seal(&shared, &event("1900000109", None), "EV-3", 0);
        assert!(e.unwrap_err().contains("refund_notify_url"));
    }

    #[test]
    fn targets_replace_scheme_host_and_port_only() {
        assert_eq!(
            resolve(
                "https://shop.example.com/wxpay/notify",
                Some("http://127.0.0.1:8080")
            ),
            Ok("http://127.0.0.1:8080/wxpay/notify".into())
        );
        assert_eq!(
            resolve("https://shop.example.com", Some("http://127.0.0.1:8080/")),
            Ok("http://127.0.0.1:8080/".into())
        );
        assert_eq!(
            resolve("http://127.0.0.1:9/n", None),
            Ok("http://127.0.0.1:9/n".into())
        );
        let e = resolve("https://shop.example.com/n", None).unwrap_err();
        assert!(e.contains("notify_target"), "{e}");
        assert!(check_target("http://127.0.0.1:8080").is_ok());
        for bad in [
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8080/prefix",
            "127.0.0.1:8080",
            "http://h/?q=1",
            "",
        ] {
            assert!(check_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn configuration_is_checked() {
        assert!(NotifyConfig::default().check().is_ok());
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let config = NotifyConfig {
                time_scale: scale,
                ..Default::default()
            };
            assert!(config.check().is_err(), "{scale}");
        }
        let config = NotifyConfig {
            refund_notify_url: Some("http://x/n".into()),
            ..Default::default()
        };
        assert!(config.check().is_err());
    }

    #[test]
    fn the_schedule_is_the_platforms() {
        let total: Duration = RETRY_SCHEDULE.iter().sum();
        assert_eq!(total, Duration::from_secs(24 * 3600 + 4 * 60));
        assert_eq!(RETRY_SCHEDULE[0].mul_f64(0.01), Duration::from_millis(150));
    }
}
