//! Reasons in words: the one catalogue of phrasings, per feature family.
//!
//! A reason is a feature that pushed a customer's churn risk *up* (a positive contribution, see
//! [`crate::models::trained::Explanations`]). [`Phrasebook`] turns it into a sentence with the
//! customer's value, the direction and a reference from training — "usage fell 62% over the
//! last 28 days (14 → 5 events/week)", "not upsold in the first 90 days (60% of retained
//! customers were)", "NPS 4 — detractor", "hit the plan limit 3 times in 90 days", "uses 2 of
//! 10 features (retained customers: 6)". References come from the model's
//! [`TrainingProfile`](crate::models::profile::TrainingProfile) ("retained customers: X" is the
//! median of the training rows that did not churn); a model without one gets the sentence
//! without the reference.
//!
//! Features are recognised by their spec in the model's feature build, else by the stable
//! column names of [`crate::features`]; any other column (a customer attribute, a flat file's
//! `Contract`) gets a generic phrasing: "Contract is Month-to-month (43% of such customers
//! churned in training, 27% overall)", "MonthlyCharges is high: 95 (retained customers: 64)".
//! Each reason also has a [`ReasonFamily`], which the playbook maps to an action.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::prelude::*;
//! use attrition::scoring::reasons::Phrasebook;
//! let n = 300;
//! let nps: Vec<f64> = (0..n).map(|i| (i % 11) as f64).collect();
//! let y: Vec<bool> = (0..n).map(|i| i % 11 < 4 && i % 3 != 0).collect();
//! let data = Dataset::new(vec![Column::numeric("nps_latest", nps)])?.with_churned(y)?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&data)?.with_profile(&data)?;
//! let book = Phrasebook::new(&model);
//! let row = model.row().num("nps_latest", 2.0).build()?;
//! assert_eq!(book.text(row.dataset(), 0, 0), "NPS 2 — detractor (retained customers: 6)");
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::catalogue::EventRole;
use crate::dataset::{ColumnData, Dataset};
use crate::error::Result;
use crate::features::{EventSelector, FeatureSpec};
use crate::io::tables::AttributeKind;
use crate::models::profile::{CategoricalProfile, NumericProfile};
use crate::models::row::Reason;
use crate::models::trained::{ExplanationMethod, Explanations, TrainedModel};
use crate::scoring::RiskTier;

/// What kind of trouble a reason points at: the key of the playbook's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonFamily {
    /// Usage is low or falling (events, active weeks, active users, days since last use).
    UsageDecline,
    /// Sticky features not adopted, or few features used.
    FeatureAdoption,
    /// Not upsold (early), few products.
    NoUpsell,
    /// The main user (champion) left.
    ChampionLeft,
    /// Hit the plan's limits.
    LimitHits,
    /// A detractor or falling NPS.
    Detractor,
    /// MRR level or change.
    Billing,
    /// A young account.
    EarlyTenure,
    /// Another warning signal event (e.g. support tickets).
    Signal,
    /// A customer attribute or any other column.
    CustomerProfile,
}

impl ReasonFamily {
    /// Every family, in the order of the enum.
    pub const ALL: [ReasonFamily; 10] = [
        ReasonFamily::UsageDecline,
        ReasonFamily::FeatureAdoption,
        ReasonFamily::NoUpsell,
        ReasonFamily::ChampionLeft,
        ReasonFamily::LimitHits,
        ReasonFamily::Detractor,
        ReasonFamily::Billing,
        ReasonFamily::EarlyTenure,
        ReasonFamily::Signal,
        ReasonFamily::CustomerProfile,
    ];

    /// Stable snake_case name (as in the playbook file).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonFamily::UsageDecline => "usage_decline",
            ReasonFamily::FeatureAdoption => "feature_adoption",
            ReasonFamily::NoUpsell => "no_upsell",
            ReasonFamily::ChampionLeft => "champion_left",
            ReasonFamily::LimitHits => "limit_hits",
            ReasonFamily::Detractor => "detractor",
            ReasonFamily::Billing => "billing",
            ReasonFamily::EarlyTenure => "early_tenure",
            ReasonFamily::Signal => "signal",
            ReasonFamily::CustomerProfile => "customer_profile",
        }
    }
}

