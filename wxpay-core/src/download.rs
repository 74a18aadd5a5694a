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

use std::collections::VecDeque;
use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use openssl::sha::Sha1;
use openssl::symm::{Cipher, Crypter, Mode};
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::bill::{BillFile, EncryptedBillFile};
use crate::body::ByteStream;
use crate::client::Client;
use crate::error::{
    BuildError, DownloadError, DownloadErrorKind, Error, TransportError, TransportErrorKind,
};
use crate::protocol::request_id;
use crate::upload::hex;

/// The largest error answer read from a download URL.
const MAX_ERROR_ANSWER: usize = 64 * 1024;

/// At most this much compressed input is inflated at a time, which bounds
/// the output of one step (deflate expands at most about 1032 to 1).
const INFLATE_STEP: usize = 4 * 1024;

/// Length of the AES-GCM tag ending an encrypted file.
const GCM_TAG_LEN: usize = 16;

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
    /// the base URL); any other fails with [`DownloadErrorKind::ForeignHost`]
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
            .map_err(|e| {
                BuildError::with_source(
                    "the bill's encrypt_key could not be decrypted with the merchant key",
                    e,
                )
            })?;
        let decrypt = GcmDecrypt::new(&key, bill.nonce.as_bytes())?;
        let download = self.download_url(&bill.download_url).await?;
        let mut checked = download.check_digest(bill.hash_type.as_str(), &bill.hash_value)?;
        checked.decrypt = Some(decrypt);
        checked.raw_hasher = Some(Sha1::new());
        Ok(checked)
    }
}

impl Client {
    /// A signed `GET` whose answer is streamed and not verified: one
    /// attempt (the file's digest is checked later, by the reader), traced
    /// as a `wxpay.download` span up to the answer's headers. `trace_path`
    /// is what the span names: a declared endpoint's template, or a URL's
    /// path without its query (which may hold a token).
    async fn fetch(&self, path_and_query: &str, trace_path: &str) -> Result<Download, Error> {
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
        let result = self
            .fetch_once(path_and_query)
            .instrument(span.clone())
            .await;
        crate::client::record_outcome(
            &span,
            started,
            result
                .as_ref()
                .map(|download| (download.status, download.request_id.as_deref())),
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
        Ok(Download {
            status: parts.status,
            request_id: request_id(&parts.headers),
            headers: parts.headers,
            body,
            idle_timeout: timeout,
        })
    }
}

/// The path and query of `url`, when it has the same origin as `base`.
fn same_origin_path(base: &str, url: &str) -> Result<String, Error> {
    let bad = || Error::from(DownloadError::new(DownloadErrorKind::BadUrl, None));
    let uri: http::Uri = url.trim().parse().map_err(|_| bad())?;
    let base: http::Uri = base.parse().map_err(|_| bad())?;
    let (Some(theirs), Some(ours)) = (origin(&uri), origin(&base)) else {
        return Err(bad());
    };
    if theirs != ours {
        return Err(DownloadError::new(
            DownloadErrorKind::ForeignHost {
                url_host: theirs.to_string(),
                client_host: ours.to_string(),
            },
            None,
        )
        .into());
    }
    Ok(uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .filter(|pq| pq.starts_with('/'))
        .unwrap_or_else(|| "/".to_owned()))
}

/// Scheme, host and port, normalised (lower case, default ports explicit).
#[derive(PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn origin(uri: &http::Uri) -> Option<Origin> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = uri.authority()?;
    // Credentials in the authority (`user@host`) are never ours.
    if authority.as_str().contains('@') {
        return None;
    }
    Some(Origin {
        host: authority.host().to_ascii_lowercase(),
        port: authority.port_u16().unwrap_or(default_port),
        scheme,
    })
}

fn check_hash_type(hash_type: &str, request_id: Option<&str>) -> Result<(), Error> {
    if hash_type.eq_ignore_ascii_case("SHA1") {
        Ok(())
    } else {
        Err(DownloadError::new(
            DownloadErrorKind::UnsupportedHash(hash_type.to_owned()),
            request_id.map(str::to_owned),
        )
        .into())
    }
}

