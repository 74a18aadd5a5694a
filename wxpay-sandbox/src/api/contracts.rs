//! Password-free contracts: `/v3/password-exempt-contract/contracts/…`.
//!
//! Pre-signing (eight routes: four merchant kinds × mini-program or
//! pay-then-sign) records a pending contract; the user signs it through
//! the control plane ([`Sandbox::sign_contract`](crate::Sandbox::sign_contract),
//! `POST /sandbox/contracts/…/sign`) or by paying an order placed with its
//! token. Pre-signing again while pending starts a new session; once
//! signed or terminated the contract number is taken (`400
//! INVALID_REQUEST`).
//!
//! The query and the termination only see signed and terminated
//! contracts of the signing merchant (`404 RESOURCE_NOT_EXISTS`
//! otherwise). Terminating twice answers `400 INVALID_REQUEST`. The spec
//! names no `contract_termination_mode` for a merchant's own termination;
//! the sandbox reports [`MERCHANT_TERMINATION_MODE`].

use http::Method;
use serde_json::{Map, Value, json};

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{Contract, ContractKey, ContractState, State, TradeState, compact_time};
use crate::time::{format_china, now_unix};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, path_str, path_u64};

/// The `contract_termination_mode` the sandbox reports when the merchant
/// terminates a contract through the API.
pub const MERCHANT_TERMINATION_MODE: &str = "MCH_API_TERMINATE";

/// The appid and page of WeChat's signing mini-program, as answered to a
/// mini-program pre-sign.
const SIGN_MP_APPID: &str = "wxbd687630cd02ce1d";
const SIGN_MP_PATH: &str = "pages/PwdExemptContract/index";

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program",
        rules: &[PRE_SIGN, USER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Normal, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/normal/pre-entrust-sign/pay-redirect-sign",
        rules: &[PRE_SIGN, USER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Normal, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program",
        rules: &[PRE_SIGN, SERVICE_PROVIDER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::ServiceProvider, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/pay-redirect-sign",
        rules: &[PRE_SIGN, SERVICE_PROVIDER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::ServiceProvider, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/ecommerce/pre-entrust-sign/mini-program",
        rules: &[PRE_SIGN, USER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Ecommerce, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/ecommerce/pre-entrust-sign/pay-redirect-sign",
        rules: &[PRE_SIGN, USER],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Ecommerce, false),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program",
        rules: &[PRE_SIGN, QS],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Qs, true),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/pay-redirect-sign",
        rules: &[PRE_SIGN, QS],
        handler: |s, r, i| pre_sign(s, r, i, Kind::Qs, false),
    },
    Operation {
        method: Method::GET,
        path: "/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}",
        rules: &[],
        handler: |s, r, _| query(s, r),
    },
    Operation {
        method: Method::POST,
        path: "/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}/terminate",
        rules: &[&[Rule::body("contract_termination_remark", &[MaxChars(256)])]],
        handler: terminate,
    },
];

/// Every pre-sign.
const PRE_SIGN: &[Rule] = &[
    Rule::body("service_id", &[Positive]),
    Rule::body("out_contract_code", &[MaxChars(64)]),
    Rule::body("notify_url", &[NotifyUrl]),
    Rule::body("contract_display_account", &[MaxChars(64)]),
];

/// A merchant's (or an e-commerce platform's) contract with a user.
const USER: &[Rule] = &[
    Rule::body("appid", &[MaxChars(32)]),
    Rule::body("openid", &[MaxChars(128)]),
];

/// A service provider's contract for a sub-merchant.
const SERVICE_PROVIDER: &[Rule] = &[
    Rule::body("sp_appid", &[MaxChars(32)]),
    Rule::body("sp_openid", &[MaxChars(128)]),
    Rule::body("sub_mchid", &[MaxChars(32)]),
    Rule::body("sub_appid", &[MaxChars(32)]),
    Rule::body("sub_openid", &[MaxChars(128)]),
];

/// A contract of the `qs` kind: the merchant's appid, for a sub-merchant.
const QS: &[Rule] = &[
    Rule::body("appid", &[MaxChars(32)]),
    Rule::body("openid", &[MaxChars(128)]),
    Rule::body("sub_mchid", &[MaxChars(32)]),
    Rule::body("sub_appid", &[MaxChars(32)]),
    Rule::body("sub_openid", &[MaxChars(128)]),
];

/// The merchant kinds of the pre-sign routes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    ServiceProvider,
    Ecommerce,
    Qs,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Normal => "normal",
            Kind::ServiceProvider => "service-provider",
            Kind::Ecommerce => "ecommerce",
            Kind::Qs => "qs",
        }
    }
}

