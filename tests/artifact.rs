//! One deployable model file: the feature build (resolved catalogue and label window), the
//! calibrator and the training summary travel with the model; files of the previous schema
//! version load.

use std::path::{Path, PathBuf};
use std::process::Command;

use attrition::features::{FeatureParams, build_observations};
use attrition::io::parse::parse_date;
use attrition::models::artifact::FeatureBuild;
use attrition::models::calibration::{CalibrationMethod, CalibrationParams};
use attrition::prelude::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/model_file").join(name)
}

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap()
}

fn ok(o: &std::process::Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A schema 3 boosted-tree file (written before native categorical splits) loads, scores, and
/// saves as the current version.
#[test]
fn a_schema_3_gbdt_file_loads_and_scores() {
    let text = std::fs::read_to_string(fixture("v3_gbdt.json")).unwrap();
    assert!(text.contains("\"schema_version\":3") && !text.contains("\"categorical\":["));
    let model = TrainedModel::load(fixture("v3_gbdt.json")).unwrap();
    assert_eq!(model.schema_version, attrition::models::trained::SCHEMA_VERSION);
    let data = Dataset::new(vec![
        Column::numeric("usage", vec![3.0, 45.0]),
        Column::categorical("plan", &[Some("basic"), Some("team")]),
    ])
    .unwrap();
    let p = model.predict_proba(&data).unwrap();
    assert!(p[0] > p[1], "{p:?}");
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("\"schema_version\":4"));
    assert_eq!(TrainedModel::from_reader(bytes.as_slice()).unwrap(), model);
}

#[test]
fn a_schema_3_file_loads_without_a_profile_and_gives_reasons_without_references() {
    let text = std::fs::read_to_string(fixture("v3_logistic.json")).unwrap();
    assert!(text.contains("\"schema_version\":3"));
    let model = TrainedModel::load(fixture("v3_logistic.json")).unwrap();
    assert!(model.profile.is_none());
    let row = model.row().num("usage", 2.0).cat("plan", "basic").build().unwrap();
    let s = model.score_one(&row).unwrap();
    let usage = s.reasons.iter().find(|r| r.feature == "usage").expect("usage is a reason");
    assert_eq!(usage.text, "usage 2");
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("\"schema_version\":4"));
    assert_eq!(TrainedModel::from_reader(bytes.as_slice()).unwrap(), model);
}

#[test]
fn a_schema_2_file_loads_with_the_new_parts_absent() {
    let text = std::fs::read_to_string(fixture("v2_logistic.json")).unwrap();
    assert!(text.contains("\"schema_version\":2"));
    let model = TrainedModel::load(fixture("v2_logistic.json")).unwrap();
    assert_eq!(model.schema_version, attrition::models::trained::SCHEMA_VERSION);
    assert!(model.feature_build.is_none() && model.calibrator.is_none() && model.training.is_none());
    assert_eq!(model.label_window(), None);
    let data = Dataset::new(vec![
        Column::numeric("usage", vec![3.0, 45.0]),
        Column::categorical("plan", &[Some("basic"), Some("team")]),
    ])
    .unwrap();
    let p = model.predict_proba(&data).unwrap();
    assert!(p[0] > p[1], "{p:?}");
    // Saved again, it is a current file and reads back equal.
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("\"schema_version\":4"));
    assert_eq!(TrainedModel::from_reader(bytes.as_slice()).unwrap(), model);
    // A hand edit of the old file is still caught by its checksum.
    let edited = text.replacen("\"training_rows\":300", "\"training_rows\":301", 1);
    assert!(matches!(TrainedModel::from_reader(edited.as_bytes()), Err(Error::ModelChecksum { .. })));
}

#[test]
fn a_calibrated_model_saves_and_scores_calibrated() {
    let x: Vec<f64> = (0..400).map(|i| (i % 20) as f64).collect();
    let y: Vec<bool> = (0..400).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
    let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
    let mut params = CalibrationParams::new(ModelParams::new(ModelKind::Gbdt).seed(2), CalibrationMethod::Isotonic);
    params.seed = 2;
    let calibrated = params.fit(&data).unwrap();
    let expected = calibrated.predict_proba(&data).unwrap();
    let raw = calibrated.base.predict_proba(&data).unwrap();
    assert_ne!(expected, raw, "the calibrator changes the probabilities");
    let model = calibrated.into_trained();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calibrated.json");
    model.save(&path).unwrap();
    let loaded = TrainedModel::load(&path).unwrap();
    assert_eq!(loaded.predict_proba(&data).unwrap(), expected);
    // Streaming scoring writes the calibrated probability.
    let body = "customer_id,x\na,0\nb,19\n";
    let mut out = Vec::new();
    score_reader(&loaded, body.as_bytes(), "req", &mut out, &ScoreOptions::default(), |_| {}).unwrap();
    let text = String::from_utf8(out).unwrap();
    let probe = Dataset::new(vec![Column::numeric("x", vec![0.0, 19.0])]).unwrap();
    let want = loaded.predict_proba(&probe).unwrap();
    for (line, p) in text.lines().skip(1).zip(&want) {
        let got: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!((got - p).abs() < 1e-6, "{line} vs {p}");
    }
    // A broken calibrator is refused by validation.
    let mut bad = loaded.clone();
    if let Some(attrition::models::calibration::Calibrator::Isotonic { y, .. }) = &mut bad.calibrator {
        y.reverse();
        y[0] = 1.5;
    }
    let e = bad.validate().unwrap_err();
    assert!(e.to_string().contains("calibrator"), "{e}");
}

