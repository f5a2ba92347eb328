"""Bad input and failures get clear, bounded errors, and the token never leaks."""

from __future__ import annotations

import time

import duckdb
import pytest

import helpers
from helpers import assert_error, attach_url, sql_string

SLACK_S = 3.0


@pytest.fixture(scope="module", autouse=True)
def remote_users(server):
    helpers.setup_remote(server, "CREATE TABLE users AS SELECT range::INTEGER AS id, 'user ' || range AS name FROM range(10)")


def attach_and_use(con, sql: str, alias: str = "cloud"):
    """ATTACH and touch the catalog: the error may come from either step, but must come."""
    con.execute(sql)
    con.sql(f"SHOW TABLES FROM {helpers.sql_identifier(alias)}").fetchall()


# ----------------------------------------------------------------------------- authentication


def test_wrong_token_says_authentication_failed(server, client_factory):
    con = client_factory()
    wrong = "tok-definitely-wrong-123"
    assert_error(
        lambda: attach_and_use(con, f"ATTACH '{attach_url(server, token=wrong)}' AS cloud"),
        "authentication failed",
        forbidden=[wrong, server.token],
    )


def test_missing_token_says_authentication_failed(server, client_factory, monkeypatch):
    monkeypatch.delenv("OPENDUCK_TOKEN", raising=False)
    con = client_factory()
    assert_error(
        lambda: attach_and_use(con, f"ATTACH 'openduck:mydb?endpoint={server.endpoint}' AS cloud"),
        "authentication failed",
        forbidden=[server.token],
    )


def test_wrong_token_in_option_says_authentication_failed(server, client_factory):
    con = client_factory()
    assert_error(
        lambda: attach_and_use(
            con, f"ATTACH 'openduck:mydb' AS cloud (TOKEN 'wrong-opt-token', ENDPOINT {sql_string(server.endpoint)})"
        ),
        "authentication failed",
        forbidden=["wrong-opt-token"],
    )


# ----------------------------------------------------------------------------- unreachable servers


def test_refused_connection_names_the_endpoint(client_factory):
    port = helpers.free_port()
    con = client_factory()
    started = time.monotonic()
    assert_error(
        lambda: attach_and_use(con, f"ATTACH 'openduck:mydb?endpoint=http://127.0.0.1:{port}&token=x' AS cloud"),
        f"127.0.0.1:{port}",
    )
    assert time.monotonic() - started < 5 + SLACK_S


@pytest.mark.parametrize("timeout_s, how", [(2, "url"), (2, "option"), (None, "default")])
def test_silent_server_times_out_within_connect_timeout(client_factory, timeout_s, how):
    listener = helpers.SilentListener()
    try:
        con = client_factory()
        if how == "url":
            sql = f"ATTACH 'openduck:mydb?endpoint={listener.endpoint}&token=x&connect_timeout={timeout_s}' AS cloud"
        elif how == "option":
            sql = f"ATTACH 'openduck:mydb?endpoint={listener.endpoint}&token=x' AS cloud (CONNECT_TIMEOUT {timeout_s})"
        else:
            sql = f"ATTACH 'openduck:mydb?endpoint={listener.endpoint}&token=x' AS cloud"
        limit = (timeout_s or 5) + SLACK_S
        started = time.monotonic()
        call = helpers.Background(attach_and_use, con, sql)
        assert call.wait(limit + 10), f"ATTACH to a silent server still hanging after {limit + 10:.0f}s"
        elapsed = call.finished_at - started
        assert isinstance(call.error, duckdb.Error), f"expected a DuckDB error, got {call.error!r}"
        assert f"127.0.0.1:{listener.port}" in str(call.error)
        assert elapsed < limit, f"gave up after {elapsed:.1f}s, connect timeout was {timeout_s or 5}s"
        if timeout_s:
            assert elapsed >= timeout_s * 0.5, f"gave up after {elapsed:.1f}s, before the {timeout_s}s timeout"
    finally:
        listener.close()


