//! Partitioned datasets: a tables directory split by customer into `N` smaller tables
//! directories (cargo feature `parquet`), so that a population larger than memory is processed
//! one partition at a time.
//!
//! [`partition_tables`] reads every table of a tables directory once, as a stream, and copies each
//! row into partition `fnv1a64(customer_id) mod N` ([`partition_of`]): every partition holds
//! complete customers (their customer row, subscriptions, events, NPS responses and campaign
//! offers). Memory is bounded by the partitions' write buffers, never by the size of the input.
//!
//! The output directory holds:
//!
//! ```text
//! PARTS/partitions.json           the manifest (PartitionManifest)
//! PARTS/part-00000/customers.parquet
//! PARTS/part-00000/subscriptions.parquet  (absent with a schema's [churn])
//! PARTS/part-00000/events.parquet
//! PARTS/part-00000/nps.parquet    (absent when the source has none)
//! PARTS/part-00000/campaign.parquet (absent when the source has none)
//! PARTS/part-00001/…
//! ```
//!
//! Each partition is itself a tables directory: its Parquet files hold every column of the source
//! file under the source's own names, as text exactly as the reader frames it (a typed Parquet
//! source's values as [`crate::io::parquet`] writes them as text; contract date columns as
//! `YYYY-MM-DD`), in source order, plus `attrition_source_line`, the row's line in the source
//! file (1-based, header = line 1; the data row number for Parquet sources), kept for ordering
//! and messages. The manifest records the partition count, the hash, row counts per table and
//! partition, what reading the source skipped (lenient mode) and the *schema to read each
//! partition with* (the source schema with the partition's file names, no delimiter, the events'
//! timestamp format as written and `attrition_source_line` ignored), so
//! [`Partitions::read`] gives the same rows as [`crate::io::tables::read_tables_with`] on the
//! source restricted to the partition's customers. Without a `product` column in the source's
//! subscriptions, the partitions get one holding the name the reader gives such rows
//! (`line_N`, from the source line), so product lines keep their names.
//!
//! Values are not parsed while partitioning (that happens when a partition is read), but headers,
//! contract column types of typed sources and record framing are checked as the reader checks
//! them: a file that the reader refuses is refused here, naming file, line and column.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::io::tables::{read_tables, ReadOptions};
//! use attrition::partition::{partition_tables, PartitionParams, Partitions};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(60, 3, 7))?;
//! let dir = tempfile::tempdir().unwrap();
//! world.tables.write_dir(dir.path().join("tables"))?;
//! let manifest = partition_tables(dir.path().join("tables"), None, &PartitionParams::new(4), dir.path().join("parts"))?;
//! assert_eq!(manifest.partitions, 4);
//!
//! let parts = Partitions::open(dir.path().join("parts"))?;
//! let mut customers = 0;
//! for i in 0..parts.len() {
//!     customers += parts.read(i, &ReadOptions::strict())?.tables.customers.len();
//! }
//! assert_eq!(customers, 60);
//! # Ok(()) }
//! ```

pub(crate) mod runs;
mod write;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::InputFormat;
use crate::io::read::FileReport;
use crate::io::schema::Schema;
use crate::io::tables::{LoadedTables, ReadOptions, read_tables_with};

pub use write::{partition_tables, partition_tables_into};

/// The manifest's file name in a partitioned directory.
pub const MANIFEST_FILE: &str = "partitions.json";

/// The manifest's format name ([`PartitionManifest::format`]).
pub const MANIFEST_FORMAT: &str = "attrition-partitions";

/// The manifest's version this build writes and reads.
pub const MANIFEST_VERSION: u32 = 1;

/// The most partitions [`partition_tables`] writes: each open partition holds a write buffer and
/// an open file while a table is copied.
pub const MAX_PARTITIONS: u32 = 4096;

/// The column each partition file adds: the row's line in its source file.
pub const SOURCE_LINE_COLUMN: &str = "attrition_source_line";

