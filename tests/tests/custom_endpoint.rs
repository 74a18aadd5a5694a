//! An endpoint wxpay-core does not have, declared here the way a
//! downstream crate would (with only `wxpay_core` and serde), and served
//! by routes this test adds to the sandbox: requests are still signed and
//! checked, answers still signed and verified.

use std::sync::{Arc, Mutex};

use http::{Method, StatusCode};
use serde::Deserialize;
use wxpay_core::endpoint;
use wxpay_sandbox::{Reply, Sandbox, SandboxRequest};

wxpay_core::open_enum! {
    /// Whether a listed item can be bought.
    pub enum ItemState {
        /// On sale.
        OnSale = "ON_SALE",
        /// Withdrawn.
        Withdrawn = "WITHDRAWN",
    }
}

/// Lists a shop's items: a GET with a numeric path parameter and a query.
#[endpoint(GET, "/v3/merchant-shop/shops/{shop_id}/items", response = ItemPage)]
struct ListItems {
    shop_id: u64,
    state: Option<ItemState>,
    offset: Option<u32>,
    limit: u32,
}

#[derive(Debug, Deserialize)]
struct ItemPage {
    shop_id: u64,
    items: Vec<Item>,
    total: u32,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    name: String,
    price: i64,
    state: ItemState,
}

/// Adds an item: a POST with a path parameter that needs encoding, a
/// `#[query]` field and a JSON body (an `Option` left out when `None`).
#[endpoint(POST, "/v3/merchant-shop/shops/{shop_code}/items", response = Item, method_name = add_shop_item)]
struct AddItem {
    shop_code: String,
    #[query]
    idempotency_key: String,
    name: String,
    price: i64,
    note: Option<String>,
}

/// What the sandbox routes saw, for the assertions.
#[derive(Default, Debug)]
struct Seen {
    path: String,
    params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: String,
    mchid: String,
}

#[tokio::test]
async fn a_get_with_path_and_query_served_by_a_test_route() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    sandbox.route(
        Method::GET,
        "/v3/merchant-shop/shops/{shop_id}/items",
        move |req: SandboxRequest| {
            let record = record.clone();
            async move {
                *record.lock().unwrap() = Seen {
                    path: req.path.clone(),
                    params: req.params.clone(),
                    query: req.query.clone(),
                    body: String::from_utf8_lossy(&req.body).into_owned(),
                    mchid: req.mchid.clone(),
                };
                let Some(shop_id) = req.param("shop_id").and_then(|s| s.parse::<u64>().ok()) else {
                    return Reply::param_error_at(
                        "path",
                        "shop_id",
                        req.param("shop_id").unwrap_or(""),
                        "must be a number",
                    );
                };
                let limit: usize = req.query("limit").and_then(|l| l.parse().ok()).unwrap_or(0);
                let items = [("tea", 12, "ON_SALE"), ("cake", 30, "SOLD_OUT")];
                Reply::ok(&serde_json::json!({
                    "shop_id": shop_id,
                    "total": items.len(),
                    "items": items.iter().take(limit).map(|(name, price, state)| {
                        serde_json::json!({"name": name, "price": price, "state": state})
                    }).collect::<Vec<_>>(),
                }))
            }
        },
    );

    let page = client
        .call(ListItems {
            shop_id: 500001,
            state: Some(ItemState::OnSale),
            offset: None,
            limit: 2,
        })
        .await
        .unwrap();
    assert_eq!(page.shop_id, 500001);
    assert_eq!(page.total, 2);
    assert_eq!(
        page.items[0],
        Item {
            name: "tea".into(),
            price: 12,
            state: ItemState::OnSale
        }
    );
    // A value the enum does not list is kept.
    assert_eq!(page.items[1].state, ItemState::Other("SOLD_OUT".into()));

    let seen = seen.lock().unwrap();
    assert_eq!(seen.path, "/v3/merchant-shop/shops/500001/items");
    assert_eq!(seen.params, [("shop_id".to_owned(), "500001".to_owned())]);
    assert_eq!(
        seen.query,
        [
            ("state".to_owned(), "ON_SALE".to_owned()),
            ("limit".to_owned(), "2".to_owned())
        ],
        "None left out, declaration order kept"
    );
    assert_eq!(seen.body, "", "a GET has no body");
    assert_eq!(seen.mchid, client.mchid(), "the request was authenticated");
    assert_eq!(
        sandbox.hits("GET /v3/merchant-shop/shops/{shop_id}/items"),
        1
    );
}

#[tokio::test]
async fn a_post_with_an_encoded_path_a_query_field_and_a_body() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    sandbox.route(
        Method::POST,
        "/v3/merchant-shop/shops/{shop_code}/items",
        move |req: SandboxRequest| {
            let record = record.clone();
            async move {
                *record.lock().unwrap() = Seen {
                    path: req.path.clone(),
                    params: req.params.clone(),
                    query: req.query.clone(),
                    body: String::from_utf8_lossy(&req.body).into_owned(),
                    mchid: req.mchid.clone(),
                };
                let body = match req.json() {
                    Ok(body) => body,
                    Err(reply) => return reply,
                };
                if req.query("idempotency_key").is_none() {
                    return Reply::param_error_at("query", "idempotency_key", "", "is required");
                }
                Reply::ok(&serde_json::json!({
                    "name": body.get("name"),
                    "price": body.get("price"),
                    "state": "ON_SALE",
                    "shop": req.param("shop_code"),
                }))
            }
        },
    );

    let item = client
        .add_shop_item(AddItem {
            shop_code: "Shop/2026 A".into(),
            idempotency_key: "k 1&2".into(),
            name: "tea".into(),
            price: 12,
            note: None,
        })
        .await
        .unwrap();
    assert_eq!(item.state, ItemState::OnSale);
    assert_eq!(item.price, 12);

    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.path, "/v3/merchant-shop/shops/Shop%2F2026%20A/items");
        assert_eq!(
            seen.params,
            [("shop_code".to_owned(), "Shop/2026 A".to_owned())],
            "the sandbox decoded the path parameter"
        );
        assert_eq!(
            seen.query,
            [("idempotency_key".to_owned(), "k 1&2".to_owned())]
        );
        assert_eq!(
            seen.body, r#"{"name":"tea","price":12}"#,
            "path and query fields stay out of the body; None is left out"
        );
    }

    // The route's own errors come back as typed API errors.
    sandbox.route(
        Method::POST,
        "/v3/merchant-shop/shops/{shop_code}/items",
        |_req: SandboxRequest| async move {
            Reply::error(StatusCode::CONFLICT, "ITEM_EXISTS", "the item exists")
        },
    );
    let e = client
        .add_shop_item(AddItem {
            shop_code: "s1".into(),
            idempotency_key: "k2".into(),
            name: "tea".into(),
            price: 12,
            note: Some("again".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));
    assert_eq!(e.code(), Some("ITEM_EXISTS"));
    assert!(e.as_api().unwrap().verified, "the sandbox signed the error");
}
