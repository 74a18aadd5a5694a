//! One error type for every stage of a request's life.
//!
//! [`Error`] has one variant per stage: building the request, signing it,
//! moving bytes ([`Transport`](Error::Transport), [`Timeout`](Error::Timeout)),
//! the platform's answer ([`Api`](Error::Api)), checking that answer
//! ([`Verify`](Error::Verify)) and reading it ([`Decode`](Error::Decode)).
//! Whatever the stage, [`Error::status`], [`Error::code`] and
//! [`Error::request_id`] give what support asks for, and
//! [`Error::is_retryable`] says whether trying again with the same parameters
//! can help.
//!
//! No variant carries key material, the `Authorization` header or a decrypted
//! sensitive field.
//!
//! # In tests
//!
//! Code built on the client can be handed the errors the client returns.
//! [`ApiError::new`] and its setters, or [`ApiError::from_body`] (which
//! reads an error body exactly as the client does), build an API error
//! equal, field by field, to the one the client makes of the same answer;
//! [`VerifyError::new`] builds a verification failure. `Error::from` wraps
//! either. To have a real client produce them, without sockets, see
//! [`testing`](crate::testing).
//!
//! ```
//! use wxpay_core::error::{ApiError, Error};
//! use wxpay_core::http::StatusCode;
//!
//! let error = Error::from(
//!     ApiError::new(StatusCode::BAD_REQUEST)
//!         .code("ORDER_PAID")
//!         .message("the order is paid")
//!         .request_id("08F78BB5AF0610D302"),
//! );
//! assert_eq!(error.code(), Some("ORDER_PAID"));
//! assert!(!error.is_retryable());
//!
//! // The same error, read from the body the platform would send.
//! let read = ApiError::from_body(
//!     StatusCode::BAD_REQUEST,
//!     br#"{"code":"ORDER_PAID","message":"the order is paid"}"#,
//! )
//! .request_id("08F78BB5AF0610D302");
//! assert_eq!(error.as_api(), Some(&read));
//! ```

use std::fmt::{self, Write as _};
use std::time::Duration;

use http::StatusCode;

