//! Arrow record batches and NumPy matrices to the library's [`Dataset`], and back.
//!
//! Column types map as a data scientist expects: integers, floats and decimals are numeric (a
//! null is a missing value); strings, dictionaries (pandas categoricals, polars `Categorical`)
//! and booleans are categorical, as the library reads `true/false` columns from a CSV. Dates,
//! times, lists and binary columns are refused with a message naming the column: the feature
//! builder turns dates into days, and a model takes numbers and categories. Nothing is dropped
//! silently: a value that cannot be converted is an error naming its column and row.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, Date32Array, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use attrition::dataset::{Column, ColumnData, ColumnKind, Dataset, MISSING_CODE};
use chrono::NaiveDate;

/// A conversion problem, raised as `attrition.DataError`.
#[derive(Debug)]
pub struct ConvError(pub String);

impl From<attrition::Error> for ConvError {
    fn from(e: attrition::Error) -> Self {
        ConvError(e.to_string())
    }
}

impl From<arrow_schema::ArrowError> for ConvError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        ConvError(format!("Arrow: {e}"))
    }
}

type CResult<T> = Result<T, ConvError>;

/// Which columns of a table are what.
#[derive(Debug, Clone, Default)]
pub struct FrameSpec {
    /// Customer id column (kept aside, not a feature).
    pub id: Option<String>,
    /// As-of date column (kept aside, not a feature).
    pub as_of: Option<String>,
    /// Target column (churned).
    pub target: Option<String>,
    /// The target's value meaning "churned" (default: yes/true/1).
    pub positive: Option<String>,
    /// Sample-weight column.
    pub weight: Option<String>,
    /// Columns read as categories whatever their type.
    pub categorical: Vec<String>,
    /// Columns left out.
    pub drop: Vec<String>,
    /// When scoring: the model's features and kinds. Only these columns are read, each as the
    /// kind the model was trained on (an integer zip code the model holds as a category becomes
    /// its decimal text); other columns are ignored.
    pub model_features: Option<Vec<(String, ColumnKind)>>,
}

/// The Arrow default kind of a column type, or why the type cannot be a feature.
fn default_kind(name: &str, dt: &DataType) -> CResult<ColumnKind> {
    match dt {
        DataType::Null => Ok(ColumnKind::Numeric),
        d if d.is_numeric() => Ok(ColumnKind::Numeric),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean | DataType::Dictionary(..) => {
            Ok(ColumnKind::Categorical)
        }
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => Err(ConvError(format!(
            "column `{name}` is a date or time ({dt}): a model takes numbers and categories; turn it into days \
             (the feature builder does this for the raw tables), or name it as the as-of column"
        ))),
        other => Err(ConvError(format!(
            "column `{name}` has Arrow type {other}, which a model cannot take: give numbers, strings, booleans or categoricals"
        ))),
    }
}

/// All batches' values of column `j`, cast to `to`, one array per batch.
fn cast_column(batches: &[RecordBatch], j: usize, to: &DataType) -> CResult<Vec<ArrayRef>> {
    batches.iter().map(|b| Ok(arrow_cast::cast(b.column(j), to)?)).collect()
}

/// The first row where `original` has a value that the cast turned into a null: the value did
/// not convert (a word in a numeric column, a bad date).
fn check_lossless(name: &str, originals: &[&ArrayRef], cast: &[ArrayRef], expected: &str) -> CResult<()> {
    let mut row = 0usize;
    for (o, c) in originals.iter().zip(cast) {
        for i in 0..o.len() {
            if o.is_valid(i) && c.is_null(i) {
                let text = arrow_cast::display::ArrayFormatter::try_new(o.as_ref(), &Default::default())
                    .map(|f| f.value(i).to_string())
                    .unwrap_or_default();
                return Err(ConvError(format!("column `{name}`, row {row}: value {text:?}: expected {expected}")));
            }
            row += 1;
        }
    }
    Ok(())
}

fn numeric_values(batches: &[RecordBatch], j: usize, name: &str) -> CResult<Vec<f64>> {
    let cast = cast_column(batches, j, &DataType::Float64)?;
    let originals: Vec<&ArrayRef> = batches.iter().map(|b| b.column(j)).collect();
    check_lossless(name, &originals, &cast, "a number")?;
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for a in &cast {
        let a = a.as_primitive::<Float64Type>();
        if a.null_count() == 0 {
            out.extend_from_slice(a.values());
        } else {
            out.extend(a.iter().map(|v| v.unwrap_or(f64::NAN)));
        }
    }
    Ok(out)
}

