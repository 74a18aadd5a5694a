//! Looking up and closing orders: `GET …/transactions/out-trade-no/{…}`,
//! `GET …/transactions/id/{…}` and `POST …/out-trade-no/{…}/close`, direct
//! (`/v3/pay/transactions`) and partner (`/v3/pay/partner/transactions`).
//!
//! A direct route only sees the signing merchant's direct orders; a
//! partner route only sees orders the signing service provider placed for
//! the named sub-merchant. Anything else is `404 ORDER_NOT_EXIST`.
//! An unpaid order past its `time_expire` reads as `CLOSED`. Closing an
//! unpaid order answers 204 (again 204 when already closed); closing a
//! paid one answers `400 ORDER_PAID`, a reversed code payment
//! `400 INVALID_REQUEST`.

use http::Method;
use serde_json::{Map, Value, json};

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{Order, State, TradeState};
use crate::time::format_china;
use crate::validate::Check::Signer;
use crate::validate::{Checked, ReadBody, Rule, path_str};

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::GET,
        path: "/v3/pay/transactions/out-trade-no/{out_trade_no}",
        rules: &[&[Rule::query("mchid", &[Signer])]],
        handler: |s, r, _| by_out_trade_no(s, r, false),
    },
    Operation {
        method: Method::GET,
        path: "/v3/pay/transactions/id/{transaction_id}",
        rules: &[&[Rule::query("mchid", &[Signer])]],
        handler: |s, r, _| by_transaction_id(s, r, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
        rules: &[&[Rule::body("mchid", &[Signer])]],
        handler: |s, r, i| close(s, r, i, false),
    },
    Operation {
        method: Method::GET,
        path: "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
        rules: &[&[Rule::query("sp_mchid", &[Signer])]],
        handler: |s, r, _| by_out_trade_no(s, r, true),
    },
    Operation {
        method: Method::GET,
        path: "/v3/pay/partner/transactions/id/{transaction_id}",
        rules: &[&[Rule::query("sp_mchid", &[Signer])]],
        handler: |s, r, _| by_transaction_id(s, r, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
        rules: &[&[Rule::body("sp_mchid", &[Signer])]],
        handler: |s, r, i| close(s, r, i, true),
    },
];

fn order_not_exist() -> Reply {
    ErrorCode::OrderNotExist.reply("the order does not exist")
}

/// The owner and service provider a request names: `(mchid, None)`, or
/// `(sub_mchid, Some(sp_mchid))` on a partner route.
fn owner(named: impl Fn(&str) -> Option<String>, partner: bool) -> (String, Option<String>) {
    let owner = named(if partner { "sub_mchid" } else { "mchid" }).unwrap_or_default();
    (owner, named("sp_mchid").filter(|_| partner))
}

fn owner_from_query(req: &SandboxRequest, partner: bool) -> (String, Option<String>) {
    owner(|name| req.query(name).map(str::to_owned), partner)
}

fn visible(order: &Order, sp_mchid: Option<&String>) -> bool {
    order.sp_mchid.as_ref() == sp_mchid
}

fn by_out_trade_no(shared: &Shared, req: &SandboxRequest, partner: bool) -> Checked<Reply> {
    let out_trade_no = path_str(req, "out_trade_no")?;
    let (owner, sp) = owner_from_query(req, partner);
    let now = shared.unix_now();
    let mut state = shared.state();
    match state.current_order(&owner, out_trade_no, now) {
        Ok(order) if visible(order, sp.as_ref()) => Ok(Reply::ok(&transaction_json(order))),
        _ => Err(order_not_exist()),
    }
}

fn by_transaction_id(shared: &Shared, req: &SandboxRequest, partner: bool) -> Checked<Reply> {
    let transaction_id = path_str(req, "transaction_id")?;
    let (owner, sp) = owner_from_query(req, partner);
    let state = shared.state();
    find_by_transaction_id(&state, &owner, transaction_id)
        .filter(|o| visible(o, sp.as_ref()))
        .map(|o| Reply::ok(&transaction_json(o)))
        .ok_or_else(order_not_exist)
}

/// A paid order by its owner and platform number.
pub(crate) fn find_by_transaction_id<'s>(
    state: &'s State,
    owner: &str,
    transaction_id: &str,
) -> Option<&'s Order> {
    state
        .orders
        .values()
        .find(|o| o.mchid == owner && o.transaction_id.as_deref() == Some(transaction_id))
}