/// A boxed error used as the `source()` of wrapped failures.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong between building a request and reading its answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or a request could not be built: a bad base URL, a key
    /// that does not parse, a body that does not serialise, a request that
    /// needs a platform key none is configured for (a certificate-only
    /// client whose merchant has no certificates learns that from the
    /// certificate download's 404).
    ///
    /// The request itself was not sent. Fix the configuration or the request.
    #[error("{0}")]
    Build(#[from] BuildError),

    /// Signing with the merchant key failed inside OpenSSL. Nothing was sent.
    /// Usually a key that is not an RSA key of a usable size.
    #[error("signing the request failed")]
    Sign(#[source] BoxError),

    /// The request did not complete at the connection level: DNS, TCP, TLS,
    /// or the connection closed before a full answer arrived.
    ///
    /// [`TransportError::is_connect`] tells whether the request surely never
    /// reached the server. Retrying is safe for reads and for order creation
    /// with the same `out_trade_no` (the platform de-duplicates it).
    #[error("{0}")]
    Transport(#[from] TransportError),

    /// No complete answer within the time allowed: the attempt's timeout
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout),
    /// [`CallOptions::timeout`](crate::CallOptions::timeout)) or what was
    /// left of the call's deadline. The request may or may not have been
    /// processed: query before creating anything anew. No answer arrived, so
    /// there is no `Request-ID`; the `wxpay.attempt` trace events show each
    /// attempt.
    #[error("no answer within {0:?}")]
    Timeout(Duration),

    /// The platform answered with an error status (4xx or 5xx).
    ///
    /// [`ApiError::code`] is the platform's machine-readable code (e.g.
    /// `PARAM_ERROR`, `ORDER_NOT_EXIST`, `SYSTEM_ERROR`); 5xx and 429 answers
    /// are safe to retry with the same parameters.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The answer could not be proved to come from WeChat Pay: a signature
    /// header was missing, the timestamp was outside the skew window, the
    /// serial was unknown, or the signature did not match the body.
    ///
    /// The answer was discarded. Never act on it; if it keeps happening,
    /// check the platform keys configured on the client.
    #[error("{0}")]
    Verify(Box<VerifyError>),

    /// The answer was verified but its body did not fit the response type.
    #[error("{0}")]
    Decode(Box<DecodeError>),

    /// A file download (a bill) was refused or failed its integrity check:
    /// its URL pointed at another host than the client's, its digest did
    /// not match the one the platform announced, or it could not be
    /// decompressed, decrypted or written.
    ///
    /// Never use a file that failed here. [`DownloadError::kind`] says what
    /// happened; a digest mismatch names the digest expected and the one
    /// found. Download URLs expire within minutes: apply for the file again
    /// rather than retrying the same URL.
    #[error("{0}")]
    Download(Box<DownloadError>),

    /// An APIv2 answer refused the request: its `return_code` (the
    /// communication: signature, parameters, merchant) or its `result_code`
    /// (the business outcome) was not `SUCCESS`.
    ///
    /// [`V2ApiError`] keeps `return_msg`, `err_code` and `err_code_des`;
    /// [`Error::code`] is the `err_code` (or the `return_code`). The client
    /// never retries these by itself ([`Error::is_retryable`] is `false`):
    /// what `SYSTEMERROR`, `BANKERROR` or `USERPAYING` call for depends on
    /// the operation (query a code payment, wait for the payer, then
    /// reverse; repeat a refund with the same parameters); see
    /// [`V2ApiError::is_transient`].
    #[error("{0}")]
    V2(Box<V2ApiError>),

    /// An APIv2 answer could not be read: not the `<xml>` body expected,
    /// or verified fields that do not fit the response type.
    #[error("{0}")]
    V2Decode(Box<V2DecodeError>),
}

impl Error {
    /// The HTTP status of the answer, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Verify(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::V2(e) => Some(e.status),
            Error::V2Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The platform's error code (`PARAM_ERROR`, `SYSTEM_ERROR`, …), for
    /// API errors; for APIv2 errors the `err_code` (`ORDERPAID`,
    /// `USERPAYING`, …), or the `return_code` (`FAIL`) when the request
    /// was refused before any business check.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.code.as_deref(),
            Error::V2(e) => Some(e.code()),
            _ => None,
        }
    }

    /// The `Request-ID` header of the answer, if one arrived: quote it to
    /// WeChat Pay support. A transport error has one when the connection
    /// failed after the answer's headers came; a timeout or a failure before
    /// any answer has none.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Transport(e) => e.request_id(),
            Error::Api(e) => e.request_id.as_deref(),
            Error::Verify(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::Download(e) => e.request_id.as_deref(),
            Error::V2(e) => e.request_id.as_deref(),
            Error::V2Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, when the platform answered with an error status.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again unchanged:
    /// connection failures, timeouts, `429` and `5xx` answers, and the codes
    /// the platform documents as transient (`SYSTEM_ERROR`, `BANK_ERROR`,
    /// `FREQUENCY_LIMITED`). Business errors (other 4xx), verification and
    /// decoding failures, an answer over the size limit and a request that
    /// cannot be expressed on the wire are not retryable.
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable(self)
    }

    pub(crate) fn build(message: impl Into<String>) -> Self {
        Error::Build(BuildError::new(message))
    }
}

/// A request or client that could not be built; see [`Error::Build`].
#[derive(Debug)]
pub struct BuildError {
    message: String,
    source: Option<BoxError>,
}

impl BuildError {
    /// A build error with a message saying what to fix.
    pub fn new(message: impl Into<String>) -> Self {
        BuildError {
            message: message.into(),
            source: None,
        }
    }

    /// A build error caused by another error.
    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        BuildError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// Which part of the connection failed; see [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be opened (DNS, TCP, TLS): the request was not sent.
    Connect,
    /// The connection failed after the request may have been sent.
    Io,
    /// The answer's body exceeded the configured size limit.
    BodyTooLarge,
    /// The request could not be expressed on the wire (a bad URI, a header
    /// value with forbidden characters).
    InvalidRequest,
}

