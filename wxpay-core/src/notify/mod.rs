//! Notifications: what WeChat Pay POSTs to your `notify_url`, verified,
//! decrypted and typed.
//!
//! A notification is the mirror image of a request's answer:
//! `raw bytes + headers → verify → decrypt → typed event`.
//!
//! 1. **Verify** the `Wechatpay-*` signature headers over the body, with
//!    the client's platform keys, its skew window (±300 s by default) and
//!    its refresh rules (an unknown serial leads to at most one rate-limited
//!    certificate download, as for answers; see [`crate::platform`]).
//!    Probes (`Wechatpay-Signature: WECHATPAY/SIGNTEST/…`) are refused.
//! 2. **Decrypt** `resource` (`AEAD_AES_256_GCM`) with the APIv3 key
//!    ([`ClientBuilder::apiv3_key`](crate::ClientBuilder::apiv3_key)).
//! 3. **Type** it: [`Event`] has a variant for every event type of the
//!    platform's list (payments, combined payments, refunds, profit
//!    sharing, complaints, coupons, Pay Score, contracts, transfers, …; the
//!    table is on [`Event`], the models in [`resource`]), and keeps any
//!    other event type as JSON ([`Event::Other`]). A resource that does not
//!    fit its model is [`NotifyError::Decode`], whose message names the
//!    model and the field but quotes no value.
//!
//! ```no_run
//! # async fn run(client: wxpay_core::Client, headers: http::HeaderMap, body: bytes::Bytes) -> http::Response<bytes::Bytes> {
//! use wxpay_core::notify::{Answer, Event};
//!
//! // `body`: the request body exactly as received, not a parsed object.
//! let answer = match client.parse_notification(&headers, &body).await {
//!     Ok(notification) => {
//!         if let Event::TransactionSuccess(order) = &notification.event {
//!             println!("{} paid ({})", order.out_trade_no, notification.id());
//!         }
//!         Answer::success() // 204
//!     }
//!     // 401 for a bad signature or a probe, 400 / 500 otherwise, with
//!     // {"code":"FAIL","message":…}: the platform tries again later.
//!     Err(refused) => refused.answer(),
//! };
//! answer.into_response()
//! # }
//! ```
//!
//! # Why the raw bytes
//!
//! The signature covers `TIMESTAMP\nNONCE\nBODY\n` where `BODY` is the
//! exact bytes sent. A body parsed and serialised again is different bytes
//! even when it means the same: keys come back in another order, spaces
//! and escapes change (`\u4e2d` versus `中`), numbers are rewritten. Such a
//! body never verifies ([`NotifyError::BadSignature`]). So read the body as
//! bytes before any JSON middleware touches it, and hand those bytes here;
//! the axum integration (`notify::axum`, behind the `axum` feature) does
//! that for you.
//!
//! # Answering
//!
//! Accept with 2xx ([`Answer::success`], `204`); refuse with 4xx/5xx and
//! `{"code":"FAIL","message":"…"}` ([`NotifyError::answer`],
//! [`Answer::fail`]). A refused notification comes again after 15 s, 15 s,
//! 30 s, 3 min, 10 min, 20 min, 30 min, 30 min, 30 min, 60 min, 3 h, 3 h,
//! 3 h, 6 h and 6 h. Refuse when your own processing failed, so that it
//! does come again.
//!
//! # Duplicates
//!
//! The same notification (same [`id`](Notification::id)) can arrive more
//! than once: an acknowledgement lost on the way, a retry racing a slow
//! handler. Make processing idempotent, or let [`Notifications`] run it
//! through a [`Deduplicator`] (the in-memory [`MemoryDeduplicator`], or
//! your own over a shared store) so it runs once per id.

mod answer;
#[cfg(feature = "axum")]
pub mod axum;
mod dedup;
mod event;
mod handler;
pub mod resource;
pub mod v2;

pub use answer::{Answer, NotifyError};
pub use dedup::{Claim, Deduplicator, MemoryDeduplicator};
pub(crate) use event::data_free_reason;
pub use event::{Envelope, Event, Notification, RawNotification};
pub use handler::{Notifications, Outcome};
pub use v2::{V2Answer, V2Notification};

use std::time::SystemTime;

use http::HeaderMap;

