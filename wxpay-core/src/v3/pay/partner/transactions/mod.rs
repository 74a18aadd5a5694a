//! `/v3/pay/partner/transactions/…`: orders a service provider
//! (`sp_mchid`) places and manages for a sub-merchant (`sub_mchid`).
//!
//! Placing orders: [`JsapiWithContract`], [`AppWithContract`]; looking them
//! up: [`OutTradeNo`], [`Id`] (both answer a partner [`Transaction`]);
//! closing them: [`out_trade_no::Close`]. Amounts, line items, scene and
//! contract blocks are the direct merchants' types from
//! [`v3::pay::transactions`](crate::v3::pay::transactions).

mod app_with_contract;
mod jsapi_with_contract;
pub mod out_trade_no;
mod query;
mod transaction;

pub use app_with_contract::*;
pub use jsapi_with_contract::*;
pub use query::*;
pub use transaction::*;

use serde::{Deserialize, Serialize};

/// Who pays a partner order: the payer's openid under the service
/// provider's appid, under the sub-merchant's appid, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// The payer's openid under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// The payer's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}
