//! The bad-input corpus (`tests/bad_input/*/case.json`, written by `make_corpus.py`): every case
//! is read in strict mode (the exact error kind, file, line, column and value) and in lenient
//! mode (rows skipped by reason, rows kept). Raw tables, flat tables, model files and scoring
//! (every record written in lenient mode, unscored ones with their reason).

use std::path::{Path, PathBuf};

use attrition::io::flat::{FlatOptions, FlatWarning, load_flat};
use attrition::io::tables::Strictness;
use attrition::io::tables::{ReadOptions, Tables, read_tables};
use attrition::models::trained::{ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Column, Dataset, Error};
use serde_json::Value;

fn corpus() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut cases: Vec<(PathBuf, Value)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").exists())
        .map(|p| {
            let spec = serde_json::from_str(&std::fs::read_to_string(p.join("case.json")).unwrap()).unwrap();
            (p, spec)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn error_name(e: &Error) -> &'static str {
    match e {
        Error::Io { .. } => "Io",
        Error::BadRow { .. } => "BadRow",
        Error::BadHeader { .. } => "BadHeader",
        Error::EmptyInput { .. } => "EmptyInput",
        Error::ColumnNotFound { .. } => "ColumnNotFound",
        Error::Json { .. } => "Json",
        Error::EmptyData { .. } => "EmptyData",
        Error::SingleClass { .. } => "SingleClass",
        Error::FeatureMismatch { .. } => "FeatureMismatch",
        Error::SchemaVersion { .. } => "SchemaVersion",
        Error::InvalidParameter { .. } => "InvalidParameter",
        Error::BadCatalogue { .. } => "BadCatalogue",
        Error::ModelChecksum { .. } => "ModelChecksum",
        Error::InvalidModel { .. } => "InvalidModel",
        Error::OutputIsInput { .. } => "OutputIsInput",
        Error::OutputExists { .. } => "OutputExists",
        Error::BadSchema { .. } => "BadSchema",
        Error::ColumnType { .. } => "ColumnType",
        _ => "Other",
    }
}

/// Checks an outcome against `expected` (`{"error": null}` = success).
fn check(case: &str, outcome: Result<(), Error>, expected: &Value) {
    let want = expected["error"].as_str();
    match (outcome, want) {
        (Ok(()), None) => {}
        (Ok(()), Some(w)) => panic!("{case}: expected {w}, got success"),
        (Err(e), None) => panic!("{case}: expected success, got {e}"),
        (Err(e), Some(w)) => {
            assert_eq!(error_name(&e), w, "{case}: {e}");
            let msg = e.to_string();
            if let Some(s) = expected["reason_contains"].as_str() {
                assert!(msg.contains(s), "{case}: `{msg}` lacks `{s}`");
            }
            if let Error::BadRow { location, problem, value, .. } = &e {
                assert_eq!(
                    serde_json::to_value(problem).unwrap().as_str().unwrap().replace('_', ""),
                    expected["problem"].as_str().unwrap().to_lowercase(),
                    "{case}: {msg}"
                );
                assert_eq!(
                    location.file.file_name().unwrap().to_str().unwrap(),
                    expected["file"].as_str().unwrap(),
                    "{case}"
                );
                assert_eq!(location.line, expected["line"].as_u64().unwrap(), "{case}: {msg}");
                assert_eq!(location.column.as_deref(), expected["column"].as_str(), "{case}: {msg}");
                // Every row of a Parquet file is named with its row group (0-based).
                if location.file.extension().is_some_and(|x| x == "parquet") {
                    assert!(location.row_group.is_some(), "{case}: no row group in `{msg}`");
                    assert!(msg.contains(" (row group "), "{case}: `{msg}`");
                }
                if let Some(g) = expected.get("row_group") {
                    assert_eq!(location.row_group.map(u64::from), g.as_u64(), "{case}: {msg}");
                }
                if let Some(v) = expected["value"].as_str() {
                    assert_eq!(value, v, "{case}");
                }
            }
            if let (
                Some(f),
                Error::BadHeader { file, .. } | Error::EmptyInput { file, .. } | Error::ColumnType { file, .. },
            ) = (expected["file"].as_str(), &e)
            {
                assert_eq!(file.file_name().unwrap().to_str().unwrap(), f, "{case}");
            }
        }
    }
}

fn counts_of(tables: &Tables, what: &str) -> u64 {
    (match what {
        "customers" => tables.customers.len(),
        "subscriptions" => tables.subscriptions.len(),
        "events" => tables.events.len(),
        "nps" => tables.nps.len(),
        _ => panic!("unknown table {what}"),
    }) as u64
}

fn check_lenient_skips(case: &str, skipped: std::collections::BTreeMap<String, u64>, expected: &Value) {
    let want: std::collections::BTreeMap<String, u64> =
        expected["skipped"].as_object().unwrap().iter().map(|(k, v)| (k.to_lowercase(), v.as_u64().unwrap())).collect();
    let got: std::collections::BTreeMap<String, u64> =
        skipped.into_iter().map(|(k, v)| (k.replace('_', ""), v)).collect();
    assert_eq!(got, want, "{case}: skipped rows by reason");
}

fn skipped_map<'a>(
    it: impl Iterator<Item = (&'a attrition::error::RowProblem, &'a u64)>,
) -> std::collections::BTreeMap<String, u64> {
    let mut m = std::collections::BTreeMap::new();
    for (p, n) in it {
        *m.entry(serde_json::to_value(p).unwrap().as_str().unwrap().to_string()).or_insert(0) += n;
    }
    m
}

