//! Bills: `GET /v3/bill/tradebill`, `GET /v3/bill/fundflowbill`,
//! `GET /v3/bill/sub-merchant-fundflowbill` and the download itself,
//! `GET /v3/billdownload/file?token=…`.
//!
//! Applying makes the bill at once from the sandbox's orders and refunds
//! (see [`bills`](crate::bills) for what goes in), keeps it under a fresh
//! token and answers its SHA-1 (over the bill as made: decompressed and
//! decrypted) with a `download_url` on the sandbox itself. The sandbox
//! serves a day's bill as soon as asked, today's included; a day in the
//! future is `400 PARAM_ERROR`, a day without records `400
//! NO_STATEMENT_EXIST`. Only `ALL`, `SUCCESS` and `REFUND` trade bills and
//! `AEAD_AES_256_GCM` encryption are made (others: `400 PARAM_ERROR`).
//!
//! The download is authenticated like any request, answered unsigned (as
//! the platform does) with the bill, GZIP-compressed when `tar_type=GZIP`
//! was asked for and, for a sub-merchant fund bill, encrypted with
//! AES-256-GCM under a fresh key sent RSA-OAEP-encrypted to the merchant
//! (`encrypt_key`) and the part's `nonce`. A token is valid 5 minutes and
//! only for the merchant that applied (`403 NO_AUTH` for others); an
//! unknown one is `404 RESOURCE_NOT_EXISTS`.
//! [`Sandbox::corrupt_bill`](crate::Sandbox::corrupt_bill) makes a token
//! serve a bill whose digest does not match.

use std::io::Write as _;

use http::Method;
use serde_json::json;
use wxpay_core::protocol::Nonce;

use super::Operation;
use crate::api::media::hex;
use crate::bills::{Account, Scope, TradeKind, fund_bill, tamper, trade_bill};
use crate::error_code::ErrorCode;
use crate::lock::Recover;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::state::StoredBill;
use crate::time::{china_date, now_unix, parse_rfc3339};
use crate::validate::Check::*;
use crate::validate::{Checked, Rule};

/// How long a download URL stays valid.
pub(crate) const TOKEN_SECONDS: i64 = 300;

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::GET,
        path: "/v3/bill/tradebill",
        rules: &[&[BILL_DATE, BILL_TYPE, TAR_TYPE]],
        handler: |s, r, _| tradebill(s, r),
    },
    Operation {
        method: Method::GET,
        path: "/v3/bill/fundflowbill",
        rules: &[&[BILL_DATE, TAR_TYPE, ACCOUNT_TYPE]],
        handler: |s, r, _| fundflowbill(s, r),
    },
    Operation {
        method: Method::GET,
        path: "/v3/bill/sub-merchant-fundflowbill",
        rules: &[&[BILL_DATE, TAR_TYPE, ALGORITHM, ACCOUNT_TYPE]],
        handler: |s, r, _| sub_merchant_fundflowbill(s, r),
    },
    Operation {
        method: Method::GET,
        path: "/v3/billdownload/file",
        rules: &[],
        handler: |s, r, _| download(s, r),
    },
];

/// `bill_date`: a real `YYYY-MM-DD`, not after today (Beijing time).
const BILL_DATE: Rule = Rule::query(
    "bill_date",
    &[
        Format(is_date, "must be a date, YYYY-MM-DD"),
        Format(is_not_future, "is in the future"),
    ],
);
const BILL_TYPE: Rule = Rule::query(
    "bill_type",
    &[OneOf(
        &["ALL", "SUCCESS", "REFUND"],
        "the sandbox makes ALL, SUCCESS and REFUND bills",
    )],
);
const TAR_TYPE: Rule = Rule::query("tar_type", &[OneOf(&["GZIP"], "must be GZIP when given")]);
const ALGORITHM: Rule = Rule::query(
    "algorithm",
    &[OneOf(
        &["AEAD_AES_256_GCM"],
        "the sandbox encrypts bills with AEAD_AES_256_GCM only",
    )],
);
const ACCOUNT_TYPE: Rule = Rule::query(
    "account_type",
    &[OneOf(
        &["BASIC", "OPERATION", "FEES", "DEPOSIT"],
        "must be BASIC, OPERATION, FEES or DEPOSIT",
    )],
);

fn is_date(date: &str) -> bool {
    date.len() == 10 && parse_rfc3339(&format!("{date}T00:00:00+08:00")).is_some()
}

fn is_not_future(date: &str) -> bool {
    date <= china_date(now_unix()).as_str()
}

/// The checked `bill_date`.
fn bill_date(req: &SandboxRequest) -> &str {
    req.query("bill_date").unwrap_or_default()
}

/// Whether `tar_type=GZIP` was asked for.
fn gzip_asked(req: &SandboxRequest) -> bool {
    req.query("tar_type") == Some("GZIP")
}

fn no_statement(date: &str) -> Reply {
    ErrorCode::NoStatementExist.reply(format!(
        "there is no bill for {date}: nothing happened that day"
    ))
}

