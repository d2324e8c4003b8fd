//! # attrition
//!
//! Predict which SaaS customers will churn, explain why, and say which of them are worth saving.
//!
//! The crate follows a churn analyst's workflow:
//!
//! 1. **Read** the raw SaaS tables (customers, subscriptions, usage events, NPS) with
//!    [`io::tables::read_tables`], or any flat CSV with [`io::flat::load_flat`].
//! 2. **Build point-in-time features** (module `features`): one observation per customer and as-of
//!    date, using only what happened before that date, labelled by churn in a later window.
//! 3. **Fit and evaluate models** (module `models`, `metrics`): logistic, tree, boosted and ensemble models,
//!    cross-validated out of sample.
//! 4. **Explain and score**: per-customer reasons, risk tiers.
//! 5. **Target profitably** (module `profit`): CLV, expected campaign profit, EMPC, uplift.
//! 6. **Report** the business: KPIs (module `kpi`), retention curves (module `survival`).
//!
//! Every probability in this crate is P(churn); every label is `churned: bool`.
//!
//! # Quickstart
//!
//! An application needs `use attrition::prelude::*;`: load a model from bytes
//! ([`models::trained::TrainedModel::from_reader`]), build one customer's row by feature name
//! (`model.row().num("tenure_days", 40.0).cat("vertical", "restaurants").build()?`), score it
//! with reasons (`model.score_one(&row)?`), and stream a CSV from any reader
//! ([`scoring::score_reader`]). `examples/quickstart.rs` does all of it on the bundled sample;
//! this doctest runs that file:
//!
//! ```
//! # mod quickstart { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/quickstart.rs")); }
//! # fn main() { quickstart::main().unwrap(); }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod dataset;
pub mod error;
pub mod evaluation;
pub mod experiment;
pub mod export;
pub mod features;
pub mod io;
pub mod kpi;
pub mod metrics;
pub mod models;
#[cfg(feature = "parquet")]
pub mod partition;
pub mod prelude;
pub mod profit;
pub mod progress;
pub mod report;
pub mod scoring;
pub mod simulate;
pub mod study;
pub mod survival;
pub mod uplift;
pub mod validation;

pub use dataset::{Column, ColumnData, ColumnKind, Dataset};
pub use error::{Error, Result};
