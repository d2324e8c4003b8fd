//! Reading and checking `attrition km`'s input: event values and times named by km's own flags
//! and the file's lines.

use attrition::io::flat::{FlatOptions, line_of_row, load_flat};
use attrition::io::quality::DataQuality;
use attrition::{Dataset, Error, Result};

use super::Args;

/// Loads `--data` (printing the loader's findings about the columns km reads, and returning
/// them for `--json`); an event column that is no event label is an error naming `--event`.
/// How the file's other columns would be read as model features (an id-like column left out,
/// say) does not matter to km, and its advice (`--keep`) is no km flag.
pub fn data(args: &Args, opts: &FlatOptions) -> Result<(Dataset, DataQuality)> {
    match load_flat(&args.data, opts) {
        Ok(mut l) => {
            let read = [Some(&args.duration), args.by.as_ref(), args.entry.as_ref()];
            l.report.warnings.retain(|w| crate::common::about_columns(w, read.iter().flatten().map(|r| r.as_str())));
            crate::common::print_load_warnings(&l.report);
            Ok((l.dataset, DataQuality::from_flat(&l.report)))
        }
        // The loader asks which target value means churned (`positive`): km has no such flag.
        Err(Error::InvalidParameter { name: "positive", reason, .. }) => Err(Error::param(
            "--event",
            &args.event,
            format!(
                "{}: the event column must hold 1/true/yes (churn observed) or 0/false/no (censored)",
                reason.split(';').next().unwrap_or(&reason)
            ),
        )),
        // A value that is no event label, with its line: named for km's own flag (km has no
        // --positive, nor a lenient mode to skip such rows).
        Err(Error::BadRow { location, problem, value, .. })
            if location.column.as_deref() == Some(args.event.as_str()) =>
        {
            Err(Error::BadRow {
                location,
                problem,
                value,
                expected: format!(
                    "1/true/yes (churn observed) or 0/false/no (censored) in the --event column `{}`",
                    args.event
                ),
            })
        }
        Err(e) => Err(e),
    }
}

/// `data` without the rows whose duration (or entry time, with `--entry`) is missing, each such
/// column's count added to `quality` and printed, and each kept row's index in the file's rows
/// (for the line numbers of [`check_times`]'s messages).
pub fn without_missing_times(
    args: &Args,
    data: attrition::Dataset,
    quality: &mut DataQuality,
) -> Result<(attrition::Dataset, Vec<usize>)> {
    let columns: Vec<&String> = std::iter::once(&args.duration).chain(args.entry.as_ref()).collect();
    let mut keep = vec![true; data.n_rows()];
    for name in columns {
        let v = numeric(&data, name)?;
        let missing: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_nan()).collect();
        if let Some(&first) = missing.first() {
            let w = attrition::io::quality::QualityWarning::MissingValuesLeftOut {
                column: name.clone(),
                rows: missing.len() as u64,
                first_line: line_of_row(&args.data, first).ok().flatten(),
            };
            crate::common::print_quality(&DataQuality { warnings: vec![w.clone()] });
            quality.push(w);
            for i in missing {
                keep[i] = false;
            }
        }
    }
    let rows: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
    if rows.len() == data.n_rows() {
        return Ok((data, rows));
    }
    if rows.is_empty() {
        return Err(Error::EmptyData { context: "km: every row's duration (or entry time) is missing" });
    }
    Ok((data.take(&rows), rows))
}

/// Durations ≥ 0, and entry times in [0, duration], or an error naming the flag and the line
/// (`origin`: each row's index among the file's rows).
pub fn check_times(args: &Args, durations: &[f64], entry: Option<&[f64]>, origin: &[usize]) -> Result<()> {
    // Times are checked here, where the file's lines are known (1-based, header = line 1).
    let at = |row: usize| match line_of_row(&args.data, origin.get(row).copied().unwrap_or(row)) {
        Ok(Some(line)) => format!("line {line} of {}", args.data.display()),
        _ => format!("data row {} of {}", row + 1, args.data.display()),
    };
    if let Some(i) = durations.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(Error::param(
            "--duration",
            format!("`{}` = {} on {}", args.duration, durations[i], at(i)),
            "a duration must be a number ≥ 0 (a blank one leaves its row out)",
        ));
    }
    if let (Some(e), Some(name)) = (entry, &args.entry)
        && let Some(i) = (0..e.len()).find(|&i| !(e[i].is_finite() && e[i] >= 0.0 && e[i] <= durations[i]))
    {
        return Err(Error::param(
            "--entry",
            format!("`{name}` = {} on {}", e[i], at(i)),
            format!("an entry time must be ≥ 0 and not after the duration ({})", durations[i]),
        ));
    }
    Ok(())
}

/// The numeric column `name`.
pub fn numeric(data: &attrition::Dataset, name: &str) -> Result<Vec<f64>> {
    data.column(name)
        .and_then(|c| c.as_numeric())
        .map(|v| v.to_vec())
        .ok_or_else(|| Error::FeatureMismatch { reason: format!("numeric column `{name}` not found") })
}