impl std::fmt::Display for ReasonFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a feature is phrased: its spec (when known) and what it needs from the row and profile.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    spec: Option<FeatureSpec>,
    /// Role of the spec's event type, when the feature build says.
    role: Option<EventRole>,
    family: ReasonFamily,
    numeric: Option<NumericProfile>,
    categorical: Option<CategoricalProfile>,
    /// Model feature index of the usage rate over the same window (for a usage trend).
    rate: Option<usize>,
    /// Model feature index of `nps_latest` (for the NPS flags).
    nps: Option<usize>,
    /// Usage event types available (for breadth).
    n_types: Option<usize>,
}

/// The phrasings of one model's features (see the [module docs](self)); built once per model.
#[derive(Debug, Clone)]
pub struct Phrasebook {
    entries: Vec<Entry>,
    base_rate: f64,
}

/// The rows of a scored batch that get reasons — risk tier at or above
/// [`ReasonOptions::from_tier`] — explained, and only those: explaining is the costly part of
/// scoring and most customers are in the low tier (`auto`'s e-commerce model: 948 of 5,630 rows
/// get reasons; `attrition score` took 7.6 s explaining every row, 1.7 s explaining those).
/// `attrition score` and the Python package's `score` both read their reasons through it.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::prelude::*;
/// use attrition::scoring::RiskTier;
/// use attrition::scoring::reasons::{Phrasebook, ReasonOptions, ReasonRows};
/// let n = 300;
/// let nps: Vec<f64> = (0..n).map(|i| (i % 11) as f64).collect();
/// let y: Vec<bool> = (0..n).map(|i| i % 11 < 4 && i % 3 != 0).collect();
/// let data = Dataset::new(vec![Column::numeric("nps_latest", nps)])?.with_churned(y)?;
/// let model = ModelParams::new(ModelKind::Logistic).fit(&data)?.with_profile(&data)?;
/// let p = model.predict_proba(&data)?;
/// let options = ReasonOptions::default();
/// let rows = ReasonRows::new(&model, &data, &p, &options, u64::MAX)?;
/// let book = Phrasebook::new(&model);
/// for k in 0..n {
///     let reasons = rows.reasons(&book, k, p[k], &options);
///     // Low-tier rows are neither explained nor given reasons.
///     assert_eq!(rows.wanted[k], RiskTier::of(p[k], model.training_churn_rate) >= RiskTier::Medium);
///     assert!(rows.wanted[k] || reasons.is_empty());
/// }
/// assert!(rows.wanted.iter().any(|&w| w) && rows.wanted.iter().any(|&w| !w));
/// # Ok(())
/// # }
/// ```
pub struct ReasonRows {
    /// How the model is explained within the limit (Shapley values, or path attribution for
    /// boosted trees over it); `None` when no method is within it or no reasons were asked for.
    pub method: Option<ExplanationMethod>,
    /// Per row of the batch: whether its tier gets reasons.
    pub wanted: Vec<bool>,
    /// The explained rows (a copy of the wanted ones) and their explanations.
    explained: Option<(Dataset, Explanations)>,
    /// Per row of the batch: its row in `explained`.
    index: Vec<Option<usize>>,
}

impl ReasonRows {
    /// Explains the rows of `data` (scored `p_churn`; a `NaN` row is not explained) whose tier
    /// gets reasons under `options`, within `limit_per_row` explanation steps a row
    /// ([`TrainedModel::explain_cost_per_row`]).
    pub fn new(
        model: &TrainedModel,
        data: &Dataset,
        p_churn: &[f64],
        options: &ReasonOptions,
        limit_per_row: u64,
    ) -> Result<ReasonRows> {
        let base = model.training_churn_rate;
        let wanted: Vec<bool> = p_churn
            .iter()
            .map(|&p| options.count > 0 && !p.is_nan() && RiskTier::of(p, base) >= options.from_tier)
            .collect();
        let method = if options.count > 0 { model.explanation_method(limit_per_row) } else { None };
        let mut index = vec![None; p_churn.len()];
        let rows: Vec<usize> = (0..p_churn.len()).filter(|&k| wanted[k]).collect();
        let explained = match method {
            Some(method) if !rows.is_empty() => {
                for (j, &k) in rows.iter().enumerate() {
                    index[k] = Some(j);
                }
                let chosen = data.take(&rows);
                let explanations = model.explain_by(&chosen, method)?;
                Some((chosen, explanations))
            }
            _ => None,
        };
        Ok(ReasonRows { method, wanted, explained, index })
    }

