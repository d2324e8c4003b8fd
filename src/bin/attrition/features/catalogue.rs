//! Which catalogue `attrition features` builds with: a saved one (`--catalogue`, `--model`), a
//! given event catalogue, the simulator's, or one discovered from the tables; all printed.

use std::path::PathBuf;

use attrition::catalogue::{
    CatalogueFile, CatalogueSource, ChosenCatalogue, DiscoveryParams, EventCatalogue, choose_event_catalogue,
};
use attrition::features::FeatureCatalogue;
use attrition::io::tables::Tables;
use attrition::models::trained::TrainedModel;
use attrition::{Error, Result};

use super::Args;

/// The saved feature catalogue to build with: `--catalogue`, or the feature build recorded in
/// `--model`; `None` when neither is given.
pub fn saved(a: &Args) -> Result<Option<FeatureCatalogue>> {
    Ok(match (&a.catalogue, &a.model) {
        (Some(p), _) => Some(FeatureCatalogue::read(p)?),
        (None, Some(m)) => {
            let model = TrainedModel::load(m)?;
            let Some(build) = model.feature_build else {
                return Err(Error::param(
                    "--model",
                    m.display(),
                    "the model file records no feature build (trained without --feature-build, or before schema version 3): give the catalogue it was trained with (--catalogue)",
                ));
            };
            println!(
                "features of {} ({} columns; label window {}+{} days)",
                m.display(),
                build.catalogue.specs.len(),
                build.label.lead_days,
                build.label.horizon_days
            );
            Some(build.catalogue)
        }
        (None, None) => None,
    })
}

/// The event catalogue for `tables` when none was given: the simulator's, or one discovered
/// from the tables (printed).
pub fn event_catalogue_for(tables: &Tables, given: Option<&PathBuf>) -> Result<EventCatalogue> {
    if let Some(p) = given {
        let file = CatalogueFile::read(p)?;
        let cat = file.event_catalogue()?;
        let edited = file.edited().len();
        println!(
            "event catalogue {}: {} core, {} sticky, {} signal types{}",
            p.display(),
            cat.core.len(),
            cat.sticky.len(),
            cat.signals.len() + usize::from(cat.limit_hit.is_some()) + usize::from(cat.champion_left.is_some()),
            if edited > 0 { format!(" ({edited} roles edited by hand)") } else { String::new() }
        );
        return Ok(cat);
    }
    let chosen = choose_event_catalogue(tables, &DiscoveryParams::new())?;
    print_chosen(&chosen, "the tables");
    Ok(chosen.catalogue)
}

/// Prints where a chosen event catalogue came from when it was discovered (from `what`).
pub fn print_chosen(chosen: &ChosenCatalogue, what: &str) {
    if chosen.source == CatalogueSource::Discovered {
        let c = &chosen.catalogue;
        println!(
            "event names are not the simulator's ({} of its {} types present): roles discovered from {what} — core {:?}, sticky {:?}, signal {:?} (associations, not causes; `attrition catalogue` writes them with reasons to review and edit)",
            chosen.simulator_types_present,
            EventCatalogue::default().named().len(),
            c.core,
            c.sticky,
            c.signals
        );
    }
}
