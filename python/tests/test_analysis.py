"""KPIs, Kaplan–Meier, expected profit, EMPC and uplift through the bindings."""

from __future__ import annotations

import json

import numpy as np
import pytest

import attrition

from conftest import SAMPLE


def test_kaplan_meier_by_hand():
    # S(t) = Π (1 − d/n): 4 at risk, 1 event at 1 → 0.75; 3 at risk, 1 event at 2 → 0.5;
    # one censored at 2; 1 at risk, 1 event at 3 → 0.
    km = attrition.kaplan_meier([1, 2, 2, 3], [True, True, False, True])
    surv = {p["time"]: p["survival"] for p in km["points"]}
    assert surv == {0.0: 1.0, 1.0: 0.75, 2.0: 0.5, 3.0: 0.0}
    # lifelines' median_survival_time_: the first time S(t) <= 0.5.
    assert km["median"] == 2.0
    assert attrition.kaplan_meier([1, 2, 3], [True, False, False])["median"] is None
    with pytest.raises(attrition.AttritionError, match="empty data"):
        attrition.kaplan_meier([], [])


def test_kpi_equals_the_cli(sample_tables, cli):
    mine = attrition.kpi(sample_tables)
    theirs = json.loads(cli("kpi", "--tables", str(SAMPLE), "--json").stdout)
    assert mine == theirs
    assert len(mine["periods"]) > 12


def test_expected_profit_and_empc():
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.2
    good = np.where(y, 0.6, 0.15) + rng.normal(0, 0.05, len(y))
    plan = attrition.expected_profit(np.clip(good, 0, 1), np.full(len(y), 500.0), offer_cost=30,
                                     contact_cost=1, acceptance=0.3)
    by_profit, by_risk = plan["by_expected_profit"], plan["by_churn_probability"]
    assert 0 < by_profit["best_size"] < len(y)
    assert by_profit["best_profit"] >= by_risk["best_profit"] > 0
    strong = attrition.empc(y, good)
    weak = attrition.empc(y, rng.random(len(y)))
    assert strong["value"] > weak["value"] >= 0.0


def test_uplift_qini():
    rng = np.random.default_rng(1)
    n = 4000
    treated = rng.random(n) < 0.5
    responsive = rng.random(n) < 0.5
    churn_p = np.where(treated & responsive, 0.1, 0.3)
    y = rng.random(n) < churn_p
    good = responsive.astype(float) + rng.normal(0, 0.1, n)
    q_good = attrition.uplift(y, good, treated)["qini_coefficient"]
    q_bad = attrition.uplift(y, -good, treated)["qini_coefficient"]
    assert q_good > q_bad
