"""Randomized differential test: seeded random predicates and queries over remote tables full of
NULLs and edge values give the same answers as over local copies built by the same SQL.

The seed is in every failure message; OPENDUCK_FUZZ_SEED=<n> replays a run, OPENDUCK_FUZZ_SEED=random
picks a fresh one. Whatever the client pushes to the server (filters, projections, whole queries),
the answer must not change.
"""

from __future__ import annotations

import os
import secrets
from typing import Dict, List

import duckdb
import pytest

import fuzz_compare
import fuzz_queries as fq
import helpers
import pushdown_support as pds

SEED = int(secrets.randbelow(2 ** 31)) if os.environ.get("OPENDUCK_FUZZ_SEED") == "random" else int(
    os.environ.get("OPENDUCK_FUZZ_SEED", "20241121"))
ROWS, ROWS2 = 400, 120
PREDICATES = 1200
BATCH = 50
WHERE_QUERIES = 300
SHAPE_QUERIES = 45
# DOUBLE/FLOAT results (sums, averages) may differ in the last bits when partial sums are added in
# another order; NaN equals NaN.
REL_TOL = 1e-9
# Queries that error on both sides are consistent but test nothing; the generator avoids most.
MAX_ERROR_SHARE = 0.2

REMOTE = {"t": "cloud.fuzz_t", "t2": "cloud.fuzz_t2"}
LOCAL = {"t": "fuzz_local_t", "t2": "fuzz_local_t2"}
# A client-only macro: a query rendered to text through it keeps its outer block local, so the values
# of the pushed inner query cross the wire in their own types rather than as server-made text.
TEXT_MACRO = "fuzz_text"


def generator(purpose: str) -> fq.FuzzGenerator:
    """A generator per purpose, so each test replays alone and in any order."""
    return fq.FuzzGenerator(f"{SEED}-{purpose}")


def table_statements() -> Dict[str, List[str]]:
    data = generator("data")
    enum = f"CREATE TYPE {fq.ENUM_TYPE} AS ENUM ({', '.join(fq.quote(label) for label in fq.ENUM_LABELS)})"
    return {"enum": [enum], "t": data.table_statements("{name}", ROWS), "t2": data.table_statements("{name}", ROWS2)}


@pytest.fixture(scope="module")
def statements():
    return table_statements()


@pytest.fixture(scope="module")
def fuzz_con(server, extension_file, statements):
    """One client holding the remote tables (as `cloud`) and local copies built by the same statements."""
    remote = list(statements["enum"])
    for key in ("t", "t2"):
        remote += [sql.replace("{name}", REMOTE[key].split(".", 1)[1]) for sql in statements[key]]
    helpers.setup_remote(server, *remote)
    con = helpers.new_client(extension_file)
    con.execute(helpers.attach_sql(server))
    for sql in statements["enum"]:
        con.execute(sql)
    con.execute(f"CREATE MACRO {TEXT_MACRO}(x) AS CAST(x AS VARCHAR)")
    for key in ("t", "t2"):
        for sql in statements[key]:
            con.execute(sql.replace("{name}", LOCAL[key]))
    yield con
    con.close()


# ----------------------------------------------------------------------------- comparison


def evaluate(con: duckdb.DuckDBPyConnection, sql: str, client_text: bool):
    """("ok", (types, rows as text)) or ("error", message). Text keeps NaN, -0.0, extreme dates and full precision.

    With `client_text` the client renders the text (the query's values travel in their own types);
    otherwise the whole wrapped query may run on the server.
    """
    cast = f"{TEXT_MACRO}(COLUMNS(*))" if client_text else "CAST(COLUMNS(*) AS VARCHAR)"
    wrapped = f"SELECT {cast}, typeof(COLUMNS(*)) FROM ({sql}) AS fuzz_q"
    outcome, value = pds.run_or_error(lambda: con.sql(wrapped).fetchall())
    if outcome == "error":
        return outcome, value
    width = len(value[0]) // 2 if value else 0
    types = value[0][width:] if value else ()
    return outcome, (types, [row[:width] for row in value])


class Differential:
    """Runs query templates on both sides and keeps every disagreement."""

    def __init__(self, con: duckdb.DuckDBPyConnection, what: str):
        self.con = con
        self.what = what
        self.total = 0
        self.errors = 0
        self.mismatches: List[str] = []

    def check(self, template: str, ordered: bool = False):
        self.total += 1
        local_sql = fq.fill(template, LOCAL["t"], LOCAL["t2"])
        remote_sql = fq.fill(template, REMOTE["t"], REMOTE["t2"])
        client_text = self.total % 2 == 0
        local = evaluate(self.con, local_sql, client_text)
        remote = evaluate(self.con, remote_sql, client_text)
        problem = None
        if local[0] != remote[0]:
            problem = f"local {local[0]}: {summary(local)}; remote {remote[0]}: {summary(remote)}"
        elif local[0] == "error":
            self.errors += 1
        elif local[1][0] and remote[1][0] and local[1][0] != remote[1][0]:
            problem = f"result types differ: local {local[1][0]}, remote {remote[1][0]}"
        else:
            problem = fuzz_compare.text_rows_differ(local[1][1], remote[1][1], local[1][0], ordered, REL_TOL)
        if problem:
            self.mismatches.append(f"{remote_sql}\n    -> {problem}")
        return local

    def assert_clean(self):
        header = f"seed={SEED} (replay: OPENDUCK_FUZZ_SEED={SEED}) {self.what}"
        assert not self.mismatches, f"{header}: {len(self.mismatches)} of {self.total} queries differ from local:\n" + "\n".join(
            self.mismatches[:8])
        assert self.errors <= MAX_ERROR_SHARE * self.total, (
            f"{header}: {self.errors} of {self.total} queries failed on both sides; the generator tests too little")


