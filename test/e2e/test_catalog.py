"""Remote tables are first-class catalog entries: every listing view shows them with exact types."""

from __future__ import annotations

import duckdb
import pytest

import helpers

ODD_TABLE = 'my "odd" table'

# The same DDL runs on the server and in a local reference DuckDB, whose catalog is the truth.
DDL = [
    "CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR NOT NULL, score DECIMAL(9,2), "
    "created TIMESTAMP, tags VARCHAR[], attrs STRUCT(k VARCHAR, v BIGINT), big HUGEINT)",
    "CREATE TABLE events (event_id UBIGINT NOT NULL, kind ENUM('click', 'view'), \"at\" TIMESTAMPTZ, payload BLOB)",
    'CREATE TABLE "my ""odd"" table" ("select" INTEGER NOT NULL, "a b" VARCHAR, "CamelCase" DOUBLE)',
    "CREATE SCHEMA analytics",
    "CREATE TABLE analytics.daily (day DATE NOT NULL, total DECIMAL(18,3))",
]
MAIN_TABLES = {"users", "events", ODD_TABLE}
ALL_TABLES = MAIN_TABLES | {"daily"}


@pytest.fixture(scope="module", autouse=True)
def remote_schema(server):
    helpers.setup_remote(server, *DDL)


@pytest.fixture(scope="module")
def reference():
    con = duckdb.connect()
    for sql in DDL:
        con.execute(sql)
    yield con
    con.close()


def test_show_all_tables_lists_remote_tables_with_exact_types(con, reference):
    remote = {
        (schema, name): (columns, types)
        for database, schema, name, columns, types, _ in con.sql("SHOW ALL TABLES").fetchall()
        if database == "cloud"
    }
    expected = {
        (schema, name): (columns, types)
        for _, schema, name, columns, types, _ in reference.sql("SHOW ALL TABLES").fetchall()
    }
    assert remote == expected


def test_show_tables_from_cloud(con):
    names = {row[0] for row in con.sql("SHOW TABLES FROM cloud").fetchall()}
    assert names == ALL_TABLES


def test_show_tables_from_a_remote_schema(con):
    assert con.sql("SHOW TABLES FROM cloud.analytics").fetchall() == [("daily",)]


@pytest.mark.parametrize(
    "remote, local",
    [
        ("cloud.users", "users"),
        ("cloud.main.users", "users"),
        ("cloud.events", "events"),
        ('cloud."my ""odd"" table"', '"my ""odd"" table"'),
        ("cloud.analytics.daily", "analytics.daily"),
    ],
)
def test_describe_matches_the_server_definition(con, reference, remote, local):
    assert helpers.describe(con, remote) == helpers.describe(reference, local)


def test_describe_reports_not_null(con):
    nullability = {name: null for name, _, null in helpers.describe(con, "cloud.users")}
    assert nullability["id"] == "NO"
    assert nullability["name"] == "NO"
    assert nullability["score"] == "YES"


def test_information_schema_tables(con, reference):
    sql = "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_catalog = '{}' ORDER BY ALL"
    assert con.sql(sql.format("cloud")).fetchall() == reference.sql(sql.format("memory")).fetchall()


def test_information_schema_columns(con, reference):
    sql = (
        "SELECT table_schema, table_name, column_name, ordinal_position, is_nullable, data_type, "
        "numeric_precision, numeric_scale FROM information_schema.columns WHERE table_catalog = '{}' ORDER BY ALL"
    )
    remote = con.sql(sql.format("cloud")).fetchall()
    assert remote, "no remote columns in information_schema.columns"
    assert remote == reference.sql(sql.format("memory")).fetchall()


def test_duckdb_tables(con, reference):
    sql = "SELECT schema_name, table_name, column_count, temporary FROM duckdb_tables() WHERE database_name = '{}' ORDER BY ALL"
    assert con.sql(sql.format("cloud")).fetchall() == reference.sql(sql.format("memory")).fetchall()


def test_duckdb_columns(con, reference):
    sql = (
        "SELECT schema_name, table_name, column_name, column_index, is_nullable, data_type, numeric_precision, numeric_scale "
        "FROM duckdb_columns() WHERE database_name = '{}' ORDER BY ALL"
    )
    remote = con.sql(sql.format("cloud")).fetchall()
    assert remote == reference.sql(sql.format("memory")).fetchall()


def test_duckdb_databases_lists_the_attachment(con):
    row = con.sql("SELECT database_name, type, readonly FROM duckdb_databases() WHERE database_name = 'cloud'").fetchall()
    assert row == [("cloud", "openduck", False)]


