"""openduck.connect() against a real server: every form, keyword and environment variable."""

from __future__ import annotations

import traceback
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import helpers
import openduck
from helpers import EXTENSION_FILE

# Characters that need URL encoding and SQL escaping; all legal in gRPC metadata.
ODD_TOKEN = "tok'en&a=b/c+d%e?f#g\"h"
USERS = [(1, "ada", 36.5), (2, "grace", 85.25), (3, "linus", None)]


@pytest.fixture(scope="module")
def od_server(server_binary, tmp_path_factory):
    server = helpers.start_server(tmp_path_factory.mktemp("py-client"), token=ODD_TOKEN, databases=("mydb", "otherdb"))
    helpers.setup_remote(
        server,
        "CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR, score DOUBLE)",
        "INSERT INTO users VALUES (1, 'ada', 36.5), (2, 'grace', 85.25), (3, 'linus', NULL)",
    )
    helpers.setup_remote(server, "CREATE TABLE other_marker AS SELECT 'otherdb' AS which", database="otherdb")
    yield server
    server.cleanup()


@pytest.fixture
def clean_env(monkeypatch, extension_file):
    for name in ("OPENDUCK_TOKEN", "OPENDUCK_ENDPOINT", "OPENDUCK_EXTENSION_PATH"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def connections():
    opened = []
    yield opened
    for con in opened:
        con.close()


@pytest.fixture
def connect(connections, clean_env):
    def make(*args, **kwargs):
        con = openduck.connect(*args, **kwargs)
        connections.append(con)
        return con

    return make


def users(con, alias="cloud"):
    return con.sql(f"SELECT id, name, score FROM {helpers.sql_identifier(alias)}.users ORDER BY id").fetchall()


@pytest.mark.parametrize("form", ["mydb", "od:mydb", "openduck:mydb"])
def test_forms_with_keywords(od_server, connect, form):
    con = connect(form, token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    assert isinstance(con, duckdb.DuckDBPyConnection)
    assert users(con) == USERS


@pytest.mark.parametrize("prefix", ["openduck", "od"])
def test_url_form_with_percent_encoding(od_server, connect, prefix):
    url = f"{prefix}:mydb?endpoint={quote(od_server.endpoint, safe='')}&token={quote(ODD_TOKEN, safe='')}"
    con = connect(url, extension_path=EXTENSION_FILE)
    assert users(con) == USERS


def test_environment_variables(od_server, connect, clean_env):
    clean_env.setenv("OPENDUCK_TOKEN", ODD_TOKEN)
    clean_env.setenv("OPENDUCK_ENDPOINT", od_server.endpoint)
    clean_env.setenv("OPENDUCK_EXTENSION_PATH", str(EXTENSION_FILE))
    con = connect("mydb")
    assert users(con) == USERS


def test_default_database_name_is_mydb(od_server, connect):
    con = connect(token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    assert users(con) == USERS


def test_extension_is_discovered_in_the_build_tree(od_server, connect):
    assert Path(openduck.extension_path()) == EXTENSION_FILE.resolve()
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint)
    assert users(con) == USERS


def test_keywords_override_url_params(od_server, connect):
    url = "openduck:mydb?endpoint=http%3A%2F%2F127.0.0.1%3A1&token=wrong"
    con = connect(url, token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    assert users(con) == USERS


def test_url_params_override_environment(od_server, connect, clean_env):
    clean_env.setenv("OPENDUCK_TOKEN", "wrong-env-token")
    clean_env.setenv("OPENDUCK_ENDPOINT", "http://127.0.0.1:1")
    url = f"openduck:mydb?endpoint={quote(od_server.endpoint, safe='')}&token={quote(ODD_TOKEN, safe='')}"
    con = connect(url, extension_path=EXTENSION_FILE)
    assert users(con) == USERS


def test_other_database(od_server, connect):
    con = connect("od:otherdb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    assert con.sql("FROM cloud.other_marker").fetchall() == [("otherdb",)]


def test_snapshot_keyword_reads_a_past_state(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    con.execute("CREATE TABLE cloud.py_snapshot AS SELECT 1 AS v")
    before = con.execute("SELECT max(snapshot_id) FROM openduck_snapshots('cloud')").fetchone()[0]
    con.execute("INSERT INTO cloud.py_snapshot VALUES (2)")
    past = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE,
                   snapshot=before, alias="past")
    assert past.sql("SELECT v FROM past.py_snapshot").fetchall() == [(1,)]
    assert con.sql("SELECT count(*) FROM cloud.py_snapshot").fetchone() == (2,)


def test_default_alias_is_cloud(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    rows = con.sql("SELECT database_name, type, readonly FROM duckdb_databases() WHERE NOT internal ORDER BY 1").fetchall()
    assert ("cloud", "openduck", False) in rows
    # The local side is a plain in-memory database.
    assert con.sql("SELECT current_database()").fetchone() == ("memory",)


def test_custom_alias_with_quotes(od_server, connect):
    alias = 'team "x" cloud'
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE, alias=alias)
    assert users(con, alias) == USERS
    assert con.sql("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'cloud'").fetchone() == (0,)


def test_read_only(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE, read_only=True)
    assert con.sql("SELECT readonly FROM duckdb_databases() WHERE database_name = 'cloud'").fetchone() == (True,)
    assert users(con) == USERS


def test_duckdb_config_dict_and_keywords(od_server, connect):
    con = connect(
        "mydb",
        token=ODD_TOKEN,
        endpoint=od_server.endpoint,
        extension_path=EXTENSION_FILE,
        config={"threads": 1},
        memory_limit="512MB",
    )
    assert con.sql("SELECT current_setting('threads')").fetchone() == (1,)
    assert con.sql("SELECT current_setting('memory_limit')").fetchone()[0].replace(" ", "") in ("512.0MiB", "488.2MiB", "512MB")
    assert con.sql("SELECT current_setting('allow_unsigned_extensions')").fetchone() == (True,)
    assert users(con) == USERS


def test_sql_show_prints_rows(od_server, connect, capsys):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    con.sql("SELECT 1 AS x").show()
    con.sql("SELECT name FROM cloud.users ORDER BY id LIMIT 10").show()
    out = capsys.readouterr().out
    assert "x" in out and "1" in out
    assert "ada" in out and "grace" in out and "linus" in out


def test_df(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    frame = con.sql("SELECT id, name, score FROM cloud.users ORDER BY id").df()
    assert list(frame.columns) == ["id", "name", "score"]
    assert frame["id"].tolist() == [1, 2, 3]
    assert str(frame["id"].dtype) == "int32"
    assert frame["name"].tolist() == ["ada", "grace", "linus"]
    assert frame["score"].iloc[:2].tolist() == [36.5, 85.25] and pd.isna(frame["score"].iloc[2])
    assert len(frame) == 3


def test_arrow(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    result = con.sql("SELECT id, name, score FROM cloud.users ORDER BY id").arrow()
    table = result.read_all() if isinstance(result, pa.RecordBatchReader) else result
    assert table.schema.field("id").type == pa.int32()
    assert table.schema.field("score").type == pa.float64()
    assert table.to_pylist() == [{"id": i, "name": n, "score": s} for i, n, s in USERS]


def test_write_parquet(od_server, connect, tmp_path):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    target = tmp_path / "users.parquet"
    con.sql("SELECT * FROM cloud.users WHERE score IS NOT NULL ORDER BY id").write_parquet(str(target))
    table = pq.read_table(target)
    assert table.column_names == ["id", "name", "score"]
    assert table.to_pylist() == [{"id": 1, "name": "ada", "score": 36.5}, {"id": 2, "name": "grace", "score": 85.25}]


def test_escape_hatch_through_connect(od_server, connect):
    con = connect("mydb", token=ODD_TOKEN, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    assert con.sql("FROM openduck_query('cloud', 'SELECT count(*) FROM users')").fetchall() == [(3,)]


def test_wrong_token_raises_without_leaking(od_server, connect):
    secret = "wrong'secret&token"
    with pytest.raises(duckdb.Error) as info:
        connect("mydb", token=secret, endpoint=od_server.endpoint, extension_path=EXTENSION_FILE)
    text = str(info.value) + repr(info.value) + "".join(traceback.format_exception(info.value))
    assert "authentication failed" in str(info.value).lower()
    assert secret not in text
    assert ODD_TOKEN not in text


def test_unreachable_endpoint_raises_naming_it(connect):
    port = helpers.free_port()
    with pytest.raises(duckdb.Error) as info:
        connect("mydb", token="x", endpoint=f"http://127.0.0.1:{port}", extension_path=EXTENSION_FILE)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_missing_extension_from_env(connect, clean_env, tmp_path):
    clean_env.setenv("OPENDUCK_EXTENSION_PATH", str(tmp_path / "nowhere.duckdb_extension"))
    with pytest.raises(openduck.ExtensionNotFoundError) as info:
        connect("mydb", token="x")
    assert "nowhere.duckdb_extension" in str(info.value)
