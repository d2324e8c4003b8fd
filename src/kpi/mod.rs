//! SaaS KPIs: how many customers and how much MRR did we keep, win and lose each period?
//!
//! [`compute_kpis`] reads the subscription table over calendar months, quarters or years
//! ([`PeriodKind`]) and gives, per period ([`PeriodKpis`]): customer counts ([`CustomerCounts`]:
//! at start, new, reactivated, churned, at end), MRR movements ([`MrrMovements`]: new, expansion,
//! contraction, churned, reactivation), customer churn and retention rates and their annualised
//! forms, gross and net MRR churn, NRR and GRR of the customers present at the start, the quick
//! ratio, ARPU and a simple LTV. Rates with a zero denominator are `None`, never NaN or ∞.
//!
//! Two identities hold for every period, by construction and tested on hand-made tables and on the
//! simulated world:
//!
//! - customers: at_start + new + reactivated − churned = at_end;
//! - MRR: start + new + expansion + reactivation − contraction − churned = end.
//!
//! MRR totals are exact sums rounded once, so they do not depend on the order customers are
//! read in. The report is built from [`KpiCounts`], which add up over disjoint sets of customers:
//! over a partitioned directory ([`crate::partition`]) each partition is counted on its own and
//! the counts are merged ([`compute_kpis_partitioned`]), giving the same report to the byte.
//!
//! The report serialises with serde (`--json`) and as CSV ([`write_kpis_csv`]).

mod counts;
mod exact;
mod movements;
#[cfg(feature = "parquet")]
mod partitioned;
mod period;
mod report;
mod write;

pub use counts::{KpiBounds, KpiCounts, KpiFrame};
pub use movements::{CustomerCounts, MrrMovements};
#[cfg(feature = "parquet")]
pub use partitioned::{PartitionedKpis, compute_kpis_partitioned};
pub use period::{Period, PeriodKind, periods_between};
pub use report::{KpiOptions, KpiReport, PeriodKpis, compute_kpis};
pub use write::{KPI_CSV_COLUMNS, format_money, write_kpis_csv};
