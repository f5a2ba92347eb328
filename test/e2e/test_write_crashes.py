"""Crashes in the middle of writes never leave half a statement behind.

A separate Python process (official DuckDB wheel + the extension) inserts millions of rows into a
remote table; the test SIGKILLs that client, or the server, while the insert runs. Afterwards the
table holds either none or all of the rows, the server notes the broken statement or session, and
the table stays usable. Durability: rows committed before a server crash are there after restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import List

import pytest

import helpers
from helpers import EXTENSION_FILE

ROWS = 5_000_000
# How long the insert runs before the kill (not asserted on): well inside the ~1 s the fastest of these inserts
# (5M client rows, stored by the server in parallel) takes on the 2-core machine.
BEFORE_KILL_S = 0.4

CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import duckdb

    extension, url, table, mode, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{extension}'")
    con.execute(f"ATTACH '{url}' AS cloud")
    if mode == "client_rows":
        # Rows that only the client has: streamed to the server as Arrow.
        con.execute(f"CREATE TABLE src AS SELECT range AS id, 'row-' || range AS s FROM range({rows})")
        sql = f"INSERT INTO cloud.{table} SELECT * FROM src"
    elif mode == "range":
        sql = f"INSERT INTO cloud.{table} SELECT range, 'row-' || range FROM range({rows})"
    elif mode == "open_transaction":
        con.execute("BEGIN")
        con.execute(f"INSERT INTO cloud.{table} SELECT range, 'row-' || range FROM range({rows})")
        con.execute(f"UPDATE cloud.{table} SET s = 'changed' WHERE id < 10")
        sql = None
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("READY", flush=True)
    if sql is None:
        sys.stdin.read()  # hold the transaction open until killed
        raise SystemExit(0)
    try:
        result = con.execute(sql).fetchall()
        print("DONE " + json.dumps(result), flush=True)
    except Exception as error:
        print("ERROR " + type(error).__name__ + " " + json.dumps(str(error)), flush=True)
        raise SystemExit(3)
    """
)


