//! Retention curves by the study's factors on the bundled sample: Kaplan–Meier since signup with
//! 95% confidence intervals, and the log-rank test of each factor.
//!
//! `cargo run --release --example retention_curves`

use attrition::catalogue::EventCatalogue;
use attrition::features::infer_data_end;
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::study::customer_factors;
use attrition::survival::{LifetimeOptions, RetentionOptions, lifetimes, retention_by_group};

fn main() -> attrition::Result<()> {
    let tables = read_tables(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample"), &ReadOptions::strict())?.tables;
    let end = infer_data_end(&tables).unwrap_or_default();
    let factors = customer_factors(&tables, &EventCatalogue::default(), Some(end))?;
    let life = lifetimes(&tables, &LifetimeOptions::new(end))?;
    type Label = fn(&attrition::study::CustomerFactors) -> Option<String>;
    let defs: [(&str, Label); 5] = [
        ("products held", |f| Some(if f.products_held >= 4 { "4+".into() } else { f.products_held.to_string() })),
        ("upsold within 90 days", |f| Some(f.upsold_within_90d.to_string())),
        ("engaged weekly", |f| Some(f.weekly_engaged.to_string())),
        ("sales approach", |f| f.sales_approach.map(|s| s.as_str().to_string())),
        ("specialised provider", |f| f.specialised_provider.map(|s| s.to_string())),
    ];
    for (name, label) in defs {
        let r = retention_by_group(
            &tables,
            &life,
            name,
            |c| factors.get(c as usize).and_then(label),
            &RetentionOptions::default(),
        )?;
        println!("\nRetention after 2 years by {name}:");
        for g in &r.groups {
            println!(
                "  {:<14} n={:>5}  {:>5.1}%  [{:.1}%, {:.1}%]",
                g.label,
                g.customers,
                100.0 * g.km_retention,
                100.0 * g.km_ci.0,
                100.0 * g.km_ci.1
            );
        }
        if let Some(l) = &r.logrank {
            println!("  log-rank p = {:.2e}", l.p_value);
        }
    }
    Ok(())
}