/// A downloaded file arriving: unsigned, unchecked, read chunk by chunk.
///
/// Read it with [`chunk`](Download::chunk), [`bytes`](Download::bytes) or
/// [`write_to`](Download::write_to), or check it against a digest with
/// [`check_digest`](Download::check_digest). Each wait for the next chunk
/// is bounded by the client's timeout; the whole download is not.
pub struct Download {
    status: StatusCode,
    headers: HeaderMap,
    request_id: Option<String>,
    body: ByteStream,
    idle_timeout: Duration,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// The answer's status (a 2xx).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The answer's `Request-ID`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The next chunk as it arrived, `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match tokio::time::timeout(self.idle_timeout, self.body.chunk()).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(Error::Timeout(self.idle_timeout)),
        }
    }

    /// The whole file, refusing more than `limit` bytes.
    pub async fn bytes(mut self, limit: usize) -> Result<Bytes, Error> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if out.len().saturating_add(chunk.len()) > limit {
                return Err(TransportError::from_kind(TransportErrorKind::BodyTooLarge).into());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    /// Writes the file into `out` as it arrives; returns the bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(
        mut self,
        out: &mut W,
    ) -> Result<u64, Error> {
        let request_id = self.request_id.clone();
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            write(out, &chunk, &request_id).await?;
            written += chunk.len() as u64;
        }
        flush(out, &request_id).await?;
        Ok(written)
    }

    /// Checks the file against the digest the platform announced
    /// (`hash_type`, `hash_value`): the returned stream decompresses a GZIP
    /// file, hashes the original content and fails at its end if the digest
    /// differs. Only `SHA1` is known; another `hash_type` is an error.
    pub fn check_digest(self, hash_type: &str, hash_value: &str) -> Result<CheckedDownload, Error> {
        check_hash_type(hash_type, self.request_id.as_deref())?;
        Ok(CheckedDownload {
            source: self,
            decrypt: None,
            decode: Decode::Sniff(Vec::new()),
            hasher: Some(Sha1::new()),
            raw_hasher: None,
            algorithm: hash_type.to_ascii_uppercase(),
            expected: hash_value.trim().to_ascii_lowercase(),
            ready: VecDeque::new(),
            finished: false,
            failed: false,
            len: 0,
        })
    }
}

async fn write<W: AsyncWrite + Unpin + ?Sized>(
    out: &mut W,
    data: &[u8],
    request_id: &Option<String>,
) -> Result<(), Error> {
    out.write_all(data).await.map_err(|e| {
        Error::from(DownloadError::new(
            DownloadErrorKind::Write(e),
            request_id.clone(),
        ))
    })
}

async fn flush<W: AsyncWrite + Unpin + ?Sized>(
    out: &mut W,
    request_id: &Option<String>,
) -> Result<(), Error> {
    out.flush().await.map_err(|e| {
        Error::from(DownloadError::new(
            DownloadErrorKind::Write(e),
            request_id.clone(),
        ))
    })
}

/// A download checked against its announced digest while it is read.
///
/// [`chunk`](CheckedDownload::chunk) yields the original file (decrypted
/// and decompressed as needed). The end (`Ok(None)`) is only reported
/// after the digest matched; a mismatch is reported instead, as
/// [`DownloadErrorKind::DigestMismatch`]. Chunks read before the end are
/// not yet proved genuine: keep them aside (a file, a buffer) and use them
/// only once the end was reached, as [`write_to`](CheckedDownload::write_to)
/// and [`bytes`](CheckedDownload::bytes) do.
pub struct CheckedDownload {
    source: Download,
    decrypt: Option<GcmDecrypt>,
    decode: Decode,
    hasher: Option<Sha1>,
    raw_hasher: Option<Sha1>,
    algorithm: String,
    expected: String,
    ready: VecDeque<Bytes>,
    finished: bool,
    /// An error was returned: every later call returns one too.
    failed: bool,
    len: u64,
}

