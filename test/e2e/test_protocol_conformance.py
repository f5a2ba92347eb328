"""The wire protocol on its own: grpcio + pyarrow against a real server, no DuckDB extension.

Stubs are generated from proto/openduck/v1/execution.proto at test time, so this is what a
third-party client written from the .proto alone would see.
"""

from __future__ import annotations

import datetime
import decimal
import json

import grpc
import pyarrow as pa
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import helpers

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def proto_server(server_binary, tmp_path_factory):
    server = helpers.start_server(tmp_path_factory.mktemp("proto"), databases=("mydb", "second"))
    yield server
    server.cleanup()


@pytest.fixture
def client(protocol_stubs, proto_server):
    client = helpers.ProtocolClient(protocol_stubs, proto_server.grpc_target, proto_server.token)
    yield client
    client.close()


def rpc_error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def query_error(client, sql: str, database: str = "mydb", **fields) -> grpc.RpcError:
    """A failing query may fail at ExecuteQuery or while streaming; either way return the error."""

    def run():
        response = client.execute(sql, database, **fields)
        client.result_chunks(response)

    return rpc_error(run)


MULTI_TYPE_SQL = """
SELECT i::INTEGER AS i,
       (i * 10000000000)::BIGINT AS big,
       'row ' || i || ' é☃' AS s,
       i / 4 AS d,
       DATE '2024-02-28' + i::INTEGER AS dt,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND AS ts,
       (i % 2 = 0) AS flag,
       CASE WHEN i = 1 THEN NULL ELSE i END::SMALLINT AS maybe,
       (i + 0.25)::DECIMAL(9,2) AS price,
       [i, i + 1]::INTEGER[] AS pair
FROM range(5) r(i)
ORDER BY i
"""


def test_multi_type_result_is_a_standard_arrow_stream(client):
    response, chunks, table = client.query(MULTI_TYPE_SQL)

    assert response.complete or response.query_id, "neither an inline result nor a query id"
    assert response.protocol_version == 1
    assert list(response.column_names) == ["i", "big", "s", "d", "dt", "ts", "flag", "maybe", "price", "pair"]
    assert list(response.column_types) == [
        "INTEGER", "BIGINT", "VARCHAR", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN", "SMALLINT", "DECIMAL(9,2)", "INTEGER[]",
    ]
    assert chunks, "StreamResults returned no chunks"
    assert sum(chunk.row_count for chunk in chunks) == 5

    schema = table.schema
    assert schema.names == list(response.column_names)
    assert schema.field("i").type == pa.int32()
    assert schema.field("big").type == pa.int64()
    assert pa.types.is_string(schema.field("s").type) or pa.types.is_large_string(schema.field("s").type) or pa.types.is_string_view(schema.field("s").type)
    assert schema.field("d").type == pa.float64()
    assert schema.field("dt").type == pa.date32()
    assert schema.field("ts").type == pa.timestamp("us")
    # The server exports losslessly, so BOOLEAN may arrive as the canonical arrow.bool8 extension.
    assert schema.field("flag").type == pa.bool_() or str(schema.field("flag").type) == "extension<arrow.bool8>"
    assert schema.field("maybe").type == pa.int16()
    assert schema.field("price").type == pa.decimal128(9, 2)
    assert pa.types.is_list(schema.field("pair").type) or pa.types.is_large_list(schema.field("pair").type)

    rows = table.to_pylist()
    assert [row["i"] for row in rows] == [0, 1, 2, 3, 4]
    assert [row["big"] for row in rows] == [0, 10000000000, 20000000000, 30000000000, 40000000000]
    assert rows[3]["s"] == "row 3 é☃"
    assert [row["d"] for row in rows] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert rows[2]["dt"] == datetime.date(2024, 3, 1)
    assert rows[4]["ts"] == datetime.datetime(2024, 1, 1, 0, 0, 4)
    assert [row["flag"] for row in rows] == [True, False, True, False, True]
    assert [row["maybe"] for row in rows] == [0, None, 2, 3, 4]
    assert rows[1]["price"] == decimal.Decimal("1.25")
    assert rows[4]["pair"] == [4, 5]


def test_first_chunk_starts_with_schema_and_stream_ends_with_eos(client):
    _, chunks, _ = client.query("SELECT 1 AS x")
    payload = b"".join(chunk.arrow_ipc for chunk in chunks)
    # Encapsulated IPC message: continuation marker 0xFFFFFFFF then a length; EOS is marker + zero length.
    assert chunks[0].arrow_ipc[:4] == b"\xff\xff\xff\xff"
    assert payload[-8:] == b"\xff\xff\xff\xff\x00\x00\x00\x00"
    # The first chunk alone is enough to learn the schema.
    reader = pa.ipc.open_stream(pa.BufferReader(chunks[0].arrow_ipc))
    assert reader.schema.names == ["x"]


