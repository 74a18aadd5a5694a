//! [`Notifications`]: the whole handling of one delivery, for any framework.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::{HeaderMap, StatusCode};

use super::{Answer, Claim, Deduplicator, Notification, NotifyError};
use crate::client::Client;
use crate::error::BoxError;

/// Handles deliveries end to end: verify, decrypt and type
/// ([`Client::parse_notification`]), de-duplicate (when a
/// [`Deduplicator`] is set), run your processing, and say what to answer.
///
/// Cheap to clone; build it once.
///
/// ```no_run
/// # async fn run(client: wxpay_core::Client, headers: http::HeaderMap, body: bytes::Bytes) {
/// use wxpay_core::notify::{Event, MemoryDeduplicator, Notifications};
///
/// let notifications = Notifications::new(client).deduplicate(MemoryDeduplicator::default());
/// let outcome = notifications
///     .handle(&headers, &body, |n| async move {
///         if let Event::TransactionSuccess(order) = &n.event {
///             // mark the order paid in your database…
///             let _ = order;
///         }
///         Ok::<(), std::io::Error>(())
///     })
///     .await;
/// let answer = outcome.answer(); // status and body for the platform
/// # let _ = answer;
/// # }
/// ```
#[derive(Clone)]
pub struct Notifications {
    client: Client,
    dedup: Option<Arc<dyn Deduplicator>>,
}

impl fmt::Debug for Notifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifications")
            .field("client", &self.client)
            .field("deduplicates", &self.dedup.is_some())
            .finish()
    }
}

/// What became of one delivery; [`answer`](Outcome::answer) says what to
/// tell the platform. Log the refusals: they carry why.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<E> {
    /// Processed now. Answer: `204`.
    Processed {
        /// The notification id.
        id: String,
    },
    /// Processed by an earlier delivery: acknowledged, not processed again.
    /// Answer: `204`.
    Duplicate {
        /// The notification id.
        id: String,
    },
    /// Another delivery of it is being processed: refused, so that the
    /// platform tries again later. Answer: `503`.
    InProgress {
        /// The notification id.
        id: String,
    },
    /// Not verified, not decrypted, or not readable. Answer:
    /// [`NotifyError::answer`].
    Rejected(NotifyError),
    /// Your processing failed; the claim was released, so the next delivery
    /// is processed. Answer: `500`.
    Failed {
        /// The notification id.
        id: String,
        /// What your processing returned.
        error: E,
    },
    /// The [`Deduplicator`] failed (its store unreachable, say). Answer: `500`.
    Store {
        /// The notification id.
        id: String,
        /// The store's error.
        error: BoxError,
    },
}

impl<E> Outcome<E> {
    /// The answer to give the platform: `204` when processed (now or
    /// before), a `FAIL` answer otherwise.
    pub fn answer(&self) -> Answer {
        match self {
            Outcome::Processed { .. } | Outcome::Duplicate { .. } => Answer::success(),
            Outcome::InProgress { .. } => Answer::fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "notification is being processed",
            ),
            Outcome::Rejected(e) => e.answer(),
            Outcome::Failed { .. } => {
                Answer::fail(StatusCode::INTERNAL_SERVER_ERROR, "processing failed")
            }
            Outcome::Store { .. } => Answer::fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "notification store unavailable",
            ),
        }
    }

    /// The `verdict` label of [`crate::metrics`].
    fn verdict(&self) -> &'static str {
        match self {
            Outcome::Processed { .. } => "processed",
            Outcome::Duplicate { .. } => "duplicate",
            Outcome::InProgress { .. } => "in_progress",
            Outcome::Rejected(_) => "rejected",
            Outcome::Failed { .. } => "failed",
            Outcome::Store { .. } => "store_error",
        }
    }

    /// Whether the notification was acknowledged (processed now or before).
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Outcome::Processed { .. } | Outcome::Duplicate { .. })
    }
}

impl Notifications {
    /// Handles notifications for `client`'s merchant, without
    /// de-duplication.
    pub fn new(client: Client) -> Self {
        Notifications {
            client,
            dedup: None,
        }
    }

    /// [`new`](Self::new), refusing a client without the APIv3 key
    /// ([`ClientBuilder::apiv3_key`](crate::ClientBuilder::apiv3_key)): every
    /// notification's resource is encrypted with it, so without it each one
    /// would be refused. Use this at start-up to fail there instead.
    pub fn try_new(client: Client) -> Result<Self, crate::Error> {
        if client.apiv3_key().is_none() {
            return Err(crate::Error::build(
                "notifications need the APIv3 key: call ClientBuilder::apiv3_key",
            ));
        }
        Ok(Self::new(client))
    }

    /// Processes each notification id once, remembered by `dedup`.
    pub fn deduplicate(mut self, dedup: impl Deduplicator) -> Self {
        self.dedup = Some(Arc::new(dedup));
        self
    }

    /// [`deduplicate`](Self::deduplicate) with a shared deduplicator.
    pub fn deduplicate_shared(mut self, dedup: Arc<dyn Deduplicator>) -> Self {
        self.dedup = Some(dedup);
        self
    }

    /// The client notifications are verified with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Handles one delivery: `headers` and `body` exactly as received;
    /// `process` runs only for a verified notification not processed
    /// before, and its `Err` makes the platform send it again.
    pub async fn handle<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        process: F,
    ) -> Outcome<E>
    where
        F: FnOnce(Notification) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let notification = match self.client.parse_notification(headers, body).await {
            Ok(n) => n,
            Err(e) => {
                crate::metrics::notification("unverified", "rejected");
                return Outcome::Rejected(e);
            }
        };
        let event_type = crate::metrics::event_type(notification.event_type());
        let outcome = self.process_once(notification, process).await;
        crate::metrics::notification(event_type, outcome.verdict());
        outcome
    }

    /// Runs `process` unless the [`Deduplicator`] knows the notification.
    async fn process_once<F, Fut, E>(&self, notification: Notification, process: F) -> Outcome<E>
    where
        F: FnOnce(Notification) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let id = notification.id().to_owned();
        let Some(dedup) = &self.dedup else {
            return match process(notification).await {
                Ok(()) => Outcome::Processed { id },
                Err(error) => Outcome::Failed { id, error },
            };
        };
        match dedup.claim(&id).await {
            Ok(Claim::New) => {}
            Ok(Claim::Done) => return Outcome::Duplicate { id },
            Ok(Claim::InProgress) => return Outcome::InProgress { id },
            Err(error) => return Outcome::Store { id, error },
        }
        match process(notification).await {
            Ok(()) => match dedup.complete(&id).await {
                Ok(()) => Outcome::Processed { id },
                // Processed, but the next delivery would not know it:
                // refusing gets it delivered again rather than lost, and
                // processing should tolerate the repeat.
                Err(error) => Outcome::Store { id, error },
            },
            Err(error) => {
                // Even if forgetting fails, the claim lapses in time.
                let _ = dedup.release(&id).await;
                Outcome::Failed { id, error }
            }
        }
    }
}
