"""Whole-query pushdown keeps answers exact: queries the server can answer identically run there
(EXPLAIN shows `Remote SQL`), and queries that depend on the client (macros, Python UDFs, temp
objects, parameters, session settings the server does not share) stay local with the local answer."""

from __future__ import annotations

from typing import Dict, List

import duckdb
import pytest

import helpers
import pushdown_support as pds
import type_cases

# Logical table -> (name on the server, name of the local copy). Both are built by the same SQL.
TABLES = {
    "sales": ("sales", "local_sales"),
    "regions": ("regions", "local_regions"),
    "select": ('"select"', '"local select"'),
    "camel": ('"CamelCase"', '"local CamelCase"'),
    "quote": ('"quote""table"', '"local quote""table"'),
}
REMOTE = {key: f"cloud.{remote}" for key, (remote, _) in TABLES.items()}
LOCAL = {key: local for key, (_, local) in TABLES.items()}

TABLE_SQL = {
    "sales": [
        "CREATE TABLE {t} (k INTEGER, region VARCHAR, v INTEGER, price DOUBLE, ts TIMESTAMPTZ, name VARCHAR)",
        # Timestamps straddle midnight UTC, so their date depends on the session time zone.
        "INSERT INTO {t} SELECT range, ['north', 'south', 'east', NULL][range % 4 + 1], "
        "CASE WHEN range % 9 = 0 THEN NULL ELSE (range * 37) % 101 END, "
        "CASE WHEN range % 13 = 0 THEN NULL ELSE range / 7 END, "
        "TIMESTAMPTZ '2024-03-09 20:00:00+00' + INTERVAL (range * 37) MINUTE, "
        "['apple', 'Apple', 'APPLE', 'banana', 'Banana', 'cherry', NULL][range % 7 + 1] FROM range(200)",
    ],
    "regions": [
        "CREATE TABLE {t} (region VARCHAR, manager VARCHAR)",
        "INSERT INTO {t} VALUES ('north', 'Ann'), ('south', 'Bo'), ('east', 'Cy'), ('west', 'Di')",
    ],
    "select": [
        'CREATE TABLE {t} ("my col" INTEGER, "CamelCase" VARCHAR, "we""ird" DOUBLE)',
        "INSERT INTO {t} VALUES (1, 'One', 1.5), (2, 'two', NULL), (3, NULL, -0.5), (NULL, 'it''s', 2.25)",
    ],
    "camel": [
        'CREATE TABLE {t} (id INTEGER, "Value" VARCHAR, "UPPER" INTEGER)',
        "INSERT INTO {t} VALUES (1, 'a', 10), (2, 'b', 20), (3, 'a', NULL), (4, NULL, 40)",
    ],
    "quote": [
        'CREATE TABLE {t} ("a""b" INTEGER, "c d" VARCHAR)',
        "INSERT INTO {t} VALUES (1, 'x \"y\"'), (2, NULL), (NULL, 'z')",
    ],
}
BIG_ROWS = 1_000_000


def fill(template: str, names: Dict[str, str]) -> str:
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    return template


@pytest.fixture(scope="module", autouse=True)
def remote_tables(server):
    statements = [sql.replace("{t}", TABLES[key][0]) for key, sqls in TABLE_SQL.items() for sql in sqls]
    statements.append(f"CREATE TABLE big AS SELECT range AS x FROM range({BIG_ROWS})")
    for case in type_cases.TYPE_NAMES:
        statements += type_cases.create_statements(case, f"lit_{case}")
    helpers.setup_remote(server, *statements)


@pytest.fixture
def local(con):
    """The client attached as `cloud`, with local copies of the remote tables."""
    for key, sqls in TABLE_SQL.items():
        for sql in sqls:
            con.execute(sql.replace("{t}", TABLES[key][1]))
    return con


def answers(con: duckdb.DuckDBPyConnection, template: str, names: Dict[str, str]):
    relation = con.sql(fill(template, names))
    return relation.columns, pds.float_column_indexes(relation), relation.fetchall()


def assert_same_answer(con: duckdb.DuckDBPyConnection, template: str, ordered: bool = False) -> List[tuple]:
    """The query over the remote tables answers exactly as over the local copies; returns the rows."""
    columns, floats, expected = answers(con, template, LOCAL)
    remote_columns, _, actual = answers(con, template, REMOTE)
    assert remote_columns == columns
    compare = pds.first_difference if ordered else pds.multiset_difference
    difference = compare(expected, actual, floats, 1e-12)
    assert difference is None, f"{fill(template, REMOTE)}\n{difference}"
    return expected


