//! `/v3/refund/domestic/refunds/{…}/…`: operations on one refund.

mod apply_abnormal_refund;

pub use apply_abnormal_refund::*;
