//! APIv2: the 136 operations under `docs/v2/`, generated into the crate
//! `wxpay-v2` (`catalogue/v2`), the facade's `wxpay/src/v2.rs`, the
//! sandbox's `data/spec-mode-v2.json` and `tests/tests/catalogue_v2.rs`.

pub mod data;
pub mod spec;

use std::collections::BTreeMap;

use crate::spec::SpecFiles;

/// The sandbox's APIv2 spec-mode data.
pub const SANDBOX_DATA: &str = "wxpay-sandbox/data/spec-mode-v2.json";

/// Every APIv2 file the generator writes, by path from the workspace root.
pub fn files(spec: &SpecFiles) -> Result<BTreeMap<String, String>, String> {
    let (ops, _malformed) = spec::operations(spec)?;
    let mut files = BTreeMap::new();
    files.insert(SANDBOX_DATA.to_owned(), data::render(&ops));
    Ok(files)
}
