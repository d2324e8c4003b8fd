//! Folds by row index (issue 16's 1M × 61 memory bar): `Learner::fit_rows` reads a fold's rows in
//! place — boosted trees bin straight from the `Dataset`'s columns, logistic regression and the
//! single tree build the model matrix of the rows only — and must give exactly the model of a
//! fit on a copy of those rows (the path cross-validation took before), down to the model file's
//! bytes and the out-of-fold predictions. `auto` searches on a seeded customer sample when the
//! training part is too large for its budget, deterministically, and records it.

use attrition::dataset::Dataset;
use attrition::models::auto::{AutoParams, MIN_SEARCH_ROWS, search_rows, select, select_rows};
use attrition::models::boosted::synthetic::make_churn_matrix;
use attrition::models::file::to_json;
use attrition::models::preprocess::{PreprocessMode, PreprocessParams};
use attrition::models::trained::{Fitted, ModelKind, ModelParams};
use attrition::models::{ChurnModel, Learner};
use attrition::validation::{cross_val_predict, grouped_k_fold};
use attrition::{Column, Error};

/// Numeric columns with missing values, a categorical column with missing values, a rare level
/// and a level absent from some folds, sample weights and repeated customer ids.
fn mixed(n: usize, seed: u64) -> Dataset {
    let s = make_churn_matrix(n, 4, seed);
    let mut cols: Vec<Column> = (0..4).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
    let plans = ["basic", "pro", "team", "enterprise"];
    let plan: Vec<Option<&str>> = (0..n)
        .map(|i| match i % 53 {
            0 => None,
            1 if i < n / 3 => Some("legacy"),
            _ => Some(plans[(i * 7 + (s.y[i] as usize)) % plans.len()]),
        })
        .collect();
    cols.push(Column::categorical("plan", &plan));
    let ids: Vec<String> = (0..n).map(|i| format!("c{}", i / 3)).collect();
    let weights: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64 / 4.0).collect();
    Dataset::new(cols).unwrap().with_churned(s.y).unwrap().with_ids(ids).unwrap().with_weights(weights).unwrap()
}

fn some_rows(n: usize) -> Vec<usize> {
    (0..n).filter(|i| i % 4 != 1 && i % 11 != 3).collect()
}

#[test]
fn gbdt_on_rows_equals_the_dense_fit_on_a_copy() {
    let data = mixed(3000, 5);
    let rows = some_rows(data.n_rows());
    let copy = data.take(&rows);
    for native in [false, true] {
        let params = ModelParams::new(ModelKind::Gbdt).native_categorical(native).seed(11);
        let model = params.fit_rows(&data, &rows).unwrap();
        // The dense path: preprocess the copy, build the f64 model matrix, fit on it.
        let mut pre = PreprocessParams::new(PreprocessMode::Tree);
        pre.native_categorical = native;
        let pre = pre.fit(&copy).unwrap();
        let x = pre.transform(&copy).unwrap().x;
        let booster = params
            .boosted
            .clone()
            .categorical_features(pre.categorical_outputs())
            .fit_matrix(x.view(), copy.churned.as_deref().unwrap(), copy.weights.as_deref())
            .unwrap();
        assert_eq!(model.preprocessor, pre);
        match &model.fitted {
            Fitted::Gbdt(b) => assert_eq!(b, &booster, "native categorical {native}"),
            other => panic!("expected boosted trees, got {other:?}"),
        }
        assert_eq!(to_json(&model).unwrap(), to_json(&params.fit(&copy).unwrap()).unwrap());
        assert_eq!(model.training_rows, rows.len());
    }
}

#[test]
fn logistic_and_tree_on_rows_equal_the_fit_on_a_copy() {
    let data = mixed(2000, 8);
    let rows = some_rows(data.n_rows());
    let copy = data.take(&rows);
    for kind in [ModelKind::Logistic, ModelKind::Tree, ModelKind::Ensemble] {
        let params = ModelParams::new(kind).seed(3);
        let a = to_json(&params.fit_rows(&data, &rows).unwrap()).unwrap();
        let b = to_json(&params.fit(&copy).unwrap()).unwrap();
        assert_eq!(a, b, "{kind}");
    }
    // The ensemble with a fixed weight (`auto`'s blend) reads the rows in place: the same as
    // its members fitted on the copy.
    let mut params = ModelParams::new(ModelKind::Ensemble).native_categorical(true).seed(3);
    params.ensemble = params.ensemble.logistic_weight(Some(0.3));
    let model = params.fit_rows(&data, &rows).unwrap();
    assert_eq!(to_json(&model).unwrap(), to_json(&params.fit(&copy).unwrap()).unwrap());
    let Fitted::Ensemble(e) = &model.fitted else { panic!("expected an ensemble") };
    let y = copy.churned.as_deref().unwrap();
    let w = copy.weights.as_deref();
    let x = model.preprocessor.transform(&copy).unwrap().x;
    assert_eq!(e.logistic, params.logistic.fit_matrix(x.view(), y, w).unwrap());
    let mut tree = PreprocessParams::new(PreprocessMode::Tree);
    tree.native_categorical = true;
    let tree = tree.fit(&copy).unwrap();
    let xt = tree.transform(&copy).unwrap().x;
    let gbdt = params.boosted.clone().categorical_features(tree.categorical_outputs()).fit_matrix(xt.view(), y, w);
    assert_eq!(e.gbdt, gbdt.unwrap());
    assert_eq!(e.logistic_weight, 0.3);
}

