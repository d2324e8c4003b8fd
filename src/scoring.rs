//! Streaming scoring of a CSV file: bounded memory, one output row per input record, in order.
//!
//! [`score_csv`] reads the input in chunks (at most [`ScoreOptions::chunk_rows`] rows and
//! [`CHUNK_BYTES`] of field text), builds the model's features for each chunk, scores and explains
//! it, and writes `customer_id, p_churn, risk_tier, reason_1..k, reason_1_text..reason_k_text`
//! before reading on — so a
//! 5-million-row file needs only one chunk in memory, however long its rows. No field longer than
//! [`crate::io::MAX_FIELD_BYTES`] is ever held in memory.
//!
//! A row the model cannot give a probability (values so extreme that its log-odds is not a
//! number) is, like any other, an error naming its line in strict mode and a row written
//! unscored (`out_of_range`) in lenient mode. A model costing more than [`ScoreOptions::max_explain_cost`] per row
//! to explain gets `reason_1 = not_available`, counted in [`ScoreReport::rows_without_reasons`].
//!
//! `reason_k` is the feature's stable name, `reason_k_text` the reason in words
//! ([`reasons::Phrasebook`]). Only features that pushed the risk up are reasons, and customers
//! below [`ScoreOptions::reasons_from`] (default: the low tier) get none. The `action` column
//! is the [`playbook`]'s suggestion for the customer's reasons.
//!
//! **One output row per input record.** A record is what a CSV parser frames (RFC 4180): one line,
//! or several when a quoted field holds line breaks; blank lines are not records. In strict mode
//! (the default) the first record that cannot be scored is an error naming file, line, column and
//! value, and no output is written. In lenient mode every record is written, in input order: one
//! that cannot be scored — a field that does not parse, a wrong field count, invalid UTF-8, a
//! field over the length limit — gets an empty `p_churn`, risk tier `unscored`, its id when it
//! could be read (else blank) and, in the extra last column `score_error`, the reason as
//! `problem:column` (`bad_number:usage`, `field_too_long:notes`, `malformed:plan` for invalid
//! UTF-8) or `problem` alone (`malformed` for a wrong field count, `out_of_range` for values the
//! model cannot score). [`ScoreReport`] counts them by
//! reason; `rows_read == rows_scored + rows_unscored` always holds. One bad value stops a
//! lenient run too: a number with a decimal point (`46.03`) where the model reads decimal
//! commas ([`ScoreOptions::decimal_comma`]) shows the file is written otherwise, and its other
//! rows' numbers may then parse as something else than they mean (`46.035` as 46035, thousands
//! points allowed); scoring them would be silently wrong (a tester's report: 705 of 3,150 rows
//! scored 1.0).
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::io::tables::Strictness;
//! use attrition::models::Learner;
//! use attrition::models::trained::{ModelKind, ModelParams};
//! use attrition::scoring::{ScoreOptions, score_csv};
//! use attrition::{Column, Dataset};
//! let x: Vec<f64> = (0..100).map(|i| (i % 10) as f64).collect();
//! let y: Vec<bool> = (0..100).map(|i| i % 10 < 3).collect();
//! let model = ModelParams::new(ModelKind::Logistic).fit(&Dataset::new(vec![Column::numeric("x", x)])?.with_churned(y)?)?;
//! let dir = tempfile::tempdir().unwrap();
//! let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
//! std::fs::write(&input, "customer_id,x\na,1\nb,lots\nc\nd,9\n").unwrap();
//! let lenient = ScoreOptions { strictness: Strictness::Lenient, reasons: 1, ..ScoreOptions::default() };
//! let report = score_csv(&model, &input, &output, &lenient, |_| {})?;
//! assert_eq!((report.rows_read, report.rows_scored, report.rows_unscored, report.rows_unreadable), (4, 2, 2, 1));
//! let text = std::fs::read_to_string(&output).unwrap();
//! let rows: Vec<&str> = text.lines().collect();
//! assert_eq!(rows[0], "customer_id,p_churn,risk_tier,reason_1,reason_1_text,action,score_error");
//! assert_eq!(rows[2], "b,,unscored,,,,bad_number:x");
//! assert_eq!(rows[3], "c,,unscored,,,,malformed");
//! assert!(rows[4].starts_with("d,0."));
//! // Strict: the first bad record is the error, and nothing is written.
//! std::fs::remove_file(&output).unwrap();
//! let err = score_csv(&model, &input, &output, &ScoreOptions::default(), |_| {}).unwrap_err();
//! assert!(err.to_string().contains("in.csv:3 column `x`"));
//! assert!(!output.exists());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use serde::Serialize;

use crate::dataset::{Column, ColumnKind, Dataset};
use crate::error::{Error, Location, Result, RowProblem};
use crate::io::csv_out::push_field;
use crate::io::csvfile::{CsvFile, FieldError, Fields, Framed, InputFormat, STDIN_NAME};
use crate::io::output::{OutputPlan, Overwrite, Sink, is_stdio};
use crate::io::tables::Strictness;
use crate::models::trained::{ExplanationMethod, TrainedModel};

pub mod drift;
#[cfg(feature = "parquet")]
mod partitioned;
pub mod playbook;
pub mod reasons;

