"""Table-level time travel: `FROM cloud.t AT (VERSION => ...)` and `AT (TIMESTAMP => ...)` on layered storage.

The client is the official wheel with the extension. Every answer is checked against the rows the table held at
that snapshot, which the test records while it writes them.
"""

from __future__ import annotations

import datetime
import time

import pytest

import helpers

LAYERED = ["--storage", "layered"]


@pytest.fixture
def layered(server_factory, tmp_path):
    return server_factory(extra_args=LAYERED, data_dir=tmp_path / "data")


def utc_now_text() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.fixture
def history(layered, client_factory):
    """A table with three states: [1] (snapshot `first`, named 'one_row'), then [1, 2, 3], then [2, 3, 10]."""
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t (id INTEGER PRIMARY KEY, v INTEGER)")
    con.execute("INSERT INTO cloud.t VALUES (1, 1)")
    first = helpers.newest_snapshot(con)
    con.execute("SELECT 1 FROM openduck_create_snapshot('cloud', 'one_row')")
    time.sleep(0.05)
    between = utc_now_text()
    time.sleep(0.05)
    con.execute("INSERT INTO cloud.t VALUES (2, 2), (3, 3)")
    second = helpers.newest_snapshot(con)
    con.execute("UPDATE cloud.t SET v = 10 WHERE id = 1")
    return con, first, second, between


def values(con, sql: str, *params):
    return [row[0] for row in con.execute(sql, list(params)).fetchall()]


def test_version_name_and_timestamp_read_that_snapshot(history):
    con, first, second, between = history
    assert values(con, "SELECT v FROM cloud.t ORDER BY v") == [2, 3, 10]
    assert values(con, f"SELECT v FROM cloud.t AT (VERSION => {first}) ORDER BY v") == [1]
    assert values(con, f"SELECT v FROM cloud.t AT (VERSION => {second}) ORDER BY v") == [1, 2, 3]
    assert values(con, "SELECT v FROM cloud.t AT (VERSION => 'one_row')") == [1]
    # A time without zone is UTC, as in ?snapshot=; a TIMESTAMPTZ means its instant.
    assert values(con, f"SELECT v FROM cloud.t AT (TIMESTAMP => '{between}')") == [1]
    assert values(con, f"SELECT v FROM cloud.t AT (TIMESTAMP => TIMESTAMP '{between}')") == [1]
    assert values(con, f"SELECT v FROM cloud.t AT (TIMESTAMP => TIMESTAMPTZ '{between}+00')") == [1]
    assert values(con, "SELECT v FROM cloud.t AT (TIMESTAMP => now()) ORDER BY v") == [2, 3, 10]
    # The current state is untouched by all that.
    assert values(con, "SELECT v FROM cloud.t ORDER BY v") == [2, 3, 10]


def test_past_and_present_in_one_query(history):
    con, first, second, _ = history
    # What changed since `second`: rows that differ, computed on the client from two states.
    changed = con.execute(f"""
        SELECT now.id, before.v, now.v
        FROM cloud.t AS now JOIN cloud.t AS before AT (VERSION => {second}) USING (id)
        WHERE now.v <> before.v
    """).fetchall()
    assert changed == [(1, 1, 10)]
    assert values(con, f"SELECT id FROM cloud.t EXCEPT SELECT id FROM cloud.t AT (VERSION => {first}) ORDER BY id") \
        == [2, 3]
    assert con.execute(f"""
        SELECT (SELECT count(*) FROM cloud.t AT (VERSION => {first})),
               (SELECT count(*) FROM cloud.t AT (VERSION => {second})),
               (SELECT count(*) FROM cloud.t)
    """).fetchone() == (1, 3, 3)


def test_query_on_one_snapshot_runs_whole_on_the_server_at_that_snapshot(history):
    con, _, second, _ = history
    sql = f"SELECT count(*), sum(v) FROM cloud.t AT (VERSION => {second}) WHERE v > 1"
    plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())
    assert "openduck_query" in plan.lower() or "OPENDUCK_QUERY" in plan, plan
    assert "Remote Snapshot" in plan and str(second) in plan, plan
    assert "AT (" not in plan, plan
    assert con.execute(sql).fetchone() == (2, 5)
    # Two states of one database cannot be one request: the join runs on the client, each side on the server.
    mixed = f"SELECT count(*) FROM cloud.t a JOIN cloud.t b AT (VERSION => {second}) ON a.id = b.id AND a.v = b.v"
    assert con.execute(mixed).fetchone()[0] == 2
    # A plain scan of a past table keeps the table scan (filters pushed, snapshot shown).
    plan = "\n".join(row[1] for row in con.execute(
        f"EXPLAIN SELECT v FROM cloud.t AT (VERSION => {second})").fetchall())
    assert "Remote Snapshot" in plan, plan


