//! Notification delivery: the sandbox POSTs signed, encrypted notifications
//! to `notify_url`s, as the platform does, and records what the receiver
//! answered.
//!
//! # When
//!
//! | the sandbox… | event | resource (`original_type`) | to |
//! |---|---|---|---|
//! | pays an order ([`Sandbox::pay_order`](crate::Sandbox::pay_order)) | `TRANSACTION.SUCCESS` | the order as the order query reports it (`transaction`) | the order's `notify_url` |
//! | pays a combined order ([`Sandbox::pay_combine_order`](crate::Sandbox::pay_combine_order)) | `TRANSACTION.SUCCESS`, once for all sub-orders | the combined order as the combined query reports it (`transaction`) | the combined order's `notify_url` |
//! | settles a refund ([`Sandbox::settle_refund`](crate::Sandbox::settle_refund)) | `REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL` | the refund notification resource (`refund`) | the refund's `notify_url`, else [`SandboxBuilder::refund_notify_url`](crate::SandboxBuilder::refund_notify_url) |
//! | signs a contract (by the user, or by paying an order placed under a pending one) | `PAPAY.SIGN` | the contract as the contract query reports it (`papay`) | the pre-sign request's `notify_url` |
//! | terminates a contract through the API | `PAPAY.TERMINATE` | the same (`papay`) | the same |
//! | pays an order placed over APIv2 (`/pay/unifiedorder`) | the APIv2 payment result, recorded as `TRANSACTION.SUCCESS` with [`v2`](NotificationRecord::v2) set | the fields of the `<xml>` body ([APIv2](#apiv2)) | the `notify_url` the order was placed with |
//! | settles a refund placed over APIv2 (`/secapi/pay/refund`) | the APIv2 refund result, recorded as `REFUND.SUCCESS`, `REFUND.CLOSED` or `REFUND.ABNORMAL` with `v2` set | the `<xml>` fields and those of its decrypted `req_info` | the refund's `notify_url` (none: not notified) |
//! | is asked to ([`Sandbox::send_notification`](crate::Sandbox::send_notification), `POST /sandbox/notifications`) | any | the one given, else the sandbox's example for that event type (every type of the platform's list has one, in `notify/examples.json`) | the URL given |
//!
//! A payment notification carries the order's `trade_type` (`JSAPI`,
//! `APP`, `NATIVE`, `MWEB` for H5) and its payer (the one the sandbox
//! makes up for orders placed without one, see
//! [`payer_openid`](crate::payer_openid)); code payments (`MICROPAY`)
//! have no `notify_url` and are not notified.
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
//! same; the signature is fresh). [`Sandbox::set_clock_offset`](crate::Sandbox::set_clock_offset) shifts
//! those timestamps too.
//!
//! A 2xx answer accepts it. Anything else (another status, a connection
//! failure, no answer within 5 s) is retried on the platform's schedule,
//! [`RETRY_SCHEDULE`]: 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min,
//! 30 min, 30 min, 60 min, 3 h, 3 h, 3 h, 6 h, 6 h after the attempt before.
//! [`SandboxBuilder::notify_time_scale`](crate::SandboxBuilder::notify_time_scale) shrinks it so tests run in seconds
//! (`0.01`: the first retry after 150 ms). Deliveries run in background
//! tasks: they never hold up an API answer, and they stop when the sandbox
//! is dropped.
//!
//! # Where
//!
//! Like the platform, the sandbox only accepts `https` notification URLs
//! without a query. To deliver to a local receiver, set a delivery target
//! ([`SandboxBuilder::notify_target`](crate::SandboxBuilder::notify_target), [`Sandbox::set_notify_target`](crate::Sandbox::set_notify_target),
//! `--notify-target`): `http://127.0.0.1:8080` turns
//! `https://shop.example.com/wxpay/notify` into
//! `http://127.0.0.1:8080/wxpay/notify` (scheme, host and port replaced,
//! path kept). Deliveries go over plain HTTP: without a target, an `https`
//! URL is recorded as a failed attempt saying so.
//!
//! # APIv2
//!
//! An order placed with `/pay/unifiedorder` is notified as APIv2 does it:
//! an `<xml>` body (`return_code`, `appid`, `mch_id`, `nonce_str`,
//! `result_code` `SUCCESS`, the payment fields `/pay/orderquery` reports,
//! `sign_type` when not MD5, and `sign`) signed with the merchant's v2 key
//! by the sign type of the request that placed the order, POSTed as
//! `text/xml` without signature headers, the same bytes on every attempt.
//! The receiver accepts it with a 2xx whose body is an `<xml>` with
//! `return_code` `SUCCESS` (what `wxpay_core::notify::V2Answer::success`
//! writes); anything else is retried on the same schedule. Code payments
//! (`/pay/micropay`) are not notified.
//!
//! A refund placed with `/secapi/pay/refund` is notified when settled, if
//! it named a `notify_url`: `return_code`, `appid`, `mch_id`, `nonce_str`
//! and `req_info`, the refund's `<root>` document (`refund_status`
//! `SUCCESS`, `REFUNDCLOSE` or `CHANGE`, amounts, `success_time`, …)
//! encrypted with AES-256-ECB under the lowercase hex MD5 of the v2 key,
//! as the platform does; accepted the same way. A v2 refund never gets
//! the v3 notification (nor the builder's default refund URL).
//!
//! # Probes and records
//!
//! [`Sandbox::send_probe`](crate::Sandbox::send_probe) sends a notification signed
//! `WECHATPAY/SIGNTEST/…`, once: a receiver must refuse it. Every
//! notification and attempt is kept (the newest 1 000 notifications) as a
//! [`NotificationRecord`]: [`Sandbox::notifications`](crate::Sandbox::notifications),
//! [`Sandbox::wait_for_notification`](crate::Sandbox::wait_for_notification), `GET /sandbox/notifications`.
//! [`Sandbox::redeliver`](crate::Sandbox::redeliver) sends one again, same `id` and body, as the
//! platform does when an acknowledgement was lost.