#[cfg(feature = "parquet")]
pub use partitioned::score_partitioned;
use playbook::Playbook;
use reasons::{Phrasebook, ReasonOptions, ReasonRows};

/// Field text per chunk (besides [`ScoreOptions::chunk_rows`]): 32 MiB. With the field length
/// limit, this bounds a chunk's memory whatever the rows look like.
pub const CHUNK_BYTES: usize = 32 << 20;

/// How [`score_reader`] names its output in errors.
const OUTPUT_NAME: &str = "<output>";

/// Errors kept in [`ScoreReport::examples`].
const MAX_EXAMPLES: usize = 10;

/// Most reasons per customer [`score_csv`] writes (each is two output columns).
pub const MAX_REASONS: usize = 100;

/// Options of [`score_csv`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreOptions {
    /// Column holding the customer id (default `customer_id`).
    pub id_column: String,
    /// Reasons per customer (default 3; 0 = no explanations, faster; at most [`MAX_REASONS`]).
    pub reasons: usize,
    /// Rows per chunk (default 65,536).
    pub chunk_rows: usize,
    /// Strict (default) or lenient handling of bad rows.
    pub strictness: Strictness,
    /// Most explanation work per row ([`TrainedModel::explain_cost_per_row`]) before reasons
    /// are written as `not_available` (default
    /// [`crate::models::validate::MAX_EXPLAIN_COST_PER_ROW`]; `u64::MAX`: no limit).
    pub max_explain_cost: u64,
    /// Field delimiter of the input; `None` (the default) sniffs it from the header line
    /// ([`crate::io::sniff_delimiter`]).
    pub delimiter: Option<u8>,
    /// The input has no id column: each output row's `customer_id` is the 1-based number of its
    /// record, and [`ScoreOptions::id_column`] is not read (default `false`).
    pub row_ids: bool,
    /// Lowest risk tier whose customers get reasons (default [`RiskTier::Medium`]: the low
    /// tier gets none).
    pub reasons_from: RiskTier,
    /// Suggested actions by reason family, written in the `action` column when there are
    /// reasons (default: the crate's [`Playbook`]).
    pub playbook: Playbook,
    /// Check drift against the model's training profile while scoring (default `true`; see
    /// [`drift`]); the result is [`ScoreReport::drift`].
    pub drift: bool,
    /// Values read as missing, like a blank cell (exact match after trimming blanks; default
    /// none). [`ScoreOptions::for_model`] takes the training file's.
    pub na_values: Vec<String>,
    /// Numbers are written with a decimal comma (`29,85`; default `false`; a decimal point is
    /// then a bad number). [`ScoreOptions::for_model`] takes the training file's. Applies to
    /// delimited text not separated by commas only: Parquet and JSON Lines numbers are typed.
    pub decimal_comma: bool,
    /// When [`ScoreOptions::decimal_comma`] is off and the input is delimited text not separated
    /// by commas, let the first chunk's numbers decide, as `load_flat` (and so `target` and
    /// `report`) does for a whole file: some of the model's numeric fields with a decimal comma
    /// (`29,85`) and none with a decimal point that cannot be thousands points → decimal commas
    /// ([`ScoreReport::decimal_comma_detected`]); a decimal point further down is then an error
    /// (see the module docs). Default `true`; `score --decimal-comma` turns it off.
    pub detect_decimal_comma: bool,
}

impl ScoreOptions {
    /// The defaults, reading the input as `model`'s training file was read
    /// ([`TrainedModel::input`]): its id column (or numbered rows) and missing-value markers.
    ///
    /// ```
    /// use attrition::models::trained::TrainingInput;
    /// use attrition::scoring::ScoreOptions;
    /// # use attrition::models::{Learner, trained::{ModelKind, ModelParams}};
    /// # use attrition::{Column, Dataset};
    /// # let x: Vec<f64> = (0..40).map(|i| (i % 10) as f64).collect();
    /// # let y: Vec<bool> = (0..40).map(|i| i % 10 < 3).collect();
    /// let mut model = ModelParams::new(ModelKind::Logistic).fit(&Dataset::new(vec![Column::numeric("x", x)])?.with_churned(y)?)?;
    /// model.input = TrainingInput { row_ids: true, na_values: vec!["NA".into()], ..TrainingInput::default() };
    /// let options = ScoreOptions::for_model(&model);
    /// assert!(options.row_ids && options.na_values == ["NA"]);
    /// # Ok::<(), attrition::Error>(())
    /// ```
    pub fn for_model(model: &TrainedModel) -> ScoreOptions {
        let d = ScoreOptions::default();
        ScoreOptions {
            id_column: model.input.id_column.clone().unwrap_or(d.id_column.clone()),
            row_ids: model.input.row_ids,
            na_values: model.input.na_values.clone(),
            decimal_comma: model.input.decimal_comma,
            ..d
        }
    }

