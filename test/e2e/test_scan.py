"""Scans of remote tables: filter/projection pushdown gives the same answers as a local table,
and really reduces what the server sends."""

from __future__ import annotations

import pytest

import helpers

ITEMS_SQL = [
    'CREATE TABLE {t} (id INTEGER NOT NULL, n BIGINT, s VARCHAR, d DATE, price DECIMAL(9,2), ts TIMESTAMP, '
    'flag BOOLEAN, "select" INTEGER, "a b" VARCHAR, "Mixed Case" DOUBLE, u UINTEGER, h HUGEINT)',
    "INSERT INTO {t} SELECT range, "
    "CASE WHEN range % 7 = 0 THEN NULL ELSE range * 3 - 100 END, "
    "CASE WHEN range % 11 = 0 THEN NULL ELSE 'item-' || lpad(range::VARCHAR, 4, '0') END, "
    "DATE '2024-01-01' + (range % 400)::INTEGER, "
    "CASE WHEN range % 13 = 0 THEN NULL ELSE (range * 1.25)::DECIMAL(9,2) END, "
    "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (range * 37) MINUTE, "
    "CASE WHEN range % 17 = 0 THEN NULL ELSE range % 2 = 0 END, "
    "range % 10, "
    "CASE range % 3 WHEN 0 THEN 'x y' WHEN 1 THEN 'it''s' ELSE NULL END, "
    "range / 3.0, "
    "range * 1000, "
    "range::HUGEINT * 100000000000000000000 "
    "FROM range(2000)",
]

ODD_SQL = [
    'CREATE TABLE {t} ("select" INTEGER, "a b" VARCHAR, "from" DATE, """q""" DECIMAL(4,1))',
    'INSERT INTO {t} VALUES (1, \'one\', DATE \'2024-01-01\', 1.5), (2, \'two words\', NULL, -2.5), '
    '(3, NULL, DATE \'2024-06-30\', NULL), (NULL, \'it\'\'s\', DATE \'1999-12-31\', 0.0)',
]
ODD_TABLE = 'my "odd" table'
ODD_IDENT = helpers.sql_identifier(ODD_TABLE)

BIG_ROWS = 100_000


@pytest.fixture(scope="module", autouse=True)
def remote_tables(server):
    statements = [sql.format(t="items") for sql in ITEMS_SQL]
    statements += [sql.format(t=ODD_IDENT) for sql in ODD_SQL]
    statements.append(
        f"CREATE TABLE pushdown_big AS SELECT range::INTEGER AS id, repeat('p', 100) || range AS payload FROM range({BIG_ROWS})"
    )
    helpers.setup_remote(server, *statements)


@pytest.fixture
def ref(con):
    """Reference copies of the remote tables in the client's local memory database."""
    for sql in ITEMS_SQL:
        con.execute(sql.format(t="ref_items"))
    for sql in ODD_SQL:
        con.execute(sql.format(t='"ref odd"'))
    return con


PREDICATES = [
    # integers
    "n = 200", "n <> 200", "n < 0", "n > 5000", "n <= -97", "n >= 5800", "n IS NULL", "n IS NOT NULL",
    "n IN (-100, 2, 5, 200, 203)", "n NOT IN (-97, 2)", "n > 100 AND n < 200", "n < -90 OR n > 5990",
    "n BETWEEN 10 AND 20", "NOT (n > 0)", "u >= 1999000", "h = 500000000000000000000", "h > 199800000000000000000000",
    # strings
    "s = 'item-0042'", "s <> 'item-0042'", "s < 'item-0010'", "s >= 'item-1990'", "s IS NULL",
    "s LIKE 'item-00%'", "s LIKE 'item-1_5%'", "s ILIKE 'ITEM-000%'", "prefix(s, 'item-19')",
    "s IN ('item-0001', 'item-0002', 'nope')", "s > 'item-1000' AND s < 'item-1010'",
    # dates and timestamps
    "d = DATE '2024-02-29'", "d < '2024-01-05'", "d BETWEEN DATE '2024-03-01' AND DATE '2024-03-03'",
    "d >= DATE '2025-02-01'", "d <> DATE '2024-01-01'", "ts > TIMESTAMP '2024-02-20 00:00:00'",
    "ts <= TIMESTAMP '2024-01-01 06:00:00'",
    # decimals and doubles
    "price = 12.50", "price > 2400.00", "price <= 1.25", "price IS NULL", "price IN (2.50, 5.00)",
    '"Mixed Case" > 600.5', '"Mixed Case" = 1.0',
    # booleans
    "flag", "NOT flag", "flag IS NULL", "flag = false AND n IS NULL",
    # odd column names
    '"select" = 3', '"select" IN (1, 2) AND "a b" = \'x y\'', "\"a b\" = 'it''s'", '"a b" IS NULL',
    # mixed AND/OR
    "(n < 0 OR s IS NULL) AND flag", "(s LIKE 'item-01%' OR price < 10) AND NOT flag", "id = 5 OR id = 1500",
    "lower(s) = 'item-0101'", "n % 2 = 0 AND d < '2024-01-10'",
]


