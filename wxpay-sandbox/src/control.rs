//! The control plane under `/sandbox/`: what tests and tools use to steer
//! the sandbox over HTTP. These routes are neither authenticated nor signed.
//!
//! | route | effect |
//! |---|---|
//! | `GET /sandbox/info` | the [`SandboxInfo`](crate::SandboxInfo) JSON |
//! | `POST /sandbox/faults` | adds a fault rule: `{"fault":{…},"method":"GET","path":"/v3/…","after":0,"every":1,"times":1}`; only `fault` is required (see [`Fault`] and [`crate::faults`]) |
//! | `GET /sandbox/faults` | `{"rules": n, "applied": {"reset": 3, …}}`: active rules, faults applied by kind |
//! | `DELETE /sandbox/faults` | removes every fault rule |
//! | `GET /sandbox/hits` | requests seen per route, `{"POST /v3/…": n}` |
//! | `GET /sandbox/platform` | the platform keys: `{"default_serial","keys":[{"serial","kind","retired","expire_time"}]}` |
//! | `POST /sandbox/platform/certificates` | announces a new certificate (listed, not yet signing by default): `{"serial_no"}` |
//! | `POST /sandbox/platform/certificates/{serial}/activate` | that certificate signs by default; the previous one is retired |
//! | `POST /sandbox/platform/rotate` | announce and activate at once: `{"serial_no"}` |
//! | `DELETE /sandbox/platform/certificates/{serial}` | removes one certificate (it expired) |
//! | `POST /sandbox/platform/public-key` | adds the WeChat Pay public key (mixed mode) and, unless `"default":false`, makes it the default signer: body `{"id","private_key_pem","default"}`, all optional (default: the generated key); answers `{"public_key_id","public_key_pem"}` |
//! | `DELETE /sandbox/platform/certificates` | removes every certificate: public-key mode, `/v3/certificates` answers 404 |
//! | `GET /sandbox/orders/{mchid}/{out_trade_no}` | the stored [`Order`] |
//! | `POST /sandbox/orders/{mchid}/{out_trade_no}/pay` | the user pays the unpaid order (see [`Sandbox::pay_order`](crate::Sandbox::pay_order)); answers the order |
//! | `POST /sandbox/orders/{mchid}/{out_trade_no}/fail` | the payment fails: a `NOTPAY` or `USERPAYING` order becomes `PAYERROR` (see [`Sandbox::fail_order`](crate::Sandbox::fail_order)); answers the order |
//! | `POST /sandbox/orders/{mchid}/{out_trade_no}/expire` | the order expires now, as if its `time_expire` had passed: an unpaid order becomes `CLOSED` (see [`Sandbox::expire_order`](crate::Sandbox::expire_order)); answers the order |
//! | `POST /sandbox/payer/request-payment` | the payer calls `wx.requestPayment` with the JSON of [`JsapiPayParams`](wxpay_core::pay_params::JsapiPayParams), or the APP SDK with that of [`AppPayParams`](wxpay_core::pay_params::AppPayParams): checked (signature, appid, `partnerid`, unpaid order) and paid (see [`Sandbox::request_payment`](crate::Sandbox::request_payment)); answers the order; a signature that does not verify answers `401 SIGN_ERROR`, parameters that do not fit the order `400 PARAM_ERROR` |
//! | `POST /sandbox/payer/scan` | the payer scans a Native order's code: `{"code_url":"weixin://wxpay/bizpayurl?pr=…"}`; the order is paid (see [`Sandbox::scan`](crate::Sandbox::scan)); answers the order |
//! | `GET /sandbox/contracts/{mchid}/{service_id}/{out_contract_code}` | the stored [`Contract`], pending ones included |
//! | `POST /sandbox/contracts/{mchid}/{service_id}/{out_contract_code}/sign` | the user signs the pre-signed contract (see [`Sandbox::sign_contract`](crate::Sandbox::sign_contract)); answers the contract |
//! | `POST /sandbox/contracts/pre-entrust/{pre_entrustweb_id}/sign` | the same, by pre-sign session id |
//! | `GET /sandbox/refunds/{mchid}/{out_refund_no}` | the stored [`Refund`] |
//! | `POST /sandbox/refunds/{mchid}/{out_refund_no}/settle` | the refund settles; body `{"status":"SUCCESS"}` (default), `"CLOSED"` or `"ABNORMAL"` (see [`Sandbox::settle_refund`](crate::Sandbox::settle_refund)); answers the refund |
//! | `GET /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}` | the stored [`CombinedOrder`](crate::CombinedOrder) |
//! | `POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay` | the payer pays every sub-order of the unpaid combined order, one notification (see [`Sandbox::pay_combine_order`](crate::Sandbox::pay_combine_order)); answers the sub-orders |
//! | `POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/fail` | its payment fails: the sub-orders become `PAYERROR`; answers them |
//! | `POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/expire` | it expires unpaid: the sub-orders become `CLOSED`; answers them |
//! | `GET /sandbox/requests` | the last authenticated requests (up to 1024): `[{"method","path","nonce","timestamp","request_id"}]` |
//! | `GET /sandbox/media/{media_id}` | the stored [`Media`] of an upload |
//! | `POST /sandbox/bills/{token}/corrupt` | the bill of this download token is served with one digit changed (see [`Sandbox::corrupt_bill`](crate::Sandbox::corrupt_bill)); 204 |
//! | `GET /sandbox/notifications` | every notification sent, with each delivery attempt and what the receiver answered: a list of [`NotificationRecord`](crate::NotificationRecord) |
//! | `GET /sandbox/notifications/{id}` | one of them |
//! | `POST /sandbox/notifications` | sends a notification of any event type (see [`Sandbox::send_notification`](crate::Sandbox::send_notification)): `{"event_type":"COMPLAINT.CREATE","notify_url":"https://…","resource":{…},"summary":"…","mchid":"…"}`, only the first two required (default: the sandbox's example resource for that type, its summary, the sandbox merchant); answers `{"id"}`; an event type without an example and no `resource` answers `400 PARAM_ERROR` |
//! | `POST /sandbox/notifications/probe` | sends a probe (signed `WECHATPAY/SIGNTEST/…`, once) to `{"url":"https://…"}` through the delivery target; answers `{"id"}` |
//! | `POST /sandbox/notifications/{id}/redeliver` | delivers a notification again, same id and body (see [`Sandbox::redeliver`](crate::Sandbox::redeliver)) |
//!
//! `{mchid}` is the merchant an order or refund belongs to (the
//! sub-merchant for partner orders) and the merchant that pre-signed a
//! contract. Path segments are percent-decoded. An unknown order, contract
//! or refund answers `404 NOT_FOUND`; a move its state does not allow
//! (paying a closed order, signing twice, settling a settled refund)
//! answers `409 INVALID_STATE`.
//!
//! Paying, settling, signing and terminating send notifications; see
//! [`crate::notify`]. See [`crate::platform`] for what certificate rotation
//! and migration to the public key mean.
//!
//! For example, to have every 20th order answer with a TCP reset:
//!
//! ```text
//! curl -X POST $BASE/sandbox/faults -d '{"fault":{"kind":"reset"},"method":"POST","path":"/v3/pay/transactions","every":20}'
//! ```

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error_code::ErrorCode;
use crate::faults::{Fault, FaultRule};
use crate::lock::Recover;
use crate::reply::Reply;
use crate::router::{Builtin, Router, SandboxRequest, add};
use crate::server::Shared;
use crate::state::{
    Contract, ContractKey, ContractState, Media, Order, Refund, RefundStatus, StateError,
};
use crate::time::now_unix;
use crate::validate::{Checked, path_str, path_u64};
use crate::{keys, notify, platform};
use wxpay_core::crypto::PrivateKey;

