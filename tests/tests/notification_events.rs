//! Every notification event type of the platform's list, end to end: the
//! sandbox sends its example (`POST /sandbox/notifications`,
//! `Sandbox::send_notification`) over real HTTP to an axum receiver that
//! verifies it with `VerifiedNotification`, and the typed event carries the
//! example's fields. The list is read from the spec at test time, so a new
//! event type there fails here until it has a model and an example.

mod common;

use std::time::Duration;

use common::receiver::{self, Seen};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wxpay::prelude::*;
use wxpay_core::notify::{Event, NotifyError};
use wxpay_sandbox::{DeliveryState, Sandbox, SandboxError};

const WAIT: Duration = Duration::from_secs(10);
const NOTIFY_URL: &str = "https://shop.example.com/wxpay/events";
const NOTIFY_PATH: &str = "/wxpay/events";

/// The spec file that lists the event types.
const WEBHOOKS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/spec/wechatpay-openapi/docs/v3/webhooks.yaml"
);

/// The values of `WechatpayNotificationEventType`'s `enum` in the spec.
fn spec_event_types() -> Vec<String> {
    let text = std::fs::read_to_string(WEBHOOKS).expect("the spec's webhooks.yaml is readable");
    let (_, definition) = text
        .split_once("\nWechatpayNotificationEventType:")
        .expect("the spec defines WechatpayNotificationEventType");
    let (_, list) = definition
        .split_once("\n  enum:\n")
        .expect("the event type has an enum");
    let types: Vec<String> = list
        .lines()
        .take_while(|l| l.trim().is_empty() || l.starts_with("    "))
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_owned())
        .collect();
    assert!(types.len() >= 58, "{types:?}");
    types
}

/// The typed resource of `event` as JSON; `None` for `Other`.
fn typed_resource(event: &Event) -> Option<Value> {
    macro_rules! typed {
        ($($variant:ident),* $(,)?) => {
            match event {
                $( Event::$variant(model) => Some(serde_json::to_value(model).unwrap()), )*
                _ => None,
            }
        };
    }
    typed!(
        TransactionSuccess,
        PartnerTransactionSuccess,
        CombineTransactionSuccess,
        RefundSuccess,
        RefundAbnormal,
        RefundClosed,
        MallAuthActivateCard,
        MallTransactionSuccess,
        MallRefundSuccess,
        TransactionFail,
        EcommerceEntrustSign,
        EcommerceEntrustTerminate,
        EntrustSigning,
        EntrustRelease,
        EntrustTerminateRetention,
        ProfitSharing,
        ProfitSharingReturn,
        ComplaintCreate,
        ComplaintStateChange,
        CouponUse,
        CouponSend,
        TransactionIndustrySuccess,
        TransactionIndustryFailed,
        EduSchoolPayUserDebtStateUpdate,
        PayScoreBindServiceAccount,
        PayScoreUserSignPlan,
        PayScoreUserCancelSignPlan,
        PayScoreUserOpenService,
        PayScoreUserCloseService,
        PayScoreUserConfirm,
        PayScoreUserPaid,
        DiscountCardGetCard,
        DiscountCardSettlement,
        DiscountCardUserAccepted,
        DiscountCardAgreementEnded,
        DiscountCardUserPaid,
        MemberCardAcceptCard,
        MemberCardActivateCard,
        MemberCardUserCardManage,
        HirePowerBankReceiveInsurance,
        RechargeSuccess,
        RechargeClosed,
        ApplymentStateApproved,
        PapaySign,
        PapayTerminate,
        FacepayUserStateChange,
        SettlementSuccess,
        MchWithdrawChange,
        MchTransferQqWalletBillFinished,
        MchTransferAuthorizationConfirmed,
        MemberCardSpUserCardCreate,
        MemberCardSpUserCardDelete,
        BudgetLocked,
        BudgetClosed,
        BudgetFinished,
        WebizpayQuotaCardExpired,
        WebizpayPaymentSuccess,
        WebizpayPaymentRefundSuccess,
        WebizpayRevoked,
        WebizpayAuthorized
    )
}

