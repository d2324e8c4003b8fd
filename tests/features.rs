//! Point-in-time features: the engine against a brute-force reference, exact semantics on
//! hand-built cases, determinism, the CSV round trip and bad input.

mod features_support;

use attrition::dataset::ColumnKind;
use attrition::features::{
    Cadence, Exclusion, FeatureCatalogue, FeatureParams, FeatureSpec, build_observations, infer_data_end, snapshot,
};
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::io::tables::{EventsBuilder, NpsResponse, Tables};
use attrition::io::write_flat::{WriteFlatOptions, write_flat};
use features_support::*;
use proptest::prelude::*;

fn num(ds: &attrition::Dataset, name: &str) -> Vec<f64> {
    ds.column(name).unwrap_or_else(|| panic!("no column {name}")).as_numeric().unwrap().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every feature, label and exclusion of every candidate observation agrees with the brute-force
    /// reference, on random tables (interleaved or grouped events, churn and return, NPS ties).
    #[test]
    fn engine_matches_brute_force_reference(seed in any::<u64>(), every in 3u32..20, lead in 0u32..10, horizon in 1u32..40) {
        let t = random_tables(seed);
        let params = FeatureParams::new(plus(base(), 5), plus(base(), 330))
            .every(Cadence::Days(every))
            .lead_days(lead)
            .horizon_days(horizon);
        let table = build_observations(&t, &params).unwrap();
        let ds = &table.dataset;
        let types = table.catalogue.event_types.clone().unwrap();
        let data_end = dn(infer_data_end(&t).unwrap());
        prop_assert_eq!(table.report.data_end, infer_data_end(&t).unwrap());
        let rows = rows_by_key(ds);
        let names = ds.feature_names();
        let (mut kept, mut lead_ex, mut incomplete, mut candidates) = (0u64, 0u64, 0u64, 0u64);
        for a_date in params.as_of_dates().unwrap() {
            let a = dn(a_date);
            for c in 0..t.customers.len() as u32 {
                let active = t.subscriptions.iter().any(|s| {
                    s.customer == c && dn(s.start_date) < a && s.end_date.is_none_or(|e| a - 1 < dn(e))
                });
                let key = (t.customers[c as usize].customer_id.clone(), a_date);
                if !active {
                    prop_assert!(!rows.contains_key(&key));
                    continue;
                }
                candidates += 1;
                let (l, h) = (i64::from(lead), i64::from(horizon));
                if !ref_churn_days(&t, c, a, a + l).is_empty() {
                    lead_ex += 1;
                    prop_assert!(!rows.contains_key(&key));
                    continue;
                }
                if a + l + h > data_end {
                    incomplete += 1;
                    prop_assert!(!rows.contains_key(&key));
                    continue;
                }
                kept += 1;
                let row = rows.get(&key).expect("kept observation present");
                let r = (0..ds.n_rows())
                    .find(|&r| ds.ids.as_ref().unwrap()[r] == key.0 && ds.as_of.as_ref().unwrap()[r] == a_date)
                    .unwrap();
                let churned = !ref_churn_days(&t, c, a + l, a + l + h).is_empty();
                prop_assert_eq!(ds.churned.as_ref().unwrap()[r], churned, "label of {:?}", key);
                let expected = reference_features(&t, c, a, &types);
                for (j, name) in names.iter().enumerate() {
                    if let Some(&want) = expected.get(*name) {
                        let got = ds.columns[j].as_numeric().unwrap()[r];
                        prop_assert!(close(got, want), "{} of {:?}: engine {} vs reference {}", name, key, got, want);
                    } else {
                        prop_assert_eq!(ds.columns[j].kind(), ColumnKind::Categorical, "no reference for {}", name);
                    }
                }
                let vertical = t.attribute("vertical").unwrap().value(c).unwrap();
                prop_assert_eq!(&row[names.iter().position(|n| *n == "vertical").unwrap()], vertical);
            }
        }
        prop_assert_eq!(table.report.observations, kept);
        prop_assert_eq!(table.report.candidates, candidates);
        prop_assert_eq!(table.report.excluded[&Exclusion::ChurnedInLead], lead_ex);
        prop_assert_eq!(table.report.excluded[&Exclusion::LabelWindowIncomplete], incomplete);
        prop_assert_eq!(ds.n_rows() as u64, kept);
    }

    /// `snapshot` gives exactly the features of the same (customer, date) in `build_observations`.
    #[test]
    fn snapshot_is_the_same_code_path(seed in any::<u64>(), day in 10i64..300) {
        let t = random_tables(seed);
        let a = plus(base(), day);
        let table = build_observations(&t, &FeatureParams::new(a, a).lead_days(0).horizon_days(1).data_end(plus(base(), 10_000))).unwrap();
        let snap = snapshot(&t, a, &table.catalogue).unwrap();
        prop_assert!(snap.churned.is_none());
        prop_assert_eq!(snap.feature_names(), table.dataset.feature_names());
        // With lead 0 and a far data end, every candidate is kept unless it churns... never (lead 0).
        prop_assert_eq!(rows_by_key(&snap), rows_by_key(&table.dataset));
    }

    /// Regrouping the events table (interleaved vs grouped, any customer order) changes nothing.
    #[test]
    fn event_row_order_is_irrelevant(seed in any::<u64>()) {
        let t = random_tables(seed);
        let params = FeatureParams::new(plus(base(), 20), plus(base(), 320)).every(Cadence::Weeks(3)).lead_days(3).horizon_days(14);
        let a = build_observations(&t, &params).unwrap();
        let mut order: Vec<usize> = (0..t.events.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(t.events.customer[i]), t.events.timestamp[i]));
        let mut t2 = t.clone();
        for (dst, &src) in order.iter().enumerate() {
            t2.events.customer[dst] = t.events.customer[src];
            t2.events.timestamp[dst] = t.events.timestamp[src];
            t2.events.kind[dst] = t.events.kind[src];
            t2.events.user[dst] = t.events.user[src];
        }
        let b = build_observations(&t2, &params).unwrap();
        prop_assert_eq!(rows_by_key(&a.dataset), rows_by_key(&b.dataset));
        prop_assert_eq!(a.dataset.churned, b.dataset.churned);
    }
}

