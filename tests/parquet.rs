//! Parquet in and out (issue 15 item 3): the same simulated world written as CSV and as Parquet
//! (`simulate --format parquet`) gives byte-identical features; the bundled sample converted to
//! Parquet tables reads to the same tables; features and scores written as Parquet read back to
//! the CSV outputs' values; events timestamps as TIMESTAMP, epoch integers or strings read the same.
#![cfg(feature = "parquet")]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::io::schema::Schema;
use attrition::io::tables::{ReadOptions, read_tables, read_tables_with};

mod common;
use common::world::{assert_same_tables, bin, features, s, simulate_world};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

#[test]
fn a_parquet_world_gives_byte_identical_features_to_the_csv_world() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    for (format, out) in [("csv", "csv"), ("parquet", "pq")] {
        simulate_world(format, &p(out), &["--quiet"]);
    }
    assert!(p("pq/events.parquet").exists() && !p("pq/events.csv").exists());
    for (tables, out) in [("csv", "f_csv.csv"), ("pq", "f_pq.csv"), ("pq", "f_pq.parquet")] {
        features(&p(tables), None, &p(out));
    }
    let a = std::fs::read(p("f_csv.csv")).unwrap();
    assert!(a.len() > 10_000);
    assert_eq!(a, std::fs::read(p("f_pq.csv")).unwrap(), "features from Parquet tables differ from CSV tables'");
    // The Parquet features file holds the same values.
    let o = FlatOptions::new().id("customer_id").target("churned");
    let from_csv = load_flat(p("f_csv.csv"), &o).unwrap().dataset;
    let from_pq = load_flat(p("f_pq.parquet"), &o).unwrap().dataset;
    assert_eq!(from_csv.ids, from_pq.ids);
    assert_eq!(from_csv.churned, from_pq.churned);
    assert_eq!(from_csv.feature_names(), from_pq.feature_names());
    for (x, y) in from_csv.columns.iter().zip(&from_pq.columns) {
        match (x.as_numeric(), y.as_numeric()) {
            (Some(u), Some(v)) => {
                assert!(
                    u.iter().zip(v).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())),
                    "{}",
                    x.name
                )
            }
            _ => assert_eq!(x, y, "{}", x.name),
        }
    }
}

#[test]
fn the_sample_as_parquet_tables_reads_to_the_same_tables() {
    let csv = read_tables(SAMPLE, &ReadOptions::strict()).unwrap().tables;
    let dir = tempfile::tempdir().unwrap();
    attrition::io::parquet::write_tables(&csv, dir.path()).unwrap();
    let pq = read_tables(dir.path(), &ReadOptions::strict()).unwrap();
    assert!(pq.report.files.iter().all(|f| f.file.extension().unwrap() == "parquet"));
    assert_same_tables(&pq.tables, &csv);
}

