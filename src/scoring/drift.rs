//! Does today's data still look like the training data? The population stability index (PSI)
//! of every model feature and of the score, against the training profile kept in the model file
//! ([`crate::models::profile`]).
//!
//! For a feature with training shares `e_i` and today's shares `a_i` over the same bins,
//!
//! ```text
//! PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)
//! ```
//!
//! (a symmetrised Kullback–Leibler divergence; every term is ≥ 0). The bins are:
//! - **numeric features**: the stored training quantile bins (deciles, merged where values tie),
//!   plus a `missing` bin holding the training missing share;
//! - **categorical features**: one bin per stored level, one for everything else — levels too rare
//!   to be kept in training and levels never seen in training (`unseen`) — and a `missing` bin;
//! - **the score**: the stored quantile bins of the training P(churn). Those are in-sample
//!   probabilities; for a model that fits its training rows closely (a boosted model) today's
//!   out-of-sample scores are less extreme, which shows as a small score PSI even without drift.
//!
//! A share of 0 makes `ln(a/e)` infinite, so shares are floored at [`EPSILON`] (0.0001, i.e.
//! 0.01%, the usual choice) before the sum: a bin empty on both sides adds nothing, and a bin
//! empty on one side adds a bounded amount.
//!
//! **Thresholds** ([`DriftLevel`]): PSI < 0.1 no significant shift, 0.1–0.25 a moderate shift
//! worth a look, ≥ 0.25 a major shift (the model may need retraining). These are the
//! industry's rules of thumb from credit scoring (Siddiqi 2006, *Credit Risk Scorecards*, Wiley,
//! ch. 8); Yurdakul (2018, *Statistical Properties of Population Stability Index*, Western
//! Michigan University) shows PSI is approximately χ²-distributed under no shift, so the fixed
//! thresholds are conservative for samples of a few thousand rows and bins of ~10% each, and
//! small samples (a few hundred rows) can exceed 0.1 by chance.
//!
//! [`DriftCounter`] counts rows per bin only (memory: the bins, whatever the number of rows), so
//! [`crate::scoring::score_csv`] computes drift while it streams; [`drift`] does it for one
//! [`Dataset`].
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::prelude::*;
//! use attrition::scoring::drift::{DriftLevel, drift};
//! let x: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
//! let y: Vec<bool> = (0..1000).map(|i| i % 100 > 70).collect();
//! let train = Dataset::new(vec![Column::numeric("x", x.clone())])?.with_churned(y)?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&train)?.with_profile(&train)?;
//! let profile = model.profile.as_ref().unwrap();
//!
//! // The same distribution: no drift.
//! let today = Dataset::new(vec![Column::numeric("x", x.clone())])?;
//! let same = drift(profile, &today, &model.predict_proba(&today)?)?;
//! assert!(same.features[0].psi < 1e-9);
//! assert_eq!(same.score.level, DriftLevel::None);
//!
//! // Everyone 30 higher: a major shift, in x and in the score.
//! let shifted = Dataset::new(vec![Column::numeric("x", x.iter().map(|v| v + 30.0).collect())])?;
//! let moved = drift(profile, &shifted, &model.predict_proba(&shifted)?)?;
//! assert_eq!(moved.features[0].level, DriftLevel::Major);
//! assert_eq!(moved.score.level, DriftLevel::Major);
//! // The bin that changed most: training's lowest 11% (x ≤ 10) is empty today.
//! assert_eq!(moved.features[0].top_bins(1)[0].bin, "≤ 10");
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dataset::{ColumnData, Dataset, MISSING_CODE};
use crate::error::{Error, Result};
use crate::io::csv_out::push_field;
use crate::io::output::{Overwrite, Sink};
use crate::models::profile::{Bins, FeatureProfile, TrainingProfile};

/// Floor applied to every share before the PSI sum (0.0001 = 0.01%), so an empty bin gives a
/// finite term; see the module docs.
pub const EPSILON: f64 = 1e-4;

/// PSI at which a shift is moderate (Siddiqi 2006).
pub const MODERATE: f64 = 0.1;

/// PSI at which a shift is major (Siddiqi 2006).
pub const MAJOR: f64 = 0.25;

/// Name of the score in a [`DriftReport`]'s table (`feature` column).
pub const SCORE_NAME: &str = "p_churn";

