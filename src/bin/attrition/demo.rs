//! `attrition demo`: the library study with its default settings on the bundled sample (or a
//! simulated world), written to `report/index.html` with the CSVs behind it.

use std::path::{Path, PathBuf};

use attrition::Result;
use attrition::study::StudyConfig;

use crate::study::{Input, execute};

/// Arguments of `attrition demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory to study (default: the bundled sample, `datasets/sample`).
    #[arg(long)]
    tables: Option<PathBuf>,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Instead of the sample, simulate a world of this many customers (1–10,000,000; 24 months,
    /// seed 7).
    #[arg(long, value_parser = crate::common::range::count(1, crate::common::range::MAX_CUSTOMERS))]
    customers: Option<usize>,
    /// An event catalogue (JSON from `attrition catalogue`, possibly edited) for the tables' event
    /// types. Default: the simulator's catalogue when the data uses its event names, otherwise
    /// the one discovered from the tables.
    #[arg(long)]
    event_catalogue: Option<PathBuf>,
    /// Output directory of the report. It appears only when complete; an existing directory is
    /// replaced only with --force, or when attrition wrote it and nothing was added since.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Seed of every random choice (any whole number 0–2⁶⁴ − 1).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// No progress output, only the final summary line.
    #[arg(long)]
    quiet: bool,
    /// How the report writes money: a symbol before the amount (`$`, `€`, `£`), a code after it
    /// (`EUR`), or "" for plain numbers.
    #[arg(long, default_value = "$")]
    currency: String,
    /// A previous run's scores.csv: the report gains a "Changes since the last run" section
    /// (new and lost customers, who became worth contacting, the largest increases of risk).
    #[arg(long)]
    previous: Option<PathBuf>,
}

fn sample_dir() -> PathBuf {
    let local = Path::new("datasets/sample");
    if local.join("customers.csv").exists() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample")
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut config = StudyConfig::default();
    config.models.seed = args.seed;
    config.report.currency = args.currency;
    config.report.previous = args.previous;
    config.data.event_catalogue = args.event_catalogue;
    let input = match args.customers {
        Some(n) => Input::Simulated(n),
        None => Input::Tables(args.tables.unwrap_or_else(sample_dir), args.schema, args.event_types),
    };
    execute(config, input, &args.out, &args.force, args.quiet)
}
