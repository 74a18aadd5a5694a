//! What the page shows, read from the sandbox's state into plain values
//! the templates render (every value is escaped there, except the QR code
//! SVG, which is made here from a `code_url` and holds no other text).

use serde::Serialize;
use serde_json::Value;
use wxpay_core::credentials::Credentials;
use wxpay_core::pay_params::JsapiPayParams;
use wxpay_core::protocol::Nonce;

use crate::lock::Recover;
use crate::notify::{DeliveryState, NotificationRecord, RETRY_SCHEDULE};
use crate::server::Shared;
use crate::state::{
    CombinedOrder, Contract, ContractState, Order, Refund, RefundStatus, State, TradeState, fnv1a,
};
use crate::time::{format_china, parse_rfc3339};

/// A button: a form posting to `url` (with the form token and `fields`).
#[derive(Debug, Serialize)]
pub(crate) struct Action {
    pub(crate) label: &'static str,
    pub(crate) url: String,
    /// `go` (the payer's success), `stop` (failure, closing), or `plain`.
    pub(crate) style: &'static str,
}

impl Action {
    fn new(label: &'static str, style: &'static str, url: String) -> Self {
        Action { label, url, style }
    }
}

/// The merchant the sandbox serves.
#[derive(Debug, Serialize)]
pub(crate) struct MerchantView {
    mchid: String,
    serial: String,
    has_private_key: bool,
}

/// One order row (plain orders and contract orders; sub-orders of
/// combined orders are listed under their combined order).
#[derive(Debug, Serialize)]
pub(crate) struct OrderView {
    mchid: String,
    sp_mchid: Option<String>,
    out_trade_no: String,
    trade_type: String,
    state: &'static str,
    description: String,
    total: String,
    refunded: String,
    transaction_id: Option<String>,
    created: String,
    paid: Option<String>,
    expires: Option<String>,
    contract: Option<String>,
    actions: Vec<Action>,
    code_url: Option<String>,
    qr_svg: Option<String>,
    h5_url: Option<String>,
    pay_params: Option<PayParamsView>,
}

/// The `wx.requestPayment` parameters of a JSAPI order.
#[derive(Debug, Serialize)]
pub(crate) struct PayParamsView {
    json: String,
    signed: bool,
    note: String,
}

/// A combined order with its sub-orders.
#[derive(Debug, Serialize)]
pub(crate) struct CombinedView {
    combine_mchid: String,
    combine_out_trade_no: String,
    kind: &'static str,
    state: String,
    total: String,
    created: String,
    subs: Vec<SubView>,
    actions: Vec<Action>,
    code_url: Option<String>,
    qr_svg: Option<String>,
}

/// One sub-order of a combined order.
#[derive(Debug, Serialize)]
pub(crate) struct SubView {
    mchid: String,
    out_trade_no: String,
    description: String,
    total: String,
    state: &'static str,
}

/// One refund row.
#[derive(Debug, Serialize)]
pub(crate) struct RefundView {
    mchid: String,
    out_refund_no: String,
    out_trade_no: String,
    refund: String,
    total: String,
    status: &'static str,
    reason: Option<String>,
    created: String,
    actions: Vec<Action>,
}

/// One contract row.
#[derive(Debug, Serialize)]
pub(crate) struct ContractView {
    mchid: String,
    service_id: u64,
    out_contract_code: String,
    kind: &'static str,
    scene: &'static str,
    state: &'static str,
    contract_id: Option<String>,
    openid: Option<String>,
    display_account: String,
    created: String,
    actions: Vec<Action>,
}

/// One bill applied for.
#[derive(Debug, Serialize)]
pub(crate) struct BillView {
    token: String,
    mchid: String,
    created: String,
    bytes: usize,
    lines: usize,
    gzip: bool,
    encrypted: bool,
    corrupted: bool,
}

/// One notification with its attempts.
#[derive(Debug, Serialize)]
pub(crate) struct NotificationView {
    id: String,
    event_type: String,
    summary: String,
    notify_url: String,
    state: &'static str,
    error: Option<String>,
    attempts: Vec<AttemptView>,
    next_retry: Option<String>,
    actions: Vec<Action>,
}

