//! Bounding and repeating calls: [`RetryPolicy`] (a client-wide default set
//! on the builder) and [`CallOptions`] (overrides for one call).
//!
//! What is retried, with exponential backoff and jitter:
//! - connection failures ([`Error::Transport`] while connecting or reading),
//! - timeouts ([`Error::Timeout`]),
//! - `429` and `5xx` answers and the codes the platform calls transient
//!   (`SYSTEM_ERROR`, `BANK_ERROR`, `FREQUENCY_LIMITED`),
//!
//! and only for idempotent calls: `GET`, `HEAD` and `DELETE` by default, any
//! other method only when the caller says so for that call with
//! [`CallOptions::idempotent`] (placing an order again with the same
//! `out_trade_no` is safe: the platform de-duplicates it). A 4xx business
//! error, an answer that fails verification or does not decode is never
//! retried. Each attempt is signed anew (fresh nonce and timestamp), and
//! the whole call, waits included, ends by the policy's
//! [`deadline`](RetryPolicy::deadline).

use std::time::{Duration, Instant};

use http::Method;

use crate::error::{Error, TransportErrorKind};

/// How a call is repeated after a transient failure.
///
/// The wait before retry `n` (1-based) is drawn uniformly from
/// `[b/2, b]` with `b = min(initial_backoff × 2^(n-1), max_backoff)`
/// ("equal jitter"): exponential, never zero, and spread so that many
/// clients failing together do not come back together.
///
/// ```
/// use std::time::Duration;
/// use wxpay_core::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(4)
///     .backoff(Duration::from_millis(50), Duration::from_secs(1))
///     .deadline(Duration::from_secs(10));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts, backoff from 100 ms up to 2 s, a
    /// 60 s deadline for the whole call.
    pub fn new() -> Self {
        Self::default()
    }

    /// One attempt only (the deadline still applies).
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first wait and the largest one. A wait that would end past the
    /// deadline ends the call instead, so an enormous backoff means no
    /// retries rather than a call that never returns.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Time allowed for the whole call: every attempt and every wait. An
    /// attempt never runs past it, and no retry starts whose wait would.
    /// A deadline too far to represent (`Duration::MAX`) means none.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The deadline of a whole call.
    pub fn total_deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff_for(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = ceiling / 2;
        let jitter =
            Duration::try_from_secs_f64(half.as_secs_f64() * unit_random()).unwrap_or(half);
        half.saturating_add(jitter)
    }
}

/// How far ahead "never" is: a point in time for durations too large to
/// add to an `Instant` (as tokio's timers do, about 30 years).
pub(crate) const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `start + after`, saturating: a duration too large to add (a deadline or
/// backoff of `Duration::MAX`) gives a point about 30 years on instead of
/// panicking, so it means "no limit".
pub(crate) fn instant_after(start: Instant, after: Duration) -> Instant {
    start
        .checked_add(after)
        .or_else(|| start.checked_add(after.min(FAR_FUTURE)))
        .unwrap_or(start)
}

/// A number in `[0, 1)` from the CSPRNG (0.5 should it ever fail: the
/// backoff stays exponential, only less spread).
fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    match crate::crypto::random_bytes(&mut bytes) {
        // 53 random bits → a double in [0, 1).
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// Settings for one call, overriding the client's defaults; see
/// [`Client::call_with`](crate::Client::call_with).
///
/// ```no_run
/// use std::time::Duration;
/// use wxpay_core::{CallOptions, RetryPolicy};
///
/// // Place an order, retrying on transient failures: safe because the
/// // platform de-duplicates orders by out_trade_no.
/// let options = CallOptions::new()
///     .idempotent(true)
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::new().max_attempts(3).deadline(Duration::from_secs(15)));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) idempotent: Option<bool>,
}

impl CallOptions {
    /// The client's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed for each attempt of this call, instead of the client's
    /// [`timeout`](crate::ClientBuilder::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call, instead of the client's
    /// [`retry_policy`](crate::ClientBuilder::retry_policy).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Whether this call may be sent more than once. Defaults to `true`
    /// for `GET`, `HEAD` and `DELETE` and `false` otherwise; say `true` for a
    /// `POST` that the platform de-duplicates (an order with the same
    /// `out_trade_no`, a refund with the same `out_refund_no`).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }
}

