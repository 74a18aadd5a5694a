//! What the sandbox remembers (orders, password-free contracts, refunds)
//! and the moves between their states that do not come from an API call:
//! the user paying (or failing to, or letting the order expire), the user
//! signing, a refund settling.
//!
//! Every record keeps what its notifications need (`notify_url`, the ids,
//! the times); `notify.rs` delivers them.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::time::format_china;

/// Where an order stands, as `trade_state` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeState {
    /// Placed, not paid.
    Notpay,
    /// Paid.
    Success,
    /// Paid, then a refund was asked for (in part or in full).
    Refund,
    /// Closed before payment.
    Closed,
    /// Payment in progress.
    Userpaying,
    /// Payment failed.
    Payerror,
    /// A code payment reversed by the merchant (money returned if paid).
    Revoked,
}

impl TradeState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeState::Notpay => "NOTPAY",
            TradeState::Success => "SUCCESS",
            TradeState::Refund => "REFUND",
            TradeState::Closed => "CLOSED",
            TradeState::Userpaying => "USERPAYING",
            TradeState::Payerror => "PAYERROR",
            TradeState::Revoked => "REVOKED",
        }
    }

    /// The `trade_state_desc` the sandbox reports.
    pub fn description(self) -> &'static str {
        match self {
            TradeState::Notpay => "order not paid",
            TradeState::Success => "payment succeeded",
            TradeState::Refund => "a refund was requested",
            TradeState::Closed => "order closed",
            TradeState::Userpaying => "payer is confirming",
            TradeState::Payerror => "payment failed",
            TradeState::Revoked => "payment reversed",
        }
    }

    /// Whether money was received (paid, possibly refunded since).
    pub fn is_paid(self) -> bool {
        matches!(self, TradeState::Success | TradeState::Refund)
    }
}

/// Identifies a password-free contract: the merchant that pre-signed it,
/// the service and the merchant's contract number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ContractKey {
    /// The merchant that made the pre-sign request (the service provider
    /// for contracts signed for a sub-merchant).
    pub mchid: String,
    /// The password-free payment service id.
    pub service_id: u64,
    /// The merchant's contract number.
    pub out_contract_code: String,
}

/// An order placed with the sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// The merchant the order belongs to: `mchid` for a direct order,
    /// `sub_mchid` for a partner order.
    pub mchid: String,
    /// The service provider that placed a partner order.
    pub sp_mchid: Option<String>,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// `appid` (direct) or `sp_appid` (partner).
    pub appid: String,
    /// The sub-merchant's appid of a partner order.
    pub sub_appid: Option<String>,
    /// `JSAPI`, `APP`, …
    pub trade_type: String,
    /// Current state.
    pub trade_state: TradeState,
    /// What was sold.
    pub description: String,
    /// Merchant data echoed back.
    pub attach: Option<String>,
    /// Where the payment notification goes.
    pub notify_url: String,
    /// Total in fen.
    pub total: i64,
    /// Currency.
    pub currency: String,
    /// The payer's openid (`openid`, or `sp_openid` of a partner order).
    pub payer_openid: Option<String>,
    /// The payer's `sub_openid` of a partner order.
    pub payer_sub_openid: Option<String>,
    /// The merchant's device id from `scene_info`.
    pub device_id: Option<String>,
    /// The prepayment id handed out.
    pub prepay_id: String,
    /// Platform transaction id, once paid.
    pub transaction_id: Option<String>,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds of payment.
    pub success_time: Option<i64>,
    /// What the payer paid in fen, once paid.
    pub payer_total: Option<i64>,
    /// The funding source reported once paid.
    pub bank_type: Option<String>,
    /// Fen taken by refunds that are not closed.
    pub refunded: i64,
    /// The merchant's numbers of this order's refunds, oldest first.
    pub refunds: Vec<String>,
    /// The contract block of the order request, when there was one.
    pub contract_info: Option<Value>,
    /// The password-free contract the order was placed under (by token or
    /// contract id); a pending one is signed when the order is paid.
    pub contract: Option<ContractKey>,
    /// The request body as received, to recognise a repeat.
    #[serde(skip)]
    pub request: Value,
}

