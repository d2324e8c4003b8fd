//! The population's decisions for parts of the data (Spark partitions): each part's
//! [`PopulationCounts`] as JSON, merged into one [`GlobalContext`] on the driver and given back
//! to every part, so every part builds the same columns with the same attribute kinds, labels
//! with the same data end, as one process over all the data.

use attrition::catalogue::{EventCatalogue, simulator_catalogue_applies_to};
use attrition::features::{FeatureCatalogue, GlobalContext, PopulationCounts};
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
/// attribute's kind, the data end. `catalogue`: a feature catalogue (JSON, resolved or not; by
/// default the standard one with the simulator's event catalogue, which needs the simulator's
/// event names).
#[pyfunction]
#[pyo3(signature = (counts, *, catalogue=None, max_event_types=attrition::features::DEFAULT_MAX_EVENT_TYPES))]
pub fn global_context(
    py: Python<'_>,
    counts: Vec<String>,
    catalogue: Option<String>,
    max_event_types: usize,
) -> PyResult<String> {
    run(py, move || {
        let mut all = PopulationCounts::default();
        for c in &counts {
            all.merge(&serde_json::from_str::<PopulationCounts>(c).map_err(json_err)?);
        }
        let catalogue = match catalogue {
            Some(text) => serde_json::from_str::<FeatureCatalogue>(&text).map_err(json_err)?,
            None => {
                let (applies, present) = simulator_catalogue_applies_to(all.event_types.keys().map(String::as_str));
                if !applies {
                    return Err(Error::param(
                        "catalogue",
                        "<none>",
                        format!(
                            "the event names are not the simulator's ({present} of its {} types present): give \
                             catalogue= (resolve_catalogue on the tables or a sample, or `attrition features \
                             --save-catalogue`)",
                            EventCatalogue::default().named().len()
                        ),
                    ));
                }
                FeatureCatalogue::standard().with_max_event_types(Some(max_event_types))
            }
        };
        let context = GlobalContext::from_counts(&all, &catalogue)?;
        serde_json::to_string(&context).map_err(json_err)
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