/// Reads a case's tables, through its `schema.toml` when it has one.
fn read_case(dir: &Path, options: &ReadOptions) -> Result<attrition::io::tables::LoadedTables, Error> {
    let schema = dir.join("schema.toml");
    if schema.exists() {
        let text = std::fs::read_to_string(&schema).unwrap();
        let schema = attrition::io::schema::Schema::from_toml(&text, "s.toml")?;
        attrition::io::tables::read_tables_with(dir, Some(&schema), options)
    } else {
        read_tables(dir, options)
    }
}

fn run_tables(case: &str, dir: &Path, spec: &Value) {
    check(case, read_case(dir, &ReadOptions::strict()).map(|_| ()), &spec["strict"]);
    if spec["lenient"].is_null() {
        return;
    }
    let loaded = read_case(dir, &ReadOptions::lenient()).unwrap_or_else(|e| panic!("{case}: lenient read failed: {e}"));
    check_lenient_skips(case, skipped_map(loaded.report.files.iter().flat_map(|f| f.skipped.iter())), &spec["lenient"]);
    for (table, n) in spec["lenient"]["loaded"].as_object().unwrap() {
        assert_eq!(counts_of(&loaded.tables, table), n.as_u64().unwrap(), "{case}: rows kept in {table}");
    }
}

fn flat_options(spec: &Value) -> FlatOptions {
    let o = &spec["options"];
    let mut f = FlatOptions::new().target(o["target"].as_str().unwrap());
    f = match o["id"].as_str().unwrap() {
        "none" => f.row_ids(),
        id => f.id(id),
    };
    for v in o["na_values"].as_array().into_iter().flatten() {
        f = f.na_value(v.as_str().unwrap());
    }
    for v in o["categorical"].as_array().into_iter().flatten() {
        f = f.categorical(v.as_str().unwrap());
    }
    for v in o["numeric"].as_array().into_iter().flatten() {
        f = f.numeric(v.as_str().unwrap());
    }
    for v in o["keep"].as_array().into_iter().flatten() {
        f = f.keep(v.as_str().unwrap());
    }
    if let Some(d) = o["delimiter"].as_str() {
        f = f.delimiter(attrition::io::parse::parse_delimiter(d).unwrap());
    }
    match o["positive"].as_str() {
        Some(p) => f.positive(p),
        None => f,
    }
}

