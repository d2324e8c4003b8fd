//! Partitioned datasets (issue 19 item 1): `partition_tables` splits a tables directory by
//! customer so that the partitions together read to exactly the source's rows — from CSV, from
//! typed Parquet and through a schema file with renamed columns, epoch timestamps, cents and no
//! product column — each customer in the partition its hash names, deterministically; bad records
//! are errors with file and line (strict) or counted in the manifest (lenient).
#![cfg(feature = "parquet")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use attrition::io::schema::Schema;
use attrition::io::tables::{ReadOptions, Tables, read_tables_with};
use attrition::partition::{
    MANIFEST_FILE, PartitionManifest, PartitionParams, Partitions, partition_of, partition_tables,
};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

/// A customer's signup date and attribute values (name, value).
type CustomerRow = (String, Vec<(String, Option<String>)>);

/// Every row of the tables, by customer id (so tables read in different orders compare).
#[derive(Debug, Default, PartialEq)]
struct Rows {
    customers: BTreeMap<String, CustomerRow>,
    subscriptions: Vec<(String, String, String, String, u64)>,
    events: Vec<(String, i64, String, String)>,
    nps: Vec<(String, String, u8)>,
    campaign: Vec<(String, String, bool, u64)>,
}

impl Rows {
    fn add(&mut self, t: &Tables) {
        let id = |c: u32| t.customers[c as usize].customer_id.clone();
        for (i, c) in t.customers.iter().enumerate() {
            let attrs = t.attributes.iter().map(|a| (a.name.clone(), a.value(i as u32).map(str::to_owned))).collect();
            assert!(self.customers.insert(c.customer_id.clone(), (c.signup_date.to_string(), attrs)).is_none());
        }
        for s in &t.subscriptions {
            let end = s.end_date.map(|d| d.to_string()).unwrap_or_default();
            self.subscriptions.push((
                id(s.customer),
                s.product.clone(),
                s.start_date.to_string(),
                end,
                s.mrr.to_bits(),
            ));
        }
        let e = &t.events;
        for i in 0..e.len() {
            let (kind, user) = (e.kinds[e.kind[i] as usize].clone(), e.users[e.user[i] as usize].clone());
            self.events.push((id(e.customer[i]), e.timestamp[i], kind, user));
        }
        for n in &t.nps {
            self.nps.push((id(n.customer), n.date.to_string(), n.score));
        }
        for o in t.campaign.iter().flatten() {
            self.campaign.push((id(o.customer), o.date.to_string(), o.treated, o.offer_cost.to_bits()));
        }
    }

    fn sorted(mut self) -> Self {
        self.subscriptions.sort();
        self.events.sort();
        self.nps.sort();
        self.campaign.sort();
        self
    }
}

fn source_rows(dir: &Path, schema: Option<&Schema>) -> Rows {
    let mut r = Rows::default();
    r.add(&read_tables_with(dir, schema, &ReadOptions::strict()).unwrap().tables);
    r.sorted()
}

/// The partitions' rows; checks that every customer is in the partition its id hashes to.
fn partition_rows(parts: &Partitions) -> Rows {
    let mut r = Rows::default();
    let n = parts.len() as u32;
    for i in 0..parts.len() {
        let t = parts.read(i, &ReadOptions::strict()).unwrap().tables;
        for c in &t.customers {
            assert_eq!(partition_of(&c.customer_id, n), i as u32, "{}", c.customer_id);
        }
        r.add(&t);
    }
    r.sorted()
}

#[test]
fn the_partitions_of_the_sample_hold_exactly_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("parts");
    let manifest = partition_tables(SAMPLE, None, &PartitionParams::new(4), &out).unwrap();
    let parts = Partitions::open(&out).unwrap();
    let mut written = manifest.clone();
    written.schema.path = parts.manifest().schema.path.clone(); // where it was read from
    assert_eq!(parts.manifest(), &written);
    assert!(manifest.table("customers").unwrap().report.ignored_columns.is_empty());
    let want = source_rows(Path::new(SAMPLE), None);
    let got = partition_rows(&parts);
    assert_eq!(got.customers.len(), 3000);
    assert_eq!(got, want);
    // The manifest's counts are the files' rows (the sample has no bad rows).
    let events = manifest.table("events").unwrap();
    assert_eq!(events.total_rows(), 159_827);
    assert_eq!(events.report.rows_read, 159_827);
    assert!(events.rows.iter().all(|&r| r > 30_000), "{:?}", events.rows);
    let customers: u64 = manifest.table("customers").unwrap().total_rows();
    assert_eq!(customers, 3000);
}

