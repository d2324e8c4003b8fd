//! The expected profit of a retention campaign, and whom it should contact.
//!
//! Cost structure of Verbraken et al. (2013): each contacted customer costs `f` (contact cost)
//! and is offered an incentive worth `d` (offer cost). A contacted would-be churner accepts with
//! probability `γ` and stays, keeping their lifetime value `CLVᵢ` (net of the incentive); one who
//! refuses leaves anyway. A contacted customer who would have stayed takes the incentive. Relative
//! to not contacting customer `i`, with `pᵢ` = P(churn):
//!
//! ```text
//! E[value of contacting i] = pᵢ·[γ·(CLVᵢ − d) − f] + (1 − pᵢ)·(−d − f)
//!                          = pᵢ·[γ·(CLVᵢ − d) + d] − d − f
//! ```
//!
//! [`plan_campaign`] ranks customers by this expected value and returns the expected
//! [`ProfitCurve`] over campaign size (contact the top `k`), whose maximum is the
//! profit-maximising campaign (exactly the customers with a positive expected value). It also
//! ranks the same customers by churn probability alone — the usual "call the riskiest" list — and
//! gives that ranking's expected curve and best size, so the two strategies can be compared.
//!
//! On labelled hold-out data, [`realised_profit`] scores a target list with the outcomes that
//! happened: a contacted churner is worth `γ·(CLVᵢ − d) − f` (in expectation over acceptance),
//! a contacted non-churner `−(d + f)`, everyone else 0. [`CampaignPlan::realised`] does this for
//! both strategies at their planned sizes.
//!
//! ```
//! use attrition::profit::campaign::{plan_campaign, CampaignParams};
//! let params = CampaignParams::new(10.0, 1.0, 0.3); // d, f, γ
//! let p = [0.9, 0.5, 0.4, 0.05];
//! let clv = [20.0, 500.0, 300.0, 100.0];
//! let plan = plan_campaign(&p, &clv, &params).unwrap();
//! // customer 0 is the likeliest churner but worth little: 0.9·(0.3·10 + 10) − 11 = 0.7
//! assert!((plan.expected_value[0] - 0.7).abs() < 1e-12);
//! assert_eq!(plan.by_expected_profit.targets(), &[1, 2, 0]);
//! assert_eq!(plan.by_churn_probability.order, vec![0, 1, 2, 3]);
//! assert!(plan.by_expected_profit.best_profit >= plan.by_churn_probability.best_profit);
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::descending_order;

/// Costs and acceptance rate of a retention campaign. All explicit: there are no defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CampaignParams {
    /// Cost `d` of the incentive offered to each contacted customer (≥ 0).
    pub offer_cost: f64,
    /// Cost `f` of contacting a customer (≥ 0).
    pub contact_cost: f64,
    /// Probability `γ` that a contacted would-be churner accepts and stays, in `[0, 1]`.
    pub acceptance: f64,
}

impl CampaignParams {
    /// Parameters from the offer cost `d`, contact cost `f` and acceptance rate `γ`.
    pub fn new(offer_cost: f64, contact_cost: f64, acceptance: f64) -> Self {
        CampaignParams { offer_cost, contact_cost, acceptance }
    }

    /// Checks finite non-negative costs and `γ ∈ [0, 1]`.
    pub fn check(&self) -> Result<()> {
        if !(self.offer_cost.is_finite() && self.offer_cost >= 0.0) {
            return Err(Error::param("offer_cost", self.offer_cost, "a cost must be finite and ≥ 0"));
        }
        if !(self.contact_cost.is_finite() && self.contact_cost >= 0.0) {
            return Err(Error::param("contact_cost", self.contact_cost, "a cost must be finite and ≥ 0"));
        }
        if !(0.0..=1.0).contains(&self.acceptance) {
            return Err(Error::param("acceptance", self.acceptance, "must be a probability in [0, 1]"));
        }
        Ok(())
    }

    /// Expected value of contacting a customer with P(churn) `p` and lifetime value `clv`:
    /// `p·[γ·(CLV − d) + d] − d − f`.
    pub fn expected_value(&self, p: f64, clv: f64) -> f64 {
        let (d, f, g) = (self.offer_cost, self.contact_cost, self.acceptance);
        p * (g * (clv - d) + d) - d - f
    }

