//! `/v3/password-exempt-contract/contracts/service-provider/…`: password-free contracts
//! signed by service providers signing for a sub-merchant (服务商).

pub mod pre_entrust_sign;
