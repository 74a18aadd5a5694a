//! The bill readers over an async source ([`AsyncBufRead`]): a download
//! read as it arrives, with no thread blocked on it.
//!
//! The synchronous readers do the reading, over a buffer this side fills
//! ahead of them: before each row, records are read from the source until
//! one complete non-blank record is buffered (a quoted cell holding a line
//! break spans several lines: the same splitter as the reader's decides when
//! a record is complete); once the summary names come, the rest of the file
//! is buffered (the summary values, then nothing but blank lines). The
//! synchronous reader so never waits, and never finds the buffer empty
//! before the end.

use std::io::{self, BufRead, Read};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _};

use super::{
    BillError, BillErrorKind, Cells, FundFlowBillReader, FundFlowRow, FundFlowSummary,
    MAX_RECORD_BYTES, Splitter, TradeBillKind, TradeBillReader, TradeBillRow, TradeBillSummary,
};

/// Bytes read ahead, shared between the async side (which appends) and the
/// synchronous reader (which takes them through [`Fed`]).
#[derive(Default)]
struct Inbox {
    bytes: Vec<u8>,
    ended: bool,
}

/// The synchronous reader's source: whatever the async side buffered.
struct Fed {
    inbox: Arc<Mutex<Inbox>>,
    current: Vec<u8>,
    pos: usize,
}

impl Read for Fed {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Fed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.current.len() {
            let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
            if inbox.bytes.is_empty() && !inbox.ended {
                // The async side reads ahead a whole record; reaching here
                // means a record longer than it would buffer.
                return Err(io::Error::other("the bill was not read far enough ahead"));
            }
            self.current = std::mem::take(&mut inbox.bytes);
            self.pos = 0;
        }
        Ok(self.current.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.current.len());
    }
}

/// The async side: reads records from the source into the inbox.
struct Ahead<R> {
    source: R,
    inbox: Arc<Mutex<Inbox>>,
    /// Physical lines read (for errors).
    line: u64,
    /// Complete non-blank records buffered and not yet taken by the reader.
    ready: usize,
    header_seen: bool,
    ended: bool,
    /// Buffers of [`record`](Self::record), kept from one record to the
    /// next so that reading ahead allocates nothing per row.
    scratch: Scratch,
}

/// What [`Ahead::record`] works in: the record's text, its cells, one
/// physical line, the splitter.
#[derive(Default)]
struct Scratch {
    text: String,
    cells: Cells,
    raw: Vec<u8>,
    splitter: Splitter,
}

/// What one record turned out to be.
struct Scanned {
    blank: bool,
    ticked: bool,
}

impl Scanned {
    /// A non-blank record that is no bill row as far as this side cares
    /// (an open quote at the end, bytes that are not UTF-8, a bad cell):
    /// complete, and the reader reports what is wrong with it.
    const COMPLETE: Scanned = Scanned {
        blank: false,
        ticked: false,
    };
}

impl<R: AsyncBufRead + Unpin> Ahead<R> {
    fn new(source: R) -> (Self, Fed) {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let fed = Fed {
            inbox: Arc::clone(&inbox),
            current: Vec::new(),
            pos: 0,
        };
        let ahead = Ahead {
            source,
            inbox,
            line: 0,
            ready: 0,
            header_seen: false,
            ended: false,
            scratch: Scratch::default(),
        };
        (ahead, fed)
    }

    /// Buffers until a complete non-blank record is waiting for the reader
    /// (or the end); after the summary names, buffers the rest of the file.
    async fn fill(&mut self) -> Result<(), BillError> {
        while self.ready == 0 && !self.ended {
            let Some(record) = self.record().await? else {
                break;
            };
            if record.blank {
                continue;
            }
            self.ready += 1;
            let summary = self.header_seen && !record.ticked;
            self.header_seen = true;
            if summary {
                // The values, then at most one more non-blank record (an
                // error for the reader).
                let mut more = 0;
                while more < 2 {
                    match self.record().await? {
                        Some(r) if !r.blank => more += 1,
                        Some(_) => {}
                        None => break,
                    }
                }
                self.ready += more;
            }
        }
        if self.ended {
            self.inbox.lock().unwrap_or_else(|e| e.into_inner()).ended = true;
        }
        Ok(())
    }

