//! Trained models taken to where the data lives.
//!
//! [`sql`]: a [`crate::models::trained::TrainedModel`] as one SQL `SELECT` that computes
//! `p_churn` and the risk tier from a table of feature columns, for DuckDB, Spark SQL,
//! PostgreSQL, BigQuery and Snowflake — warehouses then score in place, without our binary and
//! without exporting customer data.
//!
//! [`xgboost`]: a boosted-trees model as an XGBoost JSON model file, for XGBoost, shap,
//! Treelite and BigQuery ML.

pub mod sql;
pub mod xgboost;
