//! Features over a partitioned directory (issue 19 item 1, step 2): `attrition features` (labelled
//! observations, `--snapshot` with a saved catalogue, `--save-catalogue`) over 1, 3 and 7
//! partitions writes the same bytes as over the unpartitioned tables — on the bundled sample, on
//! a simulated Segment-style export with obfuscated event names read through its schema file, and
//! with churn derived from inactivity (`[churn]`, censored at the population's data end); event
//! roles discovered over partitions equal the unpartitioned ones (`catalogue` and `features`). A
//! partition with no customer works; a customer in a partition its id does not hash to is a
//! clear error.
#![cfg(feature = "parquet")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use attrition::features::{FeatureParams, PartitionedTables, build_observations};
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::partition::Partitions;

use common::world::{bin as ok, s};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

fn attrition(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap()
}

fn partition(tables: &Path, schema: Option<&Path>, n: u32, out: &Path) {
    let mut args = vec!["partition", "--tables", s(tables), "--partitions"];
    let n = n.to_string();
    args.push(&n);
    args.extend(["--out", s(out)]);
    if let Some(sc) = schema {
        args.extend(["--schema", s(sc)]);
    }
    ok(&args);
}

/// Runs `features` with `extra` arguments over `tables` (with `schema` when unpartitioned) and
/// returns the bytes written to `out` and, when asked, the saved catalogue.
fn features(tables: &Path, schema: Option<&Path>, extra: &[&str], out: &Path) -> (Vec<u8>, Vec<u8>) {
    let catalogue = out.with_extension("catalogue.json");
    let mut args = vec!["features", "--tables", s(tables), "--out", s(out), "--save-catalogue", s(&catalogue)];
    if let Some(sc) = schema {
        args.extend(["--schema", s(sc)]);
    }
    args.extend(extra);
    ok(&args);
    (std::fs::read(out).unwrap(), std::fs::read(&catalogue).unwrap())
}

/// Features and a snapshot over the unpartitioned tables and over 1, 3 and 7 partitions of them:
/// the same bytes. Returns the number of feature rows.
fn same_over_partitions(dir: &Path, tables: &Path, schema: Option<&Path>, extra: &[&str], snapshot: &str) -> usize {
    let (want, want_cat) = features(tables, schema, extra, &dir.join("whole.csv"));
    let cat = dir.join("whole.catalogue.json");
    // The snapshot for scoring, with the training catalogue (as `--model` gives it).
    let snap_extra = ["--snapshot", snapshot, "--catalogue", s(&cat)];
    let (want_snap, _) = features(tables, schema, &snap_extra, &dir.join("whole_snapshot.csv"));
    assert!(want_snap.len() > 100, "the snapshot has rows");
    for n in [1, 3, 7] {
        let parts = dir.join(format!("parts{n}"));
        partition(tables, schema, n, &parts);
        let (got, got_cat) = features(&parts, None, extra, &dir.join(format!("p{n}.csv")));
        assert!(got == want, "features over {n} partitions differ from the unpartitioned run");
        assert!(got_cat == want_cat, "the resolved catalogue over {n} partitions differs");
        let (got_snap, _) = features(&parts, None, &snap_extra, &dir.join(format!("p{n}_snapshot.csv")));
        assert!(got_snap == want_snap, "the snapshot over {n} partitions differs");
    }
    String::from_utf8_lossy(&want).lines().count() - 1
}

const RANGE: [&str; 4] = ["--from", "2024-06-01", "--to", "2025-06-01"];

#[test]
fn the_sample_gives_the_same_bytes_over_1_3_and_7_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let rows = same_over_partitions(dir.path(), Path::new(SAMPLE), None, &RANGE, "2025-12-01");
    assert!(rows > 10_000, "{rows}");
}

#[test]
fn the_library_builds_the_same_table_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    partition(Path::new(SAMPLE), None, 5, &parts);
    let tables = read_tables(SAMPLE, &ReadOptions::strict()).unwrap().tables;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let params = FeatureParams::new(d("2024-09-01"), d("2025-09-01"));
    let whole = build_observations(&tables, &params).unwrap();
    let opened = PartitionedTables::open(Partitions::open(&parts).unwrap(), &ReadOptions::strict()).unwrap();
    assert_eq!(opened.counts().customers, tables.customers.len() as u64);
    let got = opened.build_observations(&params).unwrap();
    assert_eq!(got.report, whole.report);
    assert_eq!(got.catalogue, whole.catalogue);
    assert_eq!(got.dataset.ids, whole.dataset.ids);
    assert_eq!(got.dataset.as_of, whole.dataset.as_of);
    assert_eq!(got.dataset.churned, whole.dataset.churned);
    assert_eq!(got.dataset.columns.len(), whole.dataset.columns.len());
    for (a, b) in got.dataset.columns.iter().zip(&whole.dataset.columns) {
        assert_eq!(a.name, b.name);
        assert_eq!(format!("{:?}", a.data), format!("{:?}", b.data), "column {}", a.name);
    }
}

