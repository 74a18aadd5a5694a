//! Ending one password-free contract by the merchant's contract number.

use serde::{Deserialize, Serialize};

use wxpay_core::endpoint;

/// Ends a signed password-free contract
/// (`POST …/out-contract-code/{out_contract_code}/terminate`, 通过商户协议号解约).
///
/// Only a contract in force can be ended; afterwards
/// [`OutContractCode`](crate::contracts::service_id::OutContractCode)
/// reports it as terminated.
#[endpoint(
    POST,
    "/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}/terminate",
    response = TerminateResponse
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terminate {
    /// The password-free payment service id (path).
    pub service_id: u64,
    /// The merchant's contract number (path).
    pub out_contract_code: String,
    /// Why the contract is ended (body).
    pub contract_termination_remark: String,
}

/// The answer to [`Terminate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminateResponse {
    /// The merchant the contract was with.
    pub mchid: String,
    /// The password-free payment service id.
    pub service_id: u64,
    /// The merchant's contract number.
    pub out_contract_code: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn path_parameters_stay_out_of_the_body() {
        let req = Terminate {
            service_id: 12535,
            out_contract_code: "a b".into(),
            contract_termination_remark: "用户解约".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(
            path,
            "/v3/password-exempt-contract/contracts/service-id/12535/out-contract-code/a%20b/terminate"
        );
        assert_eq!(
            req.body().unwrap(),
            RequestBody::Json(r#"{"contract_termination_remark":"用户解约"}"#.as_bytes().to_vec())
        );
    }
}