/// How much a distribution moved, by the usual PSI thresholds ([`MODERATE`], [`MAJOR`]).
///
/// ```
/// use attrition::scoring::drift::DriftLevel;
/// assert_eq!(DriftLevel::of(0.05), DriftLevel::None);
/// assert_eq!(DriftLevel::of(0.1), DriftLevel::Moderate);
/// assert_eq!(DriftLevel::of(0.3), DriftLevel::Major);
/// assert!(DriftLevel::Moderate < DriftLevel::Major);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftLevel {
    /// PSI < 0.1: no significant shift.
    None,
    /// 0.1 ≤ PSI < 0.25: a moderate shift, worth a look.
    Moderate,
    /// PSI ≥ 0.25: a major shift; the model may need retraining.
    Major,
}

impl DriftLevel {
    /// The level of `psi`.
    pub fn of(psi: f64) -> DriftLevel {
        if psi >= MAJOR {
            DriftLevel::Major
        } else if psi >= MODERATE {
            DriftLevel::Moderate
        } else {
            DriftLevel::None
        }
    }

    /// `none`, `moderate` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftLevel::None => "none",
            DriftLevel::Moderate => "moderate",
            DriftLevel::Major => "major",
        }
    }
}

impl std::fmt::Display for DriftLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bin of a [`FeatureDrift`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinDrift {
    /// The bin: `≤ 12`, `12 – 30`, `> 90`, a category level, `other/unseen`, `missing`.
    pub bin: String,
    /// Share of training rows in it.
    pub expected: f64,
    /// Share of today's rows in it.
    pub actual: f64,
    /// Its term of the PSI sum (≥ 0).
    pub contribution: f64,
}

/// The drift of one feature (or of the score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Feature name ([`SCORE_NAME`] for the score).
    pub name: String,
    /// Population stability index.
    pub psi: f64,
    /// Its level.
    pub level: DriftLevel,
    /// Every bin, in bin order.
    pub bins: Vec<BinDrift>,
}

impl FeatureDrift {
    fn new(name: &str, labels: Vec<String>, expected: &[f64], counts: &[u64]) -> FeatureDrift {
        let total: u64 = counts.iter().sum();
        let bins: Vec<BinDrift> = labels
            .into_iter()
            .zip(expected.iter().zip(counts))
            .map(|(bin, (&e, &c))| {
                let actual = if total == 0 { 0.0 } else { c as f64 / total as f64 };
                BinDrift { bin, expected: e, actual, contribution: term(e, actual) }
            })
            .collect();
        let psi = bins.iter().map(|b| b.contribution).sum::<f64>();
        FeatureDrift { name: name.to_owned(), psi, level: DriftLevel::of(psi), bins }
    }

    /// The `k` bins that contribute most to the PSI, largest first (bins that contribute
    /// nothing left out).
    pub fn top_bins(&self, k: usize) -> Vec<&BinDrift> {
        let mut bins: Vec<&BinDrift> = self.bins.iter().filter(|b| b.contribution > 0.0).collect();
        bins.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        bins.truncate(k);
        bins
    }

    /// "`tenure_days` 0.83 (major): > 720 days 4% → 41%, …": the feature, its PSI and level, and
    /// its `k` most contributing bins with their training → today shares.
    pub fn summary(&self, k: usize) -> String {
        let bins: Vec<String> = self
            .top_bins(k)
            .iter()
            .map(|b| format!("{} {} → {}", b.bin, percent(b.expected), percent(b.actual)))
            .collect();
        let mut s = format!("{} PSI {:.2} ({})", self.name, self.psi, self.level);
        if !bins.is_empty() {
            s.push_str(": ");
            s.push_str(&bins.join(", "));
        }
        s
    }
}

fn percent(share: f64) -> String {
    let p = 100.0 * share;
    if p > 0.0 && p < 1.0 { format!("{p:.1}%") } else { format!("{p:.0}%") }
}

/// The PSI term of one bin, shares floored at [`EPSILON`].
fn term(expected: f64, actual: f64) -> f64 {
    let (e, a) = (expected.max(EPSILON), actual.max(EPSILON));
    (a - e) * (a / e).ln()
}

/// The population stability index of `actual` against `expected` (shares over the same bins,
/// each summing to 1), shares floored at [`EPSILON`].
///
/// ```
/// use attrition::scoring::drift::psi;
/// assert_eq!(psi(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
/// let p = psi(&[0.5, 0.5], &[0.8, 0.2]);
/// assert!((p - (0.3 * (0.8f64 / 0.5).ln() - 0.3 * (0.2f64 / 0.5).ln())).abs() < 1e-12);
/// assert!(psi(&[1.0, 0.0], &[0.0, 1.0]).is_finite());
/// ```
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected.iter().zip(actual).map(|(&e, &a)| term(e, a)).sum()
}