    /// Reads the input's ids from column `id`; `none` (any case): the input has none, rows are
    /// numbered 1, 2, … (`score --id`).
    ///
    /// ```
    /// use attrition::scoring::ScoreOptions;
    /// assert!(ScoreOptions::default().id("None").row_ids);
    /// assert_eq!(ScoreOptions::default().id("account").id_column, "account");
    /// ```
    pub fn id(mut self, id: &str) -> ScoreOptions {
        self.row_ids = id.eq_ignore_ascii_case("none");
        self.id_column = id.to_owned();
        self
    }
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            id_column: "customer_id".into(),
            reasons: 3,
            chunk_rows: 65_536,
            strictness: Strictness::Strict,
            max_explain_cost: crate::models::validate::MAX_EXPLAIN_COST_PER_ROW,
            delimiter: None,
            row_ids: false,
            reasons_from: RiskTier::Medium,
            playbook: Playbook::default(),
            drift: true,
            detect_decimal_comma: true,
            na_values: Vec::new(),
            decimal_comma: false,
        }
    }
}

/// What [`score_csv`] did. Every record read is written: `rows_read == rows_scored +
/// rows_unscored`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreReport {
    /// Input records read (the header and blank lines are not records).
    pub rows_read: u64,
    /// Rows written with a score.
    pub rows_scored: u64,
    /// Rows written without a score (lenient mode), whatever the reason.
    pub rows_unscored: u64,
    /// Of the unscored rows, records that could not be read as a row at all (wrong field count,
    /// invalid UTF-8, a field over the length limit).
    pub rows_unreadable: u64,
    /// Unscored rows by reason.
    pub unscored_by_reason: BTreeMap<RowProblem, u64>,
    /// The first few unscored rows' errors (file, line, column, value), for the log.
    pub examples: Vec<String>,
    /// Categorical values not seen in training (scored as the feature's baseline).
    pub unseen_categories: u64,
    /// Rows by risk tier: high, medium, low.
    pub tiers: [u64; 3],
    /// Scored rows of the tiers that get reasons whose reasons are not available (written as
    /// `not_available`): the model costs more than [`ScoreOptions::max_explain_cost`] per row to
    /// explain.
    pub rows_without_reasons: u64,
    /// Scored rows of the tiers that get reasons whose reasons come from path attribution
    /// instead of Shapley values: boosted
    /// trees that cost more than [`ScoreOptions::max_explain_cost`] per row to explain by
    /// TreeSHAP but not by path attribution
    /// ([`crate::models::trained::ExplanationMethod::PathAttribution`]).
    pub rows_with_path_attribution: u64,
    /// The population stability index of the scored rows' features and scores against the
    /// model's training profile ([`drift`]); `None` when [`ScoreOptions::drift`] is off, the
    /// model file has no profile (trained before schema version 4) or no row was scored.
    pub drift: Option<drift::DriftReport>,
    /// The input's numbers were read with decimal commas because its first rows had them
    /// ([`ScoreOptions::detect_decimal_comma`]).
    pub decimal_comma_detected: bool,
}

impl ScoreReport {
    /// Adds the counts of `other` (a report of other rows) to these; `drift` is left as is.
    pub(crate) fn add(&mut self, other: ScoreReport) {
        self.rows_read += other.rows_read;
        self.rows_scored += other.rows_scored;
        self.rows_unscored += other.rows_unscored;
        self.rows_unreadable += other.rows_unreadable;
        for (k, v) in other.unscored_by_reason {
            *self.unscored_by_reason.entry(k).or_insert(0) += v;
        }
        for e in other.examples {
            if self.examples.len() < MAX_EXAMPLES {
                self.examples.push(e);
            }
        }
        self.unseen_categories += other.unseen_categories;
        for (a, b) in self.tiers.iter_mut().zip(other.tiers) {
            *a += b;
        }
        self.rows_without_reasons += other.rows_without_reasons;
        self.rows_with_path_attribution += other.rows_with_path_attribution;
        self.decimal_comma_detected |= other.decimal_comma_detected;
    }
}

/// Risk tier of a probability relative to the training churn rate `base`: `high` at ≥ max(2·base,
/// 0.5), `medium` at ≥ base, else `low` ([`RiskTier::of`]'s name).
pub fn risk_tier(p: f64, base: f64) -> &'static str {
    RiskTier::of(p, base).as_str()
}

/// A risk tier, ordered low < medium < high (see [`risk_tier`]).
///
/// ```
/// use attrition::scoring::RiskTier;
/// assert_eq!(RiskTier::of(0.3, 0.2), RiskTier::Medium);
/// assert!(RiskTier::Low < RiskTier::High);
/// assert_eq!("high".parse::<RiskTier>().unwrap(), RiskTier::High);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    /// Below the training churn rate.
    Low,
    /// At or above the training churn rate.
    Medium,
    /// At or above max(2 × the training churn rate capped at 0.5, the rate).
    High,
}

impl RiskTier {
    /// The tier of `p` relative to the training churn rate `base`.
    pub fn of(p: f64, base: f64) -> RiskTier {
        if p >= (2.0 * base).min(0.5).max(base) {
            RiskTier::High
        } else if p >= base {
            RiskTier::Medium
        } else {
            RiskTier::Low
        }
    }

    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskTier::Low => "low",
            RiskTier::Medium => "medium",
            RiskTier::High => "high",
        }
    }
}

impl std::str::FromStr for RiskTier {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "low" => Ok(RiskTier::Low),
            "medium" => Ok(RiskTier::Medium),
            "high" => Ok(RiskTier::High),
            _ => Err(Error::param("risk tier", s, "one of low, medium, high")),
        }
    }
}

