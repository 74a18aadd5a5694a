//! Bills made from the sandbox's own orders and refunds.
//!
//! A trade bill lists, for one day in Beijing time, the payments that
//! succeeded that day (of every kind of order: `JSAPI`, `NATIVE`, `APP`,
//! `MWEB`, `MICROPAY`; a code payment reversed since as `REVOKED`) and the
//! refunds asked for that day; a fund flow bill
//! lists the movements of a merchant's basic account that day (payments
//! in, fees and refunds out) with the running balance. Both follow the
//! platform's CSV layout: a header, one backtick-prefixed line per record,
//! the summary names and the summary values, lines ending in `\r\n`.
//!
//! The sandbox charges a fee of 0.60 % on every payment (written with five
//! decimals in trade bills, rounded to the fen in fund flow bills) and
//! gives the fee back in proportion on refunds in trade bills.

use crate::state::{Order, Refund, RefundStatus, State, TradeState};
use crate::time::{china_date, format_china};

/// The fee rate, as written in trade bills.
pub const FEE_RATE: &str = "0.60%";

/// The fee of `fen`, in thousandths of a fen (0.60 % of it).
fn fee_millifen(fen: i64) -> i64 {
    fen * 6
}

/// Which trade bill (`bill_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeKind {
    All,
    Success,
    Refund,
}

impl TradeKind {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "ALL" => Some(TradeKind::All),
            "SUCCESS" => Some(TradeKind::Success),
            "REFUND" => Some(TradeKind::Refund),
            _ => None,
        }
    }
}

/// Whose trades a bill covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The merchant asking.
    pub(crate) mchid: &'a str,
    /// Only this sub-merchant's trades (placed by `mchid` as service provider).
    pub(crate) sub_mchid: Option<&'a str>,
}

impl Scope<'_> {
    fn covers(&self, owner: &str, sp_mchid: Option<&str>) -> bool {
        match self.sub_mchid {
            Some(sub) => owner == sub && sp_mchid == Some(self.mchid),
            None => (sp_mchid.is_none() && owner == self.mchid) || sp_mchid == Some(self.mchid),
        }
    }
}

const ALL_COLUMNS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUCCESS_COLUMNS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
const REFUND_COLUMNS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const ALL_SUMMARY: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
const SUCCESS_SUMMARY: &str = "总交易单数,应结订单总金额,手续费总金额,订单总金额";
const FUND_COLUMNS: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号";
const FUND_SUMMARY: &str = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额";

/// `yyyy-MM-dd HH:mm:ss`, Beijing time.
pub(crate) fn bill_time(unix: i64) -> String {
    format_china(unix)
        .chars()
        .take(19)
        .collect::<String>()
        .replacen('T', " ", 1)
}

/// Fen as yuan with two decimals.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Thousandths of a fen as yuan with five decimals.
pub(crate) fn yuan5(millifen: i64) -> String {
    let sign = if millifen < 0 { "-" } else { "" };
    let abs = millifen.unsigned_abs();
    format!("{sign}{}.{:05}", abs / 100_000, abs % 100_000)
}