/// Today's data against the training profile: the PSI of the score and of every feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Rows counted for the features.
    pub rows: u64,
    /// Rows counted for the score (those with a probability).
    pub scored_rows: u64,
    /// Training rows the profile was computed on.
    pub training_rows: u64,
    /// The drift of the score ([`SCORE_NAME`]).
    pub score: FeatureDrift,
    /// Every model feature, most drifted first (ties in the model's order).
    pub features: Vec<FeatureDrift>,
}

impl DriftReport {
    /// Features with PSI ≥ [`MODERATE`], most drifted first.
    pub fn drifted(&self) -> impl Iterator<Item = &FeatureDrift> {
        self.features.iter().filter(|f| f.level > DriftLevel::None)
    }

    /// A short warning block for a log: nothing when neither the score nor any feature moved
    /// (PSI < 0.1), else a headline, the score's PSI and up to `max_features` drifted features
    /// (most first), then how many more there are.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::prelude::*;
    /// use attrition::scoring::drift::drift;
    /// let x: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
    /// let y: Vec<bool> = (0..1000).map(|i| i % 100 > 70).collect();
    /// let train = Dataset::new(vec![Column::numeric("x", x.clone())])?.with_churned(y)?;
    /// let model = ModelParams::new(ModelKind::Logistic).fit(&train)?.with_profile(&train)?;
    /// let shifted = Dataset::new(vec![Column::numeric("x", x.iter().map(|v| v + 30.0).collect())])?;
    /// let report = drift(model.profile.as_ref().unwrap(), &shifted, &model.predict_proba(&shifted)?)?;
    /// let lines = report.warning_lines(5);
    /// assert!(lines[0].starts_with("drift: 1 of 1 features moved"), "{}", lines[0]);
    /// assert!(lines.iter().any(|l| l.trim_start().starts_with("x PSI")));
    /// # Ok(()) }
    /// ```
    pub fn warning_lines(&self, max_features: usize) -> Vec<String> {
        let drifted: Vec<&FeatureDrift> = self.drifted().collect();
        if drifted.is_empty() && self.score.level == DriftLevel::None {
            return Vec::new();
        }
        let major = drifted.iter().filter(|f| f.level == DriftLevel::Major).count();
        let mut lines = vec![format!(
            "drift: {} of {} features moved since training (PSI ≥ {MODERATE}; {major} major, ≥ {MAJOR}); score PSI {:.2} ({})",
            drifted.len(),
            self.features.len(),
            self.score.psi,
            self.score.level
        )];
        for f in drifted.iter().take(max_features) {
            lines.push(format!("  {}", f.summary(2)));
        }
        if drifted.len() > max_features {
            lines.push(format!("  … and {} more (full table: --drift-out)", drifted.len() - max_features));
        }
        lines
    }

    /// The full table as CSV, one row per bin: `feature, psi, level, bin, expected_share,
    /// actual_share, contribution`; the score first ([`SCORE_NAME`]), then the features, most
    /// drifted first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("feature,psi,level,bin,expected_share,actual_share,contribution\n");
        for f in std::iter::once(&self.score).chain(&self.features) {
            for b in &f.bins {
                push_field(&mut out, &f.name);
                out.push_str(&format!(",{},{},", f.psi, f.level));
                push_field(&mut out, &b.bin);
                out.push_str(&format!(",{},{},{}\n", b.expected, b.actual, b.contribution));
            }
        }
        out
    }

    /// Writes the report to `path`: JSON (this struct) when it ends in `.json`, else the CSV
    /// table of [`DriftReport::to_csv`]; atomically ([`crate::io::output`]), `-` is standard
    /// output.
    pub fn write(&self, path: &Path, overwrite: Overwrite) -> Result<()> {
        let text = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            let mut s = serde_json::to_string_pretty(self)
                .map_err(|e| Error::Json { path: Some(path.to_path_buf()), source: e })?;
            s.push('\n');
            s
        } else {
            self.to_csv()
        };
        let mut sink = Sink::create(path, overwrite)?;
        std::io::Write::write_all(&mut sink, text.as_bytes()).map_err(|e| Error::io("write", path, e))?;
        sink.commit()
    }
}

/// How rows of one feature are binned.
#[derive(Debug, Clone)]
enum Binning {
    /// Quantile bins (`None`: training had no value), then missing.
    Numeric(Option<Bins>),
    /// Level → bin; the bin after the levels is other/unseen, then missing.
    Categorical(HashMap<String, usize>),
}

/// One feature's bins, training shares and today's counts.
#[derive(Debug, Clone)]
struct FeatureCounts {
    name: String,
    binning: Binning,
    labels: Vec<String>,
    expected: Vec<f64>,
    /// Per bin; the last bin is `missing`.
    counts: Vec<u64>,
}