/// A failure below HTTP semantics; see [`Error::Transport`].
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<BoxError>,
    request_id: Option<String>,
}

impl TransportError {
    /// A transport error of the given kind.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        TransportError {
            kind,
            source: Some(source.into()),
            request_id: None,
        }
    }

    /// A transport error of the given kind with no underlying error.
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        TransportError {
            kind,
            source: None,
            request_id: None,
        }
    }

    /// Records the `Request-ID` of an answer whose headers arrived before
    /// the connection failed (a body cut short, say).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The `Request-ID` of the answer, when its headers arrived.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Which part failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request surely never left this machine.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Io => "connection failed",
            TransportErrorKind::BodyTooLarge => "answer body too large",
            TransportErrorKind::InvalidRequest => "request cannot be sent",
        };
        match &self.source {
            // The source chain of hyper errors is short and secret-free; show
            // the innermost cause so a log line alone is useful.
            Some(source) => write!(f, "{what}: {}", innermost(source.as_ref()))?,
            None => f.write_str(what)?,
        }
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

fn innermost<'a>(
    mut e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    while let Some(next) = e.source() {
        e = next;
    }
    e
}

/// The platform answered with an error status; see [`Error::Api`].
///
/// Error answers may come unsigned. When the signature headers were present
/// and verified, the `verified` field is `true`; otherwise only the status,
/// `code` and `message` should be relied on.
///
/// Tests build one with [`ApiError::new`] and the setters named after the
/// fields, or with [`ApiError::from_body`]; two API errors are equal when
/// every field is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// The platform's error code, e.g. `PARAM_ERROR`. `None` when the body was
    /// not the platform's JSON error object (a proxy's HTML page, say).
    pub code: Option<String>,
    /// The platform's human-readable message, or the start of a non-JSON body.
    pub message: Option<String>,
    /// The platform's `detail` object (`field`, `value`, `issue`, `location`), when given.
    pub detail: Option<serde_json::Value>,
    /// The `Request-ID` header of the answer.
    pub request_id: Option<String>,
    /// Whether the answer carried a signature that verified.
    pub verified: bool,
}

impl ApiError {
    /// An API error with this status and nothing else: no code, message,
    /// detail or `Request-ID`, and `verified` (as the client marks an error
    /// answer whose signature checked out; set
    /// [`verified(false)`](Self::verified) for an unsigned one). The
    /// setters below fill in the rest.
    pub fn new(status: StatusCode) -> Self {
        ApiError {
            status,
            code: None,
            message: None,
            detail: None,
            request_id: None,
            verified: true,
        }
    }

    /// The API error the client makes of an error answer with this status
    /// and body, read by the same rule: the platform's error object
    /// (`code`, `message`, `detail`), or for any other body no code and the
    /// body's first 200 characters as the message. Marked verified, with no
    /// `Request-ID`; the setters change either.
    pub fn from_body(status: StatusCode, body: &[u8]) -> Self {
        Self::from_answer(status, body, None, true)
    }

    /// Sets the platform's error code (`PARAM_ERROR`, `ORDER_PAID`, …).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the platform's message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the `detail` object, e.g. `{"field": "amount.total", "issue": "…"}`.
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    /// Sets the `Request-ID` of the answer.
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets whether the answer's signature verified (default `true`);
    /// [`detail_field`](Self::detail_field) and
    /// [`detail_issue`](Self::detail_issue) read the detail of a verified
    /// answer only.
    pub fn verified(mut self, verified: bool) -> Self {
        self.verified = verified;
        self
    }

