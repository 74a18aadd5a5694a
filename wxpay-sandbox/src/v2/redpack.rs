//! Red packets over APIv2: `/mmpaymkttransfers/sendredpack` and
//! `/mmpaymkttransfers/gethbinfo` (both mutual TLS, answered unsigned as
//! the platform does), and the control routes that play the receiver.
//!
//! A red packet is `SENDING` when sent; the first `gethbinfo` that reports
//! it so finds it `SENT` afterwards. The receiver opens it with
//! `POST /sandbox/v2/redpacks/{mch_id}/{mch_billno}/receive`
//! ([`Sandbox::receive_red_packet`](crate::Sandbox::receive_red_packet)):
//! `RECEIVED`, with the receiver in `hblist`; or leaves it unopened
//! (`…/refund`, [`Sandbox::refund_red_packet`](crate::Sandbox::refund_red_packet)):
//! `REFUND`, the amount back to the merchant. `GET /sandbox/v2/redpacks/{mch_id}/{mch_billno}`
//! shows the stored [`RedPacket`].

use http::Method;
use serde::Serialize;

use super::{Operation, V2Reply, V2Request, V2Result};
use crate::bills::bill_time;
use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::router::{Builtin, SandboxRequest};
use crate::server::Shared;
use crate::state::compact_date;
use crate::validate::{Checked, path_str};
use crate::{Sandbox, SandboxError};

pub(crate) const SEND: Operation = Operation {
    path: "/mmpaymkttransfers/sendredpack",
    mutual_tls: true,
    signed_answer: false,
    hmac: false,
    handler: send,
};

pub(crate) const QUERY: Operation = Operation {
    path: "/mmpaymkttransfers/gethbinfo",
    mutual_tls: true,
    signed_answer: false,
    hmac: false,
    handler: query,
};

/// Where a red packet stands, as `gethbinfo` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedPacketStatus {
    /// Being sent.
    Sending,
    /// Sent, waiting for the receiver.
    Sent,
    /// Opened by the receiver.
    Received,
    /// Not opened in time: the amount went back to the merchant.
    Refund,
}

impl RedPacketStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RedPacketStatus::Sending => "SENDING",
            RedPacketStatus::Sent => "SENT",
            RedPacketStatus::Received => "RECEIVED",
            RedPacketStatus::Refund => "REFUND",
        }
    }
}

/// A red packet sent through the sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct RedPacket {
    /// The merchant that sent it.
    pub mch_id: String,
    /// The merchant's number for it.
    pub mch_billno: String,
    /// The appid it was sent under.
    pub wxappid: String,
    /// The receiver's openid.
    pub re_openid: String,
    /// Amount in fen.
    pub total_amount: i64,
    /// Number of receivers (1 for a plain red packet).
    pub total_num: i64,
    /// `wishing`, `act_name` and `remark` as sent.
    pub wishing: String,
    /// The activity name.
    pub act_name: String,
    /// The remark.
    pub remark: String,
    /// The platform's number (`send_listid`, `detail_id`).
    pub detail_id: String,
    /// Current status.
    pub status: RedPacketStatus,
    /// Unix seconds of sending.
    pub send_time: i64,
    /// Unix seconds of receiving, once received.
    pub rcv_time: Option<i64>,
    /// Unix seconds of the refund, once refunded.
    pub refund_time: Option<i64>,
    /// The request's fields, to recognise a repeat.
    #[serde(skip)]
    request: serde_json::Value,
}