impl FeatureCounts {
    fn new(f: &FeatureProfile) -> FeatureCounts {
        let present = 1.0 - f.missing_share;
        let (binning, mut labels, mut expected) = if let Some(c) = &f.categorical {
            let mut labels: Vec<String> = c.levels.iter().map(|l| l.level.clone()).collect();
            let mut expected: Vec<f64> = c.levels.iter().map(|l| present * l.share).collect();
            labels.push(if c.other_share > 0.0 { "other/unseen".into() } else { "unseen".into() });
            expected.push(present * c.other_share);
            let index = c.levels.iter().enumerate().map(|(i, l)| (l.level.clone(), i)).collect();
            (Binning::Categorical(index), labels, expected)
        } else {
            let bins = f.numeric.as_ref().map(|n| n.bins.clone());
            let (labels, expected) = match &bins {
                Some(b) => (bin_labels(b), b.shares.iter().map(|s| present * s).collect()),
                None => (vec!["any value".to_owned()], vec![0.0]),
            };
            (Binning::Numeric(bins), labels, expected)
        };
        labels.push("missing".into());
        expected.push(f.missing_share);
        FeatureCounts { name: f.name.clone(), binning, counts: vec![0; labels.len()], labels, expected }
    }

    fn missing(&self) -> usize {
        self.counts.len() - 1
    }
}

/// Labels of quantile bins: `≤ e0`, `e0 – e1`, …, `> e_last`.
fn bin_labels(b: &Bins) -> Vec<String> {
    if b.edges.is_empty() {
        return vec!["all values".into()];
    }
    let mut labels = vec![format!("≤ {}", short(b.edges[0]))];
    for w in b.edges.windows(2) {
        labels.push(format!("{} – {}", short(w[0]), short(w[1])));
    }
    labels.push(format!("> {}", short(b.edges[b.edges.len() - 1])));
    labels
}

