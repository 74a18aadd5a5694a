//! Trade bills (交易账单): `ALL`, `SUCCESS` and `REFUND`.

use std::io::BufRead;

use super::{BillError, Item, Layout, Table, bill_row};

bill_row! {
    /// One line of a trade bill: a payment, or a refund (in `ALL` and
    /// `REFUND` bills). Columns a bill type does not have are `None`;
    /// amounts are in fen.
    pub struct TradeBillRow {
        /// 交易时间: when the payment succeeded or the refund was asked
        /// for, `yyyy-MM-dd HH:mm:ss`, Beijing time.
        trade_time: String = "交易时间" => required,
        /// 公众账号ID: the appid of the order.
        appid: Option<String> = "公众账号ID" => text,
        /// 商户号: the merchant that placed the order.
        mchid: Option<String> = "商户号" => text,
        /// 特约商户号: the sub-merchant (`0` for a direct merchant's order).
        sub_mchid: Option<String> = "特约商户号" => text,
        /// 设备号: the device id given when ordering.
        device_info: Option<String> = "设备号" => text,
        /// 微信订单号: the platform's order number.
        transaction_id: String = "微信订单号" => required,
        /// 商户订单号: the merchant's order number.
        out_trade_no: String = "商户订单号" => required,
        /// 用户标识: the payer's openid.
        openid: Option<String> = "用户标识" => text,
        /// 交易类型: `JSAPI`, `APP`, `NATIVE`, …
        trade_type: Option<String> = "交易类型" => text,
        /// 交易状态: `SUCCESS` for a payment, `REFUND` for a refund, …
        trade_state: Option<String> = "交易状态" => text,
        /// 付款银行: the funding source.
        bank_type: Option<String> = "付款银行" => text,
        /// 货币种类: `CNY`.
        currency: Option<String> = "货币种类" => text,
        /// 应结订单金额: the amount settled, in fen.
        settlement_total: Option<i64> = "应结订单金额" => fen,
        /// 代金券金额: paid with coupons, in fen.
        coupon_amount: Option<i64> = "代金券金额" => fen,
        /// 退款申请时间 (`REFUND` bills).
        refund_apply_time: Option<String> = "退款申请时间" => text,
        /// 退款成功时间 (`REFUND` bills), empty while the refund is not done.
        refund_success_time: Option<String> = "退款成功时间" => text,
        /// 微信退款单号: the platform's refund number (`0` on payment lines).
        refund_id: Option<String> = "微信退款单号" => text,
        /// 商户退款单号: the merchant's refund number (`0` on payment lines).
        out_refund_no: Option<String> = "商户退款单号" => text,
        /// 退款金额: refunded, in fen.
        refund_amount: Option<i64> = "退款金额" => fen,
        /// 充值券退款金额: coupon amount refunded, in fen.
        recharge_coupon_refund: Option<i64> = "充值券退款金额" => fen,
        /// 退款类型: `ORIGINAL` (to the payer's source), `BALANCE`, …
        refund_type: Option<String> = "退款类型" => text,
        /// 退款状态: `SUCCESS`, `PROCESSING`, … as of the bill.
        refund_status: Option<String> = "退款状态" => text,
        /// 商品名称: the order's description.
        description: Option<String> = "商品名称" => text,
        /// 商户数据包: the order's `attach`.
        attach: Option<String> = "商户数据包" => text,
        /// 手续费: the fee, in thousandths of a fen (the bill gives yuan
        /// with five decimals: `0.00600` is 600). Negative on refunds.
        fee_millifen: Option<i64> = "手续费" => millifen,
        /// 费率: the fee rate as written, e.g. `0.60%`.
        fee_rate: Option<String> = "费率" => text,
        /// 订单金额: the order total, in fen.
        total: Option<i64> = "订单金额" => fen,
        /// 申请退款金额: the refund asked for, in fen.
        refund_requested: Option<i64> = "申请退款金额" => fen,
        /// 费率备注: a note on the fee rate.
        fee_rate_note: Option<String> = "费率备注" => text,
    }
}

bill_row! {
    /// The summary of a trade bill. Amounts are in fen (the fee total in
    /// thousandths of a fen); totals a bill type lacks are `None`.
    pub struct TradeBillSummary {
        /// 总交易单数: how many lines the bill has.
        count: u64 = "总交易单数" => required_count,
        /// 应结订单总金额.
        settlement_total: Option<i64> = "应结订单总金额" => fen,
        /// 退款总金额.
        refund_total: Option<i64> = "退款总金额" => fen,
        /// 充值券退款总金额.
        recharge_coupon_refund_total: Option<i64> = "充值券退款总金额" => fen,
        /// 手续费总金额, in thousandths of a fen.
        fee_total_millifen: Option<i64> = "手续费总金额" => millifen,
        /// 订单总金额.
        order_total: Option<i64> = "订单总金额" => fen,
        /// 申请退款总金额.
        refund_requested_total: Option<i64> = "申请退款总金额" => fen,
    }
}

