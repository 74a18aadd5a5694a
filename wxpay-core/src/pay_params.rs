//! Front-end payment parameters made from a `prepay_id`.
//!
//! After placing an order, the merchant's server signs a small parameter set
//! and hands it to the front end, which passes it unchanged to WeChat:
//! [`JsapiPayParams`] for `wx.requestPayment` (mini-programs) and
//! `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` (official accounts),
//! [`AppPayParams`] for the APP SDK's `PayReq`. Both serialise to exactly the
//! JSON keys those APIs take.
//!
//! A service provider signs the parameters of its sub-merchants' orders
//! with its own key; for an APP order the `partnerid` is then the
//! sub-merchant ([`AppPayParams::sign_for_sub_merchant`]).

use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;
use crate::error::Error;
use crate::protocol::Nonce;

/// Parameters for `wx.requestPayment` / `WeixinJSBridge`.
///
/// `paySign` is base64 RSA-SHA256 with the merchant key over
/// `appId\ntimeStamp\nnonceStr\npackage\n`; an appid or prepay_id holding
/// `\n` is refused ([`Error::Build`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiPayParams {
    /// The official account or mini-program appid the order was placed with.
    pub app_id: String,
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// 32 random characters.
    pub nonce_str: String,
    /// `prepay_id=<prepay_id>`.
    pub package: String,
    /// Always `RSA`.
    pub sign_type: String,
    /// The signature.
    pub pay_sign: String,
}

impl JsapiPayParams {
    /// Signs the parameters with a given time and nonce (a pure function;
    /// [`Client::jsapi_pay_params`](crate::Client::jsapi_pay_params) uses now
    /// and a fresh nonce).
    pub fn sign(
        credentials: &Credentials,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &Nonce,
    ) -> Result<Self, Error> {
        check_signed_field("appid", appid)?;
        check_signed_field("prepay_id", prepay_id)?;
        let time_stamp = timestamp.to_string();
        let package = format!("prepay_id={prepay_id}");
        let message = format!("{appid}\n{time_stamp}\n{}\n{package}\n", nonce.as_str());
        let pay_sign = credentials
            .private_key()
            .sign(message.as_bytes())
            .map_err(|e| Error::Sign(e.into()))?;
        Ok(JsapiPayParams {
            app_id: appid.to_owned(),
            time_stamp,
            nonce_str: nonce.as_str().to_owned(),
            package,
            sign_type: "RSA".to_owned(),
            pay_sign,
        })
    }
}

/// Parameters for the APP SDK's `PayReq`.
///
/// `sign` is base64 RSA-SHA256 with the merchant key over
/// `appid\ntimestamp\nnoncestr\nprepayid\n`; an appid or prepay_id
/// holding `\n` is refused ([`Error::Build`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPayParams {
    /// The mobile application's appid.
    pub appid: String,
    /// The merchant the order is for: the signing merchant, or the
    /// sub-merchant of a service provider's order.
    pub partnerid: String,
    /// The `prepay_id` from the APP order.
    pub prepayid: String,
    /// Always `Sign=WXPay`.
    pub package: String,
    /// 32 random characters.
    pub noncestr: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// The signature.
    pub sign: String,
}

impl AppPayParams {
    /// Signs the parameters of the merchant's own order with a given time
    /// and nonce; `partnerid` is the merchant id of `credentials`.
    pub fn sign(
        credentials: &Credentials,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &Nonce,
    ) -> Result<Self, Error> {
        Self::sign_as(
            credentials,
            credentials.mchid(),
            appid,
            prepay_id,
            timestamp,
            nonce,
        )
    }

    /// Signs, with the service provider's `credentials`, the parameters of
    /// an APP order it placed for `sub_mchid` (`/v3/pay/partner/transactions/app`):
    /// `partnerid` is the sub-merchant. `appid` is the appid the order
    /// names for the app (`sub_appid`, or `sp_appid` when the app is the
    /// service provider's). The signature is the same as
    /// [`sign`](Self::sign)'s: `partnerid` is not signed.
    pub fn sign_for_sub_merchant(
        credentials: &Credentials,
        sub_mchid: &str,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &Nonce,
    ) -> Result<Self, Error> {
        if sub_mchid.is_empty() {
            return Err(Error::build("sub_mchid must not be empty"));
        }
        Self::sign_as(credentials, sub_mchid, appid, prepay_id, timestamp, nonce)
    }

