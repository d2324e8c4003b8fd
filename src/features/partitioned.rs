//! Features of a partitioned dataset ([`crate::partition`]), a partition at a time, equal to the
//! features of the whole.
//!
//! [`PartitionedTables::open`] reads every partition once (in parallel, one partition per worker
//! at a time) and sums what must be decided over all customers ([`PopulationCounts`]: events per
//! type, attribute kind evidence, the dated rows of the data end); the partitions' tables are
//! dropped as soon as they are counted. [`PartitionedTables::build_observations`] and
//! [`PartitionedTables::snapshot`] then read each partition again, give it the population's
//! decisions ([`GlobalContext`]: resolved catalogue, attribute kinds, data end, the day derived
//! inactivity churn is censored at) and compute its customers' rows with the same code as the
//! unpartitioned [`crate::features::build_observations`] and [`crate::features::snapshot`].
//!
//! **Order.** The rows are those of the unpartitioned run in its order: by customer in the order
//! of the source `customers` file — each partition keeps a customer's source line in
//! [`crate::partition::SOURCE_LINE_COLUMN`] — then by as-of date. Categorical columns get their
//! levels in order of first appearance in that order, as unpartitioned. So a table written from
//! the result is the same bytes as the unpartitioned run's.
//!
//! **Memory.** Each worker holds one partition's tables and its rows. The streaming methods
//! ([`PartitionedTables::write_observations`], [`PartitionedTables::write_snapshot`], and
//! [`crate::scoring::score_partitioned`]) write each partition's rows to a temporary run file as
//! soon as they are built and then merge the runs in the unpartitioned order into the output:
//! peak memory is about the workers × one partition plus a read buffer per partition, whatever
//! the population. The runs live in [`PartitionedTables::run_dir`] (default: the system's
//! temporary directory; give a directory on disk, not a RAM-backed `/tmp`, for large
//! populations) and are removed on success and on error. [`PartitionedTables::build_observations`]
//! and [`PartitionedTables::snapshot`] return the whole table instead: the rows of all partitions
//! are kept until they are put in order, then moved column by column. Events, the bulk of the
//! input, are never all in memory.
//!
//! **Checks.** A customer in a partition its id does not hash to (a customer copied into two
//! partitions, a partition from another run) is [`Error::BadPartitions`], naming the customer,
//! the partition and the source line.
//!
//! **Event roles.** When the event types are not the simulator's,
//! [`PartitionedTables::discover`] discovers their roles a partition at a time
//! ([`crate::catalogue::DiscoveryCounts`]): the same catalogue as on the unpartitioned tables.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::features::{build_observations, FeatureParams, PartitionedTables};
//! use attrition::io::tables::{read_tables, ReadOptions};
//! use attrition::partition::{partition_tables, PartitionParams, Partitions};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(60, 8, 7))?;
//! let dir = tempfile::tempdir().unwrap();
//! world.tables.write_dir(dir.path().join("tables"))?;
//! partition_tables(dir.path().join("tables"), None, &PartitionParams::new(3), dir.path().join("parts"))?;
//!
//! let tables = read_tables(dir.path().join("tables"), &ReadOptions::strict())?.tables;
//! let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! let params = FeatureParams::new(d("2024-03-01"), d("2024-06-01"));
//! let whole = build_observations(&tables, &params)?;
//!
//! let parts = PartitionedTables::open(Partitions::open(dir.path().join("parts"))?, &ReadOptions::strict())?;
//! let table = parts.build_observations(&params)?;
//! assert_eq!(table.dataset.ids, whole.dataset.ids);
//! assert_eq!(table.report, whole.report);
//!
//! // Streamed: a partition's rows at a time, merged into the same bytes.
//! use attrition::io::write_flat::{write_flat_to, WriteFlatOptions};
//! let mut want = Vec::new();
//! write_flat_to(&whole.dataset, &mut want, &WriteFlatOptions::default())?;
//! let mut got = Vec::new();
//! let written = parts.write_observations(&params, &mut got, &WriteFlatOptions::default())?;
//! assert_eq!(got, want);
//! assert_eq!(written.rows, whole.dataset.n_rows() as u64);
//! assert_eq!(written.report.as_ref(), Some(&whole.report));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::NaiveDate;