# The tests below change the remote catalog, so each gets its own server and leaves the
# shared one (whose exact listings are asserted above) untouched.


@pytest.fixture
def watcher_and_writer(fresh_server, client_factory):
    """Two independent clients on one fresh server: one keeps looking, the other changes things."""
    return client_factory(fresh_server), client_factory(fresh_server)


def test_table_created_elsewhere_is_visible_without_reattach(watcher_and_writer):
    watcher, writer = watcher_and_writer
    assert watcher.sql("SHOW TABLES FROM cloud").fetchall() == []
    helpers.remote_execute(writer, "CREATE TABLE late AS SELECT 5::SMALLINT AS five")
    assert watcher.sql("SELECT five, typeof(five) FROM cloud.late").fetchall() == [(5, "SMALLINT")]
    assert watcher.sql("SHOW TABLES FROM cloud").fetchall() == [("late",)]
    assert watcher.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'cloud' AND table_name = 'late'"
    ).fetchone() == (1,)


def test_table_created_elsewhere_is_listed_first(watcher_and_writer):
    # Listing (not a direct lookup) must also refresh.
    watcher, writer = watcher_and_writer
    assert watcher.sql("SHOW TABLES FROM cloud").fetchall() == []
    helpers.remote_execute(writer, "CREATE TABLE listed AS SELECT 1 AS x")
    assert watcher.sql("SHOW TABLES FROM cloud").fetchall() == [("listed",)]


def test_table_dropped_elsewhere_disappears(watcher_and_writer):
    watcher, writer = watcher_and_writer
    helpers.remote_execute(writer, "CREATE TABLE gone AS SELECT 1 AS x")
    assert watcher.sql("FROM cloud.gone").fetchall() == [(1,)]
    helpers.remote_execute(writer, "DROP TABLE gone")
    helpers.assert_error(lambda: watcher.sql("FROM cloud.gone").fetchall(), "gone", "does not exist")
    assert watcher.sql("SHOW TABLES FROM cloud").fetchall() == []


def test_column_added_elsewhere_is_seen(watcher_and_writer):
    watcher, writer = watcher_and_writer
    helpers.remote_execute(writer, "CREATE TABLE grows AS SELECT 1 AS a")
    assert helpers.describe(watcher, "cloud.grows") == [("a", "INTEGER", "YES")]
    helpers.remote_execute(writer, "ALTER TABLE grows ADD COLUMN b VARCHAR DEFAULT 'x'")
    assert watcher.sql("SELECT a, b FROM cloud.grows").fetchall() == [(1, "x")]


def test_remote_tables_join_with_local_tables(watcher_and_writer):
    con, _ = watcher_and_writer
    helpers.remote_execute(con, "CREATE TABLE join_me AS SELECT range::INTEGER AS id, 'r' || range AS r FROM range(5)")
    con.execute("CREATE TABLE local_side AS SELECT range::INTEGER AS id, 'l' || range AS l FROM range(2, 8)")
    rows = con.sql("SELECT id, l, r FROM local_side JOIN cloud.join_me USING (id) ORDER BY id").fetchall()
    assert rows == [(2, "l2", "r2"), (3, "l3", "r3"), (4, "l4", "r4")]


def test_remote_view_is_a_view(con):
    helpers.remote_execute(con, "CREATE OR REPLACE TABLE view_base AS SELECT range AS id, 'n' || range AS name FROM range(6)")
    helpers.remote_execute(con, "CREATE OR REPLACE VIEW high_ids AS SELECT id, name FROM view_base WHERE id >= 3")
    kinds = dict(
        con.sql(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = 'cloud' AND table_name IN ('view_base', 'high_ids')"
        ).fetchall()
    )
    assert kinds == {"view_base": "BASE TABLE", "high_ids": "VIEW"}
    assert con.sql("SELECT view_name FROM duckdb_views() WHERE database_name = 'cloud'").fetchall() == [("high_ids",)]
    assert helpers.describe(con, "cloud.high_ids") == [("id", "BIGINT", "YES"), ("name", "VARCHAR", "YES")]
    assert con.sql("SELECT id FROM cloud.high_ids WHERE id < 5 ORDER BY id").fetchall() == [(3,), (4,)]
    joined = con.sql("SELECT count(*) FROM cloud.high_ids v JOIN cloud.view_base t USING (id)").fetchall()
    assert joined == [(3,)]