def assert_pushed(con: duckdb.DuckDBPyConnection, server: helpers.ServerProcess, template: str) -> List[str]:
    """EXPLAIN of the remote form shows the SQL sent to the server, without the token; returns that SQL."""
    sql = fill(template, REMOTE)
    plan = pds.explain_text(con, sql)
    assert pds.REMOTE_SQL_KEY in plan, f"not pushed to the server: {sql}\n{plan}"
    pushed = pds.remote_sqls(con, sql)
    assert pushed, plan
    for text in [plan, pds.explain_json(con, sql), *pushed]:
        assert server.token not in text, "the token leaked into EXPLAIN"
    return pushed


def assert_stays_local(con: duckdb.DuckDBPyConnection, server: helpers.ServerProcess, template: str):
    sql = fill(template, REMOTE)
    plan = pds.explain_text(con, sql)
    assert server.token not in plan, "the token leaked into EXPLAIN"
    assert pds.REMOTE_SQL_KEY not in plan, f"pushed to the server although it depends on the client: {sql}\n{plan}"


# ----------------------------------------------------------------------------- stays local


def test_macro_in_select_list_stays_local(local, server):
    local.execute("CREATE MACRO add_tax(x) AS x * 1.25")
    template = "SELECT k, add_tax(v) AS taxed FROM {sales} WHERE v > 10"
    assert assert_same_answer(local, template)
    assert_stays_local(local, server, template)


def test_macro_in_where_stays_local(local, server):
    local.execute("CREATE MACRO is_big(x) AS x > 60")
    template = "SELECT k, v FROM {sales} WHERE is_big(v)"
    assert assert_same_answer(local, template)
    assert_stays_local(local, server, template)


def test_table_macro_in_subquery_stays_local(local, server):
    local.execute("CREATE MACRO threshold() AS TABLE SELECT 50 AS limit_value")
    template = "SELECT count(*) AS n FROM {sales} WHERE v > (SELECT limit_value FROM threshold())"
    assert assert_same_answer(local, template) != [(0,)]
    assert_stays_local(local, server, template)


def test_python_udf_stays_local(local, server):
    local.create_function("py_double", lambda x: x * 2, [duckdb.sqltypes.INTEGER], duckdb.sqltypes.INTEGER)
    template = "SELECT k, py_double(v) AS doubled FROM {sales} WHERE k < 20"
    assert assert_same_answer(local, template)
    assert_stays_local(local, server, template)


def test_join_with_temp_table_stays_local(local, server):
    local.execute("CREATE TEMP TABLE wanted AS SELECT * FROM (VALUES (1), (2), (5), (500)) v(k)")
    template = "SELECT s.k, s.v, s.region FROM {sales} s JOIN wanted w USING (k)"
    assert len(assert_same_answer(local, template)) == 3
    assert_stays_local(local, server, template)


def test_temp_view_over_remote_table_stays_local(local):
    local.execute(f"CREATE TEMP VIEW big_sales AS SELECT * FROM {REMOTE['sales']} WHERE v > 50")
    local.execute(f"CREATE TEMP VIEW local_big_sales AS SELECT * FROM {LOCAL['sales']} WHERE v > 50")
    rows = local.sql("SELECT region, count(*) FROM big_sales GROUP BY region ORDER BY region NULLS LAST").fetchall()
    expected = local.sql("SELECT region, count(*) FROM local_big_sales GROUP BY region ORDER BY region NULLS LAST").fetchall()
    assert rows == expected and rows
    plan = pds.explain_text(local, "SELECT region, count(*) FROM big_sales GROUP BY region")
    assert pds.REMOTE_SQL_KEY not in plan, plan


@pytest.mark.parametrize("sql", ["SELECT count(*) FROM {sales} WHERE v > ? AND region = ?",
                                 "SELECT count(*) FROM {sales} WHERE v > $1 AND region = $2"])
def test_prepared_parameters_stay_local(local, sql):
    expected = local.execute(fill(sql, LOCAL), [30, "north"]).fetchall()
    assert local.execute(fill(sql, REMOTE), [30, "north"]).fetchall() == expected
    assert expected[0][0] > 0
    plan = "\n".join(str(v) for row in local.execute("EXPLAIN " + fill(sql, REMOTE), [30, "north"]).fetchall() for v in row)
    assert pds.REMOTE_SQL_KEY not in plan, plan


