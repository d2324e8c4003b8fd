//! Profit-based model evaluation: MPC, EMPC (Verbraken, Verbeke & Baesens 2013) and EMPB
//! (Janssens et al. 2022), computed exactly and matching `empulse` 0.13 to 1e-6.
//!
//! **The retention campaign behind the numbers.** The model ranks customers; the company
//! contacts the top fraction (contact cost `f` each) and offers an incentive (cost `d`) to
//! keep them. A contacted would-be churner accepts with probability `γ` and stays, worth
//! `CLV − d − f`; one who refuses costs `f`. A contacted customer who would have stayed anyway
//! takes the incentive: `−(d + f)`. Per customer, at an operating point with true- and
//! false-positive rates `(F₀, F₁)` and churn rate `π₀ = 1 − π₁`, the profit over doing nothing is
//!
//! ```text
//! P(γ) = π₀·F₀·[γ·(CLV − d) − f] − π₁·F₁·(d + f)
//! ```
//!
//! - **MPC** ([`mpc_score`]): `γ` fixed; the maximum of `P` over all thresholds.
//! - **EMPC** ([`empc_score`]): `γ ~ Beta(α, β)` and `EMPC = E_γ[max_threshold P(γ)]`. The
//!   maximum over thresholds is reached on a vertex of the ROC convex hull, and for each `γ`
//!   `P` is a line in `γ` per vertex; the integrand is their upper envelope. We build the
//!   envelope exactly (convex-hull trick on the lines, `O(V log V)` for `V` hull vertices), and
//!   integrate each linear piece against the Beta density in closed form:
//!   `∫ₗʰ (a + bγ)·Beta(γ; α, β) dγ = a·[I_γ(α, β)]ₗʰ + b·α/(α+β)·[I_γ(α+1, β)]ₗʰ`, with `I` the
//!   regularised incomplete beta function (`statrs`). No quadrature, no sampling.
//! - **EMPB** ([`empb_score`]): per-customer CLVᵢ, incentive a fraction `δ` of CLV. Following
//!   `empulse.metrics.empb_score` exactly, `γ` is replaced by its mean `α/(α+β)` (profit is
//!   linear in `γ` for a fixed ranking), each customer's gain from being targeted is
//!   `γ̄·(1 − δ)·CLVᵢ − f` for a churner and `−(δ·CLVᵢ + f)` otherwise, and EMPB is the best
//!   cumulative gain over cut-offs of the ranking (tied scores are targeted together), per customer.
//!
//! All three are **per customer** (divide by the customer base), like `empulse`, R's `EMP` and
//! EMP-py, and all are ≥ 0 because targeting no one is always an option.
//!
//! Defaults are those of R `EMP`, EMP-py and `empulse`: EMPC `α = 6, β = 14, CLV = 200, d = 10,
//! f = 1`; MPC `γ = 0.3` (the Beta(6, 14) mean) with the same costs; EMPB `α = 6, β = 14,
//! δ = 0.05, f = 15`.
//!
//! **Fraction targeted and threshold** are reported as `empulse` does (`optimal_rate`,
//! `optimal_threshold`): for MPC and EMPB the share of customers at the best cut-off (the
//! smallest such share when several cut-offs tie); for EMPC the *expected* share,
//! `Σ_regions (π₀F₀ + π₁F₁)·P(γ ∈ region)`. The threshold is the score of the cut-off whose
//! targeted share is nearest that fraction, and `1.0` when the nearest cut-off targets no one.
//!
//! ```
//! use attrition::profit::emp::{empc_score, mpc_score, EmpcParams, MpcParams};
//! let y = [false, true, false, true, false, true, false, true];
//! let s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.8, 0.9];
//! // empulse 0.13: empc_score(y, s) = 23.875593418348124, optimal_rate = 0.8743700763487141,
//! // optimal_threshold = 0.2
//! let empc = empc_score(&y, &s, &EmpcParams::default()).unwrap();
//! assert!((empc.value - 23.875593418348124).abs() < 1e-9);
//! assert!((empc.fraction_targeted - 0.8743700763487141).abs() < 1e-9);
//! assert_eq!(empc.threshold, 0.2);
//! // empulse 0.13: mpc_score(y, s) = 23.874999999999996, optimal_rate = 0.875
//! let mpc = mpc_score(&y, &s, &MpcParams::default()).unwrap();
//! assert!((mpc.value - 23.875).abs() < 1e-9);
//! assert_eq!(mpc.fraction_targeted, 0.875);
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::{check_inputs, descending_order};

