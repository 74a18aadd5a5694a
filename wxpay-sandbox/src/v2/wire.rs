//! The v2 wire: reading and admitting a request, writing a (signed) answer.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header::CONTENT_TYPE};
use serde_json::{Map, Value};
use wxpay_core::protocol::Nonce;
use wxpay_core::v2::{SignType, V2Key, sign, xml};

use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;

/// The longest `nonce_str` accepted.
const MAX_NONCE: usize = 32;

/// The fields echoed from the request into every answer that has them.
const ECHOED: [&str; 4] = ["appid", "mch_id", "sub_appid", "sub_mch_id"];

/// An admitted v2 request: its fields, merchant, sign type and key.
pub(crate) struct V2Request {
    /// Every field of the body (or query), as received.
    pub(crate) fields: Vec<(String, String)>,
    /// The merchant the request named and signed for.
    pub(crate) mchid: String,
    /// The sign type the request used (the answer uses it too).
    pub(crate) sign_type: SignType,
    /// The merchant's v2 key.
    pub(crate) key: Arc<V2Key>,
}

impl V2Request {
    /// A field's value, when present and not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        field(&self.fields, name)
    }

    /// A field's value, or `""`.
    pub(crate) fn str(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// The first of `names` that is missing, answered as the platform does
    /// (`return_code` `FAIL`).
    pub(crate) fn require(&self, names: &[&str]) -> Result<(), V2Reply> {
        match names.iter().find(|n| self.get(n).is_none()) {
            Some(missing) => Err(V2Reply::fail(format!("{missing} is required"))),
            None => Ok(()),
        }
    }

    /// A field that must be a whole number of fen greater than 0.
    pub(crate) fn fen(&self, name: &str) -> Result<i64, V2Reply> {
        self.str(name)
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| {
                V2Reply::error(
                    "PARAM_ERROR",
                    format!("{name} must be a whole number of fen greater than 0"),
                )
            })
    }

    /// The fields as a JSON object without `nonce_str`, `sign` and
    /// `sign_type`: what tells a repeated request from another one.
    pub(crate) fn identity(&self) -> Value {
        let map: Map<String, Value> = self
            .fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "nonce_str" | "sign" | "sign_type"))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Value::Object(map)
    }
}

/// A non-empty field of a list.
pub(crate) fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// What a v2 operation answers.
#[derive(Debug)]
pub(crate) enum V2Reply {
    /// `return_code` `FAIL`: the request was refused before any business
    /// logic (never signed).
    Fail(String),
    /// `return_code` `SUCCESS` with these fields (`result_code` and the
    /// rest); `tail` is raw XML added inside `<xml>` (nested lists).
    Fields {
        fields: Vec<(String, String)>,
        tail: String,
    },
    /// A file (a bill), as is.
    File(Reply),
}

/// A v2 operation's outcome: `Err` holds a refusal, answered as well.
pub(crate) type V2Result = Result<V2Reply, V2Reply>;

impl V2Reply {
    /// `return_code` `FAIL` with this `return_msg`.
    pub(crate) fn fail(msg: impl Into<String>) -> Self {
        V2Reply::Fail(msg.into())
    }

    /// `result_code` `SUCCESS` and these fields.
    pub(crate) fn ok<K: Into<String>, V: Into<String>>(
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut all = vec![("result_code".to_owned(), "SUCCESS".to_owned())];
        all.extend(fields.into_iter().map(|(k, v)| (k.into(), v.into())));
        V2Reply::Fields {
            fields: all,
            tail: String::new(),
        }
    }

    /// `result_code` `FAIL` with `err_code` and `err_code_des`.
    pub(crate) fn error(code: &str, description: impl Into<String>) -> Self {
        V2Reply::Fields {
            fields: vec![
                ("result_code".to_owned(), "FAIL".to_owned()),
                ("err_code".to_owned(), code.to_owned()),
                ("err_code_des".to_owned(), description.into()),
            ],
            tail: String::new(),
        }
    }

    /// Adds fields after the ones there.
    pub(crate) fn with<K: Into<String>, V: Into<String>>(
        mut self,
        more: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        if let V2Reply::Fields { fields, .. } = &mut self {
            fields.extend(more.into_iter().map(|(k, v)| (k.into(), v.into())));
        }
        self
    }

    /// Adds raw XML inside the root, after the fields.
    pub(crate) fn with_tail(mut self, xml: String) -> Self {
        if let V2Reply::Fields { tail, .. } = &mut self {
            tail.push_str(&xml);
        }
        self
    }

