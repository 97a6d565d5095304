"""Domain errors. Each carries a Danish message meant for the user; faces decide how to show it."""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class: ``str(exc)`` is a complete Danish sentence for a consultant."""


class DatabaseError(EvaluationError):
    """The database is missing, busy or cannot be opened."""


class InputFileError(EvaluationError):
    """An export file could not be read at all (wrong type, binary, empty)."""


class NoDataError(EvaluationError):
    """There is nothing to show or report for the chosen year or filter."""


class AccessDenied(EvaluationError):
    """The person asking may not see or do this (or nobody is logged in)."""
