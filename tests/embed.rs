//! The crate as an embedding service uses it, through `attrition::prelude` only: a model from
//! bytes, data from readers, scores streamed to a writer — each in a few lines.

use std::cell::RefCell;
use std::rc::Rc;

use attrition::prelude::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

/// A small flat training set (usage, plan) → churned, as CSV text.
fn training_csv(n: usize) -> String {
    let mut s = String::from("customer_id,usage,plan,churned\n");
    for i in 0..n {
        let usage = (i * 37) % 50;
        let plan = ["basic", "pro", "team"][i % 3];
        let churned = usage < 12 || (i % 3 == 0 && i % 7 == 0);
        s.push_str(&format!("c{i},{usage},{plan},{churned}\n"));
    }
    s
}

fn trained() -> TrainedModel {
    let data = load_flat_from_reader(
        training_csv(600).as_bytes(),
        "train.csv",
        &FlatOptions::new().target("churned").id("customer_id"),
    )
    .unwrap()
    .dataset;
    ModelParams::new(ModelKind::Logistic).fit(&data).unwrap().with_profile(&data).unwrap()
}

#[test]
fn a_model_round_trips_through_bytes_with_its_checks() {
    let model = trained();
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    let loaded = TrainedModel::from_reader(bytes.as_slice()).unwrap();
    assert_eq!(loaded, model);
    // The bytes are the model file's: what `save` writes, `from_reader` reads and vice versa.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // The checksum is checked whatever the source.
    let text = String::from_utf8(bytes).unwrap();
    let edited = text.replacen("\"training_rows\":600", "\"training_rows\":601", 1);
    assert_ne!(edited, text);
    let err = TrainedModel::from_reader(edited.as_bytes()).unwrap_err();
    assert!(matches!(err, Error::ModelChecksum { .. }), "{err}");
    // So is the schema version.
    let future = text.replacen("\"schema_version\":", "\"schema_version\":9", 1);
    assert!(
        matches!(TrainedModel::from_reader(future.as_bytes()), Err(Error::SchemaVersion { found, .. }) if found > 90)
    );
}

#[test]
fn scores_stream_from_a_reader_to_a_writer() {
    let model = trained();
    let body = "customer_id,usage,plan\na,3,basic\nb,40,team\n";
    let mut out = Vec::new();
    let report = score_reader(&model, body.as_bytes(), "request", &mut out, &ScoreOptions::default(), |_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_scored), (2, 2));
    let text = String::from_utf8(out).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "customer_id,p_churn,risk_tier,reason_1,reason_2,reason_3,reason_1_text,reason_2_text,reason_3_text,action"
    );
    assert!(rows[1].starts_with("a,") && rows[2].starts_with("b,"));
    // Errors name the reader's name and the line.
    let err = score_reader(
        &model,
        "customer_id,usage,plan\na,x,basic\n".as_bytes(),
        "request",
        Vec::new(),
        &ScoreOptions::default(),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("request:2 column `usage`"), "{err}");
}

