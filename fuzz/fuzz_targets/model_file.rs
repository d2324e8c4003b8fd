//! Any bytes as a model file must load or fail cleanly; a model that loads must score and explain
//! a small dataset without a panic. Each input is read twice: as `load` reads it (checksum
//! verified) and without the checksum (as `attrition model rehash` reads it), so that mutated
//! bodies get past the checksum and exercise the structural checks and the validation.
#![no_main]
use attrition::models::ChurnModel;
use attrition::models::file::{self, Checksum};
use attrition::{Column, Dataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(d) = Dataset::new(vec![
        Column::numeric("x", vec![0.0, 1.5, f64::NAN, 1e300]),
        Column::categorical("plan", &[Some("a"), None, Some("zzz"), Some("c")]),
    ]) else {
        return;
    };
    for policy in [Checksum::Verify, Checksum::Ignore] {
        if let Ok(model) = file::from_json(data, policy) {
            if let Ok(p) = model.predict_proba(&d) {
                assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{p:?}");
            }
            let _ = model.explain(&d);
            let _ = model.score(&d, true);
        }
    }
});
