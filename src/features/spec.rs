//! The feature catalogue: typed, serde-able feature specs and their stable column names.
//!
//! A [`FeatureSpec`] says *what* to measure (a metric kind) and, for event metrics, *which events*
//! ([`EventSelector`]) over *which window*. Column names are derived from the spec, so they are
//! stable: the same spec always gives the same name. The meaning of every standard column is
//! documented in the [module docs](crate::features).

use serde::{Deserialize, Serialize};

use crate::catalogue::{EventCatalogue, EventRole};
use crate::dataset::ColumnKind;
use crate::error::{Error, Result};
use crate::io::tables::{AttributeKind, Tables};

/// Which events an event metric counts.
///
/// *Usage* events are all events whose role (per the [`EventCatalogue`]) is not a signal, i.e. not
/// [`EventRole::LimitHit`], [`EventRole::ChampionLeft`] or [`EventRole::Signal`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSelector {
    /// All usage events.
    Usage,
    /// Events of one type (by name).
    Type(String),
    /// Events whose type has this role.
    Role(EventRole),
    /// One feature per usage event type of the catalogue: expanded into [`EventSelector::Type`]
    /// specs by [`FeatureCatalogue::resolve`] (plus one [`EventSelector::OtherTypes`] spec when
    /// types beyond [`FeatureCatalogue::max_event_types`] were merged).
    EachType,
    /// One feature per [`EventRole::Signal`] type of the event catalogue: expanded into
    /// [`EventSelector::Type`] specs by [`FeatureCatalogue::resolve`].
    EachSignal,
    /// Usage events whose type is not one of the catalogue's `event_types` (the rare types merged
    /// beyond [`FeatureCatalogue::max_event_types`]); column suffix `_other_types`.
    OtherTypes,
}

/// Snake-case name of an event role, as used in column names ([`EventRole::as_str`]).
pub fn role_name(role: EventRole) -> &'static str {
    role.as_str()
}

/// Whether events of this role are usage (not a signal): [`EventRole::is_usage`].
pub fn is_usage(role: EventRole) -> bool {
    role.is_usage()
}

/// Default of [`FeatureCatalogue::max_event_types`].
pub const DEFAULT_MAX_EVENT_TYPES: usize = 200;

/// Column names a customer attribute's feature never takes (the label and row keys of a feature
/// table); an attribute so named gets the prefix `customer_`.
pub const RESERVED_COLUMNS: [&str; 3] = ["churned", "customer_id", "as_of"];

fn default_max_event_types() -> Option<usize> {
    Some(DEFAULT_MAX_EVENT_TYPES)
}

/// Usage event types beyond [`FeatureCatalogue::max_event_types`], merged into one `other_types`
/// per-type feature when the catalogue was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedEventTypes {
    /// The cap in force.
    pub max_event_types: usize,
    /// Usage event types merged (the rarest, by number of events).
    pub types: usize,
    /// Their events in the data the catalogue was resolved on.
    pub events: u64,
    /// The most frequent merged types (at most 10), most frequent first.
    pub examples: Vec<String>,
}

