"""The domain API against the CLI: same features, same model files, same scores, same errors."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import attrition

from conftest import SAMPLE


def test_read_tables_and_features(sample_tables, sample_obs):
    assert sample_tables.n_customers == 3000
    assert "customers.csv" in sample_tables.report
    t = sample_obs
    assert t.column_names[:2] == ["customer_id", "as_of"] and t.column_names[-1] == "churned"
    assert t.schema.field("as_of").type == pa.date32()
    assert 0.0 < np.mean(t.column("churned").to_numpy()) < 0.5


def test_features_equal_the_cli_byte_for_byte(tmp_path, cli, sample_tables):
    out = tmp_path / "cli.csv"
    cli("features", "--tables", str(SAMPLE), "--from", "2025-01-31", "--to", "2025-06-30", "--out", str(out))
    frame = attrition._attrition.features(sample_tables, "2025-01-31", "2025-06-30")
    mine = tmp_path / "py.csv"
    frame.write_csv(str(mine))
    assert mine.read_bytes() == out.read_bytes()
    snap = tmp_path / "snap.csv"
    cli("features", "--tables", str(SAMPLE), "--snapshot", "2025-12-01", "--out", str(snap))
    mine = tmp_path / "snap_py.csv"
    attrition._attrition.snapshot(sample_tables, "2025-12-01").write_csv(str(mine))
    assert mine.read_bytes() == snap.read_bytes()


def test_train_writes_the_cli_model_file(tmp_path, cli, sample_tables):
    obs = tmp_path / "obs.csv"
    attrition._attrition.features(sample_tables, "2025-01-31", "2025-04-30").write_csv(str(obs))
    for family in ["logistic", "gbdt"]:
        cli_model = tmp_path / f"cli_{family}.json"
        cli("train", "--data", str(obs), "--as-of", "as_of", "--model", family, "--seed", "9", "--cv-folds", "3",
            "--out", str(cli_model), "--quiet")
        m = attrition.train(obs, as_of="as_of", model=family, seed=9, cv_folds=3, out=tmp_path / f"py_{family}.json")
        assert m.to_bytes() == cli_model.read_bytes(), family
        assert (tmp_path / f"py_{family}.json").read_bytes() == cli_model.read_bytes()
        # Scoring a CSV file: the CLI's output byte for byte.
        scored_cli = tmp_path / f"scores_cli_{family}.csv"
        cli("score", "--model", str(cli_model), "--data", str(obs), "--out", str(scored_cli), "--quiet")
        scored_py = tmp_path / f"scores_py_{family}.csv"
        report = json.loads(attrition.load_model(cli_model).score_csv(str(obs), str(scored_py)))
        assert report["rows_scored"] > 0
        assert scored_py.read_bytes() == scored_cli.read_bytes()
        # Scoring a table: the same probabilities (full precision here, 6 decimals in the CSV).
        table = pacsv.read_csv(obs, convert_options=pacsv.ConvertOptions(column_types={"customer_id": pa.string()}))
        s = attrition.score(m, table)
        cli_scores = pacsv.read_csv(scored_cli)
        np.testing.assert_allclose(s.column("p_churn").to_numpy(), cli_scores.column("p_churn").to_numpy(), atol=5e-7)
        assert s.column("risk_tier").to_pylist() == cli_scores.column("risk_tier").to_pylist()
        # The CSV writes an absent reason (low tier: none) as an empty field; the table as null.
        assert s.column("reason_1").to_pylist() == [
            r if r != "" else None for r in cli_scores.column("reason_1").to_pylist()
        ]
        # The playbook's action for the reasons, as the CLI's `action` column.
        cli_actions = [r if r != "" else None for r in cli_scores.column("action").to_pylist()]
        assert s.column("action").to_pylist() == cli_actions
        assert any(a is not None for a in cli_actions), family


def test_a_model_reads_scoring_files_as_its_training_file_was_read(tmp_path, cli):
    """No id column, `?` for missing, `;` with decimal commas: the model records how its file was
    read (as `attrition train` does), so `score_csv` needs no options, like `attrition score`."""
    rng = np.random.default_rng(5)
    lines = ["usage;plan;seats;churned"]
    for i in range(400):
        usage = "?" if i % 17 == 0 else f"{rng.gamma(2.0, 3.0):.2f}".replace(".", ",")
        plan = "?" if i % 23 == 0 else ["basic", "pro", "team"][i % 3]
        churn = "yes" if rng.random() < 0.3 + (0.2 if plan == "basic" else 0.0) else "no"
        lines.append(f"{usage};{plan};{int(rng.integers(1, 50))};{churn}")
    data = tmp_path / "export.csv"
    data.write_text("\n".join(lines) + "\n")
    cli_model = tmp_path / "cli.json"
    cli("train", "--data", str(data), "--target", "churned", "--id", "none", "--na-values", "?",
        "--model", "logistic", "--out", str(cli_model), "--quiet")
    m = attrition.train(data, id="none", na_values=["?"], model="logistic")
    assert m.to_bytes() == cli_model.read_bytes()
    recorded = json.loads(m.to_bytes())["input"]
    assert recorded == {"row_ids": True, "na_values": ["?"], "decimal_comma": True}
    scored_cli = tmp_path / "scores_cli.csv"
    cli("score", "--model", str(cli_model), "--data", str(data), "--out", str(scored_cli), "--quiet")
    scored_py = tmp_path / "scores_py.csv"
    report = json.loads(m.score_csv(str(data), str(scored_py)))
    assert report["rows_scored"] == 400
    assert scored_py.read_bytes() == scored_cli.read_bytes()
    # Told otherwise, it reads otherwise: without the markers, `?` is an unseen plan and the
    # usage column does not parse.
    with pytest.raises(attrition.DataError):
        m.score_csv(str(data), str(tmp_path / "other.csv"), id="customer_id")


def test_train_score_snapshot_in_python(sample_tables, sample_obs):
    m = attrition.train(sample_obs, model="logistic", cv_folds=0)
    assert m.kind == "logistic" and m.training_rows == sample_obs.num_rows
    now = attrition.snapshot(sample_tables, "2025-12-01")
    s = attrition.score(m, now)
    assert s.column_names == ["customer_id", "p_churn", "risk_tier", "reason_1", "reason_2", "reason_3",
                              "reason_1_text", "reason_2_text", "reason_3_text", "action"]
    assert s.num_rows == now.num_rows
    p = s.column("p_churn").to_numpy()
    assert ((p > 0) & (p < 1)).all()
    assert s.schema.metadata[b"attrition.reasons_method"] == b"Shapley values (TreeSHAP)"
    e = attrition.evaluate(sample_obs, model="logistic", folds=3)
    assert e["grouped_by_customer"] is True and 0.6 < e["roc_auc"] < 1.0


def test_errors_carry_the_cli_text_and_location(tmp_path, cli):
    bad = tmp_path / "bad.csv"
    rows = [f"c{i},{'ten' if i == 9 else i},{i % 2}" for i in range(1, 41)]
    bad.write_text("customer_id,tenure,churned\n" + "\n".join(rows) + "\n")
    with pytest.raises(attrition.DataError) as info:
        attrition.train(bad, model="logistic")
    e = info.value
    assert (e.kind, e.line, e.column) == ("BadRow", 10, "tenure")
    r = cli("train", "--data", str(bad), "--model", "logistic", "--out", str(tmp_path / "m.json"), check=False)
    assert r.returncode != 0
    assert str(e) in r.stderr
    with pytest.raises(attrition.AttritionIOError, match="cannot"):
        attrition.read_tables(tmp_path / "nowhere")
    model = tmp_path / "m.json"
    attrition.train(attrition.features(attrition.simulate(400, 14, 1), "2024-06-30", "2024-09-30"),
                    model="logistic", cv_folds=0, out=model)
    with pytest.raises(attrition.AttritionIOError, match="already exists"):
        attrition.train(attrition.features(attrition.simulate(400, 14, 1), "2024-06-30", "2024-09-30"),
                        model="logistic", cv_folds=0, out=model)
    body = json.loads(model.read_text())
    body["training_rows"] = body["training_rows"] + 1
    model.write_text(json.dumps(body))
    with pytest.raises(attrition.ModelFileError, match="checksum"):
        attrition.load_model(model)


def test_gil_is_released_during_fit():
    import threading
    import time

    x = np.random.default_rng(0).normal(size=(20000, 10))
    y = (x[:, 0] > 0).astype(int)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    start = len(ticks)
    attrition.ChurnClassifier(model="gbdt").fit(x, y)
    during = len(ticks) - start
    stop.set()
    t.join()
    # A thread holding the GIL for the whole fit would leave the ticker at 0 or 1 tick.
    assert during > 5


def test_parquet_tables_read_as_their_csv_twins(tmp_path, cli):
    """The package reads Parquet as the CLI does (the same world written both ways gives the same
    features byte for byte)."""
    worlds = {}
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        cli("simulate", "--customers", "300", "--months", "12", "--seed", "5", "--format", fmt, "--out", str(out))
        assert any(p.suffix == f".{fmt}" for p in out.iterdir())
        worlds[fmt] = attrition.read_tables(str(out))
    written = {}
    for fmt, tables in worlds.items():
        path = tmp_path / f"features_{fmt}.csv"
        attrition._attrition.features(tables, "2024-06-30", "2024-09-30").write_csv(str(path))
        written[fmt] = path.read_bytes()
    assert written["csv"] == written["parquet"]


def test_a_python_trained_model_records_its_feature_build(tmp_path, sample_tables, cli):
    """features(save_build=) and train(feature_build=) as --save-build / --feature-build: the
    model then builds its exact features in snapshot(model=) and scores like the CLI's."""
    build = tmp_path / "build.json"
    obs = attrition.features(sample_tables, "2025-01-31", "2025-06-30", save_build=build)
    cli_build = tmp_path / "cli_build.json"
    cli("features", "--tables", str(SAMPLE), "--from", "2025-01-31", "--to", "2025-06-30",
        "--out", str(tmp_path / "obs.csv"), "--save-build", str(cli_build))
    assert build.read_bytes() == cli_build.read_bytes()
    with pytest.raises(attrition.AttritionError, match="already exists"):
        attrition.features(sample_tables, "2025-01-31", "2025-06-30", save_build=build)
    m = attrition.train(obs, as_of="as_of", model="logistic", feature_build=build, cv_folds=0)
    snap = attrition.snapshot(sample_tables, "2025-12-01", model=m)
    scores = attrition.score(m, snap)
    assert scores.num_rows == snap.num_rows > 0
