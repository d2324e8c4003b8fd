//! `export-xgboost`: the exported model file, loaded and scored by XGBoost itself on the bundled
//! sample's snapshot (plus rows of missing, unseen and `__other__` values), sends every row to
//! the same leaf of every tree as the library, gives the library's log-odds and probabilities to
//! `f32` rounding, and XGBoost's own TreeSHAP (from the exported covers) gives the library's
//! contributions.
//!
//! XGBoost runs in Python (`tests/export_xgboost/run.py`, `xgboost-cpu` pinned in
//! `tests/requirements.txt`, installed by `.ci/run` into `target/test-venv`; `build.rs` sets
//! `cfg(sql_engines)` when that Python exists, or `ATTRITION_TEST_PYTHON` names one).

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use attrition::export::xgboost::XgboostParams;
use attrition::models::calibration::{CalibrationMethod, Calibrator};
use attrition::models::trained::{Fitted, ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::{Dataset, Error};
use common::engines::{python, sample};
use ndarray::Array2;

/// What XGBoost computed (`run.py`'s output).
#[derive(serde::Deserialize)]
struct Scored {
    xgboost: String,
    margin: Vec<f64>,
    p: Vec<f64>,
    leaves: Vec<Vec<i64>>,
    contribs: Vec<Vec<f64>>,
}

/// The snapshot's tree model matrix, with rows added: every value missing, and for each column
/// of category codes the `__other__` code and a code no level has (unseen).
fn matrix(model: &TrainedModel, snap: &Dataset, categorical: &[usize], n_levels: &[usize]) -> Array2<f64> {
    let x = model.preprocessor.transform(snap).unwrap().x;
    let mut rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    rows.push(vec![f64::NAN; x.ncols()]);
    for (&k, &n) in categorical.iter().zip(n_levels) {
        for code in [n as f64 - 1.0, 200.0, f64::NAN] {
            let mut r = rows[0].clone();
            r[k] = code;
            rows.push(r);
        }
    }
    let width = x.ncols();
    Array2::from_shape_vec((rows.len(), width), rows.concat()).unwrap()
}

/// Whether XGBoost's path for `row` through `tree` (exported JSON) passes a numeric split whose
/// value rounds to the same `f32` as the threshold (`split_condition` is the `f32` above it).
fn f32_tie_on_path(tree: &serde_json::Value, row: &[f64]) -> bool {
    let ints = |k: &str| -> Vec<i64> { tree[k].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect() };
    let (left, right, index, kind, default_left) = (
        ints("left_children"),
        ints("right_children"),
        ints("split_indices"),
        ints("split_type"),
        ints("default_left"),
    );
    let cond: Vec<f32> =
        tree["split_conditions"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
    let mut k = 0usize;
    let mut tie = false;
    while left[k] >= 0 {
        let x = row[index[k] as usize] as f32;
        let go_left = if kind[k] == 1 {
            return tie; // a categorical split: codes are exact, nothing more to learn on this path
        } else if x.is_nan() {
            default_left[k] == 1
        } else {
            // f32(x) = f32(t) exactly when the f32 above x is the condition (the f32 above f32(t)).
            tie |= x.to_bits() != u32::MAX && x > 0.0 && f32::from_bits(x.to_bits() + 1) == cond[k]
                || x < 0.0 && f32::from_bits(x.to_bits() - 1) == cond[k]
                || x == 0.0 && f32::from_bits(1) == cond[k];
            x < cond[k]
        };
        k = if go_left { left[k] } else { right[k] } as usize;
    }
    tie
}

fn run_xgboost(json: &str, x: &Array2<f64>, dir: &Path) -> Scored {
    let model = dir.join("model.xgb.json");
    std::fs::write(&model, json).unwrap();
    let csv = dir.join("matrix.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(|v| if v.is_nan() { "nan".into() } else { format!("{v:e}") }).collect();
        writeln!(f, "{}", cells.join(",")).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let script: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_xgboost/run.py");
    let out = Command::new(python()).arg(script).arg(&model).arg(&csv).output().unwrap();
    assert!(out.status.success(), "run.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Exports `model`, scores it in XGBoost and checks leaves, log-odds, probabilities and SHAP.
fn check(name: &str, model: &TrainedModel, snap: &Dataset) {
    let Fitted::Gbdt(booster) = &model.fitted else { panic!("{name}: a gbdt model") };
    let export = XgboostParams::new().export(model).unwrap();
    let categorical: Vec<usize> = (0..export.feature_types.len()).filter(|&k| export.feature_types[k] == "c").collect();
    let n_levels: Vec<usize> = export.categories.iter().map(|(_, l)| l.len()).collect();
    assert_eq!(categorical.len(), export.categories.len());
    let x = matrix(model, snap, &categorical, &n_levels);
    let dir = tempfile::tempdir().unwrap();
    let xgb = run_xgboost(&export.json, &x, dir.path());

    let n = x.nrows();
    let n_trees = booster.n_trees();
    assert_eq!(export.n_trees, n_trees);
    let leaves = booster.leaf_indices(x.view()).unwrap();
    // A Platt calibrator is folded in: XGBoost's margin is a · ours + b, its contributions a · ours.
    let (a, b) = match &model.calibrator {
        None => (1.0, 0.0),
        Some(Calibrator::Platt { a, b }) => (*a, *b),
        Some(other) => panic!("{name}: XGBoost cannot hold {other:?}"),
    };
    let raw: Vec<f64> = booster.predict_raw(x.view()).unwrap().iter().map(|m| a * m + b).collect();
    let p: Vec<f64> = raw.iter().map(|m| 1.0 / (1.0 + (-m).exp())).collect();
    let mut shap = booster.shap_values(x.view()).unwrap();
    shap.values.mapv_inplace(|v| a * v);
    shap.base_value = a * shap.base_value + b;
    assert_eq!(xgb.margin.len(), n, "{name}: one XGBoost score per row");
    let doc: serde_json::Value = serde_json::from_str(&export.json).unwrap();
    let trees = doc["learner"]["gradient_booster"]["model"]["trees"].as_array().unwrap();
    let (mut max_margin, mut max_p, mut max_shap) = (0.0f64, 0.0f64, 0.0f64);
    let mut f32_ties = 0usize;
    for i in 0..n {
        let ours: Vec<i64> = leaves[i * n_trees..(i + 1) * n_trees].iter().map(|&l| i64::from(l)).collect();
        if xgb.leaves[i] != ours {
            // Allowed only where XGBoost's f32 cannot tell a value from the threshold it is
            // compared with (x > t but f32(x) = f32(t)): then only the leaves differ, and the
            // scores by one tree's leaves.
            for (t, tree) in trees.iter().enumerate() {
                if xgb.leaves[i][t] != ours[t] {
                    assert!(
                        f32_tie_on_path(tree, x.row(i).as_slice().unwrap()),
                        "{name}: row {i} reaches leaf {} of tree {t} in XGBoost, {} in the library, with no f32 tie on the way",
                        xgb.leaves[i][t],
                        ours[t]
                    );
                }
            }
            f32_ties += 1;
            continue;
        }
        max_margin = max_margin.max((xgb.margin[i] - raw[i]).abs());
        max_p = max_p.max((xgb.p[i] - p[i]).abs());
        let c = &xgb.contribs[i];
        assert_eq!(c.len(), x.ncols() + 1);
        for (j, v) in shap.values.row(i).iter().enumerate() {
            max_shap = max_shap.max((c[j] - v).abs());
        }
        max_shap = max_shap.max((c[x.ncols()] - shap.base_value).abs());
    }
    eprintln!(
        "{name}: XGBoost {} on {n} rows × {} columns, {n_trees} trees: {} rows reach every leaf as in the library \
         ({f32_ties} rows differ at an f32 tie); on those, max |Δ log-odds| {max_margin:.2e}, max |Δ p| {max_p:.2e}, \
         max |Δ SHAP| {max_shap:.2e}",
        xgb.xgboost,
        x.ncols(),
        n - f32_ties
    );
    assert!(f32_ties * 100 <= n, "{name}: {f32_ties} of {n} rows differ at f32 ties");
    // f32 leaf values and f32 sums over a few hundred trees.
    // (A folded Platt slope `a` scales the leaf values, and their rounding, by `a`.)
    assert!(max_margin <= 1e-5 * a.abs().max(1.0), "{name}: log-odds differ by {max_margin:e}");
    assert!(max_p <= 1e-6, "{name}: probabilities differ by {max_p:e}");
    assert!(max_shap <= 1e-5, "{name}: SHAP contributions differ by {max_shap:e}");
}

#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn xgboost_scores_the_exported_model_as_the_library() {
    let (train, snap) = sample();
    let gbdt = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&train).unwrap();
    check("gbdt", &gbdt, &snap);

    // Native categorical splits (small groups, so the sample's plans get split).
    let mut params = ModelParams::new(ModelKind::Gbdt).seed(1).native_categorical(true);
    params.boosted.categorical.min_data_per_group = 5;
    params.boosted.categorical.min_data_per_category = 5;
    let native = params.fit(&train).unwrap();
    let Fitted::Gbdt(b) = &native.fitted else { panic!("a gbdt model") };
    assert!(b.n_categorical_splits() > 0, "no categorical split on the sample");
    check("gbdt, native categorical", &native, &snap);

    // A Platt calibrator (the kind `auto` keeps, and `train --calibrate platt`), folded in.
    let raw = gbdt.predict_proba(&train).unwrap();
    let y = train.churned_or_err().unwrap().to_vec();
    let platt = Calibrator::fit(CalibrationMethod::Platt, &raw, &y, None).unwrap();
    let calibrated = gbdt.with_calibrator(platt);
    let p = calibrated.predict_proba(&snap).unwrap();
    check("gbdt, Platt-calibrated", &calibrated, &snap);
    // The library's calibrated probabilities are what the check compared XGBoost's with.
    let x = calibrated.preprocessor.transform(&snap).unwrap().x;
    let Fitted::Gbdt(booster) = &calibrated.fitted else { panic!("a gbdt model") };
    let Some(Calibrator::Platt { a, b }) = calibrated.calibrator.clone() else { panic!("Platt") };
    for (m, q) in booster.predict_raw(x.view()).unwrap().iter().zip(&p) {
        assert!((1.0 / (1.0 + (-(a * m + b)).exp()) - q).abs() < 1e-12);
    }
}

#[test]
fn models_xgboost_cannot_hold_are_refused() {
    let (train, _) = sample();
    let logistic = ModelParams::new(ModelKind::Logistic).seed(1).fit(&train).unwrap();
    let err = XgboostParams::new().export(&logistic).unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { name: "model", .. }), "{err}");
    assert!(err.to_string().contains("export-sql"), "{err}");

    // An isotonic calibrator: refused, unless the calibrator may be dropped. A Platt calibrator
    // is folded into the trees (scored by XGBoost in `xgboost_scores_the_exported_model_as_the_library`).
    let gbdt = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&train).unwrap();
    let raw = gbdt.predict_proba(&train).unwrap();
    let y = train.churned_or_err().unwrap().to_vec();
    let isotonic = gbdt.clone().with_calibrator(Calibrator::fit(CalibrationMethod::Isotonic, &raw, &y, None).unwrap());
    let err = XgboostParams::new().export(&isotonic).unwrap_err();
    assert!(err.to_string().contains("--uncalibrated"), "{err}");
    let export = XgboostParams::new().uncalibrated(true).export(&isotonic).unwrap();
    assert!(export.calibrator_dropped && !export.calibrator_folded);
    let plain = XgboostParams::new().export(&gbdt).unwrap();
    let platt = gbdt.with_calibrator(Calibrator::Platt { a: 1.25, b: 0.4 });
    let folded = XgboostParams::new().export(&platt).unwrap();
    assert!(folded.calibrator_folded && !folded.calibrator_dropped);
    assert_ne!(folded.json, plain.json);
    // Dropping it writes the plain booster's trees and base score (the file's checksum attribute
    // is the calibrated model's).
    let learner = |json: &str| -> serde_json::Value {
        let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
        doc["learner"]["attributes"].take();
        doc
    };
    let dropped = XgboostParams::new().uncalibrated(true).export(&platt).unwrap();
    assert_eq!(learner(&dropped.json), learner(&plain.json));
    assert_ne!(learner(&folded.json), learner(&plain.json));
}

#[test]
fn the_command_writes_the_model_file() {
    let (train, _) = sample();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    ModelParams::new(ModelKind::Gbdt).seed(1).fit(&train).unwrap().save(&model).unwrap();
    let out = dir.path().join("model.xgb.json");
    let run = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["export-xgboost", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("trees") && stdout.contains("model.xgb.json"), "{stdout}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["learner"]["gradient_booster"]["name"], "gbtree");

    // Never over an existing file without --force, never over the input.
    let again = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["export-xgboost", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let onto_input = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["export-xgboost", "--force", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(!onto_input.status.success());
    assert!(String::from_utf8_lossy(&onto_input.stderr).contains("--model"));
}
