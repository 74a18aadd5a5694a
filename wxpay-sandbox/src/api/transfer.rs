//! `/v3/transfer/batches`: merchant transfers to users' balance.

use std::collections::HashSet;

use http::Method;
use serde_json::{Value, json};

use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::sensitive::Decryptor;
use crate::server::Shared;
use crate::state::{TransferBatch, TransferDetail};
use crate::time::{format_china, now_unix};
use crate::validate::{Checked, Fields, is_notify_url, no_four_byte_chars};

/// Most transfers one batch may hold.
const MAX_DETAILS: usize = 1000;

pub(crate) fn register(router: &mut Router) {
    add(router, Method::POST, "/v3/transfer/batches", create);
}

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

fn create(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let map = req.json()?;
    let f = Fields::root(&map);
    let appid = f.req_str("appid")?;
    f.check(
        "appid",
        appid,
        appid.len() <= 32,
        "must be at most 32 characters",
    )?;
    let out_batch_no = f.req_str("out_batch_no")?;
    f.check(
        "out_batch_no",
        out_batch_no,
        is_batch_no(out_batch_no),
        "must be 5-32 letters and digits",
    )?;
    for key in ["batch_name", "batch_remark"] {
        let text = f.req_str(key)?;
        f.check(
            key,
            text,
            text.chars().count() <= 32,
            "must be at most 32 characters",
        )?;
    }
    let total_amount = f.req_int("total_amount")?;
    let total_num = f.req_int("total_num")?;
    let scene = f.req_str("transfer_scene_id")?;
    f.check(
        "transfer_scene_id",
        scene,
        scene.len() <= 36,
        "must be at most 36 characters",
    )?;
    if let Some(url) = f.opt_str("notify_url")? {
        f.check(
            "notify_url",
            url,
            is_notify_url(url),
            "must be an https URL without a query string",
        )?;
    }
    let list = f.req_array("transfer_detail_list")?;
    if list.is_empty() || list.len() > MAX_DETAILS {
        return Err(Reply::param_error(
            "transfer_detail_list",
            &json!(list.len()),
            format!("must hold 1-{MAX_DETAILS} transfers"),
        ));
    }
    let decryptor = Decryptor::for_request(shared, req)?;

    let mut details = Vec::with_capacity(list.len());
    let mut normalized_list = Vec::with_capacity(list.len());
    let mut seen = HashSet::new();
    let mut sum: i64 = 0;
    let prefixes: Vec<String> = (0..list.len())
        .map(|i| format!("transfer_detail_list[{i}]"))
        .collect();
    for (item, prefix) in list.iter().zip(&prefixes) {
        let Value::Object(item) = item else {
            return Err(Reply::param_error(prefix, item, "must be an object"));
        };
        let d = Fields::nested(item, prefix);
        let out_detail_no = d.req_str("out_detail_no")?;
        d.check(
            "out_detail_no",
            out_detail_no,
            is_batch_no(out_detail_no),
            "must be 5-32 letters and digits",
        )?;
        d.check(
            "out_detail_no",
            out_detail_no,
            seen.insert(out_detail_no),
            "appears twice in the batch",
        )?;
        let amount = d.req_int("transfer_amount")?;
        if amount <= 0 {
            return Err(Reply::param_error(
                &d.name("transfer_amount"),
                &json!(amount),
                "must be greater than 0",
            ));
        }
        sum = sum.saturating_add(amount);
        let remark = d.req_str("transfer_remark")?;
        d.check(
            "transfer_remark",
            remark,
            remark.chars().count() <= 32,
            "must be at most 32 characters",
        )?;
        let openid = d.req_str("openid")?;
        let encrypted_name = d.req_str("user_name")?;
        let user_name = decryptor.decrypt(&d.name("user_name"), encrypted_name)?;
        d.check(
            "user_name",
            encrypted_name,
            !user_name.trim().is_empty() && user_name.chars().count() <= 64,
            "decrypted, must be a name of 1-64 characters",
        )?;
        no_four_byte_chars(&json!(user_name), &d.name("user_name"))?;
        let user_id_card = match d.opt_str("user_id_card")? {
            Some(encrypted) => {
                let card = decryptor.decrypt(&d.name("user_id_card"), encrypted)?;
                d.check(
                    "user_id_card",
                    encrypted,
                    is_id_card(&card),
                    "decrypted, must be an identity card number of 15 or 18 characters",
                )?;
                Some(card)
            }
            None => None,
        };
        let mut plain = item.clone();
        plain.insert("user_name".into(), json!(user_name));
        if let Some(card) = &user_id_card {
            plain.insert("user_id_card".into(), json!(card));
        }
        normalized_list.push(Value::Object(plain));
        details.push(TransferDetail {
            out_detail_no: out_detail_no.to_owned(),
            transfer_amount: amount,
            openid: openid.to_owned(),
            user_name,
            user_id_card,
        });
    }
    if usize::try_from(total_num).ok() != Some(details.len()) {
        return Err(Reply::param_error(
            "total_num",
            &json!(total_num),
            format!("must equal the number of transfers ({})", details.len()),
        ));
    }
    if total_amount != sum {
        return Err(Reply::param_error(
            "total_amount",
            &json!(total_amount),
            format!("must equal the sum of the transfers ({sum})"),
        ));
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
            Ok(ErrorCode::InvalidRequest
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
