//! A download read as bytes: its chunk stream under tokio-util's
//! `StreamReader`, errors carried inside `std::io::Error`.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::io::AsyncBufRead;
use tokio_util::io::StreamReader;

use crate::error::Error;

/// `stream` as an `AsyncBufRead`.
pub(super) fn reader<S>(stream: S) -> impl AsyncBufRead + Send + Unpin + 'static
where
    S: Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static,
{
    StreamReader::new(IoChunks(stream))
}

/// The same chunks, each error wrapped as an `std::io::Error` (its kind
/// `TimedOut` for a timeout, `Other` otherwise).
struct IoChunks<S>(S);

impl<S> Stream for IoChunks<S>
where
    S: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.0).poll_next(cx).map(|item| {
            item.map(|chunk| {
                chunk.map_err(|e| {
                    let kind = match e {
                        Error::Timeout(_) => std::io::ErrorKind::TimedOut,
                        _ => std::io::ErrorKind::Other,
                    };
                    std::io::Error::new(kind, e)
                })
            })
        })
    }
}