/// Why a row is not scored: the parts of its located [`Error::BadRow`].
#[derive(Debug, Clone)]
struct Fault {
    location: Location,
    problem: RowProblem,
    value: String,
    expected: String,
    /// The record could not be read as a row (as opposed to a value the model cannot use).
    unreadable: bool,
    /// The value shows the whole file is not what the model reads (a decimal point where the
    /// model expects decimal commas): an error in lenient mode too, as other rows' values may
    /// parse as something else than they mean (`46.035` as 46035).
    fatal: bool,
}

impl Fault {
    fn new(error: Error, unreadable: bool) -> Fault {
        match error {
            Error::BadRow { location, problem, value, expected } => {
                Fault { location, problem, value, expected, unreadable, fatal: false }
            }
            // Readers only report row errors as unreadable records; keep any other one whole.
            other => Fault {
                location: Location { file: Default::default(), line: 0, column: None, row_group: None },
                problem: RowProblem::Malformed,
                value: String::new(),
                expected: other.to_string(),
                unreadable,
                fatal: false,
            },
        }
    }

    fn error(&self) -> Error {
        Error::BadRow {
            location: self.location.clone(),
            problem: self.problem,
            value: self.value.clone(),
            expected: self.expected.clone(),
        }
    }

    /// The `score_error` cell: `problem` or `problem:column`.
    fn cell(&self) -> String {
        match &self.location.column {
            Some(c) => format!("{}:{c}", self.problem),
            None => self.problem.to_string(),
        }
    }
}

/// A row of a [`RawChunk`].
enum RawRow {
    /// A readable record: its first field starts at `start` in the chunk's bytes, its field ends
    /// are `ends[first_end..first_end + n_fields]`.
    Read { start: usize, first_end: usize, line: u64 },
    /// An unreadable record: the id as far as it could be read, and why.
    Unreadable { id: String, fault: Fault },
}

/// The records of a chunk, copied compactly: only their fields' bytes (a record buffer sized for
/// the longest record is never copied per row).
#[derive(Default)]
struct RawChunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    rows: Vec<RawRow>,
}

impl RawChunk {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.rows.clear();
        // Keep the buffers for the next chunk unless one unusual chunk made them large.
        if self.bytes.capacity() > 2 * CHUNK_BYTES {
            self.bytes = Vec::new();
        }
    }

    fn push(&mut self, fields: &Fields, line: u64) {
        let start = self.bytes.len();
        let first_end = self.ends.len();
        self.bytes.extend_from_slice(fields.as_slice());
        self.ends.extend(fields.ends().iter().map(|e| start + e));
        self.rows.push(RawRow::Read { start, first_end, line });
    }

    /// Field `i` of a readable row, trimmed (fields were checked to be UTF-8 when framed).
    fn field(&self, start: usize, first_end: usize, i: usize) -> &str {
        let from = if i == 0 { start } else { self.ends[first_end + i - 1] };
        let to = self.ends[first_end + i];
        self.bytes.get(from..to).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("").trim()
    }
}

/// A block of rows parsed for the model, borrowing text from the [`RawChunk`].
struct Parsed<'a> {
    ids: Vec<&'a str>,
    /// Line of each row in the input.
    lines: Vec<u64>,
    /// `None` for a row that is scored.
    faults: Vec<Option<Fault>>,
    numeric: Vec<Vec<f64>>,
    categorical: Vec<Vec<Option<&'a str>>>,
}

impl<'a> Parsed<'a> {
    fn with_capacity(rows: usize, kinds: &[ColumnKind]) -> Parsed<'a> {
        Parsed {
            ids: Vec::with_capacity(rows),
            lines: Vec::with_capacity(rows),
            faults: Vec::with_capacity(rows),
            numeric: kinds.iter().map(|_| Vec::new()).collect(),
            categorical: kinds.iter().map(|_| Vec::new()).collect(),
        }
    }
}

/// What every chunk needs to know about the input and the model.
struct Layout<'a> {
    names: Vec<&'a str>,
    kinds: Vec<ColumnKind>,
    cols: Vec<usize>,
    /// `None` when ids are record numbers ([`ScoreOptions::row_ids`]).
    id_col: Option<usize>,
    file: &'a Path,
    /// Each Parquet row group's first row (empty for other formats), to name a row's group.
    group_starts: Vec<u64>,
    phrases: Phrasebook,
    /// [`ScoreOptions::na_values`].
    na_values: &'a [String],
    /// How numbers are parsed ([`ScoreOptions::decimal_comma`], applied to delimited text that is
    /// not comma-separated only).
    parse_number: fn(&str) -> Option<f64>,
    /// What a numeric field must be, for messages.
    expected_number: &'static str,
    /// Numbers are read with decimal commas.
    decimal_comma: bool,
    /// The file is delimited text not separated by commas (where decimal commas can be).
    comma_free_text: bool,
    /// Decimal commas were detected from the first chunk ([`Layout::detect_decimal_comma`]).
    detected: bool,
}

