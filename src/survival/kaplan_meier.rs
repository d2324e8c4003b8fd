//! The Kaplan–Meier estimator with Greenwood variance and lifelines' confidence interval.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};
use crate::survival::data::{EventTable, SurvivalCounts, SurvivalData};

/// Kaplan–Meier parameters.
///
/// The estimate, its Greenwood variance and its confidence interval are computed exactly as
/// lifelines 0.30's `KaplanMeierFitter` does (values agree to 1e-9 in the tests):
///
/// - S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ), with dᵢ the (weighted) events at tᵢ and nᵢ the weight at risk;
/// - Greenwood: Var[log S(t)] ≈ Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ)) (terms with nᵢ = dᵢ count 0);
/// - the interval is lifelines' default "exponential Greenwood" (log(−log) transform):
///   exp(−exp(log(−log S) ∓ z √V / log S)), z = Φ⁻¹(1 − α/2); it is [1, 1] where S = 1.
///
/// With fractional weights lifelines truncates nᵢ to an integer inside the Greenwood sum; this
/// implementation uses the exact weighted nᵢ (survival values still agree; variances differ).
///
/// ```
/// use attrition::survival::{KaplanMeier, SurvivalData};
/// let data = SurvivalData::new(vec![1.0, 2.0, 2.0, 3.0], vec![true, true, false, true]).unwrap();
/// let km = KaplanMeier::new().fit(&data).unwrap();
/// assert_eq!(km.survival_at(1.5), 0.75);
/// assert_eq!(km.survival_at(2.0), 0.5);
/// assert_eq!(km.median(), Some(2.0));
/// assert_eq!(km.survival_at(3.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    alpha: f64,
}

impl Default for KaplanMeier {
    fn default() -> Self {
        KaplanMeier { alpha: 0.05 }
    }
}

impl KaplanMeier {
    /// Default parameters: 95% confidence intervals (`alpha = 0.05`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the significance level of the pointwise confidence interval (default 0.05 → 95%).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Checks the parameters: `0 < alpha < 1`.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::param("alpha", self.alpha, "must be strictly between 0 and 1"));
        }
        Ok(())
    }

    /// Fits the survival curve. Errors on invalid parameters or empty data.
    pub fn fit(&self, data: &SurvivalData) -> Result<SurvivalCurve> {
        self.check()?;
        self.fit_counts(&SurvivalCounts::from_data(data))
    }

    /// Fits the survival curve from counts ([`SurvivalCounts`], e.g. merged from the partitions
    /// of a population): the same curve as [`Self::fit`] on the subjects counted. Errors on
    /// invalid parameters or no subjects.
    pub fn fit_counts(&self, counts: &SurvivalCounts) -> Result<SurvivalCurve> {
        self.check()?;
        if counts.is_empty() {
            return Err(Error::EmptyData { context: "Kaplan–Meier fit" });
        }
        let table = EventTable::from_counts(&[counts]);
        let z = Normal::standard().inverse_cdf(1.0 - self.alpha / 2.0);
        let mut points = Vec::with_capacity(table.times.len());
        let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
        for i in 0..table.times.len() {
            let (n, d) = (table.at_risk[0][i], table.events[0][i]);
            // lifelines sums log(n − d) − log(n) and skips NaN terms: n = 0, or n < d (which only
            // late entry can produce). n = d makes S = 0 from then on.
            if n > 0.0 && n >= d {
                survival *= (n - d) / n;
            }
            let var_term = d / (n * (n - d));
            if var_term.is_finite() {
                greenwood += var_term;
            }
            let (ci_low, ci_high) = exponential_greenwood(survival.ln(), greenwood, z);
            points.push(CurvePoint {
                time: table.times[i],
                at_risk: n,
                entered: table.entered[0][i],
                events: d,
                censored: table.removed[0][i] - d,
                survival,
                greenwood,
                ci_low,
                ci_high,
            });
        }
        Ok(SurvivalCurve { points, alpha: self.alpha, n_subjects: counts.len(), n_events: counts.n_events() })
    }
}

/// lifelines' `_bounds`: the log(−log) interval, with NaN (S = 1) replaced by 1.
fn exponential_greenwood(log_s: f64, greenwood: f64, z: f64) -> (f64, f64) {
    let half = z * greenwood.sqrt() / log_s;
    let centre = (-log_s).ln();
    let lo = (-(centre - half).exp()).exp();
    let hi = (-(centre + half).exp()).exp();
    (if lo.is_nan() { 1.0 } else { lo }, if hi.is_nan() { 1.0 } else { hi })
}

/// One time point of a fitted [`SurvivalCurve`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The time (a distinct duration or entry time of the data).
    pub time: f64,
    /// Weight at risk for the events at `time`: subjects with `entry < time <= duration` (plus those
    /// entering at the first time of the table). Without late entry this equals lifelines'
    /// `event_table.at_risk`; with it, lifelines' column is `at_risk + entered`.
    pub at_risk: f64,
    /// Weight of subjects entering (late) at `time`.
    pub entered: f64,
    /// Weight of events at `time`.
    pub events: f64,
    /// Weight of subjects censored at `time`.
    pub censored: f64,
    /// Kaplan–Meier survival S(time).
    pub survival: f64,
    /// Greenwood's cumulative sum Σ dᵢ/(nᵢ(nᵢ − dᵢ)) up to `time` (Var(S) ≈ S² × this).
    pub greenwood: f64,
    /// Lower bound of the pointwise confidence interval.
    pub ci_low: f64,
    /// Upper bound of the pointwise confidence interval.
    pub ci_high: f64,
}

