//! The crate's one error type.
//!
//! Every fallible function in `attrition` returns [`Result<T>`]. Variants are structured: a data
//! error says *where* (file, line, column, value) and *what was expected*, so a nightly pipeline's
//! log points straight at the bad row. Error kinds are never bare strings.

use std::path::PathBuf;

/// Where in an input file a problem was found.
///
/// `line` is the 1-based physical line of the record in the file (the header is line 1), and
/// `column` is the header name of the offending field when one applies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file that was being read.
    pub file: PathBuf,
    /// 1-based line number of the record (header = line 1).
    pub line: u64,
    /// Column (header name) of the offending field, if the problem is in one field.
    pub column: Option<String>,
    /// Row group (0-based, as Parquet tools number them) of a Parquet row, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_group: Option<u32>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A Parquet file has rows, not lines: its records are numbered from 1.
        if self.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
            write!(f, "{} row {}", self.file.display(), self.line)?;
            if let Some(g) = self.row_group {
                write!(f, " (row group {g})")?;
            }
        } else {
            write!(f, "{}:{}", self.file.display(), self.line)?;
        }
        if let Some(c) = &self.column {
            write!(f, " column `{c}`")?;
        }
        Ok(())
    }
}

/// Why a row of a raw or flat table was rejected. Lenient readers count skipped rows by this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RowProblem {
    /// A date or timestamp could not be parsed, or names an impossible day.
    BadDate,
    /// A number could not be parsed, or is NaN/infinite where a finite value is needed.
    BadNumber,
    /// A value is outside its allowed range (NPS outside 0–10, negative MRR, …).
    OutOfRange,
    /// A value is not one of the allowed categories (`sales_approach`, booleans, target labels, …).
    BadCategory,
    /// A required field is empty.
    MissingValue,
    /// A subscription ends before it starts.
    EndBeforeStart,
    /// A row refers to a customer id that is not in `customers.csv`.
    UnknownCustomer,
    /// A customer id appears twice in `customers.csv`.
    DuplicateCustomer,
    /// An event or NPS response is dated before the customer signed up.
    BeforeSignup,
    /// The record has the wrong number of fields or is not valid CSV / UTF-8.
    Malformed,
    /// A field is longer than [`crate::io::MAX_FIELD_BYTES`] (or the record longer than
    /// [`crate::io::MAX_RECORD_BYTES`], e.g. after an unclosed quote).
    FieldTooLong,
}

impl RowProblem {
    /// Stable snake_case name, as used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RowProblem::BadDate => "bad_date",
            RowProblem::BadNumber => "bad_number",
            RowProblem::OutOfRange => "out_of_range",
            RowProblem::BadCategory => "bad_category",
            RowProblem::MissingValue => "missing_value",
            RowProblem::EndBeforeStart => "end_before_start",
            RowProblem::UnknownCustomer => "unknown_customer",
            RowProblem::DuplicateCustomer => "duplicate_customer",
            RowProblem::BeforeSignup => "before_signup",
            RowProblem::Malformed => "malformed",
            RowProblem::FieldTooLong => "field_too_long",
        }
    }
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a model file's checksum ([`Error::ModelChecksum`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChecksumProblem {
    /// The file has no checksum (files of schema version 1 have none).
    Absent {
        /// The file's schema version.
        schema_version: u32,
    },
    /// The checksum in the file is not the checksum of its contents.
    Mismatch {
        /// The checksum written in the file.
        stored: String,
        /// The checksum of the file's contents as read.
        computed: String,
    },
}

impl std::fmt::Display for ChecksumProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChecksumProblem::Absent { schema_version } => {
                write!(f, "the model file has no checksum (schema version {schema_version})")
            }
            ChecksumProblem::Mismatch { stored, computed } => write!(
                f,
                "checksum mismatch: the file says {stored} but its contents hash to {computed}, so it was corrupted or edited by hand"
            ),
        }
    }
}

