//! A small, strict `multipart/form-data` parser (RFC 7578 over RFC 2046),
//! for media uploads.
//!
//! Strict on purpose: the sandbox should refuse what a careless client
//! sends, and a small grammar is easy to fuzz. Accepted:
//!
//! - `Content-Type: multipart/form-data; boundary=…` (the boundary 1–70
//!   characters of RFC 2046's set, quoted or not, given once);
//! - a body that starts with `--boundary` (no preamble), parts separated by
//!   `\r\n--boundary\r\n`, closed by `\r\n--boundary--` and at most a final
//!   `\r\n` (no epilogue);
//! - part headers of UTF-8 `Name: value` lines ending in `\r\n`, at most 16
//!   of at most 1 KiB each, with exactly one
//!   `Content-Disposition: form-data; name="…"` (optionally `filename="…"`)
//!   and at most one `Content-Type`;
//! - at most 8 parts, each name once.
//!
//! Part bodies are borrowed from the request body, not copied.

use std::fmt;

/// At most this many parts.
pub const MAX_PARTS: usize = 8;
/// At most this many header lines per part.
pub const MAX_HEADERS: usize = 16;
/// At most this many bytes per header line.
pub const MAX_HEADER_LINE: usize = 1024;

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, when given.
    pub filename: Option<String>,
    /// Its `Content-Type`, when given.
    pub content_type: Option<String>,
    /// Its content.
    pub body: &'a [u8],
}

/// A parsed form: its parts in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart<'a> {
    /// The parts, in the order they came.
    pub parts: Vec<Part<'a>>,
}

impl<'a> Multipart<'a> {
    /// The part with this name.
    pub fn part(&self, name: &str) -> Option<&Part<'a>> {
        self.parts.iter().find(|p| p.name == name)
    }
}

/// Why a body is not an acceptable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError(String);

impl MultipartError {
    fn new(message: impl Into<String>) -> Self {
        MultipartError(message.into())
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed multipart body: {}", self.0)
    }
}

impl std::error::Error for MultipartError {}

/// Whether a `Content-Type` value announces a multipart form.
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The boundary named by a `multipart/form-data` `Content-Type`.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut pieces = content_type.split(';');
    if !pieces
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
    {
        return Err(MultipartError::new(
            "the content type is not multipart/form-data",
        ));
    }
    let mut found = None;
    for param in pieces {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let (key, value) = param.split_once('=').ok_or_else(|| {
            MultipartError::new(format!("content type parameter {param:?} has no value"))
        })?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        if found.is_some() {
            return Err(MultipartError::new("the boundary is given twice"));
        }
        let value = value.trim();
        let value = match value.strip_prefix('"') {
            Some(v) => v
                .strip_suffix('"')
                .ok_or_else(|| MultipartError::new("the quoted boundary is not closed"))?,
            None => value,
        };
        found = Some(value.to_owned());
    }
    let b = found.ok_or_else(|| MultipartError::new("the content type has no boundary"))?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    if b.is_empty() || b.len() > 70 || !b.chars().all(allowed) || b.ends_with(' ') {
        return Err(MultipartError::new(
            "the boundary must be 1-70 characters of RFC 2046's set",
        ));
    }
    Ok(b)
}

/// Parses `body` as a form with the boundary of `content_type`.
pub fn parse<'a>(content_type: &str, body: &'a [u8]) -> Result<Multipart<'a>, MultipartError> {
    let boundary = boundary(content_type)?;
    let dash_boundary = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut rest = body
        .strip_prefix(dash_boundary.as_bytes())
        .ok_or_else(|| MultipartError::new("the body does not start with the boundary"))?;
    let mut parts: Vec<Part<'a>> = Vec::new();
    loop {
        if let Some(after) = rest.strip_prefix(b"--") {
            if !(after.is_empty() || after == b"\r\n") {
                return Err(MultipartError::new("content after the closing boundary"));
            }
            break;
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| MultipartError::new("the boundary is not followed by a line break"))?;
        if parts.len() == MAX_PARTS {
            return Err(MultipartError::new(format!("more than {MAX_PARTS} parts")));
        }
        let (headers, after_headers) = split_headers(rest)?;
        let end = find(after_headers, delimiter.as_bytes())
            .ok_or_else(|| MultipartError::new("a part is not closed by the boundary"))?;
        let (content, after) = after_headers.split_at(end);
        let part = part(headers, content)?;
        if parts.iter().any(|p| p.name == part.name) {
            return Err(MultipartError::new(format!(
                "the part {:?} is given twice",
                part.name
            )));
        }
        parts.push(part);
        rest = after.get(delimiter.len()..).unwrap_or_default();
    }
    if parts.is_empty() {
        return Err(MultipartError::new("the form has no parts"));
    }
    Ok(Multipart { parts })
}

