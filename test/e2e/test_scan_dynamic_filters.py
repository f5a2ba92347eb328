"""Filters DuckDB derives while a query runs reach the remote scan: a hash join whose build side is
local hands its keys (an IN list when there are few, else their min/max range) to the scan of the
remote table it probes, so the server sends only rows that can join. Answers equal local ones."""

from __future__ import annotations


import pytest

import helpers

BIG_ROWS = 200_000

BIG_SQL = (
    "CREATE TABLE {t} AS SELECT range::BIGINT AS k, (range % 1000)::INTEGER AS y, "
    "CASE WHEN range % 3 = 0 THEN 'V' ELSE 'v' END || lpad(range::VARCHAR, 6, '0') AS s "
    "FROM range({rows})"
)


@pytest.fixture(scope="module", autouse=True)
def remote_tables(server):
    helpers.setup_remote(server, BIG_SQL.format(t="probe_big", rows=BIG_ROWS))


@pytest.fixture
def ref(con):
    con.execute(BIG_SQL.format(t="ref_big", rows=BIG_ROWS))
    con.execute("CREATE MACRO twice(x) AS x * 2")
    return con


def scan_rows(server, action):
    """(result of `action`, rows the server sent for its last query, the scan)."""
    result, rows = helpers.server_rows_during(server, action)
    return result, rows[-1]


def check(ref, server, sql, rows_sent):
    expected = ref.sql(sql.format(big="ref_big")).fetchall()
    actual, sent = scan_rows(server, lambda: ref.sql(sql.format(big="cloud.probe_big")).fetchall())
    assert actual == expected
    assert sent == rows_sent, f"the server sent {sent} rows of {BIG_ROWS}"
    return expected


def test_few_local_keys_become_an_in_list(ref, server):
    ref.execute("CREATE TABLE keys AS SELECT * FROM (VALUES (10::BIGINT), (5000::BIGINT), (77777::BIGINT), "
                "(999999::BIGINT)) v(k)")
    sql = "SELECT b.k, twice(b.y), b.s FROM {big} b JOIN keys USING (k) ORDER BY b.k"
    assert check(ref, server, sql, 3) == [(10, 20, "v000010"), (5000, 0, "v005000"), (77777, 1554, "v077777")]


def test_one_local_key_becomes_an_equality(ref, server):
    ref.execute("CREATE TABLE one_key AS SELECT 4242::BIGINT AS k")
    check(ref, server, "SELECT b.k, twice(b.y) FROM {big} b JOIN one_key o ON b.k = o.k", 1)


def test_many_local_keys_become_a_range(ref, server):
    # 200 keys are too many for an IN list: the scan gets their min/max, [1000, 1597].
    ref.execute("CREATE TABLE many_keys AS SELECT (1000 + 3 * range)::BIGINT AS k FROM range(200)")
    sql = "SELECT count(*), sum(twice(b.y)), min(b.k), max(b.k) FROM {big} b JOIN many_keys m ON b.k = m.k"
    assert check(ref, server, sql, 598) == [(200, 2 * sum((1000 + 3 * i) % 1000 for i in range(200)), 1000, 1597)]


def test_keys_of_another_integer_type(ref, server):
    ref.execute("CREATE TABLE int_keys AS SELECT * FROM (VALUES (10), (5000), (77777)) v(k)")
    check(ref, server, "SELECT b.k, twice(b.y) FROM {big} b JOIN int_keys i ON b.k = i.k ORDER BY 1", 3)


def test_join_on_a_column_cast_on_the_remote_side(ref, server):
    # y is INTEGER remotely and the keys BIGINT: the join casts y, the filter still reaches it.
    ref.execute("CREATE TABLE y_keys AS SELECT * FROM (VALUES (7::BIGINT), (900::BIGINT)) v(y)")
    sql = "SELECT count(*), sum(twice(b.k)) FROM {big} b JOIN y_keys USING (y)"
    check(ref, server, sql, 400)


def test_string_keys_compare_binary(ref, server):
    # Every third row's s starts with 'V': 'v000012' matches nothing, 'V000012' does.
    ref.execute("CREATE TABLE s_keys AS SELECT * FROM (VALUES ('v000010'), ('v000012'), ('V000012'), ('V000099')) v(s)")
    sql = "SELECT b.s, twice(b.k) FROM {big} b JOIN s_keys USING (s) ORDER BY 1"
    assert check(ref, server, sql, 3) == [("V000012", 24), ("V000099", 198), ("v000010", 20)]


def test_semi_join_and_own_filters(ref, server):
    ref.execute("CREATE TABLE wanted AS SELECT * FROM (VALUES (10::BIGINT), (5000::BIGINT), (77777::BIGINT)) v(k)")
    sql = "SELECT twice(k) FROM {big} WHERE k IN (SELECT k FROM wanted) AND y < 500 ORDER BY 1"
    assert check(ref, server, sql, 2) == [(20,), (10000,)]


def test_outer_join_keeps_every_remote_row(ref, server):
    ref.execute("CREATE TABLE sparse AS SELECT * FROM (VALUES (10::BIGINT), (5000::BIGINT)) v(k)")
    sql = "SELECT count(*), count(s.k), sum(twice(b.y)) FROM {big} b LEFT JOIN sparse s ON b.k = s.k"
    check(ref, server, sql, BIG_ROWS)
