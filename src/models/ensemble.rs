//! Logistic regression and boosted trees together: the churn log-odds is a weighted mean of the
//! two members' log-odds.
//!
//! The two families make different errors — a smooth additive fit against step functions with
//! interactions — and which one is better depends on the data. With the default
//! [`EnsembleParams`], the logistic member's weight is chosen by inner cross-validation on the
//! training data only: both members are cross-validated, and the weight (0, 0.05, …, 1) whose mix
//! of out-of-fold log-odds has the smallest log-loss is kept (ties go to the weight nearer ½).
//! So the ensemble leans on the trees when the signal is strongly non-linear and mixes the two
//! when neither dominates; the members are then refitted on all the training rows. This costs
//! `folds + 1` fits of each member; a fixed [`EnsembleParams::logistic_weight`] skips the inner
//! cross-validation.
//!
//! Mixing on the log-odds scale keeps explanations additive: the ensemble's contributions are the
//! weighted mean of the members' contributions.

use serde::{Deserialize, Serialize};

use super::boosted::Booster;
use super::logistic::{LogisticModel, softplus};
use super::preprocess::Preprocessor;
use crate::error::{Error, Result};

/// Step of the grid of logistic weights searched by [`choose_logistic_weight`].
pub const WEIGHT_STEP: f64 = 0.05;

/// How the members of an ensemble are weighted. Setters never fail; [`EnsembleParams::check`]
/// validates.
///
/// ```
/// use attrition::models::ensemble::EnsembleParams;
/// let p = EnsembleParams::new();
/// assert_eq!((p.logistic_weight, p.folds), (None, 5));
/// assert!(EnsembleParams::new().logistic_weight(Some(1.5)).check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EnsembleParams {
    /// Weight of the logistic member's log-odds, in [0, 1] (the trees get the rest). Default
    /// `None`: chosen by inner cross-validation on the training data.
    pub logistic_weight: Option<f64>,
    /// Folds of the inner cross-validation (grouped by id when ids repeat). Default 5.
    pub folds: usize,
}

impl Default for EnsembleParams {
    fn default() -> Self {
        EnsembleParams { logistic_weight: None, folds: 5 }
    }
}

impl EnsembleParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`EnsembleParams::logistic_weight`].
    pub fn logistic_weight(mut self, weight: Option<f64>) -> Self {
        self.logistic_weight = weight;
        self
    }

    /// Sets [`EnsembleParams::folds`].
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if let Some(w) = self.logistic_weight.filter(|w| !(0.0..=1.0).contains(w)) {
            return Err(Error::param("logistic_weight", w, "must be in [0, 1]"));
        }
        if self.folds < 2 {
            return Err(Error::param("folds", self.folds, "at least 2 folds are needed"));
        }
        Ok(())
    }
}

/// A fitted ensemble: logistic regression on the linear-mode columns of the model's
/// preprocessor, and boosted trees on their own tree-mode columns, both fitted on the same rows
/// with the parameters and seed they have when fitted alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    /// Weight of the logistic member's log-odds; the trees get `1 − logistic_weight`.
    pub logistic_weight: f64,
    /// Logistic regression.
    pub logistic: LogisticModel,
    /// Preprocessing of the trees' input (tree mode), fitted on the same rows.
    pub tree_preprocessor: Preprocessor,
    /// Gradient-boosted trees.
    pub gbdt: Booster,
}

impl Ensemble {
    /// The ensemble's log-odds from the members' log-odds.
    pub fn mix(&self, logistic: f64, gbdt: f64) -> f64 {
        self.logistic_weight * logistic + (1.0 - self.logistic_weight) * gbdt
    }
}

/// The weight `w` on the grid 0, [`WEIGHT_STEP`], …, 1 that minimises the (weighted) mean
/// log-loss of the log-odds `w · a + (1 − w) · b`; ties go to the weight nearer ½.
///
/// Errors when the lengths differ, the data are empty or a log-odds is NaN.
///
/// ```
/// use attrition::models::ensemble::choose_logistic_weight;
/// let y = [true, false, true, false];
/// let informative = [2.0, -2.0, 1.5, -1.0];
/// let noise = [-0.5, 0.5, 0.3, 0.2];
/// assert_eq!(choose_logistic_weight(&informative, &noise, &y, None).unwrap(), 1.0);
/// assert_eq!(choose_logistic_weight(&noise, &informative, &y, None).unwrap(), 0.0);
/// assert_eq!(choose_logistic_weight(&informative, &informative, &y, None).unwrap(), 0.5);
/// ```
pub fn choose_logistic_weight(a: &[f64], b: &[f64], y: &[bool], weights: Option<&[f64]>) -> Result<f64> {
    let lengths = [
        ("ensemble weight: logistic log-odds vs outcomes", a.len()),
        ("ensemble weight: tree log-odds vs outcomes", b.len()),
        ("ensemble weight: weights vs outcomes", weights.map_or(y.len(), <[f64]>::len)),
    ];
    if let Some(&(context, left)) = lengths.iter().find(|(_, len)| *len != y.len()) {
        return Err(Error::LengthMismatch { context, left, right: y.len() });
    }
    if y.is_empty() {
        return Err(Error::EmptyData { context: "ensemble weight" });
    }
    if let Some((row, &value)) = a.iter().chain(b).enumerate().find(|(_, v)| v.is_nan()) {
        return Err(Error::NonFinite { context: "ensemble weight: member log-odds".into(), row: row % y.len(), value });
    }
    let loss = |w: f64| -> f64 {
        (0..y.len())
            .map(|i| {
                let z = w * a[i] + (1.0 - w) * b[i];
                // −log σ(z) for a churner, −log(1 − σ(z)) otherwise: softplus(∓z).
                weights.map_or(1.0, |s| s[i]) * softplus(if y[i] { -z } else { z })
            })
            .sum()
    };
    let n = (1.0 / WEIGHT_STEP).round() as i64;
    let mut grid: Vec<i64> = (0..=n).collect();
    grid.sort_by_key(|&k| ((2 * k - n).abs(), k));
    let mut best: Option<(f64, f64)> = None;
    for k in grid {
        let w = k as f64 / n as f64;
        let l = loss(w);
        // Losses equal to rounding are ties, won by the earlier (more central) weight.
        if best.is_none_or(|(b, _)| l < b - 1e-12 * b.abs()) {
            best = Some((l, w));
        }
    }
    Ok(best.map_or(0.5, |(_, w)| w))
}
