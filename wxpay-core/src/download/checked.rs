//! [`CheckedDownload`]: a download read through its digest check, decrypted
//! and decompressed on the way.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use openssl::sha::Sha1;
use tokio::io::{AsyncBufRead, AsyncWrite};

use super::file::{Download, flush, write};
use super::gcm::GcmDecrypt;
use super::inflate::Decoder;
use crate::error::{DownloadError, DownloadErrorKind, Error, TransportError, TransportErrorKind};
use crate::upload::hex;

/// The default for [`CheckedDownload::max_size`]: far above any day's bill,
/// far below what a decompression bomb would write.
pub const DEFAULT_MAX_SIZE: u64 = 16 << 30;

/// A download checked against its announced digest while it is read.
///
/// [`chunk`](CheckedDownload::chunk) yields the original file (decrypted
/// and decompressed as needed). The end (`Ok(None)`) is only reported
/// after the digest matched; a mismatch is reported instead, as
/// [`DownloadErrorKind::DigestMismatch`]. Chunks read before the end are
/// not yet proved genuine: keep them aside (a file, a buffer) and use them
/// only once the end was reached, as [`write_to`](CheckedDownload::write_to)
/// and [`bytes`](CheckedDownload::bytes) do.
///
/// A compressed file is inflated only as it is read, a bounded step per
/// chunk, so memory stays small whatever its compression ratio; a file
/// growing past [`max_size`](CheckedDownload::max_size) is refused.
pub struct CheckedDownload {
    source: Download,
    decrypt: Option<GcmDecrypt>,
    decoder: Decoder,
    hasher: Option<Sha1>,
    /// Over the file as downloaded (encrypted bills: see `download_encrypted_bill`).
    raw_hasher: Option<Sha1>,
    algorithm: String,
    /// The digest to match; `None` for a file that comes without one (an
    /// APIv2 bill: [`V2BillDownload`](crate::bill::v2::V2BillDownload)).
    expected: Option<String>,
    max_size: u64,
    len: u64,
    finished: bool,
    /// An error was returned: every later call returns one too.
    failed: bool,
}

impl fmt::Debug for CheckedDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedDownload")
            .field("request_id", &self.source.request_id())
            .field("algorithm", &self.algorithm)
            .field("expected", &self.expected)
            .field("encrypted", &self.decrypt.is_some())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Only SHA-1 digests are announced by the platform today.
