//! Cross-validated evaluation with a tiny real learner: one-feature logistic regression fitted by
//! Newton's method (weighted log-loss), written here so the evaluation can be tested before the
//! crate's models exist.

mod common;

use attrition::Error;
use attrition::dataset::{Column, Dataset};
use attrition::evaluation::{cross_val_predict, evaluate};
use attrition::metrics::{average_precision_score, brier_score_loss, log_loss, roc_auc_score, top_decile_lift};
use attrition::models::{ChurnModel, Learner};
use attrition::profit::emp::{EmpcParams, empc_score};
use attrition::validation::{Split, grouped_k_fold, stratified_k_fold, time_backtest};
use chrono::NaiveDate;
use common::{Weights, generated_case};

/// Logistic regression on one numeric column, fitted by Newton–Raphson.
struct OneFeatureLogistic {
    feature: &'static str,
}

struct OneFeatureModel {
    feature: &'static str,
    b0: f64,
    b1: f64,
}

fn feature<'a>(d: &'a Dataset, name: &str) -> attrition::Result<&'a [f64]> {
    d.column(name)
        .and_then(|c| c.as_numeric())
        .ok_or_else(|| Error::FeatureMismatch { reason: format!("numeric column `{name}` missing") })
}

impl Learner for OneFeatureLogistic {
    type Model = OneFeatureModel;

    fn fit(&self, data: &Dataset) -> attrition::Result<OneFeatureModel> {
        let x = feature(data, self.feature)?;
        let y = data.churned_or_err()?;
        if y.iter().all(|&b| b) || y.iter().all(|&b| !b) {
            return Err(Error::SingleClass { context: "one-feature logistic" });
        }
        let w = |i: usize| data.weights.as_ref().map_or(1.0, |w| w[i]);
        let (mut b0, mut b1) = (0.0f64, 0.0f64);
        for _ in 0..50 {
            let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for i in 0..x.len() {
                let p = 1.0 / (1.0 + (-(b0 + b1 * x[i])).exp());
                let r = p - if y[i] { 1.0 } else { 0.0 };
                let v = p * (1.0 - p) * w(i);
                g0 += r * w(i);
                g1 += r * w(i) * x[i];
                h00 += v;
                h01 += v * x[i];
                h11 += v * x[i] * x[i];
            }
            let det = h00 * h11 - h01 * h01;
            let (d0, d1) = ((h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det);
            b0 -= d0;
            b1 -= d1;
            if d0.abs() + d1.abs() < 1e-12 {
                break;
            }
        }
        Ok(OneFeatureModel { feature: self.feature, b0, b1 })
    }
}

impl ChurnModel for OneFeatureModel {
    fn predict_proba(&self, data: &Dataset) -> attrition::Result<Vec<f64>> {
        Ok(feature(data, self.feature)?.iter().map(|x| 1.0 / (1.0 + (-(self.b0 + self.b1 * x)).exp())).collect())
    }
}

fn generated_dataset(n: usize) -> Dataset {
    let c = generated_case(31, n, 0, Weights::None);
    Dataset::new(vec![Column::numeric("x", c.p)]).unwrap().with_churned(c.y).unwrap()
}

const LEARNER: OneFeatureLogistic = OneFeatureLogistic { feature: "x" };

#[test]
fn k_fold_predicts_every_row_once_like_a_sequential_loop() {
    let data = generated_dataset(600);
    let y = data.churned.clone().unwrap();
    let folds = stratified_k_fold(&y, 5, 42).unwrap();
    let oof = cross_val_predict(&LEARNER, &data, &folds).unwrap();
    assert_eq!(oof.rows, (0..600).collect::<Vec<_>>());
    assert_eq!(oof.n_untested, 0);
    assert_eq!(oof.y_true, y);
    let mut expected = vec![f64::NAN; 600];
    for (k, s) in folds.iter().enumerate() {
        let model = LEARNER.fit(&data.take(&s.train)).unwrap();
        for (&i, p) in s.test.iter().zip(model.predict_proba(&data.take(&s.test)).unwrap()) {
            expected[i] = p;
            assert_eq!(oof.fold[i], k);
        }
    }
    assert_eq!(oof.p_churn, expected);
}

#[test]
fn result_is_identical_with_one_or_many_threads() {
    let data = generated_dataset(800);
    let folds = stratified_k_fold(data.churned.as_deref().unwrap(), 8, 3).unwrap();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| cross_val_predict(&LEARNER, &data, &folds).unwrap())
    };
    let one = run(1);
    let many = run(4);
    assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&many).unwrap());
}

#[test]
fn evaluation_equals_the_metric_functions() {
    let data = generated_dataset(1000);
    let folds = stratified_k_fold(data.churned.as_deref().unwrap(), 5, 42).unwrap();
    let oof = cross_val_predict(&LEARNER, &data, &folds).unwrap();
    let e = evaluate(&oof).unwrap();
    let (y, p) = (&oof.y_true, &oof.p_churn);
    assert_eq!(e.roc_auc, roc_auc_score(y, p, None).unwrap());
    assert_eq!(e.pr_auc, average_precision_score(y, p, None).unwrap());
    assert_eq!(e.log_loss, log_loss(y, p, None).unwrap());
    assert_eq!(e.brier, brier_score_loss(y, p, None).unwrap());
    assert_eq!(e.top_decile_lift, top_decile_lift(y, p, None).unwrap());
    assert_eq!(e.empc, empc_score(y, p, &EmpcParams::default()).unwrap().value);
    assert!(e.roc_auc > 0.6, "the feature is informative: {}", e.roc_auc);
    assert_eq!(e.fold_roc_auc.len(), 5);
    assert_eq!(e.fold_roc_auc.iter().map(|f| f.rows).sum::<usize>(), 1000);
    assert!(e.fold_roc_auc_std.unwrap() > 0.0);
    assert!((0.0..=1.0).contains(&e.empc_fraction_targeted));
    let gains = e.gains.unwrap();
    assert!((gains.rows[0].lift - e.top_decile_lift).abs() < 1e-12);
    // the JSON a CLI prints carries the headline keys
    let json = serde_json::to_value(evaluate(&oof).unwrap()).unwrap();
    for key in ["roc_auc", "pr_auc", "log_loss", "brier", "top_decile_lift", "empc", "mpc", "ece"] {
        assert!(json.get(key).is_some_and(|v| v.is_number()), "missing {key}");
    }
}

