//! Bills: how fast the trade-bill reader reads a large bill, in how much
//! memory, and how fast a GZIP bill comes down from the sandbox with its
//! digest checked.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use wxpay::bill::{
    AsyncTradeBillReader, BillError, TradeBillReader, TradeBillRow, TradeBillSummary,
};
use wxpay::prelude::*;
use wxpay::v3::bill::{TarType, Tradebill};

/// The columns of an `ALL` trade bill, as the platform writes them.
const ALL_COLUMNS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const ALL_SUMMARY: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

/// Writes an `ALL` trade bill of `rows` paid orders to `path`, a row at a
/// time (every tenth description is quoted: it holds a comma). Returns
/// its size in bytes.
pub fn write_trade_bill(path: &Path, rows: usize) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
    write!(out, "{ALL_COLUMNS}\r\n")?;
    for n in 0..rows {
        let (seconds, fen) = (n % 86_400, 1 + n % 100_000);
        let description = if n % 10 == 0 {
            "\"`Image形象店-深圳腾大-QQ公仔, 大号\""
        } else {
            "`Image形象店-深圳腾大-QQ公仔"
        };
        write!(
            out,
            "`2026-12-03 {:02}:{:02}:{:02},`wxd678efh567hg6787,`1900000109,`0,`,`42000000002026120300{n:08},`BENCH{n:010},`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`{}.{:02},`0.00,`0,`0,`0.00,`0.00,`,`,{description},`,`{}.{:05},`0.60%,`{}.{:02},`0.00,`\r\n",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            fen / 100,
            fen % 100,
            fen * 6 / 100_000,
            fen * 6 % 100_000,
            fen / 100,
            fen % 100,
        )?;
    }
    write!(
        out,
        "{ALL_SUMMARY}\r\n`{rows},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00\r\n"
    )?;
    out.flush()?;
    Ok(out.get_ref().metadata()?.len())
}

/// The process's peak resident set so far (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak resident set to the current one (Linux ≥ 4.0).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What reading one bill measured.
pub struct ReadResult {
    pub rows: usize,
    pub bytes: u64,
    pub wall: Duration,
    pub peak_before_kib: u64,
    pub peak_after_kib: u64,
}

/// A bill being read: what [`ReadResult`] reports, counted as rows come.
struct Reading {
    bytes: u64,
    peak_before_kib: u64,
    started: Instant,
    rows: usize,
    cents: i64,
}

impl Reading {
    fn start(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
        reset_peak_rss();
        Ok(Reading {
            bytes,
            peak_before_kib: peak_rss_kib().unwrap_or(0),
            started: Instant::now(),
            rows: 0,
            cents: 0,
        })
    }

    fn row(&mut self, row: Result<TradeBillRow, BillError>) -> Result<(), String> {
        let row = row.map_err(|e| e.to_string())?;
        self.cents += row.settlement_total.unwrap_or(0);
        self.rows += 1;
        Ok(())
    }

    /// Checks the summary's count against the rows read.
    fn finish(self, summary: Option<&TradeBillSummary>) -> Result<ReadResult, String> {
        std::hint::black_box(self.cents);
        let summary = summary.ok_or("the bill has no summary")?;
        if summary.count != self.rows as u64 {
            return Err(format!(
                "{} rows, the summary says {}",
                self.rows, summary.count
            ));
        }
        Ok(ReadResult {
            rows: self.rows,
            bytes: self.bytes,
            wall: self.started.elapsed(),
            peak_before_kib: self.peak_before_kib,
            peak_after_kib: peak_rss_kib().unwrap_or(0),
        })
    }
}

/// Reads the bill at `path` with `TradeBillReader` over a buffered file,
/// every row decoded; checks the summary's count.
pub fn read_trade_bill(path: &Path) -> Result<ReadResult, String> {
    let mut reading = Reading::start(path)?;
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut reader =
        TradeBillReader::new(BufReader::with_capacity(1 << 16, file)).map_err(|e| e.to_string())?;
    for row in reader.by_ref() {
        reading.row(row)?;
    }
    reading.finish(reader.summary())
}

/// [`read_trade_bill`] with `AsyncTradeBillReader` over Tokio's file and
/// buffered reader (64 KiB), as a service reads a bill without blocking a
/// runtime thread.
pub async fn read_trade_bill_async(path: &Path) -> Result<ReadResult, String> {
    let mut reading = Reading::start(path)?;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let mut reader = AsyncTradeBillReader::new(tokio::io::BufReader::with_capacity(1 << 16, file))
        .await
        .map_err(|e| e.to_string())?;
    while let Some(row) = reader.next().await {
        reading.row(row)?;
    }
    reading.finish(reader.summary())
}

/// What downloading one bill measured.
pub struct DownloadResult {
    pub rows: usize,
    pub bytes: u64,
    pub wall: Duration,
}

/// Applies for the day's GZIP trade bill and downloads it (inflated as it
/// arrives, its SHA-1 checked at the end), then reads every row.
pub async fn download_gzip_bill(client: &Client, date: &str) -> Result<DownloadResult, String> {
    let started = Instant::now();
    let file = client
        .get_bill_tradebill(Tradebill {
            bill_date: date.to_owned(),
            tar_type: Some(TarType::Gzip),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut download = client
        .download_bill(&file)
        .await
        .map_err(|e| e.to_string())?;
    let mut text = Vec::new();
    while let Some(chunk) = download.chunk().await.map_err(|e| e.to_string())? {
        text.extend_from_slice(&chunk);
    }
    // Known once the first bytes arrived.
    if !download.is_gzip() {
        return Err("the sandbox did not send GZIP".into());
    }
    let mut reader = TradeBillReader::new(text.as_slice()).map_err(|e| e.to_string())?;
    let rows = reader.by_ref().filter(Result::is_ok).count();
    Ok(DownloadResult {
        rows,
        bytes: text.len() as u64,
        wall: started.elapsed(),
    })
}
