//! Probability calibration: Platt scaling and isotonic regression, fitted on out-of-fold
//! predictions (as scikit-learn's `CalibratedClassifierCV(ensemble=False)`): the base model's
//! cross-validated predictions train the calibrator, and the base model is refitted on all data.
//!
//! Profit-aware targeting multiplies probabilities by money, so they must mean what they say;
//! boosted trees with early stopping and regularised logistic models are often slightly off.

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::models::{ChurnModel, Learner};
use crate::validation::cross_val_predict;
use crate::validation::inner_k_fold;

/// Calibration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    /// A logistic curve on the log-odds (Platt 1999, with his targets (N₊ + 1) / (N₊ + 2) and
    /// 1 / (N₋ + 2) in place of 1 and 0, as scikit-learn fits it): two parameters, smooth, needs
    /// little data.
    Platt,
    /// A monotone step-linear map (isotonic regression, pool-adjacent-violators): flexible,
    /// needs more data.
    Isotonic,
}

/// A fitted map from raw probability to calibrated probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibrator {
    /// `σ(a · logit(p) + b)`.
    Platt {
        /// Slope on the log-odds.
        a: f64,
        /// Intercept.
        b: f64,
    },
    /// Linear interpolation through `(x, y)`, clipped at the ends (scikit-learn's
    /// `IsotonicRegression(out_of_bounds="clip")`).
    Isotonic {
        /// Increasing raw probabilities.
        x: Vec<f64>,
        /// Calibrated probabilities (non-decreasing).
        y: Vec<f64>,
    },
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() }
}