/// One feature: a metric kind with its window and event selector.
///
/// Windows are whole days ending just before the as-of date: a window of `w` days at `as_of`
/// covers `[as_of − w, as_of)`. See the [module docs](crate::features) for each metric's exact
/// definition and missing-value rule.
///
/// ```
/// use attrition::catalogue::EventRole;
/// use attrition::features::{EventSelector, FeatureSpec};
/// let spec = FeatureSpec::EventRate { select: EventSelector::Role(EventRole::Core), window_days: 28 };
/// assert_eq!(spec.name(), "core_events_per_week_28d");
/// let json = serde_json::to_string(&spec).unwrap();
/// assert_eq!(json, r#"{"metric":"event_rate","select":{"role":"core"},"window_days":28}"#);
/// assert_eq!(serde_json::from_str::<FeatureSpec>(&json).unwrap(), spec);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "metric", rename_all = "snake_case")]
pub enum FeatureSpec {
    /// `tenure_days`: days from signup to the as-of date.
    TenureDays,
    /// `mrr`: total MRR of the subscriptions active on `as_of − 1`.
    Mrr,
    /// `mrr_change_{days}d`: `mrr` minus the MRR on `as_of − 1 − days`.
    MrrChange {
        /// Look-back in days.
        days: u32,
    },
    /// `active_products`: distinct products with a subscription active on `as_of − 1`.
    ActiveProducts,
    /// `upsold`: 1 if the customer's first upsell is before `as_of`, else 0.
    Upsold,
    /// `days_to_first_upsell`: days from signup to the first upsell (missing if none before `as_of`).
    DaysToFirstUpsell,
    /// `upsold_within_{days}d`: 1 if the first upsell came within `days` of signup.
    UpsoldWithin {
        /// Days after signup.
        days: u32,
    },
    /// Events per week in the window (tenure-scaled when the customer is younger than the window).
    EventRate {
        /// Which events.
        select: EventSelector,
        /// Window length in days.
        window_days: u32,
    },
    /// Number of events in the window.
    EventCount {
        /// Which events.
        select: EventSelector,
        /// Window length in days.
        window_days: u32,
    },
    /// 1 if any selected event happened in the window, else 0.
    EventAny {
        /// Which events.
        select: EventSelector,
        /// Window length in days.
        window_days: u32,
    },
    /// Selected events ÷ usage events in the window (missing when there is no usage).
    EventShare {
        /// Which events.
        select: EventSelector,
        /// Window length in days.
        window_days: u32,
    },
    /// `usage_trend_{w}d`: percent change of usage in the last `w` days over the `w` days before.
    UsageTrend {
        /// Length of each of the two windows.
        window_days: u32,
    },
    /// `days_since_last_event`: days from the last usage event's day to `as_of` (≥ 1).
    DaysSinceLastEvent,
    /// `active_weeks_share_{n}w`: share of the last `n` weeks with any usage.
    ActiveWeeksShare {
        /// Number of weeks.
        weeks: u32,
    },
    /// `event_type_breadth_{w}d`: distinct usage types used in the window ÷ usage types available.
    EventTypeBreadth {
        /// Window length in days.
        window_days: u32,
    },
    /// `active_users_{w}d`: distinct users with a usage event in the window.
    ActiveUsers {
        /// Window length in days.
        window_days: u32,
    },
    /// `nps_latest`: the latest NPS score before `as_of`.
    NpsLatest,
    /// `nps_change`: latest NPS score minus the one before it.
    NpsChange,
    /// `nps_detractor`: 1 if the latest score is 0–6, else 0.
    NpsDetractor,
    /// `nps_promoter`: 1 if the latest score is 9–10, else 0.
    NpsPromoter,
    /// A customer attribute (a column of `customers.csv`, see [`crate::io::attributes`]): numeric
    /// as is, a date as days from it to `as_of` (missing while it is after `as_of`), boolean and
    /// categorical as a categorical column. Static: the same value at every `as_of`.
    Attribute {
        /// The attribute's column name.
        attribute: String,
        /// How it is read (saved catalogues without it: categorical).
        #[serde(default)]
        kind: AttributeKind,
        /// The feature column's name when it differs from the attribute's (a name a built-in
        /// feature already has gets a `customer_` prefix).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<String>,
    },
    /// Every customer attribute that can be a feature (all but [`AttributeKind::Text`]), in
    /// column order: expanded by [`FeatureCatalogue::resolve`] into one
    /// [`FeatureSpec::Attribute`] each.
    Attributes,
}

fn sel_prefix(select: &EventSelector) -> (String, String) {
    // (prefix, suffix) around the metric stem.
    match select {
        EventSelector::Usage => (String::new(), String::new()),
        EventSelector::Type(t) => (String::new(), format!("_{t}")),
        EventSelector::EachType => (String::new(), "_{type}".to_owned()),
        EventSelector::EachSignal => (String::new(), "_{signal}".to_owned()),
        EventSelector::OtherTypes => (String::new(), "_other_types".to_owned()),
        EventSelector::Role(r) => (format!("{}_", role_name(*r)), String::new()),
    }
}

