//! The password-free payment family end to end, client ⇄ sandbox over a
//! real socket: pre-sign, the user signs (sandbox control), an order under
//! the contract, the user pays (sandbox control), queries, refunds, and
//! the contract's termination.

mod common;

use http::{Method, StatusCode};
use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::service_id::out_contract_code::Terminate;
use wxpay::v3::password_exempt_contract::contracts::service_id::{
    ContractState, ContractTerminationMode, OutContractCode,
};
use wxpay::v3::password_exempt_contract::contracts::{ecommerce, normal, qs, service_provider};
use wxpay::v3::pay::transactions::{ContractInfo, Id, OutTradeNo, TradeState, TradeType};
use wxpay::v3::refund::domestic::{
    FundsAccount, GetRefunds, PostRefunds, PostRefundsAmount, RefundChannel, RefundStatus,
};
use wxpay_sandbox::{Sandbox, SandboxError};

use common::{OPENID, control, order_under, partner_order, pre_sign, pre_sign_request, trade_no};

const SERVICE_ID: u64 = 500001;

fn by_token(token: &str) -> ContractInfo {
    ContractInfo {
        token: Some(token.into()),
        ..Default::default()
    }
}

fn refund_request(out_trade_no: &str, out_refund_no: &str, refund: i64) -> PostRefunds {
    PostRefunds {
        out_trade_no: Some(out_trade_no.into()),
        out_refund_no: out_refund_no.into(),
        reason: Some("商品已售完".into()),
        notify_url: Some("https://weixin.qq.com/refund".into()),
        amount: PostRefundsAmount {
            refund,
            from: None,
            total: 100,
            currency: "CNY".into(),
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn the_whole_password_free_flow() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let code = trade_no("contract");

    // 1. Pre-sign: a session id and the signing mini-program to open.
    let presign = pre_sign(&client, SERVICE_ID, &code).await;
    assert!(!presign.pre_entrustweb_id.is_empty());
    assert_eq!(presign.mchid, mchid);
    assert_eq!(presign.service_id, SERVICE_ID);
    assert_eq!(presign.out_contract_code, code);
    assert!(!presign.sign_mp_appid.is_empty() && !presign.sign_mp_path.is_empty());
    let pending = sandbox.contract(&mchid, SERVICE_ID, &code).unwrap();
    assert_eq!(pending.state, wxpay_sandbox::ContractState::Pending);
    assert_eq!(pending.notify_url, "https://yourapp.com/notify");

    // Not signed yet: the platform does not show it.
    let e = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(OutContractCode {
            service_id: SERVICE_ID,
            out_contract_code: code.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));

    // 2. The user signs (sandbox control, as WeChat's signing page would).
    let signed = sandbox
        .sign_pre_entrust(&presign.pre_entrustweb_id)
        .unwrap();
    let contract = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(OutContractCode {
            service_id: SERVICE_ID,
            out_contract_code: code.clone(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, ContractState::Signed);
    assert_eq!(Some(&contract.contract_id), signed.contract_id.as_ref());
    assert_eq!(contract.openid, OPENID);
    assert_eq!(contract.mchid, mchid);
    assert!(contract.contract_terminate_info.is_none());

    // 3. An order under the contract, by pre-sign token.
    let no = trade_no("flow");
    let placed = client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &no,
            by_token(&presign.pre_entrustweb_id),
        ))
        .await
        .unwrap();
    let unpaid = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no: no.clone(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap();
    assert_eq!(unpaid.trade_state, TradeState::Notpay);
    assert!(unpaid.transaction_id.is_none() && unpaid.payer.is_none());
    assert_eq!(unpaid.amount.total, 100);

    // 4. The user pays (sandbox control).
    let paid = sandbox.pay_order(&mchid, &no).unwrap();
    assert_eq!(paid.prepay_id, placed.prepay_id);
    let transaction_id = paid.transaction_id.clone().unwrap();

    // 5. Queries by out_trade_no and by transaction_id agree.
    let by_no = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no: no.clone(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap();
    let by_id = client
        .get_pay_transactions_id_transaction_id(Id {
            transaction_id: transaction_id.clone(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap();
    assert_eq!(by_no, by_id);
    assert_eq!(by_no.trade_state, TradeState::Success);
    assert_eq!(by_no.trade_type, Some(TradeType::Jsapi));
    assert_eq!(
        by_no.transaction_id.as_deref(),
        Some(transaction_id.as_str())
    );
    assert_eq!(by_no.amount.payer_total, Some(100));
    assert_eq!(by_no.payer.as_ref().unwrap().openid, OPENID);
    assert!(by_no.success_time.is_some());

    // 6. A partial refund: PROCESSING until it settles.
    let out_refund_no = format!("R{no}");
    let refund = client
        .post_refund_domestic_refunds(refund_request(&no, &out_refund_no, 30))
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Processing);
    assert_eq!(refund.channel, RefundChannel::Original);
    assert_eq!(refund.transaction_id, transaction_id);
    assert_eq!(refund.amount.refund, 30);
    assert_eq!(refund.amount.payer_total, 100);
    assert!(refund.success_time.is_none());
    let recorded = sandbox.refund(&mchid, &out_refund_no).unwrap();
    assert_eq!(
        recorded.notify_url.as_deref(),
        Some("https://weixin.qq.com/refund")
    );

    let query = GetRefunds {
        out_refund_no: out_refund_no.clone(),
        sub_mchid: None,
    };
    let looked_up = client
        .get_refund_domestic_refunds_out_refund_no(query.clone())
        .await
        .unwrap();
    assert_eq!(looked_up, refund);
    sandbox
        .settle_refund(&mchid, &out_refund_no, wxpay_sandbox::RefundStatus::Success)
        .unwrap();
    let settled = client
        .get_refund_domestic_refunds_out_refund_no(query)
        .await
        .unwrap();
    assert_eq!(settled.status, RefundStatus::Success);
    assert!(settled.success_time.is_some());
    assert_eq!(settled.refund_id, refund.refund_id);

    // The order now reports the refund.
    let after = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no: no.clone(),
            mchid: mchid.clone(),
        })
        .await
        .unwrap();
    assert_eq!(after.trade_state, TradeState::Refund);

    // 7. The merchant ends the contract; the query shows it.
    let ended = client
        .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(Terminate {
            service_id: SERVICE_ID,
            out_contract_code: code.clone(),
            contract_termination_remark: "用户解约".into(),
        })
        .await
        .unwrap();
    assert_eq!(ended.out_contract_code, code);
    assert_eq!(ended.mchid, mchid);
    let contract = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(OutContractCode {
            service_id: SERVICE_ID,
            out_contract_code: code.clone(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, ContractState::Terminated);
    let info = contract.contract_terminate_info.unwrap();
    assert_eq!(
        info.contract_termination_mode,
        ContractTerminationMode::Other(wxpay_sandbox::MERCHANT_TERMINATION_MODE.into())
    );
    assert_eq!(
        info.contract_termination_remark.as_deref(),
        Some("用户解约")
    );
    assert!(info.contract_terminated_time.is_some());

    // Terminating twice is refused; the terminated contract takes no orders.
    let e = client
        .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(Terminate {
            service_id: SERVICE_ID,
            out_contract_code: code.clone(),
            contract_termination_remark: "again".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(e.code(), Some("INVALID_REQUEST"));
    let e = client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &trade_no("late"),
            by_token(&presign.pre_entrustweb_id),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("contract_info.token")
    );
}

#[tokio::test]
async fn paying_with_the_token_of_a_pending_contract_signs_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let code = trade_no("while-paying");
    let presign = pre_sign(&client, SERVICE_ID, &code).await;
    let no = trade_no("p");
    client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &no,
            by_token(&presign.pre_entrustweb_id),
        ))
        .await
        .unwrap();
    let query = OutContractCode {
        service_id: SERVICE_ID,
        out_contract_code: code.clone(),
    };
    assert_eq!(
        client
            .get_password_exempt_contract_contracts_service_id_out_contract_code(query.clone())
            .await
            .unwrap_err()
            .code(),
        Some("RESOURCE_NOT_EXISTS")
    );
    sandbox.pay_order(&mchid, &no).unwrap();
    let contract = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(query)
        .await
        .unwrap();
    assert_eq!(contract.contract_state, ContractState::Signed);
    assert_eq!(contract.openid, OPENID);
}

#[tokio::test]
async fn orders_name_a_known_contract_or_are_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let code = trade_no("by-id");
    let presign = pre_sign(&client, SERVICE_ID, &code).await;
    let signed = sandbox.sign_contract(&mchid, SERVICE_ID, &code).unwrap();
    let contract_id = signed.contract_id.unwrap();

    // By contract id.
    let no = trade_no("cid");
    client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &no,
            ContractInfo {
                password_free_contract_id: Some(contract_id.clone()),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let stored = sandbox.order(&mchid, &no).unwrap();
    assert_eq!(
        stored
            .contract
            .as_ref()
            .map(|k| k.out_contract_code.as_str()),
        Some(code.as_str())
    );

    // Unknown token, unknown contract id, nothing at all.
    let cases = [
        (by_token("no-such-token"), "contract_info.token"),
        (
            ContractInfo {
                password_free_contract_id: Some("999".into()),
                ..Default::default()
            },
            "contract_info.password_free_contract_id",
        ),
        (ContractInfo::default(), "contract_info.plan_id"),
    ];
    for (contract, field) in cases {
        let e = client
            .post_pay_transactions_jsapi_with_contract(order_under(
                &mchid,
                &trade_no("bad"),
                contract,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("PARAM_ERROR"), "{field}: {e}");
        assert_eq!(e.as_api().unwrap().detail_field(), Some(field), "{e}");
    }

    // A token of another merchant's sandbox means nothing here.
    let other = Sandbox::builder()
        .mchid("1900000110")
        .start()
        .await
        .unwrap();
    let e = other
        .client()
        .unwrap()
        .post_pay_transactions_jsapi_with_contract(order_under(
            "1900000110",
            &trade_no("x"),
            by_token(&presign.pre_entrustweb_id),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"));

    // Signing twice is a control-plane error; the contract id works until terminated.
    assert!(matches!(
        sandbox.sign_contract(&mchid, SERVICE_ID, &code),
        Err(SandboxError::InvalidState(_))
    ));
    assert!(matches!(
        sandbox.sign_pre_entrust("nope"),
        Err(SandboxError::NotFound(_))
    ));
    client
        .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(Terminate {
            service_id: SERVICE_ID,
            out_contract_code: code,
            contract_termination_remark: "done".into(),
        })
        .await
        .unwrap();
    let e = client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &trade_no("cid2"),
            ContractInfo {
                password_free_contract_id: Some(contract_id),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"));
}

#[tokio::test]
async fn a_contract_code_that_needs_percent_encoding() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    // `/` and a space: sent as `Contract%2F2026%20A`, decoded by the
    // sandbox, and the signature covers the encoded path.
    let code = "Contract/2026 A";
    pre_sign(&client, SERVICE_ID, code).await;
    assert!(sandbox.contract(&mchid, SERVICE_ID, code).is_some());
    sandbox.sign_contract(&mchid, SERVICE_ID, code).unwrap();

    let contract = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(OutContractCode {
            service_id: SERVICE_ID,
            out_contract_code: code.into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.out_contract_code, code);
    assert_eq!(contract.service_id, SERVICE_ID);
    assert_eq!(
        sandbox.hits(
            "GET /v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}"
        ),
        1
    );
    client
        .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(Terminate {
            service_id: SERVICE_ID,
            out_contract_code: code.into(),
            contract_termination_remark: "r".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        sandbox.contract(&mchid, SERVICE_ID, code).unwrap().state,
        wxpay_sandbox::ContractState::Terminated
    );

    // A different code is a different contract.
    let e = client
        .get_password_exempt_contract_contracts_service_id_out_contract_code(OutContractCode {
            service_id: SERVICE_ID,
            out_contract_code: "Contract%2F2026%20A".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"));
}

#[tokio::test]
async fn every_pre_sign_route_and_its_checks() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let notify = "https://yourapp.com/notify".to_owned();

    let sp = client
        .post_password_exempt_contract_contracts_service_provider_pre_entrust_sign_mini_program(
            service_provider::pre_entrust_sign::MiniProgram {
                sp_appid: "wx8888888888888888".into(),
                sp_openid: None,
                sub_mchid: "1900000111".into(),
                sub_appid: "wxd678efh567hg6999".into(),
                sub_openid: Some("o-sub".into()),
                service_id: 7,
                out_contract_code: "sp-1".into(),
                notify_url: notify.clone(),
                contract_display_account: "A".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(sp.sub_mchid, "1900000111");
    assert_eq!(sp.mchid, mchid);
    let ec = client
        .post_password_exempt_contract_contracts_ecommerce_pre_entrust_sign_mini_program(
            ecommerce::pre_entrust_sign::MiniProgram {
                appid: "wxd678efh567hg6787".into(),
                service_id: 7,
                out_contract_code: "ec-1".into(),
                notify_url: notify.clone(),
                contract_display_account: "A".into(),
                openid: OPENID.into(),
            },
        )
        .await
        .unwrap();
    let qs = client
        .post_password_exempt_contract_contracts_qs_pre_entrust_sign_mini_program(
            qs::pre_entrust_sign::MiniProgram {
                appid: "wxd678efh567hg6787".into(),
                sub_appid: "wxd678efh567hg6999".into(),
                sub_mchid: "1900000111".into(),
                service_id: 7,
                out_contract_code: "qs-1".into(),
                notify_url: notify.clone(),
                contract_display_account: "A".into(),
                openid: None,
                sub_openid: None,
            },
        )
        .await
        .unwrap();
    let ids = [
        &sp.pre_entrustweb_id,
        &ec.pre_entrustweb_id,
        &qs.pre_entrustweb_id,
    ];
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);

    // Pay-then-sign needs the prepay_id of an unpaid order.
    let no = trade_no("redirect");
    let placed = client.call(common::order(&mchid, &no)).await.unwrap();
    let redirect = |code: &str, prepay_id: &str| normal::pre_entrust_sign::PayRedirectSign {
        appid: "wxd678efh567hg6787".into(),
        service_id: 7,
        out_contract_code: code.into(),
        notify_url: notify.clone(),
        contract_display_account: "A".into(),
        prepay_id: prepay_id.into(),
        openid: OPENID.into(),
    };
    let answer = client
        .post_password_exempt_contract_contracts_normal_pre_entrust_sign_pay_redirect_sign(
            redirect("pr-1", &placed.prepay_id),
        )
        .await
        .unwrap();
    assert_eq!(answer.out_contract_code, "pr-1");
    let stored = sandbox.contract(&mchid, 7, "pr-1").unwrap();
    assert_eq!(stored.prepay_id.as_deref(), Some(placed.prepay_id.as_str()));
    assert_eq!(stored.scene, "pay-redirect-sign");
    let e = client
        .post_password_exempt_contract_contracts_normal_pre_entrust_sign_pay_redirect_sign(
            redirect("pr-2", "wx-unknown"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("prepay_id"));

    // The partner forms need an order of the sub-merchant.
    let sub_order = client
        .post_pay_partner_transactions_jsapi_with_contract(partner_order(
            "1900000111",
            &trade_no("sub"),
        ))
        .await
        .unwrap();
    let sp_redirect =
        |code: &str, prepay_id: &str| service_provider::pre_entrust_sign::PayRedirectSign {
            sp_appid: "wx8888888888888888".into(),
            sp_openid: Some("o-sp".into()),
            sub_mchid: "1900000111".into(),
            sub_appid: "wxd678efh567hg6999".into(),
            sub_openid: None,
            service_id: 7,
            out_contract_code: code.into(),
            notify_url: notify.clone(),
            contract_display_account: "A".into(),
            prepay_id: prepay_id.into(),
        };
    let e = client
        .post_password_exempt_contract_contracts_service_provider_pre_entrust_sign_pay_redirect_sign(sp_redirect("sp-2", &placed.prepay_id))
        .await
        .unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("prepay_id"),
        "the order is the merchant's own, not the sub-merchant's"
    );
    let answer = client
        .post_password_exempt_contract_contracts_service_provider_pre_entrust_sign_pay_redirect_sign(sp_redirect("sp-2", &sub_order.prepay_id))
        .await
        .unwrap();
    assert_eq!(answer.sub_mchid, "1900000111");
    client
        .post_password_exempt_contract_contracts_qs_pre_entrust_sign_pay_redirect_sign(
            qs::pre_entrust_sign::PayRedirectSign {
                appid: "wxd678efh567hg6787".into(),
                sub_appid: "wxd678efh567hg6999".into(),
                sub_mchid: "1900000111".into(),
                service_id: 7,
                out_contract_code: "qs-2".into(),
                notify_url: notify.clone(),
                contract_display_account: "A".into(),
                prepay_id: sub_order.prepay_id.clone(),
                openid: None,
                sub_openid: None,
            },
        )
        .await
        .unwrap();
    client
        .post_password_exempt_contract_contracts_ecommerce_pre_entrust_sign_pay_redirect_sign(
            ecommerce::pre_entrust_sign::PayRedirectSign {
                appid: "wxd678efh567hg6787".into(),
                service_id: 7,
                out_contract_code: "ec-2".into(),
                notify_url: notify.clone(),
                contract_display_account: "A".into(),
                prepay_id: placed.prepay_id.clone(),
                openid: OPENID.into(),
            },
        )
        .await
        .unwrap();

    // Field checks answer PARAM_ERROR naming the field.
    type Mutation = fn(&mut normal::pre_entrust_sign::MiniProgram);
    let cases: [(Mutation, &str); 5] = [
        (|r| r.openid = String::new(), "openid"),
        (|r| r.service_id = 0, "service_id"),
        (
            |r| r.notify_url = "http://insecure.example/n".into(),
            "notify_url",
        ),
        (
            |r| r.out_contract_code = "x".repeat(65),
            "out_contract_code",
        ),
        (|r| r.appid = String::new(), "appid"),
    ];
    for (mutate, field) in cases {
        let mut r = pre_sign_request(7, "checked");
        mutate(&mut r);
        let e = client
            .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(r)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("PARAM_ERROR"), "{field}: {e}");
        assert_eq!(e.as_api().unwrap().detail_field(), Some(field), "{e}");
    }

    // A signed contract number cannot be pre-signed again; a pending one can.
    let first = pre_sign(&client, 8, "again").await;
    let second = pre_sign(&client, 8, "again").await;
    assert_ne!(first.pre_entrustweb_id, second.pre_entrustweb_id);
    sandbox.sign_pre_entrust(&second.pre_entrustweb_id).unwrap();
    let e = client
        .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(
            pre_sign_request(8, "again"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"));
}

#[tokio::test]
async fn the_control_plane_over_http() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let code = "http/control 1";
    let presign = pre_sign(&client, SERVICE_ID, code).await;

    let (status, contract) = control(
        &sandbox,
        Method::GET,
        &format!("/sandbox/contracts/{mchid}/{SERVICE_ID}/http%2Fcontrol%201"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contract["state"], "PENDING");
    assert_eq!(contract["key"]["out_contract_code"], code);

    let (status, contract) = control(
        &sandbox,
        Method::POST,
        &format!(
            "/sandbox/contracts/pre-entrust/{}/sign",
            presign.pre_entrustweb_id
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{contract}");
    assert_eq!(contract["state"], "SIGNED");
    let (status, again) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/contracts/{mchid}/{SERVICE_ID}/http%2Fcontrol%201/sign"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], "INVALID_STATE");

    let no = trade_no("http");
    client
        .post_pay_transactions_jsapi_with_contract(order_under(
            &mchid,
            &no,
            by_token(&presign.pre_entrustweb_id),
        ))
        .await
        .unwrap();
    let (status, order) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/orders/{mchid}/{no}/pay"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["trade_state"], "SUCCESS");
    assert!(order["transaction_id"].is_string());
    let (status, _) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/orders/{mchid}/{no}/pay"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "paid orders cannot be paid again"
    );
    let (status, missing) = control(
        &sandbox,
        Method::GET,
        &format!("/sandbox/orders/{mchid}/NO_SUCH_ORDER"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["code"], "NOT_FOUND");

    let out_refund_no = format!("R{no}");
    client
        .post_refund_domestic_refunds(PostRefunds {
            funds_account: Some(FundsAccount::Available),
            ..refund_request(&no, &out_refund_no, 100)
        })
        .await
        .unwrap();
    let (status, bad) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/refunds/{mchid}/{out_refund_no}/settle"),
        Some(serde_json::json!({"status": "MAYBE"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    let (status, settled) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/refunds/{mchid}/{out_refund_no}/settle"),
        Some(serde_json::json!({"status": "ABNORMAL"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settled}");
    let refund = client
        .get_refund_domestic_refunds_out_refund_no(GetRefunds {
            out_refund_no: out_refund_no.clone(),
            sub_mchid: None,
        })
        .await
        .unwrap();
    assert_eq!(refund.status, RefundStatus::Abnormal);
    assert_eq!(refund.funds_account, Some(FundsAccount::Available));
    let (status, settled) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/refunds/{mchid}/{out_refund_no}/settle"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settled["status"], "SUCCESS");
    let (status, stored) = control(
        &sandbox,
        Method::GET,
        &format!("/sandbox/refunds/{mchid}/{out_refund_no}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["refund"], 100);
    assert_eq!(stored["status"], "SUCCESS");
}
