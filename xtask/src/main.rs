//! `cargo xtask`: repository tasks. See `xtask/README.md`.
//!
//! ```text
//! cargo xtask codegen [--spec DIR] [--out DIR] [--extras DIR] [--check] [--report] [--names] [--data]
//!                     [--compile-check AREAS] [--curated DIR] [--enable FLAGS]
//!                     [--enum-macro PATH] [--file-type PATH] [--no-features]
//!                     [--method-prefix nearest|literal]
//! ```

mod codegen;
mod data;
mod doc;
mod emit;
mod naming;
mod report;
mod spec;
mod types;
mod yaml;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::emit::Options;

const USAGE: &str = "usage: cargo xtask codegen [options]

  --spec DIR            the spec's root, holding docs/ (default: ../shared/spec/wechatpay-openapi)
  --out DIR             where to write v3/mod.rs and v3/<area>.rs (default: target/codegen)
  --extras DIR          where to write features.toml and data/ (default: target/codegen)
  --check               write nothing; fail if --out differs from what would be generated
  --report              print the report (counts, malformed types, base64, uploads, …)
  --names               print the name table (method, path, type, client method, models module)
  --data                also write data/spec-mode.json and data/example-requests.json
  --compile-check AREAS write target/codegen-check/, a crate holding the areas (comma-separated,
                        or `all`) as modules over wxpay-core, to `cargo check`
  --curated DIR         leave alone the operations declared with #[endpoint] in DIR's .rs files
  --enable FLAGS        emit what the macro cannot express yet (comma-separated):
                        upload, download, trailing-slash, headers, delete-body
  --enum-macro PATH     the open-enum macro (default: crate::codegen_support::open_enum)
  --file-type PATH      the upload file type (default: crate::codegen_support::UploadFile)
  --no-features         declare the areas without #[cfg(feature = …)]
  --method-prefix STYLE rule 4 for shared client methods: `nearest` (default) or `literal`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the folder above `xtask/`).
fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

struct Cli {
    spec: PathBuf,
    out: PathBuf,
    extras: PathBuf,
    check: bool,
    report: bool,
    names: bool,
    data: bool,
    compile_check: Option<String>,
    curated: Option<PathBuf>,
    opts: Options,
}

