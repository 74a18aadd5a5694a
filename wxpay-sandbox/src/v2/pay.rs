//! Orders over APIv2: `/pay/micropay`, `/pay/unifiedorder`,
//! `/pay/orderquery`, `/pay/closeorder`, `/secapi/pay/reverse`. Orders are
//! the sandbox's ordinary [`Order`] records.

use serde_json::Value;
use wxpay_core::v2::{SignType, V2Key, sign, xml};

use super::{Operation, V2NotifyTo, V2Reply, V2Request, V2Result, fields_json, notification_head};
use crate::api::codepay::{is_auth_code, placed_state};
use crate::api::pay::{code_url, h5_url};
use crate::server::Shared;
use crate::state::{Order, State, TradeState, compact_time};

pub(crate) const MICROPAY: Operation = Operation {
    path: "/pay/micropay",
    mutual_tls: false,
    signed_answer: true,
    hmac: true,
    handler: micropay,
};

pub(crate) const UNIFIEDORDER: Operation = Operation {
    path: "/pay/unifiedorder",
    mutual_tls: false,
    signed_answer: true,
    hmac: true,
    handler: unifiedorder,
};

pub(crate) const ORDERQUERY: Operation = Operation {
    path: "/pay/orderquery",
    mutual_tls: false,
    signed_answer: true,
    hmac: true,
    handler: orderquery,
};

pub(crate) const CLOSEORDER: Operation = Operation {
    path: "/pay/closeorder",
    mutual_tls: false,
    signed_answer: true,
    hmac: true,
    handler: closeorder,
};

pub(crate) const REVERSE: Operation = Operation {
    path: "/secapi/pay/reverse",
    mutual_tls: true,
    signed_answer: true,
    hmac: true,
    handler: reverse,
};

const MICROPAY_TYPE: &str = "MICROPAY";

/// A new unpaid order from a v2 request.
fn new_order(
    state: &mut State,
    req: &V2Request,
    trade_type: &str,
    now: i64,
) -> Result<Order, V2Reply> {
    let total = req.fen("total_fee")?;
    let fee_type = req.get("fee_type").unwrap_or("CNY");
    if fee_type != "CNY" {
        return Err(V2Reply::error("PARAM_ERROR", "fee_type must be CNY"));
    }
    let seq = state.next_seq();
    Ok(Order {
        mchid: req.mchid.clone(),
        sp_mchid: None,
        out_trade_no: req.str("out_trade_no").to_owned(),
        appid: req.str("appid").to_owned(),
        sub_appid: None,
        trade_type: trade_type.to_owned(),
        trade_state: TradeState::Notpay,
        description: req.str("body").to_owned(),
        attach: req.get("attach").map(str::to_owned),
        notify_url: String::new(),
        total,
        currency: fee_type.to_owned(),
        payer_openid: req.get("openid").map(str::to_owned),
        payer_sub_openid: None,
        device_id: req.get("device_info").map(str::to_owned),
        prepay_id: format!("wx{}{seq:020x}", compact_time(now)),
        transaction_id: None,
        created_at: now,
        success_time: None,
        payer_total: None,
        bank_type: None,
        refunded: 0,
        refunds: Vec::new(),
        contract_info: None,
        contract: None,
        request: req.identity(),
    })
}