impl Order {
    /// Fen that can still be refunded.
    pub fn refundable(&self) -> i64 {
        self.payer_total.unwrap_or(0) - self.refunded
    }

    /// The `time_expire` of the request, in Unix seconds: after it the
    /// order cannot be paid and reads as `CLOSED`.
    pub fn time_expire(&self) -> Option<i64> {
        self.request
            .get("time_expire")
            .and_then(Value::as_str)
            .and_then(crate::time::parse_rfc3339)
    }

    /// Whether the order is unpaid and past its `time_expire` at `now`.
    fn is_overdue(&self, now: i64) -> bool {
        self.trade_state == TradeState::Notpay && self.time_expire().is_some_and(|t| t <= now)
    }
}

/// The openid the sandbox gives the user who pays an order placed without
/// one (Native, H5, APP, code payment): the same for every order under
/// the same appid, as a user's openid is.
pub fn payer_openid(appid: &str) -> String {
    format!("oSandboxPayer{:016x}", fnv1a(appid))
}

/// FNV-1a of a text: a hash stable across runs and platforms, for ids
/// made from other ids.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Where a password-free contract stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContractState {
    /// Pre-signed; the user has not signed yet. The platform's queries do
    /// not see it.
    Pending,
    /// Signed (`SIGNED`).
    Signed,
    /// Ended (`TERMINATED`).
    Terminated,
}

/// A password-free contract, from pre-signing on.
#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    /// Which contract this is.
    pub key: ContractKey,
    /// The pre-sign route used: `normal`, `service-provider`, `ecommerce` or `qs`.
    pub kind: &'static str,
    /// `mini-program` or `pay-redirect-sign`.
    pub scene: &'static str,
    /// The sub-merchant the contract is for, when signed by a service provider.
    pub sub_mchid: Option<String>,
    /// `appid` or `sp_appid` of the pre-sign request.
    pub appid: String,
    /// `sub_appid` of the pre-sign request.
    pub sub_appid: Option<String>,
    /// The user's openid under `appid` (known from the pre-sign request or
    /// from signing).
    pub openid: Option<String>,
    /// The user's openid under `sub_appid`.
    pub sub_openid: Option<String>,
    /// How the user's account is shown.
    pub contract_display_account: String,
    /// Where the signing notification goes.
    pub notify_url: String,
    /// The pre-sign session id (mini-program pre-signing); also accepted
    /// as the `token` of a jsapi-with-contract order.
    pub pre_entrustweb_id: Option<String>,
    /// The order named by a pay-then-sign pre-sign request.
    pub prepay_id: Option<String>,
    /// Current state.
    pub state: ContractState,
    /// The platform's contract id, once signed.
    pub contract_id: Option<String>,
    /// Unix seconds of the pre-sign request.
    pub created_at: i64,
    /// Unix seconds of signing.
    pub signed_at: Option<i64>,
    /// Unix seconds of termination.
    pub terminated_at: Option<i64>,
    /// `contract_termination_mode` once terminated.
    pub termination_mode: Option<String>,
    /// The remark given when terminating.
    pub termination_remark: Option<String>,
}

/// Where a refund stands, as `status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// Accepted, not settled yet (every refund starts here).
    Processing,
    /// Paid back.
    Success,
    /// Closed without paying back; the amount becomes refundable again.
    Closed,
    /// Failed; still counts against the order until closed.
    Abnormal,
}

