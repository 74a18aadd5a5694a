//! Bills end to end: the sandbox makes them from its own orders and
//! refunds; the client applies for them, downloads them (plain, GZIP,
//! encrypted) with the digest checked, and reads them row by row.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use wxpay::prelude::*;
use wxpay::v3::bill::{
    AccountType, BillAlgorithm, BillFile, BillType, Fundflowbill, HashType,
    SubMerchantFundflowbill, TarType, Tradebill,
};
use wxpay::v3::billdownload::File;
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
use wxpay_core::bill::{FundFlowBillReader, TradeBillKind, TradeBillReader, TradeBillRow};
use wxpay_core::error::DownloadErrorKind;
use wxpay_sandbox::{RefundStatus, Sandbox};

use common::{control, order, partner_order, trade_no};

/// Today in Beijing time, `YYYY-MM-DD`.
fn today() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    wxpay_sandbox::time::china_date(now)
}

const DESCRIPTION: &str = "Image形象店-深圳腾大-QQ公仔, 大号 \"限量\"";

/// Three paid orders (one described with a comma, quotes and Chinese
/// text), one unpaid, one partly refunded; returns the order numbers.
async fn trade_day(sandbox: &Sandbox, client: &Client) -> Vec<String> {
    let mchid = client.mchid().to_owned();
    let mut paid = Vec::new();
    for (i, total) in [100, 2550, 99].into_iter().enumerate() {
        let no = trade_no("bill");
        let mut o = order(&mchid, &no);
        o.amount.total = total;
        if i == 0 {
            o.description = DESCRIPTION.into();
            o.attach = Some("附加数据,含逗号".into());
        }
        client.call(o).await.unwrap();
        sandbox.pay_order(&mchid, &no).unwrap();
        paid.push(no);
    }
    client
        .call(order(&mchid, &trade_no("unpaid")))
        .await
        .unwrap();
    client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: Some(paid[1].clone()),
            out_refund_no: format!("R{}", paid[1]),
            reason: Some("缺货".into()),
            amount: PostRefundsAmount {
                refund: 550,
                from: None,
                total: 2550,
                currency: "CNY".into(),
            },
            ..Default::default()
        })
        .await
        .unwrap();
    sandbox
        .settle_refund(&mchid, &format!("R{}", paid[1]), RefundStatus::Success)
        .unwrap();
    paid
}

fn tradebill(bill_type: Option<&str>, gzip: bool) -> Tradebill {
    Tradebill {
        bill_date: today(),
        bill_type: bill_type.map(BillType::from),
        tar_type: gzip.then_some(TarType::Gzip),
        ..Default::default()
    }
}

fn rows_of(text: &[u8]) -> (Vec<TradeBillRow>, TradeBillReader<&[u8]>) {
    let mut reader = TradeBillReader::new(text).unwrap();
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (rows, reader)
}

#[tokio::test]
async fn the_days_trade_bill_plain_and_gzip() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let paid = trade_day(&sandbox, &client).await;

    let file = client
        .get_bill_tradebill(tradebill(None, false))
        .await
        .unwrap();
    assert_eq!(file.hash_type, HashType::Sha1);
    assert!(file.download_url.starts_with(&format!(
        "{}/v3/billdownload/file?token=",
        sandbox.base_url()
    )));
    let plain = client.download_bill(&file).await.unwrap();
    let plain = plain.bytes(1 << 20).await.unwrap();
    assert_ne!(&plain[..2], b"\x1f\x8b");

    let zipped = client
        .get_bill_tradebill(tradebill(None, true))
        .await
        .unwrap();
    assert_eq!(
        zipped.hash_value, file.hash_value,
        "the digest covers the decompressed bill"
    );
    let mut download = client.download_bill(&zipped).await.unwrap();
    let mut unzipped = Vec::new();
    while let Some(chunk) = download.chunk().await.unwrap() {
        unzipped.extend_from_slice(&chunk);
    }
    assert!(download.is_gzip());
    assert_eq!(unzipped, plain);

    let (rows, reader) = rows_of(&plain);
    assert_eq!(reader.kind(), TradeBillKind::All);
    assert_eq!(rows.len(), 4, "three payments and a refund");
    let first = rows.iter().find(|r| r.out_trade_no == paid[0]).unwrap();
    assert_eq!(first.description.as_deref(), Some(DESCRIPTION));
    assert_eq!(first.attach.as_deref(), Some("附加数据,含逗号"));
    assert_eq!(first.total, Some(100));
    assert_eq!(first.fee_millifen, Some(600));
    assert_eq!(first.mchid.as_deref(), Some(client.mchid()));
    assert_eq!(first.sub_mchid.as_deref(), Some("0"));
    assert_eq!(first.trade_state.as_deref(), Some("SUCCESS"));
    let order = sandbox.order(client.mchid(), &paid[0]).unwrap();
    assert_eq!(Some(first.transaction_id.clone()), order.transaction_id);
    let refund = rows
        .iter()
        .find(|r| r.trade_state.as_deref() == Some("REFUND"))
        .unwrap();
    assert_eq!(refund.out_trade_no, paid[1]);
    assert_eq!(refund.refund_amount, Some(550));
    assert_eq!(refund.refund_status.as_deref(), Some("SUCCESS"));
    assert_eq!(refund.fee_millifen, Some(-3300));

    let summary = reader.summary().unwrap();
    assert_eq!(summary.count, 4);
    assert_eq!(summary.order_total, Some(100 + 2550 + 99));
    assert_eq!(summary.settlement_total, Some(100 + 2550 + 99));
    assert_eq!(summary.refund_total, Some(550));
    assert_eq!(
        summary.fee_total_millifen,
        Some((100 + 2550 + 99 - 550) * 6)
    );
    let sum: i64 = rows.iter().filter_map(|r| r.fee_millifen).sum();
    assert_eq!(Some(sum), summary.fee_total_millifen);
}

