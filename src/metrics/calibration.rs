//! Calibration: do customers given P(churn) = 0.3 churn 30% of the time?
//!
//! [`calibration_curve`] bins the predictions and compares, per bin, the mean prediction with
//! the observed churn rate (a reliability diagram). It reproduces scikit-learn 1.9's
//! `calibration_curve` (`prob_true`, `prob_pred` for the non-empty bins) to 1e-9:
//!
//! - [`BinStrategy::Uniform`]: edges `0, 1/b, 2/b, …, 1` (computed like `numpy.linspace`);
//! - [`BinStrategy::Quantile`]: edges at the `0, 1/b, …, 1` quantiles of the predictions with
//!   numpy's default linear interpolation, so bins hold (nearly) equal numbers of customers.
//!   The edges are quantiles of the *unweighted* predictions, even when weights are given;
//! - a prediction equal to an inner edge goes to the lower bin (`numpy.searchsorted(...,
//!   side="left")`): bins are `[e₀, e₁], (e₁, e₂], …`;
//! - empty bins are left out of `prob_true` / `prob_pred` (their indices are in `bin_index`).
//!
//! **Expected calibration error** is defined here as the weighted mean, over non-empty bins, of
//! `|observed churn rate − mean prediction|`, each bin weighted by its share of customers
//! (weight): `ECE = Σ_b (W_b / W) · |acc_b − conf_b|`. It depends on the bins; the crate's
//! evaluation uses 10 uniform bins.
//!
//! ```
//! use attrition::metrics::{calibration_curve, BinStrategy};
//! let y = [false, false, false, false, true, true, true, true, true];
//! let p = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0];
//! let c = calibration_curve(&y, &p, None, 3, BinStrategy::Uniform).unwrap();
//! assert_eq!(c.prob_true, vec![0.0, 0.5, 1.0]);
//! let expected = [0.2, 0.525, 0.85];
//! assert!(c.prob_pred.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12));
//! assert!((c.ece - (3.0 * 0.2 + 2.0 * 0.025 + 4.0 * 0.15) / 9.0).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use super::{check_inputs, check_probabilities};
use crate::error::{Error, Result};

/// How [`calibration_curve`] places its bin edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    /// Equal-width bins on `[0, 1]`.
    Uniform,
    /// Equal-count bins (edges at quantiles of the predictions).
    Quantile,
}

/// A reliability diagram: per non-empty bin, mean prediction vs observed churn rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBins {
    /// How the edges were placed.
    pub strategy: BinStrategy,
    /// All `n_bins + 1` bin edges, ascending.
    pub edges: Vec<f64>,
    /// Index (0-based) of each non-empty bin.
    pub bin_index: Vec<usize>,
    /// Observed churn rate in each non-empty bin (scikit-learn's `prob_true`).
    pub prob_true: Vec<f64>,
    /// Mean predicted P(churn) in each non-empty bin (scikit-learn's `prob_pred`).
    pub prob_pred: Vec<f64>,
    /// Customers (weight sum) in each non-empty bin.
    pub counts: Vec<f64>,
    /// Expected calibration error over these bins (see the module docs).
    pub ece: f64,
}

/// Linear-interpolation quantiles of `sorted` at `q` (numpy's `percentile(..., q * 100)`,
/// including its `_lerp`, so edges that fall on data points are bit-identical).
fn numpy_percentiles(sorted: &[f64], q: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    q.iter()
        .map(|&q| {
            let q = (q * 100.0) / 100.0;
            let virtual_index = (n - 1) as f64 * q;
            let prev = virtual_index.floor();
            let (lo, hi) =
                if virtual_index >= (n - 1) as f64 { (n - 1, n - 1) } else { (prev as usize, prev as usize + 1) };
            let gamma = virtual_index - prev;
            let (a, b) = (sorted[lo], sorted[hi]);
            let d = b - a;
            if gamma >= 0.5 { b - d * (1.0 - gamma) } else { a + d * gamma }
        })
        .collect()
}

/// `numpy.linspace(0, 1, n_bins + 1)`.
fn linspace01(n_bins: usize) -> Vec<f64> {
    let step = 1.0 / n_bins as f64;
    (0..=n_bins).map(|i| if i == n_bins { 1.0 } else { i as f64 * step }).collect()
}

