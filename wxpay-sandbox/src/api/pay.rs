//! Placing orders: `POST /v3/pay/transactions/{jsapi,app,native,h5}`,
//! `POST /v3/pay/transactions/{jsapi,app}-with-contract`, and their
//! `/v3/pay/partner/…` forms. (Code payments, which are paid as they are
//! placed, are in `codepay.rs`.)
//!
//! Every order is stateful: JSAPI and APP orders answer `{"prepay_id"}`,
//! Native orders `{"code_url": "weixin://wxpay/bizpayurl?pr=…"}` and H5
//! orders `{"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…&package=…"}`.
//! The same `out_trade_no` with the same body answers the same again; with
//! another body, `400 INVALID_REQUEST`. Beyond the spec's checks, an order
//! is refused when its amount is not positive or not CNY, when its
//! `time_expire` is less than a minute ahead of the platform's clock
//! (`400 PARAM_ERROR` naming it), when its appids do not belong to its
//! merchants or its sub-merchant to the service provider (see
//! `relations.rs`), and an H5 order without `scene_info.payer_client_ip`
//! and `scene_info.h5_info.type`. Encrypted fields (`payer.identity`) must
//! decrypt with the platform key named in `Wechatpay-Serial`.
//!
//! A JSAPI order's `contract_info` must name a contract the sandbox knows:
//! a `token` (the `pre_entrustweb_id` of a mini-program pre-sign of the
//! signing merchant, pending or signed) or a `password_free_contract_id`
//! (a signed contract's id). Without either, it describes a contract to
//! sign while paying and needs `plan_id` and `contract_code`; the sandbox
//! records no contract for those. Paying an order placed with the token of
//! a pending contract signs that contract.

use http::Method;
use serde_json::{Map, Value, json};

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::{self, Input};
use crate::state::{ContractKey, ContractState, Order, State, TradeState, fnv1a};
use crate::time::{format_china, now_unix, parse_rfc3339};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, is_trade_no};

