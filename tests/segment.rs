//! `attrition simulate --format segment` (issue 15, "proof that it works on data no one here
//! wrote"): the simulated world written as a Segment-style export — events as JSON Lines with
//! `userId`, `event`, epoch-millisecond `timestamp` and `properties.account_id`, accounts and
//! billing under other column names, MRR in cents — plus the `schema.toml` written beside it,
//! gives byte-identical features to the same world's native CSV tables.

use attrition::io::schema::Schema;
use attrition::io::segment::{SCHEMA_FILE, write_tables};
use attrition::io::tables::{ReadOptions, read_tables, read_tables_with};
use attrition::simulate::{SimulationParams, simulate};

mod common;
use common::world::{assert_same_tables, features, simulate_world};

#[test]
fn a_segment_export_with_its_schema_gives_byte_identical_features_to_the_csv_world() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    for (format, out) in [("csv", "csv"), ("segment", "seg")] {
        let printed = simulate_world(format, &p(out), &[]);
        if format == "segment" {
            assert!(printed.contains("--schema"), "{printed}");
        }
    }
    // The foreign shape: no contract file names, JSON Lines events with epoch milliseconds.
    assert!(!p("seg/events.csv").exists() && !p("seg/customers.csv").exists());
    let tracks = std::fs::read_to_string(p("seg/tracks.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(tracks.lines().next().unwrap()).unwrap();
    assert!(first["userId"].is_string() && first["event"].is_string(), "{first}");
    assert!(first["timestamp"].as_i64().unwrap() > 1_700_000_000_000, "{first}");
    assert!(first["properties"]["account_id"].is_string(), "{first}");
    let billing = std::fs::read_to_string(p("seg/billing.csv")).unwrap();
    assert!(billing.starts_with("account_id,plan,started_at,canceled_at,mrr_cents\n"), "{billing:.80}");
    assert!(billing.lines().nth(1).unwrap().rsplit(',').next().unwrap().parse::<u64>().is_ok(), "{billing:.200}");

    let schema = p("seg/schema.toml");
    for (tables, schema, out) in [("csv", None, "f_csv.csv"), ("seg", Some(&schema), "f_seg.csv")] {
        features(&p(tables), schema.map(|x| x.as_path()), &p(out));
    }
    let a = std::fs::read(p("f_csv.csv")).unwrap();
    assert!(a.len() > 10_000, "{} bytes of features", a.len());
    assert!(
        a == std::fs::read(p("f_seg.csv")).unwrap(),
        "features from the Segment export differ from the CSV world's"
    );
}

#[test]
fn the_segment_export_reads_back_to_the_native_tables() {
    let world = simulate(&SimulationParams::new(300, 14, 5)).unwrap();
    assert!(world.tables.campaign.is_some());
    let (native, segment) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    world.tables.write_dir(native.path()).unwrap();
    write_tables(&world.tables, segment.path()).unwrap();
    let a = read_tables(native.path(), &ReadOptions::strict()).unwrap();
    let schema = Schema::read(segment.path().join(SCHEMA_FILE)).unwrap();
    let b = read_tables_with(segment.path(), Some(&schema), &ReadOptions::strict()).unwrap();
    assert_same_tables(&a.tables, &b.tables);
    assert_eq!(b.report.skipped_total(), 0);
    // Deterministic: the same tables give the same bytes.
    let again = tempfile::tempdir().unwrap();
    write_tables(&world.tables, again.path()).unwrap();
    for f in ["tracks.jsonl", "accounts.csv", "billing.csv", "nps_responses.csv", "retention_offers.csv", SCHEMA_FILE] {
        assert_eq!(std::fs::read(segment.path().join(f)).unwrap(), std::fs::read(again.path().join(f)).unwrap(), "{f}");
    }
}
