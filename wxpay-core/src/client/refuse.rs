//! What the client refuses before anything is sent.

use http::HeaderMap;

use crate::endpoint::RequestBody;
use crate::error::Error;
use crate::protocol::header;

/// Refuses endpoint headers that would replace or duplicate the client's own.
pub(super) fn check_extra_headers(extra: &HeaderMap) -> Result<(), Error> {
    match extra
        .keys()
        .find(|name| header::is_reserved_header(name.as_str()))
    {
        Some(name) => Err(Error::build(format!(
            "the endpoint sets the header `{name}`, which the client writes itself"
        ))),
        None => Ok(()),
    }
}

/// Refuses a JSON body holding characters outside the Basic Multilingual
/// Plane (4-byte UTF-8: emoji and the like), which the platform rejects,
/// naming the field that holds one.
pub(super) fn refuse_four_byte_utf8(body: &RequestBody) -> Result<(), Error> {
    let RequestBody::Json(bytes) = body else {
        return Ok(());
    };
    // A 4-byte sequence is the only one starting with 0xF0..=0xF4.
    if !bytes.iter().any(|&b| b >= 0xF0) {
        return Ok(());
    }
    let field = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| path_to_four_byte(&value))
        .unwrap_or_default();
    Err(Error::build(format!(
        "the field `{field}` holds a character outside the Basic Multilingual Plane (such as an emoji), which WeChat Pay refuses; nothing was sent"
    )))
}

/// The dotted path (`goods_detail[2].goods_name`) of the first string or
/// member name holding a 4-byte character.
fn path_to_four_byte(value: &serde_json::Value) -> Option<String> {
    let wide = |s: &str| s.chars().any(|c| c.len_utf8() == 4);
    match value {
        serde_json::Value::String(s) if wide(s) => Some(String::new()),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path_to_four_byte(item).map(|rest| format!("[{i}]{}", dotted(&rest)))
        }),
        serde_json::Value::Object(members) => members.iter().find_map(|(name, member)| {
            if wide(name) {
                return Some(name.clone());
            }
            path_to_four_byte(member).map(|rest| format!("{name}{}", dotted(&rest)))
        }),
        _ => None,
    }
}

/// `rest` as it follows a name: `.x`, `[i]…`, or nothing.
fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_owned()
    } else {
        format!(".{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(json: serde_json::Value) -> String {
        let body = RequestBody::json(&json).unwrap();
        refuse_four_byte_utf8(&body).unwrap_err().to_string()
    }

    #[test]
    fn four_byte_characters_are_refused_naming_the_field() {
        let ok = RequestBody::json(&serde_json::json!({"description": "腾讯充值中心-QQ会员充值"}))
            .unwrap();
        refuse_four_byte_utf8(&ok).unwrap();
        let e = refused(serde_json::json!({"description": "coffee \u{2615}\u{fe0f} \u{1f600}"}));
        assert!(e.contains("`description`"), "{e}");
        let e = refused(serde_json::json!({
            "detail": {"goods_detail": [{"goods_name": "ok"}, {"goods_name": "\u{1f4b0}"}]}
        }));
        assert!(e.contains("`detail.goods_detail[1].goods_name`"), "{e}");
        refuse_four_byte_utf8(&RequestBody::Empty).unwrap();
    }
}
