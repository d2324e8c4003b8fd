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
            // Platt's targets: the exact minimiser (scikit-learn's LogisticRegression on the
            // rows doubled with the targets as weights, tol 1e-12) to 1e-9, and scikit-learn's
            // own `_sigmoid_calibration` (L-BFGS, gtol 1e-6) to 1e-6 (reference script beside).
            assert!((a - 0.40814240199963314).abs() < 1e-9, "{a}");
            assert!((b + 0.43404588511047326).abs() < 1e-9, "{b}");
            assert!((a - 0.40814240201757757).abs() < 1e-6 && (b + 0.43404588531505406).abs() < 1e-6);
        }
        other => panic!("{other:?}"),
    }
}

/// Platt's targets keep a map fitted on a few perfectly separated rows finite: with 1 and 0 as
/// targets the slope grows without bound (a tester's 3 churners gave σ(221 × log-odds + 310) and
/// retained customers scored 1.0); with (N₊ + 1) / (N₊ + 2) and 1 / (N₋ + 2) it cannot.
#[test]
fn platt_on_separated_rows_stays_a_curve() {
    let p = [0.05, 0.1, 0.15, 0.2, 0.3, 0.35, 0.4, 0.8, 0.9];
    let y = [false, false, false, false, false, false, false, true, true];
    let Calibrator::Platt { a, b } = Calibrator::fit(CalibrationMethod::Platt, &p, &y, None).unwrap() else {
        panic!("a Platt map")
    };
    assert!(a.is_finite() && b.is_finite() && a > 0.0 && a < 20.0, "a = {a}, b = {b}");
    let cal = Calibrator::Platt { a, b };
    // Churned rows aim at 3/4, retained ones at 1/9: nothing is mapped to certainty.
    assert!(cal.apply(0.9) < 0.9 && cal.apply(0.05) > 0.01, "{} {}", cal.apply(0.9), cal.apply(0.05));
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
