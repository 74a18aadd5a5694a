//! The bill readers' fuzz harness (`fuzz/harness/bill_readers.rs`) run on
//! stable over its committed seeds (`fuzz/seeds/bill_readers`) and every
//! cut of them (a file ending anywhere): keeps the harness compiling with the
//! crate, and its property holding, between fuzzing runs (which need
//! nightly and cargo-fuzz).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

include!("../../fuzz/harness/bill_readers.rs");

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/bill_readers");
    let mut seeds: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    seeds
}

#[test]
fn bill_reader_seeds_hold_the_fuzz_property() {
    let seeds = seeds();
    assert!(seeds.len() >= 7, "{:?}", seeds.iter().map(|s| &s.0));
    for (_, data) in &seeds {
        check_bill_readers(data);
    }
}

#[test]
fn every_cut_of_every_seed() {
    for (name, data) in seeds() {
        let bill = data.get(1..).unwrap_or_default();
        for cut in 0..=bill.len() {
            // Each cut in pieces of another size, 1 to 16 bytes in turn.
            let size = (cut % 16) as u8;
            let mut input = vec![size];
            input.extend_from_slice(&bill[..cut]);
            let run = std::panic::catch_unwind(|| check_bill_readers(&input));
            assert!(
                run.is_ok(),
                "seed {name}, first {cut} bytes, pieces of {}",
                size + 1
            );
        }
    }
}
