//! Bill files through `TradeBillReader` and `FundFlowBillReader`, whole and
//! in pieces; what must hold is in `fuzz/harness/bill_readers.rs`, which
//! wxpay-core's tests also run over the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../harness/bill_readers.rs");

fuzz_target!(|data: &[u8]| check_bill_readers(data));
