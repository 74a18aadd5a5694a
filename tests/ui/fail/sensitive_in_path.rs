use wxpay_core::endpoint;

#[endpoint(GET, "/v3/applyment4sub/applyment/business_code/{business_code}")]
pub struct QueryApplyment {
    #[sensitive]
    pub business_code: String,
}

fn main() {}
