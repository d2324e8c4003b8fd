//! The flat-table loader: any CSV with a header (and optionally a target column) → [`Dataset`].
//!
//! Column kinds are inferred: a column whose non-blank values all parse as numbers is numeric,
//! anything else is categorical; [`FlatOptions::numeric`] and [`FlatOptions::categorical`] override
//! the guess. Blank cells are missing values. A column that is *mostly* numeric but has a few
//! non-numbers (`"1,234.5"`) is reported as a bad value rather than silently turned into text.
//!
//! The target may be `Yes/No`, `true/false`, `1/0` (recognised without help) or any two values
//! with an explicit positive (churned) value. A third value is an error naming line and column.
//!
//! Values listed with [`FlatOptions::na_values`] (say `NA`, `null`) are missing values like blank
//! cells. A column that holds numbers except for such markers (`NA`, `N/A`, `null`, `None`, `NaN`,
//! `?`, `-`, …) on 5% or more of its values is read as categorical — the markers make it text —
//! and the report says so ([`FlatWarning::MissingMarkersMadeCategorical`]) instead of letting the
//! models silently treat its numbers as unrelated categories.
//!
//! The input is read from its source once: a regular file is read twice through one open handle
//! (first to infer the column kinds, then to parse), and standard input (`-`), a pipe, a FIFO or
//! `/dev/stdin` is copied to an anonymous temporary file (in `TMPDIR`, removed by the system
//! even if the process is killed) while the kinds are inferred, and parsed from there. Memory
//! holds the parsed columns only, never the raw text.
//!
//! ```
//! use attrition::io::flat::{load_flat, FlatOptions};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("t.csv");
//! std::fs::write(&path, "id,plan,charges,Churn\na,basic,10.5,Yes\nb,pro, ,No\nc,pro,20,No\n").unwrap();
//! let opts = FlatOptions::new().target("Churn").positive("Yes").id("id");
//! let loaded = load_flat(&path, &opts).unwrap();
//! let ds = &loaded.dataset;
//! assert_eq!(ds.feature_names(), vec!["plan", "charges"]);
//! assert_eq!(ds.churned.as_deref(), Some(&[true, false, false][..]));
//! assert_eq!(loaded.report.column("charges").unwrap().n_missing, 1);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::{CategoricalColumn, Column, ColumnData, ColumnKind, Dataset, MISSING_CODE};
use crate::error::{Error, Location, Result, RowProblem};
use crate::io::csvfile::{CsvFile, FieldError, Framed, STDIN_NAME};
use crate::io::output::is_stdio;
use crate::io::parse::{excerpt, is_decimal_comma_number, is_decimal_point_number, parse_bool, parse_date, parse_f64};
use crate::io::tables::Strictness;

/// Share of non-blank values that must parse as numbers for a column to be *considered* numeric;
/// below it the column is categorical, above it (but under 100%) the odd values are bad values.
pub const NUMERIC_INFERENCE_SHARE: f64 = 0.95;

/// Options for [`load_flat`]. Setters never fail; problems surface when loading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlatOptions {
    /// Target column (churn label). `None` for data to score.
    pub target: Option<String>,
    /// Value of the target that means churned. Needed unless the target is yes/no, true/false or 1/0.
    pub positive: Option<String>,
    /// Id column, kept aside (not a feature).
    pub id: Option<String>,
    /// Observation-date column (`YYYY-MM-DD`), kept aside for time-ordered validation.
    pub as_of: Option<String>,
    /// Sample-weight column, kept aside.
    pub weight: Option<String>,
    /// Columns to treat as categorical whatever they look like.
    pub categorical: Vec<String>,
    /// Columns to treat as numeric whatever they look like.
    pub numeric: Vec<String>,
    /// Columns to drop.
    pub drop: Vec<String>,
    /// Strict (first bad row is an error) or lenient (bad rows skipped and counted).
    pub strictness: Strictness,
    /// Values read as missing, like a blank cell (exact match after trimming blanks).
    #[serde(default)]
    pub na_values: Vec<String>,
    /// Field delimiter; `None` (the default) sniffs it from the header line among `, ; \t |`
    /// ([`crate::io::sniff_delimiter`]).
    #[serde(default)]
    pub delimiter: Option<u8>,
    /// Without an id column: give each row its 1-based record number (as text) as its id.
    #[serde(default)]
    pub row_ids: bool,
    /// Id-like columns to keep as features anyway (see [`FlatWarning::IdLikeColumnDropped`]).
    #[serde(default)]
    pub keep: Vec<String>,
    /// Numbers are written with a decimal comma (`29,85`, thousands points allowed: `1.234,5`).
    /// `None` (the default) detects it: a CSV file not separated by commas whose numbers include
    /// some with a decimal comma and none with a decimal point that cannot be a thousands point
    /// (`29.85`; `1.234` can be) ([`FlatReport::decimal_comma`] says what was used).
    #[serde(default)]
    pub decimal_comma: Option<bool>,
}

impl FlatOptions {
    /// Default options: no target, everything inferred, strict.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the target column.
    pub fn target(mut self, col: impl Into<String>) -> Self {
        self.target = Some(col.into());
        self
    }
    /// Sets the positive (churned) value of the target.
    pub fn positive(mut self, value: impl Into<String>) -> Self {
        self.positive = Some(value.into());
        self
    }
    /// Sets the id column.
    pub fn id(mut self, col: impl Into<String>) -> Self {
        self.id = Some(col.into());
        self
    }
    /// Sets the observation-date column.
    pub fn as_of(mut self, col: impl Into<String>) -> Self {
        self.as_of = Some(col.into());
        self
    }
    /// Sets the sample-weight column.
    pub fn weight(mut self, col: impl Into<String>) -> Self {
        self.weight = Some(col.into());
        self
    }
    /// Forces a column to be categorical.
    pub fn categorical(mut self, col: impl Into<String>) -> Self {
        self.categorical.push(col.into());
        self
    }
    /// Forces a column to be numeric.
    pub fn numeric(mut self, col: impl Into<String>) -> Self {
        self.numeric.push(col.into());
        self
    }
    /// Drops a column.
    pub fn drop(mut self, col: impl Into<String>) -> Self {
        self.drop.push(col.into());
        self
    }
    /// Reads `value` (e.g. `NA`) as a missing value, like a blank cell.
    pub fn na_value(mut self, value: impl Into<String>) -> Self {
        self.na_values.push(value.into());
        self
    }
    /// Sets the field delimiter (default: sniffed from the header line among `, ; \t |`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }
    /// Without an id column, makes each row's 1-based record number its id (rows skipped in
    /// lenient mode keep their numbers, so an id always points back to its record).
    pub fn row_ids(mut self) -> Self {
        self.row_ids = true;
        self
    }
    /// Keeps `col` as a feature even if it looks like an id ([`FlatWarning::IdLikeColumnDropped`]).
    pub fn keep(mut self, col: impl Into<String>) -> Self {
        self.keep.push(col.into());
        self
    }
    /// Skips and counts bad rows instead of failing.
    pub fn lenient(mut self) -> Self {
        self.strictness = Strictness::Lenient;
        self
    }
}

