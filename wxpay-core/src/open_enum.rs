//! [`open_enum!`](crate::open_enum): enums for values the server sends,
//! which keep values added after this crate was written.
//!
//! WeChat Pay adds enum values (a new `trade_state`, a new refund channel)
//! without notice. A plain `#[derive(Deserialize)]` enum would turn such an
//! answer into a decoding error; an open enum reads it as `Other("…")`
//! instead, and writes it back unchanged.

/// Declares an enum of wire strings with an `Other(String)` variant for
/// values it does not list.
///
/// ```
/// wxpay_core::open_enum! {
///     /// Where a parcel is.
///     pub enum ParcelState {
///         /// On its way.
///         InTransit = "IN_TRANSIT",
///         /// Arrived.
///         Delivered = "DELIVERED",
///     }
/// }
///
/// let known: ParcelState = serde_json::from_str(r#""DELIVERED""#).unwrap();
/// assert_eq!(known, ParcelState::Delivered);
/// let new: ParcelState = serde_json::from_str(r#""LOST_AT_SEA""#).unwrap();
/// assert_eq!(new, ParcelState::Other("LOST_AT_SEA".into()));
/// assert_eq!(serde_json::to_string(&new).unwrap(), r#""LOST_AT_SEA""#);
/// assert_eq!(new.as_str(), "LOST_AT_SEA");
/// ```
///
/// The enum derives `Debug`, `Clone`, `PartialEq`, `Eq` and `Hash`, is
/// `#[non_exhaustive]` (values may become variants in later versions), and
/// implements `Serialize`/`Deserialize` as a string, `Display`,
/// `From<&str>`, `From<String>` and `as_str()`, and can be a query field
/// ([`QueryScalar`](crate::endpoint::QueryScalar)). Reading never produces
/// `Other` for a listed value, so a value read and written back is the
/// same string.
///
/// Generated code reaches serde through `wxpay_core`, so a crate using the
/// macro needs no other dependency.
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not list, kept exactly as received.
            Other($crate::__private::String),
        }

        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value.as_str(),
                }
            }

            /// Whether the value is one of the listed variants (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.into()),
                }
            }
        }

        impl ::core::convert::From<$crate::__private::String> for $name {
            fn from(value: $crate::__private::String) -> Self {
                match value.as_str() {
                    $( $wire => Self::$variant, )+
                    _ => Self::Other(value),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::QueryScalar for $name {}

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                let value: $crate::__private::String =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                ::core::result::Result::Ok(Self::from(value))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! {
        /// A test enum.
        pub enum Light {
            /// Stop.
            Red = "RED",
            /// Go.
            Green = "GREEN",
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Holder {
        light: Light,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maybe: Option<Light>,
    }

    #[test]
    fn known_values_read_as_variants() {
        let h: Holder = serde_json::from_str(r#"{"light":"GREEN","maybe":"RED"}"#).unwrap();
        assert_eq!(h.light, Light::Green);
        assert_eq!(h.maybe, Some(Light::Red));
        assert!(h.light.is_known());
        assert_eq!(Light::from("RED"), Light::Red);
        assert_eq!(Light::from(String::from("GREEN")), Light::Green);
    }

    #[test]
    fn unknown_values_are_kept_and_round_trip() {
        let text = r#"{"light":"AMBER_FLASHING"}"#;
        let h: Holder = serde_json::from_str(text).unwrap();
        assert_eq!(h.light, Light::Other("AMBER_FLASHING".into()));
        assert!(!h.light.is_known());
        assert_eq!(h.maybe, None);
        assert_eq!(serde_json::to_string(&h).unwrap(), text);
        assert_eq!(h.light.to_string(), "AMBER_FLASHING");
        assert_eq!(h.light.as_str(), "AMBER_FLASHING");
    }

    #[test]
    fn values_are_case_sensitive_and_must_be_strings() {
        assert_eq!(Light::from("red"), Light::Other("red".into()));
        assert!(serde_json::from_str::<Light>("1").is_err());
        assert!(serde_json::from_str::<Light>("null").is_err());
        assert_eq!(serde_json::to_string(&Light::Red).unwrap(), r#""RED""#);
    }

    #[test]
    fn usable_in_query_strings() {
        let mut s = String::from("/v3/x");
        let mut q = crate::endpoint::QueryWriter::new(&mut s);
        q.pair("a", &Light::Green).unwrap();
        q.pair("b", &Light::Other("NEW VALUE".into())).unwrap();
        assert_eq!(s, "/v3/x?a=GREEN&b=NEW%20VALUE");
    }
}
