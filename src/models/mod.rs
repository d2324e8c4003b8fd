//! Churn models: one trait pair shared by every model family.
//!
//! Hyper-parameters implement [`Learner`]: `fit(&Dataset) -> Result<Model>` returns a separate
//! fitted type implementing [`ChurnModel`], whose `predict_proba` gives P(churn) for each row.
//! Fitting uses [`Dataset::weights`] when set.

use crate::dataset::Dataset;
use crate::error::Result;

/// A fitted model that scores observations.
///
/// Implementations check that `data` has the features the model was trained on (names and
/// kinds) and return [`crate::Error::FeatureMismatch`] otherwise; they never panic on user data.
pub trait ChurnModel: Send + Sync {
    /// P(churn) for every row of `data`, in row order.
    fn predict_proba(&self, data: &Dataset) -> Result<Vec<f64>>;
}

/// Hyper-parameters that fit a [`ChurnModel`] on labelled data.
pub trait Learner: Sync {
    /// The fitted model type.
    type Model: ChurnModel;

    /// Fits on `data` (which must carry `churned`; uses `weights` when set).
    fn fit(&self, data: &Dataset) -> Result<Self::Model>;

    /// Fits on the rows `rows` of `data` (in that order): the same model as
    /// `self.fit(&data.take(rows))`, which is what the default does. Families that can read the
    /// rows in place override it so that cross-validation needs no copy of each fold's data
    /// ([`crate::models::trained::ModelParams`] does).
    fn fit_rows(&self, data: &Dataset, rows: &[usize]) -> Result<Self::Model> {
        self.fit(&data.take(rows))
    }
}

pub mod artifact;
pub mod auto;
pub mod boosted;
pub mod calibration;
pub mod ensemble;
pub mod file;
pub mod hist;
pub mod linfa;
pub mod logistic;
pub mod preprocess;
pub mod profile;
pub mod row;
pub mod train;
pub mod trained;
pub mod tree;
pub mod validate;
