//! Data-quality findings: printed by `train`, kept in the model file, shown by `report`.

use std::process::Command;

use attrition::io::quality::QualityWarning;
use attrition::models::trained::TrainedModel;

/// 300 customers; `usage` is a number except `NA` on every 10th row (10% ≥ the 5% that makes a
/// numeric column categorical).
fn flat_with_markers() -> String {
    let mut s = String::from("customer_id,usage,seats,churned\n");
    for i in 0..300 {
        let usage = if i % 10 == 0 { "NA".to_owned() } else { format!("{}", (i * 7) % 50) };
        s.push_str(&format!("c{i},{usage},{},{}\n", (i * 13) % 9 + 1, if (i * 7) % 50 < 15 { "yes" } else { "no" }));
    }
    s
}

fn attrition(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
    (run.status.success(), String::from_utf8_lossy(&run.stderr).into_owned())
}

/// `attrition train --model logistic` on `data` into `model`, with `extra` flags.
fn train_logistic(data: &std::path::Path, model: &std::path::Path, extra: &[&str]) -> (bool, String) {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["train".as_ref(), "--data".as_ref(), data.as_os_str(), "--model".as_ref(), "logistic".as_ref()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.push("--out".as_ref());
    args.push(model.as_os_str());
    attrition(&args)
}

#[test]
fn markers_made_categorical_are_printed_kept_in_the_model_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (data, model, report) = (dir.path().join("obs.csv"), dir.path().join("model.json"), dir.path().join("report"));
    std::fs::write(&data, flat_with_markers()).unwrap();
    let (ok, stderr) = train_logistic(&data, &model, &[]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("column `usage` was read as categorical"), "{stderr}");
    let m = TrainedModel::load(&model).unwrap();
    assert!(
        matches!(&m.data_quality.warnings[..], [QualityWarning::Flat(w)] if w.to_string().contains("`usage`")),
        "{:?}",
        m.data_quality
    );
    let (ok, stderr) = attrition(&[
        "report".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        report.as_os_str(),
    ]);
    assert!(ok, "{stderr}");
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(html.contains("Is anything wrong with the data?"), "no data-quality section");
    assert!(html.contains("training data") && html.contains("data of this report"));
    // And the drift section: the same data as training, so nothing moved.
    assert!(
        html.contains("Does today&#39;s data still look like the training data?") || html.contains("Does today's data")
    );
    assert!(html.contains("Nothing moved"), "report data equals training data");
}

#[test]
fn clean_data_has_no_findings_in_the_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, model) = (dir.path().join("obs.csv"), dir.path().join("model.json"));
    std::fs::write(&data, flat_with_markers().replace("NA", "")).unwrap();
    let (ok, stderr) = train_logistic(&data, &model, &[]);
    assert!(ok, "{stderr}");
    assert!(TrainedModel::load(&model).unwrap().data_quality.is_empty());
    assert!(!std::fs::read_to_string(&model).unwrap().contains("data_quality"));
}

/// Issue 17 item 7: `train` on point-in-time observations without `--as-of` warns that the
/// `as_of` column is being used as a feature, and stays quiet once `--as-of as_of` is given.
#[test]
fn an_as_of_column_used_as_a_feature_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("customer_id,as_of,usage,churned\n");
    for i in 0..200 {
        let month = 1 + i % 3;
        s.push_str(&format!(
            "c{},2025-0{month}-01,{},{}\n",
            i / 3,
            (i * 7) % 50,
            if (i * 7) % 50 < 15 { 1 } else { 0 }
        ));
    }
    let (data, model) = (dir.path().join("obs.csv"), dir.path().join("model.json"));
    std::fs::write(&data, s).unwrap();
    let train = |extra: &[&str]| {
        let mut flags = vec!["--cv-folds", "0", "--force"];
        flags.extend_from_slice(extra);
        train_logistic(&data, &model, &flags)
    };
    let (ok, stderr) = train(&[]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("column `as_of` looks like the observation date") && stderr.contains("--as-of as_of"),
        "{stderr}"
    );
    let (ok, stderr) = train(&["--as-of", "as_of"]);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("looks like the observation date"), "{stderr}");
}
