//! `export-sql`: the exported queries, executed in DuckDB on the bundled sample's snapshot (plus
//! rows of extreme, missing and unseen values), give the library's probabilities to 1e-9 and
//! its risk tiers, for every model kind; every dialect's query parses with `sqlglot`.
//!
//! DuckDB and sqlglot run in Python (`tests/export_sql/run.py`, packages pinned in
//! `tests/requirements.txt`, installed by `.ci/run` into `target/test-venv`; `build.rs` sets
//! `cfg(sql_engines)` when that Python exists, or `ATTRITION_TEST_PYTHON` names one).

use std::collections::HashMap;
mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use attrition::dataset::ColumnKind;
use attrition::export::sql::{Dialect, SqlParams};
use attrition::models::boosted::BoostedParams;
use attrition::models::calibration::{CalibrationMethod, Calibrator};
use attrition::models::trained::{Fitted, ModelKind, ModelParams, TrainedModel};
use attrition::models::tree::TreeParams;
use attrition::models::{ChurnModel, Learner};
use attrition::scoring::risk_tier;
use attrition::{Column, Dataset};
use common::engines::{python, sample};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_sql/run.py")
}

/// The value of every column of row `r` of `ds`, edited by `num` / `cat`.
type NumEdit = fn(f64, usize) -> f64;
type CatEdit = fn(Option<&str>, usize) -> Option<String>;

/// Rows that stress the preprocessing and the trees: missing, unseen, zero, huge, tiny values.
fn edge_rows() -> Vec<(&'static str, NumEdit, CatEdit)> {
    vec![
        ("all missing", |_, _| f64::NAN, |_, _| None),
        (
            "every other missing",
            |v, j| if j % 2 == 0 { f64::NAN } else { v },
            |v, j| if j % 2 == 0 { None } else { v.map(String::from) },
        ),
        (
            "unseen categories",
            |v, _| v,
            |_, j| Some(if j % 2 == 0 { "never-seen".into() } else { "O'Brien \"q\" \\ `x`".into() }),
        ),
        ("zeros", |_, _| 0.0, |v, _| v.map(String::from)),
        ("negative zeros", |_, _| -0.0, |v, _| v.map(String::from)),
        ("tiny", |_, j| if j % 2 == 0 { 1e-300 } else { -5e-324 }, |v, _| v.map(String::from)),
        ("large", |_, _| 1e12, |v, _| v.map(String::from)),
        ("large negative", |_, _| -1e12, |v, _| v.map(String::from)),
        ("huge", |_, _| 1e300, |v, _| v.map(String::from)),
        ("huge negative", |_, _| -1e300, |v, _| v.map(String::from)),
        ("largest", |_, j| if j % 2 == 0 { f64::MAX } else { -f64::MAX }, |v, _| v.map(String::from)),
        ("fractions", |v, j| v + 0.5 + j as f64 * 1e-3, |v, _| v.map(String::from)),
    ]
}

/// Row `r` of `ds` as a one-row dataset, edited.
fn edited(ds: &Dataset, r: usize, num: NumEdit, cat: CatEdit) -> Dataset {
    let cols = ds
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| match (c.as_numeric(), c.as_categorical()) {
            (Some(v), _) => Column::numeric(c.name.clone(), vec![num(v[r], j)]),
            (_, Some(k)) => Column::categorical(c.name.clone(), &[cat(k.value(r), j)]),
            _ => unreachable!(),
        })
        .collect();
    Dataset::new(cols).unwrap()
}

/// Rows of `parts` stacked (same columns).
fn stack(parts: &[Dataset]) -> Dataset {
    let first = &parts[0];
    let cols = first
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| match c.kind() {
            ColumnKind::Numeric => Column::numeric(
                c.name.clone(),
                parts.iter().flat_map(|p| p.columns[j].as_numeric().unwrap().to_vec()).collect(),
            ),
            ColumnKind::Categorical => {
                let v: Vec<Option<String>> = parts
                    .iter()
                    .flat_map(|p| {
                        let k = p.columns[j].as_categorical().unwrap();
                        (0..p.n_rows()).map(|i| k.value(i).map(String::from)).collect::<Vec<_>>()
                    })
                    .collect();
                Column::categorical(c.name.clone(), &v)
            }
        })
        .collect();
    Dataset::new(cols).unwrap()
}

