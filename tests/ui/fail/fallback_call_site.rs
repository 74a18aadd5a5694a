// A mistake in a declaration is reported once, at the declaration: the
// struct, its client method and `Client::call` still type-check where the
// endpoint is used, so no error follows at the call sites.
use serde::Deserialize;
use wxpay_core::{Client, Error, endpoint};

#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}", response = Transaction)]
pub struct QueryById {
    pub transaction_id: String,
    #[query]
    pub mchid: String,
}

#[derive(Deserialize)]
pub struct Transaction {
    pub trade_state: String,
}

pub async fn use_them(client: &Client) -> Result<String, Error> {
    let first: Transaction = client
        .get_pay_transactions_id_transaction_id(QueryById { transaction_id: "42".into(), mchid: "19".into() })
        .await?;
    let again: Transaction = client.call(QueryById { transaction_id: "42".into(), mchid: "19".into() }).await?;
    Ok(first.trade_state + &again.trade_state)
}

fn main() {}
