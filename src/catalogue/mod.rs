//! Products and event types: which events are "core" features, which are "sticky" (retention)
//! features, and which are signals (a plan-limit hit, a champion leaving, or any event that warns
//! of churn).
//!
//! The defaults describe the simulated marketing-SaaS world (see `datasets/README.md`). For other
//! event names, [`discover()`] measures each event type's usage and its association with retention
//! from the tables alone and proposes a role for each; [`CatalogueFile`] is that proposal as an
//! editable JSON file (hand edits are honoured), and [`CatalogueFile::event_catalogue`] turns it
//! into the [`EventCatalogue`] the feature builder uses. [`choose_event_catalogue`] decides
//! between the simulator's catalogue and a discovered one.
//!
//! ```
//! use attrition::catalogue::{EventCatalogue, EventRole};
//! let cat = EventCatalogue::default();
//! assert_eq!(cat.role("login"), EventRole::Core);
//! assert_eq!(cat.role("connect_integration"), EventRole::Sticky);
//! assert_eq!(cat.role("limit_hit"), EventRole::LimitHit);
//! assert_eq!(cat.role("something_else"), EventRole::Other);
//! ```

mod choose;
mod discover;
mod file;
mod section;

pub use choose::{
    CatalogueSource, ChosenCatalogue, choose_event_catalogue, choose_with, simulator_catalogue_applies,
    simulator_catalogue_applies_to,
};
pub use discover::{
    AdoptionRetention, Discovery, DiscoveryCounts, DiscoveryParams, DiscoverySummary, EventTypeStats, RiskRatio,
    discover,
};
pub use file::{ASSOCIATION_NOTE, CATALOGUE_FORMAT, CATALOGUE_VERSION, CatalogueEntry, CatalogueFile, Provenance};
pub use section::report_section;

use serde::{Deserialize, Serialize};

/// Products sold in the simulated world, in the order customers typically adopt them.
pub const PRODUCTS: [&str; 6] = ["listings", "reviews", "social", "website", "ads", "email_marketing"];

/// Core feature events: the everyday use that delivers the product's main value.
pub const CORE_EVENTS: [&str; 5] = ["login", "view_dashboard", "update_listing", "respond_review", "publish_post"];

/// Sticky (retention) feature events: once adopted, they tie the customer's workflow to the product.
pub const STICKY_EVENTS: [&str; 5] =
    ["schedule_campaign", "connect_integration", "invite_user", "export_report", "automate_workflow"];

/// Other product events that are neither core nor sticky.
pub const OTHER_EVENTS: [&str; 1] = ["support_ticket"];

/// Event emitted when the customer hits a plan limit.
pub const LIMIT_HIT: &str = "limit_hit";

/// Event emitted when the customer's champion (main user) leaves.
pub const CHAMPION_LEFT: &str = "champion_left";

/// The role an event type plays in features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventRole {
    /// A core feature.
    Core,
    /// A sticky (retention) feature.
    Sticky,
    /// Plan limit reached.
    LimitHit,
    /// Champion left.
    ChampionLeft,
    /// Any other signal: an event that warns of churn (not usage).
    Signal,
    /// Any other event type.
    Other,
}

impl EventRole {
    /// Stable snake_case name (as in JSON and column names).
    pub fn as_str(self) -> &'static str {
        match self {
            EventRole::Core => "core",
            EventRole::Sticky => "sticky",
            EventRole::LimitHit => "limit_hit",
            EventRole::ChampionLeft => "champion_left",
            EventRole::Signal => "signal",
            EventRole::Other => "other",
        }
    }

    /// Whether events of this role are usage (everything but the signals).
    pub fn is_usage(self) -> bool {
        !matches!(self, EventRole::LimitHit | EventRole::ChampionLeft | EventRole::Signal)
    }
}

