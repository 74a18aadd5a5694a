//! [`RedisCertificateStore`]: the platform certificate list shared by a
//! fleet, and the lease that lets one instance download it.

use std::fmt;
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;
use wxpay_core::error::BoxError;
use wxpay_core::platform::CertificateStore;
use wxpay_core::transport::BoxFuture;

/// A [`CertificateStore`] over Redis: per merchant id, the last downloaded
/// list at `{prefix}{mchid}:list` (with the expiry the client asks for) and
/// the download lease at `{prefix}{mchid}:lease` (`SET … NX PX`, ended by
/// a script that deletes it only while it holds the holder's token).
///
/// The list is the platform's signed answer; every instance checks it as a
/// download before trusting a certificate in it, so whoever can write to
/// this Redis can make instances download more often, never trust a key
/// the platform did not sign.
pub struct RedisCertificateStore {
    conn: ConnectionManager,
    prefix: String,
    end_lease: Script,
}

impl fmt::Debug for RedisCertificateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCertificateStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A Redis failure of this store at `step`.
fn failed(step: &'static str) -> impl FnOnce(redis::RedisError) -> BoxError {
    crate::failed("redis certificate store", step)
}

impl RedisCertificateStore {
    /// Over `conn` (see [`connect`](crate::connect)), with keys under
    /// `wxpay:certificates:`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisCertificateStore {
            conn,
            prefix: "wxpay:certificates:".to_owned(),
            end_lease: crate::delete_if_ours(),
        }
    }

    /// The prefix of the keys (default `wxpay:certificates:`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, mchid: &str, what: &str) -> String {
        format!("{}{mchid}:{what}", self.prefix)
    }

    async fn load_list(&self, mchid: &str) -> Result<Option<Vec<u8>>, BoxError> {
        redis::cmd("GET")
            .arg(self.key(mchid, "list"))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failed("reading the list"))
    }

    async fn save_list(
        &self,
        mchid: &str,
        list: &[u8],
        keep_for: Duration,
    ) -> Result<(), BoxError> {
        redis::cmd("SET")
            .arg(self.key(mchid, "list"))
            .arg(list)
            .arg("PX")
            .arg(crate::millis(keep_for))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failed("saving the list"))
    }

    async fn take_lease(&self, mchid: &str, token: &str, ttl: Duration) -> Result<bool, BoxError> {
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(mchid, "lease"))
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(crate::millis(ttl))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(failed("taking the download lease"))?;
        Ok(set.is_some())
    }

    async fn give_back(&self, mchid: &str, token: &str) -> Result<(), BoxError> {
        let _deleted: i64 = self
            .end_lease
            .key(self.key(mchid, "lease"))
            .arg(token)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(failed("ending the download lease"))?;
        Ok(())
    }
}

impl CertificateStore for RedisCertificateStore {
    fn load<'a>(&'a self, mchid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BoxError>> {
        Box::pin(self.load_list(mchid))
    }

    fn save<'a>(
        &'a self,
        mchid: &'a str,
        list: &'a [u8],
        keep_for: Duration,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.save_list(mchid, list, keep_for))
    }

    fn try_lease<'a>(
        &'a self,
        mchid: &'a str,
        token: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(self.take_lease(mchid, token, ttl))
    }

    fn end_lease<'a>(
        &'a self,
        mchid: &'a str,
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(self.give_back(mchid, token))
    }
}
