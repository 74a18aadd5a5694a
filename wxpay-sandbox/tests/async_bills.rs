//! Bills read without blocking: the sandbox's bill downloaded over
//! loopback, read as a `Stream` of chunks, as an `AsyncBufRead`, and row by
//! row by the async bill readers, which must agree with the synchronous
//! readers over the same bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_core::Stream;
use wxpay::prelude::*;
use wxpay::v3::bill::{Fundflowbill, TarType, Tradebill};
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay_core::bill::{
    AsyncFundFlowBillReader, AsyncTradeBillReader, FundFlowBillReader, TradeBillReader,
};
use wxpay_sandbox::Sandbox;

fn today() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    wxpay_sandbox::time::china_date(now)
}

fn order(mchid: &str, no: &str, total: i64) -> JsapiWithContract {
    JsapiWithContract {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.into(),
        description: "异步账单, \"引号\"".into(),
        out_trade_no: no.into(),
        notify_url: "https://example.com/notify".into(),
        amount: Amount {
            total,
            currency: None,
        },
        payer: Payer {
            openid: "o1".into(),
        },
        contract_info: ContractInfo {
            plan_id: Some("3484306348".into()),
            contract_code: Some(format!("C{no}")),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Pays `n` orders; returns the sandbox and its client.
async fn trade_day(n: usize) -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    for i in 0..n {
        let no = format!("ASYNC{}{i}", std::process::id());
        client
            .call(order(&mchid, &no, 100 + i as i64))
            .await
            .unwrap();
        sandbox.pay_order(&mchid, &no).unwrap();
    }
    (sandbox, client)
}

fn tradebill(gzip: bool) -> Tradebill {
    Tradebill {
        bill_date: today(),
        tar_type: gzip.then_some(TarType::Gzip),
        ..Default::default()
    }
}

/// The next item of a stream, polled by hand (no combinator crate needed).
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[tokio::test]
async fn a_download_is_a_stream_and_an_async_read() {
    let (_sandbox, client) = trade_day(3).await;
    let file = client.get_bill_tradebill(tradebill(true)).await.unwrap();

    // The raw (GZIP) file as a stream of chunks.
    let mut raw = client.download_url(&file.download_url).await.unwrap();
    let mut zipped = Vec::new();
    while let Some(chunk) = next(&mut raw).await {
        zipped.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(&zipped[..2], b"\x1f\x8b");

    // Checked and inflated, as a stream and as an AsyncBufRead.
    let mut checked = client.download_bill(&file).await.unwrap();
    let mut streamed = Vec::new();
    while let Some(chunk) = next(&mut checked).await {
        streamed.extend_from_slice(&chunk.unwrap());
    }
    let mut read = Vec::new();
    let mut reader = client.download_bill(&file).await.unwrap().into_async_read();
    tokio::io::copy_buf(&mut reader, &mut read).await.unwrap();
    assert_eq!(read, streamed);
    assert!(std::str::from_utf8(&read).unwrap().contains("异步账单"));
}

#[tokio::test]
async fn a_corrupted_bill_fails_the_async_read() {
    let (sandbox, client) = trade_day(1).await;
    let file = client.get_bill_tradebill(tradebill(false)).await.unwrap();
    let token = file.download_url.split("token=").nth(1).unwrap();
    sandbox.corrupt_bill(token).unwrap();
    let mut reader = client.download_bill(&file).await.unwrap().into_async_read();
    let e = tokio::io::copy_buf(&mut reader, &mut tokio::io::sink())
        .await
        .unwrap_err();
    let inner = e.get_ref().and_then(|e| e.downcast_ref::<wxpay::Error>());
    assert!(
        matches!(inner, Some(wxpay::Error::Download(_))),
        "not the digest failure: {e:?}"
    );
}

#[tokio::test]
async fn async_bill_readers_read_the_sandboxs_bills() {
    let (_sandbox, client) = trade_day(5).await;
    for gzip in [false, true] {
        let file = client.get_bill_tradebill(tradebill(gzip)).await.unwrap();
        let bytes = client
            .download_bill(&file)
            .await
            .unwrap()
            .bytes(1 << 20)
            .await
            .unwrap();
        let mut sync = TradeBillReader::new(&bytes[..]).unwrap();
        let expected: Vec<_> = sync.by_ref().map(Result::unwrap).collect();
        assert_eq!(expected.len(), 5);

        let source = client.download_bill(&file).await.unwrap().into_async_read();
        let mut bill = AsyncTradeBillReader::new(source).await.unwrap();
        let mut rows = Vec::new();
        while let Some(row) = bill.next().await {
            rows.push(row.unwrap());
        }
        assert_eq!(rows, expected);
        assert_eq!(bill.kind(), sync.kind());
        assert_eq!(bill.summary(), sync.summary());
        assert_eq!(bill.summary().unwrap().count, 5);
    }

    let file = client
        .get_bill_fundflowbill(Fundflowbill {
            bill_date: today(),
            ..Default::default()
        })
        .await
        .unwrap();
    let bytes = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let mut sync = FundFlowBillReader::new(&bytes[..]).unwrap();
    let expected: Vec<_> = sync.by_ref().map(Result::unwrap).collect();
    let source = client.download_bill(&file).await.unwrap().into_async_read();
    let mut bill = AsyncFundFlowBillReader::new(source).await.unwrap();
    let mut rows = Vec::new();
    while let Some(row) = bill.next().await {
        rows.push(row.unwrap());
    }
    assert_eq!(rows, expected);
    assert_eq!(bill.summary(), sync.summary());
}
