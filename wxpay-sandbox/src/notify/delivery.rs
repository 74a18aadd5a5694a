//! Moving notifications: where an attempt goes, the delivery task with its
//! retries, and one HTTP exchange.

use std::sync::Weak;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::sync::watch;
use tokio::time::Instant;

use super::{ATTEMPT_TIMEOUT, MAX_ANSWER_BODY};
use crate::SandboxError;
use crate::server::Shared;

/// What happened to one attempt.
pub(super) struct Sent {
    pub(super) url: String,
    pub(super) status: Option<u16>,
    pub(super) body: String,
    pub(super) error: Option<String>,
}

/// A delivery target: `http://host:port`, nothing else.
pub(super) fn check_target(target: &str) -> Result<(), SandboxError> {
    let bad = || {
        SandboxError::Config(format!(
            "notification target {target:?} must be http://host:port (scheme, host and port only)"
        ))
    };
    let uri: Uri = target.parse().map_err(|_| bad())?;
    if uri.scheme_str() != Some("http")
        || uri.authority().is_none()
        || !matches!(uri.path(), "" | "/")
        || uri.query().is_some()
    {
        return Err(bad());
    }
    Ok(())
}

/// The URL an attempt goes to: `notify_url` with the target's scheme, host
/// and port when a target is set.
pub(super) fn resolve(notify_url: &str, target: Option<&str>) -> Result<String, String> {
    let url = match target {
        Some(target) => {
            let uri: Uri = notify_url
                .parse()
                .map_err(|_| format!("notify_url {notify_url:?} is not a URL"))?;
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            format!("{}{path}", target.trim_end_matches('/'))
        }
        None => notify_url.to_owned(),
    };
    if url.starts_with("http://") {
        Ok(url)
    } else {
        Err(format!(
            "the sandbox delivers over plain http: set a delivery target \
             (SandboxBuilder::notify_target, --notify-target) to reach {notify_url}"
        ))
    }
}

/// One delivery run: attempts until one is accepted or the schedule ends.
pub(super) async fn deliver(
    shared: Weak<Shared>,
    id: String,
    schedule: Vec<Duration>,
    mut stop: watch::Receiver<bool>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
) {
    let mut due = Instant::now();
    let waits = std::iter::once(Duration::ZERO).chain(schedule);
    for wait in waits {
        due += wait;
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let prepared = match shared.upgrade() {
            Some(shared) => shared.notifier.prepare(&shared, &id),
            None => return,
        };
        let sent = match prepared {
            None => return,
            Some(Err(error)) => Sent {
                url: String::new(),
                status: None,
                body: String::new(),
                error: Some(error),
            },
            Some(Ok((request, url))) => tokio::select! {
                sent = send(&http, request, url) => sent,
                _ = stop.wait_for(|stopped| *stopped) => return,
            },
        };
        let accepted = match shared.upgrade() {
            Some(shared) => shared.notifier.record_attempt(&id, sent),
            None => return,
        };
        if accepted {
            return;
        }
    }
    if let Some(shared) = shared.upgrade() {
        shared.notifier.give_up(&id);
    }
}

/// Sends one attempt and reads the answer.
async fn send(
    http: &HttpClient<HttpConnector, Full<Bytes>>,
    request: Request<Full<Bytes>>,
    url: String,
) -> Sent {
    let failed = |url: String, error: String| Sent {
        url,
        status: None,
        body: String::new(),
        error: Some(error),
    };
    let exchange = async {
        let response = http.request(request).await.map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                text = format!("{text}: {inner}");
                source = inner.source();
            }
            text
        })?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BODY * 16)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Ok::<_, String>((status, body))
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, exchange).await {
        Ok(Ok((status, body))) => {
            let shown = body.get(..MAX_ANSWER_BODY.min(body.len())).unwrap_or(&[]);
            Sent {
                url,
                status: Some(status.as_u16()),
                body: String::from_utf8_lossy(shown).into_owned(),
                error: None,
            }
        }
        Ok(Err(e)) => failed(url, e),
        Err(_) => failed(url, format!("no answer within {ATTEMPT_TIMEOUT:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_replace_scheme_host_and_port_only() {
        assert_eq!(
            resolve(
                "https://shop.example.com/wxpay/notify",
                Some("http://127.0.0.1:8080")
            ),
            Ok("http://127.0.0.1:8080/wxpay/notify".into())
        );
        assert_eq!(
            resolve("https://shop.example.com", Some("http://127.0.0.1:8080/")),
            Ok("http://127.0.0.1:8080/".into())
        );
        assert_eq!(
            resolve("http://127.0.0.1:9/n", None),
            Ok("http://127.0.0.1:9/n".into())
        );
        let e = resolve("https://shop.example.com/n", None).unwrap_err();
        assert!(e.contains("notify_target"), "{e}");
        assert!(check_target("http://127.0.0.1:8080").is_ok());
        for bad in [
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8080/prefix",
            "127.0.0.1:8080",
            "http://h/?q=1",
            "",
        ] {
            assert!(check_target(bad).is_err(), "{bad}");
        }
    }
}
