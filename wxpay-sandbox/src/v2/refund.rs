//! Refunds over APIv2: `/secapi/pay/refund` and `/pay/refundquery`. A
//! refund is the sandbox's ordinary [`Refund`] record: it starts
//! `PROCESSING` and is settled by the control plane
//! (`POST /sandbox/refunds/{mch_id}/{out_refund_no}/settle`).

use serde_json::Value;
use wxpay_core::v2::{V2Key, xml};

use super::{Operation, V2RefundTo, V2Reply, V2Request, V2Result, fields_json, notification_head};
use crate::bills::bill_time;
use crate::server::Shared;
use crate::state::{Order, Refund, RefundStatus, State, TradeState, compact_date};

pub(crate) const REFUND: Operation = Operation {
    path: "/secapi/pay/refund",
    mutual_tls: true,
    signed_answer: true,
    hmac: true,
    handler: refund,
};

pub(crate) const REFUNDQUERY: Operation = Operation {
    path: "/pay/refundquery",
    mutual_tls: false,
    signed_answer: true,
    hmac: true,
    handler: refundquery,
};

/// Refunds listed per query page.
const PAGE: usize = 10;

/// The paid order a refund names, or the platform's error.
fn refundable_order(state: &State, req: &V2Request) -> Result<Order, V2Reply> {
    let order = match (req.get("transaction_id"), req.get("out_trade_no")) {
        (Some(id), no) => state.orders.values().find(|o| {
            o.mchid == req.mchid
                && o.sp_mchid.is_none()
                && o.transaction_id.as_deref() == Some(id)
                && no.is_none_or(|no| no == o.out_trade_no)
        }),
        (None, Some(no)) => state.order(&req.mchid, no).filter(|o| o.sp_mchid.is_none()),
        (None, None) => {
            return Err(V2Reply::error(
                "PARAM_ERROR",
                "transaction_id or out_trade_no is required",
            ));
        }
    }
    .ok_or_else(|| V2Reply::error("ORDERNOTEXIST", "the order does not exist"))?;
    if !order.trade_state.is_paid() {
        return Err(V2Reply::error(
            "TRADE_STATE_ERROR",
            format!(
                "the order is {}; only paid orders can be refunded",
                order.trade_state.as_str()
            ),
        ));
    }
    Ok(order.clone())
}

/// `/secapi/pay/refund`: refunds (part of) a paid order, idempotently.
fn refund(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid", "out_refund_no", "total_fee", "refund_fee"])?;
    let (total, amount) = (req.fen("total_fee")?, req.fen("refund_fee")?);
    let out_refund_no = req.str("out_refund_no");
    let mut state = shared.state();
    let key = (req.mchid.clone(), out_refund_no.to_owned());
    if let Some(existing) = state.refunds.get(&key) {
        return if existing.request == req.identity() {
            Ok(refund_answer(existing))
        } else {
            Err(V2Reply::error(
                "INVALID_REQUEST",
                "out_refund_no was already used with different parameters",
            ))
        };
    }
    let order = refundable_order(&state, req)?;
    if total != order.total {
        return Err(V2Reply::error(
            "INVALID_REQUEST",
            format!("total_fee must be the order total, {}", order.total),
        ));
    }
    if amount > order.refundable() {
        return Err(V2Reply::error(
            "NOTENOUGH",
            format!(
                "the refund ({amount} fen) exceeds what can still be refunded ({} fen)",
                order.refundable()
            ),
        ));
    }
    let now = shared.unix_now();
    let seq = state.next_seq();
    let record = Refund {
        mchid: order.mchid.clone(),
        sp_mchid: None,
        out_refund_no: out_refund_no.to_owned(),
        refund_id: format!("50000000{}{seq:013}", compact_date(now)),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: order.transaction_id.clone().unwrap_or_default(),
        refund: amount,
        total,
        payer_total: order.payer_total.unwrap_or(order.total),
        currency: req.get("refund_fee_type").unwrap_or("CNY").to_owned(),
        from: None,
        reason: req.get("refund_desc").map(str::to_owned),
        notify_url: None,
        funds_account: req
            .get("refund_account")
            .unwrap_or("REFUND_SOURCE_UNSETTLED_FUNDS")
            .to_owned(),
        channel: "ORIGINAL".to_owned(),
        user_received_account: "支付用户零钱".to_owned(),
        status: RefundStatus::Processing,
        created_at: now,
        success_time: None,
        request: req.identity(),
    };
    let answer = refund_answer(&record);
    if let Some(order) = state
        .orders
        .get_mut(&(order.mchid.clone(), order.out_trade_no.clone()))
    {
        order.refunded += amount;
        order.trade_state = TradeState::Refund;
        order.refunds.push(out_refund_no.to_owned());
    }
    let to = V2RefundTo {
        url: req
            .get("notify_url")
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        appid: order.appid.clone(),
    };
    state.v2.refunds.insert(key.clone(), to);
    state.refunds.insert(key, record);
    Ok(answer)
}

/// What the refund operation answers for a refund.
fn refund_answer(r: &Refund) -> V2Reply {
    V2Reply::ok([
        ("transaction_id", r.transaction_id.clone()),
        ("out_trade_no", r.out_trade_no.clone()),
        ("out_refund_no", r.out_refund_no.clone()),
        ("refund_id", r.refund_id.clone()),
        ("refund_fee", r.refund.to_string()),
        ("settlement_refund_fee", r.refund.to_string()),
        ("total_fee", r.total.to_string()),
        ("settlement_total_fee", r.total.to_string()),
        ("fee_type", r.currency.clone()),
        ("cash_fee", r.payer_total.to_string()),
        ("cash_refund_fee", r.refund.to_string()),
    ])
}

