//! The raw SaaS tables and the point-in-time features built from them.

use std::path::PathBuf;
use std::sync::Arc;

use attrition::catalogue::{DiscoveryParams, choose_event_catalogue};
use attrition::features::{
    Cadence, FeatureCatalogue, FeatureParams, build_observations, build_observations_in, snapshot as snapshot_at,
    snapshot_resolved,
};
use attrition::io::parse::parse_date;
use attrition::io::tables::ReadOptions;
use attrition::{Error, Result};
use chrono::NaiveDate;
use pyo3::prelude::*;

use crate::convert::dataset_to_arrow;
use crate::errors::run;
use crate::model::{Frame, Model, conv_err, to_pyarrow};

/// Customers, subscriptions, usage events, NPS responses (and campaign offers), read once and
/// reused for any number of feature builds.
#[pyclass(module = "attrition._attrition", frozen)]
pub struct Tables {
    pub(crate) tables: Arc<attrition::io::tables::Tables>,
    report: String,
}

#[pymethods]
impl Tables {
    /// Rows read, loaded and skipped per file (what `attrition inspect` prints).
    #[getter]
    fn report(&self) -> &str {
        &self.report
    }

    /// Number of customers.
    #[getter]
    fn n_customers(&self) -> usize {
        self.tables.customers.len()
    }

    /// Number of usage events.
    #[getter]
    fn n_events(&self) -> usize {
        self.tables.events.len()
    }

    /// Writes the tables as a tables directory (CSV files), as `attrition simulate --out` does.
    fn write_dir(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        let t = Arc::clone(&self.tables);
        run(py, move || t.write_dir(&dir))
    }

    fn __repr__(&self) -> String {
        format!("Tables({} customers, {} events)", self.tables.customers.len(), self.tables.events.len())
    }
}

/// Reads a tables directory, through a schema file (TOML) when given; `lenient` skips and counts
/// bad rows instead of stopping at the first.
#[pyfunction]
#[pyo3(signature = (dir, schema=None, *, lenient=false))]
pub fn read_tables(py: Python<'_>, dir: PathBuf, schema: Option<PathBuf>, lenient: bool) -> PyResult<Tables> {
    let loaded = run(py, move || {
        let schema = schema.map(attrition::io::schema::Schema::read).transpose()?;
        let opts = if lenient { ReadOptions::lenient() } else { ReadOptions::strict() };
        attrition::io::tables::read_tables_with(&dir, schema.as_ref(), &opts)
    })?;
    Ok(Tables { report: loaded.report.to_string(), tables: Arc::new(loaded.tables) })
}

/// A simulated SaaS world (what `attrition simulate` writes), deterministic per seed.
#[pyfunction]
#[pyo3(signature = (customers, months=24, seed=7))]
pub fn simulate(py: Python<'_>, customers: usize, months: u32, seed: u64) -> PyResult<Tables> {
    let world = run(py, move || {
        attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(customers, months, seed))
    })?;
    Ok(Tables { report: String::new(), tables: Arc::new(world.tables) })
}

pub(crate) fn date(name: &'static str, s: &str) -> Result<NaiveDate> {
    parse_date(s).ok_or_else(|| Error::param(name, s, "a date YYYY-MM-DD"))
}

/// The feature catalogue `attrition features` uses without `--catalogue`: the standard one with
/// the simulator's event catalogue when the data uses its names, else one discovered.
fn default_catalogue(tables: &attrition::io::tables::Tables, max_event_types: usize) -> Result<FeatureCatalogue> {
    let chosen = choose_event_catalogue(tables, &DiscoveryParams::new())?;
    Ok(FeatureCatalogue::standard().with_events(chosen.catalogue).with_max_event_types(Some(max_event_types)))
}

fn read_catalogue(path: &PathBuf) -> Result<FeatureCatalogue> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    serde_json::from_str(&text).map_err(|source| Error::Json { path: Some(path.clone()), source })
}

