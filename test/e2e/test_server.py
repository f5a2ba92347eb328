"""`openduck serve` as a process: signals, binding rules, tokens, logging, persistence, cancellation."""

from __future__ import annotations

import ipaddress
import signal
import subprocess
import time

import duckdb
import grpc
import pytest

import helpers
from helpers import Background, parse_query_log

BUSY_SERVER_SQL = "SELECT * FROM openduck_query('cloud', 'SELECT count(*) FROM range(1000000000000)')"
ENDLESS_STREAM_SQL = "SELECT count(*) FROM openduck_query('cloud', 'SELECT range FROM range(100000000000)')"


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:  # e.g. ::ffff:127.0.0.1 on a dual-stack socket
        ip = ip.ipv4_mapped
    return ip.is_loopback


def protocol_client(stubs, server, token="server"):
    return helpers.ProtocolClient(stubs, server.grpc_target, server.token if token == "server" else token)


# ----------------------------------------------------------------------------- signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_cleanly(fresh_server, sig):
    started = time.monotonic()
    code = fresh_server.stop(sig, timeout=15)
    assert code == 0, f"exit code {code} after {sig.name}; stderr:\n{fresh_server.stderr_text()}"
    assert time.monotonic() - started < 10


def test_sigterm_with_a_query_in_flight(fresh_server, client_factory):
    con = client_factory(fresh_server)
    call = Background(lambda: con.sql(ENDLESS_STREAM_SQL).fetchall())
    time.sleep(1.5)
    assert not call.wait(0)
    started = time.monotonic()
    code = fresh_server.stop(signal.SIGTERM, timeout=15)
    assert code == 0, f"exit code {code}; stderr:\n{fresh_server.stderr_text()}"
    assert time.monotonic() - started < 10
    assert call.wait(20), "client still hanging after the server shut down"
    assert isinstance(call.error, duckdb.Error)


def test_sigterm_with_an_idle_attached_client(fresh_server, client_factory):
    con = client_factory(fresh_server)
    assert helpers.remote_query(con, "SELECT 1").fetchall() == [(1,)]
    assert fresh_server.stop(signal.SIGTERM, timeout=15) == 0


# ----------------------------------------------------------------------------- binding and tokens


def test_without_token_binds_loopback_only(server_factory, protocol_stubs):
    server = server_factory(token=None, host=None)
    addresses = helpers.listening_addresses(server.port)
    assert addresses, "found no listening socket for the server's port"
    assert all(_is_loopback(a) for a in addresses), addresses
    client = protocol_client(protocol_stubs, server, token=None)
    try:
        _, _, table = client.query("SELECT 1 AS x")
        assert table.to_pylist() == [{"x": 1}]
    finally:
        client.close()


def test_without_token_attach_needs_no_token(server_factory, client_factory, monkeypatch):
    monkeypatch.delenv("OPENDUCK_TOKEN", raising=False)
    server = server_factory(token=None, host=None)
    con = client_factory()
    con.execute(f"ATTACH 'openduck:mydb?endpoint={server.endpoint}' AS cloud")
    assert helpers.remote_query(con, "SELECT 5").fetchall() == [(5,)]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_public_bind_without_token_is_refused(server_factory, host):
    server = server_factory(token=None, host=host, wait=False)
    try:
        code = server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"server started on {host} without a token instead of refusing")
    assert code != 0
    assert "token" in server.stderr_text().lower()


def test_public_bind_with_token_is_allowed(server_factory):
    server = server_factory(host="0.0.0.0")
    addresses = helpers.listening_addresses(server.port)
    assert any(ipaddress.ip_address(a).is_unspecified for a in addresses), addresses


def test_token_from_environment(server_factory, protocol_stubs):
    token = helpers.random_token()
    server = server_factory(token=None, env={"OPENDUCK_TOKEN": token})
    anonymous = protocol_client(protocol_stubs, server, token=None)
    wrong = protocol_client(protocol_stubs, server, token="wrong")
    right = protocol_client(protocol_stubs, server, token=token)
    try:
        for client in (anonymous, wrong):
            with pytest.raises(grpc.RpcError) as info:
                client.execute("SELECT 1")
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert right.query("SELECT 3 AS x")[2].to_pylist() == [{"x": 3}]
    finally:
        for client in (anonymous, wrong, right):
            client.close()
    assert token not in server.stderr_text()


def test_every_database_flag_is_served(server_factory, protocol_stubs):
    server = server_factory(databases=("alpha", "beta", "gamma"))
    client = protocol_client(protocol_stubs, server)
    try:
        for name in ("alpha", "beta", "gamma"):
            assert client.query("SELECT 1 AS ok", database=name)[2].to_pylist() == [{"ok": 1}]
        with pytest.raises(grpc.RpcError) as info:
            client.execute("SELECT 1", database="delta")
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        client.close()


