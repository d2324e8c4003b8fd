//! "What changed since the last run": today's scores against a previous run's `scores.csv`.
//!
//! ```
//! use attrition::report::changes::{compare_scores, read_previous_scores};
//! let before = "customer_id,p_churn,target\na,0.10,false\nb,0.40,true\nc,0.30,true\n";
//! let previous = read_previous_scores(before.as_bytes(), "old/scores.csv".as_ref()).unwrap();
//! let ids = vec!["a".to_string(), "b".to_string(), "d".to_string()];
//! let changes = compare_scores(&previous, &ids, &[0.35, 0.38, 0.2], &[true, true, false]).unwrap();
//! assert_eq!(changes.newly_targeted, vec!["a"]);
//! assert_eq!(changes.gone, vec!["c"]);
//! assert_eq!(changes.new_customers, 1);
//! assert_eq!(changes.risk_up[0].customer_id, "a");
//! assert!(changes.section().charts.len() == 2);
//! ```

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::{Chart, Section, Table};
use crate::error::{Error, Location, Result, RowProblem};

/// One customer's score in a previous run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousScore {
    /// Customer id.
    pub customer_id: String,
    /// P(churn) then.
    pub p_churn: f64,
    /// Whether the customer was worth contacting then (`target` column; `None` if absent).
    pub target: Option<bool>,
}

/// Reads a previous `scores.csv` (columns `customer_id`, `p_churn`, optional `target`; others
/// ignored). `path` names the source in errors, which give its line (header = 1) and column.
pub fn read_previous_scores(reader: impl Read, path: &Path) -> Result<Vec<PreviousScore>> {
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
    let bad_header = |reason: String| Error::BadHeader { file: path.to_path_buf(), reason };
    let headers = r.headers().map_err(|e| bad_header(e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let id_col = col("customer_id").ok_or_else(|| bad_header("missing column `customer_id`".into()))?;
    let p_col = col("p_churn").ok_or_else(|| bad_header("missing column `p_churn`".into()))?;
    let t_col = col("target");
    let mut out = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let line = k as u64 + 2;
        let at = |column: Option<&str>| Location {
            file: path.to_path_buf(),
            line,
            column: column.map(str::to_string),
            row_group: None,
        };
        let rec = rec.map_err(|e| Error::BadRow {
            location: at(None),
            problem: RowProblem::Malformed,
            value: e.to_string().chars().take(200).collect(),
            expected: "a CSV record with as many fields as the header".into(),
        })?;
        let line = rec.position().map_or(line, |p| p.line());
        let at = |column: &str| Location {
            file: path.to_path_buf(),
            line,
            column: Some(column.to_string()),
            row_group: None,
        };
        let id = rec.get(id_col).unwrap_or("").trim().to_string();
        if id.is_empty() {
            return Err(Error::BadRow {
                location: at("customer_id"),
                problem: RowProblem::MissingValue,
                value: String::new(),
                expected: "a customer id".into(),
            });
        }
        let raw = rec.get(p_col).unwrap_or("").trim();
        let p: f64 = match raw.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            Ok(_) => {
                return Err(Error::BadRow {
                    location: at("p_churn"),
                    problem: RowProblem::OutOfRange,
                    value: raw.chars().take(200).collect(),
                    expected: "a probability in [0, 1]".into(),
                });
            }
            Err(_) => {
                return Err(Error::BadRow {
                    location: at("p_churn"),
                    problem: RowProblem::BadNumber,
                    value: raw.chars().take(200).collect(),
                    expected: "a probability in [0, 1]".into(),
                });
            }
        };
        let target = match t_col.and_then(|c| rec.get(c)).map(str::trim) {
            None | Some("") => None,
            Some("true" | "1" | "True" | "TRUE") => Some(true),
            Some("false" | "0" | "False" | "FALSE") => Some(false),
            Some(other) => {
                return Err(Error::BadRow {
                    location: at("target"),
                    problem: RowProblem::BadCategory,
                    value: other.chars().take(200).collect(),
                    expected: "true or false".into(),
                });
            }
        };
        out.push(PreviousScore { customer_id: id, p_churn: p, target });
    }
    Ok(out)
}

/// [`read_previous_scores`] from a file.
pub fn read_previous_scores_file(path: &Path) -> Result<Vec<PreviousScore>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    read_previous_scores(std::io::BufReader::new(f), path)
}