/// How one column was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// Column name.
    pub name: String,
    /// Kind used.
    pub kind: ColumnKind,
    /// Whether the kind was inferred (`false` if forced by an option).
    pub inferred: bool,
    /// Missing (blank) values among loaded rows.
    pub n_missing: usize,
    /// Distinct levels (categorical columns).
    pub n_levels: Option<usize>,
}

/// What [`load_flat`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatReport {
    /// The file.
    pub file: PathBuf,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows loaded.
    pub rows_loaded: u64,
    /// Rows skipped (lenient mode), by reason.
    pub skipped: BTreeMap<RowProblem, u64>,
    /// The first few skipped rows' errors.
    pub examples: Vec<String>,
    /// Feature columns, in order.
    pub columns: Vec<ColumnReport>,
    /// Target value read as churned, and the other value, when there is a target.
    pub target_values: Option<(String, String)>,
    /// Columns dropped by request.
    pub dropped: Vec<String>,
    /// Columns left out because they look like ids ([`FlatWarning::IdLikeColumnDropped`]).
    #[serde(default)]
    pub dropped_id_like: Vec<String>,
    /// The field delimiter used (given or sniffed; CSV only).
    #[serde(default = "comma")]
    pub delimiter: u8,
    /// What the file was: CSV or JSON Lines (detected from its content).
    #[serde(default)]
    pub format: crate::io::InputFormat,
    /// Data-quality findings (the CLI prints them).
    #[serde(default)]
    pub warnings: Vec<FlatWarning>,
    /// Numbers were read with a decimal comma (`29,85` = 29.85; given or detected, see
    /// [`FlatOptions::decimal_comma`]).
    #[serde(default)]
    pub decimal_comma: bool,
}

fn comma() -> u8 {
    b','
}

/// Fewest values a column must have before it can be found id-like: a handful of rows say nothing.
pub const ID_LIKE_MIN_ROWS: u64 = 20;

/// Share of distinct values above which a text column is id-like ([`IdLike::MostlyDistinct`]).
pub const ID_LIKE_DISTINCT_SHARE: f64 = 0.5;

/// Why a column looks like an id rather than a feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum IdLike {
    /// Integers, one per row, strictly increasing or decreasing down the file (a row number).
    MonotoneIntegers,
    /// Text with more than [`ID_LIKE_DISTINCT_SHARE`] of its values distinct (a name, an email).
    MostlyDistinct {
        /// Distinct values.
        n_distinct: u64,
        /// Non-missing values.
        n_values: u64,
    },
}

/// Share of a column's non-blank values that must be missing-value markers for
/// [`FlatWarning::MissingMarkersMadeCategorical`] (below it, the column is numeric and the markers
/// are bad values).
pub const MISSING_MARKER_SHARE: f64 = 1.0 - NUMERIC_INFERENCE_SHARE;

/// Values that commonly mean "missing" in exported data (compared ignoring case).
pub const MISSING_MARKERS: [&str; 14] =
    ["na", "n/a", "#n/a", "nan", "null", "none", "nil", "missing", "unknown", "undefined", "?", "-", "--", "."];

/// Whether `v` is one of [`MISSING_MARKERS`].
///
/// ```
/// use attrition::io::flat::is_missing_marker;
/// assert!(is_missing_marker("NA") && is_missing_marker("null") && is_missing_marker("#N/A"));
/// assert!(!is_missing_marker("0") && !is_missing_marker("pro"));
/// ```
pub fn is_missing_marker(v: &str) -> bool {
    MISSING_MARKERS.iter().any(|m| v.eq_ignore_ascii_case(m))
}

/// Fewest loaded rows for [`FlatWarning::ConstantColumn`]: a handful of rows may share a value
/// by chance.
pub const CONSTANT_MIN_ROWS: usize = 30;

/// `Some(value)` when `col` has one value on every row (`Some(None)`: blank on every row).
fn constant_value(col: &Column) -> Option<Option<String>> {
    match &col.data {
        ColumnData::Numeric(v) => {
            let first = v.first()?;
            let same = |x: &f64| if first.is_nan() { x.is_nan() } else { x == first };
            v.iter().all(same).then(|| (!first.is_nan()).then(|| first.to_string()))
        }
        ColumnData::Categorical(c) => {
            let first = *c.codes.first()?;
            c.codes
                .iter()
                .all(|&k| k == first)
                .then(|| (first != MISSING_CODE).then(|| c.levels[first as usize].clone()))
        }
    }
}

