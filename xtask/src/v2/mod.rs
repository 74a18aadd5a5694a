//! APIv2: the 136 operations under `docs/v2/`, generated into the crate
//! `wxpay-v2` (`catalogue/v2`), the facade's `wxpay/src/v2.rs`, the
//! sandbox's `data/spec-mode-v2.json` and `tests/tests/catalogue_v2.rs`.

pub mod data;
pub mod emit;
pub mod facade;
pub mod spec;
pub mod test;

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::SpecFiles;

/// The sandbox's APIv2 spec-mode data.
pub const SANDBOX_DATA: &str = "wxpay-sandbox/data/spec-mode-v2.json";
/// The facade's APIv2 module.
pub const FACADE: &str = "wxpay/src/v2.rs";
/// The test calling every APIv2 operation.
pub const TEST: &str = "tests/tests/catalogue_v2.rs";

/// Client methods of `Client` that are not endpoint methods, beyond the
/// APIv3 ones (`naming::CLIENT_METHODS`).
const V2_CLIENT_METHODS: [&str; 4] = ["call_v2", "call_v2_with", "v2_key", "v2_signed_url"];

/// What the APIv2 part of the generator produces.
pub struct V2Output {
    /// Files by path from the workspace root (not yet formatted).
    pub files: BTreeMap<String, String>,
    /// `(module, feature)` of each area.
    pub areas: Vec<(String, String)>,
}

/// Every APIv2 file; `v3_methods` are the APIv3 client methods, which no
/// APIv2 method may repeat.
pub fn generate(spec: &SpecFiles, v3_methods: &BTreeSet<String>) -> Result<V2Output, String> {
    let (ops, _malformed) = spec::operations(spec)?;
    let mut taken = v3_methods.clone();
    taken.extend(
        crate::naming::CLIENT_METHODS
            .iter()
            .map(|m| (*m).to_owned()),
    );
    taken.extend(V2_CLIENT_METHODS.iter().map(|m| (*m).to_owned()));
    let names = emit::names(&ops, &taken)?;
    let mut files = emit::render(&ops, &names);
    files.insert(SANDBOX_DATA.to_owned(), data::render(&ops));
    let areas = emit::areas(&ops, &names);
    files.insert(FACADE.to_owned(), facade::module(&areas));
    files.insert(TEST.to_owned(), test::render(&ops, &names));
    Ok(V2Output { files, areas })
}