/// Parameters of [`empc_score`]. Build with [`EmpcParams::default`] and the setters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmpcParams {
    /// α of the Beta distribution of the acceptance rate γ. Default 6.
    pub alpha: f64,
    /// β of the Beta distribution of γ. Default 14 (so E(γ) = 0.3).
    pub beta: f64,
    /// Customer lifetime value of a retained churner. Default 200.
    pub clv: f64,
    /// Cost `d` of the retention incentive. Default 10.
    pub incentive_cost: f64,
    /// Cost `f` of contacting a customer. Default 1.
    pub contact_cost: f64,
}

impl Default for EmpcParams {
    fn default() -> Self {
        EmpcParams { alpha: 6.0, beta: 14.0, clv: 200.0, incentive_cost: 10.0, contact_cost: 1.0 }
    }
}

impl EmpcParams {
    /// Sets α (default 6).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Sets β (default 14).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Sets the CLV (default 200).
    pub fn clv(mut self, clv: f64) -> Self {
        self.clv = clv;
        self
    }
    /// Sets the incentive cost `d` (default 10).
    pub fn incentive_cost(mut self, d: f64) -> Self {
        self.incentive_cost = d;
        self
    }
    /// Sets the contact cost `f` (default 1).
    pub fn contact_cost(mut self, f: f64) -> Self {
        self.contact_cost = f;
        self
    }
    /// Checks α, β > 0, a finite CLV and finite non-negative costs.
    pub fn check(&self) -> Result<()> {
        check_beta(self.alpha, self.beta)?;
        check_finite("clv", self.clv)?;
        check_cost("incentive_cost", self.incentive_cost)?;
        check_cost("contact_cost", self.contact_cost)
    }
}

/// Parameters of [`mpc_score`]. Build with [`MpcParams::default`] and the setters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MpcParams {
    /// Probability γ that a contacted would-be churner accepts the offer. Default 0.3.
    pub accept_rate: f64,
    /// Customer lifetime value of a retained churner. Default 200.
    pub clv: f64,
    /// Cost `d` of the retention incentive. Default 10.
    pub incentive_cost: f64,
    /// Cost `f` of contacting a customer. Default 1.
    pub contact_cost: f64,
}

impl Default for MpcParams {
    fn default() -> Self {
        MpcParams { accept_rate: 0.3, clv: 200.0, incentive_cost: 10.0, contact_cost: 1.0 }
    }
}

impl MpcParams {
    /// Sets γ (default 0.3).
    pub fn accept_rate(mut self, gamma: f64) -> Self {
        self.accept_rate = gamma;
        self
    }
    /// Sets the CLV (default 200).
    pub fn clv(mut self, clv: f64) -> Self {
        self.clv = clv;
        self
    }
    /// Sets the incentive cost `d` (default 10).
    pub fn incentive_cost(mut self, d: f64) -> Self {
        self.incentive_cost = d;
        self
    }
    /// Sets the contact cost `f` (default 1).
    pub fn contact_cost(mut self, f: f64) -> Self {
        self.contact_cost = f;
        self
    }
    /// Checks γ ∈ [0, 1], a finite CLV and finite non-negative costs.
    pub fn check(&self) -> Result<()> {
        check_unit("accept_rate", self.accept_rate)?;
        check_finite("clv", self.clv)?;
        check_cost("incentive_cost", self.incentive_cost)?;
        check_cost("contact_cost", self.contact_cost)
    }
}

/// Parameters of [`empb_score`] (the CLVs are per customer and passed separately).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmpbParams {
    /// α of the Beta distribution of γ. Default 6.
    pub alpha: f64,
    /// β of the Beta distribution of γ. Default 14.
    pub beta: f64,
    /// Incentive cost as a fraction δ of the customer's CLV. Default 0.05.
    pub incentive_fraction: f64,
    /// Cost `f` of contacting a customer. Default 15.
    pub contact_cost: f64,
}

impl Default for EmpbParams {
    fn default() -> Self {
        EmpbParams { alpha: 6.0, beta: 14.0, incentive_fraction: 0.05, contact_cost: 15.0 }
    }
}

impl EmpbParams {
    /// Sets α (default 6).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Sets β (default 14).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Sets δ (default 0.05).
    pub fn incentive_fraction(mut self, delta: f64) -> Self {
        self.incentive_fraction = delta;
        self
    }
    /// Sets the contact cost `f` (default 15).
    pub fn contact_cost(mut self, f: f64) -> Self {
        self.contact_cost = f;
        self
    }
    /// Checks α, β > 0, δ ∈ [0, 1] and a finite non-negative contact cost.
    pub fn check(&self) -> Result<()> {
        check_beta(self.alpha, self.beta)?;
        check_unit("incentive_fraction", self.incentive_fraction)?;
        check_cost("contact_cost", self.contact_cost)
    }
}