/// What a paid order reports (micropay, orderquery).
fn paid_fields(order: &Order) -> Vec<(String, String)> {
    let mut f = vec![
        ("openid", order.payer_openid.clone().unwrap_or_default()),
        ("is_subscribe", "N".to_owned()),
        ("trade_type", order.trade_type.clone()),
        ("bank_type", order.bank_type.clone().unwrap_or_default()),
        ("fee_type", order.currency.clone()),
        ("total_fee", order.total.to_string()),
        ("cash_fee_type", order.currency.clone()),
        (
            "cash_fee",
            order.payer_total.unwrap_or(order.total).to_string(),
        ),
        (
            "transaction_id",
            order.transaction_id.clone().unwrap_or_default(),
        ),
        ("out_trade_no", order.out_trade_no.clone()),
        ("attach", order.attach.clone().unwrap_or_default()),
        (
            "time_end",
            order.success_time.map(compact_time).unwrap_or_default(),
        ),
    ];
    if let Some(device) = &order.device_id {
        f.push(("device_info", device.clone()));
    }
    f.into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// The payment result notification of a paid unified order: the XML body
/// (`return_code`, the order's `appid` and `mch_id`, a fresh `nonce_str`,
/// `result_code` `SUCCESS`, what an order query reports, `sign_type` when
/// not MD5, then `sign` under the merchant's key), and its fields as a
/// JSON object for the record.
pub(crate) fn payment_notification(order: &Order, to: &V2NotifyTo, key: &V2Key) -> (String, Value) {
    let mut fields = notification_head(&order.appid, &order.mchid);
    fields.push(("result_code".to_owned(), "SUCCESS".to_owned()));
    fields.extend(paid_fields(order));
    if to.sign_type != SignType::Md5 {
        fields.push(("sign_type".to_owned(), to.sign_type.as_str().to_owned()));
    }
    let signature = sign::sign(&fields, key, to.sign_type);
    fields.push(("sign".to_owned(), signature));
    (xml::write(&fields), fields_json(&fields))
}

/// What placing a code payment answers for the order as it stands.
fn micropay_answer(order: &Order) -> V2Result {
    match order.trade_state {
        TradeState::Success | TradeState::Refund => Ok(V2Reply::ok(paid_fields(order))),
        TradeState::Userpaying | TradeState::Notpay => Err(V2Reply::error(
            "USERPAYING",
            "the payer is confirming the payment; query the order",
        )),
        TradeState::Payerror => Err(V2Reply::error(
            "NOTENOUGH",
            "the payer's balance does not cover the payment",
        )),
        TradeState::Closed | TradeState::Revoked => Err(V2Reply::error(
            "ORDERREVERSED",
            format!("the order is {}", order.trade_state.as_str()),
        )),
    }
}

/// `/pay/micropay`: places and pays (or not) a code payment, idempotently.
fn micropay(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&[
        "appid",
        "body",
        "out_trade_no",
        "total_fee",
        "spbill_create_ip",
        "auth_code",
    ])?;
    let auth_code = req.str("auth_code");
    if !is_auth_code(auth_code) {
        return Err(V2Reply::error(
            "AUTH_CODE_INVALID",
            "auth_code must be the 18 digits of a payment code, starting with 10 to 15",
        ));
    }
    let now = shared.unix_now();
    let mut state = shared.state();
    if let Some(existing) = state.order(&req.mchid, req.str("out_trade_no")) {
        return if existing.request == req.identity() && existing.trade_type == MICROPAY_TYPE {
            micropay_answer(existing)
        } else {
            Err(V2Reply::error(
                "OUT_TRADE_NO_USED",
                "out_trade_no was already used with different parameters",
            ))
        };
    }
    let mut order = new_order(&mut state, req, MICROPAY_TYPE, now)?;
    order.trade_state = placed_state(auth_code);
    let pays_now = order.trade_state == TradeState::Notpay;
    let key = (order.mchid.clone(), order.out_trade_no.clone());
    state.orders.insert(key.clone(), order);
    let order = if pays_now {
        state
            .pay_order(&key.0, &key.1, now)
            .map_err(|e| V2Reply::error("SYSTEMERROR", e.to_string()))?
    } else {
        state
            .order(&key.0, &key.1)
            .cloned()
            .ok_or_else(|| V2Reply::error("SYSTEMERROR", "the order vanished"))?
    };
    micropay_answer(&order)
}

/// `/pay/unifiedorder`: places a JSAPI, NATIVE, APP or MWEB order.
fn unifiedorder(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&[
        "appid",
        "body",
        "out_trade_no",
        "total_fee",
        "spbill_create_ip",
        "notify_url",
        "trade_type",
    ])?;
    let trade_type = req.str("trade_type");
    match trade_type {
        "JSAPI" => req.require(&["openid"])?,
        "NATIVE" => req.require(&["product_id"])?,
        "APP" | "MWEB" => {}
        other => {
            return Err(V2Reply::error(
                "PARAM_ERROR",
                format!("trade_type {other} is not JSAPI, NATIVE, APP or MWEB"),
            ));
        }
    }
    let now = shared.unix_now();
    let mut state = shared.state();
    let order = match state.order(&req.mchid, req.str("out_trade_no")) {
        Some(existing) if existing.request == req.identity() => existing.clone(),
        Some(existing) if existing.trade_state.is_paid() => {
            return Err(V2Reply::error("ORDERPAID", "the order is already paid"));
        }
        Some(_) => {
            return Err(V2Reply::error(
                "OUT_TRADE_NO_USED",
                "out_trade_no was already used with different parameters",
            ));
        }
        None => {
            let order = new_order(&mut state, req, trade_type, now)?;
            let key = (order.mchid.clone(), order.out_trade_no.clone());
            let to = V2NotifyTo {
                url: req.str("notify_url").to_owned(),
                sign_type: req.sign_type,
            };
            state.v2.notify_urls.insert(key.clone(), to);
            state.orders.insert(key, order.clone());
            order
        }
    };
    let mut fields = vec![
        ("trade_type".to_owned(), order.trade_type.clone()),
        ("prepay_id".to_owned(), order.prepay_id.clone()),
    ];
    match trade_type {
        "NATIVE" => fields.push(("code_url".to_owned(), code_url(&order.prepay_id))),
        "MWEB" => fields.push(("mweb_url".to_owned(), h5_url(&order.prepay_id))),
        _ => {}
    }
    if let Some(device) = req.get("device_info") {
        fields.push(("device_info".to_owned(), device.to_owned()));
    }
    Ok(V2Reply::ok(fields))
}

