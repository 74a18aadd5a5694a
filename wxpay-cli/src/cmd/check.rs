//! `wxpay config check`: what is set and where from, what is missing, the
//! platform-key mode, and a signed call that proves the credentials.
//!
//! The proof is `GET /v3/pay/transactions/out-trade-no/{n}` for an order
//! number that cannot exist: `404 ORDER_NOT_EXIST` means the platform
//! accepted the signature (a bad one is `401 SIGN_ERROR`), and a signed
//! answer that verified proves the platform key too. With certificate
//! downloads, `GET /v3/certificates` is sent as well: it also proves the
//! APIv3 key, which decrypts the certificates.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use wxpay::http::Method;

use super::Ctx;
use crate::cli::CheckArgs;
use crate::config::{KeyMode, Setting, Settings};
use crate::exit::{CliError, Code};

/// Runs `wxpay config check`.
pub async fn run(ctx: &mut Ctx, args: &CheckArgs) -> Result<(), CliError> {
    let s = &ctx.settings;
    let serial = s.merchant_serial();
    let mut report = settings_report(s, serial.as_ref().ok().and_then(Option::as_ref));
    let missing = s.missing();
    let mode = s.key_mode();
    report.insert("missing".into(), json!(missing));
    report.insert("platform_key_mode".into(), json!(mode.describe()));
    let mut failure = serial.err();
    if failure.is_none() && missing.is_empty() && !args.offline {
        match prove(ctx, mode).await {
            Ok(proof) => {
                report.insert("proof".into(), proof);
            }
            Err(e) => {
                report.insert("proof".into(), json!({"ok": false, "error": e.message}));
                failure = Some(e);
            }
        }
    }
    let report = Value::Object(report);
    let failure = match failure {
        Some(e) => Some(e),
        None if !missing.is_empty() => Some(CliError::config(format!(
            "missing configuration: {}",
            missing.join("; ")
        ))),
        None => None,
    };
    match failure {
        // With --json the report goes inside the error document.
        Some(mut e) if ctx.out.json => {
            e.report = Some(report);
            Err(e)
        }
        Some(e) => {
            ctx.out.result(&report, || text(&report));
            Err(e)
        }
        None => {
            ctx.out.result(&report, || text(&report));
            Ok(())
        }
    }
}

/// Each setting: its value (files and ids only) and where it came from;
/// the APIv3 key as "set" only.
fn settings_report(s: &Settings, serial: Option<&Setting<String>>) -> Map<String, Value> {
    fn entry<T: std::fmt::Debug>(v: Option<&Setting<T>>, show: impl Fn(&T) -> String) -> Value {
        match v {
            Some(v) => json!({"value": show(&v.value), "source": v.source}),
            None => Value::Null,
        }
    }
    let text = |t: &String| t.clone();
    let file = |p: &std::path::PathBuf| p.display().to_string();
    let mut m = Map::new();
    m.insert(
        "profile".into(),
        match &s.profile {
            Some((file, name)) => json!({"file": file.display().to_string(), "name": name}),
            None => Value::Null,
        },
    );
    m.insert("mchid".into(), entry(s.mchid.as_ref(), text));
    m.insert("merchant_serial".into(), entry(serial, text));
    m.insert(
        "merchant_key_file".into(),
        entry(s.merchant_key_file.as_ref(), file),
    );
    m.insert(
        "merchant_cert_file".into(),
        entry(s.merchant_cert_file.as_ref(), file),
    );
    m.insert(
        "public_key_id".into(),
        entry(s.public_key_id.as_ref(), text),
    );
    m.insert(
        "public_key_file".into(),
        entry(s.public_key_file.as_ref(), file),
    );
    m.insert(
        "apiv3_key".into(),
        entry(s.apiv3_key.as_ref(), |_| "set".to_owned()),
    );
    m.insert(
        "platform_certificates".into(),
        entry(s.platform_certificates.as_ref(), |b| b.to_string()),
    );
    m.insert("base_url".into(), entry(s.base_url.as_ref(), text));
    m.insert("ca_file".into(), entry(s.ca_file.as_ref(), file));
    m
}

