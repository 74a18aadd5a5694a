//! Reading bill files: trade bills ([`TradeBillReader`]) and fund flow
//! bills ([`FundFlowBillReader`]), row by row.
//!
//! A bill is CSV text in UTF-8: a line of column names, one line per
//! trade or fund movement, then a line of summary names and a line of
//! summary values. Every data cell starts with a backtick (`` ` ``, so
//! spreadsheets keep long numbers as text); cells holding a comma or a
//! quote are quoted (`"…"`, `""` for a quote inside), with the backtick
//! before or inside the quotes. Amounts are yuan with two decimals (fees:
//! five); they are read into integer fen (fees: thousandths of a fen).
//!
//! The readers are iterators over a [`BufRead`]: one line is held at a
//! time, so a bill of millions of rows is read in constant memory. The
//! columns are found by name in the header, so the three trade bill types
//! (`ALL`, `SUCCESS`, `REFUND`, which differ in their columns) share one
//! row type whose absent columns are `None`, and columns added by the
//! platform later are kept in each row's `extra`. After the last row,
//! [`TradeBillReader::summary`] holds the summary; a bill that ends
//! without one (a truncated file) yields an error instead of ending. The
//! first error ends the iteration, a row that does not read included:
//! no row after it, and no summary.
//!
//! Read a bill only once its digest was checked (see
//! [`Client::download_bill`](crate::Client::download_bill)).
//!
//! ```
//! use wxpay_core::bill::TradeBillReader;
//!
//! let text = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注\r\n\
//! `2026-05-01 10:00:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200000000202605010000000001,`T1,`oUpF8u,`JSAPI,`SUCCESS,`OTHERS,`CNY,`1.00,`0.00,\"`QQ公仔, 大号\",`,`0.00600,`0.60%,`1.00,`\r\n\
//! 总交易单数,应结订单总金额,手续费总金额,订单总金额\r\n\
//! `1,`1.00,`0.00600,`1.00\r\n";
//!
//! let mut bill = TradeBillReader::new(text.as_bytes())?;
//! for row in &mut bill {
//!     let row = row?;
//!     assert_eq!(row.description.as_deref(), Some("QQ公仔, 大号"));
//!     assert_eq!(row.total, Some(100));        // fen
//!     assert_eq!(row.fee_millifen, Some(600)); // 0.6 fen
//! }
//! assert_eq!(bill.summary().map(|s| s.count), Some(1));
//! # Ok::<(), wxpay_core::bill::BillError>(())
//! ```

use std::fmt;
use std::io::{BufRead, Read as _};

mod async_read;
mod file;
mod fund;
mod trade;
pub mod v2;

pub use async_read::{AsyncFundFlowBillReader, AsyncTradeBillReader};
pub use file::{BillAlgorithm, BillFile, EncryptedBillFile, HashType};
pub use fund::{FundFlowBillReader, FundFlowRow, FundFlowSummary};
pub use trade::{TradeBillKind, TradeBillReader, TradeBillRow, TradeBillSummary};

/// The longest record (one line, or several for a quoted cell holding
/// line breaks) the readers accept.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// A bill that could not be read, with the line where it happened.
#[derive(Debug)]
pub struct BillError {
    line: u64,
    kind: BillErrorKind,
}