    /// Reads an error answer: the platform's error object, or for a body
    /// that is not one (a proxy's page, say) no `code` and the body's start
    /// as the message.
    pub(crate) fn from_answer(
        status: StatusCode,
        body: &[u8],
        request_id: Option<String>,
        verified: bool,
    ) -> Self {
        #[derive(serde::Deserialize)]
        struct ErrorBody {
            code: Option<String>,
            message: Option<String>,
            detail: Option<serde_json::Value>,
        }
        let (code, message, detail) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) => (e.code, e.message, e.detail),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let excerpt: String = text.trim().chars().take(200).collect();
                (None, (!excerpt.is_empty()).then_some(excerpt), None)
            }
        };
        ApiError {
            status,
            code,
            message,
            detail,
            request_id,
            verified,
        }
    }

    /// The `detail.field` the platform complained about, when given in a
    /// verified answer (anyone on the path can write an unsigned one).
    pub fn detail_field(&self) -> Option<&str> {
        self.trusted_detail()?.get("field")?.as_str()
    }

    /// The `detail.issue` text, when given in a verified answer.
    pub fn detail_issue(&self) -> Option<&str> {
        self.trusted_detail()?.get("issue")?.as_str()
    }

    fn trusted_detail(&self) -> Option<&serde_json::Value> {
        self.detail.as_ref().filter(|_| self.verified)
    }

    /// Whether the same request may succeed if sent again; see [`Error::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status.is_server_error()
            || matches!(
                self.code.as_deref(),
                Some("SYSTEM_ERROR" | "BANK_ERROR" | "FREQUENCY_LIMITED")
            )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeChat Pay answered {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, " {}", Escaped(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", Escaped(message))?;
        }
        if let Some(issue) = self.detail_issue() {
            match self.detail_field() {
                Some(field) => write!(f, " ({}: {})", Escaped(field), Escaped(issue))?,
                None => write!(f, " ({})", Escaped(issue))?,
            }
        }
        write_request_id(f, self.request_id.as_deref())
    }
}

/// Text from an answer, written with control characters escaped, so that
/// a line break or a terminal escape in it cannot forge a log line.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

fn write_request_id(f: &mut fmt::Formatter<'_>, request_id: Option<&str>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " [Request-ID {id}]"),
        None => Ok(()),
    }
}

/// Why an answer was not accepted as coming from WeChat Pay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyReason {
    /// A required signature header was absent (or not visible ASCII).
    #[error("missing or unreadable header {0}")]
    MissingHeader(&'static str),
    /// `Wechatpay-Timestamp` was not a whole number of seconds.
    #[error("malformed Wechatpay-Timestamp")]
    MalformedTimestamp,
    /// The timestamp was further from the local clock than the allowed skew.
    #[error("timestamp is {skew_secs} s away from the local clock (allowed: {allowed_secs} s)")]
    StaleTimestamp {
        /// Signed difference `now - timestamp`, in seconds.
        skew_secs: i64,
        /// The allowed absolute difference.
        allowed_secs: u64,
    },
    /// No configured platform key or certificate has this serial.
    #[error("unknown platform key serial {0:?}")]
    UnknownSerial(String),
    /// `Wechatpay-Signature-Type` names an algorithm this client does not speak.
    #[error("unsupported signature type {0:?}")]
    UnsupportedSignatureType(String),
    /// `Wechatpay-Signature` was not base64 of an RSA-2048 signature.
    #[error("malformed signature")]
    MalformedSignature,
    /// The signature did not match the timestamp, nonce and body (for an
    /// APIv2 answer: the `sign` did not match its fields).
    #[error("signature does not match")]
    BadSignature,
    /// An APIv2 answer had no `sign` field.
    #[error("the v2 answer has no sign")]
    MissingSign,
    /// An APIv2 answer or notification named another merchant in this
    /// field (`mch_id`, `mchid`, `combine_mch_id`) than the client's.
    #[error("the v2 answer names another merchant in {0}")]
    ForeignMerchant(&'static str),
    /// A platform certificate download (`GET /v3/certificates`) could not be
    /// trusted: the list was unreadable, a certificate did not decrypt with
    /// the APIv3 key (a wrong key, or tampering), did not parse, or did not
    /// carry the serial announced for it. Nothing from it was kept.
    #[error("platform certificate download refused: {0}")]
    CertificateDownload(String),
}

/// An answer rejected by verification; see [`Error::Verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyError {
    /// HTTP status of the rejected answer.
    pub status: StatusCode,
    /// Its `Request-ID` header (unverified, but useful to support).
    pub request_id: Option<String>,
    /// Why it was rejected.
    pub reason: VerifyReason,
}

