//! Ranking metrics: ROC curve and ROC-AUC, precision–recall curve and average precision.
//!
//! These follow scikit-learn 1.9 exactly (`roc_curve`, `roc_auc_score`, `precision_recall_curve`,
//! `average_precision_score`), and agree with it to 1e-9 on the vectors kept in
//! `tests/metrics_reference.rs`:
//!
//! - rows are ranked by descending score; **tied scores form one threshold**, so a tie between a
//!   churner and a non-churner counts half (the ROC curve crosses the tie diagonally and the AUC
//!   is the Mann–Whitney statistic with ties averaged);
//! - rows with zero weight are removed before anything else;
//! - the ROC curve starts at `(0, 0)` with threshold `+∞`; [`roc_curve`] drops intermediate
//!   collinear points like scikit-learn's default `drop_intermediate=True` (they do not change
//!   the curve or its area), [`roc_curve_all_thresholds`] keeps one point per distinct score;
//! - average precision is the step-function sum `Σ (Rₙ − Rₙ₋₁)·Pₙ` (no interpolation).
//!
//! Unlike scikit-learn, which warns and returns NaN, a single class (after removing zero-weight
//! rows) is an [`Error::SingleClass`].
//!
//! ```
//! use attrition::metrics::{roc_curve, average_precision_score};
//! let y = [false, false, true, true];
//! let p = [0.1, 0.4, 0.35, 0.8];
//! let roc = roc_curve(&y, &p, None).unwrap();
//! assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
//! assert_eq!(roc.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
//! assert_eq!(roc.auc(), 0.75);
//! let ap = average_precision_score(&y, &p, None).unwrap();
//! assert!((ap - 0.8333333333333333).abs() < 1e-15);
//! ```

use serde::{Deserialize, Serialize};

use super::{check_inputs, descending_order};
use crate::error::{Error, Result};

/// A receiver operating characteristic curve.
///
/// Point `i` is the false- and true-positive rate of flagging every row with score
/// `≥ thresholds[i]`. The first point is `(0, 0)` with threshold `+∞` (written as `null` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False-positive rate (share of retained customers flagged), non-decreasing from 0 to 1.
    pub fpr: Vec<f64>,
    /// True-positive rate (share of churners flagged), non-decreasing from 0 to 1.
    pub tpr: Vec<f64>,
    /// Score thresholds, decreasing; the first is `+∞`.
    pub thresholds: Vec<f64>,
}

impl RocCurve {
    /// Area under the curve by the trapezoidal rule (equal to [`roc_auc_score`]).
    pub fn auc(&self) -> f64 {
        trapezoid(&self.fpr, &self.tpr)
    }
}

/// A precision–recall curve, in scikit-learn's order: recall decreasing, ending at
/// `(recall 0, precision 1)`, which has no threshold (so `thresholds` is one shorter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// Precision at each threshold (0 where nothing is flagged), then a final 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, decreasing, then a final 0.
    pub recall: Vec<f64>,
    /// Score thresholds, increasing.
    pub thresholds: Vec<f64>,
}

/// Cumulative weighted false and true positives at each distinct score, scores decreasing
/// (scikit-learn's `confusion_matrix_at_thresholds`).
pub(crate) struct ClfCurve {
    pub fps: Vec<f64>,
    pub tps: Vec<f64>,
    pub thresholds: Vec<f64>,
}

