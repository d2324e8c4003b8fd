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

/// A tester's export: a column with one value on every row and one blank on every row trained
/// silently, then `score` demanded both. Now `train` warns of each and names `--drop`, the
/// model file keeps the finding, and with `--drop` neither is a feature; a column that varies
/// and a file under 30 rows draw no warning.
#[test]
fn a_constant_or_all_blank_column_is_a_warning_naming_drop() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("customer_id,region,flag,empty,usage,churned\n");
    for i in 0..60 {
        s.push_str(&format!("c{i},{},EU,,5,{}\n", ["n", "s"][i % 2], if i % 4 == 0 { 1 } else { 0 }));
    }
    let (data, model) = (dir.path().join("obs.csv"), dir.path().join("model.json"));
    std::fs::write(&data, &s).unwrap();
    let (ok, stderr) = train_logistic(&data, &model, &["--cv-folds", "0", "--force"]);
    assert!(ok, "{stderr}");
    for (col, what) in
        [("flag", "has the same value (`EU`)"), ("empty", "is blank"), ("usage", "has the same value (`5`)")]
    {
        assert!(stderr.contains(&format!("column `{col}` {what} on every row")), "{col}: {stderr}");
        assert!(stderr.contains(&format!("--drop {col}")), "{stderr}");
    }
    assert!(!stderr.contains("column `region`"), "{stderr}");
    let found = TrainedModel::load(&model).unwrap().data_quality;
    assert!(!found.is_empty(), "the findings are kept in the model file");
    let (ok, stderr) = train_logistic(
        &data,
        &model,
        &["--cv-folds", "0", "--force", "--drop", "flag", "--drop", "empty", "--drop", "usage"],
    );
    assert!(ok && !stderr.contains("on every row"), "{stderr}");
    let names: Vec<String> = TrainedModel::load(&model).unwrap().features.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, ["region"]);
    // Too few rows to call a column constant.
    let short: String = s.lines().take(21).map(|l| format!("{l}\n")).collect();
    std::fs::write(&data, short).unwrap();
    let (ok, stderr) = train_logistic(&data, &model, &["--cv-folds", "0", "--force"]);
    assert!(ok && !stderr.contains("on every row"), "{stderr}");
}