DATE_BY_ZONE = "SELECT ts::DATE AS day, count(*) AS n FROM {sales} GROUP BY day ORDER BY day"
TRUNC_BY_ZONE = "SELECT date_trunc('day', ts)::VARCHAR AS day, count(*) AS n FROM {sales} GROUP BY day ORDER BY day"


@pytest.mark.parametrize("template", [DATE_BY_ZONE, TRUNC_BY_ZONE])
def test_time_zone_setting_stays_local(local, server, template):
    utc_answer = assert_same_answer(local, template, ordered=True)
    local.execute("SET TimeZone = 'America/New_York'")
    zoned = assert_same_answer(local, template, ordered=True)
    assert zoned != utc_answer, "the time zone should change the answer of this query"
    assert_stays_local(local, server, template)


def test_calendar_setting_stays_local(local, server):
    local.execute("SET Calendar = 'japanese'")
    template = "SELECT count(*) AS n FROM {sales} WHERE v > 20"
    assert assert_same_answer(local, template)
    assert_stays_local(local, server, template)


@pytest.mark.parametrize(
    "template, ordered",
    [
        ("SELECT count(*) AS n FROM {sales} WHERE name = 'apple'", False),
        ("SELECT name, k FROM {sales} WHERE k < 30 ORDER BY name, k", True),
        ("SELECT count(*) AS n FROM (SELECT DISTINCT name FROM {sales})", False),
        ("SELECT count(*) AS n FROM {sales} GROUP BY name", False),
    ],
)
def test_default_collation_stays_local(local, server, template, ordered):
    binary = assert_same_answer(local, template, ordered)
    local.execute("SET default_collation = 'nocase'")
    nocase = assert_same_answer(local, template, ordered)
    assert nocase != binary, "NOCASE should change the answer of this query"
    assert_stays_local(local, server, template)


def test_default_order_stays_local(local, server):
    template = "SELECT k FROM {sales} ORDER BY k LIMIT 5"
    local.execute("SET default_order = 'DESC'")
    assert assert_same_answer(local, template, ordered=True) == [(199,), (198,), (197,), (196,), (195,)]
    assert_stays_local(local, server, template)


def test_default_null_order_stays_local(local, server):
    template = "SELECT v, k FROM {sales} ORDER BY v, k LIMIT 5"
    local.execute("SET default_null_order = 'nulls_first'")
    rows = assert_same_answer(local, template, ordered=True)
    assert [row[0] for row in rows] == [None] * 5
    assert_stays_local(local, server, template)


# ----------------------------------------------------------------------------- pushed whole

PUSHED = {
    "aggregate": ("SELECT region, count(*) AS n, sum(v) AS total, avg(price) AS mean FROM {sales} GROUP BY region", False),
    "join": ("SELECT r.manager, sum(s.v) AS total FROM {sales} s JOIN {regions} r USING (region) GROUP BY r.manager", False),
    "window": ("SELECT k, v, sum(v) OVER (PARTITION BY region ORDER BY k) AS running, "
               "rank() OVER (ORDER BY v DESC NULLS LAST) AS r FROM {sales}", False),
    "distinct": ("SELECT DISTINCT region, name FROM {sales}", False),
    "union": ("SELECT region FROM {sales} WHERE v > 90 UNION SELECT region FROM {regions}", False),
    "union_all": ("SELECT k FROM {sales} WHERE v > 95 UNION ALL SELECT k FROM {sales} WHERE v < 3", False),
    "except": ("SELECT region FROM {regions} EXCEPT SELECT region FROM {sales}", False),
    "intersect": ("SELECT name FROM {sales} WHERE k < 50 INTERSECT SELECT name FROM {sales} WHERE k > 150", False),
    "correlated": ("SELECT k, v FROM {sales} s WHERE v > (SELECT avg(v) FROM {sales} s2 WHERE s2.region = s.region)", False),
    "exists": ("SELECT region FROM {regions} r WHERE NOT EXISTS (SELECT 1 FROM {sales} s WHERE s.region = r.region)", False),
    "cte": ("WITH totals AS (SELECT region, sum(v) AS total FROM {sales} GROUP BY region) "
            "SELECT t.region, t.total, r.manager FROM totals t LEFT JOIN {regions} r USING (region) WHERE t.total > 100", False),
    "order_limit": ("SELECT k, v FROM {sales} ORDER BY v DESC NULLS LAST, k LIMIT 7", True),
    "scalar_subquery": ("SELECT k, v - (SELECT max(v) FROM {sales}) AS gap FROM {sales} WHERE k % 10 = 0", False),
    "timestamptz_default_zone": ("SELECT ts::DATE AS day, count(*) AS n FROM {sales} GROUP BY day ORDER BY day", True),
}