    /// Buffers ahead ([`fill`](Self::fill)), then runs `read`, one step of
    /// the synchronous reader, which takes one non-blank record.
    async fn step<T>(&mut self, read: impl FnOnce() -> T) -> Result<T, BillError> {
        self.fill().await?;
        let out = read();
        self.ready = self.ready.saturating_sub(1);
        Ok(out)
    }

    /// Reads one record (several physical lines while a quoted cell is
    /// open) into the inbox; `None` at the end of the source.
    async fn record(&mut self) -> Result<Option<Scanned>, BillError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let scanned = self.record_in(&mut scratch).await;
        self.scratch = scratch;
        scanned
    }

    /// [`record`](Self::record) in `scratch`'s buffers, emptied first.
    async fn record_in(&mut self, scratch: &mut Scratch) -> Result<Option<Scanned>, BillError> {
        let Scratch {
            text,
            cells,
            raw,
            splitter,
        } = scratch;
        text.clear();
        splitter.reset(cells);
        let mut first = true;
        loop {
            raw.clear();
            if !self.physical_line(raw).await? {
                if text.is_empty() {
                    return Ok(None);
                }
                // A quoted cell open at the end: the reader reports it.
                return Ok(Some(Scanned::COMPLETE));
            }
            self.push(raw);
            let Some(line) = line_text(raw, self.line == 1) else {
                // Not UTF-8, or too long: complete as far as this side
                // cares; the reader reports it.
                return Ok(Some(Scanned::COMPLETE));
            };
            if !first {
                // A quoted cell was open: the line break belongs to it.
                text.push('\n');
            }
            first = false;
            text.push_str(line);
            match splitter.scan(text, cells) {
                Err(BillErrorKind::UnclosedQuote) => continue,
                Ok(ticked) => {
                    return Ok(Some(Scanned {
                        blank: text.trim().is_empty(),
                        ticked,
                    }));
                }
                Err(_) => {
                    return Ok(Some(Scanned::COMPLETE));
                }
            }
        }
    }

    /// Reads one physical line, its `\n` included, into `out`; at most a
    /// little more than [`MAX_RECORD_BYTES`] (the reader then refuses it).
    /// `false` at the end of the source.
    async fn physical_line(&mut self, out: &mut Vec<u8>) -> Result<bool, BillError> {
        loop {
            let available = match self.source.fill_buf().await {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BillError::new(self.line + 1, BillErrorKind::Io(e))),
            };
            if available.is_empty() {
                self.ended = true;
                if out.is_empty() {
                    return Ok(false);
                }
                break;
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            out.extend_from_slice(available.get(..take).unwrap_or_default());
            self.source.consume(take);
            if done || out.len() > MAX_RECORD_BYTES + 2 {
                break;
            }
        }
        self.line += 1;
        Ok(true)
    }

    fn push(&self, bytes: &[u8]) {
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        inbox.bytes.extend_from_slice(bytes);
    }
}

/// [`super::line_text`], and `None` for a line too long as well.
fn line_text(raw: &[u8], first: bool) -> Option<&str> {
    if raw.len() > MAX_RECORD_BYTES + 2 {
        return None;
    }
    super::line_text(raw, first)
}

/// Reads a trade bill from an async source; see [the module](crate::bill)
/// for the format and [`TradeBillReader`] for the rules.
///
/// ```no_run
/// # async fn run(client: wxpay_core::Client, file: wxpay_core::bill::BillFile) -> Result<(), Box<dyn std::error::Error>> {
/// use wxpay_core::bill::AsyncTradeBillReader;
///
/// let download = client.download_bill(&file).await?;
/// let mut bill = AsyncTradeBillReader::new(download.into_async_read()).await?;
/// while let Some(row) = bill.next().await {
///     let row = row?;
///     println!("{:?} {:?}", row.out_trade_no, row.total);
/// }
/// println!("{:?}", bill.summary());
/// # Ok(()) }
/// ```
pub struct AsyncTradeBillReader<R> {
    ahead: Ahead<R>,
    reader: TradeBillReader<Fed>,
}

