//! What an application embedding the crate usually needs, in one `use`:
//!
//! ```
//! use attrition::prelude::*;
//! ```
//!
//! It brings the data types ([`Dataset`], [`Column`]), the model types and traits
//! ([`TrainedModel`], [`ModelParams`], [`ModelKind`], [`Learner`], [`ChurnModel`] — so
//! `predict_proba` resolves), the readers ([`load_flat`], [`load_flat_from_reader`],
//! [`read_tables`], [`read_tables_from`]), streaming scoring ([`score_csv`], [`score_reader`])
//! and the crate's [`Error`] and [`Result`].

pub use crate::dataset::{Column, ColumnKind, Dataset};
pub use crate::error::{Error, Result};
pub use crate::io::flat::{FlatOptions, LoadedFlat, load_flat, load_flat_from_reader};
pub use crate::io::tables::{ReadOptions, Strictness, TableInput, TableInputs, read_tables, read_tables_from};
pub use crate::models::row::{Reason, Row, RowBuilder, RowScore};
pub use crate::models::trained::{ModelKind, ModelParams, TrainedModel};
pub use crate::models::{ChurnModel, Learner};
pub use crate::scoring::{ScoreOptions, ScoreReport, score_csv, score_reader};
