"""The connect / attach / list / read / export examples from the seed documents, run the way a user
types them: default port 7878, token from $OPENDUCK_TOKEN, the seed's extension path (a symlink
to our build), and the seed's local table names. Examples that write to the server are not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import helpers
from helpers import EXTENSION_FILE

SEED_EXTENSION_PATH = "extensions/openduck/build/release/extension/openduck/openduck.duckdb_extension"
SEED_TOKEN = "dev-token"
SEED_PORT = 7878
# HTTP health has its own port, documented as the gRPC port + 1 (README, Troubleshooting).
SEED_HEALTH_PORT = 7879

SALES = [(1, 1500.0, 10.0), (2, 250.0, 20.0), (3, 5000.0, 30.0), (1, 2500.0, 40.0)]
PRODUCTS = [(1, 1, "widget", "tools"), (2, 2, "gadget", "toys"), (3, 3, "doohickey", "tools")]


@pytest.fixture(scope="module")
def seed_server(server_binary, tmp_path_factory):
    for port in (SEED_PORT, SEED_HEALTH_PORT):
        if not helpers.port_is_free(port):
            pytest.fail(f"port {port} is busy; the seed examples hard-code http://localhost:{SEED_PORT}", pytrace=False)
    server = helpers.start_server(
        tmp_path_factory.mktemp("seed"),
        databases=("mydb", "lakehouse"),
        token=SEED_TOKEN,
        port=SEED_PORT,
        pass_port=False,
        host=None,
        health_port=None,
    )
    helpers.setup_remote(
        server,
        "CREATE TABLE users AS SELECT range::INTEGER AS id, 'user_' || range AS name, 'u' || range || '@example.com' AS email FROM range(1, 13)",
        "CREATE TABLE sales (product_id INTEGER, total_sales DOUBLE, amount DOUBLE)",
        "INSERT INTO sales VALUES " + ", ".join(f"({p}, {t}, {a})" for p, t, a in SALES),
        "CREATE TABLE large_table AS SELECT range AS id, CASE WHEN range % 3 = 0 THEN 'us-east' ELSE 'eu-west' END AS region, "
        "range * 1.5 AS value FROM range(30000)",
    )
    helpers.setup_remote(
        server,
        "CREATE TABLE events AS SELECT range AS event_id, current_date - (range % 3)::INTEGER AS event_date, 'e' || range AS name FROM range(9)",
        "CREATE TABLE users AS SELECT range AS id, 'lake' || range || '@example.com' AS user_email FROM range(5)",
        database="lakehouse",
    )
    yield server
    server.cleanup()


@pytest.fixture
def user_dir(tmp_path, monkeypatch, seed_server):
    """A user's working directory with the seed's build layout and environment variables."""
    seed_extension = tmp_path / SEED_EXTENSION_PATH
    seed_extension.parent.mkdir(parents=True)
    seed_extension.symlink_to(EXTENSION_FILE)
    (tmp_path / "output").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENDUCK_TOKEN", SEED_TOKEN)
    monkeypatch.setenv("OPENDUCK_EXTENSION_PATH", SEED_EXTENSION_PATH)
    monkeypatch.setenv("OPENDUCK_ENDPOINT", f"http://localhost:{SEED_PORT}")
    return tmp_path


def run_python(code: str) -> dict:
    namespace: dict = {"__name__": "__seed_example__"}
    exec(compile(code, "<seed example>", "exec"), namespace)
    return namespace


def with_local_products(con) -> None:
    """The seeds join against a user's own `local.products`; create it the way a user would."""
    con.execute("CREATE SCHEMA IF NOT EXISTS local")
    con.execute("CREATE TABLE local.products (id INTEGER, product_id INTEGER, name VARCHAR, category VARCHAR)")
    con.executemany("INSERT INTO local.products VALUES (?, ?, ?, ?)", PRODUCTS)


# ----------------------------------------------------------------------------- Python: openduck wrapper


