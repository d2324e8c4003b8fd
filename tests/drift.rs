//! Population stability index against an independent numpy computation.
//!
//! The reference values in `reference/drift_values.rs` were produced by
//! `/work/venv/bin/python tests/reference/drift_psi.py > tests/reference/drift_values.rs`
//! from the same closed-form data as below.

mod common;
#[path = "reference/drift_values.rs"]
#[allow(dead_code)]
mod reference;

use attrition::models::profile::TrainingProfile;
use attrition::scoring::drift::{DriftCounter, DriftLevel, SCORE_NAME, drift};
use attrition::{Column, Dataset};

const N_TRAIN: usize = 1000;
const N_TODAY: usize = 600;

fn train_x(i: usize) -> f64 {
    if i % 50 == 0 { f64::NAN } else { ((i * 7919) % 1000) as f64 / 10.0 }
}

fn today_x(j: usize) -> f64 {
    if j % 20 == 0 { f64::NAN } else { ((j * 104729) % 600) as f64 / 5.0 + 15.0 }
}

fn train_c(i: usize) -> Option<&'static str> {
    match i % 10 {
        9 => None,
        r if r < 5 => Some("a"),
        r if r < 8 => Some("b"),
        _ => Some("c"),
    }
}

fn today_c(j: usize) -> Option<&'static str> {
    match j % 10 {
        9 => None,
        r if r < 2 => Some("a"),
        r if r < 7 => Some("b"),
        7 => Some("c"),
        _ => Some("d"),
    }
}

fn train_p(i: usize) -> f64 {
    (i % 97) as f64 / 100.0 + 0.01
}

fn today_p(j: usize) -> f64 {
    ((j * 31) % 89) as f64 / 100.0 + 0.05
}

fn dataset(n: usize, x: fn(usize) -> f64, c: fn(usize) -> Option<&'static str>) -> Dataset {
    let cs: Vec<Option<&str>> = (0..n).map(c).collect();
    Dataset::new(vec![Column::numeric("x", (0..n).map(x).collect()), Column::categorical("c", &cs)]).unwrap()
}

