//! `cargo xtask`: repository tasks. See `xtask/README.md`.
//!
//! ```text
//! cargo xtask codegen [--check] [--report] [--names] [--spec DIR] [--out DIR]
//! ```

mod catalogue;
mod codegen;
mod curated;
mod data;
mod doc;
mod emit;
mod naming;
mod report;
mod share;
mod spec;
mod types;
mod v2;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::emit::Options;

const USAGE: &str = "usage: cargo xtask codegen [options]

Regenerates the catalogue: the area crates under catalogue/<area>/ (all but
their hand-written src/manual tree), the facade's wxpay/src/v3.rs and the
generated part of wxpay/Cargo.toml, wxpay-sandbox/data/spec-mode.json and
tests/tests/catalogue.rs. Hand-written operations are those listed in
catalogue/handwritten.txt.

  --check       write nothing; fail if any of those differs from what would be generated
  --report      print the report (counts, malformed types, base64, uploads, …)
  --names       print the name table (method, path, type, client method, models module)
  --spec DIR    the spec's root, holding docs/ (default: ../shared/spec/wechatpay-openapi)
  --out DIR     write (or check) under DIR instead of the workspace root";

/// What the generator writes besides the area crates (relative to the root).
const FACADE_MANIFEST: &str = "wxpay/Cargo.toml";
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
    out: PathBuf,
    check: bool,
    report: bool,
    names: bool,
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
        out: root,
        check: false,
        report: false,
        names: false,
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
            "--check" => cli.check = true,
            "--report" => cli.report = true,
            "--names" => cli.names = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    Ok(cli)
}

/// The command line's steps, in the order they run.
///
/// Long by design: each command's steps in sequence, read top to bottom.
fn run(args: &[String]) -> Result<(), String> {
    let cli = parse(args)?;
    let root = workspace_root();
    let spec = spec::SpecFiles::load(&cli.spec.join("docs"))?;
    let list_path = root.join(curated::LIST);
    let list = fs::read_to_string(&list_path)
        .map_err(|e| format!("reading {}: {e}", list_path.display()))?;
    let hand = curated::parse(&list)?;
    let opts = Options {
        curated: hand.iter().map(|h| (h.id.clone(), h.clone())).collect(),
        ..Options::default()
    };
    let catalog = codegen::build(&spec, &opts, Some(spec::EXPECTED_OPERATIONS))?;
    let ids: BTreeSet<String> = catalog.ops.iter().map(|o| o.id()).collect();
    curated::check(&hand, &ids)?;

    if cli.names {
        print!("{}", catalog.names_table());
    }
    if cli.report {
        print!("{}", report::render(&catalog, &hand));
    }
    if cli.names || cli.report {
        return Ok(());
    }

    // Everything written, by path from the output root.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (name, code) in catalog.render(&opts)? {
        let text = if name.ends_with(".rs") {
            codegen::rustfmt(&code).map_err(|e| format!("{name}: {e}"))?
        } else {
            code
        };
        files.insert(name, text);
    }
    let facade = root.join(FACADE_MANIFEST);
    let text =
        fs::read_to_string(&facade).map_err(|e| format!("reading {}: {e}", facade.display()))?;
    let v3_methods: BTreeSet<String> = catalog.names.iter().map(|n| n.method.clone()).collect();
    let v2 = v2::generate(&spec, &v3_methods)?;
    let (v2_deps, v2_features, v2_names) = v2::facade::toml(&v2.areas);
    let (deps, features) = catalog.facade_toml((&v2_deps, &v2_features, &v2_names));
    let text = replace_between(&text, DEPS, &deps)?;
    files.insert(
        FACADE_MANIFEST.into(),
        replace_between(&text, FEATURES, &features)?,
    );
    let mode: Vec<serde_json::Value> = catalog
        .ops
        .iter()
        .filter(|o| !o.inbound)
        .map(data::spec_mode_entry)
        .collect();
    files.insert(SANDBOX_DATA.into(), data::lines_array(&mode));
    let test = catalogue::render(&catalog, &opts);
    files.insert(
        CATALOGUE_TEST.into(),
        codegen::rustfmt(&test).map_err(|e| format!("catalogue.rs: {e}"))?,
    );

    for (name, code) in v2.files {
        let text = if name.ends_with(".rs") {
            codegen::rustfmt(&code).map_err(|e| format!("{name}: {e}"))?
        } else {
            code
        };
        files.insert(name, text);
    }

    let stale = stale(&cli.out, &files);
    if cli.check {
        let mut diffs = Vec::new();
        for (name, want) in &files {
            match fs::read_to_string(cli.out.join(name)) {
                Ok(have) if have == *want => {}
                Ok(_) => diffs.push(format!("{name} differs")),
                Err(_) => diffs.push(format!("{name} is missing")),
            }
        }
        diffs.extend(
            stale
                .iter()
                .map(|p| format!("{p} is not generated any more")),
        );
        if diffs.is_empty() {
            eprintln!("codegen: {} files are up to date", files.len());
            return Ok(());
        }
        return Err(format!(
            "generated code is out of date; run `cargo xtask codegen`:\n  {}",
            diffs.join("\n  ")
        ));
    }
    for (name, text) in &files {
        let path = cli.out.join(name);
        let marked = name == FACADE_MANIFEST
            || name.ends_with(".json")
            || fs::read_to_string(&path).map_or(true, |t| t.starts_with(&marker_of(name)));
        if !marked {
            return Err(format!(
                "refusing to overwrite {}: it lacks the generated marker",
                path.display()
            ));
        }
        write_if_changed(&path, text)?;
    }
    for name in &stale {
        let path = cli.out.join(name);
        fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
    }
    eprintln!(
        "codegen: {} operations, {} generated, {} written by hand, {} not emitted (see --report); \
         {} files under {}, {} removed",
        catalog.ops.len(),
        catalog.emitted.len(),
        hand.len(),
        catalog.deferred.len() - hand.len(),
        files.len(),
        cli.out.display(),
        stale.len()
    );
    Ok(())
}

