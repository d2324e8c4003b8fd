//! Gradient-boosted decision trees on histograms: the matrix-level engine.
//!
//! [`BoostedParams`] (builder, documented defaults) → [`BoostedParams::check`] →
//! [`BoostedParams::fit_matrix`] → [`Booster`], which predicts log-odds and P(churn), explains rows
//! with exact TreeSHAP and reports gain / split-count importances.
//!
//! Input is a dense `f64` matrix, one row per customer, where `NaN` is a missing value (routed by
//! a default direction learned at each split) and ±∞ is an error; `y[i] == true` means churned.
//! Categorical columns are either encoded (one-hot) by the caller or given as category codes
//! and listed in [`BoostedParams::categorical_features`], to be split natively as sets of
//! categories (LightGBM's method, [`CategoricalSplits`]).
//!
//! The engine follows LightGBM's design: quantile bins (≤ 255 + a missing bin), leaf-wise
//! (best-first) growth, histogram subtraction, Newton leaf values with L2 regularisation, row and
//! column subsampling, and early stopping on a validation split. Fitting is multithreaded with
//! rayon and deterministic: the same seed gives the same model bytes whatever the thread count.
//!
//! ```
//! use attrition::models::boosted::{synthetic, BoostedParams};
//! let data = synthetic::make_churn_matrix(2_000, 8, 7);
//! let booster = BoostedParams::new().n_trees(50).seed(1).fit_matrix(data.x.view(), &data.y, None).unwrap();
//! let p = booster.predict_proba(data.x.view()).unwrap();
//! assert_eq!(p.len(), 2_000);
//! assert!(p.iter().all(|&q| q > 0.0 && q < 1.0));
//! // Contributions add up to the raw score of every row.
//! let shap = booster.shap_values(data.x.view()).unwrap();
//! let raw = booster.predict_raw(data.x.view()).unwrap();
//! assert!((shap.total(0) - raw[0]).abs() < 1e-9);
//! ```

mod fit;
pub mod objective;
mod params;
pub mod synthetic;

pub use crate::models::hist::{FeatureImportances, ShapValues};
pub use objective::{Link, LogLoss, Objective, Part, SquaredError, Targets};
pub use params::{BoostedParams, CategoricalSplits, EarlyStopping, MAX_BAGS};

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::models::hist::forest::Forest;

/// Explicit validation rows for early stopping (instead of an internal hold-out).
#[derive(Debug, Clone, Copy)]
pub struct Validation<'a> {
    /// Validation features (same columns as the training matrix).
    pub x: ArrayView2<'a, f64>,
    /// Validation labels.
    pub y: &'a [bool],
    /// Optional validation weights.
    pub weights: Option<&'a [f64]>,
}

/// A fitted gradient-boosted tree model.
///
/// Serialises with serde (the trees in a flat struct-of-arrays layout); deserialising checks the
/// trees' structure, so a corrupted file is an error rather than a panic at prediction time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    forest: Forest,
    init_score: f64,
    objective: String,
    link: Link,
    learning_rate: f64,
    validation_loss: Vec<f64>,
    best_n_trees: Option<usize>,
}

