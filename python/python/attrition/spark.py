"""Feature building and scoring on Apache Spark, one partition at a time.

Spark does the distribution, shuffling, retries and scheduling; each partition runs attrition's
feature builder and model in the Python worker, on Arrow batches (``mapInArrow``), with the GIL
released. The recipe:

1. Read the raw tables as Spark DataFrames of strings (``spark.read.csv(path, header=True)``:
   no type inference, so values reach attrition exactly as the CLI reads them).
2. :func:`global_context` once: a pass over the partitions collects each one's population
   counts (events per type, the evidence of each customer attribute's kind, the dated rows of
   the data end), the driver adds them up and resolves the feature catalogue, the attribute
   kinds and the data end of the whole population — what the CLI decides over all customers.
   Event names that are not the simulator's get their roles discovered as ``attrition
   features`` does: a second pass counts each partition up to the population's data end, and
   the driver adds the counts up and chooses the catalogue once (:func:`event_catalogue`
   gives the roles as ``attrition catalogue`` writes them).
3. :func:`features` (labelled) or :func:`snapshot` (current customers), with the context
   broadcast: the tables are tagged, unioned and repartitioned by ``customer_id``, so each
   customer's rows meet in one partition, where they are written as a tables directory, read
   by :func:`attrition.read_tables` (same reader, same errors as the CLI) and given the
   population's decisions — a partition whose values of a ``yes``/``no``/``1``/``0`` column
   happen to all be numbers still reads it as a boolean, as the CLI does over all rows.
4. :func:`score`: the model file's bytes are broadcast once; each partition scores its rows.

A partition's failure raises in Spark with the library's message (a bad row names its column
and value; its file and line are those of the partition's temporary file).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, Iterator, Optional

import pyarrow as pa
import pyarrow.csv as pacsv

import attrition

from . import _attrition

TABLE_COLUMN = "_attrition_table"
_OPTIONAL = ("nps", "campaign")


def resolve_catalogue(tables: Any, *, max_event_types: int = 200, partitions: Optional[int] = None) -> str:
    """The resolved feature catalogue (JSON) of ``tables``, as ``features --save-catalogue``
    writes it. ``tables``: an :class:`attrition.Tables` (resolved in this process), or Spark
    DataFrames as for :func:`features` — then resolved on the driver from every partition's
    counts (:func:`global_context`: the simulator's event roles when the data speaks its event
    names, otherwise roles discovered from every partition's discovery counts, added up)."""
    if isinstance(tables, attrition.Tables):
        return _attrition.resolve_catalogue(tables, max_event_types=max_event_types)
    context = global_context(tables, max_event_types=max_event_types, partitions=partitions)
    return _attrition.context_catalogue(context)


def event_catalogue(
    tables: Dict[str, Any],
    *,
    until: Optional[str] = None,
    landmark_days: int = 90,
    horizon_days: int = 180,
    signal_min_risk_ratio: float = 1.25,
    partitions: Optional[int] = None,
) -> str:
    """The event roles (JSON) discovered over Spark DataFrames ``tables``, as ``attrition
    catalogue --out`` writes them for the same tables and options (editable; give it to
    ``attrition features --event-catalogue``). Each partition counts its customers (``until``
    defaults to the population's data end, from a first pass); the driver adds the counts up
    and computes the statistics and roles once."""
    if until is None:
        until = _attrition.discovery_until(_population_counts(tables, partitions), simulator_ok=False)
    params = dict(landmark_days=landmark_days, horizon_days=horizon_days, signal_min_risk_ratio=signal_min_risk_ratio)
    counts = _discovery_counts(tables, until, params, partitions)
    return _attrition.discovered_catalogue(counts, **params)


def _per_partition_counts(tables: Dict[str, Any], partitions: Optional[int], count) -> list:
    """``count(tables)`` (a JSON text) of every partition with customers, collected on the driver."""
    columns = {name: list(df.columns) for name, df in tables.items()}
    union = _union(tables, partitions)

    def per_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        with tempfile.TemporaryDirectory(prefix="attrition-part-") as dir:
            if _write_tables(batches, columns, dir) == 0:
                return
            yield pa.RecordBatch.from_pydict({"counts": [count(attrition.read_tables(dir))]})

    return [row["counts"] for row in union.mapInArrow(per_partition, "counts string").collect()]


def _population_counts(tables: Dict[str, Any], partitions: Optional[int]) -> list:
    return _per_partition_counts(tables, partitions, _attrition.population_counts)


def _discovery_counts(tables: Dict[str, Any], until: str, params: Dict[str, Any], partitions: Optional[int]) -> list:
    return _per_partition_counts(tables, partitions, lambda t: _attrition.discovery_counts(t, until, **params))


def global_context(
    tables: Dict[str, Any],
    catalogue: Optional[str] = None,
    *,
    max_event_types: int = 200,
    partitions: Optional[int] = None,
) -> str:
    """The population's decisions (JSON) over Spark DataFrames ``tables``: the feature catalogue
    resolved over all customers, every customer attribute's kind, the data end. Each
    partition's population counts are added up on the driver. ``catalogue``: a feature catalogue
    (JSON); by default the standard one with the event roles ``attrition features`` would
    choose: the simulator's when the data speaks its event names, otherwise roles discovered
    in a second pass (each partition's discovery counts up to the population's data end, added
    up on the driver and finished once). Give the result to :func:`features` and
    :func:`snapshot`."""
    counts = _population_counts(tables, partitions)
    discovery = None
    if catalogue is None:
        until = _attrition.discovery_until(counts)
        if until is not None:
            discovery = _discovery_counts(tables, until, {}, partitions)
    return _attrition.global_context(counts, catalogue=catalogue, max_event_types=max_event_types, discovery=discovery)


def _is_context(text: str) -> bool:
    return "attribute_kinds" in json.loads(text)


def _spark_type(kind: str) -> str:
    return "double" if kind == "numeric" else "string"


def _feature_schema(catalogue: str, labelled: bool) -> str:
    cols = ["customer_id string", "as_of date"]
    cols += [f"`{name}` {_spark_type(kind)}" for name, kind in _attrition.catalogue_columns(catalogue)]
    if labelled:
        cols.append("churned boolean")
    return ", ".join(cols)


def _union(tables: Dict[str, Any], partitions: Optional[int]) -> Any:
    """The tables tagged and unioned by column name, repartitioned by customer id."""
    from pyspark.sql import functions as F

    missing = [t for t in ("customers", "subscriptions", "events") if t not in tables]
    if missing:
        raise ValueError(f"tables lacks {missing}: give customers, subscriptions, events (and nps, campaign)")
    unknown = [t for t in tables if t not in ("customers", "subscriptions", "events") + _OPTIONAL]
    if unknown:
        raise ValueError(f"unknown tables {unknown}")
    union = None
    for name, df in tables.items():
        tagged = df.select([F.col(c).cast("string").alias(c) for c in df.columns]).withColumn(
            TABLE_COLUMN, F.lit(name)
        )
        union = tagged if union is None else union.unionByName(tagged, allowMissingColumns=True)
    key = F.col("customer_id")
    return union.repartition(partitions, key) if partitions else union.repartition(key)


def _write_tables(batches: Iterator[pa.RecordBatch], columns: Dict[str, list], dir: str) -> int:
    """Writes a partition's rows as a tables directory; returns its number of customers."""
    batches = list(batches)
    if not batches:
        return 0
    table = pa.Table.from_batches(batches)
    tag = table.column(TABLE_COLUMN).to_pylist()
    customers = 0
    for name, cols in columns.items():
        idx = [i for i, t in enumerate(tag) if t == name]
        part = table.take(pa.array(idx, type=pa.int64())).select(cols)
        if name == "customers":
            customers = part.num_rows
        if name in _OPTIONAL and part.num_rows == 0 and name == "campaign":
            continue
        pacsv.write_csv(
            part,
            os.path.join(dir, f"{name}.csv"),
            write_options=pacsv.WriteOptions(quoting_style="needed"),
        )
    return customers


def _build(tables: Dict[str, Any], context: str, labelled: bool, partitions: Optional[int], build) -> Any:
    """Runs ``build(world, catalogue_path, context)`` on each partition's tables; ``context`` is a
    global context (JSON, broadcast once) or a resolved catalogue (JSON, then ``None``)."""
    columns = {name: list(df.columns) for name, df in tables.items()}
    union = _union(tables, partitions)
    is_context = _is_context(context)
    catalogue = json.dumps(json.loads(context)["catalogue"]) if is_context else context
    schema = _feature_schema(catalogue, labelled)
    shared = union.sparkSession.sparkContext.broadcast(context) if is_context else None

    def per_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        with tempfile.TemporaryDirectory(prefix="attrition-part-") as dir:
            if _write_tables(batches, columns, dir) == 0:
                return
            world = attrition.read_tables(dir)
            if shared is not None:
                frame = build(world, None, shared.value)
            else:
                cat = os.path.join(dir, "catalogue.json")
                with open(cat, "w") as f:
                    f.write(catalogue)
                frame = build(world, cat, None)
            if frame.n_rows == 0:
                return
            yield from frame.to_arrow().to_batches()

    return union.mapInArrow(per_partition, schema)


def features(
    tables: Dict[str, Any],
    context: str,
    *,
    from_: str,
    to: str,
    data_end: Optional[str] = None,
    every: str = "1m",
    lead_days: int = 7,
    horizon_days: int = 90,
    partitions: Optional[int] = None,
) -> Any:
    """Labelled point-in-time observations of Spark DataFrames ``tables`` (``customers``,
    ``subscriptions``, ``events``, optional ``nps``, ``campaign``), as ``attrition features
    --from --to`` builds them over all the data. ``context``: the :func:`global_context` of
    ``tables`` (the population's catalogue, attribute kinds and data end — ``data_end``
    defaults to it), or a resolved catalogue (JSON; then ``data_end`` is required, and
    attribute kinds are each partition's own)."""
    if data_end is None and not _is_context(context):
        raise ValueError("data_end is required with a catalogue: pass global_context(tables) instead")

    def build(world, cat, ctx):
        return _attrition.features(
            world,
            from_,
            to,
            every=every,
            lead_days=lead_days,
            horizon_days=horizon_days,
            data_end=data_end,
            catalogue=cat,
            context=ctx,
        )

    return _build(tables, context, True, partitions, _empty_ok(build))


def snapshot(tables: Dict[str, Any], context: str, *, date: str, partitions: Optional[int] = None) -> Any:
    """Features of the customers active on the day before ``date``, as ``attrition features
    --snapshot DATE`` builds them. ``context``: the :func:`global_context` of ``tables``, or a
    resolved catalogue (JSON; attribute kinds are then each partition's own)."""
    return _build(
        tables,
        context,
        False,
        partitions,
        lambda world, cat, ctx: _attrition.snapshot(world, date, catalogue=cat, context=ctx),
    )


def _empty_ok(build):
    """`build` where a partition without any observation gives no rows instead of an error."""

    def run(world, cat, ctx):
        try:
            return build(world, cat, ctx)
        except attrition.AttritionError as e:
            if e.kind == "EmptyData" and "observations" in str(e):
                return _attrition.Frame.from_arrow(pa.table({"x": pa.array([], pa.float64())}))
            raise

    return run


def score(features_df: Any, model: "attrition.Model", *, reasons: int = 3) -> Any:
    """``attrition score`` on a Spark DataFrame of features (one row per customer, a
    ``customer_id`` column): ``customer_id, p_churn, risk_tier, reason_1..``. The model's bytes
    are broadcast once and loaded once per Python worker."""
    spark = features_df.sparkSession
    payload = spark.sparkContext.broadcast(model.to_bytes())
    fields = ["customer_id string", "p_churn double", "risk_tier string"]
    fields += [f"reason_{i + 1} string" for i in range(reasons)]
    cache: Dict[str, Any] = {}

    def per_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        m = cache.get("model")
        if m is None:
            m = cache["model"] = _attrition.Model.from_bytes(payload.value)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            scored = m.score(m.frame(batch, id="customer_id"), reasons=reasons)
            yield from scored.to_batches()

    return features_df.mapInArrow(per_partition, ", ".join(fields))
