//! Customer lifetime value: what a customer's future margin is worth today.
//!
//! `CLV = Σ_{t=1..H} m · MRR · S(t) / (1 + d)^t`: margin `m` times monthly recurring revenue,
//! weighted by the probability `S(t)` that the customer is still active `t` months from now,
//! discounted at the monthly rate `d`, over a horizon of `H` months. Month `t`'s margin is
//! counted at the end of the month, if the customer is still there (the current month is
//! already paid for). `S` comes from one of two places:
//!
//! - **a churn probability** ([`clv_from_churn_probability`]): the model's `p` = P(churn within
//!   the label horizon of `h` days) becomes a constant monthly retention
//!   `r = (1 − p)^(30.4375 / h)` (30.4375 = 365.25 / 12 days per month), i.e. geometric
//!   retention `S(t) = rᵗ`. With `q = r / (1 + d)` the sum has the closed form
//!   `CLV = m · MRR · q · (1 − q^H) / (1 − q)` (and `m · MRR · H` when `q = 1`), evaluated with
//!   `ln_1p` / `exp_m1` so it stays accurate when `q` is close to 1;
//! - **a survival curve** ([`clv_from_survival`]): monthly survival probabilities
//!   `survival[t − 1] = S(t)` of a customer active today, shared by the customers given (a
//!   segment); or [`clv_from_survival_at_tenure`], which conditions a curve measured from signup
//!   on each customer's tenure `a`: `S(t) = S₀(a + t) / S₀(a)`.
//!
//! ```
//! use attrition::profit::clv::{clv_from_churn_probability, ClvParams};
//! let params = ClvParams::new(0.8, 0.01, 24);
//! // P(churn in the next 90 days) = 0.2 for a $100 MRR customer
//! let est = clv_from_churn_probability(&[100.0], &[0.2], 90.0, &params).unwrap();
//! let r = 0.8f64.powf(30.4375 / 90.0);
//! let by_sum: f64 = (1..=24).map(|t| 0.8 * 100.0 * (r / 1.01f64).powi(t)).sum();
//! assert!((est.clv[0] - by_sum).abs() < 1e-9);
//! assert_eq!(est.mrr, vec![100.0]); // the estimate carries its inputs
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Average days per month (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// Parameters of a CLV computation. All are explicit: there are no defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvParams {
    /// Contribution margin as a fraction of revenue, in `[0, 1]`.
    pub margin: f64,
    /// Monthly discount rate `d ≥ 0` (e.g. 0.01 ≈ 12.7% a year).
    pub monthly_discount_rate: f64,
    /// Number of future months counted, `H ≥ 1`.
    pub horizon_months: u32,
}

impl ClvParams {
    /// Parameters from margin, monthly discount rate and horizon in months.
    pub fn new(margin: f64, monthly_discount_rate: f64, horizon_months: u32) -> Self {
        ClvParams { margin, monthly_discount_rate, horizon_months }
    }

    /// Checks `margin ∈ [0, 1]`, a finite discount rate `≥ 0` and `horizon_months ≥ 1`.
    pub fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.margin) {
            return Err(Error::param("margin", self.margin, "must be a fraction of revenue in [0, 1]"));
        }
        if !(self.monthly_discount_rate.is_finite() && self.monthly_discount_rate >= 0.0) {
            return Err(Error::param("monthly_discount_rate", self.monthly_discount_rate, "must be finite and ≥ 0"));
        }
        if self.horizon_months == 0 {
            return Err(Error::param("horizon_months", self.horizon_months, "must be at least 1"));
        }
        Ok(())
    }

    /// CLV of a customer paying `mrr` a month with constant monthly retention `r` (closed form).
    pub fn geometric_value(&self, mrr: f64, monthly_retention: f64) -> f64 {
        let ln_q = monthly_retention.ln() - self.monthly_discount_rate.ln_1p();
        let h = self.horizon_months as f64;
        let annuity = if ln_q == f64::NEG_INFINITY {
            0.0
        } else if ln_q == 0.0 {
            h
        } else {
            // q·(1 − q^H)/(1 − q) = q · expm1(H ln q) / expm1(ln q)
            ln_q.exp() * (h * ln_q).exp_m1() / ln_q.exp_m1()
        };
        self.margin * mrr * annuity
    }
}

/// Constant monthly retention implied by P(churn within `label_horizon_days`):
/// `(1 − p)^(30.4375 / label_horizon_days)`.
pub fn monthly_retention(p_churn: f64, label_horizon_days: f64) -> f64 {
    ((DAYS_PER_MONTH / label_horizon_days) * (-p_churn).ln_1p()).exp()
}