use crate::dataset::{CategoricalColumn, Column, ColumnData, Dataset, MISSING_CODE};
use crate::error::{Error, Result};
use crate::features::context::{GlobalContext, PopulationCounts};
use crate::features::observe::{FeatureReport, FeatureTable, build_observations_in, snapshot_resolved};
use crate::features::params::FeatureParams;
use crate::features::spec::FeatureCatalogue;
use crate::io::read::LoadReport;
use crate::io::schema::Schema;
use crate::io::tables::{ReadOptions, Tables};
use crate::io::write_flat::{WriteFlatOptions, write_flat_to};
use crate::partition::runs::{RunWriter, Runs};
use crate::partition::{PartitionManifest, Partitions, SOURCE_LINE_COLUMN, partition_of};
use crate::validation::CustomerSample;

mod discover;

/// A partitioned dataset opened for features: the partitions and the population counts of a
/// first pass over them (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct PartitionedTables {
    parts: Partitions,
    read: ReadOptions,
    counts: PopulationCounts,
    report: LoadReport,
    run_dir: Option<PathBuf>,
    sample: Option<CustomerSample>,
}

/// What [`PartitionedTables::write_observations`] and [`PartitionedTables::write_snapshot`]
/// wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenFeatures {
    /// Rows written (the header not counted).
    pub rows: u64,
    /// Feature columns of each row.
    pub features: usize,
    /// The observations' report, summed over the partitions (`None` for a snapshot).
    pub report: Option<FeatureReport>,
    /// The catalogue resolved over all partitions, the columns' source.
    pub catalogue: FeatureCatalogue,
}

/// One partition read for features: its tables and each customer's source line.
pub(crate) struct Part {
    pub(crate) tables: Tables,
    lines: Vec<u64>,
}

impl PartitionedTables {
    /// Opens `parts` for features: reads every partition once (strict or lenient as `read`
    /// says; `read.max_event_types` is not applied — the feature catalogue caps event types) and
    /// counts the population.
    pub fn open(parts: Partitions, read: &ReadOptions) -> Result<PartitionedTables> {
        let read = ReadOptions { max_event_types: None, ..read.clone() };
        let mut me = PartitionedTables {
            parts,
            read,
            counts: PopulationCounts::default(),
            report: LoadReport::default(),
            run_dir: None,
            sample: None,
        };
        let counted = for_each_part(me.parts.len(), |i| {
            let (part, report) = me.read_part(i, None)?;
            Ok((PopulationCounts::from_tables(&part.tables), report))
        })?;
        let mut counts = PopulationCounts::default();
        let mut reports = Vec::with_capacity(counted.len());
        for (c, r) in counted {
            counts.merge(&c);
            reports.push(r);
        }
        if counts.customers == 0 {
            // Every partition empty: the attribute columns and churn definition of the manifest.
            counts.churn_is_subscriptions = me.parts.manifest().schema.churn.is_none();
        }
        // Each part's cancellation events left its events table when they became churn days
        // (`Tables::derive_churn`): the parts' reports count them.
        let cancellations: u64 =
            reports.iter().filter_map(|r| r.churn.as_ref()).map(|c| c.cancellation_events_removed).sum();
        if let Some(c) = &me.parts.manifest().schema.churn
            && let Some(event) = &c.churn_event
            && cancellations == 0
        {
            return Err(Error::BadSchema {
                file: me.parts.dir().join(crate::partition::MANIFEST_FILE),
                line: None,
                reason: format!("[churn] churn_event `{event}`: no event of any partition has this type"),
            });
        }
        me.report = merge_reports(&me.parts, reports);
        me.counts = counts;
        Ok(me)
    }

