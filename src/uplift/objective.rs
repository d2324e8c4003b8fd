//! Learning whom to target directly from a profit-weighted objective, and value-weighted churn
//! models.
//!
//! Lemmens & Gupta (2020) train the targeting model on a *profit* loss rather than on churn
//! accuracy: mistakes on customers whose targeting gains or loses a lot should cost a lot. With
//! randomised experiment data this is a weighted classification problem. For customer `i` with
//! treatment flag `Tᵢ`, treatment share `e` and realised value `Vᵢ` (what the customer was worth
//! to us after the campaign: value if they stayed, net of the offer if treated), the
//! inverse-propensity transformed outcome
//!
//! `Zᵢ = Tᵢ·Vᵢ / e − (1 − Tᵢ)·Vᵢ / (1 − e)`
//!
//! has `E[Z | x] = π(x)`, the expected profit lift of targeting customers like `x`. Maximising
//! `Σ Zᵢ·1[target xᵢ]` is minimising the weighted 0/1 loss of a classifier predicting
//! `Zᵢ > 0` with sample weights `|Zᵢ|`; any weighted [`Learner`](crate::models::Learner) — the
//! boosted trees with their log-loss as the usual convex surrogate — then fits it, and its
//! probability ranks customers by how likely targeting them pays.

use super::{OfferTerms, ProfitLiftParams, check_finite, check_len};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Builds the profit-weighted training set for learning the targeting rule directly.
///
/// ```
/// use attrition::uplift::{OfferTerms, ProfitLiftParams, ProfitWeighting};
/// use attrition::{Column, Dataset};
///
/// let data = Dataset::new(vec![Column::numeric("x", vec![0.0, 1.0, 2.0, 3.0])]).unwrap()
///     .with_churned(vec![false, true, false, false]).unwrap();
/// let treated = [true, true, false, false];
/// let value = [100.0; 4];
/// let w = ProfitWeighting::new(ProfitLiftParams::new(10.0, OfferTerms::PaidOnRenewal))
///     .build(&data, &treated, &value, &value).unwrap();
/// // Treated stayer: (100 − 10) / 0.5 = 180 → "targeting pays"; the treated churner and the
/// // control churner... carry no value, the control stayers −200 each.
/// assert_eq!(w.transformed, vec![180.0, 0.0, -200.0, -200.0]);
/// assert_eq!(w.rows, vec![0, 2, 3]); // the zero-information row is left out, and counted
/// assert_eq!(w.n_zero_weight, 1);
/// assert_eq!(w.data.churned.as_deref(), Some(&[true, false, false][..]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfitWeighting {
    params: ProfitLiftParams,
    propensity: Option<f64>,
}

impl ProfitWeighting {
    /// Uses the offer cost and terms of `params`; the treatment propensity defaults to the
    /// observed treated share.
    pub fn new(params: ProfitLiftParams) -> Self {
        Self { params, propensity: None }
    }

    /// Known treatment propensity of the experiment (e.g. 0.5 for a 50/50 draw).
    pub fn propensity(mut self, e: f64) -> Self {
        self.propensity = Some(e);
        self
    }

    /// Builds the weighted dataset from experiment data: `data.churned` is the outcome,
    /// `treated` the arm, `m0`/`m1` each customer's value if they stay without/with the offer.
    pub fn build(&self, data: &Dataset, treated: &[bool], m0: &[f64], m1: &[f64]) -> Result<ProfitWeights> {
        self.params.check()?;
        let churned = data.churned_or_err()?;
        let n = data.n_rows();
        check_len("profit weighting", n, &[treated.len(), m0.len(), m1.len()])?;
        check_finite("profit weighting: m0", m0)?;
        check_finite("profit weighting: m1", m1)?;
        if n == 0 {
            return Err(Error::EmptyData { context: "profit weighting" });
        }
        let n_treated = treated.iter().filter(|&&t| t).count();
        let e = match self.propensity {
            Some(e) => e,
            None => n_treated as f64 / n as f64,
        };
        if !(e > 0.0 && e < 1.0) || n_treated == 0 || n_treated == n {
            return Err(Error::param("propensity", e, "both arms must be present and 0 < propensity < 1"));
        }
        let delta = self.params.offer_cost;
        let transformed: Vec<f64> = (0..n)
            .map(|i| {
                let stayed = if churned[i] { 0.0 } else { 1.0 };
                if treated[i] {
                    let value = match self.params.terms {
                        OfferTerms::PaidOnRenewal => stayed * (m1[i] - delta),
                        OfferTerms::Unconditional => stayed * m1[i] - delta,
                    };
                    value / e
                } else {
                    -stayed * m0[i] / (1.0 - e)
                }
            })
            .collect();
        let rows: Vec<usize> = (0..n).filter(|&i| transformed[i] != 0.0).collect();
        let base_weights = data.weights.as_deref();
        let weights: Vec<f64> =
            rows.iter().map(|&i| transformed[i].abs() * base_weights.map_or(1.0, |w| w[i])).collect();
        let labels: Vec<bool> = rows.iter().map(|&i| transformed[i] > 0.0).collect();
        let mut subset = data.take(&rows);
        subset.weights = None;
        let subset = subset.with_churned(labels)?.with_weights(weights)?;
        let mean_transformed = transformed.iter().sum::<f64>() / n as f64;
        Ok(ProfitWeights {
            data: subset,
            n_zero_weight: n - rows.len(),
            rows,
            transformed,
            propensity: e,
            mean_transformed,
        })
    }
}

/// The profit-weighted training set of [`ProfitWeighting::build`].
#[derive(Debug, Clone)]
pub struct ProfitWeights {
    /// Training data: label `true` means "targeting this customer pays" (`Zᵢ > 0`), weights
    /// `|Zᵢ|` (times any weights the input carried). Rows with `Zᵢ = 0` are left out.
    pub data: Dataset,
    /// Input row of each training row.
    pub rows: Vec<usize>,
    /// Rows left out because they carry no information (`Zᵢ = 0`).
    pub n_zero_weight: usize,
    /// `Zᵢ` for every input row.
    pub transformed: Vec<f64>,
    /// Treatment propensity used.
    pub propensity: f64,
    /// Mean of `Zᵢ`: an unbiased estimate of the per-customer profit of targeting everyone.
    pub mean_transformed: f64,
}

/// Sample weights proportional to customer value, normalised to mean 1, for fitting a churn
/// model that cares most about valuable customers (e.g. logistic regression weighted by CLV).
///
/// ```
/// let w = attrition::uplift::clv_sample_weights(&[100.0, 300.0]).unwrap();
/// assert_eq!(w, vec![0.5, 1.5]);
/// ```
pub fn clv_sample_weights(clv: &[f64]) -> Result<Vec<f64>> {
    if clv.is_empty() {
        return Err(Error::EmptyData { context: "CLV sample weights" });
    }
    check_finite("CLV sample weights", clv)?;
    if let Some(row) = clv.iter().position(|&v| v < 0.0) {
        return Err(Error::NonFinite { context: "CLV sample weights: CLV must be >= 0".into(), row, value: clv[row] });
    }
    let mean = clv.iter().sum::<f64>() / clv.len() as f64;
    if mean <= 0.0 {
        return Err(Error::param("clv", mean, "mean CLV must be positive to weight by it"));
    }
    Ok(clv.iter().map(|v| v / mean).collect())
}
