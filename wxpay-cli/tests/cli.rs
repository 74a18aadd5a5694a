//! The `wxpay` binary, driven as a user drives it, against a sandbox
//! started by each test on a loopback port.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use wxpay::pay_params::JsapiPayParams;
use wxpay_sandbox::{Fault, FaultRule, Sandbox, keys};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay");
const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// Every variable the command reads, cleared so the caller's shell cannot leak in.
const VARS: [&str; 14] = [
    "WXPAY_MCHID",
    "WXPAY_MERCHANT_SERIAL",
    "WXPAY_MERCHANT_KEY_FILE",
    "WXPAY_MERCHANT_CERT_FILE",
    "WXPAY_PUBLIC_KEY_ID",
    "WXPAY_PUBLIC_KEY_FILE",
    "WXPAY_APIV3_KEY",
    "WXPAY_APIV3_KEY_FILE",
    "WXPAY_BASE_URL",
    "WXPAY_CONFIG",
    "WXPAY_PROFILE",
    "WXPAY_PLATFORM_CERTIFICATES",
    "WXPAY_CA_FILE",
    "XDG_CONFIG_HOME",
];

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("wxpay-cli-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A sandbox and the `WXPAY_*` variables for it, with its keys in files.
struct Env {
    sandbox: Sandbox,
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Env {
    async fn public_key(name: &str) -> Env {
        Env::with(name, Sandbox::start().await.unwrap())
    }

    async fn certificates(name: &str) -> Env {
        let sandbox = Sandbox::builder()
            .generated_certificate()
            .unwrap()
            .start()
            .await
            .unwrap();
        Env::with(name, sandbox)
    }

    fn with(name: &str, sandbox: Sandbox) -> Env {
        let dir = scratch(name);
        let merchant = sandbox.merchant().unwrap();
        let key = dir.join("merchant_key.pem");
        std::fs::write(
            &key,
            merchant.private_key.as_ref().unwrap().to_pem().unwrap(),
        )
        .unwrap();
        let info = sandbox.info();
        let mut vars = vec![
            ("WXPAY_BASE_URL".to_owned(), info.base_url.clone()),
            ("WXPAY_MCHID".to_owned(), info.mchid.clone()),
            (
                "WXPAY_MERCHANT_SERIAL".to_owned(),
                info.merchant_serial.clone(),
            ),
            (
                "WXPAY_MERCHANT_KEY_FILE".to_owned(),
                key.display().to_string(),
            ),
            ("WXPAY_APIV3_KEY".to_owned(), info.apiv3_key.clone()),
        ];
        if let Some(id) = &info.public_key_id {
            let platform = sandbox
                .platform_keys()
                .into_iter()
                .find(|k| &k.serial == id)
                .unwrap();
            let file = dir.join("wechatpay_public_key.pem");
            std::fs::write(
                &file,
                platform.private_key.public_key().unwrap().to_pem().unwrap(),
            )
            .unwrap();
            vars.push(("WXPAY_PUBLIC_KEY_ID".to_owned(), id.clone()));
            vars.push((
                "WXPAY_PUBLIC_KEY_FILE".to_owned(),
                file.display().to_string(),
            ));
        }
        Env { sandbox, dir, vars }
    }

    fn set(&mut self, name: &str, value: &str) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    fn unset(&mut self, name: &str) {
        self.vars.retain(|(n, _)| n != name);
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        for var in VARS {
            c.env_remove(var);
        }
        c.env("HOME", &self.dir)
            .args(args)
            .envs(self.vars.iter().map(|(k, v)| (k, v)));
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).stdin(Stdio::null()).output().unwrap())
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        Run(child.wait_with_output().unwrap())
    }

    fn mchid(&self) -> String {
        self.sandbox.info().mchid
    }

    fn order_body(&self, out_trade_no: &str) -> Value {
        json!({"appid": APPID, "mchid": self.mchid(), "description": "CLI test",
               "out_trade_no": out_trade_no, "notify_url": "https://example.com/notify",
               "amount": {"total": 1990}, "payer": {"openid": OPENID}})
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A finished command.
struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().unwrap()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout(),
                self.stderr()
            )
        })
    }
    fn ok(self) -> Run {
        assert_eq!(
            self.code(),
            0,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    fn fails(self, code: i32, message: &str) -> Run {
        assert_eq!(
            self.code(),
            code,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        assert!(
            self.stderr().contains(message),
            "expected {message:?} in stderr: {}",
            self.stderr()
        );
        self
    }
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{}", nanos % 10_000_000_000_000)
}

#[test]
fn help_documents_the_exit_codes_and_usage_errors_exit_2() {
    let help = Run(Command::new(BIN).arg("--help").output().unwrap()).ok();
    for text in [
        "Exit codes:",
        "4  the platform answered",
        "certificates",
        "pay-params",
    ] {
        assert!(help.stdout().contains(text), "{text}: {}", help.stdout());
    }
    Run(Command::new(BIN).arg("no-such-command").output().unwrap()).fails(2, "no-such-command");
    Run(Command::new(BIN).args(["bill"]).output().unwrap()).fails(2, "--date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_names_sources_hides_secrets_and_proves_the_credentials() {
    let env = Env::public_key("check").await;
    let run = env.run(&["config", "check"]).ok();
    let out = run.stdout();
    assert!(out.contains("set (from WXPAY_APIV3_KEY)"), "{out}");
    assert!(out.contains("ORDER_NOT_EXIST"), "{out}");
    let key = env.sandbox.info().apiv3_key;
    assert!(
        !out.contains(&key) && !run.stderr().contains(&key),
        "the APIv3 key was printed"
    );
    let report = env.run(&["config", "check", "--json"]).ok().json();
    assert_eq!(report["platform_key_mode"], "public key");
    assert_eq!(report["proof"]["ok"], true);
    assert_eq!(report["proof"]["order_query"]["answer_verified"], true);
    assert_eq!(report["mchid"]["source"], "WXPAY_MCHID");
    assert_eq!(report["apiv3_key"]["value"], "set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_a_configuration_error() {
    let mut env = Env::public_key("missing").await;
    env.unset("WXPAY_MCHID");
    env.unset("WXPAY_MERCHANT_SERIAL");
    let run = env
        .run(&["config", "check", "--json"])
        .fails(3, "missing configuration");
    let missing = run.json()["report"]["missing"].to_string();
    assert!(
        missing.contains("WXPAY_MCHID") && missing.contains("WXPAY_MERCHANT_CERT_FILE"),
        "{missing}"
    );
    env.run(&["GET", "/v3/pay/transactions/id/1"])
        .fails(3, "WXPAY_MCHID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_beat_variables_beat_the_profile_and_the_serial_comes_from_the_certificate() {
    let mut env = Env::public_key("profile").await;
    let cert = env.dir.join("apiclient_cert.pem");
    std::fs::write(
        &cert,
        keys::generated_merchant_certificate()
            .unwrap()
            .to_pem()
            .unwrap(),
    )
    .unwrap();
    let get = |name: &str| env.vars.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let profiles = format!(
        "default_profile = \"other\"\n[other]\nmchid = \"1\"\n\n[shop]\nmchid = \"1\"\nbase_url = \"http://127.0.0.1:9\"\nmerchant_key_file = {:?}\nmerchant_cert_file = {:?}\npublic_key_id = {:?}\npublic_key_file = {:?}\napiv3_key = {:?}\n",
        get("WXPAY_MERCHANT_KEY_FILE"),
        cert.display().to_string(),
        get("WXPAY_PUBLIC_KEY_ID"),
        get("WXPAY_PUBLIC_KEY_FILE"),
        get("WXPAY_APIV3_KEY"),
    );
    let file = env.dir.join("profiles.toml");
    std::fs::write(&file, profiles).unwrap();
    let base_url = get("WXPAY_BASE_URL");
    let mchid = get("WXPAY_MCHID");
    env.vars.clear();
    env.set("WXPAY_BASE_URL", &base_url);
    let file = file.display().to_string();
    let run = env
        .run(&[
            "--config",
            &file,
            "--profile",
            "shop",
            "--mchid",
            &mchid,
            "config",
            "check",
            "--json",
        ])
        .ok();
    let report = run.json();
    assert_eq!(report["mchid"]["source"], "--mchid");
    assert_eq!(report["base_url"]["source"], "WXPAY_BASE_URL");
    assert_eq!(report["public_key_id"]["source"], "profile \"shop\"");
    assert_eq!(
        report["merchant_serial"]["value"],
        env.sandbox.info().merchant_serial.as_str()
    );
    assert!(
        report["merchant_serial"]["source"]
            .as_str()
            .unwrap()
            .contains("apiclient_cert.pem")
    );
    assert_eq!(report["proof"]["ok"], true);
    env.run(&["--config", &file, "--profile", "nope", "config", "check"])
        .fails(3, "no profile \"nope\"; profiles: other, shop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_places_and_queries_an_order_with_bodies_from_text_files_and_stdin() {
    let env = Env::public_key("request").await;
    let first = unique("CLIA");
    let body_file = env.dir.join("order.json");
    std::fs::write(&body_file, env.order_body(&first).to_string()).unwrap();
    let at_file = format!("@{}", body_file.display());
    let run = env
        .run(&[
            "request",
            "POST",
            "/v3/pay/transactions/jsapi",
            "-d",
            &at_file,
        ])
        .ok();
    assert!(
        run.json()["prepay_id"].as_str().unwrap().starts_with("wx"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr().contains("200 OK Request-ID: "),
        "{}",
        run.stderr()
    );
    let second = unique("CLIB");
    env.run_with_stdin(
        &["POST", "/v3/pay/transactions/jsapi", "-d", "@-"],
        &env.order_body(&second).to_string(),
    )
    .ok();
    let third = unique("CLIC");
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &env.order_body(&third).to_string(),
    ])
    .ok();
    for no in [&first, &second, &third] {
        assert!(
            env.sandbox.order(&env.mchid(), no).is_some(),
            "{no} not placed"
        );
    }
    let path = format!("/v3/pay/transactions/out-trade-no/{second}");
    let mchid = format!("mchid={}", env.mchid());
    let answer = env.run(&["--json", "GET", &path, "-q", &mchid]).ok().json();
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"]["trade_state"], "NOTPAY");
    assert_eq!(answer["body"]["out_trade_no"], second.as_str());
    let raw = env
        .run(&["GET", &path, "-q", &mchid, "--raw"])
        .ok()
        .stdout();
    assert_eq!(raw.lines().count(), 1, "{raw}");
    let raw: serde_json::Value = serde_json::from_str(raw.trim()).unwrap();
    assert_eq!(raw, answer["body"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_fail_before_anything_is_sent() {
    let env = Env::public_key("badbody").await;
    let sent = env.sandbox.recent_requests().len();
    env.run(&["POST", "/v3/pay/transactions/jsapi", "-d", "{\"appid\": "])
        .fails(2, "is not valid JSON");
    let mut typo = env.order_body(&unique("CLIT"));
    let total = typo["amount"]
        .as_object_mut()
        .unwrap()
        .remove("total")
        .unwrap();
    typo["amount"]["totla"] = total;
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &typo.to_string(),
    ])
    .fails(
        2,
        "unknown field `amount.totla`: did you mean `amount.total`?",
    );
    // An optional field misspelt, nothing required missing.
    let mut optional = env.order_body(&unique("CLIT"));
    optional["time_expires"] = json!("2030-01-01T00:00:00+08:00");
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &optional.to_string(),
    ])
    .fails(
        2,
        "unknown field `time_expires`: did you mean `time_expire`?",
    );
    let mut wrong_type = env.order_body(&unique("CLIT"));
    wrong_type["amount"]["total"] = json!("19.90");
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &wrong_type.to_string(),
    ])
    .fails(2, "`amount.total` must be an integer");
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        "{}",
        "-H",
        "Authorization: x",
    ])
    .fails(2, "sets this header itself");
    env.run(&["POST", "/v3/pay/transactions/jsapi?x=1"])
        .fails(2, "-q k=v");
    env.run(&["FETCH", "/v3/x"]).fails(2, "");
    assert_eq!(
        env.sandbox.recent_requests().len(),
        sent,
        "a request was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_network_and_verification_failures_have_their_codes() {
    let mut env = Env::public_key("failures").await;
    let mchid = format!("mchid={}", env.mchid());
    let run = env
        .run(&[
            "--json",
            "GET",
            "/v3/pay/transactions/out-trade-no/CLINONE1",
            "-q",
            &mchid,
        ])
        .fails(4, "ORDER_NOT_EXIST");
    assert_eq!(run.json()["error"]["code"], "ORDER_NOT_EXIST");
    assert!(run.json()["error"]["request_id"].is_string());

    env.sandbox.inject(
        FaultRule::new(Fault::TamperBody)
            .path("/v3/pay/transactions/jsapi")
            .times(1),
    );
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &env.order_body(&unique("CLIV")).to_string(),
    ])
    .fails(5, "");

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    env.set("WXPAY_BASE_URL", &url);
    env.run(&[
        "GET",
        "/v3/pay/transactions/out-trade-no/CLINONE1",
        "-q",
        &mchid,
    ])
    .fails(6, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_fields_are_encrypted_and_extra_headers_sent() {
    let env = Env::public_key("sensitive").await;
    let mut body = env.order_body(&unique("CLIS"));
    body["payer"]["identity"] =
        json!({"type": "IDCARD", "number": "110101199003070000", "name": "张三"});
    let text = body.to_string();
    let args = ["POST", "/v3/pay/transactions/jsapi", "-d", &text];
    // Sent in clear, the sandbox refuses it: the field must decrypt.
    env.run(&args).fails(4, "PARAM_ERROR");
    let mut body = env.order_body(&unique("CLIS"));
    body["payer"]["identity"] =
        json!({"type": "IDCARD", "number": "110101199003070000", "name": "张三"});
    let text = body.to_string();
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &text,
        "--sensitive",
        "payer.identity.name",
        "--sensitive",
        "payer.identity.number",
    ])
    .ok();
    env.run(&[
        "POST",
        "/v3/pay/transactions/jsapi",
        "-d",
        &text,
        "--sensitive",
        "payer.nothing",
    ])
    .fails(2, "no string there");

    env.sandbox.route(
        wxpay::http::Method::GET,
        "/v3/cli-test/echo",
        |req| async move {
            let trace = req
                .headers
                .get("x-trace")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            wxpay_sandbox::Reply::ok(&json!({ "trace": trace }))
        },
    );
    let run = env
        .run(&["GET", "/v3/cli-test/echo", "-H", "X-Trace: abc-123"])
        .ok();
    assert_eq!(run.json()["trace"], "abc-123");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_downloaded_verified_and_written() {
    let mut env = Env::certificates("crt").await;
    let out = env.dir.join("certs");
    let out_text = out.display().to_string();
    let run = env.run(&["crt", "-o", &out_text, "--json"]).ok();
    let serial = env.sandbox.default_serial();
    let listed = &run.json()["certificates"];
    assert_eq!(listed[0]["serial"], serial.as_str());
    assert_eq!(listed[0]["preferred"], true);
    let pem = std::fs::read(out.join(format!("wechatpay_{serial}.pem"))).unwrap();
    assert_eq!(
        wxpay::crypto::Certificate::from_pem(&pem).unwrap().serial(),
        serial
    );
    let text = env.run(&["certificates"]).ok().stdout();
    assert!(
        text.contains(&serial) && text.contains("(preferred)"),
        "{text}"
    );
    let report = env.run(&["config", "check", "--json"]).ok().json();
    assert_eq!(report["platform_key_mode"], "certificates downloaded");
    assert_eq!(
        report["proof"]["certificates"]["listed"][0],
        serial.as_str()
    );

    env.set("WXPAY_APIV3_KEY", "wrongApiV3Key0123456789abcdefXYZ");
    env.run(&["crt"])
        .fails(5, "does not decrypt with the APIv3 key");

    let pk = Env::public_key("crt-pk").await;
    let run = pk.run(&["crt"]).ok();
    assert!(
        run.stdout().contains("needs no download"),
        "{}",
        run.stdout()
    );
}

