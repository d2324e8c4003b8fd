//! The schema file: a simulated world written in a foreign shape (other file and column names,
//! `;`-separated customers, MRR in cents, epoch-millisecond timestamps, an ignored column) reads
//! back, through `schema.toml`, into exactly the native tables — and gives byte-identical
//! features. Bad schemas and data give located errors.

use std::fmt::Write as _;
use std::path::Path;

use attrition::features::{FeatureParams, build_observations};
use attrition::io::parse::parse_date;
use attrition::io::schema::Schema;
use attrition::io::tables::{ReadOptions, Tables, read_tables, read_tables_with};
use attrition::io::write_flat::{WriteFlatOptions, write_flat};
use attrition::simulate::{SimulationParams, simulate};

const SCHEMA: &str = r#"
[customers]
file = "accounts.csv"
delimiter = ";"
columns = { customer_id = "AccountId", signup_date = "created_on" }
ignore = ["email"]
na_values = ["-"]

[subscriptions]
file = "billing.csv"
columns = { customer_id = "account", product = "plan", start_date = "from", end_date = "until", mrr = "amount_cents" }
mrr_scale = 0.01

[events]
file = "tracks.csv"
columns = { customer_id = "account_id", timestamp = "ts_ms", event_type = "event", user_id = "userId" }
timestamp = "epoch_ms"

[nps]
file = "surveys.csv"
columns = { customer_id = "account", date = "answered", score = "nps" }
"#;

/// Writes `t` in the foreign shape the schema above describes.
fn write_foreign(t: &Tables, dir: &Path) {
    let mut s = String::from("AccountId;created_on;email");
    for a in &t.attributes {
        write!(s, ";{}", a.name).unwrap();
    }
    s.push('\n');
    for (i, c) in t.customers.iter().enumerate() {
        write!(s, "{};{};{}@example.com", c.customer_id, c.signup_date, c.customer_id).unwrap();
        for a in &t.attributes {
            write!(s, ";{}", a.value(i as u32).unwrap_or("-")).unwrap();
        }
        s.push('\n');
    }
    std::fs::write(dir.join("accounts.csv"), s).unwrap();

    let mut s = String::from("account,plan,from,until,amount_cents\n");
    for x in &t.subscriptions {
        let end = x.end_date.map(|d| d.to_string()).unwrap_or_default();
        let cents = (x.mrr * 100.0).round() as i64;
        writeln!(s, "{},{},{},{end},{cents}", t.customer_id(x.customer), x.product, x.start_date).unwrap();
    }
    std::fs::write(dir.join("billing.csv"), s).unwrap();

    let ev = &t.events;
    let mut s = String::from("event,userId,ts_ms,account_id\n");
    for i in 0..ev.len() {
        let (kind, user) = (&ev.kinds[ev.kind[i] as usize], &ev.users[ev.user[i] as usize]);
        writeln!(s, "{kind},{user},{},{}", ev.timestamp[i] * 1000, t.customer_id(ev.customer[i])).unwrap();
    }
    std::fs::write(dir.join("tracks.csv"), s).unwrap();

    let mut s = String::from("account,answered,nps\n");
    for r in &t.nps {
        writeln!(s, "{},{},{}", t.customer_id(r.customer), r.date, r.score).unwrap();
    }
    std::fs::write(dir.join("surveys.csv"), s).unwrap();
}

