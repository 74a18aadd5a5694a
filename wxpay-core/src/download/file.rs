//! [`Download`]: an unsigned file as it arrives, read chunk by chunk.

use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};
use http_body::Body as _;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt as _};

use super::CheckedDownload;
use crate::body::ByteStream;
use crate::error::{DownloadError, DownloadErrorKind, Error, TransportError, TransportErrorKind};
use crate::protocol::request_id;

/// A downloaded file arriving: unsigned, unchecked, read chunk by chunk.
///
/// Read it with [`chunk`](Download::chunk), [`bytes`](Download::bytes) or
/// [`write_to`](Download::write_to), as a [`Stream`] of chunks, or as an
/// [`AsyncBufRead`] ([`into_async_read`](Download::into_async_read)); or
/// check it against a digest with [`check_digest`](Download::check_digest).
/// Each wait for the next chunk is bounded by the client's timeout; the
/// whole download is not.
pub struct Download {
    status: StatusCode,
    headers: HeaderMap,
    request_id: Option<String>,
    body: ByteStream,
    idle_timeout: Duration,
    /// The wait for the next chunk, armed when a poll found none.
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Bytes read ahead and put back ([`unread`](Self::unread)): handed
    /// out before the body's next chunk.
    front: Option<Bytes>,
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
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: ByteStream,
        idle_timeout: Duration,
    ) -> Self {
        Download {
            status,
            request_id: request_id(&headers),
            headers,
            body,
            idle_timeout,
            idle: None,
            front: None,
        }
    }

    /// Puts `data`, read from the start of this download, back in front of
    /// what is still to come.
    pub(crate) fn unread(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.front = Some(data);
        }
    }

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
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// The next non-empty data chunk; [`Error::Timeout`] when none came
    /// within the idle timeout.
    pub(super) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Bytes>, Error>> {
        if let Some(front) = self.front.take() {
            return Poll::Ready(Ok(Some(front)));
        }
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(None) => {
                    self.idle = None;
                    return Poll::Ready(Ok(None));
                }
                Poll::Ready(Some(Err(e))) => {
                    self.idle = None;
                    return Poll::Ready(Err(TransportError::new(TransportErrorKind::Io, e)
                        .with_request_id(self.request_id.clone())
                        .into()));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    self.idle = None;
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Poll::Ready(Ok(Some(data)));
                        }
                    }
                }
                Poll::Pending => {
                    let timeout = self.idle_timeout;
                    let idle = self.idle.get_or_insert_with(|| {
                        Box::pin(tokio::time::sleep(timeout.min(crate::retry::FAR_FUTURE)))
                    });
                    if idle.as_mut().poll(cx).is_ready() {
                        self.idle = None;
                        return Poll::Ready(Err(Error::Timeout(timeout)));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// The file as an [`AsyncBufRead`] (and `AsyncRead`), for code that
    /// reads bytes, e.g. [`tokio::io::copy`] or an async bill reader
    /// ([`AsyncTradeBillReader`](crate::bill::AsyncTradeBillReader)). A
    /// failure is an `std::io::Error` whose
    /// [`get_ref`](std::io::Error::get_ref) is the [`Error`].
    pub fn into_async_read(self) -> impl AsyncBufRead + Send + Unpin + 'static {
        super::reader::reader(self)
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
        CheckedDownload::new(self, hash_type, hash_value)
    }
}

impl Stream for Download {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx).map(Result::transpose)
    }
}

pub(super) async fn write<W: AsyncWrite + Unpin + ?Sized>(
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

pub(super) async fn flush<W: AsyncWrite + Unpin + ?Sized>(
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

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A download whose body arrives in the given pieces.
    pub(crate) fn arriving(pieces: Vec<&[u8]>) -> Download {
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
            idle: None,
            front: None,
        }
    }
}
