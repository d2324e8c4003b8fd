//! Preprocessing fitted on training data only and saved inside the model.
//!
//! Two modes:
//! - [`PreprocessMode::Linear`] (logistic regression): numeric features get fight-churn's
//!   fat-tail transform when strongly skewed, median imputation with a missing-indicator column
//!   (only for features that had missing values in training), and standardisation; categoricals
//!   get one-hot columns.
//! - [`PreprocessMode::Tree`]: numeric features pass through untouched (`NaN` reaches the trees,
//!   which learn a default direction for missing values); categoricals get one-hot columns, or,
//!   with [`PreprocessParams::native_categorical`] (for boosted trees), one column of category
//!   codes that the trees split natively as sets of categories ([`Preprocessor::categorical_outputs`]):
//!   code `k` is the `k`-th kept level, the `__other__` code follows them, and missing or unseen
//!   values are `NaN`, so they follow each split's learned default direction.
//!
//! **Fat tails** follow *Fighting Churn with Data* (Gold 2020, listing 7.x
//! `transform_fattail_columns`): a metric whose sample skewness exceeds 4 is replaced by
//! `ln(1 + x)` when it is never negative; for signed metrics we use `asinh(x)`, which behaves
//! like the log on both tails, as we do for a metric as strongly skewed to the left (skewness
//! below −4: a few values far below the rest, such as one of −1e150 among customers' usual
//! numbers, which would otherwise set the scale and flatten every other customer to one value).
//! Moments that overflow (values near ±f64::MAX) are computed on the values divided by the
//! largest |value|.
//!
//! **Unseen categories** at scoring time map to all-zero one-hot columns (the training base
//! rate of that feature), or to the `__other__` column when the feature has one; they are never
//! an error, and those mapped to zeros are counted in [`Transformed::unseen`] so callers can
//! report them. Missing categorical values get their own `__missing__` column
//! when training had any. Extra columns in the scoring data are ignored; missing ones, or ones of
//! the wrong kind, are [`Error::FeatureMismatch`].

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::dataset::{ColumnData, ColumnKind, Dataset, MISSING_CODE};
use crate::error::{Error, Result};

/// Which model family the columns are prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreprocessMode {
    /// Impute, transform fat tails, standardise, one-hot.
    Linear,
    /// Pass numbers through (NaN = missing), one-hot categoricals.
    Tree,
}

/// Preprocessing parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PreprocessParams {
    /// Family the columns are for.
    pub mode: PreprocessMode,
    /// Skewness above which a numeric feature is log/asinh-transformed, and below whose
    /// negative it is asinh-transformed (linear mode). Default 4 (fight-churn's threshold);
    /// `f64::INFINITY` disables the transform.
    pub skew_threshold: f64,
    /// Most one-hot columns per categorical feature; rarer levels share an `__other__` column.
    /// Default 50.
    pub max_levels: usize,
    /// Tree mode: categorical features become one column of category codes each, for native
    /// categorical splits, instead of one-hot columns. At most [`MAX_NATIVE_LEVELS`] levels keep
    /// a code of their own (the most frequent); rarer ones share the `__other__` code. Default
    /// false.
    #[serde(default)]
    pub native_categorical: bool,
}

/// Most levels of a native categorical feature with a code of their own (one more code is
/// `__other__`; the trees bin at most [`crate::models::hist::MAX_BINS`] codes).
pub const MAX_NATIVE_LEVELS: usize = crate::models::hist::MAX_BINS - 1;

impl PreprocessParams {
    /// Defaults for `mode`.
    pub fn new(mode: PreprocessMode) -> Self {
        Self { mode, skew_threshold: 4.0, max_levels: 50, native_categorical: false }
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.skew_threshold.is_nan() {
            return Err(Error::param("skew_threshold", self.skew_threshold, "must not be NaN"));
        }
        if self.max_levels == 0 {
            return Err(Error::param("max_levels", 0, "must be at least 1"));
        }
        Ok(())
    }

    /// Fits on the training data.
    ///
    /// ```
    /// use attrition::models::preprocess::{PreprocessMode, PreprocessParams};
    /// use attrition::{Column, Dataset};
    /// let data = Dataset::new(vec![
    ///     Column::numeric("logins", vec![1.0, f64::NAN, 3.0]),
    ///     Column::categorical("plan", &[Some("pro"), Some("basic"), None]),
    /// ]).unwrap();
    /// let pre = PreprocessParams::new(PreprocessMode::Linear).fit(&data).unwrap();
    /// assert_eq!(pre.output_names(), vec!["logins", "logins__missing", "plan=pro", "plan=basic", "plan=__missing__"]);
    /// let t = pre.transform(&data).unwrap();
    /// assert_eq!(t.x.dim(), (3, 5));
    /// ```
    pub fn fit(&self, data: &Dataset) -> Result<Preprocessor> {
        self.fit_impl(data, None)
    }

