//! Placing orders: `POST /v3/pay/transactions/{jsapi,app}-with-contract`
//! and their `/v3/pay/partner/…` forms.
//!
//! A JSAPI order's `contract_info` must name a contract the sandbox knows:
//! a `token` (the `pre_entrustweb_id` of a mini-program pre-sign of the
//! signing merchant, pending or signed) or a `password_free_contract_id`
//! (a signed contract's id). Without either, it describes a contract to
//! sign while paying and needs `plan_id` and `contract_code`; the sandbox
//! records no contract for those. Paying an order placed with the token of
//! a pending contract signs that contract.

use http::Method;
use serde_json::{Value, json};

use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::server::Shared;
use crate::state::{ContractKey, ContractState, Order, State, TradeState};
use crate::time::{now_unix, parse_rfc3339};
use crate::validate::{Checked, Fields, is_trade_no, no_four_byte_chars};

pub(crate) fn register(router: &mut Router) {
    add(
        router,
        Method::POST,
        "/v3/pay/transactions/jsapi-with-contract",
        |s, r| place_order(s, r, Kind::JSAPI_DIRECT),
    );
    add(
        router,
        Method::POST,
        "/v3/pay/transactions/app-with-contract",
        |s, r| place_order(s, r, Kind::APP_DIRECT),
    );
    add(
        router,
        Method::POST,
        "/v3/pay/partner/transactions/jsapi-with-contract",
        |s, r| place_order(s, r, Kind::JSAPI_PARTNER),
    );
    add(
        router,
        Method::POST,
        "/v3/pay/partner/transactions/app-with-contract",
        |s, r| place_order(s, r, Kind::APP_PARTNER),
    );
}

/// Which of the four order-placing operations.
#[derive(Clone, Copy)]
struct Kind {
    trade_type: &'static str,
    partner: bool,
}

impl Kind {
    const JSAPI_DIRECT: Kind = Kind {
        trade_type: "JSAPI",
        partner: false,
    };
    const APP_DIRECT: Kind = Kind {
        trade_type: "APP",
        partner: false,
    };
    const JSAPI_PARTNER: Kind = Kind {
        trade_type: "JSAPI",
        partner: true,
    };
    const APP_PARTNER: Kind = Kind {
        trade_type: "APP",
        partner: true,
    };
}

/// Who the order is for, as the body names it.
struct Parties<'a> {
    /// The owner: `mchid`, or `sub_mchid` for a partner order.
    mchid: &'a str,
    sp_mchid: Option<&'a str>,
    appid: &'a str,
    sub_appid: Option<&'a str>,
}

fn parties<'a>(f: &Fields<'a>, req: &SandboxRequest, kind: Kind) -> Checked<Parties<'a>> {
    if kind.partner {
        let appid = f.req_str_max("sp_appid", 32)?;
        let sp_mchid = f.req_signer("sp_mchid", &req.mchid)?;
        let sub_appid = f.opt_str_max("sub_appid", 32)?;
        let sub_mchid = f.req_str_max("sub_mchid", 32)?;
        Ok(Parties {
            mchid: sub_mchid,
            sp_mchid: Some(sp_mchid),
            appid,
            sub_appid,
        })
    } else {
        let appid = f.req_str_max("appid", 32)?;
        let mchid = f.req_signer("mchid", &req.mchid)?;
        Ok(Parties {
            mchid,
            sp_mchid: None,
            appid,
            sub_appid: None,
        })
    }
}

/// The checks common to order placement, then the idempotent insert.
fn place_order(shared: &Shared, req: &SandboxRequest, kind: Kind) -> Checked<Reply> {
    let map = req.json()?;
    let body = Value::Object(map.clone());
    no_four_byte_chars(&body, "")?;
    let f = Fields::root(&map);

    let who = parties(&f, req, kind)?;
    let description = f.req_str_max("description", 127)?;
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
    let notify_url = f.req_notify_url("notify_url")?;
    f.opt_str("goods_tag")?;
    f.opt_bool("support_fapiao")?;

    let amount = f.req_obj("amount", "amount")?;
    let total = amount.req_positive_int("total")?;
    let currency = amount.opt_str("currency")?.unwrap_or("CNY");
    amount.check(
        "currency",
        currency,
        currency == "CNY",
        "only CNY is accepted",
    )?;

    let (openid, sub_openid) = if kind.trade_type == "JSAPI" {
        payer(&f, kind)?
    } else {
        (None, None)
    };
    check_detail_scene_settle(&f)?;
    let device_id = f
        .opt_obj("scene_info", "scene_info")?
        .map(|s| s.opt_str("device_id"))
        .transpose()?
        .flatten();

    let mut state = shared.state();
    let contract = if kind.trade_type == "JSAPI" {
        jsapi_contract(&f, &state, &req.mchid)?
    } else {
        app_contract(&f)?;
        None
    };

    let key = (who.mchid.to_owned(), out_trade_no.to_owned());
    if let Some(existing) = state.orders.get(&key) {
        return if existing.request == body {
            Ok(Reply::ok(&json!({ "prepay_id": existing.prepay_id })))
        } else {
            Ok(ErrorCode::InvalidRequest
                .reply("out_trade_no was already used with different parameters"))
        };
    }
    let now = now_unix();
    let seq = state.next_seq();
    let prepay_id = format!("wx{}{:020x}", crate::state::compact_time(now), seq);
    let order = Order {
        mchid: who.mchid.to_owned(),
        sp_mchid: who.sp_mchid.map(str::to_owned),
        out_trade_no: out_trade_no.to_owned(),
        appid: who.appid.to_owned(),
        sub_appid: who.sub_appid.map(str::to_owned),
        trade_type: kind.trade_type.to_owned(),
        trade_state: TradeState::Notpay,
        description: description.to_owned(),
        attach: attach.map(str::to_owned),
        notify_url: notify_url.to_owned(),
        total,
        currency: currency.to_owned(),
        payer_openid: openid,
        payer_sub_openid: sub_openid,
        device_id: device_id.map(str::to_owned),
        prepay_id: prepay_id.clone(),
        transaction_id: None,
        created_at: now,
        success_time: None,
        payer_total: None,
        bank_type: None,
        refunded: 0,
        refunds: Vec::new(),
        contract_info: map.get("contract_info").cloned(),
        contract,
        request: body,
    };
    state.orders.insert(key, order);
    Ok(Reply::ok(&json!({ "prepay_id": prepay_id })))
}

