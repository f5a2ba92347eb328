"""Seeded random tables, predicates and queries for the randomized pushdown test.

Everything is SQL text built from one `random.Random`, so a seed reproduces a run exactly. Queries
are templates with `{t}` and `{t2}` standing for the two tables, filled in once with the remote
tables and once with local copies built from the same statements.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Callable, List, Sequence

ENUM_TYPE = "fuzz_mood"
ENUM_LABELS = ("sad", "ok", "happy", "it's", "ünï")


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # picks the literal pool, predicates and expressions
    sql_type: str

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float", "decimal")


INT_RANGES = {
    "TINYINT": (-128, 127),
    "SMALLINT": (-32768, 32767),
    "INTEGER": (-2147483648, 2147483647),
    "BIGINT": (-9223372036854775808, 9223372036854775807),
    "HUGEINT": (-170141183460469231731687303715884105728, 170141183460469231731687303715884105727),
    "UINTEGER": (0, 4294967295),
    "UBIGINT": (0, 18446744073709551615),
}

COLUMNS: List[Column] = [
    Column("k", "key", "INTEGER"),
    Column("ti", "int", "TINYINT"),
    Column("si", "int", "SMALLINT"),
    Column("i", "int", "INTEGER"),
    Column("bi", "int", "BIGINT"),
    Column("hi", "int", "HUGEINT"),
    Column("ui", "int", "UINTEGER"),
    Column("ub", "int", "UBIGINT"),
    Column("f", "float", "FLOAT"),
    Column("d", "float", "DOUBLE"),
    Column("m38", "decimal", "DECIMAL(38,10)"),
    Column("m18", "decimal", "DECIMAL(18,3)"),
    Column("s", "string", "VARCHAR"),
    Column("b", "blob", "BLOB"),
    Column("dt", "date", "DATE"),
    Column("ts", "timestamp", "TIMESTAMP"),
    Column("tz", "timestamptz", "TIMESTAMPTZ"),
    Column("iv", "interval", "INTERVAL"),
    Column("bo", "bool", "BOOLEAN"),
    Column("u", "uuid", "UUID"),
    Column("e", "enum", ENUM_TYPE),
    Column("l", "list", "INTEGER[]"),
    Column("st", "struct", "STRUCT(a INTEGER, b VARCHAR)"),
]
BY_NAME = {column.name: column for column in COLUMNS}
# Columns whose sums cannot overflow at this table size, so aggregate queries do not just error.
SUMMABLE = ("ti", "si", "i", "bi", "ui", "ub", "f", "d", "m18")
GROUP_KEYS = ("k", "bo", "e", "ti", "f", "d", "s", "dt", "st", "l")
ORDERABLE = [c.name for c in COLUMNS]

STRING_EDGES = [
    "", "a", "A", "abc", "ABC", "it's", 'say "hi"', "héllo wörld", "日本語", "🦆", "x%y", "x_y", "back\\slash",
    "item-1", "item-10", "item-2", " lead", "trail ", "NULL", "a string that is longer than twelve bytes", "ünï",
]
STRING_ALPHABET = "abcXYZ019 '%_\\\"éü日🦆-"

EDGE_LITERALS = {
    "float_FLOAT": ["'nan'", "'inf'", "'-inf'", "'-0.0'", "'0.0'", "'3.4028235e38'", "'-3.4028235e38'",
                    "'1.1754944e-38'", "'1.5'", "'-2.25'"],
    "float_DOUBLE": ["'nan'", "'inf'", "'-inf'", "'-0.0'", "'0.0'", "'1.7976931348623157e308'",
                     "'-1.7976931348623157e308'", "'5e-324'", "'0.1'", "'-2.25'"],
    "decimal_DECIMAL(38,10)": ["-9999999999999999999999999999.9999999999", "9999999999999999999999999999.9999999999",
                               "0.0000000001", "-0.0000000001", "0", "1.5"],
    "decimal_DECIMAL(18,3)": ["-999999999999999.999", "999999999999999.999", "0.001", "-0.001", "0", "12.5"],
    "blob": ["''", "'\\x00'", "'\\x00\\x01\\xFF'", "'abc'", "'\\xFF'", "'a\\x00b'"],
    "date": ["'5877642-06-25 (BC)'", "'5881580-07-10'", "'infinity'", "'-infinity'", "'1970-01-01'", "'0001-01-01'",
             "'2024-02-29'", "'1969-12-31'", "'9999-12-31'"],
    "timestamp": ["'290309-12-22 (BC) 00:00:00'", "'294247-01-10 04:00:54.775806'", "'infinity'", "'-infinity'",
                  "'1970-01-01 00:00:00'", "'2024-02-29 12:34:56.123456'", "'1969-12-31 23:59:59.999999'",
                  "'0001-01-01 00:00:00'"],
    "timestamptz": ["'290309-12-22 (BC) 00:00:00+00'", "'294247-01-10 04:00:54.775806+00'", "'infinity'",
                    "'-infinity'", "'1970-01-01 00:00:00+00'", "'2024-03-10 07:30:00+00'",
                    "'2024-11-03 05:59:59.999999+00'", "'2000-01-01 00:00:00+05:30'"],
    "interval": ["'0 seconds'", "'1 day'", "'-1 day'", "'1 month'", "'30 days'", "'24 hours'",
                 "'-00:00:00.000001'", "'1 year 2 months 3 days 04:05:06.789'",
                 # The time part stays within int64 nanoseconds: Arrow's month_day_nano interval cannot carry
                 # more, see test_interval_beyond_nanosecond_range_round_trips.
                 "'2147483647 months 2147483647 days 9223372036854775 microseconds'",
                 "'-2147483648 months -2147483648 days -9223372036854775 microseconds'"],
    "uuid": ["'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
             "'80000000-0000-0000-0000-000000000000'", "'7fffffff-ffff-ffff-ffff-ffffffffffff'"],
    "list": ["[]", "[1, 2, 3]", "[NULL]", "[1, NULL]", "[-2147483648, 2147483647]", "[0]"],
    "struct": ["{'a': 1, 'b': 'x'}", "{'a': NULL, 'b': NULL}", "{'a': -1, 'b': ''}", "{'a': 2147483647, 'b': 'it''s'}"],
}


class FuzzGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    # -- values ------------------------------------------------------------------------------

    def literal(self, column: Column, edge_share: float = 0.5) -> str:
        """A typed SQL literal for `column`: an edge value or a random one."""
        rng = self.rng
        kind, sql_type = column.kind, column.sql_type
        if kind == "key":
            return str(rng.randint(0, 9))
        if kind == "int":
            low, high = INT_RANGES[sql_type]
            if rng.random() < edge_share:
                return f"CAST({rng.choice([low, high, 0, 1, low + 1, high - 1])} AS {sql_type})"
            return f"CAST({rng.randint(max(low, -10 ** 6), min(high, 10 ** 6))} AS {sql_type})"
        if kind == "float":
            if rng.random() < edge_share:
                return f"{rng.choice(EDGE_LITERALS['float_' + sql_type])}::{sql_type}"
            return f"'{rng.randint(-8000, 8000) / 8}'::{sql_type}"
        if kind == "decimal":
            if rng.random() < edge_share:
                return f"CAST({rng.choice(EDGE_LITERALS['decimal_' + sql_type])} AS {sql_type})"
            scale = 10 if "38" in sql_type else 3
            return f"CAST({rng.randint(-10 ** 6, 10 ** 6)}.{rng.randint(0, 10 ** scale - 1):0{scale}d} AS {sql_type})"
        if kind == "string":
            if rng.random() < edge_share:
                return quote(rng.choice(STRING_EDGES))
            return quote("".join(rng.choice(STRING_ALPHABET) for _ in range(rng.randint(0, 10))))
        if kind == "blob":
            if rng.random() < edge_share:
                return f"{rng.choice(EDGE_LITERALS['blob'])}::BLOB"
            return "'" + "".join(f"\\x{rng.randint(0, 255):02X}" for _ in range(rng.randint(0, 5))) + "'::BLOB"
        if kind == "date":
            if rng.random() < edge_share:
                return f"DATE {rng.choice(EDGE_LITERALS['date'])}"
            return f"DATE '{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}'"
        if kind in ("timestamp", "timestamptz"):
            keyword = "TIMESTAMP" if kind == "timestamp" else "TIMESTAMPTZ"
            if rng.random() < edge_share:
                return f"{keyword} {rng.choice(EDGE_LITERALS[kind])}"
            zone = rng.choice(["+00", "-08", "+05:30"]) if kind == "timestamptz" else ""
            return (f"{keyword} '{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}{zone}'")
        if kind == "interval":
            if rng.random() < edge_share:
                return f"INTERVAL {rng.choice(EDGE_LITERALS['interval'])}"
            return f"INTERVAL '{rng.randint(-30, 30)} months {rng.randint(-40, 40)} days {rng.randint(-10 ** 11, 10 ** 11)} microseconds'"
        if kind == "bool":
            return rng.choice(["true", "false"])
        if kind == "uuid":
            if rng.random() < edge_share:
                return f"{rng.choice(EDGE_LITERALS['uuid'])}::UUID"
            return f"'{uuid.UUID(int=rng.getrandbits(128))}'::UUID"
        if kind == "enum":
            return f"{quote(rng.choice(ENUM_LABELS))}::{ENUM_TYPE}"
        if kind == "list":
            if rng.random() < edge_share:
                return f"{rng.choice(EDGE_LITERALS['list'])}::INTEGER[]"
            items = [rng.choice(["NULL", str(rng.randint(-3, 3))]) for _ in range(rng.randint(0, 4))]
            return f"[{', '.join(items)}]::INTEGER[]"
        if kind == "struct":
            if rng.random() < edge_share:
                return f"{rng.choice(EDGE_LITERALS['struct'])}::{sql_type}"
            return f"{{'a': {rng.randint(-3, 3)}, 'b': {self.literal(BY_NAME['s'])}}}::{sql_type}"
        raise AssertionError(kind)

    def table_statements(self, name: str, rows: int, null_share: float = 0.15) -> List[str]:
        """CREATE TABLE and INSERT for a table of every column kind; `id` is unique and never NULL."""
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in COLUMNS)
        values = []
        for row in range(rows):
            cells = [str(row)]
            for column in COLUMNS:
                null = column.kind != "key" and self.rng.random() < null_share
                cells.append("NULL" if null else self.literal(column, edge_share=0.4))
            values.append(f"({', '.join(cells)})")
        return [f"CREATE TABLE {name} (id INTEGER NOT NULL, {columns})", f"INSERT INTO {name} VALUES {', '.join(values)}"]

    # -- predicates --------------------------------------------------------------------------

    def predicate(self, alias: str = "", depth: int = 0) -> str:
        rng = self.rng
        if depth < 2 and rng.random() < 0.3:
            shape = rng.choice(["and", "or", "not"])
            if shape == "not":
                return f"NOT ({self.predicate(alias, depth + 1)})"
            return f"({self.predicate(alias, depth + 1)} {shape.upper()} {self.predicate(alias, depth + 1)})"
        return self.atom(rng.choice(COLUMNS), alias)

    def atom(self, column: Column, alias: str = "") -> str:
        rng = self.rng
        ref = f"{alias}.{column.name}" if alias else column.name
        q = lambda name: f"{alias}.{name}" if alias else name  # noqa: E731
        lit = lambda: self.literal(column)  # noqa: E731
        common = [
            lambda: f"{ref} {rng.choice(['=', '<>', '<', '<=', '>', '>='])} {lit()}",
            lambda: f"{ref} IS NULL",
            lambda: f"{ref} IS NOT NULL",
            lambda: f"{ref} IS DISTINCT FROM {lit()}",
            lambda: f"{ref} IS NOT DISTINCT FROM {lit()}",
            lambda: f"{ref} {rng.choice(['IN', 'NOT IN'])} ({', '.join(lit() for _ in range(rng.randint(1, 4)))})",
            lambda: f"{ref} {rng.choice(['BETWEEN', 'NOT BETWEEN'])} {lit()} AND {lit()}",
        ]
        special: List[Callable[[], str]] = []
        kind = column.kind
        if kind == "float":
            special += [
                lambda: f"{ref} {rng.choice(['=', '<>', '<', '>', '<=', '>='])} {rng.choice(['nan', '-0.0', '0.0', 'inf', '-inf'])!r}::{column.sql_type}",
                lambda: f"isnan({ref})",
                lambda: f"{ref} = 0",
                lambda: f"{ref} > {rng.choice(['1e308', '-1e308', '3.4e38'])}",
                lambda: f"{q('f')} {rng.choice(['=', '<', '>'])} {q('d')}",
            ]
        if kind == "int":
            special += [
                lambda: f"{ref} {rng.choice(['=', '<', '>='])} {rng.randint(-300, 300)}",
                lambda: f"{ref} % 3 = {rng.randint(0, 2)}",
                lambda: f"{q('ti')} {rng.choice(['<', '=', '>'])} {q('si')}",
            ]
        if kind == "decimal":
            special += [lambda: f"{ref} {rng.choice(['<', '>', '='])} {rng.randint(-5, 5)}.5",
                        lambda: f"{q('m18')} {rng.choice(['<', '>'])} {q('m38')}"]
        if kind == "string":
            patterns = ["a%", "%a", "%é%", "x\\%y", "x_y", "_", "", "%", "it''s%", "日%", "%🦆", "item-1%", "ITEM%"]
            special += [
                lambda: f"{ref} {rng.choice(['LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'])} '{rng.choice(patterns)}'",
                lambda: f"{ref} LIKE 'x\\%%' ESCAPE '\\'",
                lambda: f"prefix({ref}, {quote(rng.choice(['it', 'item-1', 'a', '', '日']))})",
                lambda: f"starts_with({ref}, {quote(rng.choice(['h', 'x', ' ']))})",
                lambda: f"contains({ref}, {quote(rng.choice(['a', '%', '_', 'é']))})",
                lambda: f"length({ref}) {rng.choice(['=', '>', '<'])} {rng.randint(0, 6)}",
                lambda: f"lower({ref}) = {quote(rng.choice(['abc', 'a', 'héllo wörld']))}",
            ]
        if kind in ("date", "timestamp", "timestamptz"):
            special += [lambda: f"isfinite({ref})", lambda: f"year({ref}) {rng.choice(['<', '>', '='])} {rng.choice([1970, 2024, 1, 9999])}"]
        if kind == "bool":
            special += [lambda: ref, lambda: f"NOT {ref}", lambda: f"{ref} IS TRUE", lambda: f"{ref} IS NOT FALSE"]
        if kind == "enum":
            special += [lambda: f"{ref} = {quote(rng.choice(ENUM_LABELS))}", lambda: f"{ref}::VARCHAR LIKE 'h%'"]
        if kind == "list":
            special += [lambda: f"len({ref}) {rng.choice(['=', '>', '<'])} {rng.randint(0, 3)}",
                        lambda: f"list_contains({ref}, {rng.randint(-2, 3)})", lambda: f"{ref}[1] {rng.choice(['=', '<', '>'])} {rng.randint(-2, 2)}"]
        if kind == "struct":
            special += [lambda: f"{ref}.a {rng.choice(['=', '<', '>', '<>'])} {rng.randint(-2, 2)}",
                        lambda: f"{ref}.b {rng.choice(['=', 'LIKE'])} {quote(rng.choice(['x', '', 'it%', 'a%']))}",
                        lambda: f"{ref}.a IS NULL"]
        if kind == "key":
            special += [lambda: f"{ref} {rng.choice(['=', '<', '>'])} {rng.randint(0, 9)}"]
        choices = common + special * 2
        return rng.choice(choices)()

    # -- expressions -------------------------------------------------------------------------

    def expression(self, column: Column, alias: str = "") -> str:
        """A projection over one column that cannot overflow or fail on edge values."""
        rng = self.rng
        c = f"{alias}.{column.name}" if alias else column.name
        by_kind = {
            "key": [f"{c} * 10", f"{c} + 1", f"coalesce({c}, -1)"],
            "int": [f"{c} % 7", f"{c} // 3", f"sign({c})", f"{c}::DOUBLE", f"{c}::VARCHAR", f"greatest({c}, 0)",
                    f"CASE WHEN {c} > 0 THEN 'pos' WHEN {c} < 0 THEN 'neg' ELSE 'zero' END", f"coalesce({c}, 42)",
                    f"hash({c})", f"{c} = 0"],
            "float": [f"{c} * 2", f"-{c}", f"abs({c})", f"{c} + 0.5", f"round({c}, 2)", f"isnan({c})", f"isinf({c})",
                      f"sign({c})", f"{c}::VARCHAR", f"{c} / 3", f"floor({c})", f"{c}::DOUBLE"],
            "decimal": [f"-{c}", f"abs({c})", f"round({c}, 1)", f"{c}::DOUBLE", f"{c}::VARCHAR", f"floor({c})",
                        f"ceil({c})", f"{c} / 7"],
            "string": [f"upper({c})", f"lower({c})", f"length({c})", f"{c} || '!'", f"substring({c}, 2, 3)",
                       f"reverse({c})", f"strlen({c})", f"replace({c}, 'a', 'b')", f"concat_ws('-', {c}, 'x')",
                       f"md5({c})", f"{c} LIKE '%a%'", f"left({c}, 1)"],
            "blob": [f"octet_length({c})", f"{c}::VARCHAR", f"hex({c})", f"{c} || '\\x01'::BLOB"],
            "date": [f"year({c})", f"isfinite({c})", f"{c}::VARCHAR", f"dayofweek({c})", f"monthname({c})",
                     f"extract(month FROM {c})"],
            "timestamp": [f"year({c})", f"epoch_us({c})", f"{c}::DATE", f"{c}::VARCHAR", f"isfinite({c})", f"hour({c})"],
            "timestamptz": [f"{c}::VARCHAR", f"epoch_us({c})", f"isfinite({c})", f"{c}::TIMESTAMP"],
            "interval": [f"{c}::VARCHAR", f"datepart('day', {c})", f"{c} > INTERVAL 1 DAY"],
            "bool": [f"NOT {c}", f"{c}::INTEGER", f"{c} AND true", f"{c} IS TRUE", f"CASE WHEN {c} THEN 1 ELSE 0 END"],
            "uuid": [f"{c}::VARCHAR", f"upper({c}::VARCHAR)", f"{c} < '80000000-0000-0000-0000-000000000000'::UUID"],
            "enum": [f"{c}::VARCHAR", f"enum_code({c})", f"{c} = 'ok'"],
            "list": [f"len({c})", f"{c}[1]", f"list_contains({c}, 1)", f"{c}::VARCHAR", f"list_sort({c})",
                     f"list_transform({c}, lambda x: x // 2)"],
            "struct": [f"{c}.a", f"{c}.b", f"{c}::VARCHAR", f"struct_extract({c}, 'b')"],
        }
        return rng.choice(by_kind[column.kind])

    # -- queries -----------------------------------------------------------------------------

    def column(self, names: Sequence[str] = ()) -> Column:
        return BY_NAME[self.rng.choice(list(names))] if names else self.rng.choice(COLUMNS)

    def filter_batch(self, predicates: Sequence[str]) -> str:
        counts = ", ".join(f"count(*) FILTER (WHERE {p}) AS c{i}" for i, p in enumerate(predicates))
        return f"SELECT {counts} FROM {{t}}"

    def where_query(self, predicate: str) -> str:
        return f"SELECT id, {self.column().name} AS c1 FROM {{t}} WHERE {predicate}"

    def projection_query(self) -> str:
        exprs = ", ".join(f"{self.expression(self.column())} AS c{i}" for i in range(1, self.rng.randint(2, 5)))
        return f"SELECT id, {exprs} FROM {{t}} WHERE {self.predicate()}"

    def aggregate_query(self) -> str:
        c, n = self.column(), self.column(SUMMABLE)
        return (f"SELECT count(*) AS c0, count({c.name}) AS c1, min({c.name}) AS c2, max({c.name}) AS c3, "
                f"count(DISTINCT {c.name}) AS c4, sum({n.name}) AS c5, avg({n.name}) AS c6 FROM {{t}} WHERE {self.predicate()}")

    def group_query(self) -> str:
        g, c, n = self.column(GROUP_KEYS), self.column(), self.column(SUMMABLE)
        having = f" HAVING count(*) > {self.rng.randint(0, 3)}" if self.rng.random() < 0.3 else ""
        return (f"SELECT {g.name} AS c0, count(*) AS c1, min({c.name}) AS c2, max({c.name}) AS c3, sum({n.name}) AS c4 "
                f"FROM {{t}} WHERE {self.predicate()} GROUP BY {g.name}{having}")

    def order_limit_query(self) -> str:
        c = self.column(ORDERABLE)
        direction = self.rng.choice(["ASC", "DESC"])
        nulls = self.rng.choice(["NULLS FIRST", "NULLS LAST", ""])
        offset = f" OFFSET {self.rng.randint(1, 20)}" if self.rng.random() < 0.3 else ""
        return (f"SELECT id, {c.name} AS c1 FROM {{t}} WHERE {self.predicate()} "
                f"ORDER BY {c.name} {direction} {nulls}, id LIMIT {self.rng.randint(1, 40)}{offset}")

    def distinct_query(self) -> str:
        c = self.column()
        if self.rng.random() < 0.5:
            return f"SELECT DISTINCT {c.name} AS c0 FROM {{t}} WHERE {self.predicate()}"
        g = self.column(GROUP_KEYS)
        return f"SELECT DISTINCT {g.name} AS c0, {self.expression(c)} AS c1 FROM {{t}}"

    def window_query(self) -> str:
        c, n, g = self.column(ORDERABLE), self.column(SUMMABLE), self.column(GROUP_KEYS)
        return (f"SELECT id, row_number() OVER (PARTITION BY {g.name} ORDER BY {c.name} NULLS FIRST, id) AS c1, "
                f"sum({n.name}) OVER (PARTITION BY {g.name}) AS c2, lag({c.name}) OVER (ORDER BY id) AS c3, "
                f"rank() OVER (ORDER BY {c.name}) AS c4, count(*) OVER (PARTITION BY {g.name}) AS c5, "
                f"first_value({c.name}) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS c6 "
                f"FROM {{t}} WHERE {self.predicate()}")

    def set_query(self) -> str:
        c = self.column()
        op = self.rng.choice(["UNION", "UNION ALL", "EXCEPT", "EXCEPT ALL", "INTERSECT", "INTERSECT ALL"])
        return f"SELECT {c.name} AS c0 FROM {{t}} WHERE {self.predicate()} {op} SELECT {c.name} FROM {{t2}} WHERE {self.predicate()}"

    def subquery_query(self) -> str:
        rng = self.rng
        c = self.column([x.name for x in COLUMNS if x.kind not in ("list", "struct")])
        n = self.column(SUMMABLE)
        shapes = [
            lambda: f"SELECT id FROM {{t}} WHERE {c.name} {rng.choice(['IN', 'NOT IN'])} (SELECT {c.name} FROM {{t2}} WHERE {self.predicate()})",
            lambda: (f"SELECT a.id FROM {{t}} a WHERE {rng.choice(['EXISTS', 'NOT EXISTS'])} "
                     f"(SELECT 1 FROM {{t2}} b WHERE b.k = a.k AND {self.predicate('b')})"),
            lambda: f"SELECT id, (SELECT max({c.name}) FROM {{t2}} WHERE {self.predicate()}) AS c1 FROM {{t}} WHERE {self.predicate()}",
            lambda: (f"SELECT a.id, (SELECT count(*) FROM {{t2}} b WHERE b.k = a.k AND {self.predicate('b')}) AS c1 "
                     f"FROM {{t}} a WHERE {self.predicate('a')}"),
            lambda: (f"SELECT a.id FROM {{t}} a WHERE a.{n.name} > "
                     f"(SELECT avg(b.{n.name}) FROM {{t2}} b WHERE b.k = a.k)"),
            lambda: (f"SELECT a.id, b.id AS c1 FROM {{t}} a JOIN {{t2}} b ON a.{c.name} = b.{c.name} "
                     f"WHERE {self.predicate('a')}"),
        ]
        return rng.choice(shapes)()


def fill(template: str, t: str, t2: str) -> str:
    """The query for concrete tables (not str.format: struct literals hold braces too)."""
    return template.replace("{t2}", t2).replace("{t}", t)