def test_wrapper_connect_and_read(user_dir, capsys):
    ns = run_python(
        "import openduck\n"
        "con = openduck.connect(\"mydb\")\n"
        "con.sql(\"SELECT 1 AS x\").show()\n"
        "con.sql(\"SELECT * FROM cloud.users LIMIT 10\").show()\n"
    )
    out = capsys.readouterr().out
    assert "user_1" in out and "u1@example.com" in out
    assert ns["con"].sql("SELECT count(*) FROM (SELECT * FROM cloud.users LIMIT 10)").fetchone() == (10,)


@pytest.mark.parametrize("form", ["mydb", "od:mydb"])
def test_readme_wrapper_forms(user_dir, capsys, form):
    ns = run_python(f"import openduck\ncon = openduck.connect('{form}')\ncon.sql('SELECT 1 AS x').show()\n")
    assert "1" in capsys.readouterr().out
    assert ns["con"].sql("SELECT count(*) FROM cloud.users").fetchone() == (12,)


# ----------------------------------------------------------------------------- Python: raw DuckDB SDK


RAW_SDK_PRELUDE = (
    "import duckdb\n"
    "import os\n"
    "ext_path = os.environ[\"OPENDUCK_EXTENSION_PATH\"]\n"
    "con = duckdb.connect(config={\"allow_unsigned_extensions\": \"true\"})\n"
    "con.execute(f\"LOAD '{ext_path}';\")\n"
    # The seed nests escaped quotes inside an f-string, which only Python 3.12+ parses; same call otherwise.
    "con.execute(\n"
    "    \"ATTACH 'openduck:mydb\"\n"
    "    \"?endpoint=http://localhost:7878\"\n"
    "    f\"&token={os.environ['OPENDUCK_TOKEN']}' AS cloud;\"\n"
    ")\n"
)


def test_raw_sdk_attach_and_read(user_dir, capsys):
    ns = run_python(RAW_SDK_PRELUDE + "con.sql(\"SELECT * FROM cloud.users LIMIT 10\").show()\n")
    out = capsys.readouterr().out
    assert "user_10" in out
    assert ns["con"].sql("SELECT * FROM cloud.users ORDER BY id LIMIT 2").fetchall() == [
        (1, "user_1", "u1@example.com"),
        (2, "user_2", "u2@example.com"),
    ]


HYBRID_BY_PRODUCT_ID = """
    SELECT l.product_id, l.name, r.total_sales
    FROM local.products l
    JOIN cloud.sales r ON l.product_id = r.product_id
    WHERE r.total_sales > 1000
"""

HYBRID_REVENUE = """
    SELECT
        p.category,
        SUM(s.amount) AS revenue
    FROM local.products p
    JOIN cloud.sales s
      ON p.id = s.product_id
    GROUP BY p.category
    ORDER BY revenue DESC
"""


def raw_sdk_with_local_products():
    """The seed's raw-SDK connection, plus the local `products` table its hybrid examples join."""
    con = run_python(RAW_SDK_PRELUDE)["con"]
    with_local_products(con)
    return con


def test_hybrid_join_on_product_id(user_dir, capsys):
    con = raw_sdk_with_local_products()
    con.sql(HYBRID_BY_PRODUCT_ID).show()
    assert "doohickey" in capsys.readouterr().out
    assert sorted(con.sql(HYBRID_BY_PRODUCT_ID).fetchall()) == [(1, "widget", 1500.0), (1, "widget", 2500.0), (3, "doohickey", 5000.0)]


def test_hybrid_revenue_by_category(user_dir, capsys):
    con = raw_sdk_with_local_products()
    con.sql(HYBRID_REVENUE).show()
    assert "tools" in capsys.readouterr().out
    assert con.sql(HYBRID_REVENUE).fetchall() == [("tools", 80.0), ("toys", 20.0)]


def test_export_remote_query_to_local_parquet(user_dir):
    ns = run_python(
        RAW_SDK_PRELUDE
        + "con.sql(\"SELECT * FROM cloud.large_table WHERE region = 'us-east'\") \\\n"
        + "   .write_parquet(\"output/us_east.parquet\")\n"
    )
    table = pq.read_table(user_dir / "output" / "us_east.parquet")
    assert table.num_rows == 10000
    assert set(table.column("region").to_pylist()) == {"us-east"}
    assert table.column_names == ["id", "region", "value"]
    assert sorted(table.column("id").to_pylist())[:3] == [0, 3, 6]
    assert ns["con"] is not None


