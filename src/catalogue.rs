//! Products and event types: which events are "core" features, which are "sticky" (retention)
//! features, and which are signals (`limit_hit`, `champion_left`).
//!
//! The defaults describe the simulated marketing-SaaS world (see `datasets/README.md`); a user with
//! other event names builds an [`EventCatalogue`] of their own and passes it to the feature builder.
//!
//! ```
//! use attrition::catalogue::{EventCatalogue, EventRole};
//! let cat = EventCatalogue::default();
//! assert_eq!(cat.role("login"), EventRole::Core);
//! assert_eq!(cat.role("connect_integration"), EventRole::Sticky);
//! assert_eq!(cat.role("limit_hit"), EventRole::LimitHit);
//! assert_eq!(cat.role("something_else"), EventRole::Other);
//! ```

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Any other event type.
    Other,
}

/// Which event types are core, sticky and signals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCatalogue {
    /// Core feature event types.
    pub core: Vec<String>,
    /// Sticky feature event types.
    pub sticky: Vec<String>,
    /// Event type meaning "plan limit reached".
    pub limit_hit: String,
    /// Event type meaning "champion left".
    pub champion_left: String,
}

impl Default for EventCatalogue {
    fn default() -> Self {
        EventCatalogue {
            core: CORE_EVENTS.iter().map(|s| s.to_string()).collect(),
            sticky: STICKY_EVENTS.iter().map(|s| s.to_string()).collect(),
            limit_hit: LIMIT_HIT.to_owned(),
            champion_left: CHAMPION_LEFT.to_owned(),
        }
    }
}

impl EventCatalogue {
    /// The role of event type `name`.
    pub fn role(&self, name: &str) -> EventRole {
        if self.core.iter().any(|c| c == name) {
            EventRole::Core
        } else if self.sticky.iter().any(|c| c == name) {
            EventRole::Sticky
        } else if name == self.limit_hit {
            EventRole::LimitHit
        } else if name == self.champion_left {
            EventRole::ChampionLeft
        } else {
            EventRole::Other
        }
    }
}
