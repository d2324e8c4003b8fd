//! `attrition retention` as a library call: Kaplan–Meier retention by a study factor or a customer
//! attribute, over a tables directory or a partitioned one (combined from per-partition counts).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{customer_factors, retention_groups};
use crate::catalogue::EventCatalogue;
use crate::error::{Error, Result};
use crate::features::{DataEnd, DataEndCounts};
use crate::io::attributes::AttributeKind;
use crate::io::parse::{parse_bool, parse_f64};
use crate::io::quality::DataQuality;
use crate::io::tables::Tables;
use crate::survival::{GroupCap, LifetimeOptions, RetentionByGroup, RetentionCounts, RetentionOptions, lifetimes};

/// Kaplan–Meier retention by one factor (see [`retention_study`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionStudy {
    /// The censor date: the last day the data covers (given, or inferred from the tables).
    pub censor: NaiveDate,
    /// Curves, retention at the horizon and log-rank test by group.
    pub retention: RetentionByGroup,
    /// The data end of the tables (without subscription ends), with the dated rows it leaves out
    /// as outliers; `None` without dated rows.
    #[serde(skip)]
    pub data_end: Option<DataEnd>,
    /// What was done about the data: an attribute with more values than
    /// [`RetentionOptions::max_groups`] keeps the largest, the rest merged into one group.
    #[serde(default, skip_serializing_if = "DataQuality::is_empty")]
    pub data_quality: DataQuality,
}

/// How the values of the attribute grouped by are labelled (booleans as `true` / `false`), known
/// only over all customers: counted per set of customers and merged.
#[derive(Debug, Clone, Copy, PartialEq)]
struct AttributeLabels {
    /// Some customer has a value.
    any: bool,
    /// Every value reads as a boolean / as a number.
    all_bool: bool,
    all_numeric: bool,
    /// Every set of customers with values has the attribute as boolean (a schema's kind).
    all_boolean_kind: bool,
}

impl AttributeLabels {
    fn merge(&mut self, o: &AttributeLabels) {
        self.any |= o.any;
        self.all_bool &= o.all_bool;
        self.all_numeric &= o.all_numeric;
        self.all_boolean_kind &= o.all_boolean_kind;
    }

    /// Whether the attribute is boolean over all customers (as [`Tables`]' reader infers it).
    fn boolean(&self) -> bool {
        self.any && (self.all_boolean_kind || (self.all_bool && !self.all_numeric))
    }
}

/// A set of customers' retention counts by `by` (attribute values raw, to be labelled once the
/// attribute's kind over all customers is known).
#[derive(Debug, Clone)]
struct FactorCounts {
    counts: RetentionCounts,
    labels: Option<AttributeLabels>,
    data_end: DataEndCounts,
}

impl FactorCounts {
    fn count(tables: &Tables, by: &str, censor: NaiveDate, options: &RetentionOptions) -> Result<FactorCounts> {
        let factors = customer_factors(tables, &EventCatalogue::default(), Some(censor))?;
        let life = lifetimes(tables, &LifetimeOptions::new(censor))?;
        let (groups, labels) = match (by, tables.attribute(by)) {
            ("products_held" | "upsell_90d" | "weekly_engaged", _) | (_, None) => {
                (retention_groups(tables, &factors, by, options.max_groups)?.groups, None)
            }
            (_, Some(attr)) => {
                let raw: Vec<Option<String>> =
                    (0..tables.customers.len() as u32).map(|c| attr.value(c).map(str::to_owned)).collect();
                let present = || raw.iter().flatten();
                let labels = AttributeLabels {
                    any: present().next().is_some(),
                    all_bool: present().all(|v| parse_bool(v).is_some()),
                    all_numeric: present().all(|v| parse_f64(v).is_some()),
                    all_boolean_kind: attr.kind == AttributeKind::Boolean || present().next().is_none(),
                };
                // Values are counted as their own groups; beyond `max_groups` the smallest are
                // merged once the counts of all customers are known (`finish`).
                (raw, Some(labels))
            }
        };
        let counts = RetentionCounts::count(tables, &life, |c| groups.get(c as usize).cloned().flatten(), options)?;
        Ok(FactorCounts { counts, labels, data_end: DataEndCounts::from_tables(tables, false) })
    }

    fn merge(&mut self, o: &FactorCounts) -> Result<()> {
        self.counts.merge(&o.counts);
        match (&mut self.labels, &o.labels) {
            (Some(a), Some(b)) => a.merge(b),
            (a @ None, Some(b)) => *a = Some(*b),
            _ => {}
        }
        self.data_end.merge(&o.data_end);
        Ok(())
    }

    fn finish(self, by: &str, censor: NaiveDate, options: &RetentionOptions) -> Result<RetentionStudy> {
        let mut data_quality = DataQuality::default();
        let counts = match self.labels {
            Some(l) if l.boolean() => self.counts.relabel(|v| {
                let b = parse_bool(v).unwrap_or_default();
                (if b { "true" } else { "false" }).to_owned()
            }),
            Some(_) => {
                // An attribute with many values keeps its largest groups, the rest merged into
                // one `(other)` group, counted (issue 14: a warning, not a refusal).
                let cap = GroupCap::of_sizes(self.counts.group_sizes(), options.max_groups)?;
                match cap.warning(by) {
                    Some(w) => {
                        data_quality.push(w);
                        self.counts.relabel(|v| cap.group(v).to_owned())
                    }
                    None => self.counts,
                }
            }
            None => self.counts,
        };
        Ok(RetentionStudy {
            censor,
            retention: counts.finish(by, options)?,
            data_end: self.data_end.finish(),
            data_quality,
        })
    }
}