    fn sign_as(
        credentials: &Credentials,
        partnerid: &str,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &Nonce,
    ) -> Result<Self, Error> {
        check_signed_field("appid", appid)?;
        check_signed_field("prepay_id", prepay_id)?;
        let timestamp = timestamp.to_string();
        let message = format!("{appid}\n{timestamp}\n{}\n{prepay_id}\n", nonce.as_str());
        let sign = credentials
            .private_key()
            .sign(message.as_bytes())
            .map_err(|e| Error::Sign(e.into()))?;
        Ok(AppPayParams {
            appid: appid.to_owned(),
            partnerid: partnerid.to_owned(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr: nonce.as_str().to_owned(),
            timestamp,
            sign,
        })
    }
}

/// Refuses a field holding `\n`: the signed message is one value per line,
/// so a line break inside a value could make it read as another message.
fn check_signed_field(name: &str, value: &str) -> Result<(), Error> {
    if value.contains('\n') {
        return Err(Error::build(format!(
            "{name} must not contain a line break: the signed message has one value per line"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;

    fn credentials() -> Credentials {
        Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap()
    }

    #[test]
    fn jsapi_vector() {
        let v = tv::case("jsapi_pay_sign");
        let nonce = Nonce::from_str_exact(v["nonceStr"].as_str().unwrap()).unwrap();
        let prepay = v["package"]
            .as_str()
            .unwrap()
            .strip_prefix("prepay_id=")
            .unwrap();
        let p = JsapiPayParams::sign(
            &credentials(),
            v["appId"].as_str().unwrap(),
            prepay,
            1_700_000_000,
            &nonce,
        )
        .unwrap();
        let json = serde_json::to_value(&p).unwrap();
        for key in [
            "appId",
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign",
        ] {
            assert_eq!(json[key], v[key], "{key}");
        }
        assert_eq!(json.as_object().unwrap().len(), 6);
    }

    #[test]
    fn a_line_break_in_a_signed_field_is_refused() {
        let c = credentials();
        let nonce = Nonce::from_str_exact("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap();
        // With `\n` in a field the newline-separated message could be read
        // as another one (here: another appid's parameters).
        let forged = "wx1\n1700000000\nNONCE\nprepay_id=wx2";
        let cases = [
            (forged, "wx26", "appid"),
            ("wxd678efh567hg6787", "wx26\n", "prepay_id"),
            ("wxd678efh567hg6787", "\nwx26", "prepay_id"),
        ];
        for (appid, prepay, field) in cases {
            let jsapi = JsapiPayParams::sign(&c, appid, prepay, 1_700_000_000, &nonce);
            let app = AppPayParams::sign(&c, appid, prepay, 1_700_000_000, &nonce);
            for e in [jsapi.err(), app.err()] {
                let e = e.expect("refused");
                assert!(matches!(e, Error::Build(_)), "{e:?}");
                let text = e.to_string();
                assert!(text.contains(field), "{text}");
                assert!(!text.contains('\n'), "the value is not quoted: {text:?}");
            }
        }
        // A carriage return alone does not end a line of the message.
        assert!(JsapiPayParams::sign(&c, "wx\r1", "wx26", 1_700_000_000, &nonce).is_ok());
    }

    #[test]
    fn app_vector() {
        let v = tv::case("app_pay_sign");
        let nonce = Nonce::from_str_exact(v["noncestr"].as_str().unwrap()).unwrap();
        let p = AppPayParams::sign(
            &credentials(),
            v["appid"].as_str().unwrap(),
            v["prepayid"].as_str().unwrap(),
            1_700_000_000,
            &nonce,
        )
        .unwrap();
        let json = serde_json::to_value(&p).unwrap();
        for key in [
            "appid",
            "partnerid",
            "prepayid",
            "package",
            "timestamp",
            "noncestr",
            "sign",
        ] {
            assert_eq!(json[key], v[key], "{key}");
        }
        assert_eq!(json.as_object().unwrap().len(), 7);
    }

    #[test]
    fn a_sub_merchants_app_parameters_name_it_and_sign_the_same() {
        let c = credentials();
        let nonce = Nonce::from_str_exact("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap();
        let own =
            AppPayParams::sign(&c, "wxd678efh567hg6999", "wx26", 1_700_000_000, &nonce).unwrap();
        let sub = AppPayParams::sign_for_sub_merchant(
            &c,
            "1900000111",
            "wxd678efh567hg6999",
            "wx26",
            1_700_000_000,
            &nonce,
        )
        .unwrap();
        assert_eq!(own.partnerid, tv::MCHID);
        assert_eq!(sub.partnerid, "1900000111");
        assert_eq!(
            AppPayParams {
                partnerid: own.partnerid.clone(),
                ..sub.clone()
            },
            own
        );
        // The signature verifies over the four signed values.
        let message = format!(
            "{}\n{}\n{}\n{}\n",
            sub.appid, sub.timestamp, sub.noncestr, sub.prepayid
        );
        let signature = crate::crypto::base64_decode(&sub.sign).unwrap();
        let public = tv::merchant_key().public_key().unwrap();
        assert!(public.verify(message.as_bytes(), &signature));
        let e = AppPayParams::sign_for_sub_merchant(&c, "", "wx1", "wx26", 0, &nonce);
        assert!(matches!(e, Err(Error::Build(_))), "{e:?}");
        let e = AppPayParams::sign_for_sub_merchant(&c, "1900000111", "wx1\n", "wx26", 0, &nonce);
        assert!(matches!(e, Err(Error::Build(_))), "{e:?}");
    }
}