impl RefundStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Processing => "PROCESSING",
            RefundStatus::Success => "SUCCESS",
            RefundStatus::Closed => "CLOSED",
            RefundStatus::Abnormal => "ABNORMAL",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            RefundStatus::Processing,
            RefundStatus::Success,
            RefundStatus::Closed,
            RefundStatus::Abnormal,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A refund asked of the sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    /// The merchant the refunded order belongs to (`sub_mchid` for a partner order).
    pub mchid: String,
    /// The service provider, for a partner order.
    pub sp_mchid: Option<String>,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The platform's refund number.
    pub refund_id: String,
    /// The refunded order's number.
    pub out_trade_no: String,
    /// The refunded order's platform number.
    pub transaction_id: String,
    /// Fen refunded.
    pub refund: i64,
    /// The order total in fen.
    pub total: i64,
    /// What the payer paid for the order, in fen.
    pub payer_total: i64,
    /// Currency.
    pub currency: String,
    /// The `amount.from` block of the request, when given.
    pub from: Option<Value>,
    /// The reason given.
    pub reason: Option<String>,
    /// Where the refund notification goes (none: the merchant platform's setting).
    pub notify_url: Option<String>,
    /// The account the refund is paid from.
    pub funds_account: String,
    /// Where the money goes: `ORIGINAL` (back the way it came), or
    /// `OTHER_BANKCARD` after an abnormal refund is redirected to a card.
    pub channel: String,
    /// The account credited, as the platform describes it.
    pub user_received_account: String,
    /// Current status.
    pub status: RefundStatus,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds of success.
    pub success_time: Option<i64>,
    /// The request body as received, to recognise a repeat.
    #[serde(skip)]
    pub request: Value,
}

/// Why a state change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// No such order, contract or refund.
    NotFound(String),
    /// It exists, but its state does not allow the change.
    Conflict(String),
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::NotFound(m) | StateError::Conflict(m) => f.write_str(m),
        }
    }
}

/// An abnormal-refund application the sandbox accepted, with its
/// sensitive fields as received and as decrypted (sandbox data: tests read
/// the plaintext to check what arrived).
#[derive(Debug, Clone, Serialize)]
pub struct AbnormalRefundApplication {
    /// Merchant id.
    pub mchid: String,
    /// The refund it settles.
    pub refund_id: String,
    /// The merchant's refund number given.
    pub out_refund_no: String,
    /// `USER_BANK_CARD` or `MERCHANT_BANK_CARD`.
    pub r#type: String,
    /// The bank, for a user's card.
    pub bank_type: Option<String>,
    /// The card number, decrypted.
    pub bank_account: Option<String>,
    /// The holder's name, decrypted.
    pub real_name: Option<String>,
    /// The `Wechatpay-Serial` the request named, when it had encrypted fields.
    pub wechatpay_serial: Option<String>,
    /// The body as received (sensitive fields still encrypted).
    pub request: Value,
    /// The answer given (repeated for a repeated application).
    pub answer: Value,
}

/// A transfer batch the sandbox accepted.
#[derive(Debug, Clone, Serialize)]
pub struct TransferBatch {
    /// Merchant id.
    pub mchid: String,
    /// The merchant's batch number.
    pub out_batch_no: String,
    /// The sandbox's batch number.
    pub batch_id: String,
    /// Sum of the transfers, in fen.
    pub total_amount: i64,
    /// The transfers, sensitive fields decrypted.
    pub details: Vec<TransferDetail>,
    /// The `Wechatpay-Serial` the request named.
    pub wechatpay_serial: String,
    /// The body as received (sensitive fields still encrypted).
    pub request: Value,
    /// The answer given (repeated for a repeated request).
    pub answer: Value,
    /// The body with sensitive fields decrypted, to recognise a repeat
    /// (ciphertexts differ every time).
    #[serde(skip)]
    pub normalized: Value,
}

/// One transfer of a [`TransferBatch`].
#[derive(Debug, Clone, Serialize)]
pub struct TransferDetail {
    /// The merchant's number for it.
    pub out_detail_no: String,
    /// Amount in fen.
    pub transfer_amount: i64,
    /// The user's openid.
    pub openid: String,
    /// The user's name, decrypted.
    pub user_name: String,
    /// The user's identity card number, decrypted.
    pub user_id_card: Option<String>,
}

