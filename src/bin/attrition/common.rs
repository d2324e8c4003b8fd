//! Arguments and helpers shared by the modelling subcommands.

use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, LoadedFlat, load_flat};
use attrition::io::output::OutputPlan;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::{Dataset, Result};

/// A flat CSV with a target column.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Input CSV (one row per customer, or per customer and as-of date; `-`: standard input).
    #[arg(long)]
    pub data: PathBuf,
    /// Target column (churned yes/no, true/false, 1/0).
    #[arg(long, default_value = "churned")]
    pub target: String,
    /// Value of the target meaning "churned" (default: inferred from yes/true/1).
    #[arg(long)]
    pub positive: Option<String>,
    /// Id column (kept aside, not a feature); `none`: the file has none, rows are numbered 1, 2, …
    #[arg(long, default_value = "customer_id")]
    pub id: String,
    /// As-of date column of point-in-time observations (kept aside, not a feature).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Columns to ignore (repeatable).
    #[arg(long)]
    pub drop: Vec<String>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Skip and count bad rows instead of stopping at the first.
    #[arg(long)]
    pub lenient: bool,
}

/// How a flat file's fields and columns are read, shared by the commands that load one.
#[derive(Debug, clap::Args)]
pub struct ColumnArgs {
    /// Field delimiter: one character (`;`), `\t`/`tab`, `comma`, `semicolon` or `pipe`.
    /// Default: detected from the header line among `, ; TAB |`.
    #[arg(long, value_parser = parse_delimiter_arg)]
    pub delimiter: Option<u8>,
    /// A value meaning "missing", like a blank cell, e.g. `NA` (repeatable).
    #[arg(long = "na-values", value_name = "VALUE")]
    pub na_values: Vec<String>,
    /// Read this column as categorical even if it looks numeric (repeatable).
    #[arg(long, value_name = "COL")]
    pub categorical: Vec<String>,
    /// Keep this column as a feature even if it looks like an id (repeatable).
    #[arg(long, value_name = "COL")]
    pub keep: Vec<String>,
}

impl ColumnArgs {
    /// Adds these settings to `o`.
    pub fn apply(&self, mut o: FlatOptions) -> FlatOptions {
        o.delimiter = self.delimiter.or(o.delimiter);
        o.na_values.extend(self.na_values.iter().cloned());
        o.categorical.extend(self.categorical.iter().cloned());
        o.keep.extend(self.keep.iter().cloned());
        o
    }
}

/// `--delimiter`'s parser.
pub fn parse_delimiter_arg(s: &str) -> std::result::Result<u8, String> {
    attrition::io::parse::parse_delimiter(s).ok_or_else(|| {
        format!("`{s}` is not a delimiter: give one ASCII character (not a quote), \\t, tab, comma, semicolon or pipe")
    })
}

/// `--id` as flat-file options: a column, or `none` (rows numbered 1, 2, …).
pub fn with_id(o: FlatOptions, id: &str) -> FlatOptions {
    if id.eq_ignore_ascii_case("none") { o.row_ids() } else { o.id(id) }
}

/// Prints a load report's warnings and skipped rows (nothing is dropped silently).
pub fn print_load_warnings(report: &attrition::io::flat::FlatReport) {
    print_quality(&attrition::io::quality::DataQuality::from_flat(report));
    let skipped = report.skipped_total();
    if skipped > 0 {
        eprintln!("skipped {skipped} bad rows: {:?}", report.skipped);
        for e in &report.examples {
            eprintln!("  {e}");
        }
    }
}

impl DataArgs {
    /// Loads the data, printing what was skipped (nothing is dropped silently).
    pub fn load(&self, quiet: bool) -> Result<Dataset> {
        self.load_reported(quiet).map(|(dataset, _)| dataset)
    }

    /// [`DataArgs::load`], with the data-quality findings (kept in a model file by `train`).
    pub fn load_reported(&self, quiet: bool) -> Result<(Dataset, attrition::io::quality::DataQuality)> {
        let mut o = self.columns.apply(with_id(FlatOptions::new().target(&self.target), &self.id));
        if let Some(p) = &self.positive {
            o = o.positive(p);
        }
        if let Some(a) = &self.as_of {
            o = o.as_of(a);
        }
        for d in &self.drop {
            o = o.drop(d);
        }
        if self.lenient {
            o = o.lenient();
        }
        let LoadedFlat { dataset, report } = load_flat(&self.data, &o)?;
        if !quiet {
            eprintln!(
                "loaded {} of {} rows from {} ({} features, churn rate {:.4})",
                report.rows_loaded,
                report.rows_read,
                self.data.display(),
                dataset.n_features(),
                dataset.churn_rate().unwrap_or(f64::NAN)
            );
        }
        print_load_warnings(&report);
        Ok((dataset, attrition::io::quality::DataQuality::from_flat(&report)))
    }
}