    /// Where the streaming methods keep their temporary run files (a fresh directory inside
    /// `dir`, removed when done); default: [`std::env::temp_dir`]. The runs hold the whole
    /// output, so choose a disk with room for it (the output's directory is a good choice).
    pub fn run_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.run_dir = Some(dir.into());
        self
    }

    /// Keeps only the observations of the customers in `sample` (all their as-of dates) in
    /// [`PartitionedTables::build_observations`] and [`PartitionedTables::write_observations`]:
    /// the rows of the unpartitioned table taken with [`CustomerSample::rows`]. The population's
    /// decisions and the report are still those of every customer. Snapshots are not sampled.
    pub fn sample_customers(mut self, sample: CustomerSample) -> Self {
        self.sample = Some(sample);
        self
    }

    /// The observations of a partition kept by the sample (all without one), and their lines.
    fn sampled(&self, table: FeatureTable, lines: Vec<u64>) -> (FeatureTable, Vec<u64>) {
        let Some(sample) = &self.sample else { return (table, lines) };
        let rows = sample.rows(table.dataset.ids.as_deref().unwrap_or(&[]));
        let lines = rows.iter().map(|&r| lines[r]).collect();
        (FeatureTable { dataset: table.dataset.take(&rows), ..table }, lines)
    }

    /// The partitions.
    pub fn partitions(&self) -> &Partitions {
        &self.parts
    }

    /// The population counts of the first pass.
    pub fn counts(&self) -> &PopulationCounts {
        &self.counts
    }

    /// How the partitions were read, summed over them (each file named `part-*/FILE`).
    pub fn load_report(&self) -> &LoadReport {
        &self.report
    }

    /// The event types of all partitions, by name.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.counts.event_types.keys().map(String::as_str)
    }

    /// The population's decisions for `catalogue` (resolved over all partitions).
    pub fn context(&self, catalogue: &FeatureCatalogue) -> Result<GlobalContext> {
        GlobalContext::from_counts(&self.counts, catalogue)
    }

    /// [`crate::features::build_observations`] over all partitions: the same table (rows,
    /// order, values, report) as on the unpartitioned tables.
    pub fn build_observations(&self, params: &FeatureParams) -> Result<FeatureTable> {
        params.check()?;
        let context = self.context(&params.catalogue)?;
        let built = for_each_part(self.parts.len(), |i| {
            let (part, _) = self.read_part(i, Some(&context))?;
            let table = build_observations_in(&part.tables, params, &context)?;
            let lines = row_lines(&part, &table.dataset)?;
            Ok(self.sampled(table, lines))
        })?;
        let mut report: Option<FeatureReport> = None;
        let mut datasets = Vec::with_capacity(built.len());
        for (table, lines) in built {
            match &mut report {
                None => report = Some(table.report),
                Some(r) => add_report(r, &table.report),
            }
            datasets.push((table.dataset, lines));
        }
        let report = report.ok_or(Error::EmptyData { context: "partitioned dataset: no partitions" })?;
        let dataset = merge_datasets(datasets)?;
        Ok(FeatureTable { dataset, report, catalogue: context.catalogue })
    }

    /// [`PartitionedTables::build_observations`] written as CSV to `out` ([`write_flat_to`]'s
    /// format, the same bytes), streaming: each partition's rows go to a run file as soon as
    /// they are built, and the runs are merged into `out` (see the [module docs](self)). Nothing
    /// is written to `out` before every partition is built, so an error leaves `out` untouched.
    pub fn write_observations(
        &self,
        params: &FeatureParams,
        out: &mut impl Write,
        options: &WriteFlatOptions,
    ) -> Result<WrittenFeatures> {
        params.check()?;
        let context = self.context(&params.catalogue)?;
        let (built, rows) = self.stream(&context, out, |_, part, run| {
            let table = build_observations_in(&part.tables, params, &context)?;
            let lines = row_lines(part, &table.dataset)?;
            let (table, lines) = self.sampled(table, lines);
            write_run(&table.dataset, &lines, run, |ds, run| write_flat_to(ds, run, options))?;
            Ok((table.report, table.dataset.n_features()))
        })?;
        let mut report: Option<FeatureReport> = None;
        let mut features = 0;
        for (r, f) in built {
            features = f;
            match &mut report {
                None => report = Some(r),
                Some(acc) => add_report(acc, &r),
            }
        }
        let report = report.ok_or(Error::EmptyData { context: "partitioned dataset: no partitions" })?;
        Ok(WrittenFeatures { rows, features, report: Some(report), catalogue: context.catalogue })
    }

    /// [`PartitionedTables::snapshot`] written as CSV to `out`, streaming (as
    /// [`PartitionedTables::write_observations`]).
    pub fn write_snapshot(
        &self,
        as_of: NaiveDate,
        catalogue: &FeatureCatalogue,
        out: &mut impl Write,
        options: &WriteFlatOptions,
    ) -> Result<WrittenFeatures> {
        let context = self.context(catalogue)?;
        let (built, rows) = self.stream(&context, out, |_, part, run| {
            let (ds, lines) = self.snapshot_of(part, as_of, &context)?;
            write_run(&ds, &lines, run, |ds, run| write_flat_to(ds, run, options))?;
            Ok(ds.n_features())
        })?;
        let features = built.into_iter().next().unwrap_or(0);
        Ok(WrittenFeatures { rows, features, report: None, catalogue: context.catalogue })
    }

    /// Runs `work` on every partition (its index and tables, read with `context`; at most one
    /// per worker at a time) with the partition's run writer, then merges the runs into `out`. Returns the results in
    /// partition order and the rows written.
    pub(crate) fn stream<T: Send>(
        &self,
        context: &GlobalContext,
        out: &mut impl Write,
        work: impl Fn(usize, &Part, &mut RunWriter) -> Result<T> + Sync,
    ) -> Result<(Vec<T>, u64)> {
        let parent = self.run_dir.clone().unwrap_or_else(std::env::temp_dir);
        let runs = Runs::new(self.parts.len(), &parent)?;
        let results = for_each_part(self.parts.len(), |i| {
            let (part, _) = self.read_part(i, Some(context))?;
            let mut run = runs.writer(i)?;
            let r = work(i, &part, &mut run)?;
            run.finish()?;
            Ok(r)
        })?;
        let rows = runs.merge(out, Path::new("<output>"))?;
        Ok((results, rows))
    }

    /// Runs `work` on every partition's labelled observations (built with `context`) and their
    /// rows' source lines, at most one partition per worker at a time; results in partition
    /// order. Nothing is written: the caller keeps what it needs of each partition.
    pub(crate) fn map_observations<T: Send>(
        &self,
        params: &FeatureParams,
        context: &GlobalContext,
        work: impl Fn(usize, FeatureTable, Vec<u64>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        params.check()?;
        for_each_part(self.parts.len(), |i| {
            let (part, _) = self.read_part(i, Some(context))?;
            let table = build_observations_in(&part.tables, params, context)?;
            let lines = row_lines(&part, &table.dataset)?;
            drop(part);
            work(i, table, lines)
        })
    }

    /// A partition's snapshot rows (with `context`'s catalogue) and their source lines.
    pub(crate) fn snapshot_of(
        &self,
        part: &Part,
        as_of: NaiveDate,
        context: &GlobalContext,
    ) -> Result<(Dataset, Vec<u64>)> {
        let ds = snapshot_resolved(&part.tables, as_of, &context.catalogue)?;
        let lines = row_lines(part, &ds)?;
        Ok((ds, lines))
    }

    /// [`crate::features::snapshot`] over all partitions: the customers active on `as_of − 1`,
    /// in the unpartitioned order. Returns the dataset and the resolved catalogue.
    pub fn snapshot(&self, as_of: NaiveDate, catalogue: &FeatureCatalogue) -> Result<(Dataset, FeatureCatalogue)> {
        let context = self.context(catalogue)?;
        let built = for_each_part(self.parts.len(), |i| {
            let (part, _) = self.read_part(i, Some(&context))?;
            let ds = snapshot_resolved(&part.tables, as_of, &context.catalogue)?;
            let lines = row_lines(&part, &ds)?;
            Ok((ds, lines))
        })?;
        Ok((merge_datasets(built)?, context.catalogue))
    }

    /// Reads partition `i`: its tables with the source line of each customer taken out of the
    /// attributes, every customer checked to belong to the partition, churn derived (censored at
    /// the population's data end, with `context`) and the population's attribute kinds applied.
    fn read_part(&self, i: usize, context: Option<&GlobalContext>) -> Result<(Part, LoadReport)> {
        let manifest = self.parts.manifest();
        let mut schema: Schema = manifest.schema.clone();
        if let Some(c) = schema.customers.as_mut() {
            c.ignore.retain(|n| n != SOURCE_LINE_COLUMN);
        }
        // The population's censoring day for inactivity churn: the data end before any spell
        // exists (the first pass derives with the partition's own: spell starts do not depend on it).
        let churn_data_end = context.and_then(|_| self.counts.data_end.without_subscriptions().finish()).map(|d| d.day);
        let options = ReadOptions { churn_data_end, part_of_population: true, ..self.read.clone() };
        let loaded = crate::io::tables::read_tables_with(self.parts.part_dir(i), Some(&schema), &options)?;
        let report = loaded.report;
        let mut tables = loaded.tables;
        let dir = self.parts.part_dir(i);
        let customers_file = dir.join(
            manifest
                .schema
                .customers
                .as_ref()
                .and_then(|c| c.file.clone())
                .unwrap_or_else(|| "customers.parquet".to_owned()),
        );
        let bad = |reason: String| Error::BadPartitions { dir: self.parts.dir().to_path_buf(), reason };
        let at = tables.attributes.iter().position(|a| a.name == SOURCE_LINE_COLUMN).ok_or_else(|| {
            bad(format!(
                "{} has no column `{SOURCE_LINE_COLUMN}` (written by `attrition partition`)",
                customers_file.display()
            ))
        })?;
        let column = tables.attributes.remove(at);
        let mut lines = Vec::with_capacity(tables.customers.len());
        let n = self.parts.len() as u32;
        for (c, cu) in tables.customers.iter().enumerate() {
            let line = column.value(c as u32).and_then(|v| v.trim().parse::<u64>().ok()).ok_or_else(|| {
                bad(format!(
                    "{}: customer {} has no source line in `{SOURCE_LINE_COLUMN}`",
                    customers_file.display(),
                    cu.customer_id
                ))
            })?;
            let home = partition_of(&cu.customer_id, n) as usize;
            if home != i {
                return Err(bad(format!(
                    "customer {} (source line {line}) is in {} but its id hashes to {}: a customer must be in exactly \
                     one partition (partition the tables again with `attrition partition`)",
                    cu.customer_id,
                    PartitionManifest::part_name(i),
                    PartitionManifest::part_name(home)
                )));
            }
            lines.push(line);
        }
        if let Some(ctx) = context {
            ctx.apply_attribute_kinds(&mut tables);
        }
        Ok((Part { tables, lines }, report))
    }
}

