use wxpay_core::endpoint;

#[endpoint(GET, "/v3/certificates")]
pub enum Certificates {
    All,
}

fn main() {}
