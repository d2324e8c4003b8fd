"""Exceptions raised by attrition: the library's errors, with the CLI's text.

Every exception is an :class:`AttritionError` (a :class:`ValueError`); its message is the line the
command-line tool prints after ``error:``. Data errors carry where the problem is (``file``,
``line`` — 1-based, the header is line 1 — and ``column``), and ``kind`` names the library's
error variant (``BadRow``, ``SingleClass``, ``FeatureMismatch``, …).
"""

from __future__ import annotations

from typing import Optional


class AttritionError(ValueError):
    """An error of the attrition library."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = "AttritionError",
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[str] = None,
        problem: Optional[str] = None,
        value: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        self.value = value


class DataError(AttritionError):
    """Bad input data: a row, header, column or file that cannot be read as expected."""


class ParameterError(AttritionError):
    """A parameter outside its documented range."""


class FeatureMismatchError(AttritionError):
    """The data does not have the features (names and kinds) the model was trained on."""


class ModelFileError(AttritionError):
    """A model file that is corrupted, edited by hand, or of an unsupported schema version."""


class AttritionIOError(AttritionError, OSError):
    """A file that cannot be read or written, or an output that would replace an input."""


__all__ = [
    "AttritionError",
    "AttritionIOError",
    "DataError",
    "FeatureMismatchError",
    "ModelFileError",
    "ParameterError",
]
