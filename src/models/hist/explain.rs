//! Explanations of tree models: exact TreeSHAP contributions and gain / split-count importances.
//!
//! TreeSHAP is the path-dependent algorithm of Lundberg, Erion & Lee (2018), "Consistent
//! individualized feature attribution for tree ensembles" (Algorithm 2): the value of a feature
//! subset `S` is the tree's expected output when the features in `S` are fixed to the row's values
//! and the others are integrated out along the tree by the training covers. It runs in
//! O(leaves × depth²) per tree and row, and `base_value + Σ contributions` equals the model's raw
//! output for every row.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::Forest;
use crate::error::Result;

/// Per-row feature contributions (SHAP values) and the base value they start from.
///
/// For every row `i`, `base_value + values.row(i).sum()` is the model's raw output for that row
/// (log-odds for boosted trees, probability for a single tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapValues {
    /// `n_rows × n_features` contributions.
    pub values: Array2<f64>,
    /// The expected output over the training data (under the trees' covers).
    pub base_value: f64,
}

impl ShapValues {
    /// `base_value + Σ contributions` of row `i` (the raw output being explained).
    pub fn total(&self, i: usize) -> f64 {
        self.base_value + self.values.row(i).sum()
    }
}

/// How much each feature is used by a tree model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportances {
    /// Total split gain per feature: loss reduction for boosted trees, weighted Gini decrease for
    /// a single tree.
    pub gain: Vec<f64>,
    /// Number of splits on each feature.
    pub splits: Vec<u64>,
}

impl FeatureImportances {
    /// Gains scaled to sum to 1 (all zeros if the model has no split).
    pub fn gain_share(&self) -> Vec<f64> {
        let total: f64 = self.gain.iter().sum();
        if total > 0.0 { self.gain.iter().map(|g| g / total).collect() } else { vec![0.0; self.gain.len()] }
    }

    /// Feature indices ordered by decreasing gain (ties by index).
    pub fn ranking(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.gain.len()).collect();
        idx.sort_by(|&a, &b| self.gain[b].total_cmp(&self.gain[a]).then(a.cmp(&b)));
        idx
    }
}

impl Forest {
    /// Gain and split-count importances summed over all trees.
    pub fn importances(&self, gain_scale: f64) -> FeatureImportances {
        let mut gain = vec![0.0; self.n_features];
        let mut splits = vec![0u64; self.n_features];
        for k in 0..self.n_nodes() {
            if !self.is_leaf(k) {
                let f = self.feature[k] as usize;
                gain[f] += self.gain[k] * gain_scale;
                splits[f] += 1;
            }
        }
        FeatureImportances { gain, splits }
    }

    /// Exact TreeSHAP values of every row of `x` (checked like prediction); `base` is added to the
    /// trees' expected values to form the base value.
    pub fn shap_values(&self, x: ArrayView2<f64>, base: f64) -> Result<ShapValues> {
        let rows = self.checked_rows(x)?;
        let p = self.n_features;
        let n = x.nrows();
        let mut values = vec![0.0; n * p];
        let max_depth = self.depths.iter().copied().max().unwrap_or(0) as usize;
        if p > 0 {
            values.par_chunks_mut(p).zip(rows.par_chunks(p)).for_each_init(
                || vec![PathElement::default(); (max_depth + 2) * (max_depth + 3) / 2],
                |scratch, (phi, row)| {
                    for t in 0..self.n_trees() {
                        self.tree_shap(t, row, phi, scratch);
                    }
                },
            );
        }
        let base_value = base + (0..self.n_trees()).map(|t| self.expected_value(t)).sum::<f64>();
        let values = Array2::from_shape_vec((n, p), values)
            .map_err(|e| crate::error::Error::Numerical { context: "TreeSHAP", reason: e.to_string() })?;
        Ok(ShapValues { values, base_value })
    }

