//! The table `attrition catalogue` prints.

use attrition::catalogue::{CatalogueEntry, Discovery, EventRole};

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

/// Prints the discovered roles: one row per event type, the reasons and how to read them.
pub fn print(d: &Discovery, all: bool) {
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
