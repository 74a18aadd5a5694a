//! A downstream crate: it depends on `wxpay-core` under the name `pay` and on
//! nothing else, and declares endpoints wxpay-core does not ship. Its
//! [`prelude`] brings their client methods into scope, as the README shows.

use pay::serde::{Deserialize, Serialize};
use pay::{SensitiveFields, endpoint};

/// Lists a payscore service's orders (a numeric path parameter and a query).
#[endpoint(GET, "/v3/payscore/services/{service_id}/orders", response = ServiceOrdersResponse, crate = "::pay")]
#[derive(Debug, Clone)]
pub struct ServiceOrders {
    /// The payscore service id.
    pub service_id: u64,
    /// The appid the service belongs to.
    pub appid: String,
    /// Page size.
    pub limit: Option<u32>,
}

/// The answer to [`ServiceOrders`].
#[derive(Debug, Deserialize)]
#[serde(crate = "pay::serde")]
pub struct ServiceOrdersResponse {
    /// How many orders there are.
    pub total_count: i64,
    /// The service id, echoed.
    pub service_id: String,
}

/// Registers a payee (a POST with a query parameter, a nested sensitive field).
#[endpoint(POST, "/v3/custom/payees", response = PayeeResponse, crate = "::pay", method_name = register_payee)]
pub struct RegisterPayee {
    /// An idempotency key, sent in the query.
    #[query]
    pub request_no: String,
    /// Who is paid.
    #[sensitive]
    pub payee: Payee,
}

/// A payee whose name is encrypted before sending.
#[derive(Debug, Clone, Serialize, SensitiveFields)]
#[serde(crate = "pay::serde")]
#[wxpay(crate = "::pay")]
pub struct Payee {
    /// The payee's openid.
    pub openid: String,
    /// The payee's real name (sensitive).
    #[sensitive]
    pub name: String,
}

/// The answer to [`RegisterPayee`].
#[derive(Debug, Deserialize)]
#[serde(crate = "pay::serde")]
pub struct PayeeResponse {
    /// The id given to the payee.
    pub payee_id: String,
}

/// The client methods of this crate's endpoints: `use wxpay_downstream::prelude::*;`.
pub mod prelude {
    pub use super::{RegisterPayeeExt as _, ServiceOrdersExt as _};
}