fn parse(args: &[String]) -> Result<Cli, String> {
    let root = workspace_root();
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("codegen") => {}
        Some("-h" | "--help") | None => return Err(USAGE.into()),
        Some(other) => return Err(format!("unknown task `{other}`\n\n{USAGE}")),
    }
    let mut cli = Cli {
        spec: root.join("../shared/spec/wechatpay-openapi"),
        out: root.join("target/codegen"),
        extras: root.join("target/codegen"),
        check: false,
        report: false,
        names: false,
        data: false,
        compile_check: None,
        curated: None,
        opts: Options::default(),
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--spec" => cli.spec = PathBuf::from(value("--spec")?),
            "--out" => cli.out = PathBuf::from(value("--out")?),
            "--extras" => cli.extras = PathBuf::from(value("--extras")?),
            "--check" => cli.check = true,
            "--report" => cli.report = true,
            "--names" => cli.names = true,
            "--data" => cli.data = true,
            "--compile-check" => cli.compile_check = Some(value("--compile-check")?),
            "--curated" => cli.curated = Some(PathBuf::from(value("--curated")?)),
            "--enum-macro" => cli.opts.enum_macro = value("--enum-macro")?,
            "--file-type" => cli.opts.file_type = value("--file-type")?,
            "--no-features" => cli.opts.features = false,
            "--method-prefix" => {
                cli.opts.method_prefix = match value("--method-prefix")?.as_str() {
                    "nearest" => naming::MethodPrefix::Nearest,
                    "literal" => naming::MethodPrefix::Literal,
                    other => {
                        return Err(format!(
                            "--method-prefix: `{other}` is not `nearest` or `literal`"
                        ));
                    }
                }
            }
            "--enable" => {
                for flag in value("--enable")?.split(',').filter(|f| !f.is_empty()) {
                    match flag {
                        "upload" => cli.opts.upload = true,
                        "download" => cli.opts.download = true,
                        "trailing-slash" => cli.opts.trailing_slash = true,
                        "headers" => cli.opts.headers = true,
                        "delete-body" => cli.opts.delete_body = true,
                        other => return Err(format!("unknown --enable flag `{other}`\n\n{USAGE}")),
                    }
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    Ok(cli)
}

fn run(args: &[String]) -> Result<(), String> {
    let mut cli = parse(args)?;
    let docs = cli.spec.join("docs");
    let spec = spec::SpecFiles::load(&docs)?;
    if let Some(dir) = &cli.curated {
        if !dir.is_dir() {
            return Err(format!("--curated {}: no such folder", dir.display()));
        }
        for (id, _) in scan_curated(dir)? {
            cli.opts.curated.insert(id);
        }
        cli.opts.mounts = scan_mounts(dir)?;
    }
    let catalog = codegen::build(&spec, &cli.opts, Some(spec::EXPECTED_OPERATIONS))?;

    if cli.names {
        print!("{}", catalog.names_table());
    }
    if cli.report {
        let in_core = scan_curated(&workspace_root().join("wxpay-core/src")).unwrap_or_default();
        print!("{}", report::render(&catalog, &in_core));
    }

    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (name, code) in catalog.render(&cli.opts)? {
        files.insert(
            format!("v3/{name}"),
            codegen::rustfmt(&code).map_err(|e| format!("{name}: {e}"))?,
        );
    }
    // Not Rust: written beside, under --extras.
    let mut extras: BTreeMap<String, String> = BTreeMap::new();
    extras.insert("features.toml".into(), catalog.features_toml());
    if cli.data {
        let mode: Vec<serde_json::Value> = catalog.ops.iter().map(data::spec_mode_entry).collect();
        let reqs: Vec<serde_json::Value> = catalog.ops.iter().map(data::example_request).collect();
        extras.insert("data/spec-mode.json".into(), data::lines_array(&mode));
        extras.insert(
            "data/example-requests.json".into(),
            data::lines_array(&reqs),
        );
    }

    if cli.check {
        let mut diffs = compare(&cli.out, &files)?;
        diffs.extend(compare(&cli.extras, &extras)?);
        if diffs.is_empty() {
            eprintln!(
                "codegen: {} files in {} and {} are up to date",
                files.len() + extras.len(),
                cli.out.display(),
                cli.extras.display()
            );
            return Ok(());
        }
        return Err(format!(
            "generated code is out of date; run `cargo xtask codegen`:\n  {}",
            diffs.join("\n  ")
        ));
    }
    write_files(&cli.out, &files, false)?;
    write_files(&cli.extras, &extras, cli.data)?;
    eprintln!(
        "codegen: {} operations, {} emitted, {} not (see --report); wrote {} files to {} and {} to {}",
        catalog.ops.len(),
        catalog.emitted.len(),
        catalog.deferred.len(),
        files.len(),
        cli.out.display(),
        extras.len(),
        cli.extras.display()
    );
    if let Some(areas) = &cli.compile_check {
        let dir = workspace_root().join("target/codegen-check");
        write_check_crate(&dir, &files, areas, &catalog)?;
        eprintln!(
            "codegen: wrote {} (default features: the chosen areas); check it with\n  cargo check --manifest-path {}/Cargo.toml --target-dir target",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Files under `out` that differ from `files` (or are missing, or extra).
fn compare(out: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let mut diffs = Vec::new();
    for (name, want) in files {
        match fs::read_to_string(out.join(name)) {
            Ok(have) if have == *want => {}
            Ok(_) => diffs.push(format!("{name} differs")),
            Err(_) => diffs.push(format!("{name} is missing")),
        }
    }
    let rust = files.keys().any(|k| k.starts_with("v3/"));
    let data = files.keys().any(|k| k.starts_with("data/"));
    for p in stale(out, files, rust, data) {
        diffs.push(format!("{p} is not generated any more"));
    }
    Ok(diffs)
}

/// Files under `out` that an earlier run generated and this one does not:
/// `v3/*.rs` carrying the generated marker (never a hand-written file) when
/// `rust`, and `data/*.json` when `data`.
fn stale(out: &Path, files: &BTreeMap<String, String>, rust: bool, data: bool) -> Vec<String> {
    let mut present = Vec::new();
    list_files(out, out, &mut present);
    present
        .into_iter()
        .filter(|p| !files.contains_key(p))
        .filter(|p| {
            let generated_rs = rust
                && p.starts_with("v3/")
                && p.matches('/').count() == 1
                && p.ends_with(".rs")
                && fs::read_to_string(out.join(p)).is_ok_and(|t| t.starts_with(emit::HEADER));
            generated_rs || data && p.starts_with("data/") && p.ends_with(".json")
        })
        .collect()
}

fn list_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            list_files(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
}

/// Writes `files` under `out`, removing generated files no longer produced:
/// `v3/*.rs` when writing Rust, `data/*.json` when `data` was asked for.
fn write_files(out: &Path, files: &BTreeMap<String, String>, data: bool) -> Result<(), String> {
    let rust = files.keys().any(|k| k.starts_with("v3/"));
    let hand: Vec<&String> = files
        .keys()
        .filter(|k| k.ends_with(".rs"))
        .filter(|k| fs::read_to_string(out.join(k)).is_ok_and(|t| !t.starts_with(emit::HEADER)))
        .collect();
    if !hand.is_empty() {
        return Err(format!(
            "refusing to overwrite hand-written files (they lack the generated marker): {}",
            hand.iter()
                .map(|h| out.join(h).display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for p in stale(out, files, rust, data) {
        fs::remove_file(out.join(&p)).map_err(|e| format!("removing {p}: {e}"))?;
    }
    for (name, text) in files {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Operations declared with `#[endpoint(METHOD, "path"…)]` in the `.rs`
/// files under `dir`: `(id, file)`.
fn scan_curated(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    rs_files(dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).map_err(|e| format!("reading {}: {e}", f.display()))?;
        if text.starts_with(emit::HEADER) {
            continue;
        }
        for (i, _) in text.match_indices("endpoint(") {
            let before = &text[..i];
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            if !text[line_start..i].trim_start().starts_with("#[") {
                continue;
            }
            let args = &text[i + "endpoint(".len()..];
            let method: String = args
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .collect();
            if !spec::METHODS.contains(&method.to_ascii_lowercase().as_str()) {
                continue;
            }
            let Some(q1) = args.find('"') else { continue };
            let Some(len) = args[q1 + 1..].find('"') else {
                continue;
            };
            let path = &args[q1 + 1..q1 + 1 + len];
            if path.starts_with("/v3/") {
                out.push((format!("{method} {path}"), f.display().to_string()));
            }
        }
    }
    Ok(out)
}

/// The hand-written files under a `v3` folder, by the module that mounts
/// them: `pay/transactions/query.rs` is `mod query; pub use query::*;` in
/// `v3::pay::transactions`. Files right in the folder are the generated
/// area files and `mod.rs`; a `mod.rs` deeper down would never be compiled
/// (the generated tree declares its modules inline), so it is an error.
fn scan_mounts(dir: &Path) -> Result<BTreeMap<Vec<String>, Vec<String>>, String> {
    let mut files = Vec::new();
    rs_files(dir, &mut files);
    files.sort();
    let mut mounts: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut orphans = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(dir) else {
            continue;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.len() < 2 {
            continue;
        }
        let (file, dirs) = parts.split_last().ok_or("empty path")?;
        let stem = file.trim_end_matches(".rs").to_owned();
        if stem == "mod" {
            orphans.push(f.display().to_string());
            continue;
        }
        let mut module = vec!["v3".to_owned()];
        module.extend(dirs.iter().cloned());
        mounts.entry(module).or_default().push(stem);
    }
    if !orphans.is_empty() {
        return Err(format!(
            "hand-written mod.rs files would not be compiled under the generated tree; move their content to a named file beside them: {}",
            orphans.join(", ")
        ));
    }
    Ok(mounts)
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

/// The scratch crate of step 6: the chosen areas as modules of a crate
/// depending on wxpay-core, with the placeholders the generated code names.
fn write_check_crate(
    dir: &Path,
    files: &BTreeMap<String, String>,
    areas: &str,
    catalog: &codegen::Catalog,
) -> Result<(), String> {
    let mut all: Vec<String> = catalog.ops.iter().map(|o| o.area.clone()).collect();
    all.sort();
    all.dedup();
    let chosen: Vec<String> = if areas == "all" {
        all.clone()
    } else {
        let list: Vec<String> = areas.split(',').map(str::to_owned).collect();
        if let Some(bad) = list.iter().find(|a| !all.contains(a)) {
            return Err(format!("--compile-check: no area `{bad}`"));
        }
        list
    };
    let src = dir.join("src");
    let v3 = src.join("v3");
    let _ = fs::remove_dir_all(&v3);
    fs::create_dir_all(&v3).map_err(|e| format!("creating {}: {e}", v3.display()))?;
    let mut features = String::new();
    for a in &all {
        features.push_str(&format!("{a} = []\n"));
    }
    let cargo = format!(
        "# Written by `cargo xtask codegen --compile-check`: a throwaway crate.\n[package]\nname = \"codegen-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nwxpay-core = {{ path = \"../../wxpay-core\" }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n[features]\ndefault = [{}]\n{features}",
        chosen
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let lock = workspace_root().join("Cargo.lock");
    if let Ok(l) = fs::read(&lock) {
        let _ = fs::write(dir.join("Cargo.lock"), l);
    }
    fs::write(dir.join("Cargo.toml"), cargo).map_err(|e| e.to_string())?;
    fs::write(
        src.join("lib.rs"),
        "//! Generated endpoints, compiled over wxpay-core (a throwaway check).\n#![warn(missing_docs)]\n\npub mod codegen_support;\npub mod v3;\n",
    )
    .map_err(|e| e.to_string())?;
    fs::write(src.join("codegen_support.rs"), SUPPORT).map_err(|e| e.to_string())?;
    for (name, text) in files {
        if let Some(rel) = name.strip_prefix("v3/") {
            fs::write(v3.join(rel), text).map_err(|e| e.to_string())?;
        }
    }
    // A test decoding each answer of the spec-mode data into its type.
    let mode: Vec<serde_json::Value> = catalog.ops.iter().map(data::spec_mode_entry).collect();
    let tests = dir.join("tests");
    fs::create_dir_all(&tests).map_err(|e| e.to_string())?;
    fs::write(tests.join("spec-mode.json"), data::lines_array(&mode)).map_err(|e| e.to_string())?;
    let mut calls = String::new();
    for (i, plan) in &catalog.emitted {
        let op = &catalog.ops[*i];
        if plan.response.is_none() {
            continue;
        }
        let entry = emit::Entry {
            op,
            names: &catalog.names[*i],
        };
        let ty = format!(
            "codegen_check::{}::{}Response",
            entry.home().join("::"),
            entry.names.type_name
        );
        calls.push_str(&format!(
            "    #[cfg(feature = {:?})]\n    decode::<{ty}>(&answers, {:?}, &mut failures, &mut count);\n",
            op.area,
            op.id()
        ));
    }
    let test = format!(
        "//! Written by `cargo xtask codegen --compile-check`: every spec-mode answer decodes into its type.\n\
         #![allow(clippy::unwrap_used)]\n\n\
         use std::collections::BTreeMap;\n\n\
         fn decode<T: serde::de::DeserializeOwned>(answers: &BTreeMap<String, serde_json::Value>, id: &str, failures: &mut Vec<String>, count: &mut usize) {{\n\
         \x20   *count += 1;\n\
         \x20   let value = answers.get(id).cloned().unwrap_or_default();\n\
         \x20   if let Err(e) = serde_json::from_value::<T>(value) {{\n\
         \x20       failures.push(format!(\"{{id}}: {{e}}\"));\n\
         \x20   }}\n\
         }}\n\n\
         #[test]\n\
         fn spec_mode_answers_decode() {{\n\
         \x20   let data: Vec<serde_json::Value> = serde_json::from_str(include_str!(\"spec-mode.json\")).unwrap();\n\
         \x20   let answers: BTreeMap<String, serde_json::Value> = data\n\
         \x20       .into_iter()\n\
         \x20       .map(|e| (format!(\"{{}} {{}}\", e[\"method\"].as_str().unwrap(), e[\"path\"].as_str().unwrap()), e[\"response\"].clone()))\n\
         \x20       .collect();\n\
         \x20   let mut failures = Vec::new();\n\
         \x20   let mut count = 0;\n\
         {calls}\
         \x20   eprintln!(\"{{count}} answers decoded, {{}} failed\", failures.len());\n\
         \x20   assert!(failures.is_empty(), \"{{}} of {{count}} answers do not decode:\\n{{}}\", failures.len(), failures.join(\"\\n\"));\n\
         }}\n"
    );
    fs::write(tests.join("decode.rs"), test).map_err(|e| e.to_string())?;
    Ok(())
}

/// Placeholders for what other branches add to wxpay-core: an open-enum
/// macro of the same shape as issue 3's `open_enum!`, and an upload file type.
const SUPPORT: &str = r#"//! Stand-ins for wxpay-core items not merged yet.

/// An enum of wire strings keeping unknown values (same shape as wxpay-core's `open_enum!`).
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
            /// A value this version does not list, kept as received.
            Other(String),
        }

        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value.as_str(),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = String::deserialize(d)?;
                Ok(match value.as_str() {
                    $( $wire => Self::$variant, )+
                    _ => Self::Other(value),
                })
            }
        }
    };
}
pub(crate) use open_enum;

/// An uploaded file (placeholder for issue 7's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    /// The file name sent in the part's header.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curated_operations_are_found_by_their_attribute() {
        let dir = std::env::temp_dir().join(format!("xtask-curated-{}", std::process::id()));
        fs::create_dir_all(dir.join("a")).unwrap();
        fs::write(
            dir.join("a/x.rs"),
            "/// uses endpoint(POST, \"/v3/not/this\") in prose\n#[endpoint(POST, \"/v3/pay/transactions/jsapi-with-contract\", response = R)]\npub struct J {}\n#[crate::endpoint(GET, \"/v3/refund/domestic/refunds/{out_refund_no}\")]\npub struct G {}\n",
        )
        .unwrap();
        let found: Vec<String> = scan_curated(&dir)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found,
            [
                "POST /v3/pay/transactions/jsapi-with-contract",
                "GET /v3/refund/domestic/refunds/{out_refund_no}"
            ]
        );
    }

    #[test]
    fn hand_written_files_are_mounted_by_their_folder() {
        let dir = std::env::temp_dir().join(format!("xtask-mounts-{}", std::process::id()));
        fs::create_dir_all(dir.join("pay/transactions")).unwrap();
        fs::write(dir.join("pay.rs"), format!("{}\n", emit::HEADER)).unwrap();
        fs::write(dir.join("mod.rs"), "").unwrap();
        fs::write(dir.join("pay/transactions/query.rs"), "").unwrap();
        fs::write(dir.join("pay/transactions/models.rs"), "").unwrap();
        let mounts = scan_mounts(&dir).unwrap();
        let want: Vec<String> = ["v3", "pay", "transactions"].map(String::from).to_vec();
        assert_eq!(mounts.get(&want).unwrap(), &["models", "query"]);
        assert_eq!(mounts.len(), 1);
        fs::write(dir.join("pay/transactions/mod.rs"), "").unwrap();
        let err = scan_mounts(&dir).unwrap_err();
        fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("mod.rs"), "{err}");
    }

    #[test]
    fn hand_written_files_are_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("xtask-hand-{}", std::process::id()));
        fs::create_dir_all(dir.join("v3")).unwrap();
        fs::write(dir.join("v3/certificates.rs"), "// written by hand\n").unwrap();
        let mut files = BTreeMap::new();
        files.insert(
            "v3/certificates.rs".to_owned(),
            format!("{}\n", emit::HEADER),
        );
        let err = write_files(&dir, &files, false).unwrap_err();
        let kept = fs::read_to_string(dir.join("v3/certificates.rs")).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("certificates.rs"), "{err}");
        assert_eq!(kept, "// written by hand\n");
    }

    #[test]
    fn stale_files_are_only_generated_ones() {
        let dir = std::env::temp_dir().join(format!("xtask-stale-{}", std::process::id()));
        fs::create_dir_all(dir.join("v3/pay")).unwrap();
        fs::write(dir.join("v3/old.rs"), format!("{}\n", emit::HEADER)).unwrap();
        fs::write(dir.join("v3/hand.rs"), "// mine\n").unwrap();
        fs::write(dir.join("v3/pay/query.rs"), format!("{}\n", emit::HEADER)).unwrap();
        let found = stale(&dir, &BTreeMap::new(), true, false);
        assert!(stale(&dir, &BTreeMap::new(), false, true).is_empty());
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, ["v3/old.rs"]);
    }

    #[test]
    fn unknown_options_are_refused() {
        assert!(parse(&["codegen".into(), "--frobnicate".into()]).is_err());
        assert!(parse(&["codegen".into(), "--enable".into(), "uploads".into()]).is_err());
        let cli = parse(&[
            "codegen".into(),
            "--enable".into(),
            "upload,download".into(),
        ])
        .unwrap();
        assert!(cli.opts.upload && cli.opts.download && !cli.opts.headers);
    }
}
