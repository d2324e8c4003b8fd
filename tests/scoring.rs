//! Scoring invariants on every model family: N rows in → N rows out, in input order, with ids;
//! scoring from 8 threads at once gives identical results; bad rows are written unscored and
//! counted in lenient mode and are a located error in strict mode.

use std::io::Write;

use attrition::io::tables::Strictness;
use attrition::models::trained::{ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Column, Dataset, Error};

fn training(n: usize) -> Dataset {
    let usage: Vec<f64> = (0..n).map(|i| ((i * 37) % 50) as f64).collect();
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(["basic", "pro", "team"][i % 3])).collect();
    let y: Vec<bool> = (0..n).map(|i| usage[i] < 12.0 || (i % 3 == 0 && i % 7 == 0)).collect();
    Dataset::new(vec![Column::numeric("usage", usage), Column::categorical("plan", &plan)])
        .unwrap()
        .with_churned(y)
        .unwrap()
}

fn models() -> Vec<TrainedModel> {
    let data = training(900);
    [ModelKind::Logistic, ModelKind::Tree, ModelKind::Gbdt, ModelKind::Ensemble]
        .into_iter()
        .map(|k| ModelParams::new(k).seed(3).fit(&data).unwrap())
        .collect()
}

fn write_input(path: &std::path::Path, n: usize, bad_every: Option<usize>) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "customer_id,plan,usage,extra").unwrap();
    for i in 0..n {
        let usage =
            if bad_every.is_some_and(|k| i % k == 5) { "lots".to_string() } else { ((i * 13) % 50).to_string() };
        let plan = ["basic", "pro", "team", "enterprise", ""][i % 5];
        writeln!(f, "id-{i},{plan},{usage},ignored").unwrap();
    }
}

#[test]
fn n_rows_in_n_rows_out_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    write_input(&input, 10_000, None);
    for m in models() {
        let out = dir.path().join("out.csv");
        let opts = ScoreOptions { chunk_rows: 777, ..ScoreOptions::default() };
        let report = score_csv(&m, &input, &out, &opts, |_| {}).unwrap();
        assert_eq!((report.rows_read, report.rows_scored, report.rows_unscored), (10_000, 10_000, 0), "{}", m.kind);
        // "enterprise" was never seen in training.
        assert_eq!(report.unseen_categories, 2000);
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "customer_id,p_churn,risk_tier,reason_1,reason_2,reason_3,reason_1_text,reason_2_text,reason_3_text,action"
        );
        assert_eq!(lines.len(), 10_001);
        for (i, l) in lines[1..].iter().enumerate() {
            assert!(l.starts_with(&format!("id-{i},")), "{}: row {i} is `{l}`", m.kind);
        }
    }
}

#[test]
fn scoring_from_eight_threads_is_identical() {
    let data = training(2000);
    for m in models() {
        let reference = m.predict_proba(&data).unwrap();
        let results: Vec<Vec<f64>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| m.predict_proba(&data).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in results {
            assert!(r == reference, "{}: a thread got different scores", m.kind);
        }
    }
}

#[test]
fn bad_rows_are_counted_or_located() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    write_input(&input, 1000, Some(100));
    let m = &models()[0];
    let out = dir.path().join("out.csv");
    let lenient = ScoreOptions { strictness: Strictness::Lenient, ..ScoreOptions::default() };
    let report = score_csv(m, &input, &out, &lenient, |_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_scored, report.rows_unscored), (1000, 990, 10));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1001);
    assert!(text.lines().nth(6).unwrap().starts_with("id-5,,unscored"));
    let err = score_csv(m, &input, &out, &ScoreOptions::default(), |_| {}).unwrap_err();
    match err {
        Error::BadRow { location, value, .. } => {
            assert_eq!(location.line, 7);
            assert_eq!(location.column.as_deref(), Some("usage"));
            assert_eq!(value, "lots");
        }
        other => panic!("expected a located bad row, got {other}"),
    }
    // Fields are parsed in parallel blocks of rows: over many blocks, every bad row is still
    // counted and written unscored in its place.
    write_input(&input, 9000, Some(100));
    let report = score_csv(m, &input, &out, &lenient, |_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_scored, report.rows_unscored), (9000, 8910, 90));
    let text = std::fs::read_to_string(&out).unwrap();
    for (i, line) in text.lines().skip(1).enumerate() {
        assert_eq!(line.contains(",,unscored"), i % 100 == 5, "row {i}: {line}");
    }
    // Strict: the first bad line is the error, even when a broken record follows in the chunk.
    let mut body = std::fs::read_to_string(&input).unwrap();
    body.push_str("id-x,basic\n");
    std::fs::write(&input, body).unwrap();
    match score_csv(m, &input, &out, &ScoreOptions::default(), |_| {}).unwrap_err() {
        Error::BadRow { location, .. } => assert_eq!((location.line, location.column.as_deref()), (7, Some("usage"))),
        other => panic!("expected the bad number on line 7, got {other}"),
    }
    // A broken record alone is located too.
    write_input(&input, 3000, None);
    let mut body = std::fs::read_to_string(&input).unwrap();
    body.push_str("id-x,basic\n");
    std::fs::write(&input, body).unwrap();
    match score_csv(m, &input, &out, &ScoreOptions::default(), |_| {}).unwrap_err() {
        Error::BadRow { location, .. } => assert_eq!(location.line, 3002),
        other => panic!("expected the short record on line 3002, got {other}"),
    }
    // A model feature missing from the input is a clear header error.
    std::fs::write(&input, "customer_id,plan\nA,basic\n").unwrap();
    assert!(matches!(score_csv(m, &input, &out, &ScoreOptions::default(), |_| {}), Err(Error::BadHeader { .. })));
}

