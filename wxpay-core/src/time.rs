//! RFC 3339 times as [`OffsetDateTime`] (the `time` crate), for the
//! fields the models keep as `String` (`success_time`, `time_expire`,
//! `create_time`…: `2018-06-08T10:34:56+08:00`).
//!
//! The models stay `String`, so a time the platform writes in an
//! unexpected shape never fails a whole answer; parse where a value is
//! needed:
//!
//! ```
//! use wxpay_core::time::{Rfc3339Ext as _, format_rfc3339, parse_rfc3339};
//!
//! let paid = "2018-06-08T10:34:56+08:00".rfc3339()?;
//! assert_eq!(paid.unix_timestamp(), 1_528_425_296);
//! let success_time: Option<String> = None;
//! assert_eq!(success_time.rfc3339()?, None);
//! // Writing one keeps its offset.
//! assert_eq!(format_rfc3339(&parse_rfc3339("2018-06-08T10:34:56+08:00")?)?, "2018-06-08T10:34:56+08:00");
//! # Ok::<(), wxpay_core::time::TimeError>(())
//! ```
//!
//! For models of your own, [`rfc3339`] and [`rfc3339::option`] are serde
//! `with` modules:
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Settlement {
//!     #[serde(with = "wxpay_core::time::rfc3339")]
//!     settled_at: wxpay_core::time::OffsetDateTime,
//!     #[serde(with = "wxpay_core::time::rfc3339::option", default)]
//!     reversed_at: Option<wxpay_core::time::OffsetDateTime>,
//! }
//! ```
//!
//! Behind the `time` feature.

use std::fmt;

use ::time::UtcOffset;
use ::time::format_description::well_known::Rfc3339;

pub use ::time::OffsetDateTime;

/// The platform's offset, UTC+8 (China Standard Time).
pub const CHINA: UtcOffset = match UtcOffset::from_whole_seconds(8 * 3600) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// A time that is not RFC 3339, or cannot be written as such (a year
/// outside 0000–9999, or an offset with seconds).
#[derive(Debug)]
pub struct TimeError {
    text: Option<String>,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TimeError {
    /// The text that did not parse (`None` when formatting failed).
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => write!(f, "{text:?} is not an RFC 3339 time"),
            None => f.write_str("the time cannot be written in RFC 3339"),
        }
    }
}

impl std::error::Error for TimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Parses an RFC 3339 time with its offset: `2018-06-08T10:34:56+08:00`,
/// `2020-05-20T13:29:35.120+08:00`, `2018-06-08T02:34:56Z`.
pub fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, TimeError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| TimeError {
        text: Some(text.to_owned()),
        source: Box::new(e),
    })
}

/// Writes `time` in RFC 3339 with its own offset (`+08:00` stays
/// `+08:00`, UTC is `Z`), fractional seconds only when there are some.
/// Convert with [`in_china`] first to write what the platform writes.
pub fn format_rfc3339(time: &OffsetDateTime) -> Result<String, TimeError> {
    time.format(&Rfc3339).map_err(|e| TimeError {
        text: None,
        source: Box::new(e),
    })
}

/// The same instant at UTC+8, as the platform writes times.
pub fn in_china(time: OffsetDateTime) -> OffsetDateTime {
    time.to_offset(CHINA)
}

/// Parses a model's time string: `"…".rfc3339()`, and
/// `Option<String>::rfc3339()` for optional fields.
pub trait Rfc3339Ext {
    /// What the value parses to.
    type Output;

    /// Parses the value as an RFC 3339 time (see [`parse_rfc3339`]).
    fn rfc3339(&self) -> Result<Self::Output, TimeError>;
}

impl Rfc3339Ext for str {
    type Output = OffsetDateTime;

    fn rfc3339(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339(self)
    }
}

impl Rfc3339Ext for String {
    type Output = OffsetDateTime;

    fn rfc3339(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339(self)
    }
}

impl Rfc3339Ext for Option<String> {
    type Output = Option<OffsetDateTime>;

    fn rfc3339(&self) -> Result<Option<OffsetDateTime>, TimeError> {
        self.as_deref().map(parse_rfc3339).transpose()
    }
}

