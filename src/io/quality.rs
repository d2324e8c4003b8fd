//! Data-quality warnings in one place: what the readers and the feature builder noticed about
//! the data and did something about, so nothing happens in silence.
//!
//! [`DataQuality`] collects them from the flat loader ([`FlatReport`]: a numeric column read as
//! categorical because of missing-value markers, an id-like column left out), the tables reader
//! ([`LoadReport`]: exact duplicate subscriptions and events **dropped and counted** — a
//! duplicated row would double-count MRR or usage, and an exact copy carries no information),
//! the feature catalogue ([`MergedEventTypes`]: usage event types beyond `--max-event-types`
//! merged into `other_types`) and grouped analyses ([`QualityWarning::TooManyGroups`]: a `--by`
//! column with more levels than `--max-groups`). The CLI prints them; `train` keeps the training
//! data's in the model file ([`crate::models::trained::TrainedModel::data_quality`]) and
//! `attrition report` shows them.
//!
//! ```
//! use attrition::io::quality::{DataQuality, QualityWarning};
//! let mut q = DataQuality::default();
//! assert!(q.is_empty());
//! q.push(QualityWarning::DuplicatesDropped { file: "events.csv".into(), rows: 50 });
//! q.push(QualityWarning::TooManyGroups { column: "plan".into(), groups: 1000, max: 50 });
//! let lines: Vec<String> = q.warnings.iter().map(|w| w.to_string()).collect();
//! assert_eq!(lines[0], "events.csv: 50 exact duplicate rows dropped (each counted once)");
//! assert!(lines[1].starts_with("`plan` has 1000 groups, more than --max-groups 50"));
//! ```

use serde::{Deserialize, Serialize};

use crate::features::MergedEventTypes;
use crate::io::flat::{FlatReport, FlatWarning};
use crate::io::tables::LoadReport;

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
    /// A grouping column with more levels than allowed.
    TooManyGroups {
        /// The column.
        column: String,
        /// Its levels.
        groups: usize,
        /// The cap (`--max-groups`).
        max: usize,
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
            QualityWarning::TooManyGroups { column, groups, max } => write!(
                f,
                "`{column}` has {groups} groups, more than --max-groups {max}: group it into fewer levels, or raise \
                 --max-groups"
            ),
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

    /// Adds a finding.
    pub fn push(&mut self, w: QualityWarning) {
        self.warnings.push(w);
    }

    /// The flat loader's findings.
    pub fn from_flat(report: &FlatReport) -> DataQuality {
        DataQuality { warnings: report.warnings.iter().cloned().map(QualityWarning::Flat).collect() }
    }

    /// The tables reader's findings (duplicates dropped, per file).
    pub fn from_tables(report: &LoadReport) -> DataQuality {
        DataQuality {
            warnings: report
                .files
                .iter()
                .filter(|r| r.duplicates > 0)
                .map(|r| QualityWarning::DuplicatesDropped { file: r.file.display().to_string(), rows: r.duplicates })
                .collect(),
        }
    }

    /// Adds every finding of `other`.
    pub fn extend(&mut self, other: DataQuality) {
        self.warnings.extend(other.warnings);
    }
}