/// One delivery attempt.
#[derive(Debug, Serialize)]
pub(crate) struct AttemptView {
    number: usize,
    sent_at: String,
    url: String,
    status: Option<u16>,
    answer: String,
    accepted: bool,
}

/// Everything the live part of the page shows.
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot {
    pub(crate) merchants: Vec<MerchantView>,
    pub(crate) key_mode: String,
    pub(crate) default_serial: String,
    pub(crate) orders: Vec<OrderView>,
    pub(crate) combined: Vec<CombinedView>,
    pub(crate) refunds: Vec<RefundView>,
    pub(crate) contracts: Vec<ContractView>,
    pub(crate) bills: Vec<BillView>,
    pub(crate) notifications: Vec<NotificationView>,
}

/// Reads the sandbox into a [`Snapshot`], as of the platform's clock.
pub(crate) fn snapshot(shared: &Shared) -> Snapshot {
    let now = shared.unix_now();
    let mut merchants: Vec<MerchantView> = shared
        .merchants
        .read()
        .recover()
        .values()
        .map(|m| MerchantView {
            mchid: m.mchid.clone(),
            serial: m.serial.clone(),
            has_private_key: m.private_key.is_some(),
        })
        .collect();
    merchants.sort_by(|a, b| a.mchid.cmp(&b.mchid));
    let platform = shared.platform();
    let certificates = platform.keys.iter().filter(|k| k.is_certificate()).count();
    let public_keys = platform.keys.len() - certificates;
    let key_mode = match (certificates, public_keys) {
        (0, _) => "WeChat Pay public key".to_owned(),
        (_, 0) => format!("platform certificates ({certificates})"),
        _ => format!("mixed: {public_keys} public key, {certificates} certificates"),
    };
    let orders = {
        let state = shared.state();
        order_rows(&state, now)
    };
    let orders = orders.into_iter().map(|o| order_view(shared, &o)).collect();
    let state = shared.state();
    Snapshot {
        merchants,
        key_mode,
        default_serial: platform.default_serial.clone(),
        orders,
        combined: combined_views(&state, now),
        refunds: refund_views(&state),
        contracts: contract_views(&state),
        bills: bill_views(&state),
        notifications: Vec::new(),
    }
}

/// Orders that are not sub-orders of a combined order, newest first.
fn order_rows(state: &State, now: i64) -> Vec<Order> {
    let mut rows: Vec<Order> = state
        .orders
        .values()
        .filter(|o| state.combined_parent(&o.mchid, &o.out_trade_no).is_none())
        .cloned()
        .map(|mut o| {
            // As the next look-up will see it: unpaid past `time_expire` reads CLOSED.
            if o.trade_state == TradeState::Notpay && o.time_expire().is_some_and(|t| t <= now) {
                o.trade_state = TradeState::Closed;
            }
            o
        })
        .collect();
    rows.sort_by(|a, b| (b.created_at, &b.out_trade_no).cmp(&(a.created_at, &a.out_trade_no)));
    rows
}

/// `¥12.34` from fen.
pub(crate) fn yuan(fen: i64, currency: &str) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let symbol = if currency == "CNY" { "¥" } else { "" };
    let suffix = if currency == "CNY" || currency.is_empty() {
        String::new()
    } else {
        format!(" {currency}")
    };
    format!("{sign}{symbol}{}.{:02}{suffix}", abs / 100, abs % 100)
}

/// A path segment, percent-encoded (everything but unreserved characters).
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn order_actions(o: &Order) -> Vec<Action> {
    let control = format!(
        "/dashboard/sandbox/orders/{}/{}",
        segment(&o.mchid),
        segment(&o.out_trade_no)
    );
    let close = format!(
        "/dashboard/merchant/orders/{}/{}/close",
        segment(&o.mchid),
        segment(&o.out_trade_no)
    );
    match o.trade_state {
        TradeState::Notpay | TradeState::Userpaying => vec![
            Action::new("Pay", "go", format!("{control}/pay")),
            Action::new("Fail", "stop", format!("{control}/fail")),
            Action::new("Let expire", "plain", format!("{control}/expire")),
            Action::new("Close", "plain", close),
        ],
        TradeState::Payerror => vec![Action::new("Close", "plain", close)],
        _ => Vec::new(),
    }
}

