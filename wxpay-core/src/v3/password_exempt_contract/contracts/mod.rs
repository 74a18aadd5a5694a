//! `/v3/password-exempt-contract/contracts/…`: signing, looking up and
//! ending password-free contracts.
//!
//! Pre-signing has one module per merchant kind, each with a mini-program
//! and a pay-then-sign variant; the client methods carry the kind as a
//! prefix (`normal_mini_program`, `qs_pay_redirect_sign`, …).

pub mod ecommerce;
pub mod normal;
pub mod qs;
pub mod service_id;
pub mod service_provider;