/// Writes `ds` with `write` into `run`, rows in the order of their customers' source `lines`
/// (kept within a customer), and each row's line as its key.
pub(crate) fn write_run<R>(
    ds: &Dataset,
    lines: &[u64],
    run: &mut RunWriter,
    write: impl FnOnce(&Dataset, &mut RunWriter) -> Result<R>,
) -> Result<R> {
    if lines.len() != ds.n_rows() {
        return Err(Error::LengthMismatch {
            context: "partition rows and lines",
            left: ds.n_rows(),
            right: lines.len(),
        });
    }
    let sorted;
    let (ds, keys): (&Dataset, Vec<u64>) = if lines.is_sorted() {
        (ds, lines.to_vec())
    } else {
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&r| lines[r]);
        sorted = ds.take(&order);
        (&sorted, order.iter().map(|&r| lines[r]).collect())
    };
    for k in keys {
        run.key(k)?;
    }
    let path = run.path().to_path_buf();
    write(ds, run).map_err(|e| match e {
        Error::Io { action, source, .. } => Error::io(action, path, source),
        e => e,
    })
}

/// The source line of each row's customer.
fn row_lines(part: &Part, ds: &Dataset) -> Result<Vec<u64>> {
    let index: HashMap<&str, u64> =
        part.tables.customers.iter().zip(&part.lines).map(|(c, &l)| (c.customer_id.as_str(), l)).collect();
    let ids = ds.ids.as_deref().unwrap_or(&[]);
    ids.iter()
        .map(|id| {
            index.get(id.as_str()).copied().ok_or(Error::Numerical {
                context: "partitioned features",
                reason: format!("row of unknown customer {id}"),
            })
        })
        .collect()
}

