//! Platform keys: the keys WeChat Pay signs with, and keeping them current
//! without a restart.
//!
//! # Modes
//!
//! Chosen on the [`ClientBuilder`](crate::ClientBuilder):
//!
//! | mode | configure | answers verified with | `GET /v3/certificates` |
//! |---|---|---|---|
//! | public key | [`platform_public_key`](crate::ClientBuilder::platform_public_key) (id + PEM) | the WeChat Pay public key | never sent |
//! | certificates | [`apiv3_key`](crate::ClientBuilder::apiv3_key) + [`download_platform_certificates(true)`](crate::ClientBuilder::download_platform_certificates) | downloaded certificates | at first use, periodically, and on demand |
//! | migration | both of the above | whichever key the answer names | the same; `404 RESOURCE_NOT_EXISTS` is normal |
//!
//! Certificates given by hand ([`platform_certificate`](crate::ClientBuilder::platform_certificate))
//! also work, alone or with the others; they are never refreshed.
//!
//! # Which key the platform uses
//!
//! Every request carries `Wechatpay-Serial` naming the *preferred* key:
//! the platform encrypts nothing with it, but signs its answer with the key
//! named there, and sensitive request fields are encrypted with it. The
//! default is the WeChat Pay public key when one is configured, otherwise
//! the valid certificate that expires last; set it with
//! [`preferred_platform_serial`](crate::ClientBuilder::preferred_platform_serial).
//! A migrating merchant that configures both keeps the default (answers
//! signed by the public key as soon as the platform has it, by a certificate
//! until then) or names a certificate to stay on certificates a while longer.
//!
//! A running client can be migrated without a restart: add the public key
//! to its [key store](crate::Client::key_store) and, unless a serial was
//! fixed, requests name it from then on.
//!
//! ```no_run
//! # fn run(client: &wxpay_core::Client, pem: &[u8]) -> Result<(), wxpay_core::crypto::CryptoError> {
//! use wxpay_core::verify::PlatformKey;
//! client
//!     .key_store()
//!     .insert(PlatformKey::public_key_pem("PUB_KEY_ID_0119000001092026112700000000000001", pem)?);
//! # Ok(()) }
//! ```
//!
//! # Downloads
//!
//! A download is trusted only once verified by what it carries
//! ([`verify_certificate_download`]). Downloaded certificates are added to
//! the key store; none is removed before it expires, so certificates that
//! overlap during a rotation coexist, and expired ones are dropped at each
//! download. When downloads are enabled:
//!
//! - **first use** starts one download; a request waits for it (at most
//!   its own timeout) only when there is no key at all yet, or when it must
//!   encrypt with a key not yet loaded. One that leaves no usable key holds
//!   the next back for 1 s, 2 s, 4 s … up to the on-demand interval, calls
//!   meanwhile failing at once with its error;
//! - **periodically** (default every 12 hours,
//!   [`certificate_refresh_interval`](crate::ClientBuilder::certificate_refresh_interval)),
//!   from a background task that ends when the last clone of the client is dropped;
//! - **on demand**, when a verified answer (or a notification checked with
//!   [`Client::verify_signature`]) names a serial the store does not hold.
//!   The answer is then verified again, not re-sent. On-demand downloads are
//!   rate-limited (by default one per minute,
//!   [`on_demand_refresh_interval`](crate::ClientBuilder::on_demand_refresh_interval)),
//!   answers and notifications each on a budget of their own, so forged
//!   serials cannot turn into a flood of downloads nor starve answers. A
//!   serial that cannot be a certificate's (`PUB_KEY_ID_…`, not hex) never
//!   causes one, and one a download did not list is not looked for again
//!   for ten minutes.
//!
//! Only one download runs at a time: whoever needs one while it runs waits
//! for that one (single-flight). A request therefore waits for at most one
//! download. The platform's `404 RESOURCE_NOT_EXISTS` (no certificate: a
//! public-key merchant, or a finished migration) is not an error when a
//! public key is configured.
//!
//! # Several instances
//!
//! Each client downloads for itself. A service running many instances can
//! share the downloaded list through a [`CertificateStore`]
//! ([`Client::share_platform_certificates`]; `wxpay-redis` has one over
//! Redis): a list saved by another instance and signed recently enough
//! (within the periodic interval for scheduled and first downloads, the
//! on-demand interval for the others) stands for a download, once checked
//! as a download is; otherwise one instance takes the store's lease and
//! downloads while the others wait for what it saves. A store that fails
//! costs a download, never a key. A `404 RESOURCE_NOT_EXISTS` is not
//! shared: each instance learns it by itself.

mod certificates;
mod download;
mod refresh;
mod shared;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use certificates::{
    AlgorithmType, CertificateInfo, Certificates, CertificatesExt, CertificatesResponse,
    EncryptCertificate,
};
pub use download::verify_certificate_download;
pub(crate) use refresh::Refresher;
pub use shared::CertificateStore;