/// A file uploaded to the sandbox (images, videos).
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// The id handed out (`media_id`, or the last segment of `media_url`).
    pub media_id: String,
    /// The merchant that uploaded it.
    pub mchid: String,
    /// Which upload route: `image`, `video` or `marketing-image`.
    pub kind: &'static str,
    /// `filename` of the `meta` part.
    pub filename: String,
    /// The file's SHA-256 (lower-case hex), checked against `meta`.
    pub sha256: String,
    /// The file's size in bytes.
    pub size: usize,
    /// `Content-Type` of the `file` part, when given.
    pub content_type: Option<String>,
    /// The `meta` part exactly as received (the bytes the request signature covers).
    pub meta: String,
}

/// A bill applied for and not yet expired, by download token.
#[derive(Debug, Clone)]
pub struct StoredBill {
    /// The merchant that applied for it (only it may download it).
    pub mchid: String,
    /// The bill as made (the digest covers these bytes).
    pub content: Vec<u8>,
    /// Served GZIP-compressed.
    pub gzip: bool,
    /// Served encrypted with this AES-256 key and GCM nonce (sub-merchant fund bills).
    pub encryption: Option<([u8; 32], String)>,
    /// Served with one digit changed (see `Sandbox::corrupt_bill`).
    pub corrupted: bool,
    /// Unix seconds of the application; the URL expires 5 minutes later.
    pub created_at: i64,
}

/// All of the sandbox's state.
#[derive(Debug, Default)]
pub struct State {
    /// Orders by (owner merchant, out_trade_no); see [`Order::mchid`].
    pub orders: HashMap<(String, String), Order>,
    /// Password-free contracts.
    pub contracts: HashMap<ContractKey, Contract>,
    /// Refunds by (owner merchant, out_refund_no); see [`Refund::mchid`].
    pub refunds: HashMap<(String, String), Refund>,
    /// Abnormal-refund applications by (mchid, refund_id).
    pub abnormal_refunds: HashMap<(String, String), AbnormalRefundApplication>,
    /// Transfer batches by (mchid, out_batch_no).
    pub transfer_batches: HashMap<(String, String), TransferBatch>,
    /// Uploaded files by media id.
    pub media: HashMap<String, Media>,
    /// Bills by download token.
    pub bills: HashMap<String, StoredBill>,
    seq: u64,
    /// Combined orders by (`combine_mchid`, `combine_out_trade_no`); their
    /// sub-orders are in [`State::orders`].
    pub combined_orders: HashMap<(String, String), CombinedOrder>,
    /// APIv2 keys, settings and records (`v2/`).
    pub(crate) v2: crate::v2::V2State,
}

/// `YYYYMMDD` in Beijing time.
pub(crate) fn compact_date(unix: i64) -> String {
    compact_time(unix).chars().take(8).collect()
}

/// `YYYYMMDDHHMMSS` in Beijing time.
pub(crate) fn compact_time(unix: i64) -> String {
    format_china(unix)
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect()
}

