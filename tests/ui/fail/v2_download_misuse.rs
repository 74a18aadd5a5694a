use wxpay_core::endpoint;

/// A bill is a file: no answer type, no signature to waive, and asked for by POST.
#[derive(Debug, serde::Deserialize)]
pub struct BillAnswer {}

#[endpoint(v2, POST, "/pay/downloadbill", download, response = BillAnswer)]
#[derive(serde::Serialize)]
pub struct Downloadbill {
    pub bill_date: String,
}

#[endpoint(v2, POST, "/pay/downloadfundflow", download, unsigned_answer)]
#[derive(serde::Serialize)]
pub struct Downloadfundflow {
    pub bill_date: String,
}

#[endpoint(v2, GET, "/pay/downloadbill", download)]
#[derive(serde::Serialize)]
pub struct PageBill {
    pub bill_date: String,
}

fn main() {}
