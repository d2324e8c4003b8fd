//! Uplift: who does a retention offer actually save, and is saving them profitable?
//!
//! A churn model answers "who will leave?". A retention budget needs a different answer: "whose
//! decision does the offer *change*, and by how much money?" (Lemmens & Gupta 2020, *Managing
//! Churn to Maximize Profits*, Marketing Science 39(5)). With data from a randomised retention
//! experiment (some customers offered the incentive at random, the rest held out as control) this
//! module:
//!
//! - fits a **two-model (T-) learner** ([`TLearnerParams`]): one churn model on the control group
//!   (`r0`: churn probability without the offer) and one on the treated group (`r1`: with it), from
//!   any [`Learner`] — in practice the boosted trees;
//! - or an **X-learner** ([`XLearnerParams`], Künzel et al. 2019): the same two models, then each
//!   customer's effect imputed from the other arm's model and regressed with boosted trees;
//! - turns `r0`, `r1` and customer values into the **expected profit lift** of targeting each
//!   customer ([`profit_lift`], both of the paper's offer terms);
//! - alternatively learns the targeting rule **directly with a profit-weighted objective**
//!   ([`ProfitWeighting`]): the experiment's realised profits become an inverse-propensity
//!   "transformed outcome" whose expectation is the profit lift; a classifier fitted on its sign
//!   with `|value|` sample weights minimises the paper's profit loss;
//! - evaluates any ranking on held-out experiment customers: the **campaign-profit curve**
//!   ([`campaign_profit_curve`], treated stayers' value minus control stayers' value per capita,
//!   times the number targeted) and the **Qini curve / coefficient** ([`qini_curve`],
//!   [`qini_coefficient`], identical to scikit-uplift's definitions).
//!
//! ```
//! use attrition::uplift::{profit_lift, OfferTerms, ProfitLiftParams};
//!
//! // Without the offer 40% churn, with it 25%; the customer is worth 1,000 if they stay,
//! // 900 when they take the offer (it costs δ = 100 when paid only on renewal).
//! let params = ProfitLiftParams::new(100.0, OfferTerms::PaidOnRenewal);
//! let pi = profit_lift(&[0.40], &[0.25], &[1000.0], &[1000.0], &params).unwrap();
//! // (1 − 0.25)(1000 − 100) − (1 − 0.40)·1000 = 675 − 600 = 75
//! assert!((pi[0] - 75.0).abs() < 1e-12);
//! ```

mod evaluate;
mod objective;
mod tlearner;
mod value;
mod xlearner;

pub use evaluate::{CampaignProfitParams, QiniCurve, campaign_profit_curve, qini_coefficient, qini_curve};
pub use objective::{ProfitWeighting, ProfitWeights, clv_sample_weights};
pub use tlearner::{TLearner, TLearnerParams, UpliftPrediction};
pub use value::{OfferTerms, ProfitLiftParams, profit_lift};
pub use xlearner::{XLearner, XLearnerParams};

#[cfg(doc)]
use crate::models::Learner;

use crate::error::{Error, Result};

/// Checks that every slice has length `n`.
fn check_len(context: &'static str, n: usize, lens: &[usize]) -> Result<()> {
    for &len in lens {
        if len != n {
            return Err(Error::LengthMismatch { context, left: n, right: len });
        }
    }
    Ok(())
}

/// Checks that every value is finite.
fn check_finite(context: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(Error::NonFinite { context: context.to_string(), row, value: values[row] }),
        None => Ok(()),
    }
}
