"""Writes through the remote catalog: DDL and DML on `cloud.*` behave exactly as the same statements
on a local DuckDB table.

Every test runs its statements twice in the same client: once against `cloud.<name>` (the server)
and once against a local in-memory table `<name>` (plain DuckDB, the reference). Results of every
statement, errors, and the final table contents must be the same.
"""

from __future__ import annotations

import csv
import re
from typing import Dict, List, Optional, Sequence

import duckdb
import pytest

import helpers
import pushdown_support as pds
import type_cases
from statement_outcome import first_line, outcome
from helpers import EXTENSION_FILE, attach_url, sql_string

# ----------------------------------------------------------------------------- reference machinery


def remote_names(names: Dict[str, str]) -> Dict[str, str]:
    return {key: f"cloud.{name}" for key, name in names.items()}


def fill(template: str, names: Dict[str, str]) -> str:
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    return template


def table_text(con: duckdb.DuckDBPyConnection, table: str) -> List[tuple]:
    """The whole table, every value as (type, text), sorted: exact for NaN, -0.0, decimals."""
    columns = [row[0] for row in con.sql(f"DESCRIBE {table}").fetchall()]
    if not columns:
        return []
    order = ", ".join(str(i + 1) for i in range(2 * len(columns)))
    return helpers.text_rows(con, f"SELECT * FROM {table}", columns, order_by=order)


def assert_same(con, template: str, names: Dict[str, str], params: Optional[Sequence] = None, sort: bool = False):
    """Run the statement on the local tables, then on the remote ones; the outcomes must be equal."""
    expected = outcome(con, fill(template, names), params)
    actual = outcome(con, fill(template, remote_names(names)), params)
    if sort and expected[0] == "ok" and actual[0] == "ok" and expected[1] is not None and actual[1] is not None:
        expected = ("ok", sorted(expected[1], key=repr))
        actual = ("ok", sorted(actual[1], key=repr))
    assert actual == expected, f"{fill(template, remote_names(names))}\nlocal DuckDB: {expected}\nremote:       {actual}"
    return actual


def assert_same_contents(con, names: Dict[str, str], *keys: str):
    for key in keys or names:
        local = table_text(con, names[key])
        remote = table_text(con, f"cloud.{names[key]}")
        assert remote == local, f"contents of cloud.{names[key]} differ from local DuckDB\nlocal:  {local}\nremote: {remote}"


def assert_same_describe(con, names: Dict[str, str], *keys: str, full: bool = False):
    for key in keys or names:
        width = 6 if full else 3
        local = [row[:width] for row in con.sql(f"DESCRIBE {names[key]}").fetchall()]
        remote = [row[:width] for row in con.sql(f"DESCRIBE cloud.{names[key]}").fetchall()]
        assert remote == local, f"DESCRIBE cloud.{names[key]}\nlocal:  {local}\nremote: {remote}"


def run_both(con, names: Dict[str, str], *templates: str):
    """Statements that must succeed on both sides (setup); the results must agree too."""
    for template in templates:
        result = assert_same(con, template, names)
        assert result[0] == "ok", result


def assert_no_client_crash(server, *statements: str) -> None:
    """Run statements first in a separate official-CLI process: a client crash (segfault) there fails
    the calling test with the statement, instead of killing the whole pytest run."""
    prefix = f"LOAD '{EXTENSION_FILE}'; ATTACH '{attach_url(server)}' AS cloud; "
    result = helpers.run_cli(prefix + " ".join(sql.rstrip(";") + ";" for sql in statements))
    assert result.returncode >= 0 and result.returncode < 128, (
        f"the DuckDB client crashed (exit code {result.returncode}) on:\n"
        + "\n".join(statements) + f"\n{result.stderr[-2000:]}"
    )


def server_sql(con, sql: str) -> List[tuple]:
    """Ask the server directly (escape hatch), bypassing the client catalog."""
    return helpers.remote_query(con, sql).fetchall()


BASE_TABLE = (
    "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, v DOUBLE DEFAULT 1.5, tag VARCHAR)",
    "INSERT INTO {t} VALUES (1, 'a', 1.0, 'x'), (2, 'b', NULL, NULL), (3, 'bee', 2.5, 'y'), "
    "(4, 'c', -0.0, 'z'), (5, 'é ☃ \"q\" it''s', 1e300, 'w'), (6, 'nan', 'nan', 'n'), (7, 'inf', '-inf', NULL)",
)

SECOND_TABLE = (
    "CREATE TABLE {u} (id INTEGER, label VARCHAR)",
    "INSERT INTO {u} VALUES (1, 'one'), (3, 'three'), (5, 'five'), (99, 'none')",
)


@pytest.fixture
def names(unique_name) -> Dict[str, str]:
    return {"t": unique_name("w"), "u": unique_name("wu")}


@pytest.fixture
def base(con, names):
    run_both(con, names, *BASE_TABLE, *SECOND_TABLE)
    assert_same_contents(con, names)
    return names


# ----------------------------------------------------------------------------- DML matrix

DML_CASES = {
    "insert_values": ["INSERT INTO {t} VALUES (10, 'ten', 10.5, 'x'), (11, 'it''s ☃', NULL, NULL)"],
    "insert_column_list_default": ["INSERT INTO {t} (name, id) VALUES ('d', 12)"],
    "insert_default_keyword": ["INSERT INTO {t} (id, name, v) VALUES (13, 'dv', DEFAULT)"],
    "insert_by_name": ["INSERT INTO {t} BY NAME SELECT 'bn' AS name, 14 AS id"],
    "insert_or_replace": ["INSERT OR REPLACE INTO {t} VALUES (1, 'replaced', 9.0, 'r'), (20, 'new', 2.0, NULL)"],
    "insert_or_ignore": ["INSERT OR IGNORE INTO {t} VALUES (1, 'ignored', 9.0, 'r'), (15, 'new', 1, 'n')"],
    "on_conflict_do_nothing": ["INSERT INTO {t} VALUES (2, 'dup', 0, NULL), (16, 'fresh', 0, NULL) ON CONFLICT DO NOTHING"],
    "on_conflict_do_update": [
        "INSERT INTO {t} VALUES (2, 'upd', 0, 'u'), (17, 'ins', 0, 'u') "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name || '!', v = coalesce(v, 0) + 100"
    ],
    "on_conflict_do_update_where": [
        "INSERT INTO {t} VALUES (1, 'one', 5, NULL), (3, 'three', -5, NULL) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE excluded.v > 0"
    ],
    "insert_returning": ["INSERT INTO {t} VALUES (18, 'r', 1, NULL), (19, 's', 2, 't') RETURNING id, name, v * 2, tag IS NULL"],
    "insert_select_same_db": ["INSERT INTO {t} SELECT id + 100, name || '_copy', v, tag FROM {t} WHERE id < 4"],
    "insert_select_join_same_db": [
        "INSERT INTO {t} (id, name, tag) SELECT a.id + 200, a.name, b.label FROM {t} a JOIN {u} b ON a.id = b.id"
    ],
    "update_where": ["UPDATE {t} SET v = v * 2, tag = upper(name) WHERE id % 2 = 0"],
    "update_returning": ["UPDATE {t} SET name = name || '?' WHERE v IS NULL OR isnan(v) RETURNING *"],
    "update_all_rows": ["UPDATE {t} SET v = coalesce(v, -1)"],
    "update_subquery_same_db": ["UPDATE {t} SET v = (SELECT max(id) FROM {u}) WHERE id IN (SELECT id FROM {u})"],
    "update_from_same_db": ["UPDATE {t} AS tt SET tag = uu.label FROM {u} AS uu WHERE uu.id = tt.id"],
    "update_primary_key": ["UPDATE {t} SET id = id + 1000 WHERE id > 5"],
    "delete_where": ["DELETE FROM {t} WHERE name LIKE 'b%'"],
    "delete_returning": ["DELETE FROM {t} WHERE id > 3 RETURNING id, name"],
    "delete_subquery_same_db": ["DELETE FROM {t} WHERE id NOT IN (SELECT id FROM {u})"],
    "delete_using_same_db": ["DELETE FROM {t} USING {u} WHERE {u}.label = 'three' AND {u}.id = {t}.id"],
    "delete_nothing": ["DELETE FROM {t} WHERE id < 0"],
    "delete_all": ["DELETE FROM {t}"],
    "truncate": ["TRUNCATE {t}"],
    "sequence_of_statements": [
        "INSERT INTO {t} VALUES (30, 'thirty', 30, NULL)",
        "UPDATE {t} SET tag = 'seq' WHERE id >= 5",
        "DELETE FROM {t} WHERE id = 1",
        "INSERT INTO {t} SELECT id + 40, label, id, NULL FROM {u}",
        "UPDATE {t} SET v = -v WHERE id > 40",
    ],
}


