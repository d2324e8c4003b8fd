//! Out-of-fold prediction: every row predicted by a model fitted without it.
//!
//! [`cross_val_predict`] fits a [`Learner`] on the training rows of each [`Split`] and predicts
//! that split's test rows. Folds are fitted in parallel with rayon and gathered in split order,
//! so the result is the same, bit for bit, however many threads run. For k-fold splits every row
//! is predicted exactly once; for a time backtest only the test rows are, and the rows never
//! tested are counted in [`OutOfFold::n_untested`]. A row tested by two splits, a split whose
//! train and test rows overlap, or an index out of range is an error (each would make the
//! evaluation dishonest). [`crate::evaluation::evaluate`] summarises the result.
//!
//! This module depends only on the trait pair of [`crate::models`] (`Learner`, `ChurnModel`),
//! so the model families (calibration, `auto`, the ensemble) use it without a dependency cycle.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Split;
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::models::{ChurnModel, Learner};

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
            let model = learner.fit_rows(data, &s.train)?;
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