impl Booster {
    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.forest.n_features
    }

    /// Number of trees kept.
    pub fn n_trees(&self) -> usize {
        self.forest.n_trees()
    }

    /// The raw score every prediction starts from.
    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// Name of the objective the model was trained with.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// Mean validation loss after each boosting round (empty without validation data).
    pub fn validation_loss(&self) -> &[f64] {
        &self.validation_loss
    }

    /// With early stopping: the number of trees that minimised the validation loss (the model
    /// keeps exactly these trees, unless [`EarlyStopping::refit`] fitted it again on every row
    /// with proportionally more).
    pub fn best_n_trees(&self) -> Option<usize> {
        self.best_n_trees
    }

    /// The average of `first` and `rest` (fitted on the same columns with the same objective):
    /// one model of all their trees with leaf values divided by their number, starting from the
    /// mean of their initial scores, so its raw score is the mean of theirs. Keeps the first
    /// model's validation losses; [`Booster::best_n_trees`] is that of a single model (`None`).
    pub(crate) fn average(first: Booster, rest: Vec<Booster>) -> Booster {
        let k = (1 + rest.len()) as f64;
        let mut forest = Forest::new(first.forest.n_features);
        forest.append_scaled(&first.forest, 1.0 / k);
        let mut out = Booster { forest, init_score: first.init_score / k, best_n_trees: None, ..first };
        for m in rest {
            out.init_score += m.init_score / k;
            out.forest.append_scaled(&m.forest, 1.0 / k);
        }
        out
    }

    /// Raw scores (log-odds of churn) for every row of `x`.
    ///
    /// Errors if `x` does not have [`Booster::n_features`] columns or holds ±∞.
    pub fn predict_raw(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let mut out = vec![self.init_score; x.nrows()];
        self.forest.add_raw(x, &mut out)?;
        Ok(out)
    }

    /// P(churn) for every row of `x`.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let mut out = self.predict_raw(x)?;
        let link = self.link;
        out.iter_mut().for_each(|v| *v = link.apply(*v));
        Ok(out)
    }

    /// The leaf each row reaches in each tree, row-major (`n_rows × n_trees`), numbered from 0
    /// within its tree (the root) in the order the tree's nodes are stored — XGBoost's
    /// `pred_leaf` numbering for a model exported by [`crate::export::xgboost`].
    ///
    /// Errors as [`Booster::predict_raw`] does.
    pub fn leaf_indices(&self, x: ArrayView2<f64>) -> Result<Vec<u32>> {
        let f = &self.forest;
        let rows = f.checked_rows(x)?;
        let w = f.n_features;
        let mut out = Vec::with_capacity(x.nrows() * f.n_trees());
        for i in 0..x.nrows() {
            let row = &rows[i * w..(i + 1) * w];
            for t in 0..f.n_trees() {
                let root = f.roots[t] as usize;
                let mut k = root;
                while !f.is_leaf(k) {
                    k = if f.row_goes_left(k, row) { f.left[k] as usize } else { f.right[k] as usize };
                }
                out.push((k - root) as u32);
            }
        }
        Ok(out)
    }

    /// Exact TreeSHAP contributions on the raw (log-odds) scale: for every row,
    /// `base_value + Σ values == predict_raw` (to rounding).
    pub fn shap_values(&self, x: ArrayView2<f64>) -> Result<ShapValues> {
        self.forest.shap_values(x, self.init_score)
    }

    /// Path attribution on the raw scale (see `hist::Forest::path_attribution`): additive like
    /// [`Booster::shap_values`], with the same base value, at one step per node on each path.
    pub fn path_attribution(&self, x: ArrayView2<f64>) -> Result<ShapValues> {
        self.forest.path_attribution(x, self.init_score)
    }

    /// How raw scores become predictions (the logistic link for churn models).
    pub fn link(&self) -> Link {
        self.link
    }

    /// The shrinkage the trees were fitted with (already applied to their leaf values).
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// The fitted trees (for model validation and the predictor tests in `hist::forest`).
    pub(crate) fn forest(&self) -> &Forest {
        &self.forest
    }

    /// Number of native categorical splits over all trees
    /// ([`BoostedParams::categorical_features`]).
    pub fn n_categorical_splits(&self) -> usize {
        self.forest.categorical.len()
    }

    /// Gain (loss reduction, summed over splits) and split-count importances per feature.
    pub fn importances(&self) -> FeatureImportances {
        self.forest.importances(1.0)
    }
}

/// A small booster on synthetic data for the predictor and explanation tests: `n_trees` trees of
/// at most `leaves` leaves, no early stopping.
#[cfg(test)]
pub(crate) fn fit_for_tests(
    data: &synthetic::SyntheticChurn,
    n_trees: usize,
    leaves: usize,
    min_samples_leaf: usize,
) -> Booster {
    BoostedParams::new()
        .n_trees(n_trees)
        .max_leaves(Some(leaves))
        .min_samples_leaf(min_samples_leaf)
        .early_stopping(None)
        .fit_matrix(data.x.view(), &data.y, None)
        .expect("synthetic training data is valid")
}

#[cfg(test)]
mod tests {
    use super::synthetic::make_churn_matrix;
    use super::*;

    /// The predictor each forest compiles to (leaf-mask tables with 8- to 64-bit masks; the
    /// lock-step walk of packed nodes for trees of more than 64 leaves) gives the same sums as
    /// walking the fitted arrays directly, bit for bit, through the public entry point, on data
    /// with missing values. (`hist::forest` tests every predictor on every forest.)
    #[test]
    fn packed_prediction_equals_the_node_arrays() {
        let data = make_churn_matrix(3000, 8, 5);
        assert!(data.x.iter().any(|v| v.is_nan()), "the synthetic data should have missing values");
        for (leaves, kind) in [(8, "table8"), (16, "table16"), (31, "table32"), (50, "table64"), (100, "walk")] {
            let booster = fit_for_tests(&data, 20, leaves, 2);
            let f = &booster.forest;
            assert_eq!(f.compiled_kind(), kind, "{leaves} leaves");
            if leaves == 100 {
                // More than 64 leaves per tree on average: some tree takes the lock-step path.
                assert!(f.n_nodes() > 20 * 129, "trees too small to leave the QuickScorer path");
            }
            let mut packed = vec![0.0; data.x.nrows()];
            f.add_raw(data.x.view(), &mut packed).unwrap();
            let x = data.x.as_standard_layout();
            let rows = x.as_slice().unwrap();
            let p = data.x.ncols();
            for (i, row) in rows.chunks(p).enumerate() {
                let mut direct = [0.0];
                f.predict_block(row, &mut direct, 0..f.n_trees());
                assert_eq!(packed[i].to_bits(), direct[0].to_bits(), "{leaves} leaves, row {i}");
            }
        }
    }