impl fmt::Debug for CheckedDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedDownload")
            .field("request_id", &self.source.request_id)
            .field("algorithm", &self.algorithm)
            .field("expected", &self.expected)
            .field("encrypted", &self.decrypt.is_some())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

enum Decode {
    /// Not yet known: the first bytes decide (gzip starts with 1f 8b).
    Sniff(Vec<u8>),
    Plain,
    Gzip(Box<flate2::write::GzDecoder<Vec<u8>>>),
}

impl CheckedDownload {
    /// The `Request-ID` of the download's answer.
    pub fn request_id(&self) -> Option<&str> {
        self.source.request_id()
    }

    /// Whether the file arrived GZIP-compressed (known after the first bytes).
    pub fn is_gzip(&self) -> bool {
        matches!(self.decode, Decode::Gzip(_))
    }

    /// Bytes of the original file handed out so far.
    pub fn len_so_far(&self) -> u64 {
        self.len
    }

    /// The next chunk of the original file; `None` once the whole file
    /// arrived and its digest matched.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            if let Some(chunk) = self.ready.pop_front() {
                return Ok(Some(chunk));
            }
            if self.failed {
                return Err(DownloadError::new(
                    DownloadErrorKind::Corrupt("the download already failed".into()),
                    self.source.request_id.clone(),
                )
                .into());
            }
            if self.finished {
                return Ok(None);
            }
            let step = match self.source.chunk().await {
                Ok(Some(raw)) => self.feed(raw),
                Ok(None) => self.finish().map(|()| self.finished = true),
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                // Nothing after an error is trustworthy: not what was
                // decoded before it, not a clean end on the next call.
                self.failed = true;
                self.ready.clear();
                return Err(e);
            }
        }
    }

    /// The whole original file, once its digest matched; more than `limit`
    /// bytes are refused.
    pub async fn bytes(mut self, limit: usize) -> Result<Bytes, Error> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if out.len().saturating_add(chunk.len()) > limit {
                return Err(TransportError::from_kind(TransportErrorKind::BodyTooLarge).into());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    /// Writes the original file into `out` as it arrives and returns its
    /// size once the digest matched. On a mismatch `out` holds the
    /// unverified content: discard it.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(
        mut self,
        out: &mut W,
    ) -> Result<u64, Error> {
        let request_id = self.source.request_id.clone();
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            write(out, &chunk, &request_id).await?;
            written += chunk.len() as u64;
        }
        flush(out, &request_id).await?;
        Ok(written)
    }

    fn corrupt(&self, what: impl Into<String>) -> Error {
        DownloadError::new(
            DownloadErrorKind::Corrupt(what.into()),
            self.source.request_id.clone(),
        )
        .into()
    }

    /// Takes in bytes as downloaded.
    fn feed(&mut self, raw: Bytes) -> Result<(), Error> {
        if let Some(h) = self.raw_hasher.as_mut() {
            h.update(&raw);
        }
        let plain = match self.decrypt.as_mut() {
            Some(d) => match d.update(&raw) {
                Ok(p) => p,
                Err(()) => return Err(self.corrupt("the file could not be decrypted")),
            },
            None => raw,
        };
        self.decode_feed(plain)
    }

    /// Takes in bytes of the (decrypted) file, compressed or not.
    fn decode_feed(&mut self, data: Bytes) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        match &mut self.decode {
            Decode::Sniff(start) => {
                start.extend_from_slice(&data);
                if start.len() >= 2 {
                    let start = std::mem::take(start);
                    self.decode = if start.starts_with(&[0x1f, 0x8b]) {
                        Decode::Gzip(Box::new(flate2::write::GzDecoder::new(Vec::new())))
                    } else {
                        Decode::Plain
                    };
                    self.decode_feed(Bytes::from(start))?;
                }
                Ok(())
            }
            Decode::Plain => {
                self.emit(data);
                Ok(())
            }
            Decode::Gzip(_) => {
                for step in data.chunks(INFLATE_STEP) {
                    let out = self.inflate(step)?;
                    self.emit(out);
                }
                Ok(())
            }
        }
    }

    fn inflate(&mut self, step: &[u8]) -> Result<Bytes, Error> {
        let Decode::Gzip(decoder) = &mut self.decode else {
            return Ok(Bytes::new());
        };
        let result = decoder.write_all(step);
        let out = Bytes::from(std::mem::take(decoder.get_mut()));
        match result {
            Ok(()) => Ok(out),
            Err(e) if e.kind() == std::io::ErrorKind::WriteZero => {
                Err(self.corrupt("data after the end of the gzip stream"))
            }
            Err(e) => Err(self.corrupt(format!("gzip: {e}"))),
        }
    }

    /// Hands out a chunk of the original file.
    fn emit(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(&data);
        }
        self.len += data.len() as u64;
        self.ready.push_back(data);
    }

    /// The input ended: flush the decoders and compare digests.
    fn finish(&mut self) -> Result<(), Error> {
        if let Some(d) = self.decrypt.as_mut() {
            if d.finish().is_err() {
                self.ready.clear();
                return Err(
                    self.corrupt("the file's authentication tag does not match (AEAD_AES_256_GCM)")
                );
            }
        }
        match &mut self.decode {
            Decode::Sniff(start) => {
                let start = Bytes::from(std::mem::take(start));
                self.decode = Decode::Plain;
                self.emit(start);
            }
            Decode::Plain => {}
            Decode::Gzip(decoder) => {
                let result = decoder.try_finish();
                let out = Bytes::from(std::mem::take(decoder.get_mut()));
                if let Err(e) = result {
                    self.ready.clear();
                    return Err(self.corrupt(format!("gzip: {e}")));
                }
                self.emit(out);
            }
        }
        let actual = self
            .hasher
            .take()
            .map(|h| hex(&h.finish()))
            .unwrap_or_default();
        let raw = self.raw_hasher.take().map(|h| hex(&h.finish()));
        if actual == self.expected || raw.as_deref() == Some(self.expected.as_str()) {
            return Ok(());
        }
        self.ready.clear();
        Err(DownloadError::new(
            DownloadErrorKind::DigestMismatch {
                algorithm: self.algorithm.clone(),
                expected: self.expected.clone(),
                actual,
            },
            self.source.request_id.clone(),
        )
        .into())
    }
}