/// A data-quality finding of [`load_flat`], kept in [`FlatReport::warnings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FlatWarning {
    /// A column holds numbers except for missing-value markers ([`MISSING_MARKERS`]) on at least
    /// [`MISSING_MARKER_SHARE`] of its non-blank values, so it was read as categorical: a model
    /// sees each of its numbers as an unrelated category. Read the markers as missing
    /// ([`FlatOptions::na_values`], `--na-values` on the command line) to keep it numeric.
    MissingMarkersMadeCategorical {
        /// The column.
        column: String,
        /// The markers found (up to five), as written.
        markers: Vec<String>,
        /// Values that are markers.
        n_markers: u64,
        /// Non-blank values in all.
        n_values: u64,
    },
    /// Categorical columns hold values that commonly mean "missing" ([`MISSING_MARKERS`]: `?`,
    /// `NA`, `unknown`, …) and were read as categories of their own; one warning for all such
    /// columns. Read them as missing with [`FlatOptions::na_values`] (`--na-values`) if they are.
    MissingMarkersAsCategories {
        /// The columns, in file order.
        columns: Vec<String>,
        /// The markers found (up to five), as written.
        markers: Vec<String>,
        /// Values that are markers, over all these columns.
        n_markers: u64,
    },
    /// A column looks like an id, not a feature, and was left out; keep it with
    /// [`FlatOptions::keep`] (`--keep COL`). Only columns whose kind was inferred are checked.
    IdLikeColumnDropped {
        /// The column.
        column: String,
        /// What makes it look like an id.
        why: IdLike,
    },
    /// A column named `as_of` (what `attrition features` writes for point-in-time observations)
    /// was used as an ordinary feature because no as-of column was given
    /// ([`FlatOptions::as_of`], `--as-of as_of`): the model would learn from observation dates,
    /// and folds would not be grouped by customer through time.
    AsOfColumnUsedAsFeature {
        /// The column.
        column: String,
    },
    /// A feature column whose kind was inferred has the same value on every row (or is blank
    /// on every row) of at least [`CONSTANT_MIN_ROWS`] rows: it carries no information, yet a
    /// model trained on it expects it when scoring. Leave it out with [`FlatOptions::drop`]
    /// (`--drop COL`); it is kept, as the file may be one part of the data.
    ConstantColumn {
        /// The column.
        column: String,
        /// Its one value, as read (`None`: blank on every row).
        value: Option<String>,
    },
    /// A column holds numbers written with a decimal comma (`29,85`) in a file whose other
    /// numbers have a decimal point (`29.85`): which mark is meant is not guessed, so it was read
    /// as categorical. Re-export the file with one decimal mark.
    DecimalCommasAmongPoints {
        /// The column.
        column: String,
        /// One of its decimal-comma values, as written.
        example: String,
        /// Its values with a decimal comma.
        n_comma: u64,
        /// Its non-blank values in all.
        n_values: u64,
    },
}

impl std::fmt::Display for FlatWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlatWarning::MissingMarkersMadeCategorical { column, markers, n_markers, n_values } => {
                let list: Vec<String> = markers.iter().map(|m| format!("`{m}`")).collect();
                write!(
                    f,
                    "column `{column}` was read as categorical: {n_markers} of its {n_values} values ({:.1}%) are {}, \
                     the rest numbers; to read it as numbers with missing values pass {}",
                    100.0 * *n_markers as f64 / (*n_values).max(1) as f64,
                    list.join(", "),
                    markers.iter().map(|m| format!("--na-values {m}")).collect::<Vec<_>>().join(" ")
                )
            }
            FlatWarning::MissingMarkersAsCategories { columns, markers, n_markers } => {
                let list: Vec<String> = markers.iter().map(|m| format!("`{m}`")).collect();
                let shown: Vec<&str> = columns.iter().take(5).map(String::as_str).collect();
                write!(
                    f,
                    "{} (common missing-value markers) read as a category in {} column{} ({}{}; {n_markers} values); \
                     if they mean missing pass {}",
                    list.join(", "),
                    columns.len(),
                    if columns.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if columns.len() > 5 { ", …" } else { "" },
                    markers.iter().map(|m| format!("--na-values {}", na_hint(m))).collect::<Vec<_>>().join(" ")
                )
            }
            FlatWarning::IdLikeColumnDropped { column, why } => {
                let what = match why {
                    IdLike::MonotoneIntegers => {
                        "its values are integers, one per row, in strictly monotone order".into()
                    }
                    IdLike::MostlyDistinct { n_distinct, n_values } => format!(
                        "{n_distinct} of its {n_values} values ({:.1}%) are distinct",
                        100.0 * *n_distinct as f64 / (*n_values).max(1) as f64
                    ),
                };
                write!(
                    f,
                    "column `{column}` looks like an id ({what}) and was left out; pass --keep {column} to use it as a feature"
                )
            }
            FlatWarning::AsOfColumnUsedAsFeature { column } => write!(
                f,
                "column `{column}` looks like the observation date of point-in-time features but is used as a feature; \
                 pass --as-of {column} to treat it as the as-of date (or --drop {column})"
            ),
            FlatWarning::ConstantColumn { column, value } => write!(
                f,
                "column `{column}` {} on every row: it carries no information, but a model trained with it will \
                 expect it when scoring; pass --drop {column} to leave it out",
                match value {
                    Some(v) => format!("has the same value (`{}`)", excerpt(v)),
                    None => "is blank".to_string(),
                }
            ),
            FlatWarning::DecimalCommasAmongPoints { column, example, n_comma, n_values } => write!(
                f,
                "column `{column}` holds numbers with a decimal comma ({n_comma} of its {n_values} values, like `{example}`) \
                 in a file whose other numbers have a decimal point, so it was read as categorical; \
                 re-export the file with one decimal mark (or pass --categorical {column} to keep it so)"
            ),
        }
    }
}

impl FlatWarning {
    /// The columns the warning is about, in file order.
    ///
    /// ```
    /// use attrition::io::flat::FlatWarning;
    /// let w = FlatWarning::AsOfColumnUsedAsFeature { column: "as_of".into() };
    /// assert_eq!(w.columns(), ["as_of"]);
    /// ```
    pub fn columns(&self) -> Vec<&str> {
        match self {
            FlatWarning::MissingMarkersMadeCategorical { column, .. }
            | FlatWarning::IdLikeColumnDropped { column, .. }
            | FlatWarning::AsOfColumnUsedAsFeature { column }
            | FlatWarning::ConstantColumn { column, .. }
            | FlatWarning::DecimalCommasAmongPoints { column, .. } => vec![column.as_str()],
            FlatWarning::MissingMarkersAsCategories { columns, .. } => columns.iter().map(String::as_str).collect(),
        }
    }
}

