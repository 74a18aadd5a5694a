//! `/v3/refund/domestic/…`: refunds of orders paid in CNY.

pub mod refunds;
