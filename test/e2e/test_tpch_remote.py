"""The 22 TPC-H queries (SF 0.1) against a remote database give exactly the answers of the same file
attached locally, and each runs on the server as one query whose result is all that crosses the wire."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import duckdb
import pytest

import helpers
import pushdown_support as pds
import tpch_support

SCALE_FACTOR = 0.1
DATABASE = "tpch"
QUERY_NUMBERS = list(range(1, 23))
# DOUBLE results (avg, ratios of sums) are compared with a tolerance only if exact equality fails:
# parallel aggregation may add partial sums in a different order on the server than in the client.
REL_TOL = 1e-12


@dataclass
class Tpch:
    server: helpers.ServerProcess
    queries: Dict[int, str]
    reference: Path


@pytest.fixture(scope="module")
def tpch(server_binary, tmp_path_factory) -> Tpch:
    extension = tpch_support.tpch_extension_path()
    if extension is None:
        pytest.fail("tpch extension not found: install duckdb-extension-tpch into the venv (scripts/install_deps.sh)",
                    pytrace=False)
    root = tmp_path_factory.mktemp("tpch")
    data_dir = root / "data"
    data_dir.mkdir()
    served_file = data_dir / f"{DATABASE}.duckdb"
    queries = tpch_support.generate(served_file, extension, SCALE_FACTOR)
    assert sorted(queries) == QUERY_NUMBERS
    # The server holds its file open for writing, so the local reference is a byte copy made before it starts.
    reference = root / "reference.duckdb"
    shutil.copyfile(served_file, reference)
    server = helpers.start_server(root, databases=(DATABASE,), data_dir=data_dir)
    yield Tpch(server, queries, reference)
    server.cleanup()


@pytest.fixture(scope="module")
def clients(tpch, extension_file):
    """(reference, remote) connections: the copy attached READ_ONLY as `ref`, the server attached as `cloud`."""
    reference = helpers.new_client(extension_file)
    reference.execute(f"ATTACH {helpers.sql_string(str(tpch.reference))} AS ref (READ_ONLY)")
    remote = helpers.new_client(extension_file)
    remote.execute(helpers.attach_sql(tpch.server, "cloud", DATABASE))
    yield reference, remote
    reference.close()
    remote.close()


@pytest.fixture(scope="module")
def expected(tpch, clients) -> Dict[int, tuple]:
    """(columns, float column indexes, rows) of every query on the local reference copy."""
    reference, _ = clients
    reference.execute("USE ref")
    answers = {}
    for number, sql in tpch.queries.items():
        relation = reference.sql(sql)
        answers[number] = (relation.columns, pds.float_column_indexes(relation), relation.fetchall())
    return answers


def qualified(tpch: Tpch, number: int) -> str:
    return tpch_support.qualify_tables(tpch.queries[number], "cloud.main")


def assert_same_answer(number: int, sql: str, expected_answer: tuple, relation: duckdb.DuckDBPyRelation, rows: List[tuple]):
    columns, float_columns, want = expected_answer
    assert relation.columns == columns
    difference = pds.multiset_difference(want, rows, float_columns, REL_TOL)
    assert difference is None, f"Q{number}: {difference}\n{sql}"
    # Same order on the ORDER BY keys; rows tied on every key may come in any order.
    keys = tpch_support.order_by_columns(sql, columns)
    if keys:
        want_keys = [tuple(row[k] for k in keys) for row in want]
        got_keys = [tuple(row[k] for k in keys) for row in rows]
        key_floats = [i for i, k in enumerate(keys) if k in float_columns]
        difference = pds.first_difference(want_keys, got_keys, key_floats, REL_TOL)
        assert difference is None, f"Q{number}: ORDER BY order differs: {difference}\n{sql}"


def test_query_texts_are_qualified_completely(tpch, clients):
    reference, _ = clients
    for number in QUERY_NUMBERS:
        references = tpch_support.table_references(reference, qualified(tpch, number))
        tables = [ref for ref in references if ref[2] in tpch_support.TPCH_TABLES]
        assert tables, f"Q{number} names no TPC-H table"
        assert all(ref[:2] == ("cloud", "main") for ref in tables), f"Q{number}: unqualified table in {references}"


@pytest.mark.parametrize("number", QUERY_NUMBERS)
def test_query_with_use_matches_local(tpch, clients, expected, number):
    _, remote = clients
    remote.execute("USE cloud")
    try:
        relation = remote.sql(tpch.queries[number])
        rows = relation.fetchall()
    finally:
        remote.execute("USE memory")
    assert_same_answer(number, tpch.queries[number], expected[number], relation, rows)


@pytest.mark.parametrize("number", QUERY_NUMBERS)
def test_qualified_query_matches_local(tpch, clients, expected, number):
    _, remote = clients
    sql = qualified(tpch, number)
    relation = remote.sql(sql)
    assert_same_answer(number, sql, expected[number], relation, relation.fetchall())


@pytest.mark.parametrize("number", QUERY_NUMBERS)
def test_query_is_pushed_whole(tpch, clients, number):
    _, remote = clients
    sql = qualified(tpch, number)
    plan = pds.explain_text(remote, sql)
    assert tpch.server.token not in plan
    pushed = pds.remote_sqls(remote, sql)
    assert len(pushed) == 1, f"Q{number}: expected the whole query in one `{pds.REMOTE_SQL_KEY}`, plan:\n{plan}"
    assert tpch.server.token not in pushed[0]
    remote.execute("USE cloud")
    try:
        assert pds.is_pushed_whole(remote, tpch.queries[number]), f"Q{number} after USE cloud is not pushed whole"
    finally:
        remote.execute("USE memory")


@pytest.mark.parametrize("number", QUERY_NUMBERS)
def test_server_sends_only_the_result(tpch, clients, expected, number):
    _, remote = clients
    rows = pds.assert_server_sends_only_the_result(
        tpch.server, remote, qualified(tpch, number), other_table_probe="SELECT r_regionkey FROM cloud.main.region LIMIT 1")
    assert len(rows) == len(expected[number][2])