fn string_values(batches: &[RecordBatch], j: usize) -> CResult<Vec<Option<String>>> {
    let cast = cast_column(batches, j, &DataType::Utf8)?;
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for a in &cast {
        out.extend(a.as_string::<i32>().iter().map(|v| v.map(str::to_owned)));
    }
    Ok(out)
}

/// A categorical column with levels in order of first appearance (as the CSV reader builds them).
fn categorical_column(name: &str, values: &[Option<String>]) -> Column {
    Column::categorical(name, values)
}

fn required_strings(batches: &[RecordBatch], j: usize, name: &str) -> CResult<Vec<String>> {
    string_values(batches, j)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| ConvError(format!("column `{name}`, row {i}: missing value: expected a value"))))
        .collect()
}

fn dates(batches: &[RecordBatch], j: usize, name: &str) -> CResult<Vec<NaiveDate>> {
    let cast = cast_column(batches, j, &DataType::Date32)?;
    let originals: Vec<&ArrayRef> = batches.iter().map(|b| b.column(j)).collect();
    check_lossless(name, &originals, &cast, "a date YYYY-MM-DD")?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
    let mut out = Vec::new();
    let mut row = 0usize;
    for a in &cast {
        for v in a.as_primitive::<Date32Type>().iter() {
            let day =
                v.ok_or_else(|| ConvError(format!("column `{name}`, row {row}: missing value: expected a date")))?;
            out.push(epoch + chrono::Duration::days(i64::from(day)));
            row += 1;
        }
    }
    Ok(out)
}

fn target_values(batches: &[RecordBatch], j: usize, name: &str, positive: Option<&str>) -> CResult<Vec<bool>> {
    let dt = batches.first().map(|b| b.column(j).data_type().clone()).unwrap_or(DataType::Null);
    if positive.is_none() && (dt == DataType::Boolean || dt.is_numeric()) {
        let v = numeric_values(batches, j, name)?;
        return v
            .iter()
            .enumerate()
            .map(|(i, &x)| match x {
                1.0 => Ok(true),
                0.0 => Ok(false),
                x => Err(ConvError(format!(
                    "target column `{name}`, row {i}: value {x}: expected 0 or 1 (or true/false)"
                ))),
            })
            .collect();
    }
    let v = string_values(batches, j)?;
    v.iter()
        .enumerate()
        .map(|(i, s)| {
            let Some(s) = s else {
                return Err(ConvError(format!("target column `{name}`, row {i}: missing value: expected a label")));
            };
            match positive {
                Some(p) => Ok(s == p),
                None => match s.trim().to_ascii_lowercase().as_str() {
                    "1" | "yes" | "true" | "y" | "t" => Ok(true),
                    "0" | "no" | "false" | "n" | "f" => Ok(false),
                    _ => Err(ConvError(format!(
                        "target column `{name}`, row {i}: value {s:?}: expected yes/no, true/false or 1/0 (or give positive=)"
                    ))),
                },
            }
        })
        .collect()
}