fn run_flat(case: &str, dir: &Path, spec: &Value) {
    let path = dir.join(spec["data_file"].as_str().unwrap_or("data.csv"));
    check(case, load_flat(&path, &flat_options(spec)).map(|_| ()), &spec["strict"]);
    if spec["lenient"].is_null() {
        return;
    }
    let loaded = load_flat(&path, &flat_options(spec).lenient()).unwrap_or_else(|e| panic!("{case}: {e}"));
    check_lenient_skips(case, skipped_map(loaded.report.skipped.iter()), &spec["lenient"]);
    assert_eq!(
        loaded.dataset.n_rows() as u64,
        spec["lenient"]["loaded"]["rows"].as_u64().unwrap(),
        "{case}: rows kept"
    );
    // Data-quality warnings: the columns named, in order.
    if let Some(want) = spec["lenient"]["warnings"].as_array() {
        let got: Vec<String> = loaded
            .report
            .warnings
            .iter()
            .map(|w| match w {
                FlatWarning::MissingMarkersMadeCategorical { column, .. }
                | FlatWarning::IdLikeColumnDropped { column, .. } => column.clone(),
                FlatWarning::MissingMarkersAsCategories { columns, .. } => columns.join(","),
                other => format!("{other}"),
            })
            .collect();
        let want: Vec<String> = want.iter().map(|v| v.as_str().unwrap().to_string()).collect();
        assert_eq!(got, want, "{case}: warnings");
    }
    for c in spec["lenient"]["numeric"].as_array().into_iter().flatten() {
        let c = c.as_str().unwrap();
        assert!(loaded.dataset.column(c).and_then(|c| c.as_numeric()).is_some(), "{case}: `{c}` should be numeric");
    }
    for c in spec["lenient"]["categorical"].as_array().into_iter().flatten() {
        let c = c.as_str().unwrap();
        assert!(
            loaded.dataset.column(c).and_then(|c| c.as_categorical()).is_some(),
            "{case}: `{c}` should be categorical"
        );
    }
    for c in spec["lenient"]["absent"].as_array().into_iter().flatten() {
        let c = c.as_str().unwrap();
        assert!(loaded.dataset.column(c).is_none(), "{case}: `{c}` should be left out");
    }
}

/// Scoring `data.csv` with a small model: strict outcome, and in lenient mode one output row per
/// input record with the expected `score_error` cells (the report's counts agree).
fn run_score(case: &str, dir: &Path, spec: &Value) {
    let (model, _) = small_model(ModelKind::Logistic);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("scores.csv");
    let input = dir.join("data.csv");
    let strict = score_csv(&model, &input, &out, &ScoreOptions::default(), |_| {});
    check(case, strict.map(|_| ()), &spec["strict"]);
    let lenient = ScoreOptions { strictness: Strictness::Lenient, ..ScoreOptions::default() };
    let report = score_csv(&model, &input, &out, &lenient, |_| {}).unwrap_or_else(|e| panic!("{case}: lenient: {e}"));
    let want: Vec<&str> =
        spec["lenient"]["score_error"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(rdr.headers().unwrap().iter().next_back(), Some("score_error"), "{case}");
    let got: Vec<String> = rdr.records().map(|r| r.unwrap().iter().next_back().unwrap().to_string()).collect();
    assert_eq!(got, want, "{case}: score_error per output row");
    let unscored = want.iter().filter(|e| !e.is_empty()).count() as u64;
    assert_eq!(
        (report.rows_read, report.rows_scored, report.rows_unscored),
        (want.len() as u64, want.len() as u64 - unscored, unscored),
        "{case}: report"
    );
}

fn small_model(kind: ModelKind) -> (TrainedModel, Dataset) {
    let n = 200;
    let x: Vec<f64> = (0..n).map(|i| (i % 17) as f64).collect();
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(if i % 2 == 0 { "a" } else { "b" })).collect();
    let y: Vec<bool> = (0..n).map(|i| i % 17 > 11 || i % 5 == 0).collect();
    let data = Dataset::new(vec![Column::numeric("x", x), Column::categorical("plan", &plan)])
        .unwrap()
        .with_churned(y)
        .unwrap();
    (ModelParams::new(kind).fit(&data).unwrap(), data)
}

