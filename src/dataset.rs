//! A flat table of observations: typed feature columns, an optional churn label, optional ids,
//! observation dates and sample weights.
//!
//! This is what models fit on and score, what the flat-table loader
//! ([`crate::io::flat::load_flat`]) returns and what the feature builder produces. Numeric columns
//! hold `f64` with `NaN` for missing values; categorical columns hold codes into a list of levels,
//! with [`MISSING_CODE`] for missing.
//!
//! The label is stored as `churned: Vec<bool>`: `true` always means the customer churned, so every
//! probability in this crate is P(churn).
//!
//! ```
//! use attrition::dataset::{Column, Dataset};
//! let ds = Dataset::new(vec![
//!     Column::numeric("tenure_days", vec![30.0, 400.0, f64::NAN]),
//!     Column::categorical("plan", &[Some("basic"), Some("pro"), None]),
//! ])
//! .unwrap()
//! .with_churned(vec![true, false, false])
//! .unwrap();
//! assert_eq!(ds.n_rows(), 3);
//! assert_eq!(ds.feature_names(), vec!["tenure_days", "plan"]);
//! assert_eq!(ds.churn_rate(), Some(1.0 / 3.0));
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Code of a missing value in a [`CategoricalColumn`].
pub const MISSING_CODE: u32 = u32::MAX;

/// Whether a column is numeric or categorical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Real numbers; missing is `NaN`.
    Numeric,
    /// Unordered levels.
    Categorical,
}

/// A categorical column: `codes[i]` indexes `levels`, or is [`MISSING_CODE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalColumn {
    /// Distinct level names, in order of first appearance.
    pub levels: Vec<String>,
    /// One code per row.
    pub codes: Vec<u32>,
}

impl CategoricalColumn {
    /// The level of row `i`, or `None` if missing.
    pub fn value(&self, i: usize) -> Option<&str> {
        let c = *self.codes.get(i)?;
        if c == MISSING_CODE { None } else { self.levels.get(c as usize).map(String::as_str) }
    }
}

/// The values of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnData {
    /// Numeric values, `NaN` = missing.
    Numeric(Vec<f64>),
    /// Categorical codes and levels.
    Categorical(CategoricalColumn),
}

/// A named feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Values.
    pub data: ColumnData,
}

impl Column {
    /// A numeric column (`NaN` = missing).
    pub fn numeric(name: impl Into<String>, values: Vec<f64>) -> Self {
        Column { name: name.into(), data: ColumnData::Numeric(values) }
    }

    /// A categorical column from optional string values (levels in order of first appearance).
    pub fn categorical<S: AsRef<str>>(name: impl Into<String>, values: &[Option<S>]) -> Self {
        let mut levels: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::<String, u32>::new();
        let codes = values
            .iter()
            .map(|v| match v {
                None => MISSING_CODE,
                Some(s) => {
                    let s = s.as_ref();
                    *index.entry(s.to_owned()).or_insert_with(|| {
                        levels.push(s.to_owned());
                        (levels.len() - 1) as u32
                    })
                }
            })
            .collect();
        Column { name: name.into(), data: ColumnData::Categorical(CategoricalColumn { levels, codes }) }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Categorical(c) => c.codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Numeric or categorical.
    pub fn kind(&self) -> ColumnKind {
        match &self.data {
            ColumnData::Numeric(_) => ColumnKind::Numeric,
            ColumnData::Categorical(_) => ColumnKind::Categorical,
        }
    }

    /// The numeric values, if numeric.
    pub fn as_numeric(&self) -> Option<&[f64]> {
        match &self.data {
            ColumnData::Numeric(v) => Some(v),
            ColumnData::Categorical(_) => None,
        }
    }

    /// The categorical column, if categorical.
    pub fn as_categorical(&self) -> Option<&CategoricalColumn> {
        match &self.data {
            ColumnData::Categorical(c) => Some(c),
            ColumnData::Numeric(_) => None,
        }
    }

    /// Number of missing values.
    pub fn n_missing(&self) -> usize {
        match &self.data {
            ColumnData::Numeric(v) => v.iter().filter(|x| x.is_nan()).count(),
            ColumnData::Categorical(c) => c.codes.iter().filter(|&&x| x == MISSING_CODE).count(),
        }
    }

    /// A new column holding rows `rows` of this one, in that order.
    pub fn take(&self, rows: &[usize]) -> Column {
        let data = match &self.data {
            ColumnData::Numeric(v) => ColumnData::Numeric(rows.iter().map(|&i| v[i]).collect()),
            ColumnData::Categorical(c) => ColumnData::Categorical(CategoricalColumn {
                levels: c.levels.clone(),
                codes: rows.iter().map(|&i| c.codes[i]).collect(),
            }),
        };
        Column { name: self.name.clone(), data }
    }
}

/// Observations to fit on or score.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// Feature columns, all of the same length.
    pub columns: Vec<Column>,
    /// Label: `true` = churned. `None` for data to score.
    pub churned: Option<Vec<bool>>,
    /// Observation ids (customer ids). Repeated ids mark repeated observations of one customer.
    pub ids: Option<Vec<String>>,
    /// Observation dates (`as_of`), for time-ordered validation.
    pub as_of: Option<Vec<NaiveDate>>,
    /// Per-observation sample weights (≥ 0).
    pub weights: Option<Vec<f64>>,
    n_rows: usize,
}