/// Everything that can go wrong in `attrition`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- input / output -------------------------------------------------------------------
    /// An operating-system I/O error on a named path.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What we were trying to do ("read", "create", …).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// An output path resolves to one of the inputs (the same file or directory, a hard link to
    /// it, or a directory holding it): refused before anything is opened for writing.
    #[error("{output_flag} {} {clash} {input_flag} {}: writing it would destroy the input; choose another output path", output.display(), input.display())]
    OutputIsInput {
        /// The flag (or role) naming the output.
        output_flag: String,
        /// The output path as given.
        output: PathBuf,
        /// The flag (or role) naming the input.
        input_flag: String,
        /// The input path as given.
        input: PathBuf,
        /// How the two resolve to each other.
        clash: crate::io::output::Clash,
    },

    /// Two outputs of one command are the same file (the same path after resolving symbolic
    /// links and `..`, or hard links to one file), or one lies inside the other's output
    /// directory: the second written would destroy the first. Refused before anything is written.
    #[error("{second_flag} {} {clash} {first_flag} {}: one output would destroy the other; give each output its own path", second.display(), first.display())]
    OutputsClash {
        /// The flag (or role) naming the first output.
        first_flag: String,
        /// The first output path as given.
        first: PathBuf,
        /// The flag (or role) naming the second output.
        second_flag: String,
        /// The second output path as given.
        second: PathBuf,
        /// How the two resolve to each other.
        clash: crate::io::output::OutputClash,
    },

    /// An output already exists and replacing it was not allowed.
    #[error("{flag} {} already exists; pass --force to replace it", path.display())]
    OutputExists {
        /// The flag (or role) naming the output.
        flag: String,
        /// The output path.
        path: PathBuf,
    },

    /// A row of an input table is invalid.
    #[error("{location}: {problem}: value {value:?}: expected {expected}")]
    BadRow {
        /// Where the row is.
        location: Location,
        /// What kind of problem it is.
        problem: RowProblem,
        /// The offending value, as read (truncated to 200 characters).
        value: String,
        /// What was expected instead.
        expected: String,
    },

    /// The header of an input file is unusable (missing, duplicated or unexpected columns, wrong delimiter).
    #[error("{}: bad header: {reason}", file.display())]
    BadHeader {
        /// The file.
        file: PathBuf,
        /// What is wrong, in words (e.g. "missing column `mrr`").
        reason: String,
    },

    /// A column of a typed input file (Parquet) has a type the reader cannot use for it (a boolean
    /// `mrr`, an integer `timestamp` without an epoch unit, a list).
    #[error("{}: column `{column}` is {found}; expected {expected}", file.display())]
    ColumnType {
        /// The file.
        file: PathBuf,
        /// The column, as named in the file.
        column: String,
        /// Its type in the file.
        found: String,
        /// What the reader accepts there.
        expected: String,
    },

    /// An input file has a header but no data rows, or no header at all.
    #[error("{}: {reason}", file.display())]
    EmptyInput {
        /// The file.
        file: PathBuf,
        /// "no header" or "no data rows".
        reason: &'static str,
    },

    /// A named column was asked for but is not in the data.
    #[error("column `{column}` not found; available: {available}")]
    ColumnNotFound {
        /// The column asked for.
        column: String,
        /// The columns that exist, comma-separated.
        available: String,
    },

    /// A computation needs a feature the feature catalogue does not build.
    #[error(
        "{purpose} needs the `{feature}` feature, which the feature catalogue does not build; add it to the catalogue"
    )]
    FeatureRequired {
        /// The feature (column) needed, e.g. `mrr`.
        feature: String,
        /// What needs it.
        purpose: &'static str,
    },

    /// A JSON (de)serialisation problem, e.g. a truncated or hand-edited model file.
    #[error("{}: invalid JSON: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<memory>".into()))]
    Json {
        /// The file, when there is one.
        path: Option<PathBuf>,
        /// The underlying error (carries line and column).
        #[source]
        source: serde_json::Error,
    },

    // ----- parameters -----------------------------------------------------------------------
    /// A hyper-parameter or option is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the builder / CLI flag.
        name: &'static str,
        /// The given value, formatted.
        value: String,
        /// What is allowed.
        reason: String,
    },

    // ----- data shape for learning ----------------------------------------------------------
    /// There are no rows to learn from or evaluate on.
    #[error("empty data: {context}")]
    EmptyData {
        /// What was empty.
        context: &'static str,
    },

    /// Only one class is present where both churned and retained are needed.
    #[error("only one class present in {context}: both churned and retained outcomes are needed")]
    SingleClass {
        /// What was being computed.
        context: &'static str,
    },

    /// Two inputs that must have the same length do not.
    #[error("length mismatch in {context}: {left} vs {right}")]
    LengthMismatch {
        /// What was being computed.
        context: &'static str,
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },

    /// A numeric input is NaN or infinite where a finite value is required.
    #[error("non-finite value {value} in {context} at row {row}")]
    NonFinite {
        /// What was being read.
        context: String,
        /// 0-based row index.
        row: usize,
        /// The value.
        value: f64,
    },

    /// A row was given a feature the model does not have.
    #[error("the model has no feature `{name}`{}", if close.is_empty() { String::new() } else { format!("; did you mean {}?", name_list(close, 5)) })]
    UnknownFeature {
        /// The name given.
        name: String,
        /// The model's names closest to it.
        close: Vec<String>,
    },
    /// The data given to a fitted model does not have the features it was trained on.
    #[error("feature mismatch: {reason}")]
    FeatureMismatch {
        /// Which features are missing / extra / of another type.
        reason: String,
    },

    /// A schema file (`--schema`) that cannot be used as written.
    #[error("{}{}: {reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    BadSchema {
        /// The schema file.
        file: PathBuf,
        /// The line (1-based) when known.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },

    /// A playbook file (`--playbook`) that cannot be used as written.
    #[error("{}{}: {reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    BadPlaybook {
        /// The playbook file.
        file: PathBuf,
        /// The line (1-based) when known.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },

    /// An event catalogue file (`attrition catalogue`) that cannot be used as written.
    #[error("{}event catalogue{}: {reason}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default(), event_type.as_ref().map(|t| format!(", event type `{t}`")).unwrap_or_default())]
    BadCatalogue {
        /// The file, when there is one.
        path: Option<PathBuf>,
        /// The entry's event type, when the problem is in one entry.
        event_type: Option<String>,
        /// What is wrong.
        reason: String,
    },

    /// A saved model was written by an incompatible version of this crate.
    #[error("{}", schema_version_message(path, *found, *supported))]
    SchemaVersion {
        /// The model file (`<memory>` or `<reader>` when not from a file).
        path: PathBuf,
        /// The version in the file (0: the file has none).
        found: u32,
        /// The version this build reads.
        supported: u32,
    },

    /// A model file's checksum is absent or does not match its contents: the file was corrupted,
    /// edited by hand, or written by a version without checksums.
    ///
    /// ```
    /// use attrition::error::{ChecksumProblem, Error};
    /// let e = Error::ModelChecksum { path: "model.json".into(), problem: ChecksumProblem::Absent { schema_version: 1 } };
    /// assert!(e.to_string().contains("run `attrition model rehash --model model.json`"));
    /// ```
    #[error(
        "{}: {problem}; if that is the model you mean to use, check it and run `attrition model rehash --model {}` (or retrain it)",
        path.display(),
        path.display()
    )]
    ModelChecksum {
        /// The model file.
        path: PathBuf,
        /// Absent or mismatched.
        problem: ChecksumProblem,
    },

    /// A model's parts do not agree with each other or hold values outside their valid ranges
    /// (checked when a model is loaded or saved, see [`crate::models::validate`]).
    #[error("{}invalid model: {part}: {reason}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    InvalidModel {
        /// The model file, when there is one.
        path: Option<PathBuf>,
        /// The part at fault (`features`, `preprocessor`, `fitted.forest`, …).
        part: String,
        /// What is wrong.
        reason: String,
    },

    /// Explaining a model would cost more per row than [`crate::models::validate::MAX_EXPLAIN_COST_PER_ROW`]
    /// (scoring then writes its rows with reasons "not available" and counts them).
    #[error(
        "explaining this model would take about {cost_per_row} steps per row, more than the limit of {limit}: reasons are not available for it"
    )]
    ExplainTooCostly {
        /// Estimated TreeSHAP steps per row.
        cost_per_row: u64,
        /// The limit.
        limit: u64,
    },

    /// An error reported by the linfa framework when our models are used through its traits.
    #[error("linfa: {message}")]
    Linfa {
        /// linfa's message.
        message: String,
    },

    /// A numerical routine failed to converge or hit an impossible state.
    #[error("numerical failure in {context}: {reason}")]
    Numerical {
        /// The routine.
        context: &'static str,
        /// What happened.
        reason: String,
    },

    /// A directory given as a partitioned dataset is not one (or not one this build reads).
    #[error("{}: not a usable partitioned directory: {reason}", dir.display())]
    BadPartitions {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// [`Error::SchemaVersion`]'s message: a file without a version is most likely not a model file.
fn schema_version_message(path: &std::path::Path, found: u32, supported: u32) -> String {
    if found == 0 {
        format!(
            "{}: not an attrition model file (it has no `schema_version`; `attrition train` writes version {supported})",
            path.display()
        )
    } else {
        format!(
            "{}: model schema version {found} is not supported (this build reads version {supported})",
            path.display()
        )
    }
}

impl Error {
    /// Shorthand for an I/O error on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { action, path: path.into(), source }
    }

    /// Shorthand for an invalid-parameter error.
    pub fn param(name: &'static str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason: reason.into() }
    }

    /// The [`RowProblem`] of a [`Error::BadRow`], if this is one.
    pub fn row_problem(&self) -> Option<RowProblem> {
        match self {
            Error::BadRow { problem, .. } => Some(*problem),
            _ => None,
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::Linfa { message: e.to_string() }
    }
}

/// `names` for a message: back-quoted and comma-separated, the first `max` of them and then
/// "and N more", so that an error about 58 columns stays readable.
pub(crate) fn name_list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let mut out: Vec<String> = names.iter().take(max).map(|n| format!("`{}`", n.as_ref())).collect();
    if names.len() > max {
        out.push(format!("and {} more", names.len() - max));
    }
    out.join(", ")
}