impl VerifyError {
    /// An answer of this status rejected for this reason, with no
    /// `Request-ID` (set one with [`request_id`](Self::request_id)).
    pub fn new(status: StatusCode, reason: VerifyReason) -> Self {
        VerifyError {
            status,
            request_id: None,
            reason,
        }
    }

    /// Sets the `Request-ID` of the rejected answer.
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "answer {} rejected: {}",
            self.status.as_u16(),
            self.reason
        )?;
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

/// A verified answer whose body did not fit the response type; see [`Error::Decode`].
///
/// `Display` and `Debug` say what did not fit and where (``missing field
/// `total` ``, `invalid type, expected u64`, line and column) but never
/// quote a value of the answer: serde_json's own text does (`invalid type:
/// string "o123…"`), and answers hold personal data (openids, names, card
/// numbers). For the same reason [`source`](std::error::Error::source) is
/// `None`: error reporters print the whole chain.
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// Its `Request-ID` header.
    pub request_id: Option<String>,
    /// What serde_json reported. Its text may quote values of the answer:
    /// print it only where personal data may go.
    pub source: serde_json::Error,
}

impl DecodeError {
    /// What did not fit and where, without the values serde_json quotes.
    pub fn reason(&self) -> String {
        use serde_json::error::Category;
        let e = &self.source;
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = match text.strip_suffix(&position) {
            Some(message) if e.line() != 0 => message,
            _ => text.as_str(),
        };
        let reason = match e.classify() {
            // serde_json's syntax messages are fixed texts ("expected
            // value", "EOF while parsing a string"): they quote nothing.
            Category::Syntax | Category::Eof => message.to_owned(),
            // The deserializer's messages quote the value that did not fit.
            Category::Data | Category::Io => crate::notify::data_free_reason(message),
        };
        if e.line() == 0 {
            reason
        } else {
            format!("{reason}{position}")
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "answer {} does not fit the response type: {}",
            self.status.as_u16(),
            self.reason()
        )?;
        write_request_id(f, self.request_id.as_deref())
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("reason", &self.reason())
            .finish_non_exhaustive()
    }
}

impl std::error::Error for DecodeError {}

/// What went wrong with a download; see [`Error::Download`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadErrorKind {
    /// The download URL names another host than the client's base URL.
    /// Nothing was sent: the request would have carried the merchant's
    /// signed `Authorization` header to that host.
    #[error(
        "download URL host {url_host} is not the client's host {client_host}; refused, nothing sent"
    )]
    ForeignHost {
        /// Scheme, host and port of the URL.
        url_host: String,
        /// Scheme, host and port of the client's base URL.
        client_host: String,
    },
    /// The download URL could not be read as an absolute URL.
    #[error("download URL is not an absolute http(s) URL")]
    BadUrl,
    /// The announced digest uses an algorithm this crate does not check.
    #[error("unsupported hash type {0:?}")]
    UnsupportedHash(String),
    /// The file's digest differs from the announced one.
    #[error("{algorithm} digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// `SHA1`.
        algorithm: String,
        /// The `hash_value` the platform announced.
        expected: String,
        /// The digest of what arrived (after decompression and decryption).
        actual: String,
    },
    /// The file grew past the size allowed for it
    /// ([`CheckedDownload::max_size`](crate::download::CheckedDownload::max_size)):
    /// a compressed file that inflates beyond reason (a decompression bomb).
    #[error("the downloaded file exceeds {limit} bytes once decompressed; refused")]
    TooLarge {
        /// The size allowed, in bytes of the original file.
        limit: u64,
    },
    /// The file could not be decompressed or decrypted: it is damaged or
    /// was tampered with.
    #[error("corrupt file: {0}")]
    Corrupt(String),
    /// Writing the file where it was asked to go failed.
    #[error("writing the downloaded file failed: {0}")]
    Write(#[source] std::io::Error),
}

/// A download refused or failed; see [`Error::Download`].
#[derive(Debug)]
#[non_exhaustive]
pub struct DownloadError {
    /// What went wrong.
    pub kind: DownloadErrorKind,
    /// The `Request-ID` of the download's answer, when one arrived.
    pub request_id: Option<String>,
}