/// Keeps a bill under a fresh token and answers its file description.
fn keep(
    shared: &Shared,
    mchid: &str,
    content: String,
    gzip: bool,
    encryption: Option<([u8; 32], String)>,
) -> Checked<(String, String)> {
    let token = Nonce::generate()
        .map(|n| n.to_string())
        .map_err(|_| ErrorCode::SystemError.reply("no randomness"))?;
    let hash = hex(&openssl::sha::sha1(content.as_bytes()));
    let now = now_unix();
    let mut state = shared.state();
    // Expired bills can never be downloaded again: forget them.
    state
        .bills
        .retain(|_, b| b.created_at + TOKEN_SECONDS >= now);
    state.bills.insert(
        token.clone(),
        StoredBill {
            mchid: mchid.to_owned(),
            content: content.into_bytes(),
            gzip,
            encryption,
            corrupted: false,
            created_at: now,
        },
    );
    drop(state);
    let base = shared.base_url.read().recover().clone();
    Ok((hash, format!("{base}/v3/billdownload/file?token={token}")))
}

fn tradebill(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let date = bill_date(req);
    let kind = TradeKind::parse(req.query("bill_type").unwrap_or("ALL")).unwrap_or(TradeKind::All);
    let scope = Scope {
        mchid: &req.mchid,
        sub_mchid: req.query("sub_mchid").filter(|s| !s.is_empty()),
    };
    let bill = trade_bill(&shared.state(), scope, date, kind).ok_or_else(|| no_statement(date))?;
    let (hash, url) = keep(shared, &req.mchid, bill, gzip_asked(req), None)?;
    Ok(Reply::ok(
        &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
    ))
}

/// Only the basic account ever moves in the sandbox: the others have no bill.
fn basic_account(req: &SandboxRequest) -> Checked<()> {
    match req.query("account_type") {
        Some("OPERATION" | "FEES" | "DEPOSIT") => Err(no_statement(bill_date(req))),
        _ => Ok(()),
    }
}

fn fundflowbill(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let date = bill_date(req);
    basic_account(req)?;
    let account = match req.query("sub_mchid").filter(|s| !s.is_empty()) {
        Some(sub) => Account {
            owner: sub,
            sp_mchid: Some(&req.mchid),
        },
        None => Account {
            owner: &req.mchid,
            sp_mchid: None,
        },
    };
    let bill = fund_bill(&shared.state(), account, date).ok_or_else(|| no_statement(date))?;
    let (hash, url) = keep(shared, &req.mchid, bill, gzip_asked(req), None)?;
    Ok(Reply::ok(
        &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
    ))
}

fn sub_merchant_fundflowbill(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let date = bill_date(req);
    basic_account(req)?;
    let account = Account {
        owner: req.query("sub_mchid").unwrap_or_default(),
        sp_mchid: Some(&req.mchid),
    };
    let bill = fund_bill(&shared.state(), account, date).ok_or_else(|| no_statement(date))?;
    let merchant = shared
        .merchant(&req.mchid)
        .ok_or_else(|| ErrorCode::NoAuth.reply("unknown merchant"))?;
    let system = |_| ErrorCode::SystemError.reply("key generation failed");
    let key_text = Nonce::generate().map_err(system)?.to_string();
    let mut key = [0u8; 32];
    key.copy_from_slice(key_text.as_bytes().get(..32).unwrap_or(&[0; 32]));
    let nonce: String = Nonce::generate()
        .map_err(system)?
        .to_string()
        .chars()
        .take(16)
        .collect();
    let encrypt_key = merchant
        .public_key
        .encrypt_oaep(&key)
        .map_err(|_| ErrorCode::SystemError.reply("key encryption failed"))?;
    let (hash, url) = keep(
        shared,
        &req.mchid,
        bill,
        gzip_asked(req),
        Some((key, nonce.clone())),
    )?;
    Ok(Reply::ok(&json!({
        "download_bill_count": 1,
        "download_bill_list": [{
            "bill_sequence": 1,
            "download_url": url,
            "encrypt_key": encrypt_key,
            "hash_type": "SHA1",
            "hash_value": hash,
            "nonce": nonce,
        }],
    })))
}

fn download(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let token = req.query("token").unwrap_or_default();
    let bill = shared
        .state()
        .bills
        .get(token)
        .cloned()
        .ok_or_else(|| ErrorCode::ResourceNotExists.reply("no bill has this token"))?;
    if bill.mchid != req.mchid {
        return Err(ErrorCode::NoAuth.reply("this bill was applied for by another merchant"));
    }
    if now_unix() > bill.created_at + TOKEN_SECONDS {
        return Err(
            ErrorCode::InvalidRequest.reply("the download URL expired; apply for the bill again")
        );
    }
    let internal = |what: &str| ErrorCode::SystemError.reply(what.to_owned());
    let content = if bill.corrupted {
        tamper(&bill.content)
    } else {
        bill.content
    };
    let mut served = if bill.gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(&content)
            .and_then(|()| encoder.finish())
            .map_err(|_| internal("compression failed"))?
    } else {
        content
    };
    let content_type = match (&bill.encryption, bill.gzip) {
        (Some(_), _) => "application/octet-stream",
        (None, true) => "application/x-gzip",
        (None, false) => "text/plain; charset=utf-8",
    };
    if let Some((key, nonce)) = &bill.encryption {
        let mut tag = [0u8; 16];
        served = openssl::symm::encrypt_aead(
            openssl::symm::Cipher::aes_256_gcm(),
            key,
            Some(nonce.as_bytes()),
            b"",
            &served,
            &mut tag,
        )
        .map_err(|_| internal("encryption failed"))?;
        served.extend_from_slice(&tag);
    }
    Ok(Reply::file(content_type, served))
}
