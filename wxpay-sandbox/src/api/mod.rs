//! The platform's APIs as the sandbox implements them, one module per area:
//! placing orders (`pay`), code payments and their reversal (`codepay`),
//! looking them up and closing them (`orders`),
//! password-free contracts (`contracts`), refunds (`refunds`, and
//! abnormal ones in `refund`), the batch transfer (`transfer`), media
//! uploads (`media`), bills and their download (`bills`), the platform
//! certificates (`certificates`), combined orders (`combine`).
//!
//! Each module declares its [`Operation`]s. A request to one is first
//! checked against the spec's data for the operation, like in spec mode
//! (required parameters, headers and body fields with their JSON types;
//! see `spec.rs`), and required strings must not be empty; then against
//! the operation's own [`Rule`]s, which say only what the data does not;
//! then its handler reads the checked input and does the work.

use http::Method;

use crate::reply::Reply;
use crate::router::{Route, Router, SandboxRequest, builtin};
use crate::server::Shared;
use crate::spec::{self, Input};
use crate::validate::{self, Checked, Rule};

mod bills;
mod certificates;
pub(crate) mod codepay;
pub(crate) mod combine;
pub(crate) mod contracts;
pub(crate) mod media;
pub(crate) mod orders;
pub(crate) mod pay;
mod refund;
pub(crate) mod refunds;
mod transfer;

/// What a stateful operation does with a checked request.
pub(crate) type Handler = fn(&Shared, &SandboxRequest, &Input<'_>) -> Checked<Reply>;

/// A stateful route: the operation it serves, the rules it adds to the
/// spec's checks (tables applied in order), and its handler.
pub(crate) struct Operation {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) rules: &'static [&'static [Rule]],
    pub(crate) handler: Handler,
}

/// Every built-in APIv3 route; an error when the spec's data lacks one of
/// their operations.
pub(crate) fn router() -> Result<Router, String> {
    let areas: [&[Operation]; 11] = [
        certificates::OPERATIONS,
        pay::OPERATIONS,
        codepay::OPERATIONS,
        orders::OPERATIONS,
        contracts::OPERATIONS,
        refunds::OPERATIONS,
        refund::OPERATIONS,
        transfer::OPERATIONS,
        media::OPERATIONS,
        bills::OPERATIONS,
        combine::OPERATIONS,
    ];
    let mut router = Router::default();
    for operation in areas.into_iter().flatten() {
        let op = spec::operation(&operation.method, operation.path)?;
        let (rules, handler) = (operation.rules, operation.handler);
        let checked = builtin(move |shared, req| {
            let input = spec::check(req, op)?;
            spec::refuse_empty_strings(req, op, &input.body)?;
            validate::apply(rules, req, &input.body)?;
            handler(shared, req, &input)
        });
        router.add(Route::new(
            operation.method.clone(),
            operation.path,
            checked,
        ));
    }
    Ok(router)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use http::HeaderMap;
    use serde_json::{Value, json};

    use super::*;
    use crate::server::Platform;

    #[test]
    fn every_operation_is_in_the_spec_data() {
        router().unwrap();
    }

    /// Places a direct JSAPI order with `change` applied to a good body;
    /// the answer's status and its `detail` (field, issue).
    async fn place(change: impl FnOnce(&mut Value)) -> (u16, Value) {
        let mut body = json!({
            "appid": "wxd678efh567hg6787", "mchid": "1900000109",
            "description": "Image", "out_trade_no": "1217752501201407033233368018",
            "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
            "amount": {"total": 100}, "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "contract_info": {"token": "no-such-token"},
        });
        change(&mut body);
        let platform = Platform {
            keys: Vec::new(),
            default_serial: String::new(),
            retired: Vec::new(),
        };
        let router = router().unwrap();
        let shared = Arc::new(Shared::new(
            Vec::new(),
            platform,
            Router::default(),
            Router::default(),
        ));
        *shared.relations.write().unwrap() = crate::relations::Relations::defaults(["1900000109"]);
        let path = "/v3/pay/transactions/jsapi-with-contract";
        let (route, params) = router.find(&Method::POST, path).unwrap();
        let request = SandboxRequest {
            method: Method::POST,
            path: path.into(),
            params,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: serde_json::to_vec(&body).unwrap().into(),
            mchid: "1900000109".into(),
        };
        let reply = (route.handler)(shared, request).await;
        let answer: Value = serde_json::from_slice(&reply.body).unwrap();
        let detail = json!([answer["detail"]["field"], answer["detail"]["issue"]]);
        (reply.status.as_u16(), detail)
    }

    #[tokio::test]
    async fn the_spec_checks_then_the_route_rules_then_the_handler() {
        // The spec's data: a required field, its type.
        let (status, detail) = place(|b| b["amount"]["total"] = json!("100")).await;
        assert_eq!(
            (status, detail),
            (400, json!(["amount.total", "must be an integer"]))
        );
        let (_, detail) =
            place(|b| drop(b["payer"].as_object_mut().unwrap().remove("openid"))).await;
        assert_eq!(detail, json!(["payer.openid", "is required"]));
        // The stateful routes: required strings are not empty.
        let (_, detail) = place(|b| b["description"] = json!("")).await;
        assert_eq!(detail, json!(["description", "must not be empty"]));
        // The route's own rules.
        let (_, detail) = place(|b| b["mchid"] = json!("1900000110")).await;
        assert_eq!(
            detail,
            json!(["mchid", "must be the merchant that signed the request"])
        );
        let (_, detail) = place(|b| b["goods_tag"] = json!(1)).await;
        assert_eq!(detail, json!(["goods_tag", "must be a string"]));
        // The handler, with the state: the token names no contract.
        let (status, detail) = place(|_| {}).await;
        assert_eq!(
            (status, detail),
            (
                400,
                json!([
                    "contract_info.token",
                    "is not a pre-sign token of this merchant"
                ])
            )
        );
    }
}
