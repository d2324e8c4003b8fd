//! Flat files in the shapes companies export them (issue 15, items 3 and 6): the same Telco data
//! written with other delimiters at test time loads to the same dataset and gives bit-identical
//! out-of-fold predictions; every public flat dataset in `../shared/datasets` loads with the
//! options the README lists (one command line each, no hand edits).

use std::path::{Path, PathBuf};

use attrition::evaluation::cross_val_predict;
use attrition::io::flat::{FlatOptions, FlatWarning, load_flat};
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::validation::stratified_k_fold;

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets").join(rel)
}

/// Rewrites a CSV with another delimiter (fields holding the new delimiter are quoted).
fn rewrite(src: &Path, dst: &Path, delimiter: u8) {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_path(src).unwrap();
    let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_path(dst).unwrap();
    for r in rdr.records() {
        w.write_record(&r.unwrap()).unwrap();
    }
    w.flush().unwrap();
}

fn gzip(src: &Path, dst: &Path) {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(dst).unwrap(), flate2::Compression::fast());
    e.write_all(&std::fs::read(src).unwrap()).unwrap();
    e.finish().unwrap();
}

/// Rewrites a CSV as JSON Lines: the id and target at the top level, every other column under
/// `properties` (as analytics exports nest them); numbers as JSON numbers, blanks as `null`.
fn to_json_lines(src: &Path, dst: &Path, top: &[&str]) {
    use std::io::Write;
    let mut rdr = csv::Reader::from_path(src).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dst).unwrap());
    let value = |v: &str| match v.trim() {
        "" => serde_json::Value::Null,
        t => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| v.into(), serde_json::Value::Number),
    };
    for r in rdr.records() {
        let r = r.unwrap();
        // Members written in the file's column order (serde_json's map would sort them).
        let mut line = String::from("{");
        let mut props = Vec::new();
        for (h, v) in headers.iter().zip(r.iter()) {
            let member = format!("{}:{}", serde_json::Value::from(h), value(v));
            if top.contains(&h) {
                line.push_str(&member);
                line.push(',');
            } else {
                props.push(member);
            }
        }
        writeln!(out, "{line}\"properties\":{{{}}}}}", props.join(",")).unwrap();
    }
    out.flush().unwrap();
}

fn oof(path: &Path, o: &FlatOptions) -> (Vec<String>, Vec<f64>) {
    let ds = load_flat(path, o).unwrap().dataset;
    let folds = stratified_k_fold(ds.churned.as_deref().unwrap(), 5, 42).unwrap();
    let oof = cross_val_predict(&ModelParams::new(ModelKind::Logistic).seed(42), &ds, &folds).unwrap();
    (ds.feature_names().iter().map(|s| s.to_string()).collect(), oof.p_churn)
}

#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn telco_with_any_delimiter_gives_identical_out_of_fold_predictions() {
    let telco = shared("telco/telco.csv");
    let o = FlatOptions::new().target("Churn").id("customerID");
    let (names, want) = oof(&telco, &o);
    assert_eq!(names.len(), 19);
    let dir = tempfile::tempdir().unwrap();
    // JSON Lines with nested properties: the same predictions (names gain `properties.`).
    let jsonl = dir.path().join("telco.jsonl");
    to_json_lines(&telco, &jsonl, &["customerID", "Churn"]);
    let loaded = load_flat(&jsonl, &o).unwrap();
    assert_eq!(loaded.report.format, attrition::io::InputFormat::JsonLines);
    let (got_names, got) = oof(&jsonl, &o);
    let prefixed: Vec<String> = names.iter().map(|n| format!("properties.{n}")).collect();
    assert_eq!(got_names, prefixed);
    assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "JSON Lines: predictions differ");
    let gz = dir.path().join("telco_semicolons.csv.gz");
    rewrite(&telco, &dir.path().join("semi.csv"), b';');
    gzip(&dir.path().join("semi.csv"), &gz);
    for (d, file) in [(b';', "telco_semicolons.csv"), (b'\t', "telco.tsv"), (b'|', "telco_pipes.csv"), (b';', "gz")] {
        let path = if file == "gz" { gz.clone() } else { dir.path().join(file) };
        if file != "gz" {
            rewrite(&telco, &path, d);
        }
        // Sniffed, and given.
        for o in [o.clone(), o.clone().delimiter(d)] {
            let loaded = load_flat(&path, &o).unwrap();
            assert_eq!(loaded.report.delimiter, d, "{file}");
            let (got_names, got) = oof(&path, &o);
            assert_eq!(got_names, names, "{file}");
            assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "{file}: predictions differ");
        }
    }
}

