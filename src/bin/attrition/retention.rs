//! `attrition retention`: Kaplan–Meier retention by a study factor, with a log-rank test.

use std::path::PathBuf;

use attrition::Result;
use attrition::catalogue::EventCatalogue;
use attrition::features::infer_data_end;
use attrition::study::{customer_factors, retention_groups};
use attrition::survival::{LifetimeOptions, RetentionOptions, lifetimes, retention_by_group};

/// Arguments of `attrition retention`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory.
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Group by: products_held, upsell_90d, weekly_engaged, or any customer attribute (a column of
    /// customers.csv with at most 20 values, e.g. sales_approach, specialised_provider, plan).
    #[arg(long, default_value = "products_held")]
    by: String,
    /// Censor date: the last day the data covers (default: inferred from the tables).
    #[arg(long, value_parser = |s: &str| attrition::io::parse::parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD")))]
    censor: Option<chrono::NaiveDate>,
    /// Horizon in days (1–36500).
    #[arg(long, default_value_t = 730, value_parser = crate::common::range::days())]
    horizon_days: i64,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let loaded =
        crate::common::read_tables(&args.tables, args.schema.as_deref(), &args.event_types.read_options(false))?;
    crate::common::warn_tables(&loaded);
    if let Some(c) = &loaded.report.churn {
        eprintln!("{c}");
    }
    let tables = loaded.tables;
    let end = match args.censor {
        Some(d) => d,
        None => infer_data_end(&tables).ok_or(attrition::Error::EmptyData { context: "retention: no dates" })?,
    };
    let factors = customer_factors(&tables, &EventCatalogue::default(), Some(end))?;
    let groups = retention_groups(&tables, &factors, &args.by)?;
    let by = if args.by == "products" { "products_held" } else { args.by.as_str() };
    let life = lifetimes(&tables, &LifetimeOptions::new(end))?;
    let r = retention_by_group(
        &tables,
        &life,
        by,
        |c| groups.get(c as usize).cloned().flatten(),
        &RetentionOptions::default().horizon_days(args.horizon_days),
    )?;
    println!("Kaplan–Meier retention by {by} at {} days (95% CI), data up to {end}:", args.horizon_days);
    for g in &r.groups {
        println!(
            "  {:<14} n={:>7}  churned={:>6}  retention {:>5.1}% [{:.1}%, {:.1}%]  median {}",
            g.label,
            g.customers,
            g.churned,
            100.0 * g.km_retention,
            100.0 * g.km_ci.0,
            100.0 * g.km_ci.1,
            g.median_days.map_or("not reached".into(), |d| format!("{d:.0} days"))
        );
    }
    if let Some(l) = &r.logrank {
        println!("log-rank test: chi² = {:.2}, p = {:.3e}", l.statistic, l.p_value);
    }
    Ok(())
}