impl State {
    /// A fresh sequence number (for ids).
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// An order by owner and number.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<&Order> {
        self.orders
            .get(&(mchid.to_owned(), out_trade_no.to_owned()))
    }

    /// The contract whose pre-sign session id is `id`, among `mchid`'s.
    pub fn contract_by_pre_entrust(&self, mchid: &str, id: &str) -> Option<&Contract> {
        self.contracts
            .values()
            .find(|c| c.key.mchid == mchid && c.pre_entrustweb_id.as_deref() == Some(id))
    }

    /// The contract with platform id `id`, among `mchid`'s.
    pub fn contract_by_id(&self, mchid: &str, id: &str) -> Option<&Contract> {
        self.contracts
            .values()
            .find(|c| c.key.mchid == mchid && c.contract_id.as_deref() == Some(id))
    }

    /// An order, closed first if it is unpaid and past its `time_expire`
    /// at `now`, or the error naming it.
    pub fn current_order(
        &mut self,
        mchid: &str,
        out_trade_no: &str,
        now: i64,
    ) -> Result<&mut Order, StateError> {
        let key = (mchid.to_owned(), out_trade_no.to_owned());
        let order = self.orders.get_mut(&key).ok_or_else(|| {
            StateError::NotFound(format!("merchant {mchid} has no order {out_trade_no}"))
        })?;
        if order.is_overdue(now) {
            order.trade_state = TradeState::Closed;
        }
        Ok(order)
    }

    /// The user pays an unpaid order (`NOTPAY`, or `USERPAYING` for a code
    /// payment waiting for the user): it gets a `transaction_id`, a
    /// `success_time`, the payer's amount and, when the order named no
    /// payer, the [`payer_openid`] of its appid; a pending contract it was
    /// placed under is signed. An order past its `time_expire` is closed
    /// instead, and refused.
    pub fn pay_order(
        &mut self,
        mchid: &str,
        out_trade_no: &str,
        now: i64,
    ) -> Result<Order, StateError> {
        let seq = self.next_seq();
        let order = self.current_order(mchid, out_trade_no, now)?;
        if !matches!(
            order.trade_state,
            TradeState::Notpay | TradeState::Userpaying
        ) {
            let expired = match order.time_expire() {
                Some(t) if order.trade_state == TradeState::Closed && t <= now => {
                    format!(" (it expired at {})", crate::time::format_china(t))
                }
                _ => String::new(),
            };
            return Err(StateError::Conflict(format!(
                "order {out_trade_no} is {}{expired}, only NOTPAY orders can be paid",
                order.trade_state.as_str()
            )));
        }
        order.trade_state = TradeState::Success;
        order.transaction_id = Some(format!("42000000{}{seq:012}", compact_date(now)));
        order.success_time = Some(now);
        order.payer_total = Some(order.total);
        order.bank_type = Some("OTHERS".to_owned());
        if order.payer_openid.is_none() && order.payer_sub_openid.is_none() {
            order.payer_openid = Some(payer_openid(&order.appid));
            order.payer_sub_openid = order.sub_appid.as_deref().map(payer_openid);
        }
        let paid = order.clone();
        if let Some(contract) = &paid.contract {
            if self
                .contracts
                .get(contract)
                .is_some_and(|c| c.state == ContractState::Pending)
            {
                self.sign_contract(contract, paid.payer_openid.as_deref(), now)?;
            }
        }
        Ok(paid)
    }

    /// The payment fails (the bank refuses it, the user gives up on a code
    /// payment): a `NOTPAY` or `USERPAYING` order becomes `PAYERROR`.
    pub fn fail_order(
        &mut self,
        mchid: &str,
        out_trade_no: &str,
        now: i64,
    ) -> Result<Order, StateError> {
        let order = self.current_order(mchid, out_trade_no, now)?;
        match order.trade_state {
            TradeState::Notpay | TradeState::Userpaying => {
                order.trade_state = TradeState::Payerror;
                Ok(order.clone())
            }
            other => Err(StateError::Conflict(format!(
                "order {out_trade_no} is {}, only NOTPAY and USERPAYING orders can fail",
                other.as_str()
            ))),
        }
    }

    /// The user lets the order expire, as if its `time_expire` had passed
    /// at `now`: a `NOTPAY` or `USERPAYING` order becomes `CLOSED` (again
    /// `CLOSED` when it already is).
    pub fn expire_order(
        &mut self,
        mchid: &str,
        out_trade_no: &str,
        now: i64,
    ) -> Result<Order, StateError> {
        let order = self.current_order(mchid, out_trade_no, now)?;
        match order.trade_state {
            TradeState::Notpay | TradeState::Userpaying | TradeState::Closed => {
                order.trade_state = TradeState::Closed;
                Ok(order.clone())
            }
            other => Err(StateError::Conflict(format!(
                "order {out_trade_no} is {}, only unpaid orders can expire",
                other.as_str()
            ))),
        }
    }

    /// The order that handed out `prepay_id`.
    pub fn order_by_prepay_id(&self, prepay_id: &str) -> Option<&Order> {
        self.orders.values().find(|o| o.prepay_id == prepay_id)
    }

    /// The user signs a pre-signed contract.
    pub fn sign_contract(
        &mut self,
        key: &ContractKey,
        openid: Option<&str>,
        now: i64,
    ) -> Result<Contract, StateError> {
        let seq = self.next_seq();
        let contract = self.contracts.get_mut(key).ok_or_else(|| {
            StateError::NotFound(format!(
                "merchant {} has no contract {} in service {}",
                key.mchid, key.out_contract_code, key.service_id
            ))
        })?;
        if contract.state != ContractState::Pending {
            return Err(StateError::Conflict(format!(
                "contract {} is already {}",
                key.out_contract_code,
                if contract.state == ContractState::Signed {
                    "signed"
                } else {
                    "terminated"
                }
            )));
        }
        contract.state = ContractState::Signed;
        contract.signed_at = Some(now);
        contract.contract_id = Some(format!("{}{seq:010}", compact_time(now)));
        if contract.openid.is_none() {
            contract.openid = Some(
                openid
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("oSandbox{seq:012}")),
            );
        }
        Ok(contract.clone())
    }

    /// A refund settles: `SUCCESS` (paid back), `CLOSED` (the amount is
    /// refundable again) or `ABNORMAL`. Only `PROCESSING` and `ABNORMAL`
    /// refunds can move.
    pub fn settle_refund(
        &mut self,
        mchid: &str,
        out_refund_no: &str,
        status: RefundStatus,
        now: i64,
    ) -> Result<Refund, StateError> {
        let refund = self
            .refunds
            .get_mut(&(mchid.to_owned(), out_refund_no.to_owned()))
            .ok_or_else(|| {
                StateError::NotFound(format!("merchant {mchid} has no refund {out_refund_no}"))
            })?;
        if !matches!(
            refund.status,
            RefundStatus::Processing | RefundStatus::Abnormal
        ) || status == RefundStatus::Processing
        {
            return Err(StateError::Conflict(format!(
                "refund {out_refund_no} is {} and cannot become {}",
                refund.status.as_str(),
                status.as_str()
            )));
        }
        refund.status = status;
        if status == RefundStatus::Success {
            refund.success_time = Some(now);
        }
        let settled = refund.clone();
        if status == RefundStatus::Closed {
            if let Some(order) = self
                .orders
                .get_mut(&(settled.mchid.clone(), settled.out_trade_no.clone()))
            {
                order.refunded -= settled.refund;
            }
        }
        Ok(settled)
    }
}