#[test]
fn a_segment_export_with_obfuscated_event_names_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let key = dir.path().join("key.json");
    ok(&[
        "simulate",
        "--customers",
        "700",
        "--months",
        "24",
        "--seed",
        "11",
        "--format",
        "segment",
        "--obfuscate-events",
        s(&key),
        "--out",
        s(&world),
        "--quiet",
    ]);
    let schema = world.join("schema.toml");
    // The roles are not the simulator's: with an event catalogue written once from the source
    // tables and given to both runs, and without one (discovered a partition at a time).
    let events = dir.path().join("events_catalogue.json");
    ok(&["catalogue", "--tables", s(&world), "--schema", s(&schema), "--out", s(&events)]);
    let extra: Vec<&str> = RANGE.iter().copied().chain(["--event-catalogue", s(&events)]).collect();
    let rows = same_over_partitions(dir.path(), &world, Some(&schema), &extra, "2025-12-01");
    assert!(rows > 1000, "{rows}");
    let discovered = dir.path().join("discovered");
    std::fs::create_dir(&discovered).unwrap();
    let rows = same_over_partitions(&discovered, &world, Some(&schema), &RANGE, "2025-12-01");
    assert!(rows > 1000, "{rows}");
}

/// The bundled sample with its event names replaced by codes, written as a tables directory.
fn obfuscated_sample(dir: &Path) -> PathBuf {
    let mut tables = read_tables(SAMPLE, &ReadOptions::strict()).unwrap().tables;
    attrition::simulate::obfuscate_events(&mut tables, 19);
    let out = dir.join("coded");
    tables.write_dir(&out).unwrap();
    out
}

/// Issue 19/20 follow-up: event roles are discovered over partitions. On the sample with coded
/// event names, `catalogue` over 1, 3 and 7 partitions writes the same bytes as over the tables,
/// and `features` (which then discovers the roles itself) the same features and catalogue.
#[test]
fn roles_discovered_over_partitions_equal_the_unpartitioned_ones() {
    let dir = tempfile::tempdir().unwrap();
    let coded = obfuscated_sample(dir.path());
    let catalogue = |tables: &Path, out: &Path| {
        ok(&["catalogue", "--tables", s(tables), "--out", s(out), "--quiet"]);
        std::fs::read(out).unwrap()
    };
    let want = catalogue(&coded, &dir.path().join("whole_roles.json"));
    let file: attrition::catalogue::CatalogueFile = serde_json::from_slice(&want).unwrap();
    let events = file.event_catalogue().unwrap();
    assert!(!events.core.is_empty() && !events.signals.is_empty(), "roles found: {events:?}");
    let rows = same_over_partitions(dir.path(), &coded, None, &RANGE, "2025-12-01");
    assert!(rows > 10_000, "{rows}");
    for n in [1, 3, 7] {
        let got = catalogue(&dir.path().join(format!("parts{n}")), &dir.path().join(format!("roles{n}.json")));
        assert!(got == want, "the catalogue discovered over {n} partitions differs");
    }
    // More event types than --max-event-types: the read-time merge is not made over partitions.
    let o = attrition(&[
        "catalogue",
        "--tables",
        s(&dir.path().join("parts3")),
        "--max-event-types",
        "3",
        "--out",
        s(&dir.path().join("capped.json")),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--max-event-types") && err.contains("source tables"), "{err}");
}

/// The library's discovery over partitions is the unpartitioned one, also with `until` set.
#[test]
fn the_library_discovers_the_same_roles_over_partitions() {
    use attrition::catalogue::{DiscoveryParams, discover};
    let dir = tempfile::tempdir().unwrap();
    let coded = obfuscated_sample(dir.path());
    let tables = read_tables(&coded, &ReadOptions::strict()).unwrap().tables;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for params in [DiscoveryParams::new(), DiscoveryParams::new().until(d("2025-03-31")).horizon_days(120)] {
        let whole = discover(&tables, &params).unwrap();
        for n in [2, 5] {
            let parts = dir.path().join(format!("parts{n}"));
            if !parts.exists() {
                partition(&coded, None, n, &parts);
            }
            let opened = PartitionedTables::open(Partitions::open(&parts).unwrap(), &ReadOptions::strict()).unwrap();
            assert_eq!(opened.discover(&params).unwrap(), whole, "{n} partitions, until {:?}", params.until);
        }
    }
}

#[test]
fn churn_derived_from_inactivity_is_censored_at_the_populations_data_end() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.toml");
    std::fs::write(&schema, "[churn]\ninactive_days = 30\n").unwrap();
    let rows = same_over_partitions(dir.path(), Path::new(SAMPLE), Some(&schema), &RANGE, "2025-12-01");
    assert!(rows > 10_000, "{rows}");
}

#[test]
fn partitions_without_customers_work() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    ok(&["simulate", "--customers", "4", "--months", "14", "--seed", "3", "--out", s(&world), "--quiet"]);
    let parts = dir.path().join("parts");
    partition(&world, None, 7, &parts);
    let manifest = Partitions::open(&parts).unwrap().manifest().clone();
    let customers = &manifest.table("customers").unwrap().rows;
    assert!(customers.contains(&0), "some of 7 partitions of 4 customers are empty: {customers:?}");
    let args = ["--from", "2024-02-01", "--to", "2024-12-01", "--every", "2w"];
    let (want, _) = features(&world, None, &args, &dir.path().join("whole.csv"));
    let (got, _) = features(&parts, None, &args, &dir.path().join("parts.csv"));
    assert!(got == want, "features over partitions with empty ones differ");
}