mod api;
mod delivery;
mod events;
mod send;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Method, Request};
use http_body_util::Full;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::Instant;
use wxpay_core::protocol::{Nonce, SCHEME, SignatureHeaders, header, response_message};

use crate::SandboxError;
use crate::lock::Recover;
use crate::server::Shared;
use crate::state::compact_time;
use crate::time::{format_china, now_unix};
use delivery::{Sent, check_target, deliver, resolve};
use events::{NewEvent, V2Event, seal};

pub(crate) use events::combined_order_paid;
pub(crate) use events::{
    contract_changed, order_paid, probe, refund_settled, v2_order_paid, v2_refund_settled,
};
pub(crate) use send::{Refused, SendRequest, send};

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

/// The `User-Agent` of every attempt.
const SENDER: &str = concat!("wxpay-sandbox/", env!("CARGO_PKG_VERSION"));

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
    /// Whether the answer accepted the notification (2xx; for APIv2, an
    /// `<xml>` body with `return_code` `SUCCESS` as well).
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
    /// Whether this is an APIv2 notification (an `<xml>` body: a payment
    /// result signed with the merchant's v2 key, a refund result with its
    /// `req_info` sealed under it; see [APIv2](self#apiv2)).
    pub v2: bool,
    /// The resource before encryption (sandbox data, for tests); for an
    /// APIv2 notification, its fields.
    pub resource: Value,
    /// The body sent, exactly (the same on every attempt).
    pub body: String,
    /// Where the delivery stands (`DELIVERED` once any attempt was
    /// accepted, whatever a later redelivery gets).
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

impl Notifier {
    /// Starts delivering for `shared`, on the current runtime.
    pub(crate) fn attach(&self, config: NotifyConfig, shared: Weak<Shared>) {
        *self.config.write().recover() = config;
        let _ = self.attached.set((Handle::current(), shared));
    }