/// Whether a method is safe to repeat without the caller saying so.
pub(crate) fn idempotent_by_default(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::DELETE)
}

/// Whether an attempt that ended with `error` may be tried again.
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Transport(t) => matches!(
            t.kind(),
            TransportErrorKind::Connect | TransportErrorKind::Io
        ),
        Error::Timeout(_) => true,
        Error::Api(e) => e.is_retryable(),
        _ => false,
    }
}

/// Whether `error` says the host itself is in trouble, so that the next
/// attempt should go to the backup host: the connection failed, no answer
/// came in time, or the host answered 5xx.
pub(crate) fn fails_over(error: &Error) -> bool {
    match error {
        Error::Api(e) => e.status.is_server_error(),
        other => is_retryable(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, TransportError, VerifyError, VerifyReason};
    use http::StatusCode;

    fn api(status: u16, code: &str) -> Error {
        Error::from(ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            code: Some(code.into()),
            message: None,
            detail: None,
            request_id: None,
            verified: false,
        })
    }

    #[test]
    fn backoff_grows_exponentially_within_jitter_and_cap() {
        let p = RetryPolicy::new().backoff(Duration::from_millis(100), Duration::from_millis(1000));
        for _ in 0..50 {
            let b1 = p.backoff_for(1);
            assert!(
                b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100),
                "{b1:?}"
            );
            let b3 = p.backoff_for(3);
            assert!(
                b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400),
                "{b3:?}"
            );
            let b9 = p.backoff_for(9);
            assert!(
                b9 >= Duration::from_millis(500) && b9 <= Duration::from_millis(1000),
                "{b9:?}"
            );
            // Huge retry numbers saturate instead of overflowing.
            assert!(p.backoff_for(u32::MAX) <= Duration::from_millis(1000));
        }
        // Jitter spreads the waits.
        let draws: std::collections::HashSet<_> = (0..20).map(|_| p.backoff_for(2)).collect();
        assert!(draws.len() > 10, "{draws:?}");
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::new().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn durations_too_large_for_an_instant_saturate() {
        let now = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(instant_after(now, second), now + second);
        for huge in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
            let far = instant_after(now, huge);
            assert!(far >= now + FAR_FUTURE, "{huge:?}");
            // Later starts are not earlier: a wait of MAX from now is never
            // before a deadline of MAX from an earlier start.
            assert!(instant_after(now + second, huge) >= far);
        }
        // The largest backoff is drawn without overflowing either.
        let p = RetryPolicy::new().backoff(Duration::MAX, Duration::MAX);
        for retry in [1, 2, 64, u32::MAX] {
            assert!(p.backoff_for(retry) >= Duration::MAX / 2);
        }
    }

    #[test]
    fn what_is_retried_and_what_fails_over() {
        let connect = Error::from(TransportError::from_kind(TransportErrorKind::Connect));
        let io = Error::from(TransportError::from_kind(TransportErrorKind::Io));
        let too_large = Error::from(TransportError::from_kind(TransportErrorKind::BodyTooLarge));
        let timeout = Error::Timeout(Duration::from_secs(1));
        let verify = Error::from(VerifyError {
            status: StatusCode::OK,
            request_id: None,
            reason: VerifyReason::BadSignature,
        });
        for e in [
            &connect,
            &io,
            &timeout,
            &api(500, "SYSTEM_ERROR"),
            &api(503, "X"),
        ] {
            assert!(is_retryable(e), "{e}");
            assert!(fails_over(e), "{e}");
        }
        assert!(is_retryable(&api(429, "FREQUENCY_LIMITED")));
        assert!(
            !fails_over(&api(429, "FREQUENCY_LIMITED")),
            "a busy host is not a dead one"
        );
        for e in [
            &too_large,
            &verify,
            &api(400, "PARAM_ERROR"),
            &api(404, "ORDER_NOT_EXIST"),
        ] {
            assert!(!is_retryable(e), "{e}");
            assert!(!fails_over(e), "{e}");
        }
        assert!(idempotent_by_default(&Method::GET));
        assert!(idempotent_by_default(&Method::DELETE));
        assert!(!idempotent_by_default(&Method::POST));
        assert!(!idempotent_by_default(&Method::PATCH));
    }
}