# ----------------------------------------------------------------------------- SQL patterns


@pytest.fixture
def sql_con(user_dir):
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{SEED_EXTENSION_PATH}';")
    yield con
    con.close()


@pytest.mark.parametrize(
    "attach",
    [
        "ATTACH 'openduck:mydb?token=dev-token' AS cloud;",
        "ATTACH 'od:mydb?endpoint=http://localhost:7878&token=dev-token' AS cloud;",
        "ATTACH 'openduck:mydb?endpoint=http://localhost:7878&token=dev-token' AS cloud;",
    ],
)
def test_attach_url_reference_examples(sql_con, attach):
    sql_con.execute(attach)
    assert sql_con.sql("SELECT count(*) FROM cloud.users").fetchone() == (12,)


def test_show_all_tables_after_attach(sql_con):
    sql_con.execute("ATTACH 'openduck:mydb?token=dev-token' AS cloud;")
    rows = sql_con.sql("SHOW ALL TABLES;").fetchall()
    assert {(r[0], r[2]) for r in rows if r[0] == "cloud"} == {("cloud", "users"), ("cloud", "sales"), ("cloud", "large_table")}


def test_information_schema_query_as_written(sql_con):
    # The seed filters on table_schema = 'cloud'. In DuckDB an ATTACH alias is a catalog, and the
    # remote tables live in its schema 'main', so the query runs but matches nothing; the README
    # gives the working form (table_catalog), which must list every remote table.
    sql_con.execute("ATTACH 'openduck:mydb?token=dev-token' AS cloud;")
    as_written = sql_con.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'cloud';")
    assert as_written.fetchall() == []
    names = sql_con.sql("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'cloud';").fetchall()
    assert sorted(n for (n,) in names) == ["large_table", "sales", "users"]


def test_lakehouse_examples(sql_con, capsys):
    token = os.environ["OPENDUCK_TOKEN"]
    sql_con.execute(f"ATTACH 'openduck:lakehouse?endpoint=http://localhost:7878&token={token}' AS lh;")
    sql_con.sql("SELECT * FROM lh.events WHERE event_date = today()").show()
    assert "e0" in capsys.readouterr().out
    assert sorted(r[0] for r in sql_con.sql("SELECT * FROM lh.events WHERE event_date = today()").fetchall()) == [0, 3, 6]
    sql_con.execute("CREATE TABLE memory.sessions AS SELECT * FROM (VALUES ('s1', 1), ('s2', 4), ('s3', 9)) v(session_id, user_id)")
    rows = sql_con.sql(
        """
        SELECT l.session_id, r.user_email
        FROM memory.sessions l
        JOIN lh.users r ON l.user_id = r.id
        """
    ).fetchall()
    assert sorted(rows) == [("s1", "lake1@example.com"), ("s2", "lake4@example.com")]


# ----------------------------------------------------------------------------- CLI and troubleshooting


def test_cli_example_as_written(user_dir):
    env = dict(os.environ)
    env["PATH"] = f"{helpers.duckdb_cli_binary().parent}{os.pathsep}{env.get('PATH', '')}"
    script = (
        'duckdb -unsigned -c "\n'
        f"  LOAD '{SEED_EXTENSION_PATH}';\n"
        "  ATTACH 'openduck:mydb?endpoint=http://localhost:7878&token=${OPENDUCK_TOKEN}' AS cloud;\n"
        "  SHOW ALL TABLES;\n"
        "  SELECT * FROM cloud.users LIMIT 5;\n"
        '"\n'
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, cwd=user_dir)
    assert result.returncode == 0, result.stderr
    assert "large_table" in result.stdout and "sales" in result.stdout
    assert "user_5" in result.stdout and "user_6" not in result.stdout
    assert SEED_TOKEN not in result.stdout + result.stderr


def test_health_check_from_troubleshooting(seed_server):
    with urllib.request.urlopen(f"http://localhost:{SEED_HEALTH_PORT}/health", timeout=5) as response:
        assert response.status == 200
