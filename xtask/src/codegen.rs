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
    /// The generated files (see [`emit::render`]), unformatted.
    pub fn render(&self, opts: &Options) -> Result<BTreeMap<String, String>, String> {
        let entries: Vec<Entry<'_>> = self
            .emitted
            .iter()
            .map(|(i, _)| Entry {
                op: &self.ops[*i],
                names: &self.names[*i],
            })
            .collect();
        let plans: Vec<OpPlan> = self.emitted.iter().map(|(_, p)| p.clone()).collect();
        let curated: Vec<emit::CuratedEntry> = self
            .ops
            .iter()
            .zip(&self.names)
            .filter_map(|(op, names)| {
                let hand = opts.curated.get(&op.id())?;
                Some(emit::CuratedEntry {
                    home: Entry { op, names }.home(),
                    type_name: names.type_name.clone(),
                    area: op.area.clone(),
                    export: hand.export.clone(),
                    manual: hand.is_manual(),
                })
            })
            .collect();
        emit::render(&entries, &plans, &curated, opts)
    }

    /// The areas with something to compile (not the inbound-only `webhooks`).
    pub fn areas(&self) -> Vec<&str> {
        let mut areas: Vec<&str> = self
            .ops
            .iter()
            .filter(|o| !o.inbound)
            .map(|o| o.area.as_str())
            .collect();
        areas.sort_unstable();
        areas.dedup();
        areas
    }

    /// The facade's generated manifest lines: one optional dependency and
    /// one feature per area, and `all-apis`; `v2` adds the APIv2 crate's
    /// dependency, its features, and their names to `all-apis`.
    pub fn facade_toml(&self, v2: (&str, &str, &[String])) -> (String, String) {
        let areas = self.areas();
        let marker = emit::HEADER.replace("//", "#");
        let mut deps = format!("{marker}\n");
        let mut features = format!(
            "{marker}\n# One feature per top-level APIv3 area: its crate, `wxpay-v3-<area>`.\n"
        );
        for a in &areas {
            let name = emit::crate_name(a);
            deps.push_str(&format!(
                "{name} = {{ path = \"../{}/{a}\", version = \"0.1.0\", optional = true }}\n",
                emit::CATALOGUE_DIR
            ));
            features.push_str(&format!("{a} = [\"dep:{name}\"]\n"));
        }
        let (v2_deps, v2_features, v2_names) = v2;
        deps.push_str(v2_deps);
        features.push_str(v2_features);
        let all: Vec<String> = areas
            .iter()
            .map(|a| (*a).to_owned())
            .chain(v2_names.iter().cloned())
            .map(|a| format!("{a:?}"))
            .collect();
        features.push_str(&format!(
            "## Every API area.\nall-apis = [{}]\n",
            all.join(", ")
        ));
        (deps, features)
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

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: [(&str, &str); 3] = [
        (
            "v3/refund/domestic/refunds.yaml",
            "post:\n  summary: 退款申请\n  parameters:\n    - name: _\n      in: body\n      schema:\n        type: object\n        required: [out_refund_no, amount]\n        properties:\n          out_refund_no: {type: string}\n          amount:\n            type: object\n            required: [refund]\n            properties:\n              refund: {type: integer}\n  responses:\n    '200':\n      schema:\n        type: object\n        properties:\n          status: {$ref: '../../../definitions/E.yaml#RefundStatus'}\n",
        ),
        (
            "v3/refund/domestic/refunds/{out_refund_no}.yaml",
            "get:\n  parameters:\n    - {name: out_refund_no, in: path, type: string}\n    - {name: sub_mchid, in: query, type: string}\n  responses:\n    '200':\n      schema:\n        type: object\n        properties:\n          status: {$ref: '../../../../definitions/E.yaml#RefundStatus'}\n",
        ),
        (
            "definitions/E.yaml",
            "RefundStatus:\n  type: string\n  enum: [SUCCESS, CLOSED]\n",
        ),
    ];

    fn small() -> SpecFiles {
        SpecFiles::from_texts(&SMALL).unwrap()
    }

    #[test]
    fn regenerating_gives_identical_files() {
        let opts = Options::default();
        let a = build(&small(), &opts, None).unwrap().render(&opts).unwrap();
        let b = build(&small(), &opts, None).unwrap().render(&opts).unwrap();
        assert_eq!(a, b);
        // One crate per area, one file per module of the URL tree.
        let domestic = a.get("catalogue/refund/src/domestic.rs").unwrap();
        assert!(domestic.starts_with(crate::emit::HEADER));
        assert!(domestic.contains("#[wxpay_core::endpoint(POST, \"/v3/refund/domestic/refunds\", response = PostRefundsResponse)]"));
        assert!(
            !domestic.contains("method_name"),
            "the macro's own rule names every method"
        );
        assert!(domestic.contains("pub struct GetRefunds {"));
        assert!(domestic.contains("pub amount: post_refunds::Amount,"));
        assert!(domestic.contains("pub status: Option<get_refunds::Status>,"));
        assert!(a.contains_key("catalogue/refund/src/domestic/post_refunds.rs"));
        let manifest = a.get("catalogue/refund/Cargo.toml").unwrap();
        assert!(
            manifest.contains("name = \"wxpay-v3-refund\""),
            "{manifest}"
        );
        assert!(manifest.contains("test = false"), "{manifest}");
        // Serde derives follow the way a model travels, and a model only
        // read carries no serializing attributes.
        let models = a
            .get("catalogue/refund/src/domestic/post_refunds.rs")
            .unwrap();
        let derive_of = |text: &str, item: &str| {
            let at = text.find(item).unwrap();
            let derive = text[..at].rfind("#[derive(").unwrap();
            text[derive..at].to_owned()
        };
        let sent = derive_of(models, "pub struct Amount {");
        assert!(
            sent.contains("serde::Serialize") && !sent.contains("serde::Deserialize"),
            "{sent}"
        );
        let read = derive_of(domestic, "pub struct PostRefundsResponse {");
        assert!(
            read.contains("serde::Deserialize") && !read.contains("serde::Serialize"),
            "{read}"
        );
        assert!(!domestic.contains("skip_serializing_if"), "{domestic}");
        let lib = a.get("catalogue/refund/src/lib.rs").unwrap();
        assert!(
            lib.contains("pub mod prelude {\npub use crate::domestic::GetRefundsExt as _;"),
            "{lib}"
        );
        let facade = a.get(crate::emit::FACADE_V3).unwrap();
        assert!(
            facade.contains(
                "#[cfg(feature = \"refund\")]\n#[doc(inline)]\npub use wxpay_v3_refund as refund;"
            ),
            "{facade}"
        );
    }

    #[test]
    fn curated_operations_are_skipped_and_reexported() {
        let mut opts = Options::default();
        let hand =
            crate::curated::parse("POST /v3/refund/domestic/refunds  crate::manual::domestic::*")
                .unwrap();
        opts.curated = hand.into_iter().map(|h| (h.id.clone(), h)).collect();
        let files = build(&small(), &opts, None).unwrap().render(&opts).unwrap();
        let domestic = files.get("catalogue/refund/src/domestic.rs").unwrap();
        assert!(!domestic.contains("pub struct PostRefunds"));
        assert!(
            domestic.contains("pub use crate::manual::domestic::*;"),
            "{domestic}"
        );
        assert!(
            domestic.contains("pub struct GetRefunds {"),
            "names do not depend on what is curated"
        );
        let lib = files.get("catalogue/refund/src/lib.rs").unwrap();
        assert!(lib.contains("mod manual;"), "{lib}");
        assert!(
            lib.contains("pub use crate::domestic::PostRefundsExt as _;"),
            "{lib}"
        );
        let manifest = files.get("catalogue/refund/Cargo.toml").unwrap();
        assert!(
            !manifest.contains("test = false"),
            "hand-written code keeps its unit tests"
        );
    }

    #[test]
    fn headers_delete_bodies_trailing_slashes_and_uploads_are_emitted() {
        let spec = SpecFiles::from_texts(&[
            (
                "v3/shops/{shop_id}.yaml",
                "delete:\n  parameters:\n    - {name: shop_id, in: path, type: string}\n    - name: Idempotency-Key\n      in: header\n      type: string\n      required: true\n    - name: _\n      in: body\n      schema:\n        type: object\n        required: [brand_id]\n        properties:\n          brand_id: {type: string}\n  responses:\n    '204': {description: ok}\n",
            ),
            (
                "v3/shops/{empty}.yaml",
                "post:\n  parameters:\n    - name: _\n      in: body\n      schema:\n        type: object\n        properties:\n          name: {type: string}\n  responses:\n    '204': {description: ok}\n",
            ),
            (
                "v3/shops/media/upload.yaml",
                "post:\n  consumes: [multipart/form-data]\n  parameters:\n    - {name: file, in: formData, type: file, required: true}\n    - name: meta\n      in: formData\n      type: string\n      required: true\n      schema:\n        type: object\n        required: [filename, sha256, shop_id]\n        properties:\n          filename: {type: string}\n          sha256: {type: string}\n          shop_id: {type: string}\n  responses:\n    '200':\n      schema:\n        type: object\n        properties:\n          media_id: {type: string}\n",
            ),
            (
                "v3/shops/files/upload.yaml",
                "post:\n  consumes: [multipart/form-data]\n  parameters:\n    - {name: shop_file, in: formData, type: file, required: true}\n    - {name: meta, in: formData, type: string, required: true}\n    - {name: item_id, in: formData, type: number, required: true, example: 56}\n  responses:\n    '204': {description: ok}\n",
            ),
        ])
        .unwrap();
        let opts = Options::default();
        let files = build(&spec, &opts, None).unwrap().render(&opts).unwrap();
        // Operations without nested models (the DELETE, the bodiless
        // upload answer) get no empty models module.
        for (name, text) in &files {
            assert!(
                !name.ends_with(".rs") || text.lines().any(|l| l.starts_with("pub ")),
                "{name} is empty:\n{text}"
            );
        }
        let shops: String = files
            .iter()
            .filter(|(name, _)| name.starts_with("catalogue/shops/src/"))
            .map(|(_, text)| text.as_str())
            .collect();
        assert!(
            shops.contains("#[header(\"Idempotency-Key\")]\npub idempotency_key: String,"),
            "{shops}"
        );
        assert!(shops.contains("#[body]\npub brand_id: String,"), "{shops}");
        assert!(shops.contains("\"/v3/shops/\""), "{shops}");
        // The upload: the file, and `meta`'s members but the computed ones.
        assert!(shops.contains("upload)]"), "{shops}");
        assert!(
            shops.contains("pub file: wxpay_core::upload::UploadFile,"),
            "{shops}"
        );
        assert!(shops.contains("pub shop_id: String,"), "{shops}");
        assert!(!shops.contains("pub sha256"), "{shops}");
        assert!(!shops.contains("pub meta"), "{shops}");
        // Another upload: the file part keeps its name, a text part is `#[form]`.
        assert!(
            shops.contains("pub shop_file: wxpay_core::upload::UploadFile,"),
            "{shops}"
        );
        assert!(shops.contains("#[form]\npub item_id: i64,"), "{shops}");
        let (ops, _) = spec.operations().unwrap();
        let entry = crate::data::spec_mode_entry(
            ops.iter()
                .find(|op| op.path == "/v3/shops/files/upload")
                .unwrap(),
        );
        assert_eq!(entry["file_part"], "shop_file");
        assert_eq!(entry["form"], serde_json::json!([["item_id", "integer"]]));
    }

    #[test]
    fn the_count_is_enforced() {
        let err = build(&small(), &Options::default(), Some(993))
            .err()
            .unwrap();
        assert!(err.contains("holds 2 APIv3 operations, not 993"), "{err}");
    }

    /// The real spec, where it is checked out next to the repository (as in CI).
    #[test]
    fn the_real_spec_reads_names_and_renders_deterministically() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/spec/wechatpay-openapi/docs");
        if !docs.join("v3").is_dir() {
            eprintln!("skipped: no spec at {}", docs.display());
            return;
        }
        let spec = SpecFiles::load(&docs).unwrap();
        let opts = Options::default();
        let a = build(&spec, &opts, Some(EXPECTED_OPERATIONS)).unwrap();
        assert_eq!(a.ops.len(), EXPECTED_OPERATIONS);
        let seed = a
            .ops
            .iter()
            .position(|o| o.id() == "POST /v3/pay/transactions/jsapi-with-contract")
            .unwrap();
        assert_eq!(
            a.names[seed].full_type(),
            "v3::pay::transactions::JsapiWithContract"
        );
        assert_eq!(
            a.names[seed].method,
            "post_pay_transactions_jsapi_with_contract"
        );
        let files_a = a.render(&opts).unwrap();
        let files_b = build(&spec, &opts, Some(EXPECTED_OPERATIONS))
            .unwrap()
            .render(&opts)
            .unwrap();
        assert!(files_a == files_b, "two runs over the same spec differ");
        if let Some(refund) = files_a.get("catalogue/refund/src/domestic.rs") {
            if let (Ok(x), Ok(y)) = (rustfmt(refund), rustfmt(refund)) {
                assert_eq!(x, y);
            }
        }
    }
}