    /// Whether row `k` should get reasons and cannot (the model is over the limit).
    pub fn unavailable(&self, k: usize) -> bool {
        self.wanted[k] && self.method.is_none()
    }

    /// Row `k`'s reasons in words (none for a row whose tier gets none).
    pub fn reasons(&self, phrases: &Phrasebook, k: usize, p_churn: f64, options: &ReasonOptions) -> Vec<Reason> {
        match (&self.explained, self.index.get(k).copied().flatten()) {
            (Some((rows, explanations)), Some(j)) => phrases.reasons(rows, explanations, j, p_churn, options),
            _ => Vec::new(),
        }
    }
}

/// Which customers get reasons, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReasonOptions {
    /// Reasons per customer (default 3).
    pub count: usize,
    /// Lowest risk tier that gets reasons (default [`RiskTier::Medium`]: the low tier gets none).
    pub from_tier: RiskTier,
}

impl Default for ReasonOptions {
    fn default() -> Self {
        ReasonOptions { count: 3, from_tier: RiskTier::Medium }
    }
}

/// A value of one feature in one row.
enum Value<'a> {
    Num(f64),
    Cat(Option<&'a str>),
}

fn value<'a>(data: &'a Dataset, name: &str, row: usize) -> Option<Value<'a>> {
    let c = data.column(name)?;
    Some(match &c.data {
        ColumnData::Numeric(v) => Value::Num(*v.get(row)?),
        ColumnData::Categorical(c) => Value::Cat(c.value(row)),
    })
}

/// A number as a reader writes it: whole numbers without decimals and with thousands
/// separators, others with two significant decimals at most.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let s = if (v - v.round()).abs() < 1e-9 || a >= 100.0 {
        crate::report::format::thousands(v, 0)
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

/// A share as a whole percentage.
fn pct(v: f64) -> String {
    format!("{}%", n((100.0 * v).round()))
}

fn times(v: f64) -> String {
    if v == 1.0 { "once".into() } else { format!("{} times", n(v)) }
}

fn plural(v: f64, one: &str, many: &str) -> String {
    format!("{} {}", n(v), if v == 1.0 { one } else { many })
}

/// Makes a windowed spec from its window.
type MakeWindowed = fn(u32) -> FeatureSpec;
/// Makes an event metric from its selector and window.
type MakeEvent = fn(EventSelector, u32) -> FeatureSpec;
/// Formats a reference value.
type Format<'a> = &'a dyn Fn(f64) -> String;

