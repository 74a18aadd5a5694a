//! The buttons: each runs the route that makes the same move, in process,
//! so a button does exactly what that route does. The payer's and the
//! platform's moves are control routes (`POST /sandbox/…`, same path
//! after `/dashboard`); closing an order and terminating a contract are
//! the merchant's calls, run as the merchant that owns them.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::{Map, Value, json};

use super::view::segment;
use crate::lock::Recover;
use crate::reply::Reply;
use crate::router::{Route, Router, SandboxRequest};
use crate::server::Shared;

/// The control routes a button may run (templates of `control.rs` and
/// `payer.rs`), compared with the template of the route a path finds.
const CONTROL: [&str; 9] = [
    "/sandbox/orders/{mchid}/{out_trade_no}/pay",
    "/sandbox/orders/{mchid}/{out_trade_no}/fail",
    "/sandbox/orders/{mchid}/{out_trade_no}/expire",
    "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay",
    "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/fail",
    "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/expire",
    "/sandbox/contracts/{mchid}/{service_id}/{out_contract_code}/sign",
    "/sandbox/refunds/{mchid}/{out_refund_no}/settle",
    "/sandbox/notifications/{id}/redeliver",
];

/// The remark a contract terminated from the dashboard carries.
const TERMINATION_REMARK: &str = "terminated on the sandbox dashboard";

/// A move that ran: what it was and what its route answered.
pub(super) struct Done {
    pub(super) action: String,
    pub(super) reply: Reply,
}

/// Runs the move a button's path names; `None` when it names none.
pub(super) async fn run(shared: &Arc<Shared>, request: &SandboxRequest) -> Option<Done> {
    let path = request.path.strip_prefix("/dashboard")?;
    if let Some(rest) = path.strip_prefix("/merchant/") {
        return merchant(shared, rest).await;
    }
    let (route, params) = control_route(&shared.control, path)?;
    let route = route.clone();
    let body = if request.query.is_empty() {
        Bytes::new()
    } else {
        let fields: Map<String, Value> = request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Bytes::from(Value::Object(fields).to_string())
    };
    let label = describe(&params, &route.template, &request.query);
    let reply = call(shared, &route, path, params, String::new(), body).await;
    Some(Done {
        action: label,
        reply,
    })
}

/// The control route `POST path` runs, when it is one of [`CONTROL`].
fn control_route<'r>(
    control: &'r Router,
    path: &str,
) -> Option<(&'r Route, Vec<(String, String)>)> {
    control
        .find(&Method::POST, path)
        .filter(|(route, _)| CONTROL.contains(&route.template.as_str()))
}

/// A line for the activity list: the move and what it names.
fn describe(params: &[(String, String)], template: &str, query: &[(String, String)]) -> String {
    let verb = template.rsplit('/').next().unwrap_or_default();
    let what = if template.starts_with("/sandbox/combine-orders/") {
        "combined order"
    } else if template.starts_with("/sandbox/orders/") {
        "order"
    } else if template.starts_with("/sandbox/contracts/") {
        "contract"
    } else if template.starts_with("/sandbox/refunds/") {
        "refund"
    } else {
        "notification"
    };
    let names: Vec<&str> = params.iter().map(|(_, v)| v.as_str()).collect();
    let extra: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{verb} {what} {} {}", names.join(" / "), extra.join(" "))
        .trim_end()
        .to_owned()
}

/// Runs `route`'s handler on a request made here.
async fn call(
    shared: &Arc<Shared>,
    route: &Route,
    path: &str,
    params: Vec<(String, String)>,
    mchid: String,
    body: Bytes,
) -> Reply {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let request = SandboxRequest {
        method: Method::POST,
        path: path.to_owned(),
        params,
        query: Vec::new(),
        headers,
        body,
        mchid,
    };
    (route.handler)(shared.clone(), request).await
}

