//! Period KPIs from the subscription table.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::tables::Tables;
use crate::kpi::counts::{KpiBounds, KpiCounts};
use crate::kpi::movements::{CustomerCounts, MrrMovements};
use crate::kpi::period::PeriodKind;

/// Options for [`compute_kpis`]. Setters never fail; [`KpiOptions::check`] validates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KpiOptions {
    /// Period length (default [`PeriodKind::Month`]).
    pub period: PeriodKind,
    /// First day to report: the report starts with the period containing it (default: the
    /// earliest subscription start).
    pub from: Option<NaiveDate>,
    /// Last day to report: the report ends with the period containing it, closed on this day if it
    /// is not the period's last day (default: the last day the tables know about, see
    /// [`KpiReport::data_end`]).
    pub to: Option<NaiveDate>,
    /// Gross margin used by the simple LTV, in (0, 1] (default 1.0: revenue LTV).
    pub gross_margin: f64,
}

impl Default for KpiOptions {
    fn default() -> Self {
        KpiOptions { period: PeriodKind::Month, from: None, to: None, gross_margin: 1.0 }
    }
}

impl KpiOptions {
    /// The defaults above.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the period length.
    pub fn period(mut self, period: PeriodKind) -> Self {
        self.period = period;
        self
    }
    /// Sets the first day to report.
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }
    /// Sets the last day to report.
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }
    /// Sets the gross margin used by the LTV.
    pub fn gross_margin(mut self, margin: f64) -> Self {
        self.gross_margin = margin;
        self
    }
    /// Checks the options: margin in (0, 1], `from <= to`.
    pub fn check(&self) -> Result<()> {
        if !(self.gross_margin > 0.0 && self.gross_margin <= 1.0) {
            return Err(Error::param("gross_margin", self.gross_margin, "must be in (0, 1]"));
        }
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            return Err(Error::param("from", f, format!("is after `to` ({t})")));
        }
        Ok(())
    }
}

/// The KPIs of one period. Every rate whose denominator is zero is `None` (never NaN or ∞).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodKpis {
    /// `2024-03`, `2024-Q1` or `2024`.
    pub label: String,
    /// First day of the period.
    pub start: NaiveDate,
    /// Day whose state closes the period: its last day, or the report's last day for a partial one.
    pub closing_day: NaiveDate,
    /// Whether the period was closed before its last day (the report ends inside it). Annualised
    /// rates and LTV are `None` for a partial period.
    pub partial: bool,
    /// Customer counts.
    pub customers: CustomerCounts,
    /// MRR movements.
    pub mrr: MrrMovements,
    /// Customers lost ÷ customers at start.
    pub churn_rate: Option<f64>,
    /// (customers at end − customers who joined, i.e. new + reactivated) ÷ customers at start
    /// = 1 − churn rate.
    pub retention_rate: Option<f64>,
    /// 1 − (1 − churn rate)^(12 / months in the period).
    pub annualised_churn_rate: Option<f64>,
    /// (1 − churn rate)^(12 / months in the period).
    pub annualised_retention_rate: Option<f64>,
    /// (churned + contraction MRR) ÷ start MRR.
    pub gross_mrr_churn: Option<f64>,
    /// (churned + contraction − expansion − reactivation MRR) ÷ start MRR; negative is "net
    /// negative churn".
    pub net_mrr_churn: Option<f64>,
    /// Net revenue retention of the customers active at the start: their MRR at the close ÷ start
    /// MRR = (start + expansion − contraction − churned) ÷ start.
    pub nrr: Option<f64>,
    /// Gross revenue retention of the same cohort, counting no expansion: (start − contraction −
    /// churned) ÷ start.
    pub grr: Option<f64>,
    /// (new + expansion MRR) ÷ (churned + contraction MRR).
    pub quick_ratio: Option<f64>,
    /// MRR per customer at the close.
    pub arpu: Option<f64>,
    /// Simple LTV: ARPU × gross margin ÷ monthly churn rate, where the monthly rate is
    /// 1 − (1 − churn rate)^(1 / months in the period). `None` with no churn.
    pub ltv: Option<f64>,
}

/// The KPI report: one [`PeriodKpis`] per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    /// The options used.
    pub options: KpiOptions,
    /// The last day the tables know about: the latest signup, subscription start, subscription
    /// end − 1 day, event day or NPS date in the bulk of the data (outliers far beyond it are
    /// ignored, see [`crate::features::data_end`]). The default `to`.
    pub data_end: NaiveDate,
    /// Periods in order.
    pub periods: Vec<PeriodKpis>,
    /// Customers with no subscription that is ever active (never counted anywhere).
    pub customers_without_subscriptions: usize,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    let r = num / den;
    (den != 0.0 && r.is_finite()).then_some(r)
}

