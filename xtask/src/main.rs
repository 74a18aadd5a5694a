//! `cargo xtask`: repository tasks. See `xtask/README.md`.
//!
//! ```text
//! cargo xtask codegen [--check] [--report] [--names] [--spec DIR]
//!                     [--out DIR [--extras DIR] [--data] [--compile-check AREAS]]
//!                     [--curated DIR|none] [--enable FLAGS] [--disable FLAGS]
//!                     [--enum-macro PATH] [--file-type PATH] [--ungated AREAS]
//!                     [--no-features] [--method-prefix nearest|literal]
//! ```

mod catalogue;
mod codegen;
mod curated;
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

Without --out, regenerates the workspace: wxpay-core/src/v3/{mod.rs,<area>.rs},
the area features in wxpay-core/Cargo.toml, wxpay-sandbox/data/spec-mode.json
and tests/tests/catalogue.rs.

  --check               write nothing; fail if any of those differs from what would be generated
  --report              print the report (counts, malformed types, base64, uploads, …)
  --names               print the name table (method, path, type, client method, models module)
  --spec DIR            the spec's root, holding docs/ (default: ../shared/spec/wechatpay-openapi)
  --out DIR             scratch mode: write DIR/v3/{mod.rs,<area>.rs} only, with
                        features.toml (and --data's files) under --extras (default: DIR)
  --data                scratch mode: also write data/spec-mode.json and data/example-requests.json
  --compile-check AREAS scratch mode: write target/codegen-check/, a crate holding the areas
                        (comma-separated, or `all`) as modules over wxpay-core, to `cargo check`
  --curated DIR|none    leave alone the operations declared with #[endpoint] in DIR's .rs files
                        and mount those files (default: wxpay-core/src/v3; none in scratch mode)
  --enable FLAGS        emit (default: all of them) upload, download, trailing-slash, headers, delete-body
  --disable FLAGS       do not emit those
  --enum-macro PATH     the open-enum macro (default: wxpay_core::open_enum)
  --file-type PATH      the upload file type (default: wxpay_core::upload::UploadFile)
  --ungated AREAS       areas compiled whatever the features (default: certificates)
  --no-features         declare the areas without #[cfg(feature = …)]
  --method-prefix STYLE rule 4 for shared client methods: `nearest` (default) or `literal`";

/// Where the workspace keeps what the generator writes (relative to its root).
const CORE_SRC: &str = "wxpay-core/src";
const CORE_MANIFEST: &str = "wxpay-core/Cargo.toml";
const SANDBOX_DATA: &str = "wxpay-sandbox/data/spec-mode.json";
const CATALOGUE_TEST: &str = "tests/tests/catalogue.rs";

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
    /// `None`: the workspace (core mode).
    out: Option<PathBuf>,
    extras: Option<PathBuf>,
    check: bool,
    report: bool,
    names: bool,
    data: bool,
    compile_check: Option<String>,
    /// `Some(None)`: `--curated none`.
    curated: Option<Option<PathBuf>>,
    opts: Options,
}

fn flags(value: &str) -> Result<Vec<&str>, String> {
    let list: Vec<&str> = value.split(',').filter(|f| !f.is_empty()).collect();
    for f in &list {
        if !matches!(
            *f,
            "upload" | "download" | "trailing-slash" | "headers" | "delete-body"
        ) {
            return Err(format!("unknown flag `{f}`\n\n{USAGE}"));
        }
    }
    Ok(list)
}