impl FeatureSpec {
    /// The column name. For [`EventSelector::EachType`] the name holds a `{type}` placeholder.
    ///
    /// Event metrics: usage `events_per_week_28d`, a type `events_per_week_28d_login`, a role
    /// `core_events_per_week_28d`; likewise `events_{w}d` (count), `any_event_{w}d` (any) and
    /// `events_share_{w}d` (share).
    pub fn name(&self) -> String {
        match self {
            FeatureSpec::TenureDays => "tenure_days".into(),
            FeatureSpec::Mrr => "mrr".into(),
            FeatureSpec::MrrChange { days } => format!("mrr_change_{days}d"),
            FeatureSpec::ActiveProducts => "active_products".into(),
            FeatureSpec::Upsold => "upsold".into(),
            FeatureSpec::DaysToFirstUpsell => "days_to_first_upsell".into(),
            FeatureSpec::UpsoldWithin { days } => format!("upsold_within_{days}d"),
            FeatureSpec::EventRate { select, window_days } => {
                let (p, s) = sel_prefix(select);
                format!("{p}events_per_week_{window_days}d{s}")
            }
            FeatureSpec::EventCount { select, window_days } => {
                let (p, s) = sel_prefix(select);
                format!("{p}events_{window_days}d{s}")
            }
            FeatureSpec::EventAny { select, window_days } => {
                let (p, s) = sel_prefix(select);
                format!("{p}any_event_{window_days}d{s}")
            }
            FeatureSpec::EventShare { select, window_days } => {
                let (p, s) = sel_prefix(select);
                format!("{p}events_share_{window_days}d{s}")
            }
            FeatureSpec::UsageTrend { window_days } => format!("usage_trend_{window_days}d"),
            FeatureSpec::DaysSinceLastEvent => "days_since_last_event".into(),
            FeatureSpec::ActiveWeeksShare { weeks } => format!("active_weeks_share_{weeks}w"),
            FeatureSpec::EventTypeBreadth { window_days } => format!("event_type_breadth_{window_days}d"),
            FeatureSpec::ActiveUsers { window_days } => format!("active_users_{window_days}d"),
            FeatureSpec::NpsLatest => "nps_latest".into(),
            FeatureSpec::NpsChange => "nps_change".into(),
            FeatureSpec::NpsDetractor => "nps_detractor".into(),
            FeatureSpec::NpsPromoter => "nps_promoter".into(),
            FeatureSpec::Attribute { attribute, column, .. } => column.clone().unwrap_or_else(|| attribute.clone()),
            FeatureSpec::Attributes => "{attribute}".into(),
        }
    }

    /// Numeric or categorical.
    pub fn kind(&self) -> ColumnKind {
        match self {
            FeatureSpec::Attribute { kind, .. } if kind.is_numeric() => ColumnKind::Numeric,
            FeatureSpec::Attribute { .. } | FeatureSpec::Attributes => ColumnKind::Categorical,
            _ => ColumnKind::Numeric,
        }
    }

    /// The event selector and window of an event metric.
    pub fn event_window(&self) -> Option<(&EventSelector, u32)> {
        match self {
            FeatureSpec::EventRate { select, window_days }
            | FeatureSpec::EventCount { select, window_days }
            | FeatureSpec::EventAny { select, window_days }
            | FeatureSpec::EventShare { select, window_days } => Some((select, *window_days)),
            _ => None,
        }
    }

    fn with_select(&self, select: EventSelector) -> FeatureSpec {
        match self {
            FeatureSpec::EventRate { window_days, .. } => FeatureSpec::EventRate { select, window_days: *window_days },
            FeatureSpec::EventCount { window_days, .. } => {
                FeatureSpec::EventCount { select, window_days: *window_days }
            }
            FeatureSpec::EventAny { window_days, .. } => FeatureSpec::EventAny { select, window_days: *window_days },
            FeatureSpec::EventShare { window_days, .. } => {
                FeatureSpec::EventShare { select, window_days: *window_days }
            }
            other => other.clone(),
        }
    }

    /// Whether the feature reads the subscriptions (MRR, products, upsells): left out when churn is
    /// derived from events ([`crate::io::churn`]).
    pub fn reads_subscriptions(&self) -> bool {
        matches!(
            self,
            FeatureSpec::Mrr
                | FeatureSpec::MrrChange { .. }
                | FeatureSpec::ActiveProducts
                | FeatureSpec::Upsold
                | FeatureSpec::DaysToFirstUpsell
                | FeatureSpec::UpsoldWithin { .. }
        )
    }

    /// Checks windows and look-backs are ≥ 1 and at most 36,500 days.
    pub fn check(&self) -> Result<()> {
        let days = match self {
            FeatureSpec::MrrChange { days } | FeatureSpec::UpsoldWithin { days } => Some(*days),
            FeatureSpec::UsageTrend { window_days }
            | FeatureSpec::EventTypeBreadth { window_days }
            | FeatureSpec::ActiveUsers { window_days } => Some(*window_days),
            FeatureSpec::ActiveWeeksShare { weeks } => Some(weeks.saturating_mul(7)),
            other => other.event_window().map(|(_, w)| w),
        };
        match days {
            Some(d) if !(1..=36_500).contains(&d) => {
                Err(Error::param("catalogue", self.name(), "windows must be between 1 and 36,500 days"))
            }
            _ => Ok(()),
        }
    }
}

