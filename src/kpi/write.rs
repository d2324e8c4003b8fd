//! Writing a [`KpiReport`] as CSV: one row per period, empty cells for `None`.

use std::io::Write;

use crate::error::{Error, Result};
use crate::kpi::report::KpiReport;

/// Column names of [`write_kpis_csv`], in order.
pub const KPI_CSV_COLUMNS: [&str; 31] = [
    "period",
    "start",
    "closing_day",
    "partial",
    "customers_at_start",
    "customers_new",
    "customers_reactivated",
    "customers_churned",
    "customers_at_end",
    "customers_joined_and_left",
    "mrr_start",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churned",
    "mrr_reactivation",
    "mrr_end",
    "mrr_net_new",
    "churn_rate",
    "retention_rate",
    "annualised_churn_rate",
    "annualised_retention_rate",
    "gross_mrr_churn",
    "net_mrr_churn",
    "nrr",
    "grr",
    "quick_ratio",
    "arpu",
    "ltv",
    "gross_margin",
    "period_months",
];

/// Writes the report as CSV with the header [`KPI_CSV_COLUMNS`]. Numbers are written with Rust's
/// shortest round-trip formatting; `None` rates are empty cells.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// # use attrition::kpi::{compute_kpis, write_kpis_csv, KpiOptions};
/// # use attrition::io::tables::{Customer, Subscription, Tables};
/// # let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// # let tables = Tables {
/// #     customers: vec![Customer::new("a", day("2024-01-01"))],
/// #     subscriptions: vec![Subscription { customer: 0, product: "p".into(), start_date: day("2024-01-01"),
/// #         end_date: None, mrr: 40.0 }],
/// #     ..Default::default()
/// # };
/// let report = compute_kpis(&tables, &KpiOptions::new().to(day("2024-02-29")))?;
/// let mut out = Vec::new();
/// write_kpis_csv(&report, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("period,start,closing_day,partial,customers_at_start,"));
/// assert_eq!(text.lines().count(), 3); // header + January + February
/// assert!(text.lines().nth(1).unwrap().starts_with("2024-01,2024-01-01,2024-01-31,false,0,1,0,0,1,0,0,40,"));
/// # Ok(()) }
/// ```
pub fn write_kpis_csv<W: Write>(report: &KpiReport, w: W) -> Result<()> {
    let err = |e: csv::Error| Error::io("write", "KPI CSV", std::io::Error::other(e.to_string()));
    let mut out = csv::Writer::from_writer(w);
    out.write_record(KPI_CSV_COLUMNS).map_err(err)?;
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for p in &report.periods {
        let (c, m) = (&p.customers, &p.mrr);
        let row: Vec<String> = vec![
            p.label.clone(),
            p.start.to_string(),
            p.closing_day.to_string(),
            p.partial.to_string(),
            c.at_start.to_string(),
            c.new.to_string(),
            c.reactivated.to_string(),
            c.churned.to_string(),
            c.at_end.to_string(),
            c.joined_and_left.to_string(),
            m.start.to_string(),
            m.new.to_string(),
            m.expansion.to_string(),
            m.contraction.to_string(),
            m.churned.to_string(),
            m.reactivation.to_string(),
            m.end.to_string(),
            m.net_new().to_string(),
            opt(p.churn_rate),
            opt(p.retention_rate),
            opt(p.annualised_churn_rate),
            opt(p.annualised_retention_rate),
            opt(p.gross_mrr_churn),
            opt(p.net_mrr_churn),
            opt(p.nrr),
            opt(p.grr),
            opt(p.quick_ratio),
            opt(p.arpu),
            opt(p.ltv),
            report.options.gross_margin.to_string(),
            report.options.period.months().to_string(),
        ];
        out.write_record(&row).map_err(err)?;
    }
    out.flush().map_err(|e| Error::io("write", "KPI CSV", e))?;
    Ok(())
}