fn order_view(shared: &Shared, o: &Order) -> OrderView {
    let code_url = (o.trade_type == "NATIVE").then(|| crate::api::pay::code_url(&o.prepay_id));
    let pay_params = (o.trade_type == "JSAPI" && o.trade_state == TradeState::Notpay)
        .then(|| jsapi_params(shared, o));
    OrderView {
        mchid: o.mchid.clone(),
        sp_mchid: o.sp_mchid.clone(),
        out_trade_no: o.out_trade_no.clone(),
        trade_type: o.trade_type.clone(),
        state: o.trade_state.as_str(),
        description: o.description.clone(),
        total: yuan(o.total, &o.currency),
        refunded: yuan(o.refunded, &o.currency),
        transaction_id: o.transaction_id.clone(),
        created: format_china(o.created_at),
        paid: o.success_time.map(format_china),
        expires: o.time_expire().map(format_china),
        contract: o
            .contract
            .as_ref()
            .map(|k| format!("{} / {}", k.service_id, k.out_contract_code)),
        actions: order_actions(o),
        qr_svg: code_url.as_deref().and_then(qr_svg),
        code_url,
        h5_url: (o.trade_type == "MWEB").then(|| crate::api::pay::h5_url(&o.prepay_id)),
        pay_params,
    }
}

/// The parameters the merchant's server would hand a front end for this
/// order, signed as `Client::jsapi_pay_params` signs them when the sandbox
/// holds the signing merchant's private key.
fn jsapi_params(shared: &Shared, o: &Order) -> PayParamsView {
    let appid = o.sub_appid.clone().unwrap_or_else(|| o.appid.clone());
    let signer = o.sp_mchid.as_deref().unwrap_or(&o.mchid);
    let merchant = shared.merchant(signer);
    // Made as at placing, with a nonce drawn from the prepay_id: the same
    // on every look, so the page does not change while nothing happens.
    let nonce = format!(
        "{:016x}{:016x}",
        fnv1a(&o.prepay_id),
        fnv1a(&format!("{}/nonce", o.prepay_id))
    );
    let nonce = Nonce::from_str_exact(&nonce);
    let signed = merchant.as_ref().and_then(|m| {
        let nonce = nonce.as_ref()?;
        let key = m.private_key.clone()?;
        let credentials = Credentials::new(&m.mchid, &m.serial, key).ok()?;
        JsapiPayParams::sign(&credentials, &appid, &o.prepay_id, o.created_at, nonce).ok()
    });
    match signed {
        Some(params) => PayParamsView {
            json: serde_json::to_string_pretty(&params).unwrap_or_default(),
            signed: true,
            note: format!("signed with the private key of merchant {signer}"),
        },
        None => {
            let unsigned = serde_json::json!({
                "appId": appid,
                "timeStamp": o.created_at.to_string(),
                "nonceStr": "…",
                "package": format!("prepay_id={}", o.prepay_id),
                "signType": "RSA",
                "paySign": "…",
            });
            PayParamsView {
                json: serde_json::to_string_pretty(&unsigned).unwrap_or_default(),
                signed: false,
                note: format!(
                    "unsigned: the sandbox does not hold the private key of merchant {signer}"
                ),
            }
        }
    }
}