    /// Stops every delivery (the sandbox is going away).
    pub(crate) fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub(crate) fn config(&self) -> NotifyConfig {
        self.config.read().recover().clone()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, VecDeque<NotificationRecord>> {
        self.records.lock().recover()
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
    fn enqueue(&self, shared: &Shared, event: NewEvent<'_>) -> String {
        let now = now_unix();
        let id = self.next_id(now);
        let sealed = seal(shared, &event, &id, now);
        let record = NotificationRecord {
            id,
            event_type: event.event_type.to_owned(),
            summary: event.summary.to_owned(),
            mchid: event.mchid,
            notify_url: event.notify_url.unwrap_or_default(),
            probe: event.probe,
            v2: false,
            resource: event.resource,
            body: String::new(),
            state: DeliveryState::Pending,
            error: None,
            attempts: Vec::new(),
            created: Some(Instant::now()),
        };
        self.start(record, sealed)
    }

    /// Stores and starts delivering an APIv2 notification: `sealed` is
    /// its `<xml>` body and what it says, or why it could not be made.
    fn enqueue_v2(&self, event: V2Event<'_>, sealed: Result<(String, Value), String>) -> String {
        let (body, resource) = match sealed {
            Ok((body, fields)) => (Ok(body), fields),
            Err(e) => (Err(e), Value::Null),
        };
        let record = NotificationRecord {
            id: self.next_id(now_unix()),
            // The v2 body names no event; the record says what it is.
            event_type: event.event_type.to_owned(),
            summary: event.summary.to_owned(),
            mchid: event.mchid,
            notify_url: event.notify_url,
            probe: false,
            v2: true,
            resource,
            body: String::new(),
            state: DeliveryState::Pending,
            error: None,
            attempts: Vec::new(),
            created: Some(Instant::now()),
        };
        self.start(record, body)
    }

    /// Keeps `record` with its body (or why there is none) and starts
    /// delivering it; returns its id.
    fn start(&self, mut record: NotificationRecord, body: Result<String, String>) -> String {
        match body {
            Ok(body) => record.body = body,
            Err(e) => {
                record.state = DeliveryState::Failed;
                record.error = Some(e);
            }
        }
        let (id, error) = (record.id.clone(), record.error.is_some());
        {
            let mut records = self.records();
            while records.len() >= MAX_RECORDS {
                records.pop_front();
            }
            records.push_back(record);
        }
        self.touched();
        if !error {
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
    fn prepare(&self, shared: &Shared, id: &str) -> Option<Result<Prepared, String>> {
        let record = self.record(id)?;
        let url = match resolve(&record.notify_url, self.config().target.as_deref()) {
            Ok(url) => url,
            Err(e) => return Some(Err(e)),
        };
        if record.v2 {
            // Signed inside the body: sent as it is, on every attempt.
            return Some(
                Request::builder()
                    .method(Method::POST)
                    .uri(&url)
                    .header(CONTENT_TYPE, "text/xml")
                    .header(USER_AGENT, SENDER)
                    .body(Full::new(Bytes::from(record.body)))
                    .map(|request| (request, url.clone()))
                    .map_err(|e| format!("cannot send to {url}: {e}")),
            );
        }
        let platform = shared.platform();
        let Some(signer) = platform.signer_for(None) else {
            return Some(Err("the sandbox has no platform key to sign with".into()));
        };
        let clock = shared.unix_now();
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
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, SENDER)
            .header(header::REQUEST_ID, request_id);
        let signed = SignatureHeaders {
            timestamp: &timestamp,
            nonce: &nonce,
            signature: &signature,
            serial: &signer.serial,
            signature_type: Some(SCHEME),
        };
        if let Some(headers) = builder.headers_mut() {
            let _ = signed.write_to(headers);
        }
        builder
            .body(Full::new(Bytes::from(record.body)))
            .map(|request| Some(Ok((request, url.clone()))))
            .unwrap_or_else(|e| Some(Err(format!("cannot send to {url}: {e}"))))
    }

    /// Records an attempt; returns whether it was accepted: a 2xx, and
    /// for an APIv2 notification an `<xml>` answer whose `return_code` is
    /// `SUCCESS`.
    fn record_attempt(&self, id: &str, sent: Sent) -> bool {
        let mut accepted = false;
        self.update(id, |r| {
            accepted = sent.status.is_some_and(|s| (200..300).contains(&s))
                && (!r.v2 || v2_accepted(&sent.body));
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

/// Whether a receiver's answer to an APIv2 notification accepts it: an
/// `<xml>` body with `return_code` `SUCCESS`.
fn v2_accepted(body: &str) -> bool {
    wxpay_core::v2::xml::parse(body.as_bytes()).is_ok_and(|fields| {
        fields
            .iter()
            .any(|(name, value)| name == "return_code" && value == "SUCCESS")
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
