"""DataFrames in: pyarrow, polars, DuckDB and anything with the Arrow PyCapsule interface as is;
pandas through pyarrow; NumPy matrices as numeric columns."""

from __future__ import annotations

import os
from typing import Any


def is_table(x: Any) -> bool:
    """Whether `x` is a table the Arrow route takes (not a NumPy array or a list)."""
    if hasattr(x, "__arrow_c_stream__") or hasattr(x, "__arrow_c_array__"):
        return not _is_numpy(x)
    return _is_pandas(x)


def _is_numpy(x: Any) -> bool:
    return type(x).__module__ == "numpy"


def _is_pandas(x: Any) -> bool:
    return type(x).__module__.startswith("pandas") and type(x).__name__ == "DataFrame"


def as_arrow(x: Any) -> Any:
    """`x` as an object with ``__arrow_c_stream__`` (pandas → ``pyarrow.Table``, no index)."""
    if _is_pandas(x):
        import pyarrow as pa

        return pa.Table.from_pandas(x, preserve_index=False)
    if hasattr(x, "__arrow_c_stream__") or hasattr(x, "__arrow_c_array__"):
        return x
    raise TypeError(
        f"expected a DataFrame or Arrow table (pandas, polars, pyarrow, DuckDB), got {type(x).__name__}"
    )


def column_names(x: Any) -> list:
    """Column names of a table (pandas, polars, pyarrow, or any Arrow stream)."""
    if _is_pandas(x):
        return [str(c) for c in x.columns]
    names = getattr(x, "column_names", None)  # pyarrow Table / RecordBatch
    if isinstance(names, list):
        return [str(n) for n in names]
    cols = getattr(x, "columns", None)  # polars, DuckDB relations
    if isinstance(cols, list) and all(isinstance(c, str) for c in cols):
        return list(cols)
    import pyarrow as pa

    return list(pa.table(x).schema.names)


def is_path(x: Any) -> bool:
    """Whether `x` names a file."""
    return isinstance(x, (str, os.PathLike))
