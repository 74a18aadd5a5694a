//! The hand-written endpoints: which operations the generator leaves to
//! people, and where their code is. It learns both from one list,
//! `catalogue/handwritten.txt`, never from the code:
//!
//! ```text
//! # operation                                    what its URL module re-exports
//! POST /v3/pay/transactions/jsapi-with-contract  crate::manual::transactions::jsapi_with_contract::*
//! GET /v3/certificates                           wxpay_core::platform::{Certificates, CertificatesExt, CertificatesResponse}
//! ```
//!
//! Each line names one operation (`METHOD /v3/…`) and a `pub use` path: the
//! generated module of that URL (`transactions` of the `pay` crate) holds
//! `pub use <path>;`, so the hand-written items appear where the naming
//! rules put a generated one, from a module of their own. Paths starting
//! `crate::manual` are the area crate's hand-written `src/manual.rs` tree
//! (the generated `lib.rs` then declares `mod manual;`). Whether the
//! path holds the type the rules name (`JsapiWithContract` and its `…Ext`
//! trait) is checked by the compiler: the generated prelude and the
//! catalogue test name them.

use std::collections::BTreeSet;

/// One operation written by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOp {
    /// `POST /v3/…`
    pub id: String,
    /// What the operation's URL module re-exports (`crate::manual::…::*`).
    pub export: String,
    /// Line number in the list, for messages.
    pub line: usize,
}

impl HandOp {
    /// Whether the code is the area crate's own `manual` tree.
    pub fn is_manual(&self) -> bool {
        self.export.starts_with("crate::manual::")
    }
}

/// Where the list lives, relative to the workspace root.
pub const LIST: &str = "catalogue/handwritten.txt";

/// Reads the list; blank lines and `#` comments are skipped.
pub fn parse(text: &str) -> Result<Vec<HandOp>, String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let (Some(method), Some(path), Some(export)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "{LIST}:{}: expected `METHOD /v3/… use::path`, found `{line}`",
                n + 1
            ));
        };
        let export = export.trim();
        if !method.chars().all(|c| c.is_ascii_uppercase()) || !path.starts_with("/v3/") {
            return Err(format!(
                "{LIST}:{}: `{method} {path}` is not an operation (`GET /v3/…`)",
                n + 1
            ));
        }
        if export.is_empty() || export.contains(';') {
            return Err(format!(
                "{LIST}:{}: `{export}` is not a `pub use` path",
                n + 1
            ));
        }
        let id = format!("{method} {path}");
        if !seen.insert(id.clone()) {
            return Err(format!("{LIST}:{}: `{id}` is listed twice", n + 1));
        }
        out.push(HandOp {
            id,
            export: export.to_owned(),
            line: n + 1,
        });
    }
    Ok(out)
}

/// Every listed operation must be one of the spec's.
pub fn check(ops: &[HandOp], spec_ids: &BTreeSet<String>) -> Result<(), String> {
    let unknown: Vec<String> = ops
        .iter()
        .filter(|o| !spec_ids.contains(&o.id))
        .map(|o| format!("{LIST}:{}: `{}` is not in the spec", o.line, o.id))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operations_and_their_exports() {
        let ops = parse(
            "# a comment\n\nPOST /v3/a/b  crate::manual::b::*\nGET /v3/c   wxpay_core::x::{C, CExt}\n",
        )
        .unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].id, "POST /v3/a/b");
        assert!(ops[0].is_manual());
        assert_eq!(ops[1].export, "wxpay_core::x::{C, CExt}");
        assert!(!ops[1].is_manual());
    }

    #[test]
    fn refuses_what_is_not_a_line_of_the_list() {
        assert!(parse("POST /v3/a").unwrap_err().contains(":1:"));
        assert!(
            parse("post /v3/a x::y")
                .unwrap_err()
                .contains("not an operation")
        );
        assert!(
            parse("GET /v3/a x::y;")
                .unwrap_err()
                .contains("not a `pub use` path")
        );
        let twice = parse("GET /v3/a x::*\nGET /v3/a y::*").unwrap_err();
        assert!(twice.contains(":2:") && twice.contains("twice"), "{twice}");
        let spec: BTreeSet<String> = ["GET /v3/a".to_owned()].into();
        let unknown = check(&parse("GET /v3/b x::*").unwrap(), &spec).unwrap_err();
        assert!(unknown.contains("not in the spec"), "{unknown}");
    }
}
