//! The business measures: KPIs, Kaplan–Meier, expected campaign profit, EMPC and uplift (Qini).
//! Each returns the library's result struct as JSON text (every one is `Serialize`); the Python
//! layer turns it into dicts and tables. Parameters arrive as JSON objects merged over the
//! library's defaults, so a field the library adds is reachable without a binding change.

use std::sync::Arc;

use attrition::{Error, Result};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{binding_error, run};
use crate::tables::Tables;

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|source| Error::Json { path: None, source })
}

/// `base` with the fields of `overrides` (JSON object) set.
fn with_overrides<T: Serialize + DeserializeOwned>(base: T, name: &'static str, overrides: Option<&str>) -> Result<T> {
    let Some(o) = overrides else { return Ok(base) };
    let o: serde_json::Value = serde_json::from_str(o).map_err(|source| Error::Json { path: None, source })?;
    let mut v = serde_json::to_value(&base).map_err(|source| Error::Json { path: None, source })?;
    crate::model::merge(&mut v, &o);
    serde_json::from_value(v).map_err(|e| Error::param(name, o, e.to_string()))
}

fn slice<'a, T: numpy::Element>(py: Python<'_>, name: &str, a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| binding_error(py, "DataError", format!("{name} is not a contiguous array")))
}

/// Monthly (quarterly, yearly) churn, retention and MRR movements, NRR/GRR (`attrition kpi --json`).
#[pyfunction]
#[pyo3(signature = (tables, *, period="month", from_=None, to=None, gross_margin=1.0))]
pub fn kpi_json(
    py: Python<'_>,
    tables: &Tables,
    period: &str,
    from_: Option<String>,
    to: Option<String>,
    gross_margin: f64,
) -> PyResult<String> {
    use attrition::kpi::{KpiOptions, PeriodKind, compute_kpis};
    let t = Arc::clone(&tables.tables);
    let period = period.to_owned();
    run(py, move || {
        let kind = PeriodKind::parse(&period).map_err(|_| Error::param("period", &period, "month, quarter or year"))?;
        let mut o = KpiOptions::new().period(kind).gross_margin(gross_margin);
        if let Some(d) = &from_ {
            o = o.from(crate::tables::date("from_", d)?);
        }
        if let Some(d) = &to {
            o = o.to(crate::tables::date("to", d)?);
        }
        json(&compute_kpis(&t, &o)?)
    })
}

/// Kaplan–Meier survival curve with pointwise confidence intervals.
#[pyfunction]
#[pyo3(signature = (durations, event_observed, *, entry=None, weights=None, alpha=0.05))]
pub fn kaplan_meier_json(
    py: Python<'_>,
    durations: PyReadonlyArray1<'_, f64>,
    event_observed: PyReadonlyArray1<'_, bool>,
    entry: Option<PyReadonlyArray1<'_, f64>>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    alpha: f64,
) -> PyResult<String> {
    use attrition::survival::KaplanMeier;
    use attrition::survival::SurvivalData;
    let d = slice(py, "durations", &durations)?.to_vec();
    let e = slice(py, "event_observed", &event_observed)?.to_vec();
    let entry = entry.as_ref().map(|a| slice(py, "entry", a).map(<[f64]>::to_vec)).transpose()?;
    let weights = weights.as_ref().map(|a| slice(py, "weights", a).map(<[f64]>::to_vec)).transpose()?;
    run(py, move || {
        let mut data = SurvivalData::new(d, e)?;
        if let Some(x) = entry {
            data = data.with_entry(x)?;
        }
        if let Some(w) = weights {
            data = data.with_weights(w)?;
        }
        json(&KaplanMeier::new().alpha(alpha).fit(&data)?)
    })
}

/// Expected profit of a retention campaign over customers ranked by it (`attrition target`).
#[pyfunction]
#[pyo3(signature = (p_churn, clv, *, offer_cost, contact_cost, acceptance))]
pub fn expected_profit_json(
    py: Python<'_>,
    p_churn: PyReadonlyArray1<'_, f64>,
    clv: PyReadonlyArray1<'_, f64>,
    offer_cost: f64,
    contact_cost: f64,
    acceptance: f64,
) -> PyResult<String> {
    use attrition::profit::campaign::{CampaignParams, plan_campaign};
    let p = slice(py, "p_churn", &p_churn)?.to_vec();
    let c = slice(py, "clv", &clv)?.to_vec();
    run(py, move || json(&plan_campaign(&p, &c, &CampaignParams::new(offer_cost, contact_cost, acceptance))?))
}

/// Expected maximum profit measure for customer churn (Verbraken et al.).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, *, params=None))]
pub fn empc_json(
    py: Python<'_>,
    y_true: PyReadonlyArray1<'_, bool>,
    y_score: PyReadonlyArray1<'_, f64>,
    params: Option<&str>,
) -> PyResult<String> {
    use attrition::profit::emp::{EmpcParams, empc_score};
    let y = slice(py, "y_true", &y_true)?.to_vec();
    let s = slice(py, "y_score", &y_score)?.to_vec();
    let params = params.map(str::to_owned);
    run(py, move || {
        let p = with_overrides(EmpcParams::default(), "params", params.as_deref())?;
        json(&empc_score(&y, &s, &p)?)
    })
}

/// Qini curve and coefficient of an uplift score on a randomised experiment.
#[pyfunction]
pub fn uplift_json(
    py: Python<'_>,
    positive: PyReadonlyArray1<'_, bool>,
    score: PyReadonlyArray1<'_, f64>,
    treated: PyReadonlyArray1<'_, bool>,
) -> PyResult<String> {
    use attrition::uplift::{qini_coefficient, qini_curve};
    let y = slice(py, "positive", &positive)?.to_vec();
    let s = slice(py, "score", &score)?.to_vec();
    let t = slice(py, "treated", &treated)?.to_vec();
    run(py, move || {
        let curve = qini_curve(&y, &s, &t)?;
        let q = qini_coefficient(&y, &s, &t)?;
        let mut v = serde_json::to_value(&curve).map_err(|source| Error::Json { path: None, source })?;
        v["qini_coefficient"] = serde_json::json!(q);
        json(&v)
    })
}