fn set_flag(opts: &mut Options, flag: &str, on: bool) {
    match flag {
        "upload" => opts.upload = on,
        "download" => opts.download = on,
        "trailing-slash" => opts.trailing_slash = on,
        "headers" => opts.headers = on,
        _ => opts.delete_body = on,
    }
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
        out: None,
        extras: None,
        check: false,
        report: false,
        names: false,
        data: false,
        compile_check: None,
        curated: None,
        opts: Options::default(),
    };
    cli.opts.ungated.insert("certificates".into());
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--spec" => cli.spec = PathBuf::from(value("--spec")?),
            "--out" => cli.out = Some(PathBuf::from(value("--out")?)),
            "--extras" => cli.extras = Some(PathBuf::from(value("--extras")?)),
            "--check" => cli.check = true,
            "--report" => cli.report = true,
            "--names" => cli.names = true,
            "--data" => cli.data = true,
            "--compile-check" => cli.compile_check = Some(value("--compile-check")?),
            "--curated" => {
                let v = value("--curated")?;
                cli.curated = Some((v != "none").then(|| PathBuf::from(v)));
            }
            "--enum-macro" => cli.opts.enum_macro = value("--enum-macro")?,
            "--file-type" => cli.opts.file_type = value("--file-type")?,
            "--no-features" => cli.opts.features = false,
            "--ungated" => {
                cli.opts.ungated = value("--ungated")?
                    .split(',')
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
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
                for flag in flags(&value("--enable")?)? {
                    set_flag(&mut cli.opts, flag, true);
                }
            }
            "--disable" => {
                for flag in flags(&value("--disable")?)? {
                    set_flag(&mut cli.opts, flag, false);
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    if cli.out.is_none() && (cli.data || cli.compile_check.is_some() || cli.extras.is_some()) {
        return Err(format!(
            "--data, --extras and --compile-check belong to scratch mode: give --out DIR\n\n{USAGE}"
        ));
    }
    Ok(cli)
}

fn run(args: &[String]) -> Result<(), String> {
    let mut cli = parse(args)?;
    let root = workspace_root();
    let core = cli.out.is_none();
    let docs = cli.spec.join("docs");
    let spec = spec::SpecFiles::load(&docs)?;
    let curated_dir = match &cli.curated {
        Some(dir) => dir.clone(),
        None if core => Some(root.join(CORE_SRC).join("v3")),
        None => None,
    };
    let mut hand = curated::Curated::default();
    if let Some(dir) = &curated_dir {
        if !dir.is_dir() {
            return Err(format!("--curated {}: no such folder", dir.display()));
        }
        hand = curated::scan(dir, emit::HEADER)?;
        cli.opts.curated = hand.ops.iter().map(|o| o.id.clone()).collect();
        cli.opts.curated_files = hand
            .ops
            .iter()
            .map(|o| {
                let rel = o.file.strip_prefix(dir).unwrap_or(&o.file);
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                (o.id.clone(), format!("v3/{rel}"))
            })
            .collect();
        cli.opts.mounts = hand.mounts();
        cli.opts.hand_items = hand.items();
    }
    let catalog = codegen::build(&spec, &cli.opts, Some(spec::EXPECTED_OPERATIONS))?;
    curated::check(&hand, &catalog.homes())?;

    if cli.names {
        print!("{}", catalog.names_table());
    }
    if cli.report {
        let listed: Vec<(String, String)> = hand
            .ops
            .iter()
            .map(|o| (o.id.clone(), o.file.display().to_string()))
            .collect();
        print!("{}", report::render(&catalog, &listed));
    }

    let out_dir = cli.out.clone().unwrap_or_else(|| root.join(CORE_SRC));
    let mut rust: BTreeMap<String, String> = BTreeMap::new();
    for (name, code) in catalog.render(&cli.opts)? {
        rust.insert(
            format!("v3/{name}"),
            codegen::rustfmt(&code).map_err(|e| format!("{name}: {e}"))?,
        );
    }
    // Everything else, by absolute path.
    let mut other: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mode: Vec<serde_json::Value> = catalog
        .ops
        .iter()
        .filter(|o| !o.inbound)
        .map(data::spec_mode_entry)
        .collect();
    if core {
        let manifest = root.join(CORE_MANIFEST);
        let text = fs::read_to_string(&manifest)
            .map_err(|e| format!("reading {}: {e}", manifest.display()))?;
        other.insert(
            manifest,
            replace_features(&text, &catalog.features_toml(&cli.opts))?,
        );
        other.insert(root.join(SANDBOX_DATA), data::lines_array(&mode));
        let test = catalogue::render(&catalog, &cli.opts);
        other.insert(
            root.join(CATALOGUE_TEST),
            codegen::rustfmt(&test).map_err(|e| format!("catalogue.rs: {e}"))?,
        );
    } else {
        let extras = cli.extras.clone().unwrap_or_else(|| out_dir.clone());
        other.insert(
            extras.join("features.toml"),
            catalog.features_toml(&cli.opts),
        );
        if cli.data {
            let reqs: Vec<serde_json::Value> =
                catalog.ops.iter().map(data::example_request).collect();
            other.insert(extras.join("data/spec-mode.json"), data::lines_array(&mode));
            other.insert(
                extras.join("data/example-requests.json"),
                data::lines_array(&reqs),
            );
        }
    }

    if cli.check {
        let mut diffs = compare(&out_dir, &rust)?;
        for (path, want) in &other {
            match fs::read_to_string(path) {
                Ok(have) if have == *want => {}
                Ok(_) => diffs.push(format!("{} differs", path.display())),
                Err(_) => diffs.push(format!("{} is missing", path.display())),
            }
        }
        if diffs.is_empty() {
            eprintln!("codegen: {} files are up to date", rust.len() + other.len());
            return Ok(());
        }
        return Err(format!(
            "generated code is out of date; run `cargo xtask codegen`:\n  {}",
            diffs.join("\n  ")
        ));
    }
    write_files(&out_dir, &rust)?;
    for (path, text) in &other {
        if path.extension().is_some_and(|x| x == "rs")
            && fs::read_to_string(path).is_ok_and(|t| !t.starts_with(emit::HEADER))
        {
            return Err(format!(
                "refusing to overwrite {}: it lacks the generated marker",
                path.display()
            ));
        }
        write_if_changed(path, text)?;
    }
    eprintln!(
        "codegen: {} operations, {} generated, {} written by hand, {} not emitted (see --report); \
         wrote {} files to {} and {} elsewhere",
        catalog.ops.len(),
        catalog.emitted.len(),
        hand.ops.len(),
        catalog.deferred.len() - hand.ops.len(),
        rust.len(),
        out_dir.display(),
        other.len()
    );
    if let Some(areas) = &cli.compile_check {
        let dir = root.join("target/codegen-check");
        write_check_crate(&dir, &rust, areas, &catalog)?;
        eprintln!(
            "codegen: wrote {} (default features: the chosen areas); check it with\n  cargo check --manifest-path {}/Cargo.toml --target-dir target",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The markers around the generated part of `[features]` in wxpay-core's manifest.
const FEATURES_BEGIN: &str = "# @generated features begin";
const FEATURES_END: &str = "# @generated features end";

/// `manifest` with the lines between the feature markers replaced by `features`.
fn replace_features(manifest: &str, features: &str) -> Result<String, String> {
    let (Some(begin), Some(end)) = (manifest.find(FEATURES_BEGIN), manifest.find(FEATURES_END))
    else {
        return Err(format!(
            "{CORE_MANIFEST} lacks the lines `{FEATURES_BEGIN}` and `{FEATURES_END}` in [features]"
        ));
    };
    let body_start = manifest[begin..]
        .find('\n')
        .map_or(manifest.len(), |n| begin + n + 1);
    if end < body_start {
        return Err(format!(
            "{CORE_MANIFEST}: `{FEATURES_END}` comes before `{FEATURES_BEGIN}`"
        ));
    }
    Ok(format!(
        "{}{features}{}",
        &manifest[..body_start],
        &manifest[end..]
    ))
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Files under `out` that differ from `files` (or are missing), and
/// generated `v3/*.rs` files no longer generated.
fn compare(out: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let mut diffs = Vec::new();
    for (name, want) in files {
        match fs::read_to_string(out.join(name)) {
            Ok(have) if have == *want => {}
            Ok(_) => diffs.push(format!("{name} differs")),
            Err(_) => diffs.push(format!("{name} is missing")),
        }
    }
    for p in stale(out, files) {
        diffs.push(format!("{p} is not generated any more"));
    }
    Ok(diffs)
}

/// `v3/*.rs` files under `out` that carry the generated marker (never a
/// hand-written file) and that this run does not generate.
fn stale(out: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let Ok(entries) = fs::read_dir(out.join("v3")) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let name = format!("v3/{}", e.file_name().to_string_lossy());
            let generated = name.ends_with(".rs")
                && fs::read_to_string(e.path()).is_ok_and(|t| t.starts_with(emit::HEADER));
            (generated && !files.contains_key(&name)).then_some(name)
        })
        .collect();
    found.sort();
    found
}

/// Writes `files` under `out`, removing generated `v3/*.rs` files no longer
/// produced; refuses to overwrite a file without the generated marker.
fn write_files(out: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
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
    for p in stale(out, files) {
        fs::remove_file(out.join(&p)).map_err(|e| format!("removing {p}: {e}"))?;
    }
    for (name, text) in files {
        write_if_changed(&out.join(name), text)?;
    }
    Ok(())
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
        "//! Generated endpoints, compiled over wxpay-core (a throwaway check).\n#![warn(missing_docs)]\n\npub mod v3;\n",
    )
    .map_err(|e| e.to_string())?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let err = write_files(&dir, &files).unwrap_err();
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
        let found = stale(&dir, &BTreeMap::new());
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, ["v3/old.rs"]);
    }

    #[test]
    fn the_generated_features_replace_only_their_lines() {
        let manifest = "[features]\ndefault = [\"pay\"]\naxum = []\n# @generated features begin\nold = []\n# @generated features end\n\n[dependencies]\n";
        let got = replace_features(manifest, "pay = []\n").unwrap();
        assert_eq!(
            got,
            "[features]\ndefault = [\"pay\"]\naxum = []\n# @generated features begin\npay = []\n# @generated features end\n\n[dependencies]\n"
        );
        assert!(replace_features("[features]\n", "x").is_err());
    }

    #[test]
    fn options_and_modes() {
        assert!(parse(&["codegen".into(), "--frobnicate".into()]).is_err());
        assert!(parse(&["codegen".into(), "--enable".into(), "uploads".into()]).is_err());
        assert!(
            parse(&["codegen".into(), "--data".into()]).is_err(),
            "--data needs --out"
        );
        let cli = parse(&["codegen".into()]).unwrap();
        assert!(cli.out.is_none());
        assert!(cli.opts.upload && cli.opts.download && cli.opts.headers);
        assert!(cli.opts.ungated.contains("certificates"));
        let cli = parse(&[
            "codegen".into(),
            "--out".into(),
            "x".into(),
            "--disable".into(),
            "headers,upload".into(),
        ])
        .unwrap();
        assert!(!cli.opts.upload && cli.opts.download && !cli.opts.headers);
    }
}
