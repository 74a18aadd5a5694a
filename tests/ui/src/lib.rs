//! The UI tests of `#[endpoint]` are in `tests/ui.rs`; this crate has no code.