impl FlatReport {
    /// The report of feature column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnReport> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Total rows skipped.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

impl std::fmt::Display for FlatReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}: {} rows read, {} loaded", self.file.display(), self.rows_read, self.rows_loaded)?;
        for (k, v) in &self.skipped {
            writeln!(f, "  skipped {v} rows: {k}")?;
        }
        for c in &self.columns {
            if c.n_missing > 0 {
                writeln!(f, "  column `{}` ({:?}): {} missing values", c.name, c.kind, c.n_missing)?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}

/// A dataset and the report of how it was read.
#[derive(Debug, Clone)]
pub struct LoadedFlat {
    /// The data.
    pub dataset: Dataset,
    /// How it was read.
    pub report: FlatReport,
}

/// The line (1-based; the header is line 1) on which data row `row` (0-based, in file order, as
/// [`load_flat`] reads a file in strict mode) starts, for a message about a loaded value.
/// `None` when the input cannot be read again (standard input, a pipe) or has fewer rows.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("d.csv");
/// std::fs::write(&path, "days,note\n10,\"two\nlines\"\n5,x\n").unwrap();
/// assert_eq!(attrition::io::flat::line_of_row(&path, 1).unwrap(), Some(4));
/// ```
pub fn line_of_row(path: &Path, row: usize) -> Result<Option<u64>> {
    if is_stdio(path) || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut f = CsvFile::from_reader(Box::new(std::io::BufReader::new(file)), path, &[], &[], Strictness::Strict)?;
    let mut k = 0;
    while let Some(r) = f.next_record()? {
        if k == row {
            return Ok(Some(r.line()));
        }
        k += 1;
    }
    Ok(None)
}

/// Loads a flat CSV as a [`Dataset`]; see the [module docs](self). `-` is standard input.
pub fn load_flat(path: impl AsRef<Path>, options: &FlatOptions) -> Result<LoadedFlat> {
    let mut source = Source::open(path.as_ref())?;
    let plan = plan_columns(&mut source, options)?;
    read_columns(&mut source, options, plan)
}

/// [`load_flat`] from any reader (an upload, a decompressing reader, a byte slice); `name` names
/// the input in errors (`<name>:<line> column ...`). The reader is read once: its bytes are copied
/// to an anonymous temporary file while the column kinds are inferred, and parsed from there.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::prelude::*;
/// let body = "id,plan,charges,Churn\na,basic,10.5,Yes\nb,pro,,No\n";
/// let loaded = load_flat_from_reader(body.as_bytes(), "upload.csv", &FlatOptions::new().target("Churn").id("id"))?;
/// assert_eq!(loaded.dataset.feature_names(), vec!["plan", "charges"]);
/// let bad = "a,Churn\n1,yes\n2,no\n3,maybe\n";
/// let err = load_flat_from_reader(bad.as_bytes(), "upload.csv", &FlatOptions::new().target("Churn").positive("yes")).unwrap_err();
/// assert!(err.to_string().contains("upload.csv:4"), "{err}");
/// # Ok(()) }
/// ```
pub fn load_flat_from_reader(reader: impl Read, name: impl AsRef<Path>, options: &FlatOptions) -> Result<LoadedFlat> {
    let mut source = Source::from_stream(Box::new(reader), name.as_ref().to_owned())?;
    let plan = plan_columns(&mut source, options)?;
    read_columns(&mut source, options, plan)
}

/// The input of the two passes, read from its origin once (see the [module docs](self)).
struct Source<'r> {
    /// The name in messages.
    name: PathBuf,
    /// Where the second pass reads: the input itself when it is a regular file (rewound to
    /// `start`), else the anonymous file the first pass copies it to.
    replay: File,
    start: u64,
    /// A stream the first pass reads (and copies to `replay`); `None` for a regular file.
    stream: Option<Box<dyn Read + 'r>>,
}

impl<'r> Source<'r> {
    fn open(path: &Path) -> Result<Source<'r>> {
        let (name, file): (PathBuf, Option<File>) = if is_stdio(path) {
            (PathBuf::from(STDIN_NAME), stdin_file())
        } else {
            (path.to_owned(), Some(File::open(path).map_err(|e| Error::io("read", path, e))?))
        };
        let stream: Box<dyn Read> = match file {
            Some(mut f) if f.metadata().is_ok_and(|m| m.is_file()) => {
                let start = f.stream_position().unwrap_or(0);
                return Ok(Source { name, replay: f, start, stream: None });
            }
            // A pipe, FIFO or device: read through the handle already open (a FIFO reopened
            // would be a new connection).
            Some(f) => Box::new(f),
            None => Box::new(std::io::stdin()),
        };
        Self::from_stream(stream, name)
    }

    /// A stream read once: copied to an anonymous temporary file by the first pass.
    fn from_stream(stream: Box<dyn Read + 'r>, name: PathBuf) -> Result<Source<'r>> {
        let spill = tempfile::tempfile()
            .map_err(|e| Error::io("create a temporary copy of the input in", std::env::temp_dir(), e))?;
        Ok(Source { name, replay: spill, start: 0, stream: Some(stream) })
    }

    /// The reader of the first pass.
    fn first(&mut self) -> Result<Box<dyn Read + 'r>> {
        let copy = self.replay.try_clone().map_err(|e| Error::io("read", &self.name, e))?;
        Ok(match self.stream.take() {
            Some(inner) => Box::new(Tee { inner, copy }),
            None => Box::new(copy),
        })
    }

    /// The reader of the second pass (after the first has read everything).
    fn second(&mut self) -> Result<Box<dyn Read + 'r>> {
        self.replay.seek(SeekFrom::Start(self.start)).map_err(|e| Error::io("read", &self.name, e))?;
        Ok(Box::new(self.replay.try_clone().map_err(|e| Error::io("read", &self.name, e))?))
    }
}

/// Standard input as a file, to see whether it is a regular file (`< data.csv`) that can be read
/// twice.
#[cfg(unix)]
fn stdin_file() -> Option<File> {
    use std::os::fd::AsFd;
    std::io::stdin().as_fd().try_clone_to_owned().ok().map(File::from)
}

#[cfg(not(unix))]
fn stdin_file() -> Option<File> {
    None
}

/// Reads `inner` and writes every byte it reads to `copy`.
struct Tee<'r> {
    inner: Box<dyn Read + 'r>,
    copy: File,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n]).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("copying the input to a temporary file in {}: {e}", std::env::temp_dir().display()),
            )
        })?;
        Ok(n)
    }
}