@pytest.mark.parametrize("case", list(DML_CASES))
def test_dml_matches_local_duckdb(con, base, case):
    names = base
    for template in DML_CASES[case]:
        result = assert_same(con, template, names, sort=True)
        assert result[0] == "ok", result
    assert_same_contents(con, names)


def test_delete_using_with_qualified_table_reference(con, base):
    """`{t}.id` in the WHERE of DELETE ... USING names the target by its full path (cloud.x.id)."""
    result = assert_same(con, "DELETE FROM {t} USING {u} WHERE {u}.id = {t}.id", base)
    assert result[0] == "ok"
    assert_same_contents(con, base)


CLIENT_SOURCE = (
    "SELECT * FROM (VALUES (1, 'one again', 11.0::DOUBLE, 'c1'), (3, 'three again', NULL, NULL), (60, 'sixty', 'nan'::DOUBLE, 's'), "
    "(61, 'it''s ☃', '-inf'::DOUBLE, ''), (62, 'x', -0.0::DOUBLE, 'z')) v(id, name, v, tag)"
)

CLIENT_ROWS_DML = {
    "insert_returning": "INSERT INTO {t} SELECT * FROM {src} WHERE id >= 60 RETURNING id, name, v",
    "insert_or_replace": "INSERT OR REPLACE INTO {t} SELECT * FROM {src}",
    "insert_or_ignore": "INSERT OR IGNORE INTO {t} SELECT * FROM {src}",
    "on_conflict_do_nothing_returning": "INSERT INTO {t} SELECT * FROM {src} ON CONFLICT DO NOTHING RETURNING id",
    "on_conflict_do_update": "INSERT INTO {t} SELECT * FROM {src} ON CONFLICT (id) DO UPDATE SET name = excluded.name, v = excluded.v * 2",
    "by_name_subset": "INSERT INTO {t} BY NAME SELECT id + 100 AS id, name FROM {src}",
    "column_list_with_casts": "INSERT INTO {t} (tag, id, name, v) SELECT id, (id + 200)::BIGINT, coalesce(v::VARCHAR, 'null'), 7::DECIMAL(4,1) FROM {src}",
    "distinct_and_order": "INSERT INTO {t} SELECT DISTINCT id + 300, name, v, tag FROM {src} ORDER BY 1 DESC",
    "join_local_with_remote": "INSERT INTO {t} SELECT s.id + 400, r.name || s.name, s.v, r.tag FROM {src} s JOIN {t} r ON r.id = s.id",
}


@pytest.mark.parametrize("case", list(CLIENT_ROWS_DML))
def test_dml_with_client_rows_matches_local_duckdb(con, base, case):
    src = base["t"] + "_client_src"
    con.execute(f"CREATE TABLE {src} AS {CLIENT_SOURCE}")
    result = assert_same(con, CLIENT_ROWS_DML[case].replace("{src}", src), base, sort=True)
    assert result[0] == "ok", result
    assert_same_contents(con, base)


def test_insert_into_a_view_fails_like_local(con, base, server):
    names = dict(base, v=base["t"] + "_iv")
    con.execute(f"CREATE VIEW cloud.{names['v']} AS SELECT id, name FROM {base['t']}")
    con.execute(f"CREATE VIEW {names['v']} AS SELECT id, name FROM {base['t']}")
    for template in ["INSERT INTO {v} VALUES (70, 'x')", "UPDATE {v} SET name = 'y'", "DELETE FROM {v}"]:
        result = assert_same(con, template, names)
        assert result[0] == "error", template
    assert_same_contents(con, base, "t")


def test_remote_only_statements_run_on_the_server(con, base):
    remote = remote_names(base)
    for template in [
        "UPDATE {t} SET v = 0 WHERE id = 1",
        "DELETE FROM {t} WHERE id = 1",
        "INSERT INTO {t} SELECT id + 500, name, v, tag FROM {t}",
        "INSERT INTO {t} VALUES (600, 'x', 1, NULL)",
    ]:
        plan = pds.explain_text(con, fill(template, remote))
        assert "OPENDUCK_REMOTE_STATEMENT" in plan, plan
        assert "Remote SQL" in plan, plan
    assert_same_contents(con, base)  # EXPLAIN changed nothing


def test_insert_of_client_rows_streams_to_the_server(con, base, server):
    con.execute(f"CREATE TABLE {base['t']}_src AS SELECT range::INTEGER + 1000 AS id, 'n' || range AS name FROM range(50)")
    sql = f"INSERT INTO cloud.{base['t']} (id, name) SELECT id, name FROM {base['t']}_src"
    plan = pds.explain_text(con, sql)
    assert "OPENDUCK_REMOTE_UPLOAD" in plan, plan
    assert "Remote SQL" in plan and "openduck_upload()" in plan, plan
    assert server.token not in plan
    before = len(server.query_log_lines())
    assert con.execute(sql).fetchall() == [(50,)]
    lines = server.wait_for_query_log(before)
    assert any("upload_rows=50" in line for line in lines), lines
    con.execute(f"INSERT INTO {base['t']} (id, name) SELECT id, name FROM {base['t']}_src")
    assert_same_contents(con, base)


# ----------------------------------------------------------------------------- INSERT ... SELECT sources


def test_insert_select_from_local_table(con, base):
    con.execute(f"CREATE TABLE {base['t']}_src AS SELECT range::INTEGER + 100 AS id, 'r' || range AS name, range / 3 AS v FROM range(20000)")
    base = dict(base, src=f"{base['t']}_src")
    result = con.execute(f"INSERT INTO cloud.{base['t']} (id, name, v) SELECT id, name, v FROM {base['src']}").fetchall()
    expected = con.execute(f"INSERT INTO {base['t']} (id, name, v) SELECT id, name, v FROM {base['src']}").fetchall()
    assert result == expected == [(20000,)]
    assert_same_contents(con, base, "t")


def test_insert_select_from_parquet_and_csv_files(con, base, tmp_path):
    parquet = tmp_path / "rows.parquet"
    csv_file = tmp_path / "rows.csv"
    con.execute(
        f"COPY (SELECT range::INTEGER + 100 AS id, 'p' || range AS name, range * 0.5 AS v, NULL::VARCHAR AS tag FROM range(3000)) "
        f"TO {sql_string(str(parquet))} (FORMAT parquet)"
    )
    with open(csv_file, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "v", "tag"])
        for i in range(5000, 5100):
            writer.writerow([i, f"c,{i} \"quoted\" ☃", i / 4, "" if i % 2 else "t"])
    for source in [f"read_parquet({sql_string(str(parquet))})", f"read_csv({sql_string(str(csv_file))})"]:
        result = assert_same(con, f"INSERT INTO {{t}} SELECT * FROM {source}", base)
        assert result[0] == "ok"
    assert_same_contents(con, base, "t")


def test_insert_select_from_another_remote_database(con, base, server, client_factory, unique_name):
    other_name = unique_name("other_src")
    con.execute(helpers.attach_sql(server, "other", "otherdb"))
    con.execute(f"CREATE TABLE other.{other_name} AS SELECT range::INTEGER + 700 AS id, 'o' || range AS name FROM range(250)")
    con.execute(f"CREATE TABLE {other_name} AS SELECT range::INTEGER + 700 AS id, 'o' || range AS name FROM range(250)")
    actual = con.execute(f"INSERT INTO cloud.{base['t']} (id, name) SELECT id, name FROM other.{other_name}").fetchall()
    expected = con.execute(f"INSERT INTO {base['t']} (id, name) SELECT id, name FROM {other_name}").fetchall()
    assert actual == expected == [(250,)]
    assert_same_contents(con, base, "t")
    # The source database is untouched.
    assert con.sql(f"SELECT count(*) FROM other.{other_name}").fetchall() == [(250,)]