/// Parses the stable column names of [`crate::features`] back into their spec.
pub fn spec_from_name(name: &str) -> Option<FeatureSpec> {
    use FeatureSpec::*;
    let num = |s: &str, suffix: &str| s.strip_suffix(suffix).and_then(|d| d.parse::<u32>().ok());
    let exact = match name {
        "tenure_days" => Some(TenureDays),
        "mrr" => Some(Mrr),
        "active_products" => Some(ActiveProducts),
        "upsold" => Some(Upsold),
        "days_to_first_upsell" => Some(DaysToFirstUpsell),
        "days_since_last_event" => Some(DaysSinceLastEvent),
        "nps_latest" => Some(NpsLatest),
        "nps_change" => Some(NpsChange),
        "nps_detractor" => Some(NpsDetractor),
        "nps_promoter" => Some(NpsPromoter),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }
    let windowed: [(&str, &str, MakeWindowed); 6] = [
        ("mrr_change_", "d", |d| MrrChange { days: d }),
        ("upsold_within_", "d", |d| UpsoldWithin { days: d }),
        ("usage_trend_", "d", |d| UsageTrend { window_days: d }),
        ("active_weeks_share_", "w", |w| ActiveWeeksShare { weeks: w }),
        ("event_type_breadth_", "d", |d| EventTypeBreadth { window_days: d }),
        ("active_users_", "d", |d| ActiveUsers { window_days: d }),
    ];
    for (prefix, suffix, make) in windowed {
        if let Some(d) = name.strip_prefix(prefix).and_then(|rest| num(rest, suffix)) {
            return Some(make(d));
        }
    }
    // Event metrics: `[{role}_]{stem}{w}d[_{type}]`.
    let roles = [
        EventRole::LimitHit,
        EventRole::ChampionLeft,
        EventRole::Core,
        EventRole::Sticky,
        EventRole::Signal,
        EventRole::Other,
    ];
    let (role, rest) = roles
        .iter()
        .find_map(|r| name.strip_prefix(r.as_str()).and_then(|s| s.strip_prefix('_')).map(|s| (Some(*r), s)))
        .unwrap_or((None, name));
    let stems: [(&str, MakeEvent); 4] = [
        ("events_per_week_", |s, w| EventRate { select: s, window_days: w }),
        ("events_share_", |s, w| EventShare { select: s, window_days: w }),
        ("any_event_", |s, w| EventAny { select: s, window_days: w }),
        ("events_", |s, w| EventCount { select: s, window_days: w }),
    ];
    for (stem, make) in stems {
        let Some(after) = rest.strip_prefix(stem) else { continue };
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        let (w, tail) = after.split_at(digits);
        let Ok(w) = w.parse::<u32>() else { continue };
        let Some(tail) = tail.strip_prefix('d') else { continue };
        let select = match (role, tail) {
            (Some(r), "") => EventSelector::Role(r),
            (None, "") => EventSelector::Usage,
            (None, "_other_types") => EventSelector::OtherTypes,
            (None, t) if t.len() > 1 && t.starts_with('_') => EventSelector::Type(t[1..].to_owned()),
            _ => continue,
        };
        return Some(make(select, w));
    }
    None
}

fn family_of(spec: Option<&FeatureSpec>, role: Option<EventRole>) -> ReasonFamily {
    use FeatureSpec::*;
    let Some(spec) = spec else { return ReasonFamily::CustomerProfile };
    if let Some((select, _)) = spec.event_window() {
        let r = match select {
            EventSelector::Role(r) => Some(*r),
            _ => role,
        };
        return match (r, spec) {
            (Some(EventRole::LimitHit), _) => ReasonFamily::LimitHits,
            (Some(EventRole::ChampionLeft), _) => ReasonFamily::ChampionLeft,
            (Some(EventRole::Signal), _) => ReasonFamily::Signal,
            (Some(EventRole::Sticky), _) | (_, EventShare { .. }) => ReasonFamily::FeatureAdoption,
            (_, _) => ReasonFamily::UsageDecline,
        };
    }
    match spec {
        TenureDays => ReasonFamily::EarlyTenure,
        Mrr | MrrChange { .. } => ReasonFamily::Billing,
        ActiveProducts | Upsold | DaysToFirstUpsell | UpsoldWithin { .. } => ReasonFamily::NoUpsell,
        EventTypeBreadth { .. } => ReasonFamily::FeatureAdoption,
        NpsLatest | NpsChange | NpsDetractor | NpsPromoter => ReasonFamily::Detractor,
        Attribute { .. } | Attributes => ReasonFamily::CustomerProfile,
        _ => ReasonFamily::UsageDecline,
    }
}

impl Phrasebook {
    /// The phrasings of `model`'s features, with references from its profile when it has one.
    pub fn new(model: &TrainedModel) -> Phrasebook {
        let build = model.feature_build.as_ref();
        let names: Vec<&str> = model.features.iter().map(|f| f.name.as_str()).collect();
        let index = |name: &str| names.iter().position(|n| *n == name);
        let n_types = build.and_then(|b| {
            b.catalogue.event_types.as_ref().map(|t| t.len() + usize::from(b.catalogue.merged_event_types.is_some()))
        });
        let entries = model
            .features
            .iter()
            .map(|f| {
                let spec = match build {
                    Some(b) => b.catalogue.specs.iter().find(|s| s.name() == f.name).cloned(),
                    None => spec_from_name(&f.name),
                };
                let role = match (&spec, build) {
                    (Some(s), Some(b)) => match s.event_window() {
                        Some((EventSelector::Type(t), _)) => Some(b.catalogue.events.role(t)),
                        _ => None,
                    },
                    _ => None,
                };
                let profile = model.profile.as_ref().and_then(|p| p.feature(&f.name));
                let rate = match &spec {
                    Some(FeatureSpec::UsageTrend { window_days }) => index(&format!("events_per_week_{window_days}d")),
                    _ => None,
                };
                Entry {
                    name: f.name.clone(),
                    family: family_of(spec.as_ref(), role),
                    role,
                    numeric: profile.and_then(|p| p.numeric.clone()),
                    categorical: profile.and_then(|p| p.categorical.clone()),
                    rate,
                    nps: index("nps_latest"),
                    n_types,
                    spec,
                }
            })
            .collect();
        Phrasebook { entries, base_rate: model.training_churn_rate }
    }

