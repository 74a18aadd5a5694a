//! `wxpay certificates` (`crt`): download, verify and decrypt the platform
//! certificates; write them as `wechatpay_<serial>.pem`.
//!
//! The first download is trusted only once the answer verifies with a
//! certificate it carries (the client's bootstrap); the list whose PEM is
//! written is then fetched again, verified with those certificates, and
//! each one decrypted with the APIv3 key and parsed, its serial compared.

use serde_json::{Value, json};
use wxpay::crypto::Certificate;
use wxpay::platform::{CertificateInfo, Certificates};

use super::Ctx;
use crate::cli::CertificatesArgs;
use crate::config::KeyMode;
use crate::exit::{CliError, Code, chain};

/// Runs `wxpay certificates`.
pub async fn run(ctx: &mut Ctx, args: &CertificatesArgs) -> Result<(), CliError> {
    let mode = ctx.settings.key_mode();
    if mode == KeyMode::PublicKey {
        explain_public_key(ctx, mode);
        return Ok(());
    }
    let client = ctx.client()?;
    let report = client.refresh_platform_certificates().await;
    ctx.note_answer();
    let report = report?;
    if report.no_certificates {
        let doc = json!({"mode": mode.describe(), "certificates": [], "note": "the platform has no certificates for this merchant (404 RESOURCE_NOT_EXISTS): it uses the public key"});
        ctx.out.result(&doc, || "the platform has no certificates for this merchant: it uses the WeChat Pay public key".into());
        return Ok(());
    }
    let list = client.call(Certificates::default()).await;
    ctx.note_answer();
    let list = list?;
    let key = client
        .apiv3_key()
        .ok_or_else(|| CliError::config("downloading certificates needs WXPAY_APIV3_KEY"))?;
    let preferred = client.preferred_platform_serial();
    let mut rows = Vec::new();
    for info in &list.data {
        let cert = open(key, info)?;
        let file = match &args.output {
            Some(dir) => Some(write(
                dir,
                cert.serial(),
                &cert.to_pem().map_err(|e| CliError::failure(chain(&e)))?,
            )?),
            None => None,
        };
        rows.push(json!({
            "serial": cert.serial(),
            "effective_time": info.effective_time,
            "expire_time": info.expire_time,
            "preferred": preferred.as_deref() == Some(cert.serial()),
            "file": file,
        }));
    }
    let doc = json!({"mode": mode.describe(), "certificates": rows, "preferred": preferred});
    ctx.out.result(&doc, || text(&rows, preferred.as_deref()));
    Ok(())
}

/// Public-key mode: nothing to download.
fn explain_public_key(ctx: &Ctx, mode: KeyMode) {
    let id = ctx.settings.public_key_id.as_ref().map(|s| s.value.clone());
    let note = "this merchant verifies with the WeChat Pay public key: it is downloaded once \
from the merchant platform, with its id, and needs no download here (set WXPAY_APIV3_KEY and \
--platform-certificates to fetch certificates as well)";
    let doc =
        json!({"mode": mode.describe(), "public_key_id": id, "certificates": [], "note": note});
    ctx.out.result(&doc, || {
        format!("public key {}: {note}", id.as_deref().unwrap_or(""))
    });
}

/// Decrypts one listed certificate with the APIv3 key and checks its serial.
fn open(key: &wxpay::crypto::ApiV3Key, info: &CertificateInfo) -> Result<Certificate, CliError> {
    let bad = |why: String| {
        CliError::new(
            Code::Verify,
            format!("certificate {} {why}", info.serial_no),
        )
    };
    let sealed = &info.encrypt_certificate;
    let pem = key
        .decrypt(
            sealed.nonce.as_bytes(),
            sealed.associated_data.as_bytes(),
            &sealed.ciphertext,
        )
        .map_err(|_| bad("does not decrypt with the APIv3 key".into()))?;
    let cert =
        Certificate::from_pem(&pem).map_err(|e| bad(format!("does not parse: {}", chain(&e))))?;
    if !cert.serial().eq_ignore_ascii_case(&info.serial_no) {
        return Err(bad(format!("has serial {}", cert.serial())));
    }
    Ok(cert)
}

fn write(dir: &std::path::Path, serial: &str, pem: &[u8]) -> Result<String, CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let file = dir.join(format!("wechatpay_{serial}.pem"));
    std::fs::write(&file, pem)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", file.display())))?;
    Ok(file.display().to_string())
}

fn text(rows: &[Value], preferred: Option<&str>) -> String {
    let mut out = String::new();
    for r in rows {
        out += &format!(
            "{}  valid {} … {}{}\n",
            r["serial"].as_str().unwrap_or(""),
            r["effective_time"].as_str().unwrap_or(""),
            r["expire_time"].as_str().unwrap_or(""),
            if r["preferred"] == json!(true) {
                "  (preferred)"
            } else {
                ""
            }
        );
        if let Some(file) = r["file"].as_str() {
            out += &format!("  written to {file}\n");
        }
    }
    if rows.is_empty() {
        out += "no valid certificate listed\n";
    }
    if let Some(p) = preferred {
        out += &format!("requests name {p} in Wechatpay-Serial\n");
    }
    out
}
