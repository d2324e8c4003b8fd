//! The study's customer factors and its five findings, measured from the raw tables.
//!
//! These are the definitions `datasets/README.md` documents and the retention curves reuse
//! (`attrition retention --by ...`). Everything is computed from [`Tables`] alone, so the same
//! code measures a simulated world and a real export.
//!
//! - **Cohort**: customers whose 2-year horizon fits in the data: `signup + 700 days` is on or
//!   before the last day with data (so a 24-month world's first-month signups count).
//! - **Retained after 2 years**: an active subscription on `min(signup + 730 days, last day)`.
//! - **Products held**: the most products active at the same time within the 2 years.
//! - **Upsold within 90 days**: a subscription to a product the customer did not start with
//!   begins within 90 days of signup.
//! - **Engaged weekly**: at least one core-feature event in at least 8 of the first 12 weeks.
//! - **Specialised provider**, **sales approach**: the customer attributes `specialised_provider`
//!   (a boolean) and `sales_approach` (`needs_based` / `product_push`) when `customers.csv` has
//!   them; without them the two ratios are `NaN`.
//!
//! Findings are relative where the study is (`R_group / R_other`) and absolute where it is
//! (retention by products held; share churned among the not-upsold).

mod config;
mod pipeline;
mod report;
mod retention;

pub use config::{
    CampaignConfig, ClvConfig, DataConfig, DatesConfig, ModelsConfig, ReportConfig, StudyConfig, UpliftConfig,
    WindowConfig,
};
pub use pipeline::{CandidateResult, CurrentScores, FactorRetention, Study, StudyProgress, StudyResults};
#[cfg(feature = "parquet")]
pub use retention::retention_study_partitioned;
pub use retention::{RetentionStudy, retention_study};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::EventCatalogue;
use crate::error::{Error, Result};
use crate::io::parse::{day_of, parse_bool};
use crate::io::quality::DataQuality;
use crate::io::tables::{SalesApproach, Tables};
use crate::survival::GroupCap;

/// Customer-level factors of the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerFactors {
    /// Customer index in the tables.
    pub customer: u32,
    /// Whether the customer's 2-year horizon fits in the data.
    pub in_cohort: bool,
    /// Most products held at once within 2 years of signup.
    pub products_held: u32,
    /// A new product started within 90 days of signup.
    pub upsold_within_90d: bool,
    /// Core-feature events in at least 8 of the first 12 weeks.
    pub weekly_engaged: bool,
    /// Sold by a vertical-specialised provider (`None`: no such attribute or value missing).
    pub specialised_provider: Option<bool>,
    /// How the customer was sold (`None`: no such attribute, or another value).
    pub sales_approach: Option<SalesApproach>,
    /// Active subscription at `min(signup + 730, last day)`.
    pub retained_2y: bool,
}

/// The five findings measured on a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyFindings {
    /// Customers in the cohort.
    pub cohort_size: usize,
    /// Retention after 2 years of the whole cohort.
    pub retention: f64,
    /// Retention by products held: index 0 = 1 product, 1 = 2, 2 = 3, 3 = 4 or more.
    pub retention_by_products: [f64; 4],
    /// Customers in each products-held group.
    pub products_group_sizes: [usize; 4],
    /// Share churned within 2 years among customers not upsold within 90 days (study: 0.62).
    pub churned_not_upsold_90d: f64,
    /// `R_weekly_engaged / R_not` (study: 1.26).
    pub weekly_engaged_ratio: f64,
    /// `R_specialised / R_not` (study: 1.15).
    pub specialised_ratio: f64,
    /// `R_needs_based / R_product_push` (study: 1.30).
    pub needs_based_ratio: f64,
}

/// The study's published values, in the shape of [`StudyFindings`]'s fields.
pub const STUDY_RETENTION_BY_PRODUCTS: [f64; 4] = [0.30, 0.50, 0.70, 0.80];
/// Share churned among customers not upsold in their first 3 months.
pub const STUDY_CHURNED_NOT_UPSOLD: f64 = 0.62;
/// Weekly engaged customers retain 26% better.
pub const STUDY_WEEKLY_ENGAGED_RATIO: f64 = 1.26;
/// Vertical-specialised providers' customers retain 15% better.
pub const STUDY_SPECIALISED_RATIO: f64 = 1.15;
/// Needs-based selling retains 30% better.
pub const STUDY_NEEDS_BASED_RATIO: f64 = 1.30;

/// Last day with data: the latest subscription start/end, event, NPS or signup date (exclusive
/// end dates count as the day before) in the bulk of the data ([`crate::features::data_end`]:
/// outliers far beyond it are ignored).
pub fn last_data_day(tables: &Tables) -> Option<NaiveDate> {
    crate::features::data_end(tables, true).map(|d| d.day)
}

