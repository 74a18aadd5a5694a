//! An order's life after it is placed: queries, closing, paying (sandbox
//! control), refunds, for direct merchants and for service providers.

mod common;

use http::StatusCode;
use wxpay::prelude::*;
use wxpay::v3::pay::partner;
use wxpay::v3::pay::transactions::{
    self, Amount, AppContractInfo, AppWithContract, Id, OutTradeNo, TradeState, TradeType,
};
use wxpay::v3::refund::domestic::{
    FundsAccount, FundsFrom, GetRefunds, PostRefunds, PostRefundsAmount, RefundStatus,
};
use wxpay_sandbox::{Sandbox, SandboxError};

use common::{order, partner_order, trade_no};

const SUB: &str = "1900000111";

fn refund(out_trade_no: &str, out_refund_no: &str, refund: i64) -> PostRefunds {
    PostRefunds {
        out_trade_no: Some(out_trade_no.into()),
        out_refund_no: out_refund_no.into(),
        amount: PostRefundsAmount {
            refund,
            from: None,
            total: 100,
            currency: "CNY".into(),
        },
        ..Default::default()
    }
}

fn query(mchid: &str, no: &str) -> OutTradeNo {
    OutTradeNo {
        out_trade_no: no.into(),
        mchid: mchid.into(),
    }
}

