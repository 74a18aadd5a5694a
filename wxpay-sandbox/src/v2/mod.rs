//! APIv2: the platform's older XML protocol, on the same listener.
//!
//! A request whose path is a v2 operation (`/pay/micropay`,
//! `/secapi/pay/refund`, `/mmpaymkttransfers/sendredpack`, …; none starts
//! with `/v3/`) is read as APIv2. Before any operation runs, the sandbox
//! checks what the platform checks, and answers `return_code` `FAIL` with
//! a `return_msg` saying why (unsigned, HTTP 200):
//!
//! - the body is one flat `<xml>` element (no DOCTYPE, no entities);
//! - the merchant (`mch_id`, or `mchid` / `combine_mch_id` where the
//!   operation names it so) is one the sandbox serves;
//! - `nonce_str` is there, at most 32 characters, and not used before by
//!   the same merchant (the sandbox remembers the last 65 536);
//! - `sign_type` is absent (MD5) or one the operation accepts;
//! - `sign` verifies under the merchant's v2 key
//!   ([`SandboxBuilder::v2_key`](crate::SandboxBuilder::v2_key), by
//!   default [`DEFAULT_V2_KEY`]);
//! - on operations that require mutual TLS, the connection presented the
//!   merchant's API certificate (see below).
//!
//! Answers are XML with `return_code` `SUCCESS` and either `result_code`
//! `SUCCESS` or `FAIL` with `err_code` and `err_code_des`, signed with the
//! merchant's v2 key and the request's sign type over a fresh `nonce_str`
//! (except the operations the platform answers unsigned, such as red
//! packets).
//!
//! # Mutual TLS
//!
//! When the sandbox serves TLS ([`SandboxBuilder::tls`](crate::SandboxBuilder::tls))
//! it asks every client for a certificate during the handshake, optionally
//! (the path is not known yet). An operation that requires mutual TLS is
//! refused when the connection presented none, or one that is not the
//! merchant's API certificate (same serial and public key as the
//! merchant's). Over plain HTTP those operations are refused too, unless
//! [`SandboxBuilder::v2_mutual_tls_over_http`](crate::SandboxBuilder::v2_mutual_tls_over_http)
//! lets them through without a certificate.
//!
//! # Stateful operations
//!
//! | operation | what it does |
//! |---|---|
//! | `/pay/micropay` | a code payment, by `auth_code`'s last digits like the v3 one: `…0000` answers `USERPAYING` and leaves the order waiting (paid by the control plane, or by itself after the first `orderquery` that reports it), `…9999` answers `NOTENOUGH` (order `PAYERROR`), anything else pays at once |
//! | `/pay/unifiedorder` | places a `JSAPI`, `NATIVE`, `APP` or `MWEB` order (`prepay_id`, `code_url`, `mweb_url`); paid with the control plane like v3 orders |
//! | `/pay/orderquery` | `trade_state` of an order, by `transaction_id` or `out_trade_no` |
//! | `/pay/closeorder` | closes an unpaid order |
//! | `/secapi/pay/reverse` | a code payment becomes `REVOKED` (`recall` `N`) |
//! | `/secapi/pay/refund`, `/pay/refundquery` | refunds of paid orders, kept with the v3 ones (settled by the control plane, then notified the v2 way to the refund's `notify_url`, if it named one); the query lists them as `out_refund_no_$n`, `refund_status_$n`, … |
//! | `/mmpaymkttransfers/sendredpack`, `/mmpaymkttransfers/gethbinfo` | red packets: `SENDING`, then `SENT` after the first query, `RECEIVED` when the control plane says so (`POST /sandbox/v2/redpacks/{mch_id}/{mch_billno}/receive`), `REFUND` (`…/refund`) |
//! | `/pay/downloadbill` | the trade bill of a day as CSV (GZIP with `tar_type` `GZIP`), or the XML `No Bill Exist` error |
//!
//! Orders and refunds are the same records as the v3 ones
//! ([`Sandbox::order`](crate::Sandbox::order), the `/sandbox/orders/…`
//! routes). A unified order, once paid, is notified the v2 way: see
//! [`notify`](crate::notify#apiv2).
//!
//! # Spec mode
//!
//! With [`SandboxBuilder::spec_mode`](crate::SandboxBuilder::spec_mode),
//! every v2 operation of `data/spec-mode-v2.json` is routed (replacing the
//! stateful ones): after the checks above, required fields must be there
//! and every field must be one of the operation's; the answer is the
//! spec's example with the request's `mch_id` (and `appid`), signed unless
//! the operation's answer is unsigned.