pub(super) fn check_hash_type(hash_type: &str, request_id: Option<&str>) -> Result<(), Error> {
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

impl CheckedDownload {
    pub(super) fn new(source: Download, hash_type: &str, hash_value: &str) -> Result<Self, Error> {
        check_hash_type(hash_type, source.request_id())?;
        Ok(CheckedDownload {
            source,
            decrypt: None,
            decoder: Decoder::new(),
            hasher: Some(Sha1::new()),
            raw_hasher: None,
            algorithm: hash_type.to_ascii_uppercase(),
            expected: Some(hash_value.trim().to_ascii_lowercase()),
            max_size: DEFAULT_MAX_SIZE,
            len: 0,
            finished: false,
            failed: false,
        })
    }

    /// The same reading (GZIP inflated a step at a time, the size bounded)
    /// for a file the platform announces no digest for.
    pub(crate) fn without_digest(source: Download) -> Self {
        CheckedDownload {
            source,
            decrypt: None,
            decoder: Decoder::new(),
            hasher: None,
            raw_hasher: None,
            algorithm: String::new(),
            expected: None,
            max_size: DEFAULT_MAX_SIZE,
            len: 0,
            finished: false,
            failed: false,
        }
    }

    /// Decrypts the file as it arrives; the digest may then match the file
    /// as downloaded or as decrypted.
    pub(super) fn decrypting(mut self, decrypt: GcmDecrypt) -> Self {
        self.decrypt = Some(decrypt);
        self.raw_hasher = Some(Sha1::new());
        self
    }

    /// Refuses the file ([`DownloadErrorKind::TooLarge`]) once more than
    /// `bytes` of the original (decompressed) file came out. Default:
    /// [`DEFAULT_MAX_SIZE`] (16 GiB).
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// The `Request-ID` of the download's answer.
    pub fn request_id(&self) -> Option<&str> {
        self.source.request_id()
    }

    /// Whether the file arrived GZIP-compressed (known after the first bytes).
    pub fn is_gzip(&self) -> bool {
        self.decoder.is_gzip()
    }

    /// Bytes of the original file handed out so far.
    pub fn len_so_far(&self) -> u64 {
        self.len
    }

    /// The next chunk of the original file; `None` once the whole file
    /// arrived and its digest matched.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>, Error>> {
        if self.failed {
            return Poll::Ready(Err(self.corrupt("the download already failed")));
        }
        loop {
            match ready!(self.poll_step(cx)) {
                Ok(Some(out)) if !out.is_empty() => return Poll::Ready(Ok(Some(out))),
                Ok(_) if self.finished => return Poll::Ready(Ok(None)),
                Ok(_) => {}
                Err(e) => {
                    // Nothing after an error is trustworthy: not a clean
                    // end on the next call either.
                    self.failed = true;
                    return Poll::Ready(Err(e));
                }
            }
        }
    }

    /// One move: inflate queued input, or read the next piece of the
    /// download, or (at its end) flush and compare digests.
    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>, Error>> {
        if self.finished {
            return Poll::Ready(Ok(None));
        }
        if self.decoder.has_pending() {
            let out = self.decoder.pull().map_err(|e| self.corrupt(e));
            return Poll::Ready(out.and_then(|out| self.emit(out)).map(Some));
        }
        let step = match ready!(self.source.poll_chunk(cx)) {
            Ok(Some(raw)) => self.decrypt(raw).and_then(|plain| {
                let out = self.decoder.push(plain);
                self.emit(out).map(Some)
            }),
            Ok(None) => self.finish().map(|rest| {
                self.finished = true;
                Some(rest)
            }),
            Err(e) => Err(e),
        };
        Poll::Ready(step)
    }

    /// The original file as an [`AsyncBufRead`] (and `AsyncRead`): a bill
    /// for [`AsyncTradeBillReader`](crate::bill::AsyncTradeBillReader), or
    /// bytes for [`tokio::io::copy`]. The end is only reported once the
    /// digest matched; a failure is an `std::io::Error` whose
    /// [`get_ref`](std::io::Error::get_ref) is the [`Error`].
    pub fn into_async_read(self) -> impl AsyncBufRead + Send + Unpin + 'static {
        super::reader::reader(self)
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
        let request_id = self.source.request_id().map(str::to_owned);
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            write(out, &chunk, &request_id).await?;
            written += chunk.len() as u64;
        }
        flush(out, &request_id).await?;
        Ok(written)
    }

    fn corrupt(&self, what: impl Into<String>) -> Error {
        self.failure(DownloadErrorKind::Corrupt(what.into()))
    }

    fn failure(&self, kind: DownloadErrorKind) -> Error {
        DownloadError::new(kind, self.source.request_id().map(str::to_owned)).into()
    }

    /// Bytes as downloaded → bytes of the (decrypted) file.
    fn decrypt(&mut self, raw: Bytes) -> Result<Bytes, Error> {
        if let Some(h) = self.raw_hasher.as_mut() {
            h.update(&raw);
        }
        match self.decrypt.as_mut() {
            Some(d) => d
                .update(&raw)
                .map_err(|()| self.corrupt("the file could not be decrypted")),
            None => Ok(raw),
        }
    }

    /// Counts and hashes a chunk of the original file before it is handed out.
    fn emit(&mut self, data: Bytes) -> Result<Bytes, Error> {
        self.len = self.len.saturating_add(data.len() as u64);
        if self.len > self.max_size {
            return Err(self.failure(DownloadErrorKind::TooLarge {
                limit: self.max_size,
            }));
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(&data);
        }
        Ok(data)
    }

    /// The input ended: flush the decoders and compare digests. Returns the
    /// last of the file, handed out only when the digest matched.
    fn finish(&mut self) -> Result<Bytes, Error> {
        if let Some(d) = self.decrypt.as_mut() {
            if d.finish().is_err() {
                return Err(
                    self.corrupt("the file's authentication tag does not match (AEAD_AES_256_GCM)")
                );
            }
        }
        let rest = self.decoder.finish().map_err(|e| self.corrupt(e))?;
        let rest = self.emit(rest)?;
        let Some(expected) = &self.expected else {
            return Ok(rest);
        };
        let actual = self
            .hasher
            .take()
            .map(|h| hex(&h.finish()))
            .unwrap_or_default();
        let raw = self.raw_hasher.take().map(|h| hex(&h.finish()));
        if actual == *expected || raw.as_deref() == Some(expected.as_str()) {
            return Ok(rest);
        }
        Err(self.failure(DownloadErrorKind::DigestMismatch {
            algorithm: self.algorithm.clone(),
            expected: expected.clone(),
            actual,
        }))
    }
}

/// The original file's chunks, as [`chunk`](CheckedDownload::chunk) gives
/// them: the stream ends only once the digest matched.
impl Stream for CheckedDownload {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx).map(Result::transpose)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;
    use crate::download::file::testing::arriving;

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
}
