"""The official DuckDB CLI (`duckdb -unsigned`) with the extension, as a subprocess."""

from __future__ import annotations

import csv
import io
import json

import pytest

import helpers
from helpers import EXTENSION_FILE, attach_url


@pytest.fixture(scope="module", autouse=True)
def remote_users(server):
    helpers.setup_remote(
        server,
        "CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR, signup DATE)",
        "INSERT INTO users SELECT range, 'user_' || range, DATE '2024-01-01' + range::INTEGER FROM range(20)",
    )


def load_sql() -> str:
    return f"LOAD '{EXTENSION_FILE}';"


def csv_rows(text: str):
    return list(csv.reader(io.StringIO(text)))


def test_load_attach_list_and_read(server, cli):
    result = cli(
        # Other tests add tables to this module's server, and the CLI elides long tables, so the
        # listing is filtered to the one table this test needs to see.
        f"{load_sql()} ATTACH '{attach_url(server)}' AS cloud; "
        "SELECT database || '.' || name AS listed FROM (SHOW ALL TABLES) WHERE name = 'users'; "
        "SELECT * FROM cloud.users LIMIT 5;"
    )
    assert result.returncode == 0, result.stderr
    assert "cloud.users" in result.stdout
    assert "user_4" in result.stdout and "user_5" not in result.stdout
    assert server.token not in result.stdout + result.stderr


def test_csv_output_is_exact(server, cli):
    result = cli(
        f"{load_sql()} ATTACH '{attach_url(server)}' AS cloud; SELECT id, name, signup FROM cloud.users WHERE id BETWEEN 3 AND 5 ORDER BY id;",
        "-csv",
    )
    assert result.returncode == 0, result.stderr
    assert csv_rows(result.stdout) == [
        ["id", "name", "signup"],
        ["3", "user_3", "2024-01-04"],
        ["4", "user_4", "2024-01-05"],
        ["5", "user_5", "2024-01-06"],
    ]


def test_describe_as_json(server, cli):
    result = cli(f"{load_sql()} ATTACH '{attach_url(server)}' AS cloud; DESCRIBE cloud.users;", "-json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["column_name"], r["column_type"], r["null"]) for r in rows] == [
        ("id", "INTEGER", "NO"),
        ("name", "VARCHAR", "YES"),
        ("signup", "DATE", "YES"),
    ]


def test_env_vars_supply_endpoint_and_token(server, cli):
    result = cli(
        f"{load_sql()} ATTACH 'openduck:mydb' AS cloud; SELECT count(*) FROM cloud.users;",
        "-csv",
        "-noheader",
        env={"OPENDUCK_ENDPOINT": server.endpoint, "OPENDUCK_TOKEN": server.token},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "20"


def test_od_prefix(server, cli):
    result = cli(
        f"{load_sql()} ATTACH '{attach_url(server, prefix='od')}' AS cloud; SELECT max(id) FROM cloud.users;",
        "-csv",
        "-noheader",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "19"


def test_secret_then_attach(server, cli):
    result = cli(
        f"{load_sql()} CREATE SECRET (TYPE openduck, TOKEN '{server.token}'); "
        f"ATTACH 'openduck:mydb?endpoint={server.endpoint}' AS cloud; SELECT name FROM cloud.users WHERE id = 7;",
        "-csv",
        "-noheader",
    )
    assert result.returncode == 0, result.stderr
    # CREATE SECRET prints its own one-row result ("true") first.
    assert result.stdout.split() == ["true", "user_7"]


def test_wrong_token_fails_with_clear_message(server, cli):
    result = cli(
        f"{load_sql()} ATTACH '{attach_url(server, token='wrong-cli-token')}' AS cloud; SELECT count(*) FROM cloud.users;"
    )
    assert result.returncode != 0
    assert "authentication failed" in result.stderr.lower()
    assert "wrong-cli-token" not in result.stdout + result.stderr
    assert server.token not in result.stdout + result.stderr


def test_escape_hatch_from_cli(server, cli):
    result = cli(
        f"{load_sql()} ATTACH '{attach_url(server)}' AS cloud; "
        "FROM openduck_query('cloud', 'SELECT count(*) AS n FROM users WHERE id % 2 = 0');",
        "-csv",
        "-noheader",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10"


def test_unreachable_server_fails_in_bounded_time(cli):
    port = helpers.free_port()
    result = cli(
        f"{load_sql()} ATTACH 'openduck:mydb?endpoint=http://127.0.0.1:{port}&token=x&connect_timeout=2' AS cloud; SHOW TABLES FROM cloud;",
        timeout=30,
    )
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr
    assert result.seconds < 15
