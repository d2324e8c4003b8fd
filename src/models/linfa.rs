//! Our model families through linfa's `Fit` / `PredictInplace` traits, so they compose with the
//! linfa ecosystem (`linfa::DatasetBase` with `f64` records and `bool` targets; `true` = churned).
//!
//! Records are the numeric model matrix (no preprocessing: use
//! [`crate::models::preprocess`] or linfa's own transformers first). Sample weights of the
//! dataset are used when present. `predict` gives P(churn).
//!
//! **Errors.** linfa's `PredictInplace` returns nothing, so it cannot report a records matrix
//! of the wrong width: through it such a matrix yields `NaN` for every row. The checked form is
//! the model's inherent `predict_proba(records.view())`, which returns
//! [`crate::Error::FeatureMismatch`] instead; use it wherever the width is not known to match.
//!
//! ```
//! use attrition::models::logistic::LogisticParams;
//! use linfa::prelude::*;
//! use ndarray::{array, Array1};
//! let ds = DatasetBase::new(array![[0.0], [1.0], [2.0], [3.0]], array![false, false, true, true]);
//! let model = LogisticParams::new().fit(&ds).unwrap();
//! let p: Array1<f64> = model.predict(ds.records());
//! assert!(p[3] > p[0]);
//! // Two columns for a one-feature model: NaN through linfa, an error through the checked form.
//! let wide = array![[0.0, 1.0], [2.0, 3.0]];
//! let p: Array1<f64> = model.predict(&wide);
//! assert!(p.iter().all(|v| v.is_nan()));
//! assert!(matches!(model.predict_proba(wide.view()), Err(attrition::Error::FeatureMismatch { .. })));
//! ```

use linfa::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2};

use super::boosted::{BoostedParams, Booster};
use super::logistic::{LogisticModel, LogisticParams};
use super::tree::{DecisionTree, TreeParams};
use crate::error::Error;

fn parts(ds: &DatasetBase<Array2<f64>, Array1<bool>>) -> (Vec<bool>, Option<Vec<f64>>) {
    let y = ds.targets().to_vec();
    let w = ds.weights().filter(|w| !w.is_empty()).map(|w| w.iter().map(|&v| f64::from(v)).collect());
    (y, w)
}

macro_rules! family {
    ($params:ty, $model:ty) => {
        impl Fit<Array2<f64>, Array1<bool>, Error> for $params {
            type Object = $model;

            fn fit(&self, ds: &DatasetBase<Array2<f64>, Array1<bool>>) -> Result<$model, Error> {
                let (y, w) = parts(ds);
                self.fit_matrix(ds.records().view(), &y, w.as_deref())
            }
        }

        impl PredictInplace<Array2<f64>, Array1<f64>> for $model {
            fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<f64>) {
                match self.predict_proba(x.view()) {
                    Ok(p) if p.len() == y.len() => y.iter_mut().zip(p).for_each(|(o, v)| *o = v),
                    _ => y.fill(f64::NAN),
                }
            }

            fn default_target(&self, x: &Array2<f64>) -> Array1<f64> {
                Array1::zeros(x.nrows())
            }
        }
    };
}

family!(LogisticParams, LogisticModel);
family!(TreeParams, DecisionTree);
family!(BoostedParams, Booster);
