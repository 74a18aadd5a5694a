//! APIv2 notifications: the `<xml>` bodies WeChat Pay POSTs to the
//! `notify_url` of a v2 order or refund.
//!
//! - A **payment result** is signed with the v2 key like an answer: its
//!   `sign` is verified (with its `sign_type`, MD5 when absent) before
//!   anything else is read, then its merchant is checked.
//! - A **refund result** is not signed: its `req_info` is AES-256-ECB
//!   (PKCS#7) under the lowercase hex MD5 of the v2 key, so only a sender
//!   knowing the key can write it; it is decrypted and read.
//!
//! [`Client::parse_v2_notification`] does both; answer with
//! [`V2Answer::success`] or, when refused or when processing failed,
//! [`NotifyError::v2_answer`] (the platform sends the notification again).
//!
//! ```no_run
//! # fn run(client: wxpay_core::Client, body: &[u8]) -> wxpay_core::notify::V2Answer {
//! use wxpay_core::notify::{V2Answer, V2Notification};
//!
//! match client.parse_v2_notification(body) {
//!     Ok(V2Notification::Payment(paid)) => {
//!         println!("{} paid {} fen", paid.out_trade_no, paid.total_fee);
//!         V2Answer::success()
//!     }
//!     Ok(V2Notification::Refund(refund)) => {
//!         println!("{} is {}", refund.info.out_refund_no, refund.info.refund_status);
//!         V2Answer::success()
//!     }
//!     // Kinds added later.
//!     Ok(_) => V2Answer::success(),
//!     Err(refused) => refused.v2_answer(),
//! }
//! # }
//! ```

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use serde::Deserialize;

use super::NotifyError;
use crate::client::Client;
use crate::v2::fields::{field, from_fields};
use crate::v2::{SignType, xml};

/// A verified v2 notification.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum V2Notification {
    /// A payment result (`result_code` may be `FAIL`: read it).
    Payment(Box<V2PaymentNotification>),
    /// A refund result, decrypted.
    Refund(Box<V2RefundNotification>),
}

/// A v2 payment result notification. Money in fen.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct V2PaymentNotification {
    /// `SUCCESS` or `FAIL`.
    pub result_code: String,
    /// Why the payment failed, when it did.
    pub err_code: Option<String>,
    /// The description of `err_code`.
    pub err_code_des: Option<String>,
    /// The app id of the order.
    pub appid: String,
    /// The merchant (the client's, checked).
    pub mch_id: String,
    /// The sub-merchant's app id, for service providers.
    pub sub_appid: Option<String>,
    /// The sub-merchant, for service providers.
    pub sub_mch_id: Option<String>,
    /// The device number given at ordering.
    pub device_info: Option<String>,
    /// The payer's openid under `appid`.
    pub openid: Option<String>,
    /// `Y` when the payer follows the official account.
    pub is_subscribe: Option<String>,
    /// `JSAPI`, `NATIVE`, `APP`, `MICROPAY`, …
    pub trade_type: Option<String>,
    /// The payer's bank, e.g. `CMC`.
    pub bank_type: Option<String>,
    /// The order's amount.
    pub total_fee: i64,
    /// The amount to settle (the total less non-cash coupons).
    pub settlement_total_fee: Option<i64>,
    /// The currency, `CNY` when absent.
    pub fee_type: Option<String>,
    /// What the payer paid in cash.
    pub cash_fee: Option<i64>,
    /// The currency of `cash_fee`.
    pub cash_fee_type: Option<String>,
    /// The sum of the coupons.
    pub coupon_fee: Option<i64>,
    /// The coupons used (`coupon_type_$n`, `coupon_id_$n`, `coupon_fee_$n`).
    #[serde(rename = "coupon_$n", default)]
    pub coupons: Vec<V2Coupon>,
    /// WeChat Pay's order number.
    pub transaction_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The merchant's data given at ordering.
    pub attach: Option<String>,
    /// When the payment completed, `yyyyMMddHHmmss` (Beijing time).
    pub time_end: Option<String>,
    /// Every field as received (signed), for what the model does not name.
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
}

/// One coupon of a v2 payment.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct V2Coupon {
    /// `CASH` or `NO_CASH`.
    pub coupon_type: Option<String>,
    /// The coupon's id.
    pub coupon_id: Option<String>,
    /// The amount it paid.
    pub coupon_fee: Option<i64>,
}

/// A v2 refund result notification: its envelope and its decrypted
/// `req_info`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct V2RefundNotification {
    /// The app id of the order.
    pub appid: String,
    /// The merchant (the client's, checked).
    pub mch_id: String,
    /// The sub-merchant, for service providers.
    pub sub_mch_id: Option<String>,
    /// The decrypted refund result.
    pub info: V2RefundInfo,
}

