//! The payer's moves beyond paying by order number (`control.rs`): the
//! payment failing, the order expiring, and paying with what the front
//! end holds (the signed parameters of `wx.requestPayment` or of an APP
//! `PayReq`, or a Native order's `code_url`).
//!
//! Front-end parameters are checked as WeChat checks them before it shows
//! the payment: the signature (`paySign`, `sign`) must verify with the
//! public key of the merchant that placed the order (the one the sandbox
//! checks request signatures with; the service provider for a partner
//! order), the `prepay_id` must name an order of the matching kind, the
//! appid must be the order's (`appid`, or `sub_appid` of a partner JSAPI
//! order), and an APP `partnerid` must be the merchant the order is for
//! (the sub-merchant of a partner order). Then the order is paid as by
//! [`Sandbox::pay_order`](crate::Sandbox::pay_order).

use http::Method;
use serde::Deserialize;
use serde_json::Value;
use wxpay_core::crypto::base64_decode;
use wxpay_core::pay_params::{AppPayParams, JsapiPayParams};

use crate::api::pay::{CODE_URL_PREFIX, code_token};
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Builtin, SandboxRequest};
use crate::server::Shared;
use crate::state::{Order, StateError};
use crate::validate::{Checked, path_str};
use crate::{SandboxError, control};

/// The payer's control routes (listed in the table of `control.rs`).
pub(crate) const ROUTES: [(Method, &str, Builtin); 4] = [
    (
        Method::POST,
        "/sandbox/orders/{mchid}/{out_trade_no}/fail",
        fail,
    ),
    (
        Method::POST,
        "/sandbox/orders/{mchid}/{out_trade_no}/expire",
        expire,
    ),
    (
        Method::POST,
        "/sandbox/payer/request-payment",
        request_payment_route,
    ),
    (Method::POST, "/sandbox/payer/scan", scan_route),
];

/// Why the payer's move was refused.
#[derive(Debug)]
pub(crate) enum PayerError {
    /// No such order, or its state does not allow paying it.
    State(StateError),
    /// The signature does not verify.
    Signature(String),
    /// The parameters do not fit the order, or are malformed.
    Params(String),
}

impl From<StateError> for PayerError {
    fn from(e: StateError) -> Self {
        PayerError::State(e)
    }
}

impl From<PayerError> for SandboxError {
    fn from(e: PayerError) -> Self {
        match e {
            PayerError::State(e) => e.into(),
            PayerError::Signature(m) | PayerError::Params(m) => SandboxError::Refused(m),
        }
    }
}

impl PayerError {
    fn reply(self) -> Reply {
        match self {
            PayerError::State(StateError::NotFound(m)) => ErrorCode::NotFound.reply(m),
            PayerError::State(StateError::Conflict(m)) => ErrorCode::InvalidState.reply(m),
            PayerError::Signature(m) => ErrorCode::SignError.reply(m),
            PayerError::Params(m) => ErrorCode::ParamError.reply(m),
        }
    }
}

/// The payment fails: the order becomes `PAYERROR` (not notified: the
/// platform notifies successful payments only).
pub(crate) fn fail_order(
    shared: &Shared,
    mchid: &str,
    out_trade_no: &str,
) -> Result<Order, StateError> {
    let now = shared.unix_now();
    let mut state = shared.state();
    state.refuse_sub_order(mchid, out_trade_no)?;
    state.fail_order(mchid, out_trade_no, now)
}

/// The order expires now: it becomes `CLOSED`.
pub(crate) fn expire_order(
    shared: &Shared,
    mchid: &str,
    out_trade_no: &str,
) -> Result<Order, StateError> {
    let now = shared.unix_now();
    let mut state = shared.state();
    state.refuse_sub_order(mchid, out_trade_no)?;
    state.expire_order(mchid, out_trade_no, now)
}

/// The order a front end's `prepay_id` names, if it is of `trade_type`.
fn order_for(shared: &Shared, prepay_id: &str, trade_type: &str) -> Result<Order, PayerError> {
    let order = shared
        .state()
        .order_by_prepay_id(prepay_id)
        .cloned()
        .ok_or_else(|| StateError::NotFound(format!("no order has prepay_id {prepay_id}")))?;
    if order.trade_type != trade_type {
        return Err(PayerError::Params(format!(
            "prepay_id {prepay_id} belongs to a {} order, not a {trade_type} one",
            order.trade_type
        )));
    }
    Ok(order)
}

/// Checks a front-end signature over `message` with the key of the
/// merchant that placed `order`.
fn verify(
    shared: &Shared,
    order: &Order,
    field: &str,
    message: &str,
    signature: &str,
) -> Result<(), PayerError> {
    let signer = order.sp_mchid.as_deref().unwrap_or(&order.mchid);
    let merchant = shared.merchant(signer).ok_or_else(|| {
        PayerError::Signature(format!(
            "the sandbox does not know the key of merchant {signer}"
        ))
    })?;
    let verified = base64_decode(signature)
        .is_ok_and(|bytes| merchant.public_key.verify(message.as_bytes(), &bytes));
    if verified {
        Ok(())
    } else {
        Err(PayerError::Signature(format!(
            "{field} does not verify with the API key of merchant {signer}"
        )))
    }
}

