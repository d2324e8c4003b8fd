//! Any bytes as a model file must load or fail cleanly; a model that loads must score a small
//! dataset without a panic.
#![no_main]
use attrition::models::ChurnModel;
use attrition::models::trained::TrainedModel;
use attrition::{Column, Dataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, data).unwrap();
    if let Ok(model) = TrainedModel::load(&path) {
        let d = Dataset::new(vec![
            Column::numeric("x", vec![0.0, 1.5, f64::NAN]),
            Column::categorical("plan", &[Some("a"), None, Some("zzz")]),
        ]);
        if let Ok(d) = d {
            let _ = model.predict_proba(&d);
            let _ = model.explain(&d);
        }
    }
});
