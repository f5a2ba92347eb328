"""Snapshots, time travel, zero-copy clones, read replicas, compaction and garbage collection on layered storage.

Clients are the official wheel with the extension (ATTACH ...?snapshot=, openduck_snapshots(), CREATE DATABASE
... FROM ...), the `openduck` CLI, and the protocol stubs where a test needs many fast reads.
"""

from __future__ import annotations

import datetime
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

import helpers

LAYERED = ["--storage", "layered"]
# Reads of the transfer invariant (the issue asks for at least 10,000).
READS = int(__import__("os").environ.get("OPENDUCK_TEST_TRANSFER_READS", "10000"))


@pytest.fixture
def layered(server_factory, tmp_path):
    """A server on layered storage with a fresh data directory."""
    return server_factory(extra_args=LAYERED, data_dir=tmp_path / "data")


def openduck_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(helpers.SERVER_BINARY), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def snapshot_rows(con, alias: str = "cloud"):
    return con.execute(
        "SELECT snapshot_id, snapshot_name, is_newest FROM openduck_snapshots(?) ORDER BY snapshot_id", [alias]
    ).fetchall()


def layer_objects(data_dir: Path, database: str = "mydb"):
    return sorted(p.name for p in (data_dir / "objects" / database / "layers").glob("*.layer"))


def layer_rows(data_dir: Path, database: str = "mydb"):
    """(layer rows, of which inlined) in the metadata store."""
    with sqlite3.connect(f"file:{data_dir / 'metadata.sqlite'}?mode=ro", uri=True) as meta:
        return meta.execute(
            "SELECT count(*), count(inline_data) FROM layers WHERE database = ?", (database,)
        ).fetchone()


def newest_layer_count(data_dir: Path, database: str = "mydb") -> int:
    with sqlite3.connect(f"file:{data_dir / 'metadata.sqlite'}?mode=ro", uri=True) as meta:
        return meta.execute(
            "SELECT layer_count FROM snapshots WHERE database = ? ORDER BY id DESC LIMIT 1", (database,)
        ).fetchone()[0]


# -- time travel --------------------------------------------------------------------------------------------