/// Runs `attrition` with string arguments in `dir`: (success, stdout, stderr).
fn attrition_in(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_attrition")).current_dir(dir).args(args).output().unwrap();
    (
        run.status.success(),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// Issue 14: `features`, `kpi`, `retention`, `uplift` and `study` collect the tables' findings
/// (a duplicated subscription row, an event stamped 2100 left out of the data end) into one
/// `DataQuality` and print them identically on standard error; the study's report shows them.
#[test]
fn every_tables_command_prints_the_same_findings_and_the_study_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) =
        attrition_in(dir.path(), &["simulate", "--customers", "300", "--months", "24", "--out", "w", "--quiet"]);
    assert!(ok, "{err}");
    let w = dir.path().join("w");
    let subs = std::fs::read_to_string(w.join("subscriptions.csv")).unwrap();
    let first = subs.lines().nth(1).unwrap().to_owned();
    std::fs::write(w.join("subscriptions.csv"), format!("{subs}{first}\n")).unwrap();
    let events = std::fs::read_to_string(w.join("events.csv")).unwrap();
    let customer = events.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    std::fs::write(w.join("events.csv"), format!("{events}{customer},2100-01-01T00:00:00Z,login,{customer}-u0\n"))
        .unwrap();
    std::fs::write(dir.path().join("study.toml"), "[models]\ncandidates = [\"logistic\"]\nfolds = 2\n").unwrap();

    let duplicate = format!(
        "warning: {}: 1 exact duplicate rows dropped (each counted once)",
        w.join("subscriptions.csv").strip_prefix(dir.path()).unwrap().display()
    );
    let outlier = "(ignoring 1 dated rows more than 30 days after the bulk of the data, up to 2100-01-01: 1 events)";
    let runs: [&[&str]; 5] = [
        &["kpi", "--tables", "w", "--out", "kpi.csv"],
        &["retention", "--tables", "w"],
        &["uplift", "--tables", "w"],
        &["features", "--tables", "w", "--from", "2025-01-01", "--to", "2025-06-01", "--out", "f.csv"],
        &["study", "--config", "study.toml", "--tables", "w", "--out", "rep", "--quiet"],
    ];
    for args in runs {
        let (ok, out, err) = attrition_in(dir.path(), args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(err.matches(&duplicate).count(), 1, "{args:?}: {err}");
        let outliers: Vec<&str> = err.lines().filter(|l| l.contains(outlier)).collect();
        assert!(matches!(&outliers[..], [l] if l.starts_with("warning: data end 20")), "{args:?}: {err}");
        assert!(!out.contains("warning:"), "{args:?}: warnings go to standard error once:\n{out}");
    }
    let html = std::fs::read_to_string(dir.path().join("rep/index.html")).unwrap();
    assert!(html.contains("Is anything wrong with the data?"), "no data-quality section in the study's report");
    assert!(html.contains("1 exact duplicate rows dropped") && html.contains("up to 2100-01-01"));
}

/// Issue 14: `km` prints the flat loader's findings (here a count column made categorical by
/// `NA` markers, used as `--by`) like `train` does — about the columns it reads only: an id-like
/// column it never reads is no concern of km's (and the loader's advice, `--keep`, is no km
/// flag).
#[test]
fn km_prints_the_flat_loaders_findings_about_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("account,days,left,seats\n");
    for i in 0..200 {
        let seats = if i % 10 == 0 { "NA".to_owned() } else { format!("{}", i % 3) };
        s.push_str(&format!("acct-{i:04},{},{},{seats}\n", 10 + i % 37, i % 2));
    }
    std::fs::write(dir.path().join("km.csv"), s).unwrap();
    let km = ["km", "--data", "km.csv", "--duration", "days", "--event", "left"];
    let (ok, out, err) = attrition_in(dir.path(), &[&km[..], &["--by", "seats"]].concat());
    assert!(ok, "{err}");
    assert!(err.contains("`NA` (common missing-value markers) read as a category in 1 column (seats"), "{err}");
    assert!(err.contains("pass --na-values NA") && out.contains("\nNA,0,"), "{err}\n{out}");
    assert!(!err.contains("account"), "{err}");
    // The advice works: NA is then missing, the group `(missing)`.
    let (ok, out, err) = attrition_in(dir.path(), &[&km[..], &["--by", "seats", "--na-values", "NA"]].concat());
    assert!(ok && !err.contains("warning"), "{err}");
    assert!(out.contains("\n(missing),0,") && !out.contains("\nNA,"), "{out}");
    let (ok, _, err) = attrition_in(dir.path(), &km);
    assert!(ok, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

/// Issue 14: `retention --by` an attribute with more values than `--max-groups` (default 20)
/// keeps the largest and merges the rest into one `(other)` group, with a counted warning —
/// the same in the library, on a tables directory and on a partitioned one.
#[test]
fn retention_by_an_attribute_with_many_values_merges_the_smallest_into_other() {
    use attrition::io::tables::{AttributeKind, CustomerAttribute};
    use attrition::study::retention_study;
    use attrition::survival::RetentionOptions;
    let mut tables =
        attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(600, 12, 3)).unwrap().tables;
    // 30 regions: r0..r9 hold 40 customers each, r10..r29 10 each.
    let region: Vec<Option<String>> =
        (0..600).map(|i| Some(if i < 400 { format!("r{}", i % 10) } else { format!("r{}", 10 + i % 20) })).collect();
    tables.attributes.push(CustomerAttribute::new("region", AttributeKind::Categorical, region));
    let r = retention_study(&tables, "region", None, &RetentionOptions::new()).unwrap();
    let labels: Vec<&str> = r.retention.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels.len(), 21, "{labels:?}");
    let other = r.retention.groups.iter().find(|g| g.label == "(other)").unwrap();
    assert_eq!(other.customers, 100, "10 of the 20 small regions merged");
    match &r.data_quality.warnings[..] {
        [QualityWarning::TooManyGroups { column, groups, max, merged_rows, other }] => {
            assert_eq!(
                (column.as_str(), *groups, *max, *merged_rows, other.as_str()),
                ("region", 30, 20, 100, "(other)")
            );
        }
        w => panic!("{w:?}"),
    }
    let unmerged = retention_study(&tables, "region", None, &RetentionOptions::new().max_groups(30)).unwrap();
    assert_eq!(unmerged.retention.groups.len(), 30);
    assert!(unmerged.data_quality.is_empty());
    // The command prints the warning (and its JSON keeps it).
    let dir = tempfile::tempdir().unwrap();
    tables.write_dir(dir.path().join("t")).unwrap();
    let t = dir.path().join("t");
    let (ok, out, err) = attrition_in(
        dir.path(),
        &["retention", "--tables", t.to_str().unwrap(), "--by", "region", "--max-groups", "5", "--json"],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: `region` has 30 groups, more than --max-groups 5: the 5 largest kept, the other 25"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["data_quality"]["warnings"][0]["too_many_groups"]["max"], 5, "{json}");
}

/// The study's `retention_groups` (each customer's group by a factor or an attribute) merges an
/// attribute's smallest values into `(other)` beyond `max_groups` with the same counted warning
/// as `retention --by`, instead of refusing more than 20 values; its groups are
/// `retention_study`'s.
#[test]
fn study_retention_groups_merge_an_attribute_with_many_values_into_other() {
    use attrition::io::tables::{AttributeKind, CustomerAttribute};
    use attrition::study::{MAX_RETENTION_GROUPS, retention_groups, retention_study};
    use attrition::survival::RetentionOptions;
    let mut tables =
        attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(600, 12, 3)).unwrap().tables;
    // 30 regions: r0..r9 hold 40 customers each, r10..r29 10 each; customer 7 has none.
    let region: Vec<Option<String>> = (0..600)
        .map(|i| (i != 7).then(|| if i < 400 { format!("r{}", i % 10) } else { format!("r{}", 10 + i % 20) }))
        .collect();
    tables.attributes.push(CustomerAttribute::new("region", AttributeKind::Categorical, region));
    let r = retention_groups(&tables, &[], "region", MAX_RETENTION_GROUPS).unwrap();
    assert_eq!(r.groups.len(), 600);
    assert_eq!(r.groups[7], None, "a customer without a value is in no group");
    let distinct: std::collections::BTreeSet<&str> = r.groups.iter().flatten().map(String::as_str).collect();
    assert_eq!(distinct.len(), 21, "{distinct:?}");
    assert_eq!(r.groups.iter().filter(|g| g.as_deref() == Some("(other)")).count(), 100);
    assert_eq!(r.groups[0].as_deref(), Some("r0"), "a large region is kept");
    match &r.data_quality.warnings[..] {
        [QualityWarning::TooManyGroups { column, groups, max, merged_rows, other }] => {
            assert_eq!(
                (column.as_str(), *groups, *max, *merged_rows, other.as_str()),
                ("region", 30, 20, 100, "(other)")
            );
        }
        w => panic!("{w:?}"),
    }
    // The same groups as `retention --by region` draws.
    let study = retention_study(&tables, "region", None, &RetentionOptions::new()).unwrap();
    let drawn: std::collections::BTreeSet<&str> = study.retention.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(distinct, drawn);
    assert_eq!(study.data_quality, r.data_quality);
    // Under the cap nothing changes and nothing is reported.
    let all = retention_groups(&tables, &[], "region", 30).unwrap();
    assert!(all.data_quality.is_empty());
    assert_eq!(all.groups.iter().flatten().collect::<std::collections::BTreeSet<_>>().len(), 30);
}

