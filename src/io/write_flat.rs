//! Writing a [`Dataset`] as a flat CSV that [`crate::io::flat::load_flat`] reads back.
//!
//! Columns: the id column (when the dataset has ids), the as-of column (when it has dates), the
//! feature columns in order, then the target (when it has a label). Numbers are written so that
//! they parse back to the same `f64` (integers without a decimal point, others in Rust's shortest
//! round-trip form); missing values (`NaN`, missing categories) are blank; the label is `1`
//! (churned) / `0`; dates are `YYYY-MM-DD`. Output is deterministic.
//!
//! Categorical levels are written as text, so they read back as categorical unless every level
//! looks like a number (then force them with [`crate::io::flat::FlatOptions::categorical`]).
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::dataset::{Column, Dataset};
//! use attrition::io::flat::{load_flat, FlatOptions};
//! use attrition::io::write_flat::{write_flat, WriteFlatOptions};
//! let ds = Dataset::new(vec![
//!     Column::numeric("mrr", vec![49.5, f64::NAN]),
//!     Column::categorical("vertical", &[Some("retail"), Some("dental")]),
//! ])?
//! .with_ids(vec!["c1".into(), "c2".into()])?
//! .with_churned(vec![false, true])?;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("f.csv");
//! write_flat(&ds, &path, &WriteFlatOptions::default())?;
//! assert_eq!(std::fs::read_to_string(&path).unwrap(), "customer_id,mrr,vertical,churned\nc1,49.5,retail,0\nc2,,dental,1\n");
//! let back = load_flat(&path, &FlatOptions::new().id("customer_id").target("churned"))?.dataset;
//! assert_eq!(back.churned, ds.churned);
//! assert_eq!(back.column("vertical"), ds.column("vertical"));
//! # Ok(()) }
//! ```

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::{ColumnData, Dataset, MISSING_CODE};
use crate::error::{Error, Result};
use crate::io::csv_out::push_field;
use crate::io::output::{Overwrite, Sink};

/// Names of the non-feature columns written by [`write_flat`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteFlatOptions {
    /// Header of the id column. Default `customer_id`.
    pub id: String,
    /// Header of the as-of date column. Default `as_of`.
    pub as_of: String,
    /// Header of the label column. Default `churned`.
    pub target: String,
}

impl Default for WriteFlatOptions {
    fn default() -> Self {
        WriteFlatOptions { id: "customer_id".into(), as_of: "as_of".into(), target: "churned".into() }
    }
}

/// Rows formatted per parallel task.
const ROWS_PER_TASK: usize = 4096;
/// Tasks formatted before writing (bounds the memory of formatted text).
const TASKS_PER_WAVE: usize = 32;

/// Writes `ds` to `path` as CSV, or as Parquet when `path` ends in `.parquet`
/// ([`crate::io::parquet::write_dataset`], cargo feature `parquet`); see the [module docs](self).
/// The file appears only when complete (an existing one is replaced; see [`crate::io::output`]);
/// `-` writes CSV to standard output.
pub fn write_flat(ds: &Dataset, path: impl AsRef<Path>, options: &WriteFlatOptions) -> Result<()> {
    let path = path.as_ref();
    let mut out = Sink::create(path, Overwrite::Replace)?;
    let written =
        if is_parquet_path(path) { write_parquet(ds, &mut out, options) } else { write_flat_to(ds, &mut out, options) };
    written.map_err(|e| match e {
        Error::Io { source, .. } => Error::io("write", path, source),
        other => other,
    })?;
    out.commit()
}

/// Whether an output path asks for Parquet: it ends in `.parquet` (any case).
pub fn is_parquet_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

#[cfg(feature = "parquet")]
fn write_parquet(ds: &Dataset, out: &mut Sink, options: &WriteFlatOptions) -> Result<()> {
    crate::io::parquet::write_dataset(ds, out, options)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(_: &Dataset, _: &mut Sink, _: &WriteFlatOptions) -> Result<()> {
    Err(Error::param("output", ".parquet", "this build of attrition has no Parquet support (cargo feature `parquet`)"))
}

/// Writes `ds` as CSV to any writer (see [`write_flat`]).
pub fn write_flat_to<W: Write>(ds: &Dataset, out: &mut W, options: &WriteFlatOptions) -> Result<()> {
    let mut header: Vec<&str> = Vec::new();
    if ds.ids.is_some() {
        header.push(&options.id);
    }
    if ds.as_of.is_some() {
        header.push(&options.as_of);
    }
    header.extend(ds.columns.iter().map(|c| c.name.as_str()));
    if ds.churned.is_some() {
        header.push(&options.target);
    }
    let mut seen = std::collections::HashSet::new();
    for h in &header {
        if !seen.insert(*h) {
            return Err(Error::FeatureMismatch { reason: format!("column `{h}` would be written twice") });
        }
    }
    let io = |e| Error::io("write", "<flat csv>", e);
    let mut line = String::new();
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_field(&mut line, h);
    }
    line.push('\n');
    out.write_all(line.as_bytes()).map_err(io)?;

    let n = ds.n_rows();
    let wave = ROWS_PER_TASK * TASKS_PER_WAVE;
    for wave_start in (0..n).step_by(wave) {
        let wave_end = (wave_start + wave).min(n);
        let texts: Vec<String> = (wave_start..wave_end)
            .step_by(ROWS_PER_TASK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| format_rows(ds, start, (start + ROWS_PER_TASK).min(wave_end)))
            .collect();
        for t in texts {
            out.write_all(t.as_bytes()).map_err(io)?;
        }
    }
    Ok(())
}

fn format_rows(ds: &Dataset, start: usize, end: usize) -> String {
    let mut s = String::with_capacity((end - start) * 16 * (ds.columns.len() + 3));
    for r in start..end {
        let mut first = true;
        let mut sep = |s: &mut String| {
            if !first {
                s.push(',');
            }
            first = false;
        };
        if let Some(ids) = &ds.ids {
            sep(&mut s);
            push_field(&mut s, &ids[r]);
        }
        if let Some(d) = &ds.as_of {
            sep(&mut s);
            let _ = write!(s, "{}", d[r].format("%Y-%m-%d"));
        }
        for c in &ds.columns {
            sep(&mut s);
            match &c.data {
                ColumnData::Numeric(v) => push_number(&mut s, v[r]),
                ColumnData::Categorical(cat) => {
                    let code = cat.codes[r];
                    if code != MISSING_CODE
                        && let Some(level) = cat.levels.get(code as usize)
                    {
                        push_field(&mut s, level);
                    }
                }
            }
        }
        if let Some(y) = &ds.churned {
            sep(&mut s);
            s.push(if y[r] { '1' } else { '0' });
        }
        s.push('\n');
    }
    s
}

/// Appends a number that parses back to the same value (blank for NaN / infinities).
fn push_number(s: &mut String, v: f64) {
    if !v.is_finite() {
        return;
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(s, "{}", v as i64);
    } else {
        // `Debug` is Rust's shortest round-trip representation, with an exponent when large/small.
        let _ = write!(s, "{v:?}");
    }
}
