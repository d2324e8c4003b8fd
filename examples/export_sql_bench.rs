//! Scoring speed of a model exported as SQL (DuckDB) beside the library's own scoring, on the
//! same rows: the default boosted trees trained on the bundled sample's observations, scoring
//! those observations repeated to `ROWS` rows (seed-free: the rows are the sample's, in order).
//!
//! ```sh
//! python3 -m venv target/test-venv && target/test-venv/bin/pip install -r tests/requirements.txt
//! cargo run --release --example export_sql_bench
//! ```
//! (`ATTRITION_TEST_PYTHON` may name another Python with DuckDB.) Printed side by side:
//! the library's in-memory `predict_proba`, the library's `score_csv` (CSV in, CSV out, no
//! reasons: what `attrition score --reasons 0` does), and DuckDB executing the exported query on
//! a table already loaded in memory (the CSV load is not timed). Both use every core.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use attrition::export::sql::{Dialect, SqlParams};
use attrition::features::{FeatureParams, build_observations};
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::models::{ChurnModel, Learner};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Dataset, Result};
use chrono::NaiveDate;

const ROWS: usize = 200_000;

fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    std::env::var_os("ATTRITION_TEST_PYTHON").map(PathBuf::from).or_else(|| venv.exists().then_some(venv))
}

fn main() -> Result<()> {
    let Some(python) = python() else {
        println!("skipping: no Python with DuckDB (create target/test-venv, see the doc comment)");
        return Ok(());
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let tables = read_tables(&dir, &ReadOptions::strict())?.tables;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
    let obs = build_observations(&tables, &FeatureParams::new(d("2024-03-01"), d("2025-11-01")))?.dataset;
    let model = ModelParams::new(ModelKind::Gbdt).seed(42).fit(&obs)?;
    let rows: Vec<usize> = (0..ROWS).map(|i| i % obs.n_rows()).collect();
    let data = obs.take(&rows);
    let ids: Vec<String> = (0..ROWS).map(|i| format!("r{i}")).collect();
    let data = Dataset::new(data.columns)?.with_ids(ids)?;

    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/export_sql_bench");
    std::fs::create_dir_all(&work).map_err(|e| attrition::Error::io("create", &work, e))?;
    let csv = work.join("data.csv");
    let columns = work.join("columns.json");
    write_csv(&data, &csv, &columns)?;
    let export = SqlParams::new(Dialect::DuckDb).export(&model)?;
    let query = work.join("score.sql");
    std::fs::write(&query, &export.sql).map_err(|e| attrition::Error::io("write", &query, e))?;

    let t = Instant::now();
    let p = model.predict_proba(&data)?;
    let in_memory = t.elapsed().as_secs_f64();
    let options = ScoreOptions { reasons: 0, ..ScoreOptions::default() };
    let out = work.join("scores.csv");
    let t = Instant::now();
    score_csv(&model, &csv, &out, &options, |_| {})?;
    let end_to_end = t.elapsed().as_secs_f64();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_sql/run.py");
    let res = Command::new(&python)
        .arg(&script)
        .arg("bench")
        .arg(&query)
        .arg(&csv)
        .arg(&columns)
        .output()
        .map_err(|e| attrition::Error::io("run", &python, e))?;
    if !res.status.success() {
        println!("DuckDB failed: {}", String::from_utf8_lossy(&res.stderr));
        return Ok(());
    }
    let text = String::from_utf8_lossy(&res.stdout);
    let duck: f64 = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);

    println!(
        "default GBDT: {} trees (depth ≤ {}), {} features; {ROWS} rows; SQL {} bytes in {} blocks",
        export.n_trees,
        export.max_tree_depth,
        model.features.len(),
        export.sql.len(),
        export.tree_blocks
    );
    println!("{:<44} {:>10} {:>12}", "", "seconds", "rows/s");
    for (what, s) in [
        ("attrition predict_proba (in memory)", in_memory),
        ("attrition score_csv (CSV in and out)", end_to_end),
        ("DuckDB, exported SQL (table in memory)", duck),
    ] {
        println!("{what:<44} {s:>10.3} {:>12.0}", ROWS as f64 / s);
    }
    println!("(mean p_churn {:.6}; figures from a shared, busy machine)", p.iter().sum::<f64>() / p.len() as f64);
    Ok(())
}

/// The CSV of `data` (ids first) and the DuckDB types of its columns for `run.py`.
fn write_csv(data: &Dataset, csv: &Path, columns: &Path) -> Result<()> {
    let io = |e| attrition::Error::io("write", csv, e);
    let mut f = std::io::BufWriter::new(std::fs::File::create(csv).map_err(io)?);
    let names: Vec<&str> = data.columns.iter().map(|c| c.name.as_str()).collect();
    writeln!(f, "customer_id,{}", names.join(",")).map_err(io)?;
    let ids = data.ids.as_deref().unwrap_or_default();
    for (i, id) in ids.iter().enumerate() {
        let mut line = id.clone();
        for c in &data.columns {
            line.push(',');
            match (c.as_numeric(), c.as_categorical()) {
                (Some(v), _) if !v[i].is_nan() => line.push_str(&format!("{:?}", v[i])),
                (_, Some(k)) => line.push_str(k.value(i).unwrap_or("")),
                _ => {}
            }
        }
        writeln!(f, "{line}").map_err(io)?;
    }
    f.flush().map_err(io)?;
    let mut types = vec!["\"customer_id\": \"VARCHAR\"".to_string()];
    for c in &data.columns {
        let ty = if c.as_numeric().is_some() { "DOUBLE" } else { "VARCHAR" };
        types.push(format!("\"{}\": \"{ty}\"", c.name));
    }
    std::fs::write(columns, format!("{{{}}}", types.join(", "))).map_err(|e| attrition::Error::io("write", columns, e))
}