use crate::client::Client;
use crate::error::Error;
use crate::verify::{KeyStore, PlatformKey};
pub(crate) use refresh::Source;
use refresh::{Trigger, duplicate, may_be_certificate, wait};

/// What one certificate download found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshReport {
    /// Serials of the valid certificates the platform listed (now all trusted).
    pub listed: Vec<String>,
    /// Those among them the client did not hold before.
    pub added: Vec<String>,
    /// How many expired certificates were dropped from the key store.
    pub expired_removed: usize,
    /// The platform answered `404 RESOURCE_NOT_EXISTS`: it has no certificate
    /// for this merchant, which is normal when a public key is configured.
    pub no_certificates: bool,
    /// The list came from the [`CertificateStore`] shared with other
    /// instances (checked as a download is), not from the platform.
    pub from_shared_store: bool,
}

/// How a client's platform keys stand; see [`Client::platform_keys_status`].
///
/// For monitoring: a growing `failures` with a recent `last_error` means
/// certificates are not being refreshed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformKeysStatus {
    /// Serials held, sorted.
    pub serials: Vec<String>,
    /// Downloads completed, successful or not.
    pub downloads: u64,
    /// Those that were on-demand downloads (for an unknown serial).
    pub on_demand_downloads: u64,
    /// On-demand downloads not made because of the rate limit.
    pub on_demand_refused: u64,
    /// Downloads that failed.
    pub failures: u64,
    /// When a download last succeeded.
    pub last_success: Option<SystemTime>,
    /// Why the last download failed, if it did (cleared by a success).
    pub last_error: Option<String>,
}

/// The platform keys of one client and, when downloads are enabled, how
/// they are refreshed.
pub(crate) struct PlatformKeys {
    pub(crate) store: Arc<KeyStore>,
    /// The serial named in `Wechatpay-Serial`, when set by the user.
    pub(crate) fixed_preferred: Option<String>,
    pub(crate) refresher: Option<Refresher>,
}

impl PlatformKeys {
    /// The serial to name in `Wechatpay-Serial` (and encrypt with) now.
    pub(crate) fn preferred_serial(&self) -> Option<String> {
        self.fixed_preferred
            .clone()
            .or_else(|| self.store.default_serial(SystemTime::now()))
    }

    /// The preferred key, when it is loaded and valid.
    fn preferred_key(&self) -> Option<Arc<PlatformKey>> {
        let serial = self.preferred_serial()?;
        self.store
            .get(&serial)
            .filter(|k| k.is_valid_at(SystemTime::now()))
    }
}

impl Client {
    /// Downloads the platform certificates now, verifies them and adds them
    /// to the key store (joining a download already under way). Not
    /// rate-limited: meant for start-up checks and operators.
    ///
    /// Fails with [`Error::Build`] when downloads are not enabled, with the
    /// download's error otherwise (a `404 RESOURCE_NOT_EXISTS` is a success
    /// with [`RefreshReport::no_certificates`] when a public key is configured).
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    /// let report = client.refresh_platform_certificates().await?;
    /// println!("certificates: {:?} (new: {:?})", report.listed, report.added);
    /// # Ok(()) }
    /// ```
    pub async fn refresh_platform_certificates(&self) -> Result<RefreshReport, Error> {
        let Some(refresher) = &self.inner.platform.refresher else {
            return Err(Error::build(
                "platform certificate downloads are not enabled: call ClientBuilder::download_platform_certificates(true)",
            ));
        };
        refresher.ensure_started(self);
        match refresher.start_or_join(self, Trigger::Explicit) {
            Some(waiter) => wait(waiter).await.map_err(|e| duplicate(&e)),
            None => Err(Error::build("the certificate download was not started")),
        }
    }

    /// The platform key with this serial, downloading the certificate list
    /// first when the serial is unknown and an on-demand download is allowed
    /// (see the [module docs](crate::platform)). `None` when no valid key
    /// has this serial.
    ///
    /// For code that verifies messages itself, such as notification handlers.
    pub async fn platform_key(&self, serial: &str) -> Option<Arc<PlatformKey>> {
        let store = &self.inner.platform.store;
        let valid = |k: &Arc<PlatformKey>| k.is_valid_at(SystemTime::now());
        if let Some(key) = store.get(serial).filter(valid) {
            return Some(key);
        }
        if self
            .refresh_for_unknown_serial(serial, Source::Notification)
            .await
        {
            store.get(serial).filter(valid)
        } else {
            None
        }
    }

