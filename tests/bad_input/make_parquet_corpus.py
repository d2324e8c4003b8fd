"""Writes the Parquet cases of the bad-input corpus (issue 15 item 3), with pyarrow:
one directory per case with its input files and `case.json`, as make_corpus.py does for text.

Run from this directory: /work/venv/bin/python make_parquet_corpus.py   (needs pyarrow)
"""
import datetime as dt
import json, os, shutil

import pyarrow as pa
import pyarrow.parquet as pq

CUSTOMERS = "customer_id,signup_date,vertical,sales_approach,specialised_provider\nA,2024-01-05,retail,needs_based,true\nB,2024-02-01,health,product_push,false\nC,2024-03-10,retail,needs_based,false\n"
NPS = "customer_id,date,score\nA,2024-04-01,9\nB,2024-05-01,3\n"

def ts(s):
    return dt.datetime.fromisoformat(s).replace(tzinfo=dt.timezone.utc)

def d(s):
    return dt.date.fromisoformat(s)

def subs(mrr=None):
    return pa.table({
        "customer_id": ["A", "B", "C"],
        "product": ["listings", "reviews", "social"],
        "start_date": pa.array([d("2024-01-05"), d("2024-02-01"), d("2024-03-10")], pa.date32()),
        "end_date": pa.array([None, d("2024-08-01"), None], pa.date32()),
        "mrr": mrr if mrr is not None else pa.array([49.0, 79.0, 99.0], pa.float64()),
    })

def events(**override):
    cols = {
        "customer_id": ["A", "B", "C"],
        "timestamp": pa.array([ts("2024-01-06T10:00:00"), ts("2024-02-02T11:00:00"), ts("2024-03-11T09:30:00")], pa.timestamp("ms", tz="UTC")),
        "event_type": ["login", "login", "publish_post"],
        "user_id": ["a1", "b1", "c1"],
    }
    for k, v in override.items():
        if v is None:
            del cols[k]
        else:
            cols[k] = v
    return pa.table(cols)

cases = []

def tables(name, what, strict, lenient=None, **files):
    base = {"customers.csv": CUSTOMERS, "subscriptions.parquet": subs(), "events.parquet": events(), "nps.csv": NPS}
    base.update({k.replace("_parquet", ".parquet").replace("_csv", ".csv"): v for k, v in files.items()})
    base = {k: v for k, v in base.items() if v is not None}
    cases.append((name, {"kind": "tables", "what": what, "strict": strict, "lenient": lenient}, base))

def flat(name, what, strict, lenient, table, options=None):
    cases.append((name, {"kind": "flat", "what": what, "data_file": "data.parquet", "options": options or {"target": "churned", "id": "id"}, "strict": strict, "lenient": lenient}, {"data.parquet": table}))

ok = {"error": None}

tables("parquet_tables", "Parquet subscriptions and events with native types (DATE, TIMESTAMP ms UTC, DOUBLE) beside CSV tables", ok, {"skipped": {}, "loaded": {"subscriptions": 3, "events": 3}})
tables("parquet_wrong_type", "a Parquet mrr column of booleans",
       {"error": "ColumnType", "file": "subscriptions.parquet", "reason_contains": "column `mrr` is a boolean column; expected a number"},
       subscriptions_parquet=subs(pa.array([True, False, True])))
tables("parquet_missing_column", "a Parquet events file without event_type",
       {"error": "BadHeader", "file": "events.parquet", "reason_contains": "missing column `event_type`"},
       events_parquet=events(event_type=None))
tables("parquet_epoch_without_unit", "an INT64 timestamp column and no schema saying its unit",
       {"error": "ColumnType", "file": "events.parquet", "reason_contains": "timestamp = \"epoch_s\" or \"epoch_ms\""},
       events_parquet=events(timestamp=pa.array([1704535200, 1706871600, 1710149400], pa.int64())))
tables("parquet_unknown_customer", "an event of a customer not in customers.csv: named by its row",
       {"error": "BadRow", "problem": "UnknownCustomer", "file": "events.parquet", "line": 2, "column": "customer_id", "value": "Z"},
       {"skipped": {"UnknownCustomer": 1}, "loaded": {"events": 2}},
       events_parquet=events(customer_id=["A", "Z", "C"]))
tables("parquet_null_event_type", "a null event type: a missing value at its row",
       {"error": "BadRow", "problem": "MissingValue", "file": "events.parquet", "line": 3, "column": "event_type"},
       {"skipped": {"MissingValue": 1}, "loaded": {"events": 2}},
       events_parquet=events(event_type=["login", "login", None]))
tables("parquet_list_column", "a list column where the contract needs a flat one",
       {"error": "ColumnType", "file": "events.parquet", "reason_contains": "column `user_id` is List"},
       events_parquet=events(user_id=pa.array([["a1"], ["b1"], ["c1"]])))
tables("parquet_truncated", "a Parquet file cut short (no footer)",
       {"error": "Io", "file": "events.parquet"},
       events_parquet=b"PAR1" + b"\0" * 64)

# Row groups of two rows: a bad row 3 is in row group 1 (0-based, as Parquet tools count).
def grouped(table):
    return ("grouped", table)

