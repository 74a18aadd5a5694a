use wxpay_core::endpoint;

#[endpoint(POST, "/v3/marketing/partnerships/build")]
pub struct Build {
    pub partner: String,
    #[form]
    pub note: String,
}

fn main() {}