/// One customer, hand-built, with every date chosen to sit on a boundary.
fn boundary_tables() -> Tables {
    let d = date;
    let mut ev = EventsBuilder::new();
    let ts = |s: &str, h: i64| dn(d(s)) * DAY + h * 3600;
    ev.push(0, ts("2024-01-10", 9), "login", "u1").unwrap();
    ev.push(0, ts("2024-02-29", 23), "login", "u2").unwrap(); // last second-ish before as_of 03-01
    ev.push(0, ts("2024-03-01", 0), "login", "u3").unwrap(); // exactly at as_of 00:00: not seen
    ev.push(0, ts("2024-02-20", 1), "limit_hit", "u1").unwrap();
    ev.push(0, ts("2024-02-21", 1), "champion_left", "u1").unwrap();
    let t = Tables {
        customers: vec![customer("a", d("2024-01-01"), "retail"), customer("b", d("2024-01-01"), "dental")],
        subscriptions: vec![
            sub(0, "listings", d("2024-01-01"), Some(d("2024-03-01")), 50.0), // ends ON as_of
            sub(0, "reviews", d("2024-03-01"), None, 30.0),                   // starts ON as_of (swap)
            sub(1, "listings", d("2024-01-01"), Some(d("2024-02-01")), 20.0), // churns 02-01
            sub(1, "listings", d("2024-02-15"), None, 20.0),                  // comes back
            sub(1, "social", d("2024-02-20"), None, 15.0),                    // upsell
        ],
        events: ev.finish(),
        nps: vec![
            NpsResponse { customer: 0, date: d("2024-02-01"), score: 9 },
            NpsResponse { customer: 0, date: d("2024-02-10"), score: 5 },
            NpsResponse { customer: 0, date: d("2024-02-10"), score: 4 }, // same day, later row wins
            NpsResponse { customer: 0, date: d("2024-03-01"), score: 10 }, // on as_of: not seen
        ],
        campaign: None,
        attributes: Vec::new(),
        churn: Default::default(),
    };
    with_verticals(t, &["retail", "dental"])
}

