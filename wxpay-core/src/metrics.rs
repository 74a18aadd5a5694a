//! Metrics through the [`metrics`](https://docs.rs/metrics) facade, when
//! the `metrics` feature is on: install any recorder (Prometheus, StatsD,
//! …) in the service and these series appear. Without the feature every
//! call here is an empty function.
//!
//! | series | kind | labels |
//! |---|---|---|
//! | `wxpay_requests_total` | counter | `method`, `path`, `status`, `error` |
//! | `wxpay_request_duration_seconds` | histogram | `method`, `path`, `outcome` |
//! | `wxpay_request_retries_total` | counter | `path`, `error` |
//! | `wxpay_request_failovers_total` | counter | `path` |
//! | `wxpay_certificate_refreshes_total` | counter | `trigger`, `outcome`, `source` |
//! | `wxpay_notifications_total` | counter | `event_type`, `verdict` |
//!
//! One request is one call, all its attempts and waits included; each
//! retry and each move to the backup host is counted apart. Label values
//! come from fixed lists, so no label ever carries an order number, an
//! openid or any other value of a request:
//!
//! - `path`: the endpoint's declared template (`/v3/pay/transactions/out-trade-no/{out_trade_no}`),
//!   never the path sent; untyped calls ([`Client::request_json`](crate::Client::request_json))
//!   have every segment that may be a value written `{}`;
//! - `status`: `200`, `204`, `400`, `401`, `403`, `404`, `429`, `500`,
//!   `502`, `503`, `504`, else the class (`2xx`, `4xx`, `5xx`, `other`), or
//!   `none` when no answer came;
//! - `error`: `none`, `build`, `sign`, `connect`, `io`, `body_too_large`,
//!   `invalid_request`, `timeout`, `api`, `verify`, `decode`, `download`;
//! - `outcome` (requests): `ok` or `error`;
//! - `trigger`: `scheduled`, `bootstrap`, `on_demand_answer`,
//!   `on_demand_notification`, `explicit`; `outcome` (refreshes): `ok`,
//!   `no_certificates`, `error`; `source`: `platform`, `shared_store`, or
//!   `none` when it failed;
//! - `event_type`: one of [`Event::TYPED`](crate::notify::Event::TYPED),
//!   else `other`, or `unverified` when the notification was refused
//!   before it could be read; `verdict`: `processed`, `duplicate`,
//!   `in_progress`, `rejected`, `failed`, `store_error`.
//!
//! Label values are `&'static str`: recording formats and copies no
//! string (the facade still gathers each series' labels in a small vector).
//! A path template not known at compile time (an untyped call's) is kept
//! once, up to 1024 of them; later ones are labelled `other`. Without the
//! feature, the calls compile to nothing.

#[cfg(feature = "metrics")]
use std::time::Duration;

#[cfg(feature = "metrics")]
use http::{Method, StatusCode};

/// Records one call: its method, path template, final status or error
/// kind, and how long it took in all. Only compiled with the feature (the
/// call site reads the clock for it).
#[cfg(feature = "metrics")]
pub(crate) fn request(
    method: &Method,
    path: &str,
    status: Option<StatusCode>,
    error: Option<&'static str>,
    elapsed: Duration,
) {
    on::request(method, path, status, error, elapsed);
}

/// Records a retry of a call to `path` after an error of kind `error`.
#[inline]
pub(crate) fn retry(path: &str, error: &'static str) {
    #[cfg(feature = "metrics")]
    on::retry(path, error);
    #[cfg(not(feature = "metrics"))]
    let _ = (path, error);
}

/// Records a move of a call to `path` to the backup host.
#[inline]
pub(crate) fn failover(path: &str) {
    #[cfg(feature = "metrics")]
    on::failover(path);
    #[cfg(not(feature = "metrics"))]
    let _ = path;
}

/// Records a certificate refresh.
#[inline]
pub(crate) fn certificate_refresh(
    trigger: &'static str,
    outcome: &'static str,
    source: &'static str,
) {
    #[cfg(feature = "metrics")]
    on::certificate_refresh(trigger, outcome, source);
    #[cfg(not(feature = "metrics"))]
    let _ = (trigger, outcome, source);
}