/// Which trade bill a header belongs to, from its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TradeBillKind {
    /// Payments and refunds (has refund columns, no refund times).
    All,
    /// Successful payments (no refund columns).
    Success,
    /// Refunds (has the refund request and success times).
    Refund,
}

const REQUIRED: &[&str] = &["交易时间", "微信订单号", "商户订单号"];

/// Reads a trade bill line by line; see [the module](crate::bill).
///
/// An iterator of rows; after the last one, [`summary`](Self::summary)
/// holds the summary. The first error ends the iteration (a row that does
/// not read included).
pub struct TradeBillReader<R> {
    table: Table<R>,
    layout: Layout,
    summary_columns: Option<Vec<String>>,
    summary: Option<TradeBillSummary>,
}

impl<R: BufRead> TradeBillReader<R> {
    /// Reads the header; fails unless it names the columns of a trade bill.
    pub fn new(reader: R) -> Result<Self, BillError> {
        let table = Table::open(reader)?;
        let layout = Layout::new(&table.columns, TradeBillRow::COLUMNS, REQUIRED)
            .map_err(|kind| BillError::new(table.records.line, kind))?;
        Ok(TradeBillReader {
            table,
            layout,
            summary_columns: None,
            summary: None,
        })
    }

    /// The column names, as in the header.
    pub fn columns(&self) -> &[String] {
        &self.table.columns
    }

    /// The bill type, from the columns.
    pub fn kind(&self) -> TradeBillKind {
        let has = |name: &str| self.table.columns.iter().any(|c| c == name);
        if has("退款申请时间") {
            TradeBillKind::Refund
        } else if has("微信退款单号") {
            TradeBillKind::All
        } else {
            TradeBillKind::Success
        }
    }

    /// The summary, once every row was read.
    pub fn summary(&self) -> Option<&TradeBillSummary> {
        self.summary.as_ref()
    }

    /// The summary's column names, once every row was read.
    pub fn summary_columns(&self) -> Option<&[String]> {
        self.summary_columns.as_deref()
    }
}