def start_client(tmp_path: Path, server: helpers.ServerProcess, table: str, mode: str, rows: int = ROWS) -> subprocess.Popen:
    script = tmp_path / "writer.py"
    script.write_text(CLIENT_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDUCK_")}
    process = subprocess.Popen(
        [sys.executable, str(script), str(EXTENSION_FILE), helpers.attach_url(server), table, mode, str(rows)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = process.stdout.readline()
    if line.strip() != "READY":
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"writer client did not get ready: {line!r}{out}\n{err}")
    return process


def create_target(server: helpers.ServerProcess, table: str, baseline: int = 0) -> None:
    con = helpers.attached_client(server)
    try:
        con.execute(f"CREATE TABLE cloud.{table} (id BIGINT, s VARCHAR)")
        if baseline:
            con.execute(f"INSERT INTO cloud.{table} SELECT -1 - range, 'committed' FROM range({baseline})")
    finally:
        con.close()


def table_state(server: helpers.ServerProcess, table: str):
    """(total rows, rows written by the crashed statement, 'changed' rows) as the server sees them."""
    con = helpers.attached_client(server, "check")
    try:
        return helpers.remote_query(
            con,
            f"SELECT count(*), count(*) FILTER (WHERE id >= 0), count(*) FILTER (WHERE s = 'changed') FROM main.{table}",
            alias="check",
        ).fetchall()[0]
    finally:
        con.close()


def failure_log_lines(lines: List[str]) -> List[str]:
    """Query lines whose status is not ok, and closed sessions that rolled something back."""
    found = []
    for line in lines:
        if helpers.QUERY_LOG_LINE.search(line):
            status = helpers.parse_query_log(line)["status"]
            if status.startswith("cancelled") or status.startswith("error"):
                found.append(line)
        elif " closed " in line and "rolled_back=true" in line:
            found.append(line)
    return found


def server_lines(server: helpers.ServerProcess) -> List[str]:
    return server.stderr_text().splitlines()


def assert_table_usable(server: helpers.ServerProcess, table: str) -> None:
    """No lock, conflict or half-written state is left behind: the same rows can be written again."""
    con = helpers.attached_client(server)
    try:
        con.execute(f"INSERT INTO cloud.{table} VALUES (0, 'after')")
        con.execute(f"UPDATE cloud.{table} SET s = 'after2' WHERE id BETWEEN 0 AND 20")
        con.execute(f"DELETE FROM cloud.{table} WHERE s = 'after2'")
        assert con.sql(f"SELECT count(*) FROM cloud.{table} WHERE id BETWEEN 0 AND 20").fetchall() == [(0,)]
    finally:
        con.close()


# ----------------------------------------------------------------------------- client killed


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["range", "client_rows"])
def test_client_killed_mid_insert(fresh_server, server_factory, tmp_path, unique_name, mode):
    table = unique_name("killed_client")
    create_target(fresh_server, table, baseline=100)
    seen = len(server_lines(fresh_server))
    writer = start_client(tmp_path, fresh_server, table, mode)
    time.sleep(BEFORE_KILL_S)
    still_running = writer.poll() is None
    writer.send_signal(signal.SIGKILL)
    out, err = writer.communicate()
    assert still_running, f"the insert finished within {BEFORE_KILL_S} s, so nothing was interrupted: {out}{err}"
    # The server notices the dead client (its call is cancelled) and says so in its log.
    assert helpers.wait_until(lambda: failure_log_lines(server_lines(fresh_server)[seen:]), timeout=60), (
        "the server logged no cancelled/failed statement or rolled-back session for the killed client:\n"
        + "\n".join(server_lines(fresh_server)[seen:])
    )
    total, written, _ = table_state(fresh_server, table)
    assert written in (0, ROWS), f"a partial insert is visible: {written} of {ROWS} rows"
    assert total == written + 100, "rows committed before the crash were lost"
    assert_table_usable(fresh_server, table)
    # And a restart keeps exactly that state.
    before_restart = table_state(fresh_server, table)
    fresh_server.stop()
    restarted = restart(server_factory, fresh_server)
    assert table_state(restarted, table) == before_restart


def test_client_killed_inside_open_transaction(fresh_server, tmp_path, unique_name, client_factory):
    table = unique_name("killed_tx")
    create_target(fresh_server, table, baseline=10)
    seen = len(server_lines(fresh_server))
    writer = start_client(tmp_path, fresh_server, table, "open_transaction", rows=100_000)
    # The transaction is open on the server with 100k uncommitted rows; others see none of them.
    other = client_factory(fresh_server)
    assert other.sql(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(10,)]
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert helpers.wait_until(lambda: failure_log_lines(server_lines(fresh_server)[seen:]), timeout=60), (
        "the server logged no rolled-back session or failed statement for the killed client:\n"
        + "\n".join(server_lines(fresh_server)[seen:])
    )
    assert table_state(fresh_server, table) == (10, 0, 0)
    # The dead transaction holds no locks: the rows it touched can be written at once.
    assert_table_usable(fresh_server, table)
    other.execute(f"UPDATE cloud.{table} SET s = 'x' WHERE id < 0")
    assert other.sql(f"SELECT count(*) FROM cloud.{table} WHERE s = 'x'").fetchall() == [(10,)]


# ----------------------------------------------------------------------------- server killed


def restart(server_factory, old: helpers.ServerProcess) -> helpers.ServerProcess:
    return server_factory(data_dir=old.data_dir, token=old.token, databases=old.databases)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["range", "client_rows"])
