//! One certificate download per refresh for a fleet: a store the
//! instances of a service share, and a lease so that one of them downloads
//! while the others wait and read what it saved.
//!
//! What is shared is the platform's answer itself (its `Wechatpay-*`
//! headers and body), never certificates taken on trust: each instance
//! checks a stored answer with [`verify_certificate_download`] as if it had
//! downloaded it (decrypted with its own APIv3 key, signature verified), at
//! the time the platform signed it, and drops what has expired since.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

use super::RefreshReport;
use super::download::{self, Fetched};
use crate::client::Client;
use crate::error::{BoxError, Error};
use crate::protocol::{Nonce, SignatureHeaders, header};
use crate::transport::BoxFuture;

use super::verify_certificate_download;

/// A store the instances of a service share for the platform certificate
/// list, so that the fleet downloads it once per refresh rather than once
/// per instance. Set it with [`Client::share_platform_certificates`].
///
/// Two things are kept per merchant id: the last downloaded list, as
/// opaque bytes the client writes and reads back (implementations store
/// them as they are), and a lease with an expiry saying who is
/// downloading. `wxpay-redis` implements it over Redis; a database with
/// a unique key and an expiry column would do as well.
///
/// Errors make the client download by itself, as without a store: a store
/// that is down costs downloads, never keys.
pub trait CertificateStore: Send + Sync + 'static {
    /// The list last [`save`](Self::save)d for `mchid`, if any is kept.
    fn load<'a>(&'a self, mchid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BoxError>>;

    /// Keeps `list` for `mchid` for at least `keep_for`, replacing the
    /// previous one.
    fn save<'a>(
        &'a self,
        mchid: &'a str,
        list: &'a [u8],
        keep_for: Duration,
    ) -> BoxFuture<'a, Result<(), BoxError>>;

    /// Takes the download lease of `mchid` for `ttl` under `token` unless
    /// someone holds it (an unexpired lease): `true` when taken. A holder
    /// that dies loses it when `ttl` runs out.
    fn try_lease<'a>(
        &'a self,
        mchid: &'a str,
        token: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, BoxError>>;

    /// Ends the lease of `mchid` if `token` still holds it (and only then:
    /// a lease that expired and was taken by another stays theirs).
    fn end_lease<'a>(
        &'a self,
        mchid: &'a str,
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
}

/// A downloaded answer as kept in the store.
#[derive(Serialize, Deserialize)]
struct Stored {
    timestamp: String,
    nonce: String,
    signature: String,
    serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature_type: Option<String>,
    body: String,
}

/// How often a waiting instance looks whether the leaseholder has saved.
const POLL: Duration = Duration::from_millis(50);

/// A refresh through the shared store: a stored list signed less than
/// `fresh_for` ago is used as it is; otherwise one instance (the one that
/// takes the lease) downloads and saves it for `keep_for`, and the others
/// wait for it. When the store fails, or nothing usable appears within two
/// leases, this instance downloads by itself.
pub(crate) async fn refresh(
    client: &Client,
    store: &dyn CertificateStore,
    fresh_for: Duration,
    keep_for: Duration,
) -> Result<RefreshReport, Error> {
    let mchid = client.mchid();
    let lease = client.inner.timeout.saturating_add(Duration::from_secs(1));
    let give_up = Instant::now()
        .checked_add(lease.saturating_mul(2))
        .unwrap_or_else(Instant::now);
    let token = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
    loop {
        match store.load(mchid).await {
            Ok(Some(bytes)) => {
                if let Some(report) = use_stored(client, &bytes, fresh_for) {
                    return Ok(report);
                }
            }
            Ok(None) => {}
            Err(e) => return alone(client, "reading", &e).await,
        }
        match store.try_lease(mchid, token.as_str(), lease).await {
            Ok(true) => {
                let outcome = download_and_save(client, store, keep_for).await;
                if let Err(e) = store.end_lease(mchid, token.as_str()).await {
                    tracing::warn!(error = %e, "wxpay.certificates.shared: ending the lease failed; it expires");
                }
                return outcome;
            }
            Ok(false) if Instant::now() < give_up => tokio::time::sleep(POLL).await,
            Ok(false) => {
                let e: BoxError = "another instance held the lease and saved nothing usable".into();
                return alone(client, "waiting for", &e).await;
            }
            Err(e) => return alone(client, "leasing", &e).await,
        }
    }
}