    /// Value of having contacted a customer whose outcome is known: `γ·(CLV − d) − f` for a
    /// churner (expected over acceptance), `−(d + f)` otherwise.
    pub fn realised_value(&self, churned: bool, clv: f64) -> f64 {
        let (d, f, g) = (self.offer_cost, self.contact_cost, self.acceptance);
        if churned { g * (clv - d) - f } else { -(d + f) }
    }
}

/// Profit of a campaign that contacts the first `k` customers of a ranking, for the campaign
/// sizes `k` at which it is known.
///
/// The one profit-curve type of the crate: [`plan_campaign`] gives every size `0..=n`
/// ([`ProfitCurve::from_values`]); [`crate::uplift::campaign_profit_curve`] gives the sizes where a
/// group of tied scores ends and both experiment arms are large enough. Read it with
/// [`ProfitCurve::profit_at`]: `profit_at(k)` is the profit of contacting `k` customers, so
/// `profit_at(0) == Some(0.0)` and `profit_at(best_size) == Some(best_profit)`.
///
/// ```
/// use attrition::profit::ProfitCurve;
/// let curve = ProfitCurve::from_values(vec![2, 0, 1], &[5.0, -3.0, 10.0]);
/// assert_eq!(curve.profit_at(0), Some(0.0));
/// assert_eq!(curve.profit_at(1), Some(10.0)); // customer 2 alone
/// assert_eq!(curve.profit_at(2), Some(15.0)); // customers 2 and 0
/// assert_eq!(curve.profit_at(3), Some(12.0));
/// assert_eq!(curve.profit_at(4), None);
/// assert_eq!((curve.best_size, curve.best_profit), (2, 15.0));
/// assert_eq!(curve.targets(), &[2, 0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfitCurve {
    /// Customers (row indices) in contact order.
    pub order: Vec<usize>,
    /// Campaign sizes at which the profit is known, ascending, starting at 0.
    pub sizes: Vec<usize>,
    /// `profit[j]` = profit of contacting `order[..sizes[j]]` (`profit[0]` = 0).
    pub profit: Vec<f64>,
    /// The campaign size with the highest profit (the smallest one if several tie; 0 when no
    /// campaign makes a profit).
    pub best_size: usize,
    /// The profit at `best_size` (≥ 0: contacting no one is an option).
    pub best_profit: f64,
}

impl ProfitCurve {
    /// The curve of contacting customers in `order`, each worth `values[i]`, at every size
    /// `0..=order.len()`.
    pub fn from_values(order: Vec<usize>, values: &[f64]) -> Self {
        let mut profit = Vec::with_capacity(order.len() + 1);
        profit.push(0.0);
        let mut total = 0.0;
        for &i in &order {
            total += values[i];
            profit.push(total);
        }
        let sizes = (0..=order.len()).collect();
        ProfitCurve::from_points(order, sizes, profit)
    }

    /// A curve from its points (`sizes` ascending, starting at 0 with profit 0); finds the best
    /// size.
    pub(crate) fn from_points(order: Vec<usize>, sizes: Vec<usize>, profit: Vec<f64>) -> Self {
        let (best_j, best_profit) =
            profit.iter().enumerate().fold((0, 0.0), |(bj, bp), (j, &p)| if p > bp { (j, p) } else { (bj, bp) });
        let best_size = sizes.get(best_j).copied().unwrap_or(0);
        ProfitCurve { order, sizes, profit, best_size, best_profit }
    }

    /// Profit of contacting the first `k` customers, or `None` when the curve has no point at
    /// `k` (beyond the customers ranked, or a size the curve skips).
    pub fn profit_at(&self, k: usize) -> Option<f64> {
        self.sizes.binary_search(&k).ok().map(|j| self.profit[j])
    }

    /// Number of customers ranked.
    pub fn n(&self) -> usize {
        self.order.len()
    }

    /// Best campaign size as a fraction of the customers ranked (0 when none are).
    pub fn best_fraction(&self) -> f64 {
        if self.order.is_empty() { 0.0 } else { self.best_size as f64 / self.order.len() as f64 }
    }

    /// The customers contacted at the best size.
    pub fn targets(&self) -> &[usize] {
        &self.order[..self.best_size]
    }

    /// At most about `max_points` points of the curve (every `⌈len / max_points⌉`-th, and always
    /// the first and last), as `(sizes, profits)` for a chart.
    pub fn thinned(&self, max_points: usize) -> (Vec<f64>, Vec<f64>) {
        let step = self.sizes.len().div_ceil(max_points.max(1)).max(1);
        let mut js: Vec<usize> = (0..self.sizes.len()).step_by(step).collect();
        if let Some(&last) = js.last()
            && last + 1 < self.sizes.len()
        {
            js.push(self.sizes.len() - 1);
        }
        js.iter().map(|&j| (self.sizes[j] as f64, self.profit[j])).unzip()
    }
}