fn profile() -> TrainingProfile {
    let train = dataset(N_TRAIN, train_x, train_c).with_churned((0..N_TRAIN).map(|i| i % 3 == 0).collect()).unwrap();
    TrainingProfile::of(&train, &(0..N_TRAIN).map(train_p).collect::<Vec<_>>()).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn psi_matches_numpy() {
    let profile = profile();
    assert_eq!(profile.features[0].numeric.as_ref().unwrap().bins.edges, reference::X_EDGES);
    let today = dataset(N_TODAY, today_x, today_c);
    let report = drift(&profile, &today, &(0..N_TODAY).map(today_p).collect::<Vec<_>>()).unwrap();
    assert_eq!((report.rows, report.scored_rows, report.training_rows), (600, 600, 1000));

    let x = report.features.iter().find(|f| f.name == "x").unwrap();
    let terms: Vec<f64> = x.bins.iter().map(|b| b.contribution).collect();
    assert_eq!(terms.len(), reference::X_TERMS.len());
    for (t, r) in terms.iter().zip(reference::X_TERMS) {
        assert!(close(*t, *r), "x terms {terms:?} vs numpy {:?}", reference::X_TERMS);
    }
    assert!(close(x.psi, reference::X_PSI), "{} vs {}", x.psi, reference::X_PSI);
    assert_eq!(x.bins.last().unwrap().bin, "missing");

    let c = report.features.iter().find(|f| f.name == "c").unwrap();
    let labels: Vec<&str> = c.bins.iter().map(|b| b.bin.as_str()).collect();
    assert_eq!(&labels[..3], reference::C_LEVELS);
    assert_eq!(&labels[3..], ["unseen", "missing"]);
    for (b, r) in c.bins.iter().zip(reference::C_TERMS) {
        assert!(close(b.contribution, *r), "c bins {:?} vs numpy {:?}", c.bins, reference::C_TERMS);
    }
    assert!(close(c.psi, reference::C_PSI));
    // The unseen level `d` (1 in 10 rows today, none in training) is the largest term.
    assert_eq!(c.top_bins(1)[0].bin, "unseen");

    assert_eq!(report.score.name, SCORE_NAME);
    assert!(close(report.score.psi, reference::P_PSI), "{} vs {}", report.score.psi, reference::P_PSI);
    assert_eq!(report.score.level, DriftLevel::None);
    // Most drifted first.
    assert_eq!(report.features[0].name, "x");
    assert_eq!(report.features[0].level, DriftLevel::Major);
}

#[test]
fn streaming_counts_equal_one_pass() {
    let profile = profile();
    let today = dataset(N_TODAY, today_x, today_c);
    let p: Vec<f64> = (0..N_TODAY).map(today_p).collect();
    let whole = drift(&profile, &today, &p).unwrap();
    let mut counter = DriftCounter::new(&profile);
    assert_eq!(counter.finish(), None);
    for start in (0..N_TODAY).step_by(128) {
        let end = (start + 128).min(N_TODAY);
        let cs: Vec<Option<&str>> = (start..end).map(today_c).collect();
        let chunk = Dataset::new(vec![
            Column::numeric("x", (start..end).map(today_x).collect()),
            Column::categorical("c", &cs),
        ])
        .unwrap();
        counter.add(&chunk, &p[start..end]).unwrap();
    }
    assert_eq!(counter.finish().unwrap(), whole);
}

#[test]
fn same_data_has_no_drift_and_nan_scores_are_not_counted() {
    let profile = profile();
    let train = dataset(N_TRAIN, train_x, train_c);
    let mut p: Vec<f64> = (0..N_TRAIN).map(train_p).collect();
    let report = drift(&profile, &train, &p).unwrap();
    assert!(report.features.iter().all(|f| f.psi < 1e-12), "{:?}", report.features);
    assert!(report.score.psi < 1e-12);
    assert!(report.warning_lines(10).is_empty());
    p[0] = f64::NAN;
    assert_eq!(drift(&profile, &train, &p).unwrap().scored_rows, 999);
}

#[test]
fn wrong_inputs_are_errors() {
    let profile = profile();
    let today = dataset(N_TODAY, today_x, today_c);
    let err = drift(&profile, &today, &[0.5]).unwrap_err();
    assert!(err.to_string().contains("length mismatch"), "{err}");
    let only_x = Dataset::new(vec![Column::numeric("x", vec![1.0])]).unwrap();
    let err = drift(&profile, &only_x, &[0.5]).unwrap_err();
    assert!(err.to_string().contains("column `c` not found"), "{err}");
    let swapped = Dataset::new(vec![Column::numeric("x", vec![1.0]), Column::numeric("c", vec![1.0])]).unwrap();
    let err = drift(&profile, &swapped, &[0.5]).unwrap_err();
    assert!(err.to_string().contains("`c` is numeric in the data but categorical"), "{err}");
    let empty = Dataset::new(vec![Column::numeric("x", vec![]), Column::categorical::<&str>("c", &[])]).unwrap();
    assert!(drift(&profile, &empty, &[]).is_err());
}

#[test]
fn csv_and_json_tables_hold_every_bin() {
    let profile = profile();
    let today = dataset(N_TODAY, today_x, today_c);
    let report = drift(&profile, &today, &(0..N_TODAY).map(today_p).collect::<Vec<_>>()).unwrap();
    let csv = report.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "feature,psi,level,bin,expected_share,actual_share,contribution");
    let bins = report.score.bins.len() + report.features.iter().map(|f| f.bins.len()).sum::<usize>();
    assert_eq!(lines.len(), 1 + bins);
    assert!(lines[1].starts_with("p_churn,"));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("drift.json");
    report.write(&json, attrition::io::output::Overwrite::Refuse).unwrap();
    let back: attrition::scoring::drift::DriftReport =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(back.features.len(), 2);
    assert!(close(back.features[0].psi, report.features[0].psi));
    // An existing output is not replaced without leave.
    assert!(report.write(&json, attrition::io::output::Overwrite::Refuse).is_err());
}

/// The sample's observations, split by customer: a model trained (with its profile) on half
/// the customers, and the other half written as CSV (ids first) — once as they are and once
/// shifted: tenure + 300 days, and the most common `sales_approach` level replaced by the second.
mod sample {
    use std::collections::HashMap;
    use std::path::Path;
    use std::process::Command;

    use attrition::Dataset;
    use attrition::dataset::ColumnData;
    use attrition::features::{FeatureParams, build_observations};
    use attrition::io::tables::{ReadOptions, read_tables};
    use attrition::models::Learner;
    use attrition::models::trained::{ModelKind, ModelParams};
    use chrono::NaiveDate;

    fn to_csv(data: &Dataset, path: &Path) {
        std::fs::write(path, super::common::ids_and_features_csv(data)).unwrap();
    }