/// Factors of every customer (in customer order). `data_end` is the last day with data
/// (default: [`last_data_day`]).
pub fn customer_factors(
    tables: &Tables,
    catalogue: &EventCatalogue,
    data_end: Option<NaiveDate>,
) -> Result<Vec<CustomerFactors>> {
    let last =
        data_end.or_else(|| last_data_day(tables)).ok_or(Error::EmptyData { context: "study: no dated rows" })?;
    let n = tables.customers.len();
    let mut subs_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, s) in tables.subscriptions.iter().enumerate() {
        if let Some(v) = subs_of.get_mut(s.customer as usize) {
            v.push(k);
        }
    }
    // Weeks (0..12) with a core event, as a bit set per customer.
    let core: Vec<bool> = tables.events.kinds.iter().map(|k| catalogue.core.iter().any(|c| c == k)).collect();
    let mut core_weeks = vec![0u16; n];
    for i in 0..tables.events.len() {
        let c = tables.events.customer[i] as usize;
        if !core.get(tables.events.kind[i] as usize).copied().unwrap_or(false) {
            continue;
        }
        let Some(cust) = tables.customers.get(c) else { continue };
        let days = (day_of(tables.events.timestamp[i]) - cust.signup_date).num_days();
        if (0..84).contains(&days) {
            core_weeks[c] |= 1 << (days / 7);
        }
    }
    let specialised = tables.attribute("specialised_provider");
    let sales = tables.attribute("sales_approach");
    let mut out = Vec::with_capacity(n);
    for (c, cust) in tables.customers.iter().enumerate() {
        let signup = cust.signup_date;
        let horizon = (signup + Duration::days(730)).min(last);
        let subs: Vec<&crate::io::tables::Subscription> =
            subs_of[c].iter().map(|&k| &tables.subscriptions[k]).collect();
        // Most products at once: sweep over start/end days within the horizon.
        let mut points: Vec<(NaiveDate, i32)> = Vec::new();
        for s in &subs {
            if s.start_date > horizon {
                continue;
            }
            points.push((s.start_date, 1));
            if let Some(e) = s.end_date {
                points.push((e, -1));
            }
        }
        points.sort();
        let (mut cur, mut best) = (0i32, 0i32);
        for (_, d) in points {
            cur += d;
            best = best.max(cur);
        }
        let initial: Vec<&str> = subs.iter().filter(|s| s.start_date == signup).map(|s| s.product.as_str()).collect();
        let upsold = subs.iter().any(|s| {
            s.start_date > signup
                && s.start_date <= signup + Duration::days(90)
                && !initial.contains(&s.product.as_str())
        });
        out.push(CustomerFactors {
            customer: c as u32,
            in_cohort: signup + Duration::days(700) <= last,
            products_held: best.max(0) as u32,
            upsold_within_90d: upsold,
            weekly_engaged: core_weeks[c].count_ones() >= 8,
            specialised_provider: specialised.and_then(|a| a.value(c as u32)).and_then(parse_bool),
            sales_approach: sales.and_then(|a| a.value(c as u32)).and_then(SalesApproach::parse),
            retained_2y: subs.iter().any(|s| s.is_active_on(horizon)),
        });
    }
    Ok(out)
}

fn rate(f: &[&CustomerFactors], pred: impl Fn(&CustomerFactors) -> bool) -> (f64, usize) {
    let group: Vec<&&CustomerFactors> = f.iter().filter(|c| pred(c)).collect();
    let n = group.len();
    let r = group.iter().filter(|c| c.retained_2y).count() as f64 / n.max(1) as f64;
    (r, n)
}

/// Measures the five findings on the customers signed up in the first month with data (the
/// study's cohort), restricted to those whose horizon fits in the data.
pub fn measure_findings(tables: &Tables, catalogue: &EventCatalogue) -> Result<StudyFindings> {
    let factors = customer_factors(tables, catalogue, None)?;
    let first = tables
        .customers
        .iter()
        .map(|c| c.signup_date)
        .min()
        .ok_or(Error::EmptyData { context: "study: no customers" })?;
    let month_end = first + Duration::days(31);
    let cohort: Vec<&CustomerFactors> = factors
        .iter()
        .filter(|f| f.in_cohort && tables.customers[f.customer as usize].signup_date < month_end)
        .collect();
    if cohort.is_empty() {
        return Err(Error::EmptyData { context: "study: no customer's 2-year horizon fits in the data" });
    }
    let mut by_products = [0.0; 4];
    let mut sizes = [0usize; 4];
    for g in 0..4u32 {
        let (r, n) = rate(&cohort, |c| if g == 3 { c.products_held >= 4 } else { c.products_held == g + 1 });
        by_products[g as usize] = r;
        sizes[g as usize] = n;
    }
    // Customers where the factor is undefined (`None`) are in neither group.
    let ratio = |pred: &dyn Fn(&CustomerFactors) -> Option<bool>| {
        let (a, na) = rate(&cohort, |c| pred(c) == Some(true));
        let (b, nb) = rate(&cohort, |c| pred(c) == Some(false));
        if na > 0 && nb > 0 && b > 0.0 { a / b } else { f64::NAN }
    };
    Ok(StudyFindings {
        cohort_size: cohort.len(),
        retention: rate(&cohort, |_| true).0,
        retention_by_products: by_products,
        products_group_sizes: sizes,
        churned_not_upsold_90d: 1.0 - rate(&cohort, |c| !c.upsold_within_90d).0,
        weekly_engaged_ratio: ratio(&|c| Some(c.weekly_engaged)),
        specialised_ratio: ratio(&|c| c.specialised_provider),
        needs_based_ratio: ratio(&|c| c.sales_approach.map(|s| s == SalesApproach::NeedsBased)),
    })
}