/// The merchant's moves: `orders/{mchid}/{no}/close`,
/// `combine-orders/{mchid}/{no}/close`,
/// `contracts/{mchid}/{service_id}/{code}/terminate`.
async fn merchant(shared: &Arc<Shared>, rest: &str) -> Option<Done> {
    let parts: Vec<String> = rest
        .split('/')
        .map(crate::router::percent_decode)
        .collect::<Option<_>>()?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let (action, signer, path, body) = match parts.as_slice() {
        ["orders", mchid, no, "close"] => close_order(shared, mchid, no)?,
        ["combine-orders", mchid, no, "close"] => close_combined(shared, mchid, no)?,
        ["contracts", mchid, service_id, code, "terminate"] => (
            format!("terminate contract {mchid} / {service_id} / {code}"),
            (*mchid).to_owned(),
            format!(
                "/v3/password-exempt-contract/contracts/service-id/{}/out-contract-code/{}/terminate",
                segment(service_id),
                segment(code)
            ),
            json!({ "contract_termination_remark": TERMINATION_REMARK }),
        ),
        _ => return None,
    };
    let found = {
        let router = shared.router.read().recover();
        router
            .find(&Method::POST, &path)
            .map(|(route, params)| (route.clone(), params))
    };
    let reply = match found {
        Some((route, params)) => {
            let body = Bytes::from(body.to_string());
            call(shared, &route, &path, params, signer, body).await
        }
        None => crate::error_code::ErrorCode::NotFound.reply("the sandbox has no route for this"),
    };
    Some(Done { action, reply })
}

/// The merchant's close call for an order: direct, or the service
/// provider's for a partner order.
fn close_order(shared: &Shared, mchid: &str, no: &str) -> Option<(String, String, String, Value)> {
    let sp = shared.state().order(mchid, no)?.sp_mchid.clone();
    let action = format!("close order {mchid} / {no}");
    Some(match sp {
        Some(sp) => (
            action,
            sp.clone(),
            format!(
                "/v3/pay/partner/transactions/out-trade-no/{}/close",
                segment(no)
            ),
            json!({ "sp_mchid": sp, "sub_mchid": mchid }),
        ),
        None => (
            action,
            mchid.to_owned(),
            format!("/v3/pay/transactions/out-trade-no/{}/close", segment(no)),
            json!({ "mchid": mchid }),
        ),
    })
}

/// The merchant's close call for a combined order, naming all its sub-orders.
fn close_combined(
    shared: &Shared,
    mchid: &str,
    no: &str,
) -> Option<(String, String, String, Value)> {
    let state = shared.state();
    let combined = state
        .combined_orders
        .get(&(mchid.to_owned(), no.to_owned()))?;
    let subs: Vec<Value> = combined
        .sub_orders
        .iter()
        .map(|s| {
            let mut item = json!({ "mchid": s.mchid, "out_trade_no": s.out_trade_no });
            if let (Some(sub), Some(obj)) = (&s.sub_mchid, item.as_object_mut()) {
                obj.insert("sub_mchid".into(), json!(sub));
            }
            item
        })
        .collect();
    Some((
        format!("close combined order {mchid} / {no}"),
        mchid.to_owned(),
        format!(
            "/v3/combine-transactions/out-trade-no/{}/close",
            segment(no)
        ),
        json!({ "combine_appid": combined.combine_appid, "sub_orders": subs }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_control_routes_run() {
        let control = crate::control::router();
        let runs = |path| control_route(&control, path).is_some();
        assert!(runs("/sandbox/orders/1900000109/T%201/pay"));
        assert!(CONTROL.iter().all(|t| control_route(&control, t).is_some()));
        assert!(!runs("/sandbox/orders/1900000109//pay"));
        assert!(!runs("/sandbox/faults"));
        assert!(!runs("/sandbox/platform/rotate"));
        assert!(!runs("/sandbox/orders/1900000109/T1/pay/more"));
    }
}