def test_empty_result_keeps_the_schema(client):
    response, chunks, table = client.query("SELECT 1::INTEGER AS x, 'a' AS y WHERE false")
    assert list(response.column_names) == ["x", "y"]
    assert list(response.column_types) == ["INTEGER", "VARCHAR"]
    assert table.num_rows == 0
    assert table.schema.names == ["x", "y"]
    assert table.schema.field("x").type == pa.int32()
    assert sum(chunk.row_count for chunk in chunks) == 0


def test_last_statement_result_is_streamed(client):
    _, _, table = client.query("SELECT 1 AS one; SELECT 2 AS two")
    assert table.to_pylist() == [{"two": 2}]


def test_multi_batch_result_round_trips_exactly(client):
    _, chunks, table = client.query("SELECT range AS i, md5(range::VARCHAR) AS h FROM range(300000) ORDER BY i")
    assert table.num_rows == 300000
    assert sum(chunk.row_count for chunk in chunks) == 300000
    assert table.column("i").to_pylist() == list(range(300000))
    import hashlib

    assert table.column("h")[123456].as_py() == hashlib.md5(b"123456").hexdigest()


def test_wrong_token_is_unauthenticated(client):
    error = rpc_error(lambda: client.execute("SELECT 1", token="not-the-token"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "not-the-token" not in (error.details() or "")


def test_missing_token_is_unauthenticated(client):
    error = rpc_error(lambda: client.execute("SELECT 1", token=None))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_stream_results_also_requires_the_token(client):
    # Too big to travel inline, so it has to be streamed.
    response = client.execute("SELECT range FROM range(2000000)")
    assert not response.complete and response.query_id
    error = rpc_error(lambda: client.stream(response.query_id, token="wrong"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("version", [0, 2, 99])
def test_protocol_version_mismatch_is_failed_precondition(client, version):
    error = rpc_error(lambda: client.execute("SELECT 1", protocol_version=version))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "version" in error.details().lower()
    assert str(version) in error.details()


def test_syntax_error_carries_duckdbs_message(client):
    error = query_error(client, "SELEC 1")
    assert error.code() != grpc.StatusCode.OK
    assert error.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAUTHENTICATED)
    assert 'syntax error at or near "SELEC"' in error.details()


def test_catalog_error_carries_duckdbs_message(client):
    error = query_error(client, "SELECT * FROM no_such_table_anywhere")
    assert error.code() not in (grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN)
    assert "Table with name no_such_table_anywhere does not exist" in error.details()


def test_runtime_error_carries_duckdbs_message(client):
    error = query_error(client, "SELECT 'abc'::INTEGER")
    assert error.code() not in (grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN)
    assert "Could not convert string 'abc' to INT32" in error.details()


def test_unknown_database_is_not_found(client):
    error = rpc_error(lambda: client.execute("SELECT 1", database="no_such_db"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "no_such_db" in error.details()


def test_databases_are_separate(client):
    client.query("CREATE TABLE only_in_second AS SELECT 7 AS v", database="second")
    _, _, table = client.query("SELECT v FROM only_in_second", database="second")
    assert table.to_pylist() == [{"v": 7}]
    error = query_error(client, "SELECT v FROM only_in_second", database="mydb")
    assert "only_in_second" in error.details()


def test_read_only_request_refuses_writes(client):
    error = query_error(client, "CREATE TABLE must_not_exist (i INTEGER)", read_only=True)
    assert error.code() != grpc.StatusCode.OK
    _, _, table = client.query(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'must_not_exist'"
    )
    assert table.to_pylist() == [{"n": 0}]
    # Reads are still fine.
    _, _, table = client.query("SELECT 5 AS five", read_only=True)
    assert table.to_pylist() == [{"five": 5}]


def test_small_results_may_travel_inline(client):
    response = client.execute("SELECT 42 AS answer")
    if response.complete:
        assert not response.query_id
        table = pa.ipc.open_stream(pa.BufferReader(response.result.arrow_ipc)).read_all()
        assert table.to_pylist() == [{"answer": 42}]
        assert response.result.row_count == 1
    else:
        _, _, table = client.query("SELECT 42 AS answer")
        assert table.to_pylist() == [{"answer": 42}]


def test_result_is_streamed_only_once(client):
    response = client.execute("SELECT range FROM range(2000000)")
    assert not response.complete
    assert sum(chunk.row_count for chunk in client.stream(response.query_id)) == 2000000
    error = rpc_error(lambda: client.stream(response.query_id))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_unknown_query_id_fails(client):
    error = rpc_error(lambda: client.stream("no-such-query-id"))
    assert error.code() not in (grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN)


def test_grpc_health_service_reports_serving(proto_server):
    with grpc.insecure_channel(proto_server.grpc_target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_http_health_endpoint(proto_server):
    status, body = helpers.http_get(proto_server.health_url)
    assert status == 200
    assert len(body) < 4096
    document = json.loads(body)
    assert document["status"] == "ok"
    assert document["protocol_version"] == 1
    assert "mydb" in document["databases"]
    assert proto_server.token not in body.decode()


def test_http_health_unknown_path_is_404(proto_server):
    status, _ = helpers.http_get(proto_server.health_url.replace("/health", "/nope"))
    assert status == 404


def test_requested_chunk_size_is_respected(client):
    limit = 256 * 1024
    _, chunks, table = client.query(
        "SELECT range AS i, repeat('x', 100) AS s FROM range(200000)", max_chunk_bytes=limit
    )
    assert table.num_rows == 200000
    assert len(chunks) > 10
    assert max(len(chunk.arrow_ipc) for chunk in chunks) <= limit


def test_chunks_stay_under_max_message_size(protocol_stubs, server_factory):
    server = server_factory(extra_args=["--max-message-size", str(MIB)])
    # A client that refuses anything above the server's limit proves the server honours it.
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token, max_receive=MIB)
    try:
        _, chunks, table = client.query(
            "SELECT range AS i, repeat(chr(65 + (range % 26)::INTEGER), 200) AS s FROM range(250000) ORDER BY i"
        )
    finally:
        client.close()
    assert table.num_rows == 250000
    total = sum(len(chunk.arrow_ipc) for chunk in chunks)
    assert total > 40 * MIB
    assert max(len(chunk.arrow_ipc) for chunk in chunks) < MIB
    assert table.column("s")[27].as_py() == "B" * 200
    assert table.column("i")[-1].as_py() == 249999


COMPACT_SQL = """
SELECT 12.3::DECIMAL(4,1) AS d4, 1234567.89::DECIMAL(9,2) AS d9, 123456789012345.678::DECIMAL(18,3) AS d18,
       1.5::DECIMAL(38,10) AS d38, '\\x00\\x01\\xFF'::BLOB AS short_blob,
       'a blob longer than twelve bytes, so not inlined'::BLOB AS long_blob
"""


def test_arrow_format_1_0_is_the_default(client):
    _, _, table = client.query(COMPACT_SQL)
    assert [table.schema.field(name).type for name in ("d4", "d9", "d18", "d38")] == [
        pa.decimal128(4, 1), pa.decimal128(9, 2), pa.decimal128(18, 3), pa.decimal128(38, 10)
    ]
    assert table.schema.field("long_blob").type == pa.binary()


def test_arrow_format_1_5_sends_decimals_in_duckdbs_width_and_blobs_as_views(client):
    _, _, table = client.query(COMPACT_SQL, arrow_format_version=15)
    assert [table.schema.field(name).type for name in ("d4", "d9", "d18", "d38")] == [
        pa.decimal32(4, 1), pa.decimal32(9, 2), pa.decimal64(18, 3), pa.decimal128(38, 10)
    ]
    assert table.schema.field("long_blob").type == pa.binary_view()
    row = table.to_pylist()[0]
    assert row["d4"] == decimal.Decimal("12.3")
    assert row["d9"] == decimal.Decimal("1234567.89")
    assert row["d18"] == decimal.Decimal("123456789012345.678")
    assert row["short_blob"] == b"\x00\x01\xff"
    assert row["long_blob"] == b"a blob longer than twelve bytes, so not inlined"


def test_progress_of_an_unknown_id_is_not_running(client):
    request = client.pb2.GetProgressRequest(progress_id="0123456789abcdef0123456789abcdef")
    response = client.stub.GetProgress(request, metadata=client.metadata())
    assert not response.running


def test_nulls_and_strings_survive_chunks_of_odd_sizes(client):
    # The filter leaves DuckDB chunks of sizes that are not multiples of 8, so validity bitmaps of
    # several chunks have to be joined inside one record batch.
    sql = (
        "SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i END AS n, "
        "CASE WHEN i % 5 = 0 THEN NULL ELSE 'value number ' || i END AS s, (i % 2 = 0) AS b "
        "FROM range(300000) t(i) WHERE i % 3 <> 0"
    )
    _, _, table = client.query(sql, arrow_format_version=15)
    kept = [i for i in range(300000) if i % 3 != 0]
    assert table.column("n").to_pylist() == [None if i % 7 == 0 else i for i in kept]
    assert table.column("s").to_pylist() == [None if i % 5 == 0 else f"value number {i}" for i in kept]
    assert table.column("b").to_pylist() == [i % 2 == 0 for i in kept]
