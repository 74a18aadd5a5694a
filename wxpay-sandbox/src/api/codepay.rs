//! Code payments (付款码): `POST /v3/pay/transactions/codepay` and
//! `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/reverse`, and
//! their `/v3/pay/partner/…` forms.
//!
//! The merchant scans the payer's payment code (`payer.auth_code`: 18
//! digits starting with 10–15) and the order is paid as it is placed; its
//! `trade_type` is `MICROPAY`. What happens next is chosen by the code's
//! last four digits, so that tests can drive every outcome:
//!
//! | `auth_code` ends in | answer | the order |
//! |---|---|---|
//! | [`AUTH_CODE_PENDING_SUFFIX`] (`0000`) | `202` `{"code":"USERPAYING",…}` plus the order | `USERPAYING` until the payer confirms ([`Sandbox::pay_order`](crate::Sandbox::pay_order)) or gives up ([`Sandbox::fail_order`](crate::Sandbox::fail_order)) |
//! | [`AUTH_CODE_DECLINED_SUFFIX`] (`9999`) | `403 NOT_ENOUGH` | `PAYERROR` |
//! | anything else | `200`, the paid order | `SUCCESS` |
//!
//! The `202` body carries the order's fields (`mchid`, `out_trade_no`,
//! `trade_state`, …) next to `code` and `message`, so a typed client reads
//! it as the code payment's answer with `trade_state` `USERPAYING`. The
//! same `out_trade_no` with the same body answers the order as it now
//! stands; with another body, `400 INVALID_REQUEST`.
//!
//! A code payment has no `notify_url`, so paying it sends no
//! notification; it is in the order queries and the trade bill like any
//! other. Reversing it (`…/reverse`) makes it `REVOKED` whatever it was
//! short of refunded: unpaid, it can no longer be paid; paid, the money
//! goes back (it is no longer refundable). Reversing an order with refunds
//! answers `400 INVALID_REQUEST`, reversing another kind of order too.

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::Operation;
use super::orders::transaction_json;
use super::pay::{DIRECT, PARTNER, check_order};
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{Order, TradeState, compact_time};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, is_trade_no, path_str};

/// An `auth_code` ending in these digits leaves the payment waiting for
/// the payer (`USERPAYING`).
pub const AUTH_CODE_PENDING_SUFFIX: &str = "0000";

/// An `auth_code` ending in these digits is declined (`403 NOT_ENOUGH`,
/// the order `PAYERROR`).
pub const AUTH_CODE_DECLINED_SUFFIX: &str = "9999";