/// The signed calls.
async fn prove(ctx: &mut Ctx, mode: KeyMode) -> Result<Value, CliError> {
    let client = ctx.client()?;
    let mut proof = Map::new();
    if matches!(mode, KeyMode::Certificates | KeyMode::Both) {
        let report = client.refresh_platform_certificates().await;
        ctx.note_answer();
        let report = report?;
        proof.insert(
            "certificates".into(),
            json!({
                "listed": report.listed,
                "none_for_this_merchant": report.no_certificates,
            }),
        );
    }
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = format!("/v3/pay/transactions/out-trade-no/WXPAYCLICHECK{millis}");
    let mchid = client.mchid().to_owned();
    let answer = client
        .request_json(Method::GET, &path, &[("mchid", &mchid)], None)
        .await;
    ctx.note_answer();
    let seen = ctx.recorder()?.last();
    match answer {
        Err(e) if e.code() == Some("ORDER_NOT_EXIST") => {
            let verified = e.as_api().is_some_and(|a| a.verified);
            proof.insert(
                "order_query".into(),
                json!({
                    "code": "ORDER_NOT_EXIST",
                    "signature_accepted": true,
                    "answer_verified": verified,
                    "request_id": seen.request_id,
                }),
            );
            proof.insert("ok".into(), json!(true));
            Ok(Value::Object(proof))
        }
        Err(e) => Err(CliError::from(e)),
        Ok(_) => Err(CliError::new(
            Code::Api,
            format!("{path} answered an order: expected ORDER_NOT_EXIST"),
        )),
    }
}

/// The report for people.
fn text(report: &Value) -> String {
    let mut out = String::new();
    let names = [
        "mchid",
        "merchant_serial",
        "merchant_key_file",
        "merchant_cert_file",
        "public_key_id",
        "public_key_file",
        "apiv3_key",
        "platform_certificates",
        "base_url",
        "ca_file",
    ];
    if let Some(p) = report.get("profile").filter(|p| !p.is_null()) {
        out += &format!(
            "profile               {} ({})\n",
            p["name"].as_str().unwrap_or(""),
            p["file"].as_str().unwrap_or("")
        );
    }
    for name in names {
        let line = match report.get(name) {
            Some(Value::Object(v)) => format!(
                "{} (from {})",
                v.get("value").and_then(Value::as_str).unwrap_or(""),
                v.get("source").and_then(Value::as_str).unwrap_or("")
            ),
            _ => "not set".to_owned(),
        };
        out += &format!("{name:<21} {line}\n");
    }
    out += &format!(
        "platform keys         {}\n",
        report["platform_key_mode"].as_str().unwrap_or("")
    );
    if let Some(missing) = report["missing"].as_array().filter(|m| !m.is_empty()) {
        for m in missing {
            out += &format!("missing               {}\n", m.as_str().unwrap_or(""));
        }
    }
    match report.get("proof") {
        Some(p) if p["ok"] == json!(true) => {
            let none = p.pointer("/certificates/none_for_this_merchant") == Some(&json!(true));
            match p.pointer("/certificates/listed").and_then(Value::as_array) {
                Some(_) if none => {
                    out += "certificates          none for this merchant (404 RESOURCE_NOT_EXISTS, \
normal with a public key); the APIv3 key is not proved\n";
                }
                Some(listed) => {
                    out += &format!(
                        "certificates          {} downloaded and verified (the APIv3 key decrypts them)\n",
                        listed.len()
                    );
                }
                None => {}
            }
            out += &format!(
                "signed call           ok: ORDER_NOT_EXIST for a made-up order (signature accepted{})\n",
                if p.pointer("/order_query/answer_verified") == Some(&json!(true)) {
                    ", answer verified"
                } else {
                    ""
                }
            );
        }
        Some(p) => {
            out += &format!(
                "signed call           FAILED: {}\n",
                p["error"].as_str().unwrap_or("")
            )
        }
        None => {}
    }
    out
}