/// A combined order (合单): several sub-orders paid together in one
/// payment. Each sub-order is also an [`Order`] of the sandbox (see
/// [`Sandbox::order`](crate::Sandbox::order)), under its owner (`sub_mchid`,
/// else `mchid`) and `out_trade_no`, so the order query, refunds and bills
/// see it like any order.
#[derive(Debug, Clone, Serialize)]
pub struct CombinedOrder {
    /// The merchant that placed it (the signer).
    pub combine_mchid: String,
    /// `combine_appid`.
    pub combine_appid: String,
    /// The merchant's number for the whole.
    pub combine_out_trade_no: String,
    /// The platform's number for the whole, given when placed.
    pub combine_transaction_id: String,
    /// `JSAPI` (jsapi and mini-program), `APP`, `NATIVE` or `MWEB` (H5).
    pub trade_type: String,
    /// Which placing route: `jsapi`, `miniprogram`, `app`, `native` or `h5`.
    pub kind: &'static str,
    /// Where the payment notification goes (the mini-program route may name none).
    pub notify_url: Option<String>,
    /// `combine_payer_info.openid`, or the payer made up when paid.
    pub payer_openid: Option<String>,
    /// `scene_info.device_id`.
    pub device_id: Option<String>,
    /// Unix seconds of `time_expire`, when given.
    pub time_expire: Option<i64>,
    /// The sub-orders, in the order of the request.
    pub sub_orders: Vec<CombinedSubOrder>,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// The answer given (repeated for a repeated request).
    pub answer: Value,
    /// The request body as received, to recognise a repeat.
    #[serde(skip)]
    pub request: Value,
}

