//! What a model file carries besides the fitted model, so that one file is the deployable unit:
//! how its feature rows are built from raw tables ([`FeatureBuild`]: the resolved feature
//! catalogue and the label window its probability refers to) and what it was trained on
//! ([`TrainingSummary`]: the as-of date range and cross-validated metrics). The calibrator is
//! [`crate::models::calibration::Calibrator`]. All of them are optional parts of
//! [`TrainedModel`](super::trained::TrainedModel), checked by
//! [`TrainedModel::validate`](super::trained::TrainedModel::validate) and covered by the file's
//! checksum; a model file of schema version 2 (before these parts) loads with them absent.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::FeatureCatalogue;

/// The window a churn probability refers to: churn during `[as_of + lead, as_of + lead +
/// horizon)` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelWindow {
    /// Days between the as-of date and the start of the window.
    pub lead_days: u32,
    /// Length of the window in days.
    pub horizon_days: u32,
}

/// How a model's feature rows are built from raw tables: what `attrition features` used
/// (`--save-build`), stored in the model (`attrition train --feature-build`), so that
/// `attrition features --snapshot D --model model.json` builds exactly the model's features and
/// `attrition target` knows the label window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureBuild {
    /// The resolved feature catalogue (event types fixed; merged types recorded).
    pub catalogue: FeatureCatalogue,
    /// The label window of the training observations.
    pub label: LabelWindow,
}

impl FeatureBuild {
    /// A build from a *resolved* catalogue (as [`crate::features::build_observations`] returns it)
    /// and the label window; an unresolved catalogue is an error, since the same catalogue
    /// resolved on other data could give other columns.
    pub fn new(catalogue: FeatureCatalogue, lead_days: u32, horizon_days: u32) -> Result<FeatureBuild> {
        if !catalogue.is_resolved() {
            return Err(Error::param(
                "catalogue",
                "<unresolved>",
                "resolve it on the training tables first (FeatureCatalogue::resolve)",
            ));
        }
        Ok(FeatureBuild { catalogue, label: LabelWindow { lead_days, horizon_days } })
    }

    /// Reads a build written by [`FeatureBuild::to_json`] (`attrition features --save-build`).
    pub fn from_json(bytes: &[u8], path: Option<&std::path::Path>) -> Result<FeatureBuild> {
        let build: FeatureBuild = serde_json::from_slice(bytes)
            .map_err(|source| Error::Json { path: path.map(|p| p.to_path_buf()), source })?;
        if !build.catalogue.is_resolved() {
            return Err(Error::InvalidModel {
                path: path.map(|p| p.to_path_buf()),
                part: "feature_build".into(),
                reason: "its feature catalogue is not resolved (event types are not fixed)".into(),
            });
        }
        Ok(build)
    }

    /// The scoring snapshot of `tables` at `as_of` with exactly these features (see
    /// [`crate::features::snapshot`]).
    pub fn snapshot(&self, tables: &crate::io::tables::Tables, as_of: NaiveDate) -> Result<crate::Dataset> {
        crate::features::snapshot(tables, as_of, &self.catalogue)
    }

    /// Pretty JSON of the build, as `attrition features --save-build` writes it.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut v = serde_json::to_vec_pretty(self).map_err(|source| Error::Json { path: None, source })?;
        v.push(b'\n');
        Ok(v)
    }
}

/// First and last as-of date of the training observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// Earliest as-of date.
    pub first: NaiveDate,
    /// Latest as-of date.
    pub last: NaiveDate,
}

impl DateRange {
    /// The range of `dates`; `None` when empty.
    pub fn of(dates: &[NaiveDate]) -> Option<DateRange> {
        Some(DateRange { first: *dates.iter().min()?, last: *dates.iter().max()? })
    }
}

/// Out-of-sample metrics of the model's parameters on its training data: pooled out-of-fold
/// predictions of `folds`-fold cross-validation (grouped by id when ids repeat), measured by
/// [`crate::evaluation::cv_metrics`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvMetrics {
    /// Folds.
    pub folds: usize,
    /// Seed of the folds.
    pub seed: u64,
    /// ROC-AUC.
    pub roc_auc: f64,
    /// Average precision.
    pub pr_auc: f64,
    /// Log-loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Churn rate of the riskiest 10% over the overall rate.
    pub top_decile_lift: f64,
}

/// What a model was trained on and how it did out of sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// As-of dates of the training observations, when the data had them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateRange>,
    /// Cross-validated metrics, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvMetrics>,
}
