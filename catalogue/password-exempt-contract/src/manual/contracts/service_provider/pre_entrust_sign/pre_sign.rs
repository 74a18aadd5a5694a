//! `/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/…`:
//! pre-signing password-free contracts (服务商预签约).

use serde::{Deserialize, Serialize};

use wxpay_core::endpoint;

/// Starts signing a password-free contract from a mini-program
/// (`POST …/pre-entrust-sign/mini-program`, 服务商小程序场景预签约).
///
/// The answer's `pre_entrustweb_id`, `sign_mp_appid` and `sign_mp_path`
/// open WeChat's signing mini-program, where the user signs; the session
/// lasts two hours. Once signed, the contract is found with
/// [`OutContractCode`](crate::contracts::service_id::OutContractCode),
/// and the merchant is notified at `notify_url`.
#[endpoint(POST, "/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program", response = MiniProgramResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MiniProgram {
    /// The service provider's appid.
    pub sp_appid: String,
    /// The user's openid under `sp_appid`.
    pub sp_openid: Option<String>,
    /// The sub-merchant the contract is for.
    pub sub_mchid: String,
    /// The sub-merchant's appid.
    pub sub_appid: String,
    /// The user's openid under `sub_appid`.
    pub sub_openid: Option<String>,
    /// The password-free payment service id the merchant was given.
    pub service_id: u64,
    /// The merchant's own contract number, unique within the service.
    pub out_contract_code: String,
    /// HTTPS URL that receives the notification once the user has signed.
    pub notify_url: String,
    /// How the user's account is shown on the contract, such as a member name.
    pub contract_display_account: String,
}

/// The answer to [`MiniProgram`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniProgramResponse {
    /// The pre-sign session id (valid two hours) to hand to the signing mini-program.
    pub pre_entrustweb_id: String,
    /// The merchant that made the pre-sign request.
    pub mchid: String,
    /// The sub-merchant the contract is for.
    pub sub_mchid: String,
    /// The password-free payment service id.
    pub service_id: u64,
    /// The merchant's contract number, as sent.
    pub out_contract_code: String,
    /// The appid of WeChat's signing mini-program, to open with `wx.navigateToMiniProgram`.
    pub sign_mp_appid: String,
    /// The page of the signing mini-program to open.
    pub sign_mp_path: String,
}

/// Offers the user a password-free contract right after paying an order
/// (`POST …/pre-entrust-sign/pay-redirect-sign`, 服务商支付后场景预签约).
///
/// Call it after placing the order and before the user pays; if the
/// payment succeeds within the two-hour session, WeChat invites the user
/// to sign.
#[endpoint(POST, "/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/pay-redirect-sign", response = PayRedirectSignResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayRedirectSign {
    /// The service provider's appid.
    pub sp_appid: String,
    /// The user's openid under `sp_appid`.
    pub sp_openid: Option<String>,
    /// The sub-merchant the contract is for.
    pub sub_mchid: String,
    /// The sub-merchant's appid.
    pub sub_appid: String,
    /// The user's openid under `sub_appid`.
    pub sub_openid: Option<String>,
    /// The password-free payment service id the merchant was given.
    pub service_id: u64,
    /// The merchant's own contract number, unique within the service.
    pub out_contract_code: String,
    /// HTTPS URL that receives the notification once the user has signed.
    pub notify_url: String,
    /// How the user's account is shown on the contract, such as a member name.
    pub contract_display_account: String,
    /// The order, just placed and not yet paid, after whose payment the user is offered the contract.
    pub prepay_id: String,
}

/// The answer to [`PayRedirectSign`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRedirectSignResponse {
    /// The merchant that made the pre-sign request.
    pub mchid: String,
    /// The sub-merchant the contract is for.
    pub sub_mchid: String,
    /// The password-free payment service id.
    pub service_id: u64,
    /// The merchant's contract number, as sent.
    pub out_contract_code: String,
}
