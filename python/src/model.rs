//! `Frame` (a [`Dataset`] held for Python) and `Model` (a [`TrainedModel`]): fitting, P(churn),
//! contributions, scoring with reasons, and the model file, byte for byte the CLI's.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use attrition::dataset::{ColumnKind, Dataset};
use attrition::io::output::Overwrite;
use attrition::models::calibration::CalibrationMethod;
use attrition::models::train::TrainParams;
use attrition::models::trained::{ModelKind, ModelParams, TrainedModel, TrainingInput};
use attrition::scoring::risk_tier;
use attrition::{Error, Result};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use pyo3_arrow::input::AnyRecordBatch;

use crate::convert::{ConvError, FrameSpec, dataset_from_arrow, dataset_from_matrix, dataset_to_arrow};
use crate::errors::{binding_error, run};

pub(crate) fn conv_err(py: Python<'_>, e: ConvError) -> PyErr {
    binding_error(py, "DataError", e.0)
}

/// An Arrow table or batch (any object with `__arrow_c_stream__` / `__arrow_c_array__`) read
/// into a [`Dataset`] by `spec`, without the GIL.
pub(crate) fn read_arrow(py: Python<'_>, data: AnyRecordBatch, spec: &FrameSpec) -> PyResult<Dataset> {
    let table = data.into_table()?;
    let (batches, schema) = table.into_inner();
    py.detach(|| dataset_from_arrow(&schema, &batches, spec)).map_err(|e| conv_err(py, e))
}

/// A record batch as a `pyarrow.Table`.
pub(crate) fn to_pyarrow(py: Python<'_>, batch: RecordBatch) -> PyResult<Py<PyAny>> {
    let schema = batch.schema();
    Ok(PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)?.unbind())
}

/// A table of observations for the models: features, and optionally labels, ids, as-of dates
/// and weights.
#[pyclass(module = "attrition._attrition", frozen)]
pub struct Frame {
    pub(crate) data: Arc<Dataset>,
    /// How a CSV file was read (`Frame.read_csv`): recorded in a model fitted on this frame, as
    /// `attrition train` records it, so scoring reads a file the same way. Default for tables.
    pub(crate) input: TrainingInput,
}

impl Frame {
    /// A frame of `data` not read from a CSV file.
    pub(crate) fn of(data: Dataset) -> Frame {
        Frame { data: Arc::new(data), input: TrainingInput::default() }
    }
}