#[test]
fn boundaries_are_exact() {
    let t = boundary_tables();
    let a = date("2024-03-01");
    let ds = snapshot(&t, a, &FeatureCatalogue::standard()).unwrap();
    assert_eq!(ds.ids.as_deref().unwrap(), ["a", "b"]);
    // a: state on 02-29 is the listings subscription only; the swap on 03-01 is future information.
    assert_eq!(num(&ds, "mrr"), [50.0, 35.0]);
    assert_eq!(num(&ds, "active_products"), [1.0, 2.0]);
    assert_eq!(num(&ds, "tenure_days"), [60.0, 60.0]);
    // a saw 2 usage events (01-10, 02-29), not the one at 03-01 00:00.
    assert_eq!(num(&ds, "days_since_last_event")[0], 1.0);
    assert!(num(&ds, "days_since_last_event")[1].is_nan());
    assert_eq!(num(&ds, "active_users_90d")[0], 2.0);
    assert_eq!(num(&ds, "events_per_week_90d")[0], 2.0 * 7.0 / 60.0); // tenure-scaled
    assert_eq!(num(&ds, "limit_hit_events_90d")[0], 1.0);
    assert_eq!(num(&ds, "champion_left_any_event_90d")[0], 1.0);
    // Signals are not usage: the share of the week before as_of with usage counts 02-29 only.
    assert_eq!(num(&ds, "events_per_week_7d")[0], 1.0);
    // NPS: latest before 03-01 is the later row of 02-10 (4); change 4 − 5.
    assert_eq!(num(&ds, "nps_latest")[0], 4.0);
    assert_eq!(num(&ds, "nps_change")[0], -1.0);
    assert_eq!(num(&ds, "nps_detractor")[0], 1.0);
    assert_eq!(num(&ds, "nps_promoter")[0], 0.0);
    assert!(num(&ds, "nps_latest")[1].is_nan()); // no NPS: missing, not 0
    // Upsells: a's reviews start on 03-01 is not visible; b's return on 02-15 is not an upsell,
    // social on 02-20 is (days 50 after signup).
    assert_eq!(num(&ds, "upsold"), [0.0, 1.0]);
    let dtu = num(&ds, "days_to_first_upsell");
    assert!(dtu[0].is_nan());
    assert_eq!(dtu[1], 50.0);
    let within = num(&ds, "upsold_within_90d");
    assert!(within[0].is_nan()); // not upsold yet, first 90 days not over: unknown
    assert_eq!(within[1], 1.0);
    assert!(num(&ds, "mrr_change_90d")[0].is_nan()); // did not exist 90 days ago
    // Tenure 60 ≥ 56: one usage event in [01-04, 02-02) and one in [02-02, 03-01): no change.
    assert_eq!(num(&ds, "usage_trend_28d")[0], 0.0);
    assert_eq!(num(&ds, "usage_trend_28d")[1], 0.0); // b: no usage in either window: 0/0 is defined as 0

    assert_eq!(ds.column("vertical").unwrap().as_categorical().unwrap().levels, ["retail", "dental"]);
}

#[test]
fn churn_swap_and_return_labels() {
    let t = boundary_tables();
    // a's listings end on 03-01 while reviews start on 03-01: count never reaches 0, no churn.
    // b churned on 02-01 and came back on 02-15.
    let p = FeatureParams::new(date("2024-01-20"), date("2024-03-01"))
        .every(Cadence::Days(10))
        .lead_days(5)
        .horizon_days(10)
        .data_end(date("2024-12-31"));
    let table = build_observations(&t, &p).unwrap();
    let ds = &table.dataset;
    let got: Vec<(String, String, bool)> = (0..ds.n_rows())
        .map(|r| {
            (
                ds.ids.as_ref().unwrap()[r].clone(),
                ds.as_of.as_ref().unwrap()[r].to_string(),
                ds.churned.as_ref().unwrap()[r],
            )
        })
        .collect();
    let e = |id: &str, d: &str, y| (id.to_string(), d.to_string(), y);
    // Dates: 01-20, 01-30, 02-09, 02-19, 02-29. b: 01-20 → window [01-25, 02-04) holds 02-01: churned.
    // 01-30 → churn 02-01 in lead [01-30, 02-04): excluded. 02-09: not active (churned, back 02-15).
    assert_eq!(
        got,
        [
            e("a", "2024-01-20", false),
            e("a", "2024-01-30", false),
            e("a", "2024-02-09", false),
            e("a", "2024-02-19", false),
            e("a", "2024-02-29", false),
            e("b", "2024-01-20", true),
            e("b", "2024-02-19", false),
            e("b", "2024-02-29", false),
        ]
    );
    assert_eq!(table.report.excluded[&Exclusion::ChurnedInLead], 1);
    assert_eq!(table.report.not_active, 1);
    assert_eq!(table.report.candidates, 9);
}