pub(crate) fn binary_clf_curve(
    context: &'static str,
    y_true: &[bool],
    y_score: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<ClfCurve> {
    check_inputs(context, y_true, y_score, sample_weight)?;
    // Zero-weight rows do not affect the result: drop them (scikit-learn does the same).
    let kept: Vec<usize> = match sample_weight {
        Some(w) => (0..y_true.len()).filter(|&i| w[i] != 0.0).collect(),
        None => (0..y_true.len()).collect(),
    };
    if kept.is_empty() {
        return Err(Error::EmptyData { context });
    }
    let scores: Vec<f64> = kept.iter().map(|&i| y_score[i]).collect();
    let order: Vec<usize> = descending_order(&scores).into_iter().map(|j| kept[j]).collect();
    let mut fps = Vec::new();
    let mut tps = Vec::new();
    let mut thresholds = Vec::new();
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    for (k, &i) in order.iter().enumerate() {
        let y = if y_true[i] { 1.0 } else { 0.0 };
        match sample_weight {
            Some(w) => {
                tp += y * w[i];
                fp += (1.0 - y) * w[i];
            }
            None => {
                tp += y;
                fp = 1.0 + k as f64 - tp;
            }
        }
        let last_of_tie = order.get(k + 1).is_none_or(|&next| y_score[next] != y_score[i]);
        if last_of_tie {
            fps.push(fp);
            tps.push(tp);
            thresholds.push(y_score[i]);
        }
    }
    Ok(ClfCurve { fps, tps, thresholds })
}

fn roc(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>, drop_intermediate: bool) -> Result<RocCurve> {
    const CONTEXT: &str = "ROC curve";
    let ClfCurve { mut fps, mut tps, mut thresholds } = binary_clf_curve(CONTEXT, y_true, y_score, sample_weight)?;
    let (n_fp, n_tp) = (fps[fps.len() - 1], tps[tps.len() - 1]);
    if n_fp <= 0.0 || n_tp <= 0.0 {
        return Err(Error::SingleClass { context: CONTEXT });
    }
    if drop_intermediate && fps.len() > 2 {
        // Keep the ends and every point where the curve bends (second differences, as numpy's
        // `np.diff(x, 2)`, computed in the same order so the same points are kept).
        let second_diff = |x: &[f64], j: usize| (x[j + 1] - x[j]) - (x[j] - x[j - 1]);
        let keep: Vec<usize> = (0..fps.len())
            .filter(|&j| j == 0 || j == fps.len() - 1 || second_diff(&fps, j) != 0.0 || second_diff(&tps, j) != 0.0)
            .collect();
        fps = keep.iter().map(|&j| fps[j]).collect();
        tps = keep.iter().map(|&j| tps[j]).collect();
        thresholds = keep.iter().map(|&j| thresholds[j]).collect();
    }
    let fpr = std::iter::once(0.0).chain(fps.iter().map(|f| f / n_fp)).collect();
    let tpr = std::iter::once(0.0).chain(tps.iter().map(|t| t / n_tp)).collect();
    let thresholds = std::iter::once(f64::INFINITY).chain(thresholds).collect();
    Ok(RocCurve { fpr, tpr, thresholds })
}

/// The ROC curve, dropping collinear intermediate points (scikit-learn's default
/// `roc_curve(y_true, y_score, sample_weight=w)`).
///
/// Errors: empty or mismatched input, non-finite scores or weights, or a single class.
pub fn roc_curve(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<RocCurve> {
    roc(y_true, y_score, sample_weight, true)
}

/// The ROC curve with one point per distinct score (scikit-learn's
/// `roc_curve(..., drop_intermediate=False)`).
pub fn roc_curve_all_thresholds(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<RocCurve> {
    roc(y_true, y_score, sample_weight, false)
}

/// Area under the ROC curve: the probability that a random churner scores above a random
/// non-churner, ties counting half (scikit-learn's `roc_auc_score` for binary labels).
///
/// ```
/// use attrition::metrics::roc_auc_score;
/// // all scores equal: every pair is a tie
/// assert_eq!(roc_auc_score(&[true, false, false], &[0.3, 0.3, 0.3], None).unwrap(), 0.5);
/// // weights count like repeated rows
/// let w = roc_auc_score(&[true, false, true], &[0.9, 0.5, 0.1], Some(&[1.0, 1.0, 2.0])).unwrap();
/// let r = roc_auc_score(&[true, false, true, true], &[0.9, 0.5, 0.1, 0.1], None).unwrap();
/// assert!((w - r).abs() < 1e-15);
/// ```
pub fn roc_auc_score(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    Ok(roc_curve(y_true, y_score, sample_weight)?.auc())
}

/// The precision–recall curve (scikit-learn's `precision_recall_curve` with its defaults).
///
/// Errors: empty or mismatched input, non-finite scores or weights, or a single class.
pub fn precision_recall_curve(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<PrCurve> {
    const CONTEXT: &str = "precision-recall curve";
    let ClfCurve { fps, tps, thresholds } = binary_clf_curve(CONTEXT, y_true, y_score, sample_weight)?;
    let (n_fp, n_tp) = (fps[fps.len() - 1], tps[tps.len() - 1]);
    if n_fp <= 0.0 || n_tp <= 0.0 {
        return Err(Error::SingleClass { context: CONTEXT });
    }
    let precision = tps
        .iter()
        .zip(&fps)
        .rev()
        .map(|(tp, fp)| {
            let ps = tp + fp;
            if ps != 0.0 { tp / ps } else { 0.0 }
        })
        .chain(std::iter::once(1.0))
        .collect();
    let recall = tps.iter().rev().map(|tp| tp / n_tp).chain(std::iter::once(0.0)).collect();
    let thresholds = thresholds.into_iter().rev().collect();
    Ok(PrCurve { precision, recall, thresholds })
}

/// Average precision: `Σ (Rₙ − Rₙ₋₁)·Pₙ` over thresholds, the step-function area under the
/// precision–recall curve (scikit-learn's `average_precision_score`; not the trapezoidal
/// "PR-AUC", which is optimistic).
///
/// ```
/// use attrition::metrics::average_precision_score;
/// // a perfect ranking
/// assert_eq!(average_precision_score(&[true, false, false], &[0.9, 0.2, 0.1], None).unwrap(), 1.0);
/// ```
pub fn average_precision_score(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    let pr = precision_recall_curve(y_true, y_score, sample_weight)?;
    let sum: f64 = pr.recall.windows(2).zip(&pr.precision).map(|(r, p)| (r[1] - r[0]) * p).sum();
    Ok((-sum).max(0.0))
}

/// Trapezoidal area `Σ (xᵢ₊₁ − xᵢ)·(yᵢ₊₁ + yᵢ)/2` (numpy's `trapezoid`).
pub(crate) fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2).zip(y.windows(2)).map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_equals_pairwise_probability_with_half_ties() {
        let y = [true, false, true, false, false, true, false];
        let p = [0.9, 0.9, 0.5, 0.5, 0.2, 0.1, 0.1];
        let mut num = 0.0;
        let mut den = 0.0;
        for i in 0..y.len() {
            for j in 0..y.len() {
                if y[i] && !y[j] {
                    den += 1.0;
                    num += if p[i] > p[j] {
                        1.0
                    } else if p[i] == p[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        assert!((roc_auc_score(&y, &p, None).unwrap() - num / den).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(roc_auc_score(&[], &[], None), Err(Error::EmptyData { .. })));
        assert!(matches!(roc_auc_score(&[true], &[0.1, 0.2], None), Err(Error::LengthMismatch { .. })));
        assert!(matches!(roc_auc_score(&[true, false], &[f64::NAN, 0.2], None), Err(Error::NonFinite { .. })));
        assert!(matches!(roc_auc_score(&[true, false], &[0.1, 0.2], Some(&[1.0, -1.0])), Err(Error::NonFinite { .. })));
        assert!(matches!(roc_auc_score(&[false, false], &[0.1, 0.2], None), Err(Error::SingleClass { .. })));
        // a class present only with zero weight counts as absent
        assert!(matches!(
            roc_auc_score(&[true, false], &[0.1, 0.2], Some(&[0.0, 1.0])),
            Err(Error::SingleClass { .. })
        ));
        assert!(matches!(average_precision_score(&[true, true], &[0.1, 0.2], None), Err(Error::SingleClass { .. })));
    }
}
