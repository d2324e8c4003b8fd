//! `attrition catalogue`: discover the event catalogue (core, sticky, signal, other) from the
//! tables and write it as an editable JSON file.

use std::path::PathBuf;

use attrition::Result;
use attrition::catalogue::{CatalogueEntry, CatalogueFile, Discovery, DiscoveryParams, EventRole, discover};
use attrition::io::output::write_bytes;
use attrition::io::parse::parse_date;
use chrono::NaiveDate;

use crate::progress::spinner;

fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

/// Arguments of `attrition catalogue`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory (customers.csv, subscriptions.csv, events.csv, nps.csv).
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Output catalogue (JSON); edit its `role` fields and pass it to `features --event-catalogue`.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Use data up to this day only (default: the data end), e.g. the day before an evaluation
    /// period, so that roles are chosen without knowledge of later churns.
    #[arg(long, value_parser = date_arg)]
    until: Option<NaiveDate>,
    /// Adoption window and landmark day (1–3650): adopters and non-adopters are compared among
    /// customers still active on this day after signup, from this day on.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    landmark_days: u32,
    /// Days after the landmark at which retention is compared (1–3650).
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..=3650))]
    horizon_days: u32,
    /// Smallest activity-adjusted churn risk ratio of a signal, in (0, 1000].
    #[arg(long, default_value_t = 1.25, value_parser = crate::common::range::above(0.0, 1000.0))]
    signal_min_risk_ratio: f64,
    /// Print every event type (default: the core, sticky and signal types and the 20 most
    /// used others).
    #[arg(long)]
    all: bool,
    /// Skip and count bad input rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    /// Print only the summary line.
    #[arg(long)]
    quiet: bool,
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn row(e: &CatalogueEntry) {
    let s = e.stats.as_ref();
    let retention = s.and_then(|s| s.retention).map_or("–".into(), |r| {
        format!(
            "{:.1}% vs {:.1}% ({:+.1} [{:+.1}, {:+.1}])",
            100.0 * r.retained_adopters,
            100.0 * r.retained_non_adopters,
            100.0 * r.difference,
            100.0 * r.difference_ci.0,
            100.0 * r.difference_ci.1
        )
    });
    let risk =
        s.and_then(|s| s.churn_risk).map_or("–".into(), |r| format!("{:.2} [{:.2}, {:.2}]", r.ratio, r.ci.0, r.ci.1));
    println!(
        "  {:<28} {:<7} {:>7} {:>8} {:>8} {:>8}  {:<36} {}",
        e.event_type,
        e.role.as_str(),
        pct(s.and_then(|s| s.ever_share)),
        pct(s.and_then(|s| s.retained_weekly_share)),
        pct(s.and_then(|s| s.adopted_early)),
        pct(s.and_then(|s| s.adopted_by_landmark)),
        retention,
        risk
    );
}

fn print(d: &Discovery, all: bool) {
    let s = &d.summary;
    let p = &d.params;
    println!(
        "{} customers ({} with a subscription, {} churned by {}), {} events of {} types; {} active on day {}, {} customer-weeks after it with a known {}-week outcome",
        s.customers,
        s.lifetimes,
        s.churned,
        d.until,
        s.events,
        s.event_types,
        s.active_at_landmark,
        p.landmark_days,
        s.signal_weeks,
        p.signal_outcome_weeks
    );
    println!(
        "  {:<28} {:<7} {:>7} {:>8} {:>8} {:>8}  {:<36} {}",
        "event type",
        "role",
        "ever",
        "weekly",
        format!("by d{}", p.early_days),
        format!("by d{}", p.landmark_days),
        format!("retained d{} adopters vs not (pts)", p.landmark_days + p.horizon_days),
        "churn risk ratio"
    );
    let mut shown = 0;
    let mut others: Vec<&CatalogueEntry> = Vec::new();
    for role in [EventRole::Core, EventRole::Sticky, EventRole::Signal] {
        for e in d.entries.iter().filter(|e| e.role == role) {
            row(e);
            shown += 1;
        }
    }
    others.extend(d.entries.iter().filter(|e| e.role == EventRole::Other));
    others.sort_by_key(|e| std::cmp::Reverse(e.stats.as_ref().map_or(0, |s| s.events)));
    let limit = if all { others.len() } else { 20 };
    for e in others.iter().take(limit) {
        row(e);
        shown += 1;
    }
    if shown < d.entries.len() {
        println!(
            "  … {} more event types (role other) in the catalogue file (--all prints them)",
            d.entries.len() - shown
        );
    }
    println!("Reasons, per type:");
    for role in [EventRole::Core, EventRole::Sticky, EventRole::Signal] {
        for e in d.entries.iter().filter(|e| e.role == role) {
            println!("  {}: {}", e.event_type, e.reason);
        }
    }
    println!(
        "weekly = share of retained customers' active weeks with the type; churn risk ratio = churn in the next {} weeks after use in the last {} weeks vs equally active customers without it.",
        p.signal_outcome_weeks, p.signal_exposure_weeks
    );
    println!(
        "Not causal: adopters and non-adopters are compared only among customers active on day {} (against immortal-time bias), but they differ in more than the feature.",
        p.landmark_days
    );
}

/// Runs the command.
pub fn run(a: Args) -> Result<()> {
    // The output may not be an input table, nor replace a file without --force.
    let outputs = a.force.plan().tables_input("--tables", &a.tables);
    outputs.check_file("--out", &a.out)?;
    let opts = a.event_types.read_options(a.lenient);
    let pb = spinner(a.quiet, &format!("reading {}", a.tables.display()));
    let loaded = crate::common::read_tables(&a.tables, a.schema.as_deref(), &opts);
    pb.finish_and_clear();
    let loaded = loaded?;
    if !a.quiet {
        print!("{}", loaded.report);
    }
    let mut params = DiscoveryParams::new()
        .landmark_days(a.landmark_days)
        .horizon_days(a.horizon_days)
        .signal_min_risk_ratio(a.signal_min_risk_ratio);
    if let Some(d) = a.until {
        params = params.until(d);
    }
    let pb = spinner(a.quiet, "measuring event types");
    let found = discover(&loaded.tables, &params);
    pb.finish_and_clear();
    let found = found?;
    let file = CatalogueFile::from(&found);
    write_bytes(&a.out, file.to_json()?.as_bytes(), outputs.overwrite_policy())?;
    if !a.quiet {
        print(&found, a.all);
    }
    let n = |r: EventRole| found.with_role(r).len();
    println!(
        "wrote {} event types to {}: {} core, {} sticky, {} signal, {} other (edit `role` to override; then features --event-catalogue {})",
        found.entries.len(),
        a.out.display(),
        n(EventRole::Core),
        n(EventRole::Sticky),
        n(EventRole::Signal),
        n(EventRole::Other),
        a.out.display()
    );
    Ok(())
}
