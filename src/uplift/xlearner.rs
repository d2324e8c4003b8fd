//! The X-learner (Künzel, Sekhon, Bickel & Yu 2019, PNAS 116(10)): two outcome models, then the
//! effect itself regressed on imputed individual effects.
//!
//! A two-model learner ranks by the difference of two separately fitted churn models, so each
//! model's noise lands in the difference. The X-learner fits the same two outcome models, then
//! imputes each customer's effect from the *other* arm's model — a treated customer's
//! `y − μ0(x)`, a control customer's `μ1(x) − y` — and fits the effect directly with boosted
//! regression trees on each arm. The two effect models are averaged with the treated share as
//! the control arm's weight (Künzel's `g = e(x)`, constant in a randomised experiment).

use super::{UpliftPrediction, check_len};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::models::boosted::{BoostedParams, Booster, SquaredError};
use crate::models::preprocess::{PreprocessMode, PreprocessParams, Preprocessor};
use crate::models::{ChurnModel, Learner};

/// Parameters of the X-learner: the [`Learner`] for the two outcome (churn) models and the
/// boosted regression trees for the two effect models.
///
/// ```
/// # use attrition::uplift::XLearnerParams;
/// # use attrition::models::boosted::BoostedParams;
/// # struct L;
/// let params = XLearnerParams::new(L).effect(BoostedParams::new().max_leaves(Some(4)));
/// assert_eq!(params.effect_params().max_leaves, Some(4));
/// ```
#[derive(Debug, Clone)]
pub struct XLearnerParams<L> {
    outcome: L,
    effect: BoostedParams,
    min_arm_rows: usize,
}

impl<L> XLearnerParams<L> {
    /// Outcome models from `outcome`; effect models with the boosting defaults.
    pub fn new(outcome: L) -> Self {
        Self { outcome, effect: BoostedParams::default(), min_arm_rows: 20 }
    }

    /// Boosting parameters of the two effect regressions.
    pub fn effect(mut self, params: BoostedParams) -> Self {
        self.effect = params;
        self
    }

    /// The effect regressions' parameters.
    pub fn effect_params(&self) -> &BoostedParams {
        &self.effect
    }

    /// Smallest number of rows each arm must have (default 20).
    pub fn min_arm_rows(mut self, n: usize) -> Self {
        self.min_arm_rows = n;
        self
    }
}

impl<L: Learner> XLearnerParams<L> {
    /// Fits the outcome and effect models. `data.churned` is the experiment's outcome;
    /// `treated[i]` says whether row `i` received the offer.
    ///
    /// Errors: missing labels, length mismatch, an arm with fewer than `min_arm_rows` rows or a
    /// single outcome class, and any error of the underlying learners.
    pub fn fit(&self, data: &Dataset, treated: &[bool]) -> Result<XLearner<L::Model>> {
        let y = data.churned_or_err()?;
        check_len("uplift: treated flags vs rows", data.n_rows(), &[treated.len()])?;
        let arms: [Vec<usize>; 2] =
            [false, true].map(|arm| (0..treated.len()).filter(|&i| treated[i] == arm).collect());
        for (name, rows) in ["control", "treated"].iter().zip(&arms) {
            if rows.len() < self.min_arm_rows {
                return Err(Error::param(
                    "min_arm_rows",
                    self.min_arm_rows,
                    format!("the {name} arm has only {} rows", rows.len()),
                ));
            }
        }
        let arm_data = [data.take(&arms[0]), data.take(&arms[1])];
        let (control, treated_model) =
            rayon::join(|| self.outcome.fit(&arm_data[0]), || self.outcome.fit(&arm_data[1]));
        let (control, treated_model) = (control?, treated_model?);
        let preprocessor = PreprocessParams::new(PreprocessMode::Tree).fit(data)?;
        let x = preprocessor.transform(data)?.x;
        // Imputed effects on churn probability, each from the other arm's model.
        let from_treated = control.predict_proba(&arm_data[1])?;
        let from_control = treated_model.predict_proba(&arm_data[0])?;
        let imputed = [
            arms[0].iter().zip(&from_control).map(|(&i, &m1)| m1 - f64::from(u8::from(y[i]))).collect::<Vec<f64>>(),
            arms[1].iter().zip(&from_treated).map(|(&i, &m0)| f64::from(u8::from(y[i])) - m0).collect::<Vec<f64>>(),
        ];
        let fit_effect = |arm: usize| -> Result<Booster> {
            let rows = x.select(ndarray::Axis(0), &arms[arm]);
            // The labels only stratify the early-stopping hold-out: by the imputed effect's sign.
            let sign: Vec<bool> = imputed[arm].iter().map(|&d| d > 0.0).collect();
            let objective = SquaredError::new(imputed[arm].clone())?;
            self.effect.fit_matrix_with_objective(rows.view(), &sign, None, None, &objective)
        };
        let (tau0, tau1) = rayon::join(|| fit_effect(0), || fit_effect(1));
        Ok(XLearner {
            control,
            treated: treated_model,
            preprocessor,
            tau0: tau0?,
            tau1: tau1?,
            treated_share: arms[1].len() as f64 / treated.len() as f64,
        })
    }
}

/// A fitted X-learner.
#[derive(Debug, Clone)]
pub struct XLearner<M> {
    /// Churn model of the control arm (`r0`).
    pub control: M,
    /// Churn model of the treated arm (used for the control arm's imputed effects).
    pub treated: M,
    preprocessor: Preprocessor,
    /// Effect regression on the control arm.
    tau0: Booster,
    /// Effect regression on the treated arm.
    tau1: Booster,
    /// Share of treated rows: the weight of the control arm's effect model.
    pub treated_share: f64,
}

impl<M: ChurnModel> XLearner<M> {
    /// `r0` from the control model and `r1 = r0 + τ`, clamped to [0, 1], with
    /// `τ = e·τ0 + (1 − e)·τ1` (`e` the treated share).
    pub fn predict(&self, data: &Dataset) -> Result<UpliftPrediction> {
        let r0 = self.control.predict_proba(data)?;
        let x = self.preprocessor.transform(data)?.x;
        let (t0, t1) = rayon::join(|| self.tau0.predict_raw(x.view()), || self.tau1.predict_raw(x.view()));
        let (t0, t1) = (t0?, t1?);
        let e = self.treated_share;
        let r1 = r0
            .iter()
            .zip(t0.iter().zip(&t1))
            .map(|(&r, (&a, &b))| (r + e * a + (1.0 - e) * b).clamp(0.0, 1.0))
            .collect();
        Ok(UpliftPrediction { r0, r1 })
    }
}
