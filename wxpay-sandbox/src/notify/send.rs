//! Notifications on demand: any event type, to any URL, with the caller's
//! resource or this sandbox's example of it (`examples.json`, one per
//! event type of the platform's list), signed, encrypted and delivered
//! like the others.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::events::NewEvent;
use crate::lock::Recover;
use crate::server::Shared;
use crate::{Sandbox, SandboxError};

/// The examples: event type → `original_type`, `summary`, `resource`.
const EXAMPLES: &str = include_str!("examples.json");

/// The longest event type accepted.
const MAX_EVENT_TYPE: usize = 64;

/// The example notification of one event type.
#[derive(Debug, Deserialize)]
pub(super) struct Example {
    pub(super) original_type: String,
    pub(super) summary: String,
    pub(super) resource: Value,
}

/// The examples, read once (a unit test keeps the file readable).
pub(super) fn examples() -> &'static HashMap<String, Example> {
    static PARSED: OnceLock<HashMap<String, Example>> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(EXAMPLES).unwrap_or_default())
}

/// A notification asked for by the control route or [`Sandbox::send_notification`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendRequest {
    pub(crate) event_type: String,
    pub(crate) notify_url: String,
    #[serde(default)]
    pub(crate) resource: Option<Value>,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(default)]
    pub(crate) mchid: Option<String>,
}

/// Why a request to send was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The request itself is wrong (bad event type or URL).
    Invalid(String),
    /// No resource was given and the sandbox has no example for the type.
    NoExample(String),
    /// It names a merchant the sandbox does not know.
    UnknownMerchant(String),
}

impl From<Refused> for SandboxError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Invalid(m) => SandboxError::Config(m),
            Refused::NoExample(m) | Refused::UnknownMerchant(m) => SandboxError::NotFound(m),
        }
    }
}

/// `original_type` for an event type without an example: the product
/// part, lower case (`MEDICAL_INSURANCE.SUCCESS` → `medical_insurance`).
fn derived_original_type(event_type: &str) -> String {
    event_type
        .split('.')
        .next()
        .unwrap_or(event_type)
        .to_ascii_lowercase()
}

/// Makes and starts delivering the notification; returns its id.
pub(crate) fn send(shared: &Shared, request: SendRequest) -> Result<String, Refused> {
    let event_type = request.event_type.trim();
    if event_type.is_empty()
        || event_type.len() > MAX_EVENT_TYPE
        || !event_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(Refused::Invalid(format!(
            "event_type {event_type:?} must be 1 to {MAX_EVENT_TYPE} letters, digits, '.', '_' or '-'"
        )));
    }
    if request.notify_url.trim().is_empty() {
        return Err(Refused::Invalid("notify_url is empty".into()));
    }
    let example = examples().get(event_type);
    let resource = match (request.resource, example) {
        (Some(resource), _) => resource,
        (None, Some(example)) => example.resource.clone(),
        (None, None) => {
            return Err(Refused::NoExample(format!(
                "the sandbox has no example resource for event type {event_type}: send one in \"resource\""
            )));
        }
    };
    let mchid = match request.mchid {
        Some(mchid) => mchid,
        None => shared
            .merchants
            .read()
            .recover()
            .keys()
            .next()
            .cloned()
            .unwrap_or_default(),
    };
    if shared.merchant(&mchid).is_none() {
        return Err(Refused::UnknownMerchant(format!(
            "the sandbox does not know merchant {mchid:?}, whose APIv3 key would encrypt the notification"
        )));
    }
    let original_type = match example {
        Some(example) => example.original_type.clone(),
        None => derived_original_type(event_type),
    };
    let summary = request
        .summary
        .or_else(|| example.map(|e| e.summary.clone()))
        .unwrap_or_else(|| event_type.to_owned());
    let event = NewEvent {
        event_type,
        summary: &summary,
        original_type: &original_type,
        mchid,
        notify_url: Some(request.notify_url),
        resource,
        probe: false,
    };
    Ok(shared.notifier.enqueue(shared, event))
}

impl Sandbox {
    /// Sends a notification of any event type to `notify_url` (through
    /// the delivery target, as every notification), from the sandbox
    /// merchant's side: signed, its resource encrypted with the merchant's
    /// APIv3 key, retried on the platform's schedule and recorded like the
    /// others. Returns its id. Also `POST /sandbox/notifications`.
    ///
    /// Without `resource`, the sandbox's example for that event type is
    /// sent; every event type of the platform's list has one. An event type
    /// without an example needs a `resource` ([`SandboxError::NotFound`]
    /// otherwise); an unknown `mchid` is [`SandboxError::NotFound`] too, a
    /// malformed event type [`SandboxError::Config`].
    ///
    /// ```no_run
    /// # async fn run(sandbox: wxpay_sandbox::Sandbox) -> Result<(), wxpay_sandbox::SandboxError> {
    /// let id = sandbox.send_notification(
    ///     "COMPLAINT.CREATE",
    ///     "https://shop.example.com/wxpay/notify",
    ///     Some(serde_json::json!({"complaint_id": "200201820200101080076610000",
    ///                             "action_type": "CREATE_COMPLAINT"})),
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn send_notification(
        &self,
        event_type: &str,
        notify_url: &str,
        resource: Option<Value>,
    ) -> Result<String, SandboxError> {
        let request = SendRequest {
            event_type: event_type.to_owned(),
            notify_url: notify_url.to_owned(),
            resource,
            summary: None,
            mchid: None,
        };
        Ok(send(&self.shared, request)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_read_and_each_names_its_original_type() {
        let parsed: HashMap<String, Example> = serde_json::from_str(EXAMPLES).unwrap();
        assert_eq!(parsed.len(), examples().len());
        assert!(parsed.len() >= 58, "{}", parsed.len());
        for (event_type, example) in &parsed {
            assert!(!example.original_type.is_empty(), "{event_type}");
            assert!(example.resource.is_object(), "{event_type}");
        }
        assert_eq!(
            derived_original_type("MEDICAL_INSURANCE.SUCCESS"),
            "medical_insurance"
        );
        assert_eq!(derived_original_type("PROFITSHARING"), "profitsharing");
    }
}
