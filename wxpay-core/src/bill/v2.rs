//! APIv2 bills: `downloadbill` and `downloadfundflow` answer the bill
//! itself (CSV, GZIP-compressed when asked with `tar_type=GZIP`) or, when
//! there is no bill or the request was refused, an `<xml>` error body.
//!
//! The generated methods (`post_pay_downloadbill`, …; any
//! `#[endpoint(v2, POST, …, download)]`) and
//! [`Client::download_v2_bill`] send the request like
//! [`call_v2`](Client::call_v2) (the answer is unsigned by design) and
//! tells the two apart: a body whose first non-blank bytes are `<xml`
//! must parse as the error it is, which becomes [`Error::V2`] (e.g.
//! `return_msg` `No Bill Exist`); a body starting with the GZIP magic
//! bytes is inflated; anything else is the CSV. The v2 CSV is the format
//! [`TradeBillReader`](super::TradeBillReader) and
//! [`FundFlowBillReader`](super::FundFlowBillReader) read (backtick
//! cells, summary lines; columns found by name, older ones kept in
//! `extra`).
//!
//! ```no_run
//! # async fn run<E: wxpay_core::v2::V2Endpoint>(client: wxpay_core::Client, request: E) -> Result<(), Box<dyn std::error::Error>> {
//! use wxpay_core::bill::TradeBillReader;
//!
//! // `request`: the typed `/pay/downloadbill` request (bill_date, bill_type, tar_type).
//! let csv = client.download_v2_bill(request).await?;
//! let mut bill = TradeBillReader::new(&csv[..])?;
//! for row in &mut bill {
//!     println!("{}", row?.out_trade_no);
//! }
//! # Ok(()) }
//! ```
//!
//! Those hold the whole bill in memory (at most [`MAX_V2_BILL_BYTES`]
//! inflated). [`Client::download_v2_bill_stream`] reads it as it arrives
//! instead, inflated a bounded step at a time, for the async readers or a
//! file; the `<xml>` error is still told apart (from the answer's first
//! bytes) before anything is handed out:
//!
//! ```no_run
//! # async fn run<E: wxpay_core::v2::V2Endpoint>(client: wxpay_core::Client, request: E) -> Result<(), Box<dyn std::error::Error>> {
//! use wxpay_core::bill::AsyncTradeBillReader;
//!
//! let bill = client.download_v2_bill_stream(request).await?;
//! let mut rows = AsyncTradeBillReader::new(bill.into_async_read()).await?;
//! while let Some(row) = rows.next().await {
//!     println!("{}", row?.out_trade_no);
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::Read as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::StatusCode;
use tokio::io::{AsyncBufRead, AsyncWrite};

use crate::client::Client;
use crate::download::{CheckedDownload, Download};
use crate::error::{Error, V2ApiError, V2DecodeError};
use crate::retry::CallOptions;
use crate::v2::{V2Endpoint, xml};

/// The largest `<xml>` error answer read from a streamed v2 bill.
const MAX_V2_BILL_ERROR: usize = 64 * 1024;

/// The largest inflated v2 bill [`Client::download_v2_bill`] accepts
/// (256 MiB); a larger one is [`Error::V2Decode`] rather than memory
/// exhausted by a small archive. [`Client::download_v2_bill_stream`] holds
/// no bill whole and has no such limit.
pub const MAX_V2_BILL_BYTES: u64 = 256 << 20;

impl Client {
    /// Downloads a v2 bill (`/pay/downloadbill`, `/pay/downloadfundflow`)
    /// and returns its CSV, inflated if it came compressed; see the
    /// [module docs](crate::bill::v2). An `<xml>` answer (no bill, a
    /// refused request) is [`Error::V2`].
    pub async fn download_v2_bill<E: V2Endpoint>(&self, request: E) -> Result<Bytes, Error> {
        self.download_v2_bill_with(request, CallOptions::new())
            .await
    }

    /// [`download_v2_bill`](Self::download_v2_bill) with settings for this
    /// call only.
    pub async fn download_v2_bill_with<E: V2Endpoint>(
        &self,
        request: E,
        options: CallOptions,
    ) -> Result<Bytes, Error> {
        let (answer, _) = self.send_v2(request, &options).await?;
        read_bill(answer.status, answer.request_id.as_deref(), answer.body)
    }

