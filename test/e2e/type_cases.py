"""Values of every DuckDB type, as SQL literals, for the type round-trip tests.

The same statements build a table on the server and a reference table in the client's
local in-memory database; the two must then be indistinguishable.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

UNION_TYPE = "UNION(num INTEGER, str VARCHAR)"

# name -> (DuckDB type, literal values). Every table also gets a NULL row.
TYPE_CASES: Dict[str, Tuple[str, Sequence[str]]] = {
    "boolean": ("BOOLEAN", ["true", "false"]),
    "tinyint": ("TINYINT", ["-128", "127", "0"]),
    "smallint": ("SMALLINT", ["-32768", "32767", "0"]),
    "integer": ("INTEGER", ["-2147483648", "2147483647", "0"]),
    "bigint": ("BIGINT", ["-9223372036854775808", "9223372036854775807", "0"]),
    "hugeint": (
        "HUGEINT",
        ["-170141183460469231731687303715884105728", "170141183460469231731687303715884105727", "0", "18446744073709551616"],
    ),
    "utinyint": ("UTINYINT", ["0", "255", "7"]),
    "usmallint": ("USMALLINT", ["0", "65535", "7"]),
    "uinteger": ("UINTEGER", ["0", "4294967295", "7"]),
    "ubigint": ("UBIGINT", ["0", "18446744073709551615", "9223372036854775808"]),
    "uhugeint": ("UHUGEINT", ["0", "340282366920938463463374607431768211455", "18446744073709551616"]),
    "float": ("FLOAT", ["'nan'", "'inf'", "'-inf'", "'-0.0'", "0.0", "3.4028235e38", "1.1754944e-38", "-1.5"]),
    "double": ("DOUBLE", ["'nan'", "'inf'", "'-inf'", "'-0.0'", "0.0", "1.7976931348623157e308", "5e-324", "0.1"]),
    "decimal_4_1": ("DECIMAL(4,1)", ["-999.9", "999.9", "0.0", "12.3"]),
    "decimal_9_2": ("DECIMAL(9,2)", ["-9999999.99", "9999999.99", "0.01"]),
    "decimal_18_3": ("DECIMAL(18,3)", ["-999999999999999.999", "999999999999999.999", "1.5"]),
    "decimal_38_10": (
        "DECIMAL(38,10)",
        ["-9999999999999999999999999999.9999999999", "9999999999999999999999999999.9999999999", "0.0000000001"],
    ),
    "varchar": (
        "VARCHAR",
        [
            "''",
            "'short'",
            "'a string that is longer than twelve bytes'",
            "'héllo wörld ☃ 日本語 🦆'",
            "'it''s \"quoted\"'",
            "'line1' || chr(10) || 'line2' || chr(9) || 'tab'",
        ],
    ),
    "blob": ("BLOB", ["''::BLOB", "'\\x00\\x01\\xFF'::BLOB", "'plain bytes'::BLOB"]),
    "date": ("DATE", ["'1970-01-01'", "'2024-02-29'", "'0001-01-01'", "'9999-12-31'", "'1969-12-31'"]),
    "time": ("TIME", ["'00:00:00'", "'23:59:59.999999'", "'12:34:56.789'"]),
    "timestamp": (
        "TIMESTAMP",
        ["'1970-01-01 00:00:00'", "'2024-02-29 12:34:56.123456'", "'0001-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'"],
    ),
    "timestamp_s": ("TIMESTAMP_S", ["'1970-01-01 00:00:00'", "'2024-02-29 12:34:56'", "'1900-01-01 00:00:01'"]),
    "timestamp_ms": ("TIMESTAMP_MS", ["'2024-02-29 12:34:56.123'", "'1969-12-31 23:59:59.999'"]),
    "timestamp_ns": (
        "TIMESTAMP_NS",
        ["'2024-02-29 12:34:56.123456789'", "'1970-01-01 00:00:00.000000001'", "'1677-09-22 00:00:00'"],
    ),
    "timestamptz": ("TIMESTAMPTZ", ["'2024-02-29 12:34:56.123456+00'", "'1999-12-31 23:00:00-05'", "'1970-01-01 00:00:00+00'"]),
    "interval": (
        "INTERVAL",
        [
            "INTERVAL '1 year 2 months 3 days 04:05:06.789012'",
            "INTERVAL '-1 day'",
            "INTERVAL '0 seconds'",
            "INTERVAL '400 days'",
            "INTERVAL '36 hours'",
            "INTERVAL '-13 months'",
        ],
    ),
    "uuid": (
        "UUID",
        [
            "'00000000-0000-0000-0000-000000000000'",
            "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
            "'7fffffff-ffff-ffff-ffff-ffffffffffff'",
            "'80000000-0000-0000-0000-000000000000'",
        ],
    ),
    "enum": ("ENUM('sad', 'ok', 'happy')", ["'sad'", "'happy'", "'ok'"]),
    "list": ("INTEGER[]", ["[]", "[1, NULL, 3]", "[2147483647]"]),
    "nested_list": ("VARCHAR[][]", ["[['a'], [], NULL, ['b', NULL]]", "[]"]),
    "array": ("INTEGER[3]", ["[1, 2, 3]", "[NULL, 5, 6]"]),
    "struct": (
        "STRUCT(a INTEGER, b VARCHAR, c STRUCT(d DOUBLE))",
        ["{'a': 1, 'b': 'x', 'c': {'d': 1.5}}", "{'a': NULL, 'b': NULL, 'c': NULL}"],
    ),
    "list_of_struct": ("STRUCT(k VARCHAR, v DECIMAL(9,2))[]", ["[{'k': 'a', 'v': 1.25}, NULL]", "[]"]),
    "map": ("MAP(VARCHAR, INTEGER)", ["MAP {'k1': 1, 'k2': NULL}", "MAP {}"]),
    "map_nested": ("MAP(INTEGER, VARCHAR[])", ["MAP {1: ['x', 'y'], 2: []}"]),
    "union": (UNION_TYPE, [f"union_value(num := 42)::{UNION_TYPE}", f"union_value(str := 'text')::{UNION_TYPE}"]),
}

TYPE_NAMES = list(TYPE_CASES)


def table_name(case: str) -> str:
    return f"t_{case}"


def create_statements(case: str, table: str = "") -> List[str]:
    """CREATE + INSERT for one type's table: (id INTEGER, v <type>), values then a NULL row."""
    type_sql, values = TYPE_CASES[case]
    table = table or table_name(case)
    rows = [f"({i}, {value})" for i, value in enumerate(values, start=1)]
    rows.append(f"({len(values) + 1}, NULL)")
    return [f"CREATE TABLE {table} (id INTEGER, v {type_sql})", f"INSERT INTO {table} VALUES {', '.join(rows)}"]