/// One sub-order of a [`CombinedOrder`]: what finds its [`Order`], and what
/// only the combined answers report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CombinedSubOrder {
    /// `sub_orders[].mchid`.
    pub mchid: String,
    /// `sub_orders[].sub_mchid`, for a sub-merchant's sub-order.
    pub sub_mchid: Option<String>,
    /// `sub_orders[].out_trade_no`.
    pub out_trade_no: String,
    /// `sub_orders[].individual_auth_id` (mini-program individual collections).
    pub individual_auth_id: Option<String>,
    /// `sub_orders[].individual_name`.
    pub individual_name: Option<String>,
}

impl State {
    /// Refuses a move on one sub-order of a combined order: the payer pays,
    /// fails or lets expire the whole, and the merchant closes the whole.
    pub(crate) fn refuse_sub_order(
        &self,
        mchid: &str,
        out_trade_no: &str,
    ) -> Result<(), StateError> {
        match self.combined_parent(mchid, out_trade_no) {
            Some(c) => Err(StateError::Conflict(format!(
                "order {out_trade_no} is a sub-order of combined order {}: act on the combined order",
                c.combine_out_trade_no
            ))),
            None => Ok(()),
        }
    }

    /// The combined order an order is a sub-order of, if any.
    pub(crate) fn combined_parent(
        &self,
        mchid: &str,
        out_trade_no: &str,
    ) -> Option<&CombinedOrder> {
        self.combined_orders.values().find(|c| {
            c.sub_orders
                .iter()
                .any(|s| s.order_key() == (mchid.to_owned(), out_trade_no.to_owned()))
        })
    }
}

