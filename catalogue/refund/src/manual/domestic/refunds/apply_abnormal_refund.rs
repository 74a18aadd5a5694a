//! `POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund` (发起异常退款).

use std::fmt;

use serde::{Deserialize, Serialize};

use wxpay_core::endpoint;
use wxpay_core::endpoint::Redacted;

/// Settles a refund that ended `ABNORMAL` (the payer's card was closed, say)
/// by sending the money to a bank card instead: the user's
/// ([`AbnormalRefundType::UserBankCard`], with `bank_type`, `bank_account`
/// and `real_name`) or the merchant's ([`AbnormalRefundType::MerchantBankCard`]).
///
/// `bank_account` and `real_name` are sensitive: write them in clear, the
/// client encrypts them with the preferred platform key before signing and
/// names that key in `Wechatpay-Serial`. `Debug` prints neither.
///
/// ```no_run
/// use wxpay_core::prelude::*;
/// use wxpay_v3_refund::prelude::*;
/// use wxpay_v3_refund::domestic::refunds::{AbnormalRefundType, ApplyAbnormalRefund, BankType};
///
/// # async fn run(client: Client) -> Result<(), wxpay_core::Error> {
/// let refund = client
///     .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(ApplyAbnormalRefund {
///         refund_id: "50000000382019052709732678859".into(),
///         out_refund_no: "1217752501201407033233368018".into(),
///         r#type: AbnormalRefundType::UserBankCard,
///         bank_type: Some(BankType::CmbDebit),
///         bank_account: Some("6214830000001234".into()),
///         real_name: Some("张三".into()),
///         ..Default::default()
///     })
///     .await?;
/// println!("{} → {}", refund.status, refund.user_received_account);
/// # Ok(()) }
/// ```
#[endpoint(
    POST,
    "/v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund",
    response = crate::domestic::Refund
)]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApplyAbnormalRefund {
    /// The platform's refund number (微信退款单号) of the abnormal refund.
    pub refund_id: String,
    /// The sub-merchant, for service providers.
    pub sub_mchid: Option<String>,
    /// The merchant's refund number of that refund.
    pub out_refund_no: String,
    /// Where the money goes instead.
    pub r#type: AbnormalRefundType,
    /// The user's bank, for [`AbnormalRefundType::UserBankCard`].
    pub bank_type: Option<BankType>,
    /// The user's card number, for [`AbnormalRefundType::UserBankCard`]. Sensitive.
    #[sensitive]
    pub bank_account: Option<String>,
    /// The card holder's name, for [`AbnormalRefundType::UserBankCard`]. Sensitive.
    #[sensitive]
    pub real_name: Option<String>,
}

impl fmt::Debug for ApplyAbnormalRefund {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyAbnormalRefund")
            .field("refund_id", &self.refund_id)
            .field("sub_mchid", &self.sub_mchid)
            .field("out_refund_no", &self.out_refund_no)
            .field("type", &self.r#type)
            .field("bank_type", &self.bank_type)
            .field(
                "bank_account",
                &self.bank_account.as_ref().map(|_| Redacted),
            )
            .field("real_name", &self.real_name.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// How an abnormal refund is settled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum AbnormalRefundType {
    /// To the user's bank card (`USER_BANK_CARD`).
    #[default]
    UserBankCard,
    /// To the merchant's bank account (`MERCHANT_BANK_CARD`).
    MerchantBankCard,
    /// A value this version does not know, sent as is.
    Other(String),
}

impl From<String> for AbnormalRefundType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "USER_BANK_CARD" => Self::UserBankCard,
            "MERCHANT_BANK_CARD" => Self::MerchantBankCard,
            _ => Self::Other(s),
        }
    }
}

impl From<AbnormalRefundType> for String {
    fn from(t: AbnormalRefundType) -> Self {
        match t {
            AbnormalRefundType::UserBankCard => "USER_BANK_CARD".into(),
            AbnormalRefundType::MerchantBankCard => "MERCHANT_BANK_CARD".into(),
            AbnormalRefundType::Other(s) => s,
        }
    }
}

macro_rules! bank_types {
    ($($variant:ident = $wire:literal, $doc:literal;)*) => {
        /// The bank of a debit card an abnormal refund is paid to.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum BankType {
            $(
                #[doc = $doc]
                $variant,
            )*
            /// A bank code this version does not know, sent as is.
            Other(String),
        }

        impl From<String> for BankType {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::Other(s),
                }
            }
        }

        impl From<BankType> for String {
            fn from(t: BankType) -> Self {
                match t {
                    $(BankType::$variant => $wire.into(),)*
                    BankType::Other(s) => s,
                }
            }
        }
    };
}