    /// Downloads a v2 bill and hands it out as it arrives: the CSV,
    /// inflated on the fly if it came compressed, never held whole; see
    /// [`V2BillDownload`]. An `<xml>` answer (no bill, a refused request)
    /// is [`Error::V2`], known before this returns. One attempt, like the
    /// v3 downloads (nothing is retried once part of a file was read).
    pub async fn download_v2_bill_stream<E: V2Endpoint>(
        &self,
        request: E,
    ) -> Result<V2BillDownload, Error> {
        let download = self
            .traced_download(E::PATH, self.fetch_v2(request))
            .await?;
        V2BillDownload::new(download).await
    }
}

/// A v2 bill arriving from [`Client::download_v2_bill_stream`]: the CSV,
/// inflated a bounded step at a time when it came GZIP-compressed.
///
/// Read it with [`chunk`](Self::chunk), [`write_to`](Self::write_to),
/// [`bytes`](Self::bytes), as a [`Stream`] of chunks, or as an
/// [`AsyncBufRead`] ([`into_async_read`](Self::into_async_read)) for
/// [`AsyncTradeBillReader`](super::AsyncTradeBillReader). APIv2 announces
/// no digest for its bills, so nothing is checked beyond the GZIP
/// stream's own CRC; the file may grow to [`max_size`](Self::max_size)
/// (16 GiB by default).
pub struct V2BillDownload(CheckedDownload);

impl fmt::Debug for V2BillDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V2BillDownload")
            .field("request_id", &self.0.request_id())
            .field("gzip", &self.0.is_gzip())
            .field("len", &self.0.len_so_far())
            .finish()
    }
}

impl V2BillDownload {
    /// Reads the start of the answer: a body whose first non-blank bytes
    /// are `<xml` is the platform's error, read whole (up to 64 KiB) and
    /// returned as such; anything else is the bill, the bytes read so far
    /// put back in front of it.
    async fn new(mut download: Download) -> Result<Self, Error> {
        let first = |head: &[u8]| head.iter().position(|b| !b.is_ascii_whitespace());
        let mut head = BytesMut::new();
        while let Some(chunk) = download.chunk().await? {
            head.extend_from_slice(&chunk);
            // Enough to tell: four bytes past the blanks, or a first byte
            // that cannot start `<xml`.
            let decided = first(&head)
                .is_some_and(|i| head.len() - i >= 4 || head.get(i).is_some_and(|&b| b != b'<'));
            if decided || head.len() > MAX_V2_BILL_ERROR {
                break;
            }
        }
        let start = first(&head).unwrap_or(head.len());
        if head.get(start..).is_some_and(|h| h.starts_with(b"<xml")) {
            while head.len() <= MAX_V2_BILL_ERROR {
                let Some(chunk) = download.chunk().await? else {
                    break;
                };
                head.extend_from_slice(&chunk);
            }
            return Err(xml_error(download.status(), download.request_id(), &head));
        }
        download.unread(head.freeze());
        Ok(V2BillDownload(CheckedDownload::without_digest(download)))
    }

    /// The answer's `Request-ID`, when it carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id()
    }

    /// Whether the bill arrived GZIP-compressed (known once the first chunk
    /// was read).
    pub fn is_gzip(&self) -> bool {
        self.0.is_gzip()
    }

    /// Refuses the bill ([`DownloadErrorKind::TooLarge`](crate::error::DownloadErrorKind::TooLarge))
    /// once more than `bytes` of CSV came out. Default: 16 GiB.
    pub fn max_size(self, bytes: u64) -> Self {
        V2BillDownload(self.0.max_size(bytes))
    }

    /// The next chunk of the CSV; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.0.chunk().await
    }

    /// The CSV as an [`AsyncBufRead`] (and `AsyncRead`). A failure is an
    /// `std::io::Error` whose [`get_ref`](std::io::Error::get_ref) is the
    /// [`Error`].
    pub fn into_async_read(self) -> impl AsyncBufRead + Send + Unpin + 'static {
        self.0.into_async_read()
    }

    /// The whole CSV; more than `limit` bytes are refused.
    pub async fn bytes(self, limit: usize) -> Result<Bytes, Error> {
        self.0.bytes(limit).await
    }

    /// Writes the CSV into `out` as it arrives; returns its size.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(self, out: &mut W) -> Result<u64, Error> {
        self.0.write_to(out).await
    }
}

impl Stream for V2BillDownload {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().0).poll_next(cx)
    }
}

