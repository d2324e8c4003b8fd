//! `attrition simulate`: write a calibrated world of SMB customers and print the study's
//! findings measured from the written tables.

use std::path::PathBuf;
use std::time::Instant;

use attrition::Result;
use attrition::catalogue::EventCatalogue;
use attrition::io::output::{Output, write_bytes};
use attrition::io::schema::Schema;
use attrition::io::tables::{ReadOptions, read_tables_with};
use attrition::simulate::{SimulationParams, obfuscate_events, simulate};
use attrition::study::measure_findings;

mod print;

/// Months of history the study's two-year findings need (a first-month signup followed for 700
/// days).
const STUDY_MONTHS: u32 = 24;

/// The file format `simulate --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TablesFormat {
    /// CSV files (the contract).
    Csv,
    /// Parquet files with native types.
    Parquet,
    /// A Segment-style export: events as JSON Lines (`userId`, `event`, epoch-ms `timestamp`,
    /// `properties.account_id`), accounts and billing under other column names, MRR in cents,
    /// and the `schema.toml` that reads them.
    Segment,
}

/// `simulate --format parquet`: the tables as Parquet files.
#[cfg(feature = "parquet")]
fn write_parquet_tables(tables: &attrition::io::tables::Tables, dir: &std::path::Path) -> Result<()> {
    attrition::io::parquet::write_tables(tables, dir)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet_tables(_: &attrition::io::tables::Tables, _: &std::path::Path) -> Result<()> {
    Err(attrition::Error::param(
        "format",
        "parquet",
        "this build of attrition has no Parquet support (cargo feature `parquet`)",
    ))
}

/// Arguments of `attrition simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of customers (1–10,000,000).
    #[arg(long, default_value_t = 100_000,
          value_parser = crate::common::range::count(1, crate::common::range::MAX_CUSTOMERS))]
    customers: usize,
    /// Months of history (1–240). The retention campaign is in month 12 (halfway through a world
    /// of 12 months or less; none in one month); the study's findings need 24 months.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=240))]
    months: u32,
    /// Seed of every random choice (same seed, same bytes; any whole number 0–2⁶⁴ − 1).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Share of customers in the launch (first-month) cohort, in [0, 1].
    #[arg(long, default_value_t = 0.3, value_parser = crate::common::range::unit())]
    launch_share: f64,
    /// Multiplier on usage-event volume, in (0, 10].
    #[arg(long, default_value_t = 1.0, value_parser = crate::common::range::above(0.0, 10.0))]
    event_scale: f64,
    /// Output directory for the tables (appears only when complete).
    #[arg(long)]
    out: PathBuf,
    /// Hide the event names behind codes (`ev_01`, …, in a seeded order) and write the key
    /// (code ↔ name, JSON) to this file, which must be outside the tables directory.
    #[arg(long, value_name = "KEY_FILE")]
    obfuscate_events: Option<PathBuf>,
    /// File format of the tables: `csv` (the contract's CSV files), `parquet` (NAME.parquet with
    /// native types; read back without a schema file) or `segment` (a Segment-style export with
    /// its schema file: read back with `--schema OUT/schema.toml`).
    #[arg(long, value_enum, default_value_t = TablesFormat::Csv)]
    format: TablesFormat,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// No progress output and no summary: only errors and warnings (on standard error).
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let params = SimulationParams::new(args.customers, args.months, args.seed)
        .launch_share(args.launch_share)
        .event_scale(args.event_scale);
    let outputs = args.force.plan();
    if let Some(key) = &args.obfuscate_events {
        let dir = std::path::absolute(&args.out).map_err(|e| attrition::Error::io("resolve", &args.out, e))?;
        let key_abs = std::path::absolute(key).map_err(|e| attrition::Error::io("resolve", key, e))?;
        if key_abs.starts_with(&dir) {
            return Err(attrition::Error::param(
                "obfuscate-events",
                key.display(),
                format!("the key must be kept out of the tables directory {}", args.out.display()),
            ));
        }
        // The same through symbolic links or `..`.
        outputs.check_outputs(&[Output::dir("--out", &args.out), Output::file("--obfuscate-events", key)])?;
    }
    let out = outputs.create_dir("--out", &args.out)?;
    let t = Instant::now();
    let pb = crate::progress::spinner(
        args.quiet,
        &format!("simulating {} customers over {} months", args.customers, args.months),
    );
    let mut world = simulate(&params)?;
    let mut catalogue = EventCatalogue::default();
    // The key is written once the tables are in place.
    let mut key_text = None;
    if let Some(key_path) = &args.obfuscate_events {
        let key = obfuscate_events(&mut world.tables, args.seed);
        catalogue = key.encode_catalogue(&catalogue);
        let text = serde_json::to_string_pretty(&key)
            .map_err(|source| attrition::Error::Json { path: Some(key_path.clone()), source })?;
        key_text = Some((key_path, text + "\n"));
    }
    pb.set_message(format!("writing {}", args.out.display()));
    match args.format {
        TablesFormat::Csv => world.tables.write_dir(out.path())?,
        TablesFormat::Parquet => write_parquet_tables(&world.tables, out.path())?,
        TablesFormat::Segment => attrition::io::segment::write_tables(&world.tables, out.path())?,
    }
    pb.set_message("re-reading the written tables to measure the findings");
    let schema = match args.format {
        TablesFormat::Segment => Some(Schema::read(out.path().join(attrition::io::segment::SCHEMA_FILE))?),
        TablesFormat::Csv | TablesFormat::Parquet => None,
    };
    let loaded = read_tables_with(out.path(), schema.as_ref(), &ReadOptions::strict())?;
    // The study follows the first-month cohort for two years: a shorter world has no findings
    // to measure, and says so instead of failing after the tables are written.
    let findings = match measure_findings(&loaded.tables, &catalogue) {
        Ok(f) => Ok(f),
        Err(attrition::Error::EmptyData { context }) => Err(context),
        Err(e) => return Err(e),
    };
    out.commit()?;
    if let Some((key_path, text)) = &key_text {
        write_bytes(key_path, text.as_bytes(), outputs.overwrite_policy())?;
    }
    pb.finish_and_clear();
    if !args.quiet {
        print::summary(&args, &loaded.tables, &params, &findings, t.elapsed().as_secs_f64());
    }
    Ok(())
}
