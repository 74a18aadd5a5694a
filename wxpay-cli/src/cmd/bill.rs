//! `wxpay bill`: apply for a trade or fund flow bill, download it with a
//! progress bar, check its digest, write the CSV and summarise it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use wxpay::CheckedDownload;
use wxpay::bill::{BillFile, FundFlowBillReader, TradeBillReader};
use wxpay::http::Method;

use super::Ctx;
use crate::cli::{BillArgs, BillKind};
use crate::exit::{CliError, Code, chain};

/// The largest bill summarised in memory when no `-o` file is given.
const IN_MEMORY_LIMIT: usize = 256 << 20;

/// Runs `wxpay bill`.
pub async fn run(ctx: &mut Ctx, args: &BillArgs) -> Result<(), CliError> {
    check_date(&args.date)?;
    let client = ctx.client()?;
    let (path, mut query) = match args.kind {
        BillKind::Trade => (
            "/v3/bill/tradebill",
            vec![("bill_type", args.bill_type.as_str())],
        ),
        BillKind::Fundflow => (
            "/v3/bill/fundflowbill",
            vec![("account_type", args.account_type.as_str())],
        ),
    };
    query.insert(0, ("bill_date", args.date.as_str()));
    if args.gzip {
        query.push(("tar_type", "GZIP"));
    }
    let answer = client.request_json(Method::GET, path, &query, None).await;
    ctx.note_answer();
    let file: BillFile = serde_json::from_value(answer?)
        .map_err(|e| CliError::new(Code::Verify, format!("the bill answer does not read: {e}")))?;
    let download = client.download_bill(&file).await?;
    let (size, memory) = fetch(download, args.output.as_deref()).await?;
    let summary = match args.kind {
        BillKind::Trade => trade_summary(&memory)?,
        BillKind::Fundflow => fund_summary(&memory)?,
    };
    let doc = json!({
        "date": args.date,
        "type": format!("{:?}", args.kind).to_lowercase(),
        "bytes": size,
        "hash": format!("{} {}", file.hash_type.as_str(), file.hash_value),
        "digest_checked": true,
        "file": args.output.as_ref().map(|o| o.display().to_string()),
        "summary": summary,
    });
    ctx.out.result(&doc, || text(&doc));
    Ok(())
}

/// Downloads the bill (its digest checked by the end), into `output`
/// (through a `.part` file renamed once complete) or memory; returns its
/// size and content.
async fn fetch(
    mut download: CheckedDownload,
    output: Option<&Path>,
) -> Result<(u64, Vec<u8>), CliError> {
    let bar = progress_bar();
    let part = output.map(part_file);
    let mut sink = match &part {
        Some(p) => Some(
            tokio::fs::File::create(p)
                .await
                .map_err(|e| write_error(p, &e))?,
        ),
        None => None,
    };
    let mut memory = Vec::new();
    let mut size = 0u64;
    loop {
        let chunk = match download.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                bar.finish_and_clear();
                if let Some(p) = &part {
                    let _ = std::fs::remove_file(p);
                }
                return Err(e.into());
            }
        };
        size += chunk.len() as u64;
        bar.inc(chunk.len() as u64);
        match (&mut sink, &part) {
            (Some(f), Some(p)) => f.write_all(&chunk).await.map_err(|e| write_error(p, &e))?,
            _ if memory.len() + chunk.len() > IN_MEMORY_LIMIT => {
                return Err(CliError::usage(
                    "the bill is too large to summarise in memory: give -o FILE",
                ));
            }
            _ => memory.extend_from_slice(&chunk),
        }
    }
    bar.finish_and_clear();
    if let (Some(mut f), Some(p), Some(output)) = (sink, &part, output) {
        f.flush().await.map_err(|e| write_error(p, &e))?;
        drop(f);
        std::fs::rename(p, output).map_err(|e| write_error(output, &e))?;
        memory = std::fs::read(output).map_err(|e| write_error(output, &e))?;
    }
    Ok((size, memory))
}

fn check_date(date: &str) -> Result<(), CliError> {
    let parts: Vec<&str> = date.split('-').collect();
    let ok = matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && [y, m, d].iter().all(|p| p.chars().all(|c| c.is_ascii_digit())));
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--date {date:?}: write it YYYY-MM-DD"
        )))
    }
}