/// A `code_url` as an SVG QR code.
fn qr_svg(code_url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(code_url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(148, 148)
        .quiet_zone(true)
        .build();
    // Inline in HTML: the element without the XML declaration before it.
    let start = svg.find("<svg")?;
    svg.get(start..).map(str::to_owned)
}

fn combined_views(state: &State, now: i64) -> Vec<CombinedView> {
    let mut list: Vec<&CombinedOrder> = state.combined_orders.values().collect();
    list.sort_by(|a, b| {
        (b.created_at, &b.combine_out_trade_no).cmp(&(a.created_at, &a.combine_out_trade_no))
    });
    list.into_iter()
        .map(|c| combined_view(state, c, now))
        .collect()
}

fn combined_view(state: &State, c: &CombinedOrder, now: i64) -> CombinedView {
    let overdue = c.time_expire.is_some_and(|t| t <= now);
    let subs: Vec<SubView> = c
        .sub_orders
        .iter()
        .filter_map(|s| state.orders.get(&s.order_key()))
        .map(|o| SubView {
            mchid: o.mchid.clone(),
            out_trade_no: o.out_trade_no.clone(),
            description: o.description.clone(),
            total: yuan(o.total, &o.currency),
            state: if overdue && o.trade_state == TradeState::Notpay {
                TradeState::Closed.as_str()
            } else {
                o.trade_state.as_str()
            },
        })
        .collect();
    let mut states: Vec<&str> = subs.iter().map(|s| s.state).collect();
    states.dedup();
    let unpaid = !states.is_empty() && states.iter().all(|s| *s == "NOTPAY");
    let total: i64 = c
        .sub_orders
        .iter()
        .filter_map(|s| state.orders.get(&s.order_key()))
        .map(|o| o.total)
        .sum();
    let base = format!(
        "/dashboard/sandbox/combine-orders/{}/{}",
        segment(&c.combine_mchid),
        segment(&c.combine_out_trade_no)
    );
    let close = format!(
        "/dashboard/merchant/combine-orders/{}/{}/close",
        segment(&c.combine_mchid),
        segment(&c.combine_out_trade_no)
    );
    let actions = if unpaid {
        vec![
            Action::new("Pay", "go", format!("{base}/pay")),
            Action::new("Fail", "stop", format!("{base}/fail")),
            Action::new("Let expire", "plain", format!("{base}/expire")),
            Action::new("Close", "plain", close),
        ]
    } else if states.contains(&"PAYERROR") {
        vec![Action::new("Close", "plain", close)]
    } else {
        Vec::new()
    };
    let code_url = c
        .answer
        .get("code_url")
        .and_then(Value::as_str)
        .map(str::to_owned);
    CombinedView {
        combine_mchid: c.combine_mchid.clone(),
        combine_out_trade_no: c.combine_out_trade_no.clone(),
        kind: c.kind,
        state: states.join(", "),
        total: yuan(total, "CNY"),
        created: format_china(c.created_at),
        subs,
        actions,
        qr_svg: code_url.as_deref().filter(|_| unpaid).and_then(qr_svg),
        code_url,
    }
}

fn refund_views(state: &State) -> Vec<RefundView> {
    let mut list: Vec<&Refund> = state.refunds.values().collect();
    list.sort_by(|a, b| (b.created_at, &b.out_refund_no).cmp(&(a.created_at, &a.out_refund_no)));
    list.into_iter()
        .map(|r| {
            let base = format!(
                "/dashboard/sandbox/refunds/{}/{}/settle",
                segment(&r.mchid),
                segment(&r.out_refund_no)
            );
            let actions = match r.status {
                RefundStatus::Processing => vec![
                    Action::new("Accept", "go", format!("{base}?status=SUCCESS")),
                    Action::new("Fail", "stop", format!("{base}?status=ABNORMAL")),
                    Action::new("Close", "plain", format!("{base}?status=CLOSED")),
                ],
                RefundStatus::Abnormal => vec![
                    Action::new("Accept", "go", format!("{base}?status=SUCCESS")),
                    Action::new("Close", "plain", format!("{base}?status=CLOSED")),
                ],
                _ => Vec::new(),
            };
            RefundView {
                mchid: r.mchid.clone(),
                out_refund_no: r.out_refund_no.clone(),
                out_trade_no: r.out_trade_no.clone(),
                refund: yuan(r.refund, &r.currency),
                total: yuan(r.total, &r.currency),
                status: r.status.as_str(),
                reason: r.reason.clone(),
                created: format_china(r.created_at),
                actions,
            }
        })
        .collect()
}

fn contract_views(state: &State) -> Vec<ContractView> {
    let mut list: Vec<&Contract> = state.contracts.values().collect();
    list.sort_by(|a, b| {
        (b.created_at, &b.key.out_contract_code).cmp(&(a.created_at, &a.key.out_contract_code))
    });
    list.into_iter()
        .map(|c| {
            let path = format!(
                "{}/{}/{}",
                segment(&c.key.mchid),
                c.key.service_id,
                segment(&c.key.out_contract_code)
            );
            let actions = match c.state {
                ContractState::Pending => vec![Action::new(
                    "Sign",
                    "go",
                    format!("/dashboard/sandbox/contracts/{path}/sign"),
                )],
                ContractState::Signed => vec![Action::new(
                    "Terminate",
                    "stop",
                    format!("/dashboard/merchant/contracts/{path}/terminate"),
                )],
                ContractState::Terminated => Vec::new(),
            };
            ContractView {
                mchid: c.key.mchid.clone(),
                service_id: c.key.service_id,
                out_contract_code: c.key.out_contract_code.clone(),
                kind: c.kind,
                scene: c.scene,
                state: match c.state {
                    ContractState::Pending => "PENDING",
                    ContractState::Signed => "SIGNED",
                    ContractState::Terminated => "TERMINATED",
                },
                contract_id: c.contract_id.clone(),
                openid: c.openid.clone(),
                display_account: c.contract_display_account.clone(),
                created: format_china(c.created_at),
                actions,
            }
        })
        .collect()
}

fn bill_views(state: &State) -> Vec<BillView> {
    let mut list: Vec<BillView> = state
        .bills
        .iter()
        .map(|(token, b)| BillView {
            token: token.clone(),
            mchid: b.mchid.clone(),
            created: format_china(b.created_at),
            bytes: b.content.len(),
            lines: b
                .content
                .split(|&c| c == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            gzip: b.gzip,
            encrypted: b.encryption.is_some(),
            corrupted: b.corrupted,
        })
        .collect();
    list.sort_by(|a, b| (&b.created, &b.token).cmp(&(&a.created, &a.token)));
    list
}

/// Notifications, newest first, with when the next retry is due.
pub(crate) fn notification_views(
    records: Vec<NotificationRecord>,
    time_scale: f64,
) -> Vec<NotificationView> {
    records
        .into_iter()
        .rev()
        .map(|r| {
            let next_retry = next_retry(&r, time_scale);
            let actions = if r.body.is_empty() {
                Vec::new()
            } else {
                vec![Action::new(
                    "Redeliver now",
                    "plain",
                    format!(
                        "/dashboard/sandbox/notifications/{}/redeliver",
                        segment(&r.id)
                    ),
                )]
            };
            NotificationView {
                state: match r.state {
                    DeliveryState::Pending => "PENDING",
                    DeliveryState::Delivered => "DELIVERED",
                    _ => "FAILED",
                },
                attempts: r
                    .attempts
                    .iter()
                    .map(|a| AttemptView {
                        number: a.number,
                        sent_at: a.sent_at.clone(),
                        url: a.url.clone(),
                        status: a.status,
                        answer: a.error.clone().unwrap_or_else(|| a.body.clone()),
                        accepted: a.accepted,
                    })
                    .collect(),
                id: r.id,
                event_type: if r.v2 {
                    format!("{} (APIv2)", r.event_type)
                } else {
                    r.event_type
                },
                summary: r.summary,
                notify_url: r.notify_url,
                error: r.error,
                next_retry,
                actions,
            }
        })
        .collect()
}

/// When the next attempt of a pending notification is due, as the
/// delivery task schedules it: the retry schedule (scaled) after the last
/// attempt. A probe is tried once.
fn next_retry(r: &NotificationRecord, time_scale: f64) -> Option<String> {
    if r.state != DeliveryState::Pending || r.probe {
        return None;
    }
    let Some(last) = r.attempts.last() else {
        return Some("first attempt under way".to_owned());
    };
    let wait = RETRY_SCHEDULE
        .get(r.attempts.len() - 1)?
        .mul_f64(time_scale);
    let sent = parse_rfc3339(&last.sent_at)?;
    let due = sent.saturating_add(i64::try_from(wait.as_secs()).unwrap_or(i64::MAX));
    Some(format!(
        "{} (after {:.1} s)",
        format_china(due),
        wait.as_secs_f64()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_segments() {
        assert_eq!(yuan(1288, "CNY"), "¥12.88");
        assert_eq!(yuan(-5, "CNY"), "-¥0.05");
        assert_eq!(yuan(100, "USD"), "1.00 USD");
        assert_eq!(segment("T 1/<x>"), "T%201%2F%3Cx%3E");
        assert_eq!(
            crate::router::percent_decode(&segment("单号-1_a.b~")).as_deref(),
            Some("单号-1_a.b~")
        );
    }

    #[test]
    fn qr_codes_are_inline_svg() {
        let svg = qr_svg("weixin://wxpay/bizpayurl?pr=abc").unwrap();
        assert!(svg.starts_with("<svg"), "{svg:.40}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
