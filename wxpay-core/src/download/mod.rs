//! File downloads: bills and other files the platform serves unsigned.
//!
//! Some answers are files, not JSON, and carry no signature by design
//! (PROTOCOL §3): `/v3/billdownload/file` and kin. Their request is signed
//! like any other; their integrity comes from a digest announced, signed,
//! by the call that handed out the download URL (`hash_value` of a bill's
//! `BillFile`).
//!
//! - [`Client::download_url`] fetches a URL the platform handed out. The
//!   URL must be on the client's own host (scheme, host and port of the
//!   base URL): a request for any other host is refused before anything is
//!   sent, since it would carry the merchant's signed `Authorization`
//!   header there.
//! - [`Client::download`] sends a request declared with
//!   `#[endpoint(GET, "…", download)]` ([`DownloadEndpoint`]).
//! - Both give a [`Download`]: the answer's body, read chunk by chunk as it
//!   arrives, never verified as JSON and never held whole unless asked.
//! - [`Download::check_digest`] (and [`Client::download_bill`], which does
//!   both steps) turns it into a [`CheckedDownload`]: a `tar_type=GZIP`
//!   file is decompressed on the fly, the SHA-1 is computed over the
//!   original bill, and the end of the stream is only reported once it
//!   matched; a mismatch is [`Error::Download`] naming both digests.
//!
//! The bill helpers ([`Client::download_bill`],
//! [`Client::download_encrypted_bill`]) take the [`BillFile`] that the bill
//! endpoints answer (`GET /v3/bill/tradebill` and the others, in the
//! catalogue).
//!
//! ```no_run
//! # async fn run(client: wxpay_core::Client, file: wxpay_core::bill::BillFile) -> Result<(), Box<dyn std::error::Error>> {
//! // `file`: the answer to `GET /v3/bill/tradebill` for 2026-05-01.
//! let mut out = tokio::fs::File::create("tradebill-2026-05-01.csv").await?;
//! let written = client.download_bill(&file).await?.write_to(&mut out).await?;
//! println!("{written} bytes, digest checked");
//! # Ok(()) }
//! ```

use bytes::Bytes;
use http::Method;

use crate::bill::{BillFile, EncryptedBillFile};
use crate::body::ByteStream;
use crate::client::Client;
use crate::error::{BuildError, Error, TransportError, TransportErrorKind};

mod checked;
mod file;
mod gcm;
mod inflate;
mod origin;
mod reader;

pub use checked::{CheckedDownload, DEFAULT_MAX_SIZE};
pub use file::Download;

#[cfg(test)]
pub(crate) use file::testing::arriving;

use checked::check_hash_type;
use gcm::GcmDecrypt;
use origin::same_origin_path;

/// The largest error answer read from a download URL.
pub(crate) const MAX_ERROR_ANSWER: usize = 64 * 1024;

/// An operation whose answer is an unsigned file, implemented by a request
/// struct declared with `#[endpoint(GET, "/v3/…", download)]`.
///
/// The request is signed like any other; the answer is not verified (the
/// platform does not sign it) and is returned as a [`Download`].
pub trait DownloadEndpoint: Send {
    /// The path template as declared, e.g. `/v3/billdownload/file`.
    const PATH: &'static str;

    /// Appends the path and the query string, exactly as sent.
    fn write_path_and_query(&self, out: &mut String) -> Result<(), Error>;
}

impl Client {
    /// Sends a download request declared with `#[endpoint(…, download)]`.
    pub async fn download<E: DownloadEndpoint>(&self, request: E) -> Result<Download, Error> {
        let mut path = String::with_capacity(E::PATH.len() + 64);
        request.write_path_and_query(&mut path)?;
        self.fetch(&path, E::PATH).await
    }

    /// Fetches a download URL handed out by the platform (a bill's
    /// `download_url`): a signed `GET` of its path and query, exactly as
    /// written in the URL.
    ///
    /// The URL must be on the client's host (same scheme, host and port as
    /// the base URL); any other fails with [`DownloadErrorKind::ForeignHost`](crate::error::DownloadErrorKind::ForeignHost)
    /// before anything is sent. The answer is not verified; check what it
    /// holds against a digest ([`Download::check_digest`]).
    pub async fn download_url(&self, url: &str) -> Result<Download, Error> {
        let path_and_query = same_origin_path(self.base_url(), url)?;
        let path = path_and_query
            .split_once('?')
            .map_or(path_and_query.as_str(), |(path, _)| path);
        self.fetch(&path_and_query, path).await
    }
}