/// A profit-based score and the campaign that reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmpScore {
    /// Profit per customer in the base (currency units), ≥ 0.
    pub value: f64,
    /// Share of customers targeted at the optimum (expected share for EMPC).
    pub fraction_targeted: f64,
    /// Score threshold of that campaign (target customers scoring ≥ it); 1.0 when no one.
    pub threshold: f64,
}

fn check_beta(alpha: f64, beta: f64) -> Result<()> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::param("alpha", alpha, "must be finite and > 0"));
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(Error::param("beta", beta, "must be finite and > 0"));
    }
    Ok(())
}

fn check_finite(name: &'static str, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::param(name, v, "must be finite"));
    }
    Ok(())
}

fn check_cost(name: &'static str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::param(name, v, "a cost must be finite and ≥ 0"));
    }
    Ok(())
}

fn check_unit(name: &'static str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        return Err(Error::param(name, v, "must be in [0, 1]"));
    }
    Ok(())
}

/// Cumulative (retained, churned) counts after each group of tied scores, scores decreasing,
/// starting with (0, 0) for "target no one"; plus the distinct scores (one per point after the first).
struct RankedCounts {
    neg: Vec<u64>,
    pos: Vec<u64>,
    scores: Vec<f64>,
    /// Rows in score order (for per-row gains).
    order: Vec<usize>,
    /// `group_end[k]` = rows targeted at point `k`.
    group_end: Vec<usize>,
}

fn ranked_counts(y_true: &[bool], y_score: &[f64]) -> RankedCounts {
    let order = descending_order(y_score);
    let (mut neg, mut pos, mut scores, mut group_end) = (vec![0u64], vec![0u64], Vec::new(), vec![0usize]);
    let (mut n_neg, mut n_pos) = (0u64, 0u64);
    for (k, &i) in order.iter().enumerate() {
        if y_true[i] {
            n_pos += 1;
        } else {
            n_neg += 1;
        }
        if order.get(k + 1).is_none_or(|&next| y_score[next] != y_score[i]) {
            neg.push(n_neg);
            pos.push(n_pos);
            scores.push(y_score[i]);
            group_end.push(k + 1);
        }
    }
    RankedCounts { neg, pos, scores, order, group_end }
}

/// Indices (into the ranked points) of the ROC convex hull's upper chain, from (0, 0) to (1, 1).
/// Collinear points are dropped; turns are computed exactly on integer counts.
fn hull_indices(rc: &RankedCounts) -> Vec<usize> {
    let cross = |o: usize, a: usize, b: usize| -> i128 {
        let (on, op) = (rc.neg[o] as i128, rc.pos[o] as i128);
        (rc.neg[a] as i128 - on) * (rc.pos[b] as i128 - op) - (rc.pos[a] as i128 - op) * (rc.neg[b] as i128 - on)
    };
    let mut hull: Vec<usize> = Vec::new();
    for k in 0..rc.neg.len() {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], k) >= 0 {
            hull.pop();
        }
        hull.push(k);
    }
    hull
}

/// The score threshold whose targeted share is nearest `rate` (empulse's `classification_threshold`).
fn threshold_for_rate(rc: &RankedCounts, n: usize, rate: f64) -> f64 {
    let mut best = (f64::INFINITY, 1.0);
    for k in 0..rc.group_end.len() {
        let share = rc.group_end[k] as f64 / n as f64;
        let dist = (share - rate).abs();
        if dist < best.0 {
            best = (dist, if k == 0 { 1.0 } else { rc.scores[k - 1] });
        }
    }
    best.1
}

fn validate(context: &'static str, y_true: &[bool], y_score: &[f64]) -> Result<(u64, u64)> {
    check_inputs(context, y_true, y_score, None)?;
    let n_pos = y_true.iter().filter(|&&y| y).count() as u64;
    let n_neg = y_true.len() as u64 - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::SingleClass { context });
    }
    Ok((n_pos, n_neg))
}

fn beta_reg(a: f64, b: f64, x: f64) -> Result<f64> {
    statrs::function::beta::checked_beta_reg(a, b, x.clamp(0.0, 1.0))
        .map_err(|e| Error::Numerical { context: "regularised incomplete beta", reason: e.to_string() })
}

