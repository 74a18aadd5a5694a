//! The platform's APIs as the sandbox implements them, one module per area:
//! placing orders (`pay`), looking them up and closing them (`orders`),
//! password-free contracts (`contracts`), refunds (`refunds`), media
//! uploads (`media`), bills and their download (`bills`).

use crate::router::Router;

mod bills;
mod certificates;
pub(crate) mod contracts;
pub(crate) mod media;
pub(crate) mod orders;
mod pay;
mod refund;
pub(crate) mod refunds;
mod transfer;

/// Every built-in APIv3 route.
pub(crate) fn router() -> Router {
    let mut router = Router::default();
    certificates::register(&mut router);
    pay::register(&mut router);
    orders::register(&mut router);
    contracts::register(&mut router);
    refunds::register(&mut router);
    refund::register(&mut router);
    transfer::register(&mut router);
    media::register(&mut router);
    bills::register(&mut router);
    router
}