/// Who the contract is with, as the pre-sign body names it.
struct Party<'a> {
    appid: &'a str,
    openid: Option<&'a str>,
    sub_mchid: Option<&'a str>,
    sub_appid: Option<&'a str>,
    sub_openid: Option<&'a str>,
}

fn party(body: &Map<String, Value>, kind: Kind) -> Party<'_> {
    let (appid, openid) = match kind {
        Kind::ServiceProvider => ("sp_appid", "sp_openid"),
        _ => ("appid", "openid"),
    };
    let for_sub_merchant = matches!(kind, Kind::ServiceProvider | Kind::Qs);
    let sub = |key| body.opt_str(key).filter(|_| for_sub_merchant);
    Party {
        appid: body.str(appid),
        openid: body.opt_str(openid),
        sub_mchid: sub("sub_mchid"),
        sub_appid: sub("sub_appid"),
        sub_openid: sub("sub_openid"),
    }
}

/// Records a pending contract (a new session when one is pending already).
fn pre_sign(
    shared: &Shared,
    req: &SandboxRequest,
    input: &Input<'_>,
    kind: Kind,
    mini_program: bool,
) -> Checked<Reply> {
    let body = &input.body;
    let who = party(body, kind);
    let service_id = body.int("service_id").unsigned_abs();
    let out_contract_code = body.str("out_contract_code");
    let prepay_id = body.opt_str("prepay_id").filter(|_| !mini_program);

    let mut state = shared.state();
    if let Some(prepay_id) = prepay_id {
        unpaid_order(&state, req, &who, prepay_id)?;
    }
    let key = ContractKey {
        mchid: req.mchid.clone(),
        service_id,
        out_contract_code: out_contract_code.to_owned(),
    };
    if state
        .contracts
        .get(&key)
        .is_some_and(|c| c.state != ContractState::Pending)
    {
        return Err(ErrorCode::InvalidRequest
            .reply("a contract with this out_contract_code was already signed in this service"));
    }
    let now = now_unix();
    let seq = state.next_seq();
    let pre_entrustweb_id = mini_program.then(|| format!("pe{}{seq:015x}", compact_time(now)));
    let contract = Contract {
        key: key.clone(),
        kind: kind.name(),
        scene: if mini_program {
            "mini-program"
        } else {
            "pay-redirect-sign"
        },
        sub_mchid: who.sub_mchid.map(str::to_owned),
        appid: who.appid.to_owned(),
        sub_appid: who.sub_appid.map(str::to_owned),
        openid: who.openid.map(str::to_owned),
        sub_openid: who.sub_openid.map(str::to_owned),
        contract_display_account: body.str("contract_display_account").to_owned(),
        notify_url: body.str("notify_url").to_owned(),
        pre_entrustweb_id,
        prepay_id: prepay_id.map(str::to_owned),
        state: ContractState::Pending,
        contract_id: None,
        created_at: now,
        signed_at: None,
        terminated_at: None,
        termination_mode: None,
        termination_remark: None,
    };
    let answer = pre_sign_answer(&contract, kind);
    state.contracts.insert(key, contract);
    Ok(Reply::ok(&answer))
}

/// A pay-then-sign pre-sign names an order this merchant (or its
/// sub-merchant) placed and is still unpaid.
fn unpaid_order(
    state: &State,
    req: &SandboxRequest,
    who: &Party<'_>,
    prepay_id: &str,
) -> Checked<()> {
    let owner = who.sub_mchid.unwrap_or(&req.mchid);
    let sp_mchid = who.sub_mchid.map(|_| req.mchid.as_str());
    let unpaid = state.orders.values().any(|o| {
        o.prepay_id == prepay_id
            && o.mchid == owner
            && o.sp_mchid.as_deref() == sp_mchid
            && o.trade_state == TradeState::Notpay
    });
    if unpaid {
        Ok(())
    } else {
        Err(Reply::param_error(
            "prepay_id",
            &json!(prepay_id),
            "is not an unpaid order of this merchant",
        ))
    }
}

