//! Query strings: which values may stand in one, and how they are written.
//!
//! A value is written as its text, percent-encoded (only RFC 3986
//! unreserved characters are kept), after `name=`. [`QueryValue`] says
//! what may be written; `#[endpoint]` requires it of every query field, so
//! a field that has no text form is a compile error at the field, not a
//! failed request:
//!
//! - scalars ([`QueryScalar`]): strings, integers, floats, `bool`,
//!   `char`, the enums of [`open_enum!`](crate::open_enum) (their wire
//!   string), and references to these; each written as its `Display`
//!   text;
//! - `Option` of a query value: `None` leaves the pair out;
//! - `Vec` or slice of scalars: the items joined with `,` (which is then
//!   percent-encoded like any character); an empty list leaves the pair
//!   out.
//!
//! A type of your own becomes a scalar by implementing [`QueryScalar`],
//! which asks only for `Display`.

use std::fmt::{self, Write as _};

use crate::endpoint::percent_encode_into;
use crate::error::Error;

/// Writes `name=value` pairs after a path: `?` before the first, `&`
/// before the others.
///
/// ```
/// use wxpay_core::endpoint::QueryWriter;
///
/// let mut path = String::from("/v3/bill/tradebill");
/// let mut query = QueryWriter::new(&mut path);
/// query.pair("bill_date", &"2026-05-01")?;
/// query.pair("bill_type", &Some("ALL"))?;
/// query.pair("tar_type", &None::<String>)?;
/// assert_eq!(path, "/v3/bill/tradebill?bill_date=2026-05-01&bill_type=ALL");
/// # Ok::<(), wxpay_core::Error>(())
/// ```
pub struct QueryWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> QueryWriter<'a> {
    /// Starts a query string after the path in `out`.
    pub fn new(out: &'a mut String) -> Self {
        QueryWriter { out, first: true }
    }

    /// Adds `name=value`, both percent-encoded, unless the value is absent
    /// (`None`, an empty list).
    ///
    /// Fails only when the value's `Display` implementation reports an
    /// error (the standard types never do).
    pub fn pair(&mut self, name: &str, value: &dyn QueryValue) -> Result<(), Error> {
        let mut text = String::new();
        match value.write_query_value(&mut text) {
            Ok(false) => Ok(()),
            Ok(true) => {
                self.out.push(if self.first { '?' } else { '&' });
                self.first = false;
                percent_encode_into(self.out, name);
                self.out.push('=');
                percent_encode_into(self.out, &text);
                Ok(())
            }
            Err(fmt::Error) => Err(Error::build(format!(
                "query parameter `{name}` could not be written: its `Display` implementation failed"
            ))),
        }
    }
}

/// A value that can be written into a query string: a [`QueryScalar`], an
/// `Option` of a query value, or a `Vec` or slice of scalars.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written into a query string",
    label = "not a query value",
    note = "a query field is a string, number, `bool`, `char` or `open_enum!` enum, an `Option` of one, or a `Vec` of those; a type of your own can implement `QueryScalar` (it needs `Display`)"
)]
pub trait QueryValue {
    /// Appends the value's text, not yet percent-encoded, to `out`, and
    /// says whether there was one: `false` leaves the pair out.
    fn write_query_value(&self, out: &mut String) -> Result<bool, fmt::Error>;
}

/// A single value written into a query string as its `Display` text.
///
/// Implemented for strings, integers, floats, `bool`, `char`, references
/// to scalars and the enums of [`open_enum!`](crate::open_enum); implement
/// it for a type of your own to use it in query fields:
///
/// ```
/// use std::fmt;
/// use wxpay_core::endpoint::{QueryScalar, QueryWriter};
///
/// struct Day(u16, u8, u8);
///
/// impl fmt::Display for Day {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "{:04}-{:02}-{:02}", self.0, self.1, self.2)
///     }
/// }
///
/// impl QueryScalar for Day {}
///
/// let mut path = String::from("/v3/bill/tradebill");
/// QueryWriter::new(&mut path).pair("bill_date", &Day(2026, 5, 1))?;
/// assert_eq!(path, "/v3/bill/tradebill?bill_date=2026-05-01");
/// # Ok::<(), wxpay_core::Error>(())
/// ```
pub trait QueryScalar: fmt::Display {}

macro_rules! scalars {
    ($($ty:ty),* $(,)?) => {
        $( impl QueryScalar for $ty {} )*
    };
}

scalars!(
    str, String, bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32,
    f64,
);

impl<T: QueryScalar + ?Sized> QueryScalar for &T {}

impl<T: QueryScalar + ?Sized> QueryValue for T {
    fn write_query_value(&self, out: &mut String) -> Result<bool, fmt::Error> {
        write!(out, "{self}")?;
        Ok(true)
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn write_query_value(&self, out: &mut String) -> Result<bool, fmt::Error> {
        match self {
            Some(value) => value.write_query_value(out),
            None => Ok(false),
        }
    }
}

impl<T: QueryScalar> QueryValue for [T] {
    fn write_query_value(&self, out: &mut String) -> Result<bool, fmt::Error> {
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write!(out, "{item}")?;
        }
        Ok(!self.is_empty())
    }
}

impl<T: QueryScalar> QueryValue for Vec<T> {
    fn write_query_value(&self, out: &mut String) -> Result<bool, fmt::Error> {
        self.as_slice().write_query_value(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_options_and_lists() {
        let mut s = String::from("/v3/q");
        let mut q = QueryWriter::new(&mut s);
        q.pair("mchid", &"1900000109").unwrap();
        q.pair("offset", &Some(10u32)).unwrap();
        q.pair("limit", &None::<u32>).unwrap();
        q.pair("flag", &true).unwrap();
        q.pair("rate", &0.5f64).unwrap();
        q.pair("ids", &vec!["a b", "c"]).unwrap();
        q.pair("empty", &Vec::<String>::new()).unwrap();
        q.pair("some_list", &Some(vec![1i64, 2])).unwrap();
        q.pair("time", &String::from("2018-06-08T10:34:56+08:00"))
            .unwrap();
        assert_eq!(
            s,
            "/v3/q?mchid=1900000109&offset=10&flag=true&rate=0.5&ids=a%20b%2Cc&some_list=1%2C2&time=2018-06-08T10%3A34%3A56%2B08%3A00"
        );
    }

    #[test]
    fn a_failing_display_is_an_error_naming_the_parameter() {
        struct Broken;
        impl fmt::Display for Broken {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        impl QueryScalar for Broken {}
        let mut s = String::new();
        let e = QueryWriter::new(&mut s).pair("b", &Broken).unwrap_err();
        assert!(e.to_string().contains("query parameter `b`"), "{e}");
        assert_eq!(s, "");
    }
}
