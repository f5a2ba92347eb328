"""A full disk on the server: clear errors, nothing committed lost, reads go on, writes resume without a restart.

The server runs in its own mount namespace (`unshare -m`) with its data directory on a small tmpfs, so the disk
really fills. The test reaches that tmpfs through /proc/<server pid>/root to take space away (a filler file) and
give it back. Clients are the official wheel with the extension.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

import helpers

DISK_MB = 48
BATCH_ROWS = 100_000


def namespaces_available(probe_dir: Path) -> bool:
    probe_dir.mkdir(parents=True, exist_ok=True)
    command = unshare_prefix() + ["sh", "-c", 'mount -t tmpfs -o size=1m openduck-probe "$0"', str(probe_dir)]
    return subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL).returncode == 0


def unshare_prefix():
    # Root mounts in a private mount namespace; anyone else needs a user namespace as well.
    return ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]


@pytest.fixture
def small_disk(server_factory, tmp_path):
    """Starts a server whose data directory is on a DISK_MB tmpfs; returns (server, path of that disk from here)."""
    if not namespaces_available(tmp_path / "probe"):
        pytest.skip("needs `unshare -m` and tmpfs mounts (root, or unprivileged user namespaces)")

    def start(*server_args):
        mount_dir = tmp_path / "disk"
        mount_dir.mkdir()
        launcher = unshare_prefix() + [
            "sh", "-c", f'mount -t tmpfs -o size={DISK_MB}m openduck-test-disk "$0" || exit 1; exec "$@"',
            str(mount_dir)]
        server = server_factory(data_dir=mount_dir / "data", extra_args=list(server_args), launcher=launcher)
        return server, Path(f"/proc/{server.pid}/root{mount_dir}")

    return start


def free_mb(disk: Path) -> float:
    stats = os.statvfs(disk)
    return stats.f_bavail * stats.f_frsize / 2**20


def fill_until(disk: Path, leave_mb: float) -> Path:
    """Takes space away with a filler file until only about `leave_mb` MiB stay free."""
    filler = disk / "filler"
    size = max(0, int((free_mb(disk) - leave_mb) * 2**20))
    with open(filler, "ab") as out:
        out.write(b"\0" * size)
    return filler


def insert_batch(con, batch: int) -> None:
    # Strings that do not compress, so every batch really takes space.
    con.execute(f"INSERT INTO cloud.t SELECT range, md5(range::VARCHAR) || md5((range + 1)::VARCHAR) "
                f"FROM range({batch * BATCH_ROWS}, {(batch + 1) * BATCH_ROWS})")


def count(con) -> int:
    return con.execute("SELECT count(*) FROM cloud.t").fetchone()[0]


@pytest.mark.parametrize("storage", ["layered", "file"])
def test_low_disk_refuses_writes_with_the_reason_and_reads_go_on(small_disk, client_factory, storage):
    server, disk = small_disk("--storage", storage, "--min-free-space", "16MB")
    con = client_factory(server)
    con.execute("CREATE TABLE cloud.t (id BIGINT, s VARCHAR)")
    insert_batch(con, 0)
    filler = fill_until(disk, leave_mb=8)

    for write in ("INSERT INTO cloud.t VALUES (-1, 'x')", "CREATE TABLE cloud.u (x INTEGER)",
                  "UPDATE cloud.t SET s = 'y' WHERE id = 0"):
        message = helpers.assert_error(lambda: con.execute(write), "not enough free disk space", "--min-free-space",
                                       "reads go on", error_type=duckdb.IOException)
        assert "mydb" in message, message
    assert count(con) == BATCH_ROWS
    # A transaction sees the same refusal for its writes, and its reads work.
    con.execute("BEGIN")
    assert count(con) == BATCH_ROWS
    helpers.assert_error(lambda: con.execute("INSERT INTO cloud.t VALUES (-2, 'x')"), "not enough free disk space")
    con.execute("ROLLBACK")

    # Space comes back: writes work again, without a restart.
    filler.unlink()
    insert_batch(con, 1)
    assert count(con) == 2 * BATCH_ROWS
    assert server.process.poll() is None


@pytest.mark.parametrize("storage", ["layered", "file"])
def test_disk_filling_up_during_commits_loses_nothing_and_recovers(small_disk, client_factory, storage):
    # No reserve: the disk really runs out in the middle of a commit (for DuckDB, in a checkpoint).
    server, disk = small_disk("--storage", storage, "--min-free-space", "0")
    con = client_factory(server)
    con.execute("CREATE TABLE cloud.t (id BIGINT, s VARCHAR)")
    filler = fill_until(disk, leave_mb=32)
    acknowledged = 0
    message = None
    for batch in range(40):
        try:
            insert_batch(con, batch)
        except duckdb.Error as error:
            message = str(error)
            break
        acknowledged += 1
    assert message is not None, "the disk never filled up"
    assert "No space left on device" in message, message
    assert acknowledged > 0

    # The client's own DuckDB is unharmed, and every acknowledged batch is there, read from the disk again.
    assert con.execute("SELECT 42").fetchone()[0] == 42
    assert count(con) == acknowledged * BATCH_ROWS
    assert con.execute("SELECT count(DISTINCT id), max(id) FROM cloud.t").fetchone() == (
        acknowledged * BATCH_ROWS, acknowledged * BATCH_ROWS - 1)

    # Freed space makes writes work again, on the same server.
    filler.unlink()
    insert_batch(con, acknowledged)
    assert count(con) == (acknowledged + 1) * BATCH_ROWS
    assert server.process.poll() is None
