"""Every way of attaching a remote database, READ_ONLY and DETACH, with the official DuckDB wheel."""

from __future__ import annotations

import duckdb
import pytest

import helpers
from helpers import attach_url, sql_string

USERS = [(1, "ada"), (2, "grace"), (3, "linus")]


@pytest.fixture(scope="module", autouse=True)
def remote_users(server):
    helpers.setup_remote(
        server,
        "CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR)",
        "INSERT INTO users VALUES (1, 'ada'), (2, 'grace'), (3, 'linus')",
    )
    helpers.setup_remote(server, "CREATE TABLE inventory (sku VARCHAR, qty INTEGER)", database="otherdb")
    helpers.setup_remote(server, "INSERT INTO inventory VALUES ('x-1', 5)", database="otherdb")


def users(con, alias="cloud"):
    return con.sql(f"SELECT id, name FROM {helpers.sql_identifier(alias)}.users ORDER BY id").fetchall()


def test_url_with_endpoint_and_token(server, client_factory):
    con = client_factory()
    con.execute(f"ATTACH '{attach_url(server)}' AS cloud")
    assert users(con) == USERS


def test_od_prefix(server, client_factory):
    con = client_factory()
    con.execute(f"ATTACH '{attach_url(server, prefix='od')}' AS cloud")
    assert users(con) == USERS


def test_defaults_from_environment(server, client_factory, monkeypatch):
    monkeypatch.setenv("OPENDUCK_ENDPOINT", server.endpoint)
    monkeypatch.setenv("OPENDUCK_TOKEN", server.token)
    con = client_factory()
    con.execute("ATTACH 'openduck:mydb' AS cloud")
    assert users(con) == USERS


def test_token_option_and_endpoint_option(server, client_factory):
    con = client_factory()
    con.execute(
        f"ATTACH 'openduck:mydb' AS cloud (TOKEN {sql_string(server.token)}, ENDPOINT {sql_string(server.endpoint)})"
    )
    assert users(con) == USERS


def test_type_option_with_plain_database_name(server, client_factory):
    con = client_factory()
    con.execute(
        f"ATTACH 'mydb' AS cloud (TYPE openduck, TOKEN {sql_string(server.token)}, ENDPOINT {sql_string(server.endpoint)})"
    )
    assert users(con) == USERS


def test_type_option_with_prefixed_path(server, client_factory):
    # This is the statement openduck.connect() issues.
    con = client_factory()
    con.execute(
        f"ATTACH 'openduck:mydb' AS cloud (TYPE openduck, TOKEN {sql_string(server.token)}, ENDPOINT {sql_string(server.endpoint)})"
    )
    assert users(con) == USERS


def test_explicit_token_beats_environment(server, client_factory, monkeypatch):
    monkeypatch.setenv("OPENDUCK_TOKEN", "wrong-token-from-env")
    con = client_factory()
    con.execute(f"ATTACH '{attach_url(server)}' AS cloud")
    assert users(con) == USERS


def test_secret_supplies_the_token(server, client_factory):
    con = client_factory()
    con.execute(f"CREATE SECRET (TYPE openduck, TOKEN {sql_string(server.token)})")
    con.execute(f"ATTACH 'openduck:mydb?endpoint={server.endpoint}' AS cloud")
    assert users(con) == USERS
    # The secret manager must redact the token.
    assert server.token not in helpers.all_text(con, "FROM duckdb_secrets()")


def test_named_secret_with_endpoint_option(server, client_factory):
    con = client_factory()
    con.execute(
        f"CREATE SECRET od_secret (TYPE openduck, TOKEN {sql_string(server.token)})"
    )
    con.execute(f"ATTACH 'openduck:mydb' AS cloud (ENDPOINT {sql_string(server.endpoint)})")
    assert users(con) == USERS