fn close(
    shared: &Shared,
    req: &SandboxRequest,
    input: &Input<'_>,
    partner: bool,
) -> Checked<Reply> {
    let out_trade_no = path_str(req, "out_trade_no")?;
    let (owner, sp) = owner(|name| input.body.opt_str(name).map(str::to_owned), partner);
    let now = shared.unix_now();
    let mut state = shared.state();
    if state.refuse_sub_order(&owner, out_trade_no).is_err() {
        return Err(ErrorCode::InvalidRequest.reply(
            "the order is part of a combined order: close it with the combined order's close",
        ));
    }
    let order = state
        .current_order(&owner, out_trade_no, now)
        .ok()
        .filter(|o| visible(o, sp.as_ref()))
        .ok_or_else(order_not_exist)?;
    match order.trade_state {
        TradeState::Notpay | TradeState::Closed | TradeState::Payerror => {
            order.trade_state = TradeState::Closed;
            Ok(Reply::no_content())
        }
        TradeState::Success | TradeState::Refund => {
            Err(ErrorCode::OrderPaid
                .reply("the order is paid and cannot be closed; refund it instead"))
        }
        TradeState::Userpaying => {
            Err(ErrorCode::InvalidRequest.reply("the payer is paying; query the order again later"))
        }
        TradeState::Revoked => {
            Err(ErrorCode::InvalidRequest
                .reply("the order was reversed; there is nothing to close"))
        }
    }
}

/// What an order query reports about a stored order.
pub(crate) fn transaction_json(o: &Order) -> Value {
    let mut v = Map::new();
    let mut put = |k: &str, value: Value| {
        v.insert(k.to_owned(), value);
    };
    match &o.sp_mchid {
        Some(sp) => {
            put("sp_appid", json!(o.appid));
            put("sp_mchid", json!(sp));
            if let Some(sub_appid) = &o.sub_appid {
                put("sub_appid", json!(sub_appid));
            }
            put("sub_mchid", json!(o.mchid));
        }
        None => {
            put("appid", json!(o.appid));
            put("mchid", json!(o.mchid));
        }
    }
    put("out_trade_no", json!(o.out_trade_no));
    put("trade_type", json!(o.trade_type));
    put("trade_state", json!(o.trade_state.as_str()));
    put("trade_state_desc", json!(o.trade_state.description()));
    if let Some(attach) = &o.attach {
        put("attach", json!(attach));
    }
    let mut amount = Map::new();
    amount.insert("total".into(), json!(o.total));
    amount.insert("currency".into(), json!(o.currency));
    if o.trade_state.is_paid() {
        if let Some(id) = &o.transaction_id {
            put("transaction_id", json!(id));
        }
        if let Some(bank) = &o.bank_type {
            put("bank_type", json!(bank));
        }
        if let Some(t) = o.success_time {
            put("success_time", json!(format_china(t)));
        }
        let mut payer = Map::new();
        let (first, second) = match o.sp_mchid {
            Some(_) => ("sp_openid", "sub_openid"),
            None => ("openid", "sub_openid"),
        };
        if let Some(openid) = &o.payer_openid {
            payer.insert(first.into(), json!(openid));
        }
        if let Some(sub) = &o.payer_sub_openid {
            payer.insert(second.into(), json!(sub));
        }
        if !payer.is_empty() {
            put("payer", Value::Object(payer));
        }
        if let Some(paid) = o.payer_total {
            amount.insert("payer_total".into(), json!(paid));
        }
        amount.insert("payer_currency".into(), json!(o.currency));
        put("promotion_detail", json!([]));
    }
    put("amount", Value::Object(amount));
    if let Some(device_id) = &o.device_id {
        put("scene_info", json!({ "device_id": device_id }));
    }
    Value::Object(v)
}
