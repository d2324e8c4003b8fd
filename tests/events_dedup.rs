//! `Events::dedup` against a plain reference (the first occurrence of each (customer,
//! timestamp, type, user) kept, in file order): on events grouped by customer in time order (the
//! one-pass path, simultaneous events in any order), in any order and with long runs of
//! simultaneous events (the sorting path).

use std::collections::HashSet;

use attrition::io::tables::Events;

/// Events with duplicates from a small deterministic generator (LCG); `in_order`: grouped by
/// customer, in time order within each (types and users of simultaneous events in any order).
fn events(seed: u64, n: usize, in_order: bool) -> Events {
    let mut state = seed;
    let mut next = |m: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    let mut rows: Vec<(u32, i64, u16, u32)> =
        (0..n).map(|_| (next(7) as u32, next(20) as i64, next(3) as u16, next(2) as u32)).collect();
    if in_order {
        rows.sort_by_key(|r| (r.0, r.1));
    }
    let mut ev = Events::default();
    for (c, t, k, u) in rows {
        ev.customer.push(c);
        ev.timestamp.push(t);
        ev.kind.push(k);
        ev.user.push(u);
    }
    ev
}

fn reference(ev: &Events) -> (u64, Events) {
    let mut seen = HashSet::new();
    let mut out = Events::default();
    for i in 0..ev.len() {
        if seen.insert((ev.customer[i], ev.timestamp[i], ev.kind[i], ev.user[i])) {
            out.customer.push(ev.customer[i]);
            out.timestamp.push(ev.timestamp[i]);
            out.kind.push(ev.kind[i]);
            out.user.push(ev.user[i]);
        }
    }
    ((ev.len() - out.len()) as u64, out)
}

#[test]
fn dedup_keeps_the_first_of_each_event_in_file_order() {
    let mut dropped_total = 0;
    for seed in 0..60 {
        for in_order in [true, false] {
            let ev = events(seed, seed as usize * 9, in_order);
            let (want_dropped, want) = reference(&ev);
            let mut got = ev.clone();
            let dropped = got.dedup();
            assert_eq!((dropped, &got), (want_dropped, &want), "seed {seed}, in order {in_order}");
            dropped_total += dropped;
        }
    }
    assert!(dropped_total > 1000, "the inputs hold duplicates ({dropped_total})");
    // Many simultaneous events of one customer (beyond the pairwise comparison): the same.
    let mut ev = events(3, 500, true);
    ev.timestamp.iter_mut().for_each(|t| *t = 0);
    let (want_dropped, want) = reference(&ev);
    let dropped = ev.dedup();
    assert_eq!((dropped, &ev), (want_dropped, &want));
}
