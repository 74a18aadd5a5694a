//! The `<xml>` bodies of APIv2: a flat list of named text fields.
//!
//! [`write()`] puts each field in its own element under the `<xml>` root,
//! its value in a CDATA section (bare when it is only ASCII digits).
//! [`parse`] is a small, strict reader of the same shape:
//!
//! - an optional byte order mark and `<?xml …?>` declaration, then one
//!   `<xml>` root without attributes, and nothing but white space after it;
//! - each child is `<name>…</name>` or `<name/>`, without attributes, whose
//!   value is its text with entities (`&lt;` `&gt;` `&amp;` `&quot;`
//!   `&apos;`, `&#…;`) decoded and CDATA sections taken verbatim; white
//!   space inside a value is kept exactly, between fields it is ignored;
//! - a child that holds elements (as `hblist` does in red packet queries)
//!   keeps its inner XML, undecoded, as its value; `from_fields` reads it
//!   again when the target type is a struct or a list;
//! - a field name may appear once under the root;
//! - document type declarations, entity declarations, comments and
//!   processing instructions after the declaration are refused, so no
//!   entity is ever expanded and no external resource named.
//!
//! ```
//! use wxpay_core::v2::xml;
//!
//! let fields = vec![
//!     ("return_code".to_owned(), "SUCCESS".to_owned()),
//!     ("total_fee".to_owned(), "100".to_owned()),
//!     ("attach".to_owned(), "a]]>b <&>".to_owned()),
//! ];
//! let body = xml::write(&fields);
//! assert!(body.starts_with("<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>100</total_fee>"));
//! assert_eq!(xml::parse(body.as_bytes())?, fields);
//! # Ok::<(), wxpay_core::v2::xml::XmlError>(())
//! ```

use std::collections::HashSet;
use std::fmt;

/// A body that is not the flat `<xml>` document APIv2 uses. Says where and
/// what, never the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    offset: usize,
    reason: &'static str,
}

