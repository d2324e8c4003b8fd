//! Our models through linfa's traits give the same predictions as their inherent methods, use
//! dataset weights, and logistic regression agrees with `linfa-logistic` on unweighted data.

use attrition::models::boosted::BoostedParams;
use attrition::models::logistic::LogisticParams;
use attrition::models::tree::TreeParams;
use linfa::prelude::*;
use ndarray::{Array1, Array2};

fn data() -> DatasetBase<Array2<f64>, Array1<bool>> {
    let n = 2000;
    let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * (j + 3) * 7919) % 1000) as f64 / 250.0 - 2.0);
    let y = Array1::from_shape_fn(n, |i| x[[i, 0]] - 0.5 * x[[i, 1]] + ((i * 31) % 17) as f64 / 8.0 - 1.0 > 0.3);
    DatasetBase::new(x, y)
}

#[test]
fn traits_match_inherent_methods() {
    let ds = data();
    let y = ds.targets().to_vec();
    let logit = LogisticParams::new().fit(&ds).unwrap();
    let direct = LogisticParams::new().fit_matrix(ds.records().view(), &y, None).unwrap();
    assert_eq!(logit, direct);
    let p: Array1<f64> = logit.predict(ds.records());
    assert_eq!(p.to_vec(), direct.predict_proba(ds.records().view()).unwrap());
    let tree = TreeParams::new().fit(&ds).unwrap();
    let pt: Array1<f64> = tree.predict(ds.records());
    assert_eq!(pt.to_vec(), tree.predict_proba(ds.records().view()).unwrap());
    let gbdt = BoostedParams::new().n_trees(50).early_stopping(None).fit(&ds).unwrap();
    let pg: Array1<f64> = gbdt.predict(ds.records());
    assert_eq!(pg.to_vec(), gbdt.predict_proba(ds.records().view()).unwrap());
    // A width mismatch cannot be an error through PredictInplace: every row is NaN.
    let bad: Array1<f64> = logit.predict(&Array2::zeros((4, 2)));
    assert!(bad.iter().all(|v| v.is_nan()));
}

#[test]
fn dataset_weights_are_used() {
    let ds = data();
    let w: Vec<f32> = (0..ds.nsamples()).map(|i| (i % 3 + 1) as f32).collect();
    let weighted = ds.clone().with_weights(Array1::from(w.clone()));
    let a = LogisticParams::new().fit(&weighted).unwrap();
    let w64: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
    let b = LogisticParams::new().fit_matrix(ds.records().view(), &ds.targets().to_vec(), Some(&w64)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, LogisticParams::new().fit(&ds).unwrap());
}

#[test]
fn logistic_agrees_with_linfa_logistic() {
    let ds = data();
    // linfa-logistic minimises Σ loss + α/2‖w‖², i.e. scikit-learn's objective with C = 1/α.
    let theirs = linfa_logistic::LogisticRegression::default()
        .alpha(0.5)
        .max_iterations(1000)
        .gradient_tolerance(1e-10)
        .fit(&ds)
        .unwrap();
    let ours = LogisticParams::new().c(2.0).fit(&ds).unwrap();
    // linfa-logistic's positive class is the more frequent label; align the sign.
    let frequent_is_true = ds.targets().iter().filter(|&&v| v).count() * 2 > ds.nsamples();
    let sign = if frequent_is_true { 1.0 } else { -1.0 };
    for (a, b) in ours.coef.iter().zip(theirs.params().iter()) {
        assert!((a - sign * b).abs() < 1e-4, "coefficient {a} vs linfa-logistic {}", sign * b);
    }
    assert!(
        (ours.intercept - sign * theirs.intercept()).abs() < 1e-4,
        "{} vs {}",
        ours.intercept,
        sign * theirs.intercept()
    );
}
