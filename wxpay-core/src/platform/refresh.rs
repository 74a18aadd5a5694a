//! When downloads happen: at most one at a time (single-flight), on-demand
//! ones rate-limited, plus a periodic task that lives as long as the client.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::client::{Client, Inner};
use crate::error::{BuildError, Error, TransportError};

use super::{CertificateStore, PlatformKeysStatus, RefreshReport, download, shared};

/// How a download's result reaches everyone waiting for it.
pub(crate) type Outcome = Result<RefreshReport, Arc<Error>>;

type Waiter = watch::Receiver<Option<Outcome>>;

/// Why a download is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The periodic task.
    Scheduled,
    /// No key to verify or encrypt with yet.
    Bootstrap,
    /// An answer or a notification named a serial not in the store:
    /// rate-limited, each source on its own budget.
    OnDemand(Source),
    /// [`Client::refresh_platform_certificates`].
    Explicit,
}

impl Trigger {
    /// The `trigger` label of [`crate::metrics`].
    fn label(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::Bootstrap => "bootstrap",
            Trigger::OnDemand(Source::Answer) => "on_demand_answer",
            Trigger::OnDemand(Source::Notification) => "on_demand_notification",
            Trigger::Explicit => "explicit",
        }
    }
}

/// Who named an unknown serial. Anyone who can reach `notify_url` can send
/// a notification, so notifications must not spend the budget that answers
/// (which come over the client's own TLS connection) need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Answer,
    Notification,
}

/// How long a serial that a download did not list is remembered as unknown.
const UNKNOWN_SERIAL_MEMORY: Duration = Duration::from_secs(600);

/// How many such serials are remembered.
const UNKNOWN_SERIALS_KEPT: usize = 64;

