//! The Rust side of notification delivery: builder settings and what a
//! running sandbox offers (records, waiting, probes, redelivery).

use std::time::Duration;

use super::{NotificationRecord, check_target, notification, notifications, probe, redeliver};
use crate::lock::Recover;
use crate::{Sandbox, SandboxBuilder, SandboxError};

impl SandboxBuilder {
    /// Delivers notifications to this `http://host:port` instead of the
    /// host of their `notify_url`, keeping the path: how a local receiver
    /// gets them (see [`crate::notify`]).
    pub fn notify_target(mut self, base_url: impl Into<String>) -> Self {
        self.notify.target = Some(base_url.into());
        self
    }

    /// Multiplies the retry schedule ([`RETRY_SCHEDULE`](super::RETRY_SCHEDULE)) by `scale`
    /// (default 1; `0.01` makes the first retry come after 150 ms). Must be
    /// positive.
    pub fn notify_time_scale(mut self, scale: f64) -> Self {
        self.notify.time_scale = scale;
        self
    }

    /// Where refund notifications go when a refund names no `notify_url`
    /// (the URL a merchant sets in the merchant platform). Without it, such
    /// refunds are not notified (a failed record says why).
    pub fn refund_notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify.refund_notify_url = Some(url.into());
        self
    }
}

impl Sandbox {
    /// Changes (or, with `None`, removes) the delivery target; see
    /// [`SandboxBuilder::notify_target`]. Applies to every attempt from now on.
    pub fn set_notify_target(&self, base_url: Option<&str>) -> Result<(), SandboxError> {
        if let Some(target) = base_url {
            check_target(target)?;
        }
        self.shared.notifier.config.write().recover().target = base_url.map(str::to_owned);
        Ok(())
    }

    /// Every notification kept (the newest 1 000), oldest first, with its
    /// attempts. Also `GET /sandbox/notifications`.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        notifications(&self.shared)
    }

    /// One notification by id. Also `GET /sandbox/notifications/{id}`.
    pub fn notification(&self, id: &str) -> Option<NotificationRecord> {
        notification(&self.shared, id)
    }

    /// Waits until a notification satisfies `matches` (checked at every
    /// change: a new notification, an attempt, a state change) and returns
    /// it; fails with [`SandboxError::NotFound`] after `timeout`.
    ///
    /// ```no_run
    /// # async fn run(sandbox: wxpay_sandbox::Sandbox) -> Result<(), wxpay_sandbox::SandboxError> {
    /// use std::time::Duration;
    /// use wxpay_sandbox::DeliveryState;
    /// let delivered = sandbox
    ///     .wait_for_notification(
    ///         |n| n.event_type == "TRANSACTION.SUCCESS" && n.state == DeliveryState::Delivered,
    ///         Duration::from_secs(5),
    ///     )
    ///     .await?;
    /// println!("answered {:?}", delivered.attempts.last().and_then(|a| a.status));
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_notification(
        &self,
        matches: impl Fn(&NotificationRecord) -> bool,
        timeout: Duration,
    ) -> Result<NotificationRecord, SandboxError> {
        let mut changed = self.shared.notifier.changed.subscribe();
        let search = async {
            loop {
                changed.borrow_and_update();
                // A snapshot: `matches` may itself read the sandbox.
                if let Some(found) = self.notifications().into_iter().find(|r| matches(r)) {
                    return found;
                }
                if changed.changed().await.is_err() {
                    // The sender lives as long as the sandbox: not reached.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, search).await.map_err(|_| {
            SandboxError::NotFound(format!(
                "no notification matched within {timeout:?}; notifications: {}",
                self.notifications()
                    .iter()
                    .map(|r| format!("{} {} {:?}", r.id, r.event_type, r.state))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// Sends a probe to `notify_url` (through the delivery target): a
    /// payment notification signed `WECHATPAY/SIGNTEST/…`, sent once. A
    /// correct receiver refuses it (non-2xx). Returns its id. Also
    /// `POST /sandbox/notifications/probe`.
    pub fn send_probe(&self, notify_url: &str) -> String {
        probe(&self.shared, notify_url)
    }

    /// Delivers a notification again (same id, same body, fresh signature),
    /// with its own retries, as the platform does when an acknowledgement
    /// was lost. Also `POST /sandbox/notifications/{id}/redeliver`.
    pub fn redeliver(&self, id: &str) -> Result<(), SandboxError> {
        redeliver(&self.shared, id)
    }
}