def test_insert_select_joining_local_and_remote(con, base):
    con.execute(f"CREATE TABLE {base['t']}_ids AS SELECT * FROM (VALUES (1), (3), (5)) v(id)")
    actual = con.execute(
        f"INSERT INTO cloud.{base['t']} (id, name) SELECT r.id + 900, r.name FROM cloud.{base['t']} r JOIN {base['t']}_ids l ON l.id = r.id"
    ).fetchall()
    expected = con.execute(
        f"INSERT INTO {base['t']} (id, name) SELECT r.id + 900, r.name FROM {base['t']} r JOIN {base['t']}_ids l ON l.id = r.id"
    ).fetchall()
    assert actual == expected == [(3,)]
    assert_same_contents(con, base, "t")


def test_create_table_as_from_local_and_empty_then_insert(con, names):
    src = names["t"] + "_csvsrc"
    con.execute(
        f"CREATE TABLE {src} AS SELECT range::BIGINT AS id, 'x' || range AS s, range / 7 AS d, DATE '2024-01-01' + range::INTEGER AS day FROM range(1000)"
    )
    run_both(con, names, "CREATE TABLE {t} AS SELECT * FROM " + src + " LIMIT 0")
    assert_same_describe(con, names, "t")
    assert con.sql(f"SELECT count(*) FROM cloud.{names['t']}").fetchall() == [(0,)]
    run_both(con, names, "INSERT INTO {t} SELECT * FROM " + src)
    assert_same_contents(con, names, "t")


# ----------------------------------------------------------------------------- prepared statements


def test_insert_with_parameters(con, base):
    for params in ([20, "p", 2.5, None], [21, "it's ☃", float("nan"), "t"], [22, "", float("-inf"), ""]):
        result = assert_same(con, "INSERT INTO {t} VALUES (?, ?, ?, ?)", base, params)
        assert result == ("ok", [(1,)])
    result = assert_same(con, "INSERT INTO {t} (id, name) VALUES ($1, $2) RETURNING *", base, [23, "ret"])
    assert result[0] == "ok"
    assert_same_contents(con, base)


def test_insert_select_with_parameters(con, base):
    result = assert_same(con, "INSERT INTO {t} (id, name) SELECT id + ?, name FROM {t} WHERE id < ?", base, [300, 4])
    assert result == ("ok", [(3,)])
    assert_same_contents(con, base)


def test_update_with_parameters(con, base):
    result = assert_same(con, "UPDATE {t} SET v = ?, tag = ? WHERE id = ?", base, [11.5, "param", 1])
    assert result == ("ok", [(1,)])
    assert_same_contents(con, base)


def test_delete_with_parameters(con, base):
    result = assert_same(con, "DELETE FROM {t} WHERE id > $1 AND name <> $2", base, [2, "c"])
    assert result[0] == "ok"
    assert_same_contents(con, base)


def test_prepared_insert_many_times(con, base):
    rows = [[100 + i, f"many {i}", i * 1.25, None if i % 3 else "t"] for i in range(25)]
    con.executemany(f"INSERT INTO cloud.{base['t']} VALUES (?, ?, ?, ?)", rows)
    con.executemany(f"INSERT INTO {base['t']} VALUES (?, ?, ?, ?)", rows)
    assert_same_contents(con, base)


def test_python_parameter_types_round_trip(con, unique_name):
    import datetime
    import decimal
    import uuid

    table = unique_name("ptypes")
    ddl = ("CREATE TABLE {} (i INTEGER, b BIGINT, h HUGEINT, d DECIMAL(38,10), f DOUBLE, s VARCHAR, bl BLOB, dt DATE, "
           "ts TIMESTAMP, tz TIMESTAMPTZ, iv INTERVAL, u UUID, ok BOOLEAN, l INTEGER[], st STRUCT(a INTEGER, b VARCHAR))")
    con.execute(ddl.format(f"cloud.{table}"))
    con.execute(ddl.format(table))
    rows = [
        [-2147483648, 9223372036854775807, -170141183460469231731687303715884105728,
         decimal.Decimal("-9999999999999999999999999999.9999999999"), float("nan"), "it's \"q\" ☃ 🦆", b"\x00\xff\x01",
         datetime.date(1, 1, 1), datetime.datetime(2024, 2, 29, 12, 34, 56, 123456),
         datetime.datetime(1999, 12, 31, 23, 0, tzinfo=datetime.timezone.utc), datetime.timedelta(days=400, microseconds=7),
         uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), True, [1, None, 3], {"a": 1, "b": "x"}],
        [0, -1, 18446744073709551616, decimal.Decimal("0.0000000001"), float("-inf"), "", b"", datetime.date(9999, 12, 31),
         datetime.datetime(1970, 1, 1), datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc), datetime.timedelta(0),
         uuid.UUID(int=0), False, [], {"a": None, "b": None}],
        [None] * 15,
    ]
    placeholders = ", ".join("?" * 15)
    con.execute("SET TimeZone = 'UTC'")
    con.executemany(f"INSERT INTO cloud.{table} VALUES ({placeholders})", rows)
    con.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)
    assert table_text(con, f"cloud.{table}") == table_text(con, table)


def test_million_client_rows_arrive_exactly(con, unique_name):
    table = unique_name("million")
    source = (
        "SELECT range AS id, 'row ' || range || CASE WHEN range % 7 = 0 THEN ' ☃' ELSE '' END AS s, "
        "CASE WHEN range % 11 = 0 THEN NULL ELSE range / 3 END AS d, (range * 1.25)::DECIMAL(18,3) AS m, "
        "TIMESTAMP '2000-01-01' + INTERVAL (range) SECOND AS ts FROM range(1000000)"
    )
    con.execute(f"CREATE TABLE {table} AS {source}")
    con.execute(f"CREATE TABLE cloud.{table} AS SELECT * FROM {table} LIMIT 0")
    assert con.execute(f"INSERT INTO cloud.{table} SELECT * FROM {table}").fetchall() == [(1000000,)]
    check = "SELECT count(*), sum(hash(id, s, d, m, ts)), count(d), min(s), max(ts) FROM {}"
    assert server_sql(con, check.format(f"main.{table}")) == con.sql(check.format(table)).fetchall()


# Statements that touch only the remote db, but whose meaning depends on the client session.
SESSION_CASES = {
    "timezone_insert_literal": (
        ["SET TimeZone = 'America/New_York'"],
        "INSERT INTO {z} VALUES (1, '2024-01-01 00:00:00', NULL)",
    ),
    "timezone_update_cast": (
        ["SET TimeZone = 'Asia/Kolkata'"],
        "UPDATE {z} SET d = ts::DATE, ts = ts + INTERVAL 1 DAY",
    ),
    "timezone_insert_select_date_part": (
        ["SET TimeZone = 'Pacific/Auckland'"],
        "INSERT INTO {z} SELECT id + 10, ts, date_trunc('day', ts)::DATE FROM {z}",
    ),
    "macro_in_insert_select": (
        ["CREATE OR REPLACE MACRO plus_tax(x) AS x + INTERVAL 1 HOUR"],
        "INSERT INTO {z} SELECT id + 20, plus_tax(ts), d FROM {z}",
    ),
    "macro_in_update": (
        ["CREATE OR REPLACE MACRO shift(x) AS x - INTERVAL 2 HOUR"],
        "UPDATE {z} SET ts = shift(ts) WHERE id > 0",
    ),
    "temp_table_in_insert_select": (
        ["CREATE OR REPLACE TEMP TABLE tmp_ids AS SELECT 7 AS id"],
        "INSERT INTO {z} SELECT id, TIMESTAMPTZ '2020-01-01 00:00:00+00', NULL FROM tmp_ids",
    ),
}


@pytest.mark.parametrize("case", list(SESSION_CASES))
def test_session_dependent_writes_match_local(con, unique_name, case):
    names = {"z": unique_name("sess")}
    run_both(
        con,
        names,
        "CREATE TABLE {z} (id INTEGER, ts TIMESTAMPTZ, d DATE)",
        "INSERT INTO {z} VALUES (1, TIMESTAMPTZ '2024-03-10 03:30:00+00', NULL), (2, TIMESTAMPTZ '2024-12-31 23:59:59+00', NULL)",
    )
    setup, template = SESSION_CASES[case]
    for sql in setup:
        con.execute(sql)
    try:
        result = assert_same(con, template, names)
        assert result[0] == "ok", result
        con.execute("SET TimeZone = 'UTC'")
        assert_same_contents(con, names)
    finally:
        con.execute("RESET TimeZone")


