"""attrition: predict which SaaS customers will churn, explain why, and say which are worth saving.

A Rust library with a thin Python layer: every function here calls the library the way the
``attrition`` command-line tool does (same models, same model files byte for byte, same error
messages), with the GIL released during the work.

Two ways in:

* :class:`ChurnClassifier` — a scikit-learn estimator (``fit`` / ``predict_proba`` /
  ``explain``) on NumPy arrays or any DataFrame (pandas, polars, pyarrow, DuckDB).
* The churn workflow on raw SaaS tables: :func:`read_tables` (or :func:`simulate`) →
  :func:`features` / :func:`snapshot` (point-in-time, leakage-free) → :func:`evaluate` /
  :func:`train` → :func:`score` with reasons; :func:`load_model` reads what ``attrition train``
  wrote.

Every probability is P(churn). Tables come back as ``pyarrow.Table`` (``.to_pandas()``,
``polars.from_arrow(...)``).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Union

from . import _attrition
from ._attrition import MODEL_SCHEMA_VERSION, Frame, Model, Tables, __version__
from ._data import as_arrow, is_path, is_table
from ._errors import (
    AttritionError,
    AttritionIOError,
    DataError,
    FeatureMismatchError,
    ModelFileError,
    ParameterError,
)

PathLike = Union[str, "os.PathLike[str]"]


def read_tables(dir: PathLike, schema: Optional[PathLike] = None, *, lenient: bool = False) -> Tables:
    """Reads a tables directory (``customers.csv``, ``subscriptions.csv``, ``events.csv``,
    ``nps.csv``, optional ``campaign.csv``), through a schema file (TOML) mapping your file and
    column names when given. Strict by default: the first bad row raises a :class:`DataError`
    naming file, line and column; ``lenient=True`` skips and counts bad rows (``tables.report``)."""
    return _attrition.read_tables(os.fspath(dir), None if schema is None else os.fspath(schema), lenient=lenient)


def simulate(customers: int, months: int = 24, seed: int = 7) -> Tables:
    """A simulated SaaS world (as ``attrition simulate``), deterministic per seed."""
    return _attrition.simulate(customers, months, seed)


def features(
    tables: Tables,
    from_: str,
    to: str,
    every: str = "1m",
    lead_days: int = 7,
    horizon_days: int = 90,
    *,
    data_end: Optional[str] = None,
    catalogue: Optional[PathLike] = None,
    max_event_types: int = 200,
    save_build: Optional[PathLike] = None,
    force: bool = False,
) -> Any:
    """Labelled point-in-time observations (``attrition features --from --to``): one row per
    customer active on the day before each as-of date from ``from_`` to ``to`` every ``every``
    (``7d``, ``2w``, ``1m``); features see only the past; ``churned`` is churn in
    ``[as_of + lead_days, as_of + lead_days + horizon_days)``. Returns a ``pyarrow.Table``:
    ``customer_id, as_of, <features>, churned``. ``save_build``: also write the feature build
    (resolved catalogue and label window, as ``--save-build``) there, for
    ``train(feature_build=)`` (an existing file only with ``force=True``)."""
    frame = _attrition.features(
        tables,
        from_,
        to,
        every=every,
        lead_days=lead_days,
        horizon_days=horizon_days,
        data_end=data_end,
        catalogue=None if catalogue is None else os.fspath(catalogue),
        max_event_types=max_event_types,
        save_build=None if save_build is None else os.fspath(save_build),
        force=force,
    )
    return frame.to_arrow()


def snapshot(
    tables: Tables,
    date: str,
    *,
    model: Optional[Model] = None,
    catalogue: Optional[PathLike] = None,
    max_event_types: int = 200,
) -> Any:
    """Features of the customers active on the day before ``date``, for scoring
    (``attrition features --snapshot``); ``model``: exactly the features its file records.
    Returns a ``pyarrow.Table``: ``customer_id, as_of, <features>``."""
    frame = _attrition.snapshot(
        tables,
        date,
        model=model,
        catalogue=None if catalogue is None else os.fspath(catalogue),
        max_event_types=max_event_types,
    )
    return frame.to_arrow()


def _frame(
    data: Any,
    *,
    target: Optional[str],
    id: Optional[str],
    as_of: Optional[str],
    positive: Optional[str] = None,
    categorical: Iterable[str] = (),
    drop: Iterable[str] = (),
    weight: Optional[str] = None,
    na_values: Iterable[str] = (),
) -> Frame:
    if isinstance(data, Frame):
        return data
    if is_path(data):
        if weight is not None:
            raise ParameterError("weight= is for tables; a CSV file has no weight column option", kind="InvalidParameter")
        return Frame.read_csv(
            os.fspath(data),
            target=target,
            positive=positive,
            id=id or "none",
            as_of=as_of,
            categorical=list(categorical),
            drop=list(drop),
            na_values=list(na_values),
        )
    if is_table(data):
        table = as_arrow(data)
        return Frame.from_arrow(
            table,
            id=id,
            as_of=as_of,
            target=target,
            positive=positive,
            weight=weight,
            categorical=list(categorical),
            drop=list(drop),
        )
    raise TypeError(f"expected a CSV path or a table (pandas, polars, pyarrow, DuckDB), got {type(data).__name__}")


def _columns(data: Any) -> list:
    if is_path(data) or isinstance(data, Frame):
        return []
    from ._data import column_names

    return column_names(data)


def _default_as_of(data: Any, as_of: Optional[str]) -> Optional[str]:
    """`as_of` when given; ``"as_of"`` when a table has that column (what :func:`features` returns)."""
    if as_of is not None:
        return as_of
    return "as_of" if "as_of" in _columns(data) else None


def evaluate(
    data: Any,
    *,
    target: str = "churned",
    id: Optional[str] = "customer_id",
    as_of: Optional[str] = None,
    positive: Optional[str] = None,
    model: str = "auto",
    folds: int = 5,
    seed: int = 42,
    C: float = 1.0,
    penalty: str = "l2",
    budget_seconds: float = 10.0,
    params: Optional[dict] = None,
) -> dict:
    """Out-of-fold metrics (``attrition evaluate --json``): ROC-AUC, PR-AUC, log-loss, Brier,
    top-decile lift, ECE, EMPC, MPC, per-fold ROC-AUC; folds grouped by customer when ids
    repeat. ``data``: a CSV path (read as the CLI reads ``--data``) or a table."""
    frame = _frame(data, target=target, id=id, as_of=_default_as_of(data, as_of), positive=positive)
    text = _attrition.evaluate_json(
        frame,
        model=model,
        folds=folds,
        seed=seed,
        c=C,
        penalty=penalty,
        budget_seconds=budget_seconds,
        params=json.dumps(params) if params else None,
    )
    return json.loads(text)


def train(
    data: Any,
    *,
    target: str = "churned",
    id: Optional[str] = "customer_id",
    as_of: Optional[str] = None,
    positive: Optional[str] = None,
    weight: Optional[str] = None,
    categorical: Iterable[str] = (),
    drop: Iterable[str] = (),
    na_values: Iterable[str] = (),
    model: str = "auto",
    seed: int = 42,
    C: float = 1.0,
    penalty: str = "l2",
    budget_seconds: float = 10.0,
    params: Optional[dict] = None,
    cv_folds: int = 5,
    calibrate: Optional[str] = None,
    feature_build: Optional[PathLike] = None,
    out: Optional[PathLike] = None,
    force: bool = False,
) -> Model:
    """Fits a model as ``attrition train`` does (cross-validated metrics recorded in the model,
    optional calibration). From the same CSV file and options, ``model.to_bytes()`` equals the
    file the CLI writes. ``na_values``: cell values read as missing besides blank cells (a CSV
    file only, as ``--na-values``). The model records how a CSV file was read (id column or
    ``id="none"``, ``na_values``, a decimal comma), as the CLI does, so ``model.score_csv`` reads
    a file of the same shape alike. ``feature_build``: the file ``features(save_build=)`` (or
    ``attrition features --save-build``) wrote for these rows, recorded in the model as
    ``--feature-build`` does, so ``snapshot(model=)`` and partitioned scoring build its exact
    features. ``out``: also write the model file there (an existing file only with
    ``force=True``)."""
    frame = _frame(
        data,
        target=target,
        id=id,
        as_of=_default_as_of(data, as_of),
        positive=positive,
        categorical=categorical,
        drop=drop,
        weight=weight,
        na_values=na_values,
    )
    m = Model.fit(
        frame,
        model=model,
        seed=seed,
        c=C,
        penalty=penalty,
        budget_seconds=budget_seconds,
        params=json.dumps(params) if params else None,
        cv_folds=cv_folds,
        calibrate=calibrate,
        feature_build=None if feature_build is None else os.fspath(feature_build),
    )
    if out is not None:
        m.save(os.fspath(out), force=force)
    return m


def load_model(path: PathLike) -> Model:
    """Reads a model file written by ``attrition train`` or :func:`train` (checksum, schema
    version and consistency checked; a corrupted file raises :class:`ModelFileError`)."""
    return Model.load(os.fspath(path))


def score(
    model: Model, data: Any, *, id: Optional[str] = "customer_id", reasons: int = 3, playbook: Optional[PathLike] = None
) -> Any:
    """``attrition score``'s output for a table of current customers (e.g. :func:`snapshot`'s):
    ``customer_id, p_churn, risk_tier, reason_1.., reason_1_text.., action`` as a
    ``pyarrow.Table``, full-precision P(churn); ``action`` is the playbook's suggestion for the
    customer's reasons (``playbook``: a TOML file, as ``--playbook``; default the built-in one). Columns are read as the kinds the model was trained on; extra columns are
    ignored; missing features raise :class:`FeatureMismatchError`. The table's schema metadata
    ``attrition.reasons_method`` says how the reasons were found (Shapley values, or path
    attribution for boosted trees too large for TreeSHAP within the explanation limit)."""
    if is_path(data):
        raise TypeError("score() takes a table; to score a CSV file as the CLI does, use model.score_csv(input, out)")
    names = _columns(data)
    frame = model.frame(as_arrow(data), id=id if id in names else None)
    return model.score(frame, reasons=reasons, playbook=None if playbook is None else os.fspath(playbook))


def _np(x: Any, dtype: Any) -> Any:
    import numpy as np

    return np.ascontiguousarray(np.asarray(x, dtype=dtype).ravel())


def kpi(
    tables: Tables,
    *,
    period: str = "month",
    from_: Optional[str] = None,
    to: Optional[str] = None,
    gross_margin: float = 1.0,
) -> dict:
    """Churn and retention rates, MRR movements (new, expansion, contraction, churned,
    reactivation), NRR/GRR and quick ratio per period (``attrition kpi --json``); the list of
    periods is under ``"periods"``."""
    return json.loads(
        _attrition.kpi_json(tables, period=period, from_=from_, to=to, gross_margin=gross_margin)
    )


def kaplan_meier(
    durations: Any,
    event_observed: Any,
    *,
    entry: Any = None,
    weights: Any = None,
    alpha: float = 0.05,
) -> dict:
    """Kaplan–Meier survival curve (lifelines' vocabulary: ``durations``, ``event_observed``,
    ``entry`` for late entry, ``weights``) with pointwise ``1 - alpha`` confidence intervals.

    Returns a dict: ``points`` (one per distinct time: ``time``, ``at_risk``, ``entered``,
    ``events``, ``censored``, ``survival``, ``greenwood``, ``ci_low``, ``ci_high``), ``alpha``,
    ``n_subjects``, ``n_events`` and ``median`` (the first time survival is at most 0.5, as
    lifelines' ``median_survival_time_``; ``None`` when it is not reached)."""
    curve = json.loads(
        _attrition.kaplan_meier_json(
            _np(durations, "float64"),
            _np(event_observed, "bool"),
            entry=None if entry is None else _np(entry, "float64"),
            weights=None if weights is None else _np(weights, "float64"),
            alpha=alpha,
        )
    )
    curve["median"] = next((p["time"] for p in curve["points"] if p["survival"] <= 0.5), None)
    return curve


def expected_profit(p_churn: Any, clv: Any, *, offer_cost: float, contact_cost: float, acceptance: float) -> dict:
    """Expected profit of a retention offer per customer and the best number to target
    (``attrition target``): customers ranked by expected profit, the profit curve and the
    optimum."""
    return json.loads(
        _attrition.expected_profit_json(
            _np(p_churn, "float64"),
            _np(clv, "float64"),
            offer_cost=offer_cost,
            contact_cost=contact_cost,
            acceptance=acceptance,
        )
    )


def empc(y_true: Any, y_score: Any, **params: float) -> dict:
    """Expected maximum profit for customer churn (EMPC, Verbraken et al. 2013) and the
    fraction to target; ``params``: ``alpha``, ``beta``, ``clv``, ``incentive_cost``,
    ``contact_cost`` (the library's defaults otherwise)."""
    return json.loads(
        _attrition.empc_json(
            _np(y_true, "bool"), _np(y_score, "float64"), params=json.dumps(params) if params else None
        )
    )


def uplift(churned: Any, score: Any, treated: Any) -> dict:
    """Qini curve and Qini coefficient of an uplift score on a randomised retention experiment:
    ``churned`` (True = churned), ``score`` (higher = more retention gained by the offer),
    ``treated`` (received the offer). The curve counts customers kept: treated customers who
    stayed, net of the control group's rate, among the top-scored."""
    import numpy as np

    stayed = ~np.asarray(churned, dtype=bool).ravel()
    return json.loads(_attrition.uplift_json(_np(stayed, "bool"), _np(score, "float64"), _np(treated, "bool")))


from .estimator import ChurnClassifier, Explanation  # noqa: E402

__all__ = [
    "MODEL_SCHEMA_VERSION",
    "AttritionError",
    "AttritionIOError",
    "ChurnClassifier",
    "DataError",
    "Explanation",
    "FeatureMismatchError",
    "Frame",
    "Model",
    "ModelFileError",
    "ParameterError",
    "Tables",
    "__version__",
    "empc",
    "evaluate",
    "expected_profit",
    "kaplan_meier",
    "kpi",
    "features",
    "load_model",
    "read_tables",
    "score",
    "simulate",
    "snapshot",
    "train",
    "uplift",
]
