//! Reading and writing data: the raw SaaS tables ([`tables`]) and flat CSV tables ([`flat`]).

pub(crate) mod csvfile;
pub mod flat;
pub mod parse;
mod read;
pub mod tables;
mod write;
pub mod write_flat;

pub use csvfile::FileReport;
