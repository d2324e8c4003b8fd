//! Native categorical splits end to end, from a `Dataset` with a categorical column: the model
//! keeps one column of codes for the trees (one-hot for logistic regression), splits it as sets
//! of categories, saves and loads bit for bit (schema 4, validated), explains every row exactly,
//! and sends unseen categories where missing values go.

use attrition::models::boosted::synthetic::make_categorical_churn;
use attrition::models::preprocess::InputSpec;
use attrition::models::trained::{Fitted, ModelKind, ModelParams, SCHEMA_VERSION, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::{Column, Dataset};

/// `make_categorical_churn` as a dataset: `region` holds level names `r0`…`r59`.
fn dataset(n: usize, seed: u64) -> Dataset {
    let d = make_categorical_churn(n, 60, seed);
    let region: Vec<Option<String>> =
        d.x.column(0).iter().map(|&c| (!c.is_nan()).then(|| format!("r{}", c as usize))).collect();
    let plan: Vec<Option<String>> =
        d.x.column(2).iter().map(|&c| Some(["basic", "pro", "team"][c as usize].into())).collect();
    Dataset::new(vec![
        Column::categorical("region", &region),
        Column::numeric("usage", d.x.column(1).to_vec()),
        Column::categorical("plan", &plan),
        Column::numeric("noise", d.x.column(3).to_vec()),
    ])
    .unwrap()
    .with_churned(d.y)
    .unwrap()
}

#[test]
fn native_categorical_gbdt_round_trips_explains_and_routes_unseen_like_missing() {
    let train = dataset(4000, 1);
    let test = dataset(1000, 2);
    let model = ModelParams::new(ModelKind::Gbdt).seed(3).native_categorical(true).fit(&train).unwrap();
    assert_eq!(model.schema_version, SCHEMA_VERSION);
    let native: Vec<&str> = model
        .preprocessor
        .inputs
        .iter()
        .filter(|s| matches!(s, InputSpec::Categorical { native: true, .. }))
        .map(|s| s.name())
        .collect();
    assert_eq!(native, ["region", "plan"]);
    assert_eq!(model.preprocessor.output_names(), ["region", "usage", "plan", "noise"]);
    let Fitted::Gbdt(b) = &model.fitted else { panic!("a gbdt model") };
    assert!(b.n_categorical_splits() > 10, "{} categorical splits", b.n_categorical_splits());

    // Save, load (validated), same bytes, same predictions bit for bit.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let back = TrainedModel::load(&path).unwrap();
    let p = model.predict_proba(&test).unwrap();
    let q = back.predict_proba(&test).unwrap();
    assert_eq!(p.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), q.iter().map(|v| v.to_bits()).collect::<Vec<_>>());

    // Contributions per input feature add up to the log-odds of every row.
    let e = back.explain(&test).unwrap();
    assert_eq!(e.features, ["region", "usage", "plan", "noise"]);
    for (i, &pi) in p.iter().enumerate() {
        let logit = (pi / (1.0 - pi)).ln();
        let total = e.base + e.contributions.row(i).sum();
        assert!((total - logit).abs() < 1e-8, "row {i}: {total} vs {logit}");
    }
    assert!(e.contributions.column(0).iter().any(|&c| c.abs() > 0.05), "region explains some rows");

    // A region never seen in training scores exactly as a missing region.
    let rows = |region: Option<&str>| {
        Dataset::new(vec![
            Column::categorical("region", &[region, region]),
            Column::numeric("usage", vec![-1.0, 1.5]),
            Column::categorical("plan", &[Some("pro"), Some("basic")]),
            Column::numeric("noise", vec![0.5, 0.1]),
        ])
        .unwrap()
    };
    let unseen = back.predict_proba(&rows(Some("atlantis"))).unwrap();
    let missing = back.predict_proba(&rows(None)).unwrap();
    assert_eq!(unseen, missing);
}

/// Same seed, same model bytes; and the switch changes the model (one-hot without it).
#[test]
fn native_categorical_models_are_deterministic() {
    let train = dataset(3000, 5);
    let bytes = |native: bool| {
        let m = ModelParams::new(ModelKind::Gbdt).seed(9).native_categorical(native).fit(&train).unwrap();
        let mut out = Vec::new();
        m.to_writer(&mut out).unwrap();
        out
    };
    let a = bytes(true);
    assert_eq!(a, bytes(true));
    assert_ne!(a, bytes(false));
    let text = String::from_utf8(a).unwrap();
    assert!(text.contains("\"native\":true") || text.contains("\"native\": true"));
}

/// A model file whose categorical split names a code past the feature's levels is refused.
#[test]
fn a_categorical_split_past_the_levels_is_refused() {
    let train = dataset(3000, 6);
    let model = ModelParams::new(ModelKind::Gbdt).seed(1).native_categorical(true).fit(&train).unwrap();
    let mut v: serde_json::Value = serde_json::to_value(&model).unwrap();
    let forest = &mut v["fitted"]["forest"];
    assert!(forest["categorical"].as_array().is_some_and(|a| !a.is_empty()), "{}", &forest.to_string()[..200]);
    forest["categorical"][0]["categories"] = serde_json::json!([250]);
    let bad: TrainedModel = serde_json::from_value(v).unwrap();
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("category code 250"), "{err}");
}

/// `auto` tries native categorical splits on data with a categorical column, and the model it
/// refits is native exactly when that candidate wins.
#[test]
fn auto_considers_native_categorical_splits() {
    let train = dataset(2000, 8);
    let mut params = ModelParams::new(ModelKind::Auto).seed(4);
    params.auto = attrition::models::auto::AutoParams::new().folds(3).budget_seconds(1e9);
    let model = params.fit(&train).unwrap();
    let sel = model.selection.as_ref().unwrap();
    assert!(sel.table.iter().any(|c| c.name == "gbdt-native-cat"), "{:?}", sel.table);
    let native = model.preprocessor.inputs.iter().any(|s| matches!(s, InputSpec::Categorical { native: true, .. }));
    assert_eq!(native, sel.chosen == "gbdt-native-cat", "chosen {}: {:?}", sel.chosen, sel.table);
    model.validate().unwrap();
}