/// Runs `f` on partitions `0..n`, at most one partition per worker thread at a time (as many
/// workers as rayon threads), and returns the results in partition order. After an error no
/// further partition is started; the error of the lowest partition is returned (every lower
/// partition was started before it, so the error is the one a sequential run meets first).
fn for_each_part<T: Send>(n: usize, f: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<T>>>> = Mutex::new((0..n).map(|_| None).collect());
    let workers = rayon::current_num_threads().clamp(1, n.max(1));
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                loop {
                    if failed.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let r = f(i);
                    if r.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    if let Ok(mut res) = results.lock() {
                        res[i] = Some(r);
                    }
                }
            });
        }
    });
    let results = results
        .into_inner()
        .map_err(|_| Error::Numerical { context: "partitioned features", reason: "a worker panicked".into() })?;
    let mut out = Vec::with_capacity(n);
    for r in results {
        match r {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => return Err(e),
            None => {
                // Not started because a higher partition failed first: its error is returned
                // below, after any lower partition's.
            }
        }
    }
    if out.len() < n {
        return Err(Error::Numerical {
            context: "partitioned features",
            reason: "a partition was not processed".into(),
        });
    }
    Ok(out)
}

/// Adds a partition's feature report to the sum (counts add; data end and features are the
/// population's in every partition).
pub(crate) fn add_report(acc: &mut FeatureReport, r: &FeatureReport) {
    acc.customers += r.customers;
    acc.events += r.events;
    acc.candidates += r.candidates;
    acc.not_active += r.not_active;
    acc.observations += r.observations;
    acc.churned += r.churned;
    for (k, v) in &r.excluded {
        *acc.excluded.entry(*k).or_default() += v;
    }
    for (a, b) in acc.per_date.iter_mut().zip(&r.per_date) {
        a.active += b.active;
        a.observations += b.observations;
        a.churned += b.churned;
        a.churned_in_lead += b.churned_in_lead;
        a.label_window_incomplete += b.label_window_incomplete;
    }
}

