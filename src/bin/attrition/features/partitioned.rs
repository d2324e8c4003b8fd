//! `attrition features` over a partitioned directory (`attrition partition`).

use std::time::Instant;

use attrition::catalogue::{CatalogueFile, DiscoveryParams};
use attrition::features::{FeatureCatalogue, PartitionedTables};
use attrition::io::output::{Overwrite, Sink};
use attrition::io::quality::DataQuality;
use attrition::io::tables::ReadOptions;
use attrition::io::write_flat::{WriteFlatOptions, is_parquet_path};
use attrition::partition::Partitions;
use attrition::{Error, Result};

use super::Args;
use super::build::{write_outputs, write_side_outputs};

/// `features` over a partitioned directory (`attrition partition`): the same output as over the
/// source tables, built a partition at a time.
pub fn run(a: &Args, saved: Option<FeatureCatalogue>) -> Result<()> {
    if a.schema.is_some() {
        return Err(Error::param(
            "--schema",
            a.tables.display(),
            "a partitioned directory is read with the schema in its manifest: leave out --schema",
        ));
    }
    let t0 = Instant::now();
    let pb = crate::progress::spinner(a.quiet, &format!("reading {} (first pass)", a.tables.display()));
    let opts = if a.lenient { ReadOptions::lenient() } else { ReadOptions::strict() };
    let parts = Partitions::open(&a.tables).and_then(|p| PartitionedTables::open(p, &opts));
    pb.finish_and_clear();
    let mut parts = parts?;
    if let Some(sample) = super::build::sample(a) {
        println!("observations kept: {}", super::build::describe(&sample));
        parts = parts.sample_customers(sample);
    }
    print!("{}", parts.load_report());
    let mut quality = DataQuality::from_tables(parts.load_report());
    let counts = parts.counts();
    println!(
        "{} partitions: {} customers, {} events; first pass in {:.1} s",
        parts.partitions().len(),
        counts.customers,
        counts.events,
        t0.elapsed().as_secs_f64()
    );
    let catalogue = match saved {
        Some(c) => c,
        None => {
            let events = match &a.event_catalogue {
                Some(p) => CatalogueFile::read(p)?.event_catalogue()?,
                None => {
                    // Roles discovered a partition at a time when the names are not the simulator's.
                    let pb = crate::progress::spinner(a.quiet, "choosing the event catalogue, a partition per worker");
                    let chosen = parts.choose_event_catalogue(&DiscoveryParams::new());
                    pb.finish_and_clear();
                    let chosen = chosen?;
                    super::catalogue::print_chosen(&chosen, "all partitions");
                    chosen.catalogue
                }
            };
            FeatureCatalogue::standard().with_events(events).with_max_event_types(Some(usize::from(a.max_event_types)))
        }
    };
    let t1 = Instant::now();
    if !is_parquet_path(&a.out) {
        return streamed(a, parts, &catalogue, quality, t1);
    }
    let pb = crate::progress::spinner(a.quiet, "building features, a partition per worker");
    let (dataset, resolved) = if let Some(as_of) = a.snapshot {
        let built = parts.snapshot(as_of, &catalogue);
        pb.finish_and_clear();
        let (ds, resolved) = built?;
        println!(
            "snapshot at {as_of}: {} of {} customers active on {} × {} features",
            ds.n_rows(),
            counts.customers,
            as_of.pred_opt().unwrap_or(as_of),
            ds.n_features()
        );
        (ds, resolved)
    } else {
        let params = super::build::observation_params(a, catalogue)?;
        let table = parts.build_observations(&params);
        pb.finish_and_clear();
        super::build::observations_built(table?, &mut quality)?
    };
    let merged = DataQuality::from_merged(resolved.merged_event_types.as_ref());
    crate::common::print_quality(&merged);
    quality.extend(merged);
    let build_secs = t1.elapsed().as_secs_f64();
    println!("built in {build_secs:.2} s ({:.1} M events/s)", counts.events as f64 / build_secs.max(1e-9) / 1e6);
    write_outputs(a, &dataset, &resolved, &quality)
}

/// Builds and writes CSV features streaming: each partition's rows go to a run file next to the
/// output, merged into it in the unpartitioned order (bounded memory).
fn streamed(
    a: &Args,
    parts: PartitionedTables,
    catalogue: &FeatureCatalogue,
    mut quality: DataQuality,
    t1: Instant,
) -> Result<()> {
    let mut sink = Sink::create(&a.out, Overwrite::Replace)?;
    let parts = parts.run_dir(sink.scratch_dir());
    let customers = parts.counts().customers;
    let options = WriteFlatOptions::default();
    let pb = crate::progress::spinner(a.quiet, "building features, a partition per worker, and merging them");
    let written = match a.snapshot {
        Some(as_of) => parts.write_snapshot(as_of, catalogue, &mut sink, &options),
        None => super::build::observation_params(a, catalogue.clone())
            .and_then(|params| parts.write_observations(&params, &mut sink, &options)),
    };
    pb.finish_and_clear();
    let written = written?;
    match (a.snapshot, &written.report) {
        (Some(as_of), _) => println!(
            "snapshot at {as_of}: {} of {customers} customers active on {} × {} features",
            written.rows,
            as_of.pred_opt().unwrap_or(as_of),
            written.features
        ),
        (None, Some(report)) => super::build::observations_report(report, &mut quality)?,
        (None, None) => {}
    }
    let merged = DataQuality::from_merged(written.catalogue.merged_event_types.as_ref());
    crate::common::print_quality(&merged);
    quality.extend(merged);
    sink.commit()?;
    let secs = t1.elapsed().as_secs_f64();
    println!(
        "built and wrote {} rows to {} in {secs:.2} s ({:.1} M events/s)",
        written.rows,
        a.out.display(),
        parts.counts().events as f64 / secs.max(1e-9) / 1e6
    );
    write_side_outputs(a, &written.catalogue, &quality)
}
