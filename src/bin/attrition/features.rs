//! `attrition features`: point-in-time observations (labelled) or a scoring snapshot, as CSV.

use std::path::PathBuf;
use std::time::Instant;

use attrition::Result;
use attrition::features::{Cadence, DEFAULT_MAX_EVENT_TYPES, FeatureCatalogue};
use attrition::io::output::Output;
use attrition::io::parse::parse_date;
use attrition::io::quality::DataQuality;
use attrition::io::tables::ReadOptions;
use chrono::NaiveDate;

mod build;
mod catalogue;
#[cfg(feature = "parquet")]
mod partitioned;
use catalogue::event_catalogue_for;

pub(crate) fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn cadence_arg(s: &str) -> std::result::Result<Cadence, String> {
    s.parse::<Cadence>().map_err(|e| e.to_string())
}

/// Arguments of `attrition features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory (customers.csv, subscriptions.csv, events.csv, nps.csv).
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    /// First as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg, required_unless_present = "snapshot")]
    from: Option<NaiveDate>,
    /// Last as-of date (YYYY-MM-DD), included when the cadence lands on it.
    #[arg(long, value_parser = date_arg, required_unless_present = "snapshot")]
    to: Option<NaiveDate>,
    /// Cadence of as-of dates: `7d`, `2w`, `1m`, …
    #[arg(long, value_parser = cadence_arg, default_value = "1m")]
    every: Cadence,
    /// Days between the as-of date and the label window (0–36500).
    #[arg(long, default_value_t = attrition::features::DEFAULT_LEAD_DAYS, value_parser = crate::common::range::days_u32(0))]
    lead_days: u32,
    /// Length of the label window in days (1–36500).
    #[arg(long, default_value_t = attrition::features::DEFAULT_HORIZON_DAYS, value_parser = crate::common::range::days_u32(1))]
    horizon_days: u32,
    /// Last day present in the data (default: inferred from the tables).
    #[arg(long, value_parser = date_arg)]
    data_end: Option<NaiveDate>,
    /// Instead of labelled observations: unlabelled features of the customers active on the day
    /// before this date, for scoring.
    #[arg(long, value_parser = date_arg, conflicts_with_all = ["from", "to", "data_end"])]
    snapshot: Option<NaiveDate>,
    /// A feature catalogue (JSON) to use instead of the standard one, e.g. one saved with
    /// `--save-catalogue` when the training features were built.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Write the resolved feature catalogue (JSON) here.
    #[arg(long)]
    save_catalogue: Option<PathBuf>,
    /// Write how the features were built (resolved catalogue and label window, JSON) here, for
    /// `attrition train --feature-build`, which stores it in the model file.
    #[arg(long, conflicts_with = "snapshot")]
    save_build: Option<PathBuf>,
    /// With `--snapshot`: build exactly the features of this model (the feature build its file
    /// records; see `train --feature-build`).
    #[arg(long, requires = "snapshot", conflicts_with_all = ["catalogue", "event_catalogue", "max_event_types"])]
    model: Option<PathBuf>,
    /// An event catalogue (JSON, from `attrition catalogue`, possibly edited) giving the core,
    /// sticky and signal event types. Default: the simulator's catalogue when the data uses its
    /// event names, otherwise one discovered from the tables.
    #[arg(long, conflicts_with = "catalogue")]
    event_catalogue: Option<PathBuf>,
    /// Most usage event types with per-type features (1–65535); rarer types are merged into one
    /// `*_other_types` feature per metric, and counted. Unlike the other commands' flag of this
    /// name, the merge is made by the feature catalogue rather than when reading: signal types are
    /// never merged, and a saved catalogue (`--save-catalogue`, `--model`) names the kept types,
    /// so later data is scored with the same columns.
    #[arg(long, default_value_t = DEFAULT_MAX_EVENT_TYPES as u16, conflicts_with = "catalogue",
          value_parser = clap::value_parser!(u16).range(1..))]
    max_event_types: u16,
    /// Keep the observations of a seeded sample of this share of customers, in (0, 1]: all
    /// as-of dates of each customer kept (training data for a population too large to train on).
    #[arg(long, conflicts_with = "snapshot", value_parser = crate::common::range::above(0.0, 1.0))]
    sample_customers: Option<f64>,
    /// Seed of --sample-customers (any whole number 0–2⁶⁴ − 1; the same seed keeps the same customers).
    #[arg(long, default_value_t = 42, requires = "sample_customers")]
    sample_seed: u64,
    /// Output CSV (`-`: standard output; messages then go to standard error).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Skip and count bad input rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    /// No progress spinners on stderr (what was read, built and written is still printed).
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: Args) -> Result<()> {
    // Outputs are checked before anything is read or written.
    let mut plan = a.force.plan().tables_input("--tables", &a.tables);
    for (flag, input) in
        [("--catalogue", &a.catalogue), ("--event-catalogue", &a.event_catalogue), ("--model", &a.model)]
    {
        if let Some(c) = input {
            plan = plan.input(flag, c);
        }
    }
    let mut outputs = vec![Output::file("--out", &a.out)];
    if let Some(p) = &a.save_catalogue {
        outputs.push(Output::file("--save-catalogue", p));
    }
    if let Some(p) = &a.save_build {
        outputs.push(Output::file("--save-build", p));
    }
    plan.check_outputs(&outputs)?;
    crate::output_path(&a.out);

    let saved = catalogue::saved(&a)?;

    #[cfg(feature = "parquet")]
    if attrition::partition::is_partitioned(&a.tables) {
        return partitioned::run(&a, saved);
    }

    let t0 = Instant::now();
    let pb = crate::progress::spinner(a.quiet, &format!("reading {}", a.tables.display()));
    let opts = if a.lenient { ReadOptions::lenient() } else { ReadOptions::strict() };
    let loaded = crate::common::read_tables(&a.tables, a.schema.as_deref(), &opts);
    pb.finish_and_clear();
    let loaded = loaded?;
    print!("{}", loaded.report);
    // The data-quality findings, collected in one place and printed as they are made.
    let mut quality = DataQuality::from_tables(&loaded.report);
    crate::common::print_quality(&quality);
    let tables = loaded.tables;
    println!("read in {:.1} s", t0.elapsed().as_secs_f64());
    let catalogue = match saved {
        Some(c) => c,
        None => FeatureCatalogue::standard()
            .with_events(event_catalogue_for(&tables, a.event_catalogue.as_ref())?)
            .with_max_event_types(Some(usize::from(a.max_event_types))),
    };

    let t1 = Instant::now();
    let (dataset, resolved) = build::dataset(&a, &tables, catalogue, &mut quality)?;
    let merged = DataQuality::from_merged(resolved.merged_event_types.as_ref());
    crate::common::print_quality(&merged);
    quality.extend(merged);
    let build_secs = t1.elapsed().as_secs_f64();
    println!("built in {build_secs:.2} s ({:.1} M events/s)", tables.events.len() as f64 / build_secs.max(1e-9) / 1e6);

    build::write_outputs(&a, &dataset, &resolved, &quality)
}
