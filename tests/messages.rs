//! Messages that direct the user right (issue 14 item 12): hints name flags that exist, errors
//! name the flag the user typed (not an internal parameter), lines are 1-based with the header
//! on line 1, and JSON given for CSV is recognised.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Every long flag of every subcommand, from `--help`.
fn all_flags() -> std::collections::BTreeSet<String> {
    let top = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let mut commands: Vec<Vec<String>> = Vec::new();
    let section = |help: &str| -> Vec<String> {
        help.lines()
            .skip_while(|l| !l.starts_with("Commands:"))
            .skip(1)
            .map_while(|l| l.strip_prefix("  ").and_then(|l| l.split_whitespace().next()).map(String::from))
            .filter(|c| c != "help")
            .collect()
    };
    for c in section(&top) {
        let help = String::from_utf8(run(&[&c, "--help"]).stdout).unwrap();
        let nested = section(&help);
        if nested.is_empty() {
            commands.push(vec![c]);
        } else {
            commands.extend(nested.into_iter().map(|n| vec![c.clone(), n]));
        }
    }
    let mut flags = std::collections::BTreeSet::new();
    for c in commands {
        let mut args: Vec<&str> = c.iter().map(String::as_str).collect();
        args.push("--help");
        let help = String::from_utf8(run(&args).stdout).unwrap();
        for w in help.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-')) {
            if w.starts_with("--") && w.len() > 2 {
                flags.insert(w.to_string());
            }
        }
    }
    flags
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_flag_a_message_names_exists() {
    let flags = all_flags();
    assert!(flags.len() > 40, "{flags:?}");
    // Flags of other programs the sources mention (cargo, the headless browser).
    let others = ["--bench", "--example", "--release", "--headless", "--no-sandbox", "--screenshot", "--window-size"];
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut unknown = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Message text: string literals (comments may discuss anything).
            if !line.contains('"') {
                continue;
            }
            for w in line.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-')) {
                if w.starts_with("--") && w.len() > 2 && !flags.contains(w) && !others.contains(&w) {
                    unknown.push(format!("{}:{}: {w}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "messages name flags that do not exist:\n{}", unknown.join("\n"));
}

#[test]
fn json_given_for_csv_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let array = write(dir.path(), "a.json", "[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4}]\n");
    let lines = write(dir.path(), "l.json", "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n");
    for f in [&array] {
        for args in [vec!["evaluate", "--data", f, "--target", "a"], vec!["inspect", "--data", f]] {
            let o = run(&args);
            assert_eq!(o.status.code(), Some(1), "{args:?}");
            assert!(stderr(&o).contains("looks like JSON"), "{args:?}: {}", stderr(&o));
        }
    }
    // One object per line is JSON Lines, a supported input format (w-formats): it is read.
    let o = run(&["inspect", "--data", &lines]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("JSON Lines"));
}

#[test]
fn a_positive_value_that_never_occurs_is_named_not_called_one_class() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,x,Churn\n");
    for i in 0..40 {
        text.push_str(&format!("c{i},{},{}\n", i % 7, if i % 3 == 0 { "Yes" } else { "No" }));
    }
    let f = write(dir.path(), "d.csv", &text);
    let o = run(&["evaluate", "--data", &f, "--target", "Churn", "--positive", "yes", "--model", "logistic"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(!e.contains("only one class"), "{e}");
    assert!(e.contains("never has this value") && e.contains("`Yes`"), "{e}");
    let o =
        run(&["evaluate", "--data", &f, "--target", "Churn", "--positive", "Yes", "--model", "logistic", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn km_names_its_own_flags_and_file_lines() {
    let dir = tempfile::tempdir().unwrap();
    // A blank line and a quoted field spanning two lines before the bad value: it is on line 6.
    let f = write(dir.path(), "k.csv", "days,left,note\n10,1,a\n\n5,0,\"two\nlines\"\n-3,1,b\n");
    let o = run(&["km", "--data", &f, "--duration", "days", "--event", "left"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("--duration") && e.contains("line 6 of"), "{e}");
    let f = write(dir.path(), "e.csv", "days,left,entry\n10,1,0\n5,0,7\n");
    let o = run(&["km", "--data", &f, "--duration", "days", "--event", "left", "--entry", "entry"]);
    let e = stderr(&o);
    assert!(e.contains("--entry") && e.contains("line 3 of"), "{e}");
    let f = write(dir.path(), "v.csv", "days,left\n10,maybe\n5,0\n7,1\n");
    let o = run(&["km", "--data", &f, "--duration", "days", "--event", "left"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("--event") && !e.contains("positive"), "{e}");
}

#[test]
fn kpi_help_and_its_error_name_the_same_periods() {
    let help = String::from_utf8(run(&["kpi", "--help"]).stdout).unwrap();
    // The flag's line and the next: clap puts the description on its own line when any flag's
    // help is long.
    let lines: Vec<&str> = help.lines().collect();
    let at = lines.iter().position(|l| l.contains("--period")).unwrap();
    let line = lines[at..(at + 2).min(lines.len())].join(" ");
    let o = run(&["kpi", "--tables", "/nonexistent", "--period", "fortnight"]);
    let e = stderr(&o);
    for p in ["month", "quarter", "year"] {
        assert!(e.contains(p) || !line.contains(p), "error `{e}` lacks {p}");
        assert!(line.contains(p), "help `{line}` lacks {p} (the error offers it: `{e}`)");
    }
}

#[test]
fn uplift_says_which_flag_gives_an_arm_more_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,x,treated,churned\n");
    for i in 0..30 {
        text.push_str(&format!("c{i},{},{},{}\n", i % 5, i % 2 == 0, i % 3 == 0));
    }
    let f = write(dir.path(), "u.csv", &text);
    let o = run(&["uplift", "--data", &f, "--treatment", "treated", "--outcome", "churned", "--model", "logistic"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(!e.contains("min_arm_rows") && e.contains("--holdout"), "{e}");
}

/// Issue 14 item 11: `km --by` a column with more levels than `--max-groups` (default 50) keeps
/// the largest levels and merges the rest into one `(other)` group, with a counted data-quality
/// warning on stderr and in `--json` — not minutes of curves and a log-rank test across them.
#[test]
fn km_by_a_column_with_too_many_levels_merges_the_smallest_into_other() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("days,left,plan\n");
    // 60 levels: p0..p9 have 12 rows each, p10..p59 have 3 each (and one level is spelled `(other)`).
    for i in 0..270 {
        let level = if i < 120 { format!("p{}", i % 10) } else { format!("p{}", 10 + (i - 120) % 50) };
        let level = if level == "p59" { "(other)".to_owned() } else { level };
        text.push_str(&format!("{},{},{level}\n", 5 + (i * 13) % 200, i % 3 == 0));
    }
    let f = write(dir.path(), "k.csv", &text);
    let base = ["km", "--data", &f, "--duration", "days", "--event", "left", "--by", "plan"];
    let o = run(&[&base[..], &["--max-groups", "10"]].concat());
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("warning: `plan` has 60 groups, more than --max-groups 10: the 10 largest kept, the other 50 (150 rows) merged into the group `(other 2)`"),
        "{e}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let groups: std::collections::BTreeSet<&str> = out.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let mut want: Vec<String> = (0..10).map(|k| format!("p{k}")).collect();
    want.push("(other 2)".into());
    assert_eq!(groups, want.iter().map(String::as_str).collect(), "{out}");
    assert!(e.contains("log-rank: chi² = ") && e.contains("on 10 df"), "{e}");
    // --json keeps the warning with the curves.
    let o = run(&[&base[..], &["--max-groups", "10", "--json"]].concat());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &json["data_quality"]["warnings"][0]["too_many_groups"];
    assert_eq!(
        (w["groups"].as_u64(), w["max"].as_u64(), w["merged_rows"].as_u64()),
        (Some(60), Some(10), Some(150)),
        "{json}"
    );
    assert_eq!(json["(other 2)"]["points"].as_array().map(|p| !p.is_empty()), Some(true), "{json}");
    // Under the cap nothing is merged and nothing is said.
    let o = run(&[&base[..], &["--max-groups", "60"]].concat());
    assert!(o.status.success() && !stderr(&o).contains("--max-groups"), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("(other 2)"));
}

#[test]
fn model_ensemble_is_deprecated_and_runs_auto_with_the_smallest_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,x,z,Churn\n");
    for i in 0..300 {
        let churn = (i * 7919) % 10 < 3 + (i % 5);
        text.push_str(&format!("c{i},{},{},{}\n", i % 7, (i * 31) % 11, if churn { "Yes" } else { "No" }));
    }
    let f = write(dir.path(), "d.csv", &text);
    let model = dir.path().join("m.json");
    let m = model.to_str().unwrap();
    let o = run(&[
        "train",
        "--data",
        &f,
        "--target",
        "Churn",
        "--id",
        "customer_id",
        "--model",
        "ensemble",
        "--out",
        m,
        "--quiet",
    ]);
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("`--model ensemble` is deprecated") && e.contains("--model auto"), "{e}");
    // The model records auto's choice among logistic, the default trees and their blend only.
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let names: Vec<&str> =
        saved["selection"]["table"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["logistic", "gbdt", "blend"], "{saved}");
    assert_eq!(saved["selection"]["budget_seconds"], 0.0);
}

/// 200 rows `ID,usage,plan,churned` with ids `PREFIX0`, `PREFIX1`, … (usage 13·i mod 40).
fn churn_rows(id: &str, prefix: &str) -> String {
    let mut text = format!("{id},usage,plan,churned\n");
    for i in 0..200 {
        let churned = if (i * 7) % 10 < 3 { "yes" } else { "no" };
        text.push_str(&format!("{prefix}{i},{},{},{churned}\n", (i * 13) % 40, ["basic", "pro"][i % 2]));
    }
    text
}

/// The id column: `report` reads the model's (as `score` and `target` do; it insisted on
/// `customer_id`), and a missing id column names the flag that fixes it, in `evaluate` (the
/// default `customer_id`) and in `score` (the model's).
#[test]
fn a_missing_id_column_names_the_flag_and_report_reads_the_models() {
    let dir = tempfile::tempdir().unwrap();
    let text = churn_rows("acct", "a");
    let data = write(dir.path(), "acct.csv", &text);
    let o = run(&["evaluate", "--data", &data, "--model", "logistic", "--folds", "2", "--quiet"]);
    let e = stderr(&o);
    assert!(!o.status.success() && e.contains("`customer_id` is the id column by default"), "{e}");
    assert!(e.contains("--id COLUMN") && e.contains("--id none"), "{e}");
    let model = dir.path().join("m.json").to_str().unwrap().to_owned();
    let o = run(&["train", "--data", &data, "--id", "acct", "--model", "logistic", "--cv-folds", "0", "--out", &model]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = dir.path().join("rep").to_str().unwrap().to_owned();
    let o = run(&["report", "--model", &model, "--data", &data, "--out", &report]);
    assert!(o.status.success(), "report without --id reads the model's id column: {}", stderr(&o));
    let noid_text: String = text.lines().map(|l| l.split_once(',').unwrap().1.to_owned() + "\n").collect();
    let noid = write(dir.path(), "noid.csv", &noid_text);
    let out = dir.path().join("s.csv").to_str().unwrap().to_owned();
    let o = run(&["score", "--model", &model, "--data", &noid, "--out", &out]);
    let e = stderr(&o);
    assert!(!o.status.success() && e.contains("missing column `acct`") && e.contains("--id none"), "{e}");
    let o = run(&["score", "--model", &model, "--data", &noid, "--out", &out, "--id", "none", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A bad value in a model's numeric feature, read by `target` or `report`: the hint is the one
/// that works (`--na-values`), not forcing the column categorical or dropping it (the model
/// needs it as a number; a tester followed both hints into two more errors).
#[test]
fn a_bad_number_for_a_models_feature_hints_what_works() {
    let dir = tempfile::tempdir().unwrap();
    let text = churn_rows("customer_id", "c");
    let data = write(dir.path(), "d.csv", &text);
    let bad = write(dir.path(), "bad.csv", &text.replacen("c5,25,", "c5,unknown,", 1));
    let model = dir.path().join("m.json").to_str().unwrap().to_owned();
    let o = run(&["train", "--data", &data, "--model", "logistic", "--cv-folds", "0", "--out", &model, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    for args in [
        vec!["target", "--model", &model, "--data", &bad, "--offer-cost", "3", "--out", &out("t.csv")],
        vec!["report", "--model", &model, "--data", &bad, "--out", &out("rep")],
    ] {
        let o = run(&args);
        let e = stderr(&o);
        assert!(!o.status.success() && e.contains("bad.csv:7 column `usage`"), "{args:?}: {e}");
        assert!(e.contains("--na-values unknown") && !e.contains("--categorical") && !e.contains("--drop"), "{e}");
    }
}

/// `train` on a file with one class says so first (it said "invalid parameter `folds` = 5",
/// a flag train does not have); too few rows for the folds names `--cv-folds`.
#[test]
fn train_names_one_class_and_its_own_fold_flag() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(dir.path(), "one.csv", "customer_id,usage,churned\na,3,yes\n");
    let out = dir.path().join("m.json").to_str().unwrap().to_owned();
    let e = stderr(&run(&["train", "--data", &one, "--out", &out]));
    assert!(e.contains("only one class present in the training data's target"), "{e}");
    let three = write(dir.path(), "three.csv", "customer_id,usage,churned\na,3,yes\nb,4,no\nc,5,no\n");
    let e = stderr(&run(&["train", "--data", &three, "--out", &out]));
    assert!(e.contains("invalid parameter `--cv-folds` = 5"), "{e}");
}

/// `evaluate` and `report` on a file where the churned class has a single row, or every row has
/// the same outcome: said in terms of the data and the flags the command has (`--folds`,
/// `--positive`), not "only one class present in logistic regression / stratified k-fold / ROC
/// curve" of a file with both classes (a tester's few-churner exports).
#[test]
fn evaluate_and_report_say_what_one_churned_row_or_one_outcome_means() {
    let dir = tempfile::tempdir().unwrap();
    let mut one_churned = String::from("customer_id,usage,churned\n");
    for i in 0..30 {
        one_churned.push_str(&format!("c{i},{},{}\n", i % 7, if i == 4 { "yes" } else { "no" }));
    }
    let one = write(dir.path(), "one.csv", &one_churned);
    let e = stderr(&run(&["evaluate", "--data", &one, "--quiet"]));
    assert!(e.contains("invalid parameter `--folds` = 5: only 1 churned row"), "{e}");
    let same = write(dir.path(), "same.csv", &one_churned.replace(",no\n", ",yes\n"));
    let e = stderr(&run(&["evaluate", "--data", &same, "--quiet"]));
    assert!(e.contains("every row has the same outcome") && e.contains("--positive"), "{e}");
    let model = dir.path().join("m.json").to_str().unwrap().to_owned();
    let o = run(&["train", "--data", &one, "--cv-folds", "0", "--out", &model]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("nothing searched: the training data has only 1 churned row (of 30 rows)"), "{out}");
    let rep = dir.path().join("rep").to_str().unwrap().to_owned();
    let e = stderr(&run(&["report", "--model", &model, "--data", &same, "--out", &rep]));
    assert!(e.contains("every row has the same outcome"), "{e}");
}

/// Strict mode names a file's first bad line first, whatever is wrong with it: a bad number
/// (line 3) before a short row (line 5) before a target value that is neither class (line 7);
/// fixing each in turn leads to the next, never back (the flat loader's first pass stopped at a
/// short row, and its target check came before any value's, so `train` named line 11 while
/// line 6 held a bad number).
#[test]
fn strict_mode_names_the_first_bad_line_first() {
    use attrition::io::flat::{FlatOptions, load_flat_from_reader};
    let mut lines: Vec<String> =
        (0..40).map(|i| format!("c{i},{},{}", (i * 7) % 13, if i % 3 == 0 { "yes" } else { "no" })).collect();
    // Data row k is on line k + 2.
    lines[1] = "c1,x,no".into();
    lines[3] = "c3,6".into();
    lines[5] = "c5,8,maybe".into();
    let options = FlatOptions::new().target("churned").id("id");
    for (want, fix) in [(3, "c1,2,no"), (5, "c3,6,no"), (7, "c5,8,no")] {
        let text = format!("id,usage,churned\n{}\n", lines.join("\n"));
        let e = load_flat_from_reader(text.as_bytes(), "f.csv", &options).unwrap_err().to_string();
        assert!(e.starts_with(&format!("f.csv:{want}")), "want line {want}: {e}");
        lines[want - 2] = fix.to_string();
    }
    let text = format!("id,usage,churned\n{}\n", lines.join("\n"));
    assert_eq!(load_flat_from_reader(text.as_bytes(), "f.csv", &options).unwrap().dataset.n_rows(), 40);
}

/// A tester's second pass: `score` hints `--na-values` for a missing-value marker in a numeric
/// feature (as `target` and `report` do); `train` with a single churned row names `--cv-folds`
/// (it said "only one class present in logistic regression" of a file with both).
#[test]
fn score_hints_na_values_and_train_names_a_lone_churner() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,usage,churned\n");
    for i in 0..60 {
        text.push_str(&format!("c{i},{},{}\n", (i * 7) % 13, if i == 4 { "yes" } else { "no" }));
    }
    let lone = write(dir.path(), "lone.csv", &text);
    let model = dir.path().join("m.json").to_str().unwrap().to_owned();
    let e = stderr(&run(&["train", "--data", &lone, "--model", "logistic", "--out", &model]));
    assert!(e.contains("invalid parameter `--cv-folds` = 5: only 1 churned row"), "{e}");
    let o = run(&["train", "--data", &lone, "--model", "logistic", "--cv-folds", "0", "--out", &model, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let na = write(dir.path(), "na.csv", &text.replacen("c3,8,", "c3,NA,", 1));
    let out = dir.path().join("s.csv").to_str().unwrap().to_owned();
    let e = stderr(&run(&["score", "--model", &model, "--data", &na, "--out", &out]));
    assert!(e.contains("na.csv:5 column `usage`") && e.contains("declare it with --na-values NA"), "{e}");
}