bank_types! {
    CmbDebit = "CMB_DEBIT", "China Merchants Bank (`CMB_DEBIT`).";
    CommDebit = "COMM_DEBIT", "Bank of Communications (`COMM_DEBIT`).";
    AbcDebit = "ABC_DEBIT", "Agricultural Bank of China (`ABC_DEBIT`).";
    CcbDebit = "CCB_DEBIT", "China Construction Bank (`CCB_DEBIT`).";
    IcbcDebit = "ICBC_DEBIT", "Industrial and Commercial Bank of China (`ICBC_DEBIT`).";
    BocDebit = "BOC_DEBIT", "Bank of China (`BOC_DEBIT`).";
    PabDebit = "PAB_DEBIT", "Ping An Bank (`PAB_DEBIT`).";
    SpdbDebit = "SPDB_DEBIT", "Shanghai Pudong Development Bank (`SPDB_DEBIT`).";
    CiticDebit = "CITIC_DEBIT", "China CITIC Bank (`CITIC_DEBIT`).";
    CebDebit = "CEB_DEBIT", "China Everbright Bank (`CEB_DEBIT`).";
    CmbcDebit = "CMBC_DEBIT", "China Minsheng Bank (`CMBC_DEBIT`).";
    CibDebit = "CIB_DEBIT", "Industrial Bank (`CIB_DEBIT`).";
    GdbDebit = "GDB_DEBIT", "China Guangfa Bank (`GDB_DEBIT`).";
    PsbcDebit = "PSBC_DEBIT", "Postal Savings Bank of China (`PSBC_DEBIT`).";
    NbcbDebit = "NBCB_DEBIT", "Bank of Ningbo (`NBCB_DEBIT`).";
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    fn request() -> ApplyAbnormalRefund {
        ApplyAbnormalRefund {
            refund_id: "50000000382019052709732678859".into(),
            out_refund_no: "R1217752501201407033233368018".into(),
            r#type: AbnormalRefundType::UserBankCard,
            bank_type: Some(BankType::CmbDebit),
            bank_account: Some("6214830000001234".into()),
            real_name: Some("张三".into()),
            ..Default::default()
        }
    }

    #[test]
    fn path_body_and_sensitive_fields() {
        const { assert!(ApplyAbnormalRefund::HAS_SENSITIVE) };
        let mut req = request();
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(
            path,
            "/v3/refund/domestic/refunds/50000000382019052709732678859/apply-abnormal-refund"
        );
        let mut seen = Vec::new();
        req.encrypt_sensitive(&mut |plain: &str| {
            seen.push(plain.to_owned());
            Ok(format!("enc({})", plain.len()))
        })
        .unwrap();
        assert_eq!(seen, ["6214830000001234", "张三"]);
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "out_refund_no": "R1217752501201407033233368018",
                "type": "USER_BANK_CARD",
                "bank_type": "CMB_DEBIT",
                "bank_account": "enc(16)",
                "real_name": "enc(6)",
            })
        );

        // To the merchant's card: no sensitive field, nothing to encrypt.
        let mut merchant = ApplyAbnormalRefund {
            r#type: AbnormalRefundType::MerchantBankCard,
            bank_type: None,
            bank_account: None,
            real_name: None,
            ..request()
        };
        merchant
            .encrypt_sensitive(&mut |_| panic!("nothing to encrypt"))
            .unwrap();
        let RequestBody::Json(body) = merchant.body().unwrap() else {
            panic!()
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["type"], "MERCHANT_BANK_CARD");
        assert!(v.get("bank_account").is_none() && v.get("real_name").is_none());
    }

    #[test]
    fn debug_never_shows_sensitive_values() {
        let text = format!("{:?}", request());
        assert!(
            !text.contains("6214830000001234") && !text.contains("张三"),
            "{text}"
        );
        assert!(text.contains("bank_account: Some(<redacted>)"), "{text}");
        assert!(text.contains("50000000382019052709732678859"), "{text}");
        let none = ApplyAbnormalRefund {
            bank_account: None,
            ..request()
        };
        assert!(format!("{none:?}").contains("bank_account: None"));
    }

    #[test]
    fn enums_keep_unknown_values() {
        let t: AbnormalRefundType = serde_json::from_str("\"TO_THE_MOON\"").unwrap();
        assert_eq!(t, AbnormalRefundType::Other("TO_THE_MOON".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"TO_THE_MOON\"");
        let b: BankType = serde_json::from_str("\"NBCB_DEBIT\"").unwrap();
        assert_eq!(b, BankType::NbcbDebit);
        assert_eq!(
            serde_json::to_string(&BankType::Other("XYZ_DEBIT".into())).unwrap(),
            "\"XYZ_DEBIT\""
        );
    }

    #[test]
    fn response_decodes_the_spec_shape_and_ignores_new_fields() {
        let body = br#"{"refund_id":"50000000382019052709732678859","out_refund_no":"R1",
            "transaction_id":"4200000000202611270000000001","out_trade_no":"T1","channel":"OTHER_BANKCARD",
            "user_received_account":"CMB_DEBIT 1234","create_time":"2020-12-01T16:18:12+08:00",
            "status":"PROCESSING","funds_account":"AVAILABLE","added_later":true,
            "amount":{"total":100,"refund":100,"from":[{"account":"AVAILABLE","amount":100}],
              "payer_total":90,"payer_refund":90,"settlement_refund":100,"settlement_total":100,
              "discount_refund":10,"currency":"CNY"},
            "promotion_detail":[{"promotion_id":"109519","scope":"GLOBAL","type":"COUPON","amount":5,
              "refund_amount":5,"goods_detail":[{"merchant_goods_id":"g1","unit_price":100,
              "refund_amount":100,"refund_quantity":1}]}]}"#;
        // The answer is the shared refund model.
        let r: crate::domestic::Refund = ApplyAbnormalRefund::decode_response(body).unwrap();
        assert_eq!(r.status, crate::domestic::RefundStatus::Processing);
        assert_eq!(r.channel.as_str(), "OTHER_BANKCARD");
        assert_eq!(r.amount.from.as_ref().unwrap()[0].amount, 100);
        let promotions = r.promotion_detail.as_ref().unwrap();
        assert_eq!(
            promotions[0].goods_detail.as_ref().unwrap()[0].refund_quantity,
            1
        );
        assert_eq!(r.success_time, None);
    }
}