fn features_csv(t: &Tables, path: &Path) -> Vec<u8> {
    let d = |s: &str| parse_date(s).unwrap();
    let p = FeatureParams::new(d("2024-04-01"), d("2024-10-01"));
    let table = build_observations(t, &p).unwrap();
    write_flat(&table.dataset, path, &WriteFlatOptions::default()).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn a_foreign_export_read_through_the_schema_gives_byte_identical_features() {
    let world = simulate(&SimulationParams::new(400, 12, 11).campaign_month(None)).unwrap();
    let native_dir = tempfile::tempdir().unwrap();
    world.tables.write_dir(native_dir.path()).unwrap();
    let foreign_dir = tempfile::tempdir().unwrap();
    // The native tables as read from CSV (MRR rounded to cents, like the foreign copy).
    let native = read_tables(native_dir.path(), &ReadOptions::strict()).unwrap().tables;
    write_foreign(&native, foreign_dir.path());
    let schema = Schema::from_toml(SCHEMA, "schema.toml").unwrap();
    let loaded = read_tables_with(foreign_dir.path(), Some(&schema), &ReadOptions::strict()).unwrap();
    let foreign = loaded.tables;
    assert_eq!(foreign.customers, native.customers);
    assert_eq!(foreign.attributes, native.attributes);
    assert_eq!(foreign.subscriptions, native.subscriptions);
    assert_eq!(foreign.events, native.events);
    assert_eq!(foreign.nps, native.nps);
    assert_eq!(loaded.report.files[0].ignored_columns, ["email"]);
    let out = tempfile::tempdir().unwrap();
    let a = features_csv(&native, &out.path().join("native.csv"));
    let b = features_csv(&foreign, &out.path().join("foreign.csv"));
    assert!(a.len() > 10_000, "{} bytes of features", a.len());
    assert!(a == b, "features differ");
}

fn minimal(dir: &Path) {
    std::fs::write(dir.join("customers.csv"), "customer_id,signup_date\nA,2024-01-05\nB,2024-02-01\n").unwrap();
    std::fs::write(dir.join("subscriptions.csv"), "customer_id,start_date,end_date,mrr\nA,2024-01-05,,49\n").unwrap();
    std::fs::write(dir.join("events.csv"), "customer_id,ts,event_type\nA,1704448800,login\nB,1706781600000,login\n")
        .unwrap();
}

#[test]
fn bad_schemas_and_data_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    minimal(dir.path());
    let read = |toml: &str| {
        let schema = Schema::from_toml(toml, "schema.toml")?;
        read_tables_with(dir.path(), Some(&schema), &ReadOptions::strict())
    };
    // A mapped column the file does not have.
    let e = read("[events]\ncolumns = { timestamp = \"time\" }\n").unwrap_err().to_string();
    assert!(
        e.contains("events.csv") && e.contains("missing column `time`") && e.contains("schema.toml [events]"),
        "{e}"
    );
    // A key that is not a contract column, an unknown key (with its line).
    let e = read("[events]\ncolumns = { when = \"ts\" }\n").unwrap_err().to_string();
    assert!(e.contains("`when` is not a column of events"), "{e}");
    let e = read("\n[customers]\nfiles = \"c.csv\"\n").unwrap_err().to_string();
    assert!(e.starts_with("schema.toml:3:"), "{e}");
    // Wrong timestamp unit: epoch milliseconds read as seconds are centuries ahead.
    let e = read("[events]\ncolumns = { timestamp = \"ts\" }\ntimestamp = \"epoch_s\"\n").unwrap_err().to_string();
    assert!(e.contains("events.csv:3 column `ts`") && e.contains("epoch_ms"), "{e}");
    std::fs::write(
        dir.path().join("events.csv"),
        "customer_id,ts,event_type\nA,1704448800,login\nZ,1704448800,login\n",
    )
    .unwrap();
    // An event for a customer not in the customers table.
    let e = read("[events]\ncolumns = { timestamp = \"ts\" }\ntimestamp = \"epoch_s\"\n").unwrap_err().to_string();
    assert!(e.contains("events.csv:3 column `customer_id`") && e.contains("\"Z\""), "{e}");
    std::fs::write(dir.path().join("events.csv"), "customer_id,ts,event_type\nA,1704448800,login\n").unwrap();
    // With a schema the nps table may be absent (no responses); without `product` each row is a line.
    let t = read("[events]\ncolumns = { timestamp = \"ts\" }\ntimestamp = \"epoch_s\"\n").unwrap().tables;
    assert_eq!((t.nps.len(), t.events.len(), t.subscriptions[0].product.as_str()), (0, 1, "line_2"));
    // A delimiter that does not split the header.
    let e = read("[customers]\ndelimiter = \";\"\n").unwrap_err().to_string();
    assert!(e.contains("customers.csv") && e.contains("comma-separated"), "{e}");
}
