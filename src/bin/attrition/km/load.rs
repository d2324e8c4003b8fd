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
            l.report.warnings.retain(|w| w.columns().iter().any(|c| read.iter().flatten().any(|r| r.as_str() == *c)));
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
                    "the --event column `{}` must hold 1/true/yes (churn observed) or 0/false/no (censored)",
                    args.event
                ),
            })
        }
        Err(e) => Err(e),
    }
}

/// Durations ≥ 0, and entry times in [0, duration], or an error naming the flag and the line.
pub fn check_times(args: &Args, durations: &[f64], entry: Option<&[f64]>) -> Result<()> {
    // Times are checked here, where the file's lines are known (1-based, header = line 1).
    let at = |row: usize| match line_of_row(&args.data, row) {
        Ok(Some(line)) => format!("line {line} of {}", args.data.display()),
        _ => format!("data row {} of {}", row + 1, args.data.display()),
    };
    if let Some(i) = durations.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(Error::param(
            "--duration",
            format!("`{}` = {} on {}", args.duration, durations[i], at(i)),
            "a duration must be a number ≥ 0 (blank or NA: leave the row out)",
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
