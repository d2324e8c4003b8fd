//! Streaming scoring of a CSV file: bounded memory, one output row per input row, in order.
//!
//! [`score_csv`] reads the input in chunks (65,536 rows by default), builds the model's features
//! for each chunk, scores and explains it, and writes `customer_id, p_churn, risk_tier,
//! reason_1..k` before reading on — so a 5-million-row file needs only one chunk in memory.
//! Every input record yields exactly one output row: in lenient mode a row whose fields cannot be
//! parsed is written with an empty score and counted in [`ScoreReport::rows_unscored`]; in
//! strict mode it is an error naming file, line, column and value. A row the model cannot give a
//! probability (its log-odds is not a number) is an error naming its line in both modes. A model
//! costing more than [`ScoreOptions::max_explain_cost`] per row to explain gets
//! `reason_1 = not_available`, counted in [`ScoreReport::rows_without_reasons`].

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::dataset::{Column, ColumnKind, Dataset};
use crate::error::{Error, Location, Result, RowProblem};
use crate::io::csvfile::{CsvFile, FieldError, raw_field};
use crate::io::output::{OutputPlan, Overwrite, Sink};
use crate::io::parse::parse_f64;
use crate::io::tables::Strictness;
use crate::models::trained::TrainedModel;

/// Options of [`score_csv`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreOptions {
    /// Column holding the customer id (default `customer_id`).
    pub id_column: String,
    /// Reasons per customer (default 3; 0 = no explanations, faster).
    pub reasons: usize,
    /// Rows per chunk (default 65,536).
    pub chunk_rows: usize,
    /// Strict (default) or lenient handling of bad rows.
    pub strictness: Strictness,
    /// Most explanation work per row ([`TrainedModel::explain_cost_per_row`]) before reasons
    /// are written as `not_available` (default
    /// [`crate::models::validate::MAX_EXPLAIN_COST_PER_ROW`]; `u64::MAX`: no limit).
    pub max_explain_cost: u64,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            id_column: "customer_id".into(),
            reasons: 3,
            chunk_rows: 65_536,
            strictness: Strictness::Strict,
            max_explain_cost: crate::models::validate::MAX_EXPLAIN_COST_PER_ROW,
        }
    }
}

/// What [`score_csv`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreReport {
    /// Input records read.
    pub rows_read: u64,
    /// Rows written with a score.
    pub rows_scored: u64,
    /// Rows written without a score (lenient mode: a field could not be parsed).
    pub rows_unscored: u64,
    /// Records that could not be read at all (lenient mode: malformed CSV); not written.
    pub rows_unreadable: u64,
    /// Categorical values not seen in training (scored as the feature's baseline).
    pub unseen_categories: u64,
    /// Rows by risk tier: high, medium, low.
    pub tiers: [u64; 3],
    /// Scored rows whose reasons are not available (written as `not_available`): the model
    /// costs more than [`ScoreOptions::max_explain_cost`] per row to explain.
    pub rows_without_reasons: u64,
}

/// Risk tier of a probability relative to the training churn rate `base`: `high` at ≥ max(2·base,
/// 0.5), `medium` at ≥ base, else `low`.
pub fn risk_tier(p: f64, base: f64) -> &'static str {
    if p >= (2.0 * base).min(0.5).max(base) {
        "high"
    } else if p >= base {
        "medium"
    } else {
        "low"
    }
}

struct Chunk {
    ids: Vec<String>,
    /// Line of each record in the input (filled for the merged chunk).
    lines: Vec<u64>,
    ok: Vec<bool>,
    numeric: Vec<Vec<f64>>,
    categorical: Vec<Vec<Option<String>>>,
}

impl Chunk {
    fn with_capacity(rows: usize, kinds: &[ColumnKind]) -> Chunk {
        Chunk {
            ids: Vec::with_capacity(rows),
            lines: Vec::new(),
            ok: Vec::with_capacity(rows),
            numeric: kinds.iter().map(|_| Vec::new()).collect(),
            categorical: kinds.iter().map(|_| Vec::new()).collect(),
        }
    }
}