/// A fitted Kaplan–Meier curve: a right-continuous step function of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCurve {
    /// One point per distinct time of the data, ascending.
    pub points: Vec<CurvePoint>,
    /// Significance level of the confidence intervals.
    pub alpha: f64,
    /// Number of subjects (rows) fitted.
    pub n_subjects: usize,
    /// Weight of observed events.
    pub n_events: f64,
}

impl SurvivalCurve {
    /// S(t): the survival at the last curve time ≤ `t` (1 before the first time). Beyond the last
    /// time the last value is carried forward, as lifelines' `predict` does.
    pub fn survival_at(&self, t: f64) -> f64 {
        let k = self.points.partition_point(|p| p.time <= t);
        if k == 0 { 1.0 } else { self.points[k - 1].survival }
    }

    /// The confidence interval of S(t), with the same step convention as [`Self::survival_at`].
    pub fn ci_at(&self, t: f64) -> (f64, f64) {
        let k = self.points.partition_point(|p| p.time <= t);
        if k == 0 { (1.0, 1.0) } else { (self.points[k - 1].ci_low, self.points[k - 1].ci_high) }
    }

    /// Weight of censored subjects.
    pub fn n_censored(&self) -> f64 {
        self.points.iter().map(|p| p.censored).sum()
    }

    /// The first time at which S(t) ≤ `q` (lifelines' `qth_survival_time`); `None` when the curve
    /// never falls that low (lifelines returns `inf`). `q` outside [0, 1] is an error.
    pub fn percentile(&self, q: f64) -> Result<Option<f64>> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::param("q", q, "must be between 0 and 1"));
        }
        Ok(self.points.iter().find(|p| p.survival <= q).map(|p| p.time))
    }

    /// Median survival time: the first time S(t) ≤ 0.5, `None` if it never gets there.
    ///
    /// ```
    /// use attrition::survival::{KaplanMeier, SurvivalData};
    /// let d = SurvivalData::new(vec![1.0, 2.0, 3.0, 4.0], vec![false, true, false, false]).unwrap();
    /// assert_eq!(KaplanMeier::new().fit(&d).unwrap().median(), None); // S stays at 2/3
    /// ```
    pub fn median(&self) -> Option<f64> {
        self.points.iter().find(|p| p.survival <= 0.5).map(|p| p.time)
    }

    /// Restricted mean survival time ∫₀^horizon S(t) dt (the expected lifetime within the horizon).
    ///
    /// S is 1 before the curve's first time and its last value is carried past the last time, as in
    /// lifelines' `restricted_mean_survival_time` (which integrates from the first curve time; the
    /// two agree whenever the curve starts at 0, i.e. always without late entry).
    ///
    /// ```
    /// use attrition::survival::{KaplanMeier, SurvivalData};
    /// let d = SurvivalData::new(vec![2.0, 4.0], vec![true, true]).unwrap();
    /// let km = KaplanMeier::new().fit(&d).unwrap();
    /// assert_eq!(km.rmst(3.0).unwrap(), 2.0 + 0.5); // S = 1 on [0, 2), 0.5 on [2, 3)
    /// ```
    pub fn rmst(&self, horizon: f64) -> Result<f64> {
        if !(horizon.is_finite() && horizon >= 0.0) {
            return Err(Error::param("horizon", horizon, "must be finite and ≥ 0"));
        }
        let (mut area, mut prev_t, mut prev_s) = (0.0, 0.0, 1.0);
        for p in self.points.iter().take_while(|p| p.time <= horizon) {
            area += (p.time - prev_t) * prev_s;
            prev_t = p.time;
            prev_s = p.survival;
        }
        Ok(area + (horizon - prev_t) * prev_s)
    }

    /// Conditional survival S(already + further) / S(already): the chance that a subject who has
    /// already lasted `already` lasts `further` more. `None` when S(already) = 0.
    ///
    /// ```
    /// use attrition::survival::{KaplanMeier, SurvivalData};
    /// let d = SurvivalData::new(vec![1.0, 2.0, 3.0, 4.0], vec![true; 4]).unwrap();
    /// let km = KaplanMeier::new().fit(&d).unwrap();
    /// assert_eq!(km.conditional_survival(2.0, 1.0).unwrap(), Some(0.5)); // S(3)/S(2) = 0.25/0.5
    /// ```
    pub fn conditional_survival(&self, already: f64, further: f64) -> Result<Option<f64>> {
        for (name, v) in [("already", already), ("further", further)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::param(name, v, "must be finite and ≥ 0"));
            }
        }
        let s = self.survival_at(already);
        Ok((s > 0.0).then(|| self.survival_at(already + further) / s))
    }
}
