//! A `notify_url` on loopback: an axum server that verifies with the
//! client's keys, accepts what verifies and decodes, refuses the rest
//! with the answer the platform expects, and reports both.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use tokio::sync::mpsc;
use wxpay::prelude::*;
use wxpay_core::notify::axum::VerifiedNotification;
use wxpay_core::notify::{Answer, Notification, NotifyError};

/// What the receiver saw: a verified notification, or why it refused one.
pub type Seen = Result<Notification, NotifyError>;

#[derive(Clone)]
struct Inbox {
    client: Client,
    seen: mpsc::UnboundedSender<Seen>,
}

impl FromRef<Inbox> for Client {
    fn from_ref(inbox: &Inbox) -> Client {
        inbox.client.clone()
    }
}

async fn receive(
    State(inbox): State<Inbox>,
    verified: Result<VerifiedNotification, NotifyError>,
) -> Answer {
    match verified {
        Ok(VerifiedNotification(n)) => {
            let _ = inbox.seen.send(Ok(n));
            Answer::success()
        }
        Err(e) => {
            let answer = e.answer();
            let _ = inbox.seen.send(Err(e));
            answer
        }
    }
}

/// The receiver's routes (one per path) for `client`'s keys, and what it
/// sees.
pub fn app(client: &Client, paths: &[&str]) -> (Router, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut app = Router::new();
    for path in paths {
        app = app.route(path, post(receive));
    }
    let app = app.with_state(Inbox {
        client: client.clone(),
        seen: tx,
    });
    (app, rx)
}

/// Serves `app` on a free loopback port; returns `http://127.0.0.1:port`.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A receiver on `paths` served on loopback: its base URL (for
/// `set_notify_target`) and what it sees.
pub async fn listen(client: &Client, paths: &[&str]) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (app, rx) = app(client, paths);
    (serve(app).await, rx)
}