impl std::fmt::Display for EventRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which event types are core, sticky and signals.
///
/// `limit_hit` and `champion_left` name the two signals the standard features know by meaning
/// (`limit_hit_events_90d`, `champion_left_any_event_90d`); `signals` lists any other signal
/// types, each of which gets its own 90-day count (`events_90d_{type}`). A role no event type has
/// contributes no feature. Catalogues saved before `signals` existed still load.
///
/// ```
/// use attrition::catalogue::{EventCatalogue, EventRole};
/// let cat = EventCatalogue { core: vec!["play".into()], sticky: vec![], limit_hit: None,
///     champion_left: None, signals: vec!["downgrade".into()] };
/// assert_eq!(cat.role("downgrade"), EventRole::Signal);
/// assert!(!cat.role("downgrade").is_usage());
/// assert!(!cat.has_role(EventRole::LimitHit));
/// let old = r#"{"core":["login"],"sticky":[],"limit_hit":"limit_hit","champion_left":"champion_left"}"#;
/// let cat: EventCatalogue = serde_json::from_str(old).unwrap();
/// assert_eq!(cat.role("limit_hit"), EventRole::LimitHit);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCatalogue {
    /// Core feature event types.
    pub core: Vec<String>,
    /// Sticky feature event types.
    pub sticky: Vec<String>,
    /// Event type meaning "plan limit reached", if any.
    #[serde(default)]
    pub limit_hit: Option<String>,
    /// Event type meaning "champion left", if any.
    #[serde(default)]
    pub champion_left: Option<String>,
    /// Other signal event types (warnings of churn that are not usage).
    #[serde(default)]
    pub signals: Vec<String>,
}

impl Default for EventCatalogue {
    fn default() -> Self {
        EventCatalogue {
            core: CORE_EVENTS.iter().map(|s| s.to_string()).collect(),
            sticky: STICKY_EVENTS.iter().map(|s| s.to_string()).collect(),
            limit_hit: Some(LIMIT_HIT.to_owned()),
            champion_left: Some(CHAMPION_LEFT.to_owned()),
            signals: Vec::new(),
        }
    }
}

impl EventCatalogue {
    /// A catalogue where every event type is "other" usage.
    pub fn empty() -> Self {
        EventCatalogue {
            core: Vec::new(),
            sticky: Vec::new(),
            limit_hit: None,
            champion_left: None,
            signals: Vec::new(),
        }
    }

    /// The role of event type `name`.
    pub fn role(&self, name: &str) -> EventRole {
        if self.core.iter().any(|c| c == name) {
            EventRole::Core
        } else if self.sticky.iter().any(|c| c == name) {
            EventRole::Sticky
        } else if self.limit_hit.as_deref() == Some(name) {
            EventRole::LimitHit
        } else if self.champion_left.as_deref() == Some(name) {
            EventRole::ChampionLeft
        } else if self.signals.iter().any(|c| c == name) {
            EventRole::Signal
        } else {
            EventRole::Other
        }
    }

    /// Whether at least one event type has `role` ([`EventRole::Other`] always has).
    pub fn has_role(&self, role: EventRole) -> bool {
        match role {
            EventRole::Core => !self.core.is_empty(),
            EventRole::Sticky => !self.sticky.is_empty(),
            EventRole::LimitHit => self.limit_hit.is_some(),
            EventRole::ChampionLeft => self.champion_left.is_some(),
            EventRole::Signal => !self.signals.is_empty(),
            EventRole::Other => true,
        }
    }

    /// Every event type the catalogue names, with its role (core, sticky, limit hit, champion
    /// left, then the other signals).
    pub fn named(&self) -> Vec<(&str, EventRole)> {
        let mut out: Vec<(&str, EventRole)> = Vec::new();
        out.extend(self.core.iter().map(|s| (s.as_str(), EventRole::Core)));
        out.extend(self.sticky.iter().map(|s| (s.as_str(), EventRole::Sticky)));
        out.extend(self.limit_hit.iter().map(|s| (s.as_str(), EventRole::LimitHit)));
        out.extend(self.champion_left.iter().map(|s| (s.as_str(), EventRole::ChampionLeft)));
        out.extend(self.signals.iter().map(|s| (s.as_str(), EventRole::Signal)));
        out
    }
}