/// The features to compute and the event roles they rely on.
///
/// `event_types` lists the usage event types that per-type features ([`EventSelector::EachType`])
/// expand to and that [`FeatureSpec::EventTypeBreadth`] divides by. `None` means "the usage types
/// present in the data, sorted by name", fixed by [`FeatureCatalogue::resolve`]. A
/// [`crate::features::FeatureTable`] carries its resolved catalogue: pass that one to
/// [`crate::features::snapshot`] to score with exactly the training columns.
///
/// ```
/// use attrition::features::FeatureCatalogue;
/// use attrition::io::tables::{AttributeKind, CustomerAttribute, EventsBuilder, Tables};
/// let mut b = EventsBuilder::new();
/// b.push(0, 0, "login", "u1").unwrap();
/// b.push(0, 0, "limit_hit", "u1").unwrap();
/// let plan = CustomerAttribute::new("plan", AttributeKind::Categorical, vec![Some("pro".into())]);
/// let mrr = CustomerAttribute::new("mrr", AttributeKind::Numeric, vec![Some("10".into())]);
/// let tables = Tables { events: b.finish(), attributes: vec![plan, mrr], ..Default::default() };
/// let resolved = FeatureCatalogue::standard().resolve(&tables).unwrap();
/// assert_eq!(resolved.event_types, Some(vec!["login".to_string()]));
/// let names = resolved.feature_names();
/// assert!(names.contains(&"events_per_week_28d_login".to_string()));
/// assert_eq!(&names[names.len() - 2..], ["plan", "customer_mrr"]); // `mrr` is a built-in feature
/// assert_eq!(names.len(), 30);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureCatalogue {
    /// Roles of event types (core, sticky, limit hit, champion left).
    pub events: EventCatalogue,
    /// Usage event types for per-type features and breadth; `None` = from the data.
    pub event_types: Option<Vec<String>>,
    /// The features, in column order.
    pub specs: Vec<FeatureSpec>,
    /// Most usage event types that get per-type features (default
    /// [`DEFAULT_MAX_EVENT_TYPES`]; `None` = no cap). When the data has more, the most frequent
    /// are kept and the rest merged into one [`EventSelector::OtherTypes`] feature per per-type
    /// metric. Only used when `event_types` is `None`.
    #[serde(default = "default_max_event_types")]
    pub max_event_types: Option<usize>,
    /// Set by [`FeatureCatalogue::resolve`] when types were merged: how many, and their events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_event_types: Option<MergedEventTypes>,
}

impl Default for FeatureCatalogue {
    fn default() -> Self {
        Self::standard()
    }
}