    /// The family of the model's feature `feature` (by index).
    pub fn family(&self, feature: usize) -> ReasonFamily {
        self.entries.get(feature).map_or(ReasonFamily::CustomerProfile, |e| e.family)
    }

    /// Up to `options.count` reasons of row `row` of `data` (the rows `explanations` explain),
    /// largest contribution first, each with its sentence and family; none when the row's risk
    /// tier (from `p_churn`) is below `options.from_tier`.
    pub fn reasons(
        &self,
        data: &Dataset,
        explanations: &Explanations,
        row: usize,
        p_churn: f64,
        options: &ReasonOptions,
    ) -> Vec<Reason> {
        if RiskTier::of(p_churn, self.base_rate) < options.from_tier {
            return Vec::new();
        }
        // The features that raised the risk most, largest first; those whose value sits on the
        // retained customers' side (usage above theirs) only after all the others, order kept.
        // Checked lazily: most rows need only their first few.
        let mut chosen = Vec::with_capacity(options.count);
        let mut later = Vec::new();
        for (feature, contribution) in explanations.top_reasons(row, explanations.features.len()) {
            if chosen.len() == options.count {
                break;
            }
            if self.on_the_retained_side(data, row, feature) {
                later.push((feature, contribution));
            } else {
                chosen.push((feature, contribution));
            }
        }
        let room = options.count - chosen.len();
        chosen.extend(later.into_iter().take(room));
        chosen
            .into_iter()
            .map(|(feature, contribution)| {
                let j = self.entries.iter().position(|e| e.name == feature);
                Reason {
                    feature: feature.to_owned(),
                    contribution,
                    text: j.map_or_else(|| feature.to_owned(), |j| self.text(data, row, j)),
                    family: j.map_or(ReasonFamily::CustomerProfile, |j| self.family(j)),
                }
            })
            .collect()
    }

    /// Whether numeric feature `feature`'s value in row `row` is on the retained customers' side
    /// of the training medians: at or above their median where churned customers' is lower
    /// (usage, products held), at or below it where churned customers' is higher. Such a value
    /// raised the risk only together with the customer's other values (a fall from a high
    /// level, say), and "9.9 events/week (retained customers: 2.3/week)" reads as no reason to
    /// a customer-success manager; [`Phrasebook::reasons`] lists such features last. A tester
    /// found one first for 141 of 1,655 medium- and high-risk customers of a simulated world.
    /// Where the two medians are equal (a share or a count on a coarse grid: the simulator's
    /// feature breadth, 0.64 for both, where "uses 11 of 11 features (retained customers: 7)"
    /// came first for a customer), the means say which side is the retained one.
    fn on_the_retained_side(&self, data: &Dataset, row: usize, feature: &str) -> bool {
        let Some(e) = self.entries.iter().find(|e| e.name == feature) else { return false };
        let Some(p) = &e.numeric else { return false };
        let (Some(retained), Some(churned)) = (p.retained.median, p.churned.median) else { return false };
        use std::cmp::Ordering::{Equal, Greater, Less};
        // With tied medians the shared median itself is on neither side (a 0/1 flag at 0 for
        // both groups: "never upsold" is not the retained customers' side).
        let (side, strict) = match (retained.partial_cmp(&churned), p.retained.mean, p.churned.mean) {
            (Some(Equal), Some(rm), Some(cm)) => (rm.partial_cmp(&cm), true),
            (order, ..) => (order, false),
        };
        match (value(data, &e.name, row), side) {
            (Some(Value::Num(v)), Some(Greater)) if v.is_finite() => v > retained || (!strict && v == retained),
            (Some(Value::Num(v)), Some(Less)) if v.is_finite() => v < retained || (!strict && v == retained),
            _ => false,
        }
    }