#[test]
fn incomplete_label_windows_are_excluded_not_retained() {
    let t = boundary_tables();
    // Inferred data end: the latest dated row is the event/NPS/start on 2024-03-01.
    assert_eq!(infer_data_end(&t), Some(date("2024-03-01")));
    let p = FeatureParams::new(date("2024-01-10"), date("2024-02-20"))
        .every(Cadence::Days(10))
        .lead_days(2)
        .horizon_days(7);
    let table = build_observations(&t, &p).unwrap();
    // Windows end (exclusive) at as_of + 9: complete iff as_of + 9 <= 03-01, i.e. as_of <= 02-21.
    let r = &table.report;
    assert_eq!(r.per_date.iter().map(|d| d.label_window_incomplete).sum::<u64>(), 0);
    let p2 = p.clone().data_end(date("2024-02-25"));
    let r2 = build_observations(&t, &p2).unwrap().report;
    // as_of 02-19 (+9 = 02-28 > 02-25) is incomplete for both customers (b is active again).
    let last = r2.per_date.last().unwrap();
    assert_eq!((last.as_of, last.label_window_incomplete, last.observations), (date("2024-02-19"), 2, 0));
    assert_eq!(r2.excluded[&Exclusion::LabelWindowIncomplete], 2);
    assert!(!r2.data_end_inferred);
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let t = random_tables(42);
    let p =
        FeatureParams::new(plus(base(), 10), plus(base(), 300)).every(Cadence::Days(7)).lead_days(3).horizon_days(20);
    let one =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| build_observations(&t, &p).unwrap());
    let four =
        rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| build_observations(&t, &p).unwrap());
    assert!(rows_by_key(&one.dataset) == rows_by_key(&four.dataset));
    assert_eq!(one.dataset.ids, four.dataset.ids);
    assert_eq!(one.dataset.churned, four.dataset.churned);
    let dir = tempfile::tempdir().unwrap();
    let (p1, p4) = (dir.path().join("1.csv"), dir.path().join("4.csv"));
    write_flat(&one.dataset, &p1, &WriteFlatOptions::default()).unwrap();
    write_flat(&four.dataset, &p4, &WriteFlatOptions::default()).unwrap();
    assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p4).unwrap());
}

#[test]
fn csv_round_trip_through_the_flat_loader() {
    // Enough customers that every column has values.
    let mut t = random_tables(7);
    for seed in 8..20 {
        let more = random_tables(seed);
        let offset = t.customers.len() as u32;
        for mut c in more.customers {
            c.customer_id = format!("{}_{seed}", c.customer_id);
            t.customers.push(c);
        }
        t.subscriptions.extend(more.subscriptions.into_iter().map(|mut s| {
            s.customer += offset;
            s
        }));
        t.nps.extend(more.nps.into_iter().map(|mut r| {
            r.customer += offset;
            r
        }));
        let mut b = EventsBuilder::new();
        for i in 0..t.events.len() {
            let e = &t.events;
            b.push(e.customer[i], e.timestamp[i], &e.kinds[e.kind[i] as usize], &e.users[e.user[i] as usize]).unwrap();
        }
        for i in 0..more.events.len() {
            let e = &more.events;
            b.push(e.customer[i] + offset, e.timestamp[i], &e.kinds[e.kind[i] as usize], &e.users[e.user[i] as usize])
                .unwrap();
        }
        t.events = b.finish();
    }
    let p =
        FeatureParams::new(plus(base(), 30), plus(base(), 300)).every(Cadence::Weeks(2)).lead_days(7).horizon_days(30);
    let table = build_observations(&t, &p).unwrap();
    assert!(table.dataset.n_rows() > 50, "{}", table.report);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("features.csv");
    write_flat(&table.dataset, &path, &WriteFlatOptions::default()).unwrap();
    let header = std::fs::read_to_string(&path).unwrap().lines().next().unwrap().to_owned();
    assert!(header.starts_with("customer_id,as_of,tenure_days,mrr,"), "{header}");
    assert!(
        header.ends_with(",vertical,sales_approach,specialised_provider,seats,contract_signed,churned"),
        "{header}"
    );
    let back =
        load_flat(&path, &FlatOptions::new().id("customer_id").as_of("as_of").target("churned")).unwrap().dataset;
    assert_eq!(back.feature_names(), table.dataset.feature_names());
    for (a, b) in table.dataset.columns.iter().zip(&back.columns) {
        assert_eq!(a.kind(), b.kind(), "{}", a.name);
    }
    assert_eq!(back.column("vertical").unwrap().kind(), ColumnKind::Categorical);
    assert_eq!(back.column("specialised_provider").unwrap().kind(), ColumnKind::Categorical);
    // Same values bit for bit (NaN as missing), same ids, dates and labels.
    assert_eq!(rows_by_key(&back), rows_by_key(&table.dataset));
    assert_eq!(back.ids, table.dataset.ids);
    assert_eq!(back.as_of, table.dataset.as_of);
    assert_eq!(back.churned, table.dataset.churned);
}

