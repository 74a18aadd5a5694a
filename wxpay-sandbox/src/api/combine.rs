//! Combined orders (合单): `POST /v3/combine-transactions/{jsapi,
//! miniprogram,app,native,h5}` place them, `GET …/out-trade-no/{…}` and
//! `GET …/id/{combine_transaction_id}` look them up, `POST
//! …/out-trade-no/{…}/close` closes them.
//!
//! A combined order is paid in one payment for 2 to 50 sub-orders (the
//! spec gives no bounds for placing; 50 is its bound for closing and what
//! its text says, 2 is what makes an order combined). Every sub-order is
//! also an [`Order`] in the state under its owner (`sub_mchid`, else
//! `mchid`) and `out_trade_no`: the order queries, refunds and bills see it
//! like any order. The sandbox only takes sub-orders whose `mchid` is the
//! signing merchant (the platform's own check is a relationship between
//! the merchants, which the sandbox does not model), so a sub-order is the
//! signer's own or, with `sub_mchid`, one the signer placed as service
//! provider.
//!
//! The combined order gets its `combine_transaction_id` when placed (the
//! query answer requires it); each sub-order gets its `transaction_id` when
//! paid. The query by `combine_transaction_id` is, in the spec, the
//! individual-collection (`miniprogram`) product's, whose answer requires
//! `individual_auth_id` for every sub-order: it only finds combined orders
//! placed on the `miniprogram` route (others answer `404
//! ORDER_NOT_EXIST`). The payer pays, fails or lets it expire through the control plane
//! (`POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay`,
//! `…/fail`, `…/expire`; see [`moves`]), all sub-orders together; paying
//! sends one `TRANSACTION.SUCCESS` to the combined `notify_url`, whose
//! resource is what the query answers. An unpaid combined order whose
//! `time_expire` has passed is closed when next looked at.

use http::Method;
use serde_json::{Map, Value, json};

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{
    CombinedOrder, CombinedSubOrder, Order, TradeState, compact_date, compact_time,
};
use crate::time::{format_china, parse_rfc3339};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, is_trade_no, path_str};

pub(crate) mod moves;

pub(crate) use moves::CONTROL_ROUTES;

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/jsapi",
        rules: &[PLACE, PAYER],
        handler: |s, r, i| place(s, r, i, Kind::JSAPI),
    },
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/miniprogram",
        rules: &[PLACE, PAYER],
        handler: |s, r, i| place(s, r, i, Kind::MINIPROGRAM),
    },
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/app",
        rules: &[PLACE],
        handler: |s, r, i| place(s, r, i, Kind::APP),
    },
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/native",
        rules: &[PLACE],
        handler: |s, r, i| place(s, r, i, Kind::NATIVE),
    },
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/h5",
        rules: &[PLACE],
        handler: |s, r, i| place(s, r, i, Kind::H5),
    },
    Operation {
        method: Method::GET,
        path: "/v3/combine-transactions/out-trade-no/{combine_out_trade_no}",
        rules: &[],
        handler: |s, r, _| by_out_trade_no(s, r),
    },
    Operation {
        method: Method::GET,
        path: "/v3/combine-transactions/id/{combine_transaction_id}",
        rules: &[],
        handler: |s, r, _| by_combine_transaction_id(s, r),
    },
    Operation {
        method: Method::POST,
        path: "/v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close",
        rules: &[CLOSE],
        handler: close,
    },
];