#[tokio::test]
async fn success_and_refund_bills_have_their_own_columns() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    trade_day(&sandbox, &client).await;

    let file = client
        .get_bill_tradebill(tradebill(Some("SUCCESS"), true))
        .await
        .unwrap();
    let text = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let (rows, reader) = rows_of(&text);
    assert_eq!(reader.kind(), TradeBillKind::Success);
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.refund_id.is_none() && r.extra.is_empty())
    );
    assert_eq!(reader.summary().unwrap().refund_total, None);

    let file = client
        .get_bill_tradebill(tradebill(Some("REFUND"), false))
        .await
        .unwrap();
    let text = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let (rows, reader) = rows_of(&text);
    assert_eq!(reader.kind(), TradeBillKind::Refund);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].refund_apply_time.is_some());
    assert!(rows[0].refund_success_time.is_some());
    assert_eq!(reader.summary().unwrap().refund_requested_total, Some(550));
}

#[tokio::test]
async fn the_fund_flow_bill_adds_up() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    trade_day(&sandbox, &client).await;

    let file = client
        .get_bill_fundflowbill(Fundflowbill {
            bill_date: today(),
            account_type: Some(AccountType::Basic),
            tar_type: Some(TarType::Gzip),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut text = Vec::new();
    client
        .download_bill(&file)
        .await
        .unwrap()
        .write_to(&mut text)
        .await
        .unwrap();
    let mut reader = FundFlowBillReader::new(text.as_slice()).unwrap();
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    // Three payments in, three fees out (1, 15 and 1 fen), one refund out.
    assert_eq!(rows.len(), 7);
    let net: i64 = rows.iter().map(|r| r.signed_amount()).sum();
    assert_eq!(net, 100 + 2550 + 99 - 1 - 15 - 1 - 550);
    assert_eq!(rows.last().unwrap().balance, Some(net));
    let refund = rows
        .iter()
        .find(|r| r.business_type.as_deref() == Some("退款"))
        .unwrap();
    assert_eq!(refund.remark.as_deref(), Some("缺货"));
    let summary = reader.summary().unwrap();
    assert_eq!(
        (summary.count, summary.income_count, summary.expense_count),
        (7, Some(3), Some(4))
    );
    assert_eq!(summary.income, Some(100 + 2550 + 99));

    // Nothing ever moves in the operation account.
    let e = client
        .get_bill_fundflowbill(Fundflowbill {
            bill_date: today(),
            account_type: Some(AccountType::Operation),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NO_STATEMENT_EXIST"));
}

#[tokio::test]
async fn a_corrupted_bill_is_rejected_naming_the_expected_digest() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    trade_day(&sandbox, &client).await;

    for gzip in [false, true] {
        let file = client
            .get_bill_tradebill(tradebill(None, gzip))
            .await
            .unwrap();
        if gzip {
            // Through the control plane, as a test in another language would.
            let token = file.download_url.split("token=").nth(1).unwrap();
            let path = format!("/sandbox/bills/{token}/corrupt");
            let (status, _) = control(&sandbox, http::Method::POST, &path, None).await;
            assert_eq!(status, http::StatusCode::NO_CONTENT);
        } else {
            sandbox.corrupt_bill(&file.download_url).unwrap();
        }
        let mut download = client.download_bill(&file).await.unwrap();
        let e = loop {
            match download.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a corrupted bill was accepted (gzip: {gzip})"),
                Err(e) => break e,
            }
        };
        let wxpay_core::Error::Download(d) = &e else {
            panic!("{e}")
        };
        match &d.kind {
            DownloadErrorKind::DigestMismatch {
                algorithm,
                expected,
                actual,
            } => {
                assert_eq!(algorithm, "SHA1");
                assert_eq!(expected, &file.hash_value);
                assert_ne!(actual, expected);
            }
            other => panic!("{other}"),
        }
        assert!(e.request_id().is_some());
        assert!(e.to_string().contains(&file.hash_value), "{e}");

        // Writing it somewhere fails the same way.
        let again = client.download_bill(&file).await.unwrap();
        let mut sink = Vec::new();
        assert!(again.write_to(&mut sink).await.is_err());
    }
    let (status, _) = control(
        &sandbox,
        http::Method::POST,
        "/sandbox/bills/unknown/corrupt",
        None,
    )
    .await;
    assert_eq!(status, http::StatusCode::NOT_FOUND);
    assert!(sandbox.corrupt_bill("unknown").is_err());
}

#[tokio::test]
async fn a_download_url_on_another_host_is_refused_without_sending_anything() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_addr = trap.local_addr().unwrap();
    let port = sandbox.addr().port();
    let foreign = [
        format!("http://{trap_addr}/v3/billdownload/file?token=abc"),
        format!("http://localhost:{port}/v3/billdownload/file?token=abc"),
        format!("https://127.0.0.1:{port}/v3/billdownload/file?token=abc"),
        format!("http://127.0.0.1:{port}@{trap_addr}/v3/billdownload/file?token=abc"),
    ];
    for url in foreign {
        let file = BillFile {
            hash_type: HashType::Sha1,
            hash_value: "0".repeat(40),
            download_url: url.clone(),
        };
        let e = client.download_bill(&file).await.unwrap_err();
        assert!(
            matches!(&e, wxpay_core::Error::Download(d)
                if matches!(d.kind, DownloadErrorKind::ForeignHost { .. } | DownloadErrorKind::BadUrl)),
            "{url}: {e}"
        );
        assert!(client.download_url(&url).await.is_err());
    }
    // Nobody knocked at the trap, and the sandbox saw no download.
    let knocked = tokio::time::timeout(std::time::Duration::from_millis(300), trap.accept()).await;
    assert!(knocked.is_err(), "a connection reached the foreign host");
    assert_eq!(sandbox.hits("GET /v3/billdownload/file"), 0);
}