/// The partitions' load reports summed file by file (files named `PARTS/part-*/FILE`).
fn merge_reports(parts: &Partitions, reports: Vec<LoadReport>) -> LoadReport {
    let mut out = LoadReport::default();
    for r in reports {
        for f in r.files {
            let name = f.file.file_name().map(|n| parts.dir().join("part-*").join(n)).unwrap_or_else(|| f.file.clone());
            match out.files.iter_mut().find(|g| g.file == name) {
                Some(g) => {
                    g.rows_read += f.rows_read;
                    g.rows_loaded += f.rows_loaded;
                    g.duplicates += f.duplicates;
                    for (k, v) in f.skipped {
                        *g.skipped.entry(k).or_default() += v;
                    }
                    for e in f.examples {
                        if g.examples.len() < 10 {
                            g.examples.push(e);
                        }
                    }
                }
                None => out.files.push(crate::io::read::FileReport { file: name, ..f }),
            }
        }
        if let Some(c) = r.churn {
            match &mut out.churn {
                None => out.churn = Some(c),
                Some(acc) => {
                    acc.customers += c.customers;
                    acc.churns += c.churns;
                    acc.churned_customers += c.churned_customers;
                    acc.returns += c.returns;
                    acc.repeated_cancellations += c.repeated_cancellations;
                }
            }
        }
    }
    out
}