def test_python_udf_in_update_matches_local(con, base):
    from duckdb.sqltypes import VARCHAR

    con.create_function("shout", lambda s: None if s is None else s.upper() + "!", [VARCHAR], VARCHAR, null_handling="special")
    try:
        result = assert_same(con, "UPDATE {t} SET tag = shout(name) WHERE id < 4", base)
        assert result[0] == "ok", result
        assert_same_contents(con, base)
    finally:
        con.remove_function("shout")


# ----------------------------------------------------------------------------- UPDATE/DELETE reading client data

CLIENT_DATA_DML = {
    "update_where_in_local": "UPDATE {t} SET v = 42 WHERE id IN (SELECT id FROM {l})",
    "update_from_local": "UPDATE {t} AS tt SET tag = ll.label FROM {l} AS ll WHERE ll.id = tt.id",
    "delete_where_in_local": "DELETE FROM {t} WHERE id IN (SELECT id FROM {l})",
    "delete_using_local": "DELETE FROM {t} AS tt USING {l} AS ll WHERE ll.id = tt.id",
    "update_scalar_subquery_local": "UPDATE {t} SET v = (SELECT max(id) FROM {l}) WHERE id = 2",
}


@pytest.mark.parametrize("case", list(CLIENT_DATA_DML))
def test_update_delete_reading_local_tables(con, base, case):
    local = base["t"] + "_client"
    con.execute(f"CREATE TABLE {local} AS SELECT * FROM (VALUES (1, 'L1'), (4, 'L4'), (7, 'L7')) v(id, label)")
    template = CLIENT_DATA_DML[case].replace("{l}", local)
    result = assert_same(con, template, base)
    assert result[0] == "ok"
    assert_same_contents(con, base)


def test_update_delete_reading_local_tables_fail_cleanly_today(con, base):
    """Whatever the state of that work, a refused statement changes nothing on the server."""
    local = base["t"] + "_client2"
    con.execute(f"CREATE TABLE {local} AS SELECT 1 AS id, 'L' AS label")
    remote = remote_names(base)
    for template in CLIENT_DATA_DML.values():
        sql = fill(template.replace("{l}", local), remote)
        try:
            con.execute(sql)
        except duckdb.NotImplementedException:
            pass
        local_sql = fill(template.replace("{l}", local), base)
        con.execute(local_sql)
        assert_same_contents(con, base)


# ----------------------------------------------------------------------------- errors

ERROR_CASES = {
    "duplicate_primary_key": "INSERT INTO {t} VALUES (1, 'dup', 0, NULL)",
    "duplicate_within_statement": "INSERT INTO {t} VALUES (50, 'a', 0, NULL), (51, 'b', 0, NULL), (50, 'c', 0, NULL)",
    "duplicate_in_later_row": "INSERT INTO {t} VALUES (52, 'a', 0, NULL), (3, 'b', 0, NULL)",
    "not_null": "INSERT INTO {t} VALUES (53, NULL, 0, NULL)",
    "not_null_by_omission": "INSERT INTO {t} (id) VALUES (54)",
    "type_mismatch_literal": "INSERT INTO {t} VALUES ('abc', 'x', 0, NULL)",
    "type_mismatch_double": "INSERT INTO {t} VALUES (55, 'x', 'not a number', NULL)",
    "too_many_values": "INSERT INTO {t} VALUES (56, 'x', 0, NULL, 'extra')",
    "unknown_column": "INSERT INTO {t} (id, nope) VALUES (57, 1)",
    "update_to_duplicate_key": "UPDATE {t} SET id = 1 WHERE id = 2",
    "update_to_null": "UPDATE {t} SET name = NULL WHERE id > 2",
    "update_type_mismatch": "UPDATE {t} SET id = 'abc' WHERE id = 2",
    "delete_unknown_column": "DELETE FROM {t} WHERE nope = 1",
    "conflict_target_without_constraint": "INSERT INTO {t} VALUES (1, 'x', 0, NULL) ON CONFLICT (name) DO NOTHING",
    "insert_select_duplicate_same_db": "INSERT INTO {t} SELECT * FROM {t}",
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_matches_local_and_changes_nothing(con, base, case):
    result = assert_same(con, ERROR_CASES[case], base)
    assert result[0] == "error"
    assert_same_contents(con, base)


def test_check_and_unique_constraints(con, names):
    run_both(
        con,
        names,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, email VARCHAR UNIQUE, age INTEGER CHECK (age >= 0), "
        "qty INTEGER NOT NULL DEFAULT 1, CHECK (qty < 100))",
        "INSERT INTO {t} (id, email, age) VALUES (1, 'a@x', 10), (2, 'b@x', NULL)",
    )
    for template in [
        "INSERT INTO {t} (id, email, age) VALUES (3, 'c@x', -1)",
        "INSERT INTO {t} (id, email, age, qty) VALUES (3, 'c@x', 1, 100)",
        "INSERT INTO {t} (id, email, age) VALUES (3, 'a@x', 1)",
        "UPDATE {t} SET age = -5 WHERE id = 1",
        "UPDATE {t} SET email = 'a@x' WHERE id = 2",
    ]:
        result = assert_same(con, template, names)
        assert result[0] == "error", template
        assert result[1] == "ConstraintException", result
    assert_same_contents(con, names, "t")
    assert_same_describe(con, names, "t")


def test_violation_at_end_of_large_client_insert_leaves_nothing(con, base, server):
    """A duplicate key in the last of 200k streamed client rows: none of the rows are kept."""
    src = base["t"] + "_big"
    con.execute(f"CREATE TABLE {src} AS SELECT range::INTEGER + 10000 AS id, 'b' || range AS name FROM range(200000) UNION ALL SELECT 1, 'dup'")
    names = dict(base, src=src)
    result = assert_same(con, "INSERT INTO {t} (id, name) SELECT id, name FROM " + src + " ORDER BY id DESC", base)
    assert result[0] == "error" and result[1] == "ConstraintException", result
    assert server_sql(con, f"SELECT count(*) FROM main.{base['t']}") == [(7,)]
    assert_same_contents(con, names, "t")


CLIENT_ROW_ERRORS = {
    # (local source rows, statement): the bad row comes last, after 100k good ones.
    "varchar_not_a_number_into_integer": (
        "SELECT (range + 10000)::VARCHAR AS id, 'n' AS name FROM range(100000) UNION ALL SELECT 'abc', 'bad'",
        "INSERT INTO {t} (id, name) SELECT id, name FROM {src}",
    ),
    "null_into_not_null": (
        "SELECT range::INTEGER + 10000 AS id, CASE WHEN range = 99999 THEN NULL ELSE 'n' END AS name FROM range(100000)",
        "INSERT INTO {t} (id, name) SELECT id, name FROM {src}",
    ),
    "overflowing_bigint_into_integer": (
        "SELECT range + 10000 AS id, 'n' AS name FROM range(100000) UNION ALL SELECT 9999999999, 'big'",
        "INSERT INTO {t} (id, name) SELECT id, name FROM {src}",
    ),
    "duplicate_by_name": (
        "SELECT 'n' AS name, range::INTEGER + 10000 AS id FROM range(100000) UNION ALL SELECT 'dup', 2",
        "INSERT INTO {t} BY NAME SELECT * FROM {src}",
    ),
    "not_a_date_into_varchar_then_cast": (
        "SELECT range::INTEGER + 10000 AS id, 'n' AS name, 'x' AS v FROM range(10)",
        "INSERT INTO {t} (id, name, v) SELECT id, name, v FROM {src}",
    ),
}


@pytest.mark.parametrize("case", list(CLIENT_ROW_ERRORS))
def test_error_in_streamed_client_rows_matches_local_and_leaves_nothing(con, base, server, case):
    source_sql, template = CLIENT_ROW_ERRORS[case]
    src = f"{base['t']}_bad_src"
    con.execute(f"CREATE TABLE {src} AS {source_sql}")
    result = assert_same(con, template.replace("{src}", src), base)
    assert result[0] == "error", result
    assert server_sql(con, f"SELECT count(*) FROM main.{base['t']}") == [(7,)]
    assert_same_contents(con, base, "t")


def test_check_violation_in_insert_from_another_remote_database(con, base, server, unique_name):
    """Rows from `otherdb` into `mydb`: the CHECK fails on the last row, nothing is kept."""
    source = unique_name("chk_src")
    con.execute(helpers.attach_sql(server, "other", "otherdb"))
    con.execute(f"CREATE TABLE other.{source} AS SELECT range::INTEGER + 10 AS id, range AS amount FROM range(5000) UNION ALL SELECT 99999, -1")
    con.execute(f"CREATE TABLE {source} AS SELECT * FROM other.{source}")
    names = {"c": base["t"] + "_chk"}
    run_both(con, names, "CREATE TABLE {c} (id INTEGER PRIMARY KEY, amount BIGINT CHECK (amount >= 0))")
    expected = outcome(con, f"INSERT INTO {names['c']} SELECT * FROM {source}")
    actual = outcome(con, f"INSERT INTO cloud.{names['c']} SELECT * FROM other.{source}")
    assert expected[0] == "error" and actual == expected, f"local DuckDB: {expected}\nremote: {actual}"
    assert con.sql(f"SELECT count(*) FROM cloud.{names['c']}").fetchall() == [(0,)]


def test_server_message_reaches_the_client(con, base):
    remote = remote_names(base)
    message = helpers.assert_error(lambda: con.execute(fill(ERROR_CASES["duplicate_primary_key"], remote)), 'Duplicate key "id: 1"')
    assert "primary key" in message.lower()
    message = helpers.assert_error(lambda: con.execute(fill(ERROR_CASES["not_null"], remote)), "NOT NULL constraint failed")
    assert base["t"] in message


def test_dead_server_write_errors_and_restart_shows_no_partial_insert(fresh_server, client_factory, server_factory, unique_name):
    con = client_factory(fresh_server)
    table = unique_name("dead")
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER)")
    con.execute(f"INSERT INTO cloud.{table} VALUES (1), (2)")
    fresh_server.kill()
    for sql in [f"INSERT INTO cloud.{table} VALUES (3)", f"INSERT INTO cloud.{table} SELECT range FROM range(10)",
                f"UPDATE cloud.{table} SET id = 0", f"CREATE TABLE cloud.{table}_2 (a INTEGER)"]:
        message = helpers.assert_error(lambda: con.execute(sql), forbidden=[fresh_server.token])
        assert "connect" in message.lower() or "unavailable" in message.lower(), message
    restarted = server_factory(data_dir=fresh_server.data_dir, token=fresh_server.token, port=fresh_server.port,
                               databases=fresh_server.databases)
    again = client_factory(restarted)
    assert again.sql(f"SELECT id FROM cloud.{table} ORDER BY id").fetchall() == [(1,), (2,)]
    assert again.sql(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{table}_2'").fetchall() == [(0,)]


# ----------------------------------------------------------------------------- types round trip

# ENUM-less: every type of type_cases except ENUM.
ROUND_TRIP_TYPES = [case for case in type_cases.TYPE_NAMES if case != "enum"]


@pytest.mark.parametrize("case", ROUND_TRIP_TYPES)
def test_values_round_trip_through_insert_select_from_local(con, unique_name, case):
    table = unique_name(f"rt_{case}")
    for sql in type_cases.create_statements(case, table):
        con.execute(sql)
    type_sql = type_cases.TYPE_CASES[case][0]
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER, v {type_sql})")
    assert con.execute(f"INSERT INTO cloud.{table} SELECT * FROM {table}").fetchall() == con.sql(
        f"SELECT count(*) FROM {table}"
    ).fetchall()
    assert table_text(con, f"cloud.{table}") == table_text(con, table)
    # Stored exactly on the server, not just echoed: compare the server's own rendering.
    rendered = f"SELECT id, typeof(v), v::VARCHAR FROM {{}} ORDER BY id"
    assert server_sql(con, rendered.format(f"main.{table}")) == con.sql(rendered.format(table)).fetchall()