    /// The HTTP answer: `signer` gives the request (whose `appid`,
    /// `mch_id`, … are echoed) and, for a signed answer, the key.
    pub(crate) fn into_reply(self, signer: Option<(&V2Request, &V2Key)>) -> Reply {
        let (mut fields, tail) = match self {
            V2Reply::File(reply) => return reply,
            V2Reply::Fail(msg) => {
                let fields = vec![
                    ("return_code".to_owned(), "FAIL".to_owned()),
                    ("return_msg".to_owned(), msg),
                ];
                return xml_reply(&xml::write(&fields));
            }
            V2Reply::Fields { fields, tail } => (fields, tail),
        };
        let mut head = vec![
            ("return_code".to_owned(), "SUCCESS".to_owned()),
            ("return_msg".to_owned(), "OK".to_owned()),
        ];
        if let Some((req, key)) = signer {
            for name in ECHOED {
                if let (Some(v), false) = (req.get(name), fields.iter().any(|(k, _)| k == name)) {
                    head.push((name.to_owned(), v.to_owned()));
                }
            }
            let nonce = Nonce::generate().map(|n| n.to_string()).unwrap_or_default();
            head.push(("nonce_str".to_owned(), nonce));
            head.append(&mut fields);
            let signature = sign::sign(&head, key, req.sign_type);
            head.push(("sign".to_owned(), signature));
        } else {
            head.append(&mut fields);
        }
        let mut body = xml::write(&head);
        if !tail.is_empty() {
            if let Some(end) = body.rfind("</xml>") {
                body.insert_str(end, &tail);
            }
        }
        xml_reply(&body)
    }
}

/// An XML answer, unsigned in the APIv3 sense (the `sign` field is its signature).
pub(crate) fn xml_reply(body: &str) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: Bytes::from(body.to_owned()),
        headers: vec![(
            CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        signed: false,
    }
}

/// The merchant a request names: `mch_id`, else `mchid`, else `combine_mch_id`.
fn merchant_of(fields: &[(String, String)]) -> Option<&str> {
    ["mch_id", "mchid", "combine_mch_id"]
        .iter()
        .find_map(|name| field(fields, name))
}

/// Reads and checks a v2 request: XML body (or query, for `GET`), known
/// merchant, `nonce_str`, `sign_type` (`accepts`), `sign`, nonce not
/// replayed. Refusals are `return_code` `FAIL`.
pub(crate) fn admit(
    shared: &Shared,
    request: &SandboxRequest,
    accepts: impl Fn(SignType) -> bool,
) -> Result<V2Request, V2Reply> {
    let fields = if request.method == Method::GET {
        request.query.clone()
    } else {
        if !looks_like_xml(&request.body) {
            return Err(V2Reply::fail(
                "the body must be XML: one <xml> element with a child per field",
            ));
        }
        xml::parse(&request.body)
            .map_err(|e| V2Reply::fail(format!("the body is not valid XML: {e}")))?
    };
    let mchid = merchant_of(&fields)
        .ok_or_else(|| V2Reply::fail("mch_id is required"))?
        .to_owned();
    let key = shared.state().v2.keys.get(&mchid).cloned();
    let key = key
        .filter(|_| shared.merchant(&mchid).is_some())
        .ok_or_else(|| V2Reply::fail(format!("mch_id {mchid} is not a known merchant")))?;
    let nonce = field(&fields, "nonce_str")
        .ok_or_else(|| V2Reply::fail("nonce_str is required"))?
        .to_owned();
    if nonce.chars().count() > MAX_NONCE {
        return Err(V2Reply::fail("nonce_str must be at most 32 characters"));
    }
    let sign_type = match field(&fields, "sign_type") {
        None => SignType::Md5,
        Some(text) => SignType::parse(text)
            .filter(|t| accepts(*t))
            .ok_or_else(|| {
                V2Reply::fail(format!(
                    "sign_type {text} is not accepted by this operation"
                ))
            })?,
    };
    let given = field(&fields, "sign").ok_or_else(|| V2Reply::fail("sign is required"))?;
    if !sign::verify(&fields, &key, sign_type, given) {
        return Err(V2Reply::fail("the sign does not verify"));
    }
    if !shared.state().v2.remember_nonce(&mchid, &nonce) {
        return Err(V2Reply::fail(
            "nonce_str was already used: every request needs a new one",
        ));
    }
    Ok(V2Request {
        fields,
        mchid,
        sign_type,
        key,
    })
}

/// Whether the first non-blank bytes open an `<xml>` element (or an XML declaration).
fn looks_like_xml(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = body.get(start..).unwrap_or_default();
    rest.starts_with(b"<xml") || rest.starts_with(b"<?xml")
}