/// What was wrong with a bill; see [`BillError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BillErrorKind {
    /// Reading failed.
    #[error("read failed: {0}")]
    Io(#[source] std::io::Error),
    /// The file is empty.
    #[error("the bill is empty")]
    Empty,
    /// A line (record) is longer than [`MAX_RECORD_BYTES`].
    #[error("the line is longer than {MAX_RECORD_BYTES} bytes")]
    LineTooLong,
    /// A line is not UTF-8.
    #[error("the line is not UTF-8")]
    NotUtf8,
    /// A quoted cell is not closed before the end of the file.
    #[error("a quoted cell is not closed")]
    UnclosedQuote,
    /// Something other than a comma follows a quoted cell.
    #[error("a quoted cell is followed by something other than a comma")]
    TextAfterQuote,
    /// The first line is not a header (its cells start with a backtick).
    #[error("the first line holds data, not column names")]
    NoHeader,
    /// The header lacks a column this kind of bill always has.
    #[error("the header has no column {0:?}; is this the right kind of bill?")]
    MissingColumn(&'static str),
    /// A row has another number of cells than the header.
    #[error("{found} cells where the header names {expected}")]
    CellCount {
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
    /// A cell does not hold what its column does (an amount, a count).
    #[error("column {column:?}: {value:?} is not {expected}")]
    BadValue {
        /// The column name.
        column: String,
        /// The cell.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The file ends without the summary lines: it was cut.
    #[error("the bill ends without its summary lines (truncated?)")]
    MissingSummary,
    /// The summary names are not followed by a line of values.
    #[error("the summary names are not followed by the summary values")]
    MissingSummaryValues,
    /// Something follows the summary.
    #[error("unexpected content after the summary")]
    TrailingContent,
}

impl BillError {
    fn new(line: u64, kind: BillErrorKind) -> Self {
        BillError { line, kind }
    }

    /// The line (from 1) where the problem was found.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// What was wrong.
    pub fn kind(&self) -> &BillErrorKind {
        &self.kind
    }
}

impl fmt::Display for BillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bill line {}: {}", self.line, self.kind)
    }
}

impl std::error::Error for BillError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// The cells of one record, without backticks and quotes: their text one
/// after another in one buffer, reused from record to record, so that
/// splitting a line allocates nothing once the buffers have grown.
#[derive(Debug, Default)]
struct Cells {
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Cell `i`.
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        self.text.get(start..end)
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The cells as owned strings, trimmed (header and summary names).
    fn trimmed(&self) -> Vec<String> {
        self.iter().map(|c| c.trim().to_owned()).collect()
    }
}

/// A physical line as the readers see it: without `\n` or `\r\n`, and
/// without a byte order mark on the first line; `None` when it is not
/// UTF-8.
fn line_text(raw: &[u8], first: bool) -> Option<&str> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let text = std::str::from_utf8(raw).ok()?;
    Some(if first {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    })
}

/// One logical line of the file, split into cells.
struct Record {
    /// The line it starts on.
    line: u64,
    /// Whether the first cell started with a backtick (a data line).
    ticked: bool,
    /// Whether it was blank.
    blank: bool,
}

/// Reads records: physical lines, joined while a quoted cell is open.
struct Records<R> {
    reader: R,
    bytes: Vec<u8>,
    text: String,
    line: u64,
    splitter: Splitter,
    /// Bytes handed to the cell scanner so far (a test probe: reading must
    /// stay linear in the size of the bill).
    #[cfg(test)]
    scanned: usize,
}

impl<R: BufRead> Records<R> {
    fn new(reader: R) -> Self {
        Records {
            reader,
            bytes: Vec::new(),
            text: String::new(),
            line: 0,
            splitter: Splitter::default(),
            #[cfg(test)]
            scanned: 0,
        }
    }

    /// Reads one physical line (without its `\n` / `\r\n`) and appends it
    /// to `self.text`; `false` at the end of the file.
    fn physical_line(&mut self) -> Result<bool, BillError> {
        self.bytes.clear();
        // One byte over the limit is enough to know a line is too long;
        // `read_until` finds the line end a word at a time.
        let room = (MAX_RECORD_BYTES + 2).saturating_sub(self.text.len()) + 1;
        let read = (&mut self.reader)
            .take(room as u64)
            .read_until(b'\n', &mut self.bytes)
            .map_err(|e| BillError::new(self.line + 1, BillErrorKind::Io(e)))?;
        if read == 0 {
            return Ok(false);
        }
        if self.text.len() + self.bytes.len() > MAX_RECORD_BYTES + 2 {
            return Err(BillError::new(self.line + 1, BillErrorKind::LineTooLong));
        }
        self.line += 1;
        let text = line_text(&self.bytes, self.line == 1)
            .ok_or_else(|| BillError::new(self.line, BillErrorKind::NotUtf8))?;
        self.text.push_str(text);
        Ok(true)
    }