/// The Platt map `σ(a·x + b)` of log-odds `x` to labels `y` (weights `w`), with Platt's (1999,
/// §2.2) targets, as scikit-learn's `CalibratedClassifierCV(method = "sigmoid")`: churned rows
/// aim at (N₊ + 1) / (N₊ + 2) and retained ones at 1 / (N₋ + 2) (N± the weight of each class)
/// instead of 1 and 0, so a map fitted on a few well-separated rows cannot become a step (a
/// tester's 50 rows with 3 churners gave a slope of 221 and probabilities of exactly 1 on hard
/// labels). Minimised by Newton's method with backtracking on the two parameters (Lin, Lin &
/// Weng 2007, *A note on Platt's probabilistic outputs for support vector machines*, the
/// algorithm LIBSVM uses): a 2 × 2 system per step, where the general logistic solver on the
/// rows doubled (churned with weight w·t, retained with w·(1 − t), the same minimiser) made
/// `auto` on Telco ~5% slower at one thread (it calibrates every candidate).
fn platt(x: &[f64], y: &[bool], w: &[f64]) -> Result<(f64, f64)> {
    let n_pos: f64 = y.iter().zip(w).filter(|(c, _)| **c).map(|(_, w)| w).sum();
    let n_neg: f64 = y.iter().zip(w).filter(|(c, _)| !**c).map(|(_, w)| w).sum();
    let (t_pos, t_neg) = ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0));
    let target = |c: bool| if c { t_pos } else { t_neg };
    // Σ w·(t·softplus(−f) + (1 − t)·softplus(f)), f = a·x + b.
    let loss = |a: f64, b: f64| -> f64 {
        x.iter()
            .zip(y)
            .zip(w)
            .map(|((&x, &c), &w)| {
                let (f, t) = (a * x + b, target(c));
                w * (t * softplus(-f) + (1.0 - t) * softplus(f))
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for ((&x, &c), &w) in x.iter().zip(y).zip(w) {
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let (r, h) = (w * (p - target(c)), w * p * (1.0 - p));
            (ga, gb) = (ga + r * x, gb + r);
            (haa, hab, hbb) = (haa + h * x * x, hab + h * x, hbb + h);
        }
        if ga.abs().max(gb.abs()) <= 1e-12 * (n_pos + n_neg).max(1.0) {
            return Ok((a, b));
        }
        // A tiny ridge keeps the 2 × 2 system invertible (LIBSVM's σ = 1e-12).
        let (haa, hbb) = (haa + 1e-12, hbb + 1e-12);
        let det = haa * hbb - hab * hab;
        let (da, db) = (-(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det);
        if da.abs() <= 1e-13 * (1.0 + a.abs()) && db.abs() <= 1e-13 * (1.0 + b.abs()) {
            return Ok((a, b));
        }
        let slope = ga * da + gb * db;
        // Near the minimum the decrease Newton predicts is below the loss's rounding, where a
        // line search cannot see it: the full step is taken (the quadratic model is exact there).
        if -slope <= 1e-13 * (1.0 + current.abs()) {
            (a, b) = (a + da, b + db);
            current = loss(a, b);
            continue;
        }
        let mut step = 1.0;
        loop {
            let (na, nb) = (a + step * da, b + step * db);
            let next = loss(na, nb);
            if next <= current + 1e-4 * step * slope {
                (a, b, current) = (na, nb, next);
                break;
            }
            step /= 2.0;
            if step < 1e-10 {
                // No decrease along Newton's direction: at the minimum to rounding.
                return Ok((a, b));
            }
        }
    }
    Err(Error::Numerical {
        context: "Platt calibration",
        reason: "Newton's method did not converge in 100 steps".into(),
    })
}

impl Calibrator {
    /// Fits on raw probabilities `p`, outcomes `y` and optional weights.
    ///
    /// ```
    /// use attrition::models::calibration::{CalibrationMethod, Calibrator};
    /// let p = [0.1, 0.2, 0.3, 0.4];
    /// let y = [false, true, false, true];
    /// let iso = Calibrator::fit(CalibrationMethod::Isotonic, &p, &y, None).unwrap();
    /// assert_eq!(iso.apply(0.1), 0.0);
    /// assert_eq!(iso.apply(0.25), 0.5);
    /// ```
    pub fn fit(method: CalibrationMethod, p: &[f64], y: &[bool], w: Option<&[f64]>) -> Result<Calibrator> {
        if p.len() != y.len() {
            return Err(Error::LengthMismatch { context: "calibration", left: p.len(), right: y.len() });
        }
        if p.is_empty() {
            return Err(Error::EmptyData { context: "calibration" });
        }
        if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::NonFinite {
                context: "calibration: probabilities must be in [0, 1]".into(),
                row: i,
                value: p[i],
            });
        }
        let ones = vec![1.0; p.len()];
        let w = w.unwrap_or(&ones);
        match method {
            CalibrationMethod::Platt => {
                let x: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
                let (a, b) = platt(&x, y, w)?;
                Ok(Calibrator::Platt { a, b })
            }
            CalibrationMethod::Isotonic => Ok(isotonic(p, y, w)),
        }
    }

    /// The map `p ↦ self.apply(inner.apply(p))` as one calibrator: exact when `inner` is a
    /// Platt map (two Platt maps compose into one; an isotonic map's knots are moved back
    /// through the Platt map's inverse, which needs an increasing map, `a > 0`, as every map
    /// `auto` keeps is); when `inner` is isotonic, `self` is applied to its knot values (exact at
    /// the knots, linear between them).
    ///
    /// ```
    /// use attrition::models::calibration::Calibrator;
    /// let inner = Calibrator::Platt { a: 1.2, b: 0.4 };
    /// let outer = Calibrator::Platt { a: 0.9, b: -0.1 };
    /// let both = outer.after(&inner);
    /// for p in [0.01, 0.2, 0.5, 0.93] {
    ///     assert!((both.apply(p) - outer.apply(inner.apply(p))).abs() < 1e-12);
    /// }
    /// ```
    pub fn after(&self, inner: &Calibrator) -> Calibrator {
        match (self, inner) {
            (Calibrator::Platt { a: a2, b: b2 }, Calibrator::Platt { a: a1, b: b1 }) => {
                Calibrator::Platt { a: a2 * a1, b: a2 * b1 + b2 }
            }
            (Calibrator::Isotonic { x, y }, Calibrator::Platt { a, b }) => Calibrator::Isotonic {
                x: x.iter().map(|&q| 1.0 / (1.0 + (-((logit(q) - b) / a)).exp())).collect(),
                y: y.clone(),
            },
            (outer, Calibrator::Isotonic { x, y }) => {
                Calibrator::Isotonic { x: x.clone(), y: y.iter().map(|&q| outer.apply(q)).collect() }
            }
        }
    }

    /// The calibrated probability of a raw probability.
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibrator::Platt { a, b } => 1.0 / (1.0 + (-(a * logit(p) + b)).exp()),
            Calibrator::Isotonic { x, y } => {
                if x.is_empty() {
                    return p;
                }
                if p <= x[0] {
                    return y[0];
                }
                if p >= x[x.len() - 1] {
                    return y[y.len() - 1];
                }
                let k = x.partition_point(|&v| v <= p); // x[k-1] <= p < x[k]
                let (x0, x1, y0, y1) = (x[k - 1], x[k], y[k - 1], y[k]);
                y0 + (p - x0) / (x1 - x0) * (y1 - y0)
            }
        }
    }
}