    /// Adds tree `t`'s contributions for `row` to `phi`.
    fn tree_shap(&self, t: usize, row: &[f64], phi: &mut [f64], scratch: &mut [PathElement]) {
        let root = self.roots[t] as usize;
        if self.is_leaf(root) {
            return;
        }
        self.recurse(row, phi, scratch, root, 0, 0, 1.0, 1.0, NO_FEATURE);
    }

    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        row: &[f64],
        phi: &mut [f64],
        scratch: &mut [PathElement],
        node: usize,
        parent_offset: usize,
        mut unique_depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: usize,
    ) {
        // This node's path is a copy of the parent's, stored right after it.
        let offset = parent_offset + unique_depth;
        if unique_depth > 0 {
            scratch.copy_within(parent_offset..parent_offset + unique_depth, offset);
        }
        let path = &mut scratch[offset..];
        extend_path(path, unique_depth, zero_fraction, one_fraction, feature);

        if self.is_leaf(node) {
            let v = self.value[node];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(path, unique_depth, i);
                let el = path[i];
                phi[el.feature] += w * (el.one - el.zero) * v;
            }
            return;
        }
        let f = self.feature[node] as usize;
        let xv = row[f];
        let go_left = xv <= self.threshold[node] || (xv.is_nan() && self.default_left[node]);
        let (hot, cold) = if go_left {
            (self.left[node] as usize, self.right[node] as usize)
        } else {
            (self.right[node] as usize, self.left[node] as usize)
        };
        let w = self.cover[node];
        let hot_zero = self.cover[hot] / w;
        let cold_zero = self.cover[cold] / w;
        let mut incoming_zero = 1.0;
        let mut incoming_one = 1.0;
        // A feature already on the path: undo its earlier split and redo it here.
        if let Some(k) = (1..=unique_depth).find(|&k| path[k].feature == f) {
            incoming_zero = path[k].zero;
            incoming_one = path[k].one;
            unwind_path(path, unique_depth, k);
            unique_depth -= 1;
        }
        self.recurse(row, phi, scratch, hot, offset, unique_depth + 1, hot_zero * incoming_zero, incoming_one, f);
        self.recurse(row, phi, scratch, cold, offset, unique_depth + 1, cold_zero * incoming_zero, 0.0, f);
    }
}

const NO_FEATURE: usize = usize::MAX;

/// One element of the TreeSHAP path.
#[derive(Debug, Clone, Copy)]
struct PathElement {
    feature: usize,
    zero: f64,
    one: f64,
    pweight: f64,
}

impl Default for PathElement {
    fn default() -> Self {
        PathElement { feature: NO_FEATURE, zero: 0.0, one: 0.0, pweight: 0.0 }
    }
}

fn extend_path(path: &mut [PathElement], d: usize, zero: f64, one: f64, feature: usize) {
    path[d] = PathElement { feature, zero, one, pweight: if d == 0 { 1.0 } else { 0.0 } };
    for i in (0..d).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / (d + 1) as f64;
        path[i].pweight = zero * path[i].pweight * (d - i) as f64 / (d + 1) as f64;
    }
}

fn unwind_path(path: &mut [PathElement], d: usize, k: usize) {
    let one = path[k].one;
    let zero = path[k].zero;
    let mut next_one = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * (d + 1) as f64 / ((i + 1) as f64 * one);
            next_one = tmp - path[i].pweight * zero * (d - i) as f64 / (d + 1) as f64;
        } else {
            path[i].pweight = path[i].pweight * (d + 1) as f64 / (zero * (d - i) as f64);
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

fn unwound_path_sum(path: &[PathElement], d: usize, k: usize) -> f64 {
    let one = path[k].one;
    let zero = path[k].zero;
    let mut next_one = path[d].pweight;
    let mut total = 0.0;
    if one != 0.0 {
        for i in (0..d).rev() {
            let tmp = next_one / ((i + 1) as f64 * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * (d - i) as f64;
        }
    } else {
        for i in (0..d).rev() {
            total += path[i].pweight / (zero * (d - i) as f64);
        }
    }
    total * (d + 1) as f64
}