    /// The next record's cells into `cells`; `None` at the end of the file.
    fn next(&mut self, cells: &mut Cells) -> Result<Option<Record>, BillError> {
        self.text.clear();
        self.splitter.reset(cells);
        if !self.physical_line()? {
            return Ok(None);
        }
        let line = self.line;
        loop {
            #[cfg(test)]
            {
                self.scanned += self.text.len() - self.splitter.pos;
            }
            match self.splitter.scan(&self.text, cells) {
                Ok(ticked) => {
                    let blank = self.text.trim().is_empty();
                    return Ok(Some(Record {
                        line,
                        ticked,
                        blank,
                    }));
                }
                Err(BillErrorKind::UnclosedQuote) => {
                    // A quoted cell holding a line break: join the next
                    // line, and scan on from where the scan stopped.
                    self.text.push('\n');
                    if !self.physical_line()? {
                        return Err(BillError::new(line, BillErrorKind::UnclosedQuote));
                    }
                }
                Err(kind) => return Err(BillError::new(line, kind)),
            }
        }
    }
}

/// Splits a record into cells as it grows. A quoted cell still open when
/// the text runs out (it holds a line break) leaves the scan where it
/// stopped; once the next line is joined, [`scan`](Self::scan) goes on from
/// there, so a record is scanned once however many lines it spans.
#[derive(Default)]
struct Splitter {
    /// How much of the record's text has been scanned.
    pos: usize,
    /// The quoted cell open at `pos`: its text so far, and whether it had
    /// a backtick before the quote.
    open: Option<(String, bool)>,
    /// Whether the first cell had a backtick, once it is complete.
    first_ticked: Option<bool>,
}

impl Splitter {
    /// Forgets the last record: the next scan starts a new one.
    fn reset(&mut self, cells: &mut Cells) {
        cells.clear();
        self.pos = 0;
        self.open = None;
        self.first_ticked = None;
    }

    /// Splits `record` into `cells`, each without its backtick and quotes,
    /// going on from where the last call stopped (`record` is the text that
    /// call saw, with more appended). Returns whether the first cell had a
    /// backtick; [`BillErrorKind::UnclosedQuote`] when the text ends inside
    /// a quoted cell, to be called again once more text is appended.
    fn scan(&mut self, record: &str, cells: &mut Cells) -> Result<bool, BillErrorKind> {
        let start = record.get(self.pos..).unwrap_or_default();
        let mut rest = match self.open.take() {
            Some((value, ticked)) => match self.quoted(record, start, value, ticked, cells)? {
                Some(next) => next,
                None => return Ok(self.first_ticked.unwrap_or(false)),
            },
            None => start,
        };
        loop {
            let (ticked, after_tick) = match rest.strip_prefix('`') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let next = if let Some(quoted) = after_tick.strip_prefix('"') {
                self.quoted(record, quoted, String::new(), ticked, cells)?
            } else {
                // A plain byte loop: cells are short, and `,` is ASCII, so
                // the split is on a character boundary.
                let (cell, next) = match after_tick.bytes().position(|b| b == b',') {
                    Some(i) => (
                        after_tick.get(..i).unwrap_or_default(),
                        after_tick.get(i + 1..),
                    ),
                    None => (after_tick, None),
                };
                cells.push(cell);
                self.first_ticked.get_or_insert(ticked);
                next
            };
            match next {
                Some(tail) => rest = tail,
                None => {
                    self.pos = record.len();
                    return Ok(self.first_ticked.unwrap_or(false));
                }
            }
        }
    }

