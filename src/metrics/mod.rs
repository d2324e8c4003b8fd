//! How good are the churn scores? Evaluation metrics as free functions, grouped by family.
//!
//! Every function takes `y_true: &[bool]` first (`true` = churned, the positive class), then the
//! scores `y_score: &[f64]` (P(churn), or any score where higher means more likely to churn), then
//! optional `sample_weight: Option<&[f64]>`, then its own options. Each returns a [`Result`]:
//! empty input is [`Error::EmptyData`], inputs of different lengths are [`Error::LengthMismatch`],
//! NaN or infinite scores or weights are [`Error::NonFinite`], negative weights are
//! [`Error::NonFinite`] too (with a message saying weights must be ≥ 0), and a metric that needs
//! both outcomes says [`Error::SingleClass`] instead of returning a meaningless number.
//!
//! Results that a report plots are named structs ([`RocCurve`], [`PrCurve`], [`LiftTable`],
//! [`CalibrationBins`], [`ConfusionMatrix`]).
//!
//! | family | functions | agrees with |
//! |---|---|---|
//! | [`ranking`] | [`roc_auc_score`], [`roc_curve`], [`average_precision_score`], [`precision_recall_curve`] | scikit-learn 1.9, to 1e-9 |
//! | [`probabilistic`] | [`log_loss`], [`brier_score_loss`] | scikit-learn 1.9, to 1e-9 |
//! | [`lift`] | [`top_decile_lift`], [`gains_table`] | the peers' `top_decile_lift` |
//! | [`calibration`] | [`calibration_curve`], [`expected_calibration_error`] | scikit-learn's `calibration_curve` |
//! | [`threshold`] | [`confusion_matrix`] | scikit-learn's `confusion_matrix` and rates |
//!
//! ```
//! use attrition::metrics::{roc_auc_score, log_loss};
//! let y = [false, false, true, true];
//! let p = [0.1, 0.4, 0.35, 0.8];
//! assert_eq!(roc_auc_score(&y, &p, None).unwrap(), 0.75);
//! assert!((log_loss(&y, &p, None).unwrap() - 0.47228795).abs() < 1e-8);
//! assert!(roc_auc_score(&[true, true], &[0.2, 0.9], None).is_err()); // one class: an error, not 0.5
//! ```
//!
//! [`Error::EmptyData`]: crate::Error::EmptyData
//! [`Error::LengthMismatch`]: crate::Error::LengthMismatch
//! [`Error::NonFinite`]: crate::Error::NonFinite
//! [`Error::SingleClass`]: crate::Error::SingleClass

pub mod calibration;
pub mod lift;
pub mod probabilistic;
pub mod ranking;
pub mod threshold;

pub use calibration::{BinStrategy, CalibrationBins, calibration_curve, expected_calibration_error};
pub use lift::{LiftRow, LiftTable, gains_table, top_decile_lift};
pub use probabilistic::{brier_score_loss, log_loss};
pub use ranking::{
    PrCurve, RocCurve, average_precision_score, precision_recall_curve, roc_auc_score, roc_curve,
    roc_curve_all_thresholds,
};
pub use threshold::{ConfusionMatrix, confusion_matrix};

use crate::error::{Error, Result};

/// Checks the common inputs of a metric: non-empty, equal lengths, finite scores, finite
/// non-negative weights.
pub(crate) fn check_inputs(
    context: &'static str,
    y_true: &[bool],
    y_score: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<()> {
    if y_true.len() != y_score.len() {
        return Err(Error::LengthMismatch { context, left: y_true.len(), right: y_score.len() });
    }
    if y_true.is_empty() {
        return Err(Error::EmptyData { context });
    }
    if let Some((row, &value)) = y_score.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(Error::NonFinite { context: format!("{context}: scores"), row, value });
    }
    if let Some(w) = sample_weight {
        check_weights(context, w, y_true.len())?;
    }
    Ok(())
}

/// Checks sample weights: right length, finite and ≥ 0.
pub(crate) fn check_weights(context: &'static str, w: &[f64], n: usize) -> Result<()> {
    if w.len() != n {
        return Err(Error::LengthMismatch { context, left: n, right: w.len() });
    }
    if let Some((row, &value)) = w.iter().enumerate().find(|(_, w)| !w.is_finite() || **w < 0.0) {
        return Err(Error::NonFinite {
            context: format!("{context}: sample weights (must be finite and ≥ 0)"),
            row,
            value,
        });
    }
    Ok(())
}

/// Checks that scores are probabilities in `[0, 1]`.
pub(crate) fn check_probabilities(y_prob: &[f64]) -> Result<()> {
    if let Some((row, &p)) = y_prob.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
        return Err(Error::param("y_prob", p, format!("probabilities must be in [0, 1] (row {row})")));
    }
    Ok(())
}

/// Total weight of churned and retained rows.
pub(crate) fn class_weights(y_true: &[bool], sample_weight: Option<&[f64]>) -> (f64, f64) {
    let mut pos = 0.0;
    let mut neg = 0.0;
    for (i, &y) in y_true.iter().enumerate() {
        let w = sample_weight.map_or(1.0, |w| w[i]);
        if y {
            pos += w;
        } else {
            neg += w;
        }
    }
    (pos, neg)
}

/// Errors unless both classes carry positive weight.
pub(crate) fn require_both_classes(
    context: &'static str,
    y_true: &[bool],
    sample_weight: Option<&[f64]>,
) -> Result<(f64, f64)> {
    let (pos, neg) = class_weights(y_true, sample_weight);
    if pos <= 0.0 || neg <= 0.0 {
        return Err(Error::SingleClass { context });
    }
    Ok((pos, neg))
}

/// Row indices sorted by descending score; ties (including `-0.0` and `0.0`) keep row order (a
/// stable sort). Scores must be finite (checked by the callers).
pub(crate) fn descending_order(y_score: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..y_score.len()).collect();
    order.sort_by(|&a, &b| y_score[b].partial_cmp(&y_score[a]).unwrap_or(std::cmp::Ordering::Equal));
    order
}

/// Weighted mean `Σ wᵢ·xᵢ / Σ wᵢ`, or the plain mean without weights. Errors if the weights sum to 0.
pub(crate) fn weighted_mean(context: &'static str, values: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    match sample_weight {
        None => Ok(values.iter().sum::<f64>() / values.len() as f64),
        Some(w) => {
            let total: f64 = w.iter().sum();
            if total <= 0.0 {
                return Err(Error::EmptyData { context });
            }
            Ok(values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / total)
        }
    }
}
