use wxpay_core::endpoint;

#[endpoint(GET, "/v3/certificates")]
pub struct Certificates(String);

fn main() {}