/// The control routes.
const ROUTES: [(Method, &str, Builtin); 27] = [
    (Method::GET, "/sandbox/info", info),
    (Method::POST, "/sandbox/faults", add_fault),
    (Method::GET, "/sandbox/faults", list_faults),
    (Method::DELETE, "/sandbox/faults", clear_faults),
    (Method::GET, "/sandbox/hits", hits),
    (
        Method::GET,
        "/sandbox/orders/{mchid}/{out_trade_no}",
        get_order,
    ),
    (
        Method::POST,
        "/sandbox/orders/{mchid}/{out_trade_no}/pay",
        pay,
    ),
    (
        Method::GET,
        "/sandbox/contracts/{mchid}/{service_id}/{out_contract_code}",
        get_contract,
    ),
    (
        Method::POST,
        "/sandbox/contracts/{mchid}/{service_id}/{out_contract_code}/sign",
        sign,
    ),
    (
        Method::POST,
        "/sandbox/contracts/pre-entrust/{pre_entrustweb_id}/sign",
        sign_by_pre_entrust,
    ),
    (
        Method::GET,
        "/sandbox/refunds/{mchid}/{out_refund_no}",
        get_refund,
    ),
    (
        Method::POST,
        "/sandbox/refunds/{mchid}/{out_refund_no}/settle",
        settle,
    ),
    (Method::GET, "/sandbox/media/{media_id}", get_media),
    (Method::GET, "/sandbox/notifications", list_notifications),
    (Method::GET, "/sandbox/notifications/{id}", get_notification),
    (Method::POST, "/sandbox/notifications", send_notification),
    (Method::POST, "/sandbox/notifications/probe", send_probe),
    (
        Method::POST,
        "/sandbox/notifications/{id}/redeliver",
        redeliver,
    ),
    (Method::GET, "/sandbox/platform", platform_info),
    (Method::POST, "/sandbox/platform/certificates", announce),
    (
        Method::POST,
        "/sandbox/platform/certificates/{serial}/activate",
        activate,
    ),
    (Method::POST, "/sandbox/platform/rotate", rotate),
    (
        Method::DELETE,
        "/sandbox/platform/certificates/{serial}",
        remove_one,
    ),
    (Method::DELETE, "/sandbox/platform/certificates", remove_all),
    (Method::POST, "/sandbox/platform/public-key", public_key),
    (Method::GET, "/sandbox/requests", requests),
    (Method::POST, "/sandbox/bills/{token}/corrupt", corrupt),
];

