//! The library's errors as Python exceptions, and the one way every binding runs library work:
//! without the GIL and without letting a panic cross into Python.
//!
//! The exception classes live in `attrition/_errors.py` (so they can inherit from both
//! `ValueError` and `OSError`); the message is the library's `Display` text, the same line the
//! CLI prints after `error:`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use attrition::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The Python class name of an error's family.
fn class_of(e: &Error) -> &'static str {
    match e {
        Error::Io { .. } | Error::OutputIsInput { .. } | Error::OutputsClash { .. } | Error::OutputExists { .. } => {
            "AttritionIOError"
        }
        Error::BadRow { .. }
        | Error::BadHeader { .. }
        | Error::EmptyInput { .. }
        | Error::ColumnNotFound { .. }
        | Error::Json { .. }
        | Error::BadSchema { .. }
        | Error::BadCatalogue { .. } => "DataError",
        Error::SchemaVersion { .. } | Error::ModelChecksum { .. } | Error::InvalidModel { .. } => "ModelFileError",
        Error::UnknownFeature { .. } | Error::FeatureMismatch { .. } => "FeatureMismatchError",
        Error::InvalidParameter { .. } => "ParameterError",
        _ => "AttritionError",
    }
}

/// The variant's name (`BadRow`, `SingleClass`, …): the exception's `kind`.
fn kind_of(e: &Error) -> String {
    let debug = format!("{e:?}");
    debug.split([' ', '{', '(']).next().unwrap_or("Error").to_owned()
}

/// `e` as an exception of its family, with `kind` and, where the library says where, `file`,
/// `line` and `column`.
pub fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("attrition._errors")?;
        let class = module.getattr(class_of(e))?;
        let kw = PyDict::new(py);
        kw.set_item("kind", kind_of(e))?;
        match e {
            Error::BadRow { location, problem, value, .. } => {
                kw.set_item("file", location.file.display().to_string())?;
                kw.set_item("line", location.line)?;
                kw.set_item("column", location.column.clone())?;
                kw.set_item("problem", problem.as_str())?;
                kw.set_item("value", value)?;
            }
            Error::BadHeader { file, .. } | Error::EmptyInput { file, .. } => {
                kw.set_item("file", file.display().to_string())?;
            }
            Error::BadSchema { file, line, .. } => {
                kw.set_item("file", file.display().to_string())?;
                kw.set_item("line", *line)?;
            }
            Error::Io { path, .. } => kw.set_item("file", path.display().to_string())?,
            _ => {}
        }
        let exc = class.call((e.to_string(),), Some(&kw))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// An `AttritionError` (or a subclass named by `class`) with `message`: for problems found by the
/// bindings themselves (an Arrow type the models cannot take, a length mismatch).
pub fn binding_error(py: Python<'_>, class: &str, message: impl Into<String>) -> PyErr {
    let message = message.into();
    let build = || -> PyResult<PyErr> {
        let module = py.import("attrition._errors")?;
        let exc = module.getattr(class)?.call1((message.clone(),))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// Runs `work` with the GIL released, catching a panic (a bug) as an `AttritionError` instead of
/// letting it unwind into the interpreter, and turning the library's error into its exception.
pub fn run<T: Send>(py: Python<'_>, work: impl FnOnce() -> attrition::Result<T> + Send) -> PyResult<T> {
    let outcome = py.detach(|| catch_unwind(AssertUnwindSafe(work)));
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, &e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(binding_error(
                py,
                "AttritionError",
                format!("internal error (a bug in attrition, please report it): {what}"),
            ))
        }
    }
}
