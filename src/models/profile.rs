//! What the training data looked like, kept in the model file: per feature its distribution
//! (quantile bins, category shares, missing share) and what retained and churned customers
//! typically had, plus the distribution of the training scores.
//!
//! Two things read it: reasons in words ([`crate::scoring::reasons`]: "uses 2 of 10 features
//! (retained customers: 6)") and drift checks (the population
//! stability index of today's data against these bins). [`TrainedModel::with_profile`] computes
//! it from the training rows; a model file without one (schema version ≤ 3) loads, and its
//! reasons carry no reference.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::prelude::*;
//! let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
//! let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12).collect();
//! let data = Dataset::new(vec![Column::numeric("x", x)])?.with_churned(y)?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&data)?.with_profile(&data)?;
//! let profile = model.profile.as_ref().unwrap();
//! let x = profile.features[0].numeric.as_ref().unwrap();
//! assert_eq!(x.retained.median, Some(6.0)); // retained rows have x in 0..=12
//! assert_eq!(x.churned.median, Some(16.0));
//! assert_eq!(x.bins.shares.iter().sum::<f64>().round(), 1.0);
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use super::ChurnModel;
use super::trained::TrainedModel;
use crate::dataset::{Column, ColumnData, Dataset};
use crate::error::{Error, Result};

/// Quantile bins of a numeric distribution ([`NUMERIC_BINS`] at most).
pub const NUMERIC_BINS: usize = 10;

/// Most category levels kept per categorical feature; rarer levels are summed in
/// [`CategoricalProfile::other_share`].
pub const MAX_LEVELS: usize = 50;

/// The training data's distributions, per feature in the model's order, and of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingProfile {
    /// Training rows profiled.
    pub rows: usize,
    /// One per model feature, in the model's order.
    pub features: Vec<FeatureProfile>,
    /// Distribution of the model's P(churn) on its training rows (in sample).
    pub score: Bins,
}

/// One feature's training distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureProfile {
    /// Feature name.
    pub name: String,
    /// Share of training rows where it is missing.
    pub missing_share: f64,
    /// For a numeric feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    /// For a categorical feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical: Option<CategoricalProfile>,
}

/// A numeric feature's distribution and its typical values by outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    /// Quantile bins of the non-missing values.
    pub bins: Bins,
    /// Typical values of rows that did not churn.
    pub retained: Typical,
    /// Typical values of rows that churned.
    pub churned: Typical,
}

/// Typical values of a group of rows (`None` when the group has no value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Typical {
    /// Median of the non-missing values.
    pub median: Option<f64>,
    /// Mean of the non-missing values.
    pub mean: Option<f64>,
    /// Share of the non-missing values above 0 (for 0/1 flags: the share with the flag).
    pub share_positive: Option<f64>,
}

/// Bins of a distribution: bin 0 is `(−∞, edges[0]]`, bin `i` is `(edges[i−1], edges[i]]`, the
/// last `(edges[last], ∞)`; `shares[i]` is the share of non-missing training values in bin `i`
/// (`shares.len() == edges.len() + 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bins {
    /// Upper edges, strictly increasing.
    pub edges: Vec<f64>,
    /// Share of values per bin; they sum to 1.
    pub shares: Vec<f64>,
}

impl Bins {
    /// Quantile bins of `values` (non-missing, any order): up to [`NUMERIC_BINS`] bins whose
    /// edges are the deciles, merged where values tie. `None` when `values` is empty.
    pub fn quantiles(values: &[f64]) -> Option<Bins> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable_by(f64::total_cmp);
        Some(Bins::from_sorted(&v))
    }

    fn from_sorted(v: &[f64]) -> Bins {
        let n = v.len();
        let mut edges: Vec<f64> = Vec::with_capacity(NUMERIC_BINS);
        for k in 1..NUMERIC_BINS {
            let e = v[(k * n / NUMERIC_BINS).min(n - 1)];
            // An edge at the maximum would leave an empty last bin.
            if e < v[n - 1] && edges.last().is_none_or(|&last| e > last) {
                edges.push(e);
            }
        }
        let counts = Bins::count_sorted(&edges, v);
        Bins { shares: counts.iter().map(|&c| c as f64 / n as f64).collect(), edges }
    }

    fn count_sorted(edges: &[f64], sorted: &[f64]) -> Vec<u64> {
        let mut counts = Vec::with_capacity(edges.len() + 1);
        let mut from = 0;
        for &e in edges {
            let to = sorted.partition_point(|&x| x <= e);
            counts.push((to - from) as u64);
            from = to;
        }
        counts.push((sorted.len() - from) as u64);
        counts
    }

    /// The bin of `x` (not missing).
    pub fn bin(&self, x: f64) -> usize {
        self.edges.partition_point(|&e| e < x)
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Whether there is no bin (never, for bins from [`Bins::quantiles`]).
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }
}