/// What [`CampaignPlan::summary`] reports: the profit-maximising campaign, and the usual
/// "call the riskiest" campaign at the same size and at its own best size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// Customers in the base.
    pub customers: usize,
    /// Customers to contact (ranked by expected profit, those with a positive expected value).
    pub contact: usize,
    /// Expected profit of contacting them.
    pub expected_profit: f64,
    /// Expected profit of contacting the same number of customers ranked by churn risk.
    pub by_risk_same_size: f64,
    /// Best campaign size when ranking by churn risk.
    pub by_risk_best_size: usize,
    /// Expected profit at that size.
    pub by_risk_best_profit: f64,
}

/// A planned campaign: per-customer expected values and the two rankings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignPlan {
    /// The costs and acceptance rate used.
    pub params: CampaignParams,
    /// P(churn) per customer (input).
    pub p_churn: Vec<f64>,
    /// CLV per customer (input).
    pub clv: Vec<f64>,
    /// Expected value of contacting each customer.
    pub expected_value: Vec<f64>,
    /// Ranked by expected value (ties by row order): the profit-maximising strategy.
    pub by_expected_profit: ProfitCurve,
    /// Ranked by churn probability alone (ties by row order), with the same expected values.
    pub by_churn_probability: ProfitCurve,
}

/// Realised profit of one target list on labelled data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RealisedProfit {
    /// Customers contacted.
    pub contacted: usize,
    /// Of those, customers who churned.
    pub churners_contacted: usize,
    /// Total profit over doing nothing (expected over acceptance).
    pub profit: f64,
    /// `profit` divided by the number of customers in the base.
    pub profit_per_customer: f64,
}

/// The two strategies of a [`CampaignPlan`] scored on what actually happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignOutcome {
    /// Expected-profit targeting at its planned size.
    pub by_expected_profit: RealisedProfit,
    /// Churn-probability targeting at its planned size.
    pub by_churn_probability: RealisedProfit,
    /// Realised profit along the expected-profit ranking, for every size (its `best_size` is
    /// the hindsight optimum, for reference).
    pub expected_profit_curve: ProfitCurve,
    /// Realised profit along the churn-probability ranking, for every size.
    pub churn_probability_curve: ProfitCurve,
}

fn check_customers(p_churn: &[f64], clv: &[f64]) -> Result<()> {
    if p_churn.is_empty() {
        return Err(Error::EmptyData { context: "campaign: no customers" });
    }
    if p_churn.len() != clv.len() {
        return Err(Error::LengthMismatch {
            context: "campaign: P(churn) vs CLV",
            left: p_churn.len(),
            right: clv.len(),
        });
    }
    if let Some((row, &p)) = p_churn.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
        return Err(Error::param("p_churn", p, format!("probabilities must be in [0, 1] (row {row})")));
    }
    check_clv(clv)
}

fn check_clv(clv: &[f64]) -> Result<()> {
    if let Some((row, &value)) = clv.iter().enumerate().find(|(_, c)| !c.is_finite()) {
        return Err(Error::NonFinite { context: "campaign: CLV".into(), row, value });
    }
    Ok(())
}

/// Plans a campaign: expected value per customer, ranked target list, expected profit curve and
/// best size, and the same for ranking by churn probability alone. See the module docs.
pub fn plan_campaign(p_churn: &[f64], clv: &[f64], params: &CampaignParams) -> Result<CampaignPlan> {
    params.check()?;
    check_customers(p_churn, clv)?;
    let expected_value: Vec<f64> = p_churn.iter().zip(clv).map(|(&p, &c)| params.expected_value(p, c)).collect();
    let by_expected_profit = ProfitCurve::from_values(descending_order(&expected_value), &expected_value);
    let by_churn_probability = ProfitCurve::from_values(descending_order(p_churn), &expected_value);
    Ok(CampaignPlan {
        params: *params,
        p_churn: p_churn.to_vec(),
        clv: clv.to_vec(),
        expected_value,
        by_expected_profit,
        by_churn_probability,
    })
}

