//! Calibration against scikit-learn (tests/reference/calibration_sklearn.py) and on Telco.

use attrition::evaluation::{cross_val_predict, evaluate};
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::calibration::{CalibrationMethod, CalibrationParams, Calibrator};
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::validation::stratified_k_fold;

fn case() -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let n = 60;
    let p: Vec<f64> = (0..n).map(|i| ((i as f64 * 0.7).sin() + 1.0) / 2.0 * 0.9 + 0.05).collect();
    let y: Vec<bool> = (0..n).map(|i| (i as f64 * 1.3).cos() + p[i] * 1.5 > 0.9).collect();
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64).collect();
    (p, y, w)
}

#[test]
fn isotonic_and_platt_match_scikit_learn() {
    let (p, y, w) = case();
    let iso = Calibrator::fit(CalibrationMethod::Isotonic, &p, &y, Some(&w)).unwrap();
    let q = [0.0, 0.07, 0.2, 0.33, 0.5, 0.61, 0.8, 0.95, 1.0];
    let want = [
        0.0,
        0.17647058823529413,
        0.22857142857142856,
        0.2880162574336991,
        0.4444444444444444,
        0.4444444444444444,
        0.525,
        0.9333333333333333,
        0.9333333333333333,
    ];
    for (x, w) in q.iter().zip(want) {
        assert!((iso.apply(*x) - w).abs() < 1e-12, "isotonic({x}) = {} vs {w}", iso.apply(*x));
    }
    match Calibrator::fit(CalibrationMethod::Platt, &p, &y, Some(&w)).unwrap() {
        Calibrator::Platt { a, b } => {
            assert!((a - 0.42138160041732514).abs() < 1e-6, "{a}");
            assert!((b + 0.43854800207470834).abs() < 1e-6, "{b}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn calibration_does_not_hurt_telco() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    let data = load_flat(path, &FlatOptions::new().target("Churn").positive("Yes").id("customerID")).unwrap().dataset;
    let folds = stratified_k_fold(data.churned.as_ref().unwrap(), 5, 42).unwrap();
    let base = ModelParams::new(ModelKind::Gbdt).seed(42);
    let raw = evaluate(&cross_val_predict(&base, &data, &folds).unwrap()).unwrap();
    let cal = CalibrationParams { seed: 7, ..CalibrationParams::new(base, CalibrationMethod::Platt) };
    let calibrated = evaluate(&cross_val_predict(&cal, &data, &folds).unwrap()).unwrap();
    eprintln!(
        "gbdt ECE {:.4} → Platt {:.4}; log-loss {:.4} → {:.4}",
        raw.ece, calibrated.ece, raw.log_loss, calibrated.log_loss
    );
    assert!(calibrated.log_loss < raw.log_loss + 0.002);
    assert!((calibrated.roc_auc - raw.roc_auc).abs() < 0.005, "Platt is monotone: AUC barely moves");
}