    /// Reads a quoted cell from `tail` (just after its opening quote, or
    /// where an earlier scan stopped inside it, with `value` read so far)
    /// into `cells`. Returns the text after the comma that follows it, or
    /// `None` at the end of the record.
    fn quoted<'a>(
        &mut self,
        record: &'a str,
        mut tail: &'a str,
        mut value: String,
        mut ticked: bool,
        cells: &mut Cells,
    ) -> Result<Option<&'a str>, BillErrorKind> {
        loop {
            let Some(end) = tail.find('"') else {
                // Open at the end of the text: wait for the next line.
                value.push_str(tail);
                self.pos = record.len();
                self.open = Some((value, ticked));
                return Err(BillErrorKind::UnclosedQuote);
            };
            value.push_str(tail.get(..end).unwrap_or_default());
            tail = tail.get(end + 1..).unwrap_or_default();
            match tail.strip_prefix('"') {
                Some(t) => {
                    value.push('"');
                    tail = t;
                }
                None => break,
            }
        }
        let mut cell = value.as_str();
        if !ticked {
            if let Some(v) = cell.strip_prefix('`') {
                ticked = true;
                cell = v;
            }
        }
        cells.push(cell);
        self.first_ticked.get_or_insert(ticked);
        if tail.is_empty() {
            Ok(None)
        } else {
            tail.strip_prefix(',')
                .map(Some)
                .ok_or(BillErrorKind::TextAfterQuote)
        }
    }
}

/// What a table yields; the cells are the table's [`Table::cells`].
enum Item {
    /// A data row: its line.
    Row(u64),
    /// The summary: its names and the line of its values.
    Summary(Vec<String>, u64),
}

/// The layout every bill shares: header, data rows, summary names and values.
struct Table<R> {
    records: Records<R>,
    columns: Vec<String>,
    /// The cells of the last row, or of the summary's values.
    cells: Cells,
    done: bool,
}

impl<R: BufRead> Table<R> {
    /// Reads the header line.
    fn open(reader: R) -> Result<Self, BillError> {
        let mut records = Records::new(reader);
        let mut cells = Cells::default();
        loop {
            match records.next(&mut cells)? {
                None => return Err(BillError::new(records.line, BillErrorKind::Empty)),
                Some(r) if r.blank => continue,
                Some(r) if r.ticked => return Err(BillError::new(r.line, BillErrorKind::NoHeader)),
                Some(_) => break,
            }
        }
        Ok(Table {
            records,
            columns: cells.trimmed(),
            cells,
            done: false,
        })
    }

    /// Passes on a row read from the cells of [`Item::Row`]: one that did
    /// not read ends the table like any other error.
    fn row<T>(&mut self, row: Result<T, BillError>) -> Option<Result<T, BillError>> {
        if row.is_err() {
            self.done = true;
        }
        Some(row)
    }

    fn error(&mut self, line: u64, kind: BillErrorKind) -> Option<Result<Item, BillError>> {
        self.done = true;
        Some(Err(BillError::new(line, kind)))
    }

    /// The next row, or the summary (the last item), or an error.
    fn next(&mut self) -> Option<Result<Item, BillError>> {
        if self.done {
            return None;
        }
        let record = loop {
            match self.records.next(&mut self.cells) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => {
                    let line = self.records.line;
                    return self.error(line, BillErrorKind::MissingSummary);
                }
                Ok(Some(r)) if r.blank => continue,
                Ok(Some(r)) => break r,
            }
        };
        if record.ticked {
            if self.cells.len() != self.columns.len() {
                let kind = BillErrorKind::CellCount {
                    expected: self.columns.len(),
                    found: self.cells.len(),
                };
                return self.error(record.line, kind);
            }
            return Some(Ok(Item::Row(record.line)));
        }
        // The summary names, then the values, then nothing but blank lines.
        let names = self.cells.trimmed();
        let values_line = loop {
            match self.records.next(&mut self.cells) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => {
                    let line = self.records.line;
                    return self.error(line, BillErrorKind::MissingSummaryValues);
                }
                Ok(Some(r)) if r.blank => continue,
                Ok(Some(r)) => break r.line,
            }
        };
        if self.cells.len() != names.len() {
            let kind = BillErrorKind::CellCount {
                expected: names.len(),
                found: self.cells.len(),
            };
            return self.error(values_line, kind);
        }
        let mut rest = Cells::default();
        loop {
            match self.records.next(&mut rest) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => break,
                Ok(Some(r)) if r.blank => continue,
                Ok(Some(r)) => return self.error(r.line, BillErrorKind::TrailingContent),
            }
        }
        self.done = true;
        Some(Ok(Item::Summary(names, values_line)))
    }
}

