//! Receiving notifications with [axum](https://docs.rs/axum) 0.8 (feature `axum`).
//!
//! Two ways, both reading the body as raw bytes (never through a JSON
//! extractor, which would lose the exact bytes the signature covers):
//!
//! - the [`VerifiedNotification`] extractor hands your handler a verified,
//!   decrypted and typed [`Notification`]; when that fails, the request is
//!   answered for you with the right status and `{"code":"FAIL",…}` body.
//!   Your handler returns [`Answer::success()`] (or a `FAIL` answer when
//!   its processing failed). The [`Client`] comes from the router state
//!   (`Client: FromRef<S>`).
//! - [`post`] builds the whole route from [`Notifications`], including
//!   de-duplication: your function only processes.
//!
//! ```no_run
//! use axum::Router;
//! use wxpay_core::Client;
//! use wxpay_core::notify::axum::VerifiedNotification;
//! use wxpay_core::notify::{Answer, Event};
//!
//! async fn notified(VerifiedNotification(n): VerifiedNotification) -> Answer {
//!     if let Event::TransactionSuccess(order) = &n.event {
//!         println!("{} paid", order.out_trade_no);
//!     }
//!     Answer::success()
//! }
//!
//! # fn app(client: Client) -> Router {
//! Router::new()
//!     .route("/wxpay/notify", axum::routing::post(notified))
//!     .with_state(client)
//! # }
//! ```
//!
//! With de-duplication:
//!
//! ```no_run
//! use axum::Router;
//! use wxpay_core::notify::{MemoryDeduplicator, Notification, Notifications};
//!
//! # fn app(client: wxpay_core::Client) -> Router {
//! let notifications = Notifications::new(client).deduplicate(MemoryDeduplicator::default());
//! Router::new().route(
//!     "/wxpay/notify",
//!     wxpay_core::notify::axum::post(notifications, |n: Notification| async move {
//!         println!("processing {} once", n.id());
//!         Ok::<(), std::convert::Infallible>(())
//!     }),
//! )
//! # }
//! ```
//!
//! To log refusals and failures, write the handler yourself around
//! [`Notifications::handle`]: its [`Outcome`](super::Outcome) says what
//! happened and [`answer`](super::Outcome::answer) what to reply.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use http::HeaderMap;

use super::{Answer, Notification, Notifications, NotifyError};
use crate::client::Client;
use crate::protocol::SignatureHeaders;

/// An extractor for a verified, decrypted and typed notification; see the
/// [module docs](self). Rejects with [`NotifyError`], which answers the
/// platform with its [`answer`](NotifyError::answer).
#[derive(Debug, Clone)]
pub struct VerifiedNotification(pub Notification);

impl<S> FromRequest<S> for VerifiedNotification
where
    S: Send + Sync,
    Client: FromRef<S>,
{
    type Rejection = NotifyError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let client = Client::from_ref(state);
        let (headers, body) = read(request).await?;
        client
            .parse_notification(&headers, &body)
            .await
            .map(VerifiedNotification)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        Answer::into_response(self)
    }
}

impl IntoResponse for NotifyError {
    fn into_response(self) -> Response {
        self.answer().into_response()
    }
}

/// A `POST` route that runs every delivery through
/// [`Notifications::handle`]: verified, de-duplicated (when configured),
/// processed by `process`, answered. An `Err` from `process` answers `500`,
/// so the platform sends the notification again.
pub fn post<S, F, Fut, E>(notifications: Notifications, process: F) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(Notification) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    axum::routing::post(move |request: Request| {
        let notifications = notifications.clone();
        let process = process.clone();
        async move {
            match read(request).await {
                Ok((headers, body)) => notifications
                    .handle(&headers, &body, process)
                    .await
                    .answer(),
                Err(refused) => refused.answer(),
            }
        }
    })
}

/// The largest notification body read. Notifications are a few KiB; the
/// limit stops anyone who can reach `notify_url` from making the service
/// buffer megabytes before the signature is even looked at.
pub const MAX_NOTIFICATION_BYTES: usize = 64 * 1024;

/// The headers and raw body of a notification: the signature headers must
/// be there before the body is read, and the body may not exceed
/// [`MAX_NOTIFICATION_BYTES`].
async fn read(request: Request) -> Result<(HeaderMap, Bytes), NotifyError> {
    let (parts, body) = request.into_parts();
    SignatureHeaders::from_headers(&parts.headers).map_err(NotifyError::from_verify)?;
    Ok((parts.headers, read_body(body).await?))
}

/// Reads a notification's raw body, at most [`MAX_NOTIFICATION_BYTES`].
async fn read_body(body: axum::body::Body) -> Result<Bytes, NotifyError> {
    axum::body::to_bytes(body, MAX_NOTIFICATION_BYTES)
        .await
        .map_err(|e| {
            NotifyError::Malformed(format!(
                "the body could not be read within {MAX_NOTIFICATION_BYTES} bytes: {e}"
            ))
        })
}

/// An extractor for a verified APIv2 notification (payment or refund
/// result; see [`notify::v2`](super::v2)). The body is read raw, at most
/// [`MAX_NOTIFICATION_BYTES`]; a refusal answers the platform with the v2
/// `FAIL` XML. Return [`V2Answer::success()`](super::V2Answer::success)
/// from the handler.
///
/// ```no_run
/// use axum::Router;
/// use wxpay_core::notify::axum::VerifiedV2Notification;
/// use wxpay_core::notify::{V2Answer, V2Notification};
///
/// async fn notified(VerifiedV2Notification(n): VerifiedV2Notification) -> V2Answer {
///     if let V2Notification::Payment(paid) = &n {
///         println!("{} paid", paid.out_trade_no);
///     }
///     V2Answer::success()
/// }
///
/// # fn app(client: wxpay_core::Client) -> Router {
/// Router::new()
///     .route("/wxpay/v2/notify", axum::routing::post(notified))
///     .with_state(client)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedV2Notification(pub super::V2Notification);

/// Why a v2 notification was refused, answered with the v2 `FAIL` XML
/// ([`NotifyError::v2_answer`]).
#[derive(Debug, Clone)]
pub struct V2Rejection(pub NotifyError);

impl IntoResponse for V2Rejection {
    fn into_response(self) -> Response {
        self.0.v2_answer().into_response()
    }
}

impl IntoResponse for super::V2Answer {
    fn into_response(self) -> Response {
        super::V2Answer::into_response(self)
    }
}

impl<S> FromRequest<S> for VerifiedV2Notification
where
    S: Send + Sync,
    Client: FromRef<S>,
{
    type Rejection = V2Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let client = Client::from_ref(state);
        let body = read_body(request.into_body()).await.map_err(V2Rejection)?;
        client
            .parse_v2_notification(&body)
            .map(VerifiedV2Notification)
            .map_err(V2Rejection)
    }
}
