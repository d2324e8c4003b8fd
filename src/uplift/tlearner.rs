//! The two-model ("T-") learner: one churn model per experiment arm.

use super::check_len;
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::models::{ChurnModel, Learner};

/// Parameters of a two-model uplift learner: the same [`Learner`] is fitted separately on the
/// control customers (giving `r0`, churn probability without the offer) and on the treated
/// customers (`r1`, with the offer).
///
/// ```
/// # use attrition::uplift::TLearnerParams;
/// # struct L;
/// let params = TLearnerParams::new(L).min_arm_rows(50);
/// assert_eq!(params.min_arm_rows_value(), 50);
/// ```
#[derive(Debug, Clone)]
pub struct TLearnerParams<L> {
    learner: L,
    min_arm_rows: usize,
}

impl<L> TLearnerParams<L> {
    /// Uses `learner` for both arms. Default `min_arm_rows` = 20.
    pub fn new(learner: L) -> Self {
        Self { learner, min_arm_rows: 20 }
    }

    /// Smallest number of rows each arm must have (default 20).
    pub fn min_arm_rows(mut self, n: usize) -> Self {
        self.min_arm_rows = n;
        self
    }

    /// The configured minimum rows per arm.
    pub fn min_arm_rows_value(&self) -> usize {
        self.min_arm_rows
    }

    /// The learner fitted on each arm.
    pub fn learner(&self) -> &L {
        &self.learner
    }
}

impl<L: Learner> TLearnerParams<L> {
    /// Fits the two arms (in parallel). `data.churned` is the experiment's outcome; `treated[i]`
    /// says whether row `i` received the offer. Sample weights in `data` are used by both arms.
    ///
    /// Errors: missing labels, length mismatch, an arm with fewer than `min_arm_rows` rows or a
    /// single outcome class, and any error of the underlying learner.
    pub fn fit(&self, data: &Dataset, treated: &[bool]) -> Result<TLearner<L::Model>> {
        data.churned_or_err()?;
        check_len("uplift: treated flags vs rows", data.n_rows(), &[treated.len()])?;
        let control_rows: Vec<usize> = (0..treated.len()).filter(|&i| !treated[i]).collect();
        let treated_rows: Vec<usize> = (0..treated.len()).filter(|&i| treated[i]).collect();
        for (arm, rows) in [("control", &control_rows), ("treated", &treated_rows)] {
            if rows.len() < self.min_arm_rows {
                return Err(Error::param(
                    "min_arm_rows",
                    self.min_arm_rows,
                    format!("the {arm} arm has only {} rows", rows.len()),
                ));
            }
        }
        let control_data = data.take(&control_rows);
        let treated_data = data.take(&treated_rows);
        let (control, treated) = rayon::join(|| self.learner.fit(&control_data), || self.learner.fit(&treated_data));
        Ok(TLearner {
            control: control?,
            treated: treated?,
            n_control: control_rows.len(),
            n_treated: treated_rows.len(),
        })
    }
}

/// A fitted two-model uplift learner.
#[derive(Debug, Clone)]
pub struct TLearner<M> {
    /// Churn model fitted on the control arm (no offer).
    pub control: M,
    /// Churn model fitted on the treated arm (offer made).
    pub treated: M,
    /// Rows the control model was fitted on.
    pub n_control: usize,
    /// Rows the treated model was fitted on.
    pub n_treated: usize,
}

impl<M: ChurnModel> TLearner<M> {
    /// Churn probabilities without (`r0`) and with (`r1`) the offer for every row of `data`.
    pub fn predict(&self, data: &Dataset) -> Result<UpliftPrediction> {
        let (r0, r1) = rayon::join(|| self.control.predict_proba(data), || self.treated.predict_proba(data));
        Ok(UpliftPrediction { r0: r0?, r1: r1? })
    }
}

/// Per-customer churn probabilities under both arms.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UpliftPrediction {
    /// P(churn) without the offer.
    pub r0: Vec<f64>,
    /// P(churn) with the offer.
    pub r1: Vec<f64>,
}

impl UpliftPrediction {
    /// Predicted reduction in churn probability from the offer, `r0 − r1` (positive = the offer
    /// helps). This is the uplift score to rank by when value is ignored.
    pub fn churn_reduction(&self) -> Vec<f64> {
        self.r0.iter().zip(&self.r1).map(|(a, b)| a - b).collect()
    }
}