/// A customer whose P(churn) changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChange {
    /// Customer id.
    pub customer_id: String,
    /// P(churn) in the previous run.
    pub before: f64,
    /// P(churn) now.
    pub after: f64,
    /// Worth contacting now.
    pub target: bool,
}

/// Today's scores against a previous run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChanges {
    /// Customers in the previous run.
    pub previous_customers: usize,
    /// Customers scored now.
    pub current_customers: usize,
    /// Scored now, not in the previous run.
    pub new_customers: usize,
    /// In the previous run, not scored now (churned or no longer active), sorted.
    pub gone: Vec<String>,
    /// Worth contacting now, not then (among customers in both runs), sorted.
    pub newly_targeted: Vec<String>,
    /// Worth contacting then, not now (among customers in both runs), sorted.
    pub no_longer_targeted: Vec<String>,
    /// Customers in both runs worth contacting then / now.
    pub targeted_before: usize,
    /// See `targeted_before`.
    pub targeted_now: usize,
    /// Largest increases of P(churn), at most 25, largest first.
    pub risk_up: Vec<ScoreChange>,
    /// Mean P(churn) then, over customers in both runs.
    pub mean_before: f64,
    /// Mean P(churn) now, over customers in both runs.
    pub mean_after: f64,
}

/// Compares today's scores (`ids`, `p_churn`, `target` per customer) with a previous run. Errors
/// when the lengths differ or an id repeats in the previous run.
pub fn compare_scores(
    previous: &[PreviousScore],
    ids: &[String],
    p_churn: &[f64],
    target: &[bool],
) -> Result<ScoreChanges> {
    if ids.len() != p_churn.len() || ids.len() != target.len() {
        return Err(Error::param(
            "compare_scores",
            format!("{} ids, {} scores, {} targets", ids.len(), p_churn.len(), target.len()),
            "one score and one target flag per id",
        ));
    }
    let mut before: HashMap<&str, &PreviousScore> = HashMap::with_capacity(previous.len());
    for s in previous {
        if before.insert(s.customer_id.as_str(), s).is_some() {
            return Err(Error::param("previous scores", &s.customer_id, "customer id appears twice"));
        }
    }
    let now: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut gone: Vec<String> =
        previous.iter().filter(|s| !now.contains_key(s.customer_id.as_str())).map(|s| s.customer_id.clone()).collect();
    gone.sort();
    let (mut newly, mut dropped, mut changes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut new_customers, mut tb, mut tn, mut sb, mut sa, mut both) = (0, 0, 0, 0.0, 0.0, 0usize);
    for (i, id) in ids.iter().enumerate() {
        let Some(prev) = before.get(id.as_str()) else {
            new_customers += 1;
            continue;
        };
        both += 1;
        sb += prev.p_churn;
        sa += p_churn[i];
        let was = prev.target.unwrap_or(false);
        tb += usize::from(was);
        tn += usize::from(target[i]);
        if target[i] && prev.target == Some(false) {
            newly.push(id.clone());
        }
        if !target[i] && was {
            dropped.push(id.clone());
        }
        if p_churn[i] > prev.p_churn {
            changes.push(ScoreChange {
                customer_id: id.clone(),
                before: prev.p_churn,
                after: p_churn[i],
                target: target[i],
            });
        }
    }
    newly.sort();
    dropped.sort();
    changes.sort_by(|a, b| {
        (b.after - b.before).total_cmp(&(a.after - a.before)).then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    changes.truncate(25);
    let n = both.max(1) as f64;
    Ok(ScoreChanges {
        previous_customers: previous.len(),
        current_customers: ids.len(),
        new_customers,
        gone,
        newly_targeted: newly,
        no_longer_targeted: dropped,
        targeted_before: tb,
        targeted_now: tn,
        risk_up: changes,
        mean_before: sb / n,
        mean_after: sa / n,
    })
}

impl ScoreChanges {
    /// The report's "Changes since the last run" section: a summary table and the largest
    /// increases of risk.
    pub fn section(&self) -> Section {
        let pct = |v: f64| format!("{:.1}%", 100.0 * v);
        let list = |v: &[String]| {
            let shown: Vec<&str> = v.iter().take(10).map(String::as_str).collect();
            if v.len() > 10 { format!("{} …", shown.join(", ")) } else { shown.join(", ") }
        };
        let row = |a: &str, b: String, c: String| vec![a.to_string(), b, c];
        let summary = Table {
            id: "changes_summary".into(),
            title: "Since the last run".into(),
            columns: vec!["".into(), "then".into(), "now".into()],
            rows: vec![
                row("customers scored", self.previous_customers.to_string(), self.current_customers.to_string()),
                row("mean P(churn), customers in both runs", pct(self.mean_before), pct(self.mean_after)),
                row(
                    "worth contacting, customers in both runs",
                    self.targeted_before.to_string(),
                    self.targeted_now.to_string(),
                ),
                row("new customers", String::new(), self.new_customers.to_string()),
                row("no longer active (churned or ended)", self.gone.len().to_string(), list(&self.gone)),
                row(
                    "newly worth contacting",
                    String::new(),
                    format!("{}: {}", self.newly_targeted.len(), list(&self.newly_targeted)),
                ),
                row(
                    "no longer worth contacting",
                    String::new(),
                    format!("{}: {}", self.no_longer_targeted.len(), list(&self.no_longer_targeted)),
                ),
            ],
            reading: "Counts compare the customers scored in both runs, unless the row says otherwise.".into(),
        };
        let mut section = Section::new(
            "Changes since the last run",
            format!(
                "Today's scores against the previous scores.csv: {} customers then, {} now, {} new, {} no longer active.",
                self.previous_customers,
                self.current_customers,
                self.new_customers,
                self.gone.len()
            ),
        )
        .chart(Chart::Table(summary));
        if !self.risk_up.is_empty() {
            section = section.chart(Chart::Table(Table {
                id: "risk_increases".into(),
                title: "Largest increases of churn risk".into(),
                columns: ["customer", "P(churn) then", "P(churn) now", "change", "worth contacting now"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .risk_up
                    .iter()
                    .map(|c| {
                        vec![
                            c.customer_id.clone(),
                            pct(c.before),
                            pct(c.after),
                            format!("+{:.1} points", 100.0 * (c.after - c.before)),
                            if c.target { "yes".into() } else { "no".into() },
                        ]
                    })
                    .collect(),
                reading: "Customers whose risk rose most since the previous run: a reason to call before the next one."
                    .into(),
            }));
        }
        section
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(csv: &str) -> String {
        read_previous_scores(csv.as_bytes(), Path::new("old.csv")).unwrap_err().to_string()
    }

    #[test]
    fn bad_previous_files_name_line_and_column() {
        assert!(err("id,p\n").contains("missing column `customer_id`"));
        let e = err("customer_id,p_churn\na,0.1\nb,high\n");
        assert!(e.contains("old.csv:3") && e.contains("p_churn") && e.contains("high"), "{e}");
        assert!(err("customer_id,p_churn\na,1.5\n").contains("[0, 1]"));
        assert!(err("customer_id,p_churn,target\na,0.5,maybe\n").contains("target"));
        assert!(err("customer_id,p_churn\na,0.1,extra\n").contains("old.csv:2"));
    }

    #[test]
    fn duplicate_ids_and_length_mismatches_are_errors() {
        let prev = read_previous_scores("customer_id,p_churn\na,0.1\na,0.2\n".as_bytes(), Path::new("x")).unwrap();
        assert!(compare_scores(&prev, &["a".into()], &[0.1], &[false]).is_err());
        assert!(compare_scores(&prev[..1], &["a".into()], &[0.1, 0.2], &[false]).is_err());
    }

    #[test]
    fn changes_are_counted_on_customers_in_both_runs() {
        let prev = read_previous_scores(
            "customer_id,p_churn,target\na,0.10,false\nb,0.40,true\nc,0.30,true\n".as_bytes(),
            Path::new("x"),
        )
        .unwrap();
        let ids: Vec<String> = ["b", "a", "d"].map(String::from).to_vec();
        let c = compare_scores(&prev, &ids, &[0.20, 0.35, 0.9], &[false, true, true]).unwrap();
        assert_eq!((c.previous_customers, c.current_customers, c.new_customers), (3, 3, 1));
        assert_eq!(c.gone, vec!["c"]);
        assert_eq!(c.newly_targeted, vec!["a"]);
        assert_eq!(c.no_longer_targeted, vec!["b"]);
        assert_eq!((c.targeted_before, c.targeted_now), (1, 1));
        assert_eq!(c.risk_up.len(), 1);
        assert!((c.mean_before - 0.25).abs() < 1e-12 && (c.mean_after - 0.275).abs() < 1e-12);
        let mut r = super::super::Report::new("r");
        r.sections.push(c.section());
        let html = r.to_html().unwrap();
        assert!(html.contains("Changes since the last run") && html.contains("+25.0 points"));
    }
}