/// A sandbox delivering to a local receiver, and what the receiver sees.
async fn setup() -> (Sandbox, Client, mpsc::UnboundedReceiver<Seen>) {
    let sandbox = Sandbox::builder()
        .notify_time_scale(0.01)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let (url, rx) = receiver::listen(&client, &[NOTIFY_PATH]).await;
    sandbox.set_notify_target(Some(&url)).unwrap();
    (sandbox, client, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("the receiver got a notification in time")
        .expect("the receiver is running")
}

#[tokio::test]
async fn every_event_type_of_the_spec_arrives_typed_with_the_examples_fields() {
    let (sandbox, _client, mut rx) = setup().await;
    let listed = spec_event_types();
    for event_type in &listed {
        assert!(
            Event::TYPED.contains(&event_type.as_str()),
            "{event_type} has no typed variant"
        );
        let id = sandbox
            .send_notification(event_type, NOTIFY_URL, None)
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        let n = next(&mut rx)
            .await
            .unwrap_or_else(|e| panic!("{event_type}: {e:?}"));
        assert_eq!(n.id(), id);
        assert_eq!(n.event_type(), event_type);
        assert_eq!(n.event.event_type(), event_type);
        let record = sandbox.notification(&id).unwrap();
        assert!(
            record.resource.as_object().is_some_and(|o| !o.is_empty()),
            "{event_type}: {record:?}"
        );
        let typed = typed_resource(&n.event)
            .unwrap_or_else(|| panic!("{event_type} arrived untyped: {:?}", n.event));
        // Every field of the example survives the model.
        assert_eq!(typed, record.resource, "{event_type}");
        assert!(
            n.envelope
                .original_type
                .as_deref()
                .is_some_and(|t| !t.is_empty()),
            "{event_type}"
        );
        assert_eq!(n.envelope.summary.as_deref(), Some(record.summary.as_str()));
    }
    // Each was accepted on its first attempt.
    for record in sandbox.notifications() {
        let record = sandbox
            .wait_for_notification(
                |r| r.id == record.id && r.state == DeliveryState::Delivered,
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(record.attempts.len(), 1, "{record:?}");
    }
    assert_eq!(sandbox.notifications().len(), listed.len());
}

#[tokio::test]
async fn the_control_route_sends_with_a_resource_summary_and_merchant_of_choice() {
    let (sandbox, client, mut rx) = setup().await;
    let complaint =
        json!({"complaint_id": "200201820261127000000001", "action_type": "USER_RESPONSE"});
    let (status, answer) = common::control(
        &sandbox,
        Method::POST,
        "/sandbox/notifications",
        Some(json!({
            "event_type": "COMPLAINT.STATE_CHANGE",
            "notify_url": NOTIFY_URL,
            "resource": complaint,
            "summary": "投诉单有新留言",
            "mchid": client.mchid(),
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let n = next(&mut rx).await.unwrap();
    assert_eq!(Some(n.id()), answer["id"].as_str());
    assert_eq!(n.envelope.summary.as_deref(), Some("投诉单有新留言"));
    assert_eq!(n.envelope.original_type.as_deref(), Some("complaint"));
    let Event::ComplaintStateChange(c) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(c.complaint_id, "200201820261127000000001");
    assert_eq!(
        c.action_type.as_ref().map(|a| a.as_str()),
        Some("USER_RESPONSE")
    );
    let listed = common::control(&sandbox, Method::GET, "/sandbox/notifications", None)
        .await
        .1;
    assert_eq!(listed[0]["event_type"], "COMPLAINT.STATE_CHANGE");
    assert_eq!(listed[0]["resource"], complaint);

    // A combined payment, sent with its resource, is typed by its shape.
    sandbox
        .send_notification(
            "TRANSACTION.SUCCESS",
            NOTIFY_URL,
            Some(json!({
                "combine_appid": "wxd678efh567hg6787", "combine_mchid": client.mchid(),
                "combine_out_trade_no": "C20261127001",
                "combine_transaction_id": "4200000000202611270000000101",
                "sub_orders": [{"mchid": client.mchid(), "out_trade_no": "S1",
                    "trade_state": "SUCCESS", "trade_type": "JSAPI",
                    "transaction_id": "4200000000202611270000000102",
                    "amount": {"total_amount": 10, "payer_amount": 10, "currency": "CNY"}}],
                "combine_payer_info": {"openid": common::OPENID}
            })),
        )
        .unwrap();
    let n = next(&mut rx).await.unwrap();
    let Event::CombineTransactionSuccess(t) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(t.combine_out_trade_no, "C20261127001");
    assert_eq!(t.sub_orders.as_ref().unwrap()[0].out_trade_no, "S1");
}

#[tokio::test]
async fn a_resource_that_does_not_fit_is_a_decode_error_without_its_data() {
    let (sandbox, _client, mut rx) = setup().await;
    let id = sandbox
        .send_notification(
            "PROFITSHARING",
            NOTIFY_URL,
            Some(json!({
                "sp_mchid": "1230000109", "sub_mchid": "1900000109",
                "transaction_id": "4200000000202611270000000001",
                "order_id": "3008450740201411110007820472", "out_order_no": "P1",
                "receiver": {"type": "MERCHANT_ID", "account": "SECRET-ACCOUNT",
                             "amount": "SECRET-AMOUNT", "description": "d"}
            })),
        )
        .unwrap();
    let e = next(&mut rx).await.unwrap_err();
    let NotifyError::Decode {
        event_type,
        model,
        reason,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(event_type, "PROFITSHARING");
    assert_eq!(*model, "ProfitSharingNotification");
    assert_eq!(reason, "invalid type, expected i64");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    // Refused, so the sandbox tries again.
    let record = sandbox
        .wait_for_notification(|r| r.id == id && r.attempts.len() >= 2, WAIT)
        .await
        .unwrap();
    assert_eq!(record.attempts[0].status, Some(500));
    assert_eq!(record.state, DeliveryState::Pending);
}

#[tokio::test]
async fn an_unknown_event_type_arrives_as_other_and_needs_a_resource() {
    let (sandbox, client, mut rx) = setup().await;
    let resource = json!({"out_trade_no": "MI1", "anything": [1, 2, {"x": null}]});
    sandbox
        .send_notification(
            "MEDICAL_INSURANCE.SUCCESS",
            NOTIFY_URL,
            Some(resource.clone()),
        )
        .unwrap();
    let n = next(&mut rx).await.unwrap();
    assert_eq!(
        n.event,
        Event::Other {
            event_type: "MEDICAL_INSURANCE.SUCCESS".into(),
            resource
        }
    );
    assert_eq!(
        n.envelope.original_type.as_deref(),
        Some("medical_insurance")
    );

    // Without a resource there is nothing to send.
    let e = sandbox
        .send_notification("MEDICAL_INSURANCE.SUCCESS", NOTIFY_URL, None)
        .unwrap_err();
    assert!(matches!(e, SandboxError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("\"resource\""), "{e}");
    let (status, answer) = common::control(
        &sandbox,
        Method::POST,
        "/sandbox/notifications",
        Some(json!({"event_type": "NO_SUCH.EVENT", "notify_url": NOTIFY_URL})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "PARAM_ERROR");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("NO_SUCH.EVENT") && m.contains("resource")),
        "{answer}"
    );
    // Nor to a merchant the sandbox does not know, nor a malformed type.
    let (status, answer) = common::control(
        &sandbox,
        Method::POST,
        "/sandbox/notifications",
        Some(json!({"event_type": "COUPON.USE", "notify_url": NOTIFY_URL, "mchid": "1999999999"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, _) = common::control(
        &sandbox,
        Method::POST,
        "/sandbox/notifications",
        Some(json!({"event_type": "COUPON USE", "notify_url": NOTIFY_URL})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Only the one with a resource was sent.
    assert_eq!(sandbox.notifications().len(), 1);
    assert_eq!(client.mchid(), sandbox.merchant().unwrap().mchid);
}
