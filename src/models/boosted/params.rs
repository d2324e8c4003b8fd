//! Hyper-parameters of the booster.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models::hist::{MAX_BINS, MAX_TREE_DEPTH};

/// Early stopping on a validation split: stop when the validation loss has not improved for
/// `patience` rounds, and keep the trees up to the best round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Share of the training rows held out (stratified, seeded) when no explicit validation data
    /// is given. Default 0.15.
    pub validation_fraction: f64,
    /// Rounds without improvement before stopping. Default 50.
    pub patience: usize,
    /// After stopping on the internal hold-out, fit again on every row (hold-out included),
    /// without early stopping, with as many trees per training row as the stopped model had:
    /// `⌈best trees × all rows / rows fitted⌉` (so the hold-out's rows are learned from too, at
    /// the cost of a second fit). Ignored with explicit validation rows. Default `false`
    /// (`auto` sets it to refit a small table's boosted winner: [`crate::models::auto::refit_all_rows`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refit: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping { validation_fraction: 0.15, patience: 50, refit: false }
    }
}

/// How categorical features are split: LightGBM's rules, with its parameter names and defaults
/// (`max_cat_to_onehot`, `max_cat_threshold`, `cat_smooth`, `cat_l2`, `min_data_per_group`; see
/// LightGBM's Parameters and "Categorical Feature Support" docs). A categorical split sends a set
/// of categories one way and the rest the other; missing values, categories too rare in the node
/// and categories never seen in training follow the split's learned default direction.
///
/// ```
/// use attrition::models::boosted::CategoricalSplits;
/// let c = CategoricalSplits::default();
/// assert_eq!((c.max_cat_to_onehot, c.max_cat_threshold, c.min_data_per_group), (4, 32, 100));
/// assert_eq!((c.cat_smooth, c.cat_l2), (10.0, 10.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CategoricalSplits {
    /// Features with at most this many categories are split one category against the rest.
    /// Default 4.
    pub max_cat_to_onehot: usize,
    /// Most categories on the smaller side of a sorted split, ≥ 1. Default 32.
    pub max_cat_threshold: usize,
    /// Added to each category's hessian sum when categories are ordered by
    /// `sum_grad / (sum_hess + cat_smooth)`, ≥ 0. Default 10.
    pub cat_smooth: f64,
    /// Extra L2 on the children of a sorted categorical split, ≥ 0. Default 10.
    pub cat_l2: f64,
    /// Rows a category needs in a node to be placed on a side of its own (rarer ones go with the
    /// missing values), ≥ 1. Default 10 (LightGBM uses `cat_smooth` for this count).
    pub min_data_per_category: usize,
    /// Rows each group of categories added to one side must hold before a split is scored,
    /// and the remaining categories must hold, ≥ 1. Default 100.
    pub min_data_per_group: usize,
}

impl Default for CategoricalSplits {
    fn default() -> Self {
        CategoricalSplits {
            max_cat_to_onehot: 4,
            max_cat_threshold: 32,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            min_data_per_category: 10,
            min_data_per_group: 100,
        }
    }
}

impl CategoricalSplits {
    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.max_cat_threshold == 0 {
            return Err(Error::param("max_cat_threshold", 0, "must be ≥ 1"));
        }
        if !(self.cat_smooth.is_finite() && self.cat_smooth >= 0.0) {
            return Err(Error::param("cat_smooth", self.cat_smooth, "must be finite and ≥ 0"));
        }
        if !(self.cat_l2.is_finite() && self.cat_l2 >= 0.0) {
            return Err(Error::param("cat_l2", self.cat_l2, "must be finite and ≥ 0"));
        }
        if self.min_data_per_category == 0 || self.min_data_per_category > u32::MAX as usize {
            return Err(Error::param("min_data_per_category", self.min_data_per_category, "must be ≥ 1"));
        }
        if self.min_data_per_group == 0 || self.min_data_per_group > u32::MAX as usize {
            return Err(Error::param("min_data_per_group", self.min_data_per_group, "must be ≥ 1"));
        }
        Ok(())
    }

    /// The split finder's form.
    pub(crate) fn split_params(&self) -> crate::models::hist::split::CatSplitParams {
        crate::models::hist::split::CatSplitParams {
            max_cat_to_onehot: self.max_cat_to_onehot,
            max_cat_threshold: self.max_cat_threshold,
            cat_smooth: self.cat_smooth,
            cat_l2: self.cat_l2,
            min_data_per_category: self.min_data_per_category as u32,
            min_data_per_group: self.min_data_per_group as u32,
        }
    }
}

/// Most models [`BoostedParams::bags`] averages.
pub const MAX_BAGS: usize = 100;

fn one_bag() -> usize {
    1
}

fn is_one_bag(b: &usize) -> bool {
    *b == 1
}

