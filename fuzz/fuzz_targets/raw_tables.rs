//! Any bytes, split on 0xFF into the four table files, must read without a panic, strictly and
//! leniently.
#![no_main]
use attrition::io::tables::{ReadOptions, read_tables};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = data.split(|&b| b == 0xFF);
    let header = [
        ("customers.csv", "customer_id,signup_date,vertical,sales_approach,specialised_provider\n"),
        ("subscriptions.csv", "customer_id,product,start_date,end_date,mrr\n"),
        ("events.csv", "customer_id,timestamp,event_type,user_id\n"),
        ("nps.csv", "customer_id,date,score\n"),
    ];
    for (name, head) in header {
        let body = parts.next().unwrap_or(&[]);
        // Half the time keep the fuzzer's own header, half the time give it a valid one.
        let mut bytes = if body.first().is_some_and(|b| b % 2 == 0) { head.as_bytes().to_vec() } else { Vec::new() };
        bytes.extend_from_slice(body);
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let _ = read_tables(dir.path(), &ReadOptions::strict());
    let _ = read_tables(dir.path(), &ReadOptions::lenient());
});
