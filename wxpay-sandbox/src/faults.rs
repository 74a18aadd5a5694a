//! Scripted misbehaviour: answers and connections that a client must survive
//! or refuse.
//!
//! A [`FaultRule`] says which requests it applies to (method, path prefix,
//! how many matching requests to let through first, every how many to hit,
//! how many to affect) and what goes wrong ([`Fault`]). Rules are checked in
//! the order added; the first that applies wins. Faults reach authenticated
//! API requests only, never the `/sandbox/` control routes.
//!
//! From Rust:
//!
//! ```no_run
//! # async fn run(sandbox: wxpay_sandbox::Sandbox) {
//! use wxpay_sandbox::{Fault, FaultRule};
//! // Every 20th GET under /v3/pay answers 503, forever.
//! sandbox.inject(
//!     FaultRule::new(Fault::Status { status: 503, code: "SYSTEM_ERROR".into(), signed: false })
//!         .method(http::Method::GET)
//!         .path("/v3/pay")
//!         .every(20),
//! );
//! // The next answer comes 2 s late.
//! sandbox.inject(FaultRule::new(Fault::Delay { ms: 2000 }).times(1));
//! # }
//! ```
//!
//! Over HTTP, `POST /sandbox/faults` with
//! `{"fault":{"kind":"reset"},"method":"POST","path":"/v3/pay","after":2,"every":5,"times":3}`
//! (every field but `fault` optional; see [`crate::control`]). A fault is
//! written as JSON tagged by `kind`:
//!
//! | `kind` | what the client sees |
//! |---|---|
//! | `status` (`status`, `code` = `SYSTEM_ERROR`, `signed` = `false`) | that error answer; the route does not run |
//! | `tamper_body` | the real answer, signed, then one body byte changed |
//! | `skew_timestamp` (`seconds`) | the real answer signed with a shifted timestamp |
//! | `unknown_serial` (`serial`) | the real answer naming another key serial |
//! | `bad_signature` | the real answer with a signature that does not verify |
//! | `unsigned` | the real answer without signature headers |
//! | `invalid_json` | `200`, signed, a body that is not JSON |
//! | `wrong_shape` | `200`, signed, JSON of another shape than the operation's |
//! | `delay` (`ms`) | the real answer, `ms` milliseconds late |
//! | `hang` | nothing: the connection stays open and silent |
//! | `close_before_headers` | the connection closed without an answer |
//! | `close_after_headers` | the answer's headers, then the connection closed |
//! | `reset` | a TCP reset (RST) instead of an answer |
//! | `truncate_body` | the headers and half the signed body, then the connection closed |
//! | `trickle_body` (`chunk`, `interval_ms`) | the real answer, `chunk` bytes every `interval_ms` |
//!
//! Except for `status`, the route runs first (state changes as for a normal
//! request) and its answer is spoiled on the way out, which is the hard
//! case for a client: the platform acted, the client cannot know it. Over
//! HTTP/2 "the connection closed" becomes "the stream was reset".

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use hyper::body::{Body, Frame, SizeHint};
use serde::Deserialize;

/// What goes wrong with an answer or its connection; see the [module
/// documentation](self) for the JSON form.
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
        #[serde(default = "default_code")]
        code: String,
        /// Whether to sign the error answer.
        #[serde(default)]
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
    /// Answer `200` with a correctly signed body that is not JSON: the
    /// client must fail decoding it, after verifying it.
    InvalidJson,
    /// Answer `200` with correctly signed JSON of another shape (an array):
    /// the client must fail decoding it, after verifying it.
    WrongShape,
    /// Send the real answer this many milliseconds late.
    Delay {
        /// Milliseconds of added latency.
        ms: u64,
    },
    /// Never answer; keep the connection open.
    Hang,
    /// Close the connection without answering.
    CloseBeforeHeaders,
    /// Send the answer's headers (with the full `Content-Length`), then
    /// close the connection.
    CloseAfterHeaders,
    /// Reset the connection (TCP RST, `SO_LINGER` 0) instead of answering.
    Reset,
    /// Send the headers and the first half of the signed body, then close
    /// the connection.
    TruncateBody,
    /// Send the real answer slowly: `chunk` bytes every `interval_ms`.
    TrickleBody {
        /// Bytes per write (at least 1).
        chunk: usize,
        /// Milliseconds between writes.
        interval_ms: u64,
    },
}

fn default_code() -> String {
    crate::ErrorCode::SystemError.as_str().to_owned()
}

impl Fault {
    /// The `kind` name of the fault, as in its JSON form; what
    /// [`Sandbox::faults_applied`](crate::Sandbox::faults_applied) counts by.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Status { .. } => "status",
            Fault::TamperBody => "tamper_body",
            Fault::SkewTimestamp { .. } => "skew_timestamp",
            Fault::UnknownSerial { .. } => "unknown_serial",
            Fault::BadSignature => "bad_signature",
            Fault::Unsigned => "unsigned",
            Fault::InvalidJson => "invalid_json",
            Fault::WrongShape => "wrong_shape",
            Fault::Delay { .. } => "delay",
            Fault::Hang => "hang",
            Fault::CloseBeforeHeaders => "close_before_headers",
            Fault::CloseAfterHeaders => "close_after_headers",
            Fault::Reset => "reset",
            Fault::TruncateBody => "truncate_body",
            Fault::TrickleBody { .. } => "trickle_body",
        }
    }

    /// The body that replaces the route's answer, for the decoding faults.
    pub(crate) fn replacement_body(&self) -> Option<&'static [u8]> {
        match self {
            Fault::InvalidJson => Some(br#"{"prepay_id": "wx2611215250"#),
            Fault::WrongShape => Some(br#"["an","array","where","an","object","belongs"]"#),
            _ => None,
        }
    }
}