/// What every combined order is checked for beyond the spec.
const PLACE: &[Rule] = &[
    Rule::body("combine_appid", &[MaxChars(32)]),
    Rule::body("combine_mchid", &[Signer]),
    Rule::body(
        "combine_out_trade_no",
        &[Format(
            is_trade_no,
            "must be 6-32 characters of letters, digits, _ - | *",
        )],
    ),
    Rule::body("sub_orders", &[Objects, Whole(two_to_fifty)]),
    Rule::body("sub_orders[].mchid", &[Signer]),
    Rule::body("sub_orders[].sub_mchid", &[MaxChars(32)]),
    Rule::body("sub_orders[].sub_appid", &[MaxChars(32)]),
    Rule::body(
        "sub_orders[].out_trade_no",
        &[
            Format(
                is_trade_no,
                "must be 6-32 characters of letters, digits, _ - | *",
            ),
            Unique,
        ],
    ),
    Rule::body("sub_orders[].description", &[MaxChars(127)]),
    Rule::body("sub_orders[].attach", &[MaxBytes(128)]),
    Rule::body("sub_orders[].amount.total_amount", &[Positive]),
    Rule::body(
        "sub_orders[].amount.currency",
        &[OneOf(&["CNY"], "only CNY is accepted")],
    ),
    Rule::body("sub_orders[].goods_tag", &[Type("string")]),
    Rule::body("sub_orders[].individual_auth_id", &[Type("string")]),
    Rule::body("sub_orders[].individual_name", &[Type("string")]),
    Rule::body("sub_orders[].settle_info", &[Type("object")]),
    Rule::body(
        "sub_orders[].settle_info.profit_sharing",
        &[Type("boolean")],
    ),
    Rule::body(
        "sub_orders[].settle_info.subsidy_amount",
        &[Type("integer")],
    ),
    Rule::body("combine_payer_info", &[Type("object")]),
    Rule::body("combine_payer_info.openid", &[MaxChars(128)]),
    Rule::body("combine_payer_info.sub_openid", &[MaxChars(128)]),
    Rule::body("scene_info", &[Type("object")]),
    Rule::body("scene_info.device_id", &[Type("string")]),
    Rule::body(
        "time_start",
        &[Format(
            is_time,
            "must be an RFC 3339 time such as 2018-06-08T10:34:56+08:00",
        )],
    ),
    Rule::body(
        "time_expire",
        &[Format(
            is_time,
            "must be an RFC 3339 time such as 2018-06-08T10:34:56+08:00",
        )],
    ),
    Rule::body("notify_url", &[NotifyUrl]),
];

/// The payer of a JSAPI or mini-program combined order.
const PAYER: &[Rule] = &[Rule::body(
    "combine_payer_info.openid",
    &[Required("string")],
)];

/// What closing is checked for beyond the spec.
const CLOSE: &[Rule] = &[
    Rule::body("sub_orders", &[Items(50, "sub-orders"), Objects]),
    Rule::body("sub_orders[].mchid", &[Signer]),
    Rule::body("sub_orders[].sub_mchid", &[MaxChars(32)]),
];

fn is_time(text: &str) -> bool {
    parse_rfc3339(text).is_some()
}

/// `sub_orders` holds 2 to 50 sub-orders.
fn two_to_fifty(body: &Map<String, Value>) -> Checked<()> {
    let n = body.items("sub_orders").len();
    if (2..=50).contains(&n) {
        Ok(())
    } else {
        Err(Reply::param_error(
            "sub_orders",
            &json!(n),
            "must hold 2-50 sub-orders",
        ))
    }
}

/// Which placing route.
#[derive(Clone, Copy)]
struct Kind {
    name: &'static str,
    trade_type: &'static str,
}

impl Kind {
    const JSAPI: Kind = Kind {
        name: "jsapi",
        trade_type: "JSAPI",
    };
    const MINIPROGRAM: Kind = Kind {
        name: "miniprogram",
        trade_type: "JSAPI",
    };
    const APP: Kind = Kind {
        name: "app",
        trade_type: "APP",
    };
    const NATIVE: Kind = Kind {
        name: "native",
        trade_type: "NATIVE",
    };
    const H5: Kind = Kind {
        name: "h5",
        trade_type: "MWEB",
    };

    /// The answer to placing: `prepay_id`, `code_url` or `h5_url`.
    fn answer(self, prepay_id: &str, seq: u64) -> Value {
        match self.name {
            "native" => json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr=sbx{seq:08}") }),
            "h5" => json!({
                "h5_url": format!(
                    "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={seq}"
                )
            }),
            _ => json!({ "prepay_id": prepay_id }),
        }
    }
}

/// The sub-orders a placing request names.
fn sub_orders(body: &Map<String, Value>) -> Vec<CombinedSubOrder> {
    body.items("sub_orders")
        .iter()
        .filter_map(Value::as_object)
        .map(|item| CombinedSubOrder {
            mchid: item.str("mchid").to_owned(),
            sub_mchid: item.opt_str("sub_mchid").map(str::to_owned),
            out_trade_no: item.str("out_trade_no").to_owned(),
            individual_auth_id: item.opt_str("individual_auth_id").map(str::to_owned),
            individual_name: item.opt_str("individual_name").map(str::to_owned),
        })
        .collect()
}

