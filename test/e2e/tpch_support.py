"""TPC-H for the end-to-end tests: the tpch extension from the venv, data generation, and rewriting
the standard query texts so their tables name an attached catalog."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Dict, List, Optional

import duckdb

TPCH_TABLES = ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier")

# Tokens of the TPC-H query texts: string literals, quoted identifiers, comments, words, spaces, symbols.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\w+|\s+|.", re.S)
# Keywords that end a FROM clause at the current parenthesis depth.
_FROM_ENDERS = {"where", "group", "order", "having", "limit", "select", "on", "union", "except", "intersect",
                "qualify", "window", "using"}


def tpch_extension_path() -> Optional[Path]:
    """The tpch extension shipped by the `duckdb-extension-tpch` package, as bench/run_benchmarks.py finds it."""
    spec = importlib.util.find_spec("duckdb_extension_tpch")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "extensions" / f"v{duckdb.__version__}" / "tpch.duckdb_extension"
        if candidate.is_file():
            return candidate
    return None


def generate(path: Path, extension: Path, scale_factor: float) -> Dict[int, str]:
    """Write TPC-H at `scale_factor` into the DuckDB file `path`; return the 22 query texts by number."""
    con = duckdb.connect(str(path), config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false"})
    try:
        con.execute(f"LOAD '{extension}'")
        con.execute(f"CALL dbgen(sf={scale_factor})")
        con.execute("CHECKPOINT")
        return dict(con.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY query_nr").fetchall())
    finally:
        con.close()


def qualify_tables(sql: str, prefix: str) -> str:
    """`sql` with every TPC-H table reference in a FROM/JOIN position written as `<prefix>.<table>`.

    Only names right after FROM, JOIN or a FROM-list comma are table references: the same words
    elsewhere are column aliases (`n_name AS nation` in Q8/Q9) or sit inside longer identifiers
    (`l_partkey`), and `extract(year FROM x)` opens no FROM clause that a table could follow.
    """
    out: List[str] = []
    in_from = [False]  # per parenthesis depth: inside a FROM clause?
    expect_table = False
    for token in _TOKEN.findall(sql):
        if token.isspace() or token.startswith("--"):
            out.append(token)
            continue
        word = token.lower()
        if expect_table and word in TPCH_TABLES:
            out.append(f"{prefix}.{token}")
            expect_table = False
            continue
        expect_table = False
        if word in ("from", "join"):
            in_from[-1] = True
            expect_table = True
        elif word == "," and in_from[-1]:
            expect_table = True
        elif word == "(":
            in_from.append(False)
        elif word == ")":
            if len(in_from) > 1:
                in_from.pop()
        elif word in _FROM_ENDERS:
            in_from[-1] = False
        out.append(token)
    return "".join(out)


def table_references(con: duckdb.DuckDBPyConnection, sql: str) -> List[tuple]:
    """(catalog, schema, table) of every base-table reference in `sql`, from DuckDB's own parser."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()[0])
    assert not tree.get("error"), tree
    found: List[tuple] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and "table_name" in node:
                found.append((node.get("catalog_name", ""), node.get("schema_name", ""), node["table_name"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found


def order_by_columns(sql: str, columns: List[str]) -> List[int]:
    """Indexes of the result columns the query's final ORDER BY sorts on (TPC-H sorts on output names)."""
    tail = re.split(r"\border\s+by\b", sql, flags=re.I)
    if len(tail) < 2:
        return []
    clause = re.split(r"\blimit\b|;", tail[-1], flags=re.I)[0]
    keys = []
    for item in clause.split(","):
        name = re.sub(r"\b(asc|desc|nulls\s+first|nulls\s+last)\b", "", item, flags=re.I).strip()
        if name in columns:
            keys.append(columns.index(name))
    return keys
