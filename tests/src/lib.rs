//! End-to-end tests live in `tests/`; this library holds no code. Its
//! doctests are the README's Rust snippets (those not marked `ignore`), so
//! the first page a user reads keeps compiling.
#![doc = include_str!("../../README.md")]