struct Shared(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn scoring_writes_each_chunk_before_reading_on() {
    let model = trained();
    let mut body = String::from("customer_id,usage,plan\n");
    for i in 0..40 {
        body.push_str(&format!("r{i},{},pro\n", i % 50));
    }
    let output = Rc::new(RefCell::new(Vec::new()));
    let seen: Rc<RefCell<Vec<usize>>> = Rc::default();
    let (o, s) = (output.clone(), seen.clone());
    let options = ScoreOptions { chunk_rows: 10, reasons: 0, ..ScoreOptions::default() };
    // After each chunk, the rows written so far are visible to the consumer.
    score_reader(&model, body.as_bytes(), "stream", Shared(output.clone()), &options, move |n| {
        let lines = o.borrow().iter().filter(|&&b| b == b'\n').count();
        s.borrow_mut().push(lines);
        assert_eq!(lines as u64, n + 1, "rows written after {n} read");
    })
    .unwrap();
    assert_eq!(*seen.borrow(), vec![11, 21, 31, 41]);
}

#[test]
fn tables_read_from_readers_equal_tables_read_from_the_directory() {
    let from_dir = read_tables(SAMPLE, &ReadOptions::strict()).unwrap();
    let open = |f: &str| std::fs::File::open(format!("{SAMPLE}/{f}")).unwrap();
    let inputs = TableInputs {
        customers: TableInput::new("customers.csv", open("customers.csv")),
        subscriptions: TableInput::new("subscriptions.csv", open("subscriptions.csv")),
        events: TableInput::new("events.csv", open("events.csv")),
        nps: TableInput::new("nps.csv", open("nps.csv")),
        campaign: Some(TableInput::new("campaign.csv", open("campaign.csv"))),
    };
    let from_readers = read_tables_from(inputs, &ReadOptions::strict()).unwrap();
    assert_eq!(from_readers.tables, from_dir.tables);
    assert_eq!(from_readers.report.skipped_total(), 0);
    // A bad row names the reader's name.
    let customers =
        "customer_id,signup_date,vertical,sales_approach,specialised_provider\nc1,2024-13-01,retail,needs_based,true\n";
    let inputs = TableInputs {
        customers: TableInput::new("crm/customers", customers.as_bytes()),
        subscriptions: TableInput::new("subscriptions.csv", open("subscriptions.csv")),
        events: TableInput::new("events.csv", open("events.csv")),
        nps: TableInput::new("nps.csv", open("nps.csv")),
        campaign: None,
    };
    let err = read_tables_from(inputs, &ReadOptions::strict()).unwrap_err();
    assert!(err.to_string().contains("crm/customers:2 column `signup_date`"), "{err}");
}

#[test]
fn a_flat_file_from_a_reader_equals_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.csv");
    let text = training_csv(300);
    std::fs::write(&path, &text).unwrap();
    let options = FlatOptions::new().target("churned").id("customer_id");
    let from_file = load_flat(&path, &options).unwrap();
    let from_reader = load_flat_from_reader(text.as_bytes(), "train.csv", &options).unwrap();
    assert_eq!(from_reader.dataset, from_file.dataset);
    assert_eq!(from_reader.report.rows_loaded, 300);
}

#[test]
fn one_customer_is_built_by_name_and_scored_with_reasons() {
    let model = TrainedModel::from_reader(model_bytes().as_slice()).unwrap();
    let row = model.row().num("usage", 3.0).cat("plan", "basic").build().unwrap();
    let s = model.score_one(&row).unwrap();
    assert!(s.p_churn > model.training_churn_rate && s.tier != "low", "{s:?}");
    assert_eq!(s.reasons[0].feature, "usage");
    assert!(s.reasons[0].text.starts_with("usage is low: 3"), "{:?}", s.reasons[0]);
    assert_eq!(s.reasons_method, Some(attrition::models::trained::ExplanationMethod::Shapley));
    // The same row from JSON and from text; a feature not given is missing, not an error.
    let json = model.row_from_json(&serde_json::json!({"usage": 3, "plan": "basic"})).unwrap();
    let text: std::collections::HashMap<String, String> =
        [("usage".to_owned(), "3".to_owned()), ("plan".to_owned(), "basic".to_owned())].into();
    assert_eq!(json, row);
    assert_eq!(model.row_from_strings(&text).unwrap(), row);
    assert!(model.score_one(&model.row().cat("plan", "pro").build().unwrap()).is_ok());
    // Unknown names list the close ones; wrong kinds say so; both read as sentences.
    let e = model.row().num("Usage_", 3.0).build().unwrap_err();
    assert_eq!(e.to_string(), "the model has no feature `Usage_`; did you mean `usage`?");
    let e = model.row().num("plan", 3.0).build().unwrap_err();
    assert!(e.to_string().contains("`plan` is categorical in the model"), "{e}");
    // A dataset lacking features: a readable message that points at the row builder.
    let partial = Dataset::new(vec![Column::numeric("usage", vec![1.0])]).unwrap();
    let e = model.predict_proba(&partial).unwrap_err().to_string();
    assert!(e.contains("lacks 1 of the model's 2 features: `plan`") && e.contains("model.row()"), "{e}");
}

fn model_bytes() -> Vec<u8> {
    let mut bytes = Vec::new();
    trained().to_writer(&mut bytes).unwrap();
    bytes
}