/// What pass 1 decided.
struct Plan {
    /// (header index, name, kind, inferred) for each feature column.
    features: Vec<(usize, String, ColumnKind, bool)>,
    target: Option<(usize, TargetMap)>,
    id: Option<usize>,
    as_of: Option<usize>,
    weight: Option<usize>,
    dropped: Vec<String>,
    warnings: Vec<FlatWarning>,
    delimiter: u8,
    format: crate::io::InputFormat,
    decimal_comma: bool,
    /// Strict mode: the error about target values that are neither class, and the line of the
    /// first of them; the second pass returns it when it reaches that line, so errors come in
    /// line order.
    stray_target: Option<(u64, Error)>,
}

#[derive(Clone)]
struct TargetMap {
    positive: String,
    negative: Option<String>,
    /// Recognised boolean pair (yes/no etc.): match with parse_bool.
    boolean: bool,
}

impl TargetMap {
    fn label(&self, v: &str) -> Option<bool> {
        if self.boolean {
            return parse_bool(v);
        }
        if v == self.positive {
            Some(true)
        } else if self.negative.as_deref() == Some(v) {
            Some(false)
        } else {
            None
        }
    }

    fn expected(&self) -> String {
        match (&self.negative, self.boolean) {
            (_, true) => "a yes/no, true/false or 1/0 label".into(),
            (Some(n), _) => format!("`{}` (churned) or `{n}`", self.positive),
            (None, _) => format!("`{}` (churned) or one other value", self.positive),
        }
    }
}

fn find(headers: &[String], name: &str) -> Result<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| Error::ColumnNotFound { column: name.to_owned(), available: headers.join(", ") })
}

/// Distinct target values counted with their lines; more are lumped together.
const MAX_TARGET_VALUES: usize = 64;
/// Line numbers kept per target value, for messages.
const TARGET_LINES: usize = 3;

/// The target values of pass 1: each distinct value, its count and first lines, in order seen.
#[derive(Default)]
struct TargetValues {
    values: Vec<(String, u64, Vec<u64>)>,
    index: HashMap<String, usize>,
    /// Rows whose value was not kept (beyond [`MAX_TARGET_VALUES`] distinct values).
    others: u64,
}

impl TargetValues {
    fn add(&mut self, v: &str, line: u64) {
        if let Some(&k) = self.index.get(v) {
            let e = &mut self.values[k];
            e.1 += 1;
            if e.2.len() < TARGET_LINES {
                e.2.push(line);
            }
        } else if self.values.len() < MAX_TARGET_VALUES {
            self.index.insert(v.to_owned(), self.values.len());
            self.values.push((v.to_owned(), 1, vec![line]));
        } else {
            self.others += 1;
        }
    }
}

/// Pass-1 state of one column for [`IdLike::MonotoneIntegers`].
#[derive(Clone, Copy, PartialEq)]
enum Monotone {
    Empty,
    One(f64),
    Up(f64),
    Down(f64),
    No,
}

impl Monotone {
    fn next(self, x: Option<f64>) -> Monotone {
        let Some(x) = x.filter(|x| x.fract() == 0.0) else { return Monotone::No };
        match self {
            Monotone::Empty => Monotone::One(x),
            Monotone::One(p) if x > p => Monotone::Up(x),
            Monotone::One(p) if x < p => Monotone::Down(x),
            Monotone::Up(p) if x > p => Monotone::Up(x),
            Monotone::Down(p) if x < p => Monotone::Down(x),
            _ => Monotone::No,
        }
    }

    fn holds(self) -> bool {
        matches!(self, Monotone::Up(_) | Monotone::Down(_))
    }
}