impl DownloadError {
    /// A download error of this kind.
    pub fn new(kind: DownloadErrorKind, request_id: Option<String>) -> Self {
        DownloadError { kind, request_id }
    }

    /// What went wrong.
    pub fn kind(&self) -> &DownloadErrorKind {
        &self.kind
    }
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "download: {}", self.kind)?;
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for DownloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

impl From<DownloadError> for Error {
    fn from(e: DownloadError) -> Self {
        Error::Download(Box::new(e))
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Self {
        Error::Verify(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            code: Some(code.into()),
            message: Some("m".into()),
            detail: None,
            request_id: Some("RID-1".into()),
            verified: true,
        }
    }

    #[test]
    fn retryable_follows_status_and_code() {
        assert!(Error::from(api(500, "SYSTEM_ERROR")).is_retryable());
        assert!(Error::from(api(429, "FREQUENCY_LIMITED")).is_retryable());
        assert!(Error::from(api(403, "BANK_ERROR")).is_retryable());
        assert!(!Error::from(api(400, "PARAM_ERROR")).is_retryable());
        assert!(!Error::from(api(404, "ORDER_NOT_EXIST")).is_retryable());
        assert!(Error::Timeout(Duration::from_secs(1)).is_retryable());
    }

    #[test]
    fn display_names_code_detail_and_request_id() {
        let mut e = api(400, "PARAM_ERROR");
        e.detail = Some(serde_json::json!({"field": "amount.total", "issue": "must be positive"}));
        let text = Error::from(e).to_string();
        assert_eq!(
            text,
            "WeChat Pay answered 400 PARAM_ERROR: m (amount.total: must be positive) [Request-ID RID-1]"
        );
    }

    #[test]
    fn decode_errors_quote_no_values_from_the_answer() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum State {
            Success,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            openid: Option<u64>,
            level: Option<u8>,
            state: Option<State>,
            total: i64,
        }
        let cases = [
            (
                r#"{"openid":"o123SECRET","total":1}"#,
                "invalid type, expected u64 at line 1 column 22",
            ),
            (
                r#"{"level":300,"total":1}"#,
                "invalid value, expected u8 at line 1 column 12",
            ),
            (
                r#"{"state":"S3CRET_STATE","total":1}"#,
                "unknown variant at line 1 column 23",
            ),
            (
                r#"{"openid":1}"#,
                "missing field `total` at line 1 column 12",
            ),
            (
                r#"{"total":1"#,
                "EOF while parsing an object at line 1 column 10",
            ),
        ];
        for (body, reason) in cases {
            let source = serde_json::from_str::<Answer>(body).unwrap_err();
            let e = Error::from(DecodeError {
                status: StatusCode::OK,
                request_id: Some("RID-4".into()),
                source,
            });
            assert_eq!(
                e.to_string(),
                format!("answer 200 does not fit the response type: {reason} [Request-ID RID-4]")
            );
            for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                for secret in ["o123SECRET", "300", "S3CRET_STATE"] {
                    assert!(!text.contains(secret), "{secret} in {text}");
                }
            }
            let Error::Decode(d) = &e else { unreachable!() };
            assert!(std::error::Error::source(&**d).is_none());
        }
    }

    #[test]
    fn accessors_reach_through_boxes() {
        let e = Error::from(api(404, "ORDER_NOT_EXIST"));
        assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(e.code(), Some("ORDER_NOT_EXIST"));
        assert_eq!(e.request_id(), Some("RID-1"));
        let v = Error::from(VerifyError {
            status: StatusCode::OK,
            request_id: Some("RID-2".into()),
            reason: VerifyReason::BadSignature,
        });
        assert_eq!(v.request_id(), Some("RID-2"));
        assert!(v.to_string().contains("RID-2"));
        assert!(!v.is_retryable());
        let t = Error::from(
            TransportError::from_kind(TransportErrorKind::Io).with_request_id(Some("RID-3".into())),
        );
        assert_eq!(t.request_id(), Some("RID-3"));
        assert_eq!(t.to_string(), "connection failed [Request-ID RID-3]");
    }

    #[test]
    fn error_bodies_are_read_or_excerpted() {
        let e = ApiError::from_answer(
            StatusCode::BAD_REQUEST,
            br#"{"code":"PARAM_ERROR","message":"bad","detail":{"field":"amount.total"}}"#,
            Some("R".into()),
            true,
        );
        assert_eq!(e.code.as_deref(), Some("PARAM_ERROR"));
        assert_eq!(e.detail_field(), Some("amount.total"));
        let e = ApiError::from_answer(
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
            None,
            false,
        );
        assert_eq!(e.code, None);
        assert_eq!(e.message.as_deref(), Some("<html>bad gateway</html>"));
        let e = ApiError::from_answer(StatusCode::INTERNAL_SERVER_ERROR, b"", None, false);
        assert_eq!(e.message, None);
    }

    #[test]
    fn built_errors_equal_read_ones() {
        let body = br#"{"code":"PARAM_ERROR","message":"bad","detail":{"field":"amount.total"}}"#;
        let read = ApiError::from_answer(StatusCode::BAD_REQUEST, body, Some("R".into()), true);
        let built = ApiError::new(StatusCode::BAD_REQUEST)
            .code("PARAM_ERROR")
            .message("bad")
            .detail(serde_json::json!({"field": "amount.total"}))
            .request_id("R");
        assert_eq!(built, read);
        assert_eq!(
            ApiError::from_body(StatusCode::BAD_REQUEST, body).request_id("R"),
            read
        );
        assert_ne!(built.clone().verified(false), read);
        assert_ne!(built.clone().code("OTHER"), read);
        let page = ApiError::from_body(StatusCode::BAD_GATEWAY, b" <html>bad gateway</html>\n");
        assert_eq!(
            page,
            ApiError::new(StatusCode::BAD_GATEWAY).message("<html>bad gateway</html>")
        );
        let v = VerifyError::new(StatusCode::OK, VerifyReason::BadSignature).request_id("R2");
        assert_eq!(Error::from(v).request_id(), Some("R2"));
    }

    #[test]
    fn unverified_details_are_kept_but_neither_trusted_nor_printed() {
        let body = br#"{"code":"PARAM_ERROR","message":"bad","detail":{"field":"payer.openid","issue":"call 400-FAKE now"}}"#;
        let forged = ApiError::from_answer(StatusCode::BAD_REQUEST, body, None, false);
        assert!(forged.detail.is_some());
        assert_eq!(forged.detail_field(), None);
        assert!(!forged.to_string().contains("400-FAKE"), "{forged}");
        let genuine = ApiError::from_answer(StatusCode::BAD_REQUEST, body, None, true);
        assert_eq!(genuine.detail_field(), Some("payer.openid"));
        assert!(genuine.to_string().contains("400-FAKE"), "{genuine}");
    }

    #[test]
    fn text_from_an_answer_cannot_forge_log_lines() {
        let page = b"<html>\r\nERROR 2026-12-03 payment refunded\x1b[2J</html>";
        let e = ApiError::from_answer(StatusCode::BAD_GATEWAY, page, None, false);
        let text = e.to_string();
        assert!(
            !text.contains('\n') && !text.contains('\r') && !text.contains('\x1b'),
            "{text}"
        );
        assert!(text.contains("\\r\\nERROR"), "{text}");
        let json = br#"{"code":"X\nY","message":"a\u0007b"}"#;
        let text = ApiError::from_answer(StatusCode::BAD_REQUEST, json, None, true).to_string();
        assert!(!text.contains('\n') && !text.contains('\u{7}'), "{text}");
    }
}

