//! `POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund`:
//! redirecting an `ABNORMAL` refund to a bank card.
//!
//! The refund must exist (looked up by `out_refund_no` under the signing
//! merchant, or `sub_mchid`), carry this `refund_id` and be `ABNORMAL`
//! (`404 RESOURCE_NOT_EXISTS`, `400 PARAM_ERROR`, `400 INVALID_REQUEST`
//! otherwise). The body, `Wechatpay-Serial` and the encrypted fields are
//! checked as the platform does. Accepted, the refund goes back to
//! `PROCESSING` on channel `OTHER_BANKCARD`; settle it with the control
//! plane. Applying again with the same parameters answers the same.

use http::Method;
use serde_json::Value;

use crate::api::refunds::refund_json;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::sensitive::Decryptor;
use crate::server::Shared;
use crate::state::{AbnormalRefundApplication, RefundStatus};
use crate::validate::{Checked, Fields};

/// The banks `bank_type` accepts.
const BANK_TYPES: [&str; 15] = [
    "CMB_DEBIT",
    "COMM_DEBIT",
    "ABC_DEBIT",
    "CCB_DEBIT",
    "ICBC_DEBIT",
    "BOC_DEBIT",
    "PAB_DEBIT",
    "SPDB_DEBIT",
    "CITIC_DEBIT",
    "CEB_DEBIT",
    "CMBC_DEBIT",
    "CIB_DEBIT",
    "GDB_DEBIT",
    "PSBC_DEBIT",
    "NBCB_DEBIT",
];

pub(crate) fn register(router: &mut Router) {
    add(
        router,
        Method::POST,
        "/v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund",
        apply,
    );
}

fn is_refund_id(s: &str) -> bool {
    (10..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn apply(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let refund_id = req.param("refund_id").unwrap_or_default();
    if !is_refund_id(refund_id) {
        return Err(Reply::param_error_at(
            "path",
            "refund_id",
            refund_id,
            "must be the platform's refund number: 10-32 digits",
        ));
    }
    let map = req.json()?;
    let f = Fields::root(&map);
    let sub_mchid = f.opt_str("sub_mchid")?;
    let owner = sub_mchid.unwrap_or(&req.mchid).to_owned();
    // A service provider acts for its own sub-merchants only.
    let sp_mchid = sub_mchid.map(|_| req.mchid.as_str());
    let out_refund_no = f.req_str("out_refund_no")?;
    f.check(
        "out_refund_no",
        out_refund_no,
        crate::validate::is_refund_no(out_refund_no),
        "must be 1-64 characters of letters, digits, _ - | * @",
    )?;
    let kind = f.req_str("type")?;
    f.check(
        "type",
        kind,
        matches!(kind, "USER_BANK_CARD" | "MERCHANT_BANK_CARD"),
        "must be USER_BANK_CARD or MERCHANT_BANK_CARD",
    )?;
    let bank_type = f.opt_str("bank_type")?;
    if let Some(bank) = bank_type {
        f.check(
            "bank_type",
            bank,
            BANK_TYPES.contains(&bank),
            "is not a supported bank",
        )?;
    }
    let encrypted_account = f.opt_str("bank_account")?;
    let encrypted_name = f.opt_str("real_name")?;
    let decryptor = if encrypted_account.is_some() || encrypted_name.is_some() {
        Some(Decryptor::for_request(shared, req)?)
    } else {
        None
    };
    let decrypt = |name: &str, value: Option<&str>| -> Checked<Option<String>> {
        match (&decryptor, value) {
            (Some(d), Some(v)) => d.decrypt(name, v).map(Some),
            _ => Ok(None),
        }
    };
    let bank_account = decrypt("bank_account", encrypted_account)?;
    let real_name = decrypt("real_name", encrypted_name)?;
    if kind == "USER_BANK_CARD" {
        if bank_type.is_none() {
            return Err(Reply::param_error(
                "bank_type",
                &Value::Null,
                "is required when type is USER_BANK_CARD",
            ));
        }
        match &bank_account {
            None => {
                return Err(Reply::param_error(
                    "bank_account",
                    &Value::Null,
                    "is required when type is USER_BANK_CARD",
                ));
            }
            Some(account) => f.check(
                "bank_account",
                encrypted_account.unwrap_or_default(),
                (10..=30).contains(&account.len()) && account.bytes().all(|b| b.is_ascii_digit()),
                "decrypted, must be a card number of 10-30 digits",
            )?,
        }
        match &real_name {
            None => {
                return Err(Reply::param_error(
                    "real_name",
                    &Value::Null,
                    "is required when type is USER_BANK_CARD",
                ));
            }
            Some(name) => f.check(
                "real_name",
                encrypted_name.unwrap_or_default(),
                !name.trim().is_empty() && name.chars().count() <= 64,
                "decrypted, must be a name of 1-64 characters",
            )?,
        }
    }

    let mut state = shared.state();
    let key = (owner.clone(), refund_id.to_owned());
    let not_found = || ErrorCode::ResourceNotExists.reply("the refund does not exist");
    if let Some(existing) = state.abnormal_refunds.get(&key) {
        let owned = state
            .refunds
            .get(&(owner.clone(), existing.out_refund_no.clone()))
            .is_some_and(|r| r.sp_mchid.as_deref() == sp_mchid);
        if !owned {
            return Err(not_found());
        }
        return if existing.out_refund_no == out_refund_no && existing.r#type == kind {
            Ok(Reply::ok(&existing.answer))
        } else {
            Ok(ErrorCode::InvalidRequest.reply(
                "an abnormal refund was already applied for this refund with other parameters",
            ))
        };
    }
    let refund = state
        .refunds
        .get_mut(&(owner.clone(), out_refund_no.to_owned()))
        .filter(|r| r.sp_mchid.as_deref() == sp_mchid)
        .ok_or_else(not_found)?;
    if refund.refund_id != refund_id {
        return Err(Reply::param_error_at(
            "path",
            "refund_id",
            refund_id,
            "is not the refund_id of the refund out_refund_no names",
        ));
    }
    if refund.status != RefundStatus::Abnormal {
        return Err(ErrorCode::InvalidRequest.reply(format!(
            "the refund is {}, only an ABNORMAL refund can be redirected",
            refund.status.as_str()
        )));
    }
    refund.user_received_account = match (&bank_type, &bank_account) {
        (Some(bank), Some(account)) => {
            let digits: Vec<char> = account.chars().collect();
            let last4: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
            format!("{bank} {last4}")
        }
        _ => "merchant bank account".to_owned(),
    };
    refund.channel = "OTHER_BANKCARD".to_owned();
    refund.status = RefundStatus::Processing;
    refund.success_time = None;
    let answer = refund_json(refund);
    state.abnormal_refunds.insert(
        key,
        AbnormalRefundApplication {
            mchid: owner,
            refund_id: refund_id.to_owned(),
            out_refund_no: out_refund_no.to_owned(),
            r#type: kind.to_owned(),
            bank_type: bank_type.map(str::to_owned),
            bank_account,
            real_name,
            wechatpay_serial: decryptor.as_ref().map(|d| d.serial().to_owned()),
            request: Value::Object(map.clone()),
            answer: answer.clone(),
        },
    );
    Ok(Reply::ok(&answer))
}