/// The decrypted `req_info` of a v2 refund notification. Money in fen.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct V2RefundInfo {
    /// WeChat Pay's order number.
    pub transaction_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The order's amount.
    pub total_fee: i64,
    /// The order's amount to settle.
    pub settlement_total_fee: Option<i64>,
    /// The amount asked to refund.
    pub refund_fee: i64,
    /// The amount refunded, coupons excluded.
    pub settlement_refund_fee: Option<i64>,
    /// `SUCCESS`, `CHANGE` (failed: to be handled) or `REFUNDCLOSE`.
    pub refund_status: String,
    /// When the refund succeeded, `yyyy-MM-dd HH:mm:ss`.
    pub success_time: Option<String>,
    /// Where the money went, e.g. `招商银行信用卡0403`, `支付用户零钱`.
    pub refund_recv_accout: Option<String>,
    /// The account it came from.
    pub refund_account: Option<String>,
    /// `API` or `VENDOR_PLATFORM`.
    pub refund_request_source: Option<String>,
}

impl Client {
    /// Verifies and reads a v2 notification from its body exactly as
    /// received; see the [module docs](crate::notify::v2). Needs the v2 key
    /// ([`ClientBuilder::v2_key`](crate::ClientBuilder::v2_key)).
    pub fn parse_v2_notification(&self, body: &[u8]) -> Result<V2Notification, NotifyError> {
        let key = self.v2_key().ok_or(NotifyError::MissingV2Key)?;
        let fields = xml::parse(body).map_err(|e| NotifyError::Malformed(e.to_string()))?;
        let get = |name: &str| field(&fields, name);
        if get("return_code") != Some("SUCCESS") {
            return Err(NotifyError::Malformed("return_code is not SUCCESS".into()));
        }
        let status = StatusCode::OK;
        let merchant = |fields: &[(String, String)]| {
            crate::v2::check_merchant(fields, self.mchid(), status)
                .map_err(|e| NotifyError::BadSignature(e.reason))
        };
        if let Some(req_info) = get("req_info") {
            merchant(&fields)?;
            let plain = key
                .decrypt_refund_info(req_info)
                .map_err(|_| NotifyError::Decrypt)?;
            let info = xml::parse_document(&plain, "root")
                .map_err(|e| NotifyError::Malformed(format!("req_info: {e}")))?;
            let info: V2RefundInfo = from_fields(info).map_err(|e| decode("V2RefundInfo", e))?;
            let envelope: RefundEnvelope =
                from_fields(fields).map_err(|e| decode("V2RefundNotification", e))?;
            return Ok(V2Notification::Refund(Box::new(V2RefundNotification {
                appid: envelope.appid,
                mch_id: envelope.mch_id,
                sub_mch_id: envelope.sub_mch_id,
                info,
            })));
        }
        crate::v2::verify_fields(&fields, key, SignType::Md5, status)
            .map_err(|e| NotifyError::BadSignature(e.reason))?;
        merchant(&fields)?;
        let mut paid: V2PaymentNotification =
            from_fields(fields.clone()).map_err(|e| decode("V2PaymentNotification", e))?;
        paid.fields = fields;
        Ok(V2Notification::Payment(Box::new(paid)))
    }
}

#[derive(Deserialize)]
struct RefundEnvelope {
    appid: String,
    mch_id: String,
    sub_mch_id: Option<String>,
}

fn decode(model: &'static str, e: crate::v2::fields::FieldsError) -> NotifyError {
    NotifyError::Decode {
        event_type: "v2".into(),
        model,
        reason: e.to_string(),
    }
}

/// What to answer a v2 notification: `<xml>` with `return_code`
/// `SUCCESS` to accept, `FAIL` (and a non-2xx status) to have it sent
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Answer {
    /// The HTTP status: 200 to accept.
    pub status: StatusCode,
    /// The XML body.
    pub body: Bytes,
}

impl V2Answer {
    /// `200` with `return_code` `SUCCESS` and `return_msg` `OK`.
    pub fn success() -> Self {
        V2Answer {
            status: StatusCode::OK,
            body: Bytes::from(answer_xml("SUCCESS", "OK")),
        }
    }

    /// Refuses: `status` (4xx or 5xx) and `return_code` `FAIL` with this
    /// message (at most 64 characters kept; no secrets).
    pub fn fail(status: StatusCode, message: &str) -> Self {
        let message: String = message.chars().take(64).collect();
        V2Answer {
            status,
            body: Bytes::from(answer_xml("FAIL", &message)),
        }
    }

    /// Whether the answer accepts the notification.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The answer as an HTTP response, `Content-Type: application/xml`.
    pub fn into_response<B: From<Bytes>>(self) -> http::Response<B> {
        let mut response = http::Response::new(B::from(self.body));
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        response
    }
}

fn answer_xml(code: &str, message: &str) -> String {
    xml::write(&[
        ("return_code".to_owned(), code.to_owned()),
        ("return_msg".to_owned(), message.to_owned()),
    ])
}

impl NotifyError {
    /// The v2 answer refusing the notification: this error's status and
    /// `return_code` `FAIL` with the same short message as
    /// [`answer`](Self::answer).
    pub fn v2_answer(&self) -> V2Answer {
        let json = self.answer();
        let message = serde_json::from_slice::<serde_json::Value>(&json.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_default();
        V2Answer::fail(self.status(), &message)
    }
}
