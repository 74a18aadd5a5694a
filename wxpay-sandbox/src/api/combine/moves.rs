//! What happens to a combined order after it is placed: the payer pays,
//! fails or lets it expire (all sub-orders together), the merchant closes
//! it; and the control routes that steer the payer:
//!
//! | route | effect |
//! |---|---|
//! | `GET /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}` | the stored [`CombinedOrder`] |
//! | `POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay` | the payer pays every sub-order; one `TRANSACTION.SUCCESS` goes to the combined `notify_url`; answers the sub-orders ([`Order`]s) |
//! | `POST …/fail` | the payment fails: every sub-order becomes `PAYERROR`; answers the sub-orders |
//! | `POST …/expire` | `time_expire` passes unpaid: every sub-order becomes `CLOSED`; answers the sub-orders |
//!
//! Each move needs every sub-order `NOTPAY`; otherwise `409 INVALID_STATE`
//! (an unknown combined order: `404 NOT_FOUND`).

use http::Method;
use serde_json::Value;

use super::combined_json;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Builtin, SandboxRequest};
use crate::server::Shared;
use crate::state::{CombinedOrder, Order, State, StateError, TradeState};
use crate::validate::{Checked, path_str};

/// A combined order's key: (`combine_mchid`, `combine_out_trade_no`).
type Key = (String, String);

/// The control routes of combined orders (see the module docs).
pub(crate) const CONTROL_ROUTES: [(Method, &str, Builtin); 4] = [
    (
        Method::GET,
        "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}",
        get,
    ),
    (
        Method::POST,
        "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay",
        pay,
    ),
    (
        Method::POST,
        "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/fail",
        fail,
    ),
    (
        Method::POST,
        "/sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/expire",
        expire,
    ),
];

/// The sub-orders of a combined order as they stand, in its order.
fn orders_of(state: &State, c: &CombinedOrder) -> Vec<Order> {
    c.sub_orders
        .iter()
        .filter_map(|s| state.orders.get(&s.order_key()).cloned())
        .collect()
}

/// The combined answer for the order at `key`.
pub(crate) fn view(state: &State, key: &Key) -> Option<Value> {
    let c = state.combined_orders.get(key)?;
    Some(combined_json(c, &orders_of(state, c)))
}

/// The combined order at `key`, when every sub-order is `NOTPAY`.
fn unpaid<'s>(state: &'s State, key: &Key) -> Result<&'s CombinedOrder, StateError> {
    let c = state.combined_orders.get(key).ok_or_else(|| {
        StateError::NotFound(format!(
            "merchant {} has no combined order {}",
            key.0, key.1
        ))
    })?;
    for o in orders_of(state, c) {
        if o.trade_state != TradeState::Notpay {
            return Err(StateError::Conflict(format!(
                "sub-order {} is {}, only NOTPAY combined orders can move",
                o.out_trade_no,
                o.trade_state.as_str()
            )));
        }
    }
    Ok(c)
}

/// Every sub-order of the unpaid combined order at `key` becomes `to`.
fn settle_unpaid(state: &mut State, key: &Key, to: TradeState) -> Result<Vec<Order>, StateError> {
    let keys: Vec<Key> = unpaid(state, key)?
        .sub_orders
        .iter()
        .map(|s| s.order_key())
        .collect();
    for k in &keys {
        if let Some(o) = state.orders.get_mut(k) {
            o.trade_state = to;
        }
    }
    Ok(keys
        .iter()
        .filter_map(|k| state.orders.get(k).cloned())
        .collect())
}

/// Closes the combined order at `key` when its `time_expire` passed unpaid.
pub(crate) fn lapse(state: &mut State, key: &Key, now: i64) {
    let due = state
        .combined_orders
        .get(key)
        .and_then(|c| c.time_expire)
        .is_some_and(|t| t <= now);
    if due {
        // Only an unpaid one closes; anything else stays as it is.
        let _ = settle_unpaid(state, key, TradeState::Closed);
    }
}

/// The merchant closes the combined order at `key` (see `close` in the parent).
pub(crate) fn close(state: &mut State, key: &Key) -> Checked<()> {
    let c = state
        .combined_orders
        .get(key)
        .ok_or_else(|| ErrorCode::OrderNotExist.reply("the combined order does not exist"))?;
    let orders = orders_of(state, c);
    if orders.iter().any(|o| o.trade_state.is_paid()) {
        return Err(ErrorCode::OrderPaid.reply(
            "the combined order is paid and cannot be closed; refund its sub-orders instead",
        ));
    }
    if orders
        .iter()
        .any(|o| o.trade_state == TradeState::Userpaying)
    {
        return Err(
            ErrorCode::InvalidRequest.reply("the payer is paying; query the order again later")
        );
    }
    let keys: Vec<Key> = c.sub_orders.iter().map(|s| s.order_key()).collect();
    for k in &keys {
        if let Some(o) = state.orders.get_mut(k) {
            o.trade_state = TradeState::Closed;
        }
    }
    Ok(())
}