/// A categorical feature's level shares and churn rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalProfile {
    /// The most frequent levels ([`MAX_LEVELS`] at most), most frequent first.
    pub levels: Vec<LevelProfile>,
    /// Share of non-missing rows with a level not in `levels`.
    pub other_share: f64,
}

/// One category level in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelProfile {
    /// The level.
    pub level: String,
    /// Share of non-missing rows with it.
    pub share: f64,
    /// Churn rate of rows with it.
    pub churn_rate: f64,
}

impl CategoricalProfile {
    /// The profile of `level`, when it is one of the kept levels.
    pub fn level(&self, level: &str) -> Option<&LevelProfile> {
        self.levels.iter().find(|l| l.level == level)
    }
}

fn typical(values: &[f64], rows: impl Iterator<Item = usize>) -> Typical {
    let mut v: Vec<f64> = rows.map(|i| values[i]).filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return Typical { median: None, mean: None, share_positive: None };
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) };
    Typical {
        median: Some(median),
        mean: Some(v.iter().sum::<f64>() / n as f64),
        share_positive: Some(v.iter().filter(|&&x| x > 0.0).count() as f64 / n as f64),
    }
}

impl TrainingProfile {
    /// Profiles `data` (the training rows, with their churn labels) and `p_churn`, the model's
    /// probabilities on them.
    pub fn of(data: &Dataset, p_churn: &[f64]) -> Result<TrainingProfile> {
        let columns: Vec<&Column> = data.columns.iter().collect();
        TrainingProfile::of_columns(&columns, data.churned_or_err()?, p_churn)
    }

    fn of_columns(columns: &[&Column], y: &[bool], p_churn: &[f64]) -> Result<TrainingProfile> {
        use rayon::prelude::*;
        let n = y.len();
        if n == 0 || p_churn.len() != n {
            return Err(Error::param(
                "p_churn",
                p_churn.len(),
                format!("one probability per training row ({n} rows, at least one)"),
            ));
        }
        let features = columns
            .par_iter()
            .map(|c| {
                let missing = c.n_missing();
                let missing_share = missing as f64 / n as f64;
                match &c.data {
                    ColumnData::Numeric(v) => FeatureProfile {
                        name: c.name.clone(),
                        missing_share,
                        numeric: Bins::quantiles(v).map(|bins| NumericProfile {
                            bins,
                            retained: typical(v, (0..n).filter(|&i| !y[i])),
                            churned: typical(v, (0..n).filter(|&i| y[i])),
                        }),
                        categorical: None,
                    },
                    ColumnData::Categorical(cat) => {
                        let mut count = vec![0u64; cat.levels.len()];
                        let mut churned = vec![0u64; cat.levels.len()];
                        for (i, &code) in cat.codes.iter().enumerate() {
                            if let (Some(c), Some(ch)) = (count.get_mut(code as usize), churned.get_mut(code as usize))
                            {
                                *c += 1;
                                *ch += u64::from(y[i]);
                            }
                        }
                        let present = (n - missing).max(1) as f64;
                        let mut order: Vec<usize> = (0..cat.levels.len()).filter(|&l| count[l] > 0).collect();
                        order.sort_by(|&a, &b| count[b].cmp(&count[a]).then(cat.levels[a].cmp(&cat.levels[b])));
                        let kept: Vec<LevelProfile> = order
                            .iter()
                            .take(MAX_LEVELS)
                            .map(|&l| LevelProfile {
                                level: cat.levels[l].clone(),
                                share: count[l] as f64 / present,
                                churn_rate: churned[l] as f64 / count[l] as f64,
                            })
                            .collect();
                        let other: u64 = order.iter().skip(MAX_LEVELS).map(|&l| count[l]).sum();
                        FeatureProfile {
                            name: c.name.clone(),
                            missing_share,
                            numeric: None,
                            categorical: Some(CategoricalProfile { levels: kept, other_share: other as f64 / present }),
                        }
                    }
                }
            })
            .collect();
        let score = Bins::quantiles(p_churn)
            .ok_or_else(|| Error::param("p_churn", "NaN", "the model gives no probability on its training rows"))?;
        Ok(TrainingProfile { rows: n, features, score })
    }

    /// The profile of the feature called `name`.
    pub fn feature(&self, name: &str) -> Option<&FeatureProfile> {
        self.features.iter().find(|f| f.name == name)
    }
}

impl TrainedModel {
    /// The model with the profile of its training rows `data` (see [`TrainingProfile`]):
    /// reasons then carry references from training ("retained customers: 6") and `score`
    /// can check drift. `data` must have the model's features and the churn labels.
    pub fn with_profile(mut self, data: &Dataset) -> Result<TrainedModel> {
        let y = data.churned_or_err()?;
        let p = self.predict_proba(data)?;
        // The model's features only, in its order (`predict_proba` checked they are all there).
        let columns: Vec<&Column> = self.features.iter().filter_map(|f| data.column(&f.name)).collect();
        self.profile = Some(TrainingProfile::of_columns(&columns, y, &p)?);
        Ok(self)
    }
}