/// One CSV line of backtick-prefixed cells; cells holding a comma, a
/// quote or a line break are quoted, the backtick inside the quotes.
fn line(out: &mut String, cells: &[&str]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            out.push_str("\"`");
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push('`');
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

fn header(out: &mut String, names: &str) {
    out.push_str(names);
    out.push_str("\r\n");
}

/// A trade of a day: a payment, or a refund (with its order, if still there).
enum Trade<'a> {
    Paid(&'a Order),
    Refunded(&'a Refund, Option<&'a Order>),
}

/// The sums a trade bill ends with (fees in thousandths of a fen).
#[derive(Default)]
struct TradeTotals {
    settlement: i64,
    refunded: i64,
    fees: i64,
    totals: i64,
    requested: i64,
}

/// The trade bill of `date` (`YYYY-MM-DD`), or `None` when the day had no trades.
pub(crate) fn trade_bill(
    state: &State,
    scope: Scope<'_>,
    date: &str,
    kind: TradeKind,
) -> Option<String> {
    let trades = trades_of(state, scope, date, kind);
    if trades.is_empty() {
        return None;
    }
    let mut out = String::new();
    header(
        &mut out,
        match kind {
            TradeKind::All => ALL_COLUMNS,
            TradeKind::Success => SUCCESS_COLUMNS,
            TradeKind::Refund => REFUND_COLUMNS,
        },
    );
    let mut totals = TradeTotals::default();
    for (time, trade) in &trades {
        match trade {
            Trade::Paid(o) => paid_line(&mut out, &mut totals, o, *time, kind),
            Trade::Refunded(r, order) => refund_line(&mut out, &mut totals, r, *order, *time, kind),
        }
    }
    let count = trades.len().to_string();
    let t = &totals;
    if kind == TradeKind::Success {
        header(&mut out, SUCCESS_SUMMARY);
        let values = [count, yuan(t.settlement), yuan5(t.fees), yuan(t.totals)];
        line(&mut out, &values.each_ref().map(String::as_str));
    } else {
        header(&mut out, ALL_SUMMARY);
        let values = [
            count,
            yuan(t.settlement),
            yuan(t.refunded),
            "0.00".to_owned(),
            yuan5(t.fees),
            yuan(t.totals),
            yuan(t.requested),
        ];
        line(&mut out, &values.each_ref().map(String::as_str));
    }
    Some(out)
}

/// The day's trades in the bill's scope, by time then number.
fn trades_of<'s>(
    state: &'s State,
    scope: Scope<'_>,
    date: &str,
    kind: TradeKind,
) -> Vec<(i64, Trade<'s>)> {
    let mut trades: Vec<(i64, &str, Trade<'_>)> = Vec::new();
    if kind != TradeKind::Refund {
        for order in state.orders.values() {
            if let Some(t) = order.success_time {
                if scope.covers(&order.mchid, order.sp_mchid.as_deref()) && china_date(t) == date {
                    trades.push((t, &order.out_trade_no, Trade::Paid(order)));
                }
            }
        }
    }
    if kind != TradeKind::Success {
        for refund in state.refunds.values() {
            if scope.covers(&refund.mchid, refund.sp_mchid.as_deref())
                && china_date(refund.created_at) == date
            {
                let order = state.order(&refund.mchid, &refund.out_trade_no);
                let trade = Trade::Refunded(refund, order);
                trades.push((refund.created_at, &refund.out_refund_no, trade));
            }
        }
    }
    trades.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    trades.into_iter().map(|(t, _, trade)| (t, trade)).collect()
}

/// A payment's line.
fn paid_line(out: &mut String, totals: &mut TradeTotals, o: &Order, time: i64, kind: TradeKind) {
    let paid = o.payer_total.unwrap_or(o.total);
    let fee = fee_millifen(paid);
    totals.settlement += paid;
    totals.fees += fee;
    totals.totals += o.total;
    let state = if o.trade_state == TradeState::Revoked {
        "REVOKED"
    } else {
        "SUCCESS"
    };
    let common = order_cells(o, &bill_time(time), state, paid);
    let (total, fee_text) = (yuan(o.total), yuan5(fee));
    let mut cells: Vec<&str> = common.iter().map(String::as_str).collect();
    if kind == TradeKind::All {
        cells.extend(["0", "0", "0.00", "0.00", "", ""]);
    }
    cells.extend([
        o.description.as_str(),
        o.attach.as_deref().unwrap_or(""),
        &fee_text,
        FEE_RATE,
        &total,
    ]);
    if kind == TradeKind::All {
        cells.push("0.00");
    }
    cells.push("");
    line(out, &cells);
}

/// A refund's line.
fn refund_line(
    out: &mut String,
    totals: &mut TradeTotals,
    r: &Refund,
    order: Option<&Order>,
    time: i64,
    kind: TradeKind,
) {
    let fee = -fee_millifen(r.refund);
    totals.refunded += r.refund;
    totals.requested += r.refund;
    totals.fees += fee;
    let time_text = match (kind, order.and_then(|o| o.success_time)) {
        (TradeKind::Refund, Some(paid)) => bill_time(paid),
        _ => bill_time(time),
    };
    let common = match order {
        Some(o) => order_cells(o, &time_text, "REFUND", 0),
        None => refund_only_cells(r, &time_text),
    };
    let (amount, fee_text) = (yuan(r.refund), yuan5(fee));
    let apply_time = bill_time(r.created_at);
    let success_time = r.success_time.map(bill_time).unwrap_or_default();
    let mut cells: Vec<&str> = common.iter().map(String::as_str).collect();
    if kind == TradeKind::Refund {
        cells.extend([apply_time.as_str(), success_time.as_str()]);
    }
    cells.extend([
        r.refund_id.as_str(),
        r.out_refund_no.as_str(),
        &amount,
        "0.00",
        "ORIGINAL",
        r.status.as_str(),
        order.map(|o| o.description.as_str()).unwrap_or(""),
        order.and_then(|o| o.attach.as_deref()).unwrap_or(""),
        &fee_text,
        FEE_RATE,
        "0.00",
        &amount,
        "",
    ]);
    line(out, &cells);
}

/// 交易时间 … 代金券金额, the cells every trade line starts with.
fn order_cells(o: &Order, time: &str, state: &str, settlement: i64) -> Vec<String> {
    let (mchid, sub) = match &o.sp_mchid {
        Some(sp) => (sp.clone(), o.mchid.clone()),
        None => (o.mchid.clone(), "0".to_owned()),
    };
    vec![
        time.to_owned(),
        o.appid.clone(),
        mchid,
        sub,
        o.device_id.clone().unwrap_or_default(),
        o.transaction_id.clone().unwrap_or_default(),
        o.out_trade_no.clone(),
        o.payer_openid
            .clone()
            .or_else(|| o.payer_sub_openid.clone())
            .unwrap_or_default(),
        o.trade_type.clone(),
        state.to_owned(),
        o.bank_type.clone().unwrap_or_else(|| "OTHERS".to_owned()),
        o.currency.clone(),
        yuan(settlement),
        "0.00".to_owned(),
    ]
}

/// The same for a refund whose order is gone (never happens in practice).
fn refund_only_cells(r: &Refund, time: &str) -> Vec<String> {
    let (mchid, sub) = match &r.sp_mchid {
        Some(sp) => (sp.clone(), r.mchid.clone()),
        None => (r.mchid.clone(), "0".to_owned()),
    };
    vec![
        time.to_owned(),
        String::new(),
        mchid,
        sub,
        String::new(),
        r.transaction_id.clone(),
        r.out_trade_no.clone(),
        String::new(),
        String::new(),
        "REFUND".to_owned(),
        "OTHERS".to_owned(),
        r.currency.clone(),
        "0.00".to_owned(),
        "0.00".to_owned(),
    ]
}

/// The basic account of a merchant: direct orders of `owner`, or the
/// orders `sp_mchid` placed for sub-merchant `owner`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Account<'a> {
    pub(crate) owner: &'a str,
    pub(crate) sp_mchid: Option<&'a str>,
}

