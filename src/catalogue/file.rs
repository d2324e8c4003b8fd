//! The editable event catalogue file (`catalogue.json`).
//!
//! `attrition catalogue` writes it; `features` and `demo` read it back with
//! `--event-catalogue`. One entry per event type: the `role` used for features (edit it), the
//! role discovery proposed, the measured reason and the measurements. Only `event_type` and
//! `role` are read for features; everything else is information, so a hand-written file may
//! leave it out. Event types the file does not list are "other" usage.
//!
//! ```json
//! {
//!   "format": "attrition-event-catalogue",
//!   "version": 1,
//!   "note": "Roles were proposed from associations in the data, ...",
//!   "events": [
//!     { "event_type": "login", "role": "core", "proposed_role": "core",
//!       "reason": "core: used in 33.5% of retained customers' active weeks ...", "stats": { ... } },
//!     { "event_type": "plan_limit_reached", "role": "limit_hit" }
//!   ]
//! }
//! ```
//!
//! Roles: `core`, `sticky`, `signal` (a warning of churn: its own 90-day count feature),
//! `limit_hit` and `champion_left` (at most one type each: the standard features
//! `limit_hit_events_90d` and `champion_left_any_event_90d`), `other`. Signals of any kind are not
//! usage.
//!
//! ```
//! use attrition::catalogue::{CatalogueFile, EventRole};
//! let text = r#"{"format": "attrition-event-catalogue", "version": 1, "events": [
//!     {"event_type": "play", "role": "core"},
//!     {"event_type": "add_playlist", "role": "sticky"},
//!     {"event_type": "cancel_page", "role": "signal"},
//!     {"event_type": "quota_full", "role": "limit_hit"}]}"#;
//! let file = CatalogueFile::from_json(text, None).unwrap();
//! let cat = file.event_catalogue().unwrap();
//! assert_eq!(cat.role("add_playlist"), EventRole::Sticky);
//! assert_eq!(cat.limit_hit.as_deref(), Some("quota_full"));
//! assert_eq!(cat.signals, vec!["cancel_page".to_string()]);
//! assert_eq!(cat.role("never_listed"), EventRole::Other);
//! // Two types cannot both be *the* limit hit.
//! let bad = text.replace("\"signal\"", "\"limit_hit\"");
//! assert!(CatalogueFile::from_json(&bad, None).unwrap_err().to_string().contains("cancel_page"));
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalogue::discover::{Discovery, DiscoveryParams, DiscoverySummary, EventTypeStats};
use crate::catalogue::{EventCatalogue, EventRole};
use crate::error::{Error, Result};

/// The `format` tag of a catalogue file.
pub const CATALOGUE_FORMAT: &str = "attrition-event-catalogue";
/// The newest catalogue file version this build reads and writes.
pub const CATALOGUE_VERSION: u32 = 1;

/// What a discovered catalogue says about how to read it.
pub const ASSOCIATION_NOTE: &str = "Roles were proposed from associations in the data, measured from the tables alone. Adoption is measured in each customer's first days and retention compared only among customers still active then (a landmark analysis, against immortal-time bias), but customers who adopt a feature early differ in many ways from those who do not: a sticky association is not proof that the feature causes retention. Edit `role` to override a proposal; `proposed_role`, `reason` and `stats` are information only.";

/// One event type of a catalogue file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// The event type, as in `events.csv`.
    pub event_type: String,
    /// The role used for features (edit this).
    pub role: EventRole,
    /// The role discovery proposed (information only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_role: Option<EventRole>,
    /// Why discovery proposed it (information only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The measurements behind the proposal (information only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<EventTypeStats>,
}

/// How a discovered catalogue was made (information only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Last day of data used.
    pub until: chrono::NaiveDate,
    /// The discovery parameters.
    pub params: DiscoveryParams,
    /// The counts behind it.
    pub summary: DiscoverySummary,
}

/// An event catalogue file: see the [module docs](self) for the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueFile {
    /// Always [`CATALOGUE_FORMAT`].
    pub format: String,
    /// File version ([`CATALOGUE_VERSION`]).
    pub version: u32,
    /// How to read the roles (not causal).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// How the catalogue was discovered, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<Provenance>,
    /// One entry per event type.
    pub events: Vec<CatalogueEntry>,
}

impl From<&Discovery> for CatalogueFile {
    fn from(d: &Discovery) -> Self {
        CatalogueFile {
            format: CATALOGUE_FORMAT.to_owned(),
            version: CATALOGUE_VERSION,
            note: ASSOCIATION_NOTE.to_owned(),
            discovered: Some(Provenance { until: d.until, params: d.params.clone(), summary: d.summary }),
            events: d.entries.clone(),
        }
    }
}

