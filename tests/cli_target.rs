//! `attrition target`'s summary line against its own output file: the profit it prints for
//! "the same number by churn risk alone" is the sum of the expected profits of that many
//! customers ranked by P(churn) (issue 17: it was the sum over one customer fewer).

use std::io::Write;
use std::process::Command;

use attrition::models::Learner;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::{Column, Dataset};

#[test]
fn same_size_by_risk_is_the_profit_of_that_many_riskiest_customers() {
    let dir = tempfile::tempdir().unwrap();
    let n = 300;
    let tenure: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64).collect();
    let mrr: Vec<f64> = (0..n).map(|i| 50.0 + ((i * 53) % 40) as f64 * 25.0).collect();
    let churned: Vec<bool> = (0..n).map(|i| (i * 37) % 100 < 35 || i % 11 == 0).collect();
    let ds = Dataset::new(vec![Column::numeric("tenure", tenure.clone()), Column::numeric("mrr", mrr.clone())])
        .unwrap()
        .with_churned(churned)
        .unwrap();
    let model = dir.path().join("model.json");
    ModelParams::new(ModelKind::Logistic).seed(1).fit(&ds).unwrap().save(&model).unwrap();
    let data = dir.path().join("data.csv");
    let mut f = std::fs::File::create(&data).unwrap();
    writeln!(f, "customer_id,tenure,mrr").unwrap();
    for i in 0..n {
        // An id holding a comma and a quote: the output must quote it (issue 17).
        let id = if i == 7 { "\"acme, \"\"the\"\" inc.\"".to_string() } else { format!("c{i}") };
        writeln!(f, "{id},{},{}", tenure[i], mrr[i]).unwrap();
    }
    drop(f);
    let out = dir.path().join("targets.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["target", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--offer-cost", "30", "--label-days", "90", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8(run.stdout).unwrap();
    let number_after = |label: &str| -> f64 {
        let rest = &stdout[stdout.find(label).unwrap_or_else(|| panic!("{label:?} in {stdout}")) + label.len()..];
        rest.trim_start().split(|c: char| c == ';' || c.is_whitespace()).next().unwrap().parse().unwrap()
    };
    let contact = number_after("contact") as usize;
    let printed = number_after("the same number by churn risk alone:");
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (p_col, ev_col) = (col("p_churn"), col("expected_profit"));
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(records.iter().any(|r| &r[0] == "acme, \"the\" inc."), "the quoted id must read back");
    let mut rows: Vec<(f64, f64)> =
        records.iter().map(|r| (r[p_col].parse().unwrap(), r[ev_col].parse().unwrap())).collect();
    assert_eq!(rows.len(), n);
    assert!(contact > 0 && contact < n, "{stdout}");
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let want: f64 = rows[..contact].iter().map(|r| r.1).sum();
    let one_fewer: f64 = rows[..contact - 1].iter().map(|r| r.1).sum();
    // Printed with no decimals; the file's values are rounded to cents.
    let tol = 0.5 + 0.005 * contact as f64;
    assert!((want - one_fewer).abs() > 2.0 * tol, "the fixture must tell k from k − 1");
    assert!(
        (printed - want).abs() <= tol,
        "printed {printed}, want {want} (one customer fewer: {one_fewer})\n{stdout}"
    );
}

#[test]
fn out_of_fold_file_quotes_ids() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("flat.csv");
    let mut f = std::fs::File::create(&data).unwrap();
    writeln!(f, "customer_id,tenure,churned").unwrap();
    for i in 0..120 {
        writeln!(f, "\"id {i}, north\",{},{}", (i * 37) % 100, u8::from((i * 37) % 100 < 40)).unwrap();
    }
    drop(f);
    let oof = dir.path().join("oof.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["evaluate", "--data"])
        .arg(&data)
        .args([
            "--id",
            "customer_id",
            "--target",
            "churned",
            "--model",
            "logistic",
            "--folds",
            "2",
            "--quiet",
            "--oof-out",
        ])
        .arg(&oof)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let ids: Vec<String> = csv::Reader::from_path(&oof).unwrap().records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids.len(), 120);
    assert!(ids.iter().all(|id| id.starts_with("id ") && id.ends_with(", north")), "{:?}", &ids[..3]);
}

/// `target` reads the columns its model uses: no warning about how another column (`as_of`)
/// would be read as a feature; a blank MRR is an error naming the flag, column, file and customer.
#[test]
fn target_warns_only_about_the_models_columns_and_names_a_blank_mrr() {
    let dir = tempfile::tempdir().unwrap();
    let n = 120;
    let tenure: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64).collect();
    let churned: Vec<bool> = (0..n).map(|i| (i * 37) % 100 < 35 || i % 11 == 0).collect();
    let ds = Dataset::new(vec![Column::numeric("tenure", tenure.clone())]).unwrap().with_churned(churned).unwrap();
    let model = dir.path().join("model.json");
    ModelParams::new(ModelKind::Logistic).seed(1).fit(&ds).unwrap().save(&model).unwrap();
    let write = |name: &str, blank_at: Option<usize>| {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "customer_id,as_of,tenure,mrr").unwrap();
        for (i, t) in tenure.iter().enumerate() {
            let mrr = if Some(i) == blank_at { String::new() } else { "50".into() };
            writeln!(f, "c{i},2025-0{}-01,{t},{mrr}", 1 + i % 6).unwrap();
        }
        path
    };
    let run = |data: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(["target", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(data)
            .args(["--offer-cost", "30", "--label-days", "90", "--out"])
            .arg(dir.path().join(format!("{}.out.csv", data.file_name().unwrap().to_str().unwrap())))
            .output()
            .unwrap()
    };
    let ok = run(&write("ok.csv", None));
    let err = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{err}");
    assert!(!err.contains("as_of"), "a warning about a column the model does not read: {err}");
    let bad = run(&write("blank.csv", Some(41)));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(err.contains("--mrr-column") && err.contains("blank.csv") && err.contains("customer c41"), "{err}");
}
