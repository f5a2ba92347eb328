"""Layered storage on a shared PostgreSQL metadata store, end to end.

`openduck serve --storage layered --metadata postgres://...` against a throwaway PostgreSQL
(postgres_server.py): restarts keep the data, `openduck snapshot list` reads the same history, two servers
sharing PostgreSQL and an object store never both write one database, and a PostgreSQL outage fails writes
with a clear error while reads go on, until PostgreSQL is back (no server restart).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import grpc
import pytest

import helpers
from postgres_server import PASSWORD, postgres_server  # noqa: F401 (fixture)


def start(tmp_path: Path, data_dir: Path, *extra: str, env=None) -> helpers.ServerProcess:
    return helpers.start_server(tmp_path, data_dir=data_dir, extra_args=["--storage", "layered", *extra], env=env)


def rows(client: helpers.ProtocolClient, sql: str, database: str = "mydb"):
    _, _, table = client.query(sql, database)
    return table.to_pylist()


def rpc_error(callable_) -> str:
    with pytest.raises(grpc.RpcError) as raised:
        callable_()
    return raised.value.details() or ""


def pg_snapshot_count(pg, database: str = "mydb") -> int:
    return int(pg.sql(f"SELECT count(*) FROM snapshots WHERE database = '{database}'", database="openduck_meta"))


def test_postgres_metadata_survives_restart_and_lists_snapshots(protocol_stubs, postgres_server, tmp_path):
    pg = postgres_server
    data_dir = tmp_path / "data"
    server = start(tmp_path, data_dir, "--metadata", pg.url())
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        client.query("CREATE TABLE t (id INTEGER, s VARCHAR)")
        client.query("INSERT INTO t SELECT range, 'row ' || range FROM range(10000)")
        client.query("INSERT INTO t VALUES (-1, 'single')")
        assert rows(client, "SELECT count(*) AS n FROM t") == [{"n": 10001}]
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()
    logs = server.stderr_text() + server.stdout_text()
    assert PASSWORD not in logs
    # The history lives in PostgreSQL, not in a local SQLite file.
    assert not (data_dir / "metadata.sqlite").exists()
    snapshots = pg_snapshot_count(pg)
    assert snapshots >= 3
    assert pg.sql("SELECT max(version) FROM schema_migrations", database="openduck_meta") == "3\n"
    # The single-row INSERT's commit is small: its layer is inlined in PostgreSQL, with no object behind it.
    inlined = pg.sql("SELECT object_key FROM layers WHERE database = 'mydb' AND inline_data IS NOT NULL",
                     database="openduck_meta").split()
    assert inlined and all(key.startswith("mydb/inline/") for key in inlined)
    assert not (data_dir / "objects" / "mydb" / "inline").exists()

    listing = subprocess.run(
        [str(helpers.SERVER_BINARY), "snapshot", "list", "--metadata", pg.url(), "--data-dir", str(data_dir), "mydb"],
        capture_output=True, text=True, timeout=30,
    )
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["database", "snapshot", "parent"]
    assert len(lines) == 1 + snapshots
    assert all(line.split()[0] == "mydb" for line in lines[1:])
    assert PASSWORD not in listing.stdout + listing.stderr

    server = start(tmp_path, data_dir, "--metadata", pg.url())
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        assert rows(client, "SELECT count(*) AS n, max(s) AS m FROM t WHERE id < 0") == [{"n": 1, "m": "single"}]
        assert rows(client, "SELECT count(*) AS n FROM t") == [{"n": 10001}]
        client.query("INSERT INTO t VALUES (-2, 'after restart')")
        assert rows(client, "SELECT count(*) AS n FROM t") == [{"n": 10002}]
        client.close()
    finally:
        server.stop()
    assert pg_snapshot_count(pg) > snapshots


def test_two_servers_sharing_postgres_never_both_write(protocol_stubs, postgres_server, tmp_path):
    pg = postgres_server
    shared = tmp_path / "shared-objects"
    flags = ("--metadata", pg.url(), "--store", f"file:{shared}")
    first = start(tmp_path, tmp_path / "first", *flags)
    second = None
    try:
        writer = helpers.ProtocolClient(protocol_stubs, first.grpc_target, first.token)
        writer.query("CREATE TABLE t AS SELECT 1 AS x")
        # The second server sees the database in the shared metadata, but cannot take its writer lease.
        second = start(tmp_path, tmp_path / "second", env={"OPENDUCK_METADATA": pg.url(), "OPENDUCK_STORE": f"file:{shared}"})
        other = helpers.ProtocolClient(protocol_stubs, second.grpc_target, second.token)
        message = rpc_error(lambda: other.query("INSERT INTO t VALUES (2)"))
        assert "another writer" in message and "mydb" in message, message
        assert f":{first.pid}:" in message, message  # the holder names the other server's process
        assert PASSWORD not in message
        # The first server is unaffected.
        writer.query("INSERT INTO t VALUES (3)")
        assert rows(writer, "SELECT sum(x)::INTEGER AS total FROM t") == [{"total": 4}]
        writer.close()
        # Once the first server stops (releasing its lease), the second writes, on top of everything it wrote.
        assert first.stop() == 0, first.stderr_text()
        other.query("INSERT INTO t VALUES (10)")
        assert rows(other, "SELECT sum(x)::INTEGER AS total FROM t") == [{"total": 14}]
        other.close()
    finally:
        first.stop()
        if second is not None:
            second.stop()
            assert PASSWORD not in second.stderr_text() + second.stdout_text()


def test_postgres_outage_fails_writes_then_recovers_without_restart(protocol_stubs, postgres_server, tmp_path):
    pg = postgres_server
    server = start(tmp_path, tmp_path / "data", "--metadata", pg.url())
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        client.query("CREATE TABLE t (id INTEGER)")
        client.query("INSERT INTO t VALUES (1)")

        pg.stop()
        message = rpc_error(lambda: client.query("INSERT INTO t VALUES (2)"))
        assert "metadata store" in message and "unavailable" in message, message
        assert PASSWORD not in message
        # Reads of the database go on: the committed state is still served.
        assert rows(client, "SELECT count(*) AS n, sum(id)::INTEGER AS total FROM t") == [{"n": 1, "total": 1}]

        pg.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.query("INSERT INTO t VALUES (3)")
                break
            except grpc.RpcError as error:
                if time.monotonic() > deadline:
                    raise AssertionError(f"writes did not recover after PostgreSQL came back: {error.details()}")
                time.sleep(0.2)
        assert rows(client, "SELECT count(*) AS n, sum(id)::INTEGER AS total FROM t") == [{"n": 2, "total": 4}]
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()
    assert PASSWORD not in server.stderr_text()
