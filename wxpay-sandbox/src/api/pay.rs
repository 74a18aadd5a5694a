//! `/v3/pay/transactions/…`: placing orders.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::reply::Reply;
use crate::router::{Router, SandboxRequest};
use crate::server::{Shared, add};
use crate::state::{Order, TradeState};
use crate::time::{format_china, now_unix, parse_rfc3339};
use crate::validate::{Checked, Fields, is_notify_url, is_trade_no, no_four_byte_chars};

pub(crate) fn register(router: &mut Router) {
    add(
        router,
        Method::POST,
        "/v3/pay/transactions/jsapi-with-contract",
        jsapi_with_contract,
    );
}

fn jsapi_with_contract(shared: &Shared, req: &SandboxRequest) -> Reply {
    place_order(shared, req, "JSAPI").unwrap_or_else(|reply| reply)
}

/// The checks common to order placement, then the idempotent insert.
fn place_order(shared: &Shared, req: &SandboxRequest, trade_type: &str) -> Checked<Reply> {
    let map = req.json()?;
    let body = Value::Object(map.clone());
    no_four_byte_chars(&body, "")?;
    let f = Fields::root(&map);

    let appid = f.req_str("appid")?;
    f.check(
        "appid",
        appid,
        appid.len() <= 32,
        "must be at most 32 characters",
    )?;
    let mchid = f.req_str("mchid")?;
    f.check(
        "mchid",
        mchid,
        mchid == req.mchid,
        "must be the merchant that signed the request",
    )?;
    let description = f.req_str("description")?;
    f.check(
        "description",
        description,
        description.chars().count() <= 127,
        "must be at most 127 characters",
    )?;
    let out_trade_no = f.req_str("out_trade_no")?;
    f.check(
        "out_trade_no",
        out_trade_no,
        is_trade_no(out_trade_no),
        "must be 6-32 characters of letters, digits, _ - | *",
    )?;
    if let Some(t) = f.opt_str("time_expire")? {
        f.check(
            "time_expire",
            t,
            parse_rfc3339(t).is_some(),
            "must be an RFC 3339 time such as 2018-06-08T10:34:56+08:00",
        )?;
    }
    let attach = f.opt_str("attach")?;
    if let Some(a) = attach {
        f.check("attach", a, a.len() <= 128, "must be at most 128 bytes")?;
    }
    let notify_url = f.req_str("notify_url")?;
    f.check(
        "notify_url",
        notify_url,
        is_notify_url(notify_url),
        "must be an https URL without a query string",
    )?;
    f.opt_str("goods_tag")?;
    f.opt_bool("support_fapiao")?;

    let amount = f.req_obj("amount", "amount")?;
    let total = amount.req_int("total")?;
    if total <= 0 {
        return Err(Reply::param_error(
            "amount.total",
            &json!(total),
            "must be greater than 0",
        ));
    }
    let currency = amount.opt_str("currency")?.unwrap_or("CNY");
    amount.check(
        "currency",
        currency,
        currency == "CNY",
        "only CNY is accepted",
    )?;

    let payer = f.req_obj("payer", "payer")?;
    let openid = payer.req_str("openid")?;

    if let Some(detail) = f.opt_obj("detail", "detail")? {
        detail.opt_int("cost_price")?;
        detail.opt_str("invoice_id")?;
        for (i, item) in detail.req_array("goods_detail")?.iter().enumerate() {
            let prefix = format!("detail.goods_detail[{i}]");
            let Value::Object(item) = item else {
                return Err(Reply::param_error(&prefix, item, "must be an object"));
            };
            let g = Fields::nested(item, &prefix);
            g.req_str("merchant_goods_id")?;
            g.opt_str("wechatpay_goods_id")?;
            g.opt_str("goods_name")?;
            let qty = g.req_int("quantity")?;
            if qty <= 0 {
                return Err(Reply::param_error(
                    &g.name("quantity"),
                    &json!(qty),
                    "must be greater than 0",
                ));
            }
            g.req_int("unit_price")?;
        }
    }
    if let Some(scene) = f.opt_obj("scene_info", "scene_info")? {
        scene.req_str("payer_client_ip")?;
        scene.opt_str("device_id")?;
        scene.opt_obj("store_info", "scene_info.store_info")?;
    }
    if let Some(settle) = f.opt_obj("settle_info", "settle_info")? {
        settle.opt_bool("profit_sharing")?;
    }
    let contract = f.req_obj("contract_info", "contract_info")?;
    for key in [
        "token",
        "password_free_contract_id",
        "plan_id",
        "contract_mchid",
        "contract_appid",
        "contract_code",
        "request_serial",
        "contract_display_account",
        "contract_notify_url",
    ] {
        contract.opt_str(key)?;
    }
    if let Some(url) = contract.opt_str("contract_notify_url")? {
        contract.check(
            "contract_notify_url",
            url,
            url.starts_with("https://"),
            "must be an https URL",
        )?;
    }

    let mut state = shared.state();
    let key = (mchid.to_owned(), out_trade_no.to_owned());
    if let Some(existing) = state.orders.get(&key) {
        return if existing.request == body {
            Ok(Reply::ok(&json!({ "prepay_id": existing.prepay_id })))
        } else {
            Ok(Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "out_trade_no was already used with different parameters",
            ))
        };
    }
    let now = now_unix();
    let seq = state.next_seq();
    let prepay_id = format!("wx{}{:020x}", compact_time(now), seq);
    let order = Order {
        mchid: mchid.to_owned(),
        out_trade_no: out_trade_no.to_owned(),
        appid: appid.to_owned(),
        trade_type: trade_type.to_owned(),
        trade_state: TradeState::Notpay,
        description: description.to_owned(),
        attach: attach.map(str::to_owned),
        notify_url: notify_url.to_owned(),
        total,
        currency: currency.to_owned(),
        payer_openid: openid.to_owned(),
        prepay_id: prepay_id.clone(),
        transaction_id: None,
        created_at: now,
        success_time: None,
        contract_info: map.get("contract_info").cloned(),
        request: body,
    };
    state.orders.insert(key, order);
    Ok(Reply::ok(&json!({ "prepay_id": prepay_id })))
}

/// `YYYYMMDDHHMMSS` in Beijing time.
fn compact_time(unix: i64) -> String {
    format_china(unix)
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect()
}
