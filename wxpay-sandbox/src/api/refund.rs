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

use super::Operation;
use crate::api::refunds::refund_json;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::sensitive::Decryptor;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{AbnormalRefundApplication, RefundStatus};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, is_refund_no};

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

pub(crate) const OPERATIONS: &[Operation] = &[Operation {
    method: Method::POST,
    path: "/v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund",
    rules: &[APPLY],
    handler: apply,
}];

/// What an application is checked for beyond the spec (the encrypted
/// fields are checked once decrypted).
const APPLY: &[Rule] = &[
    Rule::path(
        "refund_id",
        &[Format(
            is_refund_id,
            "must be the platform's refund number: 10-32 digits",
        )],
    ),
    Rule::body("sub_mchid", &[Type("string")]),
    Rule::body(
        "out_refund_no",
        &[Format(
            is_refund_no,
            "must be 1-64 characters of letters, digits, _ - | * @",
        )],
    ),
    Rule::body(
        "type",
        &[OneOf(
            &["USER_BANK_CARD", "MERCHANT_BANK_CARD"],
            "must be USER_BANK_CARD or MERCHANT_BANK_CARD",
        )],
    ),
    Rule::body(
        "bank_type",
        &[
            OneOf(&BANK_TYPES, "is not a supported bank"),
            RequiredIf("type", "USER_BANK_CARD"),
        ],
    ),
    Rule::body(
        "bank_account",
        &[Type("string"), RequiredIf("type", "USER_BANK_CARD")],
    ),
    Rule::body(
        "real_name",
        &[Type("string"), RequiredIf("type", "USER_BANK_CARD")],
    ),
];

fn is_refund_id(s: &str) -> bool {
    (10..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_card_number(s: &str) -> bool {
    (10..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_name(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= 64
}

/// The decrypted `bank_account` and `real_name`, when sent (checked for a
/// user's card); and the key they were encrypted for.
struct Decrypted {
    bank_account: Option<String>,
    real_name: Option<String>,
    serial: Option<String>,
}

fn decrypt(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Decrypted> {
    let body = &input.body;
    let encrypted = [body.opt_str("bank_account"), body.opt_str("real_name")];
    if encrypted.iter().all(Option::is_none) {
        return Ok(Decrypted {
            bank_account: None,
            real_name: None,
            serial: None,
        });
    }
    let decryptor = Decryptor::for_request(shared, req)?;
    let user_card = body.str("type") == "USER_BANK_CARD";
    let open = |name: &str, ok: fn(&str) -> bool, rule: &str| -> Checked<Option<String>> {
        let Some(ciphertext) = body.opt_str(name) else {
            return Ok(None);
        };
        let plain = decryptor.decrypt(name, ciphertext)?;
        if user_card && !ok(&plain) {
            return Err(Reply::param_error(name, &Value::from(ciphertext), rule));
        }
        Ok(Some(plain))
    };
    Ok(Decrypted {
        bank_account: open(
            "bank_account",
            is_card_number,
            "decrypted, must be a card number of 10-30 digits",
        )?,
        real_name: open(
            "real_name",
            is_name,
            "decrypted, must be a name of 1-64 characters",
        )?,
        serial: Some(decryptor.serial().to_owned()),
    })
}

/// How a refund shows the card it goes to: the bank and the last four digits.
fn card_account(bank: &str, account: &str) -> String {
    let digits: Vec<char> = account.chars().collect();
    let last4: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
    format!("{bank} {last4}")
}

/// Redirects an `ABNORMAL` refund to a bank card; the same application
/// again answers the same.
fn apply(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Reply> {
    let body = &input.body;
    let refund_id = req.param("refund_id").unwrap_or_default();
    let sub_mchid = body.opt_str("sub_mchid");
    let owner = sub_mchid.unwrap_or(&req.mchid).to_owned();
    // A service provider acts for its own sub-merchants only.
    let sp_mchid = sub_mchid.map(|_| req.mchid.as_str());
    let out_refund_no = body.str("out_refund_no");
    let kind = body.str("type");
    let bank_type = body.opt_str("bank_type");
    let decrypted = decrypt(shared, req, input)?;

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
            Err(ErrorCode::InvalidRequest.reply(
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
    refund.user_received_account = match (&bank_type, &decrypted.bank_account) {
        (Some(bank), Some(account)) => card_account(bank, account),
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
            bank_account: decrypted.bank_account,
            real_name: decrypted.real_name,
            wechatpay_serial: decrypted.serial,
            request: Value::Object(body.clone()),
            answer: answer.clone(),
        },
    );
    Ok(Reply::ok(&answer))
}
