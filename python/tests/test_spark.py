"""Spark (local[2]): feature building and scoring per partition equal the CLI's output.

Needs pyspark and a Java runtime (Debian's openjdk-17-jre-headless); skipped without them,
except in CI (CI=true), where .ci/run installs both and a missing one fails.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import attrition

FROM, TO, DATA_END, SNAPSHOT = "2024-06-30", "2024-10-31", "2025-02-28", "2025-03-01"


def _need_spark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("pyspark is not installed; CI needs it")
        pytest.skip("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI") == "true":
            pytest.fail("no Java runtime; CI needs openjdk-17-jre-headless")
        pytest.skip("no Java runtime")


@pytest.fixture(scope="module")
def spark():
    _need_spark()
    import sys

    from pyspark.sql import SparkSession

    # Workers run this interpreter (the one with attrition installed).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    s = (
        SparkSession.builder.master("local[2]")
        .appName("attrition-test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    dir = tmp_path_factory.mktemp("world")
    attrition.simulate(300, months=14, seed=3).write_dir(dir)
    return dir


def _read(spark, dir):
    tables = {}
    for name in ["customers", "subscriptions", "events", "nps", "campaign"]:
        path = dir / f"{name}.csv"
        if path.exists():
            tables[name] = spark.read.csv(str(path), header=True)
    return tables


def _arrow(df):
    return df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_pandas(df.toPandas(), preserve_index=False)


def test_spark_features_and_scores_equal_the_cli(spark, world, tmp_path, cli):
    from attrition import spark as aspark

    cat = tmp_path / "catalogue.json"
    snap_cli = tmp_path / "snapshot.csv"
    obs_cli = tmp_path / "obs.csv"
    cli("features", "--tables", str(world), "--snapshot", SNAPSHOT, "--save-catalogue", str(cat), "--out", str(snap_cli))
    cli("features", "--tables", str(world), "--from", FROM, "--to", TO, "--data-end", DATA_END,
        "--catalogue", str(cat), "--out", str(obs_cli))
    model_file = tmp_path / "model.json"
    cli("train", "--data", str(obs_cli), "--as-of", "as_of", "--model", "gbdt", "--cv-folds", "0",
        "--out", str(model_file), "--quiet")
    scores_cli = tmp_path / "scores.csv"
    cli("score", "--model", str(model_file), "--data", str(snap_cli), "--out", str(scores_cli), "--quiet")

    tables = _read(spark, world)
    catalogue = cat.read_text()
    # The driver's own resolution of the catalogue is the CLI's.
    assert aspark.resolve_catalogue(attrition.read_tables(world)) == catalogue

    # Labelled observations: per partition, then sorted, byte-identical to the CLI's CSV.
    obs = _arrow(aspark.features(tables, catalogue, from_=FROM, to=TO, data_end=DATA_END, partitions=3))
    obs = obs.sort_by([("customer_id", "ascending"), ("as_of", "ascending")])
    mine = tmp_path / "obs_spark.csv"
    attrition.Frame.from_arrow(obs, id="customer_id", as_of="as_of", target="churned").write_csv(str(mine))
    assert mine.read_bytes() == obs_cli.read_bytes()

    # Snapshot and scores: the model broadcast, each partition scoring its customers.
    snap_df = aspark.snapshot(tables, catalogue, date=SNAPSHOT, partitions=3)
    snap = _arrow(snap_df).sort_by("customer_id")
    mine = tmp_path / "snap_spark.csv"
    attrition.Frame.from_arrow(snap, id="customer_id", as_of="as_of").write_csv(str(mine))
    assert mine.read_bytes() == snap_cli.read_bytes()

    model = attrition.load_model(model_file)
    scored = _arrow(aspark.score(snap_df, model)).sort_by("customer_id")
    expected = pacsv.read_csv(scores_cli, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert scored.column("customer_id").to_pylist() == expected.column("customer_id").to_pylist()
    # The CLI writes P(churn) with 6 decimals; Spark's full-precision values print the same.
    assert [f"{p:.6f}" for p in scored.column("p_churn").to_pylist()] == [
        line.split(",")[1] for line in scores_cli.read_text().splitlines()[1:]
    ]
    for col in ["risk_tier", "reason_1", "reason_2", "reason_3"]:
        assert scored.column(col).to_pylist() == expected.column(col).to_pylist(), col
    # And equal, bit for bit, to scoring the whole snapshot in one process.
    whole = attrition.score(model, pacsv.read_csv(snap_cli)).sort_by("customer_id")
    np.testing.assert_array_equal(scored.column("p_churn").to_numpy(), whole.column("p_churn").to_numpy())


def test_a_partition_failure_raises_the_cli_message(spark, world, tmp_path, cli):
    from attrition import spark as aspark

    bad = tmp_path / "bad"
    shutil.copytree(world, bad)
    lines = (bad / "events.csv").read_text().splitlines(keepends=True)
    fields = lines[5].split(",")
    fields[1] = "2024-13-45T00:00:00Z"
    lines[5] = ",".join(fields)
    (bad / "events.csv").write_text("".join(lines))
    r = cli("features", "--tables", str(bad), "--snapshot", SNAPSHOT, "--out", str(tmp_path / "x.csv"), check=False)
    assert r.returncode != 0
    message = next(line for line in r.stderr.splitlines() if "bad_date" in line)
    # The CLI names events.csv line 6; the partition's own file and line differ, the rest is the same.
    assert "events.csv:6 column `timestamp`" in message
    what = message.split("column `timestamp`: ", 1)[1]
    catalogue = aspark.resolve_catalogue(attrition.read_tables(world))
    with pytest.raises(Exception) as info:
        aspark.snapshot(_read(spark, bad), catalogue, date=SNAPSHOT, partitions=2).collect()
    assert what in str(info.value)
    assert "column `timestamp`" in str(info.value)


def _with_mixed_attributes(world, dir):
    """``world`` with two customer attributes whose kind only all rows decide: ``trial`` is ``0``
    / ``1`` except one customer's ``yes`` (a boolean over all customers, so features read
    ``true`` / ``false``; numbers in every partition without that customer), and ``region``, with
    a level one customer has."""
    import csv

    shutil.copytree(world, dir)
    with open(dir / "customers.csv", newline="") as f:
        rows = list(csv.reader(f))
    rows[0] += ["trial", "region"]
    for i, row in enumerate(rows[1:]):
        row.append("yes" if i == 7 else str(i % 2))
        row.append("antarctica" if i == 11 else ["north", "south"][i % 2])
    with open(dir / "customers.csv", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return dir


def test_spark_partitions_use_the_populations_context(spark, world, tmp_path, cli):
    """Issue 20: every partition builds its columns with the population's attribute kinds and
    data end (``global_context``, one pass, broadcast), so Spark's features are the CLI's over all
    rows — also where a partition's own values would suggest another kind."""
    import json

    from attrition import spark as aspark

    mixed = _with_mixed_attributes(world, tmp_path / "mixed")
    obs_cli, snap_cli = tmp_path / "obs.csv", tmp_path / "snapshot.csv"
    # No data end, no catalogue: the CLI infers both over all rows.
    cli("features", "--tables", str(mixed), "--from", FROM, "--to", TO, "--out", str(obs_cli))
    cli("features", "--tables", str(mixed), "--snapshot", SNAPSHOT, "--out", str(snap_cli))

    tables = _read(spark, mixed)
    context = aspark.global_context(tables, partitions=3)
    kinds = dict(json.loads(context)["attribute_kinds"])
    assert kinds["trial"] == "boolean" and kinds["region"] == "categorical", kinds
    assert json.loads(context)["catalogue"] == json.loads(aspark.resolve_catalogue(attrition.read_tables(mixed)))

    obs = _arrow(aspark.features(tables, context, from_=FROM, to=TO, partitions=3))
    obs = obs.sort_by([("customer_id", "ascending"), ("as_of", "ascending")])
    mine = tmp_path / "obs_spark.csv"
    attrition.Frame.from_arrow(obs, id="customer_id", as_of="as_of", target="churned").write_csv(str(mine))
    assert mine.read_bytes() == obs_cli.read_bytes()

    snap = _arrow(aspark.snapshot(tables, context, date=SNAPSHOT, partitions=3)).sort_by("customer_id")
    mine = tmp_path / "snap_spark.csv"
    attrition.Frame.from_arrow(snap, id="customer_id", as_of="as_of").write_csv(str(mine))
    assert mine.read_bytes() == snap_cli.read_bytes()
    assert set(snap.column("trial").to_pylist()) == {"true", "false"}

    # With only the resolved catalogue, each partition reads `trial` with its own kind: the
    # partitions without the `yes` customer see numbers and keep `0` / `1`.
    catalogue = aspark.resolve_catalogue(attrition.read_tables(mixed))
    own = _arrow(aspark.snapshot(tables, catalogue, date=SNAPSHOT, partitions=3))
    assert {"0", "1"} <= set(own.column("trial").to_pylist())


