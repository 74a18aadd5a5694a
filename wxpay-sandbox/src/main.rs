//! `wxpay-sandbox`: a local WeChat Pay APIv3 gateway for clients in any language.
//!
//! ```text
//! wxpay-sandbox [--listen ADDR] [--mchid ID] [--merchant-cert PEM]
//!               [--public-key-id ID --public-key-private PEM]
//!               [--platform-cert PEM --platform-key PEM] [--generated-certificate]
//!               [--apiv3-key KEY] [--write-keys DIR] [--tls]
//!               [--notify-target http://HOST:PORT] [--notify-time-scale X] [--spec-mode]
//!               [--appid APPID]... [--sub-merchant SUB_MCHID[=APPID,…]]... [--no-default-relations]
//! ```
//!
//! With `--spec-mode` every operation of the APIv3 catalogue is checked
//! against the spec and answered with the spec's example (see the library's
//! "Spec mode").
//!
//! With `--tls` it serves HTTPS with a self-signed certificate for
//! `127.0.0.1` and `localhost`, written to `tls_cert.pem` (announced as
//! `tls_cert_file`): a client must trust it as a root.
//!
//! Without flags it listens on 127.0.0.1 (a free port) and generates its own
//! keys (a WeChat Pay public key; `--generated-certificate` makes it a
//! platform certificate instead, served by `GET /v3/certificates`). On start it prints one JSON line: `base_url`, the ids it uses, and,
//! for generated keys, the files it wrote them to (so a client can sign).
//!
//! Notifications go to each `notify_url`; `--notify-target` sends them to a
//! local receiver instead (scheme, host and port replaced, path kept), and
//! `--notify-time-scale` shortens the retry schedule (e.g. `0.01`).
//!
//! Orders must name appids bound to their merchant and sub-merchants of
//! the signing service provider: the merchant starts with the library's
//! default appids and sub-merchants; `--appid` binds another appid to it,
//! `--sub-merchant` adds a sub-merchant (with its appids), and
//! `--no-default-relations` drops the defaults.

use std::process::ExitCode;

use wxpay_sandbox::cli;

#[tokio::main]
async fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let (sandbox, line) = match cli::run(options).await {
        Ok(started) => started,
        Err(message) => {
            eprintln!("wxpay-sandbox: {message}");
            return ExitCode::FAILURE;
        }
    };
    println!("{line}");
    let _ = tokio::signal::ctrl_c().await;
    drop(sandbox);
    ExitCode::SUCCESS
}