impl Layout<'_> {
    /// Whether a field is a missing value: blank, or one of the options' markers.
    fn is_missing(&self, v: &str) -> bool {
        crate::io::parse::is_na(v, self.na_values)
    }

    /// Switches to decimal commas when `chunk` (the input's first) shows them: some of the
    /// model's numeric fields are numbers only with a decimal comma and none has a decimal
    /// point that cannot be thousands points (`load_flat`'s rule). Returns whether it switched.
    fn detect_decimal_comma(&mut self, chunk: &RawChunk) -> bool {
        use crate::io::parse::{is_decimal_comma_number, is_decimal_point_number};
        let (mut commas, mut points) = (0usize, 0usize);
        for row in &chunk.rows {
            let RawRow::Read { start, first_end, .. } = *row else { continue };
            for (j, &col) in self.cols.iter().enumerate() {
                if self.kinds[j] == ColumnKind::Numeric {
                    let v = chunk.field(start, first_end, col);
                    commas += usize::from(is_decimal_comma_number(v));
                    points += usize::from(is_decimal_point_number(v));
                }
            }
        }
        let switch = commas > 0 && points == 0;
        if switch {
            (self.decimal_comma, self.detected) = (true, true);
            self.parse_number = crate::io::parse::number_parser(true);
            self.expected_number = "a finite number with a decimal comma (29,85: the file's first rows had them; \
                 --decimal-comma false if they are something else) or blank";
        }
        switch
    }

    /// The error for numeric field `column` = `v` that does not parse, and whether it is fatal
    /// ([`Fault::fatal`]): a number with a decimal point where the model reads decimal commas
    /// is; a number with a decimal comma in a file read with decimal points is named as such.
    fn bad_number(&self, column: &str, v: &str) -> (FieldError, bool) {
        use crate::io::parse::{is_decimal_comma_number, is_decimal_point_number};
        let (expected, fatal): (std::borrow::Cow<'static, str>, bool) = if self.decimal_comma
            && is_decimal_point_number(v)
        {
            let why = if self.detected {
                "a number with a decimal comma, as the file's first rows have (29,85): the file \
                 also writes decimal points, so its numbers cannot be read either way with \
                 confidence (1.234 reads as 1234 with decimal commas); pass --decimal-comma \
                 true or false"
            } else {
                "a number with a decimal comma (29,85), as the file is read (the model's \
                 training file had them, or --decimal-comma true said so): this file writes \
                 decimal points, so its other numbers cannot be trusted either (1.234 reads \
                 as 1234); pass --decimal-comma false"
            };
            (why.into(), true)
        } else if !self.decimal_comma && self.comma_free_text && is_decimal_comma_number(v) {
            (
                "a number with a decimal point (this file seems to write decimal commas: pass --decimal-comma true)"
                    .into(),
                false,
            )
        } else if crate::io::flat::is_missing_marker(v) {
            // As the flat loader hints for `target` and `report`.
            let hint = crate::io::flat::na_hint(v.trim());
            (
                format!("{} (if it means missing, declare it with --na-values {hint})", self.expected_number).into(),
                false,
            )
        } else {
            (self.expected_number.into(), false)
        };
        (FieldError::new(RowProblem::BadNumber, column, v, expected), fatal)
    }
}

/// Scores `input` with `model` into `output` (see the module docs), calling `progress` with the
/// rows read so far after each chunk.
///
/// An `output` ending in `.parquet` is written as Parquet (`p_churn` DOUBLE, the other columns
/// text; cargo feature `parquet`), and Parquet input is recognised by its magic bytes.
/// `output` appears only when scoring succeeded (an existing file is replaced; see
/// [`crate::io::output`]) and must not be `input` ([`Error::OutputIsInput`]). `-` is standard
/// input or output. The files are opened here and read and written by [`score_reader`].
pub fn score_csv(
    model: &TrainedModel,
    input: &Path,
    output: &Path,
    options: &ScoreOptions,
    progress: impl FnMut(u64),
) -> Result<ScoreReport> {
    if options.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", 0, "must be at least 1"));
    }
    // The output must not be the input (checked before anything is opened for writing).
    OutputPlan::new().overwrite(Overwrite::Replace).input("input", input).check_file("output", output)?;
    let (reader, name): (Box<dyn Read>, &Path) = if is_stdio(input) {
        (Box::new(std::io::stdin().lock()), Path::new(STDIN_NAME))
    } else {
        (Box::new(std::fs::File::open(input).map_err(|e| Error::io("read", input, e))?), input)
    };
    let mut out = Sink::create(output, Overwrite::Replace)?;
    let located = |e| match e {
        Error::Io { action, path, source } if path == Path::new(OUTPUT_NAME) => Error::io(action, output, source),
        e => e,
    };
    let report = if crate::io::write_flat::is_parquet_path(output) {
        // Scores are written as CSV to an anonymous temporary file, then converted with typed
        // columns (p_churn DOUBLE, the rest text): the streaming scorer stays one code path.
        let spill = tempfile::tempfile().map_err(|e| Error::io("create a temporary file for", output, e))?;
        let mut spill = std::io::BufWriter::new(spill);
        let report = score_reader(model, reader, name, &mut spill, options, progress).map_err(located)?;
        let mut spill = spill.into_inner().map_err(|e| Error::io("write", output, e.into_error()))?;
        std::io::Seek::rewind(&mut spill).map_err(|e| Error::io("write", output, e))?;
        scores_to_parquet(std::io::BufReader::new(spill), &mut out).map_err(|e| match e {
            Error::Io { action, source, .. } => Error::io(action, output, source),
            e => e,
        })?;
        report
    } else {
        score_reader(model, reader, name, &mut out, options, progress).map_err(located)?
    };
    out.commit()?;
    Ok(report)
}