def test_server_killed_mid_insert(fresh_server, server_factory, tmp_path, unique_name, mode):
    table = unique_name("killed_server")
    create_target(fresh_server, table, baseline=100)
    writer = start_client(tmp_path, fresh_server, table, mode)
    time.sleep(BEFORE_KILL_S)
    still_running = writer.poll() is None
    fresh_server.process.send_signal(signal.SIGKILL)
    fresh_server.process.wait()
    out, err = writer.communicate(timeout=90)
    assert still_running, f"the insert finished within {BEFORE_KILL_S} s, so nothing was interrupted: {out}{err}"
    # The client gets an error, not a success and not a hang.
    assert writer.returncode != 0, out + err
    assert out.startswith("ERROR"), out + err
    assert fresh_server.token not in out + err
    restarted = restart(server_factory, fresh_server)
    total, written, _ = table_state(restarted, table)
    assert written in (0, ROWS), f"a partial insert survived the crash: {written} of {ROWS} rows"
    assert total == written + 100, "rows committed before the crash were lost"
    assert_table_usable(restarted, table)


def test_server_killed_with_open_transaction(fresh_server, server_factory, tmp_path, unique_name):
    table = unique_name("killed_server_tx")
    create_target(fresh_server, table, baseline=10)
    writer = start_client(tmp_path, fresh_server, table, "open_transaction", rows=100_000)
    fresh_server.process.send_signal(signal.SIGKILL)
    fresh_server.process.wait()
    writer.kill()
    writer.communicate()
    restarted = restart(server_factory, fresh_server)
    assert table_state(restarted, table) == (10, 0, 0)
    assert_table_usable(restarted, table)


def test_committed_writes_survive_server_kill(fresh_server, server_factory, client_factory, unique_name):
    table = unique_name("durable")
    con = client_factory(fresh_server)
    con.execute(f"CREATE TABLE cloud.{table} (id INTEGER PRIMARY KEY, s VARCHAR)")
    con.execute(f"INSERT INTO cloud.{table} SELECT range, 'v' || range FROM range(1000)")
    con.execute("BEGIN")
    con.execute(f"UPDATE cloud.{table} SET s = 'tx' WHERE id < 500")
    con.execute(f"DELETE FROM cloud.{table} WHERE id >= 900")
    con.execute("COMMIT")
    con.execute(f"ALTER TABLE cloud.{table} ADD COLUMN extra INTEGER DEFAULT 5")
    expected = con.sql(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall()
    fresh_server.process.send_signal(signal.SIGKILL)
    fresh_server.process.wait()
    restarted = restart(server_factory, fresh_server)
    again = client_factory(restarted)
    assert again.sql(f"SELECT * FROM cloud.{table} ORDER BY id").fetchall() == expected
    assert len(expected) == 900


# ----------------------------------------------------------------------------- interrupted


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["range", "client_rows"])
def test_interrupted_insert_leaves_all_or_nothing(fresh_server, client_factory, unique_name, mode):
    """con.interrupt() (Ctrl-C) during a big insert: DuckDB's interrupt error, then none or all rows."""
    table = unique_name("interrupted")
    create_target(fresh_server, table, baseline=100)
    con = client_factory(fresh_server)
    if mode == "client_rows":
        con.execute(f"CREATE TABLE src AS SELECT range AS id, 'row-' || range AS s FROM range({ROWS})")
        sql = f"INSERT INTO cloud.{table} SELECT * FROM src"
    else:
        sql = f"INSERT INTO cloud.{table} SELECT range, 'row-' || range FROM range({ROWS})"
    seen = len(server_lines(fresh_server))
    call = helpers.Background(lambda: con.execute(sql).fetchall())
    time.sleep(BEFORE_KILL_S)
    was_running = call.finished_at is None
    con.interrupt()
    assert call.wait(90), "the interrupted insert did not return (hung)"
    assert was_running, "the insert finished before the interrupt"
    assert call.error is not None, f"the insert finished despite the interrupt: {call.result}"
    assert "interrupt" in str(call.error).lower(), call.error
    assert helpers.wait_until(lambda: failure_log_lines(server_lines(fresh_server)[seen:]), timeout=60), (
        "the server logged no cancelled statement:\n" + "\n".join(server_lines(fresh_server)[seen:])
    )
    total, written, _ = table_state(fresh_server, table)
    assert written == 0, f"an interrupted insert left {written} of {ROWS} rows"
    assert total == 100
    # The connection stays usable.
    assert con.sql(f"SELECT count(*) FROM cloud.{table}").fetchall() == [(100,)]
