//! How well does a model predict churn out of sample? Cross-validated predictions and one summary.
//!
//! [`cross_val_predict`] fits a [`Learner`] on the training rows of each [`Split`] (from
//! [`crate::validation`]) and predicts that split's test rows, so every prediction comes from a
//! model that never saw the row. Folds are fitted in parallel with rayon and gathered in split
//! order, so the result is the same, bit for bit, however many threads run. For k-fold splits
//! every row is predicted exactly once; for a time backtest only the test rows are, and the rows
//! never tested are counted in [`OutOfFold::n_untested`]. A row tested by two splits, a split whose
//! train and test rows overlap, or an index out of range is an error (each would make the
//! evaluation dishonest).
//!
//! [`evaluate`] turns the out-of-fold predictions into an [`Evaluation`]: ROC-AUC, average
//! precision (PR-AUC), log-loss, Brier score, top-decile lift, expected calibration error
//! (10 uniform bins), the decile gains table, per-fold ROC-AUCs, and the profit measures EMPC and
//! MPC (with the fraction of customers a campaign should target) under their default costs
//! ([`crate::profit::emp`]). The metrics are unweighted: they describe the customers as they are,
//! even when the model was trained with sample weights.
//!
//! ```
//! use attrition::dataset::{Column, Dataset};
//! use attrition::evaluation::{cross_val_predict, evaluate};
//! use attrition::models::{ChurnModel, Learner};
//! use attrition::validation::stratified_k_fold;
//!
//! /// Scores each row by its `usage` column, squashed into (0, 1): no fitting needed.
//! struct LowUsage;
//! struct LowUsageModel;
//! impl ChurnModel for LowUsageModel {
//!     fn predict_proba(&self, d: &Dataset) -> attrition::Result<Vec<f64>> {
//!         let u = d.column("usage").and_then(|c| c.as_numeric()).unwrap();
//!         Ok(u.iter().map(|x| 1.0 / (1.0 + x)).collect())
//!     }
//! }
//! impl Learner for LowUsage {
//!     type Model = LowUsageModel;
//!     fn fit(&self, _: &Dataset) -> attrition::Result<LowUsageModel> { Ok(LowUsageModel) }
//! }
//!
//! let usage: Vec<f64> = (0..40).map(|i| i as f64).collect();
//! let churned: Vec<bool> = (0..40).map(|i| i % 3 == 0 && i < 30).collect();
//! let data = Dataset::new(vec![Column::numeric("usage", usage)]).unwrap().with_churned(churned.clone()).unwrap();
//! let folds = stratified_k_fold(&churned, 4, 7).unwrap();
//! let oof = cross_val_predict(&LowUsage, &data, &folds).unwrap();
//! assert_eq!(oof.rows, (0..40).collect::<Vec<_>>()); // every row predicted once
//! let eval = evaluate(&oof).unwrap();
//! assert!(eval.roc_auc > 0.5 && eval.fold_roc_auc.len() == 4);
//! ```

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::metrics::{
    BinStrategy, LiftTable, average_precision_score, brier_score_loss, calibration_curve, gains_table, log_loss,
    roc_auc_score, top_decile_lift,
};
use crate::models::Learner;
use crate::profit::emp::{EmpcParams, MpcParams, empc_score, mpc_score};
/// Out-of-fold prediction lives with the splitters in [`crate::validation`] (so `models` can use
/// it without depending on `evaluation`); re-exported here, where it is evaluated.
pub use crate::validation::{OutOfFold, cross_val_fit_predict, cross_val_fit_predict_with_progress, cross_val_predict};

pub mod population;

/// Options of [`evaluate_with`]. Defaults: 10 uniform calibration bins, EMPC and MPC defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvaluationParams {
    /// Number of uniform bins for the expected calibration error. Default 10.
    pub calibration_bins: usize,
    /// Costs and Beta prior of EMPC. Default [`EmpcParams::default`].
    pub empc: EmpcParams,
    /// Costs and acceptance rate of MPC. Default [`MpcParams::default`].
    pub mpc: MpcParams,
}

impl Default for EvaluationParams {
    fn default() -> Self {
        EvaluationParams { calibration_bins: 10, empc: EmpcParams::default(), mpc: MpcParams::default() }
    }
}