impl<R: AsyncBufRead + Unpin> AsyncTradeBillReader<R> {
    /// Reads the header; fails unless it names the columns of a trade bill.
    pub async fn new(source: R) -> Result<Self, BillError> {
        let (mut ahead, fed) = Ahead::new(source);
        let reader = ahead.step(|| TradeBillReader::new(fed)).await??;
        Ok(AsyncTradeBillReader { ahead, reader })
    }

    /// The next row; `None` after the last one (then
    /// [`summary`](Self::summary) is set) or after an error.
    pub async fn next(&mut self) -> Option<Result<TradeBillRow, BillError>> {
        self.ahead
            .step(|| self.reader.next())
            .await
            .unwrap_or_else(|e| Some(Err(e)))
    }

    /// The column names, as in the header.
    pub fn columns(&self) -> &[String] {
        self.reader.columns()
    }

    /// The bill type, from the columns.
    pub fn kind(&self) -> TradeBillKind {
        self.reader.kind()
    }

    /// The summary, once every row was read.
    pub fn summary(&self) -> Option<&TradeBillSummary> {
        self.reader.summary()
    }

    /// The summary's column names, once every row was read.
    pub fn summary_columns(&self) -> Option<&[String]> {
        self.reader.summary_columns()
    }
}

/// Reads a fund flow bill from an async source; see [the
/// module](crate::bill) and [`FundFlowBillReader`].
pub struct AsyncFundFlowBillReader<R> {
    ahead: Ahead<R>,
    reader: FundFlowBillReader<Fed>,
}

impl<R: AsyncBufRead + Unpin> AsyncFundFlowBillReader<R> {
    /// Reads the header; fails unless it names the columns of a fund flow bill.
    pub async fn new(source: R) -> Result<Self, BillError> {
        let (mut ahead, fed) = Ahead::new(source);
        let reader = ahead.step(|| FundFlowBillReader::new(fed)).await??;
        Ok(AsyncFundFlowBillReader { ahead, reader })
    }

    /// The next row; `None` after the last one (then
    /// [`summary`](Self::summary) is set) or after an error.
    pub async fn next(&mut self) -> Option<Result<FundFlowRow, BillError>> {
        self.ahead
            .step(|| self.reader.next())
            .await
            .unwrap_or_else(|e| Some(Err(e)))
    }

    /// The column names, as in the header.
    pub fn columns(&self) -> &[String] {
        self.reader.columns()
    }

