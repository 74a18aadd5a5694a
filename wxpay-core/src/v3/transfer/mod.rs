//! `/v3/transfer/…`: merchant transfers to users' WeChat balance (商家转账到零钱).

mod batches;

pub use batches::*;