def _coded_sample(dir):
    """The bundled sample with its event types renamed ``e00``, ``e01``, … (in name order), so
    the simulator's catalogue does not apply and event roles must be discovered."""
    from conftest import SAMPLE

    shutil.copytree(SAMPLE, dir)
    lines = (dir / "events.csv").read_text().splitlines(keepends=True)
    rows = [line.split(",", 3) for line in lines[1:]]
    codes = {name: f"e{i:02d}" for i, name in enumerate(sorted({r[2] for r in rows}))}
    with open(dir / "events.csv", "w") as f:
        f.write(lines[0])
        for r in rows:
            r[2] = codes[r[2]]
            f.write(",".join(r))
    return dir


def test_spark_discovers_the_same_event_roles_as_the_cli(spark, tmp_path, cli):
    """Issue 20: with event names that are not the simulator's, each partition's discovery counts
    are added up on the driver and the roles chosen once: the same catalogue file as
    ``attrition catalogue`` and the same resolved catalogue as ``features --save-catalogue``,
    with no catalogue given (before, ``global_context`` refused without ``catalogue=``)."""
    import json

    from attrition import spark as aspark

    coded = _coded_sample(tmp_path / "coded")
    roles_cli, resolved_cli = tmp_path / "roles.json", tmp_path / "resolved.json"
    cli("catalogue", "--tables", str(coded), "--out", str(roles_cli), "--quiet")
    cli("features", "--tables", str(coded), "--snapshot", "2025-12-01", "--save-catalogue", str(resolved_cli),
        "--out", str(tmp_path / "snap.csv"))
    roles = json.loads(roles_cli.read_text())
    assert not any(e["event_type"] in ("login", "support_ticket") for e in roles["events"])
    assert {e["role"] for e in roles["events"]} > {"other"}, "discovery found roles"

    tables = _read(spark, coded)
    assert aspark.event_catalogue(tables, partitions=3) == roles_cli.read_text()
    assert aspark.resolve_catalogue(tables, partitions=3) == resolved_cli.read_text()
    # The same over another partitioning (partition counts add up in any grouping).
    assert aspark.event_catalogue(tables, partitions=2) == roles_cli.read_text()
