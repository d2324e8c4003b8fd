//! The histogram tree engine shared by the single decision tree ([`crate::models::tree`]) and
//! gradient-boosted trees ([`crate::models::boosted`]).
//!
//! - `bins`: quantile bins (≤ [`MAX_BINS`] value bins + a missing bin per feature), learned on
//!   training rows, turning the matrix into `u8` codes stored column by column;
//! - `histogram`: per-bin sums of gradients, hessians and counts, built in parallel over
//!   features (each feature summed in row order, so results do not depend on the thread count),
//!   with the sibling-subtraction trick and each feature's best split found in the same pass;
//! - `split`: the best threshold per feature, missing values tried on both sides (the learned
//!   default direction), under min-child-weight / min-samples / min-gain constraints;
//! - `grow`: best-first (leaf-wise) growth under a leaf budget and/or depth limit;
//! - `forest`: the fitted trees in one flat struct-of-arrays layout, predicted in row blocks;
//! - `explain`: exact TreeSHAP and gain / split-count importances ([`ShapValues`],
//!   [`FeatureImportances`]).
//!
//! Inputs are dense row-major-or-not `f64` matrices where `NaN` means missing and ±∞ is an error.

pub(crate) mod bins;
pub(crate) mod bundle;
pub(crate) mod explain;
pub(crate) mod forest;
pub(crate) mod grow;
pub(crate) mod histogram;
pub(crate) mod split;

pub use bins::MAX_BINS;

/// Deepest tree (root = depth 0, a leaf at depth 64 is the deepest) the learners grow and a model
/// file may hold. A tree's cost to explain grows with the square of its depth, so the cap bounds
/// what any loadable model costs; `max_depth` parameters above it are refused and "no limit"
/// means this limit. Trees of our defaults are 3–7 deep, and a leaf-wise tree of 255 leaves on
/// real data rarely passes 30.
pub const MAX_TREE_DEPTH: usize = 64;
pub use explain::{FeatureImportances, ShapValues};

use ndarray::ArrayView2;

use crate::error::{Error, Result};

/// Checks a training matrix, labels and optional weights; returns the weights (ones if none).
///
/// Errors: no rows or no columns, length mismatches, ±∞ in `x`, non-finite or negative weights,
/// a class with zero total weight.
pub(crate) fn check_training(
    x: ArrayView2<f64>,
    y: &[bool],
    weights: Option<&[f64]>,
    what: &'static str,
) -> Result<Vec<f64>> {
    let w = check_labels_and_weights(x.nrows(), x.ncols(), y, weights, what)?;
    bins::check_finite_or_nan(x, "training input")?;
    check_both_classes(y, &w, what)?;
    Ok(w)
}

/// The shape checks of [`check_training`] for `n_rows` × `n_cols` inputs held in any form, and
/// the weights (all 1 when `None`).
pub(crate) fn check_labels_and_weights(
    n_rows: usize,
    n_cols: usize,
    y: &[bool],
    weights: Option<&[f64]>,
    what: &'static str,
) -> Result<Vec<f64>> {
    if n_rows == 0 || y.is_empty() {
        return Err(Error::EmptyData { context: what });
    }
    if n_cols == 0 {
        return Err(Error::EmptyData { context: "the feature matrix has no columns" });
    }
    if y.len() != n_rows {
        return Err(Error::LengthMismatch { context: "labels vs rows of x", left: y.len(), right: n_rows });
    }
    if n_rows >= u32::MAX as usize {
        return Err(Error::param("rows", n_rows, "at most 4,294,967,294 rows are supported"));
    }
    match weights {
        Some(w) => {
            if w.len() != y.len() {
                return Err(Error::LengthMismatch { context: "weights vs labels", left: w.len(), right: y.len() });
            }
            check_weights(w, "sample weights")?;
            Ok(w.to_vec())
        }
        None => Ok(vec![1.0; y.len()]),
    }
}

/// Both classes carry weight.
pub(crate) fn check_both_classes(y: &[bool], w: &[f64], what: &'static str) -> Result<()> {
    let (mut pos, mut neg) = (0.0, 0.0);
    for (&yi, &wi) in y.iter().zip(w) {
        if yi {
            pos += wi;
        } else {
            neg += wi;
        }
    }
    if pos <= 0.0 || neg <= 0.0 {
        return Err(Error::SingleClass { context: what });
    }
    Ok(())
}

/// Rejects non-finite or negative weights.
pub(crate) fn check_weights(w: &[f64], context: &str) -> Result<()> {
    for (i, &v) in w.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite { context: context.to_string(), row: i, value: v });
        }
        if v < 0.0 {
            return Err(Error::param("weights", format!("{v} at row {i}"), "sample weights must be ≥ 0"));
        }
    }
    Ok(())
}

/// Runs `f` on a pool of `n_threads` threads, or on rayon's global pool for `None`.
pub(crate) fn with_threads<T: Send>(n_threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match n_threads {
        None => Ok(f()),
        Some(k) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .map_err(|e| Error::param("n_threads", k, format!("cannot start a thread pool: {e}")))?;
            Ok(pool.install(f))
        }
    }
}
