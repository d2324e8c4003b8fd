//! What the tests that run outside engines (DuckDB, Spark SQL, XGBoost) share: the Python that has
//! them, and the bundled sample's training observations and scoring snapshot.

use std::path::Path;

use attrition::Dataset;
use attrition::features::{FeatureParams, build_observations, snapshot};
use attrition::io::tables::{ReadOptions, read_tables};

use super::day;

/// The Python `build.rs` found (it sets `ATTRITION_SQL_PYTHON` with `cfg(sql_engines)`).
#[cfg(sql_engines)]
pub fn python() -> &'static str {
    env!("ATTRITION_SQL_PYTHON")
}

/// Without `cfg(sql_engines)` the tests that call this are ignored; run anyway
/// (`--include-ignored`), they try `python3`.
#[cfg(not(sql_engines))]
pub fn python() -> &'static str {
    "python3"
}

/// Training observations (as-of dates 2025-01-01 to 2025-06-01) and the 2025-12-01 scoring
/// snapshot of the bundled sample.
pub fn sample() -> (Dataset, Dataset) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let tables = read_tables(&dir, &ReadOptions::strict()).unwrap().tables;
    let table = build_observations(&tables, &FeatureParams::new(day("2025-01-01"), day("2025-06-01"))).unwrap();
    let snap = snapshot(&tables, day("2025-12-01"), &table.catalogue).unwrap();
    (table.dataset, snap)
}