#[test]
fn partitioning_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    partition_tables(SAMPLE, None, &PartitionParams::new(3).batch_rows(1000), &a).unwrap();
    partition_tables(SAMPLE, None, &PartitionParams::new(3).batch_rows(1000), &b).unwrap();
    let mut files = 0;
    for i in 0..3 {
        for t in ["customers", "subscriptions", "events", "nps", "campaign"] {
            let f = Path::new(&PartitionManifest::part_name(i)).join(format!("{t}.parquet"));
            assert_eq!(std::fs::read(a.join(&f)).unwrap(), std::fs::read(b.join(&f)).unwrap(), "{}", f.display());
            files += 1;
        }
    }
    assert_eq!(files, 15);
    assert_eq!(std::fs::read(a.join(MANIFEST_FILE)).unwrap(), std::fs::read(b.join(MANIFEST_FILE)).unwrap());
}

#[test]
fn a_typed_parquet_source_partitions_to_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let tables = read_tables_with(SAMPLE, None, &ReadOptions::strict()).unwrap().tables;
    let pq = dir.path().join("pq");
    attrition::io::parquet::write_tables(&tables, &pq).unwrap();
    let out = dir.path().join("parts");
    let manifest = partition_tables(&pq, None, &PartitionParams::new(5), &out).unwrap();
    // TIMESTAMP event times are written as RFC 3339 text, and read back as such.
    assert_eq!(
        manifest.schema.events.as_ref().unwrap().timestamp,
        Some(attrition::io::schema::TimestampFormat::Rfc3339)
    );
    let got = partition_rows(&Partitions::open(&out).unwrap());
    assert_eq!(got, source_rows(&pq, None));
    assert_eq!(got.events.len(), 159_827);
}

#[test]
fn a_schema_with_renamed_columns_epoch_times_cents_and_no_product_partitions_to_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let mut accounts = String::from("Id;Created;Plan;Email\n");
    let mut billing = String::from("account,from,to,cents\n");
    let mut tracks = String::from("acct,ms,what\n");
    for i in 0..40 {
        accounts += &format!("A{i};2024-01-{:02};{};a{i}@x.io\n", 1 + i % 28, ["pro", "basic", ""][i % 3]);
        billing += &format!("A{i},2024-02-01,,{}\n", 1000 + 7 * i);
        if i % 4 == 0 {
            billing += &format!("A{i},2024-03-01,2024-06-01,499\n");
        }
        for k in 0..(i % 5) {
            tracks += &format!(
                "A{i},{},{}\n",
                1_709_000_000_000u64 + 3_600_000 * k as u64 + i as u64,
                ["login", "export"][k % 2]
            );
        }
    }
    std::fs::write(src.join("accounts.csv"), accounts).unwrap();
    std::fs::write(src.join("billing.csv"), billing).unwrap();
    std::fs::write(src.join("tracks.csv"), tracks).unwrap();
    let schema = Schema::from_toml(
        r#"
        [customers]
        file = "accounts.csv"
        delimiter = ";"
        columns = { customer_id = "Id", signup_date = "Created" }
        ignore = ["Email"]
        [subscriptions]
        file = "billing.csv"
        columns = { customer_id = "account", start_date = "from", end_date = "to", mrr = "cents" }
        mrr_scale = 0.01
        [events]
        file = "tracks.csv"
        columns = { customer_id = "acct", timestamp = "ms", event_type = "what" }
        timestamp = "epoch_ms"
        "#,
        "schema.toml",
    )
    .unwrap();
    let out = dir.path().join("parts");
    partition_tables(&src, Some(&schema), &PartitionParams::new(3), &out).unwrap();
    let want = source_rows(&src, Some(&schema));
    // Product lines named after their source lines survive the move to another file.
    assert!(want.subscriptions.iter().any(|s| s.1 == "line_5"), "{:?}", &want.subscriptions[..3]);
    assert_eq!(partition_rows(&Partitions::open(&out).unwrap()), want);
}

