//! Model family and seed (`--model`, `--seed`, …).

use attrition::models::trained::{ModelKind, ModelParams};

use super::range;

/// Model family and seed.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model family: auto (logistic or one of a few boosted-tree configurations, or a blend of the
    /// best of each, chosen by inner cross-validated log-loss on the training data; it keeps a
    /// Platt calibration of the winner when that clearly lowers the inner log-loss), logistic,
    /// tree or gbdt. `ensemble` is deprecated: it runs `auto` with the smallest budget (logistic,
    /// the default boosted trees and their blend), which is what it did.
    #[arg(long, default_value = "auto")]
    pub model: ModelKind,
    /// `auto`: estimated compute, in seconds, its search may spend per training set, in [0, 86400]. It is turned
    /// into a number of candidates before fitting (so the same seed gives the same choice); 0: only the two
    /// always tried (logistic regression and the default boosted trees) and their blend. With too few churned
    /// or retained rows for boosted trees' early stopping (fewer than 2 in an inner fold's training part), the
    /// logistic candidates only, whatever the budget.
    #[arg(long, default_value_t = 10.0, value_parser = range::closed(0.0, 86_400.0))]
    pub budget_seconds: f64,
    /// Seed of every random choice (any whole number 0–2⁶⁴ − 1).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Inverse penalty strength of logistic regression (scikit-learn's C), in (0, inf]; `inf`: no
    /// penalty.
    #[arg(long, default_value_t = 1.0, value_parser = range::above(0.0, f64::INFINITY))]
    pub c: f64,
    /// Logistic regression penalty: l2 (ridge) or l1 (lasso: zeroes weak features).
    #[arg(long, default_value = "l2")]
    pub penalty: attrition::models::logistic::Penalty,
    /// Boosted trees (`--model gbdt`) split categorical columns natively, as sets of categories
    /// (LightGBM's method), instead of on one-hot columns.
    #[arg(long)]
    pub native_categorical: bool,
}

impl ModelArgs {
    /// The model parameters.
    ///
    /// `--model ensemble` (deprecated, with a warning) is `auto` with a budget of 0: it tries
    /// logistic regression and the default boosted trees, blends them when the blend is better
    /// by inner cross-validation — the ensemble's method — and, unlike the ensemble, does not
    /// fit a member that would get weight 0. Measured against `auto` (5-fold, seed 42, 10
    /// datasets: Telco, the four dev sets, mlc_churn, OJ, lending_club, HMDA, simulator
    /// observations), the ensemble's out-of-fold log-loss was within 0.0006 of auto's on 8,
    /// better by 0.004 on HR attrition and worse by 0.006 on mlc_churn (where it was the trees
    /// alone at 5× their cost).
    pub fn params(&self) -> ModelParams {
        let (kind, budget) = match self.model {
            ModelKind::Ensemble => {
                eprintln!(
                    "warning: `--model ensemble` is deprecated and runs `--model auto --budget-seconds 0` \
                     (logistic, boosted trees, or their blend, chosen by inner cross-validation); \
                     use `--model auto`"
                );
                (ModelKind::Auto, 0.0)
            }
            kind => (kind, self.budget_seconds),
        };
        let mut p = ModelParams::new(kind).seed(self.seed);
        p.logistic = p.logistic.c(self.c).penalty(self.penalty);
        p.auto = p.auto.budget_seconds(budget);
        p.native_categorical(self.native_categorical)
    }
}
