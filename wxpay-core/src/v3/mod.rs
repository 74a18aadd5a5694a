//! Typed APIv3 endpoints, in modules that mirror their URL: the request for
//! `POST /v3/pay/transactions/jsapi-with-contract` is
//! [`v3::pay::transactions::JsapiWithContract`](crate::v3::pay::transactions::JsapiWithContract).
//!
//! Each request struct is declared with [`#[endpoint]`](macro@crate::endpoint) and
//! comes with an extension trait adding a method to [`Client`](crate::Client);
//! [`prelude`](crate::prelude) brings all of them into scope.

pub mod bill;
pub mod billdownload;
mod certificates;
pub mod marketing;
pub mod merchant;
pub mod password_exempt_contract;
pub mod pay;
pub mod refund;
pub mod transfer;

pub use certificates::*;