/// The tables a partitioned directory may hold, in writing order.
pub const PARTITION_TABLES: [&str; 5] = ["customers", "subscriptions", "events", "nps", "campaign"];

/// FNV-1a (64-bit) of `bytes`: the partitioning hash. Stable across platforms, processes and
/// versions (unlike Rust's randomised `HashMap` hasher), and simple to reproduce elsewhere
/// (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`).
///
/// ```
/// use attrition::partition::fnv1a64;
/// assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
/// assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c); // the published test vector
/// ```
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The partition of a customer: `fnv1a64(UTF-8 bytes of the trimmed customer_id) mod partitions`
/// (the id as the reader sees it: surrounding blanks removed; an integer id of a Parquet file as
/// its decimal digits). `partitions` must be ≥ 1.
///
/// ```
/// use attrition::partition::partition_of;
/// assert_eq!(partition_of(" C00042 ", 8), partition_of("C00042", 8));
/// assert!(partition_of("C00042", 8) < 8);
/// ```
pub fn partition_of(customer_id: &str, partitions: u32) -> u32 {
    (fnv1a64(customer_id.trim().as_bytes()) % u64::from(partitions.max(1))) as u32
}

/// The hash a partitioned directory was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionHash {
    /// [`partition_of`]: FNV-1a 64 of the trimmed customer id, modulo the partition count.
    Fnv1a64,
}

/// How to partition a tables directory: the partition count and how bad records are handled.
///
/// ```
/// use attrition::partition::PartitionParams;
/// assert!(PartitionParams::new(16).check().is_ok());
/// assert!(PartitionParams::new(0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionParams {
    /// Number of partitions, 1–[`MAX_PARTITIONS`].
    pub partitions: u32,
    /// Strict (default: the first unreadable record is an error) or lenient (skipped and counted
    /// in the manifest).
    pub read: ReadOptions,
    /// Rows buffered per partition before they are written as a batch (default 8,192).
    pub batch_rows: usize,
    /// Bytes of encoded data all partitions together hold before a partition's row group is
    /// closed (default 256 MiB): the write buffers' memory bound.
    pub memory_budget: usize,
}

impl PartitionParams {
    /// `partitions` partitions, strict reading, default buffers.
    pub fn new(partitions: u32) -> Self {
        PartitionParams { partitions, read: ReadOptions::strict(), batch_rows: 8192, memory_budget: 256 << 20 }
    }

    /// Strict or lenient reading (default strict).
    pub fn read(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }

    /// Rows buffered per partition (default 8,192).
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows;
        self
    }

    /// The write buffers' memory budget in bytes (default 256 MiB).
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if !(1..=MAX_PARTITIONS).contains(&self.partitions) {
            return Err(Error::param("partitions", self.partitions, format!("between 1 and {MAX_PARTITIONS}")));
        }
        if self.batch_rows == 0 {
            return Err(Error::param("batch_rows", self.batch_rows, "at least 1"));
        }
        if self.memory_budget < (1 << 20) {
            return Err(Error::param("memory_budget", self.memory_budget, "at least 1 MiB"));
        }
        Ok(())
    }
}

/// One table of a partitioned directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionedTable {
    /// The table (`customers`, `subscriptions`, `events`, `nps`, `campaign`).
    pub table: String,
    /// The source file it was read from.
    pub source: PathBuf,
    /// The source file's format.
    pub format: InputFormat,
    /// The columns of each partition's file (the source's, plus [`SOURCE_LINE_COLUMN`]).
    pub columns: Vec<String>,
    /// Rows per partition.
    pub rows: Vec<u64>,
    /// How the source was read: rows read and copied, unreadable records skipped (lenient mode)
    /// with examples, columns left out.
    pub report: FileReport,
}

impl PartitionedTable {
    /// Rows over all partitions.
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().sum()
    }
}