/// A number in at most 4 significant digits, no trailing zeros.
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    if x.abs() >= 1e4 {
        return format!("{x:.0}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

/// Counts rows per training bin, chunk by chunk, for a [`DriftReport`] (see the module docs).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::prelude::*;
/// use attrition::scoring::drift::{DriftCounter, drift};
/// let x: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
/// let y: Vec<bool> = (0..1000).map(|i| i % 100 > 70).collect();
/// let train = Dataset::new(vec![Column::numeric("x", x.clone())])?.with_churned(y)?;
/// let model = ModelParams::new(ModelKind::Logistic).fit(&train)?.with_profile(&train)?;
/// let profile = model.profile.as_ref().unwrap();
/// // Two chunks counted one after the other give the report of the whole.
/// let mut counter = DriftCounter::new(profile);
/// for half in [&x[..500], &x[500..]] {
///     let chunk = Dataset::new(vec![Column::numeric("x", half.to_vec())])?;
///     counter.add(&chunk, &model.predict_proba(&chunk)?)?;
/// }
/// // Or counted apart (two workers) and merged.
/// let mut workers: Vec<DriftCounter> = Vec::new();
/// for half in [&x[..300], &x[300..]] {
///     let chunk = Dataset::new(vec![Column::numeric("x", half.to_vec())])?;
///     let mut c = DriftCounter::new(profile);
///     c.add(&chunk, &model.predict_proba(&chunk)?)?;
///     workers.push(c);
/// }
/// let mut merged = workers[0].clone();
/// merged.merge(&workers[1])?;
/// let whole = Dataset::new(vec![Column::numeric("x", x)])?;
/// assert_eq!(counter.finish(), Some(drift(profile, &whole, &model.predict_proba(&whole)?)?));
/// assert_eq!(merged.finish(), counter.finish());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DriftCounter {
    features: Vec<FeatureCounts>,
    score: FeatureCounts,
    rows: u64,
    training_rows: u64,
}

impl DriftCounter {
    /// A counter for the bins of `profile`, with no row counted yet.
    pub fn new(profile: &TrainingProfile) -> DriftCounter {
        let score_profile = FeatureProfile {
            name: SCORE_NAME.into(),
            missing_share: 0.0,
            numeric: Some(crate::models::profile::NumericProfile {
                bins: profile.score.clone(),
                retained: crate::models::profile::Typical { median: None, mean: None, share_positive: None },
                churned: crate::models::profile::Typical { median: None, mean: None, share_positive: None },
            }),
            categorical: None,
        };
        DriftCounter {
            features: profile.features.iter().map(FeatureCounts::new).collect(),
            score: FeatureCounts::new(&score_profile),
            rows: 0,
            training_rows: profile.rows as u64,
        }
    }

    /// Counts the rows of `data` (which has every profiled feature, by name, of the profiled
    /// kind) and their probabilities `p_churn` (one per row; `NaN` ones are not counted for the
    /// score).
    pub fn add(&mut self, data: &Dataset, p_churn: &[f64]) -> Result<()> {
        if p_churn.len() != data.n_rows() {
            return Err(Error::LengthMismatch {
                context: "drift check (rows of the data vs p_churn)",
                left: data.n_rows(),
                right: p_churn.len(),
            });
        }
        for f in &mut self.features {
            let column = data.column(&f.name).ok_or_else(|| Error::ColumnNotFound {
                column: f.name.clone(),
                available: data.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
            })?;
            let missing = f.missing();
            match (&f.binning, &column.data) {
                (Binning::Numeric(bins), ColumnData::Numeric(v)) => {
                    for &x in v {
                        let bin = match bins {
                            _ if x.is_nan() => missing,
                            Some(b) => b.bin(x),
                            None => 0,
                        };
                        f.counts[bin] += 1;
                    }
                }
                (Binning::Categorical(index), ColumnData::Categorical(c)) => {
                    // Level → bin once per chunk level, then one lookup per row.
                    let other = missing - 1;
                    let bin_of: Vec<usize> =
                        c.levels.iter().map(|l| index.get(l.as_str()).copied().unwrap_or(other)).collect();
                    for &code in &c.codes {
                        let bin = if code == MISSING_CODE {
                            missing
                        } else {
                            bin_of.get(code as usize).copied().unwrap_or(other)
                        };
                        f.counts[bin] += 1;
                    }
                }
                (_, data) => {
                    return Err(Error::FeatureMismatch {
                        reason: format!(
                            "`{}` is {} in the data but {} in the model's training profile",
                            f.name,
                            if matches!(data, ColumnData::Numeric(_)) { "numeric" } else { "categorical" },
                            if matches!(f.binning, Binning::Numeric(_)) { "numeric" } else { "categorical" },
                        ),
                    });
                }
            }
        }
        let Binning::Numeric(Some(bins)) = &self.score.binning else {
            unreachable!("the score is binned by the profile's score bins")
        };
        for &p in p_churn.iter().filter(|p| !p.is_nan()) {
            self.score.counts[bins.bin(p)] += 1;
        }
        self.rows += data.n_rows() as u64;
        Ok(())
    }

    /// Adds the counts of `other`, a counter of the same training profile (e.g. another
    /// worker's rows): the counts are those of counting both sets of rows in one counter.
    pub fn merge(&mut self, other: &DriftCounter) -> Result<()> {
        let same = |a: &FeatureCounts, b: &FeatureCounts| a.name == b.name && a.counts.len() == b.counts.len();
        if self.features.len() != other.features.len()
            || !self.features.iter().zip(&other.features).all(|(a, b)| same(a, b))
            || !same(&self.score, &other.score)
        {
            return Err(Error::FeatureMismatch { reason: "drift counters of different training profiles".into() });
        }
        for (a, b) in self.features.iter_mut().chain([&mut self.score]).zip(other.features.iter().chain([&other.score]))
        {
            for (x, y) in a.counts.iter_mut().zip(&b.counts) {
                *x += y;
            }
        }
        self.rows += other.rows;
        Ok(())
    }

    /// The report of the rows counted so far; `None` before any row.
    pub fn finish(&self) -> Option<DriftReport> {
        if self.rows == 0 {
            return None;
        }
        let drift = |f: &FeatureCounts| FeatureDrift::new(&f.name, f.labels.clone(), &f.expected, &f.counts);
        let mut features: Vec<FeatureDrift> = self.features.iter().map(drift).collect();
        features.sort_by(|a, b| b.psi.total_cmp(&a.psi));
        Some(DriftReport {
            rows: self.rows,
            scored_rows: self.score.counts.iter().sum(),
            training_rows: self.training_rows,
            score: drift(&self.score),
            features,
        })
    }
}

/// The drift of `data` (with the profiled features) and its probabilities `p_churn` against
/// `profile`; an error when `data` has no row.
pub fn drift(profile: &TrainingProfile, data: &Dataset, p_churn: &[f64]) -> Result<DriftReport> {
    let mut counter = DriftCounter::new(profile);
    counter.add(data, p_churn)?;
    counter.finish().ok_or(Error::EmptyData { context: "drift check (no row to compare with training)" })
}
