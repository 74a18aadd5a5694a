//! Downloads a day's trade bill, checks its digest and prints its summary.
//!
//! ```text
//! cargo run -p wxpay-examples --bin bill
//! ```
//!
//! Offline, against the embedded sandbox: places and pays a few orders,
//! refunds part of one, applies for today's trade bill (GZIP-compressed),
//! downloads it with its SHA-1 checked over the decompressed bill, and
//! reads it row by row.

use std::time::{SystemTime, UNIX_EPOCH};

use wxpay::bill::TradeBillReader;
use wxpay::prelude::*;
use wxpay::v3::bill::{TarType, Tradebill};
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
use wxpay_sandbox::{RefundStatus, Sandbox};

/// Fen as yuan, for printing.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start().await?;
    let client = sandbox.client()?;
    let mchid = client.mchid().to_owned();
    println!("sandbox at {}", sandbox.base_url());

    // A few orders, paid by the (sandbox's) user.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut orders = Vec::new();
    for (i, (total, what)) in [(1990, "咖啡豆, 250g"), (3500, "手冲壶"), (880, "滤纸")]
        .into_iter()
        .enumerate()
    {
        let out_trade_no = format!("BILL{now}{i}");
        client
            .post_pay_transactions_jsapi_with_contract(JsapiWithContract {
                appid: "wxd678efh567hg6787".into(),
                mchid: mchid.clone(),
                description: what.into(),
                out_trade_no: out_trade_no.clone(),
                notify_url: "https://www.example.com/wxpay/notify".into(),
                amount: Amount {
                    total,
                    currency: Some("CNY".into()),
                },
                payer: Payer {
                    openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
                },
                // Sign a password-free contract while paying.
                contract_info: ContractInfo {
                    plan_id: Some("3484306348".into()),
                    contract_code: Some(format!("C{out_trade_no}")),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await?;
        sandbox.pay_order(&mchid, &out_trade_no)?;
        println!("paid  {out_trade_no}  {:>7} yuan  {what}", yuan(total));
        orders.push(out_trade_no);
    }

    // Half of the second one comes back.
    let out_refund_no = format!("R{}", orders[1]);
    client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: Some(orders[1].clone()),
            out_refund_no: out_refund_no.clone(),
            reason: Some("退一半".into()),
            amount: PostRefundsAmount {
                refund: 1750,
                from: None,
                total: 3500,
                currency: "CNY".into(),
            },
            ..Default::default()
        })
        .await?;
    sandbox.settle_refund(&mchid, &out_refund_no, RefundStatus::Success)?;
    println!("refunded {out_refund_no}  {:>7} yuan", yuan(1750));

    // Today's bill (Beijing time), compressed.
    let today = wxpay_sandbox::time::china_date(now as i64);
    let file = client
        .get_bill_tradebill(Tradebill {
            bill_date: today.clone(),
            tar_type: Some(TarType::Gzip),
            ..Default::default()
        })
        .await?;
    println!("\nbill of {today}: {} {}", file.hash_type, file.hash_value);

    // Downloaded, decompressed and checked; only then read.
    let download = client.download_bill(&file).await?;
    let bill = download.bytes(64 << 20).await?;
    println!("downloaded {} bytes, digest checked", bill.len());

    let mut reader = TradeBillReader::new(&bill[..])?;
    println!("{:?} bill", reader.kind());
    for row in &mut reader {
        let row = row?;
        println!(
            "  {}  {:<7}  {:<28}  {:>7}  {}",
            row.trade_time,
            row.trade_state.as_deref().unwrap_or("?"),
            row.out_trade_no,
            yuan(row.total.unwrap_or(0) + row.refund_amount.unwrap_or(0)),
            row.description.as_deref().unwrap_or("")
        );
    }
    let summary = reader.summary().ok_or("the bill has no summary")?;
    println!(
        "summary: {} lines, orders {} yuan, refunds {} yuan, fees {} fen",
        summary.count,
        yuan(summary.order_total.unwrap_or(0)),
        yuan(summary.refund_total.unwrap_or(0)),
        summary.fee_total_millifen.unwrap_or(0) as f64 / 1000.0
    );
    Ok(())
}