/// Scores `input` with `model` into `output` (see the module docs), calling `progress` with the
/// rows read so far after each chunk.
///
/// `output` appears only when scoring succeeded (an existing file is replaced; see
/// [`crate::io::output`]) and must not be `input` ([`Error::OutputIsInput`]). `-` is standard
/// input or output.
pub fn score_csv(
    model: &TrainedModel,
    input: &Path,
    output: &Path,
    options: &ScoreOptions,
    mut progress: impl FnMut(u64),
) -> Result<ScoreReport> {
    if options.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", 0, "must be at least 1"));
    }
    let names: Vec<&str> = model.features.iter().map(|f| f.name.as_str()).collect();
    let mut required = names.clone();
    required.push(&options.id_column);
    // The output must not be the input (checked before anything is opened for writing).
    OutputPlan::new().overwrite(Overwrite::Replace).input("input", input).check_file("output", output)?;
    let mut csv = CsvFile::open(input, &required, &[], options.strictness)?;
    let cols: Vec<usize> = names.iter().map(|n| csv.req(n)).collect();
    let id_col = csv.req(&options.id_column);
    let mut out = Sink::create(output, Overwrite::Replace)?;
    let werr = |e: std::io::Error| Error::io("write", output, e);
    let mut header = String::from("customer_id,p_churn,risk_tier");
    for k in 1..=options.reasons {
        header.push_str(&format!(",reason_{k}"));
    }
    writeln!(out, "{header}").map_err(werr)?;
    let kinds: Vec<ColumnKind> = model.features.iter().map(|f| f.kind).collect();
    let mut report = ScoreReport::default();
    loop {
        // Records are framed serially (line numbers, malformed records), then their fields are
        // parsed in parallel blocks of rows: parsing numbers is most of the reading time.
        let mut records: Vec<(csv::ByteRecord, u64)> = Vec::with_capacity(options.chunk_rows.min(1 << 16));
        let mut pending = None;
        while records.len() < options.chunk_rows {
            let raw = match csv.next_record() {
                Ok(Some(rec)) => rec.raw().clone(),
                Ok(None) => break,
                Err(e) => {
                    // Rows read before a broken record are scored (and checked) first, so a
                    // strict run still stops at the first bad line.
                    pending = Some(e);
                    break;
                }
            };
            records.push((raw, csv.line()));
        }
        let chunk = parse_chunk(&records, &cols, id_col, &kinds, &names, &mut csv)?;
        if chunk.ids.is_empty() {
            match pending {
                Some(e) => return Err(e),
                None => break,
            }
        }
        score_chunk(model, input, &names, &kinds, chunk, options, &mut out, &mut report)?;
        progress(report.rows_scored + report.rows_unscored);
        if let Some(e) = pending {
            return Err(e);
        }
    }
    out.commit()?;
    report.rows_read = csv.report.rows_read;
    report.rows_unreadable = csv.report.rows_read - (report.rows_scored + report.rows_unscored);
    Ok(report)
}

/// Rows parsed together by one task of [`parse_chunk`].
const PARSE_BLOCK: usize = 2048;

/// Parses the model's columns of `records` (in parallel, by blocks of rows), then, in input
/// order, accepts each row or rejects it at its first bad field (columns in model order).
fn parse_chunk(
    records: &[(csv::ByteRecord, u64)],
    cols: &[usize],
    id_col: usize,
    kinds: &[ColumnKind],
    names: &[&str],
    csv: &mut CsvFile,
) -> Result<Chunk> {
    use rayon::prelude::*;
    // Each block: its rows parsed, and the first bad field of each bad row (row within the block).
    let blocks: Vec<(Chunk, Vec<(usize, FieldError)>)> = records
        .par_chunks(PARSE_BLOCK)
        .map(|block| {
            let mut c = Chunk::with_capacity(block.len(), kinds);
            let mut bad_rows = Vec::new();
            for (i, (r, _)) in block.iter().enumerate() {
                c.ids.push(raw_field(r, id_col).to_string());
                let mut bad = None;
                for (j, &col) in cols.iter().enumerate() {
                    let v = raw_field(r, col);
                    match kinds[j] {
                        ColumnKind::Numeric => {
                            let x =
                                if v.is_empty() { Some(f64::NAN) } else { parse_f64(v).filter(|x| !x.is_infinite()) };
                            if x.is_none() && bad.is_none() {
                                bad = Some(FieldError::new(
                                    RowProblem::BadNumber,
                                    names[j],
                                    v,
                                    "a finite number or blank",
                                ));
                            }
                            c.numeric[j].push(x.unwrap_or(f64::NAN));
                        }
                        ColumnKind::Categorical => {
                            c.categorical[j].push(if v.is_empty() { None } else { Some(v.to_string()) });
                        }
                    }
                }
                c.ok.push(bad.is_none());
                if let Some(e) = bad {
                    bad_rows.push((i, e));
                }
            }
            (c, bad_rows)
        })
        .collect();
    let mut chunk = Chunk::with_capacity(records.len(), kinds);
    chunk.lines = records.iter().map(|r| r.1).collect();
    for (b, (block, bad_rows)) in blocks.into_iter().enumerate() {
        let offset = b * PARSE_BLOCK;
        let mut bad_rows = bad_rows.into_iter();
        for &ok in &block.ok {
            if ok {
                csv.accept();
            } else if let Some((i, e)) = bad_rows.next() {
                csv.reject_at(records[offset + i].1, e)?;
            }
        }
        chunk.ids.extend(block.ids);
        chunk.ok.extend(block.ok);
        for (all, part) in chunk.numeric.iter_mut().zip(block.numeric) {
            all.extend(part);
        }
        for (all, part) in chunk.categorical.iter_mut().zip(block.categorical) {
            all.extend(part);
        }
    }
    Ok(chunk)
}