/// Weighted isotonic regression (pool adjacent violators) after merging tied inputs.
fn isotonic(p: &[f64], y: &[bool], w: &[f64]) -> Calibrator {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| w[i] > 0.0).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // Merge ties: (x, weighted mean y, weight).
    let mut pts: Vec<(f64, f64, f64)> = Vec::new();
    for &i in &order {
        let yi = if y[i] { 1.0 } else { 0.0 };
        match pts.last_mut() {
            Some(last) if last.0 == p[i] => {
                last.1 = (last.1 * last.2 + yi * w[i]) / (last.2 + w[i]);
                last.2 += w[i];
            }
            _ => pts.push((p[i], yi, w[i])),
        }
    }
    // PAV over blocks (value, weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for &(_, v, wt) in &pts {
        blocks.push((v, wt, 1));
        while blocks.len() > 1 && blocks[blocks.len() - 2].0 > blocks[blocks.len() - 1].0 {
            let (v2, w2, n2) = blocks.pop().unwrap_or((0.0, 0.0, 0));
            if let Some(b) = blocks.last_mut() {
                b.0 = (b.0 * b.1 + v2 * w2) / (b.1 + w2);
                b.1 += w2;
                b.2 += n2;
            }
        }
    }
    let mut ys = Vec::with_capacity(pts.len());
    for (v, _, n) in blocks {
        ys.extend(std::iter::repeat_n(v.clamp(0.0, 1.0), n));
    }
    Calibrator::Isotonic { x: pts.iter().map(|t| t.0).collect(), y: ys }
}

/// Parameters of [`CalibratedModel`] fitting.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationParams<L> {
    /// The base learner.
    pub learner: L,
    /// Calibration method.
    pub method: CalibrationMethod,
    /// Folds for the out-of-fold predictions (default 5; grouped by id when ids repeat).
    pub folds: usize,
    /// Seed of the folds.
    pub seed: u64,
}

impl<L> CalibrationParams<L> {
    /// Calibrates `learner` with `method`, 5 folds, seed 0.
    pub fn new(learner: L, method: CalibrationMethod) -> Self {
        CalibrationParams { learner, method, folds: 5, seed: 0 }
    }
}

/// A base model with a calibrator on its output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedModel<M> {
    /// The base model (fitted on all data).
    pub base: M,
    /// The calibrator (fitted on out-of-fold predictions).
    pub calibrator: Calibrator,
}

impl<L: Learner> Learner for CalibrationParams<L> {
    type Model = CalibratedModel<L::Model>;

    fn fit(&self, data: &Dataset) -> Result<Self::Model> {
        let folds = inner_k_fold(data, self.folds, self.seed)?;
        let oof = cross_val_predict(&self.learner, data, &folds)?;
        let w: Option<Vec<f64>> = data.weights.as_ref().map(|w| oof.rows.iter().map(|&r| w[r]).collect());
        let calibrator = Calibrator::fit(self.method, &oof.p_churn, &oof.y_true, w.as_deref())?;
        Ok(CalibratedModel { base: self.learner.fit(data)?, calibrator })
    }
}

impl CalibratedModel<crate::models::trained::TrainedModel> {
    /// One [`TrainedModel`](crate::models::trained::TrainedModel) carrying the calibrator: it
    /// saves, loads, streams ([`crate::scoring::score_csv`]) and explains like any model, and
    /// its probabilities are the calibrated ones.
    ///
    /// ```
    /// use attrition::models::calibration::{CalibrationMethod, CalibrationParams};
    /// use attrition::prelude::*;
    /// let x: Vec<f64> = (0..300).map(|i| (i % 20) as f64).collect();
    /// let y: Vec<bool> = (0..300).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
    /// let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
    /// let calibrated = CalibrationParams::new(ModelParams::new(ModelKind::Gbdt), CalibrationMethod::Platt).fit(&data).unwrap();
    /// let expected = calibrated.predict_proba(&data).unwrap();
    /// let mut bytes = Vec::new();
    /// calibrated.into_trained().to_writer(&mut bytes).unwrap();
    /// let model = TrainedModel::from_reader(bytes.as_slice()).unwrap();
    /// assert_eq!(model.predict_proba(&data).unwrap(), expected);
    /// ```
    ///
    /// A base model that already carries a calibrator (`auto` may keep a Platt map for its
    /// winner) gets the composition of the two ([`Calibrator::after`]): this calibrator was
    /// fitted on the base's calibrated probabilities. For `auto`, prefer turning its own map off
    /// ([`crate::models::auto::AutoParams::calibrate`], as `train --calibrate` does): its
    /// out-of-fold predictions otherwise mix folds whose `auto` did and did not calibrate.
    pub fn into_trained(self) -> crate::models::trained::TrainedModel {
        let calibrator = match &self.base.calibrator {
            Some(inner) => self.calibrator.after(inner),
            None => self.calibrator,
        };
        self.base.with_calibrator(calibrator)
    }
}

impl<M: ChurnModel> ChurnModel for CalibratedModel<M> {
    fn predict_proba(&self, data: &Dataset) -> Result<Vec<f64>> {
        Ok(self.base.predict_proba(data)?.into_iter().map(|p| self.calibrator.apply(p)).collect())
    }
}
