//! Flat-file arguments (`--data`, `--target`, `--id`, …) and the load report's warnings.

use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, LoadedFlat, load_flat};
use attrition::{Dataset, Result};

/// The id column of a flat file when `--id` is not given (and no model file says otherwise).
pub const DEFAULT_ID: &str = "customer_id";

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
    /// Default: `customer_id`; with a model file (`report`), the model's id column.
    #[arg(long)]
    pub id: Option<String>,
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

/// `o` set to read `model`'s feature columns as the model needs them: kept even if they look
/// like ids, and the numeric ones read as numbers, so a bad value is named as such (not with the
/// advice to force the column categorical or drop it: the model needs it as a number).
pub fn reading_for_model(mut o: FlatOptions, model: &attrition::models::trained::TrainedModel) -> FlatOptions {
    for f in &model.features {
        o = o.keep(&f.name);
        if f.kind == attrition::ColumnKind::Numeric {
            o = o.numeric(&f.name);
        }
    }
    o
}

/// Whether a load warning is about a column `model` reads (the others' kinds do not matter to
/// a command that scores with the model).
pub fn about_model(w: &attrition::io::flat::FlatWarning, model: &attrition::models::trained::TrainedModel) -> bool {
    about_columns(w, model.features.iter().map(|f| f.name.as_str()))
}

/// Whether a load warning is about one of `columns` (those a command reads).
pub fn about_columns<'a>(w: &attrition::io::flat::FlatWarning, columns: impl IntoIterator<Item = &'a str>) -> bool {
    let about = w.columns();
    columns.into_iter().any(|c| about.contains(&c))
}

/// Prints a load report's warnings and skipped rows (nothing is dropped silently).
pub fn print_load_warnings(report: &attrition::io::flat::FlatReport) {
    super::print_quality(&attrition::io::quality::DataQuality::from_flat(report));
    let skipped = report.skipped_total();
    if skipped > 0 {
        let kinds: Vec<String> = report.skipped.iter().map(|(problem, n)| format!("{n} {problem}")).collect();
        eprintln!("skipped {skipped} bad rows ({})", kinds.join(", "));
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

    /// The options these arguments read the file with.
    pub fn options(&self) -> FlatOptions {
        let mut o = self.columns.apply(with_id(FlatOptions::new().target(&self.target), self.id_or(DEFAULT_ID)));
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
        o
    }

    /// [`DataArgs::load`], with the data-quality findings (kept in a model file by `train`).
    pub fn load_reported(&self, quiet: bool) -> Result<(Dataset, attrition::io::quality::DataQuality)> {
        self.load_flat(quiet).map(|l| (l.dataset, attrition::io::quality::DataQuality::from_flat(&l.report)))
    }

    /// [`DataArgs::load_reported`] for scoring with `model`: its feature columns are kept even if
    /// they look like ids, and only warnings about columns the model reads are printed (how the
    /// other columns would be read as features does not matter to it).
    pub fn load_for_model(
        &self,
        model: &attrition::models::trained::TrainedModel,
        quiet: bool,
    ) -> Result<(Dataset, attrition::io::quality::DataQuality)> {
        let mut options = self.options();
        if self.id.is_none() {
            // As `score` and `target`: the id column the model was trained with.
            (options.id, options.row_ids) = (None, false);
            options = with_id(options, model.input.id_name().unwrap_or("none"));
        }
        let options = reading_for_model(options, model);
        let LoadedFlat { dataset, mut report } =
            self.load_with(&options, quiet, if self.id.is_none() { " (the model's)" } else { "" })?;
        report.warnings.retain(|w| about_model(w, model));
        print_load_warnings(&report);
        Ok((dataset, attrition::io::quality::DataQuality::from_flat(&report)))
    }

    /// [`DataArgs::load`], with the load report.
    pub fn load_flat(&self, quiet: bool) -> Result<LoadedFlat> {
        let loaded = self.load_with(&self.options(), quiet, if self.id.is_none() { " by default" } else { "" })?;
        print_load_warnings(&loaded.report);
        Ok(loaded)
    }

    /// The `--id` given, else `default`.
    pub fn id_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.id.as_deref().unwrap_or(default)
    }

    /// Loads with `options`; `whose` says where the id column's name came from, for the message
    /// when it is missing (`" by default"`, `" (the model's)"`, or `""` when `--id` named it).
    fn load_with(&self, options: &FlatOptions, quiet: bool, whose: &str) -> Result<LoadedFlat> {
        let LoadedFlat { dataset, report } = load_flat(&self.data, options).map_err(|e| match e {
            // The id column (by default `customer_id`) is missing: say which flag names it.
            attrition::Error::ColumnNotFound { column, mut available } if options.id.as_deref() == Some(&column) => {
                available.push_str(&format!(
                    " (`{column}` is the id column{whose}: name yours with --id COLUMN, or --id none if the file has none)"
                ));
                attrition::Error::ColumnNotFound { column, available }
            }
            other => other,
        })?;
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
        if report.decimal_comma && !quiet {
            eprintln!("numbers read with decimal commas (`29,85` = 29.85)");
        }
        Ok(LoadedFlat { dataset, report })
    }
}