/// Splits a part into its header lines and what follows the empty line.
fn split_headers(part: &[u8]) -> Result<(Vec<&str>, &[u8]), MultipartError> {
    let mut lines = Vec::new();
    let mut rest = part;
    loop {
        let end = find(rest, b"\r\n")
            .filter(|&e| e <= MAX_HEADER_LINE)
            .ok_or_else(|| {
                MultipartError::new(format!(
                    "a part header line is missing its end or longer than {MAX_HEADER_LINE} bytes"
                ))
            })?;
        let (line, after) = rest.split_at(end);
        rest = after.get(2..).unwrap_or_default();
        if line.is_empty() {
            return Ok((lines, rest));
        }
        if lines.len() == MAX_HEADERS {
            return Err(MultipartError::new(format!(
                "a part has more than {MAX_HEADERS} header lines"
            )));
        }
        let line = std::str::from_utf8(line)
            .map_err(|_| MultipartError::new("a part header is not UTF-8"))?;
        lines.push(line);
    }
}

/// Reads a part's headers.
fn part<'a>(headers: Vec<&str>, body: &'a [u8]) -> Result<Part<'a>, MultipartError> {
    let mut disposition = None;
    let mut content_type = None;
    for line in headers {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| MultipartError::new(format!("part header {line:?} has no colon")))?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(MultipartError::new(format!(
                "part header name {name:?} is not a token"
            )));
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-disposition") {
            if disposition.replace(value).is_some() {
                return Err(MultipartError::new("Content-Disposition is given twice"));
            }
        } else if name.eq_ignore_ascii_case("content-type")
            && content_type.replace(value.to_owned()).is_some()
        {
            return Err(MultipartError::new("Content-Type is given twice"));
        }
    }
    let disposition =
        disposition.ok_or_else(|| MultipartError::new("a part has no Content-Disposition"))?;
    let (name, filename) = parse_disposition(disposition)?;
    Ok(Part {
        name,
        filename,
        content_type,
        body,
    })
}

/// `form-data; name="…"; filename="…"` → name and file name.
fn parse_disposition(value: &str) -> Result<(String, Option<String>), MultipartError> {
    let (kind, mut rest) = match value.split_once(';') {
        Some((k, r)) => (k, r),
        None => (value, ""),
    };
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(MultipartError::new("Content-Disposition is not form-data"));
    }
    let mut name = None;
    let mut filename = None;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let eq = rest
            .find('=')
            .ok_or_else(|| MultipartError::new("a Content-Disposition parameter has no value"))?;
        let key = rest
            .get(..eq)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let after = rest.get(eq + 1..).unwrap_or_default().trim_start();
        let (value, tail) = match after.strip_prefix('"') {
            Some(quoted) => quoted_value(quoted)?,
            None => token_value(after)?,
        };
        let slot = match key.as_str() {
            "name" => Some(&mut name),
            "filename" => Some(&mut filename),
            _ => None,
        };
        if let Some(slot) = slot {
            if slot.replace(value).is_some() {
                return Err(MultipartError::new(format!(
                    "the Content-Disposition parameter {key} is given twice"
                )));
            }
        }
        let tail = tail.trim_start();
        rest = match tail.strip_prefix(';') {
            Some(t) => t,
            None if tail.is_empty() => "",
            None => {
                return Err(MultipartError::new(
                    "Content-Disposition parameters must be separated by `;`",
                ));
            }
        };
    }
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| MultipartError::new("a part has no name"))?;
    Ok((name, filename))
}

/// A quoted parameter value (after its opening quote), with `\`
/// escapes, and what follows its closing quote.
fn quoted_value(quoted: &str) -> Result<(String, &str), MultipartError> {
    let unclosed = || MultipartError::new("a quoted Content-Disposition parameter is not closed");
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    let close = loop {
        match chars.next().ok_or_else(unclosed)? {
            (i, '"') => break i,
            (_, '\\') => value.push(chars.next().ok_or_else(unclosed)?.1),
            (_, c) => value.push(c),
        }
    };
    Ok((value, quoted.get(close + 1..).unwrap_or_default()))
}

