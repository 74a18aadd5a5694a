//! Looking up one password-free contract by the merchant's contract number.

use serde::{Deserialize, Serialize};

use wxpay_core::endpoint;

/// Looks up a signed password-free contract by the merchant's contract
/// number (`GET …/service-id/{service_id}/out-contract-code/{out_contract_code}`,
/// 通过商户协议号查询协议).
///
/// Both values are path segments: the contract number is percent-encoded,
/// so any characters the merchant used are safe. A contract the user has
/// not signed yet answers `404`.
#[endpoint(
    GET,
    "/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}",
    response = OutContractCodeResponse
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutContractCode {
    /// The password-free payment service id (path).
    pub service_id: u64,
    /// The merchant's contract number (path).
    pub out_contract_code: String,
}

wxpay_core::open_enum! {
    /// Where a password-free contract stands (`contract_state`).
    pub enum ContractState {
        /// Signed and in force.
        Signed = "SIGNED",
        /// Ended, by the user or the merchant.
        Terminated = "TERMINATED",
    }
}

wxpay_core::open_enum! {
    /// How a contract was ended (`contract_termination_mode`).
    ///
    /// The spec names only the user's own termination; other ways (by the
    /// merchant's API call, by the platform) arrive as `Other` with the
    /// platform's value.
    pub enum ContractTerminationMode {
        /// The user ended the contract in WeChat.
        UserTerminate = "USER_TERMINATE",
    }
}

/// The answer to [`OutContractCode`]: a password-free contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutContractCodeResponse {
    /// The merchant the contract is with.
    pub mchid: String,
    /// The platform's contract id, usable as `password_free_contract_id`
    /// when placing orders.
    pub contract_id: String,
    /// The appid the user signed under.
    pub appid: String,
    /// The user's openid under `appid`.
    pub openid: String,
    /// The sub-merchant's appid, for contracts signed for a sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// The password-free payment service id.
    pub service_id: u64,
    /// The merchant's contract number.
    pub out_contract_code: String,
    /// How the user's account is shown on the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// Whether the contract is in force or ended.
    pub contract_state: ContractState,
    /// When the user signed (RFC 3339).
    pub contract_signed_time: String,
    /// How and when the contract ended, once terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<ContractTerminateInfo>,
}

/// How and when a contract ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractTerminateInfo {
    /// Who or what ended it.
    pub contract_termination_mode: ContractTerminationMode,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminated_time: Option<String>,
    /// The remark given when ending it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_remark: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};
    mod tv {
        //! The shared known-answer cases (`tests/fixtures/vectors.json`).
        pub fn case(name: &str) -> serde_json::Value {
            let all: serde_json::Value = serde_json::from_str(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/vectors.json"
            )))
            .unwrap();
            all["cases"][name].clone()
        }
    }

    #[test]
    fn the_path_matches_the_encoded_vector() {
        let v = tv::case("request_get_contract_with_encoded_path");
        let req = OutContractCode {
            service_id: 500001,
            out_contract_code: "Contract/2026 A".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, v["url"].as_str().unwrap());
        assert_eq!(req.body().unwrap(), RequestBody::Empty);
    }

    #[test]
    fn decodes_the_spec_example_and_keeps_unknown_states() {
        let r = OutContractCode::decode_response(
            r#"{"mchid":"1900000109","contract_id":"123124412412423431",
                "appid":"wxd678efh567hg6787","openid":"wxd678efh567hg6787",
                "service_id":12535,"out_contract_code":"wxwtdk20200910100000",
                "contract_display_account":"微信代扣用户A","contract_state":"SIGNED",
                "contract_signed_time":"2020-09-10T13:29:35+08:00",
                "contract_terminate_info":{"contract_termination_mode":"USER_TERMINATE",
                "contract_terminated_time":"2020-10-10T13:29:35+08:00",
                "contract_termination_remark":"用户解约"}}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(r.contract_state, ContractState::Signed);
        let info = r.contract_terminate_info.unwrap();
        assert_eq!(
            info.contract_termination_mode,
            ContractTerminationMode::UserTerminate
        );
        let r = OutContractCode::decode_response(
            br#"{"mchid":"1","contract_id":"2","appid":"a","openid":"o","service_id":1,
                "out_contract_code":"c","contract_state":"SUSPENDED",
                "contract_signed_time":"2020-09-10T13:29:35+08:00",
                "contract_terminate_info":{"contract_termination_mode":"EXPIRED"}}"#,
        )
        .unwrap();
        assert_eq!(r.contract_state, ContractState::Other("SUSPENDED".into()));
        assert_eq!(
            r.contract_terminate_info.unwrap().contract_termination_mode,
            ContractTerminationMode::Other("EXPIRED".into())
        );
    }
}
