//! Scoring a partitioned dataset ([`crate::partition`]) a partition at a time: the scores of the
//! model's snapshot features, equal to building the snapshot of the whole and scoring it.
//!
//! [`score_partitioned`] gives each worker one partition at a time: it builds the partition's
//! snapshot with the feature catalogue recorded in the model file (its feature build), writes it
//! as the CSV [`crate::io::write_flat::write_flat_to`] writes (in memory: one partition), scores
//! that with [`super::score_reader`] into a run file, and counts drift; the runs are then merged
//! in the unpartitioned order ([`crate::features::PartitionedTables`]' module docs). The output is
//! byte for byte that of `attrition features --snapshot D --model M` on the unpartitioned tables
//! followed by `attrition score --data`, and the report's counts and drift are the same.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::features::{build_observations, snapshot, FeatureParams, PartitionedTables};
//! use attrition::io::tables::ReadOptions;
//! use attrition::io::write_flat::{write_flat_to, WriteFlatOptions};
//! use attrition::models::artifact::FeatureBuild;
//! use attrition::models::trained::{ModelKind, ModelParams};
//! use attrition::models::Learner;
//! use attrition::partition::{partition_tables, PartitionParams, Partitions};
//! use attrition::scoring::{score_partitioned, score_reader, ScoreOptions};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(200, 14, 7))?;
//! let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! let table = build_observations(&world.tables, &FeatureParams::new(d("2024-03-01"), d("2024-08-01")))?;
//! let build = FeatureBuild::new(table.catalogue.clone(), 30, 60)?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&table.dataset)?.with_feature_build(build);
//!
//! // Unpartitioned: the snapshot, written and scored.
//! let as_of = d("2024-12-01");
//! let mut features = Vec::new();
//! write_flat_to(&snapshot(&world.tables, as_of, &table.catalogue)?, &mut features, &WriteFlatOptions::default())?;
//! let mut want = Vec::new();
//! score_reader(&model, features.as_slice(), "snapshot.csv", &mut want, &ScoreOptions::default(), |_| {})?;
//!
//! // Partitioned: the same bytes.
//! let dir = tempfile::tempdir().unwrap();
//! world.tables.write_dir(dir.path().join("tables"))?;
//! partition_tables(dir.path().join("tables"), None, &PartitionParams::new(4), dir.path().join("parts"))?;
//! let parts = PartitionedTables::open(Partitions::open(dir.path().join("parts"))?, &ReadOptions::strict())?;
//! let mut got = Vec::new();
//! let report = score_partitioned(&model, &parts, as_of, &mut got, &ScoreOptions::default())?;
//! assert_eq!(got, want);
//! assert!(report.rows_scored > 0);
//! # Ok(()) }
//! ```

use std::io::Write;

use chrono::NaiveDate;

use super::drift::DriftCounter;
use super::{ScoreOptions, ScoreReport, score_reader_counting};
use crate::error::{Error, Result};
use crate::features::PartitionedTables;
use crate::features::partitioned::write_run;
use crate::io::write_flat::{WriteFlatOptions, write_flat_to};
use crate::models::trained::TrainedModel;

/// Scores the snapshot at `as_of` (the customers active on `as_of − 1`) of every partition of
/// `parts` with `model` into `out`, streaming (see the [module docs](self)): the rows of
/// [`super::score_csv`] on the unpartitioned snapshot, in its order, and the same report.
///
/// The features are those of the model's feature build ([`TrainedModel::feature_build`]; a model
/// without one is an error). The snapshot has a `customer_id` column: `options.id_column`,
/// `options.row_ids` and `options.delimiter` are not used. Errors of a row (strict mode) name the
/// partition and the row's line in the partition's snapshot. Nothing is written to `out` before
/// every partition is scored.
pub fn score_partitioned(
    model: &TrainedModel,
    parts: &PartitionedTables,
    as_of: NaiveDate,
    out: &mut impl Write,
    options: &ScoreOptions,
) -> Result<ScoreReport> {
    let build = model.feature_build.as_ref().ok_or_else(|| {
        Error::param(
            "model",
            "<no feature build>",
            "the model file records no feature build (train it with --feature-build) to build its features from tables",
        )
    })?;
    let flat = WriteFlatOptions::default();
    let options = ScoreOptions { id_column: flat.id.clone(), row_ids: false, delimiter: Some(b','), ..options.clone() };
    let context = parts.context(&build.catalogue)?;
    let (built, _) = parts.stream(&context, out, |i, part, run| {
        let (mut ds, lines) = parts.snapshot_of(part, as_of, &context)?;
        if ds.ids.is_none() {
            // A partition without customers still writes the id column.
            ds = ds.with_ids(Vec::new())?;
        }
        let name = parts.partitions().part_dir(i).join(format!("snapshot-{as_of}.csv"));
        let mut drift = model.profile.as_ref().filter(|_| options.drift).map(DriftCounter::new);
        let report = write_run(&ds, &lines, run, |ds, run| {
            let mut csv = Vec::new();
            write_flat_to(ds, &mut csv, &flat)?;
            score_reader_counting(model, csv.as_slice(), &name, run, &options, |_| {}, drift.as_mut())
        })?;
        Ok((report, drift))
    })?;
    let mut report = ScoreReport::default();
    let mut drift: Option<DriftCounter> = None;
    for (r, d) in built {
        report.add(r);
        match (&mut drift, d) {
            (None, d) => drift = d,
            (Some(acc), Some(d)) => acc.merge(&d)?,
            (Some(_), None) => {}
        }
    }
    report.drift = drift.and_then(|d| d.finish());
    Ok(report)
}