    /// Shares downloaded certificate lists with the other instances of a
    /// service through `store`, so that the fleet downloads once per
    /// refresh: a list another instance saved recently is used instead of
    /// downloading (after the same checks as a download), and while one
    /// instance downloads, the others wait for its list. Set it before the
    /// first call; it applies to the downloads that start afterwards.
    ///
    /// Fails with [`Error::Build`] when downloads are not enabled.
    ///
    /// ```no_run
    /// # fn run(client: &wxpay_core::Client, store: std::sync::Arc<dyn wxpay_core::platform::CertificateStore>) -> Result<(), wxpay_core::Error> {
    /// client.share_platform_certificates(store)?;
    /// # Ok(()) }
    /// ```
    pub fn share_platform_certificates(
        &self,
        store: Arc<dyn CertificateStore>,
    ) -> Result<(), Error> {
        let Some(refresher) = &self.inner.platform.refresher else {
            return Err(Error::build(
                "platform certificate downloads are not enabled: call ClientBuilder::download_platform_certificates(true)",
            ));
        };
        refresher.share(store);
        Ok(())
    }

    /// The keys held and how downloads have gone.
    pub fn platform_keys_status(&self) -> PlatformKeysStatus {
        let platform = &self.inner.platform;
        let mut status = platform
            .refresher
            .as_ref()
            .map(Refresher::status)
            .unwrap_or_default();
        status.serials = platform.store.serials();
        status
    }

    /// Before sending: makes sure there is a key to verify the answer with
    /// (and, for `sensitive` requests, the preferred key to encrypt with),
    /// waiting at most `limit` for a download when there is none yet.
    /// Returns whether it waited for one.
    ///
    /// A bootstrap that leaves no usable key (a wrong APIv3 key, a
    /// public-key merchant answering 404, every certificate expired, a fixed
    /// preferred serial never listed) holds the next ones back for a while
    /// (see [`Refresher::bootstrap_failed`]): calls meanwhile fail at once
    /// with the same error instead of each sending a download first.
    pub(crate) async fn prepare_platform_keys(
        &self,
        sensitive: bool,
        limit: Duration,
    ) -> Result<bool, Error> {
        let platform = &self.inner.platform;
        let Some(refresher) = &platform.refresher else {
            return Ok(false);
        };
        refresher.ensure_started(self);
        let ready = || {
            if sensitive {
                platform.preferred_key().is_some()
            } else {
                platform.store.has_usable_key(SystemTime::now())
            }
        };
        if ready() {
            return Ok(false);
        }
        if let Some(error) = refresher.bootstrap_backoff() {
            return Err(duplicate(&error));
        }
        let Some(waiter) = refresher.start_or_join(self, Trigger::Bootstrap) else {
            return Ok(false);
        };
        // The download goes on for later calls if this one stops waiting.
        let Ok(outcome) = tokio::time::timeout(limit, wait(waiter)).await else {
            return Err(Error::Timeout(limit));
        };
        if ready() {
            refresher.bootstrap_succeeded();
            return Ok(true);
        }
        let error = match outcome {
            Err(e) => e,
            Ok(_) if sensitive => Arc::new(
                self.encryption_key()
                    .err()
                    .unwrap_or_else(|| Error::build("no platform key to encrypt with")),
            ),
            Ok(report) => Arc::new(Error::build(format!(
                "no platform key to verify answers with: GET /v3/certificates listed no valid certificate ({} listed)",
                report.listed.len()
            ))),
        };
        refresher.bootstrap_failed(error.clone());
        Err(duplicate(&error))
    }

    /// The key sensitive fields are encrypted with: the preferred one.
    pub(crate) fn encryption_key(&self) -> Result<Arc<PlatformKey>, Error> {
        let platform = &self.inner.platform;
        let serial = platform.preferred_serial().ok_or_else(|| {
            Error::build(
                "this request has sensitive fields to encrypt, but no platform public key or certificate is available",
            )
        })?;
        platform.preferred_key().ok_or_else(|| {
            Error::build(format!(
                "this request has sensitive fields to encrypt, but the preferred platform key {serial} is not loaded"
            ))
        })
    }

    /// Waits for an on-demand download (or the one under way) because
    /// `source` named `serial`; false when downloads are off, the serial
    /// cannot be a certificate's, a recent download did not list it, or the
    /// source's rate limit refuses one.
    pub(crate) async fn refresh_for_unknown_serial(&self, serial: &str, source: Source) -> bool {
        let Some(refresher) = &self.inner.platform.refresher else {
            return false;
        };
        if !may_be_certificate(serial) || refresher.known_unknown(serial) {
            return false;
        }
        refresher.ensure_started(self);
        let Some(waiter) = refresher.start_or_join(self, Trigger::OnDemand(source)) else {
            return false;
        };
        if wait(waiter).await.is_ok() && !self.inner.platform.store.contains(serial) {
            refresher.remember_unknown(serial);
        }
        true
    }
}