#[test]
fn every_standard_feature_is_documented() {
    let module_docs = include_str!("../src/features/mod.rs");
    let readme = include_str!("../README.md");
    for name in FeatureCatalogue::standard().feature_names() {
        // The events-per-week family is documented once for its three windows.
        let documented = if name.starts_with("events_per_week_") {
            let suffix = if name.ends_with("_{type}") { "_{type}" } else { "" };
            format!("`events_per_week_{{7,28,90}}d{suffix}`")
        } else {
            format!("`{name}`")
        };
        assert!(module_docs.contains(&documented), "{documented} missing from src/features/mod.rs docs");
        assert!(readme.contains(&documented), "{documented} missing from README.md");
    }
}

#[test]
fn bad_parameters_and_tables_are_errors_not_panics() {
    let t = boundary_tables();
    let d = date;
    assert!(build_observations(&t, &FeatureParams::new(d("2024-03-01"), d("2024-01-01"))).is_err());
    assert!(build_observations(&t, &FeatureParams::new(d("2024-01-01"), d("2024-03-01")).horizon_days(0)).is_err());
    assert!(
        build_observations(&t, &FeatureParams::new(d("2024-01-01"), d("2124-03-01")).every(Cadence::Days(1))).is_err()
    );
    assert!("3x".parse::<Cadence>().is_err());
    let bad_window =
        FeatureCatalogue { specs: vec![FeatureSpec::UsageTrend { window_days: 0 }], ..FeatureCatalogue::standard() };
    assert!(snapshot(&t, d("2024-02-01"), &bad_window).is_err());
    let empty = FeatureCatalogue { specs: vec![], ..FeatureCatalogue::standard() };
    assert!(snapshot(&t, d("2024-02-01"), &empty).is_err());
    // Dangling references in hand-built tables.
    let mut broken = t.clone();
    broken.events.customer[0] = 99;
    let err = snapshot(&broken, d("2024-02-01"), &FeatureCatalogue::standard()).unwrap_err();
    assert!(err.to_string().contains("events.customer"), "{err}");
    let mut broken = t.clone();
    broken.subscriptions[0].customer = 7;
    assert!(snapshot(&broken, d("2024-02-01"), &FeatureCatalogue::standard()).is_err());
    let mut broken = t.clone();
    broken.events.kind[1] = 500;
    assert!(snapshot(&broken, d("2024-02-01"), &FeatureCatalogue::standard()).is_err());
    let mut broken = t;
    broken.events.user.pop();
    assert!(snapshot(&broken, d("2024-02-01"), &FeatureCatalogue::standard()).is_err());
    // No dated rows at all: data_end cannot be inferred.
    let err =
        build_observations(&Tables::default(), &FeatureParams::new(d("2024-01-01"), d("2024-02-01"))).unwrap_err();
    assert!(err.to_string().contains("data_end"), "{err}");
}

#[test]
fn custom_catalogue_from_json() {
    let json = r#"{
        "events": {"core": ["login"], "sticky": [], "limit_hit": "limit_hit", "champion_left": "champion_left"},
        "event_types": null,
        "specs": [
            {"metric": "event_count", "select": {"type": "login"}, "window_days": 14},
            {"metric": "event_rate", "select": "each_type", "window_days": 30},
            {"metric": "attribute", "attribute": "vertical"}
        ]
    }"#;
    let cat: FeatureCatalogue = serde_json::from_str(json).unwrap();
    let t = boundary_tables();
    let ds = snapshot(&t, date("2024-03-01"), &cat).unwrap();
    assert_eq!(ds.feature_names(), ["events_14d_login", "events_per_week_30d_login", "vertical"]);
    assert_eq!(num(&ds, "events_14d_login"), [1.0, 0.0]);
}