/// AEAD_AES_256_GCM decryption of a stream whose last 16 bytes are the tag.
struct GcmDecrypt {
    crypter: Crypter,
    /// Input not yet decrypted: at least the last 16 bytes seen.
    held: Vec<u8>,
}

impl GcmDecrypt {
    fn new(key: &[u8], nonce: &[u8]) -> Result<Self, Error> {
        if key.len() != 32 {
            return Err(Error::build(format!(
                "the bill's key is {} bytes; only AEAD_AES_256_GCM (32-byte keys) is supported",
                key.len()
            )));
        }
        if nonce.is_empty() {
            return Err(Error::build("the bill's nonce is empty"));
        }
        let crypter = Crypter::new(Cipher::aes_256_gcm(), Mode::Decrypt, key, Some(nonce))
            .map_err(|e| BuildError::with_source("AES-256-GCM could not be set up", e))?;
        Ok(GcmDecrypt {
            crypter,
            held: Vec::new(),
        })
    }

    fn update(&mut self, data: &[u8]) -> Result<Bytes, ()> {
        self.held.extend_from_slice(data);
        let ready = self.held.len().saturating_sub(GCM_TAG_LEN);
        if ready == 0 {
            return Ok(Bytes::new());
        }
        let mut out = vec![0u8; ready + 16];
        let input = self.held.get(..ready).ok_or(())?;
        let n = self.crypter.update(input, &mut out).map_err(|_| ())?;
        out.truncate(n);
        self.held.drain(..ready);
        Ok(Bytes::from(out))
    }

