//! `cargo xtask codegen --report`: what the spec holds and what the
//! generator made of it, as Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::codegen::Catalog;
use crate::curated::HandOp;
use crate::naming::pascal;
use crate::spec::Ty;
use crate::types::RType;

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Object => "object (struct)",
        Ty::Array => "array (Vec)",
        Ty::String => "string (String)",
        Ty::Integer => "integer (i64)",
        Ty::Number => "number",
        Ty::Boolean => "boolean (bool)",
        Ty::File => "file",
        Ty::Any => "any JSON (serde_json::Value)",
    }
}

/// The report; `hand`: the operations written by hand (`catalogue/handwritten.txt`).
///
/// Long by design: it writes the report top to bottom, a section after
/// another, so the code reads in the order of the document it makes.
pub fn render(c: &Catalog, hand: &[HandOp]) -> String {
    let mut o = String::new();
    let paths: std::collections::BTreeSet<&str> = c.ops.iter().map(|op| op.path.as_str()).collect();
    let _ = writeln!(o, "# Codegen report\n");
    let _ = writeln!(
        o,
        "{} APIv3 operations in {} paths ({} emitted as Rust, {} not: see below).\n",
        c.ops.len(),
        paths.len(),
        c.emitted.len(),
        c.deferred.len()
    );
    if let Some(indexed) = &c.indexed_paths {
        let missing: Vec<&&str> = paths
            .iter()
            .filter(|p| !indexed.iter().any(|i| i == **p))
            .collect();
        let _ = writeln!(
            o,
            "`swagger.yaml` indexes {} `/v3/` paths; files under `docs/v3/` that it does not list (read all the same): {}\n",
            indexed.len(),
            if missing.is_empty() {
                "none".to_owned()
            } else {
                missing
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }

    let _ = writeln!(o, "## By method\n");
    let mut by_method: BTreeMap<&str, usize> = BTreeMap::new();
    for op in &c.ops {
        *by_method.entry(op.method.as_str()).or_default() += 1;
    }
    for (m, n) in &by_method {
        let _ = writeln!(o, "- {m}: {n}");
    }

    let _ = writeln!(
        o,
        "\n## By area (cargo feature)\n\n| area | operations | emitted |\n|---|---|---|"
    );
    let mut by_area: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for op in &c.ops {
        by_area.entry(op.area.as_str()).or_default().0 += 1;
    }
    for (i, _) in &c.emitted {
        by_area.entry(c.ops[*i].area.as_str()).or_default().1 += 1;
    }
    for (a, (n, e)) in &by_area {
        let _ = writeln!(o, "| {a} | {n} | {e} |");
    }

    let _ = writeln!(o, "\n## Malformed types ({})\n", c.malformed.len());
    let _ = writeln!(
        o,
        "Every `type` that is not a Swagger type name, where it was met, and the mapping chosen: \
         anything starting with `string` is a string; `int`, `uint64`, … are integers; \
         an unknown word is any JSON value (`serde_json::Value`), so nothing is lost.\n"
    );
    let _ = writeln!(
        o,
        "| file | field | definition | written | mapped to |\n|---|---|---|---|---|"
    );
    for m in &c.malformed {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | `{:?}` | {} |",
            m.file,
            m.field,
            m.definition.as_deref().unwrap_or("-"),
            m.raw,
            ty_name(m.mapped)
        );
    }
    // Type-like words met in example data are not types: listed so a
    // reader searching the YAML for them knows where they come from.
    let mut in_examples = Vec::new();
    for op in &c.ops {
        op.walk(&mut |path, s| {
            if let Some(ex) = &s.example {
                let mut found = Vec::new();
                type_words(ex, &mut found);
                for w in found {
                    in_examples.push(format!(
                        "- {} `{}`: `type: {w}` inside the example",
                        op.file, path
                    ));
                }
            }
        });
    }
    in_examples.sort();
    in_examples.dedup();
    let _ = writeln!(
        o,
        "\n`type:` keys met inside `example` values, which are data, not schemas ({}):\n",
        in_examples.len()
    );
    for l in &in_examples {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(o);

    let mut formats: BTreeMap<String, usize> = BTreeMap::new();
    for op in &c.ops {
        op.walk(&mut |_, s| {
            if let Some(f) = &s.format {
                *formats.entry(f.clone()).or_default() += 1;
            }
        });
    }
    let _ = writeln!(
        o,
        "## Formats\n\nDocumented on the field; only `base64` changes the code (`#[sensitive]` in requests).\n"
    );
    for (f, n) in &formats {
        let _ = writeln!(o, "- `{f}`: {n}");
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Number mapping\n");
    let _ = writeln!(
        o,
        "`number` → `i64` unless the spec shows a fraction (format float/double, a fractional example, \
         or a description mentioning 小数) → `f64`. Listed: every `f64`, and every `i64` chosen without \
         an integral example.\n"
    );
    let mut f64s = Vec::new();
    let mut assumed = Vec::new();
    for (i, plan) in &c.emitted {
        for n in &plan.numbers {
            let line = format!(
                "- `{}` {}: {} ({})",
                c.ops[*i].id(),
                n.field,
                if n.ty == RType::F64 { "f64" } else { "i64" },
                n.reason
            );
            if n.ty == RType::F64 {
                f64s.push(line);
            } else {
                assumed.push(line);
            }
        }
    }
    let _ = writeln!(o, "### f64 ({})\n", f64s.len());
    for l in &f64s {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(
        o,
        "\n### i64 without an integral example ({})\n",
        assumed.len()
    );
    for l in &assumed {
        let _ = writeln!(o, "{l}");
    }

    let _ = writeln!(o, "\n## Operations with base64 fields\n");
    let _ = writeln!(
        o,
        "Request fields become `#[sensitive]` (encrypted before sending); answer fields are documented.\n"
    );
    let mut count = 0;
    for (i, plan) in &c.emitted {
        if !plan.base64.is_empty() {
            count += 1;
            let _ = writeln!(o, "- `{}`: {}", c.ops[*i].id(), plan.base64.join(", "));
        }
    }
    let _ = writeln!(o, "\n{count} operations.");

    let list = |o: &mut String, title: &str, pick: &dyn Fn(&crate::spec::Operation) -> bool| {
        let ids: Vec<String> = c
            .ops
            .iter()
            .filter(|op| pick(op))
            .map(|op| format!("- `{}`", op.id()))
            .collect();
        let _ = writeln!(o, "\n## {title} ({})\n", ids.len());
        for id in ids {
            let _ = writeln!(o, "{id}");
        }
    };
    list(&mut o, "Multipart uploads", &|op| op.multipart);
    list(&mut o, "Downloads", &|op| op.download);
    list(&mut o, "Wechatpay-Serial header", &|op| op.wechatpay_serial);
    list(&mut o, "Other header parameters", &|op| {
        !op.headers.is_empty()
    });
    list(&mut o, "Paths ending in /", &|op| op.path.ends_with('/'));
    list(&mut o, "Another host (x-baseuri)", &|op| {
        op.base_uri.is_some()
    });
    list(&mut o, "Deprecated", &|op| op.deprecated);
    let fixed: Vec<&crate::spec::Operation> =
        c.ops.iter().filter(|op| !op.fixes.is_empty()).collect();
    let _ = writeln!(
        o,
        "\n## Path parameters reconciled with the template ({})\n",
        fixed.len()
    );
    for op in fixed {
        let _ = writeln!(o, "- `{}`: {}", op.id(), op.fixes.join("; "));
    }

    let _ = writeln!(o, "\n## Not emitted ({})\n", c.deferred.len());
    for (id, why, _) in &c.deferred {
        let _ = writeln!(o, "- `{id}`: {why}");
    }

    let _ = writeln!(
        o,
        "\n## Written by hand (`catalogue/handwritten.txt`, {})\n",
        hand.len()
    );
    for h in hand {
        let _ = writeln!(o, "- `{}`: its URL module re-exports `{}`", h.id, h.export);
    }

    let _ = writeln!(o, "\n## Naming\n");
    let mut rule3 = Vec::new();
    let mut raw = Vec::new();
    for (op, n) in c.ops.iter().zip(&c.names) {
        let last = op
            .path
            .split('/')
            .rfind(|s| !s.is_empty() && !s.starts_with('{'))
            .unwrap_or_default();
        if n.type_name != pascal(last) {
            rule3.push(format!("- `{}` → `{}`", op.id(), n.full_type()));
        }
        if n.module
            .iter()
            .any(|m| m.starts_with("r#") || m.ends_with('_'))
        {
            raw.push(format!(
                "- `{}` → `{}` / `{}`",
                op.id(),
                n.full_type(),
                n.method
            ));
        }
    }
    let _ = writeln!(
        o,
        "### Rule 3: method prefix, then `By…` ({})\n",
        rule3.len()
    );
    for l in &rule3 {
        let _ = writeln!(o, "{l}");
    }
    let lengths: Vec<usize> = c.names.iter().map(|n| n.method.len()).collect();
    let _ = writeln!(
        o,
        "\n### Rule 4: client methods from the URL ({}; {} longer than 40 characters, the longest {})",
        lengths.len(),
        lengths.iter().filter(|&&l| l > 40).count(),
        lengths.iter().max().copied().unwrap_or(0)
    );
    let _ = writeln!(o, "\n### Keywords as raw identifiers ({})\n", raw.len());
    for l in &raw {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(
        o,
        "\nChecked: no two operations share a `module::Type`, no two share a client method, none is shadowed by a method of `Client`."
    );
    o
}

/// Values of `type` keys inside example JSON (objects at any depth).
fn type_words(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                if k == "type" {
                    if let Some(t) = x.as_str() {
                        out.push(t.to_owned());
                    }
                }
                type_words(x, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|x| type_words(x, out)),
        _ => {}
    }
}