/// Whether `serial` could name a platform certificate: hex digits only.
/// Public-key ids (`PUB_KEY_ID_…`) are configured, never downloaded.
pub(crate) fn may_be_certificate(serial: &str) -> bool {
    (1..=64).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Download scheduling for one client (shared by its clones).
pub(crate) struct Refresher {
    interval: Duration,
    on_demand_interval: Duration,
    state: Mutex<State>,
    /// The list shared with other instances, when set.
    shared: Mutex<Option<Arc<dyn CertificateStore>>>,
}

#[derive(Default)]
struct State {
    /// The download under way, if any: new requesters wait for it.
    in_flight: Option<Waiter>,
    /// When the last on-demand download for an answer started.
    last_for_answer: Option<Instant>,
    /// When the last on-demand download for a notification started.
    last_for_notification: Option<Instant>,
    /// Serials a completed download did not list, and when that was learnt.
    unknown: VecDeque<(String, Instant)>,
    /// Bootstraps that left no usable key: how many in a row, when the
    /// next may start, and the error reported until then.
    bootstrap_failure: Option<(u32, Instant, Arc<Error>)>,
    /// Whether the first download was started.
    started: bool,
    periodic: Option<JoinHandle<()>>,
    status: PlatformKeysStatus,
}

impl Refresher {
    pub(crate) fn new(interval: Duration, on_demand_interval: Duration) -> Self {
        Refresher {
            interval,
            on_demand_interval,
            state: Mutex::new(State::default()),
            shared: Mutex::new(None),
        }
    }

    /// Downloads from now on go through `store`.
    pub(crate) fn share(&self, store: Arc<dyn CertificateStore>) {
        *self.shared.lock().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    /// One download for `trigger`: through the shared store when one is
    /// set, where a list signed recently enough for the trigger (within the
    /// periodic interval for scheduled and first downloads, the on-demand
    /// interval otherwise) stands for a download.
    async fn run(&self, client: &Client, trigger: Trigger) -> Outcome {
        let store = self
            .shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let result = match store {
            Some(store) => {
                let fresh_for = match trigger {
                    Trigger::Scheduled | Trigger::Bootstrap => self.interval,
                    Trigger::OnDemand(_) | Trigger::Explicit => self.on_demand_interval,
                };
                shared::refresh(client, &*store, fresh_for, self.interval).await
            }
            None => download::direct(client).await,
        };
        result.map_err(Arc::new)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn status(&self) -> PlatformKeysStatus {
        self.lock().status.clone()
    }

    /// On first use: starts the periodic task and a first download, without
    /// waiting for it. Later: restarts the periodic task if its runtime went away.
    pub(crate) fn ensure_started(&self, client: &Client) {
        let first = {
            let mut state = self.lock();
            if state.periodic.as_ref().is_none_or(JoinHandle::is_finished) {
                let weak = Arc::downgrade(&client.inner);
                state.periodic = Some(tokio::spawn(periodic(weak, self.interval)));
            }
            !std::mem::replace(&mut state.started, true)
        };
        if first {
            let _ = self.start_or_join(client, Trigger::Bootstrap);
        }
    }

    /// Joins the download under way, or starts one. `None` when an on-demand
    /// download is refused by the rate limit.
    pub(crate) fn start_or_join(&self, client: &Client, trigger: Trigger) -> Option<Waiter> {
        let mut state = self.lock();
        state.started = true;
        if let Some(waiter) = &state.in_flight {
            // A sender dropped without an answer (its task was cancelled with
            // its runtime) must not block everyone forever.
            if waiter.has_changed().is_ok() {
                return Some(waiter.clone());
            }
            state.in_flight = None;
        }
        if let Trigger::OnDemand(source) = trigger {
            let now = Instant::now();
            let last = match source {
                Source::Answer => &mut state.last_for_answer,
                Source::Notification => &mut state.last_for_notification,
            };
            if last.is_some_and(|t| now.saturating_duration_since(t) < self.on_demand_interval) {
                state.status.on_demand_refused += 1;
                return None;
            }
            *last = Some(now);
        }
        let (tx, rx) = watch::channel(None);
        state.in_flight = Some(rx.clone());
        drop(state);
        let client = client.clone();
        tokio::spawn(async move {
            let outcome = match &client.inner.platform.refresher {
                Some(refresher) => {
                    let outcome = refresher.run(&client, trigger).await;
                    refresher.finish(&outcome, trigger);
                    outcome
                }
                None => download::direct(&client).await.map_err(Arc::new),
            };
            let _ = tx.send(Some(outcome));
        });
        Some(rx)
    }

    fn finish(&self, outcome: &Outcome, trigger: Trigger) {
        let (result, source) = match outcome {
            Ok(r) if r.from_shared_store => ("ok", "shared_store"),
            Ok(r) if r.no_certificates => ("no_certificates", "platform"),
            Ok(_) => ("ok", "platform"),
            Err(_) => ("error", "none"),
        };
        crate::metrics::certificate_refresh(trigger.label(), result, source);
        let mut state = self.lock();
        state.in_flight = None;
        let status = &mut state.status;
        status.downloads += 1;
        if matches!(trigger, Trigger::OnDemand(_)) {
            status.on_demand_downloads += 1;
        }
        match outcome {
            Ok(_) => {
                status.last_success = Some(SystemTime::now());
                status.last_error = None;
            }
            Err(e) => {
                status.failures += 1;
                status.last_error = Some(e.to_string());
            }
        }
    }
}

/// Remembering serials no download listed, and bootstraps that failed.
impl Refresher {
    /// Whether `serial` was looked for recently and not found.
    pub(crate) fn known_unknown(&self, serial: &str) -> bool {
        let mut state = self.lock();
        let now = Instant::now();
        state
            .unknown
            .retain(|(_, at)| now.saturating_duration_since(*at) < UNKNOWN_SERIAL_MEMORY);
        state.unknown.iter().any(|(s, _)| s == serial)
    }

    /// A download completed without listing `serial`.
    pub(crate) fn remember_unknown(&self, serial: &str) {
        let mut state = self.lock();
        if state.unknown.len() >= UNKNOWN_SERIALS_KEPT {
            state.unknown.pop_front();
        }
        state.unknown.push_back((serial.to_owned(), Instant::now()));
    }

    /// The error of the last failed bootstrap, while its back-off lasts.
    pub(crate) fn bootstrap_backoff(&self) -> Option<Arc<Error>> {
        let state = self.lock();
        let (_, until, error) = state.bootstrap_failure.as_ref()?;
        (Instant::now() < *until).then(|| error.clone())
    }

    /// A bootstrap left no usable key: the next one waits 1 s, then 2 s,
    /// 4 s, … up to the on-demand interval (never longer than it).
    pub(crate) fn bootstrap_failed(&self, error: Arc<Error>) {
        let mut state = self.lock();
        let failures = state
            .bootstrap_failure
            .as_ref()
            .map_or(0, |f| f.0)
            .saturating_add(1);
        let wait = Duration::from_secs(1)
            .saturating_mul(
                1u32.checked_shl(failures.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.on_demand_interval);
        let until = Instant::now()
            .checked_add(wait)
            .unwrap_or_else(Instant::now);
        state.bootstrap_failure = Some((failures, until, error));
    }

    /// A usable key is there: bootstraps are no longer held back.
    pub(crate) fn bootstrap_succeeded(&self) {
        self.lock().bootstrap_failure = None;
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        // The last client clone is gone: stop the periodic task now rather
        // than at its next wake-up.
        if let Some(task) = self.lock().periodic.take() {
            task.abort();
        }
    }
}

/// Waits for a download's outcome.
pub(crate) async fn wait(mut waiter: Waiter) -> Outcome {
    match waiter.wait_for(Option::is_some).await {
        Ok(outcome) => match &*outcome {
            Some(o) => o.clone(),
            None => Err(interrupted()),
        },
        Err(_) => Err(interrupted()),
    }
}

fn interrupted() -> Arc<Error> {
    Arc::new(Error::build(
        "the platform certificate download was interrupted (its runtime shut down)",
    ))
}

/// Runs scheduled downloads every `interval`, holding the client only
/// while one is being started, so dropping the last clone ends the task.
async fn periodic(client: Weak<Inner>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let waiter = {
            let Some(inner) = client.upgrade() else {
                return;
            };
            let client = Client { inner };
            let Some(refresher) = &client.inner.platform.refresher else {
                return;
            };
            refresher.start_or_join(&client, Trigger::Scheduled)
        };
        if let Some(waiter) = waiter {
            let _ = wait(waiter).await;
        }
    }
}

/// An owned copy of a shared download error for one more caller. API,
/// verification and timeout errors are copied exactly; others keep their
/// kind (and so whether a retry may help) and point to the original.
pub(crate) fn duplicate(error: &Arc<Error>) -> Error {
    match &**error {
        Error::Api(e) => Error::Api(e.clone()),
        Error::Verify(e) => Error::Verify(e.clone()),
        Error::Timeout(d) => Error::Timeout(*d),
        Error::Transport(t) => TransportError::new(t.kind(), error.clone())
            .with_request_id(t.request_id().map(str::to_owned))
            .into(),
        _ => BuildError::with_source(error.to_string(), error.clone()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TransportErrorKind, VerifyError, VerifyReason};

    #[test]
    fn duplicates_keep_what_callers_match_on() {
        let verify = Arc::new(Error::from(VerifyError {
            status: http::StatusCode::OK,
            request_id: Some("R".into()),
            reason: VerifyReason::BadSignature,
        }));
        let copy = duplicate(&verify);
        assert!(matches!(&copy, Error::Verify(v) if v.reason == VerifyReason::BadSignature));
        assert_eq!(copy.request_id(), Some("R"));

        let transport = Arc::new(Error::from(
            TransportError::from_kind(TransportErrorKind::Connect)
                .with_request_id(Some("T".into())),
        ));
        let copy = duplicate(&transport);
        assert!(matches!(&copy, Error::Transport(t) if t.is_connect()));
        assert!(copy.is_retryable());
        assert_eq!(copy.request_id(), Some("T"));

        let build = Arc::new(Error::build("no key"));
        let copy = duplicate(&build);
        assert!(matches!(&copy, Error::Build(_)));
        assert_eq!(copy.to_string(), "no key");
    }
}
