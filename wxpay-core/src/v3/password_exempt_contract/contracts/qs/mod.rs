//! `/v3/password-exempt-contract/contracts/qs/…`: password-free contracts
//! signed by clearing institutions signing for a sub-merchant (清算机构).

pub mod pre_entrust_sign;