/// `/mmpaymkttransfers/sendredpack`.
fn send(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&[
        "mch_billno",
        "wxappid",
        "send_name",
        "re_openid",
        "total_amount",
        "total_num",
        "wishing",
        "client_ip",
        "act_name",
        "remark",
    ])?;
    let amount = req.fen("total_amount")?;
    if !(100..=20_000).contains(&amount) {
        return Err(V2Reply::error(
            "MONEY_LIMIT",
            "total_amount must be between 100 and 20000 fen",
        ));
    }
    if req.str("total_num") != "1" {
        return Err(V2Reply::error("PARAM_ERROR", "total_num must be 1"));
    }
    let now = shared.unix_now();
    let mut state = shared.state();
    let key = (req.mchid.clone(), req.str("mch_billno").to_owned());
    if let Some(existing) = state.v2.red_packets.get(&key) {
        return if existing.request == req.identity() {
            Ok(send_answer(existing))
        } else {
            Err(V2Reply::error(
                "PARAM_ERROR",
                "mch_billno was already used with different parameters",
            ))
        };
    }
    let seq = state.next_seq();
    let packet = RedPacket {
        mch_id: req.mchid.clone(),
        mch_billno: key.1.clone(),
        wxappid: req.str("wxappid").to_owned(),
        re_openid: req.str("re_openid").to_owned(),
        total_amount: amount,
        total_num: 1,
        wishing: req.str("wishing").to_owned(),
        act_name: req.str("act_name").to_owned(),
        remark: req.str("remark").to_owned(),
        detail_id: format!("1000041701{}{seq:012}", compact_date(now)),
        status: RedPacketStatus::Sending,
        send_time: now,
        rcv_time: None,
        refund_time: None,
        request: req.identity(),
    };
    let answer = send_answer(&packet);
    state.v2.red_packets.insert(key, packet);
    Ok(answer)
}

fn send_answer(p: &RedPacket) -> V2Reply {
    V2Reply::ok([
        ("mch_billno", p.mch_billno.clone()),
        ("mch_id", p.mch_id.clone()),
        ("wxappid", p.wxappid.clone()),
        ("re_openid", p.re_openid.clone()),
        ("total_amount", p.total_amount.to_string()),
        ("send_listid", p.detail_id.clone()),
    ])
}

/// `/mmpaymkttransfers/gethbinfo`.
fn query(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["mch_billno", "appid", "bill_type"])?;
    if req.str("bill_type") != "MCHT" {
        return Err(V2Reply::error("PARAM_ERROR", "bill_type must be MCHT"));
    }
    let mut state = shared.state();
    let key = (req.mchid.clone(), req.str("mch_billno").to_owned());
    let packet = state
        .v2
        .red_packets
        .get_mut(&key)
        .filter(|p| p.wxappid == req.str("appid"))
        .ok_or_else(|| V2Reply::error("NOT_FOUND", "the red packet does not exist"))?;
    let reported = packet.clone();
    if packet.status == RedPacketStatus::Sending {
        packet.status = RedPacketStatus::Sent;
    }
    let p = &reported;
    let mut answer = V2Reply::ok([
        ("mch_billno", p.mch_billno.clone()),
        ("mch_id", p.mch_id.clone()),
        ("detail_id", p.detail_id.clone()),
        ("status", p.status.as_str().to_owned()),
        ("send_type", "API".to_owned()),
        ("hb_type", "NORMAL".to_owned()),
        ("total_num", p.total_num.to_string()),
        ("total_amount", p.total_amount.to_string()),
        ("send_time", bill_time(p.send_time)),
        ("wishing", p.wishing.clone()),
        ("remark", p.remark.clone()),
        ("act_name", p.act_name.clone()),
    ]);
    if let Some(t) = p.refund_time {
        answer = answer.with([
            ("refund_time", bill_time(t)),
            ("refund_amount", p.total_amount.to_string()),
        ]);
    }
    if let Some(t) = p.rcv_time {
        let info = [
            ("openid", p.re_openid.clone()),
            ("amount", p.total_amount.to_string()),
            ("rcv_time", bill_time(t)),
        ];
        let inner = wxpay_core::v2::xml::write(&info.map(|(k, v)| (k.to_owned(), v)));
        // `write` wraps in <xml>…</xml>; the same children go in <hbinfo>.
        let children = inner
            .strip_prefix("<xml>")
            .and_then(|s| s.strip_suffix("</xml>"))
            .unwrap_or_default();
        answer = answer.with_tail(format!("<hblist><hbinfo>{children}</hbinfo></hblist>"));
    }
    Ok(answer)
}

