//! A single decision tree with class probabilities in its leaves (a probability estimation tree).
//!
//! Built on the same histogram engine as the booster: quantile bins, a learned default direction
//! for missing values, best-first growth under a depth limit and/or leaf budget. Splits minimise
//! the weighted Gini impurity (equivalently the weighted squared error of the churn indicator).
//! A leaf predicts its weighted churn rate, optionally Laplace-smoothed:
//! `(Σ w·y + α) / (Σ w + 2α)` (Provost & Domingos 2003 recommend α = 1 for ranking and
//! probability estimates; it keeps pure leaves away from exactly 0 or 1).
//!
//! ```
//! use attrition::models::boosted::synthetic::make_churn_matrix;
//! use attrition::models::tree::TreeParams;
//! let d = make_churn_matrix(3_000, 6, 3);
//! let tree = TreeParams::new().max_depth(Some(4)).fit_matrix(d.x.view(), &d.y, None).unwrap();
//! let p = tree.predict_proba(d.x.view()).unwrap();
//! assert!(p.iter().all(|&q| q > 0.0 && q < 1.0));
//! assert!(tree.n_leaves() <= 16);
//! let shap = tree.shap_values(d.x.view()).unwrap();
//! assert!((shap.total(5) - p[5]).abs() < 1e-9); // contributions add up to the probability
//! ```

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models::hist::bins::BinMapper;
use crate::models::hist::forest::Forest;
use crate::models::hist::grow::{GrowParams, Grower};
use crate::models::hist::split::SplitParams;
use crate::models::hist::{MAX_BINS, MAX_TREE_DEPTH, check_training, with_threads};

pub use crate::models::hist::{FeatureImportances, ShapValues};

/// Hyper-parameters of a decision tree. Setters never fail; [`TreeParams::check`] validates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TreeParams {
    /// Maximum depth (root = 0), at most [`MAX_TREE_DEPTH`]. Default `Some(6)`; `None` grows
    /// until the leaf budget or the data stop it, never deeper than [`MAX_TREE_DEPTH`].
    pub max_depth: Option<usize>,
    /// Maximum number of leaves, grown best-first. Default `None`.
    pub max_leaves: Option<usize>,
    /// Minimum training rows per leaf. Default 20.
    pub min_samples_leaf: usize,
    /// Minimum total sample weight per leaf. Default 0.
    pub min_weight_leaf: f64,
    /// Minimum weighted impurity decrease for a split, as in scikit-learn:
    /// `W_node / W_total · (gini − W_L/W_node · gini_L − W_R/W_node · gini_R) ≥ value`. Default 0.
    pub min_impurity_decrease: f64,
    /// Laplace smoothing α of leaf probabilities (0 = raw weighted churn rate). Default 1.
    pub laplace: f64,
    /// Maximum value bins per feature, 2..=255. Default 255.
    pub max_bins: usize,
    /// Seed (only used to sample rows for bin bounds above 200,000 rows). Default 42.
    pub seed: u64,
    /// Worker threads (`None` = rayon's pool). Default `None`.
    pub n_threads: Option<usize>,
}