/// Default most groups [`retention_groups`] keeps for a customer attribute (the default of
/// [`crate::survival::RetentionOptions::max_groups`] and of `--max-groups`).
pub const MAX_RETENTION_GROUPS: usize = 20;

/// Each customer's group for a retention curve (see [`retention_groups`]), and what was done
/// about the data.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionGroups {
    /// Each customer's group, in customer order (`None` = in no group).
    pub groups: Vec<Option<String>>,
    /// A [`QualityWarning::TooManyGroups`](crate::io::quality::QualityWarning::TooManyGroups)
    /// when an attribute had more than `max_groups` values; empty otherwise.
    pub data_quality: DataQuality,
}

/// Each customer's group for `retention --by BY` (in customer order; `None` = in no group):
/// the study factors `products_held` (`1`, `2`, `3`, `4+`; `products` is accepted), `upsell_90d`,
/// `weekly_engaged` from `factors`, or any customer attribute by its column name (its values;
/// booleans as `true` / `false`). An attribute with more than `max_groups` (≥ 1; default
/// [`MAX_RETENTION_GROUPS`]) distinct values keeps its `max_groups` largest and merges the rest
/// into one `(other)` group ([`crate::survival::GroupCap`]), with a counted warning in
/// [`RetentionGroups::data_quality`], as `retention --by` does.
///
/// ```
/// use attrition::io::tables::{AttributeKind, Customer, Tables};
/// use attrition::study::{MAX_RETENTION_GROUPS, retention_groups};
/// let day = |s: &str| attrition::io::parse::parse_date(s).unwrap();
/// let mut t = Tables::default();
/// t.customers = ["a", "b", "c"].map(|id| Customer::new(id, day("2024-01-01"))).to_vec();
/// t.set_attribute(0, "plan", AttributeKind::Categorical, "pro");
/// t.set_attribute(1, "plan", AttributeKind::Categorical, "pro");
/// t.set_attribute(2, "plan", AttributeKind::Categorical, "basic");
/// let r = retention_groups(&t, &[], "plan", MAX_RETENTION_GROUPS).unwrap();
/// assert_eq!(r.groups, [Some("pro".to_string()), Some("pro".to_string()), Some("basic".to_string())]);
/// assert!(r.data_quality.is_empty());
/// // At most one group: the smaller level is merged, with a warning.
/// let r = retention_groups(&t, &[], "plan", 1).unwrap();
/// assert_eq!(r.groups[2].as_deref(), Some("(other)"));
/// assert!(r.data_quality.warnings[0].to_string().starts_with("`plan` has 2 groups, more than --max-groups 1"));
/// assert!(retention_groups(&t, &[], "region", 20).unwrap_err().to_string().contains("plan"));
/// ```
pub fn retention_groups(
    tables: &Tables,
    factors: &[CustomerFactors],
    by: &str,
    max_groups: usize,
) -> Result<RetentionGroups> {
    let n = tables.customers.len();
    let from_factors = |f: &dyn Fn(&CustomerFactors) -> String| RetentionGroups {
        groups: (0..n).map(|c| factors.get(c).map(f)).collect(),
        data_quality: DataQuality::default(),
    };
    match by {
        "products_held" | "products" => Ok(from_factors(&|f| {
            if f.products_held >= 4 { "4+".into() } else { f.products_held.to_string() }
        })),
        "upsell_90d" => Ok(from_factors(&|f| f.upsold_within_90d.to_string())),
        "weekly_engaged" => Ok(from_factors(&|f| f.weekly_engaged.to_string())),
        _ => {
            let Some(attr) = tables.attribute(by) else {
                let mut names = vec!["products_held", "upsell_90d", "weekly_engaged"];
                names.extend(tables.attributes.iter().map(|a| a.name.as_str()));
                return Err(Error::param("by", by, format!("one of {}", names.join(", "))));
            };
            let labels: Vec<Option<&str>> = (0..n as u32).map(|c| attr.category(c)).collect();
            let mut sizes: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
            for l in labels.iter().flatten() {
                *sizes.entry(l).or_default() += 1;
            }
            // Many values keep the largest groups, the rest merged into one (issue 14: a
            // warning, not a refusal), as `retention --by` does.
            let cap = GroupCap::of_sizes(sizes, max_groups)?;
            let mut data_quality = DataQuality::default();
            if let Some(w) = cap.warning(by) {
                data_quality.push(w);
            }
            let groups = labels.iter().map(|l| l.map(|l| cap.group(l).to_owned())).collect();
            Ok(RetentionGroups { groups, data_quality })
        }
    }
}
