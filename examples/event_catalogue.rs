//! The event catalogue discovered from the tables alone, on simulated worlds whose event names
//! are hidden behind codes: for each seed, the roles found beside the simulator's true roles, and
//! the precision and recall of the core and sticky sets.
//!
//! `cargo run --release --example event_catalogue [customers] [months] [seeds…]`

use std::collections::BTreeSet;
use std::time::Instant;

use attrition::catalogue::{
    CHAMPION_LEFT, CORE_EVENTS, DiscoveryParams, EventRole, LIMIT_HIT, STICKY_EVENTS, discover,
};
use attrition::simulate::{SimulationParams, obfuscate_events, simulate};

fn main() -> attrition::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(12_000);
    let months: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(24);
    let mut seeds: Vec<u64> = args.iter().skip(2).filter_map(|s| s.parse().ok()).collect();
    if seeds.is_empty() {
        seeds = vec![1, 2, 3, 4, 5];
    }
    for seed in seeds {
        let t = Instant::now();
        let mut world = simulate(&SimulationParams::new(n, months, seed).campaign_month(None))?;
        let key = obfuscate_events(&mut world.tables, seed);
        let sim_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let found = discover(&world.tables, &DiscoveryParams::new())?;
        let disc_s = t.elapsed().as_secs_f64();
        println!(
            "seed {seed}: {} customers, {} events; simulated in {sim_s:.1}s, discovered in {disc_s:.2}s",
            n,
            world.tables.events.len()
        );
        for e in &found.entries {
            let original = key.original(&e.event_type).unwrap_or("?");
            let s = e.stats.as_ref();
            println!(
                "  {:<7} {:<20} {:<7} weekly {:>5.1}%  gain {:>14}  risk {:>5}",
                e.event_type,
                original,
                e.role.as_str(),
                100.0 * s.and_then(|s| s.retained_weekly_share).unwrap_or(f64::NAN),
                s.and_then(|s| s.retention).map_or("-".into(), |r| format!(
                    "{:+.1} p={:.0e}",
                    100.0 * r.difference,
                    r.logrank_p
                )),
                s.and_then(|s| s.churn_risk).map_or("-".into(), |r| format!("{:.2}", r.ratio)),
            );
        }
        let set = |role: EventRole| -> BTreeSet<String> {
            found.with_role(role).iter().filter_map(|c| key.original(c)).map(str::to_owned).collect()
        };
        for (name, role, truth) in [
            ("core", EventRole::Core, CORE_EVENTS.to_vec()),
            ("sticky", EventRole::Sticky, STICKY_EVENTS.to_vec()),
            ("signal", EventRole::Signal, vec![LIMIT_HIT, CHAMPION_LEFT]),
        ] {
            let got = set(role);
            let hit = truth.iter().filter(|t| got.contains(**t)).count();
            println!(
                "  {name:<6} precision {:.2} recall {:.2}  found {:?}",
                if got.is_empty() { 0.0 } else { hit as f64 / got.len() as f64 },
                hit as f64 / truth.len() as f64,
                got
            );
        }
    }
    Ok(())
}