/// The payer of a JSAPI order: `openid` (direct) or `sp_openid` /
/// `sub_openid`, at least one (partner).
fn payer(f: &Fields<'_>, kind: Kind) -> Checked<(Option<String>, Option<String>)> {
    let payer = f.req_obj("payer", "payer")?;
    if !kind.partner {
        let openid = payer.req_str_max("openid", 128)?;
        return Ok((Some(openid.to_owned()), None));
    }
    let sp = payer.opt_str_max("sp_openid", 128)?;
    let sub = payer.opt_str_max("sub_openid", 128)?;
    if sp.is_none() && sub.is_none() {
        return Err(Reply::param_error(
            "payer",
            &json!({}),
            "needs sp_openid or sub_openid",
        ));
    }
    if sub.is_some() && f.opt_str("sub_appid")?.is_none() {
        return Err(Reply::param_error(
            "sub_appid",
            &Value::Null,
            "is required with payer.sub_openid",
        ));
    }
    Ok((sp.map(str::to_owned), sub.map(str::to_owned)))
}

fn check_detail_scene_settle(f: &Fields<'_>) -> Checked<()> {
    if let Some(detail) = f.opt_obj("detail", "detail")? {
        detail.opt_int("cost_price")?;
        detail.opt_str("invoice_id")?;
        detail.req_objects("goods_detail", |g| {
            g.req_str("merchant_goods_id")?;
            g.opt_str("wechatpay_goods_id")?;
            g.opt_str("goods_name")?;
            g.req_positive_int("quantity")?;
            g.req_int("unit_price")?;
            Ok(())
        })?;
    }
    if let Some(scene) = f.opt_obj("scene_info", "scene_info")? {
        scene.req_str("payer_client_ip")?;
        scene.opt_str("device_id")?;
        if let Some(store) = scene.opt_obj("store_info", "scene_info.store_info")? {
            for key in ["id", "name", "area_code", "address"] {
                store.opt_str(key)?;
            }
        }
    }
    if let Some(settle) = f.opt_obj("settle_info", "settle_info")? {
        settle.opt_bool("profit_sharing")?;
    }
    Ok(())
}

/// Resolves a JSAPI order's `contract_info` to a known contract, if it names one.
fn jsapi_contract(f: &Fields<'_>, state: &State, signer: &str) -> Checked<Option<ContractKey>> {
    let c = f.req_obj("contract_info", "contract_info")?;
    for key in [
        "plan_id",
        "contract_mchid",
        "contract_appid",
        "request_serial",
        "contract_display_account",
    ] {
        c.opt_str(key)?;
    }
    c.opt_notify_url("contract_notify_url")?;
    if let Some(token) = c.opt_str("token")? {
        let found = state.contract_by_pre_entrust(signer, token);
        return match found {
            Some(contract) if contract.state != ContractState::Terminated => {
                Ok(Some(contract.key.clone()))
            }
            Some(_) => Err(Reply::param_error(
                "contract_info.token",
                &json!(token),
                "the contract of this pre-sign token is terminated",
            )),
            None => Err(Reply::param_error(
                "contract_info.token",
                &json!(token),
                "is not a pre-sign token of this merchant",
            )),
        };
    }
    if let Some(id) = c.opt_str("password_free_contract_id")? {
        return match state.contract_by_id(signer, id) {
            Some(contract) if contract.state == ContractState::Signed => {
                Ok(Some(contract.key.clone()))
            }
            Some(_) => Err(Reply::param_error(
                "contract_info.password_free_contract_id",
                &json!(id),
                "the contract is terminated",
            )),
            None => Err(Reply::param_error(
                "contract_info.password_free_contract_id",
                &json!(id),
                "is not a contract of this merchant",
            )),
        };
    }
    for key in ["plan_id", "contract_code"] {
        if c.opt_str(key)?.is_none() {
            return Err(Reply::param_error(
                &c.name(key),
                &Value::Null,
                "is required when neither token nor password_free_contract_id is given",
            ));
        }
    }
    Ok(None)
}

/// An APP order's `contract_info`: the contract the user signs after paying.
fn app_contract(f: &Fields<'_>) -> Checked<()> {
    let c = f.req_obj("contract_info", "contract_info")?;
    for key in [
        "plan_id",
        "contract_mchid",
        "contract_appid",
        "contract_code",
        "request_serial",
        "contract_display_account",
    ] {
        c.req_str(key)?;
    }
    c.opt_notify_url("contract_notify_url")?;
    Ok(())
}
