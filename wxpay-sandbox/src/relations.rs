//! Which appids are bound to which merchant, and which sub-merchants
//! belong to which service provider: what the platform checks when an
//! order names an `appid`, an `sp_appid`, a `sub_mchid` or a `sub_appid`.
//!
//! Every merchant the sandbox serves starts with [`DEFAULT_APPIDS`] bound
//! and [`DEFAULT_SUB_MERCHANTS`] as its sub-merchants, each with
//! [`DEFAULT_SUB_APPIDS`] bound (the ids the spec's examples use);
//! [`SandboxBuilder::appid`](crate::SandboxBuilder::appid) and
//! [`SandboxBuilder::sub_merchant`](crate::SandboxBuilder::sub_merchant)
//! add more, [`SandboxBuilder::default_relations`](crate::SandboxBuilder::default_relations)
//! drops the defaults.
//!
//! An order whose appid is not bound to its merchant answers
//! `400 APPID_MCHID_NOT_MATCH`; a `sub_mchid` that is not a sub-merchant
//! of the signing service provider answers `400 PARAM_ERROR` naming it.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::validate::{Checked, ReadBody};

/// Appids bound to every served merchant unless the defaults are dropped:
/// the spec's example appid, its service provider appid and the transfer
/// example's appid.
pub const DEFAULT_APPIDS: [&str; 3] = [
    "wxd678efh567hg6787",
    "wx8888888888888888",
    "wxf636efh567hg4356",
];

/// Sub-merchants every served merchant has, as a service provider, unless
/// the defaults are dropped.
pub const DEFAULT_SUB_MERCHANTS: [&str; 2] = ["1900000110", "1900000111"];

/// Appids bound to each default sub-merchant.
pub const DEFAULT_SUB_APPIDS: [&str; 1] = ["wxd678efh567hg6999"];

/// The relations the sandbox checks orders against.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relations {
    /// Appids by the merchant they are bound to.
    appids: HashMap<String, HashSet<String>>,
    /// Sub-merchants by service provider.
    sub_merchants: HashMap<String, HashSet<String>>,
}

