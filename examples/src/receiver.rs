//! A local `notify_url`: an axum server whose one route verifies and
//! decrypts what the platform POSTs and hands each notification on.

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wxpay::Client;
use wxpay::notify::axum::VerifiedNotification;
use wxpay::notify::{Answer, Notification};

use crate::config::BoxError;

/// The path the examples' `notify_url`s end with.
pub const NOTIFY_PATH: &str = "/wxpay/notify";

/// A bound socket, not yet serving: its address goes to the sandbox first
/// (`SandboxBuilder::notify_target`), then [`serve`](Self::serve) starts
/// answering with the client that verifies.
pub struct Receiver {
    listener: TcpListener,
    url: String,
}

/// Notifications that verified, in arrival order.
pub struct Inbox {
    received: mpsc::UnboundedReceiver<Notification>,
}

#[derive(Clone)]
struct Handler {
    client: Client,
    received: mpsc::UnboundedSender<Notification>,
}

impl FromRef<Handler> for Client {
    fn from_ref(handler: &Handler) -> Client {
        handler.client.clone()
    }
}

/// The route. A notification that does not verify never gets here: the
/// extractor answers it (401, 400 or 500 with `{"code":"FAIL",…}`) and the
/// platform sends it again later.
async fn notified(
    State(handler): State<Handler>,
    VerifiedNotification(notification): VerifiedNotification,
) -> Answer {
    let _ = handler.received.send(notification);
    Answer::success() // 204: processed
}

impl Receiver {
    /// Binds a free port on loopback.
    pub async fn bind() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        Ok(Receiver { listener, url })
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves [`NOTIFY_PATH`] in the background.
    pub fn serve(self, client: Client) -> Inbox {
        let (received, inbox) = mpsc::unbounded_channel();
        let app = Router::new()
            .route(NOTIFY_PATH, post(notified))
            .with_state(Handler { client, received });
        tokio::spawn(async move { axum::serve(self.listener, app).await });
        Inbox { received: inbox }
    }
}

impl Inbox {
    /// The next notification, or an error after `within`.
    pub async fn next(&mut self, within: Duration) -> Result<Notification, BoxError> {
        match tokio::time::timeout(within, self.received.recv()).await {
            Ok(Some(notification)) => Ok(notification),
            Ok(None) => Err("the receiver stopped".into()),
            Err(_) => Err(format!("no notification within {within:?}").into()),
        }
    }
}