impl CampaignPlan {
    /// The plan in a few numbers (see [`CampaignSummary`]).
    ///
    /// ```
    /// use attrition::profit::campaign::{plan_campaign, CampaignParams};
    /// let plan = plan_campaign(&[0.9, 0.5, 0.4, 0.05], &[20.0, 500.0, 300.0, 100.0], &CampaignParams::new(10.0, 1.0, 0.3)).unwrap();
    /// let s = plan.summary();
    /// assert_eq!(s.contact, 3);
    /// // the three riskiest customers: 0, 1, 2 — the same three
    /// let top3: f64 = plan.expected_value[..3].iter().sum();
    /// assert!((s.by_risk_same_size - top3).abs() < 1e-9);
    /// ```
    pub fn summary(&self) -> CampaignSummary {
        let best = &self.by_expected_profit;
        CampaignSummary {
            customers: self.p_churn.len(),
            contact: best.best_size,
            expected_profit: best.best_profit,
            // Every size 0..=n is on a plan's curves.
            by_risk_same_size: self.by_churn_probability.profit_at(best.best_size).unwrap_or(0.0),
            by_risk_best_size: self.by_churn_probability.best_size,
            by_risk_best_profit: self.by_churn_probability.best_profit,
        }
    }

    /// Scores both strategies with the observed outcomes of the same customers (`churned[i]`
    /// for customer `i`), e.g. a labelled hold-out set the plan was made for.
    pub fn realised(&self, churned: &[bool]) -> Result<CampaignOutcome> {
        let n = self.clv.len();
        if churned.len() != n {
            return Err(Error::LengthMismatch {
                context: "campaign outcome: customers vs labels",
                left: n,
                right: churned.len(),
            });
        }
        let values: Vec<f64> = churned.iter().zip(&self.clv).map(|(&y, &c)| self.params.realised_value(y, c)).collect();
        let score = |targets: &[usize]| summarise(targets, churned, &values, n);
        Ok(CampaignOutcome {
            by_expected_profit: score(self.by_expected_profit.targets()),
            by_churn_probability: score(self.by_churn_probability.targets()),
            expected_profit_curve: ProfitCurve::from_values(self.by_expected_profit.order.clone(), &values),
            churn_probability_curve: ProfitCurve::from_values(self.by_churn_probability.order.clone(), &values),
        })
    }
}

fn summarise(targets: &[usize], churned: &[bool], values: &[f64], n: usize) -> RealisedProfit {
    let profit: f64 = targets.iter().map(|&i| values[i]).sum();
    RealisedProfit {
        contacted: targets.len(),
        churners_contacted: targets.iter().filter(|&&i| churned[i]).count(),
        profit,
        profit_per_customer: profit / n as f64,
    }
}