/// Bins predictions and compares mean prediction with observed churn per bin (see the module docs).
///
/// Errors: empty or mismatched input, non-finite values, probabilities outside `[0, 1]`,
/// `n_bins == 0`, or weights summing to zero.
pub fn calibration_curve(
    y_true: &[bool],
    y_prob: &[f64],
    sample_weight: Option<&[f64]>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<CalibrationBins> {
    const CONTEXT: &str = "calibration curve";
    check_inputs(CONTEXT, y_true, y_prob, sample_weight)?;
    check_probabilities(y_prob)?;
    if n_bins == 0 {
        return Err(Error::param("n_bins", n_bins, "at least one bin is needed"));
    }
    let q = linspace01(n_bins);
    let edges = match strategy {
        BinStrategy::Uniform => q,
        BinStrategy::Quantile => {
            let mut sorted = y_prob.to_vec();
            sorted.sort_by(f64::total_cmp);
            numpy_percentiles(&sorted, &q)
        }
    };
    let inner = &edges[1..n_bins];
    let mut sum_pred = vec![0.0; n_bins];
    let mut sum_true = vec![0.0; n_bins];
    let mut total = vec![0.0; n_bins];
    let mut occupied = vec![false; n_bins];
    for (i, (&y, &p)) in y_true.iter().zip(y_prob).enumerate() {
        let b = inner.partition_point(|&e| e < p);
        let w = sample_weight.map_or(1.0, |w| w[i]);
        sum_pred[b] += w * p;
        if y {
            sum_true[b] += w;
        }
        total[b] += w;
        occupied[b] = true;
    }
    let grand_total: f64 = total.iter().sum();
    if grand_total <= 0.0 {
        return Err(Error::EmptyData { context: "calibration curve: weights sum to zero" });
    }
    let mut out = CalibrationBins {
        strategy,
        edges,
        bin_index: Vec::new(),
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        counts: Vec::new(),
        ece: 0.0,
    };
    for b in 0..n_bins {
        // Like scikit-learn, a bin is kept when it holds rows (a bin holding only zero-weight
        // rows would be 0/0 and is dropped too).
        if !occupied[b] || total[b] <= 0.0 {
            continue;
        }
        let acc = sum_true[b] / total[b];
        let conf = sum_pred[b] / total[b];
        out.ece += total[b] / grand_total * (acc - conf).abs();
        out.bin_index.push(b);
        out.prob_true.push(acc);
        out.prob_pred.push(conf);
        out.counts.push(total[b]);
    }
    Ok(out)
}

/// Expected calibration error over `n_bins` bins (see the module docs for the definition).
///
/// ```
/// use attrition::metrics::{expected_calibration_error, BinStrategy};
/// // perfectly calibrated within each bin
/// let y = [true, false, false, false];
/// let p = [0.25, 0.25, 0.25, 0.25];
/// assert_eq!(expected_calibration_error(&y, &p, None, 10, BinStrategy::Uniform).unwrap(), 0.0);
/// ```
pub fn expected_calibration_error(
    y_true: &[bool],
    y_prob: &[f64],
    sample_weight: Option<&[f64]>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<f64> {
    Ok(calibration_curve(y_true, y_prob, sample_weight, n_bins, strategy)?.ece)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_values_go_to_the_lower_bin() {
        let c = calibration_curve(&[true, false], &[0.5, 0.5000001], None, 2, BinStrategy::Uniform).unwrap();
        assert_eq!(c.bin_index, vec![0, 1]);
    }

    #[test]
    fn quantile_bins_hold_equal_counts() {
        let p: Vec<f64> = (0..100).map(|i| (i as f64 / 100.0).powi(3)).collect();
        let y: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let c = calibration_curve(&y, &p, None, 4, BinStrategy::Quantile).unwrap();
        assert_eq!(c.counts, vec![25.0, 25.0, 25.0, 25.0]);
    }

    #[test]
    fn integer_weights_equal_repeated_rows_for_uniform_bins() {
        let y = [true, false, true, false];
        let p = [0.9, 0.2, 0.35, 0.6];
        let w = calibration_curve(&y, &p, Some(&[2.0, 1.0, 3.0, 1.0]), 5, BinStrategy::Uniform).unwrap();
        let yr = [true, true, false, true, true, true, false];
        let pr = [0.9, 0.9, 0.2, 0.35, 0.35, 0.35, 0.6];
        let r = calibration_curve(&yr, &pr, None, 5, BinStrategy::Uniform).unwrap();
        assert_eq!(w.bin_index, r.bin_index);
        assert!(w.prob_pred.iter().zip(&r.prob_pred).all(|(a, b)| (a - b).abs() < 1e-12));
        assert!((w.ece - r.ece).abs() < 1e-12);
    }
}