/// Writes `v` as a model file with the checksum of what it holds, so that the checks after the
/// checksum are what refuses it; a body that does not parse as a model is written without one.
fn write_crafted(path: &Path, mut v: Value) {
    if let Ok(m) = serde_json::from_value::<TrainedModel>(v.clone()) {
        v["checksum"] = Value::String(attrition::models::file::checksum(&m).unwrap());
    }
    std::fs::write(path, serde_json::to_vec(&v).unwrap()).unwrap();
}

/// A forest of one tree that is a chain of `depth` splits over `n_features` inputs: each split
/// sends values below it to a leaf and the rest down the chain.
fn chain_forest(depth: usize, n_features: usize) -> Value {
    let n = 2 * depth + 1;
    let mut f = serde_json::json!({
        "n_features": n_features, "roots": [0], "feature": vec![0; n], "threshold": vec![0.0; n],
        "left": (0..n).collect::<Vec<_>>(), "right": (0..n).collect::<Vec<_>>(),
        "default_left": vec![false; n], "value": vec![0.0; n], "cover": vec![1.0; n], "gain": vec![0.0; n],
    });
    for i in 0..depth {
        let k = 2 * i;
        f["feature"][k] = (i % n_features).into();
        f["threshold"][k] = (i as f64 + 0.5).into();
        f["left"][k] = (k + 1).into();
        f["right"][k] = (k + 2).into();
        f["value"][k + 1] = (0.01 * ((i % 7) as f64 - 3.0)).into();
        f["cover"][k] = (2.0 * (depth - i) as f64 + 1.0).into();
    }
    f
}