/// When a [`Fault`] applies.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub(crate) fault: Fault,
    pub(crate) method: Option<Method>,
    pub(crate) path_prefix: Option<String>,
    pub(crate) skip: usize,
    pub(crate) every: usize,
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
            every: 1,
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

    /// Then affect only every `n`-th matching request (the `n`-th, the
    /// `2n`-th, …); `1` (the default) affects each one.
    pub fn every(mut self, n: usize) -> Self {
        self.every = n.max(1);
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
        if self.seen <= self.skip || (self.seen - self.skip) % self.every != 0 {
            return false;
        }
        self.applied += 1;
        true
    }
}

/// How long a body that is cut short waits before failing, so that what
/// was sent (at least the headers) reaches the client first.
const FLUSH_PAUSE: Duration = Duration::from_millis(30);

/// The body of every sandbox answer: all at once, or shaped by a fault
/// (trickled, or cut short with a connection error).
pub(crate) struct AnswerBody {
    rest: Bytes,
    chunk: usize,
    interval: Duration,
    /// Fail (closing the connection) once `rest` is sent.
    cut: bool,
    /// What `Content-Length` announces.
    length: u64,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl AnswerBody {
    /// The whole body in one frame.
    pub(crate) fn full(body: Bytes) -> Self {
        let length = body.len() as u64;
        AnswerBody {
            rest: body,
            chunk: usize::MAX,
            interval: Duration::ZERO,
            cut: false,
            length,
            pause: None,
        }
    }

    /// The body as `fault` shapes it.
    pub(crate) fn shaped(body: Bytes, fault: Option<&Fault>) -> Self {
        let mut out = Self::full(body);
        match fault {
            Some(Fault::CloseAfterHeaders) => {
                out.rest = Bytes::new();
                out.cut = true;
            }
            Some(Fault::TruncateBody) => {
                out.rest.truncate(out.rest.len() / 2);
                out.cut = true;
            }
            Some(Fault::TrickleBody { chunk, interval_ms }) => {
                out.chunk = (*chunk).max(1);
                out.interval = Duration::from_millis(*interval_ms);
            }
            _ => {}
        }
        if out.cut {
            out.pause = Some(Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
        }
        out
    }
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if let Some(pause) = &mut this.pause {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pause = None;
        }
        if this.rest.is_empty() {
            return Poll::Ready(this.cut.then(|| {
                this.cut = false;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "the sandbox cut this answer short",
                ))
            }));
        }
        let piece = this.rest.split_to(this.chunk.min(this.rest.len()));
        if !this.interval.is_zero() && !this.rest.is_empty() {
            this.pause = Some(Box::pin(tokio::time::sleep(this.interval)));
        } else if this.cut {
            this.pause = Some(Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && !self.cut
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

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

    #[test]
    fn every_nth_request_after_the_skip() {
        let mut r = FaultRule::new(Fault::Reset).after(2).every(3);
        let hits: Vec<bool> = (0..11).map(|_| r.take(&Method::GET, "/v3/x")).collect();
        // Requests 3, 4, 5 are the 1st, 2nd, 3rd after the skip: the 3rd is hit.
        let expected = [
            false, false, false, false, true, false, false, true, false, false, true,
        ];
        assert_eq!(hits, expected);
        assert_eq!(r.applied, 3);
    }

    #[test]
    fn faults_read_from_json() {
        let f: Fault = serde_json::from_str(r#"{"kind":"status","status":503}"#).unwrap();
        assert_eq!(
            f,
            Fault::Status {
                status: 503,
                code: "SYSTEM_ERROR".into(),
                signed: false
            }
        );
        let f: Fault =
            serde_json::from_str(r#"{"kind":"trickle_body","chunk":2,"interval_ms":10}"#).unwrap();
        assert_eq!(f.kind(), "trickle_body");
        for kind in [
            "reset",
            "hang",
            "close_before_headers",
            "close_after_headers",
            "truncate_body",
            "invalid_json",
            "wrong_shape",
        ] {
            let f: Fault = serde_json::from_str(&format!(r#"{{"kind":"{kind}"}}"#)).unwrap();
            assert_eq!(f.kind(), kind);
        }
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"nope"}"#).is_err());
    }

    #[tokio::test]
    async fn bodies_trickle_or_are_cut() {
        let body = Bytes::from_static(b"0123456789");
        let trickled = AnswerBody::shaped(
            body.clone(),
            Some(&Fault::TrickleBody {
                chunk: 4,
                interval_ms: 1,
            }),
        );
        assert_eq!(trickled.size_hint().exact(), Some(10));
        let mut frames = Vec::new();
        let mut trickled = std::pin::pin!(trickled);
        while let Some(frame) = trickled.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(frames, ["0123", "4567", "89"]);

        let cut = AnswerBody::shaped(body.clone(), Some(&Fault::TruncateBody));
        assert_eq!(
            cut.size_hint().exact(),
            Some(10),
            "announces the full length"
        );
        let mut cut = std::pin::pin!(cut);
        assert_eq!(
            cut.frame().await.unwrap().unwrap().into_data().unwrap(),
            "01234"
        );
        assert!(cut.frame().await.unwrap().is_err());
        assert!(cut.frame().await.is_none());

        let whole = AnswerBody::shaped(body, None).collect().await.unwrap();
        assert_eq!(whole.to_bytes(), "0123456789");
    }
}