impl CatalogueFile {
    /// A catalogue file listing the event types of `catalogue` with their roles.
    pub fn from_event_catalogue(catalogue: &EventCatalogue) -> Self {
        CatalogueFile {
            format: CATALOGUE_FORMAT.to_owned(),
            version: CATALOGUE_VERSION,
            note: String::new(),
            discovered: None,
            events: catalogue
                .named()
                .into_iter()
                .map(|(t, role)| CatalogueEntry {
                    event_type: t.to_owned(),
                    role,
                    proposed_role: None,
                    reason: String::new(),
                    stats: None,
                })
                .collect(),
        }
    }

    /// Parses and checks a catalogue file's text; `path` names the file in errors.
    pub fn from_json(text: &str, path: Option<&Path>) -> Result<CatalogueFile> {
        let json = |source| Error::Json { path: path.map(Path::to_path_buf), source };
        // The format tag first, so that another JSON file (a feature catalogue, say) is named as
        // such rather than reported by its first mismatching field.
        let value: serde_json::Value = serde_json::from_str(text).map_err(json)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(CATALOGUE_FORMAT) {
            return Err(Error::BadCatalogue {
                path: path.map(Path::to_path_buf),
                event_type: None,
                reason: match value.get("format") {
                    Some(f) => format!("`format` is {f}, expected `{CATALOGUE_FORMAT}`"),
                    None if value.get("specs").is_some() => format!(
                        "this is a feature catalogue (from --save-catalogue: pass it to --catalogue), not an event catalogue (`format`: `{CATALOGUE_FORMAT}`)"
                    ),
                    None => format!("not an event catalogue: no `format` field (`{CATALOGUE_FORMAT}`)"),
                },
            });
        }
        let file: CatalogueFile = serde_json::from_str(text).map_err(json)?;
        file.check(path)?;
        Ok(file)
    }

    /// Reads and checks a catalogue file.
    pub fn read(path: impl AsRef<Path>) -> Result<CatalogueFile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Self::from_json(&text, Some(path))
    }

    /// The file as pretty JSON (with a final newline).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map(|s| s + "\n").map_err(|source| Error::Json { path: None, source })
    }

    /// Checks the format tag and version, and that each event type is listed once and at most
    /// one type is the limit hit and one the champion departure.
    pub fn check(&self, path: Option<&Path>) -> Result<()> {
        let bad = |event_type: Option<&str>, reason: String| Error::BadCatalogue {
            path: path.map(PathBuf::from),
            event_type: event_type.map(str::to_owned),
            reason,
        };
        if self.format != CATALOGUE_FORMAT {
            return Err(bad(None, format!("`format` is `{}`, expected `{CATALOGUE_FORMAT}`", self.format)));
        }
        if self.version == 0 || self.version > CATALOGUE_VERSION {
            return Err(bad(
                None,
                format!("version {} is not supported (this build reads 1 to {CATALOGUE_VERSION})", self.version),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut single: [Option<&str>; 2] = [None, None];
        for e in &self.events {
            if e.event_type.is_empty() {
                return Err(bad(None, "an entry has an empty `event_type`".into()));
            }
            if !seen.insert(e.event_type.as_str()) {
                return Err(bad(Some(&e.event_type), "the event type is listed twice".into()));
            }
            let slot = match e.role {
                EventRole::LimitHit => 0,
                EventRole::ChampionLeft => 1,
                _ => continue,
            };
            if let Some(first) = single[slot] {
                return Err(bad(
                    Some(&e.event_type),
                    format!(
                        "role `{}` is already given to `{first}` (one type at most; use `signal` for more)",
                        e.role
                    ),
                ));
            }
            single[slot] = Some(&e.event_type);
        }
        Ok(())
    }

    /// The roles as an [`EventCatalogue`] (after [`CatalogueFile::check`]).
    pub fn event_catalogue(&self) -> Result<EventCatalogue> {
        self.check(None)?;
        let mut cat = EventCatalogue::empty();
        for e in &self.events {
            let t = e.event_type.clone();
            match e.role {
                EventRole::Core => cat.core.push(t),
                EventRole::Sticky => cat.sticky.push(t),
                EventRole::LimitHit => cat.limit_hit = Some(t),
                EventRole::ChampionLeft => cat.champion_left = Some(t),
                EventRole::Signal => cat.signals.push(t),
                EventRole::Other => {}
            }
        }
        Ok(cat)
    }

    /// Entries whose role was edited (differs from the proposed role).
    pub fn edited(&self) -> Vec<&CatalogueEntry> {
        self.events.iter().filter(|e| e.proposed_role.is_some_and(|p| p != e.role)).collect()
    }
}
