//! The pipeline: spec → operations → names → plans → files.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::emit::{self, Entry, Options};
use crate::naming::{self, Names};
use crate::spec::{EXPECTED_OPERATIONS, Malformed, Operation, SpecFiles};
use crate::types::OpPlan;

/// Everything the generator learnt, for the files, the report and the data.
pub struct Catalog {
    pub ops: Vec<Operation>,
    pub names: Vec<Names>,
    pub malformed: Vec<Malformed>,
    /// Indexes (into `ops`) of the emitted operations, with their plans.
    pub emitted: Vec<(usize, OpPlan)>,
    /// `(operation id, reason, area)` of the operations not emitted.
    pub deferred: Vec<(String, String, String)>,
    pub indexed_paths: Option<Vec<String>>,
}

/// Reads and names every operation, and plans the ones `opts` lets through.
/// `expected`: the operation count to insist on (`None` in tests on small specs).
pub fn build(spec: &SpecFiles, opts: &Options, expected: Option<usize>) -> Result<Catalog, String> {
    let (ops, malformed) = spec.operations()?;
    if let Some(n) = expected {
        if ops.len() != n {
            return Err(format!(
                "the spec holds {} APIv3 operations, not {n}: it changed shape or the reader broke; \
                 check the report and update EXPECTED_OPERATIONS ({EXPECTED_OPERATIONS}) deliberately",
                ops.len()
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = ops
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str()))
        .collect();
    let names = naming::assign(&pairs)?;
    let mut deferred = Vec::new();
    let mut kept = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match emit::deferred(op, opts) {
            Some(why) => deferred.push((op.id(), why, op.area.clone())),
            None => kept.push(i),
        }
    }
    let entries: Vec<Entry<'_>> = kept
        .iter()
        .map(|&i| Entry {
            op: &ops[i],
            names: &names[i],
        })
        .collect();
    let plans = emit::plan_all(&entries);
    let emitted = kept.into_iter().zip(plans).collect();
    Ok(Catalog {
        indexed_paths: spec.indexed_paths.clone(),
        ops,
        names,
        malformed,
        emitted,
        deferred,
    })
}

impl Catalog {
    /// The Rust files (`mod.rs`, `<area>.rs`), unformatted.
    pub fn render(&self, opts: &Options) -> BTreeMap<String, String> {
        let entries: Vec<Entry<'_>> = self
            .emitted
            .iter()
            .map(|(i, _)| Entry {
                op: &self.ops[*i],
                names: &self.names[*i],
            })
            .collect();
        let plans: Vec<OpPlan> = self.emitted.iter().map(|(_, p)| p.clone()).collect();
        emit::render(&entries, &plans, &self.deferred, opts)
    }

    /// The `[features]` lines for wxpay-core's Cargo.toml (phase 2).
    pub fn features_toml(&self) -> String {
        let mut areas: Vec<&str> = self.ops.iter().map(|o| o.area.as_str()).collect();
        areas.sort_unstable();
        areas.dedup();
        let mut out = format!(
            "{}\n# One feature per top-level APIv3 area.\n",
            emit::HEADER.replace("//", "#")
        );
        for a in &areas {
            out.push_str(&format!("{a} = []\n"));
        }
        let all: Vec<String> = areas.iter().map(|a| format!("{a:?}")).collect();
        out.push_str(&format!("all-apis = [{}]\n", all.join(", ")));
        out
    }

    /// The name table: one line per operation.
    pub fn names_table(&self) -> String {
        let mut out = String::from("method\tpath\ttype\tclient method\tmodels module\n");
        for (op, n) in self.ops.iter().zip(&self.names) {
            let models = {
                let e = Entry { op, names: n };
                e.models_module().join("::")
            };
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                op.method,
                op.path,
                n.full_type(),
                n.method,
                models
            ));
        }
        out
    }
}

/// Formats Rust with the `rustfmt` binary (edition 2024).
pub fn rustfmt(code: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = code.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt: writer thread failed".to_owned())?
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output: {e}"))
}
