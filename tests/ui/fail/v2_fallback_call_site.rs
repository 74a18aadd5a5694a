use wxpay_core::endpoint;

/// The answer.
#[derive(serde::Deserialize)]
pub struct MicropayResponse {
    pub transaction_id: String,
}

// One mistake in the declaration; the call below still type-checks.
#[endpoint(v2, POST, "/pay/micropay", response = MicropayResponse)]
#[derive(serde::Serialize)]
pub struct Micropay {
    pub auth_code: String,
    pub sign: String,
}

async fn pay(client: &wxpay_core::Client) -> Result<String, wxpay_core::Error> {
    let answer = client
        .post_pay_micropay(Micropay {
            auth_code: "120061098828009406".into(),
            sign: String::new(),
        })
        .await?;
    Ok(answer.transaction_id)
}

fn main() {
    let _ = pay;
}