@pytest.mark.parametrize("predicate", PREDICATES)
def test_filter_gives_same_rows_as_local(ref, predicate):
    expected = ref.sql(f"SELECT id FROM ref_items WHERE {predicate} ORDER BY id").fetchall()
    actual = ref.sql(f"SELECT id FROM cloud.items WHERE {predicate} ORDER BY id").fetchall()
    assert actual == expected
    assert 0 < len(expected) < 2000, "every predicate must select some but not all rows"


@pytest.mark.parametrize(
    "columns",
    [["s"], ["price", "d"], ['"a b"', '"select"'], ["ts", "n", "id"], ["*"], ["h", "u", '"Mixed Case"']],
)
def test_projection_gives_same_values_as_local(ref, columns):
    select = ", ".join(columns)
    sql = "SELECT {} FROM {} WHERE id % 97 = 3 ORDER BY id"
    expected = ref.sql(sql.format(select, "ref_items")).fetchall()
    assert ref.sql(sql.format(select, "cloud.items")).fetchall() == expected
    assert len(expected) == 21


@pytest.mark.parametrize(
    "predicate",
    ['"select" = 2', '"select" IS NULL', "\"a b\" = 'it''s'", "\"a b\" LIKE 'two%'", '"from" > DATE \'2000-01-01\'',
     '"""q""" < 0', '"""q""" IS NULL', '"from" IS NULL OR "select" >= 3'],
)
def test_quoted_table_and_column_names(ref, predicate):
    sql = 'SELECT "select", "a b", "from", """q""" FROM {} WHERE {} ORDER BY ALL'
    expected = ref.sql(sql.format('"ref odd"', predicate)).fetchall()
    assert expected
    assert ref.sql(sql.format(f"cloud.{ODD_IDENT}", predicate)).fetchall() == expected


def test_aggregates_over_remote_table(ref):
    sql = "SELECT flag, count(*), sum(n), avg(price), min(s), max(d) FROM {} GROUP BY flag ORDER BY flag NULLS LAST"
    assert ref.sql(sql.format("cloud.items")).fetchall() == ref.sql(sql.format("ref_items")).fetchall()


def test_join_remote_with_local_filtered(ref):
    ref.execute("CREATE TABLE wanted AS SELECT * FROM (VALUES (5), (77), (1999), (4000)) v(id)")
    rows = ref.sql("SELECT w.id, i.s FROM wanted w JOIN cloud.items i USING (id) ORDER BY ALL").fetchall()
    assert rows == [(5, "item-0005"), (77, None), (1999, "item-1999")]


def test_limit_and_order(ref):
    sql = "SELECT id, n FROM {} WHERE n IS NOT NULL ORDER BY n DESC LIMIT 5"
    assert ref.sql(sql.format("cloud.items")).fetchall() == ref.sql(sql.format("ref_items")).fetchall()


def _scan_log_after(server, action):
    """Lines the server logs for `action` (one client statement)."""
    seen = len(server.query_log_lines())
    action()
    lines = server.wait_for_query_log(seen, 1)
    assert lines, "the server logged no query for a remote scan"
    return [helpers.parse_query_log(line) for line in lines]


def test_filter_is_pushed_to_the_server(server, con):
    logged = _scan_log_after(server, lambda: con.sql("SELECT id FROM cloud.pushdown_big WHERE id = 4242").fetchall())
    assert max(int(entry["rows"]) for entry in logged) < 100, (
        f"the server shipped {logged} rows for a one-row filter over {BIG_ROWS} rows: filter not pushed down"
    )
    assert con.sql("SELECT id, payload FROM cloud.pushdown_big WHERE id = 4242").fetchall() == [(4242, "p" * 100 + "4242")]


def test_range_filter_is_pushed_to_the_server(server, con):
    logged = _scan_log_after(
        server, lambda: con.sql("SELECT count(*) FROM cloud.pushdown_big WHERE id >= 1000 AND id < 1100").fetchall()
    )
    assert max(int(entry["rows"]) for entry in logged) <= 1000


def test_projection_is_pushed_to_the_server(server, con):
    narrow = _scan_log_after(server, lambda: con.sql("SELECT id FROM cloud.pushdown_big").fetchall())
    wide = _scan_log_after(server, lambda: con.sql("SELECT id, payload FROM cloud.pushdown_big").fetchall())
    narrow_bytes = max(int(entry["bytes"]) for entry in narrow)
    wide_bytes = max(int(entry["bytes"]) for entry in wide)
    # 4-byte ids against ~100-byte payloads per row.
    assert narrow_bytes * 5 < wide_bytes, f"narrow scan sent {narrow_bytes} bytes, wide scan {wide_bytes}"
    assert narrow_bytes < BIG_ROWS * 16