    /// The sentence for the model's feature `feature` (by index) in row `row` of `data`.
    pub fn text(&self, data: &Dataset, row: usize, feature: usize) -> String {
        let Some(e) = self.entries.get(feature) else { return String::new() };
        match value(data, &e.name, row) {
            Some(Value::Num(v)) => self.numeric(e, data, row, v),
            Some(Value::Cat(level)) => self.categorical(e, level),
            None => e.name.clone(),
        }
    }

    fn categorical(&self, e: &Entry, level: Option<&str>) -> String {
        let name = match &e.spec {
            Some(FeatureSpec::Attribute { attribute, .. }) => attribute.as_str(),
            _ => e.name.as_str(),
        };
        let Some(level) = level else { return format!("{name}: no value") };
        match e.categorical.as_ref().map(|c| c.level(level)) {
            Some(Some(l)) => format!(
                "{name} is {level} ({} of such customers churned in training, {} overall)",
                pct(l.churn_rate),
                pct(self.base_rate)
            ),
            Some(None) => format!("{name} is {level} (a value not seen in training)"),
            None => format!("{name} is {level}"),
        }
    }

    fn numeric(&self, e: &Entry, data: &Dataset, row: usize, v: f64) -> String {
        use FeatureSpec::*;
        let ret = e.numeric.as_ref().map(|p| p.retained);
        let median = ret.and_then(|t| t.median);
        let share = ret.and_then(|t| t.share_positive);
        // "(retained customers: X)" with X formatted by `f`.
        let refer =
            |f: &dyn Fn(f64) -> String| median.map_or(String::new(), |m| format!(" (retained customers: {})", f(m)));
        let of_retained =
            |verb: &str| share.map_or(String::new(), |s| format!(" ({} of retained customers {verb})", pct(s)));
        let missing = v.is_nan();
        let Some(spec) = &e.spec else { return generic(&e.name, v, median, &refer) };
        match spec {
            TenureDays if missing => "tenure unknown".into(),
            TenureDays => format!("customer for {}{}", plural(v, "day", "days"), refer(&n)),
            Mrr if missing => "no MRR recorded".into(),
            Mrr => format!("MRR {}{}", n(v), refer(&n)),
            MrrChange { days } if missing => format!("no MRR {days} days ago to compare with"),
            MrrChange { days } => format!(
                "MRR {} over the last {days} days{}",
                if v < 0.0 {
                    format!("fell by {}", n(-v))
                } else if v > 0.0 {
                    format!("rose by {}", n(v))
                } else {
                    "unchanged".into()
                },
                refer(&|m| if m > 0.0 { format!("+{}", n(m)) } else { n(m) })
            ),
            ActiveProducts => format!("holds {}{}", plural(v, "product", "products"), refer(&n)),
            Upsold if v == 0.0 => format!("never upsold{}", of_retained("were")),
            Upsold => "upsold".into(),
            DaysToFirstUpsell if missing => format!(
                "no upsell yet{}",
                median.map_or(String::new(), |m| format!(" (retained customers' first upsell: day {})", n(m)))
            ),
            DaysToFirstUpsell => format!("first upsell after {}{}", plural(v, "day", "days"), refer(&n)),
            UpsoldWithin { days } if missing => format!("younger than {days} days: too early to tell about an upsell"),
            UpsoldWithin { days } if v == 0.0 => format!("not upsold in the first {days} days{}", of_retained("were")),
            UpsoldWithin { days } => format!("upsold in the first {days} days{}", of_retained("were")),
            EventRate { select, window_days } => {
                let what = self.what(e, select);
                if v == 0.0 {
                    format!("no {what} in the last {window_days} days{}", refer(&|m| format!("{}/week", n(m))))
                } else {
                    format!(
                        "{what} {} over the last {window_days} days{}",
                        plural(v, "event/week", "events/week"),
                        refer(&|m| format!("{}/week", n(m)))
                    )
                }
            }
            EventCount { select, window_days } => match (self.role(e, select), missing) {
                (_, true) => format!("{}: no value", e.name),
                (Some(EventRole::LimitHit), _) => {
                    format!("hit the plan limit {} in {window_days} days{}", times(v), refer(&n))
                }
                (Some(EventRole::ChampionLeft), _) => {
                    format!(
                        "{} left in the last {window_days} days",
                        plural(v, "main user (champion)", "main users (champions)")
                    )
                }
                _ => format!("{} {} in the last {window_days} days{}", self.what(e, select), times(v), refer(&n)),
            },
            EventAny { select, window_days } => match (self.role(e, select), v) {
                (Some(EventRole::ChampionLeft), x) if x > 0.0 => {
                    format!("main user (champion) left in the last {window_days} days{}", of_retained("had that"))
                }
                (Some(EventRole::LimitHit), x) if x > 0.0 => {
                    format!("hit the plan limit in the last {window_days} days")
                }
                (_, x) if x > 0.0 => {
                    format!("{} in the last {window_days} days{}", self.what(e, select), of_retained("had some"))
                }
                _ => format!("no {} in the last {window_days} days{}", self.what(e, select), of_retained("had some")),
            },
            EventShare { select, window_days } if missing => {
                format!("no usage at all in the last {window_days} days, so no {}", self.what(e, select))
            }
            EventShare { select, window_days } => format!(
                "{} is {} of usage over the last {window_days} days{}",
                self.what(e, select),
                pct(v),
                refer(&pct)
            ),
            UsageTrend { window_days } if missing => {
                format!("no usage trend (under {} days of history, or no earlier usage)", 2 * window_days)
            }
            UsageTrend { window_days } => {
                let rates = e
                    .rate
                    .and_then(|j| match value(data, &self.entries[j].name, row) {
                        Some(Value::Num(now)) if now.is_finite() && v > -100.0 => {
                            Some(format!(" ({} → {} events/week)", n(now / (1.0 + v / 100.0)), n(now)))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let change = if v < 0.0 {
                    format!("fell {}", pct(-v / 100.0))
                } else if v > 0.0 {
                    format!("rose {}", pct(v / 100.0))
                } else {
                    "was flat".into()
                };
                format!("usage {change} over the last {window_days} days{rates}")
            }
            DaysSinceLastEvent if missing => "no usage recorded".into(),
            DaysSinceLastEvent => format!("last used {} ago{}", plural(v, "day", "days"), refer(&n)),
            ActiveWeeksShare { weeks } => {
                let w = f64::from(*weeks);
                format!("active in {} of the last {weeks} weeks{}", n((v * w).round()), refer(&|m| n((m * w).round())))
            }
            EventTypeBreadth { window_days } if missing => format!("no features to use in the last {window_days} days"),
            EventTypeBreadth { .. } => match e.n_types {
                Some(k) => {
                    let k = k as f64;
                    format!("uses {} of {} features{}", n((v * k).round()), n(k), refer(&|m| n((m * k).round())))
                }
                None => format!("uses {} of the features{}", pct(v), refer(&pct)),
            },
            ActiveUsers { window_days } => {
                format!("{} in the last {window_days} days{}", plural(v, "active user", "active users"), refer(&n))
            }
            NpsLatest if missing => "no NPS response".into(),
            NpsLatest => format!("NPS {} — {}{}", n(v), nps_class(v), refer(&n)),
            NpsChange if missing => "no earlier NPS response to compare with".into(),
            NpsChange if v < 0.0 => format!("NPS fell {}", plural(-v, "point", "points")),
            NpsChange => format!(
                "NPS {}",
                if v > 0.0 { format!("rose {}", plural(v, "point", "points")) } else { "unchanged".into() }
            ),
            NpsDetractor | NpsPromoter if missing => "no NPS response".into(),
            NpsDetractor | NpsPromoter => {
                let latest = e.nps.and_then(|j| match value(data, &self.entries[j].name, row) {
                    Some(Value::Num(x)) if x.is_finite() => Some(x),
                    _ => None,
                });
                let detractor = matches!(spec, NpsDetractor);
                match (latest, detractor, v > 0.0) {
                    (Some(x), _, _) => format!("NPS {} — {}", n(x), nps_class(x)),
                    (None, true, true) => "latest NPS is a detractor score (0–6)".into(),
                    (None, true, false) => "latest NPS is not a detractor score".into(),
                    (None, false, true) => "latest NPS is a promoter score (9–10)".into(),
                    (None, false, false) => format!("latest NPS is not a promoter score{}", of_retained("gave one")),
                }
            }
            Attribute { attribute, kind: AttributeKind::Date, .. } if !missing => {
                format!("{attribute} {} ago{}", plural(v, "day", "days"), refer(&n))
            }
            Attribute { attribute, .. } => generic(attribute, v, median, &refer),
            Attributes => generic(&e.name, v, median, &refer),
        }
    }

    /// What an event selector counts, in words.
    fn what(&self, e: &Entry, select: &EventSelector) -> String {
        match select {
            EventSelector::Usage => "usage".into(),
            EventSelector::Type(t) => match e.role {
                Some(EventRole::Sticky) => format!("use of {} (a sticky feature)", words(t)),
                _ => words(t),
            },
            EventSelector::Role(EventRole::Core) => "use of core features".into(),
            EventSelector::Role(EventRole::Sticky) => "use of sticky features".into(),
            EventSelector::Role(EventRole::LimitHit) => "plan-limit hits".into(),
            EventSelector::Role(EventRole::ChampionLeft) => "champion departures".into(),
            EventSelector::Role(r) => format!("{} events", words(r.as_str())),
            EventSelector::OtherTypes => "use of other features".into(),
            EventSelector::EachType | EventSelector::EachSignal => e.name.clone(),
        }
    }

    fn role(&self, e: &Entry, select: &EventSelector) -> Option<EventRole> {
        match select {
            EventSelector::Role(r) => Some(*r),
            _ => e.role,
        }
    }
}

/// An event type or column name in words (`publish_post` → `publish post`).
fn words(s: &str) -> String {
    s.replace('_', " ")
}

fn nps_class(v: f64) -> &'static str {
    if v <= 6.0 {
        "detractor"
    } else if v >= 9.0 {
        "promoter"
    } else {
        "passive"
    }
}

/// Any other numeric column: its name, the direction against retained customers' median and
/// the value.
fn generic(name: &str, v: f64, median: Option<f64>, refer: &dyn Fn(Format<'_>) -> String) -> String {
    if v.is_nan() {
        return format!("{name}: no value");
    }
    let direction = match median {
        Some(m) if v > m => " is high:",
        Some(m) if v < m => " is low:",
        _ => "",
    };
    format!("{name}{direction} {}{}", n(v), refer(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_into_their_specs() {
        use crate::features::FeatureCatalogue;
        use crate::io::tables::{EventsBuilder, Tables};
        let mut b = EventsBuilder::new();
        for (i, t) in ["login", "publish_post", "limit_hit"].iter().enumerate() {
            b.push(0, i as i64, t, "u").unwrap();
        }
        let tables = Tables { events: b.finish(), ..Default::default() };
        let specs = FeatureCatalogue::standard().resolve(&tables).unwrap().specs;
        for s in &specs {
            assert_eq!(spec_from_name(&s.name()).as_ref(), Some(s), "{}", s.name());
        }
        assert!(specs.len() > 25, "{}", specs.len());
        assert!(specs.iter().any(|s| s.name() == "events_per_week_28d_publish_post"));
        assert_eq!(spec_from_name("Contract"), None);
        assert_eq!(spec_from_name("events_per_week_xd"), None);
        assert_eq!(
            spec_from_name("events_90d_support_ticket"),
            Some(FeatureSpec::EventCount { select: EventSelector::Type("support_ticket".into()), window_days: 90 })
        );
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(n(14.0), "14");
        assert_eq!(n(1234.0), "1,234");
        assert_eq!(n(4.96), "5");
        assert_eq!(n(4.3), "4.3");
        assert_eq!(n(0.5), "0.5");
        assert_eq!(n(12.6), "13");
        assert_eq!(pct(0.604), "60%");
    }
}