/// Where each known column is, and which columns are unknown.
struct Layout {
    /// Index of each known column (in the order the row type lists them).
    known: Vec<Option<usize>>,
    /// The unknown columns: index and name.
    extra: Vec<(usize, String)>,
}

impl Layout {
    fn new(
        columns: &[String],
        names: &[&'static str],
        required: &[&'static str],
    ) -> Result<Self, BillErrorKind> {
        if let Some(missing) = required.iter().find(|r| !columns.iter().any(|c| c == *r)) {
            return Err(BillErrorKind::MissingColumn(missing));
        }
        let known = names
            .iter()
            .map(|n| columns.iter().position(|c| c == n))
            .collect();
        let extra = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !names.contains(&c.as_str()))
            .map(|(i, c)| (i, c.clone()))
            .collect();
        Ok(Layout { known, extra })
    }

    /// The cell of known column `i`.
    fn cell<'c>(&self, cells: &'c Cells, i: usize) -> Option<&'c str> {
        cells.get(self.known.get(i).copied().flatten()?)
    }

    fn extra(&self, cells: &Cells) -> Vec<(String, String)> {
        self.extra
            .iter()
            .map(|(i, name)| (name.clone(), cells.get(*i).unwrap_or_default().to_owned()))
            .collect()
    }
}

/// Declares a row type read by name from a bill's columns.
macro_rules! bill_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $row:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $column:literal => $parse:ident, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        $vis struct $row {
            $( $(#[$fmeta])* pub $field: $ty, )+
            /// Columns this version does not know, as `(name, value)`, in file order.
            pub extra: Vec<(String, String)>,
        }

        impl $row {
            /// The column names this type reads, in field order.
            pub const COLUMNS: &'static [&'static str] = &[$($column),+];

            #[allow(unused_assignments)]
            fn from_cells(
                layout: &$crate::bill::Layout,
                cells: &$crate::bill::Cells,
                line: u64,
            ) -> Result<Self, $crate::bill::BillError> {
                let mut i = 0usize;
                let row = $row {
                    $( $field: {
                        let cell = layout.cell(cells, i);
                        i += 1;
                        $crate::bill::$parse(cell).map_err(|expected| {
                            $crate::bill::BillError::new(
                                line,
                                $crate::bill::BillErrorKind::BadValue {
                                    column: $column.to_owned(),
                                    value: cell.unwrap_or_default().to_owned(),
                                    expected,
                                },
                            )
                        })?
                    }, )+
                    extra: layout.extra(cells),
                };
                Ok(row)
            }
        }
    };
}
pub(crate) use bill_row;

/// A parse failure: what was expected (the caller quotes the cell).
type CellError = &'static str;

/// A column every bill of the kind has (checked with the header).
fn required(cell: Option<&str>) -> Result<String, CellError> {
    Ok(cell.unwrap_or_default().to_owned())
}

/// Text; an absent column or an empty cell is `None`.
fn text(cell: Option<&str>) -> Result<Option<String>, CellError> {
    Ok(cell.filter(|c| !c.is_empty()).map(str::to_owned))
}

/// Yuan with at most two decimals, as fen.
fn fen(cell: Option<&str>) -> Result<Option<i64>, CellError> {
    scaled(cell, 2, "an amount in yuan (at most 2 decimals)")
}