/// Expected maximum profit measure for customer churn (EMPC), computed exactly; see the module
/// docs. Errors on empty or mismatched input, non-finite scores, a single class or bad parameters.
pub fn empc_score(y_true: &[bool], y_score: &[f64], params: &EmpcParams) -> Result<EmpScore> {
    const CONTEXT: &str = "EMPC";
    params.check()?;
    let (n_pos, n_neg) = validate(CONTEXT, y_true, y_score)?;
    let n = y_true.len();
    let pi0 = n_pos as f64 / n as f64;
    let pi1 = 1.0 - pi0;
    let rc = ranked_counts(y_true, y_score);
    let hull = hull_indices(&rc);
    let EmpcParams { alpha, beta, clv, incentive_cost: d, contact_cost: f } = *params;
    // One line a + b·γ per hull vertex, with its targeted share.
    struct Line {
        a: f64,
        b: f64,
        rate: f64,
    }
    let mut lines: Vec<Line> = hull
        .iter()
        .map(|&k| {
            let tpr = rc.pos[k] as f64 / n_pos as f64;
            let fpr = rc.neg[k] as f64 / n_neg as f64;
            Line { a: -f * pi0 * tpr - (d + f) * pi1 * fpr, b: (clv - d) * pi0 * tpr, rate: pi0 * tpr + pi1 * fpr }
        })
        .collect();
    // Upper envelope (convex-hull trick): slopes ascending, equal slopes keep the highest line
    // (the first, i.e. fewest targeted, among exact ties).
    lines.sort_by(|p, q| p.b.total_cmp(&q.b).then(q.a.total_cmp(&p.a)));
    lines.dedup_by(|later, earlier| later.b == earlier.b);
    let cross_x = |l: &Line, m: &Line| (l.a - m.a) / (m.b - l.b);
    let mut env: Vec<Line> = Vec::new();
    for line in lines {
        while env.len() >= 2 {
            let (l1, l2) = (&env[env.len() - 2], &env[env.len() - 1]);
            if cross_x(l1, &line) <= cross_x(l1, l2) {
                env.pop();
            } else {
                break;
            }
        }
        env.push(line);
    }
    let mean = alpha / (alpha + beta);
    let (mut value, mut rate) = (0.0, 0.0);
    for (j, line) in env.iter().enumerate() {
        let lo = if j == 0 { 0.0 } else { cross_x(&env[j - 1], line).max(0.0) };
        let hi = if j + 1 == env.len() { 1.0 } else { cross_x(line, &env[j + 1]).min(1.0) };
        if hi <= lo {
            continue;
        }
        let mass = beta_reg(alpha, beta, hi)? - beta_reg(alpha, beta, lo)?;
        let first_moment = mean * (beta_reg(alpha + 1.0, beta, hi)? - beta_reg(alpha + 1.0, beta, lo)?);
        value += line.a * mass + line.b * first_moment;
        rate += line.rate * mass;
    }
    Ok(EmpScore { value, fraction_targeted: rate, threshold: threshold_for_rate(&rc, n, rate) })
}

/// Maximum profit measure for customer churn (MPC) at a fixed acceptance rate; see the module docs.
pub fn mpc_score(y_true: &[bool], y_score: &[f64], params: &MpcParams) -> Result<EmpScore> {
    const CONTEXT: &str = "MPC";
    params.check()?;
    validate(CONTEXT, y_true, y_score)?;
    let n = y_true.len();
    let MpcParams { accept_rate: g, clv, incentive_cost: d, contact_cost: f } = *params;
    let tp_benefit = g * (clv - d - f) - (1.0 - g) * f;
    let fp_cost = d + f;
    let rc = ranked_counts(y_true, y_score);
    // Profits are compared as totals (not per customer), so equal profits compare equal.
    let (mut best, mut best_k) = (0.0, 0usize);
    for k in 1..rc.neg.len() {
        let profit = tp_benefit * rc.pos[k] as f64 - fp_cost * rc.neg[k] as f64;
        if profit > best {
            best = profit;
            best_k = k;
        }
    }
    let rate = rc.group_end[best_k] as f64 / n as f64;
    Ok(EmpScore { value: best / n as f64, fraction_targeted: rate, threshold: threshold_for_rate(&rc, n, rate) })
}

