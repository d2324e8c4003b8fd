//! Report types on user data: mismatched lengths, hostile ids, colours and labels are errors or
//! escaped text, never a panic or broken markup.

use proptest::prelude::*;

use super::*;

fn bars(labels: usize, values: usize) -> Chart {
    Chart::Bar(BarChart {
        id: "b".into(),
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        labels: (0..labels).map(|i| i.to_string()).collect(),
        values: vec![1.0; values],
        horizontal: false,
        reference: None,
        legend: "l".into(),
        legend_negative: String::new(),
        reading: "r".into(),
    })
}

fn report_of(c: Chart) -> Report {
    let mut r = Report::new("r");
    r.sections.push(Section::new("s", "i").chart(c));
    r
}

fn reason(r: Result<String>) -> String {
    match r {
        Err(Error::InvalidParameter { reason, .. }) => reason,
        other => panic!("expected an invalid-parameter error, got {other:?}"),
    }
}

#[test]
fn mismatched_lengths_are_errors_naming_the_chart() {
    assert!(reason(bars(3, 2).to_csv()).contains("3 labels but 2 values"));
    let stacked = Chart::Stacked(StackedBars {
        id: "mrr".into(),
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        labels: vec!["2024-01".into(), "2024-02".into()],
        series: vec![("new".into(), vec![1.0, 2.0]), ("churned".into(), vec![-1.0])],
        reading: "r".into(),
    });
    assert!(reason(report_of(stacked).to_html()).contains("series `churned` has 1 value"));
    let heat = Chart::Heat(Heatmap {
        id: "h".into(),
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        row_labels: vec!["a".into()],
        col_labels: vec!["0".into(), "1".into()],
        values: vec![vec![Some(1.0)], vec![Some(0.5), None]],
        reading: "r".into(),
    });
    assert!(reason(heat.to_csv()).contains("1 row label but 2 rows"));
    let ragged = Chart::Heat(Heatmap {
        id: "h".into(),
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        row_labels: vec!["a".into()],
        col_labels: vec!["0".into(), "1".into()],
        values: vec![vec![Some(1.0)]],
        reading: "r".into(),
    });
    assert!(reason(ragged.to_csv()).contains("row `a` has 1 cell"));
    let band = Chart::Line(
        LineChart::new("l", "t", "x", "y")
            .series(Series::new("km", vec![0.0, 1.0], vec![1.0, 0.9]).band(vec![1.0], vec![1.0, 1.0])),
    );
    assert!(reason(band.to_csv()).contains("band of 1 low and 2 high"));
    let xy = Chart::Line(LineChart::new("l", "t", "x", "y").series(Series::new("s", vec![0.0, 1.0], vec![1.0])));
    assert!(reason(xy.to_csv()).contains("2 x values but 1 y value"));
    let table = Chart::Table(Table {
        id: "t".into(),
        title: "t".into(),
        columns: vec!["a".into(), "b".into()],
        rows: vec![vec!["1".into(), "2".into()], vec!["3".into()]],
        reading: "r".into(),
    });
    assert!(reason(table.to_csv()).contains("row 2 has 1 cell"));
    assert!(bars(2, 2).to_csv().is_ok());
}

