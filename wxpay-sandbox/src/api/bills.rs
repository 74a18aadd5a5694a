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
use wxpay_core::sign::Nonce;

use crate::api::media::hex;
use crate::bills::{Account, Scope, TradeKind, fund_bill, tamper, trade_bill};
use crate::error_code::ErrorCode;
use crate::lock::Recover;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::server::Shared;
use crate::state::StoredBill;
use crate::time::{china_date, now_unix, parse_rfc3339};
use crate::validate::{Checked, req_query};

/// How long a download URL stays valid.
pub(crate) const TOKEN_SECONDS: i64 = 300;

pub(crate) fn register(router: &mut Router) {
    add(router, Method::GET, "/v3/bill/tradebill", tradebill);
    add(router, Method::GET, "/v3/bill/fundflowbill", fundflowbill);
    add(
        router,
        Method::GET,
        "/v3/bill/sub-merchant-fundflowbill",
        sub_merchant_fundflowbill,
    );
    add(router, Method::GET, "/v3/billdownload/file", download);
}

fn query_error(name: &str, value: &str, issue: &str) -> Reply {
    Reply::param_error_at("query", name, value, issue)
}

/// `bill_date`: a real `YYYY-MM-DD`, not after today (Beijing time).
fn bill_date(req: &SandboxRequest) -> Checked<String> {
    let date = req_query(req, "bill_date")?;
    let valid = date.len() == 10 && parse_rfc3339(&format!("{date}T00:00:00+08:00")).is_some();
    if !valid {
        return Err(query_error("bill_date", date, "must be a date, YYYY-MM-DD"));
    }
    if date > china_date(now_unix()).as_str() {
        return Err(query_error("bill_date", date, "is in the future"));
    }
    Ok(date.to_owned())
}

/// `tar_type`: absent or `GZIP`.
fn gzip_asked(req: &SandboxRequest) -> Checked<bool> {
    match req.query("tar_type") {
        None => Ok(false),
        Some("GZIP") => Ok(true),
        Some(other) => Err(query_error("tar_type", other, "must be GZIP when given")),
    }
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
    let date = bill_date(req)?;
    let kind = match req.query("bill_type") {
        None => TradeKind::All,
        Some(t) => TradeKind::parse(t).ok_or_else(|| {
            query_error(
                "bill_type",
                t,
                "the sandbox makes ALL, SUCCESS and REFUND bills",
            )
        })?,
    };
    let gzip = gzip_asked(req)?;
    let scope = Scope {
        mchid: &req.mchid,
        sub_mchid: req.query("sub_mchid").filter(|s| !s.is_empty()),
    };
    let bill =
        trade_bill(&shared.state(), scope, &date, kind).ok_or_else(|| no_statement(&date))?;
    let (hash, url) = keep(shared, &req.mchid, bill, gzip, None)?;
    Ok(Reply::ok(
        &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
    ))
}

/// `account_type`: only the basic account ever moves in the sandbox.
fn basic_account(req: &SandboxRequest, required: bool, date: &str) -> Checked<()> {
    match req.query("account_type") {
        None if required => Err(query_error("account_type", "", "is required")),
        None | Some("BASIC") => Ok(()),
        Some("OPERATION" | "FEES" | "DEPOSIT") => Err(no_statement(date)),
        Some(other) => Err(query_error(
            "account_type",
            other,
            "must be BASIC, OPERATION, FEES or DEPOSIT",
        )),
    }
}

fn fundflowbill(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let date = bill_date(req)?;
    let gzip = gzip_asked(req)?;
    basic_account(req, false, &date)?;
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
    let bill = fund_bill(&shared.state(), account, &date).ok_or_else(|| no_statement(&date))?;
    let (hash, url) = keep(shared, &req.mchid, bill, gzip, None)?;
    Ok(Reply::ok(
        &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
    ))
}

fn sub_merchant_fundflowbill(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let sub_mchid = req_query(req, "sub_mchid")?;
    let date = bill_date(req)?;
    let gzip = gzip_asked(req)?;
    match req_query(req, "algorithm")? {
        "AEAD_AES_256_GCM" => {}
        other => {
            return Err(query_error(
                "algorithm",
                other,
                "the sandbox encrypts bills with AEAD_AES_256_GCM only",
            ));
        }
    }
    basic_account(req, true, &date)?;
    let account = Account {
        owner: sub_mchid,
        sp_mchid: Some(&req.mchid),
    };
    let bill = fund_bill(&shared.state(), account, &date).ok_or_else(|| no_statement(&date))?;
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
    let (hash, url) = keep(shared, &req.mchid, bill, gzip, Some((key, nonce.clone())))?;
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
    let token = req_query(req, "token")?;
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
