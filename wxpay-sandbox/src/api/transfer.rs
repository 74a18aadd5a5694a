//! `/v3/transfer/batches`: merchant transfers to users' balance.

use http::Method;
use serde_json::{Map, Value, json};

use super::Operation;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::sensitive::Decryptor;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::{TransferBatch, TransferDetail};
use crate::time::{format_china, now_unix};
use crate::validate::Check::*;
use crate::validate::{Checked, ReadBody, Rule, no_four_byte_chars};

/// Most transfers one batch may hold.
const MAX_DETAILS: usize = 1000;

pub(crate) const OPERATIONS: &[Operation] = &[Operation {
    method: Method::POST,
    path: "/v3/transfer/batches",
    rules: &[BATCH],
    handler: create,
}];

/// What a batch is checked for beyond the spec (the encrypted fields are
/// checked once decrypted).
const BATCH: &[Rule] = &[
    Rule::body("appid", &[MaxChars(32)]),
    Rule::body(
        "out_batch_no",
        &[Format(is_batch_no, "must be 5-32 letters and digits")],
    ),
    Rule::body("batch_name", &[MaxChars(32)]),
    Rule::body("batch_remark", &[MaxChars(32)]),
    Rule::body("transfer_scene_id", &[MaxChars(36)]),
    Rule::body("notify_url", &[NotifyUrl]),
    Rule::body(
        "transfer_detail_list",
        &[Objects, Items(MAX_DETAILS, "transfers")],
    ),
    Rule::body(
        "transfer_detail_list[].out_detail_no",
        &[
            Format(is_batch_no, "must be 5-32 letters and digits"),
            Unique,
        ],
    ),
    Rule::body("transfer_detail_list[].transfer_amount", &[Positive]),
    Rule::body("transfer_detail_list[].transfer_remark", &[MaxChars(32)]),
    Rule::body("transfer_detail_list[].user_id_card", &[Type("string")]),
    Rule::body("", &[Whole(totals_match)]),
];

fn is_batch_no(s: &str) -> bool {
    (5..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_id_card(s: &str) -> bool {
    let Some((last, body)) = s.as_bytes().split_last() else {
        return false;
    };
    matches!(s.len(), 15 | 18)
        && body.iter().all(u8::is_ascii_digit)
        && (last.is_ascii_digit() || matches!(last, b'X' | b'x'))
}

fn is_name(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= 64
}

/// `total_num` and `total_amount` agree with the transfers.
fn totals_match(body: &Map<String, Value>) -> Checked<()> {
    let list = body.items("transfer_detail_list");
    let total_num = body.int("total_num");
    if usize::try_from(total_num).ok() != Some(list.len()) {
        return Err(Reply::param_error(
            "total_num",
            &json!(total_num),
            format!("must equal the number of transfers ({})", list.len()),
        ));
    }
    let sum = list
        .iter()
        .filter_map(|d| d.get("transfer_amount").and_then(Value::as_i64))
        .fold(0_i64, i64::saturating_add);
    let total_amount = body.int("total_amount");
    if total_amount != sum {
        return Err(Reply::param_error(
            "total_amount",
            &json!(total_amount),
            format!("must equal the sum of the transfers ({sum})"),
        ));
    }
    Ok(())
}

/// One transfer with its encrypted fields decrypted and checked.
fn transfer(
    decryptor: &Decryptor,
    name: &str,
    item: &Map<String, Value>,
) -> Checked<TransferDetail> {
    let field = |key: &str| format!("{name}.{key}");
    let encrypted_name = item.str("user_name");
    let user_name = decryptor.decrypt(&field("user_name"), encrypted_name)?;
    if !is_name(&user_name) {
        return Err(Reply::param_error(
            &field("user_name"),
            &json!(encrypted_name),
            "decrypted, must be a name of 1-64 characters",
        ));
    }
    no_four_byte_chars(&json!(user_name), &field("user_name"))?;
    let user_id_card = match item.opt_str("user_id_card") {
        Some(encrypted) => {
            let card = decryptor.decrypt(&field("user_id_card"), encrypted)?;
            if !is_id_card(&card) {
                return Err(Reply::param_error(
                    &field("user_id_card"),
                    &json!(encrypted),
                    "decrypted, must be an identity card number of 15 or 18 characters",
                ));
            }
            Some(card)
        }
        None => None,
    };
    Ok(TransferDetail {
        out_detail_no: item.str("out_detail_no").to_owned(),
        transfer_amount: item.int("transfer_amount"),
        openid: item.str("openid").to_owned(),
        user_name,
        user_id_card,
    })
}

/// Accepts a batch, idempotently: the same `out_batch_no` with the same
/// transfers (compared decrypted) answers the same.
fn create(shared: &Shared, req: &SandboxRequest, input: &Input<'_>) -> Checked<Reply> {
    let map = &input.body;
    let out_batch_no = map.str("out_batch_no");
    let total_amount = map.int("total_amount");
    let decryptor = Decryptor::for_request(shared, req)?;
    let mut details = Vec::new();
    let mut normalized_list = Vec::new();
    for (i, item) in map.items("transfer_detail_list").iter().enumerate() {
        let Value::Object(item) = item else {
            continue;
        };
        let detail = transfer(&decryptor, &format!("transfer_detail_list[{i}]"), item)?;
        let mut plain = item.clone();
        plain.insert("user_name".into(), json!(detail.user_name));
        if let Some(card) = &detail.user_id_card {
            plain.insert("user_id_card".into(), json!(card));
        }
        normalized_list.push(Value::Object(plain));
        details.push(detail);
    }
    let mut normalized = map.clone();
    normalized.insert("transfer_detail_list".into(), Value::Array(normalized_list));
    let normalized = Value::Object(normalized);

    let mut state = shared.state();
    let key = (req.mchid.clone(), out_batch_no.to_owned());
    if let Some(existing) = state.transfer_batches.get(&key) {
        return if existing.normalized == normalized {
            Ok(Reply::ok(&existing.answer))
        } else {
            Err(ErrorCode::InvalidRequest
                .reply("out_batch_no was already used with different parameters"))
        };
    }
    let seq = state.next_seq();
    let now = now_unix();
    let batch_id = format!("1030000071100999991182020{seq:015}");
    let answer = json!({
        "out_batch_no": out_batch_no,
        "batch_id": batch_id,
        "create_time": format_china(now),
        "batch_status": "ACCEPTED",
    });
    state.transfer_batches.insert(
        key,
        TransferBatch {
            mchid: req.mchid.clone(),
            out_batch_no: out_batch_no.to_owned(),
            batch_id,
            total_amount,
            details,
            wechatpay_serial: decryptor.serial().to_owned(),
            request: Value::Object(map.clone()),
            answer: answer.clone(),
            normalized,
        },
    );
    Ok(Reply::ok(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_cards_and_batch_numbers() {
        assert!(is_id_card("11010119900307000X"));
        assert!(is_id_card("110101900307000"));
        assert!(!is_id_card("11010119900307000Y"));
        assert!(!is_id_card(""));
        assert!(is_batch_no("plfk2020042013"));
        assert!(!is_batch_no("plfk-2020"));
        assert!(!is_batch_no("abc"));
    }
}
