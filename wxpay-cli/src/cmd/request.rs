//! `wxpay request METHOD PATH`: any endpoint, signed, the answer verified.

use std::io::Read;

use serde_json::{Value, json};
use wxpay::http::{HeaderMap, HeaderName, HeaderValue, Method};
use wxpay::protocol::header::is_reserved_header;

use super::Ctx;
use crate::cli::{METHODS, RequestArgs};
use crate::exit::{CliError, chain};
use crate::output::pretty;

/// Runs `wxpay request`.
pub async fn run(ctx: &mut Ctx, args: &RequestArgs) -> Result<(), CliError> {
    let method = method(&args.method)?;
    if !args.path.starts_with('/') || args.path.contains(['?', '#']) {
        return Err(CliError::usage(format!(
            "the path {:?} must start with / and hold no query: give query pairs with -q k=v",
            args.path
        )));
    }
    let query = query_pairs(&args.query)?;
    let headers = headers(&args.header)?;
    let mut body = match &args.data {
        Some(data) => Some(read_body(data)?),
        None => None,
    };
    if !args.no_check {
        let checked = body.clone().unwrap_or(Value::Null);
        if let Err(problems) = wxpay_sandbox::check_body(method.as_str(), &args.path, &checked) {
            return Err(CliError::usage(format!(
                "the body does not fit {} {} (nothing sent; --no-check sends it anyway):\n  {}",
                method,
                args.path,
                problems.join("\n  ")
            )));
        }
    }
    let client = ctx.client()?;
    ctx.recorder()?.set_extra_headers(headers);
    if !args.sensitive.is_empty() {
        let Some(body) = body.as_mut() else {
            return Err(CliError::usage("--sensitive needs a body (-d)"));
        };
        encrypt_fields(&client, body, &args.sensitive).await?;
    }
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = client
        .request_json(method, &args.path, &pairs, body.as_ref())
        .await;
    ctx.note_answer();
    let answer = answer?;
    let seen = ctx.recorder()?.last();
    let document = json!({
        "status": seen.status.map(|s| s.as_u16()),
        "request_id": seen.request_id,
        "body": answer,
    });
    ctx.out.result(&document, || {
        if args.raw {
            // The verified bytes, as the platform sent them.
            seen.body
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        } else if answer.is_null() {
            String::new()
        } else {
            pretty(&answer)
        }
    });
    Ok(())
}

fn method(text: &str) -> Result<Method, CliError> {
    let upper = text.to_ascii_uppercase();
    if !METHODS.contains(&upper.as_str()) {
        return Err(CliError::usage(format!(
            "unknown method {text:?}: one of {}",
            METHODS.join(", ")
        )));
    }
    Method::from_bytes(upper.as_bytes()).map_err(|e| CliError::usage(e.to_string()))
}

fn query_pairs(pairs: &[String]) -> Result<Vec<(String, String)>, CliError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::usage(format!("-q {pair:?}: write it as name=value")))
        })
        .collect()
}

fn headers(lines: &[String]) -> Result<HeaderMap, CliError> {
    let mut map = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(CliError::usage(format!(
                "-H {line:?}: write it as 'Name: value'"
            )));
        };
        let name = name.trim();
        if is_reserved_header(name) {
            return Err(CliError::usage(format!(
                "-H {name}: the client sets this header itself"
            )));
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| CliError::usage(format!("-H: {name:?} is not a header name")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::usage(format!("-H {name}: the value is not a header value")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// The body of `-d`: JSON text, `@file`, or `@-` (stdin).
fn read_body(data: &str) -> Result<Value, CliError> {
    let (text, from) = match data.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::usage(format!("cannot read the body from stdin: {e}")))?;
            (text, "stdin".to_owned())
        }
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::usage(format!("cannot read the body file {file}: {e}")))?;
            (text, file.to_owned())
        }
        None => (data.to_owned(), "-d".to_owned()),
    };
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("the body ({from}) is not valid JSON: {e}")))
}

/// Encrypts the string fields at each dotted path (`a.b`, `list[].c`) with
/// the preferred platform key, as `#[sensitive]` fields are; the client
/// names that key in `Wechatpay-Serial`.
async fn encrypt_fields(
    client: &wxpay::Client,
    body: &mut Value,
    paths: &[String],
) -> Result<(), CliError> {
    if client.key_store().is_empty() && client.refresh_platform_certificates().await.is_err() {
        return Err(CliError::config("no platform key to encrypt with"));
    }
    let serial = client
        .preferred_platform_serial()
        .ok_or_else(|| CliError::config("no platform key to encrypt with"))?;
    let key = client
        .key_store()
        .get(&serial)
        .ok_or_else(|| CliError::config(format!("the platform key {serial} is not loaded")))?;
    for path in paths {
        let mut found = 0;
        let mut failure = None;
        visit(
            body,
            path.split('.').collect::<Vec<_>>().as_slice(),
            &mut |v| {
                if let Value::String(plain) = v {
                    match key.key().encrypt_oaep(plain.as_bytes()) {
                        Ok(sealed) => *plain = sealed,
                        Err(e) => failure = Some(chain(&e)),
                    }
                    found += 1;
                }
            },
        );
        if let Some(e) = failure {
            return Err(CliError::failure(format!("encrypting {path} failed: {e}")));
        }
        if found == 0 {
            return Err(CliError::usage(format!(
                "--sensitive {path}: the body has no string there"
            )));
        }
    }
    Ok(())
}

/// Calls `f` on every value at the path's segments (`[]`: each item).
fn visit(value: &mut Value, segments: &[&str], f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(value);
        return;
    };
    let (key, each) = match first.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (*first, false),
    };
    let Some(child) = value.get_mut(key) else {
        return;
    };
    match (each, child) {
        (true, Value::Array(items)) => items.iter_mut().for_each(|i| visit(i, rest, f)),
        (true, _) => {}
        (false, child) => visit(child, rest, f),
    }
}
