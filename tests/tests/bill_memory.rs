//! A bill of a million rows is read in constant memory.
//!
//! This test binary counts every allocation (`peak_alloc` as the global
//! allocator) and asserts the peak while reading, not the time taken. The
//! bill (about 280 MB of text) is generated line by line as it is read, so
//! only the reader's own memory shows.

use std::io::{BufRead, BufReader, Read};

use peak_alloc::PeakAlloc;
use wxpay_core::bill::TradeBillReader;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const ROWS: u64 = 1_000_000;

const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n";

/// An `ALL` trade bill of `ROWS` payments of 1.00 to 100.00 yuan, made
/// one line at a time.
struct Generated {
    line: Vec<u8>,
    at: usize,
    next_row: u64,
    finished: bool,
    total_fen: i64,
}

impl Generated {
    fn new() -> Self {
        Generated {
            line: HEADER.as_bytes().to_vec(),
            at: 0,
            next_row: 0,
            finished: false,
            total_fen: 0,
        }
    }

    fn refill(&mut self) {
        self.line.clear();
        self.at = 0;
        let i = self.next_row;
        if i < ROWS {
            let fen = 100 + (i % 100) as i64 * 100;
            self.total_fen += fen;
            let yuan = format!("{}.{:02}", fen / 100, fen % 100);
            let line = format!(
                "`2026-05-01 {:02}:{:02}:{:02},`wxd678efh567hg6787,`1900000109,`0,`,`42000000{i:020},`T{i:012},`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`{yuan},`0.00,`0,`0,`0.00,`0.00,`,`,\"`商品{i}, 规格A\",`,`0.00600,`0.60%,`{yuan},`0.00,`\r\n",
                i / 3600 % 24,
                i / 60 % 60,
                i % 60
            );
            self.line.extend_from_slice(line.as_bytes());
        } else if i == ROWS {
            let total = format!("{}.{:02}", self.total_fen / 100, self.total_fen % 100);
            self.line.extend_from_slice(
                format!("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n`{ROWS},`{total},`0.00,`0.00,`6000.00000,`{total},`0.00\r\n").as_bytes(),
            );
        } else {
            self.finished = true;
        }
        self.next_row += 1;
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() && !self.finished {
            self.refill();
        }
        let rest = &self.line[self.at..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

fn bill() -> impl BufRead {
    BufReader::with_capacity(64 * 1024, Generated::new())
}

#[test]
fn a_million_rows_in_constant_memory() {
    // The counter sees allocations: holding 8 MiB shows as 8 MiB.
    PEAK.reset_peak_usage();
    let base = PEAK.current_usage();
    let held = vec![1u8; 8 << 20];
    assert!(PEAK.peak_usage() - base >= 8 << 20);
    drop(held);

    PEAK.reset_peak_usage();
    let base = PEAK.current_usage();
    let mut reader = TradeBillReader::new(bill()).unwrap();
    let (mut rows, mut fen, mut fees) = (0u64, 0i64, 0i64);
    for row in &mut reader {
        let row = row.unwrap();
        rows += 1;
        fen += row.total.unwrap();
        fees += row.fee_millifen.unwrap();
        assert!(row.description.as_deref().unwrap().ends_with(", 规格A"));
    }
    let summary = reader.summary().expect("the summary was read");
    assert_eq!(rows, ROWS);
    assert_eq!(summary.count, ROWS);
    assert_eq!(summary.order_total, Some(fen));
    assert_eq!(summary.fee_total_millifen, Some(fees));
    let peak = PEAK.peak_usage() - base;
    println!("reading {ROWS} rows peaked at {peak} bytes above the start");
    // The text is about 280 MB; the reader holds one line, one row and
    // the 64 KiB buffer. Half a mebibyte leaves room for neither a copy
    // of the bill nor a list of its rows.
    assert!(peak < 512 * 1024, "peak {peak} bytes");
    drop(reader);
}