/// The payer pays the unpaid combined order at `key`: every sub-order is
/// paid (its own `transaction_id`); a payer is made up when the order named
/// none. Answers the combined order and its sub-orders.
fn pay_state(
    state: &mut State,
    key: &Key,
    now: i64,
) -> Result<(CombinedOrder, Vec<Order>), StateError> {
    lapse(state, key, now);
    let keys: Vec<Key> = unpaid(state, key)?
        .sub_orders
        .iter()
        .map(|s| s.order_key())
        .collect();
    let seq = state.next_seq();
    let combined = state
        .combined_orders
        .get_mut(key)
        .ok_or_else(|| StateError::NotFound(format!("no combined order {}", key.1)))?;
    let openid = combined
        .payer_openid
        .get_or_insert_with(|| format!("oSandbox{seq:012}"))
        .clone();
    let combined = combined.clone();
    let mut paid = Vec::new();
    for (owner, no) in &keys {
        if let Some(o) = state.orders.get_mut(&(owner.clone(), no.clone())) {
            o.payer_openid.get_or_insert_with(|| openid.clone());
        }
        paid.push(state.pay_order(owner, no, now)?);
    }
    Ok((combined, paid))
}

/// The payer pays a combined order; the payment is notified once.
pub(crate) fn pay_combined(
    shared: &Shared,
    combine_mchid: &str,
    combine_out_trade_no: &str,
) -> Result<Vec<Order>, StateError> {
    let key = (combine_mchid.to_owned(), combine_out_trade_no.to_owned());
    let (combined, paid) = pay_state(&mut shared.state(), &key, shared.unix_now())?;
    crate::notify::combined_order_paid(shared, &combined, &paid);
    Ok(paid)
}

/// The payment of a combined order fails: its sub-orders become `PAYERROR`.
pub(crate) fn fail_combined(
    shared: &Shared,
    combine_mchid: &str,
    combine_out_trade_no: &str,
) -> Result<Vec<Order>, StateError> {
    let key = (combine_mchid.to_owned(), combine_out_trade_no.to_owned());
    let mut state = shared.state();
    lapse(&mut state, &key, shared.unix_now());
    settle_unpaid(&mut state, &key, TradeState::Payerror)
}

/// A combined order expires unpaid: its sub-orders become `CLOSED`.
pub(crate) fn expire_combined(
    shared: &Shared,
    combine_mchid: &str,
    combine_out_trade_no: &str,
) -> Result<Vec<Order>, StateError> {
    let key = (combine_mchid.to_owned(), combine_out_trade_no.to_owned());
    settle_unpaid(&mut shared.state(), &key, TradeState::Closed)
}

/// The stored combined order.
pub(crate) fn combined(
    shared: &Shared,
    combine_mchid: &str,
    combine_out_trade_no: &str,
) -> Option<CombinedOrder> {
    let key = (combine_mchid.to_owned(), combine_out_trade_no.to_owned());
    let mut state = shared.state();
    lapse(&mut state, &key, shared.unix_now());
    state.combined_orders.get(&key).cloned()
}

/// The answer a state error gets on the control plane.
fn refusal(e: StateError) -> Reply {
    match e {
        StateError::NotFound(m) => ErrorCode::NotFound.reply(m),
        StateError::Conflict(m) => ErrorCode::InvalidState.reply(m),
    }
}

fn params(req: &SandboxRequest) -> Checked<(&str, &str)> {
    Ok((
        path_str(req, "combine_mchid")?,
        path_str(req, "combine_out_trade_no")?,
    ))
}

fn get(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params(req)?;
    combined(shared, mchid, no)
        .map(|c| Reply::ok(&c))
        .ok_or_else(|| ErrorCode::NotFound.reply("no such combined order"))
}

fn pay(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params(req)?;
    pay_combined(shared, mchid, no)
        .map(|orders| Reply::ok(&orders))
        .map_err(refusal)
}

fn fail(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params(req)?;
    fail_combined(shared, mchid, no)
        .map(|orders| Reply::ok(&orders))
        .map_err(refusal)
}

fn expire(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mchid, no) = params(req)?;
    expire_combined(shared, mchid, no)
        .map(|orders| Reply::ok(&orders))
        .map_err(refusal)
}
