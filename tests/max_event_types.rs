//! `--max-event-types` on every command that reads tables: the library reader keeps at most that
//! many event types (`other` included), merges the types emitted by the fewest customers into
//! `other`, counts and reports them, never loses an event, and never merges a schema's
//! cancellation event.

use std::path::Path;
use std::process::Command;

use attrition::io::event_types::OTHER_EVENT_TYPE;
use attrition::io::schema::Schema;
use attrition::io::tables::{EventsBuilder, ReadOptions, Tables, read_tables, read_tables_with};
use attrition::simulate::{SimulationParams, simulate};

/// Extra types `t00` … `t59`, each emitted by customer 0 only, `t{j}` `j + 1` times.
const EXTRA: usize = 60;

/// A simulated world (13 event types) plus the 60 rare types, written as CSV tables into `dir`.
fn world_with_rare_types(dir: &Path) -> Tables {
    let world = simulate(&SimulationParams::new(300, 14, 4).campaign_month(None)).unwrap();
    let t = world.tables;
    let mut b = EventsBuilder::new();
    for i in 0..t.events.len() {
        let (kind, user) = (&t.events.kinds[t.events.kind[i] as usize], &t.events.users[t.events.user[i] as usize]);
        b.push(t.events.customer[i], t.events.timestamp[i], kind, user).unwrap();
    }
    let day1 = t.customers[0].signup_date.and_hms_opt(10, 0, 0).unwrap().and_utc().timestamp() + 86_400;
    for j in 0..EXTRA {
        for k in 0..=j {
            b.push(0, day1 + (j * 100 + k) as i64, &format!("t{j:02}"), "x").unwrap();
        }
    }
    let t = Tables { events: b.finish(), ..t };
    t.write_dir(dir).unwrap();
    read_tables(dir, &ReadOptions::strict()).unwrap().tables
}

fn kind_counts(t: &Tables) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for &k in &t.events.kind {
        *m.entry(t.events.kinds[k as usize].clone()).or_default() += 1;
    }
    m
}

#[test]
fn the_reader_merges_the_rarest_types_into_other() {
    let dir = tempfile::tempdir().unwrap();
    let all = world_with_rare_types(dir.path());
    assert_eq!(all.events.kinds.len(), 13 + EXTRA);
    let loaded = read_tables(dir.path(), &ReadOptions::strict().with_max_event_types(Some(50))).unwrap();
    let t = &loaded.tables;
    // 49 kept + `other`: the 13 simulator types (each emitted by many customers) and the 36
    // extra types with the most events (ties among one-customer types by events).
    assert_eq!(t.events.kinds.len(), 50);
    assert_eq!(t.events.kinds.last().map(String::as_str), Some(OTHER_EVENT_TYPE));
    let merged = loaded.report.merged_event_types.clone().expect("types were merged");
    assert_eq!((merged.max_event_types, merged.types), (50, 24));
    assert_eq!(merged.events, (1..=24).sum::<u64>());
    assert_eq!(merged.examples.first().map(String::as_str), Some("t23"));
    assert!(loaded.report.to_string().contains("24 rare event types"), "{}", loaded.report);
    // Nothing lost: same events, same order; kept types keep their events.
    assert_eq!((&t.events.customer, &t.events.timestamp), (&all.events.customer, &all.events.timestamp));
    let (before, after) = (kind_counts(&all), kind_counts(t));
    for (k, n) in &after {
        if k != OTHER_EVENT_TYPE {
            assert_eq!(before[k], *n, "{k}");
        }
    }
    assert_eq!(after[OTHER_EVENT_TYPE] as u64, merged.events);
    assert!(!after.contains_key("t23") && after.contains_key("t24") && after.contains_key("t59"));
    // Under the cap, nothing changes and nothing is reported.
    let loaded = read_tables(dir.path(), &ReadOptions::strict().with_max_event_types(Some(73))).unwrap();
    assert!(loaded.report.merged_event_types.is_none());
    assert_eq!(loaded.tables.events, all.events);
}

#[test]
fn a_schema_cancellation_event_is_never_merged() {
    let dir = tempfile::tempdir().unwrap();
    world_with_rare_types(dir.path());
    std::fs::remove_file(dir.path().join("subscriptions.csv")).unwrap();
    let schema = Schema::from_toml("[churn]\nchurn_event = \"t00\"\n", "schema.toml").unwrap();
    let options = ReadOptions::strict().with_max_event_types(Some(50));
    let loaded = read_tables_with(dir.path(), Some(&schema), &options).unwrap();
    let merged = loaded.report.merged_event_types.unwrap();
    assert_eq!((merged.types, merged.events), (24, (2..=25).sum::<u64>()));
    // The rarest type (one event) defined churn: not merged, it became a churn day and then left
    // the usage events with its type (churn, not usage).
    let churn = loaded.report.churn.unwrap();
    assert_eq!((churn.churned_customers, churn.cancellation_events_removed), (1, 1));
    assert!(!loaded.tables.events.kinds.iter().any(|k| k == "t00"));
    assert_eq!(loaded.tables.events.kinds.len(), 49);
}

fn attrition(args: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "{args:?}:\n{out}\n{err}");
    (out, err)
}

#[test]
fn every_command_that_reads_tables_takes_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    world_with_rare_types(dir.path());
    let tables = dir.path().to_str().unwrap();
    for cmd in ["inspect", "features", "catalogue", "kpi", "retention", "uplift", "demo", "study"] {
        let (help, _) = attrition(&[cmd, "--help"]);
        assert!(help.contains("--max-event-types"), "{cmd} --help lacks --max-event-types");
    }
    let (out, _) = attrition(&["inspect", "--tables", tables, "--max-event-types", "50"]);
    assert!(out.contains("(50 event types)") && out.contains("merged into `other`"), "{out}");
    let (out, _) = attrition(&["inspect", "--tables", tables]);
    assert!(out.contains("(73 event types)") && !out.contains("merged"), "{out}");
    let (_, err) = attrition(&["kpi", "--tables", tables, "--max-event-types", "20"]);
    assert!(err.contains("warning: events: 54 rare event types"), "{err}");
    let (_, err) = attrition(&["retention", "--tables", tables, "--max-event-types", "20"]);
    assert!(err.contains("merged into `other`"), "{err}");
    let cat = dir.path().join("catalogue.json");
    let (out, _) = attrition(&[
        "catalogue",
        "--tables",
        tables,
        "--max-event-types",
        "20",
        "--out",
        cat.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.contains("wrote 20 event types"), "{out}");
    let file = attrition::catalogue::CatalogueFile::read(&cat).unwrap();
    assert!(file.events.iter().any(|e| e.event_type == OTHER_EVENT_TYPE));
}
