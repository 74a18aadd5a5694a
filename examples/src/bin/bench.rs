//! Load benchmark: one client against the sandbox *binary* in another
//! process, compared with the floor of a call measured in the same run.
//!
//! ```text
//! cargo run --release -p wxpay-examples --bin bench -- --requests 5000 --concurrency 32
//!     [--tls] [--sandbox PATH] [--floor-iterations 1000] [--workers W]
//! cargo run --release -p wxpay-examples --bin bench -- --notifications [--rounds 500]
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
//! The same run also sends the same requests through a bare hyper client
//! (`bench/bare.rs`: the client's connection pool settings, body and
//! headers, signed before the measured window, nothing verified), so the
//! client's CPU per request is also given against what it cannot go below
//! over a socket: the floor plus the bare exchange. At concurrency 1 the
//! floor is also timed with a pause before each signature as long as the
//! bare client's median latency (a thread sleep, as the caller waits for
//! each answer; `--pause-us` sets it and asks for it at any concurrency),
//! which says what the two RSA operations cost on this machine when they
//! do not run back to back.
//! `--notifications` measures receiving a payment notification instead
//! (`bench/notifications.rs`): `parse_notification` and the axum extractor
//! against the floor of one RSA verification plus AES-GCM, in paired
//! rounds.
//! `--only client|bare|floor` runs one part alone (for a profiler such as
//! `valgrind --tool=callgrind`, where the difference between two request
//! counts is the cost of the requests in between).
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

#[path = "bench/bare.rs"]
mod bare;
#[path = "bench/bills.rs"]
mod bills;
#[path = "bench/notifications.rs"]
mod notifications;

/// The load and the floor run in this many alternating rounds.
const ROUNDS: usize = 5;

const USAGE: &str = "usage: bench [--requests N] [--concurrency C] [--tls] [--sandbox PATH] [--floor-iterations K] [--pause-us P] [--workers W] [--only client|bare|bare-rsa|floor]\n       bench --bills [--rows N] [--bill-orders M] [--sandbox PATH]\n       bench --notifications [--rounds R]";

/// Which parts of the bench run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    All,
    Client,
    Bare,
    BareRsa,
    Floor,
}

