//! KPIs over a partitioned directory: each partition counted on its own, the counts merged.

use crate::error::Result;
use crate::features::{DataEnd, DataEndCounts};
use crate::io::tables::ReadOptions;
use crate::kpi::counts::{KpiBounds, KpiCounts};
use crate::kpi::report::{KpiOptions, KpiReport};
use crate::partition::{Partitions, PartitionsReadReport};

/// The KPI report of a partitioned directory, with what reading it found.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionedKpis {
    /// The report: the same as [`crate::kpi::compute_kpis`] on the unpartitioned tables.
    pub report: KpiReport,
    /// The data end of all partitions without subscription ends (what the unpartitioned
    /// commands warn about when it leaves outlying rows out); `None` without dated rows.
    pub data_end: Option<DataEnd>,
    /// Duplicates dropped while reading, summed over partitions.
    pub read: PartitionsReadReport,
}

/// [`compute_kpis`](crate::kpi::compute_kpis) over a partitioned directory, combined from
/// per-partition counts, never from concatenated rows: a first pass counts each partition's
/// [`KpiBounds`] (earliest subscription, dated rows for the data end) to fix the periods for all
/// partitions; a second counts each partition's [`KpiCounts`] over those periods and merges them.
/// Partitions are read in parallel, one per worker at a time ([`Partitions::map_merge`]); each is
/// read twice. The report equals the unpartitioned one to the byte.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::tables::{read_tables, ReadOptions};
/// use attrition::kpi::{compute_kpis, compute_kpis_partitioned, KpiOptions};
/// use attrition::partition::{partition_tables, PartitionParams, Partitions};
/// use attrition::simulate::{simulate, SimulationParams};
/// let dir = tempfile::tempdir().unwrap();
/// simulate(&SimulationParams::new(60, 2, 5))?.tables.write_dir(dir.path().join("t"))?;
/// partition_tables(dir.path().join("t"), None, &PartitionParams::new(3), dir.path().join("p"))?;
/// let parts = Partitions::open(dir.path().join("p"))?;
/// let options = KpiOptions::new();
/// let split = compute_kpis_partitioned(&parts, &options, &ReadOptions::strict())?;
/// let whole = compute_kpis(&read_tables(dir.path().join("t"), &ReadOptions::strict())?.tables, &options)?;
/// assert_eq!(serde_json::to_string(&split.report).unwrap(), serde_json::to_string(&whole).unwrap());
/// # Ok(()) }
/// ```
pub fn compute_kpis_partitioned(
    parts: &Partitions,
    options: &KpiOptions,
    read: &ReadOptions,
) -> Result<PartitionedKpis> {
    options.check()?;
    let (bounds, ends, report) = parts.map_merge(
        read,
        |_, loaded| {
            let r = PartitionsReadReport::of(&loaded);
            Ok((KpiBounds::from_tables(&loaded.tables), DataEndCounts::from_tables(&loaded.tables, false), r))
        },
        |(mut b, mut e, mut r), (b2, e2, r2)| {
            b.merge(&b2)?;
            e.merge(&e2);
            r.merge(&r2);
            Ok((b, e, r))
        },
    )?;
    let frame = bounds.frame(options)?;
    let counts = parts.map_merge(
        read,
        |_, loaded| Ok(KpiCounts::count(&loaded.tables, &frame)),
        |mut a, b| {
            a.merge(&b)?;
            Ok(a)
        },
    )?;
    Ok(PartitionedKpis { report: counts.report(&frame), data_end: ends.finish(), read: report })
}
