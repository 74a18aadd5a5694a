//! Load benchmark: one client against the sandbox *binary* in another
//! process, compared with the floor of a call measured in the same run.
//!
//! ```text
//! cargo run --release -p wxpay-examples --bin bench -- --requests 5000 --concurrency 32
//!     [--tls] [--sandbox PATH] [--floor-iterations 1000] [--workers W]
//! ```
//!
//! Each request places an order (`POST /v3/pay/transactions/jsapi-with-contract`):
//! the client signs it (RSA-2048), the sandbox checks the signature, stores
//! the order and signs its answer, the client verifies that answer. The
//! floor is what no client can avoid per call: one RSA-2048 signature and
//! one verification, timed with OpenSSL on this machine in this run. The
//! table gives throughput, latency, the client's CPU time per request
//! (user + system, summed over its threads from `/proc/self/task/*/schedstat`,
//! nanosecond resolution) and its ratio to the floor. The load and the floor
//! run in alternating rounds so that both meet the same conditions.
//!
//! The sandbox binary is taken from `--sandbox`, else `$WXPAY_SANDBOX_BIN`,
//! else next to this executable (`target/release/wxpay-sandbox`), built
//! with `cargo build --release -p wxpay-sandbox` first when missing.
//! `--workers W` sets the client runtime's worker threads (default: one
//! per CPU); with `taskset` the client and the sandbox can be kept on
//! separate cores (BENCHMARKS.md shows how), which takes their competition
//! for one core out of the client's numbers.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wxpay::crypto::{PrivateKey, base64_decode};
use wxpay::prelude::*;
use wxpay::transport::HyperTransport;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};

/// The load and the floor run in this many alternating rounds.
const ROUNDS: usize = 5;

const USAGE: &str = "usage: bench [--requests N] [--concurrency C] [--tls] [--sandbox PATH] [--floor-iterations K] [--workers W]";