impl EvaluationParams {
    /// Sets the number of calibration bins (default 10).
    pub fn calibration_bins(mut self, bins: usize) -> Self {
        self.calibration_bins = bins;
        self
    }
    /// Sets the EMPC parameters.
    pub fn empc(mut self, empc: EmpcParams) -> Self {
        self.empc = empc;
        self
    }
    /// Sets the MPC parameters.
    pub fn mpc(mut self, mpc: MpcParams) -> Self {
        self.mpc = mpc;
        self
    }
}

/// ROC-AUC of one fold's test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScore {
    /// Split index.
    pub fold: usize,
    /// Rows tested.
    pub rows: usize,
    /// Churners among them.
    pub churned: usize,
    /// ROC-AUC on the fold; `None` when the fold holds a single class (possible in backtests).
    pub roc_auc: Option<f64>,
}

/// Out-of-sample performance of a model: all metrics on the pooled out-of-fold predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Predictions evaluated.
    pub rows: usize,
    /// Churners among them.
    pub churned: usize,
    /// Share of churners.
    pub churn_rate: f64,
    /// ROC-AUC (ties averaged).
    pub roc_auc: f64,
    /// Average precision (scikit-learn's definition of PR-AUC).
    pub pr_auc: f64,
    /// Log-loss (natural log, probabilities clipped like scikit-learn).
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Churn rate of the riskiest 10% over the overall churn rate.
    pub top_decile_lift: f64,
    /// Expected calibration error over `calibration_bins` uniform bins.
    pub ece: f64,
    /// Expected maximum profit per customer (EMPC).
    pub empc: f64,
    /// Expected share of customers a campaign should target under EMPC.
    pub empc_fraction_targeted: f64,
    /// Maximum profit per customer at a fixed acceptance rate (MPC).
    pub mpc: f64,
    /// Share of customers targeted at the MPC optimum.
    pub mpc_fraction_targeted: f64,
    /// Per-fold ROC-AUC.
    pub fold_roc_auc: Vec<FoldScore>,
    /// Mean of the defined per-fold ROC-AUCs.
    pub fold_roc_auc_mean: Option<f64>,
    /// Sample standard deviation (n − 1) of the defined per-fold ROC-AUCs; needs two folds.
    pub fold_roc_auc_std: Option<f64>,
    /// Gains and lift by decile; `None` with fewer than 10 predictions.
    pub gains: Option<LiftTable>,
    /// The options used.
    pub params: EvaluationParams,
}

/// The JSON record of a cross-validated evaluation, as `attrition evaluate --json` prints it and
/// the Python package returns it (one layout for both): the model family, the fold count, whether
/// folds were grouped by customer, every metric of `e`, and `auto`'s choice in each fold.
pub fn evaluation_json(
    model: &str,
    folds: usize,
    grouped_by_customer: bool,
    e: &Evaluation,
    auto_selections: &[&crate::models::auto::AutoSelection],
) -> serde_json::Value {
    serde_json::json!({
        "model": model,
        "folds": folds,
        "grouped_by_customer": grouped_by_customer,
        "rows": e.rows,
        "churn_rate": e.churn_rate,
        "roc_auc": e.roc_auc,
        "pr_auc": e.pr_auc,
        "log_loss": e.log_loss,
        "brier": e.brier,
        "top_decile_lift": e.top_decile_lift,
        "ece": e.ece,
        "empc": e.empc,
        "empc_fraction_targeted": e.empc_fraction_targeted,
        "mpc": e.mpc,
        "mpc_fraction_targeted": e.mpc_fraction_targeted,
        "fold_roc_auc_mean": e.fold_roc_auc_mean,
        "fold_roc_auc_std": e.fold_roc_auc_std,
        "auto_selections": auto_selections,
    })
}

/// [`evaluate_with`] with the default [`EvaluationParams`].
pub fn evaluate(oof: &OutOfFold) -> Result<Evaluation> {
    evaluate_with(oof, &EvaluationParams::default())
}