/// Writes `ds` as CSV with a leading `row_id` and the DuckDB types of its columns as JSON.
fn write_data(ds: &Dataset, dir: &Path) -> (PathBuf, PathBuf) {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let csv = dir.join("data.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    let names: Vec<String> = ds.columns.iter().map(|c| q(&c.name)).collect();
    writeln!(f, "row_id,{}", names.join(",")).unwrap();
    for i in 0..ds.n_rows() {
        let mut line = i.to_string();
        for c in &ds.columns {
            line.push(',');
            match (c.as_numeric(), c.as_categorical()) {
                (Some(v), _) if v[i].is_nan() => {}
                (Some(v), _) if v[i].is_infinite() => line.push_str(if v[i] > 0.0 { "inf" } else { "-inf" }),
                (Some(v), _) => line.push_str(&format!("{:?}", v[i])),
                (_, Some(k)) => {
                    if let Some(s) = k.value(i) {
                        line.push_str(&q(s));
                    }
                }
                _ => unreachable!(),
            }
        }
        writeln!(f, "{line}").unwrap();
    }
    f.flush().unwrap();
    let mut types = vec![format!("{}: \"BIGINT\"", serde_json::to_string("row_id").unwrap())];
    for c in &ds.columns {
        let ty = if c.kind() == ColumnKind::Numeric { "DOUBLE" } else { "VARCHAR" };
        types.push(format!("{}: \"{ty}\"", serde_json::to_string(&c.name).unwrap()));
    }
    let json = dir.join("columns.json");
    std::fs::write(&json, format!("{{{}}}", types.join(", "))).unwrap();
    (csv, json)
}

/// `(p_churn, risk_tier)` by row id, from DuckDB executing `sql`.
fn run_duckdb(sql: &str, csv: &Path, columns: &Path, dir: &Path) -> HashMap<usize, (Option<f64>, String)> {
    let query = dir.join("query.sql");
    std::fs::write(&query, sql).unwrap();
    let out = Command::new(python()).arg(script()).arg("duckdb").arg(&query).arg(csv).arg(columns).output().unwrap();
    assert!(out.status.success(), "DuckDB failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut rows = HashMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split(',').collect();
        let p = if f[1] == "NULL" { None } else { Some(f[1].parse::<f64>().unwrap()) };
        assert!(rows.insert(f[0].parse::<usize>().unwrap(), (p, f[2].to_string())).is_none(), "row {} twice", f[0]);
    }
    rows
}

fn parse_with_sqlglot(sql: &str, dialect: Dialect, dir: &Path) {
    let query = dir.join(format!("query.{dialect}.sql"));
    std::fs::write(&query, sql).unwrap();
    let out = Command::new(python()).arg(script()).arg("parse").arg(dialect.name()).arg(&query).output().unwrap();
    assert!(
        out.status.success(),
        "sqlglot could not parse the {dialect} query: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "{dialect}: one statement");
}

/// Saves and reloads `model` (the export reads model files), exports it for DuckDB, executes it
/// on the snapshot plus the edge rows the library scores, and compares; returns the query.
fn check_model(name: &str, model: &TrainedModel, snap: &Dataset, trees_per_block: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let model = TrainedModel::load(&path).unwrap();

    // Edge rows the library scores; the rest must be refused by the library and the query alike.
    let mut parts = vec![snap.clone()];
    let mut accepted = Vec::new();
    for (k, (what, num, cat)) in edge_rows().into_iter().enumerate() {
        let row = edited(snap, k % snap.n_rows(), num, cat);
        match model.predict_proba(&row) {
            Ok(_) => {
                parts.push(row);
                accepted.push(what);
            }
            Err(e) => eprintln!("{name}: the library does not score the '{what}' row: {e}"),
        }
    }
    for must in ["all missing", "every other missing", "unseen categories", "zeros", "tiny", "large", "fractions"] {
        assert!(accepted.contains(&must), "{name}: the library refused the '{must}' row");
    }
    // A row with an infinite value: the library refuses it, the query leaves it unscored.
    let infinite = edited(snap, 0, |v, j| if j == 0 { f64::INFINITY } else { v }, |v, _| v.map(String::from));
    assert!(model.predict_proba(&infinite).is_err());
    parts.push(infinite);
    let data = stack(&parts);
    let n = data.n_rows();
    let scored = stack(&parts[..parts.len() - 1]);
    let p_rust = model.predict_proba(&scored).unwrap();

    let export = SqlParams::new(Dialect::DuckDb)
        .keep(vec!["row_id".into()])
        .trees_per_block(trees_per_block)
        .export(&model)
        .unwrap();
    let (csv, columns) = write_data(&data, dir.path());
    let sql_rows = run_duckdb(&export.sql, &csv, &columns, dir.path());
    assert_eq!(sql_rows.len(), n, "{name}: one result row per input row");

    let base = model.training_churn_rate;
    let high = (2.0 * base).min(0.5).max(base);
    let (mut identical, mut max_diff) = (0usize, 0.0f64);
    for (i, &p) in p_rust.iter().enumerate() {
        let (q, tier) = &sql_rows[&i];
        let q = q.unwrap_or_else(|| panic!("{name}: row {i} unscored by the query, scored {p} by the library"));
        let diff = (q - p).abs();
        assert!(diff <= 1e-9, "{name}: row {i}: query {q:e} vs library {p:e}");
        identical += usize::from(q.to_bits() == p.to_bits());
        max_diff = max_diff.max(diff);
        if (p - high).abs() > 1e-9 && (p - base).abs() > 1e-9 {
            assert_eq!(tier, risk_tier(p, base), "{name}: row {i} (p = {p})");
        }
    }
    assert_eq!(sql_rows[&(n - 1)], (None, "unscored".to_string()), "{name}: the row with an infinite value");
    if matches!(model.fitted, Fitted::Tree(_)) {
        // No arithmetic at all: a leaf's value, written exactly.
        assert_eq!(identical, p_rust.len(), "{name}: a single tree's probabilities are bit-identical");
    }
    eprintln!(
        "{name}: {} rows ({} edge rows) equal to 1e-9, {identical} bit-identical, max |diff| {max_diff:e}; \
         {} trees in {} blocks, depth {}, {} bytes of SQL",
        p_rust.len(),
        accepted.len(),
        export.n_trees,
        export.tree_blocks,
        export.max_tree_depth,
        export.sql.len()
    );
    export.sql
}

fn fit(params: ModelParams, train: &Dataset) -> TrainedModel {
    params.fit(train).unwrap()
}

#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn every_model_kind_scores_in_duckdb_as_in_the_library() {
    let (train, snap) = sample();
    let logistic = fit(ModelParams::new(ModelKind::Logistic).seed(1), &train);
    let sql = check_model("logistic", &logistic, &snap, 50);
    assert!(sql.contains("LN(1e0 + GREATEST("), "the sample has fat-tailed counts");

    // A low skew threshold transforms signed metrics with asinh too.
    let mut params = ModelParams::new(ModelKind::Logistic).seed(1);
    params.skew_threshold = 0.5;
    let sql = check_model("logistic, skew threshold 0.5", &fit(params, &train), &snap, 50);
    assert!(sql.contains("ASINH("));

    check_model("tree", &fit(ModelParams::new(ModelKind::Tree).seed(1), &train), &snap, 50);
    let gbdt = fit(ModelParams::new(ModelKind::Gbdt).seed(1), &train);
    check_model("gbdt", &gbdt, &snap, 50);
    check_model("gbdt, one tree per block", &gbdt, &snap, 1);

    // Native categorical splits: codes from the levels in SQL, `IN (…)` with unseen and missing
    // values following the default direction (small groups, so the sample's plans get split).
    let mut params = ModelParams::new(ModelKind::Gbdt).seed(1).native_categorical(true);
    params.boosted.categorical.min_data_per_group = 5;
    params.boosted.categorical.min_data_per_category = 5;
    let native = fit(params, &train);
    let Fitted::Gbdt(b) = &native.fitted else { panic!("a gbdt model") };
    assert!(b.n_categorical_splits() > 0, "no categorical split on the sample");
    let sql = check_model("gbdt, native categorical", &native, &snap, 50);
    assert!(sql.contains(" IN ("), "categorical splits are `IN` lists");

    let mut params = ModelParams::new(ModelKind::Ensemble).seed(1);
    params.ensemble = params.ensemble.logistic_weight(Some(0.35));
    let ensemble = fit(params, &train);
    check_model("ensemble", &ensemble, &snap, 50);

    for model in [&logistic, &gbdt, &ensemble] {
        let dir = tempfile::tempdir().unwrap();
        for d in Dialect::ALL {
            let sql = SqlParams::new(d).table("analytics.features").export(model).unwrap().sql;
            parse_with_sqlglot(&sql, d, dir.path());
        }
    }
}

/// A calibrated model (`train --calibrate`) scores calibrated probabilities: the query applies
/// the calibrator as `score` does (the query once ignored it and returned the raw probability).
#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn calibrated_models_score_calibrated_probabilities_in_duckdb() {
    let (train, snap) = sample();
    let y = train.churned_or_err().unwrap().to_vec();
    for (kind, method) in
        [(ModelKind::Gbdt, CalibrationMethod::Platt), (ModelKind::Logistic, CalibrationMethod::Isotonic)]
    {
        let model = fit(ModelParams::new(kind).seed(1), &train);
        let raw = model.predict_proba(&train).unwrap();
        let calibrator = Calibrator::fit(method, &raw, &y, None).unwrap();
        let calibrated = model.with_calibrator(calibrator);
        let name = format!("{kind}, {method:?} calibration");
        let sql = check_model(&name, &calibrated, &snap, 50);
        assert!(sql.contains("attrition_calibrated"), "{name}: the query has a calibration step");
        let dir = tempfile::tempdir().unwrap();
        for d in Dialect::ALL {
            parse_with_sqlglot(&SqlParams::new(d).export(&calibrated).unwrap().sql, d, dir.path());
        }
    }
}