use crate::client::Client;
use crate::protocol::{SignatureHeaders, request_id};
use event::WireEnvelope;

/// The prefix of the signature of a probe notification.
pub const PROBE_SIGNATURE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The only resource algorithm notifications use.
pub const RESOURCE_ALGORITHM: &str = "AEAD_AES_256_GCM";

impl Client {
    /// Verifies, decrypts and types a notification: `headers` and `body`
    /// exactly as received (see the [module docs](crate::notify) for why the
    /// raw bytes matter). On error, answer the platform with
    /// [`NotifyError::answer`]; on success, with [`Answer::success`] once
    /// processed.
    pub async fn parse_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        let (envelope, plaintext) = self
            .open_plaintext_at(headers, body, SystemTime::now())
            .await?;
        event::decode_plaintext(envelope, &plaintext)
    }

    /// [`parse_notification`](Self::parse_notification) for a whole
    /// request whose body holds the raw bytes (`Bytes`, `Vec<u8>`, …).
    pub async fn parse_notification_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Notification, NotifyError> {
        self.parse_notification(request.headers(), request.body().as_ref())
            .await
    }

    /// Verifies and decrypts a notification but leaves the resource as
    /// JSON, for events without a model here or to read it your own way.
    pub async fn open_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<RawNotification, NotifyError> {
        self.open_notification_at(headers, body, SystemTime::now())
            .await
    }

    /// [`open_notification`](Self::open_notification) with the clock read as `now`.
    pub(crate) async fn open_notification_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<RawNotification, NotifyError> {
        let (envelope, plaintext) = self.open_plaintext_at(headers, body, now).await?;
        let resource: serde_json::Value = serde_json::from_slice(&plaintext)
            .map_err(|e| event::decode_error(&envelope.event_type, "JSON", &e))?;
        Ok(RawNotification { envelope, resource })
    }

    /// Verifies a notification and decrypts its resource, returning the
    /// envelope and the resource's JSON text, not yet parsed.
    async fn open_plaintext_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(Envelope, zeroize::Zeroizing<Vec<u8>>), NotifyError> {
        let signed = SignatureHeaders::from_headers(headers).map_err(NotifyError::from_verify)?;
        if signed.signature.starts_with(PROBE_SIGNATURE_PREFIX) {
            return Err(NotifyError::Probe);
        }
        self.verify_notification_at(&signed, body, now)
            .await
            .map_err(NotifyError::from_verify)?;

        let wire: WireEnvelope<'_> = serde_json::from_slice(body)
            .map_err(|e| NotifyError::Malformed(e.to_string().chars().take(200).collect()))?;
        if wire.resource.algorithm != RESOURCE_ALGORITHM {
            return Err(NotifyError::UnsupportedAlgorithm(
                wire.resource.algorithm.chars().take(64).collect(),
            ));
        }
        let key = self.apiv3_key().ok_or(NotifyError::MissingApiV3Key)?;
        let plaintext = key
            .decrypt(
                wire.resource.nonce.as_bytes(),
                wire.resource
                    .associated_data
                    .as_deref()
                    .unwrap_or("")
                    .as_bytes(),
                &wire.resource.ciphertext,
            )
            .map_err(|_| NotifyError::Decrypt)?;
        Ok((
            Envelope {
                id: wire.id,
                create_time: wire.create_time,
                event_type: wire.event_type,
                resource_type: wire.resource_type,
                summary: wire.summary,
                original_type: wire.resource.original_type,
                request_id: request_id(headers),
            },
            plaintext,
        ))
    }

    /// The key store's check at `now`; an unknown serial asks
    /// [`Client::platform_key`] (which may download certificates once,
    /// rate-limited) and checks again.
    async fn verify_notification_at(
        &self,
        signed: &SignatureHeaders<'_>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), crate::error::VerifyReason> {
        use crate::error::VerifyReason;
        let store = self.key_store();
        let max_skew = self.inner.max_skew;
        match store.verify(signed, body, now, max_skew) {
            Err(VerifyReason::UnknownSerial(serial)) => {
                if self.platform_key(signed.serial).await.is_some() {
                    store.verify(signed, body, now, max_skew)
                } else {
                    Err(VerifyReason::UnknownSerial(serial))
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests;
