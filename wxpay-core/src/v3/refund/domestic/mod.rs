//! `/v3/refund/domestic/…`: refunds of orders paid in CNY.
//!
//! Asking for a refund: [`PostRefunds`]; looking one up: [`GetRefunds`];
//! both answer a [`Refund`].

mod get_refunds;
mod post_refunds;
mod refund;
pub mod refunds;

pub use get_refunds::*;
pub use post_refunds::*;
pub use refund::*;