#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn deepest_trees_and_large_forests_score_in_duckdb() {
    let (train, snap) = sample();
    // A single tree grown as deep as the data allow (the limit is 64 levels).
    let mut params = ModelParams::new(ModelKind::Tree).seed(2);
    params.tree = TreeParams::new().max_depth(Some(64)).min_samples_leaf(1).laplace(0.0);
    let deep = fit(params, &train);
    let Fitted::Tree(t) = &deep.fitted else { unreachable!() };
    assert!(t.depth() >= 15, "a deep tree: depth {}", t.depth());
    let sql = check_model("deepest tree", &deep, &snap, 50);
    parse_with_sqlglot(&sql, Dialect::DuckDb, tempfile::tempdir().unwrap().path());

    // 600 trees of 16 leaves, no early stopping: 12 blocks of 50.
    let mut params = ModelParams::new(ModelKind::Gbdt).seed(3);
    params.boosted = BoostedParams::new().n_trees(600).max_leaves(Some(16)).learning_rate(0.02).early_stopping(None);
    let large = fit(params, &train);
    let sql = check_model("gbdt, 600 trees", &large, &snap, 50);
    parse_with_sqlglot(&sql, Dialect::Spark, tempfile::tempdir().unwrap().path());
}

#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn awkward_names_are_quoted_in_every_dialect() {
    // Feature names and levels with quotes, spaces, backslashes and reserved words.
    let n = 300;
    let x: Vec<f64> = (0..n).map(|i| (i % 17) as f64).collect();
    let level = |i: usize| Some(["it's", "a \"b\"", "c\\d", "`e`", "select"][i % 5]);
    let plan: Vec<Option<&str>> = (0..n).map(level).collect();
    let y: Vec<bool> = (0..n).map(|i| i % 17 > 11 || i % 5 == 1).collect();
    let data = Dataset::new(vec![
        Column::numeric("order \"by\"", x.clone()),
        Column::numeric("asof", x.iter().map(|v| v * v).collect()),
        Column::categorical("select", &plan),
    ])
    .unwrap()
    .with_churned(y)
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for kind in [ModelKind::Logistic, ModelKind::Gbdt] {
        let model = fit(ModelParams::new(kind).seed(1), &data);
        let p = model.predict_proba(&data).unwrap();
        let sql = SqlParams::new(Dialect::DuckDb).keep(vec!["row_id".into()]).export(&model).unwrap().sql;
        let (csv, columns) = write_data(&data, dir.path());
        let rows = run_duckdb(&sql, &csv, &columns, dir.path());
        for (i, &p) in p.iter().enumerate() {
            assert!((rows[&i].0.unwrap() - p).abs() <= 1e-9, "{kind}: row {i}");
        }
        for d in Dialect::ALL {
            parse_with_sqlglot(&SqlParams::new(d).export(&model).unwrap().sql, d, dir.path());
        }
    }
}

