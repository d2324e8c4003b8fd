//! Probabilistic metrics: log-loss and the Brier score, which judge the probabilities themselves
//! (not only their ranking).
//!
//! Both follow scikit-learn 1.9 (`log_loss`, `brier_score_loss`) to 1e-9:
//!
//! - probabilities must lie in `[0, 1]` (otherwise [`Error::InvalidParameter`]);
//! - **log-loss clips** each class probability to `[ε, 1 − ε]` with ε = `f64::EPSILON`
//!   (2.22e-16, the machine epsilon of the input's dtype, as scikit-learn ≥ 1.5 does): a
//!   confident mistake (p = 0 for a churner) costs `−ln ε ≈ 36.04`, not infinity. The clipping
//!   applies to `p` for churners and to `1 − p` (computed first, then clipped) for the others;
//! - the Brier score of a binary problem is the mean of `(y − p)²` (scikit-learn's
//!   `scale_by_half="auto"`, i.e. half the two-column sum);
//! - weights give weighted means `Σ wᵢ·lossᵢ / Σ wᵢ`.
//!
//! A single class is allowed here (both losses are defined per row); this equals scikit-learn
//! called with `labels=[0, 1]`.
//!
//! ```
//! use attrition::metrics::{brier_score_loss, log_loss};
//! let y = [false, true, true, false];
//! let p = [0.1, 0.9, 0.8, 0.3];
//! assert!((brier_score_loss(&y, &p, None).unwrap() - 0.0375).abs() < 1e-15);
//! assert!((log_loss(&[true], &[0.0], None).unwrap() - 36.04365338911715).abs() < 1e-12);
//! ```
//!
//! [`Error::InvalidParameter`]: crate::Error::InvalidParameter

use super::{check_inputs, check_probabilities, weighted_mean};
use crate::error::Result;

/// Mean negative log-likelihood of the labels under the predicted P(churn) (natural log),
/// with scikit-learn's clipping (see the module docs).
pub fn log_loss(y_true: &[bool], y_prob: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    const CONTEXT: &str = "log-loss";
    check_inputs(CONTEXT, y_true, y_prob, sample_weight)?;
    check_probabilities(y_prob)?;
    let eps = f64::EPSILON;
    let losses: Vec<f64> = y_true
        .iter()
        .zip(y_prob)
        .map(|(&y, &p)| {
            let q = if y { p } else { 1.0 - p };
            -q.clamp(eps, 1.0 - eps).ln()
        })
        .collect();
    weighted_mean(CONTEXT, &losses, sample_weight)
}

/// Brier score: mean squared difference between the outcome (1 = churned) and P(churn).
pub fn brier_score_loss(y_true: &[bool], y_prob: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    const CONTEXT: &str = "Brier score";
    check_inputs(CONTEXT, y_true, y_prob, sample_weight)?;
    check_probabilities(y_prob)?;
    // scikit-learn one-hot encodes to [1 − y, y] against [1 − p, p], sums the two squares and
    // halves the mean; do the same arithmetic.
    let two_column: Vec<f64> = y_true
        .iter()
        .zip(y_prob)
        .map(|(&y, &p)| {
            let y1 = if y { 1.0 } else { 0.0 };
            let y0 = 1.0 - y1;
            (y0 - (1.0 - p)).powi(2) + (y1 - p).powi(2)
        })
        .collect();
    Ok(weighted_mean(CONTEXT, &two_column, sample_weight)? * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn out_of_range_probabilities_are_errors() {
        assert!(matches!(log_loss(&[true], &[1.5], None), Err(Error::InvalidParameter { .. })));
        assert!(matches!(brier_score_loss(&[true], &[-0.1], None), Err(Error::InvalidParameter { .. })));
        assert!(matches!(log_loss(&[true], &[0.5], Some(&[0.0])), Err(Error::EmptyData { .. })));
    }

    #[test]
    fn perfect_predictions_cost_almost_nothing() {
        let l = log_loss(&[true, false], &[1.0, 0.0], None).unwrap();
        assert!(l > 0.0 && l < 1e-15);
        assert_eq!(brier_score_loss(&[true, false], &[1.0, 0.0], None).unwrap(), 0.0);
    }
}
