//! v2 bill downloads over a loopback socket: CSV, GZIP CSV and the `<xml>`
//! error body told apart, the CSV read by the bill readers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod v2_support;

use std::io::Write as _;

use serde::Serialize;
use v2_support::*;
use wxpay_core::bill::{FundFlowBillReader, TradeBillReader};
use wxpay_core::http::Method;
use wxpay_core::v2::{SignType, V2Endpoint, sign, xml};
use wxpay_core::{Client, Credentials, Error};

#[derive(Serialize)]
struct DownloadBill {
    appid: String,
    bill_date: String,
    bill_type: Option<String>,
    tar_type: Option<String>,
}

impl V2Endpoint for DownloadBill {
    type Response = ();
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/pay/downloadbill";
    const SIGNED_ANSWER: bool = false;
    const SIGN_TYPES: &'static [SignType] = &[SignType::Md5];
}

/// A v2 bill as the platform writes it (the `ALL` trade bill).
const TRADE_BILL: &str = "\u{feff}交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n\
`2026-05-01 10:00:00,`wx2421b1c4370ec43b,`1900000109,`0,`013467007045764,`4200000000202605010000000001,`1415757673,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`SUCCESS,`CFT,`CNY,`1.01,`0.00,`0,`0,`0.00,`0.00,`,`,\"`QQ公仔, 大号\",`attach,`0.00606,`0.60%,`1.01,`0.00,`\r\n\
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n\
`1,`1.01,`0.00,`0.00,`0.00606,`1.01,`0.00\r\n";

fn client(url: &str) -> Client {
    let credentials = Credentials::new(
        MCHID,
        SERIAL,
        wxpay_core::crypto::PrivateKey::from_pem(MERCHANT_KEY.as_bytes()).unwrap(),
    )
    .unwrap();
    Client::builder()
        .credentials(credentials)
        .base_url(url)
        .allow_http(true)
        .v2_key(key())
        .build()
        .unwrap()
}

fn request(tar_type: Option<&str>) -> DownloadBill {
    DownloadBill {
        appid: "wx2421b1c4370ec43b".into(),
        bill_date: "20260501".into(),
        bill_type: Some("ALL".into()),
        tar_type: tar_type.map(str::to_owned),
    }
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// The peer: checks the request's MD5 sign, then answers by date: a bill
/// (compressed when asked) for 20260501, `No Bill Exist` otherwise.
fn peer(seen: &v2_support::Seen) -> (u16, Vec<u8>) {
    let fields = seen.fields();
    assert!(sign::verify(
        &fields,
        &key(),
        SignType::Md5,
        get(&fields, "sign").unwrap()
    ));
    assert_eq!(get(&fields, "sign_type"), None);
    if get(&fields, "bill_date") != Some("20260501") {
        let body = "<xml><return_code><![CDATA[FAIL]]></return_code>\n\
                    <return_msg><![CDATA[No Bill Exist]]></return_msg>\n\
                    <error_code><![CDATA[20002]]></error_code>\n</xml>";
        return (200, body.as_bytes().to_vec());
    }
    match get(&fields, "tar_type") {
        Some("GZIP") => (200, gzip(TRADE_BILL)),
        _ => (200, TRADE_BILL.as_bytes().to_vec()),
    }
}

#[tokio::test]
async fn bills_come_as_csv_or_gzip_and_errors_as_xml() {
    let server = plain_bytes(peer).await;
    let client = client(&server.url);
    for tar_type in [None, Some("GZIP")] {
        let csv = client.download_v2_bill(request(tar_type)).await.unwrap();
        assert_eq!(&csv[..], TRADE_BILL.as_bytes());
        let mut bill = TradeBillReader::new(&csv[..]).unwrap();
        let rows: Vec<_> = (&mut bill).collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].out_trade_no, "1415757673");
        assert_eq!(rows[0].settlement_total, Some(101));
        assert_eq!(rows[0].fee_millifen, Some(606));
        assert_eq!(rows[0].description.as_deref(), Some("QQ公仔, 大号"));
        assert_eq!(bill.summary().unwrap().count, 1);
    }
    let missing = || {
        let mut r = request(None);
        r.bill_date = "20260502".into();
        r
    };
    let whole = client.download_v2_bill(missing()).await.unwrap_err();
    let streamed = client.download_v2_bill_stream(missing()).await.unwrap_err();
    // Both keep the answer's Request-ID (the peer's third and fourth).
    for (e, number) in [(whole, 3), (streamed, 4)] {
        let Error::V2(v2) = &e else { panic!("{e:?}") };
        assert_eq!(v2.return_code, "FAIL");
        assert_eq!(v2.return_msg.as_deref(), Some("No Bill Exist"));
        let id = v2_support::request_id(number);
        assert_eq!(e.request_id(), Some(id.as_str()));
        assert!(e.to_string().contains(&id), "{e}");
    }
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn the_answer_is_told_apart_by_its_first_bytes() {
    use wxpay_core::bill::v2::v2_bill_body;
    use wxpay_core::http::StatusCode;
    let ok = StatusCode::OK;
    // XML that does not parse is not taken for a bill.
    let e = v2_bill_body(ok, "  <xml><return_code>FAIL".into()).unwrap_err();
    assert!(matches!(e, Error::V2Decode(_)), "{e:?}");
    // A fund flow bill passes through to its reader.
    let fund = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号\r\n\
`2026-05-01 10:00:00,`4200000000202605010000000001,`1900000109202605010000001,`交易,`交易,`收入,`1.01,`1.01,`system,`,`REQ1\r\n\
资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n`1,`1,`1.01,`0,`0.00\r\n";
    let csv = v2_bill_body(ok, fund.into()).unwrap();
    let mut bill = FundFlowBillReader::new(&csv[..]).unwrap();
    let row = bill.next().unwrap().unwrap();
    assert_eq!(row.amount, 101);
    // A GZIP body that does not inflate.
    let mut broken = gzip(TRADE_BILL);
    broken.truncate(20);
    let e = v2_bill_body(ok, broken.into()).unwrap_err();
    assert!(e.to_string().contains("inflate"), "{e}");
    // The XML error survives white space and a declaration.
    let e = v2_bill_body(
        ok,
        xml::write(&pairs(&[
            ("return_code", "FAIL"),
            ("return_msg", "invalid bill_date"),
        ]))
        .into(),
    )
    .unwrap_err();
    assert_eq!(e.code(), Some("FAIL"));
}
