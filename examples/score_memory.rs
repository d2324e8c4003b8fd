//! Peak memory of streaming scoring: `score_csv` on a large file, with and without one very long
//! field. Not a timed test: it prints the peak resident set size of each run (Linux only).
//!
//! ```sh
//! cargo run --release --example score_memory                 # 5,000,000 rows (≈ 0.6 GB of CSV)
//! cargo run --release --example score_memory -- 200000       # fewer rows
//! cargo run --release --example score_memory -- 5000000 DIR  # keep the inputs and the model in DIR
//! ```
//!
//! Cases: no long field; a 20 KB field in row 1 of a column the model does not use (under the
//! 64 KiB field limit: read and kept); a 1 MB field in the middle row of a model column and in the
//! last row of the id column (over the limit: those rows are written unscored in lenient mode).
//! Each case's peak is measured alone: the kernel's high-water mark is reset before it (writing
//! `5` to `/proc/self/clear_refs`). With DIR, the same runs of the command-line tool can be timed
//! with `/usr/bin/time -v attrition score --lenient --model DIR/model.json --data DIR/long_1mb.csv
//! --out DIR/scores.csv`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use attrition::io::tables::Strictness;
use attrition::models::Learner;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Column, Dataset};

mod common;
use common::{peak_mb, reset_peak};

const PLANS: [&str; 4] = ["basic", "pro", "team", "enterprise"];

/// A long field: (row, column, bytes).
type LongField<'a> = (u64, &'a str, usize);

/// A deterministic row generator (no RNG crate needed for a benchmark input).
fn value(i: u64, j: u64) -> f64 {
    let mut h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ j.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 29;
    (h % 10_000) as f64 / 100.0
}

fn training(n: usize) -> attrition::Result<Dataset> {
    let mut columns = Vec::new();
    for j in 0..10 {
        columns.push(Column::numeric(format!("x{j}"), (0..n).map(|i| value(i as u64, j)).collect()));
    }
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(PLANS[i % 4])).collect();
    columns.push(Column::categorical("plan", &plan));
    let y: Vec<bool> = (0..n).map(|i| value(i as u64, 0) + value(i as u64, 1) < 60.0 || i % 13 == 0).collect();
    Dataset::new(columns)?.with_churned(y)
}

/// Writes `rows` rows; `long` puts a field of `len` bytes at (row, column name).
fn write_input(path: &Path, rows: u64, long: &[LongField]) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "customer_id,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,plan,notes")?;
    let filler = |len: usize| "z".repeat(len);
    for i in 0..rows {
        let at = |col: &str| long.iter().find(|(r, c, _)| *r == i && *c == col).map(|(_, _, len)| filler(*len));
        match at("customer_id") {
            Some(s) => write!(w, "{s}")?,
            None => write!(w, "C{i:08}")?,
        }
        for j in 0..10 {
            match at(&format!("x{j}")) {
                Some(s) => write!(w, ",{s}")?,
                None => write!(w, ",{}", value(i, j))?,
            }
        }
        write!(w, ",{}", PLANS[(i % 4) as usize])?;
        match at("notes") {
            Some(s) => writeln!(w, ",{s}")?,
            None => writeln!(w, ",ok")?,
        }
    }
    w.flush()
}

fn main() -> attrition::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5_000_000);
    let keep: Option<PathBuf> = args.next().map(PathBuf::from);
    let tmp = tempfile::tempdir().map_err(|e| attrition::Error::io("create", std::env::temp_dir(), e))?;
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| attrition::Error::io("create", &dir, e))?;

    let model = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&training(20_000)?)?;
    model.save(dir.join("model.json"))?;
    let cases: [(&str, Vec<LongField>); 3] = [
        ("plain", vec![]),
        ("long_20kb", vec![(0, "notes", 20_000)]),
        ("long_1mb", vec![(rows / 2, "x3", 1 << 20), (rows - 1, "customer_id", 1 << 20)]),
    ];
    if !reset_peak() {
        println!("(cannot reset the peak RSS: figures include earlier steps)");
    }
    println!("scoring {rows} rows × 12 columns with a gbdt model, 3 reasons, lenient; peak RSS per run:");
    for (name, long) in &cases {
        let input = dir.join(format!("{name}.csv"));
        write_input(&input, rows, long).map_err(|e| attrition::Error::io("write", &input, e))?;
        let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
        let out = dir.join(format!("{name}_scores.csv"));
        reset_peak();
        let before = peak_mb().unwrap_or(f64::NAN);
        let t = Instant::now();
        let opts = ScoreOptions { strictness: Strictness::Lenient, ..ScoreOptions::default() };
        let report = score_csv(&model, &input, &out, &opts, |_| {})?;
        println!(
            "  {name:<10} input {:>7.1} MB: peak {:>6.0} MB (before {:.0} MB), {} scored, {} unscored {:?}, {:.1} s",
            size as f64 / 1e6,
            peak_mb().unwrap_or(f64::NAN),
            before,
            report.rows_scored,
            report.rows_unscored,
            report.unscored_by_reason,
            t.elapsed().as_secs_f64()
        );
        if keep.is_none() {
            let _ = std::fs::remove_file(&input);
            let _ = std::fs::remove_file(&out);
        }
    }
    Ok(())
}
