//! Any bytes as a flat CSV with a target must load or fail cleanly, strictly and leniently.
#![no_main]
use attrition::io::flat::{FlatOptions, load_flat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    let mut bytes = b"id,a,b,churned\n".to_vec();
    bytes.extend_from_slice(data);
    std::fs::write(&path, &bytes).unwrap();
    let _ = load_flat(&path, &FlatOptions::new().target("churned").id("id"));
    let _ = load_flat(&path, &FlatOptions::new().target("churned").id("id").positive("yes").lenient());
    std::fs::write(&path, data).unwrap();
    let _ = load_flat(&path, &FlatOptions::new().target("churned"));
});
