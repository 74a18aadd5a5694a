//! `/v3/password-exempt-contract/contracts/normal/…`: password-free contracts
//! signed by direct merchants (直连商户).

pub mod pre_entrust_sign;
