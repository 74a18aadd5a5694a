//! The typed APIv2 client (the generated `wxpay::v2` methods) against the
//! sandbox's stateful v2 routes over loopback TLS: a code payment, its
//! query, a refund over mutual TLS, and the day's bill downloaded through
//! the generated bill method and read row by row, plain and GZIP, plus the
//! `No Bill Exist` answer as an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wxpay::Client;
use wxpay::bill::TradeBillReader;
use wxpay::v2::V2Key;
use wxpay::v2::pay::downloadbill::{BillType, TarType};
use wxpay::v2::pay::orderquery::TradeState;
use wxpay::v2::pay::{Downloadbill, Micropay, Orderquery};
use wxpay::v2::prelude::*;
use wxpay::v2::secapi::pay::Refund;

mod common;

const APPID: &str = "wxd678efh567hg6787";

/// A sandbox that knows the fixtures' merchant, and a client presenting
/// that merchant's API certificate.
async fn sandbox_and_client() -> (wxpay_sandbox::Sandbox, Client) {
    let (merchant, cert_pem, key_pem) = common::fixture_merchant();
    let sandbox = wxpay_sandbox::Sandbox::builder()
        .merchant(merchant)
        .tls(true)
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .v2_key(V2Key::new(wxpay_sandbox::DEFAULT_V2_KEY).unwrap())
        .api_certificate_pem(&cert_pem, &key_pem)
        .build()
        .unwrap();
    (sandbox, client)
}

fn bill_request(date: &str, tar_type: Option<TarType>) -> Downloadbill {
    Downloadbill {
        appid: APPID.into(),
        bill_date: date.into(),
        bill_type: Some(BillType::All),
        tar_type,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_payment_its_refund_and_the_bill_through_the_typed_client() {
    let (_sandbox, client) = sandbox_and_client().await;
    let out_trade_no = "V2TYPED0001";

    let paid = client
        .post_pay_micropay(Micropay {
            appid: APPID.into(),
            body: "Coffee".into(),
            out_trade_no: out_trade_no.into(),
            total_fee: 1_200,
            spbill_create_ip: "203.0.113.7".into(),
            auth_code: "134567890123456789".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(paid.out_trade_no, out_trade_no);
    assert_eq!(paid.total_fee, 1_200);

    let order = client
        .post_pay_orderquery(Orderquery {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            ..Default::default() // transaction_id left empty: not sent
        })
        .await
        .unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(order.transaction_id, paid.transaction_id);

    let refund = client
        .post_secapi_pay_refund(Refund {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            out_refund_no: "V2TYPEDR0001".into(),
            total_fee: 1_200,
            refund_fee: 300,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refund.refund_fee, 300);

    // The day's bill, through the generated method: CSV the reader takes.
    let day = &paid.time_end[..8];
    let csv = client
        .post_pay_downloadbill(bill_request(day, None))
        .await
        .unwrap();
    let mut bill = TradeBillReader::new(&csv[..]).unwrap();
    let rows: Vec<_> = (&mut bill).collect::<Result<_, _>>().unwrap();
    let row = rows
        .iter()
        .find(|r| r.out_trade_no == out_trade_no)
        .unwrap_or_else(|| panic!("{out_trade_no} is not in the bill: {rows:?}"));
    assert_eq!(row.transaction_id, paid.transaction_id);
    assert_eq!(row.total, Some(1_200));
    assert!(bill.summary().unwrap().count >= 1);

    // Asked as GZIP, the method inflates it: the same bytes.
    let inflated = client
        .post_pay_downloadbill(bill_request(day, Some(TarType::Gzip)))
        .await
        .unwrap();
    assert_eq!(inflated, csv);

    // A day without trades: the platform's XML answer is the error.
    let none = client
        .post_pay_downloadbill(bill_request("20200101", None))
        .await
        .unwrap_err();
    let wxpay::Error::V2(e) = &none else {
        panic!("expected Error::V2, got {none:?}");
    };
    assert_eq!(e.return_code, "FAIL");
    assert_eq!(e.return_msg.as_deref(), Some("No Bill Exist"));
}
