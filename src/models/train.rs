//! `attrition train` as one library call: cross-validated metrics recorded in the model, the
//! fit (calibrated when asked), the training profile (references for reasons in words, the
//! drift baseline) and how the features were built — the model file the CLI writes.
//!
//! The CLI, the Python package and the study all train through [`TrainParams::fit`], so a model
//! trained from any of them carries the same parts (and, for the same data and seed, the same
//! bytes).
//!
//! ```
//! use attrition::models::train::TrainParams;
//! use attrition::models::trained::{ModelKind, ModelParams};
//! use attrition::models::boosted::synthetic::make_churn_matrix;
//! use attrition::{Column, Dataset};
//! let s = make_churn_matrix(600, 3, 1);
//! let cols = (0..3).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
//! let data = Dataset::new(cols)?.with_churned(s.y.clone())?;
//! let mut train = TrainParams::new(ModelParams::new(ModelKind::Logistic), 7);
//! train.cv_folds = 3;
//! let model = train.fit(&data)?;
//! let cv = model.training.as_ref().and_then(|t| t.cv.as_ref()).expect("cv metrics recorded");
//! assert_eq!(cv.folds, 3);
//! assert!(cv.roc_auc > 0.6);
//! assert!(model.profile.is_some());
//! # Ok::<(), attrition::Error>(())
//! ```

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::models::Learner;
use crate::models::artifact::{FeatureBuild, TrainingSummary};
use crate::models::calibration::{CalibrationMethod, CalibrationParams};
use crate::models::trained::{ModelParams, TrainedModel};
use crate::progress::{Progress, ProgressHook};

/// How to train a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// The model family and its parameters. Its progress hook also receives
    /// [`Progress::CrossValidation`], the folds finishing, and [`Progress::Fitting`].
    pub model: ModelParams,
    /// Folds of the cross-validation whose metrics the model file records: 0 (none) or 2–100.
    /// Default 5.
    pub cv_folds: usize,
    /// Calibrate the probabilities on out-of-fold predictions (the model file carries the
    /// calibrator); for `auto` this replaces the Platt map it may keep for its winner
    /// ([`crate::models::auto::AutoParams::calibrate`] is turned off). Default none.
    pub calibration: Option<CalibrationMethod>,
    /// How the training data's features were built (stored in the model, so the same features
    /// can be rebuilt for scoring and the label window is known). Default none.
    pub feature_build: Option<FeatureBuild>,
    /// Seed of the cross-validation folds and the calibration folds.
    pub seed: u64,
}

impl TrainParams {
    /// Trains `model` with 5-fold cross-validated metrics, no calibration, seeded.
    pub fn new(model: ModelParams, seed: u64) -> Self {
        TrainParams { model, cv_folds: 5, calibration: None, feature_build: None, seed }
    }

    /// Checks the parameters that are not the model's own.
    pub fn check(&self) -> Result<()> {
        if self.cv_folds == 1 || self.cv_folds > 100 {
            return Err(Error::param(
                "cv_folds",
                self.cv_folds,
                "0 (no cross-validation) or a number of folds from 2 to 100",
            ));
        }
        Ok(())
    }

    /// Cross-validates (when `cv_folds > 0`), fits on all of `data` (calibrated when asked) and
    /// returns the model with its training profile, feature build and metrics attached.
    pub fn fit(&self, data: &Dataset) -> Result<TrainedModel> {
        self.check()?;
        // One class only (every row churned, or none): said first, before the cross-validation
        // fails on it in its own terms (too few rows per fold, or a metric without both classes).
        let y = data.churned_or_err()?;
        if y.iter().all(|&c| c) || y.iter().all(|&c| !c) {
            return Err(Error::SingleClass { context: "the training data's target" });
        }
        // Each fold's training part needs both classes: with one row (or customer, when ids
        // repeat) of a class, the fold that tests it trains without it, and the fit failed deep
        // down ("only one class present in logistic regression") although the file has both.
        let fewest = crate::validation::FewestOutcome::of(data)?;
        if self.cv_folds > 0 && fewest.count < 2 {
            return Err(Error::param(
                "cv_folds",
                self.cv_folds,
                format!("only {fewest}: the fold that tests it would train without any; 0 skips the cross-validation"),
            ));
        }
        // A calibration asked for here replaces `auto`'s own: it is fitted on the raw out-of-fold
        // predictions, and the recorded cross-validation is of the uncalibrated model.
        let mut learner = self.model.clone();
        if self.calibration.is_some() {
            learner.auto = learner.auto.calibrate(false);
        }
        let hook = &learner.progress;
        let cv = if self.cv_folds > 0 {
            hook.report(Progress::CrossValidation { folds: self.cv_folds });
            // The folds' own fits stay quiet: their candidates would interleave.
            let mut quiet = learner.clone();
            quiet.progress = ProgressHook::none();
            Some(crate::evaluation::cv_metrics_with_progress(&quiet, data, self.cv_folds, self.seed, hook)?)
        } else {
            None
        };
        hook.report(Progress::Fitting);
        let model = match self.calibration {
            None => learner.fit(data)?,
            Some(method) => {
                let mut c = CalibrationParams::new(learner.clone(), method);
                c.seed = self.seed;
                c.fit(data)?.into_trained()
            }
        };
        let mut model = model.with_profile(data)?;
        if let Some(b) = &self.feature_build {
            model = model.with_feature_build(b.clone());
        }
        if let Some(cv) = cv {
            model.training.get_or_insert(TrainingSummary { as_of: None, cv: None }).cv = Some(cv);
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::boosted::synthetic::make_churn_matrix;
    use crate::models::trained::ModelKind;
    use crate::{Column, Dataset};
    use std::sync::{Arc, Mutex};

    fn data() -> Dataset {
        let s = make_churn_matrix(500, 3, 4);
        let cols = (0..3).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
        Dataset::new(cols).unwrap().with_churned(s.y.clone()).unwrap()
    }

    #[test]
    fn one_fold_is_refused() {
        let mut t = TrainParams::new(ModelParams::new(ModelKind::Logistic), 1);
        t.cv_folds = 1;
        assert!(matches!(t.fit(&data()), Err(Error::InvalidParameter { .. })));
    }

    #[test]
    fn progress_reports_cross_validation_then_the_fit() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut model = ModelParams::new(ModelKind::Logistic);
        model.progress = ProgressHook::new(move |p| sink.lock().unwrap().push(p.clone()));
        let mut t = TrainParams::new(model, 3);
        t.cv_folds = 4;
        t.calibration = Some(CalibrationMethod::Platt);
        let m = t.fit(&data()).unwrap();
        assert!(m.calibrator.is_some());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first(), Some(&Progress::CrossValidation { folds: 4 }));
        assert_eq!(seen.iter().filter(|p| matches!(p, Progress::FoldFinished { .. })).count(), 4);
        assert_eq!(seen.last(), Some(&Progress::Fitting));
    }

    #[test]
    fn same_seed_same_bytes() {
        let t = TrainParams::new(ModelParams::new(ModelKind::Gbdt), 9);
        let a = crate::models::file::to_json(&t.fit(&data()).unwrap()).unwrap();
        let b = crate::models::file::to_json(&t.fit(&data()).unwrap()).unwrap();
        assert_eq!(a, b);
    }
}