/// Places a combined order, idempotently: the same `combine_out_trade_no`
/// with the same body on the same route answers the same.
fn place(shared: &Shared, req: &SandboxRequest, input: &Input<'_>, kind: Kind) -> Checked<Reply> {
    let body = &input.body;
    let request = Value::Object(body.clone());
    let key = (
        req.mchid.clone(),
        body.str("combine_out_trade_no").to_owned(),
    );
    let mut state = shared.state();
    if let Some(existing) = state.combined_orders.get(&key) {
        return if existing.request == request && existing.kind == kind.name {
            Ok(Reply::ok(&existing.answer))
        } else {
            Err(ErrorCode::InvalidRequest
                .reply("combine_out_trade_no was already used with different parameters"))
        };
    }
    let now = shared.unix_now();
    let time_expire = body.opt_str("time_expire").and_then(parse_rfc3339);
    if time_expire.is_some_and(|t| t <= now) {
        return Err(Reply::param_error(
            "time_expire",
            &json!(body.str("time_expire")),
            "must be in the future",
        ));
    }
    let subs = sub_orders(body);
    for (i, sub) in subs.iter().enumerate() {
        if state.orders.contains_key(&sub.order_key()) {
            return Err(Reply::param_error(
                &format!("sub_orders[{i}].out_trade_no"),
                &json!(sub.out_trade_no),
                "is already used by another order of this merchant",
            ));
        }
    }
    let seq = state.next_seq();
    let prepay_id = format!("wx{}{:020x}", compact_time(now), seq);
    let combined = CombinedOrder {
        combine_mchid: key.0.clone(),
        combine_appid: body.str("combine_appid").to_owned(),
        combine_out_trade_no: key.1.clone(),
        combine_transaction_id: format!("42000001{}{seq:012}", compact_date(now)),
        trade_type: kind.trade_type.to_owned(),
        kind: kind.name,
        notify_url: body.opt_str("notify_url").map(str::to_owned),
        payer_openid: body.opt_str("combine_payer_info.openid").map(str::to_owned),
        device_id: body.opt_str("scene_info.device_id").map(str::to_owned),
        time_expire,
        sub_orders: subs,
        created_at: now,
        answer: kind.answer(&prepay_id, seq),
        request,
    };
    let items = body.items("sub_orders").iter().filter_map(Value::as_object);
    for (sub, item) in combined.sub_orders.iter().zip(items) {
        let order = sub_order(&combined, body, sub, item, &prepay_id);
        state.orders.insert(sub.order_key(), order);
    }
    let answer = combined.answer.clone();
    state.combined_orders.insert(key, combined);
    Ok(Reply::ok(&answer))
}

/// The [`Order`] a sub-order becomes.
fn sub_order(
    c: &CombinedOrder,
    body: &Map<String, Value>,
    sub: &CombinedSubOrder,
    item: &Map<String, Value>,
    prepay_id: &str,
) -> Order {
    let (owner, out_trade_no) = sub.order_key();
    Order {
        mchid: owner,
        sp_mchid: sub.sub_mchid.as_ref().map(|_| sub.mchid.clone()),
        out_trade_no,
        appid: c.combine_appid.clone(),
        sub_appid: item.opt_str("sub_appid").map(str::to_owned),
        trade_type: c.trade_type.clone(),
        trade_state: TradeState::Notpay,
        description: item.str("description").to_owned(),
        attach: item.opt_str("attach").map(str::to_owned),
        notify_url: c.notify_url.clone().unwrap_or_default(),
        total: item.int("amount.total_amount"),
        currency: item.opt_str("amount.currency").unwrap_or("CNY").to_owned(),
        payer_openid: c.payer_openid.clone(),
        payer_sub_openid: body
            .opt_str("combine_payer_info.sub_openid")
            .map(str::to_owned),
        device_id: c.device_id.clone(),
        prepay_id: prepay_id.to_owned(),
        transaction_id: None,
        created_at: c.created_at,
        success_time: None,
        payer_total: None,
        bank_type: None,
        refunded: 0,
        refunds: Vec::new(),
        contract_info: None,
        contract: None,
        request: Value::Object(item.clone()),
    }
}

fn order_not_exist() -> Reply {
    ErrorCode::OrderNotExist.reply("the combined order does not exist")
}

fn by_out_trade_no(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let no = path_str(req, "combine_out_trade_no")?;
    let key = (req.mchid.clone(), no.to_owned());
    let mut state = shared.state();
    moves::lapse(&mut state, &key, shared.unix_now());
    let answer = moves::view(&state, &key).ok_or_else(order_not_exist)?;
    Ok(Reply::ok(&answer))
}

