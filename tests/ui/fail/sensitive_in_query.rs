use wxpay_core::endpoint;

#[endpoint(GET, "/v3/applyment4sub/applyment/business_code/{business_code}")]
pub struct QueryApplyment {
    pub business_code: String,
    #[sensitive]
    pub contact_name: String,
}

fn main() {}