fn plan_columns(source: &mut Source<'_>, o: &FlatOptions) -> Result<Plan> {
    let path = source.name.clone();
    let path = path.as_path();
    let mut f = CsvFile::from_reader_with(source.first()?, path, &[], &[], o.strictness, o.delimiter)?;
    let headers = f.headers.clone();
    let find = |name: &str| find_column(&headers, name, f.delimiter);
    let target = o.target.as_deref().map(find).transpose()?;
    let id = o.id.as_deref().map(find).transpose()?;
    let as_of = o.as_of.as_deref().map(find).transpose()?;
    let weight = o.weight.as_deref().map(find).transpose()?;
    for c in o.drop.iter().chain(&o.categorical).chain(&o.numeric).chain(&o.keep) {
        find(c)?;
    }
    if let Some(both) = o.numeric.iter().find(|c| o.categorical.contains(c)) {
        return Err(Error::param("numeric/categorical", both, "a column cannot be forced to both kinds"));
    }
    // One column in two roles (`--id Churn --target Churn`) would be read as both.
    let roles = [("target", target), ("id", id), ("as-of", as_of), ("weight", weight)];
    for (i, (a, ca)) in roles.iter().enumerate() {
        for (b, cb) in &roles[i + 1..] {
            if let (Some(x), Some(y)) = (ca, cb)
                && x == y
            {
                return Err(Error::param(
                    "columns",
                    &headers[*x],
                    format!("one column cannot be both the {a} and the {b} column of {}", path.display()),
                ));
            }
        }
    }
    let special: Vec<usize> = [target, id, as_of, weight].into_iter().flatten().collect();
    let candidates: Vec<usize> =
        (0..headers.len()).filter(|i| !special.contains(i) && !o.drop.contains(&headers[*i])).collect();

    // Pass 1: count numeric-looking values and missing-value markers, collect target values.
    let mut non_blank = vec![0usize; headers.len()];
    let mut numeric = vec![0usize; headers.len()];
    // Decimal commas: values like `29,85` (numbers only with a decimal comma) and values with a
    // decimal point, over all columns; only a file not separated by commas can hold the former.
    let comma_possible = f.format == crate::io::InputFormat::Csv && f.delimiter != b',';
    let mut comma_numbers = vec![0usize; headers.len()];
    let mut comma_example: Vec<Option<String>> = vec![None; headers.len()];
    let mut point_numbers = 0usize;
    let mut markers = vec![0usize; headers.len()];
    let mut marker_words: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    let mut monotone = vec![Monotone::Empty; headers.len()];
    let mut target_values = TargetValues::default();
    let mut rows = 0u64;
    // In strict mode a record that cannot be read is passed over here and reported by the
    // second pass, in line order: an earlier bad value is then named first, as `score` names it
    // (this pass stopped at line 11's short row while line 6 held a bad number; a tester fixed
    // line 11 only to be sent back to line 6). Lenient mode skips and counts it here.
    let strict = o.strictness == Strictness::Strict;
    let mut first_unreadable: Option<Error> = None;
    loop {
        let rec = if strict {
            match f.next_framed()? {
                None => break,
                Some(Framed::Unreadable(e, _)) => {
                    first_unreadable.get_or_insert(e);
                    continue;
                }
                Some(Framed::Record(rec)) => rec,
            }
        } else {
            match f.next_record()? {
                None => break,
                Some(rec) => rec,
            }
        };
        rows += 1;
        for &i in &candidates {
            let v = rec.get(i);
            if !is_missing(v, o) {
                non_blank[i] += 1;
                let x = parse_f64(v);
                if x.is_some() {
                    numeric[i] += 1;
                    point_numbers += usize::from(is_decimal_point_number(v));
                } else if comma_possible && is_decimal_comma_number(v) {
                    comma_numbers[i] += 1;
                    if comma_example[i].is_none() {
                        comma_example[i] = Some(v.to_owned());
                    }
                } else if is_missing_marker(v) {
                    markers[i] += 1;
                    if marker_words[i].len() < 5 && !marker_words[i].iter().any(|m| m == v) {
                        marker_words[i].push(v.to_owned());
                    }
                }
                monotone[i] = monotone[i].next(x);
            } else {
                monotone[i] = Monotone::No;
            }
        }
        if let Some(t) = target {
            let v = rec.get(t);
            if !v.is_empty() {
                target_values.add(v, rec.line());
            }
        }
    }
    if rows == 0 {
        return Err(first_unreadable.unwrap_or(Error::EmptyInput { file: path.to_owned(), reason: "no data rows" }));
    }

    let decimal_comma =
        o.decimal_comma.unwrap_or(comma_possible && point_numbers == 0 && comma_numbers.iter().any(|&n| n > 0));
    if decimal_comma {
        for i in 0..headers.len() {
            numeric[i] += comma_numbers[i];
        }
    }
    let mut features = Vec::new();
    let mut warnings = Vec::new();
    let (mut marker_columns, mut category_markers, mut marker_values) = (Vec::new(), Vec::new(), 0u64);
    for &i in &candidates {
        let name = &headers[i];
        let (kind, inferred) = if o.numeric.contains(name) {
            (ColumnKind::Numeric, false)
        } else if o.categorical.contains(name) {
            (ColumnKind::Categorical, false)
        } else if non_blank[i] == 0 || numeric[i] as f64 >= NUMERIC_INFERENCE_SHARE * non_blank[i] as f64 {
            (ColumnKind::Numeric, true)
        } else {
            // Numbers with a decimal comma in a file that also has decimal points: not guessed,
            // categorical, and said so.
            if !decimal_comma
                && comma_numbers[i] > 0
                && (numeric[i] + comma_numbers[i] + markers[i]) as f64 >= NUMERIC_INFERENCE_SHARE * non_blank[i] as f64
            {
                warnings.push(FlatWarning::DecimalCommasAmongPoints {
                    column: name.clone(),
                    example: comma_example[i].take().unwrap_or_default(),
                    n_comma: comma_numbers[i] as u64,
                    n_values: non_blank[i] as u64,
                });
            }
            // Numbers but for missing-value markers: categorical, and said so.
            if markers[i] > 0 && (numeric[i] + markers[i]) as f64 >= NUMERIC_INFERENCE_SHARE * non_blank[i] as f64 {
                warnings.push(FlatWarning::MissingMarkersMadeCategorical {
                    column: name.clone(),
                    markers: std::mem::take(&mut marker_words[i]),
                    n_markers: markers[i] as u64,
                    n_values: non_blank[i] as u64,
                });
            }
            (ColumnKind::Categorical, true)
        };
        if kind == ColumnKind::Categorical && !marker_words[i].is_empty() {
            marker_columns.push(name.clone());
            marker_values += markers[i] as u64;
            for w in std::mem::take(&mut marker_words[i]) {
                if category_markers.len() < 5 && !category_markers.contains(&w) {
                    category_markers.push(w);
                }
            }
        }
        if inferred
            && kind == ColumnKind::Numeric
            && rows >= ID_LIKE_MIN_ROWS
            && monotone[i].holds()
            && !o.keep.contains(name)
        {
            warnings.push(FlatWarning::IdLikeColumnDropped { column: name.clone(), why: IdLike::MonotoneIntegers });
            continue;
        }
        if o.as_of.is_none() && name.eq_ignore_ascii_case("as_of") {
            warnings.push(FlatWarning::AsOfColumnUsedAsFeature { column: name.clone() });
        }
        features.push((i, name.clone(), kind, inferred));
    }
    if !marker_columns.is_empty() {
        warnings.push(FlatWarning::MissingMarkersAsCategories {
            columns: marker_columns,
            markers: category_markers,
            n_markers: marker_values,
        });
    }

    let mut stray_target = None;
    let target = match target {
        None => None,
        Some(t) => {
            let map = target_map(&headers[t], &target_values, o.positive.as_deref())?;
            if o.strictness == Strictness::Strict
                && let Some(err) = stray_target_values(path, &f.row_group_starts(), &headers[t], &map, &target_values)
            {
                let line = match &err {
                    Error::BadRow { location, .. } => location.line,
                    _ => 0,
                };
                stray_target = Some((line, err));
            }
            Some((t, map))
        }
    };
    Ok(Plan {
        features,
        target,
        id,
        as_of,
        weight,
        dropped: o.drop.clone(),
        warnings,
        delimiter: f.delimiter,
        format: f.format,
        decimal_comma,
        stray_target,
    })
}

fn find_column(headers: &[String], name: &str, delimiter: u8) -> Result<usize> {
    find(headers, name).map_err(|e| match e {
        Error::ColumnNotFound { column, mut available } => {
            if headers.len() == 1 {
                available.push_str(&format!(
                    " (one column: the file was read as {}-delimited; say --delimiter)",
                    crate::io::delimiter_name(delimiter)
                ));
            }
            Error::ColumnNotFound { column, available }
        }
        other => other,
    })
}