/// The manifest of a partitioned directory ([`MANIFEST_FILE`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionManifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// [`MANIFEST_VERSION`].
    pub version: u32,
    /// Number of partitions.
    pub partitions: u32,
    /// How customers were assigned to partitions.
    pub hash: PartitionHash,
    /// The schema each partition is read with.
    pub schema: Schema,
    /// The tables, in reading order.
    pub tables: Vec<PartitionedTable>,
}

impl PartitionManifest {
    /// The table named `table`, if the directory holds it.
    pub fn table(&self, table: &str) -> Option<&PartitionedTable> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The directory name of partition `i` (`part-00000`, …).
    pub fn part_name(i: usize) -> String {
        format!("part-{i:05}")
    }
}

/// Whether `dir` is a partitioned directory (holds a [`MANIFEST_FILE`]).
pub fn is_partitioned(dir: impl AsRef<Path>) -> bool {
    dir.as_ref().join(MANIFEST_FILE).is_file()
}

/// An opened partitioned directory: its manifest, checked.
#[derive(Debug, Clone)]
pub struct Partitions {
    dir: PathBuf,
    manifest: PartitionManifest,
}

impl Partitions {
    /// Opens the partitioned directory `dir`: reads its manifest and checks its format, version,
    /// partition count and that every partition directory exists.
    pub fn open(dir: impl AsRef<Path>) -> Result<Partitions> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(MANIFEST_FILE);
        let bad = |reason: String| Error::BadPartitions { dir: dir.clone(), reason };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                bad(format!("no {MANIFEST_FILE} (write one with `attrition partition`)"))
            } else {
                Error::io("read", &path, e)
            }
        })?;
        let mut manifest: PartitionManifest =
            serde_json::from_str(&text).map_err(|e| Error::Json { path: Some(path.clone()), source: e })?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(bad(format!("{MANIFEST_FILE} has format `{}`, not `{MANIFEST_FORMAT}`", manifest.format)));
        }
        if manifest.version != MANIFEST_VERSION {
            return Err(bad(format!(
                "{MANIFEST_FILE} has version {}; this build reads version {MANIFEST_VERSION}",
                manifest.version
            )));
        }
        if !(1..=MAX_PARTITIONS).contains(&manifest.partitions) {
            return Err(bad(format!("{} partitions: between 1 and {MAX_PARTITIONS}", manifest.partitions)));
        }
        let n = manifest.partitions as usize;
        if manifest.table("customers").is_none() || manifest.table("events").is_none() {
            return Err(bad(format!("{MANIFEST_FILE} lists no customers or no events table")));
        }
        for t in &manifest.tables {
            if t.rows.len() != n {
                return Err(bad(format!("table {} has row counts for {} partitions, not {n}", t.table, t.rows.len())));
            }
        }
        for i in 0..n {
            let p = dir.join(PartitionManifest::part_name(i));
            if !p.is_dir() {
                return Err(bad(format!("partition directory {} is missing", p.display())));
            }
        }
        manifest.schema.path = path;
        manifest.schema.check()?;
        Ok(Partitions { dir, manifest })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest.
    pub fn manifest(&self) -> &PartitionManifest {
        &self.manifest
    }

    /// Number of partitions.
    pub fn len(&self) -> usize {
        self.manifest.partitions as usize
    }

    /// Whether there are no partitions (never, for an opened directory).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The directory of partition `i` (a tables directory).
    pub fn part_dir(&self, i: usize) -> PathBuf {
        self.dir.join(PartitionManifest::part_name(i))
    }

    /// Reads partition `i` with the manifest's schema: the tables of its customers, as
    /// [`read_tables_with`] reads the source restricted to them.
    pub fn read(&self, i: usize, options: &ReadOptions) -> Result<LoadedTables> {
        if i >= self.len() {
            return Err(Error::param("partition", i, format!("below the partition count {}", self.len())));
        }
        // A partition is a part of its population: it may hold no row of a table (few customers
        // hashed into many partitions), which a whole tables directory may not.
        let options = ReadOptions { part_of_population: true, ..options.clone() };
        read_tables_with(self.part_dir(i), Some(&self.manifest.schema), &options)
    }

    /// Reads every partition and combines what `count` makes of each with `merge` — the
    /// map-reduce behind the partitioned commands (KPIs, retention). Partitions are processed in
    /// parallel (rayon's thread pool), each worker reading one partition at a time, so at most as
    /// many partitions are in memory as there are threads. `merge` must be associative and
    /// commutative (which partitions are merged first varies from run to run): counts that add
    /// up, such as [`crate::kpi::KpiCounts`] or [`crate::survival::SurvivalCounts`].
    ///
    /// Errors: the error of the lowest-numbered partition that fails (reading or counting), the
    /// same on every run; partitions after a failed one are not read.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::io::tables::ReadOptions;
    /// use attrition::partition::{partition_tables, PartitionParams, Partitions};
    /// use attrition::simulate::{simulate, SimulationParams};
    /// let dir = tempfile::tempdir().unwrap();
    /// simulate(&SimulationParams::new(50, 2, 1))?.tables.write_dir(dir.path().join("t"))?;
    /// partition_tables(dir.path().join("t"), None, &PartitionParams::new(3), dir.path().join("p"))?;
    /// let parts = Partitions::open(dir.path().join("p"))?;
    /// let customers = parts.map_merge(&ReadOptions::strict(), |_, t| Ok(t.tables.customers.len()), |a, b| Ok(a + b))?;
    /// assert_eq!(customers, 50);
    /// # Ok(()) }
    /// ```
    pub fn map_merge<T: Send>(
        &self,
        read: &ReadOptions,
        count: impl Fn(usize, LoadedTables) -> Result<T> + Sync + Send,
        merge: impl Fn(T, T) -> Result<T> + Sync + Send,
    ) -> Result<T> {
        use rayon::prelude::*;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let first_failed = AtomicUsize::new(usize::MAX);
        let out = (0..self.len())
            .into_par_iter()
            .filter_map(|i| {
                if i > first_failed.load(Ordering::Relaxed) {
                    return None;
                }
                let r = self.read(i, read).and_then(|t| count(i, t)).map_err(|e| (i, Box::new(e)));
                if r.is_err() {
                    first_failed.fetch_min(i, Ordering::Relaxed);
                }
                Some(r)
            })
            .reduce_with(|a, b| match (a, b) {
                (Ok(a), Ok(b)) => merge(a, b).map_err(|e| (usize::MAX, Box::new(e))),
                (Err(a), Err(b)) => Err(if b.0 < a.0 { b } else { a }),
                (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
            });
        match out {
            Some(Ok(t)) => Ok(t),
            Some(Err((_, e))) => Err(*e),
            None => Err(Error::EmptyData { context: "partitioned directory (no partition)" }),
        }
    }
}

/// What reading the partitions of a partitioned directory reported, summed over partitions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionsReadReport {
    /// Partitions read.
    pub partitions: usize,
    /// Exact duplicate rows dropped per table file (`events.parquet`, …), nonzero only.
    pub duplicates: std::collections::BTreeMap<String, u64>,
}

impl PartitionsReadReport {
    /// The report of one partition's read.
    pub fn of(loaded: &LoadedTables) -> Self {
        let mut duplicates = std::collections::BTreeMap::new();
        for f in &loaded.report.files {
            if f.duplicates > 0 {
                let name =
                    f.file.file_name().map_or_else(|| f.file.display().to_string(), |n| n.to_string_lossy().into());
                *duplicates.entry(name).or_default() += f.duplicates;
            }
        }
        PartitionsReadReport { partitions: 1, duplicates }
    }

    /// Adds `other`'s partitions.
    pub fn merge(&mut self, other: &PartitionsReadReport) {
        self.partitions += other.partitions;
        for (k, v) in &other.duplicates {
            *self.duplicates.entry(k.clone()).or_default() += v;
        }
    }
}

#[cfg(test)]
mod tests;
