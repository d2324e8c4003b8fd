//! Training objectives for boosting: gradients and hessians of a loss on the log-odds scale.
//!
//! An [`Objective`] sees raw scores (log-odds) and [`Targets`]: labels, per-sample weights and the
//! row ids of the rows it is given, so an objective that carries its own per-customer values
//! (a profit-weighted loss using each customer's CLV, say) can look them up. The booster calls
//! [`Objective::gradients`] and [`Objective::loss`] on chunks of rows, in parallel: both must be
//! element-wise (row `i`'s output depends on row `i` only).
//!
//! [`LogLoss`] (binary cross-entropy, weighted) is the default.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which matrix the row ids of a [`Targets`] refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Rows of the matrix passed to `fit` (this includes an internal early-stopping hold-out,
    /// which is carved out of that matrix).
    Train,
    /// Rows of an explicit validation matrix ([`super::Validation`]).
    Validation,
}

/// Labels, weights and row ids of the rows an objective is evaluated on (all the same length).
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    /// `true` = churned.
    pub y: &'a [bool],
    /// Per-sample weights (ones when the caller gave none).
    pub weights: &'a [f64],
    /// Row ids in the matrix named by `part`.
    pub rows: &'a [usize],
    /// Which matrix `rows` index.
    pub part: Part,
}

impl Targets<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// How raw scores become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Link {
    /// `p = 1 / (1 + e^(−raw))`: raw scores are log-odds of churn.
    Logistic,
    /// The raw score is the prediction (regression, e.g. [`SquaredError`]).
    Identity,
}

impl Link {
    /// The probability for a raw score.
    #[inline]
    pub fn apply(self, raw: f64) -> f64 {
        match self {
            Link::Logistic => sigmoid(raw),
            Link::Identity => raw,
        }
    }
}

/// A differentiable training loss for boosting.
///
/// ```
/// use attrition::models::boosted::{LogLoss, Objective, Part, Targets};
/// let y = [true, false];
/// let t = Targets { y: &y, weights: &[1.0, 2.0], rows: &[0, 1], part: Part::Train };
/// let (mut g, mut h) = ([0.0; 2], [0.0; 2]);
/// LogLoss.gradients(&[0.0, 0.0], &t, &mut g, &mut h);
/// assert_eq!(g, [-0.5, 1.0]); // (p − y) · w
/// assert_eq!(h, [0.25, 0.5]); // p (1 − p) · w
/// assert!((LogLoss.init_score(&t).unwrap() - (0.5f64).ln()).abs() < 1e-15);
/// ```
pub trait Objective: Send + Sync {
    /// A short name, stored in the fitted model.
    fn name(&self) -> &str;

