"""Shared checks for the query-pushdown tests: what EXPLAIN says was sent to the server, what the
server logged for one statement, and result comparison that is exact except where floating-point
summation order may legitimately differ."""

from __future__ import annotations

import json
import math
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import duckdb

import helpers

# EXPLAIN key under which a pushed query shows the SQL it sends to the server.
REMOTE_SQL_KEY = "Remote SQL"

# Types whose values are compared with a tolerance when exact equality fails.
FLOAT_TYPES = ("DOUBLE", "FLOAT")


# ----------------------------------------------------------------------------- EXPLAIN


def explain_text(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The plain-text EXPLAIN of `sql` (every column of every row)."""
    rows = con.sql(f"EXPLAIN {sql}").fetchall()
    return "\n".join(str(value) for row in rows for value in row)


def explain_json(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    rows = con.sql(f"EXPLAIN (FORMAT json) {sql}").fetchall()
    return "\n".join(str(row[-1]) for row in rows)


def _collect(node, found: List[str]) -> None:
    if isinstance(node, dict):
        extra = node.get("extra_info")
        if isinstance(extra, dict) and REMOTE_SQL_KEY in extra:
            value = extra[REMOTE_SQL_KEY]
            found.append("\n".join(value) if isinstance(value, list) else str(value))
        for child in node.get("children", []):
            _collect(child, found)
    elif isinstance(node, list):
        for child in node:
            _collect(child, found)


def remote_sqls(con: duckdb.DuckDBPyConnection, sql: str) -> List[str]:
    """The SQL texts a plan sends to the server as whole pushed queries (EXPLAIN's `Remote SQL`).

    The JSON form is used because the text renderer wraps long values inside its boxes.
    """
    found: List[str] = []
    _collect(json.loads(explain_json(con, sql)), found)
    return found


def is_pushed_whole(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    return REMOTE_SQL_KEY in explain_text(con, sql)


# ----------------------------------------------------------------------------- server log


def logged_statement(server: helpers.ServerProcess, con: duckdb.DuckDBPyConnection, sql: str, warm_up: str,
                     settle: float = 0.2) -> Tuple[List[tuple], List[Dict[str, str]]]:
    """Run `sql`; return its rows and the server's query-log entries for it alone.

    Both run in one explicit transaction after `warm_up` (a statement touching the same attached
    database), so the per-transaction catalog snapshot is already taken and not logged again.
    """
    con.execute("BEGIN")
    try:
        con.sql(warm_up).fetchall()
        seen = _settled_count(server, len(server.query_log_lines()), settle)
        rows = con.sql(sql).fetchall()
        server.wait_for_query_log(seen, 1)
        total = _settled_count(server, len(server.query_log_lines()), settle)
        entries = [helpers.parse_query_log(line) for line in server.query_log_lines()[seen:total]]
    finally:
        con.execute("ROLLBACK")
    return rows, entries


def _settled_count(server: helpers.ServerProcess, count: int, settle: float) -> int:
    """The number of query-log lines once no new one has appeared for `settle` seconds."""
    while True:
        time.sleep(settle)
        now = len(server.query_log_lines())
        if now == count:
            return count
        count = now


def describe_log(entries: Sequence[Dict[str, str]]) -> str:
    return "; ".join(f"rows={e['rows']} bytes={e['bytes']} status={e['status']}" for e in entries) or "nothing"


def assert_server_sends_only_the_result(server: helpers.ServerProcess, con: duckdb.DuckDBPyConnection, sql: str,
                                        other_table_probe: str) -> List[tuple]:
    """`sql` runs on the server as one query whose rows are the result's rows; returns them.

    First run (the result's shape may not be known yet): only the result's rows cross, in one
    query; a describe-only request (rows=0) may come before it. Repeated run: exactly one query.
    """
    rows, first = logged_statement(server, con, sql, warm_up=other_table_probe)
    sending = [entry for entry in first if int(entry["rows"]) > 0]
    assert sum(int(entry["rows"]) for entry in first) == len(rows) and len(sending) <= 1, (
        f"expected one server query sending the {len(rows)} result rows, the server logged: {describe_log(first)}")
    rows_again, repeated = logged_statement(server, con, sql, warm_up=sql)
    assert rows_again == rows
    assert len(repeated) == 1 and int(repeated[0]["rows"]) == len(rows), (
        f"a repeated query should be one server query sending {len(rows)} rows, the server logged: "
        f"{describe_log(repeated)}")
    return rows


# ----------------------------------------------------------------------------- comparison


def floats_equal(left: float, right: float, rel_tol: float) -> bool:
    """NaN equals NaN; otherwise equal within `rel_tol` (infinities must match exactly)."""
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return left == right or math.isclose(left, right, rel_tol=rel_tol, abs_tol=0.0)
    return left == right


def rows_equal(left: tuple, right: tuple, float_columns: Sequence[int], rel_tol: float) -> bool:
    if len(left) != len(right):
        return False
    for index, (a, b) in enumerate(zip(left, right)):
        if a == b:
            continue
        if index in float_columns and a is not None and b is not None:
            if floats_equal(float(a), float(b), rel_tol):
                continue
        return False
    return True


def float_column_indexes(relation: duckdb.DuckDBPyRelation) -> List[int]:
    return [index for index, type_ in enumerate(relation.types) if str(type_) in FLOAT_TYPES]


def sort_key(row: tuple) -> tuple:
    """A total order over rows holding None, NaN and mixed values (for multiset comparison)."""
    return tuple((value is None, repr(value) if isinstance(value, float) else str(value)) for value in row)


def first_difference(expected: Sequence[tuple], actual: Sequence[tuple], float_columns: Sequence[int],
                     rel_tol: float) -> Optional[str]:
    """None when equal row by row (floats within tolerance), else a short description of the first difference."""
    if len(expected) != len(actual):
        return f"{len(actual)} rows instead of {len(expected)}"
    for index, (want, got) in enumerate(zip(expected, actual)):
        if not rows_equal(want, got, float_columns, rel_tol):
            return f"row {index}: expected {want!r}, got {got!r}"
    return None


def multiset_difference(expected: Sequence[tuple], actual: Sequence[tuple], float_columns: Sequence[int],
                        rel_tol: float) -> Optional[str]:
    return first_difference(sorted(expected, key=sort_key), sorted(actual, key=sort_key), float_columns, rel_tol)


def run_or_error(run: Callable[[], object]):
    """("ok", value) or ("error", first line of the DuckDB error message)."""
    try:
        return "ok", run()
    except duckdb.Error as error:
        return "error", str(error).splitlines()[0]
