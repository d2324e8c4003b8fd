"""ChurnClassifier: scikit-learn conformance, determinism, pipelines, explanations."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import attrition
from attrition import ChurnClassifier

from conftest import churn_matrix

# The checks of scikit-learn's suite that do not apply, and why (every other check runs and
# must pass).
EXPECTED_FAILED_CHECKS = {
    # Boosted trees subsample rows and hold out an early-stopping set drawn by the seed, so a
    # weight of 2 is not the same model as a repeated row (logistic regression passes it; see
    # test_weight_two_equals_repeated_row_logistic).
    "check_sample_weight_equivalence_on_dense_data": "seeded row sampling: weights are not repetitions",
}


@pytest.mark.parametrize("family", ["logistic", "gbdt"])
def test_check_estimator(family):
    # Logistic regression passes every check, the weight equivalence included.
    expected = EXPECTED_FAILED_CHECKS if family != "logistic" else {}
    check_estimator(ChurnClassifier(model=family), expected_failed_checks=expected)


def test_learns_and_orders_classes():
    x, y = churn_matrix()
    for family in ["logistic", "gbdt", "auto"]:
        clf = ChurnClassifier(model=family, random_state=1).fit(x[:400], y[:400])
        from sklearn.metrics import roc_auc_score

        auc = roc_auc_score(y[400:], clf.predict_proba(x[400:])[:, 1])
        assert auc > 0.75, (family, auc)
    labels = np.where(y == 1, "Yes", "No")
    clf = ChurnClassifier(model="logistic").fit(x, labels)
    assert list(clf.classes_) == ["No", "Yes"]
    p = clf.predict_proba(x)[:, 1]
    assert set(clf.predict(x)) <= {"No", "Yes"}
    # Column 1 is P(churn) = P("Yes"): it is higher where the signal says churn.
    assert p[x[:, 0] > 1].mean() > p[x[:, 0] < -1].mean()


def test_deterministic_per_seed():
    x, y = churn_matrix()
    a = ChurnClassifier(model="gbdt", random_state=3).fit(x, y)
    b = ChurnClassifier(model="gbdt", random_state=3).fit(x, y)
    c = ChurnClassifier(model="gbdt", random_state=4).fit(x, y)
    assert a.model_.to_bytes() == b.model_.to_bytes()
    assert a.model_.to_bytes() != c.model_.to_bytes()


def test_cross_val_score_and_pipeline():
    x, y = churn_matrix()
    scores = cross_val_score(ChurnClassifier(model="logistic"), x, y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,) and scores.min() > 0.7
    pipe = make_pipeline(StandardScaler(), ChurnClassifier(model="gbdt"))
    pipe.fit(x, y)
    assert pipe.predict_proba(x).shape == (len(y), 2)


def test_pickle_keeps_predictions_exactly():
    x, y = churn_matrix()
    clf = ChurnClassifier(model="gbdt").fit(x, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(x), clf.predict_proba(x))


def test_explain_adds_up_to_the_log_odds():
    x, y = churn_matrix()
    for family in ["logistic", "gbdt"]:
        clf = ChurnClassifier(model=family).fit(x, y)
        e = clf.explain(x)
        assert e.contributions.shape == (len(y), 4)
        assert e.feature_names == ["x0", "x1", "x2", "x3"]
        logit = e.contributions.sum(axis=1) + e.base
        np.testing.assert_allclose(1 / (1 + np.exp(-logit)), clf.predict_proba(x)[:, 1], rtol=1e-9, atol=1e-12)
        # x0 drives churn up: its contribution rises with it.
        assert np.corrcoef(x[~np.isnan(x[:, 0]), 0], e.contributions[~np.isnan(x[:, 0]), 0])[0, 1] > 0.5


def test_weight_two_equals_repeated_row_logistic():
    x, y = churn_matrix(200)
    x = np.nan_to_num(x)
    w = np.ones(len(y))
    w[:50] = 2.0
    a = ChurnClassifier(model="logistic").fit(x, y, sample_weight=w)
    b = ChurnClassifier(model="logistic").fit(np.vstack([x, x[:50]]), np.concatenate([y, y[:50]]))
    np.testing.assert_allclose(a.predict_proba(x), b.predict_proba(x), atol=1e-6)


def test_errors_are_value_errors_with_the_library_text():
    x, y = churn_matrix()
    with pytest.raises(ValueError, match="only one class"):
        ChurnClassifier().fit(x, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Only binary classification"):
        ChurnClassifier().fit(x, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="model must be one of"):
        ChurnClassifier(model="forest").fit(x, y)
    with pytest.raises(attrition.ParameterError, match="invalid parameter `C`"):
        ChurnClassifier(model="logistic", C=-1.0).fit(x, y)
    clf = ChurnClassifier(model="logistic").fit(x, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict_proba(x[:, :3])


def test_ensemble_is_deprecated_and_runs_auto_with_budget_zero():
    # As the CLI's `--model ensemble`: a warning, then `auto` with a budget of 0 — only
    # logistic regression and the default boosted trees are tried, and the blend is scored.
    import json

    x, y = churn_matrix()
    with pytest.warns(DeprecationWarning, match="ensemble"):
        clf = ChurnClassifier(model="ensemble", random_state=3).fit(x[:400], y[:400])
    body = json.loads(clf.model_.to_json())
    selection = body["selection"]
    assert selection["budget_seconds"] == 0
    assert [row["name"] for row in selection["table"]] == ["logistic", "gbdt", "blend"]
    assert clf.model_.kind in ("logistic", "gbdt", "ensemble")
    # The same model, byte for byte, as the CLI's `--model ensemble` would fit: auto at budget 0
    # through the parameters' override (the public budget must be > 0).
    same = ChurnClassifier(model="auto", random_state=3, params={"auto": {"budget_seconds": 0.0}})
    assert same.fit(x[:400], y[:400]).model_.to_bytes() == clf.model_.to_bytes()
