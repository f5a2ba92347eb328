"""Sessions (OpenSession + ExecuteQueryRequest.session_id): a transaction that spans calls.

grpcio + pyarrow only, as a third-party client would use the protocol. Every test checks what
another connection sees, so a session that leaked its writes or kept them after it ended fails.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import grpc
import pytest

import helpers

SESSION_CLOSED = "closed database="


@pytest.fixture
def table(client, unique_name):
    name = unique_name("s")
    client.query(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v VARCHAR)")
    return name


rows = helpers.protocol_rows
count = helpers.protocol_count


def rpc_error(callable_, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        callable_(*args, **kwargs)
    return info.value


def session_closed_lines(server):
    return [line for line in server.stderr_text().splitlines() if SESSION_CLOSED in line]


def wait_for_session_close(server, already_closed: int, timeout: float = 10.0) -> str:
    assert helpers.wait_until(lambda: len(session_closed_lines(server)) > already_closed, timeout), (
        f"no session close logged within {timeout}s:\n{server.stderr_text()}"
    )
    return session_closed_lines(server)[already_closed]


def test_session_writes_are_invisible_until_commit(client, table):
    call, session = helpers.open_session(client)
    try:
        assert len(session) == 32 and int(session, 16) >= 0
        rows(client, "BEGIN", session_id=session)
        rows(client, f"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')", session_id=session)
        # The session reads its own writes; everybody else sees nothing yet.
        assert rows(client, f"SELECT id, v FROM {table} ORDER BY id", session_id=session) == [
            {"id": 1, "v": "one"},
            {"id": 2, "v": "two"},
        ]
        assert count(client, table) == 0
        rows(client, "COMMIT", session_id=session)
        assert count(client, table) == 2
        # Back in autocommit: each statement is visible at once.
        rows(client, f"INSERT INTO {table} VALUES (3, 'three')", session_id=session)
        assert count(client, table) == 3
    finally:
        call.cancel()


def test_rollback_leaves_no_trace(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN TRANSACTION", session_id=session)
        rows(client, f"INSERT INTO {table} VALUES (1, 'gone')", session_id=session)
        rows(client, f"CREATE TABLE {table}_side AS SELECT 42 AS x", session_id=session)
        assert count(client, table, session_id=session) == 1
        rows(client, "ROLLBACK", session_id=session)
        assert count(client, table, session_id=session) == 0
        assert count(client, table) == 0
        error = rpc_error(client.query, f"SELECT * FROM {table}_side")
        assert error.code() == grpc.StatusCode.NOT_FOUND
    finally:
        call.cancel()


def test_failed_statement_aborts_the_transaction_until_rollback(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        rows(client, f"INSERT INTO {table} VALUES (1, 'a')", session_id=session)
        error = rpc_error(client.query, f"INSERT INTO {table} VALUES (1, 'duplicate')", session_id=session)
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error.details()
        assert "Duplicate key" in error.details() or "PRIMARY KEY" in error.details()
        # As in DuckDB: the transaction is aborted, every statement fails until ROLLBACK.
        error = rpc_error(client.query, "SELECT 1", session_id=session)
        assert "aborted" in error.details().lower(), error.details()
        rows(client, "ROLLBACK", session_id=session)
        assert rows(client, "SELECT 1 AS one", session_id=session) == [{"one": 1}]
        assert count(client, table) == 0
    finally:
        call.cancel()


def test_write_conflict_between_sessions(client, table):
    client.query(f"INSERT INTO {table} VALUES (1, 'start')")
    first_call, first = helpers.open_session(client)
    second_call, second = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=first)
        rows(client, "BEGIN", session_id=second)
        rows(client, f"UPDATE {table} SET v = 'first' WHERE id = 1", session_id=first)
        error = rpc_error(client.query, f"UPDATE {table} SET v = 'second' WHERE id = 1", session_id=second)
        # DuckDB's TransactionException, mapped like every other error (ABORTED + its type).
        assert error.code() == grpc.StatusCode.ABORTED, error.details()
        assert "Conflict on" in error.details(), error.details()
        trailing = dict(error.trailing_metadata() or ())
        assert trailing.get("openduck-error-type") == "TransactionContext", trailing
        rows(client, "ROLLBACK", session_id=second)
        rows(client, "COMMIT", session_id=first)
        assert rows(client, f"SELECT v FROM {table}") == [{"v": "first"}]
    finally:
        first_call.cancel()
        second_call.cancel()


@pytest.fixture
def own_server(server_factory, protocol_stubs, unique_name):
    """(server, client, table) on a server of this test alone: its log has only this test's sessions."""
    server = server_factory()
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    name = unique_name("own")
    client.query(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v VARCHAR)")
    yield server, client, name
    client.close()


