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

use super::Operation;
use super::orders::find_by_transaction_id;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{Order, Refund, RefundStatus, State, TradeState, compact_date};
use crate::time::{format_china, now_unix};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, is_refund_no, path_str};

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/refund/domestic/refunds",
        rules: &[REFUND],
        handler: create,
    },
    Operation {
        method: Method::GET,
        path: "/v3/refund/domestic/refunds/{out_refund_no}",
        rules: &[],
        handler: |s, r, _| query(s, r),
    },
];

/// What a refund request is checked for beyond the spec.
const REFUND: &[Rule] = &[
    Rule::body("sub_mchid", &[MaxChars(32)]),
    Rule::body("transaction_id", &[MaxChars(32)]),
    Rule::body(
        "out_trade_no",
        &[MaxChars(32), RequiredUnless(&["transaction_id"])],
    ),
    Rule::body(
        "out_refund_no",
        &[Format(
            is_refund_no,
            "must be 1-64 characters of letters, digits, _ - | * @",
        )],
    ),
    Rule::body("reason", &[MaxChars(80)]),
    Rule::body("notify_url", &[NotifyUrl]),
    Rule::body(
        "funds_account",
        &[OneOf(&["AVAILABLE"], "must be AVAILABLE when given")],
    ),
    Rule::body("amount.refund", &[Positive]),
    Rule::body("amount.total", &[Positive]),
    Rule::body(
        "amount.currency",
        &[OneOf(&["CNY"], "only CNY is accepted")],
    ),
    Rule::body("amount.from", &[Objects]),
    Rule::body(
        "amount.from[].account",
        &[
            Required("string"),
            OneOf(
                &["AVAILABLE", "UNAVAILABLE"],
                "must be AVAILABLE or UNAVAILABLE",
            ),
        ],
    ),
    Rule::body("amount.from[].amount", &[Required("integer"), Positive]),
    Rule::body("amount", &[Whole(parts_add_up)]),
    Rule::body("goods_detail", &[Objects]),
    Rule::body("goods_detail[].merchant_goods_id", &[Required("string")]),
    Rule::body("goods_detail[].wechatpay_goods_id", &[Type("string")]),
    Rule::body("goods_detail[].goods_name", &[Type("string")]),
    Rule::body("goods_detail[].unit_price", &[Required("integer")]),
    Rule::body(
        "goods_detail[].refund_amount",
        &[Required("integer"), Positive],
    ),
    Rule::body(
        "goods_detail[].refund_quantity",
        &[Required("integer"), Positive],
    ),
];

/// `amount.from`, when given, adds up to `amount.refund`.
fn parts_add_up(body: &Map<String, Value>) -> Checked<()> {
    let parts = body.items("amount.from");
    let sum: i64 = parts
        .iter()
        .map(|p| p.get("amount").and_then(Value::as_i64).unwrap_or(0))
        .sum();
    if body.value("amount.from").is_some() && sum != body.int("amount.refund") {
        return Err(Reply::param_error(
            "amount.from",
            &json!(sum),
            "the parts must add up to amount.refund",
        ));
    }
    Ok(())
}

/// Refunds (part of) a paid order, idempotently: the same `out_refund_no`
/// with the same body answers the same refund.
fn create(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Reply> {
    let map = &input.body;
    let body = Value::Object(map.clone());
    let sub_mchid = map.opt_str("sub_mchid");
    let out_refund_no = map.str("out_refund_no");
    let refund = map.int("amount.refund");
    let total = map.int("amount.total");
    let owner = sub_mchid.unwrap_or(&req.mchid).to_owned();
    let sp_mchid = sub_mchid.map(|_| req.mchid.clone());
    let mut state = shared.state();
    let refund_key = (owner.clone(), out_refund_no.to_owned());
    if let Some(existing) = state.refunds.get(&refund_key) {
        return if existing.request == body {
            Ok(Reply::ok(&refund_json(existing)))
        } else {
            Err(ErrorCode::InvalidRequest
                .reply("out_refund_no was already used with different parameters"))
        };
    }
    let order = refundable_order(&state, map, &owner, sp_mchid.as_deref())?;
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
        currency: map.str("amount.currency").to_owned(),
        from: map.value("amount.from").cloned(),
        reason: map.opt_str("reason").map(str::to_owned),
        notify_url: map.opt_str("notify_url").map(str::to_owned),
        funds_account: map
            .opt_str("funds_account")
            .unwrap_or("UNSETTLED")
            .to_owned(),
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

/// The paid order a refund names (by `transaction_id` or `out_trade_no`,
/// of `owner`, placed by `sp_mchid`), when the refund fits what is left.
fn refundable_order(
    state: &State,
    body: &Map<String, Value>,
    owner: &str,
    sp_mchid: Option<&str>,
) -> Checked<Order> {
    let by_no = body.opt_str("out_trade_no");
    let order = match body.opt_str("transaction_id") {
        Some(id) => find_by_transaction_id(state, owner, id)
            .filter(|o| by_no.is_none_or(|no| no == o.out_trade_no)),
        None => by_no.and_then(|no| state.order(owner, no)),
    };
    let order = order
        .filter(|o| o.sp_mchid.as_deref() == sp_mchid)
        .ok_or_else(|| ErrorCode::ResourceNotExists.reply("the order does not exist"))?;
    if !order.trade_state.is_paid() {
        return Err(ErrorCode::InvalidRequest.reply(format!(
            "the order is {}; only paid orders can be refunded",
            order.trade_state.as_str()
        )));
    }
    let (refund, total) = (body.int("amount.refund"), body.int("amount.total"));
    if total != order.total {
        return Err(Reply::param_error(
            "amount.total",
            &json!(total),
            format!("must be the order total, {}", order.total),
        ));
    }
    let refundable = order.refundable();
    if refund > refundable {
        return Err(ErrorCode::InvalidRequest.reply(format!(
            "the refund ({refund} fen) exceeds what can still be refunded ({refundable} fen)"
        )));
    }
    Ok(order.clone())
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