/// The `trade_type` of code payments.
const MICROPAY: &str = "MICROPAY";

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/codepay",
        rules: &[CODEPAY, DIRECT],
        handler: |s, r, i| place(s, r, i, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/codepay",
        rules: &[CODEPAY, PARTNER],
        handler: |s, r, i| place(s, r, i, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/out-trade-no/{out_trade_no}/reverse",
        rules: &[&[Rule::body("mchid", &[Signer])]],
        handler: |s, r, i| reverse(s, r, &i.body, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/reverse",
        rules: &[&[
            Rule::body("sp_mchid", &[Signer]),
            Rule::body("sp_appid", &[Type("string")]),
            Rule::body("sub_appid", &[Type("string")]),
        ]],
        handler: |s, r, i| reverse(s, r, &i.body, true),
    },
];

/// What a code payment is checked for beyond the spec.
const CODEPAY: &[Rule] = &[
    Rule::body("description", &[MaxChars(127)]),
    Rule::body(
        "out_trade_no",
        &[Format(
            is_trade_no,
            "must be 6-32 characters of letters, digits, _ - | *",
        )],
    ),
    Rule::body("attach", &[MaxBytes(128)]),
    Rule::body("goods_tag", &[Type("string")]),
    Rule::body("support_fapiao", &[Type("boolean")]),
    Rule::body(
        "payer.auth_code",
        &[Format(
            is_auth_code,
            "must be the 18 digits of a payment code, starting with 10 to 15",
        )],
    ),
    Rule::body("amount.total", &[Positive]),
    Rule::body(
        "amount.currency",
        &[OneOf(&["CNY"], "only CNY is accepted")],
    ),
    Rule::body("scene_info.device_id", &[Type("string")]),
    Rule::body("scene_info.device_ip", &[Type("string")]),
    Rule::body("scene_info.store_info.id", &[Type("string")]),
    Rule::body("scene_info.store_info.out_id", &[Type("string")]),
    Rule::body("detail.cost_price", &[Type("integer")]),
    Rule::body("detail.invoice_id", &[Type("string")]),
    Rule::body("detail.goods_detail", &[Objects]),
    Rule::body(
        "detail.goods_detail[].merchant_goods_id",
        &[Required("string")],
    ),
    Rule::body(
        "detail.goods_detail[].quantity",
        &[Required("integer"), Positive],
    ),
    Rule::body("detail.goods_detail[].unit_price", &[Required("integer")]),
    Rule::body("settle_info.profit_sharing", &[Type("boolean")]),
];

/// A WeChat payment code: 18 digits, starting with 10 to 15.
pub(crate) fn is_auth_code(code: &str) -> bool {
    code.len() == 18
        && code.bytes().all(|b| b.is_ascii_digit())
        && matches!(code.as_bytes().get(..2), Some([b'1', b'0'..=b'5']))
}

/// The state a new code payment starts in, by `auth_code`'s last digits:
/// waiting for the payer, declined, or `NOTPAY` (paid at once).
pub(crate) fn placed_state(auth_code: &str) -> TradeState {
    if auth_code.ends_with(AUTH_CODE_PENDING_SUFFIX) {
        TradeState::Userpaying
    } else if auth_code.ends_with(AUTH_CODE_DECLINED_SUFFIX) {
        TradeState::Payerror
    } else {
        TradeState::Notpay
    }
}

/// Places and pays (or not) a code payment, idempotently.
fn place(
    shared: &Shared,
    req: &SandboxRequest,
    input: &Input<'_>,
    partner: bool,
) -> Checked<Reply> {
    let body = &input.body;
    check_order(shared, req, body, partner, false)?;
    let owner = body.str(if partner { "sub_mchid" } else { "mchid" });
    let out_trade_no = body.str("out_trade_no");
    let request = Value::Object(body.clone());
    let key = (owner.to_owned(), out_trade_no.to_owned());
    let now = shared.unix_now();
    let mut state = shared.state();
    if let Some(existing) = state.orders.get(&key) {
        return if existing.request == request && existing.trade_type == MICROPAY {
            answer(existing)
        } else {
            Err(ErrorCode::InvalidRequest
                .reply("out_trade_no was already used with different parameters"))
        };
    }
    let auth_code = body.str("payer.auth_code");
    let seq = state.next_seq();
    let appid = body.opt_str(if partner { "sp_appid" } else { "appid" });
    let order = Order {
        mchid: owner.to_owned(),
        sp_mchid: partner.then(|| req.mchid.clone()),
        out_trade_no: out_trade_no.to_owned(),
        appid: appid.unwrap_or_default().to_owned(),
        sub_appid: body
            .opt_str("sub_appid")
            .filter(|_| partner)
            .map(str::to_owned),
        trade_type: MICROPAY.to_owned(),
        trade_state: placed_state(auth_code),
        description: body.str("description").to_owned(),
        attach: body.opt_str("attach").map(str::to_owned),
        notify_url: String::new(),
        total: body.int("amount.total"),
        currency: body.opt_str("amount.currency").unwrap_or("CNY").to_owned(),
        payer_openid: None,
        payer_sub_openid: None,
        device_id: body.opt_str("scene_info.device_id").map(str::to_owned),
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
        request,
    };
    let pays_now = order.trade_state == TradeState::Notpay;
    state.orders.insert(key, order);
    let order = if pays_now {
        state
            .pay_order(owner, out_trade_no, now)
            .map_err(|e| ErrorCode::SystemError.reply(e.to_string()))?
    } else {
        state
            .order(owner, out_trade_no)
            .cloned()
            .ok_or_else(|| ErrorCode::SystemError.reply("the order vanished"))?
    };
    answer(&order)
}

/// What placing a code payment answers for the order as it stands.
fn answer(order: &Order) -> Checked<Reply> {
    match order.trade_state {
        TradeState::Success | TradeState::Refund => Ok(Reply::ok(&transaction_json(order))),
        TradeState::Userpaying | TradeState::Notpay => {
            let mut body = transaction_json(order);
            if let Some(map) = body.as_object_mut() {
                map.insert("code".into(), json!("USERPAYING"));
                map.insert(
                    "message".into(),
                    json!("the payer is confirming the payment; query the order in a few seconds"),
                );
            }
            Ok(Reply::json(StatusCode::ACCEPTED, &body))
        }
        TradeState::Payerror => Err(ErrorCode::NotEnough.reply(
            "the payer's balance does not cover the payment; ask for another payment method",
        )),
        TradeState::Closed | TradeState::Revoked => {
            Err(ErrorCode::InvalidRequest
                .reply(format!("the order is {}", order.trade_state.as_str())))
        }
    }
}

/// Reverses a code payment: it becomes `REVOKED`.
fn reverse(
    shared: &Shared,
    req: &SandboxRequest,
    body: &Map<String, Value>,
    partner: bool,
) -> Checked<Reply> {
    let out_trade_no = path_str(req, "out_trade_no")?;
    let owner = body.str(if partner { "sub_mchid" } else { "mchid" });
    let sp = partner.then_some(req.mchid.as_str());
    let now = shared.unix_now();
    let mut state = shared.state();
    let not_found = || ErrorCode::OrderNotExist.reply("the order does not exist");
    let order = state
        .current_order(owner, out_trade_no, now)
        .map_err(|_| not_found())?;
    if order.sp_mchid.as_deref() != sp {
        return Err(not_found());
    }
    let appid_field = if partner { "sp_appid" } else { "appid" };
    if let Some(appid) = body.opt_str(appid_field).filter(|a| *a != order.appid) {
        return Err(Reply::param_error(
            appid_field,
            &json!(appid),
            "is not the appid the order was placed with",
        ));
    }
    if order.trade_type != MICROPAY {
        return Err(ErrorCode::InvalidRequest.reply(format!(
            "only code payments can be reversed; this is a {} order",
            order.trade_type
        )));
    }
    if order.trade_state == TradeState::Refund {
        return Err(ErrorCode::InvalidRequest.reply("the order has refunds and cannot be reversed"));
    }
    order.trade_state = TradeState::Revoked;
    let mut answer = Map::new();
    for field in [
        "appid",
        "mchid",
        "sp_appid",
        "sp_mchid",
        "sub_appid",
        "sub_mchid",
    ] {
        if let Some(value) = body.opt_str(field) {
            answer.insert(field.into(), json!(value));
        }
    }
    answer.insert("out_trade_no".into(), json!(out_trade_no));
    Ok(Reply::ok(&Value::Object(answer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_codes() {
        assert!(is_auth_code("130061098828009406"));
        assert!(is_auth_code("100000000000000000"));
        assert!(!is_auth_code("160061098828009406"));
        assert!(!is_auth_code("13006109882800940"));
        assert!(!is_auth_code("13006109882800940x"));
        assert!(!is_auth_code("1"));
    }
}