pub(crate) fn router() -> Router {
    let mut router = Router::default();
    for (method, template, handler) in ROUTES.into_iter().chain(crate::payer::ROUTES) {
        add(&mut router, method, template, handler);
    }
    for (method, template, handler) in crate::api::combine::CONTROL_ROUTES {
        add(&mut router, method, template, handler);
    }
    crate::v2::control_routes(&mut router);
    router
}

/// The token of a bill's `download_url`, or the argument when it is a token already.
pub(crate) fn bill_token(bill: &str) -> &str {
    match bill.split_once("token=") {
        Some((_, rest)) => rest.split('&').next().unwrap_or(rest),
        None => bill,
    }
}

/// A bill's download serves a damaged copy from now on.
pub(crate) fn corrupt_bill(shared: &Shared, token: &str) -> Result<(), StateError> {
    let mut state = shared.state();
    let bill = state
        .bills
        .get_mut(token)
        .ok_or_else(|| StateError::NotFound(format!("no bill has the token {token}")))?;
    bill.corrupted = true;
    Ok(())
}

fn get_media(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let id = path_str(req, "media_id")?;
    let media: Option<Media> = shared.state().media.get(id).cloned();
    found(media, "media")
}

fn corrupt(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    corrupt_bill(shared, path_str(req, "token")?).map_err(refusal)?;
    Ok(Reply::no_content())
}