impl XmlError {
    /// The byte offset in the body where reading stopped.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    pub fn reason(&self) -> &str {
        self.reason
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid v2 XML at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for XmlError {}

/// Writes the fields as `<xml><name><![CDATA[value]]></name>…</xml>`, in
/// the order given. Values of ASCII digits only are written bare; a value
/// containing `]]>` is split over two CDATA sections. Names are written as
/// they are: they must be XML names (the fields of a v2 body are).
pub fn write(fields: &[(String, String)]) -> String {
    let mut out = String::with_capacity(
        16 + fields
            .iter()
            .map(|(k, v)| 2 * k.len() + v.len() + 17)
            .sum::<usize>(),
    );
    out.push_str("<xml>");
    for (name, value) in fields {
        out.push('<');
        out.push_str(name);
        out.push('>');
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(value);
        } else {
            out.push_str("<![CDATA[");
            out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</xml>");
    out
}

/// Reads a v2 body into its fields, in document order; see the module
/// documentation for what is accepted.
pub fn parse(body: &[u8]) -> Result<Vec<(String, String)>, XmlError> {
    let text = std::str::from_utf8(body).map_err(|e| XmlError {
        offset: e.valid_up_to(),
        reason: "not UTF-8",
    })?;
    let mut r = Reader { s: text, pos: 0 };
    r.eat("\u{feff}");
    r.skip_ws();
    if r.eat("<?xml") {
        let end = r
            .find("?>")
            .ok_or(r.error("unterminated XML declaration"))?;
        r.pos = end + 2;
        r.skip_ws();
    }
    if r.rest().starts_with("<!") {
        return Err(r.error("declarations are not accepted"));
    }
    if !r.eat("<xml") {
        return Err(r.error("expected the <xml> root"));
    }
    r.skip_ws();
    if !r.eat(">") {
        return Err(r.error("the <xml> root takes no attributes"));
    }
    let fields = r.children(true)?;
    if !r.eat("</xml") {
        return Err(r.error("expected </xml>"));
    }
    r.skip_ws();
    if !r.eat(">") {
        return Err(r.error("expected </xml>"));
    }
    r.skip_ws();
    if !r.rest().is_empty() {
        return Err(r.error("content after the root element"));
    }
    let mut seen = HashSet::with_capacity(fields.len());
    for (name, _) in &fields {
        if !seen.insert(name.as_str()) {
            return Err(XmlError {
                offset: 0,
                reason: "a field appears twice",
            });
        }
    }
    Ok(fields)
}

/// Reads a sequence of elements (the kept inner XML of a nested field):
/// the same rules as under the root, names may repeat.
pub(crate) fn parse_fragment(text: &str) -> Result<Vec<(String, String)>, XmlError> {
    let mut r = Reader { s: text, pos: 0 };
    let fields = r.children(false)?;
    if r.rest().is_empty() {
        Ok(fields)
    } else {
        Err(r.error("unexpected end tag"))
    }
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn error(&self, reason: &'static str) -> XmlError {
        XmlError {
            offset: self.pos,
            reason,
        }
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    fn find(&self, needle: &str) -> Option<usize> {
        self.rest().find(needle).map(|i| self.pos + i)
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        self.pos += rest.len() - trimmed.len();
    }

    /// Elements until an end tag (left unread) or, when `in_root` is
    /// false, the end of the text; only white space between them.
    fn children(&mut self, in_root: bool) -> Result<Vec<(String, String)>, XmlError> {
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("</") || (rest.is_empty() && !in_root) {
                return Ok(fields);
            }
            if rest.is_empty() {
                return Err(self.error("unexpected end of body"));
            }
            if !self.eat("<") {
                return Err(self.error("text outside a field"));
            }
            if self.rest().starts_with('!') || self.rest().starts_with('?') {
                return Err(self.error("declarations, comments and instructions are not accepted"));
            }
            let name = self.name()?;
            self.skip_ws();
            if self.eat("/>") {
                fields.push((name.to_owned(), String::new()));
                continue;
            }
            if !self.eat(">") {
                return Err(self.error("attributes are not accepted"));
            }
            let value = self.content(name)?;
            fields.push((name.to_owned(), value));
        }
    }

    /// An element name: ASCII letters, digits, `_`, `-`, `.`, `:`, not
    /// starting with a digit, `-` or `.`.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
            .count();
        let name = rest.get(..len).unwrap_or("");
        match name.bytes().next() {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':' => {
                self.pos += len;
                Ok(name)
            }
            _ => Err(self.error("expected an element name")),
        }
    }

    /// The content of element `name` up to its end tag (consumed): decoded
    /// text, or the raw inner XML when it holds elements.
    fn content(&mut self, name: &str) -> Result<String, XmlError> {
        let start = self.pos;
        let mut value = String::new();
        let mut open: Vec<&'a str> = Vec::new();
        let mut nested = false;
        loop {
            let rest = self.rest();
            if rest.starts_with("<![CDATA[") {
                self.pos += "<![CDATA[".len();
                let end = self
                    .find("]]>")
                    .ok_or(self.error("unterminated CDATA section"))?;
                value.push_str(self.s.get(self.pos..end).unwrap_or(""));
                self.pos = end + 3;
            } else if rest.starts_with("</") {
                let end = self.pos;
                self.pos += 2;
                let closing = self.name()?;
                self.skip_ws();
                if !self.eat(">") {
                    return Err(self.error("malformed end tag"));
                }
                match open.pop() {
                    Some(inner) if inner == closing => {}
                    Some(_) => return Err(self.error("mismatched end tag")),
                    None if closing == name => {
                        return Ok(if nested {
                            self.s.get(start..end).unwrap_or("").to_owned()
                        } else {
                            value
                        });
                    }
                    None => return Err(self.error("mismatched end tag")),
                }
            } else if rest.starts_with("<!") || rest.starts_with("<?") {
                return Err(self.error("declarations, comments and instructions are not accepted"));
            } else if self.eat("<") {
                nested = true;
                let inner = self.name()?;
                self.skip_ws();
                if !self.eat("/>") {
                    if !self.eat(">") {
                        return Err(self.error("attributes are not accepted"));
                    }
                    open.push(inner);
                }
            } else if rest.starts_with('&') {
                value.push(self.entity()?);
            } else if rest.is_empty() {
                return Err(self.error("unexpected end of body"));
            } else {
                let len = rest.find(['<', '&']).unwrap_or(rest.len());
                value.push_str(rest.get(..len).unwrap_or(""));
                self.pos += len;
            }
        }
    }

    fn entity(&mut self) -> Result<char, XmlError> {
        // The longest entity accepted, `&#x10FFFF;`, is 10 bytes.
        let end = self
            .rest()
            .bytes()
            .take(12)
            .position(|b| b == b';')
            .ok_or(self.error("unterminated entity"))?;
        let body = self.rest().get(1..end).unwrap_or("");
        let c = match body {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let code = if let Some(hex) = body.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = body.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.filter(|&c| c != 0).and_then(char::from_u32)
            }
        };
        let c = c.ok_or(self.error("unknown entity"))?;
        self.pos += end + 1;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn round_trips_cdata_brackets_entities_and_white_space() {
        let cases = fields(&[
            ("return_code", "SUCCESS"),
            ("total_fee", "1"),
            ("body", "腾讯充值中心-QQ会员充值"),
            ("attach", "]]>x]]]]>y<![CDATA[z"),
            ("detail", r#"{"goods_detail":[{"goods_id":"a&b<c>"}]}"#),
            ("spaces", "  two sides \n"),
            ("empty", ""),
            ("emoji", "😀"),
        ]);
        let body = write(&cases);
        assert!(body.contains("<total_fee>1</total_fee>"), "{body}");
        assert!(body.contains("<empty><![CDATA[]]></empty>"), "{body}");
        assert_eq!(parse(body.as_bytes()).unwrap(), cases);
    }

    #[test]
    fn reads_entities_declaration_bom_and_empty_elements() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml >\n  \
                    <a>x &lt;&gt;&amp;&quot;&apos; &#20013;&#x6587;&amp;中文中文</a>\r\n\
                    <b/><c />\n  <d>  <![CDATA[ in ]]> out </d>\n</xml >\n";
        assert_eq!(
            parse(body.as_bytes()).unwrap(),
            fields(&[
                ("a", "x <>&\"' 中文&中文中文"),
                ("b", ""),
                ("c", ""),
                ("d", "   in  out "),
            ])
        );
    }

    #[test]
    fn nested_elements_keep_their_inner_xml() {
        let body = "<xml><n>1</n><hblist><hbinfo><openid>o1</openid><amount>100</amount>\
                    </hbinfo><hbinfo><openid>o2</openid><x/></hbinfo></hblist></xml>";
        let parsed = parse(body.as_bytes()).unwrap();
        assert_eq!(parsed.len(), 2);
        let (name, inner) = &parsed[1];
        assert_eq!(name, "hblist");
        let items = parse_fragment(inner).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].0, "hbinfo");
        assert_eq!(
            parse_fragment(&items[1].1).unwrap(),
            fields(&[("openid", "o2"), ("x", "")])
        );
    }

    #[test]
    fn refuses_what_is_not_a_flat_v2_body() {
        let refused = [
            ("", "expected the <xml> root"),
            ("<root><a>1</a></root>", "expected the <xml> root"),
            (
                "<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><a>&x;</a></xml>",
                "declarations are not accepted",
            ),
            ("<xml><!DOCTYPE x><a>1</a></xml>", "declarations, comments"),
            (
                "<xml><a><!ENTITY x \"y\"></a></xml>",
                "declarations, comments",
            ),
            ("<xml><!-- c --><a>1</a></xml>", "declarations, comments"),
            ("<xml><a>&x;</a></xml>", "unknown entity"),
            ("<xml><a>&#0;</a></xml>", "unknown entity"),
            ("<xml><a>a & b</a></xml>", "unterminated entity"),
            ("<xml><a>1</b></xml>", "mismatched end tag"),
            ("<xml><a>1</a>", "unexpected end of body"),
            ("<xml><a>1</a></xml><b/>", "content after the root element"),
            ("<xml>text<a>1</a></xml>", "text outside a field"),
            (
                "<xml><a id=\"1\">1</a></xml>",
                "attributes are not accepted",
            ),
            ("<xml x=\"1\"><a>1</a></xml>", "no attributes"),
            ("<xml><a><![CDATA[1</a></xml>", "unterminated CDATA"),
            ("<xml><a>1</a><a>2</a></xml>", "a field appears twice"),
            ("<xml><1a>1</1a></xml>", "expected an element name"),
            ("<xml><a><b>1</a></b></xml>", "mismatched end tag"),
        ];
        for (body, reason) in refused {
            let e = parse(body.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(reason), "{body}: {e}");
        }
        assert_eq!(parse(b"<xml>\xff</xml>").unwrap_err().reason(), "not UTF-8");
        assert_eq!(parse(b"<xml></xml>").unwrap(), vec![]);
    }
}