@pytest.mark.parametrize("endpoint", ["ftp://127.0.0.1:1", "http://", "http://host:notaport"])
def test_malformed_endpoint_is_named(client_factory, endpoint):
    con = client_factory()
    message = assert_error(lambda: attach_and_use(con, f"ATTACH 'openduck:mydb' AS cloud (ENDPOINT '{endpoint}', TOKEN 'x')"))
    assert endpoint in message


# ----------------------------------------------------------------------------- catalog and SQL errors


def test_unknown_table_is_a_catalog_error_with_suggestion(con):
    message = assert_error(lambda: con.sql("SELECT * FROM cloud.usres").fetchall(), "usres", "does not exist", error_type=duckdb.CatalogException)
    assert "Did you mean" in message and "users" in message


def test_unknown_table_far_from_anything(con):
    assert_error(lambda: con.sql("SELECT * FROM cloud.zzzqqq_nothing").fetchall(), "zzzqqq_nothing", "does not exist", error_type=duckdb.CatalogException)


def test_unknown_column_is_a_binder_error(con):
    message = assert_error(lambda: con.sql("SELECT nmae FROM cloud.users").fetchall(), "nmae", error_type=duckdb.BinderException)
    assert "name" in message


def test_unknown_schema(con):
    assert_error(lambda: con.sql("SELECT * FROM cloud.no_such_schema.users").fetchall(), "no_such_schema")


def test_remote_syntax_error_carries_duckdbs_message(con):
    assert_error(lambda: con.sql("FROM openduck_query('cloud', 'SELEC 1')").fetchall(), 'syntax error at or near "SELEC"')


def test_remote_runtime_error_carries_duckdbs_message(con):
    assert_error(
        lambda: con.sql("FROM openduck_query('cloud', 'SELECT ''abc''::INTEGER')").fetchall(),
        "Could not convert string 'abc' to INT32",
    )


def test_remote_catalog_error_through_escape_hatch(con):
    assert_error(lambda: helpers.remote_execute(con, "DROP TABLE no_such_table_x"), "no_such_table_x")


def test_escape_hatch_with_unknown_alias(con):
    assert_error(lambda: con.sql("FROM openduck_query('nope', 'SELECT 1')").fetchall(), "nope")


def test_escape_hatch_on_a_non_openduck_database(con):
    assert_error(lambda: con.sql("FROM openduck_query('memory', 'SELECT 1')").fetchall(), "memory")


def test_connection_still_usable_after_errors(con):
    for bad in ("FROM cloud.usres", "FROM openduck_query('cloud', 'SELEC 1')"):
        with pytest.raises(duckdb.Error):
            con.sql(bad).fetchall()
    assert con.sql("SELECT count(*) FROM cloud.users").fetchone() == (10,)


# ----------------------------------------------------------------------------- token secrecy


def test_token_not_in_duckdb_databases(server, con):
    assert server.token not in helpers.all_text(con, "SELECT * FROM duckdb_databases()")


def test_token_not_in_duckdb_databases_with_option_form(server, client_factory):
    con = client_factory()
    con.execute(f"ATTACH 'openduck:mydb' AS cloud (TOKEN {sql_string(server.token)}, ENDPOINT {sql_string(server.endpoint)})")
    assert server.token not in helpers.all_text(con, "SELECT * FROM duckdb_databases()")


def test_token_not_in_explain(server, con):
    for sql in ("EXPLAIN SELECT * FROM cloud.users WHERE id = 3", "EXPLAIN ANALYZE SELECT * FROM cloud.users WHERE id = 3",
                "EXPLAIN FROM openduck_query('cloud', 'SELECT 1')"):
        assert server.token not in helpers.all_text(con, sql), sql


def test_token_not_in_settings_or_secrets(server, con):
    assert server.token not in helpers.all_text(con, "SELECT * FROM duckdb_settings()")
    assert server.token not in helpers.all_text(con, "SELECT * FROM duckdb_secrets()")


