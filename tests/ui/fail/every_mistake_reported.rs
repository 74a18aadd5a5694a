// Three mistakes in one declaration: all three are reported in one build,
// and the struct is still emitted, so `main` compiles without follow-on errors.
use wxpay_core::endpoint;

#[endpoint(GOT, "/v3/pay/{id}/{id}", colour = "blue")]
pub struct Order {
    pub id: String,
}

fn main() {
    let order = Order { id: "1".into() };
    let _ = order.id;
}
