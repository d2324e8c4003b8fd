//! Lemmens & Gupta's expected profit lift of targeting one customer.

use super::{check_finite, check_len};
use crate::error::{Error, Result};

/// When the retention offer costs the firm money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferTerms {
    /// The incentive is paid only if the customer renews (a discount on the next period):
    /// `π = (1 − r1)(m1 − δ) − (1 − r0)·m0`.
    PaidOnRenewal,
    /// The incentive is paid to everyone contacted (a gift):
    /// `π = (1 − r1)·m1 − (1 − r0)·m0 − δ`.
    Unconditional,
}

/// Parameters of [`profit_lift`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfitLiftParams {
    /// Cost of the incentive per customer who receives it, `δ` (≥ 0).
    pub offer_cost: f64,
    /// When the incentive is paid.
    pub terms: OfferTerms,
}

impl ProfitLiftParams {
    /// Offer cost `δ` and terms.
    pub fn new(offer_cost: f64, terms: OfferTerms) -> Self {
        Self { offer_cost, terms }
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if !(self.offer_cost.is_finite() && self.offer_cost >= 0.0) {
            return Err(Error::param("offer_cost", self.offer_cost, "must be finite and >= 0"));
        }
        Ok(())
    }

    /// The profit lift of one customer.
    pub fn lift(&self, r0: f64, r1: f64, m0: f64, m1: f64) -> f64 {
        match self.terms {
            OfferTerms::PaidOnRenewal => (1.0 - r1) * (m1 - self.offer_cost) - (1.0 - r0) * m0,
            OfferTerms::Unconditional => (1.0 - r1) * m1 - (1.0 - r0) * m0 - self.offer_cost,
        }
    }
}

/// Expected profit lift `πᵢ` of targeting each customer (Lemmens & Gupta 2020, eqs. for the two
/// offer terms): `r0`/`r1` are churn probabilities without/with the offer, `m0`/`m1` the value
/// of the customer if they stay without/with it. Target the customers with `πᵢ > 0`, best first.
///
/// Errors on mismatched lengths, probabilities outside [0, 1] or non-finite values.
pub fn profit_lift(r0: &[f64], r1: &[f64], m0: &[f64], m1: &[f64], params: &ProfitLiftParams) -> Result<Vec<f64>> {
    params.check()?;
    check_len("profit_lift", r0.len(), &[r1.len(), m0.len(), m1.len()])?;
    for (name, p) in [("r0", r0), ("r1", r1)] {
        if let Some(row) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::NonFinite {
                context: format!("profit_lift: {name} must be in [0, 1]"),
                row,
                value: p[row],
            });
        }
    }
    check_finite("profit_lift: m0", m0)?;
    check_finite("profit_lift: m1", m1)?;
    Ok((0..r0.len()).map(|i| params.lift(r0[i], r1[i], m0[i], m1[i])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_terms_follow_the_paper() {
        let renew = ProfitLiftParams::new(100.0, OfferTerms::PaidOnRenewal);
        let gift = ProfitLiftParams::new(100.0, OfferTerms::Unconditional);
        // (1-.25)(1000-100) - .6*1000 = 75; (1-.25)*1000 - .6*1000 - 100 = 50
        assert!((renew.lift(0.4, 0.25, 1000.0, 1000.0) - 75.0).abs() < 1e-12);
        assert!((gift.lift(0.4, 0.25, 1000.0, 1000.0) - 50.0).abs() < 1e-12);
        // A sure thing (r0 = r1 = 0) only costs the offer.
        assert!((renew.lift(0.0, 0.0, 500.0, 500.0) + 100.0).abs() < 1e-12);
        // A sleeping dog (offer raises churn) loses value.
        assert!(gift.lift(0.1, 0.3, 500.0, 500.0) < -100.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let p = ProfitLiftParams::new(10.0, OfferTerms::PaidOnRenewal);
        assert!(profit_lift(&[0.1], &[0.1, 0.2], &[1.0], &[1.0], &p).is_err());
        assert!(profit_lift(&[1.1], &[0.1], &[1.0], &[1.0], &p).is_err());
        assert!(profit_lift(&[0.1], &[0.1], &[f64::NAN], &[1.0], &p).is_err());
        assert!(
            profit_lift(&[0.1], &[0.1], &[1.0], &[1.0], &ProfitLiftParams::new(-1.0, OfferTerms::Unconditional))
                .is_err()
        );
    }
}
