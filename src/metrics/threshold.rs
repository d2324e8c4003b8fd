//! Decisions at a threshold: the confusion matrix and the rates derived from it.
//!
//! A customer is *flagged* (predicted to churn) when `score ≥ threshold`, the same convention as
//! the thresholds of [`roc_curve`](super::roc_curve). Counts are weight sums when weights are
//! given. Rates whose denominator is zero are `None` rather than a made-up 0 (scikit-learn
//! warns and returns 0 there).
//!
//! The counts agree with scikit-learn's `confusion_matrix(y_true, y_score >= t, sample_weight=w)`
//! and the rates with `precision_score`, `recall_score`, `f1_score`, `accuracy_score` and
//! `balanced_accuracy_score` (see `tests/metrics_reference.rs`).
//!
//! ```
//! use attrition::metrics::confusion_matrix;
//! let y = [true, true, false, false, false];
//! let p = [0.9, 0.3, 0.6, 0.2, 0.1];
//! let cm = confusion_matrix(&y, &p, None, 0.5).unwrap();
//! assert_eq!((cm.tp, cm.fn_, cm.fp, cm.tn), (1.0, 1.0, 1.0, 2.0));
//! assert_eq!(cm.precision(), Some(0.5));
//! assert_eq!(cm.recall(), Some(0.5));
//! assert_eq!(cm.accuracy(), 0.6);
//! ```

use serde::{Deserialize, Serialize};

use super::check_inputs;
use crate::error::{Error, Result};

/// Counts (weight sums) of the four outcomes of flagging customers with `score ≥ threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// The threshold used.
    pub threshold: f64,
    /// Churners flagged.
    pub tp: f64,
    /// Retained customers flagged.
    pub fp: f64,
    /// Retained customers not flagged.
    pub tn: f64,
    /// Churners not flagged.
    pub fn_: f64,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

impl ConfusionMatrix {
    /// A confusion matrix from hard predictions (`true` = flagged as churner). `threshold` is
    /// recorded as NaN.
    pub fn from_predictions(y_true: &[bool], y_pred: &[bool], sample_weight: Option<&[f64]>) -> Result<Self> {
        const CONTEXT: &str = "confusion matrix";
        if y_true.len() != y_pred.len() {
            return Err(Error::LengthMismatch { context: CONTEXT, left: y_true.len(), right: y_pred.len() });
        }
        let scores: Vec<f64> = y_pred.iter().map(|&f| if f { 1.0 } else { 0.0 }).collect();
        let mut cm = confusion_matrix(y_true, &scores, sample_weight, 0.5)?;
        cm.threshold = f64::NAN;
        Ok(cm)
    }

    /// Total weight.
    pub fn total(&self) -> f64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Share of flagged customers who churned, TP / (TP + FP).
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Share of churners flagged (true-positive rate, sensitivity), TP / (TP + FN).
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Share of retained customers not flagged (true-negative rate), TN / (TN + FP).
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }

    /// Share of retained customers flagged, FP / (FP + TN).
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }

    /// Share of all customers flagged (the campaign size as a fraction).
    pub fn flagged_rate(&self) -> f64 {
        (self.tp + self.fp) / self.total()
    }

    /// Share of customers classified correctly.
    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) / self.total()
    }

    /// Mean of recall and specificity; `None` unless both classes are present.
    pub fn balanced_accuracy(&self) -> Option<f64> {
        Some((self.recall()? + self.specificity()?) / 2.0)
    }

    /// Harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN).
    pub fn f1(&self) -> Option<f64> {
        ratio(2.0 * self.tp, 2.0 * self.tp + self.fp + self.fn_)
    }
}

/// The confusion matrix of flagging customers with `y_score ≥ threshold`.
///
/// Errors: empty or mismatched input, non-finite scores or weights, a NaN threshold, or weights
/// summing to zero.
pub fn confusion_matrix(
    y_true: &[bool],
    y_score: &[f64],
    sample_weight: Option<&[f64]>,
    threshold: f64,
) -> Result<ConfusionMatrix> {
    const CONTEXT: &str = "confusion matrix";
    check_inputs(CONTEXT, y_true, y_score, sample_weight)?;
    if threshold.is_nan() {
        return Err(Error::param("threshold", threshold, "must be a number"));
    }
    let mut cm = ConfusionMatrix { threshold, tp: 0.0, fp: 0.0, tn: 0.0, fn_: 0.0 };
    for (i, (&y, &s)) in y_true.iter().zip(y_score).enumerate() {
        let w = sample_weight.map_or(1.0, |w| w[i]);
        match (y, s >= threshold) {
            (true, true) => cm.tp += w,
            (true, false) => cm.fn_ += w,
            (false, true) => cm.fp += w,
            (false, false) => cm.tn += w,
        }
    }
    if cm.total() <= 0.0 {
        return Err(Error::EmptyData { context: "confusion matrix: weights sum to zero" });
    }
    Ok(cm)
}