#[allow(clippy::too_many_arguments)]
fn score_chunk(
    model: &TrainedModel,
    input: &Path,
    names: &[&str],
    kinds: &[ColumnKind],
    chunk: Chunk,
    options: &ScoreOptions,
    out: &mut impl Write,
    report: &mut ScoreReport,
) -> Result<()> {
    let rows: Vec<usize> = (0..chunk.ids.len()).filter(|&i| chunk.ok[i]).collect();
    let mut columns = Vec::with_capacity(names.len());
    for (j, name) in names.iter().enumerate() {
        columns.push(match kinds[j] {
            ColumnKind::Numeric => Column::numeric(*name, rows.iter().map(|&i| chunk.numeric[j][i]).collect()),
            ColumnKind::Categorical => {
                let v: Vec<Option<&str>> = rows.iter().map(|&i| chunk.categorical[j][i].as_deref()).collect();
                Column::categorical(*name, &v)
            }
        });
    }
    let data = if rows.is_empty() { None } else { Some(Dataset::new(columns)?) };
    let (p, explanations, unavailable) = match &data {
        Some(d) => {
            let s = model.score_with_limit(d, options.reasons > 0, options.max_explain_cost).map_err(|e| match e {
                // A row the model cannot score (its probability is not a number): say where.
                Error::NonFinite { row, .. } if row < rows.len() => Error::BadRow {
                    location: Location { file: input.to_path_buf(), line: chunk.lines[rows[row]], column: None },
                    problem: RowProblem::OutOfRange,
                    value: e.to_string(),
                    expected: "values the model can score".into(),
                },
                e => e,
            })?;
            report.unseen_categories += s.unseen_categories;
            (s.p_churn, s.explanations, s.explanations_unavailable)
        }
        None => (Vec::new(), None, false),
    };
    let base = model.training_churn_rate;
    let mut k = 0;
    let mut line = String::new();
    for i in 0..chunk.ids.len() {
        line.clear();
        push_csv_field(&mut line, &chunk.ids[i]);
        if chunk.ok[i] {
            let tier = risk_tier(p[k], base);
            report.tiers[match tier {
                "high" => 0,
                "medium" => 1,
                _ => 2,
            }] += 1;
            line.push_str(&format!(",{:.6},{tier}", p[k]));
            let reasons = explanations.as_ref().map(|e| e.top_reasons(k, options.reasons)).unwrap_or_default();
            for r in 0..options.reasons {
                line.push(',');
                if let Some((name, _)) = reasons.get(r) {
                    push_csv_field(&mut line, name);
                } else if unavailable && r == 0 {
                    line.push_str("not_available");
                }
            }
            report.rows_without_reasons += u64::from(unavailable);
            report.rows_scored += 1;
            k += 1;
        } else {
            line.push_str(",,unscored");
            for _ in 0..options.reasons {
                line.push(',');
            }
            report.rows_unscored += 1;
        }
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(|e| Error::io("write", Path::new("scores"), e))?;
    }
    Ok(())
}

/// Appends a CSV field, quoting when needed.
fn push_csv_field(line: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&v.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(v);
    }
}