/// Events as a foreign export: `ts` in epoch milliseconds (INT64), `account` and `name` strings.
fn write_events(path: &Path, ts: ArrayRef) {
    let batch = RecordBatch::try_from_iter([
        ("account", Arc::new(StringArray::from(vec!["A", "B", "A"])) as ArrayRef),
        ("ts", ts),
        ("name", Arc::new(StringArray::from(vec!["login", "login", "export"])) as ArrayRef),
    ])
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn event_timestamps_read_the_same_as_timestamp_epoch_or_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("customers.csv"), "customer_id,signup_date\nA,2024-01-05\nB,2024-02-01\n").unwrap();
    std::fs::write(
        d.join("subscriptions.csv"),
        "customer_id,product,start_date,end_date,mrr\nA,p,2024-01-05,,49\nB,p,2024-02-01,,79\n",
    )
    .unwrap();
    std::fs::write(d.join("nps.csv"), "customer_id,date,score\n").unwrap();
    let ms = [1_709_648_530_123i64, 1_709_700_000_000, 1_709_800_000_999];
    let want: Vec<i64> = ms.iter().map(|m| m.div_euclid(1000)).collect();
    let schema = |ts: &str| {
        let unit = if ts.is_empty() { String::new() } else { format!("timestamp = \"{ts}\"\n") };
        Schema::from_toml(
            &format!(
                "[events]\nfile = \"events.parquet\"\n{unit}columns = {{ customer_id = \"account\", timestamp = \"ts\", event_type = \"name\" }}\n"
            ),
            "schema.toml",
        )
        .unwrap()
    };
    let cases: Vec<(ArrayRef, &str)> = vec![
        (Arc::new(Int64Array::from(ms.to_vec())), "epoch_ms"),
        (Arc::new(Int64Array::from(want.clone())), "epoch_s"),
        (Arc::new(Float64Array::from(ms.iter().map(|&m| m as f64 / 1000.0).collect::<Vec<_>>())), "epoch_s"),
        (Arc::new(arrow_array::TimestampMillisecondArray::from(ms.to_vec()).with_timezone("+02:00")), ""),
        // A TIMESTAMP column needs no unit: a schema's epoch unit does not apply to it.
        (Arc::new(arrow_array::TimestampMicrosecondArray::from(ms.map(|m| m * 1000).to_vec())), "epoch_ms"),
        (
            Arc::new(StringArray::from(vec![
                "2024-03-05T14:22:10.123Z",
                "2024-03-06T04:40:00Z",
                "2024-03-07T08:26:40+00:00",
            ])),
            "",
        ),
    ];
    for (ts, unit) in cases {
        let ty = ts.data_type().clone();
        write_events(&d.join("events.parquet"), ts);
        let t = read_tables_with(d, Some(&schema(unit)), &ReadOptions::strict())
            .unwrap_or_else(|e| panic!("{ty} / {unit:?}: {e}"))
            .tables;
        assert_eq!(t.events.timestamp, want, "{ty} / {unit:?}");
        assert_eq!(t.events.kinds, ["login", "export"]);
    }
    // Integers without a unit are refused, naming the column and the fix.
    write_events(&d.join("events.parquet"), Arc::new(Int64Array::from(ms.to_vec())));
    let e = read_tables_with(d, Some(&schema("")), &ReadOptions::strict()).unwrap_err();
    assert!(e.to_string().contains("events.parquet: column `ts` is a integer column"), "{e}");
    assert!(e.to_string().contains("schema.toml"), "{e}");
}