#[test]
fn preprocessing_on_rows_equals_preprocessing_a_copy() {
    let data = mixed(1500, 2);
    let rows: Vec<usize> = some_rows(data.n_rows()).into_iter().rev().collect();
    let copy = data.take(&rows);
    for mode in [PreprocessMode::Linear, PreprocessMode::Tree] {
        for native in [false, true] {
            let mut p = PreprocessParams::new(mode);
            p.native_categorical = native;
            let fitted = p.fit_rows(&data, &rows).unwrap();
            assert_eq!(fitted, p.fit(&copy).unwrap());
            let a = fitted.transform_rows(&data, &rows).unwrap();
            let b = fitted.transform(&copy).unwrap();
            // Bit-identical, NaN included.
            let bits = |x: &ndarray::Array2<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.x), bits(&b.x));
            assert_eq!(a.unseen, b.unseen);
        }
    }
}

#[test]
fn out_of_fold_predictions_equal_fits_on_copies() {
    let data = mixed(2400, 9);
    let folds = grouped_k_fold(data.ids.as_ref().unwrap(), 4, 42).unwrap();
    for kind in [ModelKind::Gbdt, ModelKind::Logistic] {
        let params = ModelParams::new(kind).seed(42);
        let oof = cross_val_predict(&params, &data, &folds).unwrap();
        let mut expected = vec![f64::NAN; data.n_rows()];
        for s in &folds {
            let model = params.fit(&data.take(&s.train)).unwrap();
            for (&i, p) in s.test.iter().zip(model.predict_proba(&data.take(&s.test)).unwrap()) {
                expected[i] = p;
            }
        }
        let got: Vec<u64> = oof.p_churn.iter().map(|p| p.to_bits()).collect();
        let want: Vec<u64> = oof.rows.iter().map(|&i| expected[i].to_bits()).collect();
        assert_eq!(got, want, "{kind}");
    }
}

#[test]
fn a_row_out_of_range_is_an_error() {
    let data = mixed(300, 1);
    let err = ModelParams::new(ModelKind::Gbdt).fit_rows(&data, &[0, 5, 300]).unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
}

#[test]
fn auto_searches_all_rows_within_the_budget_and_equals_the_search_on_a_copy() {
    let data = mixed(1200, 4);
    let rows = some_rows(data.n_rows());
    let mut p = ModelParams::new(ModelKind::Auto).seed(7);
    p.auto = AutoParams::new().folds(3);
    assert_eq!(search_rows(&p, &data, &rows), rows);
    let (a, sa) = select_rows(&p, &data, &rows).unwrap();
    let (b, sb) = select(&p, &data.take(&rows)).unwrap();
    assert_eq!((a, &sa), (b, &sb));
    assert_eq!(sa.search_rows, None);
}

#[test]
fn auto_over_budget_searches_a_seeded_customer_sample_and_refits_on_every_row() {
    let n = MIN_SEARCH_ROWS + 10_000;
    let s = make_churn_matrix(n, 3, 6);
    let cols = (0..3).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("c{}", (i * 7919) % (n / 4))).collect();
    let data = Dataset::new(cols).unwrap().with_churned(s.y).unwrap().with_ids(ids.clone()).unwrap();
    let rows: Vec<usize> = (0..n).collect();
    let mut p = ModelParams::new(ModelKind::Auto).seed(3);
    p.auto = AutoParams::new().folds(2).budget_seconds(0.01);
    let sample = search_rows(&p, &data, &rows);
    assert!(sample.len() >= MIN_SEARCH_ROWS && sample.len() < n, "{}", sample.len());
    assert!(sample.windows(2).all(|w| w[0] < w[1]));
    // Whole customers: every row of a sampled customer is in the sample.
    let chosen: std::collections::HashSet<&str> = sample.iter().map(|&i| ids[i].as_str()).collect();
    assert_eq!(sample.len(), (0..n).filter(|&i| chosen.contains(ids[i].as_str())).count());
    // Another seed, another sample; the same seed, the same model bytes.
    assert_ne!(sample, search_rows(&p.clone().seed(4), &data, &rows));
    let a = p.fit(&data).unwrap();
    let sel = a.selection.as_ref().unwrap();
    assert_eq!(sel.search_rows, Some(sample.len()));
    assert_eq!(sel.table.len(), 3, "logistic, gbdt and the blend: {:?}", sel.table);
    // The sampled search is confirmed on a sample 4× larger (here every row): one tenth of the
    // customers held out, the search's best of each family and their blend scored there, and the
    // choice is the smallest hold-out log-loss.
    let conf = sel.confirmation.as_ref().expect("a sampled search is confirmed");
    assert_eq!(conf.train_rows + conf.holdout_rows, n);
    assert!(conf.holdout_rows > n / 20 && conf.holdout_rows < n / 5, "{}", conf.holdout_rows);
    let names: Vec<&str> = conf.table.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["logistic", "gbdt", "blend"]);
    assert!(sel.table.iter().any(|c| c.name == conf.searched_choice));
    let best = conf.table.iter().min_by(|x, y| x.log_loss.total_cmp(&y.log_loss)).unwrap();
    assert_eq!(sel.chosen_score().unwrap().log_loss, best.log_loss, "{conf:?}");
    assert!(conf.table.iter().all(|c| c.log_loss_se > 0.0 && c.log_loss_se < 0.01), "{conf:?}");
    assert_eq!(a.training_rows, n);
    a.validate().unwrap();
    assert_eq!(to_json(&a).unwrap(), to_json(&p.fit(&data).unwrap()).unwrap());
}