struct Options {
    requests: usize,
    concurrency: usize,
    tls: bool,
    sandbox: Option<PathBuf>,
    floor_iterations: usize,
    /// The pause before each pair of the paused [`floor`]; by default
    /// the bare client's median latency in this run.
    pause: Option<Duration>,
    workers: Option<usize>,
    only: Only,
    bills: bool,
    rows: usize,
    bill_orders: usize,
    notifications: bool,
    rounds: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        requests: 2000,
        concurrency: 32,
        tls: false,
        sandbox: None,
        floor_iterations: 1000,
        pause: None,
        workers: None,
        only: Only::All,
        bills: false,
        rows: 1_000_000,
        bill_orders: 5000,
        notifications: false,
        rounds: 500,
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
            "--pause-us" => o.pause = Some(Duration::from_micros(number("--pause-us")? as u64)),
            "--workers" => o.workers = Some(number("--workers")?),
            "--tls" => o.tls = true,
            "--bills" => o.bills = true,
            "--rows" => o.rows = number("--rows")?,
            "--bill-orders" => o.bill_orders = number("--bill-orders")?,
            "--notifications" => o.notifications = true,
            "--rounds" => o.rounds = number("--rounds")?,
            "--only" => {
                o.only = match args.next().as_deref() {
                    Some("client") => Only::Client,
                    Some("bare") => Only::Bare,
                    Some("bare-rsa") => Only::BareRsa,
                    Some("floor") => Only::Floor,
                    _ => {
                        return Err(format!(
                            "--only needs client, bare, bare-rsa or floor\n{USAGE}"
                        ));
                    }
                }
            }
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

/// CPU time of the calling thread alone (the first field of
/// `/proc/thread-self/schedstat`): the floor runs on one thread, and
/// counting only it keeps the other threads' wake-ups out of its figure.
/// The kernel brings a running thread's figure up to date only at a tick
/// or a pass through the scheduler, so the thread yields first: without
/// it a reading may miss up to a tick (milliseconds) of computing.
fn thread_cpu_time() -> Option<Duration> {
    std::thread::yield_now();
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
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

/// CPU time (of the calling thread) of one RSA-2048 signature plus one
/// verification with OpenSSL, over a message the size of a request's:
/// back to back, or with a thread sleep of `pause` before each pair (as a
/// caller at concurrency 1 waits for each answer; the sleeps' own CPU is
/// measured alone and taken off).
fn floor(key: &PrivateKey, iterations: usize, pause: Option<Duration>) -> Result<Duration, String> {
    let public = key.public_key().map_err(|e| e.to_string())?;
    let message = vec![b'x'; 512];
    let signature = base64_decode(&key.sign(&message).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let cpu = || thread_cpu_time().ok_or("no /proc/thread-self/schedstat");
    let mut sleeps = Duration::ZERO;
    if let Some(pause) = pause {
        let before = cpu()?;
        for _ in 0..iterations {
            std::thread::sleep(pause);
        }
        sleeps = cpu()? - before;
    }
    let before = cpu()?;
    for _ in 0..iterations {
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
        let s = key
            .sign(std::hint::black_box(&message))
            .map_err(|e| e.to_string())?;
        std::hint::black_box(s);
        if !public.verify(std::hint::black_box(&message), &signature) {
            return Err("the floor's own signature does not verify".into());
        }
    }
    let total = cpu()? - before;
    Ok(total.saturating_sub(sleeps) / iterations as u32)
}

/// What one way of sending measured over the rounds.
#[derive(Default, Clone)]
struct Tally {
    cpu: Duration,
    sandbox_cpu: Duration,
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Tally {
    fn add(
        &mut self,
        started: Instant,
        cpu: Duration,
        sandbox_cpu: Duration,
        latencies: Vec<Duration>,
    ) {
        self.wall += started.elapsed();
        self.cpu += cpu;
        self.sandbox_cpu += sandbox_cpu;
        self.latencies.extend(latencies);
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        percentile(&self.latencies, p)
    }
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
    if o.notifications {
        return run_notifications(&o).await;
    }
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

    let root = if o.tls {
        Some(std::fs::read(field("tls_cert_file")?).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mut transport = HyperTransport::builder()
        .allow_http(!o.tls)
        .pool_max_idle_per_host(o.concurrency);
    if let Some(pem) = &root {
        transport = transport
            .add_root_certificate_pem(pem)
            .map_err(|e| e.to_string())?;
    }
    let key_file = field("merchant_key_file")?;
    let credentials =
        Credentials::from_pem_file(field("mchid")?, field("merchant_serial")?, &key_file)
            .map_err(|e| e.to_string())?;
    let (base_url, key_id) = (field("base_url")?, field("public_key_id")?);
    let client = Client::builder()
        .base_url(&base_url)
        .allow_http(!o.tls)
        .credentials(credentials.clone())
        .platform_public_key_pem_file(&key_id, field("public_key_file")?)
        .transport(Arc::new(transport.build().map_err(|e| e.to_string())?))
        .retry_policy(RetryPolicy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let merchant_key = PrivateKey::from_pem(&std::fs::read(&key_file).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let bare = bare::Bare::new(root.as_deref(), o.concurrency)?;
    let signer = bare::Signer {
        base_url: &base_url,
        credentials: &credentials,
        serial: &key_id,
    };
    let orders = |ids: std::ops::Range<usize>| {
        ids.map(|n| order(credentials.mchid(), n))
            .collect::<Vec<_>>()
    };

    if o.bills {
        let result = run_bills(&o, &client, &bare, &base_url).await;
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }

    // Warm up: connections opened, allocator and caches settled.
    let warm = o.concurrency * 4;
    let (_, warm_errors) = drive(&client, 0..warm, o.concurrency).await;
    let (_, bare_warm_errors) = bare::drive(
        &bare,
        bare::prepare(&signer, orders(warm..2 * warm))?,
        o.concurrency,
    )
    .await;
    if warm_errors + bare_warm_errors > 0 {
        return Err(format!(
            "{} errors while warming up",
            warm_errors + bare_warm_errors
        ));
    }

    // The floor, the client, the bare exchange and the bare exchange with
    // the RSA operations inline, in alternating rounds, so that all meet
    // the same conditions on a shared machine (other processes, clock speed).
    let public = merchant_key.public_key().map_err(|e| e.to_string())?;
    let message = vec![b'x'; 512];
    let bare_rsa = bare.with_rsa(bare::Rsa {
        signature: base64_decode(&merchant_key.sign(&message).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?,
        key: merchant_key.clone(),
        public,
        message,
    });
    let me = std::process::id().to_string();
    let cpu_now = || cpu_time(&me).ok_or("no /proc/self/task");
    let sandbox_now = || cpu_time(&sandbox_pid).unwrap_or_default();
    let (mut client_t, mut bare_t, mut bare_rsa_t) =
        (Tally::default(), Tally::default(), Tally::default());
    let (mut errors, mut floor_total, mut paused_total) = (0, Duration::ZERO, Duration::ZERO);
    let mut next = 2 * warm;
    let runs = |part: Only| o.only == Only::All || o.only == part;
    for round in 0..ROUNDS {
        if runs(Only::Floor) {
            floor_total += floor(&merchant_key, o.floor_iterations / ROUNDS + 1, None)?;
        }
        let count = o.requests / ROUNDS + usize::from(round < o.requests % ROUNDS);
        if runs(Only::Client) {
            let (cpu, sandbox, started) = (cpu_now()?, sandbox_now(), Instant::now());
            let (latencies, e) = drive(&client, next..next + count, o.concurrency).await;
            client_t.add(
                started,
                cpu_now()? - cpu,
                sandbox_now() - sandbox,
                latencies,
            );
            errors += e;
            next += count;
        }
        for (part, bare, tally) in [
            (Only::Bare, &bare, &mut bare_t),
            (Only::BareRsa, &bare_rsa, &mut bare_rsa_t),
        ] {
            if !runs(part) {
                continue;
            }
            // Signed before the window opens: the bare client does no RSA
            // of its own.
            let prepared = bare::prepare(&signer, orders(next..next + count))?;
            let (cpu, sandbox, started) = (cpu_now()?, sandbox_now(), Instant::now());
            let (latencies, e) = bare::drive(bare, prepared, o.concurrency).await;
            tally.add(
                started,
                cpu_now()? - cpu,
                sandbox_now() - sandbox,
                latencies,
            );
            errors += e;
            next += count;
        }
    }
    // The floor once more, each pair after a wait as long as a caller's for
    // one answer (the bare client's median). Only at concurrency 1: with
    // more in flight a worker thread does not idle for a whole exchange.
    let pause = o.pause.unwrap_or_else(|| match bare_t.percentile(0.5) {
        Duration::ZERO => Duration::from_millis(1),
        median => median,
    });
    let paused_floor = (o.concurrency == 1 || o.pause.is_some()) && runs(Only::Floor);
    if paused_floor {
        for _ in 0..ROUNDS {
            paused_total += floor(&merchant_key, o.floor_iterations / ROUNDS + 1, Some(pause))?;
        }
    }
    let n = o.requests as u32;
    let floor = floor_total / ROUNDS as u32;
    let paused = paused_total / ROUNDS as u32;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();

    println!(
        "wxpay bench: {} requests, concurrency {}, {} against {} (another process), {} CPUs",
        o.requests,
        o.concurrency,
        if o.tls { "HTTPS" } else { "HTTP/1.1" },
        binary.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!();
    println!("| metric | client | bare hyper client | bare + RSA inline |");
    println!("|---|---|---|---|");
    let row = |name: &str, f: &dyn Fn(&mut Tally) -> String| {
        let cells = [
            &mut client_t.clone(),
            &mut bare_t.clone(),
            &mut bare_rsa_t.clone(),
        ]
        .map(f);
        println!("| {name} | {} | {} | {} |", cells[0], cells[1], cells[2]);
    };
    row("throughput", &|t| {
        format!("{:.0} requests/s", o.requests as f64 / t.wall.as_secs_f64())
    });
    row("latency p50", &|t| millis(t.percentile(0.50)));
    row("latency p99", &|t| millis(t.percentile(0.99)));
    row("CPU per request", &|t| micros(t.cpu / n));
    row("sandbox CPU per request (for reference)", &|t| {
        micros(t.sandbox_cpu / n)
    });
    println!();
    println!("| limit and ratios (errors: {errors}) | |");
    println!("|---|---|");
    println!(
        "| floor: 1 RSA-2048 sign + 1 verify (OpenSSL, back to back, this run) | {} |",
        micros(floor)
    );
    let (client_cpu, bare_cpu) = (client_t.cpu / n, bare_t.cpu / n);
    println!(
        "| limit: floor + bare exchange | {} |",
        micros(floor + bare_cpu)
    );
    println!(
        "| client CPU / floor | {:.3}× (target ≤ 1.15×) |",
        ratio(client_cpu, floor)
    );
    println!(
        "| client CPU / (floor + bare exchange) | {:.3}× (target ≤ 1.05×) |",
        ratio(client_cpu, floor + bare_cpu)
    );
    println!(
        "| client CPU / bare + RSA inline | {:.3}× |",
        ratio(client_cpu, bare_rsa_t.cpu / n)
    );
    println!(
        "| RSA inline − bare (the two operations between exchanges) / floor | {:.3}× |",
        ratio((bare_rsa_t.cpu / n).saturating_sub(bare_cpu), floor)
    );
    if paused_floor {
        println!(
            "| floor, each pair after a {} µs pause (a caller's wait for one answer) | {} ({:.3}× the floor) |",
            pause.as_micros(),
            micros(paused),
            ratio(paused, floor)
        );
        println!(
            "| client CPU / (floor after pauses + bare exchange) | {:.3}× |",
            ratio(client_cpu, paused + bare_cpu)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    if errors > 0 {
        return Err(format!("{errors} requests failed"));
    }
    Ok(())
}

/// `--bills`: the trade-bill reader over a generated bill of `--rows`
/// rows (and of a tenth of that, to compare peak memory), then a GZIP
/// trade bill of `--bill-orders` paid orders downloaded from the sandbox.
async fn run_bills(
    o: &Options,
    client: &Client,
    bare: &bare::Bare,
    base_url: &str,
) -> Result<(), String> {
    let path = std::env::temp_dir().join(format!("wxpay-bench-bill-{}.csv", std::process::id()));
    println!("| bill | size | rows | wall | MB/s | peak RSS before → after reading |");
    println!("|---|---:|---:|---:|---:|---:|");
    for rows in [o.rows / 10, o.rows] {
        let size = bills::write_trade_bill(&path, rows).map_err(|e| e.to_string())?;
        // Read twice: the first brings the file into the page cache.
        let _ = bills::read_trade_bill(&path)?;
        let r = bills::read_trade_bill(&path)?;
        let a = bills::read_trade_bill_async(&path).await?;
        for (how, r) in [("from a file", r), ("from a Tokio file (async reader)", a)] {
            println!(
                "| generated `ALL` trade bill, read {how} | {:.1} MB | {} | {:.2} s | {:.0} | {:.1} → {:.1} MiB |",
                size as f64 / 1e6,
                r.rows,
                r.wall.as_secs_f64(),
                r.bytes as f64 / 1e6 / r.wall.as_secs_f64(),
                r.peak_before_kib as f64 / 1024.0,
                r.peak_after_kib as f64 / 1024.0,
            );
        }
    }
    let _ = std::fs::remove_file(&path);

    // Orders placed and paid in the sandbox, then the day's bill.
    let mchid = client.mchid().to_owned();
    let (_, errors) = drive(client, 0..o.bill_orders, o.concurrency).await;
    if errors > 0 {
        return Err(format!("{errors} orders failed"));
    }
    for n in 0..o.bill_orders {
        let out_trade_no = order(&mchid, n).out_trade_no;
        bare.control_post(&format!(
            "{base_url}/sandbox/orders/{mchid}/{out_trade_no}/pay"
        ))
        .await?;
    }
    // The sandbox dates bills in Beijing time.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let date = wxpay_sandbox::time::china_date(now);
    for _ in 0..3 {
        let d = bills::download_gzip_bill(client, &date).await?;
        println!(
            "| GZIP trade bill from the sandbox (apply, download, inflate, SHA-1, read) | {:.1} MB inflated | {} | {:.3} s | {:.0} | |",
            d.bytes as f64 / 1e6,
            d.rows,
            d.wall.as_secs_f64(),
            d.bytes as f64 / 1e6 / d.wall.as_secs_f64(),
        );
    }
    Ok(())
}

/// `--notifications`: a payment notification received by
/// `parse_notification` and by the axum extractor, against its floor, in
/// `--rounds` paired rounds (no sandbox: the stub platform signs it).
async fn run_notifications(o: &Options) -> Result<(), String> {
    use notifications::quantile;
    let r = notifications::measure(o.rounds).await?;
    let within = |ratios: &[f64]| ratios.iter().filter(|&&x| x <= 1.10).count() * 100 / r.rounds;
    println!(
        "{} rounds; per call, medians: floor (RSA verify + AES-GCM) {:.1} µs, floor + typed resource {:.1} µs, parse_notification {:.1} µs, axum extractor {:.1} µs",
        r.rounds,
        r.floor.as_secs_f64() * 1e6,
        r.floor_typed.as_secs_f64() * 1e6,
        r.parse.as_secs_f64() * 1e6,
        r.extractor.as_secs_f64() * 1e6,
    );
    println!("| within a round | p10 | median | p90 | rounds ≤ 1.10× |");
    println!("|---|---:|---:|---:|---:|");
    for (name, ratios) in [
        ("(floor + typed resource) / floor", &r.typed_ratios),
        ("parse_notification / floor", &r.parse_ratios),
        ("axum extractor / floor", &r.extractor_ratios),
    ] {
        println!(
            "| {name} | {:.3}× | **{:.3}×** | {:.3}× | {}% |",
            quantile(ratios, 0.1),
            quantile(ratios, 0.5),
            quantile(ratios, 0.9),
            within(ratios),
        );
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
