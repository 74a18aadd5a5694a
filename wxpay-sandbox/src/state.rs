//! What the sandbox remembers: orders (and, as routes are added, contracts and refunds).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

/// Where an order stands, as `trade_state` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeState {
    /// Placed, not paid.
    Notpay,
    /// Paid.
    Success,
    /// Paid, then (partly) refunded.
    Refund,
    /// Closed before payment.
    Closed,
    /// Payment in progress.
    Userpaying,
    /// Payment failed.
    Payerror,
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
        }
    }
}

/// An order placed with the sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// Merchant id.
    pub mchid: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// appid the order was placed with.
    pub appid: String,
    /// `JSAPI`, `APP`, …
    pub trade_type: String,
    /// Current state.
    pub trade_state: TradeState,
    /// What was sold.
    pub description: String,
    /// Merchant data echoed back.
    pub attach: Option<String>,
    /// Where notifications go.
    pub notify_url: String,
    /// Total in fen.
    pub total: i64,
    /// Currency.
    pub currency: String,
    /// Payer's openid.
    pub payer_openid: String,
    /// The prepayment id handed out.
    pub prepay_id: String,
    /// Platform transaction id, once paid.
    pub transaction_id: Option<String>,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds of payment.
    pub success_time: Option<i64>,
    /// The contract block of the order request, when there was one.
    pub contract_info: Option<Value>,
    /// The request body as received, to recognise a repeat.
    #[serde(skip)]
    pub request: Value,
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

/// All of the sandbox's state.
#[derive(Debug, Default)]
pub struct State {
    /// Orders by (mchid, out_trade_no).
    pub orders: HashMap<(String, String), Order>,
    /// Abnormal-refund applications by (mchid, refund_id).
    pub abnormal_refunds: HashMap<(String, String), AbnormalRefundApplication>,
    /// Transfer batches by (mchid, out_batch_no).
    pub transfer_batches: HashMap<(String, String), TransferBatch>,
    seq: u64,
}

impl State {
    /// A fresh sequence number (for ids).
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}