/// One movement of a basic account.
struct Movement {
    time: i64,
    /// Orders movements of the same second.
    key: String,
    business_no: String,
    name: &'static str,
    kind: &'static str,
    /// Fen, negative for an expense.
    amount: i64,
    remark: String,
    voucher: String,
}

/// The fund flow bill of the account's basic funds on `date`, or `None`
/// when nothing moved that day. The balance runs over every day.
pub(crate) fn fund_bill(state: &State, account: Account<'_>, date: &str) -> Option<String> {
    let mut balance = 0;
    let mut out = String::new();
    let (mut count, mut income_count, mut income, mut expense_count, mut expense) = (0, 0, 0, 0, 0);
    header(&mut out, FUND_COLUMNS);
    for (i, m) in movements(state, account).iter().enumerate() {
        balance += m.amount;
        if china_date(m.time) != date {
            continue;
        }
        count += 1;
        let direction = if m.amount >= 0 {
            income_count += 1;
            income += m.amount;
            "收入"
        } else {
            expense_count += 1;
            expense -= m.amount;
            "支出"
        };
        let flow_no = format!("{}{}{:010}", account.owner, date.replace('-', ""), i + 1);
        line(
            &mut out,
            &[
                &bill_time(m.time),
                &m.business_no,
                &flow_no,
                m.name,
                m.kind,
                direction,
                &yuan(m.amount.abs()),
                &yuan(balance),
                "system",
                &m.remark,
                &m.voucher,
            ],
        );
    }
    if count == 0 {
        return None;
    }
    header(&mut out, FUND_SUMMARY);
    line(
        &mut out,
        &[
            &count.to_string(),
            &income_count.to_string(),
            &yuan(income),
            &expense_count.to_string(),
            &yuan(expense),
        ],
    );
    Some(out)
}