/// Records a handled notification: `event_type` from
/// [`event_type`], `unverified` for one refused before it was read.
#[inline]
pub(crate) fn notification(event_type: &'static str, verdict: &'static str) {
    #[cfg(feature = "metrics")]
    on::notification(event_type, verdict);
    #[cfg(not(feature = "metrics"))]
    let _ = (event_type, verdict);
}

/// The label of an event type: itself when it is one of
/// [`Event::TYPED`](crate::notify::Event::TYPED), else `other`.
#[cfg(feature = "metrics")]
pub(crate) fn event_type(event_type: &str) -> &'static str {
    crate::notify::Event::TYPED
        .iter()
        .copied()
        .find(|known| *known == event_type)
        .unwrap_or("other")
}

/// The label of an event type (none without the feature).
#[cfg(not(feature = "metrics"))]
#[inline]
pub(crate) fn event_type(_: &str) -> &'static str {
    ""
}

#[cfg(feature = "metrics")]
mod on {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    use std::time::Duration;

    use http::{Method, StatusCode};
    use metrics::{counter, histogram};

    pub(super) fn request(
        method: &Method,
        path: &str,
        status: Option<StatusCode>,
        error: Option<&'static str>,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let path = intern(path);
        counter!(
            "wxpay_requests_total",
            "method" => method,
            "path" => path,
            "status" => status_label(status),
            "error" => error.unwrap_or("none"),
        )
        .increment(1);
        histogram!(
            "wxpay_request_duration_seconds",
            "method" => method,
            "path" => path,
            "outcome" => if error.is_none() { "ok" } else { "error" },
        )
        .record(elapsed.as_secs_f64());
    }

    pub(super) fn retry(path: &str, error: &'static str) {
        counter!("wxpay_request_retries_total", "path" => intern(path), "error" => error)
            .increment(1);
    }

    pub(super) fn failover(path: &str) {
        counter!("wxpay_request_failovers_total", "path" => intern(path)).increment(1);
    }

    pub(super) fn certificate_refresh(
        trigger: &'static str,
        outcome: &'static str,
        source: &'static str,
    ) {
        counter!(
            "wxpay_certificate_refreshes_total",
            "trigger" => trigger,
            "outcome" => outcome,
            "source" => source,
        )
        .increment(1);
    }

    pub(super) fn notification(event_type: &'static str, verdict: &'static str) {
        counter!(
            "wxpay_notifications_total",
            "event_type" => event_type,
            "verdict" => verdict,
        )
        .increment(1);
    }

    fn method_label(method: &Method) -> &'static str {
        match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            _ => "other",
        }
    }

    pub(super) fn status_label(status: Option<StatusCode>) -> &'static str {
        let Some(status) = status else {
            return "none";
        };
        let code = status.as_u16();
        const EXACT: [(u16, &str); 11] = [
            (200, "200"),
            (204, "204"),
            (400, "400"),
            (401, "401"),
            (403, "403"),
            (404, "404"),
            (429, "429"),
            (500, "500"),
            (502, "502"),
            (503, "503"),
            (504, "504"),
        ];
        if let Some((_, label)) = EXACT.iter().find(|(c, _)| *c == code) {
            return label;
        }
        match code / 100 {
            2 => "2xx",
            4 => "4xx",
            5 => "5xx",
            _ => "other",
        }
    }

    /// How many distinct path templates are kept.
    const TEMPLATES_KEPT: usize = 1024;

    /// `path` as a `&'static str`: each distinct template is leaked once
    /// (templates hold no values, and there are at most
    /// [`TEMPLATES_KEPT`] of them), so labels are never allocated again.
    pub(super) fn intern(path: &str) -> &'static str {
        static TEMPLATES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut templates = TEMPLATES
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = templates.get(path) {
            return kept;
        }
        if templates.len() >= TEMPLATES_KEPT {
            return "other";
        }
        let kept: &'static str = Box::leak(path.to_owned().into_boxed_str());
        templates.insert(kept);
        kept
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn labels_come_from_fixed_lists() {
            assert_eq!(status_label(Some(StatusCode::OK)), "200");
            assert_eq!(status_label(Some(StatusCode::IM_A_TEAPOT)), "4xx");
            assert_eq!(status_label(None), "none");
            let a = intern("/v3/x/{}");
            let b = intern(&String::from("/v3/x/{}"));
            assert!(std::ptr::eq(a, b), "kept once");
        }
    }
}