/// The refund result notification of a settled v2 refund: the `<xml>`
/// body (`return_code`, `appid`, `mch_id`, a fresh `nonce_str`, and
/// `req_info`: the refund's `<root>` document, AES-256-ECB under the
/// merchant's key as the platform seals it; not signed otherwise), and
/// the refund's fields as a JSON object for the record.
pub(crate) fn refund_notification(
    r: &Refund,
    to: &V2RefundTo,
    key: &V2Key,
) -> Result<(String, Value), String> {
    let mut info = vec![
        ("transaction_id", r.transaction_id.clone()),
        ("out_trade_no", r.out_trade_no.clone()),
        ("refund_id", r.refund_id.clone()),
        ("out_refund_no", r.out_refund_no.clone()),
        ("total_fee", r.total.to_string()),
        ("settlement_total_fee", r.total.to_string()),
        ("refund_fee", r.refund.to_string()),
        ("settlement_refund_fee", r.refund.to_string()),
        ("refund_status", status_name(r.status).to_owned()),
        ("refund_recv_accout", r.user_received_account.clone()),
        ("refund_account", r.funds_account.clone()),
        ("refund_request_source", "API".to_owned()),
    ];
    if let Some(at) = r.success_time {
        info.push(("success_time", bill_time(at)));
    }
    let info: Vec<(String, String)> = info.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let written = xml::write(&info);
    let inner = written
        .strip_prefix("<xml>")
        .and_then(|w| w.strip_suffix("</xml>"))
        .unwrap_or_default();
    let req_info = key
        .encrypt_refund_info(format!("<root>{inner}</root>").as_bytes())
        .map_err(|e| format!("sealing req_info failed: {e}"))?;
    let mut fields = notification_head(&to.appid, &r.mchid);
    // The record shows what req_info says, not its ciphertext.
    let record = fields_json(fields.iter().chain(&info));
    fields.push(("req_info".to_owned(), req_info));
    Ok((xml::write(&fields), record))
}

/// The v2 name of a refund status.
fn status_name(status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Processing => "PROCESSING",
        RefundStatus::Success => "SUCCESS",
        RefundStatus::Closed => "REFUNDCLOSE",
        RefundStatus::Abnormal => "CHANGE",
    }
}

/// `/pay/refundquery`: by `refund_id` or `out_refund_no`, that refund; by
/// `transaction_id` or `out_trade_no`, the order's refunds, ten from `offset`.
fn refundquery(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid"])?;
    let not_found = || V2Reply::error("REFUNDNOTEXIST", "no refund matches");
    let state = shared.state();
    // The first identifier given picks the refunds: one refund, or an order's.
    type Field = fn(&Refund) -> &str;
    let by: [(&str, Field); 4] = [
        ("refund_id", |r| &r.refund_id),
        ("out_refund_no", |r| &r.out_refund_no),
        ("transaction_id", |r| &r.transaction_id),
        ("out_trade_no", |r| &r.out_trade_no),
    ];
    let Some((value, of)) = by
        .into_iter()
        .find_map(|(name, of)| req.get(name).map(|value| (value, of)))
    else {
        return Err(V2Reply::error(
            "PARAM_ERROR",
            "one of refund_id, out_refund_no, transaction_id, out_trade_no is required",
        ));
    };
    let mut refunds: Vec<&Refund> = state
        .refunds
        .values()
        .filter(|r| r.mchid == req.mchid && r.sp_mchid.is_none() && of(r) == value)
        .collect();
    refunds.sort_by(|a, b| (a.created_at, &a.refund_id).cmp(&(b.created_at, &b.refund_id)));
    let total_count = refunds.len();
    let offset: usize = req.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let page: Vec<&Refund> = refunds.into_iter().skip(offset).take(PAGE).collect();
    let first = page.first().copied().ok_or_else(not_found)?;
    let order = state.order(&first.mchid, &first.out_trade_no);
    let mut fields = vec![
        ("transaction_id".to_owned(), first.transaction_id.clone()),
        ("out_trade_no".to_owned(), first.out_trade_no.clone()),
        ("total_fee".to_owned(), first.total.to_string()),
        ("settlement_total_fee".to_owned(), first.total.to_string()),
        ("fee_type".to_owned(), first.currency.clone()),
        (
            "cash_fee".to_owned(),
            order
                .and_then(|o| o.payer_total)
                .unwrap_or(first.payer_total)
                .to_string(),
        ),
        ("total_refund_count".to_owned(), total_count.to_string()),
        ("refund_count".to_owned(), page.len().to_string()),
    ];
    for (n, r) in page.iter().enumerate() {
        let mut indexed = vec![
            ("out_refund_no", r.out_refund_no.clone()),
            ("refund_id", r.refund_id.clone()),
            ("refund_channel", r.channel.clone()),
            ("refund_fee", r.refund.to_string()),
            ("settlement_refund_fee", r.refund.to_string()),
            ("coupon_refund_fee", "0".to_owned()),
            ("coupon_refund_count", "0".to_owned()),
            ("refund_status", status_name(r.status).to_owned()),
            ("refund_account", r.funds_account.clone()),
            ("refund_recv_accout", r.user_received_account.clone()),
        ];
        if let Some(t) = r.success_time {
            indexed.push(("refund_success_time", bill_time(t)));
        }
        fields.extend(indexed.into_iter().map(|(k, v)| (format!("{k}_{n}"), v)));
    }
    Ok(V2Reply::ok(fields))
}