/// The user pays an unpaid order (shared by the Rust API and the routes);
/// the payment is notified (unless the order has no `notify_url`: code
/// payments; the v2 way for an order placed over APIv2), and so is a
/// pending contract it signs.
pub(crate) fn pay_order(
    shared: &Shared,
    mchid: &str,
    out_trade_no: &str,
) -> Result<Order, StateError> {
    let (paid, signed, v2) = {
        let mut state = shared.state();
        state.refuse_sub_order(mchid, out_trade_no)?;
        let pending = state
            .order(mchid, out_trade_no)
            .and_then(|o| o.contract.clone())
            .filter(|key| {
                state
                    .contracts
                    .get(key)
                    .is_some_and(|c| c.state == ContractState::Pending)
            });
        let paid = state.pay_order(mchid, out_trade_no, shared.unix_now())?;
        let signed = pending.and_then(|key| state.contracts.get(&key).cloned());
        // A unified order placed over APIv2: where to notify, and the key.
        let v2 = state
            .v2
            .notify_urls
            .get(&(mchid.to_owned(), out_trade_no.to_owned()))
            .cloned()
            .zip(state.v2.keys.get(mchid).cloned());
        (paid, signed, v2)
    };
    if !paid.notify_url.is_empty() {
        notify::order_paid(shared, &paid);
    }
    if let Some((to, key)) = v2 {
        notify::v2_order_paid(shared, &paid, &to, &key);
    }
    if let Some(contract) = signed {
        notify::contract_changed(shared, &contract);
    }
    Ok(paid)
}

/// The user signs a pre-signed contract; the signing is notified.
pub(crate) fn sign_contract(shared: &Shared, key: &ContractKey) -> Result<Contract, StateError> {
    let signed = shared.state().sign_contract(key, None, now_unix())?;
    notify::contract_changed(shared, &signed);
    Ok(signed)
}

/// The user signs the contract of a mini-program pre-sign session.
pub(crate) fn sign_pre_entrust(
    shared: &Shared,
    pre_entrustweb_id: &str,
) -> Result<Contract, StateError> {
    let signed = {
        let mut state = shared.state();
        let key = state
            .contracts
            .values()
            .find(|c| c.pre_entrustweb_id.as_deref() == Some(pre_entrustweb_id))
            .map(|c| c.key.clone())
            .ok_or_else(|| {
                StateError::NotFound(format!("no pre-sign session {pre_entrustweb_id}"))
            })?;
        state.sign_contract(&key, None, now_unix())?
    };
    notify::contract_changed(shared, &signed);
    Ok(signed)
}

/// A refund settles; the outcome is notified.
pub(crate) fn settle_refund(
    shared: &Shared,
    mchid: &str,
    out_refund_no: &str,
    status: RefundStatus,
) -> Result<Refund, StateError> {
    let (settled, v2) = {
        let mut state = shared.state();
        let settled = state.settle_refund(mchid, out_refund_no, status, now_unix())?;
        // A refund placed over APIv2: notified the v2 way, with this key.
        let v2 = state
            .v2
            .refunds
            .get(&(mchid.to_owned(), out_refund_no.to_owned()))
            .cloned()
            .map(|to| (to, state.v2.keys.get(mchid).cloned()));
        (settled, v2)
    };
    match v2 {
        None => notify::refund_settled(shared, &settled),
        Some((to, key)) => notify::v2_refund_settled(shared, &settled, &to, key.as_deref()),
    }
    Ok(settled)
}

/// The answer a state error gets on the control plane.
fn refusal(e: StateError) -> Reply {
    match e {
        StateError::NotFound(m) => ErrorCode::NotFound.reply(m),
        StateError::Conflict(m) => ErrorCode::InvalidState.reply(m),
    }
}

fn answer<T: Serialize>(result: Result<T, StateError>) -> Checked<Reply> {
    result.map(|value| Reply::ok(&value)).map_err(refusal)
}

fn found<T: Serialize>(value: Option<T>, what: &str) -> Checked<Reply> {
    answer(value.ok_or_else(|| StateError::NotFound(format!("no such {what}"))))
}

fn get_order(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params2(req, "mchid", "out_trade_no")?;
    let now = shared.unix_now();
    let order = shared.state().current_order(mchid, no, now).ok().cloned();
    found(order, "order")
}

fn pay(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params2(req, "mchid", "out_trade_no")?;
    answer(pay_order(shared, mchid, no))
}

