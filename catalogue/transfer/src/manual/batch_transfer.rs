//! `POST /v3/transfer/batches` (发起商家转账).

use std::fmt;

use serde::{Deserialize, Serialize};

use wxpay_core::endpoint::Redacted;
use wxpay_core::{SensitiveFields, endpoint};

/// Starts a batch of transfers from the merchant to users' WeChat balance.
///
/// Each transfer's `user_name` (and `user_id_card`, when given) is
/// sensitive: write it in clear, the client encrypts it with the preferred
/// platform key before signing and names that key in `Wechatpay-Serial`.
/// `Debug` of a [`TransferDetailInput`] prints neither.
///
/// Sending the same `out_batch_no` again with the same content returns the
/// same batch, so retrying after a timeout is safe.
///
/// ```no_run
/// use wxpay_core::prelude::*;
/// use wxpay_v3_transfer::prelude::*;
/// use wxpay_v3_transfer::{Batches, TransferDetailInput};
///
/// # async fn run(client: Client) -> Result<(), wxpay_core::Error> {
/// let batch = client
///     .post_transfer_batches(Batches {
///         appid: "wxf636efh567hg4356".into(),
///         out_batch_no: "plfk2020042013".into(),
///         batch_name: "2019年1月深圳分部报销单".into(),
///         batch_remark: "2019年1月深圳分部报销单".into(),
///         total_amount: 200_000,
///         total_num: 1,
///         transfer_detail_list: vec![TransferDetailInput {
///             out_detail_no: "x23zy545Bd5436".into(),
///             transfer_amount: 200_000,
///             transfer_remark: "2020年4月报销".into(),
///             openid: "o-MYE42l80oelYMDE34nYD456Xoy".into(),
///             user_name: "张三".into(),
///             user_id_card: None,
///         }],
///         transfer_scene_id: "1001".into(),
///         notify_url: None,
///     })
///     .await?;
/// println!("batch {}", batch.batch_id);
/// # Ok(()) }
/// ```
#[endpoint(POST, "/v3/transfer/batches", response = BatchesResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batches {
    /// The appid the users' openids belong to.
    pub appid: String,
    /// The merchant's batch number, unique per merchant (letters and digits).
    pub out_batch_no: String,
    /// The batch's name, shown to the merchant.
    pub batch_name: String,
    /// A remark for the batch.
    pub batch_remark: String,
    /// Sum of all transfers, in fen; must equal the details' sum.
    pub total_amount: i64,
    /// Number of transfers; must equal the details' count.
    pub total_num: i64,
    /// The transfers.
    #[sensitive]
    pub transfer_detail_list: Vec<TransferDetailInput>,
    /// The transfer scene configured in the merchant platform (e.g. `1001`).
    pub transfer_scene_id: String,
    /// HTTPS URL that receives the batch's result notification.
    pub notify_url: Option<String>,
}

/// One transfer of a [`Batches`] request.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, SensitiveFields)]
pub struct TransferDetailInput {
    /// The merchant's number for this transfer, unique within the merchant.
    pub out_detail_no: String,
    /// Amount in fen.
    pub transfer_amount: i64,
    /// A remark shown to the user.
    pub transfer_remark: String,
    /// The user's openid under the batch's appid.
    pub openid: String,
    /// The user's real name, checked against the account. Sensitive.
    #[sensitive]
    pub user_name: String,
    /// The user's identity card number. Sensitive.
    #[sensitive]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id_card: Option<String>,
}

impl fmt::Debug for TransferDetailInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransferDetailInput")
            .field("out_detail_no", &self.out_detail_no)
            .field("transfer_amount", &self.transfer_amount)
            .field("transfer_remark", &self.transfer_remark)
            .field("openid", &self.openid)
            .field("user_name", &Redacted)
            .field(
                "user_id_card",
                &self.user_id_card.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

/// The answer to [`Batches`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchesResponse {
    /// The merchant's batch number.
    pub out_batch_no: String,
    /// The platform's batch number.
    pub batch_id: String,
    /// When the batch was created, RFC 3339.
    pub create_time: String,
    /// Where the batch stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_status: Option<BatchStatus>,
}

