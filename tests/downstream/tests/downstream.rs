//! The downstream crate's endpoints, served by routes the test adds to the sandbox.

use pay::http::Method;
use pay::serde_json::json;
use wxpay_downstream::prelude::*;
use wxpay_downstream::{Payee, RegisterPayee, ServiceOrders};
use wxpay_sandbox::{Reply, Sandbox};

#[tokio::test]
async fn downstream_endpoints_round_trip_through_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.route(
        Method::GET,
        "/v3/payscore/services/{service_id}/orders",
        |req| async move {
            assert_eq!(req.query("appid"), Some("wx 1"));
            assert_eq!(req.query("limit"), Some("5"));
            Reply::ok(&json!({ "total_count": 0, "service_id": req.param("service_id") }))
        },
    );
    sandbox.route(Method::POST, "/v3/custom/payees", |req| async move {
        let body: pay::serde_json::Value = pay::serde_json::from_slice(&req.body).unwrap();
        let request_no = req.query("request_no").unwrap_or_default().to_owned();
        let name = body["payee"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // The name arrives encrypted: long base64, not the plain text.
        assert!(name.len() > 300 && !name.contains('李'), "{name}");
        assert_eq!(
            req.headers.get("wechatpay-serial").unwrap(),
            "PUB_KEY_ID_0119000001092026112700000000000001"
        );
        Reply::ok(&json!({ "payee_id": format!("P-{request_no}") }))
    });
    let client = sandbox.client().unwrap();

    let orders = client
        .get_payscore_services_service_id_orders(ServiceOrders {
            service_id: 500001,
            appid: "wx 1".into(),
            limit: Some(5),
        })
        .await
        .unwrap();
    assert_eq!(orders.service_id, "500001");
    assert_eq!(orders.total_count, 0);

    let payee = Payee {
        openid: "o1".into(),
        name: "李四".into(),
    };
    let answer = client
        .register_payee(RegisterPayee {
            request_no: "R1".into(),
            payee,
        })
        .await
        .unwrap();
    assert_eq!(answer.payee_id, "P-R1");
}
