//! The X-learner (Künzel, Sekhon, Bickel & Yu 2019, PNAS 116(10)): two outcome models, then the
//! effect itself regressed on imputed individual effects.
//!
//! A two-model learner ranks by the difference of two separately fitted churn models, so each
//! model's noise lands in the difference. The X-learner fits the same two outcome models, then
//! imputes each customer's effect from the *other* arm's model — a treated customer's
//! `y − μ0(x)`, a control customer's `μ1(x) − y` — and fits the effect directly with boosted
//! regression trees on each arm. The two effect models are averaged with the treated share as
//! the control arm's weight (Künzel's `g = e(x)`, constant in a randomised experiment).

use super::{TLearner, TLearnerParams, UpliftPrediction, check_len};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::models::boosted::{BoostedParams, Booster, SquaredError};
use crate::models::preprocess::{PreprocessMode, PreprocessParams, Preprocessor};
use crate::models::{ChurnModel, Learner};

/// Parameters of the X-learner: the two-model learner for the outcome (churn) models and the
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
    outcome: TLearnerParams<L>,
    effect: BoostedParams,
}

impl<L> XLearnerParams<L> {
    /// Outcome models from `outcome` (a [`TLearnerParams`] with its defaults); effect models with
    /// the boosting defaults.
    pub fn new(outcome: L) -> Self {
        Self { outcome: TLearnerParams::new(outcome), effect: BoostedParams::default() }
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
        self.outcome = self.outcome.min_arm_rows(n);
        self
    }
}

impl<L: Learner> XLearnerParams<L> {
    /// Fits the outcome and effect models. `data.churned` is the experiment's outcome;
    /// `treated[i]` says whether row `i` received the offer.
    ///
    /// Errors: those of [`TLearnerParams::fit`] (missing labels, length mismatch, a small or
    /// single-class arm) and of the effect regressions.
    pub fn fit(&self, data: &Dataset, treated: &[bool]) -> Result<XLearner<L::Model>> {
        let outcome = self.outcome.fit(data, treated)?;
        self.fit_effects(outcome, data, treated)
    }

    /// The second stage alone, on outcome models already fitted to the same `data` and
    /// `treated` (a two-model learner a caller also ranks by, say), so they are not fitted twice.
    pub fn fit_effects(
        &self,
        outcome: TLearner<L::Model>,
        data: &Dataset,
        treated: &[bool],
    ) -> Result<XLearner<L::Model>> {
        let y = data.churned_or_err()?;
        check_len("uplift: treated flags vs rows", data.n_rows(), &[treated.len()])?;
        let arms: [Vec<usize>; 2] =
            [false, true].map(|arm| (0..treated.len()).filter(|&i| treated[i] == arm).collect());
        let preprocessor = PreprocessParams::new(PreprocessMode::Tree).fit(data)?;
        let x = preprocessor.transform(data)?.x;
        // Imputed effects on churn probability, each from the other arm's model: a control
        // customer's μ1(x) − y, a treated customer's y − μ0(x).
        let both = outcome.predict(data)?;
        let churned = |i: usize| f64::from(u8::from(y[i]));
        let imputed = [
            arms[0].iter().map(|&i| both.r1[i] - churned(i)).collect::<Vec<f64>>(),
            arms[1].iter().map(|&i| churned(i) - both.r0[i]).collect::<Vec<f64>>(),
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
            outcome,
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
    /// The outcome models: `control` gives `r0`; both gave the imputed effects.
    pub outcome: TLearner<M>,
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
        let r0 = self.outcome.control.predict_proba(data)?;
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
