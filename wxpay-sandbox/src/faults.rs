//! Scripted misbehaviour: answers that a client must survive or refuse.
//!
//! A [`FaultRule`] says which requests it applies to (method, path prefix,
//! how many matching requests to let through first, how many to affect) and
//! what goes wrong ([`Fault`]). Rules are checked in the order added; the
//! first that applies wins.

use http::Method;
use serde::Deserialize;

/// What goes wrong with an answer.
///
/// Over the control route `POST /sandbox/faults` a fault is written as JSON
/// tagged by `kind`: `{"kind":"status","status":500,"code":"SYSTEM_ERROR","signed":false}`,
/// `{"kind":"tamper_body"}`, `{"kind":"skew_timestamp","seconds":-600}`,
/// `{"kind":"unknown_serial","serial":"X"}`, `{"kind":"bad_signature"}`,
/// `{"kind":"unsigned"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer this status and platform error code instead of running the
    /// route (nothing is changed in the sandbox's state). `signed` says
    /// whether the error carries signature headers.
    Status {
        /// HTTP status.
        status: u16,
        /// Platform error code, e.g. `SYSTEM_ERROR`.
        code: String,
        /// Whether to sign the error answer.
        signed: bool,
    },
    /// Sign the real answer, then flip one byte of its body, as a
    /// man-in-the-middle would.
    TamperBody,
    /// Sign the real answer with a timestamp this many seconds away from now.
    SkewTimestamp {
        /// Seconds added to the real time (negative: in the past).
        seconds: i64,
    },
    /// Sign with the real key but name this serial in `Wechatpay-Serial`.
    UnknownSerial {
        /// The serial to name.
        serial: String,
    },
    /// Replace the signature by a well-formed one that does not verify.
    BadSignature,
    /// Send the real answer without any signature header.
    Unsigned,
}

/// When a [`Fault`] applies.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub(crate) fault: Fault,
    pub(crate) method: Option<Method>,
    pub(crate) path_prefix: Option<String>,
    pub(crate) skip: usize,
    pub(crate) times: Option<usize>,
    pub(crate) seen: usize,
    pub(crate) applied: usize,
}

impl FaultRule {
    /// A rule applying `fault` to every request, forever.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            method: None,
            path_prefix: None,
            skip: 0,
            times: None,
            seen: 0,
            applied: 0,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only requests whose path starts with this prefix (as sent, percent-encoded).
    pub fn path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Let the first `n` matching requests through untouched.
    pub fn after(mut self, n: usize) -> Self {
        self.skip = n;
        self
    }

    /// Affect at most `n` requests, then stand down.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// Whether the rule has affected all the requests it was meant to.
    pub fn is_spent(&self) -> bool {
        self.times.is_some_and(|t| self.applied >= t)
    }

    /// Counts a request against the rule; true when the fault applies to it.
    pub(crate) fn take(&mut self, method: &Method, path: &str) -> bool {
        if self.is_spent()
            || self.method.as_ref().is_some_and(|m| m != method)
            || self
                .path_prefix
                .as_deref()
                .is_some_and(|p| !path.starts_with(p))
        {
            return false;
        }
        self.seen += 1;
        if self.seen <= self.skip {
            return false;
        }
        self.applied += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_matching_requests_only() {
        let mut r = FaultRule::new(Fault::TamperBody)
            .method(Method::GET)
            .path("/v3/pay")
            .after(1)
            .times(2);
        assert!(!r.take(&Method::POST, "/v3/pay/x"));
        assert!(!r.take(&Method::GET, "/v3/refund"));
        assert!(!r.take(&Method::GET, "/v3/pay/x")); // skipped
        assert!(r.take(&Method::GET, "/v3/pay/x"));
        assert!(r.take(&Method::GET, "/v3/pay/y"));
        assert!(r.is_spent());
        assert!(!r.take(&Method::GET, "/v3/pay/x"));
    }
}