#[test]
fn scores_written_as_parquet_hold_the_csv_scores() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    bin(&[
        "features",
        "--tables",
        SAMPLE,
        "--from",
        "2025-01-01",
        "--to",
        "2025-06-01",
        "--horizon-days",
        "60",
        "--out",
        s(&p("train.parquet")),
    ]);
    bin(&[
        "train",
        "--data",
        s(&p("train.parquet")),
        "--as-of",
        "as_of",
        "--model",
        "logistic",
        "--out",
        s(&p("model.json")),
    ]);
    bin(&["features", "--tables", SAMPLE, "--snapshot", "2025-07-01", "--out", s(&p("snap.parquet"))]);
    bin(&["score", "--model", s(&p("model.json")), "--data", s(&p("snap.parquet")), "--out", s(&p("scores.csv"))]);
    bin(&["score", "--model", s(&p("model.json")), "--data", s(&p("snap.parquet")), "--out", s(&p("scores.parquet"))]);
    let mut rdr = csv::Reader::from_path(p("scores.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() > 100);
    let f = std::fs::File::open(p("scores.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap().build().unwrap();
    let mut n = 0;
    for batch in reader {
        let b = batch.unwrap();
        let ids = b.column_by_name("customer_id").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let pc = b.column_by_name("p_churn").unwrap().as_any().downcast_ref::<Float64Array>().unwrap().clone();
        let tier = b.column_by_name("risk_tier").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        for i in 0..b.num_rows() {
            let r = &rows[n];
            assert_eq!(ids.value(i), &r[0]);
            assert_eq!(pc.value(i), r[1].parse::<f64>().unwrap());
            assert_eq!(tier.value(i), &r[2]);
            n += 1;
        }
    }
    assert_eq!(n, rows.len());
}

/// One events row: customer, timestamp (UTC seconds), event type, user; `None` is a null.
type EventRow = (Option<&'static str>, Option<i64>, Option<&'static str>, Option<&'static str>);

/// Writes `rows` as `events.parquet` (TIMESTAMP seconds, strings) in row groups of `group` rows,
/// and as `events.csv` (a null is an empty field) in `csv_dir`.
fn write_event_rows(pq_dir: &Path, csv_dir: &Path, rows: &[EventRow], group: usize) {
    let batch = RecordBatch::try_from_iter([
        ("customer_id", Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
        (
            "timestamp",
            Arc::new(
                arrow_array::TimestampSecondArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
        ),
        ("event_type", Arc::new(StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>()))),
        ("user_id", Arc::new(StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>()))),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(group)).build();
    let file = std::fs::File::create(pq_dir.join("events.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mut csv = String::from("customer_id,timestamp,event_type,user_id\n");
    for r in rows {
        let t = r.1.map(attrition::io::parse::format_timestamp).unwrap_or_default();
        csv += &format!("{},{t},{},{}\n", r.0.unwrap_or(""), r.2.unwrap_or(""), r.3.unwrap_or(""));
    }
    std::fs::write(csv_dir.join("events.csv"), csv).unwrap();
}

#[test]
fn parquet_events_are_checked_row_by_row_like_csv_and_errors_name_the_row_group() {
    let (pq, csv) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [pq.path(), csv.path()] {
        std::fs::write(d.join("customers.csv"), "customer_id,signup_date\nA,2024-01-05\nB,2024-02-01\n").unwrap();
        std::fs::write(
            d.join("subscriptions.csv"),
            "customer_id,product,start_date,end_date,mrr\nA,p,2024-01-05,,49\nB,p,2024-02-01,,79\n",
        )
        .unwrap();
        std::fs::write(d.join("nps.csv"), "customer_id,date,score\n").unwrap();
    }
    let mar = 1_709_251_200; // 2024-03-01T00:00:00Z
    let rows: Vec<EventRow> = vec![
        (Some("A"), Some(mar), Some("login"), Some("u1")),
        (Some("B"), Some(mar + 3600), Some("export"), Some("u2")),
        (Some("Z"), Some(mar), Some("login"), Some("u1")), // unknown customer
        (Some("A"), None, Some("login"), Some("u1")),      // no timestamp
        (Some("B"), Some(mar - 40 * 86_400), Some("login"), Some("u2")), // before signup
        (Some("A"), Some(mar + 86_400), Some(" "), Some("u1")), // blank event type
        (Some("A"), Some(mar + 86_400), Some("login"), None), // no user
        (Some(""), Some(mar), Some("login"), Some("u1")),  // blank customer
        (Some("A"), Some(mar + 2 * 86_400), Some("report"), Some("u3")),
        (Some("B"), Some(mar + 3600), Some("export"), Some("u2")), // duplicate of row 2
        (Some("A"), Some(4_102_444_800 * 2), Some("login"), Some("u1")), // after 2200
    ];
    write_event_rows(pq.path(), csv.path(), &rows, 4);
    let from_pq = read_tables(pq.path(), &ReadOptions::lenient()).unwrap();
    let from_csv = read_tables(csv.path(), &ReadOptions::lenient()).unwrap();
    assert_eq!(from_pq.tables.events, from_csv.tables.events);
    assert_eq!(from_pq.tables.events.len(), 3);
    assert_eq!(from_pq.tables.events.kinds, ["login", "export", "report"]);
    let events = |r: &attrition::io::tables::LoadReport| {
        r.files.iter().find(|f| f.file.to_string_lossy().contains("events")).cloned().unwrap()
    };
    let (p, c) = (events(&from_pq.report), events(&from_csv.report));
    assert_eq!((p.rows_read, p.rows_loaded, p.duplicates), (11, 3, 1));
    assert_eq!(
        (p.rows_read, p.rows_loaded, p.duplicates, &p.skipped),
        (c.rows_read, c.rows_loaded, c.duplicates, &c.skipped)
    );
    assert_eq!(p.skipped.values().sum::<u64>(), 7);

    // Strict: the first bad row, with its row group (0-based; rows 5–8 are the second group).
    let e = read_tables(pq.path(), &ReadOptions::strict()).unwrap_err().to_string();
    assert!(e.contains("events.parquet row 3 (row group 0) column `customer_id`"), "{e}");
    write_event_rows(pq.path(), csv.path(), &[rows[0], rows[1], rows[0], rows[1], rows[0], rows[5]], 4);
    let e = read_tables(pq.path(), &ReadOptions::strict()).unwrap_err().to_string();
    assert!(e.contains("events.parquet row 6 (row group 1) column `event_type`"), "{e}");
}

/// Row groups decoded in parallel give the serial reader's tables, counts and first error: the
/// same events in the same order, types and users interned in the same order.
#[test]
fn parquet_events_read_in_parallel_equal_the_serial_read() {
    let (pq, csv) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [pq.path(), csv.path()] {
        std::fs::write(d.join("customers.csv"), "customer_id,signup_date\nA,2024-01-05\nB,2024-02-01\nC,2024-02-03\n")
            .unwrap();
        std::fs::write(
            d.join("subscriptions.csv"),
            "customer_id,product,start_date,end_date,mrr\nA,p,2024-01-05,,49\nB,p,2024-02-01,,79\n",
        )
        .unwrap();
        std::fs::write(d.join("nps.csv"), "customer_id,date,score\n").unwrap();
    }
    const IDS: [Option<&str>; 5] = [Some("A"), Some("B"), Some("C"), Some("Z"), None];
    const KINDS: [Option<&str>; 6] = [Some("login"), Some("export"), Some("report"), Some("k4"), Some("k5"), None];
    const USERS: [Option<&str>; 4] = [Some("u1"), Some("u2"), Some("u3"), None];
    let mar = 1_709_251_200; // 2024-03-01T00:00:00Z
    let mut state = 7u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    // Mostly good rows; a few of each problem (unknown or missing customer, type or user).
    let rows: Vec<EventRow> = (0..5_000)
        .map(|i| {
            let bad = next(50) == 0;
            let id = if bad { IDS[next(5)] } else { IDS[next(3)] };
            let kind = if bad { KINDS[next(6)] } else { KINDS[next(5)] };
            let user = if bad { USERS[next(4)] } else { USERS[next(3)] };
            (id, Some(mar + i as i64 * 60), kind, user)
        })
        .collect();
    write_event_rows(pq.path(), csv.path(), &rows, 97);
    let read = |threads: usize, options: ReadOptions| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| read_tables(pq.path(), &options))
    };
    let serial = read(1, ReadOptions::lenient()).unwrap();
    let parallel = read(4, ReadOptions::lenient()).unwrap();
    assert!(serial.tables.events.len() > 4_000);
    assert_eq!(serial.tables.events, parallel.tables.events);
    assert_eq!(serial.tables.events.kinds, parallel.tables.events.kinds);
    assert_eq!(serial.report.files, parallel.report.files);
    // And both equal the CSV read of the same rows.
    let from_csv = read_tables(csv.path(), &ReadOptions::lenient()).unwrap();
    assert_eq!(from_csv.tables.events, parallel.tables.events);
    let (e1, e4) = (read(1, ReadOptions::strict()).unwrap_err(), read(4, ReadOptions::strict()).unwrap_err());
    assert_eq!(e1.to_string(), e4.to_string());
    assert!(e4.to_string().contains("(row group "), "{e4}");
}

/// One events row with owned strings (customer, timestamp, type, user; `None` a null).
type OwnedEventRow = (Option<String>, Option<i64>, Option<String>, Option<String>);

/// The columnar events reader's fast loop (runs of rows whose ids, types and users are already
/// resolved and whose times are valid) keeps exactly what reading row by row keeps: on a messy
/// file (nulls in some row groups, unknown and blank ids, blank types and users, times before
/// signup, negative or past 2200, duplicates, types and users first seen mid-run), with times in
/// seconds and in milliseconds, on 1 and 4 threads, the events (order, interned types and users),
/// counts and skip reasons equal the CSV read of the same rows; the first strict error is the
/// same row and column; an INT64 `customer_id` (a type the columnar reader does not take) is read
/// row by row to the same events.
#[test]
fn parquet_events_fast_loop_equals_the_row_by_row_read_on_a_messy_file() {
    let (pq, csv) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let customers: String = (0..40).map(|c| format!("C{c},2024-0{}-01\n", 1 + c % 3)).collect();
    for d in [pq.path(), csv.path()] {
        std::fs::write(d.join("customers.csv"), format!("customer_id,signup_date\n{customers}")).unwrap();
        std::fs::write(
            d.join("subscriptions.csv"),
            "customer_id,product,start_date,end_date,mrr\nC0,p,2024-01-01,,49\nC1,p,2024-02-01,,79\n",
        )
        .unwrap();
        std::fs::write(d.join("nps.csv"), "customer_id,date,score\n").unwrap();
    }
    let jan = 1_704_067_200i64; // 2024-01-01T00:00:00Z
    let mut state = 11u64;
    let mut next = |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let n = 30_000;
    let mut rows: Vec<OwnedEventRow> = Vec::with_capacity(n);
    for i in 0..n {
        // Grouped by customer in time order, as exports usually are; users and types appear over time.
        let c = (i * 40 / n) as u64;
        let t = jan + 100 * 86_400 + i as i64 * 97;
        let mut row = (
            Some(format!("C{c}")),
            Some(t),
            Some(format!("k{}", next(3 + i as u64 / 3_000))),
            Some(format!("C{c}-u{}", next(1 + i as u64 / 5_000))),
        );
        // Row groups 3 and 7 (of 1,000 rows) hold nulls; bad values anywhere.
        let group = i / 1_000;
        match next(400) {
            0 if group == 3 || group == 7 => row.0 = None,
            1 if group == 3 || group == 7 => row.1 = None,
            2 if group == 3 => row.2 = None,
            3 if group == 7 => row.3 = None,
            4 => row.0 = Some("Z9".into()),
            5 => row.0 = Some(" ".into()),
            6 => row.1 = Some(jan - 86_400),              // before every signup
            7 => row.1 = Some(-5),                        // before 1970
            8 => row.1 = Some(4_102_444_800 * 2),         // after 2200
            9 => row.2 = Some("".into()),                 // blank type
            10 => row.3 = Some("  ".into()),              // blank user
            11 if i > 0 => row = rows[i - 1].clone(),     // a duplicate
            12 => row.2 = Some(format!("late{}", i % 7)), // a type first seen mid-run
            _ => {}
        }
        rows.push(row);
    }
    let mut text = String::from("customer_id,timestamp,event_type,user_id\n");
    for r in &rows {
        let t = r.1.map(attrition::io::parse::format_timestamp).unwrap_or_default();
        let f = |v: &Option<String>| v.clone().unwrap_or_default();
        text += &format!("{},{t},{},{}\n", f(&r.0), f(&r.2), f(&r.3));
    }
    std::fs::write(csv.path().join("events.csv"), text).unwrap();
    let from_csv = read_tables(csv.path(), &ReadOptions::lenient()).unwrap();
    let csv_events = from_csv.report.files.iter().find(|f| f.file.to_string_lossy().contains("events")).unwrap();
    assert!(from_csv.tables.events.len() > 25_000 && csv_events.skipped.values().sum::<u64>() > 500);
    assert!(csv_events.duplicates > 50, "{csv_events:?}");
    let csv_strict = read_tables(csv.path(), &ReadOptions::strict()).unwrap_err().to_string();
    // The data row (Parquet: `row N`; CSV: `events.csv:LINE`, the header being line 1) and column.
    let strict_at = |e: &str| {
        let row = match e.split_once(".csv:") {
            Some((_, rest)) => rest.split_whitespace().next().and_then(|l| l.parse::<u64>().ok()).map(|l| l - 1),
            None => e.split_once(" row ").and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok()),
        };
        (row, e.split('`').nth(1).map(str::to_owned))
    };

    let strings = |col: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| {
                    if col == 0 {
                        r.0.clone()
                    } else if col == 2 {
                        r.2.clone()
                    } else {
                        r.3.clone()
                    }
                })
                .collect::<Vec<_>>(),
        ))
    };
    for millis in [false, true] {
        let ts: ArrayRef = if millis {
            // Milliseconds past each second, which the reader drops (as the CSV's whole seconds).
            let ms =
                rows.iter().enumerate().map(|(i, r)| r.1.map(|t| t * 1_000 + (i % 1_000) as i64 * i64::from(t >= 0)));
            Arc::new(arrow_array::TimestampMillisecondArray::from(ms.collect::<Vec<_>>()).with_timezone("UTC"))
        } else {
            Arc::new(
                arrow_array::TimestampSecondArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            )
        };
        let batch = RecordBatch::try_from_iter([
            ("customer_id", strings(0)),
            ("timestamp", ts),
            ("event_type", strings(2)),
            ("user_id", strings(3)),
        ])
        .unwrap();
        let props =
            parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(1_000)).build();
        let file = std::fs::File::create(pq.path().join("events.parquet")).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = pool.install(|| read_tables(pq.path(), &ReadOptions::lenient())).unwrap();
            let what = format!("millis {millis}, {threads} threads");
            assert_eq!(got.tables.events, from_csv.tables.events, "{what}");
            assert_eq!(got.tables.events.kinds, from_csv.tables.events.kinds, "{what}");
            assert_eq!(got.tables.events.users, from_csv.tables.events.users, "{what}");
            let p = got.report.files.iter().find(|f| f.file.to_string_lossy().contains("events")).unwrap();
            assert_eq!(
                (p.rows_read, p.rows_loaded, p.duplicates, &p.skipped),
                (csv_events.rows_read, csv_events.rows_loaded, csv_events.duplicates, &csv_events.skipped),
                "{what}"
            );
            let e = pool.install(|| read_tables(pq.path(), &ReadOptions::strict())).unwrap_err().to_string();
            assert!(e.contains("events.parquet row ") && e.contains("(row group "), "{e}");
            assert_eq!(strict_at(&e), strict_at(&csv_strict), "{what}: {e} / {csv_strict}");
        }
    }

    // customer_id as INT64 (the ids' digits): read row by row, to the same events as the CSV.
    let digits: Vec<String> = (0..40).map(|c| format!("{}", 1000 + c)).collect();
    let customers: String = digits.iter().enumerate().map(|(c, id)| format!("{id},2024-0{}-01\n", 1 + c % 3)).collect();
    let subs = format!("customer_id,product,start_date,end_date,mrr\n{},p,2024-01-01,,49\n", digits[0]);
    let good: Vec<usize> = (0..n).filter(|&i| rows[i].0.as_deref().is_some_and(|c| c.starts_with('C'))).collect();
    let mut text = String::from("customer_id,timestamp,event_type,user_id\n");
    for &i in &good {
        let r = &rows[i];
        let c: usize = r.0.as_deref().unwrap()[1..].parse().unwrap();
        let t = r.1.map(attrition::io::parse::format_timestamp).unwrap_or_default();
        text += &format!("{},{t},{},{}\n", digits[c], r.2.clone().unwrap_or_default(), r.3.clone().unwrap_or_default());
    }
    for d in [pq.path(), csv.path()] {
        std::fs::write(d.join("customers.csv"), format!("customer_id,signup_date\n{customers}")).unwrap();
        std::fs::write(d.join("subscriptions.csv"), &subs).unwrap();
    }
    std::fs::write(csv.path().join("events.csv"), text).unwrap();
    let ids = good.iter().map(|&i| 1000 + rows[i].0.as_deref().unwrap()[1..].parse::<i64>().unwrap());
    let pick = |col: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            good.iter().map(|&i| if col == 2 { rows[i].2.clone() } else { rows[i].3.clone() }).collect::<Vec<_>>(),
        ))
    };
    let batch = RecordBatch::try_from_iter([
        ("customer_id", Arc::new(Int64Array::from_iter_values(ids)) as ArrayRef),
        (
            "timestamp",
            Arc::new(
                arrow_array::TimestampSecondArray::from(good.iter().map(|&i| rows[i].1).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
        ),
        ("event_type", pick(2)),
        ("user_id", pick(3)),
    ])
    .unwrap();
    let file = std::fs::File::create(pq.path().join("events.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let got = read_tables(pq.path(), &ReadOptions::lenient()).unwrap();
    let want = read_tables(csv.path(), &ReadOptions::lenient()).unwrap();
    assert!(want.tables.events.len() > 25_000);
    assert_eq!(got.tables.events, want.tables.events);
    assert_eq!(got.tables.events.users, want.tables.events.users);
}

/// The events the simulator writes as Parquet (times DELTA_BINARY_PACKED, uncompressed; ids,
/// types and users dictionary-encoded, zstd) read in DuckDB and pyarrow to the rows we wrote.
#[test]
#[cfg_attr(not(sql_engines), ignore = "needs a Python with tests/requirements.txt (target/test-venv, see .ci/run)")]
fn simulated_parquet_events_read_the_same_in_duckdb_and_pyarrow() {
    use attrition::simulate::{SimulationParams, simulate};
    let world = simulate(&SimulationParams { campaign_month: None, ..SimulationParams::new(300, 6, 7) }).unwrap();
    let dir = tempfile::tempdir().unwrap();
    attrition::io::parquet::write_tables(&world.tables, dir.path()).unwrap();
    let ev = &world.tables.events;
    let script = r#"
import sys, duckdb, pyarrow.parquet as pq
path = sys.argv[1]
q = "SELECT count(*), sum(timestamp::BIGINT), count(DISTINCT user_id) FROM read_parquet(?)"
n, s, u = duckdb.connect().execute(q, [path]).fetchone()
f = pq.ParquetFile(path)
t = f.read()
enc = sorted(set(e for g in range(f.metadata.num_row_groups) for e in f.metadata.row_group(g).column(1).encodings))
print(n, s, u, t.num_rows, sum(t.column('timestamp').to_pylist()), t.column('event_type')[0], '+'.join(enc))
"#;
    let out = std::process::Command::new(common::engines::python())
        .arg("-c")
        .arg(script)
        .arg(dir.path().join("events.parquet"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let f: Vec<&str> = text.split_whitespace().collect();
    let sum: i64 = ev.timestamp.iter().sum();
    let users = ev.user.iter().collect::<std::collections::HashSet<_>>().len();
    assert!(ev.len() > 1_000);
    assert_eq!(
        f[..5],
        [ev.len().to_string(), sum.to_string(), users.to_string(), ev.len().to_string(), sum.to_string()]
    );
    assert_eq!(f[5], ev.kinds[ev.kind[0] as usize]);
    assert!(f[6].contains("DELTA_BINARY_PACKED"), "{text}");
}

/// A model trained on a `;` file with decimal commas (recorded in the model file) scores the same
/// rows from Parquet, whose numbers are typed (a tester's report: every DOUBLE was a bad number).
#[test]
fn a_decimal_comma_model_scores_parquet_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let mut euro = String::from("plan;charges;tenure;churned\n");
    let (mut plans, mut charges, mut tenures) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..120u32 {
        let plan = ["basic", "pro", "team"][(i % 3) as usize];
        let c = f64::from(10 + (i * 7) % 90) + f64::from((i * 13) % 100) / 100.0;
        let tenure = (i % 11 != 0).then(|| f64::from((i * 5) % 37));
        let churned = if (i * 7) % 10 < 3 || (i % 3 == 0 && i % 2 == 0) { "yes" } else { "no" };
        let t = tenure.map_or(String::new(), |t| t.to_string());
        euro.push_str(&format!("{plan};{};{t};{churned}\n", format!("{c:.2}").replace('.', ",")));
        plans.push(plan);
        charges.push(c);
        tenures.push(tenure);
    }
    std::fs::write(p("euro.csv"), euro).unwrap();
    let batch = RecordBatch::try_from_iter([
        ("plan", Arc::new(StringArray::from(plans)) as ArrayRef),
        ("charges", Arc::new(Float64Array::from(charges)) as ArrayRef),
        ("tenure", Arc::new(Float64Array::from(tenures)) as ArrayRef),
    ])
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(p("rows.parquet")).unwrap(), batch.schema(), None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let m = s(&p("m.json")).to_owned();
    bin(&[
        "train",
        "--data",
        s(&p("euro.csv")),
        "--id",
        "none",
        "--target",
        "churned",
        "--model",
        "logistic",
        "--out",
        &m,
    ]);
    bin(&["score", "--model", &m, "--data", s(&p("euro.csv")), "--out", s(&p("euro_scores.csv"))]);
    bin(&["score", "--model", &m, "--data", s(&p("rows.parquet")), "--out", s(&p("pq_scores.csv"))]);
    let col = |f: &str| -> Vec<String> {
        let mut r = csv::Reader::from_path(p(f)).unwrap();
        r.records().map(|r| r.unwrap()[1].to_string()).collect()
    };
    assert_eq!(col("pq_scores.csv"), col("euro_scores.csv"));
}
