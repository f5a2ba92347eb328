"""Remote scans the client's optimizer can reason about: row counts and column statistics from the
server, and LIMIT / ORDER BY ... LIMIT reaching the server when the query must run in the client.

Queries call a client-only macro so that the whole query cannot run on the server: these tests are
about the remote scan inside a local plan. Answers are compared with a local copy of the data.
"""

from __future__ import annotations

import json

import pytest

import helpers

BIG_ROWS = 200_000

BIG_SQL = (
    "CREATE TABLE {t} AS SELECT range::BIGINT AS k, (range % 1000)::INTEGER AS y, "
    "CASE WHEN range % 3 = 0 THEN 'V' ELSE 'v' END || lpad(range::VARCHAR, 6, '0') AS s, "
    "CASE WHEN range % 10 = 0 THEN NULL ELSE (range % 97)::INTEGER END AS n, "
    "range / 7.0 AS d, DATE '2000-01-01' + (range % 5000)::INTEGER AS dt, "
    "(range % 5)::INTEGER AS never_null "
    "FROM range({rows})"
)

# Strings whose binary order differs from their case-insensitive order; the server column says NOCASE.
NAMES_REMOTE = "CREATE TABLE names (s VARCHAR COLLATE NOCASE, k INTEGER)"
NAMES_LOCAL = "CREATE TABLE ref_names (s VARCHAR, k INTEGER)"
NAMES_ROWS = "INSERT INTO {t} VALUES ('a', 1), ('B', 2), ('c', 3), ('D', 4), ('é', 5), (NULL, 6), ('A', 7), ('b', 8)"


@pytest.fixture(scope="module", autouse=True)
def remote_tables(server):
    helpers.setup_remote(server, BIG_SQL.format(t="big", rows=BIG_ROWS), NAMES_REMOTE, NAMES_ROWS.format(t="names"))


@pytest.fixture
def ref(con):
    """The client, with local reference copies and client-only macros."""
    con.execute(BIG_SQL.format(t="ref_big", rows=BIG_ROWS))
    con.execute(NAMES_LOCAL)
    con.execute(NAMES_ROWS.format(t="ref_names"))
    con.execute("CREATE MACRO twice(x) AS x * 2")
    con.execute("CREATE MACRO tag(x) AS '<' || x || '>'")
    return con


def plan(con, sql):
    """The physical plan of `sql` as DuckDB's JSON explain tree (a list of root operators)."""
    return json.loads(con.sql(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1])


def operators(nodes, name):
    found = []
    for node in nodes:
        if node["name"] == name:
            found.append(node)
        found += operators(node["children"], name)
    return found


def estimated_rows(node):
    return int(node["extra_info"]["Estimated Cardinality"])


server_rows = helpers.server_rows_during


# --------------------------------------------------------------------------- row counts


def test_estimated_cardinality_is_the_remote_row_count(ref):
    scans = operators(plan(ref, "SELECT twice(y) FROM cloud.big"), "OPENDUCK_SCAN")
    assert len(scans) == 1
    assert estimated_rows(scans[0]) == BIG_ROWS


def test_join_order_uses_remote_row_counts(ref):
    ref.execute("CREATE TABLE few AS SELECT range::BIGINT AS k FROM range(10)")
    for sql in ("SELECT twice(b.y) FROM few f JOIN cloud.big b ON b.k = f.k",
                "SELECT twice(b.y) FROM cloud.big b JOIN few f ON b.k = f.k"):
        joins = operators(plan(ref, sql), "HASH_JOIN")
        assert len(joins) == 1
        probe, build = joins[0]["children"]
        # The big remote table is probed; the small local one is built into the hash table.
        assert operators([probe], "OPENDUCK_SCAN") and not operators([build], "OPENDUCK_SCAN"), sql


def test_row_count_follows_writes(ref, unique_name):
    table = unique_name("counted")
    helpers.remote_execute(ref, BIG_SQL.format(t=table, rows=1000))
    assert estimated_rows(operators(plan(ref, f"SELECT twice(y) FROM cloud.{table}"), "OPENDUCK_SCAN")[0]) == 1000
    helpers.remote_execute(ref, f"INSERT INTO {table} SELECT * FROM {table} LIMIT 500")
    assert estimated_rows(operators(plan(ref, f"SELECT twice(y) FROM cloud.{table}"), "OPENDUCK_SCAN")[0]) == 1500


