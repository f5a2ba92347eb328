"""What a statement did, in a form that compares exactly between local DuckDB and a remote database."""

from __future__ import annotations

from typing import Optional, Sequence

import duckdb


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def norm(value):
    """Python values made comparable exactly: NaN equals NaN, -0.0 differs from 0.0."""
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, (list, tuple)):
        return type(value)(norm(item) for item in value)
    if isinstance(value, dict):
        return {key: norm(item) for key, item in value.items()}
    return value


def outcome(con: duckdb.DuckDBPyConnection, sql: str, params: Optional[Sequence] = None):
    """("ok", rows) or ("error", exception class, first line of the message)."""
    try:
        result = con.execute(sql, params) if params is not None else con.execute(sql)
        try:
            rows = norm(result.fetchall())
        except duckdb.InvalidInputException:
            rows = None
        return ("ok", rows)
    except duckdb.Error as error:
        return ("error", type(error).__name__, first_line(str(error)))