#[cfg(feature = "parquet")]
fn scores_to_parquet(csv: impl Read, out: &mut Sink) -> Result<()> {
    use crate::io::parquet::{OutType, csv_to_parquet};
    csv_to_parquet(csv, out, |name| if name == "p_churn" { OutType::Float } else { OutType::Text })
}

#[cfg(not(feature = "parquet"))]
fn scores_to_parquet(_: impl Read, _: &mut Sink) -> Result<()> {
    Err(Error::param("output", ".parquet", "this build of attrition has no Parquet support (cargo feature `parquet`)"))
}

/// [`score_csv`] over any reader and writer: a request body, a socket, a decompressing reader.
/// `input_name` names the input in error messages (`<name>:<line> column ...`).
///
/// The output is written chunk by chunk, so a strict-mode error after the first chunk leaves
/// what was written so far in `output`; a caller that needs all-or-nothing writes to a buffer or
/// a temporary file ([`score_csv`] does the latter).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::prelude::*;
/// let x: Vec<f64> = (0..100).map(|i| (i % 10) as f64).collect();
/// let y: Vec<bool> = (0..100).map(|i| i % 10 < 3).collect();
/// let model = ModelParams::new(ModelKind::Logistic).fit(&Dataset::new(vec![Column::numeric("x", x)])?.with_churned(y)?)?;
/// let body = "customer_id,x\na,1\nb,9\n";
/// let mut out = Vec::new();
/// let report = score_reader(&model, body.as_bytes(), "request", &mut out, &ScoreOptions::default(), |_| {})?;
/// assert_eq!(report.rows_scored, 2);
/// assert!(String::from_utf8(out).unwrap().starts_with("customer_id,p_churn,risk_tier,reason_1"));
/// # Ok(()) }
/// ```
pub fn score_reader(
    model: &TrainedModel,
    input: impl Read,
    input_name: impl AsRef<Path>,
    output: impl Write,
    options: &ScoreOptions,
    progress: impl FnMut(u64),
) -> Result<ScoreReport> {
    // Counts per training bin only: bounded memory whatever the number of rows.
    let mut drift = model.profile.as_ref().filter(|_| options.drift).map(drift::DriftCounter::new);
    let mut report = score_reader_counting(model, input, input_name, output, options, progress, drift.as_mut())?;
    report.drift = drift.and_then(|d| d.finish());
    Ok(report)
}

/// [`score_reader`] counting the scored rows in `drift` (the report's `drift` is left `None`).
pub(crate) fn score_reader_counting(
    model: &TrainedModel,
    input: impl Read,
    input_name: impl AsRef<Path>,
    output: impl Write,
    options: &ScoreOptions,
    mut progress: impl FnMut(u64),
    mut drift: Option<&mut drift::DriftCounter>,
) -> Result<ScoreReport> {
    if options.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", 0, "must be at least 1"));
    }
    if options.reasons > MAX_REASONS {
        return Err(Error::param("reasons", options.reasons, format!("at most {MAX_REASONS} reasons per customer")));
    }
    let input_name = input_name.as_ref();
    let output_name = Path::new(OUTPUT_NAME);
    let names: Vec<&str> = model.features.iter().map(|f| f.name.as_str()).collect();
    let mut required = names.clone();
    if !options.row_ids {
        required.push(&options.id_column);
    }
    let mut csv =
        CsvFile::from_reader_with(Box::new(input), input_name, &required, &[], options.strictness, options.delimiter)
            .map_err(|e| match e {
            // The id column is missing (and no feature): say whose it is and how to name another.
            Error::BadHeader { file, mut reason }
                if !options.row_ids && reason.starts_with(&format!("missing column `{}`;", options.id_column)) =>
            {
                reason.push_str(&format!(
                " (`{}` is the id column (the model's unless --id says otherwise): name this file's with --id COLUMN, \
                         or --id none to number the rows)",
                options.id_column
            ));
                Error::BadHeader { file, reason }
            }
            other => other,
        })?;
    let file = csv.path.clone();
    // Decimal commas apply to text whose fields are not separated by commas (as when training
    // files are read, `load_flat`); Parquet and JSON Lines carry typed numbers, written here with
    // a decimal point.
    let decimal_comma = options.decimal_comma && csv.format == InputFormat::Csv && csv.delimiter != b',';
    let mut layout = Layout {
        cols: names.iter().map(|n| csv.req(n)).collect(),
        id_col: (!options.row_ids).then(|| csv.req(&options.id_column)),
        kinds: model.features.iter().map(|f| f.kind).collect(),
        names,
        file: &file,
        group_starts: csv.row_group_starts(),
        phrases: Phrasebook::new(model),
        na_values: &options.na_values,
        parse_number: crate::io::parse::number_parser(decimal_comma),
        expected_number: if decimal_comma {
            "a finite number with a decimal comma (29,85: the model's training file had them) or blank"
        } else {
            "a finite number or blank"
        },
        decimal_comma,
        comma_free_text: csv.format == InputFormat::Csv && csv.delimiter != b',',
        detected: false,
    };
    let lenient = options.strictness == Strictness::Lenient;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, output);
    let mut header = String::from("customer_id,p_churn,risk_tier");
    for k in 1..=options.reasons {
        header.push_str(&format!(",reason_{k}"));
    }
    for k in 1..=options.reasons {
        header.push_str(&format!(",reason_{k}_text"));
    }
    if options.reasons > 0 {
        header.push_str(",action");
    }
    if lenient {
        header.push_str(",score_error");
    }
    writeln!(out, "{header}").map_err(|e| Error::io("write", output_name, e))?;
    let mut report = ScoreReport::default();
    let mut chunk = RawChunk::default();
    loop {
        // Records are framed serially (line numbers, unreadable records), then their fields are
        // parsed in parallel blocks of rows: parsing numbers is most of the reading time.
        chunk.clear();
        while chunk.rows.len() < options.chunk_rows && chunk.bytes.len() < CHUNK_BYTES {
            match csv.next_framed()? {
                None => break,
                Some(Framed::Record(rec)) => chunk.push(rec.raw(), rec.line()),
                Some(Framed::Unreadable(error, fields)) => {
                    let id =
                        layout.id_col.and_then(|c| fields.get(c)).map(|b| String::from_utf8_lossy(b).trim().to_owned());
                    chunk.rows.push(RawRow::Unreadable { id: id.unwrap_or_default(), fault: Fault::new(error, true) });
                }
            }
        }
        if chunk.rows.is_empty() {
            break;
        }
        let first_number = report.rows_read + 1;
        if first_number == 1 && options.detect_decimal_comma && !layout.decimal_comma && layout.comma_free_text {
            report.decimal_comma_detected = layout.detect_decimal_comma(&chunk);
        }
        report.rows_read += chunk.rows.len() as u64;
        let parsed = parse_chunk(&chunk, &layout);
        score_chunk(model, &layout, parsed, first_number, options, &mut out, &mut report, drift.as_deref_mut())
            .map_err(|e| if let Error::Io { source, .. } = e { Error::io("write", output_name, source) } else { e })?;
        // A streaming consumer sees each chunk as soon as it is scored.
        out.flush().map_err(|e| Error::io("write", output_name, e))?;
        progress(report.rows_read);
    }
    out.flush().map_err(|e| Error::io("write", output_name, e))?;
    Ok(report)
}