/// `#[serde(with = "wxpay_core::time::rfc3339")]` for an
/// [`OffsetDateTime`] written as an RFC 3339 string.
pub mod rfc3339 {
    use serde::{Deserialize as _, Deserializer, Serializer};

    use super::{OffsetDateTime, format_rfc3339, parse_rfc3339};

    /// Writes the time with [`format_rfc3339`].
    pub fn serialize<S: Serializer>(time: &OffsetDateTime, out: S) -> Result<S::Ok, S::Error> {
        let text = format_rfc3339(time).map_err(serde::ser::Error::custom)?;
        out.serialize_str(&text)
    }

    /// Reads the time with [`parse_rfc3339`].
    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<OffsetDateTime, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(input)?;
        parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<OffsetDateTime>` (`null` or absent is `None`;
    /// add `#[serde(default)]` for absent).
    pub mod option {
        use serde::{Deserialize as _, Deserializer, Serializer};

        use super::super::{OffsetDateTime, format_rfc3339, parse_rfc3339};

        /// Writes the time, or `null`.
        pub fn serialize<S: Serializer>(
            time: &Option<OffsetDateTime>,
            out: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => {
                    let text = format_rfc3339(time).map_err(serde::ser::Error::custom)?;
                    out.serialize_some(&text)
                }
                None => out.serialize_none(),
            }
        }

        /// Reads a time, or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            input: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            let text = Option::<std::borrow::Cow<'de, str>>::deserialize(input)?;
            text.map(|t| parse_rfc3339(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platforms_formats_parse() {
        let t = parse_rfc3339("2018-06-08T10:34:56+08:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_528_425_296);
        assert_eq!(t.offset(), CHINA);
        let ms = parse_rfc3339("2020-05-20T13:29:35.120+08:00").unwrap();
        assert_eq!(ms.millisecond(), 120);
        let utc = parse_rfc3339("2018-06-08T02:34:56Z").unwrap();
        assert_eq!(utc, t);
        assert_eq!(format_rfc3339(&t).unwrap(), "2018-06-08T10:34:56+08:00");
        assert_eq!(format_rfc3339(&utc).unwrap(), "2018-06-08T02:34:56Z");
        assert_eq!(
            format_rfc3339(&in_china(utc)).unwrap(),
            "2018-06-08T10:34:56+08:00"
        );
        assert_eq!(format_rfc3339(&ms).unwrap(), "2020-05-20T13:29:35.12+08:00");
    }

    #[test]
    fn other_shapes_are_errors_naming_the_text() {
        for bad in [
            "2018-06-08 10:34:56",
            "2018-06-08T10:34:56",
            "2018-06-08",
            "20180608103456",
            "",
        ] {
            let e = parse_rfc3339(bad).unwrap_err();
            assert_eq!(e.text(), Some(bad));
            assert!(e.to_string().contains("not an RFC 3339 time"));
        }
    }

    #[test]
    fn model_strings_and_serde_fields() {
        let some = Some("2018-06-08T10:34:56+08:00".to_owned());
        assert!(some.rfc3339().unwrap().is_some());
        assert!(None::<String>.rfc3339().unwrap().is_none());
        assert!(Some("yesterday".to_owned()).rfc3339().is_err());

        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Model {
            #[serde(with = "rfc3339")]
            at: OffsetDateTime,
            #[serde(with = "rfc3339::option", default)]
            until: Option<OffsetDateTime>,
        }
        let json = r#"{"at":"2018-06-08T10:34:56+08:00","until":null}"#;
        let m: Model = serde_json::from_str(json).unwrap();
        assert_eq!(m.at.unix_timestamp(), 1_528_425_296);
        assert_eq!(serde_json::to_string(&m).unwrap(), json);
        let m: Model = serde_json::from_str(r#"{"at":"2018-06-08T10:34:56+08:00"}"#).unwrap();
        assert_eq!(m.until, None);
        let e = serde_json::from_str::<Model>(r#"{"at":"2018-06-08"}"#).unwrap_err();
        assert!(e.to_string().contains("not an RFC 3339 time"), "{e}");
    }
}