@pytest.mark.parametrize("case", ["hugeint", "decimal_38_10", "double", "varchar", "blob", "timestamptz", "interval",
                                  "uuid", "list", "struct"])
def test_values_round_trip_through_create_table_as_and_insert_values(con, unique_name, case):
    table = unique_name(f"ctas_{case}")
    statements = type_cases.create_statements(case, table)
    for sql in statements:
        con.execute(sql)
    con.execute(f"CREATE TABLE cloud.{table} AS SELECT * FROM {table}")
    assert_same_describe(con, {"t": table}, "t")
    assert table_text(con, f"cloud.{table}") == table_text(con, table)
    # And the same literals in INSERT ... VALUES through the catalog.
    values_table = table + "_v"
    create, insert = type_cases.create_statements(case, values_table)
    con.execute(create.replace(f"TABLE {values_table}", f"TABLE cloud.{values_table}"))
    con.execute(insert.replace(f"INTO {values_table}", f"INTO cloud.{values_table}"))
    assert table_text(con, f"cloud.{values_table}") == table_text(con, table)


def test_all_common_types_in_one_wide_row_set(con, unique_name):
    table = unique_name("all_types")
    for sql in type_cases.all_types_statements(table):
        con.execute(sql)
    con.execute(f"CREATE TABLE cloud.{table} AS SELECT * FROM {table} LIMIT 0")
    assert_same_describe(con, {"t": table}, "t")
    con.execute(f"INSERT INTO cloud.{table} SELECT * FROM {table}")
    assert table_text(con, f"cloud.{table}") == table_text(con, table)


def test_quoted_identifiers_through_every_write_path(con, unique_name):
    stem = unique_name("odd")
    names = {"q": f'"{stem} ""tbl"" ☃"', "s": f'"{stem} schema"'}
    src = f'"{stem} src"'
    con.execute(f'CREATE TABLE {src} AS SELECT range::INTEGER AS "a b", \'v\' || range AS "select", range % 2 = 0 AS "CamelCase" FROM range(100)')
    run_both(
        con,
        names,
        'CREATE TABLE {q} ("a b" INTEGER PRIMARY KEY, "select" VARCHAR NOT NULL, "CamelCase" BOOLEAN DEFAULT true, "x""y" DOUBLE)',
        "INSERT INTO {q} (\"a b\", \"select\") VALUES (1000, 'lit')",
        f'INSERT INTO {{q}} ("a b", "select", "CamelCase") SELECT * FROM {src}',
        'UPDATE {q} SET "x""y" = "a b" / 2, "select" = upper("select") WHERE "CamelCase"',
        'DELETE FROM {q} WHERE "a b" % 3 = 0',
        "INSERT INTO {q} VALUES (2000, 'c', false, 1) ON CONFLICT DO NOTHING",
        'ALTER TABLE {q} RENAME COLUMN "x""y" TO "new ""name"""',
        'CREATE SCHEMA {s}',
        f'CREATE TABLE {{s}}."t ☃" AS SELECT * FROM {{q}} LIMIT 0',
        f'INSERT INTO {{s}}."t ☃" SELECT * FROM {{q}}',
    )
    assert_same_describe(con, names, "q")
    assert_same_contents(con, names, "q")
    local = table_text(con, f'{names["s"]}."t ☃"')
    assert table_text(con, f'cloud.{names["s"]}."t ☃"') == local and len(local) == 68


def test_on_conflict_target_with_quoted_column(con, unique_name):
    names = {"q": unique_name("conflict_q")}
    run_both(con, names, 'CREATE TABLE {q} ("a b" INTEGER PRIMARY KEY, "select" VARCHAR)', "INSERT INTO {q} VALUES (1, 'old')")
    result = assert_same(con, "INSERT INTO {q} VALUES (1, 'new'), (2, 'two') ON CONFLICT (\"a b\") DO UPDATE SET \"select\" = excluded.\"select\"", names)
    assert result == ("ok", [(2,)])
    assert_same_contents(con, names)


