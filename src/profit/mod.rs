//! Which customers are worth saving? Customer lifetime value, the expected profit of a retention
//! campaign, and profit-based model evaluation.
//!
//! - [`clv`]: per-customer CLV from margin × MRR over the expected remaining lifetime, discounted
//!   monthly, from a churn probability (geometric retention) or a survival curve;
//! - [`campaign`]: Verbraken et al. (2013) expected value of contacting each customer, the ranked
//!   target list, the profit curve over campaign size and its best size, compared with ranking by
//!   churn probability alone, and the realised profit of a target list on labelled hold-out data;
//! - [`emp`]: MPC, EMPC and EMPB, the profit-based counterparts of AUC, matching `empulse`.
//!
//! Sunil Gupta's point, which this module makes measurable: a retention budget should go where the
//! offer creates the most profit, not to the most likely churners.

pub mod campaign;
pub mod clv;
pub mod emp;

pub use campaign::{CampaignParams, CampaignPlan, CampaignSummary, ProfitCurve, plan_campaign, realised_profit};
pub use clv::{ClvEstimate, ClvParams, clv_from_churn_probability, clv_from_survival};
pub use emp::{EmpScore, EmpbParams, EmpcParams, MpcParams, empb_score, empc_score, mpc_score};
