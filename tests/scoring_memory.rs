//! Scoring memory is bounded by a chunk's bytes, not by rows × the longest record (issue 14,
//! item 3): one 20 KB field in row 1 made every row of a chunk carry a 32 KB record buffer
//! (2.3 GB for 65,536 rows). Measured with a counting allocator — bytes, not time. The one test
//! in this file runs alone in its process, so the count is its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use attrition::io::tables::Strictness;
use attrition::models::Learner;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Column, Dataset};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            grew(new_size - layout.size());
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn one_long_field_does_not_multiply_a_chunks_memory() {
    let n = 900;
    let usage: Vec<f64> = (0..n).map(|i| ((i * 37) % 50) as f64).collect();
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(["basic", "pro", "team"][i % 3])).collect();
    let y: Vec<bool> = (0..n).map(|i| (i * 37) % 50 < 12 || i % 7 == 0).collect();
    let train = Dataset::new(vec![Column::numeric("usage", usage), Column::categorical("plan", &plan)])
        .unwrap()
        .with_churned(y)
        .unwrap();
    let model = ModelParams::new(ModelKind::Logistic).fit(&train).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let rows = 30_000;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    writeln!(w, "customer_id,usage,plan,notes").unwrap();
    for i in 0..rows {
        // Row 1 carries a 20 KB note (a column the model does not use; under the field limit).
        let note = if i == 0 { "n".repeat(20_000) } else { "ok".to_string() };
        writeln!(w, "c{i},{},{},{note}", (i * 13) % 50, ["basic", "pro", "team"][i % 3]).unwrap();
    }
    w.flush().unwrap();
    drop(w);

    let out = dir.path().join("out.csv");
    let opts = ScoreOptions { strictness: Strictness::Lenient, reasons: 0, ..ScoreOptions::default() };
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = score_csv(&model, &input, &out, &opts, |_| {}).unwrap();
    let peak_mb = (PEAK.load(Ordering::Relaxed) - base) as f64 / 1e6;
    assert_eq!(report.rows_scored, rows as u64);
    // The input is 0.4 MB; 30,000 rows each holding a 32 KB record buffer would be ~1 GB.
    println!("peak allocated while scoring: {peak_mb:.1} MB");
    assert!(peak_mb < 64.0, "scoring 30,000 short rows after one 20 KB field allocated {peak_mb:.0} MB at its peak");
}