/// A spinner with bytes and speed on stderr, hidden when stderr is not a terminal.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} downloading {bytes} ({binary_bytes_per_sec})")
        {
            bar.set_style(style);
        }
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

fn part_file(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

fn write_error(file: &Path, e: &std::io::Error) -> CliError {
    CliError::failure(format!("cannot write {}: {e}", file.display()))
}

fn bill_error(e: &dyn std::error::Error) -> CliError {
    CliError::new(
        Code::Verify,
        format!("the bill does not read: {}", chain(e)),
    )
}

/// Counts and totals per trade state, and the bill's own summary.
fn trade_summary(bill: &[u8]) -> Result<Value, CliError> {
    let mut reader = TradeBillReader::new(bill).map_err(|e| bill_error(&e))?;
    let mut states: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
    for row in &mut reader {
        let row = row.map_err(|e| bill_error(&e))?;
        let state = row.trade_state.clone().unwrap_or_else(|| "?".into());
        let entry = states.entry(state).or_default();
        entry.0 += 1;
        entry.1 += row.total.unwrap_or(0);
        entry.2 += row.refund_amount.unwrap_or(0);
    }
    let by_state: BTreeMap<String, Value> = states
        .into_iter()
        .map(|(s, (count, total, refund))| {
            (s, json!({"count": count, "total": total, "refund": refund}))
        })
        .collect();
    let s = reader.summary();
    Ok(json!({
        "by_trade_state": by_state,
        "lines": s.map(|s| s.count),
        "order_total": s.and_then(|s| s.order_total),
        "refund_total": s.and_then(|s| s.refund_total),
        "settlement_total": s.and_then(|s| s.settlement_total),
        "fee_total_millifen": s.and_then(|s| s.fee_total_millifen),
    }))
}

/// Counts and totals per business type, and the bill's own summary.
fn fund_summary(bill: &[u8]) -> Result<Value, CliError> {
    let mut reader = FundFlowBillReader::new(bill).map_err(|e| bill_error(&e))?;
    let mut kinds: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for row in &mut reader {
        let row = row.map_err(|e| bill_error(&e))?;
        let kind = row.business_type.clone().unwrap_or_else(|| "?".into());
        let entry = kinds.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += row.signed_amount();
    }
    let by_type: BTreeMap<String, Value> = kinds
        .into_iter()
        .map(|(k, (count, net))| (k, json!({"count": count, "net": net})))
        .collect();
    let s = reader.summary();
    Ok(json!({
        "by_business_type": by_type,
        "lines": s.map(|s| s.count),
        "income": s.and_then(|s| s.income),
        "expense": s.and_then(|s| s.expense),
    }))
}

/// Fen as yuan.
fn yuan(fen: &Value) -> String {
    match fen.as_i64() {
        Some(f) => format!(
            "{}{}.{:02}",
            if f < 0 { "-" } else { "" },
            f.abs() / 100,
            f.abs() % 100
        ),
        None => "-".into(),
    }
}

fn text(doc: &Value) -> String {
    let mut out = format!(
        "{} bill of {}: {} bytes, digest {} checked",
        doc["type"].as_str().unwrap_or(""),
        doc["date"].as_str().unwrap_or(""),
        doc["bytes"],
        doc["hash"].as_str().unwrap_or("")
    );
    if let Some(file) = doc["file"].as_str() {
        out += &format!(", written to {file}");
    }
    out.push('\n');
    let s = &doc["summary"];
    if let Some(states) = s["by_trade_state"].as_object() {
        for (state, v) in states {
            out += &format!(
                "  {state:<10} {:>5} lines  total {:>12}  refund {:>12}\n",
                v["count"],
                yuan(&v["total"]),
                yuan(&v["refund"])
            );
        }
        out += &format!(
            "  bill summary: {} lines, orders {}, refunds {}\n",
            s["lines"],
            yuan(&s["order_total"]),
            yuan(&s["refund_total"])
        );
    }
    if let Some(kinds) = s["by_business_type"].as_object() {
        for (kind, v) in kinds {
            out += &format!(
                "  {kind:<12} {:>5} lines  net {:>12}\n",
                v["count"],
                yuan(&v["net"])
            );
        }
        out += &format!(
            "  bill summary: {} lines, income {}, expense {}\n",
            s["lines"],
            yuan(&s["income"]),
            yuan(&s["expense"])
        );
    }
    out
}
