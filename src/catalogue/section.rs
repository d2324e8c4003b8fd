//! The report section on event types: which features keep customers, and the roles used.

use super::{CatalogueEntry, Discovery, EventCatalogue, EventRole};
use crate::report::{BarChart, Chart, Section, Table};

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The report's "Which features keep customers?" section: early adopters' retention gain per
/// event type (landmark analysis) and the roles the features used.
pub fn report_section(d: &Discovery, used: &EventCatalogue, used_from: &str) -> Section {
    let p = &d.params;
    let mut measured: Vec<(&CatalogueEntry, f64)> = d
        .entries
        .iter()
        .filter_map(|e| e.stats.as_ref().and_then(|s| s.retention).map(|r| (e, r.difference)))
        .collect();
    measured.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.event_type.cmp(&b.0.event_type)));
    measured.truncate(25);
    // Lead with the strongest sticky association (everyday core use is expected to go with staying).
    let lead = measured.iter().find(|(e, _)| e.role == EventRole::Sticky).or(measured.first());
    let reading = match lead {
        Some((e, v)) => {
            let r = e.stats.as_ref().and_then(|s| s.retention);
            format!(
                "Customers who used {} in their first {} days kept {} vs {} without it {} days later ({:+.1} points). Compared only among customers still active on day {}; an association, not proof that the feature keeps them.",
                e.event_type,
                p.landmark_days,
                r.map_or("–".into(), |r| format!("{:.0}%", 100.0 * r.retained_adopters)),
                r.map_or("–".into(), |r| format!("{:.0}%", 100.0 * r.retained_non_adopters)),
                p.horizon_days,
                100.0 * v,
                p.landmark_days
            )
        }
        None => format!("Too few customers are observed beyond day {} to compare adopters.", p.landmark_days),
    };
    let chart = BarChart {
        id: "features_keep_customers".into(),
        title: format!(
            "Retention {} days after day {}: customers who used the feature by day {} minus those who did not",
            p.horizon_days, p.landmark_days, p.landmark_days
        ),
        x_label: "Retention difference (percentage points)".into(),
        y_label: "Event type (discovered role)".into(),
        labels: measured.iter().map(|(e, _)| format!("{} ({})", e.event_type, e.role)).collect(),
        values: measured.iter().map(|(_, v)| 100.0 * v).collect(),
        horizontal: true,
        reference: None,
        legend: "adopters − non-adopters".into(),
        legend_negative: String::new(),
        reading,
    };
    let rows: Vec<Vec<String>> = d
        .entries
        .iter()
        .filter(|e| used.role(&e.event_type) != EventRole::Other || e.role != EventRole::Other)
        .take(40)
        .map(|e| {
            let s = e.stats.as_ref();
            vec![
                e.event_type.clone(),
                used.role(&e.event_type).to_string(),
                e.role.to_string(),
                pct(s.and_then(|s| s.retained_weekly_share)),
                pct(s.and_then(|s| s.adopted_by_landmark)),
                s.and_then(|s| s.churn_risk).map_or("–".into(), |r| format!("{:.2}", r.ratio)),
                e.reason.clone(),
            ]
        })
        .collect();
    let table = Table {
        id: "event_catalogue".into(),
        title: "Event roles: used by the features, and discovered from the data".into(),
        columns: [
            "event type",
            "role used",
            "discovered",
            "weekly use",
            "adopted by day 90",
            "churn risk ratio",
            "reason",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        reading: format!(
            "The features used the {used_from}. Weekly use: share of retained customers' active weeks with the type; churn risk ratio: churn in the next {} weeks after use in the last {} weeks, against equally active customers.",
            p.signal_outcome_weeks, p.signal_exposure_weeks
        ),
    };
    Section::new(
        "Which features keep customers?",
        format!(
            "For each event type, measured from the tables alone: customers active on day {} who had used it by then vs those who had not (a landmark comparison, so that staying longer does not count as adopting), and whether recent use warns of churn. Associations, not causes.",
            p.landmark_days
        ),
    )
    .chart(Chart::Bar(chart))
    .chart(Chart::Table(table))
}
