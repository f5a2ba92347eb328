"""DuckDB's progress bar moves during long remote work: escape-hatch queries report the server's own
progress (GetProgress), remote scans report rows received against the table's estimate."""

from __future__ import annotations

import threading
import time
import uuid

import grpc
import pytest

import helpers

ROWS = 12_000_000
# Seconds of server work on a 2-core machine, spread evenly over a table scan DuckDB can measure.
SLOW_SQL = "SELECT count(*) FROM progress_t WHERE md5(i::VARCHAR) < md5((i + 1)::VARCHAR)"


@pytest.fixture(scope="module")
def progress_server(server_binary, tmp_path_factory):
    server = helpers.start_server(tmp_path_factory.mktemp("progress"))
    helpers.setup_remote(server, f"CREATE TABLE progress_t AS SELECT range AS i FROM range({ROWS})")
    yield server
    server.cleanup()


def watch_progress(con, sql):
    """Runs `sql` on `con` in the background and samples con.query_progress() until it finishes."""
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    call = helpers.Background(lambda: con.execute(sql).fetchall())
    samples = []
    while not call.wait(0.05):
        samples.append(con.query_progress())
    assert call.error is None, repr(call.error)
    return call.result, samples


def assert_rising(samples):
    during = [value for value in samples if 0 < value < 100]
    assert len(set(during)) >= 2, f"progress did not move while the query ran: {samples}"
    assert during == sorted(during), f"progress went backwards: {during}"


def test_escape_hatch_query_reports_the_servers_progress(progress_server, client_factory):
    con = client_factory(progress_server)
    result, samples = watch_progress(con, f"FROM openduck_query('cloud', '{SLOW_SQL}')")
    assert result[0][0] > ROWS // 3
    assert_rising(samples)


def test_remote_scan_reports_progress(progress_server, client_factory):
    con = client_factory(progress_server)
    # The md5 filter runs on this side, so the rows stream in over several seconds.
    sql = SLOW_SQL.replace("progress_t", "cloud.progress_t")
    result, samples = watch_progress(con, sql)
    assert result[0][0] > ROWS // 3
    assert_rising(samples)


def test_get_progress_rpc(progress_server, protocol_stubs):
    client = helpers.ProtocolClient(protocol_stubs, progress_server.grpc_target, progress_server.token)
    try:
        progress_id = uuid.uuid4().hex
        request = client.pb2.GetProgressRequest(progress_id=progress_id)
        assert not client.stub.GetProgress(request, metadata=client.metadata()).running

        call = helpers.Background(lambda: client.query(SLOW_SQL, progress_id=progress_id, max_streams=1))
        seen = []
        while not call.wait(0.1):
            answer = client.stub.GetProgress(request, metadata=client.metadata())
            if answer.running:
                seen.append(answer.percentage)
        assert call.error is None, repr(call.error)
        assert_rising(seen)
        # Done: the id is no longer running; an unknown id never was.
        assert not client.stub.GetProgress(request, metadata=client.metadata()).running
        other = client.pb2.GetProgressRequest(progress_id=uuid.uuid4().hex)
        assert not client.stub.GetProgress(other, metadata=client.metadata()).running

        with pytest.raises(grpc.RpcError) as denied:
            client.stub.GetProgress(request, metadata=client.metadata("wrong-token"))
        assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        client.close()
