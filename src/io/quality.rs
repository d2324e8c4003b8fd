//! Data-quality warnings in one place: what the readers and the feature builder noticed about
//! the data and did something about, so nothing happens in silence.
//!
//! [`DataQuality`] collects them from the flat loader ([`FlatReport`]: a numeric column read as
//! categorical because of missing-value markers, an id-like column left out), the tables reader
//! ([`LoadReport`]: exact duplicate subscriptions and events **dropped and counted** — a
//! duplicated row would double-count MRR or usage, and an exact copy carries no information —
//! and the rarest event types beyond `--max-event-types` merged into `other`), the inferred data
//! end ([`DataEnd`]: dated rows far beyond the bulk of the data left out of it, counted), the
//! feature catalogue ([`MergedEventTypes`]: usage event types beyond `--max-event-types` merged
//! into `other_types`) and grouped analyses ([`QualityWarning::TooManyGroups`]: a `--by` column
//! with more levels than `--max-groups`, the smallest merged into one `(other)` group, counted).
//!
//! Every command collects its findings into one [`DataQuality`] and the CLI prints each as a
//! `warning: …` line on standard error, the same way everywhere (`train`, `evaluate`, `report`,
//! `features`, `kpi`, `km`, `retention`, `uplift`, `study`, `demo`); `train` keeps the training
//! data's in the model file ([`crate::models::trained::TrainedModel::data_quality`]), and
//! `attrition report` and the study's report (`attrition study`/`demo`) show them in a section
//! "Is anything wrong with the data?".
//!
//! ```
//! use attrition::io::quality::{DataQuality, QualityWarning};
//! let mut q = DataQuality::default();
//! assert!(q.is_empty());
//! q.push(QualityWarning::DuplicatesDropped { file: "events.csv".into(), rows: 50 });
//! q.push(QualityWarning::TooManyGroups {
//!     column: "plan".into(),
//!     groups: 1000,
//!     max: 50,
//!     merged_rows: 2_000,
//!     other: "(other)".into(),
//! });
//! let lines: Vec<String> = q.warnings.iter().map(|w| w.to_string()).collect();
//! assert_eq!(lines[0], "events.csv: 50 exact duplicate rows dropped (each counted once)");
//! assert!(lines[1].starts_with("`plan` has 1000 groups, more than --max-groups 50"));
//! ```

use serde::{Deserialize, Serialize};

use crate::features::{DataEnd, MergedEventTypes};
use crate::io::event_types::MergedRareTypes;
use crate::io::flat::{FlatReport, FlatWarning};
use crate::io::tables::{LoadReport, LoadedTables};

/// One data-quality finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityWarning {
    /// From the flat loader (a column made categorical by missing-value markers, an id-like
    /// column left out).
    Flat(FlatWarning),
    /// Exact duplicate rows of a table, dropped and counted.
    DuplicatesDropped {
        /// The file.
        file: String,
        /// Rows dropped.
        rows: u64,
    },
    /// Usage event types beyond the cap, merged into `other_types` features.
    EventTypesMerged(MergedEventTypes),
    /// A grouping column with more levels than allowed: the largest `max` kept, the rest merged
    /// into one group ([`crate::survival::cap_groups`]).
    TooManyGroups {
        /// The column.
        column: String,
        /// Its levels.
        groups: usize,
        /// The cap (`--max-groups`).
        max: usize,
        /// Rows whose level was merged.
        #[serde(default)]
        merged_rows: u64,
        /// The group they were merged into.
        #[serde(default)]
        other: String,
    },
    /// Rare event types beyond the reader's cap (`--max-event-types`), merged into one type
    /// `other` when the tables were read.
    RareEventTypesMerged(MergedRareTypes),
    /// Dated rows far beyond the bulk of the data, left out of the inferred data end (their rows
    /// stay in the tables).
    DataEndOutliers(DataEnd),
    /// Rows without a value in a column a computation needs (`km`'s duration or entry time: a
    /// subject with no time cannot be placed on a survival curve), left out and counted.
    MissingValuesLeftOut {
        /// The column.
        column: String,
        /// Rows left out.
        rows: u64,
        /// The first such row's line in the file (1-based, header = line 1), when known.
        first_line: Option<u64>,
    },
}

