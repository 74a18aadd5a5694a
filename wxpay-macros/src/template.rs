//! The path template parser: a pure function over `&str`, tested without syn.
//!
//! A template is `/`-separated segments; a segment is either literal text
//! (sent as is, so it may only hold characters that need no
//! percent-encoding) or one parameter `{name}` naming a field. A template
//! may end with `/` (WeChat Pay documents a few paths that way, and the
//! slash is part of the path the platform routes and the signature
//! covers); an empty segment anywhere else (`//`) is a mistake.

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text, sent verbatim.
    Literal(String),
    /// `{name}`: the value of the field `name`, percent-encoded.
    Param(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub segments: Vec<Segment>,
    /// The path ends with `/`, kept on the wire.
    pub trailing_slash: bool,
}

impl Template {
    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// Parses a template, reporting every problem found (not just the first).
pub fn parse(path: &str) -> Result<Template, Vec<String>> {
    let mut errors = Vec::new();
    if path.is_empty() {
        return Err(vec![
            "the path is empty; write it as sent, e.g. \"/v3/pay/transactions/jsapi\"".into(),
        ]);
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(vec![format!(
            "the path must start with `/`: write \"/{path}\""
        )]);
    };
    if let Some(c) = path.chars().find(|c| matches!(c, '?' | '#')) {
        errors.push(format!(
            "the path must not contain `{c}`; query parameters come from the struct's fields"
        ));
    }
    let mut segments = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut sofar = String::new();
    // One trailing `/` after at least one segment is part of the path.
    let (rest, trailing_slash) = match rest.strip_suffix('/') {
        Some(inner) if !inner.is_empty() => (inner, true),
        _ => (rest, false),
    };
    for raw in rest.split('/') {
        if raw.is_empty() {
            errors.push(format!(
                "empty path segment after `{}`; remove the extra `/`",
                if sofar.is_empty() { "/" } else { &sofar }
            ));
            sofar.push('/');
            continue;
        }
        sofar.push('/');
        sofar.push_str(raw);
        match segment(raw) {
            Ok(Segment::Param(name)) => {
                if seen.contains(&name) {
                    errors.push(format!(
                        "path parameter `{{{name}}}` appears twice; each field binds one segment"
                    ));
                } else {
                    seen.push(name.clone());
                }
                segments.push(Segment::Param(name));
            }
            Ok(lit) => segments.push(lit),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Template {
            segments,
            trailing_slash,
        })
    } else {
        Err(errors)
    }
}

fn segment(raw: &str) -> Result<Segment, String> {
    let has_open = raw.contains('{');
    let has_close = raw.contains('}');
    if !has_open && !has_close {
        if let Some(c) = raw.chars().find(|&c| !is_literal_char(c)) {
            return Err(format!(
                "path segment `{raw}` contains `{c}`, which would need percent-encoding; \
                 write literal segments as sent, or make it a `{{parameter}}`"
            ));
        }
        return Ok(Segment::Literal(raw.to_owned()));
    }
    let Some(inner) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return Err(if has_open && !has_close {
            format!("unclosed `{{` in path segment `{raw}`; close it with `}}`")
        } else if has_close && !has_open {
            format!("unmatched `}}` in path segment `{raw}`")
        } else {
            format!(
                "a path parameter must be a whole segment, not part of `{raw}`; split it with `/`"
            )
        });
    };
    if inner.is_empty() {
        return Err(
            "empty path parameter `{}`; name the field it binds to, e.g. `{out_trade_no}`".into(),
        );
    }
    if inner.contains(['{', '}']) {
        return Err(format!(
            "a path parameter must be a whole segment, not part of `{raw}`; split it with `/`"
        ));
    }
    if !is_identifier(inner) {
        let suggestion: String = inner
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        return Err(format!(
            "path parameter `{{{inner}}}` is not a Rust identifier; name it after its field, e.g. `{{{suggestion}}}`"
        ));
    }
    Ok(Segment::Param(inner.to_owned()))
}

fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    s != "_" && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Segment {
        Segment::Literal(s.into())
    }
    fn param(s: &str) -> Segment {
        Segment::Param(s.into())
    }

    #[test]
    fn plain_and_parameterised_paths() {
        let t = parse("/v3/pay/transactions/jsapi-with-contract").unwrap();
        assert_eq!(
            t.segments,
            vec![
                lit("v3"),
                lit("pay"),
                lit("transactions"),
                lit("jsapi-with-contract")
            ]
        );
        let t = parse("/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{out_contract_code}/terminate").unwrap();
        assert_eq!(
            t.params().collect::<Vec<_>>(),
            ["service_id", "out_contract_code"]
        );
        assert_eq!(t.segments.len(), 8);
        assert_eq!(t.segments[4], param("service_id"));
        assert_eq!(parse("/").unwrap_err().len(), 1);
    }

    #[test]
    fn must_start_with_slash_and_be_nonempty() {
        assert_eq!(
            parse("v3/x").unwrap_err(),
            ["the path must start with `/`: write \"/v3/x\""]
        );
        assert!(parse("").unwrap_err()[0].contains("empty"));
    }

    #[test]
    fn empty_segments() {
        assert_eq!(
            parse("/v3//x").unwrap_err(),
            ["empty path segment after `/v3`; remove the extra `/`"]
        );
        assert_eq!(
            parse("/v3/x//").unwrap_err(),
            ["empty path segment after `/v3/x`; remove the extra `/`"]
        );
        assert_eq!(
            parse("/v3//x/").unwrap_err(),
            ["empty path segment after `/v3`; remove the extra `/`"]
        );
        assert_eq!(
            parse("//x").unwrap_err(),
            ["empty path segment after `/`; remove the extra `/`"]
        );
    }

    #[test]
    fn one_trailing_slash_is_kept() {
        let t = parse("/v3/applyment4sub/applyment/").unwrap();
        assert!(t.trailing_slash);
        assert_eq!(
            t.segments,
            vec![lit("v3"), lit("applyment4sub"), lit("applyment")]
        );
        assert!(!parse("/v3/x").unwrap().trailing_slash);
        let t = parse("/v3/x/{id}/").unwrap();
        assert!(t.trailing_slash);
        assert_eq!(t.params().collect::<Vec<_>>(), ["id"]);
    }

    #[test]
    fn bad_parameters() {
        assert_eq!(
            parse("/v3/{}").unwrap_err(),
            ["empty path parameter `{}`; name the field it binds to, e.g. `{out_trade_no}`"]
        );
        assert_eq!(
            parse("/v3/{out-trade-no}").unwrap_err(),
            [
                "path parameter `{out-trade-no}` is not a Rust identifier; name it after its field, e.g. `{out_trade_no}`"
            ]
        );
        assert!(parse("/v3/{1x}").unwrap_err()[0].contains("`{1x}` is not a Rust identifier"));
        assert!(parse("/v3/{_}").is_err());
        assert_eq!(
            parse("/v3/{id}/x/{id}").unwrap_err(),
            ["path parameter `{id}` appears twice; each field binds one segment"]
        );
        assert!(parse("/v3/{id").unwrap_err()[0].starts_with("unclosed `{`"));
        assert!(parse("/v3/id}").unwrap_err()[0].starts_with("unmatched `}`"));
        assert!(parse("/v3/x{id}").unwrap_err()[0].contains("whole segment"));
        assert!(parse("/v3/{a}{b}").unwrap_err()[0].contains("whole segment"));
    }

    #[test]
    fn literal_characters_and_queries() {
        assert!(parse("/v3/a b").unwrap_err()[0].contains("contains ` `"));
        let errors = parse("/v3/x?mchid=1").unwrap_err();
        assert!(errors[0].contains("must not contain `?`"), "{errors:?}");
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = parse("/v3//{}/{a-b}/{c}/{c}").unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}
