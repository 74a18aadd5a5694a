//! The platform's APIs as the sandbox implements them, one module per area.

use crate::router::Router;

mod certificates;
mod pay;
mod refund;
mod transfer;

/// Every built-in APIv3 route.
pub(crate) fn router() -> Router {
    let mut router = Router::default();
    certificates::register(&mut router);
    pay::register(&mut router);
    refund::register(&mut router);
    transfer::register(&mut router);
    router
}
