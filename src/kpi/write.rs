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
/// shortest round-trip formatting, money (the `mrr_*` columns, `arpu`, `ltv`) rounded to six
/// decimals first ([`format_money`]): a month's MRR is a sum of prices, and a sum of `f64` cents
/// carries noise (`1617.6100000000001`, `50.249999999999986`) that reads as a bug in a finance
/// sheet. The report itself (and `attrition kpi --json`) keeps full precision. `None` rates are
/// empty cells.
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
    let opt_money = |x: Option<f64>| x.map(format_money).unwrap_or_default();
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
            format_money(m.start),
            format_money(m.new),
            format_money(m.expansion),
            format_money(m.contraction),
            format_money(m.churned),
            format_money(m.reactivation),
            format_money(m.end),
            format_money(m.net_new()),
            opt(p.churn_rate),
            opt(p.retention_rate),
            opt(p.annualised_churn_rate),
            opt(p.annualised_retention_rate),
            opt(p.gross_mrr_churn),
            opt(p.net_mrr_churn),
            opt(p.nrr),
            opt(p.grr),
            opt(p.quick_ratio),
            opt_money(p.arpu),
            opt_money(p.ltv),
            report.options.gross_margin.to_string(),
            report.options.period.months().to_string(),
        ];
        out.write_record(&row).map_err(err)?;
    }
    out.flush().map_err(|e| Error::io("write", "KPI CSV", e))?;
    Ok(())
}

/// A money amount as written in the KPI CSV: rounded to six decimals, then in Rust's shortest
/// round-trip form (`1617.6100000000001` → `1617.61`; an amount with at most six decimals is
/// written exactly as its input read).
///
/// ```
/// use attrition::kpi::format_money;
/// assert_eq!(format_money(1617.6100000000001), "1617.61");
/// assert_eq!(format_money(50.249999999999986), "50.25");
/// assert_eq!(format_money(87.52580985915493), "87.52581");
/// assert_eq!(format_money(-0.0000001), "0");
/// ```
pub fn format_money(x: f64) -> String {
    let r = (x * 1e6).round() / 1e6;
    // `-0` (a tiny negative rounded away) is written `0`.
    if r == 0.0 { "0".to_string() } else { r.to_string() }
}
