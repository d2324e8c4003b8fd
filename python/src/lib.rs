//! Python bindings of `attrition` (the `attrition._attrition` extension module).
//!
//! The Python package (`python/python/attrition/`) is a thin layer over these: the
//! scikit-learn estimator, DataFrame conversion and docstrings. Every function here calls the
//! library the way the CLI does, with the GIL released ([`errors::run`]), so results, model files
//! and error messages are the CLI's.

mod analysis;
mod context;
mod convert;
mod errors;
mod model;
mod tables;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _attrition(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MODEL_SCHEMA_VERSION", attrition::models::trained::SCHEMA_VERSION)?;
    m.add_class::<model::Frame>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<tables::Tables>()?;
    m.add_function(wrap_pyfunction!(tables::read_tables, m)?)?;
    m.add_function(wrap_pyfunction!(tables::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(tables::features, m)?)?;
    m.add_function(wrap_pyfunction!(tables::snapshot, m)?)?;
    m.add_function(wrap_pyfunction!(tables::evaluate_json, m)?)?;
    m.add_function(wrap_pyfunction!(tables::resolve_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(tables::catalogue_columns, m)?)?;
    m.add_function(wrap_pyfunction!(context::population_counts, m)?)?;
    m.add_function(wrap_pyfunction!(context::global_context, m)?)?;
    m.add_function(wrap_pyfunction!(context::discovery_until, m)?)?;
    m.add_function(wrap_pyfunction!(context::discovery_counts, m)?)?;
    m.add_function(wrap_pyfunction!(context::discovered_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(context::context_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::kpi_json, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::kaplan_meier_json, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::expected_profit_json, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::empc_json, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::uplift_json, m)?)?;
    Ok(())
}