def summary(outcome) -> str:
    if outcome[0] == "error":
        return outcome[1]
    rows = outcome[1][1]
    return f"{len(rows)} rows, first {rows[:3]}"


# ----------------------------------------------------------------------------- tests


def test_predicates_in_batches(fuzz_con):
    """Every predicate as count(*) FILTER (WHERE p), 50 per query, over NULLs and edge values."""
    gen = generator("predicates")
    predicates = [gen.predicate() for _ in range(PREDICATES)]
    check = Differential(fuzz_con, "filter batches")
    counts: List[int] = []
    for start in range(0, len(predicates), BATCH):
        batch = predicates[start:start + BATCH]
        local = check.check(gen.filter_batch(batch))
        if local[0] == "error":
            # One bad predicate must not hide the other 49: compare them one by one.
            for predicate in batch:
                check.check(gen.filter_batch([predicate]))
        else:
            counts += [int(value) for value in local[1][1][0]]
    check.assert_clean()
    assert len(predicates) >= 1000
    selective = sum(1 for count in counts if 0 < count < ROWS)
    assert selective >= len(counts) // 4, f"seed={SEED}: only {selective} of {len(counts)} predicates select some but not all rows"


def test_predicates_as_where_clauses(fuzz_con):
    """Plain WHERE queries: the shape whose filter and projection the scan pushes to the server."""
    gen = generator("where")
    check = Differential(fuzz_con, "WHERE queries")
    for _ in range(WHERE_QUERIES):
        check.check(gen.where_query(gen.predicate()))
    check.assert_clean()


SHAPES = {
    "projection": ("projection_query", False),
    "aggregate": ("aggregate_query", False),
    "group_by": ("group_query", False),
    "order_by_limit": ("order_limit_query", True),
    "distinct": ("distinct_query", False),
    "window": ("window_query", False),
    "set_operation": ("set_query", False),
    "subquery": ("subquery_query", False),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_query_shapes(fuzz_con, shape):
    method, ordered = SHAPES[shape]
    gen = generator(shape)
    check = Differential(fuzz_con, f"{shape} queries")
    for _ in range(SHAPE_QUERIES):
        check.check(getattr(gen, method)(), ordered=ordered)
    check.assert_clean()


# Queries the client must keep (for example casts to the client's own ENUM type) may stay local; the
# rest must run on the server, or this file would not be testing pushdown at all.
MIN_PUSHED_SHARE = 0.8
PUSH_SAMPLE = 15


def test_generated_queries_run_on_the_server(fuzz_con):
    gen = generator("pushed")
    shapes = [lambda: gen.where_query(gen.predicate())] + [getattr(gen, method) for method, _ in SHAPES.values()]
    local_only = []
    total = 0
    for make in shapes:
        for _ in range(PUSH_SAMPLE):
            sql = fq.fill(make(), REMOTE["t"], REMOTE["t2"])
            total += 1
            if not pds.is_pushed_whole(fuzz_con, sql):
                local_only.append(sql)
    assert len(local_only) <= (1 - MIN_PUSHED_SHARE) * total, (
        f"seed={SEED}: {len(local_only)} of {total} generated queries were not pushed to the server, e.g.:\n"
        + "\n".join(local_only[:5]))


WIDE_INTERVALS = ("(1, INTERVAL '9223372036854775807 microseconds'), (2, to_hours(2562048)), "
                  "(3, to_hours(2562047)), (4, INTERVAL '-9223372036854775807 microseconds')")


def test_interval_beyond_arrow_range_is_refused_not_corrupted(fuzz_con):
    """Arrow's month_day_nano carries an interval's time part in int64 nanoseconds (about 2562047
    hours); DuckDB's Arrow conversion would wrap larger values silently, so the server refuses them
    with a clear error. Values inside the range still arrive exactly."""
    helpers.remote_execute(fuzz_con, f"CREATE TABLE wide_intervals AS SELECT * FROM (VALUES {WIDE_INTERVALS}) v(id, iv)")
    helpers.assert_error(lambda: fuzz_con.execute("CREATE TEMP TABLE received_intervals AS SELECT * FROM cloud.wide_intervals"),
                         "INTERVAL", "too large to send", "iv")
    helpers.assert_error(lambda: fuzz_con.execute("SELECT list_value(iv) AS l FROM cloud.wide_intervals").fetchall(),
                         "too large to send")
    # As text the same values travel fine, and the largest sendable interval arrives unchanged.
    as_text = fuzz_con.sql("SELECT id, iv::VARCHAR FROM cloud.wide_intervals ORDER BY id").fetchall()
    expected = fuzz_con.sql(f"SELECT id, iv::VARCHAR FROM (VALUES {WIDE_INTERVALS}) v(id, iv) ORDER BY id").fetchall()
    assert as_text == expected
    edge = "INTERVAL '9223372036854775 microseconds'"
    assert fuzz_con.sql(f"FROM openduck_query('cloud', 'SELECT {edge.replace(chr(39), chr(39) * 2)} AS iv')").fetchall() == \
        fuzz_con.sql(f"SELECT {edge} AS iv").fetchall()
