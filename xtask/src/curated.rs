//! The hand-written ("curated") endpoints beside the generated ones: which
//! operations they declare, where their files are mounted, what names they
//! export, and whether they follow the catalogue's names.
//!
//! A hand-written file `v3/<a>/<b>/<f>.rs` belongs to the module
//! `v3::<a>::<b>`: the generated tree mounts it there with `mod f; pub use
//! f::*;`. Its `#[endpoint(METHOD, "/v3/…")]` operations are not generated.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::naming::{Names, snake_of_pascal};

/// One operation declared by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuratedOp {
    /// `POST /v3/…`
    pub id: String,
    /// The file declaring it.
    pub file: PathBuf,
    /// The module the file is mounted in (`["v3", "pay", "transactions"]`).
    pub module: Vec<String>,
    /// The struct the attribute is on.
    pub type_name: String,
    /// `method_name = …`, when given.
    pub method_name: Option<String>,
}

/// A hand-written file and the public names it adds to its module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandFile {
    pub module: Vec<String>,
    /// The file name without `.rs` (its private module's name).
    pub stem: String,
    pub items: Vec<String>,
}

/// Everything found under a curated folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Curated {
    pub ops: Vec<CuratedOp>,
    pub files: Vec<HandFile>,
}

impl Curated {
    /// Mounts by module: `module → [file stems]`.
    pub fn mounts(&self) -> BTreeMap<Vec<String>, Vec<String>> {
        let mut out: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for f in &self.files {
            out.entry(f.module.clone())
                .or_default()
                .push(f.stem.clone());
        }
        out
    }

    /// Public names by module (for clash checks and root exports).
    pub fn items(&self) -> BTreeMap<Vec<String>, Vec<(String, String)>> {
        let mut out: BTreeMap<Vec<String>, Vec<(String, String)>> = BTreeMap::new();
        for f in &self.files {
            for i in &f.items {
                out.entry(f.module.clone())
                    .or_default()
                    .push((i.clone(), f.stem.clone()));
            }
        }
        out
    }
}