# --------------------------------------------------------------------------- column statistics

IMPOSSIBLE = [
    "k > 199999", "k < 0", "k >= 200000", "y > 999", "y = 1000", "d > 28571.285714285714", "dt > DATE '2013-09-08'",
    "dt < DATE '2000-01-01'", "never_null IS NULL", "never_null > 4",
]
POSSIBLE_AT_THE_EDGE = [
    "k >= 199999", "k <= 0", "k = 199999", "y = 999", "y >= 999", "d >= 28571.285714285714", "d > 28571.2",
    "dt = DATE '2013-09-08'", "dt <= DATE '2000-01-01'", "n IS NULL", "never_null = 4", "never_null >= 0",
    "s > 'v199990'", "s < 'V000003'", "s = 'V000000'",
]


@pytest.mark.parametrize("predicate", IMPOSSIBLE)
def test_filters_the_statistics_rule_out_give_empty_answers(ref, predicate):
    sql = "SELECT twice(k) FROM {} WHERE " + predicate
    assert ref.sql(sql.format("ref_big")).fetchall() == []
    assert ref.sql(sql.format("cloud.big")).fetchall() == []
    # The client knew from the server's statistics: no scan at all.
    assert operators(plan(ref, sql.format("cloud.big")), "EMPTY_RESULT")


@pytest.mark.parametrize("predicate", POSSIBLE_AT_THE_EDGE)
def test_filters_at_the_edge_of_the_statistics_keep_their_rows(ref, predicate):
    sql = "SELECT twice(k) FROM {} WHERE " + predicate + " ORDER BY 1"
    expected = ref.sql(sql.format("ref_big")).fetchall()
    assert expected, "every predicate must select some rows"
    assert ref.sql(sql.format("cloud.big")).fetchall() == expected


def test_statistics_follow_inserts_and_updates(ref, server, client_factory, unique_name):
    table = unique_name("stats")
    helpers.remote_execute(ref, BIG_SQL.format(t=table, rows=10_000))
    query = f"SELECT twice(k) FROM cloud.{table} WHERE k > {{}} ORDER BY 1"
    assert ref.sql(query.format(9_999)).fetchall() == []

    # A larger maximum, written by this client.
    helpers.remote_execute(ref, f"INSERT INTO {table} (k, y, never_null) VALUES (50000, 1, 1)")
    assert ref.sql(query.format(9_999)).fetchall() == [(100_000,)]

    # An UPDATE keeps the row count but moves the maximum; written by another client.
    other = client_factory(server)
    helpers.remote_execute(other, f"UPDATE {table} SET k = 70000 WHERE k = 5")
    assert ref.sql(query.format(60_000)).fetchall() == [(140_000,)]
    assert ref.sql(query.format(9_999)).fetchall() == [(100_000,), (140_000,)]

    # NULLs appear in a column that had none.
    nulls = f"SELECT count(*), sum(twice(k)) FROM cloud.{table} WHERE never_null IS NULL"
    assert ref.sql(nulls).fetchall() == [(0, None)]
    helpers.remote_execute(other, f"UPDATE {table} SET never_null = NULL WHERE k = 7")
    assert ref.sql(nulls).fetchall() == [(1, 14)]


def test_statistics_are_read_for_every_statement_of_a_transaction(ref, server, client_factory, unique_name):
    # A client transaction reads one server snapshot; statistics come from that snapshot too, and
    # the next transaction's from the newer one, so pruning never hides a row that is there.
    table = unique_name("in_transaction")
    helpers.remote_execute(ref, BIG_SQL.format(t=table, rows=10_000))
    other = client_factory(server)
    query = f"SELECT twice(k) FROM cloud.{table} WHERE k > 20000"
    ref.execute("BEGIN TRANSACTION")
    assert ref.sql(query).fetchall() == []
    helpers.remote_execute(other, f"UPDATE {table} SET k = 30000 WHERE k = 1")
    assert ref.sql(query).fetchall() == []
    ref.execute("COMMIT")
    assert ref.sql(query).fetchall() == [(60_000,)]


def test_statistics_of_an_empty_table(ref, unique_name):
    table = unique_name("empty")
    helpers.remote_execute(ref, BIG_SQL.format(t=table, rows=0))
    assert ref.sql(f"SELECT twice(k) FROM cloud.{table} WHERE k > 5").fetchall() == []
    helpers.remote_execute(ref, f"INSERT INTO {table} (k) VALUES (6)")
    assert ref.sql(f"SELECT twice(k) FROM cloud.{table} WHERE k > 5").fetchall() == [(12,)]