def test_wide_table_create_as_and_insert(con, unique_name):
    table = unique_name("wide")
    for sql in type_cases.wide_table_statements(table, rows=300):
        con.execute(sql)
    con.execute(f"CREATE TABLE cloud.{table} AS SELECT * FROM {table} WHERE id < 100")
    con.execute(f"INSERT INTO cloud.{table} SELECT * FROM {table} WHERE id >= 100")
    assert helpers.describe(con, f"cloud.{table}") == helpers.describe(con, table)
    assert table_text(con, f"cloud.{table}") == table_text(con, table)


def test_alter_is_visible_to_another_client_at_once(con, base, server, client_factory):
    other = client_factory(server)
    assert [row[0] for row in other.sql(f"DESCRIBE cloud.{base['t']}").fetchall()] == ["id", "name", "v", "tag"]
    con.execute(f"ALTER TABLE cloud.{base['t']} ADD COLUMN added VARCHAR DEFAULT 'd'")
    assert [row[0] for row in other.sql(f"DESCRIBE cloud.{base['t']}").fetchall()] == ["id", "name", "v", "tag", "added"]
    other.execute(f"INSERT INTO cloud.{base['t']} (id, name, added) VALUES (77, 'o', 'from other')")
    con.execute(f"ALTER TABLE {base['t']} ADD COLUMN added VARCHAR DEFAULT 'd'")
    con.execute(f"INSERT INTO {base['t']} (id, name, added) VALUES (77, 'o', 'from other')")
    assert_same_contents(con, base, "t")


# ----------------------------------------------------------------------------- DDL


def catalog_entry(con, database: str, table: str):
    return con.sql(
        f"SELECT database_name, schema_name, table_name FROM duckdb_tables() WHERE database_name = '{database}' AND table_name = '{table}'"
    ).fetchall()


def show_all_tables(con, table: str):
    return con.sql(f"SELECT database, schema, name FROM (SHOW ALL TABLES) WHERE name = '{table}'").fetchall()


def test_create_table_with_constraints_appears_in_catalog(con, names, server, client_factory):
    run_both(
        con,
        names,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR UNIQUE, "
        "score DECIMAL(38,10) DEFAULT 0, created DATE DEFAULT DATE '2024-01-01', CHECK (score >= 0))",
    )
    table = names["t"]
    assert catalog_entry(con, "cloud", table) == [("cloud", "main", table)]
    assert show_all_tables(con, table) == [("cloud", "main", table), ("memory", "main", table)]
    assert_same_describe(con, names, "t")
    # Another client sees it in its next statement, without re-attaching.
    other = client_factory(server)
    assert helpers.describe(other, f"cloud.{table}") == helpers.describe(con, table)
    # The defaults and constraints work on the server.
    run_both(con, names, "INSERT INTO {t} (id, name) VALUES (1, 'x')")
    assert_same_contents(con, names, "t")


def test_describe_keys_and_defaults_match_local(con, names):
    run_both(
        con,
        names,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'anon', email VARCHAR UNIQUE, n INTEGER DEFAULT 7)",
    )
    assert_same_describe(con, names, "t", full=True)


def test_create_schema_table_and_drop_schema(con, unique_name, server):
    schema = unique_name("sch")
    names = {"s": schema, "t": f"{schema}.tbl"}
    run_both(con, names, "CREATE SCHEMA {s}", "CREATE TABLE {t} (a INTEGER, b VARCHAR)", "INSERT INTO {t} VALUES (1, 'x')")
    assert catalog_entry(con, "cloud", "tbl") and (schema, "tbl") in [
        row[1:] for row in catalog_entry(con, "cloud", "tbl")
    ]
    assert con.sql(f"SELECT count(*) FROM duckdb_schemas() WHERE database_name = 'cloud' AND schema_name = '{schema}'").fetchall() == [(1,)]
    assert_same_contents(con, names, "t")
    # RESTRICT refuses with DuckDB's dependency error, and nothing is dropped.
    result = assert_same(con, "DROP SCHEMA {s}", names)
    assert result[0] == "error" and result[1] == "DependencyException", result
    assert_same_contents(con, names, "t")
    run_both(con, names, "DROP SCHEMA {s} CASCADE")
    assert con.sql(f"SELECT count(*) FROM duckdb_schemas() WHERE database_name = 'cloud' AND schema_name = '{schema}'").fetchall() == [(0,)]
    assert server_sql(con, f"SELECT count(*) FROM duckdb_schemas() WHERE schema_name = '{schema}'") == [(0,)]
    run_both(con, names, "DROP SCHEMA IF EXISTS {s}", "DROP SCHEMA IF EXISTS {s} CASCADE")
    result = assert_same(con, "DROP SCHEMA {s}", names)
    assert result[0] == "error"


def test_create_view_reading_qualified_remote_table(con, base, server):
    assert_no_client_crash(server, f"CREATE VIEW cloud.{base['t']}_qv_probe AS SELECT id, name FROM cloud.{base['t']} WHERE id < 4")
    run_both(con, dict(base, v=base["t"] + "_qv"), "CREATE VIEW {v} AS SELECT id, name FROM {t} WHERE id < 4")
    view = base["t"] + "_qv"
    assert con.sql(f"SELECT * FROM cloud.{view} ORDER BY id").fetchall() == con.sql(f"SELECT * FROM {view} ORDER BY id").fetchall()


def test_create_view_reading_unqualified_table_of_the_same_db(con, base, server):
    view = base["t"] + "_uv"
    assert_no_client_crash(server, f"CREATE VIEW cloud.{view}_probe AS SELECT id, upper(name) AS n FROM {base['t']} WHERE v > 0")
    con.execute(f"CREATE VIEW cloud.{view} AS SELECT id, upper(name) AS n FROM {base['t']} WHERE v > 0")
    con.execute(f"CREATE VIEW {view} AS SELECT id, upper(name) AS n FROM {base['t']} WHERE v > 0")
    assert con.sql(f"SELECT * FROM cloud.{view} ORDER BY id").fetchall() == con.sql(f"SELECT * FROM {view} ORDER BY id").fetchall()
    assert con.sql(f"SELECT count(*) FROM duckdb_views() WHERE database_name = 'cloud' AND view_name = '{view}'").fetchall() == [(1,)]
    assert show_all_tables(con, view) == [("cloud", "main", view), ("memory", "main", view)]
    # The view follows later writes to its table.
    run_both(con, base, "INSERT INTO {t} VALUES (40, 'late', 4, NULL)")
    assert con.sql(f"SELECT * FROM cloud.{view} ORDER BY id").fetchall() == con.sql(f"SELECT * FROM {view} ORDER BY id").fetchall()
    run_both(con, dict(base, v=view), "DROP VIEW {v}")
    assert con.sql(f"SELECT count(*) FROM duckdb_views() WHERE database_name = 'cloud' AND view_name = '{view}'").fetchall() == [(0,)]


def test_create_view_joining_two_tables_of_the_same_db(extension_file, server, unique_name, cli):
    """Run in the CLI (a separate process): a crash must fail this test, not the test run."""
    a, b = unique_name("vj_a"), unique_name("vj_b")
    view = unique_name("vj")
    sql = (
        f"LOAD '{extension_file}'; ATTACH '{attach_url(server)}' AS cloud; "
        f"CREATE TABLE cloud.{a} (id INTEGER); CREATE TABLE cloud.{b} (id INTEGER, x VARCHAR); "
        f"INSERT INTO cloud.{a} VALUES (1), (2); INSERT INTO cloud.{b} VALUES (2, 'two'), (3, 'three'); "
        f"CREATE VIEW cloud.{view} AS SELECT * FROM {a} JOIN cloud.{b} USING (id); "
        f"SELECT * FROM cloud.{view};"
    )
    result = cli(sql, "-csv")
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr}"
    assert result.stdout.strip().splitlines()[-1] == "2,two"


VIEW_SHAPES = {
    "constant": "SELECT 1 AS one, 'x' AS s",
    "table_function": "SELECT range AS r FROM range(3)",
    "join": "SELECT a.id, b.label FROM {t} a JOIN {u} b ON a.id = b.id",
    "subquery_in_from": "SELECT id FROM (SELECT id FROM {t} WHERE id > 2) sub",
    "cte": "WITH big AS (SELECT id FROM {t} WHERE id > 4) SELECT count(*) AS n FROM big",
    "union": "SELECT id FROM {t} UNION ALL SELECT id FROM {u}",
    "in_subquery": "SELECT id FROM {t} WHERE id IN (SELECT id FROM {u})",
    "aggregate_window": "SELECT id, sum(id) OVER (ORDER BY id) AS running FROM {t}",
}


