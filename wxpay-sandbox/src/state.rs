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

/// All of the sandbox's state.
#[derive(Debug, Default)]
pub struct State {
    /// Orders by (mchid, out_trade_no).
    pub orders: HashMap<(String, String), Order>,
    seq: u64,
}

impl State {
    /// A fresh sequence number (for ids).
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}