impl<R: BufRead> Iterator for TradeBillReader<R> {
    type Item = Result<TradeBillRow, BillError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.table.next()? {
            Ok(Item::Row(line)) => {
                let row = TradeBillRow::from_cells(&self.layout, &self.table.cells, line);
                self.table.row(row)
            }
            Ok(Item::Summary(names, line)) => {
                let layout = match Layout::new(&names, TradeBillSummary::COLUMNS, &["总交易单数"])
                {
                    Ok(l) => l,
                    Err(kind) => return Some(Err(BillError::new(line.saturating_sub(1), kind))),
                };
                match TradeBillSummary::from_cells(&layout, &self.table.cells, line) {
                    Ok(summary) => {
                        self.summary = Some(summary);
                        self.summary_columns = Some(names);
                        None
                    }
                    Err(e) => Some(Err(e)),
                }
            }
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bill::BillErrorKind;

    const ALL_HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";

    fn all_bill(rows: &[&str], summary: &str) -> String {
        let mut s = format!("{ALL_HEADER}\r\n");
        for r in rows {
            s.push_str(r);
            s.push_str("\r\n");
        }
        s.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n");
        s.push_str(summary);
        s.push_str("\r\n");
        s
    }

    const PAYMENT: &str = "`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,`JSAPI,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,\"`微信云托管支付测试, 大杯\",`,`0.00000,`0.90%,`0.01,`0.00,`";
    const REFUND: &str = "`2022-03-21 14:00:00,`wxfdc955f7104ad557,`180023671,`176531292,`,`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000000000000001,`R1,`0.01,`0.00,`ORIGINAL,`SUCCESS,`微信云托管支付测试,`附加,`-0.00009,`0.90%,`0.00,`0.01,`";

    #[test]
    fn an_all_bill_reads_into_rows_and_summary() {
        let text = all_bill(
            &[PAYMENT, REFUND],
            "`2,`0.01,`0.01,`0.00,`-0.00009,`0.01,`0.01",
        );
        let mut bill = TradeBillReader::new(text.as_bytes()).unwrap();
        assert_eq!(bill.kind(), TradeBillKind::All);
        let rows: Vec<_> = bill.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        let p = &rows[0];
        assert_eq!(p.trade_time, "2022-03-21 13:51:31");
        assert_eq!(p.transaction_id, "420000612032130748613220688");
        assert_eq!(p.device_info, None);
        assert_eq!(p.description.as_deref(), Some("微信云托管支付测试, 大杯"));
        assert_eq!(p.settlement_total, Some(1));
        assert_eq!(p.fee_millifen, Some(0));
        assert_eq!(p.fee_rate.as_deref(), Some("0.90%"));
        assert_eq!(p.refund_apply_time, None);
        assert!(p.extra.is_empty());
        let r = &rows[1];
        assert_eq!(r.trade_state.as_deref(), Some("REFUND"));
        assert_eq!(r.refund_amount, Some(1));
        assert_eq!(r.fee_millifen, Some(-9));
        assert_eq!(r.attach.as_deref(), Some("附加"));
        let s = bill.summary().unwrap();
        assert_eq!(s.count, 2);
        assert_eq!(s.refund_total, Some(1));
        assert_eq!(s.fee_total_millifen, Some(-9));
        assert!(bill.next().is_none());
    }

    #[test]
    fn a_description_spanning_fifty_thousand_lines_is_read() {
        const LINES: usize = 50_000;
        let mut description = String::from("`first line");
        for _ in 0..LINES {
            description.push_str("\r\na, \"\"b\"\"");
        }
        let row = PAYMENT.replace(
            "\"`微信云托管支付测试, 大杯\"",
            &format!("\"{description}\""),
        );
        let text = all_bill(
            &[&row, PAYMENT],
            "`2,`0.02,`0.00,`0.00,`0.00000,`0.02,`0.00",
        );
        let mut bill = TradeBillReader::new(text.as_bytes()).unwrap();
        let first = bill.next().unwrap().unwrap();
        let read = first.description.unwrap();
        assert_eq!(read.lines().count(), LINES + 1);
        assert!(read.starts_with("first line\na, \"b\"\na, \"b\"\n"));
        assert_eq!(first.attach, None);
        assert_eq!(first.total, Some(1));
        let second = bill.next().unwrap().unwrap();
        assert_eq!(
            second.description.as_deref(),
            Some("微信云托管支付测试, 大杯")
        );
        assert!(bill.next().is_none());
        assert_eq!(bill.summary().unwrap().count, 2);
    }

    #[test]
    fn unknown_columns_are_kept_and_missing_ones_are_none() {
        let text =
            "交易时间,微信订单号,商户订单号,新列\n`t,`4200,`T1,`新值\n总交易单数,新总计\n`1,`9\n";
        let mut bill = TradeBillReader::new(text.as_bytes()).unwrap();
        assert_eq!(bill.kind(), TradeBillKind::Success);
        let row = bill.next().unwrap().unwrap();
        assert_eq!(row.extra, vec![("新列".to_owned(), "新值".to_owned())]);
        assert_eq!(row.total, None);
        assert!(bill.next().is_none());
        let s = bill.summary().unwrap();
        assert_eq!(s.count, 1);
        assert_eq!(s.extra, vec![("新总计".to_owned(), "9".to_owned())]);
    }

    #[test]
    fn broken_bills_are_errors() {
        let missing = all_bill(&[PAYMENT], "`1,`0.01,`0.00,`0.00,`0.00000,`0.01,`0.00");
        let truncated = missing.lines().take(2).collect::<Vec<_>>().join("\n");
        let mut bill = TradeBillReader::new(truncated.as_bytes()).unwrap();
        assert!(bill.next().unwrap().is_ok());
        let e = bill.next().unwrap().unwrap_err();
        assert!(matches!(e.kind(), BillErrorKind::MissingSummary), "{e}");
        assert!(bill.next().is_none());

        let bad_amount = all_bill(
            &[&PAYMENT.replace("`0.01,`0.00,`0,", "`0.0x,`0.00,`0,")],
            "`1,`0,`0,`0,`0,`0,`0",
        );
        let mut bill = TradeBillReader::new(bad_amount.as_bytes()).unwrap();
        let e = bill.next().unwrap().unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(e.to_string().contains("应结订单金额"), "{e}");
        // A bad row ends the bill like any other error: no later row and
        // no summary, so a caller skipping errors cannot reach a summary
        // that the rows it kept do not add up to.
        let bad_then_good = all_bill(
            &[
                &PAYMENT.replace("`0.01,`0.00,`0,", "`0.0x,`0.00,`0,"),
                REFUND,
            ],
            "`2,`0.01,`0.01,`0.00,`-0.00009,`0.01,`0.01",
        );
        let mut bill = TradeBillReader::new(bad_then_good.as_bytes()).unwrap();
        assert!(bill.next().unwrap().is_err());
        assert!(bill.next().is_none());
        assert!(bill.summary().is_none());

        let short = all_bill(&["`a,`b"], "`0,`0,`0,`0,`0,`0,`0");
        let e = TradeBillReader::new(short.as_bytes())
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert!(matches!(
            e.kind(),
            BillErrorKind::CellCount {
                expected: 27,
                found: 2
            }
        ));

        let trailing = format!("{missing}`extra\r\n");
        let mut bill = TradeBillReader::new(trailing.as_bytes()).unwrap();
        assert!(bill.next().unwrap().is_ok());
        let e = bill.next().unwrap().unwrap_err();
        assert!(matches!(e.kind(), BillErrorKind::TrailingContent));

        assert!(matches!(
            TradeBillReader::new(&b""[..]).err().unwrap().kind(),
            BillErrorKind::Empty
        ));
        assert!(matches!(
            TradeBillReader::new(&b"`a,`b\n"[..]).err().unwrap().kind(),
            BillErrorKind::NoHeader
        ));
        assert!(matches!(
            TradeBillReader::new(
                &b"\xef\xbb\xbf\xe8\xae\xb0\xe8\xb4\xa6\xe6\x97\xb6\xe9\x97\xb4\n"[..]
            )
            .err()
            .unwrap()
            .kind(),
            BillErrorKind::MissingColumn("交易时间")
        ));
    }
}