/// Model family and seed.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model family: auto (logistic or one of a few boosted-tree configurations, or a blend of the
    /// best of each, chosen by inner cross-validated log-loss on the training data), logistic,
    /// tree or gbdt. `ensemble` is deprecated: it runs `auto` with the smallest budget (logistic,
    /// the default boosted trees and their blend), which is what it did.
    #[arg(long, default_value = "auto")]
    pub model: ModelKind,
    /// `auto`: estimated compute, in seconds, its search may spend per training set, in (0, 86400]. It is turned
    /// into a number of candidates before fitting (so the same seed gives the same choice).
    #[arg(long, default_value_t = 10.0, value_parser = range::above(0.0, 86_400.0))]
    pub budget_seconds: f64,
    /// Seed of every random choice (any whole number 0–2⁶⁴ − 1).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Inverse penalty strength of logistic regression (scikit-learn's C), in (0, inf]; `inf`: no
    /// penalty.
    #[arg(long, default_value_t = 1.0, value_parser = range::above(0.0, f64::INFINITY))]
    pub c: f64,
    /// Logistic regression penalty: l2 (ridge) or l1 (lasso: zeroes weak features).
    #[arg(long, default_value = "l2")]
    pub penalty: attrition::models::logistic::Penalty,
    /// Boosted trees (`--model gbdt`) split categorical columns natively, as sets of categories
    /// (LightGBM's method), instead of on one-hot columns.
    #[arg(long)]
    pub native_categorical: bool,
}

impl ModelArgs {
    /// The model parameters.
    ///
    /// `--model ensemble` (deprecated, with a warning) is `auto` with a budget of 0: it tries
    /// logistic regression and the default boosted trees, blends them when the blend is better
    /// by inner cross-validation — the ensemble's method — and, unlike the ensemble, does not
    /// fit a member that would get weight 0. Measured against `auto` (5-fold, seed 42, 10
    /// datasets: Telco, the four dev sets, mlc_churn, OJ, lending_club, HMDA, simulator
    /// observations), the ensemble's out-of-fold log-loss was within 0.0006 of auto's on 8,
    /// better by 0.004 on HR attrition and worse by 0.006 on mlc_churn (where it was the trees
    /// alone at 5× their cost).
    pub fn params(&self) -> ModelParams {
        let (kind, budget) = match self.model {
            ModelKind::Ensemble => {
                eprintln!(
                    "warning: `--model ensemble` is deprecated and runs `--model auto --budget-seconds 0` \
                     (logistic, boosted trees, or their blend, chosen by inner cross-validation); \
                     use `--model auto`"
                );
                (ModelKind::Auto, 0.0)
            }
            kind => (kind, self.budget_seconds),
        };
        let mut p = ModelParams::new(kind).seed(self.seed);
        p.logistic = p.logistic.c(self.c).penalty(self.penalty);
        p.auto = p.auto.budget_seconds(budget);
        p.native_categorical(self.native_categorical)
    }
}

/// `--force`, shared by every command that writes a file or directory.
#[derive(Debug, clap::Args)]
pub struct ForceArgs {
    /// Replace existing outputs. Without it an existing output is an error (nothing is written).
    /// An output that is one of the inputs is refused either way.
    #[arg(long)]
    pub force: bool,
}

impl ForceArgs {
    /// The output checks with this policy; add the command's inputs.
    pub fn plan(&self) -> OutputPlan {
        OutputPlan::new().force(self.force)
    }
}

/// `--max-event-types`, shared by the commands that read a tables directory; the cap is applied
/// once, by the library's reader ([`attrition::io::tables::ReadOptions::with_max_event_types`]).
#[derive(Debug, clap::Args)]
pub struct EventTypesArgs {
    /// Most event types kept when the tables are read (1–65535, `other` included): the types
    /// emitted by the fewest customers are merged into one type `other`, counted and reported (a
    /// schema's cancellation event is never merged).
    #[arg(long, default_value_t = attrition::features::DEFAULT_MAX_EVENT_TYPES as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub max_event_types: u16,
}

impl EventTypesArgs {
    /// Read options with this cap, strict or lenient.
    pub fn read_options(&self, lenient: bool) -> attrition::io::tables::ReadOptions {
        let o = if lenient {
            attrition::io::tables::ReadOptions::lenient()
        } else {
            attrition::io::tables::ReadOptions::strict()
        };
        o.with_max_event_types(Some(usize::from(self.max_event_types)))
    }
}

pub mod range;

/// Prints data-quality findings to standard error, one `warning: …` line each: every command
/// prints its [`DataQuality`](attrition::io::quality::DataQuality) this way.
pub fn print_quality(quality: &attrition::io::quality::DataQuality) {
    for w in &quality.warnings {
        eprintln!("warning: {w}");
    }
}

/// The data-quality findings of tables just read (exact duplicate rows dropped, rare event types
/// merged into `other`, dated rows left out of the inferred data end as outliers), printed to
/// standard error and returned for a report.
pub fn warn_tables(loaded: &attrition::io::tables::LoadedTables) -> attrition::io::quality::DataQuality {
    let quality = attrition::io::quality::DataQuality::of_tables(loaded);
    print_quality(&quality);
    quality
}

/// Reads a tables directory, through the schema file when `--schema` is given.
pub fn read_tables(
    dir: &std::path::Path,
    schema: Option<&std::path::Path>,
    options: &attrition::io::tables::ReadOptions,
) -> Result<attrition::io::tables::LoadedTables> {
    let schema = schema.map(attrition::io::schema::Schema::read).transpose()?;
    attrition::io::tables::read_tables_with(dir, schema.as_ref(), options)
}
