//! `wxpay notify verify` and `wxpay notify listen`.
//!
//! Both verify the signature over the raw body, decrypt the resource with
//! the APIv3 key and type it (`Client::open_notification`, then
//! `decode`), and print the envelope, the event's variant and the
//! decrypted resource. `listen` answers as the library's axum extractor
//! (`VerifiedNotification`) does: `204` once accepted, and a refusal's
//! status and `{"code":"FAIL",…}` body (`NotifyError::answer`) otherwise;
//! it reads the body itself so that it can print the resource as JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wxpay::Client;
use wxpay::notify::NotifyError;

use super::Ctx;
use crate::cli::{NotifyListenArgs, NotifyVerifyArgs};
use crate::exit::{CliError, chain};
use crate::output::{Output, pretty};

/// Runs `wxpay notify verify`.
pub async fn verify(ctx: &mut Ctx, args: &NotifyVerifyArgs) -> Result<(), CliError> {
    let (headers, body) = match (&args.dump, &args.headers, &args.body) {
        (Some(dump), _, _) => parse_dump(&read(dump)?)?,
        (None, Some(headers), Some(body)) => (parse_headers(&read(headers)?)?, read(body)?),
        _ => {
            return Err(CliError::usage(
                "give --dump FILE, or --headers FILE and --body FILE",
            ));
        }
    };
    let client = ctx.client()?;
    let doc = open(&client, &headers, &body).await?;
    ctx.out.result(&doc, || text(&doc));
    Ok(())
}

fn read(file: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(file).map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))
}

/// Verifies, decrypts and types one notification, as a JSON document.
async fn open(client: &Client, headers: &HeaderMap, body: &[u8]) -> Result<Value, NotifyError> {
    let raw = client.open_notification(headers, body).await?;
    let resource = raw.resource.clone();
    let typed = raw.decode()?;
    let debug = format!("{:?}", typed.event);
    let variant: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    let e = &typed.envelope;
    Ok(json!({
        "id": e.id,
        "create_time": e.create_time,
        "event_type": e.event_type,
        "summary": e.summary,
        "original_type": e.original_type,
        "request_id": e.request_id,
        "event": variant,
        "resource": resource,
    }))
}

fn text(doc: &Value) -> String {
    format!(
        "{}  {}  {} ({})\n{}",
        doc["id"].as_str().unwrap_or(""),
        doc["event_type"].as_str().unwrap_or(""),
        doc["summary"].as_str().unwrap_or(""),
        doc["event"].as_str().unwrap_or(""),
        pretty(&doc["resource"])
    )
}

/// An HTTP request as saved: an optional request line, headers, a blank
/// line, then the body (cut to `Content-Length` when that is shorter).
fn parse_dump(dump: &[u8]) -> Result<(HeaderMap, Vec<u8>), CliError> {
    let split = find(dump, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(dump, b"\n\n").map(|i| (i, 2)))
        .ok_or_else(|| CliError::usage("the dump has no blank line between headers and body"))?;
    let (head, rest) = dump.split_at(split.0);
    let mut body = rest.get(split.1..).unwrap_or_default().to_vec();
    let headers = parse_headers(head)?;
    let length = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(length) = length.filter(|l| *l <= body.len()) {
        body.truncate(length);
    }
    Ok((headers, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `Name: value` lines; a request line (`POST /path HTTP/1.1`) is skipped.
fn parse_headers(text: &[u8]) -> Result<HeaderMap, CliError> {
    let text = String::from_utf8_lossy(text);
    let mut map = HeaderMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (n == 0 && line.contains(" HTTP/")) {
            continue;
        }
        let (name, value) = line.split_once(':').ok_or_else(|| {
            CliError::usage(format!(
                "header line {} is not 'Name: value': {line:?}",
                n + 1
            ))
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CliError::usage(format!("{:?} is not a header name", name.trim())))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::usage(format!("the value of {name} is not a header value")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// What the listener shares with its handler.
#[derive(Clone)]
struct Listener {
    client: Client,
    out: Output,
    accepted: Arc<AtomicU64>,
    stop_after: Option<u64>,
    stop: Arc<tokio::sync::Notify>,
}

/// Runs `wxpay notify listen`.
pub async fn listen(ctx: &mut Ctx, args: &NotifyListenArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    if client.apiv3_key().is_none() {
        return Err(CliError::config(
            "reading notifications needs the APIv3 key (WXPAY_APIV3_KEY)",
        ));
    }
    let socket = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| {
            CliError::failure(format!("cannot listen on {}:{}: {e}", args.host, args.port))
        })?;
    let addr = socket
        .local_addr()
        .map_err(|e| CliError::failure(e.to_string()))?;
    eprintln!("listening on http://{addr} (any path; Ctrl-C stops)");
    let state = Listener {
        client,
        out: ctx.out,
        accepted: Arc::new(AtomicU64::new(0)),
        stop_after: args.count,
        stop: Arc::new(tokio::sync::Notify::new()),
    };
    let stop = state.stop.clone();
    let app = axum::Router::new().fallback(receive).with_state(state);
    axum::serve(socket, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = stop.notified() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await
        .map_err(|e| CliError::failure(format!("the listener failed: {}", chain(&e))))
}

/// One delivery: printed when accepted (204), reported on stderr and
/// answered as the extractor answers when refused.
async fn receive(State(l): State<Listener>, headers: HeaderMap, body: Bytes) -> Response {
    match open(&l.client, &headers, &body).await {
        Ok(doc) => {
            if l.out.json {
                println!("{doc}");
            } else {
                println!("{}\n", text(&doc));
            }
            let n = l.accepted.fetch_add(1, Ordering::SeqCst) + 1;
            if l.stop_after.is_some_and(|max| n >= max) {
                l.stop.notify_one();
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => {
            let answer = e.answer();
            eprintln!("refused ({}): {}", answer.status, chain(&e));
            answer.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dumps_are_read_with_or_without_a_request_line_and_cut_to_their_length() {
        let dump = b"POST /notify HTTP/1.1\r\nWechatpay-Serial: PUB_KEY_ID_1\r\nContent-Length: 7\r\n\r\n{\"a\":1}\n";
        let (headers, body) = parse_dump(dump).unwrap();
        assert_eq!(headers["wechatpay-serial"], "PUB_KEY_ID_1");
        assert_eq!(body, b"{\"a\":1}");
        let (headers, body) = parse_dump(b"Request-ID: x\n\n{}").unwrap();
        assert_eq!(headers["request-id"], "x");
        assert_eq!(body, b"{}");
        assert!(parse_dump(b"no blank line").is_err());
        assert!(parse_headers(b"not a header line").is_err());
    }
}