def test_token_not_in_error_messages(server, con):
    for bad in (
        "FROM cloud.usres",
        "SELECT nmae FROM cloud.users",
        "FROM openduck_query('cloud', 'SELEC 1')",
        "FROM openduck_query('cloud', 'SELECT * FROM nope_table')",
    ):
        assert_error(lambda: con.sql(bad).fetchall(), forbidden=[server.token])


def test_token_not_in_server_log(server, con):
    con.sql("FROM cloud.users").fetchall()
    with pytest.raises(duckdb.Error):
        con.sql("FROM openduck_query('cloud', 'SELEC 1')").fetchall()
    log = server.stderr_text() + server.stdout_text()
    assert server.query_log_lines(), "server logged no queries at all"
    assert server.token not in log


# ----------------------------------------------------------------------------- server dies


def _endless_remote_scan(con):
    return con.sql("SELECT count(*) FROM openduck_query('cloud', 'SELECT range FROM range(100000000000)')").fetchall()


def test_server_killed_mid_query_errors_without_hanging(fresh_server, client_factory):
    con = client_factory(fresh_server)
    call = helpers.Background(_endless_remote_scan, con)
    time.sleep(1.5)
    assert not call.wait(0), f"the endless scan finished early: {call.result!r} / {call.error!r}"
    fresh_server.kill()
    assert call.wait(20), "client still hanging 20s after the server was killed"
    assert isinstance(call.error, duckdb.Error), f"expected a DuckDB error, got {call.result!r} / {call.error!r}"
    assert fresh_server.token not in str(call.error)


def test_server_killed_mid_catalog_scan_errors_without_hanging(fresh_server, client_factory):
    con = client_factory(fresh_server)
    helpers.remote_execute(con, "CREATE TABLE big AS SELECT range AS i, repeat('z', 200) AS pad FROM range(3000000)")

    def slow_consumer():
        # Pull batches one by one so the scan is still streaming when the server dies.
        reader = con.sql("SELECT i, pad FROM cloud.big").to_arrow_reader(1024)
        total = 0
        for batch in reader:
            total += batch.num_rows
            time.sleep(0.01)
        return total

    call = helpers.Background(slow_consumer)
    time.sleep(1.5)
    assert not call.wait(0), f"the scan finished before the kill: {call.result!r} / {call.error!r}"
    fresh_server.kill()
    assert call.wait(30), "client still hanging 30s after the server was killed"
    assert call.error is not None, f"scan of a killed server returned {call.result} rows without error"


def test_queries_after_server_death_fail_fast(fresh_server, client_factory):
    con = client_factory(fresh_server)
    helpers.remote_execute(con, "CREATE TABLE t AS SELECT 1 AS x")
    fresh_server.kill()
    started = time.monotonic()
    call = helpers.Background(lambda: con.sql("FROM openduck_query('cloud', 'SELECT 1')").fetchall())
    assert call.wait(5 + SLACK_S + 5), "query against a dead server is hanging"
    assert isinstance(call.error, duckdb.Error)
    assert fresh_server.endpoint.split("//")[1] in str(call.error)
    assert call.finished_at - started < 5 + SLACK_S


def test_client_recovers_when_server_comes_back(server_factory, client_factory):
    first = server_factory()
    con = client_factory(first)
    helpers.remote_execute(con, "CREATE TABLE survivor AS SELECT 99 AS x")
    assert con.sql("FROM cloud.survivor").fetchall() == [(99,)]
    first.stop()
    with pytest.raises(duckdb.Error):
        con.sql("FROM openduck_query('cloud', 'SELECT 1')").fetchall()
    # Same port, same data directory, same token: the old attachment works again.
    server_factory(token=first.token, port=first.port, data_dir=first.data_dir)
    assert con.sql("FROM cloud.survivor").fetchall() == [(99,)]