    /// Fits on the rows `rows` of `data`: the same preprocessor as
    /// `self.fit(&data.take(rows))`, copying one column at a time instead of the whole table
    /// (errors name the row's position in `rows`, as they would in the copy).
    ///
    /// ```
    /// use attrition::models::preprocess::{PreprocessMode, PreprocessParams};
    /// use attrition::{Column, Dataset};
    /// let data = Dataset::new(vec![Column::numeric("logins", vec![1.0, f64::NAN, 3.0, 8.0])]).unwrap();
    /// let p = PreprocessParams::new(PreprocessMode::Linear);
    /// assert_eq!(p.fit_rows(&data, &[0, 2]).unwrap(), p.fit(&data.take(&[0, 2])).unwrap());
    /// ```
    pub fn fit_rows(&self, data: &Dataset, rows: &[usize]) -> Result<Preprocessor> {
        self.fit_impl(data, Some(rows))
    }

    fn fit_impl(&self, data: &Dataset, rows: Option<&[usize]>) -> Result<Preprocessor> {
        self.check()?;
        let n = rows.map_or(data.n_rows(), <[usize]>::len);
        if n == 0 {
            return Err(Error::EmptyData { context: "preprocessing" });
        }
        let taken_weights: Option<Vec<f64>> =
            rows.and_then(|r| data.weights.as_ref().map(|w| r.iter().map(|&i| w[i]).collect()));
        let weights = if rows.is_some() { taken_weights.as_deref() } else { data.weights.as_deref() };
        let mut inputs = Vec::with_capacity(data.columns.len());
        for col in &data.columns {
            let taken = rows.map(|r| col.take(r));
            let col = taken.as_ref().unwrap_or(col);
            let spec = match &col.data {
                ColumnData::Numeric(v) => {
                    if let Some(row) = v.iter().position(|x| x.is_infinite()) {
                        return Err(Error::NonFinite {
                            context: format!("feature `{}`", col.name),
                            row,
                            value: v[row],
                        });
                    }
                    fit_numeric(&col.name, v, weights, self)
                }
                ColumnData::Categorical(c) => {
                    let mut counts = vec![0u64; c.levels.len()];
                    let mut missing = false;
                    for &code in &c.codes {
                        match counts.get_mut(code as usize) {
                            Some(n) => *n += 1,
                            None => missing = true,
                        }
                    }
                    let mut order: Vec<usize> = (0..c.levels.len()).filter(|&l| counts[l] > 0).collect();
                    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
                    let native = self.native_categorical && self.mode == PreprocessMode::Tree;
                    let other = if native { order.len() > MAX_NATIVE_LEVELS } else { order.len() > self.max_levels };
                    let keep = if native { MAX_NATIVE_LEVELS } else { self.max_levels - 1 };
                    order.truncate(if other { keep } else { order.len() });
                    order.sort_unstable();
                    InputSpec::Categorical {
                        name: col.name.clone(),
                        levels: order.iter().map(|&l| c.levels[l].clone()).collect(),
                        other,
                        missing,
                        native,
                    }
                }
            };
            inputs.push(spec);
        }
        Ok(Preprocessor { mode: self.mode, inputs })
    }
}

