//! `/v3/refund/domestic/…`: refunds of orders paid in CNY.
//!
//! Asking for a refund: [`PostRefunds`]; looking one up: [`GetRefunds`];
//! both answer a [`Refund`]. Refund notifications carry a
//! [`RefundNotification`] (see [`crate::notify`]).

mod get_refunds;
mod post_refunds;
mod refund;
mod refund_notification;
pub mod refunds;

pub use get_refunds::*;
pub use post_refunds::*;
pub use refund::*;
pub use refund_notification::*;