    fn finish(&mut self) -> Result<(), ()> {
        if self.held.len() != GCM_TAG_LEN {
            return Err(());
        }
        self.crypter.set_tag(&self.held).map_err(|_| ())?;
        let mut rest = [0u8; 16];
        self.crypter.finalize(&mut rest).map_err(|_| ())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_clients_own_origin_is_accepted() {
        let base = "https://api.mch.weixin.qq.com";
        assert_eq!(
            same_origin_path(
                base,
                "https://api.mch.weixin.qq.com/v3/billdownload/file?token=a%2Bb"
            )
            .unwrap(),
            "/v3/billdownload/file?token=a%2Bb"
        );
        assert!(same_origin_path(base, "HTTPS://API.mch.weixin.qq.com:443/x").is_ok());
        for foreign in [
            "https://evil.example/v3/billdownload/file?token=x",
            "http://api.mch.weixin.qq.com/x",
            "https://api.mch.weixin.qq.com:8443/x",
            "https://api.mch.weixin.qq.com.evil.example/x",
            "https://api2.mch.weixin.qq.com/x",
        ] {
            let e = same_origin_path(base, foreign).unwrap_err();
            assert!(
                matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::ForeignHost { .. })),
                "{foreign}: {e}"
            );
        }
        for bad in [
            "/v3/billdownload/file",
            "not a url",
            "ftp://api.mch.weixin.qq.com/x",
            "https://user@api.mch.weixin.qq.com/x",
        ] {
            let e = same_origin_path(base, bad).unwrap_err();
            assert!(
                matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::BadUrl)),
                "{bad}: {e}"
            );
        }
    }

    /// A download whose body arrives in the given pieces.
    fn arriving(pieces: Vec<&[u8]>) -> Download {
        struct Pieces(std::vec::IntoIter<Bytes>);
        impl http_body::Body for Pieces {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>>
            {
                std::task::Poll::Ready(
                    self.get_mut()
                        .0
                        .next()
                        .map(|b| Ok(http_body::Frame::data(b))),
                )
            }
        }
        let pieces: Vec<Bytes> = pieces.into_iter().map(Bytes::copy_from_slice).collect();
        Download {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            request_id: Some("RID".into()),
            body: ByteStream::new(Pieces(pieces.into_iter())),
            idle_timeout: Duration::from_secs(5),
        }
    }

    fn sha1(data: &[u8]) -> String {
        hex(&openssl::sha::sha1(data))
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn bill_text() -> Vec<u8> {
        let mut s = String::from("交易时间,微信订单号\r\n");
        for i in 0..3000 {
            s.push_str(&format!("`2026-05-01 10:00:00,`42000000{i:020}\r\n"));
        }
        s.into_bytes()
    }

    #[tokio::test]
    async fn plain_and_gzip_files_are_checked_over_the_original() {
        let text = bill_text();
        let digest = sha1(&text);
        let got = arriving(text.chunks(1000).collect())
            .check_digest("SHA1", &digest.to_uppercase())
            .unwrap()
            .bytes(usize::MAX)
            .await
            .unwrap();
        assert_eq!(got, text);

        let packed = gzip(&text);
        // One-byte first piece: the gzip magic straddles two pieces.
        let mut pieces: Vec<&[u8]> = vec![&packed[..1]];
        pieces.extend(packed[1..].chunks(777));
        let mut checked = arriving(pieces).check_digest("sha1", &digest).unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = checked.chunk().await.unwrap() {
            out.extend_from_slice(&chunk);
        }
        assert!(checked.is_gzip());
        assert_eq!(out, text);
        assert_eq!(checked.len_so_far(), text.len() as u64);
    }

    #[tokio::test]
    async fn a_mismatch_names_both_digests_and_never_ends_cleanly() {
        let text = bill_text();
        let mut altered = text.clone();
        altered[100] = b'9';
        let expected = sha1(&text);
        for body in [altered.clone(), gzip(&altered)] {
            let mut checked = arriving(vec![&body])
                .check_digest("SHA1", &expected)
                .unwrap();
            let e = loop {
                match checked.chunk().await {
                    Ok(Some(_)) => continue,
                    Ok(None) => panic!("a corrupted file reached its end"),
                    Err(e) => break e,
                }
            };
            let Error::Download(d) = &e else {
                panic!("{e}")
            };
            match &d.kind {
                DownloadErrorKind::DigestMismatch {
                    algorithm,
                    expected: x,
                    actual,
                } => {
                    assert_eq!(algorithm, "SHA1");
                    assert_eq!(x, &expected);
                    assert_eq!(actual, &sha1(&altered));
                }
                other => panic!("{other}"),
            }
            assert_eq!(e.request_id(), Some("RID"));
            assert!(e.to_string().contains(&expected), "{e}");
            // Asking again after the error is an error again, never an end.
            for _ in 0..2 {
                let again = checked.chunk().await.unwrap_err();
                assert_eq!(again.request_id(), Some("RID"));
            }
        }
    }

    #[tokio::test]
    async fn damaged_gzip_is_corrupt() {
        let text = bill_text();
        let digest = sha1(&text);
        let mut trailing = gzip(&text);
        trailing.extend_from_slice(b"junk");
        let mut truncated = gzip(&text);
        truncated.truncate(truncated.len() - 12);
        let mut flipped = gzip(&text);
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        for body in [trailing, truncated, flipped] {
            let e = arriving(vec![&body])
                .check_digest("SHA1", &digest)
                .unwrap()
                .bytes(usize::MAX)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::Corrupt(_))),
                "{e}"
            );
        }
    }

    #[tokio::test]
    async fn unknown_hash_types_and_tiny_files() {
        let e = arriving(vec![b"x"]).check_digest("MD5", "abc").unwrap_err();
        assert!(e.to_string().contains("MD5"), "{e}");
        let one = arriving(vec![b"x"])
            .check_digest("SHA1", &sha1(b"x"))
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert_eq!(one, "x");
        let empty = arriving(vec![])
            .check_digest("SHA1", &sha1(b""))
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert!(empty.is_empty());
    }

    #[tokio::test]
    async fn write_to_reports_a_failing_sink() {
        struct Full;
        impl AsyncWrite for Full {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::task::Poll::Ready(Err(std::io::Error::other("disk full")))
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
        }
        let e = arriving(vec![b"abc"])
            .check_digest("SHA1", &sha1(b"abc"))
            .unwrap()
            .write_to(&mut Full)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("disk full"), "{e}");
        let mut sink = Vec::new();
        assert_eq!(
            arriving(vec![b"ab", b"c"])
                .write_to(&mut sink)
                .await
                .unwrap(),
            3
        );
        assert_eq!(sink, b"abc");
    }

    #[test]
    fn gcm_streams_and_checks_the_tag() {
        let key = [7u8; 32];
        let nonce = b"a8607ef79034c49c";
        let plain: Vec<u8> = (0..5000u32).map(|i| (i % 200) as u8).collect();
        let mut tag = [0u8; 16];
        let mut sealed = openssl::symm::encrypt_aead(
            Cipher::aes_256_gcm(),
            &key,
            Some(nonce),
            b"",
            &plain,
            &mut tag,
        )
        .unwrap();
        sealed.extend_from_slice(&tag);
        let mut d = GcmDecrypt::new(&key, nonce).unwrap();
        let mut out = Vec::new();
        for piece in sealed.chunks(333) {
            out.extend_from_slice(&d.update(piece).unwrap());
        }
        d.finish().unwrap();
        assert_eq!(out, plain);

        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let mut d = GcmDecrypt::new(&key, nonce).unwrap();
        d.update(&bad).unwrap();
        assert!(d.finish().is_err());
        assert!(GcmDecrypt::new(&[0; 16], nonce).is_err());
    }
}