/// Summarises out-of-fold predictions (see the module docs). Errors when the predictions are
/// empty, hold a single class, or the parameters are invalid.
pub fn evaluate_with(oof: &OutOfFold, params: &EvaluationParams) -> Result<Evaluation> {
    summarise(&oof.y_true, &oof.p_churn, |j| oof.fold[j], oof.n_folds, params)
}

/// The [`Evaluation`] of predictions `p` of outcomes `y`, row `j` belonging to group
/// `fold(j) < n_folds` (a split, or an as-of date of [`population`]).
pub(crate) fn summarise(
    y: &[bool],
    p: &[f64],
    fold: impl Fn(usize) -> usize,
    n_folds: usize,
    params: &EvaluationParams,
) -> Result<Evaluation> {
    let roc_auc = roc_auc_score(y, p, None)?;
    let churned = y.iter().filter(|&&b| b).count();
    let empc = empc_score(y, p, &params.empc)?;
    let mpc = mpc_score(y, p, &params.mpc)?;
    let mut fold_roc_auc = Vec::with_capacity(n_folds);
    for k in 0..n_folds {
        let (fy, fp): (Vec<bool>, Vec<f64>) = (0..y.len()).filter(|&j| fold(j) == k).map(|j| (y[j], p[j])).unzip();
        let auc = match roc_auc_score(&fy, &fp, None) {
            Ok(a) => Some(a),
            Err(Error::SingleClass { .. } | Error::EmptyData { .. }) => None,
            Err(e) => return Err(e),
        };
        fold_roc_auc.push(FoldScore {
            fold: k,
            rows: fy.len(),
            churned: fy.iter().filter(|&&b| b).count(),
            roc_auc: auc,
        });
    }
    let defined: Vec<f64> = fold_roc_auc.iter().filter_map(|f| f.roc_auc).collect();
    let mean = (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
    let std = mean
        .filter(|_| defined.len() >= 2)
        .map(|m| (defined.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (defined.len() - 1) as f64).sqrt());
    Ok(Evaluation {
        rows: y.len(),
        churned,
        churn_rate: churned as f64 / y.len() as f64,
        roc_auc,
        pr_auc: average_precision_score(y, p, None)?,
        log_loss: log_loss(y, p, None)?,
        brier: brier_score_loss(y, p, None)?,
        top_decile_lift: top_decile_lift(y, p, None)?,
        ece: calibration_curve(y, p, None, params.calibration_bins, BinStrategy::Uniform)?.ece,
        empc: empc.value,
        empc_fraction_targeted: empc.fraction_targeted,
        mpc: mpc.value,
        mpc_fraction_targeted: mpc.fraction_targeted,
        fold_roc_auc,
        fold_roc_auc_mean: mean,
        fold_roc_auc_std: std,
        gains: if y.len() >= 10 { Some(gains_table(y, p, None, 10)?) } else { None },
        params: *params,
    })
}

/// Cross-validated metrics of `learner` on `data` for a model file
/// ([`crate::models::artifact::CvMetrics`]): `folds` folds from
/// [`crate::validation::inner_k_fold`] (grouped by id when ids repeat), seeded.
pub fn cv_metrics<L: Learner>(
    learner: &L,
    data: &Dataset,
    folds: usize,
    seed: u64,
) -> Result<crate::models::artifact::CvMetrics> {
    cv_metrics_with_progress(learner, data, folds, seed, &crate::progress::ProgressHook::none())
}

/// Like [`cv_metrics`], reporting each finished fold to `progress`
/// ([`crate::progress::Progress::FoldFinished`]).
pub fn cv_metrics_with_progress<L: Learner>(
    learner: &L,
    data: &Dataset,
    folds: usize,
    seed: u64,
    progress: &crate::progress::ProgressHook,
) -> Result<crate::models::artifact::CvMetrics> {
    let splits = crate::validation::inner_k_fold(data, folds, seed)?;
    let (oof, _) = crate::validation::cross_val_fit_predict_with_progress(learner, data, &splits, progress)?;
    let e = evaluate(&oof)?;
    Ok(crate::models::artifact::CvMetrics {
        folds,
        seed,
        roc_auc: e.roc_auc,
        pr_auc: e.pr_auc,
        log_loss: e.log_loss,
        brier: e.brier,
        top_decile_lift: e.top_decile_lift,
    })
}