/// Computes the KPIs of each period from the subscription table.
///
/// **Opening and closing.** A period `[start, end)` *opens* with the customers active on the day
/// before `start` and *closes* with those active on its last day, so the close of one period is the
/// opening of the next and every change is counted exactly once: a subscription starting on the
/// period's first day is new in that period, one whose `end_date` (first day without service) falls
/// in the period churns in that period. Customer MRR on a day is the sum of the MRR of its active
/// subscriptions. See [`CustomerCounts`] and [`MrrMovements`] for how customers are classified,
/// including sign-ups who leave within the period and customers who come back.
///
/// Errors: invalid options, or no subscription that is ever active.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::kpi::{compute_kpis, KpiOptions, PeriodKind};
/// use attrition::io::tables::{Customer, Subscription, Tables};
/// let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let customer = |id: &str| Customer::new(id, day("2024-01-01"));
/// let sub = |c: u32, start: &str, end: Option<&str>, mrr: f64| Subscription {
///     customer: c, product: "listings".into(), start_date: day(start), end_date: end.map(day), mrr,
/// };
/// let tables = Tables {
///     customers: vec![customer("a"), customer("b")],
///     subscriptions: vec![
///         sub(0, "2024-01-01", None, 100.0),
///         sub(1, "2024-01-01", Some("2024-02-15"), 50.0),
///         sub(0, "2024-02-01", None, 30.0), // expansion in February
///     ],
///     ..Default::default()
/// };
/// let opts = KpiOptions::new().period(PeriodKind::Month).to(day("2024-02-29"));
/// let report = compute_kpis(&tables, &opts)?;
/// let feb = &report.periods[1];
/// assert_eq!(feb.customers.at_start, 2);
/// assert_eq!(feb.customers.churned, 1);
/// assert_eq!(feb.churn_rate, Some(0.5));
/// assert_eq!((feb.mrr.start, feb.mrr.expansion, feb.mrr.churned, feb.mrr.end), (150.0, 30.0, 50.0, 130.0));
/// assert_eq!(report.periods[0].churn_rate, None); // nobody at the start of January
/// # Ok(()) }
/// ```
pub fn compute_kpis(tables: &Tables, options: &KpiOptions) -> Result<KpiReport> {
    let frame = KpiBounds::from_tables(tables).frame(options)?;
    Ok(KpiCounts::count(tables, &frame).report(&frame))
}

pub(crate) fn period_kpis(
    label: String,
    start: NaiveDate,
    closing_day: NaiveDate,
    partial: bool,
    c: CustomerCounts,
    m: MrrMovements,
    options: &KpiOptions,
) -> PeriodKpis {
    let months = f64::from(options.period.months());
    let at_start = c.at_start as f64;
    let churn_rate = ratio(c.churned as f64, at_start);
    let retention_rate = ratio((c.at_end - c.new - c.reactivated) as f64, at_start);
    let full = |x: Option<f64>| if partial { None } else { x };
    let annualised_retention_rate = full(churn_rate.map(|r| (1.0 - r).powf(12.0 / months)));
    let annualised_churn_rate = annualised_retention_rate.map(|r| 1.0 - r);
    let arpu = ratio(m.end, c.at_end as f64);
    let monthly_churn = full(churn_rate.map(|r| 1.0 - (1.0 - r).powf(1.0 / months)));
    let ltv = match (arpu, monthly_churn) {
        (Some(a), Some(mc)) => ratio(a * options.gross_margin, mc),
        _ => None,
    };
    PeriodKpis {
        label,
        start,
        closing_day,
        partial,
        customers: c,
        mrr: m,
        churn_rate,
        retention_rate,
        annualised_churn_rate,
        annualised_retention_rate,
        gross_mrr_churn: ratio(m.churned + m.contraction, m.start),
        net_mrr_churn: ratio(m.churned + m.contraction - m.expansion - m.reactivation, m.start),
        nrr: ratio(m.start + m.expansion - m.contraction - m.churned, m.start),
        grr: ratio(m.start - m.contraction - m.churned, m.start),
        quick_ratio: ratio(m.new + m.expansion, m.churned + m.contraction),
        arpu,
        ltv,
    }
}