fn contract_key(req: &SandboxRequest) -> Checked<ContractKey> {
    Ok(ContractKey {
        mchid: path_str(req, "mchid")?.to_owned(),
        service_id: path_u64(req, "service_id")?,
        out_contract_code: path_str(req, "out_contract_code")?.to_owned(),
    })
}

fn get_contract(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let key = contract_key(req)?;
    found(shared.state().contracts.get(&key).cloned(), "contract")
}

fn sign(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    answer(sign_contract(shared, &contract_key(req)?))
}

fn sign_by_pre_entrust(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    answer(sign_pre_entrust(
        shared,
        path_str(req, "pre_entrustweb_id")?,
    ))
}

fn get_refund(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params2(req, "mchid", "out_refund_no")?;
    let refund = shared
        .state()
        .refunds
        .get(&(mchid.to_owned(), no.to_owned()))
        .cloned();
    found(refund, "refund")
}

/// A control request's JSON body, or `400 PARAM_ERROR` saying what `what` should be.
fn body<T: serde::de::DeserializeOwned>(req: &SandboxRequest, what: &str) -> Checked<T> {
    serde_json::from_slice(&req.body)
        .map_err(|e| ErrorCode::ParamError.reply(format!("bad {what}: {e}")))
}

#[derive(Deserialize, Default)]
struct SettleRequest {
    status: Option<String>,
}

fn settle(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params2(req, "mchid", "out_refund_no")?;
    let wanted: SettleRequest = if req.body.is_empty() {
        SettleRequest::default()
    } else {
        body(req, "settle request")?
    };
    let status = match wanted.status.as_deref().map(RefundStatus::parse) {
        None => RefundStatus::Success,
        Some(Some(s)) => s,
        Some(None) => {
            return Err(ErrorCode::ParamError.reply("status must be SUCCESS, CLOSED or ABNORMAL"));
        }
    };
    answer(settle_refund(shared, mchid, no, status))
}

fn list_notifications(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    Ok(Reply::ok(&notify::notifications(shared)))
}

fn get_notification(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    found(
        notify::notification(shared, path_str(req, "id")?),
        "notification",
    )
}

#[derive(Deserialize)]
struct ProbeRequest {
    url: String,
}

fn send_probe(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let probe: ProbeRequest = body(req, r#"probe request, expected {"url":"https://…"}"#)?;
    Ok(Reply::ok(
        &json!({ "id": notify::probe(shared, &probe.url) }),
    ))
}

fn send_notification(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let request: notify::SendRequest = body(
        req,
        r#"notification request, expected {"event_type","notify_url","resource","summary","mchid"}"#,
    )?;
    match notify::send(shared, request) {
        Ok(id) => Ok(Reply::ok(&json!({ "id": id }))),
        Err(notify::Refused::UnknownMerchant(m)) => Err(ErrorCode::NotFound.reply(m)),
        Err(notify::Refused::Invalid(m) | notify::Refused::NoExample(m)) => {
            Err(ErrorCode::ParamError.reply(m))
        }
    }
}

fn redeliver(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    match notify::redeliver(shared, path_str(req, "id")?) {
        Ok(()) => Ok(Reply::no_content()),
        Err(crate::SandboxError::NotFound(m)) => Err(ErrorCode::NotFound.reply(m)),
        Err(e) => Err(ErrorCode::InvalidState.reply(e.to_string())),
    }
}

fn params2<'r>(req: &'r SandboxRequest, a: &str, b: &str) -> Checked<(&'r str, &'r str)> {
    Ok((path_str(req, a)?, path_str(req, b)?))
}

fn info(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    Ok(Reply::ok(&crate::info_of(shared)))
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: Fault,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    after: usize,
    every: Option<usize>,
    times: Option<usize>,
}