#[test]
fn the_feature_build_travels_with_the_model() {
    let tables = read_tables(SAMPLE, &ReadOptions::strict()).unwrap().tables;
    let d = |s: &str| parse_date(s).unwrap();
    let params = FeatureParams::new(d("2025-01-01"), d("2025-06-01")).lead_days(14).horizon_days(60);
    let table = build_observations(&tables, &params).unwrap();
    let model = ModelParams::new(ModelKind::Logistic).fit(&table.dataset).unwrap();
    let range = model.training.and_then(|t| t.as_of).unwrap();
    assert_eq!((range.first, range.last), (d("2025-01-01"), d("2025-06-01")));
    let build = FeatureBuild::new(table.catalogue.clone(), 14, 60).unwrap();
    let model = model.with_feature_build(build);
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    let loaded = TrainedModel::from_reader(bytes.as_slice()).unwrap();
    let w = loaded.label_window().unwrap();
    assert_eq!((w.lead_days, w.horizon_days), (14, 60));
    // The snapshot from the model's build has every model feature, and scores.
    let snap = loaded.feature_build.as_ref().unwrap().snapshot(&tables, d("2025-12-01")).unwrap();
    let direct = attrition::features::snapshot(&tables, d("2025-12-01"), &table.catalogue).unwrap();
    // (Datasets hold NaN for missing values, so they are compared by names, ids and scores.)
    assert_eq!(
        (snap.feature_names(), &snap.ids, snap.n_rows()),
        (direct.feature_names(), &direct.ids, direct.n_rows())
    );
    assert_eq!(loaded.predict_proba(&snap).unwrap(), loaded.predict_proba(&direct).unwrap());
    // A build that does not make the model's features is refused.
    let mut other = loaded.clone();
    let b = other.feature_build.as_mut().unwrap();
    b.catalogue.specs.truncate(3);
    let e = other.validate().unwrap_err();
    assert!(e.to_string().contains("does not build the model's features"), "{e}");
}

#[test]
fn the_command_line_builds_the_models_features_and_knows_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    ok(
        &bin(&[
            "features",
            "--tables",
            SAMPLE,
            "--from",
            "2025-01-01",
            "--to",
            "2025-06-01",
            "--horizon-days",
            "60",
            "--out",
            s(&p("train.csv")),
            "--save-build",
            s(&p("build.json")),
        ]),
        "features",
    );
    let out = ok(
        &bin(&[
            "train",
            "--data",
            s(&p("train.csv")),
            "--as-of",
            "as_of",
            "--model",
            "logistic",
            "--feature-build",
            s(&p("build.json")),
            "--calibrate",
            "platt",
            "--out",
            s(&p("model.json")),
        ]),
        "train",
    );
    assert!(out.contains("cross-validation") && out.contains("label window recorded"), "{out}");
    let model = TrainedModel::load(p("model.json")).unwrap();
    assert!(model.calibrator.is_some());
    let cv = model.training.and_then(|t| t.cv).unwrap();
    assert!(cv.folds == 5 && cv.roc_auc > 0.5, "{cv:?}");
    ok(
        &bin(&[
            "features",
            "--tables",
            SAMPLE,
            "--snapshot",
            "2025-12-01",
            "--model",
            s(&p("model.json")),
            "--out",
            s(&p("snap.csv")),
        ]),
        "features --snapshot --model",
    );
    ok(
        &bin(&["score", "--model", s(&p("model.json")), "--data", s(&p("snap.csv")), "--out", s(&p("scores.csv"))]),
        "score",
    );
    let out = ok(
        &bin(&[
            "target",
            "--model",
            s(&p("model.json")),
            "--data",
            s(&p("snap.csv")),
            "--offer-cost",
            "30",
            "--out",
            s(&p("targets.csv")),
        ]),
        "target",
    );
    assert!(!out.contains("records no label window"), "{out}");
    // A model without a build: a clear error naming what to do.
    ok(
        &bin(&[
            "train",
            "--data",
            s(&p("train.csv")),
            "--as-of",
            "as_of",
            "--model",
            "logistic",
            "--cv-folds",
            "0",
            "--out",
            s(&p("bare.json")),
        ]),
        "train",
    );
    let o = bin(&[
        "features",
        "--tables",
        SAMPLE,
        "--snapshot",
        "2025-12-01",
        "--model",
        s(&p("bare.json")),
        "--out",
        s(&p("snap2.csv")),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no feature build") && err.contains("--catalogue"), "{err}");
    let o = bin(&[
        "target",
        "--model",
        s(&p("bare.json")),
        "--data",
        s(&p("snap.csv")),
        "--offer-cost",
        "30",
        "--out",
        s(&p("t2.csv")),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("records no label window"));
}