/// The README's command lines for the shared datasets, as options: each loads, with its id-like
/// columns found, and nothing skipped.
#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn every_shared_flat_dataset_loads_with_one_command_line() {
    // (file, options, rows, features, columns left out as id-like)
    let cases: [(&str, FlatOptions, usize, usize, &[&str]); 5] = [
        ("telco/telco.csv", FlatOptions::new().target("Churn").id("customerID"), 7043, 19, &[]),
        ("dev/attrition.csv", FlatOptions::new().target("Attrition").id("row_id"), 1470, 30, &[]),
        ("dev/credit_data.csv", FlatOptions::new().target("Status").positive("bad").id("row_id"), 4454, 13, &[]),
        ("dev/caravan.csv", FlatOptions::new().target("Purchase").id("row_id"), 5822, 85, &[]),
        // Without --id the row number is found id-like and left out.
        ("dev/default.csv", FlatOptions::new().target("default").row_ids(), 10000, 3, &["row_id"]),
    ];
    for (file, o, rows, features, id_like) in cases {
        let loaded = load_flat(shared(file), &o).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(loaded.dataset.n_rows(), rows, "{file}");
        assert_eq!(loaded.dataset.n_features(), features, "{file}: {:?}", loaded.dataset.feature_names());
        assert_eq!(loaded.report.skipped_total(), 0, "{file}");
        let dropped: Vec<&str> = loaded
            .report
            .warnings
            .iter()
            .filter_map(|w| match w {
                FlatWarning::IdLikeColumnDropped { column, .. } => Some(column.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(dropped, id_like, "{file}");
        assert_eq!(loaded.report.dropped_id_like, id_like, "{file}");
    }
}

/// Without its id column named, Telco's `customerID` (all distinct) is left out as id-like and
/// rows are numbered; `--keep` brings it back as a (useless) feature.
#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn telco_customer_id_is_found_id_like() {
    let telco = shared("telco/telco.csv");
    let loaded = load_flat(&telco, &FlatOptions::new().target("Churn").row_ids()).unwrap();
    assert_eq!(loaded.report.dropped_id_like, vec!["customerID".to_string()]);
    let ids = loaded.dataset.ids.as_ref().unwrap();
    assert_eq!((ids[0].as_str(), ids[7042].as_str()), ("1", "7043"));
    let kept = load_flat(&telco, &FlatOptions::new().target("Churn").row_ids().keep("customerID")).unwrap();
    assert!(kept.dataset.column("customerID").is_some() && kept.report.dropped_id_like.is_empty());
}

/// A gzip-compressed CSV is read whatever its name (magic bytes), through a pipe too; a truncated
/// one is an error naming the file, never a silently shorter dataset.
#[test]
fn gzip_inputs_are_read_and_a_truncated_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let mut text = String::from("id;plan;usage;churned\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "c{i};{};{};{}\n",
            ["basic", "pro"][i % 2],
            i % 37,
            if i % 3 == 0 { "yes" } else { "no" }
        ));
    }
    std::fs::write(&csv, &text).unwrap();
    let gz = dir.path().join("t.data");
    gzip(&csv, &gz);
    let o = FlatOptions::new().target("churned").id("id");
    let plain = load_flat(&csv, &o).unwrap();
    let packed = load_flat(&gz, &o).unwrap();
    assert_eq!(packed.dataset.n_rows(), 2000);
    assert_eq!(packed.dataset.feature_names(), plain.dataset.feature_names());
    assert_eq!(packed.dataset.churned, plain.dataset.churned);
    let bytes = std::fs::read(&gz).unwrap();
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_flat(&cut, &o).unwrap_err().to_string();
    assert!(err.contains("cut.csv.gz"), "{err}");
}

