//! [`ByteStream`]: a body that leaves or arrives piece by piece.
//!
//! Most exchanges are small JSON documents sent and received whole
//! ([`Transport::send`](crate::Transport::send)). Uploads and downloads are
//! not: a media file is read from disk while it is sent, a bill of millions
//! of rows is handed on while it arrives. Both travel as a `ByteStream`
//! through [`Transport::send_streaming`](crate::Transport::send_streaming).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use http_body_util::combinators::UnsyncBoxBody;

use crate::error::{BoxError, TransportError, TransportErrorKind};

/// A body of bytes produced or consumed in chunks.
///
/// Build one from [`Bytes`] (one chunk), or from any
/// [`http_body::Body`] with [`ByteStream::new`]; read it with
/// [`chunk`](ByteStream::chunk) or [`collect`](ByteStream::collect). It
/// implements `http_body::Body`, so hyper can send it as is.
pub struct ByteStream {
    inner: Inner,
}

enum Inner {
    Whole(Option<Bytes>),
    Streamed(UnsyncBoxBody<Bytes, BoxError>),
}

impl ByteStream {
    /// An empty body.
    pub fn empty() -> Self {
        ByteStream {
            inner: Inner::Whole(None),
        }
    }

    /// Wraps any body of [`Bytes`] chunks (hyper's `Incoming`, a file reader…).
    pub fn new<B>(body: B) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        ByteStream {
            inner: Inner::Streamed(body.map_err(Into::into).boxed_unsync()),
        }
    }

    /// The exact length, when it is known before reading.
    pub fn exact_len(&self) -> Option<u64> {
        self.size_hint().exact()
    }

    /// The next chunk of data, `None` at the end. Empty chunks and trailers
    /// are skipped.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        loop {
            let Some(frame) = self.frame().await else {
                return Ok(None);
            };
            let frame = frame.map_err(|e| TransportError::new(TransportErrorKind::Io, e))?;
            if let Ok(data) = frame.into_data() {
                if !data.is_empty() {
                    return Ok(Some(data));
                }
            }
        }
    }

    /// Reads the whole body, refusing more than `limit` bytes with
    /// [`TransportErrorKind::BodyTooLarge`].
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, TransportError> {
        if let Inner::Whole(bytes) = &mut self.inner {
            let bytes = bytes.take().unwrap_or_default();
            return if bytes.len() > limit {
                Err(TransportError::from_kind(TransportErrorKind::BodyTooLarge))
            } else {
                Ok(bytes)
            };
        }
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if out.len().saturating_add(chunk.len()) > limit {
                return Err(TransportError::from_kind(TransportErrorKind::BodyTooLarge));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

impl Default for ByteStream {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for ByteStream {
    fn from(bytes: Bytes) -> Self {
        ByteStream {
            inner: Inner::Whole((!bytes.is_empty()).then_some(bytes)),
        }
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("exact_len", &self.exact_len())
            .finish_non_exhaustive()
    }
}

impl Body for ByteStream {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().inner {
            Inner::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Streamed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Whole(bytes) => bytes.is_none(),
            Inner::Streamed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Streamed(body) => body.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body yielding scripted frames.
    struct Scripted(std::vec::IntoIter<Result<Bytes, std::io::Error>>);

    impl Body for Scripted {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(self.get_mut().0.next().map(|r| r.map(Frame::data)))
        }
    }

    fn scripted(items: Vec<Result<Bytes, std::io::Error>>) -> ByteStream {
        ByteStream::new(Scripted(items.into_iter()))
    }

    #[tokio::test]
    async fn whole_bodies_read_once_and_respect_limits() {
        let mut s = ByteStream::from(Bytes::from_static(b"abc"));
        assert_eq!(s.exact_len(), Some(3));
        assert_eq!(s.chunk().await.unwrap().unwrap(), "abc");
        assert!(s.chunk().await.unwrap().is_none());
        assert!(ByteStream::from(vec![1, 2, 3]).collect(2).await.is_err());
        assert_eq!(ByteStream::empty().collect(0).await.unwrap().len(), 0);
    }

    #[tokio::test]
    async fn streamed_bodies_skip_empty_chunks_and_respect_limits() {
        let parts = || {
            vec![
                Ok(Bytes::from_static(b"ab")),
                Ok(Bytes::new()),
                Ok(Bytes::from_static(b"c")),
            ]
        };
        assert_eq!(scripted(parts()).collect(10).await.unwrap(), "abc");
        let e = scripted(parts()).collect(2).await.unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
    }

    #[tokio::test]
    async fn errors_become_io_transport_errors() {
        let mut s = scripted(vec![Err(std::io::Error::other("disk gone"))]);
        let e = s.chunk().await.unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Io);
        assert!(e.to_string().contains("disk gone"));
    }
}