/// Receives one HTTP request on a loopback port and keeps it as sent.
fn capture_one() -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut dump = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            dump.extend_from_slice(line.as_bytes());
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        dump.extend_from_slice(&body);
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .unwrap();
        dump
    });
    (url, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_notifications_are_verified_and_tampered_ones_refused() {
    let mut env = Env::public_key("notify").await;
    let (url, captured) = capture_one();
    env.sandbox
        .send_notification("TRANSACTION.SUCCESS", &format!("{url}/wxpay/notify"), None)
        .unwrap();
    let dump = tokio::task::spawn_blocking(move || captured.join().unwrap())
        .await
        .unwrap();
    let file = env.dir.join("notification.http");
    std::fs::write(&file, &dump).unwrap();
    let file_text = file.display().to_string();
    let event = env
        .run(&["notify", "verify", "--dump", &file_text, "--json"])
        .ok()
        .json();
    assert_eq!(event["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(event["event"], "TransactionSuccess");
    assert_eq!(event["resource"]["trade_state"], "SUCCESS");

    // The same, as a headers file and a body file.
    let split = dump.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let (headers, body) = (env.dir.join("headers.txt"), env.dir.join("body.json"));
    std::fs::write(&headers, &dump[..split]).unwrap();
    std::fs::write(&body, &dump[split + 4..]).unwrap();
    let (h, b) = (headers.display().to_string(), body.display().to_string());
    let text = env
        .run(&["notify", "verify", "--headers", &h, "--body", &b])
        .ok()
        .stdout();
    assert!(
        text.contains("TRANSACTION.SUCCESS") && text.contains("\"trade_state\": \"SUCCESS\""),
        "{text}"
    );

    let mut tampered = dump.clone();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&file, &tampered).unwrap();
    env.run(&["notify", "verify", "--dump", &file_text])
        .fails(5, "notification refused");

    std::fs::write(&file, &dump).unwrap();
    env.set("WXPAY_APIV3_KEY", "wrongApiV3Key0123456789abcdefXYZ");
    env.run(&["notify", "verify", "--dump", &file_text])
        .fails(5, "decrypt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_accepted_notifications_and_refuses_probes() {
    let env = Env::public_key("listen").await;
    let mut child = env
        .command(&["notify", "listen", "--port", "0", "--count", "1", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let url = format!("http://{addr}/wxpay/notify");
    let probe = env.sandbox.send_probe(&url);
    let refused = env
        .sandbox
        .wait_for_notification(
            |n| n.id == probe && n.attempts.iter().any(|a| a.status.is_some()),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(refused.attempts[0].status, Some(401));
    let id = env
        .sandbox
        .send_notification("REFUND.SUCCESS", &url, None)
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(output.status.success(), "{rest}");
    assert!(rest.contains("refused (401 Unauthorized)"), "{rest}");
    let event: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["event"], "RefundSuccess");
    // The sandbox records the answer once it has read it, maybe after the
    // listener has printed the notification and exited.
    let delivered = env
        .sandbox
        .wait_for_notification(
            |n| n.id == id && n.attempts.iter().any(|a| a.status.is_some()),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(delivered.attempts[0].status, Some(204));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bills_are_downloaded_checked_written_and_summarised() {
    let env = Env::public_key("bill").await;
    let client = env.sandbox.client().unwrap();
    let mchid = env.mchid();
    let mut total = 0;
    for (i, amount) in [1990, 880].into_iter().enumerate() {
        let no = unique(&format!("CLIBILL{i}"));
        let mut body = env.order_body(&no);
        body["amount"]["total"] = json!(amount);
        client
            .request_json(
                wxpay::http::Method::POST,
                "/v3/pay/transactions/jsapi",
                &[],
                Some(&body),
            )
            .await
            .unwrap();
        env.sandbox.pay_order(&mchid, &no).unwrap();
        total += amount;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let today = wxpay_sandbox::time::china_date(now);
    let csv = env.dir.join("bill.csv");
    let csv_text = csv.display().to_string();
    let report = env
        .run(&[
            "bill", "--date", &today, "--gzip", "-o", &csv_text, "--json",
        ])
        .ok()
        .json();
    assert_eq!(report["digest_checked"], true);
    assert_eq!(report["summary"]["by_trade_state"]["SUCCESS"]["count"], 2);
    assert_eq!(
        report["summary"]["by_trade_state"]["SUCCESS"]["total"],
        total
    );
    assert_eq!(report["summary"]["order_total"], total);
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("交易时间")
    );
    let fund = env
        .run(&["bill", "--type", "fundflow", "--date", &today])
        .ok()
        .stdout();
    assert!(
        fund.contains("fundflow bill of") && fund.contains("交易"),
        "{fund}"
    );

    // A bill damaged on the way: its digest no longer matches.
    let query = [("bill_date", today.as_str()), ("bill_type", "ALL")];
    let file = client
        .request_json(wxpay::http::Method::GET, "/v3/bill/tradebill", &query, None)
        .await
        .unwrap();
    env.sandbox
        .corrupt_bill(file["download_url"].as_str().unwrap())
        .unwrap();
    env.sandbox
        .route(wxpay::http::Method::GET, "/v3/bill/tradebill", move |_| {
            let file = file.clone();
            async move { wxpay_sandbox::Reply::ok(&file) }
        });
    let damaged = env.dir.join("damaged.csv");
    let damaged_text = damaged.display().to_string();
    env.run(&["bill", "--date", &today, "-o", &damaged_text])
        .fails(5, "digest");
    assert!(!damaged.exists() && !Path::new(&format!("{damaged_text}.part")).exists());
    env.run(&["bill", "--date", "2026/01/01"])
        .fails(2, "YYYY-MM-DD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_params_are_accepted_by_the_payer() {
    let env = Env::public_key("payparams").await;
    let no = unique("CLIPAY");
    let run = env
        .run(&[
            "POST",
            "/v3/pay/transactions/jsapi",
            "-d",
            &env.order_body(&no).to_string(),
        ])
        .ok();
    let prepay_id = run.json()["prepay_id"].as_str().unwrap().to_owned();
    let params = env
        .run(&["pay-params", "--appid", APPID, "--prepay-id", &prepay_id])
        .ok()
        .json();
    let params: JsapiPayParams = serde_json::from_value(params).unwrap();
    let paid = env.sandbox.request_payment(&params).unwrap();
    assert_eq!(paid.out_trade_no, no);
    let app = env
        .run(&[
            "pay-params",
            "--appid",
            APPID,
            "--prepay-id",
            &prepay_id,
            "--sub-mchid",
            "1900000209",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(app["kind"], "app");
    assert_eq!(app["params"]["partnerid"], "1900000209");
    assert_eq!(app["params"]["package"], "Sign=WXPay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_command_prints_a_profile_every_command_can_use() {
    let dir = scratch("sandbox-cmd");
    let profile = dir.join("profiles.toml");
    let profile_text = profile.display().to_string();
    let keys = dir.join("keys").display().to_string();
    let mut child = Command::new(BIN)
        .args([
            "sandbox",
            "--json",
            "--write-profile",
            &profile_text,
            "--",
            "--write-keys",
            &keys,
        ])
        .env("HOME", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: Value = serde_json::from_str(&line).unwrap();
    let profile_vars = started["profile"].as_object().unwrap().clone();
    let mut check = Command::new(BIN);
    for var in VARS {
        check.env_remove(var);
    }
    for (key, value) in &profile_vars {
        check.env(
            format!("WXPAY_{}", key.to_uppercase()),
            value.as_str().unwrap(),
        );
    }
    let by_env = Run(check
        .args(["config", "check", "--json"])
        .env("HOME", &dir)
        .output()
        .unwrap());
    let by_profile = Run(Command::new(BIN)
        .args([
            "--config",
            &profile_text,
            "--profile",
            "sandbox",
            "config",
            "check",
            "--json",
        ])
        .env("HOME", &dir)
        .output()
        .unwrap());
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(by_env.ok().json()["proof"]["ok"], true);
    assert_eq!(by_profile.ok().json()["proof"]["ok"], true);
    assert!(
        started["sandbox"]["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let _ = std::fs::remove_dir_all(&dir);
    Run(Command::new(BIN)
        .args(["sandbox", "--", "--bogus"])
        .output()
        .unwrap())
    .fails(2, "unknown flag --bogus");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_mode_with_the_apiv3_key_from_a_file() {
    let mut env = Env::public_key("migration").await;
    let key_file = env.dir.join("apiv3_key");
    std::fs::write(&key_file, format!("{}\n", env.sandbox.info().apiv3_key)).unwrap();
    env.unset("WXPAY_APIV3_KEY");
    let key_file = key_file.display().to_string();
    let args = ["--apiv3-key-file", &key_file, "--platform-certificates"];
    let report = env
        .run(&[&args[..], &["config", "check", "--json"]].concat())
        .ok()
        .json();
    assert_eq!(
        report["platform_key_mode"],
        "both (public key and certificates downloaded)"
    );
    assert!(
        report["apiv3_key"]["source"]
            .as_str()
            .unwrap()
            .starts_with("--apiv3-key-file")
    );
    assert_eq!(
        report["proof"]["certificates"]["none_for_this_merchant"],
        true
    );
    let run = env.run(&[&args[..], &["crt"]].concat()).ok();
    assert!(
        run.stdout().contains("no certificates for this merchant"),
        "{}",
        run.stdout()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_sandbox_is_reached_with_its_certificate_trusted() {
    let mut env = Env::with("tls", Sandbox::builder().tls(true).start().await.unwrap());
    assert!(env.sandbox.base_url().starts_with("https://"));
    env.run(&["config", "check"]).fails(6, "");
    let ca = env.dir.join("tls_cert.pem");
    std::fs::write(&ca, env.sandbox.tls_certificate_pem().unwrap()).unwrap();
    env.set("WXPAY_CA_FILE", &ca.display().to_string());
    let report = env.run(&["config", "check", "--json"]).ok().json();
    assert_eq!(report["proof"]["ok"], true);
}