@pytest.mark.parametrize("shape", list(VIEW_SHAPES))
def test_create_view_shapes_match_local(con, base, server, shape):
    """Remote views of common query shapes over unqualified tables of the same db read like local views."""
    view = f"{base['t']}_{shape}"
    body = fill(VIEW_SHAPES[shape], base)
    assert_no_client_crash(server, f"CREATE VIEW cloud.{view}_probe AS {body}")
    con.execute(f"CREATE VIEW cloud.{view} AS {body}")
    con.execute(f"CREATE VIEW {view} AS {body}")
    assert sorted(con.sql(f"SELECT * FROM cloud.{view}").fetchall(), key=repr) == sorted(
        con.sql(f"SELECT * FROM {view}").fetchall(), key=repr
    )
    assert [row[:2] for row in helpers.describe(con, f"cloud.{view}")] == [row[:2] for row in helpers.describe(con, view)]


@pytest.mark.parametrize("shape", list(VIEW_SHAPES))
def test_create_view_describe_matches_local(con, base, shape):
    view = f"{base['t']}_{shape}_described"
    body = fill(VIEW_SHAPES[shape], base)
    con.execute(f"CREATE VIEW cloud.{view} AS {body}")
    con.execute(f"CREATE VIEW {view} AS {body}")
    assert helpers.describe(con, f"cloud.{view}") == helpers.describe(con, view)


def test_view_describe_traces_keys_defaults_and_not_null_like_local(con, base):
    """DESCRIBE of a remote view shows what local DuckDB traces to base tables: NOT NULL, PRI/UNI, defaults."""
    names = dict(base, k=base["t"] + "_keys", v=base["t"] + "_traced")
    run_both(
        con,
        names,
        "CREATE TABLE {k} (id INTEGER NOT NULL UNIQUE, code VARCHAR DEFAULT 'it''s', n BIGINT NOT NULL DEFAULT 7)",
        "CREATE VIEW {v} AS SELECT t.id, t.name, t.v, k.code, k.n, k.id AS kid, t.id + 1 AS computed "
        "FROM {t} t JOIN {k} k ON t.id = k.id",
    )
    local = con.sql(f"DESCRIBE {names['v']}").fetchall()
    assert con.sql(f"DESCRIBE cloud.{names['v']}").fetchall() == local
    assert ("id", "INTEGER", "NO", "PRI", None, None) in local
    assert ("n", "BIGINT", "NO", None, "7", None) in local


def test_view_that_no_longer_binds_leaves_other_views_described(con, base, server):
    names = dict(base, gone=base["t"] + "_gone", broken=base["t"] + "_broken", good=base["t"] + "_good")
    helpers.remote_query(con, f"CREATE TABLE {names['gone']} (x INTEGER NOT NULL)").fetchall()
    helpers.remote_query(con, f"CREATE VIEW {names['broken']} AS SELECT x FROM {names['gone']}").fetchall()
    helpers.remote_query(con, f"DROP TABLE {names['gone']}").fetchall()
    con.execute(f"CREATE VIEW cloud.{names['good']} AS SELECT id, name FROM {names['t']}")
    assert helpers.describe(con, f"cloud.{names['good']}") == [("id", "INTEGER", "NO"), ("name", "VARCHAR", "NO")]
    # As with a local view whose table was dropped, it fails to bind, naming the table.
    helpers.assert_error(lambda: helpers.describe(con, f"cloud.{names['broken']}"), names["gone"])
    helpers.assert_error(lambda: con.sql(f"SELECT * FROM cloud.{names['broken']}").fetchall(), names["gone"])


def test_create_table_as_from_remote_and_local(con, base):
    names = dict(base, c1=base["t"] + "_c1", c2=base["t"] + "_c2", loc=base["t"] + "_loc")
    con.execute(f"CREATE TABLE {names['loc']} AS SELECT range::INTEGER AS k, range * 1.5 AS d FROM range(100)")
    con.execute(f"CREATE TABLE cloud.{names['c1']} AS SELECT id, name, v FROM cloud.{base['t']} WHERE id > 2")
    con.execute(f"CREATE TABLE {names['c1']} AS SELECT id, name, v FROM {base['t']} WHERE id > 2")
    con.execute(f"CREATE TABLE cloud.{names['c2']} AS SELECT * FROM {names['loc']}")
    con.execute(f"CREATE TABLE {names['c2']} AS SELECT * FROM {names['loc']}")
    assert_same_describe(con, names, "c1", "c2")
    assert_same_contents(con, names, "c1", "c2")
    result = assert_same(con, "CREATE TABLE {c1} AS SELECT 1 AS x", names)
    assert result[0] == "error" and result[1] == "CatalogException", result
    run_both(con, names, "CREATE OR REPLACE TABLE {c1} AS SELECT 1 AS x", "CREATE TABLE IF NOT EXISTS {c1} (y INTEGER)")
    assert_same_describe(con, names, "c1")
    assert_same_contents(con, names, "c1")