struct Options {
    requests: usize,
    concurrency: usize,
    tls: bool,
    sandbox: Option<PathBuf>,
    floor_iterations: usize,
    workers: Option<usize>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        requests: 2000,
        concurrency: 32,
        tls: false,
        sandbox: None,
        floor_iterations: 1000,
        workers: None,
    };
    while let Some(flag) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} needs a positive number\n{USAGE}"))
        };
        match flag.as_str() {
            "--requests" => o.requests = number("--requests")?,
            "--concurrency" => o.concurrency = number("--concurrency")?,
            "--floor-iterations" => o.floor_iterations = number("--floor-iterations")?,
            "--workers" => o.workers = Some(number("--workers")?),
            "--tls" => o.tls = true,
            "--sandbox" => {
                o.sandbox = Some(
                    args.next()
                        .ok_or_else(|| format!("--sandbox needs a path\n{USAGE}"))?
                        .into(),
                )
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok(o)
}

/// The sandbox binary to run, built first if it is not there.
fn sandbox_binary(o: &Options) -> Result<PathBuf, String> {
    if let Some(path) = &o.sandbox {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os("WXPAY_SANDBOX_BIN") {
        return Ok(path.into());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for the executable")?;
    let path = dir.join("wxpay-sandbox");
    if !path.exists() {
        let release = dir.ends_with("release");
        eprintln!("building the sandbox binary ({})", path.display());
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "wxpay-sandbox", "--bin", "wxpay-sandbox"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().map_err(|e| format!("cargo: {e}"))?;
        if !status.success() || !path.exists() {
            return Err(format!(
                "could not build {}; pass --sandbox PATH",
                path.display()
            ));
        }
    }
    Ok(path)
}

/// Kills the sandbox when the bench ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time (user + system, in nanoseconds) of every live thread of a
/// process: the first field of `/proc/PID/task/TID/schedstat`. The threads
/// measured here (Tokio workers, the main thread) live for the whole run.
fn cpu_time(pid: &str) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        // A thread may end between listing and reading: skip it.
        if let Ok(stat) = std::fs::read_to_string(path) {
            total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
    }
    Some(Duration::from_nanos(total))
}

fn order(mchid: &str, n: usize) -> JsapiWithContract {
    JsapiWithContract {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: format!("BENCH{}x{n}", std::process::id()),
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        amount: Amount {
            total: 100,
            currency: Some("CNY".into()),
        },
        payer: Payer {
            openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        },
        // Signs a contract while paying: needs no pre-sign round trip.
        contract_info: ContractInfo {
            plan_id: Some("3484306348".into()),
            contract_code: Some(format!("BC{n}")),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Runs `ids` through `client` with `concurrency` workers; returns each
/// request's latency and the number of errors.
async fn drive(
    client: &Client,
    ids: std::ops::Range<usize>,
    concurrency: usize,
) -> (Vec<Duration>, usize) {
    let next = Arc::new(AtomicUsize::new(ids.start));
    let errors = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, next, errors, end) = (client.clone(), next.clone(), errors.clone(), ids.end);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= end {
                    return latencies;
                }
                let request = order(client.mchid(), n);
                let started = Instant::now();
                match client.call(request).await {
                    Ok(_) => latencies.push(started.elapsed()),
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("request {n} failed: {e}");
                        }
                    }
                }
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        if let Ok(latencies) = worker.await {
            all.extend(latencies);
        }
    }
    (all, errors.load(Ordering::Relaxed))
}

/// CPU time of one RSA-2048 signature plus one verification with OpenSSL,
/// over a message the size of a request's.
fn floor(key: &PrivateKey, iterations: usize) -> Result<Duration, String> {
    let public = key.public_key().map_err(|e| e.to_string())?;
    let message = vec![b'x'; 512];
    let signature = base64_decode(&key.sign(&message).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let me = std::process::id().to_string();
    let before = cpu_time(&me).ok_or("no /proc/self/stat")?;
    for _ in 0..iterations {
        let s = key
            .sign(std::hint::black_box(&message))
            .map_err(|e| e.to_string())?;
        std::hint::black_box(s);
        if !public.verify(std::hint::black_box(&message), &signature) {
            return Err("the floor's own signature does not verify".into());
        }
    }
    let after = cpu_time(&me).ok_or("no /proc/self/stat")?;
    Ok((after - before) / iterations as u32)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

async fn run(o: Options) -> Result<(), String> {
    let binary = sandbox_binary(&o)?;
    let dir = std::env::temp_dir().join(format!("wxpay-bench-{}", std::process::id()));
    let mut command = Command::new(&binary);
    command
        .arg("--write-keys")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if o.tls {
        command.arg("--tls");
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let sandbox = Running(child);
    let sandbox_pid = sandbox.0.id().to_string();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let info: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("sandbox said {line:?}: {e}"))?;
    let field = |k: &str| {
        info[k]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no {k} in {info}"))
    };

    let mut transport = HyperTransport::builder()
        .allow_http(!o.tls)
        .pool_max_idle_per_host(o.concurrency);
    if o.tls {
        let pem = std::fs::read(field("tls_cert_file")?).map_err(|e| e.to_string())?;
        transport = transport
            .add_root_certificate_pem(&pem)
            .map_err(|e| e.to_string())?;
    }
    let key_file = field("merchant_key_file")?;
    let client = Client::builder()
        .base_url(field("base_url")?)
        .allow_http(!o.tls)
        .credentials(
            Credentials::from_pem_file(field("mchid")?, field("merchant_serial")?, &key_file)
                .map_err(|e| e.to_string())?,
        )
        .platform_public_key_pem_file(field("public_key_id")?, field("public_key_file")?)
        .transport(Arc::new(transport.build().map_err(|e| e.to_string())?))
        .retry_policy(RetryPolicy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let merchant_key = PrivateKey::from_pem(&std::fs::read(&key_file).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;

    // Warm up: connections opened, allocator and caches settled.
    let warm = o.concurrency * 4;
    let (_, warm_errors) = drive(&client, 0..warm, o.concurrency).await;
    if warm_errors > 0 {
        return Err(format!("{warm_errors} errors while warming up"));
    }

    // The load and the floor in alternating rounds, so that both meet the
    // same conditions on a shared machine (other processes, clock speed).
    let me = std::process::id().to_string();
    let (mut cpu, mut sandbox_cpu, mut wall) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut latencies, mut errors, mut floor_total) = (Vec::new(), 0, Duration::ZERO);
    let mut next = warm;
    for round in 0..ROUNDS {
        floor_total += floor(&merchant_key, o.floor_iterations / ROUNDS + 1)?;
        let count = o.requests / ROUNDS + usize::from(round < o.requests % ROUNDS);
        let cpu_before = cpu_time(&me).ok_or("no /proc/self/stat")?;
        let sandbox_before = cpu_time(&sandbox_pid).unwrap_or_default();
        let started = Instant::now();
        let (round_latencies, round_errors) =
            drive(&client, next..next + count, o.concurrency).await;
        wall += started.elapsed();
        cpu += cpu_time(&me).ok_or("no /proc/self/stat")? - cpu_before;
        sandbox_cpu += cpu_time(&sandbox_pid).unwrap_or_default() - sandbox_before;
        latencies.extend(round_latencies);
        errors += round_errors;
        next += count;
    }
    latencies.sort_unstable();
    let floor = floor_total / ROUNDS as u32;
    let per_request = cpu / o.requests as u32;
    let ratio = per_request.as_secs_f64() / floor.as_secs_f64();

    println!(
        "wxpay bench: {} requests, concurrency {}, {} against {} (another process), {} CPUs",
        o.requests,
        o.concurrency,
        if o.tls { "HTTPS" } else { "HTTP/1.1" },
        binary.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!();
    println!("| metric | value |");
    println!("|---|---|");
    println!(
        "| throughput | {:.0} requests/s |",
        o.requests as f64 / wall.as_secs_f64()
    );
    println!("| latency p50 | {} |", millis(percentile(&latencies, 0.50)));
    println!("| latency p99 | {} |", millis(percentile(&latencies, 0.99)));
    println!("| errors | {errors} |");
    println!("| client CPU per request | {} |", micros(per_request));
    println!(
        "| floor: 1 RSA-2048 sign + 1 verify (OpenSSL, this run) | {} |",
        micros(floor)
    );
    println!("| client CPU / floor | {ratio:.3}× (target ≤ 1.15×) |");
    println!(
        "| sandbox CPU per request (for reference) | {} |",
        micros(sandbox_cpu / o.requests as u32)
    );
    let _ = std::fs::remove_dir_all(&dir);
    if errors > 0 {
        return Err(format!("{errors} requests failed"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = options.workers {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}
