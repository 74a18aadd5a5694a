//! APIv2 declarations: defaults, every option and flag, and the constants they give.

use wxpay_core::endpoint;
use wxpay_core::v2::{SignType, V2Endpoint};

/// The answer of a code payment.
#[derive(Debug, serde::Deserialize)]
pub struct MicropayResponse {
    pub transaction_id: String,
}

#[endpoint(v2, POST, "/pay/micropay", response = MicropayResponse)]
#[derive(serde::Serialize)]
pub struct Micropay {
    pub mch_id: Option<String>,
    pub auth_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_type: Option<String>,
}

#[derive(serde::Serialize)]
#[endpoint(v2, POST, "/secapi/pay/refund", mutual_tls, unsigned_answer, sign_types = "MD5")]
pub struct Refund {
    pub out_refund_no: String,
}

#[endpoint(v2, POST, "/pay/downloadfundflow", download, mutual_tls, sign_types = "HMAC-SHA256")]
#[derive(serde::Serialize)]
pub struct Downloadfundflow {
    pub bill_date: String,
    pub account_type: String,
}

#[endpoint(v2, GET, "/papay/entrustweb", method_name = sign_contract_on_page)]
#[derive(serde::Serialize)]
pub struct Entrustweb {
    pub plan_id: i64,
}

async fn calls(client: &wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    let answer: MicropayResponse = client
        .post_pay_micropay(Micropay {
            mch_id: None,
            auth_code: "120061098828009406".into(),
            sign_type: None,
        })
        .await?;
    let _ = answer.transaction_id;
    let _: serde::de::IgnoredAny = client
        .post_secapi_pay_refund(Refund { out_refund_no: "r1".into() })
        .await?;
    let bill: wxpay_core::bytes::Bytes = client
        .post_pay_downloadfundflow(Downloadfundflow {
            bill_date: "20261202".into(),
            account_type: "Basic".into(),
        })
        .await?;
    let _ = bill;
    let url: String = client.sign_contract_on_page(Entrustweb { plan_id: 1 })?;
    let _ = url;
    Ok(())
}

fn main() {
    let _ = calls;
    assert_eq!(Micropay::METHOD, http::Method::POST);
    assert_eq!(Micropay::PATH, "/pay/micropay");
    assert!(!Micropay::MUTUAL_TLS && Micropay::SIGNED_ANSWER);
    assert_eq!(Micropay::SIGN_TYPES, [SignType::HmacSha256, SignType::Md5]);
    assert!(Refund::MUTUAL_TLS && !Refund::SIGNED_ANSWER);
    assert_eq!(Refund::SIGN_TYPES, [SignType::Md5]);
    assert!(Downloadfundflow::MUTUAL_TLS && !Downloadfundflow::SIGNED_ANSWER);
    assert_eq!(Entrustweb::METHOD, http::Method::GET);
}