/// Expected maximum profit measure for B2B churn with per-customer CLV (EMPB), as
/// `empulse.metrics.empb_score` computes it; see the module docs.
///
/// ```
/// use attrition::profit::emp::{empb_score, EmpbParams};
/// let y = [false, true, false, true, false, true, false, true];
/// let s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.8, 0.9];
/// let clv = [100.0, 200.0, 150.0, 300.0, 120.0, 250.0, 180.0, 220.0];
/// let e = empb_score(&y, &s, &clv, &EmpbParams::default()).unwrap();
/// // empulse 0.13: empb_score(y, s, clv=clv) = 18.61875, optimal_rate = 0.875
/// assert!((e.value - 18.61875).abs() < 1e-9);
/// assert_eq!((e.fraction_targeted, e.threshold), (0.875, 0.2));
/// ```
pub fn empb_score(y_true: &[bool], y_score: &[f64], clv: &[f64], params: &EmpbParams) -> Result<EmpScore> {
    const CONTEXT: &str = "EMPB";
    params.check()?;
    validate(CONTEXT, y_true, y_score)?;
    if clv.len() != y_true.len() {
        return Err(Error::LengthMismatch { context: "EMPB: CLV per customer", left: y_true.len(), right: clv.len() });
    }
    if let Some((row, &value)) = clv.iter().enumerate().find(|(_, c)| !c.is_finite()) {
        return Err(Error::NonFinite { context: "EMPB: CLV".into(), row, value });
    }
    let n = y_true.len();
    let EmpbParams { alpha, beta, incentive_fraction: delta, contact_cost: f } = *params;
    let g = alpha / (alpha + beta);
    let gain = |i: usize| {
        if y_true[i] { g * ((1.0 - delta) * clv[i] - f) - (1.0 - g) * f } else { -(delta * clv[i] + f) }
    };
    let rc = ranked_counts(y_true, y_score);
    let (mut cumulative, mut best, mut best_k) = (0.0, 0.0, 0usize);
    for k in 1..rc.group_end.len() {
        for &i in &rc.order[rc.group_end[k - 1]..rc.group_end[k]] {
            cumulative += gain(i);
        }
        if cumulative > best {
            best = cumulative;
            best_k = k;
        }
    }
    let rate = rc.group_end[best_k] as f64 / n as f64;
    Ok(EmpScore { value: best / n as f64, fraction_targeted: rate, threshold: threshold_for_rate(&rc, n, rate) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EMPC by brute force: midpoint rule over γ of the best hull profit.
    fn empc_brute(y: &[bool], s: &[f64], p: &EmpcParams) -> f64 {
        let n = y.len() as f64;
        let rc = ranked_counts(y, s);
        let steps = 50_000;
        let mut total = 0.0;
        let beta_fn = statrs::function::beta::beta(p.alpha, p.beta);
        for j in 0..steps {
            let g = (j as f64 + 0.5) / steps as f64;
            let dens = g.powf(p.alpha - 1.0) * (1.0 - g).powf(p.beta - 1.0) / beta_fn;
            let best = (0..rc.neg.len())
                .map(|k| {
                    (g * (p.clv - p.incentive_cost) - p.contact_cost) * rc.pos[k] as f64
                        - (p.incentive_cost + p.contact_cost) * rc.neg[k] as f64
                })
                .fold(0.0f64, f64::max);
            total += best / n * dens / steps as f64;
        }
        total
    }

    #[test]
    fn exact_empc_agrees_with_numerical_integration() {
        let y: Vec<bool> = (0..60).map(|i| (i * 37 % 11) < 4).collect();
        let s: Vec<f64> =
            (0..60).map(|i| (i * 53 % 17) as f64 / 17.0 + if (i * 37 % 11) < 4 { 0.3 } else { 0.0 }).collect();
        for p in [EmpcParams::default(), EmpcParams::default().alpha(2.0).beta(3.0).clv(50.0)] {
            let exact = empc_score(&y, &s, &p).unwrap().value;
            let brute = empc_brute(&y, &s, &p);
            assert!((exact - brute).abs() < 1e-6, "{exact} vs {brute}");
        }
    }

    #[test]
    fn hull_is_concave_and_spans_the_square() {
        let y = [true, false, true, true, false, false, true, false];
        let s = [0.9, 0.8, 0.8, 0.6, 0.5, 0.4, 0.3, 0.1];
        let rc = ranked_counts(&y, &s);
        let h = hull_indices(&rc);
        assert_eq!(h[0], 0);
        assert_eq!(*h.last().unwrap(), rc.neg.len() - 1);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let y = [true, false];
        let s = [0.9, 0.1];
        assert!(empc_score(&y, &s, &EmpcParams::default().alpha(0.0)).is_err());
        assert!(empc_score(&y, &s, &EmpcParams::default().contact_cost(-1.0)).is_err());
        assert!(mpc_score(&y, &s, &MpcParams::default().accept_rate(1.5)).is_err());
        assert!(empb_score(&y, &s, &[1.0, f64::NAN], &EmpbParams::default()).is_err());
        assert!(empb_score(&y, &s, &[1.0], &EmpbParams::default()).is_err());
        assert!(matches!(empc_score(&[true, true], &s, &EmpcParams::default()), Err(Error::SingleClass { .. })));
    }
}