fn fit_numeric(name: &str, v: &[f64], weights: Option<&[f64]>, params: &PreprocessParams) -> InputSpec {
    let has_missing = v.iter().any(|x| x.is_nan());
    if params.mode == PreprocessMode::Tree {
        return InputSpec::Numeric {
            name: name.into(),
            transform: Transform::None,
            median: 0.0,
            mean: 0.0,
            sd: 1.0,
            indicator: false,
        };
    }
    // Statistics are weighted by the sample weights, so integer weights equal duplicated rows.
    let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
    let mut present: Vec<(f64, f64)> = (0..v.len()).filter(|&i| !v[i].is_nan()).map(|i| (v[i], weight(i))).collect();
    present.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = weighted_median(&present);
    let skewness = weighted_skewness(&present);
    let transform = if skewness > params.skew_threshold {
        if present.first().is_some_and(|&(m, _)| m >= 0.0) { Transform::Log1p } else { Transform::Asinh }
    } else if skewness < -params.skew_threshold {
        Transform::Asinh
    } else {
        Transform::None
    };
    let values: Vec<f64> = v.iter().map(|&x| transform.apply(if x.is_nan() { median } else { x })).collect();
    let total: f64 = (0..v.len()).map(weight).sum();
    let total = if total > 0.0 { total } else { 1.0 };
    let moments = |scale: f64| {
        let mean = values.iter().enumerate().map(|(i, x)| weight(i) * (x / scale)).sum::<f64>() / total;
        let var = values.iter().enumerate().map(|(i, x)| weight(i) * (x / scale - mean).powi(2)).sum::<f64>() / total;
        (mean, var)
    };
    let (mean, var) = moments(1.0);
    let (mean, sd) = if mean.is_finite() && var.is_finite() {
        (mean, if var > 1e-24 { var.sqrt() } else { 1.0 })
    } else {
        // Sums of values near ±f64::MAX overflow (1e308 → an infinite variance): the same
        // moments of the values divided by the largest |value| (≤ f64::MAX, so all finite).
        let s = values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let (m, var) = moments(s);
        (m * s, if var > 1e-24 { var.sqrt() * s } else { 1.0 })
    };
    InputSpec::Numeric { name: name.into(), transform, median, mean, sd, indicator: has_missing }
}

/// Weighted median of sorted `(value, weight)` pairs (midpoint when the half-weight falls
/// exactly between two values, like the unweighted median); 0 when empty.
fn weighted_median(sorted: &[(f64, f64)]) -> f64 {
    let total: f64 = sorted.iter().map(|p| p.1).sum();
    if sorted.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let half = total / 2.0;
    let mut acc = 0.0;
    for (k, &(x, w)) in sorted.iter().enumerate() {
        acc += w;
        if acc > half + 1e-12 * total {
            return x;
        }
        if (acc - half).abs() <= 1e-12 * total {
            let next = sorted[k + 1..].iter().find(|p| p.1 > 0.0).map_or(x, |p| p.0);
            // Halved first when the sum overflows (two values near ±f64::MAX).
            let mid = (x + next) / 2.0;
            return if mid.is_finite() { mid } else { x / 2.0 + next / 2.0 };
        }
    }
    sorted[sorted.len() - 1].0
}

/// Weighted sample skewness (population moments, bias-uncorrected g1); 0 for constant data.
/// Skewness does not depend on the scale, so when the moments overflow (values of 1e150 cubed)
/// it is computed on the values divided by the largest |value|.
fn weighted_skewness(v: &[(f64, f64)]) -> f64 {
    let n: f64 = v.iter().map(|p| p.1).sum();
    if v.len() < 3 || n <= 0.0 {
        return 0.0;
    }
    let skewness = |scale: f64| {
        let mean = v.iter().map(|(x, w)| w * (x / scale)).sum::<f64>() / n;
        let m2 = v.iter().map(|(x, w)| w * (x / scale - mean).powi(2)).sum::<f64>() / n;
        let m3 = v.iter().map(|(x, w)| w * (x / scale - mean).powi(3)).sum::<f64>() / n;
        if m2 <= 1e-24 { 0.0 } else { m3 / m2.powf(1.5) }
    };
    let g = skewness(1.0);
    if g.is_finite() {
        return g;
    }
    let s = v.iter().fold(0.0f64, |m, p| m.max(p.0.abs()));
    skewness(s)
}

/// Monotone transform applied to a numeric feature before standardisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Identity.
    None,
    /// `ln(1 + x)` for non-negative fat-tailed counts.
    Log1p,
    /// `asinh(x)` for signed fat-tailed metrics.
    Asinh,
}

impl Transform {
    fn apply(self, x: f64) -> f64 {
        match self {
            Transform::None => x,
            Transform::Log1p => x.max(0.0).ln_1p(),
            Transform::Asinh => {
                // std's asinh overflows to ±∞ near ±f64::MAX; there asinh(x) = ln(2|x|) exactly
                // to within rounding (the next term is 1/(4x²)).
                let y = x.asinh();
                if y.is_finite() { y } else { (x.abs().ln() + std::f64::consts::LN_2).copysign(x) }
            }
        }
    }
}