mod bill;
mod data;
pub(crate) mod mtls;
mod pay;
mod redpack;
mod refund;
mod wire;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use http::{Method, StatusCode};
use serde_json::Value;
use wxpay_core::protocol::Nonce;
use wxpay_core::v2::{SignType, V2Key};

use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;

pub(crate) use mtls::Connection;
pub(crate) use pay::payment_notification;
pub use redpack::{RedPacket, RedPacketStatus};
pub(crate) use refund::refund_notification;
pub(crate) use wire::{V2Reply, V2Request, V2Result};

/// The v2 key of the sandbox's merchant when none is given: a sandbox key,
/// never a real one.
pub const DEFAULT_V2_KEY: &str = "sandboxApiV2Key0123456789abcdefX";

/// How many `(merchant, nonce_str)` pairs are remembered to refuse replays.
const NONCE_MEMORY: usize = 65_536;

/// A built-in v2 operation.
pub(crate) struct Operation {
    path: &'static str,
    mutual_tls: bool,
    signed_answer: bool,
    /// Whether HMAC-SHA256 is accepted (MD5 always is), unless the spec's
    /// data lists the operation's sign types.
    hmac: bool,
    handler: fn(&Shared, &V2Request) -> V2Result,
}

/// The stateful operations.
const OPERATIONS: &[Operation] = &[
    pay::MICROPAY,
    pay::ORDERQUERY,
    pay::REVERSE,
    pay::CLOSEORDER,
    pay::UNIFIEDORDER,
    refund::REFUND,
    refund::REFUNDQUERY,
    redpack::SEND,
    redpack::QUERY,
    bill::DOWNLOAD,
];

/// The sandbox's APIv2 settings and records, kept in the sandbox's state.
#[derive(Debug, Default)]
pub(crate) struct V2State {
    /// The v2 key of each merchant.
    pub(crate) keys: HashMap<String, Arc<V2Key>>,
    /// The same keys as text, for [`SandboxInfo`](crate::SandboxInfo).
    key_texts: HashMap<String, KeyText>,
    /// Whether mutual-TLS operations are served over plain HTTP.
    pub(crate) mutual_tls_over_http: bool,
    /// Whether spec routes replace the stateful ones.
    pub(crate) spec_mode: bool,
    nonces: HashSet<(String, String)>,
    nonce_order: VecDeque<(String, String)>,
    /// Red packets by (mch_id, mch_billno).
    pub(crate) red_packets: HashMap<(String, String), RedPacket>,
    /// Code payments reported `USERPAYING` by a query: paid before the next one.
    pub(crate) reported_userpaying: HashSet<(String, String)>,
    /// Where and how each unified order's payment is notified (kept
    /// here: a v2 order gets the v2 notification, not the v3 one).
    pub(crate) notify_urls: HashMap<(String, String), V2NotifyTo>,
    /// The refunds placed over APIv2, by (mch_id, out_refund_no): notified
    /// the v2 way when settled, and never the v3 way.
    pub(crate) refunds: HashMap<(String, String), V2RefundTo>,
}