/// In strict mode, target values that are neither class: one error at the first of them, with
/// how many rows hold such values and where.
fn stray_target_values(
    path: &Path,
    group_starts: &[u64],
    col: &str,
    map: &TargetMap,
    seen: &TargetValues,
) -> Option<Error> {
    let stray: Vec<&(String, u64, Vec<u64>)> = seen.values.iter().filter(|(v, _, _)| map.label(v).is_none()).collect();
    let first = stray.iter().min_by_key(|(_, _, lines)| lines[0])?;
    let n: u64 = stray.iter().map(|(_, c, _)| c).sum::<u64>() + seen.others;
    let list: Vec<String> = stray
        .iter()
        .take(5)
        .map(|(v, c, lines)| {
            let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let more = if *c > lines.len() as u64 { ", …" } else { "" };
            format!("`{}` ×{c} (line{} {}{more})", excerpt(v), if lines.len() > 1 { "s" } else { "" }, lines.join(", "))
        })
        .collect();
    Some(Error::BadRow {
        location: Location {
            file: path.to_owned(),
            line: first.2[0],
            column: Some(col.to_owned()),
            row_group: crate::io::csvfile::locate_in_group(group_starts, first.2[0]),
        },
        problem: RowProblem::BadCategory,
        value: excerpt(&first.0),
        expected: format!(
            "{}; {n} row{} of `{col}` hold{} another value: {}{}; fix {} or pass --lenient to skip and count {}",
            map.expected(),
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            list.join(", "),
            if stray.len() > 5 || seen.others > 0 { ", …" } else { "" },
            if n == 1 { "it" } else { "them" },
            if n == 1 { "it" } else { "them" },
        ),
    })
}