/// `batches` (of `schema`) as a [`Dataset`] according to `spec`.
pub fn dataset_from_arrow(schema: &SchemaRef, batches: &[RecordBatch], spec: &FrameSpec) -> CResult<Dataset> {
    let n_rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let index: HashMap<&str, usize> = schema.fields().iter().enumerate().map(|(j, f)| (f.name().as_str(), j)).collect();
    let available = || schema.fields().iter().map(|f| format!("`{}`", f.name())).collect::<Vec<_>>().join(", ");
    let find = |name: &str| -> CResult<usize> {
        index
            .get(name)
            .copied()
            .ok_or_else(|| ConvError(format!("column `{name}` not found; available: {}", available())))
    };
    for f in schema.fields() {
        if schema.fields().iter().filter(|g| g.name() == f.name()).count() > 1 {
            return Err(ConvError(format!("column `{}` appears twice", f.name())));
        }
    }
    let special: Vec<&str> = [&spec.id, &spec.as_of, &spec.target, &spec.weight]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(spec.drop.iter().map(String::as_str))
        .collect();
    let mut ds = Dataset::with_rows(n_rows);
    match &spec.model_features {
        Some(features) => {
            for (name, kind) in features {
                // A feature the table lacks is left for the model to report (with all the
                // missing names at once).
                let Some(&j) = index.get(name.as_str()) else { continue };
                ds.push_column(read_column(batches, j, name, *kind)?)?;
            }
        }
        None => {
            for (j, f) in schema.fields().iter().enumerate() {
                let name = f.name().as_str();
                if special.contains(&name) {
                    continue;
                }
                let kind = if spec.categorical.iter().any(|c| c == name) {
                    ColumnKind::Categorical
                } else {
                    default_kind(name, f.data_type())?
                };
                ds.push_column(read_column(batches, j, name, kind)?)?;
            }
            for c in &spec.categorical {
                find(c)?;
            }
        }
    }
    if let Some(t) = &spec.target {
        ds = ds.with_churned(target_values(batches, find(t)?, t, spec.positive.as_deref())?)?;
    }
    if let Some(id) = &spec.id {
        ds = ds.with_ids(required_strings(batches, find(id)?, id)?)?;
    }
    if let Some(a) = &spec.as_of {
        ds = ds.with_as_of(dates(batches, find(a)?, a)?)?;
    }
    if let Some(w) = &spec.weight {
        let weights = numeric_values(batches, find(w)?, w)?;
        if let Some((i, x)) = weights.iter().enumerate().find(|(_, x)| !(x.is_finite() && **x >= 0.0)) {
            return Err(ConvError(format!("weight column `{w}`, row {i}: value {x}: expected a finite weight >= 0")));
        }
        ds = ds.with_weights(weights)?;
    }
    Ok(ds)
}

fn read_column(batches: &[RecordBatch], j: usize, name: &str, kind: ColumnKind) -> CResult<Column> {
    Ok(match kind {
        ColumnKind::Numeric => Column::numeric(name, numeric_values(batches, j, name)?),
        ColumnKind::Categorical => categorical_column(name, &string_values(batches, j)?),
    })
}

/// A row-major `n × names.len()` matrix (NaN = missing) as numeric columns.
pub fn dataset_from_matrix(x: &[f64], names: &[String]) -> CResult<Dataset> {
    let k = names.len();
    if k == 0 {
        return Err(ConvError("the data has no feature columns".into()));
    }
    if x.len() % k != 0 {
        return Err(ConvError(format!("{} values do not fill rows of {k} features", x.len())));
    }
    let n = x.len() / k;
    let columns = names
        .iter()
        .enumerate()
        .map(|(j, name)| Column::numeric(name.clone(), (0..n).map(|i| x[i * k + j]).collect()))
        .collect();
    Ok(Dataset::new(columns)?)
}

/// `ds` as one record batch: `id`, `as_of` (date), the features (float64 or string), `churned`
/// (boolean), `weight`, in that order.
pub fn dataset_to_arrow(ds: &Dataset, id: &str, as_of: &str, target: &str) -> CResult<RecordBatch> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    if let Some(ids) = &ds.ids {
        fields.push(Field::new(id, DataType::Utf8, false));
        arrays.push(Arc::new(StringArray::from_iter_values(ids.iter())));
    }
    if let Some(d) = &ds.as_of {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
        fields.push(Field::new(as_of, DataType::Date32, false));
        let days = d.iter().map(|x| i32::try_from((*x - epoch).num_days()).unwrap_or(i32::MAX));
        arrays.push(Arc::new(Date32Array::from_iter_values(days)));
    }
    for c in &ds.columns {
        match &c.data {
            ColumnData::Numeric(v) => {
                fields.push(Field::new(&c.name, DataType::Float64, true));
                arrays.push(Arc::new(Float64Array::from_iter(v.iter().map(|x| (!x.is_nan()).then_some(*x)))));
            }
            ColumnData::Categorical(cat) => {
                fields.push(Field::new(&c.name, DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from_iter(cat.codes.iter().map(|&code| {
                    if code == MISSING_CODE { None } else { cat.levels.get(code as usize).map(String::as_str) }
                }))));
            }
        }
    }
    if let Some(y) = &ds.churned {
        fields.push(Field::new(target, DataType::Boolean, false));
        arrays.push(Arc::new(BooleanArray::from(y.clone())));
    }
    if let Some(w) = &ds.weights {
        fields.push(Field::new("weight", DataType::Float64, false));
        arrays.push(Arc::new(Float64Array::from(w.clone())));
    }
    let schema = Arc::new(Schema::new(fields));
    if arrays.is_empty() {
        return Ok(RecordBatch::new_empty(schema));
    }
    Ok(RecordBatch::try_new(schema, arrays)?)
}
