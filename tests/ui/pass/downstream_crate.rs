// What a downstream crate writes: its own endpoints, called through the
// generated client methods and `Client::call`, with nothing but
// `wxpay_core` (and serde for its own models) in scope.
use serde::{Deserialize, Serialize};
use wxpay_core::{Client, Endpoint, Error, SensitiveFields, endpoint};

/// A payscore service order query by service id (a numeric path parameter).
#[endpoint(GET, "/v3/payscore/services/{service_id}/orders", response = ServiceOrdersResponse)]
pub struct ServiceOrders {
    pub service_id: u64,
    pub appid: String,
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct ServiceOrdersResponse {
    pub total_count: i64,
}

/// A transfer with a nested payee whose name is sensitive.
#[endpoint(POST, "/v3/fund-app/mch-transfer/transfer-bills", response = TransferBillsResponse)]
pub struct TransferBills {
    pub out_bill_no: String,
    pub transfer_amount: i64,
    #[sensitive]
    pub payee: Payee,
    #[sensitive]
    pub user_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Serialize, SensitiveFields)]
pub struct Payee {
    pub openid: String,
    #[sensitive]
    pub name: String,
}

#[derive(Deserialize)]
pub struct TransferBillsResponse {
    pub state: String,
}

/// A bodiless DELETE answering 204.
#[endpoint(DELETE, "/v3/marketing/partnerships/{partner_id}")]
pub struct DeletePartnership {
    pub partner_id: String,
}

// The answer types are the ones named in `response =`, or `()` without it.
fn response_types(_: <ServiceOrders as Endpoint>::Response) -> ServiceOrdersResponse {
    ServiceOrdersResponse { total_count: 0 }
}

fn unit_response(r: <DeletePartnership as Endpoint>::Response) {
    let () = r;
}

async fn use_them(client: &Client) -> Result<(), Error> {
    let _orders: ServiceOrdersResponse = client
        .get_payscore_services_service_id_orders(ServiceOrders { service_id: 500001, appid: "wx1".into(), offset: None, limit: Some(10) })
        .await?;
    let payee = Payee { openid: "o1".into(), name: "李四".into() };
    let transfer =
        TransferBills { out_bill_no: "B1".into(), transfer_amount: 100, payee, user_name: None, kind: "A".into() };
    let answer = client.call(transfer).await?;
    let _: String = answer.state;
    client.call(DeletePartnership { partner_id: "p/1".into() }).await?;
    let () = client.delete_marketing_partnerships_partner_id(DeletePartnership { partner_id: "p".into() }).await?;
    Ok(())
}

fn main() {
    let _ = use_them;
    let _ = response_types(ServiceOrdersResponse { total_count: 1 }).total_count;
    unit_response(());
    let mut path = String::new();
    ServiceOrders { service_id: 500001, appid: "wx 1".into(), offset: None, limit: Some(10) }
        .write_path_and_query(&mut path)
        .unwrap();
    assert_eq!(path, "/v3/payscore/services/500001/orders?appid=wx%201&limit=10");
    let mut path = String::new();
    DeletePartnership { partner_id: "p/1".into() }.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/marketing/partnerships/p%2F1");

    let mut t = TransferBills {
        out_bill_no: "B1".into(),
        transfer_amount: 100,
        payee: Payee { openid: "o1".into(), name: "李四".into() },
        user_name: Some("王五".into()),
        kind: "A".into(),
    };
    t.encrypt_sensitive(&mut |p| Ok(format!("<{p}>"))).unwrap();
    let wxpay_core::RequestBody::Json(body) = t.body().unwrap() else { panic!() };
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"out_bill_no":"B1","transfer_amount":100,"payee":{"openid":"o1","name":"<李四>"},"user_name":"<王五>","type":"A"}"#
    );
}
