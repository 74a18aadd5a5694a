//! `/v3/refund/…`: refunds.

pub mod domestic;
