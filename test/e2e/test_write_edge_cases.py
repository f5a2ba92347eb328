"""Writes: values Arrow cannot carry, schema changes by other clients, and plans bound before them."""

from __future__ import annotations

import pytest

import helpers


@pytest.fixture
def two_clients(server, client_factory, unique_name):
    table = unique_name("t")
    first = client_factory(server)
    second = client_factory(server)
    first.execute(f"CREATE TABLE cloud.{table} (id INTEGER, v VARCHAR)")
    first.execute(f"INSERT INTO cloud.{table} VALUES (1, 'a')")
    return first, second, table


def test_interval_beyond_arrow_is_refused_and_nothing_is_inserted(con, unique_name):
    table = unique_name("iv")
    con.execute(f"CREATE TABLE cloud.{table} (i INTERVAL)")
    con.execute("CREATE TEMP TABLE intervals AS SELECT INTERVAL 1 DAY AS i UNION ALL SELECT to_hours(3000000)")
    helpers.assert_error(lambda: con.execute(f"INSERT INTO cloud.{table} SELECT * FROM intervals"),
                         "too large to send", 'column "i"')
    assert con.execute(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(0,)]
    con.execute(f"INSERT INTO cloud.{table} SELECT * FROM intervals WHERE i < INTERVAL 2 DAY")
    assert con.execute(f"SELECT i::VARCHAR FROM cloud.{table}").fetchall() == [("1 day",)]


def test_prepared_select_binds_again_after_another_client_alters_the_table(two_clients):
    first, second, table = two_clients
    first.execute(f"PREPARE q AS SELECT * FROM cloud.{table} WHERE id = $1")
    assert first.execute("EXECUTE q(1)").fetchall() == [(1, "a")]
    second.execute(f"ALTER TABLE cloud.{table} ADD COLUMN w INTEGER DEFAULT 7")
    assert first.execute("EXECUTE q(1)").fetchall() == [(1, "a", 7)]
    second.execute(f"ALTER TABLE cloud.{table} DROP COLUMN w")
    assert first.execute("EXECUTE q(1)").fetchall() == [(1, "a")]


def test_prepared_insert_binds_again_after_another_client_alters_the_table(two_clients):
    first, second, table = two_clients
    first.execute(f"PREPARE ins AS INSERT INTO cloud.{table} VALUES ($1, $2)")
    first.execute("EXECUTE ins(2, 'b')")
    second.execute(f"ALTER TABLE cloud.{table} RENAME COLUMN v TO v2")
    first.execute("EXECUTE ins(3, 'c')")
    assert first.execute(f"SELECT id, v2 FROM cloud.{table} ORDER BY id").fetchall() == [(1, "a"), (2, "b"), (3, "c")]


def test_a_table_another_client_creates_is_visible_in_the_next_statement(two_clients, unique_name):
    first, second, table = two_clients
    assert first.execute(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(1,)]
    created = unique_name("new")
    second.execute(f"CREATE TABLE cloud.{created} AS SELECT 42 AS answer")
    assert first.execute(f"SELECT * FROM cloud.{created}").fetchall() == [(42,)]
    second.execute(f"DROP TABLE cloud.{created}")
    helpers.assert_error(lambda: first.execute(f"SELECT * FROM cloud.{created}"), created)


def test_plain_statements_bind_again_after_another_client_changes_a_column(two_clients):
    """An autocommit statement binds against the catalog it holds while the server confirms it; a
    change by another client meanwhile makes it bind again, whether the old catalog binds or not."""
    first, second, table = two_clients
    assert first.execute(f"SELECT v FROM cloud.{table}").fetchall() == [("a",)]
    second.execute(f"ALTER TABLE cloud.{table} ALTER v TYPE INTEGER USING length(v)")
    # Fails to bind against the held catalog (VARCHAR + INTEGER), binds against the new one.
    assert first.execute(f"SELECT v + 1 FROM cloud.{table}").fetchall() == [(2,)]
    second.execute(f"ALTER TABLE cloud.{table} DROP COLUMN v")
    second.execute(f"ALTER TABLE cloud.{table} ADD COLUMN v VARCHAR DEFAULT 'fresh'")
    # Binds against either catalog; only the new one has the right type.
    assert first.execute(f"SELECT v FROM cloud.{table}").fetchall() == [("fresh",)]
    second.execute(f"ALTER TABLE cloud.{table} ADD COLUMN w INTEGER DEFAULT 5")
    first.execute(f"INSERT INTO cloud.{table} VALUES (2, 'b', 6)")
    assert first.execute(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall() == [(1, "fresh", 5), (2, "b", 6)]


def test_update_and_delete_reading_local_rows_match_local_duckdb(con, unique_name):
    table = unique_name("acc")
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER PRIMARY KEY, balance INTEGER)")
    con.execute(f"INSERT INTO cloud.{table} SELECT range, 100 FROM range(1000)")
    con.execute("CREATE TEMP TABLE reference AS SELECT range AS id, 100 AS balance FROM range(1000)")
    con.execute("CREATE TEMP TABLE bonus AS SELECT range * 7 AS id, range AS amount FROM range(100)")
    for target in (f"cloud.{table}", "reference"):
        con.execute(f"UPDATE {target} SET balance = balance + bonus.amount FROM bonus WHERE {target}.id = bonus.id")
        con.execute(f"DELETE FROM {target} WHERE id IN (SELECT id + 1 FROM bonus WHERE amount % 3 = 0)")
    remote = con.execute(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall()
    local = con.execute("SELECT * FROM reference ORDER BY id").fetchall()
    assert remote == local
    plan = helpers.all_text(con, f"EXPLAIN DELETE FROM cloud.{table} WHERE id IN (SELECT id FROM bonus)")
    assert "OPENDUCK_REMOTE_UPLOAD" in plan and "rowid" in plan


def test_drop_and_comment_on_a_server_index(con, unique_name):
    table, index = unique_name("t"), unique_name("idx")
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER, v VARCHAR)")
    con.execute(f"CREATE INDEX {index} ON cloud.{table} (v)")
    con.execute(f"COMMENT ON INDEX cloud.{index} IS 'by value'")
    indexes = f"SELECT index_name, comment FROM duckdb_indexes() WHERE index_name = '{index}'"
    assert helpers.remote_query(con, indexes).fetchall() == [(index, "by value")]
    con.execute(f"DROP INDEX cloud.{index}")
    assert helpers.remote_query(con, indexes).fetchall() == []
    con.execute(f"DROP INDEX IF EXISTS cloud.{index}")
    helpers.assert_error(lambda: con.execute(f"DROP INDEX cloud.{index}"), index, "does not exist")