@pytest.mark.parametrize("case", list(PUSHED))
def test_query_is_pushed_whole_with_local_answer(local, server, case):
    template, ordered = PUSHED[case]
    assert assert_same_answer(local, template, ordered)
    pushed = assert_pushed(local, server, template)
    assert len(pushed) == 1, f"expected the whole query in one remote SQL, got {pushed}"


# Constructs whose SQL text the client must render back faithfully for the server.
CONSTRUCTS = {
    "double_negation": ("SELECT k, - -v AS a, -(-v) AS b, v - -1 AS c FROM {sales} WHERE k < 10", False),
    "precedence": ("SELECT k, (v + 1) * 2 AS a, v + 1 * 2 AS b, NOT (v > 5 AND k < 3) AS c, "
                   "(v > 5) = (k < 3) AS d FROM {sales} WHERE k < 12", False),
    "case_nested": ("SELECT k, CASE WHEN v IS NULL THEN 'none' WHEN v > 50 THEN CASE WHEN k % 2 = 0 THEN 'big even' "
                    "ELSE 'big odd' END ELSE 'small' END AS c FROM {sales}", False),
    "like_escape": ("SELECT k FROM {sales} WHERE name LIKE 'a\\_%' ESCAPE '\\' OR name ILIKE 'BAN%' OR name NOT LIKE '%e'", False),
    "string_escapes": ("SELECT k, name || E'\\ttab' AS a, 'back\\slash' AS b, 'it''s' AS c, $$dollar 'quoted'$$ AS d, "
                       "'☃ 日本' AS e FROM {sales} WHERE k < 3", False),
    "collate": ("SELECT k, name FROM {sales} WHERE name COLLATE nocase = 'APPLE' ORDER BY name COLLATE nocase, k", True),
    "filter_clause": ("SELECT region, count(*) FILTER (WHERE v > 50) AS big, sum(v) FILTER (v < 10) AS small "
                      "FROM {sales} GROUP BY ALL", False),
    "group_by_all_order_by_all": ("SELECT region, name, count(*) AS n FROM {sales} GROUP BY ALL ORDER BY ALL", True),
    "qualify": ("SELECT k, region, v FROM {sales} QUALIFY row_number() OVER (PARTITION BY region ORDER BY v DESC NULLS LAST, k) <= 2", False),
    "distinct_on": ("SELECT DISTINCT ON (region) region, k, v FROM {sales} ORDER BY region, v DESC NULLS LAST, k", True),
    "star_exclude_replace": ("SELECT * EXCLUDE (ts, price) REPLACE (v * 2 AS v) FROM {sales} WHERE k < 5", False),
    "columns_expression": ("SELECT max(COLUMNS('^(k|v)$')) FROM {sales}", False),
    "named_window_frame": ("SELECT k, sum(v) OVER w AS s, avg(v) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS a "
                           "FROM {sales} WINDOW w AS (PARTITION BY region ORDER BY k)", False),
    "lateral_unnest": ("SELECT k, x FROM {sales}, unnest([k, k + 1]) AS u(x) WHERE k < 4", False),
    "list_lambda": ("SELECT k, list_transform([v, k], lambda x: x * 2) AS l, [x + 1 FOR x IN [k, v] IF x IS NOT NULL] AS c "
                    "FROM {sales} WHERE k < 6", False),
    "struct_and_map": ("SELECT k, {'a': k, 'b': name} AS st, MAP {'k': v} AS m, struct_pack(x := k).x AS x FROM {sales} WHERE k < 4", False),
    "recursive_cte": ("WITH RECURSIVE r(n) AS (SELECT min(k) FROM {sales} UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
                      "SELECT n FROM r", False),
    "values_join": ("SELECT s.k, v.label FROM {sales} s JOIN (VALUES (1, 'one'), (2, 'two')) v(k, label) USING (k)", False),
    "in_subquery_and_any": ("SELECT k FROM {sales} WHERE v = ANY (SELECT v FROM {sales} WHERE k < 5) AND k IN (SELECT k FROM {sales} WHERE v > 10)", False),
    "semi_anti_join": ("SELECT r.region FROM {regions} r SEMI JOIN {sales} s USING (region) "
                       "UNION ALL SELECT r.region FROM {regions} r ANTI JOIN {sales} s USING (region)", False),
    "cast_forms": ("SELECT k::VARCHAR AS a, CAST(v AS DOUBLE) AS b, TRY_CAST(name AS INTEGER) AS c, v::DECIMAL(10,3) AS d, "
                   "ts::DATE AS e FROM {sales} WHERE k < 5", False),
    "limit_offset_percent": ("SELECT k FROM {sales} ORDER BY k LIMIT 5 OFFSET 3", True),
    "having_without_group": ("SELECT count(*) AS n FROM {sales} HAVING count(*) > 10", False),
    "order_by_expression": ("SELECT k, v FROM {sales} ORDER BY v % 7 DESC NULLS FIRST, -k LIMIT 10", True),
}


