"""Layered storage on an S3-compatible object store (moto on loopback, signatures checked) with the local
read cache: data survives a restart with an empty cache, a wrong key fails clearly at startup, and an outage
keeps cached reads working while writes fail within seconds instead of hanging.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import grpc
import pytest

import helpers
from s3_server import s3_server  # noqa: F401 (the fixture)


def start(tmp_path: Path, s3, data_dir: Path, cache_dir: Path, prefix: str = "e2e", **kwargs) -> helpers.ServerProcess:
    return helpers.start_server(
        tmp_path, databases=("mydb",), data_dir=data_dir, extra_args=s3.store_args(prefix, cache_dir),
        env=s3.server_env(**kwargs),
    )


def rows(client: helpers.ProtocolClient, sql: str):
    _, _, table = client.query(sql, "mydb")
    return table.to_pylist()


def chunk_files(cache_dir: Path):
    return [path for path in (cache_dir / "chunks").rglob("*") if path.is_file()]


def test_data_lives_in_s3_and_survives_an_empty_cache(protocol_stubs, s3_server, tmp_path):
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    server = start(tmp_path, s3_server, data_dir, cache_dir)
    try:
        output = server.stderr_text() + server.stdout_text()
        assert "s3://openduck-test/e2e" in output and s3_server.endpoint in output
        assert s3_server.secret_access_key not in output
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        client.query("CREATE TABLE t (id BIGINT, s VARCHAR)", "mydb")
        client.query("INSERT INTO t SELECT range, 'row ' || range FROM range(200000)", "mydb")
        client.query("INSERT INTO t VALUES (-1, 'single')", "mydb")
        client.query("CHECKPOINT", "mydb")
        assert rows(client, "SELECT count(*) AS n, sum(id)::BIGINT AS total FROM t") == [{"n": 200001, "total": 19999900000 - 1}]
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()

    # The layers are objects under the prefix, nothing is in the local object directory.
    keys = s3_server.keys("e2e/")
    assert keys and all(key.startswith("e2e/mydb/layers/") and key.endswith(".layer") for key in keys), keys
    assert not (data_dir / "objects").exists()
    assert chunk_files(cache_dir)

    # The metadata stays in the data directory; the cache goes: every byte now comes from S3.
    shutil.rmtree(cache_dir)
    server = start(tmp_path, s3_server, data_dir, cache_dir)
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        assert rows(client, "SELECT count(*) AS n, sum(id)::BIGINT AS total FROM t") == [{"n": 200001, "total": 19999900000 - 1}]
        assert rows(client, "SELECT s FROM t WHERE id = -1") == [{"s": "single"}]
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()
    assert chunk_files(cache_dir)


def test_wrong_secret_fails_at_startup_without_printing_it(s3_server, tmp_path):
    wrong_secret = "wrong-" + s3_server.secret_access_key[::-1]
    server = helpers.start_server(
        tmp_path, databases=("mydb",), data_dir=tmp_path / "data",
        extra_args=s3_server.store_args("e2e", tmp_path / "cache"), env=s3_server.server_env(wrong_secret), wait=False,
    )
    try:
        assert server.process.wait(timeout=60) == 1
        output = server.stderr_text() + server.stdout_text()
        assert "S3" in output and "403" in output and "SignatureDoesNotMatch" in output, output
        assert "s3://openduck-test/e2e" in output, output
        assert wrong_secret not in output and s3_server.secret_access_key not in output
    finally:
        server.cleanup()
    assert not s3_server.keys("e2e/")


def test_bad_store_url_is_a_clear_startup_error(s3_server, tmp_path):
    server = helpers.start_server(
        tmp_path, databases=("mydb",), data_dir=tmp_path / "data", wait=False,
        extra_args=["--storage", "layered", "--store", "s3://Bad_Bucket/x", "--s3-endpoint", s3_server.endpoint],
        env=s3_server.server_env(),
    )
    try:
        assert server.process.wait(timeout=60) == 1
        assert 'invalid S3 bucket "Bad_Bucket"' in server.stderr_text() + server.stdout_text()
    finally:
        server.cleanup()


def test_outage_keeps_cached_reads_working(protocol_stubs, s3_server, tmp_path):
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    server = start(tmp_path, s3_server, data_dir, cache_dir)
    try:
        client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
        client.query("CREATE TABLE t (id BIGINT, s VARCHAR)", "mydb")
        client.query("INSERT INTO t SELECT range, 'row ' || range FROM range(200000)", "mydb")
        client.query("CHECKPOINT", "mydb")
        client.close()
    finally:
        assert server.stop() == 0, server.stderr_text()

    # A new process: DuckDB's buffers are empty, so the table's bytes come from the cache on disk.
    server = start(tmp_path, s3_server, data_dir, cache_dir)
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    try:
        s3_server.pause()
        try:
            began = time.monotonic()
            assert rows(client, "SELECT count(*) AS n, sum(id)::BIGINT AS total, max(s) AS m FROM t") == [
                {"n": 200000, "total": 19999900000, "m": "row 99999"}
            ]
            # Any request to the paused store would have waited out the 5 s stall timeout.
            assert time.monotonic() - began < 4
        finally:
            s3_server.resume()
    finally:
        client.close()
        server.cleanup()




def test_outage_fails_writes_quickly_with_the_s3_error(protocol_stubs, s3_server, tmp_path):
    server = start(tmp_path, s3_server, tmp_path / "data", tmp_path / "cache")
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    try:
        client.query("CREATE TABLE t (id BIGINT)", "mydb")
        client.query("INSERT INTO t SELECT range FROM range(1000)", "mydb")
        s3_server.pause()
        try:
            # A small commit's layer is inlined in the metadata store: it needs no S3 PUT.
            client.query("INSERT INTO t VALUES (1000)", "mydb")
            began = time.monotonic()
            with pytest.raises(grpc.RpcError) as failure:
                # About 800 KB of WAL: a layer too large to inline.
                client.query("INSERT INTO t SELECT range + 2000 FROM range(100000)", "mydb")
            elapsed = time.monotonic() - began
            assert elapsed < 15, f"the write took {elapsed:.1f}s to fail"
            message = failure.value.details()
            assert "S3 PUT s3://openduck-test/e2e/mydb/layers/" in message, message
            assert s3_server.secret_access_key not in message
            assert rows(client, "SELECT count(*) AS n FROM t") == [{"n": 1001}]
        finally:
            s3_server.resume()
    finally:
        client.close()
        server.cleanup()


def test_writes_work_again_after_the_outage_without_a_restart(protocol_stubs, s3_server, tmp_path):
    server = start(tmp_path, s3_server, tmp_path / "data", tmp_path / "cache")
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    try:
        client.query("CREATE TABLE t (id BIGINT)", "mydb")
        client.query("INSERT INTO t VALUES (1)", "mydb")
        s3_server.pause()
        try:
            with pytest.raises(grpc.RpcError):
                client.query("INSERT INTO t SELECT range + 10 FROM range(100000)", "mydb")
        finally:
            s3_server.resume()
        client.query("INSERT INTO t VALUES (3)", "mydb")
        assert rows(client, "SELECT list(id ORDER BY id) AS ids FROM t") == [{"ids": [1, 3]}]
    finally:
        client.close()
        server.cleanup()
