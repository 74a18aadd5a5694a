//! Models of the orders a service provider (`sp_mchid`) places and
//! manages for a sub-merchant (`sub_mchid`) in
//! `v3::pay::partner::transactions`. Amounts, line items, scene and
//! contract blocks are the direct merchants' types from
//! `v3::pay::transactions`.

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