fn add_fault(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let parsed: FaultRequest = body(req, "fault rule")?;
    let mut rule = FaultRule::new(parsed.fault).after(parsed.after);
    if let Some(m) = parsed.method {
        let method = Method::from_bytes(m.to_ascii_uppercase().as_bytes())
            .map_err(|_| ErrorCode::ParamError.reply("bad method"))?;
        rule = rule.method(method);
    }
    if let Some(p) = parsed.path {
        rule = rule.path(p);
    }
    if let Some(t) = parsed.times {
        rule = rule.times(t);
    }
    if let Some(n) = parsed.every {
        rule = rule.every(n);
    }
    shared.faults.lock().recover().push(rule);
    Ok(Reply::no_content())
}

fn clear_faults(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    shared.faults.lock().recover().clear();
    Ok(Reply::no_content())
}

fn list_faults(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let rules = shared.faults.lock().recover().len();
    let applied = shared.faults_applied.lock().recover().clone();
    Ok(Reply::ok(&json!({ "rules": rules, "applied": applied })))
}

fn requests(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let seen = shared.seen.lock().recover();
    Ok(Reply::ok(&json!(*seen)))
}

fn hits(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let hits = shared.hits.lock().recover().clone();
    Ok(Reply::ok(&json!(hits)))
}

/// The answer to a platform-key move the keys do not allow.
fn refused(e: crate::SandboxError) -> Reply {
    ErrorCode::InvalidRequest.reply(e.to_string())
}

fn platform_info(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let p = shared.platform();
    let keys: Vec<_> = p
        .keys
        .iter()
        .map(|k| {
            let expire_time = k.certificate.as_ref().map(|c| {
                let secs = c
                    .not_after()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                crate::time::format_china(i64::try_from(secs).unwrap_or(i64::MAX))
            });
            json!({
                "serial": k.serial,
                "kind": if k.is_certificate() { "certificate" } else { "public_key" },
                "retired": p.retired.contains(&k.serial),
                "expire_time": expire_time,
            })
        })
        .collect();
    Ok(Reply::ok(
        &json!({ "default_serial": p.default_serial, "keys": keys }),
    ))
}

fn announce(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let serial = platform::announce_certificate(shared).map_err(refused)?;
    Ok(Reply::ok(&json!({ "serial_no": serial })))
}

fn activate(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    platform::activate_certificate(shared, req.param("serial").unwrap_or_default())
        .map_err(refused)?;
    Ok(Reply::no_content())
}

fn rotate(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    let serial = platform::announce_certificate(shared).map_err(refused)?;
    platform::activate_certificate(shared, &serial).map_err(refused)?;
    Ok(Reply::ok(&json!({ "serial_no": serial })))
}

fn remove_one(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    platform::remove_certificate(shared, req.param("serial").unwrap_or_default())
        .map_err(refused)?;
    Ok(Reply::no_content())
}

fn remove_all(shared: &Shared, _: &SandboxRequest) -> Checked<Reply> {
    platform::remove_certificates(shared).map_err(refused)?;
    Ok(Reply::no_content())
}

#[derive(Deserialize, Default)]
struct PublicKeyRequest {
    id: Option<String>,
    private_key_pem: Option<String>,
    default: Option<bool>,
}

fn public_key(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let parsed: PublicKeyRequest = if req.body.is_empty() {
        PublicKeyRequest::default()
    } else {
        body(req, "public key request")?
    };
    let id = parsed
        .id
        .unwrap_or_else(|| keys::DEFAULT_PUBLIC_KEY_ID.to_owned());
    let key = match parsed.private_key_pem {
        Some(pem) => PrivateKey::from_pem(pem.as_bytes()),
        None => keys::generated_platform_key(&id).map(|k| k.private_key),
    }
    .map_err(|e| refused(e.into()))?;
    let pem = key
        .public_key()
        .and_then(|k| k.to_pem())
        .map_err(|e| refused(e.into()))?;
    if parsed.default.unwrap_or(true) {
        platform::switch_to_public_key(shared, &id, key)
    } else {
        platform::add_public_key(shared, &id, key)
    }
    .map_err(refused)?;
    Ok(Reply::ok(&json!({
        "public_key_id": id,
        "public_key_pem": String::from_utf8_lossy(&pem),
    })))
}