impl Relations {
    /// The defaults for these served merchants.
    pub(crate) fn defaults<'a>(mchids: impl IntoIterator<Item = &'a str>) -> Self {
        let mut relations = Relations::default();
        for mchid in mchids {
            for appid in DEFAULT_APPIDS {
                relations.bind(mchid, appid);
            }
            for sub in DEFAULT_SUB_MERCHANTS {
                relations.add_sub_merchant(mchid, sub, DEFAULT_SUB_APPIDS);
            }
        }
        relations
    }

    /// Binds `appid` to `mchid`.
    pub(crate) fn bind(&mut self, mchid: &str, appid: &str) {
        self.appids
            .entry(mchid.to_owned())
            .or_default()
            .insert(appid.to_owned());
    }

    /// Makes `sub_mchid` a sub-merchant of `sp_mchid`, with these appids.
    pub(crate) fn add_sub_merchant<'a>(
        &mut self,
        sp_mchid: &str,
        sub_mchid: &str,
        sub_appids: impl IntoIterator<Item = &'a str>,
    ) {
        self.sub_merchants
            .entry(sp_mchid.to_owned())
            .or_default()
            .insert(sub_mchid.to_owned());
        for appid in sub_appids {
            self.bind(sub_mchid, appid);
        }
    }

    /// Adds every relation of `other`.
    pub(crate) fn extend(&mut self, other: &Relations) {
        for (mchid, appids) in &other.appids {
            for appid in appids {
                self.bind(mchid, appid);
            }
        }
        for (sp, subs) in &other.sub_merchants {
            for sub in subs {
                self.add_sub_merchant(sp, sub, []);
            }
        }
    }

    fn is_bound(&self, mchid: &str, appid: &str) -> bool {
        self.appids.get(mchid).is_some_and(|a| a.contains(appid))
    }

    fn is_sub_merchant(&self, sp_mchid: &str, sub_mchid: &str) -> bool {
        self.sub_merchants
            .get(sp_mchid)
            .is_some_and(|s| s.contains(sub_mchid))
    }

    /// Checks a direct order's `appid` against its `mchid`.
    pub(crate) fn check_direct(&self, body: &Map<String, Value>) -> Checked<()> {
        let (mchid, appid) = (body.str("mchid"), body.str("appid"));
        self.check_appid("appid", appid, mchid)
    }

    /// Checks a partner order: `sp_appid` (when given) bound to
    /// `sp_mchid`, `sub_mchid` a sub-merchant of it, `sub_appid` (when
    /// given) bound to `sub_mchid`.
    pub(crate) fn check_partner(&self, body: &Map<String, Value>) -> Checked<()> {
        let (sp, sub) = (body.str("sp_mchid"), body.str("sub_mchid"));
        if let Some(sp_appid) = body.opt_str("sp_appid") {
            self.check_appid("sp_appid", sp_appid, sp)?;
        }
        if !self.is_sub_merchant(sp, sub) {
            return Err(Reply::param_error(
                "sub_mchid",
                &json!(sub),
                format!("is not a sub-merchant of service provider {sp}"),
            ));
        }
        match body.opt_str("sub_appid") {
            Some(sub_appid) => self.check_appid("sub_appid", sub_appid, sub),
            None => Ok(()),
        }
    }

    fn check_appid(&self, field: &str, appid: &str, mchid: &str) -> Checked<()> {
        if self.is_bound(mchid, appid) {
            return Ok(());
        }
        Err(ErrorCode::AppidMchidNotMatch.reply_detail(
            field,
            &json!(appid),
            format!("{field} {appid} is not bound to merchant {mchid}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(r: Checked<()>) -> (String, String) {
        let reply = r.unwrap_err();
        let v: Value = serde_json::from_slice(&reply.body).unwrap();
        (
            v["code"].as_str().unwrap().to_owned(),
            v["detail"]["field"].as_str().unwrap().to_owned(),
        )
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn defaults_bind_the_example_ids_to_every_served_merchant() {
        let r = Relations::defaults(["1900000109", "1900000120"]);
        for mchid in ["1900000109", "1900000120"] {
            r.check_direct(&body(
                json!({"mchid": mchid, "appid": "wxd678efh567hg6787"}),
            ))
            .unwrap();
            r.check_partner(&body(json!({
                "sp_mchid": mchid, "sp_appid": "wx8888888888888888",
                "sub_mchid": "1900000111", "sub_appid": "wxd678efh567hg6999",
            })))
            .unwrap();
        }
        let e = r.check_direct(&body(json!({"mchid": "1900000109", "appid": "wx0"})));
        assert_eq!(refusal(e), ("APPID_MCHID_NOT_MATCH".into(), "appid".into()));
        let e = r.check_direct(&body(
            json!({"mchid": "1900000999", "appid": "wxd678efh567hg6787"}),
        ));
        assert_eq!(refusal(e).0, "APPID_MCHID_NOT_MATCH");
    }

    #[test]
    fn partner_orders_check_each_relation() {
        let mut r = Relations::default();
        r.bind("1900000109", "wxsp");
        r.add_sub_merchant("1900000109", "1900000200", ["wxsub"]);
        let good = json!({"sp_mchid": "1900000109", "sp_appid": "wxsp", "sub_mchid": "1900000200", "sub_appid": "wxsub"});
        r.check_partner(&body(good.clone())).unwrap();
        let cases = [
            ("sp_appid", json!("wxsub"), "APPID_MCHID_NOT_MATCH"),
            ("sub_mchid", json!("1900000201"), "PARAM_ERROR"),
            ("sub_appid", json!("wxsp"), "APPID_MCHID_NOT_MATCH"),
        ];
        for (field, value, code) in cases {
            let mut b = body(good.clone());
            b.insert(field.into(), value);
            assert_eq!(refusal(r.check_partner(&b)), (code.into(), field.into()));
        }
        // Without sp_appid and sub_appid only the sub-merchant is checked.
        r.check_partner(&body(
            json!({"sp_mchid": "1900000109", "sub_mchid": "1900000200"}),
        ))
        .unwrap();
        let mut more = Relations::default();
        more.extend(&r);
        more.check_partner(&body(good)).unwrap();
    }
}