#[pymethods]
impl Frame {
    /// Reads any Arrow table (pyarrow, polars, DuckDB, pandas through pyarrow).
    #[staticmethod]
    #[pyo3(signature = (data, *, id=None, as_of=None, target=None, positive=None, weight=None, categorical=Vec::new(), drop=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn from_arrow(
        py: Python<'_>,
        data: AnyRecordBatch,
        id: Option<String>,
        as_of: Option<String>,
        target: Option<String>,
        positive: Option<String>,
        weight: Option<String>,
        categorical: Vec<String>,
        drop: Vec<String>,
    ) -> PyResult<Frame> {
        let spec = FrameSpec { id, as_of, target, positive, weight, categorical, drop, model_features: None };
        Ok(Frame::of(read_arrow(py, data, &spec)?))
    }

    /// A C-contiguous float64 matrix (NaN = missing) with its column names.
    #[staticmethod]
    fn from_numpy(py: Python<'_>, x: PyReadonlyArray2<'_, f64>, names: Vec<String>) -> PyResult<Frame> {
        let shape = x.shape().to_vec();
        if shape[1] != names.len() {
            return Err(binding_error(
                py,
                "DataError",
                format!("the matrix has {} columns but {} names were given", shape[1], names.len()),
            ));
        }
        let slice = x.as_slice().map_err(|_| binding_error(py, "DataError", "the matrix is not C-contiguous"))?;
        let ds = if shape[0] == 0 {
            dataset_from_matrix(&[], &names)
        } else {
            py.detach(|| dataset_from_matrix(slice, &names))
        }
        .map_err(|e| conv_err(py, e))?;
        Ok(Frame::of(ds))
    }

    /// A flat CSV read exactly as the CLI reads `--data` (delimiter sniffing, id-like columns,
    /// strict errors naming file, line and column).
    #[staticmethod]
    #[pyo3(signature = (path, *, target=None, positive=None, id="customer_id".to_owned(), as_of=None, categorical=Vec::new(), drop=Vec::new(), keep=Vec::new(), na_values=Vec::new(), lenient=false))]
    #[allow(clippy::too_many_arguments)]
    fn read_csv(
        py: Python<'_>,
        path: PathBuf,
        target: Option<String>,
        positive: Option<String>,
        id: String,
        as_of: Option<String>,
        categorical: Vec<String>,
        drop: Vec<String>,
        keep: Vec<String>,
        na_values: Vec<String>,
        lenient: bool,
    ) -> PyResult<Frame> {
        use attrition::io::flat::{FlatOptions, load_flat};
        let mut o = FlatOptions::new();
        if let Some(t) = target {
            o = o.target(t);
        }
        o = if id.eq_ignore_ascii_case("none") { o.row_ids() } else { o.id(id) };
        if let Some(p) = positive {
            o = o.positive(p);
        }
        if let Some(a) = as_of {
            o = o.as_of(a);
        }
        for d in drop {
            o = o.drop(d);
        }
        o.categorical.extend(categorical);
        o.keep.extend(keep);
        o.na_values.extend(na_values);
        if lenient {
            o = o.lenient();
        }
        let mut input = TrainingInput::of(&o);
        let loaded = run(py, move || load_flat(&path, &o))?;
        input.decimal_comma = loaded.report.decimal_comma;
        Ok(Frame { data: Arc::new(loaded.dataset), input })
    }

    /// This frame with labels `y` (True = churned).
    fn with_labels(&self, py: Python<'_>, y: PyReadonlyArray1<'_, bool>) -> PyResult<Frame> {
        let y = y.as_slice().map_err(|_| binding_error(py, "DataError", "labels are not contiguous"))?.to_vec();
        let data = (*self.data).clone();
        Ok(Frame { data: Arc::new(run(py, move || data.with_churned(y))?), input: self.input.clone() })
    }

    /// This frame with sample weights.
    fn with_weights(&self, py: Python<'_>, w: PyReadonlyArray1<'_, f64>) -> PyResult<Frame> {
        let w = w.as_slice().map_err(|_| binding_error(py, "DataError", "weights are not contiguous"))?.to_vec();
        if let Some((i, x)) = w.iter().enumerate().find(|(_, x)| !(x.is_finite() && **x >= 0.0)) {
            return Err(binding_error(
                py,
                "DataError",
                format!("sample_weight[{i}] = {x}: expected a finite weight >= 0"),
            ));
        }
        let data = (*self.data).clone();
        Ok(Frame { data: Arc::new(run(py, move || data.with_weights(w))?), input: self.input.clone() })
    }

    /// Number of rows.
    #[getter]
    fn n_rows(&self) -> usize {
        self.data.n_rows()
    }

    /// Feature names, in column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.data.feature_names().into_iter().map(str::to_owned).collect()
    }

    /// The labels (True = churned), when the frame has them.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<bool>>> {
        self.data.churned.as_ref().map(|y| PyArray1::from_slice(py, y))
    }

    /// The frame as a `pyarrow.Table`: `customer_id`, `as_of`, the features, `churned`.
    fn to_arrow(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let data = Arc::clone(&self.data);
        let batch = py
            .detach(move || dataset_to_arrow(&data, "customer_id", "as_of", "churned"))
            .map_err(|e| conv_err(py, e))?;
        to_pyarrow(py, batch)
    }

    /// Writes the frame as the CLI's `features` writes its CSV (byte for byte).
    #[pyo3(signature = (path, *, force=false))]
    fn write_csv(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<()> {
        use attrition::io::write_flat::{WriteFlatOptions, write_flat_to};
        let data = Arc::clone(&self.data);
        run(py, move || {
            let mut out = attrition::io::output::OutputFile::create(&path, Overwrite::from_force(force))?;
            write_flat_to(&data, &mut out, &WriteFlatOptions::default())
                .map_err(|e| if let Error::Io { source, .. } = e { Error::io("write", &path, source) } else { e })?;
            out.commit()
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Frame({} rows × {} features{})",
            self.data.n_rows(),
            self.data.n_features(),
            if self.data.churned.is_some() { ", labelled" } else { "" }
        )
    }
}

/// Deep-merges `overrides` (a JSON object) into `base`.
pub(crate) fn merge(base: &mut serde_json::Value, overrides: &serde_json::Value) {
    match (base, overrides) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// The model parameters the CLI's `--model --seed --c --penalty --budget-seconds` give, with
/// `overrides` (JSON of [`ModelParams`]' fields, e.g. `{"boosted": {"n_trees": 200}}`) merged in.
pub(crate) fn model_params(
    kind: &str,
    seed: u64,
    c: f64,
    penalty: &str,
    budget_seconds: f64,
    overrides: Option<&str>,
) -> Result<ModelParams> {
    let kind: ModelKind = kind.parse()?;
    // `ensemble` is deprecated (the caller warns): `auto` with a budget of 0, as the CLI's
    // `--model ensemble` — logistic regression, the default boosted trees, or their blend.
    let (kind, budget_seconds) = match kind {
        ModelKind::Ensemble => (ModelKind::Auto, None),
        kind => (kind, Some(budget_seconds)),
    };
    let penalty: attrition::models::logistic::Penalty =
        penalty.parse().map_err(|_| Error::param("penalty", penalty, "l1 or l2"))?;
    if c.is_nan() || c <= 0.0 {
        return Err(Error::param("C", c, "a number in (0, inf]"));
    }
    if let Some(b) = budget_seconds.filter(|b| !(*b > 0.0 && *b <= 86_400.0)) {
        return Err(Error::param("budget_seconds", b, "a number of seconds in (0, 86400]"));
    }
    let mut p = ModelParams::new(kind).seed(seed);
    p.logistic = p.logistic.c(c).penalty(penalty);
    p.auto = p.auto.budget_seconds(budget_seconds.unwrap_or(0.0));
    if let Some(o) = overrides {
        let o: serde_json::Value = serde_json::from_str(o).map_err(|source| Error::Json { path: None, source })?;
        let mut v = serde_json::to_value(&p).map_err(|source| Error::Json { path: None, source })?;
        merge(&mut v, &o);
        p = serde_json::from_value(v).map_err(|e| Error::param("params", o, e.to_string()))?;
        // A seed given in the overrides' families wins; otherwise every family keeps `seed`.
    }
    Ok(p)
}

/// The warning of `model="ensemble"`, the CLI's words.
const ENSEMBLE_DEPRECATED: &std::ffi::CStr = c"model=\"ensemble\" is deprecated and runs model=\"auto\" with a budget of 0 seconds (logistic regression, boosted trees, or their blend, chosen by inner cross-validation); use model=\"auto\"";

/// A fitted churn model: what `attrition train` writes and `attrition score` reads.
#[pyclass(module = "attrition._attrition", frozen)]
pub struct Model {
    pub(crate) model: Arc<TrainedModel>,
}

/// `model`'s features as a spec that reads exactly those columns, as their kinds.
pub(crate) fn spec_for(model: &TrainedModel, id: Option<String>) -> FrameSpec {
    FrameSpec {
        id,
        model_features: Some(model.features.iter().map(|f| (f.name.clone(), f.kind)).collect()),
        ..FrameSpec::default()
    }
}

#[pymethods]
impl Model {
    /// Fits a model on a labelled frame.
    #[staticmethod]
    #[pyo3(signature = (frame, *, model="auto", seed=42, c=1.0, penalty="l2", budget_seconds=10.0, params=None, cv_folds=0, calibrate=None, feature_build=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        frame: &Frame,
        model: &str,
        seed: u64,
        c: f64,
        penalty: &str,
        budget_seconds: f64,
        params: Option<&str>,
        cv_folds: usize,
        calibrate: Option<&str>,
        feature_build: Option<PathBuf>,
    ) -> PyResult<Model> {
        let data = Arc::clone(&frame.data);
        if model == "ensemble" {
            PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(), ENSEMBLE_DEPRECATED, 1)?;
        }
        let p =
            model_params(model, seed, c, penalty, budget_seconds, params).map_err(|e| crate::errors::to_py(py, &e))?;
        let calibrate = calibrate
            .map(|m| match m {
                "platt" => Ok(CalibrationMethod::Platt),
                "isotonic" => Ok(CalibrationMethod::Isotonic),
                other => Err(Error::param("calibrate", other, "platt or isotonic")),
            })
            .transpose()
            .map_err(|e| crate::errors::to_py(py, &e))?;
        let mut trained = run(py, move || {
            // `attrition train --feature-build`: the model records how its rows are built.
            let build = match &feature_build {
                Some(path) => {
                    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
                    Some(attrition::models::artifact::FeatureBuild::from_json(&bytes, Some(path))?)
                }
                None => None,
            };
            fit_like_cli(&p, &data, seed, cv_folds, calibrate, build)
        })?;
        // As `attrition train`: how the CSV file was read, so scoring reads its input alike.
        trained.input = frame.input.clone();
        Ok(Model { model: Arc::new(trained) })
    }

    /// Reads a model file (checksum and consistency checked, as `attrition score` does).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        Ok(Model { model: Arc::new(run(py, move || TrainedModel::load(&path))?) })
    }

    /// A model from the bytes of a model file.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Model> {
        Ok(Model { model: Arc::new(run(py, move || attrition::models::file::read_from(&data[..], None))?) })
    }

    /// The model file's bytes, exactly as `attrition train` writes them.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let m = Arc::clone(&self.model);
        let bytes = run(py, move || attrition::models::file::to_json(&m))?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// Writes the model file (validated, through a temporary file read back before it takes its
    /// name). An existing file is an error unless `force`.
    #[pyo3(signature = (path, *, force=false))]
    fn save(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<()> {
        let m = Arc::clone(&self.model);
        run(py, move || attrition::models::file::write_with(&m, &path, Overwrite::from_force(force)))
    }

    /// P(churn) of every row, as float64.
    fn predict_proba<'py>(&self, py: Python<'py>, frame: &Frame) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (m, data) = (Arc::clone(&self.model), Arc::clone(&frame.data));
        let p = run(py, move || attrition::models::ChurnModel::predict_proba(&*m, &data))?;
        Ok(PyArray1::from_vec(py, p))
    }

    /// Each feature's contribution to each row's churn log-odds (probability for a single tree):
    /// `(contributions n × k, feature names, base)`; a row's contributions plus `base` are the
    /// model's raw output.
    fn explain<'py>(&self, py: Python<'py>, frame: &Frame) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<String>, f64)> {
        let (m, data) = (Arc::clone(&self.model), Arc::clone(&frame.data));
        let e = run(py, move || m.explain(&data))?;
        let (n, k) = e.contributions.dim();
        let flat: Vec<f64> = e.contributions.iter().copied().collect();
        let arr = PyArray1::from_vec(py, flat).reshape([n, k])?;
        Ok((arr, e.features, e.base))
    }

    /// Reads an Arrow table's columns as this model's features (each as the kind the model was
    /// trained on; other columns ignored).
    #[pyo3(signature = (data, *, id=None))]
    fn frame(&self, py: Python<'_>, data: AnyRecordBatch, id: Option<String>) -> PyResult<Frame> {
        let spec = spec_for(&self.model, id);
        Ok(Frame::of(read_arrow(py, data, &spec)?))
    }

    /// What `attrition score` writes for every row of `frame`: `customer_id` (when the frame has
    /// ids), `p_churn`, `risk_tier`, `reason_1..reasons` (and `reason_k_text`, in words; none
    /// below the medium tier) and, with reasons, `action` (the playbook's suggestion for the
    /// customer's reasons: `playbook` names a TOML file as `--playbook` does, else the built-in
    /// one) — as a `pyarrow.Table`, full-precision probabilities. The schema's metadata
    /// `attrition.reasons_method` says how the reasons were found: Shapley values, or path
    /// attribution for boosted trees too large for TreeSHAP within the explanation limit.
    #[pyo3(signature = (frame, *, reasons=3, playbook=None))]
    fn score(&self, py: Python<'_>, frame: &Frame, reasons: usize, playbook: Option<PathBuf>) -> PyResult<Py<PyAny>> {
        if reasons > attrition::scoring::MAX_REASONS {
            return Err(crate::errors::to_py(
                py,
                &Error::param("reasons", reasons, format!("at most {}", attrition::scoring::MAX_REASONS)),
            ));
        }
        let (m, data) = (Arc::clone(&self.model), Arc::clone(&frame.data));
        let batch = run(py, move || {
            let playbook = match &playbook {
                Some(p) => attrition::scoring::playbook::Playbook::read(p)?,
                None => attrition::scoring::playbook::Playbook::default(),
            };
            score_batch(&m, &data, reasons, &playbook)
        })?;
        to_pyarrow(py, batch)
    }

    /// `attrition score --data INPUT --out OUT`: streams a CSV file through the model and
    /// writes the CLI's output byte for byte; returns the score report as JSON text. The file is
    /// read as the model's training file was (its id column or none, missing-value markers,
    /// decimal comma) unless `id` says otherwise; `na_values` adds markers.
    #[pyo3(signature = (input, out, *, id=None, reasons=3, lenient=false, force=false, na_values=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn score_csv(
        &self,
        py: Python<'_>,
        input: PathBuf,
        out: PathBuf,
        id: Option<String>,
        reasons: usize,
        lenient: bool,
        force: bool,
        na_values: Vec<String>,
    ) -> PyResult<String> {
        use attrition::io::output::OutputPlan;
        use attrition::io::tables::Strictness;
        use attrition::scoring::ScoreOptions;
        let m = Arc::clone(&self.model);
        run(py, move || {
            OutputPlan::new().force(force).input("input", &input).check_file("out", &out)?;
            let mut options = ScoreOptions::for_model(&m);
            if let Some(id) = id {
                options = options.id(&id);
            }
            options.na_values.extend(na_values);
            let options = ScoreOptions {
                reasons,
                strictness: if lenient { Strictness::Lenient } else { Strictness::Strict },
                ..options
            };
            let report = attrition::scoring::score_csv(&m, &input, &out, &options, |_| {})?;
            serde_json::to_string(&report).map_err(|source| Error::Json { path: None, source })
        })
    }

    /// The family (`logistic`, `gbdt`, …; for `auto`, the family chosen).
    #[getter]
    fn kind(&self) -> String {
        self.model.kind.to_string()
    }

    /// The features the model needs, with their kinds (`numeric` / `categorical`).
    #[getter]
    fn features(&self) -> Vec<(String, String)> {
        self.model
            .features
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    match f.kind {
                        ColumnKind::Numeric => "numeric".to_owned(),
                        ColumnKind::Categorical => "categorical".to_owned(),
                    },
                )
            })
            .collect()
    }

    /// Rows the model was trained on.
    #[getter]
    fn training_rows(&self) -> usize {
        self.model.training_rows
    }

    /// Churn rate of the training data (the risk tiers' base).
    #[getter]
    fn training_churn_rate(&self) -> f64 {
        self.model.training_churn_rate
    }

    /// The model file's JSON body as text (for inspection: `json.loads(model.to_json())`).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let m = Arc::clone(&self.model);
        let bytes = run(py, move || attrition::models::file::to_json(&m))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(kind={:?}, features={}, training_rows={})",
            self.model.kind.to_string(),
            self.model.features.len(),
            self.model.training_rows
        )
    }
}