#[tokio::test]
async fn closing_an_unpaid_order_and_a_paid_one() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    let no = trade_no("close");
    client.call(order(&mchid, &no)).await.unwrap();
    let close = transactions::out_trade_no::Close {
        out_trade_no: no.clone(),
        mchid: mchid.clone(),
    };
    client
        .post_pay_transactions_out_trade_no_close(close.clone())
        .await
        .unwrap();
    client
        .post_pay_transactions_out_trade_no_close(close)
        .await
        .unwrap(); // closing again is fine
    let closed = client
        .get_pay_transactions_out_trade_no(query(&mchid, &no))
        .await
        .unwrap();
    assert_eq!(closed.trade_state, TradeState::Closed);
    assert!(matches!(
        sandbox.pay_order(&mchid, &no),
        Err(SandboxError::InvalidState(_))
    ));

    let paid = trade_no("paid");
    client.call(order(&mchid, &paid)).await.unwrap();
    sandbox.pay_order(&mchid, &paid).unwrap();
    let e = client
        .post_pay_transactions_out_trade_no_close(transactions::out_trade_no::Close {
            out_trade_no: paid.clone(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(e.code(), Some("ORDER_PAID"));
    assert!(e.request_id().is_some());
    assert_eq!(
        client
            .get_pay_transactions_out_trade_no(query(&mchid, &paid))
            .await
            .unwrap()
            .trade_state,
        TradeState::Success
    );

    let e = client
        .post_pay_transactions_out_trade_no_close(transactions::out_trade_no::Close {
            out_trade_no: "NO_SUCH_ORDER".into(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"));
}

#[tokio::test]
async fn queries_refuse_unknown_orders_and_other_merchants() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("q");
    client.call(order(&mchid, &no)).await.unwrap();

    let e = client
        .get_pay_transactions_out_trade_no(query(&mchid, "NO_SUCH_ORDER"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"));
    // Unpaid orders have no transaction_id to be found by.
    let e = client
        .get_pay_transactions_id_transaction_id(Id {
            transaction_id: "4200000000000000000000000000".into(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    // The query's mchid must be the signing merchant.
    let e = client
        .get_pay_transactions_out_trade_no(query("1230000109", &no))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"));
    let api = e.as_api().unwrap();
    assert_eq!(api.detail_field(), Some("mchid"));
    // A direct query does not see partner orders, and the reverse.
    let sub_no = trade_no("sub");
    client
        .post_pay_partner_transactions_jsapi_with_contract(partner_order(SUB, &sub_no))
        .await
        .unwrap();
    let e = client
        .get_pay_transactions_out_trade_no(query(SUB, &sub_no))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"), "{e}");
    let e = client
        .get_pay_partner_transactions_out_trade_no(partner::transactions::OutTradeNo {
            out_trade_no: no.clone(),
            sp_mchid: mchid.clone(),
            sub_mchid: mchid.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"));
}

#[tokio::test]
async fn partial_refunds_add_up_and_over_refunds_are_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("refund");

    // Not paid yet: nothing to refund.
    client.call(order(&mchid, &no)).await.unwrap();
    let e = client
        .post_refund_domestic_refunds(refund(&no, "R-early", 10))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"));
    let paid = sandbox.pay_order(&mchid, &no).unwrap();

    // 60 + 30 of 100, then 20 more is too much.
    let first = client
        .post_refund_domestic_refunds(refund(&no, "R-1", 60))
        .await
        .unwrap();
    // The same request again is the same refund.
    let repeat = client
        .post_refund_domestic_refunds(refund(&no, "R-1", 60))
        .await
        .unwrap();
    assert_eq!(first, repeat);
    // By transaction_id, split across accounts.
    client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: None,
            transaction_id: paid.transaction_id.clone(),
            amount: PostRefundsAmount {
                from: Some(vec![
                    FundsFrom {
                        account: FundsAccount::Available,
                        amount: 20,
                    },
                    FundsFrom {
                        account: FundsAccount::Unavailable,
                        amount: 10,
                    },
                ]),
                ..refund(&no, "R-2", 30).amount
            },
            ..refund(&no, "R-2", 30)
        })
        .await
        .unwrap();
    let e = client
        .post_refund_domestic_refunds(refund(&no, "R-3", 20))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(e.code(), Some("INVALID_REQUEST"));
    assert!(e.to_string().contains("10 fen"), "{e}");
    let order_state = sandbox.order(&mchid, &no).unwrap();
    assert_eq!(order_state.refunded, 90);
    assert_eq!(order_state.refunds, ["R-1", "R-2"]);

    // A closed refund gives its amount back.
    let closed = sandbox
        .settle_refund(&mchid, "R-2", wxpay_sandbox::RefundStatus::Closed)
        .unwrap();
    assert_eq!(closed.status, wxpay_sandbox::RefundStatus::Closed);
    assert!(matches!(
        sandbox.settle_refund(&mchid, "R-2", wxpay_sandbox::RefundStatus::Success),
        Err(SandboxError::InvalidState(_))
    ));
    let r2 = client
        .get_refund_domestic_refunds_out_refund_no(GetRefunds {
            out_refund_no: "R-2".into(),
            sub_mchid: None,
        })
        .await
        .unwrap();
    assert_eq!(r2.status, RefundStatus::Closed);
    assert_eq!(r2.amount.from.as_ref().map(Vec::len), Some(2));
    client
        .post_refund_domestic_refunds(refund(&no, "R-3", 40))
        .await
        .unwrap();
    assert_eq!(sandbox.order(&mchid, &no).unwrap().refundable(), 0);
    let q = client
        .get_pay_transactions_out_trade_no(query(&mchid, &no))
        .await
        .unwrap();
    assert_eq!(q.trade_state, TradeState::Refund);

    // Checks on the request itself.
    type Mutation = fn(&mut PostRefunds);
    let cases: [(Mutation, &str, &str); 6] = [
        (|r| r.amount.total = 99, "PARAM_ERROR", "amount.total"),
        (|r| r.amount.refund = 0, "PARAM_ERROR", "amount.refund"),
        (
            |r| r.amount.currency = "USD".into(),
            "PARAM_ERROR",
            "amount.currency",
        ),
        (
            |r| r.out_refund_no = "R 4".into(),
            "PARAM_ERROR",
            "out_refund_no",
        ),
        (|r| r.out_trade_no = None, "PARAM_ERROR", "out_trade_no"),
        (
            |r| {
                r.amount.from = Some(vec![FundsFrom {
                    account: FundsAccount::Available,
                    amount: 2,
                }])
            },
            "PARAM_ERROR",
            "amount.from",
        ),
    ];
    for (mutate, code, field) in cases {
        let mut r = refund(&no, "R-4", 1);
        mutate(&mut r);
        let e = client.post_refund_domestic_refunds(r).await.unwrap_err();
        assert_eq!(e.code(), Some(code), "{field}: {e}");
        assert_eq!(e.as_api().unwrap().detail_field(), Some(field), "{e}");
    }
    let e = client
        .post_refund_domestic_refunds(refund("NO_SUCH_ORDER", "R-5", 1))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
    let e = client
        .get_refund_domestic_refunds_out_refund_no(GetRefunds {
            out_refund_no: "NO_SUCH_REFUND".into(),
            sub_mchid: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
}

#[tokio::test]
async fn a_service_provider_manages_a_sub_merchant_order() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let sp = client.mchid().to_owned();
    let no = trade_no("partner");

    let placed = client
        .post_pay_partner_transactions_jsapi_with_contract(partner_order(SUB, &no))
        .await
        .unwrap();
    let stored = sandbox.order(SUB, &no).unwrap();
    assert_eq!(stored.sp_mchid.as_deref(), Some(sp.as_str()));
    assert_eq!(stored.prepay_id, placed.prepay_id);

    let lookup = partner::transactions::OutTradeNo {
        out_trade_no: no.clone(),
        sp_mchid: sp.clone(),
        sub_mchid: SUB.into(),
    };
    let unpaid = client
        .get_pay_partner_transactions_out_trade_no(lookup.clone())
        .await
        .unwrap();
    assert_eq!(unpaid.trade_state, TradeState::Notpay);
    assert_eq!(unpaid.sub_mchid, SUB);
    assert_eq!(unpaid.sp_appid, "wx8888888888888888");

    let paid = sandbox.pay_order(SUB, &no).unwrap();
    let by_no = client
        .get_pay_partner_transactions_out_trade_no(lookup)
        .await
        .unwrap();
    let by_id = client
        .get_pay_partner_transactions_id_transaction_id(partner::transactions::Id {
            transaction_id: paid.transaction_id.clone().unwrap(),
            sp_mchid: sp.clone(),
            sub_mchid: SUB.into(),
        })
        .await
        .unwrap();
    assert_eq!(by_no, by_id);
    assert_eq!(by_no.trade_state, TradeState::Success);
    let payer = by_no.payer.unwrap();
    assert_eq!(payer.sp_openid.as_deref(), Some("o-sp"));
    assert_eq!(payer.sub_openid.as_deref(), Some("o-sub"));

    // Closing a paid partner order is refused too.
    let e = client
        .post_pay_partner_transactions_out_trade_no_close(
            partner::transactions::out_trade_no::Close {
                out_trade_no: no.clone(),
                sp_mchid: sp.clone(),
                sub_mchid: SUB.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_PAID"));

    // Refund with sub_mchid; without it the order is not the provider's own.
    let e = client
        .post_refund_domestic_refunds(refund(&no, "PR-1", 50))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
    let r = client
        .post_refund_domestic_refunds(PostRefunds {
            sub_mchid: Some(SUB.into()),
            ..refund(&no, "PR-1", 50)
        })
        .await
        .unwrap();
    assert_eq!(r.status, RefundStatus::Processing);
    let looked_up = client
        .get_refund_domestic_refunds_out_refund_no(GetRefunds {
            out_refund_no: "PR-1".into(),
            sub_mchid: Some(SUB.into()),
        })
        .await
        .unwrap();
    assert_eq!(looked_up.refund_id, r.refund_id);
    assert!(sandbox.refund(SUB, "PR-1").is_some());

    // An unpaid partner order closes.
    let other = trade_no("partner-close");
    client
        .post_pay_partner_transactions_jsapi_with_contract(partner_order(SUB, &other))
        .await
        .unwrap();
    client
        .post_pay_partner_transactions_out_trade_no_close(
            partner::transactions::out_trade_no::Close {
                out_trade_no: other.clone(),
                sp_mchid: sp.clone(),
                sub_mchid: SUB.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        sandbox.order(SUB, &other).unwrap().trade_state,
        wxpay_sandbox::TradeState::Closed
    );
    // The partner payer needs an openid.
    let mut bad = partner_order(SUB, &trade_no("nopayer"));
    bad.payer = partner::transactions::Payer::default();
    let e = client
        .post_pay_partner_transactions_jsapi_with_contract(bad)
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("payer"));
}

#[tokio::test]
async fn app_orders_sign_a_contract_while_paying() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let contract = AppContractInfo {
        plan_id: "3484306348".into(),
        contract_mchid: mchid.clone(),
        contract_appid: "wxd678efh567hg6787".into(),
        contract_code: "APP-C-1".into(),
        request_serial: "1695".into(),
        contract_display_account: "123456".into(),
        contract_notify_url: Some("https://yoursite.com/contract".into()),
    };
    let no = trade_no("app");
    let answer = client
        .post_pay_transactions_app_with_contract(AppWithContract {
            appid: "wxd678efh567hg6787".into(),
            mchid: mchid.clone(),
            description: "app order".into(),
            out_trade_no: no.clone(),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            amount: Amount {
                total: 100,
                currency: None,
            },
            contract_info: contract.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let params = client
        .app_pay_params("wxd678efh567hg6787", &answer.prepay_id)
        .unwrap();
    assert_eq!(params.prepayid, answer.prepay_id);
    sandbox.pay_order(&mchid, &no).unwrap();
    let q = client
        .get_pay_transactions_out_trade_no(query(&mchid, &no))
        .await
        .unwrap();
    assert_eq!(q.trade_type, Some(TradeType::App));
    assert_eq!(q.trade_state, TradeState::Success);

    // The contract block is checked.
    let e = client
        .post_pay_transactions_app_with_contract(AppWithContract {
            appid: "wxd678efh567hg6787".into(),
            mchid: mchid.clone(),
            description: "app order".into(),
            out_trade_no: trade_no("app"),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            amount: Amount {
                total: 100,
                currency: None,
            },
            contract_info: AppContractInfo {
                request_serial: String::new(),
                ..contract.clone()
            },
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("contract_info.request_serial")
    );

    // The partner form.
    let sub_no = trade_no("app-sub");
    client
        .post_pay_partner_transactions_app_with_contract(partner::transactions::AppWithContract {
            sp_appid: "wx8888888888888888".into(),
            sp_mchid: mchid.clone(),
            sub_mchid: SUB.into(),
            description: "partner app order".into(),
            out_trade_no: sub_no.clone(),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            amount: Amount {
                total: 100,
                currency: None,
            },
            contract_info: contract,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(sandbox.order(SUB, &sub_no).unwrap().trade_type, "APP");
}
