use wxpay_core::endpoint;

#[endpoint(GET, "/v3/transferdownload/signfile/{bill_id}", download)]
pub struct SignFile {
    pub bill_id: String,
    #[sensitive]
    pub name: Option<String>,
}

fn main() {}
