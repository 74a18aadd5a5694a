//! The platform's APIs as the sandbox implements them, one module per area.

use crate::router::Router;

mod pay;

/// Every built-in APIv3 route.
pub(crate) fn router() -> Router {
    let mut router = Router::default();
    pay::register(&mut router);
    router
}