fn canonical(by: &str) -> &str {
    if by == "products" { "products_held" } else { by }
}

/// Kaplan–Meier retention by `by` — a study factor (`products_held`, `upsell_90d`,
/// `weekly_engaged`, see [`retention_groups`]) or a customer attribute (its largest
/// [`RetentionOptions::max_groups`] values, the rest merged into one `(other)` group with a
/// warning in [`RetentionStudy::data_quality`]) — at the censor date `censor` (default: the data end of the
/// tables, [`crate::features::infer_data_end`]): what `attrition retention` prints.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::simulate::{simulate, SimulationParams};
/// use attrition::study::retention_study;
/// use attrition::survival::RetentionOptions;
/// let tables = simulate(&SimulationParams::new(300, 3, 11))?.tables;
/// let r = retention_study(&tables, "sales_approach", None, &RetentionOptions::new())?;
/// assert!(r.retention.groups.len() >= 2);
/// assert!(r.retention.logrank.is_some());
/// # Ok(()) }
/// ```
pub fn retention_study(
    tables: &Tables,
    by: &str,
    censor: Option<NaiveDate>,
    options: &RetentionOptions,
) -> Result<RetentionStudy> {
    options.check()?;
    let by = canonical(by);
    let censor = match censor {
        Some(d) => d,
        None => crate::features::infer_data_end(tables).ok_or(Error::EmptyData { context: "retention: no dates" })?,
    };
    FactorCounts::count(tables, by, censor, options)?.finish(by, censor, options)
}

/// [`retention_study`] over a partitioned directory, combined from per-partition counts
/// ([`RetentionCounts`]), never from concatenated rows: without `censor`, a first pass merges
/// each partition's dated rows ([`DataEndCounts`]) into the data end; then each partition's
/// customers are counted by group at that censor date and the counts merged (an attribute's
/// boolean labelling is decided over all partitions). Partitions are read in parallel, one per
/// worker at a time ([`crate::partition::Partitions::map_merge`]). The result equals the
/// unpartitioned one to the byte.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::tables::{read_tables, ReadOptions};
/// use attrition::partition::{partition_tables, PartitionParams, Partitions};
/// use attrition::simulate::{simulate, SimulationParams};
/// use attrition::study::{retention_study, retention_study_partitioned};
/// use attrition::survival::RetentionOptions;
/// let dir = tempfile::tempdir().unwrap();
/// simulate(&SimulationParams::new(120, 3, 2))?.tables.write_dir(dir.path().join("t"))?;
/// partition_tables(dir.path().join("t"), None, &PartitionParams::new(4), dir.path().join("p"))?;
/// let parts = Partitions::open(dir.path().join("p"))?;
/// let options = RetentionOptions::new();
/// let (split, _) = retention_study_partitioned(&parts, "products_held", None, &options, &ReadOptions::strict())?;
/// let tables = read_tables(dir.path().join("t"), &ReadOptions::strict())?.tables;
/// assert_eq!(split, retention_study(&tables, "products_held", None, &options)?);
/// # Ok(()) }
/// ```
#[cfg(feature = "parquet")]
pub fn retention_study_partitioned(
    parts: &crate::partition::Partitions,
    by: &str,
    censor: Option<NaiveDate>,
    options: &RetentionOptions,
    read: &crate::io::tables::ReadOptions,
) -> Result<(RetentionStudy, crate::partition::PartitionsReadReport)> {
    use crate::partition::PartitionsReadReport;
    options.check()?;
    let by = canonical(by);
    let censor = match censor {
        Some(d) => d,
        None => parts
            .map_merge(
                read,
                |_, loaded| Ok(DataEndCounts::from_tables(&loaded.tables, false)),
                |mut a, b| {
                    a.merge(&b);
                    Ok(a)
                },
            )?
            .finish()
            .map(|d| d.day)
            .ok_or(Error::EmptyData { context: "retention: no dates" })?,
    };
    // A partition without customers (few customers hashed into many partitions) counts nothing.
    let (counts, read) = parts.map_merge(
        read,
        |_, loaded| {
            let counts = if loaded.tables.customers.is_empty() {
                None
            } else {
                Some(FactorCounts::count(&loaded.tables, by, censor, options)?)
            };
            Ok((counts, PartitionsReadReport::of(&loaded)))
        },
        |(a, mut ra), (b, rb)| {
            ra.merge(&rb);
            let merged = match (a, b) {
                (Some(mut a), Some(b)) => {
                    a.merge(&b)?;
                    Some(a)
                }
                (a, b) => a.or(b),
            };
            Ok((merged, ra))
        },
    )?;
    let counts = counts.ok_or(Error::EmptyData { context: "retention: no customers in any partition" })?;
    Ok((counts.finish(by, censor, options)?, read))
}