/// The partitions' datasets (each with its rows' source lines) as one, rows ordered by source
/// line, then by their order within the partition (as-of date). Columns are moved one at a time.
fn merge_datasets(parts: Vec<(Dataset, Vec<u64>)>) -> Result<Dataset> {
    let mut order: Vec<(u64, u32, u32)> = Vec::new();
    for (p, (ds, lines)) in parts.iter().enumerate() {
        if lines.len() != ds.n_rows() {
            return Err(Error::LengthMismatch {
                context: "partition rows and lines",
                left: ds.n_rows(),
                right: lines.len(),
            });
        }
        order.extend(lines.iter().enumerate().map(|(r, &l)| (l, p as u32, r as u32)));
    }
    order.sort_unstable();
    let n_rows = order.len();
    let mut parts: Vec<Dataset> = parts.into_iter().map(|(ds, _)| ds).collect();
    let template: Vec<(String, bool)> = parts
        .first()
        .map(|ds| ds.columns.iter().map(|c| (c.name.clone(), matches!(c.data, ColumnData::Numeric(_)))).collect())
        .unwrap_or_default();
    let mut out = Dataset::with_rows(n_rows);
    for (j, (name, numeric)) in template.iter().enumerate() {
        let taken: Vec<ColumnData> = parts
            .iter_mut()
            .map(|ds| {
                ds.columns
                    .get_mut(j)
                    .filter(|c| c.name == *name)
                    .map(|c| std::mem::replace(&mut c.data, ColumnData::Numeric(Vec::new())))
                    .ok_or_else(|| Error::FeatureMismatch { reason: format!("partitions differ at column `{name}`") })
            })
            .collect::<Result<_>>()?;
        let col = if *numeric {
            let cols: Vec<&[f64]> = taken
                .iter()
                .map(|d| match d {
                    ColumnData::Numeric(v) => Ok(v.as_slice()),
                    ColumnData::Categorical(_) => Err(Error::FeatureMismatch {
                        reason: format!("column `{name}` is not numeric in every partition"),
                    }),
                })
                .collect::<Result<_>>()?;
            Column {
                name: name.clone(),
                data: ColumnData::Numeric(order.iter().map(|&(_, p, r)| cols[p as usize][r as usize]).collect()),
            }
        } else {
            let cols: Vec<&CategoricalColumn> = taken
                .iter()
                .map(|d| match d {
                    ColumnData::Categorical(c) => Ok(c),
                    ColumnData::Numeric(_) => Err(Error::FeatureMismatch {
                        reason: format!("column `{name}` is not categorical in every partition"),
                    }),
                })
                .collect::<Result<_>>()?;
            let values: Vec<Option<&str>> = order
                .iter()
                .map(|&(_, p, r)| {
                    let c = cols[p as usize];
                    let code = c.codes[r as usize];
                    if code == MISSING_CODE { None } else { c.levels.get(code as usize).map(String::as_str) }
                })
                .collect();
            Column::categorical(name.clone(), &values)
        };
        out.push_column(col)?;
    }
    let gather = |f: &dyn Fn(&Dataset) -> bool| parts.iter().all(f);
    if gather(&|d| d.ids.is_some()) {
        let ids = order
            .iter()
            .map(|&(_, p, r)| parts[p as usize].ids.as_ref().map_or(String::new(), |v| v[r as usize].clone()))
            .collect();
        out = out.with_ids(ids)?;
    }
    if gather(&|d| d.as_of.is_some()) {
        let as_of = order
            .iter()
            .map(|&(_, p, r)| parts[p as usize].as_of.as_ref().map_or(NaiveDate::MIN, |v| v[r as usize]))
            .collect();
        out = out.with_as_of(as_of)?;
    }
    if gather(&|d| d.churned.is_some()) && !parts.is_empty() {
        let churned =
            order.iter().map(|&(_, p, r)| parts[p as usize].churned.as_ref().is_some_and(|v| v[r as usize])).collect();
        out = out.with_churned(churned)?;
    }
    Ok(out)
}