/// `km` leaves out rows with no duration (a blank, or a missing-value marker), with a counted
/// warning naming the first one's line, in the JSON too (a tester removed 264 such rows of a
/// public e-commerce set by hand, after an error calling the blank `NaN`); a negative duration
/// after them is still an error naming its own line.
#[test]
fn km_leaves_out_rows_without_a_duration_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("days,left\n");
    for i in 0..100 {
        let days = if i % 10 == 3 { String::new() } else { format!("{}", 5 + i % 17) };
        s.push_str(&format!("{days},{}\n", i % 2));
    }
    std::fs::write(dir.path().join("km.csv"), &s).unwrap();
    let km = ["km", "--data", "km.csv", "--duration", "days", "--event", "left"];
    let (ok, out, err) = attrition_in(dir.path(), &km);
    assert!(ok, "{err}");
    assert!(
        err.contains("10 rows with no `days` (blank or a missing-value marker) left out, the first on line 5"),
        "{err}"
    );
    let at_risk: u64 = out.lines().nth(1).unwrap().split(',').nth(2).unwrap().parse().unwrap();
    assert_eq!(at_risk, 90, "{out}");
    let (ok, out, _) = attrition_in(dir.path(), &[&km[..], &["--json"]].concat());
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["data_quality"]["warnings"][0]["missing_values_left_out"]["rows"], 10);
    // Line 60 (the 59th data row) gets a negative duration: named by its line, not its kept index.
    let mut lines: Vec<String> = s.lines().map(String::from).collect();
    lines[59] = "-4,1".into();
    std::fs::write(dir.path().join("km.csv"), lines.join("\n") + "\n").unwrap();
    let (ok, _, err) = attrition_in(dir.path(), &km);
    assert!(!ok && err.contains("line 60 of km.csv"), "{err}");
}
