//! `/v3/password-exempt-contract/contracts/ecommerce/…`: password-free contracts
//! signed by e-commerce platforms (收付通) (电商收付通).

pub mod pre_entrust_sign;