/// Reads the hand-written files under `dir` (a `v3` folder). Files right
/// in it are the generated ones; a `mod.rs` deeper down would never be
/// compiled (the generated tree declares its modules inline), so it is an
/// error.
pub fn scan(dir: &Path, generated_header: &str) -> Result<Curated, String> {
    let mut files = Vec::new();
    rs_files(dir, &mut files);
    files.sort();
    let mut out = Curated::default();
    let mut orphans = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(dir) else {
            continue;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some((file, dirs)) = parts.split_last() else {
            continue;
        };
        if dirs.is_empty() {
            continue;
        }
        let text = fs::read_to_string(&f).map_err(|e| format!("reading {}: {e}", f.display()))?;
        if text.starts_with(generated_header) {
            continue;
        }
        let stem = file.trim_end_matches(".rs").to_owned();
        if stem == "mod" {
            orphans.push(f.display().to_string());
            continue;
        }
        let mut module = vec!["v3".to_owned()];
        module.extend(dirs.iter().cloned());
        let ops = endpoints_in(&text, &f, &module);
        let mut items = public_items(&text);
        items.extend(ops.iter().map(|o| format!("{}Ext", o.type_name)));
        items.sort();
        items.dedup();
        out.ops.extend(ops);
        out.files.push(HandFile {
            module,
            stem,
            items,
        });
    }
    if !orphans.is_empty() {
        return Err(format!(
            "hand-written mod.rs files would not be compiled under the generated tree; move their content to a named file beside them: {}",
            orphans.join(", ")
        ));
    }
    Ok(out)
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `#[endpoint(METHOD, "/v3/…", …)]` declarations of a file (also
/// `#[crate::endpoint(…)]`, `#[wxpay_core::endpoint(…)]`, over several lines).
pub fn endpoints_in(text: &str, file: &Path, module: &[String]) -> Vec<CuratedOp> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("endpoint(") {
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = text[line_start..i].trim_start();
        let Some(path_part) = before.strip_prefix("#[") else {
            continue;
        };
        if !(path_part.is_empty() || path_part.ends_with("::")) {
            continue;
        }
        let args_start = i + "endpoint(".len();
        let Some(args_len) = closing_paren(&text[args_start..]) else {
            continue;
        };
        let args = &text[args_start..args_start + args_len];
        let method: String = args
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_uppercase())
            .collect();
        if !crate::spec::METHODS.contains(&method.to_ascii_lowercase().as_str()) {
            continue;
        }
        let Some(q1) = args.find('"') else { continue };
        let Some(len) = args[q1 + 1..].find('"') else {
            continue;
        };
        let path = &args[q1 + 1..q1 + 1 + len];
        if !path.starts_with("/v3/") {
            continue;
        }
        let method_name = args.find("method_name").and_then(|m| {
            let rest = args[m + "method_name".len()..].trim_start();
            let rest = rest.strip_prefix('=')?.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '#'))
                .collect();
            (!name.is_empty()).then_some(name)
        });
        let after = &text[args_start + args_len..];
        let type_name = after
            .find("pub struct ")
            .map(|s| {
                after[s + "pub struct ".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .unwrap_or_default();
        out.push(CuratedOp {
            id: format!("{method} {path}"),
            file: file.to_path_buf(),
            module: module.to_vec(),
            type_name,
            method_name,
        });
    }
    out
}

/// The length of the text up to the `)` closing an already opened `(`.
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Public items declared at the top level of a file (and the enums of
/// `open_enum!` invocations there).
pub fn public_items(text: &str) -> Vec<String> {
    const KINDS: [&str; 8] = [
        "struct ", "enum ", "trait ", "type ", "fn ", "const ", "static ", "mod ",
    ];
    let mut out = Vec::new();
    let mut in_open_enum = false;
    for line in text.lines() {
        let top = !line.starts_with(char::is_whitespace);
        let t = line.trim_start();
        if top && t.contains("open_enum!") {
            in_open_enum = true;
            continue;
        }
        if top && (t == "}" || t.starts_with("#[cfg(test)]")) {
            in_open_enum = false;
        }
        if !(top || in_open_enum) {
            continue;
        }
        let Some(rest) = t.strip_prefix("pub ") else {
            continue;
        };
        let rest = rest
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        for k in KINDS {
            if let Some(name) = rest.strip_prefix(k) {
                let name: String = name
                    .trim_start_matches("r#")
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Checks that each curated operation is one of the catalogue, declared in
/// the module its names give, under its type name, with its client method
/// (`method_name = …` where the catalogue's name is not the default).
/// `catalogue`: `(id, names, home module)` of every operation.
pub fn check(curated: &Curated, catalogue: &[(String, &Names, Vec<String>)]) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for op in &curated.ops {
        if let Some(first) = seen.insert(op.id.as_str(), op.file.as_path()) {
            problems.push(format!(
                "`{}` is declared twice: in {} and {}",
                op.id,
                first.display(),
                op.file.display()
            ));
        }
        let Some((_, names, home)) = catalogue.iter().find(|(id, _, _)| *id == op.id) else {
            problems.push(format!(
                "{}: `{}` is not an operation of the spec",
                op.file.display(),
                op.id
            ));
            continue;
        };
        if *home != op.module {
            problems.push(format!(
                "{}: `{}` belongs in `{}` (a file under `{}/`), not `{}`",
                op.file.display(),
                op.id,
                home.join("::"),
                home[1..].join("/"),
                op.module.join("::")
            ));
        }
        if op.type_name != names.type_name {
            problems.push(format!(
                "{}: `{}` is named `{}` by the rules, not `{}`",
                op.file.display(),
                op.id,
                names.type_name,
                op.type_name
            ));
        }
        let default = crate::naming::ident(&snake_of_pascal(&op.type_name));
        let method = op.method_name.clone().unwrap_or(default);
        if method != names.method {
            problems.push(format!(
                "{}: `{}` has the client method `{method}`; the catalogue's is `{}` (write `method_name = {}`{})",
                op.file.display(),
                op.id,
                names.method,
                names.method,
                if names.method == crate::naming::ident(&snake_of_pascal(&names.type_name)) {
                    ", or leave it out"
                } else {
                    ""
                }
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "hand-written endpoints do not follow the catalogue:\n  {}",
            problems.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_over_several_lines_and_paths_are_found() {
        let text = "/// uses endpoint(POST, \"/v3/not/this\") in prose\n#[endpoint(POST, \"/v3/pay/transactions/jsapi-with-contract\", response = R)]\n#[derive(Debug)]\npub struct JsapiWithContract {}\n#[crate::endpoint(\n    GET,\n    \"/v3/refund/domestic/refunds/{out_refund_no}\",\n    response = crate::x::Refund,\n    method_name = domestic_get_refunds\n)]\npub struct GetRefunds {}\n";
        let module = vec!["v3".to_owned(), "x".to_owned()];
        let found = endpoints_in(text, Path::new("a.rs"), &module);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "POST /v3/pay/transactions/jsapi-with-contract");
        assert_eq!(found[0].type_name, "JsapiWithContract");
        assert_eq!(found[0].method_name, None);
        assert_eq!(
            found[1].id,
            "GET /v3/refund/domestic/refunds/{out_refund_no}"
        );
        assert_eq!(found[1].type_name, "GetRefunds");
        assert_eq!(
            found[1].method_name.as_deref(),
            Some("domestic_get_refunds")
        );
    }

    #[test]
    fn public_items_at_the_top_level() {
        let text = "pub struct A {\n    pub x: u8,\n}\nimpl A {\n    pub fn new() {}\n}\ncrate::open_enum! {\n    /// E.\n    pub enum E {\n        X = \"X\",\n    }\n}\npub(crate) struct Hidden;\npub trait T {}\n#[cfg(test)]\nmod tests {\n    pub struct Inner;\n}\n";
        assert_eq!(public_items(text), ["A", "E", "T"]);
    }

    #[test]
    fn files_are_mounted_by_their_folder_and_mod_rs_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-curated-{}", std::process::id()));
        fs::create_dir_all(dir.join("pay/transactions")).unwrap();
        fs::write(dir.join("pay.rs"), "// @generated\n").unwrap();
        fs::write(dir.join("mod.rs"), "").unwrap();
        fs::write(
            dir.join("pay/transactions/query.rs"),
            "#[endpoint(GET, \"/v3/pay/transactions/id/{transaction_id}\")]\npub struct Id {}\n",
        )
        .unwrap();
        fs::write(
            dir.join("pay/transactions/models.rs"),
            "pub struct Amount {}\n",
        )
        .unwrap();
        let found = scan(&dir, "// @generated").unwrap();
        let want: Vec<String> = ["v3", "pay", "transactions"].map(String::from).to_vec();
        assert_eq!(found.mounts().get(&want).unwrap(), &["models", "query"]);
        assert_eq!(found.mounts().len(), 1);
        assert_eq!(found.ops.len(), 1);
        assert_eq!(found.ops[0].module, want);
        let items: Vec<String> = found.files.iter().flat_map(|f| f.items.clone()).collect();
        assert_eq!(items, ["Amount", "Id", "IdExt"]);
        fs::write(dir.join("pay/transactions/mod.rs"), "").unwrap();
        let err = scan(&dir, "// @generated").unwrap_err();
        fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("mod.rs"), "{err}");
    }
}
