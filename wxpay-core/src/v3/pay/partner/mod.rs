//! `/v3/pay/partner/…`: orders placed by service providers (服务商) for
//! their sub-merchants.

pub mod transactions;