/// Realised profit of contacting `targets` (row indices into `churned` / `clv`), given the
/// observed outcomes. Errors on an index out of range or contacted twice, mismatched lengths,
/// non-finite CLV or bad parameters.
///
/// ```
/// use attrition::profit::campaign::{realised_profit, CampaignParams};
/// let params = CampaignParams::new(10.0, 1.0, 0.3);
/// let r = realised_profit(&[0, 2], &[true, true, false], &[200.0, 100.0, 300.0], &params).unwrap();
/// // churner: 0.3·(200 − 10) − 1 = 56; non-churner: −11
/// assert_eq!((r.contacted, r.churners_contacted), (2, 1));
/// assert!((r.profit - 45.0).abs() < 1e-12);
/// ```
pub fn realised_profit(
    targets: &[usize],
    churned: &[bool],
    clv: &[f64],
    params: &CampaignParams,
) -> Result<RealisedProfit> {
    params.check()?;
    let n = churned.len();
    if n == 0 {
        return Err(Error::EmptyData { context: "realised profit: no customers" });
    }
    if clv.len() != n {
        return Err(Error::LengthMismatch { context: "realised profit: labels vs CLV", left: n, right: clv.len() });
    }
    check_clv(clv)?;
    let mut seen = vec![false; n];
    for &i in targets {
        if i >= n {
            return Err(Error::param("targets", i, format!("row index out of range (customers: {n})")));
        }
        if std::mem::replace(&mut seen[i], true) {
            return Err(Error::param("targets", i, "customer listed twice"));
        }
    }
    let values: Vec<f64> = churned.iter().zip(clv).map(|(&y, &c)| params.realised_value(y, c)).collect();
    Ok(summarise(targets, churned, &values, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_size_contacts_exactly_the_positive_expected_values() {
        let params = CampaignParams::new(5.0, 1.0, 0.4);
        let p: Vec<f64> = (0..200).map(|i| ((i * 37) % 100) as f64 / 100.0).collect();
        let clv: Vec<f64> = (0..200).map(|i| ((i * 53) % 400) as f64).collect();
        let plan = plan_campaign(&p, &clv, &params).unwrap();
        let positives = plan.expected_value.iter().filter(|&&v| v > 0.0).count();
        assert_eq!(plan.by_expected_profit.best_size, positives);
        let best = plan.expected_value.iter().filter(|&&v| v > 0.0).sum::<f64>();
        assert!((plan.by_expected_profit.best_profit - best).abs() < 1e-9);
        assert!(plan.by_expected_profit.best_profit >= plan.by_churn_probability.best_profit);
        assert_eq!(plan.by_churn_probability.profit.len(), 201);
    }

    #[test]
    fn profit_at_k_is_the_profit_of_k_customers() {
        // The regression behind issue 17: reading a curve at `k − 1` (the old leading-0 vector
        // indexed as if it had none) gives the profit of one customer fewer.
        let params = CampaignParams::new(5.0, 1.0, 0.4);
        let p: Vec<f64> = (0..50).map(|i| ((i * 37) % 100) as f64 / 100.0).collect();
        let clv: Vec<f64> = (0..50).map(|i| ((i * 53) % 400) as f64).collect();
        let plan = plan_campaign(&p, &clv, &params).unwrap();
        for curve in [&plan.by_expected_profit, &plan.by_churn_probability] {
            for k in 0..=50 {
                let want: f64 = curve.order[..k].iter().map(|&i| plan.expected_value[i]).sum();
                assert!((curve.profit_at(k).unwrap() - want).abs() < 1e-9, "k = {k}");
            }
            assert_eq!(curve.profit_at(curve.best_size), Some(curve.best_profit));
            assert_eq!(curve.profit_at(51), None);
        }
        let s = plan.summary();
        let risk_top: f64 = plan.by_churn_probability.order[..s.contact].iter().map(|&i| plan.expected_value[i]).sum();
        assert!((s.by_risk_same_size - risk_top).abs() < 1e-9);
        assert!(s.by_risk_same_size <= s.expected_profit + 1e-9);
    }

    #[test]
    fn thinned_curve_keeps_both_ends() {
        let curve = ProfitCurve::from_values((0..1000).collect(), &vec![1.0; 1000]);
        let (x, y) = curve.thinned(200);
        assert!(x.len() <= 202);
        assert_eq!((x[0], y[0]), (0.0, 0.0));
        assert_eq!((*x.last().unwrap(), *y.last().unwrap()), (1000.0, 1000.0));
        assert!(x.iter().zip(&y).all(|(a, b)| a == b));
    }

    #[test]
    fn realised_outcome_of_a_plan() {
        let params = CampaignParams::new(10.0, 1.0, 0.3);
        let p = [0.9, 0.5, 0.4, 0.05];
        let clv = [20.0, 500.0, 300.0, 100.0];
        let plan = plan_campaign(&p, &clv, &params).unwrap();
        let out = plan.realised(&[true, true, false, false]).unwrap();
        // expected-profit targets 1, 2, 0: 0.3·490 − 1 = 146, −11, 0.3·10 − 1 = 2
        assert!((out.by_expected_profit.profit - 137.0).abs() < 1e-12);
        assert_eq!(out.by_expected_profit.churners_contacted, 2);
        assert_eq!(out.expected_profit_curve.best_size, 1);
    }

    #[test]
    fn bad_parameters_and_inputs_are_errors() {
        let ok = CampaignParams::new(10.0, 1.0, 0.3);
        assert!(CampaignParams::new(10.0, 1.0, 1.2).check().is_err());
        assert!(CampaignParams::new(-1.0, 1.0, 0.3).check().is_err());
        assert!(CampaignParams::new(1.0, f64::NAN, 0.3).check().is_err());
        assert!(plan_campaign(&[0.5], &[f64::NAN], &ok).is_err());
        assert!(plan_campaign(&[0.5, 0.2], &[1.0], &ok).is_err());
        assert!(plan_campaign(&[], &[], &ok).is_err());
        assert!(realised_profit(&[0, 0], &[true], &[1.0], &ok).is_err());
        assert!(realised_profit(&[3], &[true], &[1.0], &ok).is_err());
    }
}