impl Client {
    /// Downloads a bill announced by `GET /v3/bill/tradebill`
    /// or `GET /v3/bill/fundflowbill`: fetches its
    /// `download_url`, decompresses it when it was asked for with
    /// `tar_type=GZIP`, and checks its `hash_value` over the original bill.
    pub async fn download_bill(&self, bill: &BillFile) -> Result<CheckedDownload, Error> {
        check_hash_type(bill.hash_type.as_str(), None)?;
        self.download_url(&bill.download_url)
            .await?
            .check_digest(bill.hash_type.as_str(), &bill.hash_value)
    }

    /// Downloads one part of an encrypted sub-merchant fund flow bill
    /// (`GET /v3/bill/sub-merchant-fundflowbill`):
    /// decrypts `encrypt_key` with the merchant key (RSA-OAEP), decrypts the
    /// file with it (AEAD_AES_256_GCM, the part's `nonce`, no associated
    /// data), decompresses a GZIP file and checks `hash_value`.
    ///
    /// The platform's documentation does not say whether `hash_value`
    /// covers the file as downloaded or the decrypted bill; a match with
    /// either is accepted (the GCM tag authenticates the whole file in any
    /// case), anything else is an error.
    pub async fn download_encrypted_bill(
        &self,
        bill: &EncryptedBillFile,
    ) -> Result<CheckedDownload, Error> {
        check_hash_type(bill.hash_type.as_str(), None)?;
        let key = self
            .credentials()
            .private_key()
            .decrypt_oaep(&bill.encrypt_key)
            .map(crate::crypto::Zeroizing::new)
            .map_err(|e| {
                BuildError::with_source(
                    "the bill's encrypt_key could not be decrypted with the merchant key",
                    e,
                )
            })?;
        let decrypt = GcmDecrypt::new(&key, bill.nonce.as_bytes())?;
        let download = self.download_url(&bill.download_url).await?;
        let checked = download.check_digest(bill.hash_type.as_str(), &bill.hash_value)?;
        Ok(checked.decrypting(decrypt))
    }
}

impl Client {
    /// A signed `GET` whose answer is streamed and not verified: one
    /// attempt (the file's digest is checked later, by the reader), traced
    /// as a `wxpay.download` span up to the answer's headers. `trace_path`
    /// is what the span names: a declared endpoint's template, or a URL's
    /// path without its query (which may hold a token).
    async fn fetch(&self, path_and_query: &str, trace_path: &str) -> Result<Download, Error> {
        self.traced_download(trace_path, self.fetch_once(path_and_query))
            .await
    }

    /// Runs one download `attempt` in the `wxpay.download` span (named by
    /// `trace_path`) and records its outcome, as every download does.
    pub(crate) async fn traced_download(
        &self,
        trace_path: &str,
        attempt: impl std::future::Future<Output = Result<Download, Error>>,
    ) -> Result<Download, Error> {
        use tracing::Instrument as _;

        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "wxpay.download",
            path = trace_path,
            mchid = self.mchid(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            error = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let result = attempt.instrument(span.clone()).await;
        crate::client::record_outcome(
            &span,
            started,
            result
                .as_ref()
                .map(|download| (download.status(), download.request_id())),
        );
        result
    }

    async fn fetch_once(&self, path_and_query: &str) -> Result<Download, Error> {
        let request = self
            .signed_request(Method::GET, self.base_url(), path_and_query, b"")?
            .body(ByteStream::empty())
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
        let (transport, timeout) = self.transport();
        let response = match tokio::time::timeout(timeout, transport.send_streaming(request)).await
        {
            Ok(result) => result?,
            Err(_) => return Err(Error::Timeout(timeout)),
        };
        let (parts, body) = response.into_parts();
        if !parts.status.is_success() {
            // An error body too large or too slow to read still leaves the
            // status and Request-ID to report.
            let body = match tokio::time::timeout(timeout, body.collect(MAX_ERROR_ANSWER)).await {
                Ok(Ok(body)) => body,
                Ok(Err(_)) | Err(_) => Bytes::new(),
            };
            return Err(self
                .error_answer(parts.status, &parts.headers, &body)
                .into());
        }
        Ok(Download::new(parts.status, parts.headers, body, timeout))
    }
}