/// Yuan with at most two decimals, as fen; the column always has a value.
fn required_fen(cell: Option<&str>) -> Result<i64, CellError> {
    fen(cell)?.ok_or("an amount in yuan")
}

/// Yuan with at most five decimals (fees), as thousandths of a fen.
fn millifen(cell: Option<&str>) -> Result<Option<i64>, CellError> {
    scaled(cell, 5, "an amount in yuan (at most 5 decimals)")
}

/// A count; `20.0` is read as 20.
fn count(cell: Option<&str>) -> Result<Option<u64>, CellError> {
    let Some(trimmed) = cell.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let whole = match trimmed.split_once('.') {
        Some((whole, frac)) if frac.bytes().all(|b| b == b'0') => whole,
        Some(_) => return Err("a count"),
        None => trimmed,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a count");
    }
    whole.parse().map(Some).map_err(|_| "a count")
}

/// A count the column always holds.
fn required_count(cell: Option<&str>) -> Result<u64, CellError> {
    count(cell)?.ok_or("a count")
}

/// A decimal number of yuan as an integer number of `10^-scale` yuan.
fn scaled(
    cell: Option<&str>,
    scale: u32,
    expected: &'static str,
) -> Result<Option<i64>, CellError> {
    let Some(trimmed) = cell.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    parse_scaled(trimmed, scale).map(Some).ok_or(expected)
}