def all_types_statements(table: str = "all_types") -> List[str]:
    """One table with a column per type; row i holds each type's i-th value (or NULL), last row all NULL."""
    height = max(len(values) for _, values in TYPE_CASES.values())
    columns = ", ".join(f'"{case}" {type_sql}' for case, (type_sql, _) in TYPE_CASES.items())
    rows = []
    for i in range(height + 1):
        cells = [str(i + 1)]
        for _, values in TYPE_CASES.values():
            cells.append(values[i] if i < len(values) else "NULL")
        rows.append(f"({', '.join(cells)})")
    return [f"CREATE TABLE {table} (id INTEGER, {columns})", f"INSERT INTO {table} VALUES {', '.join(rows)}"]


WIDE_COLUMNS = 300
_WIDE_TYPES = ["INTEGER", "VARCHAR", "DOUBLE", "DATE", "DECIMAL(18,3)", "BOOLEAN"]


def wide_table_statements(table: str = "wide", rows: int = 500) -> List[str]:
    """A table with WIDE_COLUMNS columns of mixed types, with some NULLs."""
    expressions = ["range::INTEGER AS id"]
    for c in range(WIDE_COLUMNS):
        kind = _WIDE_TYPES[c % len(_WIDE_TYPES)]
        value = {
            "INTEGER": f"(range * {c})::INTEGER",
            "VARCHAR": f"'c{c}_' || range",
            "DOUBLE": f"range / {c + 1}",
            "DATE": f"DATE '2000-01-01' + (range + {c})::INTEGER",
            "DECIMAL(18,3)": f"(range * 1.001 + {c})::DECIMAL(18,3)",
            "BOOLEAN": f"(range + {c}) % 3 = 0",
        }[kind]
        expressions.append(f"CASE WHEN (range + {c}) % 17 = 0 THEN NULL ELSE {value} END::{kind} AS col_{c}")
    return [f"CREATE TABLE {table} AS SELECT {', '.join(expressions)} FROM range({rows})"]