/// Rows parsed together by one task of [`parse_chunk`].
const PARSE_BLOCK: usize = 2048;

/// Parses the model's columns of a chunk's rows (in parallel, by blocks of rows); a row's fault is
/// its first bad field (columns in model order) or why it could not be read.
fn parse_chunk<'a>(chunk: &'a RawChunk, layout: &Layout<'_>) -> Vec<Parsed<'a>> {
    use rayon::prelude::*;
    chunk
        .rows
        .par_chunks(PARSE_BLOCK)
        .map(|block| {
            let mut p = Parsed::with_capacity(block.len(), &layout.kinds);
            for row in block {
                let (start, first_end, line) = match row {
                    RawRow::Read { start, first_end, line } => (*start, *first_end, *line),
                    RawRow::Unreadable { id, fault } => {
                        p.ids.push(id);
                        p.lines.push(fault.location.line);
                        p.faults.push(Some(fault.clone()));
                        for (j, kind) in layout.kinds.iter().enumerate() {
                            match kind {
                                ColumnKind::Numeric => p.numeric[j].push(f64::NAN),
                                ColumnKind::Categorical => p.categorical[j].push(None),
                            }
                        }
                        continue;
                    }
                };
                p.ids.push(layout.id_col.map_or("", |c| chunk.field(start, first_end, c)));
                p.lines.push(line);
                let mut bad: Option<(FieldError, bool)> = None;
                for (j, &col) in layout.cols.iter().enumerate() {
                    let v = chunk.field(start, first_end, col);
                    match layout.kinds[j] {
                        ColumnKind::Numeric => {
                            let x = if layout.is_missing(v) {
                                Some(f64::NAN)
                            } else {
                                (layout.parse_number)(v).filter(|x| !x.is_infinite())
                            };
                            if x.is_none() && bad.is_none() {
                                bad = Some(layout.bad_number(layout.names[j], v));
                            }
                            p.numeric[j].push(x.unwrap_or(f64::NAN));
                        }
                        ColumnKind::Categorical => {
                            p.categorical[j].push(if layout.is_missing(v) { None } else { Some(v) })
                        }
                    }
                }
                p.faults.push(bad.map(|(e, fatal)| Fault {
                    fatal,
                    ..Fault::new(e.at_in_group(layout.file, line, &layout.group_starts), false)
                }));
            }
            p
        })
        .collect()
}