    /// The constant raw score the boosting starts from (e.g. the weighted log-odds of churn).
    fn init_score(&self, targets: &Targets<'_>) -> Result<f64>;

    /// Writes the gradient and hessian of each row's loss with respect to its raw score. Hessians
    /// must be positive for rows with positive weight.
    fn gradients(&self, raw: &[f64], targets: &Targets<'_>, grad: &mut [f64], hess: &mut [f64]);

    /// The weighted sum (not mean) of the rows' losses, used for early stopping.
    fn loss(&self, raw: &[f64], targets: &Targets<'_>) -> f64;

    /// How raw scores become probabilities.
    fn link(&self) -> Link {
        Link::Logistic
    }
}

/// Weighted binary log-loss: `w · [log(1 + e^raw) − y · raw]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLoss;

/// Smallest hessian factor `p (1 − p)` used, so that saturated rows keep a finite Newton step.
const MIN_HESS: f64 = 1e-16;

impl Objective for LogLoss {
    fn name(&self) -> &str {
        "log_loss"
    }

    fn init_score(&self, t: &Targets<'_>) -> Result<f64> {
        let (mut pos, mut neg) = (0.0, 0.0);
        for (&y, &w) in t.y.iter().zip(t.weights) {
            if y {
                pos += w;
            } else {
                neg += w;
            }
        }
        if pos <= 0.0 || neg <= 0.0 {
            return Err(Error::SingleClass { context: "log-loss initial score (weighted labels)" });
        }
        Ok((pos / neg).ln())
    }

    fn gradients(&self, raw: &[f64], t: &Targets<'_>, grad: &mut [f64], hess: &mut [f64]) {
        for i in 0..raw.len() {
            let p = sigmoid(raw[i]);
            let w = t.weights[i];
            grad[i] = (p - if t.y[i] { 1.0 } else { 0.0 }) * w;
            hess[i] = (p * (1.0 - p)).max(MIN_HESS) * w;
        }
    }

    fn loss(&self, raw: &[f64], t: &Targets<'_>) -> f64 {
        raw.iter().zip(t.y).zip(t.weights).map(|((&r, &y), &w)| w * (softplus(r) - if y { r } else { 0.0 })).sum()
    }
}

/// Weighted squared error on real-valued targets, for regression trees: `w · (raw − y)² / 2`,
/// identity link. The targets are looked up by row id in the matrix passed to `fit`, so the
/// booster's boolean labels serve only to stratify its early-stopping hold-out; an explicit
/// [`Part::Validation`] matrix is not supported (its loss is NaN).
///
/// ```
/// use attrition::models::boosted::{Objective, Part, SquaredError, Targets};
/// let obj = SquaredError::new(vec![0.5, -0.25]).unwrap();
/// let t = Targets { y: &[true, false], weights: &[1.0, 1.0], rows: &[0, 1], part: Part::Train };
/// assert_eq!(obj.init_score(&t).unwrap(), 0.125);
/// let (mut g, mut h) = ([0.0; 2], [0.0; 2]);
/// obj.gradients(&[0.0, 0.0], &t, &mut g, &mut h);
/// assert_eq!((g, h), ([-0.5, 0.25], [1.0, 1.0]));
/// assert!(SquaredError::new(vec![f64::NAN]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SquaredError {
    target: Vec<f64>,
}

impl SquaredError {
    /// Targets of the training matrix's rows, in order. Errors on a non-finite target.
    pub fn new(target: Vec<f64>) -> Result<SquaredError> {
        if let Some(row) = target.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { context: "squared-error targets".into(), row, value: target[row] });
        }
        Ok(SquaredError { target })
    }

    #[inline]
    fn value(&self, part: Part, row: usize) -> f64 {
        match part {
            Part::Train => self.target.get(row).copied().unwrap_or(f64::NAN),
            Part::Validation => f64::NAN,
        }
    }
}

impl Objective for SquaredError {
    fn name(&self) -> &str {
        "squared_error"
    }

    fn init_score(&self, t: &Targets<'_>) -> Result<f64> {
        let (mut sum, mut total) = (0.0, 0.0);
        for (&r, &w) in t.rows.iter().zip(t.weights) {
            sum += w * self.value(t.part, r);
            total += w;
        }
        if total <= 0.0 {
            return Err(Error::EmptyData { context: "squared-error initial score: zero total weight" });
        }
        Ok(sum / total)
    }

    fn gradients(&self, raw: &[f64], t: &Targets<'_>, grad: &mut [f64], hess: &mut [f64]) {
        for i in 0..raw.len() {
            let w = t.weights[i];
            grad[i] = (raw[i] - self.value(t.part, t.rows[i])) * w;
            hess[i] = w;
        }
    }

    fn loss(&self, raw: &[f64], t: &Targets<'_>) -> f64 {
        raw.iter()
            .zip(t.rows)
            .zip(t.weights)
            .map(|((&r, &row), &w)| 0.5 * w * (r - self.value(t.part, row)).powi(2))
            .sum()
    }

    fn link(&self) -> Link {
        Link::Identity
    }
}

/// `1 / (1 + e^(−x))`.
#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `log(1 + e^x)`, without overflow.
#[inline]
fn softplus(x: f64) -> f64 {
    if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }
}