@pytest.mark.parametrize("case", list(CONSTRUCTS))
def test_sql_constructs_pushed_with_local_answer(local, server, case):
    template, ordered = CONSTRUCTS[case]
    assert assert_same_answer(local, template, ordered)
    assert_pushed(local, server, template)


def test_mixed_query_pushes_its_remote_subquery(local, server):
    local.execute("CREATE TABLE labels AS SELECT range AS k, 'label ' || range AS label FROM range(0, 200, 3)")
    template = ("SELECT l.label, r.total FROM labels l JOIN (SELECT k, sum(v) AS total FROM {sales} GROUP BY k) r "
                "ON l.k = r.k ORDER BY l.label")
    assert len(assert_same_answer(local, template, ordered=True)) == 67
    pushed = assert_pushed(local, server, template)
    assert any("GROUP BY" in text.upper() for text in pushed), pushed
    assert not any("labels" in text for text in pushed), f"local table sent to the server: {pushed}"


def test_count_over_big_table_sends_one_row(local, server):
    rows = pds.assert_server_sends_only_the_result(server, local, "SELECT count(*) FROM cloud.big WHERE x > 5",
                                                   other_table_probe="SELECT region FROM cloud.regions LIMIT 1")
    assert rows == [(BIG_ROWS - 6,)]


QUOTED = {
    "keyword_table": ('SELECT "my col", "CamelCase", "we""ird" FROM {select} WHERE "my col" >= 1 ORDER BY "my col"', True),
    "aggregate_quoted": ('SELECT "CamelCase", sum("we""ird") AS s FROM {select} GROUP BY "CamelCase"', False),
    "mixed_case": ('SELECT "Value", count(*) AS n, sum("UPPER") AS u FROM {camel} GROUP BY "Value"', False),
    "quote_in_names": ('SELECT "a""b", "c d" FROM {quote} WHERE "c d" LIKE \'%"y"%\' OR "a""b" IS NULL', False),
    "join_quoted": ('SELECT s."my col", c."Value" FROM {select} s JOIN {camel} c ON s."my col" = c.id', False),
    "alias_quoted": ('SELECT "my col" AS "Out ""Col""" FROM {select} WHERE "CamelCase" = \'it\'\'s\'', False),
}


@pytest.mark.parametrize("case", list(QUOTED))
def test_identifiers_needing_quotes(local, server, case):
    template, ordered = QUOTED[case]
    assert assert_same_answer(local, template, ordered)
    assert_pushed(local, server, template)


@pytest.mark.parametrize("case", type_cases.TYPE_NAMES)
def test_literals_of_every_type_in_pushed_queries(con, server, case):
    """Literals in the select list and the WHERE clause survive the trip to the server as SQL text."""
    type_sql, values = type_cases.TYPE_CASES[case]
    for sql in type_cases.create_statements(case, f"local_lit_{case}"):
        con.execute(sql)
    literals = [f"CAST({value} AS {type_sql})" for value in values]
    where = " OR ".join(f"v IS NOT DISTINCT FROM {literal}" for literal in literals)
    columns = ["id", "v"] + [f"lit{i}" for i in range(len(literals))]
    select = ", ".join(["id", "v"] + [f"{literal} AS lit{i}" for i, literal in enumerate(literals)])
    template = f"SELECT {select} FROM {{t}} WHERE {where}"
    expected = helpers.text_rows(con, template.replace("{t}", f"local_lit_{case}"), columns)
    remote_sql = template.replace("{t}", f"cloud.lit_{case}")
    assert len(expected) == len(values)
    assert helpers.text_rows(con, remote_sql, columns) == expected
    plan = pds.explain_text(con, remote_sql)
    assert pds.REMOTE_SQL_KEY in plan, f"not pushed: {remote_sql}\n{plan}"
    assert server.token not in plan