/// `attrition score … | head -1`: the reader goes away before the summary is printed. The tool
/// ends quietly and successfully, as a Unix tool does, instead of panicking on the closed pipe.
#[test]
fn a_closed_stdout_ends_the_cli_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (input, model, out) = (dir.path().join("in.csv"), dir.path().join("m.json"), dir.path().join("out.csv"));
    write_input(&input, 20_000, None);
    models()[2].save(&model).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["score", "--model", model.to_str().unwrap(), "--data", input.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before the first line
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(done.status.success(), "{:?}: {stderr}", done.status);
    // The scores were written all the same.
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 20_001);
}

/// Decimal commas detected from the first chunk (a decimal-point model, a `;` file): the same
/// probabilities as the decimal-point file, reported; only the first chunk decides, and a
/// decimal point in a later chunk then stops the run (lenient too), naming both ways out.
#[test]
fn decimal_commas_are_detected_from_the_first_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let m = &ModelParams::new(ModelKind::Logistic).seed(3).fit(&training(300)).unwrap();
    let (point, comma) = (dir.path().join("point.csv"), dir.path().join("comma.csv"));
    let (mut p, mut c) = (String::from("customer_id;plan;usage\n"), String::from("customer_id;plan;usage\n"));
    for i in 0..40 {
        let usage = format!("{}.{}", (i * 13) % 50, i % 10);
        p.push_str(&format!("c{i};basic;{usage}\n"));
        c.push_str(&format!("c{i};basic;{}\n", usage.replace('.', ",")));
    }
    std::fs::write(&point, &p).unwrap();
    std::fs::write(&comma, &c).unwrap();
    let options = ScoreOptions { chunk_rows: 8, ..ScoreOptions::for_model(m) };
    let out = |n: &str| dir.path().join(n);
    let plain = score_csv(m, &point, &out("p.csv"), &options, |_| {}).unwrap();
    let detected = score_csv(m, &comma, &out("c.csv"), &options, |_| {}).unwrap();
    assert!(!plain.decimal_comma_detected && detected.decimal_comma_detected);
    assert_eq!(std::fs::read(out("p.csv")).unwrap(), std::fs::read(out("c.csv")).unwrap());
    // Told otherwise, no detection: the first decimal comma is a bad number naming the flag.
    let told = ScoreOptions { detect_decimal_comma: false, ..options.clone() };
    let e = score_csv(m, &comma, &out("t.csv"), &told, |_| {}).unwrap_err().to_string();
    assert!(e.contains("comma.csv:2 column `usage`") && e.contains("--decimal-comma true"), "{e}");
    // A decimal point after the first chunk (line 20): an error, in lenient mode too.
    let mixed = dir.path().join("mixed.csv");
    let mut lines: Vec<&str> = c.lines().collect();
    let point_line = p.lines().nth(19).unwrap().to_owned();
    lines[19] = &point_line;
    std::fs::write(&mixed, lines.join("\n") + "\n").unwrap();
    let lenient = ScoreOptions { strictness: Strictness::Lenient, ..options };
    let e = score_csv(m, &mixed, &out("m.csv"), &lenient, |_| {}).unwrap_err().to_string();
    assert!(e.contains("mixed.csv:20 column `usage`") && e.contains("as the file's first rows have"), "{e}");
    assert!(e.contains("--decimal-comma true or false"), "{e}");
}
