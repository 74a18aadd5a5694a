//! Refunds: `POST /v3/refund/domestic/refunds` and
//! `GET /v3/refund/domestic/refunds/{out_refund_no}`.
//!
//! A refund names a paid order of the signing merchant (or, with
//! `sub_mchid`, of a sub-merchant the signing service provider placed it
//! for) by `transaction_id` or `out_trade_no`. It starts `PROCESSING`
//! and stays so until settled through the control plane
//! ([`Sandbox::settle_refund`](crate::Sandbox::settle_refund),
//! `POST /sandbox/refunds/…/settle`). Partial refunds add up; one that
//! exceeds what is left of the payment answers `400 INVALID_REQUEST`. The
//! order's `trade_state` becomes `REFUND` with the first refund.

use http::Method;
use serde_json::{Map, Value, json};

use super::orders::find_by_transaction_id;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::server::Shared;
use crate::state::{Refund, RefundStatus, TradeState, compact_date};
use crate::time::{format_china, now_unix};
use crate::validate::{Checked, Fields, is_refund_no, no_four_byte_chars, path_str};

pub(crate) fn register(router: &mut Router) {
    add(router, Method::POST, "/v3/refund/domestic/refunds", create);
    add(
        router,
        Method::GET,
        "/v3/refund/domestic/refunds/{out_refund_no}",
        query,
    );
}

fn invalid(message: String) -> Reply {
    ErrorCode::InvalidRequest.reply(message)
}

fn create(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let map = req.json()?;
    let body = Value::Object(map.clone());
    no_four_byte_chars(&body, "")?;
    let f = Fields::root(&map);
    let sub_mchid = f.opt_str_max("sub_mchid", 32)?;
    let transaction_id = f.opt_str_max("transaction_id", 32)?;
    let out_trade_no = f.opt_str_max("out_trade_no", 32)?;
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(Reply::param_error(
            "out_trade_no",
            &Value::Null,
            "transaction_id or out_trade_no is required",
        ));
    }
    let out_refund_no = f.req_str("out_refund_no")?;
    f.check(
        "out_refund_no",
        out_refund_no,
        is_refund_no(out_refund_no),
        "must be 1-64 characters of letters, digits, _ - | * @",
    )?;
    let reason = f.opt_str_max("reason", 80)?;
    let notify_url = f.opt_notify_url("notify_url")?;
    let funds_account = f.opt_str("funds_account")?;
    if let Some(account) = funds_account {
        f.check(
            "funds_account",
            account,
            account == "AVAILABLE",
            "must be AVAILABLE when given",
        )?;
    }
    let amount = f.req_obj("amount", "amount")?;
    let refund = amount.req_positive_int("refund")?;
    let total = amount.req_positive_int("total")?;
    let currency = amount.req_str("currency")?;
    amount.check(
        "currency",
        currency,
        currency == "CNY",
        "only CNY is accepted",
    )?;
    let mut from_sum = 0;
    let from = amount.opt_objects("from", |part| {
        let account = part.req_str("account")?;
        part.check(
            "account",
            account,
            matches!(account, "AVAILABLE" | "UNAVAILABLE"),
            "must be AVAILABLE or UNAVAILABLE",
        )?;
        from_sum += part.req_positive_int("amount")?;
        Ok(())
    })?;
    if from.is_some() && from_sum != refund {
        return Err(Reply::param_error(
            "amount.from",
            &json!(from_sum),
            "the parts must add up to amount.refund",
        ));
    }
    f.opt_objects("goods_detail", |g| {
        g.req_str("merchant_goods_id")?;
        g.opt_str("wechatpay_goods_id")?;
        g.opt_str("goods_name")?;
        g.req_int("unit_price")?;
        g.req_positive_int("refund_amount")?;
        g.req_positive_int("refund_quantity")?;
        Ok(())
    })?;

    let owner = sub_mchid.unwrap_or(&req.mchid).to_owned();
    let sp_mchid = sub_mchid.map(|_| req.mchid.clone());
    let mut state = shared.state();
    let refund_key = (owner.clone(), out_refund_no.to_owned());
    if let Some(existing) = state.refunds.get(&refund_key) {
        return if existing.request == body {
            Ok(Reply::ok(&refund_json(existing)))
        } else {
            Err(invalid(
                "out_refund_no was already used with different parameters".into(),
            ))
        };
    }
    let order_key = match (transaction_id, out_trade_no) {
        (Some(id), by_no) => {
            let order = find_by_transaction_id(&state, &owner, id)
                .filter(|o| by_no.is_none_or(|no| no == o.out_trade_no));
            order.map(|o| (o.mchid.clone(), o.out_trade_no.clone()))
        }
        (None, Some(no)) => Some((owner.clone(), no.to_owned())),
        (None, None) => None,
    };
    let order = order_key
        .and_then(|k| state.orders.get(&k))
        .filter(|o| o.sp_mchid == sp_mchid)
        .cloned()
        .ok_or_else(|| ErrorCode::ResourceNotExists.reply("the order does not exist"))?;
    if !order.trade_state.is_paid() {
        return Err(invalid(format!(
            "the order is {}; only paid orders can be refunded",
            order.trade_state.as_str()
        )));
    }
    if total != order.total {
        return Err(Reply::param_error(
            "amount.total",
            &json!(total),
            format!("must be the order total, {}", order.total),
        ));
    }
    let refundable = order.refundable();
    if refund > refundable {
        return Err(invalid(format!(
            "the refund ({refund} fen) exceeds what can still be refunded ({refundable} fen)"
        )));
    }
    let order_key = (order.mchid.clone(), order.out_trade_no.clone());
    let now = now_unix();
    let seq = state.next_seq();
    let record = Refund {
        mchid: order.mchid.clone(),
        sp_mchid,
        out_refund_no: out_refund_no.to_owned(),
        refund_id: format!("50000000{}{seq:013}", compact_date(now)),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: order.transaction_id.clone().unwrap_or_default(),
        refund,
        total,
        payer_total: order.payer_total.unwrap_or(order.total),
        currency: currency.to_owned(),
        from: map.get("amount").and_then(|a| a.get("from")).cloned(),
        reason: reason.map(str::to_owned),
        notify_url: notify_url.map(str::to_owned),
        funds_account: funds_account.unwrap_or("UNSETTLED").to_owned(),
        channel: "ORIGINAL".to_owned(),
        user_received_account: "payer's balance".to_owned(),
        status: RefundStatus::Processing,
        created_at: now,
        success_time: None,
        request: body,
    };
    let answer = refund_json(&record);
    if let Some(order) = state.orders.get_mut(&order_key) {
        order.refunded += refund;
        order.trade_state = TradeState::Refund;
        order.refunds.push(out_refund_no.to_owned());
    }
    state.refunds.insert(refund_key, record);
    Ok(Reply::ok(&answer))
}

