//! `attrition km`: Kaplan–Meier curves (and a log-rank test) for any duration/event CSV.

use std::collections::BTreeMap;
use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, line_of_row, load_flat};
use attrition::survival::{KaplanMeier, SurvivalData, logrank_test};
use attrition::{ColumnData, Error, Result};

/// Arguments of `attrition km`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with one row per subject.
    #[arg(long)]
    data: PathBuf,
    /// Duration column (time to the event or to censoring).
    #[arg(long)]
    duration: String,
    /// Event column: 1/true/yes = the event (churn) was observed, 0/false/no = censored.
    #[arg(long)]
    event: String,
    /// Group column: one curve per value, and a log-rank test.
    #[arg(long)]
    by: Option<String>,
    /// Most groups `--by` may make (1–10000): a column with more levels (an id, a free-text
    /// field) is refused, naming its count, rather than drawing that many curves and running a
    /// log-rank test across them.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_groups: u32,
    /// Entry-time column (late entry / left truncation).
    #[arg(long)]
    entry: Option<String>,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
}

fn numeric(data: &attrition::Dataset, name: &str) -> Result<Vec<f64>> {
    data.column(name)
        .and_then(|c| c.as_numeric())
        .map(|v| v.to_vec())
        .ok_or_else(|| Error::FeatureMismatch { reason: format!("numeric column `{name}` not found") })
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut opts = FlatOptions::new().target(&args.event).numeric(&args.duration);
    if let Some(b) = &args.by {
        opts = opts.categorical(b);
    }
    let data = match load_flat(&args.data, &opts) {
        Ok(l) => {
            crate::common::print_load_warnings(&l.report);
            l.dataset
        }
        // The loader asks which target value means churned (`positive`): km has no such flag.
        Err(Error::InvalidParameter { name: "positive", reason, .. }) => {
            return Err(Error::param(
                "--event",
                &args.event,
                format!(
                    "{}: the event column must hold 1/true/yes (churn observed) or 0/false/no (censored)",
                    reason.split(';').next().unwrap_or(&reason)
                ),
            ));
        }
        // A value that is no event label, with its line: named for km's own flag (km has no
        // --positive, nor a lenient mode to skip such rows).
        Err(Error::BadRow { location, problem, value, .. })
            if location.column.as_deref() == Some(args.event.as_str()) =>
        {
            return Err(Error::BadRow {
                location,
                problem,
                value,
                expected: format!(
                    "the --event column `{}` must hold 1/true/yes (churn observed) or 0/false/no (censored)",
                    args.event
                ),
            });
        }
        Err(e) => return Err(e),
    };
    let durations = numeric(&data, &args.duration)?;
    let events = data.churned_or_err()?.to_vec();
    let entry = args.entry.as_deref().map(|e| numeric(&data, e)).transpose()?;
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
    if let (Some(e), Some(name)) = (&entry, &args.entry)
        && let Some(i) = (0..e.len()).find(|&i| !(e[i].is_finite() && e[i] >= 0.0 && e[i] <= durations[i]))
    {
        return Err(Error::param(
            "--entry",
            format!("`{name}` = {} on {}", e[i], at(i)),
            format!("an entry time must be ≥ 0 and not after the duration ({})", durations[i]),
        ));
    }
    let groups: Vec<String> = match &args.by {
        Some(b) => match data.column(b).map(|c| &c.data) {
            Some(ColumnData::Categorical(c)) => {
                (0..data.n_rows()).map(|i| c.value(i).unwrap_or("(missing)").to_string()).collect()
            }
            _ => return Err(Error::FeatureMismatch { reason: format!("group column `{b}` not found") }),
        },
        None => vec!["all".to_string(); data.n_rows()],
    };
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        by.entry(g.as_str()).or_default().push(i);
    }
    let mut all = SurvivalData::new(durations, events)?;
    if let Some(e) = entry {
        all = all.with_entry(e)?;
    }
    if by.len() > args.max_groups as usize {
        return Err(Error::param(
            "--by",
            format!("`{}` with {} levels", args.by.as_deref().unwrap_or_default(), by.len()),
            format!(
                "more groups than --max-groups ({}): group the column into fewer levels, or raise --max-groups",
                args.max_groups
            ),
        ));
    }
    let mut subsets = Vec::new();
    let mut out = serde_json::Map::new();
    if !args.json {
        println!("group,time,at_risk,events,censored,survival,ci_low,ci_high");
    }
    for (g, rows) in &by {
        let d = all.subset(rows)?;
        let curve = KaplanMeier::new().fit(&d)?;
        if args.json {
            out.insert(g.to_string(), serde_json::to_value(&curve).map_err(|e| Error::Json { path: None, source: e })?);
        } else {
            for p in &curve.points {
                println!(
                    "{g},{},{},{},{},{},{},{}",
                    p.time, p.at_risk, p.events, p.censored, p.survival, p.ci_low, p.ci_high
                );
            }
        }
        subsets.push(d);
    }
    if by.len() > 1 {
        let refs: Vec<&SurvivalData> = subsets.iter().collect();
        let lr = logrank_test(&refs)?;
        if args.json {
            out.insert("logrank".into(), serde_json::to_value(&lr).map_err(|e| Error::Json { path: None, source: e })?);
        } else {
            eprintln!("log-rank: chi² = {:.4} on {} df, p = {:.4e}", lr.statistic, lr.degrees_of_freedom, lr.p_value);
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(())
}
