//! `attrition study --config study.toml`: the library study (`attrition::study::Study`) on a
//! tables directory, written as a report directory. `attrition demo` runs the same with defaults.

use std::path::{Path, PathBuf};
use std::time::Instant;

use attrition::io::tables::Tables;
use attrition::simulate::{SimulationParams, simulate};
use attrition::study::{Study, StudyConfig, StudyProgress};
use attrition::{Error, Result};
use indicatif::ProgressBar;

use crate::progress::spinner;

/// Arguments of `attrition study`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study's settings (TOML): `[data]` tables, schema, event catalogue; `[dates]`,
    /// `[window]`, `[models]`, `[clv]`, `[campaign]`, `[uplift]`, `[report]` (see README, "The
    /// study file"). Every key is optional.
    #[arg(long)]
    config: PathBuf,
    /// Tables directory (overrides `[data] tables`).
    #[arg(long)]
    tables: Option<PathBuf>,
    /// Output directory of the report; it appears only when complete.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// No progress output, only the final summary line.
    #[arg(long)]
    quiet: bool,
}

/// Where the study's tables come from.
pub(crate) enum Input {
    /// A tables directory, with an optional schema file and the cap on event types.
    Tables(PathBuf, Option<PathBuf>, crate::common::EventTypesArgs),
    /// A simulated world of this many customers (24 months, seed 7).
    Simulated(usize),
}

/// Spinners while a step runs, one timed line when it ends.
struct Steps {
    quiet: bool,
    bar: Option<ProgressBar>,
    started: Instant,
}

impl StudyProgress for Steps {
    fn start(&mut self, what: &str) {
        self.bar = Some(spinner(self.quiet, what));
        self.started = Instant::now();
    }

    fn finish(&mut self, what: &str) {
        if let Some(pb) = self.bar.take() {
            pb.finish_and_clear();
        }
        if !self.quiet {
            println!("  {what:<58} {:>6.1}s", self.started.elapsed().as_secs_f64());
        }
    }

    fn note(&mut self, message: &str) {
        if !self.quiet {
            println!("  {message}");
        }
    }
}

/// Runs the study on `input` and writes the report directory `out`.
pub(crate) fn execute(
    config: StudyConfig,
    input: Input,
    out: &Path,
    force: &crate::common::ForceArgs,
    quiet: bool,
) -> Result<()> {
    let t0 = Instant::now();
    let mut outputs = force.plan().replace_own_dirs(true);
    if let Input::Tables(dir, _, _) = &input {
        outputs = outputs.tables_input("--tables", dir.clone());
    }
    if let Some(c) = &config.data.event_catalogue {
        outputs = outputs.input("--event-catalogue", c);
    }
    if let Some(p) = &config.report.previous {
        outputs = outputs.input("--previous", p);
    }
    outputs.check_dir("--out", out)?;
    let mut study = Study::from_config(config)?;
    let mut steps = Steps { quiet, bar: None, started: Instant::now() };
    let (tables, source): (Tables, String) = match input {
        Input::Simulated(n) => {
            let what = format!("simulating {n} customers over 24 months");
            steps.start(&what);
            let w = simulate(&SimulationParams::new(n, 24, 7))?;
            steps.finish(&what);
            (w.tables, format!("a simulated world of {n} customers (seed 7)"))
        }
        Input::Tables(dir, schema, event_types) => {
            let what = format!("reading {}", dir.display());
            steps.start(&what);
            let loaded = crate::common::read_tables(&dir, schema.as_deref(), &event_types.read_options(false))?;
            steps.finish(&what);
            study = study.data_quality(crate::common::warn_tables(&loaded));
            (loaded.tables, format!("tables in {}", dir.display()))
        }
    };
    let results = study.run(&tables, &source, &mut steps)?;
    // The run's own findings (the tables' were printed when they were read).
    crate::common::print_quality(&attrition::io::quality::DataQuality {
        warnings: results
            .data_quality
            .warnings
            .iter()
            .filter(|w| !study.data_quality.warnings.contains(w))
            .cloned()
            .collect(),
    });
    let dir = outputs.create_dir("--out", out)?;
    results.write(dir.path())?;
    dir.commit()?;
    println!(
        "{}; report: {} ({:.0}s)",
        results.summary(),
        out.join("index.html").display(),
        t0.elapsed().as_secs_f64()
    );
    if let (Some(t), false) = (&results.targeting, quiet) {
        println!(
            "held-out experiment profit: uplift {:.0} (X-learner) / {:.0} (two-model), expected profit {:.0}, churn risk {:.0}",
            t.by_x_uplift.best_profit,
            t.by_uplift.best_profit,
            t.by_expected_profit.best_profit,
            t.by_churn_probability.best_profit
        );
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let config = StudyConfig::read(&args.config)?;
    let tables =
        args.tables.clone().or_else(|| config.data.tables.clone()).ok_or_else(|| {
            Error::param("--tables", "none", "give --tables or `tables` under [data] in the study file")
        })?;
    let schema = config.data.schema.clone();
    execute(config, Input::Tables(tables, schema, args.event_types), &args.out, &args.force, args.quiet)
}