impl std::fmt::Display for QualityWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QualityWarning::Flat(w) => write!(f, "{w}"),
            QualityWarning::DuplicatesDropped { file, rows } => {
                write!(f, "{file}: {rows} exact duplicate rows dropped (each counted once)")
            }
            QualityWarning::EventTypesMerged(m) => write!(
                f,
                "{} usage event types beyond --max-event-types {} merged into `*_other_types` features ({} events; \
                 most frequent: {})",
                m.types,
                m.max_event_types,
                m.events,
                m.examples.join(", ")
            ),
            QualityWarning::TooManyGroups { column, groups, max, merged_rows, other } => write!(
                f,
                "`{column}` has {groups} groups, more than --max-groups {max}: the {max} largest kept, the other {} \
                 ({merged_rows} rows) merged into the group `{other}`; raise --max-groups to see them all",
                groups.saturating_sub(*max)
            ),
            QualityWarning::RareEventTypesMerged(m) => write!(f, "{m}"),
            QualityWarning::DataEndOutliers(end) => write!(f, "{end}"),
            QualityWarning::MissingValuesLeftOut { column, rows, first_line } => {
                let noun = if *rows == 1 { "row" } else { "rows" };
                write!(f, "{rows} {noun} with no `{column}` (blank or a missing-value marker) left out")?;
                match first_line {
                    Some(line) => write!(f, ", the first on line {line}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The data-quality findings of one run (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataQuality {
    /// The findings, in the order they were made.
    pub warnings: Vec<QualityWarning>,
}

impl DataQuality {
    /// Whether there is no finding.
    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty()
    }

    /// Adds a finding, once: a finding equal to one already collected (the same data end seen by
    /// two steps) is not repeated.
    pub fn push(&mut self, w: QualityWarning) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    /// The flat loader's findings.
    pub fn from_flat(report: &FlatReport) -> DataQuality {
        DataQuality { warnings: report.warnings.iter().cloned().map(QualityWarning::Flat).collect() }
    }

    /// The tables reader's findings: duplicates dropped (per file) and rare event types merged
    /// into `other`.
    pub fn from_tables(report: &LoadReport) -> DataQuality {
        let mut q = DataQuality {
            warnings: report
                .files
                .iter()
                .filter(|r| r.duplicates > 0)
                .map(|r| QualityWarning::DuplicatesDropped { file: r.file.display().to_string(), rows: r.duplicates })
                .collect(),
        };
        if let Some(m) = &report.merged_event_types {
            q.push(QualityWarning::RareEventTypesMerged(m.clone()));
        }
        q
    }

    /// Everything known about tables just read: the reader's findings
    /// ([`DataQuality::from_tables`]) and the dated rows left out of the inferred data end
    /// ([`crate::features::data_end`]) as outliers.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::io::quality::{DataQuality, QualityWarning};
    /// use attrition::io::tables::{read_tables, ReadOptions};
    /// let dir = tempfile::tempdir().unwrap();
    /// let w = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    /// w("customers.csv", "customer_id,signup_date\nc1,2024-01-03\n".into());
    /// w("subscriptions.csv", "customer_id,product,start_date,end_date,mrr\n\
    ///                         c1,listings,2024-01-03,,49.0\nc1,listings,2024-01-03,,49.0\n".into());
    /// let mut events = String::from("customer_id,timestamp,event_type,user_id\n");
    /// for day in 1..=28 {
    ///     for hour in 0..24 {
    ///         for minute in [0, 30] {
    ///             events.push_str(&format!("c1,2024-02-{day:02}T{hour:02}:{minute:02}:00Z,login,u1\n"));
    ///         }
    ///     }
    /// }
    /// events.push_str("c1,2100-01-01T00:00:00Z,login,u1\n"); // a stray clock
    /// w("events.csv", events);
    /// w("nps.csv", "customer_id,date,score\n".into());
    ///
    /// let q = DataQuality::of_tables(&read_tables(dir.path(), &ReadOptions::strict())?);
    /// assert!(matches!(&q.warnings[0], QualityWarning::DuplicatesDropped { rows: 1, .. }));
    /// assert!(matches!(&q.warnings[1], QualityWarning::DataEndOutliers(end) if end.outliers_total() == 1));
    /// assert!(q.warnings[1].to_string().starts_with("data end 2024-02-28 (ignoring 1 dated rows"));
    /// # Ok(()) }
    /// ```
    pub fn of_tables(loaded: &LoadedTables) -> DataQuality {
        let mut q = DataQuality::from_tables(&loaded.report);
        if let Some(end) = crate::features::data_end(&loaded.tables, false)
            && !end.outliers.is_empty()
        {
            q.push(QualityWarning::DataEndOutliers(end));
        }
        q
    }

    /// What the feature catalogue merged (`None`: nothing).
    pub fn from_merged(merged: Option<&MergedEventTypes>) -> DataQuality {
        DataQuality { warnings: merged.cloned().map(QualityWarning::EventTypesMerged).into_iter().collect() }
    }

    /// Adds every finding of `other`.
    pub fn extend(&mut self, other: DataQuality) {
        for w in other.warnings {
            self.push(w);
        }
    }
}
