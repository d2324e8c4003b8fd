//! Arguments and helpers shared by the modelling subcommands.

use attrition::io::output::OutputPlan;

mod data;
mod model;
pub mod range;
mod tables;

pub use data::{
    ColumnArgs, DataArgs, about_columns, about_model, parse_delimiter_arg, print_load_warnings, reading_for_model,
    with_id,
};
pub use model::ModelArgs;
#[cfg(feature = "parquet")]
pub use tables::warn_partitions;
pub use tables::{EventTypesArgs, partitioned, print_quality, read_tables, warn_tables};

/// `--force`, shared by every command that writes a file or directory.
#[derive(Debug, clap::Args)]
pub struct ForceArgs {
    /// Replace existing outputs. Without it an existing output is an error (nothing is written).
    /// An output that is one of the inputs is refused either way.
    #[arg(long)]
    pub force: bool,
}

impl ForceArgs {
    /// The output checks with this policy; add the command's inputs.
    pub fn plan(&self) -> OutputPlan {
        OutputPlan::new().force(self.force)
    }
}
