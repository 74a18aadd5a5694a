//! The `Authorization` header of a signed request.

use std::fmt;

use super::SCHEME;

/// The five parameters of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
///
/// [`Display`](fmt::Display) writes the header value; [`Authorization::parse`]
/// reads one (pairs in any order, values in double quotes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// Merchant id (`mchid`).
    pub mchid: &'a str,
    /// The request nonce (`nonce_str`).
    pub nonce_str: &'a str,
    /// Base64 signature (`signature`).
    pub signature: &'a str,
    /// Unix seconds, as text (`timestamp`).
    pub timestamp: &'a str,
    /// Merchant API certificate serial (`serial_no`).
    pub serial_no: &'a str,
}

impl fmt::Display for Authorization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }
}

impl fmt::Debug for Authorization<'_> {
    // The signature is not a secret, but a full header in a log invites
    // copy-paste replays; show who signed and when.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header does not start with `WECHATPAY2-SHA256-RSA2048 `.
    #[error("authorization scheme must be {SCHEME}")]
    Scheme,
    /// A `key="value"` pair was malformed.
    #[error("malformed parameter near {0:?}")]
    Malformed(String),
    /// A parameter appeared twice.
    #[error("parameter {0} given twice")]
    Duplicate(&'static str),
    /// A required parameter was absent.
    #[error("parameter {0} missing")]
    Missing(&'static str),
}

impl<'a> Authorization<'a> {
    /// Parses a header value. Pairs may come in any order, separated by
    /// commas with optional spaces; unknown parameters are ignored.
    pub fn parse(header: &'a str) -> Result<Self, AuthorizationError> {
        let rest = header
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(AuthorizationError::Scheme)?;
        let mut fields: [Option<&'a str>; 5] = [None; 5];
        const NAMES: [&str; 5] = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"];
        let mut rest = rest.trim_start();
        while !rest.is_empty() {
            let excerpt = || AuthorizationError::Malformed(rest.chars().take(16).collect());
            let (key, after_key) = rest.split_once('=').ok_or_else(excerpt)?;
            let key = key.trim();
            let after_quote = after_key.strip_prefix('"').ok_or_else(excerpt)?;
            let (value, after_value) = after_quote.split_once('"').ok_or_else(excerpt)?;
            if let Some(i) = NAMES.iter().position(|n| *n == key) {
                let slot = fields.get_mut(i).ok_or_else(excerpt)?;
                if slot.is_some() {
                    return Err(AuthorizationError::Duplicate(
                        NAMES.get(i).copied().unwrap_or("?"),
                    ));
                }
                *slot = Some(value);
            }
            let after_value = after_value.trim_start();
            rest = match after_value.strip_prefix(',') {
                Some(r) => r.trim_start(),
                None if after_value.is_empty() => after_value,
                None => return Err(excerpt()),
            };
        }
        let [mchid, nonce_str, signature, timestamp, serial_no] = fields;
        Ok(Authorization {
            mchid: mchid.ok_or(AuthorizationError::Missing("mchid"))?,
            nonce_str: nonce_str.ok_or(AuthorizationError::Missing("nonce_str"))?,
            signature: signature.ok_or(AuthorizationError::Missing("signature"))?,
            timestamp: timestamp.ok_or(AuthorizationError::Missing("timestamp"))?,
            serial_no: serial_no.ok_or(AuthorizationError::Missing("serial_no"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use crate::protocol::{Nonce, request_message};
    use crate::test_vectors as tv;

    #[test]
    fn every_request_vector_reproduces() {
        let credentials =
            Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap();
        let names: Vec<_> = tv::case_names()
            .into_iter()
            .filter(|n| n.starts_with("request_"))
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        for name in names {
            let v = tv::case(&name);
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            let ts: i64 = s("timestamp").parse().unwrap();
            let message = request_message(
                &s("method"),
                &s("url"),
                ts,
                &s("nonce"),
                s("body").as_bytes(),
            );
            assert_eq!(
                String::from_utf8(message.clone()).unwrap(),
                s("message"),
                "{name}"
            );
            let signature = credentials.private_key().sign(&message).unwrap();
            assert_eq!(signature, s("signature"), "{name}");
            let nonce = Nonce::from_str_exact(&s("nonce")).unwrap();
            let header = credentials
                .authorization(&s("method"), &s("url"), s("body").as_bytes(), ts, &nonce)
                .unwrap();
            assert_eq!(header, s("authorization"), "{name}");
            let parsed = Authorization::parse(&header).unwrap();
            assert_eq!(parsed.signature, s("signature"));
            assert_eq!(parsed.to_string(), header);
        }
    }

    #[test]
    fn parse_accepts_any_order_and_spaces() {
        let h = "WECHATPAY2-SHA256-RSA2048 serial_no=\"S\", timestamp=\"1\",signature=\"a/b+c==\" ,nonce_str=\"n\",mchid=\"m\",extra=\"x\"";
        let a = Authorization::parse(h).unwrap();
        assert_eq!(
            (a.mchid, a.nonce_str, a.signature, a.timestamp, a.serial_no),
            ("m", "n", "a/b+c==", "1", "S")
        );
    }

    #[test]
    fn parse_rejects_malformed_headers() {
        use AuthorizationError::*;
        let full = "mchid=\"m\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"S\"";
        assert_eq!(Authorization::parse(&format!("Bearer {full}")), Err(Scheme));
        assert_eq!(
            Authorization::parse(&format!("WECHATPAY2-SHA256-RSA2048{full}")),
            Err(Scheme)
        );
        assert_eq!(
            Authorization::parse(
                "WECHATPAY2-SHA256-RSA2048 mchid=\"m\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\""
            ),
            Err(Missing("serial_no"))
        );
        assert_eq!(
            Authorization::parse(&format!("WECHATPAY2-SHA256-RSA2048 {full},mchid=\"x\"")),
            Err(Duplicate("mchid"))
        );
        for bad in [
            "mchid=m",
            "mchid=\"m",
            "mchid=\"m\" nonce_str=\"n\"",
            "=\"\"x",
            "mchid",
        ] {
            let h = format!("WECHATPAY2-SHA256-RSA2048 {bad}");
            assert!(
                matches!(Authorization::parse(&h), Err(Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_does_not_print_the_signature() {
        let a = Authorization {
            mchid: "m",
            nonce_str: "n",
            signature: "SIGNATURE",
            timestamp: "1",
            serial_no: "S",
        };
        assert!(!format!("{a:?}").contains("SIGNATURE"));
    }
}