/// Labelled point-in-time observations, as `attrition features --from --to` builds them.
/// `context` (JSON, from `global_context`): the population's decisions for a part of the data —
/// its resolved catalogue, attribute kinds and data end are used instead of this part's.
#[pyfunction]
#[pyo3(signature = (tables, from_, to, *, every="1m", lead_days=attrition::features::DEFAULT_LEAD_DAYS, horizon_days=attrition::features::DEFAULT_HORIZON_DAYS, data_end=None, catalogue=None, max_event_types=attrition::features::DEFAULT_MAX_EVENT_TYPES, context=None, save_build=None, force=false))]
#[allow(clippy::too_many_arguments)]
pub fn features(
    py: Python<'_>,
    tables: &Tables,
    from_: String,
    to: String,
    every: &str,
    lead_days: u32,
    horizon_days: u32,
    data_end: Option<String>,
    catalogue: Option<PathBuf>,
    max_event_types: usize,
    context: Option<String>,
    save_build: Option<PathBuf>,
    force: bool,
) -> PyResult<Frame> {
    let t = Arc::clone(&tables.tables);
    let every = every.to_owned();
    let ds = run(py, move || {
        let every: Cadence = every.parse().map_err(|_| Error::param("every", &every, "a cadence like 7d, 2w, 1m"))?;
        let context = context.as_deref().map(crate::context::parse).transpose()?;
        let catalogue = match (&catalogue, &context) {
            (Some(_), Some(_)) => {
                return Err(Error::param("catalogue", "<path>", "give catalogue or context, not both"));
            }
            (Some(p), None) => read_catalogue(p)?,
            (None, Some(c)) => c.catalogue.clone(),
            (None, None) => default_catalogue(&t, max_event_types)?,
        };
        let mut params = FeatureParams::new(date("from_", &from_)?, date("to", &to)?)
            .every(every)
            .lead_days(lead_days)
            .horizon_days(horizon_days)
            .catalogue(catalogue);
        if let Some(d) = &data_end {
            params = params.data_end(date("data_end", d)?);
        }
        let table = match &context {
            Some(c) => build_observations_in(&crate::context::with_population_kinds(&t, c), &params, c)?,
            None => build_observations(&t, &params)?,
        };
        if table.report.observations == 0 {
            return Err(Error::EmptyData {
                context: "observations: no customer was active on an as-of date with a complete label window",
            });
        }
        // `attrition features --save-build`: the resolved catalogue and label window, for
        // `train(feature_build=)` (then `snapshot(model=)` and partitioned scoring work).
        if let Some(p) = &save_build {
            let build =
                attrition::models::artifact::FeatureBuild::new(table.catalogue.clone(), lead_days, horizon_days)?;
            attrition::io::output::write_bytes(
                p,
                &build.to_json()?,
                attrition::io::output::Overwrite::from_force(force),
            )?;
        }
        Ok(table.dataset)
    })?;
    Ok(Frame::of(ds))
}

/// Unlabelled features of the customers active on the day before `date`, for scoring, as
/// `attrition features --snapshot` builds them (`model`: exactly that model's features, from the
/// feature build its file records). `context` (JSON, from `global_context`): the population's
/// resolved catalogue and attribute kinds, for a part of the data.
#[pyfunction]
#[pyo3(signature = (tables, date, *, model=None, catalogue=None, max_event_types=attrition::features::DEFAULT_MAX_EVENT_TYPES, context=None))]
pub fn snapshot(
    py: Python<'_>,
    tables: &Tables,
    date: String,
    model: Option<&Model>,
    catalogue: Option<PathBuf>,
    max_event_types: usize,
    context: Option<String>,
) -> PyResult<Frame> {
    let t = Arc::clone(&tables.tables);
    let model = model.map(|m| Arc::clone(&m.model));
    let ds = run(py, move || {
        let as_of = self::date("date", &date)?;
        if let Some(c) = context.as_deref().map(crate::context::parse).transpose()? {
            if catalogue.is_some() || model.is_some() {
                return Err(Error::param("context", "<json>", "give context, or catalogue / model, not both"));
            }
            return snapshot_resolved(&crate::context::with_population_kinds(&t, &c), as_of, &c.catalogue);
        }
        let catalogue = match (&catalogue, &model) {
            (Some(p), _) => read_catalogue(p)?,
            (None, Some(m)) => match &m.feature_build {
                Some(b) => b.catalogue.clone(),
                None => {
                    return Err(Error::param(
                        "model",
                        "<model>",
                        "the model file records no feature build (trained without --feature-build, or before schema version 3): give the catalogue it was trained with (catalogue=)",
                    ));
                }
            },
            (None, None) => default_catalogue(&t, max_event_types)?,
        };
        let resolved = catalogue.resolve(&t)?;
        snapshot_at(&t, as_of, &resolved)
    })?;
    Ok(Frame::of(ds))
}