/// The first line a generated file of this name starts with.
fn marker_of(name: &str) -> String {
    if name.ends_with(".toml") {
        emit::HEADER.replace("//", "#")
    } else {
        emit::HEADER.to_owned()
    }
}

/// The markers around the generated parts of the facade's manifest.
const DEPS: (&str, &str) = (
    "# @generated dependencies begin",
    "# @generated dependencies end",
);
const FEATURES: (&str, &str) = ("# @generated features begin", "# @generated features end");

/// `manifest` with the lines between `markers` replaced by `body`.
fn replace_between(manifest: &str, markers: (&str, &str), body: &str) -> Result<String, String> {
    let (begin_marker, end_marker) = markers;
    let (Some(begin), Some(end)) = (manifest.find(begin_marker), manifest.find(end_marker)) else {
        return Err(format!(
            "{FACADE_MANIFEST} lacks the lines `{begin_marker}` and `{end_marker}`"
        ));
    };
    let body_start = manifest[begin..]
        .find('\n')
        .map_or(manifest.len(), |n| begin + n + 1);
    if end < body_start {
        return Err(format!(
            "{FACADE_MANIFEST}: `{end_marker}` comes before `{begin_marker}`"
        ));
    }
    Ok(format!(
        "{}{body}{}",
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

/// Files under `out/catalogue` that carry the generated marker (never a
/// hand-written file) and that this run does not generate.
fn stale(out: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![out.join(emit::CATALOGUE_DIR)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(out) else {
                continue;
            };
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let generated = (name.ends_with(".rs") || name.ends_with(".toml"))
                && fs::read_to_string(&path).is_ok_and(|t| t.starts_with(&marker_of(&name)));
            if generated && !files.contains_key(&name) {
                found.push(name);
            }
        }
    }
    found.sort();
    found
}