use Product::{App, H5, Jsapi, Native};

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/jsapi-with-contract",
        rules: &[ORDER, DIRECT, DIRECT_PAYER, JSAPI_CONTRACT],
        handler: |s, r, i| place_order(s, r, i, Kind::contract(Jsapi, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/app-with-contract",
        rules: &[ORDER, DIRECT, APP_CONTRACT],
        handler: |s, r, i| place_order(s, r, i, Kind::contract(App, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/jsapi-with-contract",
        rules: &[ORDER, PARTNER, PARTNER_PAYER, JSAPI_CONTRACT],
        handler: |s, r, i| place_order(s, r, i, Kind::contract(Jsapi, true)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/app-with-contract",
        rules: &[ORDER, PARTNER, APP_CONTRACT],
        handler: |s, r, i| place_order(s, r, i, Kind::contract(App, true)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/jsapi",
        rules: &[ORDER, DIRECT, DIRECT_PAYER],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(Jsapi, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/app",
        rules: &[ORDER, DIRECT],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(App, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/native",
        rules: &[ORDER, DIRECT],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(Native, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/transactions/h5",
        rules: &[ORDER, DIRECT, H5_SCENE],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(H5, false)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/jsapi",
        rules: &[ORDER, PARTNER, PARTNER_PAYER],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(Jsapi, true)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/app",
        rules: &[ORDER, PARTNER],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(App, true)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/native",
        rules: &[ORDER, PARTNER],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(Native, true)),
    },
    Operation {
        method: Method::POST,
        path: "/v3/pay/partner/transactions/h5",
        rules: &[ORDER, PARTNER, H5_SCENE],
        handler: |s, r, i| place_order(s, r, i, Kind::plain(H5, true)),
    },
];

/// How long ahead of now `time_expire` must be at least (seconds).
const MIN_EXPIRE_AHEAD: i64 = 60;

/// What every order is checked for beyond the spec.
const ORDER: &[Rule] = &[
    Rule::body("description", &[MaxChars(127)]),
    Rule::body(
        "out_trade_no",
        &[Format(
            is_trade_no,
            "must be 6-32 characters of letters, digits, _ - | *",
        )],
    ),
    Rule::body(
        "time_expire",
        &[Format(
            is_time,
            "must be an RFC 3339 time such as 2018-06-08T10:34:56+08:00",
        )],
    ),
    Rule::body("attach", &[MaxBytes(128)]),
    Rule::body("notify_url", &[NotifyUrl]),
    Rule::body("goods_tag", &[Type("string")]),
    Rule::body("limit_pay", &[Type("array")]),
    Rule::body("support_fapiao", &[Type("boolean")]),
    Rule::body("amount.total", &[Positive]),
    Rule::body(
        "amount.currency",
        &[OneOf(&["CNY"], "only CNY is accepted")],
    ),
    Rule::body("detail", &[Type("object")]),
    Rule::body("detail.cost_price", &[Type("integer")]),
    Rule::body("detail.invoice_id", &[Type("string")]),
    Rule::body("detail.goods_detail", &[Required("array"), Objects]),
    Rule::body(
        "detail.goods_detail[].merchant_goods_id",
        &[Required("string")],
    ),
    Rule::body(
        "detail.goods_detail[].wechatpay_goods_id",
        &[Type("string")],
    ),
    Rule::body("detail.goods_detail[].goods_name", &[Type("string")]),
    Rule::body(
        "detail.goods_detail[].quantity",
        &[Required("integer"), Positive],
    ),
    Rule::body("detail.goods_detail[].unit_price", &[Required("integer")]),
    Rule::body("scene_info", &[Type("object")]),
    Rule::body("scene_info.payer_client_ip", &[Required("string")]),
    Rule::body("scene_info.device_id", &[Type("string")]),
    Rule::body("scene_info.store_info", &[Type("object")]),
    Rule::body("scene_info.store_info.id", &[Type("string")]),
    Rule::body("scene_info.store_info.name", &[Type("string")]),
    Rule::body("scene_info.store_info.area_code", &[Type("string")]),
    Rule::body("scene_info.store_info.address", &[Type("string")]),
    Rule::body("settle_info", &[Type("object")]),
    Rule::body("settle_info.profit_sharing", &[Type("boolean")]),
];

/// A merchant's own order.
pub(crate) const DIRECT: &[Rule] = &[
    Rule::body("appid", &[MaxChars(32)]),
    Rule::body("mchid", &[Signer]),
];

/// A service provider's order for a sub-merchant.
pub(crate) const PARTNER: &[Rule] = &[
    Rule::body("sp_appid", &[MaxChars(32)]),
    Rule::body("sp_mchid", &[Signer]),
    Rule::body("sub_appid", &[MaxChars(32)]),
    Rule::body("sub_mchid", &[MaxChars(32)]),
];

/// The payer of a merchant's JSAPI order.
const DIRECT_PAYER: &[Rule] = &[Rule::body("payer.openid", &[MaxChars(128)])];

/// The payer of a partner JSAPI order: `sp_openid` or `sub_openid`.
const PARTNER_PAYER: &[Rule] = &[
    Rule::body("payer.sp_openid", &[MaxChars(128)]),
    Rule::body("payer.sub_openid", &[MaxChars(128)]),
    Rule::body("payer", &[AnyOf(&["sp_openid", "sub_openid"])]),
    Rule::body("sub_appid", &[RequiredWith("payer.sub_openid")]),
];

/// A JSAPI order's contract: a known one (`token`,
/// `password_free_contract_id`) or one to sign while paying.
const JSAPI_CONTRACT: &[Rule] = &[
    Rule::body(
        "contract_info.plan_id",
        &[
            Type("string"),
            RequiredUnless(&["token", "password_free_contract_id"]),
        ],
    ),
    Rule::body("contract_info.contract_mchid", &[Type("string")]),
    Rule::body("contract_info.contract_appid", &[Type("string")]),
    Rule::body("contract_info.request_serial", &[Type("string")]),
    Rule::body("contract_info.contract_display_account", &[Type("string")]),
    Rule::body("contract_info.contract_notify_url", &[NotifyUrl]),
    Rule::body("contract_info.token", &[Type("string")]),
    Rule::body("contract_info.password_free_contract_id", &[Type("string")]),
    Rule::body(
        "contract_info.contract_code",
        &[
            Type("string"),
            RequiredUnless(&["token", "password_free_contract_id"]),
        ],
    ),
];

/// An H5 order's scene: the payer's IP and the kind of page it pays from.
const H5_SCENE: &[Rule] = &[
    Rule::body("scene_info.payer_client_ip", &[Required("string")]),
    Rule::body("scene_info.h5_info", &[Required("object")]),
    Rule::body(
        "scene_info.h5_info.type",
        &[
            Required("string"),
            OneOf(&["iOS", "Android", "Wap"], "must be iOS, Android or Wap"),
        ],
    ),
    Rule::body("scene_info.h5_info.app_name", &[Type("string")]),
    Rule::body("scene_info.h5_info.app_url", &[Type("string")]),
    Rule::body("scene_info.h5_info.bundle_id", &[Type("string")]),
    Rule::body("scene_info.h5_info.package_name", &[Type("string")]),
];

/// An APP order's contract, signed after paying (the spec requires its fields).
const APP_CONTRACT: &[Rule] = &[Rule::body(
    "contract_info.contract_notify_url",
    &[NotifyUrl],
)];

fn is_time(text: &str) -> bool {
    parse_rfc3339(text).is_some()
}

/// How the user pays the order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Product {
    /// In an official account or mini-program (`wx.requestPayment`).
    Jsapi,
    /// In an app (the SDK's `PayReq`).
    App,
    /// By scanning a QR code (`code_url`).
    Native,
    /// In a mobile browser (`h5_url`).
    H5,
}

/// Which of the order-placing operations.
#[derive(Clone, Copy)]
struct Kind {
    product: Product,
    partner: bool,
    /// `…-with-contract`: signs or uses a password-free contract.
    contract: bool,
}

impl Kind {
    const fn plain(product: Product, partner: bool) -> Kind {
        Kind {
            product,
            partner,
            contract: false,
        }
    }

    const fn contract(product: Product, partner: bool) -> Kind {
        Kind {
            product,
            partner,
            contract: true,
        }
    }

    /// The `trade_type` its orders report.
    fn trade_type(self) -> &'static str {
        match self.product {
            Jsapi => "JSAPI",
            App => "APP",
            Native => "NATIVE",
            H5 => "MWEB",
        }
    }

    /// What placing the order answers.
    fn answer(self, order: &Order) -> Value {
        match self.product {
            Jsapi | App => json!({ "prepay_id": order.prepay_id }),
            Native => json!({ "code_url": code_url(&order.prepay_id) }),
            H5 => json!({ "h5_url": h5_url(&order.prepay_id) }),
        }
    }
}

/// The `code_url` of a Native order, made from its `prepay_id`.
pub(crate) fn code_url(prepay_id: &str) -> String {
    format!("{CODE_URL_PREFIX}{}", code_token(prepay_id))
}

/// What a Native order's `code_url` starts with; the rest is its token.
pub(crate) const CODE_URL_PREFIX: &str = "weixin://wxpay/bizpayurl?pr=";

/// The token of a Native order's `code_url`.
pub(crate) fn code_token(prepay_id: &str) -> &str {
    prepay_id.strip_prefix("wx").unwrap_or(prepay_id)
}

/// The `h5_url` of an H5 order, made from its `prepay_id`.
pub(crate) fn h5_url(prepay_id: &str) -> String {
    let package = fnv1a(prepay_id) % 10_000_000_000;
    format!(
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={package:010}"
    )
}

/// Who the order is for, as the body names it.
struct Parties<'a> {
    /// The owner: `mchid`, or `sub_mchid` for a partner order.
    mchid: &'a str,
    sp_mchid: Option<&'a str>,
    appid: &'a str,
    sub_appid: Option<&'a str>,
    /// The payer of a JSAPI order: `openid` (or `sp_openid`) and `sub_openid`.
    openid: Option<&'a str>,
    sub_openid: Option<&'a str>,
}

fn parties(body: &Map<String, Value>, kind: Kind) -> Parties<'_> {
    let jsapi = kind.product == Jsapi;
    if kind.partner {
        Parties {
            mchid: body.str("sub_mchid"),
            sp_mchid: body.opt_str("sp_mchid"),
            appid: body.str("sp_appid"),
            sub_appid: body.opt_str("sub_appid"),
            openid: body.opt_str("payer.sp_openid").filter(|_| jsapi),
            sub_openid: body.opt_str("payer.sub_openid").filter(|_| jsapi),
        }
    } else {
        Parties {
            mchid: body.str("mchid"),
            sp_mchid: None,
            appid: body.str("appid"),
            sub_appid: None,
            openid: body.opt_str("payer.openid").filter(|_| jsapi),
            sub_openid: None,
        }
    }
}

/// Checks what the platform checks against its own records: encrypted
/// fields, the appid and sub-merchant relations, `time_expire` at least a
/// minute ahead.
pub(crate) fn check_order(
    shared: &Shared,
    req: &SandboxRequest,
    body: &Map<String, Value>,
    partner: bool,
    encrypted: bool,
) -> Checked<()> {
    if encrypted {
        let op =
            spec::operation(&req.method, &req.path).map_err(|e| ErrorCode::SystemError.reply(e))?;
        spec::check_encrypted(shared, req, op, body)?;
    }
    let relations = shared.relations();
    if partner {
        relations.check_partner(body)?;
    } else {
        relations.check_direct(body)?;
    }
    drop(relations);
    if let Some(expire) = body.opt_str("time_expire") {
        let now = shared.unix_now();
        if parse_rfc3339(expire).is_some_and(|t| t < now + MIN_EXPIRE_AHEAD) {
            return Err(Reply::param_error(
                "time_expire",
                &json!(expire),
                format!(
                    "must be at least 1 minute after the current time ({})",
                    format_china(now)
                ),
            ));
        }
    }
    Ok(())
}

/// Places the order, idempotently: the same `out_trade_no` with the same
/// body answers the same again.
fn place_order(
    shared: &Shared,
    req: &SandboxRequest,
    input: &Input<'_>,
    kind: Kind,
) -> Checked<Reply> {
    let body = &input.body;
    check_order(shared, req, body, kind.partner, !kind.contract)?;
    let who = parties(body, kind);
    let out_trade_no = body.str("out_trade_no");
    let mut state = shared.state();
    let contract = if kind.contract && kind.product == Jsapi {
        jsapi_contract(body, &state, &req.mchid)?
    } else {
        None
    };
    let request = Value::Object(body.clone());
    let key = (who.mchid.to_owned(), out_trade_no.to_owned());
    if let Some(existing) = state.orders.get(&key) {
        return if existing.request == request && existing.trade_type == kind.trade_type() {
            Ok(Reply::ok(&kind.answer(existing)))
        } else {
            Err(ErrorCode::InvalidRequest
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
        trade_type: kind.trade_type().to_owned(),
        trade_state: TradeState::Notpay,
        description: body.str("description").to_owned(),
        attach: body.opt_str("attach").map(str::to_owned),
        notify_url: body.str("notify_url").to_owned(),
        total: body.int("amount.total"),
        currency: body.opt_str("amount.currency").unwrap_or("CNY").to_owned(),
        payer_openid: who.openid.map(str::to_owned),
        payer_sub_openid: who.sub_openid.map(str::to_owned),
        device_id: body.opt_str("scene_info.device_id").map(str::to_owned),
        prepay_id,
        transaction_id: None,
        created_at: now,
        success_time: None,
        payer_total: None,
        bank_type: None,
        refunded: 0,
        refunds: Vec::new(),
        contract_info: body.value("contract_info").cloned(),
        contract,
        request,
    };
    let answer = kind.answer(&order);
    state.orders.insert(key, order);
    Ok(Reply::ok(&answer))
}

/// Resolves a JSAPI order's `contract_info` to a known contract, if it
/// names one (by pre-sign `token` or `password_free_contract_id`).
fn jsapi_contract(
    body: &Map<String, Value>,
    state: &State,
    signer: &str,
) -> Checked<Option<ContractKey>> {
    if let Some(token) = body.opt_str("contract_info.token") {
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
    if let Some(id) = body.opt_str("contract_info.password_free_contract_id") {
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
    Ok(None)
}