# ----------------------------------------------------------------------------- logging


def test_one_log_line_per_query(fresh_server, protocol_stubs):
    client = protocol_client(protocol_stubs, fresh_server)
    seen = len(fresh_server.query_log_lines())
    try:
        client.query("SELECT range FROM range(7)")
        client.query("SELECT 'a' AS a")
        client.query("SELECT range FROM range(1234)")
        with pytest.raises(grpc.RpcError):
            client.query("SELECT * FROM no_such_table")
    finally:
        client.close()
    time.sleep(0.5)  # let any (wrong) extra lines arrive
    lines = fresh_server.query_log_lines()[seen:]
    assert len(lines) == 4, lines
    entries = [parse_query_log(line) for line in lines]
    assert [e["database"] for e in entries] == ["mydb"] * 4
    assert [int(e["rows"]) for e in entries[:3]] == [7, 1, 1234]
    assert all(e["status"].strip().lower() == "ok" for e in entries[:3]), entries
    assert entries[3]["status"].strip().lower() != "ok"
    assert int(entries[2]["bytes"]) > int(entries[1]["bytes"])
    assert fresh_server.token not in fresh_server.stderr_text()
    assert all("duration" in line for line in lines)


# ----------------------------------------------------------------------------- persistence


def test_data_survives_a_restart(server_factory, client_factory):
    first = server_factory()
    con = client_factory(first)
    helpers.remote_execute(con, "CREATE TABLE kept AS SELECT range AS i FROM range(1000)")
    assert first.stop() == 0
    assert any(first.data_dir.rglob("*")), "nothing was written under --data-dir"
    second = server_factory(token=first.token, data_dir=first.data_dir)
    con2 = client_factory(second)
    assert con2.sql("SELECT count(*), sum(i) FROM cloud.kept").fetchone() == (1000, 499500)


# ----------------------------------------------------------------------------- cancellation


def _wait_for_idle(server, timeout: float = 10.0, window: float = 1.0, budget: float = 0.25) -> bool:
    """True once the server burns less than `budget` CPU seconds during a `window`."""

    def idle():
        before = server.cpu_seconds()
        time.sleep(window)
        return server.cpu_seconds() - before < budget

    return helpers.wait_until(idle, timeout, interval=0)


def _interrupt(con, server, call) -> None:
    """Interrupt the client query; if it will not stop, kill the server so the test can end, then fail."""
    con.interrupt()
    if not call.wait(10):
        server.kill()
        call.wait(20)
        pytest.fail("query still running 10s after con.interrupt() (it ended only when the server was killed)")
    assert isinstance(call.error, duckdb.InterruptException), repr(call.error)


def test_interrupt_cancels_the_query_on_the_server(fresh_server, client_factory):
    con = client_factory(fresh_server)
    call = Background(lambda: con.sql(BUSY_SERVER_SQL).fetchall())
    time.sleep(1.0)
    before = fresh_server.cpu_seconds()
    time.sleep(2.0)
    assert fresh_server.cpu_seconds() - before > 0.5, "the server is not busy with the query; test premise broken"
    assert not call.wait(0)

    _interrupt(con, fresh_server, call)
    assert _wait_for_idle(fresh_server), "server kept burning CPU after the client interrupted: not cancelled"

    started = time.monotonic()
    assert helpers.remote_query(con, "SELECT 1").fetchall() == [(1,)]
    assert time.monotonic() - started < 2


def test_interrupt_is_logged_as_cancelled(fresh_server, client_factory):
    con = client_factory(fresh_server)
    seen = len(fresh_server.query_log_lines())
    call = Background(lambda: con.sql(ENDLESS_STREAM_SQL).fetchall())
    time.sleep(1.5)
    assert not call.wait(0)
    _interrupt(con, fresh_server, call)
    assert helpers.wait_until(
        lambda: any("cancel" in parse_query_log(l)["status"].lower() for l in fresh_server.query_log_lines()[seen:]), 10
    ), f"no cancelled query in the server log:\n{fresh_server.stderr_text()}"


# ----------------------------------------------------------------------------- concurrency


def test_concurrent_clients_get_their_own_answers(fresh_server, client_factory):
    clients = [client_factory(fresh_server) for _ in range(4)]

    def work(con, n):
        results = []
        for k in range(5):
            results.append(helpers.remote_query(con, f"SELECT sum(range) FROM range({n * 100000 + k})").fetchone()[0])
        return results

    calls = [Background(work, con, n + 1) for n, con in enumerate(clients)]
    for call in calls:
        assert call.wait(60)
        assert call.error is None, repr(call.error)
    for n, call in enumerate(calls, start=1):
        expected = [sum(range(n * 100000 + k)) for k in range(5)]
        assert call.result == expected
