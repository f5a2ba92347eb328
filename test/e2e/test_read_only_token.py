"""`openduck serve --read-only-token`: a second token whose clients read but never write."""

from __future__ import annotations

import duckdb
import pytest

import helpers


@pytest.fixture
def token_server(server_factory):
    read_only_token = helpers.random_token()
    server = server_factory(extra_args=["--read-only-token", read_only_token])
    server.read_only_token = read_only_token
    writer = helpers.attached_client(server)
    writer.execute("CREATE TABLE cloud.t (id INTEGER, v VARCHAR)")
    writer.execute("INSERT INTO cloud.t VALUES (1, 'one')")
    writer.close()
    return server



def test_read_only_token_reads(token_server):
    con = helpers.new_client()
    con.execute(helpers.attach_sql(token_server, "cloud", token=token_server.read_only_token))
    assert con.execute("SELECT * FROM cloud.t").fetchall() == [(1, "one")]
    assert con.execute("SELECT count(*) FROM cloud.t WHERE id = 1").fetchall() == [(1,)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO cloud.t VALUES (2, 'two')",
        "INSERT INTO cloud.t SELECT range, 'x' FROM range(5)",
        "UPDATE cloud.t SET v = 'changed'",
        "DELETE FROM cloud.t",
        "CREATE TABLE cloud.t2 (x INTEGER)",
        "DROP TABLE cloud.t",
    ],
)
def test_read_only_token_cannot_write(token_server, statement):
    con = helpers.new_client()
    con.execute(helpers.attach_sql(token_server, "cloud", token=token_server.read_only_token))
    helpers.assert_error(lambda: con.execute(statement), "read-only for this client", forbidden=[token_server.read_only_token])
    assert con.execute("SELECT * FROM cloud.t").fetchall() == [(1, "one")]
    assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()] == ["t"]


def test_read_only_token_cannot_write_in_a_transaction(token_server):
    con = helpers.new_client()
    con.execute(helpers.attach_sql(token_server, "cloud", token=token_server.read_only_token))
    con.execute("BEGIN")
    assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(1,)]
    helpers.assert_error(lambda: con.execute("INSERT INTO cloud.t VALUES (3, 'three')"), "read-only for this client")
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(1,)]


def test_wrong_token_is_still_refused(token_server):
    con = helpers.new_client()
    with pytest.raises(duckdb.Error) as error:
        con.execute(helpers.attach_sql(token_server, "cloud", token="not-" + token_server.read_only_token))
    assert "token" in str(error.value).lower()