/// Downloads by itself after the store failed `what`.
async fn alone(client: &Client, what: &str, e: &BoxError) -> Result<RefreshReport, Error> {
    tracing::warn!(
        error = %e,
        "wxpay.certificates.shared: {what} the shared certificate list failed; downloading alone"
    );
    download::direct(client).await
}

/// The leaseholder's part: download, trust, save for the others.
async fn download_and_save(
    client: &Client,
    store: &dyn CertificateStore,
    keep_for: Duration,
) -> Result<RefreshReport, Error> {
    let (report, answer) = match download::fetch(client).await? {
        Fetched::Final(report) => return Ok(report),
        Fetched::List {
            headers,
            body,
            certificates,
        } => {
            let report = download::trust(
                &client.inner.platform.store,
                &certificates,
                SystemTime::now(),
            );
            (report, encode(&headers, &body))
        }
    };
    if let Some(bytes) = answer {
        if let Err(e) = store.save(client.mchid(), &bytes, keep_for).await {
            tracing::warn!(error = %e, "wxpay.certificates.shared: saving the certificate list failed");
        }
    }
    Ok(report)
}

/// The stored form of a verified answer; `None` when its body is not UTF-8
/// or a header is missing (then it is simply not shared).
fn encode(headers: &HeaderMap, body: &Bytes) -> Option<Vec<u8>> {
    let signed = SignatureHeaders::from_headers(headers).ok()?;
    let stored = Stored {
        timestamp: signed.timestamp.to_owned(),
        nonce: signed.nonce.to_owned(),
        signature: signed.signature.to_owned(),
        serial: signed.serial.to_owned(),
        signature_type: signed.signature_type.map(str::to_owned),
        body: std::str::from_utf8(body).ok()?.to_owned(),
    };
    serde_json::to_vec(&stored).ok()
}

/// A stored answer, checked as a download is and signed less than
/// `fresh_for` ago, trusted: its report. `None` (with a warning when it
/// was refused) when there is none to use.
fn use_stored(client: &Client, bytes: &[u8], fresh_for: Duration) -> Option<RefreshReport> {
    let now = SystemTime::now();
    let refused = |why: &dyn std::fmt::Display| {
        tracing::warn!(reason = %why, "wxpay.certificates.shared: stored certificate list refused");
    };
    let stored: Stored = match serde_json::from_slice(bytes) {
        Ok(s) => s,
        Err(e) => {
            refused(&e);
            return None;
        }
    };
    let Some(signed_at) = signed_at(&stored.timestamp) else {
        refused(&"unreadable timestamp");
        return None;
    };
    let max_skew = client.inner.max_skew;
    // Signed in the future (beyond the skew) or too long ago: not for now.
    let ahead = now
        .checked_add(max_skew)
        .is_none_or(|limit| signed_at > limit);
    if ahead
        || now
            .duration_since(signed_at)
            .is_ok_and(|age| age >= fresh_for)
    {
        return None;
    }
    let Some(headers) = headers(&stored) else {
        refused(&"unreadable header");
        return None;
    };
    let apiv3_key = client.inner.apiv3_key.as_ref()?;
    let platform = &client.inner.platform.store;
    // Verified at the time it was signed, as the downloader verified it.
    let mut certificates = match verify_certificate_download(
        &headers,
        stored.body.as_bytes(),
        apiv3_key,
        platform,
        signed_at,
        max_skew,
    ) {
        Ok(c) => c,
        Err(e) => {
            refused(&e);
            return None;
        }
    };
    certificates.retain(|c| now <= c.not_after());
    let mut report = download::trust(platform, &certificates, now);
    report.from_shared_store = true;
    Some(report)
}

fn signed_at(timestamp: &str) -> Option<SystemTime> {
    let seconds: u64 = timestamp.parse().ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

fn headers(stored: &Stored) -> Option<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(5);
    let mut put = |name, value: &str| {
        HeaderValue::from_str(value)
            .ok()
            .map(|v| headers.insert(name, v))
    };
    put(header::WECHATPAY_TIMESTAMP, &stored.timestamp)?;
    put(header::WECHATPAY_NONCE, &stored.nonce)?;
    put(header::WECHATPAY_SIGNATURE, &stored.signature)?;
    put(header::WECHATPAY_SERIAL, &stored.serial)?;
    if let Some(kind) = &stored.signature_type {
        put(header::WECHATPAY_SIGNATURE_TYPE, kind)?;
    }
    Some(headers)
}
