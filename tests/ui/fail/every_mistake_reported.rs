// Four mistakes in one declaration: all four are reported in one build (the
// reserved header by the compiler, against the runtime's list), and the
// struct is still emitted, so `main` compiles without follow-on errors.
use wxpay_core::endpoint;

#[endpoint(GOT, "/v3/pay/{id}/{id}", colour = "blue")]
pub struct Order {
    pub id: String,
    #[header("Host")]
    pub host: String,
}

fn main() {
    let order = Order { id: "1".into(), host: "example.com".into() };
    let _ = (order.id, order.host);
}
