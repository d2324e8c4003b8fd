"""Runs exported SQL for tests/export_sql.rs (and examples/export_sql_bench.rs).

    python run.py duckdb QUERY.sql DATA.csv COLUMNS.json   # prints key,p_churn,risk_tier per row
    python run.py parse DIALECT QUERY.sql                  # parses with sqlglot, prints the statement count
    python run.py bench QUERY.sql DATA.csv COLUMNS.json    # prints rows and seconds of the query alone

DATA.csv has a header; COLUMNS.json maps each column to its DuckDB type, in file order. The
query's first kept column is the key. Probabilities are printed with repr(), which reads back
as the same double. Needs the packages of tests/requirements.txt.
"""

import json
import sys
import time


def load(con, data, columns):
    cols = json.load(open(columns))
    spec = ", ".join(
        "'{}': '{}'".format(name.replace("'", "''"), ty) for name, ty in cols.items()
    )
    path = data.replace("'", "''")
    con.execute(
        f"CREATE TABLE features AS SELECT * FROM read_csv('{path}', header = true, "
        f"columns = {{{spec}}}, nullstr = '', auto_detect = false, quote = '\"', escape = '\"')"
    )


def main():
    mode = sys.argv[1]
    if mode == "parse":
        # sqlglot's parser recurses once per level of nesting and stops at Python's recursion
        # limit (1000 frames): a CASE nested about 60 deep (a tree of depth 60) is too deep for
        # it, while every engine we target takes it. Parse in a thread with a larger stack.
        import threading

        import sqlglot

        dialect, query = sys.argv[2], sys.argv[3]
        result = []

        def parse():
            statements = sqlglot.parse(open(query).read(), read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
            result.append(len([s for s in statements if s is not None]))

        sys.setrecursionlimit(200_000)
        threading.stack_size(1 << 29)
        worker = threading.Thread(target=parse)
        worker.start()
        worker.join()
        if not result:
            sys.exit(1)
        print(result[0])
        return
    import duckdb

    query, data, columns = sys.argv[2], sys.argv[3], sys.argv[4]
    con = duckdb.connect()
    load(con, data, columns)
    sql = open(query).read()
    if mode == "bench":
        start = time.perf_counter()
        n = con.execute(f"SELECT count(*), sum(p_churn) FROM ({sql})").fetchone()[0]
        print(n, time.perf_counter() - start)
        return
    out = sys.stdout
    for row in con.execute(sql).fetchall():
        key, p, tier = row[0], row[-2], row[-1]
        out.write(f"{key},{'NULL' if p is None else repr(p)},{tier}\n")


if __name__ == "__main__":
    main()