def test_cancelling_the_session_rolls_back_and_frees_it(own_server):
    server, client, table = own_server
    closed_before = 0
    call, session = helpers.open_session(client)
    rows(client, "BEGIN", session_id=session)
    rows(client, f"INSERT INTO {table} VALUES (7, 'uncommitted')", session_id=session)
    call.cancel()
    line = wait_for_session_close(server, closed_before)
    assert "rolled_back=true" in line and "open_sessions=0" in line, line
    assert session not in server.stderr_text(), "session ids must never be logged"
    assert count(client, table) == 0
    error = rpc_error(client.query, "SELECT 1", session_id=session)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "session" in error.details()


def test_killed_client_process_rolls_back(own_server, tmp_path):
    """A client killed with SIGKILL mid-transaction: its connection drops, the session ends."""
    server, client, table = own_server
    stub_dir = tmp_path / "stubs"
    helpers.generate_stubs(stub_dir)
    script = tmp_path / "client.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            sys.path.insert(0, {str(stub_dir)!r})
            sys.path.insert(0, {str(helpers.REPO_ROOT / 'test' / 'e2e')!r})
            import grpc, execution_pb2, execution_pb2_grpc
            channel = grpc.insecure_channel({server.grpc_target!r})
            stub = execution_pb2_grpc.ExecutionServiceStub(channel)
            metadata = [("authorization", "Bearer " + {server.token!r})]
            call = stub.OpenSession(execution_pb2.OpenSessionRequest(protocol_version=1, database="mydb"), metadata=metadata)
            session = next(call).session_id
            def run(sql):
                stub.ExecuteQuery(execution_pb2.ExecuteQueryRequest(protocol_version=1, database="mydb", sql=sql, session_id=session), metadata=metadata)
            run("BEGIN")
            run("INSERT INTO {table} VALUES (99, 'from a killed client')")
            print("ready", session, flush=True)
            time.sleep(600)
            """
        )
    )
    closed_before = 0
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().split()
        assert line and line[0] == "ready", "client subprocess failed before its transaction"
        session = line[1]
        # The write exists inside the session only.
        assert count(client, table, session_id=session) == 1
        assert count(client, table) == 0
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        closed = wait_for_session_close(server, closed_before)
        assert "rolled_back=true" in closed and "open_sessions=0" in closed, closed
        assert count(client, table) == 0
        assert rpc_error(client.query, "SELECT 1", session_id=session).code() == grpc.StatusCode.NOT_FOUND
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_unknown_session_id(client):
    error = rpc_error(client.query, "SELECT 1", session_id="0" * 32)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "unknown session id" in error.details()
    # The transaction went with the session: DuckDB clients raise a TransactionException.
    assert dict(error.trailing_metadata() or ()).get("openduck-error-type") == "TransactionContext"
    error = rpc_error(client.query, "SELECT 1", session_id="not-a-session")
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_session_ids_are_unique_and_random(client):
    calls, ids = [], set()
    try:
        for _ in range(8):
            call, session = helpers.open_session(client)
            calls.append(call)
            ids.add(session)
    finally:
        for call in calls:
            call.cancel()
    assert len(ids) == 8
    assert all(len(session) == 32 for session in ids)


def test_database_mismatch(client):
    call, session = helpers.open_session(client, "mydb")
    try:
        error = rpc_error(client.query, "SELECT 1", "otherdb", session_id=session)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "mydb" in error.details() and "otherdb" in error.details()
    finally:
        call.cancel()


def test_open_session_on_unknown_database(client):
    error = rpc_error(helpers.open_session, client, "nosuchdb")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "nosuchdb" in error.details()


def test_read_only_session_refuses_writes(client, table):
    client.query(f"INSERT INTO {table} VALUES (1, 'kept')")
    call, session = helpers.open_session(client, read_only=True)
    try:
        error = rpc_error(client.query, f"INSERT INTO {table} VALUES (2, 'refused')", session_id=session)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error.details()
        error = rpc_error(client.query, f"DROP TABLE {table}", session_id=session)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        # Reads work, also inside an explicit transaction.
        rows(client, "BEGIN", session_id=session)
        assert count(client, table, session_id=session) == 1
        rows(client, "COMMIT", session_id=session)
    finally:
        call.cancel()
    assert count(client, table) == 1


def test_statements_of_a_session_run_one_at_a_time(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        errors = []

        def insert(first):
            try:
                values = ", ".join(f"({i}, 'x')" for i in range(first, first + 200))
                rows(client, f"INSERT INTO {table} VALUES {values}", session_id=session)
            except grpc.RpcError as error:
                errors.append(error)

        threads = [threading.Thread(target=insert, args=(i * 1000,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, [error.details() for error in errors]
        assert count(client, table, session_id=session) == 1200
        assert count(client, table) == 0
        rows(client, "COMMIT", session_id=session)
        assert count(client, table) == 1200
    finally:
        call.cancel()


def test_large_result_streams_while_the_session_goes_on(client, table):
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        rows(client, f"INSERT INTO {table} SELECT range, 'v' || range FROM range(300000)", session_id=session)
        response = client.execute(f"SELECT id, v FROM {table} ORDER BY id", session_id=session, max_chunk_bytes=256 * 1024)
        assert not response.complete and response.query_id
        # The result is materialized: the session runs its next statements before it is read.
        rows(client, f"DELETE FROM {table} WHERE id >= 1000", session_id=session)
        assert count(client, table, session_id=session) == 1000
        chunks = client.stream(response.query_id)
        import pyarrow as pa

        result = pa.ipc.open_stream(pa.BufferReader(b"".join(c.arrow_ipc for c in chunks))).read_all()
        assert result.num_rows == 300000
        assert result.column("id").to_pylist()[:3] == [0, 1, 2]
        rows(client, "ROLLBACK", session_id=session)
        assert count(client, table) == 0
    finally:
        call.cancel()


def test_describe_only_in_a_session_sees_session_tables(client, unique_name):
    name = unique_name("d")
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        rows(client, f"CREATE TABLE {name} (a INTEGER, b VARCHAR)", session_id=session)
        response = client.execute(f"SELECT * FROM {name}", session_id=session, describe_only=True)
        assert list(response.column_names) == ["a", "b"]
        assert list(response.column_types) == ["INTEGER", "VARCHAR"]
        rows(client, "ROLLBACK", session_id=session)
    finally:
        call.cancel()


def test_session_needs_the_token(client, server):
    request = client.pb2.OpenSessionRequest(protocol_version=1, database="mydb")
    error = rpc_error(lambda: next(client.stub.OpenSession(request, metadata=client.metadata(token="wrong"))))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_shutdown_ends_open_sessions_promptly(server_factory, protocol_stubs):
    server = server_factory()
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    try:
        client.query("CREATE TABLE t (i INTEGER)")
        call, session = helpers.open_session(client)
        rows(client, "BEGIN", session_id=session)
        rows(client, "INSERT INTO t VALUES (1)", session_id=session)
        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"shutdown took {elapsed:.1f}s with an open session"
        with pytest.raises(grpc.RpcError) as info:
            list(call)
        assert info.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
        assert "rolled_back=true" in server.stderr_text()
    finally:
        client.close()
    # The uncommitted row is not in the database after a restart.
    server.start().wait_ready()
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    try:
        assert count(client, "t") == 0
    finally:
        client.close()


# -- CheckCatalog ----------------------------------------------------------------------------------


def check_catalog(client, database="mydb", **fields):
    request = client.pb2.CheckCatalogRequest(protocol_version=1, database=database, **fields)
    return client.stub.CheckCatalog(request, metadata=client.metadata(), timeout=30)


def estimates(response):
    return {(t.schema_name, t.table_name): (t.estimated_rows if t.HasField("estimated_rows") else None)
            for t in response.tables}


def test_check_catalog_token_moves_with_ddl_only_and_estimates_follow_writes(client, unique_name):
    name = unique_name("cc")
    before = check_catalog(client)
    assert before.catalog_version and check_catalog(client).catalog_version == before.catalog_version
    rows(client, f"CREATE TABLE {name} (id INTEGER)")
    created = check_catalog(client)
    assert created.catalog_version != before.catalog_version
    assert estimates(created)[("main", name)] == 0
    rows(client, f"INSERT INTO {name} SELECT range FROM range(10)")
    written = check_catalog(client)
    assert written.catalog_version == created.catalog_version, "a write that leaves the catalog alone"
    assert estimates(written)[("main", name)] == 10
    rows(client, f"ALTER TABLE {name} ADD COLUMN extra VARCHAR")
    assert check_catalog(client).catalog_version != created.catalog_version


def test_check_catalog_in_a_session_sees_its_uncommitted_ddl_and_others_do_not(client, unique_name):
    name = unique_name("cs")
    committed = check_catalog(client).catalog_version
    call, session = helpers.open_session(client)
    try:
        rows(client, "BEGIN", session_id=session)
        rows(client, f"CREATE TABLE {name} (id INTEGER)", session_id=session)
        inside = check_catalog(client, session_id=session)
        assert inside.catalog_version != committed
        assert ("main", name) in estimates(inside)
        outside = check_catalog(client)
        assert outside.catalog_version == committed and ("main", name) not in estimates(outside)
        rows(client, "ROLLBACK", session_id=session)
    finally:
        call.cancel()


def test_check_catalog_needs_the_token_and_a_known_database(client):
    request = client.pb2.CheckCatalogRequest(protocol_version=1, database="mydb")
    error = rpc_error(client.stub.CheckCatalog, request, metadata=client.metadata("wrong"), timeout=30)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(check_catalog, client, "no_such_db")
    assert error.code() == grpc.StatusCode.NOT_FOUND and "does not exist" in error.details()
    request = client.pb2.CheckCatalogRequest(protocol_version=99, database="mydb")
    error = rpc_error(client.stub.CheckCatalog, request, metadata=client.metadata(), timeout=30)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