fn by_combine_transaction_id(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let id = path_str(req, "combine_transaction_id")?;
    let mut state = shared.state();
    let key = state
        .combined_orders
        .values()
        .find(|c| {
            c.combine_mchid == req.mchid
                && c.combine_transaction_id == id
                && c.kind == Kind::MINIPROGRAM.name
        })
        .map(|c| (c.combine_mchid.clone(), c.combine_out_trade_no.clone()))
        .ok_or_else(order_not_exist)?;
    moves::lapse(&mut state, &key, shared.unix_now());
    let answer = moves::view(&state, &key).ok_or_else(order_not_exist)?;
    Ok(Reply::ok(&answer))
}

/// Closes an unpaid combined order, all sub-orders together; the body's
/// `combine_appid` must be the order's and its `sub_orders` must be among
/// the order's. Closing a closed one again answers 204 too; a paid one
/// answers `400 ORDER_PAID`.
fn close(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Reply> {
    let no = path_str(req, "combine_out_trade_no")?;
    let key = (req.mchid.clone(), no.to_owned());
    let body = &input.body;
    let mut state = shared.state();
    let combined = state
        .combined_orders
        .get(&key)
        .ok_or_else(order_not_exist)?;
    let appid = body.str("combine_appid");
    if appid != combined.combine_appid {
        return Err(Reply::param_error(
            "combine_appid",
            &json!(appid),
            "is not the combine_appid of the combined order",
        ));
    }
    let named = body.items("sub_orders").iter().filter_map(Value::as_object);
    for (i, item) in named.enumerate() {
        let owner = item.opt_str("sub_mchid").unwrap_or(item.str("mchid"));
        let wanted = (owner.to_owned(), item.str("out_trade_no").to_owned());
        if !combined.sub_orders.iter().any(|s| s.order_key() == wanted) {
            return Err(Reply::param_error(
                &format!("sub_orders[{i}].out_trade_no"),
                &json!(wanted.1),
                "is not a sub-order of this combined order",
            ));
        }
    }
    moves::lapse(&mut state, &key, shared.unix_now());
    moves::close(&mut state, &key)?;
    Ok(Reply::no_content())
}

/// What the combined queries answer, and the resource of the payment
/// notification: the combined order with its sub-orders (`orders`, in the
/// order of `c.sub_orders`) as they stand.
pub(crate) fn combined_json(c: &CombinedOrder, orders: &[Order]) -> Value {
    let mut v = Map::new();
    v.insert("combine_appid".into(), json!(c.combine_appid));
    v.insert("combine_mchid".into(), json!(c.combine_mchid));
    v.insert("combine_out_trade_no".into(), json!(c.combine_out_trade_no));
    v.insert(
        "combine_transaction_id".into(),
        json!(c.combine_transaction_id),
    );
    if let Some(device_id) = &c.device_id {
        v.insert("scene_info".into(), json!({ "device_id": device_id }));
    }
    let subs: Vec<Value> = c
        .sub_orders
        .iter()
        .zip(orders)
        .map(|(sub, order)| sub_order_json(sub, order))
        .collect();
    v.insert("sub_orders".into(), Value::Array(subs));
    if let Some(openid) = &c.payer_openid {
        v.insert("combine_payer_info".into(), json!({ "openid": openid }));
    }
    Value::Object(v)
}

/// One sub-order as the combined answers report it. Before payment
/// `amount.payer_amount` is 0 (the spec requires the field).
fn sub_order_json(sub: &CombinedSubOrder, o: &Order) -> Value {
    let mut v = Map::new();
    let mut put = |k: &str, value: Value| {
        v.insert(k.to_owned(), value);
    };
    put("mchid", json!(sub.mchid));
    let optional = [
        ("sub_mchid", &sub.sub_mchid),
        ("sub_appid", &o.sub_appid),
        ("individual_auth_id", &sub.individual_auth_id),
        ("individual_name", &sub.individual_name),
        ("attach", &o.attach),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            put(name, json!(value));
        }
    }
    put("out_trade_no", json!(o.out_trade_no));
    put("trade_type", json!(o.trade_type));
    put("trade_state", json!(o.trade_state.as_str()));
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
        if let Some(sub_openid) = &o.payer_sub_openid {
            put("sub_openid", json!(sub_openid));
        }
        put("promotion_detail", json!([]));
    }
    put(
        "amount",
        json!({
            "total_amount": o.total,
            "currency": o.currency,
            "payer_amount": o.payer_total.unwrap_or(0),
            "payer_currency": o.currency,
        }),
    );
    Value::Object(v)
}
