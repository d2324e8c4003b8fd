//! Prints the study's five findings measured on simulated worlds for a few seeds, beside the
//! study's values: how the simulator's defaults were calibrated.
//!
//! `cargo run --release --example calibrate [customers]`

use attrition::catalogue::EventCatalogue;
use attrition::simulate::{SimulationParams, simulate};
use attrition::study::measure_findings;

fn main() -> attrition::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(80_000);
    println!(
        "{:>5} {:>7} {:>6} | {:>5} {:>5} {:>5} {:>5} | {:>6} {:>6} {:>6} {:>6} | {:>8}",
        "seed", "cohort", "R", "1p", "2p", "3p", "4p+", "notup", "weekly", "spec", "needs", "events/c"
    );
    println!(
        "{:>5} {:>7} {:>6} | {:>5} {:>5} {:>5} {:>5} | {:>6} {:>6} {:>6} {:>6} |",
        "study", "", "", 0.30, 0.50, 0.70, 0.80, 0.62, 1.26, 1.15, 1.30
    );
    for seed in [7u64, 11, 23] {
        let world = simulate(&SimulationParams::new(n, 24, seed).launch_share(0.75).campaign_month(None))?;
        let f = measure_findings(&world.tables, &EventCatalogue::default())?;
        let r = f.retention_by_products;
        println!(
            "{seed:>5} {:>7} {:>6.3} | {:>5.3} {:>5.3} {:>5.3} {:>5.3} | {:>6.3} {:>6.3} {:>6.3} {:>6.3} | {:>8.1}   sizes {:?}",
            f.cohort_size,
            f.retention,
            r[0],
            r[1],
            r[2],
            r[3],
            f.churned_not_upsold_90d,
            f.weekly_engaged_ratio,
            f.specialised_ratio,
            f.needs_based_ratio,
            world.tables.events.len() as f64 / n as f64,
            f.products_group_sizes
        );
    }
    Ok(())
}
