//! Which event catalogue to use for features: the simulator's, when the data speaks its event
//! names, or one discovered from the data.

use serde::{Deserialize, Serialize};

use crate::catalogue::EventCatalogue;
use crate::catalogue::discover::{Discovery, DiscoveryParams, discover};
use crate::error::Result;
use crate::io::tables::{Events, Tables};

/// Where a [`ChosenCatalogue`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueSource {
    /// The simulator's catalogue ([`EventCatalogue::default`]): at least half of its event types
    /// occur in the data.
    Simulator,
    /// Discovered from the tables ([`discover`]).
    Discovered,
}

/// The result of [`choose_event_catalogue`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenCatalogue {
    /// The catalogue to build features with.
    pub catalogue: EventCatalogue,
    /// Where it came from.
    pub source: CatalogueSource,
    /// How many of the simulator's named event types occur in the data (of [`EventCatalogue::named`]).
    pub simulator_types_present: usize,
    /// The discovery, when the catalogue was discovered.
    pub discovery: Option<Discovery>,
}

/// Whether the simulator's catalogue ([`EventCatalogue::default`]) applies to `events`: at least
/// half of its named event types occur. Returns the decision and how many occur.
///
/// ```
/// use attrition::catalogue::simulator_catalogue_applies;
/// use attrition::io::tables::EventsBuilder;
/// let mut b = EventsBuilder::new();
/// b.push(0, 0, "login", "u").unwrap(); // one of 12: a real product may log logins too
/// assert_eq!(simulator_catalogue_applies(&b.finish()), (false, 1));
/// ```
pub fn simulator_catalogue_applies(events: &Events) -> (bool, usize) {
    simulator_catalogue_applies_to(events.kinds.iter().map(String::as_str))
}

/// [`simulator_catalogue_applies`] to the event types named `types` (e.g. those of every
/// partition of a partitioned dataset).
///
/// ```
/// use attrition::catalogue::simulator_catalogue_applies_to;
/// assert_eq!(simulator_catalogue_applies_to(["login", "checkout"]), (false, 1));
/// ```
pub fn simulator_catalogue_applies_to<'a>(types: impl IntoIterator<Item = &'a str>) -> (bool, usize) {
    let types: std::collections::HashSet<&str> = types.into_iter().collect();
    let named = EventCatalogue::default();
    let named = named.named();
    let present = named.iter().filter(|(t, _)| types.contains(t)).count();
    (2 * present >= named.len(), present)
}

/// Chooses the event catalogue for `tables` when the user gave none: the simulator's catalogue
/// when at least half of its named event types occur in the data, otherwise one discovered from
/// the tables with `params`.
///
/// Discovery relates event types to churn over the whole data (up to `params.until`), so the
/// *roles* (which types are summed into the core, sticky and signal features) are chosen with
/// knowledge of later churns — mild, since per-type features exist either way, but pass a
/// `params.until` before your evaluation period, or a catalogue file, to rule it out.
///
/// ```
/// use attrition::catalogue::{choose_event_catalogue, CatalogueSource, DiscoveryParams};
/// use attrition::simulate::{obfuscate_events, simulate, SimulationParams};
/// let mut world = simulate(&SimulationParams::new(1_500, 24, 5)).unwrap();
/// let chosen = choose_event_catalogue(&world.tables, &DiscoveryParams::new()).unwrap();
/// assert_eq!(chosen.source, CatalogueSource::Simulator);
/// obfuscate_events(&mut world.tables, 5);
/// let chosen = choose_event_catalogue(&world.tables, &DiscoveryParams::new()).unwrap();
/// assert_eq!(chosen.source, CatalogueSource::Discovered);
/// assert_eq!(chosen.simulator_types_present, 0);
/// ```
pub fn choose_event_catalogue(tables: &Tables, params: &DiscoveryParams) -> Result<ChosenCatalogue> {
    choose_with(simulator_catalogue_applies(&tables.events), || discover(tables, params))
}

/// The choice itself, shared by the tables, the partitioned and the Spark paths: the simulator's
/// catalogue when `(applies, present)` ([`simulator_catalogue_applies_to`] the event types of
/// all customers) says so, otherwise the catalogue of `discover`'s result, which is called only
/// then — e.g. [`DiscoveryCounts`](crate::catalogue::DiscoveryCounts) of every part of the
/// data, added up and finished once.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::catalogue::{choose_with, discover, CatalogueSource, DiscoveryParams};
/// let mut world = attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(400, 12, 5))?;
/// attrition::simulate::obfuscate_events(&mut world.tables, 5);
/// let applies = attrition::catalogue::simulator_catalogue_applies(&world.tables.events);
/// let chosen = choose_with(applies, || discover(&world.tables, &DiscoveryParams::new()))?;
/// assert_eq!(chosen.source, CatalogueSource::Discovered);
/// # Ok(()) }
/// ```
pub fn choose_with(
    (applies, present): (bool, usize),
    discover: impl FnOnce() -> Result<Discovery>,
) -> Result<ChosenCatalogue> {
    if applies {
        return Ok(ChosenCatalogue {
            catalogue: EventCatalogue::default(),
            source: CatalogueSource::Simulator,
            simulator_types_present: present,
            discovery: None,
        });
    }
    let discovery = discover()?;
    let catalogue = crate::catalogue::CatalogueFile::from(&discovery).event_catalogue()?;
    Ok(ChosenCatalogue {
        catalogue,
        source: CatalogueSource::Discovered,
        simulator_types_present: present,
        discovery: Some(discovery),
    })
}
