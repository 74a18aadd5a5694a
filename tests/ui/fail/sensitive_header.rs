use wxpay_core::endpoint;

#[endpoint(POST, "/v3/marketing/partnerships/build")]
pub struct Build {
    #[header("Idempotency-Key")]
    #[sensitive]
    pub idempotency_key: String,
}

fn main() {}
