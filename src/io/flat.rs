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
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::{CategoricalColumn, Column, ColumnData, ColumnKind, Dataset, MISSING_CODE};
use crate::error::{Error, Result, RowProblem};
use crate::io::csvfile::{CsvFile, FieldError};
use crate::io::parse::{parse_bool, parse_date, parse_f64};
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

/// Loads a flat CSV as a [`Dataset`]; see the [module docs](self).
pub fn load_flat(path: impl AsRef<Path>, options: &FlatOptions) -> Result<LoadedFlat> {
    let path = path.as_ref();
    let plan = plan_columns(path, options)?;
    read_columns(path, options, &plan)
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

fn plan_columns(path: &Path, o: &FlatOptions) -> Result<Plan> {
    let mut f = CsvFile::open(path, &[], &[], o.strictness)?;
    let headers = f.headers.clone();
    let target = o.target.as_deref().map(|t| find(&headers, t)).transpose()?;
    let id = o.id.as_deref().map(|t| find(&headers, t)).transpose()?;
    let as_of = o.as_of.as_deref().map(|t| find(&headers, t)).transpose()?;
    let weight = o.weight.as_deref().map(|t| find(&headers, t)).transpose()?;
    for c in o.drop.iter().chain(&o.categorical).chain(&o.numeric) {
        find(&headers, c)?;
    }
    if let Some(both) = o.numeric.iter().find(|c| o.categorical.contains(c)) {
        return Err(Error::param("numeric/categorical", both, "a column cannot be forced to both kinds"));
    }
    let special: Vec<usize> = [target, id, as_of, weight].into_iter().flatten().collect();
    let candidates: Vec<usize> =
        (0..headers.len()).filter(|i| !special.contains(i) && !o.drop.contains(&headers[*i])).collect();

    // Pass 1: count numeric-looking values and collect target values.
    let mut non_blank = vec![0usize; headers.len()];
    let mut numeric = vec![0usize; headers.len()];
    let mut target_values: Vec<String> = Vec::new();
    let mut rows = 0u64;
    while let Some(rec) = f.next_record()? {
        rows += 1;
        for &i in &candidates {
            let v = rec.get(i);
            if !v.is_empty() {
                non_blank[i] += 1;
                if parse_f64(v).is_some() {
                    numeric[i] += 1;
                }
            }
        }
        if let Some(t) = target {
            let v = rec.get(t);
            if !v.is_empty() && target_values.len() < 3 && !target_values.iter().any(|x| x == v) {
                target_values.push(v.to_owned());
            }
        }
    }
    if rows == 0 {
        return Err(Error::EmptyInput { file: path.to_owned(), reason: "no data rows" });
    }

    let mut features = Vec::new();
    for &i in &candidates {
        let name = &headers[i];
        let (kind, inferred) = if o.numeric.contains(name) {
            (ColumnKind::Numeric, false)
        } else if o.categorical.contains(name) {
            (ColumnKind::Categorical, false)
        } else if non_blank[i] == 0 || numeric[i] as f64 >= NUMERIC_INFERENCE_SHARE * non_blank[i] as f64 {
            (ColumnKind::Numeric, true)
        } else {
            (ColumnKind::Categorical, true)
        };
        features.push((i, name.clone(), kind, inferred));
    }

    let target = match target {
        None => None,
        Some(t) => Some((t, target_map(&headers[t], &target_values, o.positive.as_deref())?)),
    };
    Ok(Plan { features, target, id, as_of, weight, dropped: o.drop.clone() })
}

fn target_map(col: &str, seen: &[String], positive: Option<&str>) -> Result<TargetMap> {
    match positive {
        Some(p) => {
            let others: Vec<&String> = seen.iter().filter(|v| v.as_str() != p).collect();
            // A third value is reported with its line in pass 2.
            Ok(TargetMap { positive: p.to_owned(), negative: others.first().map(|s| s.to_string()), boolean: false })
        }
        None => {
            if seen.iter().all(|v| parse_bool(v).is_some()) {
                Ok(TargetMap { positive: "true/yes/1".into(), negative: Some("false/no/0".into()), boolean: true })
            } else {
                Err(Error::param(
                    "positive",
                    "<none>",
                    format!(
                        "target `{col}` has values {}; say which one means churned",
                        seen.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
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

fn read_columns(path: &Path, o: &FlatOptions, plan: &Plan) -> Result<LoadedFlat> {
    let mut f = CsvFile::open(path, &[], &[], o.strictness)?;
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

    while let Some(rec) = f.next_record()? {
        // Validate the whole row before committing any value, so a skipped row leaves no trace.
        let mut bad: Option<FieldError> = None;
        for (j, (i, name, kind, inferred)) in plan.features.iter().enumerate() {
            if *kind == ColumnKind::Numeric {
                let v = rec.get(*i);
                num_buf[j] = if v.is_empty() {
                    f64::NAN
                } else if let Some(x) = parse_f64(v) {
                    x
                } else {
                    let expected = if *inferred {
                        format!("a number (column `{name}` is otherwise numeric; force it categorical to keep text)")
                    } else {
                        "a number".to_owned()
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
        let id = plan.id.map(|c| rec.get(c).to_owned());
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
                    if v.is_empty() {
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
    for ((_, name, kind, inferred), b) in plan.features.iter().zip(builders) {
        let col = match b {
            Builder::Num(v) => Column { name: name.clone(), data: ColumnData::Numeric(v) },
            Builder::Cat { levels, codes, .. } => {
                Column { name: name.clone(), data: ColumnData::Categorical(CategoricalColumn { levels, codes }) }
            }
        };
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
    if plan.id.is_some() {
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
    };
    Ok(LoadedFlat { dataset: ds, report })
}