/// `-12.3` at scale 2 → `-1230`; `None` for anything but an optional sign,
/// digits and at most `scale` decimals, or an overflow.
pub(crate) fn parse_scaled(text: &str, scale: u32) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || frac.len() > scale as usize
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && frac.is_empty())
    {
        return None;
    }
    let mut value: i64 = 0;
    for b in whole.bytes().chain(frac.bytes()) {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    let padding = scale - frac.len() as u32;
    value = value.checked_mul(10i64.checked_pow(padding)?)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, cells: &mut Cells) -> Result<bool, BillErrorKind> {
        let mut splitter = Splitter::default();
        splitter.reset(cells);
        splitter.scan(line, cells)
    }

    fn cells(line: &str) -> (Vec<String>, bool) {
        let mut out = Cells::default();
        let ticked = split(line, &mut out).unwrap();
        (strings(&out), ticked)
    }

    fn strings(cells: &Cells) -> Vec<String> {
        cells.iter().map(str::to_owned).collect()
    }

    #[test]
    fn cells_lose_backticks_and_quotes() {
        assert_eq!(
            cells("`a,`b,`"),
            (vec!["a".into(), "b".into(), String::new()], true)
        );
        assert_eq!(cells("a,b"), (vec!["a".into(), "b".into()], false));
        assert_eq!(
            cells("`x,\"`中文, 逗号\",`\"say \"\"hi\"\"\",`y"),
            (
                vec![
                    "x".into(),
                    "中文, 逗号".into(),
                    "say \"hi\"".into(),
                    "y".into()
                ],
                true
            )
        );
        assert_eq!(cells("\"`a,b\""), (vec!["a,b".into()], true));
        let mut out = Cells::default();
        assert!(matches!(
            split("`\"open", &mut out),
            Err(BillErrorKind::UnclosedQuote)
        ));
        assert!(matches!(
            split("`\"a\"b,c", &mut out),
            Err(BillErrorKind::TextAfterQuote)
        ));
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(parse_scaled("0.01", 2), Some(1));
        assert_eq!(parse_scaled("12", 2), Some(1200));
        assert_eq!(parse_scaled("-3.5", 2), Some(-350));
        assert_eq!(parse_scaled("0.00600", 5), Some(600));
        assert_eq!(parse_scaled("0.001", 2), None);
        assert_eq!(parse_scaled("1.", 2), None);
        assert_eq!(parse_scaled(".5", 2), None);
        assert_eq!(parse_scaled("1e3", 2), None);
        assert_eq!(parse_scaled("", 2), None);
        assert_eq!(parse_scaled("99999999999999999999", 2), None);
        assert_eq!(count(Some("20.0")), Ok(Some(20)));
        assert_eq!(count(Some(" 7 ")), Ok(Some(7)));
        assert!(count(Some("2.5")).is_err());
        assert!(count(Some("-1")).is_err());
        assert_eq!(fen(Some(" ")), Ok(None));
        assert_eq!(required_fen(None), Err("an amount in yuan"));
    }

    #[test]
    fn long_lines_and_bad_utf8_are_refused() {
        let long = "a".repeat(MAX_RECORD_BYTES + 10);
        let mut out = Cells::default();
        let mut r = Records::new(long.as_bytes());
        let e = r.next(&mut out).err().unwrap();
        assert!(matches!(e.kind(), BillErrorKind::LineTooLong));
        let mut r = Records::new(&b"ok\n\xff\xfe\n"[..]);
        assert!(r.next(&mut out).unwrap().is_some());
        let e = r.next(&mut out).err().unwrap();
        assert_eq!(e.line(), 2);
        assert!(matches!(e.kind(), BillErrorKind::NotUtf8));
    }

    #[test]
    fn quoted_line_breaks_join_lines() {
        let mut out = Cells::default();
        let mut r = Records::new(&b"`a,\"`two\r\nlines\",`b\r\nnext\r\n"[..]);
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!(rec.line, 1);
        assert_eq!(strings(&out), ["a", "two\nlines", "b"]);
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!(rec.line, 3);
        // The open cell first (its backtick inside the quotes), a cell
        // closing at a line's end, an escaped quote right after a break.
        let text = "\"`x\r\n\r\ny\",\"\r\n\"\"z\",`w\r\n\"`q\"\r\n\"a\r\n`b\"\r\n";
        let mut r = Records::new(text.as_bytes());
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!((rec.line, rec.ticked), (1, true));
        assert_eq!(strings(&out), ["x\n\ny", "\n\"z", "w"]);
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!((rec.line, rec.ticked), (5, true));
        assert_eq!(strings(&out), ["q"]);
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!((rec.line, rec.ticked), (6, false));
        assert_eq!(strings(&out), ["a\n`b"]);
        assert!(r.next(&mut out).unwrap().is_none());
        let mut r = Records::new(&b"`a,\"b\r\nc\"d\r\n"[..]);
        let e = r.next(&mut out).err().unwrap();
        assert!(matches!(e.kind(), BillErrorKind::TextAfterQuote));
        let mut r = Records::new(&b"`\"never closed\r\nstill\r\n"[..]);
        let e = r.next(&mut out).err().unwrap();
        assert!(matches!(e.kind(), BillErrorKind::UnclosedQuote));
    }

    #[test]
    fn a_cell_spanning_many_lines_is_scanned_once() {
        const LINES: usize = 50_000;
        let mut text = String::from("`a,\"`first");
        for _ in 0..LINES {
            text.push_str("\r\na, \"\"b\"\"");
        }
        text.push_str("\",`b\r\n`c,`d,`e\r\n");
        assert!(text.len() < MAX_RECORD_BYTES);
        let mut out = Cells::default();
        let mut r = Records::new(text.as_bytes());
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!(rec.line, 1);
        let out_cells = strings(&out);
        assert_eq!(out_cells.len(), 3);
        assert_eq!(out_cells[0], "a");
        assert_eq!(out_cells[1].lines().count(), LINES + 1);
        assert!(out_cells[1].ends_with("\na, \"b\""));
        assert_eq!(out_cells[2], "b");
        // Every byte of the record is scanned once: resuming after each
        // joined line, not starting over (which read ~LINES²/2 lines).
        assert!(
            r.scanned <= text.len(),
            "{} bytes scanned for a record of {}",
            r.scanned,
            text.len()
        );
        let rec = r.next(&mut out).unwrap().unwrap();
        assert_eq!(rec.line, LINES as u64 + 2);
        assert_eq!(strings(&out), ["c", "d", "e"]);
        assert!(r.next(&mut out).unwrap().is_none());
    }
}