/// `wx.requestPayment` with these parameters: checked, then the order is paid.
pub(crate) fn request_payment(
    shared: &Shared,
    params: &JsapiPayParams,
) -> Result<Order, PayerError> {
    if params.sign_type != "RSA" {
        return Err(PayerError::Params(format!(
            "signType must be RSA, not {}",
            params.sign_type
        )));
    }
    let prepay_id = params.package.strip_prefix("prepay_id=").ok_or_else(|| {
        PayerError::Params("package must be prepay_id=<the order's prepay_id>".into())
    })?;
    let order = order_for(shared, prepay_id, "JSAPI")?;
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        params.app_id, params.time_stamp, params.nonce_str, params.package
    );
    verify(shared, &order, "paySign", &message, &params.pay_sign)?;
    if params.app_id != order.appid && Some(&params.app_id) != order.sub_appid.as_ref() {
        return Err(PayerError::Params(format!(
            "appId {} is not the appid the order was placed with ({})",
            params.app_id, order.appid
        )));
    }
    Ok(pay(shared, &order.mchid, &order.out_trade_no)?)
}

/// The APP SDK's `PayReq` with these parameters: checked, then the order
/// is paid.
pub(crate) fn request_app_payment(
    shared: &Shared,
    params: &AppPayParams,
) -> Result<Order, PayerError> {
    if params.package != "Sign=WXPay" {
        return Err(PayerError::Params(format!(
            "package must be Sign=WXPay, not {}",
            params.package
        )));
    }
    let order = order_for(shared, &params.prepayid, "APP")?;
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        params.appid, params.timestamp, params.noncestr, params.prepayid
    );
    verify(shared, &order, "sign", &message, &params.sign)?;
    if params.appid != order.appid && Some(&params.appid) != order.sub_appid.as_ref() {
        return Err(PayerError::Params(format!(
            "appid {} is not the appid the order was placed with ({})",
            params.appid, order.appid
        )));
    }
    if params.partnerid != order.mchid {
        return Err(PayerError::Params(format!(
            "partnerid {} must be the merchant the order is for ({})",
            params.partnerid, order.mchid
        )));
    }
    Ok(pay(shared, &order.mchid, &order.out_trade_no)?)
}

/// The payer scans a Native order's `code_url` and pays.
pub(crate) fn scan(shared: &Shared, code_url: &str) -> Result<Order, PayerError> {
    let token = code_url
        .strip_prefix(CODE_URL_PREFIX)
        .ok_or_else(|| PayerError::Params(format!("a code_url starts with {CODE_URL_PREFIX}")))?;
    let found = shared
        .state()
        .orders
        .values()
        .find(|o| o.trade_type == "NATIVE" && code_token(&o.prepay_id) == token)
        .map(|o| (o.mchid.clone(), o.out_trade_no.clone()));
    let (mchid, out_trade_no) = found.ok_or_else(|| {
        StateError::NotFound(format!("no Native order has the code_url {code_url}"))
    })?;
    Ok(pay(shared, &mchid, &out_trade_no)?)
}

/// Pays what a front end's parameters or a scanned code stand for: the
/// order, or the whole combined order it is a sub-order of (they share the
/// `prepay_id`); answers the order named.
fn pay(shared: &Shared, mchid: &str, out_trade_no: &str) -> Result<Order, StateError> {
    let parent = shared
        .state()
        .combined_parent(mchid, out_trade_no)
        .map(|c| (c.combine_mchid.clone(), c.combine_out_trade_no.clone()));
    let Some((combine_mchid, combine_out_trade_no)) = parent else {
        return control::pay_order(shared, mchid, out_trade_no);
    };
    crate::api::combine::moves::pay_combined(shared, &combine_mchid, &combine_out_trade_no)?
        .into_iter()
        .find(|o| o.mchid == mchid && o.out_trade_no == out_trade_no)
        .ok_or_else(|| StateError::NotFound(format!("no sub-order {out_trade_no}")))
}

fn answer(result: Result<Order, PayerError>) -> Checked<Reply> {
    result.map(|o| Reply::ok(&o)).map_err(PayerError::reply)
}

fn order_params(req: &SandboxRequest) -> Checked<(&str, &str)> {
    Ok((path_str(req, "mchid")?, path_str(req, "out_trade_no")?))
}

fn fail(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = order_params(req)?;
    answer(fail_order(shared, mchid, no).map_err(PayerError::from))
}

fn expire(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = order_params(req)?;
    answer(expire_order(shared, mchid, no).map_err(PayerError::from))
}

fn request_payment_route(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let refuse = || {
        ErrorCode::ParamError.reply(
            "expected the JSON of wx.requestPayment (appId, timeStamp, nonceStr, package, \
             signType, paySign) or of an APP PayReq (appid, partnerid, prepayid, package, \
             noncestr, timestamp, sign)",
        )
    };
    let value: Value = serde_json::from_slice(&req.body).map_err(|_| refuse())?;
    if value.get("paySign").is_some() {
        let params = JsapiPayParams::deserialize(&value).map_err(|_| refuse())?;
        answer(request_payment(shared, &params))
    } else {
        let params = AppPayParams::deserialize(&value).map_err(|_| refuse())?;
        answer(request_app_payment(shared, &params))
    }
}

#[derive(Deserialize)]
struct ScanRequest {
    code_url: String,
}

fn scan_route(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let scanned: ScanRequest = serde_json::from_slice(&req.body).map_err(|_| {
        ErrorCode::ParamError.reply(r#"expected {"code_url":"weixin://wxpay/bizpayurl?pr=…"}"#)
    })?;
    answer(scan(shared, &scanned.code_url))
}