/// Where an estimate's survival probabilities came from, with those inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClvBasis {
    /// Geometric retention from a churn probability.
    ChurnProbability {
        /// Length of the model's label window, in days.
        label_horizon_days: f64,
        /// P(churn within the label window), per customer.
        p_churn: Vec<f64>,
        /// Implied monthly retention, per customer.
        monthly_retention: Vec<f64>,
    },
    /// One survival curve for all customers (`survival[t − 1] = S(t)`).
    SurvivalCurve {
        /// Monthly survival probabilities of a customer active today.
        survival: Vec<f64>,
    },
    /// A survival curve from signup, conditioned on each customer's tenure.
    SurvivalFromSignup {
        /// `survival[t − 1] = S₀(t)`, survival `t` months after signup.
        survival: Vec<f64>,
        /// Whole months since signup, per customer.
        tenure_months: Vec<u32>,
    },
}

/// Per-customer CLV together with everything it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvEstimate {
    /// The parameters used.
    pub params: ClvParams,
    /// Where the survival probabilities came from.
    pub basis: ClvBasis,
    /// Monthly recurring revenue, per customer.
    pub mrr: Vec<f64>,
    /// CLV, per customer (currency of `mrr`).
    pub clv: Vec<f64>,
}

fn check_mrr(mrr: &[f64]) -> Result<()> {
    if mrr.is_empty() {
        return Err(Error::EmptyData { context: "CLV: no customers" });
    }
    if let Some((row, &value)) = mrr.iter().enumerate().find(|(_, m)| !m.is_finite() || **m < 0.0) {
        return Err(Error::NonFinite { context: "CLV: MRR (must be finite and ≥ 0)".into(), row, value });
    }
    Ok(())
}

fn check_survival(survival: &[f64], needed: usize) -> Result<()> {
    if survival.len() < needed {
        return Err(Error::LengthMismatch {
            context: "CLV: survival curve (months given vs months needed)",
            left: survival.len(),
            right: needed,
        });
    }
    let mut previous = 1.0;
    for (row, &s) in survival.iter().enumerate() {
        if !(0.0..=1.0).contains(&s) {
            return Err(Error::NonFinite {
                context: "CLV: survival probability (must be in [0, 1])".into(),
                row,
                value: s,
            });
        }
        if s > previous + 1e-12 {
            return Err(Error::param("survival", s, format!("a survival curve cannot increase (month {})", row + 1)));
        }
        previous = s;
    }
    Ok(())
}

/// CLV from each customer's P(churn within `label_horizon_days`) (geometric retention; see the
/// module docs). Errors on bad parameters, mismatched lengths, NaN or negative MRR,
/// probabilities outside `[0, 1]` or a non-positive label horizon.
pub fn clv_from_churn_probability(
    mrr: &[f64],
    p_churn: &[f64],
    label_horizon_days: f64,
    params: &ClvParams,
) -> Result<ClvEstimate> {
    params.check()?;
    check_mrr(mrr)?;
    if mrr.len() != p_churn.len() {
        return Err(Error::LengthMismatch { context: "CLV: MRR vs P(churn)", left: mrr.len(), right: p_churn.len() });
    }
    if !(label_horizon_days.is_finite() && label_horizon_days > 0.0) {
        return Err(Error::param("label_horizon_days", label_horizon_days, "must be finite and > 0"));
    }
    if let Some((row, &p)) = p_churn.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
        return Err(Error::param("p_churn", p, format!("probabilities must be in [0, 1] (row {row})")));
    }
    let retention: Vec<f64> = p_churn.iter().map(|&p| monthly_retention(p, label_horizon_days)).collect();
    let clv = mrr.iter().zip(&retention).map(|(&m, &r)| params.geometric_value(m, r)).collect();
    Ok(ClvEstimate {
        params: *params,
        basis: ClvBasis::ChurnProbability {
            label_horizon_days,
            p_churn: p_churn.to_vec(),
            monthly_retention: retention,
        },
        mrr: mrr.to_vec(),
        clv,
    })
}

/// The discounted sum `Σ_{t=1..H} S(t)/(1+d)^t` for one curve.
fn discounted_survival(params: &ClvParams, survival: impl Iterator<Item = f64>) -> f64 {
    let v = 1.0 / (1.0 + params.monthly_discount_rate);
    let mut discount = 1.0;
    survival
        .take(params.horizon_months as usize)
        .map(|s| {
            discount *= v;
            s * discount
        })
        .sum()
}

/// CLV of customers sharing one survival curve of a customer active today
/// (`survival[t − 1] = S(t)`, at least `horizon_months` long, non-increasing, in `[0, 1]`).
///
/// ```
/// use attrition::profit::clv::{clv_from_survival, ClvParams};
/// let params = ClvParams::new(1.0, 0.0, 3);
/// let est = clv_from_survival(&[10.0, 20.0], &[0.9, 0.8, 0.5, 0.4], &params).unwrap();
/// assert!((est.clv[0] - 22.0).abs() < 1e-12); // 10 × (0.9 + 0.8 + 0.5)
/// assert!((est.clv[1] - 44.0).abs() < 1e-12);
/// ```
pub fn clv_from_survival(mrr: &[f64], survival: &[f64], params: &ClvParams) -> Result<ClvEstimate> {
    params.check()?;
    check_mrr(mrr)?;
    check_survival(survival, params.horizon_months as usize)?;
    let annuity = discounted_survival(params, survival.iter().copied());
    let clv = mrr.iter().map(|&m| params.margin * m * annuity).collect();
    Ok(ClvEstimate {
        params: *params,
        basis: ClvBasis::SurvivalCurve { survival: survival.to_vec() },
        mrr: mrr.to_vec(),
        clv,
    })
}