def test_attach_at_snapshot_id_name_and_time_reads_that_state(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t AS SELECT 1 AS v")
    first = helpers.newest_snapshot(con)
    con.execute("SELECT snapshot_id FROM openduck_create_snapshot('cloud', 'one_row')")
    time.sleep(0.05)
    between = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    time.sleep(0.05)
    con.execute("INSERT INTO cloud.t VALUES (2), (3)")
    con.execute("UPDATE cloud.t SET v = v * 10 WHERE v = 1")

    assert con.execute("SELECT sum(v) FROM cloud.t").fetchone()[0] == 15
    for snapshot in (str(first), "one_row", between):
        past = client_factory(layered, alias="past", snapshot=snapshot)
        assert past.execute("SELECT list(v ORDER BY v) FROM past.t").fetchone()[0] == [1], snapshot
        # The attach reads only; DuckDB says so before anything reaches the server.
        helpers.assert_error(lambda: past.execute("INSERT INTO past.t VALUES (9)"), "read-only")
    # duckdb_databases() shows which state is attached.
    paths = dict(past.execute("SELECT database_name, path FROM duckdb_databases()").fetchall())
    assert paths["past"].endswith("?snapshot=" + between)


def test_attach_by_time_is_pinned_to_one_snapshot(layered, client_factory):
    # A time after the newest commit names the newest snapshot at ATTACH; later commits must not move the attach.
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t AS SELECT 1 AS v")
    past = client_factory(layered, alias="past", snapshot="2099-01-01 00:00:00")
    assert past.execute("SELECT count(*) FROM past.t").fetchone()[0] == 1
    con.execute("INSERT INTO cloud.t VALUES (2)")
    assert past.execute("SELECT count(*) FROM past.t").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM cloud.t").fetchone()[0] == 2


def test_snapshot_listing_and_naming(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t (v INTEGER)")
    con.execute("INSERT INTO cloud.t VALUES (1)")
    rows = snapshot_rows(con)
    assert rows[-1][2] is True and all(not newest for _, _, newest in rows[:-1])
    named = con.execute(
        "SELECT snapshot_id, snapshot_name FROM openduck_create_snapshot('cloud', 'release-1.0')").fetchall()
    assert named == [(rows[-1][0], "release-1.0")]
    assert ("release-1.0" in [name for _, name, _ in snapshot_rows(con)])
    # Also by the remote database's name, and through the CLI.
    assert snapshot_rows(con, "mydb") == snapshot_rows(con)
    listed = openduck_cli("snapshot", "list", "--data-dir", str(layered.data_dir), "mydb")
    assert listed.returncode == 0, listed.stderr
    assert "release-1.0" in listed.stdout
    con.execute("INSERT INTO cloud.t VALUES (2)")
    helpers.assert_error(lambda: con.execute("SELECT 1 FROM openduck_create_snapshot('cloud', 'release-1.0')"),
                         "release-1.0")
    helpers.assert_error(lambda: con.execute("SELECT 1 FROM openduck_create_snapshot('cloud', 'bad name!')"),
                         "invalid snapshot name")
    created = openduck_cli("snapshot", "create", "--data-dir", str(layered.data_dir), "mydb", "from-cli")
    assert created.returncode == 0, created.stderr
    past = client_factory(layered, alias="past", snapshot="from-cli")
    assert past.execute("SELECT count(*) FROM past.t").fetchone()[0] == 2
    past = client_factory(layered, alias="past", snapshot="release-1.0")
    assert past.execute("SELECT count(*) FROM past.t").fetchone()[0] == 1


def test_bad_snapshots_give_clear_errors(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t (v INTEGER)")
    for snapshot, fragment in [("999999", "no snapshot 999999"), ("nosuchname", "no snapshot named"),
                               ("1999-01-01 00:00:00", "no snapshot at or before"),
                               ("2026-13-45 99:00", "invalid snapshot time")]:
        helpers.assert_error(lambda: client_factory(layered, alias="past", snapshot=snapshot), fragment)
    helpers.assert_error(lambda: con.execute("FROM openduck_snapshots('nosuch')"), "not an attached OpenDuck")


def test_plain_file_store_refuses_time_travel_clearly(server_factory, client_factory):
    server = server_factory(extra_args=["--storage", "file"])
    helpers.assert_error(lambda: client_factory(server, snapshot="1"), "--storage layered")


# -- clones ---------------------------------------------------------------------------------------------------


def test_create_database_from_is_a_zero_copy_clone_that_diverges(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t AS SELECT range AS v FROM range(1000)")
    before = helpers.newest_snapshot(con)
    con.execute("DELETE FROM cloud.t WHERE v >= 10")
    objects_before = layer_objects(layered.data_dir)

    def first_row(sql):
        cursor = con.execute(sql)
        return dict(zip([column[0] for column in cursor.description], cursor.fetchone()))

    assert first_row("CREATE DATABASE copy FROM cloud")["database_name"] == "copy"
    assert first_row(f"CREATE DATABASE old_copy FROM cloud AT (VERSION => {before})")["source_snapshot_id"] == before
    # Metadata only: no layer object was written for either clone.
    assert layer_objects(layered.data_dir) == objects_before
    assert not (layered.data_dir / "objects" / "copy").exists()

    con.execute(helpers.attach_sql(layered, "c", "copy"))
    con.execute(helpers.attach_sql(layered, "o", "old_copy"))
    assert con.execute("SELECT count(*) FROM c.t").fetchone()[0] == 10
    assert con.execute("SELECT count(*) FROM o.t").fetchone()[0] == 1000
    # Each side writes independently.
    con.execute("INSERT INTO c.t VALUES (-1)")
    con.execute("INSERT INTO cloud.t VALUES (-2), (-3)")
    assert con.execute("SELECT count(*) FROM c.t").fetchone()[0] == 11
    assert con.execute("SELECT count(*) FROM cloud.t").fetchone()[0] == 12
    assert con.execute("SELECT count(*) FROM o.t").fetchone()[0] == 1000

    helpers.assert_error(lambda: con.execute("CREATE DATABASE copy FROM cloud"), "exists")
    helpers.assert_error(lambda: con.execute("CREATE DATABASE x FROM nosuch"), "not an attached OpenDuck")
    helpers.assert_error(lambda: con.execute("CREATE DATABASE x FROM cloud AT (VERSION => 99999)"), "no snapshot")


def test_clone_refused_for_read_only_attach(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t (v INTEGER)")
    reader = client_factory(layered, alias="ro", options="READ_ONLY")
    helpers.assert_error(lambda: reader.execute("CREATE DATABASE copy FROM ro"), "read-only")
    helpers.assert_error(lambda: reader.execute("SELECT 1 FROM openduck_create_snapshot('ro', 'x')"), "read-only")


def test_cli_clone_is_constant_time_and_served(layered, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.small AS SELECT 1 AS v")
    started = time.monotonic()
    small = openduck_cli("clone", "--data-dir", str(layered.data_dir), "mydb", "small_copy")
    small_seconds = time.monotonic() - started
    assert small.returncode == 0, small.stderr
    con.execute("CREATE TABLE cloud.big AS SELECT range AS v, repeat('x', 100) AS pad FROM range(300000)")
    started = time.monotonic()
    big = openduck_cli("clone", "--data-dir", str(layered.data_dir), "mydb", "big_copy")
    big_seconds = time.monotonic() - started
    assert big.returncode == 0, big.stderr
    # Both are one metadata transaction; the process start dominates either way.
    assert big_seconds < small_seconds + 1.0
    con.execute(helpers.attach_sql(layered, "b", "big_copy"))
    assert con.execute("SELECT count(*) FROM b.big").fetchone()[0] == 300000
    failed = openduck_cli("clone", "--data-dir", str(layered.data_dir), "mydb", "big_copy")
    assert failed.returncode == 1 and "exists" in failed.stderr


# -- read replicas ----------------------------------------------------------------------------------------------


def test_replica_serves_the_newest_commit_within_a_second_and_refuses_writes(layered, server_factory, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t (v INTEGER)")
    replica = server_factory(extra_args=["--replica"], data_dir=layered.data_dir)
    reader = client_factory(replica, alias="r")
    for value in range(1, 6):
        con.execute("INSERT INTO cloud.t VALUES (?)", [value])
        committed = time.monotonic()
        while reader.execute("SELECT count(*) FROM r.t").fetchone()[0] != value:
            assert time.monotonic() - committed < 1.0, "the replica did not see the commit within 1 s"
            time.sleep(0.01)
    helpers.assert_error(lambda: reader.execute("INSERT INTO r.t VALUES (0)"), "read-only")
    helpers.assert_error(lambda: reader.execute("CREATE DATABASE x FROM r"), "read replica")


def test_replica_first_read_after_a_quiet_spell_sees_every_earlier_commit(layered, server_factory, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t1 AS SELECT 1 AS a")
    replica = server_factory(extra_args=["--replica"], data_dir=layered.data_dir)
    reader = client_factory(replica, alias="r")
    assert reader.execute("SELECT * FROM r.t1").fetchall() == [(1,)]
    # Nobody asks the replica meanwhile: it must still move on by itself, schema changes included.
    con.execute("DROP TABLE cloud.t1")
    con.execute("CREATE TABLE cloud.t2 AS SELECT 2 AS b")
    time.sleep(1.0)
    assert reader.execute("SELECT * FROM r.t2").fetchall() == [(2,)]
    helpers.assert_error(lambda: reader.execute("SELECT * FROM r.t1"), "does not exist")


def test_readers_never_see_a_partial_transfer(layered, server_factory, protocol_stubs):
    writer = helpers.ProtocolClient(protocol_stubs, layered.grpc_target, layered.token)
    writer.query("CREATE TABLE accounts AS SELECT range AS id, 1000 AS balance FROM range(10)")
    replica = server_factory(extra_args=["--replica"], data_dir=layered.data_dir)
    stop = threading.Event()
    errors = []

    def transfer():
        import random

        session_random = random.Random(7)
        try:
            while not stop.is_set():
                a, b = session_random.sample(range(10), 2)
                amount = session_random.randint(1, 50)
                writer.query(f"BEGIN; UPDATE accounts SET balance = balance - {amount} WHERE id = {a}; "
                             f"UPDATE accounts SET balance = balance + {amount} WHERE id = {b}; COMMIT")
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    thread = threading.Thread(target=transfer)
    thread.start()
    totals = set()

    def read(server, count):
        # Half the reads on the replica (another process, newest snapshot), half on the writer itself.
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        try:
            for _ in range(count):
                _, _, table = client.query("SELECT sum(balance)::BIGINT AS total, count(*) AS n FROM accounts")
                row = table.to_pylist()[0]
                totals.add((row["total"], row["n"]))
        except Exception as error:
            errors.append(error)
        finally:
            client.close()

    readers = [threading.Thread(target=read, args=(server, READS // 2)) for server in (replica, layered)]
    try:
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert not errors, errors
    assert totals == {(10_000, 10)}


# -- compaction and garbage collection -------------------------------------------------------------------------


def test_compaction_keeps_every_snapshot_readable_and_gc_respects_retention(server_factory, client_factory, tmp_path):
    data_dir = tmp_path / "data"
    server = server_factory(extra_args=LAYERED + ["--retention", "0s"], data_dir=data_dir)
    con = client_factory(server)
    con.execute("CREATE TABLE cloud.t (v INTEGER)")
    snapshots = {}
    for value in range(60):
        con.execute("INSERT INTO cloud.t VALUES (?)", [value])
        snapshots[value] = helpers.newest_snapshot(con)
    # Compaction runs in the background once a database has 16 layers; it keeps the layer list short.
    assert helpers.wait_until(lambda: newest_layer_count(data_dir) < 16, timeout=10), newest_layer_count(data_dir)
    for value in (0, 17, 42, 59):
        past = client_factory(server, alias=f"p{value}", snapshot=str(snapshots[value]))
        assert past.execute(f"SELECT count(*), sum(v) FROM p{value}.t").fetchone() == (
            value + 1, sum(range(value + 1))), value
        past.close()
    # Collect: unnamed old snapshots go, the newest stays, and layers nothing lists any more are deleted: the
    # single-row commits' inlined layers (now merged into objects by compaction) and merged objects that a later
    # merge replaced.
    rows_before, inlined_before = layer_rows(data_dir)
    assert inlined_before > 0
    objects_before = set(layer_objects(data_dir))
    gc = openduck_cli("gc", "--data-dir", str(data_dir), "--retention", "0s")
    assert gc.returncode == 0, gc.stderr
    assert "expired" in gc.stdout
    rows_after, inlined_after = layer_rows(data_dir)
    assert rows_after < rows_before and inlined_after < inlined_before
    assert set(layer_objects(data_dir)) <= objects_before
    assert len(layer_objects(data_dir)) == rows_after - inlined_after
    assert con.execute("SELECT count(*) FROM cloud.t").fetchone()[0] == 60
    helpers.assert_error(lambda: client_factory(server, alias="gone", snapshot=str(snapshots[5])), "no snapshot")


def test_named_snapshot_survives_gc_and_held_snapshot_is_not_collected(server_factory, client_factory, tmp_path):
    data_dir = tmp_path / "data"
    server = server_factory(extra_args=LAYERED + ["--retention", "0s"], data_dir=data_dir)
    con = client_factory(server)
    con.execute("CREATE TABLE cloud.t AS SELECT range AS v FROM range(100)")
    con.execute("SELECT snapshot_id FROM openduck_create_snapshot('cloud', 'keep')")
    held = helpers.newest_snapshot(con)
    con.execute("DELETE FROM cloud.t")
    for value in range(20):
        con.execute("INSERT INTO cloud.t VALUES (?)", [value])
    reader = client_factory(server, alias="held", snapshot=str(held))
    assert reader.execute("SELECT count(*) FROM held.t").fetchone()[0] == 100
    gc = openduck_cli("gc", "--data-dir", str(data_dir), "--retention", "0s")
    assert gc.returncode == 0, gc.stderr
    named = client_factory(server, alias="named", snapshot="keep")
    assert named.execute("SELECT count(*) FROM named.t").fetchone()[0] == 100
    # The open reader's snapshot keeps its layers: reading all of it still works after GC.
    assert reader.execute("SELECT sum(v) FROM held.t").fetchone()[0] == sum(range(100))
    assert con.execute("SELECT count(*) FROM cloud.t").fetchone()[0] == 20


def test_garbled_layer_is_reported_with_database_and_layer(layered, server_factory, client_factory):
    con = client_factory(layered)
    con.execute("CREATE TABLE cloud.t AS SELECT range AS v FROM range(50000)")
    con.close()
    layered.stop()
    layers_dir = layered.data_dir / "objects" / "mydb" / "layers"
    victim = max(layers_dir.glob("*.layer"), key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    for offset in range(100, len(data) // 2, 4096):
        data[offset] ^= 0xFF
    victim.write_bytes(bytes(data))
    # A fresh process, so nothing verified earlier is still in memory.
    restarted = server_factory(extra_args=LAYERED, data_dir=layered.data_dir)
    reader = client_factory()
    message = helpers.assert_error(
        lambda: (reader.execute(helpers.attach_sql(restarted)), reader.execute("SELECT sum(v) FROM cloud.t").fetchall()),
        "mydb")
    assert victim.name in message and "checksum" in message, message
