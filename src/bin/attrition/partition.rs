//! `attrition partition`: a tables directory split by customer into Parquet partitions.

use std::path::PathBuf;

use attrition::Result;
use attrition::io::tables::ReadOptions;
use attrition::partition::{MAX_PARTITIONS, PartitionParams, partition_tables_into};

/// Arguments of `attrition partition`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory.
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Number of partitions (1–4096): each holds complete customers, by a hash of customer_id.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..=u64::from(MAX_PARTITIONS)))]
    partitions: u32,
    /// Output directory (a manifest `partitions.json` and `part-00000/` … with Parquet tables).
    #[arg(long)]
    out: PathBuf,
    /// Skip and count unreadable records instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut plan = args.force.plan().tables_input("--tables", &args.tables);
    if let Some(s) = &args.schema {
        plan = plan.input("--schema", s);
    }
    let schema = args.schema.as_deref().map(attrition::io::schema::Schema::read).transpose()?;
    let read = if args.lenient { ReadOptions::lenient() } else { ReadOptions::strict() };
    let params = PartitionParams::new(args.partitions).read(read);
    params.check()?;
    let out = plan.create_dir("--out", &args.out)?;
    let manifest = partition_tables_into(&args.tables, schema.as_ref(), &params, out.path())?;
    out.commit()?;
    for t in &manifest.tables {
        let rows = t.total_rows();
        let (min, max) = (t.rows.iter().min().copied().unwrap_or(0), t.rows.iter().max().copied().unwrap_or(0));
        print!("{}: {rows} rows into {} partitions ({min}–{max} each)", t.source.display(), manifest.partitions);
        if !t.report.skipped.is_empty() {
            let parts: Vec<String> = t.report.skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
            print!(", skipped {}", parts.join(", "));
        }
        println!();
    }
    println!("wrote {}", args.out.display());
    Ok(())
}
