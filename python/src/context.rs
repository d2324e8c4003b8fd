//! The population's decisions for parts of the data (Spark partitions): each part's
//! [`PopulationCounts`] as JSON, merged into one [`GlobalContext`] on the driver and given back
//! to every part, so every part builds the same columns with the same attribute kinds, labels
//! with the same data end, as one process over all the data.

use attrition::catalogue::{
    CatalogueFile, DiscoveryCounts, DiscoveryParams, EventCatalogue, choose_with, simulator_catalogue_applies_to,
};
use attrition::features::{FeatureCatalogue, GlobalContext, PopulationCounts};
use attrition::io::parse::parse_date;
use attrition::io::tables::Tables as RawTables;
use attrition::{Error, Result};
use pyo3::prelude::*;

use crate::errors::run;
use crate::tables::Tables;

fn json_err(source: serde_json::Error) -> Error {
    Error::Json { path: None, source }
}

/// The population counts of `tables` (customers, events per type, attribute kind evidence,
/// dated rows of the data end) as JSON, for [`global_context`].
#[pyfunction]
pub fn population_counts(py: Python<'_>, tables: &Tables) -> PyResult<String> {
    let t = std::sync::Arc::clone(&tables.tables);
    run(py, move || serde_json::to_string(&PopulationCounts::from_tables(&t)).map_err(json_err))
}

/// The global context (JSON) of the customers whose [`population_counts`] are `counts` (one
/// JSON text per disjoint part): the feature catalogue resolved over all of them, every
/// attribute's kind, the data end. `catalogue`: a feature catalogue (JSON, resolved or not). By
/// default the standard one with the event catalogue `attrition features` would choose
/// ([`choose_with`]): the simulator's when the parts speak its event names, otherwise the one
/// discovered from `discovery` (every part's [`discovery_counts`] up to [`discovery_until`],
/// added up and finished once here).
#[pyfunction]
#[pyo3(signature = (counts, *, catalogue=None, max_event_types=attrition::features::DEFAULT_MAX_EVENT_TYPES, discovery=None))]
pub fn global_context(
    py: Python<'_>,
    counts: Vec<String>,
    catalogue: Option<String>,
    max_event_types: usize,
    discovery: Option<Vec<String>>,
) -> PyResult<String> {
    run(py, move || {
        let all = merged_population(&counts)?;
        let catalogue = match catalogue {
            Some(text) => serde_json::from_str::<FeatureCatalogue>(&text).map_err(json_err)?,
            None => {
                let applies = simulator_catalogue_applies_to(all.event_types.keys().map(String::as_str));
                let chosen = choose_with(applies, || match &discovery {
                    Some(parts) => merged_discovery(parts)?.finish(&DiscoveryParams::new()),
                    None => Err(Error::param(
                        "discovery",
                        "<none>",
                        format!(
                            "the event names are not the simulator's ({} of its {} types present): give \
                             discovery= (every part's discovery_counts), or catalogue= (resolve_catalogue, or \
                             `attrition features --save-catalogue`)",
                            applies.1,
                            EventCatalogue::default().named().len()
                        ),
                    )),
                })?;
                FeatureCatalogue::standard().with_events(chosen.catalogue).with_max_event_types(Some(max_event_types))
            }
        };
        let context = GlobalContext::from_counts(&all, &catalogue)?;
        serde_json::to_string(&context).map_err(json_err)
    })
}

fn merged_population(counts: &[String]) -> Result<PopulationCounts> {
    let mut all = PopulationCounts::default();
    for c in counts {
        all.merge(&serde_json::from_str::<PopulationCounts>(c).map_err(json_err)?);
    }
    Ok(all)
}

fn merged_discovery(parts: &[String]) -> Result<DiscoveryCounts> {
    let mut parts = parts.iter().map(|c| serde_json::from_str::<DiscoveryCounts>(c).map_err(json_err));
    let Some(mut all) = parts.next().transpose()? else {
        return Err(Error::EmptyData { context: "event catalogue discovery: no discovery counts" });
    };
    for c in parts {
        all.merge(&c?)?;
    }
    Ok(all)
}

