"""openduck_query / openduck_execute: SQL that runs verbatim on the server."""

from __future__ import annotations

import decimal

import duckdb
import pytest

import helpers
from helpers import remote_execute, remote_query


def test_query_returns_the_remote_result_with_types(con):
    relation = remote_query(con, "SELECT 42 AS answer, 'x' AS s, 2.5::DECIMAL(4,2) AS d, NULL::DATE AS nothing")
    assert relation.fetchall() == [(42, "x", decimal.Decimal("2.50"), None)]
    assert helpers.describe(con, "FROM openduck_query('cloud', 'SELECT 42 AS answer, ''x'' AS s, 2.5::DECIMAL(4,2) AS d, NULL::DATE AS nothing')") == [
        ("answer", "INTEGER", "YES"),
        ("s", "VARCHAR", "YES"),
        ("d", "DECIMAL(4,2)", "YES"),
        ("nothing", "DATE", "YES"),
    ]


def test_execute_creates_server_state_only(con, unique_name):
    name = unique_name("made_remotely")
    remote_execute(con, f"CREATE TABLE {name} AS SELECT range AS i FROM range(3)")
    on_server = remote_query(con, f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{name}'").fetchall()
    assert on_server == [(1,)]
    # Nothing was created in the local database, but the remote catalog shows it.
    assert con.sql(f"SELECT database_name FROM duckdb_tables() WHERE table_name = '{name}'").fetchall() == [("cloud",)]
    assert con.sql(f"SELECT sum(i) FROM cloud.{name}").fetchone() == (3,)


def test_execute_runs_several_statements(con, unique_name):
    name = unique_name("multi")
    remote_execute(con, f"CREATE TABLE {name} (i INTEGER); INSERT INTO {name} VALUES (1), (2); INSERT INTO {name} VALUES (3)")
    assert con.sql(f"SELECT list(i ORDER BY i) FROM cloud.{name}").fetchone() == ([1, 2, 3],)


def test_execute_dml_is_visible_to_catalog_scans(con, unique_name):
    name = unique_name("dml")
    remote_execute(con, f"CREATE TABLE {name} (k VARCHAR, v INTEGER)")
    assert con.sql(f"FROM cloud.{name}").fetchall() == []
    remote_execute(con, f"INSERT INTO {name} VALUES ('a', 1), ('b', 2)")
    assert con.sql(f"FROM cloud.{name} ORDER BY k").fetchall() == [("a", 1), ("b", 2)]
    remote_execute(con, f"UPDATE {name} SET v = v * 10 WHERE k = 'b'")
    remote_execute(con, f"DELETE FROM {name} WHERE k = 'a'")
    assert con.sql(f"FROM cloud.{name}").fetchall() == [("b", 20)]


def test_query_text_is_passed_verbatim(con):
    # Quotes, semicolons inside strings, comments and non-ASCII survive the trip.
    sql = "SELECT 'it''s; fine' AS s, '☃' AS snow -- trailing comment"
    assert remote_query(con, sql).fetchall() == [("it's; fine", "☃")]


def test_query_runs_on_the_server_not_locally(con):
    con.execute("CREATE TABLE only_local AS SELECT 1 AS x")
    with pytest.raises(duckdb.Error) as info:
        remote_query(con, "SELECT * FROM only_local").fetchall()
    assert "only_local" in str(info.value)


def test_query_composes_with_local_sql(con):
    con.execute("CREATE TABLE local_keys AS SELECT range * 2 AS k FROM range(10)")
    rows = con.sql(
        "SELECT r.i, l.k FROM openduck_query('cloud', 'SELECT range AS i FROM range(10)') r "
        "JOIN local_keys l ON r.i = l.k WHERE r.i > 3 ORDER BY r.i"
    ).fetchall()
    assert rows == [(4, 4), (6, 6), (8, 8)]


def test_large_result(con):
    total = con.sql(
        "SELECT count(*), sum(i), count(DISTINCT s) FROM openduck_query('cloud', "
        "'SELECT range AS i, (range % 1000)::VARCHAR AS s FROM range(2000000)')"
    ).fetchone()
    assert total == (2000000, 1999999000000, 1000)


def test_empty_result(con):
    relation = remote_query(con, "SELECT 1::BIGINT AS a, 'x'::VARCHAR AS b WHERE false")
    assert relation.fetchall() == []
    assert relation.columns == ["a", "b"]
    assert [str(t) for t in relation.types] == ["BIGINT", "VARCHAR"]


def test_query_on_the_second_database(server, client_factory):
    con = client_factory(server, "other", "otherdb")
    remote_execute(con, "CREATE OR REPLACE TABLE marker AS SELECT 'otherdb' AS which", alias="other")
    assert remote_query(con, "FROM marker", alias="other").fetchall() == [("otherdb",)]
    con.execute(helpers.attach_sql(server, "cloud", "mydb"))
    with pytest.raises(duckdb.Error):
        remote_query(con, "FROM marker", alias="cloud").fetchall()


def test_read_only_attach_allows_remote_reads_only(server, client_factory, unique_name):
    con = client_factory(server, options="READ_ONLY")
    assert remote_query(con, "SELECT 7 AS seven").fetchall() == [(7,)]
    name = unique_name("ro_hatch")
    with pytest.raises(duckdb.Error):
        remote_execute(con, f"CREATE TABLE {name} (i INTEGER)")
    with pytest.raises(duckdb.Error):
        remote_query(con, f"CREATE TABLE {name} (i INTEGER)").fetchall()
    assert remote_query(con, f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{name}'").fetchall() == [(0,)]


def test_execute_runs_the_statement_exactly_once(con, unique_name):
    name = unique_name("once_exec")
    remote_execute(con, f"CREATE TABLE {name} (i INTEGER)")
    remote_execute(con, f"INSERT INTO {name} VALUES (1)")
    assert remote_query(con, f"SELECT count(*) FROM {name}").fetchall() == [(1,)]


def test_query_runs_the_statement_exactly_once(con, unique_name):
    # Binding must not execute the SQL a second time (side effects would double).
    name = unique_name("once_query")
    remote_execute(con, f"CREATE TABLE {name} (i INTEGER)")
    assert remote_query(con, f"INSERT INTO {name} VALUES (7) RETURNING i").fetchall() == [(7,)]
    assert remote_query(con, f"SELECT list(i) FROM {name}").fetchall() == [([7],)]