/// How one input feature is prepared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputSpec {
    /// A numeric feature.
    Numeric {
        /// Feature name.
        name: String,
        /// Fat-tail transform.
        transform: Transform,
        /// Training median (raw scale), used for missing values in linear mode.
        median: f64,
        /// Mean after transform (linear mode).
        mean: f64,
        /// Standard deviation after transform (linear mode; 1 when constant).
        sd: f64,
        /// Whether a missing-indicator column follows (linear mode; training had missing values).
        indicator: bool,
    },
    /// A categorical feature.
    Categorical {
        /// Feature name.
        name: String,
        /// Levels with their own one-hot column.
        levels: Vec<String>,
        /// Whether an `__other__` column collects rarer training levels.
        other: bool,
        /// Whether a `__missing__` column exists (training had missing values).
        missing: bool,
        /// Tree mode: one column of codes (`k` = `levels[k]`, `levels.len()` = `__other__`,
        /// `NaN` = missing or unseen) instead of one-hot columns.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        native: bool,
    },
}

impl InputSpec {
    /// Feature name.
    pub fn name(&self) -> &str {
        match self {
            InputSpec::Numeric { name, .. } | InputSpec::Categorical { name, .. } => name,
        }
    }

    /// Feature kind.
    pub fn kind(&self) -> ColumnKind {
        match self {
            InputSpec::Numeric { .. } => ColumnKind::Numeric,
            InputSpec::Categorical { .. } => ColumnKind::Categorical,
        }
    }
}

/// A fitted preprocessor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    /// Mode it was fitted for.
    pub mode: PreprocessMode,
    /// One spec per input feature, in training order.
    pub inputs: Vec<InputSpec>,
}

/// The model matrix of [`Preprocessor::transform`].
#[derive(Debug, Clone)]
pub struct Transformed {
    /// `n_rows × n_outputs`, row-major.
    pub x: Array2<f64>,
    /// Categorical values not seen in training (mapped to all-zero columns, or to `NaN` in a
    /// native categorical column), over all features.
    pub unseen: u64,
}