impl Dataset {
    /// A dataset from feature columns. Errors if the columns differ in length or share a name.
    pub fn new(columns: Vec<Column>) -> Result<Self> {
        let n_rows = columns.first().map_or(0, Column::len);
        for c in &columns {
            if c.len() != n_rows {
                return Err(Error::LengthMismatch { context: "dataset columns", left: n_rows, right: c.len() });
            }
        }
        let mut names = std::collections::HashSet::new();
        for c in &columns {
            if !names.insert(c.name.as_str()) {
                return Err(Error::FeatureMismatch { reason: format!("column `{}` appears twice", c.name) });
            }
        }
        Ok(Dataset { columns, churned: None, ids: None, as_of: None, weights: None, n_rows })
    }

    /// A dataset with `n_rows` rows and no feature columns yet (columns can be pushed with [`Dataset::push_column`]).
    pub fn with_rows(n_rows: usize) -> Self {
        Dataset { n_rows, ..Default::default() }
    }

    /// Adds a feature column.
    pub fn push_column(&mut self, column: Column) -> Result<()> {
        if column.len() != self.n_rows {
            return Err(Error::LengthMismatch { context: "dataset columns", left: self.n_rows, right: column.len() });
        }
        if self.columns.iter().any(|c| c.name == column.name) {
            return Err(Error::FeatureMismatch { reason: format!("column `{}` appears twice", column.name) });
        }
        self.columns.push(column);
        Ok(())
    }

    /// Sets the churn label.
    pub fn with_churned(mut self, churned: Vec<bool>) -> Result<Self> {
        self.check_len("churned", churned.len())?;
        self.churned = Some(churned);
        Ok(self)
    }

    /// Sets observation ids.
    pub fn with_ids(mut self, ids: Vec<String>) -> Result<Self> {
        self.check_len("ids", ids.len())?;
        self.ids = Some(ids);
        Ok(self)
    }

    /// Sets observation dates.
    pub fn with_as_of(mut self, as_of: Vec<NaiveDate>) -> Result<Self> {
        self.check_len("as_of", as_of.len())?;
        self.as_of = Some(as_of);
        Ok(self)
    }

    /// Sets sample weights; they must be finite and ≥ 0.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        self.check_len("weights", weights.len())?;
        if let Some((row, &value)) = weights.iter().enumerate().find(|(_, w)| !w.is_finite() || **w < 0.0) {
            return Err(Error::NonFinite { context: "sample weights (must be finite and ≥ 0)".into(), row, value });
        }
        self.weights = Some(weights);
        Ok(self)
    }

    fn check_len(&self, context: &'static str, n: usize) -> Result<()> {
        if n != self.n_rows && !(self.columns.is_empty() && self.n_rows == 0) {
            return Err(Error::LengthMismatch { context, left: self.n_rows, right: n });
        }
        Ok(())
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.columns.len()
    }

    /// Feature names, in column order.
    pub fn feature_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The label, or an error saying the data has none.
    pub fn churned_or_err(&self) -> Result<&[bool]> {
        self.churned.as_deref().ok_or_else(|| Error::ColumnNotFound {
            column: "<target>".into(),
            available: "the dataset has no churn label".into(),
        })
    }

    /// Share of churned rows (weighted if weights are set), or `None` without a label or rows.
    pub fn churn_rate(&self) -> Option<f64> {
        let y = self.churned.as_ref()?;
        if y.is_empty() {
            return None;
        }
        match &self.weights {
            Some(w) => {
                let tot: f64 = w.iter().sum();
                (tot > 0.0).then(|| y.iter().zip(w).filter(|(y, _)| **y).map(|(_, w)| w).sum::<f64>() / tot)
            }
            None => Some(y.iter().filter(|&&b| b).count() as f64 / y.len() as f64),
        }
    }

    /// A new dataset holding rows `rows` (in that order), with labels, ids, dates and weights.
    pub fn take(&self, rows: &[usize]) -> Dataset {
        Dataset {
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            churned: self.churned.as_ref().map(|v| rows.iter().map(|&i| v[i]).collect()),
            ids: self.ids.as_ref().map(|v| rows.iter().map(|&i| v[i].clone()).collect()),
            as_of: self.as_of.as_ref().map(|v| rows.iter().map(|&i| v[i]).collect()),
            weights: self.weights.as_ref().map(|v| rows.iter().map(|&i| v[i]).collect()),
            n_rows: rows.len(),
        }
    }
}