impl CombinedSubOrder {
    /// The key of its [`Order`]: (owner, `out_trade_no`), where the owner is
    /// `sub_mchid`, else `mchid`.
    pub fn order_key(&self) -> (String, String) {
        let owner = self.sub_mchid.as_ref().unwrap_or(&self.mchid);
        (owner.clone(), self.out_trade_no.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(state: &mut State, contract: Option<ContractKey>) {
        let o = Order {
            mchid: "1900000109".into(),
            sp_mchid: None,
            out_trade_no: "T000001".into(),
            appid: "wx1".into(),
            sub_appid: None,
            trade_type: "JSAPI".into(),
            trade_state: TradeState::Notpay,
            description: "d".into(),
            attach: None,
            notify_url: "https://example.com/n".into(),
            total: 100,
            currency: "CNY".into(),
            payer_openid: Some("o1".into()),
            payer_sub_openid: None,
            device_id: None,
            prepay_id: "wx1".into(),
            transaction_id: None,
            created_at: 0,
            success_time: None,
            payer_total: None,
            bank_type: None,
            refunded: 0,
            refunds: Vec::new(),
            contract_info: None,
            contract,
            request: Value::Null,
        };
        state
            .orders
            .insert((o.mchid.clone(), o.out_trade_no.clone()), o);
    }

    fn pending(state: &mut State) -> ContractKey {
        let key = ContractKey {
            mchid: "1900000109".into(),
            service_id: 1,
            out_contract_code: "c1".into(),
        };
        state.contracts.insert(
            key.clone(),
            Contract {
                key: key.clone(),
                kind: "normal",
                scene: "mini-program",
                sub_mchid: None,
                appid: "wx1".into(),
                sub_appid: None,
                openid: None,
                sub_openid: None,
                contract_display_account: "A".into(),
                notify_url: "https://example.com/c".into(),
                pre_entrustweb_id: Some("pe1".into()),
                prepay_id: None,
                state: ContractState::Pending,
                contract_id: None,
                created_at: 0,
                signed_at: None,
                terminated_at: None,
                termination_mode: None,
                termination_remark: None,
            },
        );
        key
    }

    #[test]
    fn paying_sets_the_payment_and_signs_a_pending_contract() {
        let mut state = State::default();
        let key = pending(&mut state);
        order(&mut state, Some(key.clone()));
        let paid = state
            .pay_order("1900000109", "T000001", 1_700_000_000)
            .unwrap();
        assert_eq!(paid.trade_state, TradeState::Success);
        assert_eq!(paid.payer_total, Some(100));
        assert_eq!(paid.refundable(), 100);
        let id = paid.transaction_id.unwrap();
        assert_eq!(id.len(), 28, "{id}");
        assert!(id.starts_with("42000000"));
        let contract = &state.contracts[&key];
        assert_eq!(contract.state, ContractState::Signed);
        assert_eq!(contract.openid.as_deref(), Some("o1"));
        assert_eq!(
            state.pay_order("1900000109", "T000001", 0).unwrap_err(),
            StateError::Conflict("order T000001 is SUCCESS, only NOTPAY orders can be paid".into())
        );
        assert!(matches!(
            state.pay_order("1900000109", "nope", 0),
            Err(StateError::NotFound(_))
        ));
        assert!(matches!(
            state.sign_contract(&key, None, 0),
            Err(StateError::Conflict(_))
        ));
    }

    #[test]
    fn signing_without_a_known_user_makes_up_an_openid() {
        let mut state = State::default();
        let key = pending(&mut state);
        let signed = state.sign_contract(&key, None, 1).unwrap();
        assert!(signed.openid.unwrap().starts_with("oSandbox"));
        assert!(signed.contract_id.is_some());
        assert_eq!(
            state
                .contract_by_pre_entrust("1900000109", "pe1")
                .unwrap()
                .state,
            ContractState::Signed
        );
        assert!(state.contract_by_pre_entrust("1900000110", "pe1").is_none());
    }

    #[test]
    fn unpaid_orders_fail_expire_or_run_out_of_time() {
        let mut state = State::default();
        order(&mut state, None);
        let failed = state.fail_order("1900000109", "T000001", 0).unwrap();
        assert_eq!(failed.trade_state, TradeState::Payerror);
        assert!(matches!(
            state.fail_order("1900000109", "T000001", 0),
            Err(StateError::Conflict(_))
        ));
        assert!(matches!(
            state.pay_order("1900000109", "T000001", 0),
            Err(StateError::Conflict(_))
        ));

        let mut state = State::default();
        order(&mut state, None);
        let expired = state.expire_order("1900000109", "T000001", 0).unwrap();
        assert_eq!(expired.trade_state, TradeState::Closed);
        state.expire_order("1900000109", "T000001", 0).unwrap();

        // time_expire passes: the order reads as closed and cannot be paid.
        let mut state = State::default();
        order(&mut state, None);
        let key = ("1900000109".to_owned(), "T000001".to_owned());
        if let Some(o) = state.orders.get_mut(&key) {
            o.request = serde_json::json!({"time_expire": "2023-11-15T06:13:20+08:00"});
        }
        let before = state.current_order("1900000109", "T000001", 1_699_999_999);
        assert_eq!(before.unwrap().trade_state, TradeState::Notpay);
        let e = state
            .pay_order("1900000109", "T000001", 1_700_000_000)
            .unwrap_err();
        assert!(
            matches!(&e, StateError::Conflict(m) if m.contains("expired at 2023-11-15T06:13:20+08:00")),
            "{e:?}"
        );
        assert_eq!(state.orders[&key].trade_state, TradeState::Closed);
    }

    #[test]
    fn made_up_payers_are_stable_per_appid() {
        assert_eq!(payer_openid("wx1"), payer_openid("wx1"));
        assert_ne!(payer_openid("wx1"), payer_openid("wx2"));
        assert!(payer_openid("wx1").starts_with("oSandboxPayer"));
        let mut state = State::default();
        order(&mut state, None);
        let key = ("1900000109".to_owned(), "T000001".to_owned());
        if let Some(o) = state.orders.get_mut(&key) {
            o.payer_openid = None;
        }
        let paid = state.pay_order("1900000109", "T000001", 0).unwrap();
        assert_eq!(paid.payer_openid, Some(payer_openid("wx1")));
    }

    #[test]
    fn refund_statuses_move_once() {
        assert_eq!(RefundStatus::parse("CLOSED"), Some(RefundStatus::Closed));
        assert_eq!(RefundStatus::parse("closed"), None);
        let mut state = State::default();
        assert!(matches!(
            state.settle_refund("1", "R1", RefundStatus::Success, 0),
            Err(StateError::NotFound(_))
        ));
    }
}
