//! Reading and writing data: the raw SaaS tables ([`tables`]) and flat CSV tables ([`flat`]).
//!
//! Every output goes through [`output`]: written to a temporary file and renamed when complete,
//! never onto an input. Wherever a single file is read or written, the path `-` means standard
//! input or standard output.

pub mod attributes;
pub mod churn;
pub mod csv_out;
pub(crate) mod csvfile;
pub mod event_types;
mod events_csv;
#[cfg(feature = "parquet")]
mod events_parquet;
mod events_text;
pub mod flat;
pub mod jsonl;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod parse;
pub mod quality;
pub(crate) mod read;
pub mod schema;
pub mod segment;
pub mod tables;
mod write;
pub mod write_flat;

pub use csvfile::{
    DELIMITERS, FileReport, InputFormat, MAX_FIELD_BYTES, MAX_RECORD_BYTES, delimiter_name, sniff_delimiter,
};