/// Hyper-parameters of gradient-boosted trees. Setters never fail; [`BoostedParams::check`]
/// (called by every `fit_*`) validates them.
///
/// The defaults are chosen for churn tables (thousands to millions of rows, tens of features,
/// a weak and mostly additive signal): a small learning rate with many small trees stopped early
/// on a hold-out, leaves that must hold at least 20 customers, L2 on leaf values and 80% row and
/// column subsampling. They are not tuned to any benchmark's test folds. Trees have at most 8
/// leaves (interactions of about three features): against 16 leaves this cross-validated better
/// on 5 of 7 churn tables of 3,000 to 100,000 rows (real, simulated and synthetic), while 4 leaves
/// needed nearly the whole budget of 1,000 trees on 100,000 rows.
///
/// ```
/// use attrition::models::boosted::BoostedParams;
/// let p = BoostedParams::new().learning_rate(0.1).max_leaves(Some(31)).early_stopping(None);
/// assert_eq!(p.learning_rate, 0.1);
/// assert!(p.check().is_ok());
/// assert!(BoostedParams::new().subsample(1.5).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BoostedParams {
    /// Maximum number of trees (boosting rounds). Default 1000 (early stopping usually ends sooner).
    pub n_trees: usize,
    /// Shrinkage applied to every tree's output. Default 0.05.
    pub learning_rate: f64,
    /// Maximum depth (root = 0), at most [`MAX_TREE_DEPTH`]. Default `None` (the leaf budget
    /// limits the trees; never deeper than [`MAX_TREE_DEPTH`]).
    pub max_depth: Option<usize>,
    /// Maximum leaves per tree, grown best-first. Default `Some(8)`.
    pub max_leaves: Option<usize>,
    /// Minimum sum of hessians in a leaf. Default 1.0.
    pub min_child_weight: f64,
    /// Minimum number of training rows in a leaf. Default 20.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values (λ). Default 1.0.
    pub lambda_l2: f64,
    /// Minimum loss reduction to make a split (γ). Default 0.
    pub min_split_gain: f64,
    /// Share of rows sampled (without replacement, seeded) for each tree, in (0, 1]. Default 0.8.
    pub subsample: f64,
    /// Share of features sampled (seeded) for each tree, in (0, 1]. Default 0.8.
    pub colsample: f64,
    /// Maximum value bins per feature, 2..=255 (one more bin holds missing values). Default 255.
    pub max_bins: usize,
    /// Seed of every random choice (hold-out, subsampling, bin sampling). Default 42.
    pub seed: u64,
    /// Worker threads; `None` uses rayon's global pool. Results do not depend on it. Default `None`.
    pub n_threads: Option<usize>,
    /// Early stopping; `None` fits all `n_trees`. Default: 15% hold-out, patience 50.
    pub early_stopping: Option<EarlyStopping>,
    /// Boosted models fitted and averaged (their raw scores), at most [`MAX_BAGS`]: model `k`
    /// takes the seed `seed + k`, so each has its own early-stopping hold-out and row and column
    /// samples, and together they learn from every row (bagging, Breiman 1996, over the fit's own
    /// randomness; AutoGluon averages its fold models the same way). The average is one model of
    /// all their trees (leaf values divided by `bags`), so it predicts, explains and exports as
    /// any other, at `bags` times the cost. Default 1. On six small tables (Telco, HR attrition,
    /// credit_data, caravan, mlc_churn, OJ; 5 outer folds) 5 bags raised the out-of-fold ROC-AUC
    /// of 28 of the 36 configurations × tables `auto` searches (by 0.0034 on average) and lowered
    /// the log-loss of 32 (benches/README.md).
    #[serde(default = "one_bag", skip_serializing_if = "is_one_bag")]
    pub bags: usize,
    /// Columns (0-based) holding category codes (non-negative integers, `NaN` = missing), split
    /// natively as sets of categories ([`CategoricalSplits`]). Default none: every column is
    /// numeric.
    #[serde(default)]
    pub categorical_features: Vec<usize>,
    /// Rules for the categorical splits. Default LightGBM's ([`CategoricalSplits::default`]).
    #[serde(default)]
    pub categorical: CategoricalSplits,
    /// Where the fit reports each tree grown ([`crate::progress::Progress::Trees`]); never
    /// saved, never changes the model. Default: nowhere.
    #[serde(skip)]
    pub progress: crate::progress::ProgressHook,
}

impl Default for BoostedParams {
    fn default() -> Self {
        BoostedParams {
            n_trees: 1000,
            learning_rate: 0.05,
            max_depth: None,
            max_leaves: Some(8),
            min_child_weight: 1.0,
            min_samples_leaf: 20,
            lambda_l2: 1.0,
            min_split_gain: 0.0,
            subsample: 0.8,
            colsample: 0.8,
            max_bins: MAX_BINS,
            seed: 42,
            n_threads: None,
            early_stopping: Some(EarlyStopping::default()),
            bags: 1,
            categorical_features: Vec::new(),
            categorical: CategoricalSplits::default(),
            progress: crate::progress::ProgressHook::none(),
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty),* $(,)?) => {
        $(
            #[$doc]
            pub fn $name(mut self, value: $ty) -> Self {
                self.$name = value;
                self
            }
        )*
    };
}

