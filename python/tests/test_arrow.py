"""DataFrames in through Arrow: pandas, polars and pyarrow give the same model and probabilities."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import attrition
from attrition import ChurnClassifier

from conftest import churn_matrix, need


def _table():
    x, y = churn_matrix(500, seed=5)
    rng = np.random.default_rng(5)
    plan = rng.choice(["basic", "pro", "enterprise"], size=len(y))
    plan_list = [None if i % 17 == 0 else p for i, p in enumerate(plan)]
    t = pa.table(
        {
            "tenure": pa.array(x[:, 0], mask=np.isnan(x[:, 0])),
            "usage": pa.array(x[:, 1], mask=np.isnan(x[:, 1])),
            "seats": pa.array((np.abs(x[:, 2] * 10) // 1).astype("int64"), mask=np.isnan(x[:, 2])),
            "plan": pa.array(plan_list, type=pa.string()),
            "annual": pa.array(rng.random(len(y)) < 0.3),
        }
    )
    return t, y


def test_pandas_polars_pyarrow_agree():
    pl = need("polars")
    t, y = _table()
    frames = {"pyarrow": t, "pandas": t.to_pandas(), "polars": pl.from_arrow(t)}
    results = {}
    for name, df in frames.items():
        clf = ChurnClassifier(model="gbdt", random_state=7).fit(df, y)
        assert list(clf.feature_names_in_) == ["tenure", "usage", "seats", "plan", "annual"]
        kinds = dict(clf.model_.features)
        assert kinds["plan"] == "categorical" and kinds["annual"] == "categorical"
        assert kinds["seats"] == "numeric"
        results[name] = (clf.model_.to_bytes(), clf.predict_proba(df)[:, 1])
    ref_bytes, ref_p = results["pyarrow"]
    for name, (b, p) in results.items():
        assert b == ref_bytes, name
        np.testing.assert_array_equal(p, ref_p, err_msg=name)


def test_pandas_categorical_and_column_order():
    pd = need("pandas")
    t, y = _table()
    df = t.to_pandas()
    df["plan"] = df["plan"].astype("category")
    clf = ChurnClassifier(model="logistic").fit(df, y)
    shuffled = df[["annual", "plan", "seats", "usage", "tenure"]]
    np.testing.assert_array_equal(clf.predict_proba(shuffled), clf.predict_proba(df))
    with pytest.raises(ValueError, match="lacks the features"):
        clf.predict_proba(df.drop(columns=["plan"]))
    assert isinstance(pd, object)


def test_round_trip_of_frames():
    t, y = _table()
    f = attrition.Frame.from_arrow(t.append_column("churned", pa.array(y.astype(bool))), target="churned")
    assert f.n_rows == len(y) and f.feature_names == ["tenure", "usage", "seats", "plan", "annual"]
    back = f.to_arrow()
    assert back.column("plan").to_pylist() == t.column("plan").to_pylist()
    np.testing.assert_array_equal(
        np.asarray(back.column("tenure").to_numpy(zero_copy_only=False), dtype=float),
        np.asarray(t.column("tenure").to_numpy(zero_copy_only=False), dtype=float),
    )
    assert back.column("churned").to_pylist() == [bool(v) for v in y]


def test_bad_columns_name_the_column():
    t, y = _table()
    bad = t.append_column("signup", pa.array([None] * len(y), type=pa.date32()))
    with pytest.raises(attrition.DataError, match="column `signup` is a date"):
        ChurnClassifier().fit(bad, y)
    clf = ChurnClassifier(model="logistic").fit(t, y)
    words = t.set_column(0, "tenure", pa.array(["12"] * (len(y) - 1) + ["twelve"]))
    with pytest.raises(attrition.DataError, match=r"column `tenure`, row 499: value \"twelve\": expected a number"):
        clf.predict_proba(words)