#[test]
fn backtest_predicts_only_test_rows_and_counts_the_rest() {
    let n = 600;
    let c = generated_case(32, n, 0, Weights::None);
    let day = |m: usize| NaiveDate::from_ymd_opt(2024, 1 + (m % 12) as u32, 1).unwrap();
    let as_of: Vec<NaiveDate> = (0..n).map(|i| day(i / 50)).collect();
    let data = Dataset::new(vec![Column::numeric("x", c.p)])
        .unwrap()
        .with_churned(c.y)
        .unwrap()
        .with_as_of(as_of.clone())
        .unwrap();
    let splits: Vec<Split> = time_backtest(&as_of, 3, 60).unwrap().into_iter().map(|b| b.split).collect();
    let oof = cross_val_predict(&LEARNER, &data, &splits).unwrap();
    assert_eq!(oof.rows.len(), 150);
    assert_eq!(oof.n_untested, 450);
    assert!(oof.rows.iter().all(|&i| as_of[i] >= day(9)));
}

#[test]
fn grouped_folds_carry_ids() {
    let data = generated_dataset(300);
    let ids: Vec<String> = (0..300).map(|i| format!("c{}", i / 3)).collect();
    let data = data.with_ids(ids.clone()).unwrap();
    let folds = grouped_k_fold(&ids, 4, 9).unwrap();
    let oof = cross_val_predict(&LEARNER, &data, &folds).unwrap();
    assert_eq!(oof.ids.as_deref(), Some(&ids[..]));
}

#[test]
fn dishonest_splits_and_failures_are_errors() {
    let data = generated_dataset(100);
    let all: Vec<usize> = (0..100).collect();
    let overlap = [Split { train: all.clone(), test: vec![3] }];
    assert!(matches!(cross_val_predict(&LEARNER, &data, &overlap), Err(Error::InvalidParameter { .. })));
    let twice = [
        Split { train: (10..100).collect(), test: (0..10).collect() },
        Split { train: (5..100).collect(), test: vec![1] },
    ];
    assert!(matches!(cross_val_predict(&LEARNER, &data, &twice), Err(Error::InvalidParameter { .. })));
    let out_of_range = [Split { train: (1..100).collect(), test: vec![100] }];
    assert!(cross_val_predict(&LEARNER, &data, &out_of_range).is_err());
    assert!(cross_val_predict(&LEARNER, &data, &[]).is_err());
    // a training side with one class: the learner's error comes through
    let y = data.churned.clone().unwrap();
    let negatives: Vec<usize> = (0..100).filter(|&i| !y[i]).collect();
    let positives: Vec<usize> = (0..100).filter(|&i| y[i]).collect();
    let one_class = [Split { train: negatives, test: positives }];
    assert!(matches!(cross_val_predict(&LEARNER, &data, &one_class), Err(Error::SingleClass { .. })));
    // no label
    let unlabeled = Dataset::new(vec![Column::numeric("x", vec![0.0; 10])]).unwrap();
    let folds = [Split { train: (0..5).collect(), test: (5..10).collect() }];
    assert!(matches!(cross_val_predict(&LEARNER, &unlabeled, &folds), Err(Error::ColumnNotFound { .. })));
}

#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn telco_tenure_model_end_to_end() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    use attrition::io::flat::{FlatOptions, load_flat};
    let opts = FlatOptions::new().target("Churn").positive("Yes").id("customerID");
    let data = load_flat(path, &opts).unwrap().dataset;
    assert_eq!(data.n_rows(), 7043);
    let y = data.churned.clone().unwrap();
    let folds = stratified_k_fold(&y, 5, 42).unwrap();
    let learner = OneFeatureLogistic { feature: "tenure" };
    let oof = cross_val_predict(&learner, &data, &folds).unwrap();
    let e = evaluate(&oof).unwrap();
    // Each fold's model is decreasing in tenure, so its fold AUC is exactly the AUC of −tenure
    // on that fold's rows (ties included).
    let tenure = data.column("tenure").unwrap().as_numeric().unwrap();
    for (k, s) in folds.iter().enumerate() {
        let fy: Vec<bool> = s.test.iter().map(|&i| y[i]).collect();
        let neg_tenure: Vec<f64> = s.test.iter().map(|&i| -tenure[i]).collect();
        let want = roc_auc_score(&fy, &neg_tenure, None).unwrap();
        assert!((e.fold_roc_auc[k].roc_auc.unwrap() - want).abs() < 1e-12);
    }
    assert!(e.roc_auc > 0.7 && e.roc_auc < 0.8, "tenure alone: {}", e.roc_auc);
    assert!(e.empc > 0.0);
}