impl BoostedParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    setter! {
        /// Sets [`BoostedParams::n_trees`].
        n_trees: usize,
        /// Sets [`BoostedParams::learning_rate`].
        learning_rate: f64,
        /// Sets [`BoostedParams::max_depth`].
        max_depth: Option<usize>,
        /// Sets [`BoostedParams::max_leaves`].
        max_leaves: Option<usize>,
        /// Sets [`BoostedParams::min_child_weight`].
        min_child_weight: f64,
        /// Sets [`BoostedParams::min_samples_leaf`].
        min_samples_leaf: usize,
        /// Sets [`BoostedParams::lambda_l2`].
        lambda_l2: f64,
        /// Sets [`BoostedParams::min_split_gain`].
        min_split_gain: f64,
        /// Sets [`BoostedParams::subsample`].
        subsample: f64,
        /// Sets [`BoostedParams::colsample`].
        colsample: f64,
        /// Sets [`BoostedParams::max_bins`].
        max_bins: usize,
        /// Sets [`BoostedParams::seed`].
        seed: u64,
        /// Sets [`BoostedParams::n_threads`].
        n_threads: Option<usize>,
        /// Sets [`BoostedParams::early_stopping`].
        early_stopping: Option<EarlyStopping>,
        /// Sets [`BoostedParams::bags`].
        bags: usize,
        /// Sets [`BoostedParams::categorical_features`].
        categorical_features: Vec<usize>,
        /// Sets [`BoostedParams::categorical`].
        categorical: CategoricalSplits,
        /// Sets [`BoostedParams::progress`].
        progress: crate::progress::ProgressHook,
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.n_trees == 0 {
            return Err(Error::param("n_trees", self.n_trees, "at least one tree is needed"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::param("learning_rate", self.learning_rate, "must be finite and > 0"));
        }
        if self.max_leaves.is_some_and(|m| m < 2) {
            return Err(Error::param("max_leaves", format!("{:?}", self.max_leaves), "must be ≥ 2"));
        }
        if self.max_depth == Some(0) {
            return Err(Error::param("max_depth", 0, "must be ≥ 1"));
        }
        if let Some(d) = self.max_depth.filter(|&d| d > MAX_TREE_DEPTH) {
            return Err(Error::param("max_depth", d, format!("must be at most {MAX_TREE_DEPTH}")));
        }
        if !(self.min_child_weight.is_finite() && self.min_child_weight >= 0.0) {
            return Err(Error::param("min_child_weight", self.min_child_weight, "must be finite and ≥ 0"));
        }
        if self.min_samples_leaf == 0 || self.min_samples_leaf > u32::MAX as usize / 2 {
            return Err(Error::param("min_samples_leaf", self.min_samples_leaf, "must be ≥ 1"));
        }
        if !(self.lambda_l2.is_finite() && self.lambda_l2 >= 0.0) {
            return Err(Error::param("lambda_l2", self.lambda_l2, "must be finite and ≥ 0"));
        }
        if !(self.min_split_gain.is_finite() && self.min_split_gain >= 0.0) {
            return Err(Error::param("min_split_gain", self.min_split_gain, "must be finite and ≥ 0"));
        }
        if !(self.subsample > 0.0 && self.subsample <= 1.0) {
            return Err(Error::param("subsample", self.subsample, "must be in (0, 1]"));
        }
        if !(self.colsample > 0.0 && self.colsample <= 1.0) {
            return Err(Error::param("colsample", self.colsample, "must be in (0, 1]"));
        }
        if !(2..=MAX_BINS).contains(&self.max_bins) {
            return Err(Error::param("max_bins", self.max_bins, format!("must be in 2..={MAX_BINS}")));
        }
        if !(1..=MAX_BAGS).contains(&self.bags) {
            return Err(Error::param("bags", self.bags, format!("must be in 1..={MAX_BAGS}")));
        }
        if self.n_threads == Some(0) {
            return Err(Error::param("n_threads", 0, "must be ≥ 1 (or None for rayon's default)"));
        }
        self.categorical.check()?;
        if self.categorical_features.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::param(
                "categorical_features",
                format!("{:?}", self.categorical_features),
                "column indices must be increasing and distinct",
            ));
        }
        if let Some(es) = &self.early_stopping {
            if !(es.validation_fraction > 0.0 && es.validation_fraction < 1.0) {
                return Err(Error::param("validation_fraction", es.validation_fraction, "must be in (0, 1)"));
            }
            if es.patience == 0 {
                return Err(Error::param("patience", 0, "must be ≥ 1"));
            }
        }
        Ok(())
    }
}