impl Default for TreeParams {
    fn default() -> Self {
        TreeParams {
            max_depth: Some(6),
            max_leaves: None,
            min_samples_leaf: 20,
            min_weight_leaf: 0.0,
            min_impurity_decrease: 0.0,
            laplace: 1.0,
            max_bins: MAX_BINS,
            seed: 42,
            n_threads: None,
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

impl TreeParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    setter! {
        /// Sets [`TreeParams::max_depth`].
        max_depth: Option<usize>,
        /// Sets [`TreeParams::max_leaves`].
        max_leaves: Option<usize>,
        /// Sets [`TreeParams::min_samples_leaf`].
        min_samples_leaf: usize,
        /// Sets [`TreeParams::min_weight_leaf`].
        min_weight_leaf: f64,
        /// Sets [`TreeParams::min_impurity_decrease`].
        min_impurity_decrease: f64,
        /// Sets [`TreeParams::laplace`].
        laplace: f64,
        /// Sets [`TreeParams::max_bins`].
        max_bins: usize,
        /// Sets [`TreeParams::seed`].
        seed: u64,
        /// Sets [`TreeParams::n_threads`].
        n_threads: Option<usize>,
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.max_depth == Some(0) {
            return Err(Error::param("max_depth", 0, "must be ≥ 1"));
        }
        if let Some(d) = self.max_depth.filter(|&d| d > MAX_TREE_DEPTH) {
            return Err(Error::param("max_depth", d, format!("must be at most {MAX_TREE_DEPTH}")));
        }
        if self.max_leaves.is_some_and(|m| m < 2) {
            return Err(Error::param("max_leaves", format!("{:?}", self.max_leaves), "must be ≥ 2"));
        }
        if self.min_samples_leaf == 0 || self.min_samples_leaf > u32::MAX as usize / 2 {
            return Err(Error::param("min_samples_leaf", self.min_samples_leaf, "must be ≥ 1"));
        }
        if !(self.min_weight_leaf.is_finite() && self.min_weight_leaf >= 0.0) {
            return Err(Error::param("min_weight_leaf", self.min_weight_leaf, "must be finite and ≥ 0"));
        }
        if !(self.min_impurity_decrease.is_finite() && self.min_impurity_decrease >= 0.0) {
            return Err(Error::param("min_impurity_decrease", self.min_impurity_decrease, "must be finite and ≥ 0"));
        }
        if !(self.laplace.is_finite() && self.laplace >= 0.0) {
            return Err(Error::param("laplace", self.laplace, "must be finite and ≥ 0"));
        }
        if !(2..=MAX_BINS).contains(&self.max_bins) {
            return Err(Error::param("max_bins", self.max_bins, format!("must be in 2..={MAX_BINS}")));
        }
        if self.n_threads == Some(0) {
            return Err(Error::param("n_threads", 0, "must be ≥ 1 (or None for rayon's default)"));
        }
        Ok(())
    }

    /// Fits on the dense matrix `x` (`NaN` = missing) with labels `y` (`true` = churned) and
    /// optional per-sample `weights`.
    ///
    /// Errors: invalid parameters, empty data, a single (weighted) class, mismatched lengths,
    /// ±∞ in `x`, non-finite or negative weights.
    pub fn fit_matrix(&self, x: ArrayView2<f64>, y: &[bool], weights: Option<&[f64]>) -> Result<DecisionTree> {
        self.check()?;
        let w = check_training(x, y, weights, "decision tree training data")?;
        with_threads(self.n_threads, || self.fit_inner(x, y, &w))
    }

    fn fit_inner(&self, x: ArrayView2<f64>, y: &[bool], w: &[f64]) -> DecisionTree {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let mapper = BinMapper::fit(x, &rows, self.max_bins, self.seed, &[]);
        let binned = mapper.transform(x, &rows);
        // "Gradient" = w·y and "hessian" = w: the engine's gain Σ G²/H − G²/H is then the weighted
        // between-children sum of squares of y, i.e. a quarter of the weighted Gini decrease.
        let gh: Vec<[f64; 2]> = y.iter().zip(w).map(|(&yi, &wi)| [if yi { wi } else { 0.0 }, wi]).collect();
        let total_w: f64 = w.iter().sum();
        let params = GrowParams {
            max_leaves: self.max_leaves,
            max_depth: Some(self.max_depth.unwrap_or(MAX_TREE_DEPTH)),
            split: SplitParams {
                lambda_l2: 0.0,
                min_child_weight: self.min_weight_leaf,
                min_samples_leaf: self.min_samples_leaf as u32,
                min_split_gain: self.min_impurity_decrease * total_w / 4.0,
                cat: crate::models::boosted::CategoricalSplits::default().split_params(),
            },
        };
        let all: Vec<u32> = (0..x.nrows() as u32).collect();
        let features: Vec<usize> = (0..x.ncols()).collect();
        let mut grower = Grower::new(&binned, &mapper);
        let nodes = grower.grow(&all, &gh, &features, &params);
        let a = self.laplace;
        let mut forest = Forest::new(x.ncols());
        forest.push_tree(&nodes, &mapper, |n| (n.stat.g + a) / (n.stat.h + 2.0 * a));
        DecisionTree { forest, laplace: a }
    }
}

/// A fitted decision tree: leaves hold (smoothed) weighted churn rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    forest: Forest,
    laplace: f64,
}

impl DecisionTree {
    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.forest.n_features
    }

    /// Laplace smoothing α the leaf probabilities were computed with.
    pub fn laplace(&self) -> f64 {
        self.laplace
    }

    /// The fitted tree (for model validation).
    pub(crate) fn forest(&self) -> &Forest {
        &self.forest
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        (0..self.forest.n_nodes()).filter(|&k| self.forest.is_leaf(k)).count()
    }

    /// Depth of the tree (root = 0).
    pub fn depth(&self) -> usize {
        self.forest.depths.first().copied().unwrap_or(0) as usize
    }

    /// P(churn) for every row of `x`: the (smoothed) churn rate of the row's leaf.
    ///
    /// Errors if `x` does not have [`DecisionTree::n_features`] columns or holds ±∞.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let mut out = vec![0.0; x.nrows()];
        self.forest.add_raw(x, &mut out)?;
        Ok(out)
    }

    /// Exact TreeSHAP contributions on the probability scale: for every row,
    /// `base_value + Σ values == predict_proba` (to rounding). The base value is the training
    /// data's (smoothed, weighted) mean leaf probability.
    pub fn shap_values(&self, x: ArrayView2<f64>) -> Result<ShapValues> {
        self.forest.shap_values(x, 0.0)
    }

    /// Weighted Gini decrease (summed over splits, as in scikit-learn before normalisation) and
    /// split counts per feature.
    pub fn importances(&self) -> FeatureImportances {
        self.forest.importances(4.0)
    }
}