/// The error an `<xml>` bill answer holds ([`Error::V2`]), or why it
/// could not be read ([`Error::V2Decode`]).
fn xml_error(status: StatusCode, request_id: Option<&str>, body: &[u8]) -> Error {
    match xml::parse(body) {
        Ok(fields) => V2ApiError::from_fields(status, request_id, &fields, false).into(),
        Err(e) => V2DecodeError::new(status, request_id, e.to_string()).into(),
    }
}

/// Reads a v2 bill answer: the CSV (inflated when GZIP), or the error the
/// `<xml>` body holds.
pub fn v2_bill_body(status: StatusCode, body: Bytes) -> Result<Bytes, Error> {
    read_bill(status, None, body)
}

/// [`v2_bill_body`] of an answer whose errors carry its `Request-ID`.
fn read_bill(status: StatusCode, request_id: Option<&str>, body: Bytes) -> Result<Bytes, Error> {
    let decode = |reason: &str| Error::from(V2DecodeError::new(status, request_id, reason));
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = body.get(start..).unwrap_or_default();
    if head.starts_with(b"<xml") {
        return Err(xml_error(status, request_id, &body));
    }
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut csv = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .take(MAX_V2_BILL_BYTES + 1)
            .read_to_end(&mut csv)
            .map_err(|_| decode("the GZIP bill does not inflate"))?;
        if csv.len() as u64 > MAX_V2_BILL_BYTES {
            return Err(decode("the inflated bill is larger than MAX_V2_BILL_BYTES"));
        }
        return Ok(Bytes::from(csv));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;
    use crate::download::arriving;

    const CSV: &[u8] =
        "交易时间,公众账号ID,商户号\r\n`2026-12-03 10:00:00,`wxd678efh567hg6787,`1900000109\r\n"
            .as_bytes();
    const NO_BILL: &[u8] = b"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[No Bill Exist]]></return_msg></xml>";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// `body` cut into pieces of `size` bytes (the last shorter).
    fn pieces(body: &[u8], size: usize) -> Vec<&[u8]> {
        body.chunks(size).collect()
    }

    async fn read(body: &[u8], size: usize) -> Result<(bool, Bytes), Error> {
        let mut bill = V2BillDownload::new(arriving(pieces(body, size))).await?;
        let mut out = BytesMut::new();
        while let Some(chunk) = bill.chunk().await? {
            out.extend_from_slice(&chunk);
        }
        Ok((bill.is_gzip(), out.freeze()))
    }

    #[tokio::test]
    async fn the_bill_is_handed_out_whole_however_it_is_cut() {
        let packed = gzip(CSV);
        for size in [1, 2, 3, 5, 4096] {
            assert_eq!(
                read(CSV, size).await.unwrap(),
                (false, Bytes::from_static(CSV)),
                "{size}"
            );
            // The GZIP magic may straddle two pieces.
            assert_eq!(
                read(&packed, size).await.unwrap(),
                (true, Bytes::from_static(CSV)),
                "{size}"
            );
        }
        // Blank lines before a CSV are the CSV's.
        let padded = [b"\r\n  ".as_slice(), CSV].concat();
        assert_eq!(
            read(&padded, 1).await.unwrap().1,
            Bytes::from(padded.clone())
        );
        // Another markup is not the error answer either.
        assert_eq!(
            read(b"<html>x", 2).await.unwrap().1,
            Bytes::from_static(b"<html>x")
        );
        assert_eq!(read(b"", 1).await.unwrap().1, Bytes::new());
    }

    #[tokio::test]
    async fn the_xml_answer_is_the_error_however_it_is_cut() {
        let padded = [b" \n".as_slice(), NO_BILL].concat();
        for size in [1, 3, 4096] {
            let Err(Error::V2(e)) = read(&padded, size).await else {
                panic!("{size}: not a v2 error");
            };
            assert_eq!(e.return_code, "FAIL");
            assert_eq!(e.return_msg.as_deref(), Some("No Bill Exist"));
        }
        let broken = read(b"<xml><return_code>FAIL", 2).await;
        assert!(matches!(broken, Err(Error::V2Decode(_))), "{broken:?}");
    }

    #[tokio::test]
    async fn a_broken_gzip_bill_fails_at_its_end() {
        let mut packed = gzip(CSV);
        packed.truncate(packed.len() - 4);
        let bill = V2BillDownload::new(arriving(vec![&packed])).await.unwrap();
        assert!(matches!(bill.bytes(1 << 20).await, Err(Error::Download(_))));
    }
}