/// The fields every v2 notification starts with: `return_code` `SUCCESS`,
/// `return_msg`, `appid`, `mch_id` and a fresh `nonce_str`.
pub(crate) fn notification_head(appid: &str, mch_id: &str) -> Vec<(String, String)> {
    let nonce = Nonce::generate().map(|n| n.to_string()).unwrap_or_default();
    [
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", appid),
        ("mch_id", mch_id),
        ("nonce_str", &nonce),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Fields as a JSON object of strings (a notification record's `resource`).
pub(crate) fn fields_json<'f>(fields: impl IntoIterator<Item = &'f (String, String)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Where a v2 refund's result is notified (`None`: the request named no
/// `notify_url`, so it is not), and the order's `appid` the notification
/// carries.
#[derive(Debug, Clone)]
pub(crate) struct V2RefundTo {
    pub(crate) url: Option<String>,
    pub(crate) appid: String,
}

/// Where a unified order's payment is notified, and the sign type of the
/// request that placed it (the notification is signed the same way).
#[derive(Debug, Clone)]
pub(crate) struct V2NotifyTo {
    pub(crate) url: String,
    pub(crate) sign_type: SignType,
}

impl V2State {
    /// Remembers a nonce; `false` when the merchant used it before.
    fn remember_nonce(&mut self, mchid: &str, nonce: &str) -> bool {
        let key = (mchid.to_owned(), nonce.to_owned());
        if self.nonces.contains(&key) {
            return false;
        }
        if self.nonce_order.len() >= NONCE_MEMORY {
            if let Some(old) = self.nonce_order.pop_front() {
                self.nonces.remove(&old);
            }
        }
        self.nonces.insert(key.clone());
        self.nonce_order.push_back(key);
        true
    }
}

/// How an operation is served: built in, or from the spec's data.
enum Served {
    Builtin(&'static Operation),
    Spec(&'static data::SpecOp),
}

impl Served {
    fn mutual_tls(&self) -> bool {
        match self {
            Served::Builtin(op) => op.mutual_tls,
            Served::Spec(op) => op.mutual_tls,
        }
    }

    fn signed_answer(&self) -> bool {
        match self {
            Served::Builtin(op) => op.signed_answer,
            Served::Spec(op) => op.signed_answer,
        }
    }

    fn accepts(&self, sign_type: SignType) -> bool {
        match self {
            Served::Builtin(op) => match data::find(&Method::POST, op.path) {
                Some(spec) => spec.accepts(sign_type),
                None => sign_type == SignType::Md5 || op.hmac,
            },
            Served::Spec(op) => op.accepts(sign_type),
        }
    }
}

/// The operation serving `method` and `path`, if any.
fn find(spec_mode: bool, method: &Method, path: &str) -> Option<Served> {
    if spec_mode {
        if let Some(op) = data::find(method, path) {
            return Some(Served::Spec(op));
        }
    }
    OPERATIONS
        .iter()
        .find(|op| op.path == path && method == Method::POST)
        .map(Served::Builtin)
}

/// Answers `request` when it is an APIv2 request: a path of a v2
/// operation, or any path outside `/v3/` that no other route serves.
/// `None` leaves the request to the APIv3 side.
pub(crate) fn answer(
    shared: &Shared,
    request: &SandboxRequest,
    connection: Option<&Connection>,
) -> Option<Reply> {
    // No v2 operation is under `/v3/`: APIv3 requests skip the state lock.
    if request.path.starts_with("/v3/") {
        return None;
    }
    let spec_mode = shared.state().v2.spec_mode;
    let Some(served) = find(spec_mode, &request.method, &request.path) else {
        let v3 = shared
            .router
            .read()
            .ok()
            .is_some_and(|r| r.find(&request.method, &request.path).is_some());
        return (!v3).then(|| {
            V2Reply::fail(format!(
                "no such APIv2 operation: {} {}",
                request.method, request.path
            ))
            .into_reply(None)
            .with_status(StatusCode::NOT_FOUND)
        });
    };
    crate::lock::Recover::recover(shared.hits.lock())
        .entry(format!("{} {}", request.method, request.path))
        .and_modify(|n| *n += 1)
        .or_insert(1);
    Some(serve(shared, request, connection, &served))
}

/// The checks every v2 request gets, then the operation.
fn serve(
    shared: &Shared,
    request: &SandboxRequest,
    connection: Option<&Connection>,
    served: &Served,
) -> Reply {
    let admitted = wire::admit(shared, request, |t| served.accepts(t)).and_then(|req| {
        if served.mutual_tls() {
            mtls::check(shared, connection, &req.mchid)?;
        }
        Ok(req)
    });
    let req = match admitted {
        Ok(req) => req,
        Err(refusal) => return refusal.into_reply(None),
    };
    let outcome = match served {
        Served::Builtin(op) => (op.handler)(shared, &req),
        Served::Spec(op) => data::answer(op, &req),
    };
    let reply = outcome.unwrap_or_else(|refusal| refusal);
    let signer = served.signed_answer().then_some(&req);
    reply.into_reply(signer.map(|r| (r, r.key.as_ref())))
}

/// A v2 key as text; `Debug` does not show it.
struct KeyText(String);

impl std::fmt::Debug for KeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyText(..)")
    }
}

/// Sets the v2 key of `mchid`.
pub(crate) fn set_key(shared: &Shared, mchid: &str, text: &str, key: V2Key) {
    let mut state = shared.state();
    state.v2.keys.insert(mchid.to_owned(), Arc::new(key));
    state
        .v2
        .key_texts
        .insert(mchid.to_owned(), KeyText(text.to_owned()));
}

/// The v2 key of `mchid` as text (a sandbox key), or `""`.
pub(crate) fn key_text(shared: &Shared, mchid: &str) -> String {
    shared
        .state()
        .v2
        .key_texts
        .get(mchid)
        .map(|k| k.0.clone())
        .unwrap_or_default()
}

/// Control routes of the v2 side (red packets).
pub(crate) use redpack::control_routes;