/// A crafted model file for `mutation` of a small model of family `base`.
fn crafted(path: &Path, base: &str, mutation: &str) {
    let kind: ModelKind = base.parse().unwrap();
    let (model, _) = small_model(kind);
    model.save(path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    match mutation {
        "reverse_features" => v["features"].as_array_mut().unwrap().reverse(),
        "huge_coefficients" => {
            for (k, c) in v["fitted"]["coef"].as_array_mut().unwrap().iter_mut().enumerate() {
                *c = (if k % 2 == 0 { 1e308 } else { -1e308 }).into();
            }
        }
        "churn_rate_5" => v["training_churn_rate"] = 5.0.into(),
        "kind_gbdt" => v["kind"] = "gbdt".into(),
        "sd_zero" => v["preprocessor"]["inputs"][0]["sd"] = 0.0.into(),
        "duplicate_level" => v["preprocessor"]["inputs"][1]["levels"] = serde_json::json!(["a", "a"]),
        "bit_flip" => {
            // The first digit after the intercept's leading digits, one bit flipped ('4' ↔ '5', …).
            let at = text.find("\"intercept\":").unwrap() + 16;
            let mut bytes = text.into_bytes();
            let k = (at..).find(|&k| bytes[k].is_ascii_digit() && (bytes[k] ^ 1).is_ascii_digit()).unwrap();
            bytes[k] ^= 1;
            std::fs::write(path, bytes).unwrap();
            return;
        }
        "hand_edit" => {
            std::fs::write(path, text.replacen("\"training_rows\":200", "\"training_rows\":201", 1)).unwrap();
            return;
        }
        "version_1" => {
            v.as_object_mut().unwrap().remove("checksum");
            v["schema_version"] = 1.into();
            std::fs::write(path, serde_json::to_vec(&v).unwrap()).unwrap();
            return;
        }
        chain if chain.starts_with("chain_") => {
            let depth: usize = chain["chain_".len()..].parse().unwrap();
            let n_features = v["fitted"]["forest"]["n_features"].as_u64().unwrap() as usize;
            v["fitted"]["forest"] = chain_forest(depth, n_features);
        }
        "shared_subtree" => {
            // Node 0's two children are the same node.
            let n_features = v["fitted"]["forest"]["n_features"].as_u64().unwrap() as usize;
            let mut f = chain_forest(3, n_features);
            f["left"][0] = 2.into();
            v["fitted"]["forest"] = f;
        }
        "width_plus_one" => {
            let n = v["fitted"]["forest"]["n_features"].as_u64().unwrap();
            v["fitted"]["forest"]["n_features"] = (n + 1).into();
        }
        "huge_leaf" | "leaf_1_5" => {
            let value = if mutation == "huge_leaf" { 1e308 } else { 1.5 };
            let left = v["fitted"]["forest"]["left"].as_array().unwrap().clone();
            let leaf = (0..left.len()).find(|&k| left[k].as_u64() == Some(k as u64)).unwrap();
            v["fitted"]["forest"]["value"][leaf] = value.into();
        }
        m => panic!("unknown mutation {m}"),
    }
    write_crafted(path, v);
}

fn run_model(case: &str, spec: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    if let Some(base) = spec["base"].as_str() {
        crafted(&path, base, spec["mutation"].as_str().unwrap());
        check(case, TrainedModel::load(&path).map(|_| ()), &spec["strict"]);
        return;
    }
    let (model, data) = small_model(ModelKind::Logistic);
    model.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let outcome = match spec["mutation"].as_str().unwrap() {
        "truncate" => {
            std::fs::write(&path, &text[..text.len() * 2 / 3]).unwrap();
            TrainedModel::load(&path).map(|_| ())
        }
        "edit_type" => {
            std::fs::write(&path, text.replacen("\"training_rows\":200", "\"training_rows\":\"two hundred\"", 1))
                .unwrap();
            TrainedModel::load(&path).map(|_| ())
        }
        "schema_99" => {
            std::fs::write(&path, text.replacen("\"schema_version\":4", "\"schema_version\":99", 1)).unwrap();
            TrainedModel::load(&path).map(|_| ())
        }
        "not_a_model" => {
            std::fs::write(&path, "{\"hello\": \"world\"}").unwrap();
            TrainedModel::load(&path).map(|_| ())
        }
        "drop_feature" => {
            let mut d = data.clone();
            d.columns.retain(|c| c.name != "plan");
            model.predict_proba(&d).map(|_| ())
        }
        "kind_change" => {
            let mut d = data.clone();
            let as_text: Vec<Option<String>> = (0..d.n_rows()).map(|i| Some(format!("v{i}"))).collect();
            d.columns[0] = Column::categorical("x", &as_text);
            model.predict_proba(&d).map(|_| ())
        }
        m => panic!("unknown mutation {m}"),
    };
    check(case, outcome, &spec["strict"]);
}

/// A model file kept as found (e.g. a fuzz crash): it must load with a clear error, or load and
/// score a small dataset without a panic.
fn run_model_file(case: &str, dir: &Path, spec: &Value) {
    let outcome = TrainedModel::load(dir.join("model.json")).and_then(|m| {
        let d = Dataset::new(vec![
            Column::numeric("x", vec![0.0, 1.5, f64::NAN]),
            Column::categorical("plan", &[Some("a"), None, Some("zzz")]),
        ])?;
        m.predict_proba(&d)?;
        m.explain(&d).map(|_| ())
    });
    check(case, outcome, &spec["strict"]);
}

/// An event catalogue file: read and turned into roles, or a clear error naming the file.
fn run_catalogue(case: &str, dir: &Path, spec: &Value) {
    let path = dir.join("catalogue.json");
    let outcome = attrition::catalogue::CatalogueFile::read(&path).and_then(|f| f.event_catalogue()).map(|_| ());
    if let Err(e) = &outcome {
        assert!(e.to_string().contains("catalogue.json"), "{case}: the error names the file: {e}");
    }
    check(case, outcome, &spec["strict"]);
}

#[test]
fn bad_input_corpus() {
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus has only {} cases", cases.len());
    let mut failures = Vec::new();
    for (dir, spec) in &cases {
        let case = dir.file_name().unwrap().to_str().unwrap().to_string();
        let result = std::panic::catch_unwind(|| match spec["kind"].as_str().unwrap() {
            "tables" => run_tables(&case, dir, spec),
            "flat" => run_flat(&case, dir, spec),
            "score" => run_score(&case, dir, spec),
            "model" => run_model(&case, spec),
            "model_file" => run_model_file(&case, dir, spec),
            "catalogue" => run_catalogue(&case, dir, spec),
            k => panic!("{case}: unknown kind {k}"),
        });
        if let Err(e) = result {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            failures.push(msg.unwrap_or_else(|| case.clone()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
