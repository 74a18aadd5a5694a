use wxpay_core::endpoint;

#[endpoint(POST, "/v3/marketing/partnerships/build")]
pub struct Build {
    #[header("Idempotency-Key")]
    pub key: String,
    #[header("idempotency-key")]
    pub other_key: String,
}

fn main() {}