/// `attrition train`'s sequence (the library's [`TrainParams`]): cross-validated metrics
/// recorded in the model (when `cv_folds > 0`), the fit (calibrated when asked), the profile.
pub(crate) fn fit_like_cli(
    params: &ModelParams,
    data: &Dataset,
    seed: u64,
    cv_folds: usize,
    calibrate: Option<CalibrationMethod>,
    feature_build: Option<attrition::models::artifact::FeatureBuild>,
) -> Result<TrainedModel> {
    let mut train = TrainParams::new(params.clone(), seed);
    train.cv_folds = cv_folds;
    train.calibration = calibrate;
    train.feature_build = feature_build;
    train.fit(data)
}

/// Scores `data` as `attrition score` does (strict: a row the model cannot score is an error).
pub(crate) fn score_batch(
    model: &TrainedModel,
    data: &Dataset,
    reasons: usize,
    playbook: &attrition::scoring::playbook::Playbook,
) -> Result<RecordBatch> {
    let s = model.score(data, false)?;
    let base = model.training_churn_rate;
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    if let Some(ids) = &data.ids {
        fields.push(Field::new("customer_id", DataType::Utf8, false));
        arrays.push(Arc::new(StringArray::from_iter_values(ids.iter())));
    }
    fields.push(Field::new("p_churn", DataType::Float64, false));
    arrays.push(Arc::new(Float64Array::from(s.p_churn.clone())));
    fields.push(Field::new("risk_tier", DataType::Utf8, false));
    arrays.push(Arc::new(StringArray::from_iter_values(s.p_churn.iter().map(|&p| risk_tier(p, base)))));
    // As `attrition score`: reasons in words, none below the medium tier (those rows are not
    // explained).
    let phrases = attrition::scoring::reasons::Phrasebook::new(model);
    let options = attrition::scoring::reasons::ReasonOptions { count: reasons, ..Default::default() };
    let limit = attrition::models::validate::MAX_EXPLAIN_COST_PER_ROW;
    let explained = attrition::scoring::reasons::ReasonRows::new(model, data, &s.p_churn, &options, limit)?;
    let top: Vec<Vec<attrition::models::row::Reason>> =
        (0..data.n_rows()).map(|k| explained.reasons(&phrases, k, s.p_churn[k], &options)).collect();
    for r in 0..reasons {
        let col = (0..data.n_rows()).map(|k| match top[k].get(r) {
            Some(x) => Some(x.feature.as_str()),
            None if explained.unavailable(k) && r == 0 => Some("not_available"),
            None => None,
        });
        fields.push(Field::new(format!("reason_{}", r + 1), DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from_iter(col)));
    }
    for r in 0..reasons {
        let col = (0..data.n_rows()).map(|k| top.get(k).and_then(|rs| rs.get(r)).map(|x| x.text.as_str()));
        fields.push(Field::new(format!("reason_{}_text", r + 1), DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from_iter(col)));
    }
    if reasons > 0 {
        let col = top.iter().map(|rs| playbook.action_for(rs));
        fields.push(Field::new("action", DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from_iter(col)));
    }
    // How the reasons were found, as `attrition score` notes it: Shapley values, or path
    // attribution for boosted trees whose TreeSHAP is over the explanation limit.
    let mut metadata = std::collections::HashMap::new();
    if let Some(method) = explained.method {
        metadata.insert("attrition.reasons_method".to_string(), method.to_string());
    }
    RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, metadata)), arrays)
        .map_err(|e| Error::FeatureMismatch { reason: format!("building the score table: {e}") })
}