/// Out-of-fold metrics of a model family, as `attrition evaluate --json` reports them (folds
/// grouped by customer when ids repeat, else stratified), as a JSON text.
#[pyfunction]
#[pyo3(signature = (frame, *, model="auto", folds=5, seed=42, c=1.0, penalty="l2", budget_seconds=10.0, params=None))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate_json(
    py: Python<'_>,
    frame: &Frame,
    model: &str,
    folds: usize,
    seed: u64,
    c: f64,
    penalty: &str,
    budget_seconds: f64,
    params: Option<&str>,
) -> PyResult<String> {
    let data = Arc::clone(&frame.data);
    let model = model.to_owned();
    let penalty = penalty.to_owned();
    let params = params.map(str::to_owned);
    run(py, move || {
        if !(2..=100).contains(&folds) {
            return Err(Error::param("folds", folds, "a number of folds from 2 to 100"));
        }
        let p = crate::model::model_params(&model, seed, c, &penalty, budget_seconds, params.as_deref())?;
        // As `attrition evaluate`: folds grouped by customer when ids repeat, else stratified.
        let repeated = attrition::validation::ids_repeat(&data);
        let splits = attrition::validation::inner_k_fold(&data, folds, seed)?;
        let (oof, models) = attrition::evaluation::cross_val_fit_predict(&p, &data, &splits)?;
        let e = attrition::evaluation::evaluate(&oof)?;
        let selections: Vec<_> = models.iter().filter_map(|m| m.selection.as_ref()).collect();
        let v = attrition::evaluation::evaluation_json(&model, folds, repeated, &e, &selections);
        Ok(v.to_string())
    })
}

/// A frame's rows as a `pyarrow.Table` (kept here so `Frame.to_arrow` and the functions that
/// return tables share one conversion).
#[allow(dead_code)]
pub fn frame_table(py: Python<'_>, frame: &Frame) -> PyResult<Py<PyAny>> {
    let data = Arc::clone(&frame.data);
    let batch =
        py.detach(move || dataset_to_arrow(&data, "customer_id", "as_of", "churned")).map_err(|e| conv_err(py, e))?;
    to_pyarrow(py, batch)
}

/// The resolved feature catalogue `features` would use on `tables` (what `attrition features
/// --save-catalogue` writes), as JSON: pass it (as a file) to `features`/`snapshot` on parts of
/// the data — Spark partitions — so every part builds the same columns.
#[pyfunction]
#[pyo3(signature = (tables, *, max_event_types=attrition::features::DEFAULT_MAX_EVENT_TYPES))]
pub fn resolve_catalogue(py: Python<'_>, tables: &Tables, max_event_types: usize) -> PyResult<String> {
    let t = Arc::clone(&tables.tables);
    run(py, move || {
        let resolved = default_catalogue(&t, max_event_types)?.resolve(&t)?;
        serde_json::to_string_pretty(&resolved).map(|s| s + "\n").map_err(|source| Error::Json { path: None, source })
    })
}

/// The feature columns (name, `numeric`/`categorical`) a resolved catalogue (JSON) builds, in
/// output order.
#[pyfunction]
pub fn catalogue_columns(py: Python<'_>, catalogue: String) -> PyResult<Vec<(String, String)>> {
    run(py, move || {
        let c: FeatureCatalogue =
            serde_json::from_str(&catalogue).map_err(|source| Error::Json { path: None, source })?;
        if !c.is_resolved() {
            return Err(Error::param(
                "catalogue",
                "<json>",
                "a resolved catalogue (resolve_catalogue, --save-catalogue)",
            ));
        }
        Ok(c.specs
            .iter()
            .map(|s| {
                let kind = match s.kind() {
                    attrition::dataset::ColumnKind::Numeric => "numeric",
                    attrition::dataset::ColumnKind::Categorical => "categorical",
                };
                (s.name(), kind.to_owned())
            })
            .collect())
    })
}
