"""ExecuteWithUpload and openduck_upload(): rows a client streams in as Arrow IPC.

grpcio + pyarrow only, as a third-party client would use the protocol.
"""

from __future__ import annotations

import datetime
import decimal
import threading
import time

import grpc
import pyarrow as pa
import pytest

import helpers


@pytest.fixture
def table(client, unique_name):
    name = unique_name("u")
    client.query(f"CREATE TABLE {name} (id BIGINT, name VARCHAR)")
    return name


rows = helpers.protocol_rows
count = helpers.protocol_count


def id_name_table(first: int, count_: int) -> pa.Table:
    ids = pa.array(range(first, first + count_), pa.int64())
    names = pa.array([f"name-{i}" for i in range(first, first + count_)], pa.string())
    return pa.table({"id": ids, "name": names})


def rpc_error(callable_, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        callable_(*args, **kwargs)
    return info.value


def upload_pieces(client, sql, pieces, timeout=60, **fields):
    return client.stub.ExecuteWithUpload(
        helpers.upload_messages(client, sql, pieces, **fields), metadata=client.metadata(), timeout=timeout
    )


def test_insert_from_upload(client, table, server):
    data = id_name_table(0, 50_000)
    seen = len(server.query_log_lines())
    response, result = helpers.upload(client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", data)
    assert response.complete
    assert result.to_pylist() == [{"Count": 50_000}]
    assert count(client, table) == 50_000
    assert rows(client, f"SELECT id, name FROM {table} WHERE id IN (0, 49999) ORDER BY id") == [
        {"id": 0, "name": "name-0"},
        {"id": 49999, "name": "name-49999"},
    ]
    line = server.wait_for_query_log(seen)[0]
    assert "upload_rows=50000" in line and "status=ok" in line, line
    assert int(line.split("upload_bytes=")[1].split()[0]) > 50_000 * 8


def test_many_batches_in_bounded_memory(client, server):
    """2M rows (about 100 MB of Arrow) aggregated as they arrive: the server never holds them."""
    total_rows, batch_rows = 2_000_000, 20_000
    padding = "x" * 32

    def pieces():
        schema = pa.schema([("i", pa.int64()), ("f", pa.float64()), ("s", pa.string())])
        yield schema.serialize().to_pybytes()
        for first in range(0, total_rows, batch_rows):
            ids = pa.array(range(first, first + batch_rows), pa.int64())
            batch = pa.record_batch(
                [ids, pa.array([0.5] * batch_rows), pa.array([padding] * batch_rows)], schema=schema
            )
            yield batch.serialize().to_pybytes()
        yield helpers.ARROW_IPC_EOS

    payload_bytes = total_rows * (8 + 8 + 4 + len(padding))
    pid = server.pid
    baseline = helpers.process_rss_bytes(pid)
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], helpers.process_rss_bytes(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        response = upload_pieces(
            client, "SELECT count(*) AS n, sum(i)::BIGINT AS s, sum(f) AS f, max(length(s)) AS l FROM openduck_upload()", pieces(), timeout=300
        )
    finally:
        done.set()
        sampler.join()
    result = pa.ipc.open_stream(pa.BufferReader(response.result.arrow_ipc)).read_all().to_pylist()
    assert result == [{"n": total_rows, "s": total_rows * (total_rows - 1) // 2, "f": total_rows * 0.5, "l": 32}]
    growth = peak[0] - baseline
    assert growth < payload_bytes / 2, f"server RSS grew by {growth / 1e6:.0f} MB for a {payload_bytes / 1e6:.0f} MB upload"


def test_parallel_insert_keeps_the_order_the_client_sent(client, table, server):
    """Several server threads store an upload's batches; each row still lands where the client put it."""
    batch_rows, batches = 10_000, 40

    def pieces():
        schema = pa.schema([("id", pa.int64()), ("name", pa.string())])
        yield schema.serialize().to_pybytes()
        for first in range(0, batch_rows * batches, batch_rows):
            yield id_name_table(first, batch_rows).to_batches()[0].serialize().to_pybytes()
        yield helpers.ARROW_IPC_EOS

    upload_pieces(client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", pieces())
    total = batch_rows * batches
    # rowid is a row's position in the table: equal to id for every row means the client's order.
    assert rows(client, f"SELECT count(*) AS n, count(*) FILTER (WHERE rowid <> id) AS moved, "
                        f"count(*) FILTER (WHERE name <> 'name-' || id) AS wrong FROM {table}") == [
        {"n": total, "moved": 0, "wrong": 0}
    ]


def test_insert_returning(client, table):
    data = id_name_table(10, 5)
    _, result = helpers.upload(
        client, f"INSERT INTO {table} SELECT id * 2, upper(name) FROM openduck_upload() RETURNING id, name", data
    )
    assert sorted(result.to_pylist(), key=lambda r: r["id"]) == [
        {"id": 2 * i, "name": f"NAME-{i}"} for i in range(10, 15)
    ]


def test_large_returning_result_is_streamed(client, table):
    data = id_name_table(0, 200_000)
    response, result = helpers.upload(
        client, f"INSERT INTO {table} SELECT * FROM openduck_upload() RETURNING *", data, max_chunk_bytes=256 * 1024
    )
    assert not response.complete and response.query_id
    assert result.num_rows == 200_000
    assert sorted(result.column("id").to_pylist()) == list(range(200_000))


COMMON_TYPES = pa.table(
    {
        "b": pa.array([True, False, None], pa.bool_()),
        "i8": pa.array([-128, 127, None], pa.int8()),
        "i16": pa.array([-32768, 32767, None], pa.int16()),
        "i32": pa.array([-(2**31), 2**31 - 1, None], pa.int32()),
        "i64": pa.array([-(2**63), 2**63 - 1, None], pa.int64()),
        "u8": pa.array([0, 255, None], pa.uint8()),
        "u16": pa.array([0, 65535, None], pa.uint16()),
        "u32": pa.array([0, 2**32 - 1, None], pa.uint32()),
        "u64": pa.array([0, 2**64 - 1, None], pa.uint64()),
        "f32": pa.array([1.5, -0.25, None], pa.float32()),
        "f64": pa.array([3.141592653589793, -1e300, None], pa.float64()),
        "dec": pa.array([decimal.Decimal("12345.67"), decimal.Decimal("-0.01"), None], pa.decimal128(15, 2)),
        "dec38": pa.array(
            [decimal.Decimal("12345678901234567890123456789.012345678"), decimal.Decimal("-1"), None], pa.decimal128(38, 9)
        ),
        "s": pa.array(["héllo", "a" * 100, None], pa.string()),
        "bin": pa.array([b"\x00\x01\xff", b"", None], pa.binary()),
        "d": pa.array([datetime.date(1970, 1, 1), datetime.date(2262, 4, 11), None], pa.date32()),
        "t": pa.array([datetime.time(0, 0), datetime.time(23, 59, 59, 999999), None], pa.time64("us")),
        "ts": pa.array(
            [datetime.datetime(2024, 2, 29, 12, 30, 45, 123456), datetime.datetime(1900, 1, 1), None], pa.timestamp("us")
        ),
        "tstz": pa.array(
            [datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc), datetime.datetime(2000, 6, 1, 12, tzinfo=datetime.timezone.utc), None],
            pa.timestamp("us", tz="UTC"),
        ),
        "l": pa.array([[1, 2, None], [], None], pa.list_(pa.int32())),
        "st": pa.array([{"x": 1, "y": "a"}, {"x": None, "y": None}, None], pa.struct([("x", pa.int64()), ("y", pa.string())])),
        "m": pa.array([[("k", 1)], [], None], pa.map_(pa.string(), pa.int32())),
    }
)


def test_common_types_round_trip_exactly(client, unique_name):
    name = unique_name("types")
    # Through a table: the values are stored in DuckDB's types and come back unchanged.
    helpers.upload(client, f"CREATE TABLE {name} AS SELECT * FROM openduck_upload()", COMMON_TYPES)
    stored = rows(client, f"SELECT * FROM {name} ORDER BY i8 NULLS LAST")
    assert stored == COMMON_TYPES.to_pylist()
    described = {row["column_name"]: row["column_type"] for row in rows(client, f"DESCRIBE {name}")}
    assert described["dec"] == "DECIMAL(15,2)"
    assert described["u64"] == "UBIGINT"
    assert described["tstz"] == "TIMESTAMP WITH TIME ZONE"
    assert described["m"] == "MAP(VARCHAR, INTEGER)"
    # And straight back out.
    _, echoed = helpers.upload(client, "SELECT * FROM openduck_upload()", COMMON_TYPES, max_chunksize=1)
    assert echoed.to_pylist() == COMMON_TYPES.to_pylist()


def test_dictionary_and_view_types(client):
    data = pa.table(
        {
            "dict": pa.array(["a", "b", "a", None]).dictionary_encode(),
            "view": pa.array(["short", "a string longer than twelve bytes", None, ""], pa.string_view()),
        }
    )
    # pyarrow writes the DictionaryBatch; the whole stream travels as one message.
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    response = upload_pieces(client, "SELECT dict::VARCHAR AS dict, view FROM openduck_upload()", [sink.getvalue().to_pybytes()])
    result = pa.ipc.open_stream(pa.BufferReader(response.result.arrow_ipc)).read_all()
    assert result.to_pylist() == [
        {"dict": "a", "view": "short"},
        {"dict": "b", "view": "a string longer than twelve bytes"},
        {"dict": "a", "view": None},
        {"dict": None, "view": ""},
    ]


def test_call_cancelled_mid_upload_inserts_nothing(client, table, server):
    release, stalled = threading.Event(), threading.Event()
    data = id_name_table(0, 30_000)

    def pieces():
        messages = list(helpers.arrow_ipc_messages(data.schema, data.to_batches(max_chunksize=1000)))
        for piece in messages[:10]:
            yield piece
        stalled.set()
        release.wait(30)  # never sends the rest nor the end-of-stream marker

    seen = len(server.query_log_lines())
    future = client.stub.ExecuteWithUpload.future(
        helpers.upload_messages(client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", pieces()),
        metadata=client.metadata(),
        timeout=60,
    )
    try:
        assert stalled.wait(30)
        time.sleep(0.5)  # the server reads the sent batches, then waits for more
        future.cancel()
        with pytest.raises(grpc.FutureCancelledError):
            future.result()
    finally:
        release.set()
    line = server.wait_for_query_log(seen)[0]
    assert "status=cancelled" in line, line
    assert count(client, table) == 0


def test_upload_without_end_of_stream_fails_and_inserts_nothing(client, table):
    data = id_name_table(0, 10_000)
    messages = list(helpers.arrow_ipc_messages(data.schema, data.to_batches(max_chunksize=1000)))[:-1]
    error = rpc_error(upload_pieces, client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", messages)
    assert "ended before its end-of-stream marker" in error.details(), error.details()
    assert "client disconnected?" in error.details()
    assert count(client, table) == 0


def test_garbage_bytes_give_a_clear_error(client, table):
    error = rpc_error(
        upload_pieces, client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", [b"this is not arrow ipc at all"]
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert "not a valid Arrow IPC stream" in error.details(), error.details()
    # Valid schema, then a corrupt record batch.
    data = id_name_table(0, 100)
    schema, batch = list(helpers.arrow_ipc_messages(data.schema, data.to_batches()))[:2]
    corrupt = batch[:16] + bytes(len(batch) - 16)
    error = rpc_error(
        upload_pieces, client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", [schema, corrupt, helpers.ARROW_IPC_EOS]
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert "Arrow IPC" in error.details()
    assert count(client, table) == 0
    # The server is still fine.
    assert rows(client, "SELECT 42 AS x") == [{"x": 42}]


def test_openduck_upload_outside_an_upload(client):
    error = rpc_error(client.query, "SELECT * FROM openduck_upload()")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ExecuteWithUpload" in error.details(), error.details()
    call, session = helpers.open_session(client)
    try:
        error = rpc_error(client.query, "SELECT * FROM openduck_upload()", session_id=session)
        assert "ExecuteWithUpload" in error.details()
    finally:
        call.cancel()


def test_upload_in_a_session_then_rollback(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        helpers.upload(
            client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", id_name_table(0, 1000), session_id=session
        )
        assert count(client, table, session_id=session) == 1000
        assert count(client, table) == 0
        rows(client, "ROLLBACK", session_id=session)
        assert count(client, table, session_id=session) == 0
        # Committed uploads become visible.
        rows(client, "BEGIN", session_id=session)
        helpers.upload(
            client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", id_name_table(0, 10), session_id=session
        )
        rows(client, "COMMIT", session_id=session)
        assert count(client, table) == 10
    finally:
        call.cancel()


def test_failed_upload_in_a_session_aborts_its_transaction(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        rows(client, f"INSERT INTO {table} VALUES (1, 'before')", session_id=session)
        data = id_name_table(0, 100)
        truncated = list(helpers.arrow_ipc_messages(data.schema, data.to_batches(max_chunksize=10)))[:-1]
        error = rpc_error(
            upload_pieces, client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", truncated, session_id=session
        )
        assert "end-of-stream" in error.details()
        error = rpc_error(client.query, "SELECT 1", session_id=session)
        assert "aborted" in error.details().lower(), error.details()
        rows(client, "ROLLBACK", session_id=session)
        assert count(client, table) == 0
    finally:
        call.cancel()


def test_read_only_upload_refuses_writes(client, table):
    error = rpc_error(
        helpers.upload, client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", id_name_table(0, 10), read_only=True
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    _, result = helpers.upload(client, "SELECT sum(id)::BIGINT AS s FROM openduck_upload()", id_name_table(0, 10), read_only=True)
    assert result.to_pylist() == [{"s": 45}]
    assert count(client, table) == 0


def test_upload_read_twice_is_refused(client):
    error = rpc_error(
        helpers.upload,
        client,
        "SELECT * FROM openduck_upload() UNION ALL SELECT * FROM openduck_upload()",
        id_name_table(0, 10),
    )
    assert "only once" in error.details(), error.details()


def test_unread_upload_is_drained(client, table):
    """A statement that never reads the upload still answers, after the client sent everything."""
    _, result = helpers.upload(client, "SELECT 7 AS seven", id_name_table(0, 100_000), max_chunksize=1000)
    assert result.to_pylist() == [{"seven": 7}]
    error = rpc_error(helpers.upload, client, "SELECT * FROM no_such_table", id_name_table(0, 100_000))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_request_must_come_first(client):
    pieces = iter([client.pb2.UploadMessage(arrow_ipc=helpers.ARROW_IPC_EOS)])
    error = rpc_error(client.stub.ExecuteWithUpload, pieces, metadata=client.metadata(), timeout=30)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "first UploadMessage" in error.details()
    error = rpc_error(client.stub.ExecuteWithUpload, iter([]), metadata=client.metadata(), timeout=30)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_upload_needs_the_token(client, table):
    data = id_name_table(0, 10)
    messages = helpers.upload_messages(
        client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", helpers.arrow_ipc_messages(data.schema, data.to_batches())
    )
    error = rpc_error(client.stub.ExecuteWithUpload, messages, metadata=client.metadata(token="wrong"), timeout=30)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert count(client, table) == 0


def test_corrupted_streams_never_crash_the_server(client, table):
    import random

    data = id_name_table(0, 2000)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        for batch in data.to_batches(max_chunksize=500):
            writer.write_batch(batch)
    stream = sink.getvalue().to_pybytes()
    generator = random.Random(20261122)
    for attempt in range(40):
        corrupt = bytearray(stream)
        if attempt % 2:
            for _ in range(generator.randint(1, 8)):
                corrupt[generator.randrange(len(corrupt))] = generator.randrange(256)
        else:
            corrupt = corrupt[: generator.randrange(len(corrupt))]
        try:
            upload_pieces(client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", [bytes(corrupt)])
        except grpc.RpcError as error:
            assert error.code() != grpc.StatusCode.UNAVAILABLE, error.details()
    assert rows(client, "SELECT 1 AS alive") == [{"alive": 1}]


def test_ending_the_session_stops_a_stalled_upload(client, table, server):
    """An upload waiting for client bytes inside a session: ending the session ends the upload too."""
    call, session = helpers.open_session(client)
    release, stalled = threading.Event(), threading.Event()
    data = id_name_table(0, 1000)

    def pieces():
        messages = list(helpers.arrow_ipc_messages(data.schema, data.to_batches(max_chunksize=100)))
        yield from messages[:3]
        stalled.set()
        release.wait(60)

    future = client.stub.ExecuteWithUpload.future(
        helpers.upload_messages(client, f"INSERT INTO {table} SELECT * FROM openduck_upload()", pieces(), session_id=session),
        metadata=client.metadata(),
        timeout=60,
    )
    try:
        assert stalled.wait(30)
        time.sleep(0.5)  # the upload now runs in the session, waiting for more bytes
        started = time.monotonic()
        call.cancel()
        with pytest.raises(grpc.RpcError) as info:
            future.result(timeout=20)
        assert time.monotonic() - started < 10
        assert info.value.code() == grpc.StatusCode.CANCELLED, info.value.details()
    finally:
        release.set()
    assert count(client, table) == 0
    assert rpc_error(client.query, "SELECT 1", session_id=session).code() == grpc.StatusCode.NOT_FOUND


def test_some_columns_in_another_order(client):
    """Only the columns the query uses are converted; they must still be the right ones."""
    _, result = helpers.upload(client, "SELECT s, i8, dec FROM openduck_upload() WHERE i16 IS NOT NULL", COMMON_TYPES)
    assert result.to_pylist() == [
        {"s": row["s"], "i8": row["i8"], "dec": row["dec"]} for row in COMMON_TYPES.to_pylist() if row["i16"] is not None
    ]
    _, result = helpers.upload(client, "SELECT count(*) AS n FROM openduck_upload()", COMMON_TYPES, max_chunksize=1)
    assert result.to_pylist() == [{"n": 3}]
