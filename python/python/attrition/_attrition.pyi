"""Type stubs of the extension module (Rust, PyO3). See the package docstring."""

from os import PathLike
from typing import Any, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, PathLike[str]]

__version__: str
MODEL_SCHEMA_VERSION: int

class Frame:
    """A table of observations for the models: features, and optionally labels, ids, as-of
    dates and weights."""

    @staticmethod
    def from_arrow(
        data: Any,
        *,
        id: Optional[str] = None,
        as_of: Optional[str] = None,
        target: Optional[str] = None,
        positive: Optional[str] = None,
        weight: Optional[str] = None,
        categorical: List[str] = ...,
        drop: List[str] = ...,
    ) -> Frame: ...
    @staticmethod
    def from_numpy(x: npt.NDArray[np.float64], names: List[str]) -> Frame: ...
    @staticmethod
    def read_csv(
        path: _Path,
        *,
        target: Optional[str] = None,
        positive: Optional[str] = None,
        id: str = "customer_id",
        as_of: Optional[str] = None,
        categorical: List[str] = ...,
        drop: List[str] = ...,
        keep: List[str] = ...,
        na_values: List[str] = ...,
        lenient: bool = False,
    ) -> Frame: ...
    def with_labels(self, y: npt.NDArray[np.bool_]) -> Frame: ...
    def with_weights(self, w: npt.NDArray[np.float64]) -> Frame: ...
    @property
    def n_rows(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def labels(self) -> Optional[npt.NDArray[np.bool_]]: ...
    def to_arrow(self) -> Any:
        """A ``pyarrow.Table``: ``customer_id``, ``as_of``, the features, ``churned``."""
    def write_csv(self, path: _Path, *, force: bool = False) -> None:
        """Writes the CSV ``attrition features`` writes, byte for byte."""

class Model:
    """A fitted churn model: what ``attrition train`` writes and ``attrition score`` reads."""

    @staticmethod
    def fit(
        frame: Frame,
        *,
        model: str = "auto",
        seed: int = 42,
        c: float = 1.0,
        penalty: str = "l2",
        budget_seconds: float = 10.0,
        params: Optional[str] = None,
        cv_folds: int = 0,
        calibrate: Optional[str] = None,
        feature_build: Optional[_Path] = None,
    ) -> Model: ...
    @staticmethod
    def load(path: _Path) -> Model: ...
    @staticmethod
    def from_bytes(data: bytes) -> Model: ...
    def to_bytes(self) -> bytes: ...
    def to_json(self) -> str: ...
    def save(self, path: _Path, *, force: bool = False) -> None: ...
    def predict_proba(self, frame: Frame) -> npt.NDArray[np.float64]: ...
    def explain(self, frame: Frame) -> Tuple[npt.NDArray[np.float64], List[str], float]: ...
    def frame(self, data: Any, *, id: Optional[str] = None) -> Frame: ...
    def score(self, frame: Frame, *, reasons: int = 3, playbook: Optional[_Path] = None) -> Any: ...
    def score_csv(
        self,
        input: _Path,
        out: _Path,
        *,
        id: Optional[str] = None,
        reasons: int = 3,
        lenient: bool = False,
        force: bool = False,
        na_values: List[str] = ...,
    ) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def features(self) -> List[Tuple[str, str]]: ...
    @property
    def training_rows(self) -> int: ...
    @property
    def training_churn_rate(self) -> float: ...

class Tables:
    """Customers, subscriptions, usage events, NPS responses (and campaign offers)."""

    @property
    def report(self) -> str: ...
    @property
    def n_customers(self) -> int: ...
    @property
    def n_events(self) -> int: ...
    def write_dir(self, dir: _Path) -> None: ...

def read_tables(dir: _Path, schema: Optional[_Path] = None, *, lenient: bool = False) -> Tables: ...
def simulate(customers: int, months: int = 24, seed: int = 7) -> Tables: ...
def features(
    tables: Tables,
    from_: str,
    to: str,
    *,
    every: str = "1m",
    lead_days: int = 7,
    horizon_days: int = 90,
    data_end: Optional[str] = None,
    catalogue: Optional[_Path] = None,
    max_event_types: int = 200,
    context: Optional[str] = None,
    save_build: Optional[_Path] = None,
    force: bool = False,
) -> Frame: ...
def snapshot(
    tables: Tables,
    date: str,
    *,
    model: Optional[Model] = None,
    catalogue: Optional[_Path] = None,
    max_event_types: int = 200,
    context: Optional[str] = None,
) -> Frame: ...
def evaluate_json(
    frame: Frame,
    *,
    model: str = "auto",
    folds: int = 5,
    seed: int = 42,
    c: float = 1.0,
    penalty: str = "l2",
    budget_seconds: float = 10.0,
    params: Optional[str] = None,
) -> str: ...
def kpi_json(
    tables: Tables, *, period: str = "month", from_: Optional[str] = None, to: Optional[str] = None, gross_margin: float = 1.0
) -> str: ...
def kaplan_meier_json(
    durations: npt.NDArray[np.float64],
    event_observed: npt.NDArray[np.bool_],
    *,
    entry: Optional[npt.NDArray[np.float64]] = None,
    weights: Optional[npt.NDArray[np.float64]] = None,
    alpha: float = 0.05,
) -> str: ...
def expected_profit_json(
    p_churn: npt.NDArray[np.float64],
    clv: npt.NDArray[np.float64],
    *,
    offer_cost: float,
    contact_cost: float,
    acceptance: float,
) -> str: ...
def empc_json(y_true: npt.NDArray[np.bool_], y_score: npt.NDArray[np.float64], *, params: Optional[str] = None) -> str: ...
def uplift_json(
    positive: npt.NDArray[np.bool_], score: npt.NDArray[np.float64], treated: npt.NDArray[np.bool_]
) -> str: ...
def resolve_catalogue(tables: Tables, *, max_event_types: int = 200) -> str: ...
def catalogue_columns(catalogue: str) -> List[Tuple[str, str]]: ...
def population_counts(tables: Tables) -> str:
    """The population counts of ``tables`` (JSON): events per type, the evidence of each customer
    attribute's kind, the dated rows of the data end. Counts of disjoint parts add up."""
def global_context(
    counts: List[str],
    *,
    catalogue: Optional[str] = None,
    max_event_types: int = 200,
    discovery: Optional[List[str]] = None,
) -> str:
    """The global context (JSON) of the parts whose ``population_counts`` are ``counts``: the
    feature catalogue resolved over all of them, every attribute's kind, the data end. Pass it
    as ``context=`` to ``features``/``snapshot`` on each part. Without ``catalogue``, the event
    roles are the simulator's when the parts speak its event names, otherwise discovered from
    ``discovery`` (every part's ``discovery_counts`` up to ``discovery_until(counts)``)."""
def discovery_until(counts: List[str], *, simulator_ok: bool = True) -> Optional[str]:
    """The day (``YYYY-MM-DD``) event-role discovery counts up to for the parts whose
    ``population_counts`` are ``counts``: their data end. ``None`` when ``simulator_ok`` and
    the simulator's catalogue applies to their event names (no discovery needed)."""
def discovery_counts(
    tables: Tables, until: str, *, landmark_days: int = 90, horizon_days: int = 180, signal_min_risk_ratio: float = 1.25
) -> str:
    """The event-role discovery counts (JSON) of ``tables`` up to ``until``; parts add up."""
def discovered_catalogue(
    counts: List[str], *, landmark_days: int = 90, horizon_days: int = 180, signal_min_risk_ratio: float = 1.25
) -> str:
    """The event catalogue (JSON, as ``attrition catalogue --out`` writes it) discovered from
    every part's ``discovery_counts``, added up and finished once."""
def context_catalogue(context: str) -> str:
    """The resolved feature catalogue of a global context, as ``features --save-catalogue``."""