    /// The summary, once every row was read.
    pub fn summary(&self) -> Option<&FundFlowSummary> {
        self.reader.summary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
    const ROW: &str = "`2026-05-01 10:00:00,`wx1,`1900000109,`0,`,`4200000001,`T1,`o1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`1.00,`0.00,\"`QQ公仔, 大号\",`,`0.00600,`0.60%,`1.00,`";
    const BROKEN: &str = "`2026-05-01 10:00:01,`wx1,`1900000109,`0,`,`4200000002,`T2,`o1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`2.00,`0.00,\"`第一行\r\n第二行 \"\"引号\"\"\",`,`0.01200,`0.60%,`2.00,`";
    const SUMMARY: &str =
        "总交易单数,应结订单总金额,手续费总金额,订单总金额\r\n`2,`3.00,`0.01800,`3.00\r\n";

    /// Every row (or error), then the summary, read synchronously.
    fn sync_outcome(bill: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        match TradeBillReader::new(bill) {
            Err(e) => out.push(format!("open: {e}")),
            Ok(mut reader) => {
                for row in &mut reader {
                    out.push(format!("{row:?}"));
                }
                out.push(format!("{:?}", reader.summary()));
            }
        }
        out
    }

    /// The same through the async reader, the source handing out `piece`
    /// bytes at a time.
    async fn async_outcome(bill: &[u8], piece: usize) -> Vec<String> {
        let source = tokio::io::BufReader::with_capacity(piece, bill);
        let mut out = Vec::new();
        match AsyncTradeBillReader::new(source).await {
            Err(e) => out.push(format!("open: {e}")),
            Ok(mut reader) => {
                while let Some(row) = reader.next().await {
                    out.push(format!("{row:?}"));
                }
                out.push(format!("{:?}", reader.summary()));
            }
        }
        out
    }

    #[tokio::test]
    async fn async_reading_matches_sync_reading() {
        let long = format!("{HEADER}\r\n`{}\r\n", "a".repeat(MAX_RECORD_BYTES + 10));
        let bills = [
            format!("{HEADER}\r\n{ROW}\r\n{BROKEN}\r\n{SUMMARY}"),
            // Records one after another in the same buffers: quoted line
            // breaks, a broken row between, several rows.
            format!("{HEADER}\r\n{ROW}\r\n{BROKEN}\r\n{ROW}\r\n{ROW}\r\n{SUMMARY}"),
            // A byte order mark, blank lines, LF endings.
            format!("\u{feff}\n{HEADER}\n\n{ROW}\n\n{SUMMARY}\n\n"),
            // Truncated: no summary; then a summary without values.
            format!("{HEADER}\r\n{ROW}\r\n"),
            format!("{HEADER}\r\n{ROW}\r\n总交易单数,应结订单总金额\r\n"),
            // Something after the summary.
            format!("{HEADER}\r\n{ROW}\r\n{SUMMARY}`more\r\n`and more\r\n"),
            // A quote never closed; a row with too few cells.
            format!("{HEADER}\r\n\"`open\r\n"),
            format!("{HEADER}\r\n`a,`b\r\n{SUMMARY}"),
            // Empty, and no header.
            String::new(),
            format!("{ROW}\r\n"),
            long,
        ];
        for bill in &bills {
            let expected = sync_outcome(bill.as_bytes());
            for piece in [1, 3, 7, 64, 8192] {
                assert_eq!(
                    async_outcome(bill.as_bytes(), piece).await,
                    expected,
                    "piece {piece}, bill {:?}",
                    bill.get(..bill.len().min(200))
                );
            }
        }
        let mut not_utf8 = format!("{HEADER}\r\n").into_bytes();
        not_utf8.extend_from_slice(b"`\xff\xfe\r\n");
        assert_eq!(async_outcome(&not_utf8, 5).await, sync_outcome(&not_utf8));
        // The first bill is read in full: two rows and a summary.
        let first = async_outcome(bills[0].as_bytes(), 3).await;
        assert_eq!(first.len(), 3);
        assert!(
            first[1].contains("第一行\\n第二行 \\\"引号\\\""),
            "{}",
            first[1]
        );
        assert!(first[2].starts_with("Some("));
    }

    #[tokio::test]
    async fn a_failing_source_is_an_io_error_with_its_line() {
        let bill = format!("{HEADER}\r\n{ROW}\r\n");
        let failing = tokio::io::AsyncReadExt::chain(bill.as_bytes(), tokio_test_failing_reader());
        let mut reader = AsyncTradeBillReader::new(tokio::io::BufReader::new(failing))
            .await
            .unwrap();
        assert!(reader.next().await.unwrap().is_ok());
        let e = reader.next().await.unwrap().unwrap_err();
        assert!(matches!(e.kind(), BillErrorKind::Io(_)), "{e}");
        assert_eq!(e.line(), 3);
    }

    /// A reader whose every read fails.
    fn tokio_test_failing_reader() -> impl tokio::io::AsyncRead + Unpin {
        struct Failing;
        impl tokio::io::AsyncRead for Failing {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::task::Poll::Ready(Err(io::Error::other("connection reset")))
            }
        }
        Failing
    }
}
