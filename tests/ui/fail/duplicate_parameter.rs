use wxpay_core::endpoint;

#[endpoint(GET, "/v3/contracts/{id}/plans/{id}")]
pub struct QueryPlan {
    pub id: String,
}

fn main() {}