#[tokio::test]
async fn the_download_endpoint_is_signed_but_its_answer_is_not() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    trade_day(&sandbox, &client).await;
    let file = client
        .get_bill_tradebill(tradebill(None, false))
        .await
        .unwrap();
    let token = file.download_url.split("token=").nth(1).unwrap().to_owned();

    // Declared with `#[endpoint(GET, "/v3/billdownload/file", download)]`.
    let download = client
        .get_billdownload_file(File {
            token: token.clone(),
            tartype: None,
        })
        .await
        .unwrap();
    assert!(download.headers().get("wechatpay-signature").is_none());
    assert_eq!(
        download.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let bytes = download
        .check_digest(file.hash_type.as_str(), &file.hash_value)
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    assert!(bytes.starts_with("交易时间,".as_bytes()));
    assert_eq!(
        sandbox.hits("GET /v3/billdownload/file"),
        1,
        "authenticated like any request"
    );

    // An unknown token is the platform's error, verified like any error answer.
    let e = client
        .get_billdownload_file(File {
            token: "nope".into(),
            tartype: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
    assert!(e.as_api().unwrap().verified);
}

#[tokio::test]
async fn days_without_trades_and_bad_dates() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let e = client
        .get_bill_tradebill(tradebill(None, false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NO_STATEMENT_EXIST"));
    for bad in ["2026-02-30", "20260101", "2999-01-01"] {
        let e = client
            .get_bill_tradebill(Tradebill {
                bill_date: bad.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("PARAM_ERROR"), "{bad}");
    }
}

#[tokio::test]
async fn a_sub_merchants_fund_bill_comes_encrypted() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let sub = "1900000111";
    for _ in 0..2 {
        let no = trade_no("sub");
        client.call(partner_order(sub, &no)).await.unwrap();
        sandbox.pay_order(sub, &no).unwrap();
    }
    // The service provider's trade bill lists them under the sub-merchant.
    let file = client
        .get_bill_tradebill(Tradebill {
            bill_date: today(),
            sub_mchid: Some(sub.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let text = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let (rows, _) = rows_of(&text);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.sub_mchid.as_deref() == Some(sub)
                && r.mchid.as_deref() == Some(client.mchid()))
    );

    let answer = client
        .get_bill_sub_merchant_fundflowbill(SubMerchantFundflowbill {
            sub_mchid: sub.into(),
            bill_date: today(),
            account_type: AccountType::Basic,
            algorithm: BillAlgorithm::AeadAes256Gcm,
            tar_type: Some(TarType::Gzip),
        })
        .await
        .unwrap();
    assert_eq!(answer.download_bill_count, 1);
    let part = &answer.download_bill_list[0];
    let text = client
        .download_encrypted_bill(part)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let mut reader = FundFlowBillReader::new(&text[..]).unwrap();
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(rows.len(), 4, "two payments, two fees");
    assert_eq!(reader.summary().unwrap().income, Some(200));

    // The raw download is ciphertext, not a bill.
    let raw = client
        .download_url(&part.download_url)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    assert!(!raw.starts_with(b"\x1f\x8b") && !raw.starts_with("记账时间".as_bytes()));

    // Damaged: the tag still verifies (the sandbox encrypts the damaged
    // bill), the digest does not.
    sandbox.corrupt_bill(&part.download_url).unwrap();
    let e = client
        .download_encrypted_bill(part)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("digest mismatch"), "{e}");

    // A nonce that is not the part's: the GCM tag fails.
    let mut wrong = part.clone();
    wrong.nonce = "0000000000000000".into();
    let e = client
        .download_encrypted_bill(&wrong)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("authentication tag"), "{e}");
}