# --------------------------------------------------------------------------- LIMIT and Top-N

TOP_N = [
    "SELECT twice(y), k FROM {} ORDER BY k DESC LIMIT 5",
    "SELECT twice(y), k FROM {} ORDER BY k LIMIT 5 OFFSET 3",
    "SELECT twice(k) FROM {} ORDER BY n NULLS FIRST, k LIMIT 5",
    "SELECT twice(k) FROM {} ORDER BY n DESC NULLS LAST, k DESC LIMIT 5",
    "SELECT tag(s) FROM {} ORDER BY s LIMIT 5",
    "SELECT tag(s) FROM {} ORDER BY s DESC LIMIT 5",
    "SELECT twice(k), dt FROM {} ORDER BY dt DESC, d LIMIT 5",
]


@pytest.mark.parametrize("sql", TOP_N)
def test_top_n_reaches_the_server(ref, server, sql):
    expected = ref.sql(sql.format("ref_big")).fetchall()
    actual, rows = server_rows(server, lambda: ref.sql(sql.format("cloud.big")).fetchall())
    assert actual == expected
    wanted = 8 if "OFFSET" in sql else 5
    assert rows[-1] == wanted, f"the server sent {rows} rows: the Top-N did not reach it"


def test_limit_reaches_the_server(ref, server):
    actual, rows = server_rows(server, lambda: ref.sql("SELECT twice(y), k FROM cloud.big LIMIT 5").fetchall())
    assert rows[-1] == 5, f"the server sent {rows} rows"
    assert len(actual) == 5
    assert all(value == 2 * (k % 1000) for value, k in actual)
    actual, rows = server_rows(server, lambda: ref.sql("SELECT twice(y) FROM cloud.big LIMIT 4 OFFSET 2").fetchall())
    assert rows[-1] == 6
    assert len(actual) == 4


def test_top_n_sorts_strings_binary_whatever_the_server_collation(ref, server):
    for sql in ("SELECT tag(s), k FROM {} ORDER BY s LIMIT 3", "SELECT tag(s), k FROM {} ORDER BY s DESC LIMIT 3",
                "SELECT tag(s), k FROM {} ORDER BY s NULLS FIRST LIMIT 3"):
        expected = ref.sql(sql.format("ref_names")).fetchall()
        actual, rows = server_rows(server, lambda: ref.sql(sql.format("cloud.names")).fetchall())
        assert actual == expected, sql
        assert rows[-1] == 3


@pytest.mark.parametrize(
    "sql",
    [
        # Filters that stay in the client, or an order the server cannot repeat exactly: no remote limit.
        "SELECT twice(k) FROM {} WHERE k % 7 = 3 ORDER BY k LIMIT 5",
        "SELECT twice(k) FROM {} WHERE tag(s) > '<v1' ORDER BY k DESC LIMIT 5",
        "SELECT twice(k) FROM {} ORDER BY k % 10, k LIMIT 5",
        "SELECT twice(k) FROM {} ORDER BY twice(y) DESC, k LIMIT 5",
        # Filters that go to the server together with the limit.
        "SELECT twice(k) FROM {} WHERE y = 7 AND n IS NOT NULL ORDER BY k DESC LIMIT 5",
        "SELECT twice(k) FROM {} WHERE s LIKE 'V%' ORDER BY s LIMIT 5",
    ],
)
def test_limits_with_local_work_still_answer_exactly(ref, sql):
    expected = ref.sql(sql.format("ref_big")).fetchall()
    assert len(expected) == 5
    assert ref.sql(sql.format("cloud.big")).fetchall() == expected


def test_top_n_below_a_join_with_a_local_table(ref):
    ref.execute("CREATE TABLE wanted AS SELECT * FROM (VALUES (3::BIGINT), (150000::BIGINT)) v(k)")
    sql = "SELECT t.k, twice(t.y) FROM (SELECT k, y FROM {} ORDER BY k LIMIT 5) t JOIN wanted w ON t.k = w.k"
    expected = ref.sql(sql.format("ref_big")).fetchall()
    assert expected == [(3, 6)]
    assert ref.sql(sql.format("cloud.big")).fetchall() == expected
