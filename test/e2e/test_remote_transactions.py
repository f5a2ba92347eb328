"""Transactions on remote databases behave like DuckDB's own: autocommit, BEGIN/COMMIT atomicity,
ROLLBACK (DDL included), isolation between clients, write-write conflicts, the one-database-per-
write-transaction rule, and read-only attaches.

The reference is plain DuckDB with the *same SQL*: one in-process DuckDB that ATTACHes two local
files under the names `cloud` and `other`, with two connections (`a`, `b`) to it. The remote side
is two separate clients that ATTACH the server's `mydb` as `cloud` and `otherdb` as `other`.
Every step must give the same result or the same error on both sides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import duckdb
import pytest

import helpers
from helpers import EXTENSION_FILE, attach_url
from statement_outcome import outcome

Step = Tuple[str, str]  # (connection "a" or "b", SQL template with {t}, {u}, {o})


HANG_LIMIT_S = 60.0


class Pair:
    """Two connections `a` and `b` to one database setup (reference or remote)."""

    def __init__(self, a: duckdb.DuckDBPyConnection, b: duckdb.DuckDBPyConnection, guard: bool = False):
        self.cons = {"a": a, "b": b}
        self.guard = guard

    def run(self, who: str, sql: str, params=None):
        if not self.guard:
            return outcome(self.cons[who], sql, params)
        # A statement that never returns fails its test instead of stalling the whole run.
        call = helpers.Background(outcome, self.cons[who], sql, params)
        if not call.wait(HANG_LIMIT_S):
            self.cons[who].interrupt()
            call.wait(10)
            pytest.fail(f"{who}: {sql} {params or ''} did not return within {HANG_LIMIT_S:.0f} s (hung)")
        if call.error is not None:
            raise call.error
        return call.result


@pytest.fixture
def reference(tmp_path) -> Pair:
    a = duckdb.connect()
    a.execute(f"ATTACH '{tmp_path / 'ref_cloud.duckdb'}' AS cloud")
    a.execute(f"ATTACH '{tmp_path / 'ref_other.duckdb'}' AS other")
    b = a.cursor()
    yield Pair(a, b)
    b.close()
    a.close()


def remote_client(client_factory, server):
    con = client_factory(server)
    con.execute(helpers.attach_sql(server, "other", "otherdb"))
    return con


@pytest.fixture
def remote(server, client_factory) -> Pair:
    return Pair(remote_client(client_factory, server), remote_client(client_factory, server), guard=True)


@pytest.fixture
def names(unique_name) -> Dict[str, str]:
    return {"t": unique_name("tx"), "u": unique_name("txu"), "o": unique_name("txo")}


SETUP = [
    ("a", "CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR, n DOUBLE)"),
    ("a", "INSERT INTO cloud.{t} VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, 'three', -0.0)"),
    ("a", "CREATE TABLE cloud.{u} (k INTEGER, label VARCHAR)"),
    ("a", "INSERT INTO cloud.{u} VALUES (1, 'x'), (2, 'y')"),
    ("a", "CREATE TABLE other.{o} (id INTEGER PRIMARY KEY, w VARCHAR)"),
    ("a", "INSERT INTO other.{o} VALUES (10, 'ten')"),
]

STATE = [
    ("a", "SELECT * FROM cloud.{t} ORDER BY id"),
    ("b", "SELECT * FROM cloud.{t} ORDER BY id"),
    ("b", "SELECT * FROM cloud.{u} ORDER BY k"),
    ("b", "SELECT * FROM other.{o} ORDER BY id"),
    ("b", "SELECT table_name FROM duckdb_tables() WHERE database_name IN ('cloud', 'other') AND table_name LIKE '{t}%' ORDER BY 1"),
    ("b", "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'cloud' AND table_name = '{t}' ORDER BY column_index"),
]


def fill(template: str, names: Dict[str, str]) -> str:
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    return template


def assert_scenario(reference: Pair, remote: Pair, names: Dict[str, str], steps: List[Step], with_state: bool = True):
    """Run setup, the steps, then read the final state from both connections, on both sides."""
    transcript = []
    for who, template in [*SETUP, *steps, *(STATE if with_state else [])]:
        sql = fill(template, names)
        expected = reference.run(who, sql)
        actual = remote.run(who, sql)
        transcript.append(f"{who}: {sql}\n    local DuckDB: {expected}\n    remote:       {actual}")
        assert actual == expected, "step differs from local DuckDB:\n" + "\n".join(transcript)
    return transcript


def server_count(server, table: str, database: str = "mydb") -> List[tuple]:
    """Ask the server itself, through a fresh client and the escape hatch."""
    con = helpers.attached_client(server, "check", database)
    try:
        return helpers.remote_query(con, f"SELECT count(*) FROM main.{table}", alias="check").fetchall()
    finally:
        con.close()


# ----------------------------------------------------------------------------- scenarios

SCENARIOS: Dict[str, List[Step]] = {
    "autocommit_is_visible_at_once": [
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "UPDATE cloud.{t} SET v = 'ONE' WHERE id = 1"),
        ("b", "SELECT v FROM cloud.{t} WHERE id = 1"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 2"),
        ("b", "SELECT id FROM cloud.{t} ORDER BY id"),
    ],
    "commit_is_atomic_and_invisible_until_commit": [
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4), (5, 'five', 5)"),
        ("a", "UPDATE cloud.{t} SET n = 100 WHERE id = 1"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 2"),
        ("a", "SELECT * FROM cloud.{t} ORDER BY id"),
        ("a", "SELECT count(*), sum(n), max(v) FROM cloud.{t}"),
        ("a", "SELECT t.id, u.label FROM cloud.{t} t LEFT JOIN cloud.{u} u ON u.k = t.id ORDER BY 1"),
        ("b", "SELECT * FROM cloud.{t} ORDER BY id"),
        ("b", "SELECT count(*), sum(n) FROM cloud.{t}"),
        ("a", "COMMIT"),
        ("b", "SELECT * FROM cloud.{t} ORDER BY id"),
    ],
    "rollback_leaves_no_trace": [
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("a", "UPDATE cloud.{t} SET v = 'changed'"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 3"),
        ("a", "INSERT INTO cloud.{t} SELECT id + 10, v, n FROM cloud.{t}"),
        ("a", "SELECT * FROM cloud.{t} ORDER BY id"),
        ("a", "ROLLBACK"),
        ("a", "SELECT * FROM cloud.{t} ORDER BY id"),
    ],
    "ddl_rollback_leaves_no_trace": [
        ("a", "BEGIN"),
        ("a", "CREATE TABLE cloud.{t}_new (x INTEGER, y VARCHAR)"),
        ("a", "INSERT INTO cloud.{t}_new VALUES (1, 'a')"),
        ("a", "SELECT * FROM cloud.{t}_new"),
        ("a", "ALTER TABLE cloud.{t} ADD COLUMN extra INTEGER DEFAULT 7"),
        ("a", "SELECT * FROM cloud.{t} ORDER BY id"),
        ("a", "DROP TABLE cloud.{u}"),
        ("a", "CREATE VIEW cloud.{t}_view AS SELECT id FROM {t}"),
        ("b", "SELECT * FROM cloud.{t}_new"),
        ("b", "SELECT * FROM cloud.{u} ORDER BY k"),
        ("a", "ROLLBACK"),
        ("a", "SELECT * FROM cloud.{t}_new"),
        ("a", "SELECT * FROM cloud.{t}_view"),
        ("a", "SELECT * FROM cloud.{u} ORDER BY k"),
    ],
    "ddl_commit_becomes_visible_to_others_at_commit": [
        ("a", "BEGIN"),
        ("a", "CREATE TABLE cloud.{t}_new AS SELECT id * 2 AS x FROM cloud.{t}"),
        ("a", "ALTER TABLE cloud.{t} RENAME COLUMN v TO label"),
        ("b", "SELECT count(*) FROM cloud.{t}_new"),
        ("b", "SELECT v FROM cloud.{t} ORDER BY id"),
        ("a", "COMMIT"),
        ("b", "SELECT x FROM cloud.{t}_new ORDER BY x"),
        ("b", "SELECT label FROM cloud.{t} ORDER BY id"),
    ],
    "write_write_conflict_on_update": [
        ("a", "BEGIN"),
        ("b", "BEGIN"),
        ("a", "UPDATE cloud.{t} SET v = 'from a' WHERE id = 1"),
        ("b", "UPDATE cloud.{t} SET v = 'from b' WHERE id = 1"),
        ("b", "ROLLBACK"),
        ("a", "COMMIT"),
        ("b", "SELECT v FROM cloud.{t} WHERE id = 1"),
    ],
    "write_write_conflict_autocommit_against_open_transaction": [
        ("a", "BEGIN"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 2"),
        ("b", "UPDATE cloud.{t} SET v = 'b wins?' WHERE id = 2"),
        ("b", "DELETE FROM cloud.{t} WHERE id = 2"),
        ("a", "COMMIT"),
    ],
    "conflict_leaves_the_other_transaction_usable": [
        ("a", "BEGIN"),
        ("b", "BEGIN"),
        ("b", "UPDATE cloud.{t} SET n = 1 WHERE id = 3"),
        ("a", "UPDATE cloud.{t} SET n = 2 WHERE id = 3"),
        ("a", "SELECT 1"),
        ("a", "COMMIT"),
        ("b", "UPDATE cloud.{t} SET n = 3 WHERE id = 1"),
        ("b", "COMMIT"),
    ],
    "concurrent_inserts_of_the_same_key": [
        ("a", "BEGIN"),
        ("b", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} VALUES (50, 'a', 0)"),
        ("b", "INSERT INTO cloud.{t} VALUES (50, 'b', 0)"),
        ("a", "COMMIT"),
        ("b", "COMMIT"),
    ],
    "snapshot_isolation_for_reads": [
        ("b", "BEGIN"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("a", "UPDATE cloud.{t} SET v = 'new' WHERE id = 1"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("b", "SELECT v FROM cloud.{t} WHERE id = 1"),
        ("b", "COMMIT"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
    ],
    "failed_statement_aborts_the_transaction": [
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("a", "INSERT INTO cloud.{t} VALUES (1, 'duplicate', 0)"),
        ("a", "SELECT count(*) FROM cloud.{t}"),
        ("a", "INSERT INTO cloud.{t} VALUES (5, 'five', 5)"),
        ("a", "COMMIT"),
        ("a", "SELECT count(*) FROM cloud.{t}"),
    ],
    "two_remote_databases_in_one_transaction_refused": [
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("a", "INSERT INTO other.{o} VALUES (11, 'eleven')"),
        ("a", "COMMIT"),
        ("a", "SELECT count(*) FROM cloud.{t}"),
        ("a", "SELECT count(*) FROM other.{o}"),
    ],
    "two_remote_databases_other_first_refused": [
        ("a", "BEGIN"),
        ("a", "UPDATE other.{o} SET w = 'TEN'"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 1"),
        ("a", "ROLLBACK"),
    ],
    "two_remote_databases_ddl_refused": [
        ("a", "BEGIN"),
        ("a", "CREATE TABLE cloud.{t}_new (x INTEGER)"),
        ("a", "CREATE TABLE other.{o}_new (x INTEGER)"),
        ("a", "COMMIT"),
        ("b", "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('{t}_new', '{o}_new')"),
    ],
    "remote_and_local_write_in_one_transaction_refused": [
        ("a", "CREATE TABLE memory.{t}_local (x INTEGER)"),
        ("a", "BEGIN"),
        ("a", "INSERT INTO memory.{t}_local VALUES (1)"),
        ("a", "INSERT INTO cloud.{t} VALUES (4, 'four', 4)"),
        ("a", "COMMIT"),
        ("a", "SELECT count(*) FROM memory.{t}_local"),
    ],
    "reading_two_databases_writing_one_is_fine": [
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} SELECT id, w, 0 FROM other.{o}"),
        ("a", "SELECT count(*) FROM other.{o}"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "COMMIT"),
    ],
    "client_rows_inserted_in_a_transaction_then_rolled_back": [
        ("a", "CREATE TABLE memory.{t}_src AS SELECT range::INTEGER + 1000 AS id, 'r' || range AS v, range / 2 AS n FROM range(30000)"),
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} SELECT * FROM memory.{t}_src"),
        ("a", "SELECT count(*), sum(id) FROM cloud.{t}"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "ROLLBACK"),
        ("a", "SELECT count(*) FROM cloud.{t}"),
        ("a", "BEGIN"),
        ("a", "INSERT INTO cloud.{t} SELECT * FROM memory.{t}_src WHERE id % 2 = 0"),
        ("a", "COMMIT"),
        ("b", "SELECT count(*), sum(id) FROM cloud.{t}"),
    ],
    "many_statements_one_commit": [
        ("a", "BEGIN"),
        *[("a", f"INSERT INTO cloud.{{t}} VALUES ({100 + i}, 'v{i}', {i})") for i in range(20)],
        ("a", "UPDATE cloud.{t} SET n = n * 2 WHERE id >= 100"),
        ("a", "DELETE FROM cloud.{t} WHERE id % 3 = 0"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "COMMIT"),
    ],
    "truncate_rolled_back": [
        ("a", "BEGIN"),
        ("a", "TRUNCATE cloud.{t}"),
        ("a", "SELECT count(*) FROM cloud.{t}"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "ROLLBACK"),
    ],
    "ddl_by_another_client_invisible_inside_open_transaction": [
        ("b", "BEGIN"),
        ("b", "SELECT count(*) FROM cloud.{t}"),
        ("a", "CREATE TABLE cloud.{t}_later (x INTEGER)"),
        ("a", "INSERT INTO cloud.{t}_later VALUES (1)"),
        ("b", "SELECT count(*) FROM cloud.{t}_later"),
        ("b", "ROLLBACK"),
        ("b", "SELECT count(*) FROM cloud.{t}_later"),
    ],
    "drop_by_another_client_while_reading": [
        ("b", "BEGIN"),
        ("b", "SELECT count(*) FROM cloud.{u}"),
        ("a", "DROP TABLE cloud.{u}"),
        ("b", "SELECT count(*) FROM cloud.{u}"),
        ("b", "COMMIT"),
        ("b", "SELECT count(*) FROM cloud.{u}"),
    ],
    "create_same_table_in_two_transactions": [
        ("a", "BEGIN"),
        ("b", "BEGIN"),
        ("a", "CREATE TABLE cloud.{t}_same (x INTEGER)"),
        ("b", "CREATE TABLE cloud.{t}_same (y VARCHAR)"),
        ("a", "COMMIT"),
        ("b", "COMMIT"),
        ("b", "SELECT column_name FROM duckdb_columns() WHERE table_name = '{t}_same'"),
    ],
    "alter_against_concurrent_insert": [
        ("a", "BEGIN"),
        ("a", "ALTER TABLE cloud.{u} ADD COLUMN z INTEGER"),
        ("b", "INSERT INTO cloud.{u} VALUES (3, 'z')"),
        ("a", "COMMIT"),
        ("b", "SELECT * FROM cloud.{u} ORDER BY k"),
    ],
    "update_then_delete_same_row_in_one_transaction": [
        ("a", "BEGIN"),
        ("a", "UPDATE cloud.{t} SET v = 'u1' WHERE id = 1"),
        ("a", "UPDATE cloud.{t} SET v = v || 'u2' WHERE id = 1"),
        ("a", "DELETE FROM cloud.{t} WHERE id = 1"),
        ("a", "INSERT INTO cloud.{t} VALUES (1, 'reborn', 0)"),
        ("a", "SELECT * FROM cloud.{t} WHERE id = 1"),
        ("a", "COMMIT"),
    ],
    "commit_and_rollback_without_begin": [
        ("a", "COMMIT"),
        ("a", "ROLLBACK"),
        ("a", "BEGIN"),
        ("a", "BEGIN"),
        ("a", "ROLLBACK"),
    ],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_transaction_scenario_matches_local_duckdb(reference, remote, names, scenario):
    assert_scenario(reference, remote, names, SCENARIOS[scenario])


def test_conflict_error_is_duckdbs_transaction_exception(remote, names):
    a, b = remote.cons["a"], remote.cons["b"]
    for _, sql in SETUP:
        a.execute(fill(sql, names))
    a.execute("BEGIN")
    b.execute("BEGIN")
    a.execute(fill("UPDATE cloud.{t} SET v = 'a' WHERE id = 1", names))
    with pytest.raises(duckdb.TransactionException, match="Conflict on update"):
        b.execute(fill("UPDATE cloud.{t} SET v = 'b' WHERE id = 1", names))
    b.execute("ROLLBACK")
    a.execute("COMMIT")
    assert b.sql(fill("SELECT v FROM cloud.{t} WHERE id = 1", names)).fetchall() == [("a",)]


def test_two_databases_error_text_and_no_half_commit(remote, names, server):
    a = remote.cons["a"]
    for _, sql in SETUP:
        a.execute(fill(sql, names))
    a.execute("BEGIN")
    a.execute(fill("INSERT INTO cloud.{t} VALUES (4, 'four', 4)", names))
    message = helpers.assert_error(
        lambda: a.execute(fill("INSERT INTO other.{o} VALUES (11, 'eleven')", names)),
        'Attempting to write to database "other" in a transaction that has already modified database "cloud"',
        error_type=duckdb.TransactionException,
    )
    assert server.token not in message
    try:
        a.execute("COMMIT")
    except duckdb.Error:
        pass
    # The server itself holds neither write.
    assert server_count(server, names["t"]) == [(3,)]
    assert server_count(server, names["o"], "otherdb") == [(1,)]


def test_rollback_of_ddl_is_seen_on_the_server(remote, names, server):
    a = remote.cons["a"]
    for _, sql in SETUP:
        a.execute(fill(sql, names))
    a.execute("BEGIN")
    a.execute(fill("CREATE TABLE cloud.{t}_gone (x INTEGER)", names))
    a.execute(fill("DROP TABLE cloud.{u}", names))
    a.execute("ROLLBACK")
    check = helpers.attached_client(server, "check")
    try:
        tables = helpers.remote_query(
            check, f"SELECT table_name FROM duckdb_tables() WHERE table_name IN ('{names['t']}_gone', '{names['u']}')", alias="check"
        ).fetchall()
    finally:
        check.close()
    assert tables == [(names["u"],)]


def test_prepared_statements_inside_a_transaction(reference, remote, names):
    for pair in (reference, remote):
        for who, sql in SETUP:
            pair.run(who, fill(sql, names))
    steps = [
        ("a", "BEGIN", None),
        ("a", "INSERT INTO cloud.{t} VALUES (?, ?, ?)", [7, "seven", 7.25]),
        ("a", "UPDATE cloud.{t} SET v = ? WHERE id = ?", ["uno", 1]),
        ("a", "DELETE FROM cloud.{t} WHERE id = $1", [2]),
        ("a", "SELECT * FROM cloud.{t} WHERE id >= ? ORDER BY id", [1]),
        ("b", "SELECT count(*) FROM cloud.{t}", None),
        ("a", "COMMIT", None),
        ("b", "SELECT * FROM cloud.{t} ORDER BY id", None),
    ]
    for who, template, params in steps:
        sql = fill(template, names)
        expected = reference.run(who, sql, params)
        actual = remote.run(who, sql, params)
        assert actual == expected, f"{who}: {sql} {params}\nlocal DuckDB: {expected}\nremote: {actual}"


CLIENT_DATA_IN_TRANSACTION = {
    "update_params_first_in_transaction": [
        ("a", "BEGIN", None),
        ("a", "UPDATE cloud.{t} SET v = ? WHERE id = ?", ["uno", 1]),
        ("a", "SELECT * FROM cloud.{t} ORDER BY id", None),
        ("b", "SELECT v FROM cloud.{t} WHERE id = 1", None),
        ("a", "COMMIT", None),
    ],
    "update_local_subquery_first_in_transaction": [
        ("a", "BEGIN", None),
        ("a", "UPDATE cloud.{t} SET v = 'x' WHERE id IN (SELECT id FROM memory.{t}_ids)", None),
        ("b", "SELECT v FROM cloud.{t} WHERE id = 1", None),
        ("a", "ROLLBACK", None),
    ],
    "delete_local_subquery_after_insert": [
        ("a", "BEGIN", None),
        ("a", "INSERT INTO cloud.{t} VALUES (8, 'eight', 8)", None),
        ("a", "DELETE FROM cloud.{t} WHERE id IN (SELECT id FROM memory.{t}_ids)", None),
        ("a", "SELECT id FROM cloud.{t} ORDER BY id", None),
        ("a", "COMMIT", None),
    ],
    "insert_then_update_with_params": [
        ("a", "BEGIN", None),
        ("a", "INSERT INTO cloud.{t} VALUES (?, ?, ?)", [9, "nine", 9.5]),
        ("a", "UPDATE cloud.{t} SET n = ? WHERE id = ?", [-1.0, 9]),
        ("a", "COMMIT", None),
    ],
}


@pytest.mark.parametrize("scenario", list(CLIENT_DATA_IN_TRANSACTION))
def test_update_delete_with_client_data_inside_a_transaction(reference, remote, names, scenario):
    """UPDATE/DELETE that read parameters or local tables, inside BEGIN ... COMMIT."""
    for pair in (reference, remote):
        for who, sql in [*SETUP, ("a", "CREATE TABLE memory.{t}_ids AS SELECT * FROM (VALUES (1), (3)) v(id)")]:
            assert pair.run(who, fill(sql, names))[0] == "ok"
    for who, template, params in [*CLIENT_DATA_IN_TRANSACTION[scenario], *[(w, s, None) for w, s in STATE]]:
        sql = fill(template, names)
        expected = reference.run(who, sql, params)
        actual = remote.run(who, sql, params)
        assert actual == expected, f"{who}: {sql} {params}\nlocal DuckDB: {expected}\nremote: {actual}"


def test_concurrent_appends_from_two_clients(server, client_factory, unique_name):
    """Autocommit appends of different rows from two clients do not conflict, as in DuckDB."""
    table = unique_name("appends")
    a, b = client_factory(server), client_factory(server)
    a.execute(f"CREATE TABLE cloud.{table} (id BIGINT PRIMARY KEY, who VARCHAR)")
    for con, who in ((a, "a"), (b, "b")):
        con.execute(f"CREATE TABLE src_{who} AS SELECT range * 2 + {0 if who == 'a' else 1} AS id, '{who}' AS who FROM range(50000)")

    def append(con, who):
        for part in range(5):
            con.execute(f"INSERT INTO cloud.{table} SELECT * FROM src_{who} WHERE id % 5 = {part}")

    calls = [helpers.Background(append, a, "a"), helpers.Background(append, b, "b")]
    for call in calls:
        assert call.wait(HANG_LIMIT_S * 2), "an append did not return (hung)"
        assert call.error is None, call.error
    assert a.sql(f"SELECT who, count(*), count(DISTINCT id) FROM cloud.{table} GROUP BY who ORDER BY who").fetchall() == [
        ("a", 50000, 50000),
        ("b", 50000, 50000),
    ]


# ----------------------------------------------------------------------------- read-only attaches

READ_ONLY_WRITES = [
    "INSERT INTO cloud.{t} VALUES (9, 'nine', 9)",
    "INSERT INTO cloud.{t} SELECT range::INTEGER + 100, 'r', 0 FROM range(10)",
    "UPDATE cloud.{t} SET v = 'x'",
    "DELETE FROM cloud.{t}",
    "TRUNCATE cloud.{t}",
    "CREATE TABLE cloud.{t}_ro (a INTEGER)",
    "CREATE TABLE cloud.{t}_ro AS SELECT 1 AS a",
    "DROP TABLE cloud.{t}",
    "ALTER TABLE cloud.{t} ADD COLUMN z INTEGER",
    "CREATE SCHEMA cloud.{t}_schema",
    "CREATE VIEW cloud.{t}_view AS SELECT id FROM {t}",
]


@pytest.fixture
def read_only_reference(tmp_path, names):
    path = tmp_path / "ro_ref.duckdb"
    setup = duckdb.connect(str(path))
    setup.execute(fill("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v VARCHAR, n DOUBLE)", names))
    setup.execute(fill("INSERT INTO {t} VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, 'three', -0.0)", names))
    setup.close()
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS cloud (READ_ONLY)")
    yield con
    con.close()


@pytest.fixture
def writable_remote(server, client_factory, names):
    con = client_factory(server)
    con.execute(fill("CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR, n DOUBLE)", names))
    con.execute(fill("INSERT INTO cloud.{t} VALUES (1, 'one', 1.5), (2, 'two', NULL), (3, 'three', -0.0)", names))
    return con


@pytest.mark.parametrize("how", ["option", "url"])
@pytest.mark.parametrize("template", READ_ONLY_WRITES)
def test_read_only_attach_refuses_writes_like_duckdb(server, client_factory, read_only_reference, writable_remote, names, how, template):
    con = client_factory(server, options="READ_ONLY") if how == "option" else client_factory(server, read_only="true")
    sql = fill(template, names)
    expected = outcome(read_only_reference, sql)
    actual = outcome(con, sql)
    assert expected[0] == "error"
    assert actual[0] == "error", f"{sql} was not refused on a read-only attach ({how}): {actual}"
    # Nothing changed, and reads still work.
    table = names["t"]
    assert con.sql(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall() == writable_remote.sql(
        f"SELECT * FROM cloud.{table} ORDER BY id"
    ).fetchall() == read_only_reference.sql(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall()
    assert writable_remote.sql(f"SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '{table}_%'").fetchall() == [(0,)]
    # The README documents `read_only=true` as the same as `(READ_ONLY)`: DuckDB's own read-only error.
    assert actual == expected, f"{sql} on a read-only attach ({how})\nlocal DuckDB: {expected}\nremote: {actual}"


@pytest.mark.parametrize("how", ["option", "url"])
def test_read_only_attach_in_a_transaction_and_seeing_commits(server, client_factory, writable_remote, names, how):
    con = client_factory(server, options="READ_ONLY") if how == "option" else client_factory(server, read_only="true")
    table = names["t"]
    con.execute("BEGIN")
    assert con.sql(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(3,)]
    with pytest.raises(duckdb.Error):
        con.execute(f"INSERT INTO cloud.{table} VALUES (9, 'nine', 9)")
    con.execute("ROLLBACK")
    writable_remote.execute(f"INSERT INTO cloud.{table} VALUES (4, 'four', 4)")
    assert con.sql(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(4,)]


def test_read_only_escape_hatch_is_refused_by_the_server(server, client_factory, writable_remote, names):
    """The server enforces READ_ONLY too: openduck_execute cannot write through a read-only attach."""
    con = client_factory(server, options="READ_ONLY")
    table = names["t"]
    with pytest.raises(duckdb.Error):
        helpers.remote_execute(con, f"INSERT INTO {table} VALUES (9, 'nine', 9)")
    assert writable_remote.sql(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(3,)]


# ----------------------------------------------------------------------------- dead server


def test_server_dies_inside_a_transaction(fresh_server, server_factory, client_factory, unique_name):
    con = client_factory(fresh_server)
    table = unique_name("dies")
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER)")
    con.execute(f"INSERT INTO cloud.{table} VALUES (1)")
    con.execute("BEGIN")
    con.execute(f"INSERT INTO cloud.{table} SELECT range::INTEGER + 10 FROM range(1000)")
    con.execute(f"CREATE TABLE cloud.{table}_tx (a INTEGER)")
    fresh_server.kill()
    with pytest.raises(duckdb.Error) as raised:
        con.execute("COMMIT")
    assert fresh_server.token not in str(raised.value)
    restarted = server_factory(data_dir=fresh_server.data_dir, token=fresh_server.token, databases=fresh_server.databases)
    again = client_factory(restarted)
    assert again.sql(f"SELECT id FROM cloud.{table}").fetchall() == [(1,)]
    assert again.sql(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{table}_tx'").fetchall() == [(0,)]


# ----------------------------------------------------------------------------- official CLI


def test_cli_transactions(server, cli, unique_name, client_factory):
    table = unique_name("cli_tx")
    prefix = f"LOAD '{EXTENSION_FILE}'; ATTACH '{attach_url(server)}' AS cloud; "
    result = cli(
        prefix
        + f"CREATE TABLE cloud.{table} (id INTEGER PRIMARY KEY); "
        f"BEGIN; INSERT INTO cloud.{table} VALUES (1), (2); CREATE TABLE cloud.{table}_rb (a INTEGER); ROLLBACK; "
        f"BEGIN; INSERT INTO cloud.{table} VALUES (3); SELECT count(*) AS inside FROM cloud.{table}; COMMIT; "
        f"SELECT id FROM cloud.{table};",
        "-csv",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["inside", "1", "id", "3"]
    con = client_factory(server)
    assert con.sql(f"SELECT id FROM cloud.{table}").fetchall() == [(3,)]
    assert con.sql(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{table}_rb'").fetchall() == [(0,)]


def test_cli_two_databases_refused(server, cli, unique_name, client_factory):
    table = unique_name("cli_two")
    con = client_factory(server)
    con.execute(helpers.attach_sql(server, "other", "otherdb"))
    con.execute(f"CREATE TABLE cloud.{table} (a INTEGER)")
    con.execute(f"CREATE TABLE other.{table} (a INTEGER)")
    result = cli(
        f"LOAD '{EXTENSION_FILE}'; ATTACH '{attach_url(server)}' AS cloud; ATTACH '{attach_url(server, 'otherdb')}' AS other; "
        f"BEGIN; INSERT INTO cloud.{table} VALUES (1); INSERT INTO other.{table} VALUES (1); COMMIT;"
    )
    assert result.returncode != 0
    assert "a single transaction can only write to a single attached database" in result.stderr
    assert con.sql(f"SELECT (SELECT count(*) FROM cloud.{table}), (SELECT count(*) FROM other.{table})").fetchall() == [(0, 0)]