def test_drop_table_and_view_with_if_exists(con, base, server):
    names = dict(base, v=base["t"] + "_dv", missing=base["t"] + "_missing")
    assert_no_client_crash(server, f"CREATE VIEW cloud.{names['v']}_probe AS SELECT 1 AS one")
    run_both(con, names, "CREATE VIEW {v} AS SELECT 1 AS one")
    for template in ["DROP TABLE {missing}", "DROP VIEW {missing}", "DROP VIEW {t}", "DROP TABLE {v}"]:
        result = assert_same(con, template, names)
        assert result[0] == "error", template
    run_both(con, names, "DROP TABLE IF EXISTS {missing}", "DROP VIEW IF EXISTS {missing}", "DROP VIEW {v}", "DROP TABLE {u} CASCADE", "DROP TABLE {t}")
    for name in (names["t"], names["u"], names["v"]):
        assert catalog_entry(con, "cloud", name) == []
        assert show_all_tables(con, name) == []
        assert server_sql(con, f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{name}'") == [(0,)]


def test_alter_table_matrix(con, base):
    for template in [
        "ALTER TABLE {t} ADD COLUMN extra INTEGER DEFAULT 42",
        "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS extra INTEGER",
        "ALTER TABLE {t} RENAME COLUMN tag TO label",
        "ALTER TABLE {t} ALTER COLUMN extra TYPE VARCHAR",
        "ALTER TABLE {t} ALTER COLUMN v TYPE DECIMAL(38,10) USING CASE WHEN isfinite(v) AND abs(v) < 1e20 THEN v::DECIMAL(38,10) END",
        "ALTER TABLE {t} ALTER COLUMN label SET DEFAULT 'dflt'",
        "INSERT INTO {t} (id, name) VALUES (100, 'after alter')",
        "ALTER TABLE {t} DROP COLUMN extra",
        "ALTER TABLE {t} DROP COLUMN IF EXISTS nope",
    ]:
        result = assert_same(con, template, base)
        assert result[0] == "ok", result
        assert_same_describe(con, base, "t")
        assert_same_contents(con, base, "t")
    for template in ["ALTER TABLE {t} DROP COLUMN nope", "ALTER TABLE {t} ALTER COLUMN name TYPE INTEGER",
                     "ALTER TABLE {t} ADD COLUMN name VARCHAR"]:
        result = assert_same(con, template, base)
        assert result[0] == "error", template
    assert_same_contents(con, base, "t")


def test_alter_table_rename(con, base, server, client_factory):
    renamed = base["t"] + "_renamed"
    run_both(con, dict(base, r=renamed), "ALTER TABLE {u} RENAME TO " + renamed)
    assert catalog_entry(con, "cloud", base["u"]) == []
    assert catalog_entry(con, "cloud", renamed) == [("cloud", "main", renamed)]
    assert_same_contents(con, {"r": renamed}, "r")
    other = client_factory(server)
    assert other.sql(f"SELECT count(*) FROM cloud.{renamed}").fetchall() == [(4,)]
    helpers.assert_error(lambda: other.sql(f"SELECT * FROM cloud.{base['u']}").fetchall(), "does not exist")


def test_create_index_and_unique_index(con, base):
    names = dict(base, i1=base["t"] + "_i1", i2=base["t"] + "_i2")
    con.execute(f"CREATE INDEX {names['i1']} ON cloud.{base['t']} (name)")
    con.execute(f"CREATE INDEX {names['i1']} ON {base['t']} (name)")
    con.execute(f"CREATE UNIQUE INDEX {names['i2']} ON cloud.{base['t']} (tag)")
    con.execute(f"CREATE UNIQUE INDEX {names['i2']} ON {base['t']} (tag)")
    result = assert_same(con, "INSERT INTO {t} VALUES (60, 'dup tag', 0, 'x')", base)
    assert result[0] == "error" and result[1] == "ConstraintException", result
    run_both(con, base, "INSERT INTO {t} VALUES (61, 'null tag', 0, NULL)")
    assert_same_contents(con, base, "t")
    indexes = server_sql(con, f"SELECT index_name, is_unique FROM duckdb_indexes() WHERE table_name = '{base['t']}' ORDER BY 1")
    assert indexes == [(names["i1"], False), (names["i2"], True)]
    # A unique index over existing duplicates fails like local DuckDB.
    result = assert_same(con, "CREATE UNIQUE INDEX " + base["t"] + "_i3 ON {u} ((id % 2))", base)
    assert result[0] == "error", result


def test_comment_on_table_and_column(con, base):
    run_both(con, base, "COMMENT ON TABLE {t} IS 'the table ☃'", "COMMENT ON COLUMN {t}.name IS 'who it''s for'")
    table = base["t"]
    local = con.sql(f"SELECT comment FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = '{table}'").fetchall()
    remote = con.sql(f"SELECT comment FROM duckdb_tables() WHERE database_name = 'cloud' AND table_name = '{table}'").fetchall()
    assert remote == local == [("the table ☃",)]
    column_sql = "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = '{}' AND table_name = '{}' ORDER BY column_index"
    assert con.sql(column_sql.format("cloud", table)).fetchall() == con.sql(column_sql.format("memory", table)).fetchall()
    assert server_sql(con, f"SELECT comment FROM duckdb_tables() WHERE table_name = '{table}'") == [("the table ☃",)]


def test_ddl_error_matches_local(con, base):
    for template in [
        "CREATE TABLE {t} (a INTEGER)",
        "CREATE TABLE {u}_bad (a NOTATYPE)",
        "CREATE TABLE {u}_bad (a INTEGER, a INTEGER)",
        "CREATE TABLE {u}_bad (a INTEGER PRIMARY KEY, PRIMARY KEY (a))",
    ]:
        result = assert_same(con, template, base)
        assert result[0] == "error", template
    assert con.sql(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{base['u']}_bad'").fetchall() == [(0,)]


# ----------------------------------------------------------------------------- seed examples


@pytest.fixture
def seed_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_seed_examples_as_written(fresh_server, client_factory, seed_dir):
    con = client_factory(fresh_server)
    con.execute("CREATE TABLE local_events AS SELECT range AS event_id, DATE '2024-01-01' + (range % 30)::INTEGER AS event_date, "
                "'e' || range AS name FROM range(1000)")
    con.execute("COPY local_events TO 'local_dump.parquet' (FORMAT parquet)")
    con.execute("CREATE TABLE cloud.events AS SELECT * FROM local_events LIMIT 0")
    with open(seed_dir / "local.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "city", "amount"])
        for i in range(500):
            writer.writerow([i, ["Zürich", "O'Hare", 'Say "hi"', ""][i % 4], f"{i * 1.25:.2f}"])
    con.execute("CREATE VIEW local_csv AS SELECT * FROM read_csv('local.csv')")

    # The seed examples, verbatim.
    con.execute("INSERT INTO cloud.events SELECT * FROM read_parquet('local_dump.parquet');")
    con.execute("CREATE TABLE cloud.new_table AS SELECT * FROM local_csv LIMIT 0;")
    con.execute("INSERT INTO cloud.new_table SELECT * FROM local_csv;")

    assert table_text(con, "cloud.events") == table_text(con, "local_events")
    assert helpers.describe(con, "cloud.new_table") == helpers.describe(con, "local_csv")
    assert table_text(con, "cloud.new_table") == table_text(con, "local_csv")
    # A second client sees the results.
    other = client_factory(fresh_server)
    assert other.sql("SELECT count(*) FROM cloud.events").fetchall() == [(1000,)]
    assert other.sql("SELECT count(*) FROM cloud.new_table").fetchall() == [(500,)]


def test_seed_examples_with_local_csv_as_table(fresh_server, client_factory, seed_dir):
    con = client_factory(fresh_server)
    with open(seed_dir / "data.csv", "w", newline="") as handle:
        handle.write("k,label\n1,one\n2,\"two, too\"\n3,\n")
    con.execute("CREATE TABLE local_csv AS SELECT * FROM 'data.csv'")
    con.execute("COPY (SELECT range AS id FROM range(10)) TO 'local_dump.parquet' (FORMAT parquet)")
    con.execute("CREATE TABLE cloud.events (id BIGINT)")
    con.execute("INSERT INTO cloud.events SELECT * FROM read_parquet('local_dump.parquet');")
    con.execute("CREATE TABLE cloud.new_table AS SELECT * FROM local_csv LIMIT 0;")
    con.execute("INSERT INTO cloud.new_table SELECT * FROM local_csv;")
    assert con.sql("SELECT sum(id), count(*) FROM cloud.events").fetchall() == [(45, 10)]
    assert table_text(con, "cloud.new_table") == table_text(con, "local_csv")


# ----------------------------------------------------------------------------- official CLI


def cli_prefix(server) -> str:
    return f"LOAD '{EXTENSION_FILE}'; ATTACH '{attach_url(server)}' AS cloud; "


def test_cli_ddl_and_dml(server, cli, unique_name, client_factory):
    table = unique_name("cli_w")
    result = cli(
        cli_prefix(server)
        + f"CREATE TABLE cloud.{table} (id INTEGER PRIMARY KEY, s VARCHAR); "
        f"INSERT INTO cloud.{table} VALUES (1, 'one'), (2, 'two'), (3, 'three'); "
        f"UPDATE cloud.{table} SET s = upper(s) WHERE id = 2; "
        f"DELETE FROM cloud.{table} WHERE id = 3; "
        f"SELECT * FROM cloud.{table} ORDER BY id;",
        "-csv",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-3:] == ["id,s", "1,one", "2,TWO"]
    con = client_factory(server)
    assert con.sql(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall() == [(1, "one"), (2, "TWO")]


def test_cli_constraint_error_is_duckdbs_error(server, cli, unique_name, client_factory):
    table = unique_name("cli_err")
    con = client_factory(server)
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER PRIMARY KEY)")
    con.execute(f"INSERT INTO cloud.{table} VALUES (1)")
    local = helpers.run_cli(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY); INSERT INTO {table} VALUES (1); INSERT INTO {table} VALUES (2), (1);")
    result = cli(cli_prefix(server) + f"INSERT INTO cloud.{table} VALUES (2), (1);")
    assert result.returncode != 0 and local.returncode != 0
    assert first_line(result.stderr) == first_line(local.stderr)
    assert server.token not in result.stderr + result.stdout
    assert con.sql(f"SELECT id FROM cloud.{table}").fetchall() == [(1,)]


def test_cli_insert_from_csv_file(server, cli, unique_name, client_factory, tmp_path):
    table = unique_name("cli_csv")
    (tmp_path / "in.csv").write_text("a,b\n1,x\n2,\"y, z\"\n3,\n")
    result = cli(
        cli_prefix(server) + f"CREATE TABLE cloud.{table} AS SELECT * FROM read_csv('in.csv') LIMIT 0; "
        f"INSERT INTO cloud.{table} SELECT * FROM read_csv('in.csv');",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    con = client_factory(server)
    assert con.sql(f"SELECT * FROM cloud.{table} ORDER BY a").fetchall() == con.sql(
        f"SELECT * FROM read_csv({sql_string(str(tmp_path / 'in.csv'))}) ORDER BY a"
    ).fetchall()