/// A Yes/No column the warehouse holds as BOOLEAN (DuckDB's `read_csv_auto` makes one of it)
/// casts to 'true'/'false': the query spells those as the training levels, so it scores as the
/// library does instead of as an unseen category (a tester's report: up to 0.19 off, silently).
#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn a_boolean_warehouse_column_scores_as_its_yes_no_levels() {
    let n = 400;
    let x: Vec<f64> = (0..n).map(|i| (i % 23) as f64).collect();
    let partner: Vec<Option<&str>> = (0..n).map(|i| Some(if (i * 7) % 3 == 0 { "Yes" } else { "No" })).collect();
    let y: Vec<bool> = (0..n).map(|i| (i % 23 > 15) ^ ((i * 7) % 3 == 0 && i % 4 == 0)).collect();
    let data = Dataset::new(vec![Column::numeric("x", x.clone()), Column::categorical("partner", &partner)])
        .unwrap()
        .with_churned(y)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("data.csv");
    let mut body = String::from("row_id,x,partner\n");
    for i in 0..n {
        body.push_str(&format!("{i},{:?},{}\n", x[i], partner[i] == Some("Yes")));
    }
    std::fs::write(&csv, body).unwrap();
    let columns = dir.path().join("columns.json");
    std::fs::write(&columns, r#"{"row_id": "BIGINT", "x": "DOUBLE", "partner": "BOOLEAN"}"#).unwrap();
    for kind in [ModelKind::Logistic, ModelKind::Gbdt] {
        let model = fit(ModelParams::new(kind).seed(1), &data);
        let p = model.predict_proba(&data).unwrap();
        let sql = SqlParams::new(Dialect::DuckDb).keep(vec!["row_id".into()]).export(&model).unwrap().sql;
        let rows = run_duckdb(&sql, &csv, &columns, dir.path());
        for (i, &p) in p.iter().enumerate() {
            assert!((rows[&i].0.unwrap() - p).abs() <= 1e-9, "{kind}: row {i}: {:?} vs {p}", rows[&i]);
        }
    }
}