#[test]
fn bad_records_are_located_errors_or_counted_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for f in ["customers.csv", "subscriptions.csv", "nps.csv"] {
        std::fs::copy(Path::new(SAMPLE).join(f), src.join(f)).unwrap();
    }
    let events = std::fs::read_to_string(Path::new(SAMPLE).join("events.csv")).unwrap();
    let mut lines: Vec<&str> = events.lines().collect();
    lines.insert(3, "C0000001,2024-01-26T00:00:00Z,login"); // line 4: a field short
    std::fs::write(src.join("events.csv"), lines.join("\n") + "\n").unwrap();

    let err = partition_tables(&src, None, &PartitionParams::new(2), dir.path().join("strict")).unwrap_err();
    assert!(err.to_string().contains("events.csv:4"), "{err}");
    assert!(!dir.path().join("strict").exists(), "nothing is written on error");

    let m =
        partition_tables(&src, None, &PartitionParams::new(2).read(ReadOptions::lenient()), dir.path().join("lenient"))
            .unwrap();
    let ev = m.table("events").unwrap();
    assert_eq!(ev.report.skipped_total(), 1);
    assert_eq!(ev.report.rows_read, 159_828);
    assert_eq!(ev.total_rows(), 159_827);
    assert!(m.table("campaign").is_none());
}

#[test]
fn a_directory_without_a_manifest_or_with_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Partitions::open(SAMPLE).unwrap_err();
    assert!(err.to_string().contains("no partitions.json"), "{err}");
    let out = dir.path().join("parts");
    partition_tables(SAMPLE, None, &PartitionParams::new(2), &out).unwrap();
    std::fs::remove_dir_all(out.join("part-00001")).unwrap();
    let err = Partitions::open(&out).unwrap_err();
    assert!(err.to_string().contains("part-00001 is missing"), "{err}");
    let m = out.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&m).unwrap().replace("\"version\": 1", "\"version\": 99");
    std::fs::write(&m, text).unwrap();
    assert!(Partitions::open(&out).unwrap_err().to_string().contains("version 99"));
}

#[test]
fn the_cli_partitions_atomically_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("parts");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(["partition", "--tables", SAMPLE, "--partitions", "3", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("events.csv: 159827 rows into 3 partitions"), "{stdout}");
    assert_eq!(Partitions::open(&out).unwrap().len(), 3);
    let o = run(&[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert!(run(&["--force"]).status.success());
    let o = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["partition", "--tables", SAMPLE, "--partitions", "0", "--out"])
        .arg(dir.path().join("zero"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Few customers in many partitions leave some partitions empty: `kpi` and `retention` count
/// them as nothing and give the unpartitioned output (a tester's report: "part-00000/
/// customers.parquet: no data rows").
#[test]
fn empty_partitions_count_as_nothing_in_kpi_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    run(&["simulate", "--customers", "30", "--seed", "5", "--out", &p("tiny"), "--quiet"]);
    run(&["partition", "--tables", &p("tiny"), "--partitions", "64", "--out", &p("parts")]);
    let parts = Partitions::open(p("parts")).unwrap();
    assert!((0..parts.len()).any(|i| parts.read(i, &ReadOptions::strict()).unwrap().tables.customers.is_empty()));
    run(&["kpi", "--tables", &p("tiny"), "--out", &p("whole.csv")]);
    run(&["kpi", "--tables", &p("parts"), "--out", &p("split.csv")]);
    assert_eq!(std::fs::read(p("whole.csv")).unwrap(), std::fs::read(p("split.csv")).unwrap());
    assert_eq!(run(&["retention", "--tables", &p("tiny")]), run(&["retention", "--tables", &p("parts")]));
}
