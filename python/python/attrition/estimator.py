"""A scikit-learn estimator over attrition's models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _attrition
from ._data import as_arrow, column_names, is_table

_MODELS = ("auto", "logistic", "gbdt", "tree", "ensemble")


@dataclass(frozen=True)
class Explanation:
    """Each feature's contribution to each row's churn log-odds (probability for ``model="tree"``).

    ``contributions[i].sum() + base`` is row ``i``'s raw model output: for the log-odds families,
    ``1 / (1 + exp(-(contributions[i].sum() + base)))`` is its uncalibrated P(churn).
    """

    contributions: np.ndarray
    """``n_rows × n_features`` contributions."""
    feature_names: List[str]
    """The columns of ``contributions``."""
    base: float
    """The output with no feature information (intercept / expected value)."""

    def to_pandas(self) -> Any:
        """The contributions as a pandas DataFrame with one column per feature."""
        import pandas as pd

        return pd.DataFrame(self.contributions, columns=self.feature_names)


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """Churn classifier: attrition's logistic regression, boosted trees or automatic choice.

    Takes NumPy matrices (numeric; ``NaN`` is a missing value) or DataFrames of any kind —
    pandas, polars, pyarrow, DuckDB — whose string, categorical and boolean columns are
    categories. Binary targets only: ``classes_[1]`` (the larger label once sorted: ``1``,
    ``True``, ``"Yes"``) is "churned" and ``predict_proba(X)[:, 1]`` is P(churn).

    Parameters
    ----------
    model : {"auto", "logistic", "gbdt", "tree", "ensemble"}, default "auto"
        The family; ``auto`` chooses logistic regression or one of a few boosted-tree
        configurations by inner cross-validated log-loss (as ``attrition train --model auto``).
        ``ensemble`` is deprecated: it warns (``DeprecationWarning``) and runs ``auto`` with a
        budget of 0 seconds (logistic regression, the default boosted trees or their blend), as
        ``attrition train --model ensemble`` does.
    random_state : int, numpy RandomState or None, default None
        Seed of every random choice; ``None`` uses the library's default seed 42. The same seed
        gives the same model, byte for byte.
    C : float, default 1.0
        Inverse penalty strength of logistic regression (scikit-learn's ``C``).
    penalty : {"l2", "l1"}, default "l2"
        Logistic regression penalty.
    budget_seconds : float, default 10.0
        ``auto``: the estimated compute its search may spend, turned into a number of candidates
        before fitting (so a seed gives one choice on any machine).
    categorical : list of str or None, default None
        DataFrame columns read as categories although numeric (a zip code).
    params : dict or None, default None
        Further hyper-parameters, as the fields of the library's ``ModelParams``, e.g.
        ``{"boosted": {"n_trees": 300, "learning_rate": 0.1}}``.
    calibrate : {"platt", "isotonic"} or None, default None
        Calibrate probabilities on out-of-fold predictions.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    model_ : attrition.Model
        The fitted model (``model_.save(path)`` writes a file ``attrition score`` reads).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.
    """

    def __init__(
        self,
        model: str = "auto",
        *,
        random_state: Any = None,
        C: float = 1.0,
        penalty: str = "l2",
        budget_seconds: float = 10.0,
        categorical: Optional[List[str]] = None,
        params: Optional[dict] = None,
        calibrate: Optional[str] = None,
    ) -> None:
        self.model = model
        self.random_state = random_state
        self.C = C
        self.penalty = penalty
        self.budget_seconds = budget_seconds
        self.categorical = categorical
        self.params = params
        self.calibrate = calibrate

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False
        return tags

    # ----- helpers ------------------------------------------------------------------------------

    def _seed(self) -> int:
        rs = self.random_state
        if rs is None:
            return 42
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**31 - 1))
        if isinstance(rs, (int, np.integer)) and int(rs) >= 0:
            return int(rs)
        raise ValueError(f"random_state must be None, an int >= 0 or a RandomState, got {rs!r}")

    def _frame(self, X: Any, *, reset: bool) -> Any:
        """`X` as the library's frame: DataFrames by the Arrow route, the rest as a float matrix."""
        if is_table(X):
            table = as_arrow(X)
            names = column_names(X)
            if reset:
                self.n_features_in_ = len(names)
                self.feature_names_in_ = np.asarray(names, dtype=object)
                self._names = names
                return _attrition.Frame.from_arrow(table, categorical=list(self.categorical or []))
            expected = list(getattr(self, "feature_names_in_", []))
            if not expected:
                raise ValueError(
                    f"{type(self).__name__} was fitted on an array without feature names; "
                    "give an array, not a DataFrame"
                )
            missing = [n for n in expected if n not in names]
            if missing:
                raise ValueError(f"X lacks the features seen in fit: {missing[:8]}")
            return self.model_.frame(table)
        X = validate_data(
            self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64, order="C"
        )
        if reset:
            if hasattr(self, "feature_names_in_"):
                names = [str(n) for n in self.feature_names_in_]
            else:
                names = [f"x{j}" for j in range(X.shape[1])]
            self._names = names
        if np.isinf(X).any():
            raise ValueError("Input X contains infinity: a missing value is NaN")
        return _attrition.Frame.from_numpy(np.ascontiguousarray(X), list(self._names))

    # ----- scikit-learn API -----------------------------------------------------------------------

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "ChurnClassifier":
        """Fits on `X` and binary labels `y` (weights optional)."""
        if self.model not in _MODELS:
            raise ValueError(f"model must be one of {_MODELS}, got {self.model!r}")
        for attr in ("feature_names_in_", "n_features_in_"):
            if hasattr(self, attr):
                delattr(self, attr)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        frame = self._frame(X, reset=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            import warnings

            from sklearn.exceptions import DataConversionWarning

            warnings.warn(
                "A column-vector y was passed when a 1d array was expected.", DataConversionWarning, stacklevel=2
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-dimensional, got shape {y.shape}")
        if len(y) != frame.n_rows:
            raise ValueError(f"X has {frame.n_rows} rows but y has {len(y)}")
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {y_type}: "
                "ChurnClassifier needs exactly 2 classes (churned and retained)"
            )
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) != 2:
            raise ValueError(
                f"ChurnClassifier needs 2 classes (churned and retained); y has only one class: {classes[0]!r}"
            )
        self.classes_ = classes
        frame = frame.with_labels(np.ascontiguousarray(encoded == 1))
        if sample_weight is not None:
            w = _check_sample_weight(sample_weight, np.empty((frame.n_rows, 0)), dtype=np.float64)
            frame = frame.with_weights(np.ascontiguousarray(w))
        import json

        self.model_ = _attrition.Model.fit(
            frame,
            model=self.model,
            seed=self._seed(),
            c=float(self.C),
            penalty=self.penalty,
            budget_seconds=float(self.budget_seconds),
            params=json.dumps(self.params) if self.params else None,
            calibrate=self.calibrate,
        )
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` per row; column 1 is P(churn)."""
        check_is_fitted(self)
        p = self.model_.predict_proba(self._frame(X, reset=False))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where P(churn) ≥ 0.5, else ``classes_[0]``."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p >= 0.5).astype(int)]

    def explain(self, X: Any) -> Explanation:
        """Each feature's contribution to each row's churn log-odds (exact TreeSHAP for trees,
        coefficient × standardised value for logistic regression)."""
        check_is_fitted(self)
        c, names, base = self.model_.explain(self._frame(X, reset=False))
        return Explanation(contributions=c, feature_names=list(names), base=float(base))

    # ----- pickling: the model travels as its model file ------------------------------------------

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = state["model_"].to_bytes()
        return state

    def __setstate__(self, state: dict) -> None:
        if isinstance(state.get("model_"), (bytes, bytearray)):
            state["model_"] = _attrition.Model.from_bytes(bytes(state["model_"]))
        self.__dict__.update(state)