/// Scores and writes a chunk whose first record is record number `first_number`, counting its
/// scored rows in `drift`.
#[allow(clippy::too_many_arguments)]
fn score_chunk(
    model: &TrainedModel,
    layout: &Layout<'_>,
    blocks: Vec<Parsed<'_>>,
    first_number: u64,
    options: &ScoreOptions,
    out: &mut impl Write,
    report: &mut ScoreReport,
    drift: Option<&mut drift::DriftCounter>,
) -> Result<()> {
    let lenient = options.strictness == Strictness::Lenient;
    // In input order: strict mode stops at the first row that cannot be scored.
    let mut ok: Vec<(usize, usize)> = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        for (i, f) in b.faults.iter().enumerate() {
            match f {
                None => ok.push((bi, i)),
                Some(fault) if !lenient || fault.fatal => return Err(fault.error()),
                Some(_) => {}
            }
        }
    }
    let mut columns = Vec::with_capacity(layout.names.len());
    for (j, name) in layout.names.iter().enumerate() {
        columns.push(match layout.kinds[j] {
            ColumnKind::Numeric => Column::numeric(*name, ok.iter().map(|&(b, i)| blocks[b].numeric[j][i]).collect()),
            ColumnKind::Categorical => {
                let v: Vec<Option<&str>> = ok.iter().map(|&(b, i)| blocks[b].categorical[j][i]).collect();
                Column::categorical(*name, &v)
            }
        });
    }
    let data = if ok.is_empty() { None } else { Some(Dataset::new(columns)?) };
    let p = match &data {
        Some(d) => {
            // NaN for a row the model cannot give a probability (its values are too extreme).
            let s = model.score_keeping_nan(d, false, options.max_explain_cost)?;
            report.unseen_categories += s.unseen_categories;
            if let Some(counter) = drift {
                counter.add(d, &s.p_churn)?;
            }
            s.p_churn
        }
        None => Vec::new(),
    };
    let unscoreable = |k: usize| {
        let (b, i) = ok[k];
        Fault {
            location: Location {
                file: layout.file.to_path_buf(),
                line: blocks[b].lines[i],
                column: None,
                row_group: crate::io::csvfile::locate_in_group(&layout.group_starts, blocks[b].lines[i]),
            },
            problem: RowProblem::OutOfRange,
            value: "p_churn = NaN".into(),
            expected: "values the model can score (these are too extreme: the log-odds is not a number)".into(),
            unreadable: false,
            fatal: false,
        }
    };
    if !lenient && let Some(k) = p.iter().position(|v| v.is_nan()) {
        return Err(unscoreable(k).error());
    }
    let reason_options = ReasonOptions { count: options.reasons, from_tier: options.reasons_from };
    // Only the rows whose tier gets reasons are explained.
    let explained = match &data {
        Some(d) => Some(ReasonRows::new(model, d, &p, &reason_options, options.max_explain_cost)?),
        None => None,
    };
    let approximate = explained.as_ref().is_some_and(|e| e.method == Some(ExplanationMethod::PathAttribution));
    let base = model.training_churn_rate;
    let mut k = 0;
    let mut line = String::new();
    let werr = |e| Error::io("write", "scores", e);
    let mut number = first_number;
    for b in &blocks {
        for (i, fault) in b.faults.iter().enumerate() {
            line.clear();
            if options.row_ids {
                line.push_str(&number.to_string());
            } else {
                push_field(&mut line, b.ids[i]);
            }
            number += 1;
            let nan_fault;
            let fault = match fault {
                None if p[k].is_nan() => {
                    nan_fault = unscoreable(k);
                    k += 1;
                    Some(&nan_fault)
                }
                f => f.as_ref(),
            };
            match fault {
                None => {
                    let tier = risk_tier(p[k], base);
                    report.tiers[match tier {
                        "high" => 0,
                        "medium" => 1,
                        _ => 2,
                    }] += 1;
                    line.push_str(&format!(",{:.6},{tier}", p[k]));
                    let reasons = match &explained {
                        Some(e) => e.reasons(&layout.phrases, k, p[k], &reason_options),
                        None => Vec::new(),
                    };
                    let unavailable = explained.as_ref().is_some_and(|e| e.unavailable(k));
                    for r in 0..options.reasons {
                        line.push(',');
                        if let Some(reason) = reasons.get(r) {
                            push_field(&mut line, &reason.feature);
                        } else if unavailable && r == 0 {
                            line.push_str("not_available");
                        }
                    }
                    for r in 0..options.reasons {
                        line.push(',');
                        if let Some(reason) = reasons.get(r) {
                            push_field(&mut line, &reason.text);
                        }
                    }
                    if options.reasons > 0 {
                        line.push(',');
                        if let Some(action) = options.playbook.action_for(&reasons) {
                            push_field(&mut line, action);
                        }
                    }
                    report.rows_without_reasons += u64::from(unavailable);
                    report.rows_with_path_attribution +=
                        u64::from(approximate && explained.as_ref().is_some_and(|e| e.wanted[k]));
                    if lenient {
                        line.push(',');
                    }
                    report.rows_scored += 1;
                    k += 1;
                }
                Some(fault) => {
                    line.push_str(",,unscored");
                    for _ in 0..2 * options.reasons + usize::from(options.reasons > 0) {
                        line.push(',');
                    }
                    line.push(',');
                    push_field(&mut line, &fault.cell());
                    report.rows_unscored += 1;
                    report.rows_unreadable += u64::from(fault.unreadable);
                    *report.unscored_by_reason.entry(fault.problem).or_insert(0) += 1;
                    if report.examples.len() < MAX_EXAMPLES {
                        report.examples.push(fault.error().to_string());
                    }
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(werr)?;
        }
    }
    Ok(())
}
