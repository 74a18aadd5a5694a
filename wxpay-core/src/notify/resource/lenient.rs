//! Fields the platform's pages type inconsistently (a plan id that is a
//! number in one product and a string in another, an amount sometimes
//! sent as text): read either way, kept in one type.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string, or a number kept as its decimal text.
pub(super) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_)) => {
            return Err(serde::de::Error::custom(
                "invalid type, expected a string or a number",
            ));
        }
    })
}

/// An integer (an amount in fen, a plan id), as a number or as decimal text.
pub(super) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| serde::de::Error::custom("invalid value, expected an integer"))?,
        ),
        Some(Value::String(s)) => Some(
            s.trim()
                .parse()
                .map_err(|_| serde::de::Error::custom("invalid value, expected an integer"))?,
        ),
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_)) => {
            return Err(serde::de::Error::custom(
                "invalid type, expected an integer",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Both {
        #[serde(default, deserialize_with = "super::opt_string")]
        id: Option<String>,
        #[serde(default, deserialize_with = "super::opt_int")]
        fen: Option<i64>,
    }

    #[test]
    fn numbers_and_text_both_read() {
        let b: Both = serde_json::from_str(r#"{"id":12,"fen":"34"}"#).unwrap();
        assert_eq!((b.id.as_deref(), b.fen), (Some("12"), Some(34)));
        let b: Both = serde_json::from_str(r#"{"id":"x","fen":5}"#).unwrap();
        assert_eq!((b.id.as_deref(), b.fen), (Some("x"), Some(5)));
        let b: Both = serde_json::from_str(r#"{"id":null}"#).unwrap();
        assert_eq!((b.id, b.fen), (None, None));
        assert!(serde_json::from_str::<Both>(r#"{"fen":"1.5"}"#).is_err());
        assert!(serde_json::from_str::<Both>(r#"{"id":{}}"#).is_err());
    }
}
