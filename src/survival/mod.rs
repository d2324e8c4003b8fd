//! Survival and retention: how long do customers stay, and who stays longer?
//!
//! The vocabulary is lifelines': a subject has a `duration`, `event_observed` (the customer churned)
//! or not (censored: still a customer when observation stopped), an optional late `entry` (left
//! truncation) and an optional weight ([`SurvivalData`]).
//!
//! - [`KaplanMeier`] fits a [`SurvivalCurve`] with Greenwood variance and lifelines' default
//!   (exponential Greenwood) confidence interval; the curve gives the median lifetime, the restricted
//!   mean (RMST) to a horizon and conditional survival S(t + s)/S(s).
//! - [`logrank_test`] compares two or more groups.
//! - From the raw tables: [`lifetimes`] turns subscriptions into customer lifetimes at an explicit
//!   censor date (with optional left truncation); [`retention_by_group`] gives Kaplan–Meier curves,
//!   the retention at a horizon and a log-rank test per customer group (e.g. by [`Factor`]);
//!   [`cohort_matrix`] is the signup-cohort × months-since-signup retention matrix.
//! - [`cap_groups`] keeps a grouping column's largest levels and merges the rest into one
//!   counted `(other)` group (`km --by` with more levels than `--max-groups`).
//!
//! All values match lifelines 0.30 to 1e-9 (reference vectors in `tests/survival_lifelines.rs`).
//!
//! ```
//! use attrition::survival::{KaplanMeier, SurvivalData, logrank_test};
//! let monthly = SurvivalData::new(vec![3.0, 5.0, 5.0, 9.0, 12.0], vec![true, true, false, true, false]).unwrap();
//! let annual = SurvivalData::new(vec![12.0, 12.0, 14.0, 20.0, 24.0], vec![false, true, false, true, false]).unwrap();
//! let curve = KaplanMeier::new().fit(&monthly).unwrap();
//! assert_eq!(curve.survival_at(4.0), 0.8);
//! let test = logrank_test(&[&monthly, &annual]).unwrap();
//! assert_eq!(test.degrees_of_freedom, 1);
//! ```

mod cohort;
mod data;
mod factors;
mod groups;
mod kaplan_meier;
mod lifetimes;
mod logrank;
mod retention;

pub use cohort::{CohortMatrix, CohortRow, PooledAge, cohort_matrix};
pub use data::{SurvivalCounts, SurvivalData};
pub use factors::Factor;
pub use groups::{CappedGroups, GroupCap, OTHER_GROUP, cap_groups};
pub use kaplan_meier::{CurvePoint, KaplanMeier, SurvivalCurve};
pub(crate) use lifetimes::subscriptions_by_customer;
pub use lifetimes::{Lifetime, LifetimeOptions, LifetimeReport, LifetimeStart, Lifetimes, lifetimes};
pub use logrank::{LogRankResult, logrank_test, logrank_test_counts};
pub use retention::{
    GroupRetention, ObservedRetention, RetentionByGroup, RetentionCounts, RetentionOptions, retention_by_group,
};