/// An APIv2 answer whose `return_code` or `result_code` was not `SUCCESS`;
/// see [`Error::V2`]. Holds the platform's texts as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct V2ApiError {
    /// HTTP status of the answer (200: APIv2 reports failures in the body).
    pub status: StatusCode,
    /// `return_code`: `FAIL` when the request itself was refused
    /// (signature, parameters, merchant); then nothing else was checked
    /// and the answer is usually unsigned.
    pub return_code: String,
    /// `return_msg`, the reason for a `FAIL` return code.
    pub return_msg: Option<String>,
    /// `result_code`, when the request reached the business check.
    pub result_code: Option<String>,
    /// `err_code`, e.g. `ORDERPAID`, `SYSTEMERROR`, `USERPAYING`.
    pub err_code: Option<String>,
    /// `err_code_des`, the description of `err_code`.
    pub err_code_des: Option<String>,
    /// Whether the answer's `sign` was verified before this error was made
    /// of it (`false` for a `FAIL` return code, which comes unsigned).
    pub verified: bool,
    /// The answer's `Request-ID` header, when it carried one (unverified:
    /// the `sign` covers the body only).
    pub request_id: Option<String>,
}

impl V2ApiError {
    /// The error an answer's fields describe (`return_code`, `return_msg`,
    /// `result_code`, `err_code`, `err_code_des`, kept as received).
    pub(crate) fn from_fields(
        status: StatusCode,
        request_id: Option<&str>,
        fields: &[(String, String)],
        verified: bool,
    ) -> Self {
        let get = |name: &str| crate::v2::fields::field(fields, name).map(str::to_owned);
        V2ApiError {
            status,
            return_code: get("return_code").unwrap_or_default(),
            return_msg: get("return_msg"),
            result_code: get("result_code"),
            err_code: get("err_code"),
            err_code_des: get("err_code_des"),
            verified,
            request_id: request_id.map(str::to_owned),
        }
    }