impl Preprocessor {
    /// Names of the output columns.
    pub fn output_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for spec in &self.inputs {
            match spec {
                InputSpec::Numeric { name, indicator, .. } => {
                    out.push(name.clone());
                    if *indicator {
                        out.push(format!("{name}__missing"));
                    }
                }
                InputSpec::Categorical { name, native: true, .. } => out.push(name.clone()),
                InputSpec::Categorical { name, levels, other, missing, .. } => {
                    out.extend(levels.iter().map(|l| format!("{name}={l}")));
                    if *other {
                        out.push(format!("{name}=__other__"));
                    }
                    if *missing {
                        out.push(format!("{name}=__missing__"));
                    }
                }
            }
        }
        out
    }

    /// For each output column, the index of the input feature it comes from.
    pub fn output_sources(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (j, spec) in self.inputs.iter().enumerate() {
            let n = match spec {
                InputSpec::Numeric { indicator, .. } => 1 + usize::from(*indicator),
                InputSpec::Categorical { native: true, .. } => 1,
                InputSpec::Categorical { levels, other, missing, .. } => {
                    levels.len() + usize::from(*other) + usize::from(*missing)
                }
            };
            out.extend(std::iter::repeat_n(j, n));
        }
        out
    }

    /// The output columns that hold category codes for native categorical splits (increasing).
    pub fn categorical_outputs(&self) -> Vec<usize> {
        let sources = self.output_sources();
        (0..sources.len())
            .filter(|&k| {
                matches!(self.inputs[sources[k]], InputSpec::Categorical { native: true, .. })
                    && (k == 0 || sources[k - 1] != sources[k])
            })
            .collect()
    }

    /// Names of the input features, in training order.
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs.iter().map(InputSpec::name).collect()
    }

    /// The tree-mode model matrix of the rows `rows` of `data`, read in place: the values of
    /// `self.transform_rows(data, rows)` without building the matrix (the boosted trees bin
    /// straight from it). Errors like [`Preprocessor::transform`] on missing or mistyped
    /// features and infinite values; a linear-mode preprocessor is refused (its columns are
    /// computed, not read).
    pub(crate) fn tree_columns<'a>(&self, data: &'a Dataset, rows: &'a [usize]) -> Result<TreeColumns<'a>> {
        if self.mode != PreprocessMode::Tree {
            return Err(Error::param("preprocessing mode", "linear", "columns are read in place in tree mode only"));
        }
        let mut columns = Vec::with_capacity(self.output_sources().len());
        for spec in &self.inputs {
            let Some(col) = data.column(spec.name()) else {
                return Err(Error::FeatureMismatch {
                    reason: format!("feature `{}` is missing from the data", spec.name()),
                });
            };
            match (spec, &col.data) {
                (InputSpec::Numeric { .. }, ColumnData::Numeric(v)) => {
                    if let Some(row) = rows.iter().position(|&i| v[i].is_infinite()) {
                        return Err(Error::NonFinite {
                            context: format!("feature `{}`", spec.name()),
                            row,
                            value: v[rows[row]],
                        });
                    }
                    columns.push(TreeColumn::Numeric(v));
                }
                (InputSpec::Categorical { levels, other, missing, native, .. }, ColumnData::Categorical(c)) => {
                    let map: Vec<Option<usize>> = c
                        .levels
                        .iter()
                        .map(|l| levels.iter().position(|m| m == l).or(if *other { Some(levels.len()) } else { None }))
                        .collect();
                    if *native {
                        let values = map.iter().map(|k| k.map_or(f64::NAN, |k| k as f64)).collect();
                        columns.push(TreeColumn::Coded {
                            codes: &c.codes,
                            values,
                            missing: f64::NAN,
                            beyond: f64::NAN,
                        });
                        continue;
                    }
                    for k in 0..levels.len() + usize::from(*other) {
                        let values = map.iter().map(|&m| if m == Some(k) { 1.0 } else { 0.0 }).collect();
                        columns.push(TreeColumn::Coded { codes: &c.codes, values, missing: 0.0, beyond: 0.0 });
                    }
                    if *missing {
                        let values = vec![0.0; map.len()];
                        columns.push(TreeColumn::Coded { codes: &c.codes, values, missing: 1.0, beyond: 0.0 });
                    }
                }
                _ => {
                    return Err(kind_mismatch(spec, col));
                }
            }
        }
        Ok(TreeColumns { columns, rows })
    }

    /// Builds the model matrix for `data`, looking columns up by name.
    pub fn transform(&self, data: &Dataset) -> Result<Transformed> {
        self.transform_impl(data, None)
    }

    /// The model matrix of the rows `rows` of `data` (in that order): the same as
    /// `self.transform(&data.take(rows))`, without copying the table first (errors name the
    /// row's position in `rows`, as they would in the copy).
    ///
    /// ```
    /// use attrition::models::preprocess::{PreprocessMode, PreprocessParams};
    /// use attrition::{Column, Dataset};
    /// let data = Dataset::new(vec![
    ///     Column::numeric("logins", vec![1.0, f64::NAN, 3.0]),
    ///     Column::categorical("plan", &[Some("pro"), Some("basic"), None]),
    /// ]).unwrap();
    /// let pre = PreprocessParams::new(PreprocessMode::Linear).fit(&data).unwrap();
    /// let rows = [2, 0];
    /// assert_eq!(pre.transform_rows(&data, &rows).unwrap().x, pre.transform(&data.take(&rows)).unwrap().x);
    /// ```
    pub fn transform_rows(&self, data: &Dataset, rows: &[usize]) -> Result<Transformed> {
        self.transform_impl(data, Some(rows))
    }

    fn transform_impl(&self, data: &Dataset, rows: Option<&[usize]>) -> Result<Transformed> {
        let n = rows.map_or(data.n_rows(), <[usize]>::len);
        let at = |r: usize| rows.map_or(r, |rows| rows[r]);
        let width = self.output_sources().len();
        let mut x = Array2::<f64>::zeros((n, width));
        let mut unseen = 0u64;
        let mut col0 = 0;
        for spec in &self.inputs {
            let Some(col) = data.column(spec.name()) else {
                return Err(Error::FeatureMismatch {
                    reason: format!("feature `{}` is missing from the data", spec.name()),
                });
            };
            if col.kind() != spec.kind() {
                return Err(kind_mismatch(spec, col));
            }
            match (spec, &col.data) {
                (InputSpec::Numeric { transform, median, mean, sd, indicator, .. }, ColumnData::Numeric(v)) => {
                    if let Some(row) = (0..n).position(|r| v[at(r)].is_infinite()) {
                        return Err(Error::NonFinite {
                            context: format!("feature `{}`", spec.name()),
                            row,
                            value: v[at(row)],
                        });
                    }
                    for i in 0..n {
                        let raw = v[at(i)];
                        if self.mode == PreprocessMode::Tree {
                            x[[i, col0]] = raw;
                            continue;
                        }
                        let missing = raw.is_nan();
                        let t = transform.apply(if missing { *median } else { raw });
                        let mut z = (t - mean) / sd;
                        if !z.is_finite() {
                            // t − mean overflows when both are near ±f64::MAX with opposite signs.
                            z = t / sd - mean / sd;
                            if !z.is_finite() {
                                return Err(Error::NonFinite {
                                    context: format!(
                                        "feature `{}` standardised (value {raw:e} is beyond what its training scale, \
                                         mean {mean:e} and sd {sd:e}, can represent)",
                                        spec.name()
                                    ),
                                    row: i,
                                    value: z,
                                });
                            }
                        }
                        x[[i, col0]] = z;
                        if *indicator {
                            x[[i, col0 + 1]] = if missing { 1.0 } else { 0.0 };
                        }
                    }
                    col0 += 1 + usize::from(*indicator);
                }
                (InputSpec::Categorical { levels, other, native: true, .. }, ColumnData::Categorical(c)) => {
                    let map: Vec<Option<usize>> = c
                        .levels
                        .iter()
                        .map(|l| levels.iter().position(|m| m == l).or(if *other { Some(levels.len()) } else { None }))
                        .collect();
                    for i in 0..n {
                        let code = c.codes[at(i)];
                        x[[i, col0]] = if code == MISSING_CODE {
                            f64::NAN
                        } else if let Some(k) = map.get(code as usize).copied().flatten() {
                            k as f64
                        } else {
                            unseen += 1;
                            f64::NAN
                        };
                    }
                    col0 += 1;
                }
                (InputSpec::Categorical { levels, other, missing, .. }, ColumnData::Categorical(c)) => {
                    // Map the data's codes to output offsets once per level.
                    let map: Vec<Option<usize>> = c
                        .levels
                        .iter()
                        .map(|l| levels.iter().position(|m| m == l).or(if *other { Some(levels.len()) } else { None }))
                        .collect();
                    let missing_at = levels.len() + usize::from(*other);
                    for i in 0..n {
                        let code = c.codes[at(i)];
                        if code == MISSING_CODE {
                            if *missing {
                                x[[i, col0 + missing_at]] = 1.0;
                            }
                            continue;
                        }
                        match map.get(code as usize).copied().flatten() {
                            Some(k) => x[[i, col0 + k]] = 1.0,
                            None => unseen += 1,
                        }
                    }
                    col0 += levels.len() + usize::from(*other) + usize::from(*missing);
                }
                _ => unreachable!("kinds checked above"),
            }
        }
        Ok(Transformed { x, unseen })
    }
}