/// What a pre-sign answers about the pending contract.
fn pre_sign_answer(c: &Contract, kind: Kind) -> Value {
    let mut answer = Map::new();
    if let Some(id) = &c.pre_entrustweb_id {
        answer.insert("pre_entrustweb_id".into(), json!(id));
    }
    answer.insert("mchid".into(), json!(c.key.mchid));
    if kind == Kind::ServiceProvider {
        answer.insert("sub_mchid".into(), json!(c.sub_mchid));
    }
    answer.insert("service_id".into(), json!(c.key.service_id));
    answer.insert("out_contract_code".into(), json!(c.key.out_contract_code));
    if c.pre_entrustweb_id.is_some() {
        answer.insert("sign_mp_appid".into(), json!(SIGN_MP_APPID));
        answer.insert("sign_mp_path".into(), json!(SIGN_MP_PATH));
    }
    Value::Object(answer)
}

/// The contract a query or termination names, if the platform would show it.
fn key_from_path(req: &SandboxRequest) -> Checked<ContractKey> {
    Ok(ContractKey {
        mchid: req.mchid.clone(),
        service_id: path_u64(req, "service_id")?,
        out_contract_code: path_str(req, "out_contract_code")?.to_owned(),
    })
}

fn not_exists() -> Reply {
    ErrorCode::ResourceNotExists.reply("no signed contract with this number")
}

fn query(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let key = key_from_path(req)?;
    let state = shared.state();
    match state.contracts.get(&key) {
        Some(c) if c.state != ContractState::Pending => Ok(Reply::ok(&contract_json(c))),
        _ => Err(not_exists()),
    }
}

fn terminate(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Reply> {
    let key = key_from_path(req)?;
    let remark = input.body.str("contract_termination_remark");
    let mut state = shared.state();
    let contract = state
        .contracts
        .get_mut(&key)
        .filter(|c| c.state != ContractState::Pending)
        .ok_or_else(not_exists)?;
    if contract.state == ContractState::Terminated {
        return Err(ErrorCode::InvalidRequest.reply("the contract is already terminated"));
    }
    contract.state = ContractState::Terminated;
    contract.terminated_at = Some(now_unix());
    contract.termination_mode = Some(MERCHANT_TERMINATION_MODE.to_owned());
    contract.termination_remark = Some(remark.to_owned());
    let terminated = contract.clone();
    drop(state);
    crate::notify::contract_changed(shared, &terminated);
    Ok(Reply::ok(&json!({
        "mchid": key.mchid,
        "service_id": key.service_id,
        "out_contract_code": key.out_contract_code,
    })))
}

/// What the contract query reports about a signed or terminated contract.
pub(crate) fn contract_json(c: &Contract) -> Value {
    let mut v = Map::new();
    v.insert("mchid".into(), json!(c.key.mchid));
    v.insert("contract_id".into(), json!(c.contract_id));
    v.insert("appid".into(), json!(c.appid));
    v.insert("openid".into(), json!(c.openid));
    if let Some(sub_appid) = &c.sub_appid {
        v.insert("sub_appid".into(), json!(sub_appid));
    }
    if let Some(sub_openid) = &c.sub_openid {
        v.insert("sub_openid".into(), json!(sub_openid));
    }
    v.insert("service_id".into(), json!(c.key.service_id));
    v.insert("out_contract_code".into(), json!(c.key.out_contract_code));
    v.insert(
        "contract_display_account".into(),
        json!(c.contract_display_account),
    );
    let state = match c.state {
        ContractState::Terminated => "TERMINATED",
        _ => "SIGNED",
    };
    v.insert("contract_state".into(), json!(state));
    v.insert(
        "contract_signed_time".into(),
        json!(c.signed_at.map(format_china)),
    );
    if c.state == ContractState::Terminated {
        let mut info = Map::new();
        info.insert(
            "contract_termination_mode".into(),
            json!(c.termination_mode),
        );
        if let Some(t) = c.terminated_at {
            info.insert("contract_terminated_time".into(), json!(format_china(t)));
        }
        if let Some(r) = &c.termination_remark {
            info.insert("contract_termination_remark".into(), json!(r));
        }
        v.insert("contract_terminate_info".into(), Value::Object(info));
    }
    Value::Object(v)
}