/// Where a transfer batch stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum BatchStatus {
    /// Accepted, not yet processed (`ACCEPTED`).
    Accepted,
    /// Being processed (`PROCESSING`).
    Processing,
    /// Done; query the details for each transfer's result (`FINISHED`).
    Finished,
    /// Closed (`CLOSED`).
    Closed,
    /// A value this version does not know.
    Other(String),
}

impl From<String> for BatchStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "ACCEPTED" => Self::Accepted,
            "PROCESSING" => Self::Processing,
            "FINISHED" => Self::Finished,
            "CLOSED" => Self::Closed,
            _ => Self::Other(s),
        }
    }
}

impl From<BatchStatus> for String {
    fn from(s: BatchStatus) -> Self {
        match s {
            BatchStatus::Accepted => "ACCEPTED".into(),
            BatchStatus::Processing => "PROCESSING".into(),
            BatchStatus::Finished => "FINISHED".into(),
            BatchStatus::Closed => "CLOSED".into(),
            BatchStatus::Other(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    fn detail(n: u32, id_card: Option<&str>) -> TransferDetailInput {
        TransferDetailInput {
            out_detail_no: format!("d{n}"),
            transfer_amount: 100,
            transfer_remark: "报销".into(),
            openid: format!("o{n}"),
            user_name: format!("name{n}"),
            user_id_card: id_card.map(str::to_owned),
        }
    }

    fn request() -> Batches {
        Batches {
            appid: "wxf636efh567hg4356".into(),
            out_batch_no: "plfk2020042013".into(),
            batch_name: "n".into(),
            batch_remark: "r".into(),
            total_amount: 200,
            total_num: 2,
            transfer_detail_list: vec![detail(1, Some("110101199003070000")), detail(2, None)],
            transfer_scene_id: "1001".into(),
            notify_url: None,
        }
    }

    #[test]
    fn nested_sensitive_fields_are_all_encrypted() {
        const { assert!(Batches::HAS_SENSITIVE) };
        let mut req = request();
        let mut seen = Vec::new();
        req.encrypt_sensitive(&mut |plain: &str| {
            seen.push(plain.to_owned());
            Ok(format!("enc:{plain}"))
        })
        .unwrap();
        assert_eq!(seen, ["name1", "110101199003070000", "name2"]);
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let list = v["transfer_detail_list"].as_array().unwrap();
        assert_eq!(list[0]["user_name"], "enc:name1");
        assert_eq!(list[0]["user_id_card"], "enc:110101199003070000");
        assert_eq!(list[1]["user_name"], "enc:name2");
        assert!(list[1].get("user_id_card").is_none());
        assert!(v.get("notify_url").is_none());
        assert_eq!(v["total_amount"], 200);
    }

    #[test]
    fn debug_never_shows_sensitive_values() {
        let text = format!("{:?}", request());
        assert!(
            !text.contains("name1") && !text.contains("110101199003070000"),
            "{text}"
        );
        assert!(text.contains("user_name: <redacted>"), "{text}");
        assert!(text.contains("user_id_card: Some(<redacted>)"), "{text}");
        assert!(text.contains("user_id_card: None"), "{text}");
    }

    #[test]
    fn response_and_status() {
        let r = Batches::decode_response(
            br#"{"out_batch_no":"b","batch_id":"1030","create_time":"2015-05-20T13:29:35.120+08:00","batch_status":"NEW_STATE","x":1}"#,
        )
        .unwrap();
        assert_eq!(r.batch_status, Some(BatchStatus::Other("NEW_STATE".into())));
        let r =
            Batches::decode_response(br#"{"out_batch_no":"b","batch_id":"1","create_time":"t"}"#)
                .unwrap();
        assert_eq!(r.batch_status, None);
    }
}
