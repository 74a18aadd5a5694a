//! Failures as the command reports them: a message, an exit code, and
//! what the platform said (code, `Request-ID`) when it said something.

use std::fmt;

use wxpay::Error;
use wxpay::notify::NotifyError;

/// Exit codes, documented in `wxpay --help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Something else failed: a file could not be written, a port bound.
    Failure = 1,
    /// The command as given cannot run: bad flags, malformed JSON, a body
    /// the spec refuses (clap's usage errors use 2 too).
    Usage = 2,
    /// Configuration missing or unusable.
    Config = 3,
    /// The platform answered with an error status.
    Api = 4,
    /// An answer, notification or file could not be proved genuine.
    Verify = 5,
    /// No answer: connection failure or timeout.
    Network = 6,
}

/// The `--help` text listing the codes.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other failure (a file not written, a port not bound)
  2  usage: bad flags or arguments, malformed JSON, a body the spec refuses
  3  configuration missing or unusable (credentials, keys, profile file)
  4  the platform answered with an error (its code is printed)
  5  verification failed: a signature, a decryption or a digest did not check
  6  network: no connection, or no answer in time";

/// A failure of a command.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub code: Code,
    /// What went wrong, for people.
    pub message: String,
    /// The platform's error code, for API errors.
    pub api_code: Option<String>,
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// The `Request-ID` of the answer, when one arrived.
    pub request_id: Option<String>,
    /// What the command found before failing (`config check`'s report),
    /// part of the `--json` error document.
    pub report: Option<serde_json::Value>,
}

impl CliError {
    /// A failure with no answer behind it.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            api_code: None,
            status: None,
            request_id: None,
            report: None,
        }
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Code::Usage, message)
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Code::Config, message)
    }

    /// Some other failure.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Code::Failure, message)
    }

    /// The error as `--json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "error": {
                "exit_code": self.code as u8,
                "message": self.message,
                "code": self.api_code,
                "status": self.status,
                "request_id": self.request_id,
            }
        });
        if let (Some(report), Some(object)) = (&self.report, doc.as_object_mut()) {
            object.insert("report".into(), report.clone());
        }
        doc
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = self
            .request_id
            .as_ref()
            .filter(|id| !self.message.contains(*id))
        {
            write!(f, " (Request-ID {id})")?;
        }
        Ok(())
    }
}

/// The whole chain of an error's messages, `a: b: c`, without repeats.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Api(_) => Code::Api,
            Error::Verify(_) | Error::Download(_) | Error::Decode(_) => Code::Verify,
            Error::Transport(_) | Error::Timeout(_) => Code::Network,
            Error::Build(_) | Error::Sign(_) => Code::Config,
            _ => Code::Failure,
        };
        let message = match e.as_api() {
            Some(api) => api_message(api),
            None => chain(&e),
        };
        CliError {
            code,
            message,
            api_code: e.code().map(str::to_owned),
            status: e.status().map(|s| s.as_u16()),
            request_id: e.request_id().map(str::to_owned),
            report: None,
        }
    }
}

/// `404 ORDER_NOT_EXIST: the order does not exist (field …)`.
fn api_message(api: &wxpay::ApiError) -> String {
    let mut text = format!(
        "the platform answered {} {}",
        api.status.as_u16(),
        api.code.as_deref().unwrap_or("(no code)")
    );
    if let Some(message) = &api.message {
        text.push_str(": ");
        text.push_str(message);
    }
    if let Some(detail) = &api.detail {
        text.push_str(&format!(" (detail: {detail})"));
    }
    if !api.verified {
        text.push_str(" [unsigned answer: only status and code can be trusted]");
    }
    text
}

impl From<NotifyError> for CliError {
    fn from(e: NotifyError) -> Self {
        let code = match &e {
            NotifyError::MissingApiV3Key => Code::Config,
            NotifyError::Malformed(_) => Code::Usage,
            _ => Code::Verify,
        };
        CliError::new(code, format!("notification refused: {}", chain(&e)))
    }
}
