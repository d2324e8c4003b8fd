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

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::metrics::{
    BinStrategy, LiftTable, average_precision_score, brier_score_loss, calibration_curve, gains_table, log_loss,
    roc_auc_score, top_decile_lift,
};
use crate::models::{ChurnModel, Learner};
use crate::profit::emp::{EmpcParams, MpcParams, empc_score, mpc_score};
use crate::validation::Split;

/// Out-of-fold predictions: one per tested row, in ascending row order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutOfFold {
    /// Row of the dataset each prediction belongs to (ascending).
    pub rows: Vec<usize>,
    /// Index of the split whose model made each prediction.
    pub fold: Vec<usize>,
    /// Observed outcome of each row (`true` = churned).
    pub y_true: Vec<bool>,
    /// Predicted P(churn) of each row.
    pub p_churn: Vec<f64>,
    /// Observation ids of the rows, when the dataset has ids.
    pub ids: Option<Vec<String>>,
    /// Number of splits.
    pub n_folds: usize,
    /// Rows of the dataset that no split tested (0 for k-fold).
    pub n_untested: usize,
}

fn split_error(reason: String) -> Error {
    Error::InvalidParameter { name: "splits", value: "<splits>".into(), reason }
}

/// Fits `learner` on each split's training rows and predicts its test rows (see the module docs).
///
/// Errors: no label, no splits, an empty train or test side, an index out of range, train/test
/// overlap, a row tested twice, any fitting or prediction error (the first in split order), or
/// a model returning a non-probability.
pub fn cross_val_predict<L: Learner>(learner: &L, data: &Dataset, splits: &[Split]) -> Result<OutOfFold> {
    cross_val_fit_predict(learner, data, splits).map(|(oof, _)| oof)
}

/// Like [`cross_val_predict`], and also returns the model fitted on each split, in split order
/// (to show what each fold's model is, e.g. which configuration `auto` chose in each fold).
pub fn cross_val_fit_predict<L: Learner>(
    learner: &L,
    data: &Dataset,
    splits: &[Split],
) -> Result<(OutOfFold, Vec<L::Model>)> {
    cross_val_fit_predict_with_progress(learner, data, splits, &crate::progress::ProgressHook::none())
}

/// Like [`cross_val_fit_predict`], reporting [`crate::progress::Progress::FoldFinished`] to
/// `progress` as each split's model has predicted (splits run in parallel: the count, not the
/// split index, is reported).
pub fn cross_val_fit_predict_with_progress<L: Learner>(
    learner: &L,
    data: &Dataset,
    splits: &[Split],
    progress: &crate::progress::ProgressHook,
) -> Result<(OutOfFold, Vec<L::Model>)> {
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let churned = data.churned_or_err()?;
    let n = data.n_rows();
    if splits.is_empty() {
        return Err(split_error("at least one split is needed".into()));
    }
    let mut fold_of: Vec<Option<usize>> = vec![None; n];
    for (k, s) in splits.iter().enumerate() {
        if s.train.is_empty() || s.test.is_empty() {
            return Err(split_error(format!("split {k} has an empty train or test side")));
        }
        let mut in_train = vec![false; n];
        for &i in &s.train {
            if i >= n {
                return Err(split_error(format!("split {k}: train row {i} is out of range ({n} rows)")));
            }
            in_train[i] = true;
        }
        for &i in &s.test {
            if i >= n {
                return Err(split_error(format!("split {k}: test row {i} is out of range ({n} rows)")));
            }
            if in_train[i] {
                return Err(split_error(format!("split {k}: row {i} is in both train and test")));
            }
            if let Some(other) = fold_of[i].replace(k) {
                return Err(split_error(format!("row {i} is tested by splits {other} and {k}")));
            }
        }
    }
    let predictions: Vec<Result<(Vec<f64>, L::Model)>> = splits
        .par_iter()
        .map(|s| {
            let model = learner.fit(&data.take(&s.train))?;
            let p = model.predict_proba(&data.take(&s.test))?;
            if p.len() != s.test.len() {
                return Err(Error::LengthMismatch {
                    context: "model predictions vs test rows",
                    left: p.len(),
                    right: s.test.len(),
                });
            }
            if let Some((j, &value)) = p.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
                return Err(Error::NonFinite {
                    context: "model predictions (must be probabilities in [0, 1])".into(),
                    row: s.test[j],
                    value,
                });
            }
            let done = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.report(crate::progress::Progress::FoldFinished { finished: done, folds: splits.len() });
            Ok((p, model))
        })
        .collect();
    let mut p_of = vec![f64::NAN; n];
    let mut models = Vec::with_capacity(splits.len());
    for (s, r) in splits.iter().zip(predictions) {
        let (p, model) = r?;
        for (&i, p) in s.test.iter().zip(p) {
            p_of[i] = p;
        }
        models.push(model);
    }
    let rows: Vec<usize> = (0..n).filter(|&i| fold_of[i].is_some()).collect();
    let oof = OutOfFold {
        fold: rows.iter().filter_map(|&i| fold_of[i]).collect(),
        y_true: rows.iter().map(|&i| churned[i]).collect(),
        p_churn: rows.iter().map(|&i| p_of[i]).collect(),
        ids: data.ids.as_ref().map(|ids| rows.iter().map(|&i| ids[i].clone()).collect()),
        n_folds: splits.len(),
        n_untested: n - rows.len(),
        rows,
    };
    Ok((oof, models))
}

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

/// [`evaluate_with`] with the default [`EvaluationParams`].
pub fn evaluate(oof: &OutOfFold) -> Result<Evaluation> {
    evaluate_with(oof, &EvaluationParams::default())
}

/// Summarises out-of-fold predictions (see the module docs). Errors when the predictions are
/// empty, hold a single class, or the parameters are invalid.
pub fn evaluate_with(oof: &OutOfFold, params: &EvaluationParams) -> Result<Evaluation> {
    let (y, p) = (&oof.y_true[..], &oof.p_churn[..]);
    let roc_auc = roc_auc_score(y, p, None)?;
    let churned = y.iter().filter(|&&b| b).count();
    let empc = empc_score(y, p, &params.empc)?;
    let mpc = mpc_score(y, p, &params.mpc)?;
    let mut fold_roc_auc = Vec::with_capacity(oof.n_folds);
    for k in 0..oof.n_folds {
        let idx: Vec<usize> = (0..y.len()).filter(|&j| oof.fold[j] == k).collect();
        let (fy, fp): (Vec<bool>, Vec<f64>) = idx.iter().map(|&j| (y[j], p[j])).unzip();
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
    let splits = crate::validation::inner_k_fold(data, folds, seed)?;
    let e = evaluate(&cross_val_predict(learner, data, &splits)?)?;
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