/// A file exported the way many companies' tools do — semicolons, decimal commas, `NA` for
/// missing, no id column — trains and scores with one command line each: `score` reads it as the
/// model's training file was read (recorded in the model file), and gives the probabilities of
/// the same data written with commas, decimal points, blanks and an id column.
#[test]
fn a_european_export_trains_and_scores_like_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, euro) = (dir.path().join("plain.csv"), dir.path().join("euro.csv"));
    let mut p = String::from("id,plan,charges,tenure,churned\n");
    let mut e = String::from("plan;charges;tenure;churned\n");
    for i in 0..120u32 {
        let plan = ["basic", "pro", "team"][(i % 3) as usize];
        let charges = format!("{}.{:02}", 10 + (i * 7) % 90, (i * 13) % 100);
        let tenure = if i % 11 == 0 { String::new() } else { ((i * 5) % 37).to_string() };
        let churned = if (i * 7) % 10 < 3 || (i % 3 == 0 && i % 2 == 0) { "yes" } else { "no" };
        p.push_str(&format!("c{i},{plan},{charges},{tenure},{churned}\n"));
        let tenure = if tenure.is_empty() { "NA".into() } else { tenure };
        e.push_str(&format!("{plan};{};{tenure};{churned}\n", charges.replace('.', ",")));
    }
    std::fs::write(&plain, p).unwrap();
    std::fs::write(&euro, e).unwrap();
    let bin = env!("CARGO_BIN_EXE_attrition");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let path = |f: &str| dir.path().join(f).to_str().unwrap().to_owned();
    let stderr = run(&[
        "train",
        "--data",
        &path("euro.csv"),
        "--id",
        "none",
        "--na-values",
        "NA",
        "--model",
        "logistic",
        "--out",
        &path("euro.json"),
        "--quiet",
    ]);
    assert!(!stderr.contains("warning"), "{stderr}");
    run(&[
        "train",
        "--data",
        &path("plain.csv"),
        "--id",
        "id",
        "--model",
        "logistic",
        "--out",
        &path("plain.json"),
        "--quiet",
    ]);
    let model: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path("euro.json")).unwrap()).unwrap();
    assert_eq!(model["input"], serde_json::json!({"row_ids": true, "na_values": ["NA"], "decimal_comma": true}));
    // No --id, --na-values or delimiter: the model file says how its data was read.
    run(&[
        "score",
        "--model",
        &path("euro.json"),
        "--data",
        &path("euro.csv"),
        "--out",
        &path("euro_scores.csv"),
        "--quiet",
    ]);
    run(&[
        "score",
        "--model",
        &path("plain.json"),
        "--data",
        &path("plain.csv"),
        "--out",
        &path("plain_scores.csv"),
        "--quiet",
    ]);
    let p_churn = |f: &str| -> Vec<(String, String)> {
        let mut r = csv::Reader::from_path(path(f)).unwrap();
        r.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[1].to_string())).collect()
    };
    let (euro_scores, plain_scores) = (p_churn("euro_scores.csv"), p_churn("plain_scores.csv"));
    assert_eq!(euro_scores.len(), 120);
    assert_eq!(euro_scores[0].0, "1", "rows numbered");
    let probs = |v: &[(String, String)]| v.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>();
    assert_eq!(probs(&euro_scores), probs(&plain_scores));
    // A decimal point in a decimal-comma file is a bad number naming line and column, not a guess.
    std::fs::write(path("euro_point.csv"), "plan;charges;tenure\nbasic;12,5;3\npro;12.5;4\n").unwrap();
    let out = std::process::Command::new(bin)
        .args(["score", "--model", &path("euro.json"), "--data", &path("euro_point.csv"), "--out", &path("x.csv")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("euro_point.csv:3 column `charges`") && err.contains("12.5"),
        "{err}"
    );
    assert!(err.contains("--decimal-comma false"), "the message names the way out: {err}");
    // In lenient mode too: `12.500` (line 2) would read as 12500 with decimal commas, so a clear
    // decimal point anywhere (line 3) stops the run instead of leaving such rows misread.
    std::fs::write(path("euro_point2.csv"), "plan;charges;tenure\nbasic;12.500;3\npro;12.55;4\n").unwrap();
    let out = std::process::Command::new(bin)
        .args(["score", "--model", &path("euro.json"), "--data", &path("euro_point2.csv"), "--out", &path("y.csv")])
        .arg("--lenient")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("euro_point2.csv:3 column `charges`"), "{err}");
    assert!(err.contains("--decimal-comma false") && !std::path::Path::new(&path("y.csv")).exists(), "{err}");
    // The other way round: a decimal-point model scores a `;` file whose first rows have decimal
    // commas by reading them so (as `target` and `report` read such a file), saying so, with the
    // same probabilities; told --decimal-comma false, the message names the flag that reads them.
    let semi = ["--model", &path("plain.json"), "--data", &path("euro.csv"), "--id", "none", "--na-values", "NA"];
    let out = std::process::Command::new(bin).arg("score").args(semi).args(["--out", &path("z.csv")]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("numbers read with decimal commas"), "{err}");
    assert_eq!(probs(&p_churn("z.csv")), probs(&plain_scores));
    let out = std::process::Command::new(bin)
        .arg("score")
        .args(semi)
        .args(["--out", &path("z2.csv"), "--decimal-comma", "false"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("pass --decimal-comma true"), "{err}");
    // The same model scores a comma-separated file (which cannot hold unquoted decimal commas)
    // with its decimal points, and a `;` file with decimal points when told so: same
    // probabilities as the plain file's model on the same data.
    std::fs::write(
        path("plain_noid.csv"),
        std::fs::read_to_string(path("euro.csv")).unwrap().replace(',', ".").replace(';', ","),
    )
    .unwrap();
    std::fs::write(path("semi_point.csv"), std::fs::read_to_string(path("euro.csv")).unwrap().replace(',', "."))
        .unwrap();
    for (data, extra) in [("plain_noid.csv", None), ("semi_point.csv", Some("false"))] {
        let (out, model, input) = (path(&format!("{data}.scores.csv")), path("euro.json"), path(data));
        let mut args = vec!["score", "--model", &model, "--data", &input, "--out", &out, "--quiet"];
        if let Some(v) = extra {
            args.extend(["--decimal-comma", v]);
        }
        run(&args);
        assert_eq!(probs(&p_churn(&format!("{data}.scores.csv"))), probs(&euro_scores), "{data}");
    }
}

/// A column of decimal commas in a file whose other numbers have decimal points is not guessed:
/// it is read as categorical with a warning naming it, an example and how many values (a
/// tester's report: it became a 1,585-level categorical without a word).
#[test]
fn decimal_commas_among_decimal_points_are_named() {
    use attrition::io::flat::load_flat_from_reader;
    let mut body = String::from("plan;charges;total;churned\n");
    for i in 0..40 {
        body.push_str(&format!(
            "p{};{},{:02};{}.5;{}\n",
            i % 3,
            10 + i,
            i,
            100 + i,
            if i % 4 == 0 { "yes" } else { "no" }
        ));
    }
    let loaded = load_flat_from_reader(body.as_bytes(), "mixed.csv", &FlatOptions::new().target("churned")).unwrap();
    let warned: Vec<&FlatWarning> = loaded
        .report
        .warnings
        .iter()
        .filter(|w| matches!(w, FlatWarning::DecimalCommasAmongPoints { column, n_comma: 40, n_values: 40, .. } if column == "charges"))
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", loaded.report.warnings);
    assert!(warned[0].to_string().contains("like `10,00`"), "{}", warned[0]);
}
