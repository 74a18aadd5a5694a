//! `wxpay sandbox`: the `wxpay-sandbox` binary's start-up (its flags, after
//! `--`), then a ready profile for it: `export WXPAY_…` lines and a TOML
//! `[sandbox]` table, so every other command can be tried offline.
//!
//! The sandbox's APIv3 key is printed: it is a sandbox key, never a
//! merchant's (the sandbox binary prints it too).

use std::io::Write;

use serde_json::{Value, json};

use crate::cli::SandboxArgs;
use crate::exit::CliError;
use crate::output::Output;

/// The profile entries: (variable, profile key, field of the sandbox's line).
const ENTRIES: [(&str, &str, &str); 8] = [
    ("WXPAY_BASE_URL", "base_url", "base_url"),
    ("WXPAY_MCHID", "mchid", "mchid"),
    (
        "WXPAY_MERCHANT_SERIAL",
        "merchant_serial",
        "merchant_serial",
    ),
    (
        "WXPAY_MERCHANT_KEY_FILE",
        "merchant_key_file",
        "merchant_key_file",
    ),
    (
        "WXPAY_MERCHANT_CERT_FILE",
        "merchant_cert_file",
        "merchant_cert_file",
    ),
    ("WXPAY_PUBLIC_KEY_ID", "public_key_id", "public_key_id"),
    (
        "WXPAY_PUBLIC_KEY_FILE",
        "public_key_file",
        "public_key_file",
    ),
    ("WXPAY_APIV3_KEY", "apiv3_key", "apiv3_key"),
];

/// Runs `wxpay sandbox` until Ctrl-C.
pub async fn run(args: &SandboxArgs, out: Output) -> Result<(), CliError> {
    let options = wxpay_sandbox::cli::parse(args.flags.iter().cloned())
        .map_err(|message| CliError::usage(format!("sandbox flags: {message}")))?;
    let (sandbox, line) = wxpay_sandbox::cli::run(options)
        .await
        .map_err(|message| CliError::failure(format!("the sandbox did not start: {message}")))?;
    let pairs = profile(&line);
    let toml = toml_table(&pairs);
    if let Some(file) = &args.write_profile {
        write_profile(file, &toml)?;
    }
    if out.json {
        let profile: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(_, key, v)| ((*key).to_owned(), json!(v)))
            .collect();
        println!("{}", json!({"sandbox": line, "profile": profile}));
    } else {
        for (var, _, value) in &pairs {
            println!("export {var}={}", shell_quote(value));
        }
        println!("\n# or, in ~/.config/wxpay/profiles.toml (then --profile sandbox):\n{toml}");
    }
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown();
    Ok(())
}

/// The entries the sandbox's line has, plus a TLS sandbox's certificate.
fn profile(line: &Value) -> Vec<(&'static str, &'static str, String)> {
    let mut pairs: Vec<(&str, &str, String)> = ENTRIES
        .iter()
        .filter_map(|(var, key, field)| {
            line.get(*field)
                .and_then(Value::as_str)
                .map(|v| (*var, *key, v.to_owned()))
        })
        .collect();
    if let Some(ca) = line.get("tls_cert_file").and_then(Value::as_str) {
        pairs.push(("WXPAY_CA_FILE", "ca_file", ca.to_owned()));
    }
    if line.get("public_key_id").is_none_or(Value::is_null) {
        // Certificate mode: the APIv3 key makes the client download them.
        pairs.retain(|(var, _, _)| !var.starts_with("WXPAY_PUBLIC_KEY"));
    }
    pairs
}

fn toml_table(pairs: &[(&str, &str, String)]) -> String {
    let mut text = String::from("[sandbox]\n");
    for (_, key, value) in pairs {
        text += &format!("{key} = {}\n", json!(value));
    }
    text
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn write_profile(file: &std::path::Path, table: &str) -> Result<(), CliError> {
    let existing = std::fs::read_to_string(file).unwrap_or_default();
    if existing.lines().any(|l| l.trim() == "[sandbox]") {
        return Err(CliError::usage(format!(
            "{} already has a [sandbox] profile",
            file.display()
        )));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = if existing.is_empty() {
        table.to_owned()
    } else {
        format!("{existing}\n{table}")
    };
    std::fs::write(file, text)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", file.display())))
}