/// Every movement of the account, in time order: payments in, their fees
/// and refunds (not closed ones) out.
fn movements(state: &State, account: Account<'_>) -> Vec<Movement> {
    let mut moves = Vec::new();
    for o in state.orders.values() {
        if o.mchid != account.owner || o.sp_mchid.as_deref() != account.sp_mchid {
            continue;
        }
        let (Some(t), Some(paid)) = (o.success_time, o.payer_total) else {
            continue;
        };
        let transaction_id = o.transaction_id.clone().unwrap_or_default();
        let payment = |key: &str, kind, amount| Movement {
            time: t,
            key: format!("{}/{key}", o.out_trade_no),
            business_no: transaction_id.clone(),
            name: "交易",
            kind,
            amount,
            remark: String::new(),
            voucher: o.out_trade_no.clone(),
        };
        moves.push(payment("1", "交易", paid));
        // Half a fen or more rounds up.
        let fee = (fee_millifen(paid) + 500) / 1000;
        if fee > 0 {
            moves.push(payment("2", "扣除交易手续费", -fee));
        }
    }
    for r in state.refunds.values() {
        if r.mchid != account.owner
            || r.sp_mchid.as_deref() != account.sp_mchid
            || r.status == RefundStatus::Closed
        {
            continue;
        }
        moves.push(Movement {
            time: r.created_at,
            key: format!("{}/3", r.out_refund_no),
            business_no: r.refund_id.clone(),
            name: "退款",
            kind: "退款",
            amount: -r.refund,
            remark: r.reason.clone().unwrap_or_default(),
            voucher: r.out_refund_no.clone(),
        });
    }
    moves.sort_by(|a, b| (a.time, &a.key).cmp(&(b.time, &b.key)));
    moves
}

/// The bill with one digit of its last record changed: still a well-formed
/// bill, only its digest tells.
pub(crate) fn tamper(bill: &[u8]) -> Vec<u8> {
    let mut out = bill.to_vec();
    // The summary names start the second-to-last line; change a digit before them.
    let text_end = out.len().saturating_sub(2);
    let summary_values = out
        .get(..text_end)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .unwrap_or(0);
    let summary_names = out
        .get(..summary_values)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .unwrap_or(0);
    let digit = out
        .get(..summary_names)
        .and_then(|b| b.iter().rposition(u8::is_ascii_digit));
    match digit.and_then(|i| out.get_mut(i)) {
        Some(d) => *d = b'0' + (*d - b'0' + 1) % 10,
        None => out.push(b' '),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_like_the_platform() {
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(12345), "123.45");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan5(600), "0.00600");
        assert_eq!(yuan5(-9), "-0.00009");
        assert_eq!(bill_time(1_700_000_000), "2023-11-15 06:13:20");
    }

    #[test]
    fn cells_with_commas_are_quoted() {
        let mut out = String::new();
        line(&mut out, &["a", "b,c", "say \"x\"", ""]);
        assert_eq!(out, "`a,\"`b,c\",\"`say \"\"x\"\"\",`\r\n");
    }

    #[test]
    fn tampering_changes_one_digit_of_the_records() {
        let bill = "h\r\n`2026-01-01 00:00:00,`12.34\r\nsum\r\n`1,`12.34\r\n";
        let t = String::from_utf8(tamper(bill.as_bytes())).unwrap();
        assert_eq!(
            t,
            "h\r\n`2026-01-01 00:00:00,`12.35\r\nsum\r\n`1,`12.34\r\n"
        );
    }
}