fn target_map(col: &str, seen: &TargetValues, positive: Option<&str>) -> Result<TargetMap> {
    match positive {
        Some(p) => {
            // A churned value that never occurs would make every row "retained" and the error
            // "only one class present" although the file has both.
            // (With no value lumped into `others`, `seen` holds them all.)
            if seen.others == 0 && !seen.values.iter().any(|(v, _, _)| v == p) {
                let mut list: Vec<String> =
                    seen.values.iter().take(10).map(|(v, _, _)| format!("`{}`", excerpt(v))).collect();
                if seen.values.len() > 10 {
                    list.push("…".to_owned());
                }
                return Err(Error::param(
                    "positive",
                    p,
                    format!(
                        "target `{col}` never has this value; its values are {} (values are compared exactly, \
                         case included)",
                        list.join(", ")
                    ),
                ));
            }
            // The other class is the most frequent other value; any further value is stray.
            let mut negative: Option<&(String, u64, Vec<u64>)> = None;
            for e in seen.values.iter().filter(|(v, _, _)| v != p) {
                if negative.is_none_or(|n| e.1 > n.1) {
                    negative = Some(e);
                }
            }
            Ok(TargetMap { positive: p.to_owned(), negative: negative.map(|n| n.0.clone()), boolean: false })
        }
        None => {
            let total: u64 = seen.values.iter().map(|(_, c, _)| c).sum::<u64>() + seen.others;
            let boolean: u64 = seen.values.iter().filter(|(v, _, _)| parse_bool(v).is_some()).map(|(_, c, _)| c).sum();
            // Yes/no values on most rows: the rest are stray values, reported with their lines.
            if boolean > 0 && 2 * boolean > total {
                Ok(TargetMap { positive: "true/yes/1".into(), negative: Some("false/no/0".into()), boolean: true })
            } else {
                Err(Error::param(
                    "positive",
                    "<none>",
                    format!(
                        "target `{col}` has values {}; say which one means churned",
                        seen.values
                            .iter()
                            .take(5)
                            .map(|(s, c, _)| format!("`{}` ×{c}", excerpt(s)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        }
    }
}

enum Builder {
    Num(Vec<f64>),
    Cat { index: HashMap<String, u32>, levels: Vec<String>, codes: Vec<u32> },
}

/// `v` as a shell word for `--na-values` in a message (quoted when the shell would change it).
pub(crate) fn na_hint(v: &str) -> String {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)) {
        v.to_owned()
    } else {
        format!("'{}'", excerpt(v).replace('\'', "'\\''"))
    }
}

/// Whether `v` is a missing value: blank, or one of the options' `na_values`.
fn is_missing(v: &str, o: &FlatOptions) -> bool {
    crate::io::parse::is_na(v, &o.na_values)
}

fn read_columns(source: &mut Source<'_>, o: &FlatOptions, mut plan: Plan) -> Result<LoadedFlat> {
    let mut stray_target = plan.stray_target.take();
    let path = source.name.clone();
    let path = path.as_path();
    let mut f = CsvFile::from_reader_with(
        source.second()?,
        path,
        &[],
        &[],
        o.strictness,
        (plan.format == crate::io::InputFormat::Csv).then_some(plan.delimiter),
    )?;
    let mut builders: Vec<Builder> = plan
        .features
        .iter()
        .map(|(_, _, k, _)| match k {
            ColumnKind::Numeric => Builder::Num(Vec::new()),
            ColumnKind::Categorical => Builder::Cat { index: HashMap::new(), levels: Vec::new(), codes: Vec::new() },
        })
        .collect();
    let mut churned = Vec::new();
    let mut ids = Vec::new();
    let mut dates = Vec::new();
    let mut weights = Vec::new();
    let mut num_buf = vec![f64::NAN; plan.features.len()];
    let parse_number = crate::io::parse::number_parser(plan.decimal_comma);

    while let Some(rec) = f.next_record()? {
        if stray_target.as_ref().is_some_and(|(line, _)| rec.line() >= *line)
            && let Some((_, err)) = stray_target.take()
        {
            return Err(err);
        }
        // Validate the whole row before committing any value, so a skipped row leaves no trace.
        let mut bad: Option<FieldError> = None;
        for (j, (i, name, kind, inferred)) in plan.features.iter().enumerate() {
            if *kind == ColumnKind::Numeric {
                let v = rec.get(*i);
                num_buf[j] = if is_missing(v, o) {
                    f64::NAN
                } else if let Some(x) = parse_number(v) {
                    x
                } else {
                    let expected = if *inferred {
                        format!(
                            "a number (column `{name}` is otherwise numeric; to keep its text, force it categorical \
                             with --categorical {name}; if it means missing, declare it with --na-values {}; to leave \
                             the column out, --drop it)",
                            na_hint(v)
                        )
                    } else {
                        // A column declared numeric (a model's numeric feature, `km`'s duration):
                        // forcing it categorical or dropping it is no way out.
                        format!("a number (if it means missing, declare it with --na-values {})", na_hint(v))
                    };
                    bad = Some(FieldError::new(RowProblem::BadNumber, name, v, expected));
                    break;
                };
            }
        }
        let mut label = None;
        if bad.is_none()
            && let Some((t, map)) = &plan.target
        {
            let v = rec.get(*t);
            match map.label(v) {
                Some(b) => label = Some(b),
                None if v.is_empty() => {
                    bad = Some(FieldError::new(RowProblem::MissingValue, rec.name(*t), v, map.expected()))
                }
                None => bad = Some(FieldError::new(RowProblem::BadCategory, rec.name(*t), v, map.expected())),
            }
        }
        let mut date = None;
        if bad.is_none()
            && let Some(c) = plan.as_of
        {
            let v = rec.get(c);
            match parse_date(v) {
                Some(d) => date = Some(d),
                None => bad = Some(FieldError::new(RowProblem::BadDate, rec.name(c), v, "a date YYYY-MM-DD")),
            }
        }
        let mut weight = None;
        if bad.is_none()
            && let Some(c) = plan.weight
        {
            let v = rec.get(c);
            match parse_f64(v) {
                Some(w) if w >= 0.0 => weight = Some(w),
                _ => bad = Some(FieldError::new(RowProblem::BadNumber, rec.name(c), v, "a finite weight ≥ 0")),
            }
        }
        let id = match plan.id {
            Some(c) => Some(rec.get(c).to_owned()),
            // The record's number among the data records (rejected ones count).
            None if o.row_ids => Some(rec.number().to_string()),
            None => None,
        };
        if bad.is_none()
            && let (Some(c), Some(v)) = (plan.id, &id)
            && v.is_empty()
        {
            bad = Some(FieldError::new(RowProblem::MissingValue, rec.name(c), v, "an id"));
        }
        if let Some(e) = bad {
            f.reject(e)?;
            continue;
        }
        for (j, (i, _, _, _)) in plan.features.iter().enumerate() {
            match &mut builders[j] {
                Builder::Num(v) => v.push(num_buf[j]),
                Builder::Cat { index, levels, codes } => {
                    let v = rec.get(*i);
                    if is_missing(v, o) {
                        codes.push(MISSING_CODE);
                    } else if let Some(&c) = index.get(v) {
                        codes.push(c);
                    } else {
                        let c = levels.len() as u32;
                        levels.push(v.to_owned());
                        index.insert(v.to_owned(), c);
                        codes.push(c);
                    }
                }
            }
        }
        if let Some(l) = label {
            churned.push(l);
        }
        if let Some(d) = date {
            dates.push(d);
        }
        if let Some(w) = weight {
            weights.push(w);
        }
        if let Some(id) = id {
            ids.push(id);
        }
        f.accept();
    }

    let n = f.report.rows_loaded as usize;
    if n == 0 {
        return Err(Error::EmptyInput { file: path.to_owned(), reason: "no data rows could be loaded" });
    }
    let mut ds = Dataset::with_rows(n);
    let mut col_reports = Vec::new();
    let mut warnings = plan.warnings.clone();
    for ((_, name, kind, inferred), b) in plan.features.iter().zip(builders) {
        if let Builder::Cat { levels, codes, .. } = &b {
            let n_values = codes.iter().filter(|&&c| c != MISSING_CODE).count() as u64;
            let n_distinct = levels.len() as u64;
            if *inferred
                && n_values >= ID_LIKE_MIN_ROWS
                && n_distinct as f64 > ID_LIKE_DISTINCT_SHARE * n_values as f64
                && !o.keep.contains(name)
            {
                let why = IdLike::MostlyDistinct { n_distinct, n_values };
                warnings.push(FlatWarning::IdLikeColumnDropped { column: name.clone(), why });
                continue;
            }
        }
        let col = match b {
            Builder::Num(v) => Column { name: name.clone(), data: ColumnData::Numeric(v) },
            Builder::Cat { levels, codes, .. } => {
                Column { name: name.clone(), data: ColumnData::Categorical(CategoricalColumn { levels, codes }) }
            }
        };
        if *inferred
            && n >= CONSTANT_MIN_ROWS
            && let Some(value) = constant_value(&col)
        {
            warnings.push(FlatWarning::ConstantColumn { column: name.clone(), value });
        }
        col_reports.push(ColumnReport {
            name: name.clone(),
            kind: *kind,
            inferred: *inferred,
            n_missing: col.n_missing(),
            n_levels: col.as_categorical().map(|c| c.levels.len()),
        });
        ds.push_column(col)?;
    }
    if plan.target.is_some() {
        ds = ds.with_churned(churned.clone())?;
    }
    if plan.id.is_some() || o.row_ids {
        ds = ds.with_ids(ids)?;
    }
    if plan.as_of.is_some() {
        ds = ds.with_as_of(dates)?;
    }
    if plan.weight.is_some() {
        ds = ds.with_weights(weights)?;
    }
    let target_values = plan.target.as_ref().map(|(_, m)| (m.positive.clone(), m.negative.clone().unwrap_or_default()));
    let report = FlatReport {
        file: path.to_owned(),
        rows_read: f.report.rows_read,
        rows_loaded: f.report.rows_loaded,
        skipped: f.report.skipped.clone(),
        examples: f.report.examples.clone(),
        columns: col_reports,
        target_values,
        dropped: plan.dropped.clone(),
        dropped_id_like: warnings
            .iter()
            .filter_map(|w| match w {
                FlatWarning::IdLikeColumnDropped { column, .. } => Some(column.clone()),
                _ => None,
            })
            .collect(),
        delimiter: plan.delimiter,
        format: plan.format,
        warnings,
        decimal_comma: plan.decimal_comma,
    };
    Ok(LoadedFlat { dataset: ds, report })
}
