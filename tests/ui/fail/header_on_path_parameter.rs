use wxpay_core::endpoint;

#[endpoint(GET, "/v3/marketing/partnerships/{partner_id}")]
pub struct Partnership {
    #[header("Partner-Id")]
    pub partner_id: String,
}

fn main() {}