/// One output column of a tree-mode preprocessor, read in place from a [`Dataset`] column.
#[derive(Debug, Clone)]
enum TreeColumn<'a> {
    /// A numeric feature, passed through.
    Numeric(&'a [f64]),
    /// A column computed from category codes: `values[code]`, `missing` for [`MISSING_CODE`]
    /// and `beyond` for a code past the levels.
    Coded { codes: &'a [u32], values: Vec<f64>, missing: f64, beyond: f64 },
}

/// The tree-mode model matrix of some rows of a [`Dataset`], read in place
/// ([`Preprocessor::tree_columns`]): row `i` is the dataset's row `rows[i]`.
#[derive(Debug, Clone)]
pub(crate) struct TreeColumns<'a> {
    columns: Vec<TreeColumn<'a>>,
    rows: &'a [usize],
}

impl crate::models::hist::bins::FeatureSource for TreeColumns<'_> {
    #[inline]
    fn n_rows(&self) -> usize {
        self.rows.len()
    }
    #[inline]
    fn n_cols(&self) -> usize {
        self.columns.len()
    }
    #[inline]
    fn value(&self, i: usize, j: usize) -> f64 {
        let r = self.rows[i];
        match &self.columns[j] {
            TreeColumn::Numeric(v) => v[r],
            TreeColumn::Coded { codes, values, missing, beyond } => {
                let c = codes[r];
                if c == MISSING_CODE { *missing } else { values.get(c as usize).copied().unwrap_or(*beyond) }
            }
        }
    }
}

/// The error for a feature whose kind in the data is not its kind in the model.
fn kind_mismatch(spec: &InputSpec, col: &crate::dataset::Column) -> Error {
    Error::FeatureMismatch {
        reason: format!("feature `{}` is {:?} in the data but {:?} in the model", spec.name(), col.kind(), spec.kind()),
    }
}
