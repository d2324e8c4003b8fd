//! What `attrition simulate` prints.

use attrition::io::tables::Tables;
use attrition::simulate::SimulationParams;
use attrition::study::StudyFindings;

use super::{Args, STUDY_MONTHS, TablesFormat};

/// Prints the findings beside the study's values.
fn print_findings(f: &StudyFindings) {
    let r = f.retention_by_products;
    println!("Study findings measured from the tables (first-month cohort of {} customers):", f.cohort_size);
    println!("  {:<48} {:>9} {:>9}", "", "measured", "study");
    for (label, got, want) in [
        ("retained after 2 years, 1 product", r[0], 0.30),
        ("retained after 2 years, 2 products", r[1], 0.50),
        ("retained after 2 years, 3 products", r[2], 0.70),
        ("retained after 2 years, 4+ products", r[3], 0.80),
        ("churned within 2 years if not upsold in 90 days", f.churned_not_upsold_90d, 0.62),
        ("retention ratio, weekly engaged vs not", f.weekly_engaged_ratio, 1.26),
        ("retention ratio, specialised provider vs not", f.specialised_ratio, 1.15),
        ("retention ratio, needs-based vs product push", f.needs_based_ratio, 1.30),
    ] {
        println!("  {label:<48} {got:>9.3} {want:>9.2}");
    }
}

/// What was written, the findings beside the study's values, and notes on the campaign, the
/// key and the schema file.
pub fn summary(
    args: &Args,
    tables: &Tables,
    params: &SimulationParams,
    findings: &std::result::Result<StudyFindings, &'static str>,
    secs: f64,
) {
    let size: u64 = std::fs::read_dir(&args.out)
        .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0);
    println!(
        "Wrote {} customers, {} subscriptions, {} events, {} NPS answers{} to {} ({:.1} MB) in {:.1}s",
        tables.customers.len(),
        tables.subscriptions.len(),
        tables.events.len(),
        tables.nps.len(),
        tables.campaign.as_ref().map(|c| format!(", {} campaign draws", c.len())).unwrap_or_default(),
        args.out.display(),
        size as f64 / 1e6,
        secs
    );
    match findings {
        Ok(f) => print_findings(f),
        Err(why) => println!(
            "note: the study's findings were not measured ({why}): they follow the first-month cohort for \
             two years, which needs --months {STUDY_MONTHS} or more and customers who sign up in the first month"
        ),
    }
    match params.campaign_date() {
        Some(d) if params.campaign_month != Some(12) => println!(
            "note: the retention campaign (campaign.csv) is on {d}, halfway through this {}-month world \
             (month 12 needs --months 13 or more)",
            args.months
        ),
        None => println!("note: no retention campaign (campaign.csv) in a one-month world"),
        Some(_) => {}
    }
    if let Some(k) = &args.obfuscate_events {
        println!("event names hidden behind codes; the key is in {}", k.display());
    }
    if args.format == TablesFormat::Segment {
        let schema = args.out.join(attrition::io::segment::SCHEMA_FILE);
        println!("read these tables with --tables {} --schema {}", args.out.display(), schema.display());
    }
}