def test_past_catalog_has_past_columns_and_tables(history):
    con, first, _, _ = history
    con.execute("ALTER TABLE cloud.t ADD COLUMN note VARCHAR DEFAULT 'new'")
    con.execute("CREATE TABLE cloud.later AS SELECT 42 AS x")
    con.execute("CREATE TABLE cloud.gone AS SELECT 7 AS y")
    with_gone = helpers.newest_snapshot(con)
    con.execute("DROP TABLE cloud.gone")
    assert [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM cloud.t AT (VERSION => {first})").fetchall()] \
        == ["id", "v"]
    assert con.execute(f"SELECT * FROM cloud.t AT (VERSION => {first})").fetchall() == [(1, 1)]
    assert con.execute("SELECT note FROM cloud.t LIMIT 1").fetchone()[0] == "new"
    assert con.execute(f"SELECT y FROM cloud.gone AT (VERSION => {with_gone})").fetchall() == [(7,)]
    helpers.assert_error(lambda: con.execute(f"SELECT * FROM cloud.later AT (VERSION => {first})").fetchall(),
                         "later", f"version {first}")


def test_rows_restored_from_a_past_snapshot(history):
    con, _, second, _ = history
    con.execute("DELETE FROM cloud.t WHERE id = 3")
    con.execute(f"INSERT INTO cloud.t SELECT * FROM cloud.t AT (VERSION => {second}) WHERE id = 3")
    assert con.execute("SELECT id, v FROM cloud.t ORDER BY id").fetchall() == [(1, 10), (2, 2), (3, 3)]
    # CREATE TABLE ... AS from a past state copies that state.
    con.execute(f"CREATE TABLE cloud.t_then AS SELECT * FROM cloud.t AT (VERSION => {second})")
    assert con.execute("SELECT id, v FROM cloud.t_then ORDER BY id").fetchall() == [(1, 1), (2, 2), (3, 3)]


def test_transaction_reads_past_state_and_its_own_writes(history):
    con, first, _, _ = history
    con.execute("BEGIN")
    con.execute("INSERT INTO cloud.t VALUES (4, 4)")
    assert values(con, "SELECT id FROM cloud.t ORDER BY id") == [1, 2, 3, 4]
    assert values(con, f"SELECT id FROM cloud.t AT (VERSION => {first})") == [1]
    con.execute("ROLLBACK")
    assert values(con, "SELECT id FROM cloud.t ORDER BY id") == [1, 2, 3]


def test_past_view_reads_past_rows(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t AS SELECT range AS v FROM range(3)")
    con.execute("CREATE VIEW cloud.big AS SELECT v FROM t WHERE v >= 1")
    before = helpers.newest_snapshot(con)
    con.execute("INSERT INTO cloud.t VALUES (5)")
    assert values(con, "SELECT v FROM cloud.big ORDER BY v") == [1, 2, 5]
    assert values(con, f"SELECT v FROM cloud.big AT (VERSION => {before}) ORDER BY v") == [1, 2]


def test_openduck_query_at_a_snapshot(history):
    con, first, _, _ = history
    assert con.execute(
        "SELECT * FROM openduck_query('cloud', 'SELECT count(*) FROM t', snapshot := 'one_row')").fetchall() == [(1,)]
    assert con.execute(
        f"SELECT * FROM openduck_query('cloud', 'SELECT count(*) FROM t', snapshot := '{first}')").fetchall() == [(1,)]


def test_bad_at_clauses_give_clear_errors(history):
    con, _, _, _ = history
    for clause, fragments in [
        ("VERSION => 999999", ["no snapshot 999999"]),
        ("VERSION => 'nosuchname'", ["no snapshot named", "nosuchname"]),
        ("TIMESTAMP => '1999-01-01 00:00:00'", ["no snapshot at or before"]),
        ("VERSION => 1.5", ["snapshot id or a snapshot name"]),
        ("VERSION => -3", ["positive"]),
        ("VERSION => NULL", ["name a snapshot"]),
        ("TIMESTAMP => 42", ["takes a timestamp"]),
    ]:
        helpers.assert_error(lambda: con.execute(f"SELECT * FROM cloud.t AT ({clause})").fetchall(), *fragments)
    # Nothing was left broken: the current state still reads.
    assert values(con, "SELECT count(*) FROM cloud.t") == [3]


def test_plain_file_store_refuses_table_time_travel_clearly(server_factory, client_factory):
    server = server_factory(extra_args=["--storage", "file"])
    con = client_factory(server)
    con.execute("CREATE TABLE cloud.t AS SELECT 1 AS v")
    helpers.assert_error(lambda: con.execute("SELECT * FROM cloud.t AT (VERSION => 1)").fetchall(),
                         "--storage layered")
