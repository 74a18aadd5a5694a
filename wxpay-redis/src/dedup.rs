//! [`RedisDeduplicator`]: one claim per notification id across a fleet.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::Script;
use redis::aio::ConnectionManager;
use wxpay_core::error::BoxError;
use wxpay_core::notify::{Claim, Deduplicator};
use wxpay_core::transport::BoxFuture;

/// The value of an id once processed.
const DONE: &str = "done";

/// How many claims in progress are remembered before old ones are swept.
const CLAIMS_BEFORE_SWEEP: usize = 256;

/// A [`Deduplicator`] over Redis, shared by every instance of a service.
///
/// For a notification id, key `{prefix}{id}`:
///
/// - **claim**: `SET key claimed:<token> NX PX claim_ttl GET`: it was
///   absent, so this instance processes it ([`Claim::New`]); it is `done`
///   ([`Claim::Done`]); or another instance holds it ([`Claim::InProgress`],
///   answered `503`, delivered again later). A claim whose holder died
///   (crashed, killed mid-processing) expires after `claim_ttl` (default 5
///   minutes) and the next delivery is processed.
/// - **complete**: `SET key done PX done_ttl`, kept 25 hours by default
///   (the platform's retries span about 24).
/// - **release** (processing failed): deletes the key only if it still
///   holds this claim's token, in a script, so that a claim which expired
///   and was taken by another instance stays theirs.
///
/// A Redis error (unreachable, timed out) is returned as is: the handler
/// answers `500` and the platform delivers the notification again later,
/// so it is neither processed without a claim nor lost. Needs Redis 7.0 or
/// later (`SET … NX GET`).
pub struct RedisDeduplicator {
    conn: ConnectionManager,
    prefix: String,
    claim_ttl: Duration,
    done_ttl: Duration,
    release: Script,
    /// This instance's claims in progress: id → (token, when claimed).
    claims: Mutex<HashMap<String, (String, Instant)>>,
}

impl fmt::Debug for RedisDeduplicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeduplicator")
            .field("prefix", &self.prefix)
            .field("claim_ttl", &self.claim_ttl)
            .field("done_ttl", &self.done_ttl)
            .finish_non_exhaustive()
    }
}

/// A Redis failure of this store at `step`.
fn failed(step: &'static str) -> impl FnOnce(redis::RedisError) -> BoxError {
    crate::failed("redis de-duplication", step)
}

impl RedisDeduplicator {
    /// Over `conn` (see [`connect`](crate::connect)), with keys
    /// `wxpay:notify:{id}`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisDeduplicator {
            conn,
            prefix: "wxpay:notify:".to_owned(),
            claim_ttl: Duration::from_secs(300),
            done_ttl: Duration::from_secs(25 * 3600),
            release: crate::delete_if_ours(),
            claims: Mutex::new(HashMap::new()),
        }
    }

    /// The prefix of the keys (default `wxpay:notify:`); give each merchant
    /// or service its own when they share a Redis.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim lasts unless completed or released (default 5
    /// minutes): longer than processing takes, as short as a redelivery
    /// after a crash may wait.
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// How long a processed id is remembered (default 25 hours).
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    fn key(&self, id: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + id.len());
        key.push_str(&self.prefix);
        key.push_str(id);
        key
    }

    fn claims(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers this instance's token for `id`, forgetting claims that
    /// have expired in Redis anyway (their processing never ended here).
    fn remember(&self, id: &str, token: String) {
        let mut claims = self.claims();
        if claims.len() >= CLAIMS_BEFORE_SWEEP {
            let ttl = self.claim_ttl;
            claims.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        claims.insert(id.to_owned(), (token, Instant::now()));
    }

    async fn claim_id(&self, id: &str) -> Result<Claim, BoxError> {
        let token = crate::token("claimed")?;
        let previous: Option<String> = redis::cmd("SET")
            .arg(self.key(id))
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(crate::millis(self.claim_ttl))
            .arg("GET")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failed("claiming the notification"))?;
        Ok(match previous.as_deref() {
            None => {
                self.remember(id, token);
                Claim::New
            }
            Some(DONE) => Claim::Done,
            Some(_) => Claim::InProgress,
        })
    }

    async fn complete_id(&self, id: &str) -> Result<(), BoxError> {
        let () = redis::cmd("SET")
            .arg(self.key(id))
            .arg(DONE)
            .arg("PX")
            .arg(crate::millis(self.done_ttl))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failed("marking the notification processed"))?;
        self.claims().remove(id);
        Ok(())
    }

    async fn release_id(&self, id: &str) -> Result<(), BoxError> {
        let Some((token, _)) = self.claims().remove(id) else {
            // Not claimed here (or already ended): nothing of ours to delete.
            return Ok(());
        };
        let _deleted: i64 = self
            .release
            .key(self.key(id))
            .arg(token)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(failed("releasing the claim"))?;
        Ok(())
    }
}

impl Deduplicator for RedisDeduplicator {
    fn claim<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Claim, BoxError>> {
        Box::pin(self.claim_id(id))
    }

    fn complete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.complete_id(id))
    }

    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.release_id(id))
    }
}