fn discovery_params(landmark_days: u32, horizon_days: u32, signal_min_risk_ratio: f64) -> DiscoveryParams {
    DiscoveryParams::new()
        .landmark_days(landmark_days)
        .horizon_days(horizon_days)
        .signal_min_risk_ratio(signal_min_risk_ratio)
}

/// The day event-role discovery counts up to for the customers whose [`population_counts`] are
/// `counts`: the data end of all of them (`YYYY-MM-DD`, as `attrition catalogue` infers it).
/// `None` when `simulator_ok` and the simulator's catalogue applies to their event types (then
/// `attrition features` uses it and discovers nothing).
#[pyfunction]
#[pyo3(signature = (counts, *, simulator_ok=true))]
pub fn discovery_until(py: Python<'_>, counts: Vec<String>, simulator_ok: bool) -> PyResult<Option<String>> {
    run(py, move || {
        let all = merged_population(&counts)?;
        if simulator_ok && simulator_catalogue_applies_to(all.event_types.keys().map(String::as_str)).0 {
            return Ok(None);
        }
        let end = all
            .data_end
            .finish()
            .ok_or(Error::EmptyData { context: "event catalogue discovery: the tables hold no dates" })?;
        Ok(Some(end.day.to_string()))
    })
}

/// The event-role discovery counts (JSON) of `tables`' customers with data up to `until` (the
/// population's [`discovery_until`]); the parts' counts add up to the whole's.
#[pyfunction]
#[pyo3(signature = (tables, until, *, landmark_days=90, horizon_days=180, signal_min_risk_ratio=1.25))]
pub fn discovery_counts(
    py: Python<'_>,
    tables: &Tables,
    until: String,
    landmark_days: u32,
    horizon_days: u32,
    signal_min_risk_ratio: f64,
) -> PyResult<String> {
    let t = std::sync::Arc::clone(&tables.tables);
    run(py, move || {
        let until = parse_date(&until).ok_or_else(|| Error::param("until", &until, "a date YYYY-MM-DD"))?;
        let params = discovery_params(landmark_days, horizon_days, signal_min_risk_ratio);
        serde_json::to_string(&DiscoveryCounts::from_tables(&t, &params, until)?).map_err(json_err)
    })
}

/// The event catalogue (JSON, as `attrition catalogue --out` writes it) discovered from every
/// part's [`discovery_counts`] `counts`, added up and finished once, with the same parameters.
#[pyfunction]
#[pyo3(signature = (counts, *, landmark_days=90, horizon_days=180, signal_min_risk_ratio=1.25))]
pub fn discovered_catalogue(
    py: Python<'_>,
    counts: Vec<String>,
    landmark_days: u32,
    horizon_days: u32,
    signal_min_risk_ratio: f64,
) -> PyResult<String> {
    run(py, move || {
        let params = discovery_params(landmark_days, horizon_days, signal_min_risk_ratio);
        let found = merged_discovery(&counts)?.finish(&params)?;
        CatalogueFile::from(&found).to_json()
    })
}

/// The resolved feature catalogue of a global context (JSON), as `attrition features
/// --save-catalogue` writes it.
#[pyfunction]
pub fn context_catalogue(py: Python<'_>, context: String) -> PyResult<String> {
    run(py, move || {
        let c = parse(&context)?;
        serde_json::to_string_pretty(&c.catalogue).map(|s| s + "\n").map_err(json_err)
    })
}

/// A global context from its JSON.
pub(crate) fn parse(text: &str) -> Result<GlobalContext> {
    serde_json::from_str(text).map_err(json_err)
}

/// `tables` with the population's attribute kinds (a part's own values may suggest another kind:
/// all of one part's `0`/`1`/`yes`/`no` values may happen to be numbers).
pub(crate) fn with_population_kinds(tables: &RawTables, context: &GlobalContext) -> RawTables {
    let mut t = tables.clone();
    context.apply_attribute_kinds(&mut t);
    t
}
