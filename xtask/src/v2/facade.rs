//! The facade's side of APIv2: `wxpay/src/v2.rs` and its manifest lines.

use std::fmt::Write as _;

use super::emit::CRATE_NAME;
use crate::emit::HEADER;

/// The facade feature of an area: `v2-pay`.
pub fn feature(area: &str) -> String {
    format!("v2-{area}")
}

/// `wxpay/src/v2.rs`: the runtime's APIv2 items and each enabled area.
pub fn module(areas: &[(String, String)]) -> String {
    let mut s = format!(
        "{HEADER}\n//! APIv2: the runtime's APIv2 items (`V2Endpoint`, `V2Key`, signing, XML) \
         and every APIv2 operation, typed, in modules that mirror its URL: the request \
         for `POST /pay/micropay` is `v2::pay::Micropay`, its client method \
         `post_pay_micropay`.\n//!\n//! The operations are the crate `{CRATE_NAME}`; each \
         first path segment is a feature of this crate named `v2-<segment>` (`v2-pay`), \
         and `all-apis` enables every one.\n\npub use wxpay_core::v2::*;\n\n"
    );
    for (module, area) in areas {
        let _ = writeln!(
            s,
            "#[cfg(feature = {:?})]\n#[doc(inline)]\npub use wxpay_v2::{module};",
            feature(area)
        );
    }
    let _ = writeln!(
        s,
        "\n/// The client methods of the enabled APIv2 areas.\npub mod prelude {{\n    #[cfg(any({}))]\n    pub use wxpay_v2::prelude::*;\n}}",
        areas
            .iter()
            .map(|(_, a)| format!("feature = {:?}", feature(a)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s
}

/// The manifest lines: the optional dependency, and one feature per area
/// (`v2-pay = ["dep:wxpay-v2", "wxpay-v2/pay"]`); and the feature names.
pub fn toml(areas: &[(String, String)]) -> (String, String, Vec<String>) {
    let deps = format!(
        "{CRATE_NAME} = {{ path = \"../{}\", version = \"0.1.0\", optional = true }}\n",
        super::emit::CRATE_DIR
    );
    let mut features = String::from(
        "# One feature per first path segment of APIv2: `wxpay-v2` with that feature.\n",
    );
    let mut names = Vec::new();
    for (_, area) in areas {
        let f = feature(area);
        let _ = writeln!(
            features,
            "{f} = [\"dep:{CRATE_NAME}\", \"{CRATE_NAME}/{area}\"]"
        );
        names.push(f);
    }
    (deps, features, names)
}