/// The merchant's order a request names by `transaction_id` or `out_trade_no`.
fn find_order(state: &mut State, req: &V2Request, now: i64) -> Result<(String, String), V2Reply> {
    let not_found = || V2Reply::error("ORDERNOTEXIST", "the order does not exist");
    let key = match (req.get("transaction_id"), req.get("out_trade_no")) {
        (Some(id), _) => state
            .orders
            .values()
            .find(|o| o.mchid == req.mchid && o.transaction_id.as_deref() == Some(id))
            .map(|o| (o.mchid.clone(), o.out_trade_no.clone()))
            .ok_or_else(not_found)?,
        (None, Some(no)) => (req.mchid.clone(), no.to_owned()),
        (None, None) => {
            return Err(V2Reply::error(
                "PARAM_ERROR",
                "transaction_id or out_trade_no is required",
            ));
        }
    };
    state
        .current_order(&key.0, &key.1, now)
        .map_err(|_| not_found())?;
    Ok(key)
}

/// `/pay/orderquery`.
fn orderquery(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid"])?;
    let now = shared.unix_now();
    let mut state = shared.state();
    let key = find_order(&mut state, req, now)?;
    let userpaying = state
        .order(&key.0, &key.1)
        .is_some_and(|o| o.trade_state == TradeState::Userpaying);
    if userpaying && state.v2.reported_userpaying.contains(&key) {
        // The payer confirmed after the first query that saw it waiting.
        state.v2.reported_userpaying.remove(&key);
        state
            .pay_order(&key.0, &key.1, now)
            .map_err(|e| V2Reply::error("SYSTEMERROR", e.to_string()))?;
    } else if userpaying {
        state.v2.reported_userpaying.insert(key.clone());
    }
    let order = state
        .order(&key.0, &key.1)
        .ok_or_else(|| V2Reply::error("ORDERNOTEXIST", "the order does not exist"))?;
    let mut fields = vec![
        (
            "trade_state".to_owned(),
            order.trade_state.as_str().to_owned(),
        ),
        (
            "trade_state_desc".to_owned(),
            order.trade_state.description().to_owned(),
        ),
        ("out_trade_no".to_owned(), order.out_trade_no.clone()),
    ];
    if order.trade_state.is_paid() {
        fields.extend(
            paid_fields(order)
                .into_iter()
                .filter(|(k, _)| k != "out_trade_no"),
        );
    } else {
        fields.push(("trade_type".to_owned(), order.trade_type.clone()));
        fields.push(("total_fee".to_owned(), order.total.to_string()));
    }
    Ok(V2Reply::ok(fields))
}

/// `/pay/closeorder`: an unpaid order becomes `CLOSED`.
fn closeorder(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid", "out_trade_no"])?;
    let now = shared.unix_now();
    let mut state = shared.state();
    let order = state
        .current_order(&req.mchid, req.str("out_trade_no"), now)
        .map_err(|_| V2Reply::error("ORDERNOTEXIST", "the order does not exist"))?;
    match order.trade_state {
        TradeState::Notpay | TradeState::Closed | TradeState::Payerror => {
            order.trade_state = TradeState::Closed;
            Ok(V2Reply::ok(Vec::<(String, String)>::new()))
        }
        TradeState::Success | TradeState::Refund => Err(V2Reply::error(
            "ORDERPAID",
            "the order is paid and cannot be closed",
        )),
        TradeState::Userpaying => Err(V2Reply::error(
            "USERPAYING",
            "the payer is confirming the payment; reverse a code payment instead",
        )),
        TradeState::Revoked => Err(V2Reply::error("ORDERREVERSED", "the order was reversed")),
    }
}

/// `/secapi/pay/reverse`: a code payment becomes `REVOKED`.
fn reverse(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid"])?;
    let now = shared.unix_now();
    let mut state = shared.state();
    let key = find_order(&mut state, req, now)?;
    let order = state
        .orders
        .get_mut(&key)
        .ok_or_else(|| V2Reply::error("ORDERNOTEXIST", "the order does not exist"))?;
    if order.trade_type != MICROPAY_TYPE {
        return Err(V2Reply::error(
            "TRADE_ERROR",
            format!(
                "only code payments can be reversed; this is a {} order",
                order.trade_type
            ),
        )
        .with([("recall", "N")]));
    }
    if order.trade_state == TradeState::Refund {
        return Err(V2Reply::error(
            "REVERSE_EXPIRE",
            "the order has refunds and cannot be reversed",
        )
        .with([("recall", "N")]));
    }
    order.trade_state = TradeState::Revoked;
    state.v2.reported_userpaying.remove(&key);
    Ok(V2Reply::ok([("recall", "N")]))
}
