//! Spec text as rustdoc: the spec's descriptions are data, shown as written
//! but made inert for Markdown and rustdoc (no accidental links, HTML, code
//! blocks or doctests).

/// Turns free text into rustdoc lines: each line trimmed (no indented code
/// blocks), Markdown links with an `http(s)` target kept, bare URLs made
/// autolinks, and every other character Markdown or rustdoc would act on
/// escaped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(escape_line)
        .collect()
}

/// One paragraph: the lines of `text` joined with spaces.
pub fn paragraph(text: &str) -> String {
    lines(text).join(" ")
}

fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while !rest.is_empty() {
        // `[label](http…)` stays a link.
        if let Some(after) = rest.strip_prefix('[') {
            if let Some(close) = after.find("](") {
                let label = &after[..close];
                let tail = &after[close + 2..];
                if (tail.starts_with("http://") || tail.starts_with("https://"))
                    && !label.contains(['[', ']'])
                {
                    if let Some(end) = tail.find(')') {
                        let url = &tail[..end];
                        if !url.contains(char::is_whitespace) {
                            out.push('[');
                            out.push_str(&escape_text(label));
                            out.push_str("](");
                            out.push_str(url);
                            out.push(')');
                            rest = &tail[end + 1..];
                            continue;
                        }
                    }
                }
            }
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace()
                        || !c.is_ascii()
                        || matches!(c, ')' | ']' | '>' | '<' | '"' | '\'')
                })
                .unwrap_or(rest.len());
            out.push('<');
            out.push_str(&rest[..end]);
            out.push('>');
            rest = &rest[end..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push_str(&escape_text(&c.to_string()));
        }
        rest = chars.as_str();
    }
    // A leading `#`, `>`, `-`, `+`, `=` or `1.` would start a heading,
    // quote, list or rule: these stay plain text.
    if out.starts_with(['#', '>', '-', '+', '=', '|']) {
        out.insert(0, '\\');
    }
    out
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value shown as inline code, or `None` when it cannot be (a backtick or
/// a line break in it).
pub fn code(value: &str) -> Option<String> {
    if value.contains(['`', '\n', '\r']) || value.is_empty() {
        None
    } else {
        Some(format!("`{value}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_survive_and_markup_is_escaped() {
        assert_eq!(
            lines("见[官方文档](https://pay.weixin.qq.com/a.html) 与 https://x.y/z，<br>a_b [1]"),
            [
                "见[官方文档](https://pay.weixin.qq.com/a.html) 与 <https://x.y/z>，\\<br\\>a\\_b \\[1\\]"
            ]
        );
    }

    #[test]
    fn no_code_blocks_or_headings() {
        assert_eq!(
            lines("    indented\n```\n# h\n- item\n\n"),
            ["indented", "\\`\\`\\`", "\\# h", "\\- item"]
        );
    }

    #[test]
    fn code_spans() {
        assert_eq!(code("CNY").as_deref(), Some("`CNY`"));
        assert_eq!(code("a`b"), None);
    }
}
