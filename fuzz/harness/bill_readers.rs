// The property the `bill_readers` fuzz target checks, in a file of its own
// so that two crates compile it: the fuzz target (fuzz_targets/
// bill_readers.rs, nightly) and wxpay-core's test over the committed seeds
// (wxpay-core/tests/fuzz_seeds.rs, stable), which keeps it building and
// passing between fuzzing runs. Both bring it in with `include!`, so it
// names everything by its full path and uses nothing but wxpay-core.

/// Reads `data` (after its first byte) as a trade bill and as a fund flow
/// bill, each twice: straight from the slice, and through a `BufReader` of
/// 1 to 16 bytes (the first byte picks), so that lines and records arrive
/// in pieces. What must hold:
///
/// - nothing panics;
/// - both readings give the same rows, summary and errors;
/// - an error ends the iteration, and the end is final;
/// - the summary is there exactly when the rows ended without an error;
/// - an error names a line of the input (0 for an empty one).
fn check_bill_readers(data: &[u8]) {
    let Some((&first, bill)) = data.split_first() else {
        return;
    };
    let capacity = usize::from(first % 16) + 1;
    let lines = bill.iter().filter(|&&b| b == b'\n').count() as u64 + 1;

    let whole = bill_transcript::trade(bill, lines);
    let pieces = bill_transcript::trade(std::io::BufReader::with_capacity(capacity, bill), lines);
    assert_eq!(whole, pieces, "trade bill read in pieces of {capacity}");

    let whole = bill_transcript::fund_flow(bill, lines);
    let pieces =
        bill_transcript::fund_flow(std::io::BufReader::with_capacity(capacity, bill), lines);
    assert_eq!(whole, pieces, "fund flow bill read in pieces of {capacity}");
}

/// What a reader yields, written down one item per entry.
mod bill_transcript {
    use std::fmt::Debug;
    use std::io::BufRead;

    use wxpay_core::bill::{BillError, FundFlowBillReader, TradeBillReader};

    fn error(e: &BillError, lines: u64) -> String {
        assert!(
            e.line() <= lines,
            "error at line {} of {lines}: {e}",
            e.line()
        );
        format!("error: {e}")
    }

    /// Drains `rows` into `out`; whether it ended with an error.
    fn rows<T: Debug>(
        rows: &mut impl Iterator<Item = Result<T, BillError>>,
        out: &mut Vec<String>,
        lines: u64,
    ) -> bool {
        let mut failed = false;
        for item in rows.by_ref() {
            match item {
                Ok(row) => out.push(format!("{row:?}")),
                Err(e) => {
                    out.push(error(&e, lines));
                    failed = true;
                    break;
                }
            }
        }
        assert!(rows.next().is_none(), "the iteration goes on after {out:?}");
        failed
    }

    pub(crate) fn trade(reader: impl BufRead, lines: u64) -> Vec<String> {
        let mut bill = match TradeBillReader::new(reader) {
            Ok(bill) => bill,
            Err(e) => return vec![error(&e, lines)],
        };
        let mut out = vec![format!("{:?} {:?}", bill.kind(), bill.columns())];
        let failed = rows(&mut bill, &mut out, lines);
        assert_eq!(bill.summary().is_some(), !failed, "{out:?}");
        assert_eq!(bill.summary_columns().is_some(), !failed, "{out:?}");
        out.push(format!("{:?} {:?}", bill.summary(), bill.summary_columns()));
        out
    }

    pub(crate) fn fund_flow(reader: impl BufRead, lines: u64) -> Vec<String> {
        let mut bill = match FundFlowBillReader::new(reader) {
            Ok(bill) => bill,
            Err(e) => return vec![error(&e, lines)],
        };
        let mut out = vec![format!("{:?}", bill.columns())];
        let failed = rows(&mut bill, &mut out, lines);
        assert_eq!(bill.summary().is_some(), !failed, "{out:?}");
        out.push(format!("{:?}", bill.summary()));
        out
    }
}