/// Temporary run directories (`.attrition-runs-*`) left in `dir`.
fn runs_left(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".attrition-runs-"))
        .collect()
}

#[test]
fn many_partitions_of_few_customers_stream_the_same_bytes_and_leave_no_runs() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    ok(&["simulate", "--customers", "30", "--months", "14", "--seed", "5", "--out", s(&world), "--quiet"]);
    let parts = dir.path().join("parts");
    partition(&world, None, 48, &parts);
    let manifest = Partitions::open(&parts).unwrap().manifest().clone();
    assert!(manifest.table("customers").unwrap().rows.contains(&0), "48 partitions of 30 customers: some empty");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let args = ["--from", "2024-02-01", "--to", "2024-12-01", "--every", "1w"];
    let (want, _) = features(&world, None, &args, &out.join("whole.csv"));
    let (got, _) = features(&parts, None, &args, &out.join("parts.csv"));
    assert!(got == want, "features over 48 partitions differ");
    let cat = out.join("whole.catalogue.json");
    let snap = ["--snapshot", "2024-12-01", "--catalogue", s(&cat)];
    let (want, _) = features(&world, None, &snap, &out.join("whole_snap.csv"));
    let (got, _) = features(&parts, None, &snap, &out.join("parts_snap.csv"));
    assert!(String::from_utf8_lossy(&want).lines().count() > 5);
    assert!(got == want, "the snapshot over 48 partitions differs");
    assert_eq!(runs_left(&out), Vec::<String>::new());
    // An error after the partitions were built (no observation in the range): no output, no runs.
    let o = attrition(&[
        "features",
        "--tables",
        s(&parts),
        "--from",
        "2020-01-01",
        "--to",
        "2020-02-01",
        "--out",
        s(&out.join("none.csv")),
    ]);
    assert!(!o.status.success());
    assert!(!out.join("none.csv").exists());
    assert_eq!(runs_left(&out), Vec::<String>::new());
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_customer_in_two_partitions_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let parts: PathBuf = dir.path().join("parts");
    partition(Path::new(SAMPLE), None, 3, &parts);
    // Partition 1 made a copy of partition 0: its customers are in two partitions.
    copy_dir(&parts.join("part-00000"), &parts.join("part-00001"));
    let o = attrition(&[
        "features",
        "--tables",
        s(&parts),
        "--from",
        "2024-06-01",
        "--to",
        "2025-06-01",
        "--out",
        s(&dir.path().join("f.csv")),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is in part-00001 but its id hashes to part-00000"), "{err}");
    assert!(err.contains("exactly one partition"), "{err}");
    assert!(!dir.path().join("f.csv").exists());
}
