"""Parallel result streams: one query on the server, its rows read over several StreamResults calls.

The protocol tests use grpcio + pyarrow only (what a third-party client sees); the extension tests
check that remote scans read several streams and still give DuckDB's answers, in order.
"""

from __future__ import annotations

import threading
import time

import grpc
import pyarrow as pa
import pytest

import helpers

ROWS = 3_000_000
ORDERED_SQL = f"SELECT range AS i FROM range({ROWS}) ORDER BY i"
ENDLESS_SQL = "SELECT range AS i FROM range(100000000000)"
EOS = b"\xff\xff\xff\xff\x00\x00\x00\x00"


@pytest.fixture(scope="module")
def stream_server(server_binary, tmp_path_factory):
    server = helpers.start_server(tmp_path_factory.mktemp("streams"))
    yield server
    server.cleanup()


@pytest.fixture
def client(protocol_stubs, stream_server):
    client = helpers.ProtocolClient(protocol_stubs, stream_server.grpc_target, stream_server.token)
    yield client
    client.close()


def open_stream(client, query_id: str, index: int, timeout: float = 60):
    request = client.pb2.StreamResultsRequest(query_id=query_id, stream_index=index)
    return client.stub.StreamResults(request, metadata=client.metadata(), timeout=timeout)


def read_streams_concurrently(client, response):
    """{stream index: [ResultChunk]} with every granted stream read in its own thread."""
    results, errors = {}, {}

    def read(index):
        try:
            results[index] = list(open_stream(client, response.query_id, index))
        except grpc.RpcError as error:
            errors[index] = error

    threads = [threading.Thread(target=read, args=(i,)) for i in range(response.stream_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results, errors


def stream_table(chunks) -> pa.Table:
    payload = b"".join(chunk.arrow_ipc for chunk in chunks)
    return pa.ipc.open_stream(pa.BufferReader(payload)).read_all()


def chunk_values(chunk, schema: pa.Schema):
    """The `i` values of one chunk, decoded with the stream's schema (chunks hold whole messages)."""
    reader = pa.ipc.open_stream(pa.BufferReader(schema.serialize().to_pybytes() + chunk.arrow_ipc))
    values = []
    for batch in reader:
        values.extend(batch.column(0).to_pylist())
    return values


def rows_in_result_order(streams) -> list:
    """Rows of all streams, ordered by batch_index (chunks of one stream keep their order)."""
    keyed = []
    for index, chunks in streams.items():
        schema = pa.ipc.open_stream(pa.BufferReader(chunks[0].arrow_ipc)).schema
        for position, chunk in enumerate(chunks):
            data = chunk.arrow_ipc
            if position == 0:
                # The first chunk starts with the schema message; decode it as a whole stream prefix.
                values = []
                for batch in pa.ipc.open_stream(pa.BufferReader(data if data.endswith(EOS) else data + EOS)):
                    values.extend(batch.column(0).to_pylist())
            else:
                values = chunk_values(chunk, schema)
            keyed.append((chunk.batch_index, index, position, values))
    keyed.sort(key=lambda entry: entry[:3])
    return [value for *_, values in keyed for value in values]


# ----------------------------------------------------------------------------- protocol


def test_server_grants_up_to_the_streams_asked_for(client):
    response = client.execute(ORDERED_SQL, max_streams=4)
    assert not response.complete
    assert 2 <= response.stream_count <= 4
    read_streams_concurrently(client, response)

    one = client.execute(ORDERED_SQL, max_streams=1)
    assert one.stream_count == 1
    assert sum(chunk.row_count for chunk in client.stream(one.query_id)) == ROWS

    # A client that predates parallel streams sends no max_streams and reads with no stream_index.
    legacy = client.execute(ORDERED_SQL)
    assert legacy.stream_count in (0, 1)
    assert sum(chunk.row_count for chunk in client.stream(legacy.query_id)) == ROWS


def test_streams_together_hold_the_result_once_and_in_order(client, stream_server):
    seen = len(stream_server.query_log_lines())
    response = client.execute(ORDERED_SQL, max_streams=4)
    streams, errors = read_streams_concurrently(client, response)
    assert not errors, errors
    assert sorted(streams) == list(range(response.stream_count))
    for chunks in streams.values():
        # Every stream is a complete Arrow IPC stream of its own.
        assert chunks[0].arrow_ipc[:4] == b"\xff\xff\xff\xff"
        assert chunks[-1].arrow_ipc.endswith(EOS)
        assert stream_table(chunks).schema.names == ["i"]
        indexes = [chunk.batch_index for chunk in chunks]
        assert indexes == sorted(indexes), "batch_index decreased along a stream"
    assert sum(stream_table(chunks).num_rows for chunks in streams.values()) == ROWS
    assert rows_in_result_order(streams) == list(range(ROWS))

    line = helpers.parse_query_log(stream_server.wait_for_query_log(seen)[0])
    assert line["status"] == "ok"
    assert int(line["rows"]) == ROWS


def test_rows_go_to_the_streams_that_ask(client):
    response = client.execute(ORDERED_SQL, max_streams=2)
    assert response.stream_count == 2
    first = open_stream(client, response.query_id, 0)
    head = next(first)
    # Stream 0 is not read any further: flow control stops its server thread, so stream 1 must
    # receive the rest of the rows.
    second = list(open_stream(client, response.query_id, 1))
    rest = [head] + list(first)
    second_rows = sum(chunk.row_count for chunk in second)
    assert second_rows > 0
    assert second_rows + sum(chunk.row_count for chunk in rest) == ROWS
    assert rows_in_result_order({0: rest, 1: second}) == list(range(ROWS))


def test_one_stream_of_several_granted_gets_everything_in_order(client, stream_server):
    seen = len(stream_server.query_log_lines())
    response = client.execute(ORDERED_SQL, max_streams=4)
    assert response.stream_count >= 2
    chunks = list(open_stream(client, response.query_id, 0))
    assert stream_table(chunks).column("i").to_pylist() == list(range(ROWS))
    line = helpers.parse_query_log(stream_server.wait_for_query_log(seen)[0])
    assert (line["status"], int(line["rows"])) == ("ok", ROWS)
    # A stream opened after everything was handed out is empty but complete.
    late = list(open_stream(client, response.query_id, 1))
    table = stream_table(late)
    assert table.num_rows == 0
    assert table.schema.names == ["i"]
    assert late[-1].arrow_ipc.endswith(EOS)


def test_each_stream_is_read_once_and_only_if_granted(client):
    response = client.execute(ORDERED_SQL, max_streams=2)
    with pytest.raises(grpc.RpcError) as outside:
        list(open_stream(client, response.query_id, response.stream_count))
    assert outside.value.code() == grpc.StatusCode.NOT_FOUND
    streams, errors = read_streams_concurrently(client, response)
    assert not errors, errors
    with pytest.raises(grpc.RpcError) as again:
        list(open_stream(client, response.query_id, 0))
    assert again.value.code() == grpc.StatusCode.NOT_FOUND


def test_an_error_fails_every_stream(client):
    # The error comes after the first rows were sent, so it surfaces while streaming.
    sql = f"SELECT CASE WHEN range = 2000000 THEN error('boom at two million') ELSE range END AS i FROM range({ROWS})"
    response = client.execute(sql, max_streams=2)
    assert response.stream_count == 2
    streams, errors = read_streams_concurrently(client, response)
    # No stream may end normally: its reader would take a partial result for a whole one.
    assert sorted(errors) == [0, 1], f"streams that ended normally: {sorted(streams)}"
    for error in errors.values():
        assert "boom at two million" in error.details()


def test_cancelling_one_stream_stops_the_query_for_all(client, stream_server):
    seen = len(stream_server.query_log_lines())
    response = client.execute(ENDLESS_SQL, max_streams=2)
    assert response.stream_count == 2
    first = open_stream(client, response.query_id, 0)
    second = open_stream(client, response.query_id, 1)
    next(first)
    next(second)
    first.cancel()
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as ended:
        for _ in second:
            assert time.monotonic() - started < 30, "the other stream kept going after a cancel"
    assert ended.value.code() == grpc.StatusCode.CANCELLED
    lines = stream_server.wait_for_query_log(seen)
    assert lines and "cancel" in helpers.parse_query_log(lines[0])["status"]


# ----------------------------------------------------------------------------- extension


@pytest.fixture(scope="module")
def big_table(stream_server):
    helpers.setup_remote(
        stream_server,
        "CREATE TABLE big AS SELECT range::BIGINT AS id, 'row ' || range AS label FROM range(1000000)",
    )
    return "big"


def scan_log_line(server, seen):
    lines = [helpers.parse_query_log(line) | {"text": line} for line in server.query_log_lines()[seen:]]
    scans = [line for line in lines if int(line["rows"]) == 1000000]
    assert scans, f"no log line of the scan in:\n{[line['text'] for line in lines]}"
    return scans[-1]["text"]


def test_remote_scan_reads_parallel_streams_and_keeps_insertion_order(stream_server, client_factory, big_table):
    con = client_factory(stream_server)
    con.execute("SET threads = 4")
    seen = len(stream_server.query_log_lines())
    con.execute("CREATE TEMP TABLE copy AS SELECT * FROM cloud.big")
    assert "streams=1 " not in scan_log_line(stream_server, seen)
    ids = [row[0] for row in con.execute("SELECT id FROM copy").fetchall()]
    assert ids == list(range(1000000))
    assert con.execute("SELECT count(*), sum(id), count(DISTINCT label) FROM copy").fetchone() == (
        1000000,
        sum(range(1000000)),
        1000000,
    )
    assert con.execute("SELECT label FROM copy WHERE id = 123456").fetchone() == ("row 123456",)


def test_remote_scan_with_one_thread_reads_one_stream(stream_server, client_factory, big_table):
    con = client_factory(stream_server)
    con.execute("SET threads = 1")
    seen = len(stream_server.query_log_lines())
    con.execute("CREATE TEMP TABLE copy AS SELECT * FROM cloud.big")
    assert "streams=1 " in scan_log_line(stream_server, seen)
    assert con.execute("SELECT count(*), sum(id) FROM copy").fetchone() == (1000000, sum(range(1000000)))


def test_parallel_scan_stops_early_under_limit(stream_server, client_factory, big_table):
    con = client_factory(stream_server)
    con.execute("SET threads = 4")
    assert len(con.execute("SELECT * FROM cloud.big LIMIT 10").fetchall()) == 10
    # The connection and the server stay usable after the streams were cancelled.
    assert con.execute("SELECT count(*) FROM cloud.big").fetchone() == (1000000,)


def test_escape_hatch_keeps_the_order_of_its_query(stream_server, client_factory, big_table):
    con = client_factory(stream_server)
    con.execute("SET threads = 4")
    rows = helpers.remote_query(con, "SELECT id FROM big ORDER BY id DESC").fetchall()
    assert [row[0] for row in rows] == list(range(999999, -1, -1))


# ----------------------------------------------------------------------------- older backends


class LegacyBackend:
    """A backend from before parallel streams and progress: forwards to a real server but drops
    max_streams, progress_id, stream_count, stream_index and batch_index, and has no GetProgress."""

    def __init__(self, stubs, server):
        from concurrent import futures

        pb2, pb2_grpc = stubs
        self.upstream = helpers.ProtocolClient(stubs, server.grpc_target, server.token)
        backend = self

        class Servicer(pb2_grpc.ExecutionServiceServicer):
            def ExecuteQuery(self, request, context):
                forwarded = pb2.ExecuteQueryRequest()
                forwarded.CopyFrom(request)
                forwarded.ClearField("max_streams")
                forwarded.ClearField("progress_id")
                response = backend.forward(context, backend.upstream.stub.ExecuteQuery, forwarded)
                response.ClearField("stream_count")
                return response

            def StreamResults(self, request, context):
                backend.stream_indexes.append(request.stream_index)
                upstream = pb2.StreamResultsRequest(query_id=request.query_id)
                try:
                    for chunk in backend.upstream.stub.StreamResults(upstream, metadata=backend.auth(context)):
                        chunk.ClearField("batch_index")
                        yield chunk
                except grpc.RpcError as error:
                    context.set_trailing_metadata(error.trailing_metadata() or ())
                    context.abort(error.code(), error.details())

        self.stream_indexes = []
        self.server = grpc.server(futures.ThreadPoolExecutor(8))
        pb2_grpc.add_ExecutionServiceServicer_to_server(Servicer(), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @staticmethod
    def auth(context):
        return [(key, value) for key, value in context.invocation_metadata() if key == "authorization"]

    def forward(self, context, method, request):
        try:
            return method(request, metadata=self.auth(context))
        except grpc.RpcError as error:
            context.set_trailing_metadata(error.trailing_metadata() or ())
            context.abort(error.code(), error.details())

    def close(self):
        self.server.stop(0)
        self.upstream.close()


def test_extension_works_with_a_backend_without_parallel_streams(stream_server, protocol_stubs, big_table):
    backend = LegacyBackend(protocol_stubs, stream_server)
    con = helpers.new_client()
    try:
        con.execute(
            f"ATTACH 'openduck:mydb?endpoint=http://127.0.0.1:{backend.port}' AS cloud (TOKEN {helpers.sql_string(stream_server.token)})"
        )
        con.execute("SET threads = 4")
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        con.execute("CREATE TEMP TABLE copy AS SELECT * FROM cloud.big")
        assert [row[0] for row in con.execute("SELECT id FROM copy").fetchall()] == list(range(1000000))
        # Without GetProgress on the backend, the escape hatch still runs (its progress stays unknown).
        rows = helpers.remote_query(con, "SELECT id FROM big ORDER BY id DESC").fetchall()
        assert [row[0] for row in rows] == list(range(999999, -1, -1))
        assert set(backend.stream_indexes) == {0}
    finally:
        con.close()
        backend.close()