    /// Large enough for the parallel partition, gather and histogram passes (≥ 16,384 rows per
    /// node near the root): one thread and three give the same trees, bit for bit, with and
    /// without row and column subsampling.
    #[test]
    fn fit_is_identical_on_one_or_many_threads() {
        let data = make_churn_matrix(40_000, 6, 9);
        for (subsample, colsample) in [(1.0, 1.0), (0.7, 0.5)] {
            let fit = |threads| {
                BoostedParams::new()
                    .n_trees(8)
                    .subsample(subsample)
                    .colsample(colsample)
                    .early_stopping(None)
                    .n_threads(Some(threads))
                    .fit_matrix(data.x.view(), &data.y, None)
                    .unwrap()
            };
            let (one, many) = (fit(1), fit(3));
            let bits =
                |b: &Booster| b.predict_raw(data.x.view()).unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&one), bits(&many), "subsample {subsample}, colsample {colsample}");
            assert_eq!(serde_json::to_string(&one.forest).unwrap(), serde_json::to_string(&many.forest).unwrap());
        }
    }

    fn categorical_booster(n: usize, seed: u64, threads: Option<usize>) -> (synthetic::SyntheticChurn, Booster) {
        let data = synthetic::make_categorical_churn(n, 60, seed);
        let booster = BoostedParams::new()
            .n_trees(40)
            .max_leaves(Some(16))
            .categorical_features(vec![0, 2])
            .early_stopping(None)
            .n_threads(threads)
            .fit_matrix(data.x.view(), &data.y, None)
            .unwrap();
        (data, booster)
    }

    /// A forest with categorical splits compiles to the walk, which gives the node arrays' sums
    /// bit for bit, also for category codes never seen in training (which follow the default
    /// direction: they predict exactly as a missing value does).
    #[test]
    fn categorical_prediction_equals_the_node_arrays_and_unseen_codes_follow_missing() {
        let (mut data, booster) = categorical_booster(4000, 11, None);
        let f = &booster.forest;
        assert!(f.categorical.len() > 20, "few categorical splits: {}", f.categorical.len());
        assert!((0..f.n_nodes()).any(|k| !f.is_leaf(k) && !f.is_categorical(k)), "no numeric split");
        assert_eq!(f.compiled_kind(), "walk");
        // Codes never seen (60 categories: 0..59), and a non-code.
        for (i, v) in [(0, 60.0), (1, 255.0), (2, 1e9), (3, 2.5)] {
            data.x[[i, 0]] = v;
        }
        let mut packed = vec![0.0; data.x.nrows()];
        f.add_raw(data.x.view(), &mut packed).unwrap();
        let x = data.x.as_standard_layout();
        let p = data.x.ncols();
        for (i, row) in x.as_slice().unwrap().chunks(p).enumerate() {
            let mut direct = [0.0];
            f.predict_block(row, &mut direct, 0..f.n_trees());
            assert_eq!(packed[i].to_bits(), direct[0].to_bits(), "row {i}");
        }
        let mut missing = data.x.select(ndarray::Axis(0), &[0, 1, 2, 3]);
        missing.column_mut(0).fill(f64::NAN);
        let want = booster.predict_raw(missing.view()).unwrap();
        let got = booster.predict_raw(data.x.select(ndarray::Axis(0), &[0, 1, 2, 3]).view()).unwrap();
        assert_eq!(got, want);
        // TreeSHAP (categorical trees take the leaves' tables) adds up to the raw score.
        let shap = booster.shap_values(data.x.view()).unwrap();
        let raw = booster.predict_raw(data.x.view()).unwrap();
        for (i, r) in raw.iter().enumerate().take(500) {
            assert!((shap.total(i) - r).abs() < 1e-9, "row {i}: {} vs {r}", shap.total(i));
        }
    }

    /// Same seed, same bytes — on one thread or three, and after a save and load.
    #[test]
    fn categorical_fit_is_deterministic_and_round_trips() {
        let (data, one) = categorical_booster(20_000, 5, Some(1));
        let (_, many) = categorical_booster(20_000, 5, Some(3));
        let json = serde_json::to_string(&one).unwrap();
        assert_eq!(json, serde_json::to_string(&many).unwrap());
        assert!(json.contains("\"categorical\""));
        let back: Booster = serde_json::from_str(&json).unwrap();
        assert_eq!(back, one);
        let bits = |b: &Booster| b.predict_raw(data.x.view()).unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&one));
    }

    /// A categorical split naming a leaf, or a code past the bitset, is refused on load.
    #[test]
    fn bad_categorical_splits_are_refused_on_load() {
        let (_, booster) = categorical_booster(3000, 2, None);
        let json = serde_json::to_string(&booster).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["forest"]["categorical"][0]["categories"] = serde_json::json!([3, 300]);
        let err = serde_json::from_value::<Booster>(v.clone()).unwrap_err().to_string();
        assert!(err.contains("300"), "{err}");
        let leaf = (0..booster.forest.n_nodes()).find(|&k| booster.forest.is_leaf(k)).unwrap();
        v["forest"]["categorical"] = serde_json::json!([{"node": leaf, "categories": [1]}]);
        let err = serde_json::from_value::<Booster>(v).unwrap_err().to_string();
        assert!(err.contains("not an internal node"), "{err}");
    }
}
