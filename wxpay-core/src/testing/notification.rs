//! Notifications as the platform POSTs them, for testing a receiver.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde::Serialize;

use super::{Request, StubPlatform, answer::sign};
use crate::crypto::ApiV3Key;
use crate::error::{BuildError, Error};
use crate::protocol::Nonce;
use crate::protocol::header::CONTENT_TYPE;

/// The `create_time` of every stub notification (receivers do not read
/// it; the signature's timestamp is the one checked, and it is now).
const CREATE_TIME: &str = "2026-01-01T08:00:00+08:00";

/// The APIv3 key of the stub's clients; [`StubPlatform::notification`]
/// encrypts resources with it.
pub const APIV3_KEY: &str = "StubPlatformApiV3Key000000000000";

impl StubPlatform {
    /// The request WeChat Pay would POST to `notify_url` for an event:
    /// the envelope with `resource` encrypted (AEAD_AES_256_GCM) under
    /// [`APIV3_KEY`], signed now with the stub's platform key.
    ///
    /// A client from [`client`](Self::client) opens it, so a test can
    /// drive a notification handler (`client.open_notification(…)`, the
    /// `notifications()` hook, an axum router through `oneshot`) without
    /// sockets:
    ///
    /// ```
    /// use wxpay_core::notify::Event;
    /// use wxpay_core::serde_json::json;
    /// use wxpay_core::testing::{Answer, StubPlatform};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let platform = StubPlatform::new(|_| Answer::no_content())?;
    /// let client = platform.client()?;
    /// let request = platform.notification(
    ///     "https://www.example.com/wxpay/notify",
    ///     "COMPLAINT.CREATE",
    ///     &json!({ "complaint_id": "200201820200101080076610000", "action_type": "CREATE_COMPLAINT" }),
    /// )?;
    /// let notification = client
    ///     .open_notification(request.headers(), request.body())
    ///     .await?
    ///     .decode()?;
    /// assert_eq!(notification.event_type(), "COMPLAINT.CREATE");
    /// # Ok(()) }
    /// ```
    pub fn notification(
        &self,
        notify_url: &str,
        event_type: &str,
        resource: &impl Serialize,
    ) -> Result<Request, Error> {
        let plaintext = serde_json::to_vec(resource).map_err(|e| {
            BuildError::with_source("the notification's resource does not serialise", e)
        })?;
        let failed = |e: crate::crypto::CryptoError| {
            Error::from(BuildError::with_source(
                "sealing the notification failed",
                e,
            ))
        };
        let key = ApiV3Key::new(APIV3_KEY).map_err(failed)?;
        let nonce = Nonce::generate().map_err(failed)?;
        // The platform's resource nonces are 12 characters.
        let nonce = nonce.as_str().get(..12).unwrap_or_default();
        let original_type = event_type
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ciphertext = key
            .encrypt(nonce.as_bytes(), original_type.as_bytes(), &plaintext)
            .map_err(failed)?;
        let id = self.next_event_id();
        let envelope = serde_json::json!({
            "id": id,
            "create_time": CREATE_TIME,
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "stub notification",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": original_type,
                "nonce": nonce,
            },
        });
        let body = Bytes::from(envelope.to_string());
        let mut request = http::Request::post(notify_url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|e| BuildError::with_source("notify_url is not a URL", e))?;
        let keys = self.inner.keys;
        let body = request.body().clone();
        sign(
            request.headers_mut(),
            &body,
            &keys.platform,
            super::PUBLIC_KEY_ID,
        )
        .map_err(Error::from)?;
        Ok(request)
    }
}

impl StubPlatform {
    fn next_event_id(&self) -> String {
        let number = self.inner.next_request_id.fetch_add(1, Ordering::Relaxed);
        format!("EV-stub-{number:06}")
    }
}