/// CLV from a survival curve measured from signup (`survival[t − 1] = S₀(t)`), conditioned on
/// each customer's tenure `a` in whole months: `S(t) = S₀(a + t) / S₀(a)` (`S₀(0) = 1`). The
/// curve must reach `max(a) + horizon_months`; a customer whose tenure has `S₀(a) = 0` is an error.
pub fn clv_from_survival_at_tenure(
    mrr: &[f64],
    tenure_months: &[u32],
    survival: &[f64],
    params: &ClvParams,
) -> Result<ClvEstimate> {
    params.check()?;
    check_mrr(mrr)?;
    if mrr.len() != tenure_months.len() {
        return Err(Error::LengthMismatch {
            context: "CLV: MRR vs tenure",
            left: mrr.len(),
            right: tenure_months.len(),
        });
    }
    let max_tenure = tenure_months.iter().copied().max().unwrap_or(0) as usize;
    check_survival(survival, max_tenure + params.horizon_months as usize)?;
    let s0 = |t: usize| if t == 0 { 1.0 } else { survival[t - 1] };
    let mut clv = Vec::with_capacity(mrr.len());
    for (row, (&m, &a)) in mrr.iter().zip(tenure_months).enumerate() {
        let a = a as usize;
        let base = s0(a);
        if base <= 0.0 {
            return Err(Error::param(
                "tenure_months",
                a,
                format!("row {row}: the survival curve is 0 at this tenure, so the customer cannot be active"),
            ));
        }
        let annuity = discounted_survival(params, (1..).map(|t| s0(a + t) / base));
        clv.push(params.margin * m * annuity);
    }
    Ok(ClvEstimate {
        params: *params,
        basis: ClvBasis::SurvivalFromSignup { survival: survival.to_vec(), tenure_months: tenure_months.to_vec() },
        mrr: mrr.to_vec(),
        clv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_matches_the_sum() {
        for &(p, d, h) in &[(0.2, 0.01, 24u32), (0.0, 0.0, 36), (0.0, 0.02, 12), (1.0, 0.01, 12), (1e-12, 0.0, 60)] {
            let params = ClvParams::new(0.7, d, h);
            let r = monthly_retention(p, 30.0);
            let by_sum: f64 = (1..=h as i32).map(|t| 0.7 * 50.0 * (r / (1.0 + d)).powi(t)).sum();
            let closed = params.geometric_value(50.0, r);
            assert!((closed - by_sum).abs() < 1e-9 * by_sum.max(1.0), "p={p} d={d}: {closed} vs {by_sum}");
        }
    }

    #[test]
    fn geometric_survival_curve_gives_the_same_clv() {
        let params = ClvParams::new(0.8, 0.01, 24);
        let r = monthly_retention(0.3, 90.0);
        let curve: Vec<f64> = (1..=24).map(|t| r.powi(t)).collect();
        let a = clv_from_churn_probability(&[120.0], &[0.3], 90.0, &params).unwrap().clv[0];
        let b = clv_from_survival(&[120.0], &curve, &params).unwrap().clv[0];
        assert!((a - b).abs() < 1e-9);
        // conditioning a geometric curve on tenure changes nothing (memoryless)
        let long: Vec<f64> = (1..=40).map(|t| r.powi(t)).collect();
        let c = clv_from_survival_at_tenure(&[120.0], &[7], &long, &params).unwrap().clv[0];
        assert!((a - c).abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let p = ClvParams::new(0.8, 0.01, 12);
        assert!(ClvParams::new(1.5, 0.01, 12).check().is_err());
        assert!(ClvParams::new(0.5, -0.01, 12).check().is_err());
        assert!(ClvParams::new(0.5, 0.01, 0).check().is_err());
        assert!(clv_from_churn_probability(&[f64::NAN], &[0.1], 90.0, &p).is_err());
        assert!(clv_from_churn_probability(&[10.0], &[1.1], 90.0, &p).is_err());
        assert!(clv_from_churn_probability(&[10.0], &[0.1], 0.0, &p).is_err());
        assert!(clv_from_churn_probability(&[10.0, 2.0], &[0.1], 90.0, &p).is_err());
        assert!(clv_from_survival(&[10.0], &[0.9; 5], &p).is_err()); // too short
        assert!(clv_from_survival(&[10.0], &[0.5, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4], &p).is_err());
        assert!(clv_from_survival_at_tenure(&[10.0], &[3], &[0.9; 14], &p).is_err()); // needs 15 months
    }
}
