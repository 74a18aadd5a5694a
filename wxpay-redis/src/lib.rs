//! Redis for a service that runs wxpay on several instances behind a load
//! balancer.
//!
//! - [`RedisDeduplicator`]: the platform delivers a notification more than
//!   once, to whichever instance answers; with this [`Deduplicator`] every
//!   instance asks the same Redis, so each notification is processed once
//!   across the fleet.
//! - [`RedisCertificateStore`]: a [`CertificateStore`], so that the fleet
//!   downloads the platform certificate list once per refresh rather than
//!   once per instance (certificate mode only).
//!
//! ```no_run
//! # async fn run(client: wxpay_core::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use wxpay_core::notify::Notifications;
//! use wxpay_redis::{RedisCertificateStore, RedisDeduplicator};
//!
//! let redis = wxpay_redis::connect("redis://127.0.0.1:6379/").await?;
//! let notifications = Notifications::new(client.clone())
//!     .deduplicate(RedisDeduplicator::new(redis.clone()));
//! // Certificate mode: one download per refresh for the whole fleet.
//! client.share_platform_certificates(Arc::new(RedisCertificateStore::new(redis)))?;
//! # let _ = notifications; Ok(()) }
//! ```
//!
//! # The connection
//!
//! One redis-rs [`ConnectionManager`]: a single multiplexed connection
//! that pipelines the commands of every task and reconnects by itself.
//! Each operation here is one short command (or a one-line script), never a
//! blocking one, so a pool of connections (deadpool-redis, bb8-redis) would
//! add a crate and a checkout per command without serving more requests.
//! Clones share the connection; build it once.
//!
//! [`Deduplicator`]: wxpay_core::notify::Deduplicator
//! [`CertificateStore`]: wxpay_core::platform::CertificateStore

mod certificates;
mod dedup;

use std::fmt;
use std::time::Duration;

pub use certificates::RedisCertificateStore;
pub use dedup::RedisDeduplicator;
pub use redis;
pub use redis::aio::ConnectionManager;

use redis::aio::ConnectionManagerConfig;
use redis::{RedisError, Script};
use wxpay_core::error::BoxError;

/// How long connecting and each command may take before they fail (and a
/// notification is refused, to come again).
const TIMEOUT: Duration = Duration::from_secs(2);

/// Connects to Redis at `url` (`redis://[:password@]host:port/[db]`) now,
/// so that a wrong address fails at start-up. Commands time out after 2 s;
/// a lost connection is re-established in the background.
pub async fn connect(url: &str) -> Result<ConnectionManager, RedisError> {
    let client = redis::Client::open(url)?;
    ConnectionManager::new_with_config(client, config()).await
}

/// [`connect`] without connecting yet: the first command does, so a
/// service starts while Redis is down (notifications are refused until it
/// is back; certificates are downloaded by each instance).
pub fn connect_lazy(url: &str) -> Result<ConnectionManager, RedisError> {
    let client = redis::Client::open(url)?;
    ConnectionManager::new_lazy_with_config(client, config())
}

fn config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT))
        .set_number_of_retries(2)
}

/// Deletes `KEYS[1]` only while it holds `ARGV[1]`: ends a claim or a lease
/// without touching one that expired and was taken by someone else.
fn delete_if_ours() -> Script {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
    )
}

/// A Redis failure of one of this crate's stores (`what`), naming the step.
#[derive(Debug)]
struct StoreError {
    what: &'static str,
    step: &'static str,
    source: RedisError,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} failed: {}", self.what, self.step, self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Maps a Redis error of store `what` at `step` to a [`StoreError`].
fn failed(what: &'static str, step: &'static str) -> impl FnOnce(RedisError) -> BoxError {
    move |source| Box::new(StoreError { what, step, source })
}

/// A duration as Redis `PX` milliseconds (at least 1).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A fresh random token naming one claim or lease.
fn token(kind: &str) -> Result<String, BoxError> {
    let nonce = wxpay_core::protocol::Nonce::generate()?;
    Ok(format!("{kind}:{nonce}"))
}