#[test]
fn ids_are_sanitised_in_markup_and_file_names() {
    let mut c = LineChart::new(r#"../x" onload="alert(1)"#, "t", "x", "y");
    c = c.series(Series::new("s", vec![0.0, 1.0], vec![0.0, 1.0]));
    let html = report_of(Chart::Line(c)).to_html().unwrap();
    assert!(!html.contains("onload=\""));
    assert!(html.contains(r#"data-chart="___x__onload__alert_1_""#));
    let dir = tempfile::tempdir().unwrap();
    let mut c = LineChart::new("../escape", "t", "x", "y");
    c = c.series(Series::new("s", vec![0.0, 1.0], vec![0.0, 1.0]));
    report_of(Chart::Line(c)).write(dir.path()).unwrap();
    assert!(dir.path().join("___escape.csv").exists());
    assert!(!dir.path().parent().unwrap().join("escape.csv").exists());
}

#[test]
fn ids_equal_after_sanitising_are_duplicates() {
    let mut r = report_of(bars(1, 1));
    if let Chart::Bar(b) = &mut r.sections[0].charts[0] {
        b.id = "a/b".into();
    }
    let mut other = bars(1, 1);
    if let Chart::Bar(b) = &mut other {
        b.id = "a_b".into();
    }
    r.sections[0].charts.push(other);
    assert!(reason(r.to_html()).contains("duplicate chart id"));
}

#[test]
fn a_hostile_colour_is_refused() {
    let mut s = Series::new("s", vec![0.0, 1.0], vec![0.0, 1.0]);
    s.colour = Some(r#"red" onclick="x"#.into());
    let c = Chart::Line(LineChart::new("l", "t", "x", "y").series(s));
    assert!(reason(c.to_csv()).contains("colour"));
    // Drawn directly, the SVG falls back to the palette instead of writing it.
    if let Chart::Line(l) = &c {
        assert!(!svg::line_chart(l).contains("onclick"));
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z<>&\"' /.]{0,8}".prop_map(|s| s)]
}

fn values(max: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![-1e6..1e6f64, Just(f64::NAN), Just(0.0)], 0..max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any shape of user data renders or is refused with an error: no panic, and every `<`
    /// in the output opens a tag (user text is escaped).
    #[test]
    fn user_data_never_panics(
        id in text(),
        labels in prop::collection::vec(text(), 0..5),
        series in prop::collection::vec((text(), values(6)), 0..4),
        rows in prop::collection::vec(prop::collection::vec(prop::option::of(0.0..1.0f64), 0..5), 0..5),
        xs in values(6),
        ys in values(6),
        lo in values(6),
    ) {
        let charts = vec![
            Chart::Bar(BarChart {
                id: id.clone(), title: id.clone(), x_label: id.clone(), y_label: id.clone(),
                labels: labels.clone(), values: xs.clone(), horizontal: xs.len() % 2 == 0,
                reference: None, legend: id.clone(), legend_negative: String::new(), reading: id.clone(),
            }),
            Chart::Stacked(StackedBars {
                id: id.clone(), title: id.clone(), x_label: id.clone(), y_label: id.clone(),
                labels: labels.clone(), series: series.clone(), reading: id.clone(),
            }),
            Chart::Heat(Heatmap {
                id: id.clone(), title: id.clone(), x_label: id.clone(), y_label: id.clone(),
                row_labels: labels.clone(), col_labels: labels.clone(), values: rows.clone(),
                reading: id.clone(),
            }),
            Chart::Line(LineChart::new(&id, &id, &id, &id)
                .series(Series::new(id.clone(), xs.clone(), ys.clone()).band(lo.clone(), ys.clone()))
                .marker(0.0, 0.0, id.clone())),
            Chart::Table(Table {
                id: id.clone(), title: id.clone(), columns: labels.clone(),
                rows: series.iter().map(|s| vec![s.0.clone(); labels.len()]).collect(),
                reading: id.clone(),
            }),
        ];
        for c in charts {
            let _ = c.to_csv();
            if let Ok(html) = report_of(c.clone()).to_html() {
                prop_assert!(c.check().is_ok());
                for part in html.split('<').skip(1) {
                    prop_assert!(part.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '/' || ch == '!'),
                        "unescaped `<` before {:?}", &part[..part.len().min(20)]);
                }
            }
            // The renderers themselves never panic, even on unchecked data.
            match &c {
                Chart::Line(l) => { svg::line_chart(l); }
                Chart::Bar(b) => { svg::bar_chart(b); }
                Chart::Stacked(s) => { svg::stacked_bars(s); }
                Chart::Heat(h) => { svg::heatmap(h); }
                Chart::Table(_) => {}
            }
        }
    }
}