impl FeatureCatalogue {
    /// Reads a catalogue saved as JSON ([`FeatureCatalogue::to_json`]; `features
    /// --save-catalogue` writes one). Errors name the file, and the line and column of bad JSON.
    ///
    /// ```
    /// use attrition::features::FeatureCatalogue;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("catalogue.json");
    /// std::fs::write(&path, FeatureCatalogue::standard().to_json().unwrap()).unwrap();
    /// assert_eq!(FeatureCatalogue::read(&path).unwrap(), FeatureCatalogue::standard());
    /// ```
    pub fn read(path: impl AsRef<std::path::Path>) -> Result<FeatureCatalogue> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        serde_json::from_str(&text).map_err(|source| Error::Json { path: Some(path.to_path_buf()), source })
    }

    /// The catalogue as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self).map_err(|source| Error::Json { path: None, source })? + "\n")
    }

    /// The standard catalogue (the issue's list), with the default [`EventCatalogue`]. Column
    /// order is the order of the table in the [module docs](crate::features).
    pub fn standard() -> Self {
        use EventSelector::{EachSignal, EachType, Role, Usage};
        use FeatureSpec::*;
        let mut specs = vec![
            TenureDays,
            Mrr,
            MrrChange { days: 90 },
            ActiveProducts,
            Upsold,
            DaysToFirstUpsell,
            UpsoldWithin { days: 90 },
        ];
        for w in [7, 28, 90] {
            specs.push(EventRate { select: Usage, window_days: w });
        }
        for w in [7, 28, 90] {
            specs.push(EventRate { select: EachType, window_days: w });
        }
        specs.extend([
            UsageTrend { window_days: 28 },
            DaysSinceLastEvent,
            ActiveWeeksShare { weeks: 12 },
            EventTypeBreadth { window_days: 90 },
            ActiveUsers { window_days: 90 },
            EventRate { select: Role(EventRole::Core), window_days: 28 },
            EventRate { select: Role(EventRole::Sticky), window_days: 28 },
            EventShare { select: Role(EventRole::Core), window_days: 28 },
            EventShare { select: Role(EventRole::Sticky), window_days: 28 },
            NpsLatest,
            NpsChange,
            NpsDetractor,
            NpsPromoter,
            EventAny { select: Role(EventRole::ChampionLeft), window_days: 90 },
            EventCount { select: Role(EventRole::LimitHit), window_days: 90 },
            EventCount { select: EachSignal, window_days: 90 },
            Attributes,
        ]);
        FeatureCatalogue {
            events: EventCatalogue::default(),
            event_types: None,
            specs,
            max_event_types: default_max_event_types(),
            merged_event_types: None,
        }
    }

    /// Caps the per-type features at the `max` most frequent usage types (`None`: no cap); the
    /// rest are merged into one `other_types` feature when resolved.
    pub fn with_max_event_types(mut self, max: Option<usize>) -> Self {
        self.max_event_types = max;
        self
    }

    /// Replaces the event roles.
    pub fn with_events(mut self, events: EventCatalogue) -> Self {
        self.events = events;
        self
    }

    /// Fixes the usage event types (instead of taking them from the data).
    pub fn with_event_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.event_types = Some(types.into_iter().map(Into::into).collect());
        self
    }

    /// Validates every spec, and that there is at least one.
    pub fn check(&self) -> Result<()> {
        if self.specs.is_empty() {
            return Err(Error::param("catalogue", "[]", "at least one feature is needed"));
        }
        for s in &self.specs {
            s.check()?;
        }
        if let Some(types) = &self.event_types {
            for t in types {
                if !is_usage(self.events.role(t)) {
                    return Err(Error::param(
                        "event_types",
                        t,
                        "a signal event type (limit hit / champion left / signal) is not a usage type",
                    ));
                }
            }
        }
        if self.max_event_types == Some(0) {
            return Err(Error::param("max_event_types", 0, "must be at least 1 (or none for no cap)"));
        }
        Ok(())
    }

    /// The catalogue with `event_types` fixed and every per-type selector expanded:
    ///
    /// - `event_types`, when `None`, becomes the usage types in `events` sorted by name — at most
    ///   [`FeatureCatalogue::max_event_types`] of them: beyond the cap the most frequent are kept
    ///   (ties by name), and the rest are merged into one [`EventSelector::OtherTypes`] feature
    ///   after the per-type ones, counted in [`FeatureCatalogue::merged_event_types`];
    /// - [`EventSelector::EachType`] becomes one spec per type, [`EventSelector::EachSignal`] one
    ///   per signal type of the event catalogue;
    /// - [`FeatureSpec::Attributes`] becomes one [`FeatureSpec::Attribute`] per customer attribute
    ///   of `tables` that can be a feature (a name already taken by another feature, or one of
    ///   [`RESERVED_COLUMNS`], gets the prefix `customer_`);
    /// - a [`EventSelector::Role`] spec whose role no event type has in the event catalogue
    ///   (e.g. `limit_hit` in a discovered catalogue) is left out.
    ///
    /// Errors if two features would get the same column name.
    ///
    /// ```
    /// use attrition::features::FeatureCatalogue;
    /// use attrition::io::tables::{EventsBuilder, Tables};
    /// let mut b = EventsBuilder::new();
    /// for (i, t) in ["a", "b", "b", "c", "c", "c"].iter().enumerate() {
    ///     b.push(0, i as i64, t, "u").unwrap();
    /// }
    /// let tables = Tables { events: b.finish(), ..Default::default() };
    /// let resolved = FeatureCatalogue::standard().with_max_event_types(Some(2)).resolve(&tables).unwrap();
    /// assert_eq!(resolved.event_types, Some(vec!["b".to_string(), "c".to_string()]));
    /// let merged = resolved.merged_event_types.as_ref().unwrap();
    /// assert_eq!((merged.types, merged.events), (1, 1));
    /// assert!(resolved.feature_names().contains(&"events_per_week_28d_other_types".to_string()));
    /// ```
    pub fn resolve(&self, tables: &Tables) -> Result<FeatureCatalogue> {
        let events = &tables.events;
        let mut count = vec![0u64; events.kinds.len()];
        for &k in &events.kind {
            if let Some(c) = count.get_mut(k as usize) {
                *c += 1;
            }
        }
        let type_counts: Vec<(&str, u64)> = events.kinds.iter().map(String::as_str).zip(count).collect();
        let attributes: Vec<(&str, AttributeKind)> =
            tables.attributes.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        self.resolve_with(&type_counts, &attributes, tables.churn.is_subscriptions())
    }

    /// [`FeatureCatalogue::resolve`] from what it reads of the tables: the number of events of
    /// each event type (any order; every type once), the customer attributes with their kinds
    /// (in column order) and whether churn is the subscriptions table. What a first pass over a
    /// partitioned dataset counts ([`crate::features::GlobalContext`]) resolves exactly as the
    /// whole tables would.
    pub fn resolve_with(
        &self,
        type_counts: &[(&str, u64)],
        attributes: &[(&str, AttributeKind)],
        churn_is_subscriptions: bool,
    ) -> Result<FeatureCatalogue> {
        self.check()?;
        let mut merged = self.merged_event_types.clone();
        let types: Vec<String> = match &self.event_types {
            Some(t) => t.clone(),
            None => {
                let mut usage: Vec<(u64, &str)> =
                    type_counts.iter().filter(|(k, _)| is_usage(self.events.role(k))).map(|&(k, n)| (n, k)).collect();
                usage.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
                merged = None;
                if let Some(max) = self.max_event_types
                    && usage.len() > max
                {
                    let rest = &usage[max..];
                    merged = Some(MergedEventTypes {
                        max_event_types: max,
                        types: rest.len(),
                        events: rest.iter().map(|x| x.0).sum(),
                        examples: rest.iter().take(10).map(|x| x.1.to_owned()).collect(),
                    });
                    usage.truncate(max);
                }
                let mut t: Vec<String> = usage.into_iter().map(|x| x.1.to_owned()).collect();
                t.sort();
                t.dedup();
                t
            }
        };
        let mut specs = Vec::with_capacity(self.specs.len());
        for s in &self.specs {
            // Churn derived from events: no subscriptions, so no MRR, product or upsell features.
            if !churn_is_subscriptions && s.reads_subscriptions() {
                continue;
            }
            match s.event_window() {
                Some((EventSelector::EachType, _)) => {
                    specs.extend(types.iter().map(|t| s.with_select(EventSelector::Type(t.clone()))));
                    if merged.is_some() {
                        specs.push(s.with_select(EventSelector::OtherTypes));
                    }
                }
                Some((EventSelector::EachSignal, _)) => {
                    specs.extend(self.events.signals.iter().map(|t| s.with_select(EventSelector::Type(t.clone()))))
                }
                Some((EventSelector::Role(r), _)) if !self.events.has_role(*r) => {}
                _ => specs.push(s.clone()),
            }
        }
        if let Some(at) = specs.iter().position(|s| matches!(s, FeatureSpec::Attributes)) {
            specs.retain(|s| !matches!(s, FeatureSpec::Attributes));
            let mut taken: std::collections::HashSet<String> = specs.iter().map(FeatureSpec::name).collect();
            taken.extend(RESERVED_COLUMNS.iter().map(|s| s.to_string()));
            let mut attrs = Vec::new();
            for &(name, kind) in attributes.iter().filter(|a| a.1.is_feature()) {
                let column = if taken.contains(name) { Some(format!("customer_{name}")) } else { None };
                let spec = FeatureSpec::Attribute { attribute: name.to_owned(), kind, column };
                taken.insert(spec.name());
                attrs.push(spec);
            }
            specs.splice(at..at, attrs);
        }
        let resolved = FeatureCatalogue {
            events: self.events.clone(),
            event_types: Some(types),
            specs,
            max_event_types: self.max_event_types,
            merged_event_types: merged,
        };
        let mut seen = std::collections::HashSet::new();
        for n in resolved.feature_names() {
            if !seen.insert(n.clone()) {
                return Err(Error::FeatureMismatch { reason: format!("two features are both named `{n}`") });
            }
        }
        Ok(resolved)
    }

    /// Column names, in order (with `{type}` placeholders if not resolved).
    pub fn feature_names(&self) -> Vec<String> {
        self.specs.iter().map(FeatureSpec::name).collect()
    }

    /// Whether every `EachType` selector has been expanded and `event_types` is fixed.
    pub fn is_resolved(&self) -> bool {
        self.event_types.is_some()
            && !self.specs.iter().any(|s| {
                matches!(s, FeatureSpec::Attributes)
                    || matches!(s.event_window(), Some((EventSelector::EachType | EventSelector::EachSignal, _)))
            })
    }
}