fn query(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let out_refund_no = path_str(req, "out_refund_no")?;
    let sub_mchid = req.query("sub_mchid").filter(|s| !s.is_empty());
    let owner = sub_mchid.unwrap_or(&req.mchid);
    let sp_mchid = sub_mchid.map(|_| req.mchid.as_str());
    let state = shared.state();
    state
        .refunds
        .get(&(owner.to_owned(), out_refund_no.to_owned()))
        .filter(|r| r.sp_mchid.as_deref() == sp_mchid)
        .map(|r| Reply::ok(&refund_json(r)))
        .ok_or_else(|| ErrorCode::ResourceNotExists.reply("the refund does not exist"))
}

/// What the refund operations report about a stored refund.
pub(crate) fn refund_json(r: &Refund) -> Value {
    let mut amount = Map::new();
    amount.insert("total".into(), json!(r.total));
    amount.insert("refund".into(), json!(r.refund));
    if let Some(from) = &r.from {
        amount.insert("from".into(), from.clone());
    }
    amount.insert("payer_total".into(), json!(r.payer_total));
    amount.insert("payer_refund".into(), json!(r.refund));
    amount.insert("settlement_refund".into(), json!(r.refund));
    amount.insert("settlement_total".into(), json!(r.total));
    amount.insert("discount_refund".into(), json!(0));
    amount.insert("currency".into(), json!(r.currency));
    let mut v = Map::new();
    v.insert("refund_id".into(), json!(r.refund_id));
    v.insert("out_refund_no".into(), json!(r.out_refund_no));
    v.insert("transaction_id".into(), json!(r.transaction_id));
    v.insert("out_trade_no".into(), json!(r.out_trade_no));
    v.insert("channel".into(), json!(r.channel));
    v.insert(
        "user_received_account".into(),
        json!(r.user_received_account),
    );
    if let Some(t) = r.success_time {
        v.insert("success_time".into(), json!(format_china(t)));
    }
    v.insert("create_time".into(), json!(format_china(r.created_at)));
    v.insert("status".into(), json!(r.status.as_str()));
    v.insert("funds_account".into(), json!(r.funds_account));
    v.insert("amount".into(), Value::Object(amount));
    v.insert("promotion_detail".into(), json!([]));
    Value::Object(v)
}