CUSTOMERS5 = pa.table({
    "customer_id": ["A", "B", "C", "D", "E"],
    "signup_date": pa.array([d("2024-01-05"), d("2024-02-01"), d("2024-03-10"), d("2024-03-11"), d("2024-03-12")], pa.date32()),
    "plan": pa.array([b"basic", b"pro", b"basic", b"pro", b"basic"], pa.binary()),
})
tables("parquet_customers_row_group", "a customers.parquet signup date after 2200 in row 4: named with its row group",
       {"error": "BadRow", "problem": "OutOfRange", "file": "customers.parquet", "line": 4, "column": "signup_date", "row_group": 1},
       {"skipped": {"OutOfRange": 1}, "loaded": {"customers": 4}},
       customers_csv=None,
       customers_parquet=grouped(CUSTOMERS5.set_column(1, "signup_date", pa.array([d("2024-01-05"), d("2024-02-01"), d("2024-03-10"), d("2301-01-01"), d("2024-03-12")], pa.date32()))))
tables("parquet_customers_invalid_utf8", "a binary customer attribute that is not UTF-8 in row 5: an unreadable row in row group 2",
       {"error": "BadRow", "problem": "Malformed", "file": "customers.parquet", "line": 5, "column": "plan", "row_group": 2},
       {"skipped": {"Malformed": 1}, "loaded": {"customers": 4}},
       customers_csv=None,
       customers_parquet=grouped(CUSTOMERS5.set_column(2, "plan", pa.array([b"basic", b"pro", b"basic", b"pro", b"\xffbasic"], pa.binary()))))
tables("parquet_subscriptions_row_group", "a negative MRR in row 3 of subscriptions.parquet: named with its row group",
       {"error": "BadRow", "problem": "OutOfRange", "file": "subscriptions.parquet", "line": 3, "column": "mrr", "row_group": 1},
       {"skipped": {"OutOfRange": 1}, "loaded": {"subscriptions": 2}},
       subscriptions_parquet=grouped(subs(pa.array([49.0, 79.0, -99.0], pa.float64()))))
tables("parquet_nps_row_group", "an NPS score of 11 in row 3 of nps.parquet: named with its row group",
       {"error": "BadRow", "problem": "OutOfRange", "file": "nps.parquet", "line": 3, "column": "score", "row_group": 1},
       {"skipped": {"OutOfRange": 1}, "loaded": {"nps": 2}},
       nps_csv=None,
       nps_parquet=grouped(pa.table({
           "customer_id": ["A", "B", "C"],
           "date": pa.array([d("2024-04-01"), d("2024-05-01"), d("2024-05-02")], pa.date32()),
           "score": pa.array([9, 3, 11], pa.int32()),
       })))

FLAT = pa.table({
    "id": ["x1", "x2", "x3", "x4"],
    "tenure": pa.array([3, 40, None, 1], pa.int64()),
    "plan": pa.array(["basic", "pro", "basic", "pro"]).dictionary_encode(),
    "charges": pa.array([20.5, 70.0, float("nan"), 90.0]),
    "churned": ["yes", "no", "no", "yes"],
})
flat("parquet_flat", "a flat Parquet file: integers with a null, a dictionary-encoded category, a NaN", ok,
     {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure", "charges"], "categorical": ["plan"]}, FLAT)
flat("parquet_flat_stray_target", "a flat Parquet file with a third target value (row 2)",
     {"error": "BadRow", "problem": "BadCategory", "file": "data.parquet", "line": 2, "column": "churned", "row_group": 0},
     {"skipped": {"BadCategory": 1}, "loaded": {"rows": 3}}, FLAT.set_column(4, "churned", pa.array(["yes", "maybe", "no", "yes"])))

flat("parquet_flat_stray_target_row_group", "a flat Parquet file in row groups of two rows with a third target value in row 4 (row group 1)",
     {"error": "BadRow", "problem": "BadCategory", "file": "data.parquet", "line": 4, "column": "churned", "row_group": 1},
     {"skipped": {"BadCategory": 1}, "loaded": {"rows": 3}}, grouped(FLAT.set_column(4, "churned", pa.array(["yes", "no", "no", "maybe"]))))
flat("parquet_flat_bad_number_row_group", "a flat Parquet file in row groups of two rows with a text value in a forced-numeric text column in row 3 (row group 1)",
     {"error": "BadRow", "problem": "BadNumber", "file": "data.parquet", "line": 3, "column": "tenure", "row_group": 1},
     {"skipped": {"BadNumber": 1}, "loaded": {"rows": 3}}, grouped(FLAT.set_column(1, "tenure", pa.array(["3", "40", "x", "1"]))), {"target": "churned", "id": "id", "numeric": ["tenure"]})

here = os.path.dirname(os.path.abspath(__file__))
for name, spec, files in cases:
    out = os.path.join(here, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for fname, content in files.items():
        p = os.path.join(out, fname)
        if isinstance(content, tuple):
            pq.write_table(content[1], p, compression="snappy", row_group_size=2)
        elif isinstance(content, pa.Table):
            pq.write_table(content, p, compression="snappy")
        elif isinstance(content, bytes):
            open(p, "wb").write(content)
        else:
            open(p, "w").write(content)
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump(spec, f, indent=1)
print(len(cases), "cases")
