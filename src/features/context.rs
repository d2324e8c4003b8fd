//! What must be decided once over all customers before any customer's features are computed.
//!
//! Every feature of a customer depends only on that customer's rows, *given* a few decisions
//! taken over the whole population: which usage event types get per-type columns (the most
//! frequent, up to [`FeatureCatalogue::max_event_types`]), how each customer attribute is read
//! (its [`AttributeKind`], inferred from all its values), the data end that completes label
//! windows, and, for churn derived from inactivity, the day it is censored at. [`GlobalContext`]
//! holds those decisions. It is made either from whole [`Tables`] ([`GlobalContext::from_tables`],
//! what [`crate::features::build_observations`] does) or from [`PopulationCounts`], the sums a
//! first pass over the parts of a partitioned dataset collects ([`GlobalContext::from_counts`]):
//! the counts of disjoint sets of customers add up to the counts of all of them, so both give
//! the same context and the features of each part equal the whole's rows of its customers.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::features::{FeatureCatalogue, GlobalContext, PopulationCounts};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(80, 6, 3))?;
//! let whole = GlobalContext::from_tables(&world.tables, &FeatureCatalogue::standard())?;
//! let counts = PopulationCounts::from_tables(&world.tables);
//! assert_eq!(counts.customers, 80);
//! assert_eq!(GlobalContext::from_counts(&counts, &FeatureCatalogue::standard())?, whole);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::data_end::{DataEnd, DataEndCounts, data_end};
use crate::features::spec::FeatureCatalogue;
use crate::io::attributes::{AttributeKind, KindEvidence};
use crate::io::tables::Tables;

/// The sums one pass over some customers' tables collects for a [`GlobalContext`]: customers,
/// events per event type, each attribute's [`KindEvidence`], the dated rows of the data end.
/// Counts of disjoint sets of customers [`merge`](PopulationCounts::merge).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopulationCounts {
    /// Customers.
    pub customers: u64,
    /// Events.
    pub events: u64,
    /// Events per event type (every type of the tables, also one without events).
    pub event_types: BTreeMap<String, u64>,
    /// Customer attributes in column order, with the evidence of their kind.
    pub attributes: Vec<(String, KindEvidence)>,
    /// Dated rows per source and day (subscriptions: starts, as
    /// [`crate::features::infer_data_end`]).
    pub data_end: DataEndCounts,
    /// Whether churn is the subscriptions table (not derived from events).
    pub churn_is_subscriptions: bool,
}

impl PopulationCounts {
    /// The counts of `tables`.
    pub fn from_tables(tables: &Tables) -> Self {
        let mut event_types: BTreeMap<String, u64> = tables.events.kinds.iter().map(|k| (k.clone(), 0)).collect();
        let mut per_kind = vec![0u64; tables.events.kinds.len()];
        for &k in &tables.events.kind {
            if let Some(c) = per_kind.get_mut(k as usize) {
                *c += 1;
            }
        }
        for (k, n) in tables.events.kinds.iter().zip(per_kind) {
            *event_types.entry(k.clone()).or_default() += n;
        }
        PopulationCounts {
            customers: tables.customers.len() as u64,
            events: tables.events.len() as u64,
            event_types,
            attributes: tables
                .attributes
                .iter()
                .map(|a| (a.name.clone(), KindEvidence::from_values(&a.values)))
                .collect(),
            data_end: DataEndCounts::from_tables(tables, false),
            churn_is_subscriptions: tables.churn.is_subscriptions(),
        }
    }

    /// Adds the counts of other customers (the same tables' other rows: same attribute columns,
    /// same churn definition; an empty part's missing columns are taken from the other).
    pub fn merge(&mut self, other: &PopulationCounts) {
        if self.customers == 0 && self.attributes.is_empty() {
            self.churn_is_subscriptions = other.churn_is_subscriptions;
        }
        self.customers += other.customers;
        self.events += other.events;
        for (k, n) in &other.event_types {
            *self.event_types.entry(k.clone()).or_default() += n;
        }
        for (name, ev) in &other.attributes {
            match self.attributes.iter_mut().find(|(n, _)| n == name) {
                Some((_, mine)) => mine.merge(ev),
                None => self.attributes.push((name.clone(), ev.clone())),
            }
        }
        self.data_end.merge(&other.data_end);
    }
}

/// The decisions taken once over all customers (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalContext {
    /// The resolved catalogue: event types kept (the rest merged), attribute features.
    pub catalogue: FeatureCatalogue,
    /// The inferred data end (with the outliers left out of it); `None` without dated rows.
    pub data_end: Option<DataEnd>,
    /// Every customer attribute's kind, in column order.
    pub attribute_kinds: Vec<(String, AttributeKind)>,
    /// Customers.
    pub customers: u64,
    /// Events.
    pub events: u64,
}

impl GlobalContext {
    /// The context of whole tables: `catalogue` resolved on them
    /// ([`FeatureCatalogue::resolve`]), their data end and attribute kinds.
    pub fn from_tables(tables: &Tables, catalogue: &FeatureCatalogue) -> Result<GlobalContext> {
        Ok(GlobalContext {
            catalogue: catalogue.resolve(tables)?,
            data_end: data_end(tables, false),
            attribute_kinds: tables.attributes.iter().map(|a| (a.name.clone(), a.kind)).collect(),
            customers: tables.customers.len() as u64,
            events: tables.events.len() as u64,
        })
    }

    /// The context of the customers `counts` were collected from: the same as
    /// [`GlobalContext::from_tables`] on their tables.
    pub fn from_counts(counts: &PopulationCounts, catalogue: &FeatureCatalogue) -> Result<GlobalContext> {
        let type_counts: Vec<(&str, u64)> = counts.event_types.iter().map(|(k, &n)| (k.as_str(), n)).collect();
        let attribute_kinds: Vec<(String, AttributeKind)> =
            counts.attributes.iter().map(|(n, e)| (n.clone(), e.kind())).collect();
        let kinds: Vec<(&str, AttributeKind)> = attribute_kinds.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        Ok(GlobalContext {
            catalogue: catalogue.resolve_with(&type_counts, &kinds, counts.churn_is_subscriptions)?,
            data_end: counts.data_end.finish(),
            attribute_kinds,
            customers: counts.customers,
            events: counts.events,
        })
    }

    /// The data end to label with: `given`, else the inferred one (an error without dated rows).
    pub(crate) fn label_end(&self, given: Option<NaiveDate>) -> Result<(NaiveDate, bool, Option<DataEnd>)> {
        match given {
            Some(d) => Ok((d, false, None)),
            None => {
                let end = self
                    .data_end
                    .clone()
                    .ok_or(Error::EmptyData { context: "tables: no dated rows to infer data_end" })?;
                let outliers = (!end.outliers.is_empty()).then(|| end.clone());
                Ok((end.day, true, outliers))
            }
        }
    }

    /// Sets the kinds of `tables`' attributes to the population's (a part's own values may
    /// suggest another kind: all of one part's `plan` values may happen to be numbers).
    pub fn apply_attribute_kinds(&self, tables: &mut Tables) {
        for a in &mut tables.attributes {
            if let Some((_, k)) = self.attribute_kinds.iter().find(|(n, _)| *n == a.name) {
                a.kind = *k;
            }
        }
    }
}
