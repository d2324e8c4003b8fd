//! Building `attrition features`' rows: a snapshot of the customers active on a day, or labelled
//! observations over a range of as-of dates, with what was built printed.

use attrition::features::{FeatureCatalogue, FeatureParams, FeatureReport, FeatureTable, build_observations, snapshot};
use attrition::validation::CustomerSample;
use std::time::Instant;

use attrition::io::output::{Overwrite, write_bytes};
use attrition::io::quality::{DataQuality, QualityWarning};
use attrition::io::tables::Tables;
use attrition::io::write_flat::{WriteFlatOptions, write_flat};
use attrition::models::artifact::FeatureBuild;
use attrition::{Dataset, Error, Result};

use super::Args;

/// The rows to write and the resolved catalogue they were built with.
pub fn dataset(
    a: &Args,
    tables: &Tables,
    catalogue: FeatureCatalogue,
    quality: &mut DataQuality,
) -> Result<(Dataset, FeatureCatalogue)> {
    if let Some(as_of) = a.snapshot {
        let resolved = catalogue.resolve(tables)?;
        let pb = crate::progress::spinner(a.quiet, "building features");
        let ds = snapshot(tables, as_of, &resolved);
        pb.finish_and_clear();
        let ds = ds?;
        println!(
            "snapshot at {as_of}: {} of {} customers active on {} × {} features",
            ds.n_rows(),
            tables.customers.len(),
            as_of.pred_opt().unwrap_or(as_of),
            ds.n_features()
        );
        // A snapshot outside the data is most likely a typo: say what it means.
        if let Some(end) = attrition::features::data_end(tables, false)
            && as_of.signed_duration_since(end.day).num_days() > 1
        {
            eprintln!(
                "warning: --snapshot {as_of} is {} days after the data's last day ({}): customers active then are \
                 taken as still active, with no usage since",
                as_of.signed_duration_since(end.day).num_days() - 1,
                end.day
            );
        }
        if ds.n_rows() == 0 {
            let first = tables.customers.iter().map(|c| c.signup_date).min();
            eprintln!(
                "warning: no customer is active on {}: the snapshot is empty{}",
                as_of.pred_opt().unwrap_or(as_of),
                first.map_or(String::new(), |d| format!(" (the first signup is on {d})"))
            );
        }
        Ok((ds, resolved))
    } else {
        let params = observation_params(a, catalogue)?;
        let pb = crate::progress::spinner(a.quiet, "building features");
        let table = build_observations(tables, &params);
        pb.finish_and_clear();
        let (ds, resolved) = observations_built(table?, quality)?;
        Ok((sampled(a, ds), resolved))
    }
}

/// The rows of `ds` kept by `--sample-customers` (all without it), the count printed.
pub fn sampled(a: &Args, ds: Dataset) -> Dataset {
    let Some(sample) = sample(a) else { return ds };
    let kept = ds.take(&sample.rows(ds.ids.as_deref().unwrap_or(&[])));
    println!("kept {} of {} observations: {}", kept.n_rows(), ds.n_rows(), describe(&sample));
    kept
}

/// `--sample-customers` and `--sample-seed`.
pub fn sample(a: &Args) -> Option<CustomerSample> {
    a.sample_customers.map(|r| CustomerSample::new(r, a.sample_seed))
}

/// The sample in words.
pub fn describe(s: &CustomerSample) -> String {
    format!("the customers of a seeded sample (rate {}, seed {})", s.rate, s.seed)
}

/// `FeatureParams` of labelled observations from `--from`/`--to` and the window flags.
pub fn observation_params(a: &Args, catalogue: FeatureCatalogue) -> Result<FeatureParams> {
    let (Some(from), Some(to)) = (a.from, a.to) else {
        return Err(Error::param("from/to", "<none>", "give --from and --to, or --snapshot"));
    };
    let mut params = FeatureParams::new(from, to)
        .every(a.every)
        .lead_days(a.lead_days)
        .horizon_days(a.horizon_days)
        .catalogue(catalogue);
    if let Some(d) = a.data_end {
        params = params.data_end(d);
    }
    Ok(params)
}

/// Prints what the observations hold, keeps a data-end warning in `quality`, and refuses an
/// empty table.
pub fn observations_built(table: FeatureTable, quality: &mut DataQuality) -> Result<(Dataset, FeatureCatalogue)> {
    observations_report(&table.report, quality)?;
    Ok((table.dataset, table.catalogue))
}

/// Prints an observations report, keeps a data-end warning in `quality`, and refuses an empty
/// table.
pub fn observations_report(report: &FeatureReport, quality: &mut DataQuality) -> Result<()> {
    print!("{report}");
    print!("{}", report.per_date_table());
    if let Some(end) = &report.data_end_outliers {
        let w = QualityWarning::DataEndOutliers(end.clone());
        eprintln!("warning: {w}");
        quality.push(w);
    }
    if report.observations == 0 {
        return Err(Error::EmptyData {
            context: "observations: no customer was active on an as-of date with a complete label window",
        });
    }
    Ok(())
}

/// Writes the features, and the catalogue / feature build when asked.
pub fn write_outputs(
    a: &Args,
    dataset: &attrition::dataset::Dataset,
    resolved: &FeatureCatalogue,
    quality: &DataQuality,
) -> Result<()> {
    let t2 = Instant::now();
    let pb = crate::progress::spinner(a.quiet, &format!("writing {}", a.out.display()));
    let written = write_flat(dataset, &a.out, &WriteFlatOptions::default());
    pb.finish_and_clear();
    written?;
    println!("wrote {} rows to {} in {:.1} s", dataset.n_rows(), a.out.display(), t2.elapsed().as_secs_f64());
    write_side_outputs(a, resolved, quality)
}

/// Writes the catalogue / feature build when asked, and counts the data-quality findings.
pub fn write_side_outputs(a: &Args, resolved: &FeatureCatalogue, quality: &DataQuality) -> Result<()> {
    if let Some(p) = &a.save_catalogue {
        write_bytes(p, resolved.to_json()?.as_bytes(), Overwrite::Replace)?;
        println!("saved the resolved catalogue to {}", p.display());
    }
    if let Some(p) = &a.save_build {
        let build = FeatureBuild::new(resolved.clone(), a.lead_days, a.horizon_days)?;
        write_bytes(p, &build.to_json()?, Overwrite::Replace)?;
        println!("saved the feature build (catalogue and label window) to {}", p.display());
    }
    if !quality.is_empty() {
        eprintln!("{} data-quality findings (the warnings above)", quality.warnings.len());
    }
    Ok(())
}
