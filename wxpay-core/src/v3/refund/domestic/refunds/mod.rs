//! `/v3/refund/domestic/refunds/{…}/…`: operations on one refund.