/// An unquoted parameter value (a token up to the next `;`), and what follows it.
fn token_value(after: &str) -> Result<(String, &str), MultipartError> {
    let end = after.find(';').unwrap_or(after.len());
    let token = after.get(..end).unwrap_or_default().trim();
    if token.is_empty() || token.contains(['"', ' ']) {
        return Err(MultipartError::new(
            "a Content-Disposition parameter is neither quoted nor a token",
        ));
    }
    Ok((token.to_owned(), after.get(end..).unwrap_or_default()))
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + offset;
        if haystack.get(at..at + needle.len()) == Some(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=XyZ";

    fn form(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (headers, body) in parts {
            out.extend_from_slice(format!("--XyZ\r\n{headers}\r\n\r\n{body}\r\n").as_bytes());
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        out
    }

    #[test]
    fn a_media_upload_parses() {
        let body = form(&[
            (
                "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json",
                r#"{"filename":"图.png","sha256":"x"}"#,
            ),
            (
                "content-disposition: form-data; name=file; filename=\"图.png\"\r\nContent-Type: image/png",
                "\u{89}PNG\r\n--XY not a boundary\r\n",
            ),
        ]);
        let m = parse(CT, &body).unwrap();
        assert_eq!(m.parts.len(), 2);
        let meta = m.part("meta").unwrap();
        assert_eq!(
            meta.body,
            r#"{"filename":"图.png","sha256":"x"}"#.as_bytes()
        );
        assert_eq!(meta.content_type.as_deref(), Some("application/json"));
        let file = m.part("file").unwrap();
        assert_eq!(file.filename.as_deref(), Some("图.png"));
        assert_eq!(file.body, "\u{89}PNG\r\n--XY not a boundary\r\n".as_bytes());
        // Without the final CRLF, and with a quoted boundary.
        let mut body = body;
        body.truncate(body.len() - 2);
        assert!(parse("Multipart/Form-Data; charset=x; boundary=\"XyZ\"", &body).is_ok());
    }

    #[test]
    fn boundaries_are_checked() {
        assert_eq!(boundary(CT).unwrap(), "XyZ");
        for bad in [
            "application/json",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=a; boundary=b",
            "multipart/form-data; boundary=\"open",
            "multipart/form-data; boundary=bad<char>",
            "multipart/form-data; boundary",
        ] {
            assert!(boundary(bad).is_err(), "{bad}");
        }
        assert!(boundary(&format!("multipart/form-data; boundary={}", "a".repeat(71))).is_err());
        assert!(is_multipart("multipart/form-data; boundary=x"));
        assert!(!is_multipart("application/json"));
    }

    #[test]
    fn sloppy_bodies_are_refused() {
        let good = form(&[("Content-Disposition: form-data; name=\"a\"", "1")]);
        assert!(parse(CT, &good).is_ok());
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("preamble", [b"junk\r\n".as_slice(), &good].concat()),
            ("epilogue", [good.as_slice(), b"junk"].concat()),
            (
                "unclosed",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1".to_vec(),
            ),
            ("no disposition", form(&[("Content-Type: text/plain", "1")])),
            (
                "not form-data",
                form(&[("Content-Disposition: attachment; name=\"a\"", "1")]),
            ),
            (
                "no name",
                form(&[("Content-Disposition: form-data; filename=\"a\"", "1")]),
            ),
            (
                "empty name",
                form(&[("Content-Disposition: form-data; name=\"\"", "1")]),
            ),
            (
                "twice",
                form(&[
                    ("Content-Disposition: form-data; name=\"a\"", "1"),
                    ("Content-Disposition: form-data; name=\"a\"", "2"),
                ]),
            ),
            (
                "two dispositions",
                form(&[(
                    "Content-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"",
                    "1",
                )]),
            ),
            (
                "two names",
                form(&[(
                    "Content-Disposition: form-data; name=\"a\"; name=\"b\"",
                    "1",
                )]),
            ),
            (
                "open quote",
                form(&[("Content-Disposition: form-data; name=\"a", "1")]),
            ),
            ("no colon", form(&[("Content-Disposition form-data", "1")])),
            (
                "bad header name",
                form(&[("Content Disposition: form-data; name=a", "1")]),
            ),
            (
                "junk after quote",
                form(&[("Content-Disposition: form-data; name=\"a\"x", "1")]),
            ),
            (
                "bare LF",
                b"--XyZ\nContent-Disposition: form-data; name=a\n\n1\r\n--XyZ--".to_vec(),
            ),
            ("no parts", b"--XyZ--".to_vec()),
            (
                "long header",
                form(&[(
                    &format!(
                        "Content-Disposition: form-data; name=a\r\nX-Pad: {}",
                        "p".repeat(2000)
                    ),
                    "1",
                )]),
            ),
            (
                "not utf-8",
                [
                    b"--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n1\r\n--XyZ--"
                        .as_slice(),
                ]
                .concat(),
            ),
        ];
        for (what, body) in cases {
            assert!(parse(CT, &body).is_err(), "{what} was accepted");
        }
        let many: Vec<(String, &str)> = (0..=MAX_PARTS)
            .map(|i| {
                (
                    format!("Content-Disposition: form-data; name=\"p{i}\""),
                    "x",
                )
            })
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(h, b)| (h.as_str(), *b)).collect();
        assert!(parse(CT, &form(&many)).is_err());
        let headers = vec!["X-A: 1"; MAX_HEADERS].join("\r\n");
        let crowded = form(&[(
            &format!("Content-Disposition: form-data; name=a\r\n{headers}"),
            "1",
        )]);
        assert!(parse(CT, &crowded).is_err());
    }

    #[test]
    fn escaped_quotes_and_arbitrary_bytes_survive() {
        let body = [
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.jpg\"\r\n\r\n".as_slice(),
            &[0, 255, 13, 10, 45, 45],
            b"\r\n--XyZ--",
        ]
        .concat();
        let m = parse(CT, &body).unwrap();
        let p = m.part("file").unwrap();
        assert_eq!(p.filename.as_deref(), Some("a\"b.jpg"));
        assert_eq!(p.body, &[0, 255, 13, 10, 45, 45]);
    }
}