#[test]
fn parameters_are_checked() {
    let bad = |p: SqlParams| p.check().unwrap_err().to_string();
    let p = || SqlParams::new(Dialect::Postgres);
    assert!(bad(p().table("")).contains("table"));
    assert!(bad(p().table("features; DROP TABLE x")).contains("table"));
    assert!(bad(p().trees_per_block(0)).contains("trees_per_block"));
    assert!(bad(p().keep(vec!["p_churn".into()])).contains("keep"));
    assert!(bad(p().keep(vec!["attrition_z".into()])).contains("keep"));
    assert!(bad(p().keep(vec!["id".into(), "id".into()])).contains("twice"));
    assert!(p().keep(vec![]).check().is_ok());
    assert!("mysql".parse::<Dialect>().unwrap_err().to_string().contains("duckdb, spark"));
    for d in Dialect::ALL {
        assert_eq!(d.name().parse::<Dialect>().unwrap(), d);
    }
}

#[test]
fn the_command_writes_the_query_to_standard_output_or_a_file() {
    let n = 200;
    let x: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
    let y: Vec<bool> = (0..n).map(|i| i % 13 > 8 || i % 7 == 0).collect();
    let data = Dataset::new(vec![Column::numeric("logins", x)]).unwrap().with_churned(y).unwrap();
    let model = fit(ModelParams::new(ModelKind::Tree).seed(1), &data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let bin = env!("CARGO_BIN_EXE_attrition");
    let run =
        |args: &[&str]| Command::new(bin).arg("export-sql").arg("--model").arg(&path).args(args).output().unwrap();

    let out = run(&["--dialect", "snowflake", "--table", "db.s.features"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sql = String::from_utf8(out.stdout).unwrap();
    assert_eq!(sql, SqlParams::new(Dialect::Snowflake).table("db.s.features").export(&model).unwrap().sql);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote a snowflake query"));

    let file = dir.path().join("score.sql");
    let file_arg = file.to_str().unwrap();
    assert!(run(&["--dialect", "duckdb", "--out", file_arg]).status.success());
    assert!(std::fs::read_to_string(&file).unwrap().contains("AS \"risk_tier\""));
    let again = run(&["--dialect", "duckdb", "--out", file_arg]);
    assert!(!again.status.success(), "an existing output needs --force");
    assert!(run(&["--dialect", "duckdb", "--out", file_arg, "--force"]).status.success());
    let model_arg = path.to_str().unwrap();
    assert!(!run(&["--dialect", "duckdb", "--out", model_arg, "--force"]).status.success(), "never over the model");
    let bad = run(&["--dialect", "oracle"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("duckdb, spark, postgres, bigquery, snowflake"));
}
