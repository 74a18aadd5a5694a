//! What is notified: the events, their resources, and the sealed envelope.

use serde_json::{Map, Value, json};
use wxpay_core::crypto::ApiV3Key;
use wxpay_core::protocol::Nonce;
use wxpay_core::v2::V2Key;

use crate::lock::Recover;
use crate::server::Shared;
use crate::state::{
    CombinedOrder, Contract, ContractState, Order, Refund, RefundStatus, compact_time,
};
use crate::time::{format_china, now_unix};
use crate::v2::{V2NotifyTo, V2RefundTo};

/// A notification to make.
pub(super) struct NewEvent<'a> {
    pub(super) event_type: &'a str,
    pub(super) summary: &'a str,
    pub(super) original_type: &'a str,
    pub(super) mchid: String,
    pub(super) notify_url: Option<String>,
    pub(super) resource: Value,
    pub(super) probe: bool,
}

/// The envelope with the resource encrypted for the merchant.
pub(super) fn seal(
    shared: &Shared,
    event: &NewEvent<'_>,
    id: &str,
    now: i64,
) -> Result<String, String> {
    if event.notify_url.is_none() {
        return Err(
            "no notify_url: the refund named none and no default is set (SandboxBuilder::refund_notify_url)"
                .into(),
        );
    }
    let merchant = shared
        .merchant(&event.mchid)
        .ok_or_else(|| format!("the sandbox does not know merchant {}", event.mchid))?;
    let key = ApiV3Key::new(&merchant.apiv3_key).map_err(|e| e.to_string())?;
    let nonce: String = Nonce::generate()
        .map_err(|e| e.to_string())?
        .to_string()
        .chars()
        .take(12)
        .collect();
    let ciphertext = key
        .encrypt(
            nonce.as_bytes(),
            event.original_type.as_bytes(),
            event.resource.to_string().as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    // Written field by field, in the platform's order (as in the known-answer
    // vector), rather than by serde_json, whose maps sort their keys: a
    // receiver that re-serialises the body then really gets other bytes.
    let text = |s: &str| Value::from(s).to_string();
    Ok(format!(
        r#"{{"id":{},"create_time":{},"resource_type":"encrypt-resource","event_type":{},"summary":{},"resource":{{"original_type":{},"algorithm":{},"ciphertext":{},"associated_data":{},"nonce":{}}}}}"#,
        text(id),
        text(&format_china(now)),
        text(event.event_type),
        text(event.summary),
        text(event.original_type),
        text(wxpay_core::notify::RESOURCE_ALGORITHM),
        text(&ciphertext),
        text(event.original_type),
        text(&nonce),
    ))
}

/// `TRANSACTION.SUCCESS` for a paid order.
pub(crate) fn order_paid(shared: &Shared, order: &Order) {
    let event = NewEvent {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        mchid: order
            .sp_mchid
            .clone()
            .unwrap_or_else(|| order.mchid.clone()),
        notify_url: Some(order.notify_url.clone()),
        resource: crate::api::orders::transaction_json(order),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// An APIv2 notification to make: what its record says.
pub(super) struct V2Event<'a> {
    pub(super) event_type: &'a str,
    pub(super) summary: &'a str,
    pub(super) mchid: String,
    pub(super) notify_url: String,
}

/// The APIv2 payment result of a paid unified order, to the `notify_url`
/// it was placed with, signed with the merchant's v2 key.
pub(crate) fn v2_order_paid(shared: &Shared, order: &Order, to: &V2NotifyTo, key: &V2Key) {
    let event = V2Event {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        mchid: order.mchid.clone(),
        notify_url: to.url.clone(),
    };
    let sealed = crate::v2::payment_notification(order, to, key);
    shared.notifier.enqueue_v2(event, Ok(sealed));
}

/// The APIv2 result of a settled v2 refund, to the `notify_url` the refund
/// named (none: not notified), `req_info` sealed with the merchant's v2 key.
pub(crate) fn v2_refund_settled(
    shared: &Shared,
    refund: &Refund,
    to: &V2RefundTo,
    key: Option<&V2Key>,
) {
    let (Some((event_type, summary)), Some(url)) = (refund_event(refund.status), &to.url) else {
        return;
    };
    let event = V2Event {
        event_type,
        summary,
        mchid: refund.mchid.clone(),
        notify_url: url.clone(),
    };
    let sealed = match key {
        Some(key) => crate::v2::refund_notification(refund, to, key),
        None => Err(format!(
            "the sandbox has no v2 key for merchant {}",
            refund.mchid
        )),
    };
    shared.notifier.enqueue_v2(event, sealed);
}

/// The event type and summary of a settled refund's notification (none
/// while it is processing).
fn refund_event(status: RefundStatus) -> Option<(&'static str, &'static str)> {
    match status {
        RefundStatus::Success => Some(("REFUND.SUCCESS", "退款成功")),
        RefundStatus::Closed => Some(("REFUND.CLOSED", "退款关闭")),
        RefundStatus::Abnormal => Some(("REFUND.ABNORMAL", "退款异常")),
        RefundStatus::Processing => None,
    }
}

/// `TRANSACTION.SUCCESS` for a paid combined order: one notification for
/// all its sub-orders (`subs`), to the combined `notify_url`, encrypted for
/// `combine_mchid`; the resource is what the combined query answers. A
/// combined order placed without `notify_url` is not notified.
pub(crate) fn combined_order_paid(shared: &Shared, combined: &CombinedOrder, subs: &[Order]) {
    let Some(notify_url) = combined.notify_url.clone() else {
        return;
    };
    let event = NewEvent {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        mchid: combined.combine_mchid.clone(),
        notify_url: Some(notify_url),
        resource: crate::api::combine::combined_json(combined, subs),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// `REFUND.SUCCESS`, `REFUND.CLOSED` or `REFUND.ABNORMAL` for a settled refund.
pub(crate) fn refund_settled(shared: &Shared, refund: &Refund) {
    let Some((event_type, summary)) = refund_event(refund.status) else {
        return;
    };
    let notify_url = refund
        .notify_url
        .clone()
        .or_else(|| shared.notifier.config().refund_notify_url);
    let event = NewEvent {
        event_type,
        summary,
        original_type: "refund",
        mchid: refund
            .sp_mchid
            .clone()
            .unwrap_or_else(|| refund.mchid.clone()),
        notify_url,
        resource: refund_resource(refund),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// `PAPAY.SIGN` or `PAPAY.TERMINATE` for a contract that was signed or terminated.
pub(crate) fn contract_changed(shared: &Shared, contract: &Contract) {
    let (event_type, summary) = match contract.state {
        ContractState::Signed => ("PAPAY.SIGN", "签约成功"),
        ContractState::Terminated => ("PAPAY.TERMINATE", "解约成功"),
        ContractState::Pending => return,
    };
    let event = NewEvent {
        event_type,
        summary,
        original_type: "papay",
        mchid: contract.key.mchid.clone(),
        notify_url: Some(contract.notify_url.clone()),
        resource: crate::api::contracts::contract_json(contract),
        probe: false,
    };
    shared.notifier.enqueue(shared, event);
}

/// A probe to `notify_url`: a real-looking payment notification with a
/// signature no key verifies.
pub(crate) fn probe(shared: &Shared, notify_url: &str) -> String {
    let mchid = shared
        .merchants
        .read()
        .recover()
        .keys()
        .next()
        .cloned()
        .unwrap_or_default();
    let now = now_unix();
    let resource = json!({
        "mchid": mchid, "appid": "wxd678efh567hg6787",
        "out_trade_no": format!("PROBE{now}"), "transaction_id": format!("4200000000{}", compact_time(now)),
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "payment succeeded",
        "bank_type": "OTHERS", "success_time": format_china(now),
        "payer": {"openid": "oSandboxProbe"},
        "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
    });
    let event = NewEvent {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
        mchid,
        notify_url: Some(notify_url.to_owned()),
        resource,
        probe: true,
    };
    shared.notifier.enqueue(shared, event)
}

/// What a refund notification carries.
fn refund_resource(r: &Refund) -> Value {
    let mut v = Map::new();
    match &r.sp_mchid {
        Some(sp) => {
            v.insert("sp_mchid".into(), json!(sp));
            v.insert("sub_mchid".into(), json!(r.mchid));
        }
        None => {
            v.insert("mchid".into(), json!(r.mchid));
        }
    }
    v.insert("out_trade_no".into(), json!(r.out_trade_no));
    v.insert("transaction_id".into(), json!(r.transaction_id));
    v.insert("out_refund_no".into(), json!(r.out_refund_no));
    v.insert("refund_id".into(), json!(r.refund_id));
    v.insert("refund_status".into(), json!(r.status.as_str()));
    if let Some(t) = r.success_time {
        v.insert("success_time".into(), json!(format_china(t)));
    }
    v.insert(
        "user_received_account".into(),
        json!(r.user_received_account),
    );
    v.insert(
        "amount".into(),
        json!({
            "total": r.total,
            "refund": r.refund,
            "payer_total": r.payer_total,
            "payer_refund": r.refund,
        }),
    );
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        let merchant =
            crate::keys::generated_merchant("1900000109", crate::keys::DEFAULT_APIV3_KEY).unwrap();
        let key = crate::keys::generated_platform_key(crate::keys::DEFAULT_PUBLIC_KEY_ID).unwrap();
        let platform = crate::server::Platform {
            default_serial: key.serial.clone(),
            keys: vec![key],
            retired: Vec::new(),
        };
        Shared::new(
            vec![merchant],
            platform,
            crate::router::Router::default(),
            crate::router::Router::default(),
        )
    }

    fn event(mchid: &str, notify_url: Option<&str>) -> NewEvent<'static> {
        NewEvent {
            event_type: "REFUND.SUCCESS",
            summary: "退款成功",
            original_type: "refund",
            mchid: mchid.into(),
            notify_url: notify_url.map(str::to_owned),
            resource: json!({"out_refund_no": "R\"1", "refund_status": "SUCCESS"}),
            probe: false,
        }
    }

    #[test]
    fn sealed_envelopes_decrypt_and_keep_the_platforms_field_order() {
        let shared = shared();
        let e = event("1900000109", Some("https://example.com/n"));
        let body = seal(&shared, &e, "EV-1", 1_700_000_000).unwrap();
        assert!(
            body.starts_with(
                r#"{"id":"EV-1","create_time":"2023-11-15T06:13:20+08:00","resource_type":"encrypt-resource","event_type":"REFUND.SUCCESS","summary":"退款成功","resource":{"original_type":"refund","algorithm":"AEAD_AES_256_GCM","ciphertext":""#
            ),
            "{body}"
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        let r = &v["resource"];
        let plain = ApiV3Key::new(crate::keys::DEFAULT_APIV3_KEY)
            .unwrap()
            .decrypt(
                r["nonce"].as_str().unwrap().as_bytes(),
                b"refund",
                r["ciphertext"].as_str().unwrap(),
            )
            .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&plain).unwrap(), e.resource);
        assert_eq!(r["nonce"].as_str().unwrap().len(), 12);
        // serde_json sorts keys: the platform's order does not survive a round trip.
        assert_ne!(v.to_string(), body);

        let e = seal(
            &shared,
            &event("1900000999", Some("https://example.com/n")),
            "EV-2",
            0,
        );
        assert!(e.unwrap_err().contains("1900000999"));
        let e = seal(&shared, &event("1900000109", None), "EV-3", 0);
        assert!(e.unwrap_err().contains("refund_notify_url"));
    }
}