/// Moves a red packet: the receiver opens it, or it is refunded unopened.
pub(crate) fn settle(
    shared: &Shared,
    mch_id: &str,
    mch_billno: &str,
    to: RedPacketStatus,
) -> Result<RedPacket, SandboxError> {
    let now = shared.unix_now();
    let mut state = shared.state();
    let packet = state
        .v2
        .red_packets
        .get_mut(&(mch_id.to_owned(), mch_billno.to_owned()))
        .ok_or_else(|| {
            SandboxError::NotFound(format!("merchant {mch_id} has no red packet {mch_billno}"))
        })?;
    if !matches!(
        packet.status,
        RedPacketStatus::Sending | RedPacketStatus::Sent
    ) {
        return Err(SandboxError::InvalidState(format!(
            "red packet {mch_billno} is {}",
            packet.status.as_str()
        )));
    }
    packet.status = to;
    match to {
        RedPacketStatus::Received => packet.rcv_time = Some(now),
        RedPacketStatus::Refund => packet.refund_time = Some(now),
        RedPacketStatus::Sending | RedPacketStatus::Sent => {}
    }
    Ok(packet.clone())
}

impl Sandbox {
    /// A red packet sent over APIv2, as stored.
    pub fn red_packet(&self, mch_id: &str, mch_billno: &str) -> Option<RedPacket> {
        self.shared
            .state()
            .v2
            .red_packets
            .get(&(mch_id.to_owned(), mch_billno.to_owned()))
            .cloned()
    }

    /// The receiver opens a `SENDING` or `SENT` red packet: it becomes
    /// `RECEIVED`. Also `POST /sandbox/v2/redpacks/{mch_id}/{mch_billno}/receive`.
    pub fn receive_red_packet(
        &self,
        mch_id: &str,
        mch_billno: &str,
    ) -> Result<RedPacket, SandboxError> {
        settle(&self.shared, mch_id, mch_billno, RedPacketStatus::Received)
    }

    /// A `SENDING` or `SENT` red packet is not opened in time: it becomes
    /// `REFUND`. Also `POST /sandbox/v2/redpacks/{mch_id}/{mch_billno}/refund`.
    pub fn refund_red_packet(
        &self,
        mch_id: &str,
        mch_billno: &str,
    ) -> Result<RedPacket, SandboxError> {
        settle(&self.shared, mch_id, mch_billno, RedPacketStatus::Refund)
    }
}

/// The v2 control routes.
pub(crate) const CONTROL_ROUTES: [(Method, &str, Builtin); 3] = [
    (
        Method::GET,
        "/sandbox/v2/redpacks/{mch_id}/{mch_billno}",
        get,
    ),
    (
        Method::POST,
        "/sandbox/v2/redpacks/{mch_id}/{mch_billno}/receive",
        |s, r| control_move(s, r, RedPacketStatus::Received),
    ),
    (
        Method::POST,
        "/sandbox/v2/redpacks/{mch_id}/{mch_billno}/refund",
        |s, r| control_move(s, r, RedPacketStatus::Refund),
    ),
];

/// Adds the v2 control routes.
pub(crate) fn control_routes(router: &mut crate::router::Router) {
    for (method, template, handler) in CONTROL_ROUTES {
        crate::router::add(router, method, template, handler);
    }
}

fn get(shared: &Shared, req: &SandboxRequest) -> Checked<Reply> {
    let (mch_id, billno) = (path_str(req, "mch_id")?, path_str(req, "mch_billno")?);
    shared
        .state()
        .v2
        .red_packets
        .get(&(mch_id.to_owned(), billno.to_owned()))
        .map(Reply::ok)
        .ok_or_else(|| ErrorCode::NotFound.reply("no such red packet"))
}

fn control_move(shared: &Shared, req: &SandboxRequest, to: RedPacketStatus) -> Checked<Reply> {
    let (mch_id, billno) = (path_str(req, "mch_id")?, path_str(req, "mch_billno")?);
    match settle(shared, mch_id, billno, to) {
        Ok(packet) => Ok(Reply::ok(&packet)),
        Err(SandboxError::NotFound(m)) => Err(ErrorCode::NotFound.reply(m)),
        Err(e) => Err(ErrorCode::InvalidState.reply(e.to_string())),
    }
}
