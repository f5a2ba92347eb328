"""Differential storage end to end: `openduck serve --storage layered`, restarts, and kill -9.

Talks to the server with the protocol stubs (helpers.ProtocolClient), so these tests need only the server
binary. docs/storage.md describes the format and the commit protocol checked here.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
from pathlib import Path

import grpc
import pytest

import helpers

LAYERED = ("--storage", "layered")


def start_layered(tmp_root: Path, data_dir: Path) -> helpers.ServerProcess:
    server = helpers.ServerProcess(
        databases=["mydb"],
        token=helpers.random_token(),
        data_dir=data_dir,
        port=helpers.free_port(),
        extra_args=list(LAYERED),
        health_port=helpers.free_port(),
    )
    server.start()
    try:
        server.wait_ready()
    except BaseException:
        server.cleanup()
        raise
    return server


def rows(client: helpers.ProtocolClient, sql: str, database: str = "mydb"):
    _, _, table = client.query(sql, database)
    return table.to_pylist()


def run(client: helpers.ProtocolClient, sql: str, database: str = "mydb") -> None:
    client.query(sql, database)


def snapshot_count(data_dir: Path, database: str = "mydb") -> int:
    with sqlite3.connect(f"file:{data_dir / 'metadata.sqlite'}?mode=ro", uri=True) as meta:
        return meta.execute("SELECT count(*) FROM snapshots WHERE database = ?", (database,)).fetchone()[0]


def test_layered_store_serves_and_survives_clean_restart(protocol_stubs, tmp_path):
    data_dir = tmp_path / "data"
    server = start_layered(tmp_path, data_dir)
    try:
        assert "storage: layered" in server.stderr_text() + server.stdout_text()
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        run(client, "CREATE TABLE t (id INTEGER, s VARCHAR)")
        run(client, "INSERT INTO t SELECT range, 'row ' || range FROM range(100000)")
        run(client, "INSERT INTO t VALUES (-1, 'single')")
        assert rows(client, "SELECT count(*) AS n, sum(id)::BIGINT AS total FROM t") == [{"n": 100001, "total": 4999950000 - 1}]
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()
    # Nothing is stored as a plain DuckDB file: the data lives in layers and snapshots.
    assert not list(data_dir.glob("*.duckdb*"))
    assert list((data_dir / "objects" / "mydb" / "layers").glob("*.layer"))
    assert snapshot_count(data_dir) >= 3

    # `openduck snapshot list` shows the same history.
    listing = subprocess.run(
        [str(helpers.SERVER_BINARY), "snapshot", "list", "--data-dir", str(data_dir), "mydb"],
        capture_output=True, text=True, timeout=30,
    )
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["database", "snapshot", "parent"]
    assert len(lines) == 1 + snapshot_count(data_dir)
    assert all(line.split()[0] == "mydb" for line in lines[1:])
    missing = subprocess.run(
        [str(helpers.SERVER_BINARY), "snapshot", "list", "--data-dir", str(data_dir), "nosuchdb"],
        capture_output=True, text=True, timeout=30,
    )
    assert missing.returncode == 1 and "nosuchdb" in missing.stderr

    server = start_layered(tmp_path, data_dir)
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        assert rows(client, "SELECT count(*) AS n, max(s) AS m FROM t WHERE id < 0") == [{"n": 1, "m": "single"}]
        assert rows(client, "SELECT count(*) AS n FROM t") == [{"n": 100001}]
        client.close()
    finally:
        server.stop()


def test_layered_storage_is_the_default_and_plain_files_are_on_request(protocol_stubs, tmp_path):
    for extra_args, layered in (((), True), (("--storage", "file"), False)):
        data_dir = tmp_path / ("layered" if layered else "file")
        server = helpers.start_server(tmp_path, data_dir=data_dir, extra_args=extra_args)
        try:
            client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
            run(client, "CREATE TABLE t AS SELECT 1 AS x")
            client.close()
        finally:
            server.stop()
        assert (data_dir / "metadata.sqlite").exists() == layered
        assert (data_dir / "mydb.duckdb").is_file() == (not layered)


def test_unknown_storage_kind_is_a_usage_error(server_binary, tmp_path):
    result = subprocess.run(
        [str(server_binary), "serve", "--storage", "floppy", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "invalid --storage" in result.stderr


KILL_ROUNDS = 55


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill_9_never_loses_an_acknowledged_commit(protocol_stubs, tmp_path):
    """Commit in a loop, kill -9 the server at a random moment, restart, check every acknowledged commit.

    Commits mix single-row inserts, bulk inserts (which make DuckDB write row groups to the main file) and
    explicit CHECKPOINTs (which rewrite the main file and rotate the WAL), so kills land in every phase.
    """
    rng = random.Random(20261122)
    data_dir = tmp_path / "data"
    acknowledged = set()  # ids whose INSERT returned success to the client
    maybe = set()  # ids of the statement in flight at the kill: either outcome is correct
    next_id = 0
    kills = 0
    commits = 0

    server = start_layered(tmp_path, data_dir)
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    run(client, "CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR)")
    client.close()

    for round_number in range(KILL_ROUNDS):
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        # 1. Everything acknowledged before the last kill is there, nothing unexpected is.
        present = {row["id"] for row in rows(client, "SELECT id FROM t")}
        missing = acknowledged - present
        assert not missing, f"round {round_number}: {len(missing)} acknowledged ids lost, e.g. {sorted(missing)[:10]}"
        unexpected = present - acknowledged - maybe
        assert not unexpected, f"round {round_number}: ids that were never written: {sorted(unexpected)[:10]}"
        acknowledged |= present & maybe  # the in-flight statement made it: from now on it must stay
        maybe = set()

        # 2. Commit until a random moment, then kill -9 while commits are in flight.
        delay = rng.uniform(0.05, 1.2)
        killer = threading.Timer(delay, server.process.kill)
        killer.start()
        try:
            while True:
                choice = rng.random()
                if choice < 0.08:
                    ids = set(range(next_id, next_id + 5000))
                    sql = f"INSERT INTO t SELECT range, repeat('b', 50) FROM range({next_id}, {next_id + 5000})"
                    next_id += 5000
                elif choice < 0.12:
                    ids, sql = set(), "CHECKPOINT"
                elif choice < 0.15 and acknowledged:
                    victim = rng.choice(sorted(acknowledged))
                    # Updates rewrite existing rows; the id set is unchanged.
                    ids, sql = set(), f"UPDATE t SET payload = 'updated' WHERE id = {victim}"
                else:
                    ids = {next_id}
                    sql = f"INSERT INTO t VALUES ({next_id}, 'single {next_id}')"
                    next_id += 1
                maybe = ids
                try:
                    run(client, sql)
                except grpc.RpcError:
                    break
                acknowledged |= ids
                maybe = set()
                commits += 1
        finally:
            killer.join()
            client.close()
        server.process.wait()
        kills += 1
        server.cleanup()
        server = start_layered(tmp_path, data_dir)

    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    present = {row["id"] for row in rows(client, "SELECT id FROM t")}
    assert acknowledged <= present
    assert present <= acknowledged | maybe
    assert rows(client, "SELECT count(*) AS n FROM (SELECT id FROM t GROUP BY id HAVING count(*) > 1)") == [{"n": 0}]
    client.close()
    assert server.stop() == 0, server.stderr_text()
    assert kills >= 50
    assert commits >= kills  # commits did land between kills
    print(f"kill -9 rounds: {kills}, acknowledged commits: {commits}, rows: {len(acknowledged)}, "
          f"snapshots: {snapshot_count(data_dir)}")