    /// An error for this `return_code`, nothing else set; the fields are
    /// public, for tests to fill in.
    pub fn new(status: StatusCode, return_code: impl Into<String>) -> Self {
        V2ApiError {
            status,
            return_code: return_code.into(),
            return_msg: None,
            result_code: None,
            err_code: None,
            err_code_des: None,
            verified: false,
            request_id: None,
        }
    }

    /// The `err_code` when there is one, else the `return_code`.
    pub fn code(&self) -> &str {
        self.err_code.as_deref().unwrap_or(&self.return_code)
    }

    /// Whether the platform documents this `err_code` as a passing
    /// failure: `SYSTEMERROR`, `BANKERROR`, `FREQUENCY_LIMITED`,
    /// `USERPAYING` (the payer is entering a password). The client does
    /// not act on it: for a code payment, query the order (and reverse it
    /// if it never succeeds) rather than paying again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.err_code.as_deref(),
            Some("SYSTEMERROR" | "BANKERROR" | "FREQUENCY_LIMITED" | "USERPAYING")
        )
    }
}

impl fmt::Display for V2ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeChat Pay v2 answered {}", Escaped(&self.return_code))?;
        if let Some(msg) = &self.return_msg {
            write!(f, ": {}", Escaped(msg))?;
        }
        if let Some(code) = &self.err_code {
            write!(f, "; {}", Escaped(code))?;
            if let Some(des) = &self.err_code_des {
                write!(f, ": {}", Escaped(des))?;
            }
        }
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for V2ApiError {}

impl From<V2ApiError> for Error {
    fn from(e: V2ApiError) -> Self {
        Error::V2(Box::new(e))
    }
}

/// An APIv2 answer that could not be read; see [`Error::V2Decode`]. The
/// reason names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct V2DecodeError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// What did not fit.
    pub reason: String,
    /// The answer's `Request-ID` header, when it carried one.
    pub request_id: Option<String>,
}

impl V2DecodeError {
    /// An answer of this status that could not be read, for this reason.
    pub(crate) fn new(
        status: StatusCode,
        request_id: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        V2DecodeError {
            status,
            reason: reason.into(),
            request_id: request_id.map(str::to_owned),
        }
    }
}

impl fmt::Display for V2DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v2 answer {} could not be read: {}",
            self.status.as_u16(),
            self.reason
        )?;
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for V2DecodeError {}

impl From<V2DecodeError> for Error {
    fn from(e: V2DecodeError) -> Self {
        Error::V2Decode(Box::new(e))
    }
}