def test_connect_timeout_in_url_and_option(server, client_factory):
    con = client_factory()
    con.execute(f"ATTACH '{attach_url(server, connect_timeout='3')}' AS a1")
    con.execute(f"ATTACH '{attach_url(server)}' AS a2 (CONNECT_TIMEOUT 3)")
    assert users(con, "a1") == USERS
    assert users(con, "a2") == USERS


def test_two_databases_on_one_server(server, client_factory):
    con = client_factory(server, "cloud", "mydb")
    con.execute(helpers.attach_sql(server, "other", "otherdb"))
    assert users(con) == USERS
    assert con.sql("SELECT sku, qty FROM other.inventory").fetchall() == [("x-1", 5)]
    helpers.assert_error(lambda: con.sql("FROM other.users").fetchall(), "users", "does not exist")
    helpers.assert_error(lambda: con.sql("FROM cloud.inventory").fetchall(), "inventory", "does not exist")


def test_same_database_twice_under_two_aliases(server, client_factory):
    con = client_factory(server, "a")
    con.execute(helpers.attach_sql(server, "b"))
    assert con.sql("SELECT count(*) FROM a.users JOIN b.users USING (id)").fetchone() == (3,)


def test_alias_with_quotes_and_spaces(server, client_factory):
    con = client_factory(server, 'my "odd" cloud')
    assert users(con, 'my "odd" cloud') == USERS


def test_unknown_database_is_a_clear_error(server, client_factory):
    con = client_factory()
    message = helpers.assert_error(
        lambda: (con.execute(helpers.attach_sql(server, "cloud", "no_such_db")), con.sql("SHOW TABLES FROM cloud").fetchall()),
        "no_such_db",
        forbidden=[server.token],
    )
    assert "not found" in message.lower() or "does not exist" in message.lower()


def test_read_only_attach(server, client_factory, unique_name):
    con = client_factory(server, options="READ_ONLY")
    assert users(con) == USERS
    readonly = con.sql("SELECT readonly FROM duckdb_databases() WHERE database_name = 'cloud'").fetchone()
    assert readonly == (True,)
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO cloud.users VALUES (9, 'x')")
    name = unique_name("ro")
    with pytest.raises(duckdb.Error):
        helpers.remote_execute(con, f"CREATE TABLE {name} (i INTEGER)")
    writable = client_factory(server, "rw")
    tables = writable.sql(f"SELECT count(*) FROM duckdb_tables() WHERE database_name = 'rw' AND table_name = '{name}'").fetchone()
    assert tables == (0,), "a READ_ONLY attach let a write through openduck_execute"
    assert users(writable, "rw") == USERS


def test_detach_and_reattach(server, client_factory):
    con = client_factory(server)
    assert users(con) == USERS
    con.execute("DETACH cloud")
    assert con.sql("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'cloud'").fetchone() == (0,)
    helpers.assert_error(lambda: con.sql("FROM cloud.users").fetchall(), "cloud")
    con.execute(helpers.attach_sql(server))
    assert users(con) == USERS


def test_detach_then_attach_elsewhere_under_same_alias(server, fresh_server, client_factory):
    helpers.setup_remote(fresh_server, "CREATE TABLE users AS SELECT 42 AS id, 'fresh' AS name")
    con = client_factory(server)
    assert users(con) == USERS
    con.execute("DETACH cloud")
    con.execute(helpers.attach_sql(fresh_server))
    assert users(con) == [(42, "fresh")]


def test_default_endpoint_is_localhost_7878(server_factory, client_factory):
    if not helpers.port_is_free(7878):
        pytest.skip("port 7878 is in use on this machine; the default-port test needs it free")
    server = server_factory(port=7878, pass_port=False)
    helpers.setup_remote(server, "CREATE TABLE users AS SELECT 1 AS id, 'default' AS name")
    con = client_factory()
    con.execute(f"ATTACH 'openduck:mydb?token={server.token}' AS cloud")
    assert users(con) == [(1, "default")]


def test_attach_sees_tables_attached_earlier_by_other_clients(server, client_factory):
    first = client_factory(server)
    second = client_factory(server)
    assert users(first) == users(second) == USERS