    fn shifted(data: &Dataset) -> Dataset {
        let mut out = data.clone();
        for c in &mut out.columns {
            match (&mut c.data, c.name.as_str()) {
                (ColumnData::Numeric(v), "tenure_days") => v.iter_mut().for_each(|x| *x += 300.0),
                (ColumnData::Categorical(cat), "sales_approach") => {
                    let mut count: HashMap<u32, usize> = HashMap::new();
                    for &code in &cat.codes {
                        *count.entry(code).or_default() += 1;
                    }
                    let mut by: Vec<(u32, usize)> = count.into_iter().collect();
                    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    let (a, b) = (by[0].0, by[1].0);
                    for code in cat.codes.iter_mut().filter(|c| **c == a) {
                        *code = b;
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn score(dir: &Path, data: &str, drift_out: &str) -> (String, String) {
        let run = Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(["score", "--quiet", "--model"])
            .arg(dir.join("model.json"))
            .arg("--data")
            .arg(dir.join(data))
            .arg("--out")
            .arg(dir.join(format!("{data}.scores.csv")))
            .arg("--drift-out")
            .arg(dir.join(drift_out))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{stderr}");
        (stderr, std::fs::read_to_string(dir.join(drift_out)).unwrap())
    }

    #[test]
    fn score_warns_about_a_shifted_copy_of_the_sample_and_not_about_an_unshifted_one() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
        let tables = read_tables(root, &ReadOptions::default()).unwrap().tables;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let obs = build_observations(&tables, &FeatureParams::new(d("2024-04-30"), d("2025-09-30"))).unwrap().dataset;
        let ids = obs.ids.clone().unwrap();
        let half = |odd: bool| -> Vec<usize> {
            (0..obs.n_rows()).filter(|&i| (ids[i].bytes().map(u32::from).sum::<u32>() % 2 == 1) == odd).collect()
        };
        let (train, today) = (obs.take(&half(false)), obs.take(&half(true)));
        assert!(today.column("sales_approach").is_some_and(|c| c.as_categorical().is_some()));
        let model = ModelParams::new(ModelKind::Logistic).fit(&train).unwrap().with_profile(&train).unwrap();
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path().join("model.json")).unwrap();
        to_csv(&today, &dir.path().join("today.csv"));
        to_csv(&shifted(&today), &dir.path().join("shifted.csv"));

        let (stderr, table) = score(dir.path(), "today.csv", "today_drift.csv");
        assert!(!stderr.contains("drift"), "unshifted data warned:\n{stderr}");
        assert!(table.starts_with("feature,psi,level,bin,expected_share,actual_share,contribution\n"));
        assert!(!table.contains(",moderate,") && !table.contains(",major,"), "{table}");

        let (stderr, table) = score(dir.path(), "shifted.csv", "shifted_drift.json");
        let warning: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
        assert!(warning[0].starts_with("warning: drift: "), "{stderr}");
        assert!(warning.iter().any(|l| l.contains("tenure_days PSI")), "{stderr}");
        assert!(warning.iter().any(|l| l.contains("sales_approach PSI")), "{stderr}");
        let report: attrition::scoring::drift::DriftReport = serde_json::from_str(&table).unwrap();
        let moved: Vec<&str> = report.drifted().map(|f| f.name.as_str()).collect();
        assert!(moved.contains(&"tenure_days") && moved.contains(&"sales_approach"), "{moved:?}");
        // Only features built from tenure (or the shifted column) moved.
        assert!(moved.iter().all(|m| m.contains("tenure") || *m == "sales_approach"), "{moved:?}");
    }

    #[test]
    fn a_model_file_without_a_profile_scores_with_a_note() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
        let tables = read_tables(root, &ReadOptions::default()).unwrap().tables;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let obs = build_observations(&tables, &FeatureParams::new(d("2024-04-30"), d("2025-09-30"))).unwrap().dataset;
        let model = ModelParams::new(ModelKind::Logistic).fit(&obs).unwrap();
        assert!(model.profile.is_none());
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path().join("model.json")).unwrap();
        to_csv(&obs.take(&(0..200).collect::<Vec<_>>()), &dir.path().join("today.csv"));
        let run = Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(["score", "--quiet", "--model"])
            .arg(dir.path().join("model.json"))
            .arg("--data")
            .arg(dir.path().join("today.csv"))
            .arg("--out")
            .arg(dir.path().join("scores.csv"))
            .arg("--drift-out")
            .arg(dir.path().join("drift.csv"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert_eq!(stderr.matches("drift not available (model file has no training profile; retrain)").count(), 1);
        assert!(!dir.path().join("drift.csv").exists());
        assert!(dir.path().join("scores.csv").exists());
    }
}
