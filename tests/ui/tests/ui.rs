//! Compile-time behaviour of `#[endpoint]`: declarations that must compile
//! (and run), and mistakes that must fail with a message saying what to fix.
//! One failure per file; the expected compiler output is in the `.stderr`
//! next to it (regenerate with `TRYBUILD=overwrite` and review the diff).

#[test]
fn endpoint_declarations() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("fail/*.rs");
}
